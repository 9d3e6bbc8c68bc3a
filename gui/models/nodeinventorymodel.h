// The console's node inventory: one row per node of every network (gateway) the console
// watches, fed from the inventory's records and kept current by the engine's traffic. Frames
// arrive by the thousand per second; their effect on the rows is gathered and published as
// one dataChanged per interval, so the view never repaints per frame.
#pragma once

#include <warden/engine.h>
#include <warden/inventory.h>

#include "batchedtablemodel.h"

#include <QtCore/QHash>
#include <QtCore/QSet>
#include <QtGui/QColor>

#include <vector>

namespace Warden::Internal {

/// The security state of a node at a glance, worst first: what its colour and icon say.
enum class NodeSecurityState : quint8 {
    Revoked, ///< revoked: every frame of it is refused
    Failing, ///< frames failed verification (forged, replayed, locked)
    Unprotected, ///< signing not required by the node: its frames can be forged
    SharedKey, ///< signs with the network's shared key
    OwnKey, ///< signs with its own link key
};

/// "revoked", "failing verification", ... (translated).
QString nodeSecurityStateText(NodeSecurityState state);
/// The state's colour in the inventory and its legend.
QColor nodeSecurityStateColour(NodeSecurityState state);

class NodeInventoryModel : public BatchedTableModel
{
    Q_OBJECT

public:
    enum Column : int {
        NetworkColumn,
        IdColumn,
        NameColumn,
        VersionColumn,
        ParentColumn,
        BatteryColumn,
        LastSeenColumn,
        SigningColumn,
        WhitelistingColumn,
        EpochColumn,
        KeyColumn,
        FailuresColumn,
        StateColumn,
        ColumnCount
    };
    enum Role : int {
        /// The raw value a column sorts by (numbers as numbers, times as milliseconds).
        SortRole = Qt::UserRole + 1,
        /// NodeSecurityState as int.
        SecurityStateRole,
        NodeIdRole,
        NetworkRole,
        /// Every column's text joined, lower case: what the search matches.
        SearchTextRole,
    };

    /// How often the effects of traffic are published at most.
    static constexpr int kPublishIntervalMs = 100;
    /// Verdicts that count as failures in the Failures column and the Failing state.
    static bool isFailure(QStringView verdictName);

    explicit NodeInventoryModel(QObject *parent = nullptr);

    /// Replaces the rows of @p network with @p nodes (its inventory's nodes()).
    void setNodes(const QString &network, const QList<NodeRecord> &nodes);
    /// Inserts or replaces one node's row.
    void updateNode(const QString &network, const NodeRecord &node);
    /// Removes every row of @p network (a gateway removed from the console).
    void removeNetwork(const QString &network);
    /// The network key epoch @p node signs with (0: not known), as the key store says.
    void setNodeEpoch(const QString &network, quint8 node, quint32 epoch);
    /// Marks the node revoked at once (the inventory follows when it commits).
    void setRevoked(const QString &network, quint8 node, bool revoked);

    /// Notes one frame of @p network: last seen, verdict counts, a new node's row. Published
    /// within kPublishIntervalMs (or by publishNow()).
    void noteTraffic(const QString &network, const TrafficRecord &record);
    void publishNow() override;

    /// The row of @p node of @p network, or -1.
    int rowOf(const QString &network, quint8 node) const;
    const NodeRecord *nodeAt(int row) const;
    QString networkAt(int row) const;
    NodeSecurityState securityStateAt(int row) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    struct Row
    {
        int network = 0; ///< networkIndex() of its network
        NodeRecord node;
        quint32 epoch = 0;
        quint64 failures = 0; ///< sum of the failure verdicts' counts
    };

    static quint32 keyOf(int network, quint8 node) { return quint32(network) << 8 | node; }
    void setRow(int network, const NodeRecord &node);
    void rowChanged(int row);
    void reindexFrom(int first);
    static NodeSecurityState stateOf(const Row &row);
    QVariant display(const Row &row, int column) const;
    QVariant sortValue(const Row &row, int column) const;

    std::vector<Row> m_rows;
    QHash<quint32, int> m_index; ///< keyOf(network, node) -> row
    QSet<int> m_dirty; ///< rows traffic changed since the last publish
};

} // namespace Warden::Internal
