// The inventory's schema: its versions, the migration steps between them, and the checks
// that refuse a file which is not ours before anything is written to it.
#pragma once

#include <warden/error.h>

#include <QtCore/QString>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>

namespace Warden {
namespace Internal {
namespace Schema {

/// PRAGMA user_version this build writes.
constexpr int kCurrentVersion = 4;
/// PRAGMA application_id: "WARD".
constexpr qint64 kApplicationId = 0x57415244;

/// What a probe found in an existing file.
struct ProbeResult
{
    int version = 0; ///< 0: empty, to be created
};

/// Opens @p path read-only on its own connection and checks that it is an SQLite file, an
/// inventory (or empty), of a version this build knows, and (if @p checkIntegrity) intact.
/// Nothing is written to the file.
Result<ProbeResult> probe(const QString &path, bool checkIntegrity);

/// Switches @p db to WAL and runs the migration steps from @p fromVersion to the current one,
/// each in its own transaction.
Result<void> migrate(QSqlDatabase &db, const QString &path, int fromVersion);

/// Executes @p sql on @p db; on failure, @p error gets SQLite's text.
bool exec(QSqlDatabase &db, const QString &sql, QString *error = nullptr);

/// A unique QtSql connection name (connections are per thread and per purpose).
QString newConnectionName(const char *purpose);

/// SQLite's words for the last error of a query or connection.
QString sqliteText(const QSqlError &error);

} // namespace Schema
} // namespace Internal
} // namespace Warden
