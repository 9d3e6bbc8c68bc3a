#include "warden/protocol/rs485.h"

#include <string.h>

namespace Warden {
namespace Protocol {

namespace {

// Offsets from the last SOH of a frame.
constexpr size_t kToOffset = 0;
constexpr size_t kFromOffset = 1;
constexpr size_t kCommandOffset = 2;
constexpr size_t kLengthOffset = 3;
constexpr size_t kStxOffset = 4;
constexpr size_t kDataOffset = 5;

// The receiver's buffer starts at the SOH, one byte before the offsets above.
constexpr size_t kRxHeaderSize = 1 + kDataOffset;
constexpr size_t kFirstTrailerIndex = kRxHeaderSize + kRs485MaxDataLength;

// On the AVR constant data is copied to RAM at start-up. Each table is an object of its own,
// so that with -fdata-sections and --gc-sections a firmware that logs error names pays for
// the names (about 190 bytes) and not for the sentences as well; string literals would all
// share one section. Indexed by Rs485Error.
constexpr size_t kErrorCount = size_t(Rs485Error::BufferTooSmall) + 1;
const char kErrorNames[kErrorCount][17] = {
        "ok", // None
        "truncated", // Truncated
        "bad-start", // BadStart
        "bad-command", // BadCommand
        "data-too-long", // DataTooLong
        "bad-stx", // BadStx
        "bad-etx", // BadEtx
        "bad-checksum", // BadChecksum
        "bad-eot", // BadEot
        "trailing-bytes", // TrailingBytes
        "buffer-too-small", // BufferTooSmall
};
const char kErrorTexts[kErrorCount][68] = {
        "the RS485 frame is valid",
        "the bytes end before the RS485 frame does",
        "the RS485 frame does not start with SOH (0x01)",
        "the RS485 command byte is not 0x58, the only one MySensors sends",
        "the RS485 length field is 40 or more; 39 data bytes at most",
        "the RS485 length field is not followed by STX (0x02)",
        "the RS485 data is not followed by ETX (0x03)",
        "the RS485 checksum does not match the header and data bytes",
        "the RS485 checksum is not followed by EOT (0x04)",
        "bytes follow the EOT that ends the RS485 frame",
        "the output buffer is too small for the RS485 frame",
};

/// Checks @p bytes as a frame that starts with @p sohCount SOH bytes (the caller has seen
/// them). @p reached is the index of the offending byte, or @p size when the bytes end first,
/// so that readings of an ambiguous SOH run can be ranked by how far they got.
Rs485Error checkFrame(const uint8_t *bytes, size_t size, size_t sohCount, size_t &reached)
{
    const size_t commandAt = sohCount + kCommandOffset;
    const size_t lengthAt = sohCount + kLengthOffset;
    const size_t stxAt = sohCount + kStxOffset;
    reached = size;
    if (size <= commandAt)
        return Rs485Error::Truncated;
    if (bytes[commandAt] != kRs485Command) {
        reached = commandAt;
        return Rs485Error::BadCommand;
    }
    if (size <= lengthAt)
        return Rs485Error::Truncated;
    const uint8_t length = bytes[lengthAt];
    if (length > kRs485MaxDataLength) {
        reached = lengthAt;
        return Rs485Error::DataTooLong;
    }
    if (size <= stxAt)
        return Rs485Error::Truncated;
    if (bytes[stxAt] != kRs485Stx) {
        reached = stxAt;
        return Rs485Error::BadStx;
    }
    const size_t etxAt = sohCount + kDataOffset + length;
    if (size <= etxAt)
        return Rs485Error::Truncated;
    if (bytes[etxAt] != kRs485Etx) {
        reached = etxAt;
        return Rs485Error::BadEtx;
    }
    if (size <= etxAt + 1)
        return Rs485Error::Truncated;
    const uint8_t expected
            = rs485Checksum(bytes[sohCount + kToOffset], bytes[sohCount + kFromOffset],
                            kRs485Command, bytes + sohCount + kDataOffset, length);
    if (bytes[etxAt + 1] != expected) {
        reached = etxAt + 1;
        return Rs485Error::BadChecksum;
    }
    if (size <= etxAt + 2)
        return Rs485Error::Truncated;
    if (bytes[etxAt + 2] != kRs485Eot) {
        reached = etxAt + 2;
        return Rs485Error::BadEot;
    }
    if (size > etxAt + 3) {
        reached = etxAt + 3;
        return Rs485Error::TrailingBytes;
    }
    return Rs485Error::None;
}

} // namespace

const char *rs485ErrorName(Rs485Error error)
{
    return size_t(error) < kErrorCount ? kErrorNames[size_t(error)] : "unknown";
}

const char *rs485ErrorText(Rs485Error error)
{
    return size_t(error) < kErrorCount ? kErrorTexts[size_t(error)] : "unknown error";
}

uint8_t rs485Checksum(uint8_t to, uint8_t from, uint8_t command, const uint8_t *data, size_t length)
{
    // uint8_t arithmetic wraps, which is the "mod 256" of the spec.
    uint8_t sum = uint8_t(to + from + command + uint8_t(length));
    for (size_t i = 0; i < length; ++i)
        sum = uint8_t(sum + data[i]);
    return sum;
}

size_t rs485Encode(uint8_t to, uint8_t from, const uint8_t *data, size_t length, uint8_t *out,
                   size_t capacity, uint8_t sohCount)
{
    if (length > kRs485MaxDataLength || sohCount < 1 || sohCount > kRs485MaxSohCount)
        return 0;
    const size_t size = sohCount + kRs485FramingSize + length;
    if (capacity < size)
        return 0;
    memset(out, kRs485Soh, sohCount);
    uint8_t *header = out + sohCount;
    header[kToOffset] = to;
    header[kFromOffset] = from;
    header[kCommandOffset] = kRs485Command;
    header[kLengthOffset] = uint8_t(length);
    header[kStxOffset] = kRs485Stx;
    if (length > 0)
        memcpy(header + kDataOffset, data, length);
    uint8_t *trailer = header + kDataOffset + length;
    trailer[0] = kRs485Etx;
    trailer[1] = rs485Checksum(to, from, kRs485Command, data, length);
    trailer[2] = kRs485Eot;
    return size;
}

Rs485Error rs485Decode(const uint8_t *bytes, size_t size, Rs485Frame &out)
{
    if (size == 0)
        return Rs485Error::Truncated;
    if (bytes[0] != kRs485Soh)
        return Rs485Error::BadStart;
    size_t run = 1;
    while (run < kRs485MaxSohCount && run < size && bytes[run] == kRs485Soh)
        ++run;

    // Try every split of the 0x01 run into SOH bytes and a To (and From) of node 1.
    size_t sohCount = 0;
    Rs485Error best = Rs485Error::Truncated;
    size_t bestReached = 0;
    for (size_t candidate = 1; candidate <= run; ++candidate) {
        size_t reached = 0;
        const Rs485Error error = checkFrame(bytes, size, candidate, reached);
        if (error == Rs485Error::None) {
            sohCount = candidate;
            break;
        }
        if (candidate == 1 || reached > bestReached) {
            best = error;
            bestReached = reached;
        }
    }
    if (sohCount == 0)
        return best;

    const uint8_t *header = bytes + sohCount;
    out.to = header[kToOffset];
    out.from = header[kFromOffset];
    out.command = header[kCommandOffset];
    out.length = header[kLengthOffset];
    out.checksum = header[kDataOffset + out.length + 1];
    memcpy(out.data, header + kDataOffset, out.length);
    // Keep the unused tail defined, so that a frame never shows an earlier frame's bytes.
    memset(out.data + out.length, 0, kRs485MaxDataLength - out.length);
    return Rs485Error::None;
}

Rs485Receiver::Rs485Receiver(uint8_t ownId, bool promiscuous)
    : m_soh(0)
    , m_count(0)
    , m_delivered(0)
    , m_ownId(ownId)
    , m_promiscuous(promiscuous)
    , m_lastError(Rs485Error::None)
{
    memset(&m_frame, 0, sizeof m_frame);
    memset(m_trailer, 0, sizeof m_trailer);
}

void Rs485Receiver::reset()
{
    m_count = 0;
    m_delivered = 0;
    m_lastError = Rs485Error::None;
}

uint8_t &Rs485Receiver::at(size_t index)
{
    static_assert(kFirstTrailerIndex + sizeof m_trailer == kBufferSize, "buffer map");
    switch (index) {
    case 0:
        return m_soh;
    case 1:
        return m_frame.to;
    case 2:
        return m_frame.from;
    case 3:
        return m_frame.command;
    case 4:
        return m_frame.length;
    case 5:
        return m_frame.checksum; // holds the STX until the frame is complete
    default:
        break;
    }
    if (index < kFirstTrailerIndex)
        return m_frame.data[index - kRxHeaderSize];
    return m_trailer[index - kFirstTrailerIndex];
}

uint8_t Rs485Receiver::at(size_t index) const
{
    return const_cast<Rs485Receiver *>(this)->at(index);
}

bool Rs485Receiver::accepts(uint8_t to, uint8_t from) const
{
    // The development branch's filter; 2.3.2's "To != From, then drop From == own id or a
    // foreign To" has the same effect on every frame a MySensors node sends.
    return m_promiscuous || to == m_ownId || (to == kBroadcastAddress && from != m_ownId);
}

void Rs485Receiver::discard(size_t count)
{
    for (size_t i = count; i < m_count; ++i)
        at(i - count) = at(i);
    m_count = uint8_t(m_count - count);
}

void Rs485Receiver::dropCandidate()
{
    // Only an SOH can start the next candidate; everything before it is decided.
    size_t next = 1;
    while (next < m_count && at(next) != kRs485Soh)
        ++next;
    discard(next);
}

Rs485Receiver::Event Rs485Receiver::feed(uint8_t byte)
{
    if (m_delivered != 0) {
        discard(m_delivered);
        m_delivered = 0;
        // Bytes after a frame that a hunt delivered from old bytes: rejoin the hunt there.
        size_t first = 0;
        while (first < m_count && at(first) != kRs485Soh)
            ++first;
        discard(first);
    }
    if (m_count == 0 && byte != kRs485Soh)
        return Event::None;
    // Room is guaranteed: an undecided candidate is shorter than kBufferSize bytes, and a
    // delivered frame (9 bytes at least) was removed above.
    at(m_count++) = byte;

    // The candidate is always at index 0. Each pass either waits for more bytes, delivers a
    // frame, or drops the candidate and hunts again through the bytes it had swallowed.
    Event event = Event::None;
    while (m_count >= kRxHeaderSize) {
        if (at(1 + kStxOffset) != kRs485Stx || !accepts(at(1 + kToOffset), at(1 + kFromOffset))) {
            dropCandidate();
            continue;
        }
        Rs485Error error = Rs485Error::None;
        if (m_frame.command != kRs485Command) {
            error = Rs485Error::BadCommand;
        } else if (m_frame.length > kRs485MaxDataLength) {
            error = Rs485Error::DataTooLong;
        } else {
            const size_t etxAt = kRxHeaderSize + m_frame.length;
            if (m_count <= etxAt)
                break;
            if (at(etxAt) != kRs485Etx) {
                error = Rs485Error::BadEtx;
            } else {
                if (m_count <= etxAt + 1)
                    break;
                const uint8_t checksum = at(etxAt + 1);
                if (checksum
                    != rs485Checksum(m_frame.to, m_frame.from, m_frame.command, m_frame.data,
                                     m_frame.length)) {
                    error = Rs485Error::BadChecksum;
                } else {
                    if (m_count <= etxAt + 2)
                        break;
                    if (at(etxAt + 2) != kRs485Eot) {
                        error = Rs485Error::BadEot;
                    } else {
                        // The frame is in place already; only the checksum replaces the STX.
                        m_frame.checksum = checksum;
                        m_delivered = uint8_t(etxAt + 3);
                        return Event::Frame;
                    }
                }
            }
        }
        if (event == Event::None) {
            event = Event::Error;
            m_lastError = error;
        }
        dropCandidate();
    }
    return event;
}

} // namespace Protocol
} // namespace Warden
