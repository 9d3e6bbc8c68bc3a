// Opens the key store with its passphrase, or creates a new one when there is none: the
// passphrase is never echoed and leaves the field as soon as it is used; optionally it is
// remembered in the operating system's keychain. A wrong passphrase or a damaged file shows
// the core's message and changes nothing; the dialog stays open for another try.
#pragma once

#include <warden/keystore.h>

#include <QtWidgets/QDialog>

#include <memory>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
QT_END_NAMESPACE

namespace Warden::Internal {

class KeyStoreUnlockDialog : public QDialog
{
    Q_OBJECT

public:
    enum class Mode { Open, Create };

    /// Opens the store at @p path, or offers to create it when no file is there.
    explicit KeyStoreUnlockDialog(const QString &path, QWidget *parent = nullptr);
    ~KeyStoreUnlockDialog() override;

    Mode mode() const { return m_mode; }
    QString path() const { return m_path; }
    /// The Argon2id cost of a store created here (tests lower it); default: production.
    void setCreateParams(const KeyStoreParams &params) { m_params = params; }
    /// The keychain service name (tests use their own); default: PassphraseKeychain's.
    void setKeychainService(const QString &service) { m_keychainService = service; }

    /// The store opened or created by the last successful attempt; the caller owns it.
    std::unique_ptr<KeyStore> takeStore();
    /// Why the last attempt failed (None after a success).
    KeyStore::Problem lastProblem() const { return m_problem; }
    /// The message shown for the last failure, empty after a success.
    QString errorText() const;
    /// Set when the passphrase could not be remembered (the store is open regardless).
    QString keychainError() const { return m_keychainError; }

    QLineEdit *passphraseField() const { return m_passphrase; }
    QLineEdit *confirmField() const { return m_confirm; }
    QLabel *strengthLabel() const { return m_strength; }
    QCheckBox *rememberBox() const { return m_remember; }
    QPushButton *unlockButton() const { return m_unlock; }
    QPushButton *rememberedButton() const { return m_useRemembered; }

public Q_SLOTS:
    /// What the Unlock / Create button does: tries the typed passphrase.
    void attempt();
    /// Tries the passphrase the keychain holds for this store.
    void attemptRemembered();

private:
    bool finish(Result<KeyStore> result, const SecretBytes &passphrase, bool remember);
    void showError(const QString &text);
    void updateButtons();

    QString m_path;
    Mode m_mode;
    KeyStoreParams m_params;
    QString m_keychainService;
    std::unique_ptr<KeyStore> m_store;
    KeyStore::Problem m_problem = KeyStore::Problem::None;
    QString m_keychainError;

    QLineEdit *m_passphrase;
    QLineEdit *m_confirm = nullptr;
    QLabel *m_strength = nullptr;
    QCheckBox *m_remember;
    QLabel *m_error;
    QPushButton *m_unlock;
    QPushButton *m_useRemembered;
};

} // namespace Warden::Internal
