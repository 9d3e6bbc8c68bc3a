// Nonces that never repeat, on a node without a hardware RNG: SHA-256 over an entropy pool,
// the boot counter persisted in the Warden slot (bumped and committed before the first nonce of
// a boot), a per-boot counter, fresh entropy and the clock. The two counters alone make every
// hash input unique across reboots, whatever the entropy is worth; the entropy keeps the
// nonces unpredictable (spec 5.2 only XORs the clock into a PRNG).
#pragma once

#include "hal.h"

#include <warden/protocol/signing.h>

namespace Warden {
namespace Firmware {

class NonceGenerator
{
public:
    NonceGenerator();
    ~NonceGenerator();

    /// Seeds the pool from @p entropy; @p bootCounter must already be persisted.
    void begin(Entropy &entropy, uint32_t bootCounter);
    bool isReady() const { return m_ready; }
    /// The 25 bytes of an I_NONCE_RESPONSE (also used for other one-off randomness).
    void generate(Protocol::Sha256Compressor &sha, Entropy &entropy, uint32_t nowMs,
                  uint8_t out[Protocol::kNoncePayloadSize]);

private:
    // m_pool .. m_ready: plain data, zeroed as one block by the constructor.
    uint8_t m_pool[Protocol::kSha256DigestSize];
    uint32_t m_bootCounter;
    uint32_t m_counter;
    bool m_ready;
};

} // namespace Firmware
} // namespace Warden
