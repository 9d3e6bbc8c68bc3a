// The real wardend binary with a real sealed key store ([keys] store): the passphrase from a
// file (mode checked), WARDEN_PASSPHRASE and the systemd credential; strict [keys] errors; a
// wrong passphrase is exit code 3 and never printed. Over the JSON API on the simulated
// network: "revoke" runs the full revocation (report, the node's frames refused from then on),
// a rotation started from its plan completes with "rotation" events, and a restart over the
// same files restores the engine (new epoch, the revocation). The kills during a rotation are
// tst_wardendkill.
#include "wardendsecurity.h"

#include <QtCore/QDir>
#include <QtCore/QTemporaryDir>

using namespace Qt::StringLiterals;
using namespace WardenTest;

class tst_WardendSecurity : public QObject
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

    void keysConfig_data()
    {
        QTest::addColumn<QString>("keys");
        QTest::addColumn<bool>("readableFile");
        QTest::addColumn<bool>("withStore");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QStringList>("mentions");
        QTest::newRow("good") << u"passphrase_file = passphrase\n"_s << false << true << 0
                              << QStringList {u"key store:"_s, u"passphrase: auto"_s};
        QTest::newRow("passphrase file readable by others")
                << u"passphrase = file\npassphrase_file = passphrase\n"_s << true << true << 1
                << QStringList {u"[keys] passphrase_file"_s, u"/passphrase"_s, u"chmod 600"_s};
        QTest::newRow("store and network key file")
                << u"passphrase_file = passphrase\nnetwork_key_file = network.key\n"_s << false
                << true << 1
                << QStringList {u"[keys] network_key_file"_s, u"not with a key store"_s};
        QTest::newRow("the passphrase itself as the source")
                << u"passphrase = hunter2-secret\n"_s << false << true << 1
                << QStringList {u"[keys] passphrase"_s, u"not one of auto"_s};
        QTest::newRow("file without passphrase_file")
                << u"passphrase = file\n"_s << false << true << 1
                << QStringList {u"[keys] passphrase"_s, u"passphrase_file"_s};
        QTest::newRow("passphrase_file read by no source")
                << u"passphrase = env\npassphrase_file = passphrase\n"_s << false << true << 1
                << QStringList {u"[keys] passphrase_file"_s, u"env"_s};
        QTest::newRow("no store file") << u"passphrase_file = passphrase\n"_s << false << false << 1
                                       << QStringList {u"[keys] store"_s, u"keys.wks"_s};
        QTest::newRow("unknown key") << u"pasphrase = file\n"_s << false << true << 1
                                     << QStringList {u"[keys] pasphrase"_s, u"known: store"_s};
    }

    void keysConfig()
    {
        QFETCH(QString, keys);
        QFETCH(bool, readableFile);
        QFETCH(bool, withStore);
        QFETCH(int, exitCode);
        QFETCH(QStringList, mentions);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString config = dir.filePath(u"wardend.conf"_s);
        QVERIFY(writeFile(config, securityConfig(keys)));
        QVERIFY(writeFile(dir.filePath(u"passphrase"_s), kPassphrase.toUtf8(),
                          readableFile ? QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup
                                                 | QFile::ReadOther
                                       : QFile::ReadOwner | QFile::WriteOwner));
        QVERIFY(writeFile(dir.filePath(u"network.key"_s), kStoreKeyHex + '\n'));
        if (withStore)
            QVERIFY(makeStore(dir.filePath(u"keys.wks"_s)));
        const Outcome o = runWardend({u"--config"_s, config, u"--check-config"_s});
        const QString all = o.out + o.err;
        QVERIFY2(o.exitCode == exitCode, qPrintable(all));
        for (const QString &m : mentions)
            QVERIFY2(all.contains(m), qPrintable(u"\"%1\" not in: %2"_s.arg(m, all)));
        QVERIFY(!all.contains(u"hunter2"_s));
        QVERIFY(clean(all.toUtf8()));
        if (exitCode != 0 && withStore) {
            // Started for real, the same configuration is exit code 2.
            const Outcome started = runWardend({u"--config"_s, config});
            QVERIFY2(started.exitCode == 2, qPrintable(started.err));
        }
    }

    void passphraseSources()
    {
        Site site;
        QVERIFY(site.ok);
        // A wrong passphrase: exit code 3, said plainly, never printed.
        QVERIFY(writeFile(site.dir.filePath(u"passphrase"_s), "not the passphrase 91c2\n"));
        const Outcome wrong = runWardend({u"--config"_s, site.config});
        QCOMPARE(wrong.exitCode, 3);
        QVERIFY2(wrong.err.contains(u"wrong passphrase (from the file "_s), qPrintable(wrong.err));
        QVERIFY(!wrong.err.contains(u"91c2"_s));

        // WARDEN_PASSPHRASE, and the systemd credential (which wins over the others).
        QVERIFY(writeFile(site.config, securityConfig(u"passphrase = env\n"_s)));
        {
            Wardend wardend;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(u"WARDEN_PASSPHRASE"_s, kPassphrase);
            wardend.process.setProcessEnvironment(env);
            QVERIFY(wardend.start(site.config));
            QVERIFY2(wardend.waitLog("passphrase from WARDEN_PASSPHRASE"), wardend.log.constData());
            QVERIFY2(wardend.waitLog("security state restored: epoch 1 active"),
                     wardend.log.constData());
            QVERIFY(wardend.stop(SIGTERM));
            QVERIFY(clean(wardend.log));
        }
        QVERIFY(writeFile(site.config, securityConfig(u""_s)));
        QDir(site.dir.path()).mkdir(u"credentials"_s);
        QVERIFY(writeFile(site.dir.filePath(u"credentials/warden-passphrase"_s),
                          kPassphrase.toUtf8(), QFile::ReadOwner));
        {
            Wardend wardend;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(u"CREDENTIALS_DIRECTORY"_s, site.dir.filePath(u"credentials"_s));
            env.insert(u"WARDEN_PASSPHRASE"_s, u"a wrong one that must not be used"_s);
            wardend.process.setProcessEnvironment(env);
            QVERIFY(wardend.start(site.config));
            QVERIFY2(wardend.waitLog("passphrase from the systemd credential warden-passphrase"),
                     wardend.log.constData());
            QVERIFY(wardend.stop(SIGTERM));
            QVERIFY(clean(wardend.log));
        }
    }

    void revokeAndRotateOverTheApi()
    {
        Site site;
        QVERIFY(site.ok);
        {
            Wardend wardend;
            Api api;
            QVERIFY2(startWithApi(wardend, api, site.config), wardend.log.constData());
            QVERIFY2(wardend.log.contains("the key store's active network key"),
                     wardend.log.constData());
            QVERIFY2(QTest::qWaitFor([&] { return api.verifiedNodes().size() >= 5; }, 20000),
                     wardend.log.right(3000).constData());
            QVERIFY(api.call(u"traffic.subscribe"_s).toObject().value(u"traffic").toBool());

            // Hostile params are refused by name, and nothing happens.
            api.call(u"revoke"_s, {{u"node"_s, 3}, {u"reason"_s, u""_s}});
            QCOMPARE(api.lastErrorCode(), u"invalid-params"_s);
            api.call(u"revoke"_s, {{u"node"_s, 200}, {u"reason"_s, u"lost"_s}});
            QCOMPARE(api.lastErrorCode(), u"not-found"_s);
            api.call(u"rotation.start"_s, {{u"fromRevocation"_s, 3}});
            QCOMPARE(api.lastErrorCode(), u"not-found"_s);

            const QJsonObject report
                    = api.call(u"revoke"_s, {{u"node"_s, 3}, {u"reason"_s, u"stolen"_s}})
                              .toObject();
            QVERIFY2(api.lastErrorCode().isEmpty(),
                     QJsonDocument(api.lastError).toJson().constData());
            QCOMPARE(report.value(u"node"_s).toInt(), 3);
            QVERIFY(report.value(u"blocked"_s).toBool());
            QVERIFY(report.value(u"quarantined"_s).toBool());
            QVERIFY(report.value(u"auditId"_s).toInteger() > 0);
            const QJsonObject plan = report.value(u"rotation"_s).toObject();
            QVERIFY(plan.value(u"needed"_s).toBool());
            QCOMPARE(plan.value(u"burntEpoch"_s).toInt(), 1);
            QCOMPARE(plan.value(u"usb"_s).toArray().size(), 4); // no node has a management key
            QVERIFY(!report.value(u"exposure"_s).toArray().isEmpty());
            QVERIFY(clean(QJsonDocument(report).toJson()));
            // Revoking again is refused; the node's frames are refused from now on.
            api.call(u"revoke"_s, {{u"node"_s, 3}, {u"reason"_s, u"stolen"_s}});
            QVERIFY2(api.lastErrorCode() == u"refused"_s,
                     QJsonDocument(api.lastError).toJson().constData());
            const QJsonObject refused = api.waitEvent(
                    u"traffic"_s,
                    [](const QJsonObject &t) {
                        return t.value(u"message").toObject().value(u"sender").toInt() == 3
                               && t.value(u"verdict").toString() == u"revoked-sender";
                    },
                    15000);
            QVERIFY2(!refused.isEmpty(), wardend.log.right(3000).constData());

            // The rotation the revocation asked for, over the API, to its end.
            const QJsonObject started
                    = api.call(u"rotation.start"_s, {{u"fromRevocation"_s, 3}}).toObject();
            QVERIFY2(api.lastErrorCode().isEmpty(),
                     QJsonDocument(api.lastError).toJson().constData());
            QVERIFY(started.value(u"rotation"_s).toInteger() > 0);
            api.call(u"rotation.start"_s, {{u"oldEpoch"_s, 1}});
            QCOMPARE(api.lastErrorCode(), u"refused"_s); // one at a time
            QVERIFY(!api.waitEvent(u"rotation"_s, [](const QJsonObject &e) {
                            return e.value(u"step"_s).toString() == u"activating"_s;
                        }).isEmpty());
            api.call(u"rotation.usbDone"_s, {{u"node"_s, 3}});
            QCOMPARE(api.lastErrorCode(), u"invalid-params"_s); // not part of the rotation
            QCOMPARE(markUsbSteps(api), (QList<int> {1, 2, 4, 5}));
            const QJsonObject finished = api.waitEvent(u"rotation"_s, [](const QJsonObject &e) {
                return e.value(u"kind"_s).toString() == u"finished"_s;
            });
            QCOMPARE(finished.value(u"step"_s).toString(), u"completed"_s);
            QCOMPARE(finished.value(u"report"_s).toObject().value(u"activated"_s).toInt(), 4);
            QVERIFY(!api.waitEvent(u"rotation"_s, [](const QJsonObject &e) {
                            return e.value(u"kind"_s).toString() == u"node"_s;
                        }).isEmpty());
            // The jobs of the revocation and the rotation (none: no node takes jobs here).
            const QJsonObject jobs = api.call(u"jobs"_s).toObject();
            QVERIFY(api.lastErrorCode().isEmpty());
            QVERIFY(jobs.value(u"jobs"_s).isArray());
            api.call(u"push"_s,
                     {{u"nodes"_s, QJsonArray {1}},
                      {u"action"_s, QJsonObject {{u"op"_s, u"set-network-key"_s},
                                                 {u"epoch"_s, 2},
                                                 {u"key"_s, u"ab12-cd34-ef56-7890"_s}}}});
            QCOMPARE(api.lastErrorCode(), u"invalid-params"_s); // keys are never pushed
            QVERIFY(wardend.stop(SIGTERM));
            QVERIFY(clean(wardend.log));
        }
        QCOMPARE(epochState(site.store, 2), u"active"_s);
        QCOMPARE(epochState(site.store, 1), u"retired"_s);

        // A restart restores it all: the new epoch, the revocation; the simulated nodes get the
        // store's active key and verify again, node 3 stays refused.
        Wardend again;
        Api api;
        QVERIFY2(startWithApi(again, api, site.config), again.log.constData());
        QVERIFY2(again.waitLog("security state restored: epoch 2 active (retired 1)"),
                 again.log.constData());
        QVERIFY(again.log.contains("1 revoked"));
        QVERIFY(api.call(u"traffic.subscribe"_s).toObject().value(u"traffic").toBool());
        QVERIFY(!api.waitEvent(
                            u"traffic"_s,
                            [](const QJsonObject &t) {
                                return t.value(u"message").toObject().value(u"sender").toInt() == 3
                                       && t.value(u"verdict").toString() == u"revoked-sender";
                            },
                            15000)
                         .isEmpty());
        QVERIFY(!api.waitEvent(
                            u"traffic"_s,
                            [](const QJsonObject &t) {
                                return t.value(u"message").toObject().value(u"sender").toInt() == 4
                                       && t.value(u"verdict").toString() == u"verified";
                            },
                            15000)
                         .isEmpty());
        // Nothing to resume: a finished rotation is not loaded again.
        const QJsonObject status = api.call(u"rotation.status"_s).toObject();
        QCOMPARE(status.value(u"running"_s).toBool(true), false);
        QVERIFY(status.value(u"status"_s).isNull());
        QVERIFY(again.stop(SIGTERM));
        QVERIFY(clean(again.log));
    }

private:
    QTemporaryDir m_home;
};

QTEST_GUILESS_MAIN(tst_WardendSecurity)
#include "tst_wardendsecurity.moc"
