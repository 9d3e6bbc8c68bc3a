#include "auditlogmodel.h"

#include <QtCore/QDateTime>
#include <QtCore/QJsonArray>
#include <QtCore/QRegularExpression>

namespace Warden::Internal {

namespace {

const QRegularExpression &fingerprintPattern()
{
    static const QRegularExpression pattern(
            QStringLiteral("^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$"));
    return pattern;
}

void collectFingerprints(const QJsonValue &value, const QString &name, QStringList *out)
{
    if (value.isString()) {
        const QString text = value.toString();
        if (fingerprintPattern().match(text).hasMatch())
            out->append(name.isEmpty() ? text : name + QStringLiteral(": ") + text);
    } else if (value.isArray()) {
        for (const QJsonValue &item : value.toArray())
            collectFingerprints(item, name, out);
    } else if (value.isObject()) {
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it)
            collectFingerprints(it.value(), it.key(), out);
    }
}

} // namespace

AuditLogModel::AuditLogModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

QStringList AuditLogModel::fingerprintsOf(const AuditEntry &entry)
{
    QStringList out;
    collectFingerprints(entry.details, QString(), &out);
    return out;
}

void AuditLogModel::setEntries(const QList<AuditEntry> &entries)
{
    beginResetModel();
    m_entries = entries;
    m_fingerprints.clear();
    m_fingerprints.reserve(entries.size());
    for (const AuditEntry &entry : entries)
        m_fingerprints << fingerprintsOf(entry).join(QStringLiteral(", "));
    endResetModel();
}

Result<void> AuditLogModel::reload(Inventory *inventory, int limit)
{
    if (!inventory)
        return fail(ErrorCode::Refused, tr("No inventory is open, so there is no audit log."));
    if (auto flushed = inventory->flush(); !flushed)
        return tl::unexpected(flushed.error());
    AuditFilter filter;
    filter.limit = limit;
    auto entries = inventory->auditLog(filter);
    if (!entries)
        return tl::unexpected(entries.error());
    setEntries(*entries);
    return {};
}

int AuditLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int AuditLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AuditLogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const AuditEntry &e = m_entries.at(index.row());
    if (role == EntryIdRole)
        return e.id;
    if (role == Qt::ToolTipRole && index.column() == FingerprintColumn)
        return m_fingerprints.at(index.row());
    if (role != Qt::DisplayRole && role != Qt::EditRole)
        return {};
    switch (index.column()) {
    case TimeColumn:
        if (role == Qt::EditRole)
            return e.whenMs; // sorts by time
        return QDateTime::fromMSecsSinceEpoch(e.whenMs, Qt::LocalTime)
                .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    case ActionColumn:
        return e.what;
    case NodeColumn:
        if (role == Qt::EditRole)
            return e.node;
        return e.node < 0 ? QString() : QString::number(e.node);
    case WhoColumn:
        return e.who;
    case FingerprintColumn:
        return m_fingerprints.at(index.row());
    case WhyColumn:
        return e.why;
    default:
        return {};
    }
}

QVariant AuditLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case ActionColumn:
        return tr("Action");
    case NodeColumn:
        return tr("Node");
    case WhoColumn:
        return tr("Who");
    case FingerprintColumn:
        return tr("Fingerprints");
    case WhyColumn:
        return tr("Why");
    default:
        return {};
    }
}

AuditLogFilter::AuditLogFilter(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(Qt::EditRole);
}

void AuditLogFilter::setText(const QString &text)
{
    if (text == m_text)
        return;
    m_text = text.trimmed();
    invalidateFilter();
}

void AuditLogFilter::setNode(int node)
{
    if (node == m_node)
        return;
    m_node = node;
    invalidateFilter();
}

bool AuditLogFilter::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QAbstractItemModel *source = sourceModel();
    if (m_node >= 0
        && source->index(sourceRow, AuditLogModel::NodeColumn, sourceParent)
                           .data(Qt::EditRole)
                           .toInt()
                   != m_node)
        return false;
    if (m_text.isEmpty())
        return true;
    for (int column : {int(AuditLogModel::ActionColumn), int(AuditLogModel::WhoColumn),
                       int(AuditLogModel::FingerprintColumn), int(AuditLogModel::WhyColumn),
                       int(AuditLogModel::NodeColumn)}) {
        if (source->index(sourceRow, column, sourceParent)
                    .data()
                    .toString()
                    .contains(m_text, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

} // namespace Warden::Internal
