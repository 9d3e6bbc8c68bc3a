// The real PersonalizationStation against the SecureNode image as the ATmega328P runs it
// (SecureNode-rs485.elf in warden_simavr, real time, UART0 on a pty at 9600 baud): keys generated
// on the host, written over the UART with the firmware's personalization protocol, read back and
// recorded in a real key store and SQLite inventory. The simulator is then stopped (it saves the
// EEPROM) and started again on the same EEPROM: a fresh session's INFO shows exactly what the key
// store and the inventory hold, and, its session ended, the node joins a host-gateway Engine
// restored from the key store file on the same line (RS485 framing): its signed, salted
// temperature verifies. The simulator may run slower than real time on a loaded machine,
// so the session's timeouts are generous and nothing asserts on speed.
#include "security/personalizationclient.h"

#include <warden/engine.h>
#include <warden/inventory.h>
#include <warden/keystore.h>
#include <warden/linkplugin.h>
#include <warden/personalizationstation.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtSerialPort/QSerialPort>
#include <QtTest/QtTest>

#include <algorithm>
#include <cstring>

Q_IMPORT_PLUGIN(SerialLinkFactory)

using namespace Warden;
using namespace Qt::StringLiterals;

namespace {

template<typename T>
QString errorOf(const Result<T> &result)
{
    return result ? QString() : result.error().message();
}

Serial serialOf(const char *hex)
{
    Serial s {};
    const QByteArray bytes = QByteArray::fromHex(hex);
    std::memcpy(s.data(), bytes.constData(), s.size());
    return s;
}

QString hexOf(const Serial &serial)
{
    return QString::fromLatin1(
            QByteArray(reinterpret_cast<const char *>(serial.data()), qsizetype(serial.size()))
                    .toHex());
}

const Serial kGatewaySerial = serialOf("474154455741593031");

/// Slow-line settings: at 9600 baud an INFO answer takes a quarter of a second, and the
/// simulator may fall behind real time.
PersonalizationTimeouts slowLine()
{
    PersonalizationTimeouts t;
    t.helloMs = 30000;
    t.commandMs = 15000;
    t.helloRepeatMs = 600;
    t.quietMs = 1500;
    return t;
}

} // namespace

class tst_SimStation : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void stationPersonalizesTheSimulatedNode();
    void cleanup();

private:
    /// Starts the simulator on @p eeprom and opens its UART's pty in m_port.
    bool startNode(const QString &eeprom);
    /// Stops it (SIGTERM: the EEPROM is saved); true on a clean exit.
    bool stopNode();

    QTemporaryDir m_dir;
    QProcess m_sim;
    QSerialPort m_port;
};

void tst_SimStation::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(QFileInfo::exists(QStringLiteral(WARDEN_SECURENODE_RS485_ELF)),
             WARDEN_SECURENODE_RS485_ELF);
}

void tst_SimStation::cleanup()
{
    stopNode();
}

bool tst_SimStation::startNode(const QString &eeprom)
{
    m_sim.setProcessChannelMode(QProcess::SeparateChannels);
    // The image carries no .mmcu section (it is the shipped firmware): name the part.
    m_sim.start(QStringLiteral(WARDEN_SIMAVR),
                {u"--uart-pty"_s, u"--realtime"_s, u"--eeprom"_s, eeprom, u"--mcu"_s,
                 u"atmega328p"_s, u"--freq"_s, u"16000000"_s,
                 QStringLiteral(WARDEN_SECURENODE_RS485_ELF)});
    if (!m_sim.waitForStarted(10000))
        return false;
    QElapsedTimer timer;
    timer.start();
    while (!m_sim.canReadLine() && timer.elapsed() < 20000)
        m_sim.waitForReadyRead(200);
    const QByteArray pty = m_sim.readLine().trimmed();
    if (!pty.startsWith("/dev/")) {
        qWarning("warden_simavr printed no pty: %s", pty.constData());
        return false;
    }
    m_port.setPortName(QString::fromLatin1(pty));
    if (!m_port.open(QIODevice::ReadWrite)) {
        qWarning("cannot open %s: %s", pty.constData(), qPrintable(m_port.errorString()));
        return false;
    }
    m_port.setBaudRate(QSerialPort::Baud9600);
    return true;
}

bool tst_SimStation::stopNode()
{
    if (m_port.isOpen())
        m_port.close();
    if (m_sim.state() == QProcess::NotRunning)
        return false;
    m_sim.terminate();
    if (!m_sim.waitForFinished(10000)) {
        m_sim.kill();
        m_sim.waitForFinished(5000);
        return false;
    }
    return m_sim.exitStatus() == QProcess::NormalExit;
}

void tst_SimStation::stationPersonalizesTheSimulatedNode()
{
    const QString eeprom = m_dir.filePath(u"node.eeprom"_s);
    const QString storePath = m_dir.filePath(u"keys.wks"_s);
    KeyStoreParams cheap;
    cheap.memoryKiB = 64;
    cheap.iterations = 1;
    auto created = KeyStore::create(storePath, KeyStore::passphraseFromText(u"sim"), cheap);
    QVERIFY2(created, qPrintable(errorOf(created)));
    KeyStore store = std::move(*created);
    auto networkKey = SecretBytes::random(32);
    QVERIFY(networkKey);
    QVERIFY(store.setNetworkKey(1, *networkKey, NetworkKeyState::Active));
    store.setGatewaySerial(kGatewaySerial);
    QVERIFY(store.save());
    auto inventory = Inventory::open(m_dir.filePath(u"inventory.db"_s));
    QVERIFY2(inventory, qPrintable(errorOf(inventory)));

    QVERIFY(startNode(eeprom));
    PersonalizationStation station(&store, inventory->get());
    PersonalizationRequest request;
    request.nodeId = 5;
    request.generateLinkKey = true;
    request.who = u"test:simstation"_s;
    QElapsedTimer took;
    took.start();
    auto report = station.personalize(&m_port, request, slowLine());
    QVERIFY2(report, qPrintable(errorOf(report)));
    // A figure, not an assertion.
    qInfo("personalization of the simulated ATmega328P took %lld ms", took.elapsed());
    QCOMPARE(report->nodeId, quint8(5));
    QCOMPARE(report->networkEpoch, quint16(1));
    QCOMPARE(report->networkKeyFingerprint, networkKey->fingerprint());
    QCOMPARE(report->policy, quint8(0x03));
    QCOMPARE(report->whitelist, QList<quint8>({0}));
    QVERIFY(!report->linkKeyFingerprint.isEmpty());
    QVERIFY(!report->managementKeyFingerprint.isEmpty());
    QVERIFY(stopNode());

    // The key store and the inventory hold what the report names.
    const auto stored = store.node(5);
    QVERIFY(stored && stored->serial);
    QCOMPARE(hexOf(*stored->serial), report->serialHex);
    QCOMPARE(stored->linkKeyFingerprint, report->linkKeyFingerprint);
    QCOMPARE(stored->managementKeyFingerprint, report->managementKeyFingerprint);
    auto record = (*inventory)->node(5);
    QVERIFY(record && *record);
    QCOMPARE((*record)->serialHex, report->serialHex);
    QCOMPARE((*record)->linkKeyFingerprint, report->linkKeyFingerprint);
    QCOMPARE((*record)->managementKeyFingerprint, report->managementKeyFingerprint);
    AuditFilter filter;
    filter.node = 5;
    auto audit = (*inventory)->auditLog(filter);
    QVERIFY(audit && audit->size() == 1);
    QCOMPARE(audit->front().what, u"personalize"_s);

    // Booted again on the saved EEPROM, the node's own INFO shows what the store holds.
    QVERIFY(startNode(eeprom));
    Internal::PersonalizationClient::Timeouts timeouts;
    const PersonalizationTimeouts slow = slowLine();
    timeouts.helloMs = slow.helloMs;
    timeouts.commandMs = slow.commandMs;
    timeouts.helloRepeatMs = slow.helloRepeatMs;
    timeouts.quietMs = slow.quietMs;
    Internal::PersonalizationClient client(&m_port, timeouts);
    auto info = client.open();
    QVERIFY2(info, qPrintable(errorOf(info)));
    QCOMPARE(info->nodeId, quint8(5));
    QVERIFY(info->serial == *stored->serial);
    QVERIFY(info->wardenSerial);
    QCOMPARE(info->linkFingerprint, stored->linkKeyFingerprint);
    QCOMPARE(info->managementFingerprint, stored->managementKeyFingerprint);
    QCOMPARE(info->networkFingerprint, networkKey->fingerprint());
    QCOMPARE(info->networkEpoch, quint16(1));
    QCOMPARE(info->policy, std::optional<quint8>(0x03));
    QCOMPARE(info->whitelist.size(), 1);
    QCOMPARE(info->whitelist.front().first, quint8(0));
    QVERIFY(info->whitelist.front().second == kGatewaySerial);
    QVERIFY(client.end());

    // The node boots on as a sensor node: an Engine given what the key store file holds
    // accepts its signed temperature, salted with its serial (whitelisting required).
    const QString pty = m_port.portName();
    m_port.close();
    auto reopened = KeyStore::open(storePath, KeyStore::passphraseFromText(u"sim"));
    QVERIFY2(reopened, qPrintable(errorOf(reopened)));
    EngineOptions options;
    options.requireWhitelisting = true;
    Engine engine(options);
    const auto asView = [](const Serial &s) {
        return QByteArrayView(reinterpret_cast<const char *>(s.data()), qsizetype(s.size()));
    };
    for (const NetworkKeyInfo &key : reopened->networkKeys()) {
        auto bytes = reopened->networkKey(key.epoch);
        QVERIFY(bytes);
        QVERIFY(engine.setNetworkKey(key.epoch, *bytes));
        if (key.state == NetworkKeyState::Active)
            QVERIFY(engine.activateEpoch(key.epoch));
    }
    QVERIFY(reopened->gatewaySerial());
    QVERIFY(engine.setGatewaySerial(asView(*reopened->gatewaySerial())));
    for (const NodeKeyInfo &node : reopened->nodes()) {
        if (node.serial)
            QVERIFY(engine.setNodeSerial(node.nodeId, asView(*node.serial)));
        if (auto link = reopened->linkKey(node.nodeId))
            QVERIFY(engine.setNodeKey(node.nodeId, *link));
    }
    LinkRegistry registry;
    registry.loadStaticPlugins();
    auto link = registry.create(
            {u"serial"_s,
             u"sim"_s,
             {{u"port"_s, pty}, {u"framing"_s, u"rs485"_s}, {u"baudRate"_s, 9600}}});
    QVERIFY2(link, qPrintable(errorOf(link)));
    QVERIFY(engine.addLink(link->get()));
    QList<TrafficRecord> fromNode;
    connect(&engine, &Engine::traffic, &engine, [&](const TrafficRecord &seen) {
        if (!seen.outgoing && seen.verdict != FrameVerdict::Malformed && seen.message.sender() == 5)
            fromNode << seen;
    });
    (*link)->open();
    const auto verifiedTemp = [&] {
        return std::any_of(fromNode.begin(), fromNode.end(), [](const TrafficRecord &r) {
            return r.verdict == FrameVerdict::Verified
                   && r.message.command() == Protocol::Command::Set
                   && r.message.type() == uint8_t(Protocol::Value::Temp);
        });
    };
    QElapsedTimer joining;
    joining.start();
    while (!verifiedTemp() && joining.elapsed() < 40000)
        QTest::qWait(50);
    QVERIFY2(verifiedTemp(), qPrintable(u"%1 frames from node 5"_s.arg(fromNode.size())));
    qInfo("the node's first verified temperature came %lld ms after the engine opened the line",
          joining.elapsed());
    for (const TrafficRecord &got : fromNode)
        QVERIFY2(isAccepted(got.verdict), frameVerdictName(got.verdict));
    engine.removeLink(link->get());
    QVERIFY(stopNode());
}

QTEST_GUILESS_MAIN(tst_SimStation)
#include "tst_simstation.moc"
