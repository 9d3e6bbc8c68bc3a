// A link to a stock MySensors Ethernet / Wi-Fi gateway in TCP server mode (spec 2.8): Warden
// connects as the controller. A refused or timed-out connect, a reset, or the gateway closing
// the connection (a one-client gateway does when another controller takes its place) is a
// drop: the base class reconnects with backoff and keeps what is queued.
#pragma once

#include <warden/link.h>

#include <QtNetwork/QAbstractSocket>

QT_BEGIN_NAMESPACE
class QTcpSocket;
class QTimer;
QT_END_NAMESPACE

namespace Warden::Internal {

/// The checked settings of a TCP link.
struct TcpSettings
{
    QString host = QStringLiteral("127.0.0.1"); ///< the gateway's address or host name
    quint16 port = 5003; ///< MY_PORT of a stock gateway
    int connectTimeoutMs = 5000; ///< a connect that takes longer is a failure
};

class TcpLink final : public Link
{
    Q_OBJECT

public:
    /// Bytes the socket's write buffer may hold before writeUnit() asks the base to wait.
    static constexpr qint64 kWriteBufferLimit = 4096;
    /// Bytes read from the OS ahead of handling (QTcpSocket's buffer is unbounded otherwise).
    static constexpr qint64 kReadBufferSize = 64 * 1024;
    /// Malformed lines per second before the connection is closed and retried after backoff.
    static constexpr qsizetype kMalformedPerSecond = 20;
    /// Bytes without a line end after which the peer is taken for a flood and disconnected.
    static constexpr qsizetype kMaxRunWithoutLineEnd = 16 * 1024;
    /// A stock gateway greets every new client (spec 2.4). The link counts as connected at the
    /// first good line, or, for a gateway that does not greet, once the connection has stayed
    /// up this long: a one-client gateway that accepts and at once closes a second controller
    /// then never gets queued lines written into a connection that is about to vanish.
    static constexpr int kGreetingWaitMs = 300;

    TcpLink(LinkConfiguration configuration, TcpSettings settings, QObject *parent = nullptr);
    ~TcpLink() override;

    /// Checks a configuration's settings: "host", "port", "connectTimeoutMs"; an unknown key, a
    /// wrong type or a value out of range is an error that names the key.
    static Result<TcpSettings> parseSettings(const QString &linkName, const QVariantMap &settings);
    static QVariantMap defaultSettings();

    const TcpSettings &settings() const { return m_settings; }

protected:
    void openTransport() override;
    void closeTransport() override;
    bool writeUnit(const QByteArray &unit) override;

private:
    void socketConnected();
    void socketError(QAbstractSocket::SocketError error);
    void peerClosed();
    void readAvailable();
    QString peer() const;

    TcpSettings m_settings;
    QTcpSocket *m_socket;
    QTimer *m_connectTimer;
    QTimer *m_greetingTimer;
    LineSplitter m_splitter;
    bool m_closing = false; ///< inside closeTransport(): the socket's own signals are ignored
};

} // namespace Warden::Internal
