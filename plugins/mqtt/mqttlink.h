// A link to a stock MySensors MQTT gateway through a broker (libmosquitto): the gateway's topics
// (spec 12) become the controller lines every other link delivers, and back.
//
// Event loop: libmosquitto runs inside the Qt thread that owns the link, without a thread of its
// own: mosquitto_connect_async(), QSocketNotifiers on mosquitto_socket() that call
// mosquitto_loop_read() / mosquitto_loop_write(), and a timer for mosquitto_loop_misc()
// (keepalive). One thread touches the mosquitto handle and the link, so there is nothing to
// lock and no data race; libmosquitto's callbacks only record events, which the link handles
// after the libmosquitto call returned, so no signal or slot of ours ever runs inside
// libmosquitto (a slot may then close, reopen or send without re-entering it).
//
// Delivery: the base class hands each queued unit to writeUnit() once. writeUnit() publishes
// only when libmosquitto has written everything before it to the socket, so at most the unit
// being written when a connection breaks is in libmosquitto's hands, and never into a
// connection the broker has already closed (FIN or RST seen): that unit stays queued for the
// reconnect.
//  - qos 0 (default): each unit reaches the broker at most once, never twice. A unit the OS
//    took just before the connection died unseen (the broker killed before reading it, a
//    cable pulled) is lost, like bytes in a TCP link's send buffer.
//  - qos 1: the broker acknowledges each message; libmosquitto keeps the unacknowledged ones
//    over a reconnect and sends them again (MQTT's DUP), so nothing handed over is lost but the
//    broker, and the gateway, may see a message twice. MySensors commands are not idempotent
//    (I_REBOOT, a stream block, a toggle), hence qos 0 by default. close() drops what
//    libmosquitto still holds.
// Incoming messages are taken at the subscription's qos (the same setting) with a clean session.
#pragma once

#include "mqtttopic.h"

#include <warden/link.h>

#include <QtCore/QByteArray>
#include <QtCore/QString>

#include <deque>

struct mosquitto;
struct mosquitto_message;

QT_BEGIN_NAMESPACE
class QSocketNotifier;
class QTimer;
QT_END_NAMESPACE

namespace Warden::Internal {

/// The checked settings of an MQTT link. Keys in a LinkConfiguration: the member names.
struct MqttSettings
{
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 1883;
    QString clientId; ///< empty: "warden-<link name>-<random>", unique per process start
    QString username; ///< empty: no credentials
    QByteArray password; ///< never logged, never in an error text
    QByteArray publishPrefix = QByteArrayLiteral("mygateway1-in"); ///< controller -> gateway
    QByteArray subscribePrefix = QByteArrayLiteral("mygateway1-out"); ///< gateway -> controller
    int qos = 0; ///< 0 or 1; see the file comment for what each guarantees
    int keepaliveSeconds = 60; ///< also how long a silently dead connection goes unnoticed
    int connectTimeoutSeconds = 10; ///< from connecting to the subscription's acknowledgement
    QString caFile; ///< non-empty: TLS, the broker's certificate checked against this CA file
};

class MqttLink final : public Link
{
    Q_OBJECT

public:
    /// Malformed messages per second before the connection is closed and reopened after the
    /// backoff: a stream of garbage is cut off instead of served (see Link::setMalformedLimit).
    static constexpr qsizetype kMalformedPerSecond = 200;
    /// Messages handled per wake-up of the socket notifier before the event loop gets a turn,
    /// so that a flooding gateway cannot starve the other links of the same thread.
    static constexpr int kMaxMessagesPerWake = 64;
    /// With qos 1: messages published and not yet acknowledged before writeUnit() waits.
    static constexpr int kMaxUnacknowledged = 20;

    MqttLink(LinkConfiguration configuration, MqttSettings settings, QObject *parent = nullptr);
    ~MqttLink() override;

    /// Checks a configuration's settings (see MqttSettings); an unknown key, a wrong type or a
    /// bad value is an error that names the link and the key (never the password's value).
    static Result<MqttSettings> parseSettings(const QString &linkName, const QVariantMap &settings);
    static QVariantMap defaultSettings();

    const MqttSettings &settings() const { return m_settings; }
    /// The client id used with the broker (the setting, or the one derived from the name).
    QString clientId() const { return m_clientId; }
    /// What a unit becomes on the broker, or why it cannot be published (writeUnit() drops
    /// such a unit with errorOccurred; a caller can check first).
    Result<MqttPublication> publication(QByteArrayView unit) const;

protected:
    void openTransport() override;
    void closeTransport() override;
    bool writeUnit(const QByteArray &unit) override;

private:
    struct Event
    {
        enum class Kind : quint8 { Connected, Subscribed, Published, Message, Malformed, Lost };
        explicit Event(Kind k, int c = 0, QString t = {})
            : kind(k)
            , code(c)
            , text(std::move(t))
        { }
        Kind kind;
        int code; ///< CONNACK code, SUBACK's granted qos, or libmosquitto error
        int id = 0; ///< Subscribed, Published: the message id
        QByteArray unit; ///< Message
        QString text; ///< Malformed: what was wrong; Lost: why
    };

    static void onConnect(mosquitto *, void *self, int code);
    static void onDisconnect(mosquitto *, void *self, int code);
    static void onSubscribe(mosquitto *, void *self, int mid, int count, const int *granted);
    static void onPublish(mosquitto *, void *self, int mid);
    static void onMessage(mosquitto *, void *self, const mosquitto_message *message);
    static void onLog(mosquitto *, void *self, int level, const char *text);

    bool ensureHandle();
    void readReady();
    void writeReady();
    void loopMisc();
    void connectTimedOut();
    /// After every libmosquitto call: follows its socket with the notifiers, then handles
    /// what its callbacks recorded.
    void afterMosquitto();
    void syncNotifiers();
    void dropNotifiers();
    void handleEvents();
    void failTransport(const QString &what);
    QString endpoint() const;
    /// libmosquitto's error text, with what its log said for a TLS error.
    QString describe(int code, int savedErrno);

    MqttSettings m_settings;
    QString m_clientId;
    QByteArray m_filter;
    mosquitto *m_mosq = nullptr;
    QSocketNotifier *m_readNotifier = nullptr;
    QSocketNotifier *m_writeNotifier = nullptr;
    int m_socket = -1;
    QTimer *m_miscTimer;
    QTimer *m_connectTimer;
    std::deque<Event> m_events;
    bool m_handlingEvents = false;
    int m_subscribeMid = -1;
    int m_unacknowledged = 0;
    QString m_lastLibraryError; ///< libmosquitto's first logged error since the last describe()
};

} // namespace Warden::Internal
