// The host's SHA-256 compression function for the portable protocol: Botan's, which uses
// the CPU's SHA extensions where present.
#pragma once

#include <warden/protocol/sha256.h>

namespace Warden {
namespace Internal {

class BotanSha256 final : public Protocol::Sha256Compressor
{
public:
    void compress(uint32_t state[8], const uint8_t *blocks, size_t blockCount) override;
};

/// A process-wide instance; the class keeps no state, so it is safe to share.
BotanSha256 &botanSha256();

} // namespace Internal
} // namespace Warden
