// The simulated link's personalization API (plugins/simulated): nodes given a management key
// (managementKeysHex) run the management channel, the link tells their serials and the
// gateway's (serialsHex(), gatewaySerialHex(), reachable through the meta-object system as
// the console reaches them), and a gateway that holds the same keys and serials pushes a
// whitelist to them over the air with an authenticated acknowledgement: real host-build
// firmware nodes, a real engine, job runner, key store and SQLite inventory, on the
// simulated clock (timeScale 0). Bad keys are refused naming the setting, never quoting it.
#include "simulatedlink.h"

#include <warden/engine.h>
#include <warden/inventory.h>
#include <warden/jobs.h>
#include <warden/keystore.h>
#include <warden/linkplugin.h>
#include <warden/rotation.h>

#include <QtCore/QTemporaryDir>
#include <QtCore/QtPlugin>
#include <QtTest/QTest>

Q_IMPORT_PLUGIN(SimulatedLinkFactory)

using namespace Warden;
using namespace Qt::StringLiterals;
using Warden::Internal::SimulatedLink;

namespace {

QString keyHex(int first)
{
    QByteArray key(32, 0);
    for (int i = 0; i < 32; ++i)
        key[i] = char(first + i);
    return QString::fromLatin1(key.toHex());
}

/// Nodes 1..3; the first two personalized with management keys, the third without.
QVariantMap settings()
{
    return {{u"nodes"_s, 3},
            {u"seed"_s, 5},
            {u"timeScale"_s, 0},
            {u"reportIntervalMs"_s, 0},
            {u"firstNodeId"_s, 1},
            {u"managementKeysHex"_s, QStringList {keyHex(0x10), keyHex(0x50)}}};
}

std::unique_ptr<SimulatedLink> makeLink(const QVariantMap &s)
{
    LinkRegistry registry;
    registry.loadStaticPlugins();
    auto created = registry.create({u"simulated"_s, u"sim"_s, s});
    if (!created)
        qFatal("simulated link not created: %s", qPrintable(created.error().message()));
    return std::unique_ptr<SimulatedLink>(qobject_cast<SimulatedLink *>(created->release()));
}

QByteArray bytesOf(const SecretBytes &key)
{
    return QByteArray(reinterpret_cast<const char *>(key.data()), qsizetype(key.size()));
}

Serial toSerial(const QString &hex)
{
    const QByteArray bytes = QByteArray::fromHex(hex.toLatin1());
    Serial s {};
    std::copy(bytes.cbegin(), bytes.cend(), s.begin());
    return s;
}

} // namespace

class tst_SimulatedManagement : public QObject
{
    Q_OBJECT

private slots:
    void nodesAndSerials();
    void badManagementKeys_data();
    void badManagementKeys();
    void whitelistPushOverTheAir();
    void givenLinkKeys();
};

void tst_SimulatedManagement::nodesAndSerials()
{
    auto link = makeLink(settings());
    QVERIFY(link);
    const QList<Internal::SimulatedNodeInfo> nodes = link->nodes();
    QCOMPARE(nodes.size(), 3);
    QVERIFY(nodes.at(0).management);
    QVERIFY(nodes.at(1).management);
    QVERIFY(!nodes.at(2).management);

    // Through the meta-object system, as a caller that has only a Link* (the console).
    QStringList serials;
    QString gateway;
    QVERIFY(QMetaObject::invokeMethod(link.get(), "serialsHex", Qt::DirectConnection,
                                      Q_RETURN_ARG(QStringList, serials)));
    QVERIFY(QMetaObject::invokeMethod(link.get(), "gatewaySerialHex", Qt::DirectConnection,
                                      Q_RETURN_ARG(QString, gateway)));
    QCOMPARE(serials.size(), 3);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(serials.at(i), QString::fromLatin1(nodes.at(i).serial.toHex()));
    QCOMPARE(gateway, QString::fromLatin1(link->gatewaySerial().toHex()));
    QCOMPARE(gateway.size(), 18);

    // A stolen node's clone is not one of the network's serials.
    link->open();
    link->advance(1000); // booted (with their ids), no gateway needed for that
    QVERIFY(link->stealNode(1).has_value());
    QCOMPARE(link->serialsHex(), serials);
    QVERIFY(link->nodes().last().management); // the clone runs what the EEPROM says
}

void tst_SimulatedManagement::badManagementKeys_data()
{
    QTest::addColumn<QVariant>("keys");
    QTest::addColumn<QString>("says");
    QTest::newRow("short") << QVariant(QStringList {keyHex(1), u"00112233"_s}) << u"entry 2"_s;
    QTest::newRow("not hex") << QVariant(QStringList {u"zz"_s.repeated(32)}) << u"entry 1"_s;
    QTest::newRow("too many") << QVariant(QStringList {keyHex(1), keyHex(2), keyHex(3), keyHex(4)})
                              << u"4 keys for 3 nodes"_s;
    QTest::newRow("a number") << QVariant(42) << u"list"_s;
    QTest::newRow("a list of numbers") << QVariant(QVariantList {1, 2}) << u"hex text"_s;
}

void tst_SimulatedManagement::givenLinkKeys()
{
    // Per-node key mode: the nodes sign with the link keys given (the station's), the rest
    // with derived ones; given in network key mode they are refused, naming the setting.
    QVariantMap s = settings();
    s[u"keyMode"_s] = u"per-node"_s;
    s[u"linkKeysHex"_s] = QStringList {keyHex(0x20), keyHex(0x60)};
    auto link = makeLink(s);
    QVERIFY(link && link->perNodeKeys());
    QCOMPARE(bytesOf(link->node(0).linkKey).toHex(), keyHex(0x20).toLatin1());
    QCOMPARE(bytesOf(link->node(1).linkKey).toHex(), keyHex(0x60).toLatin1());
    QCOMPARE(link->node(2).linkKey.size(), size_t(32)); // derived
    QVERIFY(bytesOf(link->node(2).linkKey).toHex() != keyHex(0x20).toLatin1());

    s[u"keyMode"_s] = u"network"_s;
    const auto refused = SimulatedLink::parseSettings(u"sim"_s, s);
    QVERIFY(!refused);
    QVERIFY2(refused.error().message().contains(u"linkKeysHex"_s)
                     && !refused.error().message().contains(keyHex(0x20)),
             qPrintable(refused.error().message()));
    s[u"keyMode"_s] = u"per-node"_s;
    s[u"linkKeysHex"_s] = QStringList {keyHex(0x20), u"beef"_s};
    const auto bad = SimulatedLink::parseSettings(u"sim"_s, s);
    QVERIFY(!bad);
    QVERIFY2(bad.error().message().contains(u"linkKeysHex"_s)
                     && bad.error().message().contains(u"entry 2"_s),
             qPrintable(bad.error().message()));
}

void tst_SimulatedManagement::badManagementKeys()
{
    QFETCH(QVariant, keys);
    QFETCH(QString, says);
    QVariantMap s = settings();
    s[u"managementKeysHex"_s] = keys;
    const auto parsed = SimulatedLink::parseSettings(u"sim"_s, s);
    QVERIFY(!parsed);
    const QString message = parsed.error().message();
    QVERIFY2(message.contains(u"managementKeysHex"_s) && message.contains(says),
             qPrintable(message));
    QVERIFY2(!message.contains(keyHex(1)) && !message.contains(u"00112233"_s), qPrintable(message));
    // One comma-separated string works as a list does.
    s[u"managementKeysHex"_s] = keyHex(1) + u',' + keyHex(2);
    const auto fromText = SimulatedLink::parseSettings(u"sim"_s, s);
    QVERIFY(fromText);
    QCOMPARE(fromText->managementKeys.size(), 2);
}

void tst_SimulatedManagement::whitelistPushOverTheAir()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto link = makeLink(settings());

    // The gateway's side, as the console fills it: the same management keys and the serials
    // the link tells.
    KeyStoreParams cheap;
    cheap.memoryKiB = 64;
    cheap.iterations = 1;
    auto store = KeyStore::create(dir.filePath(u"keys.wks"_s),
                                  KeyStore::passphraseFromText(u"simulated"_s), cheap);
    QVERIFY(store);
    QVERIFY(store->setNetworkKey(1, link->networkKey(), NetworkKeyState::Active));
    store->setGatewaySerial(toSerial(link->gatewaySerialHex()));
    const QStringList serials = link->serialsHex();
    for (int i = 0; i < 2; ++i) {
        auto key = SecretBytes::fromHex(keyHex(i == 0 ? 0x10 : 0x50), 32);
        QVERIFY(key);
        QVERIFY(store->setManagementKey(quint8(i + 1), *key));
        QVERIFY(store->setSerial(quint8(i + 1), toSerial(serials.at(i))));
    }
    auto inventory = Inventory::open(dir.filePath(u"inventory.sqlite"_s));
    QVERIFY(inventory);

    EngineOptions options;
    options.mode = GatewayMode::HostGateway;
    options.requireSignatures = true;
    Engine engine(options);
    engine.setClock([l = link.get()] { return l->simulatedMillis(); });
    engine.setInventory(inventory->get());
    QVERIFY(engine.setNetworkKey(1, link->networkKey()));
    QVERIFY(engine.setGatewaySerial(link->gatewaySerial()));
    QVERIFY(engine.addLink(link.get()));
    JobRunnerOptions jobOptions;
    jobOptions.pollIntervalMs = 0;
    JobRunner runner(&engine, inventory->get(), KeyRotation::keySource(&*store), jobOptions);
    runner.setClock([l = link.get()] { return qint64(l->simulatedMillis()); });
    QVERIFY(runner.start());
    link->open();
    QVERIFY(link->advanceUntil(30000, [&] { return link->readyCount() == 3; }));

    const QList<WhitelistItem> list {{0, link->gatewaySerial()},
                                     {2, QByteArray::fromHex(serials.at(1).toLatin1())}};
    const auto job = runner.submit(1, ManagementAction::replaceWhitelist(list));
    QVERIFY2(job, job ? "" : qPrintable(job.error().message()));
    const auto stepped = [&](quint32 ms, const std::function<bool()> &until) {
        const quint32 end = link->simulatedMillis() + ms;
        while (link->simulatedMillis() < end) {
            if (until())
                return true;
            link->advance(10);
            engine.checkTimeouts();
            QCoreApplication::processEvents();
            runner.poll();
        }
        return until();
    };
    QVERIFY2(stepped(20000,
                     [&] {
                         const auto j = runner.job(*job);
                         return j && j->state == JobState::Done;
                     }),
             qPrintable(runner.job(*job) ? runner.job(*job)->lastError : u"no job"_s));

    // Node 3 has no management key: a push to it has nothing to authenticate with.
    const auto refused = runner.submit(3, ManagementAction::replaceWhitelist(list));
    QVERIFY(refused);
    QVERIFY(stepped(5000, [&] {
        const auto j = runner.job(*refused);
        return j && j->state == JobState::Failed;
    }));
    QVERIFY2(runner.job(*refused)->lastError.contains(u"management key"_s),
             qPrintable(runner.job(*refused)->lastError));
    engine.removeLink(link.get());
}

QTEST_GUILESS_MAIN(tst_SimulatedManagement)
#include "tst_simulatedmanagement.moc"
