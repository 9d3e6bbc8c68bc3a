// LinkRegistry with the real plugin modules as built (build/lib/warden/links): metadata read,
// transports created by type and used over a real socket, unknown types and bad settings
// named, duplicates, and files that must not be loaded — a library that is no Qt plugin, a
// Qt plugin of another interface, and a link plugin built for interface version 2, which is
// refused from its metadata without ever being loaded (checked in /proc/self/maps).
#include <warden/linkplugin.h>

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QLibraryInfo>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QtTest>

using namespace Warden;
using namespace Qt::StringLiterals;

namespace Warden {
// QCOMPARE prints states by name (found by argument-dependent lookup).
char *toString(LinkPluginInfo::State state)
{
    return qstrdup(linkPluginStateName(state));
}
} // namespace Warden

namespace {

const LinkPluginInfo *findType(const QList<LinkPluginInfo> &infos, const QString &type)
{
    for (const LinkPluginInfo &info : infos) {
        if (info.type == type)
            return &info;
    }
    return nullptr;
}

const LinkPluginInfo *findFile(const QList<LinkPluginInfo> &infos, const QString &fileName)
{
    for (const LinkPluginInfo &info : infos) {
        if (QFileInfo(info.fileName).fileName() == fileName)
            return &info;
    }
    return nullptr;
}

/// Whether the running process has mapped a file whose path contains @p name.
bool isMapped(const QString &name)
{
    QFile maps(u"/proc/self/maps"_s);
    if (!maps.open(QIODevice::ReadOnly))
        return false;
    return QString::fromLocal8Bit(maps.readAll()).contains(name);
}

} // namespace

class tst_LinkRegistry : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void loadsBuiltPlugins();
    void createByType();
    void realModuleCarriesLines();
    void unknownType();
    void badSettingsNamed_data();
    void badSettingsNamed();
    void duplicates();
    void refusedFiles();
    void otherQtInterface();
    void noStaticPlugins();
    void defaultDirectories();

private:
    LinkRegistry m_registry;
    QList<LinkPluginInfo> m_loaded;
};

void tst_LinkRegistry::initTestCase()
{
    QLoggingCategory::setFilterRules(u"warden.core.link.plugin.warning=false\n"
                                     u"warden.core.link.debug=false"_s);
    m_loaded = m_registry.loadDirectory(QStringLiteral(WARDEN_LINK_PLUGIN_DIR));
    QVERIFY(!m_loaded.isEmpty());
}

void tst_LinkRegistry::loadsBuiltPlugins()
{
    for (const QString &type : {u"serial"_s, u"tcp"_s}) {
        const LinkPluginInfo *info = findType(m_loaded, type);
        QVERIFY2(info, qPrintable(type));
        QCOMPARE(info->state, LinkPluginInfo::State::Loaded);
        QVERIFY(info->errorString.isEmpty());
        QCOMPARE(QFileInfo(info->fileName).fileName(), u"libwarden_link_%1.so"_s.arg(type));
        // The metadata's version is the project's (the .json files are kept in step by hand).
        QCOMPARE(info->version, QStringLiteral(WARDEN_PROJECT_VERSION));
        QVERIFY(!info->name.isEmpty());
        QVERIFY(info->description.contains(u"MySensors"_s));
        QVERIFY(m_registry.types().contains(type));
        QVERIFY(m_registry.factory(type));
        QCOMPARE(m_registry.factory(type)->type(), type);
    }
    QCOMPARE(findType(m_loaded, u"serial"_s)->name, u"Serial gateway"_s);
    QCOMPARE(m_registry.factory(u"tcp"_s)->defaultSettings().value(u"port"_s).toInt(), 5003);
    QCOMPARE(m_registry.plugins().size(), m_loaded.size());
}

void tst_LinkRegistry::createByType()
{
    Result<std::unique_ptr<Link>> serial
            = m_registry.create({u"serial"_s, u"usb"_s, {{u"port"_s, u"/dev/ttyUSB0"_s}}});
    QVERIFY2(serial, serial ? "" : qPrintable(serial.error().message()));
    QCOMPARE((*serial)->name(), u"usb"_s);
    QCOMPARE((*serial)->configuration().type, u"serial"_s);
    QCOMPARE((*serial)->state(), LinkState::Closed);
    QCOMPARE(QByteArray((*serial)->metaObject()->className()),
             QByteArray("Warden::Internal::SerialLink"));

    Result<std::unique_ptr<Link>> tcp = m_registry.create({u"tcp"_s, u"eth"_s, {}});
    QVERIFY2(tcp, tcp ? "" : qPrintable(tcp.error().message()));
    QCOMPARE(QByteArray((*tcp)->metaObject()->className()),
             QByteArray("Warden::Internal::TcpLink"));
}

void tst_LinkRegistry::realModuleCarriesLines()
{
    // The dynamically loaded TCP module against a tiny gateway: it is the real thing, not a
    // stub with the right metadata.
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    QByteArray heard;
    connect(&server, &QTcpServer::newConnection, this, [&] {
        QTcpSocket *socket = server.nextPendingConnection();
        socket->write("0;255;3;0;14;Gateway startup complete.\n");
        connect(socket, &QTcpSocket::readyRead, this,
                [&heard, socket] { heard += socket->readAll(); });
    });
    Result<std::unique_ptr<Link>> link
            = m_registry.create({u"tcp"_s, u"eth"_s, {{u"port"_s, int(server.serverPort())}}});
    QVERIFY(link);
    QSignalSpy received(link->get(), &Link::unitReceived);
    (*link)->open();
    QTRY_COMPARE((*link)->state(), LinkState::Connected);
    QTRY_COMPARE(received.size(), 1);
    QCOMPARE(received.at(0).at(0).toByteArray(),
             QByteArray("0;255;3;0;14;Gateway startup complete."));
    QVERIFY((*link)->send("0;255;3;0;2;"));
    QTRY_COMPARE(heard, QByteArray("0;255;3;0;2;\n"));
    (*link)->close();
}

void tst_LinkRegistry::unknownType()
{
    Result<std::unique_ptr<Link>> link = m_registry.create({u"zigbee"_s, u"radio"_s, {}});
    QVERIFY(!link);
    QCOMPARE(link.error().code(), ErrorCode::InvalidArgument);
    const QString message = link.error().message();
    QVERIFY2(message.contains(u"link \"radio\": unknown transport \"zigbee\" (known: "_s),
             qPrintable(message));
    QVERIFY2(message.contains(u"serial"_s) && message.contains(u"tcp"_s), qPrintable(message));

    LinkRegistry empty;
    Result<std::unique_ptr<Link>> none = empty.create({u"tcp"_s, u"eth"_s, {}});
    QVERIFY(!none);
    QVERIFY2(none.error().message().contains(u"none loaded"_s), qPrintable(none.error().message()));
}

void tst_LinkRegistry::badSettingsNamed_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QVariantMap>("settings");
    QTest::addColumn<QString>("named");

    QTest::newRow("serial without port") << u"serial"_s << QVariantMap {} << u"\"port\""_s;
    QTest::newRow("serial baud") << u"serial"_s
                                 << QVariantMap {{u"port"_s, u"/dev/ttyS0"_s}, {u"baudRate"_s, 10}}
                                 << u"\"baudRate\""_s;
    QTest::newRow("serial unknown")
            << u"serial"_s << QVariantMap {{u"port"_s, u"/dev/ttyS0"_s}, {u"host"_s, u"x"_s}}
            << u"\"host\""_s;
    QTest::newRow("tcp port") << u"tcp"_s << QVariantMap {{u"port"_s, 99999}} << u"\"port\""_s;
    QTest::newRow("tcp unknown") << u"tcp"_s << QVariantMap {{u"topic"_s, u"x"_s}}
                                 << u"\"topic\""_s;
}

void tst_LinkRegistry::badSettingsNamed()
{
    QFETCH(QString, type);
    QFETCH(QVariantMap, settings);
    QFETCH(QString, named);
    Result<std::unique_ptr<Link>> link = m_registry.create({type, u"mine"_s, settings});
    QVERIFY(!link);
    QCOMPARE(link.error().code(), ErrorCode::InvalidArgument);
    QVERIFY2(link.error().message().contains(named), qPrintable(link.error().message()));
    QVERIFY2(link.error().message().contains(u"mine"_s), qPrintable(link.error().message()));
}

void tst_LinkRegistry::duplicates()
{
    LinkRegistry registry;
    registry.loadDirectory(QStringLiteral(WARDEN_LINK_PLUGIN_DIR));
    const QList<LinkPluginInfo> again
            = registry.loadDirectory(QStringLiteral(WARDEN_LINK_PLUGIN_DIR));
    const LinkPluginInfo *serial = findType(again, u"serial"_s);
    QVERIFY(serial);
    QCOMPARE(serial->state, LinkPluginInfo::State::Duplicate);
    QVERIFY(serial->errorString.contains(u"\"serial\" transport is already registered"_s));
    // The first registration is still the one in use.
    QVERIFY(registry.create({u"serial"_s, u"usb"_s, {{u"port"_s, u"/dev/ttyUSB0"_s}}}));
}

void tst_LinkRegistry::refusedFiles()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString incompatible = dir.filePath(u"libwarden_link_future.so"_s);
    QVERIFY(QFile::copy(QStringLiteral(WARDEN_INCOMPATIBLE_PLUGIN), incompatible));
    // A file that claims to be a library, and a real library that is no Qt plugin.
    QFile text(dir.filePath(u"libnotaplugin.so"_s));
    QVERIFY(text.open(QIODevice::WriteOnly));
    text.write("this is not an ELF file\n");
    text.close();
    QVERIFY(QFile::copy(QStringLiteral(WARDEN_CORE_LIBRARY), dir.filePath(u"libcore.so"_s)));
    // Not a library name at all: passed over.
    QFile readme(dir.filePath(u"README"_s));
    QVERIFY(readme.open(QIODevice::WriteOnly));
    readme.close();

    LinkRegistry registry;
    const QList<LinkPluginInfo> infos = registry.loadDirectory(dir.path());
    QCOMPARE(infos.size(), 3);

    const LinkPluginInfo *future = findFile(infos, u"libwarden_link_future.so"_s);
    QVERIFY(future);
    QCOMPARE(future->state, LinkPluginInfo::State::Incompatible);
    QCOMPARE(future->errorString, u"CompatVersion 2, this core needs 1"_s);
    QCOMPARE(future->type, u"future"_s);
    QCOMPARE(future->version, u"9.0.0"_s);
    // Refused without running any of its code: never mapped, never constructed.
    QVERIFY(!isMapped(u"libwarden_link_future.so"_s));
    QVERIFY(!isMapped(QFileInfo(QStringLiteral(WARDEN_INCOMPATIBLE_PLUGIN)).fileName()));
    QVERIFY(!qEnvironmentVariableIsSet("WARDEN_TEST_INCOMPATIBLE_LOADED"));
    QVERIFY(!qEnvironmentVariableIsSet("WARDEN_TEST_INCOMPATIBLE_INSTANTIATED"));
    QVERIFY(!registry.types().contains(u"future"_s));

    for (const QString &name : {u"libnotaplugin.so"_s, u"libcore.so"_s}) {
        const LinkPluginInfo *info = findFile(infos, name);
        QVERIFY2(info, qPrintable(name));
        QCOMPARE(info->state, LinkPluginInfo::State::Invalid);
        QVERIFY2(info->errorString.startsWith(u"not a Qt plugin"_s), qPrintable(info->errorString));
    }
    QVERIFY(!isMapped(dir.filePath(u"libcore.so"_s)));

    const LinkPluginInfo missing = registry.loadFile(dir.filePath(u"libgone.so"_s));
    QCOMPARE(missing.state, LinkPluginInfo::State::Invalid);
    QVERIFY(registry.types().isEmpty());
    QCOMPARE(registry.plugins().size(), 4);
}

void tst_LinkRegistry::otherQtInterface()
{
    // A genuine Qt plugin of another interface (Qt's SQLite driver).
    const QString path
            = QLibraryInfo::path(QLibraryInfo::PluginsPath) + u"/sqldrivers/libqsqlite.so"_s;
    if (!QFile::exists(path))
        QSKIP("Qt's SQLite driver plugin is not installed");
    LinkRegistry registry;
    const LinkPluginInfo info = registry.loadFile(path);
    QCOMPARE(info.state, LinkPluginInfo::State::Incompatible);
    QVERIFY2(info.errorString.contains(u"expected \"org.warden.LinkFactory/1\""_s),
             qPrintable(info.errorString));
    QVERIFY(registry.types().isEmpty());
}

void tst_LinkRegistry::noStaticPlugins()
{
    // Nothing is linked in here: only the modules count.
    LinkRegistry registry;
    QVERIFY(registry.loadStaticPlugins().isEmpty());
    QVERIFY(registry.types().isEmpty());
}

void tst_LinkRegistry::defaultDirectories()
{
    qputenv("WARDEN_PLUGIN_PATH", "/opt/a:/opt/b");
    const QStringList dirs = LinkRegistry::defaultDirectories();
    qunsetenv("WARDEN_PLUGIN_PATH");
    QVERIFY(dirs.size() >= 3);
    QCOMPARE(dirs.at(0), u"/opt/a"_s);
    QCOMPARE(dirs.at(1), u"/opt/b"_s);
    QVERIFY(dirs.contains(
            QDir::cleanPath(QCoreApplication::applicationDirPath() + u"/../lib/warden/links"_s)));
}

QTEST_GUILESS_MAIN(tst_LinkRegistry)
#include "tst_linkregistry.moc"
