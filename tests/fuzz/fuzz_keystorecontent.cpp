// Fuzz target for the key store's content parser (core/security/keystorecontent): the bytes
// AES-256-GCM hands over after a successful open. Authentication runs first in real use, but
// a buggy or newer writer must still get an error, never undefined behaviour.
//
// Invariants: a refusal has a message; what parses is canonical (it encodes back to exactly
// the input bytes), sorted, within range, and every key has 32 bytes.
//
// The seeds in corpus/keystorecontent are valid contents (empty, keys of every state, nodes
// with each combination of serial, link and management key) and a few broken ones.
#include "security/keystorecontent.h"

#include <cstdlib>
#include <cstring>

using namespace Warden;
using namespace Warden::Internal;

namespace {

void check(bool condition)
{
    if (!condition)
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    auto decoded = decodeKeyStoreContent(data, size);
    if (!decoded) {
        check(!decoded.error().message().isEmpty());
        return 0;
    }
    uint16_t lastEpoch = 0;
    for (const StoredNetworkKey &key : decoded->networkKeys) {
        check(key.epoch > lastEpoch);
        lastEpoch = key.epoch;
        check(uint8_t(key.state) <= uint8_t(NetworkKeyState::Retired));
        check(key.createdMs >= 0);
        check(key.key.size() == KeyStore::kKeySize);
    }
    int lastNode = 0;
    for (const StoredNode &node : decoded->nodes) {
        check(node.nodeId > lastNode && node.nodeId <= kKeyStoreLastNodeId);
        lastNode = node.nodeId;
        check(!node.isEmpty());
        check(node.linkKey.isEmpty() || node.linkKey.size() == KeyStore::kKeySize);
        check(node.managementKey.isEmpty() || node.managementKey.size() == KeyStore::kKeySize);
    }
    auto encoded = encodeKeyStoreContent(*decoded);
    check(encoded.has_value());
    check(encoded->size() == size);
    check(size == 0 || std::memcmp(encoded->data(), data, size) == 0);
    return 0;
}
