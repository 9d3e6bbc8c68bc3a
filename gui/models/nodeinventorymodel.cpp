#include "nodeinventorymodel.h"

#include <QtCore/QDateTime>
#include <QtCore/QLocale>
#include <QtGui/QColor>

#include <algorithm>

namespace Warden::Internal {

namespace {

constexpr const char *kFailureVerdicts[]
        = {"bad-signature",   "no-nonce",       "expired-nonce", "not-signed",
           "not-whitelisted", "revoked-sender", "node-locked"};

QString yesNo(bool value)
{
    return value ? NodeInventoryModel::tr("yes") : NodeInventoryModel::tr("no");
}

QString timeText(qint64 ms)
{
    if (ms <= 0)
        return NodeInventoryModel::tr("never");
    const QDateTime when = QDateTime::fromMSecsSinceEpoch(ms).toLocalTime();
    const QLocale locale;
    if (when.date() == QDate::currentDate())
        return locale.toString(when.time(), QLocale::ShortFormat);
    return locale.toString(when, QLocale::ShortFormat);
}

quint64 failuresOf(const VerdictCounts &verdicts)
{
    quint64 sum = 0;
    for (const char *name : kFailureVerdicts)
        sum += verdicts.counts.value(QLatin1String(name));
    return sum;
}

} // namespace

QString nodeSecurityStateText(NodeSecurityState state)
{
    switch (state) {
    case NodeSecurityState::Revoked:
        return NodeInventoryModel::tr("revoked");
    case NodeSecurityState::Failing:
        return NodeInventoryModel::tr("failing verification");
    case NodeSecurityState::Unprotected:
        return NodeInventoryModel::tr("not signing");
    case NodeSecurityState::SharedKey:
        return NodeInventoryModel::tr("signed, shared key");
    case NodeSecurityState::OwnKey:
        return NodeInventoryModel::tr("signed, own key");
    }
    return {};
}

QColor nodeSecurityStateColour(NodeSecurityState state)
{
    switch (state) {
    case NodeSecurityState::Revoked:
        return QColor(0x6b, 0x72, 0x80); // grey: out of the network
    case NodeSecurityState::Failing:
        return QColor(0xdc, 0x26, 0x26); // red: look now
    case NodeSecurityState::Unprotected:
        return QColor(0xd9, 0x77, 0x06); // amber: can be forged
    case NodeSecurityState::SharedKey:
        return QColor(0x65, 0xa3, 0x0d); // light green
    case NodeSecurityState::OwnKey:
        return QColor(0x15, 0x80, 0x3d); // green
    }
    return {};
}

bool NodeInventoryModel::isFailure(QStringView verdictName)
{
    return std::any_of(std::begin(kFailureVerdicts), std::end(kFailureVerdicts),
                       [&](const char *name) { return verdictName == QLatin1String(name); });
}

NodeInventoryModel::NodeInventoryModel(QObject *parent)
    : BatchedTableModel(kPublishIntervalMs, parent)
{ }

void NodeInventoryModel::setNodes(const QString &network, const QList<NodeRecord> &nodes)
{
    const int net = networkIndex(network);
    const bool known = std::any_of(m_rows.cbegin(), m_rows.cend(),
                                   [net](const Row &row) { return row.network == net; });
    if (!known) {
        // A network's first rows are appended: views and proxies keep what they have.
        if (nodes.isEmpty())
            return;
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + int(nodes.size()) - 1);
        for (const NodeRecord &node : nodes)
            m_rows.push_back(Row {net, node, 0, failuresOf(node.verdicts)});
        reindexFrom(first);
        endInsertRows();
        return;
    }
    beginResetModel();
    std::erase_if(m_rows, [net](const Row &row) { return row.network == net; });
    m_rows.reserve(m_rows.size() + size_t(nodes.size()));
    for (const NodeRecord &node : nodes)
        m_rows.push_back(Row {net, node, 0, failuresOf(node.verdicts)});
    m_dirty.clear();
    reindexFrom(0);
    endResetModel();
}

void NodeInventoryModel::removeNetwork(const QString &network)
{
    const int net = knownNetwork(network);
    if (net < 0)
        return;
    beginResetModel();
    std::erase_if(m_rows, [net](const Row &row) { return row.network == net; });
    m_dirty.clear();
    reindexFrom(0);
    endResetModel();
}

void NodeInventoryModel::reindexFrom(int first)
{
    if (first == 0)
        m_index.clear();
    for (int row = first; row < int(m_rows.size()); ++row)
        m_index.insert(keyOf(m_rows[size_t(row)].network, m_rows[size_t(row)].node.id), row);
}

void NodeInventoryModel::setRow(int network, const NodeRecord &node)
{
    const auto found = m_index.constFind(keyOf(network, node.id));
    if (found != m_index.cend()) {
        Row &row = m_rows[size_t(*found)];
        row.node = node;
        row.failures = failuresOf(node.verdicts);
        rowChanged(*found);
        return;
    }
    const int row = int(m_rows.size());
    beginInsertRows({}, row, row);
    m_rows.push_back(Row {network, node, 0, failuresOf(node.verdicts)});
    m_index.insert(keyOf(network, node.id), row);
    endInsertRows();
}

void NodeInventoryModel::updateNode(const QString &network, const NodeRecord &node)
{
    setRow(networkIndex(network), node);
}

void NodeInventoryModel::setNodeEpoch(const QString &network, quint8 node, quint32 epoch)
{
    const int row = rowOf(network, node);
    if (row < 0 || m_rows[size_t(row)].epoch == epoch)
        return;
    m_rows[size_t(row)].epoch = epoch;
    rowChanged(row);
}

void NodeInventoryModel::setRevoked(const QString &network, quint8 node, bool revoked)
{
    const int row = rowOf(network, node);
    if (row < 0 || m_rows[size_t(row)].node.revoked == revoked)
        return;
    m_rows[size_t(row)].node.revoked = revoked;
    rowChanged(row);
}

void NodeInventoryModel::rowChanged(int row)
{
    m_dirty.remove(row);
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void NodeInventoryModel::noteTraffic(const QString &network, const TrafficRecord &record)
{
    if (record.outgoing || record.message.size() == 0)
        return;
    const quint8 sender = record.message.sender();
    if (sender == 0 || sender == 255)
        return;
    const int net = networkIndex(network);
    const auto found = m_index.constFind(keyOf(net, sender));
    if (found == m_index.cend()) {
        // A node the inventory has not written yet: its row appears with what this frame says.
        NodeRecord node;
        node.id = sender;
        node.firstSeenMs = record.timestampMs;
        node.lastSeenMs = record.timestampMs;
        const char *name = frameVerdictName(record.verdict);
        node.verdicts.counts.insert(QLatin1String(name), 1);
        setRow(net, node);
        return;
    }
    Row &row = m_rows[size_t(*found)];
    row.node.lastSeenMs = std::max(row.node.lastSeenMs, record.timestampMs);
    const QString name = QLatin1String(frameVerdictName(record.verdict));
    ++row.node.verdicts.counts[name];
    if (isFailure(name))
        ++row.failures;
    m_dirty.insert(*found);
    schedulePublish();
}

void NodeInventoryModel::publishNow()
{
    cancelPublish();
    if (m_dirty.isEmpty())
        return;
    // One signal over the span of changed rows when they are close together, else one per row.
    int first = INT_MAX;
    int last = -1;
    for (int row : std::as_const(m_dirty)) {
        first = std::min(first, row);
        last = std::max(last, row);
    }
    if (last - first + 1 <= 4 * int(m_dirty.size())) {
        Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1));
    } else {
        for (int row : std::as_const(m_dirty))
            Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
    m_dirty.clear();
}

int NodeInventoryModel::rowOf(const QString &network, quint8 node) const
{
    const int net = knownNetwork(network);
    return net < 0 ? -1 : m_index.value(keyOf(net, node), -1);
}

const NodeRecord *NodeInventoryModel::nodeAt(int row) const
{
    return row >= 0 && row < int(m_rows.size()) ? &m_rows[size_t(row)].node : nullptr;
}

QString NodeInventoryModel::networkAt(int row) const
{
    return row >= 0 && row < int(m_rows.size()) ? networkName(m_rows[size_t(row)].network)
                                                : QString();
}

NodeSecurityState NodeInventoryModel::securityStateAt(int row) const
{
    return stateOf(m_rows[size_t(row)]);
}

NodeSecurityState NodeInventoryModel::stateOf(const Row &r)
{
    if (r.node.revoked)
        return NodeSecurityState::Revoked;
    if (r.failures > 0)
        return NodeSecurityState::Failing;
    if (!r.node.signingRequired)
        return NodeSecurityState::Unprotected;
    return r.node.linkKeyFingerprint.isEmpty() ? NodeSecurityState::SharedKey
                                               : NodeSecurityState::OwnKey;
}

int NodeInventoryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int NodeInventoryModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant NodeInventoryModel::display(const Row &row, int column) const
{
    const NodeRecord &n = row.node;
    switch (column) {
    case NetworkColumn:
        return networkName(row.network);
    case IdColumn:
        return int(n.id);
    case NameColumn:
        return n.sketchName;
    case VersionColumn:
        return n.sketchVersion;
    case ParentColumn:
        return n.parent < 0 ? QString() : QString::number(n.parent);
    case BatteryColumn:
        return n.batteryPercent < 0 ? QString() : tr("%1 %").arg(n.batteryPercent);
    case LastSeenColumn:
        return timeText(n.lastSeenMs);
    case SigningColumn:
        return yesNo(n.signingRequired);
    case WhitelistingColumn:
        return yesNo(n.whitelistRequired);
    case EpochColumn:
        return row.epoch == 0 ? QString() : QString::number(row.epoch);
    case KeyColumn:
        return n.linkKeyFingerprint.isEmpty() ? tr("shared")
                                              : tr("own (%1)").arg(n.linkKeyFingerprint);
    case FailuresColumn:
        return QString::number(row.failures);
    case StateColumn:
        return nodeSecurityStateText(stateOf(row));
    }
    return {};
}

QVariant NodeInventoryModel::sortValue(const Row &row, int column) const
{
    const NodeRecord &n = row.node;
    switch (column) {
    case IdColumn:
        return int(n.id);
    case ParentColumn:
        return n.parent;
    case BatteryColumn:
        return n.batteryPercent;
    case LastSeenColumn:
        return n.lastSeenMs;
    case SigningColumn:
        return n.signingRequired;
    case WhitelistingColumn:
        return n.whitelistRequired;
    case EpochColumn:
        return row.epoch;
    case FailuresColumn:
        return row.failures;
    case StateColumn:
        return int(stateOf(row));
    default:
        return display(row, column);
    }
}

QVariant NodeInventoryModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows[size_t(index.row())];
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return display(row, column);
    case Qt::DecorationRole:
        if (column == StateColumn)
            return nodeSecurityStateColour(stateOf(row));
        return {};
    case Qt::ToolTipRole:
        if (column == StateColumn || column == IdColumn)
            return nodeSecurityStateText(stateOf(row));
        if (column == LastSeenColumn && row.node.lastSeenMs > 0)
            return QLocale().toString(QDateTime::fromMSecsSinceEpoch(row.node.lastSeenMs),
                                      QLocale::LongFormat);
        return {};
    case Qt::TextAlignmentRole:
        if (column == IdColumn || column == ParentColumn || column == BatteryColumn
            || column == EpochColumn || column == FailuresColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case SortRole:
        return sortValue(row, column);
    case SecurityStateRole:
        return int(stateOf(row));
    case NodeIdRole:
        return int(row.node.id);
    case NetworkRole:
        return networkName(row.network);
    case SearchTextRole: {
        QStringList parts;
        for (int c = 0; c < ColumnCount; ++c)
            parts << display(row, c).toString();
        parts << row.node.serialHex;
        return parts.join(u' ').toLower();
    }
    default:
        return {};
    }
}

QVariant NodeInventoryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case NetworkColumn:
        return tr("Network");
    case IdColumn:
        return tr("Id");
    case NameColumn:
        return tr("Sketch");
    case VersionColumn:
        return tr("Version");
    case ParentColumn:
        return tr("Parent");
    case BatteryColumn:
        return tr("Battery");
    case LastSeenColumn:
        return tr("Last seen");
    case SigningColumn:
        return tr("Signing");
    case WhitelistingColumn:
        return tr("Whitelisting");
    case EpochColumn:
        return tr("Key epoch");
    case KeyColumn:
        return tr("Link key");
    case FailuresColumn:
        return tr("Failures");
    case StateColumn:
        return tr("Security");
    }
    return {};
}

} // namespace Warden::Internal
