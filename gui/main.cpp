// warden: the desktop console. Thin: the session and the window live in warden_gui.
#include <app/consoleicons.h>
#include <app/consolesession.h>
#include <app/mainwindow.h>
#include <app/screenshots.h>
#include <app/translations.h>

#include <warden/version.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QDir>
#include <QtCore/QLocale>
#include <QtCore/QSettings>
#include <QtWidgets/QApplication>
#include <QtWidgets/QMessageBox>

using namespace Qt::StringLiterals;

namespace {

/// The console's options; the man page (installer/man/warden.1) lists the same, and
/// tst_manpages checks that they agree.
struct Options
{
    QCommandLineParser parser;
    QCommandLineOption screenshots {
            u"screenshots"_s,
            u"Take the documentation's screenshots into <folder> on a simulated network of "
            "their own, then exit."_s,
            u"folder"_s};
    QCommandLineOption language {
            u"lang"_s,
            u"Show the console in <language> (a locale name such as de or en_GB) instead of "
            "the one LANGUAGE or the system names."_s,
            u"language"_s};

    Options()
    {
        parser.setApplicationDescription(
                u"Warden's desktop console: the inventory and live traffic of a MySensors "
                "network, node details, revocation, key rotation, the key store, node "
                "personalization and the whitelist editor. Connections and window state are "
                "kept in the user's settings; the toolkit's own options (-platform, -style, "
                "...) are accepted too."_s);
        parser.addHelpOption();
        parser.addVersionOption();
        parser.addOption(screenshots);
        parser.addOption(language);
    }
};

void describeApplication()
{
    QCoreApplication::setOrganizationName(u"Warden"_s);
    QCoreApplication::setApplicationName(u"warden"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(WARDEN_VERSION_STRING));
}

/// --help and --version answer without a display (over SSH, in a package test): a
/// QCoreApplication of their own, before the QApplication that needs one.
void answerHelpOrVersion(int argc, char *argv[])
{
    for (int i = 1; i < argc; ++i) {
        const QByteArray arg(argv[i]);
        if (arg != "-h" && arg != "--help" && arg != "-?" && arg != "--help-all" && arg != "-v"
            && arg != "--version")
            continue;
        QCoreApplication app(argc, argv);
        describeApplication();
        Options options;
        // The toolkit's options (-platform ...) are unknown to a QCoreApplication: with one of
        // them, answer without the parser's complaint.
        if (options.parser.parse(QCoreApplication::arguments()))
            options.parser.process(app); // prints and exits
        if (options.parser.isSet(u"version"_s))
            options.parser.showVersion();
        options.parser.showHelp(0);
    }
}

} // namespace

int main(int argc, char *argv[])
{
    answerHelpOrVersion(argc, argv);
    QApplication app(argc, argv);
    describeApplication();
    QApplication::setApplicationDisplayName(u"Warden"_s);
    // The desktop entry's name (Wayland's app id), as installed: org.warden.Warden.desktop.
    QApplication::setDesktopFileName(u"org.warden.Warden"_s);
    QApplication::setWindowIcon(Warden::Internal::consoleIcon(Warden::Internal::ConsoleIcon::App));

    // The console's language: --lang, else LANGUAGE, else the system's (app/translations.h).
    const QLocale locale = Warden::Internal::consoleLocale(
            Warden::Internal::requestedLanguage(QApplication::arguments()),
            qEnvironmentVariable("LANGUAGE"));
    QLocale::setDefault(locale);
    Warden::Internal::installConsoleTranslators(locale);

    // Unknown options and a missing folder end here, with the parser's message (exit code 1).
    Options options;
    options.parser.process(app);
    // --screenshots DIR: the documentation's pictures, on a simulation of its own.
    if (options.parser.isSet(options.screenshots))
        return Warden::Internal::takeScreenshots(options.parser.value(options.screenshots));
    QSettings settings;
    Warden::Internal::ConsoleSession session(&settings);
    // The installed layout keeps the transports in <prefix>/<libdir>/warden/links.
    const QString installed
            = QDir::cleanPath(QApplication::applicationDirPath() + u"/../"_s
                              + QStringLiteral(WARDEN_INSTALL_LIBDIR) + u"/warden/links"_s);
    if (const auto started = session.start({installed}); !started) {
        QMessageBox::critical(nullptr, QApplication::translate("main", "Warden"),
                              started.error().message());
        return 1;
    }
    Warden::Internal::MainWindow window(&session, &settings);
    window.show();
    const int code = QApplication::exec();
    session.stop();
    return code;
}
