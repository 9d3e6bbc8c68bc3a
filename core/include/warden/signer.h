// Host-side legacy MySensors signing with the host's SHA-256 (Botan, SHA-NI where present):
// the same computation as Protocol::LegacySigner, which it uses.
#pragma once

#include <warden/protocol/signing.h>
#include <warden/secretbytes.h>

#include <array>
#include <optional>

namespace Warden {

using Nonce = std::array<uint8_t, Protocol::kNonceSize>;
using Serial = std::array<uint8_t, Protocol::kSerialSize>;

class SignerPrivate;

/// Signs and verifies frames with one 32-byte key. Not thread-safe: one per thread.
class WARDEN_CORE_EXPORT Signer
{
public:
    /// @p key must hold 32 bytes; anything else gives an unusable signer (hasKey() false).
    explicit Signer(const SecretBytes &key);
    ~Signer();
    Signer(const Signer &) = delete;
    Signer &operator=(const Signer &) = delete;

    bool hasKey() const;

    /// Signs in place; @p serial salts the signature (the destination whitelists).
    Result<void> sign(Protocol::Message &message, const Nonce &nonce,
                      const std::optional<Serial> &serial = std::nullopt);
    /// Verdict on a signed frame; @p serial is the whitelist's serial for the sender.
    Protocol::Verdict verify(const Protocol::Message &message, const Nonce &nonce,
                             const std::optional<Serial> &serial = std::nullopt);
    /// The HMAC before salting and before byte 0 becomes the identifier (for diagnostics).
    std::array<uint8_t, 32> rawHmac(const Protocol::Message &message, const Nonce &nonce);

    /// The SHA-256 backend the host uses; exposed for benchmarks and embedders that need the
    /// portable protocol classes with the fast backend.
    static Protocol::Sha256Compressor &hostSha256();

private:
    std::unique_ptr<SignerPrivate> d;
};

} // namespace Warden
