// Internals of the inventory: the coalesced hot-path image, the queue of important writes,
// and the state the caller's threads share with the writer thread.
#pragma once

#include <warden/inventory.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QLockFile>
#include <QtCore/QLoggingCategory>
#include <QtCore/QMutex>
#include <QtCore/QThread>
#include <QtCore/QVarLengthArray>
#include <QtCore/QWaitCondition>
#include <QtSql/QSqlDatabase>

#include <array>
#include <atomic>
#include <bitset>
#include <deque>
#include <memory>
#include <unordered_map>
#include <variant>
#include <vector>

namespace Warden {
namespace Internal {

Q_DECLARE_LOGGING_CATEGORY(lcInventory)

constexpr int kMaxNodeId = 254; ///< 255 is "not assigned" (spec: AUTO)

// --- the hot-path image ---------------------------------------------------------------------

/// Which optional fields of a node the batch sets.
enum NodeField : quint32 {
    kFieldNodeType = 1u << 0,
    kFieldLibrary = 1u << 1,
    kFieldSketchName = 1u << 2,
    kFieldSketchVersion = 1u << 3,
    kFieldParent = 1u << 4,
    kFieldBattery = 1u << 5,
    kFieldHeartbeat = 1u << 6,
    kFieldSigning = 1u << 7,
    kFieldSignal = 1u << 8,
};

struct VerdictSlot
{
    std::array<char, Inventory::kMaxVerdictNameLength + 1> name {};
    quint64 count = 0;
};

/// What the hot path changed on one node since the last batch.
struct PendingNode
{
    bool dirty = false; ///< listed in HotState::dirtyNodes
    quint32 fields = 0;
    qint64 firstSeenMs = 0;
    qint64 lastSeenMs = 0;
    int nodeType = -1;
    QString libraryVersion;
    QString sketchName;
    QString sketchVersion;
    int parent = -1;
    int distance = -1;
    int battery = -1;
    int signalReport = 0;
    char signalMetric = '?';
    qint64 signalReportMs = 0;
    qint64 heartbeatMs = 0;
    bool signing = false;
    bool whitelist = false;
    int verdictSlots = 0;
    std::array<VerdictSlot, Inventory::kMaxVerdictNames> verdicts {};
};

struct PendingChild
{
    int sensorType = -1; ///< -1: not presented in this batch
    QString description;
    qint64 lastSeenMs = 0;
};

struct PendingValue
{
    QString value;
    qint64 whenMs = 0;
};

/// The coalesced image of all hot-path writes since the last batch: the latest value wins,
/// counters add up. Bounded by the key space (nodes x children x value types), so memory
/// stays flat whatever the frame rate. Two of them alternate between callers and the writer.
struct HotState
{
    std::array<PendingNode, kMaxNodeId + 1> nodes;
    QVarLengthArray<quint8, kMaxNodeId + 1> dirtyNodes;
    std::unordered_map<quint32, PendingChild> children; ///< key: node << 8 | child
    std::unordered_map<quint32, PendingValue> values; ///< key: node << 16 | child << 8 | type

    HotState();
    PendingNode &touchNode(quint8 node, qint64 whenMs);
    qsizetype rows() const
    {
        return dirtyNodes.size() + qsizetype(children.size() + values.size());
    }
    bool isEmpty() const { return rows() == 0; }
    void clear();
};

// --- important writes -----------------------------------------------------------------------

struct AuditOp
{
    AuditEntry entry;
};
struct RevokeOp
{
    Revocation revocation;
    qint64 auditId = 0;
};
struct QuarantineOp
{
    quint8 node = 0;
    bool quarantined = true;
    QString who;
    QString why;
    qint64 whenMs = 0;
    qint64 auditId = 0;
    bool readmit = false; ///< also lifts the revocation (Inventory::readmit)
    QJsonObject details; ///< for the audit entry (readmission: the new fingerprints)
};
struct AllocateOp
{
    quint8 node = 0;
    QString who;
    qint64 whenMs = 0;
};
struct EpochOp
{
    KeyEpoch epoch;
};
struct JobOp
{
    Job job;
};
struct RotationOp
{
    RotationRecord rotation;
};
struct RevocationPlanOp
{
    RevocationPlanRecord plan;
};
struct RotationReportOp
{
    RotationReportRecord report;
};
struct SecurityOp
{
    quint8 node = 0;
    NodeSecurity security;
};

struct Op
{
    InventoryTicket ticket = 0;
    std::variant<AuditOp, RevokeOp, QuarantineOp, AllocateOp, EpochOp, JobOp, RotationOp,
                 SecurityOp, RevocationPlanOp, RotationReportOp>
            what;
};

class InventoryWriter;

// --- shared state ---------------------------------------------------------------------------

class InventoryPrivate
{
public:
    InventoryPrivate(QString path, const Inventory::Options &options);
    ~InventoryPrivate();

    /// Opens the reader connection, validates and migrates; then starts the writer.
    Result<void> init();
    void shutdown();

    Result<void> checkReaderThread() const;
    QSqlDatabase reader() const;

    /// Hands out a ticket and queues @p op; refused beyond maxQueuedRecords.
    Result<InventoryTicket> enqueueLocked(Op &&op);
    void noteWorkLocked(bool urgent);
    bool acceptHotLocked();
    /// Counts an accepted hot-path call and wakes the writer if a batch starts or is full.
    void hotDoneLocked();
    /// One hot-path update of @p node's pending image: refused when read-only or the queue is
    /// full; otherwise the node is touched at @p whenMs, its id marked used and @p update
    /// applied to it, all under the mutex.
    template<typename Update>
    bool noteNode(quint8 node, qint64 whenMs, Update &&update);

    // Owner thread: emits what the writer queued (failures first, then committed).
    void deliverSignals();
    void postSignals();

    Inventory *q = nullptr;
    const QString m_path;
    const Inventory::Options m_options;
    QString m_connectionName;
    QThread *m_ownerThread = nullptr;
    std::unique_ptr<QLockFile> m_lock;
    std::unique_ptr<InventoryWriter> m_writer;

    // Everything below is guarded by m_mutex.
    mutable QMutex m_mutex;
    QWaitCondition m_wake; ///< the writer waits on it
    QWaitCondition m_settled; ///< flush()/waitForCommitted() wait on it
    std::unique_ptr<HotState> m_hot;
    std::vector<Op> m_ops;
    QElapsedTimer m_clock;
    qint64 m_firstPendingAt = -1; ///< m_clock ms of the oldest unflushed write, -1: none
    bool m_stopping = false;
    quint64 m_flushRequested = 0;
    quint64 m_flushDone = 0;
    InventoryTicket m_lastTicket = 0;
    InventoryTicket m_committedTicket = 0;
    qint64 m_nextAuditId = 1;
    qint64 m_nextJobId = 1;
    qint64 m_nextRotationId = 1;
    qint64 m_nextRevocationId = 1;
    std::bitset<256> m_usedIds;
    InventoryStatistics m_stats;
    std::deque<std::pair<InventoryTicket, Error>> m_failedTickets; ///< the latest, bounded
    std::optional<Error> m_writerError; ///< the last failure, until a batch succeeds
    // Signals waiting for the owner thread.
    std::vector<std::pair<InventoryTicket, Error>> m_failureSignals;
    std::vector<Error> m_errorSignals;
    InventoryTicket m_lastEmittedCommitted = 0;
    std::atomic<bool> m_signalsPosted {false};
};

/// The writer thread: its own SQLite connection, one transaction per batch.
class InventoryWriter final : public QThread
{
public:
    explicit InventoryWriter(InventoryPrivate *d);
    ~InventoryWriter() override;
    /// Starts the thread and waits until its connection is open and its statements prepared.
    Result<void> startAndWait();

protected:
    void run() override;

private:
    struct Connection;
    enum class Outcome { Committed, StatementFailed, DatabaseFailed };
    /// One write: done, refused for its data (only that write fails), or the database failed.
    enum class Step { Ok, DataError, DatabaseError };

    Result<void> openConnection(Connection &c);
    Outcome applyBatch(Connection &c, const HotState &hot, const std::vector<Op> &ops, bool isolate,
                       std::vector<std::pair<InventoryTicket, Error>> &failed, QString &error,
                       quint64 &rows);
    bool applyHot(Connection &c, const HotState &hot, QString &error, quint64 &rows);
    Step applyOp(Connection &c, const Op &op, quint64 &rows);
    void commitBatch(Connection &c, std::unique_ptr<HotState> &hot, std::vector<Op> &ops,
                     quint64 flushSeq);

    InventoryPrivate *d;
    QMutex m_readyMutex;
    QWaitCondition m_readyCondition;
    bool m_ready = false;
    std::optional<Error> m_startError;
    std::unique_ptr<HotState> m_spare;
};

// --- validation, shared by the public API and the writer ------------------------------------

/// True if @p text holds 32 or more hexadecimal digits in a row (ignoring ' ', ':', ',' and
/// "0x" between them): how a 16- or 32-byte key looks when printed.
bool looksLikeKeyMaterial(QStringView text);
bool looksLikeKeyMaterial(const QJsonObject &object);
bool isFingerprint(QStringView text);
QString jobStateName(JobState state);
std::optional<JobState> jobStateFromName(QStringView name);
QString epochStateName(KeyEpochState state);
std::optional<KeyEpochState> epochStateFromName(QStringView name);

} // namespace Internal
} // namespace Warden
