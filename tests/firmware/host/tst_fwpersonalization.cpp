// The personalization session (firmware/docs/personalization.md): over a real pty pair from
// openpty(), a whole session that keys a blank node which then joins and verifies; every
// hostile line answered with a named error while the session goes on; INFO that shows
// fingerprints (core's SecretBytes format) and never a key byte; the boot window and the idle
// timeout; and power cut after every single EEPROM write of a session: after the reboot the node
// holds the old personalization or the new one, whole, and still verifies.
#include "simharness.h"

#include <eepromlayout.h>
#include <hostserial.h>
#include <securenode.h>
#include <version.h>

#include <warden/secretbytes.h>

#include "crypto/botansha256.h"

#include <QtTest/QtTest>

#include <cstring>

using namespace Warden::Firmware;
using namespace Warden::Firmware::Host;
using namespace Warden::Protocol;
using WardenTest::SimNode;
using WardenTest::TestGateway;

namespace {

const uint8_t kNewKey[32] = {0xC0, 0xFF, 0xEE, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                             0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x12, 0x13,
                             0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D};
const uint8_t kManagementKey[32]
        = {0x6D, 0x67, 0x6D, 0x74, 0x2D, 0x6B, 0x65, 0x79, 0x21, 0x22, 0x23,
           0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D, 0x2E,
           0x2F, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38};
const uint8_t kNodeSerial[9] = {0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x00, 0x11, 0x22};
const uint8_t kGatewaySerial[9] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x00};

QByteArray hexOf(const uint8_t *p, size_t n)
{
    return QByteArray(reinterpret_cast<const char *>(p), qsizetype(n)).toHex().toUpper();
}

QString fingerprint(const uint8_t key[32])
{
    return Warden::SecretBytes(key, 32).fingerprint();
}

/// The session script that personalizes a node for the tests.
QList<QByteArray> personalizationScript()
{
    return {
            "WARDEN PERSO 1",
            "SET NETKEY " + hexOf(kNewKey, 32) + " 7",
            "CLEAR LINKKEY",
            "SET SERIAL " + hexOf(kNodeSerial, 9),
            "SET MGMTKEY " + hexOf(kManagementKey, 32).toLower(),
            "WL ADD 0 " + hexOf(kGatewaySerial, 9),
            "WL ADD 5 " + hexOf(kNodeSerial, 9),
            "WL DEL 5",
            "SET REQUIRE SIGN WL",
            "COMMIT",
            "END",
    };
}

NodeConfig sessionConfig()
{
    NodeConfig config;
    config.personalizationWindowMs = 2000;
    return config;
}

/// A node with a serial port (memory or pty) and a gateway on a simulated bus.
class Bench
{
public:
    explicit Bench(const NodeConfig &nodeConfig = sessionConfig())
        : config(nodeConfig)
        , gwRadio(bus.connect(0))
        , gw(*gwRadio, Warden::Internal::botanSha256(), clock)
        , node(bus, clock, sha, config, 3)
    {
        node.withSerial = true;
    }

    void step()
    {
        gw.poll();
        node.poll();
    }

    /// Feeds @p line to the memory port and returns the answer lines up to OK/ERR.
    QStringList say(const QByteArray &line)
    {
        node.serial.feed(line.toStdString() + "\r\n");
        QStringList lines;
        for (int i = 0; i < 100; ++i) {
            clock.advance(1);
            step();
            for (const QString &l : QString::fromStdString(node.serial.takeOutput())
                                            .split(QStringLiteral("\r\n"), Qt::SkipEmptyParts))
                lines << l;
            if (!lines.isEmpty()
                && (lines.last().startsWith(u"OK") || lines.last().startsWith(u"ERR")))
                break;
        }
        transcript += lines;
        return lines;
    }

    bool join()
    {
        return WardenTest::run(
                clock, 20000, [this] { step(); }, [this] { return node.node().isReady(); });
    }

    ManualClock clock {500};
    SimBus bus {clock};
    PortableSha256 sha;
    NodeConfig config;
    std::unique_ptr<SimBusEndpoint> gwRadio;
    TestGateway gw;
    SimNode node;
    QStringList transcript;
};

bool noSecretIn(const QStringList &lines)
{
    const QString all = lines.join(u'\n');
    for (const uint8_t *key : {kNewKey, kManagementKey, WardenTest::kTestKey}) {
        const QByteArray hex = hexOf(key, 32);
        // No key, nor any 8 consecutive bytes of one, in either case.
        for (int i = 0; i + 16 <= hex.size(); i += 2) {
            const QString piece = QString::fromLatin1(hex.mid(i, 16));
            if (all.contains(piece, Qt::CaseInsensitive))
                return false;
        }
    }
    return true;
}

} // namespace

class tst_FwPersonalization : public QObject
{
    Q_OBJECT

private slots:
    void sessionOverRealPty();
    void hostileLines_data();
    void hostileLines();
    void listeningIgnoresNoise();
    void idleTimeoutDropsStage();
    void abortAndEnd();
    void whitelistCapacity();
    void legacyInfoAndUnlock();
    void nodeIdAndPolicyDefault();
    void powerCutDuringSession();
    void versionsAgree();
};

void tst_FwPersonalization::sessionOverRealPty()
{
    PtyPair pty;
    std::string error;
    QVERIFY2(pty.open(&error), error.c_str());
    auto nodePort = PosixSerialPort::open(pty.slaveName, &error);
    QVERIFY2(nodePort, error.c_str());
    PosixSerialPort tool(pty.master, false);

    ManualClock clock(100);
    SimBus bus(clock);
    PortableSha256 sha;
    auto gwRadio = bus.connect(0);
    TestGateway gw(*gwRadio, Warden::Internal::botanSha256(), clock);
    gw.setKey(kNewKey);
    gw.setSerial(kGatewaySerial);
    gw.setRequireWhitelisting(true);
    gw.whitelist(1, kNodeSerial);
    RamEeprom eeprom;
    SeededEntropy entropy(8);
    HostBoard board;
    auto radio = bus.connect(255);
    const NodeConfig config = sessionConfig();
    SecureNode node(Hal {eeprom, clock, entropy, *radio, nodePort.get(), board}, sha, config);
    node.begin();
    QCOMPARE(node.state(), NodeState::Personalization);

    QStringList transcript;
    std::string pending;
    auto exchange = [&](const QByteArray &line) {
        const std::string out = line.toStdString() + "\n";
        tool.write(reinterpret_cast<const uint8_t *>(out.data()), uint16_t(out.size()));
        QStringList lines;
        for (int i = 0; i < 2000; ++i) {
            clock.advance(1);
            node.poll();
            gw.poll();
            tool.waitReadable(1);
            int c;
            while ((c = tool.read()) >= 0)
                pending.push_back(char(c));
            size_t end;
            while ((end = pending.find("\r\n")) != std::string::npos) {
                lines << QString::fromStdString(pending.substr(0, end));
                pending.erase(0, end + 2);
            }
            if (!lines.isEmpty()
                && (lines.last().startsWith(u"OK") || lines.last().startsWith(u"ERR")))
                break;
        }
        transcript += lines;
        return lines;
    };

    QStringList hello = exchange("WARDEN PERSO 1");
    QCOMPARE(hello.last(), QStringLiteral("OK WARDEN PERSO 1"));
    QVERIFY(hello.contains(QStringLiteral("FIRMWARE " WARDEN_FIRMWARE_VERSION)));
    QVERIFY(hello.contains(QStringLiteral("PROTOCOL 2.3.2")));
    QVERIFY(hello.contains(QStringLiteral("SLOT A SEQ 1"))); // the boot counter's commit
    QVERIFY(hello.contains(QStringLiteral("SIGNING NONE")));
    QVERIFY(hello.contains(QStringLiteral("LINKKEY NONE")));
    QVERIFY(hello.contains(QStringLiteral("LEGACY-KEY NONE CHECKSUM BAD")));
    QVERIFY(hello.contains(QStringLiteral("NODEID AUTO")));
    QVERIFY(hello.contains(QStringLiteral("BOOTS 1")));

    const QList<QByteArray> script = personalizationScript();
    for (int i = 1; i < script.size() - 1; ++i) {
        const QStringList answer = exchange(script[i]);
        QVERIFY2(!answer.isEmpty() && answer.last().startsWith(u"OK"),
                 qPrintable(QStringLiteral("%1 -> %2").arg(i).arg(answer.join(u'|'))));
    }
    QVERIFY(transcript.contains(QStringLiteral("OK COMMITTED SEQ 2")));

    const QStringList info = exchange("INFO");
    QCOMPARE(info.last(), QStringLiteral("OK INFO"));
    QVERIFY(info.contains(QStringLiteral("SIGNING NETKEY")));
    QVERIFY(info.contains(QStringLiteral("NETKEY %1 EPOCH 7").arg(fingerprint(kNewKey))));
    QVERIFY(info.contains(QStringLiteral("LINKKEY NONE")));
    QVERIFY(info.contains(QStringLiteral("MGMTKEY %1 COUNTER 0").arg(fingerprint(kManagementKey))));
    QVERIFY(info.contains(QStringLiteral("SERIAL AABBCCDDEEFF001122 WARDEN")));
    QVERIFY(info.contains(QStringLiteral("REQUIRE SIGN WL")));
    QVERIFY(info.contains(QStringLiteral("WHITELIST 1 OF 16")));
    QVERIFY(info.contains(QStringLiteral("WL 0 0123456789ABCDEF00")));
    QVERIFY(info.contains(QStringLiteral("PENDING NONE EPOCH 0")));
    QVERIFY(info.contains(QStringLiteral("STAGED NO")));
    QVERIFY(info.contains(QStringLiteral("SLOT B SEQ 2")));
    // Fingerprints look like core's: four groups of four lower-case hex digits.
    QVERIFY(QRegularExpression(QStringLiteral("^[0-9a-f]{4}(-[0-9a-f]{4}){3}$"))
                    .match(fingerprint(kNewKey))
                    .hasMatch());

    QCOMPARE(exchange("END").last(), QStringLiteral("OK BYE"));
    QVERIFY(noSecretIn(transcript));

    // The node now joins with the new key and whitelist, and verifies the gateway.
    std::vector<Message> delivered;
    node.setReceiveHandler(
            [](void *v, const Message &m) { static_cast<std::vector<Message> *>(v)->push_back(m); },
            &delivered);
    QVERIFY(WardenTest::run(
            clock, 20000,
            [&] {
                node.poll();
                gw.poll();
            },
            [&] { return node.isReady(); }));
    QCOMPARE(node.keySource(), KeySource::Network);
    QCOMPARE(node.policy(),
             uint8_t(PolicyFlag::kRequireSignatures | PolicyFlag::kRequireWhitelisting));
    Message set;
    set.setHeader(0, node.nodeId(), Command::Set, uint8_t(Value::Status), 1);
    set.setByte(1);
    gw.send(set);
    QVERIFY(WardenTest::run(
            clock, 200,
            [&] {
                node.poll();
                gw.poll();
            },
            [&] { return !delivered.empty(); }));
    node.sendByte(1, uint8_t(Value::Status), 1);
    WardenTest::run(clock, 100, [&] {
        node.poll();
        gw.poll();
    });
    const auto fromNode = gw.find(node.nodeId(), Command::Set);
    QCOMPARE(fromNode.size(), size_t(1));
    QCOMPARE(fromNode[0].verdict, Verdict::Verified); // salted with the personalized serial
}

void tst_FwPersonalization::hostileLines_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QString>("expected");
    const QByteArray key = hexOf(kNewKey, 32);
    QTest::newRow("unknown command")
            << QByteArray("FLASH") << QStringLiteral("ERR unknown-command at position 1");
    QTest::newRow("lower case") << QByteArray("info")
                                << QStringLiteral("ERR unknown-command at position 1");
    QTest::newRow("bad hex") << QByteArray("SET LINKKEY 00zz" + key.mid(4))
                             << QStringLiteral("ERR bad-hex at position 15");
    QTest::newRow("short key") << QByteArray("SET LINKKEY 0011")
                               << QStringLiteral("ERR wrong-length at position 13: a key is 64");
    QTest::newRow("long key") << QByteArray("SET MGMTKEY " + key + "00")
                              << QStringLiteral("ERR wrong-length at position 13");
    QTest::newRow("short serial") << QByteArray(
            "SET SERIAL 1122") << QStringLiteral("ERR wrong-length at position 12: a serial is 18");
    QTest::newRow("missing key") << QByteArray("SET LINKKEY")
                                 << QStringLiteral("ERR missing-argument");
    QTest::newRow("missing setting") << QByteArray("SET") << QStringLiteral("ERR missing-argument");
    QTest::newRow("unknown setting")
            << QByteArray("SET COLOUR RED") << QStringLiteral("ERR unknown-setting at position 5");
    QTest::newRow("bad epoch") << QByteArray("SET NETKEY " + key + " 7x")
                               << QStringLiteral("ERR bad-number at position 78");
    QTest::newRow("huge epoch") << QByteArray("SET NETKEY " + key + " 65536")
                                << QStringLiteral("ERR out-of-range at position 77");
    QTest::newRow("epoch zero") << QByteArray("SET NETKEY " + key + " 0")
                                << QStringLiteral(
                                           "ERR out-of-range at position 77: epochs start at 1");
    QTest::newRow("network key without epoch")
            << QByteArray("SET NETKEY " + key) << QStringLiteral("ERR missing-argument");
    QTest::newRow("epoch on a link key") << QByteArray("SET LINKKEY " + key + " 3")
                                         << QStringLiteral("ERR extra-argument at position 78");
    QTest::newRow("clear what") << QByteArray("CLEAR EVERYTHING")
                                << QStringLiteral("ERR unknown-setting at position 7");
    QTest::newRow("pending without epoch")
            << QByteArray("SET PENDING " + key) << QStringLiteral("ERR missing-argument");
    QTest::newRow("node id 300") << QByteArray("WL ADD 300 112233445566778899")
                                 << QStringLiteral("ERR out-of-range at position 8");
    QTest::newRow("node id word") << QByteArray("WL ADD x 112233445566778899")
                                  << QStringLiteral("ERR bad-number at position 8");
    QTest::newRow("not listed") << QByteArray("WL DEL 77")
                                << QStringLiteral("ERR not-listed at position 8");
    QTest::newRow("wl verb") << QByteArray("WL PURGE")
                             << QStringLiteral("ERR unknown-setting at position 4");
    QTest::newRow("whitelisting alone")
            << QByteArray("SET REQUIRE WL") << QStringLiteral("ERR whitelisting-needs-signatures");
    QTest::newRow("unknown flag") << QByteArray("SET REQUIRE SIGN LOUD")
                                  << QStringLiteral("ERR unknown-flag at position 18");
    QTest::newRow("extra argument")
            << QByteArray("INFO please") << QStringLiteral("ERR extra-argument at position 6");
    QTest::newRow("nothing staged") << QByteArray("COMMIT") << QStringLiteral("ERR nothing-staged");
    QTest::newRow("binary") << QByteArray("SET \x01\x02\xff")
                            << QStringLiteral("ERR bad-character at position 5");
    QTest::newRow("node id 0") << QByteArray("SET NODEID 0")
                               << QStringLiteral("ERR out-of-range at position 12");
    QTest::newRow("too long") << QByteArray(200, 'A')
                              << QStringLiteral("ERR line-too-long: at most 96");
    QTest::newRow("pasted key") << key << QStringLiteral("ERR unknown-command at position 1");
    QTest::newRow("key as serial")
            << QByteArray("SET SERIAL " + key) << QStringLiteral("ERR wrong-length");
}

void tst_FwPersonalization::hostileLines()
{
    QFETCH(QByteArray, line);
    QFETCH(QString, expected);
    Bench bench;
    bench.node.boot();
    QCOMPARE(bench.say("WARDEN PERSO 1").last(), QStringLiteral("OK WARDEN PERSO 1"));
    const QStringList answer = bench.say(line);
    QCOMPARE(answer.size(), 1);
    QVERIFY2(answer[0].startsWith(expected), qPrintable(answer[0]));
    // Never echoes what it was given (a key pasted at the wrong moment, for one).
    QVERIFY(noSecretIn(bench.transcript));
    // The session goes on, and nothing was staged by the broken line.
    const QStringList info = bench.say("INFO");
    QCOMPARE(info.last(), QStringLiteral("OK INFO"));
    QVERIFY(info.contains(QStringLiteral("STAGED NO")));
    QCOMPARE(bench.node.node().state(), NodeState::Personalization);
}

void tst_FwPersonalization::listeningIgnoresNoise()
{
    Bench bench;
    bench.node.boot();
    // Before the hello nothing is answered: on an RS485 node this is the bus.
    QVERIFY(bench.say("INFO").isEmpty());
    QVERIFY(bench.say("WARDEN PERSO 2").isEmpty());
    QVERIFY(bench.say(QByteArray(300, 'x')).isEmpty());
    QVERIFY(bench.say(" WARDEN PERSO 1").isEmpty());
    QCOMPARE(bench.node.node().state(), NodeState::Personalization);
    // The window closes 2 s after boot; the node joins; a late hello is ignored.
    WardenTest::run(bench.clock, 2000, [&] { bench.step(); });
    QVERIFY(bench.node.node().state() != NodeState::Personalization);
    QVERIFY(bench.say("WARDEN PERSO 1").isEmpty());
}

void tst_FwPersonalization::idleTimeoutDropsStage()
{
    Bench bench;
    bench.node.boot();
    bench.say("WARDEN PERSO 1");
    QCOMPARE(bench.say("SET LINKKEY " + hexOf(kNewKey, 32)).last(), QStringLiteral("OK STAGED"));
    // An open session keeps the node past the 2 s window ...
    WardenTest::run(bench.clock, 59000, [&] { bench.step(); });
    QCOMPARE(bench.node.node().state(), NodeState::Personalization);
    // ... until it has been idle for 60 s; what was not committed is gone.
    WardenTest::run(bench.clock, 1100, [&] { bench.step(); });
    QVERIFY(bench.node.node().state() != NodeState::Personalization);
    QCOMPARE(bench.node.node().keySource(), KeySource::None);
    WardenStore store(bench.node.eeprom, bench.sha);
    store.load();
    QVERIFY(!store.has(SlotFlag::kLinkKey));
}

void tst_FwPersonalization::abortAndEnd()
{
    Bench bench;
    bench.node.boot();
    bench.say("WARDEN PERSO 1");
    bench.say("SET LINKKEY " + hexOf(kNewKey, 32));
    QVERIFY(bench.say("INFO").contains(QStringLiteral("STAGED YES")));
    QCOMPARE(bench.say("ABORT").last(), QStringLiteral("OK ABORTED"));
    QVERIFY(bench.say("INFO").contains(QStringLiteral("SIGNING NONE")));
    bench.say("WL ADD 1 112233445566778899");
    QCOMPARE(bench.say("END").last(), QStringLiteral("OK BYE UNCOMMITTED-DROPPED"));
    WardenStore store(bench.node.eeprom, bench.sha);
    store.load();
    QCOMPARE(store.whitelistCount(), uint8_t(0));
    QVERIFY(bench.node.node().state() != NodeState::Personalization);
}

void tst_FwPersonalization::whitelistCapacity()
{
    Bench bench;
    bench.node.boot();
    bench.say("WARDEN PERSO 1");
    for (int i = 1; i <= 16; ++i)
        QCOMPARE(bench.say(QStringLiteral("WL ADD %1 112233445566778899").arg(i).toLatin1()).last(),
                 QStringLiteral("OK STAGED"));
    QVERIFY(bench.say("WL ADD 17 112233445566778899").last().startsWith(u"ERR whitelist-full"));
    // Re-adding a listed node replaces its serial.
    QCOMPARE(bench.say("WL ADD 3 AABBCCDDEEFF001122").last(), QStringLiteral("OK STAGED"));
    QVERIFY(bench.say("COMMIT").last().startsWith(u"OK COMMITTED"));
    const QStringList info = bench.say("INFO");
    QVERIFY(info.contains(QStringLiteral("WHITELIST 16 OF 16")));
    QVERIFY(info.contains(QStringLiteral("WL 3 AABBCCDDEEFF001122")));
    QCOMPARE(bench.say("WL CLEAR").last(), QStringLiteral("OK STAGED"));
    bench.say("COMMIT");
    QVERIFY(bench.say("INFO").contains(QStringLiteral("WHITELIST 0 OF 16")));
}

void tst_FwPersonalization::legacyInfoAndUnlock()
{
    Bench bench;
    uint8_t aes[16];
    for (uint8_t i = 0; i < 16; ++i)
        aes[i] = uint8_t(0x40 + i);
    WardenTest::personalizeLegacy(bench.node.eeprom, bench.sha, WardenTest::kTestKey, aes,
                                  WardenTest::kTestSerial);
    bench.node.eeprom.write(LegacyEeprom::kNodeLock, 0); // locked
    bench.node.boot();
    const QStringList hello = bench.say("WARDEN PERSO 1");
    QVERIFY(hello.contains(
            QStringLiteral("LEGACY-KEY %1 CHECKSUM OK").arg(fingerprint(WardenTest::kTestKey))));
    QVERIFY(hello.contains(QStringLiteral("SIGNING LEGACY")));
    QVERIFY(hello.contains(QStringLiteral("SERIAL 112233445566778899 LEGACY")));
    QVERIFY(hello.contains(QStringLiteral("LOCK LOCKED")));
    QVERIFY(noSecretIn(bench.transcript));
    QCOMPARE(bench.say("UNLOCK").last(), QStringLiteral("OK UNLOCKED"));
    QVERIFY(bench.say("INFO").contains(QStringLiteral("LOCK OK 5")));
    bench.say("END");
    bench.gw.setKey(WardenTest::kTestKey);
    QVERIFY(bench.join());
    QCOMPARE(bench.node.node().keySource(), KeySource::Legacy);
}

void tst_FwPersonalization::nodeIdAndPolicyDefault()
{
    Bench bench;
    bench.node.boot();
    bench.say("WARDEN PERSO 1");
    QCOMPARE(bench.say("SET NODEID 77").last(), QStringLiteral("OK NODEID"));
    QCOMPARE(bench.node.eeprom.read(LegacyEeprom::kNodeId), uint8_t(77));
    QCOMPARE(bench.say("SET REQUIRE NONE").last(), QStringLiteral("OK STAGED"));
    bench.say("COMMIT");
    QVERIFY(bench.say("INFO").contains(QStringLiteral("REQUIRE NONE")));
    QCOMPARE(bench.say("SET REQUIRE DEFAULT").last(), QStringLiteral("OK STAGED"));
    bench.say("COMMIT");
    QVERIFY(bench.say("INFO").contains(QStringLiteral("REQUIRE DEFAULT")));
    QCOMPARE(bench.say("SET NODEID AUTO").last(), QStringLiteral("OK NODEID"));
    QCOMPARE(bench.node.eeprom.read(LegacyEeprom::kNodeId), uint8_t(255));
    // A hello in the middle of a session answers like the first one.
    QCOMPARE(bench.say("WARDEN PERSO 1").last(), QStringLiteral("OK WARDEN PERSO 1"));
}

void tst_FwPersonalization::powerCutDuringSession()
{
    // The node was personalized before with the test key (old state); the session writes a new
    // key, serial, management key, whitelist and policy (new state). Power is cut after every
    // single EEPROM write the session makes.
    auto prepare = [](Bench &bench) {
        WardenStore store(bench.node.eeprom, bench.sha);
        WardenState s;
        s.flags = SlotFlag::kLinkKey | SlotFlag::kSerial | SlotFlag::kPolicy;
        std::memcpy(s.keys[0], WardenTest::kTestKey, 32);
        std::memcpy(s.serial, WardenTest::kTestSerial, 9);
        s.policy = PolicyFlag::kRequireSignatures;
        QCOMPARE(store.commit(s), StoreStatus::Ok);
    };
    auto runSession = [](Bench &bench) {
        for (const QByteArray &line : personalizationScript())
            bench.say(line);
    };

    uint64_t writes = 0;
    {
        Bench bench;
        prepare(bench);
        bench.node.boot();
        bench.node.eeprom.resetCounters();
        runSession(bench);
        QVERIFY(bench.transcript.contains(QStringLiteral("OK COMMITTED SEQ 3")));
        writes = bench.node.eeprom.writeCount();
    }
    QVERIFY(writes > 100);

    int sawOld = 0;
    int sawNew = 0;
    for (uint64_t cut = 0; cut <= writes; ++cut) {
        Bench bench;
        prepare(bench);
        bench.node.boot();
        bench.node.eeprom.cutPowerAfter(cut);
        runSession(bench);
        bench.node.powerOff();
        bench.node.eeprom.restorePower();

        WardenStore store(bench.node.eeprom, bench.sha);
        QVERIFY(store.load());
        WardenState s;
        store.read(s);
        const uint8_t zero[32] = {};
        const bool isOld = s.flags == (SlotFlag::kLinkKey | SlotFlag::kSerial | SlotFlag::kPolicy)
                           && std::memcmp(s.keys[0], WardenTest::kTestKey, 32) == 0
                           && std::memcmp(s.keys[1], zero, 32) == 0
                           && std::memcmp(s.keys[3], zero, 32) == 0
                           && std::memcmp(s.serial, WardenTest::kTestSerial, 9) == 0
                           && s.policy == PolicyFlag::kRequireSignatures && s.whitelistCount == 0
                           && s.activeEpoch == 0;
        WhitelistEntry gwEntry {};
        const bool isNew
                = s.flags
                          == (SlotFlag::kNetworkKey | SlotFlag::kSerial | SlotFlag::kPolicy
                              | SlotFlag::kManagementKey)
                  && std::memcmp(s.keys[0], zero, 32) == 0
                  && std::memcmp(s.keys[1], kNewKey, 32) == 0
                  && std::memcmp(s.serial, kNodeSerial, 9) == 0
                  && std::memcmp(s.keys[3], kManagementKey, 32) == 0
                  && s.policy == (PolicyFlag::kRequireSignatures | PolicyFlag::kRequireWhitelisting)
                  && s.whitelistCount == 1 && store.findWhitelistEntry(0, gwEntry)
                  && std::memcmp(gwEntry.serial, kGatewaySerial, 9) == 0 && s.activeEpoch == 7;
        QVERIFY2(isOld != isNew, qPrintable(QStringLiteral("cut after write %1 of %2: mixed state")
                                                    .arg(cut)
                                                    .arg(writes)));
        sawOld += isOld;
        sawNew += isNew;

        // Reboot without the session and check that the node verifies under what it kept.
        bench.node.withSerial = false;
        bench.gw.setKey(isNew ? kNewKey : WardenTest::kTestKey);
        bench.gw.setSerial(kGatewaySerial);
        bench.node.boot();
        QVERIFY(bench.join());
        QCOMPARE(bench.node.node().keySource(), isNew ? KeySource::Network : KeySource::Link);
        Message set;
        set.setHeader(0, bench.node.node().nodeId(), Command::Set, uint8_t(Value::Status), 1);
        set.setByte(1);
        bench.gw.send(set);
        QVERIFY2(WardenTest::run(
                         bench.clock, 200, [&] { bench.step(); },
                         [&] {
                             return !bench.node.delivered.empty()
                                    && bench.node.delivered.back().command() == Command::Set;
                         }),
                 qPrintable(QStringLiteral("no verified frame after cut %1").arg(cut)));
    }
    QVERIFY(sawOld > 0 && sawNew > 0);
    qInfo("personalization session: %llu writes; old after %d cuts, new after %d",
          qulonglong(writes), sawOld, sawNew);
}

void tst_FwPersonalization::versionsAgree()
{
    // library.properties is where the version lives; the host build passes it in, and the copy
    // in version.h (for builds that do not) must say the same.
    QFile properties(QStringLiteral(WARDEN_FIRMWARE_DIR "/library.properties"));
    QVERIFY(properties.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(properties.readAll());
    const auto version = QRegularExpression(QStringLiteral("^version=(\\S+)$"),
                                            QRegularExpression::MultilineOption)
                                 .match(text);
    QVERIFY(version.hasMatch());
    QCOMPARE(QStringLiteral(WARDEN_FIRMWARE_VERSION), version.captured(1));
    QFile header(QStringLiteral(WARDEN_FIRMWARE_DIR "/src/version.h"));
    QVERIFY(header.open(QIODevice::ReadOnly));
    QVERIFY(QString::fromUtf8(header.readAll())
                    .contains(QStringLiteral("#define WARDEN_FIRMWARE_VERSION \"%1\"")
                                      .arg(version.captured(1))));
}

QTEST_GUILESS_MAIN(tst_FwPersonalization)
#include "tst_fwpersonalization.moc"
