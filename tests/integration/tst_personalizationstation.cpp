// The personalization station against the real warden-node program on a socat pty (keys
// generated, written, read back, recorded; the node started again shows the same state), and
// against a scripted peer on a pty that answers garbage, ERR lines or nothing: a clear error,
// and the key store and the audit log as the station's header documents. No key byte may
// appear in an error or a log line.
#include "security/personalizationclient.h"
#include "serialpty.h"

#include <childprocess.h>

#include <warden/engine.h>
#include <warden/inventory.h>
#include <warden/keystore.h>
#include <warden/linkplugin.h>
#include <warden/personalizationstation.h>

#include <QtCore/QJsonDocument>
#include <QtCore/QMutex>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtSerialPort/QSerialPort>
#include <QtTest/QtTest>

#include <algorithm>
#include <functional>

Q_IMPORT_PLUGIN(SerialLinkFactory)

using namespace Warden;
using namespace Warden::Test;
using namespace Qt::StringLiterals;

namespace {

// --- every log line of the process, to look for key bytes in ---
QMutex g_logMutex;
QStringList g_log;
QtMessageHandler g_previousHandler = nullptr;

void captureMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    {
        QMutexLocker lock(&g_logMutex);
        g_log << message;
    }
    if (g_previousHandler)
        g_previousHandler(type, context, message);
}

QStringList capturedLog()
{
    QMutexLocker lock(&g_logMutex);
    return g_log;
}

QByteArray hexOf(const SecretBytes &key)
{
    return QByteArray(reinterpret_cast<const char *>(key.data()), qsizetype(key.size())).toHex();
}

/// @p key's hex (either case) appears nowhere in @p texts.
bool nowhere(const SecretBytes &key, const QStringList &texts)
{
    const QString lower = QString::fromLatin1(hexOf(key));
    const QString upper = lower.toUpper();
    // 16 digits are already far too many to leak: look for every 16-digit window.
    for (qsizetype at = 0; at + 16 <= lower.size(); at += 8) {
        for (const QString &text : texts)
            if (text.contains(lower.mid(at, 16)) || text.contains(upper.mid(at, 16)))
                return false;
    }
    return true;
}

Serial serialOf(const char *hex)
{
    Serial s {};
    const QByteArray bytes = QByteArray::fromHex(hex);
    std::memcpy(s.data(), bytes.constData(), s.size());
    return s;
}

/// The error's message, or nothing for a value (QVERIFY2 evaluates its message always).
template<typename T>
QString errorOf(const Result<T> &result)
{
    return result ? QString() : result.error().message();
}

const Serial kGatewaySerial = serialOf("a1a2a3a4a5a6a7a8a9");

class NodeProcess : public WardenTest::ChildProcess
{
public:
    bool start(const QString &line, const QString &eeprom)
    {
        return ChildProcess::start(QStringLiteral(WARDEN_NODE_PATH),
                                   {u"--serial"_s, line, u"--eeprom"_s, eeprom});
    }
};

/// A peer on the far end of the pty that plays a node from a script: it answers the hello and
/// INFO with @p infoLines, every other command with faults[word] when there is one ("" for
/// silence), else OK (COMMIT: OK 00000001).
class ScriptedNode
{
public:
    QList<QByteArray> infoLines = {"VERSION 2 0.1.0 2.3.2",
                                   "ID FF",
                                   "SERIAL 000000000000000000 L",
                                   "LINK -",
                                   "NET - 0000",
                                   "PEND - 0000",
                                   "MGMT - 00000000",
                                   "LEGACY -",
                                   "POLICY -",
                                   "LOCK 05"};
    QMap<QByteArray, QByteArray> faults;
    bool silent = false;
    QByteArray silentFrom; ///< the node goes quiet for good when this command arrives
    QList<QByteArray> commands; ///< the command words received

    bool open(const QString &path)
    {
        m_peer.onBytes = [this](QByteArrayView bytes) { take(bytes); };
        return m_peer.open(path);
    }

private:
    void take(QByteArrayView bytes)
    {
        m_line += bytes.toByteArray();
        qsizetype end;
        while ((end = m_line.indexOf('\n')) >= 0) {
            const QByteArray line = m_line.left(end).trimmed();
            m_line.remove(0, end + 1);
            if (!line.isEmpty() && !silent)
                answer(line);
        }
    }
    void answer(const QByteArray &line)
    {
        const QByteArray word = line.split(' ').front();
        commands << word;
        if (word == silentFrom) {
            silent = true;
            return;
        }
        QByteArray out;
        if (line == "WARDEN PERSO 2" || line == "INFO") {
            for (const QByteArray &info : infoLines)
                out += info + "\r\n";
            out += line == "INFO" ? "OK\r\n" : "OK WARDEN PERSO 2\r\n";
        } else if (faults.contains(word)) {
            if (!faults[word].isEmpty())
                out = faults[word] + "\r\n";
        } else {
            out = word == "COMMIT" ? "OK 00000001\r\n" : "OK\r\n";
        }
        m_peer.send(out);
    }

    PtyPeer m_peer;
    QByteArray m_line;
};

} // namespace

class tst_PersonalizationStation : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void personalizesTheRealNode();
    void wardenctlPersonalizes();
    void hostileNode_data();
    void hostileNode();
    void infoParserRejects_data();
    void infoParserRejects();

private:
    std::unique_ptr<KeyStore> createStore();
    bool openPort(QSerialPort &port);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<PtyPair> m_pty;
    QString m_storePath;
    SecretBytes m_networkKey;
};

void tst_PersonalizationStation::initTestCase()
{
    QLoggingCategory::setFilterRules(u"warden.core.*.debug=true"_s);
    g_previousHandler = qInstallMessageHandler(captureMessage);
    auto key = SecretBytes::random(32);
    QVERIFY(key);
    m_networkKey = *key;
}

void tst_PersonalizationStation::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_pty = std::make_unique<PtyPair>(m_dir->path(), u"perso"_s);
    QVERIFY(m_pty->start());
    m_storePath = m_dir->filePath(u"keys.wks"_s);
    {
        QMutexLocker lock(&g_logMutex);
        g_log.clear();
    }
}

void tst_PersonalizationStation::cleanup()
{
    m_pty.reset();
    m_dir.reset();
}

std::unique_ptr<KeyStore> tst_PersonalizationStation::createStore()
{
    KeyStoreParams cheap;
    cheap.memoryKiB = 64;
    cheap.iterations = 1;
    auto store = KeyStore::create(m_storePath, KeyStore::passphraseFromText(u"station"), cheap);
    if (!store)
        return nullptr;
    if (!store->setNetworkKey(1, m_networkKey, NetworkKeyState::Active))
        return nullptr;
    store->setGatewaySerial(kGatewaySerial);
    if (!store->save())
        return nullptr;
    return std::make_unique<KeyStore>(std::move(*store));
}

bool tst_PersonalizationStation::openPort(QSerialPort &port)
{
    port.setPortName(m_pty->linkPath);
    if (!port.open(QIODevice::ReadWrite))
        return false;
    port.setBaudRate(QSerialPort::Baud115200);
    return true;
}

void tst_PersonalizationStation::personalizesTheRealNode()
{
    auto store = createStore();
    QVERIFY(store);
    auto inventory = Inventory::open(m_dir->filePath(u"inventory.db"_s));
    QVERIFY2(inventory, qPrintable(errorOf(inventory)));
    const QString eeprom = m_dir->filePath(u"node.eeprom"_s);

    NodeProcess node;
    QVERIFY(node.start(m_pty->gatewayPath, eeprom));
    QSerialPort port;
    QVERIFY(openPort(port));

    PersonalizationStation station(store.get(), inventory->get());
    PersonalizationRequest request;
    request.nodeId = 5;
    request.generateLinkKey = true;
    request.who = u"test:station"_s;
    QElapsedTimer took;
    took.start();
    auto report = station.personalize(&port, request);
    QVERIFY2(report, qPrintable(errorOf(report)));
    // A figure, not an assertion: hello window, 10 commands, read-back, two saves.
    qInfo("personalization of node 5 took %lld ms", took.elapsed());
    QCOMPARE(report->nodeId, quint8(5));
    QCOMPARE(report->networkEpoch, quint16(1));
    QCOMPARE(report->networkKeyFingerprint, m_networkKey.fingerprint());
    QCOMPARE(report->policy, quint8(0x03));
    QCOMPARE(report->whitelist, QList<quint8>({0}));
    QCOMPARE(report->firmwareVersion, u"0.1.0"_s);
    QVERIFY(!report->linkKeyFingerprint.isEmpty());
    QCOMPARE(report->serialHex.size(), 18);

    // The session ended, the node joins the network on the same line (RS485 framing): an
    // Engine given the key store's keys verifies what it signs, salted with its new serial.
    port.close();
    {
        auto linkKey = store->linkKey(5);
        QVERIFY(linkKey);
        const auto stored = store->node(5);
        QVERIFY(stored && stored->serial);
        QList<TrafficRecord> fromNode;
        EngineOptions options;
        options.requireWhitelisting = true;
        Engine engine(options);
        QVERIFY(engine.setNetworkKey(1, m_networkKey));
        QVERIFY(engine.activateEpoch(1));
        QVERIFY(engine.setNodeKey(5, *linkKey));
        QVERIFY(engine.setNodeSerial(
                5, QByteArrayView(reinterpret_cast<const char *>(stored->serial->data()), 9)));
        QVERIFY(engine.setGatewaySerial(
                QByteArrayView(reinterpret_cast<const char *>(kGatewaySerial.data()), 9)));
        LinkRegistry registry;
        registry.loadStaticPlugins();
        auto link = registry.create({u"serial"_s,
                                     u"usb"_s,
                                     {{u"port"_s, m_pty->linkPath}, {u"framing"_s, u"rs485"_s}}});
        QVERIFY2(link, qPrintable(errorOf(link)));
        QVERIFY(engine.addLink(link->get()));
        connect(&engine, &Engine::traffic, &engine, [&](const TrafficRecord &record) {
            if (!record.outgoing && record.verdict != FrameVerdict::Malformed
                && record.message.sender() == 5)
                fromNode << record;
        });
        (*link)->open();
        const auto verifiedTemp = [&] {
            return std::any_of(fromNode.begin(), fromNode.end(), [](const TrafficRecord &r) {
                return r.verdict == FrameVerdict::Verified
                       && r.message.command() == Protocol::Command::Set
                       && r.message.type() == uint8_t(Protocol::Value::Temp);
            });
        };
        QVERIFY2(waitUntil(verifiedTemp, 20000),
                 qPrintable(u"%1 frames from node 5"_s.arg(fromNode.size())));
        for (const TrafficRecord &record : fromNode)
            QVERIFY2(isAccepted(record.verdict), frameVerdictName(record.verdict));
        engine.removeLink(link->get());
    }
    QCOMPARE(node.stop(), 0);

    // The key store on disk holds what the report names.
    auto reopened = KeyStore::open(m_storePath, KeyStore::passphraseFromText(u"station"));
    QVERIFY2(reopened, qPrintable(errorOf(reopened)));
    const auto stored = reopened->node(5);
    QVERIFY(stored);
    QVERIFY(stored->serial);
    QCOMPARE(QString::fromLatin1(
                     QByteArray(reinterpret_cast<const char *>(stored->serial->data()), 9).toHex()),
             report->serialHex);
    QCOMPARE(stored->managementKeyFingerprint, report->managementKeyFingerprint);
    QCOMPARE(stored->linkKeyFingerprint, report->linkKeyFingerprint);
    auto managementKey = reopened->managementKey(5);
    auto linkKey = reopened->linkKey(5);
    QVERIFY(managementKey && linkKey);
    QCOMPARE(managementKey->fingerprint(), report->managementKeyFingerprint);

    // The inventory: the node's serial and fingerprints, and the audit entry.
    auto record = (*inventory)->node(5);
    QVERIFY(record && *record);
    QCOMPARE((*record)->serialHex, report->serialHex);
    QCOMPARE((*record)->managementKeyFingerprint, report->managementKeyFingerprint);
    QCOMPARE((*record)->linkKeyFingerprint, report->linkKeyFingerprint);
    AuditFilter filter;
    filter.node = 5;
    auto audit = (*inventory)->auditLog(filter);
    QVERIFY(audit);
    QCOMPARE(audit->size(), 1);
    QCOMPARE(audit->front().what, u"personalize"_s);
    QCOMPARE(audit->front().id, report->auditId);
    QCOMPARE(audit->front().details.value(u"management"_s).toString(),
             report->managementKeyFingerprint);

    // Started again on its EEPROM, the node shows the same state to a fresh session.
    NodeProcess again;
    QVERIFY(again.start(m_pty->gatewayPath, eeprom));
    QVERIFY(port.open(QIODevice::ReadWrite));
    Internal::PersonalizationClient client(&port);
    auto info = client.open();
    QVERIFY2(info, qPrintable(errorOf(info)));
    QCOMPARE(info->nodeId, quint8(5));
    QCOMPARE(QString::fromLatin1(
                     QByteArray(reinterpret_cast<const char *>(info->serial.data()), 9).toHex()),
             report->serialHex);
    QVERIFY(info->wardenSerial);
    QCOMPARE(info->managementFingerprint, managementKey->fingerprint());
    QCOMPARE(info->linkFingerprint, linkKey->fingerprint());
    QCOMPARE(info->networkFingerprint, m_networkKey.fingerprint());
    QCOMPARE(info->networkEpoch, quint16(1));
    QCOMPARE(info->policy, std::optional<quint8>(0x03));
    QCOMPARE(info->whitelist.size(), 1);
    QCOMPARE(info->whitelist.front().first, quint8(0));
    QVERIFY(info->whitelist.front().second == kGatewaySerial);
    QVERIFY(client.end());
    QCOMPARE(again.stop(), 0);

    // A second personalization of node 5 is refused unless asked to replace it.
    auto refused = station.personalize(&port, request);
    QVERIFY(!refused);
    QVERIFY(refused.error().message().contains(u"already holds keys for node 5"_s));

    // No key byte in any log line of the run.
    const QStringList log = capturedLog();
    QVERIFY(!log.isEmpty());
    // (The check itself finds a key written in either case.)
    QVERIFY(!nowhere(*managementKey,
                     {u"x"_s + QString::fromLatin1(hexOf(*managementKey)).toUpper()}));
    QVERIFY(nowhere(*managementKey, log));
    QVERIFY(nowhere(*linkKey, log));
    QVERIFY(nowhere(m_networkKey, log));
}

void tst_PersonalizationStation::wardenctlPersonalizes()
{
    QVERIFY(createStore());
    const QString inventoryPath = m_dir->filePath(u"inventory.db"_s);
    NodeProcess node;
    QVERIFY(node.start(m_pty->gatewayPath, m_dir->filePath(u"node.eeprom"_s)));
    QProcess wardenctl;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"WARDEN_PASSPHRASE"_s, u"station"_s);
    wardenctl.setProcessEnvironment(env);
    wardenctl.start(QStringLiteral(WARDENCTL_PATH),
                    {u"--json"_s, u"personalize"_s, u"--port"_s, m_pty->linkPath, u"--node-id"_s,
                     u"7"_s, u"--store"_s, m_storePath, u"--inventory"_s, inventoryPath,
                     u"--link-key"_s});
    QVERIFY(wardenctl.waitForFinished(20000));
    const QByteArray out = wardenctl.readAllStandardOutput();
    const QByteArray err = wardenctl.readAllStandardError();
    QVERIFY2(wardenctl.exitCode() == 0, err.constData());
    QCOMPARE(node.stop(), 0);
    const QJsonObject json = QJsonDocument::fromJson(out).object();
    QCOMPARE(json.value(u"node"_s).toInt(), 7);

    auto reopened = KeyStore::open(m_storePath, KeyStore::passphraseFromText(u"station"));
    QVERIFY(reopened);
    auto managementKey = reopened->managementKey(7);
    auto linkKey = reopened->linkKey(7);
    QVERIFY(managementKey && linkKey);
    QCOMPARE(json.value(u"management_key"_s).toString(), managementKey->fingerprint());
    QCOMPARE(json.value(u"link_key"_s).toString(), linkKey->fingerprint());
    QCOMPARE(json.value(u"network_key"_s).toString(), m_networkKey.fingerprint());
    // Fingerprints only: no key byte on either stream.
    const QStringList printed = {QString::fromLatin1(out), QString::fromLatin1(err)};
    QVERIFY(nowhere(*managementKey, printed));
    QVERIFY(nowhere(*linkKey, printed));
    QVERIFY(nowhere(m_networkKey, printed));

    auto inventory = Inventory::open(inventoryPath);
    QVERIFY2(inventory, qPrintable(errorOf(inventory)));
    auto record = (*inventory)->node(7);
    QVERIFY(record && *record);
    QCOMPARE((*record)->managementKeyFingerprint, managementKey->fingerprint());
    AuditFilter filter;
    filter.what = u"personalize"_s;
    auto audit = (*inventory)->auditLog(filter);
    QVERIFY(audit);
    QCOMPARE(audit->size(), 1);
    QCOMPARE(audit->front().who, u"wardenctl"_s);
}

void tst_PersonalizationStation::hostileNode_data()
{
    QTest::addColumn<QByteArray>("faultWord");
    QTest::addColumn<QByteArray>("faultAnswer");
    QTest::addColumn<QString>("errorContains");
    QTest::addColumn<QString>("audit"); ///< the audit entry expected, empty: none
    QTest::addColumn<bool>("keysKept"); ///< the store keeps the new keys (uncertain outcome)

    QTest::newRow("silent") << QByteArray("*silent") << QByteArray() << u"no answer to the hello"_s
                            << QString() << false;
    QTest::newRow("garbage-info") << QByteArray("*garbage") << QByteArray()
                                  << u"INFO line 3 (SERIAL)"_s << QString() << false;
    QTest::newRow("refuses-mgmt") << QByteArray("MGMT") << QByteArray("ERR 5 length")
                                  << u"refused MGMT: ERR 5 length"_s << u"personalize.failed"_s
                                  << false;
    QTest::newRow("mgmt-silent") << QByteArray("MGMT") << QByteArray() << u"MGMT got no answer"_s
                                 << u"personalize.failed"_s << false;
    QTest::newRow("bad-err-name") << QByteArray("NET") << QByteArray("ERR 4 bad-hex 00112233")
                                  << u"refused NET: ERR 4 (no name)"_s << u"personalize.failed"_s
                                  << false;
    QTest::newRow("garbage-answer") << QByteArray("WIPE") << QByteArray("\x01\x02 hello")
                                    << u"non-printable"_s << u"personalize.failed"_s << false;
    QTest::newRow("commit-not-kept")
            << QByteArray("COMMIT") << QByteArray("ERR 11 not-kept")
            << u"refused COMMIT: ERR 11 not-kept"_s << u"personalize.failed"_s << false;
    QTest::newRow("commit-silent") << QByteArray("*commit-silent") << QByteArray()
                                   << u"outcome is unknown"_s << u"personalize.uncertain"_s << true;
    QTest::newRow("read-back-differs")
            << QByteArray("COMMIT") << QByteArray("OK 00000002")
            << u"read-back differs from what was written in ID, SERIAL, LINK, NET, MGMT, "
               "POLICY, WL"_s
            << u"personalize.mismatch"_s << false;
}

void tst_PersonalizationStation::hostileNode()
{
    QFETCH(QByteArray, faultWord);
    QFETCH(QByteArray, faultAnswer);
    QFETCH(QString, errorContains);
    QFETCH(QString, audit);
    QFETCH(bool, keysKept);

    auto store = createStore();
    QVERIFY(store);
    QFile file(m_storePath);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray storeBefore = file.readAll();
    file.close();
    auto inventory = Inventory::open(m_dir->filePath(u"inventory.db"_s));
    QVERIFY(inventory);

    ScriptedNode peer;
    if (faultWord == "*silent") {
        peer.silent = true;
    } else if (faultWord == "*garbage") {
        peer.infoLines[2] = "SERIAL 0000 L";
    } else if (faultWord == "*commit-silent") {
        peer.silentFrom = "COMMIT"; // as if the cable were pulled during the commit
    } else {
        peer.faults[faultWord] = faultAnswer;
    }
    QVERIFY(peer.open(m_pty->gatewayPath));
    QSerialPort port;
    QVERIFY(openPort(port));

    PersonalizationStation station(store.get(), inventory->get());
    PersonalizationRequest request;
    request.nodeId = 5;
    request.generateLinkKey = true;
    PersonalizationTimeouts timeouts;
    timeouts.helloMs = 1000;
    timeouts.commandMs = 400;
    auto report = station.personalize(&port, request, timeouts);
    QVERIFY(!report);
    const QString message = report.error().message();
    QVERIFY2(message.contains(errorContains), qPrintable(message));

    // The store on disk: untouched when the node never took anything, or rolled back, or
    // (uncertain outcome) holding the new keys.
    auto reopened = KeyStore::open(m_storePath, KeyStore::passphraseFromText(u"station"));
    QVERIFY(reopened);
    if (keysKept) {
        QVERIFY(reopened->node(5));
        auto key = reopened->managementKey(5);
        QVERIFY(key);
        QVERIFY2(message.contains(key->fingerprint()), qPrintable(message));
        QVERIFY(nowhere(*key, capturedLog() << message));
        auto link = reopened->linkKey(5);
        QVERIFY(link);
        QVERIFY(nowhere(*link, capturedLog() << message));
    } else {
        QVERIFY(!reopened->node(5));
        QVERIFY(!store->node(5));
        if (audit.isEmpty()) {
            QVERIFY(file.open(QIODevice::ReadOnly));
            QCOMPARE(file.readAll(), storeBefore);
        }
    }
    QVERIFY(nowhere(m_networkKey, capturedLog() << message));

    AuditFilter filter;
    filter.node = 5;
    auto entries = (*inventory)->auditLog(filter);
    QVERIFY(entries);
    if (audit.isEmpty()) {
        QVERIFY(entries->isEmpty());
    } else {
        QCOMPARE(entries->size(), 1);
        QCOMPARE(entries->front().what, audit);
    }
    auto record = (*inventory)->node(5);
    QVERIFY(record);
    QVERIFY(!*record || (*record)->managementKeyFingerprint.isEmpty());
}

void tst_PersonalizationStation::infoParserRejects_data()
{
    QTest::addColumn<int>("line");
    QTest::addColumn<QByteArray>("replacement");
    QTest::addColumn<QString>("errorContains");

    QTest::newRow("version 3") << 0 << QByteArray("VERSION 3 0.1.0 2.3.2")
                               << u"another protocol version"_s;
    QTest::newRow("version text") << 0 << QByteArray("VERSION 2 abc 2.3.2")
                                  << u"line 1 (VERSION)"_s;
    QTest::newRow("id 0") << 1 << QByteArray("ID 00") << u"line 2 (ID)"_s;
    QTest::newRow("serial source")
            << 2 << QByteArray("SERIAL 000000000000000000 X") << u"line 3 (SERIAL)"_s;
    QTest::newRow("fingerprint case")
            << 3 << QByteArray("LINK 630D-cd29-66c4-3366") << u"line 4 (LINK)"_s;
    QTest::newRow("fingerprint short")
            << 3 << QByteArray("LINK 630d-cd29-66c4") << u"line 4 (LINK)"_s;
    QTest::newRow("epoch decimal") << 4 << QByteArray("NET - 7") << u"line 5 (NET)"_s;
    QTest::newRow("extra field") << 6 << QByteArray("MGMT - 00000000 00")
                                 << u"wrong number of fields"_s;
    QTest::newRow("order") << 7 << QByteArray("POLICY -") << u"line 8 (LEGACY)"_s;
    QTest::newRow("policy") << 8 << QByteArray("POLICY 08") << u"line 9 (POLICY)"_s;
    QTest::newRow("wl id FF") << 9 << QByteArray("WL FF 000000000000000000") << u"(WL)"_s;
    QTest::newRow("lock") << 9 << QByteArray("LOCK 5") << u"(LOCK)"_s;
}

void tst_PersonalizationStation::infoParserRejects()
{
    QFETCH(int, line);
    QFETCH(QByteArray, replacement);
    QFETCH(QString, errorContains);
    QList<QByteArray> lines = ScriptedNode().infoLines;
    QVERIFY(Internal::parsePersonalizationInfo(lines));
    if (replacement.startsWith("WL "))
        lines.insert(line, replacement);
    else
        lines[line] = replacement;
    auto parsed = Internal::parsePersonalizationInfo(lines);
    QVERIFY(!parsed);
    QVERIFY2(parsed.error().message().contains(errorContains),
             qPrintable(parsed.error().message()));
    // The error never quotes the line.
    QVERIFY(!parsed.error().message().contains(QString::fromLatin1(replacement)));
}

QTEST_GUILESS_MAIN(tst_PersonalizationStation)
#include "tst_personalizationstation.moc"
