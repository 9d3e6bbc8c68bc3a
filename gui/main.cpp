// warden: the desktop console. Thin: the session and the window live in warden_gui.
#include <app/consoleicons.h>
#include <app/consolesession.h>
#include <app/mainwindow.h>
#include <app/screenshots.h>
#include <app/translations.h>

#include <QtCore/QDir>
#include <QtCore/QLocale>
#include <QtCore/QSettings>
#include <QtWidgets/QApplication>
#include <QtWidgets/QMessageBox>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(u"Warden"_s);
    QApplication::setApplicationName(u"warden"_s);
    QApplication::setApplicationDisplayName(u"Warden"_s);
    QApplication::setApplicationVersion(QStringLiteral(WARDEN_CONSOLE_VERSION));
    QApplication::setDesktopFileName(u"warden"_s);
    QApplication::setWindowIcon(Warden::Internal::consoleIcon(Warden::Internal::ConsoleIcon::App));

    // The console's language: --lang, else LANGUAGE, else the system's (app/translations.h).
    const QLocale locale = Warden::Internal::consoleLocale(
            Warden::Internal::requestedLanguage(QApplication::arguments()),
            qEnvironmentVariable("LANGUAGE"));
    QLocale::setDefault(locale);
    Warden::Internal::installConsoleTranslators(locale);

    // --screenshots DIR: the documentation's pictures, on a simulation of its own.
    const QStringList arguments = QApplication::arguments();
    if (const qsizetype at = arguments.indexOf(u"--screenshots"_s); at >= 0) {
        if (at + 1 >= arguments.size()) {
            qWarning("--screenshots needs a folder");
            return 1;
        }
        return Warden::Internal::takeScreenshots(arguments.at(at + 1));
    }
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
