#include "engine/revocationplans_p.h"

#include <warden/inventory.h>
#include <warden/rotation.h>

#include "security/rotationplan.h"

#include <QtCore/QJsonArray>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Warden {

QString PendingRotationPlan::text() const
{
    QString t = u"revocation %1 of node %2: %3"_s.arg(revocationId).arg(node).arg(plan.text());
    if (coveredBy > 0)
        t += u" (covered by rotation %1)"_s.arg(coveredBy);
    return t;
}

namespace Internal {

namespace {

constexpr int kPlanVersion = 1;

const char *const kExposureNames[]
        = {"shared-network-key", "gateway-impersonation", "forged-ids-at-gateway"};

QJsonArray idsJson(const QList<quint8> &nodes)
{
    QJsonArray out;
    for (const quint8 n : nodes)
        out.append(int(n));
    return out;
}

/// Node ids 1..254, no repeats; anything else is the stored image's fault.
std::optional<QList<quint8>> idsFrom(const QJsonValue &value)
{
    if (!value.isArray())
        return std::nullopt;
    QList<quint8> out;
    for (const QJsonValue &v : value.toArray()) {
        const double d = v.toDouble(-1);
        if (!v.isDouble() || d < 1 || d > 254 || d != double(int(d)) || out.contains(quint8(d)))
            return std::nullopt;
        out << quint8(d);
    }
    return out;
}

Result<PendingRotationPlan> planFrom(const RevocationPlanRecord &record)
{
    const QJsonObject &o = record.plan;
    auto bad = [&](const QString &what) {
        return fail(ErrorCode::Malformed,
                    u"the stored plan of revocation %1 is unreadable: %2"_s.arg(record.revocation)
                            .arg(what));
    };
    if (o.value(u"version"_s).toInt(-1) != kPlanVersion)
        return bad(
                u"version %1 is not %2"_s.arg(o.value(u"version"_s).toInt(-1)).arg(kPlanVersion));
    PendingRotationPlan p;
    p.revocationId = record.revocation;
    p.node = record.node;
    p.createdMs = record.createdMs;
    p.plan.needed = true;
    p.plan.burntEpoch = record.burntEpoch;
    const auto lost = idsFrom(o.value(u"lostNodes"_s));
    const auto air = idsFrom(o.value(u"overTheAir"_s));
    const auto usb = idsFrom(o.value(u"usb"_s));
    if (!lost || !air || !usb)
        return bad(u"a node list is not a list of ids 1..254"_s);
    p.plan.lostNodes = *lost;
    p.plan.overTheAir = *air;
    p.plan.usb = *usb;
    for (const QJsonValue &v : o.value(u"exposure"_s).toArray()) {
        const QJsonObject e = v.toObject();
        const QString kind = e.value(u"kind"_s).toString();
        const auto *const found
                = std::find_if(std::begin(kExposureNames), std::end(kExposureNames),
                               [&](const char *name) { return kind == QLatin1StringView(name); });
        const auto nodes = idsFrom(e.value(u"nodes"_s));
        if (found == std::end(kExposureNames) || !nodes)
            return bad(u"an exposure entry is not one this build knows"_s);
        ExposureItem item;
        item.kind = ExposureItem::Kind(std::distance(std::begin(kExposureNames), found));
        item.epoch = quint32(e.value(u"epoch"_s).toInteger());
        item.nodes = *nodes;
        item.until = e.value(u"until"_s).toString();
        item.text = e.value(u"text"_s).toString();
        p.exposure << item;
    }
    return p;
}

} // namespace

QJsonObject revocationPlanJson(const Warden::RotationPlan &plan,
                               const QList<ExposureItem> &exposure)
{
    QJsonArray items;
    for (const ExposureItem &e : exposure)
        items.append(QJsonObject {
                {u"kind"_s, QLatin1StringView(kExposureNames[size_t(e.kind)])},
                {u"epoch"_s, qint64(e.epoch)},
                {u"nodes"_s, idsJson(e.nodes)},
                {u"until"_s, e.until},
                {u"text"_s, e.text},
        });
    return QJsonObject {{u"version"_s, kPlanVersion},
                        {u"lostNodes"_s, idsJson(plan.lostNodes)},
                        {u"overTheAir"_s, idsJson(plan.overTheAir)},
                        {u"usb"_s, idsJson(plan.usb)},
                        {u"exposure"_s, items},
                        {u"text"_s, plan.text()}};
}

Result<QList<PendingRotationPlan>> storedRotationPlans(const Inventory &inventory, bool pendingOnly)
{
    const auto records = inventory.revocationPlans();
    if (!records)
        return tl::unexpected(records.error());
    if (records->isEmpty())
        return QList<PendingRotationPlan> {};
    const auto rotations = inventory.rotations();
    if (!rotations)
        return tl::unexpected(rotations.error());
    struct Started
    {
        qint64 id;
        qint64 createdMs;
        quint16 oldEpoch;
    };
    QList<Started> started;
    for (const RotationRecord &r : *rotations) {
        if (r.scope != QLatin1StringView(KeyRotation::kScope))
            continue;
        const auto plan = Internal::RotationPlan::fromJson(r.state);
        // An unreadable rotation covers nothing; KeyRotation reports it on resume.
        if (!plan || plan->step() == RotationStep::Cancelled)
            continue;
        started << Started {r.id, r.createdMs, plan->oldEpoch()};
    }
    QList<PendingRotationPlan> out;
    for (const RevocationPlanRecord &record : *records) {
        Result<PendingRotationPlan> p = planFrom(record);
        if (!p)
            return tl::unexpected(p.error());
        for (const Started &s : std::as_const(started)) {
            if (s.createdMs >= record.createdMs && s.oldEpoch >= record.burntEpoch) {
                p->coveredBy = s.id;
                break;
            }
        }
        if (!pendingOnly || p->coveredBy == 0)
            out << std::move(*p);
    }
    return out;
}

} // namespace Internal
} // namespace Warden
