// The management channel (core/protocol/management.h, firmware/docs/management-channel.md):
// every operation end to end, both SHA-256 backends, an independent re-implementation of the
// reference document with Qt's HMAC, the document's worked example, every flipped bit,
// counters, every fragment error and recovery, reflection, encryption order, acknowledgements
// and the configuration digest. Also keeps the fuzz seeds in tests/fuzz/corpus/management
// in step with the format.
#include <warden/protocol/management.h>
#include <warden/protocol/textcodec.h>

#include "crypto/botansha256.h"

#include <QtTest/QtTest>

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QMessageAuthenticationCode>
#include <QRegularExpression>

#include <cstring>
#include <functional>
#include <vector>

using namespace Warden::Protocol;

Q_DECLARE_METATYPE(ManagementStatus)

namespace {

const uint8_t *u8(const QByteArray &a)
{
    return reinterpret_cast<const uint8_t *>(a.constData());
}

QByteArray bytes(const uint8_t *p, size_t n)
{
    return QByteArray(reinterpret_cast<const char *>(p), qsizetype(n));
}

QByteArray wire(const Message &m)
{
    return bytes(m.data(), m.size());
}

QByteArray hexSpaced(const QByteArray &a)
{
    return a.toHex(' ').toUpper();
}

QByteArray le32(uint32_t v)
{
    uint8_t b[4];
    writeLe32(b, v);
    return bytes(b, 4);
}

// The worked example of the reference document.
const QByteArray kExampleManagementKey
        = QByteArray::fromHex("202122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F");
const QByteArray kExampleSerial = QByteArray::fromHex("112233445566778899");
constexpr uint8_t kExampleNode = 5;
constexpr uint32_t kExampleCounter = 0x00000102;
const QByteArray kExampleEntrySerial = QByteArray::fromHex("A1A2A3A4A5A6A7A8A9");
constexpr uint8_t kExampleEntryNode = 7;
const QByteArray kExampleLinkKey
        = QByteArray::fromHex("606162636465666768696A6B6C6D6E6F707172737475767778797A7B7C7D7E7F");

// Keys of the fuzz target (tests/fuzz/fuzz_management.cpp holds the same bytes).
const uint8_t kFuzzManagementKey[kManagementKeySize]
        = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
           17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
const uint8_t kFuzzSerial[kSerialSize] = {9, 8, 7, 6, 5, 4, 3, 2, 1};

PortableSha256 g_portable;

Sha256Compressor &backend(bool botan)
{
    if (botan)
        return Warden::Internal::botanSha256();
    return g_portable;
}

/// Counts compressed blocks: shows what open() computed (no keystream before the tag).
/// Compresses with Botan's: the portable class is built without RTTI, which UBSan's vptr
/// check on a direct call would need.
class CountingSha256 final : public Sha256Compressor
{
public:
    void compress(uint32_t state[8], const uint8_t *blocks, size_t blockCount) override
    {
        m_blocks += blockCount;
        Warden::Internal::botanSha256().compress(state, blocks, blockCount);
    }
    size_t m_blocks = 0;
};

void deriveKeys(ManagementKeys &keys, const QByteArray &managementKey, const QByteArray &serial,
                Sha256Compressor &sha = g_portable)
{
    keys.derive(sha, u8(managementKey), u8(serial));
}

WhitelistEntry entry(uint8_t node, const QByteArray &serial)
{
    WhitelistEntry e;
    e.nodeId = node;
    std::memcpy(e.serial, serial.constData(), kSerialSize);
    return e;
}

std::vector<Message> framesOf(ManagementRequestBuilder &builder, uint8_t destination)
{
    std::vector<Message> frames;
    Message m;
    while (builder.nextFrame(m, kGatewayAddress, destination))
        frames.push_back(m);
    return frames;
}

std::vector<Message> framesOf(ManagementAckBuilder &builder, uint8_t sender)
{
    std::vector<Message> frames;
    Message m;
    while (builder.nextFrame(m, sender, kGatewayAddress))
        frames.push_back(m);
    return frames;
}

/// Feeds frames in order; returns the last status.
template<class Receiver>
ManagementStatus feedAll(Receiver &receiver, const std::vector<Message> &frames,
                         uint32_t now = 1000)
{
    ManagementStatus status = ManagementStatus::NotManagement;
    for (const Message &m : frames)
        status = receiver.feed(m, now);
    return status;
}

Message withByte(const Message &m, size_t at, uint8_t value)
{
    uint8_t raw[kMaxMessageSize];
    std::memcpy(raw, m.data(), m.size());
    raw[at] = value;
    Message out;
    if (Message::decode(raw, m.size(), out) != DecodeError::None)
        qFatal("withByte: the change made the frame undecodable");
    return out;
}

/// A frame with a hand-made payload (fragment header and chunk) under a request header.
Message rawFragment(const QByteArray &payload, uint8_t type = kManagementRequestType)
{
    Message m;
    m.setHeader(kGatewayAddress, kExampleNode, Command::Stream, type, kNodeSensorId);
    if (!m.setPayload(PayloadType::Custom, payload.constData(), size_t(payload.size())))
        qFatal("rawFragment: payload too long");
    return m;
}

// --- An independent implementation of the reference document, with Qt's HMAC ---------------

QByteArray hmac(const QByteArray &key, const QByteArray &message)
{
    return QMessageAuthenticationCode::hash(message, key, QCryptographicHash::Sha256);
}

QByteArray refKey(const QByteArray &managementKey, const QByteArray &serial, const char *label)
{
    return hmac(managementKey, QByteArray(label) + serial);
}

QByteArray refKeystream(const QByteArray &encKey, uint8_t op, uint32_t counter, qsizetype length)
{
    QByteArray stream;
    for (int i = 0; stream.size() < length; ++i)
        stream += hmac(encKey, le32(counter) + char(op) + char(i));
    return stream.left(length);
}

QByteArray refRequestStream(const QByteArray &managementKey, const QByteArray &serial, uint8_t op,
                            uint32_t counter, const QByteArray &plainBody)
{
    const QByteArray authKey = refKey(managementKey, serial, "warden mgmt auth v1");
    const QByteArray encKey = refKey(managementKey, serial, "warden mgmt enc v1");
    const QByteArray ks = refKeystream(encKey, op, counter, plainBody.size());
    QByteArray cipher = plainBody;
    for (qsizetype i = 0; i < cipher.size(); ++i)
        cipher[i] = char(cipher[i] ^ ks[i]);
    const QByteArray covered = char(op) + le32(counter) + cipher;
    return covered + hmac(authKey, char(0x57) + covered).left(16);
}

QByteArray refAckStream(const QByteArray &managementKey, const QByteArray &serial, uint8_t op,
                        uint32_t counter, uint8_t result, const QByteArray &body)
{
    const QByteArray authKey = refKey(managementKey, serial, "warden mgmt auth v1");
    const QByteArray covered = le32(counter) + char(result) + body;
    return covered + hmac(authKey, QByteArray(1, char(0x58)) + char(op) + covered).left(16);
}

/// Wire frames of a stream per the document: header, then (index << 4 | count - 1), counter
/// byte, up to 21 stream bytes.
QList<QByteArray> refFrames(const QByteArray &stream, uint8_t type, uint8_t sender,
                            uint8_t destination, uint8_t xid)
{
    QList<QByteArray> frames;
    const int count = int((stream.size() + 20) / 21);
    for (int i = 0; i < count; ++i) {
        const QByteArray chunk = stream.mid(i * 21, 21);
        const QByteArray payload = char((i << 4) | (count - 1)) + QByteArray(1, char(xid)) + chunk;
        QByteArray f;
        f += char(sender);
        f += char(sender);
        f += char(destination);
        f += char(2 | (payload.size() << 3));
        f += char(4 | (6 << 5));
        f += char(type);
        f += char(0xFF);
        frames.append(f + payload);
    }
    return frames;
}

QByteArray refConfigDigest(const QByteArray &serial, const QList<QPair<int, QByteArray>> &whitelist,
                           uint8_t policy, const QList<QPair<int, int>> &peers,
                           const QByteArray &linkKey, int activeEpoch, const QByteArray &activeKey,
                           int pendingEpoch, const QByteArray &pendingKey)
{
    auto le16 = [](int v) { return QByteArray(1, char(v & 0xFF)) + char((v >> 8) & 0xFF); };
    auto key = [](const QByteArray &k) { return k.isEmpty() ? QByteArray(1, 0) : char(1) + k; };
    QByteArray image = "warden config v1" + serial + le16(int(whitelist.size()));
    for (const auto &e : whitelist)
        image += char(e.first) + e.second;
    image += char(policy) + le16(int(peers.size()));
    for (const auto &p : peers)
        image += QByteArray(1, char(p.first)) + char(p.second);
    image += key(linkKey) + le16(activeEpoch) + key(activeKey) + le16(pendingEpoch)
             + key(pendingKey);
    return QCryptographicHash::hash(image, QCryptographicHash::Sha256);
}

// --- The operations, as rows ---------------------------------------------------------------

enum class Op {
    ReplaceWhitelist,
    ReplaceEmpty,
    ReplaceFull,
    Add,
    Remove,
    Policy,
    LinkKey,
    NetworkKey,
    Activate,
    Digest,
    Reset,
    ResetAll
};

const QByteArray kKeyA
        = QByteArray::fromHex("00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF");

QList<WhitelistEntry> fullWhitelist()
{
    QList<WhitelistEntry> list;
    for (int i = 0; i < int(kManagementMaxWhitelistEntries); ++i)
        list.append(entry(uint8_t(10 + i * 3), QByteArray(9, char(0x30 + i))));
    return list;
}

const SigningPeer kPeers[2]
        = {{0, kPeerRequiresSignatures | kPeerRequiresWhitelisting}, {9, kPeerRequiresSignatures}};

ManagementBuildError beginOp(ManagementRequestBuilder &b, const ManagementKeys &keys, Op op,
                             uint32_t counter)
{
    switch (op) {
    case Op::ReplaceWhitelist: {
        const WhitelistEntry e[3] = {entry(0, QByteArray(9, 'g')), entry(3, kExampleEntrySerial),
                                     entry(200, QByteArray(9, 'z'))};
        return b.beginReplaceWhitelist(keys, counter, e, 3);
    }
    case Op::ReplaceEmpty:
        return b.beginReplaceWhitelist(keys, counter, nullptr, 0);
    case Op::ReplaceFull: {
        const QList<WhitelistEntry> list = fullWhitelist();
        return b.beginReplaceWhitelist(keys, counter, list.constData(), size_t(list.size()));
    }
    case Op::Add:
        return b.beginAddWhitelistEntry(keys, counter,
                                        entry(kExampleEntryNode, kExampleEntrySerial));
    case Op::Remove:
        return b.beginRemoveWhitelistEntry(keys, counter, 42);
    case Op::Policy: {
        const SigningPolicy policy
                = {kPolicyRequireSignatures | kPolicyIgnorePresentations, kPeers, 2};
        return b.beginSetSigningPolicy(keys, counter, policy);
    }
    case Op::LinkKey:
        return b.beginSetLinkKey(keys, counter, u8(kKeyA));
    case Op::NetworkKey:
        return b.beginSetNetworkKey(keys, counter, 0x0203, u8(kKeyA));
    case Op::Activate:
        return b.beginActivateEpoch(keys, counter, 0x0203);
    case Op::Digest:
        return b.beginReadConfigDigest(keys, counter);
    case Op::Reset:
        return b.beginFactoryReset(keys, counter, 0);
    case Op::ResetAll:
        return b.beginFactoryReset(keys, counter, kManagementResetEraseManagementKey);
    }
    return ManagementBuildError::InvalidArgument;
}

/// The plaintext body each row must arrive with (the document's layouts, written out).
QByteArray expectedBody(Op op)
{
    switch (op) {
    case Op::ReplaceWhitelist:
        return QByteArray::fromHex("03") + char(0) + QByteArray(9, 'g') + char(3)
               + kExampleEntrySerial + char(200) + QByteArray(9, 'z');
    case Op::ReplaceEmpty:
        return QByteArray(1, 0);
    case Op::ReplaceFull: {
        QByteArray body(1, char(kManagementMaxWhitelistEntries));
        for (const WhitelistEntry &e : fullWhitelist())
            body += char(e.nodeId) + bytes(e.serial, kSerialSize);
        return body;
    }
    case Op::Add:
        return char(kExampleEntryNode) + kExampleEntrySerial;
    case Op::Remove:
        return QByteArray(1, 42);
    case Op::Policy:
        return QByteArray::fromHex("0502000309 01");
    case Op::LinkKey:
        return kKeyA;
    case Op::NetworkKey:
        return QByteArray::fromHex("0302") + kKeyA;
    case Op::Activate:
        return QByteArray::fromHex("0302");
    case Op::Digest:
        return QByteArray();
    case Op::Reset:
        return QByteArray("WIPE") + char(0);
    case Op::ResetAll:
        return QByteArray("WIPE") + char(1);
    }
    return QByteArray();
}

ManagementOperation operationOf(Op op)
{
    switch (op) {
    case Op::ReplaceWhitelist:
    case Op::ReplaceEmpty:
    case Op::ReplaceFull:
        return ManagementOperation::ReplaceWhitelist;
    case Op::Add:
        return ManagementOperation::AddWhitelistEntry;
    case Op::Remove:
        return ManagementOperation::RemoveWhitelistEntry;
    case Op::Policy:
        return ManagementOperation::SetSigningPolicy;
    case Op::LinkKey:
        return ManagementOperation::SetLinkKey;
    case Op::NetworkKey:
        return ManagementOperation::SetNetworkKey;
    case Op::Activate:
        return ManagementOperation::ActivateEpoch;
    case Op::Digest:
        return ManagementOperation::ReadConfigDigest;
    case Op::Reset:
    case Op::ResetAll:
        return ManagementOperation::FactoryReset;
    }
    return ManagementOperation::ReadConfigDigest;
}

void addOpRows()
{
    QTest::addColumn<int>("op");
    QTest::newRow("replace-whitelist") << int(Op::ReplaceWhitelist);
    QTest::newRow("replace-whitelist-empty") << int(Op::ReplaceEmpty);
    QTest::newRow("replace-whitelist-16") << int(Op::ReplaceFull);
    QTest::newRow("add-whitelist-entry") << int(Op::Add);
    QTest::newRow("remove-whitelist-entry") << int(Op::Remove);
    QTest::newRow("set-signing-policy") << int(Op::Policy);
    QTest::newRow("set-link-key") << int(Op::LinkKey);
    QTest::newRow("set-network-key") << int(Op::NetworkKey);
    QTest::newRow("activate-epoch") << int(Op::Activate);
    QTest::newRow("read-config-digest") << int(Op::Digest);
    QTest::newRow("factory-reset") << int(Op::Reset);
    QTest::newRow("factory-reset-all") << int(Op::ResetAll);
}

/// A complete, valid transfer of @p op with the fuzz/test keys.
std::vector<Message> validTransfer(const ManagementKeys &keys, Op op, uint32_t counter,
                                   uint8_t destination = kExampleNode)
{
    ManagementRequestBuilder builder(g_portable);
    if (beginOp(builder, keys, op, counter) != ManagementBuildError::None)
        qFatal("validTransfer: builder refused");
    return framesOf(builder, destination);
}

QString docPath()
{
    return QStringLiteral(WARDEN_SOURCE_DIR "/firmware/docs/management-channel.md");
}

QString corpusPath()
{
    return QStringLiteral(WARDEN_SOURCE_DIR "/tests/fuzz/corpus/management");
}

/// "name: value" lines of the fenced blocks between the worked-example markers.
QMap<QString, QString> documentedExample()
{
    QFile file(docPath());
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return {};
    const QString text = QString::fromUtf8(file.readAll());
    const qsizetype begin = text.indexOf(QStringLiteral("<!-- worked-example:begin -->"));
    const qsizetype end = text.indexOf(QStringLiteral("<!-- worked-example:end -->"));
    if (begin < 0 || end < begin)
        return {};
    QMap<QString, QString> values;
    bool inFence = false;
    const QStringList lines = text.mid(begin, end - begin).split(QLatin1Char('\n'));
    for (const QString &line : lines) {
        if (line.startsWith(QStringLiteral("```"))) {
            inFence = !inFence;
            continue;
        }
        const qsizetype colon = line.indexOf(QStringLiteral(": "));
        if (!inFence || colon < 0)
            continue;
        QString value = line.mid(colon + 2).trimmed();
        value.remove(QLatin1Char(' '));
        values.insert(line.left(colon).trimmed(), value);
    }
    return values;
}

/// The fuzz seeds: a few complete transfers (requests and acknowledgements) under the fuzz
/// target's keys, in its input format: a mode byte (bits 0-3: the acknowledgement's
/// operation is 1 + mode % 9; bits 4-7: seconds between frames), then records of one length
/// byte and that many wire bytes.
QMap<QString, QByteArray> fuzzSeeds()
{
    ManagementKeys keys;
    keys.derive(g_portable, kFuzzManagementKey, kFuzzSerial);
    auto records = [](const std::vector<Message> &frames) {
        QByteArray out;
        for (const Message &m : frames)
            out += char(m.size()) + wire(m);
        return out;
    };
    const QByteArray request(1, 0x00); // frames 0 ms apart
    QMap<QString, QByteArray> seeds;
    seeds.insert(QStringLiteral("add-whitelist-entry"),
                 request + records(validTransfer(keys, Op::Add, 1)));
    seeds.insert(QStringLiteral("replace-whitelist-16"),
                 request + records(validTransfer(keys, Op::ReplaceFull, 2)));
    seeds.insert(QStringLiteral("set-network-key"),
                 request + records(validTransfer(keys, Op::NetworkKey, 3)));
    seeds.insert(QStringLiteral("set-signing-policy"),
                 request + records(validTransfer(keys, Op::Policy, 4)));
    seeds.insert(QStringLiteral("read-config-digest"),
                 request + records(validTransfer(keys, Op::Digest, 5)));
    seeds.insert(QStringLiteral("factory-reset"),
                 request + records(validTransfer(keys, Op::ResetAll, 6)));
    // Out of order and duplicated fragments, then the whole transfer again, 1 s apart.
    const std::vector<Message> t = validTransfer(keys, Op::ReplaceWhitelist, 7);
    seeds.insert(QStringLiteral("reordered-then-valid"),
                 QByteArray(1, 0x11) + records({t[0], t[0], t[2], t[1]}) + records(t));
    // 11 s between frames: the transfer times out on the way.
    seeds.insert(QStringLiteral("timed-out"), QByteArray(1, char(0xB0)) + records(t));
    ManagementAckBuilder ack(g_portable);
    const QByteArray digest(32, char(0x5A));
    ack.begin(keys, uint8_t(ManagementOperation::ReadConfigDigest), 5, ManagementResult::Applied,
              u8(digest), 32);
    seeds.insert(QStringLiteral("ack-digest"), QByteArray(1, 0x07) + records(framesOf(ack, 5)));
    ack.beginStale(keys, uint8_t(ManagementOperation::AddWhitelistEntry), 1, 9);
    seeds.insert(QStringLiteral("ack-stale"), QByteArray(1, 0x01) + records(framesOf(ack, 5)));
    return seeds;
}

} // namespace

class tst_Management : public QObject
{
    Q_OBJECT

private slots:
    void derivedKeys();
    void roundTrip_data();
    void roundTrip();
    void matchesIndependentImplementation_data();
    void matchesIndependentImplementation();
    void workedExample();
    void controllerLines();
    void everyFlippedBit_data();
    void everyFlippedBit();
    void counters_data();
    void counters();
    void fragmentErrors_data();
    void fragmentErrors();
    void newTransferReplacesPartial();
    void partialTransferTimesOut();
    void reflectionAndForeignKeys();
    void encryption();
    void decryptOnlyAfterTag();
    void authenticatedButInvalid_data();
    void authenticatedButInvalid();
    void builderValidation();
    void limits();
    void acknowledgements_data();
    void acknowledgements();
    void ackErrors();
    void configDigest();
    void names();
    void fuzzCorpusIsCurrent();
};

void tst_Management::derivedKeys()
{
    uint8_t portableAuth[32], botanAuth[32], portableEnc[32], botanEnc[32];
    const auto derive = [](Sha256Compressor &sha, ManagementKeyPurpose purpose, uint8_t *out) {
        ManagementKeys::deriveKey(sha, u8(kExampleManagementKey), u8(kExampleSerial), purpose, out);
    };
    derive(g_portable, ManagementKeyPurpose::Authentication, portableAuth);
    derive(Warden::Internal::botanSha256(), ManagementKeyPurpose::Authentication, botanAuth);
    derive(g_portable, ManagementKeyPurpose::Encryption, portableEnc);
    derive(Warden::Internal::botanSha256(), ManagementKeyPurpose::Encryption, botanEnc);

    QCOMPARE(bytes(portableAuth, 32), bytes(botanAuth, 32));
    QCOMPARE(bytes(portableEnc, 32), bytes(botanEnc, 32));
    QCOMPARE(bytes(portableAuth, 32),
             refKey(kExampleManagementKey, kExampleSerial, "warden mgmt auth v1"));
    QCOMPARE(bytes(portableEnc, 32),
             refKey(kExampleManagementKey, kExampleSerial, "warden mgmt enc v1"));
    QVERIFY(bytes(portableAuth, 32) != bytes(portableEnc, 32));

    // The document's known answers.
    const QMap<QString, QString> doc = documentedExample();
    QCOMPARE(doc.value(QStringLiteral("K_auth")).toLatin1(),
             bytes(portableAuth, 32).toHex().toUpper());
    QCOMPARE(doc.value(QStringLiteral("K_enc")).toLatin1(),
             bytes(portableEnc, 32).toHex().toUpper());

    // Equal K_mgmt, other serial: other keys.
    uint8_t other[32];
    const QByteArray otherSerial = QByteArray::fromHex("112233445566778898");
    ManagementKeys::deriveKey(g_portable, u8(kExampleManagementKey), u8(otherSerial),
                              ManagementKeyPurpose::Authentication, other);
    QVERIFY(bytes(other, 32) != bytes(portableAuth, 32));

    ManagementKeys keys;
    QVERIFY(!keys.isSet());
    deriveKeys(keys, kExampleManagementKey, kExampleSerial);
    QVERIFY(keys.isSet());
    keys.clear();
    QVERIFY(!keys.isSet());
    const QByteArray zeros(32, 0);
    QCOMPARE(bytes(reinterpret_cast<const uint8_t *>(keys.authentication().innerMidstate()), 32),
             zeros);
}

void tst_Management::roundTrip_data()
{
    addOpRows();
}

void tst_Management::roundTrip()
{
    QFETCH(int, op);
    const Op o = Op(op);
    for (const bool botanSender : {false, true}) {
        for (const bool botanNode : {false, true}) {
            ManagementKeys coreKeys, nodeKeys;
            deriveKeys(coreKeys, kExampleManagementKey, kExampleSerial, backend(botanSender));
            deriveKeys(nodeKeys, kExampleManagementKey, kExampleSerial, backend(botanNode));
            ManagementRequestBuilder builder(backend(botanSender));
            QCOMPARE(beginOp(builder, coreKeys, o, 77), ManagementBuildError::None);
            const std::vector<Message> frames = framesOf(builder, kExampleNode);
            QCOMPARE(frames.size(), builder.frameCount());
            const size_t streamLength = 21 + size_t(expectedBody(o).size());
            QCOMPARE(frames.size(), (streamLength + 20) / 21);
            for (const Message &m : frames) {
                QCOMPARE(m.command(), Command::Stream);
                QCOMPARE(m.type(), kManagementRequestType);
                QCOMPARE(m.sensor(), kNodeSensorId);
                QCOMPARE(m.payloadType(), PayloadType::Custom);
                QVERIFY(m.payloadLength() <= kMaxSignablePayload);
                QCOMPARE(m.destination(), kExampleNode);
            }

            ManagementReceiver node(backend(botanNode));
            for (size_t i = 0; i < frames.size(); ++i) {
                const ManagementStatus s = node.feed(frames[i], 1000 + uint32_t(i));
                QCOMPARE(s, i + 1 == frames.size() ? ManagementStatus::Assembled
                                                   : ManagementStatus::NeedMore);
            }
            QCOMPARE(node.open(nodeKeys, 76), ManagementStatus::Complete);
            QVERIFY(node.isAuthenticated());
            QCOMPARE(node.counter(), 77u);
            QCOMPARE(node.operation(), operationOf(o));
            QCOMPARE(bytes(node.body(), node.bodyLength()), expectedBody(o));

            // The typed reads agree with the body and refuse other operations.
            WhitelistEntry e;
            uint8_t id = 0, flags = 0, scope = 0;
            uint16_t epoch = 0;
            SigningPeer peer;
            switch (o) {
            case Op::ReplaceWhitelist:
                QCOMPARE(node.whitelistCount(), size_t(3));
                QVERIFY(node.whitelistEntry(1, e));
                QCOMPARE(e.nodeId, uint8_t(3));
                QCOMPARE(bytes(e.serial, 9), kExampleEntrySerial);
                QVERIFY(!node.whitelistEntry(3, e));
                break;
            case Op::ReplaceEmpty:
                QCOMPARE(node.whitelistCount(), size_t(0));
                QVERIFY(!node.whitelistEntry(0, e));
                break;
            case Op::ReplaceFull:
                QCOMPARE(node.whitelistCount(), kManagementMaxWhitelistEntries);
                QVERIFY(node.whitelistEntry(15, e));
                QCOMPARE(e.nodeId, uint8_t(10 + 45));
                break;
            case Op::Add:
                QCOMPARE(node.whitelistCount(), size_t(1));
                QVERIFY(node.whitelistEntry(0, e));
                QCOMPARE(e.nodeId, kExampleEntryNode);
                QCOMPARE(bytes(e.serial, 9), kExampleEntrySerial);
                break;
            case Op::Remove:
                QVERIFY(node.removedNodeId(id));
                QCOMPARE(id, uint8_t(42));
                break;
            case Op::Policy:
                QVERIFY(node.policyFlags(flags));
                QCOMPARE(flags, uint8_t(kPolicyRequireSignatures | kPolicyIgnorePresentations));
                QCOMPARE(node.peerCount(), size_t(2));
                QVERIFY(node.peer(1, peer));
                QCOMPARE(peer.nodeId, uint8_t(9));
                QCOMPARE(peer.flags, kPeerRequiresSignatures);
                QVERIFY(!node.peer(2, peer));
                break;
            case Op::LinkKey:
                QCOMPARE(bytes(node.key(), 32), kKeyA);
                QVERIFY(!node.epoch(epoch));
                break;
            case Op::NetworkKey:
                QCOMPARE(bytes(node.key(), 32), kKeyA);
                QVERIFY(node.epoch(epoch));
                QCOMPARE(epoch, uint16_t(0x0203));
                break;
            case Op::Activate:
                QVERIFY(node.epoch(epoch));
                QCOMPARE(epoch, uint16_t(0x0203));
                QVERIFY(node.key() == nullptr);
                break;
            case Op::Digest:
                QCOMPARE(node.bodyLength(), size_t(0));
                break;
            case Op::Reset:
            case Op::ResetAll:
                QVERIFY(node.resetScope(scope));
                QCOMPARE(scope, uint8_t(o == Op::ResetAll ? 1 : 0));
                QVERIFY(!node.removedNodeId(id));
                break;
            }
            if (o != Op::Remove)
                QVERIFY(!node.removedNodeId(id));
            if (o != Op::Policy)
                QCOMPARE(node.peerCount(), size_t(0));

            // clear() wipes the plaintext.
            node.clear();
            QVERIFY(node.body() == nullptr);
            QVERIFY(node.key() == nullptr);
        }
    }
}

void tst_Management::matchesIndependentImplementation_data()
{
    addOpRows();
}

void tst_Management::matchesIndependentImplementation()
{
    // The document re-implemented with Qt's HMAC must give the very frames of the builders,
    // on both backends: the core side can be written from the document alone.
    QFETCH(int, op);
    const Op o = Op(op);
    const uint32_t counter = 0x01020304;
    const QByteArray stream = refRequestStream(kExampleManagementKey, kExampleSerial,
                                               uint8_t(operationOf(o)), counter, expectedBody(o));
    const QList<QByteArray> expected
            = refFrames(stream, kManagementRequestType, 0, kExampleNode, uint8_t(counter));
    for (const bool botan : {false, true}) {
        ManagementKeys keys;
        deriveKeys(keys, kExampleManagementKey, kExampleSerial, backend(botan));
        ManagementRequestBuilder builder(backend(botan));
        QCOMPARE(beginOp(builder, keys, o, counter), ManagementBuildError::None);
        const std::vector<Message> frames = framesOf(builder, kExampleNode);
        QCOMPARE(qsizetype(frames.size()), expected.size());
        for (size_t i = 0; i < frames.size(); ++i)
            QCOMPARE(wire(frames[i]).toHex(), expected[qsizetype(i)].toHex());
        // frame(i) re-issues the same frame; rewind() starts again.
        Message again;
        QVERIFY(builder.frame(0, again, 0, kExampleNode));
        QCOMPARE(wire(again), wire(frames[0]));
        QVERIFY(!builder.frame(frames.size(), again, 0, kExampleNode));
        builder.rewind();
        QCOMPARE(framesOf(builder, kExampleNode).size(), frames.size());
    }
}

void tst_Management::workedExample()
{
    ManagementKeys keys;
    deriveKeys(keys, kExampleManagementKey, kExampleSerial);
    ManagementRequestBuilder builder(g_portable);
    QCOMPARE(builder.beginAddWhitelistEntry(keys, kExampleCounter,
                                            entry(kExampleEntryNode, kExampleEntrySerial)),
             ManagementBuildError::None);
    const std::vector<Message> frames = framesOf(builder, kExampleNode);
    QCOMPARE(frames.size(), size_t(2));

    const QByteArray encKey = refKey(kExampleManagementKey, kExampleSerial, "warden mgmt enc v1");
    const QByteArray authKey = refKey(kExampleManagementKey, kExampleSerial, "warden mgmt auth v1");
    const QByteArray plain = char(kExampleEntryNode) + kExampleEntrySerial;
    const QByteArray stream
            = refRequestStream(kExampleManagementKey, kExampleSerial, 2, kExampleCounter, plain);
    const QByteArray ks0 = hmac(encKey, le32(kExampleCounter) + char(2) + char(0));

    QMap<QString, QByteArray> expected;
    expected.insert(QStringLiteral("K_mgmt"), kExampleManagementKey);
    expected.insert(QStringLiteral("serial"), kExampleSerial);
    expected.insert(QStringLiteral("K_auth"), authKey);
    expected.insert(QStringLiteral("K_enc"), encKey);
    expected.insert(QStringLiteral("plaintext body"), plain);
    expected.insert(QStringLiteral("keystream block 0"), ks0);
    expected.insert(QStringLiteral("ciphertext body"), stream.mid(5, 10));
    expected.insert(QStringLiteral("tag input"), char(0x57) + stream.left(15));
    expected.insert(QStringLiteral("full HMAC"), hmac(authKey, char(0x57) + stream.left(15)));
    expected.insert(QStringLiteral("tag"), stream.mid(15));
    expected.insert(QStringLiteral("stream"), stream);
    expected.insert(QStringLiteral("frame 0"), wire(frames[0]));
    expected.insert(QStringLiteral("frame 1"), wire(frames[1]));

    // The node's acknowledgement.
    ManagementReceiver node(g_portable);
    feedAll(node, frames);
    QCOMPARE(node.open(keys, kExampleCounter - 1), ManagementStatus::Complete);
    ManagementAckBuilder ack(g_portable);
    QCOMPARE(ack.begin(keys, node.operationByte(), node.counter(), ManagementResult::Applied,
                       nullptr, 0),
             ManagementBuildError::None);
    const std::vector<Message> ackFrames = framesOf(ack, kExampleNode);
    QCOMPARE(ackFrames.size(), size_t(1));
    expected.insert(QStringLiteral("ack frame 0"), wire(ackFrames[0]));
    const QByteArray ackStream = refAckStream(kExampleManagementKey, kExampleSerial, 2,
                                              kExampleCounter, 0, QByteArray());
    expected.insert(QStringLiteral("ack tag input"),
                    QByteArray(1, char(0x58)) + char(2) + ackStream.left(5));
    expected.insert(QStringLiteral("ack stream"), ackStream);

    ControllerLine ackLine;
    QVERIFY(messageToControllerLine(ackFrames[0], ackLine));
    char rendered[kMaxControllerLineSize + 1];
    const size_t n = formatControllerLine(ackLine, rendered, sizeof rendered);
    // Print the example (for the document's author) when asked.
    if (qEnvironmentVariableIsSet("WARDEN_PRINT_EXAMPLE")) {
        for (auto it = expected.cbegin(); it != expected.cend(); ++it)
            qInfo("%s: %s", qPrintable(it.key()), hexSpaced(it.value()).constData());
        for (size_t i = 0; i < frames.size(); ++i) {
            ControllerLine l;
            messageToControllerLine(frames[i], l);
            l.nodeId = kExampleNode; // controller -> gateway: the destination
            char t[kMaxControllerLineSize + 1];
            const size_t k = formatControllerLine(l, t, sizeof t);
            qInfo("controller line %zu: %s", i, QByteArray(t, qsizetype(k)).trimmed().constData());
        }
        qInfo("ack controller line: %s", QByteArray(rendered, qsizetype(n)).trimmed().constData());
    }

    const QMap<QString, QString> doc = documentedExample();
    QVERIFY2(!doc.isEmpty(), qPrintable(QStringLiteral("no worked example in ") + docPath()));
    for (auto it = expected.cbegin(); it != expected.cend(); ++it) {
        QVERIFY2(doc.contains(it.key()), qPrintable(QStringLiteral("document lacks ") + it.key()));
        QCOMPARE(doc.value(it.key()).toLatin1(), it.value().toHex().toUpper());
    }
    // Controller lines of the example, as a stock gateway reads and writes them.
    for (size_t i = 0; i < frames.size(); ++i) {
        const QString name = QStringLiteral("controller line %1").arg(i);
        QVERIFY2(doc.contains(name), qPrintable(name));
        ControllerLine line;
        const QByteArray text = doc.value(name).toLatin1();
        QCOMPARE(parseControllerLine(text.constData(), size_t(text.size()), line), LineError::None);
        Message m;
        QCOMPARE(controllerLineToMessage(line, m), LineError::None);
        QCOMPARE(wire(m), wire(frames[i]));
    }
    QCOMPARE(QString::fromLatin1(rendered, qsizetype(n)).trimmed(),
             doc.value(QStringLiteral("ack controller line")));
}

void tst_Management::controllerLines()
{
    // Every frame of the largest request survives the controller's text protocol both ways:
    // hex within the gateway's 25-byte (50 hex characters) cap.
    ManagementKeys keys;
    deriveKeys(keys, kExampleManagementKey, kExampleSerial);
    const std::vector<Message> frames = validTransfer(keys, Op::ReplaceFull, 9);
    QCOMPARE(frames.size(), kManagementMaxRequestFragments);
    ManagementReceiver node(g_portable);
    ManagementStatus status = ManagementStatus::NotManagement;
    for (const Message &m : frames) {
        const QByteArray text = QByteArray::number(kExampleNode) + ";255;4;0;87;"
                                + bytes(m.payload(), m.payloadLength()).toHex();
        ControllerLine line;
        QCOMPARE(parseControllerLine(text.constData(), size_t(text.size()), line), LineError::None);
        Message fromLine;
        QCOMPARE(controllerLineToMessage(line, fromLine), LineError::None);
        QCOMPARE(wire(fromLine), wire(m));
        status = node.feed(fromLine, 5);
    }
    QCOMPARE(status, ManagementStatus::Assembled);
    QCOMPARE(node.open(keys, 8), ManagementStatus::Complete);
}

void tst_Management::everyFlippedBit_data()
{
    QTest::addColumn<bool>("ack");
    QTest::newRow("request") << false;
    QTest::newRow("acknowledgement") << true;
}

void tst_Management::everyFlippedBit()
{
    // Every bit of every frame from byte 3 on (version/length, command, type, sensor,
    // payload) is covered: the transfer never completes with it flipped. Bytes 0-2 (last,
    // sender, destination) are routing, rewritten by the network, and not covered: flipping
    // them must not crash, and the transfer is what it was.
    QFETCH(bool, ack);
    ManagementKeys keys;
    deriveKeys(keys, kExampleManagementKey, kExampleSerial);
    std::vector<Message> frames;
    ManagementAckBuilder ackBuilder(g_portable);
    const QByteArray digest(32, char(0xD1));
    if (ack) {
        QCOMPARE(ackBuilder.begin(keys, uint8_t(ManagementOperation::ReadConfigDigest), 500,
                                  ManagementResult::Applied, u8(digest), 32),
                 ManagementBuildError::None);
        frames = framesOf(ackBuilder, kExampleNode);
    } else {
        frames = validTransfer(keys, Op::NetworkKey, 500);
    }
    QCOMPARE(frames.size(), size_t(3));

    const auto attempt = [&](const std::vector<Message> &sequence) {
        if (ack) {
            ManagementAckReceiver core(g_portable);
            if (feedAll(core, sequence) != ManagementStatus::Assembled)
                return false;
            return core.open(keys, uint8_t(ManagementOperation::ReadConfigDigest), 500)
                   == ManagementStatus::Complete;
        }
        ManagementReceiver node(g_portable);
        if (feedAll(node, sequence) != ManagementStatus::Assembled)
            return false;
        return node.open(keys, 499) == ManagementStatus::Complete;
    };
    QVERIFY(attempt(frames));

    int flips = 0, undecodable = 0;
    for (size_t f = 0; f < frames.size(); ++f) {
        const Message &original = frames[f];
        for (size_t byte = 0; byte < original.size(); ++byte) {
            for (int bit = 0; bit < 8; ++bit) {
                uint8_t raw[kMaxMessageSize];
                std::memcpy(raw, original.data(), original.size());
                raw[byte] ^= uint8_t(1u << bit);
                std::vector<Message> sequence = frames;
                Message changed;
                if (Message::decode(raw, original.size(), changed) != DecodeError::None) {
                    ++undecodable; // the link layer drops it: the fragment is missing
                    sequence.erase(sequence.begin() + std::ptrdiff_t(f));
                } else {
                    sequence[f] = changed;
                }
                const bool accepted = attempt(sequence);
                if (byte >= 3)
                    QVERIFY2(!accepted,
                             qPrintable(QStringLiteral("frame %1 byte %2 bit %3 accepted")
                                                .arg(f)
                                                .arg(byte)
                                                .arg(bit)));
                else
                    QVERIFY(accepted);
                ++flips;
            }
        }
    }
    qInfo("%d single-bit changes, %d of them undecodable", flips, undecodable);
    QVERIFY(flips > 600);
}

void tst_Management::counters_data()
{
    QTest::addColumn<quint32>("last");
    QTest::addColumn<quint32>("counter");
    QTest::addColumn<ManagementStatus>("status");
    QTest::newRow("fresh node, 1") << 0u << 1u << ManagementStatus::Complete;
    QTest::newRow("fresh node, 0") << 0u << 0u << ManagementStatus::StaleCounter;
    QTest::newRow("next") << 41u << 42u << ManagementStatus::Complete;
    QTest::newRow("jump") << 41u << 0x10000000u << ManagementStatus::Complete;
    QTest::newRow("equal") << 42u << 42u << ManagementStatus::RepeatedCounter;
    QTest::newRow("below") << 42u << 41u << ManagementStatus::StaleCounter;
    QTest::newRow("far below") << 0x10000000u << 5u << ManagementStatus::StaleCounter;
    QTest::newRow("last possible") << 0xFFFFFFFEu << 0xFFFFFFFFu << ManagementStatus::Complete;
    QTest::newRow("exhausted") << 0xFFFFFFFFu << 0xFFFFFFFFu << ManagementStatus::RepeatedCounter;
    QTest::newRow("no wrap") << 0xFFFFFFFFu << 1u << ManagementStatus::StaleCounter;
}

void tst_Management::counters()
{
    QFETCH(quint32, last);
    QFETCH(quint32, counter);
    QFETCH(ManagementStatus, status);
    ManagementKeys keys;
    deriveKeys(keys, kExampleManagementKey, kExampleSerial);
    ManagementReceiver node(g_portable);
    QCOMPARE(feedAll(node, validTransfer(keys, Op::LinkKey, counter)), ManagementStatus::Assembled);
    QCOMPARE(node.open(keys, last), status);
    // Authentic either way: the node acknowledges a stale request with its counter.
    QVERIFY(node.isAuthenticated());
    QCOMPARE(node.counter(), counter);
    if (status != ManagementStatus::Complete) {
        QVERIFY(node.body() == nullptr);
        QVERIFY(node.key() == nullptr);
    }
    // The receiver is idle and takes the next transfer.
    QCOMPARE(feedAll(node, validTransfer(keys, Op::Digest, 7)), ManagementStatus::Assembled);
    QCOMPARE(node.open(keys, 6), ManagementStatus::Complete);
}

void tst_Management::fragmentErrors_data()
{
    // Each scenario feeds frames built from a 4-frame transfer (t) and another one (u); the
    // status of the marked step is checked, and what the last step gives.
    QTest::addColumn<QString>("script");
    QTest::addColumn<ManagementStatus>("error");
    QTest::addColumn<ManagementStatus>("final");
    // t0..t3: the frames; u0..: another transfer (other counter); special frames:
    //   big: fragment 0 claiming 10 fragments; wide: a 22-byte chunk; short: t1 cut by a byte;
    //   tiny: fragment 0 of 1 with a 20-byte stream; string: t1 as P_STRING;
    //   badindex: index 3 of 2; type: t1 as a stock stream type; echo: t1 with is-echo;
    //   reqecho: t1 with request-echo; empty: a fragment header with no chunk.
    // The marked step is the one in brackets.
    QTest::newRow("reordered") << "t0 [t2] t1 t3" << ManagementStatus::OutOfOrder
                               << ManagementStatus::NoTransfer;
    QTest::newRow("missing middle")
            << "t0 t1 [t3]" << ManagementStatus::OutOfOrder << ManagementStatus::OutOfOrder;
    QTest::newRow("duplicated") << "t0 t1 [t1] t2 t3" << ManagementStatus::Duplicate
                                << ManagementStatus::Assembled;
    QTest::newRow("duplicated first")
            << "t0 t1 [t0] t2 t3" << ManagementStatus::Duplicate << ManagementStatus::Assembled;
    QTest::newRow("duplicated last")
            << "t0 t1 t2 t3 [t3]" << ManagementStatus::Duplicate << ManagementStatus::Duplicate;
    QTest::newRow("orphan continuation")
            << "[t1] t2" << ManagementStatus::NoTransfer << ManagementStatus::NoTransfer;
    QTest::newRow("mixed transfers")
            << "t0 t1 [u2] t2 t3" << ManagementStatus::MixedTransfer << ManagementStatus::Assembled;
    QTest::newRow("oversized transfer")
            << "[big]" << ManagementStatus::Oversized << ManagementStatus::Oversized;
    QTest::newRow("oversized chunk")
            << "t0 [wide] t1 t2 t3" << ManagementStatus::Oversized << ManagementStatus::Assembled;
    QTest::newRow("truncated fragment")
            << "t0 [short] t1 t2 t3" << ManagementStatus::Truncated << ManagementStatus::Assembled;
    QTest::newRow("truncated stream")
            << "[tiny]" << ManagementStatus::Truncated << ManagementStatus::Truncated;
    QTest::newRow("missing last") << "t0 t1 [t2]" << ManagementStatus::NeedMore
                                  << ManagementStatus::NeedMore;
    QTest::newRow("not custom") << "t0 [string] t1 t2 t3" << ManagementStatus::MalformedFrame
                                << ManagementStatus::Assembled;
    QTest::newRow("index beyond count") << "t0 [badindex]" << ManagementStatus::MalformedFrame
                                        << ManagementStatus::MalformedFrame;
    QTest::newRow("no chunk") << "t0 [empty] t1 t2 t3" << ManagementStatus::MalformedFrame
                              << ManagementStatus::Assembled;
    QTest::newRow("request echo") << "t0 [reqecho] t1 t2 t3" << ManagementStatus::MalformedFrame
                                  << ManagementStatus::Assembled;
    QTest::newRow("other stream type") << "t0 [type] t1 t2 t3" << ManagementStatus::NotManagement
                                       << ManagementStatus::Assembled;
    QTest::newRow("echo") << "t0 [echo] t1 t2 t3" << ManagementStatus::NotManagement
                          << ManagementStatus::Assembled;
    QTest::newRow("acknowledgement") << "t0 [ack] t1 t2 t3" << ManagementStatus::NotManagement
                                     << ManagementStatus::Assembled;
    QTest::newRow("restart mid-way")
            << "t0 t1 [u0] u1 u2 u3" << ManagementStatus::NeedMore << ManagementStatus::Assembled;
}

void tst_Management::fragmentErrors()
{
    QFETCH(QString, script);
    QFETCH(ManagementStatus, error);
    QFETCH(ManagementStatus, final);
    ManagementKeys keys;
    deriveKeys(keys, kExampleManagementKey, kExampleSerial);
    // Two 4-frame transfers (a 5-entry whitelist: 72 stream bytes) with other counters.
    QList<WhitelistEntry> five;
    for (int i = 0; i < 5; ++i)
        five.append(entry(uint8_t(i * 2), QByteArray(9, char('m' + i))));
    ManagementRequestBuilder builder(g_portable);
    QCOMPARE(builder.beginReplaceWhitelist(keys, 30, five.constData(), 5),
             ManagementBuildError::None);
    const std::vector<Message> a = framesOf(builder, kExampleNode);
    QCOMPARE(a.size(), size_t(4));
    QCOMPARE(builder.beginReplaceWhitelist(keys, 31, five.constData(), 5),
             ManagementBuildError::None);
    const std::vector<Message> b = framesOf(builder, kExampleNode);
    QCOMPARE(b.size(), size_t(4));

    const QByteArray t1Payload = bytes(a[1].payload(), a[1].payloadLength());
    QMap<QString, Message> named;
    for (int i = 0; i < 4; ++i) {
        named.insert(QStringLiteral("t%1").arg(i), a[size_t(i)]);
        named.insert(QStringLiteral("u%1").arg(i), b[size_t(i)]);
    }
    named.insert(QStringLiteral("big"),
                 rawFragment(QByteArray::fromHex("09") + char(30) + QByteArray(21, 'x')));
    named.insert(QStringLiteral("wide"), rawFragment(t1Payload + 'x'));
    named.insert(QStringLiteral("short"), rawFragment(t1Payload.left(22)));
    named.insert(QStringLiteral("tiny"),
                 rawFragment(QByteArray::fromHex("00") + char(30) + QByteArray(20, 'x')));
    Message asString = a[1];
    asString.setPayload(PayloadType::String, t1Payload.constData(), size_t(t1Payload.size()));
    named.insert(QStringLiteral("string"), asString);
    named.insert(QStringLiteral("badindex"),
                 rawFragment(QByteArray::fromHex("31") + char(30) + QByteArray(21, 'x')));
    named.insert(QStringLiteral("empty"), rawFragment(t1Payload.left(2)));
    Message otherType = a[1];
    otherType.setType(uint8_t(Stream::FirmwareResponse));
    named.insert(QStringLiteral("type"), otherType);
    Message echo = a[1];
    echo.setEcho(true);
    named.insert(QStringLiteral("echo"), echo);
    Message requestEcho = a[1];
    requestEcho.setRequestEcho(true);
    named.insert(QStringLiteral("reqecho"), requestEcho);
    Message ackType = a[1];
    ackType.setType(kManagementAckType);
    named.insert(QStringLiteral("ack"), ackType);

    ManagementReceiver node(g_portable);
    ManagementStatus status = ManagementStatus::NotManagement;
    bool sawMarked = false;
    uint32_t now = 100;
    for (QString step : script.split(QLatin1Char(' '))) {
        const bool marked = step.startsWith(QLatin1Char('['));
        step.remove(QLatin1Char('[')).remove(QLatin1Char(']'));
        QVERIFY2(named.contains(step), qPrintable(step));
        status = node.feed(named.value(step), now++);
        if (marked) {
            QCOMPARE(status, error);
            sawMarked = true;
        }
    }
    QVERIFY(sawMarked);
    QCOMPARE(status, final);
    if (final == ManagementStatus::Assembled) {
        // What was assembled is the genuine transfer, whole.
        QCOMPARE(node.open(keys, 0), ManagementStatus::Complete);
        QCOMPARE(node.whitelistCount(), size_t(5));
    }

    // Whatever happened, the next valid transfer goes through.
    QCOMPARE(feedAll(node, validTransfer(keys, Op::Add, 40), now), ManagementStatus::Assembled);
    QCOMPARE(node.open(keys, 39), ManagementStatus::Complete);
    QCOMPARE(node.whitelistCount(), size_t(1));
}

void tst_Management::newTransferReplacesPartial()
{
    ManagementKeys keys;
    deriveKeys(keys, kExampleManagementKey, kExampleSerial);
    const std::vector<Message> first = validTransfer(keys, Op::ReplaceFull, 10);
    const std::vector<Message> second = validTransfer(keys, Op::Remove, 11);
    ManagementReceiver node(g_portable);
    QCOMPARE(node.feed(first[0], 1), ManagementStatus::NeedMore);
    QCOMPARE(node.feed(first[1], 2), ManagementStatus::NeedMore);
    QCOMPARE(feedAll(node, second, 3), ManagementStatus::Assembled);
    // A late fragment of the abandoned transfer is a stranger, not part of the new one.
    QCOMPARE(node.feed(first[2], 4), ManagementStatus::MixedTransfer);
    QCOMPARE(node.open(keys, 10), ManagementStatus::Complete);
    uint8_t id = 0;
    QVERIFY(node.removedNodeId(id));
    QCOMPARE(id, uint8_t(42));
    QCOMPARE(node.open(keys, 10), ManagementStatus::NotAssembled);
}

void tst_Management::partialTransferTimesOut()
{
    ManagementKeys keys;
    deriveKeys(keys, kExampleManagementKey, kExampleSerial);
    const std::vector<Message> t = validTransfer(keys, Op::ReplaceWhitelist, 10); // 3 frames
    QCOMPARE(t.size(), size_t(3));
    for (const uint32_t start : {1000u, 0xFFFFF000u /* the clock wraps during the transfer */}) {
        ManagementReceiver node(g_portable);
        QCOMPARE(node.feed(t[0], start), ManagementStatus::NeedMore);
        QCOMPARE(node.feed(t[1], start + kManagementFragmentTimeoutMs), ManagementStatus::NeedMore);
        QCOMPARE(node.feed(t[2], start + 2 * kManagementFragmentTimeoutMs + 1),
                 ManagementStatus::NoTransfer);
        // expire() alone drops it too.
        QCOMPARE(node.feed(t[0], start), ManagementStatus::NeedMore);
        node.expire(start + kManagementFragmentTimeoutMs);
        QCOMPARE(node.feed(t[1], start + kManagementFragmentTimeoutMs), ManagementStatus::NeedMore);
        node.expire(start + 2 * kManagementFragmentTimeoutMs + 1);
        QCOMPARE(node.feed(t[2], start + 2 * kManagementFragmentTimeoutMs + 2),
                 ManagementStatus::NoTransfer);
        QCOMPARE(feedAll(node, t, start + 5), ManagementStatus::Assembled);
        QCOMPARE(node.open(keys, 9), ManagementStatus::Complete);
    }
}

void tst_Management::reflectionAndForeignKeys()
{
    ManagementKeys nodeA, nodeB, sameKeyOtherSerial;
    deriveKeys(nodeA, kExampleManagementKey, kExampleSerial);
    deriveKeys(nodeB, QByteArray(32, char(0x77)), QByteArray::fromHex("010203040506070809"));
    deriveKeys(sameKeyOtherSerial, kExampleManagementKey,
               QByteArray::fromHex("112233445566778800"));

    // A request relabelled as an acknowledgement (1 frame: ReadConfigDigest is 21 bytes, the
    // size of a plain ack) does not verify as one.
    const std::vector<Message> request = validTransfer(nodeA, Op::Digest, 300);
    QCOMPARE(request.size(), size_t(1));
    ManagementAckReceiver core(g_portable);
    QCOMPARE(core.feed(request[0], 1), ManagementStatus::NotManagement);
    Message relabelled = request[0];
    relabelled.setType(kManagementAckType);
    for (uint8_t op = 1; op <= 9; ++op) {
        QCOMPARE(core.feed(relabelled, 1), ManagementStatus::Assembled);
        QCOMPARE(core.open(nodeA, op, core.counter()), ManagementStatus::BadTag);
    }

    // And an acknowledgement relabelled as a request is no request.
    ManagementAckBuilder ack(g_portable);
    QCOMPARE(ack.begin(nodeA, uint8_t(ManagementOperation::ReadConfigDigest), 300,
                       ManagementResult::Repeated, nullptr, 0),
             ManagementBuildError::None);
    std::vector<Message> ackFrames = framesOf(ack, kExampleNode);
    QCOMPARE(ackFrames.size(), size_t(1));
    ManagementReceiver node(g_portable);
    QCOMPARE(node.feed(ackFrames[0], 1), ManagementStatus::NotManagement);
    Message asRequest = ackFrames[0];
    asRequest.setType(kManagementRequestType);
    QCOMPARE(node.feed(asRequest, 1), ManagementStatus::Assembled);
    QCOMPARE(node.open(nodeA, 0), ManagementStatus::BadTag);
    QVERIFY(!node.isAuthenticated());

    // Node A's genuine acknowledgement does not verify under node B's keys (a stolen node
    // cannot answer for another), nor under a node with the same K_mgmt and another serial.
    QCOMPARE(feedAll(core, ackFrames), ManagementStatus::Assembled);
    QCOMPARE(core.open(nodeB, uint8_t(ManagementOperation::ReadConfigDigest), 300),
             ManagementStatus::BadTag);
    QCOMPARE(feedAll(core, ackFrames), ManagementStatus::Assembled);
    QCOMPARE(core.open(sameKeyOtherSerial, uint8_t(ManagementOperation::ReadConfigDigest), 300),
             ManagementStatus::BadTag);
    QCOMPARE(feedAll(core, ackFrames), ManagementStatus::Assembled);
    QCOMPARE(core.open(nodeA, uint8_t(ManagementOperation::ReadConfigDigest), 300),
             ManagementStatus::Complete);
    QCOMPARE(core.result(), ManagementResult::Repeated);
    // The ack binds to the request's operation, though it does not carry it.
    QCOMPARE(feedAll(core, ackFrames), ManagementStatus::Assembled);
    QCOMPARE(core.open(nodeA, uint8_t(ManagementOperation::FactoryReset), 300),
             ManagementStatus::BadTag);

    // Requests for node A are refused by node B.
    QCOMPARE(feedAll(node, validTransfer(nodeA, Op::LinkKey, 301)), ManagementStatus::Assembled);
    QCOMPARE(node.open(nodeB, 0), ManagementStatus::BadTag);
    QCOMPARE(feedAll(node, validTransfer(nodeA, Op::LinkKey, 301)), ManagementStatus::Assembled);
    QCOMPARE(node.open(sameKeyOtherSerial, 0), ManagementStatus::BadTag);
    // A node without keys (erased by a factory reset) verifies nothing.
    ManagementKeys none;
    QCOMPARE(feedAll(node, validTransfer(nodeA, Op::LinkKey, 301)), ManagementStatus::Assembled);
    QCOMPARE(node.open(none, 0), ManagementStatus::BadTag);
}

void tst_Management::encryption()
{
    ManagementKeys keys;
    deriveKeys(keys, kExampleManagementKey, kExampleSerial);
    const auto onAir = [](const std::vector<Message> &frames) {
        QByteArray all;
        for (const Message &m : frames)
            all += bytes(m.payload() + 2, m.payloadLength() - 2u);
        return all;
    };
    // Key material: never in clear, in no window of the frames; other counter, other bytes.
    const QByteArray c1 = onAir(validTransfer(keys, Op::NetworkKey, 1000));
    const QByteArray c2 = onAir(validTransfer(keys, Op::NetworkKey, 1001));
    QCOMPARE(c1.size(), c2.size());
    const QByteArray cipher1 = c1.mid(5 + 2, 32), cipher2 = c2.mid(5 + 2, 32);
    QVERIFY(cipher1 != kKeyA);
    QVERIFY(cipher1 != cipher2);
    for (const QByteArray &stream : {c1, c2}) {
        QVERIFY(!stream.contains(kKeyA.left(8)));
        QVERIFY(!stream.contains(kKeyA.mid(8, 8)));
        QVERIFY(!stream.contains(kKeyA.right(8)));
    }
    // Whitelist serials are never on the air in clear either (security model: serials are
    // never sent), and the same body under two counters shares no 4-byte window.
    const QByteArray w1 = onAir(validTransfer(keys, Op::Add, 1000));
    QVERIFY(!w1.contains(kExampleEntrySerial.left(4)));
    const QByteArray link1 = onAir(validTransfer(keys, Op::LinkKey, 7));
    const QByteArray link2 = onAir(validTransfer(keys, Op::LinkKey, 8));
    int equalBytes = 0;
    for (int i = 5; i < 37; ++i)
        equalBytes += link1[i] == link2[i] ? 1 : 0;
    QVERIFY(equalBytes < 8);
    // Same counter, other operation: another keystream.
    QVERIFY(onAir(validTransfer(keys, Op::LinkKey, 1000)).mid(5, 32) != c1.mid(5, 32));
}

void tst_Management::decryptOnlyAfterTag()
{
    // A counting backend shows what open() computed: with a bad tag or a stale counter, the
    // tag and nothing else; with a good one, the tag and then the keystream.
    ManagementKeys keys;
    deriveKeys(keys, kExampleManagementKey, kExampleSerial);
    std::vector<Message> frames = validTransfer(keys, Op::ReplaceFull, 50); // 161-byte body
    CountingSha256 counting;
    ManagementReceiver node(counting);

    QCOMPARE(feedAll(node, frames), ManagementStatus::Assembled);
    counting.m_blocks = 0;
    QCOMPARE(node.open(keys, 49), ManagementStatus::Complete);
    const size_t complete = counting.m_blocks;

    QCOMPARE(feedAll(node, frames), ManagementStatus::Assembled);
    counting.m_blocks = 0;
    QCOMPARE(node.open(keys, 50), ManagementStatus::RepeatedCounter);
    const size_t stale = counting.m_blocks;
    QVERIFY(node.body() == nullptr);

    // Change one ciphertext byte (frame 3 is all body).
    const Message original = frames[3];
    frames[3] = withByte(original, kHeaderSize + 5, uint8_t(original.payload()[5] ^ 0x80));
    QCOMPARE(feedAll(node, frames), ManagementStatus::Assembled);
    counting.m_blocks = 0;
    QCOMPARE(node.open(keys, 49), ManagementStatus::BadTag);
    const size_t bad = counting.m_blocks;
    QVERIFY(node.body() == nullptr);
    QCOMPARE(node.whitelistCount(), size_t(0));

    // Tag: 166 bytes + domain byte with the inner midstate = 3 blocks, outer = 1 block.
    QCOMPARE(bad, size_t(4));
    QCOMPARE(stale, bad);
    // Keystream: 6 blocks of HMAC, 2 compressions each.
    QCOMPARE(complete, bad + 6 * 2);
    qInfo("open(): %zu compressions with a bad tag, %zu for a 161-byte body", bad, complete);
}

void tst_Management::authenticatedButInvalid_data()
{
    QTest::addColumn<int>("operation");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<ManagementStatus>("status");
    const QByteArray serial(9, 's');
    QTest::newRow("unknown operation 0") << 0 << QByteArray() << ManagementStatus::UnknownOperation;
    QTest::newRow("unknown operation 10")
            << 10 << QByteArray() << ManagementStatus::UnknownOperation;
    QTest::newRow("unknown operation 255")
            << 255 << QByteArray("x") << ManagementStatus::UnknownOperation;
    QTest::newRow("whitelist empty body") << 1 << QByteArray() << ManagementStatus::MalformedBody;
    QTest::newRow("whitelist count too big") << 1 << QByteArray(1, 1) + char(1) + serial + char(2)
                                             << ManagementStatus::MalformedBody;
    QTest::newRow("whitelist 17 entries")
            << 1 << QByteArray(1, 17) << ManagementStatus::MalformedBody;
    QTest::newRow("whitelist not ascending")
            << 1 << QByteArray(1, 2) + char(5) + serial + char(4) + serial
            << ManagementStatus::MalformedBody;
    QTest::newRow("whitelist duplicate id")
            << 1 << QByteArray(1, 2) + char(5) + serial + char(5) + serial
            << ManagementStatus::MalformedBody;
    QTest::newRow("whitelist node 255")
            << 1 << QByteArray(1, 1) + char(255) + serial << ManagementStatus::MalformedBody;
    QTest::newRow("add short") << 2 << QByteArray(1, 5) + serial.left(8)
                               << ManagementStatus::MalformedBody;
    QTest::newRow("add node 255") << 2 << QByteArray(1, char(255)) + serial
                                  << ManagementStatus::MalformedBody;
    QTest::newRow("remove long") << 3 << QByteArray(2, 5) << ManagementStatus::MalformedBody;
    QTest::newRow("policy reserved flag")
            << 4 << QByteArray::fromHex("0800") << ManagementStatus::MalformedBody;
    QTest::newRow("policy peer flag 0")
            << 4 << QByteArray::fromHex("01010300") << ManagementStatus::MalformedBody;
    QTest::newRow("policy peer flag 4")
            << 4 << QByteArray::fromHex("01010304") << ManagementStatus::MalformedBody;
    QTest::newRow("policy count mismatch")
            << 4 << QByteArray::fromHex("0102030101") << ManagementStatus::MalformedBody;
    QTest::newRow("link key short") << 5 << QByteArray(31, 'k') << ManagementStatus::MalformedBody;
    QTest::newRow("network key epoch 0")
            << 6 << QByteArray(2, 0) + QByteArray(32, 'k') << ManagementStatus::MalformedBody;
    QTest::newRow("activate epoch 0") << 7 << QByteArray(2, 0) << ManagementStatus::MalformedBody;
    QTest::newRow("activate long") << 7 << QByteArray(3, 1) << ManagementStatus::MalformedBody;
    QTest::newRow("digest with body") << 8 << QByteArray(1, 0) << ManagementStatus::MalformedBody;
    QTest::newRow("reset unconfirmed")
            << 9 << QByteArray("WIPF") + char(0) << ManagementStatus::MalformedBody;
    QTest::newRow("reset reserved scope")
            << 9 << QByteArray("WIPE") + char(2) << ManagementStatus::MalformedBody;
    QTest::newRow("reset without scope")
            << 9 << QByteArray("WIPE") << ManagementStatus::MalformedBody;
    QTest::newRow("policy valid, 0 peers")
            << 4 << QByteArray::fromHex("0300") << ManagementStatus::Complete;
}

void tst_Management::authenticatedButInvalid()
{
    QFETCH(int, operation);
    QFETCH(QByteArray, body);
    QFETCH(ManagementStatus, status);
    ManagementKeys keys;
    deriveKeys(keys, kExampleManagementKey, kExampleSerial);
    ManagementRequestBuilder builder(g_portable);
    QCOMPARE(builder.begin(keys, uint8_t(operation), 600, u8(body), size_t(body.size())),
             ManagementBuildError::None);
    ManagementReceiver node(g_portable);
    QCOMPARE(feedAll(node, framesOf(builder, kExampleNode)), ManagementStatus::Assembled);
    QCOMPARE(node.open(keys, 599), status);
    // Authentic: the node consumes the counter and answers with the reason.
    QVERIFY(node.isAuthenticated());
    QCOMPARE(node.counter(), 600u);
    QCOMPARE(node.operationByte(), uint8_t(operation));
    if (status != ManagementStatus::Complete)
        QVERIFY(node.body() == nullptr);
}

void tst_Management::builderValidation()
{
    ManagementKeys keys, none;
    deriveKeys(keys, kExampleManagementKey, kExampleSerial);
    ManagementRequestBuilder b(g_portable);
    const QByteArray serial(9, 's');
    QCOMPARE(b.beginReadConfigDigest(none, 1), ManagementBuildError::NoKeys);
    QCOMPARE(b.frameCount(), size_t(0));
    Message m;
    QVERIFY(!b.nextFrame(m, 0, 5));

    const WhitelistEntry unsorted[2] = {entry(9, serial), entry(3, serial)};
    QCOMPARE(b.beginReplaceWhitelist(keys, 1, unsorted, 2), ManagementBuildError::InvalidArgument);
    const WhitelistEntry broadcast[1] = {entry(255, serial)};
    QCOMPARE(b.beginReplaceWhitelist(keys, 1, broadcast, 1), ManagementBuildError::InvalidArgument);
    QCOMPARE(b.beginAddWhitelistEntry(keys, 1, broadcast[0]),
             ManagementBuildError::InvalidArgument);
    QCOMPARE(b.beginRemoveWhitelistEntry(keys, 1, 255), ManagementBuildError::InvalidArgument);
    const QList<WhitelistEntry> full = fullWhitelist();
    QList<WhitelistEntry> tooMany = full;
    tooMany.append(entry(250, serial));
    QCOMPARE(b.beginReplaceWhitelist(keys, 1, tooMany.constData(), size_t(tooMany.size())),
             ManagementBuildError::InvalidArgument);
    QCOMPARE(b.beginReplaceWhitelist(keys, 1, nullptr, 2), ManagementBuildError::InvalidArgument);
    const SigningPeer zeroFlags[1] = {{3, 0}};
    QCOMPARE(b.beginSetSigningPolicy(keys, 1, SigningPolicy {0, zeroFlags, 1}),
             ManagementBuildError::InvalidArgument);
    QCOMPARE(b.beginSetSigningPolicy(keys, 1, SigningPolicy {0x80, nullptr, 0}),
             ManagementBuildError::InvalidArgument);
    const SigningPeer unsortedPeers[2] = {{3, 1}, {2, 1}};
    QCOMPARE(b.beginSetSigningPolicy(keys, 1, SigningPolicy {0, unsortedPeers, 2}),
             ManagementBuildError::InvalidArgument);
    QCOMPARE(b.beginSetNetworkKey(keys, 1, 0, u8(kKeyA)), ManagementBuildError::InvalidArgument);
    QCOMPARE(b.beginSetLinkKey(keys, 1, nullptr), ManagementBuildError::InvalidArgument);
    QCOMPARE(b.beginActivateEpoch(keys, 1, 0), ManagementBuildError::InvalidArgument);
    QCOMPARE(b.beginFactoryReset(keys, 1, 0x02), ManagementBuildError::InvalidArgument);
    QCOMPARE(b.frameCount(), size_t(0));
    // A failed begin leaves nothing to send from an earlier one.
    QCOMPARE(b.beginActivateEpoch(keys, 1, 1), ManagementBuildError::None);
    QCOMPARE(b.frameCount(), size_t(2));
    QCOMPARE(b.beginActivateEpoch(keys, 1, 0), ManagementBuildError::InvalidArgument);
    QCOMPARE(b.frameCount(), size_t(0));
}

void tst_Management::limits()
{
    ManagementKeys keys;
    deriveKeys(keys, kExampleManagementKey, kExampleSerial);
    ManagementRequestBuilder b(g_portable);
    const QByteArray largest(int(kManagementMaxRequestBody), 'L');
    QCOMPARE(b.begin(keys, 200, 1, u8(largest), size_t(largest.size())),
             ManagementBuildError::None);
    QCOMPARE(b.frameCount(), kManagementMaxRequestFragments);
    ManagementReceiver node(g_portable);
    QCOMPARE(feedAll(node, framesOf(b, 5)), ManagementStatus::Assembled);
    QCOMPARE(node.open(keys, 0), ManagementStatus::UnknownOperation); // authentic, unknown op
    const QByteArray tooLarge(int(kManagementMaxRequestBody) + 1, 'L');
    QCOMPARE(b.begin(keys, 200, 1, u8(tooLarge), size_t(tooLarge.size())),
             ManagementBuildError::TooLong);

    // Frame counts of the documented operations.
    const QList<QPair<Op, size_t>> counts
            = {{Op::Digest, 1}, {Op::Remove, 2},  {Op::Activate, 2},   {Op::Add, 2},
               {Op::Reset, 2},  {Op::LinkKey, 3}, {Op::NetworkKey, 3}, {Op::ReplaceFull, 9}};
    for (const auto &c : counts)
        QCOMPARE(validTransfer(keys, c.first, 2).size(), c.second);
    qInfo("sizeof: ManagementReceiver %zu, ManagementKeys %zu, ManagementAckBuilder %zu, "
          "ManagementRequestBuilder %zu",
          sizeof(ManagementReceiver), sizeof(ManagementKeys), sizeof(ManagementAckBuilder),
          sizeof(ManagementRequestBuilder));
}

void tst_Management::acknowledgements_data()
{
    QTest::addColumn<int>("operation");
    QTest::addColumn<int>("result");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("frames");
    for (int r = 0; r <= int(ManagementResult::Unsupported); ++r) {
        const ManagementResult result = ManagementResult(r);
        QByteArray body;
        if (result == ManagementResult::StaleCounter)
            body = le32(0x01020304);
        QTest::addRow("%s", managementResultName(result))
                << int(ManagementOperation::SetLinkKey) << r << body << (body.isEmpty() ? 1 : 2);
    }
    QTest::newRow("digest") << int(ManagementOperation::ReadConfigDigest) << 0
                            << QByteArray(32, char(0xAB)) << 3;
    QTest::newRow("digest refused") << int(ManagementOperation::ReadConfigDigest)
                                    << int(ManagementResult::StorageFailed) << QByteArray() << 1;
}

void tst_Management::acknowledgements()
{
    QFETCH(int, operation);
    QFETCH(int, result);
    QFETCH(QByteArray, body);
    QFETCH(int, frames);
    for (const bool botan : {false, true}) {
        ManagementKeys keys;
        deriveKeys(keys, kExampleManagementKey, kExampleSerial, backend(botan));
        ManagementAckBuilder ack(backend(botan));
        QCOMPARE(ack.begin(keys, uint8_t(operation), 0xA0B0C0D0, ManagementResult(result),
                           body.isEmpty() ? nullptr : u8(body), size_t(body.size())),
                 ManagementBuildError::None);
        const std::vector<Message> f = framesOf(ack, kExampleNode);
        QCOMPARE(int(f.size()), frames);
        // Same bytes as the document's layout.
        const QList<QByteArray> expected
                = refFrames(refAckStream(kExampleManagementKey, kExampleSerial, uint8_t(operation),
                                         0xA0B0C0D0, uint8_t(result), body),
                            kManagementAckType, kExampleNode, 0, 0xD0);
        for (size_t i = 0; i < f.size(); ++i)
            QCOMPARE(wire(f[i]).toHex(), expected[qsizetype(i)].toHex());

        ManagementAckReceiver core(backend(!botan));
        QCOMPARE(feedAll(core, f), ManagementStatus::Assembled);
        QCOMPARE(core.counter(), 0xA0B0C0D0u);
        QCOMPARE(core.open(keys, uint8_t(operation), 0xA0B0C0D0), ManagementStatus::Complete);
        QCOMPARE(int(core.result()), result);
        uint32_t last = 0;
        if (ManagementResult(result) == ManagementResult::StaleCounter) {
            QVERIFY(core.lastAcceptedCounter(last));
            QCOMPARE(last, 0x01020304u);
        } else {
            QVERIFY(!core.lastAcceptedCounter(last));
        }
        if (body.size() == 32)
            QCOMPARE(bytes(core.configDigest(), 32), body);
        else
            QVERIFY(core.configDigest() == nullptr);
        // Answer to another request: authentic, not ours.
        QCOMPARE(feedAll(core, f), ManagementStatus::Assembled);
        QCOMPARE(core.open(keys, uint8_t(operation), 0xA0B0C0D1),
                 ManagementStatus::UnexpectedCounter);
        QVERIFY(core.configDigest() == nullptr);
    }
}

void tst_Management::ackErrors()
{
    ManagementKeys keys, none;
    deriveKeys(keys, kExampleManagementKey, kExampleSerial);
    ManagementAckBuilder ack(g_portable);
    const uint8_t op = uint8_t(ManagementOperation::SetLinkKey);
    QCOMPARE(ack.begin(none, op, 1, ManagementResult::Applied, nullptr, 0),
             ManagementBuildError::NoKeys);
    const QByteArray four(4, 1), big(43, 1);
    QCOMPARE(ack.begin(keys, op, 1, ManagementResult::Applied, u8(four), 4),
             ManagementBuildError::InvalidArgument);
    QCOMPARE(ack.begin(keys, op, 1, ManagementResult::StaleCounter, nullptr, 0),
             ManagementBuildError::InvalidArgument);
    QCOMPARE(ack.begin(keys, uint8_t(ManagementOperation::ReadConfigDigest), 1,
                       ManagementResult::Applied, nullptr, 0),
             ManagementBuildError::InvalidArgument);
    QCOMPARE(ack.begin(keys, op, 1, ManagementResult::Applied, u8(big), 43),
             ManagementBuildError::TooLong);
    QCOMPARE(ack.frameCount(), size_t(0));

    // Well tagged but malformed (a node of another version, say): refused after the tag.
    const auto deliver = [&](const QByteArray &stream, uint8_t forOp) {
        ManagementAckReceiver core(g_portable);
        for (const QByteArray &f :
             refFrames(stream, kManagementAckType, kExampleNode, 0, uint8_t(stream[0]))) {
            Message m;
            if (Message::decode(u8(f), size_t(f.size()), m) != DecodeError::None)
                return ManagementStatus::MalformedFrame;
            const ManagementStatus s = core.feed(m, 1);
            if (s == ManagementStatus::Assembled)
                return core.open(keys, forOp, 77);
            if (s != ManagementStatus::NeedMore)
                return s;
        }
        return ManagementStatus::NeedMore;
    };
    QCOMPARE(deliver(refAckStream(kExampleManagementKey, kExampleSerial, op, 77, 0, QByteArray()),
                     op),
             ManagementStatus::Complete);
    QCOMPARE(deliver(refAckStream(kExampleManagementKey, kExampleSerial, op, 77, 10, QByteArray()),
                     op),
             ManagementStatus::MalformedBody);
    QCOMPARE(deliver(refAckStream(kExampleManagementKey, kExampleSerial, op, 77, 0, four), op),
             ManagementStatus::MalformedBody);
    QCOMPARE(deliver(refAckStream(kExampleManagementKey, kExampleSerial, 8, 77, 0,
                                  QByteArray(31, 1)),
                     8),
             ManagementStatus::MalformedBody);
    ManagementAckReceiver core(g_portable);
    QCOMPARE(core.open(keys, op, 77), ManagementStatus::NotAssembled);
    // A 4-fragment acknowledgement is more than core takes.
    const QByteArray longStream
            = refAckStream(kExampleManagementKey, kExampleSerial, op, 77, 0, QByteArray(50, 1));
    QCOMPARE(deliver(longStream, op), ManagementStatus::Oversized);
}

void tst_Management::configDigest()
{
    const QByteArray serialA(9, 'a'), serialB(9, 'b'), serialC(9, 'c');
    const QByteArray netKey(32, 'n'), pendingKey(32, 'p');
    // Stored out of order, with a shadowed duplicate of node 9 (lookups find the first).
    const WhitelistEntry stored[4]
            = {entry(9, serialA), entry(2, serialB), entry(9, serialC), entry(0, serialC)};
    RequirementTable doSign, doWhitelist;
    doSign.require(0);
    doSign.require(9);
    doWhitelist.require(0);
    ManagementConfigSummary summary = {};
    summary.serial = u8(kExampleSerial);
    summary.whitelist = WhitelistView {stored, 4};
    summary.policyFlags = kPolicyRequireSignatures | kPolicyIgnorePresentations;
    summary.doSign = &doSign;
    summary.doWhitelist = &doWhitelist;
    summary.linkKey = u8(kExampleLinkKey);
    summary.activeEpoch = 3;
    summary.activeNetworkKey = u8(netKey);
    summary.pendingEpoch = 4;
    summary.pendingNetworkKey = u8(pendingKey);

    uint8_t portable[32], botan[32];
    computeConfigDigest(g_portable, summary, portable);
    computeConfigDigest(Warden::Internal::botanSha256(), summary, botan);
    QCOMPARE(bytes(portable, 32), bytes(botan, 32));
    const QByteArray reference = refConfigDigest(
            kExampleSerial, {{0, serialC}, {2, serialB}, {9, serialA}}, summary.policyFlags,
            {{0, 3}, {9, 1}}, kExampleLinkKey, 3, netKey, 4, pendingKey);
    QCOMPARE(bytes(portable, 32).toHex(), reference.toHex());

    // Order does not matter; every field does.
    const WhitelistEntry sorted[3] = {entry(0, serialC), entry(2, serialB), entry(9, serialA)};
    ManagementConfigSummary same = summary;
    same.whitelist = WhitelistView {sorted, 3};
    uint8_t out[32];
    computeConfigDigest(g_portable, same, out);
    QCOMPARE(bytes(out, 32), bytes(portable, 32));

    const QByteArray otherKey(32, 'o');
    const std::vector<std::function<void(ManagementConfigSummary &)>> changes = {
            [](ManagementConfigSummary &s) { s.serial = nullptr; },
            [](ManagementConfigSummary &s) { s.whitelist.count = 2; },
            [](ManagementConfigSummary &s) { s.policyFlags = 0; },
            [](ManagementConfigSummary &s) { s.doSign = nullptr; },
            [](ManagementConfigSummary &s) { s.doWhitelist = nullptr; },
            [](ManagementConfigSummary &s) { s.linkKey = nullptr; },
            [&](ManagementConfigSummary &s) { s.linkKey = u8(otherKey); },
            [](ManagementConfigSummary &s) { s.activeEpoch = 5; },
            [&](ManagementConfigSummary &s) { s.activeNetworkKey = u8(otherKey); },
            [](ManagementConfigSummary &s) { s.pendingNetworkKey = nullptr; },
            [](ManagementConfigSummary &s) { s.pendingEpoch = 0; },
    };
    QList<QByteArray> seen = {bytes(portable, 32)};
    for (const auto &change : changes) {
        ManagementConfigSummary changed = summary;
        change(changed);
        computeConfigDigest(g_portable, changed, out);
        QVERIFY(!seen.contains(bytes(out, 32)));
        seen.append(bytes(out, 32));
    }

    // The document's example configuration.
    const WhitelistEntry exampleList[1] = {entry(kExampleEntryNode, kExampleEntrySerial)};
    RequirementTable gatewaySigns;
    gatewaySigns.require(0);
    ManagementConfigSummary example = {};
    example.serial = u8(kExampleSerial);
    example.whitelist = WhitelistView {exampleList, 1};
    example.policyFlags = kPolicyRequireSignatures | kPolicyRequireWhitelisting;
    example.doSign = &gatewaySigns;
    example.linkKey = u8(kExampleLinkKey);
    computeConfigDigest(g_portable, example, out);
    const QMap<QString, QString> doc = documentedExample();
    QCOMPARE(doc.value(QStringLiteral("config digest")).toLatin1(),
             bytes(out, 32).toHex().toUpper());
    if (qEnvironmentVariableIsSet("WARDEN_PRINT_EXAMPLE"))
        qInfo("config digest: %s", hexSpaced(bytes(out, 32)).constData());
}

void tst_Management::names()
{
    QSet<QByteArray> statusNames;
    for (int s = 0; s <= int(ManagementStatus::MalformedBody); ++s) {
        const QByteArray name = managementStatusName(ManagementStatus(s));
        QVERIFY(name != "unknown");
        QVERIFY(!statusNames.contains(name));
        statusNames.insert(name);
        QVERIFY(QByteArray(managementStatusText(ManagementStatus(s))) != "unknown status");
    }
    QCOMPARE(QByteArray(managementStatusName(ManagementStatus(200))), QByteArray("unknown"));
    QSet<QByteArray> resultNames;
    for (int r = 0; r <= int(ManagementResult::Unsupported); ++r)
        resultNames.insert(managementResultName(ManagementResult(r)));
    QCOMPARE(resultNames.size(), int(ManagementResult::Unsupported) + 1);
    QVERIFY(!resultNames.contains("unknown"));
    QSet<QByteArray> opNames;
    for (int o = 1; o <= 9; ++o) {
        QVERIFY(isKnownManagementOperation(uint8_t(o)));
        opNames.insert(managementOperationName(ManagementOperation(o)));
    }
    QCOMPARE(opNames.size(), 9);
    QVERIFY(!opNames.contains("unknown"));
    QVERIFY(!isKnownManagementOperation(0));
    QVERIFY(!isKnownManagementOperation(10));
    QCOMPARE(QByteArray(managementBuildErrorName(ManagementBuildError::TooLong)),
             QByteArray("too-long"));
    QCOMPARE(QByteArray(managementStatusName(ManagementStatus::OutOfOrder)),
             QByteArray("out-of-order"));
}

void tst_Management::fuzzCorpusIsCurrent()
{
    // The seeds are generated here; WARDEN_REGENERATE_CORPUS=1 rewrites them.
    const QMap<QString, QByteArray> seeds = fuzzSeeds();
    QDir dir(corpusPath());
    if (qEnvironmentVariableIsSet("WARDEN_REGENERATE_CORPUS")) {
        QVERIFY(dir.mkpath(QStringLiteral(".")));
        for (auto it = seeds.cbegin(); it != seeds.cend(); ++it) {
            QFile f(dir.filePath(it.key()));
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            QCOMPARE(f.write(it.value()), it.value().size());
        }
    }
    for (auto it = seeds.cbegin(); it != seeds.cend(); ++it) {
        QFile f(dir.filePath(it.key()));
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(f.fileName()));
        QCOMPARE(f.readAll().toHex(), it.value().toHex());
    }
}

QTEST_GUILESS_MAIN(tst_Management)
#include "tst_management.moc"
