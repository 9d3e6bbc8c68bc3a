// A link to a gateway: a byte pipe (serial port, TCP socket, MQTT broker, simulated bus) that
// carries units — controller-protocol lines of a stock MySensors gateway, or binary frames of
// Warden's radio modem. Transports are plugins (see linkplugin.h); this base class owns what
// every transport must get right the same way: the outgoing queue (in order, nothing lost or
// sent twice across reconnects), reconnection with backoff, state and statistics.
#pragma once

#include <warden/error.h>

#include <QtCore/QByteArray>
#include <QtCore/QObject>
#include <QtCore/QStringList>
#include <QtCore/QVariantMap>

#include <chrono>
#include <deque>
#include <functional>
#include <optional>

QT_BEGIN_NAMESPACE
class QTimer;
QT_END_NAMESPACE

namespace Warden {

/// What one unit on a link is.
enum class LinkFraming : quint8 {
    /// A stock MySensors gateway: one controller-protocol line per unit, without terminator.
    ControllerLines,
    /// Warden's radio modem or the simulated bus: one binary MySensors frame (7..32 bytes).
    RadioFrames,
};

enum class LinkState : quint8 {
    Closed, ///< not opened, or closed by the owner; does not reconnect
    Connecting, ///< the transport is being opened
    Connected, ///< units flow
    Waiting, ///< the transport dropped or failed to open; reconnects when the backoff expires
};

WARDEN_CORE_EXPORT const char *linkStateName(LinkState state);
WARDEN_CORE_EXPORT const char *linkFramingName(LinkFraming framing);

/// Plain data that says which link to make: kept apart from the link object, so a console can
/// edit and store configurations of links that do not exist yet.
struct LinkConfiguration
{
    QString type; ///< the plugin's key: "serial", "tcp", "mqtt", "simulated"
    QString name; ///< the user's name for it; unique within an engine
    QVariantMap settings; ///< transport settings (port, host, baud rate, topics, ...)
};

struct LinkStatistics
{
    quint64 unitsIn = 0;
    quint64 unitsOut = 0;
    quint64 bytesIn = 0;
    quint64 bytesOut = 0;
    quint64 malformed = 0; ///< received bytes that did not make a unit (reported, dropped)
    quint64 connects = 0; ///< successful opens, the first one included
    quint64 drops = 0; ///< transport failures while open or opening
};

/// Longest unit accepted in each direction. Controller lines: a stock gateway accepts at most
/// 98 characters before the terminator and renders at most 119 (spec 2.2, 2.3).
constexpr qsizetype kMaxOutgoingLine = 98;
constexpr qsizetype kMaxIncomingLine = 119;
constexpr qsizetype kMinFrame = 7;
constexpr qsizetype kMaxFrame = 32;

class WARDEN_CORE_EXPORT Link : public QObject
{
    Q_OBJECT

public:
    ~Link() override;

    const LinkConfiguration &configuration() const { return m_configuration; }
    QString name() const { return m_configuration.name; }
    LinkFraming framing() const { return m_framing; }
    LinkState state() const { return m_state; }
    LinkStatistics statistics() const { return m_statistics; }

    /// Starts the link. From then on it reconnects by itself, with backoff, until close().
    void open();
    /// Stops reconnecting and closes the transport. Queued units stay queued and go out after
    /// the next open().
    void close();

    /// Queues one unit. Units leave in order, each exactly once, when the transport accepts it
    /// (unitSent); a drop does not lose or repeat a queued unit. Bytes the operating system
    /// accepted just before a drop are the transport's (there is no link-level
    /// acknowledgement in the MySensors protocol). Refuses units that cannot be valid on this
    /// framing (empty, too long, a line with a terminator in it, a frame of the wrong size).
    [[nodiscard]] Result<quint64> send(QByteArray unit);
    qsizetype pendingCount() const { return qsizetype(m_queue.size()); }
    /// The most units kept while disconnected; send() refuses more (the caller sees it).
    void setQueueLimit(qsizetype units) { m_queueLimit = units; }

    /// First and longest wait before reconnecting; the wait doubles after each failure and
    /// starts again from the first after a successful connect, unless that connection drops
    /// within kShortLivedConnection (then the wait keeps growing).
    void setReconnectBackoff(std::chrono::milliseconds first, std::chrono::milliseconds longest);
    /// The wait before the reconnect in progress (while Waiting); otherwise the wait the next
    /// failure would bring.
    std::chrono::milliseconds currentBackoff() const { return m_backoff; }
    /// A connection that drops sooner than this after opening proved nothing (a one-client
    /// gateway that accepts and closes at once, a broker that refuses the session): it does not
    /// reset the backoff, so such a peer is not hammered every first wait.
    static constexpr std::chrono::milliseconds kShortLivedConnection {2000};

    /// Most malformed inputs (reportMalformed) taken within one second; the next one closes the
    /// connection as a failure (errorOccurred, drops counted) and the link reconnects after its
    /// backoff, so a peer that floods garbage is cut off instead of served. 0 (the default)
    /// means no limit; transports choose theirs.
    void setMalformedLimit(qsizetype perSecond) { m_malformedLimit = perSecond; }
    qsizetype malformedLimit() const { return m_malformedLimit; }

Q_SIGNALS:
    void stateChanged(Warden::LinkState state);
    /// One received unit: a line without terminator, or a frame's bytes (not yet decoded).
    void unitReceived(const QByteArray &unit);
    void unitSent(quint64 id);
    /// Something went wrong and was dealt with (a drop, a malformed input); the link keeps
    /// running. The message names the link and what was wrong.
    void errorOccurred(const Warden::Error &error);

protected:
    Link(LinkConfiguration configuration, LinkFraming framing, QObject *parent = nullptr);

    // --- what a transport implements --------------------------------------------------------

    /// Starts opening the transport; report the outcome with transportConnected() or
    /// transportFailed(), now or later.
    virtual void openTransport() = 0;
    /// Closes the transport without reporting anything (a failure it reports from in here,
    /// such as a socket's disconnected(), is ignored).
    virtual void closeTransport() = 0;
    /// Hands one queued unit to the transport (add a line terminator or framing as the
    /// transport needs). Return false if it cannot take it now: the unit stays first in the
    /// queue and the base class tries again after transportReady().
    virtual bool writeUnit(const QByteArray &unit) = 0;

    // --- what a transport calls ---------------------------------------------------------------

    void transportConnected();
    /// The transport failed to open or dropped: the link waits, then reconnects.
    void transportFailed(const Error &error);
    /// The transport can take more (e.g. after bytesWritten): flushes the queue.
    void transportReady();
    /// A complete unit arrived.
    void deliverUnit(const QByteArray &unit);
    /// Bytes arrived that make no unit: counted and reported; the link keeps running.
    void reportMalformed(const QString &what);
    void countBytesIn(qint64 bytes) { m_statistics.bytesIn += quint64(bytes); }
    void countBytesOut(qint64 bytes) { m_statistics.bytesOut += quint64(bytes); }

private:
    void setState(LinkState state);
    void flush();
    void closeTransportQuietly();

    LinkConfiguration m_configuration;
    LinkFraming m_framing;
    LinkState m_state = LinkState::Closed;
    LinkStatistics m_statistics;
    struct Pending
    {
        quint64 id;
        QByteArray unit;
    };
    std::deque<Pending> m_queue;
    qsizetype m_queueLimit = 10000;
    quint64 m_nextId = 1;
    bool m_flushing = false;
    std::chrono::milliseconds m_firstBackoff {250};
    std::chrono::milliseconds m_longestBackoff {30000};
    std::chrono::milliseconds m_backoff {250};
    int m_failuresInRow = 0; ///< failures since the last successful connect (or open())
    int m_failuresAtConnect = 0; ///< m_failuresInRow and m_backoff before the last connect
    std::chrono::milliseconds m_backoffAtConnect {250};
    std::chrono::steady_clock::time_point m_connectedAt;
    bool m_closingTransport = false; ///< inside closeTransport(): its own reports are ignored
    qsizetype m_malformedLimit = 0;
    qsizetype m_malformedInWindow = 0;
    std::chrono::steady_clock::time_point m_malformedWindowStart;
    QTimer *m_reconnectTimer;
};

/// Typed transport settings: a whole number from a settings value — an integer type, or a
/// double without a fraction (JSON numbers arrive as doubles). A string is not a number here:
/// settings are typed. Values far out of any range come back clamped, so that the caller's
/// range check names them.
WARDEN_CORE_EXPORT std::optional<qint64> linkSettingWholeNumber(const QVariant &value);
/// The type name of a settings value for error messages ("nothing" when absent).
WARDEN_CORE_EXPORT QString linkSettingTypeName(const QVariant &value);

/// The one strict reader of a link's transport settings, for every transport's factory. Values
/// are typed: a whole number is an integer type or a double without a fraction (JSON), a real
/// number any number type, a bool a bool, a string a string; nothing is converted from text
/// (a configuration file's reader converts by the type of the default first). An absent key
/// gives the fallback. Every error is ErrorCode::InvalidArgument and reads
/// `link <name>: <transport> setting "<key>" ...`, naming the link and the key; only choice()
/// and out-of-range numbers quote the value given, so text() is the one to use for secrets.
class WARDEN_CORE_EXPORT LinkSettingsReader
{
public:
    /// @p transport is the plugin's type ("tcp", "mqtt", ...), for the messages.
    LinkSettingsReader(QString linkName, QString transport, const QVariantMap &settings);

    /// Refuses the first key not in @p known: `link gw: unknown tcp setting "prot" (known:
    /// connectTimeoutMs, host, port)`.
    [[nodiscard]] Result<void> refuseUnknown(const QStringList &known) const;

    bool contains(const QString &key) const { return m_settings.contains(key); }
    /// The raw value (invalid when absent), for settings of a shape of their own.
    QVariant value(const QString &key) const { return m_settings.value(key); }

    /// A whole number from @p min to @p max.
    [[nodiscard]] Result<qint64> wholeNumber(const QString &key, qint64 fallback, qint64 min,
                                             qint64 max) const;
    /// A finite number from @p min to @p max (integer types count too).
    [[nodiscard]] Result<double> realNumber(const QString &key, double fallback, double min,
                                            double max) const;
    [[nodiscard]] Result<bool> boolean(const QString &key, bool fallback) const;
    /// A string that must be one of @p allowed (compared exactly).
    [[nodiscard]] Result<QString> choice(const QString &key, const QString &fallback,
                                         const QStringList &allowed) const;
    /// Any string; the caller checks its content (the error never quotes the value).
    [[nodiscard]] Result<QString> text(const QString &key, const QString &fallback) const;

    /// The error for @p key in this reader's words, for checks beyond type and range:
    /// error(u"host"_s, u"is empty"_s) reads `link gw: tcp setting "host" is empty`.
    Error error(const QString &key, const QString &what) const;

    const QString &linkName() const { return m_linkName; }
    const QString &transport() const { return m_transport; }

private:
    QString m_linkName;
    QString m_transport;
    QVariantMap m_settings;
};

/// Splits a byte stream into controller lines (terminated by '\n'; a '\r' before it is dropped,
/// and a lone '\r' also ends a line, as Ethernet gateways do). Memory stays bounded whatever
/// arrives. A line longer than the limit is reported once, as soon as it passes the limit (so
/// a flood without line ends is reported too), and skipped up to its terminator; a line with
/// a control byte in it (below 0x20, or 0x7F: never part of a controller line) is reported and
/// dropped. The stream carries on after either.
class WARDEN_CORE_EXPORT LineSplitter
{
public:
    explicit LineSplitter(qsizetype maxLine = kMaxIncomingLine)
        : m_maxLine(maxLine)
    { }

    /// Feeds bytes; calls @p line for each complete non-empty line and @p malformed with a
    /// description for each oversized one.
    void feed(QByteArrayView bytes, const std::function<void(const QByteArray &)> &line,
              const std::function<void(const QString &)> &malformed);
    void reset();
    qsizetype buffered() const { return m_buffer.size(); }
    /// Bytes of the oversized line being skipped so far (0 if none): a transport can give up
    /// on a peer that sends far more than any line without a terminator.
    qsizetype skipping() const { return m_skipped; }
    qsizetype maxLine() const { return m_maxLine; }

private:
    QByteArray m_buffer;
    qsizetype m_maxLine;
    qsizetype m_skipped = 0; ///< > 0 while discarding an oversized line
    int m_controlByte = -1; ///< the first control byte of the current line, if any
};

} // namespace Warden
