// The man pages (installer/man) against the programs: every option `--help` lists is in the
// page's OPTIONS and the other way round, every wardenctl subcommand and its options in both,
// `--version` prints the project's version; the pages format without a warning and are
// installed gzipped as lintian wants. Adding an option without documenting it fails here.
#include "toolrun.h"

#include <warden/version.h>

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QMap>
#include <QtCore/QRegularExpression>
#include <QtCore/QSet>
#include <QtTest/QtTest>

using namespace Qt::StringLiterals;
using WardenTest::findTool;
using WardenTest::runTool;

namespace {

using Names = QSet<QString>;

/// Option names ("-h", "--config") in the lines of a --help section that start with two spaces
/// and a dash; the section begins at the line @p heading and ends at an empty line.
Names helpOptions(const QByteArray &help, const QString &heading)
{
    static const QRegularExpression kColumn(u"^  (-\\S.*?)(?:\\s{2,}|$)"_s);
    static const QRegularExpression kName(u"(?<![\\w-])--?[A-Za-z][A-Za-z0-9-]*"_s);
    Names names;
    bool inside = false;
    for (const QString &line : QString::fromUtf8(help).split(u'\n')) {
        if (!inside) {
            inside = line == heading;
            continue;
        }
        if (line.trimmed().isEmpty())
            break;
        const auto column = kColumn.match(line);
        if (!column.hasMatch())
            continue;
        for (auto it = kName.globalMatch(column.captured(1)); it.hasNext();)
            names.insert(it.next().captured());
    }
    return names;
}

/// The subcommand names of `wardenctl --help`, in their order.
QStringList helpSubcommands(const QByteArray &help)
{
    QStringList names;
    bool inside = false;
    for (const QString &line : QString::fromUtf8(help).split(u'\n')) {
        if (!inside) {
            inside = line == u"Subcommands:"_s;
            continue;
        }
        if (line.trimmed().isEmpty())
            break;
        names += line.trimmed().section(u' ', 0, 0);
    }
    return names;
}

/// A man page's source, read as far as the checks need: the options each section documents
/// (the tag line after each .TP), by section; a .SS inside SUBCOMMANDS is a section of its own,
/// "SUBCOMMANDS/<name>".
struct ManPage
{
    QString title; ///< .TH's first argument
    QString section; ///< .TH's second argument
    QMap<QString, Names> options;
    QStringList subcommands; ///< the .SS names under SUBCOMMANDS, in their order
    Names exitCodes; ///< the tags under EXIT STATUS

    static ManPage read(const QString &path)
    {
        static const QRegularExpression kName(u"(?:\\\\-){1,2}[A-Za-z](?:[A-Za-z0-9]|\\\\-)*"_s);
        ManPage page;
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
            return page;
        const QStringList lines = QString::fromUtf8(file.readAll()).split(u'\n');
        QString current;
        for (qsizetype i = 0; i < lines.size(); ++i) {
            const QString &line = lines.at(i);
            if (line.startsWith(u".TH "_s)) {
                const QStringList words = line.mid(4).split(u' ');
                page.title = words.value(0);
                page.section = words.value(1);
            } else if (line.startsWith(u".SH "_s)) {
                current = line.mid(4).remove(u'"');
            } else if (line.startsWith(u".SS "_s) && current.startsWith(u"SUBCOMMANDS"_s)) {
                QString name = line.mid(4).remove(u'"').section(u' ', 0, 0);
                name.replace(u"\\-"_s, u"-"_s);
                page.subcommands += name;
                current = u"SUBCOMMANDS/"_s + name;
                page.options[current]; // a subcommand without options has an empty set
            } else if (line == u".TP"_s && i + 1 < lines.size() && current == u"EXIT STATUS"_s) {
                page.exitCodes.insert(lines.at(i + 1).section(u' ', 1));
            } else if (line == u".TP"_s && i + 1 < lines.size()) {
                for (auto it = kName.globalMatch(lines.at(i + 1)); it.hasNext();)
                    page.options[current].insert(it.next().captured().replace(u"\\-"_s, u"-"_s));
            }
        }
        return page;
    }
};

QString manSource(const QString &page)
{
    return QStringLiteral(WARDEN_MAN_SOURCE_DIR "/") + page;
}

QString program(const QString &name)
{
    if (name == u"warden"_s)
        return QStringLiteral(WARDEN_CONSOLE_PATH);
    if (name == u"wardend"_s)
        return QStringLiteral(WARDEND_PATH);
    return QStringLiteral(WARDENCTL_PATH);
}

/// "a, b" of the names in @p a that @p b lacks.
QString missing(const Names &a, const Names &b)
{
    QStringList names = (a - b).values();
    names.sort();
    return names.join(u", "_s);
}

} // namespace

class tst_ManPages : public QObject
{
    Q_OBJECT

private slots:
    void formatsWithoutWarnings_data();
    void formatsWithoutWarnings();
    void installedGzipped_data();
    void installedGzipped();
    void optionsAgree_data();
    void optionsAgree();
    void subcommandsAgree();
    void subcommandOptionsAgree_data();
    void subcommandOptionsAgree();
    void exitCodesAgree_data();
    void exitCodesAgree();
    void versionIsTheProjects_data();
    void versionIsTheProjects();
    void parsersSeeWhatIsThere();
};

void tst_ManPages::formatsWithoutWarnings_data()
{
    QTest::addColumn<QString>("page");
    QTest::addColumn<QString>("title");
    QTest::newRow("warden.1") << u"warden.1"_s << u"WARDEN"_s;
    QTest::newRow("wardend.8") << u"wardend.8"_s << u"WARDEND"_s;
    QTest::newRow("wardenctl.1") << u"wardenctl.1"_s << u"WARDENCTL"_s;
}

void tst_ManPages::formatsWithoutWarnings()
{
    QFETCH(QString, page);
    QFETCH(QString, title);
    const ManPage parsed = ManPage::read(manSource(page));
    QCOMPARE(parsed.title, title);
    QCOMPARE(parsed.section, page.section(u'.', -1));

    const QString groff = findTool(u"groff"_s);
    if (groff.isEmpty())
        QSKIP("groff (groff-base) is not installed");
    const auto formatted = runTool(groff, {u"-man"_s, u"-ww"_s, u"-z"_s, manSource(page)});
    QVERIFY2(formatted.finished && formatted.exitCode == 0, formatted.describe().constData());
    QVERIFY2(formatted.err.isEmpty(), formatted.err.constData());

    // What lintian runs (its manpage checks): man's own warnings, UTF-8 output.
    const QString man = findTool(u"man"_s);
    if (man.isEmpty())
        QSKIP("man (man-db) is not installed");
    const auto shown = runTool(
            man,
            {u"--warnings"_s, u"-E"_s, u"UTF-8"_s, u"-l"_s, u"-Tutf8"_s, u"-Z"_s, manSource(page)},
            {u"MAN_DISABLE_SECCOMP=1"_s});
    QVERIFY2(shown.finished && shown.exitCode == 0, shown.describe().constData());
    QVERIFY2(shown.err.isEmpty(), shown.err.constData());
    QVERIFY(!shown.out.isEmpty());
}

void tst_ManPages::installedGzipped_data()
{
    QTest::addColumn<QString>("page");
    QTest::addColumn<QString>("installed");
    QTest::newRow("warden.1") << u"warden.1"_s << u"man1/warden.1.gz"_s;
    QTest::newRow("wardend.8") << u"wardend.8"_s << u"man8/wardend.8.gz"_s;
    QTest::newRow("wardenctl.1") << u"wardenctl.1"_s << u"man1/wardenctl.1.gz"_s;
}

void tst_ManPages::installedGzipped()
{
    QFETCH(QString, page);
    QFETCH(QString, installed);
    QFile gz(QStringLiteral(WARDEN_MAN_BUILD_DIR "/") + installed);
    QVERIFY2(gz.open(QIODevice::ReadOnly), qPrintable(gz.fileName()));
    const QByteArray bytes = gz.readAll();
    QVERIFY(bytes.size() > 18);
    QCOMPARE(quint8(bytes.at(0)), quint8(0x1f));
    QCOMPARE(quint8(bytes.at(1)), quint8(0x8b));
    // gzip -n: no file name (FLG.FNAME) and no time stamp, so the same tree gives the same file;
    // -9: XFL says "maximum compression" (lintian: manpage-not-compressed-with-max-compression).
    QCOMPARE(quint8(bytes.at(3)) & 0x08, 0);
    QCOMPARE(bytes.mid(4, 4), QByteArray(4, '\0'));
    QCOMPARE(quint8(bytes.at(8)), quint8(2));

    const QString gzip = findTool(u"gzip"_s);
    QVERIFY(!gzip.isEmpty());
    const auto unpacked = runTool(gzip, {u"-dc"_s, gz.fileName()});
    QVERIFY2(unpacked.finished && unpacked.exitCode == 0, unpacked.describe().constData());
    QFile source(manSource(page));
    QVERIFY(source.open(QIODevice::ReadOnly));
    QVERIFY2(unpacked.out == source.readAll(), "the installed page is not the tree's");
}

void tst_ManPages::optionsAgree_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("page");
    QTest::addColumn<QString>("helpHeading");
    QTest::addColumn<QString>("manSection");
    QTest::newRow("warden") << u"warden"_s << u"warden.1"_s << u"Options:"_s << u"OPTIONS"_s;
    QTest::newRow("wardend") << u"wardend"_s << u"wardend.8"_s << u"Options:"_s << u"OPTIONS"_s;
    QTest::newRow("wardenctl") << u"wardenctl"_s << u"wardenctl.1"_s << u"Global options:"_s
                               << u"GLOBAL OPTIONS"_s;
}

void tst_ManPages::optionsAgree()
{
    QFETCH(QString, name);
    QFETCH(QString, page);
    QFETCH(QString, helpHeading);
    QFETCH(QString, manSection);
    const auto help = runTool(program(name), {u"--help"_s});
    QVERIFY2(help.finished && help.exitCode == 0, help.describe().constData());
    const Names listed = helpOptions(help.out, helpHeading);
    QVERIFY2(listed.contains(u"--help"_s) && listed.contains(u"--version"_s), help.out.constData());

    const ManPage parsed = ManPage::read(manSource(page));
    QVERIFY2(parsed.options.contains(manSection), qPrintable(page + u": no "_s + manSection));
    const Names documented = parsed.options.value(manSection);
    QVERIFY2(missing(listed, documented).isEmpty(),
             qPrintable(u"%1 --help lists options %2 lacks in %3: %4"_s.arg(
                     name, page, manSection, missing(listed, documented))));
    QVERIFY2(missing(documented, listed).isEmpty(),
             qPrintable(u"%1 documents in %2 options %3 --help does not list: %4"_s.arg(
                     page, manSection, name, missing(documented, listed))));
}

void tst_ManPages::subcommandsAgree()
{
    const auto help = runTool(program(u"wardenctl"_s), {u"--help"_s});
    QVERIFY2(help.finished && help.exitCode == 0, help.describe().constData());
    QStringList listed = helpSubcommands(help.out);
    QVERIFY2(listed.contains(u"decode"_s), help.out.constData());
    QStringList documented = ManPage::read(manSource(u"wardenctl.1"_s)).subcommands;
    listed.sort();
    documented.sort();
    QCOMPARE(documented, listed);
}

void tst_ManPages::subcommandOptionsAgree_data()
{
    QTest::addColumn<QString>("subcommand");
    const auto help = runTool(program(u"wardenctl"_s), {u"--help"_s});
    for (const QString &name : helpSubcommands(help.out))
        QTest::newRow(qPrintable(name)) << name;
}

void tst_ManPages::subcommandOptionsAgree()
{
    QFETCH(QString, subcommand);
    const auto help = runTool(program(u"wardenctl"_s), {subcommand, u"--help"_s});
    QVERIFY2(help.finished && help.exitCode == 0, help.describe().constData());
    const auto overview = runTool(program(u"wardenctl"_s), {u"--help"_s});
    const Names global = helpOptions(overview.out, u"Global options:"_s);
    QVERIFY(!global.isEmpty());
    // The subcommand's --help repeats the global options; the page lists them once.
    const Names listed = helpOptions(help.out, u"Options:"_s) - global;

    const ManPage parsed = ManPage::read(manSource(u"wardenctl.1"_s));
    const QString section = u"SUBCOMMANDS/"_s + subcommand;
    QVERIFY2(parsed.options.contains(section),
             qPrintable(u"wardenctl.1 has no .SS for "_s + subcommand));
    const Names documented = parsed.options.value(section);
    QVERIFY2(missing(listed, documented).isEmpty(),
             qPrintable(u"wardenctl %1 --help lists options wardenctl.1 lacks: %2"_s.arg(
                     subcommand, missing(listed, documented))));
    QVERIFY2(missing(documented, listed).isEmpty(),
             qPrintable(u"wardenctl.1 documents for %1 options its --help does not list: %2"_s.arg(
                     subcommand, missing(documented, listed))));
}

void tst_ManPages::exitCodesAgree_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("page");
    QTest::newRow("wardend") << u"wardend"_s << u"wardend.8"_s;
    QTest::newRow("wardenctl") << u"wardenctl"_s << u"wardenctl.1"_s;
}

void tst_ManPages::exitCodesAgree()
{
    QFETCH(QString, name);
    QFETCH(QString, page);
    const auto help = runTool(program(name), {u"--help"_s});
    QVERIFY2(help.finished && help.exitCode == 0, help.describe().constData());
    // wardend: "Exit codes: 0 clean ...; 1 --check-config ...", wardenctl: "  0  success" lines.
    static const QRegularExpression kCode(u"(?:Exit codes: |; |\n  )(\\d+) "_s);
    Names listed;
    for (auto it = kCode.globalMatch(QString::fromUtf8(help.out)); it.hasNext();)
        listed.insert(it.next().captured(1));
    QVERIFY2(listed.contains(u"0"_s), help.out.constData());
    const Names documented = ManPage::read(manSource(page)).exitCodes;
    QCOMPARE(missing(listed, documented), QString());
    QCOMPARE(missing(documented, listed), QString());
}

void tst_ManPages::versionIsTheProjects_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("warden") << u"warden"_s;
    QTest::newRow("wardend") << u"wardend"_s;
    QTest::newRow("wardenctl") << u"wardenctl"_s;
}

void tst_ManPages::versionIsTheProjects()
{
    QFETCH(QString, name);
    // The generated header and project(VERSION) are one.
    QCOMPARE(QStringLiteral(WARDEN_VERSION_STRING), QStringLiteral(WARDEN_PROJECT_VERSION));
    const auto version = runTool(program(name), {u"--version"_s});
    QVERIFY2(version.finished && version.exitCode == 0, version.describe().constData());
    QCOMPARE(QString::fromUtf8(version.out),
             name + u" "_s + QStringLiteral(WARDEN_PROJECT_VERSION) + u"\n"_s);
}

void tst_ManPages::parsersSeeWhatIsThere()
{
    // The parsers above must find what is there, or every comparison would pass on nothing.
    const QByteArray help = "Usage: x\n\nOptions:\n"
                            "  -h, --help              Displays help.\n"
                            "  --config <file>         The file (default:\n"
                            "                          --not-an-option).\n"
                            "  --exit-after <seconds>  Stop.\n\nArguments:\n  --nope  x\n";
    QCOMPARE(helpOptions(help, u"Options:"_s),
             Names({u"-h"_s, u"--help"_s, u"--config"_s, u"--exit-after"_s}));
    const ManPage page = ManPage::read(manSource(u"wardenctl.1"_s));
    QVERIFY(page.options.value(u"GLOBAL OPTIONS"_s).contains(u"--json"_s));
    QVERIFY(page.options.value(u"SUBCOMMANDS/rs485"_s).contains(u"--soh-count"_s));
    QVERIFY(page.options.value(u"SUBCOMMANDS/decode"_s).isEmpty());
    QVERIFY(page.subcommands.contains(u"import-gateway"_s));
    QVERIFY(!page.options.value(u"ENVIRONMENT"_s).contains(u"--json"_s));
}

QTEST_GUILESS_MAIN(tst_ManPages)
#include "tst_manpages.moc"
