#include "securenode.h"

#include "flashstring.h"

#include <warden/protocol/management.h>

#include <string.h>

namespace Warden {
namespace Firmware {

using Protocol::Command;
using Protocol::Internal;
using Protocol::Message;
using Protocol::Verdict;

namespace {

// Header bytes 3-6 (little-endian) of an unsigned management request (spec 1.2): the signed
// flag of byte 3 clear; byte 4 C_STREAM, no echo asked, not an echo, P_CUSTOM; type 0x57;
// sensor 255.
constexpr uint32_t kUnsignedRequestMask = 0xFFFFFF04;
constexpr uint32_t kUnsignedRequestHeader = uint32_t(Protocol::kNodeSensorId) << 24
                                            | uint32_t(Protocol::kManagementRequestType) << 16
                                            | uint32_t(uint8_t(Protocol::PayloadType::Custom) << 5
                                                       | uint8_t(Protocol::Command::Stream))
                                                      << 8;
// Spec 10.1 and 10.10.
constexpr uint32_t kStateTimeoutMs = 2000;
constexpr uint8_t kStateRetries = 3; ///< repeats after the first attempt
constexpr uint32_t kFailureDelayMs = 10000;
constexpr uint32_t kLongFailureDelayMs = 60000;
constexpr uint8_t kFailuresBeforeLongDelay = 7;
constexpr uint8_t kMaxUplinkFailures = 5;
constexpr uint8_t kRegistrationRequests = 4;
constexpr uint8_t kCoreVersion = 2;
// Spec 4.4: the node waits this long for the gateway's signing presentation.
constexpr uint32_t kPresentationReplyMs = 2000;
constexpr uint8_t kPresentationAttempts = 3;
// Spec 4.10: a locked node reports every 30 minutes.
constexpr uint32_t kLockedReportMs = 30UL * 60UL * 1000UL;
// Bounds the work of one poll() when a link floods the node.
constexpr uint8_t kMaxFramesPerPoll = 8;
constexpr uint8_t kVerdictKinds = 10;

// Reads "1".."254" (P_STRING, as the controller sends an id); 0 when it is anything else.
uint8_t parseNodeId(const Message &message)
{
    if (message.payloadType() != Protocol::PayloadType::String || message.payloadLength() == 0
        || message.payloadLength() > 3)
        return 0;
    uint16_t value = 0;
    for (uint8_t i = 0; i < message.payloadLength(); ++i) {
        const uint8_t c = message.payload()[i];
        if (c < '0' || c > '9')
            return 0;
        value = uint16_t(value * 10 + (c - '0'));
    }
    return value >= 1 && value <= 254 ? uint8_t(value) : 0;
}

} // namespace

SecureNode::SecureNode(const Hal &hal, Protocol::Sha256Compressor &sha, const NodeConfig &config)
    : m_hal(hal)
    , m_sha(sha)
    , m_config(config)
    , m_store(hal.eeprom, sha)
    , m_signer(sha)
    , m_session(hal.eeprom, m_store, sha)
{
    // Everything from m_counters to m_unsignedManagement is plain data that starts at zero (null
    // handlers, times, counters, flags): one memset instead of a store per member, which on
    // the AVR is about 4 bytes of code per member in the static constructor.
    uint8_t *const first = reinterpret_cast<uint8_t *>(&m_counters);
    memset(first, 0, size_t(reinterpret_cast<uint8_t *>(&m_unsignedManagement) + 1 - first));
    static_assert(NodeState::Off == NodeState(0) && Step::SigningPresentation == Step(0)
                          && LockReason::None == LockReason(0) && KeySource::None == KeySource(0),
                  "the zeroed block starts the state machine");
    static_assert(Protocol::kAutoAddress == 0xFF, "ids and distances start as 0xFF");
    memset(m_serial, 0xFF,
           size_t(reinterpret_cast<uint8_t *>(&m_candidateDistance) + 1 - m_serial));
}

SecureNode::~SecureNode() = default;

void SecureNode::setReceiveHandler(ReceiveHandler handler, void *context)
{
    m_onReceive = handler;
    m_onReceiveContext = context;
}

void SecureNode::setVerdictHandler(VerdictHandler handler, void *context)
{
    m_onVerdict = handler;
    m_onVerdictContext = context;
}

void SecureNode::setSendDoneHandler(SendDoneHandler handler, void *context)
{
    m_onSendDone = handler;
    m_onSendDoneContext = context;
}

uint16_t SecureNode::verdictCount(Verdict verdict) const
{
    return uint8_t(verdict) < kVerdictKinds ? m_verdicts[uint8_t(verdict)] : 0;
}

void SecureNode::begin()
{
    m_now = m_hal.clock.millis();
    m_store.load();
    // The boot counter is committed before the first nonce of this boot can exist, so no two
    // boots ever hash the same (boot, counter) pair. If the commit fails the nonces still mix
    // fresh entropy, but lose that guarantee.
    const uint32_t boots = m_store.bootCounter() + 1;
    m_store.beginStage();
    m_store.stageBootCounter(boots);
    m_store.commitStage();
    m_nonces.begin(m_hal.entropy, boots);
    if (m_hal.serial && m_config.personalizationWindowMs > 0) {
        m_session.start(*m_hal.serial, m_now, m_config.personalizationWindowMs);
        enter(NodeState::Personalization, m_now);
        return;
    }
    startJoining(m_now);
}

WARDEN_NOINLINE void SecureNode::reloadSecurity()
{
    m_store.load();
    uint8_t key[Protocol::kSigningKeySize];
    m_signer.clearKey();
    KeySource source = KeySource::Link;
    if (!m_store.readKey(KeySlot::Link, key)) {
        source = KeySource::Network;
        if (!m_store.readKey(KeySlot::Network, key)) {
            source = KeySource::None;
            // Spec 7.2: a MySensors-personalized node is trusted only with a matching checksum.
            if (legacyChecksumValid(m_hal.eeprom, m_sha)) {
                eepromRead(m_hal.eeprom, LegacyEeprom::kHmacKey, key, sizeof key);
                source = KeySource::Legacy;
            }
        }
    }
    if (source != KeySource::None)
        m_signer.setKey(key);
    m_keySource = source;
    Protocol::secureZero(key, sizeof key);
    if (!m_store.readSerial(m_serial))
        eepromRead(m_hal.eeprom, LegacyEeprom::kSerial, m_serial, sizeof m_serial);
    if (m_store.has(SlotFlag::kPolicy)) {
        m_policy = m_store.policy();
    } else {
        m_policy = uint8_t((m_config.requireSignatures ? PolicyFlag::kRequireSignatures : 0)
                           | (m_config.requireWhitelisting ? PolicyFlag::kRequireWhitelisting : 0));
    }
    // Whitelisting is a part of verification: it means nothing without signatures.
    if ((m_policy & PolicyFlag::kRequireSignatures) == 0)
        m_policy = uint8_t(m_policy & PolicyFlag::kIgnorePresentations);
}

void SecureNode::startJoining(uint32_t nowMs)
{
    reloadSecurity(); // a personalization session may have committed
    uint8_t id = eepromByte(LegacyEeprom::kNodeId);
    if (m_config.staticNodeId >= 1 && m_config.staticNodeId <= 254) {
        id = m_config.staticNodeId;
        setEepromByte(LegacyEeprom::kNodeId, id);
    }
    m_nodeId = id >= 1 && id <= 254 ? id : Protocol::kAutoAddress;
    m_hal.transport.setAddress(m_nodeId);
    m_parentId = Protocol::kAutoAddress;
    m_distance = 255;
    if (checkLockAtBoot(nowMs))
        return;
    enter(NodeState::FindParent, nowMs);
}

bool SecureNode::checkLockAtBoot(uint32_t nowMs)
{
    if (!m_config.nodeLock)
        return false;
    const uint8_t left = eepromByte(LegacyEeprom::kNodeLock);
    if (left == 0) {
        if (m_hal.board.unlockRequested()) {
            setEepromByte(LegacyEeprom::kNodeLock, kNodeLockMax);
            return false;
        }
        // Report through the parent the bootloader knows, if any.
        m_parentId = eepromByte(LegacyEeprom::kParentId);
        lock(LockReason::LockedDuringBoot, nowMs);
        return true;
    }
    // Erased (0xFF) or a value MySensors never writes: start with the full budget.
    if (left > kNodeLockMax)
        setEepromByte(LegacyEeprom::kNodeLock, kNodeLockMax);
    return false;
}

void SecureNode::enter(NodeState state, uint32_t nowMs)
{
    m_state = state;
    m_stateSince = nowMs;
    m_attemptSince = nowMs;
    m_attempts = 0;
    switch (state) {
    case NodeState::FindParent:
        m_candidateParent = Protocol::kAutoAddress;
        m_candidateDistance = 255;
        sendFindParent();
        break;
    case NodeState::RequestId: {
        // Spec 10.3 takes millis() & 0xFF; entropy keeps simultaneously booted nodes apart.
        uint8_t token = 0;
        m_hal.entropy.fill(&token, 1);
        m_idToken = token == 255 ? 0 : token;
        sendIdRequest();
        break;
    }
    case NodeState::Uplink:
        sendPing();
        break;
    case NodeState::Presenting:
        m_step = Step::SigningPresentation;
        m_childIndex = 0;
        break;
    case NodeState::Locked:
        reportLocked();
        break;
    default:
        break;
    }
}

void SecureNode::poll(uint32_t nowMs)
{
    m_now = nowMs;
    if (m_state == NodeState::Off)
        return;
    // During personalization the UART belongs to the session (on an RS485 node it is the bus
    // too); frames wait in the link.
    if (m_state != NodeState::Personalization) {
        uint8_t buffer[Protocol::kMaxMessageSize];
        for (uint8_t i = 0; i < kMaxFramesPerPoll; ++i) {
            const uint8_t length = m_hal.transport.receive(buffer, sizeof buffer);
            if (length == 0)
                break;
            processFrame(buffer, length, nowMs);
        }
    }
    m_verifyNonce.expire(nowMs);
    if (m_outgoingActive && elapsed(m_outgoingSince, Protocol::kVerificationTimeoutMs + 1))
        finishSend(false); // spec 4.6 step 7: no nonce in time, the message is not sent
    if (m_discoverPending && int32_t(nowMs - m_discoverAt) >= 0) {
        m_discoverPending = false;
        if (m_state == NodeState::Ready) {
            Message response = internal(m_discoverTo, Internal::DiscoverResponse);
            response.setByte(m_parentId);
            transmit(response);
        }
    }
    runState(nowMs);
    if (m_management && m_state == NodeState::Ready)
        m_management->onPoll(*this, nowMs);
}

WARDEN_NOINLINE void SecureNode::runState(uint32_t nowMs)
{
    switch (m_state) {
    case NodeState::Personalization:
        if (!m_session.poll(nowMs))
            startJoining(nowMs);
        break;
    case NodeState::FindParent:
        if (elapsed(m_attemptSince, kStateTimeoutMs)) {
            if (m_candidateParent != Protocol::kAutoAddress)
                adoptParent(m_candidateParent, m_candidateDistance, nowMs);
            else
                attemptTimedOut(nowMs);
        }
        break;
    case NodeState::RequestId:
    case NodeState::Uplink:
        if (elapsed(m_attemptSince, kStateTimeoutMs))
            attemptTimedOut(nowMs);
        break;
    case NodeState::Presenting:
        runPresenting(nowMs);
        break;
    case NodeState::Ready:
        if (m_config.heartbeatIntervalMs > 0
            && elapsed(m_lastHeartbeat, m_config.heartbeatIntervalMs))
            sendHeartbeat();
        break;
    case NodeState::Failure:
        if (elapsed(m_stateSince,
                    m_failures >= kFailuresBeforeLongDelay ? kLongFailureDelayMs : kFailureDelayMs))
            enter(NodeState::FindParent, nowMs);
        break;
    case NodeState::Locked:
        if (elapsed(m_attemptSince, kLockedReportMs)) {
            m_attemptSince = nowMs;
            reportLocked();
        }
        break;
    case NodeState::Off:
        break;
    }
}

WARDEN_NOINLINE bool SecureNode::elapsed(const uint32_t &since, uint32_t duration) const
{
    // m_now is the nowMs of the poll that runs the state machine. Unsigned subtraction keeps
    // working across the 32-bit millisecond wrap-around. One copy of the 32-bit compare
    // rather than one per timer.
    return uint32_t(m_now - since) >= duration;
}

WARDEN_NOINLINE uint8_t SecureNode::eepromByte(uint16_t address) const
{
    return m_hal.eeprom.read(address);
}

WARDEN_NOINLINE void SecureNode::setEepromByte(uint16_t address, uint8_t value)
{
    eepromUpdate(m_hal.eeprom, address, value);
}

void SecureNode::attemptTimedOut(uint32_t nowMs)
{
    if (m_attempts < kStateRetries) {
        ++m_attempts;
        m_attemptSince = nowMs;
        if (m_state == NodeState::FindParent)
            sendFindParent();
        else if (m_state == NodeState::RequestId)
            sendIdRequest();
        else
            sendPing();
        return;
    }
    if (m_failures < 255)
        ++m_failures;
    enter(NodeState::Failure, nowMs);
}

void SecureNode::sendFindParent()
{
    Message request = internal(Protocol::kBroadcastAddress, Internal::FindParentRequest);
    transmit(request);
}

void SecureNode::sendIdRequest()
{
    Message request = internal(Protocol::kGatewayAddress, Internal::IdRequest, m_idToken);
    transmit(request);
}

void SecureNode::sendPing()
{
    Message ping = internal(Protocol::kGatewayAddress, Internal::Ping);
    ping.setByte(1);
    transmit(ping);
}

void SecureNode::adoptParent(uint8_t parent, uint8_t distance, uint32_t nowMs)
{
    m_parentId = parent;
    m_distance = distance < 254 ? uint8_t(distance + 1) : 254;
    m_uplinkFailures = 0;
    // For a bootloader that fetches firmware through the parent (spec 7.1).
    setEepromByte(LegacyEeprom::kParentId, parent);
    enter(m_nodeId == Protocol::kAutoAddress ? NodeState::RequestId : NodeState::Uplink, nowMs);
}

void SecureNode::adoptNodeId(uint8_t id, uint32_t nowMs)
{
    m_nodeId = id;
    setEepromByte(LegacyEeprom::kNodeId, id);
    m_hal.transport.setAddress(id);
    enter(NodeState::Uplink, nowMs);
}

WARDEN_NOINLINE void SecureNode::becomeReady(uint32_t nowMs)
{
    m_state = NodeState::Ready;
    m_stateSince = nowMs;
    m_lastHeartbeat = nowMs;
    m_presentedOnce = true;
    m_failures = 0;
}

WARDEN_NOINLINE void SecureNode::runPresenting(uint32_t nowMs)
{
    if (m_outgoingActive)
        return; // one message at a time: the previous one still waits for its nonce
    // The steps that present a text (flash string) set these; one send after the switch.
    Command command = Command::Internal;
    uint8_t type = 0;
    uint8_t sensor = Protocol::kNodeSensorId;
    const char *text = nullptr;
    bool present = false;
    switch (m_step) {
    case Step::SigningPresentation: {
        Message presentation;
        const Protocol::SigningPreferences preferences
                = {(m_policy & PolicyFlag::kRequireSignatures) != 0,
                   (m_policy & PolicyFlag::kRequireWhitelisting) != 0};
        Protocol::makeSigningPresentation(presentation, m_nodeId, Protocol::kGatewayAddress,
                                          preferences);
        m_gatewayPresented = false;
        transmit(presentation);
        m_attemptSince = nowMs;
        m_step = Step::AwaitGatewayPresentation;
        break;
    }
    case Step::AwaitGatewayPresentation:
        if (m_gatewayPresented) {
            m_step = Step::NodePresentation;
        } else if (elapsed(m_attemptSince, kPresentationReplyMs)) {
            // Spec 4.4 goes on after one silent wait. A lost reply would leave the node not
            // knowing that the gateway requires signatures (and sending unsigned frames it
            // refuses), so the presentation is repeated a few times first.
            if (++m_attempts < kPresentationAttempts)
                m_step = Step::SigningPresentation;
            else
                m_step = Step::NodePresentation;
        }
        break;
    case Step::NodePresentation:
        command = Command::Presentation;
        type = uint8_t(Protocol::Sensor::ArduinoNode);
        // MySensors 2.3.2; "+w1": Warden management format 1, requests taken unsigned
        // (management-channel.md section 11), which Warden's gateway looks for.
        text = WARDEN_F("2.3.2+w1");
        present = true;
        m_step = Step::Config;
        break;
    case Step::Config: {
        Message config = internal(Protocol::kGatewayAddress, Internal::Config);
        config.setByte(m_parentId);
        dispatch(config, nowMs);
        m_step = Step::SketchName;
        break;
    }
    case Step::SketchName:
        type = uint8_t(Internal::SketchName);
        text = m_config.sketchName;
        present = text != nullptr;
        m_step = Step::SketchVersion;
        break;
    case Step::SketchVersion:
        type = uint8_t(Internal::SketchVersion);
        text = m_config.sketchVersion;
        present = text != nullptr;
        m_step = Step::Children;
        m_childIndex = 0;
        break;
    case Step::Children:
        if (m_config.children && m_childIndex < m_config.childCount) {
            const ChildPresentation &child = m_config.children[m_childIndex++];
            command = Command::Presentation;
            type = child.sensorType;
            sensor = child.id;
            text = child.description;
            present = true;
        } else if (m_presentedOnce) {
            becomeReady(nowMs); // a presentation on request: registration was done at the start
        } else {
            m_attempts = 0;
            m_step = Step::Registration;
        }
        break;
    case Step::Registration: {
        Message request = internal(Protocol::kGatewayAddress, Internal::RegistrationRequest);
        request.setByte(kCoreVersion);
        m_registrationAnswered = false;
        transmit(request);
        ++m_attempts;
        m_attemptSince = nowMs;
        m_step = Step::AwaitRegistration;
        break;
    }
    case Step::AwaitRegistration:
        if (m_registrationAnswered) {
            becomeReady(nowMs);
        } else if (elapsed(m_attemptSince, kStateTimeoutMs)) {
            if (m_attempts < kRegistrationRequests) {
                m_step = Step::Registration;
            } else {
                m_registered = true; // MY_REGISTRATION_DEFAULT: silence means accepted
                becomeReady(nowMs);
            }
        }
        break;
    }
    if (present)
        sendFlashString(command, type, sensor, text);
}

Message SecureNode::internal(uint8_t destination, Internal type, uint8_t sensor) const
{
    Message message;
    message.setHeader(m_nodeId, destination, Command::Internal, uint8_t(type), sensor);
    return message;
}

Message SecureNode::makeValue(uint8_t child, uint8_t type) const
{
    Message message;
    message.setHeader(m_nodeId, Protocol::kGatewayAddress, Command::Set, type, child);
    return message;
}

WARDEN_NOINLINE SendStatus SecureNode::sendFlashString(Command command, uint8_t type,
                                                       uint8_t sensor, const char *flashText)
{
    char text[Protocol::kMaxPayloadSize];
    uint8_t length = 0;
    if (flashText) {
        for (; length < sizeof text; ++length) {
            text[length] = char(flashByte(flashText + length));
            if (text[length] == 0)
                break;
        }
    }
    Message message;
    message.setHeader(m_nodeId, Protocol::kGatewayAddress, command, type, sensor);
    message.setString(text, length);
    return dispatch(message, m_now);
}

SendStatus SecureNode::send(const Message &message)
{
    if (m_state != NodeState::Ready || !m_registered)
        return SendStatus::NotReady;
    Message copy = message;
    copy.setSender(m_nodeId);
    return dispatch(copy, m_now);
}

SendStatus SecureNode::sendFloat(uint8_t child, uint8_t type, float value, uint8_t decimals)
{
    Message message = makeValue(child, type);
    message.setFloat32(value, decimals);
    return send(message);
}

SendStatus SecureNode::sendByte(uint8_t child, uint8_t type, uint8_t value)
{
    Message message = makeValue(child, type);
    message.setByte(value);
    return send(message);
}

SendStatus SecureNode::sendHeartbeat()
{
    if (m_state != NodeState::Ready)
        return SendStatus::NotReady;
    Message heartbeat = internal(Protocol::kGatewayAddress, Internal::HeartbeatResponse);
    heartbeat.setULong32(uint32_t(m_now - m_stateSince));
    m_lastHeartbeat = m_now;
    return dispatch(heartbeat, m_now);
}

bool SecureNode::required(uint16_t table, uint8_t node) const
{
    // A policy with an authoritative peer list replaces what presentations taught.
    if ((m_policy & PolicyFlag::kIgnorePresentations) != 0)
        return (m_store.peerFlags(node)
                & (table == LegacyEeprom::kSigningRequirements ? PeerFlag::kRequiresSignatures
                                                               : PeerFlag::kRequiresWhitelisting))
               != 0;
    // One byte of the table is enough; the bit rule (inverted polarity) is the protocol's.
    return Protocol::RequirementTable::isRequiredIn(eepromByte(uint16_t(table + (node >> 3))),
                                                    node);
}

bool SecureNode::mustSign(const Message &message) const
{
    // Broadcasts are never verified (spec 4.1), so they are never signed either.
    return !Protocol::isSigningExempt(message)
           && message.destination() != Protocol::kBroadcastAddress
           && required(LegacyEeprom::kSigningRequirements, message.destination());
}

WARDEN_NOINLINE SendStatus SecureNode::dispatch(Message &message, uint32_t nowMs)
{
    // Section 11: the management handler answers a request that reached this signing node
    // unsigned (only a Warden gateway sends those; a stock gateway signs for a signing node)
    // unsigned too, and the Warden gateway takes it (its tag authenticates it). A node that
    // requires no signatures cannot tell the gateways apart, so it signs where asked to.
    if (m_unsignedManagement || !mustSign(message)) {
        message.setSigned(false);
        return transmit(message) ? SendStatus::Sent : SendStatus::Failed;
    }
    // Spec 4.6 steps 3 and 7: no valid personalization, or no room for a signature.
    if (m_keySource == KeySource::None || message.payloadLength() > Protocol::kMaxSignablePayload) {
        ++m_counters.sendFailures;
        return SendStatus::Refused;
    }
    if (m_outgoingActive)
        return SendStatus::Busy;
    m_outgoing = message;
    m_outgoingActive = true;
    m_outgoingSince = nowMs;
    Message request = internal(message.destination(), Internal::NonceRequest, message.sensor());
    if (!transmit(request)) {
        m_outgoingActive = false;
        ++m_counters.sendFailures;
        return SendStatus::Failed;
    }
    return SendStatus::Pending;
}

bool SecureNode::transmitTo(uint8_t nextHop, const Message &message)
{
    ++m_counters.framesSent;
    return m_hal.transport.send(nextHop, message.data(), uint8_t(message.size()));
}

bool SecureNode::transmit(Message &message)
{
    message.setLast(m_nodeId);
    const uint8_t destination = message.destination();
    if (destination == Protocol::kBroadcastAddress)
        return transmitTo(Protocol::kBroadcastAddress, message);
    // Spec 10.5 for a plain node: the gateway through the parent; another node directly, then
    // through the parent. Without a parent (a locked node at boot) the gateway directly.
    const bool viaParent = destination == Protocol::kGatewayAddress || destination == m_parentId;
    bool delivered = false;
    if (!viaParent || m_parentId == Protocol::kAutoAddress)
        delivered = transmitTo(viaParent ? Protocol::kGatewayAddress : destination, message);
    if (!delivered && m_parentId != Protocol::kAutoAddress
        && (viaParent || destination != m_parentId)) {
        delivered = transmitTo(m_parentId, message);
        if (delivered) {
            m_uplinkFailures = 0;
        } else if (++m_uplinkFailures >= kMaxUplinkFailures && m_state == NodeState::Ready) {
            // Spec 10.1: the parent is gone; find another one (the presentation is kept).
            enter(NodeState::FindParent, m_now);
        }
    }
    return delivered;
}

void SecureNode::finishSend(bool delivered)
{
    m_outgoingActive = false;
    if (delivered)
        ++m_counters.signedSent;
    else
        ++m_counters.sendFailures;
    if (m_onSendDone)
        m_onSendDone(m_onSendDoneContext, m_outgoing, delivered);
}

WARDEN_NOINLINE void SecureNode::deliver(const Message &message)
{
    if (m_onReceive)
        m_onReceive(m_onReceiveContext, message);
}

void SecureNode::note(const Message &message, Verdict verdict)
{
    if (uint8_t(verdict) < kVerdictKinds && m_verdicts[uint8_t(verdict)] < 0xFFFF)
        ++m_verdicts[uint8_t(verdict)];
    if (m_onVerdict)
        m_onVerdict(m_onVerdictContext, message, verdict);
}

WARDEN_NOINLINE void SecureNode::processFrame(const uint8_t *data, uint8_t length, uint32_t nowMs)
{
    if (m_counters.framesReceived < 0xFFFF)
        ++m_counters.framesReceived;
    Message message;
    if (Message::decode(data, length, message) != Protocol::DecodeError::None) {
        ++m_counters.malformed;
        return;
    }
    if (m_state == NodeState::Locked)
        return; // a locked node does nothing but report (spec 4.10)
    const uint8_t destination = message.destination();
    const bool toMe = m_nodeId != Protocol::kAutoAddress && destination == m_nodeId;
    if (!toMe && destination != Protocol::kBroadcastAddress)
        return; // not a repeater: frames for others are not ours to relay
    if (m_nodeId != Protocol::kAutoAddress && message.sender() == m_nodeId)
        return; // our own broadcast, heard back

    if ((m_policy & PolicyFlag::kRequireSignatures) != 0 && !Protocol::isSigningExempt(message)) {
        // A broadcast cannot carry a signature for us (nonces are per destination); MySensors
        // hands unverified broadcasts to the sketch, a node that requires signatures does not.
        if (!toMe)
            return;
        // Management requests (section 11 of the channel's document) authenticate themselves
        // by their tag, which the handler always checks: a signing node takes them unsigned
        // too, so a Warden gateway sends them without a nonce round trip, and the nonce
        // requests the node counts towards its lock (spec 4.10) do not grow with management
        // traffic. Nothing else is let through unsigned: header bytes 3-6 must be exactly an
        // unsigned C_STREAM/P_CUSTOM request of type 0x57 to sensor 255 that asks for no echo
        // (an echo of an unverified frame would confirm a forgery). One masked compare: the
        // smallest code for the AVR.
        m_unsignedManagement = (Protocol::readLe32(message.data() + 3) & kUnsignedRequestMask)
                               == kUnsignedRequestHeader;
        if (!m_unsignedManagement && !verifyFrame(message, nowMs))
            return;
    }

    if (message.isEcho()) {
        deliver(message);
        return;
    }
    if (toMe && message.requestEcho() && m_state == NodeState::Ready)
        sendEcho(message);
    switch (message.command()) {
    case Command::Internal:
        handleInternal(message, toMe, nowMs);
        break;
    case Command::Set:
    case Command::Req:
        // Spec 10.6: a broadcast reaches the sketch only from the parent.
        if (toMe || message.last() == m_parentId)
            deliver(message);
        break;
    case Command::Stream:
        if (toMe && m_management && message.type() >= kFirstManagementStreamType)
            m_management->onManagementFrame(*this, message, nowMs);
        break;
    default:
        break;
    }
    // What the handler sent while it handled an unsigned request went unsigned (dispatch());
    // an answer frame it sends later, and everything else, is signed as usual.
    m_unsignedManagement = false;
}

WARDEN_NOINLINE bool SecureNode::verifyFrame(Message &message, uint32_t nowMs)
{
    Protocol::WhitelistEntry entry;
    Protocol::WhitelistView view = {&entry, 0};
    const bool whitelisting = (m_policy & PolicyFlag::kRequireWhitelisting) != 0;
    if (whitelisting && m_store.findWhitelistEntry(message.sender(), entry))
        view.count = 1;
    const Verdict verdict = Protocol::verifyReceived(m_signer, message, m_verifyNonce, nowMs,
                                                     whitelisting ? &view : nullptr);
    note(message, verdict);
    if (verdict != Verdict::Verified) {
        // Spec 4.7 step 2: an unsigned frame is refused without touching the lock counter.
        if (message.isSigned())
            failedVerification(nowMs);
        return false;
    }
    verificationSucceeded();
    message.setSigned(false);
    return true;
}

WARDEN_NOINLINE void SecureNode::sendEcho(const Message &message)
{
    // Echoed only once verified: an echo of a forged frame would confirm a forgery.
    Message echo = message;
    echo.setRequestEcho(false);
    echo.setEcho(true);
    echo.setSigned(false);
    echo.setSender(m_nodeId);
    echo.setDestination(message.sender());
    transmit(echo);
}

WARDEN_NOINLINE void SecureNode::handleInternal(const Message &message, bool toMe, uint32_t nowMs)
{
    const Internal type = static_cast<Internal>(message.type());
    // Everything but the joining answers and discovery is for this node alone: one test here
    // rather than one per case.
    if (!toMe && type != Internal::FindParentResponse && type != Internal::IdResponse
        && type != Internal::DiscoverRequest)
        return;
    switch (type) {
    case Internal::FindParentResponse: {
        uint8_t distance = 0;
        if (m_state != NodeState::FindParent || !message.getByte(distance) || distance >= 254)
            break;
        if (distance < m_candidateDistance) {
            m_candidateParent = message.sender();
            m_candidateDistance = distance;
        }
        // Nobody beats the gateway itself: no need to wait out the window.
        if (distance == 0)
            adoptParent(m_candidateParent, 0, nowMs);
        break;
    }
    case Internal::IdResponse:
        if (m_state == NodeState::RequestId
            && (message.sensor() == m_idToken || message.sensor() == Protocol::kNodeSensorId)) {
            // Spec 10.3: 0 or 255 means "network full"; the attempt times out and retries.
            const uint8_t id = parseNodeId(message);
            if (id != 0)
                adoptNodeId(id, nowMs);
        }
        break;
    case Internal::Pong: {
        uint8_t hops = 0;
        if (m_state == NodeState::Uplink && message.getByte(hops)) {
            m_distance = hops;
            if (m_presentedOnce)
                becomeReady(nowMs);
            else
                enter(NodeState::Presenting, nowMs);
        }
        break;
    }
    case Internal::SigningPresentation: {
        Protocol::SigningPreferences preferences;
        if (Protocol::parseSigningPresentation(message, preferences)) {
            // Unauthenticated (spec 14): ignored when the management channel set the peers.
            if ((m_policy & PolicyFlag::kIgnorePresentations) == 0)
                applyPresentation(message.sender(), preferences);
            if (message.sender() == Protocol::kGatewayAddress)
                m_gatewayPresented = true;
        }
        break;
    }
    case Internal::NonceRequest:
        answerNonceRequest(message, nowMs);
        break;
    case Internal::NonceResponse:
        completeSigning(message);
        break;
    case Internal::HeartbeatRequest:
        sendHeartbeat();
        break;
    case Internal::Presentation:
        if (m_state == NodeState::Ready)
            enter(NodeState::Presenting, nowMs);
        break;
    case Internal::RegistrationResponse: {
        uint8_t accepted = 0;
        if (message.getByte(accepted)) {
            m_registered = accepted != 0;
            m_registrationAnswered = true;
        }
        break;
    }
    case Internal::Reboot:
        if (message.sender() == Protocol::kGatewayAddress)
            m_hal.board.restart();
        break;
    case Internal::DiscoverRequest:
        if (m_state == NodeState::Ready && message.last() == m_parentId) {
            // Spec 10.8: answer after 0..1023 ms, so that siblings do not collide.
            uint8_t jitter[2];
            m_hal.entropy.fill(jitter, 2);
            m_discoverAt = nowMs + (Protocol::readLe16(jitter) & 0x3FF);
            m_discoverTo = message.sender();
            m_discoverPending = true;
        }
        break;
    case Internal::Version:
        if (m_state == NodeState::Ready) {
            Message reply = internal(message.sender(), Internal::Version);
            reply.setULong32(kLibraryVersion);
            dispatch(reply, nowMs);
        }
        break;
    case Internal::Time:
    case Internal::Config:
        deliver(message);
        break;
    default:
        break;
    }
}

void SecureNode::applyPresentation(uint8_t sender, Protocol::SigningPreferences preferences)
{
    // Only the bytes that hold the sender's bits are read and written back; the bit rules are
    // the protocol's.
    const uint16_t sign = uint16_t(LegacyEeprom::kSigningRequirements + (sender >> 3));
    const uint16_t whitelist = uint16_t(LegacyEeprom::kWhitelistRequirements + (sender >> 3));
    uint8_t doSign = eepromByte(sign);
    uint8_t doWhitelist = eepromByte(whitelist);
    Protocol::applySigningPresentation(doSign, doWhitelist, sender, preferences,
                                       m_config.weakSecurity);
    // Spec 4.3: written back after every presentation, where MySensors keeps them.
    setEepromByte(sign, doSign);
    setEepromByte(whitelist, doWhitelist);
}

WARDEN_NOINLINE void SecureNode::answerNonceRequest(const Message &request, uint32_t nowMs)
{
    if (m_keySource == KeySource::None)
        return; // nothing could verify the signed frame that would follow
    if (m_config.nodeLock && ++m_nonceRequests >= kNodeLockMax) {
        lock(LockReason::NonceRequests, nowMs);
        return;
    }
    uint8_t random[Protocol::kNoncePayloadSize];
    m_nonces.generate(m_sha, m_hal.entropy, nowMs, random);
    // A new nonce replaces the outstanding one (spec 5.8: one verification session at a time).
    m_verifyNonce.issue(random, nowMs);
    Message response = internal(request.sender(), Internal::NonceResponse);
    response.setPayload(Protocol::PayloadType::Custom, random, sizeof random);
    Protocol::secureZero(random, sizeof random);
    ++m_counters.noncesIssued;
    transmit(response);
}

WARDEN_NOINLINE void SecureNode::completeSigning(const Message &response)
{
    // Spec 4.6 step 5: only the destination of the pending message may supply its nonce.
    if (!m_outgoingActive || response.sender() != m_outgoing.destination()
        || response.payloadType() != Protocol::PayloadType::Custom
        || response.payloadLength() != Protocol::kNoncePayloadSize)
        return;
    uint8_t nonce[Protocol::kNonceSize];
    Protocol::nonceFromPayload(response.payload(), nonce);
    // Salt whenever the destination demands it (spec 4.12, the compatible choice).
    const uint8_t *salt = required(LegacyEeprom::kWhitelistRequirements, m_outgoing.destination())
                                  ? m_serial
                                  : nullptr;
    const bool signedOk = m_signer.sign(m_outgoing, nonce, salt) == Protocol::SignResult::Ok;
    Protocol::secureZero(nonce, sizeof nonce);
    finishSend(signedOk && transmit(m_outgoing));
}

void SecureNode::failedVerification(uint32_t nowMs)
{
    if (!m_config.nodeLock)
        return;
    // The budget lives in the MySensors lock byte, so a reboot does not reset it: 5..1 left,
    // 0 locked (MySensors reads 1..5 as "not locked", like its own 5).
    uint8_t left = eepromByte(LegacyEeprom::kNodeLock);
    if (left == 0 || left > kNodeLockMax)
        left = kNodeLockMax;
    --left;
    setEepromByte(LegacyEeprom::kNodeLock, left);
    if (left == 0)
        lock(LockReason::FailedVerifications, nowMs);
}

void SecureNode::verificationSucceeded()
{
    m_nonceRequests = 0;
    if (m_config.nodeLock)
        setEepromByte(LegacyEeprom::kNodeLock, kNodeLockMax);
}

void SecureNode::lock(LockReason reason, uint32_t nowMs)
{
    setEepromByte(LegacyEeprom::kNodeLock, 0);
    m_lockReason = reason;
    m_verifyNonce.purge();
    const bool wasSending = m_outgoingActive;
    // Locked first: a send-done callback must not be able to start anything new.
    enter(NodeState::Locked, nowMs);
    if (wasSending)
        finishSend(false);
}

WARDEN_NOINLINE void SecureNode::reportLocked()
{
    // Sent unsigned: a locked node no longer runs a signing session (a gateway that requires
    // signatures logs it as not signed, which still tells the controller).
    const char *reason = m_lockReason == LockReason::NonceRequests         ? WARDEN_F("TMNR")
                         : m_lockReason == LockReason::FailedVerifications ? WARDEN_F("TMFV")
                                                                           : WARDEN_F("LDB");
    char text[5];
    uint8_t length = 0;
    while (length < 4 && (text[length] = char(flashByte(reason + length))) != 0)
        ++length;
    Message report = internal(Protocol::kGatewayAddress, Internal::Locked);
    report.setString(text, length);
    transmit(report);
}

} // namespace Firmware
} // namespace Warden
