// The key rotation engine: drives the rotation state machine of the security model (assess ->
// generate the epoch -> deliver it wrapped to each node -> authenticated acknowledgements ->
// activate -> retire -> report) through the JobRunner and the Engine, with the new key in the
// KeyStore and every transition stored in the Inventory before it is acted on, so a restart of
// the daemon (or of any node) resumes it where it was.
#pragma once

#include <warden/error.h>
#include <warden/global.h>
#include <warden/jobs.h>
#include <warden/rotationtypes.h>

#include <QtCore/QObject>

#include <functional>
#include <memory>
#include <optional>

namespace Warden {

class Engine;
class Inventory;
class JobRunner;
class KeyStore;

struct WARDEN_CORE_EXPORT KeyRotationOptions
{
    /// Interval of the internal timer that drives poll(); 0: the caller calls poll().
    int pollIntervalMs = 200;
};

class KeyRotationPrivate;

/// Runs one key rotation at a time. Not owned: @p engine, @p inventory, @p store and @p runner
/// must outlive it. The runner must take its keys from the same store (keySource()).
///
/// What the gateway accepts: from the start of delivery on, every node of the plan is pinned
/// to the old epoch (Engine::setNodeEpoch); a node is switched to the new epoch when its
/// authenticated acknowledgement of the activation arrives (the node acknowledges under the
/// old key, then switches), or when its USB step is marked done. While a node's activation is
/// open, the engine signs to it with one of the two keys and takes the other as its candidate
/// (Engine::setNodeKeyCandidate), so frames under either key verify; one that verifies under
/// the candidate proves which key the node holds. After an unanswered activation attempt the
/// engine signs nothing to the node (Engine::holdSigning) until a signed frame from it shows
/// which key it holds: a guess would burn the node's lock budget. The old key is retired only
/// when every node is activated or excluded by the user.
class WARDEN_CORE_EXPORT KeyRotation : public QObject
{
    Q_OBJECT

public:
    /// The scope of the rotation records in the inventory.
    static constexpr const char *kScope = "network";

    KeyRotation(Engine *engine, Inventory *inventory, KeyStore *store, JobRunner *runner,
                KeyRotationOptions options = {}, QObject *parent = nullptr);
    ~KeyRotation() override;

    /// The keys a JobRunner needs, looked up in @p store at the moment a request is built.
    static ManagementKeySource keySource(const KeyStore *store);

    /// Milliseconds for the report (tests: the simulated clock).
    void setClock(std::function<qint64()> clockMs);

    /// Starts a rotation of @p plan: checks that the old epoch is the store's active one,
    /// moves over-the-air nodes without a management key to the USB list, stores the plan
    /// (step Assessed) and goes on from poll(). Refused while another rotation is unfinished.
    /// Returns the rotation's id in the inventory.
    Result<qint64> start(const RotationPlanInput &plan);
    /// Loads the newest unfinished rotation from the inventory, sets the engine up for it
    /// (the new key, the epoch each node is expected to use) and goes on. False when there is
    /// none. Call once, after the runner was started.
    Result<bool> resume();

    /// The user re-personalized the stock node @p node over USB with the new key: the
    /// gateway accepts the new key from it from now on.
    Result<void> markUsbDone(quint8 node, const QString &who);
    /// Leaves @p node out: it keeps the old key and is cut off when that key retires (the
    /// stolen node, a node that is gone). Its unfinished job is cancelled.
    Result<void> exclude(quint8 node, const QString &who, const QString &why);
    /// A failed node is tried again (delivered again over the air, or awaits its USB step).
    Result<void> retry(quint8 node);
    /// Gives the rotation up, before any node uses the new key; its jobs are cancelled. The
    /// pending key stays in the store (unused).
    Result<void> cancel(const QString &who, const QString &why);

    /// True while a rotation is loaded and not finished.
    bool isRunning() const;
    /// The rotation loaded (running or just finished): per-node progress and counts.
    std::optional<RotationReport> status() const;
    /// The final report of rotation @p rotation (0: the newest finished one) as stored in the
    /// inventory when it completed or was cancelled: it survives a restart. nullopt when no
    /// rotation has finished (or none with that id).
    [[nodiscard]] Result<std::optional<RotationReport>> lastReport(qint64 rotation = 0) const;

public Q_SLOTS:
    /// Collects job outcomes, takes the next step, submits jobs. Driven by the internal timer
    /// and by the runner's signals, or by the caller.
    void poll();

Q_SIGNALS:
    /// The rotation entered @p step (already stored).
    void stepChanged(Warden::RotationStep step);
    /// A node's state changed (already stored); @p detail says why.
    void nodeChanged(quint8 node, Warden::NodeRotationState state, const QString &detail);
    /// The rotation completed (or was cancelled); the report is final.
    void finished(const Warden::RotationReport &report);
    /// A step could not be taken now (the store or the inventory refused); retried on the
    /// next poll.
    void problem(const Warden::Error &error);

private:
    std::unique_ptr<KeyRotationPrivate> d;
    friend class KeyRotationPrivate;
};

} // namespace Warden
