#include "managementhandler.h"

#include <string.h>

namespace Warden {
namespace Firmware {

using Protocol::ManagementOperation;
using Protocol::ManagementResult;
using Protocol::ManagementStatus;
using Protocol::Message;

ManagementChannelHandler::ManagementChannelHandler(Protocol::Sha256Compressor &sha)
    : m_sha(sha)
    , m_receiver(sha)
    , m_ack(sha)
{
    // m_keysSequence .. m_badTagAnswered: plain data starting at zero (ManagementResult::Applied
    // is 0); one memset rather than a store per member.
    uint8_t *const first = reinterpret_cast<uint8_t *>(&m_keysSequence);
    memset(first, 0, size_t(reinterpret_cast<uint8_t *>(&m_badTagAnswered) + 1 - first));
    m_result = uint8_t(ManagementResult::Applied);
}

ManagementChannelHandler::~ManagementChannelHandler() = default;

void ManagementChannelHandler::onManagementFrame(SecureNode &node, const Message &message,
                                                 uint32_t nowMs)
{
    if (m_receiver.feed(message, nowMs) == ManagementStatus::Assembled)
        process(node, nowMs);
    pump(node);
}

void ManagementChannelHandler::onPoll(SecureNode &node, uint32_t nowMs)
{
    m_receiver.expire(nowMs);
    pump(node);
}

WARDEN_NOINLINE bool ManagementChannelHandler::ensureKeys(SecureNode &node)
{
    // Every commit moves the store's sequence number, so a key derived at the current one is
    // derived from the K_mgmt and serial the store holds now: four compressions per change,
    // not per request.
    WardenStore &store = node.store();
    if (!m_keysValid || m_keysSequence != store.sequence()) {
        m_keys.clear();
        uint8_t key[Protocol::kManagementKeySize];
        if (store.readKey(KeySlot::Management, key))
            m_keys.derive(m_sha, key, node.serial());
        Protocol::secureZero(key, sizeof key);
        m_keysSequence = store.sequence();
        m_keysValid = true;
    }
    return m_keys.isSet();
}

WARDEN_NOINLINE void ManagementChannelHandler::process(SecureNode &node, uint32_t nowMs)
{
    const bool haveKeys = ensureKeys(node);
    const uint32_t last = node.store().managementCounter();
    const ManagementStatus status = m_receiver.open(m_keys, last);
    const uint8_t operation = m_receiver.operationByte();
    const uint32_t counter = m_receiver.counter();
    // The answers to a request that is not applied: one call after the switch.
    constexpr uint8_t kNoAnswer = 0xFF;
    uint8_t result = kNoAnswer;
    uint8_t body[4];
    uint8_t bodyLength = 0;
    switch (status) {
    case ManagementStatus::NotAssembled:
        return;
    case ManagementStatus::BadTag:
        // Nothing in the request is believed: no state change, at most a rate-limited answer
        // under the node's own keys (it reveals nothing).
        if (m_badTags < 0xFFFF)
            ++m_badTags;
        if (haveKeys
            && (!m_badTagAnswered
                || uint32_t(nowMs - m_lastBadTagAnswer) >= kBadTagAnswerIntervalMs)) {
            m_badTagAnswered = true;
            m_lastBadTagAnswer = nowMs;
            result = uint8_t(ManagementResult::BadTag);
        }
        break;
    case ManagementStatus::StaleCounter:
        Protocol::writeLe32(body, last);
        bodyLength = sizeof body;
        result = uint8_t(ManagementResult::StaleCounter);
        break;
    case ManagementStatus::RepeatedCounter:
        // Already processed, its acknowledgement lost: the same answer again if it is still
        // here, never a second application.
        if (m_ackRemembered && m_ackCounter == counter && m_ackOperation == operation) {
            m_ackNext = 0;
            m_result = uint8_t(ManagementResult::Repeated);
        } else {
            result = uint8_t(ManagementResult::Repeated);
        }
        break;
    default: // Complete, UnknownOperation, MalformedBody: authentic and fresh
        answerFresh(node, operation, counter, apply(node, status));
        break;
    }
    if (result != kNoAnswer)
        answer(operation, counter, result, body, bodyLength, false);
    m_receiver.clear(); // wipes the decrypted body (keys)
    if (m_reloadPending && !node.isReady()) {
        // Nothing can be sent now: the answer goes out later, under the new state.
        m_reloadPending = false;
        node.reloadSecurity();
    }
}

WARDEN_NOINLINE void ManagementChannelHandler::answerFresh(SecureNode &node, uint8_t operation,
                                                           uint32_t counter, uint8_t result)
{
    // Its own frame: the digest buffer is not on the stack while apply() commits.
    uint8_t body[Protocol::kSha256DigestSize];
    uint8_t bodyLength = 0;
    if (result == uint8_t(ManagementResult::Applied)
        && operation == uint8_t(ManagementOperation::ReadConfigDigest)) {
        digest(node, body);
        bodyLength = sizeof body;
    }
    // Built with the keys the request was opened with: after a factory reset that erased
    // K_mgmt, these are the last keys core and node share.
    answer(operation, counter, result, body, bodyLength, true);
}

WARDEN_NOINLINE uint8_t ManagementChannelHandler::apply(SecureNode &node, ManagementStatus status)
{
    WardenStore &store = node.store();
    uint8_t result = status == ManagementStatus::UnknownOperation
                             ? uint8_t(ManagementResult::UnknownOperation)
                     : status == ManagementStatus::MalformedBody
                             ? uint8_t(ManagementResult::MalformedBody)
                             : uint8_t(ManagementResult::Applied);
    store.beginStage();
    if (result == uint8_t(ManagementResult::Applied)) {
        result = stageOperation(store);
        if (result != uint8_t(ManagementResult::Applied)) {
            // Refused half-way: start over from the active image, so only the counter changes.
            store.abortStage();
            store.beginStage();
        }
    }
    // The counter is consumed whatever the outcome, in the same commit as the change: after a
    // power cut the store holds the old counter and state, or the new ones, never a mix.
    store.stageManagementCounter(m_receiver.counter());
    const StoreStatus committed = store.commitStage();
    // The node takes the new keys and policy once the acknowledgement is out (pump()): it is
    // signed, where the gateway requires it, with the key the gateway still knows - after a
    // set-link-key or a factory reset the new key (or none) would make it undeliverable.
    m_reloadPending = true;
    if (committed != StoreStatus::Ok)
        result = uint8_t(ManagementResult::StorageFailed);
    m_result = result;
    return result;
}

uint8_t ManagementChannelHandler::stageOperation(WardenStore &store)
{
    // The body is authentic and validated (ManagementReceiver::open): its fields are read in
    // place, in the layouts of the reference document's "Operations".
    constexpr uint8_t kApplied = uint8_t(ManagementResult::Applied);
    constexpr uint8_t kNoRoom = uint8_t(ManagementResult::NoRoom);
    static_assert(sizeof(Protocol::WhitelistEntry) == Protocol::kManagementWhitelistEntrySize,
                  "a whitelist entry is read as it lies in the body");
    const uint8_t *body = m_receiver.body();
    uint8_t count = 1;
    switch (m_receiver.operation()) {
    case ManagementOperation::ReplaceWhitelist:
        store.stageWhitelistClear();
        count = *body++; // the entries follow the count
        // fall through
    case ManagementOperation::AddWhitelistEntry:
        for (uint8_t i = 0; i < count; ++i, body += sizeof(Protocol::WhitelistEntry)) {
            Protocol::WhitelistEntry entry;
            memcpy(&entry, body, sizeof entry);
            if (store.stageWhitelistAdd(entry) != StoreStatus::Ok)
                return kNoRoom;
        }
        return kApplied;
    case ManagementOperation::RemoveWhitelistEntry:
        // Removing an absent entry is Applied: "not listed" holds.
        store.stageWhitelistRemove(body[0]);
        return kApplied;
    case ManagementOperation::SetSigningPolicy:
        store.stagePolicy(body[0]);
        store.stagePeersClear();
        for (uint8_t i = 0; i < body[1]; ++i) {
            if (store.stagePeer(body[2 + 2 * i], body[3 + 2 * i]) != StoreStatus::Ok)
                return kNoRoom;
        }
        return kApplied;
    case ManagementOperation::SetLinkKey:
        store.stageKey(KeySlot::Link, body);
        return kApplied;
    case ManagementOperation::SetNetworkKey:
        store.stageKey(KeySlot::Pending, body + 2, Protocol::readLe16(body));
        return kApplied;
    case ManagementOperation::ActivateEpoch:
        return store.stageActivateEpoch(Protocol::readLe16(body)) == StoreStatus::Ok
                       ? kApplied
                       : uint8_t(ManagementResult::UnknownEpoch);
    case ManagementOperation::ReadConfigDigest:
        return kApplied;
    case ManagementOperation::FactoryReset:
        store.stageWipeSecrets((body[4] & Protocol::kManagementResetEraseManagementKey) != 0);
        return kApplied;
    }
    return uint8_t(ManagementResult::UnknownOperation);
}

namespace {

/// The committed slot as the configuration digest reads it: byte by byte from the EEPROM, so
/// no copy of the whitelist or the keys sits on the stack. The peer list is what
/// set-signing-policy wrote; it enters the digest as the two requirement tables.
class StoreConfigSource final : public Protocol::ManagementConfigSource
{
public:
    StoreConfigSource(const WardenStore &store, const uint8_t *serial)
        : m_store(store)
        , m_serial(serial)
    { }

    void serial(uint8_t out[Protocol::kSerialSize]) const override
    {
        memcpy(out, m_serial, Protocol::kSerialSize);
    }
    uint8_t whitelistCount() const override { return m_store.whitelistCount(); }
    uint8_t whitelistNodeId(uint8_t index) const override
    {
        Protocol::WhitelistEntry entry;
        m_store.whitelistEntry(index, entry);
        return entry.nodeId;
    }
    void whitelistSerial(uint8_t index, uint8_t out[Protocol::kSerialSize]) const override
    {
        Protocol::WhitelistEntry entry;
        m_store.whitelistEntry(index, entry);
        memcpy(out, entry.serial, Protocol::kSerialSize);
    }
    uint8_t policyFlags() const override { return m_store.policy(); }
    uint8_t peerFlags(uint8_t nodeId) const override
    {
        return uint8_t(m_store.peerFlags(nodeId)
                       & (PeerFlag::kRequiresSignatures | PeerFlag::kRequiresWhitelisting));
    }
    bool key(Protocol::ManagementConfigKey which,
             uint8_t out[Protocol::kManagementKeySize]) const override
    {
        return m_store.readKey(slotOf(which), out);
    }
    uint16_t epoch(Protocol::ManagementConfigKey which) const override
    {
        return which == Protocol::ManagementConfigKey::ActiveNetwork    ? m_store.activeEpoch()
               : which == Protocol::ManagementConfigKey::PendingNetwork ? m_store.pendingEpoch()
                                                                        : 0;
    }

private:
    static KeySlot slotOf(Protocol::ManagementConfigKey which)
    {
        return which == Protocol::ManagementConfigKey::Link            ? KeySlot::Link
               : which == Protocol::ManagementConfigKey::ActiveNetwork ? KeySlot::Network
                                                                       : KeySlot::Pending;
    }

    const WardenStore &m_store;
    const uint8_t *m_serial;
};

} // namespace

WARDEN_NOINLINE void ManagementChannelHandler::digest(SecureNode &node,
                                                      uint8_t out[Protocol::kSha256DigestSize])
{
    // The canonical image of section 8 over what the committed slot holds.
    Protocol::computeConfigDigest(m_sha, StoreConfigSource(node.store(), node.serial()), out);
}

WARDEN_NOINLINE void ManagementChannelHandler::answer(uint8_t operation, uint32_t counter,
                                                      uint8_t result, const uint8_t *body,
                                                      uint8_t bodyLength, bool remember)
{
    const bool built
            = m_ack.begin(m_keys, operation, counter, ManagementResult(result), body, bodyLength)
              == Protocol::ManagementBuildError::None;
    // Only the answer to an applied-or-refused fresh request is worth repeating: the others
    // are not what a retransmission of that counter should get.
    m_ackRemembered = built && remember;
    m_ackCounter = counter;
    m_ackOperation = operation;
    m_ackNext = 0;
    if (!remember)
        m_result = result;
}

WARDEN_NOINLINE void ManagementChannelHandler::pump(SecureNode &node)
{
    // One frame at a time through the node: when the gateway requires signatures each frame
    // waits for its nonce (Pending) and the next goes out on a later poll. The answer to a
    // request that came unsigned goes out unsigned, all frames at once, from the frame's own
    // processing (SecureNode::dispatch, management-channel.md section 11).
    while (m_ackNext < m_ack.frameCount() && node.isReady() && !node.isSending()) {
        Message frame;
        m_ack.frame(m_ackNext, frame, node.nodeId(), Protocol::kGatewayAddress);
        const SendStatus status = node.send(frame);
        if (status == SendStatus::Busy || status == SendStatus::NotReady)
            break;
        ++m_ackNext;
        if (status == SendStatus::Refused || status == SendStatus::Failed) {
            // Core notices the missing acknowledgement and retransmits the request.
            m_ackNext = uint8_t(m_ack.frameCount());
            break;
        }
    }
    if (m_reloadPending && m_ackNext >= m_ack.frameCount() && !node.isSending()) {
        m_reloadPending = false;
        node.reloadSecurity();
    }
}

} // namespace Firmware
} // namespace Warden
