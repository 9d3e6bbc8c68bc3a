#include "warden/protocol/management.h"

#include "portability.h"

#include <string.h>

namespace Warden {
namespace Protocol {

namespace {

// Key derivation labels and the configuration digest's domain label (ASCII, no NUL).
const uint8_t kAuthLabel[] WARDEN_PROTOCOL_FLASH
        = {'w', 'a', 'r', 'd', 'e', 'n', ' ', 'm', 'g', 'm',
           't', ' ', 'a', 'u', 't', 'h', ' ', 'v', '1'};
const uint8_t kEncLabel[] WARDEN_PROTOCOL_FLASH = {'w', 'a', 'r', 'd', 'e', 'n', ' ', 'm', 'g',
                                                   'm', 't', ' ', 'e', 'n', 'c', ' ', 'v', '1'};
const uint8_t kConfigLabel[] WARDEN_PROTOCOL_FLASH
        = {'w', 'a', 'r', 'd', 'e', 'n', ' ', 'c', 'o', 'n', 'f', 'i', 'g', ' ', 'v', '1'};

constexpr size_t kHeaderBytes = 5; // operation + counter (request); counter + result (ack)
static_assert(kManagementRequestOverhead == kManagementAckOverhead,
              "the reassembler's minimum stream length serves both directions");
static_assert(kManagementMaxRequestStream <= 255, "stream lengths are held in a byte");
static_assert(kManagementMaxRequestFragments <= 16 && kManagementMaxAckFragments <= 16,
              "the fragment header holds index and count in four bits each");
constexpr uint8_t kMaxNodeId = 254;

/// HMAC-SHA256 over prefix || data, from the key's cached midstates: the request stream is
/// authenticated where it lies, without copying it behind the domain byte.
WARDEN_PROTOCOL_NOINLINE void hmacTwoParts(Sha256Compressor &backend, const HmacSha256Key &key,
                                           const uint8_t *prefix, size_t prefixLength,
                                           const uint8_t *data, size_t length,
                                           uint8_t out[kSha256DigestSize])
{
    Sha256 h(backend);
    key.beginMac(h);
    h.update(prefix, prefixLength);
    h.update(data, length);
    key.finishMac(h, out);
}

/// The request tag: HMAC(K_auth, 0x57 || operation || counter || body), first 16 bytes.
void requestTag(Sha256Compressor &backend, const ManagementKeys &keys, const uint8_t *stream,
                size_t coveredLength, uint8_t out[kSha256DigestSize])
{
    const uint8_t domain = kManagementRequestType;
    hmacTwoParts(backend, keys.authentication(), &domain, 1, stream, coveredLength, out);
}

/// The acknowledgement tag: HMAC(K_auth, 0x58 || operation || counter || result || body).
/// The operation is the request's and is not sent: the ack binds to it all the same.
void ackTag(Sha256Compressor &backend, const ManagementKeys &keys, uint8_t operation,
            const uint8_t *stream, size_t coveredLength, uint8_t out[kSha256DigestSize])
{
    const uint8_t prefix[2] = {kManagementAckType, operation};
    hmacTwoParts(backend, keys.authentication(), prefix, sizeof prefix, stream, coveredLength, out);
}

/// XORs the keystream block_i = HMAC(K_enc, counter || operation || i) over the body.
/// Encryption and decryption are the same operation.
WARDEN_PROTOCOL_NOINLINE void applyKeystream(Sha256Compressor &backend, const ManagementKeys &keys,
                                             uint8_t operation, uint32_t counter, uint8_t *body,
                                             size_t length)
{
    uint8_t input[6];
    writeLe32(input, counter);
    input[4] = operation;
    uint8_t block[kSha256DigestSize];
    for (size_t offset = 0, index = 0; offset < length; offset += sizeof block, ++index) {
        input[5] = uint8_t(index);
        // Through hmacTwoParts (second part empty): its SHA-256 context is in its own frame,
        // which keeps this one small enough for short stack addressing on the AVR.
        hmacTwoParts(backend, keys.encryption(), input, sizeof input, nullptr, 0, block);
        const size_t take = length - offset < sizeof block ? length - offset : sizeof block;
        for (size_t i = 0; i < take; ++i)
            body[offset + i] ^= block[i];
    }
    secureZero(block, sizeof block);
}

bool ascendingIds(const uint8_t *first, size_t count, size_t stride)
{
    int previous = -1;
    for (size_t i = 0; i < count; ++i) {
        const uint8_t id = first[i * stride];
        if (id > kMaxNodeId || int(id) <= previous)
            return false;
        previous = id;
    }
    return true;
}

/// The body rules of every operation (reference document, "Operations"). Builders and the
/// node apply the same function, so core cannot send what a node would refuse.
bool validBody(uint8_t operation, const uint8_t *body, size_t length)
{
    switch (ManagementOperation(operation)) {
    case ManagementOperation::ReplaceWhitelist: {
        if (length < 1)
            return false;
        const size_t count = body[0];
        return count <= kManagementMaxWhitelistEntries
               && length == 1 + count * kManagementWhitelistEntrySize
               && ascendingIds(body + 1, count, kManagementWhitelistEntrySize);
    }
    case ManagementOperation::AddWhitelistEntry:
        return length == kManagementWhitelistEntrySize && body[0] <= kMaxNodeId;
    case ManagementOperation::RemoveWhitelistEntry:
        return length == 1 && body[0] <= kMaxNodeId;
    case ManagementOperation::SetSigningPolicy: {
        if (length < 2 || (body[0] & ~kPolicyFlagsMask) != 0)
            return false;
        const size_t count = body[1];
        if (count > kManagementMaxPeers || length != 2 + 2 * count
            || !ascendingIds(body + 2, count, 2))
            return false;
        for (size_t i = 0; i < count; ++i) {
            const uint8_t flags = body[3 + 2 * i];
            if (flags == 0 || (flags & ~kPeerFlagsMask) != 0)
                return false;
        }
        return true;
    }
    case ManagementOperation::SetLinkKey:
        return length == kManagementKeySize;
    case ManagementOperation::SetNetworkKey:
        return length == 2 + kManagementKeySize && readLe16(body) != 0;
    case ManagementOperation::ActivateEpoch:
        return length == 2 && readLe16(body) != 0;
    case ManagementOperation::ReadConfigDigest:
        return length == 0;
    case ManagementOperation::FactoryReset:
        return length == 5 && body[0] == kManagementResetConfirmation[0]
               && body[1] == kManagementResetConfirmation[1]
               && body[2] == kManagementResetConfirmation[2]
               && body[3] == kManagementResetConfirmation[3]
               && (body[4] & ~kManagementResetEraseManagementKey) == 0;
    }
    return false;
}

/// Writes frame @p index of a stream (fragment header, chunk) into @p out.
void writeFrame(const uint8_t *stream, size_t length, size_t frames, size_t index,
                uint8_t frameType, uint8_t xid, Message &out, uint8_t sender, uint8_t destination)
{
    uint8_t payload[kManagementFramePayloadSize];
    const size_t offset = index * kManagementChunkSize;
    const size_t remaining = length - offset;
    const size_t chunk = remaining < kManagementChunkSize ? remaining : kManagementChunkSize;
    payload[0] = uint8_t((index << 4) | (frames - 1));
    payload[1] = xid;
    memcpy(payload + kManagementFragmentHeaderSize, stream + offset, chunk);
    out.clear();
    out.setHeader(sender, destination, Command::Stream, frameType, kNodeSensorId);
    out.setPayload(PayloadType::Custom, payload, kManagementFragmentHeaderSize + chunk);
}

size_t framesFor(size_t length)
{
    return (length + kManagementChunkSize - 1) / kManagementChunkSize;
}

/// Whether an acknowledgement's body has the length its result (and operation) call for.
size_t ackBodyLength(uint8_t operation, uint8_t result)
{
    if (result == uint8_t(ManagementResult::Applied)
        && operation == uint8_t(ManagementOperation::ReadConfigDigest))
        return kSha256DigestSize;
    if (result == uint8_t(ManagementResult::StaleCounter))
        return 4;
    return 0;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Names

const char *managementOperationName(ManagementOperation operation)
{
    switch (operation) {
    case ManagementOperation::ReplaceWhitelist:
        return "replace-whitelist";
    case ManagementOperation::AddWhitelistEntry:
        return "add-whitelist-entry";
    case ManagementOperation::RemoveWhitelistEntry:
        return "remove-whitelist-entry";
    case ManagementOperation::SetSigningPolicy:
        return "set-signing-policy";
    case ManagementOperation::SetLinkKey:
        return "set-link-key";
    case ManagementOperation::SetNetworkKey:
        return "set-network-key";
    case ManagementOperation::ActivateEpoch:
        return "activate-epoch";
    case ManagementOperation::ReadConfigDigest:
        return "read-config-digest";
    case ManagementOperation::FactoryReset:
        return "factory-reset";
    }
    return "unknown";
}

const char *managementResultName(ManagementResult result)
{
    switch (result) {
    case ManagementResult::Applied:
        return "applied";
    case ManagementResult::BadTag:
        return "bad-tag";
    case ManagementResult::StaleCounter:
        return "stale-counter";
    case ManagementResult::Repeated:
        return "repeated";
    case ManagementResult::MalformedBody:
        return "malformed-body";
    case ManagementResult::UnknownOperation:
        return "unknown-operation";
    case ManagementResult::NoRoom:
        return "no-room";
    case ManagementResult::UnknownEpoch:
        return "unknown-epoch";
    case ManagementResult::StorageFailed:
        return "storage-failed";
    case ManagementResult::Unsupported:
        return "unsupported";
    }
    return "unknown";
}

const char *managementStatusName(ManagementStatus status)
{
    switch (status) {
    case ManagementStatus::NeedMore:
        return "need-more";
    case ManagementStatus::Assembled:
        return "assembled";
    case ManagementStatus::Complete:
        return "complete";
    case ManagementStatus::NotManagement:
        return "not-management";
    case ManagementStatus::MalformedFrame:
        return "malformed-frame";
    case ManagementStatus::Oversized:
        return "oversized";
    case ManagementStatus::Truncated:
        return "truncated";
    case ManagementStatus::NoTransfer:
        return "no-transfer";
    case ManagementStatus::MixedTransfer:
        return "mixed-transfer";
    case ManagementStatus::Duplicate:
        return "duplicate";
    case ManagementStatus::OutOfOrder:
        return "out-of-order";
    case ManagementStatus::NotAssembled:
        return "not-assembled";
    case ManagementStatus::BadTag:
        return "bad-tag";
    case ManagementStatus::StaleCounter:
        return "stale-counter";
    case ManagementStatus::RepeatedCounter:
        return "repeated-counter";
    case ManagementStatus::UnexpectedCounter:
        return "unexpected-counter";
    case ManagementStatus::UnknownOperation:
        return "unknown-operation";
    case ManagementStatus::MalformedBody:
        return "malformed-body";
    }
    return "unknown";
}

const char *managementStatusText(ManagementStatus status)
{
    switch (status) {
    case ManagementStatus::NeedMore:
        return "fragment stored, more fragments expected";
    case ManagementStatus::Assembled:
        return "every fragment received, ready to authenticate";
    case ManagementStatus::Complete:
        return "authenticated, fresh and well formed";
    case ManagementStatus::NotManagement:
        return "not a management frame of the expected direction";
    case ManagementStatus::MalformedFrame:
        return "the frame is not a valid management fragment";
    case ManagementStatus::Oversized:
        return "the transfer or the fragment is larger than the receiver accepts";
    case ManagementStatus::Truncated:
        return "the fragment is shorter than its position requires";
    case ManagementStatus::NoTransfer:
        return "a continuation fragment arrived while no transfer was in progress";
    case ManagementStatus::MixedTransfer:
        return "the fragment belongs to another transfer";
    case ManagementStatus::Duplicate:
        return "the fragment was already received";
    case ManagementStatus::OutOfOrder:
        return "a fragment is missing; the transfer was dropped";
    case ManagementStatus::NotAssembled:
        return "no assembled transfer to open";
    case ManagementStatus::BadTag:
        return "the tag does not verify";
    case ManagementStatus::StaleCounter:
        return "the counter is below the last accepted one";
    case ManagementStatus::RepeatedCounter:
        return "the counter equals the last accepted one";
    case ManagementStatus::UnexpectedCounter:
        return "the acknowledgement answers another request";
    case ManagementStatus::UnknownOperation:
        return "the operation is not defined";
    case ManagementStatus::MalformedBody:
        return "the body does not match its operation";
    }
    return "unknown status";
}

const char *managementBuildErrorName(ManagementBuildError error)
{
    switch (error) {
    case ManagementBuildError::None:
        return "none";
    case ManagementBuildError::NoKeys:
        return "no-keys";
    case ManagementBuildError::TooLong:
        return "too-long";
    case ManagementBuildError::InvalidArgument:
        return "invalid-argument";
    }
    return "unknown";
}

bool isKnownManagementOperation(uint8_t operation)
{
    return operation >= uint8_t(ManagementOperation::ReplaceWhitelist)
           && operation <= uint8_t(ManagementOperation::FactoryReset);
}

// ---------------------------------------------------------------------------------------------
// Keys

void ManagementKeys::deriveKey(Sha256Compressor &backend,
                               const uint8_t managementKey[kManagementKeySize],
                               const uint8_t serial[kSerialSize], ManagementKeyPurpose purpose,
                               uint8_t out[kSha256DigestSize])
{
    // HMAC-SHA256(K_mgmt, label || serial) as RFC 2104 spells it for a 32-byte key. The key
    // blocks are fed a byte at a time and the inner digest goes through @p out: no key block,
    // key object or message copy on the stack, which a node runs this deep in.
    const bool authentication = purpose == ManagementKeyPurpose::Authentication;
    const uint8_t *label = authentication ? kAuthLabel : kEncLabel;
    const uint8_t labelLength = authentication ? sizeof kAuthLabel : sizeof kEncLabel;
    Sha256 h(backend);
    uint8_t byte = 0;
    for (uint8_t pass = 0; pass < 2; ++pass) {
        const uint8_t pad = pass == 0 ? 0x36 : 0x5c;
        for (uint8_t i = 0; i < kSha256BlockSize; ++i) {
            byte = uint8_t((i < kManagementKeySize ? managementKey[i] : 0) ^ pad);
            h.update(&byte, 1);
        }
        if (pass == 0) {
            for (uint8_t i = 0; i < labelLength; ++i) {
                copyFromFlash(&byte, label + i, 1);
                h.update(&byte, 1);
            }
            h.update(serial, kSerialSize);
        } else {
            h.update(out, kSha256DigestSize);
        }
        h.finish(out);
    }
    secureZero(&byte, 1);
}

void ManagementKeys::derive(Sha256Compressor &backend,
                            const uint8_t managementKey[kManagementKeySize],
                            const uint8_t serial[kSerialSize])
{
    uint8_t raw[kSha256DigestSize];
    deriveKey(backend, managementKey, serial, ManagementKeyPurpose::Authentication, raw);
    m_auth.setKey(backend, raw, sizeof raw);
    deriveKey(backend, managementKey, serial, ManagementKeyPurpose::Encryption, raw);
    m_enc.setKey(backend, raw, sizeof raw);
    secureZero(raw, sizeof raw);
}

void ManagementKeys::clear()
{
    m_auth.clear();
    m_enc.clear();
}

// ---------------------------------------------------------------------------------------------
// Reassembly

ManagementReassembler::ManagementReassembler(uint8_t frameType, uint8_t *buffer,
                                             uint8_t maxFragments)
    : m_buffer(buffer)
    , m_lastFragmentAt(0)
    , m_length(0)
    , m_frameType(frameType)
    , m_maxFragments(maxFragments)
    , m_count(0)
    , m_next(0)
    , m_xid(0)
    , m_state(State::Idle)
{ }

void ManagementReassembler::reset()
{
    secureZero(m_buffer, size_t(m_maxFragments) * kManagementChunkSize);
    m_length = 0;
    m_count = 0;
    m_next = 0;
    m_xid = 0;
    m_state = State::Idle;
}

void ManagementReassembler::expire(uint32_t nowMs)
{
    if (m_state != State::Idle && uint32_t(nowMs - m_lastFragmentAt) > kManagementFragmentTimeoutMs)
        reset();
}

ManagementStatus ManagementReassembler::feed(const Message &frame, uint32_t nowMs)
{
    if (frame.command() != Command::Stream || frame.type() != m_frameType
        || frame.sensor() != kNodeSensorId || frame.isEcho())
        return ManagementStatus::NotManagement;
    if (frame.payloadType() != PayloadType::Custom || frame.requestEcho()
        || frame.payloadLength() <= kManagementFragmentHeaderSize)
        return ManagementStatus::MalformedFrame;

    const uint8_t *payload = frame.payload();
    const uint8_t index = payload[0] >> 4;
    const uint8_t count = uint8_t((payload[0] & 0x0F) + 1);
    const uint8_t xid = payload[1];
    const uint8_t *chunk = payload + kManagementFragmentHeaderSize;
    const size_t chunkLength = frame.payloadLength() - kManagementFragmentHeaderSize;

    // Checks on the frame alone: they never disturb a transfer in progress.
    if (index >= count)
        return ManagementStatus::MalformedFrame;
    if (count > m_maxFragments || chunkLength > kManagementChunkSize)
        return ManagementStatus::Oversized;
    const bool last = index + 1 == count;
    // Both streams are at least one chunk long: operation/counter (or counter/result) and tag.
    const size_t streamLength = size_t(index) * kManagementChunkSize + chunkLength;
    if ((!last && chunkLength != kManagementChunkSize)
        || (last && streamLength < kManagementRequestOverhead))
        return ManagementStatus::Truncated;

    expire(nowMs);

    if (m_state != State::Idle && xid == m_xid && count == m_count && index < m_next) {
        // A retransmission (lost link-level ack) is harmless if it repeats what we hold; a
        // different fragment 0 is a new transfer, a different later one a stranger.
        const size_t offset = size_t(index) * kManagementChunkSize;
        const size_t held = last ? m_length - offset : kManagementChunkSize;
        if (held == chunkLength && memcmp(m_buffer + offset, chunk, chunkLength) == 0) {
            m_lastFragmentAt = nowMs;
            return ManagementStatus::Duplicate;
        }
        if (index != 0)
            return ManagementStatus::MixedTransfer;
    }

    if (index == 0) {
        // A new transfer replaces whatever was in progress.
        reset();
        m_xid = xid;
        m_count = count;
    } else {
        if (m_state == State::Idle)
            return ManagementStatus::NoTransfer;
        if (xid != m_xid || count != m_count || m_state == State::Assembled)
            return ManagementStatus::MixedTransfer;
        if (index > m_next) {
            reset();
            return ManagementStatus::OutOfOrder;
        }
    }

    memcpy(m_buffer + m_length, chunk, chunkLength);
    m_length = uint8_t(m_length + chunkLength);
    m_next = uint8_t(index + 1);
    m_lastFragmentAt = nowMs;
    if (m_next == m_count) {
        m_state = State::Assembled;
        return ManagementStatus::Assembled;
    }
    m_state = State::Receiving;
    return ManagementStatus::NeedMore;
}

// ---------------------------------------------------------------------------------------------
// Node: request receiver

ManagementReceiver::ManagementReceiver(Sha256Compressor &backend)
    : m_backend(backend)
    , m_assembler(kManagementRequestType, m_buffer, kManagementMaxRequestFragments)
{
    // m_counter .. m_buffer: plain data starting at zero, one memset (a store per member is
    // flash on the AVR).
    uint8_t *const first = reinterpret_cast<uint8_t *>(&m_counter);
    memset(first, 0, size_t(m_buffer + sizeof m_buffer - first));
}

ManagementReceiver::~ManagementReceiver()
{
    clear();
}

void ManagementReceiver::clear()
{
    m_assembler.reset();
    m_counter = 0;
    m_operation = 0;
    m_bodyLength = 0;
    m_authenticated = false;
    m_complete = false;
}

ManagementStatus ManagementReceiver::feed(const Message &frame, uint32_t nowMs)
{
    if (m_complete) // the buffer holds a decrypted body: never let it linger
        clear();
    const ManagementStatus status = m_assembler.feed(frame, nowMs);
    if (status == ManagementStatus::Assembled) {
        m_operation = m_buffer[0];
        m_counter = readLe32(m_buffer + 1);
        m_authenticated = false;
    }
    return status;
}

WARDEN_PROTOCOL_NOINLINE ManagementStatus ManagementReceiver::open(const ManagementKeys &keys,
                                                                   uint32_t lastAcceptedCounter)
{
    if (!m_assembler.isAssembled())
        return ManagementStatus::NotAssembled;
    if (!keys.isSet()) { // e.g. after a factory reset that erased K_mgmt: nothing verifies
        m_assembler.reset();
        return ManagementStatus::BadTag;
    }
    const size_t covered = m_assembler.length() - kManagementTagSize;
    m_operation = m_buffer[0];
    m_counter = readLe32(m_buffer + 1);
    m_authenticated = false;
    m_complete = false;
    m_bodyLength = 0;

    // 1. The tag, in constant time, before anything in the request is believed.
    uint8_t tag[kSha256DigestSize];
    requestTag(m_backend, keys, m_buffer, covered, tag);
    const bool authentic = constantTimeEqual(tag, m_buffer + covered, kManagementTagSize);
    secureZero(tag, sizeof tag);
    if (!authentic) {
        m_assembler.reset();
        return ManagementStatus::BadTag;
    }
    m_authenticated = true;

    // 2. Freshness: strictly above the last accepted counter. 0 is never valid (a new node's
    // last accepted counter is 0 and it has accepted nothing).
    if (m_counter < lastAcceptedCounter || m_counter == 0) {
        m_assembler.reset();
        return ManagementStatus::StaleCounter;
    }
    if (m_counter == lastAcceptedCounter) {
        m_assembler.reset();
        return ManagementStatus::RepeatedCounter;
    }
    if (!isKnownManagementOperation(m_operation)) {
        m_assembler.reset();
        return ManagementStatus::UnknownOperation;
    }

    // 3. Only now decrypt, then check the body.
    uint8_t *body = m_buffer + kHeaderBytes;
    const size_t length = covered - kHeaderBytes;
    applyKeystream(m_backend, keys, m_operation, m_counter, body, length);
    if (!validBody(m_operation, body, length)) {
        m_assembler.reset();
        return ManagementStatus::MalformedBody;
    }
    // The tag is no longer needed; the body stays for the caller until clear().
    secureZero(m_buffer + covered, kManagementTagSize);
    m_bodyLength = uint8_t(length);
    m_complete = true;
    m_assembler.release();
    return ManagementStatus::Complete;
}

const uint8_t *ManagementReceiver::body() const
{
    return m_complete ? m_buffer + kHeaderBytes : nullptr;
}

size_t ManagementReceiver::bodyLength() const
{
    return m_complete ? m_bodyLength : 0;
}

bool ManagementReceiver::isComplete(ManagementOperation operation) const
{
    return m_complete && m_operation == uint8_t(operation);
}

size_t ManagementReceiver::whitelistCount() const
{
    if (isComplete(ManagementOperation::ReplaceWhitelist))
        return m_buffer[kHeaderBytes];
    return isComplete(ManagementOperation::AddWhitelistEntry) ? 1 : 0;
}

bool ManagementReceiver::whitelistEntry(size_t index, WhitelistEntry &out) const
{
    const uint8_t *entry;
    if (isComplete(ManagementOperation::ReplaceWhitelist) && index < whitelistCount())
        entry = m_buffer + kHeaderBytes + 1 + index * kManagementWhitelistEntrySize;
    else if (isComplete(ManagementOperation::AddWhitelistEntry) && index == 0)
        entry = m_buffer + kHeaderBytes;
    else
        return false;
    out.nodeId = entry[0];
    memcpy(out.serial, entry + 1, kSerialSize);
    return true;
}

bool ManagementReceiver::removedNodeId(uint8_t &nodeId) const
{
    if (!isComplete(ManagementOperation::RemoveWhitelistEntry))
        return false;
    nodeId = m_buffer[kHeaderBytes];
    return true;
}

bool ManagementReceiver::policyFlags(uint8_t &flags) const
{
    if (!isComplete(ManagementOperation::SetSigningPolicy))
        return false;
    flags = m_buffer[kHeaderBytes];
    return true;
}

size_t ManagementReceiver::peerCount() const
{
    return isComplete(ManagementOperation::SetSigningPolicy) ? m_buffer[kHeaderBytes + 1] : 0;
}

bool ManagementReceiver::peer(size_t index, SigningPeer &out) const
{
    if (index >= peerCount())
        return false;
    const uint8_t *p = m_buffer + kHeaderBytes + 2 + 2 * index;
    out.nodeId = p[0];
    out.flags = p[1];
    return true;
}

const uint8_t *ManagementReceiver::key() const
{
    if (isComplete(ManagementOperation::SetLinkKey))
        return m_buffer + kHeaderBytes;
    if (isComplete(ManagementOperation::SetNetworkKey))
        return m_buffer + kHeaderBytes + 2;
    return nullptr;
}

bool ManagementReceiver::epoch(uint16_t &value) const
{
    if (!isComplete(ManagementOperation::SetNetworkKey)
        && !isComplete(ManagementOperation::ActivateEpoch))
        return false;
    value = readLe16(m_buffer + kHeaderBytes);
    return true;
}

bool ManagementReceiver::resetScope(uint8_t &scope) const
{
    if (!isComplete(ManagementOperation::FactoryReset))
        return false;
    scope = m_buffer[kHeaderBytes + 4];
    return true;
}

// ---------------------------------------------------------------------------------------------
// Core: request builder

ManagementRequestBuilder::ManagementRequestBuilder(Sha256Compressor &backend)
    : m_backend(backend)
{
    // m_length .. m_stream: plain data starting at zero, one memset.
    uint8_t *const first = reinterpret_cast<uint8_t *>(&m_length);
    memset(first, 0, size_t(m_stream + sizeof m_stream - first));
}

ManagementRequestBuilder::~ManagementRequestBuilder()
{
    clear();
}

void ManagementRequestBuilder::clear()
{
    secureZero(m_stream, sizeof m_stream);
    m_length = 0;
    m_frames = 0;
    m_next = 0;
}

ManagementBuildError ManagementRequestBuilder::begin(const ManagementKeys &keys, uint8_t operation,
                                                     uint32_t counter, const uint8_t *body,
                                                     size_t bodyLength)
{
    clear();
    if (!keys.isSet())
        return ManagementBuildError::NoKeys;
    if (bodyLength > kManagementMaxRequestBody || (bodyLength > 0 && body == nullptr))
        return ManagementBuildError::TooLong;
    m_stream[0] = operation;
    writeLe32(m_stream + 1, counter);
    if (bodyLength > 0)
        memcpy(m_stream + kHeaderBytes, body, bodyLength);
    applyKeystream(m_backend, keys, operation, counter, m_stream + kHeaderBytes, bodyLength);
    const size_t covered = kHeaderBytes + bodyLength;
    uint8_t tag[kSha256DigestSize];
    requestTag(m_backend, keys, m_stream, covered, tag);
    memcpy(m_stream + covered, tag, kManagementTagSize);
    secureZero(tag, sizeof tag);
    m_length = covered + kManagementTagSize;
    m_frames = uint8_t(framesFor(m_length));
    return ManagementBuildError::None;
}

ManagementBuildError ManagementRequestBuilder::beginReplaceWhitelist(const ManagementKeys &keys,
                                                                     uint32_t counter,
                                                                     const WhitelistEntry *entries,
                                                                     size_t count)
{
    clear();
    if (count > kManagementMaxWhitelistEntries || (count > 0 && entries == nullptr))
        return ManagementBuildError::InvalidArgument;
    uint8_t body[1 + kManagementMaxWhitelistEntries * kManagementWhitelistEntrySize];
    body[0] = uint8_t(count);
    for (size_t i = 0; i < count; ++i) {
        uint8_t *p = body + 1 + i * kManagementWhitelistEntrySize;
        p[0] = entries[i].nodeId;
        memcpy(p + 1, entries[i].serial, kSerialSize);
    }
    const size_t length = 1 + count * kManagementWhitelistEntrySize;
    ManagementBuildError error = ManagementBuildError::InvalidArgument;
    if (validBody(uint8_t(ManagementOperation::ReplaceWhitelist), body, length))
        error = begin(keys, uint8_t(ManagementOperation::ReplaceWhitelist), counter, body, length);
    secureZero(body, sizeof body);
    return error;
}

ManagementBuildError ManagementRequestBuilder::beginAddWhitelistEntry(const ManagementKeys &keys,
                                                                      uint32_t counter,
                                                                      const WhitelistEntry &entry)
{
    clear();
    uint8_t body[kManagementWhitelistEntrySize];
    body[0] = entry.nodeId;
    memcpy(body + 1, entry.serial, kSerialSize);
    ManagementBuildError error = ManagementBuildError::InvalidArgument;
    if (validBody(uint8_t(ManagementOperation::AddWhitelistEntry), body, sizeof body))
        error = begin(keys, uint8_t(ManagementOperation::AddWhitelistEntry), counter, body,
                      sizeof body);
    secureZero(body, sizeof body);
    return error;
}

ManagementBuildError ManagementRequestBuilder::beginRemoveWhitelistEntry(const ManagementKeys &keys,
                                                                         uint32_t counter,
                                                                         uint8_t nodeId)
{
    clear();
    if (!validBody(uint8_t(ManagementOperation::RemoveWhitelistEntry), &nodeId, 1))
        return ManagementBuildError::InvalidArgument;
    return begin(keys, uint8_t(ManagementOperation::RemoveWhitelistEntry), counter, &nodeId, 1);
}

ManagementBuildError ManagementRequestBuilder::beginSetSigningPolicy(const ManagementKeys &keys,
                                                                     uint32_t counter,
                                                                     const SigningPolicy &policy)
{
    clear();
    if (policy.peerCount > kManagementMaxPeers || (policy.peerCount > 0 && policy.peers == nullptr))
        return ManagementBuildError::InvalidArgument;
    uint8_t body[2 + 2 * kManagementMaxPeers];
    body[0] = policy.flags;
    body[1] = uint8_t(policy.peerCount);
    for (size_t i = 0; i < policy.peerCount; ++i) {
        body[2 + 2 * i] = policy.peers[i].nodeId;
        body[3 + 2 * i] = policy.peers[i].flags;
    }
    const size_t length = 2 + 2 * policy.peerCount;
    if (!validBody(uint8_t(ManagementOperation::SetSigningPolicy), body, length))
        return ManagementBuildError::InvalidArgument;
    return begin(keys, uint8_t(ManagementOperation::SetSigningPolicy), counter, body, length);
}

ManagementBuildError
ManagementRequestBuilder::beginSetLinkKey(const ManagementKeys &keys, uint32_t counter,
                                          const uint8_t key[kManagementKeySize])
{
    clear();
    if (key == nullptr)
        return ManagementBuildError::InvalidArgument;
    return begin(keys, uint8_t(ManagementOperation::SetLinkKey), counter, key, kManagementKeySize);
}

ManagementBuildError
ManagementRequestBuilder::beginSetNetworkKey(const ManagementKeys &keys, uint32_t counter,
                                             uint16_t epoch, const uint8_t key[kManagementKeySize])
{
    clear();
    if (key == nullptr || epoch == 0)
        return ManagementBuildError::InvalidArgument;
    uint8_t body[2 + kManagementKeySize];
    writeLe16(body, epoch);
    memcpy(body + 2, key, kManagementKeySize);
    const ManagementBuildError error
            = begin(keys, uint8_t(ManagementOperation::SetNetworkKey), counter, body, sizeof body);
    secureZero(body, sizeof body);
    return error;
}

ManagementBuildError ManagementRequestBuilder::beginActivateEpoch(const ManagementKeys &keys,
                                                                  uint32_t counter, uint16_t epoch)
{
    clear();
    if (epoch == 0)
        return ManagementBuildError::InvalidArgument;
    uint8_t body[2];
    writeLe16(body, epoch);
    return begin(keys, uint8_t(ManagementOperation::ActivateEpoch), counter, body, sizeof body);
}

ManagementBuildError ManagementRequestBuilder::beginReadConfigDigest(const ManagementKeys &keys,
                                                                     uint32_t counter)
{
    return begin(keys, uint8_t(ManagementOperation::ReadConfigDigest), counter, nullptr, 0);
}

ManagementBuildError ManagementRequestBuilder::beginFactoryReset(const ManagementKeys &keys,
                                                                 uint32_t counter, uint8_t scope)
{
    clear();
    if ((scope & ~kManagementResetEraseManagementKey) != 0)
        return ManagementBuildError::InvalidArgument;
    const uint8_t body[5]
            = {kManagementResetConfirmation[0], kManagementResetConfirmation[1],
               kManagementResetConfirmation[2], kManagementResetConfirmation[3], scope};
    return begin(keys, uint8_t(ManagementOperation::FactoryReset), counter, body, sizeof body);
}

bool ManagementRequestBuilder::frame(size_t index, Message &out, uint8_t sender,
                                     uint8_t destination) const
{
    if (index >= m_frames)
        return false;
    writeFrame(m_stream, m_length, m_frames, index, kManagementRequestType, m_stream[1], out,
               sender, destination);
    return true;
}

bool ManagementRequestBuilder::nextFrame(Message &out, uint8_t sender, uint8_t destination)
{
    if (!frame(m_next, out, sender, destination))
        return false;
    ++m_next;
    return true;
}

// ---------------------------------------------------------------------------------------------
// Node: acknowledgement builder

ManagementAckBuilder::ManagementAckBuilder(Sha256Compressor &backend)
    : m_backend(backend)
{
    // m_length .. m_stream: plain data starting at zero, one memset.
    uint8_t *const first = reinterpret_cast<uint8_t *>(&m_length);
    memset(first, 0, size_t(m_stream + sizeof m_stream - first));
}

ManagementAckBuilder::~ManagementAckBuilder()
{
    clear();
}

void ManagementAckBuilder::clear()
{
    secureZero(m_stream, sizeof m_stream);
    m_length = 0;
    m_frames = 0;
    m_next = 0;
}

ManagementBuildError ManagementAckBuilder::begin(const ManagementKeys &keys, uint8_t operation,
                                                 uint32_t counter, ManagementResult result,
                                                 const uint8_t *body, size_t bodyLength)
{
    clear();
    if (!keys.isSet())
        return ManagementBuildError::NoKeys;
    if (bodyLength > kManagementMaxAckBody)
        return ManagementBuildError::TooLong;
    if (bodyLength != ackBodyLength(operation, uint8_t(result)) || (bodyLength > 0 && !body))
        return ManagementBuildError::InvalidArgument;
    writeLe32(m_stream, counter);
    m_stream[4] = uint8_t(result);
    if (bodyLength > 0)
        memcpy(m_stream + kHeaderBytes, body, bodyLength);
    const size_t covered = kHeaderBytes + bodyLength;
    uint8_t tag[kSha256DigestSize];
    ackTag(m_backend, keys, operation, m_stream, covered, tag);
    memcpy(m_stream + covered, tag, kManagementTagSize);
    secureZero(tag, sizeof tag);
    m_length = uint8_t(covered + kManagementTagSize);
    m_frames = uint8_t(framesFor(m_length));
    return ManagementBuildError::None;
}

ManagementBuildError ManagementAckBuilder::beginStale(const ManagementKeys &keys, uint8_t operation,
                                                      uint32_t counter,
                                                      uint32_t lastAcceptedCounter)
{
    uint8_t body[4];
    writeLe32(body, lastAcceptedCounter);
    return begin(keys, operation, counter, ManagementResult::StaleCounter, body, sizeof body);
}

bool ManagementAckBuilder::frame(size_t index, Message &out, uint8_t sender,
                                 uint8_t destination) const
{
    if (index >= m_frames)
        return false;
    writeFrame(m_stream, m_length, m_frames, index, kManagementAckType, m_stream[0], out, sender,
               destination);
    return true;
}

bool ManagementAckBuilder::nextFrame(Message &out, uint8_t sender, uint8_t destination)
{
    if (!frame(m_next, out, sender, destination))
        return false;
    ++m_next;
    return true;
}

// ---------------------------------------------------------------------------------------------
// Core: acknowledgement receiver

ManagementAckReceiver::ManagementAckReceiver(Sha256Compressor &backend)
    : m_backend(backend)
    , m_assembler(kManagementAckType, m_buffer, kManagementMaxAckFragments)
    , m_counter(0)
    , m_operation(0)
    , m_result(0)
    , m_complete(false)
{
    memset(m_buffer, 0, sizeof m_buffer);
}

ManagementAckReceiver::~ManagementAckReceiver()
{
    clear();
}

void ManagementAckReceiver::clear()
{
    m_assembler.reset();
    m_counter = 0;
    m_operation = 0;
    m_result = 0;
    m_complete = false;
}

ManagementStatus ManagementAckReceiver::feed(const Message &frame, uint32_t nowMs)
{
    if (m_complete)
        clear();
    const ManagementStatus status = m_assembler.feed(frame, nowMs);
    if (status == ManagementStatus::Assembled)
        m_counter = readLe32(m_buffer);
    return status;
}

ManagementStatus ManagementAckReceiver::open(const ManagementKeys &keys, uint8_t operation,
                                             uint32_t counter)
{
    if (!m_assembler.isAssembled())
        return ManagementStatus::NotAssembled;
    if (!keys.isSet()) {
        m_assembler.reset();
        return ManagementStatus::BadTag;
    }
    const size_t covered = m_assembler.length() - kManagementTagSize;
    m_counter = readLe32(m_buffer);
    m_complete = false;

    uint8_t tag[kSha256DigestSize];
    ackTag(m_backend, keys, operation, m_buffer, covered, tag);
    const bool authentic = constantTimeEqual(tag, m_buffer + covered, kManagementTagSize);
    secureZero(tag, sizeof tag);
    if (!authentic) {
        m_assembler.reset();
        return ManagementStatus::BadTag;
    }
    if (m_counter != counter) {
        m_assembler.reset();
        return ManagementStatus::UnexpectedCounter;
    }
    const uint8_t result = m_buffer[4];
    if (result > uint8_t(ManagementResult::Unsupported)
        || covered - kHeaderBytes != ackBodyLength(operation, result)) {
        m_assembler.reset();
        return ManagementStatus::MalformedBody;
    }
    m_operation = operation;
    m_result = result;
    m_complete = true;
    m_assembler.release();
    return ManagementStatus::Complete;
}

const uint8_t *ManagementAckReceiver::configDigest() const
{
    if (m_complete && m_result == uint8_t(ManagementResult::Applied)
        && m_operation == uint8_t(ManagementOperation::ReadConfigDigest))
        return m_buffer + kHeaderBytes;
    return nullptr;
}

bool ManagementAckReceiver::lastAcceptedCounter(uint32_t &out) const
{
    if (!m_complete || m_result != uint8_t(ManagementResult::StaleCounter))
        return false;
    out = readLe32(m_buffer + kHeaderBytes);
    return true;
}

// ---------------------------------------------------------------------------------------------
// Configuration digest

namespace {

/// A summary read as a source: core's view and the node's EEPROM go through one function.
class SummarySource final : public ManagementConfigSource
{
public:
    explicit SummarySource(const ManagementConfigSummary &summary)
        : m_summary(summary)
    { }

    void serial(uint8_t out[kSerialSize]) const override
    {
        if (m_summary.serial)
            memcpy(out, m_summary.serial, kSerialSize);
        else
            memset(out, 0xFF, kSerialSize); // what an unpersonalized node reads
    }
    uint8_t whitelistCount() const override
    {
        const WhitelistView &list = m_summary.whitelist;
        return uint8_t(list.entries ? (list.count < 255 ? list.count : 255) : 0);
    }
    uint8_t whitelistNodeId(uint8_t index) const override
    {
        return m_summary.whitelist.entries[index].nodeId;
    }
    void whitelistSerial(uint8_t index, uint8_t out[kSerialSize]) const override
    {
        memcpy(out, m_summary.whitelist.entries[index].serial, kSerialSize);
    }
    uint8_t policyFlags() const override { return m_summary.policyFlags; }
    uint8_t peerFlags(uint8_t nodeId) const override
    {
        uint8_t flags = 0;
        if (m_summary.doSign && m_summary.doSign->isRequired(nodeId))
            flags |= kPeerRequiresSignatures;
        if (m_summary.doWhitelist && m_summary.doWhitelist->isRequired(nodeId))
            flags |= kPeerRequiresWhitelisting;
        return flags;
    }
    bool key(ManagementConfigKey which, uint8_t out[kManagementKeySize]) const override
    {
        const uint8_t *key = which == ManagementConfigKey::Link ? m_summary.linkKey
                             : which == ManagementConfigKey::ActiveNetwork
                                     ? m_summary.activeNetworkKey
                                     : m_summary.pendingNetworkKey;
        if (key)
            memcpy(out, key, kManagementKeySize);
        return key != nullptr;
    }
    uint16_t epoch(ManagementConfigKey which) const override
    {
        return which == ManagementConfigKey::ActiveNetwork    ? m_summary.activeEpoch
               : which == ManagementConfigKey::PendingNetwork ? m_summary.pendingEpoch
                                                              : 0;
    }

private:
    const ManagementConfigSummary &m_summary;
};

} // namespace

void computeConfigDigest(Sha256Compressor &backend, const ManagementConfigSummary &summary,
                         uint8_t out[kSha256DigestSize])
{
    computeConfigDigest(backend, SummarySource(summary), out);
}

WARDEN_PROTOCOL_NOINLINE void computeConfigDigest(Sha256Compressor &backend,
                                                  const ManagementConfigSource &source,
                                                  uint8_t out[kSha256DigestSize])
{
    Sha256 h(backend);
    // One scratch buffer for the label, the serials and the keys: this runs on a node's stack.
    uint8_t buffer[1 + kManagementKeySize];
    static_assert(sizeof kConfigLabel <= sizeof buffer, "the label fits the scratch buffer");
    copyFromFlash(buffer, kConfigLabel, sizeof kConfigLabel);
    h.update(buffer, sizeof kConfigLabel);
    source.serial(buffer);
    h.update(buffer, kSerialSize);

    // Whitelist: distinct node ids in ascending order, the first entry of each id (the one a
    // lookup finds), so the digest does not depend on the order a node stores them in. The
    // next id is found by a scan (at most 16 entries): no sorted copy.
    const uint8_t listed = source.whitelistCount();
    for (uint8_t pass = 0; pass < 2; ++pass) {
        uint16_t distinct = 0;
        int16_t previous = -1;
        for (;;) {
            int16_t best = 256;
            uint8_t at = 0;
            for (uint8_t i = 0; i < listed; ++i) {
                const int16_t id = source.whitelistNodeId(i);
                if (id > previous && id < best) { // strictly less: the first entry of an id
                    best = id;
                    at = i;
                }
            }
            if (best > 255)
                break;
            previous = best;
            ++distinct;
            if (pass == 1) {
                buffer[0] = uint8_t(best);
                source.whitelistSerial(at, buffer + 1);
                h.update(buffer, 1 + kSerialSize);
            }
        }
        if (pass == 0) {
            writeLe16(buffer, distinct);
            h.update(buffer, 2);
        }
    }

    // Signing policy: the flags, then every peer with a requirement, ascending.
    buffer[0] = source.policyFlags();
    h.update(buffer, 1);
    for (uint8_t pass = 0; pass < 2; ++pass) {
        uint16_t peers = 0;
        uint8_t id = 0;
        do {
            const uint8_t flags = source.peerFlags(id);
            if (flags != 0) {
                ++peers;
                if (pass == 1) {
                    buffer[0] = id;
                    buffer[1] = flags;
                    h.update(buffer, 2);
                }
            }
        } while (++id != 0);
        if (pass == 0) {
            writeLe16(buffer, peers);
            h.update(buffer, 2);
        }
    }

    // Keys: (the epoch of a network key,) a presence byte, then the key bytes (inside the
    // hash only).
    for (uint8_t k = 0; k < 3; ++k) {
        const ManagementConfigKey which = ManagementConfigKey(k);
        if (which != ManagementConfigKey::Link) {
            writeLe16(buffer, source.epoch(which));
            h.update(buffer, 2);
        }
        const bool present = source.key(which, buffer + 1);
        buffer[0] = present ? 1 : 0;
        h.update(buffer, present ? 1 + kManagementKeySize : 1);
    }
    secureZero(buffer, sizeof buffer);
    h.finish(out);
}

} // namespace Protocol
} // namespace Warden
