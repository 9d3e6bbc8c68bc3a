// The job runner: management requests built by ManagementSession (core/security), sent through
// the Engine, persisted in the Inventory. Counters are reserved in the job's row and committed
// (Inventory::flush) before the first frame of a request leaves.
#include <warden/engine.h>
#include <warden/jobs.h>

#include "security/managementsession.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QJsonDocument>
#include <QtCore/QLoggingCategory>
#include <QtCore/QPointer>
#include <QtCore/QSet>
#include <QtCore/QTimer>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

using namespace Qt::StringLiterals;

namespace Warden {

Q_LOGGING_CATEGORY(lcJobs, "warden.core.jobs")

namespace {

using Internal::ManagementSession;
using Op = Protocol::ManagementOperation;
using Result8 = Protocol::ManagementResult;

QString digestFingerprint(const QByteArray &digest)
{
    // The first 8 bytes in the fingerprint style: enough to tell drift, and no 32-hex-digit
    // run that the inventory would take for key material.
    const QByteArray hex = digest.left(8).toHex();
    QString out;
    for (int i = 0; i < hex.size(); i += 4) {
        if (i > 0)
            out += u'-';
        out += QString::fromLatin1(hex.mid(i, 4));
    }
    return out;
}

QString resultName(Result8 result)
{
    return QString::fromLatin1(Protocol::managementResultName(result));
}

bool isFinished(JobState s)
{
    return s == JobState::Done || s == JobState::Failed || s == JobState::Cancelled;
}

} // namespace

QString BatchProgress::text() const
{
    QString out = u"%1 to %2 node%3: %4 applied, %5 pending, %6 failed"_s.arg(label)
                          .arg(total)
                          .arg(total == 1 ? QString() : u"s"_s)
                          .arg(applied)
                          .arg(pending)
                          .arg(failed);
    QStringList reasons;
    for (auto it = failures.cbegin(); it != failures.cend(); ++it)
        reasons << u"node %1: %2"_s.arg(it.key()).arg(it.value());
    if (!reasons.isEmpty())
        out += u": "_s + reasons.join(u"; "_s);
    return out;
}

// The retry after an unanswered attempt of a node that was heard meanwhile: the next poll.
constexpr qint64 kHeardRetryDelayMs = 1;

// --- private ---------------------------------------------------------------------------------

class JobRunnerPrivate
{
public:
    enum class Phase { Idle, Sending, Waiting };

    struct Entry
    {
        ManagementJob job;
        qint64 createdMs = 0;
        Phase phase = Phase::Idle;
        qint64 nextAttemptAt = 0;
        qint64 deadline = 0;
        int unanswered = 0; ///< attempts in a row without an answer
        int quickRetries = 0; ///< unsigned attempts retried at once, in a row
        int refusals = 0;
        bool needsNewCounter = false;
        bool sendFailed = false;
        bool heard = false; ///< the node sent something during the attempt in flight
        /// The attempt's frames were legacy-signed (a node without the unsigned-management
        /// capability): an answer then shows the node verified them.
        bool sentSigned = true;
        qint64 waitingSince = 0; ///< when the attempt's last frame went out
        int sends = 0; ///< attempts under the current counter (Karn: sample only the first)
        QSet<quint64> sendIds; ///< frames of the attempt in flight in the engine
        std::unique_ptr<ManagementSession> session;
    };

    JobRunnerPrivate(JobRunner *owner, Engine *e, Inventory *inv, ManagementKeySource k,
                     JobRunnerOptions o)
        : q(owner)
        , engine(e)
        , inventory(inv)
        , keys(std::move(k))
        , options(o)
    {
        elapsed.start();
        clock = [this] { return elapsed.elapsed(); };
    }

    qint64 now() const { return clock(); }
    Entry *find(qint64 id)
    {
        const auto it = entries.find(id);
        return it == entries.end() ? nullptr : &it->second;
    }
    /// The job a node works on: its lowest unfinished one.
    Entry *current(quint8 node)
    {
        for (auto &[id, e] : entries) {
            if (e.job.node == node && !isFinished(e.job.state))
                return &e;
        }
        return nullptr;
    }
    QString payload(const Entry &e) const;
    Result<InventoryTicket> persist(Entry &e);
    void finish(Entry &e, JobState state, const QString &reason);
    void setPending(Entry &e, const QString &why, qint64 retryAt);
    Result<void> prepare(Entry &e);
    void sendAttempt(Entry &e);
    void handleAnswer(Entry &e);
    void emitBatch(qint64 batch);
    qint64 backoff(int unanswered) const;
    /// The wait for an acknowledgement after the last frame went out.
    qint64 ackTimeout() const { return ackTimeout(false); }
    /// ... for an attempt sent unsigned (no nonce round trips: answers come far sooner).
    qint64 ackTimeout(bool unsignedAttempt) const;
    void enterWaiting(Entry &e);
    void schedulePoll();
    Result<qint64> add(quint8 node, const ManagementAction &action, qint64 batch,
                       const QString &label, const QString &expectedDigest);

    JobRunner *q;
    QPointer<Engine> engine;
    Inventory *inventory;
    ManagementKeySource keys;
    JobRunnerOptions options;
    std::function<qint64()> clock;
    QElapsedTimer elapsed;
    QTimer *timer = nullptr;
    bool started = false;
    bool pollScheduled = false;
    std::map<qint64, Entry> entries; // by job id: a node's jobs run in id order
    std::map<quint8, quint32> highWater; // the highest counter reserved per node
    std::map<quint64, qint64> sendOwners; // engine send id -> job id
    qint64 nextBatch = 1;
    JobRunnerStatistics stats;
    // Answer times (last request frame out -> acknowledgement in), RFC 6298 style, over every
    // node: the nodes of one network answer alike, and a push learns from its first answers.
    qint64 srtt = -1;
    qint64 rttvar = 0;
    // The same for attempts sent unsigned: no nonce round trips, so answer times are those of
    // the frames and the channel's queue alone (management-channel.md section 11).
    qint64 srttUnsigned = -1;
    qint64 rttvarUnsigned = 0;
};

QString JobRunnerPrivate::payload(const Entry &e) const
{
    QJsonObject o {{u"action"_s, e.job.action.toJson()}, {u"counter"_s, qint64(e.job.counter)}};
    if (e.job.batch > 0) {
        o.insert(u"batch"_s, e.job.batch);
        o.insert(u"label"_s, e.job.batchLabel);
    }
    if (!e.job.expectedDigest.isEmpty())
        o.insert(u"expect"_s, e.job.expectedDigest);
    if (!e.job.reportedDigest.isEmpty())
        o.insert(u"digest"_s, e.job.reportedDigest);
    if (e.job.waitingForNode)
        o.insert(u"waiting"_s, true);
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

Result<InventoryTicket> JobRunnerPrivate::persist(Entry &e)
{
    Job record;
    record.id = e.job.id;
    record.node = e.job.node;
    record.kind = QString::fromLatin1(JobRunner::kJobKind);
    record.payload = payload(e);
    record.state = e.job.state;
    record.attempts = e.job.attempts;
    record.lastError = e.job.lastError.left(1000);
    record.createdMs = e.createdMs;
    const Result<InventoryReceipt> receipt = inventory->upsertJob(record);
    if (!receipt) {
        qCWarning(lcJobs).noquote() << u"job %1 of node %2 not stored: %3"_s.arg(e.job.id)
                                               .arg(e.job.node)
                                               .arg(receipt.error().message());
        return tl::unexpected(receipt.error());
    }
    if (e.job.id == 0)
        e.job.id = receipt->id;
    return receipt->ticket;
}

void JobRunnerPrivate::emitBatch(qint64 batch)
{
    if (batch > 0)
        Q_EMIT q->batchProgress(q->batch(batch));
}

void JobRunnerPrivate::finish(Entry &e, JobState state, const QString &reason)
{
    e.job.state = state;
    e.job.waitingForNode = false;
    e.job.lastError = state == JobState::Done ? QString() : reason;
    e.phase = Phase::Idle;
    e.session.reset(); // wipes the derived channel keys
    for (const quint64 id : std::as_const(e.sendIds))
        sendOwners.erase(id);
    e.sendIds.clear();
    (void)persist(e);
    if (state == JobState::Done)
        qCDebug(lcJobs).noquote() << u"job %1: %2 applied by node %3 (counter %4)"_s.arg(e.job.id)
                                             .arg(e.job.action.operationName())
                                             .arg(e.job.node)
                                             .arg(e.job.counter);
    else
        qCWarning(lcJobs).noquote()
                << u"job %1 for node %2: %3"_s.arg(e.job.id).arg(e.job.node).arg(reason);
    const qint64 id = e.job.id;
    const quint8 node = e.job.node;
    const qint64 batch = e.job.batch;
    Q_EMIT q->jobFinished(id, node, state, reason);
    emitBatch(batch);
    schedulePoll(); // the node's next job may start
}

void JobRunnerPrivate::setPending(Entry &e, const QString &why, qint64 retryAt)
{
    e.phase = Phase::Idle;
    e.job.state = JobState::Pending;
    e.job.lastError = why;
    e.nextAttemptAt = retryAt;
    for (const quint64 id : std::as_const(e.sendIds))
        sendOwners.erase(id);
    e.sendIds.clear();
    (void)persist(e);
    Q_EMIT q->jobProgress(e.job.id, e.job.node, why);
}

qint64 JobRunnerPrivate::ackTimeout(bool unsignedAttempt) const
{
    const qint64 smoothed = unsignedAttempt ? srttUnsigned : srtt;
    const qint64 variation = unsignedAttempt ? rttvarUnsigned : rttvar;
    // Unsigned attempts start no nonce round trips, so a wait cut short costs the node
    // nothing: they follow the estimate by default (adaptiveUnsignedAckTimeout).
    const bool adaptive
            = options.adaptiveAckTimeout || (unsignedAttempt && options.adaptiveUnsignedAckTimeout);
    if (!adaptive || smoothed < 0)
        return options.ackTimeoutMs;
    const qint64 floor
            = unsignedAttempt ? options.minUnsignedAckTimeoutMs : options.minAckTimeoutMs;
    return std::clamp<qint64>(smoothed + std::max<qint64>(4 * variation, 20), floor,
                              std::max(floor, qint64(options.ackTimeoutMs)));
}

void JobRunnerPrivate::enterWaiting(Entry &e)
{
    e.phase = Phase::Waiting;
    e.waitingSince = now();
    // The deadline follows the estimate (poll()); a failed send is given up at once.
    e.deadline = e.sendFailed ? e.waitingSince : e.waitingSince + ackTimeout(!e.sentSigned);
}

qint64 JobRunnerPrivate::backoff(int unanswered) const
{
    const double ms = double(options.firstRetryMs)
                      * std::pow(options.backoffFactor, double(std::max(0, unanswered - 1)));
    return qint64(std::min(ms, double(options.maxBackoffMs)));
}

void JobRunnerPrivate::schedulePoll()
{
    if (pollScheduled)
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

/// Builds the session of the job's counter: keys and serial from their sources now.
Result<void> JobRunnerPrivate::prepare(Entry &e)
{
    const quint8 node = e.job.node;
    if (e.session && e.session->isActive() && e.session->counter() == e.job.counter)
        return {};
    if (!keys.managementKey)
        return fail(ErrorCode::Refused, u"no management key source"_s);
    const std::optional<SecretBytes> kMgmt = keys.managementKey(node);
    if (!kMgmt || kMgmt->isEmpty())
        return fail(ErrorCode::Refused, u"no management key on file for node %1"_s.arg(node));
    std::optional<QByteArray> serial;
    if (keys.serial) {
        serial = keys.serial(node);
    } else {
        const auto record = inventory->node(node);
        if (record && *record && !(*record)->serialHex.isEmpty())
            serial = QByteArray::fromHex((*record)->serialHex.toLatin1());
    }
    if (!serial || serial->size() != qsizetype(Protocol::kSerialSize))
        return fail(ErrorCode::Refused, u"no serial on file for node %1"_s.arg(node));
    SecretBytes delivered;
    const ManagementAction &action = e.job.action;
    if (action.operation == Op::SetLinkKey || action.operation == Op::SetNetworkKey) {
        const bool link = action.operation == Op::SetLinkKey;
        const std::optional<SecretBytes> key
                = link ? (keys.linkKey ? keys.linkKey(node) : std::nullopt)
                       : (keys.networkKey ? keys.networkKey(action.epoch) : std::nullopt);
        const QString what = link ? u"the link key of node %1"_s.arg(node)
                                  : u"the network key of epoch %1"_s.arg(action.epoch);
        if (!key || key->isEmpty())
            return fail(ErrorCode::Refused, what + u" is not on file"_s);
        // The same counter must always carry the same body (its keystream encrypts it): a key
        // that changed since the job was queued is refused, never sent under this counter.
        if (key->fingerprint() != action.keyFingerprint)
            return fail(ErrorCode::Refused,
                        u"%1 on file (%2) is not the one this job delivers (%3)"_s.arg(
                                what, key->fingerprint(), action.keyFingerprint));
        delivered = *key;
    }
    auto session = std::make_unique<ManagementSession>();
    if (Result<void> ok = session->begin(node, *kMgmt, *serial, e.job.counter, action, delivered);
        !ok)
        return ok;
    e.session = std::move(session);
    return {};
}

void JobRunnerPrivate::sendAttempt(Entry &e)
{
    if (!engine) {
        setPending(e, u"no engine to send through"_s, now() + options.maxBackoffMs);
        return;
    }
    e.phase = Phase::Sending;
    e.sendFailed = false;
    e.heard = false;
    e.job.state = JobState::Running;
    ++e.sends;
    ++e.job.attempts;
    ++stats.attempts;
    e.sentSigned = !engine->sendsUnsignedManagement(e.job.node);
    const int frames = e.session->frameCount();
    for (int i = 0; i < frames; ++i) {
        const Result<quint64> id = engine->send(e.session->frame(i));
        if (!id) {
            // Revoked, or the link refuses: nothing of this attempt is worth waiting for.
            e.sendFailed = true;
            e.job.lastError = id.error().message();
            break;
        }
        ++stats.framesSent;
        e.sendIds.insert(*id);
        sendOwners[*id] = e.job.id;
    }
    // A safety net in case the engine never reports a frame: its nonce round trips time out
    // after 5 s each.
    e.deadline = now() + qint64(frames) * 6000 + options.ackTimeoutMs;
    (void)persist(e);
    Q_EMIT q->jobProgress(e.job.id, e.job.node,
                          u"sent %1 frame%2 of %3 (counter %4, attempt %5)"_s.arg(frames)
                                  .arg(frames == 1 ? QString() : u"s"_s)
                                  .arg(e.job.action.operationName())
                                  .arg(e.job.counter)
                                  .arg(e.job.attempts));
    if (e.sendFailed || e.sendIds.isEmpty())
        enterWaiting(e);
}

void JobRunnerPrivate::handleAnswer(Entry &e)
{
    ManagementSession &s = *e.session;
    const Result8 result = s.result();
    ++stats.acksAccepted;
    if (e.phase == Phase::Waiting && e.sends == 1 && !e.sendFailed) {
        const qint64 r = std::max<qint64>(0, now() - e.waitingSince);
        qint64 &smoothed = e.sentSigned ? srtt : srttUnsigned;
        qint64 &variation = e.sentSigned ? rttvar : rttvarUnsigned;
        if (smoothed < 0) {
            smoothed = r;
            variation = r / 2;
        } else {
            variation = (3 * variation + std::abs(smoothed - r)) / 4;
            smoothed = (7 * smoothed + r) / 8;
        }
    }
    e.unanswered = 0;
    e.quickRetries = 0;
    e.job.waitingForNode = false;
    // An authenticated answer to signed fragments: the node assembled the request, so it
    // verified the gateway's signature on them (a node that requires signatures drops
    // unverified ones), which reset its count of nonce requests (spec 4.10). Nothing else
    // tells the engine that. An answer to unsigned fragments shows no such thing: the node
    // took them without a verification, and its count stays where it was.
    if (engine && e.sentSigned)
        engine->noteNodeVerified(e.job.node);
    switch (result) {
    case Result8::Applied: {
        QString reason = u"applied"_s;
        if (e.job.action.operation == Op::ReadConfigDigest) {
            e.job.reportedDigest = digestFingerprint(s.configDigest());
            if (!e.job.expectedDigest.isEmpty()) {
                const bool inSync = e.job.reportedDigest == e.job.expectedDigest;
                reason = inSync ? u"in sync (digest %1)"_s.arg(e.job.reportedDigest)
                                : u"drift: node %1 reports digest %2, expected %3"_s.arg(
                                        QString::number(e.job.node), e.job.reportedDigest,
                                        e.job.expectedDigest);
                if (!inSync)
                    qCWarning(lcJobs).noquote() << reason;
                const qint64 id = e.job.id;
                const quint8 node = e.job.node;
                finish(e, JobState::Done, reason);
                Q_EMIT q->driftChecked(id, node, inSync);
                return;
            }
            reason = u"digest %1"_s.arg(e.job.reportedDigest);
        }
        finish(e, JobState::Done, reason);
        return;
    }
    case Result8::StaleCounter: {
        // Tagged, so the node's counter can be trusted: continue above it.
        const quint32 theirs = s.nodeCounter().value_or(0);
        quint32 &hw = highWater[e.job.node];
        hw = std::max(hw, theirs);
        break;
    }
    case Result8::Repeated:
        // The node consumed this counter but no longer remembers its answer (it restarted).
        // Every operation is idempotent (its result is a state, not a change), so the request
        // is sent again under a fresh counter.
    case Result8::StorageFailed:
    case Result8::BadTag:
        break;
    case Result8::MalformedBody:
    case Result8::UnknownOperation:
    case Result8::NoRoom:
    case Result8::UnknownEpoch:
    case Result8::Unsupported:
        finish(e, JobState::Failed,
               u"node %1 refused: %2"_s.arg(e.job.node).arg(resultName(result)));
        return;
    }
    if (++e.refusals > options.maxRefusals) {
        finish(e, JobState::Failed,
               u"node %1 answered %2 %3 times"_s.arg(e.job.node)
                       .arg(resultName(result))
                       .arg(e.refusals));
        return;
    }
    // bad-tag: the node could not authenticate what it assembled (a frame corrupted on the
    // way): the very same frames again. The others consumed the counter: a fresh one.
    e.needsNewCounter = result != Result8::BadTag;
    if (e.needsNewCounter)
        e.session.reset();
    setPending(e, u"node %1 answered %2; retrying"_s.arg(e.job.node).arg(resultName(result)),
               now());
    schedulePoll();
}

Result<qint64> JobRunnerPrivate::add(quint8 node, const ManagementAction &requested, qint64 batch,
                                     const QString &label, const QString &expectedDigest)
{
    if (!started)
        return fail(ErrorCode::Refused, u"the job runner is not started"_s);
    if (node == 0 || node == 255)
        return fail(ErrorCode::InvalidArgument,
                    u"node %1 cannot be managed (ids 1..254 only)"_s.arg(node));
    if (Result<void> ok = requested.validate(); !ok)
        return tl::unexpected(ok.error());
    Entry e;
    e.job.node = node;
    e.job.action = requested.normalized();
    e.job.batch = batch;
    e.job.batchLabel = label;
    e.job.expectedDigest = expectedDigest;
    e.createdMs = 0;
    const Result<InventoryTicket> stored = persist(e);
    if (!stored)
        return tl::unexpected(stored.error());
    const qint64 id = e.job.id;
    Q_EMIT q->jobProgress(id, node, u"queued: %1"_s.arg(e.job.action.operationName()));
    entries.emplace(id, std::move(e));
    schedulePoll();
    return id;
}

// --- public ----------------------------------------------------------------------------------

JobRunner::JobRunner(Engine *engine, Inventory *inventory, ManagementKeySource keys,
                     JobRunnerOptions options, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<JobRunnerPrivate>(this, engine, inventory, std::move(keys), options))
{
    qRegisterMetaType<Warden::BatchProgress>();
    if (engine) {
        connect(engine, &Engine::managementFrame, this, &JobRunner::takeFrame);
        connect(engine, &Engine::sendDone, this, [this](quint64 id) {
            const auto owner = d->sendOwners.find(id);
            if (owner == d->sendOwners.end())
                return;
            JobRunnerPrivate::Entry *e = d->find(owner->second);
            d->sendOwners.erase(owner);
            if (!e || !e->sendIds.remove(id) || !e->sendIds.isEmpty())
                return;
            if (e->phase == JobRunnerPrivate::Phase::Sending)
                d->enterWaiting(*e);
        });
        connect(engine, &Engine::sendFailed, this, [this](quint64 id, const Error &error) {
            const auto owner = d->sendOwners.find(id);
            if (owner == d->sendOwners.end())
                return;
            JobRunnerPrivate::Entry *e = d->find(owner->second);
            d->sendOwners.erase(owner);
            if (!e || !e->sendIds.remove(id))
                return;
            e->sendFailed = true;
            e->job.lastError = error.message();
            if (e->sendIds.isEmpty() && e->phase == JobRunnerPrivate::Phase::Sending) {
                d->enterWaiting(*e);
                e->deadline = d->now();
                d->schedulePoll();
            }
        });
        connect(engine, &Engine::traffic, this, [this](const TrafficRecord &r) {
            // A node that is heard is awake: a job waiting for it goes now (sleeping nodes
            // listen only for a moment after they send).
            if (r.outgoing || !isAccepted(r.verdict))
                return;
            const quint8 sender = r.message.sender();
            if (sender == 0 || sender == 255)
                return;
            JobRunnerPrivate::Entry *e = d->current(sender);
            if (e && e->phase != JobRunnerPrivate::Phase::Idle)
                e->heard = true;
            if (e && e->phase == JobRunnerPrivate::Phase::Idle && e->unanswered > 0
                && e->nextAttemptAt > d->now()) {
                e->nextAttemptAt = d->now();
                d->schedulePoll();
            }
        });
    }
    if (d->options.pollIntervalMs > 0) {
        d->timer = new QTimer(this);
        d->timer->setInterval(d->options.pollIntervalMs);
        connect(d->timer, &QTimer::timeout, this, &JobRunner::poll);
    }
}

JobRunner::~JobRunner() = default;

void JobRunner::setClock(std::function<qint64()> clockMs)
{
    d->clock = std::move(clockMs);
}

Result<void> JobRunner::start()
{
    if (d->started)
        return fail(ErrorCode::Refused, u"the job runner is already started"_s);
    if (!d->inventory)
        return fail(ErrorCode::InvalidArgument, u"the job runner needs an inventory"_s);
    JobFilter filter;
    filter.kind = QString::fromLatin1(kJobKind);
    const Result<QList<Job>> stored = d->inventory->jobs(filter);
    if (!stored)
        return tl::unexpected(stored.error());
    for (const Job &record : *stored) {
        const QJsonObject o = QJsonDocument::fromJson(record.payload.toUtf8()).object();
        const qint64 counter = o.value(u"counter"_s).toInteger(-1);
        // Every counter ever reserved counts, whatever became of its job.
        if (counter > 0 && counter <= 0xFFFFFFFFLL) {
            quint32 &hw = d->highWater[record.node];
            hw = std::max(hw, quint32(counter));
        }
        const qint64 batch = o.value(u"batch"_s).toInteger(0);
        d->nextBatch = std::max(d->nextBatch, batch + 1);
        const Result<ManagementAction> action
                = ManagementAction::fromJson(o.value(u"action"_s).toObject());
        JobRunnerPrivate::Entry e;
        e.job.id = record.id;
        e.job.node = record.node;
        e.job.state = record.state;
        e.job.attempts = record.attempts;
        e.job.lastError = record.lastError;
        e.job.batch = batch;
        e.job.batchLabel = o.value(u"label"_s).toString();
        e.job.expectedDigest = o.value(u"expect"_s).toString();
        e.job.reportedDigest = o.value(u"digest"_s).toString();
        e.job.waitingForNode = o.value(u"waiting"_s).toBool();
        e.job.counter = counter > 0 && counter <= 0xFFFFFFFFLL ? quint32(counter) : 0;
        e.createdMs = record.createdMs;
        if (action) {
            e.job.action = *action;
        } else if (!isFinished(record.state)) {
            e.job.state = JobState::Failed;
            e.job.lastError = u"stored job unreadable: "_s + action.error().message();
            (void)d->persist(e);
        }
        // An unfinished job resumes with its counter: the same frames again, which a node
        // that already applied them answers without applying them twice.
        if (!isFinished(e.job.state))
            e.job.state = JobState::Pending;
        d->entries.emplace(e.job.id, std::move(e));
    }
    d->started = true;
    if (d->timer)
        d->timer->start();
    d->schedulePoll();
    return {};
}

Result<qint64> JobRunner::submit(quint8 node, const ManagementAction &action)
{
    return d->add(node, action, 0, {}, {});
}

Result<qint64> JobRunner::submitBatch(const QString &label, const QList<quint8> &nodes,
                                      const ManagementAction &action)
{
    if (nodes.isEmpty())
        return fail(ErrorCode::InvalidArgument, u"a batch needs at least one node"_s);
    if (Result<void> ok = action.validate(); !ok)
        return tl::unexpected(ok.error());
    const qint64 batch = d->nextBatch++;
    for (const quint8 node : nodes) {
        if (Result<qint64> added = d->add(node, action, batch, label, {}); !added)
            return added;
    }
    d->emitBatch(batch);
    return batch;
}

Result<qint64> JobRunner::submitDriftCheck(quint8 node, const NodeConfiguration &expected,
                                           qint64 batch, const QString &batchLabel)
{
    const Result<QByteArray> digest = configDigest(expected);
    if (!digest)
        return tl::unexpected(digest.error());
    if (batch > 0)
        d->nextBatch = std::max(d->nextBatch, batch + 1);
    return d->add(node, ManagementAction::readConfigDigest(), batch, batchLabel,
                  digestFingerprint(*digest));
}

Result<void> JobRunner::cancel(qint64 id)
{
    JobRunnerPrivate::Entry *e = d->find(id);
    if (!e)
        return fail(ErrorCode::InvalidArgument, u"no management job %1"_s.arg(id));
    if (isFinished(e->job.state))
        return fail(ErrorCode::Refused, u"job %1 is already finished"_s.arg(id));
    d->finish(*e, JobState::Cancelled, u"cancelled"_s);
    return {};
}

std::optional<ManagementJob> JobRunner::job(qint64 id) const
{
    const JobRunnerPrivate::Entry *e = d->find(id);
    if (!e)
        return std::nullopt;
    return e->job;
}

QList<ManagementJob> JobRunner::jobs() const
{
    QList<ManagementJob> out;
    for (const auto &[id, e] : d->entries)
        out.append(e.job);
    return out;
}

BatchProgress JobRunner::batch(qint64 batch) const
{
    BatchProgress p;
    p.batch = batch;
    for (const auto &[id, e] : d->entries) {
        if (e.job.batch != batch)
            continue;
        p.label = e.job.batchLabel;
        ++p.total;
        switch (e.job.state) {
        case JobState::Done:
            ++p.applied;
            break;
        case JobState::Failed:
        case JobState::Cancelled:
            ++p.failed;
            p.failures.insert(e.job.node, e.job.lastError);
            break;
        case JobState::Pending:
        case JobState::Running:
            ++p.pending;
            break;
        }
    }
    return p;
}

JobRunnerStatistics JobRunner::statistics() const
{
    JobRunnerStatistics s = d->stats;
    s.ackTimeoutMs = int(d->ackTimeout());
    s.unsignedAckTimeoutMs = int(d->ackTimeout(true));
    return s;
}

Result<QByteArray> JobRunner::configDigest(const NodeConfiguration &config)
{
    return ManagementSession::configDigest(config);
}

void JobRunner::poll()
{
    if (!d->started)
        return;
    const qint64 now = d->now();
    // 1. Attempts whose time is up.
    for (auto &[id, e] : d->entries) {
        if (isFinished(e.job.state) || e.phase == JobRunnerPrivate::Phase::Idle)
            continue;
        // A wait that began before the estimate improved ends by the estimate of now.
        if (e.phase == JobRunnerPrivate::Phase::Waiting && !e.sendFailed)
            e.deadline = std::min(e.deadline, e.waitingSince + d->ackTimeout(!e.sentSigned));
        if (now < e.deadline)
            continue;
        ++d->stats.timeouts;
        if (e.heard) {
            // The node is awake (it answered nonce requests or sent fragments): frames were
            // lost on the way. Again soon (the acknowledgement timeout has passed), and it
            // does not count as silence. Not in this poll: whoever follows the job's progress
            // acts first (the key rotation stops signing to a node whose activation went
            // unanswered, as it may hold the new key).
            e.unanswered = 0;
            e.job.waitingForNode = false;
            d->setPending(e,
                          u"no acknowledgement from node %1 (attempt %2), which is awake: "
                          u"frames lost; retrying"_s.arg(e.job.node)
                                  .arg(e.job.attempts),
                          now
                                  + (d->options.adaptiveAckTimeout ? kHeardRetryDelayMs
                                                                   : d->options.firstRetryMs));
            continue;
        }
        if (!e.sentSigned && !e.sendFailed && e.quickRetries < d->options.unsignedQuickRetries) {
            // Unsigned frames cost the node nothing but air time (no nonce requests for its
            // lock counter), and at the loss of a radio link an unanswered attempt is far more
            // often a lost frame than a node asleep: again at once, a few times, before the
            // backoff for sleeping nodes begins.
            ++e.quickRetries;
            ++d->stats.quickRetries;
            d->setPending(e,
                          u"no acknowledgement from node %1 (attempt %2, unsigned): retrying "
                          u"at once"_s.arg(e.job.node)
                                  .arg(e.job.attempts),
                          now + kHeardRetryDelayMs);
            continue;
        }
        ++e.unanswered;
        const bool waiting = e.unanswered >= d->options.attemptsBeforeWaiting;
        e.job.waitingForNode = waiting;
        const QString why
                = waiting ? u"no answer from node %1 after %2 attempts; waiting for it to be "
                            u"heard"_s.arg(e.job.node)
                                    .arg(e.unanswered)
                          : u"no answer from node %1 (attempt %2)%3"_s.arg(e.job.node)
                                    .arg(e.job.attempts)
                                    .arg(e.sendFailed && !e.job.lastError.isEmpty()
                                                 ? u": "_s + e.job.lastError
                                                 : QString());
        d->setPending(e, why, now + (waiting ? d->options.maxBackoffMs : d->backoff(e.unanswered)));
    }

    // 2. Due attempts: the first unfinished job of each node, a few nodes at a time. Nodes
    // that take management unsigned have a limit of their own: their attempts start no nonce
    // round trips, so a longer queue on the air costs time, not lock budget.
    const auto sendsUnsigned
            = [this](quint8 node) { return d->engine && d->engine->sendsUnsignedManagement(node); };
    qsizetype busySigned = 0;
    qsizetype busyUnsigned = 0;
    QList<JobRunnerPrivate::Entry *> candidates;
    QSet<quint8> seen;
    for (auto &[id, e] : d->entries) {
        if (isFinished(e.job.state) || seen.contains(e.job.node))
            continue;
        seen.insert(e.job.node);
        if (e.phase != JobRunnerPrivate::Phase::Idle)
            ++(e.sentSigned ? busySigned : busyUnsigned);
        else if (e.nextAttemptAt <= now)
            candidates.append(&e);
    }
    qsizetype roomSigned = std::max<qsizetype>(0, d->options.maxConcurrentNodes - busySigned);
    qsizetype roomUnsigned
            = std::max<qsizetype>(0, d->options.maxConcurrentUnsignedNodes - busyUnsigned);
    QList<JobRunnerPrivate::Entry *> due;
    for (JobRunnerPrivate::Entry *e : std::as_const(candidates)) {
        qsizetype &room = sendsUnsigned(e->job.node) ? roomUnsigned : roomSigned;
        if (room > 0) {
            --room;
            due.append(e);
        }
    }
    if (due.isEmpty())
        return;

    // 3. Counters first, all of them committed before any frame leaves.
    bool reserved = false;
    for (JobRunnerPrivate::Entry *e : std::as_const(due)) {
        if (e->job.counter != 0 && !e->needsNewCounter)
            continue;
        quint32 &hw = d->highWater[e->job.node];
        if (hw == 0xFFFFFFFFu) {
            d->finish(*e, JobState::Failed,
                      u"the management counter of node %1 is exhausted; re-personalize it"_s.arg(
                              e->job.node));
            continue;
        }
        e->job.counter = ++hw;
        e->sends = 0;
        e->needsNewCounter = false;
        e->session.reset();
        ++d->stats.countersReserved;
        if (d->persist(*e))
            reserved = true;
    }
    if (reserved) {
        if (Result<void> flushed = d->inventory->flush(); !flushed) {
            qCWarning(lcJobs).noquote()
                    << u"counters not committed, nothing sent: "_s + flushed.error().message();
            for (JobRunnerPrivate::Entry *e : std::as_const(due))
                e->nextAttemptAt = now + d->options.firstRetryMs;
            return;
        }
    }
    // 4. Build and send.
    for (JobRunnerPrivate::Entry *e : std::as_const(due)) {
        if (isFinished(e->job.state))
            continue;
        if (Result<void> ok = d->prepare(*e); !ok) {
            d->finish(*e, JobState::Failed, ok.error().message());
            continue;
        }
        d->sendAttempt(*e);
    }
}

void JobRunner::takeFrame(const Protocol::Message &frame)
{
    if (frame.command() != Protocol::Command::Stream || frame.type() != Protocol::kManagementAckType
        || frame.isEcho())
        return;
    const quint8 node = frame.sender();
    JobRunnerPrivate::Entry *e = d->current(node);
    if (!e || !e->session || !e->session->isActive()) {
        ++d->stats.acksRejected;
        const QString why = u"no request outstanding for node %1"_s.arg(node);
        qCInfo(lcJobs).noquote() << u"management frame ignored: "_s + why;
        Q_EMIT ackRejected(node, why);
        return;
    }
    using Outcome = Internal::ManagementSession::AckOutcome;
    switch (e->session->feed(frame, quint32(d->now()))) {
    case Outcome::Ignored:
    case Outcome::NeedMore:
        return;
    case Outcome::Rejected: {
        ++d->stats.acksRejected;
        const QString why = e->session->rejection();
        qCWarning(lcJobs).noquote()
                << u"acknowledgement for node %1 rejected: %2"_s.arg(node).arg(why);
        Q_EMIT ackRejected(node, why);
        return;
    }
    case Outcome::Answered:
        d->handleAnswer(*e);
        return;
    }
}

} // namespace Warden
