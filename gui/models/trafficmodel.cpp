#include "trafficmodel.h"

#include <warden/frame.h>
#include <warden/protocol/names.h>

#include <QtCore/QDateTime>
#include <QtCore/QIODevice>
#include <QtCore/QLocale>
#include <QtGui/QColor>

#include <algorithm>

namespace Warden::Internal {

namespace {

QString csvField(const QString &text)
{
    if (!text.contains(u',') && !text.contains(u'"') && !text.contains(u'\n')
        && !text.contains(u'\r'))
        return text;
    QString quoted = text;
    quoted.replace(u'"', QStringLiteral("\"\""));
    return u'"' + quoted + u'"';
}

bool hasMessage(const TrafficRecord &record)
{
    return record.verdict != FrameVerdict::Malformed && record.message.size() > 0;
}

} // namespace

TrafficModel::TrafficModel(QObject *parent)
    : BatchedTableModel(kPublishIntervalMs, parent)
{ }

void TrafficModel::setCapacity(int rows)
{
    m_capacity = std::max(1, rows);
    if (int(m_rows.size()) > m_capacity) {
        const int excess = int(m_rows.size()) - m_capacity;
        beginRemoveRows({}, 0, excess - 1);
        m_rows.erase(m_rows.begin(), m_rows.begin() + excess);
        endRemoveRows();
    }
    if (int(m_pending.size()) > m_capacity)
        m_pending.erase(m_pending.begin(), m_pending.end() - m_capacity);
}

void TrafficModel::append(const QString &network, const TrafficRecord &record)
{
    if (int(m_pending.size()) >= m_capacity) {
        // Only possible while paused (or between publishes at an absurd rate): the oldest
        // queued frame would leave the ring anyway.
        m_pending.pop_front();
        ++m_dropped;
    }
    m_pending.push_back(Row {networkIndex(network), record});
    if (!m_paused)
        schedulePublish();
}

void TrafficModel::publishNow()
{
    cancelPublish();
    if (m_paused || m_pending.empty())
        return;
    const int incoming = int(m_pending.size());
    const int excess = int(m_rows.size()) + incoming - m_capacity;
    if (excess > 0) {
        const int remove = std::min(excess, int(m_rows.size()));
        beginRemoveRows({}, 0, remove - 1);
        m_rows.erase(m_rows.begin(), m_rows.begin() + remove);
        endRemoveRows();
    }
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + incoming - 1);
    for (Row &row : m_pending)
        m_rows.push_back(std::move(row));
    m_pending.clear();
    endInsertRows();
}

void TrafficModel::setPaused(bool paused)
{
    if (paused == m_paused)
        return;
    m_paused = paused;
    if (!paused) {
        m_dropped = 0;
        publishNow();
    }
}

void TrafficModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_pending.clear();
    m_dropped = 0;
    endResetModel();
}

const TrafficRecord *TrafficModel::recordAt(int row) const
{
    return row >= 0 && row < int(m_rows.size()) ? &m_rows[size_t(row)].record : nullptr;
}

int TrafficModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int TrafficModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString TrafficModel::text(const Row &row, int column) const
{
    const TrafficRecord &r = row.record;
    const Protocol::Message &m = r.message;
    const bool decoded = hasMessage(r);
    switch (column) {
    case TimeColumn:
        return QDateTime::fromMSecsSinceEpoch(r.timestampMs)
                .toLocalTime()
                .toString(QStringLiteral("HH:mm:ss.zzz"));
    case NetworkColumn:
        return networkName(row.network);
    case DirectionColumn:
        return r.outgoing ? tr("out") : tr("in");
    case FromColumn:
        return decoded ? QString::number(m.sender()) : QString();
    case ToColumn:
        return decoded ? QString::number(m.destination()) : QString();
    case ChildColumn:
        return decoded ? QString::number(m.sensor()) : QString();
    case CommandColumn:
        return decoded ? QLatin1String(Protocol::commandName(uint8_t(m.command()))) : QString();
    case TypeColumn:
        return decoded ? QLatin1String(Protocol::typeName(uint8_t(m.command()), m.type()))
                       : QString();
    case PayloadColumn:
        return decoded ? payloadText(m) : QString::fromLatin1(r.raw.toHex(' '));
    case VerdictColumn:
        return QLatin1String(frameVerdictName(r.verdict));
    case DetailColumn:
        return r.detail;
    }
    return {};
}

QVariant TrafficModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows[size_t(index.row())];
    const TrafficRecord &r = row.record;
    switch (role) {
    case Qt::DisplayRole:
        return text(row, index.column());
    case Qt::ToolTipRole:
        if (index.column() == VerdictColumn || index.column() == DetailColumn)
            return r.detail.isEmpty() ? text(row, VerdictColumn) : r.detail;
        return hasMessage(r) ? describeMessage(r.message) : QString();
    case Qt::ForegroundRole:
        if (index.column() == VerdictColumn && !isAccepted(r.verdict))
            return QColor(0xdc, 0x26, 0x26);
        return {};
    case VerdictRole:
        return int(r.verdict);
    case AcceptedRole:
        return isAccepted(r.verdict);
    case NodeRole:
        if (!hasMessage(r))
            return -1;
        return int(r.outgoing ? r.message.destination() : r.message.sender());
    case TimestampRole:
        return r.timestampMs;
    default:
        return {};
    }
}

QVariant TrafficModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case NetworkColumn:
        return tr("Network");
    case DirectionColumn:
        return tr("Dir");
    case FromColumn:
        return tr("From");
    case ToColumn:
        return tr("To");
    case ChildColumn:
        return tr("Child");
    case CommandColumn:
        return tr("Command");
    case TypeColumn:
        return tr("Type");
    case PayloadColumn:
        return tr("Payload");
    case VerdictColumn:
        return tr("Verdict");
    case DetailColumn:
        return tr("Why");
    }
    return {};
}

bool TrafficModel::exportCsv(QIODevice *device) const
{
    QStringList header;
    for (int c = 0; c < ColumnCount; ++c)
        header << csvField(headerData(c, Qt::Horizontal).toString());
    if (device->write(header.join(u',').toUtf8() + "\r\n") < 0)
        return false;
    for (const Row &row : m_rows) {
        QStringList fields;
        for (int c = 0; c < ColumnCount; ++c)
            fields << csvField(text(row, c));
        if (device->write(fields.join(u',').toUtf8() + "\r\n") < 0)
            return false;
    }
    return true;
}

// --- TrafficFilterProxy ---------------------------------------------------------------------

TrafficFilterProxy::TrafficFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{ }

void TrafficFilterProxy::setNodes(const QList<quint8> &nodes)
{
    m_nodes.reset();
    for (quint8 node : nodes)
        m_nodes.set(node);
    invalidateRowsFilter();
}

void TrafficFilterProxy::setVerdicts(const QList<FrameVerdict> &verdicts)
{
    m_verdicts.reset();
    for (FrameVerdict verdict : verdicts)
        m_verdicts.set(size_t(verdict));
    invalidateRowsFilter();
}

void TrafficFilterProxy::setRejectedOnly(bool rejectedOnly)
{
    m_rejectedOnly = rejectedOnly;
    invalidateRowsFilter();
}

bool TrafficFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &) const
{
    const auto *traffic = qobject_cast<const TrafficModel *>(sourceModel());
    const TrafficRecord *r = traffic ? traffic->recordAt(sourceRow) : nullptr;
    if (!r)
        return true;
    if (m_rejectedOnly && isAccepted(r->verdict))
        return false;
    if (m_verdicts.any() && !m_verdicts.test(size_t(r->verdict)))
        return false;
    if (m_nodes.any()) {
        if (r->verdict == FrameVerdict::Malformed || r->message.size() == 0)
            return false;
        const quint8 node = r->outgoing ? r->message.destination() : r->message.sender();
        if (!m_nodes.test(node))
            return false;
    }
    return true;
}

} // namespace Warden::Internal
