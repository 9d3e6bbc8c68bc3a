// The import of a Linux gateway's configuration (Warden::GatewayImport, wardenctl
// import-gateway) with real files, a real sealed key store and a real SQLite inventory: the
// shipped vectors' live network as mysensors.conf + EEPROM image + whitelist option, imported,
// then the captured frames verify with what the store holds and an Engine restored from the store
// accepts the node; hostile files and conflicting stores are refused with nothing changed; no key
// byte in any message or log line.
#include "loopbacklink.h"
#include "testnode.h"
#include "vectorfiles.h"

#include <warden/engine.h>
#include <warden/gatewayimport.h>
#include <warden/inventory.h>
#include <warden/keystore.h>
#include <warden/protocol/sha256.h>
#include <warden/signer.h>
#include <warden/stockformats.h>

#include <QtCore/QCryptographicHash>
#include <QtCore/QDir>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QMutex>
#include <QtCore/QProcess>
#include <QtCore/QRandomGenerator>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <cstring>
#include <functional>

using namespace Warden;
using namespace Qt::StringLiterals;

#define QVERIFY_OK(result) \
    QVERIFY2(bool(result), (result) ? "" : qPrintable((result).error().message()))

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

SecretBytes secret(const QByteArray &bytes)
{
    return SecretBytes(reinterpret_cast<const uint8_t *>(bytes.constData()), size_t(bytes.size()));
}

Serial serialFrom(const QByteArray &bytes)
{
    Serial s {};
    std::memcpy(s.data(), bytes.constData(), s.size());
    return s;
}

/// @p key's hex (either case) appears in none of @p texts: every 16-digit window is looked for.
bool nowhere(const QByteArray &key, const QStringList &texts)
{
    const QString lower = QString::fromLatin1(key.toHex());
    const QString upper = lower.toUpper();
    for (qsizetype at = 0; at + 16 <= lower.size(); at += 8)
        for (const QString &text : texts)
            if (text.contains(lower.mid(at, 16)) || text.contains(upper.mid(at, 16)))
                return false;
    return true;
}

/// The vectors' live network (the first file that has one).
struct LiveNetwork
{
    QByteArray key;
    QByteArray gatewaySerial;
    QByteArray nodeSerial;
    QList<WhitelistEntry> gatewayWhitelist;
    QJsonArray vectors;
};

std::optional<LiveNetwork> liveNetwork()
{
    for (const QString &path : WardenTest::vectorFiles()) {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            continue;
        const QJsonArray list = QJsonDocument::fromJson(file.readAll()).array();
        const QJsonObject live = list.at(0).toObject().value(u"live_network").toObject();
        if (live.isEmpty())
            continue;
        LiveNetwork out;
        out.key = WardenTest::fromHex(live[u"hmac_key_hex"]);
        out.gatewaySerial = WardenTest::fromHex(live[u"gateway_serial_hex"]);
        out.nodeSerial = WardenTest::fromHex(live[u"node1_serial_hex"]);
        const QJsonObject wl = live[u"gateway_whitelist"].toObject();
        for (auto it = wl.begin(); it != wl.end(); ++it)
            out.gatewayWhitelist.append(
                    {quint8(it.key().toInt()),
                     serialFrom(QByteArray::fromHex(it.value().toString().toLatin1()))});
        out.vectors = list;
        return out;
    }
    return std::nullopt;
}

/// A 1024-byte mysgw EEPROM image (spec 7.1, 13.3) with the checksum of spec 7.2.
QByteArray eepromImage(const QByteArray &key, const QByteArray &serial, const QByteArray &aes,
                       qsizetype size = 1024)
{
    QByteArray image(size, '\xFF');
    image.replace(355, 32, key);
    image.replace(387, 9, serial);
    if (!aes.isEmpty())
        image.replace(396, 16, aes);
    const QByteArray covered = image.mid(355, 32) + image.mid(396, 16) + image.mid(387, 9);
    image[282] = QCryptographicHash::hash(covered, QCryptographicHash::Sha256).at(0);
    return image;
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate)
           && file.write(bytes) == bytes.size();
}

QByteArray fileHash(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256);
}

const QByteArray kAes = QByteArray::fromHex("404142434445464748494a4b4c4d4e4f");
const QByteArray kOtherKey = QByteArray(32, '\x5A');

} // namespace

class tst_GatewayImport : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void importsTheLiveNetwork();
    void pendingEpochAndReimport();
    void hostileInput_data();
    void hostileInput();
    void eepromReader_data();
    void eepromReader();
    void whitelistReader_data();
    void whitelistReader();
    void checksumMismatchAcceptedOnRequest();
    void inventoryRefusalPutsTheStoreBack();
    void mutatedInputs();
    void wardenctlImports();

private:
    /// mysensors.conf (eeprom_file = gw.eeprom beside it) and the image, from the live network.
    bool writeGatewayFiles(const QByteArray &confKey, const QByteArray &eepromKey,
                           const QByteArray &eepromSerial);
    std::unique_ptr<KeyStore> createStore(const QByteArray &activeKey = {},
                                          const QByteArray &gatewaySerial = {});
    QByteArray whitelistOption() const;

    LiveNetwork m_live;
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_conf;
    QString m_eeprom;
    QString m_store;
    QString m_inventory;
};

void tst_GatewayImport::initTestCase()
{
    QLoggingCategory::setFilterRules(u"warden.core.*.debug=true"_s);
    g_previousHandler = qInstallMessageHandler(captureMessage);
    auto live = liveNetwork();
    QVERIFY2(live, "no vector file holds a live network");
    m_live = *live;
    QCOMPARE(m_live.key.size(), 32);
    QCOMPARE(m_live.gatewaySerial.size(), 9);
    QVERIFY(!m_live.gatewayWhitelist.isEmpty());
}

void tst_GatewayImport::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_conf = m_dir->filePath(u"mysensors.conf"_s);
    m_eeprom = m_dir->filePath(u"gw.eeprom"_s);
    m_store = m_dir->filePath(u"keys.wks"_s);
    m_inventory = m_dir->filePath(u"inventory.db"_s);
}

void tst_GatewayImport::cleanup()
{
    m_dir.reset();
}

bool tst_GatewayImport::writeGatewayFiles(const QByteArray &confKey, const QByteArray &eepromKey,
                                          const QByteArray &eepromSerial)
{
    GatewayConfig config = GatewayConfig::defaults();
    if (!config.setSetting(u"eeprom_file"_s, u"gw.eeprom"_s))
        return false;
    config.hmacKey = secret(confKey);
    config.serial = serialFrom(m_live.gatewaySerial);
    config.aesKey = secret(kAes);
    if (!StockFormats::writeGatewayConfig(m_conf, config))
        return false;
    return writeFile(m_eeprom, eepromImage(eepromKey, eepromSerial, kAes));
}

std::unique_ptr<KeyStore> tst_GatewayImport::createStore(const QByteArray &activeKey,
                                                         const QByteArray &gatewaySerial)
{
    KeyStoreParams cheap;
    cheap.memoryKiB = 64;
    cheap.iterations = 1;
    auto store = KeyStore::create(m_store, KeyStore::passphraseFromText(u"import"), cheap);
    if (!store)
        return nullptr;
    if (!activeKey.isEmpty()
        && !store->setNetworkKey(1, secret(activeKey), NetworkKeyState::Active))
        return nullptr;
    if (!gatewaySerial.isEmpty())
        store->setGatewaySerial(serialFrom(gatewaySerial));
    if (!store->save())
        return nullptr;
    return std::make_unique<KeyStore>(std::move(*store));
}

QByteArray tst_GatewayImport::whitelistOption() const
{
    auto option = StockFormats::linuxWhitelistOption(m_live.gatewayWhitelist);
    return option ? *option : QByteArray();
}

void tst_GatewayImport::importsTheLiveNetwork()
{
    QVERIFY(writeGatewayFiles(m_live.key, m_live.key, m_live.gatewaySerial));
    auto store = createStore();
    QVERIFY(store);
    auto inventory = Inventory::open(m_inventory);
    QVERIFY_OK(inventory);

    GatewayImportRequest request;
    request.configPath = m_conf; // the image is found through the conf's eeprom_file
    request.whitelist = "./configure --my-signing=software --my-signing-request-signatures "
                        + whitelistOption() + " --my-transport=rs485";
    request.who = u"test:import"_s;
    auto report = GatewayImport::importGateway(*store, **inventory, request);
    QVERIFY_OK(report);
    qInfo().noquote() << report->text();
    const SecretBytes key = secret(m_live.key);
    QCOMPARE(report->networkKeyFingerprint, key.fingerprint());
    QCOMPARE(report->epoch, quint16(1));
    QCOMPARE(report->state, NetworkKeyState::Active);
    QVERIFY(!report->keyAlreadyHeld);
    QCOMPARE(report->gatewaySerialHex, QString::fromLatin1(m_live.gatewaySerial.toHex()));
    QCOMPARE(report->aesKeyFingerprint, secret(kAes).fingerprint());
    QCOMPARE(report->eepromPath, m_eeprom);
    QCOMPARE(report->nodes, QList<quint8>({1}));
    QVERIFY(report->text().contains(u"Warden does not use it"_s));

    // The store on disk.
    auto reopened = KeyStore::open(m_store, KeyStore::passphraseFromText(u"import"));
    QVERIFY_OK(reopened);
    QCOMPARE(reopened->networkKeys().size(), 1);
    QCOMPARE(reopened->networkKeys().front().state, NetworkKeyState::Active);
    auto storedKey = reopened->networkKey(1);
    QVERIFY_OK(storedKey);
    QCOMPARE(storedKey->fingerprint(), key.fingerprint());
    QVERIFY(reopened->gatewaySerial() == serialFrom(m_live.gatewaySerial));
    const auto node1 = reopened->node(1);
    QVERIFY(node1 && node1->serial);
    QVERIFY(*node1->serial == serialFrom(m_live.nodeSerial));

    // The inventory: the node's serial, the key epoch, the audit entry by fingerprint.
    auto record = (*inventory)->node(1);
    QVERIFY(record && *record);
    QCOMPARE((*record)->serialHex, QString::fromLatin1(m_live.nodeSerial.toHex()));
    auto epochs = (*inventory)->keyEpochs();
    QVERIFY(epochs && epochs->size() == 1);
    QCOMPARE(epochs->front().keyFingerprint, key.fingerprint());
    AuditFilter filter;
    filter.what = QString::fromLatin1(GatewayImport::kAuditWhat);
    auto audit = (*inventory)->auditLog(filter);
    QVERIFY(audit && audit->size() == 1);
    QCOMPARE(audit->front().id, report->auditId);
    QCOMPARE(audit->front().who, u"test:import"_s);
    QCOMPARE(audit->front().details.value(u"networkKey"_s).toString(), key.fingerprint());

    // The captured frames verify with what the store holds (node -> gateway: the store's key and
    // its serial for node 1) and re-sign bit for bit (gateway -> node: the store's gateway
    // serial).
    int frames = 0;
    for (const QJsonValue &value : m_live.vectors) {
        const QJsonObject v = value.toObject();
        if (v[u"kind"] != u"signing"_s || v[u"source"] != u"live-network"_s || !v[u"valid"].toBool()
            || !v[u"tamper"].isNull() || v.contains(u"signer_hmac_key_hex"))
            continue;
        const bool fromNode = v[u"sender"].toInt() == 1 && v[u"destination"].toInt() == 0;
        if (!fromNode && !(v[u"sender"].toInt() == 0 && v[u"destination"].toInt() == 1))
            continue;
        const QByteArray wire = WardenTest::fromHex(v[u"message_hex"]);
        Protocol::Message message;
        QCOMPARE(Protocol::Message::decode(reinterpret_cast<const uint8_t *>(wire.constData()),
                                           size_t(wire.size()), message),
                 Protocol::DecodeError::None);
        Nonce nonce {};
        const QByteArray nonceBytes = WardenTest::fromHex(v[u"nonce_hex"]);
        QCOMPARE(nonceBytes.size(), qsizetype(nonce.size()));
        std::memcpy(nonce.data(), nonceBytes.constData(), nonce.size());
        Signer signer(*storedKey);
        if (fromNode) {
            QCOMPARE(signer.verify(message, nonce, *node1->serial), Protocol::Verdict::Verified);
        } else {
            Protocol::Message toSign = message;
            toSign.setSigned(false);
            QVERIFY_OK(signer.sign(toSign, nonce, *reopened->gatewaySerial()));
            QCOMPARE(QByteArray(reinterpret_cast<const char *>(toSign.data()),
                                qsizetype(toSign.size()))
                             .toHex(),
                     wire.toHex());
        }
        ++frames;
    }
    qInfo("%d captured frames verified or re-signed with the imported store", frames);
    QVERIFY(frames >= 1);

    // An Engine restored from the store (whitelisting required) accepts node 1 signing with the
    // network's key and salting with its serial, and refuses the same node with another serial.
    EngineOptions options;
    options.requireWhitelisting = true;
    Test::LoopbackLink link(LinkFraming::RadioFrames);
    Engine engine(options);
    quint32 now = 1000;
    engine.setClock([&now] { return now; });
    QVERIFY(engine.addLink(&link));
    link.open();
    for (const NetworkKeyInfo &info : reopened->networkKeys()) {
        auto k = reopened->networkKey(info.epoch);
        QVERIFY_OK(k);
        QVERIFY(engine.setNetworkKey(info.epoch, *k));
        if (info.state == NetworkKeyState::Active)
            QVERIFY(engine.activateEpoch(info.epoch));
    }
    const auto asView = [](const Serial &s) {
        return QByteArrayView(reinterpret_cast<const char *>(s.data()), qsizetype(s.size()));
    };
    QVERIFY(engine.setGatewaySerial(asView(*reopened->gatewaySerial())));
    for (const NodeKeyInfo &info : reopened->nodes())
        if (info.serial)
            QVERIFY(engine.setNodeSerial(info.nodeId, asView(*info.serial)));
    QSignalSpy traffic(&engine, &Engine::traffic);
    const auto lastIncoming = [&traffic] {
        for (qsizetype i = traffic.size() - 1; i >= 0; --i) {
            const auto r = traffic.at(i).at(0).value<TrafficRecord>();
            if (!r.outgoing)
                return r.verdict;
        }
        return FrameVerdict::Outgoing;
    };
    Test::TestNode node(1, key);
    std::memcpy(node.serial, m_live.nodeSerial.constData(), 9);
    link.inject(Test::bytesOf(node.signedFrame(link, node.temperature(21.5f), true)));
    QCOMPARE(lastIncoming(), FrameVerdict::Verified);
    node.serial[0] ^= 1;
    link.inject(Test::bytesOf(node.signedFrame(link, node.temperature(22.5f), true)));
    QCOMPARE(lastIncoming(), FrameVerdict::BadSignature);

    // No key byte in any log line or in the report.
    QStringList texts = capturedLog();
    texts << report->text();
    QVERIFY(!nowhere(m_live.key, {QString::fromLatin1(m_live.key.toHex())}));
    QVERIFY(nowhere(m_live.key, texts));
    QVERIFY(nowhere(kAes, texts));
}

void tst_GatewayImport::pendingEpochAndReimport()
{
    QVERIFY(writeGatewayFiles(m_live.key, m_live.key, m_live.gatewaySerial));
    auto store = createStore(kOtherKey, m_live.gatewaySerial);
    QVERIFY(store);
    auto inventory = Inventory::open(m_inventory);
    QVERIFY_OK(inventory);
    GatewayImportRequest request;
    request.configPath = m_conf;
    request.eepromPath = m_eeprom;

    // Another active key: refused, unless asked for a pending epoch.
    auto refused = GatewayImport::importGateway(*store, **inventory, request);
    QVERIFY(!refused);
    QVERIFY2(refused.error().message().contains(u"different active network key"_s),
             qPrintable(refused.error().message()));
    request.asPendingEpoch = true;
    auto pending = GatewayImport::importGateway(*store, **inventory, request);
    QVERIFY_OK(pending);
    QCOMPARE(pending->epoch, quint16(2));
    QCOMPARE(pending->state, NetworkKeyState::Pending);
    QVERIFY(pending->nodes.isEmpty());
    QVERIFY(pending->text().contains(u"pending"_s));
    QCOMPARE(store->networkKeyInfo(1)->state, NetworkKeyState::Active);
    QCOMPARE(store->networkKeyInfo(2)->state, NetworkKeyState::Pending);

    // The same again: the key is held already, nothing new but the audit entry.
    auto again = GatewayImport::importGateway(*store, **inventory, request);
    QVERIFY_OK(again);
    QVERIFY(again->keyAlreadyHeld);
    QCOMPARE(again->epoch, quint16(2));
    QCOMPARE(store->networkKeys().size(), 2);
    AuditFilter filter;
    filter.what = QString::fromLatin1(GatewayImport::kAuditWhat);
    auto audit = (*inventory)->auditLog(filter);
    QVERIFY(audit);
    QCOMPARE(audit->size(), 2);
}

void tst_GatewayImport::hostileInput_data()
{
    QTest::addColumn<QString>("setup");
    QTest::addColumn<QString>("named");
    QTest::newRow("missing conf") << u"no-conf"_s << u"cannot read"_s;
    QTest::newRow("missing named eeprom") << u"no-eeprom"_s << u"cannot read the EEPROM image"_s;
    QTest::newRow("truncated eeprom") << u"truncated"_s << u"eeprom_size says 1024"_s;
    QTest::newRow("wrong checksum") << u"checksum"_s << u"checksum (byte 282)"_s;
    QTest::newRow("erased eeprom") << u"erased"_s << u"never personalized"_s;
    QTest::newRow("eeprom with another key") << u"other-key"_s << u"disagree on the HMAC key"_s;
    QTest::newRow("eeprom with another serial") << u"other-serial"_s << u"disagree on the serial"_s;
    QTest::newRow("store with another key") << u"store-key"_s << u"different active network key"_s;
    QTest::newRow("store with another gateway serial")
            << u"store-serial"_s << u"the key store's gateway serial is"_s;
    QTest::newRow("malformed whitelist") << u"bad-whitelist"_s << u"whitelist entry 1"_s;
    QTest::newRow("whitelist against the store") << u"node-serial"_s << u"holds serial"_s;
    QTest::newRow("conf without keys") << u"no-keys"_s << u"no soft_hmac_key"_s;
}

void tst_GatewayImport::hostileInput()
{
    QFETCH(QString, setup);
    QFETCH(QString, named);
    QVERIFY(writeGatewayFiles(m_live.key, m_live.key, m_live.gatewaySerial));
    GatewayImportRequest request;
    request.configPath = m_conf;
    request.eepromPath = m_eeprom;
    request.whitelist = whitelistOption();
    QByteArray storeKey;
    QByteArray storeSerial;
    if (setup == u"no-conf") {
        request.configPath = m_dir->filePath(u"absent.conf"_s);
    } else if (setup == u"no-eeprom") {
        request.eepromPath = m_dir->filePath(u"absent.eeprom"_s);
    } else if (setup == u"truncated") {
        QVERIFY(writeFile(m_eeprom, eepromImage(m_live.key, m_live.gatewaySerial, kAes).left(400)));
    } else if (setup == u"checksum") {
        QByteArray image = eepromImage(m_live.key, m_live.gatewaySerial, kAes);
        image[282] = char(image[282] ^ 0x01);
        QVERIFY(writeFile(m_eeprom, image));
    } else if (setup == u"erased") {
        QVERIFY(writeFile(m_eeprom, QByteArray(1024, '\xFF')));
    } else if (setup == u"other-key") {
        QVERIFY(writeGatewayFiles(m_live.key, kOtherKey, m_live.gatewaySerial));
    } else if (setup == u"other-serial") {
        QVERIFY(writeGatewayFiles(m_live.key, m_live.key, QByteArray(9, '\x01')));
    } else if (setup == u"store-key") {
        storeKey = kOtherKey;
    } else if (setup == u"store-serial") {
        storeSerial = QByteArray(9, '\x02');
    } else if (setup == u"bad-whitelist") {
        request.whitelist = "--my-signing-whitelist=\"{{.nodeId=1,.serial={0x01,0x02}}}\"";
    } else if (setup == u"node-serial") {
        // Created below: the store knows node 1 with another serial.
    } else if (setup == u"no-keys") {
        QVERIFY(writeFile(m_conf, "eeprom_file=gw.eeprom\neeprom_size=1024\naes_key=" + kAes.toHex()
                                          + "\n"));
    }
    auto store = createStore(storeKey, storeSerial);
    QVERIFY(store);
    if (setup == u"node-serial") {
        QVERIFY(store->setSerial(1, serialFrom(QByteArray(9, '\x03'))));
        QVERIFY(store->save());
    }
    const QByteArray storeBefore = fileHash(m_store);
    const int backupsBefore = int(store->backups().size());
    const int keysBefore = int(store->networkKeys().size());
    auto inventory = Inventory::open(m_inventory);
    QVERIFY_OK(inventory);

    auto result = GatewayImport::importGateway(*store, **inventory, request);
    QVERIFY(!result);
    const QString message = result.error().message();
    QVERIFY2(message.contains(named), qPrintable(message));
    QVERIFY2(message.contains(u"nothing was changed"_s), qPrintable(message));
    QVERIFY(nowhere(m_live.key, {message}));
    QVERIFY(nowhere(kOtherKey, {message}));
    QVERIFY(nowhere(kAes, {message}));

    // Nothing changed: the store in memory and on disk, the inventory.
    QCOMPARE(fileHash(m_store), storeBefore);
    QCOMPARE(int(store->backups().size()), backupsBefore);
    QCOMPARE(int(store->networkKeys().size()), keysBefore);
    QVERIFY(!store->hasUnsavedChanges());
    QVERIFY((*inventory)->flush());
    auto nodes = (*inventory)->nodes();
    QVERIFY(nodes && nodes->isEmpty());
    auto audit = (*inventory)->auditLog();
    QVERIFY(audit && audit->isEmpty());
    auto epochs = (*inventory)->keyEpochs();
    QVERIFY(epochs && epochs->isEmpty());
    QVERIFY(nowhere(m_live.key, capturedLog()));
}

void tst_GatewayImport::eepromReader_data()
{
    QTest::addColumn<QByteArray>("image");
    QTest::addColumn<QString>("named"); // empty: accepted
    const QByteArray key = QByteArray::fromHex(
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    const QByteArray serial = QByteArray::fromHex("112233445566778899");
    const QByteArray good = eepromImage(key, serial, kAes);
    QTest::newRow("spec example") << good << QString();
    QTest::newRow("the smallest image") << good.left(412) << QString();
    QTest::newRow("one byte short") << good.left(411) << u"truncated"_s;
    QTest::newRow("empty") << QByteArray() << u"holds 0 bytes"_s;
    QByteArray flipped = good;
    flipped[360] = char(flipped[360] ^ 0x80);
    QTest::newRow("a key bit flipped") << flipped << u"checksum"_s;
    QTest::newRow("erased") << QByteArray(1024, '\xFF') << u"never personalized"_s;
}

void tst_GatewayImport::eepromReader()
{
    QFETCH(QByteArray, image);
    QFETCH(QString, named);
    auto parsed = StockFormats::parseEepromPersonalization(image);
    if (named.isEmpty()) {
        QVERIFY_OK(parsed);
        // Spec 7.2's example: key 00..1F, AES 40..4F, serial 112233445566778899 -> DA.
        QCOMPARE(parsed->checksum, quint8(0xDA));
        QCOMPARE(parsed->hmacKey.size(), size_t(32));
        QCOMPARE(parsed->aesKey.fingerprint(), secret(kAes).fingerprint());
        QVERIFY(parsed->serial == serialFrom(QByteArray::fromHex("112233445566778899")));
    } else {
        QVERIFY(!parsed);
        QVERIFY2(parsed.error().message().contains(named), qPrintable(parsed.error().message()));
    }
}

void tst_GatewayImport::whitelistReader_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("entries"); // -1: refused
    QTest::addColumn<QString>("named");
    const QList<WhitelistEntry> two {{0, serialFrom(QByteArray::fromHex("2a9139da9eff632852"))},
                                     {7, serialFrom(QByteArray::fromHex("4d32968e523bda8a0e"))}};
    QTest::newRow("configure option") << *StockFormats::linuxWhitelistOption(two) << 2 << QString();
    QTest::newRow("define") << *StockFormats::whitelistDefine(two) << 2 << QString();
    QTest::newRow("initializer") << *StockFormats::whitelistInitializer(two) << 2 << QString();
    QTest::newRow("configure line")
            << QByteArray("./configure --my-gateway=ethernet "
                          "--my-signing-whitelist='{{.nodeId=0x07,.serial={1,2,3,4,5,6,7,8,9}}}' "
                          "--my-signing=software")
            << 1 << QString();
    QTest::newRow("configure line without it")
            << QByteArray("./configure --my-signing=software") << 0 << QString();
    QTest::newRow("empty list") << QByteArray("{}") << 0 << QString();
    QTest::newRow("short serial") << QByteArray("{{.nodeId=1,.serial={1,2,3}}}") << -1
                                  << u"the serial has 3 bytes"_s;
    QTest::newRow("long serial") << QByteArray("{{.nodeId=1,.serial={1,2,3,4,5,6,7,8,9,10}}}") << -1
                                 << u"more than 9 bytes"_s;
    QTest::newRow("node 255") << QByteArray("{{.nodeId=255,.serial={1,2,3,4,5,6,7,8,9}}}") << -1
                              << u"node ID 255"_s;
    QTest::newRow("node 256") << QByteArray("{{.nodeId=256,.serial={1,2,3,4,5,6,7,8,9}}}") << -1
                              << u"not a number from 0 to 254"_s;
    QTest::newRow("byte 256") << QByteArray("{{.nodeId=1,.serial={1,2,3,4,5,6,7,8,256}}}") << -1
                              << u"serial byte 9"_s;
    QTest::newRow("duplicate") << QByteArray("{{.nodeId=1,.serial={1,2,3,4,5,6,7,8,9}},"
                                             "{.nodeId=1,.serial={1,2,3,4,5,6,7,8,9}}}")
                               << -1 << u"both name node 1"_s;
    QTest::newRow("unclosed") << QByteArray("{{.nodeId=1,.serial={1,2,3,4,5,6,7,8,9}}") << -1
                              << u"expected ','"_s;
    QTest::newRow("trailing text") << QByteArray("{} x") << -1 << u"after its closing"_s;
    QTest::newRow("unclosed quote")
            << QByteArray("--my-signing-whitelist=\"{}") << -1 << u"quote is not closed"_s;
    QTest::newRow("twice") << QByteArray("--my-signing-whitelist={} --my-signing-whitelist={}")
                           << -1 << u"twice"_s;
}

void tst_GatewayImport::whitelistReader()
{
    QFETCH(QByteArray, text);
    QFETCH(int, entries);
    QFETCH(QString, named);
    auto parsed = StockFormats::parseWhitelist(text);
    if (entries < 0) {
        QVERIFY(!parsed);
        QVERIFY2(parsed.error().message().contains(named), qPrintable(parsed.error().message()));
        return;
    }
    QVERIFY_OK(parsed);
    QCOMPARE(parsed->size(), entries);
    if (entries == 2) {
        QCOMPARE(parsed->at(1).nodeId, quint8(7));
        QVERIFY(parsed->at(1).serial == serialFrom(QByteArray::fromHex("4d32968e523bda8a0e")));
    }
}

void tst_GatewayImport::checksumMismatchAcceptedOnRequest()
{
    // An image mysgw wrote without the checksum (byte 282 left wrong): refused by default with
    // a hint, imported when asked; a key that differs from the conf is refused either way.
    QVERIFY(writeGatewayFiles(m_live.key, m_live.key, m_live.gatewaySerial));
    QByteArray image = eepromImage(m_live.key, m_live.gatewaySerial, kAes);
    image[282] = char(image[282] ^ 0x5A);
    QVERIFY(writeFile(m_eeprom, image));
    auto store = createStore();
    QVERIFY(store);
    auto inventory = Inventory::open(m_inventory);
    QVERIFY_OK(inventory);
    GatewayImportRequest request;
    request.configPath = m_conf;
    request.eepromPath = m_eeprom;
    auto refused = GatewayImport::importGateway(*store, **inventory, request);
    QVERIFY(!refused);
    QVERIFY2(refused.error().message().contains(u"ignore the EEPROM checksum"_s),
             qPrintable(refused.error().message()));
    request.ignoreEepromChecksum = true;
    QByteArray otherKey = image;
    otherKey.replace(355, 32, kOtherKey);
    QVERIFY(writeFile(m_eeprom, otherKey));
    auto differs = GatewayImport::importGateway(*store, **inventory, request);
    QVERIFY(!differs);
    QVERIFY2(differs.error().message().contains(u"disagree on the HMAC key"_s),
             qPrintable(differs.error().message()));
    QVERIFY(writeFile(m_eeprom, image));
    auto imported = GatewayImport::importGateway(*store, **inventory, request);
    QVERIFY_OK(imported);
    QCOMPARE(imported->eepromPath, m_eeprom);
    QCOMPARE(imported->networkKeyFingerprint, secret(m_live.key).fingerprint());
}

void tst_GatewayImport::inventoryRefusalPutsTheStoreBack()
{
    // The inventory refuses the audit entry (its "who" is longer than it stores) after the key
    // store was saved: the store is put back, the inventory holds nothing.
    QVERIFY(writeGatewayFiles(m_live.key, m_live.key, m_live.gatewaySerial));
    auto store = createStore();
    QVERIFY(store);
    auto inventory = Inventory::open(m_inventory);
    QVERIFY_OK(inventory);
    GatewayImportRequest request;
    request.configPath = m_conf;
    request.whitelist = whitelistOption();
    request.who = QString(1000, u'w');
    auto result = GatewayImport::importGateway(*store, **inventory, request);
    QVERIFY(!result);
    const QString message = result.error().message();
    QVERIFY2(message.contains(u"the inventory refused it"_s), qPrintable(message));
    QVERIFY2(message.contains(u"the key store is as it was before"_s), qPrintable(message));
    QVERIFY2(message.contains(u"the inventory is unchanged"_s), qPrintable(message));
    QVERIFY(nowhere(m_live.key, {message}));
    QVERIFY(store->networkKeys().isEmpty());
    QVERIFY(!store->gatewaySerial());
    QVERIFY(store->nodes().isEmpty());
    QVERIFY(!store->hasUnsavedChanges());
    auto reopened = KeyStore::open(m_store, KeyStore::passphraseFromText(u"import"));
    QVERIFY_OK(reopened);
    QVERIFY(reopened->networkKeys().isEmpty());
    QVERIFY(!reopened->gatewaySerial());
    QVERIFY(reopened->nodes().isEmpty());
    QVERIFY((*inventory)->flush());
    auto nodes = (*inventory)->nodes();
    QVERIFY(nodes && nodes->isEmpty());
    auto audit = (*inventory)->auditLog();
    QVERIFY(audit && audit->isEmpty());
    auto epochs = (*inventory)->keyEpochs();
    QVERIFY(epochs && epochs->isEmpty());
}

void tst_GatewayImport::mutatedInputs()
{
    // Deterministic mutations of a good whitelist option and a good image: the readers never
    // crash (ASan/UBSan builds run this too), accept or refuse, and never echo a key byte.
    QRandomGenerator random(20261124);
    const QByteArray option = whitelistOption();
    const QByteArray image = eepromImage(m_live.key, m_live.gatewaySerial, kAes);
    int refused = 0;
    int accepted = 0;
    for (int round = 0; round < 3000; ++round) {
        QByteArray text = option;
        const int edits = 1 + int(random.bounded(4));
        for (int e = 0; e < edits && !text.isEmpty(); ++e) {
            const qsizetype at = qsizetype(random.bounded(quint32(text.size())));
            switch (random.bounded(3)) {
            case 0:
                text[at] = char(random.bounded(256));
                break;
            case 1:
                text.remove(at, 1 + qsizetype(random.bounded(8)));
                break;
            default:
                text.insert(at, QByteArray(1, "{},.=x0 9\"'"[random.bounded(11)]));
            }
        }
        auto parsed = StockFormats::parseWhitelist(text);
        parsed ? ++accepted : ++refused;
        if (!parsed)
            QVERIFY(!parsed.error().message().isEmpty());

        QByteArray bytes = image.left(qsizetype(random.bounded(quint32(image.size() + 1))));
        for (int e = 0; e < 3 && !bytes.isEmpty(); ++e)
            bytes[qsizetype(random.bounded(quint32(bytes.size())))] = char(random.bounded(256));
        auto eeprom = StockFormats::parseEepromPersonalization(bytes);
        eeprom ? ++accepted : ++refused;
        if (!eeprom)
            QVERIFY(nowhere(m_live.key, {eeprom.error().message()}));
    }
    qInfo("mutated inputs: %d accepted, %d refused", accepted, refused);
    QVERIFY(refused > 0);
}

void tst_GatewayImport::wardenctlImports()
{
    QVERIFY(writeGatewayFiles(m_live.key, m_live.key, m_live.gatewaySerial));
    QVERIFY(createStore());
    const auto run = [&](const QStringList &extra, QByteArray *out, QByteArray *err) {
        QProcess wardenctl;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"WARDEN_PASSPHRASE"_s, u"import"_s);
        wardenctl.setProcessEnvironment(env);
        wardenctl.start(QStringLiteral(WARDENCTL_PATH),
                        QStringList {u"import-gateway"_s, u"--conf"_s, m_conf, u"--store"_s,
                                     m_store, u"--inventory"_s, m_inventory}
                                + extra);
        if (!wardenctl.waitForFinished(20000))
            return -1;
        *out = wardenctl.readAllStandardOutput();
        *err = wardenctl.readAllStandardError();
        return wardenctl.exitStatus() == QProcess::NormalExit ? wardenctl.exitCode() : -1;
    };
    QByteArray out, err;
    QCOMPARE(run({u"--whitelist"_s, QString::fromLatin1(whitelistOption())}, &out, &err), 0);
    QVERIFY2(out.contains(secret(m_live.key).fingerprint().toLatin1()), out.constData());
    QVERIFY2(out.contains("1 whitelisted node(s): 1"), out.constData());
    QVERIFY(nowhere(m_live.key, {QString::fromLatin1(out), QString::fromLatin1(err)}));
    QVERIFY(nowhere(kAes, {QString::fromLatin1(out), QString::fromLatin1(err)}));

    // A second gateway with another key: refused, exit 1, the store unchanged.
    QVERIFY(writeGatewayFiles(kOtherKey, kOtherKey, m_live.gatewaySerial));
    const QByteArray before = fileHash(m_store);
    QCOMPARE(run({}, &out, &err), 1);
    QVERIFY2(err.contains("different active network key"), err.constData());
    QCOMPARE(fileHash(m_store), before);
    QVERIFY(nowhere(kOtherKey, {QString::fromLatin1(out), QString::fromLatin1(err)}));
}

QTEST_GUILESS_MAIN(tst_GatewayImport)
#include "tst_gatewayimport.moc"
