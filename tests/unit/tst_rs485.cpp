// The RS485 frame codec and the byte-wise receiver (spec section 9): the spec example and
// captured frames both ways, every length and SOH count, every single-byte corruption, every
// truncation (in buffers of exact size, for ASan), and the receiver's hunt through garbage,
// broken frames and foreign traffic.
#include <warden/protocol/rs485.h>

#include <QtCore/QRandomGenerator>
#include <QtTest/QtTest>

#include <array>
#include <memory>

using namespace Warden::Protocol;

namespace Warden {
namespace Protocol {
// QCOMPARE prints these by name (found by argument-dependent lookup).
char *toString(Rs485Error error)
{
    return qstrdup(rs485ErrorName(error));
}
} // namespace Protocol
} // namespace Warden

namespace {

using Event = Rs485Receiver::Event;

const uint8_t *u8(const QByteArray &a)
{
    return reinterpret_cast<const uint8_t *>(a.constData());
}

QByteArray bytes(const uint8_t *p, size_t n)
{
    return QByteArray(reinterpret_cast<const char *>(p), qsizetype(n));
}

QByteArray encode(uint8_t to, uint8_t from, const QByteArray &data, uint8_t sohCount = 1)
{
    uint8_t out[kRs485MaxFrameSize];
    const size_t n
            = rs485Encode(to, from, u8(data), size_t(data.size()), out, sizeof out, sohCount);
    return bytes(out, n);
}

/// Decodes from a heap copy of exactly the frame's size, so that ASan reports any over-read.
Rs485Error decodeExact(const QByteArray &frame, Rs485Frame &out)
{
    const size_t size = size_t(frame.size());
    std::unique_ptr<uint8_t[]> copy(new uint8_t[size]);
    if (size > 0)
        memcpy(copy.get(), frame.constData(), size);
    return rs485Decode(copy.get(), size, out);
}

/// A frame as comparable bytes: to, from, command, length, checksum, data.
QByteArray key(const Rs485Frame &f)
{
    return QByteArray() + char(f.to) + char(f.from) + char(f.command) + char(f.length)
           + char(f.checksum) + bytes(f.data, f.length);
}

/// The key a correct decoder must produce for a frame built by encode().
QByteArray key(uint8_t to, uint8_t from, const QByteArray &data)
{
    Rs485Frame f;
    memset(&f, 0, sizeof f);
    f.to = to;
    f.from = from;
    f.command = kRs485Command;
    f.length = uint8_t(data.size());
    memcpy(f.data, data.constData(), size_t(data.size()));
    f.checksum = rs485Checksum(to, from, kRs485Command, f.data, f.length);
    return key(f);
}

/// Everything a receiver reported while it was fed @p stream, one byte per feed().
struct Trace
{
    QList<qsizetype> frameAt; ///< index of the byte that produced each Frame event
    QList<QByteArray> frames; ///< key() of each
    QList<qsizetype> errorAt;
    QList<Rs485Error> errors;
};

Trace feedAll(Rs485Receiver &rx, const QByteArray &stream)
{
    Trace t;
    for (qsizetype i = 0; i < stream.size(); ++i) {
        switch (rx.feed(uint8_t(stream.at(i)))) {
        case Event::Frame:
            t.frameAt << i;
            t.frames << key(rx.frame());
            break;
        case Event::Error:
            t.errorAt << i;
            t.errors << rx.lastError();
            break;
        case Event::None:
            break;
        }
    }
    return t;
}

// Spec 9.2: node 3 sends 03 03 00 0A 29 02 01 01 to the gateway.
const QByteArray kSpecMessage = QByteArray::fromHex("0303000a29020101");
const QByteArray kSpecFrame = QByteArray::fromHex("0100035808020303000a2902010103a004");

/// Captured frames from ../shared/vectors/mysensors-2.x.json (kind rs485_frame).
struct CapturedFrame
{
    const char *name;
    const char *frameHex;
    uint8_t to, from, length, checksum;
    const char *messageHex;
};
const CapturedFrame kCaptured[] = {
        {"gw broadcast", "01ff005807020000ff020314ff037504", 255, 0, 7, 0x75, "0000ff020314ff"},
        {"node1 broadcast", "01ff015807020101ff020307ff036b04", 255, 1, 7, 0x6b, "0101ff020307ff"},
        {"gw to node1", "0101005808020000010a2308ff00039604", 1, 0, 8, 0x96, "0000010a2308ff00"},
        {"node1 to gw", "010001580702010100020310ff037604", 0, 1, 7, 0x76, "010100020310ff"},
        {"node1 signed",
         "010001582002010100060310ff002e342e302d616c706861018b1332ad38275a26617e83b230032704", 0, 1,
         32, 0x27, "010100060310ff002e342e302d616c706861018b1332ad38275a26617e83b230"},
        {"gw signed to node1",
         "010100582002000001060310ff000123cbfbccc86eeb90ab17c946ff22e61f7d1b49335eeb9b03e804", 1, 0,
         32, 0xe8, "000001060310ff000123cbfbccc86eeb90ab17c946ff22e61f7d1b49335eeb9b"},
        {"node1 data with 01..03",
         "0100015820020101002e00030272656c617901a0bc857507194c6b2f793812c2f0d0ef4d89dc030e04", 0, 1,
         32, 0x0e, "0101002e00030272656c617901a0bc857507194c6b2f793812c2f0d0ef4d89dc"},
};

/// Data bytes 0x40, 0x41, ...: up to 24 bytes none is a framing byte (0x01..0x04) or the
/// command (0x58), so each single-byte corruption of such a frame has one right answer.
QByteArray plainData(int length)
{
    QByteArray data;
    for (int i = 0; i < length; ++i)
        data += char(0x40 + i);
    return data;
}
constexpr uint8_t kPlainTo = 0x10;
constexpr uint8_t kPlainFrom = 0x20;
const uint8_t kMasks[] = {0x01, 0x10, 0x80, 0xFF};

/// The error a decoder must report for @p frame (with @p sohCount SOH, data of plainData())
/// after byte @p position was changed to @p value.
Rs485Error expectedCorruption(const QByteArray &frame, int sohCount, int position, uint8_t value)
{
    const int length = uint8_t(frame.at(sohCount + 3));
    const int size = int(frame.size());
    if (position == 0)
        return Rs485Error::BadStart;
    if (position < sohCount) // a gap in the SOH run: no reading has 0x58 where the command is
        return Rs485Error::BadCommand;
    const int field = position - sohCount;
    if (field == 0 || field == 1) // To, From: only the checksum notices
        return Rs485Error::BadChecksum;
    if (field == 2)
        return Rs485Error::BadCommand;
    if (field == 3) {
        if (value > kRs485MaxDataLength)
            return Rs485Error::DataTooLong;
        // ETX is expected at sohCount + 5 + value: a data byte, the checksum or the EOT (none
        // of which is 0x03 here), or past the end.
        return sohCount + 5 + value < size ? Rs485Error::BadEtx : Rs485Error::Truncated;
    }
    if (field == 4)
        return Rs485Error::BadStx;
    if (field < 5 + length)
        return Rs485Error::BadChecksum;
    if (field == 5 + length)
        return Rs485Error::BadEtx;
    if (field == 6 + length)
        return Rs485Error::BadChecksum;
    return Rs485Error::BadEot;
}

} // namespace

Q_DECLARE_METATYPE(Rs485Error)

class tst_Rs485 : public QObject
{
    Q_OBJECT

private slots:
    void specExample();
    void checksum();
    void captured_data();
    void captured();
    void roundTrip_data();
    void roundTrip();
    void encoderLimits();
    void lengthFortyRejected();
    void corruption_data();
    void corruption();
    void specExampleCorruption_data();
    void specExampleCorruption();
    void capturedCorruption();
    void truncation_data();
    void truncation();
    void trailingBytes();
    void sohRun_data();
    void sohRun();
    void errorNamesAndTexts();

    void receiverBackToBack();
    void receiverGarbage();
    void receiverFrameBeginsInsideBrokenHeader();
    void receiverFrameWhollyInsideBrokenSpan();
    void receiverAddressFilter_data();
    void receiverAddressFilter();
    void receiverErrorEvents_data();
    void receiverErrorEvents();
    void receiverNoErrorsForForeignFrames();
    void receiverResetAndOwnId();
    void receiverRandomTraffic();
    void receiverRamBudget();
};

void tst_Rs485::specExample()
{
    Rs485Frame f;
    QCOMPARE(decodeExact(kSpecFrame, f), Rs485Error::None);
    QCOMPARE(f.to, uint8_t(0));
    QCOMPARE(f.from, uint8_t(3));
    QCOMPARE(f.command, kRs485Command);
    QCOMPARE(f.length, uint8_t(8));
    QCOMPARE(f.checksum, uint8_t(0xA0));
    QCOMPARE(bytes(f.data, f.length).toHex(), kSpecMessage.toHex());

    QCOMPARE(encode(0, 3, kSpecMessage).toHex(), kSpecFrame.toHex());
}

void tst_Rs485::checksum()
{
    QCOMPARE(rs485Checksum(0, 3, kRs485Command, u8(kSpecMessage), 8), uint8_t(0xA0));
    QCOMPARE(rs485Checksum(0, 0, 0, nullptr, 0), uint8_t(0));
    // Wraps mod 256, and the length takes part.
    const uint8_t ff[3] = {0xFF, 0xFF, 0xFF};
    QCOMPARE(rs485Checksum(0xFF, 0xFF, 0xFF, ff, 3), uint8_t((6 * 0xFF + 3) & 0xFF));
    QCOMPARE(rs485Checksum(1, 2, 3, ff, 0), uint8_t(6));
}

void tst_Rs485::captured_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<int>("to");
    QTest::addColumn<int>("from");
    QTest::addColumn<int>("length");
    QTest::addColumn<int>("checksum");
    QTest::addColumn<QByteArray>("message");
    for (const CapturedFrame &c : kCaptured) {
        QTest::newRow(c.name) << QByteArray::fromHex(c.frameHex) << int(c.to) << int(c.from)
                              << int(c.length) << int(c.checksum)
                              << QByteArray::fromHex(c.messageHex);
    }
}

void tst_Rs485::captured()
{
    QFETCH(QByteArray, frame);
    QFETCH(int, to);
    QFETCH(int, from);
    QFETCH(int, length);
    QFETCH(int, checksum);
    QFETCH(QByteArray, message);

    Rs485Frame f;
    QCOMPARE(decodeExact(frame, f), Rs485Error::None);
    QCOMPARE(int(f.to), to);
    QCOMPARE(int(f.from), from);
    QCOMPARE(f.command, kRs485Command);
    QCOMPARE(int(f.length), length);
    QCOMPARE(int(f.checksum), checksum);
    QCOMPARE(bytes(f.data, f.length).toHex(), message.toHex());
    QCOMPARE(encode(uint8_t(to), uint8_t(from), message).toHex(), frame.toHex());

    // The addressee receives it, byte by byte, exactly at the last byte.
    Rs485Receiver rx(to == 255 ? uint8_t(from + 1) : uint8_t(to));
    const Trace t = feedAll(rx, frame);
    QCOMPARE(t.frameAt, QList<qsizetype> {frame.size() - 1});
    QCOMPARE(t.frames.value(0).toHex(), key(f).toHex());
    QVERIFY(t.errors.isEmpty());
}

void tst_Rs485::roundTrip_data()
{
    QTest::addColumn<int>("sohCount");
    QTest::addColumn<int>("length");
    for (int soh = 1; soh <= int(kRs485MaxSohCount); ++soh) {
        for (int length = 0; length <= int(kRs485MaxDataLength); ++length)
            QTest::addRow("soh %d length %d", soh, length) << soh << length;
    }
}

void tst_Rs485::roundTrip()
{
    QFETCH(int, sohCount);
    QFETCH(int, length);
    // Node 1 (To or From equal to SOH) and From 0x58 (equal to the command) are the readings
    // that make the SOH run ambiguous; data full of framing bytes must not matter.
    const uint8_t pairs[][2] = {{0, 3}, {1, 0}, {1, 1}, {255, 1}, {1, 0x58}, {0x58, 0x58}};
    QByteArray data;
    for (int i = 0; i < length; ++i)
        data += char(i % 5 == 0 ? kRs485Soh : (i * 37 + 1) & 0xFF);

    for (const auto &pair : pairs) {
        const uint8_t to = pair[0], from = pair[1];
        const QByteArray frame = encode(to, from, data, uint8_t(sohCount));
        QCOMPARE(frame.size(), qsizetype(sohCount + 8 + length));
        QCOMPARE(frame.left(sohCount), QByteArray(sohCount, char(kRs485Soh)));

        Rs485Frame f;
        memset(&f, 0x5A, sizeof f);
        QCOMPARE(decodeExact(frame, f), Rs485Error::None);
        QCOMPARE(key(f).toHex(), key(to, from, data).toHex());
        // No stale bytes behind the data.
        QCOMPARE(bytes(f.data + length, kRs485MaxDataLength - size_t(length)),
                 QByteArray(int(kRs485MaxDataLength) - length, '\0'));
        QCOMPARE(int(frame.at(frame.size() - 2) & 0xFF), int(f.checksum));
        QCOMPARE(encode(f.to, f.from, bytes(f.data, f.length), uint8_t(sohCount)).toHex(),
                 frame.toHex());

        Rs485Receiver rx(0, true);
        const Trace t = feedAll(rx, frame);
        QCOMPARE(t.frameAt, QList<qsizetype> {frame.size() - 1});
        QCOMPARE(t.frames.value(0).toHex(), key(f).toHex());
    }
}

void tst_Rs485::encoderLimits()
{
    const QByteArray data = plainData(int(kRs485MaxDataLength) + 1);
    uint8_t out[kRs485MaxFrameSize + 8];

    QCOMPARE(kRs485MaxFrameSize, size_t(50));
    QCOMPARE(rs485Encode(1, 2, u8(data), kRs485MaxDataLength, out, sizeof out, 3),
             kRs485MaxFrameSize);
    QCOMPARE(rs485Encode(1, 2, u8(data), kRs485MaxDataLength + 1, out, sizeof out, 1), size_t(0));
    QCOMPARE(rs485Encode(1, 2, u8(data), 255, out, sizeof out, 1), size_t(0));
    QCOMPARE(rs485Encode(1, 2, u8(data), 4, out, sizeof out, 0), size_t(0));
    QCOMPARE(rs485Encode(1, 2, u8(data), 4, out, sizeof out, 4), size_t(0));
    QCOMPARE(rs485Encode(1, 2, nullptr, 0, out, sizeof out, 1), size_t(9));

    // One byte short: nothing written. Exactly enough: the whole frame, nothing beyond.
    for (uint8_t soh = 1; soh <= kRs485MaxSohCount; ++soh) {
        const size_t need = soh + 8 + 10;
        memset(out, 0xA5, sizeof out);
        QCOMPARE(rs485Encode(1, 2, u8(data), 10, out, need - 1, soh), size_t(0));
        QCOMPARE(bytes(out, sizeof out), QByteArray(sizeof out, char(0xA5)));
        QCOMPARE(rs485Encode(1, 2, u8(data), 10, out, need, soh), need);
        QCOMPARE(int(out[need]), 0xA5);
        QCOMPARE(int(out[need - 1]), int(kRs485Eot));
    }
}

void tst_Rs485::lengthFortyRejected()
{
    // A frame with 40 data bytes that is otherwise perfect, as another implementation
    // might send it: the length field alone makes it invalid.
    const QByteArray data = plainData(40);
    QByteArray frame = QByteArray(1, char(kRs485Soh)) + char(0) + char(3) + char(kRs485Command)
                       + char(40) + char(kRs485Stx) + data + char(kRs485Etx);
    frame += char(rs485Checksum(0, 3, kRs485Command, u8(data), 40));
    frame += char(kRs485Eot);
    Rs485Frame f;
    memset(&f, 0x5A, sizeof f);
    QCOMPARE(decodeExact(frame, f), Rs485Error::DataTooLong);
    // Nothing was written to the output on error.
    for (size_t i = 0; i < sizeof f; ++i)
        QCOMPARE(int(reinterpret_cast<const uint8_t *>(&f)[i]), 0x5A);

    Rs485Receiver rx(0);
    const Trace t = feedAll(rx, frame);
    QVERIFY(t.frames.isEmpty());
    QCOMPARE(t.errors, QList<Rs485Error> {Rs485Error::DataTooLong});
    QCOMPARE(t.errorAt, QList<qsizetype> {5}); // decided at the STX

    // 39 is the limit that still works.
    QCOMPARE(decodeExact(encode(0, 3, plainData(39)), f), Rs485Error::None);
    QCOMPARE(int(f.length), 39);
}

void tst_Rs485::corruption_data()
{
    QTest::addColumn<int>("sohCount");
    QTest::addColumn<int>("length");
    QTest::addColumn<int>("position");
    QTest::addColumn<int>("mask");
    for (int soh = 1; soh <= int(kRs485MaxSohCount); ++soh) {
        for (int length : {0, 8, 20}) {
            const int size = soh + 8 + length;
            for (int position = 0; position < size; ++position) {
                for (uint8_t mask : kMasks) {
                    QTest::addRow("soh %d len %d byte %d ^%02x", soh, length, position, mask)
                            << soh << length << position << int(mask);
                }
            }
        }
    }
}

void tst_Rs485::corruption()
{
    QFETCH(int, sohCount);
    QFETCH(int, length);
    QFETCH(int, position);
    QFETCH(int, mask);

    const QByteArray frame = encode(kPlainTo, kPlainFrom, plainData(length), uint8_t(sohCount));
    // The premises of expectedCorruption(): nothing in the frame mimics an ETX by accident.
    const uint8_t checksum = uint8_t(frame.at(frame.size() - 2));
    QVERIFY(checksum != kRs485Etx && checksum != kRs485Soh && checksum != kRs485Command);

    QByteArray broken = frame;
    broken[position] = char(broken.at(position) ^ mask);
    const Rs485Error expected
            = expectedCorruption(frame, sohCount, position, uint8_t(broken.at(position)));
    Rs485Frame f;
    memset(&f, 0x5A, sizeof f);
    QCOMPARE(decodeExact(broken, f), expected);
    QCOMPARE(int(f.to), 0x5A); // untouched on error
    QCOMPARE(int(f.data[0]), 0x5A);

    // On the bus only the SOH right before To counts (the receiver's window is anchored at the
    // STX): a frame whose earlier SOH bytes were hit is still whole there. Any other change
    // keeps the receiver from delivering it.
    Rs485Receiver rx(kPlainTo, true);
    const Trace t = feedAll(rx, broken + QByteArray(48, '\0'));
    if (position < sohCount - 1) {
        QCOMPARE(t.frames, QList<QByteArray> {key(kPlainTo, kPlainFrom, plainData(length))});
        QCOMPARE(t.frameAt, QList<qsizetype> {frame.size() - 1});
    } else {
        QVERIFY(t.frames.isEmpty());
    }
}

void tst_Rs485::specExampleCorruption_data()
{
    // Hand-derived from the bytes 01 | 00 03 58 08 02 | 03 03 00 0A 29 02 01 01 | 03 A0 04.
    QTest::addColumn<int>("position");
    QTest::addColumn<int>("value");
    QTest::addColumn<Rs485Error>("expected");
    QTest::newRow("SOH -> 00") << 0 << 0x00 << Rs485Error::BadStart;
    QTest::newRow("To -> 01 (looks like a second SOH)") << 1 << 0x01 << Rs485Error::BadChecksum;
    QTest::newRow("To -> FF") << 1 << 0xFF << Rs485Error::BadChecksum;
    QTest::newRow("From -> 58") << 2 << 0x58 << Rs485Error::BadChecksum;
    QTest::newRow("command -> 59") << 3 << 0x59 << Rs485Error::BadCommand;
    // Length 0: ETX expected at byte 6, which is the data byte 03; the checksum of an empty
    // frame, 00+03+58+00 = 5B, is not the 03 at byte 7.
    QTest::newRow("length -> 00") << 4 << 0x00 << Rs485Error::BadChecksum;
    // Length 1: ETX at 7 is 03 again, checksum 00+03+58+01+03 = 5F is not byte 8 (00).
    QTest::newRow("length -> 01") << 4 << 0x01 << Rs485Error::BadChecksum;
    QTest::newRow("length -> 02") << 4 << 0x02 << Rs485Error::BadEtx; // byte 8 is 00
    QTest::newRow("length -> 07") << 4 << 0x07 << Rs485Error::BadEtx; // byte 13 is 01
    QTest::newRow("length -> 09") << 4 << 0x09 << Rs485Error::BadEtx; // byte 15 is A0
    QTest::newRow("length -> 0A") << 4 << 0x0A << Rs485Error::BadEtx; // byte 16 is 04
    QTest::newRow("length -> 0B") << 4 << 0x0B << Rs485Error::Truncated; // ETX at 17
    QTest::newRow("length -> 27") << 4 << 0x27 << Rs485Error::Truncated;
    QTest::newRow("length -> 28") << 4 << 0x28 << Rs485Error::DataTooLong;
    QTest::newRow("STX -> 03") << 5 << 0x03 << Rs485Error::BadStx;
    QTest::newRow("data[0] -> 04") << 6 << 0x04 << Rs485Error::BadChecksum;
    QTest::newRow("data[7] -> 03") << 13 << 0x03 << Rs485Error::BadChecksum;
    QTest::newRow("ETX -> 04") << 14 << 0x04 << Rs485Error::BadEtx;
    QTest::newRow("checksum -> A1") << 15 << 0xA1 << Rs485Error::BadChecksum;
    QTest::newRow("checksum -> 04") << 15 << 0x04 << Rs485Error::BadChecksum;
    QTest::newRow("EOT -> 03") << 16 << 0x03 << Rs485Error::BadEot;
    QTest::newRow("EOT -> 00") << 16 << 0x00 << Rs485Error::BadEot;
}

void tst_Rs485::specExampleCorruption()
{
    QFETCH(int, position);
    QFETCH(int, value);
    QFETCH(Rs485Error, expected);
    QByteArray broken = kSpecFrame;
    QVERIFY(uint8_t(broken.at(position)) != value);
    broken[position] = char(value);
    Rs485Frame f;
    QCOMPARE(decodeExact(broken, f), expected);
}

void tst_Rs485::capturedCorruption()
{
    // Real frames have To = 1 (a second 0x01 after the SOH) and framing bytes in their data.
    // Whatever byte changes, the frame is rejected; outside the length field the error is
    // the one the changed byte's role calls for.
    int checked = 0;
    for (const CapturedFrame &c : kCaptured) {
        const QByteArray frame = QByteArray::fromHex(c.frameHex);
        for (int position = 0; position < frame.size(); ++position) {
            for (uint8_t mask : kMasks) {
                QByteArray broken = frame;
                broken[position] = char(broken.at(position) ^ mask);
                Rs485Frame f;
                const Rs485Error error = decodeExact(broken, f);
                const QByteArray where = QByteArray(c.name) + " byte "
                                         + QByteArray::number(position) + " ^"
                                         + QByteArray::number(mask, 16);
                QVERIFY2(error != Rs485Error::None, where.constData());
                if (position == 4) {
                    if (uint8_t(broken.at(4)) > kRs485MaxDataLength)
                        QCOMPARE(error, Rs485Error::DataTooLong);
                } else {
                    const Rs485Error expected = position == 0   ? Rs485Error::BadStart
                                                : position == 3 ? Rs485Error::BadCommand
                                                : position == 5 ? Rs485Error::BadStx
                                                : position == frame.size() - 3 ? Rs485Error::BadEtx
                                                : position == frame.size() - 1
                                                        ? Rs485Error::BadEot
                                                        : Rs485Error::BadChecksum;
                    QVERIFY2(error == expected, (where + ": " + rs485ErrorName(error)
                                                 + " instead of " + rs485ErrorName(expected))
                                                        .constData());
                }
                ++checked;
            }
        }
    }
    QVERIFY(checked > 7 * 16 * 4);
}

void tst_Rs485::truncation_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::newRow("spec example") << kSpecFrame;
    for (const CapturedFrame &c : kCaptured)
        QTest::newRow(c.name) << QByteArray::fromHex(c.frameHex);
    QTest::newRow("empty data") << encode(2, 3, QByteArray());
    QTest::newRow("3 SOH, to 1, from 1") << encode(1, 1, plainData(12), 3);
    QTest::newRow("2 SOH, 39 bytes of 01") << encode(0, 1, QByteArray(39, '\1'), 2);
}

void tst_Rs485::truncation()
{
    QFETCH(QByteArray, frame);
    Rs485Frame f;
    QCOMPARE(decodeExact(frame, f), Rs485Error::None);
    for (qsizetype size = 0; size < frame.size(); ++size) {
        memset(&f, 0x5A, sizeof f);
        const Rs485Error error = decodeExact(frame.left(size), f);
        QVERIFY2(error == Rs485Error::Truncated,
                 qPrintable(QStringLiteral("%1 bytes: %2")
                                    .arg(size)
                                    .arg(QLatin1StringView(rs485ErrorName(error)))));
        QCOMPARE(int(f.length), 0x5A);
    }
}

void tst_Rs485::trailingBytes()
{
    Rs485Frame f;
    for (const char extra : {'\0', '\1', '\3', '\4', char(0xFF)})
        QCOMPARE(decodeExact(kSpecFrame + extra, f), Rs485Error::TrailingBytes);
    QCOMPARE(decodeExact(kSpecFrame + kSpecFrame, f), Rs485Error::TrailingBytes);
    QCOMPARE(decodeExact(encode(1, 1, plainData(3), 3) + QByteArray(5, '\1'), f),
             Rs485Error::TrailingBytes);
}

void tst_Rs485::sohRun_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<Rs485Error>("expected");
    QTest::addColumn<int>("to");
    QTest::addColumn<int>("from");
    const QByteArray body = QByteArray::fromHex("0503") + char(kRs485Command) + char(0)
                            + char(kRs485Stx) + char(kRs485Etx)
                            + char(rs485Checksum(5, 3, kRs485Command, nullptr, 0))
                            + char(kRs485Eot);
    QTest::newRow("empty") << QByteArray() << Rs485Error::Truncated << 0 << 0;
    QTest::newRow("garbage first")
            << QByteArray(1, '\0') + kSpecFrame << Rs485Error::BadStart << 0 << 0;
    QTest::newRow("STX first") << QByteArray(1, '\2') + body << Rs485Error::BadStart << 0 << 0;
    QTest::newRow("1 SOH") << QByteArray(1, '\1') + body << Rs485Error::None << 5 << 3;
    QTest::newRow("3 SOH") << QByteArray(3, '\1') + body << Rs485Error::None << 5 << 3;
    // Four SOH bytes are more than a frame may carry: the fourth is read as To = 1, after
    // which the command is not where it must be.
    QTest::newRow("4 SOH") << QByteArray(4, '\1') + body << Rs485Error::BadCommand << 0 << 0;
    // ... unless To really is node 1 behind 3 SOH.
    QTest::newRow("3 SOH + to 1") << encode(1, 0, plainData(2), 3) << Rs485Error::None << 1 << 0;
    QTest::newRow("3 SOH + to 1 + from 1")
            << encode(1, 1, plainData(2), 3) << Rs485Error::None << 1 << 1;
    QTest::newRow("1 SOH + to 1 + from 1")
            << encode(1, 1, plainData(2), 1) << Rs485Error::None << 1 << 1;
    // From = 0x58 behind a To of 1: the shorter reading sees a command 0x58 in From's place.
    QTest::newRow("2 SOH + to 1 + from 58")
            << encode(1, 0x58, plainData(2), 2) << Rs485Error::None << 1 << 0x58;
    QTest::newRow("SOH only") << QByteArray(3, '\1') << Rs485Error::Truncated << 0 << 0;
}

void tst_Rs485::sohRun()
{
    QFETCH(QByteArray, bytes);
    QFETCH(Rs485Error, expected);
    QFETCH(int, to);
    QFETCH(int, from);
    Rs485Frame f;
    QCOMPARE(decodeExact(bytes, f), expected);
    if (expected == Rs485Error::None) {
        QCOMPARE(int(f.to), to);
        QCOMPARE(int(f.from), from);
        // The SOH count follows from the size, and re-encoding gives the same bytes.
        const int sohCount = int(bytes.size()) - 8 - f.length;
        QCOMPARE(encode(f.to, f.from, ::bytes(f.data, f.length), uint8_t(sohCount)).toHex(),
                 bytes.toHex());
    }
}

void tst_Rs485::errorNamesAndTexts()
{
    QSet<QByteArray> names, texts;
    const int last = int(Rs485Error::BufferTooSmall);
    for (int i = 0; i <= last; ++i) {
        const Rs485Error e = static_cast<Rs485Error>(i);
        const QByteArray name = rs485ErrorName(e);
        const QByteArray text = rs485ErrorText(e);
        QVERIFY(!name.isEmpty());
        QVERIFY2(QRegularExpression(QStringLiteral("^[a-z]+(-[a-z]+)*$"))
                         .match(QString::fromLatin1(name))
                         .hasMatch(),
                 name.constData());
        QVERIFY2(text.size() > 20 && !text.contains('\n'), text.constData());
        QVERIFY2(name != "unknown", "every value has its own name");
        names.insert(name);
        texts.insert(text);
    }
    QCOMPARE(names.size(), last + 1);
    QCOMPARE(texts.size(), last + 1);
    QCOMPARE(QByteArray(rs485ErrorName(Rs485Error::BadChecksum)), QByteArray("bad-checksum"));
    QCOMPARE(QByteArray(rs485ErrorName(static_cast<Rs485Error>(200))), QByteArray("unknown"));
}

// --- the receiver -------------------------------------------------------------------------

void tst_Rs485::receiverBackToBack()
{
    // Frames with no gap, mixed SOH counts: each is reported at its own last byte.
    const QByteArray a = encode(7, 0, plainData(8));
    const QByteArray b = encode(255, 0, plainData(0), 3);
    const QByteArray c = encode(7, 1, QByteArray(20, '\1'), 2);
    const QByteArray d = kSpecFrame; // for node 0, not for 7
    const QByteArray e = encode(7, 0, plainData(39));
    Rs485Receiver rx(7);
    const Trace t = feedAll(rx, a + b + c + d + e);
    const qsizetype endA = a.size() - 1, endB = endA + b.size(), endC = endB + c.size(),
                    endE = endC + d.size() + e.size();
    QCOMPARE(t.frameAt, (QList<qsizetype> {endA, endB, endC, endE}));
    QCOMPARE(t.frames,
             (QList<QByteArray> {key(7, 0, plainData(8)), key(255, 0, QByteArray()),
                                 key(7, 1, QByteArray(20, '\1')), key(7, 0, plainData(39))}));
    QVERIFY(t.errors.isEmpty());
}

void tst_Rs485::receiverGarbage()
{
    // Garbage that contains framing bytes, before, between and after frames.
    const QByteArray garbage1 = QByteArray::fromHex("00ff0102030458010203040101010200");
    const QByteArray garbage2 = QByteArray::fromHex("0401010101585803");
    const QByteArray a = encode(4, 0, kSpecMessage);
    const QByteArray b = encode(255, 0, plainData(7), 3);
    Rs485Receiver rx(4);
    const QByteArray stream = garbage1 + a + garbage2 + b + garbage1;
    const Trace t = feedAll(rx, stream);
    QCOMPARE(t.frames, (QList<QByteArray> {key(4, 0, kSpecMessage), key(255, 0, plainData(7))}));
    QCOMPARE(t.frameAt,
             (QList<qsizetype> {garbage1.size() + a.size() - 1,
                                garbage1.size() + a.size() + garbage2.size() + b.size() - 1}));
}

void tst_Rs485::receiverFrameBeginsInsideBrokenHeader()
{
    // A frame cut off after three of its 5 announced data bytes (a collision), then a whole
    // frame. The broken frame's ETX position falls inside the real one: the receiver reports
    // the broken one there and still finds the real one, whose SOH it had swallowed as data.
    const QByteArray cut = encode(9, 2, plainData(5)).left(6 + 3);
    const QByteArray real = encode(9, 4, kSpecMessage);
    Rs485Receiver rx(9);
    const Trace t = feedAll(rx, cut + real);
    QCOMPARE(t.errors, QList<Rs485Error> {Rs485Error::BadEtx});
    QCOMPARE(t.errorAt, QList<qsizetype> {6 + 5}); // the byte where ETX was due
    QCOMPARE(t.frames, QList<QByteArray> {key(9, 4, kSpecMessage)});
    QCOMPARE(t.frameAt, QList<qsizetype> {cut.size() + real.size() - 1});
}

void tst_Rs485::receiverFrameWhollyInsideBrokenSpan()
{
    // The broken header announces 30 bytes; the real frame (17 bytes) ends inside that span.
    // It cannot be told from data until the byte where the broken frame's ETX was due.
    const QByteArray cut = encode(9, 2, plainData(30)).left(6 + 2);
    const QByteArray real = encode(9, 3, kSpecMessage);
    const QByteArray after(16, '\0');
    Rs485Receiver rx(9);
    const Trace t = feedAll(rx, cut + real + after);
    const qsizetype etxDue = 6 + 30;
    QCOMPARE(t.frames, QList<QByteArray> {key(9, 3, kSpecMessage)});
    QCOMPARE(t.frameAt, QList<qsizetype> {etxDue});
    // That byte broke the long frame too; the frame event took precedence.
    QVERIFY(t.errors.isEmpty());
    QCOMPARE(rx.lastError(), Rs485Error::BadEtx);

    // Two real frames inside one broken span: the second follows on the next byte.
    Rs485Receiver rx2(9);
    const QByteArray cut2 = encode(9, 2, plainData(39)).left(6);
    const QByteArray small = encode(9, 4, QByteArray());
    const QByteArray twice = cut2 + real + small;
    const Trace t2 = feedAll(rx2, twice + after);
    QCOMPARE(t2.frames, (QList<QByteArray> {key(9, 3, kSpecMessage), key(9, 4, QByteArray())}));
    QCOMPARE(t2.frameAt, (QList<qsizetype> {6 + 39, 6 + 39 + 1}));
}

void tst_Rs485::receiverAddressFilter_data()
{
    QTest::addColumn<int>("ownId");
    QTest::addColumn<bool>("promiscuous");
    QTest::addColumn<int>("to");
    QTest::addColumn<int>("from");
    QTest::addColumn<bool>("delivered");
    QTest::newRow("own id") << 5 << false << 5 << 0 << true;
    QTest::newRow("gateway") << 0 << false << 0 << 5 << true;
    QTest::newRow("node 1 (To looks like SOH)") << 1 << false << 1 << 0 << true;
    QTest::newRow("broadcast") << 5 << false << 255 << 0 << true;
    QTest::newRow("broadcast from self") << 5 << false << 255 << 5 << false;
    QTest::newRow("other node") << 5 << false << 6 << 0 << false;
    QTest::newRow("other node, from us") << 5 << false << 6 << 5 << false;
    QTest::newRow("to own id from own id") << 5 << false << 5 << 5 << true;
    QTest::newRow("unassigned node, broadcast") << 255 << false << 255 << 0 << true;
    QTest::newRow("unassigned node, unicast") << 255 << false << 3 << 0 << false;
    QTest::newRow("promiscuous, other node") << 5 << true << 6 << 0 << true;
    QTest::newRow("promiscuous, broadcast from self") << 5 << true << 255 << 5 << true;
}

void tst_Rs485::receiverAddressFilter()
{
    QFETCH(int, ownId);
    QFETCH(bool, promiscuous);
    QFETCH(int, to);
    QFETCH(int, from);
    QFETCH(bool, delivered);
    Rs485Receiver rx(uint8_t(ownId), promiscuous);
    QCOMPARE(int(rx.ownId()), ownId);
    QCOMPARE(rx.isPromiscuous(), promiscuous);
    for (uint8_t soh = 1; soh <= kRs485MaxSohCount; ++soh) {
        const QByteArray frame = encode(uint8_t(to), uint8_t(from), kSpecMessage, soh);
        const Trace t = feedAll(rx, frame);
        QCOMPARE(t.frames.size(), delivered ? 1 : 0);
        if (delivered)
            QCOMPARE(t.frames.at(0), key(uint8_t(to), uint8_t(from), kSpecMessage));
        QVERIFY(t.errors.isEmpty());
    }
}

void tst_Rs485::receiverErrorEvents_data()
{
    QTest::addColumn<int>("position"); // from the end of the frame, or a header offset
    QTest::addColumn<int>("value");
    QTest::addColumn<Rs485Error>("expected");
    QTest::addColumn<int>("decidedAt"); // index within the frame
    const int size = int(kSpecFrame.size());
    QTest::newRow("bad checksum") << size - 2 << 0xA1 << Rs485Error::BadChecksum << size - 2;
    QTest::newRow("bad data byte") << 8 << 0x55 << Rs485Error::BadChecksum << size - 2;
    QTest::newRow("no ETX") << size - 3 << 0x00 << Rs485Error::BadEtx << size - 3;
    QTest::newRow("no EOT") << size - 1 << 0x03 << Rs485Error::BadEot << size - 1;
    QTest::newRow("bad command") << 3 << 0x57 << Rs485Error::BadCommand << 5;
    QTest::newRow("length 40") << 4 << 40 << Rs485Error::DataTooLong << 5;
}

void tst_Rs485::receiverErrorEvents()
{
    QFETCH(int, position);
    QFETCH(int, value);
    QFETCH(Rs485Error, expected);
    QFETCH(int, decidedAt);
    QByteArray broken = kSpecFrame;
    broken[position] = char(value);

    // Three broken frames and a good one: three error events, then the frame.
    Rs485Receiver rx(0);
    const Trace t = feedAll(rx, broken + broken + broken + kSpecFrame);
    const qsizetype n = broken.size();
    QCOMPARE(t.errors, QList<Rs485Error>(3, expected));
    QCOMPARE(t.errorAt, (QList<qsizetype> {decidedAt, n + decidedAt, 2 * n + decidedAt}));
    QCOMPARE(t.frames, QList<QByteArray> {key(0, 3, kSpecMessage)});
    QCOMPARE(t.frameAt, QList<qsizetype> {4 * n - 1});
    QCOMPARE(rx.lastError(), expected);
}

void tst_Rs485::receiverNoErrorsForForeignFrames()
{
    // Broken frames for another node are none of our business: no error events.
    QByteArray broken = encode(6, 0, kSpecMessage);
    broken[broken.size() - 2] = char(broken.at(broken.size() - 2) ^ 1);
    Rs485Receiver rx(5);
    const Trace t = feedAll(rx, broken + broken);
    QVERIFY(t.errors.isEmpty());
    QVERIFY(t.frames.isEmpty());
    // A sniffer counts them.
    Rs485Receiver sniffer(5, true);
    QCOMPARE(feedAll(sniffer, broken + broken).errors.size(), 2);
}

void tst_Rs485::receiverResetAndOwnId()
{
    const QByteArray frame = encode(8, 0, kSpecMessage);
    Rs485Receiver rx(8);
    QCOMPARE(feedAll(rx, frame.left(10)).frames.size(), 0);
    rx.reset();
    QCOMPARE(rx.lastError(), Rs485Error::None);
    QCOMPARE(feedAll(rx, frame.mid(10)).frames.size(), 0); // the first half is gone
    QCOMPARE(feedAll(rx, frame).frames.size(), 1);

    rx.setOwnId(9);
    QCOMPARE(int(rx.ownId()), 9);
    QCOMPARE(feedAll(rx, frame).frames.size(), 0);
    QCOMPARE(feedAll(rx, encode(9, 0, kSpecMessage)).frames.size(), 1);
}

void tst_Rs485::receiverRandomTraffic()
{
    // A long bus capture made of valid frames (for us, broadcast, for others; 1..3 SOH),
    // truncated frames, frames with a flipped byte and random noise. Every valid frame for us
    // comes out, in order, never before its last byte, and nothing else does.
    QRandomGenerator rng(0x52533438);
    const uint8_t own = 1; // To = 1 doubles as an SOH, the hardest case
    QByteArray stream;
    QList<QByteArray> expected;
    QList<qsizetype> expectedEnd;
    for (int segment = 0; segment < 3000; ++segment) {
        const int kind = int(rng.bounded(6));
        const uint8_t to = std::array<uint8_t, 4> {own, 255, 0, 7}[rng.bounded(4)];
        const uint8_t from = uint8_t(rng.bounded(2) ? 0 : rng.bounded(256));
        QByteArray data;
        const int length = int(rng.bounded(int(kRs485MaxDataLength) + 1));
        for (int i = 0; i < length; ++i)
            data += char(rng.bounded(256));
        const int sohCount = int(1 + rng.bounded(3));
        QByteArray frame = encode(to, from, data, uint8_t(sohCount));
        if (kind <= 2) {
            stream += frame;
            if (to == own || (to == 255 && from != own)) {
                expected << key(to, from, data);
                expectedEnd << stream.size() - 1;
            }
        } else if (kind == 3) {
            stream += frame.left(rng.bounded(int(frame.size())));
        } else if (kind == 4) {
            // From the last SOH on: a hit on an earlier SOH leaves a valid frame on the bus.
            const int at = sohCount - 1 + int(rng.bounded(int(frame.size()) - sohCount + 1));
            frame[at] = char(frame.at(at) ^ (1 + rng.bounded(255)));
            stream += frame;
        } else {
            const int n = int(rng.bounded(12));
            for (int i = 0; i < n; ++i)
                stream += char(rng.bounded(256));
        }
    }
    stream += QByteArray(kRs485MaxFrameSize, '\0'); // decides whatever is still open

    Rs485Receiver rx(own);
    const Trace t = feedAll(rx, stream);
    for (qsizetype i = 0; i < qMin(expected.size(), t.frames.size()); ++i) {
        QCOMPARE(t.frames.at(i).toHex(), expected.at(i).toHex());
        QVERIFY(t.frameAt.at(i) >= expectedEnd.at(i));
    }
    QCOMPARE(t.frames.size(), expected.size());
    QVERIFY(expected.size() > 500);
    QVERIFY(!t.errors.isEmpty());
    qInfo("%lld bytes, %lld frames delivered, %lld error events", qlonglong(stream.size()),
          qlonglong(t.frames.size()), qlonglong(t.errors.size()));
}

void tst_Rs485::receiverRamBudget()
{
    // One frame buffer and a few bytes of state: it runs on a 2 KiB ATmega328P.
    QVERIFY(sizeof(Rs485Receiver) <= sizeof(Rs485Frame) + 12);
}

QTEST_GUILESS_MAIN(tst_Rs485)
#include "tst_rs485.moc"
