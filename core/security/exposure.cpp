#include "exposure.h"

#include <QtCore/QStringList>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Warden::Internal {

namespace {

bool lists(const ExposureNode &n, quint8 id)
{
    // Unknown counts as listed: a removal too many costs a job, one too few a hole.
    return !n.whitelist || n.whitelist->contains(id);
}

QList<quint8> sorted(QList<quint8> ids)
{
    std::sort(ids.begin(), ids.end());
    return ids;
}

} // namespace

QString nodeListText(const QList<quint8> &nodes)
{
    const QList<quint8> ids = sorted(nodes);
    QStringList parts;
    for (qsizetype i = 0; i < ids.size();) {
        qsizetype j = i;
        while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1)
            ++j;
        if (j >= i + 2)
            parts << u"%1-%2"_s.arg(ids[i]).arg(ids[j]);
        else
            for (qsizetype k = i; k <= j; ++k)
                parts << QString::number(ids[k]);
        i = j + 1;
    }
    if (parts.isEmpty())
        return u"none"_s;
    return (ids.size() == 1 ? u"node "_s : u"nodes "_s) + parts.join(u", "_s);
}

ExposureAssessment assessExposure(const ExposureFacts &facts, quint8 lost)
{
    ExposureAssessment a;
    const auto lostIt = std::find_if(facts.nodes.begin(), facts.nodes.end(),
                                     [lost](const ExposureNode &n) { return n.id == lost; });
    // What the lost node knew of the gateway: its serial, if it whitelisted the gateway.
    const bool knewGatewaySerial = lostIt == facts.nodes.end() || lists(*lostIt, 0);

    QList<quint8> sharedUsers; // still sign and verify with the network key
    QList<quint8> openToAnyId; // ... and do not whitelist
    QList<quint8> gatewayPosing; // ... whitelist, and list the gateway's serial
    for (const ExposureNode &n : facts.nodes) {
        if (n.id == lost || n.revoked)
            continue;
        if (n.hasManagementKey && lists(n, lost))
            a.removalTargets << n.id;
        if (n.hasLinkKey)
            continue;
        sharedUsers << n.id;
        if (!n.requiresWhitelisting)
            openToAnyId << n.id;
        else if (knewGatewaySerial && lists(n, 0))
            gatewayPosing << n.id;
        (n.hasManagementKey ? a.plan.overTheAir : a.plan.usb) << n.id;
    }
    a.removalTargets = sorted(a.removalTargets);
    a.plan.lostNodes = {lost};
    // Every node of a network with a shared key was personalized with it, and a node that
    // moved to a link key still has it in its EEPROM: the key is burnt as soon as anyone
    // (the gateway included, for nodes without a link key) still trusts it.
    if (!facts.activeEpoch || sharedUsers.isEmpty()) {
        a.plan.overTheAir.clear();
        a.plan.usb.clear();
        return a;
    }
    const quint32 epoch = *facts.activeEpoch;
    const QString until = u"the rotation away from epoch %1 completes"_s.arg(epoch);
    a.sharedKeyBurnt = true;
    a.plan.needed = true;
    a.plan.burntEpoch = epoch;
    a.plan.overTheAir = sorted(a.plan.overTheAir);
    a.plan.usb = sorted(a.plan.usb);

    ExposureItem key;
    key.kind = ExposureItem::Kind::SharedNetworkKey;
    key.epoch = epoch;
    key.nodes = sorted(openToAnyId);
    key.until = until;
    key.text = openToAnyId.isEmpty()
                       ? u"the shared network key of epoch %1 is burnt (node %2 held it); every "
                         u"node that uses it whitelists, so it alone forges nothing there"_s
                                 .arg(epoch)
                                 .arg(lost)
                       : u"the shared network key of epoch %1 is burnt (node %2 held it): its "
                         u"holder can sign as any node to %3, which do not whitelist"_s.arg(epoch)
                                 .arg(lost)
                                 .arg(nodeListText(openToAnyId));
    a.items << key;
    if (!gatewayPosing.isEmpty()) {
        ExposureItem gateway;
        gateway.kind = ExposureItem::Kind::GatewayImpersonation;
        gateway.epoch = epoch;
        gateway.nodes = sorted(gatewayPosing);
        gateway.until = until;
        gateway.text
                = u"node %1 knew the gateway's serial: with the key of epoch %2 its holder "
                  u"can pose as the gateway to %3, whose whitelist lists the gateway"_s.arg(lost)
                          .arg(epoch)
                          .arg(nodeListText(gatewayPosing));
        a.items << gateway;
    }
    if (!facts.gatewayWhitelists) {
        ExposureItem forged;
        forged.kind = ExposureItem::Kind::ForgedIdsAtGateway;
        forged.epoch = epoch;
        forged.nodes = sorted(sharedUsers);
        forged.until = until;
        forged.text = u"the gateway does not whitelist: the holder can send frames as %1 to "
                      u"the gateway"_s.arg(nodeListText(sharedUsers));
        a.items << forged;
    }
    return a;
}

} // namespace Warden::Internal
