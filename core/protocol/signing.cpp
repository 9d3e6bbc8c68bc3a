#include "warden/protocol/signing.h"

#include "portability.h"

#include <string.h>

namespace Warden {
namespace Protocol {

namespace {

// Spec 5.5, step 1 (the chip's GenDig): the bytes after the 32-byte message chunk: opcode,
// zone, slot 8 (two bytes), SN[8], SN[0], SN[1]; then 25 zero bytes.
const uint8_t kGenDigParameters[7] WARDEN_PROTOCOL_FLASH
        = {0x15, 0x02, 0x08, 0x00, 0xEE, 0x01, 0x23};

// Spec 5.5, step 2 (the chip's HMAC command): bytes 64..87 of the 88-byte MAC input: opcode,
// mode, key slot (2), OTP[0..10] (11 zeros), SN[8], SN[4..7] (4 zeros), SN[0], SN[1],
// SN[2..3] (2 zeros).
const uint8_t kHmacParameters[24] WARDEN_PROTOCOL_FLASH
        = {0x11, 0x04, 0x00, 0x00, 0, 0, 0, 0, 0,    0,    0,    0,
           0,    0,    0,    0xEE, 0, 0, 0, 0, 0x01, 0x23, 0x00, 0x00};

} // namespace

const char *signResultName(SignResult result)
{
    switch (result) {
    case SignResult::Ok:
        return "ok";
    case SignResult::NoKey:
        return "no-key";
    case SignResult::NoRoom:
        return "no-room";
    }
    return "unknown";
}

const char *verdictName(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Verified:
        return "verified";
    case Verdict::Exempt:
        return "exempt";
    case Verdict::NotSigned:
        return "not-signed";
    case Verdict::NoNonce:
        return "no-nonce";
    case Verdict::NonceExpired:
        return "nonce-expired";
    case Verdict::NoRoom:
        return "no-room";
    case Verdict::BadIdentifier:
        return "bad-identifier";
    case Verdict::NotWhitelisted:
        return "not-whitelisted";
    case Verdict::BadSignature:
        return "bad-signature";
    case Verdict::NoKey:
        return "no-key";
    }
    return "unknown";
}

const char *verdictText(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Verified:
        return "the signature is correct";
    case Verdict::Exempt:
        return "this message type is never signed";
    case Verdict::NotSigned:
        return "a signature is required but the frame is unsigned";
    case Verdict::NoNonce:
        return "no nonce was outstanding for this frame";
    case Verdict::NonceExpired:
        return "the nonce expired (older than 5 s)";
    case Verdict::NoRoom:
        return "the payload is longer than 23 bytes, so no signature fits";
    case Verdict::BadIdentifier:
        return "the signature does not start with the HMAC-SHA256 identifier 1";
    case Verdict::NotWhitelisted:
        return "the sender is not on the whitelist";
    case Verdict::BadSignature:
        return "the signature does not match (tampered, wrong key, wrong serial or stale nonce)";
    case Verdict::NoKey:
        return "the verifier has no signing key";
    }
    return "unknown verdict";
}

void nonceFromPayload(const uint8_t payload[kNoncePayloadSize], uint8_t nonce[kNonceSize])
{
    memcpy(nonce, payload, kNoncePayloadSize);
    memset(nonce + kNoncePayloadSize, kNoncePadding, kNonceSize - kNoncePayloadSize);
}

LegacySigner::LegacySigner(Sha256Compressor &backend)
    : m_backend(backend)
{ }

LegacySigner::~LegacySigner() = default;

void LegacySigner::setKey(const uint8_t key[kSigningKeySize])
{
    m_key.setKey(m_backend, key, kSigningKeySize);
}

void LegacySigner::clearKey()
{
    m_key.clear();
}

void LegacySigner::computeHmac(const Message &message, const uint8_t nonce[kNonceSize],
                               uint8_t out[kSha256DigestSize])
{
    // A 32-byte frame covers at most 6 + 25 = 31 bytes, so there is always exactly one
    // 32-byte chunk and the chaining of spec 5.4 never runs a second round. @p out serves as
    // the second buffer: the stack is what a node is short of.
    uint8_t chunk[kSha256DigestSize];
    Sha256 h(m_backend);

    // GenDig: SHA-256(chunk || parameters || 25 zeros || nonce) = 96 bytes.
    const size_t covered = 6 + message.payloadLength();
    memset(chunk, 0, sizeof chunk);
    memcpy(chunk, message.data() + 1, covered);
    chunk[2] |= 0x04; // frame byte 3: the signed flag is covered as set, on both sides
    h.update(chunk, sizeof chunk);
    memset(chunk, 0, sizeof chunk);
    copyFromFlash(chunk, kGenDigParameters, sizeof kGenDigParameters);
    h.update(chunk, sizeof chunk);
    h.update(nonce, kNonceSize);
    h.finish(out);

    // HMAC from the cached midstates over 32 zeros || GenDig digest || 24 parameter bytes.
    m_key.beginMac(h);
    memset(chunk, 0, sizeof chunk);
    h.update(chunk, sizeof chunk);
    h.update(out, kSha256DigestSize);
    copyFromFlash(chunk, kHmacParameters, sizeof kHmacParameters);
    h.update(chunk, sizeof kHmacParameters);
    m_key.finishMac(h, out);
    secureZero(chunk, sizeof chunk);
}

void LegacySigner::salt(uint8_t h[kSha256DigestSize], uint8_t sender,
                        const uint8_t serial[kSerialSize])
{
    // SHA-256(h || sender || serial): 42 bytes, one block.
    Sha256 hash(m_backend);
    hash.update(h, kSha256DigestSize);
    hash.update(&sender, 1);
    hash.update(serial, kSerialSize);
    hash.finish(h);
}

void LegacySigner::expected(const Message &message, const uint8_t nonce[kNonceSize],
                            const uint8_t *serial, uint8_t h[kSha256DigestSize])
{
    computeHmac(message, nonce, h);
    if (serial)
        salt(h, message.sender(), serial);
    h[0] = kSigningIdentifier;
}

SignResult LegacySigner::sign(Message &message, const uint8_t nonce[kNonceSize],
                              const uint8_t *serial)
{
    if (!hasKey())
        return SignResult::NoKey;
    if (message.payloadLength() > kMaxSignablePayload)
        return SignResult::NoRoom;

    uint8_t h[kSha256DigestSize];
    message.setSigned(true);
    expected(message, nonce, serial, h);
    const size_t length = message.payloadLength();
    memcpy(message.mutableData() + kHeaderSize + length, h, kMaxPayloadSize - length);
    secureZero(h, sizeof h);
    return SignResult::Ok;
}

Verdict LegacySigner::verify(const Message &message, const uint8_t nonce[kNonceSize],
                             const uint8_t *serial)
{
    if (!hasKey())
        return Verdict::NoKey;
    if (!message.isSigned())
        return Verdict::NotSigned;
    if (message.payloadLength() > kMaxSignablePayload)
        return Verdict::NoRoom;
    if (message.signature()[0] != kSigningIdentifier)
        return Verdict::BadIdentifier;

    uint8_t h[kSha256DigestSize];
    expected(message, nonce, serial, h);
    const bool equal = constantTimeEqual(h, message.signature(), message.signatureLength());
    secureZero(h, sizeof h);
    return equal ? Verdict::Verified : Verdict::BadSignature;
}

NonceSlot::NonceSlot()
    : m_issuedAt(0)
    , m_active(false)
{
    memset(m_nonce, kNoncePadding, sizeof m_nonce);
}

NonceSlot::~NonceSlot()
{
    purge();
}

void NonceSlot::issue(const uint8_t random[kNoncePayloadSize], uint32_t nowMs)
{
    nonceFromPayload(random, m_nonce);
    m_issuedAt = nowMs;
    m_active = true;
}

void NonceSlot::expire(uint32_t nowMs)
{
    // Unsigned subtraction keeps working across the 32-bit millisecond wrap-around.
    if (m_active && uint32_t(nowMs - m_issuedAt) > kVerificationTimeoutMs)
        purge();
}

Verdict NonceSlot::take(uint32_t nowMs, uint8_t out[kNonceSize])
{
    Verdict verdict = Verdict::Verified;
    if (!m_active)
        verdict = Verdict::NoNonce;
    else if (uint32_t(nowMs - m_issuedAt) > kVerificationTimeoutMs)
        verdict = Verdict::NonceExpired;
    memcpy(out, m_nonce, kNonceSize);
    if (verdict != Verdict::Verified)
        memset(out, kNoncePadding, kNonceSize);
    purge();
    return verdict;
}

void NonceSlot::purge()
{
    memset(m_nonce, kNoncePadding, sizeof m_nonce);
    m_active = false;
}

const uint8_t *findSerial(const WhitelistView &whitelist, uint8_t nodeId)
{
    for (size_t i = 0; i < whitelist.count; ++i) {
        if (whitelist.entries[i].nodeId == nodeId)
            return whitelist.entries[i].serial;
    }
    return nullptr;
}

bool isSigningExempt(const Message &message)
{
    if (message.isEcho())
        return true;
    const uint8_t type = message.type();
    switch (message.command()) {
    case Command::Internal:
        switch (static_cast<Internal>(type)) {
        case Internal::SigningPresentation:
        case Internal::RegistrationRequest:
        case Internal::NonceRequest:
        case Internal::NonceResponse:
        case Internal::IdRequest:
        case Internal::IdResponse:
        case Internal::FindParentRequest:
        case Internal::FindParentResponse:
        case Internal::HeartbeatRequest:
        case Internal::HeartbeatResponse:
        case Internal::Ping:
        case Internal::Pong:
        case Internal::DiscoverRequest:
        case Internal::DiscoverResponse:
        case Internal::LogMessage:
            return true;
        default:
            return false;
        }
    case Command::Stream:
        switch (static_cast<Stream>(type)) {
        case Stream::FirmwareRequest:
        case Stream::FirmwareResponse:
        case Stream::Sound:
        case Stream::Image:
            return true;
        default:
            return false;
        }
    default:
        return false;
    }
}

Verdict verifyReceived(LegacySigner &signer, const Message &message, NonceSlot &nonce,
                       uint32_t nowMs, const WhitelistView *whitelist)
{
    if (isSigningExempt(message))
        return Verdict::Exempt;
    if (!message.isSigned())
        return Verdict::NotSigned;
    // Consume the nonce before anything else is checked: whatever the outcome, it is gone.
    uint8_t n[kNonceSize];
    Verdict verdict = nonce.take(nowMs, n);
    if (verdict == Verdict::Verified) {
        const uint8_t *serial = nullptr;
        if (whitelist) {
            serial = findSerial(*whitelist, message.sender());
            if (!serial)
                verdict = Verdict::NotWhitelisted;
        }
        if (verdict == Verdict::Verified)
            verdict = signer.verify(message, n, serial);
    }
    secureZero(n, sizeof n);
    return verdict;
}

RequirementTable::RequirementTable()
{
    memset(m_bits, 0xFF, sizeof m_bits);
}

bool RequirementTable::isRequired(uint8_t node) const
{
    return isRequiredIn(m_bits[node >> 3], node);
}

void RequirementTable::require(uint8_t node)
{
    m_bits[node >> 3] &= uint8_t(~(1u << (node & 7)));
}

void RequirementTable::release(uint8_t node)
{
    m_bits[node >> 3] |= uint8_t(1u << (node & 7));
}

void makeSigningPresentation(Message &message, uint8_t sender, uint8_t destination,
                             SigningPreferences preferences)
{
    message.clear();
    message.setHeader(sender, destination, Command::Internal,
                      uint8_t(Internal::SigningPresentation), kNodeSensorId);
    const uint8_t payload[2] = {kSigningPresentationVersion,
                                uint8_t((preferences.requiresSignatures ? 0x01 : 0)
                                        | (preferences.requiresWhitelisting ? 0x02 : 0))};
    message.setPayload(PayloadType::Custom, payload, sizeof payload);
}

bool parseSigningPresentation(const Message &message, SigningPreferences &preferences)
{
    if (message.command() != Command::Internal
        || message.type() != uint8_t(Internal::SigningPresentation)
        || message.payloadType() != PayloadType::Custom || message.payloadLength() != 2
        || message.payload()[0] != kSigningPresentationVersion)
        return false;
    preferences.requiresSignatures = (message.payload()[1] & 0x01) != 0;
    preferences.requiresWhitelisting = (message.payload()[1] & 0x02) != 0;
    return true;
}

void applySigningPresentation(uint8_t &doSignByte, uint8_t &doWhitelistByte, uint8_t sender,
                              SigningPreferences preferences, bool weakSecurity)
{
    // Inverted bits (a clear bit marks the requirement), as RequirementTable holds them.
    const uint8_t bit = uint8_t(1u << (sender & 7));
    if (preferences.requiresSignatures)
        doSignByte = uint8_t(doSignByte & ~bit);
    else if (weakSecurity)
        doSignByte = uint8_t(doSignByte | bit);
    if (preferences.requiresWhitelisting)
        doWhitelistByte = uint8_t(doWhitelistByte & ~bit);
    else if (weakSecurity)
        doWhitelistByte = uint8_t(doWhitelistByte | bit);
}

void applySigningPresentation(RequirementTable &doSign, RequirementTable &doWhitelist,
                              uint8_t sender, SigningPreferences preferences, bool weakSecurity)
{
    applySigningPresentation(doSign.raw()[sender >> 3], doWhitelist.raw()[sender >> 3], sender,
                             preferences, weakSecurity);
}

} // namespace Protocol
} // namespace Warden
