// wardend killed with SIGKILL in the middle of a key rotation and started again over the same
// files: the rotation resumes and completes. Over the air: Warden firmware nodes in a process of
// their own (nodesoverpty: a radio modem on a socat pty, wardend's serial link in modem
// framing), which outlive the wardend killed after each step's event (assessed, generated,
// delivering, activating, retiring); every node ends on the new epoch, verified by the restarted
// gateway. By USB: the simulated network inside wardend (its nodes have no management key, so
// each is a USB step marked done over the API), killed right after the start, between USB
// steps and after the last.
#include "rotationharness.h"
#include "serialpty.h"
#include "wardendsecurity.h"

#include <QtCore/QScopeGuard>
#include <QtCore/QTemporaryDir>

using namespace Qt::StringLiterals;
using namespace WardenTest;

class tst_WardendKill : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_home.isValid());
        qputenv("XDG_DATA_HOME", QFile::encodeName(m_home.filePath(u"data"_s)));
        qputenv("XDG_CONFIG_HOME", QFile::encodeName(m_home.filePath(u"config"_s)));
        qunsetenv("WARDEN_PASSPHRASE");
        qunsetenv("CREDENTIALS_DIRECTORY");
    }

    void killedDuringRotation_data()
    {
        QTest::addColumn<int>("usbBeforeKill");
        QTest::newRow("right after the start") << 0;
        QTest::newRow("activating, 2 of 5 nodes done") << 2;
        QTest::newRow("every node done") << 5;
    }

    void killedDuringRotation()
    {
        QFETCH(int, usbBeforeKill);
        Site site;
        QVERIFY(site.ok);
        QString killedAt;
        {
            Wardend wardend;
            Api api;
            QVERIFY2(startWithApi(wardend, api, site.config), wardend.log.constData());
            api.call(u"rotation.start"_s, {{u"oldEpoch"_s, 1},
                                           {u"usb"_s, QJsonArray {1, 2, 3, 4, 5}},
                                           {u"reason"_s, u"drill"_s}});
            QVERIFY2(api.lastErrorCode().isEmpty(),
                     QJsonDocument(api.lastError).toJson().constData());
            if (usbBeforeKill > 0) {
                QVERIFY(!api.waitEvent(u"rotation"_s, [](const QJsonObject &e) {
                                return e.value(u"step"_s).toString() == u"activating"_s;
                            }).isEmpty());
                for (int n = 1; n <= usbBeforeKill; ++n) {
                    api.call(u"rotation.usbDone"_s, {{u"node"_s, n}});
                    QVERIFY(api.lastErrorCode().isEmpty());
                }
            }
            killedAt = stepOf(api.call(u"rotation.status"_s));
            ::kill(pid_t(wardend.process.processId()), SIGKILL);
            QVERIFY(wardend.process.waitForFinished(kTimeoutMs));
            QCOMPARE(wardend.process.exitStatus(), QProcess::CrashExit);
            QVERIFY(clean(wardend.log));
        }
        qInfo().noquote() << u"killed at step %1 with %2 USB step(s) done"_s.arg(killedAt).arg(
                usbBeforeKill);
        Wardend again;
        Api api;
        QVERIFY2(startWithApi(again, api, site.config), again.log.constData());
        QVERIFY2(again.waitLog("security state restored"), again.log.constData());
        // The steps done before the kill are kept; the rest are done now.
        QVERIFY2(QTest::qWaitFor(
                         [&] {
                             const QString step = stepOf(api.call(u"rotation.status"_s));
                             if (step == u"completed"_s)
                                 return true;
                             if (step == u"activating"_s)
                                 markUsbSteps(api);
                             return false;
                         },
                         20000),
                 again.log.right(3000).constData());
        const QJsonObject status = api.call(u"rotation.status"_s).toObject();
        QCOMPARE(status.value(u"status"_s).toObject().value(u"activated"_s).toInt(), 5);
        QVERIFY(again.stop(SIGTERM));
        QCOMPARE(epochState(site.store, 2), u"active"_s);
        QCOMPARE(epochState(site.store, 1), u"retired"_s);
        QVERIFY(clean(again.log));
    }

    void killedOverTheAir_data()
    {
        QTest::addColumn<QString>("step");
        QTest::newRow("assessed") << u"assessed"_s;
        QTest::newRow("generated") << u"generated"_s;
        QTest::newRow("delivering") << u"delivering"_s;
        QTest::newRow("activating") << u"activating"_s;
        QTest::newRow("retiring") << u"retiring"_s;
    }

    void killedOverTheAir()
    {
        QFETCH(QString, step);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        Warden::Test::PtyPair pty(dir.path(), u"radio"_s);
        QVERIFY(pty.start());
        // The nodes, in their own process: 4 Warden nodes on a clean bus.
        QProcess nodes;
        QByteArray nodesOut;
        QObject::connect(&nodes, &QProcess::readyReadStandardOutput,
                         [&] { nodesOut += nodes.readAllStandardOutput(); });
        nodes.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        nodes.start(QStringLiteral(NODESOVERPTY_PATH),
                    {dir.path(), pty.gatewayPath, u"4"_s, u"0"_s});
        QVERIFY(nodes.waitForStarted(kTimeoutMs));
        QVERIFY(QTest::qWaitFor([&] { return nodesOut.contains("READY"); }, kTimeoutMs));
        auto cleanup = qScopeGuard([&] {
            nodes.kill();
            nodes.waitForFinished(kTimeoutMs);
        });
        // The key store with the nodes' keys and serials, as personalization left it.
        const QString store = dir.filePath(u"keys.wks"_s);
        QVERIFY(createTestStore(store, kOldKey, {1, 2, 3, 4}) != nullptr);
        QVERIFY(writeFile(dir.filePath(u"passphrase"_s), "integration test"));
        const QString config = dir.filePath(u"wardend.conf"_s);
        QVERIFY(writeFile(config,
                          u"[controller]\nenabled = false\n[api]\nlisten = 127.0.0.1:0\n"
                          "[inventory]\ndatabase = inventory.sqlite\n[keys]\nstore = keys.wks\n"
                          "passphrase_file = passphrase\n[link/radio]\ntype = serial\nport = %1\n"
                          "framing = modem\n"_s.arg(pty.linkPath)
                                  .toUtf8()));
        {
            Wardend wardend;
            Api api;
            QVERIFY2(startWithApi(wardend, api, config), wardend.log.constData());
            QVERIFY2(QTest::qWaitFor([&] { return api.verifiedNodes().size() >= 4; }, 30000),
                     wardend.log.right(3000).constData());
            api.call(u"rotation.start"_s,
                     {{u"oldEpoch"_s, 1}, {u"overTheAir"_s, QJsonArray {1, 2, 3, 4}}});
            QVERIFY2(api.lastErrorCode().isEmpty(),
                     QJsonDocument(api.lastError).toJson().constData());
            const QJsonObject reached = api.waitEvent(
                    u"rotation"_s,
                    [&](const QJsonObject &e) { return e.value(u"step"_s).toString() == step; },
                    30000);
            if (reached.isEmpty()) {
                QFile dump(dir.filePath(u"wardend.log"_s));
                if (dump.open(QIODevice::WriteOnly))
                    dump.write(wardend.log);
                dir.setAutoRemove(false);
            }
            QVERIFY2(!reached.isEmpty(), qPrintable(dir.filePath(u"wardend.log"_s)));
            ::kill(pid_t(wardend.process.processId()), SIGKILL);
            QVERIFY(wardend.process.waitForFinished(kTimeoutMs));
            QVERIFY(clean(wardend.log));
        }
        QTest::qWait(300); // the nodes run on without a gateway
        Wardend again;
        Api api;
        QVERIFY2(startWithApi(again, api, config), again.log.constData());
        QVERIFY2(again.waitLog("rotation resumed"), again.log.constData());
        const auto resumedAt = QRegularExpression(u"resumed at step ([a-z]+)"_s)
                                       .match(QString::fromUtf8(again.log));
        qInfo().noquote() << u"killed after the %1 event; resumed at step %2"_s.arg(
                step, resumedAt.captured(1));
        QVERIFY2(QTest::qWaitFor(
                         [&] { return stepOf(api.call(u"rotation.status"_s)) == u"completed"_s; },
                         40000),
                 again.log.right(4000).constData());
        QCOMPARE(api.call(u"rotation.status"_s)
                         .toObject()
                         .value(u"status"_s)
                         .toObject()
                         .value(u"activated"_s)
                         .toInt(),
                 4);
        // Every node holds epoch 2 in its EEPROM, and the gateway verifies it under that key.
        QVERIFY2(QTest::qWaitFor(
                         [&] {
                             for (int id = 1; id <= 4; ++id) {
                                 if (!nodesOut.contains(u"EPOCH %1 2\n"_s.arg(id).toUtf8()))
                                     return false;
                             }
                             return true;
                         },
                         kTimeoutMs),
                 nodesOut.constData());
        QVERIFY(api.call(u"traffic.subscribe"_s).toObject().value(u"traffic").toBool());
        for (int id = 1; id <= 4; ++id)
            QVERIFY(!api.waitEvent(
                                u"traffic"_s,
                                [id](const QJsonObject &t) {
                                    return t.value(u"message").toObject().value(u"sender").toInt()
                                                   == id
                                           && t.value(u"verdict").toString() == u"verified";
                                },
                                15000)
                             .isEmpty());
        QVERIFY(again.stop(SIGTERM));
        QVERIFY(clean(again.log));
    }

private:
    QTemporaryDir m_home;
};

QTEST_GUILESS_MAIN(tst_WardendKill)
#include "tst_wardendkill.moc"
