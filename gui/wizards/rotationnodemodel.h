// The nodes of a key rotation as a table: before it starts, the plan's checklist (each node
// over the air or by USB, included or not); once it runs, where each node stands, as the
// KeyRotation reports it (the model holds no state of the rotation beyond the last report and
// the last word per node).
#pragma once

#include <warden/rotationtypes.h>

#include <QtCore/QAbstractTableModel>
#include <QtCore/QHash>

namespace Warden {
class Inventory;
}

namespace Warden::Internal {

/// "waiting for delivery", "awaiting USB", ... (translated).
QString nodeRotationStateText(NodeRotationState state);

class RotationNodeModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column : int { NodeColumn, ChannelColumn, StateColumn, DetailColumn, ColumnCount };
    enum Role : int {
        NodeIdRole = Qt::UserRole + 1,
        ChannelRole, ///< RotationChannel as int
        StateRole, ///< NodeRotationState as int (status mode)
    };

    /// One node of the plan checklist.
    struct PlanEntry
    {
        quint8 node = 0;
        RotationChannel channel = RotationChannel::OverTheAir;
        bool included = true;
    };

    explicit RotationNodeModel(QObject *parent = nullptr);

    /// Names nodes by their inventory's sketch name (optional, not owned).
    void setInventory(const Inventory *inventory) { m_inventory = inventory; }

    /// Plan mode: the checklist; the node column is checkable (included or not).
    void setPlan(const QList<PlanEntry> &entries);
    QList<PlanEntry> plan() const { return m_plan; }
    bool isPlanMode() const { return m_planMode; }

    /// Status mode: the nodes of @p report.
    void setStatus(const RotationReport &report);
    /// The last word on @p node (KeyRotation::nodeChanged's detail); shown until the next.
    void setDetail(quint8 node, const QString &detail);
    /// The node of @p row, or 0.
    quint8 nodeAt(int row) const;
    /// The row of @p node, or -1.
    int rowOf(quint8 node) const;
    /// Status mode: the state of @p node (nullopt when not in the rotation).
    std::optional<NodeRotationStatus> statusOf(quint8 node) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QString label(quint8 node) const;
    QString detailOf(const NodeRotationStatus &s) const;

    const Inventory *m_inventory = nullptr;
    bool m_planMode = true;
    QList<PlanEntry> m_plan;
    QList<NodeRotationStatus> m_status;
    QHash<quint8, QString> m_details;
    mutable QHash<quint8, QString> m_labels; ///< cached: labels are read once per node
};

} // namespace Warden::Internal
