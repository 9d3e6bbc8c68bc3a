// The Warden management channel (firmware/docs/management-channel.md is the normative
// reference): authenticated, encrypted configuration transfers from core to one Warden node,
// and the node's authenticated acknowledgements, carried in ordinary MySensors C_STREAM
// frames that stock repeaters and gateways relay unchanged. Both ends live here so that they
// cannot drift: core builds requests and parses acknowledgements, the node does the reverse.
// Portable C++14: no heap, no exceptions, no STL; fixed buffers sized for the ATmega328P.
#pragma once

#include "message.h"
#include "sha256.h"
#include "signing.h"

namespace Warden {
namespace Protocol {

/// C_STREAM type of core -> node request frames ('W'; MySensors uses 0..7). It also names the
/// format version: a later incompatible format takes new type numbers.
constexpr uint8_t kManagementRequestType = 0x57;
/// C_STREAM type of node -> core acknowledgement frames ('X').
constexpr uint8_t kManagementAckType = 0x58;
/// Payload bytes per frame: 23, so that a hop that signs with the legacy scheme (payload at
/// most 23, spec 5.7) can still sign every management frame.
constexpr size_t kManagementFramePayloadSize = 23;
/// Fragment header: (index << 4 | (count - 1)), then the low byte of the counter.
constexpr size_t kManagementFragmentHeaderSize = 2;
/// Stream bytes per frame.
constexpr size_t kManagementChunkSize = kManagementFramePayloadSize - kManagementFragmentHeaderSize;
/// Truncated HMAC-SHA256 tag: 128 bits.
constexpr size_t kManagementTagSize = 16;
constexpr size_t kManagementKeySize = 32; ///< K_mgmt, and every key a request carries
/// Request stream: operation (1), counter (4), body, tag.
constexpr size_t kManagementRequestOverhead = 1 + 4 + kManagementTagSize;
/// Acknowledgement stream: counter (4), result (1), body, tag.
constexpr size_t kManagementAckOverhead = 4 + 1 + kManagementTagSize;
/// A request spans at most 9 frames: 189 stream bytes, 168 body bytes.
constexpr size_t kManagementMaxRequestFragments = 9;
constexpr size_t kManagementMaxRequestStream
        = kManagementMaxRequestFragments * kManagementChunkSize;
constexpr size_t kManagementMaxRequestBody
        = kManagementMaxRequestStream - kManagementRequestOverhead;
/// An acknowledgement spans at most 3 frames: 63 stream bytes, 42 body bytes.
constexpr size_t kManagementMaxAckFragments = 3;
constexpr size_t kManagementMaxAckStream = kManagementMaxAckFragments * kManagementChunkSize;
constexpr size_t kManagementMaxAckBody = kManagementMaxAckStream - kManagementAckOverhead;
/// Entries in a whitelist request (a node with less room answers NoRoom).
constexpr size_t kManagementMaxWhitelistEntries = 16;
/// Peers in a signing-policy request.
constexpr size_t kManagementMaxPeers = 16;
/// Bytes of one whitelist entry on the air: node id, serial.
constexpr size_t kManagementWhitelistEntrySize = 1 + kSerialSize;
/// A partial transfer dies when no fragment of it arrived for this long.
constexpr uint32_t kManagementFragmentTimeoutMs = 10000;
/// Confirmation bytes a factory reset must carry ("WIPE").
constexpr uint8_t kManagementResetConfirmation[4] = {0x57, 0x49, 0x50, 0x45};
constexpr uint8_t kManagementResetEraseManagementKey = 0x01; ///< factory reset scope bit

/// Flags of a signing policy (the node's own requirements).
constexpr uint8_t kPolicyRequireSignatures = 0x01; ///< the node verifies frames sent to it
constexpr uint8_t kPolicyRequireWhitelisting = 0x02; ///< ... and salts with the whitelist
/// The peer table below is authoritative: the node ignores signing presentations (they are
/// unauthenticated, spec 14 item 11).
constexpr uint8_t kPolicyIgnorePresentations = 0x04;
constexpr uint8_t kPolicyFlagsMask = 0x07;
/// Flags of one peer in a signing policy: what that peer requires of the node.
constexpr uint8_t kPeerRequiresSignatures = 0x01; ///< doSign: sign frames to this peer
constexpr uint8_t kPeerRequiresWhitelisting = 0x02; ///< doWhitelist: salt them
constexpr uint8_t kPeerFlagsMask = 0x03;

/// What a request asks the node to do. Values are the operation byte on the air.
enum class ManagementOperation : uint8_t {
    ReplaceWhitelist = 1, ///< count, then count x (node id, serial)
    AddWhitelistEntry = 2, ///< node id, serial (replaces the entry of that id if present)
    RemoveWhitelistEntry = 3, ///< node id
    SetSigningPolicy = 4, ///< flags, count, count x (node id, peer flags)
    SetLinkKey = 5, ///< 32-byte key
    SetNetworkKey = 6, ///< epoch (u16), 32-byte key: stored as the pending epoch
    ActivateEpoch = 7, ///< epoch (u16): the pending epoch becomes the active one
    ReadConfigDigest = 8, ///< no body; the ack carries the configuration digest
    FactoryReset = 9, ///< "WIPE", scope
};

/// What the node did with a request, in its acknowledgement. Values are the byte on the air.
enum class ManagementResult : uint8_t {
    Applied = 0, ///< done (ReadConfigDigest: the digest follows)
    BadTag = 1, ///< the assembled request failed authentication
    StaleCounter = 2, ///< counter below the last accepted one (its value follows)
    Repeated = 3, ///< counter equals the last accepted one; not applied again
    MalformedBody = 4, ///< body length or a field is invalid
    UnknownOperation = 5, ///< operation byte not defined by this version
    NoRoom = 6, ///< the whitelist (or peer table) is full
    UnknownEpoch = 7, ///< ActivateEpoch of an epoch the node holds no key for
    StorageFailed = 8, ///< the EEPROM commit failed; old state kept
    Unsupported = 9, ///< defined, but this node does not implement it
};

/// Outcome of feeding a frame or opening a transfer, on either end. Stable names
/// (managementStatusName) for logs and JSON.
enum class ManagementStatus : uint8_t {
    NeedMore = 0, ///< fragment stored; the transfer is not complete yet
    Assembled, ///< every fragment is in: call open()
    Complete, ///< authenticated, fresh and well formed: act on it
    // About one frame. The frame is ignored and the transfer in progress kept, except after
    // OutOfOrder, which drops it.
    NotManagement, ///< not a management frame of the expected direction (or an echo)
    MalformedFrame, ///< payload type not P_CUSTOM, echo requested, no chunk, index >= count
    Oversized, ///< more fragments than the receiver holds, or a chunk above 21 bytes
    Truncated, ///< a fragment before the last not full, or a stream below the minimum
    NoTransfer, ///< a continuation fragment while no transfer is in progress
    MixedTransfer, ///< a fragment of another transfer (counter byte, count or content differ)
    Duplicate, ///< a fragment already received, identical: ignored
    OutOfOrder, ///< a fragment skipped one: the transfer in progress is dropped
    // About the assembled transfer; the receiver is idle afterwards.
    NotAssembled, ///< open() without an assembled transfer
    BadTag, ///< the tag does not verify (tampered, wrong key, reflected)
    StaleCounter, ///< request counter below the last accepted one, or 0
    RepeatedCounter, ///< request counter equal to the last accepted one
    UnexpectedCounter, ///< acknowledgement for another request than the one awaited
    UnknownOperation, ///< authenticated, but the operation byte is unknown
    MalformedBody, ///< authenticated, but the body is invalid
};

/// Why a builder refused to build.
enum class ManagementBuildError : uint8_t {
    None = 0,
    NoKeys, ///< the ManagementKeys are not set
    TooLong, ///< the body does not fit the transfer limits
    InvalidArgument, ///< e.g. node id 255, ids not ascending, epoch 0, too many entries
};

// Human-readable names. They sit behind functions so that a node build that never calls them
// links none of their strings (on the AVR, strings would be copied to RAM).
const char *managementOperationName(ManagementOperation operation); ///< "add-whitelist-entry"
const char *managementResultName(ManagementResult result); ///< "stale-counter"
const char *managementStatusName(ManagementStatus status); ///< "out-of-order"
const char *managementStatusText(ManagementStatus status); ///< one sentence
const char *managementBuildErrorName(ManagementBuildError error);

/// True for the operation bytes this version defines.
bool isKnownManagementOperation(uint8_t operation);

/// Which of the two keys derived from K_mgmt.
enum class ManagementKeyPurpose : uint8_t {
    Authentication, ///< label "warden mgmt auth v1"
    Encryption, ///< label "warden mgmt enc v1"
};

/// The channel keys of one node: K_auth and K_enc, each HMAC-SHA256(K_mgmt, label || serial),
/// held as HMAC midstates. The serial makes two nodes' keys differ even with equal K_mgmt.
/// Wiped by clear() and the destructor.
class ManagementKeys
{
public:
    ManagementKeys() = default;
    ~ManagementKeys() = default; // the HmacSha256Key members wipe themselves

    /// Derives both keys. K_mgmt itself is not kept.
    void derive(Sha256Compressor &backend, const uint8_t managementKey[kManagementKeySize],
                const uint8_t serial[kSerialSize]);
    void clear();
    bool isSet() const { return m_auth.isSet() && m_enc.isSet(); }

    const HmacSha256Key &authentication() const { return m_auth; }
    const HmacSha256Key &encryption() const { return m_enc; }

    /// The raw derived key (known-answer tests and the reference document only).
    static void deriveKey(Sha256Compressor &backend,
                          const uint8_t managementKey[kManagementKeySize],
                          const uint8_t serial[kSerialSize], ManagementKeyPurpose purpose,
                          uint8_t out[kSha256DigestSize]);

private:
    HmacSha256Key m_auth;
    HmacSha256Key m_enc;
};

/// One peer of a signing policy: what that node requires of this one.
struct SigningPeer
{
    uint8_t nodeId;
    uint8_t flags; ///< kPeerRequiresSignatures | kPeerRequiresWhitelisting, not 0
};

/// A signing policy as SetSigningPolicy carries it.
struct SigningPolicy
{
    uint8_t flags; ///< kPolicy* bits
    const SigningPeer *peers; ///< ascending node ids; every other peer requires nothing
    size_t peerCount;
};

/// Reassembly of one transfer from its fragments, shared by both receivers. The buffer
/// belongs to the owner, so each end sizes it for what it receives.
class ManagementReassembler
{
public:
    ManagementReassembler(uint8_t frameType, uint8_t *buffer, uint8_t maxFragments);

    /// Takes one frame. Returns NeedMore, Assembled or a frame error (see ManagementStatus).
    ManagementStatus feed(const Message &frame, uint32_t nowMs);
    /// Drops a partial transfer whose last fragment is older than the timeout.
    void expire(uint32_t nowMs);
    /// Forgets the transfer and wipes the buffer.
    void reset();
    /// Forgets the transfer but leaves the buffer to its owner (an opened, decrypted body).
    void release() { m_state = State::Idle; }

    bool isAssembled() const { return m_state == State::Assembled; }
    bool inProgress() const { return m_state == State::Receiving; }
    /// Stream bytes of the assembled transfer.
    size_t length() const { return m_length; }
    const uint8_t *stream() const { return m_buffer; }
    uint8_t *stream() { return m_buffer; }

private:
    enum class State : uint8_t { Idle, Receiving, Assembled };

    uint8_t *m_buffer;
    uint32_t m_lastFragmentAt;
    uint8_t m_length; // stream bytes received so far (<= 189)
    uint8_t m_frameType;
    uint8_t m_maxFragments;
    uint8_t m_count;
    uint8_t m_next;
    uint8_t m_xid;
    State m_state;
};

/// Node side: reassembles a request, authenticates it, checks its counter, decrypts and
/// validates its body - in that order. About 200 bytes of RAM.
class ManagementReceiver
{
public:
    explicit ManagementReceiver(Sha256Compressor &backend);
    ~ManagementReceiver();

    /// Feeds one received frame (C_STREAM, type kManagementRequestType, sensor 255).
    /// Returns NeedMore, Assembled (call open()), or a frame error.
    ManagementStatus feed(const Message &frame, uint32_t nowMs);
    /// Authenticates the assembled request with @p keys (constant-time tag comparison), then
    /// requires counter > @p lastAcceptedCounter, then decrypts and validates the body.
    /// Returns Complete, NotAssembled, BadTag, StaleCounter, RepeatedCounter,
    /// UnknownOperation or MalformedBody. After any result but NotAssembled and BadTag the
    /// request is authentic: persist its counter as the last accepted and acknowledge.
    ManagementStatus open(const ManagementKeys &keys, uint32_t lastAcceptedCounter);
    /// Drops a partial transfer after the fragment timeout.
    void expire(uint32_t nowMs) { m_assembler.expire(nowMs); }
    /// Forgets everything and wipes the buffer (which holds plaintext keys after Complete).
    void clear();

    /// After Assembled or open(): the operation byte and counter the request claims.
    uint8_t operationByte() const { return m_operation; }
    ManagementOperation operation() const { return ManagementOperation(m_operation); }
    uint32_t counter() const { return m_counter; }
    /// True once open() verified the tag: operation and counter are authentic.
    bool isAuthenticated() const { return m_authenticated; }

    /// The decrypted body: only after Complete (nullptr / 0 otherwise), until the next feed()
    /// or clear(), which wipe it.
    const uint8_t *body() const;
    size_t bodyLength() const;

    // Typed reads of a Complete body. Each returns false when the operation does not match.
    /// ReplaceWhitelist (index < whitelistCount()) and AddWhitelistEntry (index 0).
    size_t whitelistCount() const;
    bool whitelistEntry(size_t index, WhitelistEntry &out) const;
    /// RemoveWhitelistEntry.
    bool removedNodeId(uint8_t &nodeId) const;
    /// SetSigningPolicy: flags and peers (peer(index) valid below peerCount).
    bool policyFlags(uint8_t &flags) const;
    size_t peerCount() const;
    bool peer(size_t index, SigningPeer &out) const;
    /// SetLinkKey and SetNetworkKey: the 32 plaintext key bytes.
    const uint8_t *key() const;
    /// SetNetworkKey and ActivateEpoch.
    bool epoch(uint16_t &epoch) const;
    /// FactoryReset: the scope bits (kManagementResetEraseManagementKey).
    bool resetScope(uint8_t &scope) const;

private:
    bool isComplete(ManagementOperation operation) const;

    Sha256Compressor &m_backend;
    ManagementReassembler m_assembler;
    // m_counter .. m_buffer: plain data, zeroed as one block by the constructor.
    uint32_t m_counter;
    uint8_t m_operation;
    uint8_t m_bodyLength;
    bool m_authenticated;
    bool m_complete;
    uint8_t m_buffer[kManagementMaxRequestStream];
};

/// Core side: builds one request and hands out its frames. Encrypts the body and computes
/// the tag in begin*(); the caller must have stored @p counter durably before the first
/// frame leaves (a counter is never used for two different requests).
class ManagementRequestBuilder
{
public:
    explicit ManagementRequestBuilder(Sha256Compressor &backend);
    ~ManagementRequestBuilder();

    /// Any operation byte and any plaintext body up to kManagementMaxRequestBody bytes,
    /// unchecked beyond the size (tests use it to send malformed bodies).
    ManagementBuildError begin(const ManagementKeys &keys, uint8_t operation, uint32_t counter,
                               const uint8_t *body, size_t bodyLength);

    ManagementBuildError beginReplaceWhitelist(const ManagementKeys &keys, uint32_t counter,
                                               const WhitelistEntry *entries, size_t count);
    ManagementBuildError beginAddWhitelistEntry(const ManagementKeys &keys, uint32_t counter,
                                                const WhitelistEntry &entry);
    ManagementBuildError beginRemoveWhitelistEntry(const ManagementKeys &keys, uint32_t counter,
                                                   uint8_t nodeId);
    ManagementBuildError beginSetSigningPolicy(const ManagementKeys &keys, uint32_t counter,
                                               const SigningPolicy &policy);
    ManagementBuildError beginSetLinkKey(const ManagementKeys &keys, uint32_t counter,
                                         const uint8_t key[kManagementKeySize]);
    ManagementBuildError beginSetNetworkKey(const ManagementKeys &keys, uint32_t counter,
                                            uint16_t epoch, const uint8_t key[kManagementKeySize]);
    ManagementBuildError beginActivateEpoch(const ManagementKeys &keys, uint32_t counter,
                                            uint16_t epoch);
    ManagementBuildError beginReadConfigDigest(const ManagementKeys &keys, uint32_t counter);
    ManagementBuildError beginFactoryReset(const ManagementKeys &keys, uint32_t counter,
                                           uint8_t scope);

    /// Frames of the built request (0 before a successful begin).
    size_t frameCount() const { return m_frames; }
    /// Writes the next frame (C_STREAM, kManagementRequestType, sensor 255, P_CUSTOM) from
    /// @p sender (core: 0, the gateway) to @p destination. False when all were handed out.
    bool nextFrame(Message &out, uint8_t sender, uint8_t destination);
    /// Writes frame @p index again (retransmission). False when out of range.
    bool frame(size_t index, Message &out, uint8_t sender, uint8_t destination) const;
    /// Starts handing out frames from the first again.
    void rewind() { m_next = 0; }
    void clear();

private:
    Sha256Compressor &m_backend;
    // m_length .. m_stream: plain data, zeroed as one block by the constructor.
    size_t m_length;
    uint8_t m_frames;
    uint8_t m_next;
    uint8_t m_stream[kManagementMaxRequestStream];
};

/// Node side: builds the acknowledgement of one request.
class ManagementAckBuilder
{
public:
    explicit ManagementAckBuilder(Sha256Compressor &backend);
    ~ManagementAckBuilder();

    /// @p operation and @p counter are the request's (as claimed when it failed the tag).
    /// @p body: the 32-byte digest for Applied + ReadConfigDigest, the 4-byte little-endian
    /// last accepted counter for StaleCounter, nothing otherwise (TooLong when it does not
    /// fit, InvalidArgument when it contradicts the result).
    ManagementBuildError begin(const ManagementKeys &keys, uint8_t operation, uint32_t counter,
                               ManagementResult result, const uint8_t *body, size_t bodyLength);
    /// Convenience for StaleCounter: the body is @p lastAcceptedCounter.
    ManagementBuildError beginStale(const ManagementKeys &keys, uint8_t operation, uint32_t counter,
                                    uint32_t lastAcceptedCounter);

    size_t frameCount() const { return m_frames; }
    /// Writes the next frame from @p sender (the node) to @p destination (0, the gateway).
    bool nextFrame(Message &out, uint8_t sender, uint8_t destination);
    bool frame(size_t index, Message &out, uint8_t sender, uint8_t destination) const;
    void rewind() { m_next = 0; }
    void clear();

private:
    Sha256Compressor &m_backend;
    uint8_t m_length;
    uint8_t m_frames;
    uint8_t m_next;
    uint8_t m_stream[kManagementMaxAckStream];
};

/// Core side: reassembles and authenticates the acknowledgement of the request awaited.
class ManagementAckReceiver
{
public:
    explicit ManagementAckReceiver(Sha256Compressor &backend);
    ~ManagementAckReceiver();

    /// Feeds one frame from the node (C_STREAM, kManagementAckType, sensor 255).
    ManagementStatus feed(const Message &frame, uint32_t nowMs);
    /// Verifies the assembled acknowledgement under @p keys as the answer to the request
    /// (@p operation, @p counter). Returns Complete, NotAssembled, BadTag,
    /// UnexpectedCounter (authentic, but for another request) or MalformedBody.
    ManagementStatus open(const ManagementKeys &keys, uint8_t operation, uint32_t counter);
    void expire(uint32_t nowMs) { m_assembler.expire(nowMs); }
    void clear();

    /// After Assembled / open(): the counter the acknowledgement carries.
    uint32_t counter() const { return m_counter; }
    /// After Complete: the node's answer.
    ManagementResult result() const { return ManagementResult(m_result); }
    /// After Complete with Applied to ReadConfigDigest: the 32-byte digest, else nullptr.
    const uint8_t *configDigest() const;
    /// After Complete with StaleCounter: the node's last accepted counter.
    bool lastAcceptedCounter(uint32_t &out) const;

private:
    Sha256Compressor &m_backend;
    ManagementReassembler m_assembler;
    // m_counter .. m_buffer: plain data, zeroed as one block by the constructor.
    uint32_t m_counter;
    uint8_t m_operation;
    uint8_t m_result;
    bool m_complete;
    uint8_t m_buffer[kManagementMaxAckStream];
};

/// Everything the configuration digest covers: the node's Warden state, keys included as
/// bytes hashed into the digest (the digest never reveals them).
struct ManagementConfigSummary
{
    const uint8_t *serial; ///< 9 bytes
    WhitelistView whitelist; ///< any order; first entry of an id wins, as in lookups
    uint8_t policyFlags; ///< kPolicy* bits
    const RequirementTable *doSign; ///< nullptr: nobody requires signatures
    const RequirementTable *doWhitelist; ///< nullptr: nobody requires whitelisting
    const uint8_t *linkKey; ///< 32 bytes, or nullptr when none is set
    uint16_t activeEpoch; ///< 0 when none
    const uint8_t *activeNetworkKey; ///< nullptr when none
    uint16_t pendingEpoch; ///< 0 when none
    const uint8_t *pendingNetworkKey; ///< nullptr when none
};

/// SHA-256 over the canonical image of @p summary (layout in the reference document). Node
/// and core run the same function, so core can predict the digest the node reports.
void computeConfigDigest(Sha256Compressor &backend, const ManagementConfigSummary &summary,
                         uint8_t out[kSha256DigestSize]);

/// The three keys the configuration digest covers.
enum class ManagementConfigKey : uint8_t {
    Link,
    ActiveNetwork,
    PendingNetwork,
};

/// The same configuration read one item at a time, so that a node hashes its EEPROM state
/// without a copy of whitelist, tables and keys in its 2 KiB of RAM.
class ManagementConfigSource
{
public:
    /// The 9-byte serial (0xFF bytes when the node has none).
    virtual void serial(uint8_t out[kSerialSize]) const = 0;
    /// Whitelist entries in any order; the first entry of a node id wins, as in lookups.
    virtual uint8_t whitelistCount() const = 0;
    virtual uint8_t whitelistNodeId(uint8_t index) const = 0;
    virtual void whitelistSerial(uint8_t index, uint8_t out[kSerialSize]) const = 0;
    /// kPolicy* bits.
    virtual uint8_t policyFlags() const = 0;
    /// kPeerRequires* bits of what node @p nodeId requires (0: nothing).
    virtual uint8_t peerFlags(uint8_t nodeId) const = 0;
    /// Writes the key and returns true, or returns false when none is set.
    virtual bool key(ManagementConfigKey which, uint8_t out[kManagementKeySize]) const = 0;
    /// The epoch of a network key (0 when none; 0 for Link).
    virtual uint16_t epoch(ManagementConfigKey which) const = 0;

protected:
    ~ManagementConfigSource() = default;
};

/// The digest of computeConfigDigest(summary) over a streamed source: equal configurations
/// give equal digests whichever way they are read.
void computeConfigDigest(Sha256Compressor &backend, const ManagementConfigSource &source,
                         uint8_t out[kSha256DigestSize]);

} // namespace Protocol
} // namespace Warden
