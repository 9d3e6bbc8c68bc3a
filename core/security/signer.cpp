#include <warden/signer.h>

#include "crypto/botansha256.h"

namespace Warden {

class SignerPrivate
{
public:
    SignerPrivate()
        : signer(Internal::botanSha256())
    { }
    Protocol::LegacySigner signer;
};

Signer::Signer(const SecretBytes &key)
    : d(std::make_unique<SignerPrivate>())
{
    if (key.size() == Protocol::kSigningKeySize)
        d->signer.setKey(key.data());
}

Signer::~Signer() = default;

bool Signer::hasKey() const
{
    return d->signer.hasKey();
}

Result<void> Signer::sign(Protocol::Message &message, const Nonce &nonce,
                          const std::optional<Serial> &serial)
{
    switch (d->signer.sign(message, nonce.data(), serial ? serial->data() : nullptr)) {
    case Protocol::SignResult::Ok:
        return {};
    case Protocol::SignResult::NoKey:
        return fail(ErrorCode::Refused, QStringLiteral("no 32-byte signing key is set"));
    case Protocol::SignResult::NoRoom:
        return fail(ErrorCode::Refused,
                    QStringLiteral("a %1-byte payload leaves no room for a signature (at most %2)")
                            .arg(message.payloadLength())
                            .arg(Protocol::kMaxSignablePayload));
    }
    return fail(ErrorCode::Refused, QStringLiteral("signing failed"));
}

Protocol::Verdict Signer::verify(const Protocol::Message &message, const Nonce &nonce,
                                 const std::optional<Serial> &serial)
{
    return d->signer.verify(message, nonce.data(), serial ? serial->data() : nullptr);
}

std::array<uint8_t, 32> Signer::rawHmac(const Protocol::Message &message, const Nonce &nonce)
{
    std::array<uint8_t, 32> out {};
    if (d->signer.hasKey())
        d->signer.computeHmac(message, nonce.data(), out.data());
    return out;
}

Protocol::Sha256Compressor &Signer::hostSha256()
{
    return Internal::botanSha256();
}

} // namespace Warden
