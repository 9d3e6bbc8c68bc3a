// The console's session on real parts: the simulated link plugin with host-build firmware
// nodes, a real TCP server in the test that speaks the MySensors serial protocol, real SQLite
// inventories and a QSettings file in a temporary folder.
#include <app/consolesession.h>

#include <warden/keystore.h>
#include <warden/securityservice.h>

#include <QtCore/QFile>
#include <QtCore/QSettings>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace Warden;
using namespace Warden::Internal;
using namespace Qt::StringLiterals;

class tst_ConsoleSession : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void startsOnTheSimulatedNetwork();
    void tcpConnectionStateFollowsTheServer();
    void badSettingIsRefusedNamingTheKey_data();
    void badSettingIsRefusedNamingTheKey();
    void connectionsPersist();
    void keyStoreUnlocksARealNetwork();
    void inventoryThatDoesNotOpenIsSaidPlainly();

private:
    static ConnectionSettings tcp(const QString &name, quint16 port, bool autoConnect = true)
    {
        ConnectionSettings s;
        s.name = name;
        s.type = u"tcp"_s;
        s.mode = GatewayMode::Classic;
        s.settings = {{u"host"_s, u"127.0.0.1"_s}, {u"port"_s, int(port)}};
        s.autoConnect = autoConnect;
        return s;
    }
};

void tst_ConsoleSession::startsOnTheSimulatedNetwork()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(u"console.ini"_s), QSettings::IniFormat);
    ConsoleSession session(&settings, dir.path());
    QSignalSpy nodesChanged(&session, &ConsoleSession::nodesChanged);
    QSignalSpy traffic(&session, &ConsoleSession::traffic);
    QVERIFY2(session.start().has_value(), "no transport loaded");
    QVERIFY(session.linkTypes().contains(u"simulated"_s));
    const QString name = ConsoleSession::simulatedName();
    QCOMPARE(session.connectionNames(), QStringList {name});
    QVERIFY(session.isSimulated(name));
    QCOMPARE(session.connection(name)->mode, GatewayMode::HostGateway);
    // Its own inventory, apart from a real network's.
    QCOMPARE(session.inventoryFileFor(*session.connection(name)),
             dir.filePath(u"simulated.sqlite"_s));
    QTRY_COMPARE_WITH_TIMEOUT(session.status(name).state, ConnectionState::Connected, 5000);
    QCOMPARE(session.status(name).text, u"Connected"_s);

    // A security service on a key store made for the session: its one key is the active epoch.
    QVERIFY(session.security(name));
    QVERIFY(session.security(name)->isStarted());
    QVERIFY(session.security(name)->rotation());
    QVERIFY(session.keyStore(name));
    QCOMPARE(session.keyStore(name)->networkKeys().size(), 1);
    QCOMPARE(session.keyStore(name)->networkKeys().first().state, NetworkKeyState::Active);
    QCOMPARE(session.engine(name)->activeEpoch(), std::optional<quint32>(1));

    // The nodes present themselves and land in the inventory.
    Inventory *inventory = session.inventory(name);
    QVERIFY(inventory);
    QTRY_VERIFY_WITH_TIMEOUT(inventory->nodes().value_or(QList<NodeRecord> {}).size()
                                     >= ConsoleSession::kSimulatedNodes,
                             15000);
    // (The session records the nodes' serials as it connects: rows may come before frames.)
    QTRY_VERIFY_WITH_TIMEOUT(!traffic.isEmpty(), 15000);
    QCOMPARE(traffic.first().at(0).toString(), name);
    // The nodes sign with the session key, and the engine verifies with it.
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(traffic.cbegin(), traffic.cend(),
                                         [](const QList<QVariant> &args) {
                                             return args.at(1).value<TrafficRecord>().verdict
                                                    == FrameVerdict::Verified;
                                         }),
                             10000);
    QTRY_VERIFY_WITH_TIMEOUT(nodesChanged.size() >= 2, 5000);

    // The built-in network is not stored: a configured connection replaces it next time.
    QCOMPARE(settings.beginReadArray(u"connections"_s), 0);
    settings.endArray();

    session.disconnectFrom(name);
    QCOMPARE(session.status(name).state, ConnectionState::Disconnected);
    QVERIFY(!session.engine(name));
    QVERIFY(!session.security(name));
    QVERIFY(!session.keyStore(name)); // the session store is gone with the session
}

void tst_ConsoleSession::tcpConnectionStateFollowsTheServer()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(u"console.ini"_s), QSettings::IniFormat);
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    ConsoleSession session(&settings, dir.path());
    QVERIFY(session.start().has_value());
    QVERIFY(session.removeConnection(ConsoleSession::simulatedName()).has_value());
    QSignalSpy states(&session, &ConsoleSession::stateChanged);
    QSignalSpy traffic(&session, &ConsoleSession::traffic);

    QVERIFY(session.addConnection(tcp(u"garage"_s, server.serverPort())).has_value());
    QCOMPARE(session.connectionNames(), QStringList {u"garage"_s});
    QCOMPARE(session.inventoryFileFor(*session.connection(u"garage"_s)),
             dir.filePath(u"inventory.sqlite"_s));
    QTRY_VERIFY_WITH_TIMEOUT(server.hasPendingConnections(), 5000);
    QTcpSocket *gateway = server.nextPendingConnection();
    QTRY_COMPARE_WITH_TIMEOUT(session.status(u"garage"_s).state, ConnectionState::Connected, 5000);

    // A stock gateway's start and a node's value, in the serial protocol's text.
    gateway->write("0;255;3;0;14;Gateway startup complete.\n5;1;1;0;0;21.5\n");
    QTRY_VERIFY_WITH_TIMEOUT(traffic.size() >= 2, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(traffic.cbegin(), traffic.cend(),
                                         [](const QList<QVariant> &args) {
                                             const auto r = args.at(1).value<TrafficRecord>();
                                             return args.at(0).toString() == u"garage"_s
                                                    && !r.outgoing && r.message.sender() == 5;
                                         }),
                             5000);

    // The gateway goes away: the state says so in plain words, and it keeps trying.
    server.close();
    gateway->disconnectFromHost();
    QTRY_COMPARE_WITH_TIMEOUT(session.status(u"garage"_s).state, ConnectionState::Retrying, 5000);
    const ConnectionStatus lost = session.status(u"garage"_s);
    QVERIFY2(lost.text.startsWith(u"Connection lost"_s), qPrintable(lost.text));
    QVERIFY2(lost.text.contains(u"Trying again in"_s), qPrintable(lost.text));
    QVERIFY(!states.isEmpty());

    QVERIFY(session.removeConnection(u"garage"_s).has_value());
    QVERIFY(session.connectionNames().isEmpty());
    QVERIFY(!session.removeConnection(u"garage"_s).has_value());
}

void tst_ConsoleSession::badSettingIsRefusedNamingTheKey_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("type");
    QTest::addColumn<QVariantMap>("settings");
    QTest::addColumn<QString>("named");
    QTest::addColumn<bool>("hostGateway");

    const QVariantMap good {{u"host"_s, u"127.0.0.1"_s}, {u"port"_s, 5003}};
    QVariantMap badPort = good;
    badPort.insert(u"port"_s, 70000);
    QVariantMap emptyHost = good;
    emptyHost.insert(u"host"_s, QString());
    QVariantMap unknown = good;
    unknown.insert(u"prot"_s, 5003);
    QVariantMap textPort = good;
    textPort.insert(u"port"_s, u"5003"_s);
    QTest::newRow("port out of range") << u"gw"_s << u"tcp"_s << badPort << u"\"port\""_s << false;
    QTest::newRow("empty host") << u"gw"_s << u"tcp"_s << emptyHost << u"\"host\""_s << false;
    QTest::newRow("unknown key") << u"gw"_s << u"tcp"_s << unknown << u"\"prot\""_s << false;
    QTest::newRow("port as text") << u"gw"_s << u"tcp"_s << textPort << u"\"port\""_s << false;
    QTest::newRow("no name") << QString() << u"tcp"_s << good << u"name"_s << false;
    QTest::newRow("repeated name") << u"taken"_s << u"tcp"_s << good << u"\"taken\""_s << false;
    QTest::newRow("lines in host-gateway mode")
            << u"gw"_s << u"tcp"_s << good << u"\"mode\""_s << true;
    QTest::newRow("unknown transport")
            << u"gw"_s << u"zigbee"_s << good << u"\"zigbee\""_s << false;
}

void tst_ConsoleSession::badSettingIsRefusedNamingTheKey()
{
    QFETCH(QString, name);
    QFETCH(QString, type);
    QFETCH(QVariantMap, settings);
    QFETCH(QString, named);
    QFETCH(bool, hostGateway);
    QTemporaryDir dir;
    QSettings store(dir.filePath(u"console.ini"_s), QSettings::IniFormat);
    ConsoleSession session(&store, dir.path());
    QVERIFY(session.start().has_value());
    QVERIFY(session.addConnection(tcp(u"taken"_s, 5003, false)).has_value());
    ConnectionSettings s;
    s.name = name;
    s.type = type;
    s.settings = settings;
    s.mode = hostGateway ? GatewayMode::HostGateway : GatewayMode::Classic;
    s.autoConnect = false;
    const auto refused = session.addConnection(s);
    QVERIFY(!refused.has_value());
    QVERIFY2(refused.error().message().contains(named), qPrintable(refused.error().message()));
    QVERIFY(!session.connectionNames().contains(u"gw"_s));
}

void tst_ConsoleSession::connectionsPersist()
{
    QTemporaryDir dir;
    const QString file = dir.filePath(u"console.ini"_s);
    ConnectionSettings bench; // a radio modem on a serial port: host-gateway mode
    bench.name = u"bench"_s;
    bench.type = u"serial"_s;
    bench.mode = GatewayMode::HostGateway;
    bench.settings
            = {{u"port"_s, u"/dev/ttyUSB7"_s}, {u"baudRate"_s, 115200}, {u"framing"_s, u"modem"_s}};
    bench.autoConnect = false;
    ConnectionSettings shed = tcp(u"shed"_s, 5004, false);
    {
        QSettings settings(file, QSettings::IniFormat);
        ConsoleSession session(&settings, dir.path());
        QVERIFY(session.start().has_value());
        QVERIFY(session.connectionNames().contains(ConsoleSession::simulatedName()));
        QVERIFY(session.addConnection(bench).has_value());
        QVERIFY(session.addConnection(shed).has_value());
        shed.settings.insert(u"port"_s, 6004);
        QVERIFY(session.updateConnection(u"shed"_s, shed).has_value());
        // Each real network has its own inventory, the first the daemon's.
        QCOMPARE(session.connection(u"bench"_s)->inventoryFile,
                 dir.filePath(u"inventory.sqlite"_s));
        QCOMPARE(session.connection(u"shed"_s)->inventoryFile,
                 dir.filePath(u"inventory-shed.sqlite"_s));
    }
    QSettings settings(file, QSettings::IniFormat);
    ConsoleSession session(&settings, dir.path());
    QVERIFY(session.start().has_value());
    QCOMPARE(session.connectionNames(), (QStringList {u"bench"_s, u"shed"_s}));
    const auto restored = session.connection(u"bench"_s);
    QVERIFY(restored);
    QCOMPARE(restored->mode, GatewayMode::HostGateway);
    QCOMPARE(restored->type, u"serial"_s);
    QCOMPARE(restored->settings.value(u"port"_s).toString(), u"/dev/ttyUSB7"_s);
    QCOMPARE(restored->settings.value(u"framing"_s).toString(), u"modem"_s);
    QCOMPARE(restored->autoConnect, false);
    QCOMPARE(session.connection(u"shed"_s)->settings.value(u"port"_s).toInt(), 6004);
    QCOMPARE(session.status(u"bench"_s).state, ConnectionState::Disconnected);
}

void tst_ConsoleSession::keyStoreUnlocksARealNetwork()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(u"console.ini"_s), QSettings::IniFormat);
    const QString file = dir.filePath(u"keys.wardenkeys"_s);
    const SecretBytes passphrase = KeyStore::passphraseFromText(u"correct horse"_s);
    {
        KeyStoreParams cheap;
        cheap.memoryKiB = 1024;
        cheap.iterations = 1;
        auto store = KeyStore::create(file, passphrase, cheap);
        QVERIFY(store.has_value());
        auto key = SecretBytes::random(32);
        QVERIFY(key.has_value());
        QVERIFY(store->setNetworkKey(1, *key, NetworkKeyState::Active).has_value());
        QVERIFY(store->save().has_value());
    }
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    ConsoleSession session(&settings, dir.path());
    QVERIFY(session.start().has_value());
    QVERIFY(session.removeConnection(ConsoleSession::simulatedName()).has_value());
    QVERIFY(session.addConnection(tcp(u"garage"_s, server.serverPort())).has_value());
    QVERIFY(session.engine(u"garage"_s));
    QVERIFY(!session.security(u"garage"_s)); // no store yet

    const auto wrong = session.unlockKeyStore(u"garage"_s, file,
                                              KeyStore::passphraseFromText(u"wrong horse"_s));
    QVERIFY(!wrong.has_value());
    QVERIFY2(wrong.error().message().contains(u"wrong passphrase"_s),
             qPrintable(wrong.error().message()));
    QVERIFY(!wrong.error().message().contains(u"horse"_s));
    QVERIFY(!session.keyStore(u"garage"_s));
    QVERIFY(!session.unlockKeyStore(ConsoleSession::simulatedName(), file, passphrase));

    QSignalSpy changed(&session, &ConsoleSession::securityChanged);
    QVERIFY(session.unlockKeyStore(u"garage"_s, file, passphrase).has_value());
    QVERIFY(session.keyStore(u"garage"_s));
    QVERIFY(session.security(u"garage"_s)); // reconnected with the service
    QVERIFY(session.security(u"garage"_s)->isStarted());
    QCOMPARE(session.engine(u"garage"_s)->activeEpoch(), std::optional<quint32>(1));
    QVERIFY(!changed.isEmpty());

    session.lockKeyStore(u"garage"_s);
    QVERIFY(!session.keyStore(u"garage"_s));
    QVERIFY(!session.security(u"garage"_s));
    QVERIFY(session.engine(u"garage"_s)); // still connected, without the store
}

void tst_ConsoleSession::inventoryThatDoesNotOpenIsSaidPlainly()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(u"console.ini"_s), QSettings::IniFormat);
    ConsoleSession session(&settings, dir.path());
    QVERIFY(session.start().has_value());
    QVERIFY(session.removeConnection(ConsoleSession::simulatedName()).has_value());
    QFile notAnInventory(dir.filePath(u"notes.sqlite"_s));
    QVERIFY(notAnInventory.open(QIODevice::WriteOnly));
    notAnInventory.write("shopping list: batteries, antenna\n");
    notAnInventory.close();
    ConnectionSettings gateway = tcp(u"garage"_s, 5003);
    gateway.inventoryFile = notAnInventory.fileName();
    QSignalSpy states(&session, &ConsoleSession::stateChanged);
    QVERIFY(session.addConnection(gateway).has_value()); // stored; the start fails
    const ConnectionStatus status = session.status(u"garage"_s);
    QCOMPARE(status.state, ConnectionState::Failed);
    QVERIFY2(status.text.startsWith(u"Cannot start: the inventory does not open: "_s),
             qPrintable(status.text));
    QVERIFY2(status.text.contains(notAnInventory.fileName()), qPrintable(status.text));
    QCOMPARE(states.last().at(1).value<ConnectionStatus>().state, ConnectionState::Failed);
    QVERIFY(!session.engine(u"garage"_s));
    // The file is left as it was.
    QVERIFY(notAnInventory.open(QIODevice::ReadOnly));
    QCOMPARE(notAnInventory.readAll(), QByteArray("shopping list: batteries, antenna\n"));
}

QTEST_GUILESS_MAIN(tst_ConsoleSession)
#include "tst_consolesession.moc"
