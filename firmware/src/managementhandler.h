// The node's end of Warden's management channel (firmware/docs/management-channel.md): it
// reassembles and authenticates requests with the portable ManagementReceiver, applies each
// authentic, fresh request to the A/B slot store in ONE commit together with its counter (so
// power lost at any byte leaves the old state and counter or the new ones, whole), and answers
// with an authenticated acknowledgement sent through the node (signed like any frame when the
// gateway requires it).
//
// RAM: the receiver (one 189-byte stream buffer), the cached channel keys and the last
// acknowledgement, about 420 bytes; the configuration digest borrows the stack for a moment.
#pragma once

#include "securenode.h"

#include <warden/protocol/management.h>

namespace Warden {
namespace Firmware {

/// The management channel of one SecureNode: setManagementHandler(&handler) and it runs from
/// the node's poll(). No heap, no global state.
class ManagementChannelHandler final : public ManagementHandler
{
public:
    /// At most one `bad-tag` answer per this many milliseconds (section 7.1: they let core
    /// tell a wrong key from a lost frame, but let an attacker make the node transmit).
    static constexpr uint32_t kBadTagAnswerIntervalMs = 10000;

    explicit ManagementChannelHandler(Protocol::Sha256Compressor &sha);
    ~ManagementChannelHandler();
    ManagementChannelHandler(const ManagementChannelHandler &) = delete;
    ManagementChannelHandler &operator=(const ManagementChannelHandler &) = delete;

    void onManagementFrame(SecureNode &node, const Protocol::Message &message,
                           uint32_t nowMs) override;
    void onPoll(SecureNode &node, uint32_t nowMs) override;

    /// The result of the last request that was opened (Applied before any).
    Protocol::ManagementResult lastResult() const { return Protocol::ManagementResult(m_result); }
    /// Requests that failed authentication since construction (saturates).
    uint16_t badTags() const { return m_badTags; }
    /// True while acknowledgement frames wait to be sent.
    bool isAnswering() const { return m_ackNext < m_ack.frameCount(); }

private:
    bool ensureKeys(SecureNode &node);
    void process(SecureNode &node, uint32_t nowMs);
    uint8_t apply(SecureNode &node, Protocol::ManagementStatus status);
    void answerFresh(SecureNode &node, uint8_t operation, uint32_t counter, uint8_t result);
    uint8_t stageOperation(WardenStore &store);
    void digest(SecureNode &node, uint8_t out[Protocol::kSha256DigestSize]);
    void answer(uint8_t operation, uint32_t counter, uint8_t result, const uint8_t *body,
                uint8_t bodyLength, bool remember);
    void pump(SecureNode &node);

    Protocol::Sha256Compressor &m_sha;
    Protocol::ManagementReceiver m_receiver;
    Protocol::ManagementKeys m_keys;
    Protocol::ManagementAckBuilder m_ack; ///< the last acknowledgement, kept for resending
    // m_keysSequence .. m_badTagAnswered: plain data, zeroed as one block by the constructor.
    uint32_t m_keysSequence; ///< the store commit the keys were derived at
    uint32_t m_ackCounter; ///< the request counter m_ack answers, when m_ackRemembered
    uint32_t m_lastBadTagAnswer;
    uint16_t m_badTags;
    uint8_t m_ackOperation;
    uint8_t m_ackNext; ///< the next frame of m_ack to send
    uint8_t m_result;
    bool m_keysValid;
    bool m_ackRemembered;
    bool m_reloadPending; ///< committed; node.reloadSecurity() once the answer is out
    bool m_badTagAnswered;
};

} // namespace Firmware
} // namespace Warden
