#include "managementhandler.h"

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
    , m_keysSequence(0)
    , m_ackCounter(0)
    , m_lastBadTagAnswer(0)
    , m_badTags(0)
    , m_ackOperation(0)
    , m_ackNext(0)
    , m_result(uint8_t(ManagementResult::Applied))
    , m_keysValid(false)
    , m_ackRemembered(false)
    , m_reloadPending(false)
    , m_badTagAnswered(false)
{ }

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

bool ManagementChannelHandler::ensureKeys(SecureNode &node)
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

void ManagementChannelHandler::process(SecureNode &node, uint32_t nowMs)
{
    const bool haveKeys = ensureKeys(node);
    const uint32_t last = node.store().managementCounter();
    const ManagementStatus status = m_receiver.open(m_keys, last);
    const uint8_t operation = m_receiver.operationByte();
    const uint32_t counter = m_receiver.counter();
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
            answer(operation, counter, uint8_t(ManagementResult::BadTag), nullptr, 0, false);
        }
        break;
    case ManagementStatus::StaleCounter: {
        uint8_t body[4];
        Protocol::writeLe32(body, last);
        answer(operation, counter, uint8_t(ManagementResult::StaleCounter), body, sizeof body,
               false);
        break;
    }
    case ManagementStatus::RepeatedCounter:
        // Already processed, its acknowledgement lost: the same answer again if it is still
        // here, never a second application.
        if (m_ackRemembered && m_ackCounter == counter && m_ackOperation == operation) {
            m_ackNext = 0;
            m_result = uint8_t(ManagementResult::Repeated);
        } else {
            answer(operation, counter, uint8_t(ManagementResult::Repeated), nullptr, 0, false);
        }
        break;
    default: { // Complete, UnknownOperation, MalformedBody: authentic and fresh
        uint8_t result = apply(node, status);
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
        break;
    }
    }
    m_receiver.clear(); // wipes the decrypted body (keys)
    if (m_reloadPending && !node.isReady()) {
        // Nothing can be sent now: the answer goes out later, under the new state.
        m_reloadPending = false;
        node.reloadSecurity();
    }
}

uint8_t ManagementChannelHandler::apply(SecureNode &node, ManagementStatus status)
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
    constexpr uint8_t kApplied = uint8_t(ManagementResult::Applied);
    constexpr uint8_t kNoRoom = uint8_t(ManagementResult::NoRoom);
    Protocol::WhitelistEntry entry;
    uint16_t epoch = 0;
    switch (m_receiver.operation()) {
    case ManagementOperation::ReplaceWhitelist:
        store.stageWhitelistClear();
        for (size_t i = 0; i < m_receiver.whitelistCount(); ++i) {
            m_receiver.whitelistEntry(i, entry);
            if (store.stageWhitelistAdd(entry) != StoreStatus::Ok)
                return kNoRoom;
        }
        return kApplied;
    case ManagementOperation::AddWhitelistEntry:
        m_receiver.whitelistEntry(0, entry);
        return store.stageWhitelistAdd(entry) == StoreStatus::Ok ? kApplied : kNoRoom;
    case ManagementOperation::RemoveWhitelistEntry:
        // Removing an absent entry is Applied: "not listed" holds.
        m_receiver.removedNodeId(entry.nodeId);
        store.stageWhitelistRemove(entry.nodeId);
        return kApplied;
    case ManagementOperation::SetSigningPolicy: {
        uint8_t flags = 0;
        m_receiver.policyFlags(flags);
        store.stagePolicy(flags);
        store.stagePeersClear();
        Protocol::SigningPeer peer;
        for (size_t i = 0; i < m_receiver.peerCount(); ++i) {
            m_receiver.peer(i, peer);
            if (store.stagePeer(peer.nodeId, peer.flags) != StoreStatus::Ok)
                return kNoRoom;
        }
        return kApplied;
    }
    case ManagementOperation::SetLinkKey:
        store.stageKey(KeySlot::Link, m_receiver.key());
        return kApplied;
    case ManagementOperation::SetNetworkKey:
        m_receiver.epoch(epoch);
        store.stageKey(KeySlot::Pending, m_receiver.key(), epoch);
        return kApplied;
    case ManagementOperation::ActivateEpoch:
        m_receiver.epoch(epoch);
        return store.stageActivateEpoch(epoch) == StoreStatus::Ok
                       ? kApplied
                       : uint8_t(ManagementResult::UnknownEpoch);
    case ManagementOperation::ReadConfigDigest:
        return kApplied;
    case ManagementOperation::FactoryReset: {
        uint8_t scope = 0;
        m_receiver.resetScope(scope);
        store.stageWipeSecrets((scope & Protocol::kManagementResetEraseManagementKey) != 0);
        return kApplied;
    }
    }
    return uint8_t(ManagementResult::UnknownOperation);
}

void ManagementChannelHandler::digest(SecureNode &node, uint8_t out[Protocol::kSha256DigestSize])
{
    // The canonical image of section 8 over what the committed slot holds. The peer list is
    // what set-signing-policy wrote; it enters the digest as the two requirement tables.
    WardenStore &store = node.store();
    Protocol::WhitelistEntry list[kWhitelistCapacity];
    const uint8_t count = store.whitelistCount();
    for (uint8_t i = 0; i < count; ++i)
        store.whitelistEntry(i, list[i]);
    Protocol::RequirementTable doSign;
    Protocol::RequirementTable doWhitelist;
    PeerEntry peer;
    for (uint8_t i = 0; store.peerEntry(i, peer); ++i) {
        if ((peer.flags & PeerFlag::kRequiresSignatures) != 0)
            doSign.require(peer.nodeId);
        if ((peer.flags & PeerFlag::kRequiresWhitelisting) != 0)
            doWhitelist.require(peer.nodeId);
    }
    uint8_t keys[3][Protocol::kManagementKeySize];
    Protocol::ManagementConfigSummary summary;
    summary.serial = node.serial();
    summary.whitelist.entries = list;
    summary.whitelist.count = count;
    summary.policyFlags = store.policy();
    summary.doSign = &doSign;
    summary.doWhitelist = &doWhitelist;
    summary.linkKey = store.readKey(KeySlot::Link, keys[0]) ? keys[0] : nullptr;
    summary.activeEpoch = store.activeEpoch();
    summary.activeNetworkKey = store.readKey(KeySlot::Network, keys[1]) ? keys[1] : nullptr;
    summary.pendingEpoch = store.pendingEpoch();
    summary.pendingNetworkKey = store.readKey(KeySlot::Pending, keys[2]) ? keys[2] : nullptr;
    Protocol::computeConfigDigest(m_sha, summary, out);
    Protocol::secureZero(keys, sizeof keys);
    Protocol::secureZero(list, sizeof list);
}

void ManagementChannelHandler::answer(uint8_t operation, uint32_t counter, uint8_t result,
                                      const uint8_t *body, uint8_t bodyLength, bool remember)
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

void ManagementChannelHandler::pump(SecureNode &node)
{
    // One frame at a time through the node: when the gateway requires signatures each frame
    // waits for its nonce (Pending) and the next goes out on a later poll.
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
