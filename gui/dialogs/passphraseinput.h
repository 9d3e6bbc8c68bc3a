// Passphrase fields of the key store dialogs: what the user typed becomes SecretBytes and leaves
// the widget at once, and a rough strength hint for a new passphrase.
#pragma once

#include <warden/secretbytes.h>

#include <QtCore/QString>

QT_BEGIN_NAMESPACE
class QLineEdit;
QT_END_NAMESPACE

namespace Warden::Internal {

/// A QLineEdit set up for a passphrase: never echoed, no completion, no drag out, no undo.
void preparePassphraseField(QLineEdit *field);

/// The passphrase typed in @p field as the key store wants it (KeyStore::passphraseFromText),
/// then the field is cleared and the text copy taken for it overwritten. Qt keeps no undo
/// history in password mode; what the widget's own buffer held before the clear is beyond
/// reach (best effort, as with any toolkit text field).
SecretBytes takePassphrase(QLineEdit *field);

/// 0 (empty), 1 weak, 2 fair, 3 strong: by length and the kinds of characters used.
int passphraseStrength(QStringView text);
/// The hint shown under a new passphrase ("Weak: ...").
QString passphraseStrengthText(int strength);

/// The shortest passphrase a new store or a backup accepts.
constexpr int kMinPassphraseLength = 8;

} // namespace Warden::Internal
