#include <warden/engine.h>
#include <warden/inventory.h>
#include <warden/signer.h>

#include <warden/protocol/management.h>
#include <warden/protocol/signing.h>
#include <warden/protocol/textcodec.h>

#include <QtCore/QDateTime>
#include <QtCore/QElapsedTimer>
#include <QtCore/QLoggingCategory>
#include <QtCore/QPointer>
#include <QtCore/QTimer>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <vector>

using namespace Qt::StringLiterals;

namespace Warden {

Q_LOGGING_CATEGORY(lcEngine, "warden.core.engine")

using Protocol::Command;
using InternalType = Protocol::Internal;
using Protocol::Message;
using Protocol::PayloadType;

namespace {

constexpr quint8 kGatewayId = 0;
constexpr quint8 kBroadcast = 255;
constexpr quint8 kNodeSensor = 255;
constexpr int kRawLimit = 128; // bytes of a malformed unit kept for the traffic view

// Nonce round trips over the radio are retried after a timeout estimated from measured round
// trips, as TCP does (RFC 6298: SRTT + 4 RTTVAR, Karn's rule: no sample from a round trip that
// was retried, the timeout doubled for each retry), instead of waiting out the 5 s nonce window
// when one of the two frames was lost.
// The floor: through a serial gateway at 115200 baud a nonce request line (~20 characters) and
// its response line (~70) take ~8 ms on the wire, the two radio frames with their automatic
// acknowledgements ~3 ms, the node's nonce (SHA-256 over its entropy on a 16 MHz ATmega328P)
// ~3 ms: ~15 ms, so 100 ms leaves room for the host's and the gateway's scheduling.
constexpr quint32 kMinRoundTripTimeoutMs = 100;
// Before anything was measured (RFC 6298 says 1 s).
constexpr quint32 kInitialRoundTripTimeoutMs = 1000;
// An unsolicited repeat of the nonce response a node asked for, when its signed frame does not
// follow: the node may have missed the response (at most this many repeats).
constexpr int kMaxNonceResponseRepeats = 3;
// A node locks itself at the 5th nonce request without a verified frame in between
// (MY_NODE_LOCK_COUNTER_MAX, kNodeLockMax in firmware/src/eepromlayout.h). A request whose
// response was lost counts there, and the gateway cannot tell that from a lost request. So a
// frame gets at most this many retries, and after kMaxUnansweredRequests requests in a row
// without any response from the node (its answers do not get through) the gateway sends it
// one request per nonce window only, as it did without retries, until it answers again.
constexpr int kMaxNonceRetries = 2;
constexpr int kMaxUnansweredRequests = 3;

/// Smoothed round-trip time of one radio path (RFC 6298, integer milliseconds).
struct RoundTrip
{
    int srtt = -1; ///< -1: no sample yet
    int rttvar = 0;
    void sample(quint32 ms)
    {
        const int r = int(std::min<quint32>(ms, Protocol::kVerificationTimeoutMs));
        if (srtt < 0) {
            srtt = r;
            rttvar = r / 2;
        } else {
            rttvar = (3 * rttvar + std::abs(srtt - r)) / 4;
            srtt = (7 * srtt + r) / 8;
        }
    }
    bool known() const { return srtt >= 0; }
    quint32 timeout() const
    {
        return std::clamp<quint32>(quint32(srtt + std::max(4 * rttvar, 10)), kMinRoundTripTimeoutMs,
                                   Protocol::kVerificationTimeoutMs);
    }
};

Message internalMessage(quint8 destination, InternalType type, quint8 sensor = kNodeSensor)
{
    Message m;
    m.setHeader(kGatewayId, destination, Command::Internal, uint8_t(type), sensor);
    return m;
}

void setText(Message &m, const QByteArray &text)
{
    m.setString(text.constData(), size_t(std::min<qsizetype>(text.size(), 25)));
}

} // namespace

const char *frameVerdictName(FrameVerdict verdict)
{
    switch (verdict) {
    case FrameVerdict::Verified:
        return "verified";
    case FrameVerdict::UnsignedAllowed:
        return "unsigned-allowed";
    case FrameVerdict::GatewayChecked:
        return "gateway-checked";
    case FrameVerdict::Outgoing:
        return "outgoing";
    case FrameVerdict::BadSignature:
        return "bad-signature";
    case FrameVerdict::NoNonce:
        return "no-nonce";
    case FrameVerdict::ExpiredNonce:
        return "expired-nonce";
    case FrameVerdict::NotSigned:
        return "not-signed";
    case FrameVerdict::NotWhitelisted:
        return "not-whitelisted";
    case FrameVerdict::RevokedSender:
        return "revoked-sender";
    case FrameVerdict::NodeLocked:
        return "node-locked";
    case FrameVerdict::Malformed:
        return "malformed";
    }
    return "?";
}

bool isAccepted(FrameVerdict verdict)
{
    return verdict == FrameVerdict::Verified || verdict == FrameVerdict::UnsignedAllowed
           || verdict == FrameVerdict::GatewayChecked || verdict == FrameVerdict::Outgoing;
}

// --- private --------------------------------------------------------------------------------

struct Outgoing
{
    quint64 id;
    Message message;
};

struct NodeState
{
    std::unique_ptr<Protocol::LegacySigner> linkSigner;
    std::unique_ptr<Protocol::LegacySigner> candidateSigner; ///< a link key being delivered
    bool signingHeld = false; ///< which key the node holds is unknown: sign nothing to it
    std::optional<quint32> epoch;
    std::array<uint8_t, Protocol::kSerialSize> serial {};
    bool hasSerial = false;
    bool revoked = false;
    bool locked = false;
    bool used = false; ///< id seen or reserved: never handed out
    Protocol::NonceSlot nonce; ///< the nonce this gateway issued to the node
    int failures = 0;
    int nonceRequests = 0;
    QPointer<Link> link; ///< where the node was last heard
    // Signing towards the node: one session at a time, the rest waits in order.
    std::deque<Outgoing> outbox;
    bool awaitingNonce = false;
    quint32 nonceRequestedAt = 0; ///< the first request for the frame at the outbox's front
    quint32 nonceSentAt = 0; ///< the latest (re)request
    int nonceRetries = 0;
    int unansweredRequests = 0; ///< nonce requests in a row that got no response
    quint32 lastRequestAt = 0;
    bool nonceDeferred = false; ///< the request waits for the pace of an unanswering node
    /// Nonce requests sent since the last evidence that the node verified a signed frame
    /// (EngineOptions::nonceRequestBudget).
    int requestsUnverified = 0;
    /// Signed frames sent with an echo request, whose echo (sent by the node only after it
    /// verified the frame) is evidence: header fields and requestsUnverified when it was sent.
    struct EchoAwaited
    {
        quint8 command;
        quint8 type;
        quint8 sensor;
        int requestsBefore;
    };
    std::deque<EchoAwaited> echoes;
    // Signing by the node towards the gateway: the nonce response it was sent, repeated when
    // no signed frame follows in time.
    bool answerPending = false;
    quint32 answeredAt = 0;
    int answerRepeats = 0;
    bool reminded = false;
    quint32 remindedAt = 0; ///< when the gateway last re-sent its signing presentation
    char signalMetric = '?'; ///< what the last I_SIGNAL_REPORT_REQUEST sent to it asked for
    /// The node presented a library version whose "+wN" says it takes management requests
    /// unsigned (management-channel.md section 11): they go out without a nonce round trip.
    bool unsignedManagement = false;
};

namespace {

/// A management request (C_STREAM 0x57 to sensor 255): self-authenticating.
bool isManagementRequest(const Message &m)
{
    return m.command() == Command::Stream && m.type() == Protocol::kManagementRequestType
           && m.sensor() == kNodeSensor;
}

/// An unsigned management acknowledgement as a node sends it to a Warden gateway: taken
/// without a legacy signature from any node (the job runner authenticates it by its tag);
/// one that asks for an echo is not (nothing unverified is echoed).
bool isUnsignedManagementAck(const Message &m)
{
    return m.command() == Command::Stream && m.type() == Protocol::kManagementAckType
           && m.sensor() == kNodeSensor && !m.isSigned() && !m.isEcho() && !m.requestEcho();
}

} // namespace

class EnginePrivate
{
public:
    EnginePrivate(Engine *owner, EngineOptions engineOptions)
        : q(owner)
        , options(std::move(engineOptions))
    {
        clockStart.start();
        clock = [this] { return quint32(clockStart.elapsed()); };
        nodes[kGatewayId].used = true;
        nodes[kBroadcast].used = true;
    }

    void onUnit(Link *link, const QByteArray &unit);
    void onFrame(Link *link, const QByteArray &unit);
    void onLine(Link *link, const QByteArray &unit);
    void handleAccepted(Link *link, const Message &m);
    void noteInInventory(const Message &m);
    void handleInternal(Link *link, const Message &m);
    FrameVerdict verify(NodeState &node, const Message &m, QString &detail);
    Protocol::Verdict verifyEither(NodeState &node, Protocol::LegacySigner &current,
                                   const Message &m, const Protocol::WhitelistView *whitelist);
    void countFailure(quint8 sender, NodeState &node, FrameVerdict verdict);
    void remindRequirements(Link *link, quint8 sender, NodeState &node);
    void lock(quint8 sender, NodeState &node, SecurityAlert::Kind kind, int count);

    Protocol::LegacySigner *signerFor(const NodeState &node);
    /// Hands @p m to a link; an error when no link takes it (none attached, or its queue is
    /// full). Replies and relays only log that; send() reports it as sendFailed.
    Result<void> transmit(quint8 destination, const Message &m, Link *via = nullptr);
    Result<void> transmitLine(Link *link, const Message &m);
    void startSigning(quint8 destination);
    /// False (and nothing sent) when the node's nonce-request budget is used up.
    bool sendNonceRequest(quint8 destination);
    bool budgetLeft(const NodeState &node) const
    {
        return options.nonceRequestBudget <= 0
               || node.requestsUnverified < options.nonceRequestBudget;
    }
    QString budgetText(quint8 destination) const;
    /// An echo of a signed frame the gateway asked one for: the node verified that frame.
    void noteEcho(NodeState &node, const Message &echo);
    /// Fails every frame waiting to be signed to @p destination: its budget is used up.
    void refuseOutbox(quint8 destination, bool queued);
    void finishSigning(quint8 sender, const Message &nonceResponse);
    void checkTimeouts();
    /// When a nonce round trip is given up as lost (before retries double it).
    quint32 roundTripTimeout() const;
    void sampleRoundTrip(quint32 ms);
    Result<quint8> allocateId();
    void record(Link *link, bool outgoing, FrameVerdict verdict, const Message *m,
                const QByteArray *raw = nullptr, QString detail = {});

    Engine *q;
    EngineOptions options;
    std::vector<QPointer<Link>> links;
    std::vector<QMetaObject::Connection> connections;
    std::array<NodeState, 256> nodes;
    std::map<quint32, std::unique_ptr<Protocol::LegacySigner>> networkSigners;
    std::optional<quint32> active;
    Protocol::RequirementTable doSign; // nodes that require the gateway to sign to them
    Protocol::RequirementTable doWhitelist; // nodes that require the gateway to salt
    std::array<uint8_t, Protocol::kSerialSize> gatewaySerial {};
    bool hasGatewaySerial = false;
    std::function<Result<quint8>()> allocator;
    std::function<quint32()> clock;
    QElapsedTimer clockStart;
    QTimer *timeoutTimer = nullptr;
    Inventory *inventory = nullptr;
    quint64 nextSendId = 1;
    EngineStatistics stats;
    RoundTrip linkRoundTrip; ///< nonce round trips with every node, both ways
};

void EnginePrivate::record(Link *link, bool outgoing, FrameVerdict verdict, const Message *m,
                           const QByteArray *raw, QString detail)
{
    ++stats.verdicts[size_t(verdict)];
    if (outgoing)
        ++stats.framesOut;
    else
        ++stats.framesIn;
    TrafficRecord r;
    r.timestampMs = QDateTime::currentMSecsSinceEpoch();
    if (link)
        r.link = link->name();
    r.outgoing = outgoing;
    r.verdict = verdict;
    if (m)
        r.message = *m;
    if (raw)
        r.raw = raw->left(kRawLimit);
    r.detail = std::move(detail);
    if (inventory && !outgoing && m && m->sender() != kBroadcast && m->sender() != kGatewayId)
        inventory->noteFrame(m->sender(), m->sensor(), frameVerdictName(verdict), r.timestampMs);
    Q_EMIT q->traffic(r);
}

void EnginePrivate::onUnit(Link *link, const QByteArray &unit)
{
    if (options.mode == GatewayMode::HostGateway)
        onFrame(link, unit);
    else
        onLine(link, unit);
}

void EnginePrivate::onFrame(Link *link, const QByteArray &unit)
{
    Message m;
    const auto error = Message::decode(reinterpret_cast<const uint8_t *>(unit.constData()),
                                       size_t(unit.size()), m);
    if (error != Protocol::DecodeError::None) {
        record(link, false, FrameVerdict::Malformed, nullptr, &unit,
               QString::fromLatin1(Protocol::decodeErrorText(error)));
        return;
    }
    const quint8 sender = m.sender();
    NodeState &node = nodes[sender];
    if (node.revoked) {
        record(link, false, FrameVerdict::RevokedSender, &m, nullptr,
               u"node %1 is revoked"_s.arg(sender));
        return;
    }
    if (sender == kGatewayId) {
        record(link, false, FrameVerdict::Malformed, &m, nullptr,
               u"a frame claims the gateway's own id 0 as sender"_s);
        return;
    }
    if (sender != kBroadcast) {
        node.link = link;
        node.used = true;
    }
    if (node.locked) {
        record(link, false, FrameVerdict::NodeLocked, &m, nullptr,
               u"node %1 is locked after repeated failures"_s.arg(sender));
        return;
    }
    const quint8 destination = m.destination();
    if (destination != kGatewayId && destination != kBroadcast) {
        // Routed through the gateway: signatures are end to end, the destination checks.
        record(link, false, FrameVerdict::UnsignedAllowed, &m, nullptr,
               u"relayed to node %1"_s.arg(destination));
        Message relayed = m;
        relayed.setLast(kGatewayId); // every hop names itself (spec 10.5); signatures skip it
        transmit(destination, relayed);
        return;
    }
    QString detail;
    FrameVerdict verdict = FrameVerdict::UnsignedAllowed;
    const bool mustVerify = destination == kGatewayId && !Protocol::isSigningExempt(m)
                            && (options.requireSignatures || doSign.isRequired(sender));
    if (mustVerify && isUnsignedManagementAck(m)) {
        // Section 11 of the management channel: a node answers an unsigned request unsigned.
        // Every other unsigned frame from the node stays refused.
        detail = u"management acknowledgement: authenticated by its own tag"_s;
        ++stats.unsignedManagementAcks;
    } else if (mustVerify) {
        verdict = verify(node, m, detail);
    }
    record(link, false, verdict, &m, nullptr, detail);
    if (!isAccepted(verdict)) {
        if (verdict != FrameVerdict::NotSigned)
            countFailure(sender, node, verdict);
        else
            remindRequirements(link, sender, node);
        return;
    }
    if (verdict == FrameVerdict::Verified) {
        node.failures = 0;
        node.nonceRequests = 0;
    }
    if (m.isEcho() && sender != kBroadcast)
        noteEcho(node, m);
    Message accepted = m;
    accepted.setSigned(false); // the controller sees only the payload (spec 2.7)
    handleAccepted(link, accepted);
}

FrameVerdict EnginePrivate::verify(NodeState &node, const Message &m, QString &detail)
{
    Protocol::LegacySigner *signer = signerFor(node);
    if (!signer && !m.isSigned()) {
        detail = u"a signature is required"_s;
        return FrameVerdict::NotSigned;
    }
    if (!signer) {
        // Still consume a nonce so that the frame cannot be retried once a key arrives.
        uint8_t scratch[Protocol::kNonceSize];
        node.nonce.take(clock(), scratch);
        Protocol::secureZero(scratch, sizeof scratch);
        detail = u"no key on file for node %1"_s.arg(m.sender());
        return FrameVerdict::BadSignature;
    }
    Protocol::WhitelistEntry entry {};
    Protocol::WhitelistView view {&entry, 0};
    const Protocol::WhitelistView *whitelist = nullptr;
    if (options.requireWhitelisting) {
        if (node.hasSerial) {
            entry.nodeId = m.sender();
            std::copy(node.serial.begin(), node.serial.end(), entry.serial);
            view.count = 1;
        }
        whitelist = &view;
    }
    Protocol::Verdict v = Protocol::Verdict::BadSignature;
    if (node.candidateSigner)
        v = verifyEither(node, *signer, m, whitelist);
    else
        v = Protocol::verifyReceived(*signer, m, node.nonce, clock(), whitelist);
    Protocol::secureZero(&entry, sizeof entry);
    if (v == Protocol::Verdict::Verified) {
        node.signingHeld = false; // whichever key it was, the gateway now knows it
        if (node.answerPending && node.answerRepeats == 0)
            sampleRoundTrip(clock() - node.answeredAt);
        node.answerPending = false;
    }
    switch (v) {
    case Protocol::Verdict::Verified:
        return FrameVerdict::Verified;
    case Protocol::Verdict::Exempt:
        return FrameVerdict::UnsignedAllowed;
    case Protocol::Verdict::NotSigned:
        detail = u"a signature is required"_s;
        return FrameVerdict::NotSigned;
    case Protocol::Verdict::NoNonce:
        detail = u"no nonce outstanding (replayed or unsolicited)"_s;
        return FrameVerdict::NoNonce;
    case Protocol::Verdict::NonceExpired:
        detail = u"signed after the 5 s nonce window"_s;
        return FrameVerdict::ExpiredNonce;
    case Protocol::Verdict::NotWhitelisted:
        detail = u"no serial on file for node %1"_s.arg(m.sender());
        return FrameVerdict::NotWhitelisted;
    case Protocol::Verdict::NoRoom:
    case Protocol::Verdict::BadIdentifier:
    case Protocol::Verdict::BadSignature:
    case Protocol::Verdict::NoKey:
        detail = QString::fromLatin1(Protocol::verdictText(v));
        return FrameVerdict::BadSignature;
    }
    return FrameVerdict::BadSignature;
}

Protocol::Verdict EnginePrivate::verifyEither(NodeState &node, Protocol::LegacySigner &current,
                                              const Message &m,
                                              const Protocol::WhitelistView *whitelist)
{
    // verifyReceived() with a second key: during a key change the node signs with the old
    // key until its acknowledgement is out and with the new one after, and either frame may
    // be the next to arrive. One nonce, consumed first, still verifies at most one frame.
    if (Protocol::isSigningExempt(m))
        return Protocol::Verdict::Exempt;
    if (!m.isSigned())
        return Protocol::Verdict::NotSigned;
    uint8_t n[Protocol::kNonceSize];
    Protocol::Verdict v = node.nonce.take(clock(), n);
    const uint8_t *serial = nullptr;
    if (v == Protocol::Verdict::Verified && whitelist) {
        serial = Protocol::findSerial(*whitelist, m.sender());
        if (!serial)
            v = Protocol::Verdict::NotWhitelisted;
    }
    if (v == Protocol::Verdict::Verified) {
        v = current.verify(m, n, serial);
        if (v == Protocol::Verdict::BadSignature
            && node.candidateSigner->verify(m, n, serial) == Protocol::Verdict::Verified) {
            node.linkSigner = std::move(node.candidateSigner);
            qCInfo(lcEngine) << "node" << m.sender() << "signs with its new link key";
            v = Protocol::Verdict::Verified;
        }
    }
    Protocol::secureZero(n, sizeof n);
    return v;
}

void EnginePrivate::countFailure(quint8 sender, NodeState &node, FrameVerdict verdict)
{
    Q_UNUSED(verdict);
    if (sender == kBroadcast)
        return;
    ++node.failures;
    if (node.failures >= options.lockThreshold)
        lock(sender, node, SecurityAlert::Kind::RepeatedFailures, node.failures);
}

void EnginePrivate::remindRequirements(Link *link, quint8 sender, NodeState &node)
{
    // A node that sends unsigned frames never got the gateway's signing presentation (lost
    // on the radio, or the node booted before the gateway). The gateway repeats it, at most
    // every 10 s per node, so an honest node heals itself; a forger learns nothing new.
    if (sender == kBroadcast || (node.reminded && quint32(clock() - node.remindedAt) < 10000))
        return;
    node.reminded = true;
    node.remindedAt = clock();
    Message presentation;
    Protocol::makeSigningPresentation(presentation, kGatewayId, sender,
                                      {options.requireSignatures, options.requireWhitelisting});
    transmit(sender, presentation, link);
}

void EnginePrivate::lock(quint8 sender, NodeState &node, SecurityAlert::Kind kind, int count)
{
    node.locked = true;
    node.nonce.purge();
    const QString text
            = kind == SecurityAlert::Kind::RepeatedFailures
                      ? u"node %1 locked: %2 failed verifications in a row"_s.arg(sender).arg(count)
                      : u"node %1 locked: %2 nonce requests without a signed frame"_s.arg(sender)
                                .arg(count);
    qCWarning(lcEngine).noquote() << text;
    Q_EMIT q->alert(SecurityAlert {kind, sender, count, text});
}

Protocol::LegacySigner *EnginePrivate::signerFor(const NodeState &node)
{
    if (node.linkSigner)
        return node.linkSigner.get();
    const std::optional<quint32> epoch = node.epoch ? node.epoch : active;
    if (!epoch)
        return nullptr;
    const auto it = networkSigners.find(*epoch);
    return it == networkSigners.end() ? nullptr : it->second.get();
}

namespace {

QString payloadString(const Message &m)
{
    char text[Protocol::kMaxPayloadTextLength + 1];
    const size_t n = Protocol::formatPayloadText(m, text, sizeof text);
    return QString::fromUtf8(text, qsizetype(n));
}

} // namespace

void EnginePrivate::noteInInventory(const Message &m)
{
    const quint8 sender = m.sender();
    if (!inventory || sender == kBroadcast || sender == kGatewayId || m.isEcho())
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    switch (m.command()) {
    case Command::Set:
        inventory->setLastValue(sender, m.sensor(), m.type(), payloadString(m), now);
        return;
    case Command::Presentation:
        inventory->notePresentation(sender, m.sensor(), m.type(), payloadString(m), now);
        return;
    case Command::Internal:
        break;
    default:
        return;
    }
    switch (InternalType(m.type())) {
    case InternalType::SketchName:
        inventory->noteSketchInfo(sender, payloadString(m), QString(), now);
        return;
    case InternalType::SketchVersion:
        inventory->noteSketchInfo(sender, QString(), payloadString(m), now);
        return;
    case InternalType::BatteryLevel: {
        bool ok = false;
        const int percent = payloadString(m).toInt(&ok);
        if (ok && percent >= 0 && percent <= 100)
            inventory->noteBattery(sender, percent, now);
        return;
    }
    case InternalType::HeartbeatResponse:
        inventory->noteHeartbeat(sender, now);
        return;
    case InternalType::SignalReportResponse: {
        bool ok = false;
        const int value = payloadString(m).toInt(&ok);
        if (ok)
            inventory->noteSignalReport(sender, nodes[sender].signalMetric, value, now);
        nodes[sender].signalMetric = '?';
        return;
    }
    case InternalType::Config: {
        // A node asks for the configuration with its parent id as payload (spec 10.11).
        bool ok = false;
        const int parent = payloadString(m).toInt(&ok);
        if (ok && parent >= 0 && parent < kBroadcast)
            inventory->noteParent(sender, quint8(parent), -1, now);
        return;
    }
    case InternalType::SigningPresentation: {
        Protocol::SigningPreferences prefs {};
        if (Protocol::parseSigningPresentation(m, prefs))
            inventory->noteSigningRequirements(sender, prefs.requiresSignatures,
                                               prefs.requiresWhitelisting, now);
        return;
    }
    default:
        return;
    }
}

void EnginePrivate::handleAccepted(Link *link, const Message &m)
{
    noteInInventory(m);
    if (m.command() == Command::Presentation && m.sensor() == kNodeSensor && !m.isEcho()
        && (m.type() == quint8(Protocol::Sensor::ArduinoNode)
            || m.type() == quint8(Protocol::Sensor::ArduinoRepeaterNode))
        && m.sender() != kBroadcast) {
        NodeState &node = nodes[m.sender()];
        const bool takes = Engine::takesUnsignedManagement(payloadString(m));
        if (takes != node.unsignedManagement)
            qCInfo(lcEngine) << "node" << m.sender()
                             << (takes ? "takes management requests unsigned"
                                       : "needs signed management requests");
        node.unsignedManagement = takes;
    }
    if (m.command() == Command::Internal && !m.isEcho()) {
        handleInternal(link, m);
        return;
    }
    if (m.command() == Command::Stream && !m.isEcho() && m.type() == Protocol::kManagementAckType
        && m.sensor() == kNodeSensor)
        Q_EMIT q->managementFrame(m);
    Q_EMIT q->controllerMessage(m);
}

void EnginePrivate::handleInternal(Link *link, const Message &m)
{
    const quint8 sender = m.sender();
    NodeState &node = nodes[sender];
    const bool host = options.mode == GatewayMode::HostGateway;
    switch (InternalType(m.type())) {
    case InternalType::NonceRequest: {
        if (!host || m.destination() != kGatewayId)
            return;
        // A repeated request inside the window (the node retried after a lost or late
        // response, or the radio duplicated the request) gets the nonce still outstanding:
        // the node signs with whichever response reaches it first, so a fresh nonce here
        // would make an honest frame fail. The window still runs from the first issue and
        // the nonce is still consumed by one verification.
        node.nonce.expire(clock());
        if (!node.nonce.isActive()) {
            uint8_t random[Protocol::kNoncePayloadSize];
            if (!systemRandom(random, sizeof random)) {
                qCCritical(lcEngine)
                        << "no randomness for a nonce; request of node" << sender << "dropped";
                return;
            }
            node.nonce.issue(random, clock());
            Protocol::secureZero(random, sizeof random);
            ++stats.noncesIssued;
        }
        if (++node.nonceRequests >= options.lockThreshold * 4) {
            // Legitimate nodes follow each request with a signed frame, which resets the count.
            lock(sender, node, SecurityAlert::Kind::NonceFlood, node.nonceRequests);
            return;
        }
        Message reply = internalMessage(sender, InternalType::NonceResponse);
        reply.setPayload(PayloadType::Custom, node.nonce.payload(), Protocol::kNoncePayloadSize);
        transmit(sender, reply, link);
        node.answerPending = options.adaptiveNonceTimeouts;
        node.answeredAt = clock();
        node.answerRepeats = 0;
        if (!timeoutTimer->isActive())
            timeoutTimer->start();
        return;
    }
    case InternalType::NonceResponse:
        node.unansweredRequests = 0; // its answers get through
        if (host)
            finishSigning(sender, m);
        return;
    case InternalType::SigningPresentation: {
        if (!host)
            return;
        Protocol::SigningPreferences prefs {};
        if (!Protocol::parseSigningPresentation(m, prefs))
            return;
        Protocol::applySigningPresentation(doSign, doWhitelist, sender, prefs, false);
        Message reply;
        Protocol::makeSigningPresentation(reply, kGatewayId, sender,
                                          {options.requireSignatures, options.requireWhitelisting});
        transmit(sender, reply, link);
        return;
    }
    case InternalType::IdRequest: {
        const auto id = allocateId();
        if (!id) {
            qCWarning(lcEngine).noquote() << "no node id for a new node:" << id.error().message();
            return;
        }
        Message reply = internalMessage(kBroadcast, InternalType::IdResponse, m.sensor());
        setText(reply, QByteArray::number(*id));
        transmit(kBroadcast, reply, link);
        Q_EMIT q->nodeIdAssigned(*id);
        Q_EMIT q->controllerMessage(m);
        return;
    }
    case InternalType::FindParentRequest:
        if (host) {
            Message reply = internalMessage(sender, InternalType::FindParentResponse);
            reply.setByte(0);
            transmit(sender, reply, link);
        }
        return;
    case InternalType::Ping:
        if (host && m.destination() == kGatewayId) {
            Message reply = internalMessage(sender, InternalType::Pong);
            reply.setByte(1);
            transmit(sender, reply, link);
        }
        return;
    case InternalType::Config: {
        Message reply = internalMessage(sender, InternalType::Config);
        setText(reply, options.metric ? "M"_ba : "I"_ba);
        (void)q->send(reply);
        Q_EMIT q->controllerMessage(m);
        return;
    }
    case InternalType::Time: {
        Message reply = internalMessage(sender, InternalType::Time);
        setText(reply, QByteArray::number(QDateTime::currentSecsSinceEpoch()));
        (void)q->send(reply);
        return;
    }
    case InternalType::RegistrationRequest: {
        if (!host)
            return;
        uint8_t version = 0;
        Message reply = internalMessage(sender, InternalType::RegistrationResponse);
        reply.setByte(m.getByte(version) && version >= 2 ? 1 : 0);
        (void)q->send(reply);
        return;
    }
    case InternalType::Pong:
    case InternalType::SignalReportRequest:
    case InternalType::SignalReportReverse:
    case InternalType::FindParentResponse:
    case InternalType::DiscoverRequest:
        return; // consumed by the gateway (spec 2.7)
    default:
        Q_EMIT q->controllerMessage(m);
        return;
    }
}

void EnginePrivate::onLine(Link *link, const QByteArray &unit)
{
    Protocol::ControllerLine line {};
    uint8_t badField = Protocol::kNoBadField;
    const auto error
            = Protocol::parseControllerLine(unit.constData(), size_t(unit.size()), line, &badField);
    if (error != Protocol::LineError::None) {
        QString detail = QString::fromLatin1(Protocol::lineErrorText(error));
        if (badField != Protocol::kNoBadField)
            detail += u" (field %1)"_s.arg(badField);
        record(link, false, FrameVerdict::Malformed, nullptr, &unit, detail);
        return;
    }
    // The line is the gateway's rendering: node = sender, ack = is-echo. Build the frame the
    // gateway received, as far as the text says.
    const bool echo = line.ack;
    line.ack = false;
    Message m;
    const auto convert = Protocol::controllerLineToMessage(line, m);
    if (convert != Protocol::LineError::None) {
        record(link, false, FrameVerdict::Malformed, nullptr, &unit,
               QString::fromLatin1(Protocol::lineErrorText(convert)));
        return;
    }
    m.setSender(line.nodeId);
    m.setDestination(kGatewayId);
    m.setEcho(echo);
    NodeState &node = nodes[line.nodeId];
    if (node.revoked) {
        record(link, false, FrameVerdict::RevokedSender, &m, nullptr,
               u"node %1 is revoked"_s.arg(line.nodeId));
        return;
    }
    if (line.nodeId != kBroadcast) {
        node.link = link;
        node.used = true;
    }
    record(link, false, FrameVerdict::GatewayChecked, &m);
    handleAccepted(link, m);
}

Result<void> EnginePrivate::transmit(quint8 destination, const Message &m, Link *via)
{
    Link *link = via;
    if (destination != kBroadcast && nodes[destination].link)
        link = nodes[destination].link;
    if (!link) {
        for (const auto &l : links) {
            if (l) {
                link = l;
                break;
            }
        }
    }
    if (!link) {
        qCWarning(lcEngine) << "no link to send to node" << destination;
        return fail(ErrorCode::Refused, u"no link to send to node %1"_s.arg(destination));
    }
    if (options.mode == GatewayMode::Classic)
        return transmitLine(link, m);
    const QByteArray bytes(reinterpret_cast<const char *>(m.data()), qsizetype(m.size()));
    const auto sent = link->send(bytes);
    if (!sent) {
        qCWarning(lcEngine).noquote() << sent.error().message();
        return tl::unexpected(sent.error());
    }
    record(link, true, FrameVerdict::Outgoing, &m);
    return {};
}

Result<void> EnginePrivate::transmitLine(Link *link, const Message &m)
{
    // Controller -> gateway: node = destination, ack = request-echo (spec 2.1).
    Protocol::ControllerLine line {};
    line.nodeId = m.destination();
    line.childSensorId = m.sensor();
    line.command = uint8_t(m.command());
    line.ack = m.requestEcho();
    line.type = m.type();
    const size_t n = Protocol::formatPayloadText(m, line.payload, sizeof line.payload);
    line.payloadLength = uint8_t(n);
    char text[Protocol::kMaxControllerLineSize + 1];
    const size_t length = Protocol::formatControllerLine(line, text, sizeof text);
    if (length == 0)
        return fail(
                ErrorCode::InvalidArgument,
                u"the message to node %1 does not fit a controller line"_s.arg(m.destination()));
    // formatControllerLine ends the line with '\n'; the link adds its own terminator.
    const QByteArray unit(text, qsizetype(length) - 1);
    const auto sent = link->send(unit);
    if (!sent) {
        qCWarning(lcEngine).noquote() << sent.error().message();
        return tl::unexpected(sent.error());
    }
    record(link, true, FrameVerdict::Outgoing, &m);
    return {};
}

void EnginePrivate::startSigning(quint8 destination)
{
    NodeState &node = nodes[destination];
    if (node.awaitingNonce || node.outbox.empty())
        return;
    node.awaitingNonce = true;
    node.nonceRequestedAt = clock();
    node.nonceSentAt = node.nonceRequestedAt;
    node.nonceRetries = 0;
    node.nonceDeferred
            = options.adaptiveNonceTimeouts && node.unansweredRequests >= kMaxUnansweredRequests
              && quint32(clock() - node.lastRequestAt) < Protocol::kVerificationTimeoutMs;
    if (!node.nonceDeferred && !sendNonceRequest(destination)) {
        refuseOutbox(destination, true);
        return;
    }
    if (!timeoutTimer->isActive())
        timeoutTimer->start();
}

QString EnginePrivate::budgetText(quint8 destination) const
{
    return u"node %1 would lock itself: %2 nonce requests sent to it since its last verified "
           u"frame (it locks at its 5th, spec 4.10); nothing is signed to it until it shows "
           u"that it verified one"_s.arg(destination)
                   .arg(nodes[destination].requestsUnverified);
}

void EnginePrivate::refuseOutbox(quint8 destination, bool queued)
{
    NodeState &node = nodes[destination];
    node.awaitingNonce = false;
    const QString why = budgetText(destination);
    if (!node.outbox.empty())
        qCWarning(lcEngine).noquote() << why;
    while (!node.outbox.empty()) {
        const quint64 id = node.outbox.front().id;
        node.outbox.pop_front();
        ++stats.nonceBudgetRefusals;
        if (queued)
            QMetaObject::invokeMethod(
                    q,
                    [this, id, why] { Q_EMIT q->sendFailed(id, Error(ErrorCode::Refused, why)); },
                    Qt::QueuedConnection);
        else
            Q_EMIT q->sendFailed(id, Error(ErrorCode::Refused, why));
    }
}

void EnginePrivate::noteEcho(NodeState &node, const Message &echo)
{
    for (auto it = node.echoes.begin(); it != node.echoes.end(); ++it) {
        if (it->command != quint8(echo.command()) || it->type != echo.type()
            || it->sensor != echo.sensor())
            continue;
        // What was sent after that frame may have reached the node after its verification.
        node.requestsUnverified = std::max(0, node.requestsUnverified - it->requestsBefore);
        node.echoes.erase(node.echoes.begin(), it + 1);
        return;
    }
}

bool EnginePrivate::sendNonceRequest(quint8 destination)
{
    NodeState &node = nodes[destination];
    if (!budgetLeft(node))
        return false;
    ++node.requestsUnverified;
    ++node.unansweredRequests;
    node.lastRequestAt = clock();
    node.nonceSentAt = node.lastRequestAt;
    Message request = internalMessage(destination, InternalType::NonceRequest,
                                      node.outbox.front().message.sensor());
    request.setString("", 0);
    transmit(destination, request);
    return true;
}

void EnginePrivate::finishSigning(quint8 sender, const Message &response)
{
    NodeState &node = nodes[sender];
    if (!node.awaitingNonce || node.outbox.empty() || response.destination() != kGatewayId
        || response.payloadLength() != Protocol::kNoncePayloadSize)
        return;
    node.awaitingNonce = false;
    if (node.nonceRetries == 0)
        sampleRoundTrip(clock() - node.nonceSentAt);
    Outgoing out = std::move(node.outbox.front());
    node.outbox.pop_front();
    uint8_t nonce[Protocol::kNonceSize];
    Protocol::nonceFromPayload(response.payload(), nonce);
    Protocol::LegacySigner *signer = signerFor(node);
    const bool salt = doWhitelist.isRequired(sender);
    Protocol::SignResult result = Protocol::SignResult::NoKey;
    // With a budget, an application frame asks for its echo: a node echoes only what it
    // verified, so the echo shows the gateway that the node's nonce-request count is 0 again.
    // Management requests cannot (a receiver refuses them with an echo request); their
    // authenticated acknowledgements are the evidence (noteNodeVerified).
    const bool askEcho = options.nonceRequestBudget > 0 && !out.message.isEcho()
                         && !(out.message.command() == Command::Stream
                              && out.message.type() == Protocol::kManagementRequestType);
    if (askEcho)
        out.message.setRequestEcho(true);
    if (signer && (!salt || hasGatewaySerial))
        result = signer->sign(out.message, nonce, salt ? gatewaySerial.data() : nullptr);
    Protocol::secureZero(nonce, sizeof nonce);
    if (result != Protocol::SignResult::Ok) {
        const QString why
                = !signer ? u"no key on file for node %1"_s.arg(sender)
                  : (salt && !hasGatewaySerial)
                          ? u"node %1 requires whitelisting and the gateway has no serial"_s.arg(
                                  sender)
                          : QString::fromLatin1(Protocol::signResultName(result));
        Q_EMIT q->sendFailed(out.id, Error(ErrorCode::Refused, u"not signed: "_s + why));
    } else {
        const auto sent = transmit(sender, out.message);
        if (sent && askEcho) {
            constexpr size_t kEchoesKept = 4;
            if (node.echoes.size() == kEchoesKept)
                node.echoes.pop_front();
            node.echoes.push_back({quint8(out.message.command()), out.message.type(),
                                   out.message.sensor(), node.requestsUnverified});
        }
        if (sent)
            Q_EMIT q->sendDone(out.id);
        else
            Q_EMIT q->sendFailed(out.id, sent.error());
    }
    startSigning(sender);
}

quint32 EnginePrivate::roundTripTimeout() const
{
    // One estimate for all nodes: they share the gateway and the channel, whose load makes
    // most of a round trip's variation, and one node has too few round trips of its own for a
    // deviation that settles (a burst of joins would keep its timeout high for long). A node
    // behind repeaters takes longer; its retries double the timeout until it fits.
    return linkRoundTrip.known() ? linkRoundTrip.timeout() : kInitialRoundTripTimeoutMs;
}

void EnginePrivate::sampleRoundTrip(quint32 ms)
{
    linkRoundTrip.sample(ms);
}

void EnginePrivate::checkTimeouts()
{
    bool waiting = false;
    const quint32 now = clock();
    for (size_t i = 0; i < nodes.size(); ++i) {
        NodeState &node = nodes[i];
        if (node.answerPending) {
            node.nonce.expire(now);
            if (!node.nonce.isActive() || node.locked || node.revoked) {
                node.answerPending = false;
            } else if (quint32(now - node.answeredAt) >= roundTripTimeout() << node.answerRepeats) {
                if (node.answerRepeats >= kMaxNonceResponseRepeats) {
                    node.answerPending = false;
                } else {
                    // The same nonce again (still the one outstanding): a node that got the
                    // first one is no longer waiting and ignores it.
                    ++node.answerRepeats;
                    ++stats.nonceResponseRepeats;
                    node.answeredAt = now;
                    Message reply = internalMessage(quint8(i), InternalType::NonceResponse);
                    reply.setPayload(PayloadType::Custom, node.nonce.payload(),
                                     Protocol::kNoncePayloadSize);
                    transmit(quint8(i), reply, node.link);
                }
            }
            waiting = waiting || node.answerPending;
        }
        if (!node.awaitingNonce)
            continue;
        if (node.nonceDeferred) {
            // Paced: one request per nonce window to a node that does not answer.
            if (quint32(now - node.lastRequestAt) >= Protocol::kVerificationTimeoutMs) {
                node.nonceDeferred = false;
                node.nonceRequestedAt = now;
                if (!sendNonceRequest(quint8(i))) {
                    refuseOutbox(quint8(i), false);
                    continue;
                }
            }
            waiting = true;
            continue;
        }
        const quint32 timeout = std::min<quint32>(roundTripTimeout() << node.nonceRetries,
                                                  Protocol::kVerificationTimeoutMs);
        const bool lastTimedOut = options.adaptiveNonceTimeouts
                                  && node.nonceRetries >= kMaxNonceRetries
                                  && quint32(now - node.nonceSentAt) >= timeout;
        if (quint32(now - node.nonceRequestedAt) < Protocol::kVerificationTimeoutMs
            && !lastTimedOut) {
            if (options.adaptiveNonceTimeouts && quint32(now - node.nonceSentAt) >= timeout
                && node.unansweredRequests < kMaxUnansweredRequests && budgetLeft(node)) {
                // The request or the response was lost: ask again. The node answers with a
                // fresh nonce, which replaces the one it sent before (one verification
                // session at a time), so only a response that is late beyond the timeout,
                // not a lost one, could still make the frame fail at the node.
                ++node.nonceRetries;
                ++stats.nonceRetries;
                sendNonceRequest(quint8(i));
            }
            waiting = true;
            continue;
        }
        node.awaitingNonce = false;
        ++stats.signingTimeouts;
        const Outgoing out = std::move(node.outbox.front());
        node.outbox.pop_front();
        // Given up when the last retry went unanswered too, or the nonce window is over.
        Q_EMIT q->sendFailed(out.id,
                             Error(ErrorCode::Refused,
                                   u"node %1 did not answer %2 nonce requests in %3 ms"_s.arg(i)
                                           .arg(node.nonceRetries + 1)
                                           .arg(quint32(now - node.nonceRequestedAt))));
        startSigning(quint8(i));
        waiting = waiting || node.awaitingNonce;
    }
    if (!waiting)
        timeoutTimer->stop();
}

Result<quint8> EnginePrivate::allocateId()
{
    if (allocator) {
        auto id = allocator();
        if (id && *id > 0 && *id < kBroadcast) {
            nodes[*id].used = true;
            return id;
        }
        if (!id)
            return id;
        return fail(ErrorCode::Refused, u"the id allocator returned %1"_s.arg(*id));
    }
    for (int id = 1; id < kBroadcast; ++id) {
        if (!nodes[size_t(id)].used) {
            nodes[size_t(id)].used = true;
            return quint8(id);
        }
    }
    return fail(ErrorCode::Refused, u"all node ids 1..254 are in use or quarantined"_s);
}

// --- public ---------------------------------------------------------------------------------

Engine::Engine(EngineOptions options, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<EnginePrivate>(this, std::move(options)))
{
    qRegisterMetaType<TrafficRecord>();
    qRegisterMetaType<SecurityAlert>();
    qRegisterMetaType<Protocol::Message>();
    d->timeoutTimer = new QTimer(this);
    // Fine enough for the shortest round-trip timeout (kMinRoundTripTimeoutMs).
    d->timeoutTimer->setInterval(20);
    connect(d->timeoutTimer, &QTimer::timeout, this, [this] { d->checkTimeouts(); });
}

Engine::~Engine()
{
    for (const auto &c : d->connections)
        disconnect(c);
}

const EngineOptions &Engine::options() const
{
    return d->options;
}

void Engine::setMetric(bool metric)
{
    d->options.metric = metric;
}

Result<void> Engine::addLink(Link *link)
{
    if (!link)
        return fail(ErrorCode::InvalidArgument, u"no link given"_s);
    const LinkFraming wanted = d->options.mode == GatewayMode::HostGateway
                                       ? LinkFraming::RadioFrames
                                       : LinkFraming::ControllerLines;
    if (link->framing() != wanted)
        return fail(ErrorCode::InvalidArgument,
                    u"link %1 carries %2, the %3 mode needs %4"_s.arg(
                            link->name(), QString::fromLatin1(linkFramingName(link->framing())),
                            d->options.mode == GatewayMode::HostGateway ? u"host-gateway"_s
                                                                        : u"classic"_s,
                            QString::fromLatin1(linkFramingName(wanted))));
    for (const auto &l : d->links) {
        if (l == link)
            return fail(ErrorCode::Refused, u"link %1 is already attached"_s.arg(link->name()));
    }
    d->links.emplace_back(link);
    d->connections.push_back(
            connect(link, &Link::unitReceived, this,
                    [this, link](const QByteArray &unit) { d->onUnit(link, unit); }));
    return {};
}

void Engine::removeLink(Link *link)
{
    disconnect(link, nullptr, this, nullptr);
    d->links.erase(std::remove(d->links.begin(), d->links.end(), link), d->links.end());
}

Result<void> Engine::setNetworkKey(quint32 epoch, const SecretBytes &key)
{
    if (key.size() != Protocol::kSigningKeySize)
        return fail(ErrorCode::InvalidArgument,
                    u"a network key has 32 bytes, this one %1"_s.arg(key.size()));
    auto signer = std::make_unique<Protocol::LegacySigner>(Signer::hostSha256());
    signer->setKey(key.data());
    d->networkSigners[epoch] = std::move(signer);
    if (!d->active)
        d->active = epoch;
    return {};
}

Result<void> Engine::activateEpoch(quint32 epoch)
{
    if (!d->networkSigners.count(epoch))
        return fail(ErrorCode::Refused, u"no network key for epoch %1"_s.arg(epoch));
    d->active = epoch;
    return {};
}

void Engine::retireEpoch(quint32 epoch)
{
    d->networkSigners.erase(epoch);
    if (d->active == epoch)
        d->active.reset();
}

std::optional<quint32> Engine::activeEpoch() const
{
    return d->active;
}

void Engine::setNodeEpoch(quint8 node, quint32 epoch)
{
    d->nodes[node].epoch = epoch;
}

std::optional<quint32> Engine::nodeEpoch(quint8 node) const
{
    const auto &n = d->nodes[node];
    if (n.revoked)
        return std::nullopt;
    if (n.epoch != 0)
        return n.epoch;
    return d->active;
}

Result<void> Engine::setNodeKey(quint8 node, const SecretBytes &key)
{
    if (key.size() != Protocol::kSigningKeySize)
        return fail(ErrorCode::InvalidArgument,
                    u"a link key has 32 bytes, this one %1"_s.arg(key.size()));
    if (d->nodes[node].revoked)
        return fail(ErrorCode::Refused, u"node %1 is revoked"_s.arg(node));
    auto signer = std::make_unique<Protocol::LegacySigner>(Signer::hostSha256());
    signer->setKey(key.data());
    d->nodes[node].linkSigner = std::move(signer);
    d->nodes[node].candidateSigner.reset();
    d->nodes[node].signingHeld = false;
    return {};
}

void Engine::clearNodeKey(quint8 node)
{
    d->nodes[node].linkSigner.reset();
}

Result<void> Engine::setNodeKeyCandidate(quint8 node, const SecretBytes &key)
{
    if (key.size() != Protocol::kSigningKeySize)
        return fail(ErrorCode::InvalidArgument,
                    u"a link key has 32 bytes, this one %1"_s.arg(key.size()));
    if (d->nodes[node].revoked)
        return fail(ErrorCode::Refused, u"node %1 is revoked"_s.arg(node));
    auto signer = std::make_unique<Protocol::LegacySigner>(Signer::hostSha256());
    signer->setKey(key.data());
    d->nodes[node].candidateSigner = std::move(signer);
    return {};
}

void Engine::clearNodeKeyCandidate(quint8 node)
{
    d->nodes[node].candidateSigner.reset();
}

bool Engine::hasNodeKeyCandidate(quint8 node) const
{
    return d->nodes[node].candidateSigner != nullptr;
}

void Engine::holdSigning(quint8 node)
{
    NodeState &n = d->nodes[node];
    n.signingHeld = true;
    // Frames still waiting for their nonce would go out under a key the node may no longer
    // hold: each would cost it a failed verification, and its nonce requests (retried after
    // a timeout) count towards its lock.
    n.awaitingNonce = false;
    while (!n.outbox.empty()) {
        const quint64 id = n.outbox.front().id;
        n.outbox.pop_front();
        QMetaObject::invokeMethod(
                this,
                [this, id, node] {
                    Q_EMIT sendFailed(id,
                                      Error(ErrorCode::Refused,
                                            u"node %1 may hold a new key: nothing is signed "
                                            u"to it until a frame from it verifies"_s.arg(node)));
                },
                Qt::QueuedConnection);
    }
}

bool Engine::isSigningHeld(quint8 node) const
{
    return d->nodes[node].signingHeld;
}

void Engine::readmit(quint8 node)
{
    NodeState &n = d->nodes[node];
    if (!n.revoked)
        return;
    n.revoked = false;
    n.locked = false;
    n.failures = 0;
    n.nonceRequests = 0;
    qCWarning(lcEngine).noquote() << "node" << node << "readmitted";
}

Result<void> Engine::setNodeSerial(quint8 node, QByteArrayView serial)
{
    if (serial.size() != qsizetype(Protocol::kSerialSize))
        return fail(ErrorCode::InvalidArgument,
                    u"a serial has 9 bytes, this one %1"_s.arg(serial.size()));
    NodeState &n = d->nodes[node];
    std::copy(serial.begin(), serial.end(), n.serial.begin());
    n.hasSerial = true;
    return {};
}

void Engine::clearNodeSerial(quint8 node)
{
    NodeState &n = d->nodes[node];
    Protocol::secureZero(n.serial.data(), n.serial.size());
    n.hasSerial = false;
}

Result<void> Engine::setGatewaySerial(QByteArrayView serial)
{
    if (serial.size() != qsizetype(Protocol::kSerialSize))
        return fail(ErrorCode::InvalidArgument,
                    u"a serial has 9 bytes, this one %1"_s.arg(serial.size()));
    std::copy(serial.begin(), serial.end(), d->gatewaySerial.begin());
    d->hasGatewaySerial = true;
    return {};
}

void Engine::setNodeRequirements(quint8 node, bool signatures, bool whitelisting)
{
    if (node == kGatewayId || node >= kBroadcast)
        return;
    Protocol::applySigningPresentation(d->doSign, d->doWhitelist, node,
                                       Protocol::SigningPreferences {signatures, whitelisting},
                                       false);
}

void Engine::setInventory(Inventory *inventory)
{
    d->inventory = inventory;
    if (!inventory)
        return;
    setUsedNodeIds(inventory->usedNodeIds());
    if (const auto revoked = inventory->revocations()) {
        for (const Revocation &r : *revoked) {
            // A readmitted node keeps its revocation as history; the node table says whether
            // it is still in force (an unreadable record counts as revoked).
            const auto record = inventory->node(r.node);
            if (record && *record && !(*record)->revoked)
                continue;
            revoke(r.node, r.why.isEmpty() ? QStringLiteral("revoked earlier") : r.why);
        }
    } else {
        qCWarning(lcEngine).noquote()
                << "revocations not loaded from the inventory:" << revoked.error().message();
    }
    d->allocator = [inventory]() -> Result<quint8> {
        const auto receipt = inventory->allocateNodeId(QStringLiteral("engine"));
        if (!receipt)
            return tl::unexpected(receipt.error());
        if (receipt->id <= 0 || receipt->id >= kBroadcast)
            return fail(ErrorCode::Refused, u"the inventory allocated id %1"_s.arg(receipt->id));
        return quint8(receipt->id);
    };
}

void Engine::revoke(quint8 node, const QString &who, const QString &why)
{
    const bool already = d->nodes[node].revoked;
    revoke(node, why);
    if (!d->inventory || already)
        return;
    Revocation r;
    r.node = node;
    r.who = who;
    r.why = why;
    const auto stored = d->inventory->revoke(r);
    if (!stored)
        qCWarning(lcEngine).noquote()
                << "revocation of node" << node << "not stored:" << stored.error().message();
}

void Engine::revoke(quint8 node, const QString &reason)
{
    NodeState &n = d->nodes[node];
    n.revoked = true;
    n.used = true;
    n.linkSigner.reset();
    n.candidateSigner.reset();
    n.signingHeld = false;
    Protocol::secureZero(n.serial.data(), n.serial.size());
    n.hasSerial = false;
    n.nonce.purge();
    n.awaitingNonce = false;
    while (!n.outbox.empty()) {
        const quint64 id = n.outbox.front().id;
        n.outbox.pop_front();
        Q_EMIT sendFailed(id, Error(ErrorCode::Refused, u"node %1 was revoked"_s.arg(node)));
    }
    qCWarning(lcEngine).noquote() << "node" << node << "revoked:" << reason;
}

bool Engine::isRevoked(quint8 node) const
{
    return d->nodes[node].revoked;
}

bool Engine::takesUnsignedManagement(QStringView libraryVersion)
{
    // Semver build metadata after '+', dot-separated identifiers: "w<N>" with N >= 1 is Warden
    // management format N with unsigned requests ("2.3.2+w1"). Anything else: a stock node, or
    // Warden firmware from before.
    const qsizetype plus = libraryVersion.indexOf(u'+');
    if (plus < 0)
        return false;
    for (const QStringView id : libraryVersion.mid(plus + 1).split(u'.')) {
        if (id.size() < 2 || id.size() > 4 || id.front() != u'w')
            continue;
        bool ok = false;
        const int format = id.mid(1).toInt(&ok);
        if (ok && format >= 1 && id.mid(1).front().isDigit())
            return true;
    }
    return false;
}

void Engine::setNodeLibraryVersion(quint8 node, QStringView libraryVersion)
{
    if (node == kGatewayId || node >= kBroadcast)
        return;
    d->nodes[node].unsignedManagement = takesUnsignedManagement(libraryVersion);
}

bool Engine::sendsUnsignedManagement(quint8 node) const
{
    return d->nodes[node].unsignedManagement;
}

void Engine::noteNodeVerified(quint8 node)
{
    d->nodes[node].requestsUnverified = 0;
    d->nodes[node].echoes.clear();
}

int Engine::nonceRequestsWithoutEvidence(quint8 node) const
{
    return d->nodes[node].requestsUnverified;
}

void Engine::setNonceRequestsWithoutEvidence(quint8 node, int count)
{
    d->nodes[node].requestsUnverified = std::max(0, count);
}

void Engine::unlockNode(quint8 node)
{
    NodeState &n = d->nodes[node];
    n.locked = false;
    n.failures = 0;
    n.nonceRequests = 0;
}

bool Engine::isLocked(quint8 node) const
{
    return d->nodes[node].locked;
}

void Engine::setUsedNodeIds(const QList<quint8> &ids)
{
    for (const quint8 id : ids)
        d->nodes[id].used = true;
}

void Engine::setNodeIdAllocator(std::function<Result<quint8>()> allocator)
{
    d->allocator = std::move(allocator);
}

void Engine::setClock(std::function<quint32()> clock)
{
    d->clock = std::move(clock);
}

void Engine::checkTimeouts()
{
    d->checkTimeouts();
}

Result<quint64> Engine::send(const Protocol::Message &message)
{
    const quint8 destination = message.destination();
    if (destination == kGatewayId)
        return fail(ErrorCode::InvalidArgument, u"a message to the gateway itself is not sent"_s);
    NodeState &node = d->nodes[destination];
    if (destination != kBroadcast && node.revoked)
        return fail(ErrorCode::Refused, u"node %1 is revoked"_s.arg(destination));
    const quint64 id = d->nextSendId++;
    if (message.command() == Command::Internal
        && message.type() == uint8_t(InternalType::SignalReportRequest)) {
        // The answer carries only a number; remember which metric it is (spec 10.12: a '!'
        // second makes the node report the lower-case, acknowledgement-side metric).
        const QString request = payloadString(message);
        char metric = request.isEmpty() ? '?' : char(request.at(0).toLatin1());
        if (request.size() > 1 && request.at(1) == u'!' && metric >= 'A' && metric <= 'Z')
            metric = char(metric - 'A' + 'a');
        node.signalMetric = std::strchr("RrSsPTU", metric) && metric ? metric : '?';
    }
    Message m = message;
    m.setSender(kGatewayId);
    m.setLast(kGatewayId);
    // Management requests go unsigned to a node that takes them so (management-channel.md
    // section 11): no nonce round trip, nothing for the node's lock counter (spec 4.10).
    const bool unsignedManagement = node.unsignedManagement && isManagementRequest(m);
    const bool sign = d->options.mode == GatewayMode::HostGateway && destination != kBroadcast
                      && d->doSign.isRequired(destination) && !Protocol::isSigningExempt(m)
                      && !unsignedManagement;
    if (unsignedManagement)
        ++d->stats.unsignedManagementRequests;
    if (sign && node.signingHeld)
        return fail(ErrorCode::Refused,
                    u"node %1 may hold a new key: nothing is signed to it until a frame from it "
                    u"verifies"_s.arg(destination));
    if (sign && !d->budgetLeft(node) && !node.awaitingNonce) {
        ++d->stats.nonceBudgetRefusals;
        return fail(ErrorCode::Refused, d->budgetText(destination));
    }
    if (!sign) {
        m.setSigned(false);
        const auto sent = d->transmit(destination, m);
        // After the caller has the id.
        if (sent)
            QMetaObject::invokeMethod(
                    this, [this, id] { Q_EMIT sendDone(id); }, Qt::QueuedConnection);
        else
            QMetaObject::invokeMethod(
                    this, [this, id, error = sent.error()] { Q_EMIT sendFailed(id, error); },
                    Qt::QueuedConnection);
        return id;
    }
    node.outbox.push_back(Outgoing {id, m});
    d->startSigning(destination);
    return id;
}

EngineStatistics Engine::statistics() const
{
    EngineStatistics s = d->stats;
    s.roundTripMs = d->linkRoundTrip.srtt;
    s.roundTripTimeoutMs = int(d->linkRoundTrip.known() ? d->linkRoundTrip.timeout()
                                                        : kInitialRoundTripTimeoutMs);
    return s;
}

} // namespace Warden
