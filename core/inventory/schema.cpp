// Schema versions and migrations. Version N is reached from N-1 by kSteps[N-1]; a step runs
// in one transaction together with the user_version it sets, so a crash mid-migration leaves
// the previous version whole. Steps are never edited once released: a change is a new step.
#include "inventory_p.h"
#include "schema_p.h"

#include <QtCore/QAtomicInteger>
#include <QtCore/QFileInfo>
#include <QtSql/QSqlQuery>

namespace Warden {
namespace Internal {
namespace Schema {

namespace {

// Version 1: nodes, children, last values, verdict counters, node ids, revocations, key
// epochs and the audit log.
const char *const kVersion1[] = {
        R"(CREATE TABLE nodes (
    id INTEGER PRIMARY KEY CHECK (id BETWEEN 0 AND 254),
    node_type INTEGER,
    sketch_name TEXT,
    sketch_version TEXT,
    library_version TEXT,
    parent INTEGER,
    distance INTEGER,
    battery INTEGER,
    first_seen_ms INTEGER,
    last_seen_ms INTEGER,
    serial_hex TEXT,
    link_key_fp TEXT,
    mgmt_key_fp TEXT,
    signing_required INTEGER,
    whitelist_required INTEGER,
    quarantined INTEGER NOT NULL DEFAULT 0,
    revoked INTEGER NOT NULL DEFAULT 0))",
        R"(CREATE TABLE children (
    node INTEGER NOT NULL,
    child INTEGER NOT NULL,
    sensor_type INTEGER,
    description TEXT,
    PRIMARY KEY (node, child)) WITHOUT ROWID)",
        R"(CREATE TABLE child_values (
    node INTEGER NOT NULL,
    child INTEGER NOT NULL,
    value_type INTEGER NOT NULL,
    value TEXT NOT NULL,
    when_ms INTEGER NOT NULL,
    PRIMARY KEY (node, child, value_type)) WITHOUT ROWID)",
        R"(CREATE TABLE verdict_counts (
    node INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (node, verdict)) WITHOUT ROWID)",
        R"(CREATE TABLE node_ids (
    id INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 254),
    state TEXT NOT NULL CHECK (state IN ('allocated', 'quarantined')),
    since_ms INTEGER NOT NULL,
    who TEXT NOT NULL))",
        R"(CREATE TABLE revocations (
    id INTEGER PRIMARY KEY,
    node INTEGER NOT NULL,
    serial_hex TEXT,
    link_key_fp TEXT,
    who TEXT NOT NULL,
    when_ms INTEGER NOT NULL,
    why TEXT NOT NULL))",
        R"(CREATE TABLE key_epochs (
    epoch INTEGER NOT NULL,
    scope TEXT NOT NULL,
    key_fp TEXT NOT NULL,
    state TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    activated_ms INTEGER,
    retired_ms INTEGER,
    PRIMARY KEY (epoch, scope)) WITHOUT ROWID)",
        R"(CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    when_ms INTEGER NOT NULL,
    who TEXT NOT NULL,
    what TEXT NOT NULL,
    why TEXT NOT NULL,
    node INTEGER,
    details TEXT NOT NULL DEFAULT '{}'))",
        "CREATE INDEX audit_log_by_time ON audit_log (when_ms)",
        "PRAGMA application_id = 1463898692",
};

// Version 2: heartbeat and per-child last-seen times; jobs and key-rotation state, which must
// survive a restart of core (security model); the audit log by node.
const char *const kVersion2[] = {
        "ALTER TABLE nodes ADD COLUMN last_heartbeat_ms INTEGER",
        "ALTER TABLE children ADD COLUMN last_seen_ms INTEGER",
        R"(CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    node INTEGER NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL))",
        "CREATE INDEX jobs_by_node ON jobs (node, state)",
        R"(CREATE TABLE rotations (
    id INTEGER PRIMARY KEY,
    epoch INTEGER NOT NULL,
    scope TEXT NOT NULL,
    step TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT '{}',
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL))",
        "CREATE INDEX audit_log_by_node ON audit_log (node, when_ms)",
};

// Version 3: the node's last signal report (I_SIGNAL_REPORT_RESPONSE): value, the metric it
// was asked for (spec 10.12: R r S s P T U, or '?' when the request was not seen) and when.
const char *const kVersion3[] = {
        "ALTER TABLE nodes ADD COLUMN signal_report INTEGER",
        "ALTER TABLE nodes ADD COLUMN signal_metric TEXT",
        "ALTER TABLE nodes ADD COLUMN signal_report_ms INTEGER",
};

// Version 4: what outlives a daemon's run around key rotations: the rotation plan a
// revocation says must follow (until a rotation covers it), and the final report of each
// finished rotation. Node lists, epochs, times and fingerprints only: never key bytes.
const char *const kVersion4[] = {
        R"(CREATE TABLE revocation_plans (
    revocation INTEGER PRIMARY KEY,
    node INTEGER NOT NULL,
    burnt_epoch INTEGER NOT NULL,
    plan TEXT NOT NULL DEFAULT '{}',
    created_ms INTEGER NOT NULL))",
        R"(CREATE TABLE rotation_reports (
    rotation INTEGER PRIMARY KEY,
    step TEXT NOT NULL,
    report TEXT NOT NULL DEFAULT '{}',
    finished_ms INTEGER NOT NULL))",
};

struct Step
{
    const char *const *statements;
    size_t count;
};

template<size_t N>
constexpr Step step(const char *const (&statements)[N])
{
    return Step {statements, N};
}

const Step kSteps[] = {step(kVersion1), step(kVersion2), step(kVersion3), step(kVersion4)};
static_assert(sizeof kSteps / sizeof kSteps[0] == size_t(kCurrentVersion),
              "one migration step per schema version");

} // namespace

QString newConnectionName(const char *purpose)
{
    static QAtomicInteger<quint64> counter;
    return QStringLiteral("warden.inventory.%1.%2")
            .arg(QLatin1String(purpose))
            .arg(counter.fetchAndAddRelaxed(1));
}

QString sqliteText(const QSqlError &error)
{
    QString text = error.databaseText();
    if (text.isEmpty())
        text = error.driverText();
    return text;
}

bool exec(QSqlDatabase &db, const QString &sql, QString *error)
{
    QSqlQuery query(db);
    if (query.exec(sql))
        return true;
    if (error)
        *error = sqliteText(query.lastError());
    return false;
}

namespace {

/// SQLITE_CORRUPT: an SQLite file whose pages do not hold together (as opposed to
/// SQLITE_NOTADB, a file that is not SQLite at all).
bool isCorruption(const QSqlError &error)
{
    return error.nativeErrorCode().toInt() == 11;
}

} // namespace

Result<ProbeResult> probe(const QString &path, bool checkIntegrity)
{
    const QString name = newConnectionName("probe");
    Result<ProbeResult> result = ProbeResult {};
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=5000"));
        result = [&]() -> Result<ProbeResult> {
            if (!db.open()) {
                return fail(ErrorCode::Refused,
                            QStringLiteral("cannot open the inventory '%1' (%2)")
                                    .arg(path, sqliteText(db.lastError())));
            }
            QSqlQuery query(db);
            // The first read of the schema is where SQLite checks the file header.
            if (!query.exec(QStringLiteral("SELECT count(*) FROM sqlite_master"))
                || !query.next()) {
                if (isCorruption(query.lastError())) {
                    return fail(ErrorCode::Malformed,
                                QStringLiteral("'%1' is damaged (%2); it was not opened and was "
                                               "left as it is")
                                        .arg(path, sqliteText(query.lastError())));
                }
                return fail(ErrorCode::Malformed,
                            QStringLiteral("'%1' is not a Warden inventory: SQLite cannot read it "
                                           "as a database (%2); the file was left as it is")
                                    .arg(path, sqliteText(query.lastError())));
            }
            const qint64 objects = query.value(0).toLongLong();
            auto pragma = [&](const char *pragmaName) -> std::optional<qint64> {
                QSqlQuery q(db);
                if (!q.exec(QStringLiteral("PRAGMA %1").arg(QLatin1String(pragmaName)))
                    || !q.next())
                    return std::nullopt;
                return q.value(0).toLongLong();
            };
            const std::optional<qint64> version = pragma("user_version");
            const std::optional<qint64> applicationId = pragma("application_id");
            if (!version || !applicationId) {
                return fail(ErrorCode::Malformed,
                            QStringLiteral("'%1' is not a Warden inventory: its header cannot be "
                                           "read")
                                    .arg(path));
            }
            if (*version == 0) {
                if (objects > 0 || *applicationId != 0) {
                    return fail(ErrorCode::Malformed,
                                QStringLiteral("'%1' is an SQLite database of another program "
                                               "(it holds %2 objects and no Warden schema "
                                               "version); the file was left as it is")
                                        .arg(path)
                                        .arg(objects));
                }
            } else if (*applicationId != kApplicationId) {
                return fail(ErrorCode::Malformed,
                            QStringLiteral("'%1' is not a Warden inventory (application id "
                                           "0x%2); the file was left as it is")
                                    .arg(path)
                                    .arg(*applicationId, 8, 16, QLatin1Char('0')));
            }
            if (*version > kCurrentVersion || *version < 0) {
                return fail(ErrorCode::Refused,
                            QStringLiteral("'%1' was written by a newer Warden (schema version "
                                           "%2, this build knows up to %3); it was not opened "
                                           "and was left as it is")
                                    .arg(path)
                                    .arg(*version)
                                    .arg(kCurrentVersion));
            }
            if (checkIntegrity) {
                QSqlQuery check(db);
                if (!check.exec(QStringLiteral("PRAGMA quick_check"))) {
                    return fail(ErrorCode::Malformed,
                                QStringLiteral("'%1' is damaged: %2")
                                        .arg(path, sqliteText(check.lastError())));
                }
                QStringList problems;
                while (check.next() && problems.size() < 5)
                    problems << check.value(0).toString();
                if (problems != QStringList {QStringLiteral("ok")}) {
                    return fail(ErrorCode::Malformed,
                                QStringLiteral("'%1' is damaged (SQLite's check: %2); it was not "
                                               "opened and was left as it is")
                                        .arg(path, problems.join(QStringLiteral("; "))));
                }
            }
            return ProbeResult {int(*version)};
        }();
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return result;
}

Result<void> migrate(QSqlDatabase &db, const QString &path, int fromVersion)
{
    QString error;
    // WAL: readers never block the writer and a commit appends to the log instead of
    // rewriting pages, which is what makes small frequent batches cheap.
    QSqlQuery mode(db);
    if (!mode.exec(QStringLiteral("PRAGMA journal_mode = WAL")) || !mode.next()
        || mode.value(0).toString().compare(QLatin1String("wal"), Qt::CaseInsensitive) != 0) {
        return fail(ErrorCode::Refused,
                    QStringLiteral("cannot switch the inventory '%1' to write-ahead logging (%2)")
                            .arg(path, sqliteText(mode.lastError())));
    }
    mode.finish();

    for (int version = fromVersion; version < kCurrentVersion; ++version) {
        const Step &s = kSteps[version];
        // IMMEDIATE takes the write lock up front, so a second writer waits instead of
        // failing half way.
        if (!exec(db, QStringLiteral("BEGIN IMMEDIATE"), &error)) {
            return fail(ErrorCode::Refused,
                        QStringLiteral("cannot migrate the inventory '%1' to schema version %2: "
                                       "%3")
                                .arg(path)
                                .arg(version + 1)
                                .arg(error));
        }
        bool ok = true;
        for (size_t i = 0; ok && i < s.count; ++i)
            ok = exec(db, QString::fromLatin1(s.statements[i]), &error);
        if (ok)
            ok = exec(db, QStringLiteral("PRAGMA user_version = %1").arg(version + 1), &error);
        if (ok)
            ok = exec(db, QStringLiteral("COMMIT"), &error);
        if (!ok) {
            exec(db, QStringLiteral("ROLLBACK"));
            return fail(ErrorCode::Refused,
                        QStringLiteral("migrating the inventory '%1' from schema version %2 to "
                                       "%3 failed (%4); it stays at version %2")
                                .arg(path)
                                .arg(version)
                                .arg(version + 1)
                                .arg(error));
        }
        if (fromVersion > 0) {
            qCInfo(lcInventory, "migrated %s from schema version %d to %d", qUtf8Printable(path),
                   version, version + 1);
        }
    }
    return {};
}

} // namespace Schema
} // namespace Internal
} // namespace Warden
