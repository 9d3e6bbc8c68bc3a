// Fuzzes the RS485 codec: rs485Decode on the input as one frame, the byte-wise receiver on the
// input as a bus stream (addressed and promiscuous), and the encoder on frames built from it.
// Invariants, each an abort() when broken:
//  - a decoded frame is well formed, leaves @p out untouched on error, re-encodes to exactly
//    the input (with the SOH count the size implies), and a promiscuous receiver fed the same
//    bytes reports that frame at the last byte and not before;
//  - the receiver only reports frames with a correct checksum, command 0x58, length <= 39,
//    an address that passes its filter, and whose bytes did arrive, contiguously, by then;
//  - error events carry one of the errors a receiver can see;
//  - anything encoded decodes back to the same fields.
#include <warden/protocol/rs485.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace Warden::Protocol;

namespace {

#define FUZZ_CHECK(condition) \
    do { \
        if (!(condition)) { \
            std::fprintf(stderr, "fuzz_rs485: invariant broken at line %d: %s\n", __LINE__, \
                         #condition); \
            std::abort(); \
        } \
    } while (false)

bool sameFrame(const Rs485Frame &a, const Rs485Frame &b)
{
    return a.to == b.to && a.from == b.from && a.command == b.command && a.length == b.length
           && a.checksum == b.checksum && std::memcmp(a.data, b.data, a.length) == 0;
}

bool wellFormed(const Rs485Frame &f)
{
    return f.command == kRs485Command && f.length <= kRs485MaxDataLength
           && f.checksum == rs485Checksum(f.to, f.from, f.command, f.data, f.length);
}

bool contains(const uint8_t *haystack, size_t size, const uint8_t *needle, size_t length)
{
    for (size_t i = 0; i + length <= size; ++i) {
        if (std::memcmp(haystack + i, needle, length) == 0)
            return true;
    }
    return false;
}

bool receiverError(Rs485Error e)
{
    return e == Rs485Error::BadCommand || e == Rs485Error::DataTooLong || e == Rs485Error::BadEtx
           || e == Rs485Error::BadChecksum || e == Rs485Error::BadEot;
}

void checkDecode(const uint8_t *data, size_t size)
{
    Rs485Frame frame;
    std::memset(&frame, 0xA5, sizeof frame);
    const Rs485Error error = rs485Decode(data, size, frame);
    FUZZ_CHECK(rs485ErrorName(error)[0] != '\0' && rs485ErrorText(error)[0] != '\0');
    FUZZ_CHECK(error != Rs485Error::BufferTooSmall);

    if (error != Rs485Error::None) {
        const uint8_t *raw = reinterpret_cast<const uint8_t *>(&frame);
        for (size_t i = 0; i < sizeof frame; ++i)
            FUZZ_CHECK(raw[i] == 0xA5);
        return;
    }

    FUZZ_CHECK(wellFormed(frame));
    FUZZ_CHECK(size >= kRs485FramingSize + 1 + frame.length);
    const size_t sohCount = size - kRs485FramingSize - frame.length;
    FUZZ_CHECK(sohCount >= 1 && sohCount <= kRs485MaxSohCount);
    for (size_t i = frame.length; i < kRs485MaxDataLength; ++i)
        FUZZ_CHECK(frame.data[i] == 0);

    uint8_t encoded[kRs485MaxFrameSize];
    const size_t n = rs485Encode(frame.to, frame.from, frame.data, frame.length, encoded,
                                 sizeof encoded, uint8_t(sohCount));
    FUZZ_CHECK(n == size);
    FUZZ_CHECK(std::memcmp(encoded, data, size) == 0);

    Rs485Receiver sniffer(0, true);
    for (size_t i = 0; i < size; ++i) {
        const Rs485Receiver::Event event = sniffer.feed(data[i]);
        if (i + 1 < size) {
            FUZZ_CHECK(event != Rs485Receiver::Event::Frame);
        } else {
            FUZZ_CHECK(event == Rs485Receiver::Event::Frame);
            FUZZ_CHECK(sameFrame(sniffer.frame(), frame));
        }
    }
}

void checkReceiver(Rs485Receiver &rx, const uint8_t *data, size_t size)
{
    for (size_t i = 0; i < size; ++i) {
        switch (rx.feed(data[i])) {
        case Rs485Receiver::Event::Frame: {
            const Rs485Frame &f = rx.frame();
            FUZZ_CHECK(wellFormed(f));
            const bool addressed
                    = f.to == rx.ownId() || (f.to == kBroadcastAddress && f.from != rx.ownId());
            FUZZ_CHECK(rx.isPromiscuous() || addressed);
            // The frame's bytes (its last SOH onwards) arrived contiguously by now.
            uint8_t encoded[kRs485MaxFrameSize];
            const size_t n = rs485Encode(f.to, f.from, f.data, f.length, encoded, sizeof encoded);
            FUZZ_CHECK(n == kRs485FramingSize + 1 + f.length);
            FUZZ_CHECK(contains(data, i + 1, encoded, n));
            break;
        }
        case Rs485Receiver::Event::Error:
            FUZZ_CHECK(receiverError(rx.lastError()));
            break;
        case Rs485Receiver::Event::None:
            break;
        }
    }
}

void checkEncode(const uint8_t *data, size_t size)
{
    if (size < 3)
        return;
    const uint8_t to = data[0], from = data[1];
    const uint8_t sohCount = uint8_t(data[2] % 5); // 0 and 4 are out of range
    const size_t length = size - 3;
    uint8_t out[kRs485MaxFrameSize];
    const size_t n = rs485Encode(to, from, data + 3, length, out, sizeof out, sohCount);
    const bool valid
            = length <= kRs485MaxDataLength && sohCount >= 1 && sohCount <= kRs485MaxSohCount;
    if (!valid) {
        FUZZ_CHECK(n == 0);
        return;
    }
    FUZZ_CHECK(n == sohCount + kRs485FramingSize + length);
    Rs485Frame f;
    FUZZ_CHECK(rs485Decode(out, n, f) == Rs485Error::None);
    FUZZ_CHECK(f.to == to && f.from == from && f.length == length);
    FUZZ_CHECK(std::memcmp(f.data, data + 3, length) == 0);
    // One byte short of room: refused.
    FUZZ_CHECK(rs485Encode(to, from, data + 3, length, out, n - 1, sohCount) == 0);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    checkDecode(data, size);

    // data[1] is To when the input is a 1-SOH frame, so the node is often the addressee.
    const uint8_t ownId = size > 1 ? data[1] : 0;
    Rs485Receiver node(ownId);
    checkReceiver(node, data, size);
    Rs485Receiver sniffer(ownId, true);
    checkReceiver(sniffer, data, size);

    checkEncode(data, size);
    return 0;
}
