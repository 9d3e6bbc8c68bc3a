// The desktop integration in its installed form (the build tree's share/, made by
// installer/desktop.cmake): the menu entry passes desktop-file-validate, the AppStream metadata
// appstreamcli's validation (the file, and the tree with the entry and the icons), its release
// is the project's version, its screenshots are the committed PNGs at their sizes, and every
// hicolor PNG has the size its folder says.
#include "toolrun.h"

#include <warden/version.h>

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtCore/QUrl>
#include <QtCore/QXmlStreamReader>
#include <QtCore/QtEndian>
#include <QtTest/QtTest>

using namespace Qt::StringLiterals;
using WardenTest::findTool;
using WardenTest::runTool;

namespace {

const QString kAppId = QStringLiteral(WARDEN_APP_ID);

QString shareDir()
{
    return QStringLiteral(WARDEN_SHARE_BUILD_DIR);
}

QString desktopFile()
{
    return shareDir() + u"/applications/"_s + kAppId + u".desktop"_s;
}

QString metainfoFile()
{
    return shareDir() + u"/metainfo/"_s + kAppId + u".metainfo.xml"_s;
}

struct PngHeader
{
    bool valid = false;
    quint32 width = 0;
    quint32 height = 0;
    quint8 colourType = 0;
};

/// The IHDR chunk, which a PNG must start with after its signature.
PngHeader readPng(const QString &path)
{
    PngHeader header;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return header;
    const QByteArray bytes = file.read(33);
    if (bytes.size() < 33 || !bytes.startsWith("\x89PNG\r\n\x1a\n") || bytes.mid(12, 4) != "IHDR")
        return header;
    header.valid = true;
    header.width = qFromBigEndian<quint32>(bytes.constData() + 16);
    header.height = qFromBigEndian<quint32>(bytes.constData() + 20);
    header.colourType = quint8(bytes.at(25));
    return header;
}

/// appstreamcli's findings of a kind: lines like "W: org.warden.Warden:7: tag-name ...".
QStringList findings(const QByteArray &output, QChar kind)
{
    QStringList found;
    for (const QString &line : QString::fromUtf8(output).split(u'\n')) {
        const QString trimmed = line.trimmed();
        if (trimmed.startsWith(kind) && trimmed.mid(1, 2) == u": "_s)
            found += trimmed;
    }
    return found;
}

struct Screenshot
{
    QString url;
    int width = 0;
    int height = 0;
};

struct Metainfo
{
    QString id;
    QString launchable;
    QString icon;
    QString release;
    QStringList binaries;
    QList<Screenshot> screenshots;
    bool contentRating = false;
    QString error;
};

Metainfo readMetainfo(const QString &path)
{
    Metainfo info;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        info.error = file.errorString();
        return info;
    }
    QXmlStreamReader xml(&file);
    while (!xml.atEnd()) {
        if (xml.readNext() != QXmlStreamReader::StartElement)
            continue;
        const auto name = xml.name();
        if (name == u"id"_s) {
            info.id = xml.readElementText();
        } else if (name == u"launchable"_s) {
            info.launchable = xml.readElementText();
        } else if (name == u"icon"_s) {
            info.icon = xml.readElementText();
        } else if (name == u"release"_s) {
            info.release = xml.attributes().value(u"version"_s).toString();
        } else if (name == u"binary"_s) {
            info.binaries += xml.readElementText();
        } else if (name == u"content_rating"_s) {
            info.contentRating = true;
        } else if (name == u"image"_s) {
            Screenshot shot;
            shot.width = xml.attributes().value(u"width"_s).toInt();
            shot.height = xml.attributes().value(u"height"_s).toInt();
            shot.url = xml.readElementText();
            info.screenshots += shot;
        }
    }
    if (xml.hasError())
        info.error = xml.errorString();
    return info;
}

} // namespace

class tst_DesktopFiles : public QObject
{
    Q_OBJECT

private slots:
    void desktopFileValidates();
    void metainfoValidates();
    void installedTreeValidates();
    void metainfoMatchesTheProject();
    void screenshotsAreTheCommittedOnes();
    void iconHasItsSize_data();
    void iconHasItsSize();
};

void tst_DesktopFiles::desktopFileValidates()
{
    const QString validate = findTool(u"desktop-file-validate"_s);
    if (validate.isEmpty())
        QSKIP("desktop-file-validate (desktop-file-utils) is not installed");
    const auto run = runTool(validate, {desktopFile()});
    QVERIFY2(run.finished && run.exitCode == 0, run.describe().constData());
    // Not even a hint.
    QVERIFY2(run.out.isEmpty() && run.err.isEmpty(), run.describe().constData());

    QFile file(desktopFile());
    QVERIFY(file.open(QIODevice::ReadOnly | QIODevice::Text));
    const QString text = QString::fromUtf8(file.readAll());
    QVERIFY(text.contains(u"\nIcon="_s + kAppId + u"\n"_s));
    QVERIFY(text.contains(u"\nExec=warden\n"_s));
}

void tst_DesktopFiles::metainfoValidates()
{
    const QString appstream = findTool(u"appstreamcli"_s);
    if (appstream.isEmpty())
        QSKIP("appstreamcli (appstream) is not installed");
    const auto run = runTool(appstream, {u"validate"_s, u"--no-net"_s, u"--pedantic"_s,
                                         u"--no-color"_s, metainfoFile()});
    QVERIFY2(run.finished && run.exitCode == 0, run.describe().constData());
    // No error, warning or info; pedantic findings are printed, not failed on (the id's
    // capitals, as reverse-DNS ids of desktop applications commonly have).
    for (QChar kind : {u'E', u'W', u'I'})
        QVERIFY2(findings(run.out + run.err, kind).isEmpty(), run.describe().constData());
    const QStringList pedantic = findings(run.out + run.err, u'P');
    if (!pedantic.isEmpty())
        qInfo().noquote() << "appstreamcli pedantic findings:" << pedantic.join(u"; "_s);
}

void tst_DesktopFiles::installedTreeValidates()
{
    // As a package installs them: <root>/usr/share/{applications,metainfo,icons}; validate-tree
    // also checks that the metadata's launchable and icon are there.
    const QString appstream = findTool(u"appstreamcli"_s);
    if (appstream.isEmpty())
        QSKIP("appstreamcli (appstream) is not installed");
    QTemporaryDir root;
    QVERIFY(root.isValid());
    const QStringList files = {u"applications/"_s + kAppId + u".desktop"_s,
                               u"metainfo/"_s + kAppId + u".metainfo.xml"_s,
                               u"icons/hicolor/scalable/apps/"_s + kAppId + u".svg"_s,
                               u"icons/hicolor/64x64/apps/"_s + kAppId + u".png"_s,
                               u"icons/hicolor/128x128/apps/"_s + kAppId + u".png"_s};
    for (const QString &file : files) {
        const QString target = root.filePath(u"usr/share/"_s + file);
        QVERIFY(QDir().mkpath(QFileInfo(target).absolutePath()));
        QVERIFY2(QFile::copy(shareDir() + u"/"_s + file, target), qPrintable(file));
    }
    const auto run
            = runTool(appstream, {u"validate-tree"_s, u"--no-net"_s, u"--no-color"_s, root.path()});
    QVERIFY2(run.finished && run.exitCode == 0, run.describe().constData());
    for (QChar kind : {u'E', u'W', u'I'})
        QVERIFY2(findings(run.out + run.err, kind).isEmpty(), run.describe().constData());
    QVERIFY2(run.out.contains(kAppId.toUtf8()), run.describe().constData());
}

void tst_DesktopFiles::metainfoMatchesTheProject()
{
    const Metainfo info = readMetainfo(metainfoFile());
    QVERIFY2(info.error.isEmpty(), qPrintable(info.error));
    QCOMPARE(info.id, kAppId);
    QCOMPARE(info.launchable, kAppId + u".desktop"_s);
    QVERIFY(QFile::exists(QStringLiteral(WARDEN_SOURCE_DIR "/resources/") + info.launchable));
    QCOMPARE(info.icon, kAppId);
    QCOMPARE(info.release, QStringLiteral(WARDEN_VERSION_STRING));
    QCOMPARE(info.binaries, QStringList({u"warden"_s, u"wardend"_s, u"wardenctl"_s}));
    QVERIFY(info.contentRating);
}

void tst_DesktopFiles::screenshotsAreTheCommittedOnes()
{
    const Metainfo info = readMetainfo(metainfoFile());
    QVERIFY2(info.error.isEmpty(), qPrintable(info.error));
    QVERIFY(info.screenshots.size() >= 3);
    for (const Screenshot &shot : info.screenshots) {
        const QUrl url(shot.url);
        QVERIFY2(url.isValid() && url.scheme() == u"https"_s, qPrintable(shot.url));
        const QString committed
                = QStringLiteral(WARDEN_SOURCE_DIR "/resources/screenshots/") + url.fileName();
        const PngHeader png = readPng(committed);
        QVERIFY2(png.valid, qPrintable(committed + u" is not a PNG in the tree"_s));
        QCOMPARE(int(png.width), shot.width);
        QCOMPARE(int(png.height), shot.height);
    }
}

void tst_DesktopFiles::iconHasItsSize_data()
{
    QTest::addColumn<int>("size");
    for (int size : {16, 22, 24, 32, 48, 64, 128, 256})
        QTest::newRow(qPrintable(QString::number(size))) << size;
}

void tst_DesktopFiles::iconHasItsSize()
{
    QFETCH(int, size);
    const QString path
            = u"%1/icons/hicolor/%2x%2/apps/%3.png"_s.arg(shareDir()).arg(size).arg(kAppId);
    const PngHeader png = readPng(path);
    QVERIFY2(png.valid, qPrintable(path + u": missing or not a PNG"_s));
    QCOMPARE(int(png.width), size);
    QCOMPARE(int(png.height), size);
    QCOMPARE(png.colourType, quint8(6)); // RGBA: the shield on a transparent ground
    QVERIFY(QFile::exists(shareDir() + u"/icons/hicolor/scalable/apps/"_s + kAppId + u".svg"_s));
}

QTEST_GUILESS_MAIN(tst_DesktopFiles)
#include "tst_desktopfiles.moc"
