// The console's live traffic: the newest frames of every network, decoded with MySensors'
// names and each with its verdict. A bounded ring (the oldest rows leave when it is full);
// frames arriving by the thousand per second are appended in batches, so the view updates a
// few times per second, not per frame. Pausing keeps collecting without showing.
#pragma once

#include <warden/engine.h>

#include "batchedtablemodel.h"

#include <QtCore/QSortFilterProxyModel>

#include <bitset>
#include <deque>

QT_BEGIN_NAMESPACE
class QIODevice;
QT_END_NAMESPACE

namespace Warden::Internal {

class TrafficModel : public BatchedTableModel
{
    Q_OBJECT

public:
    enum Column : int {
        TimeColumn,
        NetworkColumn,
        DirectionColumn,
        FromColumn,
        ToColumn,
        ChildColumn,
        CommandColumn,
        TypeColumn,
        PayloadColumn,
        VerdictColumn,
        DetailColumn,
        ColumnCount
    };
    enum Role : int {
        VerdictRole = Qt::UserRole + 1, ///< FrameVerdict as int
        AcceptedRole, ///< bool: handed on
        NodeRole, ///< the node the frame is from (incoming) or to (outgoing), -1 if unknown
        TimestampRole, ///< qint64 ms
    };

    static constexpr int kDefaultCapacity = 50000;
    static constexpr int kPublishIntervalMs = 50;

    explicit TrafficModel(QObject *parent = nullptr);

    /// At most @p rows are kept (the oldest leave first); at least 1.
    void setCapacity(int rows);
    int capacity() const { return m_capacity; }

    /// Queues one frame of @p network; shown at the next publish unless paused.
    void append(const QString &network, const TrafficRecord &record);
    /// Shows what was queued now.
    void publishNow() override;
    /// While paused the rows stay still; frames are still collected (up to the capacity) and
    /// appear on resume. Frames beyond the capacity while paused are counted in
    /// droppedWhilePaused().
    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    quint64 droppedWhilePaused() const { return m_dropped; }
    void clear();

    const TrafficRecord *recordAt(int row) const;

    /// Writes the rows as CSV (RFC 4180, header line, UTF-8) to @p device.
    bool exportCsv(QIODevice *device) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    struct Row
    {
        int network = 0;
        TrafficRecord record;
    };
    QString text(const Row &row, int column) const;

    std::deque<Row> m_rows;
    std::deque<Row> m_pending; ///< a deque: while paused the oldest leaves in O(1)
    int m_capacity = kDefaultCapacity;
    bool m_paused = false;
    quint64 m_dropped = 0;
};

/// Shows only frames of some nodes and/or some verdicts.
class TrafficFilterProxy : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit TrafficFilterProxy(QObject *parent = nullptr);
    /// Only frames from or to @p nodes; every node when empty.
    void setNodes(const QList<quint8> &nodes);
    /// Only frames with one of @p verdicts; every verdict when empty.
    void setVerdicts(const QList<FrameVerdict> &verdicts);
    /// Only rejected frames (not handed on).
    void setRejectedOnly(bool rejectedOnly);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    std::bitset<256> m_nodes;
    std::bitset<16> m_verdicts;
    bool m_rejectedOnly = false;
};

} // namespace Warden::Internal
