// The TCP transport against a gateway played by a QTcpServer on the loopback interface that
// speaks the controller protocol (start-up lines on every connect, spec 2.4; one client, spec
// 2.8): lines both ways, the gateway closing, resetting or going away mid-traffic (nothing
// lost, nothing twice), connection refused and connect timeouts (waiting with backoff),
// back-pressure from a gateway that stops reading, and hostile gateways (garbage, oversized
// lines, floods) while another link carries on. The transport is linked in statically and
// made through LinkRegistry::loadStaticPlugins().
#include "linktraffic.h"
#include "tcplink.h"

#include <warden/linkplugin.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QPointer>
#include <QtCore/QScopeGuard>
#include <QtCore/QTimer>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QtTest>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>

Q_IMPORT_PLUGIN(TcpLinkFactory)

using namespace Warden;
using namespace Warden::Test;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {

const QByteArray kStartup = "0;255;3;0;14;Gateway startup complete.\n0;255;0;0;18;2.3.2\n";

/// A stock Ethernet gateway in TCP server mode: one client at a time (a second one is closed
/// at once), the start-up lines on each connect, every received line collected.
class FakeGateway : public QObject
{
public:
    FakeGateway()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                ++accepted;
                if (m_client) {
                    socket->abort();
                    socket->deleteLater();
                    continue;
                }
                m_client = socket;
                collector.cut();
                if (readLimit >= 0)
                    socket->setReadBufferSize(readLimit);
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] {
                    if (paused)
                        return;
                    const qsizetype before = collector.lines.size();
                    collector.feed(socket->readAll());
                    // I_VERSION to the gateway itself is answered (spec 2.5).
                    for (qsizetype i = before; i < collector.lines.size(); ++i) {
                        if (collector.lines.at(i) == "0;255;3;0;2;")
                            socket->write("0;255;3;0;2;2.3.2\n");
                    }
                });
                connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
                    if (m_client == socket)
                        m_client = nullptr;
                    socket->deleteLater();
                });
                if (greet)
                    socket->write(kStartup);
            }
        });
    }

    ~FakeGateway() override
    {
        // The sockets die with the server, after this object's members: nothing may call back.
        const QList<QTcpSocket *> sockets = m_server.findChildren<QTcpSocket *>();
        for (QTcpSocket *socket : sockets) {
            socket->disconnect(this);
            socket->abort();
        }
    }

    bool listen(quint16 port = 0)
    {
        if (!m_server.listen(QHostAddress::LocalHost, port ? port : m_port))
            return false;
        m_port = m_server.serverPort();
        return true;
    }
    void stopListening() { m_server.close(); }
    quint16 port() const { return m_port; }
    bool hasClient() const { return m_client && m_client->state() == QTcpSocket::ConnectedState; }

    /// Ends the connection: an orderly close (FIN) or a reset (RST).
    void dropClient(bool reset)
    {
        if (!m_client)
            return;
        QTcpSocket *socket = m_client;
        m_client = nullptr;
        collector.feed(socket->readAll());
        if (reset)
            socket->abort();
        else
            socket->disconnectFromHost();
        socket->deleteLater();
    }
    void send(const QByteArray &bytes)
    {
        if (m_client)
            m_client->write(bytes);
    }
    void resume()
    {
        paused = false;
        if (m_client)
            collector.feed(m_client->readAll());
    }

    LineCollector collector;
    int accepted = 0;
    bool greet = true;
    bool paused = false;
    qint64 readLimit = -1;

private:
    QTcpServer m_server;
    QPointer<QTcpSocket> m_client;
    quint16 m_port = 0;
};

QVariantMap tcpSettings(quint16 port)
{
    return {{u"host"_s, u"127.0.0.1"_s}, {u"port"_s, int(port)}, {u"connectTimeoutMs"_s, 2000}};
}

} // namespace

class tst_TcpLink : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void settings_data();
    void settings();
    void defaults();

    void linesBothWays();
    void dropMidTraffic_data();
    void dropMidTraffic();
    void refusedThenWaitingWithBackoff();
    void connectTimeout();
    void oneClientGatewayBusy();
    void backPressure();
    void hostileGateway();
    void floodWithoutLineEnds();

private:
    std::unique_ptr<Link> makeLink(const QString &name, const QVariantMap &settings);

    LinkRegistry m_registry;
};

void tst_TcpLink::initTestCase()
{
    QLoggingCategory::setFilterRules(u"warden.core.link.debug=false\n"
                                     u"warden.core.link.warning=false\n"
                                     u"warden.plugin.tcp.info=false"_s);
    const QList<LinkPluginInfo> statics = m_registry.loadStaticPlugins();
    QCOMPARE(statics.size(), 1);
    QCOMPARE(statics.at(0).state, LinkPluginInfo::State::Loaded);
    QCOMPARE(statics.at(0).fileName, u"static:TcpLinkFactory"_s);
    QCOMPARE(m_registry.types(), QStringList {u"tcp"_s});
}

std::unique_ptr<Link> tst_TcpLink::makeLink(const QString &name, const QVariantMap &settings)
{
    Result<std::unique_ptr<Link>> link = m_registry.create({u"tcp"_s, name, settings});
    if (!link) {
        qWarning().noquote() << link.error().message();
        return {};
    }
    (*link)->setReconnectBackoff(20ms, 200ms);
    return std::move(*link);
}

void tst_TcpLink::settings_data()
{
    QTest::addColumn<QVariantMap>("settings");
    QTest::addColumn<QString>("error"); // empty: accepted

    QTest::newRow("empty") << QVariantMap {} << QString();
    QTest::newRow("all") << QVariantMap {{u"host"_s, u"gw.local"_s},
                                         {u"port"_s, 5003},
                                         {u"connectTimeoutMs"_s, 1000}}
                         << QString();
    QTest::newRow("JSON numbers") << QVariantMap {{u"port"_s, 5003.0}} << QString();
    QTest::newRow("IPv6") << QVariantMap {{u"host"_s, u"::1"_s}} << QString();
    QTest::newRow("unknown key") << QVariantMap {{u"baudRate"_s, 115200}}
                                 << u"unknown tcp setting \"baudRate\""_s;
    QTest::newRow("port as string") << QVariantMap {{u"port"_s, u"5003"_s}}
                                    << u"\"port\" must be a whole number, not QString"_s;
    QTest::newRow("port fraction")
            << QVariantMap {{u"port"_s, 5003.5}} << u"\"port\" must be a whole number"_s;
    QTest::newRow("port 0") << QVariantMap {{u"port"_s, 0}} << u"\"port\" is 0"_s;
    QTest::newRow("port 65536") << QVariantMap {{u"port"_s, 65536}} << u"\"port\" is 65536"_s;
    QTest::newRow("port huge") << QVariantMap {{u"port"_s, 1e300}} << u"\"port\" is"_s;
    QTest::newRow("host number") << QVariantMap {{u"host"_s, 127}}
                                 << u"\"host\" must be a string"_s;
    QTest::newRow("host empty") << QVariantMap {{u"host"_s, QString()}} << u"\"host\" is empty"_s;
    QTest::newRow("host blank") << QVariantMap {{u"host"_s, u"gw local"_s}}
                                << u"\"host\" \"gw local\" has a blank"_s;
    QTest::newRow("timeout small") << QVariantMap {{u"connectTimeoutMs"_s, 5}}
                                   << u"\"connectTimeoutMs\" is 5 (allowed: 10 to 600000)"_s;
    QTest::newRow("timeout bool") << QVariantMap {{u"connectTimeoutMs"_s, true}}
                                  << u"\"connectTimeoutMs\" must be a whole number, not bool"_s;
}

void tst_TcpLink::settings()
{
    QFETCH(QVariantMap, settings);
    QFETCH(QString, error);
    Result<std::unique_ptr<Link>> link = m_registry.create({u"tcp"_s, u"gw"_s, settings});
    if (error.isEmpty()) {
        QVERIFY2(link, link ? "" : qPrintable(link.error().message()));
        QCOMPARE((*link)->state(), LinkState::Closed);
        QCOMPARE((*link)->framing(), LinkFraming::ControllerLines);
        return;
    }
    QVERIFY(!link);
    QCOMPARE(link.error().code(), ErrorCode::InvalidArgument);
    QVERIFY2(link.error().message().contains(error), qPrintable(link.error().message()));
    QVERIFY2(link.error().message().startsWith(u"link gw: "_s), qPrintable(link.error().message()));
}

void tst_TcpLink::defaults()
{
    LinkFactory *factory = m_registry.factory(u"tcp"_s);
    QVERIFY(factory);
    const QVariantMap defaults = factory->defaultSettings();
    QCOMPARE(defaults.value(u"host"_s).toString(), u"127.0.0.1"_s);
    QCOMPARE(defaults.value(u"port"_s).toInt(), 5003);
    QCOMPARE(defaults.value(u"connectTimeoutMs"_s).toInt(), 5000);
    // The defaults are valid settings themselves.
    QVERIFY(m_registry.create({u"tcp"_s, u"gw"_s, defaults}));
    Result<std::unique_ptr<Link>> wrong = factory->create({u"serial"_s, u"gw"_s, {}});
    QVERIFY(!wrong);
    QVERIFY(wrong.error().message().contains(u"type \"serial\""_s));
    Result<std::unique_ptr<Link>> nameless = factory->create({u"tcp"_s, QString(), {}});
    QVERIFY(!nameless);
    QVERIFY(nameless.error().message().contains(u"needs a name"_s));
}

void tst_TcpLink::linesBothWays()
{
    FakeGateway gateway;
    QVERIFY(gateway.listen());
    std::unique_ptr<Link> link = makeLink(u"gw"_s, tcpSettings(gateway.port()));
    QVERIFY(link);
    QSignalSpy received(link.get(), &Link::unitReceived);
    QSignalSpy errors(link.get(), &Link::errorOccurred);
    link->open();
    QTRY_COMPARE(link->state(), LinkState::Connected);
    QTRY_COMPARE(received.size(), 2);
    QCOMPARE(received.at(0).at(0).toByteArray(),
             QByteArray("0;255;3;0;14;Gateway startup complete."));
    QCOMPARE(received.at(1).at(0).toByteArray(), QByteArray("0;255;0;0;18;2.3.2"));

    LinkTraffic traffic(link.get());
    for (int i = 0; i < 50; ++i)
        QVERIFY(traffic.sendNext());
    QTRY_COMPARE(gateway.collector.lines.size(), 50);
    QCOMPARE(traffic.verify(gateway.collector.lines), QString());

    // Gateway to controller, with CRLF, lone CR and a line split over two writes.
    gateway.send("5;1;1;0;0;21.5\r\n5;1;1;0;1;40\r");
    gateway.send("5;2;1;0;16;");
    QTest::qWait(20);
    gateway.send("1\n");
    QTRY_COMPARE(received.size(), 5);
    QCOMPARE(received.at(2).at(0).toByteArray(), QByteArray("5;1;1;0;0;21.5"));
    QCOMPARE(received.at(3).at(0).toByteArray(), QByteArray("5;1;1;0;1;40"));
    QCOMPARE(received.at(4).at(0).toByteArray(), QByteArray("5;2;1;0;16;1"));

    const LinkStatistics s = link->statistics();
    QCOMPARE(s.unitsOut, quint64(50));
    QCOMPARE(s.unitsIn, quint64(5));
    QCOMPARE(s.bytesOut, quint64(50 * (LinkTraffic::line(0).size() + 1)));
    QCOMPARE(s.bytesIn, quint64(kStartup.size() + 42));
    QCOMPARE(s.malformed, quint64(0));
    QCOMPARE(s.drops, quint64(0));
    QCOMPARE(errors.size(), 0);

    // A request and its answer.
    QVERIFY(link->send("0;255;3;0;2;"));
    QTRY_COMPARE(received.size(), 6);
    QCOMPARE(received.at(5).at(0).toByteArray(), QByteArray("0;255;3;0;2;2.3.2"));

    link->close();
    QCOMPARE(link->state(), LinkState::Closed);
    QTRY_VERIFY(!gateway.hasClient());
}

void tst_TcpLink::dropMidTraffic_data()
{
    QTest::addColumn<QString>("how");
    QTest::newRow("gateway closes") << u"close"_s;
    QTest::newRow("connection reset") << u"reset"_s;
    QTest::newRow("gateway away, then back") << u"away"_s;
}

void tst_TcpLink::dropMidTraffic()
{
    QFETCH(QString, how);
    FakeGateway gateway;
    QVERIFY(gateway.listen());
    std::unique_ptr<Link> link = makeLink(u"gw"_s, tcpSettings(gateway.port()));
    QVERIFY(link);
    QSignalSpy errors(link.get(), &Link::errorOccurred);
    QSignalSpy received(link.get(), &Link::unitReceived);
    link->open();
    QTRY_COMPARE(link->state(), LinkState::Connected);

    LinkTraffic traffic(link.get());
    constexpr int kLines = 400;
    QTimer pacer;
    pacer.setInterval(1);
    connect(&pacer, &QTimer::timeout, this, [&] {
        for (int i = 0; i < 3 && traffic.queued() < kLines; ++i)
            QVERIFY(traffic.sendNext());
    });
    pacer.start();

    QTRY_VERIFY(gateway.collector.lines.size() >= 60);
    if (how == u"away"_s) {
        // Nobody listens for a while: the reconnects are refused, lines queue up.
        gateway.stopListening();
        gateway.dropClient(true);
        QTRY_VERIFY(link->statistics().drops >= 3);
        QVERIFY(link->pendingCount() > 0);
        QVERIFY(gateway.listen());
    } else {
        gateway.dropClient(how == u"reset"_s);
    }
    QTRY_VERIFY(link->statistics().drops >= 1);
    QTRY_COMPARE(traffic.queued(), kLines);
    QTRY_COMPARE(link->state(), LinkState::Connected);
    QTRY_COMPARE(link->pendingCount(), 0);
    // Lines in flight when the connection dropped may be lost (only those); wait until every
    // other line has arrived.
    QTRY_VERIFY(traffic.verify(gateway.collector.lines).isEmpty()
                && gateway.collector.lines.size() + traffic.lostInFlight() == kLines);
    QCOMPARE(traffic.verify(gateway.collector.lines), QString());
    QCOMPARE(traffic.sent(), kLines);
    QVERIFY(link->statistics().connects >= 2);
    qInfo("%s: %d of %d lines lost in flight with the dropped connection, %llu drops",
          qPrintable(how), traffic.lostInFlight(), kLines, link->statistics().drops);

    // Each connect brought the gateway's start-up lines; the drop was reported by name.
    QTRY_COMPARE(received.size(), 2 * int(link->statistics().connects));
    QVERIFY(!errors.isEmpty());
    const QString message = errors.first().at(0).value<Error>().message();
    QVERIFY2(message.startsWith(u"link gw: "_s), qPrintable(message));
    QVERIFY2(message.contains(u"127.0.0.1:%1"_s.arg(gateway.port())), qPrintable(message));
}

void tst_TcpLink::refusedThenWaitingWithBackoff()
{
    // A port nobody listens on (taken from a server that is closed again).
    FakeGateway gateway;
    QVERIFY(gateway.listen());
    const quint16 port = gateway.port();
    gateway.stopListening();

    std::unique_ptr<Link> link = makeLink(u"gw"_s, tcpSettings(port));
    QVERIFY(link);
    link->setReconnectBackoff(10ms, 80ms);
    QSignalSpy errors(link.get(), &Link::errorOccurred);
    LinkTraffic traffic(link.get());
    link->open();
    QTRY_COMPARE(link->state(), LinkState::Waiting);
    QTRY_COMPARE(link->currentBackoff(), 80ms); // 10, 20, 40, 80: it doubled up to the limit
    QVERIFY(link->statistics().drops >= 4);
    QCOMPARE(link->statistics().connects, quint64(0));
    const QString message = errors.first().at(0).value<Error>().message();
    QVERIFY2(message.contains(u"cannot connect to the gateway at 127.0.0.1:%1"_s.arg(port)),
             qPrintable(message));
    QVERIFY2(message.contains(u"refused"_s, Qt::CaseInsensitive), qPrintable(message));

    for (int i = 0; i < 10; ++i)
        QVERIFY(traffic.sendNext());
    QVERIFY(gateway.listen(port));
    QTRY_COMPARE(link->state(), LinkState::Connected);
    QCOMPARE(link->currentBackoff(), 10ms);
    QTRY_COMPARE(gateway.collector.lines.size(), 10);
    QCOMPARE(traffic.verify(gateway.collector.lines), QString());
    QCOMPARE(traffic.lostInFlight(), 0);
}

void tst_TcpLink::connectTimeout()
{
    // A listening socket whose accept queue is full: further connection attempts get no answer
    // (Linux drops their SYNs), so connecting hangs until the link's own timeout.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    QVERIFY(fd >= 0);
    auto closeFd = qScopeGuard([fd] { ::close(fd); });
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QVERIFY(::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    QVERIFY(::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) == 0);
    QVERIFY(::listen(fd, 0) == 0);
    const quint16 port = ntohs(address.sin_port);
    std::vector<std::unique_ptr<QTcpSocket>> fillers;
    for (int i = 0; i < 4; ++i) {
        fillers.push_back(std::make_unique<QTcpSocket>());
        fillers.back()->connectToHost(QHostAddress::LocalHost, port);
    }
    QTest::qWait(200);
    int pending = 0;
    for (const auto &s : fillers)
        pending += s->state() == QAbstractSocket::ConnectingState ? 1 : 0;
    if (pending == 0)
        QSKIP("this kernel completes every connection to a full accept queue");

    QVariantMap settings = tcpSettings(port);
    settings.insert(u"connectTimeoutMs"_s, 150);
    std::unique_ptr<Link> link = makeLink(u"gw"_s, settings);
    QVERIFY(link);
    link->setReconnectBackoff(5000ms, 5000ms);
    QSignalSpy errors(link.get(), &Link::errorOccurred);
    QElapsedTimer clock;
    clock.start();
    link->open();
    QCOMPARE(link->state(), LinkState::Connecting);
    QTRY_COMPARE(link->state(), LinkState::Waiting);
    QVERIFY(clock.elapsed() >= 140); // not before the timeout
    QCOMPARE(errors.size(), 1);
    const QString message = errors.at(0).at(0).value<Error>().message();
    QVERIFY2(message.contains(
                     u"no connection to the gateway at 127.0.0.1:%1 within 150 ms"_s.arg(port)),
             qPrintable(message));
    qInfo("connect timeout reported after %lld ms (set: 150 ms)", clock.elapsed());
}

void tst_TcpLink::oneClientGatewayBusy()
{
    // Another controller holds the gateway's only connection; the gateway closes ours at once.
    FakeGateway gateway;
    QVERIFY(gateway.listen());
    QTcpSocket other;
    other.connectToHost(QHostAddress::LocalHost, gateway.port());
    QTRY_VERIFY(gateway.hasClient());

    std::unique_ptr<Link> link = makeLink(u"gw"_s, tcpSettings(gateway.port()));
    QVERIFY(link);
    link->setReconnectBackoff(10ms, 160ms);
    LinkTraffic traffic(link.get());
    QVERIFY(traffic.sendNext());
    link->open();
    // Accepted and closed at once, again and again: the backoff still grows.
    QTRY_VERIFY(link->statistics().drops >= 4);
    QTRY_COMPARE(link->currentBackoff(), 160ms);
    QCOMPARE(link->pendingCount(), 1);

    // The other controller leaves: ours gets through, and the queued line with it.
    other.disconnectFromHost();
    QTRY_COMPARE(link->state(), LinkState::Connected);
    QTRY_COMPARE(gateway.collector.lines.size(), 1);
    QCOMPARE(traffic.verify(gateway.collector.lines), QString());
}

void tst_TcpLink::backPressure()
{
    FakeGateway gateway;
    gateway.paused = true;
    gateway.readLimit = 1024;
    QVERIFY(gateway.listen());
    std::unique_ptr<Link> link = makeLink(u"gw"_s, tcpSettings(gateway.port()));
    QVERIFY(link);
    link->setQueueLimit(1000000);
    link->open();
    QTRY_COMPARE(link->state(), LinkState::Connected);

    // The gateway reads nothing: the kernel buffers fill, then the link's write buffer, then
    // lines wait in the queue; none is dropped, none goes out twice.
    LinkTraffic traffic(link.get());
    constexpr int kLines = 200000; // ~4.6 MB, more than loopback buffers hold
    for (int i = 0; i < kLines; ++i)
        QVERIFY(traffic.sendNext());
    QTRY_VERIFY(link->pendingCount() > 0 && traffic.sent() > 0);
    QTest::qWait(100);
    const qsizetype pendingWhilePaused = link->pendingCount();
    QVERIFY2(pendingWhilePaused > 0, "the link wrote everything into an unread socket");

    QElapsedTimer clock;
    clock.start();
    gateway.resume();
    QTRY_COMPARE_WITH_TIMEOUT(gateway.collector.lines.size(), kLines, 15000);
    const qint64 ms = std::max<qint64>(clock.elapsed(), 1);
    QCOMPARE(traffic.verify(gateway.collector.lines), QString());
    QCOMPARE(link->pendingCount(), 0);
    qInfo("back-pressure: %lld of %d lines waited in the queue; %d lines drained in %lld ms "
          "(%lld lines/s over loopback)",
          qint64(pendingWhilePaused), kLines, kLines, ms, qint64(kLines) * 1000 / ms);
}

void tst_TcpLink::hostileGateway()
{
    FakeGateway hostile;
    FakeGateway healthy;
    QVERIFY(hostile.listen());
    QVERIFY(healthy.listen());
    std::unique_ptr<Link> link = makeLink(u"hostile"_s, tcpSettings(hostile.port()));
    std::unique_ptr<Link> other = makeLink(u"healthy"_s, tcpSettings(healthy.port()));
    QVERIFY(link && other);
    QSignalSpy received(link.get(), &Link::unitReceived);
    QSignalSpy errors(link.get(), &Link::errorOccurred);
    QSignalSpy otherErrors(other.get(), &Link::errorOccurred);
    QSignalSpy otherReceived(other.get(), &Link::unitReceived);
    link->open();
    other->open();
    QTRY_COMPARE(link->state(), LinkState::Connected);
    QTRY_COMPARE(other->state(), LinkState::Connected);
    QTRY_COMPARE(received.size(), 2);

    // A few bad lines among good ones: each reported, the good ones pass, the link stays up.
    hostile.send(QByteArray("0;0;3;0;9;one\n") + QByteArray("\x00\x01\x02\xff\n", 5)
                 + QByteArray(500, 'A') + "\n0;0;3;0;9;two\n\x1b[31mred\x1b[0m\n0;0;3;0;9;three\n");
    QTRY_COMPARE(received.size(), 5);
    QCOMPARE(received.at(2).at(0).toByteArray(), QByteArray("0;0;3;0;9;one"));
    QCOMPARE(received.at(4).at(0).toByteArray(), QByteArray("0;0;3;0;9;three"));
    QTRY_COMPARE(link->statistics().malformed, quint64(3));
    QCOMPARE(errors.size(), 3);
    QVERIFY(errors.at(0).at(0).value<Error>().message().contains(u"control byte 0x00"_s));
    QVERIFY(errors.at(1).at(0).value<Error>().message().contains(u"longer than 119 bytes"_s));
    QCOMPARE(link->state(), LinkState::Connected);
    QCOMPARE(link->statistics().drops, quint64(0));

    // A flood of garbage lines: the connection is closed, reported, and opened again later.
    QByteArray flood;
    for (int i = 0; i < 5000; ++i)
        flood += "\x07garbage " + QByteArray::number(i) + '\n';
    hostile.send(flood);
    QTRY_VERIFY(link->statistics().drops >= 1);
    // The three bad lines before count in the same second.
    QVERIFY(link->statistics().malformed >= quint64(Internal::TcpLink::kMalformedPerSecond + 1));
    // The flood did not get through whole: the link stopped listening to it.
    QVERIFY(link->statistics().malformed < quint64(3 + 5000));
    bool reported = false;
    for (const QList<QVariant> &e : errors)
        reported = reported || e.at(0).value<Error>().message().contains(u"malformed inputs"_s);
    QVERIFY(reported);
    QTRY_COMPARE(link->state(), LinkState::Connected);
    // Back, and useful again.
    const qsizetype before = received.size();
    hostile.send("0;0;3;0;9;four\n");
    QTRY_COMPARE(received.last().at(0).toByteArray(), QByteArray("0;0;3;0;9;four"));
    QVERIFY(received.size() > before);

    // The other link never noticed.
    LinkTraffic traffic(other.get());
    for (int i = 0; i < 20; ++i)
        QVERIFY(traffic.sendNext());
    healthy.send("3;1;1;0;0;20.5\n");
    QTRY_COMPARE(healthy.collector.lines.size(), 20);
    QTRY_COMPARE(otherReceived.size(), 3);
    QCOMPARE(traffic.verify(healthy.collector.lines), QString());
    QCOMPARE(otherErrors.size(), 0);
    QCOMPARE(other->statistics().drops, quint64(0));
    QCOMPARE(other->state(), LinkState::Connected);
}

void tst_TcpLink::floodWithoutLineEnds()
{
    FakeGateway gateway;
    QVERIFY(gateway.listen());
    std::unique_ptr<Link> link = makeLink(u"gw"_s, tcpSettings(gateway.port()));
    QVERIFY(link);
    QSignalSpy errors(link.get(), &Link::errorOccurred);
    QSignalSpy received(link.get(), &Link::unitReceived);
    link->open();
    QTRY_COMPARE(received.size(), 2);
    gateway.greet = false;

    // A megabyte without a single line end: one report when it passes the line limit, then
    // the connection is closed as a flood; memory stays bounded throughout.
    gateway.send(QByteArray(1024 * 1024, 'Z'));
    QTRY_VERIFY(link->statistics().drops >= 1);
    QVERIFY(link->statistics().bytesIn < quint64(1024 * 1024));
    QVERIFY(errors.size() >= 2);
    const QString first = errors.at(0).at(0).value<Error>().message();
    const QString second = errors.at(1).at(0).value<Error>().message();
    QVERIFY2(first.contains(u"line longer than 119 bytes dropped"_s), qPrintable(first));
    QVERIFY2(second.contains(u"bytes without a line end from 127.0.0.1:%1"_s.arg(gateway.port())),
             qPrintable(second));
    QTRY_COMPARE(link->state(), LinkState::Connected);
    gateway.send("0;0;3;0;9;fine\n");
    QTRY_COMPARE(received.last().at(0).toByteArray(), QByteArray("0;0;3;0;9;fine"));
}

QTEST_GUILESS_MAIN(tst_TcpLink)
#include "tst_tcplink.moc"
