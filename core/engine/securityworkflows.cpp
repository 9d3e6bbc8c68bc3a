#include <warden/engine.h>
#include <warden/inventory.h>
#include <warden/jobs.h>
#include <warden/keystore.h>
#include <warden/securityservice.h>
#include <warden/securityworkflows.h>

#include "../security/exposure.h"
#include "readmission_p.h"
#include "revocationplans_p.h"
#include "workflowkeys_p.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QLoggingCategory>
#include <QtCore/QRegularExpression>

#include <algorithm>
#include <map>
#include <set>

using namespace Qt::StringLiterals;

namespace Warden {

Q_LOGGING_CATEGORY(lcWorkflows, "warden.core.workflows")

using Internal::nodeListText;

namespace {

constexpr quint8 kBroadcast = 255;

QString serialFingerprint(const std::optional<Serial> &serial)
{
    if (!serial)
        return {};
    return SecretBytes(serial->data(), serial->size()).fingerprint();
}

QString serialHex(const std::optional<Serial> &serial)
{
    if (!serial)
        return {};
    return QString::fromLatin1(
            QByteArray(reinterpret_cast<const char *>(serial->data()), qsizetype(serial->size()))
                    .toHex());
}

std::optional<Serial> serialFromHex(const QString &hex)
{
    const QByteArray bytes = QByteArray::fromHex(hex.toLatin1());
    if (bytes.size() != qsizetype(Protocol::kSerialSize))
        return std::nullopt;
    Serial s {};
    std::copy(bytes.begin(), bytes.end(), s.begin());
    return s;
}

/// "job:12;key:ab12-cd34-ef56-7890": the inventory row of one node's migration.
QString migrationPayload(qint64 job, const QString &fingerprint)
{
    return u"job:%1;key:%2"_s.arg(job).arg(fingerprint);
}

bool parseMigrationPayload(const QString &payload, qint64 &job, QString &fingerprint)
{
    static const QRegularExpression re(u"^job:(\\d+);key:([0-9a-f]{4}(?:-[0-9a-f]{4}){3})$"_s);
    const auto m = re.match(payload);
    if (!m.hasMatch())
        return false;
    job = m.captured(1).toLongLong();
    fingerprint = m.captured(2);
    return true;
}

} // namespace

const char *migrationStepName(MigrationStep step)
{
    switch (step) {
    case MigrationStep::KeyStored:
        return "key-stored";
    case MigrationStep::Delivering:
        return "delivering";
    case MigrationStep::Switched:
        return "switched";
    case MigrationStep::Failed:
        return "failed";
    }
    return "?";
}

QString RotationPlan::text() const
{
    if (!needed)
        return u"no rotation needed: no shared key is burnt"_s;
    QString t = u"rotate away from epoch %1: %2 over the air"_s.arg(burntEpoch)
                        .arg(overTheAir.size());
    if (!usb.isEmpty())
        t += u", %1 by USB (%2)"_s.arg(usb.size()).arg(nodeListText(usb));
    else
        t += u", none by USB"_s;
    if (!lostNodes.isEmpty())
        t += u"; %1 excluded"_s.arg(nodeListText(lostNodes));
    return t;
}

QString RevocationReport::text() const
{
    QStringList lines;
    lines << u"node %1 revoked: its frames are dropped from now on%2"_s.arg(node).arg(
            serialFingerprint.isEmpty() ? QString() : u" (serial %1)"_s.arg(serialFingerprint));
    if (linkKeyDeleted) {
        lines << (linkKeyFingerprint.isEmpty()
                          ? u"it had no link key of its own"_s
                          : u"its link key %1 is deleted from the key store"_s.arg(
                                  linkKeyFingerprint));
        if (!managementKeyFingerprint.isEmpty())
            lines << u"its management key %1 is deleted from the key store"_s.arg(
                    managementKeyFingerprint);
    }
    if (quarantined)
        lines << u"id %1 is quarantined (revocation %2, audit entry %3)"_s.arg(node)
                         .arg(revocationId)
                         .arg(auditId);
    if (pushBatch != 0)
        lines << u"whitelist removal pushed to %1 (batch %2)"_s.arg(nodeListText(pushedTo))
                         .arg(pushBatch);
    else
        lines << u"no whitelist lists it: nothing to push"_s;
    if (exposure.isEmpty())
        lines << u"nothing else is exposed"_s;
    for (const ExposureItem &e : exposure)
        lines << u"exposed until %1: %2"_s.arg(e.until, e.text);
    lines << rotation.text();
    for (const QString &p : problems)
        lines << u"NOT DONE: "_s + p;
    return lines.join(u'\n');
}

// --- private --------------------------------------------------------------------------------

class SecurityWorkflowsPrivate
{
public:
    struct Migration
    {
        MigrationProgress progress;
        qint64 row = 0; ///< the inventory job row
    };

    SecurityWorkflowsPrivate(SecurityWorkflows *owner, Engine *e, Inventory *i, KeyStore *k,
                             JobRunner *r)
        : q(owner)
        , engine(e)
        , inventory(i)
        , keys(k)
        , runner(r)
    { }

    Internal::ExposureFacts facts() const;
    /// What revoking @p node starts from, or why it cannot be revoked.
    struct RevocationTarget
    {
        std::optional<Serial> serial;
        QString linkKeyFingerprint;
        QString managementKeyFingerprint;
    };
    Result<RevocationTarget> revocationTarget(quint8 node) const;
    std::map<quint8, QList<quint8>> pushedWhitelists() const;
    std::set<quint8> knownNodes() const;
    Result<void> persist(Migration &m, JobState state, const QString &error = {});
    void onProgress(qint64 job, quint8 node, const QString &what);
    void onFinished(qint64 job, quint8 node, JobState state, const QString &reason);
    void switched(Migration &m);
    Migration *byJob(qint64 job);
    void emitProgress(const Migration &m) { Q_EMIT q->migrationProgress(m.progress); }

    SecurityWorkflows *q;
    Engine *engine;
    Inventory *inventory;
    KeyStore *keys;
    JobRunner *runner;
    std::map<quint8, Migration> migrations;
};

std::map<quint8, QList<quint8>> SecurityWorkflowsPrivate::pushedWhitelists() const
{
    // The whitelist of a node is known when core pushed a whole list and every change after
    // it, all applied (acknowledged). Anything else leaves it unknown.
    std::map<quint8, QList<quint8>> lists;
    QList<ManagementJob> jobs = runner->jobs();
    std::sort(jobs.begin(), jobs.end(),
              [](const ManagementJob &a, const ManagementJob &b) { return a.id < b.id; });
    for (const ManagementJob &j : jobs) {
        if (j.state != JobState::Done)
            continue;
        const ManagementAction &a = j.action;
        switch (a.operation) {
        case Protocol::ManagementOperation::ReplaceWhitelist: {
            QList<quint8> ids;
            for (const WhitelistItem &w : a.whitelist)
                ids << w.node;
            lists[j.node] = ids;
            break;
        }
        case Protocol::ManagementOperation::AddWhitelistEntry:
            if (lists.count(j.node) && !a.whitelist.isEmpty()
                && !lists[j.node].contains(a.whitelist.front().node))
                lists[j.node] << a.whitelist.front().node;
            break;
        case Protocol::ManagementOperation::RemoveWhitelistEntry:
            if (lists.count(j.node))
                lists[j.node].removeAll(a.removedNode);
            break;
        case Protocol::ManagementOperation::FactoryReset:
            lists[j.node] = {};
            break;
        default:
            break;
        }
    }
    return lists;
}

std::set<quint8> SecurityWorkflowsPrivate::knownNodes() const
{
    std::set<quint8> ids;
    if (const auto nodes = inventory->nodes())
        for (const NodeRecord &n : *nodes)
            if (n.id > 0 && n.id < kBroadcast)
                ids.insert(n.id);
    for (const Internal::WorkflowNodeKeys &k : Internal::workflowNodes(*keys))
        if (k.id > 0 && k.id < kBroadcast)
            ids.insert(k.id);
    return ids;
}

Internal::ExposureFacts SecurityWorkflowsPrivate::facts() const
{
    Internal::ExposureFacts f;
    f.activeEpoch = engine->activeEpoch();
    f.gatewayWhitelists = engine->options().requireWhitelisting;
    const auto lists = pushedWhitelists();
    std::map<quint8, NodeRecord> records;
    if (const auto nodes = inventory->nodes())
        for (const NodeRecord &n : *nodes)
            records[n.id] = n;
    for (const quint8 id : knownNodes()) {
        Internal::ExposureNode n;
        n.id = id;
        const auto stored = Internal::workflowNode(*keys, id);
        if (stored) {
            n.hasLinkKey = !stored->linkKeyFingerprint.isEmpty();
            n.hasManagementKey = !stored->managementKeyFingerprint.isEmpty();
        }
        const auto record = records.find(id);
        if (record != records.end()) {
            n.requiresSignatures = record->second.signingRequired;
            n.requiresWhitelisting = record->second.whitelistRequired;
            n.revoked = record->second.revoked;
            if (!stored) {
                n.hasLinkKey = !record->second.linkKeyFingerprint.isEmpty();
                n.hasManagementKey = !record->second.managementKeyFingerprint.isEmpty();
            }
        }
        // A key change in flight: the node may still sign with the shared key.
        const auto migrating = migrations.find(id);
        if (migrating != migrations.end()
            && migrating->second.progress.step != MigrationStep::Switched)
            n.hasLinkKey = false;
        n.revoked = n.revoked || engine->isRevoked(id);
        const auto list = lists.find(id);
        if (list != lists.end())
            n.whitelist = list->second;
        f.nodes << n;
    }
    return f;
}

SecurityWorkflowsPrivate::Migration *SecurityWorkflowsPrivate::byJob(qint64 job)
{
    for (auto &[node, m] : migrations)
        if (m.progress.job == job)
            return &m;
    return nullptr;
}

Result<void> SecurityWorkflowsPrivate::persist(Migration &m, JobState state, const QString &error)
{
    Job row;
    row.id = m.row;
    row.node = m.progress.node;
    row.kind = QString::fromLatin1(SecurityWorkflows::kMigrationJobKind);
    row.payload = migrationPayload(m.progress.job, m.progress.keyFingerprint);
    row.state = state;
    row.lastError = error.left(200);
    const auto receipt = inventory->upsertJob(row);
    if (!receipt)
        return tl::unexpected(receipt.error());
    m.row = receipt->id;
    return inventory->waitForCommitted(receipt->ticket);
}

void SecurityWorkflowsPrivate::switched(Migration &m)
{
    const quint8 node = m.progress.node;
    const auto key = Internal::workflowLinkKey(*keys, node);
    if (!key || key->fingerprint() != m.progress.keyFingerprint) {
        // Not expected: the store changed behind the migration. Keep accepting either key.
        m.progress.step = MigrationStep::Failed;
        m.progress.detail = u"the key store no longer holds link key %1 of node %2"_s
                                    .arg(m.progress.keyFingerprint)
                                    .arg(node);
        (void)persist(m, JobState::Failed, m.progress.detail);
        emitProgress(m);
        return;
    }
    if (Result<void> ok = engine->setNodeKey(node, *key); !ok) {
        m.progress.step = MigrationStep::Failed;
        m.progress.detail = ok.error().message();
        (void)persist(m, JobState::Failed, m.progress.detail);
        emitProgress(m);
        return;
    }
    m.progress.step = MigrationStep::Switched;
    m.progress.detail = u"acknowledged: node %1 signs with link key %2 alone"_s.arg(node).arg(
            m.progress.keyFingerprint);
    if (Result<void> ok = persist(m, JobState::Done); !ok)
        qCWarning(lcWorkflows).noquote()
                << "migration of node" << node << "not recorded as done:" << ok.error().message();
    NodeSecurity security;
    if (const auto stored = Internal::workflowNode(*keys, node)) {
        security.serialHex = serialHex(stored->serial);
        security.managementKeyFingerprint = stored->managementKeyFingerprint;
    }
    security.linkKeyFingerprint = m.progress.keyFingerprint;
    (void)inventory->setNodeSecurity(node, security);
    KeyEpoch epoch;
    epoch.epoch = 1;
    epoch.scope = u"node:%1"_s.arg(node);
    epoch.keyFingerprint = m.progress.keyFingerprint;
    epoch.state = KeyEpochState::Active;
    (void)inventory->addKeyEpoch(epoch);
    AuditEntry audit;
    audit.who = u"workflows"_s;
    audit.what = u"migrate.link-key"_s;
    audit.why = u"moved to a link key of its own"_s;
    audit.node = node;
    audit.details
            = QJsonObject {{u"linkKey"_s, m.progress.keyFingerprint}, {u"job"_s, m.progress.job}};
    (void)inventory->recordAudit(audit);
    emitProgress(m);
}

void SecurityWorkflowsPrivate::onProgress(qint64 job, quint8 node, const QString &what)
{
    Migration *m = byJob(job);
    if (!m || m->progress.node != node || m->progress.step == MigrationStep::Switched
        || m->progress.step == MigrationStep::Failed)
        return;
    m->progress.detail = what;
    if (what.startsWith(u"sent"_s) && m->progress.step == MigrationStep::KeyStored) {
        m->progress.step = MigrationStep::Delivering;
        (void)persist(*m, JobState::Running);
    } else if (what.startsWith(u"no answer"_s) || what.startsWith(u"no acknowledgement"_s)) {
        // The request may have been applied with its acknowledgement lost: then the node signs
        // and verifies with the new key already. Signing to it with the old one would burn its
        // lock budget; the engine signs nothing to it until one of its frames verifies.
        if (engine->hasNodeKeyCandidate(node))
            engine->holdSigning(node);
    }
    emitProgress(*m);
}

void SecurityWorkflowsPrivate::onFinished(qint64 job, quint8 node, JobState state,
                                          const QString &reason)
{
    Migration *m = byJob(job);
    if (!m || m->progress.node != node || m->progress.step == MigrationStep::Switched)
        return;
    if (state == JobState::Done) {
        switched(*m);
        return;
    }
    // Refused or cancelled: the node never applied it, but nothing is lost by still accepting
    // the key nobody else holds; the node keeps signing with the shared key.
    m->progress.step = MigrationStep::Failed;
    m->progress.detail = reason;
    (void)persist(*m, JobState::Failed, reason);
    emitProgress(*m);
}

// --- public ---------------------------------------------------------------------------------

SecurityWorkflows::SecurityWorkflows(Engine *engine, Inventory *inventory, KeyStore *keys,
                                     JobRunner *runner, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<SecurityWorkflowsPrivate>(this, engine, inventory, keys, runner))
{
    qRegisterMetaType<MigrationProgress>();
    connect(runner, &JobRunner::jobProgress, this,
            [this](qint64 job, quint8 node, const QString &what) {
                d->onProgress(job, node, what);
            });
    connect(runner, &JobRunner::jobFinished, this,
            [this](qint64 job, quint8 node, JobState state, const QString &reason) {
                d->onFinished(job, node, state, reason);
            });
}

SecurityWorkflows::~SecurityWorkflows() = default;

Result<SecurityWorkflowsPrivate::RevocationTarget>
SecurityWorkflowsPrivate::revocationTarget(quint8 node) const
{
    if (node == 0 || node == kBroadcast)
        return fail(ErrorCode::InvalidArgument,
                    u"node %1 cannot be revoked: ids are 1..254"_s.arg(node));
    const auto record = inventory->node(node);
    if (!record)
        return tl::unexpected(record.error());
    const auto stored = Internal::workflowNode(*keys, node);
    if (!*record && !stored)
        return fail(
                ErrorCode::InvalidArgument,
                u"node %1 is unknown: neither the inventory nor the key store has it"_s.arg(node));
    if (engine->isRevoked(node) || (*record && (*record)->revoked))
        return fail(ErrorCode::Refused, u"node %1 is already revoked"_s.arg(node));
    RevocationTarget t;
    if (stored)
        t.serial = stored->serial;
    if (!t.serial && *record)
        t.serial = serialFromHex((*record)->serialHex);
    if (stored) {
        t.linkKeyFingerprint = stored->linkKeyFingerprint;
        t.managementKeyFingerprint = stored->managementKeyFingerprint;
    } else if (*record) {
        t.linkKeyFingerprint = (*record)->linkKeyFingerprint;
        t.managementKeyFingerprint = (*record)->managementKeyFingerprint;
    }
    return t;
}

Result<RevocationReport> SecurityWorkflows::previewRevocation(quint8 node) const
{
    const auto target = d->revocationTarget(node);
    if (!target)
        return tl::unexpected(target.error());
    RevocationReport report;
    report.node = node;
    report.serialFingerprint = serialFingerprint(target->serial);
    report.linkKeyFingerprint = target->linkKeyFingerprint;
    report.managementKeyFingerprint = target->managementKeyFingerprint;
    // The lost node's own entry only counts for what it knew of the gateway, which a
    // revocation does not change: the assessment now is the one revokeNode() will make.
    const Internal::ExposureAssessment a = Internal::assessExposure(d->facts(), node);
    report.pushedTo = a.removalTargets;
    report.exposure = a.items;
    report.rotation = a.plan;
    return report;
}

Result<QList<PendingRotationPlan>> SecurityWorkflows::pendingRotationPlans() const
{
    return Internal::storedRotationPlans(*d->inventory, true);
}

Result<QList<PendingRotationPlan>> SecurityWorkflows::rotationPlans() const
{
    return Internal::storedRotationPlans(*d->inventory, false);
}

Result<RotationPlanInput> SecurityWorkflows::rotationFromRevocation(quint8 node, const QString &who,
                                                                    const QString &why) const
{
    const auto plans = pendingRotationPlans();
    if (!plans) // not "no plan": the plan may well be there
        return fail(plans.error().code(),
                    u"the rotation plans of the revocations cannot be read from the inventory: "_s
                            + plans.error().message());
    const PendingRotationPlan *found = nullptr;
    for (const PendingRotationPlan &p : *plans)
        if (p.node == node)
            found = &p; // oldest first: the last one is the newest revocation's
    if (!found)
        return fail(
                ErrorCode::Refused,
                u"no revocation of node %1 left a rotation plan that is still pending "
                u"(never revoked, nothing shared was burnt, or a rotation covers it)"_s.arg(node));
    RotationPlanInput input;
    input.oldEpoch = quint16(found->plan.burntEpoch);
    // The plan names the epoch that was active when the node was revoked. The rule, from the
    // security model's "assess which keys the lost node held": the lost node may hold every
    // network key that existed before its revocation, for a rotation under way delivers the
    // pending key to nodes before it becomes active (the node may have had it before it was
    // lost). A pending plan is not covered by a rotation started after the revocation, so if
    // the burnt epoch is no longer the active one, a rotation begun BEFORE the revocation
    // moved the network on since. Then:
    //  - the active key was generated before the revocation: the node may hold it too, the
    //    plan follows the active epoch (rotate away from it);
    //  - it was generated after the revocation (the node was blocked and its management key
    //    deleted by then: nothing can have reached it): nothing the node held is accepted any
    //    more, there is nothing left to rotate and that is said.
    // A burnt epoch that is still active (the usual case) is taken as it is.
    std::optional<NetworkKeyInfo> active;
    for (const NetworkKeyInfo &info : d->keys->networkKeys())
        if (info.state == NetworkKeyState::Active && (!active || info.epoch > active->epoch))
            active = info;
    if (active && active->epoch > found->plan.burntEpoch) {
        const qint64 generatedMs = active->created.toMSecsSinceEpoch();
        if (generatedMs > found->createdMs)
            return fail(ErrorCode::Refused,
                        u"the rotation plan of revocation %1 (node %2) is already carried out: "
                        "epoch %3 is no longer active and the active epoch %4 was generated after "
                        "the revocation, so nothing node %2 held is accepted any more"_s
                                .arg(found->revocationId)
                                .arg(node)
                                .arg(found->plan.burntEpoch)
                                .arg(active->epoch));
        qCInfo(lcWorkflows).noquote()
                << "the plan of revocation" << found->revocationId << "burnt epoch"
                << found->plan.burntEpoch << "which a rotation begun before it has replaced by"
                << active->epoch << "(generated before the revocation): rotating away from"
                << active->epoch;
        input.oldEpoch = quint16(active->epoch);
    }
    // Nodes revoked since the plan was made are not re-keyed.
    const auto inForce = [this](const QList<quint8> &nodes) {
        QList<quint8> out;
        for (const quint8 n : nodes)
            if (!d->engine->isRevoked(n))
                out << n;
        return out;
    };
    input.overTheAir = inForce(found->plan.overTheAir);
    input.usb = inForce(found->plan.usb);
    input.who = who;
    input.why = why.isEmpty() ? u"revocation %1 of node %2"_s.arg(found->revocationId).arg(node)
                              : why;
    return input;
}

Result<RevocationReport> SecurityWorkflows::revokeNode(quint8 node, const QString &reason,
                                                       const QString &who)
{
    if (reason.trimmed().isEmpty() || who.trimmed().isEmpty())
        return fail(ErrorCode::InvalidArgument,
                    u"a revocation needs who does it and why (node %1)"_s.arg(node));
    const auto target = d->revocationTarget(node);
    if (!target)
        return tl::unexpected(target.error());

    QElapsedTimer clock;
    clock.start();
    qint64 mark = 0;
    auto lap = [&clock, &mark] {
        const qint64 now = clock.nsecsElapsed() / 1000;
        const qint64 spent = now - mark;
        mark = now;
        return spent;
    };
    RevocationReport report;
    report.node = node;
    // 1. At once, before anything that can fail or wait: the engine drops the node's frames
    // and forgets its key and serial.
    d->engine->revoke(node, reason);
    report.blocked = true;
    report.timing.blockUs = lap();

    const std::optional<Serial> serial = target->serial;
    report.serialFingerprint = serialFingerprint(serial);
    report.linkKeyFingerprint = target->linkKeyFingerprint;
    report.managementKeyFingerprint = target->managementKeyFingerprint;
    // A migration of the node ends here.
    if (auto m = d->migrations.find(node); m != d->migrations.end()) {
        if (m->second.progress.job != 0)
            (void)d->runner->cancel(m->second.progress.job);
        m->second.progress.step = MigrationStep::Failed;
        m->second.progress.detail = u"revoked"_s;
        (void)d->persist(m->second, JobState::Cancelled, u"revoked"_s);
    }

    // 2. Quarantine and the audit entry, queued first so that the inventory's writer commits
    // them on its thread while this one saves the key store (both wait for the disk).
    Revocation r;
    r.node = node;
    r.who = who;
    r.why = reason;
    r.serialHex = serialHex(serial);
    r.linkKeyFingerprint = report.linkKeyFingerprint;
    const auto receipt = d->inventory->revoke(r);
    NodeSecurity security;
    security.serialHex = r.serialHex;
    (void)d->inventory->setNodeSecurity(node, security);
    d->inventory->commitSoon();
    const qint64 queueUs = lap();

    // 3. The keys leave the key store, saved (with its backup) before the report says so.
    if (Result<void> ok = Internal::workflowForgetKeys(*d->keys, node); ok)
        report.linkKeyDeleted = true;
    else
        report.problems << u"the key store was not saved, node %1's keys are still in it: %2"_s
                                   .arg(node)
                                   .arg(ok.error().message());
    report.timing.keyStoreUs = lap();

    // The revocation committed.
    if (!receipt) {
        report.problems << u"the revocation was not recorded in the inventory: "_s
                                   + receipt.error().message();
    } else if (Result<void> ok = d->inventory->waitForCommitted(receipt->ticket); !ok) {
        report.problems << u"the revocation was not committed: "_s + ok.error().message();
    } else {
        report.quarantined = true;
        report.revocationId = receipt->id;
        AuditFilter filter;
        filter.node = node;
        filter.what = u"revoke"_s;
        filter.limit = 1;
        if (const auto log = d->inventory->auditLog(filter); log && !log->isEmpty())
            report.auditId = log->front().id;
    }
    report.timing.inventoryUs = queueUs + lap();

    // 4. The whitelist removals, to every Warden node that lists the node (or may).
    const Internal::ExposureAssessment a = Internal::assessExposure(d->facts(), node);
    if (!a.removalTargets.isEmpty()) {
        const auto batch = d->runner->submitBatch(u"revoke node %1: whitelist removal"_s.arg(node),
                                                  a.removalTargets,
                                                  ManagementAction::removeWhitelistEntry(node));
        if (batch) {
            report.pushBatch = *batch;
            report.pushedTo = a.removalTargets;
        } else {
            report.problems << u"the whitelist removal was not queued for %1: %2"_s.arg(
                    nodeListText(a.removalTargets), batch.error().message());
        }
    }
    report.timing.pushUs = lap();

    // 5. What stays exposed, and the rotation that closes it: kept in the inventory until a
    // rotation covers it, so that it survives a restart.
    report.exposure = a.items;
    report.rotation = a.plan;
    std::optional<InventoryTicket> planTicket;
    if (a.plan.needed && report.revocationId > 0) {
        RevocationPlanRecord plan;
        plan.revocation = report.revocationId;
        plan.node = node;
        plan.burntEpoch = a.plan.burntEpoch;
        plan.plan = Internal::revocationPlanJson(a.plan, a.items);
        if (const auto saved = d->inventory->saveRevocationPlan(plan); saved)
            planTicket = saved->ticket;
        else
            report.problems << u"the rotation plan was not stored (start the rotation with "
                               u"the burnt epoch by hand): "_s
                                       + saved.error().message();
    } else if (a.plan.needed) {
        report.problems << u"the rotation plan was not stored: the revocation has no "
                           u"inventory record"_s;
    }
    AuditEntry summary;
    summary.who = who;
    summary.what = u"revoke.report"_s;
    summary.why = reason;
    summary.node = node;
    summary.details = QJsonObject {
            {u"linkKey"_s, report.linkKeyFingerprint},
            {u"managementKey"_s, report.managementKeyFingerprint},
            {u"serial"_s, report.serialFingerprint},
            {u"pushBatch"_s, report.pushBatch},
            {u"pushedTo"_s, int(report.pushedTo.size())},
            {u"sharedKeyBurnt"_s, a.sharedKeyBurnt},
            {u"burntEpoch"_s, qint64(a.plan.burntEpoch)},
            {u"exposures"_s, int(report.exposure.size())},
            {u"problems"_s, int(report.problems.size())},
    };
    (void)d->inventory->recordAudit(summary);
    // flush() commits at once (waiting for a ticket would wait out the writer's interval).
    if (Result<void> ok = d->inventory->flush(); !ok)
        report.problems << u"the revocation's report was not committed: "_s + ok.error().message();
    else if (planTicket)
        if (Result<void> stored = d->inventory->waitForCommitted(*planTicket); !stored)
            report.problems << u"the rotation plan was not stored: "_s + stored.error().message();
    report.timing.inventoryUs += lap();
    report.timing.totalUs = clock.nsecsElapsed() / 1000;
    qCWarning(lcWorkflows).noquote() << report.text();
    return report;
}

Result<ReadmissionReport> Internal::readmitRecorded(Engine *engine, Inventory &inventory,
                                                    KeyStore &keys, quint8 node,
                                                    const NodePersonalization &record,
                                                    const QString &who, const QString &why)
{
    if (node == 0 || node == kBroadcast)
        return fail(ErrorCode::InvalidArgument, u"node %1: ids are 1..254"_s.arg(node));
    if (who.trimmed().isEmpty() || why.trimmed().isEmpty())
        return fail(ErrorCode::InvalidArgument,
                    u"a readmission needs who does it and why (node %1)"_s.arg(node));
    const auto current = inventory.node(node);
    if (!current)
        return tl::unexpected(current.error());
    const bool revoked = (engine && engine->isRevoked(node)) || (*current && (*current)->revoked);
    if (!revoked)
        return fail(ErrorCode::Refused, u"node %1 is not revoked"_s.arg(node));
    for (const auto &[name, key] : {std::pair {u"link"_s, &record.linkKey},
                                    std::pair {u"management"_s, &record.managementKey}}) {
        if (!key->isEmpty() && key->size() != Protocol::kSigningKeySize)
            return fail(ErrorCode::InvalidArgument,
                        u"the new %1 key of node %2 has %3 bytes, not 32"_s.arg(name).arg(node).arg(
                                key->size()));
    }
    // What was revoked: the revocation's serial and link key, the report's management key.
    QString oldSerial;
    QString oldLink;
    QString oldManagement;
    if (const auto list = inventory.revocations()) {
        for (const Revocation &r : *list) {
            if (r.node == node) {
                oldSerial = r.serialHex;
                oldLink = r.linkKeyFingerprint;
            }
        }
    }
    AuditFilter filter;
    filter.node = node;
    filter.what = u"revoke.report"_s;
    filter.limit = 1;
    if (const auto log = inventory.auditLog(filter); log && !log->isEmpty())
        oldManagement = log->front().details.value(u"managementKey"_s).toString();

    const QString newSerial = serialHex(record.serial);
    const bool serialChanged = record.serial && newSerial != oldSerial.toLower();
    const QString newLink = record.linkKey.isEmpty() ? QString() : record.linkKey.fingerprint();
    const QString newManagement
            = record.managementKey.isEmpty() ? QString() : record.managementKey.fingerprint();
    const bool keysChanged = !newLink.isEmpty() && !newManagement.isEmpty() && newLink != oldLink
                             && newManagement != oldManagement;
    if (!serialChanged && !keysChanged)
        return fail(
                ErrorCode::Refused,
                u"node %1 is readmitted only after re-personalization: give it a new serial, "
                u"or new link and management keys that differ from the revoked ones"_s.arg(node));

    if (Result<void> ok = Internal::workflowSetKeys(keys, node, record.serial, record.linkKey,
                                                    record.managementKey);
        !ok)
        return fail(ErrorCode::Refused,
                    u"node %1 stays revoked: the key store was not saved: %2"_s.arg(node).arg(
                            ok.error().message()));
    const auto stored = Internal::workflowNode(keys, node);
    ReadmissionReport report;
    report.node = node;
    report.serialFingerprint = serialFingerprint(stored ? stored->serial : record.serial);
    report.linkKeyFingerprint = stored ? stored->linkKeyFingerprint : newLink;
    report.managementKeyFingerprint = stored ? stored->managementKeyFingerprint : newManagement;

    const QJsonObject details {{u"serial"_s, report.serialFingerprint},
                               {u"linkKey"_s, report.linkKeyFingerprint},
                               {u"managementKey"_s, report.managementKeyFingerprint}};
    const auto receipt = inventory.readmit(node, who, why, details);
    if (!receipt)
        return fail(ErrorCode::Refused,
                    u"node %1 stays revoked: %2"_s.arg(node).arg(receipt.error().message()));
    if (Result<void> ok = inventory.waitForCommitted(receipt->ticket); !ok)
        return fail(ErrorCode::Refused,
                    u"node %1 stays revoked: %2"_s.arg(node).arg(ok.error().message()));
    report.auditId = receipt->id;
    NodeSecurity security;
    security.serialHex = serialHex(stored ? stored->serial : record.serial);
    security.linkKeyFingerprint = report.linkKeyFingerprint;
    security.managementKeyFingerprint = report.managementKeyFingerprint;
    (void)inventory.setNodeSecurity(node, security);

    // The engine last: the node is accepted only with what is now on file. Without an engine
    // (an offline tool) the inventory's lifted revocation reaches the engine at its next start.
    if (engine) {
        engine->readmit(node);
        if (stored && stored->serial)
            (void)engine->setNodeSerial(
                    node, QByteArrayView(reinterpret_cast<const char *>(stored->serial->data()),
                                         qsizetype(stored->serial->size())));
        if (const auto link = Internal::workflowLinkKey(keys, node))
            (void)engine->setNodeKey(node, *link);
    }
    qCWarning(lcWorkflows).noquote() << "node" << node << "readmitted by" << who << ":" << why;
    return report;
}

Result<ReadmissionReport> SecurityWorkflows::readmitNode(quint8 node,
                                                         const NodePersonalization &record,
                                                         const QString &who, const QString &why)
{
    auto report
            = Internal::readmitRecorded(d->engine, *d->inventory, *d->keys, node, record, who, why);
    if (report)
        d->migrations.erase(node);
    return report;
}

Result<NodeReloadSummary> SecurityWorkflows::reloadNode(quint8 node)
{
    Result<NodeReloadSummary> reloaded
            = SecurityService::restoreNode(*d->engine, *d->inventory, *d->keys, node);
    if (!reloaded || reloaded->revoked)
        return reloaded;
    // A migration in flight stays in flight: migrations start from the shared key, so the
    // node is a shared-key node whose new key (already in the store) is the candidate, and
    // its frames verify under either key until it proves it switched.
    const auto m = d->migrations.find(node);
    if (m != d->migrations.end()
        && (m->second.progress.step == MigrationStep::KeyStored
            || m->second.progress.step == MigrationStep::Delivering)) {
        if (const auto key = Internal::workflowLinkKey(*d->keys, node);
            key && key->fingerprint() == m->second.progress.keyFingerprint) {
            d->engine->clearNodeKey(node);
            if (d->engine->setNodeKeyCandidate(node, *key)) {
                reloaded->migrationInFlight = true;
                reloaded->linkKeyFingerprint.clear();
            }
        } else {
            reloaded->problems << u"the link key migration of node %1 (%2) no longer matches the "
                                  "key store"_s.arg(node)
                                          .arg(m->second.progress.keyFingerprint);
        }
    }
    qCInfo(lcWorkflows).noquote() << "engine reloaded:" << reloaded->text();
    return reloaded;
}

Result<QList<quint8>> SecurityWorkflows::migrateToNodeKeys(const QList<quint8> &nodes,
                                                           const QString &who)
{
    if (who.trimmed().isEmpty())
        return fail(ErrorCode::InvalidArgument, u"a migration needs who starts it"_s);
    QList<quint8> chosen = nodes;
    if (chosen.isEmpty()) {
        for (const Internal::WorkflowNodeKeys &k : Internal::workflowNodes(*d->keys))
            if (!k.managementKeyFingerprint.isEmpty() && k.linkKeyFingerprint.isEmpty()
                && !d->engine->isRevoked(k.id) && !d->migrations.count(k.id))
                chosen << k.id;
        if (chosen.isEmpty())
            return fail(ErrorCode::Refused,
                        u"no node to migrate: every Warden node has a link key already"_s);
    }
    std::sort(chosen.begin(), chosen.end());
    chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
    // Everything is checked before anything changes.
    for (const quint8 node : chosen) {
        const auto stored = Internal::workflowNode(*d->keys, node);
        if (node == 0 || node == kBroadcast)
            return fail(ErrorCode::InvalidArgument, u"node %1: ids are 1..254"_s.arg(node));
        if (d->engine->isRevoked(node))
            return fail(ErrorCode::Refused, u"node %1 is revoked"_s.arg(node));
        if (!stored || stored->managementKeyFingerprint.isEmpty())
            return fail(ErrorCode::Refused,
                        u"node %1 has no management key: a stock node gets its link key by "
                        u"USB personalization"_s.arg(node));
        if (!stored->linkKeyFingerprint.isEmpty())
            return fail(ErrorCode::Refused, u"node %1 has a link key already (%2)"_s.arg(node).arg(
                                                    stored->linkKeyFingerprint));
        if (const auto m = d->migrations.find(node);
            m != d->migrations.end() && m->second.progress.step != MigrationStep::Failed)
            return fail(ErrorCode::Refused, u"node %1 is being migrated"_s.arg(node));
    }
    // The keys are saved before anything is sent: a crash leaves a key on file that nobody
    // holds yet, never a node holding a key that is not on file.
    QList<SecretBytes> fresh;
    for (qsizetype i = 0; i < chosen.size(); ++i) {
        auto key = SecretBytes::random(Protocol::kSigningKeySize);
        if (!key)
            return tl::unexpected(key.error());
        fresh << std::move(*key);
    }
    if (Result<void> ok = Internal::workflowSetLinkKeys(*d->keys, chosen, fresh); !ok)
        return fail(ErrorCode::Refused,
                    u"no migration started: the key store was not saved: %1"_s.arg(
                            ok.error().message()));
    for (qsizetype i = 0; i < chosen.size(); ++i) {
        const quint8 node = chosen[i];
        SecurityWorkflowsPrivate::Migration m;
        m.progress.node = node;
        m.progress.keyFingerprint = fresh[i].fingerprint();
        m.progress.step = MigrationStep::KeyStored;
        // Before the first frame: the gateway takes either key from the node from now on.
        if (Result<void> ok = d->engine->setNodeKeyCandidate(node, fresh[i]); !ok)
            return tl::unexpected(ok.error());
        if (Result<void> ok = d->persist(m, JobState::Pending); !ok)
            return fail(
                    ErrorCode::Refused,
                    u"migration of node %1 not recorded: %2"_s.arg(node).arg(ok.error().message()));
        const auto job
                = d->runner->submit(node, ManagementAction::setLinkKey(m.progress.keyFingerprint));
        if (!job) {
            m.progress.step = MigrationStep::Failed;
            m.progress.detail = job.error().message();
            (void)d->persist(m, JobState::Failed, m.progress.detail);
            d->migrations[node] = m;
            d->emitProgress(m);
            continue;
        }
        m.progress.job = *job;
        (void)d->persist(m, JobState::Pending);
        d->migrations[node] = m;
        d->emitProgress(m);
    }
    AuditEntry audit;
    audit.who = who;
    audit.what = u"migrate.start"_s;
    audit.why = u"move to per-node link keys"_s;
    audit.details = QJsonObject {{u"nodes"_s, nodeListText(chosen)}};
    (void)d->inventory->recordAudit(audit);
    return chosen;
}

Result<void> SecurityWorkflows::resume()
{
    JobFilter filter;
    filter.kind = QString::fromLatin1(kMigrationJobKind);
    filter.states = {JobState::Pending, JobState::Running};
    const auto rows = d->inventory->jobs(filter);
    if (!rows)
        return tl::unexpected(rows.error());
    for (const Job &row : *rows) {
        SecurityWorkflowsPrivate::Migration m;
        m.row = row.id;
        m.progress.node = row.node;
        if (!parseMigrationPayload(row.payload, m.progress.job, m.progress.keyFingerprint)) {
            m.progress.step = MigrationStep::Failed;
            m.progress.detail = u"unreadable migration record %1"_s.arg(row.id);
            (void)d->persist(m, JobState::Failed, m.progress.detail);
            continue;
        }
        m.progress.step = row.state == JobState::Running ? MigrationStep::Delivering
                                                         : MigrationStep::KeyStored;
        const auto key = Internal::workflowLinkKey(*d->keys, row.node);
        if (!key || key->fingerprint() != m.progress.keyFingerprint) {
            m.progress.step = MigrationStep::Failed;
            m.progress.detail = u"link key %1 of node %2 is not in the key store"_s
                                        .arg(m.progress.keyFingerprint)
                                        .arg(row.node);
            (void)d->persist(m, JobState::Failed, m.progress.detail);
            d->migrations[row.node] = m;
            continue;
        }
        (void)d->engine->setNodeKeyCandidate(row.node, *key);
        // The delivery job: the runner's own (resumed by its start()), or a new one when the
        // restart came between the record and the submission.
        std::optional<ManagementJob> job;
        if (m.progress.job != 0)
            job = d->runner->job(m.progress.job);
        if (!job) {
            for (const ManagementJob &j : d->runner->jobs())
                if (j.node == row.node
                    && j.action.operation == Protocol::ManagementOperation::SetLinkKey
                    && j.action.keyFingerprint == m.progress.keyFingerprint)
                    job = j;
        }
        if (!job) {
            const auto submitted = d->runner->submit(
                    row.node, ManagementAction::setLinkKey(m.progress.keyFingerprint));
            if (!submitted)
                return tl::unexpected(submitted.error());
            m.progress.job = *submitted;
            (void)d->persist(m, JobState::Pending);
            d->migrations[row.node] = m;
            continue;
        }
        m.progress.job = job->id;
        d->migrations[row.node] = m;
        auto &tracked = d->migrations[row.node];
        if (job->state == JobState::Done)
            d->switched(tracked);
        else if (job->state == JobState::Failed || job->state == JobState::Cancelled)
            d->onFinished(job->id, row.node, job->state, job->lastError);
        else if (job->attempts > 0)
            d->engine->holdSigning(row.node); // it may have applied it while we were down
    }
    return {};
}

QList<MigrationProgress> SecurityWorkflows::migration() const
{
    QList<MigrationProgress> out;
    for (const auto &[node, m] : d->migrations)
        out << m.progress;
    return out;
}

} // namespace Warden
