// The SHA-256 compression function in AVR assembly (sha256avr.S), behind the protocol's
// Sha256Compressor interface: the node's LegacySigner, HMAC and nonce generator all run on it.
#pragma once

#if defined(__AVR__)

#include <warden/protocol/sha256.h>

#include <stddef.h>
#include <stdint.h>

extern "C" {
/// Compresses @p blockCount 64-byte blocks into @p state (FIPS 180-4 6.2.2). Round constants
/// in flash, 154 bytes of stack, nothing static; the stack frame is wiped before returning.
void warden_sha256_compress_avr(uint32_t state[8], const uint8_t *blocks, size_t blockCount);
}

namespace Warden {
namespace Firmware {

/// SHA-256 compression for the ATmega family: about 25,500 cycles per block on an ATmega328P,
/// seven times faster than PortableSha256 there (firmware_cycles prints the figures).
class AvrSha256 final : public Protocol::Sha256Compressor
{
public:
    void compress(uint32_t state[8], const uint8_t *blocks, size_t blockCount) override
    {
        warden_sha256_compress_avr(state, blocks, blockCount);
    }
};

} // namespace Firmware
} // namespace Warden

#endif // __AVR__
