// The key rotation driver: RotationPlan (core/security) is the state machine; this file stores
// each transition in the inventory (and waits for it to be durable) before it acts on it:
// key store writes, jobs, and the epoch the engine expects from each node.
#include <warden/engine.h>
#include <warden/inventory.h>
#include <warden/jobs.h>
#include <warden/rotation.h>

#include "engine/rotationkeys_p.h"
#include "engine/rotationreport_p.h"
#include "security/rotationplan.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QLoggingCategory>
#include <QtCore/QPointer>
#include <QtCore/QSet>
#include <QtCore/QTimer>

#include <map>
#include <optional>

using namespace Qt::StringLiterals;

namespace Warden {

Q_LOGGING_CATEGORY(lcRotation, "warden.core.rotation")

namespace {

using Internal::RotationPlan;
using Op = Protocol::ManagementOperation;
namespace Keys = Internal::RotationKeys;

/// Request frames per attempt (management channel, section 4.2).
int framesPerAttempt(Op op)
{
    return op == Op::SetNetworkKey ? 3 : 2;
}

} // namespace

class KeyRotationPrivate
{
public:
    KeyRotationPrivate(KeyRotation *owner, Engine *e, Inventory *inv, KeyStore *s, JobRunner *r,
                       KeyRotationOptions o)
        : q(owner)
        , engine(e)
        , inventory(inv)
        , store(s)
        , runner(r)
        , options(o)
    {
        elapsed.start();
        clock = [this] { return elapsed.elapsed(); };
    }

    qint64 now() const { return clock(); }
    Result<void> save();
    void report(const Error &error);
    void audit(const QString &what, int node = -1, const QString &why = {});
    void applyEngine();
    void noteNode(quint8 node, const QString &detail);
    qint64 adoptJob(quint8 node, Op op) const;
    void collect();
    void submit();
    void settleUncertainKeys();
    void advance();
    void updateTraffic();
    void schedulePoll();
    RotationReport finalReport();

    KeyRotation *q;
    QPointer<Engine> engine;
    Inventory *inventory;
    KeyStore *store;
    QPointer<JobRunner> runner;
    KeyRotationOptions options;
    std::function<qint64()> clock;
    QElapsedTimer elapsed;
    QTimer *timer = nullptr;
    bool pollScheduled = false;
    bool polling = false;
    qint64 rotationId = 0;
    std::optional<RotationPlan> plan;
    bool newKeyInEngine = false;
    QList<std::pair<quint8, QString>> changed; // nodes changed since the last save
    std::map<quint8, quint16> appliedView; // activating nodes: the epoch the engine signs with
    QSet<quint8> uncertain; // activating nodes whose key the gateway does not know
};

void KeyRotationPrivate::report(const Error &error)
{
    qCWarning(lcRotation).noquote() << error.message();
    Q_EMIT q->problem(error);
}

Result<void> KeyRotationPrivate::save()
{
    RotationRecord record;
    record.id = rotationId;
    record.epoch = plan->newEpoch();
    record.scope = QString::fromLatin1(KeyRotation::kScope);
    record.step = QString::fromLatin1(rotationStepName(plan->step()));
    record.state = plan->toJson();
    record.createdMs = 0;
    const Result<InventoryReceipt> receipt = inventory->saveRotation(record);
    if (!receipt)
        return tl::unexpected(receipt.error());
    rotationId = receipt->id;
    // Durable before anything acts on it: a crash after this resumes from here. (flush()
    // commits at once; waiting for the ticket would wait for the writer's next batch.)
    if (Result<void> ok = inventory->flush(); !ok)
        return ok;
    return inventory->waitForCommitted(receipt->ticket);
}

void KeyRotationPrivate::audit(const QString &what, int node, const QString &why)
{
    AuditEntry e;
    e.who = plan->who().isEmpty() ? u"rotation"_s : plan->who();
    e.what = what;
    e.why = why.isEmpty() ? plan->why() : why;
    e.node = node;
    e.details = QJsonObject {{u"rotation"_s, rotationId},
                             {u"oldEpoch"_s, int(plan->oldEpoch())},
                             {u"newEpoch"_s, int(plan->newEpoch())},
                             {u"fingerprint"_s, plan->keyFingerprint()}};
    if (const auto r = inventory->recordAudit(e); !r)
        qCWarning(lcRotation).noquote() << u"audit entry not stored: "_s + r.error().message();
}

void KeyRotationPrivate::noteNode(quint8 node, const QString &detail)
{
    changed.append({node, detail});
}

/// The gateway's side of the stored state: the new key, and the epoch each node is expected to
/// sign with. Idempotent; called after every save and on resume.
void KeyRotationPrivate::applyEngine()
{
    if (!engine || !plan)
        return;
    const RotationStep step = plan->step();
    if (step == RotationStep::Assessed || step == RotationStep::Cancelled)
        return;
    if (!newKeyInEngine) {
        const Result<SecretBytes> key = Keys::networkKey(store, plan->newEpoch());
        if (!key) {
            report(Error(ErrorCode::Refused,
                         u"the key of epoch %1 is not in the key store: "_s.arg(plan->newEpoch())
                                 + key.error().message()));
            return;
        }
        if (key->fingerprint() != plan->keyFingerprint()) {
            report(Error(ErrorCode::Refused,
                         u"the key store's key of epoch %1 (%2) is not the rotation's (%3)"_s.arg(
                                 QString::number(plan->newEpoch()), key->fingerprint(),
                                 plan->keyFingerprint())));
            return;
        }
        if (Result<void> ok = engine->setNetworkKey(plan->newEpoch(), *key); !ok) {
            report(ok.error());
            return;
        }
        newKeyInEngine = true;
    }
    if (step == RotationStep::Generated)
        return;
    for (const NodeRotationStatus &n : plan->nodes()) {
        // A node with a link key of its own signs with that; its network key is for its peers.
        const bool linkKeyNode = Keys::linkKey(store, n.node).has_value();
        if (n.state == NodeRotationState::Activated) {
            engine->setNodeEpoch(n.node, plan->newEpoch());
            if (!linkKeyNode && appliedView.erase(n.node) > 0) {
                engine->clearNodeKeyCandidate(n.node);
                engine->clearNodeKey(n.node);
            }
            continue;
        }
        if (n.state != NodeRotationState::Activating || linkKeyNode) {
            engine->setNodeEpoch(n.node, plan->oldEpoch());
            continue;
        }
        // Activating: the gateway signs to the node with the key of gatewayEpoch and accepts
        // either key from it; a frame that verifies under the other one proves which the node
        // holds (collect() reads that).
        const auto applied = appliedView.find(n.node);
        if (applied != appliedView.end() && applied->second == n.gatewayEpoch
            && engine->hasNodeKeyCandidate(n.node))
            continue;
        const quint16 other
                = n.gatewayEpoch == plan->oldEpoch() ? plan->newEpoch() : plan->oldEpoch();
        const Result<SecretBytes> otherKey = Keys::networkKey(store, other);
        if (!otherKey) {
            report(otherKey.error());
            continue;
        }
        engine->clearNodeKey(n.node);
        engine->setNodeEpoch(n.node, n.gatewayEpoch);
        if (Result<void> ok = engine->setNodeKeyCandidate(n.node, *otherKey); !ok) {
            report(ok.error());
            continue;
        }
        appliedView[n.node] = n.gatewayEpoch;
    }
    for (const quint8 node : std::as_const(uncertain))
        engine->holdSigning(node);
    uncertain.clear();
    if (step == RotationStep::Retiring || step == RotationStep::Completed) {
        (void)engine->activateEpoch(plan->newEpoch());
        engine->retireEpoch(plan->oldEpoch());
    }
}

/// The newest unfinished job of @p node for this rotation's epoch: one submitted before a
/// crash that came before its id was stored in the plan.
qint64 KeyRotationPrivate::adoptJob(quint8 node, Op op) const
{
    qint64 found = 0;
    for (const ManagementJob &j : runner->jobs()) {
        if (j.node != node || j.action.operation != op || j.action.epoch != plan->newEpoch())
            continue;
        // Only one still under way: a finished one may be from before a retry (a node that
        // lost its pending key), and a duplicate of an idempotent request costs one attempt.
        if (j.state != JobState::Pending && j.state != JobState::Running)
            continue;
        if (op == Op::SetNetworkKey && j.action.keyFingerprint != plan->keyFingerprint())
            continue;
        found = std::max(found, j.id);
    }
    return found;
}

/// Job outcomes into the plan.
void KeyRotationPrivate::collect()
{
    for (const NodeRotationStatus &n : QList<NodeRotationStatus>(plan->nodes())) {
        const bool delivering = n.state == NodeRotationState::Delivering;
        const bool activating = n.state == NodeRotationState::Activating;
        if (!delivering && !activating)
            continue;
        const qint64 id = delivering ? n.deliveryJob : n.activationJob;
        const std::optional<ManagementJob> job = runner->job(id);
        if (!job) {
            if (plan->requeue(n.node))
                noteNode(n.node, u"job %1 is unknown to the runner; queued again"_s.arg(id));
            continue;
        }
        if (job->state == JobState::Done) {
            if (delivering && plan->delivered(n.node))
                noteNode(n.node,
                         u"acknowledged the pending key of epoch %1"_s.arg(plan->newEpoch()));
            else if (activating && plan->activated(n.node))
                noteNode(n.node,
                         u"acknowledged the activation of epoch %1"_s.arg(plan->newEpoch()));
        } else if (job->state == JobState::Failed || job->state == JobState::Cancelled) {
            const QString why
                    = job->lastError.isEmpty() ? u"job %1 cancelled"_s.arg(id) : job->lastError;
            if (plan->nodeFailed(n.node, why))
                noteNode(n.node, why);
        }
    }
}

/// Activation: the node switches right after its acknowledgement (signed under the old key)
/// is out; if that is lost, the gateway does not know which key the node holds, and a request
/// signed with the wrong one would cost the node two of the five failed verifications after
/// which it locks itself. So after an unanswered attempt the engine signs nothing to the node
/// (Engine::holdSigning) until a signed frame from it verifies, under the key the gateway
/// signs with or under the candidate (the other one), which the engine then adopts: the node
/// has proved which key it holds, and the retried request goes out under that key.
void KeyRotationPrivate::settleUncertainKeys()
{
    if (!engine || plan->step() != RotationStep::Activating)
        return;
    for (const NodeRotationStatus &n : QList<NodeRotationStatus>(plan->nodes())) {
        if (n.state != NodeRotationState::Activating)
            continue;
        const auto applied = appliedView.find(n.node);
        if (applied == appliedView.end() || applied->second != n.gatewayEpoch)
            continue;
        const std::optional<ManagementJob> job = runner->job(n.activationJob);
        const int attempts = job ? job->attempts : 0;
        if (!engine->hasNodeKeyCandidate(n.node)) {
            // The engine adopted the candidate: the node signed a frame with it.
            const quint16 other
                    = n.gatewayEpoch == plan->oldEpoch() ? plan->newEpoch() : plan->oldEpoch();
            if (plan->setGatewayEpoch(n.node, other, attempts))
                noteNode(
                        n.node,
                        u"a frame from it verified under epoch %1: it holds that key"_s.arg(other));
            continue;
        }
        if (!job || job->state != JobState::Pending || attempts <= n.viewAttempts)
            continue;
        // Stored (viewAttempts) before the engine acts on it (applyEngine).
        if (plan->setGatewayEpoch(n.node, n.gatewayEpoch, attempts))
            noteNode(n.node, u"activation unanswered (attempt %1): nothing is signed to it "
                             u"until a frame from it shows which key it holds"_s.arg(attempts));
        uncertain.insert(n.node);
    }
}

/// Jobs for nodes that need one. Acting first, then stored: a job submitted and not recorded
/// is adopted on the next round (adoptJob), a repeated delivery is harmless.
void KeyRotationPrivate::submit()
{
    const RotationStep step = plan->step();
    if (step != RotationStep::Delivering && step != RotationStep::Activating)
        return;
    for (const NodeRotationStatus &n : QList<NodeRotationStatus>(plan->nodes())) {
        if (n.state == NodeRotationState::Pending) {
            qint64 id = adoptJob(n.node, Op::SetNetworkKey);
            if (id == 0) {
                const Result<qint64> job = runner->submit(
                        n.node,
                        ManagementAction::setNetworkKey(plan->newEpoch(), plan->keyFingerprint()));
                if (!job) {
                    report(job.error());
                    continue;
                }
                id = *job;
            }
            if (plan->deliveryQueued(n.node, id))
                noteNode(n.node, u"delivery queued (job %1)"_s.arg(id));
        } else if (n.state == NodeRotationState::Delivered && step == RotationStep::Activating) {
            qint64 id = adoptJob(n.node, Op::ActivateEpoch);
            if (id == 0) {
                const Result<qint64> job
                        = runner->submit(n.node, ManagementAction::activateEpoch(plan->newEpoch()));
                if (!job) {
                    report(job.error());
                    continue;
                }
                id = *job;
            }
            if (plan->activationQueued(n.node, id))
                noteNode(n.node, u"activation queued (job %1)"_s.arg(id));
        }
    }
}

void KeyRotationPrivate::updateTraffic()
{
    int attempts = 0;
    int frames = 0;
    for (const NodeRotationStatus &n : plan->nodes()) {
        for (const qint64 id : {n.deliveryJob, n.activationJob}) {
            if (id <= 0)
                continue;
            if (const auto job = runner->job(id)) {
                attempts += job->attempts;
                frames += job->attempts * framesPerAttempt(job->action.operation);
            }
        }
    }
    plan->setTraffic(attempts, frames);
}

/// One step forward when its condition holds; the step is stored before its actions.
void KeyRotationPrivate::advance()
{
    const RotationStep before = plan->step();
    switch (before) {
    case RotationStep::Assessed: {
        const Result<QString> fp = Keys::ensurePendingKey(store, plan->newEpoch());
        if (!fp) {
            report(fp.error());
            return;
        }
        if (Result<void> ok = plan->keyGenerated(*fp); !ok) {
            report(ok.error());
            return;
        }
        break;
    }
    case RotationStep::Generated:
        (void)plan->startDelivery();
        break;
    case RotationStep::Delivering:
        if (!plan->canStartActivation())
            return;
        (void)plan->startActivation();
        break;
    case RotationStep::Activating:
        if (!plan->canRetire())
            return;
        (void)plan->startRetiring();
        break;
    case RotationStep::Retiring: {
        if (Result<void> ok = Keys::retire(store, plan->oldEpoch(), plan->newEpoch()); !ok) {
            report(ok.error());
            return;
        }
        applyEngine();
        KeyEpoch retired;
        retired.epoch = plan->oldEpoch();
        retired.scope = QString::fromLatin1(KeyRotation::kScope);
        retired.state = KeyEpochState::Retired;
        retired.retiredMs = QDateTime::currentMSecsSinceEpoch();
        KeyEpoch active;
        active.epoch = plan->newEpoch();
        active.scope = retired.scope;
        active.keyFingerprint = plan->keyFingerprint();
        active.state = KeyEpochState::Active;
        active.activatedMs = retired.retiredMs;
        (void)inventory->addKeyEpoch(retired);
        (void)inventory->addKeyEpoch(active);
        updateTraffic();
        (void)plan->complete(now());
        break;
    }
    case RotationStep::Completed:
    case RotationStep::Cancelled:
        return;
    }
    if (Result<void> ok = save(); !ok) {
        // Not stored: not taken. The plan is reloaded from what is stored.
        report(ok.error());
        const auto records = inventory->rotations();
        if (records) {
            for (const RotationRecord &r : *records) {
                if (r.id == rotationId) {
                    if (auto reloaded = RotationPlan::fromJson(r.state))
                        plan = std::move(*reloaded);
                }
            }
        }
        return;
    }
    const RotationStep after = plan->step();
    qCInfo(lcRotation).noquote() << u"rotation %1 to epoch %2: %3"_s.arg(rotationId)
                                            .arg(plan->newEpoch())
                                            .arg(QLatin1StringView(rotationStepName(after)));
    audit(u"rotate."_s + QString::fromLatin1(rotationStepName(after)));
    applyEngine();
    Q_EMIT q->stepChanged(after);
    if (after == RotationStep::Completed) {
        const RotationReport r = finalReport();
        qCInfo(lcRotation).noquote() << r.text();
        Q_EMIT q->finished(r);
    }
}

/// The report at the end, completed from the inventory and stored there (lastReport()).
RotationReport KeyRotationPrivate::finalReport()
{
    RotationReport r = Internal::completeRotationReport(plan->report(rotationId), *inventory,
                                                        plan->who(), plan->why());
    if (Result<void> ok = Internal::storeRotationReport(*inventory, r); !ok)
        report(Error(ok.error().code(),
                     u"the report of rotation %1 was not stored: "_s.arg(rotationId)
                             + ok.error().message()));
    return r;
}

void KeyRotationPrivate::schedulePoll()
{
    // Without the timer the caller drives poll(), one step at a time.
    if (pollScheduled || options.pollIntervalMs <= 0)
        return;
    pollScheduled = true;
    QMetaObject::invokeMethod(
            q,
            [this] {
                pollScheduled = false;
                q->poll();
            },
            Qt::QueuedConnection);
}

// --- public ----------------------------------------------------------------------------------

KeyRotation::KeyRotation(Engine *engine, Inventory *inventory, KeyStore *store, JobRunner *runner,
                         KeyRotationOptions options, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<KeyRotationPrivate>(this, engine, inventory, store, runner, options))
{
    qRegisterMetaType<Warden::RotationReport>();
    if (runner) {
        connect(runner, &JobRunner::jobFinished, this, [this] { d->schedulePoll(); });
        connect(runner, &JobRunner::jobProgress, this, [this] {
            if (d->plan && d->plan->step() == RotationStep::Activating)
                d->schedulePoll();
        });
    }
    if (d->options.pollIntervalMs > 0) {
        d->timer = new QTimer(this);
        d->timer->setInterval(d->options.pollIntervalMs);
        connect(d->timer, &QTimer::timeout, this, &KeyRotation::poll);
    }
}

KeyRotation::~KeyRotation() = default;

ManagementKeySource KeyRotation::keySource(const KeyStore *store)
{
    ManagementKeySource keys;
    keys.managementKey = [store](quint8 node) { return Keys::managementKey(store, node); };
    keys.linkKey = [store](quint8 node) { return Keys::linkKey(store, node); };
    keys.networkKey = [store](quint16 epoch) -> std::optional<SecretBytes> {
        Result<SecretBytes> key = Keys::networkKey(store, epoch);
        if (!key)
            return std::nullopt;
        return std::move(*key);
    };
    keys.serial = [store](quint8 node) { return Keys::serial(store, node); };
    return keys;
}

void KeyRotation::setClock(std::function<qint64()> clockMs)
{
    d->clock = std::move(clockMs);
}

Result<qint64> KeyRotation::start(const RotationPlanInput &input)
{
    if (!d->inventory || !d->store || !d->runner || !d->engine)
        return fail(ErrorCode::InvalidArgument,
                    u"a rotation needs an engine, an inventory, a key store and a job runner"_s);
    if (isRunning())
        return fail(ErrorCode::Refused, u"rotation %1 is not finished yet"_s.arg(d->rotationId));
    const Result<QList<RotationRecord>> stored = d->inventory->rotations();
    if (!stored)
        return tl::unexpected(stored.error());
    for (const RotationRecord &r : *stored) {
        if (r.scope != QLatin1StringView(kScope))
            continue;
        const auto p = RotationPlan::fromJson(r.state);
        if (p && !p->isFinished())
            return fail(ErrorCode::Refused,
                        u"rotation %1 is not finished yet (resume it)"_s.arg(r.id));
    }
    if (Result<void> ok = Keys::requireKey(d->store, input.oldEpoch, true); !ok)
        return tl::unexpected(ok.error());
    RotationPlanInput checked = input;
    checked.overTheAir.clear();
    for (const quint8 node : input.overTheAir) {
        // No management key, no wrapped delivery: the node is re-keyed by hand.
        if (Keys::managementKey(d->store, node))
            checked.overTheAir.append(node);
        else
            checked.usb.append(node);
    }
    Result<RotationPlan> plan = RotationPlan::create(checked, d->now());
    if (!plan)
        return tl::unexpected(plan.error());
    if (Result<void> ok = Keys::requireUnusedEpoch(d->store, plan->newEpoch()); !ok)
        return tl::unexpected(ok.error());
    d->plan = std::move(*plan);
    d->rotationId = 0;
    d->newKeyInEngine = false;
    d->appliedView.clear();
    d->uncertain.clear();
    if (Result<void> ok = d->save(); !ok) {
        d->plan.reset();
        return tl::unexpected(ok.error());
    }
    d->audit(u"rotate.assessed"_s);
    Q_EMIT stepChanged(RotationStep::Assessed);
    if (d->timer)
        d->timer->start();
    d->schedulePoll();
    return d->rotationId;
}

Result<bool> KeyRotation::resume()
{
    if (isRunning())
        return fail(ErrorCode::Refused, u"a rotation is already loaded"_s);
    const Result<QList<RotationRecord>> stored = d->inventory->rotations();
    if (!stored)
        return tl::unexpected(stored.error());
    for (qsizetype i = stored->size() - 1; i >= 0; --i) {
        const RotationRecord &r = stored->at(i);
        if (r.scope != QLatin1StringView(kScope))
            continue;
        Result<RotationPlan> plan = RotationPlan::fromJson(r.state);
        if (!plan)
            return fail(ErrorCode::Malformed, u"rotation %1 cannot be resumed: %2"_s.arg(r.id).arg(
                                                      plan.error().message()));
        if (plan->isFinished())
            continue;
        d->plan = std::move(*plan);
        d->rotationId = r.id;
        d->newKeyInEngine = false;
        d->appliedView.clear();
        d->uncertain.clear();
        // Which key an activating node holds is unknown after a restart.
        for (const NodeRotationStatus &n : d->plan->nodes()) {
            if (n.state == NodeRotationState::Activating
                && !Keys::linkKey(d->store, n.node).has_value())
                d->uncertain.insert(n.node);
        }
        qCInfo(lcRotation).noquote()
                << u"rotation %1 to epoch %2 resumed at step %3"_s.arg(r.id)
                           .arg(d->plan->newEpoch())
                           .arg(QLatin1StringView(rotationStepName(d->plan->step())));
        d->applyEngine();
        if (d->timer)
            d->timer->start();
        d->schedulePoll();
        return true;
    }
    return false;
}

Result<void> KeyRotation::markUsbDone(quint8 node, const QString &who)
{
    if (!isRunning())
        return fail(ErrorCode::Refused, u"no rotation is running"_s);
    if (Result<void> ok = d->plan->usbDone(node); !ok)
        return ok;
    if (Result<void> ok = d->save(); !ok)
        return ok;
    d->audit(u"rotate.usb-done"_s, node, u"re-personalized over USB by %1"_s.arg(who));
    d->applyEngine();
    Q_EMIT nodeChanged(node, NodeRotationState::Activated, u"re-personalized over USB"_s);
    d->schedulePoll();
    return {};
}

Result<void> KeyRotation::exclude(quint8 node, const QString &who, const QString &why)
{
    if (!isRunning())
        return fail(ErrorCode::Refused, u"no rotation is running"_s);
    const std::optional<NodeRotationStatus> before = d->plan->node(node);
    if (Result<void> ok = d->plan->exclude(node, why); !ok)
        return ok;
    if (Result<void> ok = d->save(); !ok)
        return ok;
    d->audit(u"rotate.exclude"_s, node, u"%1: %2"_s.arg(who, why));
    if (before && before->state == NodeRotationState::Delivering && before->deliveryJob > 0)
        (void)d->runner->cancel(before->deliveryJob);
    d->applyEngine();
    Q_EMIT nodeChanged(node, NodeRotationState::Excluded, why);
    d->schedulePoll();
    return {};
}

Result<void> KeyRotation::retry(quint8 node)
{
    if (!isRunning())
        return fail(ErrorCode::Refused, u"no rotation is running"_s);
    if (Result<void> ok = d->plan->retry(node); !ok)
        return ok;
    if (Result<void> ok = d->save(); !ok)
        return ok;
    Q_EMIT nodeChanged(node, d->plan->node(node)->state, u"retried"_s);
    d->schedulePoll();
    return {};
}

Result<void> KeyRotation::cancel(const QString &who, const QString &why)
{
    if (!isRunning())
        return fail(ErrorCode::Refused, u"no rotation is running"_s);
    if (Result<void> ok = d->plan->cancel(why, d->now()); !ok)
        return ok;
    d->updateTraffic();
    if (Result<void> ok = d->save(); !ok)
        return ok;
    d->audit(u"rotate.cancelled"_s, -1, u"%1: %2"_s.arg(who, why));
    for (const NodeRotationStatus &n : d->plan->nodes()) {
        if (n.state == NodeRotationState::Delivering && n.deliveryJob > 0)
            (void)d->runner->cancel(n.deliveryJob);
    }
    // Nodes that hold the key as pending keep it unused; the gateway keeps the old epoch.
    if (d->engine) {
        for (const NodeRotationStatus &n : d->plan->nodes())
            d->engine->setNodeEpoch(n.node, d->plan->oldEpoch());
        d->engine->retireEpoch(d->plan->newEpoch());
    }
    Q_EMIT stepChanged(RotationStep::Cancelled);
    Q_EMIT finished(d->finalReport());
    return {};
}

bool KeyRotation::isRunning() const
{
    return d->plan && !d->plan->isFinished();
}

std::optional<RotationReport> KeyRotation::status() const
{
    if (!d->plan)
        return std::nullopt;
    return d->plan->report(d->rotationId);
}

Result<std::optional<RotationReport>> KeyRotation::lastReport(qint64 rotation) const
{
    if (!d->inventory)
        return fail(ErrorCode::InvalidArgument, u"the rotation has no inventory"_s);
    return Internal::storedRotationReport(*d->inventory, rotation);
}

void KeyRotation::poll()
{
    if (!isRunning() || !d->runner || d->polling)
        return;
    d->polling = true;
    d->changed.clear();
    d->collect();
    d->settleUncertainKeys();
    d->submit();
    if (!d->changed.isEmpty()) {
        d->updateTraffic();
        if (Result<void> ok = d->save(); !ok) {
            d->report(ok.error());
            d->polling = false;
            return;
        }
        d->applyEngine();
        for (const auto &[node, detail] : std::as_const(d->changed)) {
            const auto n = d->plan->node(node);
            if (n)
                Q_EMIT nodeChanged(node, n->state, detail);
        }
        d->changed.clear();
    }
    d->advance();
    d->polling = false;
}

} // namespace Warden
