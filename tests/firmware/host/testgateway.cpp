#include "testgateway.h"

#include <cstring>
#include <string>

using namespace Warden::Protocol;

namespace WardenTest {

TestGateway::TestGateway(Warden::Firmware::Transport &transport, Sha256Compressor &sha,
                         Warden::Firmware::Clock &clock, uint64_t seed)
    : m_transport(transport)
    , m_clock(clock)
    , m_signer(sha)
    , m_rng(seed)
{
    m_transport.setAddress(kGatewayAddress);
}

void TestGateway::setKey(const uint8_t key[kSigningKeySize])
{
    m_signer.setKey(key);
}

void TestGateway::setSerial(const uint8_t serial[kSerialSize])
{
    std::memcpy(m_serial, serial, kSerialSize);
}

void TestGateway::whitelist(uint8_t node, const uint8_t serial[kSerialSize])
{
    WhitelistEntry entry {};
    entry.nodeId = node;
    std::memcpy(entry.serial, serial, kSerialSize);
    m_whitelist.push_back(entry);
}

uint8_t TestGateway::nextHopFor(uint8_t destination) const
{
    return destination; // every node is in range of the gateway in these tests
}

bool TestGateway::transmitRaw(uint8_t nextHop, const Message &message)
{
    Message copy = message;
    copy.setLast(kGatewayAddress);
    return m_transport.send(nextHop, copy.data(), uint8_t(copy.size()));
}

void TestGateway::reply(const Message &request, Internal type, const void *payload, size_t length,
                        PayloadType payloadType)
{
    Message m;
    m.setHeader(kGatewayAddress, request.sender(), Command::Internal, uint8_t(type), kNodeSensorId);
    m.setPayload(payloadType, payload, length);
    transmitRaw(nextHopFor(request.sender()), m);
}

bool TestGateway::nodeRequiresSignatures(uint8_t node) const
{
    auto it = m_presentations.find(node);
    return it != m_presentations.end() && it->second.requiresSignatures;
}

bool TestGateway::nodeRequiresWhitelisting(uint8_t node) const
{
    auto it = m_presentations.find(node);
    return it != m_presentations.end() && it->second.requiresWhitelisting;
}

void TestGateway::poll()
{
    const uint32_t now = m_clock.millis();
    uint8_t buffer[kMaxMessageSize];
    for (;;) {
        const uint8_t length = m_transport.receive(buffer, sizeof buffer);
        if (length == 0)
            break;
        Message message;
        if (Message::decode(buffer, length, message) != DecodeError::None)
            continue;
        handle(message, now);
    }
    for (auto &[node, session] : m_sessions) {
        if (session.awaitingNonce && uint32_t(now - session.since) > kVerificationTimeoutMs) {
            session.awaitingNonce = false;
            session.queue.pop_front();
            ++m_signFailures;
        }
        pump(node, now);
    }
}

void TestGateway::handle(const Message &message, uint32_t now)
{
    const uint8_t destination = message.destination();
    if (destination != kGatewayAddress && destination != kBroadcastAddress)
        return;
    const uint8_t sender = message.sender();

    Verdict verdict = Verdict::Exempt;
    if (destination == kGatewayAddress && !isSigningExempt(message)) {
        const bool verify
                = m_requireSignatures && (!m_weakSecurity || nodeRequiresSignatures(sender));
        if (verify) {
            WhitelistView view {m_whitelist.data(), m_whitelist.size()};
            verdict = verifyReceived(m_signer, message, m_nonces[sender], now,
                                     m_requireWhitelisting ? &view : nullptr);
        }
        // Otherwise not required: accepted unchecked, recorded as Exempt.
    }
    Received record {message, verdict, now};
    m_received.push_back(record);
    if (onReceived)
        onReceived(record);
    if (verdict != Verdict::Verified && verdict != Verdict::Exempt)
        return;

    if (message.command() != Command::Internal)
        return;
    switch (static_cast<Internal>(message.type())) {
    case Internal::FindParentRequest:
        if (m_answerFindParent) {
            Message m;
            m.setHeader(kGatewayAddress, sender, Command::Internal,
                        uint8_t(Internal::FindParentResponse), kNodeSensorId);
            m.setByte(0);
            transmitRaw(sender == kAutoAddress ? kBroadcastAddress : sender, m);
        }
        break;
    case Internal::IdRequest:
        if (destination == kGatewayAddress && m_nextId < 255) {
            const std::string id = std::to_string(m_nextId++);
            Message m;
            m.setHeader(kGatewayAddress, kBroadcastAddress, Command::Internal,
                        uint8_t(Internal::IdResponse), message.sensor());
            m.setString(id.data(), id.size());
            transmitRaw(kBroadcastAddress, m);
        }
        break;
    case Internal::Ping: {
        const uint8_t hops = 1;
        reply(message, Internal::Pong, &hops, 1, PayloadType::Byte);
        break;
    }
    case Internal::SigningPresentation: {
        SigningPreferences preferences {};
        if (destination == kGatewayAddress && parseSigningPresentation(message, preferences)) {
            m_presentations[sender] = preferences;
            Message m;
            const SigningPreferences ours {
                    m_requireSignatures && (!m_weakSecurity || preferences.requiresSignatures),
                    m_requireWhitelisting};
            makeSigningPresentation(m, kGatewayAddress, sender, ours);
            transmitRaw(nextHopFor(sender), m);
        }
        break;
    }
    case Internal::NonceRequest:
        if (destination == kGatewayAddress && m_answerNonces) {
            uint8_t random[kNoncePayloadSize];
            for (uint8_t &b : random) {
                m_rng = m_rng * 6364136223846793005ull + 1442695040888963407ull;
                b = uint8_t(m_rng >> 56);
            }
            m_nonces[sender].issue(random, now);
            reply(message, Internal::NonceResponse, random, sizeof random, PayloadType::Custom);
        }
        break;
    case Internal::NonceResponse:
        if (destination == kGatewayAddress && message.payloadLength() == kNoncePayloadSize) {
            m_theirNonces[sender].assign(message.payload(), message.payload() + kNoncePayloadSize);
            auto it = m_sessions.find(sender);
            if (it != m_sessions.end() && it->second.awaitingNonce && !it->second.queue.empty()) {
                Session &session = it->second;
                Message m = session.queue.front();
                session.queue.pop_front();
                session.awaitingNonce = false;
                uint8_t nonce[kNonceSize];
                nonceFromPayload(message.payload(), nonce);
                const bool salt = nodeRequiresWhitelisting(sender);
                if (m_signer.sign(m, nonce, salt ? m_serial : nullptr) == SignResult::Ok
                    && transmitRaw(nextHopFor(sender), m))
                    ++m_signedSent;
                else
                    ++m_signFailures;
                pump(sender, now);
            }
        }
        break;
    case Internal::RegistrationRequest: {
        if (!m_answerRegistration)
            break;
        Message m;
        m.setHeader(kGatewayAddress, sender, Command::Internal,
                    uint8_t(Internal::RegistrationResponse), kNodeSensorId);
        m.setByte(1);
        send(m);
        break;
    }
    default:
        break;
    }
}

void TestGateway::send(Message message)
{
    message.setSender(kGatewayAddress);
    const uint8_t node = message.destination();
    if (isSigningExempt(message) || !nodeRequiresSignatures(node)) {
        transmitRaw(nextHopFor(node), message);
        return;
    }
    m_sessions[node].queue.push_back(message);
    pump(node, m_clock.millis());
}

void TestGateway::pump(uint8_t node, uint32_t now)
{
    Session &session = m_sessions[node];
    if (session.awaitingNonce || session.queue.empty())
        return;
    Message request;
    request.setHeader(kGatewayAddress, node, Command::Internal, uint8_t(Internal::NonceRequest),
                      session.queue.front().sensor());
    session.awaitingNonce = true;
    session.since = now;
    transmitRaw(nextHopFor(node), request);
}

void TestGateway::requestNonce(uint8_t node, uint8_t sensor)
{
    Message request;
    request.setHeader(kGatewayAddress, node, Command::Internal, uint8_t(Internal::NonceRequest),
                      sensor);
    transmitRaw(nextHopFor(node), request);
}

bool TestGateway::lastNonceFrom(uint8_t node, uint8_t out[kNonceSize]) const
{
    auto it = m_theirNonces.find(node);
    if (it == m_theirNonces.end())
        return false;
    nonceFromPayload(it->second.data(), out);
    return true;
}

std::vector<TestGateway::Received> TestGateway::find(uint8_t sender, Command command,
                                                     int type) const
{
    std::vector<Received> out;
    for (const Received &r : m_received) {
        if (r.message.sender() == sender && r.message.command() == command
            && (type < 0 || r.message.type() == type))
            out.push_back(r);
    }
    return out;
}

size_t TestGateway::verdictCount(Verdict verdict) const
{
    size_t n = 0;
    for (const Received &r : m_received)
        n += r.verdict == verdict ? 1 : 0;
    return n;
}

} // namespace WardenTest
