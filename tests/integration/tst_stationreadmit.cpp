// Readmission through the personalization station, against the real warden-node program on a
// socat pty: node 5 personalized, revoked with SecurityWorkflows (the engine drops it), then
// refused by the station without readmission (nothing changed: key store file, audit log), then
// personalized again with readmission: the station lifts the revocation itself with the keys it
// generated, the engine accepts the node's signed frames on the same line, and the audit log
// shows revoke, then personalize and readmit. The same through `wardenctl personalize
// --readmit` (offline: key store and inventory alone). No key byte in any log line or output.
#include "engine/workflowkeys_p.h"
#include "serialpty.h"

#include <childprocess.h>

#include <warden/engine.h>
#include <warden/inventory.h>
#include <warden/jobs.h>
#include <warden/keystore.h>
#include <warden/linkplugin.h>
#include <warden/personalizationstation.h>
#include <warden/securityworkflows.h>

#include <QtCore/QCryptographicHash>
#include <QtCore/QMutex>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtSerialPort/QSerialPort>
#include <QtTest/QtTest>

#include <algorithm>
#include <cstring>

Q_IMPORT_PLUGIN(SerialLinkFactory)

using namespace Warden;
using namespace Warden::Test;
using namespace Qt::StringLiterals;

namespace {

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

/// @p key's hex (either case) appears in none of @p texts (every 16-digit window).
bool nowhere(const SecretBytes &key, const QStringList &texts)
{
    const QString lower = QString::fromLatin1(
            QByteArray(reinterpret_cast<const char *>(key.data()), qsizetype(key.size())).toHex());
    const QString upper = lower.toUpper();
    for (qsizetype at = 0; at + 16 <= lower.size(); at += 8)
        for (const QString &text : texts)
            if (text.contains(lower.mid(at, 16)) || text.contains(upper.mid(at, 16)))
                return false;
    return true;
}

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

QByteArrayView viewOf(const Serial &s)
{
    return QByteArrayView(reinterpret_cast<const char *>(s.data()), qsizetype(s.size()));
}

QByteArray fileHash(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256);
}

const Serial kGatewaySerial = serialOf("b1b2b3b4b5b6b7b8b9");
constexpr quint8 kNode = 5;

class NodeProcess : public WardenTest::ChildProcess
{
public:
    bool start(const QString &line, const QString &eeprom)
    {
        return ChildProcess::start(QStringLiteral(WARDEN_NODE_PATH),
                                   {u"--serial"_s, line, u"--eeprom"_s, eeprom});
    }
};

/// Engine, runner and workflows over a key store and an inventory, wired as the daemon does.
struct Daemon
{
    Daemon(KeyStore *keys, Inventory *inventory)
    {
        EngineOptions options;
        options.requireWhitelisting = true;
        engine = std::make_unique<Engine>(options);
        engine->setInventory(inventory);
        ManagementKeySource source;
        source.managementKey
                = [keys](quint8 node) { return Internal::workflowManagementKey(*keys, node); };
        source.linkKey = [keys](quint8 node) { return Internal::workflowLinkKey(*keys, node); };
        runner = std::make_unique<JobRunner>(engine.get(), inventory, source);
        if (!runner->start())
            qFatal("runner not started");
        workflows
                = std::make_unique<SecurityWorkflows>(engine.get(), inventory, keys, runner.get());
    }
    ~Daemon()
    {
        workflows.reset();
        runner.reset();
    }
    /// What the key store holds, into the engine.
    bool load(const KeyStore &keys)
    {
        for (const NetworkKeyInfo &info : keys.networkKeys()) {
            auto key = keys.networkKey(info.epoch);
            if (!key || !engine->setNetworkKey(info.epoch, *key))
                return false;
            if (info.state == NetworkKeyState::Active && !engine->activateEpoch(info.epoch))
                return false;
        }
        if (keys.gatewaySerial() && !engine->setGatewaySerial(viewOf(*keys.gatewaySerial())))
            return false;
        for (const NodeKeyInfo &node : keys.nodes()) {
            if (node.serial && !engine->setNodeSerial(node.nodeId, viewOf(*node.serial)))
                return false;
            if (auto link = keys.linkKey(node.nodeId);
                link && !engine->setNodeKey(node.nodeId, *link))
                return false;
        }
        return true;
    }

    std::unique_ptr<Engine> engine;
    std::unique_ptr<JobRunner> runner;
    std::unique_ptr<SecurityWorkflows> workflows;
};

} // namespace

class tst_StationReadmit : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void readmissionThroughTheStation();
    void wardenctlReadmits();

private:
    std::unique_ptr<KeyStore> createStore(const QString &path);
    bool openPort(QSerialPort &port, const PtyPair &pty);

    SecretBytes m_networkKey;
};

void tst_StationReadmit::initTestCase()
{
    QLoggingCategory::setFilterRules(u"warden.core.*.debug=true"_s);
    g_previousHandler = qInstallMessageHandler(captureMessage);
    auto key = SecretBytes::random(32);
    QVERIFY(key);
    m_networkKey = *key;
}

std::unique_ptr<KeyStore> tst_StationReadmit::createStore(const QString &path)
{
    KeyStoreParams cheap;
    cheap.memoryKiB = 64;
    cheap.iterations = 1;
    auto store = KeyStore::create(path, KeyStore::passphraseFromText(u"readmit"), cheap);
    if (!store || !store->setNetworkKey(1, m_networkKey, NetworkKeyState::Active))
        return nullptr;
    store->setGatewaySerial(kGatewaySerial);
    if (!store->save())
        return nullptr;
    return std::make_unique<KeyStore>(std::move(*store));
}

bool tst_StationReadmit::openPort(QSerialPort &port, const PtyPair &pty)
{
    port.setPortName(pty.linkPath);
    if (!port.open(QIODevice::ReadWrite))
        return false;
    port.setBaudRate(QSerialPort::Baud115200);
    return true;
}

void tst_StationReadmit::readmissionThroughTheStation()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    PtyPair pty(dir.path(), u"readmit"_s);
    QVERIFY(pty.start());
    const QString storePath = dir.filePath(u"keys.wks"_s);
    const QString eeprom = dir.filePath(u"node.eeprom"_s);
    auto store = createStore(storePath);
    QVERIFY(store);
    auto inventory = Inventory::open(dir.filePath(u"inventory.db"_s));
    QVERIFY2(inventory, qPrintable(errorOf(inventory)));
    Daemon daemon(store.get(), inventory->get());

    // 1. Node 5 personalized; the engine gets what the store holds.
    PersonalizationStation station(store.get(), inventory->get());
    station.setWorkflows(daemon.workflows.get());
    PersonalizationRequest request;
    request.nodeId = kNode;
    request.generateLinkKey = true;
    request.who = u"test:station"_s;
    QString firstLink;
    {
        NodeProcess node;
        QVERIFY(node.start(pty.gatewayPath, eeprom));
        QSerialPort port;
        QVERIFY(openPort(port, pty));
        auto first = station.personalize(&port, request);
        QVERIFY2(first, qPrintable(errorOf(first)));
        QCOMPARE(first->readmissionAuditId, qint64(0));
        firstLink = first->linkKeyFingerprint;
    }
    QVERIFY(daemon.load(*store));

    // 2. Revoked: the engine drops it, its keys leave the store.
    auto revoked = daemon.workflows->revokeNode(kNode, u"lost in the field"_s, u"test:ops"_s);
    QVERIFY2(revoked, qPrintable(errorOf(revoked)));
    QVERIFY(daemon.engine->isRevoked(kNode));

    // 3. The station refuses the revoked id unless asked to readmit: nothing changes, the node
    //    is not even spoken to.
    {
        QSerialPort port;
        QVERIFY(openPort(port, pty));
        const QByteArray storeBefore = fileHash(storePath);
        auto auditBefore = (*inventory)->auditLog();
        QVERIFY(auditBefore);
        auto refused = station.personalize(&port, request);
        QVERIFY(!refused);
        QVERIFY2(refused.error().message().contains(u"node 5 is revoked"_s),
                 qPrintable(refused.error().message()));
        QVERIFY(refused.error().message().contains(u"nothing was changed"_s));
        QCOMPARE(fileHash(storePath), storeBefore);
        QVERIFY(!store->hasUnsavedChanges());
        QVERIFY((*inventory)->flush());
        auto auditAfter = (*inventory)->auditLog();
        QVERIFY(auditAfter);
        QCOMPARE(auditAfter->size(), auditBefore->size());
        QVERIFY(daemon.engine->isRevoked(kNode));
        // Readmission of an id that is not revoked is refused as well.
        PersonalizationRequest other = request;
        other.nodeId = 6;
        other.readmit = true;
        auto notRevoked = station.personalize(&port, other);
        QVERIFY(!notRevoked);
        QVERIFY2(notRevoked.error().message().contains(u"not revoked"_s),
                 qPrintable(notRevoked.error().message()));
        QCOMPARE(fileHash(storePath), storeBefore);
    }

    // 4. With readmission: new keys on the node, the revocation lifted by the station.
    NodeProcess node;
    QVERIFY(node.start(pty.gatewayPath, eeprom));
    PersonalizationReport second;
    {
        QSerialPort port;
        QVERIFY(openPort(port, pty));
        PersonalizationRequest readmit = request;
        readmit.readmit = true;
        readmit.readmitWhy = u"found and re-personalized"_s;
        auto report = station.personalize(&port, readmit);
        QVERIFY2(report, qPrintable(errorOf(report)));
        second = *report;
    }
    QVERIFY(second.readmissionAuditId > 0);
    QVERIFY2(second.engineUpdated, qPrintable(second.engineProblem)); // reloadNode, with a facade
    QVERIFY(second.linkKeyFingerprint != firstLink);
    QVERIFY(!daemon.engine->isRevoked(kNode));
    auto record = (*inventory)->node(kNode);
    QVERIFY(record && *record);
    QVERIFY(!(*record)->revoked);
    QCOMPARE((*record)->linkKeyFingerprint, second.linkKeyFingerprint);
    QCOMPARE(store->node(kNode)->linkKeyFingerprint, second.linkKeyFingerprint);

    // The audit log, newest first: readmit, personalize, ..., revoke, ..., personalize.
    AuditFilter filter;
    filter.node = kNode;
    auto audit = (*inventory)->auditLog(filter);
    QVERIFY(audit && audit->size() >= 4);
    QStringList whats;
    for (const AuditEntry &entry : *audit)
        whats << entry.what;
    QCOMPARE(whats.front(), u"readmit"_s);
    QCOMPARE(audit->front().id, second.readmissionAuditId);
    QCOMPARE(audit->front().why, u"found and re-personalized"_s);
    QCOMPARE(whats.at(1), u"personalize"_s);
    QVERIFY2(whats.indexOf(u"revoke"_s) > 1, qPrintable(whats.join(u", "_s)));
    QCOMPARE(whats.back(), u"personalize"_s);

    // 5. The engine accepts the node's signed frames on the same line (RS485 framing).
    LinkRegistry registry;
    registry.loadStaticPlugins();
    auto link = registry.create(
            {u"serial"_s, u"usb"_s, {{u"port"_s, pty.linkPath}, {u"framing"_s, u"rs485"_s}}});
    QVERIFY2(link, qPrintable(errorOf(link)));
    QList<TrafficRecord> fromNode;
    connect(daemon.engine.get(), &Engine::traffic, daemon.engine.get(),
            [&](const TrafficRecord &seen) {
                if (!seen.outgoing && seen.verdict != FrameVerdict::Malformed
                    && seen.message.sender() == kNode)
                    fromNode << seen;
            });
    QVERIFY(daemon.engine->addLink(link->get()));
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
    for (const TrafficRecord &got : fromNode)
        QVERIFY2(isAccepted(got.verdict), frameVerdictName(got.verdict));
    daemon.engine->removeLink(link->get());
    node.stop();

    // No key byte in any log line.
    auto linkKey = store->linkKey(kNode);
    auto managementKey = store->managementKey(kNode);
    QVERIFY(linkKey && managementKey);
    const QStringList log = capturedLog();
    QVERIFY(nowhere(*linkKey, log));
    QVERIFY(nowhere(*managementKey, log));
    QVERIFY(nowhere(m_networkKey, log));
}

void tst_StationReadmit::wardenctlReadmits()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    PtyPair pty(dir.path(), u"ctl"_s);
    QVERIFY(pty.start());
    const QString storePath = dir.filePath(u"keys.wks"_s);
    const QString inventoryPath = dir.filePath(u"inventory.db"_s);
    const QString eeprom = dir.filePath(u"node.eeprom"_s);
    const auto wardenctl = [&](const QStringList &extra, QByteArray *out, QByteArray *err) {
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"WARDEN_PASSPHRASE"_s, u"readmit"_s);
        process.setProcessEnvironment(env);
        process.start(QStringLiteral(WARDENCTL_PATH),
                      QStringList {u"personalize"_s, u"--port"_s, pty.linkPath, u"--node-id"_s,
                                   u"5"_s, u"--store"_s, storePath, u"--inventory"_s, inventoryPath,
                                   u"--link-key"_s}
                              + extra);
        if (!process.waitForFinished(30000))
            return -1;
        *out = process.readAllStandardOutput();
        *err = process.readAllStandardError();
        return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    };

    // Personalized, then revoked (with the engine of a daemon that is then shut down).
    {
        QVERIFY(createStore(storePath));
        NodeProcess node;
        QVERIFY(node.start(pty.gatewayPath, eeprom));
        QByteArray out, err;
        QCOMPARE(wardenctl({}, &out, &err), 0);
        // The daemon opens the store wardenctl wrote.
        auto opened = KeyStore::open(storePath, KeyStore::passphraseFromText(u"readmit"));
        QVERIFY2(opened, qPrintable(errorOf(opened)));
        auto store = std::make_unique<KeyStore>(std::move(*opened));
        auto inventory = Inventory::open(inventoryPath);
        QVERIFY2(inventory, qPrintable(errorOf(inventory)));
        Daemon daemon(store.get(), inventory->get());
        QVERIFY(daemon.load(*store));
        auto revoked = daemon.workflows->revokeNode(kNode, u"stolen"_s, u"test:ops"_s);
        QVERIFY2(revoked, qPrintable(errorOf(revoked)));
        QVERIFY2(revoked->problems.isEmpty(), qPrintable(revoked->problems.join(u"; "_s)));
    }

    // Without --readmit: refused, exit 1, the store file unchanged.
    QByteArray out, err;
    const QByteArray before = fileHash(storePath);
    QCOMPARE(wardenctl({}, &out, &err), 1);
    QVERIFY2(err.contains("node 5 is revoked"), err.constData());
    QCOMPARE(fileHash(storePath), before);

    // With --readmit: personalized and readmitted, offline.
    NodeProcess node;
    QVERIFY(node.start(pty.gatewayPath, eeprom));
    const int readmitted
            = wardenctl({u"--readmit"_s, u"--why"_s, u"back from repair"_s}, &out, &err);
    QVERIFY2(readmitted == 0, err.constData());
    QVERIFY2(out.contains("Readmitted"), out.constData());
    // Offline: it says plainly when a running daemon sees it.
    QVERIFY2(out.contains("at its next start") && out.contains("node.reload"), out.constData());
    node.stop();
    auto inventory = Inventory::open(inventoryPath);
    QVERIFY2(inventory, qPrintable(errorOf(inventory)));
    auto record = (*inventory)->node(kNode);
    QVERIFY(record && *record);
    QVERIFY(!(*record)->revoked);
    AuditFilter filter;
    filter.node = kNode;
    auto audit = (*inventory)->auditLog(filter);
    QVERIFY(audit && !audit->isEmpty());
    QCOMPARE(audit->front().what, u"readmit"_s);
    QCOMPARE(audit->front().who, u"wardenctl"_s);
    QCOMPARE(audit->front().why, u"back from repair"_s);
    // A fresh engine that loads the inventory does not drop the node any more.
    Engine engine {EngineOptions {}};
    engine.setInventory(inventory->get());
    QVERIFY(!engine.isRevoked(kNode));

    auto reopened = KeyStore::open(storePath, KeyStore::passphraseFromText(u"readmit"));
    QVERIFY(reopened);
    auto linkKey = reopened->linkKey(kNode);
    QVERIFY(linkKey);
    QVERIFY(nowhere(*linkKey, {QString::fromLatin1(out), QString::fromLatin1(err)}));
}

QTEST_GUILESS_MAIN(tst_StationReadmit)
#include "tst_stationreadmit.moc"
