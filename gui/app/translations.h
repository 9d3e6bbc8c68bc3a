// The console's language: its own translation (compiled in by qt_add_translations under
// :/i18n) and Qt's (qtbase, from Qt's translations folder when installed) for one locale.
#pragma once

#include <QtCore/QLocale>
#include <QtCore/QString>
#include <QtCore/QStringList>

namespace Warden::Internal {

/// The language the console speaks: @p requested (a `--lang` value such as "de" or "de_DE")
/// when given, else the first entry of @p languageEnv (the LANGUAGE variable, "de:en"), else the
/// system's locale. "C" and "POSIX" mean English.
QLocale consoleLocale(const QString &requested, const QString &languageEnv);

/// The `--lang` value in @p arguments ("--lang de" or "--lang=de"), empty when absent.
QString requestedLanguage(const QStringList &arguments);

/// Installs, on the running application, the console's translator for @p locale and Qt's own
/// (qtbase) when that is installed; the translators live as long as the application. A second
/// call replaces the first one's. Returns true when the console's translation was found
/// (English needs none and returns false).
bool installConsoleTranslators(const QLocale &locale);

} // namespace Warden::Internal
