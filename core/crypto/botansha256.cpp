#include "crypto/botansha256.h"

// sha2_32.h is a "future internal" header of Botan 2; it is included here only, for the raw
// compression function that the cached HMAC midstates need.
#include <botan/sha2_32.h>

#include <cstring>

namespace Warden {
namespace Internal {

void BotanSha256::compress(uint32_t state[8], const uint8_t *blocks, size_t blockCount)
{
    // Botan wants its digest words in a secure_vector; one per thread avoids an allocation
    // per call (a compression costs about as much as a heap allocation).
    thread_local Botan::secure_vector<uint32_t> digest(8);
    std::memcpy(digest.data(), state, 8 * sizeof(uint32_t));
    Botan::SHA_256::compress_digest(digest, blocks, blockCount);
    std::memcpy(state, digest.data(), 8 * sizeof(uint32_t));
}

BotanSha256 &botanSha256()
{
    static BotanSha256 instance;
    return instance;
}

} // namespace Internal
} // namespace Warden
