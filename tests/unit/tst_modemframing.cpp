// The RadioModem serial framing (core/protocol/modemframing.h, firmware/docs/radio-modem.md):
// the CRC check value, golden wire bytes, round trips of every body length and content class,
// every single-byte corruption and every truncation rejected, re-synchronisation after garbage,
// overlong input and a lost delimiter, the two-part body, capacity limits and the status and
// configuration bodies.
#include <warden/protocol/modemframing.h>

#include <QtTest/QtTest>

#include <memory>

using namespace Warden::Protocol;

namespace Warden {
namespace Protocol {
// QCOMPARE prints these by name (found by argument-dependent lookup).
char *toString(ModemError error)
{
    return qstrdup(modemErrorName(error));
}
} // namespace Protocol
} // namespace Warden

namespace {

using Event = ModemDecoder::Event;

const uint8_t *u8(const QByteArray &a)
{
    return reinterpret_cast<const uint8_t *>(a.constData());
}

QByteArray encode(uint8_t type, uint8_t sequence, const QByteArray &body)
{
    uint8_t out[kModemMaxWireSize];
    const size_t n = modemEncode(type, sequence, u8(body), size_t(body.size()), out, sizeof out);
    return QByteArray(reinterpret_cast<const char *>(out), qsizetype(n));
}

struct Decoded
{
    uint8_t type = 0;
    uint8_t sequence = 0;
    QByteArray body;
};

/// Feeds @p wire byte by byte; collects the packets and the errors, in order.
struct Feed
{
    QList<Decoded> packets;
    QList<ModemError> errors;
    QList<int> packetAt; ///< index of the byte that completed each packet
};

Feed feedAll(ModemDecoder &decoder, const QByteArray &wire)
{
    Feed result;
    for (qsizetype i = 0; i < wire.size(); ++i) {
        switch (decoder.feed(uint8_t(wire[i]))) {
        case Event::Packet: {
            Decoded d;
            d.type = decoder.type();
            d.sequence = decoder.sequence();
            d.body = QByteArray(reinterpret_cast<const char *>(decoder.body()),
                                qsizetype(decoder.bodyLength()));
            result.packets << d;
            result.packetAt << int(i);
            break;
        }
        case Event::Error:
            result.errors << decoder.lastError();
            break;
        case Event::None:
            break;
        }
    }
    return result;
}

Feed feedAll(const QByteArray &wire)
{
    ModemDecoder decoder;
    return feedAll(decoder, wire);
}

QByteArray pattern(int length, int kind)
{
    QByteArray body;
    for (int i = 0; i < length; ++i) {
        switch (kind) {
        case 0:
            body += char(0);
            break; // all zero: every byte becomes a COBS run
        case 1:
            body += char(0xFF);
            break;
        case 2:
            body += char(i * 37 + 11);
            break;
        default:
            body += char(i % 3 == 0 ? 0 : i);
            break;
        }
    }
    return body;
}

} // namespace

class tst_ModemFraming : public QObject
{
    Q_OBJECT

private slots:
    void crcCheckValue();
    void crcContinues();
    void goldenWire_data();
    void goldenWire();
    void roundTrip_data();
    void roundTrip();
    void noZeroInside();
    void leadAndData();
    void capacity();
    void singleByteCorruption();
    void truncations();
    void garbageThenPacket_data();
    void garbageThenPacket();
    void tooLong();
    void lostDelimiterCostsOnePacket();
    void backToBack();
    void resetForgets();
    void errorNames();
    void status();
    void statusTooShort();
    void config_data();
    void config();
};

void tst_ModemFraming::crcCheckValue()
{
    // The catalogue check value of CRC-16/CCITT-FALSE.
    QCOMPARE(modemCrc16(reinterpret_cast<const uint8_t *>("123456789"), 9), uint16_t(0x29B1));
    QCOMPARE(modemCrc16(nullptr, 0), uint16_t(0xFFFF));
}

void tst_ModemFraming::crcContinues()
{
    const QByteArray data = pattern(40, 2);
    const uint16_t whole = modemCrc16(u8(data), size_t(data.size()));
    for (int split = 0; split <= data.size(); ++split) {
        const uint16_t first = modemCrc16(u8(data), size_t(split));
        QCOMPARE(modemCrc16(u8(data) + split, size_t(data.size() - split), first), whole);
    }
}

void tst_ModemFraming::goldenWire_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<int>("sequence");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("wire");
    // Computed apart from this code (a Python COBS and CRC); see radio-modem.md's examples.
    QTest::newRow("status request")
            << 0x02 << 7 << QByteArray() << QByteArray::fromHex("000502078a0b00");
    QTest::newRow("radio tx with zeros") << 0x05 << 1 << QByteArray::fromHex("001100")
                                         << QByteArray::fromHex("00030501021103ad7400");
}

void tst_ModemFraming::goldenWire()
{
    QFETCH(int, type);
    QFETCH(int, sequence);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, wire);
    QCOMPARE(encode(uint8_t(type), uint8_t(sequence), body).toHex(), wire.toHex());
    const Feed f = feedAll(wire);
    QVERIFY(f.errors.isEmpty());
    QCOMPARE(f.packets.size(), 1);
    QCOMPARE(int(f.packets[0].type), type);
    QCOMPARE(int(f.packets[0].sequence), sequence);
    QCOMPARE(f.packets[0].body, body);
    QCOMPARE(f.packetAt[0], int(wire.size() - 1)); // delivered at the closing delimiter
}

void tst_ModemFraming::roundTrip_data()
{
    QTest::addColumn<int>("kind");
    QTest::newRow("zeros") << 0;
    QTest::newRow("0xff") << 1;
    QTest::newRow("mixed") << 2;
    QTest::newRow("zero every third") << 3;
}

void tst_ModemFraming::roundTrip()
{
    QFETCH(int, kind);
    for (int length = 0; length <= int(kModemMaxBodySize); ++length) {
        const QByteArray body = pattern(length, kind);
        for (int type : {0x00, 0x06, 0xFF}) {
            const uint8_t sequence = uint8_t(length * 7);
            const QByteArray wire = encode(uint8_t(type), sequence, body);
            QCOMPARE(wire.size(), qsizetype(length + int(kModemPacketOverhead) + 3));
            QVERIFY(wire.size() <= qsizetype(kModemMaxWireSize));
            const Feed f = feedAll(wire);
            QVERIFY(f.errors.isEmpty());
            QCOMPARE(f.packets.size(), 1);
            QCOMPARE(int(f.packets[0].type), type);
            QCOMPARE(f.packets[0].sequence, sequence);
            QCOMPARE(f.packets[0].body, body);
        }
    }
}

void tst_ModemFraming::noZeroInside()
{
    for (int kind = 0; kind < 4; ++kind) {
        const QByteArray wire = encode(0x06, 0, pattern(int(kModemMaxBodySize), kind));
        QCOMPARE(wire.front(), char(0));
        QCOMPARE(wire.back(), char(0));
        QVERIFY(!wire.mid(1, wire.size() - 2).contains(char(0)));
    }
}

void tst_ModemFraming::leadAndData()
{
    const QByteArray frame = pattern(32, 3);
    const uint8_t lead = 0x2A;
    uint8_t split[kModemMaxWireSize];
    const size_t n
            = modemEncode(0x05, 9, &lead, 1, u8(frame), size_t(frame.size()), split, sizeof split);
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(split), qsizetype(n)),
             encode(0x05, 9, char(lead) + frame));
    // The body limit covers lead and data together.
    const QByteArray big = pattern(int(kModemMaxBodySize), 2);
    QCOMPARE(modemEncode(0x05, 9, &lead, 1, u8(big), size_t(big.size()), split, sizeof split),
             size_t(0));
}

void tst_ModemFraming::capacity()
{
    const QByteArray body = pattern(10, 2);
    const size_t needed = 10 + kModemPacketOverhead + 3;
    std::unique_ptr<uint8_t[]> out(new uint8_t[needed]);
    QCOMPARE(modemEncode(0x05, 0, u8(body), 10, out.get(), needed), needed);
    QCOMPARE(modemEncode(0x05, 0, u8(body), 10, out.get(), needed - 1), size_t(0));
    uint8_t big[128];
    const QByteArray tooLong = pattern(int(kModemMaxBodySize) + 1, 2);
    QCOMPARE(modemEncode(0x05, 0, u8(tooLong), size_t(tooLong.size()), big, sizeof big), size_t(0));
}

void tst_ModemFraming::singleByteCorruption()
{
    // Every byte of the packet (not the delimiters) replaced by every other value: never a
    // packet other than the original, and the decoder is clean for the next packet.
    const QByteArray body = pattern(33, 3);
    const QByteArray wire = encode(0x06, 42, body);
    const QByteArray next = encode(0x04, 43, QByteArray::fromHex("00"));
    int rejected = 0;
    for (qsizetype at = 1; at + 1 < wire.size(); ++at) {
        for (int value = 0; value < 256; ++value) {
            if (char(value) == wire[at])
                continue;
            QByteArray bad = wire;
            bad[at] = char(value);
            ModemDecoder decoder;
            const Feed f = feedAll(decoder, bad + next);
            // Only the packet that follows gets through.
            QVERIFY2(f.packets.size() == 1 && f.packets[0].sequence == 43,
                     qPrintable(QStringLiteral("byte %1 set to %2").arg(at).arg(value)));
            QVERIFY(!f.errors.isEmpty());
            ++rejected;
        }
    }
    QCOMPARE(rejected, int(wire.size() - 2) * 255);
}

void tst_ModemFraming::truncations()
{
    const QByteArray wire = encode(0x06, 1, pattern(20, 3));
    for (qsizetype keep = 2; keep < wire.size() - 1; ++keep) {
        // The packet is cut and the line carries a delimiter (the next packet's) right away.
        const Feed f = feedAll(wire.left(keep) + char(0));
        QVERIFY2(f.packets.isEmpty(), qPrintable(QString::number(keep)));
        QCOMPARE(f.errors.size(), 1);
        QVERIFY(f.errors[0] == ModemError::Truncated || f.errors[0] == ModemError::BadEncoding
                || f.errors[0] == ModemError::BadCrc);
    }
    // A candidate of one COBS byte is empty after decoding: too short for type and sequence.
    const Feed one = feedAll(QByteArray::fromHex("000100"));
    QCOMPARE(one.errors, QList<ModemError>({ModemError::Truncated}));
    const Feed run = feedAll(QByteArray::fromHex("0005aabb00"));
    QCOMPARE(run.errors, QList<ModemError>({ModemError::BadEncoding}));
}

void tst_ModemFraming::garbageThenPacket_data()
{
    QTest::addColumn<QByteArray>("garbage");
    QTest::addColumn<int>("errors");
    QTest::newRow("nothing") << QByteArray() << 0;
    QTest::newRow("text") << QByteArray("WARDEN PERSO 1\r\n") << 1;
    QTest::newRow("delimiters only") << QByteArray(5, char(0)) << 0;
    QTest::newRow("half a packet") << encode(0x06, 5, pattern(30, 2)).left(20) << 1;
    QTest::newRow("long noise") << QByteArray(200, char(0x55)) << 1;
}

void tst_ModemFraming::garbageThenPacket()
{
    QFETCH(QByteArray, garbage);
    QFETCH(int, errors);
    const QByteArray body = pattern(25, 3);
    const Feed f = feedAll(garbage + encode(0x06, 77, body));
    QCOMPARE(f.errors.size(), errors);
    QCOMPARE(f.packets.size(), 1);
    QCOMPARE(f.packets[0].sequence, uint8_t(77));
    QCOMPARE(f.packets[0].body, body);
}

void tst_ModemFraming::tooLong()
{
    ModemDecoder decoder;
    const Feed f = feedAll(decoder, QByteArray(1000, char(0x33)) + char(0));
    QCOMPARE(f.errors, QList<ModemError>({ModemError::TooLong}));
    QVERIFY(f.packets.isEmpty());
    // One byte over the longest encoding is too long; the longest itself is not.
    QByteArray longest = encode(0x06, 0, pattern(int(kModemMaxBodySize), 2));
    QCOMPARE(longest.size(), qsizetype(kModemMaxWireSize));
    QCOMPARE(feedAll(decoder, longest).packets.size(), 1);
    longest.insert(5, char(0x44));
    QCOMPARE(feedAll(decoder, longest).errors, QList<ModemError>({ModemError::TooLong}));
}

void tst_ModemFraming::lostDelimiterCostsOnePacket()
{
    // The closing delimiter of packet 1 and the opening one of packet 2 are both lost: the two
    // run together into one bad candidate, and packet 3 arrives intact.
    QByteArray one = encode(0x06, 1, pattern(10, 2));
    QByteArray two = encode(0x06, 2, pattern(10, 3));
    one.chop(1);
    two.remove(0, 1);
    const Feed f = feedAll(one + two + encode(0x06, 3, pattern(10, 1)));
    QCOMPARE(f.errors.size(), 1);
    QCOMPARE(f.packets.size(), 1);
    QCOMPARE(f.packets[0].sequence, uint8_t(3));
}

void tst_ModemFraming::backToBack()
{
    QByteArray stream;
    for (int i = 0; i < 50; ++i)
        stream += encode(uint8_t(1 + i % 6), uint8_t(i), pattern(i % 33, i % 4));
    const Feed f = feedAll(stream);
    QVERIFY(f.errors.isEmpty());
    QCOMPARE(f.packets.size(), 50);
    for (int i = 0; i < 50; ++i) {
        QCOMPARE(f.packets[i].sequence, uint8_t(i));
        QCOMPARE(f.packets[i].body, pattern(i % 33, i % 4));
    }
}

void tst_ModemFraming::resetForgets()
{
    ModemDecoder decoder;
    const QByteArray wire = encode(0x06, 9, pattern(12, 2));
    feedAll(decoder, QByteArray("\x01\x02\x03"));
    decoder.reset();
    // Without the reset the three bytes would spoil the packet; with it the packet is clean.
    const Feed f = feedAll(decoder, wire.mid(1));
    QVERIFY(f.errors.isEmpty());
    QCOMPARE(f.packets.size(), 1);
}

void tst_ModemFraming::errorNames()
{
    QSet<QByteArray> names;
    for (int e = 0; e <= int(ModemError::BadCrc); ++e) {
        names.insert(modemErrorName(ModemError(e)));
        QVERIFY(qstrlen(modemErrorText(ModemError(e))) > 10);
    }
    QCOMPARE(names.size(), int(ModemError::BadCrc) + 1);
    QCOMPARE(QByteArray(modemErrorName(ModemError(200))), QByteArray("unknown"));
}

void tst_ModemFraming::status()
{
    ModemStatus s {};
    s.protocolVersion = kModemProtocolVersion;
    s.firmwareMajor = 1;
    s.firmwareMinor = 2;
    s.firmwarePatch = 3;
    s.radioKind = kModemRadioNrf24;
    s.flags = kModemStatusRadioPresent | kModemStatusBoot;
    s.address = 0;
    s.channel = 76;
    s.dataRate = kModemRate250k;
    s.power = 3;
    s.txWindow = 1;
    s.maxData = 32;
    s.rxFrames = 0x1234;
    s.txFrames = 0xFFFF;
    s.txNoAck = 7;
    s.rxDropped = 0x0100;
    s.linkErrors = 2;
    s.resetCause = 0x08;
    uint8_t body[kModemStatusBodySize];
    QCOMPARE(modemWriteStatus(s, body), kModemStatusBodySize);
    // Little-endian counters at fixed offsets (radio-modem.md).
    QCOMPARE(body[12], uint8_t(0x34));
    QCOMPARE(body[13], uint8_t(0x12));
    QCOMPARE(body[22], uint8_t(0x08));
    // Through the wire and back, with two bytes a later version might append.
    const QByteArray longer
            = QByteArray(reinterpret_cast<const char *>(body), sizeof body) + "\x01\x02";
    const Feed f = feedAll(encode(uint8_t(ModemPacketType::Status), 0, longer));
    QCOMPARE(f.packets.size(), 1);
    ModemStatus back {};
    QVERIFY(modemParseStatus(u8(f.packets[0].body), size_t(f.packets[0].body.size()), back));
    QCOMPARE(back.channel, uint8_t(76));
    QCOMPARE(back.rxFrames, uint16_t(0x1234));
    QCOMPARE(back.txFrames, uint16_t(0xFFFF));
    QCOMPARE(back.rxDropped, uint16_t(0x0100));
    QCOMPARE(back.linkErrors, uint16_t(2));
    QCOMPARE(back.resetCause, uint8_t(0x08));
    QCOMPARE(back.flags, uint8_t(kModemStatusRadioPresent | kModemStatusBoot));
}

void tst_ModemFraming::statusTooShort()
{
    uint8_t body[kModemStatusBodySize] = {};
    ModemStatus s {};
    QVERIFY(!modemParseStatus(body, kModemStatusBodySize - 1, s));
    QVERIFY(modemParseStatus(body, kModemStatusBodySize, s));
}

void tst_ModemFraming::config_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("valid");
    QTest::newRow("defaults") << QByteArray::fromHex("00"
                                                     "4c"
                                                     "00"
                                                     "03")
                              << true;
    QTest::newRow("highest values") << QByteArray::fromHex("fe"
                                                           "7d"
                                                           "02"
                                                           "03")
                                    << true;
    QTest::newRow("broadcast address") << QByteArray::fromHex("ff"
                                                              "4c"
                                                              "00"
                                                              "03")
                                       << false;
    QTest::newRow("channel 126") << QByteArray::fromHex("00"
                                                        "7e"
                                                        "00"
                                                        "03")
                                 << false;
    QTest::newRow("rate 3") << QByteArray::fromHex("00"
                                                   "4c"
                                                   "03"
                                                   "03")
                            << false;
    QTest::newRow("power 4") << QByteArray::fromHex("00"
                                                    "4c"
                                                    "00"
                                                    "04")
                             << false;
    QTest::newRow("short") << QByteArray::fromHex("00"
                                                  "4c"
                                                  "00")
                           << false;
    QTest::newRow("long") << QByteArray::fromHex("00"
                                                 "4c"
                                                 "00"
                                                 "03"
                                                 "00")
                          << false;
}

void tst_ModemFraming::config()
{
    QFETCH(QByteArray, body);
    QFETCH(bool, valid);
    ModemRadioConfig c {9, 9, 9, 9};
    QCOMPARE(modemParseConfig(u8(body), size_t(body.size()), c), valid);
    if (!valid)
        return;
    uint8_t out[kModemConfigBodySize];
    QCOMPARE(modemWriteConfig(c, out), kModemConfigBodySize);
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(out), 4), body);
}

QTEST_GUILESS_MAIN(tst_ModemFraming)
#include "tst_modemframing.moc"
