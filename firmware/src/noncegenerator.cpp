#include "noncegenerator.h"

#include <string.h>

namespace Warden {
namespace Firmware {

NonceGenerator::NonceGenerator()
{
    // All plain data, zero at the start: one memset (a store per member costs flash on the AVR).
    memset(m_pool, 0, size_t(reinterpret_cast<uint8_t *>(&m_ready) + 1 - m_pool));
}

NonceGenerator::~NonceGenerator()
{
    Protocol::secureZero(m_pool, sizeof m_pool);
}

void NonceGenerator::begin(Entropy &entropy, uint32_t bootCounter)
{
    entropy.fill(m_pool, sizeof m_pool);
    m_bootCounter = bootCounter;
    m_counter = 0;
    m_ready = true;
}

void NonceGenerator::generate(Protocol::Sha256Compressor &sha, Entropy &entropy, uint32_t nowMs,
                              uint8_t out[Protocol::kNoncePayloadSize])
{
    // pool(32) || boot(4) || counter(4) || fresh(8) || now(4) = 52 bytes: one compression.
    uint8_t input[Protocol::kSha256DigestSize + 20];
    memcpy(input, m_pool, sizeof m_pool);
    Protocol::writeLe32(input + 32, m_bootCounter);
    Protocol::writeLe32(input + 36, ++m_counter);
    entropy.fill(input + 40, 8);
    Protocol::writeLe32(input + 48, nowMs);
    uint8_t digest[Protocol::kSha256DigestSize];
    Protocol::Sha256::hash(sha, input, sizeof input, digest);
    memcpy(out, digest, Protocol::kNoncePayloadSize);
    Protocol::secureZero(input, sizeof input);
    Protocol::secureZero(digest, sizeof digest);
}

} // namespace Firmware
} // namespace Warden
