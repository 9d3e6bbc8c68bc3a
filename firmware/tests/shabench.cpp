// AVR image run by warden_simavr (tests/firmware/sim): checks the assembly SHA-256 compression
// against FIPS 180-4 vectors, against PortableSha256 and, through LegacySigner, against
// MySensors signature vectors; then times the signing operations with both compressors,
// framing each with GPIOR1 markers so the harness reads exact cycle counts.
//
// UART0 output, one line each:
//   PASS <check> | FAIL <check> [detail]
//   OP <id> <backend> <operation>        (the marker id of a timed operation; printed before it)
//   SIG <backend> <plain|salted> <hex>   (the whole signed bench frame, for the host to recompute)
//   NONCE <backend> <hex>                (the stand-in generator's first nonce payload)
//   DONE pass=<n> fail=<n>
// Exit status (GPIOR2): 0 when every check passed, 1 otherwise.
#include "benchinputs.h"
#include "sha256avr.h"
#include "simharness.h"

#include <warden/protocol/message.h>
#include <warden/protocol/sha256.h>
#include <warden/protocol/signing.h>

#include <avr/io.h>
#include <avr/pgmspace.h>
#include <string.h>

using namespace Warden::Protocol;
using namespace Warden::Firmware;

namespace {

// ---------------------------------------------------------------- UART0, polled

void uartInit()
{
    // 1 Mbaud (U2X, UBRR 1 at 16 MHz): the output is outside the timed regions, but a slow
    // line would make the whole run longer.
    UBRR0H = 0;
    UBRR0L = 1;
    UCSR0A = _BV(U2X0);
    UCSR0C = _BV(UCSZ01) | _BV(UCSZ00);
    UCSR0B = _BV(TXEN0);
}

void putChar(char c)
{
    while (!(UCSR0A & _BV(UDRE0))) { }
    UDR0 = uint8_t(c);
}

void putFlash(const char *text)
{
    for (char c; (c = char(pgm_read_byte(text))) != 0; ++text)
        putChar(c);
}

void putText(const char *text)
{
    while (*text)
        putChar(*text++);
}

void putHex(const uint8_t *bytes, size_t length)
{
    static const char kDigits[] PROGMEM = "0123456789abcdef";
    for (size_t i = 0; i < length; ++i) {
        putChar(char(pgm_read_byte(&kDigits[bytes[i] >> 4])));
        putChar(char(pgm_read_byte(&kDigits[bytes[i] & 15])));
    }
}

void putDecimal(uint16_t value)
{
    char digits[6];
    uint8_t n = 0;
    do {
        digits[n++] = char('0' + value % 10);
        value /= 10;
    } while (value);
    while (n)
        putChar(digits[--n]);
}

// ---------------------------------------------------------------- checks

uint16_t g_passed;
uint16_t g_failed;

/// Reports one check; @p name is in flash, @p suffix (may be null) in RAM.
bool check(bool ok, const char *name, const char *suffix = nullptr)
{
    putFlash(ok ? PSTR("PASS ") : PSTR("FAIL "));
    putFlash(name);
    if (suffix) {
        putChar(' ');
        putText(suffix);
    }
    putChar('\n');
    ++(ok ? g_passed : g_failed);
    return ok;
}

AvrSha256 g_avr;
PortableSha256 g_portable;

struct Backend
{
    Sha256Compressor *sha;
    const char *name; // RAM: short
    uint8_t markerBase;
};

// Marker ids: 1 = empty region (the marker overhead), then base + operation.
constexpr uint8_t kMarkerEmpty = 1;
constexpr uint8_t kMarkerAsm = 0x10;
constexpr uint8_t kMarkerPortable = 0x30;
enum Operation : uint8_t {
    kOpCompress1 = 1,
    kOpCompress4 = 2,
    kOpHash64 = 3,
    kOpSetKey = 4,
    kOpSign = 5,
    kOpSignSalted = 6,
    kOpVerify = 7,
    kOpVerifySalted = 8,
    kOpNonce = 9,
};

uint32_t g_random = 0x2545f491u;

uint8_t nextRandom()
{
    // xorshift32: the same bytes every run, different inputs for every check.
    g_random ^= g_random << 13;
    g_random ^= g_random >> 17;
    g_random ^= g_random << 5;
    return uint8_t(g_random >> 24);
}

void fillRandom(void *data, size_t length)
{
    uint8_t *p = static_cast<uint8_t *>(data);
    for (size_t i = 0; i < length; ++i)
        p[i] = nextRandom();
}

// One buffer serves every check and the timed four-block compression.
uint8_t g_buffer[4 * kSha256BlockSize];

struct FipsVector
{
    const char *message; // flash
    uint8_t digest[32];
};

const char kFips0[] PROGMEM = "";
const char kFips1[] PROGMEM = "abc";
const char kFips2[] PROGMEM = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
const char kFips3[] PROGMEM = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijk"
                              "lmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
const FipsVector kFips[] PROGMEM = {
        {kFips0, {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
                  0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
                  0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55}},
        {kFips1, {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                  0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                  0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad}},
        {kFips2, {0x24, 0x8d, 0x6a, 0x61, 0xd2, 0x06, 0x38, 0xb8, 0xe5, 0xc0, 0x26,
                  0x93, 0x0c, 0x3e, 0x60, 0x39, 0xa3, 0x3c, 0xe4, 0x59, 0x64, 0xff,
                  0x21, 0x67, 0xf6, 0xec, 0xed, 0xd4, 0x19, 0xdb, 0x06, 0xc1}},
        {kFips3, {0xcf, 0x5b, 0x16, 0xa7, 0x78, 0xaf, 0x83, 0x80, 0x03, 0x6c, 0xe5,
                  0x9e, 0x7b, 0x04, 0x92, 0x37, 0x0b, 0x24, 0x9b, 0x11, 0xe8, 0xf0,
                  0x7a, 0x51, 0xaf, 0xac, 0x45, 0x03, 0x7a, 0xfe, 0xe9, 0xd1}},
};

void checkFips(const Backend &backend)
{
    for (uint8_t i = 0; i < sizeof kFips / sizeof kFips[0]; ++i) {
        FipsVector v;
        memcpy_P(&v, &kFips[i], sizeof v);
        const size_t length = strlen_P(v.message);
        memcpy_P(g_buffer, v.message, length);
        uint8_t digest[kSha256DigestSize];
        Sha256::hash(*backend.sha, g_buffer, length, digest);
        char name[24] = "fips-0 ";
        name[5] = char('0' + i);
        strcat(name, backend.name);
        if (!check(memcmp(digest, v.digest, sizeof digest) == 0, PSTR("sha256"), name)) {
            putHex(digest, sizeof digest);
            putChar('\n');
        }
    }
}

// The assembly against the portable reference on random states and blocks: single and multiple
// blocks per call (the block loop), a zero-block call, and the streaming API on every length
// that lands on a padding edge.
void checkAgainstPortable()
{
    bool same = true;
    for (uint8_t trial = 0; trial < 12; ++trial) {
        uint32_t a[8];
        uint32_t b[8];
        fillRandom(a, sizeof a);
        memcpy(b, a, sizeof a);
        const uint8_t blocks = uint8_t(trial % 3 + 1);
        fillRandom(g_buffer, blocks * kSha256BlockSize);
        g_avr.compress(a, g_buffer, blocks);
        g_portable.compress(b, g_buffer, blocks);
        same = same && memcmp(a, b, sizeof a) == 0;
    }
    check(same, PSTR("compress-vs-portable"), "random-1-2-3-blocks");

    uint32_t a[8];
    uint32_t b[8];
    fillRandom(a, sizeof a);
    memcpy(b, a, sizeof a);
    g_avr.compress(a, g_buffer, 0);
    check(memcmp(a, b, sizeof a) == 0, PSTR("compress-zero-blocks"), "state-unchanged");

    // All-ones inputs: every carry chain runs its full length.
    memset(a, 0xff, sizeof a);
    memset(b, 0xff, sizeof b);
    memset(g_buffer, 0xff, kSha256BlockSize);
    g_avr.compress(a, g_buffer, 1);
    g_portable.compress(b, g_buffer, 1);
    check(memcmp(a, b, sizeof a) == 0, PSTR("compress-vs-portable"), "all-ones");

    static const uint8_t kLengths[] PROGMEM = {0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 200};
    same = true;
    for (uint8_t i = 0; i < sizeof kLengths; ++i) {
        const uint8_t length = pgm_read_byte(&kLengths[i]);
        fillRandom(g_buffer, length);
        uint8_t x[kSha256DigestSize];
        uint8_t y[kSha256DigestSize];
        Sha256::hash(g_avr, g_buffer, length, x);
        Sha256::hash(g_portable, g_buffer, length, y);
        same = same && memcmp(x, y, sizeof x) == 0;
    }
    check(same, PSTR("hash-vs-portable"), "lengths-0-to-200");
}

// Every vector: the verifier's verdict, then the signer reproduces the frame byte for byte.
void checkSigningVectors(const Backend &backend)
{
    for (uint8_t i = 0; i < Bench::kSigningVectorCount; ++i) {
        Bench::SigningVector v;
        memcpy_P(&v, &Bench::kSigningVectors[i], sizeof v);
        char name[24] = "vector-0 ";
        name[7] = char('0' + i);
        strcat(name, backend.name);

        Message received;
        const bool decoded
                = Message::decode(v.message, sizeof v.message, received) == DecodeError::None;
        LegacySigner signer(*backend.sha);
        signer.setKey(v.key);
        const uint8_t *serial = v.salted ? v.serial : nullptr;
        check(decoded && signer.verify(received, v.nonce, serial) == Verdict::Verified,
              PSTR("legacy-verify"), name);

        Message toSign = received;
        toSign.setSigned(false);
        const bool signedOk = signer.sign(toSign, v.nonce, serial) == SignResult::Ok;
        check(signedOk && toSign.size() == sizeof v.message
                      && memcmp(toSign.data(), v.message, sizeof v.message) == 0,
              PSTR("legacy-sign"), name);
    }
}

// ---------------------------------------------------------------- timed operations

/// The stand-in nonce generator: SHA-256 over a pool and a counter (the node stack brings the
/// real one). Costs what the real one will: one compression and the streaming overhead.
class BenchNonceGenerator
{
public:
    explicit BenchNonceGenerator(Sha256Compressor &sha)
        : m_sha(sha)
        , m_counter(0)
    {
        memcpy_P(m_pool, Bench::kNoncePool, sizeof m_pool);
    }

    void next(uint8_t out[kNoncePayloadSize])
    {
        uint8_t counter[4];
        writeLe32(counter, m_counter++);
        uint8_t digest[kSha256DigestSize];
        Sha256 h(m_sha);
        h.update(m_pool, sizeof m_pool);
        h.update(counter, sizeof counter);
        h.finish(digest);
        memcpy(out, digest, kNoncePayloadSize);
        secureZero(digest, sizeof digest);
    }

private:
    Sha256Compressor &m_sha;
    uint8_t m_pool[32];
    uint32_t m_counter;
};

void announce(const Backend &backend, uint8_t op, const char *operation)
{
    putFlash(PSTR("OP "));
    putDecimal(uint8_t(backend.markerBase + op));
    putChar(' ');
    putText(backend.name);
    putChar(' ');
    putFlash(operation);
    putChar('\n');
}

void timeOperations(const Backend &backend)
{
    Sha256Compressor &sha = *backend.sha;
    const uint8_t base = backend.markerBase;
    uint32_t state[8];
    sha256InitialState(state);
    fillRandom(g_buffer, sizeof g_buffer);

    announce(backend, kOpCompress1, PSTR("compress-1-block"));
    Sim::markStart(base + kOpCompress1);
    sha.compress(state, g_buffer, 1);
    Sim::markEnd(base + kOpCompress1);

    // Four blocks in one call: (this - one block) / 3 is the per-block cost without the
    // per-call setup.
    announce(backend, kOpCompress4, PSTR("compress-4-blocks"));
    Sim::markStart(base + kOpCompress4);
    sha.compress(state, g_buffer, 4);
    Sim::markEnd(base + kOpCompress4);

    uint8_t digest[kSha256DigestSize];
    announce(backend, kOpHash64, PSTR("sha256-64-bytes"));
    Sim::markStart(base + kOpHash64);
    Sha256::hash(sha, g_buffer, 64, digest);
    Sim::markEnd(base + kOpHash64);

    uint8_t key[32];
    uint8_t nonce[kNonceSize];
    uint8_t serial[kSerialSize];
    memcpy_P(key, Bench::kKey, sizeof key);
    memcpy_P(nonce, Bench::kNonce, sizeof nonce);
    memcpy_P(serial, Bench::kSerial, sizeof serial);
    char payload[sizeof Bench::kPayload];
    memcpy_P(payload, Bench::kPayload, sizeof payload);

    LegacySigner signer(sha);
    announce(backend, kOpSetKey, PSTR("hmac-set-key"));
    Sim::markStart(base + kOpSetKey);
    signer.setKey(key);
    Sim::markEnd(base + kOpSetKey);
    secureZero(key, sizeof key);

    Message plain;
    Bench::makeMessage(plain, payload);
    announce(backend, kOpSign, PSTR("sign-10-bytes"));
    Sim::markStart(base + kOpSign);
    const SignResult plainResult = signer.sign(plain, nonce, nullptr);
    Sim::markEnd(base + kOpSign);

    Message salted;
    Bench::makeMessage(salted, payload);
    announce(backend, kOpSignSalted, PSTR("sign-10-bytes-salted"));
    Sim::markStart(base + kOpSignSalted);
    const SignResult saltedResult = signer.sign(salted, nonce, serial);
    Sim::markEnd(base + kOpSignSalted);

    announce(backend, kOpVerify, PSTR("verify-10-bytes"));
    Sim::markStart(base + kOpVerify);
    const Verdict plainVerdict = signer.verify(plain, nonce, nullptr);
    Sim::markEnd(base + kOpVerify);

    announce(backend, kOpVerifySalted, PSTR("verify-10-bytes-salted"));
    Sim::markStart(base + kOpVerifySalted);
    const Verdict saltedVerdict = signer.verify(salted, nonce, serial);
    Sim::markEnd(base + kOpVerifySalted);

    BenchNonceGenerator generator(sha);
    uint8_t fresh[kNoncePayloadSize];
    announce(backend, kOpNonce, PSTR("nonce-generate"));
    Sim::markStart(base + kOpNonce);
    generator.next(fresh);
    Sim::markEnd(base + kOpNonce);

    check(plainResult == SignResult::Ok && saltedResult == SignResult::Ok, PSTR("bench-sign"),
          backend.name);
    check(plainVerdict == Verdict::Verified && saltedVerdict == Verdict::Verified,
          PSTR("bench-verify"), backend.name);
    putFlash(PSTR("SIG "));
    putText(backend.name);
    putFlash(PSTR(" plain "));
    putHex(plain.data(), plain.size());
    putFlash(PSTR("\nSIG "));
    putText(backend.name);
    putFlash(PSTR(" salted "));
    putHex(salted.data(), salted.size());
    putFlash(PSTR("\nNONCE "));
    putText(backend.name);
    putChar(' ');
    putHex(fresh, sizeof fresh);
    putChar('\n');
}

} // namespace

int main()
{
    uartInit();
    putFlash(PSTR("shabench\n"));

    Sim::markStart(kMarkerEmpty);
    Sim::markEnd(kMarkerEmpty);

    char asmName[] = "asm";
    char portableName[] = "portable";
    const Backend avr = {&g_avr, asmName, kMarkerAsm};
    const Backend portable = {&g_portable, portableName, kMarkerPortable};

    checkFips(avr);
    checkFips(portable);
    checkAgainstPortable();
    checkSigningVectors(avr);
    checkSigningVectors(portable);
    timeOperations(avr);
    timeOperations(portable);

    putFlash(PSTR("DONE pass="));
    putDecimal(g_passed);
    putFlash(PSTR(" fail="));
    putDecimal(g_failed);
    putChar('\n');
    while (!(UCSR0A & _BV(UDRE0))) { }
    Sim::done(g_failed == 0 ? 0 : 1);
}
