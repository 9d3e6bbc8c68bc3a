// Core's end of one management transfer (core/security/managementsession.*): requests built for
// every operation and cut into the documented number of frames, opened by the node's own
// receiver (core/protocol) with the body intact; retransmissions byte-identical; acknowledgements
// built by the node's builder accepted, and every tampered, forged, cross-node, replayed,
// reflected or foreign one refused; bad arguments refused with a named error that never shows
// a key; the configuration digest equal to the reference document's worked example; and the
// key-free JSON form of every action round-tripping.
#include "security/managementsession.h"

#include <warden/jobs.h>
#include <warden/managementtypes.h>
#include <warden/signer.h>

#include <QtTest/QtTest>

#include <cstring>

using namespace Warden;
using namespace Qt::StringLiterals;
using Internal::ManagementSession;
using Protocol::ManagementOperation;
using Protocol::ManagementResult;
using Protocol::Message;
using Outcome = ManagementSession::AckOutcome;

Q_DECLARE_METATYPE(ManagementAction)

namespace {

constexpr quint8 kNode = 5;
constexpr quint32 kCounter = 258;

QByteArray filled(int first, int n = 32)
{
    QByteArray out(n, 0);
    for (int i = 0; i < n; ++i)
        out[i] = char(first + i);
    return out;
}

SecretBytes secret(const QByteArray &b)
{
    return SecretBytes(reinterpret_cast<const uint8_t *>(b.constData()), size_t(b.size()));
}

const QByteArray kMgmtKey = filled(0x20);
const QByteArray kOtherMgmtKey = filled(0x21);
const QByteArray kSerial = QByteArray::fromHex("112233445566778899");
const QByteArray kOtherSerial = QByteArray::fromHex("998877665544332211");
const QByteArray kDeliveredKey = filled(0x60);

const uint8_t *u8(const QByteArray &b)
{
    return reinterpret_cast<const uint8_t *>(b.constData());
}

Protocol::ManagementKeys keysFor(const QByteArray &mgmt, const QByteArray &serial)
{
    Protocol::ManagementKeys keys;
    keys.derive(Signer::hostSha256(), u8(mgmt), u8(serial));
    return keys;
}

QList<WhitelistItem> entries(int n)
{
    QList<WhitelistItem> out;
    for (int i = 0; i < n; ++i)
        out.append({quint8(10 + i), filled(0xA0 + i, 9)});
    return out;
}

QList<SigningPeerItem> peers(int n)
{
    QList<SigningPeerItem> out;
    for (int i = 0; i < n; ++i)
        out.append({quint8(i), true, i % 2 == 1});
    return out;
}

/// The node's acknowledgement frames for (operation, counter, result, body) under @p keys.
QList<Message> ackFrames(const Protocol::ManagementKeys &keys, ManagementOperation operation,
                         quint32 counter, ManagementResult result, const QByteArray &body = {},
                         quint8 sender = kNode)
{
    Protocol::ManagementAckBuilder builder(Signer::hostSha256());
    if (builder.begin(keys, uint8_t(operation), counter, result, u8(body), size_t(body.size()))
        != Protocol::ManagementBuildError::None)
        qFatal("ack not built");
    QList<Message> out;
    Message m;
    while (builder.nextFrame(m, sender, 0))
        out.append(m);
    return out;
}

Outcome feedAll(ManagementSession &s, const QList<Message> &frames)
{
    Outcome last = Outcome::Ignored;
    for (const Message &m : frames)
        last = s.feed(m, 1000);
    return last;
}

QByteArray wire(const Message &m)
{
    return QByteArray(reinterpret_cast<const char *>(m.data()), qsizetype(m.size()));
}

bool decode(const QByteArray &b, Message &m)
{
    return Message::decode(u8(b), size_t(b.size()), m) == Protocol::DecodeError::None;
}

} // namespace

class tst_ManagementSession : public QObject
{
    Q_OBJECT

private slots:
    void framesPerOperation_data();
    void framesPerOperation();
    void nodeOpensEveryRequest_data();
    void nodeOpensEveryRequest();
    void retransmissionIsIdentical();
    void appliedAcknowledgement();
    void digestAndStaleCounter();
    void tamperedAcknowledgements_data();
    void tamperedAcknowledgements();
    void everyFlippedByteRefused();
    void foreignFramesIgnored();
    void badArgumentsRefused_data();
    void badArgumentsRefused();
    void keyNeverInErrors();
    void configDigestMatchesDocument();
    void actionJsonRoundTrip_data();
    void actionJsonRoundTrip();
    void actionJsonRejectsGarbage();
    void batchText();
};

void tst_ManagementSession::framesPerOperation_data()
{
    QTest::addColumn<ManagementAction>("action");
    QTest::addColumn<int>("frames");
    const QString fp = secret(kDeliveredKey).fingerprint();
    // Section 4.2's frame counts.
    QTest::newRow("read-config-digest") << ManagementAction::readConfigDigest() << 1;
    QTest::newRow("remove-whitelist-entry") << ManagementAction::removeWhitelistEntry(7) << 2;
    QTest::newRow("activate-epoch") << ManagementAction::activateEpoch(2) << 2;
    QTest::newRow("add-whitelist-entry")
            << ManagementAction::addWhitelistEntry(7, filled(0xA1, 9)) << 2;
    QTest::newRow("factory-reset") << ManagementAction::factoryReset(0) << 2;
    QTest::newRow("set-link-key") << ManagementAction::setLinkKey(fp) << 3;
    QTest::newRow("set-network-key") << ManagementAction::setNetworkKey(2, fp) << 3;
    QTest::newRow("set-signing-policy, 9 peers")
            << ManagementAction::setSigningPolicy(1, peers(9)) << 2;
    QTest::newRow("set-signing-policy, 16 peers")
            << ManagementAction::setSigningPolicy(1, peers(16)) << 3;
    QTest::newRow("replace-whitelist, empty") << ManagementAction::replaceWhitelist({}) << 2;
    QTest::newRow("replace-whitelist, 2") << ManagementAction::replaceWhitelist(entries(2)) << 2;
    QTest::newRow("replace-whitelist, 16") << ManagementAction::replaceWhitelist(entries(16)) << 9;
}

void tst_ManagementSession::framesPerOperation()
{
    QFETCH(ManagementAction, action);
    QFETCH(int, frames);
    ManagementSession s;
    const auto ok
            = s.begin(kNode, secret(kMgmtKey), kSerial, kCounter, action, secret(kDeliveredKey));
    QVERIFY2(ok, ok ? "" : qPrintable(ok.error().message()));
    QCOMPARE(s.frameCount(), frames);
    const QList<Message> list = s.frames();
    QCOMPARE(list.size(), frames);
    for (int i = 0; i < frames; ++i) {
        const Message &m = list[i];
        QCOMPARE(m.command(), Protocol::Command::Stream);
        QCOMPARE(m.type(), Protocol::kManagementRequestType);
        QCOMPARE(m.sensor(), quint8(255));
        QCOMPARE(m.sender(), quint8(0));
        QCOMPARE(m.destination(), kNode);
        QVERIFY(m.payloadLength() <= Protocol::kManagementFramePayloadSize);
        // Fragment header: index, count - 1, and the counter's low byte.
        QCOMPARE(int(m.payload()[0]), (i << 4) | (frames - 1));
        QCOMPARE(m.payload()[1], uint8_t(kCounter & 0xFF));
    }
}

void tst_ManagementSession::nodeOpensEveryRequest_data()
{
    framesPerOperation_data();
}

void tst_ManagementSession::nodeOpensEveryRequest()
{
    QFETCH(ManagementAction, action);
    ManagementSession s;
    QVERIFY(s.begin(kNode, secret(kMgmtKey), kSerial, kCounter, action, secret(kDeliveredKey)));
    Protocol::ManagementReceiver node(Signer::hostSha256());
    Protocol::ManagementStatus status = Protocol::ManagementStatus::NeedMore;
    for (const Message &m : s.frames())
        status = node.feed(m, 10);
    QCOMPARE(status, Protocol::ManagementStatus::Assembled);
    const auto keys = keysFor(kMgmtKey, kSerial);
    QCOMPARE(node.open(keys, kCounter - 1), Protocol::ManagementStatus::Complete);
    QCOMPARE(node.operation(), action.operation);
    QCOMPARE(node.counter(), kCounter);
    // The body the node decrypts is the one asked for.
    switch (action.operation) {
    case ManagementOperation::ReplaceWhitelist:
    case ManagementOperation::AddWhitelistEntry: {
        QCOMPARE(qsizetype(node.whitelistCount()), action.whitelist.size());
        for (qsizetype i = 0; i < action.whitelist.size(); ++i) {
            Protocol::WhitelistEntry e {};
            QVERIFY(node.whitelistEntry(size_t(i), e));
            QCOMPARE(e.nodeId, action.whitelist[i].node);
            QCOMPARE(QByteArray(reinterpret_cast<const char *>(e.serial), 9),
                     action.whitelist[i].serial);
        }
        break;
    }
    case ManagementOperation::SetSigningPolicy: {
        uint8_t flags = 0;
        QVERIFY(node.policyFlags(flags));
        QCOMPARE(flags, action.policyFlags);
        QCOMPARE(qsizetype(node.peerCount()), action.peers.size());
        break;
    }
    case ManagementOperation::SetLinkKey:
    case ManagementOperation::SetNetworkKey:
        QCOMPARE(QByteArray(reinterpret_cast<const char *>(node.key()), 32), kDeliveredKey);
        break;
    default:
        break;
    }
    // Another node's keys (same K_mgmt, other serial) do not open it.
    Protocol::ManagementReceiver other(Signer::hostSha256());
    for (const Message &m : s.frames())
        other.feed(m, 10);
    QCOMPARE(other.open(keysFor(kMgmtKey, kOtherSerial), 0), Protocol::ManagementStatus::BadTag);
}

void tst_ManagementSession::retransmissionIsIdentical()
{
    const auto action = ManagementAction::replaceWhitelist(entries(5));
    ManagementSession a;
    ManagementSession b;
    QVERIFY(a.begin(kNode, secret(kMgmtKey), kSerial, kCounter, action));
    QVERIFY(b.begin(kNode, secret(kMgmtKey), kSerial, kCounter, action));
    QList<QByteArray> first;
    for (const Message &m : a.frames())
        first << wire(m);
    QList<QByteArray> again;
    for (const Message &m : a.frames())
        again << wire(m);
    QList<QByteArray> rebuilt; // a restarted runner rebuilds the same counter's request
    for (const Message &m : b.frames())
        rebuilt << wire(m);
    QCOMPARE(again, first);
    QCOMPARE(rebuilt, first);
    // Another counter: other bytes everywhere after the header.
    ManagementSession c;
    QVERIFY(c.begin(kNode, secret(kMgmtKey), kSerial, kCounter + 1, action));
    QVERIFY(wire(c.frame(0)) != first[0]);
}

void tst_ManagementSession::appliedAcknowledgement()
{
    ManagementSession s;
    QVERIFY(s.begin(kNode, secret(kMgmtKey), kSerial, kCounter,
                    ManagementAction::addWhitelistEntry(7, filled(0xA1, 9))));
    const auto keys = keysFor(kMgmtKey, kSerial);
    QCOMPARE(feedAll(s, ackFrames(keys, ManagementOperation::AddWhitelistEntry, kCounter,
                                  ManagementResult::Applied)),
             Outcome::Answered);
    QCOMPARE(s.result(), ManagementResult::Applied);
    QVERIFY(s.configDigest().isEmpty());
    // The same acknowledgement again (a radio duplicate after the answer) is answered again:
    // the session stays open until the runner clears it.
    QCOMPARE(feedAll(s, ackFrames(keys, ManagementOperation::AddWhitelistEntry, kCounter,
                                  ManagementResult::NoRoom)),
             Outcome::Answered);
    QCOMPARE(s.result(), ManagementResult::NoRoom);
    s.clear();
    QVERIFY(!s.isActive());
    QCOMPARE(feedAll(s, ackFrames(keys, ManagementOperation::AddWhitelistEntry, kCounter,
                                  ManagementResult::Applied)),
             Outcome::Ignored);
}

void tst_ManagementSession::digestAndStaleCounter()
{
    const auto keys = keysFor(kMgmtKey, kSerial);
    ManagementSession s;
    QVERIFY(s.begin(kNode, secret(kMgmtKey), kSerial, kCounter,
                    ManagementAction::readConfigDigest()));
    const QByteArray digest = filled(0x40);
    const QList<Message> frames = ackFrames(keys, ManagementOperation::ReadConfigDigest, kCounter,
                                            ManagementResult::Applied, digest);
    QCOMPARE(frames.size(), 3);
    QCOMPARE(s.feed(frames[0], 1), Outcome::NeedMore);
    QCOMPARE(s.feed(frames[0], 1), Outcome::Ignored); // a radio duplicate
    QCOMPARE(s.feed(frames[1], 1), Outcome::NeedMore);
    QCOMPARE(s.feed(frames[2], 1), Outcome::Answered);
    QCOMPARE(s.configDigest(), digest);

    ManagementSession t;
    QVERIFY(t.begin(kNode, secret(kMgmtKey), kSerial, kCounter,
                    ManagementAction::removeWhitelistEntry(3)));
    const QByteArray last = QByteArray::fromHex("10270000"); // 10000, little-endian
    QCOMPARE(feedAll(t, ackFrames(keys, ManagementOperation::RemoveWhitelistEntry, kCounter,
                                  ManagementResult::StaleCounter, last)),
             Outcome::Answered);
    QCOMPARE(t.result(), ManagementResult::StaleCounter);
    QCOMPARE(t.nodeCounter(), std::optional<quint32>(10000));
}

void tst_ManagementSession::tamperedAcknowledgements_data()
{
    QTest::addColumn<QString>("mgmtKey");
    QTest::addColumn<QString>("serial");
    QTest::addColumn<int>("operation");
    QTest::addColumn<quint32>("counter");
    QTest::addColumn<QString>("rejection");
    const QString k = QString::fromLatin1(kMgmtKey.toHex());
    const QString s = QString::fromLatin1(kSerial.toHex());
    const int op = int(ManagementOperation::RemoveWhitelistEntry);
    QTest::newRow("forged: wrong key")
            << QString::fromLatin1(kOtherMgmtKey.toHex()) << s << op << kCounter << u"bad-tag"_s;
    QTest::newRow("cross-node: another node's keys")
            << k << QString::fromLatin1(kOtherSerial.toHex()) << op << kCounter << u"bad-tag"_s;
    QTest::newRow("another operation, same counter")
            << k << s << int(ManagementOperation::ReplaceWhitelist) << kCounter << u"bad-tag"_s;
    QTest::newRow("replayed: an older counter")
            << k << s << op << (kCounter - 1) << u"unexpected-counter"_s;
    QTest::newRow("a later counter") << k << s << op << (kCounter + 1) << u"unexpected-counter"_s;
}

void tst_ManagementSession::tamperedAcknowledgements()
{
    QFETCH(QString, mgmtKey);
    QFETCH(QString, serial);
    QFETCH(int, operation);
    QFETCH(quint32, counter);
    QFETCH(QString, rejection);
    ManagementSession s;
    QVERIFY(s.begin(kNode, secret(kMgmtKey), kSerial, kCounter,
                    ManagementAction::removeWhitelistEntry(3)));
    const auto keys = keysFor(QByteArray::fromHex(mgmtKey.toLatin1()),
                              QByteArray::fromHex(serial.toLatin1()));
    // An acknowledgement of another counter carries another xid: the receiver still
    // assembles it (index 0 starts a transfer) and refuses it when it opens it.
    QCOMPARE(feedAll(s, ackFrames(keys, ManagementOperation(operation), counter,
                                  ManagementResult::Applied)),
             Outcome::Rejected);
    QCOMPARE(s.rejection(), rejection);
    // The genuine answer still gets through afterwards.
    QCOMPARE(feedAll(s, ackFrames(keysFor(kMgmtKey, kSerial),
                                  ManagementOperation::RemoveWhitelistEntry, kCounter,
                                  ManagementResult::Applied)),
             Outcome::Answered);
}

void tst_ManagementSession::everyFlippedByteRefused()
{
    const auto keys = keysFor(kMgmtKey, kSerial);
    const QList<Message> genuine = ackFrames(keys, ManagementOperation::ReadConfigDigest, kCounter,
                                             ManagementResult::Applied, filled(0x40));
    int refused = 0;
    int positions = 0;
    for (int f = 0; f < genuine.size(); ++f) {
        const QByteArray bytes = wire(genuine[f]);
        // Payload bytes from the stream on (byte 7 is the fragment header; tampering with it
        // makes a frame error or a foreign fragment, tested below).
        for (int i = 9; i < bytes.size(); ++i) {
            ManagementSession s;
            QVERIFY(s.begin(kNode, secret(kMgmtKey), kSerial, kCounter,
                            ManagementAction::readConfigDigest()));
            QList<Message> frames = genuine;
            QByteArray t = bytes;
            t[i] = char(t[i] ^ 0x01);
            QVERIFY(decode(t, frames[f]));
            ++positions;
            if (feedAll(s, frames) == Outcome::Rejected)
                ++refused;
            QVERIFY2(s.result() == ManagementResult::Applied && s.configDigest().isEmpty(),
                     "a tampered acknowledgement was taken");
        }
    }
    QVERIFY(positions > 40);
    QCOMPARE(refused, positions);
}

void tst_ManagementSession::foreignFramesIgnored()
{
    const auto keys = keysFor(kMgmtKey, kSerial);
    ManagementSession s;
    QVERIFY(s.begin(kNode, secret(kMgmtKey), kSerial, kCounter,
                    ManagementAction::activateEpoch(2)));
    // From another sender: not this session's business.
    QCOMPARE(feedAll(s, ackFrames(keys, ManagementOperation::ActivateEpoch, kCounter,
                                  ManagementResult::Applied, {}, kNode + 1)),
             Outcome::Ignored);
    // The request itself reflected back with the node as sender: another frame type.
    Message reflected = s.frame(0);
    reflected.setSender(kNode);
    reflected.setDestination(0);
    QCOMPARE(s.feed(reflected, 1), Outcome::Ignored);
    // An application frame.
    Message value;
    value.setHeader(kNode, 0, Protocol::Command::Set, 0, 1);
    value.setByte(1);
    QCOMPARE(s.feed(value, 1), Outcome::Ignored);
    // A malformed acknowledgement fragment (index beyond the count) is a rejected frame.
    Message bad = ackFrames(keys, ManagementOperation::ActivateEpoch, kCounter,
                            ManagementResult::Applied)
                          .first();
    QByteArray w = wire(bad);
    w[7] = char(0x20); // index 2 of 1
    QVERIFY(decode(w, bad));
    QCOMPARE(s.feed(bad, 1), Outcome::Rejected);
    QCOMPARE(s.rejection(), u"malformed-frame"_s);
    QCOMPARE(feedAll(s, ackFrames(keys, ManagementOperation::ActivateEpoch, kCounter,
                                  ManagementResult::Applied)),
             Outcome::Answered);
}

void tst_ManagementSession::badArgumentsRefused_data()
{
    QTest::addColumn<int>("node");
    QTest::addColumn<QByteArray>("mgmtKey");
    QTest::addColumn<QByteArray>("serial");
    QTest::addColumn<quint32>("counter");
    QTest::addColumn<ManagementAction>("action");
    QTest::addColumn<QByteArray>("delivered");
    QTest::addColumn<QString>("needle");
    const auto ok = ManagementAction::removeWhitelistEntry(2);
    const QString fp = secret(kDeliveredKey).fingerprint();
    QTest::newRow("gateway") << 0 << kMgmtKey << kSerial << kCounter << ok << QByteArray()
                             << u"ids 1..254"_s;
    QTest::newRow("node 255") << 255 << kMgmtKey << kSerial << kCounter << ok << QByteArray()
                              << u"ids 1..254"_s;
    QTest::newRow("short key") << 5 << kMgmtKey.left(16) << kSerial << kCounter << ok
                               << QByteArray() << u"16 bytes, not 32"_s;
    QTest::newRow("no serial") << 5 << kMgmtKey << QByteArray() << kCounter << ok << QByteArray()
                               << u"serial of node 5 has 0 bytes"_s;
    QTest::newRow("counter 0") << 5 << kMgmtKey << kSerial << quint32(0) << ok << QByteArray()
                               << u"counter 0"_s;
    QTest::newRow("17 entries") << 5 << kMgmtKey << kSerial << kCounter
                                << ManagementAction::replaceWhitelist(entries(17)) << QByteArray()
                                << u"17 entries"_s;
    auto dup = entries(2);
    dup[1].node = dup[0].node;
    QTest::newRow("duplicate id") << 5 << kMgmtKey << kSerial << kCounter
                                  << ManagementAction::replaceWhitelist(dup) << QByteArray()
                                  << u"listed twice"_s;
    QTest::newRow("short serial in list") << 5 << kMgmtKey << kSerial << kCounter
                                          << ManagementAction::addWhitelistEntry(3, filled(1, 8))
                                          << QByteArray() << u"has 8 bytes, not 9"_s;
    QTest::newRow("epoch 0") << 5 << kMgmtKey << kSerial << kCounter
                             << ManagementAction::activateEpoch(0) << QByteArray() << u"epoch 0"_s;
    QTest::newRow("policy bits") << 5 << kMgmtKey << kSerial << kCounter
                                 << ManagementAction::setSigningPolicy(0x10, {}) << QByteArray()
                                 << u"undefined policy flag bits 0x10"_s;
    QTest::newRow("peer requires nothing")
            << 5 << kMgmtKey << kSerial << kCounter
            << ManagementAction::setSigningPolicy(1, {SigningPeerItem {3, false, false}})
            << QByteArray() << u"peer 3 requires nothing"_s;
    QTest::newRow("reset scope") << 5 << kMgmtKey << kSerial << kCounter
                                 << ManagementAction::factoryReset(2) << QByteArray()
                                 << u"undefined scope bits 0x02"_s;
    QTest::newRow("key without fingerprint")
            << 5 << kMgmtKey << kSerial << kCounter << ManagementAction::setLinkKey({})
            << kDeliveredKey << u"fingerprint"_s;
    QTest::newRow("key missing") << 5 << kMgmtKey << kSerial << kCounter
                                 << ManagementAction::setLinkKey(fp) << QByteArray()
                                 << u"needs a 32-byte key, got 0"_s;
}

void tst_ManagementSession::badArgumentsRefused()
{
    QFETCH(int, node);
    QFETCH(QByteArray, mgmtKey);
    QFETCH(QByteArray, serial);
    QFETCH(quint32, counter);
    QFETCH(ManagementAction, action);
    QFETCH(QByteArray, delivered);
    QFETCH(QString, needle);
    ManagementSession s;
    const auto r
            = s.begin(quint8(node), secret(mgmtKey), serial, counter, action, secret(delivered));
    QVERIFY(!r);
    QVERIFY2(r.error().message().contains(needle), qPrintable(r.error().message()));
    QVERIFY(!s.isActive());
    QCOMPARE(s.frameCount(), 0);
}

void tst_ManagementSession::keyNeverInErrors()
{
    // Every refusal with key material at hand: the message never holds its bytes.
    const QByteArray key = QByteArray::fromHex(
            "DEADBEEFCAFEBABE0011223344556677DEADBEEFCAFEBABE0011223344556677");
    const QString hex = QString::fromLatin1(key.toHex());
    ManagementSession s;
    QStringList errors;
    if (auto r = s.begin(5, secret(key), kSerial, 0, ManagementAction::readConfigDigest()); !r)
        errors << r.error().message();
    if (auto r
        = s.begin(5, secret(key), kSerial, 9, ManagementAction::setLinkKey(u"0000"_s), secret(key));
        !r)
        errors << r.error().message();
    if (auto r = s.begin(5, secret(key.left(31)), kSerial, 9, ManagementAction::readConfigDigest());
        !r)
        errors << r.error().message();
    QCOMPARE(errors.size(), 3);
    for (const QString &e : std::as_const(errors)) {
        QVERIFY(!e.contains(hex, Qt::CaseInsensitive));
        QVERIFY(!e.contains(u"deadbeef"_s, Qt::CaseInsensitive));
    }
}

void tst_ManagementSession::configDigestMatchesDocument()
{
    // The worked example of firmware/docs/management-channel.md, section 13.
    NodeConfiguration c;
    c.serial = kSerial;
    c.whitelist = {{7, QByteArray::fromHex("A1A2A3A4A5A6A7A8A9")}};
    c.policyFlags = 0x03;
    c.peers = {{0, true, false}};
    c.linkKey = secret(filled(0x60));
    const auto digest = JobRunner::configDigest(c);
    QVERIFY(digest);
    QCOMPARE(digest->toHex().toUpper(),
             QByteArray("BA945A48AD277D2F99973F6CEC016F0DFF6C2E42E812F325B3E7FA0398533D30"));
    // Any change shows.
    NodeConfiguration d = c;
    d.whitelist[0].serial[8] = char(0xAA);
    QVERIFY(*JobRunner::configDigest(d) != *digest);
    d = c;
    d.activeEpoch = 1;
    d.activeNetworkKey = secret(filled(0x80));
    QVERIFY(*JobRunner::configDigest(d) != *digest);
    d = c;
    d.linkKey = secret(filled(0x60, 16));
    QVERIFY(!JobRunner::configDigest(d));
}

void tst_ManagementSession::actionJsonRoundTrip_data()
{
    framesPerOperation_data();
}

void tst_ManagementSession::actionJsonRoundTrip()
{
    QFETCH(ManagementAction, action);
    const QJsonObject json = action.toJson();
    const QString text = QString::fromUtf8(QJsonDocument(json).toJson(QJsonDocument::Compact));
    // No key bytes: the delivered key's hex never appears.
    QVERIFY(!text.contains(QString::fromLatin1(kDeliveredKey.toHex()), Qt::CaseInsensitive));
    const auto back = ManagementAction::fromJson(json);
    QVERIFY2(back, back ? "" : qPrintable(back.error().message()));
    QCOMPARE(back->toJson(), json);
    QCOMPARE(back->operation, action.operation);
}

void tst_ManagementSession::actionJsonRejectsGarbage()
{
    const QList<QJsonObject> bad = {
            {},
            {{u"op"_s, u"format-disk"_s}},
            {{u"op"_s, u"remove-whitelist-entry"_s}},
            {{u"op"_s, u"remove-whitelist-entry"_s}, {u"node"_s, 300}},
            {{u"op"_s, u"activate-epoch"_s}, {u"epoch"_s, 0}},
            {{u"op"_s, u"set-link-key"_s}, {u"key"_s, u"nope"_s}},
            {{u"op"_s, u"add-whitelist-entry"_s},
             {u"whitelist"_s, QJsonArray {QJsonObject {{u"node"_s, 3}, {u"serial"_s, u"00"_s}}}}},
    };
    for (const QJsonObject &o : bad) {
        const auto r = ManagementAction::fromJson(o);
        QVERIFY2(!r, qPrintable(QString::fromUtf8(QJsonDocument(o).toJson())));
        QCOMPARE(r.error().code(), ErrorCode::Malformed);
    }
}

void tst_ManagementSession::batchText()
{
    BatchProgress p;
    p.label = u"whitelist push"_s;
    p.total = 20;
    p.applied = 17;
    p.pending = 2;
    p.failed = 1;
    p.failures.insert(9, u"node 9 refused: no-room"_s);
    QCOMPARE(p.text(), u"whitelist push to 20 nodes: 17 applied, 2 pending, 1 failed: node 9: "
                       u"node 9 refused: no-room"_s);
    QVERIFY(!p.isSettled());
}

QTEST_GUILESS_MAIN(tst_ManagementSession)
#include "tst_managementsession.moc"
