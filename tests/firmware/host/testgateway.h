// A gateway for the firmware tests, built only on core/protocol: it acts as node 0 on any
// firmware Transport (the simulated bus, RS485 over a pty), assigns ids, answers find-parent,
// pings, registrations and nonce requests, verifies what nodes send with LegacySigner and
// signs what it sends to nodes that require signatures. Everything it receives is kept with
// its verdict so a test can assert on it.
#pragma once

#include <hal.h>

#include <warden/protocol/signing.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <vector>

namespace WardenTest {

class TestGateway
{
public:
    struct Received
    {
        Warden::Protocol::Message message;
        Warden::Protocol::Verdict verdict;
        uint32_t at;
    };

    TestGateway(Warden::Firmware::Transport &transport, Warden::Protocol::Sha256Compressor &sha,
                Warden::Firmware::Clock &clock, uint64_t seed = 7);

    void setKey(const uint8_t key[Warden::Protocol::kSigningKeySize]);
    void setRequireSignatures(bool on) { m_requireSignatures = on; }
    void setRequireWhitelisting(bool on) { m_requireWhitelisting = on; }
    void setWeakSecurity(bool on) { m_weakSecurity = on; }
    /// The gateway's own serial, for salting what it signs to whitelisting nodes.
    void setSerial(const uint8_t serial[Warden::Protocol::kSerialSize]);
    void whitelist(uint8_t node, const uint8_t serial[Warden::Protocol::kSerialSize]);
    void clearWhitelist() { m_whitelist.clear(); }
    void setNextId(uint8_t id) { m_nextId = id; }
    void setAnswerNonceRequests(bool on) { m_answerNonces = on; }
    void setAnswerFindParent(bool on) { m_answerFindParent = on; }
    void setAnswerRegistration(bool on) { m_answerRegistration = on; }

    /// Handles every frame that has arrived and times out stalled signing sessions.
    void poll();

    /// Queues @p message (sender 0) for its destination: signed after a nonce round trip when
    /// the node's presentation asked for signatures, else sent at once.
    void send(Warden::Protocol::Message message);
    /// Sends a frame as is (forgeries, replays): last = 0, next hop = @p nextHop.
    bool transmitRaw(uint8_t nextHop, const Warden::Protocol::Message &message);
    /// Asks @p node for a nonce and keeps it (for hand-made signed frames).
    void requestNonce(uint8_t node, uint8_t sensor = 255);
    /// The last nonce a node sent us (32 bytes, padded), if any.
    bool lastNonceFrom(uint8_t node, uint8_t out[Warden::Protocol::kNonceSize]) const;

    Warden::Protocol::LegacySigner &signer() { return m_signer; }
    const std::vector<Received> &received() const { return m_received; }
    void clearReceived() { m_received.clear(); }
    /// Received frames of one command/type from one node.
    std::vector<Received> find(uint8_t sender, Warden::Protocol::Command command,
                               int type = -1) const;
    size_t verdictCount(Warden::Protocol::Verdict verdict) const;
    bool nodeRequiresSignatures(uint8_t node) const;
    bool nodeRequiresWhitelisting(uint8_t node) const;
    bool hasPresented(uint8_t node) const { return m_presentations.count(node) != 0; }

    uint64_t signedSent() const { return m_signedSent; }
    uint64_t signFailures() const { return m_signFailures; }
    uint8_t assignedIds() const { return uint8_t(m_nextId - m_firstId); }
    std::function<void(const Received &)> onReceived;

private:
    void handle(const Warden::Protocol::Message &message, uint32_t now);
    void reply(const Warden::Protocol::Message &request, Warden::Protocol::Internal type,
               const void *payload, size_t length, Warden::Protocol::PayloadType payloadType);
    void pump(uint8_t node, uint32_t now);
    uint8_t nextHopFor(uint8_t destination) const;

    struct Session
    {
        std::deque<Warden::Protocol::Message> queue;
        bool awaitingNonce = false;
        uint32_t since = 0;
    };

    Warden::Firmware::Transport &m_transport;
    Warden::Firmware::Clock &m_clock;
    Warden::Protocol::LegacySigner m_signer;
    uint64_t m_rng;
    bool m_requireSignatures = true;
    bool m_requireWhitelisting = false;
    bool m_weakSecurity = false;
    bool m_answerNonces = true;
    bool m_answerFindParent = true;
    bool m_answerRegistration = true;
    uint8_t m_serial[Warden::Protocol::kSerialSize] = {};
    uint8_t m_firstId = 1;
    uint8_t m_nextId = 1;
    std::vector<Warden::Protocol::WhitelistEntry> m_whitelist;
    std::map<uint8_t, Warden::Protocol::NonceSlot> m_nonces; ///< ours, per node
    std::map<uint8_t, std::vector<uint8_t>> m_theirNonces; ///< theirs, per node
    std::map<uint8_t, Warden::Protocol::SigningPreferences> m_presentations;
    std::map<uint8_t, Session> m_sessions;
    std::vector<Received> m_received;
    uint64_t m_signedSent = 0;
    uint64_t m_signFailures = 0;
};

} // namespace WardenTest
