// The console's German translation: the .ts file is complete (every message translated, no
// obsolete ones, placeholders, plural forms and accelerators kept), and with the translator
// installed the main window's menus and actions and the dialogs speak German.
#include <app/connectionsdialog.h>
#include <app/consolesession.h>
#include <app/mainwindow.h>
#include <app/translations.h>
#include <dialogs/keystoreunlockdialog.h>
#include <views/revokedialog.h>

#include <QtCore/QFile>
#include <QtCore/QRegularExpression>
#include <QtCore/QSet>
#include <QtCore/QSettings>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtCore/QXmlStreamReader>
#include <QtGui/QAction>
#include <QtTest/QTest>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMenu>
#include <QtWidgets/QMenuBar>

using namespace Warden::Internal;
using namespace Qt::StringLiterals;

namespace {

struct TsMessage
{
    QString context;
    QString source;
    QString type; ///< the translation's type attribute ("unfinished", "obsolete", "vanished")
    QStringList forms; ///< the translation, or its plural forms
    bool numerus = false;
};

QList<TsMessage> readTs(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = file.errorString();
        return {};
    }
    QList<TsMessage> messages;
    QString context;
    QXmlStreamReader xml(&file);
    TsMessage current;
    while (!xml.atEnd()) {
        xml.readNext();
        if (!xml.isStartElement())
            continue;
        if (xml.name() == u"name"_s) {
            context = xml.readElementText();
        } else if (xml.name() == u"message"_s) {
            current = TsMessage {};
            current.context = context;
            current.numerus = xml.attributes().value(u"numerus"_s) == u"yes"_s;
        } else if (xml.name() == u"source"_s) {
            current.source = xml.readElementText();
        } else if (xml.name() == u"translation"_s) {
            current.type = xml.attributes().value(u"type"_s).toString();
            if (!current.numerus)
                current.forms << xml.readElementText();
            else
                while (xml.readNextStartElement())
                    current.forms << xml.readElementText();
            messages << current;
        }
    }
    if (xml.hasError())
        *error = xml.errorString();
    return messages;
}

QSet<QString> placeholders(const QString &text)
{
    QSet<QString> found;
    static const QRegularExpression kPlaceholder(u"%(\\d|n)"_s);
    for (const auto &match : kPlaceholder.globalMatch(text))
        found.insert(match.captured());
    return found;
}

// The accelerator letter of a menu text ("&Quit": Q), none for "&&" only.
QChar mnemonic(const QString &text)
{
    for (qsizetype i = 0; i + 1 < text.size(); ++i) {
        if (text.at(i) != u'&')
            continue;
        if (text.at(i + 1) == u'&') {
            ++i;
            continue;
        }
        return text.at(i + 1).toLower();
    }
    return {};
}

} // namespace

class tst_Translations : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void cleanup() { installConsoleTranslators(QLocale::c()); }
    void tsFileIsComplete();
    void localeChoice_data();
    void localeChoice();
    void mainWindowSpeaksGerman();
    void dialogsSpeakGerman();
    void englishNeedsNoTranslator();
};

void tst_Translations::tsFileIsComplete()
{
    QString error;
    const QList<TsMessage> messages
            = readTs(QStringLiteral(WARDEN_TS_DIR) + u"/warden_de.ts"_s, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    // lupdate was run: the console has several hundred strings.
    QVERIFY2(messages.size() > 500, qPrintable(QString::number(messages.size())));
    QStringList problems;
    for (const TsMessage &m : messages) {
        const QString where = m.context + u": \""_s + m.source + u'"';
        if (!m.type.isEmpty()) {
            problems << m.type + u" "_s + where;
            continue;
        }
        if (m.forms.size() != (m.numerus ? 2 : 1)) {
            problems << u"German has 2 plural forms, found %1: "_s.arg(m.forms.size()) + where;
            continue;
        }
        for (const QString &form : m.forms) {
            if (form.trimmed().isEmpty())
                problems << u"empty: "_s + where;
            if (placeholders(form) != placeholders(m.source))
                problems << u"placeholders differ (%1): "_s.arg(form) + where;
            if (!mnemonic(m.source).isNull() && mnemonic(form).isNull())
                problems << u"accelerator lost (%1): "_s.arg(form) + where;
        }
    }
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
}

void tst_Translations::localeChoice_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("languageEnv");
    QTest::addColumn<QLocale::Language>("language");

    QTest::newRow("--lang de") << QStringList {u"warden"_s, u"--lang"_s, u"de"_s} << QString()
                               << QLocale::German;
    QTest::newRow("--lang=de_AT") << QStringList {u"warden"_s, u"--lang=de_AT"_s} << u"en"_s
                                  << QLocale::German;
    QTest::newRow("--lang beats LANGUAGE")
            << QStringList {u"warden"_s, u"--lang"_s, u"en"_s} << u"de"_s << QLocale::English;
    QTest::newRow("LANGUAGE, first of the list")
            << QStringList {u"warden"_s} << u"de:en"_s << QLocale::German;
    QTest::newRow("LANGUAGE=C") << QStringList {u"warden"_s} << u"C"_s << QLocale::C;
    QTest::newRow("--lang without a value: the system's")
            << QStringList {u"warden"_s, u"--lang"_s} << QString() << QLocale::system().language();
}

void tst_Translations::localeChoice()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, languageEnv);
    QFETCH(QLocale::Language, language);
    QCOMPARE(consoleLocale(requestedLanguage(arguments), languageEnv).language(), language);
}

void tst_Translations::mainWindowSpeaksGerman()
{
    QVERIFY(installConsoleTranslators(QLocale(QLocale::German, QLocale::Germany)));
    QTemporaryDir dir;
    QSettings settings(dir.filePath(u"console.ini"_s), QSettings::IniFormat);
    ConsoleSession session(&settings, dir.path());
    MainWindow window(&session, &settings);

    QCOMPARE(window.findChild<QAction *>(u"actionQuit"_s)->text(), u"&Beenden"_s);
    QCOMPARE(window.findChild<QAction *>(u"actionConnections"_s)->text(),
             u"Verbindungen &verwalten..."_s);
    QCOMPARE(window.findChild<QAction *>(u"actionRotationWizard"_s)->text(),
             u"Netzwerkschlüssel &rotieren..."_s);
    QStringList menus;
    for (const QAction *menu : window.menuBar()->actions())
        menus << menu->text();
    QCOMPARE(menus, (QStringList {u"&Datei"_s, u"&Verbindungen"_s, u"&Knoten"_s, u"&Sicherheit"_s,
                                  u"&Ansicht"_s, u"&Hilfe"_s}));
    // Keyboard access survives the translation: each menu's accelerators are distinct.
    for (const QAction *menuAction : window.menuBar()->actions()) {
        QSet<QChar> seen;
        for (const QAction *action : menuAction->menu()->actions()) {
            if (action->isSeparator())
                continue;
            const QChar key = mnemonic(action->text());
            QVERIFY2(!key.isNull(), qPrintable(action->text()));
            QVERIFY2(!seen.contains(key),
                     qPrintable(menuAction->text() + u" > "_s + action->text()));
            seen.insert(key);
        }
    }
}

void tst_Translations::dialogsSpeakGerman()
{
    QVERIFY(installConsoleTranslators(QLocale(u"de"_s)));
    QTemporaryDir dir;
    KeyStoreUnlockDialog create(dir.filePath(u"new.wardenkeys"_s));
    QCOMPARE(create.windowTitle(), u"Schlüsselspeicher anlegen"_s);

    // The revoke dialog's texts (context Warden::Internal::RevokeDialog, which lupdate once
    // filed under a context of its own) without a running service.
    RevokeDialog revoke(nullptr, 3);
    QCOMPARE(revoke.windowTitle(), u"Knoten 3 widerrufen"_s);

    QSettings settings(dir.filePath(u"console.ini"_s), QSettings::IniFormat);
    ConsoleSession session(&settings, dir.path());
    ConnectionsDialog connections(&session);
    QCOMPARE(connections.windowTitle(), u"Verbindungen"_s);
}

void tst_Translations::englishNeedsNoTranslator()
{
    QVERIFY(installConsoleTranslators(QLocale(u"de"_s)));
    QVERIFY(!installConsoleTranslators(QLocale(QLocale::English)));
    // The German translator is gone again.
    QTemporaryDir dir;
    QSettings settings(dir.filePath(u"console.ini"_s), QSettings::IniFormat);
    ConsoleSession session(&settings, dir.path());
    MainWindow window(&session, &settings);
    QCOMPARE(window.findChild<QAction *>(u"actionQuit"_s)->text(), u"&Quit"_s);
}

QTEST_MAIN(tst_Translations)
#include "tst_translations.moc"
