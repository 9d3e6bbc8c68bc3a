// The binary message: spec examples, every enum name both ways, typed payloads, and the
// decoder's named errors on truncated, oversized, malformed and random input.
#include <warden/frame.h>
#include <warden/protocol/message.h>
#include <warden/protocol/names.h>

#include <QtCore/QRandomGenerator>
#include <QtTest/QtTest>

#include <cstring>

using namespace Warden::Protocol;

Q_DECLARE_METATYPE(DecodeError)

namespace {

const uint8_t *u8(const QByteArray &a)
{
    return reinterpret_cast<const uint8_t *>(a.constData());
}

QByteArray wire(const Message &m)
{
    return QByteArray(reinterpret_cast<const char *>(m.data()), qsizetype(m.size()));
}

} // namespace

class tst_Message : public QObject
{
    Q_OBJECT

private slots:
    void specExamples();
    void headerRoundTrip();
    void enumNames();
    void typedPayloads();
    void setPayloadRejects();
    void setSignedClearsSignature();
    void decodeErrors_data();
    void decodeErrors();
    void decodeNeverAcceptsGarbage();
    void qtConveniences();
};

void tst_Message::specExamples()
{
    // Spec 1.8: float, node 1 -> GW, child 0, V_TEMP, 21.5 with 2 decimals.
    const QByteArray f = QByteArray::fromHex("0101002AE1000000 00AC4102");
    Message m;
    QCOMPARE(Message::decode(u8(f), size_t(f.size()), m), DecodeError::None);
    QCOMPARE(m.last(), uint8_t(1));
    QCOMPARE(m.sender(), uint8_t(1));
    QCOMPARE(m.destination(), uint8_t(0));
    QCOMPARE(m.version(), uint8_t(2));
    QVERIFY(!m.isSigned());
    QCOMPARE(m.payloadLength(), uint8_t(5));
    QCOMPARE(m.command(), Command::Set);
    QCOMPARE(m.payloadType(), PayloadType::Float32);
    QCOMPARE(m.type(), uint8_t(0));
    QCOMPARE(m.sensor(), uint8_t(0));
    float value = 0;
    uint8_t decimals = 0;
    QVERIFY(m.getFloat32(value, decimals));
    QCOMPARE(value, 21.5f);
    QCOMPARE(decimals, uint8_t(2));
    QCOMPARE(wire(m), f);

    // Spec 1.8: byte with request-echo.
    const QByteArray b = QByteArray::fromHex("0303000A29020101");
    QCOMPARE(Message::decode(u8(b), size_t(b.size()), m), DecodeError::None);
    QVERIFY(m.requestEcho());
    QVERIFY(!m.isEcho());
    uint8_t byte = 0;
    QVERIFY(m.getByte(byte));
    QCOMPARE(byte, uint8_t(1));
    QCOMPARE(m.type(), uint8_t(2));
    QCOMPARE(m.sensor(), uint8_t(1));

    // Building the same frame field by field gives the same bytes.
    Message built;
    built.setHeader(3, 0, Command::Set, 2, 1);
    built.setRequestEcho(true);
    built.setByte(1);
    QCOMPARE(wire(built), b);
}

void tst_Message::headerRoundTrip()
{
    // Every command, payload type and flag combination survives build -> decode.
    for (uint8_t c = 0; c <= kLastCommand; ++c) {
        for (uint8_t pt = 0; pt < 8; ++pt) {
            for (int flags = 0; flags < 4; ++flags) {
                Message m;
                m.setHeader(uint8_t(10 + c), uint8_t(200 - pt), Command(c), uint8_t(c * 13 + pt),
                            uint8_t(flags * 60));
                const uint8_t size = fixedPayloadSize(PayloadType(pt));
                const uint8_t data[5] = {1, 2, 3, 4, 5};
                QVERIFY(m.setPayload(PayloadType(pt), data, size ? size : 3));
                m.setRequestEcho(flags & 1);
                m.setEcho(flags & 2);
                Message d;
                QCOMPARE(Message::decode(m.data(), m.size(), d), DecodeError::None);
                QCOMPARE(wire(d), wire(m));
                QCOMPARE(uint8_t(d.command()), c);
                QCOMPARE(uint8_t(d.payloadType()), pt);
                QCOMPARE(d.requestEcho(), bool(flags & 1));
                QCOMPARE(d.isEcho(), bool(flags & 2));
                QCOMPARE(d.sender(), uint8_t(10 + c));
                QCOMPARE(d.destination(), uint8_t(200 - pt));
            }
        }
    }
}

void tst_Message::enumNames()
{
    // Every value of every family has a name, names are unique within a family, and the
    // name looks back up to the value.
    struct Family
    {
        uint8_t command;
        int count;
        const char *prefix;
    };
    const Family families[] = {{0, kLastSensorType + 1, "S_"},
                               {1, kLastValueType + 1, "V_"},
                               {2, kLastValueType + 1, "V_"},
                               {3, kLastInternalType + 1, "I_"},
                               {4, kLastStreamType + 1, "ST_"}};
    for (const Family &f : families) {
        QSet<QByteArray> seen;
        for (int v = 0; v < f.count; ++v) {
            const char *name = typeName(f.command, uint8_t(v));
            QVERIFY2(name, qPrintable(QStringLiteral("command %1 type %2").arg(f.command).arg(v)));
            QVERIFY(QByteArray(name).startsWith(f.prefix));
            QVERIFY(!seen.contains(name));
            seen.insert(name);
            uint8_t back = 0xFF;
            QVERIFY(lookupType(f.command, name, back));
            QCOMPARE(int(back), v);
        }
        QCOMPARE(typeName(f.command, uint8_t(f.count)), nullptr);
    }
    QCOMPARE(QByteArray(valueTypeName(0)), QByteArray("V_TEMP"));
    QCOMPARE(QByteArray(internalTypeName(17)), QByteArray("I_NONCE_RESPONSE"));
    QCOMPARE(QByteArray(sensorTypeName(39)), QByteArray("S_WATER_QUALITY"));
    QCOMPARE(QByteArray(streamTypeName(7)), QByteArray("ST_FIRMWARE_RESPONSE_RLE"));
    QCOMPARE(QByteArray(valueTypeName(28)), QByteArray("V_VAR5"));
    for (uint8_t c = 0; c < 8; ++c) {
        uint8_t back = 0xFF;
        QVERIFY(lookupCommand(commandName(c), back));
        QCOMPARE(back, c);
        QVERIFY(lookupPayloadType(payloadTypeName(c), back));
        QCOMPARE(back, c);
    }
    QCOMPARE(commandName(8), nullptr);
    // Deprecated aliases resolve; unknown names do not.
    uint8_t t = 0;
    QVERIFY(lookupType(0, "S_LIGHT", t));
    QCOMPARE(t, uint8_t(3));
    QVERIFY(lookupType(1, "V_DIMMER", t));
    QCOMPARE(t, uint8_t(3));
    QVERIFY(lookupType(2, "V_HEATER", t));
    QCOMPARE(t, uint8_t(21));
    QVERIFY(!lookupType(1, "S_LIGHT", t));
    QVERIFY(!lookupType(1, "V_NOPE", t));
    QVERIFY(!lookupCommand("C_NOPE", t));
}

void tst_Message::typedPayloads()
{
    Message m;
    m.setInt16(-32768);
    int16_t i16 = 0;
    QVERIFY(m.getInt16(i16));
    QCOMPARE(i16, int16_t(-32768));
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(m.payload()), 2).toHex(),
             QByteArray("0080"));
    uint8_t byte;
    QVERIFY(!m.getByte(byte)); // type mismatch

    m.setUInt16(0xBEEF);
    uint16_t u16 = 0;
    QVERIFY(m.getUInt16(u16));
    QCOMPARE(u16, uint16_t(0xBEEF));

    m.setLong32(-2);
    int32_t l = 0;
    QVERIFY(m.getLong32(l));
    QCOMPARE(l, -2);
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(m.payload()), 4).toHex(),
             QByteArray("feffffff"));

    m.setULong32(0x020302FF); // I_VERSION reply of 2.3.2
    uint32_t ul = 0;
    QVERIFY(m.getULong32(ul));
    QCOMPARE(ul, 33751807u);
    QVERIFY(!m.getLong32(l));

    m.setFloat32(-1.25f, 3);
    float f = 0;
    uint8_t d = 0;
    QVERIFY(m.getFloat32(f, d));
    QCOMPARE(f, -1.25f);
    QCOMPARE(d, uint8_t(3));
    QCOMPARE(m.payloadLength(), uint8_t(5));

    QVERIFY(m.setString("hello", 5));
    QCOMPARE(m.payloadType(), PayloadType::String);
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(m.payload()), m.payloadLength()),
             QByteArray("hello"));
    QVERIFY(!m.getFloat32(f, d));
}

void tst_Message::setPayloadRejects()
{
    Message m;
    QVERIFY(m.setString("abc", 3));
    const QByteArray before = wire(m);
    const char big[26] = {};
    QVERIFY(!m.setPayload(PayloadType::Custom, big, 26));
    QVERIFY(!m.setPayload(PayloadType::Byte, big, 2));
    QVERIFY(!m.setPayload(PayloadType::Float32, big, 4));
    QCOMPARE(wire(m), before);
    QVERIFY(m.setPayload(PayloadType::Custom, big, 25));
    QCOMPARE(m.size(), size_t(32));
}

void tst_Message::setSignedClearsSignature()
{
    Message m;
    m.setHeader(1, 0, Command::Set, 0, 1);
    m.setString("ab", 2);
    m.setSigned(true);
    QCOMPARE(m.size(), size_t(32));
    QCOMPARE(m.signatureLength(), size_t(23));
    std::memset(m.mutableData() + kHeaderSize + 2, 0x5A, 23);
    m.setSigned(false);
    QCOMPARE(m.size(), size_t(9));
    for (size_t i = kHeaderSize + 2; i < kMaxMessageSize; ++i)
        QCOMPARE(m.data()[i], uint8_t(0));
}

void tst_Message::decodeErrors_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<DecodeError>("expected");
    for (int n = 0; n < 7; ++n)
        QTest::addRow("truncated %d", n)
                << QByteArray::fromHex("0101002AE1000000").left(n) << DecodeError::Truncated;
    QTest::newRow("33 bytes") << QByteArray(33, '\x02') << DecodeError::TooLong;
    QTest::newRow("version 0") << QByteArray::fromHex("01010000010000") << DecodeError::BadVersion;
    QTest::newRow("version 1") << QByteArray::fromHex("01010001010000") << DecodeError::BadVersion;
    QTest::newRow("version 3") << QByteArray::fromHex("01010003010000") << DecodeError::BadVersion;
    for (int len = 26; len < 32; ++len) {
        QByteArray b = QByteArray::fromHex("010100000100");
        b.insert(3, char(2 | len << 3));
        b.append(QByteArray(25, 'x'));
        QTest::addRow("length field %d", len) << b << DecodeError::PayloadTooLong;
    }
    QTest::newRow("unsigned, one byte short")
            << QByteArray::fromHex("0101002AE100000000AC41") << DecodeError::SizeMismatch;
    QTest::newRow("unsigned, one byte extra")
            << QByteArray::fromHex("0101002AE100000000AC410200") << DecodeError::SizeMismatch;
    QTest::newRow("signed but 12 bytes")
            << QByteArray::fromHex("0101002EE1000000AC410201") << DecodeError::SizeMismatch;
    QTest::newRow("signed 31 bytes")
            << QByteArray::fromHex("0101002EE10000").append(QByteArray(24, '\1'))
            << DecodeError::SizeMismatch;
    for (int c = 5; c < 8; ++c) {
        QByteArray b = QByteArray::fromHex("0101000200FFFF");
        b[4] = char(c);
        QTest::addRow("command %d", c) << b << DecodeError::ReservedCommand;
    }
    QTest::newRow("P_BYTE of 2") << QByteArray::fromHex("01010012210200 0101")
                                 << DecodeError::PayloadSizeMismatch;
    QTest::newRow("P_INT16 of 1") << QByteArray::fromHex("0101000A410200 01")
                                  << DecodeError::PayloadSizeMismatch;
    QTest::newRow("P_ULONG32 of 0")
            << QByteArray::fromHex("01010002A10200") << DecodeError::PayloadSizeMismatch;
    QTest::newRow("P_FLOAT32 of 4")
            << QByteArray::fromHex("01010022E10200 00000000") << DecodeError::PayloadSizeMismatch;
}

void tst_Message::decodeErrors()
{
    QFETCH(QByteArray, bytes);
    QFETCH(DecodeError, expected);
    Message m;
    m.setString("keep", 4);
    const QByteArray before = wire(m);
    // Copy into an exactly sized heap buffer so that ASan catches any read past the end.
    std::unique_ptr<uint8_t[]> exact(new uint8_t[size_t(bytes.size()) + 1]);
    std::memcpy(exact.get(), bytes.constData(), size_t(bytes.size()));
    QCOMPARE(Message::decode(exact.get(), size_t(bytes.size()), m), expected);
    QCOMPARE(wire(m), before); // unchanged on error
    QVERIFY(QByteArray(decodeErrorName(expected)) != "unknown");
    QVERIFY(std::strlen(decodeErrorText(expected)) > 10);

    const auto viaQt = Warden::decodeMessage(bytes);
    QVERIFY(!viaQt);
    QVERIFY(viaQt.error().message().contains(QString::fromLatin1(decodeErrorName(expected))));
}

void tst_Message::decodeNeverAcceptsGarbage()
{
    // Random byte strings: each either decodes to a message whose wire image is exactly the
    // input, or is refused with a named error. Structured mutations of valid frames too.
    QRandomGenerator rng(2024);
    int accepted = 0;
    for (int round = 0; round < 200000; ++round) {
        const int size = int(rng.bounded(40));
        std::unique_ptr<uint8_t[]> buf(new uint8_t[size_t(size) + 1]);
        for (int i = 0; i < size; ++i)
            buf[i] = uint8_t(rng.bounded(256));
        if (round % 2 && size >= 7) {
            // Make the header plausible so that the deeper checks run.
            buf[3] = uint8_t(2 | (rng.bounded(2) << 2) | (uint8_t(size - 7) << 3));
            buf[4] = uint8_t((buf[4] & 0xF8) | rng.bounded(5));
        }
        Message m;
        const DecodeError e = Message::decode(buf.get(), size_t(size), m);
        if (e == DecodeError::None) {
            ++accepted;
            QCOMPARE(m.size(), size_t(size));
            QCOMPARE(std::memcmp(m.data(), buf.get(), size_t(size)), 0);
            QCOMPARE(m.version(), kProtocolVersion);
            QVERIFY(m.payloadLength() <= kMaxPayloadSize);
        } else {
            QVERIFY(QByteArray(decodeErrorName(e)) != "unknown");
        }
    }
    QVERIFY(accepted > 1000); // the plausible half must reach acceptance sometimes
}

void tst_Message::qtConveniences()
{
    const QByteArray f = QByteArray::fromHex("0101002AE100000000AC4102");
    const auto m = Warden::decodeMessage(f);
    QVERIFY(m);
    QCOMPARE(Warden::encodeMessage(*m), f);
    const QJsonObject o = Warden::messageToJson(*m);
    QCOMPARE(o.value(u"command_name").toString(), QStringLiteral("C_SET"));
    QCOMPARE(o.value(u"type_name").toString(), QStringLiteral("V_TEMP"));
    QCOMPARE(o.value(u"payload_type_name").toString(), QStringLiteral("P_FLOAT32"));
    QCOMPARE(o.value(u"payload_text").toString(), QStringLiteral("21.50"));
    QCOMPARE(o.value(u"length").toInt(), 5);
    QVERIFY(Warden::describeMessage(*m).contains(QStringLiteral("1->0 C_SET V_TEMP")));

    const auto hex = Warden::parseHex(u"0x01:02 0a-FF");
    QVERIFY(hex);
    QCOMPARE(hex->toHex(), QByteArray("01020aff"));
    QVERIFY(!Warden::parseHex(u"012"));
    const auto bad = Warden::parseHex(u"01zz");
    QVERIFY(!bad);
    QVERIFY(bad.error().message().contains(QStringLiteral("position 3")));
}

QTEST_GUILESS_MAIN(tst_Message)
#include "tst_message.moc"
