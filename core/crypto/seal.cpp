#include "crypto/seal.h"

#include <botan/aead.h>
#include <botan/hash.h>
#include <botan/mem_ops.h>
#include <botan/pwdhash.h>
#include <botan/secmem.h>

#include <cstring>

namespace Warden {
namespace Internal {

namespace {

constexpr uint8_t kKdfArgon2id = 1;
constexpr uint8_t kAeadAes256Gcm = 1;
constexpr size_t kKeySize = 32;
constexpr size_t kHeaderChecksumSize = 8;
constexpr size_t kChecksummedHeader = kSealHeaderSize - kHeaderChecksumSize;

// Offsets in the header (big-endian integers).
constexpr size_t kOffVersion = 8;
constexpr size_t kOffKdf = 10;
constexpr size_t kOffAead = 11;
constexpr size_t kOffMemory = 12;
constexpr size_t kOffIterations = 16;
constexpr size_t kOffParallelism = 20;
constexpr size_t kOffSalt = 24;
constexpr size_t kOffNonce = 40;
constexpr size_t kOffCheck = 52;
constexpr size_t kOffLength = 68;
constexpr size_t kOffHeaderChecksum = 72;
static_assert(kOffHeaderChecksum + kHeaderChecksumSize == kSealHeaderSize);

const uint8_t *bytes(QByteArrayView view)
{
    return reinterpret_cast<const uint8_t *>(view.data());
}

uint32_t readU32(const uint8_t *p)
{
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

void writeU32(uint8_t *p, uint32_t v)
{
    p[0] = uint8_t(v >> 24);
    p[1] = uint8_t(v >> 16);
    p[2] = uint8_t(v >> 8);
    p[3] = uint8_t(v);
}

std::array<uint8_t, 32> sha256(const uint8_t *data, size_t size)
{
    std::array<uint8_t, 32> out {};
    auto hash = Botan::HashFunction::create_or_throw("SHA-256");
    hash->update(data, size);
    hash->final(out.data());
    return out;
}

tl::unexpected<Error> failWith(SealFailure *failure, SealFailure why, ErrorCode code,
                               QString message)
{
    if (failure)
        *failure = why;
    return fail(code, std::move(message));
}

QString paramsText(const SealParams &p)
{
    return QStringLiteral("memory %1 KiB, %2 iterations, parallelism %3")
            .arg(p.memoryKiB)
            .arg(p.iterations)
            .arg(p.parallelism);
}

} // namespace

class SealKeyPrivate
{
public:
    SealParams params;
    std::array<uint8_t, kSealSaltSize> salt {};
    std::array<uint8_t, kSealCheckSize> check {};
    Botan::secure_vector<uint8_t> key;
};

SealKey::SealKey() = default;
SealKey::SealKey(const SealKey &other)
    : d(other.d ? std::make_unique<SealKeyPrivate>(*other.d) : nullptr)
{ }
SealKey &SealKey::operator=(const SealKey &other)
{
    if (this != &other)
        d = other.d ? std::make_unique<SealKeyPrivate>(*other.d) : nullptr;
    return *this;
}
SealKey::SealKey(SealKey &&other) noexcept = default;
SealKey &SealKey::operator=(SealKey &&other) noexcept = default;
SealKey::~SealKey() = default;

bool SealKey::isValid() const
{
    return d && d->key.size() == kKeySize;
}

const SealParams &SealKey::params() const
{
    static const SealParams none {0, 0, 0};
    return d ? d->params : none;
}

Result<void> checkSealParams(const SealParams &p)
{
    if (p.parallelism < 1 || p.parallelism > kSealMaxParallelism)
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("Argon2id parallelism %1 is outside 1..%2")
                            .arg(p.parallelism)
                            .arg(kSealMaxParallelism));
    // Argon2 needs at least 8 KiB per lane.
    if (p.memoryKiB < std::max<uint32_t>(kSealMinMemoryKiB, 8 * p.parallelism)
        || p.memoryKiB > kSealMaxMemoryKiB)
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("Argon2id memory %1 KiB is outside %2..%3 KiB")
                            .arg(p.memoryKiB)
                            .arg(std::max<uint32_t>(kSealMinMemoryKiB, 8 * p.parallelism))
                            .arg(kSealMaxMemoryKiB));
    if (p.iterations < 1 || p.iterations > kSealMaxIterations)
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("Argon2id iterations %1 is outside 1..%2")
                            .arg(p.iterations)
                            .arg(kSealMaxIterations));
    return {};
}

Result<SealKey> SealKey::derive(const SecretBytes &passphrase, const SealParams &params)
{
    std::array<uint8_t, kSealSaltSize> salt {};
    if (auto ok = systemRandom(salt.data(), salt.size()); !ok)
        return tl::unexpected(ok.error());
    return derive(passphrase, params, salt);
}

Result<SealKey> SealKey::derive(const SecretBytes &passphrase, const SealParams &params,
                                const std::array<uint8_t, kSealSaltSize> &salt)
{
    if (auto ok = checkSealParams(params); !ok)
        return tl::unexpected(ok.error());
    SealKey out;
    out.d = std::make_unique<SealKeyPrivate>();
    out.d->params = params;
    out.d->salt = salt;
    Botan::secure_vector<uint8_t> derived(kKeySize + kSealCheckSize);
    try {
        auto family = Botan::PasswordHashFamily::create_or_throw("Argon2id");
        auto argon = family->from_params(params.memoryKiB, params.iterations, params.parallelism);
        argon->derive_key(derived.data(), derived.size(),
                          reinterpret_cast<const char *>(passphrase.data()), passphrase.size(),
                          salt.data(), salt.size());
    } catch (const std::exception &e) {
        // Botan's text names the algorithm or allocation, never the passphrase.
        return fail(ErrorCode::Crypto,
                    QStringLiteral("Argon2id key derivation failed (%1): %2")
                            .arg(paramsText(params), QString::fromUtf8(e.what())));
    }
    out.d->key.assign(derived.begin(), derived.begin() + kKeySize);
    std::memcpy(out.d->check.data(), derived.data() + kKeySize, kSealCheckSize);
    return out;
}

Result<QByteArray> SealKey::seal(QByteArrayView magic, const SecretBytes &plaintext) const
{
    if (!isValid())
        return fail(ErrorCode::Refused, QStringLiteral("no sealing key"));
    if (magic.size() != qsizetype(kSealMagicSize))
        return fail(ErrorCode::InvalidArgument, QStringLiteral("the magic must have 8 bytes"));
    if (plaintext.size() > kSealMaxPlaintext)
        return fail(ErrorCode::InvalidArgument, QStringLiteral("%1 bytes to seal, at most %2")
                                                        .arg(plaintext.size())
                                                        .arg(kSealMaxPlaintext));
    const size_t ciphertextSize = plaintext.size() + kSealTagSize;
    QByteArray image(qsizetype(kSealHeaderSize + ciphertextSize + kSealTrailerSize), '\0');
    auto *out = reinterpret_cast<uint8_t *>(image.data());
    std::memcpy(out, magic.data(), kSealMagicSize);
    out[kOffVersion] = uint8_t(kSealFormatVersion >> 8);
    out[kOffVersion + 1] = uint8_t(kSealFormatVersion);
    out[kOffKdf] = kKdfArgon2id;
    out[kOffAead] = kAeadAes256Gcm;
    writeU32(out + kOffMemory, d->params.memoryKiB);
    writeU32(out + kOffIterations, d->params.iterations);
    writeU32(out + kOffParallelism, d->params.parallelism);
    std::memcpy(out + kOffSalt, d->salt.data(), kSealSaltSize);
    if (auto ok = systemRandom(out + kOffNonce, kSealNonceSize); !ok)
        return tl::unexpected(ok.error());
    std::memcpy(out + kOffCheck, d->check.data(), kSealCheckSize);
    writeU32(out + kOffLength, uint32_t(ciphertextSize));
    const auto headerSum = sha256(out, kChecksummedHeader);
    std::memcpy(out + kOffHeaderChecksum, headerSum.data(), kHeaderChecksumSize);
    try {
        auto gcm = Botan::AEAD_Mode::create_or_throw("AES-256/GCM", Botan::ENCRYPTION);
        gcm->set_key(d->key);
        gcm->set_associated_data(out, kSealHeaderSize);
        gcm->start(out + kOffNonce, kSealNonceSize);
        Botan::secure_vector<uint8_t> buffer(plaintext.data(), plaintext.data() + plaintext.size());
        gcm->finish(buffer);
        if (buffer.size() != ciphertextSize)
            return fail(ErrorCode::Crypto, QStringLiteral("AES-256-GCM gave an unexpected size"));
        std::memcpy(out + kSealHeaderSize, buffer.data(), buffer.size());
    } catch (const std::exception &e) {
        return fail(ErrorCode::Crypto, QStringLiteral("AES-256-GCM encryption failed: %1")
                                               .arg(QString::fromUtf8(e.what())));
    }
    const size_t body = kSealHeaderSize + ciphertextSize;
    const auto trailer = sha256(out, body);
    std::memcpy(out + body, trailer.data(), kSealTrailerSize);
    return image;
}

Result<SealHeader> parseSealHeader(QByteArrayView image, QByteArrayView magic, SealFailure *failure)
{
    if (failure)
        *failure = SealFailure::None;
    const size_t size = size_t(image.size());
    const uint8_t *in = bytes(image);
    if (size == 0)
        return failWith(failure, SealFailure::Truncated, ErrorCode::Malformed,
                        QStringLiteral("the file is empty"));
    const size_t magicPart = std::min(size, kSealMagicSize);
    if (magic.size() != qsizetype(kSealMagicSize) || std::memcmp(in, magic.data(), magicPart) != 0)
        return failWith(failure, SealFailure::NotSealed, ErrorCode::Malformed,
                        QStringLiteral("the file does not start with the key store's magic "
                                       "bytes: it is not a Warden key store"));
    if (size < kOffVersion + 2)
        return failWith(
                failure, SealFailure::Truncated, ErrorCode::Malformed,
                QStringLiteral("the file is truncated: %1 bytes, not even a header").arg(size));
    SealHeader header;
    header.version = uint16_t((in[kOffVersion] << 8) | in[kOffVersion + 1]);
    if (header.version != kSealFormatVersion)
        // The version is read before any checksum because the layout depends on it.
        return failWith(failure, SealFailure::Unsupported, ErrorCode::Refused,
                        QStringLiteral("the file has format version %1; this build reads "
                                       "version %2 (a newer Warden wrote it, or it is damaged)")
                                .arg(header.version)
                                .arg(kSealFormatVersion));
    if (size < kSealHeaderSize)
        return failWith(failure, SealFailure::Truncated, ErrorCode::Malformed,
                        QStringLiteral("the file is truncated: %1 bytes, the header alone has %2")
                                .arg(size)
                                .arg(kSealHeaderSize));
    const auto headerSum = sha256(in, kChecksummedHeader);
    if (std::memcmp(headerSum.data(), in + kOffHeaderChecksum, kHeaderChecksumSize) != 0)
        return failWith(failure, SealFailure::Damaged, ErrorCode::Malformed,
                        QStringLiteral("the file's header is damaged (its checksum does not "
                                       "match)"));
    if (in[kOffKdf] != kKdfArgon2id || in[kOffAead] != kAeadAes256Gcm)
        return failWith(failure, SealFailure::Unsupported, ErrorCode::Refused,
                        QStringLiteral("the file uses key derivation %1 and cipher %2; this "
                                       "build knows only 1 (Argon2id) and 1 (AES-256-GCM)")
                                .arg(in[kOffKdf])
                                .arg(in[kOffAead]));
    header.params.memoryKiB = readU32(in + kOffMemory);
    header.params.iterations = readU32(in + kOffIterations);
    header.params.parallelism = readU32(in + kOffParallelism);
    if (auto ok = checkSealParams(header.params); !ok)
        return failWith(failure, SealFailure::Unsupported, ErrorCode::Refused,
                        QStringLiteral("the file asks for unsupported key derivation "
                                       "parameters: %1")
                                .arg(ok.error().message()));
    std::memcpy(header.salt.data(), in + kOffSalt, kSealSaltSize);
    std::memcpy(header.nonce.data(), in + kOffNonce, kSealNonceSize);
    std::memcpy(header.check.data(), in + kOffCheck, kSealCheckSize);
    header.ciphertextSize = readU32(in + kOffLength);
    if (header.ciphertextSize < kSealTagSize
        || header.ciphertextSize > kSealMaxPlaintext + kSealTagSize)
        return failWith(failure, SealFailure::Unsupported, ErrorCode::Refused,
                        QStringLiteral("the file announces %1 bytes of ciphertext, outside "
                                       "%2..%3")
                                .arg(header.ciphertextSize)
                                .arg(kSealTagSize)
                                .arg(kSealMaxPlaintext + kSealTagSize));
    const size_t expected = kSealHeaderSize + header.ciphertextSize + kSealTrailerSize;
    if (size < expected)
        return failWith(
                failure, SealFailure::Truncated, ErrorCode::Malformed,
                QStringLiteral("the file is truncated: %1 of %2 bytes").arg(size).arg(expected));
    if (size > expected)
        return failWith(failure, SealFailure::Damaged, ErrorCode::Malformed,
                        QStringLiteral("the file has %1 bytes after its end").arg(size - expected));
    const auto trailer = sha256(in, expected - kSealTrailerSize);
    if (std::memcmp(trailer.data(), in + expected - kSealTrailerSize, kSealTrailerSize) != 0)
        return failWith(failure, SealFailure::Damaged, ErrorCode::Malformed,
                        QStringLiteral("the file is damaged: its checksum does not match (the "
                                       "storage changed bytes; restore a backup)"));
    return header;
}

namespace {

Result<SecretBytes> decrypt(const SealKeyPrivate &key, QByteArrayView image,
                            const SealHeader &header, SealFailure *failure)
{
    const uint8_t *in = bytes(image);
    if (!Botan::constant_time_compare(key.check.data(), header.check.data(), kSealCheckSize))
        return failWith(failure, SealFailure::WrongPassphrase, ErrorCode::Refused,
                        QStringLiteral("wrong passphrase"));
    try {
        auto gcm = Botan::AEAD_Mode::create_or_throw("AES-256/GCM", Botan::DECRYPTION);
        gcm->set_key(key.key);
        gcm->set_associated_data(in, kSealHeaderSize);
        gcm->start(header.nonce.data(), header.nonce.size());
        Botan::secure_vector<uint8_t> buffer(in + kSealHeaderSize,
                                             in + kSealHeaderSize + header.ciphertextSize);
        gcm->finish(buffer);
        if (failure)
            *failure = SealFailure::None;
        return SecretBytes(buffer.data(), buffer.size());
    } catch (const Botan::Invalid_Authentication_Tag &) {
        return failWith(failure, SealFailure::Tampered, ErrorCode::Malformed,
                        QStringLiteral("the file was modified: the passphrase is right and the "
                                       "checksums match, but the authentication tag does not "
                                       "(a deliberate change, not a storage fault)"));
    } catch (const std::exception &e) {
        return failWith(failure, SealFailure::Crypto, ErrorCode::Crypto,
                        QStringLiteral("AES-256-GCM decryption failed: %1")
                                .arg(QString::fromUtf8(e.what())));
    }
}

} // namespace

Result<SecretBytes> openWithKey(const SealKey &key, QByteArrayView image, QByteArrayView magic,
                                SealFailure *failure)
{
    auto header = parseSealHeader(image, magic, failure);
    if (!header)
        return tl::unexpected(header.error());
    if (!key.isValid() || key.d->salt != header->salt
        || key.d->params.memoryKiB != header->params.memoryKiB
        || key.d->params.iterations != header->params.iterations
        || key.d->params.parallelism != header->params.parallelism)
        return failWith(failure, SealFailure::WrongPassphrase, ErrorCode::Refused,
                        QStringLiteral("the file was sealed with a different key"));
    return decrypt(*key.d, image, *header, failure);
}

Result<Unsealed> openSealed(QByteArrayView image, QByteArrayView magic,
                            const SecretBytes &passphrase, SealFailure *failure)
{
    auto header = parseSealHeader(image, magic, failure);
    if (!header)
        return tl::unexpected(header.error());
    auto key = SealKey::derive(passphrase, header->params, header->salt);
    if (!key)
        return failWith(failure, SealFailure::Crypto, key.error().code(), key.error().message());
    auto plaintext = openWithKey(*key, image, magic, failure);
    if (!plaintext)
        return tl::unexpected(plaintext.error());
    return Unsealed {std::move(*plaintext), std::move(*key)};
}

} // namespace Internal
} // namespace Warden
