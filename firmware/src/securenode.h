// The secure MySensors node: joins a network (parent, id, uplink), presents itself, sends and
// receives values, and speaks the legacy signing protocol both ways with whitelists and the
// node lock, keyed from the EEPROM (Warden slot, else the MySensors personalization area).
//
// One object, its hardware injected, no global state: a host process runs hundreds of them on
// a simulated bus; the AVR runs one static instance. poll() never blocks or delays: every wait
// of the protocol (2 s state timeouts, the 5 s nonce window) is a deadline checked on the next
// poll.
#pragma once

#include "noncegenerator.h"
#include "personalization.h"
#include "wardenstore.h"

namespace Warden {
namespace Firmware {

class SecureNode;

/// A child sensor as the sketch presents it.
struct ChildPresentation
{
    uint8_t id;
    uint8_t sensorType; ///< S_* (Protocol::Sensor)
    const char *description; ///< WARDEN_FLASH string, or null
};

/// What the sketch decides at build time (the MySensors MY_* options of the same meaning).
struct NodeConfig
{
    const char *sketchName = nullptr; ///< WARDEN_FLASH string, or null
    const char *sketchVersion = nullptr; ///< WARDEN_FLASH string, or null
    const ChildPresentation *children = nullptr;
    uint8_t childCount = 0;
    /// 1..254 for a static id (MY_NODE_ID), else assigned by the controller.
    uint8_t staticNodeId = 255;
    /// Defaults for what the node demands of frames addressed to it; a Warden slot that holds
    /// a policy overrides them (MY_SIGNING_REQUEST_SIGNATURES, MY_SIGNING_NODE_WHITELISTING).
    bool requireSignatures = true;
    bool requireWhitelisting = false;
    /// MY_SIGNING_WEAK_SECURITY: presentations may drop requirements again.
    bool weakSecurity = false;
    /// MY_NODE_LOCK_FEATURE (spec 4.10).
    bool nodeLock = true;
    /// How long the node listens for a personalization hello at boot; 0 = never.
    uint16_t personalizationWindowMs = 2000;
    /// Unprompted heartbeats when Ready; 0 = only when the controller asks.
    uint32_t heartbeatIntervalMs = 0;
};

enum class NodeState : uint8_t {
    Off, ///< before begin()
    Personalization, ///< listening for, or running, a personalization session
    FindParent,
    RequestId,
    Uplink, ///< pinging the gateway
    Presenting, ///< signing presentation, node, sketch and children, registration
    Ready,
    Failure, ///< waiting before the next attempt to join
    Locked, ///< node lock (spec 4.10): only I_LOCKED reports until unlocked at boot
};

enum class SendStatus : uint8_t {
    Sent, ///< handed to the link (and acknowledged by it for unicasts)
    Pending, ///< waiting for the destination's nonce; the outcome comes to the SendDoneHandler
    Busy, ///< a signing session is already running (one at a time, spec 4.6)
    NotReady, ///< the node has not joined, or is locked
    Refused, ///< must be signed but cannot: no valid key, or a payload over 23 bytes
    Failed, ///< the link did not deliver it
};

enum class LockReason : uint8_t {
    None = 0,
    LockedDuringBoot, ///< "LDB": the lock byte was 0 at boot and the unlock pin not grounded
    NonceRequests, ///< "TMNR": too many nonce requests without a verified frame
    FailedVerifications, ///< "TMFV": too many signed frames failed verification
};

/// Where the signing key comes from: the first of link key, network key, legacy key.
enum class KeySource : uint8_t {
    None = 0, ///< no key: signing and verification fail
    Legacy, ///< the MySensors personalization area (checksum valid), no Warden key
    Network, ///< the Warden slot's active network key (shared-key networks)
    Link, ///< the Warden slot's link key (per-node-key networks)
};

/// Receives the frames of Warden's management channel: C_STREAM frames of a type above the
/// MySensors ST_* range, addressed to this node, after legacy verification (when the node
/// requires signatures). The wire format and its own authentication are the handler's.
class ManagementHandler
{
public:
    virtual void onManagementFrame(SecureNode &node, const Protocol::Message &message,
                                   uint32_t nowMs)
            = 0;
    /// Called on every poll, for timeouts of partial transfers.
    virtual void onPoll(SecureNode &node, uint32_t nowMs) = 0;

protected:
    ~ManagementHandler() = default;
};

/// C_STREAM types from this value up go to the ManagementHandler (MySensors uses 0..7).
constexpr uint8_t kFirstManagementStreamType = Protocol::kLastStreamType + 1;

/// Callbacks are a function and a context pointer (no std::function on the AVR).
typedef void (*ReceiveHandler)(void *context, const Protocol::Message &message);
typedef void (*VerdictHandler)(void *context, const Protocol::Message &message,
                               Protocol::Verdict verdict);
typedef void (*SendDoneHandler)(void *context, const Protocol::Message &message, bool delivered);

/// Plain counters for diagnostics and tests.
struct NodeCounters
{
    uint16_t framesReceived;
    uint16_t malformed; ///< frames that are not valid messages
    uint16_t framesSent;
    uint16_t signedSent;
    uint16_t sendFailures;
    uint16_t noncesIssued;
};

class SecureNode
{
public:
    /// The library version the node presents (S_ARDUINO_NODE) and reports (I_VERSION).
    static constexpr uint32_t kLibraryVersion = 0x020302FF;

    SecureNode(const Hal &hal, Protocol::Sha256Compressor &sha, const NodeConfig &config);
    ~SecureNode();
    SecureNode(const SecureNode &) = delete;
    SecureNode &operator=(const SecureNode &) = delete;

    /// Loads the EEPROM state, persists the next boot counter, then opens the personalization
    /// window (if there is a serial port and a window) or starts joining.
    void begin();
    /// Does whatever is due at @p nowMs. Non-blocking.
    void poll(uint32_t nowMs);
    void poll() { poll(m_hal.clock.millis()); }

    NodeState state() const { return m_state; }
    bool isReady() const { return m_state == NodeState::Ready; }
    uint8_t nodeId() const { return m_nodeId; }
    uint8_t parentId() const { return m_parentId; }
    uint8_t distance() const { return m_distance; }
    bool isRegistered() const { return m_registered; }
    LockReason lockReason() const { return m_lockReason; }
    KeySource keySource() const { return m_keySource; }
    /// The effective PolicyFlag bits.
    uint8_t policy() const { return m_policy; }
    const uint8_t *serial() const { return m_serial; }

    /// A C_SET message from this node to the gateway, payload still empty.
    Protocol::Message makeValue(uint8_t child, uint8_t type) const;
    /// Sends @p message (sender, last and routing are set here), signing it when its
    /// destination requires signatures (not while the management handler answers a request
    /// that came unsigned: management-channel.md section 11). Needs the node to be Ready.
    SendStatus send(const Protocol::Message &message);
    SendStatus sendFloat(uint8_t child, uint8_t type, float value, uint8_t decimals);
    SendStatus sendByte(uint8_t child, uint8_t type, uint8_t value);
    /// I_HEARTBEAT_RESPONSE with the milliseconds since the node became Ready.
    SendStatus sendHeartbeat();
    /// True while a signing session waits for a nonce.
    bool isSending() const { return m_outgoingActive; }

    void setReceiveHandler(ReceiveHandler handler, void *context);
    void setVerdictHandler(VerdictHandler handler, void *context);
    void setSendDoneHandler(SendDoneHandler handler, void *context);
    void setManagementHandler(ManagementHandler *handler) { m_management = handler; }

    /// The slot store, for the management channel (stage, commit, then reloadSecurity()).
    WardenStore &store() { return m_store; }
    /// Reloads the slots and re-reads key, serial and policy after the store changed (ends a
    /// stage that is still open).
    void reloadSecurity();

    /// Received frames that got each verdict.
    uint16_t verdictCount(Protocol::Verdict verdict) const;
    const NodeCounters &counters() const { return m_counters; }

private:
    enum class Step : uint8_t {
        SigningPresentation,
        AwaitGatewayPresentation,
        NodePresentation,
        Config,
        SketchName,
        SketchVersion,
        Children,
        Registration,
        AwaitRegistration,
    };

    void enter(NodeState state, uint32_t nowMs);
    void startJoining(uint32_t nowMs);
    void runState(uint32_t nowMs);
    void runPresenting(uint32_t nowMs);
    void attemptTimedOut(uint32_t nowMs);
    /// True when @p duration ms have passed since the time in @p since (a member).
    bool elapsed(const uint32_t &since, uint32_t duration) const;
    /// The node's own EEPROM bytes (legacy fields), each access one short call.
    uint8_t eepromByte(uint16_t address) const;
    void setEepromByte(uint16_t address, uint8_t value);
    void sendFindParent();
    void sendIdRequest();
    void sendPing();
    void adoptParent(uint8_t parent, uint8_t distance, uint32_t nowMs);
    void adoptNodeId(uint8_t id, uint32_t nowMs);
    void becomeReady(uint32_t nowMs);

    void processFrame(const uint8_t *data, uint8_t length, uint32_t nowMs);
    /// Verifies a signed frame to this node (whitelist, nonce, node lock); true when accepted.
    bool verifyFrame(Protocol::Message &message, uint32_t nowMs);
    void sendEcho(const Protocol::Message &message);
    void handleInternal(const Protocol::Message &message, bool toMe, uint32_t nowMs);
    void answerNonceRequest(const Protocol::Message &request, uint32_t nowMs);
    void completeSigning(const Protocol::Message &response);
    void finishSend(bool delivered);
    /// Hands @p message to the sketch's receive handler, if there is one.
    void deliver(const Protocol::Message &message);
    void note(const Protocol::Message &message, Protocol::Verdict verdict);
    void failedVerification(uint32_t nowMs);
    void verificationSucceeded();
    void lock(LockReason reason, uint32_t nowMs);
    void reportLocked();
    bool checkLockAtBoot(uint32_t nowMs);

    SendStatus dispatch(Protocol::Message &message, uint32_t nowMs);
    bool transmit(Protocol::Message &message);
    bool transmitTo(uint8_t nextHop, const Protocol::Message &message);
    bool mustSign(const Protocol::Message &message) const;
    bool required(uint16_t table, uint8_t node) const;
    void applyPresentation(uint8_t sender, Protocol::SigningPreferences preferences);
    Protocol::Message internal(uint8_t destination, Protocol::Internal type,
                               uint8_t sensor = Protocol::kNodeSensorId) const;
    /// A presentation text (WARDEN_FLASH string, or null for none) to the gateway.
    SendStatus sendFlashString(Protocol::Command command, uint8_t type, uint8_t sensor,
                               const char *flashText);

    Hal m_hal;
    Protocol::Sha256Compressor &m_sha;
    const NodeConfig &m_config;
    WardenStore m_store;
    Protocol::LegacySigner m_signer;
    Protocol::NonceSlot m_verifyNonce;
    NonceGenerator m_nonces;
    PersonalizationSession m_session;
    Protocol::Message m_outgoing; ///< the message waiting for its nonce
    // From here to m_unsignedManagement: plain data only (the constructor zeroes it as one block).
    NodeCounters m_counters;
    uint16_t m_verdicts[10];

    ReceiveHandler m_onReceive;
    void *m_onReceiveContext;
    VerdictHandler m_onVerdict;
    void *m_onVerdictContext;
    SendDoneHandler m_onSendDone;
    void *m_onSendDoneContext;
    ManagementHandler *m_management;

    uint32_t m_now; ///< the time of the current poll
    uint32_t m_stateSince; ///< when the current state was entered (heartbeat value)
    uint32_t m_attemptSince; ///< when the current attempt or step started
    uint32_t m_outgoingSince;
    uint32_t m_lastHeartbeat;
    uint32_t m_discoverAt;
    // m_serial .. m_candidateDistance start as 0xFF (unknown serial, ids and distances): one
    // memset after the zeroing.
    uint8_t m_serial[Protocol::kSerialSize];
    uint8_t m_nodeId;
    uint8_t m_parentId;
    uint8_t m_distance;
    uint8_t m_candidateParent;
    uint8_t m_candidateDistance;
    NodeState m_state;
    Step m_step;
    LockReason m_lockReason;
    KeySource m_keySource;
    uint8_t m_policy;
    uint8_t m_idToken;
    uint8_t m_attempts;
    uint8_t m_failures; ///< consecutive joins that failed
    uint8_t m_childIndex;
    uint8_t m_uplinkFailures;
    uint8_t m_nonceRequests;
    uint8_t m_discoverTo;
    bool m_outgoingActive;
    bool m_gatewayPresented;
    bool m_registered;
    bool m_registrationAnswered;
    bool m_presentedOnce;
    bool m_discoverPending;
    /// While the management handler runs for a request that reached this signing node
    /// without a legacy signature: its answer goes out unsigned.
    bool m_unsignedManagement;
};

} // namespace Firmware
} // namespace Warden
