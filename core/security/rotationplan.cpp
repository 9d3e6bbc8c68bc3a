// The rotation state machine: transitions, refusals and the stored image.
#include "security/rotationplan.h"

#include <QtCore/QJsonArray>
#include <QtCore/QRegularExpression>
#include <QtCore/QSet>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Warden {

namespace {

constexpr const char *kStepNames[] = {"assessed", "generated", "delivering", "activating",
                                      "retiring", "completed", "cancelled"};
constexpr const char *kStateNames[] = {"pending",      "delivering", "delivered", "activating",
                                       "awaiting-usb", "activated",  "failed",    "excluded"};
constexpr int kMaxReasonLength = 200;

template<typename E, size_t N>
std::optional<E> fromName(const char *const (&names)[N], const QString &name)
{
    for (size_t i = 0; i < N; ++i) {
        if (name == QLatin1StringView(names[i]))
            return E(i);
    }
    return std::nullopt;
}

QString shortReason(const QString &text)
{
    return text.left(kMaxReasonLength);
}

bool validFingerprint(const QString &fp)
{
    static const QRegularExpression re(u"^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$"_s);
    return re.match(fp).hasMatch();
}

} // namespace

const char *rotationStepName(RotationStep step)
{
    const auto i = size_t(step);
    return i < std::size(kStepNames) ? kStepNames[i] : "unknown";
}

const char *nodeRotationStateName(NodeRotationState state)
{
    const auto i = size_t(state);
    return i < std::size(kStateNames) ? kStateNames[i] : "unknown";
}

QString RotationReport::text() const
{
    QString out = u"epoch %1 -> %2 (%3), %4: %5 activated, %6 excluded"_s.arg(oldEpoch)
                          .arg(newEpoch)
                          .arg(keyFingerprint.isEmpty() ? u"no key yet"_s : keyFingerprint)
                          .arg(QLatin1StringView(rotationStepName(step)))
                          .arg(activated)
                          .arg(excluded);
    const int open = int(nodes.size()) - activated - excluded;
    if (open > 0)
        out += u", %1 open"_s.arg(open);
    out += u"; %1 requests, %2 frames"_s.arg(attempts).arg(requestFrames);
    if (finishedMs > 0)
        out += u"; %1 s"_s.arg(double(finishedMs - startedMs) / 1000.0, 0, 'f', 1);
    return out;
}

namespace Internal {

Result<RotationPlan> RotationPlan::create(const RotationPlanInput &input, qint64 nowMs)
{
    if (input.oldEpoch == 0 || input.oldEpoch == 0xFFFF)
        return fail(ErrorCode::InvalidArgument,
                    u"the old epoch must be 1..65534, not %1"_s.arg(input.oldEpoch));
    const quint32 newEpoch = input.newEpoch == 0 ? quint32(input.oldEpoch) + 1 : input.newEpoch;
    if (newEpoch <= input.oldEpoch)
        return fail(ErrorCode::InvalidArgument,
                    u"the new epoch (%1) must be above the old one (%2)"_s.arg(newEpoch).arg(
                            input.oldEpoch));
    if (input.overTheAir.isEmpty() && input.usb.isEmpty())
        return fail(ErrorCode::InvalidArgument, u"a rotation needs at least one node"_s);
    RotationPlan plan;
    plan.m_oldEpoch = input.oldEpoch;
    plan.m_newEpoch = quint16(newEpoch);
    plan.m_who = shortReason(input.who);
    plan.m_why = shortReason(input.why);
    plan.m_startedMs = nowMs;
    QSet<quint8> seen;
    auto add = [&](quint8 id, RotationChannel channel) -> Result<void> {
        if (id == 0 || id == 255)
            return fail(ErrorCode::InvalidArgument,
                        u"node %1 cannot be in a rotation (ids 1..254 only)"_s.arg(id));
        if (seen.contains(id))
            return fail(ErrorCode::InvalidArgument,
                        u"node %1 is listed twice in the rotation plan"_s.arg(id));
        seen.insert(id);
        NodeRotationStatus n;
        n.node = id;
        n.channel = channel;
        n.gatewayEpoch = input.oldEpoch;
        plan.m_nodes.append(n);
        return {};
    };
    for (const quint8 id : input.overTheAir) {
        if (Result<void> ok = add(id, RotationChannel::OverTheAir); !ok)
            return tl::unexpected(ok.error());
    }
    for (const quint8 id : input.usb) {
        if (Result<void> ok = add(id, RotationChannel::Usb); !ok)
            return tl::unexpected(ok.error());
    }
    std::sort(plan.m_nodes.begin(), plan.m_nodes.end(),
              [](const auto &a, const auto &b) { return a.node < b.node; });
    return plan;
}

std::optional<NodeRotationStatus> RotationPlan::node(quint8 id) const
{
    for (const NodeRotationStatus &n : m_nodes) {
        if (n.node == id)
            return n;
    }
    return std::nullopt;
}

NodeRotationStatus *RotationPlan::find(quint8 id)
{
    for (NodeRotationStatus &n : m_nodes) {
        if (n.node == id)
            return &n;
    }
    return nullptr;
}

Result<void> RotationPlan::requireStep(std::initializer_list<RotationStep> steps,
                                       const char *transition) const
{
    if (std::find(steps.begin(), steps.end(), m_step) != steps.end())
        return {};
    return fail(ErrorCode::Refused, u"%1 is not possible in step %2"_s.arg(
                                            QLatin1StringView(transition),
                                            QLatin1StringView(rotationStepName(m_step))));
}

Result<NodeRotationStatus *> RotationPlan::nodeIn(quint8 id,
                                                  std::initializer_list<NodeRotationState> states,
                                                  const char *transition)
{
    NodeRotationStatus *n = find(id);
    if (!n)
        return fail(ErrorCode::InvalidArgument, u"node %1 is not in this rotation"_s.arg(id));
    if (std::find(states.begin(), states.end(), n->state) == states.end())
        return fail(ErrorCode::Refused,
                    u"%1 is not possible for node %2, which is %3"_s.arg(
                            QLatin1StringView(transition), QString::number(id),
                            QLatin1StringView(nodeRotationStateName(n->state))));
    return n;
}

Result<void> RotationPlan::keyGenerated(const QString &fingerprint)
{
    if (Result<void> ok = requireStep({RotationStep::Assessed}, "key generation"); !ok)
        return ok;
    if (!validFingerprint(fingerprint))
        return fail(ErrorCode::InvalidArgument, u"the key fingerprint is malformed"_s);
    m_fingerprint = fingerprint;
    m_step = RotationStep::Generated;
    for (NodeRotationStatus &n : m_nodes) {
        if (n.channel == RotationChannel::Usb && n.state == NodeRotationState::Pending)
            n.state = NodeRotationState::AwaitingUsb;
    }
    return {};
}

Result<void> RotationPlan::startDelivery()
{
    if (Result<void> ok = requireStep({RotationStep::Generated}, "delivery"); !ok)
        return ok;
    m_step = RotationStep::Delivering;
    return {};
}

bool RotationPlan::canStartActivation() const
{
    if (m_step != RotationStep::Delivering)
        return false;
    return std::all_of(m_nodes.begin(), m_nodes.end(), [](const NodeRotationStatus &n) {
        return n.channel == RotationChannel::Usb || n.state == NodeRotationState::Delivered
               || n.state == NodeRotationState::Excluded;
    });
}

Result<void> RotationPlan::startActivation()
{
    if (Result<void> ok = requireStep({RotationStep::Delivering}, "activation"); !ok)
        return ok;
    if (!canStartActivation()) {
        QStringList open;
        for (const NodeRotationStatus &n : std::as_const(m_nodes)) {
            if (n.channel == RotationChannel::OverTheAir && n.state != NodeRotationState::Delivered
                && n.state != NodeRotationState::Excluded)
                open << u"%1 (%2)"_s.arg(n.node).arg(
                        QLatin1StringView(nodeRotationStateName(n.state)));
        }
        return fail(ErrorCode::Refused,
                    u"activation must wait for the delivery to nodes %1"_s.arg(open.join(u", "_s)));
    }
    m_step = RotationStep::Activating;
    return {};
}

bool RotationPlan::canRetire() const
{
    if (m_step != RotationStep::Activating)
        return false;
    return std::all_of(m_nodes.begin(), m_nodes.end(), [](const NodeRotationStatus &n) {
        return n.state == NodeRotationState::Activated || n.state == NodeRotationState::Excluded;
    });
}

Result<void> RotationPlan::startRetiring()
{
    if (Result<void> ok = requireStep({RotationStep::Activating}, "retiring the old key"); !ok)
        return ok;
    if (!canRetire()) {
        QStringList open;
        for (const NodeRotationStatus &n : std::as_const(m_nodes)) {
            if (n.state != NodeRotationState::Activated && n.state != NodeRotationState::Excluded)
                open << u"%1 (%2)"_s.arg(n.node).arg(
                        QLatin1StringView(nodeRotationStateName(n.state)));
        }
        return fail(ErrorCode::Refused,
                    u"the old key cannot retire while nodes %1 still need it"_s.arg(
                            open.join(u", "_s)));
    }
    m_step = RotationStep::Retiring;
    return {};
}

Result<void> RotationPlan::complete(qint64 nowMs)
{
    if (Result<void> ok = requireStep({RotationStep::Retiring}, "completion"); !ok)
        return ok;
    m_step = RotationStep::Completed;
    m_finishedMs = nowMs;
    return {};
}

Result<void> RotationPlan::cancel(const QString &why, qint64 nowMs)
{
    if (Result<void> ok
        = requireStep({RotationStep::Assessed, RotationStep::Generated, RotationStep::Delivering},
                      "cancelling");
        !ok)
        return fail(ErrorCode::Refused,
                    ok.error().message()
                            + u" (nodes may already use the new key: finish or exclude them)"_s);
    for (const NodeRotationStatus &n : std::as_const(m_nodes)) {
        if (n.state == NodeRotationState::Activated)
            return fail(
                    ErrorCode::Refused,
                    u"cancelling is not possible: node %1 already uses the new key"_s.arg(n.node));
    }
    m_step = RotationStep::Cancelled;
    m_why = shortReason(why.isEmpty() ? m_why : m_why + u"; cancelled: "_s + why);
    m_finishedMs = nowMs;
    return {};
}

Result<void> RotationPlan::deliveryQueued(quint8 id, qint64 job)
{
    if (Result<void> ok
        = requireStep({RotationStep::Delivering, RotationStep::Activating}, "queueing a delivery");
        !ok)
        return ok;
    if (job <= 0)
        return fail(ErrorCode::InvalidArgument, u"the delivery job id must be positive"_s);
    const auto n = nodeIn(id, {NodeRotationState::Pending}, "queueing a delivery");
    if (!n)
        return tl::unexpected(n.error());
    if ((*n)->channel != RotationChannel::OverTheAir)
        return fail(ErrorCode::Refused,
                    u"node %1 is re-keyed over USB, not over the air"_s.arg(id));
    (*n)->state = NodeRotationState::Delivering;
    (*n)->deliveryJob = job;
    (*n)->reason.clear();
    return {};
}

Result<void> RotationPlan::delivered(quint8 id)
{
    const auto n = nodeIn(id, {NodeRotationState::Delivering}, "marking delivered");
    if (!n)
        return tl::unexpected(n.error());
    (*n)->state = NodeRotationState::Delivered;
    return {};
}

Result<void> RotationPlan::activationQueued(quint8 id, qint64 job)
{
    if (Result<void> ok = requireStep({RotationStep::Activating}, "queueing an activation"); !ok)
        return ok;
    if (job <= 0)
        return fail(ErrorCode::InvalidArgument, u"the activation job id must be positive"_s);
    const auto n = nodeIn(id, {NodeRotationState::Delivered}, "queueing an activation");
    if (!n)
        return tl::unexpected(n.error());
    (*n)->state = NodeRotationState::Activating;
    (*n)->activationJob = job;
    (*n)->gatewayEpoch = m_oldEpoch;
    (*n)->viewAttempts = 0;
    return {};
}

Result<void> RotationPlan::setGatewayEpoch(quint8 id, quint16 epoch, int jobAttempts)
{
    const auto n = nodeIn(id, {NodeRotationState::Activating}, "switching the gateway's key");
    if (!n)
        return tl::unexpected(n.error());
    if (epoch != m_oldEpoch && epoch != m_newEpoch)
        return fail(ErrorCode::InvalidArgument,
                    u"epoch %1 is neither the old (%2) nor the new one (%3)"_s.arg(epoch)
                            .arg(m_oldEpoch)
                            .arg(m_newEpoch));
    if ((*n)->gatewayEpoch != epoch)
        ++(*n)->switches;
    (*n)->gatewayEpoch = epoch;
    (*n)->viewAttempts = std::max(0, jobAttempts);
    return {};
}

Result<void> RotationPlan::activated(quint8 id)
{
    const auto n = nodeIn(id, {NodeRotationState::Activating}, "marking activated");
    if (!n)
        return tl::unexpected(n.error());
    (*n)->state = NodeRotationState::Activated;
    (*n)->gatewayEpoch = m_newEpoch;
    (*n)->reason.clear();
    return {};
}

Result<void> RotationPlan::usbDone(quint8 id)
{
    if (Result<void> ok
        = requireStep({RotationStep::Generated, RotationStep::Delivering, RotationStep::Activating},
                      "completing a USB step");
        !ok)
        return ok;
    const auto n = nodeIn(id, {NodeRotationState::AwaitingUsb}, "completing a USB step");
    if (!n)
        return tl::unexpected(n.error());
    (*n)->state = NodeRotationState::Activated;
    (*n)->gatewayEpoch = m_newEpoch;
    return {};
}

Result<void> RotationPlan::nodeFailed(quint8 id, const QString &reason)
{
    const auto n = nodeIn(id, {NodeRotationState::Delivering, NodeRotationState::Activating},
                          "marking failed");
    if (!n)
        return tl::unexpected(n.error());
    (*n)->state = NodeRotationState::Failed;
    (*n)->reason = shortReason(reason);
    return {};
}

Result<void> RotationPlan::requeue(quint8 id)
{
    const auto n = nodeIn(id, {NodeRotationState::Delivering, NodeRotationState::Activating},
                          "queueing again");
    if (!n)
        return tl::unexpected(n.error());
    if ((*n)->state == NodeRotationState::Delivering) {
        (*n)->state = NodeRotationState::Pending;
        (*n)->deliveryJob = 0;
    } else {
        (*n)->state = NodeRotationState::Delivered;
        (*n)->activationJob = 0;
        (*n)->gatewayEpoch = m_oldEpoch;
    }
    return {};
}

Result<void> RotationPlan::retry(quint8 id)
{
    if (Result<void> ok
        = requireStep({RotationStep::Generated, RotationStep::Delivering, RotationStep::Activating},
                      "retrying a node");
        !ok)
        return ok;
    const auto n = nodeIn(id, {NodeRotationState::Failed}, "retrying");
    if (!n)
        return tl::unexpected(n.error());
    (*n)->state = (*n)->channel == RotationChannel::Usb ? NodeRotationState::AwaitingUsb
                                                        : NodeRotationState::Pending;
    (*n)->deliveryJob = 0;
    (*n)->activationJob = 0;
    (*n)->reason.clear();
    return {};
}

Result<void> RotationPlan::exclude(quint8 id, const QString &why)
{
    if (Result<void> ok = requireStep({RotationStep::Assessed, RotationStep::Generated,
                                       RotationStep::Delivering, RotationStep::Activating},
                                      "excluding a node");
        !ok)
        return ok;
    const auto n = nodeIn(id,
                          {NodeRotationState::Pending, NodeRotationState::Delivering,
                           NodeRotationState::Delivered, NodeRotationState::AwaitingUsb,
                           NodeRotationState::Failed},
                          "excluding");
    if (!n)
        return tl::unexpected(n.error());
    (*n)->state = NodeRotationState::Excluded;
    (*n)->reason = shortReason(why.isEmpty() ? u"excluded"_s : why);
    return {};
}

void RotationPlan::setTraffic(int attempts, int requestFrames)
{
    m_attempts = std::max(0, attempts);
    m_requestFrames = std::max(0, requestFrames);
}

RotationReport RotationPlan::report(qint64 rotationId) const
{
    RotationReport r;
    r.rotation = rotationId;
    r.oldEpoch = m_oldEpoch;
    r.newEpoch = m_newEpoch;
    r.keyFingerprint = m_fingerprint;
    r.step = m_step;
    r.nodes = m_nodes;
    for (const NodeRotationStatus &n : m_nodes) {
        r.activated += n.state == NodeRotationState::Activated;
        r.excluded += n.state == NodeRotationState::Excluded;
    }
    r.attempts = m_attempts;
    r.requestFrames = m_requestFrames;
    r.startedMs = m_startedMs;
    r.finishedMs = m_finishedMs;
    return r;
}

// --- the stored image ---------------------------------------------------------------------

QJsonObject RotationPlan::toJson() const
{
    QJsonArray nodes;
    for (const NodeRotationStatus &n : m_nodes) {
        QJsonObject o {{u"node"_s, int(n.node)},
                       {u"usb"_s, n.channel == RotationChannel::Usb},
                       {u"state"_s, QLatin1StringView(nodeRotationStateName(n.state))},
                       {u"gatewayEpoch"_s, int(n.gatewayEpoch)}};
        if (n.deliveryJob > 0)
            o.insert(u"deliveryJob"_s, n.deliveryJob);
        if (n.activationJob > 0)
            o.insert(u"activationJob"_s, n.activationJob);
        if (n.viewAttempts > 0)
            o.insert(u"viewAttempts"_s, n.viewAttempts);
        if (n.switches > 0)
            o.insert(u"switches"_s, n.switches);
        if (!n.reason.isEmpty())
            o.insert(u"reason"_s, n.reason);
        nodes.append(o);
    }
    return QJsonObject {{u"version"_s, kVersion},
                        {u"step"_s, QLatin1StringView(rotationStepName(m_step))},
                        {u"oldEpoch"_s, int(m_oldEpoch)},
                        {u"newEpoch"_s, int(m_newEpoch)},
                        {u"fingerprint"_s, m_fingerprint},
                        {u"who"_s, m_who},
                        {u"why"_s, m_why},
                        {u"startedMs"_s, m_startedMs},
                        {u"finishedMs"_s, m_finishedMs},
                        {u"attempts"_s, m_attempts},
                        {u"requestFrames"_s, m_requestFrames},
                        {u"nodes"_s, nodes}};
}

Result<RotationPlan> RotationPlan::fromJson(const QJsonObject &json)
{
    const int version = json.value(u"version"_s).toInt(-1);
    if (version != kVersion)
        return fail(
                ErrorCode::Malformed,
                u"rotation state version %1 is not supported (this build reads %2)"_s.arg(version)
                        .arg(kVersion));
    RotationPlan plan;
    const auto step = fromName<RotationStep>(kStepNames, json.value(u"step"_s).toString());
    if (!step)
        return fail(ErrorCode::Malformed, u"the rotation state has no known step"_s);
    plan.m_step = *step;
    auto epoch = [&](const char *key) -> int {
        const int v = json.value(QLatin1StringView(key)).toInt(0);
        return v >= 1 && v <= 0xFFFF ? v : 0;
    };
    plan.m_oldEpoch = quint16(epoch("oldEpoch"));
    plan.m_newEpoch = quint16(epoch("newEpoch"));
    if (plan.m_oldEpoch == 0 || plan.m_newEpoch <= plan.m_oldEpoch)
        return fail(ErrorCode::Malformed, u"the rotation state has invalid epochs"_s);
    plan.m_fingerprint = json.value(u"fingerprint"_s).toString();
    if (plan.m_step != RotationStep::Assessed && plan.m_step != RotationStep::Cancelled
        && !validFingerprint(plan.m_fingerprint))
        return fail(ErrorCode::Malformed, u"the rotation state has no valid key fingerprint"_s);
    plan.m_who = shortReason(json.value(u"who"_s).toString());
    plan.m_why = shortReason(json.value(u"why"_s).toString());
    plan.m_startedMs = json.value(u"startedMs"_s).toInteger(0);
    plan.m_finishedMs = json.value(u"finishedMs"_s).toInteger(0);
    plan.m_attempts = std::max(0, json.value(u"attempts"_s).toInt(0));
    plan.m_requestFrames = std::max(0, json.value(u"requestFrames"_s).toInt(0));
    const QJsonValue nodesValue = json.value(u"nodes"_s);
    if (!nodesValue.isArray() || nodesValue.toArray().isEmpty())
        return fail(ErrorCode::Malformed, u"the rotation state has no nodes"_s);
    QSet<int> seen;
    for (const QJsonValue &v : nodesValue.toArray()) {
        const QJsonObject o = v.toObject();
        const int id = o.value(u"node"_s).toInt(0);
        if (id < 1 || id > 254 || seen.contains(id))
            return fail(ErrorCode::Malformed,
                        u"the rotation state has an invalid or repeated node id"_s);
        seen.insert(id);
        const auto state = fromName<NodeRotationState>(kStateNames, o.value(u"state"_s).toString());
        if (!state)
            return fail(ErrorCode::Malformed,
                        u"node %1 of the rotation state has no known state"_s.arg(id));
        NodeRotationStatus n;
        n.node = quint8(id);
        n.channel = o.value(u"usb"_s).toBool() ? RotationChannel::Usb : RotationChannel::OverTheAir;
        n.state = *state;
        n.deliveryJob = std::max<qint64>(0, o.value(u"deliveryJob"_s).toInteger(0));
        n.activationJob = std::max<qint64>(0, o.value(u"activationJob"_s).toInteger(0));
        const int view = o.value(u"gatewayEpoch"_s).toInt(plan.m_oldEpoch);
        if (view != plan.m_oldEpoch && view != plan.m_newEpoch)
            return fail(ErrorCode::Malformed,
                        u"node %1 of the rotation state names epoch %2"_s.arg(id).arg(view));
        n.gatewayEpoch = quint16(view);
        n.viewAttempts = std::max(0, o.value(u"viewAttempts"_s).toInt(0));
        n.switches = std::max(0, o.value(u"switches"_s).toInt(0));
        n.reason = shortReason(o.value(u"reason"_s).toString());
        const bool usbState = n.state == NodeRotationState::AwaitingUsb;
        const bool airState = n.state == NodeRotationState::Delivering
                              || n.state == NodeRotationState::Delivered
                              || n.state == NodeRotationState::Activating;
        if ((usbState && n.channel != RotationChannel::Usb)
            || (airState && n.channel != RotationChannel::OverTheAir))
            return fail(ErrorCode::Malformed,
                        u"node %1 of the rotation state is %2, which its channel cannot be"_s.arg(
                                QString::number(id),
                                QLatin1StringView(nodeRotationStateName(n.state))));
        if ((n.state == NodeRotationState::Delivering && n.deliveryJob == 0)
            || (n.state == NodeRotationState::Activating && n.activationJob == 0))
            return fail(ErrorCode::Malformed,
                        u"node %1 of the rotation state has no job for its state"_s.arg(id));
        plan.m_nodes.append(n);
    }
    std::sort(plan.m_nodes.begin(), plan.m_nodes.end(),
              [](const auto &a, const auto &b) { return a.node < b.node; });
    return plan;
}

} // namespace Internal
} // namespace Warden
