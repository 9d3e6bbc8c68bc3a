// SHA-256 on a pluggable compression function (FIPS 180-4). The protocol is parametrised on
// this one primitive: the firmware plugs in its AVR compression, the host plugs in Botan's
// (core/crypto), and PortableSha256 is the reference both are tested against.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace Warden {
namespace Protocol {

constexpr size_t kSha256BlockSize = 64;
constexpr size_t kSha256DigestSize = 32;

/// The backend interface: the SHA-256 compression function, nothing else.
class Sha256Compressor
{
public:
    /// Runs the compression function over @p blockCount consecutive 64-byte blocks,
    /// updating the eight working words in @p state.
    virtual void compress(uint32_t state[8], const uint8_t *blocks, size_t blockCount) = 0;

protected:
    ~Sha256Compressor() = default;
};

/// Plain C++ compression function; no tables beyond the 64 round constants.
class PortableSha256 final : public Sha256Compressor
{
public:
    void compress(uint32_t state[8], const uint8_t *blocks, size_t blockCount) override;
};

/// The SHA-256 initial hash value H(0).
void sha256InitialState(uint32_t state[8]);
/// Writes the eight state words big-endian (the digest byte order).
void sha256StateToBytes(const uint32_t state[8], uint8_t out[kSha256DigestSize]);

/// Streaming SHA-256 over any compressor.
class Sha256
{
public:
    explicit Sha256(Sha256Compressor &backend);
    ~Sha256();

    void reset();
    /// Continues from a saved midstate after @p bytesHashed bytes (a multiple of 64).
    void resetFromMidstate(const uint32_t state[8], uint32_t bytesHashed);
    void update(const void *data, size_t length);
    /// Writes the digest and wipes the internal state.
    void finish(uint8_t out[kSha256DigestSize]);
    /// Writes the first @p length (at most 32) bytes of the digest: a truncated check needs
    /// no 32-byte buffer of its own.
    void finish(uint8_t *out, size_t length);

    /// One-shot digest.
    static void hash(Sha256Compressor &backend, const void *data, size_t length,
                     uint8_t out[kSha256DigestSize]);

private:
    Sha256Compressor &m_backend;
    uint32_t m_state[8];
    uint8_t m_buffer[kSha256BlockSize];
    uint32_t m_total; // bytes; messages here are far below 512 MiB
    uint8_t m_buffered;
};

/// HMAC-SHA256 (RFC 2104) with the key's inner and outer midstates computed once, when the
/// key is set: each MAC then skips the two key-block compressions.
class HmacSha256Key
{
public:
    HmacSha256Key();
    ~HmacSha256Key();

    /// Keys longer than 64 bytes are hashed first, as RFC 2104 says.
    void setKey(Sha256Compressor &backend, const uint8_t *key, size_t length);
    void clear();
    bool isSet() const { return m_set; }

    void mac(Sha256Compressor &backend, const void *message, size_t length,
             uint8_t out[kSha256DigestSize]) const;
    /// A MAC over a message in pieces: beginMac(hash), hash.update() for each piece, then
    /// finishMac(hash, out). @p out may be the memory of the last piece.
    void beginMac(Sha256 &hash) const;
    void finishMac(Sha256 &hash, uint8_t out[kSha256DigestSize]) const;

    const uint32_t *innerMidstate() const { return m_inner; }
    const uint32_t *outerMidstate() const { return m_outer; }

private:
    uint32_t m_inner[8];
    uint32_t m_outer[8];
    bool m_set;
};

/// Overwrites @p length bytes with zeros in a way the optimiser cannot drop.
void secureZero(void *data, size_t length);
/// Compares two byte strings of equal length in time independent of their contents.
bool constantTimeEqual(const uint8_t *a, const uint8_t *b, size_t length);

} // namespace Protocol
} // namespace Warden
