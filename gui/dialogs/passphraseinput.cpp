#include "passphraseinput.h"

#include <warden/keystore.h>

#include <QtCore/QCoreApplication>
#include <QtWidgets/QLineEdit>

#include <algorithm>

namespace Warden::Internal {

void preparePassphraseField(QLineEdit *field)
{
    field->setEchoMode(QLineEdit::Password);
    field->setInputMethodHints(Qt::ImhHiddenText | Qt::ImhSensitiveData | Qt::ImhNoPredictiveText
                               | Qt::ImhNoAutoUppercase);
    field->setDragEnabled(false);
    field->setContextMenuPolicy(Qt::NoContextMenu); // no "copy" of what was typed
}

SecretBytes takePassphrase(QLineEdit *field)
{
    QString text = field->text();
    field->clear();
    SecretBytes secret = KeyStore::passphraseFromText(text);
    // Our copy is detached from the widget's by now (clear() dropped that one): wipe it.
    std::fill(text.begin(), text.end(), QChar(u'\0'));
    text.clear();
    return secret;
}

int passphraseStrength(QStringView text)
{
    if (text.isEmpty())
        return 0;
    bool lower = false, upper = false, digit = false, other = false;
    for (const QChar c : text) {
        if (c.isLower())
            lower = true;
        else if (c.isUpper())
            upper = true;
        else if (c.isDigit())
            digit = true;
        else
            other = true;
    }
    const int kinds = int(lower) + int(upper) + int(digit) + int(other);
    const qsizetype length = text.size();
    // A long phrase of words is strong even in one case; a short one needs variety.
    if (length >= 20 || (length >= 14 && kinds >= 3))
        return 3;
    if (length >= 12 || (length >= kMinPassphraseLength && kinds >= 3))
        return 2;
    return 1;
}

QString passphraseStrengthText(int strength)
{
    switch (strength) {
    case 0:
        return QString();
    case 1:
        return QCoreApplication::translate(
                       "Warden::Internal::Passphrase",
                       "Weak: use at least %1 characters; a few unrelated words are best.")
                .arg(kMinPassphraseLength);
    case 2:
        return QCoreApplication::translate("Warden::Internal::Passphrase",
                                           "Fair: longer is better (20 characters or more).");
    default:
        return QCoreApplication::translate("Warden::Internal::Passphrase", "Strong.");
    }
}

} // namespace Warden::Internal
