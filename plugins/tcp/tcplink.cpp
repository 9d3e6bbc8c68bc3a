#include "tcplink.h"

#include <QtCore/QLoggingCategory>
#include <QtCore/QTimer>
#include <QtNetwork/QTcpSocket>

#include <cmath>
#include <limits>
#include <optional>

#ifdef Q_OS_LINUX
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#endif

using namespace Qt::StringLiterals;

namespace Warden::Internal {

Q_LOGGING_CATEGORY(lcTcp, "warden.plugin.tcp")

namespace {

constexpr int kMinConnectTimeoutMs = 10;
constexpr int kMaxConnectTimeoutMs = 600000;

/// Finds a peer that vanished without closing (cable pulled, gateway powered off) in about
/// 25 s instead of the system's two hours, and fails writes nobody acknowledges within 30 s.
void tuneKeepAlive(qintptr descriptor)
{
#ifdef Q_OS_LINUX
    const int fd = int(descriptor);
    const int idle = 10;
    const int interval = 5;
    const int count = 3;
    const unsigned userTimeout = 30000;
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
    ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &userTimeout, sizeof userTimeout);
#else
    Q_UNUSED(descriptor);
#endif
}

} // namespace

TcpLink::TcpLink(LinkConfiguration configuration, TcpSettings settings, QObject *parent)
    : Link(std::move(configuration), LinkFraming::ControllerLines, parent)
    , m_settings(std::move(settings))
    , m_socket(new QTcpSocket(this))
    , m_connectTimer(new QTimer(this))
    , m_greetingTimer(new QTimer(this))
{
    setMalformedLimit(kMalformedPerSecond);
    m_connectTimer->setSingleShot(true);
    connect(m_connectTimer, &QTimer::timeout, this, [this] {
        if (state() == LinkState::Connecting)
            transportFailed(Error(ErrorCode::Refused,
                                  u"link %1: no connection to the gateway at %2 within %3 ms"_s
                                          .arg(name(), peer())
                                          .arg(m_settings.connectTimeoutMs)));
    });
    m_greetingTimer->setSingleShot(true);
    connect(m_greetingTimer, &QTimer::timeout, this, [this] {
        if (state() == LinkState::Connecting
            && m_socket->state() == QAbstractSocket::ConnectedState)
            transportConnected();
    });
    connect(m_socket, &QTcpSocket::connected, this, &TcpLink::socketConnected);
    connect(m_socket, &QTcpSocket::disconnected, this, &TcpLink::peerClosed);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &TcpLink::socketError);
    connect(m_socket, &QTcpSocket::readyRead, this, &TcpLink::readAvailable);
    connect(m_socket, &QTcpSocket::bytesWritten, this, [this](qint64 bytes) {
        if (m_closing)
            return;
        countBytesOut(bytes);
        transportReady();
    });
}

TcpLink::~TcpLink()
{
    // Nothing may reach the base class while the socket goes away with it.
    m_socket->disconnect(this);
    m_socket->abort();
}

Result<TcpSettings> TcpLink::parseSettings(const QString &linkName, const QVariantMap &settings)
{
    const LinkSettingsReader reader(linkName, u"tcp"_s, settings);
    if (Result<void> known = reader.refuseUnknown(defaultSettings().keys()); !known)
        return tl::unexpected(known.error());

    TcpSettings result;
    const Result<QString> host = reader.text(u"host"_s, result.host);
    if (!host)
        return tl::unexpected(host.error());
    if (host->isEmpty())
        return tl::unexpected(reader.error(u"host"_s, u"is empty"_s));
    for (const QChar c : *host) {
        if (c.isSpace() || !c.isPrint())
            return tl::unexpected(reader.error(
                    u"host"_s, u"\"%1\" has a blank or control character"_s.arg(host->left(64))));
    }
    result.host = *host;

    const Result<qint64> port = reader.wholeNumber(u"port"_s, result.port, 1, 65535);
    if (!port)
        return tl::unexpected(port.error());
    result.port = quint16(*port);
    const Result<qint64> timeout
            = reader.wholeNumber(u"connectTimeoutMs"_s, result.connectTimeoutMs,
                                 kMinConnectTimeoutMs, kMaxConnectTimeoutMs);
    if (!timeout)
        return tl::unexpected(timeout.error());
    result.connectTimeoutMs = int(*timeout);
    return result;
}

QVariantMap TcpLink::defaultSettings()
{
    const TcpSettings defaults;
    return {{u"host"_s, defaults.host},
            {u"port"_s, int(defaults.port)},
            {u"connectTimeoutMs"_s, defaults.connectTimeoutMs}};
}

QString TcpLink::peer() const
{
    // An IPv6 address needs brackets before the port.
    return m_settings.host.contains(u':') ? u"[%1]:%2"_s.arg(m_settings.host).arg(m_settings.port)
                                          : u"%1:%2"_s.arg(m_settings.host).arg(m_settings.port);
}

void TcpLink::openTransport()
{
    m_splitter.reset();
    m_socket->setReadBufferSize(kReadBufferSize);
    m_connectTimer->start(m_settings.connectTimeoutMs);
    // May report a failure at once (errorOccurred), which is handled like a late one.
    m_socket->connectToHost(m_settings.host, m_settings.port);
}

void TcpLink::closeTransport()
{
    m_closing = true;
    m_connectTimer->stop();
    m_greetingTimer->stop();
    m_socket->abort();
    m_splitter.reset();
    m_closing = false;
}

bool TcpLink::writeUnit(const QByteArray &unit)
{
    if (m_socket->state() != QAbstractSocket::ConnectedState
        || m_socket->bytesToWrite() >= kWriteBufferLimit)
        return false;
    QByteArray line;
    line.reserve(unit.size() + 1);
    line.append(unit).append('\n');
    // QTcpSocket takes a whole write into its buffer or nothing.
    if (m_socket->write(line) != line.size()) {
        transportFailed(Error(ErrorCode::Refused,
                              u"link %1: the connection to %2 refused a write: %3"_s.arg(
                                      name(), peer(), m_socket->errorString())));
        return false;
    }
    return true;
}

void TcpLink::socketConnected()
{
    if (m_closing || state() != LinkState::Connecting)
        return;
    m_connectTimer->stop();
    m_socket->setSocketOption(QAbstractSocket::KeepAliveOption, 1);
    // Lines are small and a controller waits for answers: no Nagle delay.
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    tuneKeepAlive(m_socket->socketDescriptor());
    qCInfo(lcTcp).noquote() << "link" << name() << "connected to" << peer();
    // Connected for the base class at the gateway's greeting (readAvailable) or after the wait.
    m_greetingTimer->start(kGreetingWaitMs);
}

void TcpLink::socketError(QAbstractSocket::SocketError error)
{
    if (m_closing)
        return;
    if (error == QAbstractSocket::RemoteHostClosedError) {
        peerClosed();
        return;
    }
    const QString why = m_socket->errorString();
    if (state() == LinkState::Connecting)
        transportFailed(Error(
                ErrorCode::Refused,
                u"link %1: cannot connect to the gateway at %2: %3"_s.arg(name(), peer(), why)));
    else if (state() == LinkState::Connected)
        transportFailed(Error(ErrorCode::Refused,
                              u"link %1: the connection to the gateway at %2 failed: %3"_s.arg(
                                      name(), peer(), why)));
}

void TcpLink::peerClosed()
{
    if (m_closing || (state() != LinkState::Connected && state() != LinkState::Connecting))
        return;
    // Lines that arrived before the close are still the gateway's.
    readAvailable();
    transportFailed(
            Error(ErrorCode::Refused,
                  u"link %1: the gateway at %2 closed the connection"_s.arg(name(), peer())));
}

void TcpLink::readAvailable()
{
    if (m_closing)
        return;
    const QByteArray data = m_socket->readAll();
    if (data.isEmpty())
        return;
    countBytesIn(data.size());
    // A report may close the connection (malformed flood) part-way: the rest is dropped.
    auto live = [this] {
        return !m_closing
               && (state() == LinkState::Connected
                   || (state() == LinkState::Connecting
                       && m_socket->state() == QAbstractSocket::ConnectedState));
    };
    m_splitter.feed(
            data,
            [this, &live](const QByteArray &line) {
                if (!live())
                    return;
                if (state() == LinkState::Connecting) {
                    // The greeting: the gateway is there and talks to us.
                    m_greetingTimer->stop();
                    transportConnected();
                }
                deliverUnit(line);
            },
            [this, &live](const QString &what) {
                if (live())
                    reportMalformed(what);
            });
    if (live() && m_splitter.skipping() > kMaxRunWithoutLineEnd)
        transportFailed(
                Error(ErrorCode::Malformed,
                      u"link %1: %2 bytes without a line end from %3, disconnected"_s.arg(name())
                              .arg(m_splitter.skipping())
                              .arg(peer())));
}

} // namespace Warden::Internal
