// The security workflows of the security model as single calls: revoking a lost node (block,
// delete its key, quarantine its id, audit, push the whitelist removals, say what stays
// exposed and which rotation follows), readmitting it only after re-personalization, and
// moving a shared-key network node by node to per-node link keys over the management channel.
// The facade drives the Engine, the Inventory, the KeyStore and the JobRunner; the console and
// the daemon call it.
#pragma once

#include <warden/error.h>
#include <warden/global.h>
#include <warden/rotationtypes.h>
#include <warden/secretbytes.h>
#include <warden/signer.h>

#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <memory>
#include <optional>

namespace Warden {

class Engine;
class Inventory;
class JobRunner;
class KeyStore;

/// One thing a lost node's secrets still allow, until the step that closes it is done.
struct WARDEN_CORE_EXPORT ExposureItem
{
    enum class Kind : quint8 {
        /// The shared network key of an epoch is burnt: its holder signs as any node towards
        /// every verifier that does not whitelist (nodes, and the gateway if it does not).
        SharedNetworkKey,
        /// The holder poses as the gateway (id 0) to nodes whose whitelist lists the gateway's
        /// serial: the lost node had to know that serial to verify the gateway.
        GatewayImpersonation,
        /// The holder signs as other node ids to the gateway: it does not whitelist.
        ForgedIdsAtGateway,
    };
    Kind kind = Kind::SharedNetworkKey;
    quint32 epoch = 0; ///< the network key's epoch (SharedNetworkKey, GatewayImpersonation)
    QList<quint8> nodes; ///< the nodes exposed to it, ascending
    QString until; ///< what ends it ("rotation to a new epoch completes")
    QString text; ///< one sentence for the operator
};

/// What a key rotation after a loss has to do: the input of the rotation engine. Plain data,
/// no key material.
struct WARDEN_CORE_EXPORT RotationPlan
{
    bool needed = false; ///< false: nothing shared was burnt (per-node-key network)
    quint32 burntEpoch = 0; ///< the epoch whose network key the lost node held
    QList<quint8> lostNodes; ///< never given the new key
    QList<quint8> overTheAir; ///< Warden nodes (management key on file): re-keyed by jobs
    QList<quint8> usb; ///< stock nodes (no management key): re-personalized over USB
    /// "rotate away from epoch 1: 18 nodes over the air, 1 by USB (node 20); node 7 excluded"
    QString text() const;
};

/// Where the time of one revokeNode() call went, in microseconds (the benchmark prints it).
struct WARDEN_CORE_EXPORT RevocationTiming
{
    qint64 blockUs = 0; ///< the engine's block (first)
    qint64 keyStoreUs = 0; ///< the key store: keys removed, saved with its backup
    qint64 inventoryUs = 0; ///< revocation, quarantine, plan and audit entries, committed
    qint64 pushUs = 0; ///< the exposure assessment and the whitelist removal queued
    qint64 totalUs = 0;
};

/// The answer of SecurityWorkflows::revokeNode(): what was done, in order, and what is not.
struct WARDEN_CORE_EXPORT RevocationReport
{
    quint8 node = 0;
    bool blocked = false; ///< the engine drops its frames (done first, synchronously)
    QString serialFingerprint; ///< fingerprint of the revoked serial, empty when none on file
    bool linkKeyDeleted = false; ///< removed from the key store and the store saved
    QString linkKeyFingerprint; ///< the deleted link key, empty when the node had none
    QString managementKeyFingerprint; ///< the deleted management key, empty when none
    bool quarantined = false; ///< the id is never given to another node
    qint64 revocationId = 0;
    qint64 auditId = 0; ///< the "revoke" entry, committed
    qint64 pushBatch = 0; ///< JobRunner batch of whitelist removals, 0 when none was needed
    QList<quint8> pushedTo; ///< nodes the removal was pushed to
    QList<ExposureItem> exposure; ///< empty: nothing else is exposed
    RotationPlan rotation;
    /// Steps that could not be done (a key store that did not save, a push refused): the
    /// block stands regardless, each line says what is left to do by hand.
    QStringList problems;
    RevocationTiming timing; ///< revokeNode() only
    QString text() const; ///< the whole report for the operator
};

/// The rotation a revocation said must follow, as the inventory keeps it across restarts. It
/// is pending until a rotation covers it: one started after the revocation, away from the
/// burnt epoch or a later one, and not cancelled (a cancelled rotation leaves it pending).
struct WARDEN_CORE_EXPORT PendingRotationPlan
{
    qint64 revocationId = 0; ///< the inventory's revocation (Revocation::id)
    quint8 node = 0; ///< the revoked node
    qint64 createdMs = 0; ///< UTC milliseconds
    RotationPlan plan;
    QList<ExposureItem> exposure; ///< what stays exposed until the rotation completes
    qint64 coveredBy = 0; ///< the rotation that covers it; 0 while pending
    /// "revocation 3 of node 7: rotate away from epoch 1: 18 over the air, ..."
    QString text() const;
};

/// A node's new identity after re-personalization over USB. Holds keys: keep it short-lived.
struct WARDEN_CORE_EXPORT NodePersonalization
{
    std::optional<Serial> serial; ///< the new serial, if it changed
    SecretBytes linkKey; ///< empty: a shared-key node
    SecretBytes managementKey; ///< empty: a stock node
};

struct WARDEN_CORE_EXPORT ReadmissionReport
{
    quint8 node = 0;
    qint64 auditId = 0;
    QString serialFingerprint;
    QString linkKeyFingerprint;
    QString managementKeyFingerprint;
};

/// Where one node's move to its own link key stands.
enum class MigrationStep : quint8 {
    KeyStored, ///< generated and saved in the key store; the delivery job is queued
    Delivering, ///< sent over the management channel; the gateway accepts either key
    Switched, ///< acknowledged: the gateway accepts the link key alone from the node
    Failed, ///< the node refused or the job failed; the gateway still accepts either key
};

WARDEN_CORE_EXPORT const char *migrationStepName(MigrationStep step);

struct WARDEN_CORE_EXPORT MigrationProgress
{
    quint8 node = 0;
    MigrationStep step = MigrationStep::KeyStored;
    qint64 job = 0; ///< the JobRunner job delivering the key
    QString keyFingerprint;
    QString detail; ///< the last word of the job ("sent 3 frames ...", why it failed)
};

/// What the engine was given for one node by SecurityService::restoreNode() or
/// SecurityWorkflows::reloadNode(): what a restart would give it. Fingerprints only, no key.
struct WARDEN_CORE_EXPORT NodeReloadSummary
{
    quint8 node = 0;
    /// Revoked in the inventory: the engine blocks it (revoked now if it did not yet) and
    /// got none of its keys.
    bool revoked = false;
    /// The engine held the node revoked and the inventory no longer does (a readmission made
    /// elsewhere, e.g. `wardenctl personalize --readmit`): the engine lifted its block.
    bool readmitted = false;
    bool serial = false; ///< the engine has the node's serial (whitelisting)
    QString linkKeyFingerprint; ///< the link key the engine verifies it with; empty: shared key
    bool requirements = false; ///< the node's recorded signing requirements were restored
    bool migrationInFlight = false; ///< a link-key migration goes on: either key is accepted
    QStringList problems; ///< what could not be given (a key that does not load, ...)
    /// "node 6: serial, link key ab12-..., requirements restored"
    QString text() const;
};

class SecurityWorkflowsPrivate;

/// The one-call security workflows. Not thread-safe; lives in the thread of the engine.
class WARDEN_CORE_EXPORT SecurityWorkflows : public QObject
{
    Q_OBJECT

public:
    /// The inventory's job kind of a link-key migration step (resumed after a restart).
    static constexpr const char *kMigrationJobKind = "link-key-migration";

    /// None of them owned; all must outlive the facade. The runner must be started.
    SecurityWorkflows(Engine *engine, Inventory *inventory, KeyStore *keys, JobRunner *runner,
                      QObject *parent = nullptr);
    ~SecurityWorkflows() override;

    /// Revokes @p node in the order of the security model: the engine blocks it (id and
    /// serial) before anything else, its link and management keys leave the key store (saved,
    /// with the store's automatic backup), its id is quarantined and the audit entry committed,
    /// the whitelist removal is pushed to every Warden node that lists it (or may: when core
    /// never pushed a node's whitelist it gets the removal too). An unknown or already revoked
    /// node is refused and nothing changes.
    [[nodiscard]] Result<RevocationReport> revokeNode(quint8 node, const QString &reason,
                                                      const QString &who);

    /// What revokeNode(@p node) would do and leave exposed, changing nothing: the
    /// fingerprints, the nodes the whitelist removal would go to (pushedTo), the exposure and
    /// the rotation plan; blocked, quarantined and the ids stay false/0. The console's
    /// confirmation shows it. Refused for the same reasons as revokeNode().
    [[nodiscard]] Result<RevocationReport> previewRevocation(quint8 node) const;

    /// The rotation plans of revocations (kept in the inventory, so they survive a restart)
    /// that no rotation covers yet, oldest first.
    [[nodiscard]] Result<QList<PendingRotationPlan>> pendingRotationPlans() const;
    /// Every plan revocations left, covered ones included (coveredBy names the rotation).
    [[nodiscard]] Result<QList<PendingRotationPlan>> rotationPlans() const;
    /// KeyRotation::start()'s input from the pending plan of @p node's newest revocation: the
    /// burnt epoch and the nodes over the air and by USB. Refused when @p node has no pending
    /// plan (never revoked, nothing shared burnt, or a rotation covers it already). The plan
    /// is re-assessed against the key store's active epoch: when a rotation begun before the
    /// revocation has replaced the burnt epoch since, the input rotates away from the active
    /// epoch if its key existed before the revocation (the node may have got it), and is
    /// refused as already carried out if it was generated after. Nodes revoked since are left
    /// out. An inventory read error is an error that says so (not "no plan").
    [[nodiscard]] Result<RotationPlanInput> rotationFromRevocation(quint8 node, const QString &who,
                                                                   const QString &why) const;

    /// Lifts a revocation, only for a node re-personalized since: a new serial, or new link
    /// and management keys whose fingerprints differ from the revoked ones. The new keys go to
    /// the key store (saved) and the engine, the id is un-quarantined, an audit entry
    /// ("readmit") is committed. Nothing else ever un-revokes.
    [[nodiscard]] Result<ReadmissionReport> readmitNode(quint8 node,
                                                        const NodePersonalization &record,
                                                        const QString &who, const QString &why);

    /// Moves @p nodes (empty: every Warden node still on the shared key) to link keys of
    /// their own: per node a fresh key is saved in the key store, delivered by a SetLinkKey job
    /// (wrapped under the node's management key) and, on the node's authenticated
    /// acknowledgement, made the only key the gateway accepts from it. While the key is in
    /// flight the gateway accepts either key from the node. Returns the nodes started.
    [[nodiscard]] Result<QList<quint8>> migrateToNodeKeys(const QList<quint8> &nodes,
                                                          const QString &who);
    /// Picks up the migrations the inventory holds as unfinished (after a restart): the engine
    /// accepts either key again and the runner's jobs carry on. Call once after the runner's
    /// start().
    [[nodiscard]] Result<void> resume();
    QList<MigrationProgress> migration() const;
    /// Brings the engine's view of @p node up to what the key store and the inventory hold
    /// now, as a restart would give it: revoked or not, serial, link key, recorded signing
    /// requirements (SecurityService::restoreNode()), and a link-key migration in flight kept
    /// in flight. For a node personalized or readmitted while the network runs (the station
    /// calls it when it has a facade; `wardenctl reload-node` through the daemon). Refused for
    /// an id the inventory and the key store both do not know; an inventory read error is an
    /// error that names it, and then nothing changed.
    [[nodiscard]] Result<NodeReloadSummary> reloadNode(quint8 node);

Q_SIGNALS:
    void migrationProgress(const Warden::MigrationProgress &progress);

private:
    std::unique_ptr<SecurityWorkflowsPrivate> d;
    friend class SecurityWorkflowsPrivate;
};

} // namespace Warden

Q_DECLARE_METATYPE(Warden::MigrationProgress)
