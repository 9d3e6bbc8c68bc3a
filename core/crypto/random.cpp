#include <warden/secretbytes.h>

#include <botan/system_rng.h>

namespace Warden {

Result<void> systemRandom(uint8_t *out, size_t size)
{
    try {
        Botan::system_rng().randomize(out, size);
    } catch (const std::exception &e) {
        // Botan's text names the failing system call, never random output.
        return fail(ErrorCode::Crypto,
                    QStringLiteral("the operating system's random generator failed: %1")
                            .arg(QString::fromUtf8(e.what())));
    }
    return {};
}

} // namespace Warden
