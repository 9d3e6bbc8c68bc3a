// The real wardend binary (QProcess) with configurations in a QTemporaryDir: --check-config on
// good and bad files (exit codes, the error names file, section and key), classic mode end to
// end (a TCP link to a QTcpServer in the test playing a stock Ethernet gateway, a controller
// speaking the MySensors text protocol on the endpoint, the JSON API), token authentication,
// a listener that cannot start, and SIGTERM / SIGINT ending it cleanly. The network key never
// appears in its output, only the key's fingerprint. Without a link it runs on the simulated
// network (real host-build firmware nodes): a controller sees their verified traffic, the JSON
// API lists them from the inventory, which keeps them across a restart; a second wardend on
// the same inventory and a bad [inventory] path are refused with errors naming the file.
// XDG_DATA_HOME and XDG_CONFIG_HOME point into a temporary folder: no run touches the home.
#include "wardendprocess.h"

#include <warden/secretbytes.h>

#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QTest>
#include <QtWebSockets/QWebSocket>

#include <csignal>
#include <memory>

using namespace Qt::StringLiterals;
using namespace WardenTest;

namespace {

// A recognisable key: the test looks for it in everything wardend prints.
const QByteArray kKeyHex = "5eedc0de00112233445566778899aabbccddeeff0123456789abcdef5eedc0de";

/// A configuration without links: the simulated network, listeners on free ports.
QByteArray simulatedConfig(const QString &database)
{
    return u"[controller]\nlisten = 127.0.0.1:0\n[api]\nlisten = 127.0.0.1:0\n"
           "[inventory]\ndatabase = %1\n"_s.arg(database)
                   .toUtf8();
}

QString keyFingerprint()
{
    return Warden::SecretBytes::fromHex(QString::fromLatin1(kKeyHex), 32)->fingerprint();
}

} // namespace

class tst_Wardend : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_home.isValid());
        // Inherited by every wardend started here: the default inventory and configuration
        // live in the temporary folder.
        qputenv("XDG_DATA_HOME", QFile::encodeName(m_home.filePath(u"data"_s)));
        qputenv("XDG_CONFIG_HOME", QFile::encodeName(m_home.filePath(u"config"_s)));
    }

    void versionAndHelp()
    {
        const Outcome version = runWardend({u"--version"_s});
        QCOMPARE(version.exitCode, 0);
        QVERIFY2(version.out.contains(u"wardend"_s), qPrintable(version.out));
        const Outcome help = runWardend({u"--help"_s});
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.out.contains(u"--check-config"_s));
    }

    void checkConfig_data()
    {
        QTest::addColumn<QByteArray>("config");
        QTest::addColumn<int>("configMode");
        QTest::addColumn<int>("keyMode");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QStringList>("mentions");
        const int privateMode = 0600;
        QTest::newRow("good") << QByteArray("[engine]\nmode = classic\nrequire_signatures = yes\n"
                                            "[keys]\nnetwork_key_file = network.key\n"
                                            "[link/gw]\ntype = tcp\nport = 5003\n"
                                            "connect_timeout_ms = 2000\n"
                                            "[controller]\nlisten = 127.0.0.1:5003\n"
                                            "token = abc ; a comment\n[api]\nenabled = false\n")
                              << privateMode << privateMode << 0
                              << QStringList {u"configuration OK"_s, u"link gw: tcp"_s,
                                              keyFingerprint()};
        QTest::newRow("empty file is all defaults")
                << QByteArray() << 0644 << privateMode << 0
                << QStringList {u"host-gateway"_s, u"127.0.0.1:5003"_s, u"127.0.0.1:5004"_s};
        QTest::newRow("unknown key")
                << QByteArray("[engine]\nmdoe = classic\n") << 0644 << privateMode << 1
                << QStringList {u"wardend.conf: [engine] mdoe"_s, u"unknown key"_s};
        QTest::newRow("bad mode") << QByteArray("[engine]\nmode = gateway\n") << 0644 << privateMode
                                  << 1 << QStringList {u"[engine] mode"_s, u"gateway"_s};
        QTest::newRow("bad boolean")
                << QByteArray("[engine]\nrequire_signatures = maybe\n") << 0644 << privateMode << 1
                << QStringList {u"[engine] require_signatures"_s};
        QTest::newRow("unknown section")
                << QByteArray("[engien]\nmode = classic\n") << 0644 << privateMode << 1
                << QStringList {u"[engien]"_s, u"unknown section"_s};
        QTest::newRow("bad listen") << QByteArray("[controller]\nlisten = 127.0.0.1\n") << 0644
                                    << privateMode << 1 << QStringList {u"[controller] listen"_s};
        QTest::newRow("exposed without auth")
                << QByteArray("[api]\nlisten = 0.0.0.0:5004\n") << 0644 << privateMode << 1
                << QStringList {u"[api] listen"_s, u"loopback"_s};
        QTest::newRow("token in a readable file")
                << QByteArray("[controller]\ntoken = abc\n") << 0644 << privateMode << 1
                << QStringList {u"wardend.conf"_s, u"chmod 600"_s};
        QTest::newRow("key file readable by others")
                << QByteArray("[keys]\nnetwork_key_file = network.key\n") << 0644 << 0644 << 1
                << QStringList {u"network.key"_s, u"chmod 600"_s};
        QTest::newRow("unknown link setting")
                << QByteArray("[engine]\nmode = classic\n[link/gw]\ntype = tcp\nprot = 5003\n")
                << 0644 << privateMode << 1 << QStringList {u"[link/gw] prot"_s, u"known: type"_s};
        QTest::newRow("link setting of the wrong type")
                << QByteArray("[engine]\nmode = classic\n[link/gw]\ntype = tcp\nport = many\n")
                << 0644 << privateMode << 1 << QStringList {u"[link/gw] port"_s, u"whole number"_s};
        QTest::newRow("link without type") << QByteArray("[link/gw]\nport = 5003\n") << 0644
                                           << privateMode << 1 << QStringList {u"[link/gw] type"_s};
        QTest::newRow("unknown transport")
                << QByteArray("[link/gw]\ntype = carrier-pigeon\n") << 0644 << privateMode << 1
                << QStringList {u"[link/gw] type"_s, u"carrier-pigeon"_s};
        QTest::newRow("not INI") << QByteArray("[engine]\n# hash comments are not INI\n") << 0644
                                 << privateMode << 1 << QStringList {u"not a valid INI"_s};
    }

    void checkConfig()
    {
        QFETCH(QByteArray, config);
        QFETCH(int, configMode);
        QFETCH(int, keyMode);
        QFETCH(int, exitCode);
        QFETCH(QStringList, mentions);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto permissions = [](int mode) {
            QFile::Permissions p = QFile::ReadOwner | QFile::WriteOwner;
            if (mode & 0044)
                p |= QFile::ReadGroup | QFile::ReadOther;
            return p;
        };
        const QString file = dir.filePath(u"wardend.conf"_s);
        QVERIFY(writeFile(file, config, permissions(configMode)));
        QVERIFY(writeFile(dir.filePath(u"network.key"_s), kKeyHex + '\n', permissions(keyMode)));
        const Outcome o = runWardend({u"--config"_s, file, u"--check-config"_s});
        QCOMPARE(o.exitCode, exitCode);
        const QString all = o.out + o.err;
        for (const QString &m : mentions)
            QVERIFY2(all.contains(m), qPrintable(u"\"%1\" not in: %2"_s.arg(m, all)));
        QVERIFY(!all.contains(QString::fromLatin1(kKeyHex), Qt::CaseInsensitive));
        // Without --check-config a bad configuration is exit code 2.
        if (exitCode != 0) {
            const Outcome started = runWardend({u"--config"_s, file});
            QCOMPARE(started.exitCode, 2);
        }
    }

    void missingConfigGivenOnTheCommandLine()
    {
        const Outcome o = runWardend({u"--config"_s, u"/nonexistent/wardend.conf"_s});
        QCOMPARE(o.exitCode, 2);
        QVERIFY(o.err.contains(u"no such file"_s));
    }

    void classicModeEndToEnd()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        // The test plays a stock MySensors Ethernet gateway.
        QTcpServer gateway;
        QVERIFY(gateway.listen(QHostAddress::LocalHost, 0));
        const QString config = dir.filePath(u"wardend.conf"_s);
        QVERIFY(writeFile(dir.filePath(u"network.key"_s), kKeyHex));
        QVERIFY(writeFile(config, u"[engine]\nmode = classic\n"
                                  "[keys]\nnetwork_key_file = network.key\n"
                                  "[link/ethernet]\ntype = tcp\nhost = 127.0.0.1\nport = %1\n"
                                  "[controller]\nlisten = 127.0.0.1:0\n"
                                  "[api]\nlisten = 127.0.0.1:0\n"_s.arg(gateway.serverPort())
                                          .toUtf8()));
        Wardend wardend;
        QVERIFY(wardend.start(config));
        const quint16 controllerPort = wardend.port(u"controller endpoint"_s);
        QVERIFY2(controllerPort != 0, wardend.log.constData());
        const quint16 apiPort = wardend.port(u"JSON API"_s);
        QVERIFY(apiPort != 0);

        // wardend's TCP link connects to the gateway, which greets it as a stock one does.
        QVERIFY(QTest::qWaitFor([&] { return gateway.hasPendingConnections(); }, kTimeoutMs));
        std::unique_ptr<QTcpSocket> link(gateway.nextPendingConnection());
        Lines fromWarden(link.get());
        link->write("0;255;3;0;14;Gateway startup complete.\n0;255;0;0;18;2.3.2\n");

        // A controller connects to the endpoint and gets a gateway's start-up lines.
        QTcpSocket controller;
        Lines toController(&controller);
        controller.connectToHost(QHostAddress::LocalHost, controllerPort);
        auto any = [](const QByteArray &) { return true; };
        QCOMPARE(toController.next(any), QByteArray("0;255;3;0;14;Gateway startup complete."));
        QCOMPARE(toController.next(any), QByteArray("0;255;0;0;18;2.3.2"));

        // A node's reading through the gateway reaches the controller.
        link->write("5;1;1;0;0;21.5\n");
        QCOMPARE(toController.next([](const QByteArray &l) { return !l.startsWith("0;"); }),
                 QByteArray("5;1;1;0;0;21.5"));
        // The controller's command reaches the gateway, as the gateway's controller sends it.
        controller.write("5;1;1;0;2;1\n");
        QCOMPARE(fromWarden.next([](const QByteArray &l) { return l.startsWith("5;"); }),
                 QByteArray("5;1;1;0;2;1"));

        // The JSON API of the same daemon.
        QWebSocket api;
        QList<QJsonObject> responses;
        QObject::connect(&api, &QWebSocket::textMessageReceived, [&](const QString &text) {
            responses.append(QJsonDocument::fromJson(text.toUtf8()).object());
        });
        api.open(QUrl(u"ws://127.0.0.1:%1"_s.arg(apiPort)));
        QVERIFY(QTest::qWaitFor([&] { return api.state() == QAbstractSocket::ConnectedState; },
                                kTimeoutMs));
        api.sendTextMessage(u"{\"id\": 1, \"method\": \"statistics\"}"_s);
        QVERIFY(QTest::qWaitFor([&] { return !responses.isEmpty(); }, kTimeoutMs));
        const QJsonObject stats = responses.at(0).value(u"result").toObject();
        QCOMPARE(stats.value(u"engine").toObject().value(u"mode").toString(), u"classic"_s);
        const QJsonObject ethernet = stats.value(u"links").toObject().value(u"ethernet").toObject();
        QCOMPARE(ethernet.value(u"state").toString(), u"connected"_s);
        QVERIFY(ethernet.value(u"unitsIn").toInteger() >= 3);
        QCOMPARE(stats.value(u"controller").toObject().value(u"clients").toInt(), 1);
        QCOMPARE(stats.value(u"controller").toObject().value(u"sent").toInteger(), 1);

        QVERIFY2(wardend.stop(SIGTERM), wardend.log.constData());
        QVERIFY(wardend.log.contains("SIGTERM received"));
        // The key is never printed, in any case; its fingerprint is.
        QVERIFY(!wardend.log.toLower().contains(kKeyHex));
        QVERIFY(wardend.log.contains(keyFingerprint().toLatin1()));
    }

    void tokenOnTheEndpointAndSigint()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString config = dir.filePath(u"wardend.conf"_s);
        QVERIFY(writeFile(config, "[engine]\nmode = host-gateway\n"
                                  "[controller]\nlisten = 127.0.0.1:0\ntoken = Tk-31415\n"
                                  "[api]\nenabled = false\n"));
        Wardend wardend;
        QVERIFY(wardend.start(config));
        const quint16 port = wardend.port(u"controller endpoint"_s);
        QVERIFY2(port != 0, wardend.log.constData());

        QTcpSocket wrong;
        wrong.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(wrong.waitForConnected(kTimeoutMs));
        wrong.write("warden-auth Tk-27182\n");
        QVERIFY(QTest::qWaitFor([&] { return wrong.state() == QAbstractSocket::UnconnectedState; },
                                kTimeoutMs));
        QVERIFY(wrong.readAll().isEmpty());

        QTcpSocket right;
        Lines lines(&right);
        right.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(right.waitForConnected(kTimeoutMs));
        right.write("warden-auth Tk-31415\n");
        QCOMPARE(lines.next([](const QByteArray &) { return true; }),
                 QByteArray("0;255;3;0;14;Gateway startup complete."));

        QVERIFY2(wardend.stop(SIGINT), wardend.log.constData());
        QVERIFY(wardend.log.contains("wrong token"));
        QVERIFY(!wardend.log.contains("Tk-31415"));
        QVERIFY(!wardend.log.contains("Tk-27182"));
    }

    void aListenerThatCannotStart()
    {
        QTcpServer occupier;
        QVERIFY(occupier.listen(QHostAddress::LocalHost, 0));
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString config = dir.filePath(u"wardend.conf"_s);
        QVERIFY(writeFile(config, u"[controller]\nlisten = 127.0.0.1:%1\n[api]\nenabled = false\n"_s
                                          .arg(occupier.serverPort())
                                          .toUtf8()));
        const Outcome o = runWardend({u"--config"_s, config});
        QCOMPARE(o.exitCode, 3);
        QVERIFY2(o.err.contains(u"cannot listen"_s), qPrintable(o.err));
    }

    void simulatedNetworkWithoutLinks()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString config = dir.filePath(u"wardend.conf"_s);
        QVERIFY(writeFile(config, simulatedConfig(u"inventory.sqlite"_s)));
        QList<int> firstSession;
        {
            Wardend wardend;
            QVERIFY(wardend.start(config));
            const quint16 controllerPort = wardend.port(u"controller endpoint"_s);
            QVERIFY2(controllerPort != 0, wardend.log.constData());
            const quint16 apiPort = wardend.port(u"JSON API"_s);
            QVERIFY(apiPort != 0);
            QVERIFY(wardend.log.contains("no link configured: starting on the simulated network"));
            // The session key is made for the session; its fingerprint is logged.
            QVERIFY2(QRegularExpression(u"session network key [0-9a-f]{4}(-[0-9a-f]{4}){3}"_s)
                             .match(QString::fromUtf8(wardend.log))
                             .hasMatch(),
                     wardend.log.constData());

            // A controller sees the nodes' verified values, as from a stock gateway...
            QTcpSocket controller;
            Lines lines(&controller);
            controller.connectToHost(QHostAddress::LocalHost, controllerPort);
            QVERIFY(controller.waitForConnected(kTimeoutMs));
            const QByteArray value = lines.next([](const QByteArray &l) {
                const QList<QByteArray> f = l.split(';');
                return f.size() == 6 && f.at(0) != "0" && f.at(2) == "1"; // C_SET from a node
            });
            QVERIFY2(!value.isEmpty(), wardend.log.right(3000).constData());
            // ... and asks that node to present itself again (I_PRESENTATION): the request is
            // signed towards the node, which presents its children (C_PRESENTATION).
            const QByteArray node = value.split(';').at(0);
            controller.write(node + ";255;3;0;19;\n");
            const QByteArray presentation = lines.next([&](const QByteArray &l) {
                return l.startsWith(node + ';') && l.split(';').value(2) == "0";
            });
            QVERIFY2(!presentation.isEmpty(), wardend.log.right(3000).constData());

            // The JSON API lists the simulated nodes from the inventory, with verdict counters.
            Api api;
            QVERIFY(api.open(apiPort));
            QVERIFY(QTest::qWaitFor([&] { return api.verifiedNodes().size() >= 5; }, kTimeoutMs));
            firstSession = api.verifiedNodes();
            const QJsonObject one
                    = api.call(u"node"_s, {{u"node"_s, firstSession.at(0)}}).toObject();
            QVERIFY(!one.value(u"children").toArray().isEmpty());
            QVERIFY(!one.value(u"sketchName").toString().isEmpty());

            QVERIFY2(wardend.stop(SIGTERM), wardend.log.constData());
            QVERIFY(wardend.log.contains("inventory flushed"));
            // Live lines: verified frames, one per line.
            QVERIFY(wardend.log.contains("verified - "));
            // No key in the log: no run of 64 hex digits (the session key's length).
            QVERIFY(!QRegularExpression(u"[0-9a-fA-F]{64}"_s)
                             .match(QString::fromUtf8(wardend.log))
                             .hasMatch());
        }
        // A restart finds the nodes of the first session in the inventory.
        Wardend again;
        QVERIFY(again.start(config, {u"--exit-after"_s, u"20"_s}));
        const quint16 apiPort = again.port(u"JSON API"_s);
        QVERIFY2(apiPort != 0, again.log.constData());
        QVERIFY(again.log.contains(u"%1 node(s) known"_s.arg(firstSession.size()).toUtf8()));
        Api api;
        QVERIFY(api.open(apiPort));
        const QList<int> known = api.verifiedNodes();
        for (const int id : std::as_const(firstSession))
            QVERIFY2(known.contains(id), qPrintable(u"node %1 forgotten"_s.arg(id)));
        // The session's nodes boot with the ids they had (1..5), so a second session shows the
        // same nodes again instead of five new ones.
        QCOMPARE(firstSession, (QList<int> {1, 2, 3, 4, 5}));
        QVERIFY2(QTest::qWaitFor([&] { return again.log.count("verified - ") >= 10; }, kTimeoutMs),
                 again.log.right(3000).constData());
        const QString secondLog = QString::fromUtf8(again.log);
        QVERIFY2(!secondLog.contains(u"assigned"_s), qPrintable(secondLog.right(3000)));
        auto senders = QRegularExpression(u"verified - (\\d+)->"_s).globalMatch(secondLog);
        while (senders.hasNext()) {
            const int sender = senders.next().captured(1).toInt();
            QVERIFY2(sender >= 1 && sender <= 5, qPrintable(u"sender %1"_s.arg(sender)));
        }
        QCOMPARE(api.call(u"nodes"_s).toObject().value(u"nodes").toArray().size(), 5);
        QVERIFY2(again.stop(SIGTERM), again.log.constData());
    }

    void secondWardendOnTheSameInventory()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString config = dir.filePath(u"wardend.conf"_s);
        QVERIFY(writeFile(config, simulatedConfig(u"inventory.sqlite"_s)));
        Wardend first;
        QVERIFY(first.start(config));
        QVERIFY2(first.waitLog("running with"), first.log.constData());
        const Outcome second = runWardend({u"--config"_s, config});
        QCOMPARE(second.exitCode, 3);
        const QString expected = u"cannot open the inventory '%1': it is open for writing in "
                                 "process %2"_s.arg(dir.filePath(u"inventory.sqlite"_s))
                                         .arg(first.process.processId());
        QVERIFY2(second.err.contains(expected), qPrintable(second.err));
        QVERIFY(second.err.contains(u"[inventory] database"_s));
        // The first one is not disturbed.
        QCOMPARE(first.process.state(), QProcess::Running);
        QVERIFY2(first.stop(SIGTERM), first.log.constData());
    }

    void badInventoryPath_data()
    {
        QTest::addColumn<QString>("database");
        QTest::addColumn<QString>("mention");
        QTest::newRow("no such folder") << u"missing/inventory.sqlite"_s << u"does not exist"_s;
        QTest::newRow("a folder") << u"."_s << u"is a folder"_s;
        QTest::newRow("not an inventory") << u"wardend.conf"_s << u"wardend.conf"_s;
    }

    void badInventoryPath()
    {
        QFETCH(QString, database);
        QFETCH(QString, mention);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString config = dir.filePath(u"wardend.conf"_s);
        QVERIFY(writeFile(config, simulatedConfig(database)));
        const QByteArray before = [&] {
            QFile f(config);
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
        }();
        const Outcome o = runWardend({u"--config"_s, config});
        QVERIFY2(o.exitCode == 2 || o.exitCode == 3, qPrintable(o.err));
        QVERIFY2(o.err.contains(u"[inventory] database"_s), qPrintable(o.err));
        QVERIFY2(o.err.contains(mention), qPrintable(o.err));
        QVERIFY2(o.err.contains(QFileInfo(dir.filePath(database)).fileName()), qPrintable(o.err));
        // Nothing listens, nothing is written over.
        QVERIFY(!o.err.contains(u"listening"_s));
        QFile f(config);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), before);
    }

    void simulatedForcedAndExitAfter()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QTcpServer gateway; // must not be connected to: --simulated leaves the links closed
        QVERIFY(gateway.listen(QHostAddress::LocalHost, 0));
        const QString config = dir.filePath(u"wardend.conf"_s);
        QVERIFY(writeFile(config, simulatedConfig(u"inventory.sqlite"_s)
                                          + u"[link/ethernet]\ntype = tcp\nport = %1\n"_s
                                                    .arg(gateway.serverPort())
                                                    .toUtf8()));
        const Outcome check
                = runWardend({u"--config"_s, config, u"--check-config"_s, u"--simulated"_s});
        QCOMPARE(check.exitCode, 0);
        QVERIFY2(check.out.contains(u"not opened: --simulated"_s), qPrintable(check.out));
        QVERIFY(check.out.contains(u"inventory.sqlite"_s));
        const Outcome run
                = runWardend({u"--config"_s, config, u"--simulated"_s, u"--exit-after"_s, u"2"_s});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.err.contains(u"--simulated: starting on the simulated network"_s),
                 qPrintable(run.err));
        QVERIFY(run.err.contains(u"--exit-after 2 s: shutting down"_s));
        QVERIFY(!gateway.hasPendingConnections());
        QCOMPARE(runWardend({u"--config"_s, config, u"--exit-after"_s, u"soon"_s}).exitCode, 2);
    }

    void metricInTheConfiguration()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString config = dir.filePath(u"wardend.conf"_s);
        QVERIFY(writeFile(config,
                          simulatedConfig(u"inventory.sqlite"_s) + "[engine]\nmetric = false\n"));
        const Outcome run = runWardend({u"--config"_s, config, u"--exit-after"_s, u"1"_s});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.err.contains(u"imperial units"_s), qPrintable(run.err));
        QVERIFY(writeFile(config, "[engine]\nmetric = metres\n"));
        const Outcome bad = runWardend({u"--config"_s, config, u"--check-config"_s});
        QCOMPARE(bad.exitCode, 1);
        QVERIFY(bad.err.contains(u"[engine] metric"_s));
    }

private:
    QTemporaryDir m_home;
};

QTEST_GUILESS_MAIN(tst_Wardend)
#include "tst_wardend.moc"
