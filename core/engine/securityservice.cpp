#include <warden/engine.h>
#include <warden/inventory.h>
#include <warden/keystore.h>
#include <warden/securityservice.h>
#include <warden/securityworkflows.h>

#include <QtCore/QLoggingCategory>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Warden {

Q_LOGGING_CATEGORY(lcSecurityService, "warden.core.securityservice")

namespace {

QString epochList(const QList<quint32> &epochs)
{
    QStringList out;
    for (const quint32 e : epochs)
        out << QString::number(e);
    return out.join(u", ");
}

} // namespace

QString SecurityRestoreSummary::text() const
{
    QStringList parts;
    QString keys = activeEpoch ? u"epoch %1 active"_s.arg(*activeEpoch) : u"no active epoch"_s;
    QStringList extra;
    if (!pendingEpochs.isEmpty())
        extra << u"pending %1"_s.arg(epochList(pendingEpochs));
    if (!retiredEpochs.isEmpty())
        extra << u"retired %1"_s.arg(epochList(retiredEpochs));
    if (!extra.isEmpty())
        keys += u" ("_s + extra.join(u"; ") + u')';
    parts << keys;
    parts << u"%1 link key(s), %2 serial(s)%3"_s.arg(linkKeys).arg(serials).arg(
            gatewaySerial ? u", the gateway serial"_s : u", no gateway serial"_s);
    parts << u"%1 revoked, %2 node requirement(s)"_s.arg(revoked).arg(requirements);
    if (rotationResumed)
        parts << u"rotation resumed (%1 node(s) pinned to another epoch)"_s.arg(pinnedNodes);
    if (unfinishedJobs > 0 || migrationsResumed > 0)
        parts << u"%1 unfinished job(s), %2 migration(s) resumed"_s.arg(unfinishedJobs)
                         .arg(migrationsResumed);
    if (!problems.isEmpty())
        parts << u"%1 problem(s): %2"_s.arg(problems.size()).arg(problems.join(u"; "));
    return parts.join(u"; ");
}

QString NodeReloadSummary::text() const
{
    if (revoked)
        return u"node %1: revoked, blocked by the engine"_s.arg(node);
    QStringList parts;
    if (readmitted)
        parts << u"readmitted"_s;
    parts << (serial ? u"serial"_s : u"no serial"_s);
    parts << (linkKeyFingerprint.isEmpty() ? u"shared network key"_s
                                           : u"link key "_s + linkKeyFingerprint);
    if (migrationInFlight)
        parts << u"link-key migration in flight"_s;
    if (requirements)
        parts << u"requirements restored"_s;
    if (!problems.isEmpty())
        parts << u"%1 problem(s): %2"_s.arg(problems.size()).arg(problems.join(u"; "));
    return u"node %1: "_s.arg(node) + parts.join(u", ");
}

class SecurityServicePrivate
{
public:
    Engine *engine = nullptr;
    Inventory *inventory = nullptr;
    KeyStore *store = nullptr;
    SecurityServiceOptions options;
    std::function<qint64()> clock;
    // Destroyed in reverse: the rotation and the workflows use the runner.
    std::unique_ptr<JobRunner> runner;
    std::unique_ptr<SecurityWorkflows> workflows;
    std::unique_ptr<KeyRotation> rotation;
    SecurityRestoreSummary summary;
    bool started = false;
};

SecurityService::SecurityService(Engine *engine, Inventory *inventory, KeyStore *store,
                                 SecurityServiceOptions options, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<SecurityServicePrivate>())
{
    d->engine = engine;
    d->inventory = inventory;
    d->store = store;
    d->options = std::move(options);
}

SecurityService::~SecurityService()
{
    d->rotation.reset();
    d->workflows.reset();
    d->runner.reset();
}

Result<SecurityRestoreSummary>
SecurityService::restoreEngine(Engine &engine, const Inventory &inventory, const KeyStore &store)
{
    SecurityRestoreSummary s;
    // Network keys: the active one first (Engine::setNetworkKey makes the first key it gets
    // the active one), pending ones beside it; retired keys are never accepted again, so
    // they are not loaded at all.
    const QList<NetworkKeyInfo> keys = store.networkKeys();
    for (const NetworkKeyInfo &info : keys) {
        if (info.state != NetworkKeyState::Active)
            continue;
        Result<SecretBytes> key = store.networkKey(info.epoch);
        if (!key)
            return fail(ErrorCode::Refused,
                        u"the network key of epoch %1 does not load: %2"_s.arg(info.epoch)
                                .arg(key.error().message()));
        if (Result<void> r = engine.setNetworkKey(info.epoch, *key); !r)
            return fail(r.error().code(), u"the network key of epoch %1 (%2): %3"_s.arg(info.epoch)
                                                  .arg(info.fingerprint, r.error().message()));
        if (s.activeEpoch) {
            // Two active keys: the store is inconsistent; the newer one wins and it is said.
            s.problems << u"epochs %1 and %2 are both active in the key store; %3 is used"_s
                                  .arg(*s.activeEpoch)
                                  .arg(info.epoch)
                                  .arg(std::max(*s.activeEpoch, quint32(info.epoch)));
            if (info.epoch < *s.activeEpoch)
                continue;
        }
        s.activeEpoch = info.epoch;
    }
    for (const NetworkKeyInfo &info : keys) {
        if (info.state == NetworkKeyState::Retired) {
            s.retiredEpochs << info.epoch;
            continue;
        }
        if (info.state != NetworkKeyState::Pending)
            continue;
        if (!s.activeEpoch) {
            // Engine::setNetworkKey would make it the active key: a key that is not accepted
            // yet must not become the one the gateway accepts. The rotation that delivers it
            // gives it to the engine itself when it resumes.
            s.problems << u"the pending network key of epoch %1 was not loaded: the key store "
                          "has no active network key"_s.arg(info.epoch);
            continue;
        }
        Result<SecretBytes> key = store.networkKey(info.epoch);
        if (!key || !engine.setNetworkKey(info.epoch, *key)) {
            s.problems << u"the pending network key of epoch %1 was not loaded"_s.arg(info.epoch);
            continue;
        }
        s.pendingEpochs << info.epoch;
    }
    if (s.activeEpoch) {
        if (Result<void> r = engine.activateEpoch(*s.activeEpoch); !r)
            return tl::unexpected(r.error());
    } else if (!keys.isEmpty()) {
        s.problems << u"the key store has no active network key"_s;
    }

    if (const std::optional<Serial> gateway = store.gatewaySerial()) {
        if (Result<void> r = engine.setGatewaySerial(QByteArrayView(
                    reinterpret_cast<const char *>(gateway->data()), qsizetype(gateway->size())));
            r)
            s.gatewaySerial = true;
        else
            s.problems << u"the gateway serial: "_s + r.error().message();
    }

    // Nodes: the key store's serial, else the inventory's; the link key from the store.
    const Result<QList<NodeRecord>> records = inventory.nodes();
    if (!records)
        return fail(records.error().code(),
                    u"the inventory's nodes cannot be read: "_s + records.error().message());
    QMap<quint8, NodeRecord> byId;
    for (const NodeRecord &r : *records)
        byId.insert(r.id, r);
    QList<quint8> serialsFromStore;
    for (const NodeKeyInfo &node : store.nodes()) {
        if (byId.contains(node.nodeId) && byId.value(node.nodeId).revoked)
            continue; // its keys must not come back (revocation deletes them; be sure)
        if (node.serial) {
            if (engine.setNodeSerial(node.nodeId, QByteArrayView(reinterpret_cast<const char *>(
                                                                         node.serial->data()),
                                                                 qsizetype(node.serial->size())))) {
                ++s.serials;
                serialsFromStore << node.nodeId;
            }
        }
        if (!node.linkKeyFingerprint.isEmpty()) {
            Result<SecretBytes> key = store.linkKey(node.nodeId);
            if (key && engine.setNodeKey(node.nodeId, *key))
                ++s.linkKeys;
            else
                s.problems << u"the link key of node %1 (%2) was not loaded"_s.arg(node.nodeId)
                                      .arg(node.linkKeyFingerprint);
        }
    }
    for (const NodeRecord &r : *records) {
        if (r.revoked) {
            ++s.revoked;
            continue;
        }
        if (!serialsFromStore.contains(r.id) && r.serialHex.size() == 18) {
            const QByteArray serial = QByteArray::fromHex(r.serialHex.toLatin1());
            if (serial.size() == 9 && engine.setNodeSerial(r.id, serial))
                ++s.serials;
        }
        if (r.signingRequired || r.whitelistRequired) {
            engine.setNodeRequirements(r.id, r.signingRequired, r.whitelistRequired);
            ++s.requirements;
        }
        // Whether its management requests go unsigned ("+w1" firmware) until it presents
        // itself again.
        if (!r.libraryVersion.isEmpty())
            engine.setNodeLibraryVersion(r.id, r.libraryVersion);
    }
    return s;
}

Result<NodeReloadSummary> SecurityService::restoreNode(Engine &engine, const Inventory &inventory,
                                                       const KeyStore &store, quint8 node)
{
    if (node == 0 || node == 255)
        return fail(ErrorCode::InvalidArgument,
                    u"node %1 cannot be reloaded: node ids are 1..254"_s.arg(node));
    // Everything is read before the engine is touched: a read error changes nothing.
    const auto record = inventory.node(node);
    if (!record)
        return fail(record.error().code(), u"node %1 cannot be reloaded: the inventory cannot be "
                                           "read: %2"_s.arg(node)
                                                   .arg(record.error().message()));
    const std::optional<NodeKeyInfo> stored = store.node(node);
    if (!*record && !stored)
        return fail(
                ErrorCode::InvalidArgument,
                u"node %1 is unknown: neither the inventory nor the key store has it"_s.arg(node));
    NodeReloadSummary s;
    s.node = node;
    if (*record && (*record)->revoked) {
        // The inventory is where a revocation is in force (Engine::setInventory reloads it
        // from there too); revoke() also forgets the node's key and serial.
        if (!engine.isRevoked(node))
            engine.revoke(node, u"revoked in the inventory"_s);
        s.revoked = true;
        return s;
    }
    if (engine.isRevoked(node)) {
        // Lifted elsewhere (an offline readmission): the inventory says so, and only a
        // readmission ever un-revokes there.
        engine.readmit(node);
        s.readmitted = true;
    }

    std::optional<Serial> serial = stored ? stored->serial : std::nullopt;
    if (!serial && *record && (*record)->serialHex.size() == 18) {
        const QByteArray bytes = QByteArray::fromHex((*record)->serialHex.toLatin1());
        if (bytes.size() == 9) {
            Serial fromInventory {};
            std::copy(bytes.cbegin(), bytes.cend(), fromInventory.begin());
            serial = fromInventory;
        }
    }
    if (serial) {
        if (Result<void> r = engine.setNodeSerial(
                    node, QByteArrayView(reinterpret_cast<const char *>(serial->data()),
                                         qsizetype(serial->size())));
            r)
            s.serial = true;
        else
            s.problems << u"the serial of node %1: "_s.arg(node) + r.error().message();
    } else {
        engine.clearNodeSerial(node);
    }

    if (stored && !stored->linkKeyFingerprint.isEmpty()) {
        Result<SecretBytes> key = store.linkKey(node);
        if (key && engine.setNodeKey(node, *key))
            s.linkKeyFingerprint = stored->linkKeyFingerprint;
        else
            s.problems << u"the link key of node %1 (%2) was not loaded"_s.arg(node).arg(
                    stored->linkKeyFingerprint);
    } else {
        // A shared-key node (again): a link key the engine still holds would refuse it.
        engine.clearNodeKey(node);
    }

    if (*record && ((*record)->signingRequired || (*record)->whitelistRequired)) {
        engine.setNodeRequirements(node, (*record)->signingRequired, (*record)->whitelistRequired);
        s.requirements = true;
    }
    return s;
}

Result<NodeReloadSummary> SecurityService::reloadNode(quint8 node)
{
    if (!d->started)
        return fail(ErrorCode::Refused,
                    u"node %1 cannot be reloaded: the security service is not started"_s.arg(node));
    // Another program may have saved the key store since (`wardenctl personalize` on the files
    // while this service runs): read it again first, else its new keys stay unseen here.
    if (const Result<bool> reread = d->store->reload(); !reread)
        return fail(reread.error().code(),
                    u"node %1 was not reloaded: "_s.arg(node) + reread.error().message());
    return d->workflows->reloadNode(node);
}

void SecurityService::setClock(std::function<qint64()> clockMs)
{
    d->clock = std::move(clockMs);
}

Result<SecurityRestoreSummary> SecurityService::start()
{
    if (d->started)
        return fail(ErrorCode::Refused, u"the security service is already started"_s);
    if (!d->engine || !d->inventory || !d->store)
        return fail(ErrorCode::InvalidArgument,
                    u"the security service needs an engine, an inventory and a key store"_s);
    Result<SecurityRestoreSummary> restored = restoreEngine(*d->engine, *d->inventory, *d->store);
    if (!restored)
        return restored;
    d->summary = std::move(*restored);

    d->runner = std::make_unique<JobRunner>(d->engine, d->inventory,
                                            KeyRotation::keySource(d->store), d->options.jobs);
    if (d->clock)
        d->runner->setClock(d->clock);
    if (Result<void> r = d->runner->start(); !r)
        return fail(r.error().code(), u"the job runner did not start: "_s + r.error().message());
    for (const ManagementJob &job : d->runner->jobs())
        d->summary.unfinishedJobs
                += job.state == JobState::Pending || job.state == JobState::Running ? 1 : 0;

    d->workflows = std::make_unique<SecurityWorkflows>(d->engine, d->inventory, d->store,
                                                       d->runner.get());
    if (Result<void> r = d->workflows->resume(); !r)
        d->summary.problems << u"link-key migrations not resumed: "_s + r.error().message();
    for (const MigrationProgress &m : d->workflows->migration())
        d->summary.migrationsResumed
                += m.step == MigrationStep::Delivering || m.step == MigrationStep::KeyStored ? 1
                                                                                             : 0;

    d->rotation = std::make_unique<KeyRotation>(d->engine, d->inventory, d->store, d->runner.get(),
                                                d->options.rotation);
    if (d->clock)
        d->rotation->setClock(d->clock);
    Result<bool> resumed = d->rotation->resume();
    if (!resumed)
        return fail(resumed.error().code(),
                    u"the unfinished rotation cannot be resumed: "_s + resumed.error().message());
    d->summary.rotationResumed = *resumed;
    if (*resumed) {
        if (const std::optional<RotationReport> status = d->rotation->status()) {
            for (const NodeRotationStatus &n : status->nodes)
                d->summary.pinnedNodes
                        += n.gatewayEpoch != 0 && d->summary.activeEpoch
                                           && n.gatewayEpoch != *d->summary.activeEpoch
                                   ? 1
                                   : 0;
        }
    }
    d->started = true;
    qCInfo(lcSecurityService).noquote() << "security state restored:" << d->summary.text();
    // What a revocation before the restart said must follow, and is not done yet.
    if (const auto plans = d->workflows->pendingRotationPlans(); !plans)
        qCWarning(lcSecurityService).noquote()
                << "the pending rotation plans cannot be read:" << plans.error().message();
    else
        for (const PendingRotationPlan &p : *plans)
            qCWarning(lcSecurityService).noquote() << "pending:" << p.text();
    return d->summary;
}

bool SecurityService::isStarted() const
{
    return d->started;
}

const SecurityRestoreSummary &SecurityService::summary() const
{
    return d->summary;
}

Engine *SecurityService::engine() const
{
    return d->engine;
}

Inventory *SecurityService::inventory() const
{
    return d->inventory;
}

KeyStore *SecurityService::keyStore() const
{
    return d->store;
}

JobRunner *SecurityService::jobs() const
{
    return d->runner.get();
}

SecurityWorkflows *SecurityService::workflows() const
{
    return d->workflows.get();
}

KeyRotation *SecurityService::rotation() const
{
    return d->rotation.get();
}

} // namespace Warden
