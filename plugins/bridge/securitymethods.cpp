#include "securitymethods.h"
#include "methodparams.h"

#include <warden/engine.h>
#include <warden/inventory.h>
#include <warden/keystore.h>
#include <warden/rotation.h>
#include <warden/securityservice.h>

#include <QtCore/QJsonArray>
#include <QtCore/QLoggingCategory>

#include <algorithm>
#include <memory>

using namespace Qt::StringLiterals;

namespace Warden::Internal {

Q_LOGGING_CATEGORY(lcSecurityApi, "warden.bridge.security")

using JsonProtocol::ApiError;
namespace Codes = JsonProtocol::Codes;

namespace {

using MethodResult = JsonApi::MethodResult;
using MethodParams::checkNames;
using MethodParams::invalidParams;

tl::unexpected<ApiError> apiError(const QString &code, const QString &message)
{
    return tl::unexpected(ApiError {code, message});
}

/// A refusal of the workflow, with its message (which never holds key material).
tl::unexpected<ApiError> refused(const Error &error)
{
    return apiError(error.code() == ErrorCode::InvalidArgument ? Codes::InvalidParams
                                                               : Codes::Refused,
                    error.message());
}

/// An integer param in [min, max]; nullopt when absent and not @p required.
tl::expected<std::optional<qint64>, ApiError>
integer(const QJsonObject &params, const QString &name, qint64 min, qint64 max, bool required)
{
    if (required) {
        const auto value = MethodParams::integer(params, name, min, max, std::nullopt);
        if (!value)
            return tl::unexpected(value.error());
        return std::optional<qint64>(*value);
    }
    return MethodParams::optionalInteger(params, name, min, max);
}

/// A list of node ids 1..254, no duplicates, at most @p max; nullopt when absent.
tl::expected<std::optional<QList<quint8>>, ApiError> nodeList(const QJsonObject &params,
                                                              const QString &name, int max)
{
    const QJsonValue v = params.value(name);
    if (v.isUndefined())
        return std::nullopt;
    if (!v.isArray())
        return tl::unexpected(
                ApiError {Codes::InvalidParams, u"params.%1 is not an array"_s.arg(name)});
    const QJsonArray a = v.toArray();
    if (a.size() > max)
        return tl::unexpected(ApiError {
                Codes::InvalidParams,
                u"params.%1 has %2 entries, at most %3"_s.arg(name).arg(a.size()).arg(max)});
    QList<quint8> out;
    for (qsizetype i = 0; i < a.size(); ++i) {
        const double d = a.at(i).toDouble(-1);
        if (!a.at(i).isDouble() || d < 1 || d > 254 || d != double(int(d)))
            return tl::unexpected(
                    ApiError {Codes::InvalidParams,
                              u"params.%1[%2] is not a node id 1..254"_s.arg(name).arg(i)});
        if (out.contains(quint8(d)))
            return tl::unexpected(ApiError {Codes::InvalidParams,
                                            u"params.%1 lists node %2 twice"_s.arg(name).arg(d)});
        out << quint8(d);
    }
    return out;
}

/// An optional free text (label, reason): trimmed, bounded, no control characters.
tl::expected<QString, ApiError> text(const QJsonObject &params, const QString &name,
                                     const QString &fallback)
{
    const QJsonValue v = params.value(name);
    if (v.isUndefined())
        return fallback;
    if (!v.isString())
        return tl::unexpected(
                ApiError {Codes::InvalidParams, u"params.%1 is not a string"_s.arg(name)});
    const QString t = v.toString().trimmed();
    if (t.isEmpty())
        return tl::unexpected(ApiError {Codes::InvalidParams, u"params.%1 is empty"_s.arg(name)});
    if (t.size() > SecurityMethods::kMaxTextLength)
        return tl::unexpected(
                ApiError {Codes::InvalidParams,
                          u"params.%1 has %2 characters, at most %3"_s.arg(name).arg(t.size()).arg(
                                  SecurityMethods::kMaxTextLength)});
    for (const QChar c : t) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7F)
            return tl::unexpected(ApiError {Codes::InvalidParams,
                                            u"params.%1 contains a control character"_s.arg(name)});
    }
    return t;
}

QJsonArray ids(const QList<quint8> &nodes)
{
    QJsonArray out;
    for (const quint8 n : nodes)
        out.append(int(n));
    return out;
}

QJsonValue textOrNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

/// UTC milliseconds, null when unknown (0).
QJsonValue timeOrNull(qint64 ms)
{
    return ms > 0 ? QJsonValue(double(ms)) : QJsonValue(QJsonValue::Null);
}

const char *exposureKindName(ExposureItem::Kind kind)
{
    switch (kind) {
    case ExposureItem::Kind::SharedNetworkKey:
        return "shared-network-key";
    case ExposureItem::Kind::GatewayImpersonation:
        return "gateway-impersonation";
    case ExposureItem::Kind::ForgedIdsAtGateway:
        return "forged-ids-at-gateway";
    }
    return "unknown";
}

const char *channelName(RotationChannel channel)
{
    return channel == RotationChannel::Usb ? "usb" : "over-the-air";
}

QJsonObject planToJson(const RotationPlan &plan)
{
    return QJsonObject {
            {u"needed"_s, plan.needed},
            {u"burntEpoch"_s, double(plan.burntEpoch)},
            {u"lostNodes"_s, ids(plan.lostNodes)},
            {u"overTheAir"_s, ids(plan.overTheAir)},
            {u"usb"_s, ids(plan.usb)},
            {u"text"_s, plan.text()},
    };
}

/// The operations "push" queues: configuration, never keys or a reset.
bool pushable(Protocol::ManagementOperation op)
{
    using Op = Protocol::ManagementOperation;
    return op == Op::ReplaceWhitelist || op == Op::AddWhitelistEntry
           || op == Op::RemoveWhitelistEntry || op == Op::SetSigningPolicy;
}

/// The state kept between calls. (The plans revocations leave are in the inventory.)
struct State
{
    SecurityService *service = nullptr;
};

QJsonObject exposureToJson(const ExposureItem &e)
{
    return QJsonObject {
            {u"kind"_s, QLatin1StringView(exposureKindName(e.kind))},
            {u"epoch"_s, double(e.epoch)},
            {u"nodes"_s, ids(e.nodes)},
            {u"until"_s, e.until},
            {u"text"_s, e.text},
    };
}

QJsonObject pendingPlanToJson(const PendingRotationPlan &p)
{
    QJsonArray exposure;
    for (const ExposureItem &e : p.exposure)
        exposure.append(exposureToJson(e));
    return QJsonObject {
            {u"revocationId"_s, double(p.revocationId)},
            {u"node"_s, p.node},
            {u"created"_s, double(p.createdMs)},
            {u"rotation"_s, planToJson(p.plan)},
            {u"exposure"_s, exposure},
            {u"coveredBy"_s,
             p.coveredBy > 0 ? QJsonValue(double(p.coveredBy)) : QJsonValue(QJsonValue::Null)},
            {u"text"_s, p.text()},
    };
}

MethodResult revoke(State &s, quint8 node, const QString &reason, const QString &caller)
{
    const auto record = s.service->inventory()->node(node);
    if (record && !*record && !s.service->keyStore()->node(node))
        return apiError(
                Codes::NotFound,
                u"node %1 is unknown: neither the inventory nor the key store has it"_s.arg(node));
    qCWarning(lcSecurityApi).noquote() << caller << "revokes node" << node;
    const Result<RevocationReport> report
            = s.service->workflows()->revokeNode(node, reason, caller);
    if (!report)
        return refused(report.error());
    return revocationReportToJson(*report);
}

MethodResult rotationStart(State &s, const QJsonObject &p, const QString &caller)
{
    if (auto bad = checkNames(p, {u"fromRevocation"_s, u"oldEpoch"_s, u"newEpoch"_s,
                                  u"overTheAir"_s, u"usb"_s, u"reason"_s}))
        return tl::unexpected(*bad);
    const auto from = integer(p, u"fromRevocation"_s, 1, 254, false);
    const auto oldEpoch = integer(p, u"oldEpoch"_s, 1, 65534, false);
    const auto newEpoch = integer(p, u"newEpoch"_s, 2, 65535, false);
    const auto air = nodeList(p, u"overTheAir"_s, 254);
    const auto usb = nodeList(p, u"usb"_s, 254);
    const auto reason = text(p, u"reason"_s, u"requested over the JSON API"_s);
    for (const auto *r : {&from, &oldEpoch, &newEpoch}) {
        if (!*r)
            return tl::unexpected(r->error());
    }
    if (!air)
        return tl::unexpected(air.error());
    if (!usb)
        return tl::unexpected(usb.error());
    if (!reason)
        return tl::unexpected(reason.error());
    if (from->has_value() == oldEpoch->has_value())
        return invalidParams(u"give either params.fromRevocation (a revoked node whose plan is "
                             "pending) or params.oldEpoch"_s);
    RotationPlanInput plan;
    plan.who = caller;
    plan.why = *reason;
    if (from->has_value()) {
        if (air->has_value() || usb->has_value() || newEpoch->has_value())
            return invalidParams(u"params.fromRevocation takes the revocation's plan: "
                                 "overTheAir, usb and newEpoch are not allowed with it"_s);
        const quint8 node = quint8(**from);
        // A plan that cannot be read is not a plan that is not there: no "give oldEpoch" then.
        if (const auto readable = s.service->workflows()->pendingRotationPlans(); !readable)
            return apiError(Codes::Unavailable,
                            u"the rotation plans of the revocations cannot be read from the "
                            "inventory: "_s
                                    + readable.error().message());
        const Result<RotationPlanInput> stored
                = s.service->workflows()->rotationFromRevocation(node, caller, *reason);
        if (!stored)
            return apiError(Codes::NotFound,
                            stored.error().message() + u"; give params.oldEpoch"_s);
        plan = *stored;
    } else {
        plan.oldEpoch = quint16(**oldEpoch);
        plan.newEpoch = newEpoch->has_value() ? quint16(**newEpoch) : 0;
        if (air->has_value() || usb->has_value()) {
            plan.overTheAir = air->value_or(QList<quint8> {});
            plan.usb = usb->value_or(QList<quint8> {});
            for (const quint8 n : std::as_const(plan.usb)) {
                if (plan.overTheAir.contains(n))
                    return invalidParams(
                            u"node %1 is in both params.overTheAir and params.usb"_s.arg(n));
            }
        } else {
            // Every node in force: the rotation moves those without a management key to USB.
            const auto nodes = s.service->inventory()->nodes();
            if (!nodes)
                return apiError(Codes::Unavailable,
                                u"the inventory cannot be read: "_s + nodes.error().message());
            for (const NodeRecord &n : *nodes) {
                if (!n.revoked && n.id > 0 && n.id < 255)
                    plan.overTheAir << n.id;
            }
        }
    }
    if (plan.overTheAir.isEmpty() && plan.usb.isEmpty())
        return apiError(Codes::Refused, u"the rotation has no node to re-key"_s);
    const Result<qint64> id = s.service->rotation()->start(plan);
    if (!id)
        return refused(id.error());
    qCWarning(lcSecurityApi).noquote()
            << caller << "starts rotation" << *id << "away from epoch" << plan.oldEpoch;
    QJsonObject out {{u"rotation"_s, double(*id)}};
    if (const auto status = s.service->rotation()->status())
        out.insert(u"status"_s, rotationReportToJson(*status));
    return out;
}

QJsonObject statusJson(const State &s)
{
    const auto status = s.service->rotation()->status();
    QJsonObject out {
            {u"running"_s, s.service->rotation()->isRunning()},
            {u"status"_s,
             status ? QJsonValue(rotationReportToJson(*status)) : QJsonValue(QJsonValue::Null)},
    };
    // The newest finished rotation's stored report, also after a restart.
    const auto last = s.service->rotation()->lastReport();
    out.insert(u"lastReport"_s, last && *last ? QJsonValue(rotationReportToJson(**last))
                                              : QJsonValue(QJsonValue::Null));
    return out;
}

MethodResult rotationReport(const State &s, const QJsonObject &p)
{
    if (auto bad = checkNames(p, {u"rotation"_s}))
        return tl::unexpected(*bad);
    const auto id = integer(p, u"rotation"_s, 1, JsonProtocol::kMaxId, false);
    if (!id)
        return tl::unexpected(id.error());
    const auto report = s.service->rotation()->lastReport(id->value_or(0));
    if (!report)
        return apiError(Codes::Unavailable, u"the stored rotation report cannot be read: "_s
                                                    + report.error().message());
    if (!*report)
        return apiError(Codes::NotFound, id->has_value()
                                                 ? u"rotation %1 has no report: it is unknown "
                                                   "or not finished"_s.arg(**id)
                                                 : u"no rotation has finished yet"_s);
    QJsonObject out = rotationReportToJson(**report);
    out.insert(u"exportText"_s, (*report)->exportText());
    return out;
}

MethodResult rotationPlans(const State &s, const QJsonObject &p)
{
    if (auto bad = checkNames(p, {u"all"_s}))
        return tl::unexpected(*bad);
    const QJsonValue all = p.value(u"all"_s);
    if (!all.isUndefined() && !all.isBool())
        return invalidParams(u"params.all is not true or false"_s);
    const auto plans = all.toBool(false) ? s.service->workflows()->rotationPlans()
                                         : s.service->workflows()->pendingRotationPlans();
    if (!plans)
        return apiError(Codes::Unavailable,
                        u"the rotation plans cannot be read: "_s + plans.error().message());
    QJsonArray list;
    for (const PendingRotationPlan &plan : *plans)
        list.append(pendingPlanToJson(plan));
    return QJsonObject {{u"plans"_s, list}};
}

MethodResult jobs(const State &s, const QJsonObject &p)
{
    if (auto bad = checkNames(p, {u"batch"_s, u"node"_s, u"unfinished"_s}))
        return tl::unexpected(*bad);
    const auto batch = integer(p, u"batch"_s, 1, JsonProtocol::kMaxId, false);
    if (!batch)
        return tl::unexpected(batch.error());
    const auto node = integer(p, u"node"_s, 1, 254, false);
    if (!node)
        return tl::unexpected(node.error());
    const QJsonValue unfinishedValue = p.value(u"unfinished"_s);
    if (!unfinishedValue.isUndefined() && !unfinishedValue.isBool())
        return invalidParams(u"params.unfinished is not true or false"_s);
    const bool unfinished = unfinishedValue.toBool(false);
    QList<ManagementJob> all = s.service->jobs()->jobs();
    QJsonArray list;
    QList<qint64> batches;
    int skipped = 0;
    // Newest first, so that the cap drops the oldest.
    std::sort(all.begin(), all.end(),
              [](const ManagementJob &a, const ManagementJob &b) { return a.id > b.id; });
    for (const ManagementJob &j : std::as_const(all)) {
        if (batch->has_value() && j.batch != **batch)
            continue;
        if (node->has_value() && j.node != **node)
            continue;
        if (unfinished && j.state != JobState::Pending && j.state != JobState::Running)
            continue;
        if (list.size() >= SecurityMethods::kMaxJobs) {
            ++skipped;
            continue;
        }
        list.append(jobToJson(j));
        if (j.batch > 0 && !batches.contains(j.batch))
            batches << j.batch;
    }
    if (batch->has_value() && list.isEmpty())
        return apiError(Codes::NotFound, u"no batch %1"_s.arg(**batch));
    QJsonArray progress;
    for (const qint64 b : std::as_const(batches))
        progress.append(batchToJson(s.service->jobs()->batch(b)));
    return QJsonObject {{u"jobs"_s, list}, {u"batches"_s, progress}, {u"omitted"_s, skipped}};
}

MethodResult push(State &s, const QJsonObject &p, const QString &caller)
{
    if (auto bad = checkNames(p, {u"nodes"_s, u"action"_s, u"label"_s}))
        return tl::unexpected(*bad);
    const auto nodes = nodeList(p, u"nodes"_s, SecurityMethods::kMaxPushNodes);
    if (!nodes)
        return tl::unexpected(nodes.error());
    if (!nodes->has_value() || (*nodes)->isEmpty())
        return invalidParams(u"params.nodes is missing or empty: name the nodes to push to"_s);
    if (!p.value(u"action"_s).isObject())
        return invalidParams(u"params.action is missing or not an object"_s);
    const Result<ManagementAction> action
            = ManagementAction::fromJson(p.value(u"action"_s).toObject());
    if (!action)
        return invalidParams(u"params.action: "_s + action.error().message());
    if (!pushable(action->operation))
        return invalidParams(
                u"params.action.op %1 cannot be pushed (only replace-whitelist, "
                "add-whitelist-entry, remove-whitelist-entry, set-signing-policy)"_s.arg(
                        action->operationName()));
    if (const Result<void> valid = action->validate(); !valid)
        return invalidParams(u"params.action: "_s + valid.error().message());
    for (const quint8 n : **nodes) {
        if (s.service->engine()->isRevoked(n))
            return apiError(Codes::Refused,
                            u"node %1 is revoked: nothing is pushed to it"_s.arg(n));
    }
    const auto label
            = text(p, u"label"_s,
                   u"%1 to %2 node(s)"_s.arg(action->operationName()).arg((*nodes)->size()));
    if (!label)
        return tl::unexpected(label.error());
    const Result<qint64> batch = s.service->jobs()->submitBatch(*label, **nodes, *action);
    if (!batch)
        return refused(batch.error());
    qCInfo(lcSecurityApi).noquote() << caller << "pushes" << action->operationName() << "to"
                                    << (*nodes)->size() << "node(s) as batch" << *batch;
    return QJsonObject {{u"batch"_s, double(*batch)},
                        {u"progress"_s, batchToJson(s.service->jobs()->batch(*batch))}};
}

} // namespace

const char *apiJobStateName(JobState state)
{
    switch (state) {
    case JobState::Pending:
        return "pending";
    case JobState::Running:
        return "running";
    case JobState::Done:
        return "done";
    case JobState::Failed:
        return "failed";
    case JobState::Cancelled:
        return "cancelled";
    }
    return "unknown";
}

QJsonObject revocationReportToJson(const RevocationReport &r)
{
    QJsonArray exposure;
    for (const ExposureItem &e : r.exposure)
        exposure.append(exposureToJson(e));
    return QJsonObject {
            {u"node"_s, r.node},
            {u"revoked"_s, r.blocked},
            {u"blocked"_s, r.blocked},
            {u"serialFingerprint"_s, textOrNull(r.serialFingerprint)},
            {u"linkKeyDeleted"_s, r.linkKeyDeleted},
            {u"linkKeyFingerprint"_s, textOrNull(r.linkKeyFingerprint)},
            {u"managementKeyFingerprint"_s, textOrNull(r.managementKeyFingerprint)},
            {u"quarantined"_s, r.quarantined},
            {u"revocationId"_s, double(r.revocationId)},
            {u"auditId"_s, double(r.auditId)},
            {u"pushBatch"_s, double(r.pushBatch)},
            {u"pushedTo"_s, ids(r.pushedTo)},
            {u"exposure"_s, exposure},
            {u"rotation"_s, planToJson(r.rotation)},
            {u"problems"_s, QJsonArray::fromStringList(r.problems)},
            {u"text"_s, r.text()},
    };
}

QJsonObject rotationReportToJson(const RotationReport &r)
{
    QJsonArray nodes;
    for (const NodeRotationStatus &n : r.nodes)
        nodes.append(QJsonObject {
                {u"node"_s, n.node},
                {u"channel"_s, QLatin1StringView(channelName(n.channel))},
                {u"state"_s, QLatin1StringView(nodeRotationStateName(n.state))},
                {u"gatewayEpoch"_s, n.gatewayEpoch},
                {u"deliveryJob"_s, double(n.deliveryJob)},
                {u"activationJob"_s, double(n.activationJob)},
                {u"reason"_s, textOrNull(n.reason)},
                {u"delivered"_s, timeOrNull(n.deliveredUtcMs)},
                {u"activated"_s, timeOrNull(n.activatedUtcMs)},
                {u"problems"_s, QJsonArray::fromStringList(n.problems)},
        });
    return QJsonObject {
            {u"rotation"_s, double(r.rotation)},
            {u"oldEpoch"_s, r.oldEpoch},
            {u"newEpoch"_s, r.newEpoch},
            {u"keyFingerprint"_s, textOrNull(r.keyFingerprint)},
            {u"step"_s, QLatin1StringView(rotationStepName(r.step))},
            {u"nodes"_s, nodes},
            {u"activated"_s, r.activated},
            {u"excluded"_s, r.excluded},
            {u"attempts"_s, r.attempts},
            {u"requestFrames"_s, r.requestFrames},
            {u"who"_s, textOrNull(r.who)},
            {u"why"_s, textOrNull(r.why)},
            {u"started"_s, timeOrNull(r.startedUtcMs)},
            {u"finished"_s, timeOrNull(r.finishedUtcMs)},
            {u"text"_s, r.text()},
    };
}

QJsonObject jobToJson(const ManagementJob &j)
{
    return QJsonObject {
            {u"job"_s, double(j.id)},
            {u"node"_s, j.node},
            {u"batch"_s, j.batch > 0 ? QJsonValue(double(j.batch)) : QJsonValue(QJsonValue::Null)},
            {u"label"_s, textOrNull(j.batchLabel)},
            {u"op"_s, j.action.operationName()},
            {u"state"_s, QLatin1StringView(apiJobStateName(j.state))},
            {u"attempts"_s, j.attempts},
            {u"waitingForNode"_s, j.waitingForNode},
            {u"text"_s, textOrNull(j.lastError)},
    };
}

QJsonObject batchToJson(const BatchProgress &b)
{
    QJsonObject failures;
    for (auto it = b.failures.cbegin(); it != b.failures.cend(); ++it)
        failures.insert(QString::number(it.key()), it.value());
    return QJsonObject {
            {u"batch"_s, double(b.batch)}, {u"label"_s, b.label},     {u"total"_s, b.total},
            {u"applied"_s, b.applied},     {u"pending"_s, b.pending}, {u"failed"_s, b.failed},
            {u"settled"_s, b.isSettled()}, {u"failures"_s, failures}, {u"text"_s, b.text()},
    };
}

Result<void> addSecurityMethods(JsonApi &api, SecurityService *service)
{
    if (!service || !service->isStarted())
        return fail(ErrorCode::InvalidArgument,
                    u"the JSON API's security methods need a started security service"_s);
    auto state = std::make_shared<State>();
    state->service = service;
    QPointer<JsonApi> target(&api);

    api.setRevokeHandler([state](quint8 node, const QString &reason, const QString &caller) {
        return revoke(*state, node, reason, caller);
    });
    struct Entry
    {
        QString name;
        JsonApi::CallerMethodHandler handler;
    };
    const QList<Entry> methods {
            {u"rotation.start"_s,
             [state](const QJsonObject &p, const QString &caller) {
                 return rotationStart(*state, p, caller);
             }},
            {u"rotation.status"_s,
             [state](const QJsonObject &p, const QString &) -> MethodResult {
                 if (auto bad = checkNames(p, {}))
                     return tl::unexpected(*bad);
                 return statusJson(*state);
             }},
            {u"rotation.cancel"_s,
             [state](const QJsonObject &p, const QString &caller) -> MethodResult {
                 if (auto bad = checkNames(p, {u"reason"_s}))
                     return tl::unexpected(*bad);
                 const auto reason = text(p, u"reason"_s, QString());
                 if (!reason)
                     return tl::unexpected(reason.error());
                 if (reason->isEmpty())
                     return invalidParams(u"params.reason is missing: say why"_s);
                 if (const Result<void> r = state->service->rotation()->cancel(caller, *reason); !r)
                     return apiError(Codes::Refused, r.error().message());
                 return statusJson(*state);
             }},
            {u"rotation.usbDone"_s,
             [state](const QJsonObject &p, const QString &caller) -> MethodResult {
                 if (auto bad = checkNames(p, {u"node"_s}))
                     return tl::unexpected(*bad);
                 const auto node = integer(p, u"node"_s, 1, 254, true);
                 if (!node)
                     return tl::unexpected(node.error());
                 if (const Result<void> r
                     = state->service->rotation()->markUsbDone(quint8(**node), caller);
                     !r)
                     return refused(r.error());
                 return statusJson(*state);
             }},
            {u"rotation.exclude"_s,
             [state](const QJsonObject &p, const QString &caller) -> MethodResult {
                 if (auto bad = checkNames(p, {u"node"_s, u"reason"_s}))
                     return tl::unexpected(*bad);
                 const auto node = integer(p, u"node"_s, 1, 254, true);
                 if (!node)
                     return tl::unexpected(node.error());
                 const auto reason = text(p, u"reason"_s, QString());
                 if (!reason)
                     return tl::unexpected(reason.error());
                 if (reason->isEmpty())
                     return invalidParams(u"params.reason is missing: say why"_s);
                 if (const Result<void> r
                     = state->service->rotation()->exclude(quint8(**node), caller, *reason);
                     !r)
                     return refused(r.error());
                 return statusJson(*state);
             }},
            {u"node.reload"_s,
             [state](const QJsonObject &p, const QString &caller) -> MethodResult {
                 if (auto bad = checkNames(p, {u"node"_s}))
                     return tl::unexpected(*bad);
                 const auto node = integer(p, u"node"_s, 1, 254, true);
                 if (!node)
                     return tl::unexpected(node.error());
                 qCInfo(lcSecurityApi).noquote() << caller << "reloads node" << **node;
                 const auto r = state->service->reloadNode(quint8(**node));
                 if (!r)
                     return r.error().code() == ErrorCode::InvalidArgument
                                    ? apiError(Codes::NotFound, r.error().message())
                                    : refused(r.error());
                 QJsonArray problems;
                 for (const QString &problem : r->problems)
                     problems.append(problem);
                 return QJsonObject {
                         {u"node"_s, int(r->node)},
                         {u"revoked"_s, r->revoked},
                         {u"readmitted"_s, r->readmitted},
                         {u"serial"_s, r->serial},
                         {u"linkKey"_s, r->linkKeyFingerprint.isEmpty()
                                                ? QJsonValue(QJsonValue::Null)
                                                : QJsonValue(r->linkKeyFingerprint)},
                         {u"requirements"_s, r->requirements},
                         {u"migrationInFlight"_s, r->migrationInFlight},
                         {u"problems"_s, problems},
                         {u"text"_s, r->text()},
                 };
             }},
            {u"revoke.preview"_s,
             [state](const QJsonObject &p, const QString &) -> MethodResult {
                 if (auto bad = checkNames(p, {u"node"_s}))
                     return tl::unexpected(*bad);
                 const auto node = integer(p, u"node"_s, 1, 254, true);
                 if (!node)
                     return tl::unexpected(node.error());
                 const auto preview
                         = state->service->workflows()->previewRevocation(quint8(**node));
                 if (!preview)
                     return refused(preview.error());
                 return revocationReportToJson(*preview);
             }},
            {u"rotation.report"_s,
             [state](const QJsonObject &p, const QString &) { return rotationReport(*state, p); }},
            {u"rotation.plans"_s,
             [state](const QJsonObject &p, const QString &) { return rotationPlans(*state, p); }},
            {u"jobs"_s, [state](const QJsonObject &p, const QString &) { return jobs(*state, p); }},
            {u"push"_s, [state](const QJsonObject &p,
                                const QString &caller) { return push(*state, p, caller); }},
    };
    for (const Entry &e : methods) {
        if (Result<void> r = api.addCallerMethod(e.name, e.handler); !r)
            return r;
    }

    // Events: the runner's and the rotation's signals, to the subscribed clients.
    JobRunner *runner = service->jobs();
    auto jobEvent = [target, runner](qint64 job, quint8 node, const QString &what) {
        if (!target)
            return;
        QJsonObject data {{u"job"_s, double(job)}, {u"node"_s, node}, {u"text"_s, what}};
        if (const auto j = runner->job(job)) {
            data.insert(u"state"_s, QLatin1StringView(apiJobStateName(j->state)));
            data.insert(u"op"_s, j->action.operationName());
            if (j->batch > 0) {
                data.insert(u"batch"_s, double(j->batch));
                data.insert(u"batchText"_s, runner->batch(j->batch).text());
            }
        }
        target->publishSecurityEvent(u"job"_s, data);
    };
    QObject::connect(runner, &JobRunner::jobProgress, &api, jobEvent);
    QObject::connect(runner, &JobRunner::jobFinished, &api,
                     [jobEvent](qint64 job, quint8 node, JobState, const QString &reason) {
                         jobEvent(job, node, reason);
                     });
    KeyRotation *rotation = service->rotation();
    QObject::connect(rotation, &KeyRotation::stepChanged, &api,
                     [target, rotation](RotationStep step) {
                         if (!target)
                             return;
                         QJsonObject data {{u"kind"_s, u"step"_s},
                                           {u"step"_s, QLatin1StringView(rotationStepName(step))}};
                         if (const auto status = rotation->status()) {
                             data.insert(u"rotation"_s, double(status->rotation));
                             data.insert(u"text"_s, status->text());
                         }
                         target->publishSecurityEvent(u"rotation"_s, data);
                     });
    QObject::connect(
            rotation, &KeyRotation::nodeChanged, &api,
            [target](quint8 node, NodeRotationState nodeState, const QString &detail) {
                if (target)
                    target->publishSecurityEvent(
                            u"rotation"_s,
                            QJsonObject {{u"kind"_s, u"node"_s},
                                         {u"node"_s, node},
                                         {u"state"_s,
                                          QLatin1StringView(nodeRotationStateName(nodeState))},
                                         {u"text"_s, detail}});
            });
    QObject::connect(
            rotation, &KeyRotation::finished, &api, [target](const RotationReport &report) {
                if (target)
                    target->publishSecurityEvent(
                            u"rotation"_s,
                            QJsonObject {
                                    {u"kind"_s, u"finished"_s},
                                    {u"step"_s, QLatin1StringView(rotationStepName(report.step))},
                                    {u"report"_s, rotationReportToJson(report)}});
            });
    return {};
}

} // namespace Warden::Internal
