#include "rotationnodemodel.h"

#include <warden/inventory.h>

namespace Warden::Internal {

QString nodeRotationStateText(NodeRotationState state)
{
    switch (state) {
    case NodeRotationState::Pending:
        return RotationNodeModel::tr("waiting for delivery");
    case NodeRotationState::Delivering:
        return RotationNodeModel::tr("delivering the new key");
    case NodeRotationState::Delivered:
        return RotationNodeModel::tr("holds the new key");
    case NodeRotationState::Activating:
        return RotationNodeModel::tr("switching to the new key");
    case NodeRotationState::AwaitingUsb:
        return RotationNodeModel::tr("awaiting USB re-personalization");
    case NodeRotationState::Activated:
        return RotationNodeModel::tr("uses the new key");
    case NodeRotationState::Failed:
        return RotationNodeModel::tr("failed");
    case NodeRotationState::Excluded:
        return RotationNodeModel::tr("excluded");
    }
    return {};
}

namespace {

QString channelText(RotationChannel channel)
{
    return channel == RotationChannel::OverTheAir ? RotationNodeModel::tr("over the air")
                                                  : RotationNodeModel::tr("USB");
}

} // namespace

RotationNodeModel::RotationNodeModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

void RotationNodeModel::setPlan(const QList<PlanEntry> &entries)
{
    beginResetModel();
    m_planMode = true;
    m_plan = entries;
    m_status.clear();
    m_details.clear();
    endResetModel();
}

void RotationNodeModel::setStatus(const RotationReport &report)
{
    bool sameRows = !m_planMode && m_status.size() == report.nodes.size();
    for (int i = 0; sameRows && i < m_status.size(); ++i)
        sameRows = m_status.at(i).node == report.nodes.at(i).node;
    if (!sameRows) {
        beginResetModel();
        m_planMode = false;
        m_plan.clear();
        m_status = report.nodes;
        endResetModel();
        return;
    }
    for (int i = 0; i < m_status.size(); ++i) {
        const NodeRotationStatus &now = report.nodes.at(i);
        const NodeRotationStatus &was = m_status.at(i);
        if (now.state != was.state || now.reason != was.reason || now.channel != was.channel) {
            m_status[i] = now;
            Q_EMIT dataChanged(index(i, 0), index(i, ColumnCount - 1));
        } else {
            m_status[i] = now;
        }
    }
}

void RotationNodeModel::setDetail(quint8 node, const QString &detail)
{
    m_details.insert(node, detail);
    const int row = rowOf(node);
    if (row >= 0)
        Q_EMIT dataChanged(index(row, DetailColumn), index(row, DetailColumn));
}

quint8 RotationNodeModel::nodeAt(int row) const
{
    if (row < 0 || row >= rowCount())
        return 0;
    return m_planMode ? m_plan.at(row).node : m_status.at(row).node;
}

int RotationNodeModel::rowOf(quint8 node) const
{
    for (int row = 0; row < rowCount(); ++row) {
        if (nodeAt(row) == node)
            return row;
    }
    return -1;
}

std::optional<NodeRotationStatus> RotationNodeModel::statusOf(quint8 node) const
{
    for (const NodeRotationStatus &s : m_status) {
        if (s.node == node)
            return s;
    }
    return std::nullopt;
}

int RotationNodeModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid())
        return 0;
    return int(m_planMode ? m_plan.size() : m_status.size());
}

int RotationNodeModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString RotationNodeModel::label(quint8 node) const
{
    auto it = m_labels.constFind(node);
    if (it != m_labels.cend())
        return *it;
    QString text = tr("node %1").arg(node);
    if (m_inventory) {
        if (const auto record = m_inventory->node(node);
            record && *record && !(*record)->sketchName.isEmpty())
            text = tr("node %1 (%2)").arg(node).arg((*record)->sketchName);
    }
    m_labels.insert(node, text);
    return text;
}

QString RotationNodeModel::detailOf(const NodeRotationStatus &s) const
{
    if ((s.state == NodeRotationState::Failed || s.state == NodeRotationState::Excluded)
        && !s.reason.isEmpty())
        return s.reason;
    if (s.state == NodeRotationState::AwaitingUsb)
        return tr("re-personalize it over USB with the new key, then mark the step done");
    return m_details.value(s.node);
}

QVariant RotationNodeModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const int row = index.row();
    if (m_planMode) {
        const PlanEntry &e = m_plan.at(row);
        switch (role) {
        case Qt::DisplayRole:
            switch (index.column()) {
            case NodeColumn:
                return label(e.node);
            case ChannelColumn:
                return channelText(e.channel);
            case StateColumn:
                return e.included ? tr("gets the new key") : tr("left out");
            case DetailColumn:
                return e.channel == RotationChannel::Usb
                               ? tr("no management key: re-personalize it over USB")
                               : QString();
            }
            return {};
        case Qt::CheckStateRole:
            if (index.column() == NodeColumn)
                return e.included ? Qt::Checked : Qt::Unchecked;
            return {};
        case NodeIdRole:
            return int(e.node);
        case ChannelRole:
            return int(e.channel);
        default:
            return {};
        }
    }
    const NodeRotationStatus &s = m_status.at(row);
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NodeColumn:
            return label(s.node);
        case ChannelColumn:
            return channelText(s.channel);
        case StateColumn:
            return nodeRotationStateText(s.state);
        case DetailColumn:
            return detailOf(s);
        }
        return {};
    case NodeIdRole:
        return int(s.node);
    case ChannelRole:
        return int(s.channel);
    case StateRole:
        return int(s.state);
    default:
        return {};
    }
}

bool RotationNodeModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (!m_planMode || role != Qt::CheckStateRole || index.column() != NodeColumn
        || !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return false;
    const bool included = Qt::CheckState(value.toInt()) == Qt::Checked;
    PlanEntry &e = m_plan[index.row()];
    if (e.included == included)
        return true;
    e.included = included;
    Q_EMIT dataChanged(this->index(index.row(), 0), this->index(index.row(), ColumnCount - 1));
    return true;
}

Qt::ItemFlags RotationNodeModel::flags(const QModelIndex &index) const
{
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (m_planMode && index.isValid() && index.column() == NodeColumn)
        f |= Qt::ItemIsUserCheckable;
    return f;
}

QVariant RotationNodeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case NodeColumn:
        return tr("Node");
    case ChannelColumn:
        return tr("How");
    case StateColumn:
        return tr("State");
    case DetailColumn:
        return tr("Detail");
    }
    return {};
}

} // namespace Warden::Internal
