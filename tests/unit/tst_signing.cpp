// The legacy signature beyond the vector files: the spec's worked vectors, every flipped
// bit, nonce lifetime and single use, the receiver procedure, whitelists, requirement tables
// and signing presentations; also the Qt-side Signer and SecretBytes.
#include <warden/protocol/signing.h>
#include <warden/signer.h>

#include "crypto/botansha256.h"

#include <QtTest/QtTest>

#include <cstring>

using namespace Warden::Protocol;

Q_DECLARE_METATYPE(Verdict)

namespace {

const uint8_t *u8(const QByteArray &a)
{
    return reinterpret_cast<const uint8_t *>(a.constData());
}

QByteArray hex(const uint8_t *p, size_t n)
{
    return QByteArray(reinterpret_cast<const char *>(p), qsizetype(n)).toHex().toUpper();
}

// Spec 5.10 common inputs.
const QByteArray kKey
        = QByteArray::fromHex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
const QByteArray kNoncePayload
        = QByteArray::fromHex("A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8");
const QByteArray kSerial = QByteArray::fromHex("112233445566778899");

PortableSha256 g_portable;

Message vectorAMessage()
{
    Message m;
    m.setHeader(1, 0, Command::Set, 0 /* V_TEMP */, 2);
    m.setString("23.5", 4);
    return m;
}

QByteArray nonce32()
{
    uint8_t n[kNonceSize];
    nonceFromPayload(u8(kNoncePayload), n);
    return QByteArray(reinterpret_cast<const char *>(n), kNonceSize);
}

} // namespace

class tst_Signing : public QObject
{
    Q_OBJECT

private slots:
    void specVectors_data();
    void specVectors();
    void everyFlippedBit();
    void refusesWithoutRoom();
    void noKey();
    void nonceLifetime();
    void receiverProcedure_data();
    void receiverProcedure();
    void nonceConsumedByFailure();
    void exemptions();
    void requirementTable();
    void presentations();
    void hostSigner();
    void secretBytes();
};

void tst_Signing::specVectors_data()
{
    QTest::addColumn<bool>("botan");
    QTest::newRow("portable") << false;
    QTest::newRow("botan") << true;
}

void tst_Signing::specVectors()
{
    QFETCH(bool, botan);
    Sha256Compressor &sha
            = botan ? static_cast<Sha256Compressor &>(Warden::Internal::botanSha256()) : g_portable;
    LegacySigner signer(sha);
    signer.setKey(u8(kKey));
    const QByteArray nonce = nonce32();
    QCOMPARE(nonce.right(7), QByteArray(7, '\xAA'));

    // Vector A: no whitelisting.
    Message a = vectorAMessage();
    uint8_t h[32];
    signer.computeHmac(a, u8(nonce), h);
    QCOMPARE(hex(h, 32),
             QByteArray("8C86A32C7DD706CE2A7635B840679E4C2D53237AE90BC352C99F3B3BB2D5B4E5"));
    QCOMPARE(signer.sign(a, u8(nonce), nullptr), SignResult::Ok);
    QCOMPARE(hex(a.data(), a.size()), QByteArray("01010026010002"
                                                 "32332E35"
                                                 "0186A32C7DD706CE2A7635B840679E4C2D53237AE9"));
    QCOMPARE(signer.verify(a, u8(nonce), nullptr), Verdict::Verified);

    // Vector B: salted with the sender's serial.
    Message b = vectorAMessage();
    QCOMPARE(signer.sign(b, u8(nonce), u8(kSerial)), SignResult::Ok);
    QCOMPARE(hex(b.signature(), b.signatureLength()),
             QByteArray("01EE67CFBFC69DFF7BD3AC661876C766FCEE2C2413"));
    QCOMPARE(signer.verify(b, u8(nonce), u8(kSerial)), Verdict::Verified);
    QCOMPARE(signer.verify(b, u8(nonce), nullptr), Verdict::BadSignature); // salt required
    QCOMPARE(signer.verify(a, u8(nonce), u8(kSerial)), Verdict::BadSignature); // salt absent
    QByteArray otherSerial = kSerial;
    otherSerial[8] = char(otherSerial[8] ^ 1);
    QCOMPARE(signer.verify(b, u8(nonce), u8(otherSerial)), Verdict::BadSignature);

    // Vector C: 23-byte payload, 2-byte signature.
    Message c;
    c.setHeader(1, 0, Command::Set, 47 /* V_TEXT */, 3);
    c.setString("ABCDEFGHIJKLMNOPQRSTUVW", 23);
    QCOMPARE(signer.sign(c, u8(nonce), nullptr), SignResult::Ok);
    QCOMPARE(c.data()[3], uint8_t(0xBE));
    QCOMPARE(hex(c.signature(), c.signatureLength()), QByteArray("01E9"));
}

void tst_Signing::everyFlippedBit()
{
    // Bytes 1..31 of a signed frame are covered (header, payload, signature): any flipped bit
    // fails. Byte 0 (last hop) is not covered: flips there still verify.
    LegacySigner signer(Warden::Internal::botanSha256());
    signer.setKey(u8(kKey));
    const QByteArray nonce = nonce32();
    Message signedFrame = vectorAMessage();
    QCOMPARE(signer.sign(signedFrame, u8(nonce), u8(kSerial)), SignResult::Ok);
    int rejected = 0;
    for (size_t byte = 0; byte < kMaxMessageSize; ++byte) {
        for (int bit = 0; bit < 8; ++bit) {
            uint8_t raw[kMaxMessageSize];
            std::memcpy(raw, signedFrame.data(), kMaxMessageSize);
            raw[byte] ^= uint8_t(1 << bit);
            Message m;
            if (Message::decode(raw, sizeof raw, m) != DecodeError::None) {
                ++rejected; // e.g. the version or signed flag: refused before verification
                continue;
            }
            const Verdict v = signer.verify(m, u8(nonce), u8(kSerial));
            if (byte == 0)
                QCOMPARE(v, Verdict::Verified);
            else {
                QVERIFY2(v != Verdict::Verified,
                         qPrintable(QStringLiteral("byte %1 bit %2").arg(byte).arg(bit)));
                ++rejected;
            }
        }
    }
    QCOMPARE(rejected, 31 * 8);
    // A different nonce (a replay under a fresh nonce) fails too.
    QByteArray other = nonce;
    other[0] = char(other[0] ^ 0x80);
    QCOMPARE(signer.verify(signedFrame, u8(other), u8(kSerial)), Verdict::BadSignature);
    // A different key fails.
    QByteArray key2 = kKey;
    key2[31] = char(key2[31] ^ 1);
    LegacySigner thief(g_portable);
    thief.setKey(u8(key2));
    QCOMPARE(thief.verify(signedFrame, u8(nonce), u8(kSerial)), Verdict::BadSignature);
}

void tst_Signing::refusesWithoutRoom()
{
    LegacySigner signer(g_portable);
    signer.setKey(u8(kKey));
    const QByteArray nonce = nonce32();
    for (int len = 0; len <= 25; ++len) {
        Message m;
        m.setHeader(4, 0, Command::Set, 47, 1);
        m.setString("0123456789012345678901234", size_t(len));
        const SignResult r = signer.sign(m, u8(nonce), nullptr);
        if (len <= 23) {
            QCOMPARE(r, SignResult::Ok);
            QCOMPARE(m.signatureLength(), size_t(25 - len));
            QCOMPARE(signer.verify(m, u8(nonce), nullptr), Verdict::Verified);
        } else {
            QCOMPARE(r, SignResult::NoRoom);
            QVERIFY(!m.isSigned());
            // A frame that claims a signature with no room for one is refused.
            m.setSigned(true);
            QCOMPARE(signer.verify(m, u8(nonce), nullptr), Verdict::NoRoom);
        }
    }
    // A bad identifier byte is named as such.
    Message m = vectorAMessage();
    QCOMPARE(signer.sign(m, u8(nonce), nullptr), SignResult::Ok);
    m.mutableData()[kHeaderSize + m.payloadLength()] = 2;
    QCOMPARE(signer.verify(m, u8(nonce), nullptr), Verdict::BadIdentifier);
}

void tst_Signing::noKey()
{
    LegacySigner signer(g_portable);
    QVERIFY(!signer.hasKey());
    Message m = vectorAMessage();
    const QByteArray nonce = nonce32();
    QCOMPARE(signer.sign(m, u8(nonce), nullptr), SignResult::NoKey);
    m.setSigned(true);
    QCOMPARE(signer.verify(m, u8(nonce), nullptr), Verdict::NoKey);
    signer.setKey(u8(kKey));
    QVERIFY(signer.hasKey());
    signer.clearKey();
    QVERIFY(!signer.hasKey());
}

void tst_Signing::nonceLifetime()
{
    NonceSlot slot;
    uint8_t out[kNonceSize];
    QVERIFY(!slot.isActive());
    QCOMPARE(slot.take(0, out), Verdict::NoNonce);
    for (uint8_t b : out)
        QCOMPARE(b, kNoncePadding);

    // Exactly 5000 ms is still in time; 5001 is not.
    slot.issue(u8(kNoncePayload), 1000);
    QVERIFY(slot.isActive());
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(slot.payload()), 25), kNoncePayload);
    QCOMPARE(slot.take(6000, out), Verdict::Verified);
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(out), 32), nonce32());
    QVERIFY(!slot.isActive());
    QCOMPARE(slot.take(6000, out), Verdict::NoNonce); // used once only

    slot.issue(u8(kNoncePayload), 1000);
    QCOMPARE(slot.take(6001, out), Verdict::NonceExpired);
    QCOMPARE(slot.take(6001, out), Verdict::NoNonce);

    // expire() purges on time; the millisecond counter may wrap around.
    slot.issue(u8(kNoncePayload), 0xFFFFF000u);
    slot.expire(0x00000100u); // 4352 ms later
    QVERIFY(slot.isActive());
    slot.expire(0x00000390u); // 5008 ms later
    QVERIFY(!slot.isActive());
    slot.issue(u8(kNoncePayload), 0xFFFFF000u);
    QCOMPARE(slot.take(0x00000100u, out), Verdict::Verified);

    // A clock that goes backwards is treated as expired, not as fresh.
    slot.issue(u8(kNoncePayload), 5000);
    QCOMPARE(slot.take(4999, out), Verdict::NonceExpired);
}

void tst_Signing::receiverProcedure_data()
{
    QTest::addColumn<int>("sender");
    QTest::addColumn<bool>("salt");
    QTest::addColumn<bool>("whitelisting");
    QTest::addColumn<bool>("emptyList");
    QTest::addColumn<int>("delayMs");
    QTest::addColumn<Verdict>("expected");
    QTest::newRow("plain") << 1 << false << false << false << 10 << Verdict::Verified;
    QTest::newRow("whitelisted, salted") << 1 << true << true << false << 10 << Verdict::Verified;
    QTest::newRow("whitelisted, unsalted")
            << 1 << false << true << false << 10 << Verdict::BadSignature;
    QTest::newRow("unknown sender") << 9 << true << true << false << 10 << Verdict::NotWhitelisted;
    QTest::newRow("empty whitelist") << 1 << true << true << true << 10 << Verdict::NotWhitelisted;
    QTest::newRow("late") << 1 << false << false << false << 5001 << Verdict::NonceExpired;
    QTest::newRow("second listed node") << 2 << true << true << false << 4999 << Verdict::Verified;
}

void tst_Signing::receiverProcedure()
{
    QFETCH(int, sender);
    QFETCH(bool, salt);
    QFETCH(bool, whitelisting);
    QFETCH(bool, emptyList);
    QFETCH(int, delayMs);
    QFETCH(Verdict, expected);

    WhitelistEntry entries[2] = {{1, {}}, {2, {}}};
    std::memcpy(entries[0].serial, kSerial.constData(), kSerialSize);
    std::memcpy(entries[1].serial, kSerial.constData(), kSerialSize);
    entries[1].serial[0] = 0x99;
    const WhitelistView list {entries, emptyList ? 0u : 2u};

    LegacySigner gateway(Warden::Internal::botanSha256());
    gateway.setKey(u8(kKey));
    NonceSlot slot;
    slot.issue(u8(kNoncePayload), 100);

    LegacySigner node(g_portable);
    node.setKey(u8(kKey));
    Message m;
    m.setHeader(uint8_t(sender), 0, Command::Set, 0, 1);
    m.setString("21.5", 4);
    uint8_t nonce[kNonceSize];
    nonceFromPayload(u8(kNoncePayload), nonce);
    const uint8_t *ownSerial
            = salt ? (sender == 2 ? entries[1].serial : entries[0].serial) : nullptr;
    QCOMPARE(node.sign(m, nonce, ownSerial), SignResult::Ok);

    QCOMPARE(verifyReceived(gateway, m, slot, uint32_t(100 + delayMs),
                            whitelisting ? &list : nullptr),
             expected);
    QVERIFY(!slot.isActive()); // consumed whatever the outcome
}

void tst_Signing::nonceConsumedByFailure()
{
    // A forged frame burns the nonce: the genuine frame that follows it cannot reuse it.
    LegacySigner gateway(g_portable);
    gateway.setKey(u8(kKey));
    NonceSlot slot;
    slot.issue(u8(kNoncePayload), 0);
    const QByteArray nonce = nonce32();
    Message genuine = vectorAMessage();
    LegacySigner node(g_portable);
    node.setKey(u8(kKey));
    QCOMPARE(node.sign(genuine, u8(nonce), nullptr), SignResult::Ok);
    Message forged = genuine;
    forged.mutableData()[kHeaderSize] ^= 1;
    QCOMPARE(verifyReceived(gateway, forged, slot, 10, nullptr), Verdict::BadSignature);
    QCOMPARE(verifyReceived(gateway, genuine, slot, 20, nullptr), Verdict::NoNonce);
    // Replay of a genuine frame after it verified.
    slot.issue(u8(kNoncePayload), 30);
    QCOMPARE(verifyReceived(gateway, genuine, slot, 40, nullptr), Verdict::Verified);
    QCOMPARE(verifyReceived(gateway, genuine, slot, 50, nullptr), Verdict::NoNonce);
    // An unsigned frame is refused without touching the nonce.
    slot.issue(u8(kNoncePayload), 60);
    Message plain = vectorAMessage();
    QCOMPARE(verifyReceived(gateway, plain, slot, 70, nullptr), Verdict::NotSigned);
    QVERIFY(slot.isActive());
}

void tst_Signing::exemptions()
{
    const uint8_t exemptInternal[] = {15, 26, 16, 17, 3, 4, 7, 8, 18, 22, 24, 25, 20, 21, 9};
    for (int t = 0; t <= 255; ++t) {
        Message m;
        m.setHeader(1, 0, Command::Internal, uint8_t(t), 255);
        const bool expected = std::find(std::begin(exemptInternal), std::end(exemptInternal), t)
                              != std::end(exemptInternal);
        QCOMPARE(isSigningExempt(m), expected);
        m.setEcho(true); // echoes are always exempt
        QVERIFY(isSigningExempt(m));
    }
    for (int t = 0; t < 8; ++t) {
        Message m;
        m.setHeader(1, 0, Command::Stream, uint8_t(t), 255);
        QCOMPARE(isSigningExempt(m), t >= 2 && t <= 5);
    }
    for (int c = 0; c < 3; ++c) {
        Message m;
        m.setHeader(1, 0, Command(c), 15, 255);
        QVERIFY(!isSigningExempt(m));
    }
    // The receiver lets exempt frames through without a nonce.
    LegacySigner gateway(g_portable);
    gateway.setKey(u8(kKey));
    NonceSlot slot;
    Message nonceRequest;
    nonceRequest.setHeader(5, 0, Command::Internal, uint8_t(Internal::NonceRequest), 1);
    QCOMPARE(verifyReceived(gateway, nonceRequest, slot, 0, nullptr), Verdict::Exempt);
}

void tst_Signing::requirementTable()
{
    RequirementTable t;
    for (int n = 0; n < 256; ++n)
        QVERIFY(!t.isRequired(uint8_t(n)));
    for (size_t i = 0; i < RequirementTable::kSize; ++i)
        QCOMPARE(t.raw()[i], uint8_t(0xFF)); // erased EEPROM = nobody required
    t.require(0);
    t.require(9);
    t.require(255);
    QCOMPARE(t.raw()[0], uint8_t(0xFE));
    QCOMPARE(t.raw()[1], uint8_t(0xFD));
    QCOMPARE(t.raw()[31], uint8_t(0x7F));
    QVERIFY(t.isRequired(9));
    QVERIFY(!t.isRequired(8));
    t.release(9);
    QVERIFY(!t.isRequired(9));
    QCOMPARE(t.raw()[1], uint8_t(0xFF));
}

void tst_Signing::presentations()
{
    // Spec 4.4 example: node 5 -> GW, requiring both.
    Message m;
    makeSigningPresentation(m, 5, 0, {true, true});
    QCOMPARE(hex(m.data(), m.size()), QByteArray("05050012C30FFF0103"));
    SigningPreferences p {false, false};
    QVERIFY(parseSigningPresentation(m, p));
    QVERIFY(p.requiresSignatures);
    QVERIFY(p.requiresWhitelisting);

    RequirementTable doSign, doWhitelist;
    applySigningPresentation(doSign, doWhitelist, 5, p, false);
    QVERIFY(doSign.isRequired(5));
    QVERIFY(doWhitelist.isRequired(5));
    // Strict: a cleared flag does not remove the requirement (sticky).
    applySigningPresentation(doSign, doWhitelist, 5, {false, false}, false);
    QVERIFY(doSign.isRequired(5));
    QVERIFY(doWhitelist.isRequired(5));
    // Weak security: it does.
    applySigningPresentation(doSign, doWhitelist, 5, {false, true}, true);
    QVERIFY(!doSign.isRequired(5));
    QVERIFY(doWhitelist.isRequired(5));

    // Wrong version, wrong size, wrong type: not a presentation.
    Message bad = m;
    bad.mutableData()[kHeaderSize] = 2;
    QVERIFY(!parseSigningPresentation(bad, p));
    Message shortOne;
    shortOne.setHeader(5, 0, Command::Internal, 15, 255);
    const uint8_t one = 1;
    shortOne.setPayload(PayloadType::Custom, &one, 1);
    QVERIFY(!parseSigningPresentation(shortOne, p));
    Message wrongType = m;
    wrongType.setType(16);
    QVERIFY(!parseSigningPresentation(wrongType, p));
}

void tst_Signing::hostSigner()
{
    const Warden::SecretBytes key(u8(kKey), size_t(kKey.size()));
    Warden::Signer signer(key);
    QVERIFY(signer.hasKey());
    Warden::Nonce nonce {};
    std::memcpy(nonce.data(), nonce32().constData(), kNonceSize);
    Warden::Serial serial {};
    std::memcpy(serial.data(), kSerial.constData(), kSerialSize);

    Message m = vectorAMessage();
    QVERIFY(signer.sign(m, nonce, serial));
    QCOMPARE(hex(m.signature(), m.signatureLength()),
             QByteArray("01EE67CFBFC69DFF7BD3AC661876C766FCEE2C2413"));
    QCOMPARE(signer.verify(m, nonce, serial), Verdict::Verified);
    QCOMPARE(signer.verify(m, nonce), Verdict::BadSignature);
    const auto raw = signer.rawHmac(vectorAMessage(), nonce);
    QCOMPARE(hex(raw.data(), raw.size()),
             QByteArray("8C86A32C7DD706CE2A7635B840679E4C2D53237AE90BC352C99F3B3BB2D5B4E5"));

    Message big;
    big.setString("0123456789012345678901234", 24);
    const auto refused = signer.sign(big, nonce);
    QVERIFY(!refused);
    QVERIFY(refused.error().message().contains(QStringLiteral("24-byte")));

    Warden::Signer none(Warden::SecretBytes(u8(kKey), 31));
    QVERIFY(!none.hasKey());
    Message n = vectorAMessage();
    QVERIFY(!none.sign(n, nonce));
}

void tst_Signing::secretBytes()
{
    const auto parsed = Warden::SecretBytes::fromHex(QString::fromLatin1(kKey.toHex()), 32);
    QVERIFY(parsed);
    QVERIFY(parsed->equals(Warden::SecretBytes(u8(kKey), 32)));
    QVERIFY(!parsed->equals(Warden::SecretBytes(u8(kKey), 31)));
    // The fingerprint is stable, short and says nothing of the key bytes.
    const QString fp = parsed->fingerprint();
    QCOMPARE(fp.size(), 19);
    QCOMPARE(fp, Warden::SecretBytes(u8(kKey), 32).fingerprint());
    QVERIFY(!QString::fromLatin1(kKey.toHex()).contains(fp.left(4)));

    // Errors name the problem, never the text.
    const QString secretish
            = QStringLiteral("00112233445566778899aabbccddeeffZZ112233445566778899aabbccddeeff");
    const auto bad = Warden::SecretBytes::fromHex(secretish, 32);
    QVERIFY(!bad);
    QVERIFY(bad.error().message().contains(QStringLiteral("position 33")));
    QVERIFY(!bad.error().message().contains(QStringLiteral("00112233")));
    const auto shortKey = Warden::SecretBytes::fromHex(u"0011", 32);
    QVERIFY(!shortKey);
    QVERIFY(shortKey.error().message().contains(QStringLiteral("expected 32")));

    const auto a = Warden::SecretBytes::random(32);
    const auto b = Warden::SecretBytes::random(32);
    QVERIFY(a && b);
    QCOMPARE(a->size(), size_t(32));
    QVERIFY(!a->equals(*b));
    Warden::SecretBytes moved = std::move(*Warden::SecretBytes::random(9));
    QCOMPARE(moved.size(), size_t(9));
    Warden::SecretBytes copy = moved;
    QVERIFY(copy.equals(moved));
}

QTEST_GUILESS_MAIN(tst_Signing)
#include "tst_signing.moc"
