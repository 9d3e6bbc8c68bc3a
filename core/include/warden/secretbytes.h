// Secret key material for the public API: held in memory that is locked where possible and
// wiped on release; never printable, only its fingerprint is.
#pragma once

#include <warden/error.h>

#include <QtCore/QStringView>

#include <cstdint>
#include <memory>

namespace Warden {

class SecretBytesPrivate;

class WARDEN_CORE_EXPORT SecretBytes
{
public:
    SecretBytes();
    /// Copies @p size bytes from @p data.
    SecretBytes(const uint8_t *data, size_t size);
    SecretBytes(const SecretBytes &other);
    SecretBytes(SecretBytes &&other) noexcept;
    SecretBytes &operator=(const SecretBytes &other);
    SecretBytes &operator=(SecretBytes &&other) noexcept;
    ~SecretBytes();

    /// Parses hexadecimal text (upper or lower case, optional "0x" and separators ' ', ':',
    /// ',' between bytes). The error names the position of a bad character, never the text.
    static Result<SecretBytes> fromHex(QStringView text, size_t expectedSize);
    /// @p size bytes from the operating system's random generator.
    static Result<SecretBytes> random(size_t size);

    size_t size() const;
    bool isEmpty() const { return size() == 0; }
    const uint8_t *data() const;

    /// Short, human-comparable identification: the first 8 bytes of SHA-256 over the
    /// secret, as "ab12-cd34-ef56-7890". Safe to log and show.
    QString fingerprint() const;

    /// Constant-time comparison of contents.
    bool equals(const SecretBytes &other) const;

private:
    std::unique_ptr<SecretBytesPrivate> d;
};

/// Random bytes from the operating system (keys, nonces, serials).
WARDEN_CORE_EXPORT Result<void> systemRandom(uint8_t *out, size_t size);

} // namespace Warden
