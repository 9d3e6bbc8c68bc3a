// Configuration pushes as jobs: whitelist edits, signing requirements, key deliveries, epoch
// activation, factory reset and configuration-digest reads, sent to Warden nodes over the
// management channel (firmware/docs/management-channel.md) through the Engine, persisted in the
// Inventory, retried with backoff, resumed after a restart, and applied only on the node's
// authenticated acknowledgement.
#pragma once

#include <warden/error.h>
#include <warden/global.h>
#include <warden/inventory.h>
#include <warden/managementtypes.h>
#include <warden/protocol/message.h>
#include <warden/secretbytes.h>

#include <QtCore/QList>
#include <QtCore/QMap>
#include <QtCore/QObject>
#include <QtCore/QString>

#include <functional>
#include <memory>
#include <optional>

namespace Warden {

class Engine;

/// Where the runner takes keys from, at the moment it builds a request; nothing is cached
/// beyond one request's derived channel keys. (The key store plugs in here.)
struct WARDEN_CORE_EXPORT ManagementKeySource
{
    /// The node's K_mgmt (32 bytes). Required.
    std::function<std::optional<SecretBytes>(quint8 node)> managementKey;
    /// The link key a SetLinkKey job delivers to @p node; its fingerprint must match the job's.
    std::function<std::optional<SecretBytes>(quint8 node)> linkKey;
    /// The network key of @p epoch a SetNetworkKey job delivers.
    std::function<std::optional<SecretBytes>(quint16 epoch)> networkKey;
    /// The node's 9-byte serial; when unset, the inventory's (NodeRecord::serialHex).
    std::function<std::optional<QByteArray>(quint8 node)> serial;
};

struct WARDEN_CORE_EXPORT JobRunnerOptions
{
    /// How long to wait for the acknowledgement once the last frame of a request went out:
    /// with adaptiveAckTimeout, the longest wait and the one before anything was measured.
    int ackTimeoutMs = 3000;
    /// Estimate the wait for an acknowledgement from the answers measured so far (smoothed
    /// answer time + 4 x its deviation, as TCP does), between minAckTimeoutMs and ackTimeoutMs.
    /// Off by default: a shorter wait means more attempts, and each attempt's nonce requests
    /// count towards the node's lock (spec 4.10).
    bool adaptiveAckTimeout = false;
    /// The shortest adaptive wait: a node verifies the request, commits its EEPROM and signs
    /// its acknowledgement after a nonce round trip through the gateway.
    int minAckTimeoutMs = 250;
    /// The first retry comes this long after an unanswered attempt; each further one waits
    /// backoffFactor times longer, up to maxBackoffMs.
    int firstRetryMs = 1000;
    double backoffFactor = 2.0;
    int maxBackoffMs = 60000;
    /// After this many unanswered attempts in a row the node is taken to be asleep or away:
    /// the job stays pending and is retried as soon as the node is heard (and every
    /// maxBackoffMs meanwhile).
    int attemptsBeforeWaiting = 3;
    /// Authentic refusals that may succeed later (bad-tag, storage-failed, stale-counter,
    /// repeated) before the job fails.
    int maxRefusals = 4;
    /// Nodes with a request in flight at once (the radio is shared). More than this only
    /// queue frames on the air, which stretches round trips past their timeouts (spurious
    /// nonce requests, which count towards a node's lock).
    int maxConcurrentNodes = 8;
    /// The same for nodes the engine sends management requests unsigned
    /// (Engine::sendsUnsignedManagement(): no nonce round trips, nothing towards their lock).
    /// Measured (tst_pushjobs figuresFiftyNodes, 50 nodes, 10% loss, 250 kbit/s): 8 keeps the
    /// channel busy with a short queue, so answers come quickly and timeouts stay tight
    /// (370 ms, 1.87x the radio floor); 64 queues every request at once and the timeouts grow
    /// with the queue (895 ms, 4.5x).
    int maxConcurrentUnsignedNodes = 8;
    /// The adaptive wait for attempts sent unsigned, whatever adaptiveAckTimeout says: they
    /// start no nonce round trips, so neither a shorter wait nor the extra attempt it may cost
    /// counts towards the node's lock. On by default.
    bool adaptiveUnsignedAckTimeout = true;
    /// The shortest adaptive wait for an attempt sent unsigned: the frames, the node's EEPROM
    /// commit and its unsigned acknowledgement, without nonce round trips.
    int minUnsignedAckTimeoutMs = 40;
    /// Unanswered unsigned attempts retried at once (after their acknowledgement timeout)
    /// before the backoff for sleeping nodes starts: lost frames cost the node nothing. At 10%
    /// loss an attempt of 3 frames fails 27% of the time; with 4 quick retries one of 50 nodes
    /// still hit 5 failures in a row now and then (measured: a 1 s backoff stalled a
    /// rotation's activation), with 8 that is about 1 in 100,000 per node.
    int unsignedQuickRetries = 8;
    /// Interval of the internal timer that drives poll(); 0: the caller calls poll().
    int pollIntervalMs = 100;
};

/// A management job as the runner sees it.
struct WARDEN_CORE_EXPORT ManagementJob
{
    qint64 id = 0; ///< the inventory's job id
    quint8 node = 0;
    qint64 batch = 0; ///< 0: not part of a batch
    QString batchLabel;
    ManagementAction action;
    JobState state = JobState::Pending; ///< Done means applied (authenticated ack)
    int attempts = 0; ///< requests sent (retransmissions included)
    QString lastError; ///< why it failed, or why it is still pending
    quint32 counter = 0; ///< the counter reserved for it (0: none yet)
    bool waitingForNode = false; ///< unanswered: retried when the node is next heard
    /// ReadConfigDigest: the fingerprint of the digest core expects (drift checks) and of the
    /// one the node reported ("ab12-cd34-ef56-7890": the first 8 bytes), once answered.
    QString expectedDigest;
    QString reportedDigest;
};

/// Where a batch stands. A node that never answers keeps the batch unsettled.
struct WARDEN_CORE_EXPORT BatchProgress
{
    qint64 batch = 0;
    QString label;
    int total = 0;
    int applied = 0;
    int pending = 0;
    int failed = 0; ///< failed or cancelled
    QMap<quint8, QString> failures; ///< node -> reason
    bool isSettled() const { return pending == 0; }
    /// "whitelist push to 20 nodes: 17 applied, 2 pending, 1 failed: node 9: no-room"
    QString text() const;
};

struct WARDEN_CORE_EXPORT JobRunnerStatistics
{
    quint64 attempts = 0; ///< requests sent, each with all its frames
    quint64 framesSent = 0; ///< request frames handed to the engine
    quint64 acksAccepted = 0; ///< authentic acknowledgements of an outstanding request
    quint64 acksRejected = 0; ///< forged, cross-node, replayed, malformed or unsolicited
    quint64 countersReserved = 0;
    quint64 timeouts = 0; ///< attempts given up without an acknowledgement
    int ackTimeoutMs = 0; ///< the wait for an acknowledgement now (adaptive: the estimate)
    int unsignedAckTimeoutMs = 0; ///< the same for attempts sent unsigned
    quint64 quickRetries = 0; ///< unanswered unsigned attempts retried at once
};

class JobRunnerPrivate;

/// Runs management jobs. One request per node at a time, in job order; different nodes in
/// parallel. A job's counter is stored in the inventory (in the job's row) and committed before
/// its first frame leaves; retransmissions reuse the counter with the identical frames, so a
/// node that already applied a request answers it again instead of applying it twice. The
/// per-node counter is the highest ever reserved in any job of that node, so management jobs
/// must never be deleted from the inventory.
class WARDEN_CORE_EXPORT JobRunner : public QObject
{
    Q_OBJECT

public:
    /// The job kind in the inventory's jobs table.
    static constexpr const char *kJobKind = "management";

    /// @p engine and @p inventory are not owned and must outlive the runner.
    JobRunner(Engine *engine, Inventory *inventory, ManagementKeySource keys,
              JobRunnerOptions options = {}, QObject *parent = nullptr);
    ~JobRunner() override;

    /// Milliseconds for timeouts and backoff (tests: the simulated clock).
    void setClock(std::function<qint64()> clockMs);

    /// Loads the management jobs from the inventory (unfinished ones resume with the counter
    /// they had) and starts working. Call once.
    Result<void> start();

    /// Queues @p action for @p node. The action is validated now; keys are looked up when
    /// the request is built. Returns the job id.
    Result<qint64> submit(quint8 node, const ManagementAction &action);
    /// Queues @p action for each of @p nodes as one batch named @p label; returns the batch id.
    Result<qint64> submitBatch(const QString &label, const QList<quint8> &nodes,
                               const ManagementAction &action);
    /// Reads the node's configuration digest and compares it with the digest of @p expected
    /// (the same function the node runs). driftChecked() gives the verdict. Returns the job id.
    Result<qint64> submitDriftCheck(quint8 node, const NodeConfiguration &expected,
                                    qint64 batch = 0, const QString &batchLabel = {});
    /// Cancels a job that is not finished; an acknowledgement that arrives later is ignored.
    Result<void> cancel(qint64 job);

    std::optional<ManagementJob> job(qint64 id) const;
    /// Every job loaded or submitted, by id.
    QList<ManagementJob> jobs() const;
    BatchProgress batch(qint64 batch) const;
    JobRunnerStatistics statistics() const;

    /// SHA-256 of the canonical image of @p config (32 bytes): what a node holding exactly
    /// that configuration reports.
    static Result<QByteArray> configDigest(const NodeConfiguration &config);

public Q_SLOTS:
    /// Times out attempts and starts due ones. Driven by the internal timer, or by the caller.
    void poll();
    /// A management frame from the network (connected to Engine::managementFrame).
    void takeFrame(const Warden::Protocol::Message &frame);

Q_SIGNALS:
    /// Something happened to a job: "sent 3 frames (attempt 2)", "waiting for node 7", ...
    void jobProgress(qint64 job, quint8 node, const QString &what);
    /// The job is applied (Done, on an authenticated acknowledgement), Failed or Cancelled.
    void jobFinished(qint64 job, quint8 node, Warden::JobState state, const QString &reason);
    /// A job of a batch changed state.
    void batchProgress(const Warden::BatchProgress &progress);
    /// A drift check was answered: the node's digest matches the expected one or not.
    void driftChecked(qint64 job, quint8 node, bool inSync);
    /// An acknowledgement that does not authenticate as the answer to the outstanding request
    /// of @p node was ignored.
    void ackRejected(quint8 node, const QString &reason);

private:
    std::unique_ptr<JobRunnerPrivate> d;
    friend class JobRunnerPrivate;
};

} // namespace Warden

Q_DECLARE_METATYPE(Warden::BatchProgress)
