// The RadioModem sketch (RadioModem.elf, ATmega328P) in warden_simavr, its UART on stdio: the
// serial framing of firmware/docs/radio-modem.md as the AVR speaks it, decoded with the same
// ModemDecoder the host uses. simavr has no nRF24L01+ model, so the modem runs without a radio:
// it must say so in its status and refuse radio work with RadioFailure, while every other
// answer (status, version, validation, unknown types, counting broken packets) is checked.
// Deterministic: a fixed input, a fixed number of simulated cycles.
#include "simrun.h"

#include <warden/protocol/modemframing.h>

#include <QtTest/QtTest>

using namespace Warden::Protocol;

namespace {

struct Packet
{
    uint8_t type = 0;
    uint8_t sequence = 0;
    QByteArray body;
};

QByteArray encode(ModemPacketType type, uint8_t sequence, const QByteArray &body = {})
{
    uint8_t out[kModemMaxWireSize];
    const size_t n = modemEncode(uint8_t(type), sequence,
                                 reinterpret_cast<const uint8_t *>(body.constData()),
                                 size_t(body.size()), out, sizeof out);
    return QByteArray(reinterpret_cast<const char *>(out), qsizetype(n));
}

QList<Packet> decodeAll(const QByteArray &wire, int &errors)
{
    QList<Packet> packets;
    ModemDecoder decoder;
    errors = 0;
    for (char c : wire) {
        const ModemDecoder::Event event = decoder.feed(uint8_t(c));
        if (event == ModemDecoder::Event::Error) {
            ++errors;
        } else if (event == ModemDecoder::Event::Packet) {
            Packet p;
            p.type = decoder.type();
            p.sequence = decoder.sequence();
            p.body = QByteArray(reinterpret_cast<const char *>(decoder.body()),
                                qsizetype(decoder.bodyLength()));
            packets << p;
        }
    }
    return packets;
}

bool status(const Packet &p, ModemStatus &out)
{
    return p.type == uint8_t(ModemPacketType::Status)
           && modemParseStatus(reinterpret_cast<const uint8_t *>(p.body.constData()),
                               size_t(p.body.size()), out);
}

} // namespace

class tst_SimModem : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void bootStatus();
    void statusRequests();
    void radioWorkRefusedWithoutRadio();
    void validation_data();
    void validation();
    void brokenPacketsCounted();

private:
    const Packet *answer(uint8_t sequence) const;

    WardenSim::Run m_run;
    QList<Packet> m_packets;
    int m_errors = 0;
};

void tst_SimModem::initTestCase()
{
    QByteArray config(4, 0);
    config[0] = 0; // address
    config[1] = char(200); // channel out of range
    config[2] = 0;
    config[3] = 3;
    QByteArray goodConfig = config;
    goodConfig[1] = 76;
    QByteArray badCrc = encode(ModemPacketType::StatusRequest, 99);
    badCrc[3] = char(badCrc[3] ^ 0x40);

    // The modem takes one request at a time (txWindow 1) and stdin cannot wait for answers:
    // a run of delimiters after each request (empty candidates, read and ignored at once) keeps
    // the next one back until the answer is out, as a host waiting for it would.
    const QByteArray pause(48, '\0');
    const QByteArray radioFrame = QByteArray::fromHex("000303000a29020101");
    QByteArray input = "WARDEN PERSO 1\r\n"; // text on the line: one bad packet
    for (const QByteArray &request :
         {encode(ModemPacketType::StatusRequest, 5), encode(ModemPacketType::StatusRequest, 6),
          encode(ModemPacketType::RadioTx, 7, radioFrame),
          encode(ModemPacketType::RadioTx, 8, QByteArray(1, '\0')),
          encode(ModemPacketType::Configure, 9, config),
          encode(ModemPacketType::Configure, 10, goodConfig),
          encode(ModemPacketType::Configure, 11, goodConfig.left(3)),
          encode(ModemPacketType(0x40), 12), encode(ModemPacketType::Status, 13), badCrc,
          encode(ModemPacketType::StatusRequest, 14)})
        input += request + pause;
    // One simulated second: boot, 300 bytes each way at 115200 baud, with room to spare.
    m_run = WardenSim::run({QStringLiteral("--uart-stdio"), QStringLiteral("--mcu"),
                            QStringLiteral("atmega328p"), QStringLiteral("--freq"),
                            QStringLiteral("16000000"), QStringLiteral("--max-cycles"),
                            QStringLiteral("16000000"), QStringLiteral(WARDEN_RADIOMODEM_ELF)},
                           input);
    QVERIFY2(m_run.finished, m_run.describe().constData());
    QCOMPARE(m_run.exitReason, QStringLiteral("max-cycles"));
    m_packets = decodeAll(m_run.uart, m_errors);
    QCOMPARE(m_errors, 0); // the modem's own output is always well formed
    QVERIFY2(!m_packets.isEmpty(), m_run.describe().toHex().constData());
}

const Packet *tst_SimModem::answer(uint8_t sequence) const
{
    // The boot status also has sequence 0; requests here use other numbers.
    for (const Packet &p : m_packets) {
        if (p.sequence == sequence && sequence != 0)
            return &p;
    }
    return nullptr;
}

void tst_SimModem::bootStatus()
{
    ModemStatus s {};
    QVERIFY(status(m_packets.first(), s));
    QCOMPARE(m_packets.first().sequence, uint8_t(0));
    QCOMPARE(s.protocolVersion, kModemProtocolVersion);
    QCOMPARE(s.radioKind, kModemRadioNrf24);
    QCOMPARE(s.flags, kModemStatusBoot); // no radio answered on the SPI bus
    // Spec 10.14 defaults.
    QCOMPARE(s.address, uint8_t(0));
    QCOMPARE(s.channel, uint8_t(76));
    QCOMPARE(s.dataRate, kModemRate250k);
    QCOMPARE(s.power, uint8_t(3));
    QCOMPARE(s.txWindow, uint8_t(1));
    QCOMPARE(s.maxData, uint8_t(32));
    QCOMPARE(s.rxFrames, uint16_t(0));
    QCOMPARE(s.txFrames, uint16_t(0));
    QCOMPARE(s.linkErrors, uint16_t(0));
    // The version of library.properties.
    QCOMPARE(QStringLiteral("%1.%2.%3")
                     .arg(s.firmwareMajor)
                     .arg(s.firmwareMinor)
                     .arg(s.firmwarePatch)
                     .toLatin1(),
             QByteArray(WARDEN_FIRMWARE_VERSION));
}

void tst_SimModem::statusRequests()
{
    const Packet *first = answer(5);
    const Packet *second = answer(6);
    QVERIFY(first && second);
    ModemStatus s5 {};
    ModemStatus s6 {};
    QVERIFY(status(*first, s5));
    QVERIFY(status(*second, s6));
    // The first answered request still carries the boot flag; after it the host knows.
    QVERIFY(s5.flags & kModemStatusBoot);
    QVERIFY(!(s6.flags & kModemStatusBoot));
    // The text before the first packet was one broken packet.
    QCOMPARE(s5.linkErrors, uint16_t(1));
}

void tst_SimModem::radioWorkRefusedWithoutRadio()
{
    const Packet *tx = answer(7);
    QVERIFY(tx);
    QCOMPARE(tx->type, uint8_t(ModemPacketType::Result));
    QCOMPARE(tx->body.size(), 2);
    QCOMPARE(uint8_t(tx->body[0]), uint8_t(ModemResult::RadioFailure));
    const Packet *config = answer(10);
    QVERIFY(config);
    QCOMPARE(uint8_t(config->body[0]), uint8_t(ModemResult::RadioFailure));
}

void tst_SimModem::validation_data()
{
    QTest::addColumn<int>("sequence");
    QTest::addColumn<int>("result");
    QTest::newRow("radio tx without a frame") << 8 << int(ModemResult::Invalid);
    QTest::newRow("configure channel 200") << 9 << int(ModemResult::Invalid);
    QTest::newRow("configure body too short") << 11 << int(ModemResult::Invalid);
    QTest::newRow("unknown type 0x40") << 12 << int(ModemResult::UnknownType);
    QTest::newRow("status sent to the modem") << 13 << int(ModemResult::UnknownType);
}

void tst_SimModem::validation()
{
    QFETCH(int, sequence);
    QFETCH(int, result);
    const Packet *p = answer(uint8_t(sequence));
    QVERIFY(p);
    QCOMPARE(p->type, uint8_t(ModemPacketType::Result));
    QCOMPARE(int(uint8_t(p->body[0])), result);
}

void tst_SimModem::brokenPacketsCounted()
{
    // The packet with a bad CRC got no answer, and counted.
    QVERIFY(!answer(99));
    const Packet *last = answer(14);
    QVERIFY(last);
    ModemStatus s {};
    QVERIFY(status(*last, s));
    QCOMPARE(s.linkErrors, uint16_t(2));
    QCOMPARE(s.txFrames, uint16_t(0)); // nothing went to a radio
    // One answer per request, in order, nothing else.
    QCOMPARE(m_packets.size(), 1 + 10);
}

QTEST_GUILESS_MAIN(tst_SimModem)
#include "tst_simmodem.moc"
