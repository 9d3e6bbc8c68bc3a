// Passphrase sealing of a small secret document into one file image: Argon2id derives an
// AES-256-GCM key and a passphrase check value; the header is associated data; unkeyed
// checksums over the header and the whole image tell storage damage apart from a wrong
// passphrase before the (slow) key derivation runs. Layout: core/security/keystore-format.md.
// Botan stays behind this interface (core/crypto is the only Botan user).
#pragma once

#include <warden/secretbytes.h>

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayView>

#include <array>
#include <cstdint>
#include <memory>

namespace Warden {
namespace Internal {

/// Argon2id cost parameters as stored in a sealed image.
struct SealParams
{
    uint32_t memoryKiB = 65536;
    uint32_t iterations = 3;
    uint32_t parallelism = 1;
};

// Limits for parameters read from a file: a hostile image must not make us allocate
// gigabytes or spin for minutes before the passphrase is even checked.
constexpr uint32_t kSealMinMemoryKiB = 8;
constexpr uint32_t kSealMaxMemoryKiB = 1024 * 1024; // 1 GiB
constexpr uint32_t kSealMaxIterations = 64;
constexpr uint32_t kSealMaxParallelism = 16;

constexpr size_t kSealMagicSize = 8;
constexpr uint16_t kSealFormatVersion = 1;
constexpr size_t kSealSaltSize = 16;
constexpr size_t kSealNonceSize = 12;
constexpr size_t kSealCheckSize = 16;
constexpr size_t kSealTagSize = 16;
constexpr size_t kSealHeaderSize = 80; ///< up to and including the header checksum
constexpr size_t kSealTrailerSize = 32; ///< SHA-256 over everything before it
/// Upper bound for the plaintext: a key store is a few kilobytes.
constexpr size_t kSealMaxPlaintext = 4 * 1024 * 1024;

/// Why an image did not open. Each has its own message; none carries secret bytes.
enum class SealFailure {
    None,
    NotSealed, ///< the magic is not there: some other file
    Truncated, ///< shorter than the header says
    Damaged, ///< a checksum does not match, or bytes follow the end: storage damage
    Unsupported, ///< a newer format version, an unknown algorithm or out-of-range parameters
    WrongPassphrase, ///< the passphrase check value does not match
    Tampered, ///< checksums fine, passphrase right, yet the GCM tag fails: deliberate change
    Crypto, ///< the RNG or Botan failed
};

/// The parsed, checksum-verified header of an image (no passphrase needed).
struct SealHeader
{
    uint16_t version = 0;
    SealParams params;
    std::array<uint8_t, kSealSaltSize> salt {};
    std::array<uint8_t, kSealNonceSize> nonce {};
    std::array<uint8_t, kSealCheckSize> check {};
    uint32_t ciphertextSize = 0; ///< including the tag
};

class SealKeyPrivate;

/// A key derived from a passphrase and a salt, kept so that later saves need neither the
/// passphrase nor another (slow) derivation. Every seal() uses a fresh random nonce.
class SealKey
{
public:
    SealKey();
    SealKey(const SealKey &other);
    SealKey &operator=(const SealKey &other);
    SealKey(SealKey &&other) noexcept;
    SealKey &operator=(SealKey &&other) noexcept;
    ~SealKey();

    /// Derives with a fresh random salt.
    static Result<SealKey> derive(const SecretBytes &passphrase, const SealParams &params);
    /// Derives with the given salt (opening an image).
    static Result<SealKey> derive(const SecretBytes &passphrase, const SealParams &params,
                                  const std::array<uint8_t, kSealSaltSize> &salt);

    bool isValid() const;
    const SealParams &params() const;

    /// The image of @p plaintext under this key, with @p magic (kSealMagicSize bytes).
    Result<QByteArray> seal(QByteArrayView magic, const SecretBytes &plaintext) const;

private:
    friend Result<SecretBytes> openWithKey(const SealKey &, QByteArrayView, QByteArrayView,
                                           SealFailure *);
    std::unique_ptr<SealKeyPrivate> d;
};

/// Checks magic, version, lengths and both checksums; no key derivation.
Result<SealHeader> parseSealHeader(QByteArrayView image, QByteArrayView magic,
                                   SealFailure *failure = nullptr);

/// What openSealed() gives back: the plaintext and the key, for saving again later.
struct Unsealed
{
    SecretBytes plaintext;
    SealKey key;
};

/// Verifies and decrypts an image. @p failure (optional) says why it did not open.
Result<Unsealed> openSealed(QByteArrayView image, QByteArrayView magic,
                            const SecretBytes &passphrase, SealFailure *failure = nullptr);

/// Decrypts an image sealed with @p key (same salt and parameters), e.g. to verify a write.
Result<SecretBytes> openWithKey(const SealKey &key, QByteArrayView image, QByteArrayView magic,
                                SealFailure *failure = nullptr);

/// The Argon2id parameters are within the limits above.
Result<void> checkSealParams(const SealParams &params);

} // namespace Internal
} // namespace Warden
