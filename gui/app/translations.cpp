#include "translations.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QLibraryInfo>
#include <QtCore/QLoggingCategory>
#include <QtCore/QPointer>
#include <QtCore/QTranslator>

Q_LOGGING_CATEGORY(lcTranslations, "warden.gui.translations")

using namespace Qt::StringLiterals;

namespace Warden::Internal {

namespace {

QLocale localeOf(const QString &name)
{
    if (name == u"C"_s || name == u"POSIX"_s)
        return QLocale::c();
    return QLocale(name);
}

// The translators installed last, replaced (and removed from the application) by a later call.
QPointer<QTranslator> g_console;
QPointer<QTranslator> g_qt;

void replace(QPointer<QTranslator> &slot, QTranslator *translator)
{
    if (slot) {
        QCoreApplication::removeTranslator(slot);
        delete slot;
    }
    slot = translator;
    if (translator)
        QCoreApplication::installTranslator(translator);
}

} // namespace

QLocale consoleLocale(const QString &requested, const QString &languageEnv)
{
    if (!requested.trimmed().isEmpty())
        return localeOf(requested.trimmed());
    // LANGUAGE lists languages by preference ("de:en"); the first one the user named wins.
    const QString first = languageEnv.section(u':', 0, 0).trimmed();
    if (!first.isEmpty())
        return localeOf(first);
    return QLocale::system();
}

QString requestedLanguage(const QStringList &arguments)
{
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &argument = arguments.at(i);
        if (argument == u"--lang"_s)
            return i + 1 < arguments.size() ? arguments.at(i + 1) : QString();
        if (argument.startsWith(u"--lang="_s))
            return argument.mid(7);
    }
    return {};
}

bool installConsoleTranslators(const QLocale &locale)
{
    auto *app = QCoreApplication::instance();
    if (!app)
        return false;
    auto *console = new QTranslator(app);
    const bool found = locale.language() != QLocale::C && locale.language() != QLocale::English
                       && console->load(locale, u"warden"_s, u"_"_s, u":/i18n"_s);
    if (!found) {
        delete console;
        console = nullptr;
    }
    replace(g_console, console);

    // Qt's own texts (standard buttons, file dialogs): Debian's qt6-translations-l10n.
    auto *qt = new QTranslator(app);
    if (!qt->load(locale, u"qtbase"_s, u"_"_s,
                  QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
        delete qt;
        qt = nullptr;
    }
    replace(g_qt, qt);
    qCDebug(lcTranslations) << "language" << locale.name() << "console translation:" << found
                            << "Qt translation:" << (qt != nullptr);
    return found;
}

} // namespace Warden::Internal
