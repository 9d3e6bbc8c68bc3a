#include "managementsession.h"

#include "crypto/botansha256.h"

#include <algorithm>
#include <vector>

using namespace Qt::StringLiterals;

namespace Warden {
namespace Internal {

namespace {

constexpr quint8 kGatewayId = 0;

QString buildErrorText(Protocol::ManagementBuildError error)
{
    return QString::fromLatin1(Protocol::managementBuildErrorName(error));
}

/// Copies a validated whitelist into protocol entries (sorted by the caller).
std::vector<Protocol::WhitelistEntry> toEntries(const QList<WhitelistItem> &items)
{
    std::vector<Protocol::WhitelistEntry> out(size_t(items.size()));
    for (qsizetype i = 0; i < items.size(); ++i) {
        out[size_t(i)].nodeId = items[i].node;
        // Bounded by the serial's own size too: GCC's -O3 -Warray-bounds cannot see the
        // caller's validation and would take an empty QByteArray's 1-byte storage as the source.
        const QByteArray &serial = items[i].serial;
        std::copy(serial.cbegin(),
                  serial.cbegin() + std::min<qsizetype>(serial.size(), Protocol::kSerialSize),
                  out[size_t(i)].serial);
    }
    return out;
}

} // namespace

struct ManagementSession::Buffers
{
    Buffers()
        : builder(botanSha256())
        , ackReceiver(botanSha256())
    { }
    Protocol::ManagementKeys keys;
    Protocol::ManagementRequestBuilder builder;
    Protocol::ManagementAckReceiver ackReceiver;
};

ManagementSession::ManagementSession()
    : m_buffers(std::make_unique<Buffers>())
{ }

ManagementSession::~ManagementSession()
{
    clear();
}

void ManagementSession::clear()
{
    m_buffers->keys.clear();
    m_buffers->builder.clear();
    m_buffers->ackReceiver.clear();
    m_active = false;
    m_nodeCounter.reset();
    m_digest.clear();
    m_rejection.clear();
}

Result<void> ManagementSession::begin(quint8 node, const SecretBytes &managementKey,
                                      QByteArrayView serial, quint32 counter,
                                      const ManagementAction &requested,
                                      const SecretBytes &deliveredKey)
{
    clear();
    if (node == kGatewayId || node == 255)
        return fail(ErrorCode::InvalidArgument,
                    u"node %1 cannot be managed (ids 1..254 only)"_s.arg(node));
    if (managementKey.size() != Protocol::kManagementKeySize)
        return fail(ErrorCode::InvalidArgument,
                    u"the management key of node %1 has %2 bytes, not 32"_s.arg(node).arg(
                            managementKey.size()));
    if (serial.size() != qsizetype(Protocol::kSerialSize))
        return fail(ErrorCode::InvalidArgument,
                    u"the serial of node %1 has %2 bytes, not 9"_s.arg(node).arg(serial.size()));
    if (counter == 0)
        return fail(ErrorCode::InvalidArgument, u"management counter 0 is never accepted"_s);
    if (Result<void> ok = requested.validate(); !ok)
        return ok;
    const ManagementAction action = requested.normalized();
    const bool carriesKey = action.operation == Protocol::ManagementOperation::SetLinkKey
                            || action.operation == Protocol::ManagementOperation::SetNetworkKey;
    if (carriesKey && deliveredKey.size() != Protocol::kManagementKeySize)
        return fail(
                ErrorCode::InvalidArgument,
                u"%1 for node %2 needs a 32-byte key, got %3 bytes"_s.arg(action.operationName())
                        .arg(node)
                        .arg(deliveredKey.size()));

    Buffers &b = *m_buffers;
    b.keys.derive(botanSha256(), managementKey.data(),
                  reinterpret_cast<const uint8_t *>(serial.data()));
    using Op = Protocol::ManagementOperation;
    Protocol::ManagementBuildError error = Protocol::ManagementBuildError::None;
    switch (action.operation) {
    case Op::ReplaceWhitelist: {
        const auto entries = toEntries(action.whitelist);
        error = b.builder.beginReplaceWhitelist(b.keys, counter, entries.data(), entries.size());
        break;
    }
    case Op::AddWhitelistEntry: {
        const auto entries = toEntries(action.whitelist);
        error = b.builder.beginAddWhitelistEntry(b.keys, counter, entries.front());
        break;
    }
    case Op::RemoveWhitelistEntry:
        error = b.builder.beginRemoveWhitelistEntry(b.keys, counter, action.removedNode);
        break;
    case Op::SetSigningPolicy: {
        std::vector<Protocol::SigningPeer> peers;
        for (const SigningPeerItem &p : action.peers) {
            peers.push_back({p.node, uint8_t((p.requiresSignatures ? 1 : 0)
                                             | (p.requiresWhitelisting ? 2 : 0))});
        }
        const Protocol::SigningPolicy policy {action.policyFlags, peers.data(), peers.size()};
        error = b.builder.beginSetSigningPolicy(b.keys, counter, policy);
        break;
    }
    case Op::SetLinkKey:
        error = b.builder.beginSetLinkKey(b.keys, counter, deliveredKey.data());
        break;
    case Op::SetNetworkKey:
        error = b.builder.beginSetNetworkKey(b.keys, counter, action.epoch, deliveredKey.data());
        break;
    case Op::ActivateEpoch:
        error = b.builder.beginActivateEpoch(b.keys, counter, action.epoch);
        break;
    case Op::ReadConfigDigest:
        error = b.builder.beginReadConfigDigest(b.keys, counter);
        break;
    case Op::FactoryReset:
        error = b.builder.beginFactoryReset(b.keys, counter, action.resetScope);
        break;
    }
    if (error != Protocol::ManagementBuildError::None) {
        b.keys.clear();
        return fail(ErrorCode::InvalidArgument,
                    u"the %1 request for node %2 was not built: %3"_s.arg(action.operationName())
                            .arg(node)
                            .arg(buildErrorText(error)));
    }
    m_node = node;
    m_counter = counter;
    m_operation = action.operation;
    m_active = true;
    return {};
}

int ManagementSession::frameCount() const
{
    return m_active ? int(m_buffers->builder.frameCount()) : 0;
}

Protocol::Message ManagementSession::frame(int index) const
{
    Protocol::Message m;
    if (m_active)
        m_buffers->builder.frame(size_t(index), m, kGatewayId, m_node);
    return m;
}

QList<Protocol::Message> ManagementSession::frames() const
{
    QList<Protocol::Message> out;
    for (int i = 0; i < frameCount(); ++i)
        out.append(frame(i));
    return out;
}

ManagementSession::AckOutcome ManagementSession::feed(const Protocol::Message &frame, quint32 nowMs)
{
    if (!m_active || frame.sender() != m_node || frame.destination() != kGatewayId)
        return AckOutcome::Ignored;
    Buffers &b = *m_buffers;
    using S = Protocol::ManagementStatus;
    const S status = b.ackReceiver.feed(frame, nowMs);
    switch (status) {
    case S::NotManagement:
    case S::Duplicate:
        return AckOutcome::Ignored;
    case S::NeedMore:
        return AckOutcome::NeedMore;
    case S::Assembled:
        break;
    default:
        m_rejection = QString::fromLatin1(Protocol::managementStatusName(status));
        return AckOutcome::Rejected;
    }
    const S opened = b.ackReceiver.open(b.keys, uint8_t(m_operation), m_counter);
    if (opened != S::Complete) {
        m_rejection = QString::fromLatin1(Protocol::managementStatusName(opened));
        b.ackReceiver.clear();
        return AckOutcome::Rejected;
    }
    m_result = b.ackReceiver.result();
    m_digest.clear();
    m_nodeCounter.reset();
    if (const uint8_t *digest = b.ackReceiver.configDigest())
        m_digest = QByteArray(reinterpret_cast<const char *>(digest), Protocol::kSha256DigestSize);
    quint32 last = 0;
    if (b.ackReceiver.lastAcceptedCounter(last))
        m_nodeCounter = last;
    b.ackReceiver.clear();
    return AckOutcome::Answered;
}

Result<QByteArray> ManagementSession::configDigest(const NodeConfiguration &config)
{
    if (!config.serial.isEmpty() && config.serial.size() != qsizetype(Protocol::kSerialSize))
        return fail(ErrorCode::InvalidArgument,
                    u"the expected serial has %1 bytes, not 9"_s.arg(config.serial.size()));
    for (const WhitelistItem &w : config.whitelist) {
        if (w.serial.size() != qsizetype(Protocol::kSerialSize) || w.node == 255)
            return fail(ErrorCode::InvalidArgument,
                        u"the expected whitelist entry of node %1 is invalid (id 0..254, "
                        u"9-byte serial)"_s.arg(w.node));
    }
    auto checkKey = [](const SecretBytes &key, const char *what) -> Result<void> {
        if (!key.isEmpty() && key.size() != Protocol::kManagementKeySize)
            return fail(ErrorCode::InvalidArgument,
                        u"the expected %1 has %2 bytes, not 32"_s.arg(QLatin1String(what))
                                .arg(key.size()));
        return {};
    };
    for (const auto &[key, what] : {std::pair {&config.linkKey, "link key"},
                                    std::pair {&config.activeNetworkKey, "active network key"},
                                    std::pair {&config.pendingNetworkKey, "pending network key"}}) {
        if (Result<void> ok = checkKey(*key, what); !ok)
            return tl::unexpected(ok.error());
    }
    uint8_t noSerial[Protocol::kSerialSize];
    std::fill_n(noSerial, sizeof noSerial, 0xFF);
    const std::vector<Protocol::WhitelistEntry> entries = toEntries(config.whitelist);
    Protocol::RequirementTable doSign;
    Protocol::RequirementTable doWhitelist;
    for (const SigningPeerItem &p : config.peers) {
        if (p.requiresSignatures)
            doSign.require(p.node);
        if (p.requiresWhitelisting)
            doWhitelist.require(p.node);
    }
    Protocol::ManagementConfigSummary summary {};
    summary.serial = config.serial.isEmpty()
                             ? noSerial
                             : reinterpret_cast<const uint8_t *>(config.serial.constData());
    summary.whitelist = {entries.data(), entries.size()};
    summary.policyFlags = config.policyFlags;
    summary.doSign = &doSign;
    summary.doWhitelist = &doWhitelist;
    summary.linkKey = config.linkKey.isEmpty() ? nullptr : config.linkKey.data();
    summary.activeEpoch = config.activeEpoch;
    summary.activeNetworkKey
            = config.activeNetworkKey.isEmpty() ? nullptr : config.activeNetworkKey.data();
    summary.pendingEpoch = config.pendingEpoch;
    summary.pendingNetworkKey
            = config.pendingNetworkKey.isEmpty() ? nullptr : config.pendingNetworkKey.data();
    uint8_t out[Protocol::kSha256DigestSize];
    Protocol::computeConfigDigest(botanSha256(), summary, out);
    return QByteArray(reinterpret_cast<const char *>(out), sizeof out);
}

} // namespace Internal
} // namespace Warden
