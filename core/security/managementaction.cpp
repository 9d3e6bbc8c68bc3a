// ManagementAction: construction, validation and the key-free JSON form the job table keeps.
#include <warden/managementtypes.h>

#include <QtCore/QJsonArray>
#include <QtCore/QSet>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Warden {

namespace {

using Op = Protocol::ManagementOperation;

bool carriesKey(Op operation)
{
    return operation == Op::SetLinkKey || operation == Op::SetNetworkKey;
}

bool isFingerprintText(const QString &text)
{
    // SecretBytes::fingerprint(): "ab12-cd34-ef56-7890".
    if (text.size() != 19)
        return false;
    for (int i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (i % 5 == 4) {
            if (c != u'-')
                return false;
        } else if (!((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f'))) {
            return false;
        }
    }
    return true;
}

} // namespace

ManagementAction ManagementAction::replaceWhitelist(QList<WhitelistItem> entries)
{
    ManagementAction a;
    a.operation = Op::ReplaceWhitelist;
    a.whitelist = std::move(entries);
    return a.normalized();
}

ManagementAction ManagementAction::addWhitelistEntry(quint8 node, const QByteArray &serial)
{
    ManagementAction a;
    a.operation = Op::AddWhitelistEntry;
    a.whitelist = {WhitelistItem {node, serial}};
    return a;
}

ManagementAction ManagementAction::removeWhitelistEntry(quint8 node)
{
    ManagementAction a;
    a.operation = Op::RemoveWhitelistEntry;
    a.removedNode = node;
    return a;
}

ManagementAction ManagementAction::setSigningPolicy(quint8 flags, QList<SigningPeerItem> peers)
{
    ManagementAction a;
    a.operation = Op::SetSigningPolicy;
    a.policyFlags = flags;
    a.peers = std::move(peers);
    return a.normalized();
}

ManagementAction ManagementAction::setLinkKey(const QString &keyFingerprint)
{
    ManagementAction a;
    a.operation = Op::SetLinkKey;
    a.keyFingerprint = keyFingerprint;
    return a;
}

ManagementAction ManagementAction::setNetworkKey(quint16 epoch, const QString &keyFingerprint)
{
    ManagementAction a;
    a.operation = Op::SetNetworkKey;
    a.epoch = epoch;
    a.keyFingerprint = keyFingerprint;
    return a;
}

ManagementAction ManagementAction::activateEpoch(quint16 epoch)
{
    ManagementAction a;
    a.operation = Op::ActivateEpoch;
    a.epoch = epoch;
    return a;
}

ManagementAction ManagementAction::readConfigDigest()
{
    return ManagementAction {};
}

ManagementAction ManagementAction::factoryReset(quint8 scope)
{
    ManagementAction a;
    a.operation = Op::FactoryReset;
    a.resetScope = scope;
    return a;
}

QString ManagementAction::operationName() const
{
    return QString::fromLatin1(Protocol::managementOperationName(operation));
}

ManagementAction ManagementAction::normalized() const
{
    ManagementAction a = *this;
    std::stable_sort(
            a.whitelist.begin(), a.whitelist.end(),
            [](const WhitelistItem &x, const WhitelistItem &y) { return x.node < y.node; });
    std::stable_sort(
            a.peers.begin(), a.peers.end(),
            [](const SigningPeerItem &x, const SigningPeerItem &y) { return x.node < y.node; });
    return a;
}

Result<void> ManagementAction::validate() const
{
    if (!Protocol::isKnownManagementOperation(uint8_t(operation)))
        return fail(ErrorCode::InvalidArgument,
                    u"unknown management operation %1"_s.arg(int(operation)));
    const QString name = operationName();
    QSet<quint8> ids;
    for (const WhitelistItem &w : whitelist) {
        if (w.node == 255)
            return fail(ErrorCode::InvalidArgument,
                        u"%1: whitelist node id 255 is not a node"_s.arg(name));
        if (w.serial.size() != qsizetype(Protocol::kSerialSize))
            return fail(ErrorCode::InvalidArgument,
                        u"%1: the serial of whitelist entry %2 has %3 bytes, not 9"_s.arg(name)
                                .arg(w.node)
                                .arg(w.serial.size()));
        if (ids.contains(w.node))
            return fail(ErrorCode::InvalidArgument,
                        u"%1: node %2 is listed twice in the whitelist"_s.arg(name).arg(w.node));
        ids.insert(w.node);
    }
    ids.clear();
    for (const SigningPeerItem &p : peers) {
        if (p.node == 255)
            return fail(ErrorCode::InvalidArgument, u"%1: peer id 255 is not a node"_s.arg(name));
        if (!p.requiresSignatures && !p.requiresWhitelisting)
            return fail(ErrorCode::InvalidArgument,
                        u"%1: peer %2 requires nothing (leave it out)"_s.arg(name).arg(p.node));
        if (ids.contains(p.node))
            return fail(ErrorCode::InvalidArgument,
                        u"%1: peer %2 is listed twice"_s.arg(name).arg(p.node));
        ids.insert(p.node);
    }
    switch (operation) {
    case Op::ReplaceWhitelist:
        if (whitelist.size() > qsizetype(Protocol::kManagementMaxWhitelistEntries))
            return fail(ErrorCode::InvalidArgument,
                        u"%1: %2 entries, at most 16 fit one request"_s.arg(name).arg(
                                whitelist.size()));
        break;
    case Op::AddWhitelistEntry:
        if (whitelist.size() != 1)
            return fail(ErrorCode::InvalidArgument,
                        u"%1 takes exactly one entry, not %2"_s.arg(name).arg(whitelist.size()));
        break;
    case Op::RemoveWhitelistEntry:
        if (removedNode == 255)
            return fail(ErrorCode::InvalidArgument, u"%1: node id 255 is not a node"_s.arg(name));
        break;
    case Op::SetSigningPolicy:
        if ((policyFlags & ~Protocol::kPolicyFlagsMask) != 0)
            return fail(
                    ErrorCode::InvalidArgument,
                    u"%1: undefined policy flag bits 0x%2"_s.arg(name).arg(
                            int(policyFlags & ~Protocol::kPolicyFlagsMask), 2, 16, QChar(u'0')));
        if (peers.size() > qsizetype(Protocol::kManagementMaxPeers))
            return fail(ErrorCode::InvalidArgument,
                        u"%1: %2 peers, at most 16 fit one request"_s.arg(name).arg(peers.size()));
        break;
    case Op::SetNetworkKey:
    case Op::ActivateEpoch:
        if (epoch == 0)
            return fail(ErrorCode::InvalidArgument, u"%1: epoch 0 does not exist"_s.arg(name));
        break;
    case Op::FactoryReset:
        if ((resetScope & ~Protocol::kManagementResetEraseManagementKey) != 0)
            return fail(ErrorCode::InvalidArgument,
                        u"%1: undefined scope bits 0x%2"_s.arg(name).arg(int(resetScope), 2, 16,
                                                                         QChar(u'0')));
        break;
    case Op::SetLinkKey:
    case Op::ReadConfigDigest:
        break;
    }
    if (carriesKey(operation) && !isFingerprintText(keyFingerprint))
        return fail(
                ErrorCode::InvalidArgument,
                u"%1 names its key by fingerprint (\"ab12-cd34-ef56-7890\"); none was given"_s.arg(
                        name));
    return {};
}

QJsonObject ManagementAction::toJson() const
{
    QJsonObject o {{u"op"_s, operationName()}};
    switch (operation) {
    case Op::ReplaceWhitelist:
    case Op::AddWhitelistEntry: {
        QJsonArray list;
        for (const WhitelistItem &w : whitelist)
            list.append(QJsonObject {{u"node"_s, int(w.node)},
                                     {u"serial"_s, QString::fromLatin1(w.serial.toHex())}});
        o.insert(u"whitelist"_s, list);
        break;
    }
    case Op::RemoveWhitelistEntry:
        o.insert(u"node"_s, int(removedNode));
        break;
    case Op::SetSigningPolicy: {
        QJsonArray list;
        for (const SigningPeerItem &p : peers)
            list.append(QJsonObject {{u"node"_s, int(p.node)},
                                     {u"sign"_s, p.requiresSignatures},
                                     {u"salt"_s, p.requiresWhitelisting}});
        o.insert(u"flags"_s, int(policyFlags));
        o.insert(u"peers"_s, list);
        break;
    }
    case Op::SetLinkKey:
        o.insert(u"key"_s, keyFingerprint);
        break;
    case Op::SetNetworkKey:
        o.insert(u"epoch"_s, int(epoch));
        o.insert(u"key"_s, keyFingerprint);
        break;
    case Op::ActivateEpoch:
        o.insert(u"epoch"_s, int(epoch));
        break;
    case Op::FactoryReset:
        o.insert(u"scope"_s, int(resetScope));
        break;
    case Op::ReadConfigDigest:
        break;
    }
    return o;
}

Result<ManagementAction> ManagementAction::fromJson(const QJsonObject &json)
{
    ManagementAction a;
    const QString opName = json.value(u"op"_s).toString();
    bool found = false;
    for (uint8_t v = 1; v <= 9 && !found; ++v) {
        if (opName == QLatin1String(Protocol::managementOperationName(Op(v)))) {
            a.operation = Op(v);
            found = true;
        }
    }
    if (!found)
        return fail(ErrorCode::Malformed,
                    u"unknown management operation \"%1\""_s.arg(opName.left(40)));
    auto integer = [&](const char *key, int max) -> Result<int> {
        const QJsonValue v = json.value(QLatin1String(key));
        const int n = v.toInt(-1);
        if (!v.isDouble() || n < 0 || n > max)
            return fail(ErrorCode::Malformed, u"%1: field \"%2\" missing or out of range"_s.arg(
                                                      opName, QLatin1String(key)));
        return n;
    };
    auto list = [&](const char *key) -> Result<QJsonArray> {
        const QJsonValue v = json.value(QLatin1String(key));
        if (!v.isArray())
            return fail(ErrorCode::Malformed,
                        u"%1: field \"%2\" missing"_s.arg(opName, QLatin1String(key)));
        return v.toArray();
    };
    switch (a.operation) {
    case Op::ReplaceWhitelist:
    case Op::AddWhitelistEntry: {
        const auto entries = list("whitelist");
        if (!entries)
            return tl::unexpected(entries.error());
        for (const QJsonValue &e : *entries) {
            const QJsonObject eo = e.toObject();
            const int node = eo.value(u"node"_s).toInt(-1);
            const QByteArray serial
                    = QByteArray::fromHex(eo.value(u"serial"_s).toString().toLatin1());
            if (node < 0 || node > 254 || serial.size() != 9)
                return fail(ErrorCode::Malformed,
                            u"%1: a whitelist entry is invalid"_s.arg(opName));
            a.whitelist.append({quint8(node), serial});
        }
        break;
    }
    case Op::RemoveWhitelistEntry: {
        const auto node = integer("node", 254);
        if (!node)
            return tl::unexpected(node.error());
        a.removedNode = quint8(*node);
        break;
    }
    case Op::SetSigningPolicy: {
        const auto flags = integer("flags", 255);
        const auto peers = list("peers");
        if (!flags)
            return tl::unexpected(flags.error());
        if (!peers)
            return tl::unexpected(peers.error());
        a.policyFlags = quint8(*flags);
        for (const QJsonValue &e : *peers) {
            const QJsonObject eo = e.toObject();
            const int node = eo.value(u"node"_s).toInt(-1);
            if (node < 0 || node > 254)
                return fail(ErrorCode::Malformed, u"%1: a peer is invalid"_s.arg(opName));
            a.peers.append(
                    {quint8(node), eo.value(u"sign"_s).toBool(), eo.value(u"salt"_s).toBool()});
        }
        break;
    }
    case Op::SetNetworkKey:
    case Op::ActivateEpoch: {
        const auto epoch = integer("epoch", 65535);
        if (!epoch)
            return tl::unexpected(epoch.error());
        a.epoch = quint16(*epoch);
        break;
    }
    case Op::FactoryReset: {
        const auto scope = integer("scope", 255);
        if (!scope)
            return tl::unexpected(scope.error());
        a.resetScope = quint8(*scope);
        break;
    }
    case Op::SetLinkKey:
    case Op::ReadConfigDigest:
        break;
    }
    if (carriesKey(a.operation))
        a.keyFingerprint = json.value(u"key"_s).toString();
    if (Result<void> ok = a.validate(); !ok)
        return fail(ErrorCode::Malformed, ok.error().message());
    return a;
}

} // namespace Warden
