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

WARDEN_NOINLINE void NonceGenerator::generate(Protocol::Sha256Compressor &sha, Entropy &entropy,
                                              uint32_t nowMs,
                                              uint8_t out[Protocol::kNoncePayloadSize])
{
    // pool(32) || boot(4) || counter(4) || fresh(8) || now(4) = 52 bytes: one compression.
    // Fed in pieces through one small buffer (no 52-byte copy on the stack), and the digest
    // truncated straight into @p out.
    Protocol::Sha256 hash(sha);
    hash.update(m_pool, sizeof m_pool);
    uint8_t piece[8];
    Protocol::writeLe32(piece, m_bootCounter);
    Protocol::writeLe32(piece + 4, ++m_counter);
    hash.update(piece, 8);
    entropy.fill(piece, 8);
    hash.update(piece, 8);
    Protocol::writeLe32(piece, nowMs);
    hash.update(piece, 4);
    hash.finish(out, Protocol::kNoncePayloadSize);
    Protocol::secureZero(piece, sizeof piece);
}

} // namespace Firmware
} // namespace Warden
