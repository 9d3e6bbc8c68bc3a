// The security audit log as a table: when, what, which node, who, the fingerprints the entry
// names and why. Entries come from the inventory (Inventory::auditLog), which holds the key
// store's actions too (personalize, revoke, readmit, rotate.*, keystore.*); they carry
// fingerprints and numbers, never keys.
#pragma once

#include <warden/inventory.h>

#include <QtCore/QAbstractTableModel>
#include <QtCore/QSortFilterProxyModel>

namespace Warden::Internal {

class AuditLogModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column : int {
        TimeColumn,
        ActionColumn,
        NodeColumn,
        WhoColumn,
        FingerprintColumn,
        WhyColumn,
        ColumnCount
    };
    /// The entry's id (qint64) in every column.
    static constexpr int EntryIdRole = Qt::UserRole + 1;

    explicit AuditLogModel(QObject *parent = nullptr);

    /// Replaces the rows (newest first, as the inventory returns them).
    void setEntries(const QList<AuditEntry> &entries);
    /// Reads up to @p limit entries from @p inventory (flushed first, so that what was just
    /// written shows); the error says why when it cannot be read.
    Result<void> reload(Inventory *inventory, int limit = 5000);
    const AuditEntry &entry(int row) const { return m_entries.at(row); }

    /// The fingerprints ("ab12-cd34-ef56-7890") among the entry's details, sorted by key.
    static QStringList fingerprintsOf(const AuditEntry &entry);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QList<AuditEntry> m_entries;
    QList<QString> m_fingerprints; ///< per row, joined
};

/// Filters the audit log by a text (action, who, why, fingerprint: case-insensitive) and a node.
class AuditLogFilter : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit AuditLogFilter(QObject *parent = nullptr);

    void setText(const QString &text);
    /// -1: every node.
    void setNode(int node);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_text;
    int m_node = -1;
};

} // namespace Warden::Internal
