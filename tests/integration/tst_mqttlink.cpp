// The MQTT link (plugins/mqtt) against a real Mosquitto broker that the test starts on a free
// loopback port, with the stock gateway played by a plain libmosquitto client in this process:
// the topic mapping both ways (spec 12 <-> spec 2.1), several gateways on one broker, hostile
// topics, payloads and floods, the broker killed mid-traffic and restarted (nothing queued lost
// or sent twice), the plugin module loaded through LinkRegistry, settings refused by name.
#include "mqttlink.h"
#include "mqttlinkfactory.h"
#include "mqtttopic.h"

#include <warden/linkplugin.h>

#include <QtCore/QFile>
#include <QtCore/QMutex>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QtTest>

#include <mosquitto.h>

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <memory>

using namespace Warden;
using namespace Warden::Internal;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {

// What a slow CI machine under the sanitizers may need; a pass takes far less.
constexpr int kWait = 10000;
const QByteArray kLinkPassword = QByteArrayLiteral("S3cret-Link-Pw");

// --- everything the warden categories log, to check what a log shows -----------------------

QMutex g_logMutex;
QStringList g_log;
QtMessageHandler g_previousHandler = nullptr;

void captureLog(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const QString category = QString::fromLatin1(context.category ? context.category : "");
    if (category.startsWith(u"warden."_s)) {
        const QMutexLocker lock(&g_logMutex);
        g_log.append(category + u": "_s + message);
        // Warnings stay quiet: the hostile-input tests make hundreds on purpose.
        if (type != QtCriticalMsg && type != QtFatalMsg)
            return;
    }
    g_previousHandler(type, context, message);
}

QStringList takeLog()
{
    const QMutexLocker lock(&g_logMutex);
    return std::exchange(g_log, {});
}

quint16 freeLoopbackPort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    return server.serverPort();
}

/// A Mosquitto broker on 127.0.0.1, started, killed and restarted by the test.
class Broker
{
public:
    explicit Broker(quint16 port = freeLoopbackPort())
        : m_port(port)
    { }
    ~Broker() { kill(); }

    quint16 port() const { return m_port; }
    QString path(const QString &name) const { return m_dir.filePath(name); }

    /// With @p passwordFile the broker wants credentials (and reloads the file on SIGHUP).
    bool start(const QString &passwordFile = {}, const QString &extra = {})
    {
        QFile config(path(u"mosquitto.conf"_s));
        if (!config.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return false;
        // Started as root, mosquitto would switch to its own user, who cannot read this
        // test's private folder: it stays who we are.
        const passwd *self = ::getpwuid(::geteuid());
        QByteArray text = "listener " + QByteArray::number(m_port) + " 127.0.0.1\n"
                          + (self ? "user " + QByteArray(self->pw_name) + "\n" : QByteArray())
                          + "persistence false\n"
                          + "log_dest stderr\nlog_type error\nlog_type warning\n";
        if (passwordFile.isEmpty())
            text += "allow_anonymous true\n";
        else
            text += "allow_anonymous false\npassword_file " + passwordFile.toUtf8() + "\n";
        text += extra.toUtf8();
        config.write(text);
        config.close();

        m_process = std::make_unique<QProcess>();
        m_process->setProcessChannelMode(QProcess::MergedChannels);
        m_process->start(QStringLiteral(WARDEN_MOSQUITTO), {u"-c"_s, config.fileName()});
        if (!m_process->waitForStarted(kWait))
            return false;
        // Ready when it accepts a connection; gone means the port or the config was refused.
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

    void kill()
    {
        if (m_process && m_process->state() != QProcess::NotRunning) {
            m_process->kill();
            m_process->waitForFinished(kWait);
        }
        m_process.reset();
    }

    bool reload() { return signal(SIGHUP); }
    /// A stopped broker answers nothing while the kernel keeps its connections open: to the
    /// link it looks like a pulled cable.
    bool freeze() { return signal(SIGSTOP); }
    bool thaw() { return signal(SIGCONT); }

private:
    bool signal(int number)
    {
        return m_process && ::kill(pid_t(m_process->processId()), number) == 0;
    }

private:
    QTemporaryDir m_dir;
    quint16 m_port = 0;
    std::unique_ptr<QProcess> m_process;
};

/// mosquitto_passwd: adds (or with an empty password removes) a user of a password file.
bool setPassword(const QString &file, const QString &user, const QByteArray &password)
{
    QStringList args;
    if (password.isEmpty())
        args << u"-D"_s << file << user;
    else
        args << (QFile::exists(file) ? QStringList {u"-b"_s} : QStringList {u"-c"_s, u"-b"_s})
             << file << user << QString::fromUtf8(password);
    QProcess tool;
    tool.start(QStringLiteral(WARDEN_MOSQUITTO_PASSWD), args);
    return tool.waitForFinished(kWait) && tool.exitStatus() == QProcess::NormalExit
           && tool.exitCode() == 0;
}

/// A stock MySensors MQTT gateway's side: a plain libmosquitto client (not the link's code),
/// pumped by a timer in this thread.
class Gateway : public QObject
{
public:
    struct Message
    {
        QByteArray topic;
        QByteArray payload;
    };

    explicit Gateway(const QByteArray &id)
    {
        m_mosq = mosquitto_new(id.constData(), true, this);
        mosquitto_connect_callback_set(m_mosq, [](mosquitto *, void *self, int rc) {
            static_cast<Gateway *>(self)->m_connack = rc;
        });
        mosquitto_subscribe_callback_set(m_mosq,
                                         [](mosquitto *, void *self, int, int, const int *) {
                                             static_cast<Gateway *>(self)->m_subscribed = true;
                                         });
        mosquitto_message_callback_set(
                m_mosq, [](mosquitto *, void *self, const mosquitto_message *m) {
                    auto *gateway = static_cast<Gateway *>(self);
                    gateway->received.append(
                            {QByteArray(m->topic),
                             QByteArray(static_cast<const char *>(m->payload), m->payloadlen)});
                    ++gateway->m_activity;
                });
        m_pump.setInterval(2);
        QObject::connect(&m_pump, &QTimer::timeout, this, [this] { pump(); });
    }
    ~Gateway() override
    {
        m_pump.stop();
        mosquitto_disconnect(m_mosq);
        mosquitto_destroy(m_mosq);
    }

    /// Connects, subscribes to @p subscription and waits for the broker's acknowledgement.
    bool start(quint16 port, const QByteArray &subscription, const QByteArray &user = {},
               const QByteArray &password = {})
    {
        if (!user.isEmpty())
            mosquitto_username_pw_set(m_mosq, user.constData(), password.constData());
        if (mosquitto_connect(m_mosq, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS)
            return false;
        m_pump.start();
        if (!QTest::qWaitFor([this] { return m_connack >= 0; }, kWait) || m_connack != 0)
            return false;
        if (mosquitto_subscribe(m_mosq, nullptr, subscription.constData(), 0) != MOSQ_ERR_SUCCESS)
            return false;
        return QTest::qWaitFor([this] { return m_subscribed; }, kWait);
    }

    void publish(const QByteArray &topic, const QByteArray &payload)
    {
        const int rc = mosquitto_publish(m_mosq, nullptr, topic.constData(), int(payload.size()),
                                         payload.constData(), 0, false);
        if (rc != MOSQ_ERR_SUCCESS)
            qWarning("gateway publish failed: %s", mosquitto_strerror(rc));
    }

    QList<QByteArray> payloads() const
    {
        QList<QByteArray> result;
        for (const Message &m : received)
            result.append(m.payload);
        return result;
    }

    QList<Message> received;

private:
    void pump()
    {
        // Reads on while messages keep coming, so a burst is taken in one turn.
        for (int i = 0; i < 500; ++i) {
            const int before = m_activity;
            if (mosquitto_loop(m_mosq, 0, 1) != MOSQ_ERR_SUCCESS) {
                m_pump.stop(); // the broker went away; the test makes a new gateway
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

/// What a link reported, in order.
struct Recorder
{
    QList<QByteArray> units;
    QStringList errors;
    QList<LinkState> states;
    QList<quint64> sent;

    void attach(Link *link)
    {
        QObject::connect(link, &Link::unitReceived, link,
                         [this](const QByteArray &unit) { units.append(unit); });
        QObject::connect(link, &Link::errorOccurred, link,
                         [this](const Error &error) { errors.append(error.message()); });
        QObject::connect(link, &Link::stateChanged, link,
                         [this](LinkState state) { states.append(state); });
        QObject::connect(link, &Link::unitSent, link, [this](quint64 id) { sent.append(id); });
    }
    qsizetype errorsContaining(const QString &text) const { return errors.filter(text).size(); }
};

std::unique_ptr<MqttLink> makeLink(const QString &name, quint16 port, QVariantMap settings = {})
{
    settings.insert(u"port"_s, int(port));
    if (!settings.contains(u"connectTimeoutSeconds"_s))
        settings.insert(u"connectTimeoutSeconds"_s, 5);
    Result<MqttSettings> parsed = MqttLink::parseSettings(name, settings);
    if (!parsed) {
        qWarning("%s", qPrintable(parsed.error().message()));
        return {};
    }
    auto link = std::make_unique<MqttLink>(LinkConfiguration {u"mqtt"_s, name, settings},
                                           std::move(*parsed));
    link->setReconnectBackoff(50ms, 200ms);
    return link;
}

} // namespace

class tst_MqttLink : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void incomingMapping_data();
    void incomingMapping();
    void outgoingMapping_data();
    void outgoingMapping();
    void settingsRefused_data();
    void settingsRefused();

    void linesBothWays();
    void twoGatewaysOneBroker();
    void hostileGateway();
    void brokerRestartMidTraffic();
    void closeAndReopen();
    void qosOne();
    void brokerAbsent();
    void silentPeer();
    void cablePulled();
    void tls();
    void pluginThroughRegistry();
    void throughputFigures();
};

void tst_MqttLink::initTestCase()
{
    if (QByteArray(WARDEN_MOSQUITTO).isEmpty() || !QFile::exists(QStringLiteral(WARDEN_MOSQUITTO)))
        QSKIP("mosquitto (the broker) was not found when the build was configured");
    mosquitto_lib_init(); // for the gateways' clients; the link does its own
    g_previousHandler = qInstallMessageHandler(captureLog);
}

void tst_MqttLink::cleanup()
{
    // Nothing hostile may reach a log raw: one log line is one line.
    const QStringList log = takeLog();
    for (const QString &line : log) {
        QVERIFY2(!line.contains(u'\n') && !line.contains(u'\r'), qPrintable(line.left(200)));
        QVERIFY2(!line.contains(QString::fromUtf8(kLinkPassword)), "a password was logged");
    }
}

// --- the mapping on its own ------------------------------------------------------------------

void tst_MqttLink::incomingMapping_data()
{
    QTest::addColumn<QByteArray>("topic");
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QByteArray>("unit"); // empty: refused
    QTest::addColumn<QString>("error"); // a part of the refusal's text

    const QByteArray p = "mygateway1-out/";
    // Spec 12's example, and what each payload type renders as.
    QTest::newRow("spec example") << p + "5/1/1/0/0" << QByteArray("23.5")
                                  << QByteArray("5;1;1;0;0;23.5") << QString();
    QTest::newRow("gateway ready")
            << p + "0/255/3/0/14" << QByteArray("Gateway startup complete.")
            << QByteArray("0;255;3;0;14;Gateway startup complete.") << QString();
    QTest::newRow("empty payload")
            << p + "1/255/3/0/2" << QByteArray() << QByteArray("1;255;3;0;2;") << QString();
    QTest::newRow("stream hex 50") << p + "3/255/4/0/3" << QByteArray(50, 'A')
                                   << QByteArray("3;255;4;0;3;") + QByteArray(50, 'A') << QString();
    QTest::newRow("position with ;") << p + "7/2/1/0/49" << QByteArray("52.1;4.3;10")
                                     << QByteArray("7;2;1;0;49;52.1;4.3;10") << QString();
    QTest::newRow("leading zeros") << p + "007/002/01/00/049" << QByteArray("x")
                                   << QByteArray("7;2;1;0;49;x") << QString();
    QTest::newRow("echo, maxima") << p + "255/255/4/1/255" << QByteArray("\xC3\xA9")
                                  << QByteArray("255;255;4;1;255;\xC3\xA9") << QString();

    QTest::newRow("other prefix") << QByteArray("mygateway2-out/5/1/1/0/0") << QByteArray("1")
                                  << QByteArray() << u"not under the gateway's prefix"_s;
    QTest::newRow("prefix without slash")
            << QByteArray("mygateway1-out5/1/1/0/0") << QByteArray("1") << QByteArray()
            << u"not under the gateway's prefix"_s;
    QTest::newRow("prefix only") << QByteArray("mygateway1-out/") << QByteArray("1") << QByteArray()
                                 << u"node id is empty"_s;
    QTest::newRow("four levels") << p + "5/1/1/0" << QByteArray("1") << QByteArray()
                                 << u"4 levels after the prefix"_s;
    QTest::newRow("six levels") << p + "5/1/1/0/0/9" << QByteArray("1") << QByteArray()
                                << u"more than the 5 levels"_s;
    QTest::newRow("empty level") << p + "5//1/0/0" << QByteArray("1") << QByteArray()
                                 << u"child sensor id is empty"_s;
    QTest::newRow("letters") << p + "a/1/1/0/0" << QByteArray("1") << QByteArray()
                             << u"node id \"a\" is not a decimal number"_s;
    QTest::newRow("sign") << p + "-1/1/1/0/0" << QByteArray("1") << QByteArray()
                          << u"node id \"-1\" is not a decimal number"_s;
    QTest::newRow("space") << p + "5/1 /1/0/0" << QByteArray("1") << QByteArray()
                           << u"child sensor id \"1 \" is not a decimal number"_s;
    QTest::newRow("node 256") << p + "256/1/1/0/0" << QByteArray("1") << QByteArray()
                              << u"node id \"256\" is out of range (0 to 255)"_s;
    QTest::newRow("huge")
            << p + "5/1/1/0/99999999999999999999" << QByteArray("1") << QByteArray()
            << u"the type \"999999999999\"... (20 bytes) is out of range (0 to 255)"_s;
    QTest::newRow("command 5") << p + "5/1/5/0/0" << QByteArray("1") << QByteArray()
                               << u"command \"5\" is out of range (0 to 4)"_s;
    QTest::newRow("ack 2") << p + "5/1/1/2/0" << QByteArray("1") << QByteArray()
                           << u"ack \"2\" is out of range (0 to 1)"_s;
    QTest::newRow("payload 51") << p + "5/1/1/0/0" << QByteArray(51, 'x') << QByteArray()
                                << u"payload of 51 bytes is longer than the 50"_s;
    QTest::newRow("payload 1 MiB") << p + "5/1/1/0/0" << QByteArray(1 << 20, 'x') << QByteArray()
                                   << u"payload of 1048576 bytes"_s;
    QTest::newRow("line break")
            << p + "5/1/1/0/0" << QByteArray("1\n0;0;3;0;13;") << QByteArray()
            << u"payload \"1\\n0;0;3;0;13;\" holds control byte 0x0a at offset 1"_s;
    QTest::newRow("carriage return") << p + "5/1/1/0/0" << QByteArray("1\r") << QByteArray()
                                     << u"control byte 0x0d at offset 1"_s;
    QTest::newRow("nul") << p + "5/1/1/0/0" << QByteArray("a\0b", 3) << QByteArray()
                         << u"payload \"a\\x00b\" holds control byte 0x00"_s;
    QTest::newRow("escape in topic") << p + "5/1/1/0/\x1b[2J" << QByteArray("1") << QByteArray()
                                     << u"type \"\\x1b[2J\" is not a decimal number"_s;
}

void tst_MqttLink::incomingMapping()
{
    QFETCH(QByteArray, topic);
    QFETCH(QByteArray, payload);
    QFETCH(QByteArray, unit);
    QFETCH(QString, error);

    const Result<QByteArray> mapped = mqttMessageToUnit("mygateway1-out", topic, payload);
    if (!unit.isEmpty()) {
        QVERIFY2(mapped, mapped ? "" : qPrintable(mapped.error().message()));
        QCOMPARE(*mapped, unit);
        // And back through the gateway's topic layout to the same topic fields.
        const Result<MqttPublication> back = unitToMqttMessage("mygateway1-out", *mapped);
        QVERIFY(back);
        QCOMPARE(back->payload, payload);
        QCOMPARE(mqttMessageToUnit("mygateway1-out", back->topic, back->payload).value(), unit);
        return;
    }
    QVERIFY(!mapped);
    QCOMPARE(mapped.error().code(), ErrorCode::Malformed);
    QVERIFY2(mapped.error().message().contains(error), qPrintable(mapped.error().message()));
    QVERIFY(!mapped.error().message().contains(u'\n'));
    QVERIFY(mapped.error().message().size() < 400); // a 1 MiB payload is not quoted whole
}

void tst_MqttLink::outgoingMapping_data()
{
    QTest::addColumn<QByteArray>("unit");
    QTest::addColumn<QByteArray>("topic"); // empty: refused
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QString>("error");

    const QByteArray p = "mygateway1-in/";
    QTest::newRow("switch on") << QByteArray("5;1;1;1;2;1") << p + "5/1/1/1/2" << QByteArray("1")
                               << QString();
    QTest::newRow("version request")
            << QByteArray("0;255;3;0;2;") << p + "0/255/3/0/2" << QByteArray() << QString();
    QTest::newRow("no sixth field")
            << QByteArray("0;255;3;0;2") << p + "0/255/3/0/2" << QByteArray() << QString();
    QTest::newRow("payload with ;") << QByteArray("7;2;1;0;49;52.1;4.3;10") << p + "7/2/1/0/49"
                                    << QByteArray("52.1;4.3;10") << QString();
    QTest::newRow("leading zeros")
            << QByteArray("007;2;1;0;49;x") << p + "7/2/1/0/49" << QByteArray("x") << QString();
    QTest::newRow("garbage") << QByteArray("hello") << QByteArray() << QByteArray()
                             << u"it has 1 of the 5 fields"_s;
    QTest::newRow("four fields") << QByteArray("5;1;1;0") << QByteArray() << QByteArray()
                                 << u"it has 4 of the 5 fields"_s;
    QTest::newRow("node 300") << QByteArray("300;1;1;0;2;1") << QByteArray() << QByteArray()
                              << u"node id \"300\" is out of range"_s;
    QTest::newRow("command 7") << QByteArray("5;1;7;0;2;1") << QByteArray() << QByteArray()
                               << u"command \"7\" is out of range"_s;
    QTest::newRow("collapsed ;;") << QByteArray("5;;1;1;0;2;1") << QByteArray() << QByteArray()
                                  << u"child sensor id is empty"_s;
    QTest::newRow("control byte") << QByteArray("5;1;1;0;2;a\x01") << QByteArray() << QByteArray()
                                  << u"control byte 0x01 at offset 1"_s;
}

void tst_MqttLink::outgoingMapping()
{
    QFETCH(QByteArray, unit);
    QFETCH(QByteArray, topic);
    QFETCH(QByteArray, payload);
    QFETCH(QString, error);

    const Result<MqttPublication> mapped = unitToMqttMessage("mygateway1-in", unit);
    if (!topic.isEmpty()) {
        QVERIFY2(mapped, mapped ? "" : qPrintable(mapped.error().message()));
        QCOMPARE(mapped->topic, topic);
        QCOMPARE(mapped->payload, payload);
        return;
    }
    QVERIFY(!mapped);
    QVERIFY2(mapped.error().message().contains(error), qPrintable(mapped.error().message()));
}

void tst_MqttLink::settingsRefused_data()
{
    QTest::addColumn<QVariantMap>("settings");
    QTest::addColumn<QString>("error"); // each names the key

    QTest::newRow("unknown key") << QVariantMap {{u"hots"_s, u"broker"_s}}
                                 << u"unknown mqtt setting \"hots\""_s;
    QTest::newRow("port 0") << QVariantMap {{u"port"_s, 0}} << u"\"port\" is 0 (allowed: 1 to"_s;
    QTest::newRow("port 70000") << QVariantMap {{u"port"_s, 70000}} << u"\"port\" is 70000"_s;
    QTest::newRow("port as text") << QVariantMap {{u"port"_s, u"1883"_s}}
                                  << u"\"port\" must be a whole number, not QString"_s;
    QTest::newRow("port 1.5") << QVariantMap {{u"port"_s, 1.5}} << u"\"port\" must be a whole"_s;
    QTest::newRow("host empty") << QVariantMap {{u"host"_s, u" "_s}} << u"\"host\" must be"_s;
    QTest::newRow("host number") << QVariantMap {{u"host"_s, 5}}
                                 << u"\"host\" must be a string, not int"_s;
    QTest::newRow("qos 2") << QVariantMap {{u"qos"_s, 2}} << u"\"qos\" must be 0 or 1, not 2"_s;
    QTest::newRow("keepalive 2") << QVariantMap {{u"keepaliveSeconds"_s, 2}}
                                 << u"\"keepaliveSeconds\" is 2 (allowed: 5 to 65535)"_s;
    QTest::newRow("timeout 0") << QVariantMap {{u"connectTimeoutSeconds"_s, 0}}
                               << u"\"connectTimeoutSeconds\" is 0"_s;
    QTest::newRow("wildcard prefix") << QVariantMap {{u"publishPrefix"_s, u"gw/+/in"_s}}
                                     << u"\"publishPrefix\" is not usable: the topic prefix "
                                        u"\"gw/+/in\" holds a wildcard"_s;
    QTest::newRow("hash prefix") << QVariantMap {{u"subscribePrefix"_s, u"gw/#"_s}}
                                 << u"\"subscribePrefix\" is not usable"_s;
    QTest::newRow("trailing slash") << QVariantMap {{u"subscribePrefix"_s, u"gw-out/"_s}}
                                    << u"\"subscribePrefix\" is not usable: the topic prefix "
                                       u"\"gw-out/\" has an empty level"_s;
    QTest::newRow("empty prefix") << QVariantMap {
            {u"publishPrefix"_s,
             QString()}} << u"\"publishPrefix\" is not usable: the topic prefix is empty"_s;
    QTest::newRow("same prefixes")
            << QVariantMap {{u"publishPrefix"_s, u"gw"_s}, {u"subscribePrefix"_s, u"gw"_s}}
            << u"\"subscribePrefix\" equals \"publishPrefix\""_s;
    QTest::newRow("password alone")
            << QVariantMap {{u"password"_s, QString::fromUtf8(kLinkPassword)}}
            << u"\"password\" is given without a \"username\""_s;
    QTest::newRow("password number") << QVariantMap {{u"username"_s, u"u"_s}, {u"password"_s, 1234}}
                                     << u"\"password\" must be a string, not int"_s;
    QTest::newRow("missing ca file") << QVariantMap {{u"caFile"_s, u"/nonexistent/ca.pem"_s}}
                                     << u"\"caFile\" names \"/nonexistent/ca.pem\", which is not"_s;
    QTest::newRow("client id with newline")
            << QVariantMap {{u"clientId"_s, u"a\nb"_s}} << u"\"clientId\" must be at most"_s;
}

void tst_MqttLink::settingsRefused()
{
    QFETCH(QVariantMap, settings);
    QFETCH(QString, error);

    MqttLinkFactory factory;
    Result<std::unique_ptr<Link>> link = factory.create({u"mqtt"_s, u"gw1"_s, settings});
    QVERIFY(!link);
    QCOMPARE(link.error().code(), ErrorCode::InvalidArgument);
    // The link's name as every link message gives it (the shared LinkSettingsReader).
    QVERIFY2(link.error().message().startsWith(u"link gw1: "_s),
             qPrintable(link.error().message()));
    QVERIFY2(link.error().message().contains(error), qPrintable(link.error().message()));
    QVERIFY(!link.error().message().contains(QString::fromUtf8(kLinkPassword)));

    // The defaults themselves are good, and every default key is known.
    QVERIFY(factory.create({u"mqtt"_s, u"gw1"_s, factory.defaultSettings()}));
}

// --- against the broker ------------------------------------------------------------------------

void tst_MqttLink::linesBothWays()
{
    Broker broker;
    QVERIFY(broker.start());
    Gateway gateway("gateway-1");
    QVERIFY(gateway.start(broker.port(), "mygateway1-in/#"));

    Recorder seen;
    auto link = makeLink(u"gw1"_s, broker.port());
    QVERIFY(link);
    seen.attach(link.get());
    QVERIFY(link->clientId().startsWith(u"warden-gw1-"_s));
    link->open();
    QTRY_COMPARE_WITH_TIMEOUT(link->state(), LinkState::Connected, kWait);
    QVERIFY(seen.states == (QList<LinkState> {LinkState::Connecting, LinkState::Connected}));

    // Gateway -> controller: the exact units of spec 2.1 from the topics of spec 12.
    gateway.publish("mygateway1-out/5/1/1/0/0", "23.5");
    gateway.publish("mygateway1-out/0/255/0/0/18", "2.3.2");
    gateway.publish("mygateway1-out/7/2/1/0/49", "52.1;4.3;10");
    gateway.publish("mygateway1-out/3/255/4/0/3", "0102AB");
    gateway.publish("mygateway1-out/1/255/3/0/2", "");
    gateway.publish("mygateway1-out/9/9/9", "not for the link: another layout");
    gateway.publish("mygateway1-out/5/1/1/0/0", "24.0");
    const QList<QByteArray> expected {"5;1;1;0;0;23.5",         "0;255;0;0;18;2.3.2",
                                      "7;2;1;0;49;52.1;4.3;10", "3;255;4;0;3;0102AB",
                                      "1;255;3;0;2;",           "5;1;1;0;0;24.0"};
    QTRY_COMPARE_WITH_TIMEOUT(seen.units.size(), expected.size(), kWait);
    QCOMPARE(seen.units, expected);

    // Controller -> gateway.
    QVERIFY(link->send("5;1;1;1;2;1"));
    QVERIFY(link->send("0;255;3;0;2"));
    QVERIFY(link->send("12;0;1;0;3;50"));
    QVERIFY(link->send("007;2;1;0;24;hello;world"));
    QTRY_COMPARE_WITH_TIMEOUT(gateway.received.size(), 4, kWait);
    QCOMPARE(gateway.received[0].topic, QByteArray("mygateway1-in/5/1/1/1/2"));
    QCOMPARE(gateway.received[0].payload, QByteArray("1"));
    QCOMPARE(gateway.received[1].topic, QByteArray("mygateway1-in/0/255/3/0/2"));
    QCOMPARE(gateway.received[1].payload, QByteArray());
    QCOMPARE(gateway.received[2].topic, QByteArray("mygateway1-in/12/0/1/0/3"));
    QCOMPARE(gateway.received[2].payload, QByteArray("50"));
    QCOMPARE(gateway.received[3].topic, QByteArray("mygateway1-in/7/2/1/0/24"));
    QCOMPARE(gateway.received[3].payload, QByteArray("hello;world"));

    // A line that is no controller line cannot become a topic: dropped, said, and the queue
    // goes on.
    QVERIFY(link->send("hello"));
    QVERIFY(link->send("5;1;1;0;2;0"));
    QTRY_COMPARE_WITH_TIMEOUT(gateway.received.size(), 5, kWait);
    QCOMPARE(gateway.received[4].topic, QByteArray("mygateway1-in/5/1/1/0/2"));
    QCOMPARE(seen.errorsContaining(u"line \"hello\" cannot be published: it has 1 of the 5"_s), 1);

    const LinkStatistics stats = link->statistics();
    QCOMPARE(stats.unitsIn, quint64(6));
    QCOMPARE(stats.unitsOut, quint64(6));
    QCOMPARE(stats.connects, quint64(1));
    QCOMPARE(stats.drops, quint64(0));
    QCOMPARE(stats.malformed, quint64(0));
    QVERIFY(stats.bytesIn > 0 && stats.bytesOut > 0);
    QCOMPARE(seen.sent, (QList<quint64> {1, 2, 3, 4, 5, 6}));

    link->close();
    QCOMPARE(link->state(), LinkState::Closed);
}

void tst_MqttLink::twoGatewaysOneBroker()
{
    Broker broker;
    QVERIFY(broker.start());
    Gateway gatewayA("gateway-a");
    Gateway gatewayB("gateway-b");
    QVERIFY(gatewayA.start(broker.port(), "gwA-in/#"));
    QVERIFY(gatewayB.start(broker.port(), "gwB-in/#"));

    Recorder seenA;
    Recorder seenB;
    auto linkA
            = makeLink(u"site A"_s, broker.port(),
                       {{u"publishPrefix"_s, u"gwA-in"_s}, {u"subscribePrefix"_s, u"gwA-out"_s}});
    auto linkB
            = makeLink(u"site B"_s, broker.port(),
                       {{u"publishPrefix"_s, u"gwB-in"_s}, {u"subscribePrefix"_s, u"gwB-out"_s}});
    QVERIFY(linkA && linkB);
    QVERIFY(linkA->clientId() != linkB->clientId());
    seenA.attach(linkA.get());
    seenB.attach(linkB.get());
    linkA->open();
    linkB->open();
    QTRY_VERIFY_WITH_TIMEOUT(linkA->state() == LinkState::Connected
                                     && linkB->state() == LinkState::Connected,
                             kWait);

    // B's traffic first, all of it through: had any of it been routed to A, the broker
    // (one FIFO per client) would deliver it to A before A's own message below.
    for (int i = 0; i < 20; ++i)
        gatewayB.publish("gwB-out/2/" + QByteArray::number(i) + "/1/0/0", "b");
    QTRY_COMPARE_WITH_TIMEOUT(seenB.units.size(), 20, kWait);
    for (int i = 0; i < 20; ++i)
        gatewayA.publish("gwA-out/1/" + QByteArray::number(i) + "/1/0/0", "a");
    QTRY_COMPARE_WITH_TIMEOUT(seenA.units.size(), 20, kWait);
    for (const QByteArray &unit : std::as_const(seenA.units))
        QVERIFY2(unit.startsWith("1;") && unit.endsWith(";a"), unit.constData());
    for (const QByteArray &unit : std::as_const(seenB.units))
        QVERIFY2(unit.startsWith("2;") && unit.endsWith(";b"), unit.constData());

    // And the other way: each gateway hears only its own link.
    QVERIFY(linkA->send("1;1;1;0;2;to-a"));
    QVERIFY(linkB->send("2;1;1;0;2;to-b"));
    QVERIFY(linkA->send("1;1;1;0;2;to-a-again"));
    QTRY_COMPARE_WITH_TIMEOUT(gatewayA.received.size(), 2, kWait);
    QTRY_COMPARE_WITH_TIMEOUT(gatewayB.received.size(), 1, kWait);
    QCOMPARE(gatewayA.payloads(), (QList<QByteArray> {"to-a", "to-a-again"}));
    QCOMPARE(gatewayB.payloads(), (QList<QByteArray> {"to-b"}));
    QCOMPARE(gatewayB.received[0].topic, QByteArray("gwB-in/2/1/1/0/2"));
    QCOMPARE(seenA.units.size(), 20);
    QCOMPARE(seenB.units.size(), 20);
}

void tst_MqttLink::hostileGateway()
{
    Broker broker;
    QVERIFY(broker.start());
    Gateway hostile("hostile");
    Gateway honest("honest");
    QVERIFY(hostile.start(broker.port(), "bad-in/#"));
    QVERIFY(honest.start(broker.port(), "good-in/#"));

    Recorder seenBad;
    Recorder seenGood;
    auto bad = makeLink(u"bad"_s, broker.port(),
                        {{u"publishPrefix"_s, u"bad-in"_s}, {u"subscribePrefix"_s, u"bad-out"_s}});
    auto good
            = makeLink(u"good"_s, broker.port(),
                       {{u"publishPrefix"_s, u"good-in"_s}, {u"subscribePrefix"_s, u"good-out"_s}});
    QVERIFY(bad && good);
    seenBad.attach(bad.get());
    seenGood.attach(good.get());
    bad->open();
    good->open();
    QTRY_VERIFY_WITH_TIMEOUT(
            bad->state() == LinkState::Connected && good->state() == LinkState::Connected, kWait);
    takeLog();

    // Each kind of garbage once, between valid messages: each reported, counted and logged
    // with what was wrong; the valid ones arrive in order.
    const QList<QPair<QByteArray, QByteArray>> garbage {
            {"bad-out/x/1/1/0/0", "1"},
            {"bad-out/256/1/1/0/0", "1"},
            {"bad-out/1/1/5/0/0", "1"},
            {"bad-out/1/1/1/2/0", "1"},
            {"bad-out/1//1/0/0", "1"},
            {"bad-out/1/1/1/0/99999999999999999999999", "1"},
            {"bad-out/1/1/1/0/0", QByteArray(51, 'x')},
            {"bad-out/1/1/1/0/0", QByteArray(256 * 1024, 'y')},
            {"bad-out/1/1/1/0/0", "1\n0;255;3;0;13;"},
            {"bad-out/1/1/1/0/0", QByteArray("\0", 1)},
    };
    for (qsizetype i = 0; i < garbage.size(); ++i) {
        hostile.publish("bad-out/1/1/1/0/2", QByteArray::number(i));
        hostile.publish(garbage[i].first, garbage[i].second);
    }
    hostile.publish("bad-out/1/1/1/0/2", "end");
    QTRY_COMPARE_WITH_TIMEOUT(seenBad.units.size(), garbage.size() + 1, kWait);
    for (qsizetype i = 0; i < garbage.size(); ++i)
        QCOMPARE(seenBad.units[i], "1;1;1;0;2;" + QByteArray::number(i));
    QCOMPARE(bad->statistics().malformed, quint64(garbage.size()));
    QCOMPARE(seenBad.errors.size(), garbage.size());
    for (const QString &what :
         {u"node id \"x\" is not a decimal number"_s, u"node id \"256\" is out of range"_s,
          u"command \"5\" is out of range"_s, u"ack \"2\" is out of range"_s,
          u"child sensor id is empty"_s, u"type \"9999"_s, u"payload of 51 bytes"_s,
          u"payload of 262144 bytes"_s, u"holds control byte 0x0a at offset 1"_s,
          u"holds control byte 0x00 at offset 0"_s})
        QVERIFY2(seenBad.errorsContaining(what) == 1, qPrintable(what));
    const QStringList log = takeLog().filter(u"malformed input"_s);
    QCOMPARE(log.size(), garbage.size());
    QVERIFY(log.filter(u"payload \"1\\n0;255;3;0;13;\" holds control byte 0x0a"_s).size() == 1);
    QCOMPARE(bad->state(), LinkState::Connected);

    // A flood of garbage: past MqttLink::kMalformedPerSecond the connection is cut and made
    // again, while the honest gateway's link, in the same thread, misses nothing.
    constexpr int kFlood = 3000;
    for (int i = 0; i < kFlood; ++i) {
        hostile.publish("bad-out/1/1/1/0/junk", "flood");
        if (i % 100 == 0)
            honest.publish("good-out/4/1/1/0/2", QByteArray::number(i / 100));
    }
    QTRY_VERIFY_WITH_TIMEOUT(bad->statistics().drops >= 1, kWait);
    QVERIFY(seenBad.errorsContaining(u"more than 200 malformed inputs within a second"_s) >= 1);
    QTRY_COMPARE_WITH_TIMEOUT(seenGood.units.size(), kFlood / 100, kWait);
    for (int i = 0; i < kFlood / 100; ++i)
        QCOMPARE(seenGood.units[i], "4;1;1;0;2;" + QByteArray::number(i));
    QCOMPARE(good->statistics().malformed, quint64(0));
    QCOMPARE(good->statistics().drops, quint64(0));
    QVERIFY(bad->statistics().malformed > quint64(MqttLink::kMalformedPerSecond));

    // The flooded link is back by itself and carries valid messages again. (Sent until heard:
    // should the end of the flood cut the new connection too, a message published meanwhile
    // is gone with it, as on any MQTT link with a clean session.)
    QTRY_COMPARE_WITH_TIMEOUT(bad->state(), LinkState::Connected, kWait);
    const QByteArray after = "1;1;1;0;2;after the flood";
    bool heard = false;
    for (int attempt = 0; attempt < 10 && !heard; ++attempt) {
        hostile.publish("bad-out/1/1/1/0/2", "after the flood");
        heard = QTest::qWaitFor([&] { return seenBad.units.contains(after); }, 1000);
    }
    QVERIFY(heard);
    QVERIFY(good->send("4;1;1;0;2;still here"));
    QTRY_COMPARE_WITH_TIMEOUT(honest.received.size(), 1, kWait);
}

void tst_MqttLink::brokerRestartMidTraffic()
{
    Broker broker;
    const QString passwords = broker.path(u"passwd"_s);
    QVERIFY(setPassword(passwords, u"gateway"_s, "gw-pw"));
    QVERIFY(setPassword(passwords, u"warden"_s, kLinkPassword));
    QVERIFY(broker.start(passwords));
    auto gateway = std::make_unique<Gateway>("gateway-1");
    QVERIFY(gateway->start(broker.port(), "mygateway1-in/#", "gateway", "gw-pw"));

    Recorder seen;
    auto link = makeLink(
            u"gw1"_s, broker.port(),
            {{u"username"_s, u"warden"_s}, {u"password"_s, QString::fromUtf8(kLinkPassword)}});
    QVERIFY(link);
    seen.attach(link.get());
    link->open();
    QTRY_COMPARE_WITH_TIMEOUT(link->state(), LinkState::Connected, kWait);

    // Unit n carries n as its payload; ids are 1, 2, 3... in the same order.
    int next = 1;
    auto sendNext = [&] {
        const Result<quint64> id = link->send("1;1;1;0;2;" + QByteArray::number(next));
        QVERIFY(id && *id == quint64(next));
        ++next;
    };
    for (int i = 0; i < 30; ++i)
        sendNext();
    QTRY_COMPARE_WITH_TIMEOUT(gateway->received.size(), 30, kWait);

    // Traffic keeps flowing while the broker dies.
    QTimer traffic;
    traffic.setInterval(3);
    QObject::connect(&traffic, &QTimer::timeout, &traffic, sendNext);
    traffic.start();
    QTRY_VERIFY_WITH_TIMEOUT(gateway->received.size() >= 50, kWait);
    broker.kill();
    // Into the dead connection before the link heard of it: the broker's end said goodbye
    // (FIN or RST) as it died, so none is written into it; all stay queued.
    for (int i = 0; i < 10; ++i)
        sendNext();
    QVERIFY(link->pendingCount() >= 10); // the queue is in order: the last ten wait
    QTRY_COMPARE_WITH_TIMEOUT(link->state(), LinkState::Waiting, kWait);
    const quint64 sentBeforeDrop = quint64(seen.sent.size());
    // Sent meanwhile: queued, not sent.
    QTRY_VERIFY_WITH_TIMEOUT(link->pendingCount() >= 40, kWait);
    traffic.stop();
    const int last = next - 1;
    QCOMPARE(quint64(seen.sent.size()), sentBeforeDrop);
    QCOMPARE(link->pendingCount(), qsizetype(last - int(sentBeforeDrop)));
    QVERIFY(link->statistics().drops >= 1);

    // The broker comes back on the same port, first without the link's user: the link keeps
    // trying (refused by the broker) while the gateway connects and subscribes...
    QVERIFY(setPassword(passwords, u"warden"_s, {}));
    QVERIFY(broker.start(passwords));
    const QList<Gateway::Message> beforeRestart = gateway->received;
    gateway = std::make_unique<Gateway>("gateway-1");
    QVERIFY(gateway->start(broker.port(), "mygateway1-in/#", "gateway", "gw-pw"));
    QTRY_VERIFY_WITH_TIMEOUT(seen.errorsContaining(u"refused the connection"_s) >= 1, kWait);
    QCOMPARE(link->state() == LinkState::Connected, false);
    // ...then the link is let in, reconnects and resubscribes by itself, and flushes.
    QVERIFY(setPassword(passwords, u"warden"_s, kLinkPassword));
    QVERIFY(broker.reload());
    QTRY_COMPARE_WITH_TIMEOUT(link->state(), LinkState::Connected, kWait);
    QTRY_COMPARE_WITH_TIMEOUT(link->pendingCount(), 0, kWait);
    QTRY_COMPARE_WITH_TIMEOUT(gateway->received.size(), last - int(sentBeforeDrop), kWait);

    // Every queued unit exactly once, in order, after the restart.
    QList<QByteArray> queued;
    for (int n = int(sentBeforeDrop) + 1; n <= last; ++n)
        queued.append(QByteArray::number(n));
    QCOMPARE(gateway->payloads(), queued);
    // Before the drop: in order, none twice; the last few written as the broker died may be
    // lost with it (qos 0: the transport's, like bytes in a TCP send buffer).
    QList<int> before;
    for (const Gateway::Message &m : beforeRestart)
        before.append(m.payload.toInt());
    for (qsizetype i = 0; i < before.size(); ++i)
        QCOMPARE(before[i], int(i + 1));
    QVERIFY(before.size() <= qsizetype(sentBeforeDrop));
    qInfo("units: %d sent, %d before the drop (%lld of them reached the gateway), %d queued", last,
          int(sentBeforeDrop), qlonglong(before.size()), last - int(sentBeforeDrop));
    // unitSent once per unit, in order.
    QCOMPARE(seen.sent.size(), last);
    for (int i = 0; i < last; ++i)
        QCOMPARE(seen.sent[i], quint64(i + 1));

    // Resubscribed: the gateway is heard again.
    gateway->publish("mygateway1-out/9/9/1/0/2", "after the restart");
    QTRY_VERIFY_WITH_TIMEOUT(!seen.units.isEmpty(), kWait);
    QCOMPARE(seen.units.last(), QByteArray("9;9;1;0;2;after the restart"));
    QCOMPARE(link->statistics().connects, quint64(2));
    for (const QString &error : std::as_const(seen.errors))
        QVERIFY(!error.contains(QString::fromUtf8(kLinkPassword)));
}

void tst_MqttLink::closeAndReopen()
{
    Broker broker;
    QVERIFY(broker.start());
    Gateway gateway("gateway-1");
    QVERIFY(gateway.start(broker.port(), "mygateway1-in/#"));
    Recorder seen;
    auto link = makeLink(u"gw1"_s, broker.port());
    QVERIFY(link);
    seen.attach(link.get());
    link->open();
    QTRY_COMPARE_WITH_TIMEOUT(link->state(), LinkState::Connected, kWait);
    QVERIFY(link->send("1;1;1;0;2;a"));
    QTRY_COMPARE_WITH_TIMEOUT(gateway.received.size(), 1, kWait);

    link->close();
    QCOMPARE(link->state(), LinkState::Closed);
    QVERIFY(link->send("1;1;1;0;2;b"));
    QVERIFY(link->send("1;1;1;0;2;c"));
    gateway.publish("mygateway1-out/1/1/1/0/2", "while closed");
    QTest::qWait(100); // nothing may arrive while closed
    QCOMPARE(gateway.received.size(), 1);
    QCOMPARE(link->pendingCount(), 2);
    QVERIFY(seen.units.isEmpty());

    link->open();
    QTRY_COMPARE_WITH_TIMEOUT(link->state(), LinkState::Connected, kWait);
    QTRY_COMPARE_WITH_TIMEOUT(gateway.received.size(), 3, kWait);
    QCOMPARE(gateway.payloads(), (QList<QByteArray> {"a", "b", "c"}));
    gateway.publish("mygateway1-out/1/1/1/0/2", "open again");
    QTRY_COMPARE_WITH_TIMEOUT(seen.units.size(), 1, kWait);
    QCOMPARE(seen.units[0], QByteArray("1;1;1;0;2;open again"));
    QCOMPARE(link->statistics().drops, quint64(0));
}

void tst_MqttLink::qosOne()
{
    Broker broker;
    QVERIFY(broker.start());
    Gateway gateway("gateway-1");
    QVERIFY(gateway.start(broker.port(), "mygateway1-in/#"));
    Recorder seen;
    auto link = makeLink(u"gw1"_s, broker.port(), {{u"qos"_s, 1}});
    QVERIFY(link);
    seen.attach(link.get());
    link->open();
    QTRY_COMPARE_WITH_TIMEOUT(link->state(), LinkState::Connected, kWait);

    // More than the unacknowledged window at once: the rest waits for PUBACKs, in order.
    constexpr int kUnits = 5 * MqttLink::kMaxUnacknowledged;
    for (int i = 0; i < kUnits; ++i)
        QVERIFY(link->send("1;1;1;0;2;" + QByteArray::number(i)));
    QVERIFY(link->pendingCount() > 0);
    QTRY_COMPARE_WITH_TIMEOUT(gateway.received.size(), kUnits, kWait);
    for (int i = 0; i < kUnits; ++i)
        QCOMPARE(gateway.received[i].payload, QByteArray::number(i));
    QCOMPARE(link->pendingCount(), 0);
    gateway.publish("mygateway1-out/1/1/1/0/2", "in");
    QTRY_COMPARE_WITH_TIMEOUT(seen.units.size(), 1, kWait);
}

void tst_MqttLink::brokerAbsent()
{
    Broker broker; // not started yet: nothing listens on its port
    Recorder seen;
    auto link = makeLink(u"gw1"_s, broker.port());
    QVERIFY(link);
    seen.attach(link.get());
    link->setReconnectBackoff(20ms, 80ms);
    link->open();
    QTRY_VERIFY_WITH_TIMEOUT(link->statistics().drops >= 4, kWait);
    QVERIFY(link->state() != LinkState::Connected);
    QVERIFY(seen.errorsContaining(
                    u"cannot connect to the broker at 127.0.0.1:%1"_s.arg(broker.port()))
                    + seen.errorsContaining(
                            u"connection to the broker at 127.0.0.1:%1 lost"_s.arg(broker.port()))
            >= 4);
    QVERIFY(link->currentBackoff() == 80ms);
    QVERIFY(link->send("1;1;1;0;2;kept"));
    QCOMPARE(link->pendingCount(), 1);

    // A broker appears: the link connects by itself and sends what it kept.
    QVERIFY(broker.start());
    Gateway gateway("gateway-1");
    QVERIFY(gateway.start(broker.port(), "mygateway1-in/#"));
    QTRY_COMPARE_WITH_TIMEOUT(link->state(), LinkState::Connected, kWait);
    QTRY_COMPARE_WITH_TIMEOUT(gateway.received.size(), 1, kWait);
    QCOMPARE(gateway.received[0].payload, QByteArray("kept"));
    QCOMPARE(link->statistics().connects, quint64(1));
}

void tst_MqttLink::silentPeer()
{
    // Takes the connection and never answers the CONNECT.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    Recorder seen;
    auto link = makeLink(u"gw1"_s, silent.serverPort(), {{u"connectTimeoutSeconds"_s, 1}});
    QVERIFY(link);
    seen.attach(link.get());
    link->setReconnectBackoff(30s, 30s); // one attempt is enough
    link->open();
    QTRY_VERIFY_WITH_TIMEOUT(silent.hasPendingConnections(), kWait);
    QTRY_COMPARE_WITH_TIMEOUT(link->statistics().drops, quint64(1), kWait);
    QCOMPARE(link->state(), LinkState::Waiting);
    QCOMPARE(seen.errorsContaining(u"no connection to the broker at 127.0.0.1:%1 within 1 s"_s.arg(
                     silent.serverPort())),
             1);
    link->close();
}

void tst_MqttLink::cablePulled()
{
    Broker broker;
    QVERIFY(broker.start());
    Gateway gateway("gateway-1");
    QVERIFY(gateway.start(broker.port(), "mygateway1-in/#"));
    Recorder seen;
    auto link = makeLink(u"gw1"_s, broker.port(),
                         {{u"keepaliveSeconds"_s, 5}, {u"connectTimeoutSeconds"_s, 2}});
    QVERIFY(link);
    seen.attach(link.get());
    link->open();
    QTRY_COMPARE_WITH_TIMEOUT(link->state(), LinkState::Connected, kWait);
    QVERIFY(link->send("1;1;1;0;2;0"));
    QTRY_COMPARE_WITH_TIMEOUT(gateway.received.size(), 1, kWait);

    // No FIN, no RST, no answer: only the keepalive can tell (a PINGREQ after 5 s, no PINGRESP
    // within 5 more).
    QElapsedTimer silence;
    silence.start();
    QVERIFY(broker.freeze());
    QTRY_COMPARE_WITH_TIMEOUT(link->state(), LinkState::Waiting, 4 * kWait);
    qInfo("a silent broker noticed after %lld ms (keepalive 5 s)", qlonglong(silence.elapsed()));
    QVERIFY(seen.errorsContaining(
                    u"connection to the broker at 127.0.0.1:%1 lost"_s.arg(broker.port()))
            >= 1);
    for (int i = 1; i <= 20; ++i)
        QVERIFY(link->send("1;1;1;0;2;" + QByteArray::number(i)));
    QCOMPARE(link->pendingCount(), 20);

    // The cable back in: the link reconnects by itself and sends the queue once, in order.
    QVERIFY(broker.thaw());
    QTRY_COMPARE_WITH_TIMEOUT(link->state(), LinkState::Connected, 2 * kWait);
    QTRY_COMPARE_WITH_TIMEOUT(gateway.received.size(), 21, kWait);
    QList<QByteArray> expected;
    for (int i = 0; i <= 20; ++i)
        expected.append(QByteArray::number(i));
    QCOMPARE(gateway.payloads(), expected);
    gateway.publish("mygateway1-out/1/1/1/0/2", "back");
    QTRY_COMPARE_WITH_TIMEOUT(seen.units.size(), 1, kWait);
}

/// Runs openssl with @p args in @p dir.
bool openssl(const QString &dir, const QStringList &args)
{
    QProcess tool;
    tool.setWorkingDirectory(dir);
    tool.setProcessChannelMode(QProcess::MergedChannels);
    tool.start(QStringLiteral(WARDEN_OPENSSL), args);
    if (!tool.waitForFinished(kWait) || tool.exitStatus() != QProcess::NormalExit
        || tool.exitCode() != 0) {
        qWarning("openssl %s: %s", qPrintable(args.join(u' ')), tool.readAll().constData());
        return false;
    }
    return true;
}

/// A CA named @p name in @p dir: <name>.crt and <name>.key.
bool makeCa(const QString &dir, const QString &name)
{
    return openssl(dir,
                   {u"req"_s, u"-x509"_s, u"-newkey"_s, u"ec"_s, u"-pkeyopt"_s,
                    u"ec_paramgen_curve:prime256v1"_s, u"-nodes"_s, u"-keyout"_s, name + u".key"_s,
                    u"-out"_s, name + u".crt"_s, u"-days"_s, u"2"_s, u"-subj"_s, u"/CN="_s + name});
}

void tst_MqttLink::tls()
{
    if (QByteArray(WARDEN_OPENSSL).isEmpty())
        QSKIP("openssl (to make the test's certificates) was not found at configure time");
    // A CA, a broker certificate for 127.0.0.1 signed by it, and an unrelated CA.
    Broker broker;
    const QString dir = broker.path(QString());
    QFile ext(broker.path(u"server.ext"_s));
    QVERIFY(ext.open(QIODevice::WriteOnly));
    ext.write("subjectAltName=IP:127.0.0.1\n");
    ext.close();
    QVERIFY(makeCa(dir, u"ca"_s));
    QVERIFY(makeCa(dir, u"stranger"_s));
    QVERIFY(openssl(dir,
                    {u"req"_s, u"-newkey"_s, u"ec"_s, u"-pkeyopt"_s,
                     u"ec_paramgen_curve:prime256v1"_s, u"-nodes"_s, u"-keyout"_s, u"server.key"_s,
                     u"-out"_s, u"server.csr"_s, u"-subj"_s, u"/CN=127.0.0.1"_s}));
    QVERIFY(openssl(dir, {u"x509"_s, u"-req"_s, u"-in"_s, u"server.csr"_s, u"-CA"_s, u"ca.crt"_s,
                          u"-CAkey"_s, u"ca.key"_s, u"-CAcreateserial"_s, u"-out"_s,
                          u"server.crt"_s, u"-days"_s, u"2"_s, u"-extfile"_s, u"server.ext"_s}));
    // The gateway stays on the plain listener; the link takes the TLS one.
    const quint16 tlsPort = freeLoopbackPort();
    QVERIFY(broker.start({}, u"listener %1 127.0.0.1\ncafile %2\ncertfile %3\nkeyfile %4\n"_s.arg(
                                     QString::number(tlsPort), broker.path(u"ca.crt"_s),
                                     broker.path(u"server.crt"_s), broker.path(u"server.key"_s))));
    Gateway gateway("gateway-1");
    QVERIFY(gateway.start(broker.port(), "mygateway1-in/#"));

    // A broker certificate from a CA the link does not trust: refused, and said why.
    Recorder refused;
    auto wrong = makeLink(u"wrong ca"_s, tlsPort, {{u"caFile"_s, broker.path(u"stranger.crt"_s)}});
    QVERIFY(wrong);
    refused.attach(wrong.get());
    wrong->open();
    QTRY_VERIFY_WITH_TIMEOUT(wrong->statistics().drops >= 2, kWait);
    QVERIFY(wrong->state() != LinkState::Connected);
    QCOMPARE(wrong->statistics().connects, quint64(0));
    QVERIFY2(refused.errorsContaining(u"certificate verify failed"_s) >= 1,
             qPrintable(refused.errors.join(u" | "_s)));
    wrong->close();

    Recorder seen;
    auto link = makeLink(u"gw1"_s, tlsPort, {{u"caFile"_s, broker.path(u"ca.crt"_s)}});
    QVERIFY(link);
    seen.attach(link.get());
    link->open();
    QTRY_COMPARE_WITH_TIMEOUT(link->state(), LinkState::Connected, kWait);
    for (int i = 0; i < 50; ++i)
        gateway.publish("mygateway1-out/5/1/1/0/0", QByteArray::number(i));
    QTRY_COMPARE_WITH_TIMEOUT(seen.units.size(), 50, kWait);
    QCOMPARE(seen.units.last(), QByteArray("5;1;1;0;0;49"));
    for (int i = 0; i < 50; ++i)
        QVERIFY(link->send("5;1;1;0;2;" + QByteArray::number(i)));
    QTRY_COMPARE_WITH_TIMEOUT(gateway.received.size(), 50, kWait);
    QCOMPARE(gateway.received.last().payload, QByteArray("49"));
    QCOMPARE(link->statistics().drops, quint64(0));
}

void tst_MqttLink::pluginThroughRegistry()
{
    LinkRegistry registry;
    const QList<LinkPluginInfo> infos
            = registry.loadDirectory(QStringLiteral(WARDEN_MQTT_PLUGIN_DIR));
    const auto mqtt = std::find_if(infos.cbegin(), infos.cend(), [](const LinkPluginInfo &info) {
        return info.type == u"mqtt"_s;
    });
    QVERIFY2(mqtt != infos.cend(), WARDEN_MQTT_PLUGIN_DIR);
    QVERIFY2(mqtt->state == LinkPluginInfo::State::Loaded, qPrintable(mqtt->errorString));
    QCOMPARE(mqtt->name, u"MQTT gateway"_s);
    QVERIFY(mqtt->fileName.contains(u"warden_link_mqtt"_s));
    QVERIFY(registry.types().contains(u"mqtt"_s));
    QVERIFY(registry.factory(u"mqtt"_s)->defaultSettings().contains(u"subscribePrefix"_s));

    // Bad settings are refused by name through the loaded module too.
    Result<std::unique_ptr<Link>> refused = registry.create(
            {u"mqtt"_s, u"gw9"_s, {{u"port"_s, 99999}, {u"host"_s, u"127.0.0.1"_s}}});
    QVERIFY(!refused);
    QVERIFY2(refused.error().message().contains(u"link gw9: mqtt setting \"port\" is 99999"_s),
             qPrintable(refused.error().message()));
    refused = registry.create({u"mqtt"_s, u"gw9"_s, {{u"pasword"_s, u"x"_s}}});
    QVERIFY(!refused);
    QVERIFY(refused.error().message().contains(u"unknown mqtt setting \"pasword\""_s));

    // And a link made by the module works against a broker.
    Broker broker;
    QVERIFY(broker.start());
    Gateway gateway("gateway-1");
    QVERIFY(gateway.start(broker.port(), "site9-in/#"));
    Result<std::unique_ptr<Link>> made
            = registry.create({u"mqtt"_s,
                               u"gw9"_s,
                               {{u"port"_s, int(broker.port())},
                                {u"publishPrefix"_s, u"site9-in"_s},
                                {u"subscribePrefix"_s, u"site9-out"_s}}});
    QVERIFY2(made, made ? "" : qPrintable(made.error().message()));
    std::unique_ptr<Link> link = std::move(*made);
    QCOMPARE(link->framing(), LinkFraming::ControllerLines);
    QCOMPARE(link->state(), LinkState::Closed);
    QList<QByteArray> units;
    QObject::connect(link.get(), &Link::unitReceived, link.get(),
                     [&units](const QByteArray &unit) { units.append(unit); });
    link->open();
    QTRY_COMPARE_WITH_TIMEOUT(link->state(), LinkState::Connected, kWait);
    QVERIFY(link->send("3;0;1;0;2;1"));
    QTRY_COMPARE_WITH_TIMEOUT(gateway.received.size(), 1, kWait);
    QCOMPARE(gateway.received[0].topic, QByteArray("site9-in/3/0/1/0/2"));
    gateway.publish("site9-out/3/0/1/0/2", "0");
    QTRY_COMPARE_WITH_TIMEOUT(units.size(), 1, kWait);
    QCOMPARE(units[0], QByteArray("3;0;1;0;2;0"));
    link.reset(); // before the registry unloads the module
}

void tst_MqttLink::throughputFigures()
{
    // Figures, not assertions on time: units per second through the broker, each way, with
    // everything (broker, gateway, link) on this machine.
    Broker broker;
    QVERIFY(broker.start());
    Gateway gateway("gateway-1");
    QVERIFY(gateway.start(broker.port(), "mygateway1-in/#"));
    Recorder seen;
    auto link = makeLink(u"gw1"_s, broker.port());
    QVERIFY(link);
    seen.attach(link.get());
    link->setQueueLimit(100000);
    link->open();
    QTRY_COMPARE_WITH_TIMEOUT(link->state(), LinkState::Connected, kWait);

    constexpr int kUnits = 10000;
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < kUnits; ++i)
        QVERIFY(link->send("12;3;1;0;0;" + QByteArray::number(i)));
    QTRY_COMPARE_WITH_TIMEOUT(gateway.received.size(), kUnits, 6 * kWait);
    const qint64 outMs = std::max<qint64>(timer.elapsed(), 1);
    QCOMPARE(gateway.received.last().payload, QByteArray::number(kUnits - 1));

    timer.restart();
    for (int i = 0; i < kUnits; ++i)
        gateway.publish("mygateway1-out/12/3/1/0/0", QByteArray::number(i));
    QTRY_COMPARE_WITH_TIMEOUT(seen.units.size(), kUnits, 6 * kWait);
    const qint64 inMs = std::max<qint64>(timer.elapsed(), 1);
    QCOMPARE(seen.units.last(), "12;3;1;0;0;" + QByteArray::number(kUnits - 1));
    qInfo("link -> broker -> gateway: %d units in %lld ms (%lld units/s); gateway -> broker -> "
          "link: %d units in %lld ms (%lld units/s)",
          kUnits, outMs, kUnits * 1000LL / outMs, kUnits, inMs, kUnits * 1000LL / inMs);
}

QTEST_GUILESS_MAIN(tst_MqttLink)
#include "tst_mqttlink.moc"
