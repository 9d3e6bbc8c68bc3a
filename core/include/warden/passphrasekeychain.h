// The key store's passphrase in the operating system's keychain (Secret Service on Linux,
// through QtKeychain), so that the daemon can open the store at boot without a prompt.
#pragma once

#include <warden/secretbytes.h>

#include <QtCore/QString>

namespace Warden {

/// Stores, fetches and deletes passphrases under a service name. Each call runs a local event
/// loop until the keychain answers (the Secret Service may ask the user to unlock it): call
/// it from the main thread, not from inside a slot that must not re-enter. Without QtKeychain
/// at build time (WARDEN_WITH_KEYCHAIN off or qtkeychain-qt6 missing) every call fails with
/// Refused and isAvailable() is false. Never falls back to storing the passphrase in clear.
class WARDEN_CORE_EXPORT PassphraseKeychain
{
public:
    /// @p service groups Warden's entries in the keychain.
    explicit PassphraseKeychain(QString service = QStringLiteral("org.warden.keystore"));

    /// Built with QtKeychain (says nothing about a keychain service running).
    static bool isAvailable();

    /// Stores @p passphrase under @p account (e.g. the key store's path), replacing any.
    [[nodiscard]] Result<void> store(const QString &account, const SecretBytes &passphrase);
    /// The passphrase under @p account; Refused with "no passphrase" when there is none.
    [[nodiscard]] Result<SecretBytes> fetch(const QString &account);
    /// Deletes the entry; succeeds when there was none.
    [[nodiscard]] Result<void> remove(const QString &account);

private:
    QString m_service;
};

} // namespace Warden
