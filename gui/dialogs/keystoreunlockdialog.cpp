#include "keystoreunlockdialog.h"

#include "passphraseinput.h"

#include <warden/passphrasekeychain.h>

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QLoggingCategory>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QVBoxLayout>

Q_LOGGING_CATEGORY(lcKeyStoreDialog, "warden.gui.keystore")

namespace Warden::Internal {

KeyStoreUnlockDialog::KeyStoreUnlockDialog(const QString &path, QWidget *parent)
    : QDialog(parent)
    , m_path(path)
    , m_mode(QFileInfo::exists(path) ? Mode::Open : Mode::Create)
    , m_keychainService(QStringLiteral("org.warden.keystore"))
    , m_passphrase(new QLineEdit(this))
    , m_remember(new QCheckBox(tr("&Remember the passphrase in the system keychain"), this))
    , m_error(new QLabel(this))
    , m_unlock(new QPushButton(this))
    , m_useRemembered(new QPushButton(tr("Open with the &keychain's passphrase"), this))
{
    const bool creating = m_mode == Mode::Create;
    setWindowTitle(creating ? tr("Create the key store") : tr("Unlock the key store"));

    auto *intro = new QLabel(this);
    intro->setWordWrap(true);
    intro->setText(creating ? tr("There is no key store at %1 yet. Choose a passphrase for a new "
                                 "one: it protects every key of your network, and without it "
                                 "the keys cannot be recovered.")
                                      .arg(QDir::toNativeSeparators(m_path))
                            : tr("The key store %1 is locked. Enter its passphrase.")
                                      .arg(QDir::toNativeSeparators(m_path)));

    preparePassphraseField(m_passphrase);
    m_passphrase->setAccessibleName(tr("Passphrase"));
    auto *form = new QFormLayout;
    auto *passLabel = new QLabel(tr("&Passphrase:"), this);
    passLabel->setBuddy(m_passphrase);
    form->addRow(passLabel, m_passphrase);
    if (creating) {
        m_confirm = new QLineEdit(this);
        preparePassphraseField(m_confirm);
        m_confirm->setAccessibleName(tr("Passphrase again"));
        auto *confirmLabel = new QLabel(tr("&Again:"), this);
        confirmLabel->setBuddy(m_confirm);
        form->addRow(confirmLabel, m_confirm);
        m_strength = new QLabel(this);
        m_strength->setWordWrap(true);
        form->addRow(QString(), m_strength);
        connect(m_passphrase, &QLineEdit::textChanged, this, [this](const QString &text) {
            m_strength->setText(passphraseStrengthText(passphraseStrength(text)));
        });
        connect(m_confirm, &QLineEdit::textChanged, this, &KeyStoreUnlockDialog::updateButtons);
    }
    connect(m_passphrase, &QLineEdit::textChanged, this, &KeyStoreUnlockDialog::updateButtons);

    // Without QtKeychain in this build the option cannot work: shown, disabled, and why.
    const bool keychain = PassphraseKeychain::isAvailable();
    m_remember->setEnabled(keychain);
    m_useRemembered->setEnabled(keychain && !creating);
    m_useRemembered->setVisible(!creating);
    if (!keychain) {
        const QString why = tr("This build of Warden has no keychain support (QtKeychain), so "
                               "the passphrase cannot be remembered.");
        m_remember->setToolTip(why);
        m_useRemembered->setToolTip(why);
    } else {
        m_remember->setToolTip(tr("The system keychain keeps the passphrase, so that the key "
                                  "store opens without asking. Anyone who can use your login "
                                  "session can then open it too."));
    }

    m_error->setWordWrap(true);
    m_error->setAccessibleName(tr("Error"));
    m_error->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->hide();

    m_unlock->setText(creating ? tr("&Create") : tr("&Unlock"));
    m_unlock->setDefault(true);
    auto *buttons = new QDialogButtonBox(this);
    buttons->addButton(m_unlock, QDialogButtonBox::AcceptRole);
    if (!creating)
        buttons->addButton(m_useRemembered, QDialogButtonBox::ActionRole);
    buttons->addButton(QDialogButtonBox::Cancel);
    // The buttons are wired by hand: accepting happens only once a store is open.
    connect(m_unlock, &QPushButton::clicked, this, &KeyStoreUnlockDialog::attempt);
    connect(m_useRemembered, &QPushButton::clicked, this, &KeyStoreUnlockDialog::attemptRemembered);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(m_remember);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    setTabOrder(m_passphrase, m_confirm ? static_cast<QWidget *>(m_confirm) : m_remember);
    if (m_confirm)
        setTabOrder(m_confirm, m_remember);
    m_passphrase->setFocus();
    updateButtons();
}

KeyStoreUnlockDialog::~KeyStoreUnlockDialog() = default;

std::unique_ptr<KeyStore> KeyStoreUnlockDialog::takeStore()
{
    return std::move(m_store);
}

QString KeyStoreUnlockDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void KeyStoreUnlockDialog::updateButtons()
{
    bool ok = !m_passphrase->text().isEmpty();
    if (m_confirm)
        ok = ok && !m_confirm->text().isEmpty();
    m_unlock->setEnabled(ok);
}

void KeyStoreUnlockDialog::showError(const QString &text)
{
    m_error->setText(text);
    m_error->show();
    m_passphrase->setFocus();
}

void KeyStoreUnlockDialog::attempt()
{
    if (m_mode == Mode::Create) {
        // Compared as typed; both fields are emptied either way.
        const bool same = m_passphrase->text() == m_confirm->text();
        const bool longEnough = m_passphrase->text().size() >= kMinPassphraseLength;
        SecretBytes passphrase = takePassphrase(m_passphrase);
        SecretBytes again = takePassphrase(m_confirm);
        if (!same || !passphrase.equals(again)) {
            m_problem = KeyStore::Problem::None;
            showError(tr("The two passphrases differ. Type the same passphrase twice."));
            return;
        }
        if (!longEnough) {
            showError(tr("The passphrase is too short: use at least %1 characters.")
                              .arg(kMinPassphraseLength));
            return;
        }
        KeyStore::Problem problem = KeyStore::Problem::None;
        auto created = KeyStore::create(m_path, passphrase, m_params, &problem);
        m_problem = problem;
        finish(std::move(created), passphrase, m_remember->isChecked());
        return;
    }
    SecretBytes passphrase = takePassphrase(m_passphrase);
    KeyStore::Problem problem = KeyStore::Problem::None;
    auto opened = KeyStore::open(m_path, passphrase, &problem);
    m_problem = problem;
    finish(std::move(opened), passphrase, m_remember->isChecked());
}

void KeyStoreUnlockDialog::attemptRemembered()
{
    PassphraseKeychain keychain(m_keychainService);
    auto passphrase = keychain.fetch(m_path);
    if (!passphrase) {
        showError(tr("The keychain gave no passphrase for this key store (%1). Enter it.")
                          .arg(passphrase.error().message()));
        return;
    }
    KeyStore::Problem problem = KeyStore::Problem::None;
    auto opened = KeyStore::open(m_path, *passphrase, &problem);
    m_problem = problem;
    finish(std::move(opened), *passphrase, false);
}

bool KeyStoreUnlockDialog::finish(Result<KeyStore> result, const SecretBytes &passphrase,
                                  bool remember)
{
    if (!result) {
        QString text = result.error().message();
        switch (m_problem) {
        case KeyStore::Problem::WrongPassphrase:
            text += u'\n' + tr("Nothing was changed. Check the passphrase and try again.");
            break;
        case KeyStore::Problem::Damaged:
        case KeyStore::Problem::Truncated:
        case KeyStore::Problem::Tampered:
            text += u'\n'
                    + tr("Nothing was changed. Automatic backups of earlier versions are in %1.")
                              .arg(QDir::toNativeSeparators(m_path + QStringLiteral(".backups")));
            break;
        default:
            break;
        }
        qCInfo(lcKeyStoreDialog, "key store %s not opened: %s", qPrintable(m_path),
               keyStoreProblemName(m_problem));
        showError(text);
        return false;
    }
    m_problem = KeyStore::Problem::None;
    m_store = std::make_unique<KeyStore>(std::move(*result));
    m_error->hide();
    m_keychainError.clear();
    if (remember) {
        PassphraseKeychain keychain(m_keychainService);
        if (auto stored = keychain.store(m_path, passphrase); !stored) {
            m_keychainError = stored.error().message();
            qCWarning(lcKeyStoreDialog, "passphrase not remembered: %s",
                      qPrintable(m_keychainError));
        }
    }
    accept();
    return true;
}

} // namespace Warden::Internal
