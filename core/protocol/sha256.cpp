#include "warden/protocol/sha256.h"

#include "portability.h"

#include <stddef.h>
#include <string.h>

namespace Warden {
namespace Protocol {

namespace {

// FIPS 180-4, 4.2.2: the first 32 bits of the fractional parts of the cube roots of the
// first 64 primes.
const uint32_t kRoundConstants[64]
        = {0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
           0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
           0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
           0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
           0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
           0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
           0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
           0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
           0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
           0xc67178f2};

// FIPS 180-4, 5.3.3.
const uint32_t kInitialState[8] WARDEN_PROTOCOL_FLASH
        = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
           0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

inline uint32_t rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

inline uint32_t readBe32(const uint8_t *p)
{
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

void compressOne(uint32_t state[8], const uint8_t *block)
{
    // A 16-word rolling schedule keeps the stack at 64 bytes instead of 256 (the ATmega328P
    // has 2 KiB of RAM in all).
    uint32_t w[16];
    for (unsigned i = 0; i < 16; ++i)
        w[i] = readBe32(block + 4 * i);

    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (unsigned i = 0; i < 64; ++i) {
        uint32_t wi;
        if (i < 16) {
            wi = w[i];
        } else {
            const uint32_t w15 = w[(i - 15) & 15];
            const uint32_t w2 = w[(i - 2) & 15];
            const uint32_t s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >> 3);
            const uint32_t s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >> 10);
            wi = w[i & 15] = w[i & 15] + s0 + w[(i - 7) & 15] + s1;
        }
        const uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g))
                            + kRoundConstants[i] + wi;
        const uint32_t t2
                = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += h;
    secureZero(w, sizeof w);
}

} // namespace

void PortableSha256::compress(uint32_t state[8], const uint8_t *blocks, size_t blockCount)
{
    for (size_t i = 0; i < blockCount; ++i)
        compressOne(state, blocks + i * kSha256BlockSize);
}

void sha256InitialState(uint32_t state[8])
{
    copyFromFlash(state, kInitialState, sizeof kInitialState);
}

void sha256StateToBytes(const uint32_t state[8], uint8_t out[kSha256DigestSize])
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ \
        && !defined(__AVR__)
    for (unsigned i = 0; i < 8; ++i) {
        const uint32_t be = __builtin_bswap32(state[i]);
        memcpy(out + 4 * i, &be, 4);
    }
#else
    for (unsigned i = 0; i < 8; ++i) {
        out[4 * i] = uint8_t(state[i] >> 24);
        out[4 * i + 1] = uint8_t(state[i] >> 16);
        out[4 * i + 2] = uint8_t(state[i] >> 8);
        out[4 * i + 3] = uint8_t(state[i]);
    }
#endif
}

Sha256::Sha256(Sha256Compressor &backend)
    : m_backend(backend)
{
    reset();
}

Sha256::~Sha256()
{
    secureZero(m_state, sizeof m_state);
    secureZero(m_buffer, sizeof m_buffer);
}

void Sha256::reset()
{
    sha256InitialState(m_state);
    m_total = 0;
    m_buffered = 0;
}

void Sha256::resetFromMidstate(const uint32_t state[8], uint32_t bytesHashed)
{
    memcpy(m_state, state, sizeof m_state);
    m_total = bytesHashed;
    m_buffered = 0;
}

void Sha256::update(const void *data, size_t length)
{
    const uint8_t *p = static_cast<const uint8_t *>(data);
    m_total += uint32_t(length);
    while (length > 0) {
        if (m_buffered == 0 && length >= kSha256BlockSize) {
            // Whole blocks go to the compressor where they lie.
            const size_t whole = length / kSha256BlockSize;
            m_backend.compress(m_state, p, whole);
            p += whole * kSha256BlockSize;
            length -= whole * kSha256BlockSize;
            continue;
        }
        size_t take = kSha256BlockSize - m_buffered;
        if (take > length)
            take = length;
        memcpy(m_buffer + m_buffered, p, take);
        m_buffered = uint8_t(m_buffered + take);
        p += take;
        length -= take;
        if (m_buffered == kSha256BlockSize) {
            m_backend.compress(m_state, m_buffer, 1);
            m_buffered = 0;
        }
    }
}

void Sha256::finish(uint8_t out[kSha256DigestSize])
{
    finish(out, kSha256DigestSize);
}

void Sha256::finish(uint8_t *out, size_t length)
{
    // Padding in place: 0x80, zeros, and the length in bits big-endian in the last 8 bytes
    // of the final block (a second block when fewer than 8 bytes are left after the 0x80).
    const uint32_t total = m_total;
    uint8_t at = m_buffered;
    m_buffer[at++] = 0x80;
    for (;;) {
        memset(m_buffer + at, 0, kSha256BlockSize - at);
        const bool last = at <= kSha256BlockSize - 8;
        if (last) {
            // A 32-bit byte count: the top three bytes of the 64-bit bit count are zero.
            const uint32_t bits = total << 3;
            m_buffer[kSha256BlockSize - 5] = uint8_t(uint8_t(total >> 24) >> 5);
            m_buffer[kSha256BlockSize - 4] = uint8_t(bits >> 24);
            m_buffer[kSha256BlockSize - 3] = uint8_t(bits >> 16);
            m_buffer[kSha256BlockSize - 2] = uint8_t(bits >> 8);
            m_buffer[kSha256BlockSize - 1] = uint8_t(bits);
        }
        m_backend.compress(m_state, m_buffer, 1);
        if (last)
            break;
        at = 0;
    }
    sha256StateToBytes(m_state, m_buffer);
    memcpy(out, m_buffer, length < kSha256DigestSize ? length : kSha256DigestSize);
    secureZero(m_buffer, sizeof m_buffer);
    reset();
}

void Sha256::hash(Sha256Compressor &backend, const void *data, size_t length,
                  uint8_t out[kSha256DigestSize])
{
    Sha256 h(backend);
    h.update(data, length);
    h.finish(out);
}

HmacSha256Key::HmacSha256Key()
{
    // m_inner, m_outer and m_set lie in that order: one block, zero (m_set false).
    static_assert(offsetof(HmacSha256Key, m_outer) == sizeof m_inner
                          && offsetof(HmacSha256Key, m_set) == 2 * sizeof m_inner,
                  "the midstates and the flag are one block");
    memset(m_inner, 0,
           size_t(reinterpret_cast<uint8_t *>(&m_set) + 1 - reinterpret_cast<uint8_t *>(m_inner)));
}

HmacSha256Key::~HmacSha256Key()
{
    clear();
}

void HmacSha256Key::setKey(Sha256Compressor &backend, const uint8_t *key, size_t length)
{
    uint8_t block[kSha256BlockSize];
    memset(block, 0, sizeof block);
    if (length > kSha256BlockSize)
        Sha256::hash(backend, key, length, block);
    else if (length > 0)
        memcpy(block, key, length);

    for (unsigned i = 0; i < kSha256BlockSize; ++i)
        block[i] ^= 0x36;
    sha256InitialState(m_inner);
    backend.compress(m_inner, block, 1);

    for (unsigned i = 0; i < kSha256BlockSize; ++i)
        block[i] ^= 0x36 ^ 0x5c;
    sha256InitialState(m_outer);
    backend.compress(m_outer, block, 1);

    secureZero(block, sizeof block);
    m_set = true;
}

void HmacSha256Key::clear()
{
    // Both midstates and m_set (false) as one block, as the constructor does.
    secureZero(m_inner, size_t(reinterpret_cast<uint8_t *>(&m_set) + 1
                               - reinterpret_cast<uint8_t *>(m_inner)));
}

void HmacSha256Key::mac(Sha256Compressor &backend, const void *message, size_t length,
                        uint8_t out[kSha256DigestSize]) const
{
    Sha256 h(backend);
    beginMac(h);
    h.update(message, length);
    finishMac(h, out);
}

void HmacSha256Key::beginMac(Sha256 &hash) const
{
    hash.resetFromMidstate(m_inner, kSha256BlockSize);
}

void HmacSha256Key::finishMac(Sha256 &hash, uint8_t out[kSha256DigestSize]) const
{
    // The inner digest goes through @p out: the outer hash has taken it in before it writes
    // the MAC there.
    hash.finish(out);
    hash.resetFromMidstate(m_outer, kSha256BlockSize);
    hash.update(out, kSha256DigestSize);
    hash.finish(out);
}

void secureZero(void *data, size_t length)
{
#if defined(__GNUC__)
    memset(data, 0, length);
    __asm__ __volatile__("" : : "r"(data) : "memory");
#else
    volatile uint8_t *p = static_cast<volatile uint8_t *>(data);
    while (length--)
        *p++ = 0;
#endif
}

bool constantTimeEqual(const uint8_t *a, const uint8_t *b, size_t length)
{
    uint8_t diff = 0;
    for (size_t i = 0; i < length; ++i)
        diff |= uint8_t(a[i] ^ b[i]);
    // Reduce without a data-dependent branch.
    return ((uint16_t(diff) - 1u) >> 8) & 1u;
}

} // namespace Protocol
} // namespace Warden
