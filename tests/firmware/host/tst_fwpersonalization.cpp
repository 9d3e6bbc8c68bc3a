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
            "WARDEN PERSO 2",
            "NET " + hexOf(kNewKey, 32) + " 0007",
            "LINK -",
            "SERIAL " + hexOf(kNodeSerial, 9),
            "MGMT " + hexOf(kManagementKey, 32).toLower(),
            "WL 00 " + hexOf(kGatewaySerial, 9),
            "WL 05 " + hexOf(kNodeSerial, 9),
            "WL 05 -",
            "POLICY 03",
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
    void errorsWhileStaging();
    void clearsWithDash();
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

    QStringList hello = exchange("WARDEN PERSO 2");
    QCOMPARE(hello.last(), QStringLiteral("OK WARDEN PERSO 2"));
    QCOMPARE(hello.first(), QStringLiteral("VERSION 2 " WARDEN_FIRMWARE_VERSION " 2.3.2"));
    QVERIFY(hello.contains(QStringLiteral("LINK -")));
    QVERIFY(hello.contains(QStringLiteral("NET - 0000")));
    QVERIFY(hello.contains(QStringLiteral("LEGACY -")));
    QVERIFY(hello.contains(QStringLiteral("ID FF")));
    QVERIFY(hello.contains(QStringLiteral("POLICY -")));
    QVERIFY(hello.contains(QStringLiteral("LOCK 05")));
    // The lines of the protocol's reference, in its order (no WL line: the list is empty).
    QStringList labels;
    for (const QString &l : hello)
        labels << l.section(u' ', 0, 0);
    QCOMPARE(labels.join(u' '),
             QStringLiteral("VERSION ID SERIAL LINK NET PEND MGMT LEGACY POLICY LOCK OK"));

    const QList<QByteArray> script = personalizationScript();
    for (int i = 1; i < script.size() - 1; ++i) {
        const QStringList answer = exchange(script[i]);
        QVERIFY2(!answer.isEmpty() && answer.last().startsWith(u"OK"),
                 qPrintable(QStringLiteral("%1 -> %2").arg(i).arg(answer.join(u'|'))));
    }
    QVERIFY(transcript.contains(QStringLiteral("OK 00000002")));

    const QStringList info = exchange("INFO");
    QCOMPARE(info.last(), QStringLiteral("OK"));
    QVERIFY(info.contains(QStringLiteral("NET %1 0007").arg(fingerprint(kNewKey))));
    QVERIFY(info.contains(QStringLiteral("LINK -")));
    QVERIFY(info.contains(QStringLiteral("MGMT %1 00000000").arg(fingerprint(kManagementKey))));
    QVERIFY(info.contains(QStringLiteral("SERIAL AABBCCDDEEFF001122 W")));
    QVERIFY(info.contains(QStringLiteral("POLICY 03")));
    // One line per whitelist entry, in the syntax of the command that adds it.
    QCOMPARE(info.filter(QRegularExpression(QStringLiteral("^WL "))),
             QStringList {QStringLiteral("WL 00 0123456789ABCDEF00")});
    QVERIFY(info.contains(QStringLiteral("PEND - 0000")));

    // Fingerprints look like core's: four groups of four lower-case hex digits.
    QVERIFY(QRegularExpression(QStringLiteral("^[0-9a-f]{4}(-[0-9a-f]{4}){3}$"))
                    .match(fingerprint(kNewKey))
                    .hasMatch());

    QCOMPARE(exchange("END").last(), QStringLiteral("OK"));
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
    const QByteArray serial = hexOf(kNodeSerial, 9);
    QTest::newRow("unknown command") << QByteArray("FLASH") << QStringLiteral("ERR 1 unknown");
    QTest::newRow("lower case") << QByteArray("info") << QStringLiteral("ERR 1 unknown");
    QTest::newRow("leading spaces") << QByteArray("   FLASH") << QStringLiteral("ERR 1 unknown");
    QTest::newRow("old syntax") << QByteArray("SET LINKKEY " + key)
                                << QStringLiteral("ERR 1 unknown");
    QTest::newRow("pasted key") << key << QStringLiteral("ERR 1 unknown");
    QTest::newRow("missing key") << QByteArray("LINK") << QStringLiteral("ERR 2 missing");
    QTest::newRow("network key without epoch")
            << QByteArray("NET " + key) << QStringLiteral("ERR 2 missing");
    QTest::newRow("pending without epoch")
            << QByteArray("PEND " + key) << QStringLiteral("ERR 2 missing");
    QTest::newRow("whitelist entry without serial")
            << QByteArray("WL 05") << QStringLiteral("ERR 2 missing");
    QTest::newRow("epoch on a link key")
            << QByteArray("LINK " + key + " 0003") << QStringLiteral("ERR 3 extra");
    QTest::newRow("extra argument") << QByteArray("INFO please") << QStringLiteral("ERR 3 extra");
    QTest::newRow("epoch after a cleared key")
            << QByteArray("NET - 0007") << QStringLiteral("ERR 3 extra");
    QTest::newRow("argument to END") << QByteArray("END now") << QStringLiteral("ERR 3 extra");
    QTest::newRow("bad hex") << QByteArray("LINK 00zz" + key.mid(4))
                             << QStringLiteral("ERR 4 bad-hex");
    QTest::newRow("bad epoch") << QByteArray("NET " + key + " 007x")
                               << QStringLiteral("ERR 4 bad-hex");
    QTest::newRow("decimal epoch")
            << QByteArray("NET " + key + " +7") << QStringLiteral("ERR 4 bad-hex");
    QTest::newRow("dash as epoch")
            << QByteArray("NET " + key + " -") << QStringLiteral("ERR 4 bad-hex");
    QTest::newRow("node id word") << QByteArray("WL x " + serial)
                                  << QStringLiteral("ERR 4 bad-hex");
    QTest::newRow("wl verb") << QByteArray("WL PURGE") << QStringLiteral("ERR 4 bad-hex");
    QTest::newRow("short key") << QByteArray("LINK 0011") << QStringLiteral("ERR 5 length");
    QTest::newRow("long key") << QByteArray("MGMT " + key + "00") << QStringLiteral("ERR 5 length");
    QTest::newRow("short serial") << QByteArray("SERIAL 1122") << QStringLiteral("ERR 5 length");
    QTest::newRow("key as serial") << QByteArray("SERIAL " + key) << QStringLiteral("ERR 5 length");
    QTest::newRow("short epoch") << QByteArray("NET " + key + " 7")
                                 << QStringLiteral("ERR 5 length");
    QTest::newRow("node id 300") << QByteArray("WL 300 " + serial)
                                 << QStringLiteral("ERR 5 length");
    QTest::newRow("epoch zero") << QByteArray("NET " + key + " 0000")
                                << QStringLiteral("ERR 6 range");
    QTest::newRow("node id 0") << QByteArray("ID 00") << QStringLiteral("ERR 6 range");
    QTest::newRow("whitelisted id 255")
            << QByteArray("WL FF " + serial) << QStringLiteral("ERR 6 range");
    QTest::newRow("unknown policy bit") << QByteArray("POLICY 04") << QStringLiteral("ERR 6 range");
    QTest::newRow("whitelisting alone")
            << QByteArray("POLICY 02") << QStringLiteral("ERR 7 needs-sign");
    QTest::newRow("not listed") << QByteArray("WL 4D -") << QStringLiteral("ERR 9 not-listed");
    QTest::newRow("nothing staged") << QByteArray("COMMIT") << QStringLiteral("ERR 10 unstaged");
    QTest::newRow("binary") << QByteArray("SET \x01\x02\xff") << QStringLiteral("ERR 12 bad-char");
    QTest::newRow("tab") << QByteArray("INFO\t") << QStringLiteral("ERR 12 bad-char");
    QTest::newRow("too long") << QByteArray(200, 'A') << QStringLiteral("ERR 13 too-long");
    QTest::newRow("81 characters")
            << QByteArray("LINK " + key + QByteArray(12, ' ')) << QStringLiteral("ERR 13 too-long");
}

void tst_FwPersonalization::hostileLines()
{
    QFETCH(QByteArray, line);
    QFETCH(QString, expected);
    Bench bench;
    bench.node.boot();
    QCOMPARE(bench.say("WARDEN PERSO 2").last(), QStringLiteral("OK WARDEN PERSO 2"));
    const QStringList answer = bench.say(line);
    QCOMPARE(answer.size(), 1);
    // The whole answer: code and name, nothing of the line itself.
    QCOMPARE(answer[0], expected);
    // Never echoes what it was given (a key pasted at the wrong moment, for one).
    QVERIFY(noSecretIn(bench.transcript));
    // The session goes on, and nothing was staged by the broken line.
    const QStringList info = bench.say("INFO");
    QCOMPARE(info.last(), QStringLiteral("OK"));
    QVERIFY(!bench.node.node().store().isStaging());
    QCOMPARE(bench.node.node().state(), NodeState::Personalization);
}

void tst_FwPersonalization::errorsWhileStaging()
{
    // The errors that depend on the stage: a removal of an id the stage does not list, and
    // a COMMIT whose slot does not read back (the EEPROM stopped taking writes).
    Bench bench;
    bench.node.boot();
    bench.say("WARDEN PERSO 2");
    QCOMPARE(bench.say("WL 01 112233445566778899").last(), QStringLiteral("OK"));
    QCOMPARE(bench.say("WL 4D -").last(), QStringLiteral("ERR 9 not-listed"));
    QCOMPARE(bench.say("WL 01 -").last(), QStringLiteral("OK"));
    QCOMPARE(bench.say("WL 01 -").last(), QStringLiteral("ERR 9 not-listed"));
    QVERIFY(bench.node.node().store().isStaging());
    bench.node.eeprom.cutPowerAfter(0);
    QCOMPARE(bench.say("LINK " + hexOf(kNewKey, 32)).last(), QStringLiteral("OK"));
    QCOMPARE(bench.say("COMMIT").last(), QStringLiteral("ERR 11 not-kept"));
    bench.node.eeprom.restorePower();
    WardenStore store(bench.node.eeprom, bench.sha);
    QVERIFY(store.load());
    QVERIFY(!store.has(SlotFlag::kLinkKey));
    QCOMPARE(store.whitelistCount(), uint8_t(0));
}

void tst_FwPersonalization::clearsWithDash()
{
    Bench bench;
    bench.node.boot();
    bench.say("WARDEN PERSO 2");
    for (const QByteArray &line :
         {"LINK " + hexOf(kNewKey, 32), "PEND " + hexOf(kManagementKey, 32) + " 0102",
          "SERIAL " + hexOf(kNodeSerial, 9), QByteArray("POLICY 01"),
          "WL 07 " + hexOf(kGatewaySerial, 9), QByteArray("COMMIT")})
        QVERIFY2(bench.say(line).last().startsWith(u"OK"), line.constData());
    QStringList info = bench.say("INFO");
    QVERIFY(info.contains(QStringLiteral("LINK %1").arg(fingerprint(kNewKey))));
    QVERIFY(info.contains(QStringLiteral("PEND %1 0102").arg(fingerprint(kManagementKey))));
    QVERIFY(info.contains(QStringLiteral("SERIAL AABBCCDDEEFF001122 W")));
    QVERIFY(info.contains(QStringLiteral("POLICY 01")));
    QVERIFY(info.contains(QStringLiteral("WL 07 0123456789ABCDEF00")));
    for (const char *line : {"LINK -", "PEND -", "SERIAL -", "POLICY -", "WL -", "COMMIT"})
        QVERIFY2(bench.say(line).last().startsWith(u"OK"), line);
    info = bench.say("INFO");
    QVERIFY(info.contains(QStringLiteral("LINK -")));
    QVERIFY(info.contains(QStringLiteral("PEND - 0000")));
    QVERIFY(info.contains(QStringLiteral("POLICY -")));
    QVERIFY(info.filter(QRegularExpression(QStringLiteral("^WL "))).isEmpty());
    // Without a Warden serial the node salts with MySensors' (blank here).
    QVERIFY(info.contains(QStringLiteral("SERIAL FFFFFFFFFFFFFFFFFF L")));
    WardenStore store(bench.node.eeprom, bench.sha);
    QVERIFY(store.load());
    QCOMPARE(store.flags(), uint8_t(0));
    QVERIFY(noSecretIn(bench.transcript));
}

void tst_FwPersonalization::listeningIgnoresNoise()
{
    Bench bench;
    bench.node.boot();
    // Before the hello nothing is answered: on an RS485 node this is the bus.
    QVERIFY(bench.say("INFO").isEmpty());
    QVERIFY(bench.say("WARDEN PERSO 1").isEmpty()); // another protocol version
    QVERIFY(bench.say("WARDEN PERSO 3").isEmpty());
    QVERIFY(bench.say(QByteArray(300, 'x')).isEmpty());
    QVERIFY(bench.say(" WARDEN PERSO 2").isEmpty());
    QVERIFY(bench.say("WARDEN PERSO 2 ").isEmpty());
    QCOMPARE(bench.node.node().state(), NodeState::Personalization);
    // The window closes 2 s after boot, however much noise arrives meanwhile; the node joins;
    // a late hello is ignored.
    for (int i = 0; i < 20; ++i) {
        bench.node.serial.feed("noise on the bus\r\n");
        WardenTest::run(bench.clock, 100, [&] { bench.step(); });
    }
    QVERIFY(bench.node.node().state() != NodeState::Personalization);
    QVERIFY(bench.say("WARDEN PERSO 2").isEmpty());
}

void tst_FwPersonalization::idleTimeoutDropsStage()
{
    Bench bench;
    bench.node.boot();
    bench.say("WARDEN PERSO 2");
    QCOMPARE(bench.say("LINK " + hexOf(kNewKey, 32)).last(), QStringLiteral("OK"));
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
    bench.say("WARDEN PERSO 2");
    bench.say("LINK " + hexOf(kNewKey, 32));
    QVERIFY(bench.node.node().store().isStaging());
    QCOMPARE(bench.say("ABORT").last(), QStringLiteral("OK"));
    QVERIFY(!bench.node.node().store().isStaging());
    QVERIFY(bench.say("INFO").contains(QStringLiteral("LINK -")));
    bench.say("WL 01 112233445566778899");
    QCOMPARE(bench.say("END").last(), QStringLiteral("OK DROPPED"));
    WardenStore store(bench.node.eeprom, bench.sha);
    store.load();
    QCOMPARE(store.whitelistCount(), uint8_t(0));
    QVERIFY(bench.node.node().state() != NodeState::Personalization);
}

void tst_FwPersonalization::whitelistCapacity()
{
    Bench bench;
    bench.node.boot();
    bench.say("WARDEN PERSO 2");
    for (int i = 1; i <= 16; ++i)
        QCOMPARE(bench.say(QStringLiteral("WL %1 112233445566778899")
                                   .arg(i, 2, 16, QLatin1Char('0'))
                                   .toLatin1())
                         .last(),
                 QStringLiteral("OK"));
    QCOMPARE(bench.say("WL 11 112233445566778899").last(), QStringLiteral("ERR 8 full"));
    // Re-adding a listed node replaces its serial.
    QCOMPARE(bench.say("WL 03 aabbccddeeff001122").last(), QStringLiteral("OK"));
    QCOMPARE(bench.say("COMMIT").last(), QStringLiteral("OK 00000002"));
    const QStringList info = bench.say("INFO");
    QCOMPARE(info.filter(QRegularExpression(QStringLiteral("^WL "))).size(), 16);
    QVERIFY(info.contains(QStringLiteral("WL 03 AABBCCDDEEFF001122")));
    QVERIFY(info.contains(QStringLiteral("WL 10 112233445566778899")));
    QCOMPARE(bench.say("WL -").last(), QStringLiteral("OK"));
    bench.say("COMMIT");
    QVERIFY(bench.say("INFO").filter(QRegularExpression(QStringLiteral("^WL "))).isEmpty());
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
    const QStringList hello = bench.say("WARDEN PERSO 2");
    QVERIFY(hello.contains(QStringLiteral("LEGACY %1").arg(fingerprint(WardenTest::kTestKey))));
    QVERIFY(hello.contains(QStringLiteral("LINK -")));
    QVERIFY(hello.contains(QStringLiteral("SERIAL 112233445566778899 L")));
    QVERIFY(hello.contains(QStringLiteral("LOCK 00")));
    QVERIFY(noSecretIn(bench.transcript));
    QCOMPARE(bench.say("UNLOCK").last(), QStringLiteral("OK"));
    QVERIFY(bench.say("INFO").contains(QStringLiteral("LOCK 05")));
    bench.say("END");
    bench.gw.setKey(WardenTest::kTestKey);
    QVERIFY(bench.join());
    QCOMPARE(bench.node.node().keySource(), KeySource::Legacy);
}

void tst_FwPersonalization::nodeIdAndPolicyDefault()
{
    Bench bench;
    bench.node.boot();
    bench.say("WARDEN PERSO 2");
    QCOMPARE(bench.say("ID 4d").last(), QStringLiteral("OK"));
    QCOMPARE(bench.node.eeprom.read(LegacyEeprom::kNodeId), uint8_t(77));
    QVERIFY(bench.say("INFO").contains(QStringLiteral("ID 4D")));
    QCOMPARE(bench.say("POLICY 00").last(), QStringLiteral("OK"));
    bench.say("COMMIT");
    QVERIFY(bench.say("INFO").contains(QStringLiteral("POLICY 00")));
    QCOMPARE(bench.say("POLICY -").last(), QStringLiteral("OK"));
    bench.say("COMMIT");
    QVERIFY(bench.say("INFO").contains(QStringLiteral("POLICY -")));
    QCOMPARE(bench.say("ID -").last(), QStringLiteral("OK"));
    QCOMPARE(bench.node.eeprom.read(LegacyEeprom::kNodeId), uint8_t(255));
    // A hello in the middle of a session answers like the first one.
    const QStringList hello = bench.say("WARDEN PERSO 2");
    QCOMPARE(hello.last(), QStringLiteral("OK WARDEN PERSO 2"));
    QVERIFY(hello.contains(QStringLiteral("ID FF")));
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
        QVERIFY(bench.transcript.contains(QStringLiteral("OK 00000003")));
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
        // The session said which: the commit was kept, or not.
        QVERIFY(bench.transcript.contains(isNew ? QStringLiteral("OK 00000003")
                                                : QStringLiteral("ERR 11 not-kept")));
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
