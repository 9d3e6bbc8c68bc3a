#include "mqttlink.h"

#include <QtCore/QFileInfo>
#include <QtCore/QLoggingCategory>
#include <QtCore/QRandomGenerator>
#include <QtCore/QSocketNotifier>
#include <QtCore/QTimer>

#include <mosquitto.h>

#include <poll.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

using namespace Qt::StringLiterals;

namespace Warden::Internal {

Q_LOGGING_CATEGORY(lcMqtt, "warden.plugin.mqtt")

namespace {

constexpr int kMinKeepalive = 5; // libmosquitto refuses less
constexpr int kMaxKeepalive = 65535; // the CONNECT packet's 16-bit field
constexpr int kMaxConnectTimeout = 600;
constexpr qsizetype kMaxHost = 253;
constexpr qsizetype kMaxClientId = 128;
constexpr qsizetype kMaxUsername = 256;
constexpr int kSubscriptionRefused = 0x80; // SUBACK return code "failure"

/// mosquitto_lib_init() once per process, whichever thread gets there first.
void initMosquitto()
{
    static const bool initialised = [] {
        mosquitto_lib_init();
        return true;
    }();
    Q_UNUSED(initialised);
}

QString mosquittoError(int code, int savedErrno)
{
    if (code == MOSQ_ERR_ERRNO && savedErrno != 0)
        return QString::fromLocal8Bit(std::strerror(savedErrno));
    return QString::fromUtf8(mosquitto_strerror(code));
}

bool hasControl(const QString &text)
{
    for (const QChar c : text) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7F)
            return true;
    }
    return false;
}

/// "warden-<name>-<8 hex digits>": readable in the broker's log, and unique, because a broker
/// disconnects the older of two clients with one id, and two consoles with a link of the same
/// name would then throw each other off in turn.
QString derivedClientId(const QString &linkName)
{
    QString name;
    for (const QChar c : linkName) {
        if (name.size() >= 20)
            break;
        const bool plain = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z')
                           || (c >= u'0' && c <= u'9') || c == u'-' || c == u'_';
        name.append(plain ? c : u'_');
    }
    return u"warden-%1-%2"_s.arg(name).arg(QRandomGenerator::global()->generate(), 8, 16,
                                           QLatin1Char('0'));
}

} // namespace

MqttLink::MqttLink(LinkConfiguration configuration, MqttSettings settings, QObject *parent)
    : Link(std::move(configuration), LinkFraming::ControllerLines, parent)
    , m_settings(std::move(settings))
    , m_miscTimer(new QTimer(this))
    , m_connectTimer(new QTimer(this))
{
    m_clientId = m_settings.clientId.isEmpty() ? derivedClientId(name()) : m_settings.clientId;
    m_filter = mqttSubscriptionFilter(m_settings.subscribePrefix);
    setMalformedLimit(kMalformedPerSecond);
    // Keepalive pings and the check for a broker that stopped answering.
    m_miscTimer->setInterval(1000);
    connect(m_miscTimer, &QTimer::timeout, this, &MqttLink::loopMisc);
    m_connectTimer->setSingleShot(true);
    connect(m_connectTimer, &QTimer::timeout, this, &MqttLink::connectTimedOut);
}

MqttLink::~MqttLink()
{
    m_miscTimer->stop();
    m_connectTimer->stop();
    delete m_readNotifier;
    delete m_writeNotifier;
    if (m_mosq) {
        // Callbacks of the DISCONNECT write record events nobody handles any more.
        mosquitto_disconnect(m_mosq);
        mosquitto_destroy(m_mosq);
    }
}

Result<MqttSettings> MqttLink::parseSettings(const QString &linkName, const QVariantMap &settings)
{
    const LinkSettingsReader reader(linkName, u"mqtt"_s, settings);
    if (Result<void> known = reader.refuseUnknown(defaultSettings().keys()); !known)
        return tl::unexpected(known.error());
    auto bad = [&reader](const QString &key, const QString &what) {
        return tl::unexpected(reader.error(key, what));
    };
#define WARDEN_READ(target, expr) \
    auto target = (expr); \
    if (!target) \
        return tl::unexpected(target.error());

    MqttSettings result;
    // Text settings never appear in an error by value (the password is one of them).
    WARDEN_READ(host, reader.text(u"host"_s, result.host))
    const QString hostName = host->trimmed();
    if (hostName.isEmpty() || hostName.size() > kMaxHost || hasControl(hostName)
        || hostName.contains(u' '))
        return bad(u"host"_s, u"must be a host name or address of 1 to %1 characters "
                              u"without spaces"_s.arg(kMaxHost));
    result.host = hostName;
    WARDEN_READ(port, reader.wholeNumber(u"port"_s, result.port, 1, 65535))
    result.port = quint16(*port);

    WARDEN_READ(clientId, reader.text(u"clientId"_s, QString()))
    if (clientId->toUtf8().size() > kMaxClientId || hasControl(*clientId))
        return bad(u"clientId"_s, u"must be at most %1 bytes without control characters "
                                  u"(empty: derived from the link's name)"_s.arg(kMaxClientId));
    result.clientId = *clientId;
    WARDEN_READ(username, reader.text(u"username"_s, QString()))
    if (username->toUtf8().size() > kMaxUsername || hasControl(*username))
        return bad(u"username"_s,
                   u"must be at most %1 bytes without control characters"_s.arg(kMaxUsername));
    result.username = *username;
    WARDEN_READ(password, reader.text(u"password"_s, QString()))
    if (!password->isEmpty() && result.username.isEmpty())
        return bad(u"password"_s, u"is given without a \"username\" (MQTT 3.1.1 sends a "
                                  u"password only with a user name)"_s);
    result.password = password->toUtf8();

    for (const QString &key : {u"publishPrefix"_s, u"subscribePrefix"_s}) {
        QByteArray &out = key == u"publishPrefix"_s ? result.publishPrefix : result.subscribePrefix;
        WARDEN_READ(prefix, reader.text(key, QString::fromUtf8(out)))
        const QByteArray bytes = prefix->toUtf8();
        if (Result<void> ok = checkMqttPrefix(bytes); !ok)
            return bad(key, u"is not usable: %1"_s.arg(ok.error().message()));
        out = bytes;
    }
    if (result.publishPrefix == result.subscribePrefix)
        return bad(u"subscribePrefix"_s,
                   u"equals \"publishPrefix\" (\"%1\"): the link would receive its own messages "
                   u"(a gateway publishes under \"...-out\" and listens under \"...-in\")"_s.arg(
                           QString::fromUtf8(result.publishPrefix)));

    WARDEN_READ(qos, reader.wholeNumber(u"qos"_s, result.qos, std::numeric_limits<qint64>::min(),
                                        std::numeric_limits<qint64>::max()))
    if (*qos != 0 && *qos != 1)
        return bad(u"qos"_s, u"must be 0 or 1, not %1 (qos 0 never repeats a message, 1 never "
                             u"loses one it took; 2 is not offered)"_s.arg(*qos));
    result.qos = int(*qos);
    WARDEN_READ(keepalive, reader.wholeNumber(u"keepaliveSeconds"_s, result.keepaliveSeconds,
                                              kMinKeepalive, kMaxKeepalive))
    result.keepaliveSeconds = int(*keepalive);
    WARDEN_READ(timeout, reader.wholeNumber(u"connectTimeoutSeconds"_s,
                                            result.connectTimeoutSeconds, 1, kMaxConnectTimeout))
    result.connectTimeoutSeconds = int(*timeout);

    WARDEN_READ(caFile, reader.text(u"caFile"_s, QString()))
    if (!caFile->isEmpty()) {
        const QFileInfo info(*caFile);
        if (!info.isFile() || !info.isReadable())
            return bad(u"caFile"_s, u"names \"%1\", which is not a readable file"_s.arg(*caFile));
        result.caFile = info.absoluteFilePath();
    }
#undef WARDEN_READ
    return result;
}

QVariantMap MqttLink::defaultSettings()
{
    const MqttSettings d;
    return {
            {u"host"_s, d.host},
            {u"port"_s, int(d.port)},
            {u"clientId"_s, QString()},
            {u"username"_s, QString()},
            {u"password"_s, QString()},
            {u"publishPrefix"_s, QString::fromUtf8(d.publishPrefix)},
            {u"subscribePrefix"_s, QString::fromUtf8(d.subscribePrefix)},
            {u"qos"_s, d.qos},
            {u"keepaliveSeconds"_s, d.keepaliveSeconds},
            {u"connectTimeoutSeconds"_s, d.connectTimeoutSeconds},
            {u"caFile"_s, QString()},
    };
}

Result<MqttPublication> MqttLink::publication(QByteArrayView unit) const
{
    return unitToMqttMessage(m_settings.publishPrefix, unit);
}

QString MqttLink::describe(int code, int savedErrno)
{
    QString text = mosquittoError(code, savedErrno);
    // What OpenSSL found wrong (an unknown CA, another host name) is only in libmosquitto's log.
    if (code == MOSQ_ERR_TLS && !m_lastLibraryError.isEmpty())
        text += u" ("_s + m_lastLibraryError + u')';
    m_lastLibraryError.clear();
    return text;
}

QString MqttLink::endpoint() const
{
    return u"%1:%2"_s.arg(m_settings.host).arg(m_settings.port);
}

void MqttLink::failTransport(const QString &what)
{
    transportFailed(Error(ErrorCode::Refused, u"link \"%1\": %2"_s.arg(name(), what)));
}

bool MqttLink::ensureHandle()
{
    if (m_mosq)
        return true;
    initMosquitto();
    errno = 0;
    m_mosq = mosquitto_new(m_clientId.toUtf8().constData(), true, this);
    if (!m_mosq) {
        failTransport(u"cannot create an MQTT client: %1"_s.arg(
                QString::fromLocal8Bit(std::strerror(errno))));
        return false;
    }
    // What MySensors gateways speak; small messages go out at once.
    mosquitto_int_option(m_mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_int_option(m_mosq, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_max_inflight_messages_set(m_mosq, kMaxUnacknowledged);
    mosquitto_connect_callback_set(m_mosq, &MqttLink::onConnect);
    mosquitto_disconnect_callback_set(m_mosq, &MqttLink::onDisconnect);
    mosquitto_subscribe_callback_set(m_mosq, &MqttLink::onSubscribe);
    mosquitto_message_callback_set(m_mosq, &MqttLink::onMessage);
    mosquitto_log_callback_set(m_mosq, &MqttLink::onLog);
    if (m_settings.qos > 0)
        mosquitto_publish_callback_set(m_mosq, &MqttLink::onPublish);

    int rc = MOSQ_ERR_SUCCESS;
    if (!m_settings.username.isEmpty()) {
        rc = mosquitto_username_pw_set(
                m_mosq, m_settings.username.toUtf8().constData(),
                m_settings.password.isEmpty() ? nullptr : m_settings.password.constData());
    }
    if (rc == MOSQ_ERR_SUCCESS && !m_settings.caFile.isEmpty()) {
        rc = mosquitto_tls_set(m_mosq, QFile::encodeName(m_settings.caFile).constData(), nullptr,
                               nullptr, nullptr, nullptr);
    }
    if (rc != MOSQ_ERR_SUCCESS) {
        // Neither message names the password: only which step failed.
        const QString what = m_settings.caFile.isEmpty() || m_settings.username.isEmpty()
                                     ? u"cannot set up the MQTT client: %1"_s
                                     : u"cannot set up the MQTT client's credentials or TLS: %1"_s;
        mosquitto_destroy(m_mosq);
        m_mosq = nullptr;
        failTransport(what.arg(describe(rc, errno)));
        return false;
    }
    return true;
}

void MqttLink::openTransport()
{
    m_events.clear();
    m_subscribeMid = -1;
    m_lastLibraryError.clear();
    dropNotifiers();
    if (!ensureHandle())
        return;
    // The same handle for the link's life: with qos 1 it keeps unacknowledged messages over a
    // reconnect. connect_async closes the previous socket and drops unwritten packets.
    errno = 0;
    const int rc = mosquitto_connect_async(m_mosq, m_settings.host.toUtf8().constData(),
                                           m_settings.port, m_settings.keepaliveSeconds);
    const int savedErrno = errno;
    if (rc != MOSQ_ERR_SUCCESS) {
        failTransport(u"cannot connect to the broker at %1: %2"_s.arg(endpoint(),
                                                                      describe(rc, savedErrno)));
        return;
    }
    qCDebug(lcMqtt).noquote() << "link" << name() << "connecting to" << endpoint() << "as"
                              << m_clientId;
    m_connectTimer->start(std::chrono::seconds(m_settings.connectTimeoutSeconds));
    m_miscTimer->start();
    afterMosquitto();
}

void MqttLink::closeTransport()
{
    m_connectTimer->stop();
    m_miscTimer->stop();
    if (m_mosq && mosquitto_socket(m_mosq) >= 0)
        mosquitto_disconnect(m_mosq); // a courtesy: the broker sees a clean goodbye
    dropNotifiers();
    m_events.clear();
    m_subscribeMid = -1;
    if (m_mosq && state() == LinkState::Closed) {
        // Closed by the owner: no socket stays behind, and nothing libmosquitto still holds
        // (qos 1 messages not yet acknowledged) goes out on a later open().
        mosquitto_destroy(m_mosq);
        m_mosq = nullptr;
        m_unacknowledged = 0;
    }
}

bool MqttLink::writeUnit(const QByteArray &unit)
{
    if (!m_mosq || m_socket < 0)
        return false;
    // Only when libmosquitto has written all before: then at most one unit is ever in its
    // hands when the connection breaks. writeReady() calls transportReady().
    if (mosquitto_want_write(m_mosq))
        return false;
    if (m_settings.qos > 0 && m_unacknowledged >= kMaxUnacknowledged)
        return false; // handleEvents() calls transportReady() at the next PUBACK
    // A broker that went away has mostly said so already (FIN): then the unit is not written
    // into the dead connection, where the OS would still take it and lose it. The read
    // notifier fires for the end of the stream next, and the reconnect sends the unit.
    pollfd peer {m_socket, POLLRDHUP, 0};
    if (::poll(&peer, 1, 0) > 0 && (peer.revents & (POLLRDHUP | POLLHUP | POLLERR)))
        return false;

    Result<MqttPublication> message = publication(unit);
    if (!message) {
        // The base class has no way to refuse a unit after send() took it: it is dropped,
        // loudly, instead of blocking the queue for ever.
        qCWarning(lcMqtt).noquote() << "link" << name() << message.error().message() << "- dropped";
        Q_EMIT errorOccurred(
                Error(ErrorCode::InvalidArgument,
                      u"link \"%1\": %2 - dropped"_s.arg(name(), message.error().message())));
        return true;
    }
    errno = 0;
    const int rc = mosquitto_publish(m_mosq, nullptr, message->topic.constData(),
                                     int(message->payload.size()), message->payload.constData(),
                                     m_settings.qos, false);
    const int savedErrno = errno;
    if (rc == MOSQ_ERR_SUCCESS) {
        countBytesOut(message->topic.size() + message->payload.size());
        if (m_settings.qos > 0)
            ++m_unacknowledged;
        syncNotifiers();
        return true;
    }
    // With qos 1 libmosquitto keeps the message and sends it again after the reconnect, so it
    // is taken. With qos 0 not a byte of it reached the socket (everything before it was
    // written), and the reconnect drops the packet: the unit stays first in the queue.
    const bool taken = m_settings.qos > 0 && rc != MOSQ_ERR_NO_CONN && rc != MOSQ_ERR_NOMEM;
    failTransport(u"publishing to %1 failed: %2"_s.arg(endpoint(), describe(rc, savedErrno)));
    return taken;
}

void MqttLink::readReady()
{
    if (!m_mosq)
        return;
    for (int i = 0; i < kMaxMessagesPerWake; ++i) {
        const int rc = mosquitto_loop_read(m_mosq, 1);
        if (rc != MOSQ_ERR_SUCCESS) {
            // Usually onDisconnect recorded why already; a second report is ignored.
            m_events.push_back(Event(Event::Kind::Lost, rc,
                                     u"connection to the broker at %1 lost: %2"_s.arg(
                                             endpoint(), describe(rc, errno))));
            break;
        }
        // The notifier fires again for what is left; reading on while bytes wait only saves
        // event-loop turns, up to the fairness limit.
        int waiting = 0;
        if (m_socket < 0 || mosquitto_socket(m_mosq) != m_socket
            || ::ioctl(m_socket, FIONREAD, &waiting) != 0 || waiting <= 0)
            break;
    }
    afterMosquitto();
}

void MqttLink::writeReady()
{
    if (!m_mosq)
        return;
    errno = 0;
    const int rc = mosquitto_loop_write(m_mosq, 1);
    if (rc != MOSQ_ERR_SUCCESS)
        m_events.push_back(Event(
                Event::Kind::Lost, rc,
                u"connection to the broker at %1 lost: %2"_s.arg(endpoint(), describe(rc, errno))));
    afterMosquitto();
    if (m_mosq && m_socket >= 0 && !mosquitto_want_write(m_mosq))
        transportReady();
}

void MqttLink::loopMisc()
{
    if (!m_mosq || m_socket < 0)
        return;
    const int rc = mosquitto_loop_misc(m_mosq);
    if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN)
        m_events.push_back(Event(
                Event::Kind::Lost, rc,
                u"connection to the broker at %1 lost: %2"_s.arg(endpoint(), describe(rc, errno))));
    afterMosquitto();
}

void MqttLink::connectTimedOut()
{
    if (state() != LinkState::Connecting)
        return;
    failTransport(u"no connection to the broker at %1 within %2 s (connect, CONNACK, SUBACK)"_s
                          .arg(endpoint())
                          .arg(m_settings.connectTimeoutSeconds));
}

void MqttLink::afterMosquitto()
{
    syncNotifiers();
    handleEvents();
}

void MqttLink::syncNotifiers()
{
    const int fd = m_mosq ? mosquitto_socket(m_mosq) : -1;
    if (fd != m_socket) {
        const bool vanished = m_socket >= 0 && fd < 0;
        dropNotifiers();
        if (vanished && (m_events.empty() || m_events.back().kind != Event::Kind::Lost))
            m_events.push_back(Event(Event::Kind::Lost, MOSQ_ERR_CONN_LOST,
                                     u"connection to the broker at %1 lost"_s.arg(endpoint())));
        if (fd >= 0) {
            m_socket = fd;
            m_readNotifier = new QSocketNotifier(qintptr(fd), QSocketNotifier::Read, this);
            connect(m_readNotifier, &QSocketNotifier::activated, this, &MqttLink::readReady);
            m_writeNotifier = new QSocketNotifier(qintptr(fd), QSocketNotifier::Write, this);
            connect(m_writeNotifier, &QSocketNotifier::activated, this, &MqttLink::writeReady);
        }
    }
    if (m_writeNotifier)
        m_writeNotifier->setEnabled(mosquitto_want_write(m_mosq));
}

void MqttLink::dropNotifiers()
{
    // Disabled at once (the descriptor may be closed and reused any moment); deleted later,
    // since this may run inside one of their own activations.
    for (QSocketNotifier *notifier : {m_readNotifier, m_writeNotifier}) {
        if (notifier) {
            notifier->setEnabled(false);
            notifier->disconnect(this);
            notifier->deleteLater();
        }
    }
    m_readNotifier = nullptr;
    m_writeNotifier = nullptr;
    m_socket = -1;
}

void MqttLink::handleEvents()
{
    // A slot reached from here (unitReceived, stateChanged) may send, close or reopen: its own
    // libmosquitto calls queue events, and this loop takes them; close/open clear the queue.
    if (m_handlingEvents)
        return;
    m_handlingEvents = true;
    while (!m_events.empty()) {
        Event event = std::move(m_events.front());
        m_events.pop_front();
        switch (event.kind) {
        case Event::Kind::Connected: {
            if (event.code != 0) {
                failTransport(u"the broker at %1 refused the connection: %2"_s.arg(
                        endpoint(), QString::fromUtf8(mosquitto_connack_string(event.code))));
                break;
            }
            // A clean session: the subscription is made again on every connect.
            int mid = 0;
            const int rc = mosquitto_subscribe(m_mosq, &mid, m_filter.constData(), m_settings.qos);
            if (rc != MOSQ_ERR_SUCCESS) {
                failTransport(u"cannot subscribe to %1: %2"_s.arg(QString::fromUtf8(m_filter),
                                                                  describe(rc, errno)));
                break;
            }
            m_subscribeMid = mid;
            syncNotifiers();
            break;
        }
        case Event::Kind::Subscribed:
            if (event.id != m_subscribeMid)
                break;
            if (event.code == kSubscriptionRefused || event.code > 2) {
                failTransport(u"the broker at %1 refused the subscription to %2"_s.arg(
                        endpoint(), QString::fromUtf8(m_filter)));
                break;
            }
            m_connectTimer->stop();
            m_unacknowledged = 0;
            qCDebug(lcMqtt).noquote() << "link" << name() << "subscribed to" << m_filter;
            transportConnected();
            break;
        case Event::Kind::Published:
            if (m_unacknowledged > 0)
                --m_unacknowledged;
            transportReady();
            break;
        case Event::Kind::Message:
            deliverUnit(event.unit);
            break;
        case Event::Kind::Malformed:
            reportMalformed(event.text);
            break;
        case Event::Kind::Lost:
            failTransport(event.text);
            break;
        }
    }
    m_handlingEvents = false;
}

// --- libmosquitto callbacks: they run inside a libmosquitto call, so they only record ---------

void MqttLink::onConnect(mosquitto *, void *self, int code)
{
    static_cast<MqttLink *>(self)->m_events.push_back(Event(Event::Kind::Connected, code));
}

void MqttLink::onDisconnect(mosquitto *, void *self, int code)
{
    auto *link = static_cast<MqttLink *>(self);
    // 0 also comes when the broker closed the connection without a reason.
    const QString why
            = code == MOSQ_ERR_SUCCESS ? u"closed by the broker"_s : link->describe(code, errno);
    link->m_events.push_back(
            Event(Event::Kind::Lost, code,
                  u"connection to the broker at %1 lost: %2"_s.arg(link->endpoint(), why)));
}

void MqttLink::onSubscribe(mosquitto *, void *self, int mid, int count, const int *granted)
{
    Event event(Event::Kind::Subscribed, count > 0 && granted ? granted[0] : kSubscriptionRefused);
    event.id = mid;
    static_cast<MqttLink *>(self)->m_events.push_back(std::move(event));
}

void MqttLink::onPublish(mosquitto *, void *self, int mid)
{
    Event event(Event::Kind::Published);
    event.id = mid;
    static_cast<MqttLink *>(self)->m_events.push_back(std::move(event));
}

void MqttLink::onMessage(mosquitto *, void *self, const mosquitto_message *message)
{
    auto *link = static_cast<MqttLink *>(self);
    const QByteArrayView topic(message->topic ? message->topic : "");
    const QByteArrayView payload(static_cast<const char *>(message->payload),
                                 message->payload ? qsizetype(message->payloadlen) : 0);
    link->countBytesIn(topic.size() + payload.size());
    // Mapped here, so that an oversized payload is never copied.
    Result<QByteArray> unit = mqttMessageToUnit(link->m_settings.subscribePrefix, topic, payload);
    if (unit) {
        Event event(Event::Kind::Message);
        event.unit = std::move(*unit);
        link->m_events.push_back(std::move(event));
    } else {
        link->m_events.push_back(Event(Event::Kind::Malformed, 0, unit.error().message()));
    }
}

void MqttLink::onLog(mosquitto *, void *self, int level, const char *text)
{
    if (!(level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING)) || !text)
        return;
    auto *link = static_cast<MqttLink *>(self);
    // Its text can quote a topic from the broker: escaped like everything hostile.
    const QString escaped = quotedBytes(QByteArrayView(text), 200);
    if ((level & MOSQ_LOG_ERR) && link->m_lastLibraryError.isEmpty())
        link->m_lastLibraryError = escaped;
    qCDebug(lcMqtt).noquote() << "link" << link->name() << "libmosquitto:" << escaped;
}

} // namespace Warden::Internal
