// The decrypted content of a key store: a strictly parsed binary record (layout in
// keystore-format.md). Kept apart from the sealing so that the parser can be fuzzed directly:
// authentication happens before it runs, but a bug in another writer (or a future one) must
// still give an error, never undefined behaviour.
#pragma once

#include <warden/keystore.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace Warden {
namespace Internal {

constexpr uint8_t kKeyStoreContentVersion = 1;
constexpr uint8_t kKeyStoreFirstNodeId = 1;
constexpr uint8_t kKeyStoreLastNodeId = 254;

struct StoredNetworkKey
{
    uint16_t epoch = 0;
    NetworkKeyState state = NetworkKeyState::Pending;
    int64_t createdMs = 0; ///< milliseconds since 1970-01-01T00:00:00Z
    SecretBytes key;
};

struct StoredNode
{
    uint8_t nodeId = 0;
    std::optional<Serial> serial;
    SecretBytes linkKey; ///< empty: none
    SecretBytes managementKey; ///< empty: none

    bool isEmpty() const { return !serial && linkKey.isEmpty() && managementKey.isEmpty(); }
};

/// Both lists sorted by epoch / node id, without duplicates (the encoder relies on it; the
/// decoder enforces it).
struct KeyStoreContent
{
    std::optional<Serial> gatewaySerial;
    std::vector<StoredNetworkKey> networkKeys;
    std::vector<StoredNode> nodes;
};

/// The content as bytes in locked, wiped memory.
Result<SecretBytes> encodeKeyStoreContent(const KeyStoreContent &content);
/// Parses content bytes; the error names the first thing that is wrong and where.
Result<KeyStoreContent> decodeKeyStoreContent(const uint8_t *data, size_t size);

} // namespace Internal
} // namespace Warden
