// Exports for stock MySensors tools, byte for byte as ../shared/spec/mysensors-protocol.md
// (7.3, 7.4, 13) describes them; the strict mysensors.conf reader with hostile files; and the
// live network of ../shared/vectors (plus WARDEN_VECTORS), whose gateway and node are
// re-provisioned from our exports and must then sign and verify the captured frames exactly.
#include <warden/signer.h>
#include <warden/stockformats.h>

#include "vectorfiles.h"

#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

using namespace Warden;
using namespace Qt::StringLiterals;

// The message of a Result is only read when it failed (QVERIFY2 evaluates it anyway).
#define QVERIFY_OK(result) \
    QVERIFY2(bool(result), (result) ? "" : qPrintable((result).error().message()))

namespace {

SecretBytes secret(const QByteArray &bytes)
{
    return SecretBytes(reinterpret_cast<const uint8_t *>(bytes.constData()), size_t(bytes.size()));
}

QByteArray text(const SecretBytes &s)
{
    return QByteArray(reinterpret_cast<const char *>(s.data()), qsizetype(s.size()));
}

Serial serialFrom(const QByteArray &hex)
{
    Serial s {};
    const QByteArray bytes = QByteArray::fromHex(hex);
    Q_ASSERT(bytes.size() == qsizetype(s.size()));
    std::memcpy(s.data(), bytes.constData(), s.size());
    return s;
}

QByteArray bytesOf(const Serial &s)
{
    return QByteArray(reinterpret_cast<const char *>(s.data()), qsizetype(s.size()));
}

// The spec's example material: key 00..1F (5.10), AES key 40..4F (7.2), serial 11..99.
const QByteArray kKey
        = QByteArray::fromHex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
const QByteArray kAes = QByteArray::fromHex("404142434445464748494A4B4C4D4E4F");
const QByteArray kSerialHex = "112233445566778899";

// A key whose text is easy to spot wherever it must not appear.
const QByteArray kLoudKeyHex = QByteArray("DEADBEEF").repeated(8);

/// Test-side reader of a C byte list "0x01,0x02,…" (either prefix case).
QByteArray parseCBytes(const QByteArray &list)
{
    QByteArray out;
    for (const QByteArray &item : list.split(',')) {
        if (item.size() != 4 || item[0] != '0' || (item[1] != 'x' && item[1] != 'X'))
            return {};
        out += QByteArray::fromHex(item.mid(2));
    }
    return out;
}

/// Test-side reader of a whitelist initializer, with or without the spaces.
QMap<int, QByteArray> parseWhitelist(const QByteArray &list)
{
    QMap<int, QByteArray> out;
    static const QRegularExpression entry(
            uR"(\{\.nodeId ?= ?(\d+),\.serial ?= ?\{([0-9A-Fa-fxX,]+)\}\})"_s);
    for (const auto &m : entry.globalMatch(QString::fromLatin1(list)))
        out.insert(m.captured(1).toInt(), parseCBytes(m.captured(2).toLatin1()));
    return out;
}

} // namespace

Q_DECLARE_METATYPE(Warden::DefineStyle)
Q_DECLARE_METATYPE(Warden::WhitelistEntry)

class tst_StockFormats : public QObject
{
    Q_OBJECT

private slots:
    void personalizerDefines_data();
    void personalizerDefines();
    void personalizerDefinesRefusesWrongSizes_data();
    void personalizerDefinesRefusesWrongSizes();
    void gatewayKeyLines_data();
    void gatewayKeyLines();
    void whitelistEntry_data();
    void whitelistEntry();
    void whitelistLists_data();
    void whitelistLists();
    void whitelistRefusals_data();
    void whitelistRefusals();
    void liveNetworkFromExports();
    void configRoundTrip();
    void configOverwriteKeepsOwnerOnly();
    void configReadsMysgwSyntax();
    void hostileConfig_data();
    void hostileConfig();
    void configExportRefusals_data();
    void configExportRefusals();
    void fileErrors();
};

void tst_StockFormats::personalizerDefines_data()
{
    QTest::addColumn<DefineStyle>("style");
    QTest::addColumn<bool>("withAes");
    QTest::addColumn<QByteArray>("expected");

    // Spec 7.3: "#define MY_HMAC_KEY 0x..,…", MY_AES_KEY, MY_SOFT_SERIAL, in that order.
    QTest::newRow("personalizer")
            << DefineStyle::Personalizer << true
            << QByteArray("#define MY_HMAC_KEY "
                          "0x00,0x01,0x02,0x03,0x04,0x05,0x06,0x07,0x08,0x09,0x0A,0x0B,0x0C,0x0D,"
                          "0x0E,0x0F,0x10,0x11,0x12,0x13,0x14,0x15,0x16,0x17,0x18,0x19,0x1A,0x1B,"
                          "0x1C,0x1D,0x1E,0x1F\n"
                          "#define MY_AES_KEY "
                          "0x40,0x41,0x42,0x43,0x44,0x45,0x46,0x47,0x48,0x49,0x4A,0x4B,0x4C,0x4D,"
                          "0x4E,0x4F\n"
                          "#define MY_SOFT_SERIAL 0x11,0x22,0x33,0x44,0x55,0x66,0x77,0x88,0x99\n");
    QTest::newRow("personalizer without AES")
            << DefineStyle::Personalizer << false
            << QByteArray("#define MY_HMAC_KEY "
                          "0x00,0x01,0x02,0x03,0x04,0x05,0x06,0x07,0x08,0x09,0x0A,0x0B,0x0C,0x0D,"
                          "0x0E,0x0F,0x10,0x11,0x12,0x13,0x14,0x15,0x16,0x17,0x18,0x19,0x1A,0x1B,"
                          "0x1C,0x1D,0x1E,0x1F\n"
                          "#define MY_SOFT_SERIAL 0x11,0x22,0x33,0x44,0x55,0x66,0x77,0x88,0x99\n");
    // Spec 13.1: mysgw --gen-* prints "#define MY_HMAC_KEY 0X..,…" (capital X).
    QTest::newRow("mysgw --gen")
            << DefineStyle::MysgwGen << true
            << QByteArray("#define MY_HMAC_KEY "
                          "0X00,0X01,0X02,0X03,0X04,0X05,0X06,0X07,0X08,0X09,0X0A,0X0B,0X0C,0X0D,"
                          "0X0E,0X0F,0X10,0X11,0X12,0X13,0X14,0X15,0X16,0X17,0X18,0X19,0X1A,0X1B,"
                          "0X1C,0X1D,0X1E,0X1F\n"
                          "#define MY_AES_KEY "
                          "0X40,0X41,0X42,0X43,0X44,0X45,0X46,0X47,0X48,0X49,0X4A,0X4B,0X4C,0X4D,"
                          "0X4E,0X4F\n"
                          "#define MY_SOFT_SERIAL 0X11,0X22,0X33,0X44,0X55,0X66,0X77,0X88,0X99\n");
}

void tst_StockFormats::personalizerDefines()
{
    QFETCH(DefineStyle, style);
    QFETCH(bool, withAes);
    QFETCH(QByteArray, expected);
    const auto out = StockFormats::personalizerDefines(
            secret(kKey), withAes ? secret(kAes) : SecretBytes(), serialFrom(kSerialHex), style);
    QVERIFY_OK(out);
    QCOMPARE(text(*out), expected);
}

void tst_StockFormats::personalizerDefinesRefusesWrongSizes_data()
{
    QTest::addColumn<int>("keySize");
    QTest::addColumn<int>("aesSize");
    QTest::addColumn<QString>("named");
    QTest::newRow("no key") << 0 << 16 << u"HMAC key holds 0 bytes"_s;
    QTest::newRow("short key") << 31 << 16 << u"HMAC key holds 31 bytes"_s;
    QTest::newRow("long key") << 33 << 0 << u"HMAC key holds 33 bytes"_s;
    QTest::newRow("short AES key") << 32 << 15 << u"AES key holds 15 bytes"_s;
    QTest::newRow("long AES key") << 32 << 32 << u"AES key holds 32 bytes"_s;
}

void tst_StockFormats::personalizerDefinesRefusesWrongSizes()
{
    QFETCH(int, keySize);
    QFETCH(int, aesSize);
    QFETCH(QString, named);
    const SecretBytes key = secret(QByteArray(keySize, '\x5A'));
    const SecretBytes aes = secret(QByteArray(aesSize, '\x5A'));
    const auto defines = StockFormats::personalizerDefines(key, aes, serialFrom(kSerialHex));
    QVERIFY(!defines);
    QVERIFY2(defines.error().message().contains(named), qPrintable(defines.error().message()));
    const auto lines = StockFormats::gatewayKeyLines(key, aes, serialFrom(kSerialHex));
    QVERIFY(!lines);
    QVERIFY2(lines.error().message().contains(named), qPrintable(lines.error().message()));
}

void tst_StockFormats::gatewayKeyLines_data()
{
    QTest::addColumn<bool>("withAes");
    QTest::addColumn<QByteArray>("expected");
    // Spec 13.2: soft_hmac_key=<64 hex>, soft_serial_key=<18 hex>, aes_key=<32 hex>;
    // 13.1: uppercase hex, as mysgw --gen-* prints them.
    QTest::newRow("with AES") << true
                              << QByteArray("soft_hmac_key=000102030405060708090A0B0C0D0E0F1011121"
                                            "31415161718191A1B1C1D1E1F\n"
                                            "soft_serial_key=112233445566778899\n"
                                            "aes_key=404142434445464748494A4B4C4D4E4F\n");
    QTest::newRow("without AES") << false
                                 << QByteArray("soft_hmac_key=000102030405060708090A0B0C0D0E0F101"
                                               "11213141516171819"
                                               "1A1B1C1D1E1F\n"
                                               "soft_serial_key=112233445566778899\n");
}

void tst_StockFormats::gatewayKeyLines()
{
    QFETCH(bool, withAes);
    QFETCH(QByteArray, expected);
    const auto out = StockFormats::gatewayKeyLines(
            secret(kKey), withAes ? secret(kAes) : SecretBytes(), serialFrom(kSerialHex));
    QVERIFY_OK(out);
    QCOMPARE(text(*out), expected);
    // And the strict reader takes them as they are (with the mandatory eeprom_file).
    const auto parsed = StockFormats::parseGatewayConfig("eeprom_file=/x\n" + text(*out));
    QVERIFY_OK(parsed);
    QVERIFY(parsed->hmacKey.equals(secret(kKey)));
    QCOMPARE(parsed->aesKey.isEmpty(), !withAes);
}

void tst_StockFormats::whitelistEntry_data()
{
    QTest::addColumn<int>("node");
    QTest::addColumn<QByteArray>("serial");
    QTest::addColumn<QByteArray>("expected");
    // Spec 7.3 step 9: {.nodeId = <ID>,.serial = {0x..,…9 bytes}}
    QTest::newRow("node 7") << 7 << kSerialHex
                            << QByteArray("{.nodeId = 7,.serial = "
                                          "{0x11,0x22,0x33,0x44,0x55,0x66,0x77,0x88,0x99}}");
    QTest::newRow("gateway, unpersonalized serial")
            << 0 << QByteArray("FFFFFFFFFFFFFFFFFF")
            << QByteArray("{.nodeId = 0,.serial = {0xFF,0xFF,0xFF,0xFF,0xFF,0xFF,0xFF,0xFF,0xFF}}");
    QTest::newRow("node 254, ATSHA serial")
            << 254 << QByteArray("0123A1B2C3D4E5F6EE")
            << QByteArray(
                       "{.nodeId = 254,.serial = {0x01,0x23,0xA1,0xB2,0xC3,0xD4,0xE5,0xF6,0xEE}}");
}

void tst_StockFormats::whitelistEntry()
{
    QFETCH(int, node);
    QFETCH(QByteArray, serial);
    QFETCH(QByteArray, expected);
    const auto out = StockFormats::whitelistEntry({quint8(node), serialFrom(serial)});
    QVERIFY_OK(out);
    QCOMPARE(*out, expected);
}

void tst_StockFormats::whitelistLists_data()
{
    QTest::addColumn<QList<WhitelistEntry>>("entries");
    QTest::addColumn<QByteArray>("initializer");
    QTest::addColumn<QByteArray>("define");
    QTest::addColumn<QByteArray>("linuxOption");

    // Spec 4.12: the list may be empty ({}); 7.4: entries joined by ','; the Linux configure
    // option allows no spaces; 13.4 shows it quoted.
    QTest::newRow("empty") << QList<WhitelistEntry>() << QByteArray("{}")
                           << QByteArray("#define MY_SIGNING_NODE_WHITELISTING {}")
                           << QByteArray("--my-signing-whitelist=\"{}\"");
    QTest::newRow("two nodes")
            << QList<WhitelistEntry> {{0, serialFrom("09AABBCCDDEEFF0011")},
                                      {2, serialFrom(kSerialHex)}}
            << QByteArray("{{.nodeId = 0,.serial = {0x09,0xAA,0xBB,0xCC,0xDD,0xEE,0xFF,0x00,0x11}},"
                          "{.nodeId = 2,.serial = {0x11,0x22,0x33,0x44,0x55,0x66,0x77,0x88,0x99}}}")
            << QByteArray("#define MY_SIGNING_NODE_WHITELISTING "
                          "{{.nodeId = 0,.serial = {0x09,0xAA,0xBB,0xCC,0xDD,0xEE,0xFF,0x00,0x11}},"
                          "{.nodeId = 2,.serial = {0x11,0x22,0x33,0x44,0x55,0x66,0x77,0x88,0x99}}}")
            << QByteArray("--my-signing-whitelist=\""
                          "{{.nodeId=0,.serial={0x09,0xAA,0xBB,0xCC,0xDD,0xEE,0xFF,0x00,0x11}},"
                          "{.nodeId=2,.serial={0x11,0x22,0x33,0x44,0x55,0x66,0x77,0x88,0x99}}}\"");
}

void tst_StockFormats::whitelistLists()
{
    QFETCH(QList<WhitelistEntry>, entries);
    QFETCH(QByteArray, initializer);
    QFETCH(QByteArray, define);
    QFETCH(QByteArray, linuxOption);
    const auto list = StockFormats::whitelistInitializer(entries);
    QVERIFY_OK(list);
    QCOMPARE(*list, initializer);
    const auto def = StockFormats::whitelistDefine(entries);
    QVERIFY_OK(def);
    QCOMPARE(*def, define);
    const auto option = StockFormats::linuxWhitelistOption(entries);
    QVERIFY_OK(option);
    QCOMPARE(*option, linuxOption);
    QVERIFY(!option->contains(' '));
    QCOMPARE(parseWhitelist(*option).size(), entries.size());
}

void tst_StockFormats::whitelistRefusals_data()
{
    QTest::addColumn<QList<WhitelistEntry>>("entries");
    QTest::addColumn<QString>("named");
    QTest::newRow("node 255") << QList<WhitelistEntry> {{1, {}}, {255, {}}}
                              << u"whitelist entry 2 has node ID 255"_s;
    QTest::newRow("duplicate node")
            << QList<WhitelistEntry> {{3, {}}, {4, {}}, {3, serialFrom(kSerialHex)}}
            << u"whitelist entries 1 and 3 both name node 3"_s;
}

void tst_StockFormats::whitelistRefusals()
{
    QFETCH(QList<WhitelistEntry>, entries);
    QFETCH(QString, named);
    for (const auto &out :
         {StockFormats::whitelistInitializer(entries), StockFormats::whitelistDefine(entries),
          StockFormats::linuxWhitelistOption(entries)}) {
        QVERIFY(!out);
        QVERIFY2(out.error().message().contains(named), qPrintable(out.error().message()));
    }
}

// The real network of the vectors, rebuilt from our exports: the gateway from its exported
// mysensors.conf (read back by the importer) and --my-signing-whitelist option, the node from
// its personalizer defines and MY_SIGNING_NODE_WHITELISTING. With only what those texts carry,
// every captured valid frame must verify and be re-signed to the captured bytes.
void tst_StockFormats::liveNetworkFromExports()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    int networks = 0;
    int frames = 0;
    for (const QString &path : WardenTest::vectorFiles()) {
        QFile file(path);
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(u"cannot open "_s + path));
        const QJsonArray list = QJsonDocument::fromJson(file.readAll()).array();
        QVERIFY2(!list.isEmpty(), qPrintable(path + u": no vectors"_s));
        const QJsonObject live = list.at(0).toObject().value(u"live_network").toObject();
        if (live.isEmpty())
            continue;
        ++networks;
        const QByteArray key = WardenTest::fromHex(live[u"hmac_key_hex"]);
        const QByteArray gwSerial = WardenTest::fromHex(live[u"gateway_serial_hex"]);
        const QByteArray nodeSerial = WardenTest::fromHex(live[u"node1_serial_hex"]);
        QCOMPARE(key.size(), 32);

        // The gateway: mysensors.conf through a file and back, plus its whitelist option.
        GatewayConfig gw = GatewayConfig::defaults();
        gw.hmacKey = secret(key);
        gw.serial = serialFrom(gwSerial.toHex());
        const QString confPath = dir.filePath(u"mysensors.conf"_s);
        const auto written = StockFormats::writeGatewayConfig(confPath, gw);
        QVERIFY_OK(written);
        const auto gwImported = StockFormats::readGatewayConfig(confPath);
        QVERIFY_OK(gwImported);
        QList<WhitelistEntry> gwList;
        const QJsonObject gwJson = live[u"gateway_whitelist"].toObject();
        for (auto it = gwJson.begin(); it != gwJson.end(); ++it)
            gwList.append({quint8(it.key().toInt()), serialFrom(it.value().toString().toLatin1())});
        const auto gwOption = StockFormats::linuxWhitelistOption(gwList);
        QVERIFY_OK(gwOption);
        const QMap<int, QByteArray> gwWhitelist = parseWhitelist(*gwOption);

        // The node: the personalizer's defines and its sketch's whitelist.
        const auto defines = StockFormats::personalizerDefines(secret(key), SecretBytes(),
                                                               serialFrom(nodeSerial.toHex()));
        QVERIFY_OK(defines);
        QByteArray nodeKey, nodeOwnSerial;
        for (const QByteArray &line : text(*defines).split('\n')) {
            if (line.startsWith("#define MY_HMAC_KEY "))
                nodeKey = parseCBytes(line.mid(20));
            else if (line.startsWith("#define MY_SOFT_SERIAL "))
                nodeOwnSerial = parseCBytes(line.mid(23));
        }
        QList<WhitelistEntry> nodeList;
        const QJsonObject nodeJson = live[u"node1_whitelist"].toObject();
        for (auto it = nodeJson.begin(); it != nodeJson.end(); ++it)
            nodeList.append(
                    {quint8(it.key().toInt()), serialFrom(it.value().toString().toLatin1())});
        const auto nodeDefine = StockFormats::whitelistDefine(nodeList);
        QVERIFY_OK(nodeDefine);
        const QMap<int, QByteArray> nodeWhitelist = parseWhitelist(*nodeDefine);

        for (const QJsonValue &value : list) {
            const QJsonObject v = value.toObject();
            if (v[u"kind"] != u"signing"_s || v[u"source"] != u"live-network"_s
                || !v[u"valid"].toBool() || !v[u"tamper"].isNull()
                || v.contains(u"signer_hmac_key_hex"))
                continue;
            const bool fromNode = v[u"sender"].toInt() == 1 && v[u"destination"].toInt() == 0;
            QVERIFY2(fromNode || (v[u"sender"].toInt() == 0 && v[u"destination"].toInt() == 1),
                     "a live-network frame between nodes this test does not model");
            const QByteArray wire = WardenTest::fromHex(v[u"message_hex"]);
            Protocol::Message message;
            QCOMPARE(Protocol::Message::decode(reinterpret_cast<const uint8_t *>(wire.constData()),
                                               size_t(wire.size()), message),
                     Protocol::DecodeError::None);
            Nonce nonce {};
            const QByteArray nonceBytes = WardenTest::fromHex(v[u"nonce_hex"]);
            QCOMPARE(nonceBytes.size(), qsizetype(nonce.size()));
            std::memcpy(nonce.data(), nonceBytes.constData(), nonce.size());

            // Verifier: its key and the serial its exported whitelist holds for the sender.
            const SecretBytes verifierKey = fromNode ? gwImported->hmacKey : secret(nodeKey);
            const QByteArray listed
                    = (fromNode ? gwWhitelist : nodeWhitelist).value(v[u"sender"].toInt());
            QCOMPARE(listed.size(), 9);
            Signer verifier(verifierKey);
            QCOMPARE(verifier.verify(message, nonce, serialFrom(listed.toHex())),
                     Protocol::Verdict::Verified);

            // Signer: its key and own serial, as the exports provisioned them.
            const SecretBytes signerKey = fromNode ? secret(nodeKey) : gwImported->hmacKey;
            const Serial ownSerial
                    = fromNode ? serialFrom(nodeOwnSerial.toHex()) : *gwImported->serial;
            Protocol::Message toSign = message;
            toSign.setSigned(false);
            Signer signer(signerKey);
            const auto signedOk = signer.sign(toSign, nonce, ownSerial);
            QVERIFY_OK(signedOk);
            QCOMPARE(QByteArray(reinterpret_cast<const char *>(toSign.data()),
                                qsizetype(toSign.size()))
                             .toHex(),
                     wire.toHex());
            ++frames;
        }
    }
    qInfo("%d live network(s), %d captured frames verified and re-signed from exports", networks,
          frames);
    QVERIFY(networks >= 1);
    QVERIFY(frames >= 1);
}

void tst_StockFormats::configRoundTrip()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    GatewayConfig config = GatewayConfig::defaults();
    QVERIFY(config.setSetting(u"verbose"_s, u"debug"_s));
    QVERIFY(config.setSetting(u"log_file"_s, u"1"_s));
    QVERIFY(config.setSetting(u"log_filepath"_s, u"/var/log/mysgw log.txt"_s));
    QVERIFY(config.setSetting(u"future_option"_s, u"kept as it is = with spaces"_s));
    config.hmacKey = secret(QByteArray::fromHex(kLoudKeyHex));
    config.serial = serialFrom(kSerialHex);
    config.aesKey = secret(kAes);

    const QString path = dir.filePath(u"mysensors.conf"_s);
    const auto written = StockFormats::writeGatewayConfig(path, config);
    QVERIFY_OK(written);
    QCOMPARE(QFile::permissions(path), QFileDevice::ReadOwner | QFileDevice::WriteOwner
                                               | QFileDevice::ReadUser | QFileDevice::WriteUser);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(),
             QByteArray("# mysensors.conf for the MySensors Linux gateway (mysgw), written by "
                        "Warden.\n"
                        "# It holds the gateway's keys: keep it readable by root only.\n"
                        "eeprom_file=/etc/mysensors.eeprom\n"
                        "eeprom_size=1024\n"
                        "verbose=debug\n"
                        "log_file=1\n"
                        "log_filepath=/var/log/mysgw log.txt\n"
                        "future_option=kept as it is = with spaces\n"
                        "soft_hmac_key="
                        + kLoudKeyHex
                        + "\n"
                          "soft_serial_key=112233445566778899\n"
                          "aes_key=404142434445464748494A4B4C4D4E4F\n"));

    const auto read = StockFormats::readGatewayConfig(path);
    QVERIFY_OK(read);
    QVERIFY(read->hmacKey.equals(config.hmacKey));
    QVERIFY(read->aesKey.equals(config.aesKey));
    QVERIFY(read->serial == config.serial);
    QCOMPARE(read->settings.size(), config.settings.size());
    for (int i = 0; i < config.settings.size(); ++i) {
        QCOMPARE(read->settings[i].key, config.settings[i].key);
        QCOMPARE(read->settings[i].value, config.settings[i].value);
        QCOMPARE(read->settings[i].known, config.settings[i].known);
        QCOMPARE(read->settings[i].line, i + 3);
    }
    QCOMPARE(read->warnings,
             QStringList {u"mysensors.conf line 8: the key 'future_option' is unknown (mysgw warns "
                          "and ignores it)"_s});
    // Export of the import: the same bytes again.
    const auto again = StockFormats::gatewayConfigText(*read);
    QVERIFY(again);
    file.seek(0);
    QCOMPARE(text(*again), file.readAll());
}

void tst_StockFormats::configOverwriteKeepsOwnerOnly()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"defines.h"_s);
    {
        QFile open(path);
        QVERIFY(open.open(QIODevice::WriteOnly));
        open.write("world-readable before\n");
        open.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner
                            | QFileDevice::ReadGroup | QFileDevice::ReadOther);
    }
    const auto defines
            = StockFormats::personalizerDefines(secret(kKey), secret(kAes), serialFrom(kSerialHex));
    QVERIFY(defines);
    const auto written = StockFormats::writeSecretFile(path, *defines);
    QVERIFY_OK(written);
    QCOMPARE(QFile::permissions(path)
                     & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup
                        | QFileDevice::WriteOther),
             QFileDevice::Permissions());
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), text(*defines));
    // Nothing else left behind (QSaveFile's temporary file is renamed, not copied).
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList {u"defines.h"_s});
}

void tst_StockFormats::configReadsMysgwSyntax()
{
    // Comments, empty lines, spaces after '=', lowercase hex, an unknown key, no final newline.
    const QByteArray conf = "# MySensors gateway\n"
                            "\n"
                            "verbose=   info\n"
                            "eeprom_file=/etc/mysensors.eeprom\n"
                            "#soft_hmac_key=00\n"
                            "soft_hmac_key= "
                            + kLoudKeyHex.toLower()
                            + "\n"
                              "unknown_thing=1\n"
                              "soft_serial_key=112233445566778899\n"
                              "aes_key=404142434445464748494a4b4c4d4e4f";
    const auto read = StockFormats::parseGatewayConfig(conf);
    QVERIFY_OK(read);
    QVERIFY(read->hmacKey.equals(secret(QByteArray::fromHex(kLoudKeyHex))));
    QVERIFY(read->aesKey.equals(secret(kAes)));
    QCOMPARE(bytesOf(*read->serial).toHex().toUpper(), kSerialHex);
    QCOMPARE(read->setting(u"verbose"_s), std::optional<QString>(u"info"_s));
    QCOMPARE(read->settings.size(), 3);
    QCOMPARE(read->settings[0].line, 3);
    QCOMPARE(read->settings[2].key, u"unknown_thing"_s);
    QVERIFY(!read->settings[2].known);
    QCOMPARE(read->warnings,
             QStringList {u"mysensors.conf line 7: the key 'unknown_thing' is unknown (mysgw warns "
                          "and ignores it)"_s});

    // A pasted key is a legal (unknown) key name to mysgw: kept, warned about, not echoed.
    const auto pasted = StockFormats::parseGatewayConfig(
            "eeprom_file=/x\n" + kLoudKeyHex + "=1\naes_key=404142434445464748494A4B4C4D4E4F\n");
    QVERIFY_OK(pasted);
    QCOMPARE(pasted->warnings,
             QStringList {u"mysensors.conf line 2: the key <64 characters, not shown> is unknown "
                          "(mysgw warns and ignores it)"_s});

    // A byte-order mark inside a line is text to mysgw: it stays part of the value (it used to
    // vanish, leaving a value that starts with a space and cannot be written back).
    const auto bom = StockFormats::parseGatewayConfig(
            "eeprom_file=/x\nnote=\xEF\xBB\xBF  a\naes_key=404142434445464748494A4B4C4D4E4F\n");
    QVERIFY_OK(bom);
    QCOMPARE(bom->setting(u"note"_s), std::optional<QString>(u"\uFEFF  a"_s));
    const auto bomText = StockFormats::gatewayConfigText(*bom);
    QVERIFY_OK(bomText);
    QVERIFY(QByteArray(reinterpret_cast<const char *>(bomText->data()), qsizetype(bomText->size()))
                    .contains("note=\xEF\xBB\xBF  a\n"));

    // Password mode: only an AES key; no eeprom_file is a warning, as mysgw would not start.
    const auto aesOnly
            = StockFormats::parseGatewayConfig("aes_key=404142434445464748494A4B4C4D4E4F\n");
    QVERIFY_OK(aesOnly);
    QVERIFY(aesOnly->hmacKey.isEmpty());
    QVERIFY(!aesOnly->serial);
    QCOMPARE(aesOnly->warnings,
             QStringList {u"mysensors.conf has no eeprom_file, which mysgw requires to start"_s});
}

void tst_StockFormats::hostileConfig_data()
{
    QTest::addColumn<QByteArray>("conf");
    QTest::addColumn<QString>("expected");

    const QByteArray key = "soft_hmac_key=" + kLoudKeyHex + "\n";
    const QByteArray serial = "soft_serial_key=112233445566778899\n";
    const QByteArray head = "eeprom_file=/etc/mysensors.eeprom\n";
    const QString at = u"mysensors.conf line %1: "_s;

    QTest::newRow("duplicate key") << head + key + serial + key
                                   << at.arg(4) + u"repeats the key 'soft_hmac_key' of line 2"_s;
    QTest::newRow("duplicate setting") << head + key + serial + head
                                       << at.arg(4) + u"repeats the key 'eeprom_file' of line 1"_s;
    QByteArray badHex = key;
    badHex[14 + 21] = 'G';
    QTest::newRow("bad hex") << head + badHex + serial
                             << at.arg(2)
                                        + u"soft_hmac_key has a character that is not hexadecimal "
                                          "at position 22"_s;
    QTest::newRow("0x prefix") << head + "soft_hmac_key=0x" + kLoudKeyHex.left(62) + "\n" + serial
                               << at.arg(2)
                                          + u"soft_hmac_key has a character that is not "
                                            "hexadecimal at position 2"_s;
    QTest::newRow("short key") << head + "soft_hmac_key=" + kLoudKeyHex.left(62) + "\n" + serial
                               << at.arg(2)
                                          + u"soft_hmac_key has 62 characters, expected 64 "
                                            "hexadecimal digits"_s;
    QTest::newRow("trailing space") << head + "soft_hmac_key=" + kLoudKeyHex + " \n" + serial
                                    << at.arg(2) + u"soft_hmac_key has 65 characters"_s;
    QTest::newRow("serial too long")
            << head + key + "soft_serial_key=11223344556677889900\n"
            << at.arg(3) + u"soft_serial_key has 20 characters, expected 18"_s;
    QTest::newRow("aes key with separators")
            << head + key + serial + "aes_key=40:41:42:43:44:45:46:47:48:49:4A\n"
            << at.arg(4) + u"aes_key has a character that is not hexadecimal at position 3"_s;
    QTest::newRow("windows line endings")
            << head + key.chopped(1) + "\r\n" + serial << at.arg(2) + u"has a carriage return"_s;
    QTest::newRow("NUL byte") << head + QByteArray("verbose=de\0bug\n", 15) + key + serial
                              << at.arg(2) + u"has a control character at column 11"_s;
    QTest::newRow("tab after =") << head + "verbose=\tdebug\n" + key + serial
                                 << at.arg(2) + u"has a control character at column 9"_s;
    QTest::newRow("no equals sign") << head + kLoudKeyHex + "\n" + key + serial
                                    << at.arg(2) + u"is neither key=value, a # comment nor empty"_s;
    QTest::newRow("blank line of spaces")
            << head + "   \n" + key + serial << at.arg(2) + u"is neither key=value"_s;
    QTest::newRow("no key") << head + "=debug\n" + key + serial
                            << at.arg(2) + u"has no key before '='"_s;
    QTest::newRow("space before =") << head + "soft_hmac_key =" + kLoudKeyHex + "\n" + serial
                                    << at.arg(2) + u"the key 'soft_hmac_key ' contains a space"_s;
    QTest::newRow("indented key") << head + " verbose=debug\n" + key + serial
                                  << at.arg(2) + u"the key ' verbose' contains a space"_s;
    QTest::newRow("verbose level")
            << head + "verbose=loud\n" + key + serial
            << at.arg(2) + u"verbose must be err, warn, notice, info or debug"_s;
    QTest::newRow("switch") << head + "syslog=yes\n" + key + serial
                            << at.arg(2) + u"syslog must be 0 or 1"_s;
    QTest::newRow("eeprom_size letters") << head + "eeprom_size=1k\n" + key + serial
                                         << at.arg(2) + u"eeprom_size must be a whole number"_s;
    QTest::newRow("eeprom_size too small") << head + "eeprom_size=412\n" + key + serial
                                           << at.arg(2)
                                                      + u"eeprom_size must be a whole number of "
                                                        "bytes from 413"_s;
    QTest::newRow("eeprom_size negative")
            << head + "eeprom_size=-1024\n" + key + serial << at.arg(2) + u"eeprom_size must be"_s;
    QTest::newRow("eeprom_size huge") << head + "eeprom_size=99999999999\n" + key + serial
                                      << at.arg(2) + u"eeprom_size must be"_s;
    QTest::newRow("empty path") << "eeprom_file=\n" + key + serial
                                << at.arg(1) + u"eeprom_file names no path"_s;
    QTest::newRow("invalid UTF-8") << head + "log_filepath=/tmp/\xC3\x28\n" + key + serial
                                   << at.arg(2) + u"is not valid UTF-8"_s;
    QTest::newRow("byte-order mark") << "\xEF\xBB\xBF" + head + key + serial
                                     << at.arg(1) + u"starts with a byte-order mark"_s;
    QTest::newRow("long line") << head + "x=" + QByteArray(5000, 'a') + "\n" + key + serial
                               << at.arg(2) + u"longer than 4096 bytes"_s;
    QTest::newRow("huge file") << head + QByteArray(70000, '\n') + key + serial
                               << u"mysensors.conf is 70148 bytes, more than the 65536 accepted"_s;
    QTest::newRow("key without serial") << head + key
                                        << u"mysensors.conf has soft_hmac_key but no "
                                           "soft_serial_key"_s;
    QTest::newRow("serial without key") << head + serial
                                        << u"mysensors.conf has soft_serial_key but no "
                                           "soft_hmac_key"_s;
    QTest::newRow("no keys") << head + "verbose=debug\n"
                             << u"mysensors.conf holds none of soft_hmac_key"_s;
    QTest::newRow("empty file") << QByteArray() << u"mysensors.conf holds none of soft_hmac_key"_s;
}

void tst_StockFormats::hostileConfig()
{
    QFETCH(QByteArray, conf);
    QFETCH(QString, expected);
    const auto read = StockFormats::parseGatewayConfig(conf);
    QVERIFY(!read);
    const QString message = read.error().message();
    QVERIFY2(message.startsWith(expected), qPrintable(message));
    QCOMPARE(read.error().code(), ErrorCode::Malformed);
    // Never the key's text, in any case or piece of it.
    QVERIFY2(!message.contains(u"DEADBEEF"_s, Qt::CaseInsensitive), qPrintable(message));
}

void tst_StockFormats::configExportRefusals_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("expected");
    QTest::newRow("line break in value") << u"log_filepath"_s << u"/var/log/a\nsoft_hmac_key=00"_s
                                         << u"the value of 'log_filepath' contains a control"_s;
    QTest::newRow("comment key") << u"#verbose"_s << u"debug"_s
                                 << u"the key '#verbose' starts with '#'"_s;
    QTest::newRow("space in key") << u"my key"_s << u"1"_s
                                  << u"the key 'my key' contains a space"_s;
    QTest::newRow("equals in key") << u"a=b"_s << u"1"_s << u"the key 'a=b' contains"_s;
    QTest::newRow("key name") << u"soft_hmac_key"_s << u"00"_s << u"soft_hmac_key is a key"_s;
    QTest::newRow("leading space") << u"log_filepath"_s << u" /var/log/x"_s
                                   << u"the value of 'log_filepath' starts with a space"_s;
    QTest::newRow("bad level") << u"verbose"_s << u"chatty"_s << u"verbose must be"_s;
}

void tst_StockFormats::configExportRefusals()
{
    QFETCH(QString, key);
    QFETCH(QString, value);
    QFETCH(QString, expected);
    GatewayConfig config = GatewayConfig::defaults();
    const auto set = config.setSetting(key, value);
    QVERIFY(!set);
    QVERIFY2(set.error().message().startsWith(expected), qPrintable(set.error().message()));
    // Also when the list is filled directly, the export refuses it.
    config.settings.append(GatewaySetting {key, value, 0, false});
    config.hmacKey = secret(kKey);
    config.serial = serialFrom(kSerialHex);
    const auto exported = StockFormats::gatewayConfigText(config);
    QVERIFY(!exported);
    QVERIFY2(exported.error().message().startsWith(expected),
             qPrintable(exported.error().message()));
}

void tst_StockFormats::fileErrors()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    GatewayConfig config;
    config.hmacKey = secret(kKey);
    config.serial = serialFrom(kSerialHex);
    // mysgw does not start without eeprom_file: not exported.
    auto text = StockFormats::gatewayConfigText(config);
    QVERIFY(!text);
    QVERIFY2(text.error().message().contains(u"eeprom_file is missing"_s),
             qPrintable(text.error().message()));
    // Key without serial.
    config = GatewayConfig::defaults();
    config.hmacKey = secret(kKey);
    text = StockFormats::gatewayConfigText(config);
    QVERIFY(!text);
    QVERIFY2(text.error().message().contains(u"only one is set"_s),
             qPrintable(text.error().message()));
    // Duplicated setting.
    config.serial = serialFrom(kSerialHex);
    config.settings.append(config.settings.first());
    text = StockFormats::gatewayConfigText(config);
    QVERIFY(!text);
    QVERIFY2(text.error().message().contains(u"'eeprom_file' appears twice"_s),
             qPrintable(text.error().message()));

    // Missing file, and a folder that does not exist: the path is named.
    const QString missing = dir.filePath(u"absent.conf"_s);
    const auto read = StockFormats::readGatewayConfig(missing);
    QVERIFY(!read);
    QVERIFY2(read.error().message().contains(missing), qPrintable(read.error().message()));
    const QString nowhere = dir.filePath(u"no/such/folder/mysensors.conf"_s);
    const auto write = StockFormats::writeSecretFile(nowhere, secret(kKey));
    QVERIFY(!write);
    QVERIFY2(write.error().message().contains(nowhere), qPrintable(write.error().message()));
    QVERIFY(!QFile::exists(nowhere));

    // A parse error from a file names the file and the line.
    const QString bad = dir.filePath(u"bad.conf"_s);
    QFile file(bad);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("eeprom_file=/x\nsoft_hmac_key=zz\n");
    file.close();
    const auto parsed = StockFormats::readGatewayConfig(bad);
    QVERIFY(!parsed);
    QVERIFY2(parsed.error().message().startsWith(bad + u": mysensors.conf line 2: soft_hmac_key"_s),
             qPrintable(parsed.error().message()));
}

QTEST_GUILESS_MAIN(tst_StockFormats)
#include "tst_stockformats.moc"
