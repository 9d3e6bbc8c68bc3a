#include "engine/rotationreport_p.h"

#include <warden/inventory.h>
#include <warden/managementtypes.h>

#include <QtCore/QDateTime>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Warden {

namespace {

constexpr int kReportVersion = 1;
constexpr int kSteps = int(RotationStep::Cancelled) + 1;
constexpr int kStates = int(NodeRotationState::Excluded) + 1;

QString utcText(qint64 ms)
{
    if (ms <= 0)
        return u"-"_s;
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(u"yyyy-MM-dd HH:mm:ss"_s)
           + u" UTC"_s;
}

/// The epoch whose key the node holds at the end: the new one once activated; an excluded
/// node keeps the old one (and is cut off when it retires).
quint16 heldEpoch(const RotationReport &r, const NodeRotationStatus &n)
{
    if (n.state == NodeRotationState::Activated)
        return r.newEpoch;
    if (n.state == NodeRotationState::Excluded)
        return r.oldEpoch;
    return n.gatewayEpoch > 0 ? n.gatewayEpoch : r.oldEpoch;
}

} // namespace

QString RotationReport::exportText() const
{
    QStringList lines;
    lines << u"Key rotation %1: %2"_s.arg(rotation).arg(text());
    lines << u"Started:  %1%2"_s.arg(utcText(startedUtcMs))
                     .arg(who.isEmpty() ? QString() : u" by %1"_s.arg(who));
    if (!why.isEmpty())
        lines << u"Why:      %1"_s.arg(why);
    lines << u"Finished: %1 (%2)"_s.arg(utcText(finishedUtcMs))
                     .arg(QLatin1StringView(rotationStepName(step)));
    lines << QString();
    lines << u"node  channel       outcome      holds epoch  delivered                "
             u"activated                problems"_s;
    for (const NodeRotationStatus &n : nodes) {
        QString problem = n.problems.isEmpty() ? u"-"_s : n.problems.join(u"; "_s);
        if (!n.reason.isEmpty() && !n.problems.contains(n.reason))
            problem = problem == u"-"_s ? n.reason : problem + u"; "_s + n.reason;
        lines << u"%1  %2  %3  %4  %5  %6  %7"_s.arg(n.node, 4)
                         .arg(n.channel == RotationChannel::Usb ? u"USB"_s : u"over the air"_s, -12)
                         .arg(QLatin1StringView(nodeRotationStateName(n.state)), -11)
                         .arg(heldEpoch(*this, n), -11)
                         .arg(utcText(n.deliveredUtcMs), -23)
                         .arg(utcText(n.activatedUtcMs), -23)
                         .arg(problem);
    }
    return lines.join(u'\n') + u'\n';
}

namespace Internal {

RotationReport completeRotationReport(RotationReport report, const Inventory &inventory,
                                      const QString &who, const QString &why)
{
    report.who = who;
    report.why = why;
    report.finishedUtcMs = QDateTime::currentMSecsSinceEpoch();
    if (const auto rotations = inventory.rotations()) {
        for (const RotationRecord &r : *rotations)
            if (r.id == report.rotation)
                report.startedUtcMs = r.createdMs;
    }
    using Op = Protocol::ManagementOperation;
    for (NodeRotationStatus &n : report.nodes) {
        JobFilter filter;
        filter.node = n.node;
        filter.kind = u"management"_s;
        const auto jobs = inventory.jobs(filter);
        if (jobs) {
            for (const Job &j : *jobs) {
                const QJsonObject payload = QJsonDocument::fromJson(j.payload.toUtf8()).object();
                const auto action
                        = ManagementAction::fromJson(payload.value(u"action"_s).toObject());
                if (!action || action->epoch != report.newEpoch
                    || (action->operation != Op::SetNetworkKey
                        && action->operation != Op::ActivateEpoch))
                    continue;
                // Only jobs of this rotation: not older than its start.
                if (report.startedUtcMs > 0 && j.createdMs < report.startedUtcMs)
                    continue;
                const bool delivery = action->operation == Op::SetNetworkKey;
                if (j.state == JobState::Done) {
                    qint64 &when = delivery ? n.deliveredUtcMs : n.activatedUtcMs;
                    when = std::max(when, j.updatedMs);
                } else if (j.state == JobState::Failed || j.state == JobState::Cancelled) {
                    n.problems << u"job %1 (%2) %3 after %4 attempt(s): %5"_s.arg(j.id)
                                          .arg(action->operationName())
                                          .arg(j.state == JobState::Failed ? u"failed"_s
                                                                           : u"cancelled"_s)
                                          .arg(j.attempts)
                                          .arg(j.lastError.isEmpty() ? u"no reason given"_s
                                                                     : j.lastError);
                }
            }
        }
        if (n.channel == RotationChannel::Usb && n.state == NodeRotationState::Activated) {
            AuditFilter audit;
            audit.node = n.node;
            audit.what = u"rotate.usb-done"_s;
            if (const auto log = inventory.auditLog(audit)) {
                for (const AuditEntry &e : *log)
                    if (e.details.value(u"rotation"_s).toInteger() == report.rotation)
                        n.activatedUtcMs = std::max(n.activatedUtcMs, e.whenMs);
            }
        }
    }
    return report;
}

QJsonObject rotationReportJson(const RotationReport &r)
{
    QJsonArray nodes;
    for (const NodeRotationStatus &n : r.nodes) {
        nodes.append(QJsonObject {
                {u"node"_s, int(n.node)},
                {u"usb"_s, n.channel == RotationChannel::Usb},
                {u"state"_s, QLatin1StringView(nodeRotationStateName(n.state))},
                {u"gatewayEpoch"_s, int(n.gatewayEpoch)},
                {u"deliveryJob"_s, n.deliveryJob},
                {u"activationJob"_s, n.activationJob},
                {u"reason"_s, n.reason},
                {u"deliveredUtcMs"_s, n.deliveredUtcMs},
                {u"activatedUtcMs"_s, n.activatedUtcMs},
                {u"problems"_s, QJsonArray::fromStringList(n.problems)},
        });
    }
    return QJsonObject {
            {u"version"_s, kReportVersion},
            {u"rotation"_s, r.rotation},
            {u"oldEpoch"_s, int(r.oldEpoch)},
            {u"newEpoch"_s, int(r.newEpoch)},
            {u"fingerprint"_s, r.keyFingerprint},
            {u"step"_s, QLatin1StringView(rotationStepName(r.step))},
            {u"activated"_s, r.activated},
            {u"excluded"_s, r.excluded},
            {u"attempts"_s, r.attempts},
            {u"requestFrames"_s, r.requestFrames},
            {u"startedMs"_s, r.startedMs},
            {u"finishedMs"_s, r.finishedMs},
            {u"who"_s, r.who},
            {u"why"_s, r.why},
            {u"startedUtcMs"_s, r.startedUtcMs},
            {u"finishedUtcMs"_s, r.finishedUtcMs},
            {u"nodes"_s, nodes},
    };
}

Result<RotationReport> rotationReportFromJson(const QJsonObject &o)
{
    auto bad = [](const QString &what) {
        return fail(ErrorCode::Malformed, u"the stored rotation report is unreadable: "_s + what);
    };
    if (o.value(u"version"_s).toInt(-1) != kReportVersion)
        return bad(
                u"version %1 is not %2"_s.arg(o.value(u"version"_s).toInt(-1)).arg(kReportVersion));
    auto epoch = [&](const char *name) -> std::optional<quint16> {
        const qint64 v = o.value(QLatin1StringView(name)).toInteger(-1);
        if (v < 1 || v > 65535)
            return std::nullopt;
        return quint16(v);
    };
    RotationReport r;
    r.rotation = o.value(u"rotation"_s).toInteger();
    const auto oldEpoch = epoch("oldEpoch");
    const auto newEpoch = epoch("newEpoch");
    if (r.rotation < 1 || !oldEpoch || !newEpoch)
        return bad(u"the rotation id or an epoch is out of range"_s);
    r.oldEpoch = *oldEpoch;
    r.newEpoch = *newEpoch;
    r.keyFingerprint = o.value(u"fingerprint"_s).toString();
    const QString step = o.value(u"step"_s).toString();
    int s = 0;
    while (s < kSteps && step != QLatin1StringView(rotationStepName(RotationStep(s))))
        ++s;
    if (s == kSteps)
        return bad(u"unknown step"_s);
    r.step = RotationStep(s);
    r.activated = o.value(u"activated"_s).toInt();
    r.excluded = o.value(u"excluded"_s).toInt();
    r.attempts = o.value(u"attempts"_s).toInt();
    r.requestFrames = o.value(u"requestFrames"_s).toInt();
    r.startedMs = o.value(u"startedMs"_s).toInteger();
    r.finishedMs = o.value(u"finishedMs"_s).toInteger();
    r.who = o.value(u"who"_s).toString();
    r.why = o.value(u"why"_s).toString();
    r.startedUtcMs = o.value(u"startedUtcMs"_s).toInteger();
    r.finishedUtcMs = o.value(u"finishedUtcMs"_s).toInteger();
    if (!o.value(u"nodes"_s).isArray())
        return bad(u"the node list is missing"_s);
    for (const QJsonValue &v : o.value(u"nodes"_s).toArray()) {
        const QJsonObject j = v.toObject();
        NodeRotationStatus n;
        const qint64 id = j.value(u"node"_s).toInteger(-1);
        if (id < 1 || id > 254)
            return bad(u"a node id is not 1..254"_s);
        n.node = quint8(id);
        n.channel = j.value(u"usb"_s).toBool() ? RotationChannel::Usb : RotationChannel::OverTheAir;
        const QString state = j.value(u"state"_s).toString();
        int st = 0;
        while (st < kStates
               && state != QLatin1StringView(nodeRotationStateName(NodeRotationState(st))))
            ++st;
        if (st == kStates)
            return bad(u"node %1 has an unknown state"_s.arg(id));
        n.state = NodeRotationState(st);
        n.gatewayEpoch = quint16(j.value(u"gatewayEpoch"_s).toInt());
        n.deliveryJob = j.value(u"deliveryJob"_s).toInteger();
        n.activationJob = j.value(u"activationJob"_s).toInteger();
        n.reason = j.value(u"reason"_s).toString();
        n.deliveredUtcMs = j.value(u"deliveredUtcMs"_s).toInteger();
        n.activatedUtcMs = j.value(u"activatedUtcMs"_s).toInteger();
        for (const QJsonValue &p : j.value(u"problems"_s).toArray())
            n.problems << p.toString();
        r.nodes << n;
    }
    return r;
}

Result<void> storeRotationReport(Inventory &inventory, const RotationReport &report)
{
    RotationReportRecord record;
    record.rotation = report.rotation;
    record.step = QString::fromLatin1(rotationStepName(report.step));
    record.report = rotationReportJson(report);
    record.finishedMs = report.finishedUtcMs;
    const auto receipt = inventory.saveRotationReport(record);
    if (!receipt)
        return tl::unexpected(receipt.error());
    // flush() commits at once; waiting for the ticket alone would wait out the interval.
    if (Result<void> ok = inventory.flush(); !ok)
        return ok;
    return inventory.waitForCommitted(receipt->ticket);
}

Result<std::optional<RotationReport>> storedRotationReport(const Inventory &inventory,
                                                           qint64 rotation)
{
    const auto record = inventory.rotationReport(rotation);
    if (!record)
        return tl::unexpected(record.error());
    if (!*record)
        return std::optional<RotationReport> {};
    Result<RotationReport> report = rotationReportFromJson((*record)->report);
    if (!report)
        return fail(ErrorCode::Malformed,
                    u"rotation %1: %2"_s.arg((*record)->rotation).arg(report.error().message()));
    return std::optional<RotationReport>(std::move(*report));
}

} // namespace Internal
} // namespace Warden
