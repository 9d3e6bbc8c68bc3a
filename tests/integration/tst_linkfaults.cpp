// Link faults through the engine (issue 4): an Engine with one link of each transport, made by
// the transports' factories through LinkRegistry, while numbered traffic flows both ways —
// values from node 5 to the controller ("up-000042" in a V_TEXT payload) and commands from the
// controller to node 12 through Engine::send ("cmd-000042") — and the test breaks the link
// under it:
//  - tcp: the gateway's server stops listening and closes the connection, then listens again
//    on the same port (reconnects are refused meanwhile);
//  - serial: socat, which makes the pty pair, is SIGKILLed (the port vanishes) and restarted
//    on the same paths;
//  - mqtt: the Mosquitto broker the test started is SIGKILLed and restarted on the same port
//    (the link's user is let in only once the gateway has subscribed again, so that nothing
//    the link flushes is published to nobody);
//  - simulated: the engine in host-gateway mode with firmware nodes on the simulated bus; the
//    link is closed and reopened while the simulated network runs on (commands are signed, so
//    each one is a nonce round trip).
// Then: every command queued during the outage arrives exactly once and in order; a command
// written before the drop may be lost with the connection (no link-level acknowledgement in
// MySensors) but only as the tail of that connection, never on the live one; no command
// arrives twice and the engine acknowledges each once (sendDone, no sendFailed); every value
// the gateway sent after the link came back reaches the engine exactly once and in order.
#include "linktraffic.h"
#include "serialpty.h"
#include "simulatedlink.h"

#include <warden/engine.h>
#include <warden/linkplugin.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QFileInfo>
#include <QtCore/QPointer>
#include <QtCore/QProcess>
#include <QtCore/QSocketNotifier>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimer>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QtTest>

#include <mosquitto.h>

#include <cerrno>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <functional>
#include <memory>

Q_IMPORT_PLUGIN(SerialLinkFactory)
Q_IMPORT_PLUGIN(TcpLinkFactory)
Q_IMPORT_PLUGIN(MqttLinkFactory)
Q_IMPORT_PLUGIN(SimulatedLinkFactory)

using namespace Warden;
using namespace Warden::Test;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;
using Warden::Internal::SimulatedLink;
using Warden::Protocol::Command;
using Warden::Protocol::Message;

namespace {

// What a slow CI machine under the sanitizers may need; a pass takes far less.
constexpr int kWait = 10000;
constexpr quint8 kCommandNode = 12;
constexpr quint8 kCommandSensor = 3;
constexpr quint8 kValueNode = 5;
const QByteArray kCommandLinePrefix = "12;3;1;0;47;"; // C_SET V_TEXT to node 12, sensor 3
const QByteArray kCommandTopic = "mygateway1-in/12/3/1/0/47";

QByteArray numbered(const char *prefix, int seq)
{
    return prefix + QByteArray::number(seq).rightJustified(6, '0');
}

/// The number in "cmd-000042" (with @p prefix "cmd-"), or -1.
int numberIn(const QByteArray &text, const QByteArray &prefix)
{
    if (!text.startsWith(prefix) || text.size() != prefix.size() + 6)
        return -1;
    bool ok = false;
    const int n = text.mid(prefix.size()).toInt(&ok);
    return ok && text == numbered(prefix.constData(), n) ? n : -1;
}

QByteArray payloadOf(const Message &m)
{
    return QByteArray(reinterpret_cast<const char *>(m.payload()), m.payloadLength());
}

QByteArray bytesOf(const Message &m)
{
    return QByteArray(reinterpret_cast<const char *>(m.data()), qsizetype(m.size()));
}

quint16 freeLoopbackPort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    return server.serverPort();
}

// --- controller -> node: commands through Engine::send -------------------------------------

/// Numbered commands sent with Engine::send, and the check of what the far end received. The
/// link's n-th unitSent is the n-th unit the engine queued on it (the queue keeps order, and the
/// engine records every unit it queued as an Outgoing traffic record), so each command is known
/// with the connection that carried it, as LinkTraffic does for units sent on a link directly.
class CommandTraffic : public QObject
{
public:
    CommandTraffic(Engine *engine, Link *link, quint8 node, quint8 sensor)
        : m_engine(engine)
        , m_link(link)
        , m_node(node)
        , m_sensor(sensor)
    {
        connect(engine, &Engine::traffic, this, [this](const TrafficRecord &r) {
            if (r.outgoing && r.link == m_link->name())
                m_unitSeq.append(r.message.destination() == m_node
                                                 && r.message.command() == Command::Set
                                         ? numberIn(payloadOf(r.message), "cmd-")
                                         : -1);
        });
        // The connection that carried a unit: a unit is only written while connected.
        connect(link, &Link::unitSent, this,
                [this](quint64) { m_unitConnection.append(m_link->statistics().connects); });
        connect(engine, &Engine::sendDone, this, [this](quint64 id) { m_done.append(id); });
        connect(engine, &Engine::sendFailed, this, [this](quint64 id, const Error &error) {
            m_failed.append(u"command id %1 failed: %2"_s.arg(id).arg(error.message()));
        });
    }

    /// Sends the next command; false (with the reason in @p why) if the engine refused it.
    bool sendNext(QString *why = nullptr)
    {
        Message m;
        m.setHeader(0, m_node, Command::Set, uint8_t(Protocol::Value::Text), m_sensor);
        const QByteArray text = numbered("cmd-", m_next);
        m.setString(text.constData(), size_t(text.size()));
        const bool outage = m_link->state() != LinkState::Connected;
        const Result<quint64> id = m_engine->send(m);
        if (!id) {
            if (why)
                *why = id.error().message();
            return false;
        }
        m_ids.append(*id);
        m_queuedInOutage.append(outage);
        ++m_next;
        return true;
    }

    int queued() const { return m_next; }
    int queuedInOutage() const { return int(m_queuedInOutage.count(true)); }
    int acknowledged() const { return int(m_done.size()); }
    /// Commands whose bytes were lost with a dropped connection, found by the last verify().
    int lostInFlight() const { return m_lost; }

    /// Checks @p received (the command texts in the order the gateway or node took them:
    /// "cmd-000042") against what was sent; empty if all is well, otherwise what is wrong.
    QString verify(const QByteArrayList &received)
    {
        m_lost = 0;
        if (!m_failed.isEmpty())
            return m_failed.first();
        // The engine acknowledges each command once, in the order they were given.
        for (qsizetype i = 0; i < m_done.size(); ++i) {
            if (i >= m_ids.size() || m_done.at(i) != m_ids.at(i))
                return u"sendDone #%1 is for id %2, not for command %1"_s.arg(i).arg(m_done.at(i));
        }
        QMap<int, quint64> connectionOf;
        const qsizetype units = std::min(m_unitSeq.size(), m_unitConnection.size());
        for (qsizetype i = 0; i < units; ++i) {
            const int seq = m_unitSeq.at(i);
            if (seq < 0)
                continue; // the engine's own traffic (nonces, replies)
            if (connectionOf.contains(seq))
                return u"command %1 queued on the link twice"_s.arg(seq);
            connectionOf.insert(seq, m_unitConnection.at(i));
        }
        QList<int> seqs;
        for (const QByteArray &text : received) {
            const int seq = numberIn(text, "cmd-");
            if (seq < 0 || seq >= m_next)
                return u"received a command that was never sent: \"%1\""_s.arg(
                        QString::fromLatin1(text.left(40)));
            if (!seqs.isEmpty() && seq <= seqs.last())
                return u"command %1 after command %2: out of order or twice"_s.arg(seq).arg(
                        seqs.last());
            if (!connectionOf.contains(seq))
                return u"command %1 arrived but the link never reported it sent"_s.arg(seq);
            seqs.append(seq);
        }
        // Per connection, what arrived is a prefix of what was written to it; the last
        // connection (up) delivered everything, and so did every command queued in the outage.
        const quint64 last = m_link->statistics().connects;
        qsizetype r = 0;
        for (int seq = 0; seq < m_next; ++seq) {
            const bool arrived = r < seqs.size() && seqs.at(r) == seq;
            if (arrived)
                ++r;
            if (!connectionOf.contains(seq))
                return u"command %1 was never sent (%2 units still queued)"_s.arg(seq).arg(
                        m_link->pendingCount());
            if (arrived)
                continue;
            if (m_queuedInOutage.at(seq))
                return u"command %1, queued during the outage, is lost"_s.arg(seq);
            const quint64 connection = connectionOf.value(seq);
            if (connection == last)
                return u"command %1, sent on the live connection, is lost"_s.arg(seq);
            for (int later = seq + 1; later < m_next; ++later) {
                if (connectionOf.value(later) != connection)
                    break;
                if (seqs.contains(later))
                    return u"command %1 lost but command %2 after it on the same connection "
                           u"arrived"_s.arg(seq)
                                   .arg(later);
            }
            ++m_lost;
        }
        if (m_done.size() != m_ids.size())
            return u"%1 of %2 commands acknowledged by the engine"_s.arg(m_done.size())
                    .arg(m_ids.size());
        return {};
    }

private:
    Engine *m_engine;
    Link *m_link;
    quint8 m_node;
    quint8 m_sensor;
    int m_next = 0;
    int m_lost = 0;
    QList<quint64> m_ids; ///< by command number
    QList<bool> m_queuedInOutage; ///< by command number
    QList<int> m_unitSeq; ///< by unit queued on the link: command number or -1
    QList<quint64> m_unitConnection; ///< by unit sent: the connection that carried it
    QList<quint64> m_done;
    QStringList m_failed;
};

// --- node -> controller: numbered values from the gateway's side ---------------------------

/// Values "5;1;1;0;47;up-000042" the gateway sends, and what the engine handed on.
class ValueTraffic : public QObject
{
public:
    explicit ValueTraffic(Engine *engine)
    {
        connect(engine, &Engine::controllerMessage, this, [this](const Message &m) {
            if (m.sender() == kValueNode && m.command() == Command::Set)
                received.append(numberIn(payloadOf(m), "up-"));
        });
    }

    QByteArray next() { return "5;1;1;0;47;" + numbered("up-", m_next++); }
    int sent() const { return m_next; }
    /// From now on every value sent must arrive.
    void markResumed()
    {
        if (resumedFrom < 0)
            resumedFrom = m_next;
    }

    QString verify()
    {
        m_lost = 0;
        for (qsizetype i = 0; i < received.size(); ++i) {
            const int seq = received.at(i);
            if (seq < 0 || seq >= m_next)
                return u"the engine handed on a value that was never sent (#%1)"_s.arg(i);
            if (i > 0 && seq <= received.at(i - 1))
                return u"value %1 after value %2: out of order or twice"_s.arg(seq).arg(
                        received.at(i - 1));
        }
        if (resumedFrom < 0)
            return u"the gateway never sent after the link came back"_s;
        for (int seq = 0; seq < m_next; ++seq) {
            if (received.contains(seq))
                continue;
            if (seq >= resumedFrom)
                return u"value %1, sent after the link came back, is lost"_s.arg(seq);
            ++m_lost;
        }
        return {};
    }
    int lostInOutage() const { return m_lost; }

    QList<int> received;
    int resumedFrom = -1;

private:
    int m_next = 0;
    int m_lost = 0;
};

// --- the gateways ------------------------------------------------------------------------------

/// A stock Ethernet gateway in TCP server mode: one client at a time, the start-up lines on
/// each connect.
class TcpGateway : public QObject
{
public:
    TcpGateway()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                if (m_client) {
                    socket->abort();
                    socket->deleteLater();
                    continue;
                }
                m_client = socket;
                collector.cut();
                connect(socket, &QTcpSocket::readyRead, this,
                        [this, socket] { collector.feed(socket->readAll()); });
                connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
                    if (m_client == socket)
                        m_client = nullptr;
                    socket->deleteLater();
                });
                socket->write("0;255;3;0;14;Gateway startup complete.\n0;255;0;0;18;2.3.2\n");
            }
        });
    }
    ~TcpGateway() override
    {
        const QList<QTcpSocket *> sockets = m_server.findChildren<QTcpSocket *>();
        for (QTcpSocket *socket : sockets) {
            socket->disconnect(this);
            socket->abort();
        }
    }

    bool listen()
    {
        if (!m_server.listen(QHostAddress::LocalHost, m_port))
            return false;
        m_port = m_server.serverPort();
        return true;
    }
    /// The gateway goes away: no more connections, and the one open is closed.
    void shutDown()
    {
        m_server.close();
        if (QTcpSocket *socket = m_client) {
            m_client = nullptr;
            collector.feed(socket->readAll());
            socket->disconnectFromHost();
            socket->deleteLater();
        }
    }
    quint16 port() const { return m_port; }
    bool up() const { return m_client && m_client->state() == QTcpSocket::ConnectedState; }
    void send(const QByteArray &line)
    {
        if (m_client)
            m_client->write(line + '\n');
    }

    LineCollector collector;

private:
    QTcpServer m_server;
    QPointer<QTcpSocket> m_client;
    quint16 m_port = 0;
};

/// A stock serial gateway on the other end of the pty, non-blocking in the event loop.
class SerialGateway : public QObject
{
public:
    ~SerialGateway() override { close(); }

    bool open(const QString &path)
    {
        close();
        m_fd = ::open(QFile::encodeName(path).constData(), O_RDWR | O_NOCTTY | O_NONBLOCK);
        if (m_fd < 0)
            return false;
        collector.cut();
        m_reader = std::make_unique<QSocketNotifier>(m_fd, QSocketNotifier::Read);
        connect(m_reader.get(), &QSocketNotifier::activated, this, [this] { readSome(); });
        return true;
    }
    void close()
    {
        m_reader.reset();
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
    }
    bool up() const { return m_fd >= 0; }
    /// Lines are short and the pty's buffer large: a write that does not take the whole line
    /// is a pty going away.
    void send(const QByteArray &line)
    {
        const QByteArray bytes = line + '\n';
        if (m_fd >= 0 && ::write(m_fd, bytes.constData(), size_t(bytes.size())) != bytes.size())
            close();
    }

    LineCollector collector;

private:
    void readSome()
    {
        char buffer[4096];
        const ssize_t n = ::read(m_fd, buffer, sizeof buffer);
        if (n > 0)
            collector.feed(QByteArrayView(buffer, n));
        else if (n == 0 || (errno != EAGAIN && errno != EINTR))
            close();
    }

    int m_fd = -1;
    std::unique_ptr<QSocketNotifier> m_reader;
};

/// A Mosquitto broker on 127.0.0.1 that wants a user name and password.
class Broker
{
public:
    Broker()
        : m_port(freeLoopbackPort())
    { }
    ~Broker() { kill(); }

    quint16 port() const { return m_port; }
    QString passwordFile() const { return m_dir.filePath(u"passwd"_s); }

    /// mosquitto_passwd: adds (or with an empty password removes) a user; a running broker
    /// takes the change on reload().
    bool setPassword(const QString &user, const QByteArray &password)
    {
        QStringList args;
        if (password.isEmpty())
            args << u"-D"_s << passwordFile() << user;
        else
            args << (QFile::exists(passwordFile()) ? QStringList {u"-b"_s}
                                                   : QStringList {u"-c"_s, u"-b"_s})
                 << passwordFile() << user << QString::fromUtf8(password);
        QProcess tool;
        tool.start(QStringLiteral(WARDEN_MOSQUITTO_PASSWD), args);
        return tool.waitForFinished(kWait) && tool.exitStatus() == QProcess::NormalExit
               && tool.exitCode() == 0;
    }

    bool start()
    {
        QFile config(m_dir.filePath(u"mosquitto.conf"_s));
        if (!config.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return false;
        // Started as root, mosquitto would switch to its own user, who cannot read this
        // test's private folder: it stays who we are.
        const passwd *self = ::getpwuid(::geteuid());
        config.write("listener " + QByteArray::number(m_port) + " 127.0.0.1\n"
                     + (self ? "user " + QByteArray(self->pw_name) + "\n" : QByteArray())
                     + "persistence false\nlog_dest stderr\nlog_type error\n"
                     + "allow_anonymous false\npassword_file " + passwordFile().toUtf8() + "\n");
        config.close();
        m_process = std::make_unique<QProcess>();
        m_process->setProcessChannelMode(QProcess::MergedChannels);
        m_process->start(QStringLiteral(WARDEN_MOSQUITTO), {u"-c"_s, config.fileName()});
        if (!m_process->waitForStarted(kWait))
            return false;
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < kWait) {
            if (m_process->state() != QProcess::Running) {
                qWarning("mosquitto exited: %s", m_process->readAll().constData());
                return false;
            }
            QTcpSocket probe;
            probe.connectToHost(QHostAddress::LocalHost, m_port);
            if (probe.waitForConnected(200))
                return true;
            QTest::qWait(20);
        }
        return false;
    }
    /// SIGKILL: the broker dies without a word to anyone.
    void kill()
    {
        if (m_process && m_process->state() != QProcess::NotRunning) {
            m_process->kill();
            m_process->waitForFinished(kWait);
        }
        m_process.reset();
    }
    bool reload() { return m_process && ::kill(pid_t(m_process->processId()), SIGHUP) == 0; }

private:
    QTemporaryDir m_dir;
    quint16 m_port;
    std::unique_ptr<QProcess> m_process;
};

/// A stock MySensors MQTT gateway's side: a plain libmosquitto client, pumped by a timer.
class MqttGateway : public QObject
{
public:
    MqttGateway()
    {
        m_mosq = mosquitto_new("gateway-1", true, this);
        mosquitto_connect_callback_set(m_mosq, [](mosquitto *, void *self, int rc) {
            static_cast<MqttGateway *>(self)->m_connack = rc;
        });
        mosquitto_subscribe_callback_set(m_mosq,
                                         [](mosquitto *, void *self, int, int, const int *) {
                                             static_cast<MqttGateway *>(self)->m_subscribed = true;
                                         });
        mosquitto_message_callback_set(
                m_mosq, [](mosquitto *, void *self, const mosquitto_message *m) {
                    auto *gateway = static_cast<MqttGateway *>(self);
                    if (QByteArray(m->topic) == kCommandTopic)
                        gateway->commands.append(
                                QByteArray(static_cast<const char *>(m->payload), m->payloadlen));
                    ++gateway->m_activity;
                });
        m_pump.setInterval(2);
        QObject::connect(&m_pump, &QTimer::timeout, this, [this] { pump(); });
    }
    ~MqttGateway() override
    {
        m_pump.stop();
        mosquitto_disconnect(m_mosq);
        mosquitto_destroy(m_mosq);
    }

    bool start(quint16 port)
    {
        mosquitto_username_pw_set(m_mosq, "gateway", "gw-pw");
        if (mosquitto_connect(m_mosq, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS)
            return false;
        m_pump.start();
        if (!QTest::qWaitFor([this] { return m_connack >= 0; }, kWait) || m_connack != 0)
            return false;
        if (mosquitto_subscribe(m_mosq, nullptr, "mygateway1-in/#", 0) != MOSQ_ERR_SUCCESS)
            return false;
        return QTest::qWaitFor([this] { return m_subscribed; }, kWait);
    }
    bool up() const { return m_subscribed && m_pump.isActive(); }
    /// "5;1;1;0;47;up-000042" is published as the gateway does (spec 12).
    void send(const QByteArray &line)
    {
        const QList<QByteArray> fields = line.split(';');
        const QByteArray topic = "mygateway1-out/" + fields.mid(0, 5).join('/');
        const QByteArray &payload = fields.at(5);
        (void)mosquitto_publish(m_mosq, nullptr, topic.constData(), int(payload.size()),
                                payload.constData(), 0, false);
    }

    QByteArrayList commands;

private:
    void pump()
    {
        for (int i = 0; i < 500; ++i) {
            const int before = m_activity;
            if (mosquitto_loop(m_mosq, 0, 1) != MOSQ_ERR_SUCCESS) {
                m_pump.stop(); // the broker went away
                return;
            }
            if (m_activity == before)
                return;
        }
    }

    mosquitto *m_mosq;
    QTimer m_pump;
    int m_connack = -1;
    bool m_subscribed = false;
    int m_activity = 0;
};

/// The command texts among lines a gateway read ("12;3;1;0;47;cmd-000042" -> "cmd-000042").
QByteArrayList commandTexts(const QByteArrayList &lines)
{
    QByteArrayList texts;
    for (const QByteArray &line : lines) {
        if (line.startsWith(kCommandLinePrefix))
            texts.append(line.mid(kCommandLinePrefix.size()));
        else if (line.contains("cmd-"))
            texts.append(line); // garbled: verify() names it
    }
    return texts;
}

/// The gateway's side of one line transport, as the fault run drives it.
struct LinePeer
{
    std::function<bool()> up;
    std::function<void(const QByteArray &)> send;
    std::function<QByteArrayList()> commands; ///< command texts received, in order
    std::function<void()> fail; ///< takes the gateway away
    std::function<bool()> restore; ///< brings it back
};

} // namespace

class tst_LinkFaults : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void tcpGatewayRestarts();
    void serialPortVanishes();
    void mqttBrokerKilled();
    void simulatedLinkClosedAndReopened();

private:
    std::unique_ptr<Link> makeLink(const QString &type, const QVariantMap &settings);
    void runLineFault(Link *link, LinePeer &peer, int minDropsInOutage);

    LinkRegistry m_registry;
    QTemporaryDir m_dir;
};

void tst_LinkFaults::initTestCase()
{
    // Every drop and refused reconnect is a warning, and that is the point here.
    QLoggingCategory::setFilterRules(u"warden.core.link.debug=false\n"
                                     u"warden.core.link.warning=false\n"
                                     u"warden.plugin.*.debug=false\n"
                                     u"warden.plugin.*.info=false\n"
                                     u"warden.plugin.*.warning=false\n"
                                     u"warden.plugins.simulated.info=false"_s);
    QVERIFY(m_dir.isValid());
    m_registry.loadStaticPlugins();
    QStringList types = m_registry.types();
    types.sort();
    QCOMPARE(types, (QStringList {u"mqtt"_s, u"serial"_s, u"simulated"_s, u"tcp"_s}));
    mosquitto_lib_init();
}

std::unique_ptr<Link> tst_LinkFaults::makeLink(const QString &type, const QVariantMap &settings)
{
    Result<std::unique_ptr<Link>> link = m_registry.create({type, u"gw"_s, settings});
    if (!link) {
        qWarning().noquote() << link.error().message();
        return {};
    }
    return std::move(*link);
}

/// The fault run for a stock gateway on @p link (classic mode): traffic both ways, the peer's
/// fail() mid-traffic, commands queued meanwhile, restore(), traffic on, then the checks.
void tst_LinkFaults::runLineFault(Link *link, LinePeer &peer, int minDropsInOutage)
{
    Engine engine(EngineOptions {GatewayMode::Classic});
    QVERIFY(engine.addLink(link));
    CommandTraffic commands(&engine, link, kCommandNode, kCommandSensor);
    ValueTraffic values(&engine);
    link->open();
    QTRY_VERIFY_WITH_TIMEOUT(link->state() == LinkState::Connected && peer.up(), kWait);

    // Both ways at once: two commands and one value every millisecond or so. The gateway only
    // sends while it is up, and its values count from the moment the link is back.
    quint64 connectsAtFault = ~quint64(0);
    QTimer pacer;
    pacer.setInterval(1);
    connect(&pacer, &QTimer::timeout, this, [&] {
        for (int i = 0; i < 2; ++i) {
            QString why;
            QVERIFY2(commands.sendNext(&why), qPrintable(why));
        }
        if (peer.up() && link->state() == LinkState::Connected) {
            if (link->statistics().connects > connectsAtFault)
                values.markResumed();
            peer.send(values.next());
        }
    });
    pacer.start();

    QTRY_VERIFY_WITH_TIMEOUT(peer.commands().size() >= 60 && values.received.size() >= 30, kWait);
    const quint64 dropsBefore = link->statistics().drops;
    connectsAtFault = link->statistics().connects;
    peer.fail();
    // The link notices by itself, and commands queue up while it waits.
    QTRY_VERIFY_WITH_TIMEOUT(link->state() != LinkState::Connected, kWait);
    const int queuedBeforeOutage = commands.queued();
    QTRY_VERIFY_WITH_TIMEOUT(link->statistics().drops >= dropsBefore + quint64(minDropsInOutage)
                                     && commands.queuedInOutage() >= 100,
                             kWait);
    QVERIFY(link->pendingCount() >= 100);
    QCOMPARE(link->statistics().connects, connectsAtFault);
    QVERIFY(peer.restore());
    QTRY_VERIFY_WITH_TIMEOUT(link->state() == LinkState::Connected && values.resumedFrom >= 0,
                             kWait);
    // Traffic goes on for a while on the new connection, then stops; everything drains.
    const int target = commands.queued() + 100;
    QTRY_VERIFY_WITH_TIMEOUT(
            commands.queued() >= target && values.sent() >= values.resumedFrom + 50, kWait);
    pacer.stop();
    QTRY_COMPARE_WITH_TIMEOUT(link->pendingCount(), 0, kWait);
    // Until everything that can arrive has; then the checks, which say what is wrong.
    (void)QTest::qWaitFor(
            [&] {
                return commands.verify(peer.commands()).isEmpty()
                       && peer.commands().size() + commands.lostInFlight() == commands.queued()
                       && values.verify().isEmpty()
                       && values.received.size() + values.lostInOutage() == values.sent();
            },
            kWait);
    QCOMPARE(commands.verify(peer.commands()), QString());
    QCOMPARE(values.verify(), QString());
    QCOMPARE(qsizetype(commands.queued() - commands.lostInFlight()), peer.commands().size());
    QCOMPARE(qsizetype(values.sent() - values.lostInOutage()), values.received.size());
    QCOMPARE(link->statistics().connects, connectsAtFault + 1);
    QCOMPARE(commands.acknowledged(), commands.queued());
    QVERIFY(queuedBeforeOutage > 0);
    qInfo("%s: %d commands (%d queued in the outage, %d lost in flight with the dropped "
          "connection), %d values (%d lost around the fault), %llu drops",
          qPrintable(link->configuration().type), commands.queued(), commands.queuedInOutage(),
          commands.lostInFlight(), values.sent(), values.lostInOutage(),
          static_cast<unsigned long long>(link->statistics().drops));
    engine.removeLink(link);
}

void tst_LinkFaults::tcpGatewayRestarts()
{
    TcpGateway gateway;
    QVERIFY(gateway.listen());
    std::unique_ptr<Link> link
            = makeLink(u"tcp"_s, {{u"host"_s, u"127.0.0.1"_s}, {u"port"_s, int(gateway.port())}});
    QVERIFY(link);
    link->setReconnectBackoff(20ms, 100ms);
    LinePeer peer {[&] { return gateway.up(); }, [&](const QByteArray &l) { gateway.send(l); },
                   [&] { return commandTexts(gateway.collector.lines); },
                   [&] { gateway.shutDown(); }, [&] { return gateway.listen(); }};
    // Reconnects are refused while the server is down: at least two of them.
    runLineFault(link.get(), peer, 3);
}

void tst_LinkFaults::serialPortVanishes()
{
    if (QStandardPaths::findExecutable(u"socat"_s).isEmpty())
        QSKIP("socat is not installed");
    PtyPair pty(m_dir.path(), u"usb"_s);
    QVERIFY(pty.start());
    SerialGateway gateway;
    QVERIFY(gateway.open(pty.gatewayPath));
    std::unique_ptr<Link> link = makeLink(u"serial"_s, {{u"port"_s, pty.linkPath}});
    QVERIFY(link);
    link->setReconnectBackoff(20ms, 100ms);
    LinePeer peer {[&] { return gateway.up(); }, [&](const QByteArray &l) { gateway.send(l); },
                   [&] { return commandTexts(gateway.collector.lines); },
                   [&] {
                       pty.kill();
                       gateway.close();
                   },
                   [&] { return pty.start() && gateway.open(pty.gatewayPath); }};
    // Reopening a port that is not there fails: at least two of them.
    runLineFault(link.get(), peer, 3);
}

void tst_LinkFaults::mqttBrokerKilled()
{
    if (QByteArray(WARDEN_MOSQUITTO).isEmpty() || QByteArray(WARDEN_MOSQUITTO_PASSWD).isEmpty())
        QSKIP("mosquitto is not installed");
    const QByteArray linkPassword = "link-pw";
    Broker broker;
    QVERIFY(broker.setPassword(u"gateway"_s, "gw-pw"));
    QVERIFY(broker.setPassword(u"warden"_s, linkPassword));
    QVERIFY(broker.start());
    auto gateway = std::make_unique<MqttGateway>();
    QVERIFY(gateway->start(broker.port()));
    std::unique_ptr<Link> link
            = makeLink(u"mqtt"_s, {{u"host"_s, u"127.0.0.1"_s},
                                   {u"port"_s, int(broker.port())},
                                   {u"username"_s, u"warden"_s},
                                   {u"password"_s, QString::fromUtf8(linkPassword)},
                                   {u"connectTimeoutSeconds"_s, 5}});
    QVERIFY(link);
    link->setReconnectBackoff(20ms, 100ms);
    QByteArrayList before; // the commands the gateway took before the broker died
    LinePeer peer {[&] { return gateway && gateway->up(); },
                   [&](const QByteArray &l) { gateway->send(l); },
                   [&] {
                       // What the gateway took before the broker died, then after.
                       QByteArrayList all = before;
                       if (gateway)
                           all += gateway->commands;
                       return all;
                   },
                   [&] {
                       broker.kill();
                       before += gateway->commands;
                       gateway.reset();
                   },
                   [&] {
                       // The broker is back on the same port, first without the link's user,
                       // so that the gateway has subscribed before the link flushes its queue
                       // (a message published to nobody is gone, by MQTT's rules).
                       if (!broker.setPassword(u"warden"_s, {}) || !broker.start())
                           return false;
                       gateway = std::make_unique<MqttGateway>();
                       if (!gateway->start(broker.port()))
                           return false;
                       return broker.setPassword(u"warden"_s, linkPassword) && broker.reload();
                   }};
    // A broker that is not there refuses the reconnects: at least two of them.
    runLineFault(link.get(), peer, 3);
}

void tst_LinkFaults::simulatedLinkClosedAndReopened()
{
    std::unique_ptr<Link> made = makeLink(
            u"simulated"_s,
            {{u"nodes"_s, 3}, {u"seed"_s, 11}, {u"timeScale"_s, 0}, {u"reportIntervalMs"_s, 200}});
    QVERIFY(made);
    std::unique_ptr<SimulatedLink> link(qobject_cast<SimulatedLink *>(made.release()));
    QVERIFY(link);
    Engine engine(EngineOptions {GatewayMode::HostGateway});
    engine.setClock([l = link.get()] { return l->simulatedMillis(); });
    QVERIFY(engine.setNetworkKey(1, link->networkKey()));
    QVERIFY(engine.setGatewaySerial(link->gatewaySerial()));
    connect(link.get(), &SimulatedLink::nodeJoined, &engine, [&](int index, quint8 id) {
        (void)engine.setNodeSerial(id, link->node(index).serial);
    });
    QVERIFY(engine.addLink(link.get()));
    link->open();
    QVERIFY(link->advanceUntil(60000, [&] { return link->readyCount() == 3; }));
    const quint8 node = link->node(0).nodeId;
    QVERIFY(node != 0);

    // What the nodes sent towards the gateway, and whether the link was up to take it; what
    // the engine took in on the link; what the commanded node accepted (verified).
    QList<std::pair<QByteArray, bool>> onAir;
    link->setUplinkFilter([&](const QByteArray &frame) {
        onAir.append({frame, link->state() == LinkState::Connected});
        return true;
    });
    QByteArrayList taken;
    QList<FrameVerdict> verdicts;
    connect(&engine, &Engine::traffic, this, [&](const TrafficRecord &r) {
        if (!r.outgoing && r.link == link->name()) {
            taken.append(r.verdict == FrameVerdict::Malformed ? r.raw : bytesOf(r.message));
            verdicts.append(r.verdict);
        }
    });
    QByteArrayList accepted;
    connect(link.get(), &SimulatedLink::nodeReceived, this,
            [&](quint8 id, const QByteArray &frame) {
                Message m;
                if (id == node
                    && Message::decode(reinterpret_cast<const uint8_t *>(frame.constData()),
                                       size_t(frame.size()), m)
                               == Protocol::DecodeError::None
                    && m.command() == Command::Set)
                    accepted.append(payloadOf(m));
            });
    CommandTraffic commands(&engine, link.get(), node, 0);
    // Signed values from the nodes that the engine verified, from record @p from on.
    auto verifiedSince = [&](qsizetype from) {
        int n = 0;
        for (qsizetype i = from; i < taken.size(); ++i) {
            Message m;
            if (verdicts.at(i) == FrameVerdict::Verified
                && Message::decode(reinterpret_cast<const uint8_t *>(taken[i].constData()),
                                   size_t(taken[i].size()), m)
                           == Protocol::DecodeError::None
                && m.command() == Command::Set)
                ++n;
        }
        return n;
    };

    // Before: each command out and accepted before the next, the nodes reporting meanwhile.
    for (int i = 0; i < 10; ++i) {
        QVERIFY(commands.sendNext());
        QVERIFY(link->advanceUntil(2000, [&] { return commands.acknowledged() == i + 1; }));
        link->advance(50);
    }
    QCOMPARE(accepted.size(), 10);

    // The outage: the network runs on (the nodes' frames reach no one), commands queue.
    link->close();
    const qsizetype takenAtClose = taken.size();
    for (int i = 0; i < 20; ++i) {
        QVERIFY(commands.sendNext());
        link->advance(40);
    }
    QCOMPARE(commands.queuedInOutage(), 20);
    QCOMPARE(taken.size(), takenAtClose);
    QCOMPARE(accepted.size(), 10);

    // Back: more commands on top while the queue drains; the nodes are heard again.
    link->open();
    const qsizetype takenAtOpen = taken.size();
    for (int i = 0; i < 20; ++i) {
        QVERIFY(commands.sendNext());
        link->advance(30);
    }
    QVERIFY2(link->advanceUntil(20000,
                                [&] {
                                    return accepted.size() == commands.queued()
                                           && commands.acknowledged() == commands.queued()
                                           && verifiedSince(takenAtOpen) >= 6;
                                }),
             qPrintable(commands.verify(accepted)));
    QCOMPARE(commands.verify(accepted), QString());
    QCOMPARE(commands.lostInFlight(), 0);

    // Every frame on the air while the link was up reached the engine, once, in order; none
    // from the outage did.
    QByteArrayList whileUp;
    int whileDown = 0;
    for (const auto &[frame, up] : std::as_const(onAir)) {
        if (up)
            whileUp.append(frame);
        else
            ++whileDown;
    }
    QVERIFY(whileDown > 0);
    QCOMPARE(taken, whileUp);
    QCOMPARE(link->statistics().connects, quint64(2));
    qInfo("simulated: %d commands (%d queued in the outage), %lld frames to the engine, %d lost "
          "in the outage, %d signed values verified since the reopen",
          commands.queued(), commands.queuedInOutage(), qlonglong(taken.size()), whileDown,
          verifiedSince(takenAtOpen));
    link->setUplinkFilter(nullptr);
    engine.removeLink(link.get());
}

QTEST_GUILESS_MAIN(tst_LinkFaults)
#include "tst_linkfaults.moc"
