// The serial link in modem framing (firmware/docs/radio-modem.md) on a real pty pair made by
// socat. The far end is a modem played by the test on core/protocol's modem framing (the code
// the RadioModem firmware runs): the AVR image in simavr has no radio (simavr has no nRF24
// model), so frames could not cross its radio side. Checked here: the hello at open
// (status request, boot status, version), radio settings given when the modem runs others,
// frames both ways (RadioTx with the next hop, answered one at a time; RadioRx with its
// sequence), broken packets counted with their names while the link keeps running, requests
// repeated after 500 ms and a silent modem dropped, a modem restart, socat killed mid-traffic
// (nothing queued lost or sent twice), and an engine in host-gateway mode that signs and
// verifies through the link.
#include "seriallink.h"
#include "serialpty.h"
#include "testnode.h"

#include <warden/engine.h>
#include <warden/linkplugin.h>
#include <warden/protocol/enums.h>
#include <warden/protocol/modemframing.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimer>
#include <QtTest/QtTest>

Q_IMPORT_PLUGIN(SerialLinkFactory)

using namespace Warden;
using namespace Warden::Protocol;
using namespace Warden::Test;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {

QByteArray wire(ModemPacketType type, uint8_t sequence, const QByteArray &body = {})
{
    uint8_t out[kModemMaxWireSize];
    const size_t n = modemEncode(uint8_t(type), sequence,
                                 reinterpret_cast<const uint8_t *>(body.constData()),
                                 size_t(body.size()), out, sizeof out);
    return QByteArray(reinterpret_cast<const char *>(out), qsizetype(n));
}

struct Request
{
    ModemPacketType type;
    uint8_t sequence;
    QByteArray body;
};

/// A RadioModem on the far end of a pty, built on core/protocol's modem framing.
class ModemPeer : public QObject
{
public:
    explicit ModemPeer()
    {
        status.protocolVersion = kModemProtocolVersion;
        status.firmwareMajor = 1;
        status.firmwareMinor = 2;
        status.firmwarePatch = 3;
        status.radioKind = kModemRadioNrf24;
        status.flags = kModemStatusRadioPresent | kModemStatusBoot;
        status.address = 0;
        status.channel = 76;
        status.dataRate = kModemRate250k;
        status.power = 3;
        status.txWindow = 1;
        status.maxData = 32;
        status.resetCause = 1;
        end.onBytes = [this](QByteArrayView bytes) {
            for (const char c : bytes) {
                const ModemDecoder::Event e = m_decoder.feed(uint8_t(c));
                if (e == ModemDecoder::Event::Error)
                    ++errors;
                else if (e == ModemDecoder::Event::Packet)
                    take();
            }
        };
    }

    bool open(const QString &path)
    {
        m_decoder.reset();
        return end.open(path);
    }

    /// The modem restarts: back to the defaults, announcing itself with a boot status.
    void restart()
    {
        status.flags |= kModemStatusBoot;
        status.channel = 76;
        status.dataRate = kModemRate250k;
        status.power = 3;
        status.address = 0;
        sendStatus(0);
    }

    void sendStatus(uint8_t sequence)
    {
        uint8_t body[kModemStatusBodySize];
        modemWriteStatus(status, body);
        end.send(wire(ModemPacketType::Status, sequence,
                      QByteArray(reinterpret_cast<const char *>(body), sizeof body)));
    }

    void sendRadioRx(const QByteArray &frame, uint8_t flags = 0)
    {
        end.send(wire(ModemPacketType::RadioRx, m_rxSequence++, char(flags) + frame));
    }

    PtyPeer end;
    ModemStatus status {};
    QList<Request> requests; ///< everything decoded, in order
    QByteArrayList frames; ///< RadioTx frames, in order (repetitions included)
    QList<uint8_t> nextHops;
    int errors = 0;
    bool answer = true; ///< false: a modem that has gone quiet
    int ignoreRadioTx = 0; ///< the next this many RadioTx are lost on the line
    ModemResult configureResult = ModemResult::Ok;
    ModemResult radioTxResult = ModemResult::Ok;
    std::function<void(const QByteArray &frame)> onFrame;

private:
    void take()
    {
        Request r {ModemPacketType(m_decoder.type()), m_decoder.sequence(),
                   QByteArray(reinterpret_cast<const char *>(m_decoder.body()),
                              qsizetype(m_decoder.bodyLength()))};
        requests << r;
        if (!answer)
            return;
        switch (r.type) {
        case ModemPacketType::StatusRequest:
            sendStatus(r.sequence);
            status.flags &= uint8_t(~kModemStatusBoot);
            return;
        case ModemPacketType::Configure: {
            ModemRadioConfig c {};
            if (configureResult == ModemResult::Ok
                && modemParseConfig(reinterpret_cast<const uint8_t *>(r.body.constData()),
                                    size_t(r.body.size()), c)) {
                status.address = c.address;
                status.channel = c.channel;
                status.dataRate = c.dataRate;
                status.power = c.power;
            }
            end.send(wire(ModemPacketType::Result, r.sequence,
                          QByteArray(1, char(configureResult)) + '\0'));
            return;
        }
        case ModemPacketType::RadioTx: {
            if (ignoreRadioTx > 0) {
                --ignoreRadioTx;
                return;
            }
            nextHops << uint8_t(r.body.at(0));
            frames << r.body.mid(1);
            ++status.txFrames;
            end.send(wire(ModemPacketType::Result, r.sequence,
                          QByteArray(1, char(radioTxResult)) + '\0'));
            if (onFrame)
                onFrame(r.body.mid(1));
            return;
        }
        default:
            end.send(wire(ModemPacketType::Result, r.sequence,
                          QByteArray(1, char(ModemResult::UnknownType)) + '\0'));
            return;
        }
    }

    ModemDecoder m_decoder;
    uint8_t m_rxSequence = 0;
};

QStringList messages(const QSignalSpy &errors)
{
    QStringList out;
    for (const QList<QVariant> &e : errors)
        out << e.at(0).value<Error>().message();
    return out;
}

bool anyContains(const QStringList &list, const QString &what)
{
    for (const QString &s : list) {
        if (s.contains(what))
            return true;
    }
    return false;
}

} // namespace

class tst_SerialModem : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void helloAndFramesBothWays();
    void radioSettingsGivenAtOpen();
    void radioSettingsRefused();
    void otherFramingVersionRefused();
    void brokenPacketsCounted_data();
    void brokenPacketsCounted();
    void floodWithoutDelimiter();
    void requestRepeatedThenModemDropped();
    void modemRestarts();
    void ptyVanishesMidTraffic();
    void engineThroughTheModem();
    void throughput();

private:
    std::unique_ptr<Internal::SerialLink> makeLink(const QString &port, QVariantMap extra = {});

    LinkRegistry m_registry;
    QTemporaryDir m_dir;
};

void tst_SerialModem::initTestCase()
{
    QLoggingCategory::setFilterRules(u"warden.core.link.debug=false\n"
                                     u"warden.core.link.warning=false\n"
                                     u"warden.plugin.serial.info=false\n"
                                     u"warden.plugin.serial.warning=false"_s);
    if (QStandardPaths::findExecutable(u"socat"_s).isEmpty())
        QSKIP("socat is not installed");
    QVERIFY(m_dir.isValid());
    QCOMPARE(m_registry.loadStaticPlugins().size(), 1);
}

std::unique_ptr<Internal::SerialLink> tst_SerialModem::makeLink(const QString &port,
                                                                QVariantMap extra)
{
    extra.insert(u"port"_s, port);
    extra.insert(u"framing"_s, u"modem"_s);
    Result<std::unique_ptr<Link>> link = m_registry.create({u"serial"_s, u"modem"_s, extra});
    if (!link) {
        qWarning().noquote() << link.error().message();
        return {};
    }
    (*link)->setReconnectBackoff(20ms, 200ms);
    return std::unique_ptr<Internal::SerialLink>(
            qobject_cast<Internal::SerialLink *>(link->release()));
}

void tst_SerialModem::helloAndFramesBothWays()
{
    PtyPair pty(m_dir.path(), u"both"_s);
    QVERIFY(pty.start());
    ModemPeer modem;
    QVERIFY(modem.open(pty.gatewayPath));
    auto link = makeLink(pty.linkPath);
    QVERIFY(link);
    QCOMPARE(link->framing(), LinkFraming::RadioFrames);
    QSignalSpy received(link.get(), &Link::unitReceived);
    QSignalSpy errors(link.get(), &Link::errorOccurred);
    link->open();
    // Not connected before the modem has said who it is.
    QCOMPARE(link->state(), LinkState::Connecting);
    QTRY_COMPARE(link->state(), LinkState::Connected);
    QCOMPARE(modem.requests.size(), 1);
    QCOMPARE(modem.requests.at(0).type, ModemPacketType::StatusRequest);
    QVERIFY(modem.requests.at(0).sequence != 0); // 0 is the boot status's
    QVERIFY(link->modemStatus().has_value());
    QCOMPARE(link->modemStatus()->firmwareMinor, uint8_t(2));
    QCOMPARE(link->modemStatus()->channel, uint8_t(76));

    // Host -> modem: one RadioTx at a time, each after the answer to the last, the next hop
    // being the frame's destination.
    FrameTraffic traffic(link.get());
    for (int i = 0; i < 200; ++i)
        QVERIFY(traffic.sendNext());
    QVERIFY(link->send(FrameTraffic::frame(200, 255)));
    QTRY_COMPARE(modem.frames.size(), 201);
    QCOMPARE(modem.frames.takeLast(), FrameTraffic::frame(200, 255));
    QCOMPARE(modem.nextHops.takeLast(), uint8_t(255));
    QCOMPARE(traffic.verify(modem.frames), QString());
    QCOMPARE(modem.nextHops, QList<uint8_t>(200, 12));
    for (const Request &r : modem.requests.mid(1))
        QCOMPARE(r.type, ModemPacketType::RadioTx);
    QTRY_COMPARE(link->modemStatistics().txOk, quint64(201));
    QCOMPARE(modem.errors, 0);

    // Modem -> host: RadioRx frames in order, a short frame refused by name.
    for (int i = 0; i < 100; ++i)
        modem.sendRadioRx(FrameTraffic::frame(i, 0));
    modem.sendRadioRx(QByteArray::fromHex("0102"));
    QTRY_COMPARE(received.size(), 100);
    for (int i = 0; i < 100; ++i)
        QCOMPARE(received.at(i).at(0).toByteArray(), FrameTraffic::frame(i, 0));
    QTRY_COMPARE(link->statistics().malformed, quint64(1));
    QVERIFY2(messages(errors).last().contains(u"carries a frame of 2 bytes"_s),
             qPrintable(messages(errors).join(u'\n')));
    QCOMPARE(link->modemStatistics().rxFrames, quint64(101));
    QCOMPARE(link->modemStatistics().rxMissed, quint64(0));
    QCOMPARE(link->modemStatistics().retransmissions, quint64(0));
    QCOMPARE(link->statistics().unitsIn, quint64(100));
    QCOMPARE(link->statistics().unitsOut, quint64(201));
    QCOMPARE(link->statistics().drops, quint64(0));
    QCOMPARE(errors.size(), 1);

    // A RadioRx the host missed shows as a gap in the modem's sequence.
    modem.end.send(wire(ModemPacketType::RadioRx, 150, '\x01' + FrameTraffic::frame(7, 0)));
    QTRY_COMPARE(received.size(), 101);
    QCOMPARE(link->modemStatistics().rxMissed, quint64(150 - 101));
    QCOMPARE(link->modemStatistics().rxDroppedFlags, quint64(1));
    link->close();
    QCOMPARE(link->state(), LinkState::Closed);
}

void tst_SerialModem::radioSettingsGivenAtOpen()
{
    PtyPair pty(m_dir.path(), u"config"_s);
    QVERIFY(pty.start());
    ModemPeer modem;
    QVERIFY(modem.open(pty.gatewayPath));
    auto link
            = makeLink(pty.linkPath, {{u"channel"_s, 90}, {u"dataRate"_s, 1000}, {u"power"_s, 1}});
    QVERIFY(link);
    QVERIFY(link->send(FrameTraffic::frame(1)));
    link->open();
    QTRY_COMPARE(link->state(), LinkState::Connected);
    QTRY_COMPARE(modem.frames.size(), 1);
    // Status, then Configure with the wanted settings, and only then the frame.
    QCOMPARE(modem.requests.size(), 3);
    QCOMPARE(modem.requests.at(1).type, ModemPacketType::Configure);
    QCOMPARE(modem.requests.at(1).body, QByteArray::fromHex("005a0101"));
    QCOMPARE(modem.requests.at(2).type, ModemPacketType::RadioTx);
    QCOMPARE(link->modemStatus()->channel, uint8_t(90));
    QCOMPARE(modem.status.dataRate, kModemRate1M);

    // A modem already at those settings (reopened without a reset) is not configured again.
    link->close();
    modem.requests.clear();
    link->open();
    QTRY_COMPARE(link->state(), LinkState::Connected);
    QCOMPARE(modem.requests.size(), 1);
    QCOMPARE(modem.requests.at(0).type, ModemPacketType::StatusRequest);
}

void tst_SerialModem::radioSettingsRefused()
{
    PtyPair pty(m_dir.path(), u"refused"_s);
    QVERIFY(pty.start());
    ModemPeer modem;
    modem.configureResult = ModemResult::RadioFailure;
    QVERIFY(modem.open(pty.gatewayPath));
    auto link = makeLink(pty.linkPath, {{u"channel"_s, 100}});
    QVERIFY(link);
    QSignalSpy errors(link.get(), &Link::errorOccurred);
    link->open();
    QTRY_VERIFY(link->statistics().drops >= 1);
    QCOMPARE(link->statistics().connects, quint64(0));
    QVERIFY2(messages(errors).first().contains(
                     u"refused the radio settings (address 0, channel 100, 250 kbit/s, power 3): "
                     u"RadioFailure"_s),
             qPrintable(messages(errors).join(u'\n')));
    // Once the modem takes them, the link connects on its next attempt.
    modem.configureResult = ModemResult::Ok;
    QTRY_COMPARE(link->state(), LinkState::Connected);
    QCOMPARE(modem.status.channel, uint8_t(100));
}

void tst_SerialModem::otherFramingVersionRefused()
{
    PtyPair pty(m_dir.path(), u"version"_s);
    QVERIFY(pty.start());
    ModemPeer modem;
    modem.status.protocolVersion = 2;
    QVERIFY(modem.open(pty.gatewayPath));
    auto link = makeLink(pty.linkPath);
    QVERIFY(link);
    QSignalSpy errors(link.get(), &Link::errorOccurred);
    link->open();
    QTRY_VERIFY(!errors.isEmpty());
    QVERIFY2(messages(errors).first().contains(u"speaks framing version 2, this host version 1"_s),
             qPrintable(messages(errors).first()));
    QVERIFY(link->state() != LinkState::Connected);
    QCOMPARE(link->statistics().connects, quint64(0));
}

void tst_SerialModem::brokenPacketsCounted_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("reason");
    // The last byte before the delimiter is the CRC's high byte (not zero for this packet).
    QByteArray badCrc = wire(ModemPacketType::RadioRx, 9, '\0' + FrameTraffic::frame(9, 0));
    badCrc[badCrc.size() - 2] = char(badCrc[badCrc.size() - 2] ^ 0x10);
    QTest::newRow("bad crc") << badCrc << u"bad-crc"_s;
    QTest::newRow("too long") << QByteArray(1, '\0') + QByteArray(80, 'x') + '\0' << u"too-long"_s;
    QTest::newRow("truncated") << QByteArray::fromHex("00020a00") << u"truncated"_s;
    QTest::newRow("bad encoding") << QByteArray::fromHex("0009010200") << u"bad-encoding"_s;
    QTest::newRow("text on the line") << QByteArray("WARDEN PERSO 1\r\n") << u"bad-encoding"_s;
    QTest::newRow("short status") << wire(ModemPacketType::Status, 0, QByteArray(10, '\x01'))
                                  << u"modem status of 10 bytes refused (version 1 has 23)"_s;
}

void tst_SerialModem::brokenPacketsCounted()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, reason);
    PtyPair pty(m_dir.path(), u"broken"_s);
    QVERIFY(pty.start());
    ModemPeer modem;
    QVERIFY(modem.open(pty.gatewayPath));
    auto link = makeLink(pty.linkPath);
    QVERIFY(link);
    QSignalSpy received(link.get(), &Link::unitReceived);
    QSignalSpy errors(link.get(), &Link::errorOccurred);
    link->open();
    QTRY_COMPARE(link->state(), LinkState::Connected);

    // A good frame, the broken bytes, a good frame: both good ones arrive, the broken bytes
    // are one malformed input with its name, and the link stays up.
    modem.sendRadioRx(FrameTraffic::frame(1, 0));
    modem.end.send(bytes);
    modem.sendRadioRx(FrameTraffic::frame(2, 0));
    QTRY_COMPARE(received.size(), 2);
    QCOMPARE(received.at(0).at(0).toByteArray(), FrameTraffic::frame(1, 0));
    QCOMPARE(received.at(1).at(0).toByteArray(), FrameTraffic::frame(2, 0));
    QCOMPARE(link->statistics().malformed, quint64(1));
    QCOMPARE(errors.size(), 1);
    QVERIFY2(messages(errors).first().contains(reason), qPrintable(messages(errors).first()));
    QVERIFY2(messages(errors).first().startsWith(u"link modem: "_s),
             qPrintable(messages(errors).first()));
    QCOMPARE(link->state(), LinkState::Connected);
    QCOMPARE(link->statistics().drops, quint64(0));
    // And frames still go out.
    QVERIFY(link->send(FrameTraffic::frame(3)));
    QTRY_COMPARE(modem.frames.size(), 1);
}

void tst_SerialModem::floodWithoutDelimiter()
{
    PtyPair pty(m_dir.path(), u"flood"_s);
    QVERIFY(pty.start());
    ModemPeer modem;
    QVERIFY(modem.open(pty.gatewayPath));
    auto link = makeLink(pty.linkPath);
    QVERIFY(link);
    QSignalSpy errors(link.get(), &Link::errorOccurred);
    QSignalSpy received(link.get(), &Link::unitReceived);
    link->open();
    QTRY_COMPARE(link->state(), LinkState::Connected);

    // 64 KiB without a delimiter: no packet can be that long; the port is closed as a flood.
    modem.end.send(QByteArray(64 * 1024, 'U'));
    QTRY_VERIFY(link->statistics().drops >= 1);
    QVERIFY2(anyContains(
                     messages(errors),
                     u"bytes without a packet delimiter from serial port %1"_s.arg(pty.linkPath)),
             qPrintable(messages(errors).join(u'\n')));
    // After the flood the modem is heard again: the link says hello once more.
    QTRY_VERIFY_WITH_TIMEOUT(modem.end.unsent() == 0, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(link->state(), LinkState::Connected, 10000);
    modem.sendRadioRx(FrameTraffic::frame(5, 0));
    QTRY_VERIFY(!received.isEmpty());
    QCOMPARE(received.last().at(0).toByteArray(), FrameTraffic::frame(5, 0));
}

void tst_SerialModem::requestRepeatedThenModemDropped()
{
    PtyPair pty(m_dir.path(), u"quiet"_s);
    QVERIFY(pty.start());
    ModemPeer modem;
    QVERIFY(modem.open(pty.gatewayPath));
    auto link = makeLink(pty.linkPath);
    QVERIFY(link);
    QSignalSpy errors(link.get(), &Link::errorOccurred);
    link->open();
    QTRY_COMPARE(link->state(), LinkState::Connected);

    // One RadioTx lost on the line: sent again after 500 ms with the same sequence.
    modem.ignoreRadioTx = 1;
    QVERIFY(link->send(FrameTraffic::frame(1)));
    QVERIFY(link->send(FrameTraffic::frame(2)));
    QTRY_COMPARE(modem.frames.size(), 2);
    QCOMPARE(modem.frames.at(0), FrameTraffic::frame(1));
    QCOMPARE(modem.frames.at(1), FrameTraffic::frame(2));
    QCOMPARE(modem.requests.size(), 4); // status, RadioTx lost, again, the second
    QCOMPARE(modem.requests.at(1).sequence, modem.requests.at(2).sequence);
    QCOMPARE(link->modemStatistics().retransmissions, quint64(1));
    QCOMPARE(link->statistics().drops, quint64(0));

    // A modem that stops answering: three attempts, then the port is closed and reopened.
    modem.answer = false;
    modem.requests.clear();
    QVERIFY(link->send(FrameTraffic::frame(3)));
    QTRY_VERIFY_WITH_TIMEOUT(link->statistics().drops == 1, 5000);
    QVERIFY2(
            anyContains(messages(errors), u"did not answer a RadioTx in 3 attempts 500 ms apart"_s),
            qPrintable(messages(errors).join(u'\n')));
    QCOMPARE(std::count_if(modem.requests.cbegin(), modem.requests.cend(),
                           [](const Request &r) { return r.type == ModemPacketType::RadioTx; }),
             3);
    // It answers again: hello, and the link is back.
    modem.answer = true;
    QTRY_COMPARE_WITH_TIMEOUT(link->state(), LinkState::Connected, 5000);
    QVERIFY(link->send(FrameTraffic::frame(4)));
    QTRY_COMPARE(modem.frames.last(), FrameTraffic::frame(4));
}

void tst_SerialModem::modemRestarts()
{
    PtyPair pty(m_dir.path(), u"restart"_s);
    QVERIFY(pty.start());
    ModemPeer modem;
    QVERIFY(modem.open(pty.gatewayPath));
    auto link = makeLink(pty.linkPath, {{u"channel"_s, 42}});
    QVERIFY(link);
    QSignalSpy errors(link.get(), &Link::errorOccurred);
    link->open();
    QTRY_COMPARE(link->state(), LinkState::Connected);
    QCOMPARE(modem.status.channel, uint8_t(42));
    QVERIFY(!(modem.status.flags & kModemStatusBoot));

    // Reset in use (watchdog): its boot status says so; the link clears the boot flag, gives
    // the radio settings again, and frames carry on.
    modem.requests.clear();
    modem.restart();
    QTRY_COMPARE(link->modemStatistics().restarts, quint64(1));
    QVERIFY(link->send(FrameTraffic::frame(1)));
    QTRY_COMPARE(modem.frames.size(), 1);
    QCOMPARE(modem.requests.size(), 3);
    QCOMPARE(modem.requests.at(0).type, ModemPacketType::StatusRequest);
    QCOMPARE(modem.requests.at(1).type, ModemPacketType::Configure);
    QCOMPARE(modem.requests.at(2).type, ModemPacketType::RadioTx);
    QCOMPARE(modem.status.channel, uint8_t(42));
    QVERIFY(!(modem.status.flags & kModemStatusBoot));
    QVERIFY(anyContains(messages(errors), u"restarted (reset cause 0x01)"_s));
    QCOMPARE(link->state(), LinkState::Connected);
    QCOMPARE(link->statistics().drops, quint64(0));
}

void tst_SerialModem::ptyVanishesMidTraffic()
{
    PtyPair pty(m_dir.path(), u"vanish"_s);
    QVERIFY(pty.start());
    ModemPeer modem;
    QVERIFY(modem.open(pty.gatewayPath));
    auto link = makeLink(pty.linkPath);
    QVERIFY(link);
    QSignalSpy received(link.get(), &Link::unitReceived);
    link->open();
    QTRY_COMPARE(link->state(), LinkState::Connected);

    FrameTraffic traffic(link.get());
    constexpr int kFrames = 400;
    QTimer pacer;
    connect(&pacer, &QTimer::timeout, this, [&] {
        for (int i = 0; i < 2 && traffic.queued() < kFrames; ++i)
            QVERIFY(traffic.sendNext());
    });
    pacer.start(1);

    // Pulled mid-traffic: the link notices, waits, and frames queue up.
    QTRY_VERIFY(modem.frames.size() >= 50);
    pty.stop();
    modem.end.close();
    QTRY_COMPARE(link->state(), LinkState::Waiting);
    QTRY_VERIFY(link->pendingCount() >= 50);
    QTRY_VERIFY(link->statistics().drops >= 2); // reopening a missing port fails too

    // Back on the same path: hello again, and the queue drains, once each, in order.
    QVERIFY(pty.start());
    QVERIFY(modem.open(pty.gatewayPath));
    QTRY_COMPARE(link->state(), LinkState::Connected);
    QVERIFY(waitUntil([&] { return traffic.queued() == kFrames && link->pendingCount() == 0; }));
    QTRY_VERIFY(traffic.verify(modem.frames).isEmpty()
                && modem.frames.size() + traffic.lostInFlight() == kFrames);
    QCOMPARE(traffic.verify(modem.frames), QString());
    QVERIFY(traffic.lostInFlight() <= 1); // at most the one RadioTx awaiting its answer
    QCOMPARE(link->statistics().connects, quint64(2));
    qInfo("%d of %d frames lost in flight with the pulled pty", traffic.lostInFlight(), kFrames);

    // And the modem is heard again.
    modem.sendRadioRx(FrameTraffic::frame(1, 0));
    QTRY_VERIFY(!received.isEmpty());
    QCOMPARE(received.last().at(0).toByteArray(), FrameTraffic::frame(1, 0));
}

void tst_SerialModem::engineThroughTheModem()
{
    PtyPair pty(m_dir.path(), u"engine"_s);
    QVERIFY(pty.start());
    ModemPeer modem;
    QVERIFY(modem.open(pty.gatewayPath));
    auto link = makeLink(pty.linkPath);
    QVERIFY(link);
    Engine engine(EngineOptions {});
    QVERIFY(engine.addLink(link.get()));
    QVERIFY(engine.setNetworkKey(1, keyOf(1)));
    QSignalSpy traffic(&engine, &Engine::traffic);
    QSignalSpy controller(&engine, &Engine::controllerMessage);
    link->open();
    QTRY_COMPARE(link->state(), LinkState::Connected);

    // Node 5 on the radio asks for a nonce; the engine's answer goes out through the modem;
    // the node signs its reading with it and sends it; the engine verifies it.
    TestNode node(5, keyOf(1));
    Message wanted = node.temperature(21.5f);
    modem.onFrame = [&](const QByteArray &frame) {
        const Message r = decoded(frame);
        if (r.command() != Command::Internal
            || r.type() != uint8_t(Protocol::Internal::NonceResponse) || r.destination() != 5)
            return;
        uint8_t nonce[kNonceSize];
        nonceFromPayload(r.payload(), nonce);
        Message m = wanted;
        if (node.signer.sign(m, nonce, nullptr) != SignResult::Ok)
            qFatal("signing failed");
        modem.sendRadioRx(bytesOf(m));
    };
    Message request;
    request.setHeader(5, 0, Command::Internal, uint8_t(Protocol::Internal::NonceRequest), 1);
    request.setString("", 0);
    modem.sendRadioRx(bytesOf(request));
    QTRY_COMPARE(controller.size(), 1);
    const Message m = controller.at(0).at(0).value<Message>();
    QCOMPARE(m.sender(), uint8_t(5));
    float value = 0;
    uint8_t decimals = 0;
    QVERIFY(m.getFloat32(value, decimals));
    QCOMPARE(value, 21.5f);
    QCOMPARE(modem.nextHops.first(), uint8_t(5));
    bool verified = false;
    for (const QList<QVariant> &t : traffic) {
        const auto r = t.at(0).value<TrafficRecord>();
        verified = verified || (!r.outgoing && r.verdict == FrameVerdict::Verified);
        QCOMPARE(r.link, u"modem"_s);
    }
    QVERIFY(verified);

    // A new node asks for an id; the answer goes to the broadcast address.
    modem.onFrame = nullptr;
    Message idRequest;
    idRequest.setHeader(255, 0, Command::Internal, uint8_t(Protocol::Internal::IdRequest), 255);
    idRequest.setString("", 0);
    modem.sendRadioRx(bytesOf(idRequest));
    QTRY_VERIFY(modem.frames.size() >= 2);
    const Message idResponse = decoded(modem.frames.last());
    QCOMPARE(idResponse.type(), uint8_t(Protocol::Internal::IdResponse));
    QCOMPARE(idResponse.destination(), uint8_t(255));
    QCOMPARE(modem.nextHops.last(), uint8_t(255));

    // A frame that is not a MySensors message is the engine's Malformed, not the link's.
    modem.sendRadioRx(QByteArray::fromHex("00000000000000ff"));
    QTRY_VERIFY(traffic.last().at(0).value<TrafficRecord>().verdict == FrameVerdict::Malformed);
    QCOMPARE(link->statistics().malformed, quint64(0));
    engine.removeLink(link.get());
}

void tst_SerialModem::throughput()
{
    PtyPair pty(m_dir.path(), u"speed"_s);
    QVERIFY(pty.start());
    ModemPeer modem;
    QVERIFY(modem.open(pty.gatewayPath));
    auto link = makeLink(pty.linkPath);
    QVERIFY(link);
    link->setQueueLimit(100000);
    QSignalSpy received(link.get(), &Link::unitReceived);
    link->open();
    QTRY_COMPARE(link->state(), LinkState::Connected);

    // Host -> modem, each RadioTx answered before the next (txWindow 1): a round trip through
    // socat per frame. The baud rate is not simulated by a pty.
    constexpr int kFrames = 3000;
    FrameTraffic traffic(link.get());
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < kFrames; ++i)
        QVERIFY(traffic.sendNext());
    QVERIFY(waitUntil([&] { return modem.frames.size() == kFrames; }));
    const qint64 txMs = std::max<qint64>(clock.elapsed(), 1);
    QCOMPARE(traffic.verify(modem.frames), QString());

    // Modem -> host: RadioRx as fast as the modem end writes.
    clock.restart();
    for (int i = 0; i < kFrames; ++i)
        modem.sendRadioRx(FrameTraffic::frame(i, 0));
    QVERIFY(waitUntil([&] { return received.size() == kFrames; }));
    const qint64 rxMs = std::max<qint64>(clock.elapsed(), 1);
    QCOMPARE(received.last().at(0).toByteArray(), FrameTraffic::frame(kFrames - 1, 0));
    QCOMPARE(link->modemStatistics().rxMissed, quint64(0));
    qInfo("modem framing over a pty: %lld frames/s host->modem (one RadioTx outstanding), %lld "
          "frames/s modem->host",
          qint64(kFrames) * 1000 / txMs, qint64(kFrames) * 1000 / rxMs);
}

QTEST_GUILESS_MAIN(tst_SerialModem)
#include "tst_serialmodem.moc"
