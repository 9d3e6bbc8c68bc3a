// The node inventory: what Warden knows about every node of a network (sensors, last values,
// sketch, route, serial, key fingerprints, verdict statistics), the security records that must
// survive anything (revocations, key epochs, the audit log, pending jobs, rotation state), all
// in one SQLite file. Secrets never enter it: keys appear as fingerprints only.
#pragma once

#include <warden/error.h>
#include <warden/global.h>
#include <warden/protocol/signing.h>

#include <QtCore/QJsonObject>
#include <QtCore/QList>
#include <QtCore/QMap>
#include <QtCore/QObject>
#include <QtCore/QString>

#include <cstddef>
#include <memory>
#include <optional>

namespace Warden {

/// Identifies an important write; writes are committed in ticket order.
using InventoryTicket = quint64;

/// Frames seen from one node, per verdict name, since the inventory was created. Names are
/// the stable ones of Protocol::verdictName() or of the engine's own verdicts.
struct WARDEN_CORE_EXPORT VerdictCounts
{
    QMap<QString, quint64> counts;

    quint64 count(QStringView verdictName) const;
    quint64 count(Protocol::Verdict verdict) const;
    /// All frames, whatever their verdict.
    quint64 total() const;
};

/// One node as the inventory knows it. Unknown numbers are -1, unknown times 0.
struct WARDEN_CORE_EXPORT NodeRecord
{
    quint8 id = 0;
    int nodeType = -1; ///< S_ARDUINO_NODE (17) or S_ARDUINO_REPEATER_NODE (18), from child 255
    QString sketchName;
    QString sketchVersion;
    QString libraryVersion; ///< the payload of the node's own presentation
    int parent = -1; ///< parent node id
    int distance = -1; ///< hops to the gateway
    int batteryPercent = -1;
    /// The last I_SIGNAL_REPORT_RESPONSE (spec 10.12): its value, the metric it answered
    /// (R r S s P T U; '?' if the request was not seen; empty if the node never reported) and
    /// when (0: never). -256 (or -100 for a percentage) is the node's "invalid".
    int signalReport = 0;
    QString signalMetric;
    qint64 signalReportMs = 0;
    qint64 firstSeenMs = 0; ///< UTC milliseconds since the epoch
    qint64 lastSeenMs = 0;
    qint64 lastHeartbeatMs = 0;
    QString serialHex; ///< the 9-byte serial in lower-case hex (not a secret), empty if unknown
    QString linkKeyFingerprint; ///< SecretBytes::fingerprint() of K_link, empty if none
    QString managementKeyFingerprint; ///< SecretBytes::fingerprint() of K_mgmt, empty if none
    bool signingRequired = false; ///< as the node presented it (I_SIGNING_PRESENTATION)
    bool whitelistRequired = false;
    bool quarantined = false; ///< the id must never be given to another node
    bool revoked = false;
    VerdictCounts verdicts;
};

/// The last value of one V_ type on a child.
struct WARDEN_CORE_EXPORT ChildValue
{
    quint8 valueType = 0; ///< V_*
    QString value; ///< as text, the way the controller protocol carries it
    qint64 whenMs = 0;
};

/// One child sensor of a node.
struct WARDEN_CORE_EXPORT ChildRecord
{
    quint8 node = 0;
    quint8 child = 0;
    int sensorType = -1; ///< S_*, -1 if never presented
    QString description;
    qint64 lastSeenMs = 0;
    QList<ChildValue> values; ///< ordered by value type
};

/// A node that was revoked: who did it, when and why. The link key is named by fingerprint.
struct WARDEN_CORE_EXPORT Revocation
{
    qint64 id = 0; ///< assigned when stored
    quint8 node = 0;
    QString serialHex;
    QString linkKeyFingerprint;
    QString who;
    qint64 whenMs = 0; ///< 0: now
    QString why;
};

enum class KeyEpochState { Generated, Delivering, Active, Retired };

/// A generation of a key (the network key, or one node's link key).
struct WARDEN_CORE_EXPORT KeyEpoch
{
    quint32 epoch = 0;
    QString scope; ///< "network", or "node:<id>"
    QString keyFingerprint;
    KeyEpochState state = KeyEpochState::Generated;
    qint64 createdMs = 0; ///< 0: now
    qint64 activatedMs = 0;
    qint64 retiredMs = 0;
};

/// One security action, for the audit log.
struct WARDEN_CORE_EXPORT AuditEntry
{
    qint64 id = 0; ///< assigned when stored
    qint64 whenMs = 0; ///< 0: now
    QString who; ///< user or component ("console:alice", "engine")
    QString what; ///< stable action name ("revoke", "personalize", "rotate.activate", ...)
    QString why;
    int node = -1; ///< the node concerned, -1 for none
    QJsonObject details; ///< fingerprints and numbers, never key bytes
};

/// Which audit entries to read.
struct WARDEN_CORE_EXPORT AuditFilter
{
    std::optional<quint8> node;
    QString what; ///< empty: any
    qint64 sinceMs = 0; ///< inclusive; 0: no lower bound
    qint64 untilMs = 0; ///< exclusive; 0: no upper bound
    int limit = 1000; ///< at most this many, newest first
};

enum class JobState { Pending, Running, Done, Failed, Cancelled };

/// A pending piece of work for a node (configuration push, key delivery, whitelist edit) that
/// must survive a restart. The payload is a reference or description, never key material.
struct WARDEN_CORE_EXPORT Job
{
    qint64 id = 0; ///< 0: a new job, an id is assigned when stored
    quint8 node = 0;
    QString kind; ///< "config-push", "key-delivery", "whitelist-remove", ...
    QString payload; ///< what to send, by reference ("epoch:7", "whitelist:-5")
    JobState state = JobState::Pending;
    int attempts = 0;
    QString lastError;
    qint64 createdMs = 0; ///< 0: now (kept from the first store when updating)
    qint64 updatedMs = 0; ///< 0: now
};

/// Which jobs to read.
struct WARDEN_CORE_EXPORT JobFilter
{
    std::optional<quint8> node;
    QList<JobState> states; ///< empty: any
    QString kind; ///< empty: any
};

/// The persisted state of one key rotation (a resumable state machine run by core/security).
struct WARDEN_CORE_EXPORT RotationRecord
{
    qint64 id = 0; ///< 0: a new rotation, an id is assigned when stored
    quint32 epoch = 0; ///< the epoch being rolled out
    QString scope;
    QString step; ///< the state machine's step name
    QJsonObject state; ///< per-node progress and the like, never key bytes
    qint64 createdMs = 0; ///< 0: now (kept from the first store when updating)
    qint64 updatedMs = 0; ///< 0: now
};

/// What a revocation said must follow it: the rotation plan away from the burnt epoch and what
/// stays exposed until then (SecurityWorkflows keeps it until a rotation covers it).
struct WARDEN_CORE_EXPORT RevocationPlanRecord
{
    qint64 revocation = 0; ///< the revocation's id (Revocation::id), 1 or more; the key
    quint8 node = 0; ///< the revoked node
    quint32 burntEpoch = 0; ///< the network key epoch the lost node held
    QJsonObject plan; ///< node lists, exposure and text, never key bytes
    qint64 createdMs = 0; ///< 0: now
};

/// The final report of a finished (completed or cancelled) key rotation.
struct WARDEN_CORE_EXPORT RotationReportRecord
{
    qint64 rotation = 0; ///< the rotation's id (RotationRecord::id), 1 or more; the key
    QString step; ///< the step it ended in ("completed", "cancelled")
    QJsonObject report; ///< per-node outcome, epochs, times, problems; never key bytes
    qint64 finishedMs = 0; ///< 0: now
};

/// What the controller knows of a node's keys: the serial and key fingerprints.
struct WARDEN_CORE_EXPORT NodeSecurity
{
    QString serialHex; ///< 18 hex digits, or empty
    QString linkKeyFingerprint; ///< "ab12-cd34-ef56-7890" or empty
    QString managementKeyFingerprint;
};

/// The answer to an important write: its ticket, and the id of what was stored (audit entry,
/// job, rotation, revocation, allocated node id, key epoch).
struct WARDEN_CORE_EXPORT InventoryReceipt
{
    InventoryTicket ticket = 0;
    qint64 id = 0;
};

/// Diagnostics of the batched writer.
struct WARDEN_CORE_EXPORT InventoryStatistics
{
    quint64 batches = 0; ///< transactions committed
    quint64 rowsWritten = 0; ///< rows inserted or updated by them
    quint64 hotCalls = 0; ///< hot-path calls accepted (noteFrame, setLastValue, ...)
    quint64 importantCommitted = 0; ///< important writes committed
    quint64 queueDepth = 0; ///< important writes waiting now
    quint64 pendingHotRows = 0; ///< coalesced rows waiting now
    quint64 failedAttempts = 0; ///< transactions rolled back (and retried)
    quint64 lastBatchMicros = 0; ///< duration of the last commit
    quint64 maxBatchMicros = 0;
    InventoryTicket lastTicket = 0; ///< the newest ticket handed out
    InventoryTicket committedTicket = 0; ///< every ticket up to this one is settled
};

namespace Internal {
class InventoryPrivate;
}

/// The node inventory in SQLite.
///
/// Threads: hot-path writes (note*, setLastValue) and important writes may be called from any
/// thread; reads only from the thread that opened the inventory (they use its own SQLite
/// connection). Signals are emitted in that thread too. Reads see what is committed: call
/// flush() first to see the writes just made.
///
/// Hot-path writes only update a coalesced in-memory image (the latest value wins, counters
/// add up) that the writer thread commits every Options::flushIntervalMs. Important writes
/// return a ticket and are durable once committed(ticket) was emitted or
/// waitForCommitted(ticket) returned; a hot-path write made before an important write on the
/// same thread is committed no later than it.
class WARDEN_CORE_EXPORT Inventory : public QObject
{
    Q_OBJECT
public:
    /// How a commit reaches the disk (SQLite's PRAGMA synchronous, in WAL mode).
    enum class Durability {
        /// fsync of the log at every commit: a committed batch survives a power loss. The
        /// default: batches make it cheap (one fsync per batch, not per record).
        Full,
        /// the log is synced only at checkpoints: committed batches survive a crash of the
        /// process, but the latest ones may be lost with a power loss or a kernel crash.
        Normal,
    };

    struct Options
    {
        int flushIntervalMs = 50; ///< a batch is committed at most this long after a write
        int maxBatchRecords = 4096; ///< ... or as soon as this many records are waiting
        int maxQueuedRecords = 200000; ///< important writes beyond this are refused
        Durability durability = Durability::Full;
        bool readOnly = false; ///< a reader beside another process that writes
        bool checkIntegrity = true; ///< PRAGMA quick_check when opening
    };

    /// Opens the inventory at @p path, creating it or migrating it to the current schema.
    /// Refuses (leaving the file untouched) a file that is not a Warden inventory, a damaged
    /// one, one written by a newer Warden, and one that another process has open for writing.
    [[nodiscard]] static Result<std::unique_ptr<Inventory>> open(const QString &path,
                                                                 const Options &options);
    [[nodiscard]] static Result<std::unique_ptr<Inventory>> open(const QString &path);
    /// Commits what is queued, then closes.
    ~Inventory() override;

    /// The schema version this build writes (PRAGMA user_version).
    static int schemaVersion();
    QString path() const;
    bool isReadOnly() const;

    // --- reads (the opening thread only; committed state) ---
    [[nodiscard]] Result<QList<NodeRecord>> nodes() const;
    [[nodiscard]] Result<std::optional<NodeRecord>> node(quint8 id) const;
    [[nodiscard]] Result<QList<ChildRecord>> children(quint8 node) const;
    [[nodiscard]] Result<VerdictCounts> verdictCounts(quint8 node) const;
    [[nodiscard]] Result<QList<AuditEntry>> auditLog(const AuditFilter &filter = {}) const;
    [[nodiscard]] Result<QList<Job>> jobs(const JobFilter &filter = {}) const;
    [[nodiscard]] Result<QList<Revocation>> revocations() const;
    [[nodiscard]] Result<QList<KeyEpoch>> keyEpochs() const;
    [[nodiscard]] Result<QList<RotationRecord>> rotations() const;
    /// The plans revocations left, oldest first.
    [[nodiscard]] Result<QList<RevocationPlanRecord>> revocationPlans() const;
    /// The report of rotation @p rotation, or of the newest finished one when 0; nullopt
    /// when there is none.
    [[nodiscard]] Result<std::optional<RotationReportRecord>> rotationReport(qint64 rotation
                                                                             = 0) const;
    /// Node ids that must never be handed out: allocated, seen, quarantined or revoked
    /// (what the engine's setUsedNodeIds() wants). Includes ids taken but not yet committed.
    [[nodiscard]] QList<quint8> usedNodeIds() const;
    /// PRAGMA integrity_check on the file; the error lists what SQLite found.
    [[nodiscard]] Result<void> checkIntegrity() const;

    // --- hot path: any thread, never blocks on the disk; false if an argument is out of
    // range (node 0..254, child 0..255, texts up to kMaxTextLength) or the inventory is
    // read-only ---
    static constexpr int kMaxTextLength = 64;
    static constexpr int kMaxVerdictNameLength = 31;
    static constexpr int kMaxVerdictNames = 24;

    /// A frame from @p node (child @p child) got @p verdict at @p whenMs.
    bool noteFrame(quint8 node, quint8 child, Protocol::Verdict verdict, qint64 whenMs);
    /// The same with a verdict by its stable name (lower case, digits and '-', at most
    /// kMaxVerdictNameLength characters; at most kMaxVerdictNames distinct names per node).
    bool noteFrame(quint8 node, quint8 child, const char *verdictName, qint64 whenMs);
    /// The last value of V_ type @p valueType on a child.
    bool setLastValue(quint8 node, quint8 child, quint8 valueType, const QString &value,
                      qint64 whenMs);
    /// C_PRESENTATION. For child 255 it is the node's own: type and library version.
    bool notePresentation(quint8 node, quint8 child, quint8 sensorType, const QString &description,
                          qint64 whenMs);
    /// I_SKETCH_NAME / I_SKETCH_VERSION; a null string leaves that field as it is.
    bool noteSketchInfo(quint8 node, const QString &name, const QString &version, qint64 whenMs);
    bool noteHeartbeat(quint8 node, qint64 whenMs);
    bool noteBattery(quint8 node, int percent, qint64 whenMs);
    /// I_SIGNAL_REPORT_RESPONSE: @p value for @p metric (spec 10.12: one of R r S s P T U, or
    /// '?' when unknown).
    bool noteSignalReport(quint8 node, char metric, int value, qint64 whenMs);
    /// The node's parent and its distance in hops (-1: unknown).
    bool noteParent(quint8 node, quint8 parent, int distance, qint64 whenMs);
    /// I_SIGNING_PRESENTATION: what the node requires.
    bool noteSigningRequirements(quint8 node, bool signing, bool whitelist, qint64 whenMs);

    // --- important writes: any thread; durable once committed(ticket). Refused at once
    // with an error naming the field if an argument is invalid or looks like key material
    // (a run of 32 or more hex digits); the error never repeats the value. ---

    [[nodiscard]] Result<InventoryReceipt> recordAudit(const AuditEntry &entry);
    /// Marks the node revoked and its id quarantined, stores the revocation and an audit
    /// entry ("revoke"), in one transaction.
    [[nodiscard]] Result<InventoryReceipt> revoke(const Revocation &revocation);
    /// Quarantines a node id (or lifts it), with an audit entry.
    [[nodiscard]] Result<InventoryReceipt> setQuarantined(quint8 node, bool quarantined,
                                                          const QString &who, const QString &why);
    /// Lifts the revocation and the quarantine of @p node (readmission after
    /// re-personalization), with an audit entry ("readmit") carrying @p details (fingerprints,
    /// never keys). The revocation stays in revocations() as history; NodeRecord::revoked
    /// says whether it is in force. The receipt's id is the audit entry's.
    [[nodiscard]] Result<InventoryReceipt>
    readmit(quint8 node, const QString &who, const QString &why, const QJsonObject &details = {});
    /// The lowest node id in 1..254 never allocated, seen, quarantined or revoked; the id is
    /// taken at once (a second call gets another) and stored with the ticket.
    [[nodiscard]] Result<InventoryReceipt> allocateNodeId(const QString &who);
    /// Adds a key epoch or updates it (same epoch and scope).
    [[nodiscard]] Result<InventoryReceipt> addKeyEpoch(const KeyEpoch &epoch);
    /// Stores a new job (id 0) or updates one.
    [[nodiscard]] Result<InventoryReceipt> upsertJob(const Job &job);
    /// Stores a new rotation (id 0) or updates one.
    [[nodiscard]] Result<InventoryReceipt> saveRotation(const RotationRecord &rotation);
    /// Stores (or replaces) the plan of a revocation; the receipt's id is the revocation's.
    [[nodiscard]] Result<InventoryReceipt> saveRevocationPlan(const RevocationPlanRecord &plan);
    /// Stores (or replaces) a finished rotation's report; the receipt's id is the rotation's.
    [[nodiscard]] Result<InventoryReceipt> saveRotationReport(const RotationReportRecord &report);
    /// The serial and key fingerprints of a node (after personalization or a key change).
    [[nodiscard]] Result<InventoryReceipt> setNodeSecurity(quint8 node,
                                                           const NodeSecurity &security);

    // --- synchronisation ---
    /// Commits everything queued so far (hot path included) and waits for it.
    [[nodiscard]] Result<void> flush(int timeoutMs = 30000);
    /// Asks the writer to commit what is queued now instead of at the end of its interval,
    /// without waiting: the caller does other work meanwhile, then waitForCommitted().
    void commitSoon();
    /// Waits until @p ticket is committed; an error if it failed or the time ran out.
    [[nodiscard]] Result<void> waitForCommitted(InventoryTicket ticket, int timeoutMs = 30000);
    InventoryTicket committedTicket() const;
    InventoryStatistics statistics() const;

Q_SIGNALS:
    /// Every ticket up to @p upToTicket is settled: durable, unless writeFailed() named it.
    void committed(quint64 upToTicket);
    /// An important write could not be stored (it is dropped; the others go on).
    void writeFailed(quint64 ticket, const Warden::Error &error);
    /// The database failed (the writer retries the batch and keeps it until it succeeds).
    void errorOccurred(const Warden::Error &error);

private:
    Inventory();
    friend class Internal::InventoryPrivate;
    std::unique_ptr<Internal::InventoryPrivate> d;
};

} // namespace Warden
