// The security side of a running gateway as one object: at start it gives the Engine back
// everything the key store and the inventory hold about keys and nodes (network key epochs,
// link keys, serials, the gateway serial, revocations, what each node requires), then runs the
// JobRunner, the SecurityWorkflows and the KeyRotation over them, resuming what a previous run
// left unfinished (jobs, link-key migrations, a rotation). The daemon and the console build it
// the same way, so a restart never depends on which program ran before.
#pragma once

#include <warden/error.h>
#include <warden/global.h>
#include <warden/jobs.h>
#include <warden/rotation.h>
#include <warden/securityworkflows.h>

#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <functional>
#include <memory>
#include <optional>

namespace Warden {

class Engine;
class Inventory;
class KeyStore;
class SecurityWorkflows;

/// What SecurityService::restoreEngine() gave the engine. Counts and epochs only: no key.
struct WARDEN_CORE_EXPORT SecurityRestoreSummary
{
    QList<quint32> pendingEpochs; ///< network keys loaded but not accepted yet
    std::optional<quint32> activeEpoch; ///< the store's active epoch, none when it has none
    QList<quint32> retiredEpochs; ///< known, deliberately not loaded (never accepted again)
    int linkKeys = 0; ///< nodes given their own link key
    int serials = 0; ///< nodes given their serial (whitelisting)
    bool gatewaySerial = false;
    int revoked = 0; ///< revocations in force (reloaded by the engine from the inventory)
    int requirements = 0; ///< nodes whose recorded signing requirements were restored
    /// Nodes pinned to an epoch other than the active one (an unfinished rotation resumed).
    int pinnedNodes = 0;
    bool rotationResumed = false;
    int unfinishedJobs = 0; ///< management jobs resumed by the runner
    int migrationsResumed = 0; ///< link-key migrations picked up again
    /// What could not be restored (a key that does not load, ...): the rest still runs.
    QStringList problems;
    /// "epoch 2 active (1 pending, 1 retired); 3 link keys, 5 serials, gateway serial; ..."
    QString text() const;
};

struct WARDEN_CORE_EXPORT SecurityServiceOptions
{
    JobRunnerOptions jobs;
    KeyRotationOptions rotation;
};

class SecurityServicePrivate;

/// Owns the JobRunner, SecurityWorkflows and KeyRotation of one network. Not owned: the
/// engine, the inventory and the (opened) key store, which must outlive the service. Attach
/// the inventory to the engine (Engine::setInventory) and the links before start(): the
/// engine reloads revocations from it, and the runner sends through the links.
class WARDEN_CORE_EXPORT SecurityService : public QObject
{
    Q_OBJECT

public:
    SecurityService(Engine *engine, Inventory *inventory, KeyStore *store,
                    SecurityServiceOptions options = {}, QObject *parent = nullptr);
    ~SecurityService() override;

    /// Gives @p engine the security state that @p store and @p inventory hold: every network
    /// key that is pending or active (retired ones are never loaded), the active epoch, the
    /// link keys, the serials of the nodes and of the gateway, and what each node presented
    /// it requires (signatures, whitelisting). Revocations come with Engine::setInventory().
    /// Per-node epochs are the rotation's (KeyRotation::resume() pins them); without an
    /// unfinished rotation every shared-key node is on the active epoch.
    static Result<SecurityRestoreSummary> restoreEngine(Engine &engine, const Inventory &inventory,
                                                        const KeyStore &store);

    /// restoreEngine() for one node: gives @p engine what @p store and @p inventory hold about
    /// @p node now. A node revoked in the inventory is revoked in the engine (no key given); a
    /// node the engine holds revoked and the inventory no longer does is readmitted; else its
    /// serial (the store's, else the inventory's), its link key (none: cleared, it signs with
    /// the shared key) and its recorded requirements are set. The per-node epoch is left as it
    /// is (the rotation's). Refused for ids 0 and 255 and for a node neither file knows.
    static Result<NodeReloadSummary> restoreNode(Engine &engine, const Inventory &inventory,
                                                 const KeyStore &store, quint8 node);

    /// Milliseconds for the runner's and the rotation's timing (tests: a simulated clock).
    /// Call before start().
    void setClock(std::function<qint64()> clockMs);

    /// Restores the engine (restoreEngine()), starts the runner (unfinished jobs resume),
    /// resumes unfinished link-key migrations and an unfinished rotation. Call once. On an
    /// error the service is not usable; the engine may hold part of the state.
    Result<SecurityRestoreSummary> start();
    bool isStarted() const;
    /// The summary of start().
    const SecurityRestoreSummary &summary() const;

    Engine *engine() const;
    Inventory *inventory() const;
    KeyStore *keyStore() const;
    /// SecurityWorkflows::reloadNode(): a node personalized or readmitted while the service
    /// runs reaches the running engine at once. The key store is read again first when another
    /// program saved it (KeyStore::reload()), so a `wardenctl personalize [--readmit]` made on
    /// the files while wardend runs is taken too (JSON API `node.reload`). Refused before
    /// start(), and when the store cannot be reloaded (nothing changed then).
    Result<NodeReloadSummary> reloadNode(quint8 node);

    /// Null before start().
    JobRunner *jobs() const;
    SecurityWorkflows *workflows() const;
    KeyRotation *rotation() const;

private:
    std::unique_ptr<SecurityServicePrivate> d;
};

} // namespace Warden
