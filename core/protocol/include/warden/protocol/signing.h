// The legacy MySensors message signature (spec sections 4 and 5): the ATSHA204A-emulating
// digest and HMAC, whitelist salting, the signing identifier and truncation, nonce
// handling, signing presentations and the per-node requirement tables. Byte-for-byte what
// MySensors 2.x puts on the air; checked against ../shared/vectors.
#pragma once

#include "message.h"
#include "sha256.h"

namespace Warden {
namespace Protocol {

constexpr size_t kSigningKeySize = 32;
constexpr size_t kSerialSize = 9;
constexpr size_t kNonceSize = 32; ///< as held by both sides
constexpr size_t kNoncePayloadSize = 25; ///< as sent in I_NONCE_RESPONSE
constexpr uint8_t kNoncePadding = 0xAA;
constexpr uint8_t kSigningIdentifier = 1; ///< "HMAC-SHA256", the first signature byte
constexpr size_t kMaxSignablePayload = 23; ///< identifier + at least one MAC byte must fit
constexpr uint32_t kVerificationTimeoutMs = 5000;
constexpr uint8_t kSigningPresentationVersion = 1;

enum class SignResult : uint8_t {
    Ok = 0,
    NoKey, ///< no key set
    NoRoom, ///< payload longer than 23 bytes: no room for identifier and MAC
};

/// The verdict on one received frame. Names are stable (logs, JSON, the console).
enum class Verdict : uint8_t {
    Verified = 0, ///< signature checked and correct
    Exempt, ///< the message type is never signed (4.8)
    NotSigned, ///< signature required, frame unsigned
    NoNonce, ///< no nonce outstanding for this sender
    NonceExpired, ///< nonce older than 5 s
    NoRoom, ///< signed flag with a payload longer than 23 bytes
    BadIdentifier, ///< first signature byte is not 1
    NotWhitelisted, ///< whitelisting required and the sender is not listed
    BadSignature, ///< MAC mismatch (tampered, wrong key, wrong salt, stale nonce)
    NoKey, ///< the verifier has no key
};

const char *signResultName(SignResult result);
const char *verdictName(Verdict verdict);
const char *verdictText(Verdict verdict);

/// Builds the 32-byte nonce both sides hold from the 25 bytes carried in I_NONCE_RESPONSE.
void nonceFromPayload(const uint8_t payload[kNoncePayloadSize], uint8_t nonce[kNonceSize]);

/// The signing key with its HMAC midstates, and the signature computation. One instance per
/// key; not shared between threads (it uses the backend it was given).
class LegacySigner
{
public:
    explicit LegacySigner(Sha256Compressor &backend);
    ~LegacySigner();

    /// Installs a 32-byte key; caches its midstates. The raw key is not kept.
    void setKey(const uint8_t key[kSigningKeySize]);
    void clearKey();
    bool hasKey() const { return m_key.isSet(); }

    /// The HMAC over the covered bytes (1 .. 6+len, signed bit set, zero-padded) with
    /// @p nonce: the value before salting and before the identifier replaces byte 0.
    /// Five compressions.
    void computeHmac(const Message &message, const uint8_t nonce[kNonceSize],
                     uint8_t out[kSha256DigestSize]);

    /// Whitelist salt in place: h := SHA-256(h || sender || serial). One compression.
    void salt(uint8_t h[kSha256DigestSize], uint8_t sender, const uint8_t serial[kSerialSize]);

    /// Sets the signed flag and writes the signature after the payload. @p serial, when
    /// given, salts the signature (the destination requires whitelisting).
    SignResult sign(Message &message, const uint8_t nonce[kNonceSize], const uint8_t *serial);

    /// Checks a signed frame against @p nonce; @p serial is the serial the verifier's
    /// whitelist holds for the sender, or nullptr when it does not whitelist. Compares in
    /// constant time over the whole signature. Returns Verified, NotSigned, NoRoom,
    /// BadIdentifier, BadSignature or NoKey.
    Verdict verify(const Message &message, const uint8_t nonce[kNonceSize], const uint8_t *serial);

private:
    /// The signature bytes both sign() and verify() produce: HMAC, salt, identifier.
    void expected(const Message &message, const uint8_t nonce[kNonceSize], const uint8_t *serial,
                  uint8_t h[kSha256DigestSize]);

    Sha256Compressor &m_backend;
    HmacSha256Key m_key;
};

/// One outstanding nonce: issued by a verifier, consumed by exactly one verification, dead
/// after 5 s. take() purges the nonce before the caller checks anything, so a nonce can never
/// verify two frames.
class NonceSlot
{
public:
    NonceSlot();
    ~NonceSlot();

    /// Arms the slot with 25 fresh random bytes at time @p nowMs (any 32-bit millisecond
    /// clock; wrap-around is handled).
    void issue(const uint8_t random[kNoncePayloadSize], uint32_t nowMs);
    /// The 25 bytes to send in I_NONCE_RESPONSE (valid while active).
    const uint8_t *payload() const { return m_nonce; }
    bool isActive() const { return m_active; }
    /// Purges the slot if its nonce has outlived the timeout.
    void expire(uint32_t nowMs);
    /// Consumes the nonce: copies it to @p out and purges the slot. Returns Verified when a
    /// fresh nonce was there, else NoNonce or NonceExpired (@p out then holds 0xAA bytes).
    Verdict take(uint32_t nowMs, uint8_t out[kNonceSize]);
    void purge();

private:
    uint8_t m_nonce[kNonceSize];
    uint32_t m_issuedAt;
    bool m_active;
};

/// A whitelist entry as MySensors defines it: node id and the 9-byte serial it salts with.
struct WhitelistEntry
{
    uint8_t nodeId;
    uint8_t serial[kSerialSize];
};

/// A whitelist held by the caller (EEPROM image, RAM table). An empty list is a list: a
/// verifier that whitelists with no entries accepts nobody.
struct WhitelistView
{
    const WhitelistEntry *entries;
    size_t count;
};

/// Linear search, first match wins (spec 7.4). Returns the serial or nullptr.
const uint8_t *findSerial(const WhitelistView &whitelist, uint8_t nodeId);

/// True for messages never signed nor verified (spec 4.8).
bool isSigningExempt(const Message &message);

/// The complete receiver procedure of spec 4.7 for a frame addressed to a verifier that
/// requires signatures: exemptions, signed flag, nonce (consumed first), identifier,
/// whitelist (when @p whitelist is non-null the verifier whitelists: the sender must be listed
/// and the MAC is salted with its serial), MAC.
Verdict verifyReceived(LegacySigner &signer, const Message &message, NonceSlot &nonce,
                       uint32_t nowMs, const WhitelistView *whitelist);

/// A 256-bit per-node requirement table in the MySensors EEPROM image layout: node n is bit
/// n % 8 of byte n / 8, and a cleared bit means "required" (erased EEPROM = no requirement).
class RequirementTable
{
public:
    static constexpr size_t kSize = 32;

    RequirementTable(); ///< nobody required
    bool isRequired(uint8_t node) const;
    /// The bit rule alone: whether @p byte, the table's byte for @p node (index node / 8),
    /// says @p node is required. For readers that hold one byte of a table, not all 32.
    static bool isRequiredIn(uint8_t byte, uint8_t node)
    {
        return (byte & (1u << (node & 7))) == 0;
    }
    void require(uint8_t node);
    void release(uint8_t node);
    const uint8_t *raw() const { return m_bits; }
    uint8_t *raw() { return m_bits; }

private:
    uint8_t m_bits[kSize];
};

/// The two flags of I_SIGNING_PRESENTATION.
struct SigningPreferences
{
    bool requiresSignatures;
    bool requiresWhitelisting;
};

/// Fills @p message as an I_SIGNING_PRESENTATION (version 1) from @p sender to @p destination.
void makeSigningPresentation(Message &message, uint8_t sender, uint8_t destination,
                             SigningPreferences preferences);
/// Reads an I_SIGNING_PRESENTATION; false when the message is not one, or not of version 1,
/// or not exactly 2 bytes of P_CUSTOM (receivers drop such presentations).
bool parseSigningPresentation(const Message &message, SigningPreferences &preferences);
/// Applies a received presentation to the tables: a set flag marks the requirement; a clear
/// flag removes it only under weak security (requirements are otherwise sticky).
void applySigningPresentation(RequirementTable &doSign, RequirementTable &doWhitelist,
                              uint8_t sender, SigningPreferences preferences, bool weakSecurity);
/// The same on the two tables' bytes for @p sender (index sender / 8): for a node that keeps
/// the tables in EEPROM and reads only those bytes.
void applySigningPresentation(uint8_t &doSignByte, uint8_t &doWhitelistByte, uint8_t sender,
                              SigningPreferences preferences, bool weakSecurity);

} // namespace Protocol
} // namespace Warden
