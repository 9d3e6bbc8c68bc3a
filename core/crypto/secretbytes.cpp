#include <warden/secretbytes.h>

#include "crypto/botansha256.h"
#include "hextext_p.h"

#include <botan/mem_ops.h>
#include <botan/secmem.h>

namespace Warden {

class SecretBytesPrivate
{
public:
    Botan::secure_vector<uint8_t> bytes;
};

SecretBytes::SecretBytes()
    : d(std::make_unique<SecretBytesPrivate>())
{ }

SecretBytes::SecretBytes(const uint8_t *data, size_t size)
    : SecretBytes()
{
    d->bytes.assign(data, data + size);
}

SecretBytes::SecretBytes(const SecretBytes &other)
    : SecretBytes()
{
    d->bytes = other.d->bytes;
}

SecretBytes::SecretBytes(SecretBytes &&other) noexcept
    : d(std::move(other.d))
{ }

SecretBytes &SecretBytes::operator=(const SecretBytes &other)
{
    if (this != &other) {
        if (!d)
            d = std::make_unique<SecretBytesPrivate>();
        d->bytes = other.d ? other.d->bytes : Botan::secure_vector<uint8_t>();
    }
    return *this;
}

SecretBytes &SecretBytes::operator=(SecretBytes &&other) noexcept
{
    d = std::move(other.d);
    return *this;
}

SecretBytes::~SecretBytes() = default; // secure_vector wipes on release

size_t SecretBytes::size() const
{
    return d ? d->bytes.size() : 0;
}

const uint8_t *SecretBytes::data() const
{
    return d ? d->bytes.data() : nullptr;
}

Result<SecretBytes> SecretBytes::fromHex(QStringView text, size_t expectedSize)
{
    SecretBytes out;
    out.d->bytes.reserve(expectedSize);
    if (auto error = Internal::parseHexText(text, [&](uint8_t b) { out.d->bytes.push_back(b); }))
        return fail(ErrorCode::InvalidArgument, QStringLiteral("key text has %1").arg(*error));
    if (out.d->bytes.size() != expectedSize)
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("key text holds %1 bytes, expected %2")
                            .arg(out.d->bytes.size())
                            .arg(expectedSize));
    return out;
}

Result<SecretBytes> SecretBytes::random(size_t size)
{
    SecretBytes out;
    out.d->bytes.resize(size);
    if (auto ok = systemRandom(out.d->bytes.data(), size); !ok)
        return tl::unexpected(ok.error());
    return out;
}

QString SecretBytes::fingerprint() const
{
    uint8_t digest[Protocol::kSha256DigestSize];
    Protocol::Sha256::hash(Internal::botanSha256(), data(), size(), digest);
    QString out;
    for (int i = 0; i < 8; ++i) {
        if (i > 0 && i % 2 == 0)
            out += u'-';
        out += QStringLiteral("%1").arg(digest[i], 2, 16, QLatin1Char('0'));
    }
    return out;
}

bool SecretBytes::equals(const SecretBytes &other) const
{
    return size() == other.size()
           && (size() == 0 || Botan::constant_time_compare(data(), other.data(), size()));
}

} // namespace Warden
