// SHA-256 and HMAC-SHA256 on both backends: FIPS 180-4 and RFC 4231 vectors, backends agree on
// every length, split updates equal one-shot, cached midstates equal plain HMAC.
#include <warden/protocol/sha256.h>

#include "crypto/botansha256.h"

#include <QtCore/QRandomGenerator>
#include <QtTest/QtTest>

using namespace Warden::Protocol;

namespace {

QByteArray digest(Sha256Compressor &backend, const QByteArray &data)
{
    uint8_t out[32];
    Sha256::hash(backend, data.constData(), size_t(data.size()), out);
    return QByteArray(reinterpret_cast<const char *>(out), 32).toHex();
}

// Plain RFC 2104 HMAC without midstates, as the reference for the cached one.
QByteArray referenceHmac(Sha256Compressor &backend, QByteArray key, const QByteArray &message)
{
    if (key.size() > 64) {
        uint8_t k[32];
        Sha256::hash(backend, key.constData(), size_t(key.size()), k);
        key = QByteArray(reinterpret_cast<const char *>(k), 32);
    }
    key.resize(64, '\0');
    QByteArray ipad = key, opad = key;
    for (int i = 0; i < 64; ++i) {
        ipad[i] = char(ipad[i] ^ 0x36);
        opad[i] = char(opad[i] ^ 0x5c);
    }
    return digest(backend, opad + QByteArray::fromHex(digest(backend, ipad + message)));
}

PortableSha256 g_portable;

Sha256Compressor &backend(int index)
{
    return index == 0 ? static_cast<Sha256Compressor &>(g_portable)
                      : Warden::Internal::botanSha256();
}

} // namespace

class tst_Sha256 : public QObject
{
    Q_OBJECT

private slots:
    void fips_data();
    void fips();
    void backendsAgree();
    void splitUpdates();
    void hmacRfc4231_data();
    void hmacRfc4231();
    void hmacMidstateEqualsPlain();
    void constantTimeEqualAndZero();
};

void tst_Sha256::fips_data()
{
    QTest::addColumn<int>("backendIndex");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("expected");
    for (int b = 0; b < 2; ++b) {
        const char *name = b == 0 ? "portable" : "botan";
        QTest::addRow("%s empty", name)
                << b << QByteArray()
                << QByteArray("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        QTest::addRow("%s abc", name)
                << b << QByteArray("abc")
                << QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        QTest::addRow("%s 448 bits", name)
                << b << QByteArray("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                << QByteArray("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        QTest::addRow("%s million a", name)
                << b << QByteArray(1000000, 'a')
                << QByteArray("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }
}

void tst_Sha256::fips()
{
    QFETCH(int, backendIndex);
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, expected);
    QCOMPARE(digest(backend(backendIndex), input), expected);
}

void tst_Sha256::backendsAgree()
{
    QRandomGenerator rng(42);
    for (int length = 0; length <= 300; ++length) {
        QByteArray data(length, '\0');
        for (char &c : data)
            c = char(rng.bounded(256));
        QCOMPARE(digest(backend(0), data), digest(backend(1), data));
    }
}

void tst_Sha256::splitUpdates()
{
    QRandomGenerator rng(7);
    QByteArray data(500, '\0');
    for (char &c : data)
        c = char(rng.bounded(256));
    for (int b = 0; b < 2; ++b) {
        const QByteArray whole = digest(backend(b), data);
        for (int split = 0; split <= data.size(); split += 13) {
            Sha256 h(backend(b));
            h.update(data.constData(), size_t(split));
            h.update(data.constData() + split, size_t(data.size() - split));
            uint8_t out[32];
            h.finish(out);
            QCOMPARE(QByteArray(reinterpret_cast<const char *>(out), 32).toHex(), whole);
        }
        // A flipped bit changes the digest.
        QByteArray flipped = data;
        flipped[123] = char(flipped[123] ^ 0x10);
        QVERIFY(digest(backend(b), flipped) != whole);
    }
}

void tst_Sha256::hmacRfc4231_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("case 1")
            << QByteArray(20, '\x0b') << QByteArray("Hi There")
            << QByteArray("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    QTest::newRow("case 2")
            << QByteArray("Jefe") << QByteArray("what do ya want for nothing?")
            << QByteArray("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    QTest::newRow("case 6, key longer than a block")
            << QByteArray(131, '\xaa')
            << QByteArray("Test Using Larger Than Block-Size Key - Hash Key First")
            << QByteArray("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

void tst_Sha256::hmacRfc4231()
{
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, data);
    QFETCH(QByteArray, expected);
    for (int b = 0; b < 2; ++b) {
        HmacSha256Key k;
        QVERIFY(!k.isSet());
        k.setKey(backend(b), reinterpret_cast<const uint8_t *>(key.constData()),
                 size_t(key.size()));
        QVERIFY(k.isSet());
        uint8_t out[32];
        k.mac(backend(b), data.constData(), size_t(data.size()), out);
        QCOMPARE(QByteArray(reinterpret_cast<const char *>(out), 32).toHex(), expected);
        k.clear();
        QVERIFY(!k.isSet());
        for (int i = 0; i < 8; ++i)
            QCOMPARE(k.innerMidstate()[i], 0u);
    }
}

void tst_Sha256::hmacMidstateEqualsPlain()
{
    QRandomGenerator rng(99);
    for (int round = 0; round < 200; ++round) {
        QByteArray key(int(rng.bounded(100)), '\0');
        QByteArray message(int(rng.bounded(200)), '\0');
        for (char &c : key)
            c = char(rng.bounded(256));
        for (char &c : message)
            c = char(rng.bounded(256));
        const int b = round % 2;
        HmacSha256Key k;
        k.setKey(backend(b), reinterpret_cast<const uint8_t *>(key.constData()),
                 size_t(key.size()));
        uint8_t out[32];
        k.mac(backend(b), message.constData(), size_t(message.size()), out);
        QCOMPARE(QByteArray(reinterpret_cast<const char *>(out), 32).toHex(),
                 referenceHmac(backend(b), key, message));
    }
}

void tst_Sha256::constantTimeEqualAndZero()
{
    uint8_t a[32], b[32];
    for (int i = 0; i < 32; ++i)
        a[i] = b[i] = uint8_t(i * 7);
    QVERIFY(constantTimeEqual(a, b, 32));
    QVERIFY(constantTimeEqual(a, b, 0));
    for (int i = 0; i < 32; ++i) {
        for (uint8_t bit = 1; bit; bit = uint8_t(bit << 1)) {
            b[i] ^= bit;
            QVERIFY(!constantTimeEqual(a, b, 32));
            b[i] ^= bit;
        }
    }
    secureZero(a, sizeof a);
    for (uint8_t v : a)
        QCOMPARE(v, uint8_t(0));
}

QTEST_GUILESS_MAIN(tst_Sha256)
#include "tst_sha256.moc"
