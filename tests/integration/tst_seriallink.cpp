// The serial transport on a real pseudo-terminal pair made by socat: the link opens one end,
// the test plays a stock serial gateway on the other with POSIX read/write. Lines both ways;
// garbage, oversized lines and floods (errors counted, the port closed and reopened, a second
// link on another pair unaffected); socat killed mid-traffic (the link waits and reconnects by
// itself when the pty comes back: every queued line arrives once, in order); a port that does
// not exist yet. The RS485 framing (spec 9) on the same kind of pair, the test playing the
// nodes on the bus: frames both ways, garbage and broken frames (collisions, frames cut
// short) counted by name while the link keeps running, socat killed mid-traffic, and a busy
// bus waited out. The modem framing is tested in tst_serialmodem. The transport is linked in
// statically and made through LinkRegistry::loadStaticPlugins().
#include "linktraffic.h"
#include "seriallink.h"
#include "serialpty.h"

#include <warden/linkplugin.h>

#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFileInfo>
#include <QtCore/QProcess>
#include <QtCore/QSocketNotifier>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimer>
#include <QtTest/QtTest>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include <memory>

Q_IMPORT_PLUGIN(SerialLinkFactory)

using namespace Warden;
using namespace Warden::Test;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {

/// A stock serial gateway on the other end of the pty: the lines it reads are collected.
class GatewayEnd : public PtyPeer
{
public:
    GatewayEnd()
    {
        onBytes = [this](QByteArrayView bytes) { collector.feed(bytes); };
    }
    bool open(const QString &path)
    {
        collector.cut();
        return PtyPeer::open(path);
    }

    LineCollector collector;
};

QByteArray rs485(uint8_t to, uint8_t from, const QByteArray &data, uint8_t soh = 1)
{
    uint8_t out[Protocol::kRs485MaxFrameSize];
    const size_t n
            = Protocol::rs485Encode(to, from, reinterpret_cast<const uint8_t *>(data.constData()),
                                    size_t(data.size()), out, sizeof out, soh);
    return QByteArray(reinterpret_cast<const char *>(out), qsizetype(n));
}

/// The nodes on an RS485 bus, at the far end of the pty: what the link sends is decoded by a
/// promiscuous receiver (a bus sniffer).
struct BusEnd
{
    BusEnd()
        : sniffer(0, true)
    {
        end.onBytes = [this](QByteArrayView bytes) {
            raw += bytes;
            for (const char c : bytes) {
                if (sniffer.feed(uint8_t(c)) == Protocol::Rs485Receiver::Event::Frame) {
                    const Protocol::Rs485Frame &f = sniffer.frame();
                    frames << QByteArray(reinterpret_cast<const char *>(f.data), f.length);
                    to << f.to;
                    from << f.from;
                }
            }
        };
    }
    bool open(const QString &path)
    {
        sniffer.reset();
        return end.open(path);
    }

    PtyPeer end;
    Protocol::Rs485Receiver sniffer;
    QByteArray raw;
    QByteArrayList frames;
    QList<uint8_t> to;
    QList<uint8_t> from;
};

} // namespace

class tst_SerialLink : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void settings_data();
    void settings();
    void defaults();

    void linesBothWays();
    void backPressure();
    void hostileGateway();
    void floodWithoutLineEnds();
    void ptyVanishesMidTraffic();
    void portAppearsLater();

    void rs485FramesBothWays();
    void rs485BrokenFrames_data();
    void rs485BrokenFrames();
    void rs485PtyVanishesMidTraffic();
    void rs485BusyBus();

private:
    std::unique_ptr<Link> makeLink(const QString &name, const QString &port);
    std::unique_ptr<Link> makeRs485Link(const QString &port, int soh = 1);

    LinkRegistry m_registry;
    QTemporaryDir m_dir;
};

void tst_SerialLink::initTestCase()
{
    QLoggingCategory::setFilterRules(u"warden.core.link.debug=false\n"
                                     u"warden.core.link.warning=false\n"
                                     u"warden.plugin.serial.info=false"_s);
    if (QStandardPaths::findExecutable(u"socat"_s).isEmpty())
        QSKIP("socat is not installed");
    QVERIFY(m_dir.isValid());
    const QList<LinkPluginInfo> statics = m_registry.loadStaticPlugins();
    QCOMPARE(statics.size(), 1);
    QCOMPARE(statics.at(0).state, LinkPluginInfo::State::Loaded);
    QCOMPARE(statics.at(0).fileName, u"static:SerialLinkFactory"_s);
    QCOMPARE(m_registry.types(), QStringList {u"serial"_s});
}

std::unique_ptr<Link> tst_SerialLink::makeLink(const QString &name, const QString &port)
{
    Result<std::unique_ptr<Link>> link
            = m_registry.create({u"serial"_s, name, {{u"port"_s, port}}});
    if (!link) {
        qWarning().noquote() << link.error().message();
        return {};
    }
    (*link)->setReconnectBackoff(20ms, 200ms);
    return std::move(*link);
}

void tst_SerialLink::settings_data()
{
    QTest::addColumn<QVariantMap>("settings");
    QTest::addColumn<QString>("error"); // empty: accepted

    const QString port = u"/dev/ttyUSB0"_s;
    QTest::newRow("port only") << QVariantMap {{u"port"_s, port}} << QString();
    QTest::newRow("all") << QVariantMap {{u"port"_s, port},
                                         {u"baudRate"_s, 38400},
                                         {u"framing"_s, u"lines"_s}}
                         << QString();
    QTest::newRow("JSON baud") << QVariantMap {{u"port"_s, port}, {u"baudRate"_s, 57600.0}}
                               << QString();
    QTest::newRow("no port") << QVariantMap {} << u"\"port\" is required"_s;
    QTest::newRow("empty port") << QVariantMap {{u"port"_s, u" "_s}} << u"\"port\" is empty"_s;
    QTest::newRow("port number") << QVariantMap {{u"port"_s, 0}}
                                 << u"\"port\" must be a string, not int"_s;
    QTest::newRow("unknown key") << QVariantMap {{u"port"_s, port}, {u"parity"_s, u"even"_s}}
                                 << u"unknown serial setting \"parity\" (known: address, baudRate, "
                                    u"channel, dataRate, framing, port, power, sohCount)"_s;
    QTest::newRow("baud string") << QVariantMap {{u"port"_s, port}, {u"baudRate"_s, u"9600"_s}}
                                 << u"\"baudRate\" must be a whole number, not QString"_s;
    QTest::newRow("baud fraction") << QVariantMap {{u"port"_s, port}, {u"baudRate"_s, 9600.5}}
                                   << u"\"baudRate\" must be a whole number, not double"_s;
    QTest::newRow("baud 0") << QVariantMap {{u"port"_s, port}, {u"baudRate"_s, 0}}
                            << u"\"baudRate\" is 0 (allowed: 50 to 4000000)"_s;
    QTest::newRow("baud negative") << QVariantMap {{u"port"_s, port}, {u"baudRate"_s, -9600}}
                                   << u"\"baudRate\" is -9600"_s;
    QTest::newRow("baud huge") << QVariantMap {{u"port"_s, port}, {u"baudRate"_s, 1e12}}
                               << u"\"baudRate\" is"_s;
    QTest::newRow("modem") << QVariantMap {{u"port"_s, port}, {u"framing"_s, u"modem"_s}}
                           << QString();
    QTest::newRow("modem radio") << QVariantMap {{u"port"_s, port},     {u"framing"_s, u"modem"_s},
                                                 {u"address"_s, 0},     {u"channel"_s, 125.0},
                                                 {u"dataRate"_s, 2000}, {u"power"_s, 0}}
                                 << QString();
    QTest::newRow("rs485") << QVariantMap {{u"port"_s, port},
                                           {u"framing"_s, u"rs485"_s},
                                           {u"sohCount"_s, 3}}
                           << QString();
    QTest::newRow("framing other") << QVariantMap {{u"port"_s, port}, {u"framing"_s, u"binary"_s}}
                                   << u"\"framing\" must be \"lines\", \"modem\" or "
                                      u"\"rs485\", not \"binary\""_s;
    QTest::newRow("channel on lines")
            << QVariantMap {{u"port"_s, port}, {u"channel"_s, 76}}
            << u"serial setting \"channel\" applies to framing \"modem\" only, not \"lines\""_s;
    QTest::newRow("sohCount on modem")
            << QVariantMap {{u"port"_s, port}, {u"framing"_s, u"modem"_s}, {u"sohCount"_s, 1}}
            << u"serial setting \"sohCount\" applies to framing \"rs485\" only, not \"modem\""_s;
    QTest::newRow("channel 126") << QVariantMap {{u"port"_s, port},
                                                 {u"framing"_s, u"modem"_s},
                                                 {u"channel"_s, 126}}
                                 << u"serial setting \"channel\" is 126 (allowed: 0 to 125)"_s;
    QTest::newRow("address 255") << QVariantMap {{u"port"_s, port},
                                                 {u"framing"_s, u"modem"_s},
                                                 {u"address"_s, 255}}
                                 << u"serial setting \"address\" is 255 (allowed: 0 to 254)"_s;
    QTest::newRow("power string")
            << QVariantMap {{u"port"_s, port}, {u"framing"_s, u"modem"_s}, {u"power"_s, u"3"_s}}
            << u"serial setting \"power\" must be a whole number, not QString"_s;
    QTest::newRow("dataRate 500")
            << QVariantMap {{u"port"_s, port}, {u"framing"_s, u"modem"_s}, {u"dataRate"_s, 500}}
            << u"serial setting \"dataRate\" is 500 (allowed: 250, 1000 or 2000 kbit/s)"_s;
    QTest::newRow("dataRate text")
            << QVariantMap {{u"port"_s, port}, {u"framing"_s, u"modem"_s}, {u"dataRate"_s, u"1M"_s}}
            << u"serial setting \"dataRate\" must be a whole number of kbit/s"_s;
    QTest::newRow("sohCount 4") << QVariantMap {{u"port"_s, port},
                                                {u"framing"_s, u"rs485"_s},
                                                {u"sohCount"_s, 4}}
                                << u"serial setting \"sohCount\" is 4 (allowed: 1 to 3)"_s;
    QTest::newRow("sohCount 0.5")
            << QVariantMap {{u"port"_s, port}, {u"framing"_s, u"rs485"_s}, {u"sohCount"_s, 0.5}}
            << u"serial setting \"sohCount\" must be a whole number, not double"_s;
    QTest::newRow("framing number") << QVariantMap {{u"port"_s, port}, {u"framing"_s, 1}}
                                    << u"\"framing\" must be a string"_s;
}

void tst_SerialLink::settings()
{
    QFETCH(QVariantMap, settings);
    QFETCH(QString, error);
    Result<std::unique_ptr<Link>> link = m_registry.create({u"serial"_s, u"usb"_s, settings});
    if (error.isEmpty()) {
        QVERIFY2(link, link ? "" : qPrintable(link.error().message()));
        QCOMPARE((*link)->state(), LinkState::Closed);
        const QString framing = settings.value(u"framing"_s, u"lines"_s).toString();
        QCOMPARE((*link)->framing(),
                 framing == u"lines"_s ? LinkFraming::ControllerLines : LinkFraming::RadioFrames);
        auto *serial = qobject_cast<Internal::SerialLink *>(link->get());
        QVERIFY(serial);
        // RS485 buses run at 9600 unless told (spec 9.1); the others at 115200.
        if (!settings.contains(u"baudRate"_s))
            QCOMPARE(serial->settings().baudRate, framing == u"rs485"_s ? 9600 : 115200);
        if (settings.contains(u"channel"_s)) {
            QCOMPARE(serial->settings().radio.channel, uint8_t(125));
            QCOMPARE(serial->settings().radio.dataRate, Protocol::kModemRate2M);
            QCOMPARE(serial->settings().radio.power, uint8_t(0));
        }
        if (settings.contains(u"sohCount"_s))
            QCOMPARE(serial->settings().sohCount, uint8_t(3));
        return;
    }
    QVERIFY(!link);
    QCOMPARE(link.error().code(), ErrorCode::InvalidArgument);
    QVERIFY2(link.error().message().contains(error), qPrintable(link.error().message()));
    QVERIFY2(link.error().message().startsWith(u"link usb: "_s),
             qPrintable(link.error().message()));
}

void tst_SerialLink::defaults()
{
    LinkFactory *factory = m_registry.factory(u"serial"_s);
    QVERIFY(factory);
    const QVariantMap defaults = factory->defaultSettings();
    QCOMPARE(defaults.value(u"baudRate"_s).toInt(), 115200);
    QCOMPARE(defaults.value(u"framing"_s).toString(), u"lines"_s);
    QVERIFY(defaults.contains(u"port"_s));
    // Only the port is missing from the defaults.
    QVariantMap settings = defaults;
    settings.insert(u"port"_s, u"/dev/ttyACM0"_s);
    Result<std::unique_ptr<Link>> link = m_registry.create({u"serial"_s, u"usb"_s, settings});
    QVERIFY(link);
    auto *serial = qobject_cast<Internal::SerialLink *>(link->get());
    QVERIFY(serial);
    QCOMPARE(serial->settings().baudRate, 115200);
    QCOMPARE(serial->settings().port, u"/dev/ttyACM0"_s);
    QVERIFY(!factory->create({u"tcp"_s, u"usb"_s, settings}));
    QVERIFY(!factory->create({u"serial"_s, QString(), settings}));
}

void tst_SerialLink::linesBothWays()
{
    PtyPair pty(m_dir.path(), u"both"_s);
    QVERIFY(pty.start());
    GatewayEnd gateway;
    QVERIFY(gateway.open(pty.gatewayPath));
    std::unique_ptr<Link> link = makeLink(u"usb"_s, pty.linkPath);
    QVERIFY(link);
    QSignalSpy received(link.get(), &Link::unitReceived);
    QSignalSpy errors(link.get(), &Link::errorOccurred);
    link->open();
    QCOMPARE(link->state(), LinkState::Connected);

    // The gateway starts up (spec 2.4), with a debug log line, a split write and CRLF.
    gateway.send("0;255;3;0;14;Gateway startup complete.\n0;255;0;0;18;2.3.2\n"
                 "0;255;3;0;9;1234 TSF:MSG:READ\r\n0;255;3");
    QTRY_COMPARE(received.size(), 3);
    gateway.send(";0;2;2.3.2\n");
    QTRY_COMPARE(received.size(), 4);
    QCOMPARE(received.at(0).at(0).toByteArray(),
             QByteArray("0;255;3;0;14;Gateway startup complete."));
    QCOMPARE(received.at(2).at(0).toByteArray(), QByteArray("0;255;3;0;9;1234 TSF:MSG:READ"));
    QCOMPARE(received.at(3).at(0).toByteArray(), QByteArray("0;255;3;0;2;2.3.2"));

    LinkTraffic traffic(link.get());
    for (int i = 0; i < 200; ++i)
        QVERIFY(traffic.sendNext());
    QTRY_COMPARE(gateway.collector.lines.size(), 200);
    QCOMPARE(traffic.verify(gateway.collector.lines), QString());
    QTRY_COMPARE(link->statistics().bytesOut, quint64(200 * (LinkTraffic::line(0).size() + 1)));
    QCOMPARE(link->statistics().bytesIn, quint64(107));
    QCOMPARE(link->statistics().unitsIn, quint64(4));
    QCOMPARE(link->statistics().malformed, quint64(0));
    QCOMPARE(errors.size(), 0);

    link->close();
    QCOMPARE(link->state(), LinkState::Closed);
}

void tst_SerialLink::backPressure()
{
    PtyPair pty(m_dir.path(), u"slow"_s);
    QVERIFY(pty.start());
    GatewayEnd gateway;
    QVERIFY(gateway.open(pty.gatewayPath));
    gateway.setPaused(true);
    std::unique_ptr<Link> link = makeLink(u"usb"_s, pty.linkPath);
    QVERIFY(link);
    link->setQueueLimit(100000);
    link->open();

    // Far more than the ptys and socat buffer: the port's write buffer fills to its bound and
    // the rest waits in the link's queue, in order.
    LinkTraffic traffic(link.get());
    constexpr int kLines = 20000; // ~480 KB
    for (int i = 0; i < kLines; ++i)
        QVERIFY(traffic.sendNext());
    QTest::qWait(200);
    const qsizetype pendingWhilePaused = link->pendingCount();
    QVERIFY2(pendingWhilePaused > 0, "the link wrote everything into a pty nobody reads");
    QCOMPARE(link->state(), LinkState::Connected);

    QElapsedTimer clock;
    clock.start();
    gateway.setPaused(false);
    QTRY_COMPARE_WITH_TIMEOUT(gateway.collector.lines.size(), kLines, 15000);
    const qint64 ms = std::max<qint64>(clock.elapsed(), 1);
    QCOMPARE(traffic.verify(gateway.collector.lines), QString());
    QCOMPARE(link->pendingCount(), 0);
    qInfo("back-pressure: %lld of %d lines waited in the queue; drained in %lld ms (%lld lines/s "
          "through a pty pair, baud rate not simulated)",
          qint64(pendingWhilePaused), kLines, ms, qint64(kLines) * 1000 / ms);
}

void tst_SerialLink::hostileGateway()
{
    PtyPair hostilePty(m_dir.path(), u"hostile"_s);
    PtyPair healthyPty(m_dir.path(), u"healthy"_s);
    QVERIFY(hostilePty.start());
    QVERIFY(healthyPty.start());
    GatewayEnd hostile;
    GatewayEnd healthy;
    QVERIFY(hostile.open(hostilePty.gatewayPath));
    QVERIFY(healthy.open(healthyPty.gatewayPath));
    std::unique_ptr<Link> link = makeLink(u"hostile"_s, hostilePty.linkPath);
    std::unique_ptr<Link> other = makeLink(u"healthy"_s, healthyPty.linkPath);
    QVERIFY(link && other);
    QSignalSpy received(link.get(), &Link::unitReceived);
    QSignalSpy errors(link.get(), &Link::errorOccurred);
    QSignalSpy otherErrors(other.get(), &Link::errorOccurred);
    QSignalSpy otherReceived(other.get(), &Link::unitReceived);
    link->open();
    other->open();
    QCOMPARE(link->state(), LinkState::Connected);
    QCOMPARE(other->state(), LinkState::Connected);

    // Line noise (wrong baud rate, a chattering adapter) and an oversized line among good
    // lines: each bad line reported and dropped, the good ones pass, the port stays open.
    hostile.send(QByteArray("0;0;3;0;9;one\n") + QByteArray("\x00\xf0\x80\x13\n", 5)
                 + QByteArray(300, '9') + "\n0;0;3;0;9;two\n\x7f\x7f\n0;0;3;0;9;three\n");
    QTRY_COMPARE(received.size(), 3);
    QCOMPARE(received.at(0).at(0).toByteArray(), QByteArray("0;0;3;0;9;one"));
    QCOMPARE(received.at(1).at(0).toByteArray(), QByteArray("0;0;3;0;9;two"));
    QCOMPARE(received.at(2).at(0).toByteArray(), QByteArray("0;0;3;0;9;three"));
    QTRY_COMPARE(link->statistics().malformed, quint64(3));
    QCOMPARE(errors.size(), 3);
    QVERIFY(errors.at(1).at(0).value<Error>().message().contains(u"longer than 119 bytes"_s));
    QCOMPARE(link->statistics().drops, quint64(0));

    // A flood of garbage lines: the port is closed (reported), reopened after the backoff;
    // the gateway keeps saying something valid until it is heard again.
    QByteArray flood;
    for (int i = 0; i < 2000; ++i)
        flood += "\x15noise " + QByteArray::number(i) + '\n';
    hostile.send(flood);
    QTRY_VERIFY(link->statistics().drops >= 1);
    bool reported = false;
    for (const QList<QVariant> &e : errors)
        reported = reported
                   || e.at(0).value<Error>().message().contains(u"more than 20 malformed inputs"_s);
    QVERIFY(reported);
    QTimer alive;
    int beat = 0;
    connect(&alive, &QTimer::timeout, &hostile, [&] {
        if (hostile.unsent() == 0)
            hostile.send("0;0;3;0;9;alive " + QByteArray::number(beat++) + '\n');
    });
    alive.start(20);
    QTRY_VERIFY_WITH_TIMEOUT(received.last().at(0).toByteArray().startsWith("0;0;3;0;9;alive"),
                             10000);
    alive.stop();
    QCOMPARE(link->state(), LinkState::Connected);
    QVERIFY(link->statistics().connects >= 2);

    // The other link never noticed.
    LinkTraffic traffic(other.get());
    for (int i = 0; i < 20; ++i)
        QVERIFY(traffic.sendNext());
    healthy.send("3;1;1;0;0;20.5\n");
    QTRY_COMPARE(healthy.collector.lines.size(), 20);
    QTRY_COMPARE(otherReceived.size(), 1);
    QCOMPARE(traffic.verify(healthy.collector.lines), QString());
    QCOMPARE(otherErrors.size(), 0);
    QCOMPARE(other->statistics().drops, quint64(0));
    QCOMPARE(other->statistics().connects, quint64(1));
}

void tst_SerialLink::floodWithoutLineEnds()
{
    PtyPair pty(m_dir.path(), u"stream"_s);
    QVERIFY(pty.start());
    GatewayEnd gateway;
    QVERIFY(gateway.open(pty.gatewayPath));
    std::unique_ptr<Link> link = makeLink(u"usb"_s, pty.linkPath);
    QVERIFY(link);
    QSignalSpy errors(link.get(), &Link::errorOccurred);
    QSignalSpy received(link.get(), &Link::unitReceived);
    link->open();

    // 256 KiB without a line end: reported once past the line limit, then the port is closed
    // as a flood.
    gateway.send(QByteArray(256 * 1024, 'U'));
    QTRY_VERIFY(link->statistics().drops >= 1);
    // (The rest of the flood still in the pty may bring more of the same after a reopen.)
    QVERIFY(errors.size() >= 2);
    const QString first = errors.at(0).at(0).value<Error>().message();
    const QString second = errors.at(1).at(0).value<Error>().message();
    QVERIFY2(first.contains(u"line longer than 119 bytes dropped"_s), qPrintable(first));
    QVERIFY2(second.contains(u"bytes without a line end from serial port %1"_s.arg(pty.linkPath)),
             qPrintable(second));

    // Once the stream ends, lines are heard again (after the rest of the flood is skipped).
    QTRY_VERIFY_WITH_TIMEOUT(gateway.unsent() == 0, 10000);
    QTimer alive;
    int beat = 0;
    connect(&alive, &QTimer::timeout, &gateway, [&] {
        if (gateway.unsent() == 0)
            gateway.send("\n0;0;3;0;9;alive " + QByteArray::number(beat++) + '\n');
    });
    alive.start(20);
    QTRY_VERIFY_WITH_TIMEOUT(!received.isEmpty(), 10000);
    QVERIFY(received.last().at(0).toByteArray().startsWith("0;0;3;0;9;alive"));
    QCOMPARE(link->state(), LinkState::Connected);
}

void tst_SerialLink::ptyVanishesMidTraffic()
{
    PtyPair pty(m_dir.path(), u"vanish"_s);
    QVERIFY(pty.start());
    GatewayEnd gateway;
    QVERIFY(gateway.open(pty.gatewayPath));
    std::unique_ptr<Link> link = makeLink(u"usb"_s, pty.linkPath);
    QVERIFY(link);
    QSignalSpy errors(link.get(), &Link::errorOccurred);
    QSignalSpy received(link.get(), &Link::unitReceived);
    link->open();
    QCOMPARE(link->state(), LinkState::Connected);

    LinkTraffic traffic(link.get());
    constexpr int kLines = 400;
    QTimer pacer;
    connect(&pacer, &QTimer::timeout, this, [&] {
        for (int i = 0; i < 2 && traffic.queued() < kLines; ++i)
            QVERIFY(traffic.sendNext());
    });
    pacer.start(1);

    // Pulled mid-traffic: the link notices by itself and waits; lines queue up.
    QTRY_VERIFY(gateway.collector.lines.size() >= 50);
    pty.stop();
    gateway.close();
    QTRY_COMPARE(link->state(), LinkState::Waiting);
    const quint64 dropsAtPull = link->statistics().drops;
    QCOMPARE(dropsAtPull, quint64(1));
    QVERIFY(!errors.isEmpty());
    const QString message = errors.first().at(0).value<Error>().message();
    QVERIFY2(message.contains(u"serial port %1"_s.arg(pty.linkPath)), qPrintable(message));
    QTRY_VERIFY(link->pendingCount() >= 50);
    // Reopening a port that is not there fails and backs off.
    QTRY_VERIFY(link->statistics().drops >= dropsAtPull + 2);
    QCOMPARE(link->state(), LinkState::Waiting);

    // Plugged in again on the same path: it reconnects by itself and the queue drains.
    QVERIFY(pty.start());
    QVERIFY(gateway.open(pty.gatewayPath));
    QTRY_COMPARE(link->state(), LinkState::Connected);
    QTRY_COMPARE(traffic.queued(), kLines);
    QTRY_COMPARE(link->pendingCount(), 0);
    QTRY_VERIFY(traffic.verify(gateway.collector.lines).isEmpty()
                && gateway.collector.lines.size() + traffic.lostInFlight() == kLines);
    QCOMPARE(traffic.verify(gateway.collector.lines), QString());
    QCOMPARE(link->statistics().connects, quint64(2));
    qInfo("%d of %d lines lost in flight with the pulled pty, %llu failed reopen attempts",
          traffic.lostInFlight(), kLines, link->statistics().drops - 1);

    // And the gateway is heard again.
    gateway.send("0;255;3;0;14;Gateway startup complete.\n");
    QTRY_VERIFY(!received.isEmpty());
    QCOMPARE(received.last().at(0).toByteArray(),
             QByteArray("0;255;3;0;14;Gateway startup complete."));
}

void tst_SerialLink::portAppearsLater()
{
    PtyPair pty(m_dir.path(), u"later"_s);
    std::unique_ptr<Link> link = makeLink(u"usb"_s, pty.linkPath);
    QVERIFY(link);
    link->setReconnectBackoff(10ms, 80ms);
    QSignalSpy errors(link.get(), &Link::errorOccurred);
    LinkTraffic traffic(link.get());
    QVERIFY(traffic.sendNext());
    link->open();
    QCOMPARE(link->state(), LinkState::Waiting);
    QCOMPARE(errors.size(), 1);
    const QString message = errors.at(0).at(0).value<Error>().message();
    QVERIFY2(message.startsWith(u"link usb: cannot open serial port %1: "_s.arg(pty.linkPath)),
             qPrintable(message));
    QTRY_COMPARE(link->currentBackoff(), 80ms);
    QCOMPARE(link->statistics().connects, quint64(0));

    QVERIFY(pty.start());
    GatewayEnd gateway;
    QVERIFY(gateway.open(pty.gatewayPath));
    QTRY_COMPARE(link->state(), LinkState::Connected);
    QTRY_COMPARE(gateway.collector.lines.size(), 1);
    QCOMPARE(traffic.verify(gateway.collector.lines), QString());
}

std::unique_ptr<Link> tst_SerialLink::makeRs485Link(const QString &port, int soh)
{
    Result<std::unique_ptr<Link>> link = m_registry.create(
            {u"serial"_s,
             u"bus"_s,
             {{u"port"_s, port}, {u"framing"_s, u"rs485"_s}, {u"sohCount"_s, soh}}});
    if (!link) {
        qWarning().noquote() << link.error().message();
        return {};
    }
    (*link)->setReconnectBackoff(20ms, 200ms);
    return std::move(*link);
}

void tst_SerialLink::rs485FramesBothWays()
{
    PtyPair pty(m_dir.path(), u"bus"_s);
    QVERIFY(pty.start());
    BusEnd bus;
    QVERIFY(bus.open(pty.gatewayPath));
    std::unique_ptr<Link> link = makeRs485Link(pty.linkPath, 2);
    QVERIFY(link);
    QCOMPARE(link->framing(), LinkFraming::RadioFrames);
    QSignalSpy received(link.get(), &Link::unitReceived);
    QSignalSpy errors(link.get(), &Link::errorOccurred);
    link->open();
    QCOMPARE(link->state(), LinkState::Connected);

    // Host -> bus: To is the frame's destination, From the gateway (0), with the SOH count
    // asked for.
    FrameTraffic traffic(link.get());
    for (int i = 0; i < 100; ++i)
        QVERIFY(traffic.sendNext());
    QVERIFY(link->send(FrameTraffic::frame(100, 255)));
    QTRY_COMPARE(bus.frames.size(), 101);
    QCOMPARE(bus.frames.takeLast(), FrameTraffic::frame(100, 255));
    QCOMPARE(bus.to.takeLast(), uint8_t(255));
    QCOMPARE(traffic.verify(bus.frames), QString());
    QCOMPARE(bus.to, QList<uint8_t>(100, 12));
    QCOMPARE(bus.from, QList<uint8_t>(101, 0));
    QVERIFY(bus.raw.startsWith(QByteArray::fromHex("01010c0058")));

    // Bus -> host: the example of spec 9.2, a broadcast, frames between other nodes (not for
    // the gateway), the gateway's own broadcast echoed by the adapter, and line noise.
    bus.end.send(QByteArray::fromHex("0100035808020303000a2902010103a004"));
    bus.end.send(QByteArray("\x55\xaa\x01\x01garbage", 11));
    bus.end.send(rs485(255, 7, FrameTraffic::frame(1, 255)));
    bus.end.send(rs485(9, 7, FrameTraffic::frame(2, 9)));
    bus.end.send(rs485(255, 0, FrameTraffic::frame(3, 255)));
    bus.end.send(rs485(0, 4, FrameTraffic::frame(4, 0), 3));
    QTRY_COMPARE(received.size(), 3);
    QCOMPARE(received.at(0).at(0).toByteArray(), QByteArray::fromHex("0303000a29020101"));
    QCOMPARE(received.at(1).at(0).toByteArray(), FrameTraffic::frame(1, 255));
    QCOMPARE(received.at(2).at(0).toByteArray(), FrameTraffic::frame(4, 0));
    QCOMPARE(link->statistics().malformed, quint64(0));
    QCOMPARE(link->statistics().unitsIn, quint64(3));
    QCOMPARE(errors.size(), 0);
}

void tst_SerialLink::rs485BrokenFrames_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("reason");
    QByteArray badChecksum = rs485(0, 5, FrameTraffic::frame(7, 0));
    badChecksum[badChecksum.size() - 2] = char(badChecksum[badChecksum.size() - 2] ^ 0x01);
    QTest::newRow("bad checksum") << badChecksum << u"bad-checksum"_s;
    // Two nodes talking at once: a frame cut short by the next one's start.
    QTest::newRow("collision") << rs485(0, 5, FrameTraffic::frame(7, 0)).left(12) << u"bad-etx"_s;
    QTest::newRow("length 40") << QByteArray::fromHex("01000558280200") << u"data-too-long"_s;
    QTest::newRow("other command")
            << QByteArray::fromHex("0100055908020303000a290201010300") << u"bad-command"_s;
    QTest::newRow("too short for MySensors")
            << rs485(0, 5, QByteArray::fromHex("0102"))
            << u"rs485 frame from node 5 with 2 data bytes (a MySensors frame has 7 to 32)"_s;
}

void tst_SerialLink::rs485BrokenFrames()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, reason);
    PtyPair pty(m_dir.path(), u"broken"_s);
    QVERIFY(pty.start());
    BusEnd bus;
    QVERIFY(bus.open(pty.gatewayPath));
    std::unique_ptr<Link> link = makeRs485Link(pty.linkPath);
    QVERIFY(link);
    QSignalSpy received(link.get(), &Link::unitReceived);
    QSignalSpy errors(link.get(), &Link::errorOccurred);
    link->open();

    // Good, broken, good: both good frames arrive, the broken one is reported by name once.
    bus.end.send(rs485(0, 5, FrameTraffic::frame(1, 0)) + bytes
                 + rs485(0, 5, FrameTraffic::frame(2, 0)));
    QTRY_COMPARE(received.size(), 2);
    QCOMPARE(received.at(0).at(0).toByteArray(), FrameTraffic::frame(1, 0));
    QCOMPARE(received.at(1).at(0).toByteArray(), FrameTraffic::frame(2, 0));
    QTRY_COMPARE(link->statistics().malformed, quint64(1));
    QCOMPARE(errors.size(), 1);
    const QString message = errors.at(0).at(0).value<Error>().message();
    QVERIFY2(message.contains(reason), qPrintable(message));
    QVERIFY2(message.startsWith(u"link bus: "_s), qPrintable(message));
    QCOMPARE(link->state(), LinkState::Connected);
    QCOMPARE(link->statistics().drops, quint64(0));
    QVERIFY(link->send(FrameTraffic::frame(3)));
    QTRY_COMPARE(bus.frames.size(), 1);
}

void tst_SerialLink::rs485PtyVanishesMidTraffic()
{
    PtyPair pty(m_dir.path(), u"busvanish"_s);
    QVERIFY(pty.start());
    BusEnd bus;
    QVERIFY(bus.open(pty.gatewayPath));
    std::unique_ptr<Link> link = makeRs485Link(pty.linkPath);
    QVERIFY(link);
    QSignalSpy received(link.get(), &Link::unitReceived);
    link->open();

    FrameTraffic traffic(link.get());
    constexpr int kFrames = 400;
    QTimer pacer;
    connect(&pacer, &QTimer::timeout, this, [&] {
        for (int i = 0; i < 2 && traffic.queued() < kFrames; ++i)
            QVERIFY(traffic.sendNext());
    });
    pacer.start(1);

    QTRY_VERIFY(bus.frames.size() >= 50);
    pty.stop();
    bus.end.close();
    QTRY_COMPARE(link->state(), LinkState::Waiting);
    QTRY_VERIFY(link->pendingCount() >= 50);

    QVERIFY(pty.start());
    QVERIFY(bus.open(pty.gatewayPath));
    QTRY_COMPARE(link->state(), LinkState::Connected);
    QVERIFY(waitUntil([&] { return traffic.queued() == kFrames && link->pendingCount() == 0; }));
    QTRY_VERIFY(traffic.verify(bus.frames).isEmpty()
                && bus.frames.size() + traffic.lostInFlight() == kFrames);
    QCOMPARE(traffic.verify(bus.frames), QString());
    QCOMPARE(link->statistics().connects, quint64(2));
    qInfo("rs485: %d of %d frames lost in flight with the pulled pty", traffic.lostInFlight(),
          kFrames);

    bus.end.send(rs485(0, 3, FrameTraffic::frame(9, 0)));
    QTRY_VERIFY(!received.isEmpty());
    QCOMPARE(received.last().at(0).toByteArray(), FrameTraffic::frame(9, 0));
}

void tst_SerialLink::rs485BusyBus()
{
    PtyPair pty(m_dir.path(), u"busy"_s);
    QVERIFY(pty.start());
    BusEnd bus;
    QVERIFY(bus.open(pty.gatewayPath));
    std::unique_ptr<Link> link = makeRs485Link(pty.linkPath);
    QVERIFY(link);
    auto *serial = qobject_cast<Internal::SerialLink *>(link.get());
    QVERIFY(serial);
    QSignalSpy received(link.get(), &Link::unitReceived);
    link->open();

    // A node talks (150 frames back to back); the host has a frame to send the moment it has
    // heard the first one: it waits for a quiet bus, and sends once the talk stops.
    QByteArray talk;
    for (int i = 0; i < 150; ++i)
        talk += rs485(0, 6, FrameTraffic::frame(i, 0));
    connect(link.get(), &Link::unitReceived, this, [&] {
        if (received.size() == 1) // the spy's slot ran first
            QVERIFY(link->send(FrameTraffic::frame(1)));
    });
    bus.end.send(talk);
    QVERIFY(waitUntil([&] { return bus.frames.size() == 1 && received.size() == 150; }));
    QVERIFY2(serial->rs485Statistics().busyWaits > 0, "the link sent into a busy bus");
    QCOMPARE(bus.frames.first(), FrameTraffic::frame(1));
    QCOMPARE(serial->rs485Statistics().framesIn, quint64(150));
    QCOMPARE(link->statistics().malformed, quint64(0));
    qInfo("rs485: %llu carrier-sense rounds waited", serial->rs485Statistics().busyWaits);
}

QTEST_GUILESS_MAIN(tst_SerialLink)
#include "tst_seriallink.moc"
