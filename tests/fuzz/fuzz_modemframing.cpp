// Fuzzes the RadioModem serial framing (core/protocol/modemframing.h): the decoder on the input
// as a serial stream, the encoder on packets built from it, and the status and configuration
// body parsers. Invariants, each an abort() when broken:
//  - a decoded packet has a body of at most kModemMaxBodySize bytes, its CRC matches, and
//    encoding it again yields wire bytes whose packet part arrived, contiguously, in the input;
//  - error events carry a named error; the decoder never reads or writes out of bounds (ASan);
//  - a valid packet that follows any garbage and a delimiter is always decoded;
//  - anything encoded has no zero byte inside, fits kModemMaxWireSize and decodes back;
//  - a parsed configuration re-encodes to the same body.
#include <warden/protocol/modemframing.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace Warden::Protocol;

namespace {

#define FUZZ_CHECK(condition) \
    do { \
        if (!(condition)) { \
            std::fprintf(stderr, "fuzz_modemframing: invariant broken at line %d: %s\n", __LINE__, \
                         #condition); \
            std::abort(); \
        } \
    } while (false)

bool contains(const uint8_t *haystack, size_t size, const uint8_t *needle, size_t length)
{
    for (size_t i = 0; i + length <= size; ++i) {
        if (std::memcmp(haystack + i, needle, length) == 0)
            return true;
    }
    return false;
}

void checkStream(const uint8_t *data, size_t size)
{
    ModemDecoder decoder;
    for (size_t i = 0; i < size; ++i) {
        switch (decoder.feed(data[i])) {
        case ModemDecoder::Event::Packet: {
            FUZZ_CHECK(data[i] == kModemDelimiter);
            FUZZ_CHECK(decoder.bodyLength() <= kModemMaxBodySize);
            uint8_t wire[kModemMaxWireSize];
            const size_t n = modemEncode(decoder.type(), decoder.sequence(), decoder.body(),
                                         decoder.bodyLength(), wire, sizeof wire);
            FUZZ_CHECK(n == decoder.bodyLength() + kModemPacketOverhead + 3);
            // Without the delimiters: the encoding is canonical, so these are the input bytes.
            FUZZ_CHECK(contains(data, i + 1, wire + 1, n - 2));
            ModemStatus status;
            if (decoder.type() == uint8_t(ModemPacketType::Status))
                modemParseStatus(decoder.body(), decoder.bodyLength(), status);
            ModemRadioConfig config;
            if (modemParseConfig(decoder.body(), decoder.bodyLength(), config)) {
                uint8_t again[kModemConfigBodySize];
                FUZZ_CHECK(modemWriteConfig(config, again) == kModemConfigBodySize);
                FUZZ_CHECK(std::memcmp(again, decoder.body(), kModemConfigBodySize) == 0);
            }
            break;
        }
        case ModemDecoder::Event::Error:
            FUZZ_CHECK(data[i] == kModemDelimiter);
            FUZZ_CHECK(decoder.lastError() != ModemError::None);
            FUZZ_CHECK(std::strcmp(modemErrorName(decoder.lastError()), "unknown") != 0);
            break;
        case ModemDecoder::Event::None:
            break;
        }
    }

    // Whatever came before, a delimiter and a valid packet get through.
    static const uint8_t kBody[3] = {0x00, 0x42, 0x00};
    uint8_t wire[kModemMaxWireSize];
    const size_t n = modemEncode(0x06, 0x5A, kBody, sizeof kBody, wire, sizeof wire);
    FUZZ_CHECK(n > 0);
    bool seen = false;
    for (size_t i = 0; i < n; ++i) {
        if (decoder.feed(wire[i]) == ModemDecoder::Event::Packet) {
            // The leading delimiter may complete a packet the input left open.
            if (i == 0)
                continue;
            FUZZ_CHECK(!seen && i == n - 1);
            FUZZ_CHECK(decoder.sequence() == 0x5A && decoder.bodyLength() == sizeof kBody);
            FUZZ_CHECK(std::memcmp(decoder.body(), kBody, sizeof kBody) == 0);
            seen = true;
        }
    }
    FUZZ_CHECK(seen);
}

void checkEncode(const uint8_t *data, size_t size)
{
    if (size < 3)
        return;
    const uint8_t type = data[0];
    const uint8_t sequence = data[1];
    const size_t leadLength = data[2] & 1;
    const uint8_t *lead = data + 2;
    const uint8_t *body = data + 3;
    const size_t length = size - 3;
    uint8_t wire[kModemMaxWireSize + 8];
    const size_t n = modemEncode(type, sequence, lead, leadLength, body, length, wire, sizeof wire);
    if (leadLength + length > kModemMaxBodySize) {
        FUZZ_CHECK(n == 0);
        return;
    }
    FUZZ_CHECK(n == leadLength + length + kModemPacketOverhead + 3 && n <= kModemMaxWireSize);
    FUZZ_CHECK(wire[0] == kModemDelimiter && wire[n - 1] == kModemDelimiter);
    for (size_t i = 1; i + 1 < n; ++i)
        FUZZ_CHECK(wire[i] != kModemDelimiter);
    ModemDecoder decoder;
    for (size_t i = 0; i + 1 < n; ++i)
        FUZZ_CHECK(decoder.feed(wire[i]) == ModemDecoder::Event::None);
    FUZZ_CHECK(decoder.feed(wire[n - 1]) == ModemDecoder::Event::Packet);
    FUZZ_CHECK(decoder.type() == type && decoder.sequence() == sequence);
    FUZZ_CHECK(decoder.bodyLength() == leadLength + length);
    FUZZ_CHECK(std::memcmp(decoder.body(), lead, leadLength) == 0);
    FUZZ_CHECK(std::memcmp(decoder.body() + leadLength, body, length) == 0);
    // One byte short of room: refused.
    FUZZ_CHECK(modemEncode(type, sequence, lead, leadLength, body, length, wire, n - 1) == 0);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    checkStream(data, size);
    checkEncode(data, size);
    return 0;
}
