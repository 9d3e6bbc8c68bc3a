#include "controllerendpoint.h"

#include <warden/frame.h>
#include <warden/link.h>
#include <warden/protocol/textcodec.h>

#include <QtCore/QLoggingCategory>
#include <QtCore/QTimer>
#include <QtNetwork/QSslServer>
#include <QtNetwork/QSslSocket>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>

#include <deque>
#include <vector>

using namespace Qt::StringLiterals;

namespace Warden::Internal {

Q_LOGGING_CATEGORY(lcController, "warden.plugin.bridge.controller")

using Protocol::Command;
using Protocol::ControllerLine;
using Protocol::Internal;

namespace {

constexpr qint64 kReadChunk = 4096;
/// Bytes the socket reads from the OS ahead of us; Qt's buffer is unbounded otherwise.
constexpr qint64 kReadBufferSize = 16 * 1024;
/// The text of I_GATEWAY_READY (spec 2.4).
constexpr char kGatewayReady[] = "Gateway startup complete.";

ControllerLine makeLine(quint8 node, quint8 child, Command command, bool ack, quint8 type,
                        const QByteArray &payload)
{
    ControllerLine line {};
    line.nodeId = node;
    line.childSensorId = child;
    line.command = quint8(command);
    line.ack = ack;
    line.type = type;
    const qsizetype n = std::min<qsizetype>(payload.size(), qsizetype(sizeof line.payload) - 1);
    std::copy_n(payload.constData(), n, line.payload);
    line.payload[n] = '\0';
    line.payloadLength = quint8(n);
    return line;
}

/// The line with its '\n', or empty when it cannot be formatted.
QByteArray render(const ControllerLine &line)
{
    char text[Protocol::kMaxControllerLineSize + 1];
    const size_t length = Protocol::formatControllerLine(line, text, sizeof text);
    return QByteArray(text, qsizetype(length));
}

} // namespace

struct ControllerEndpoint::Client
{
    Client(QTcpSocket *s, QString p, int perSecond, int burst)
        : socket(s)
        , peer(std::move(p))
        , splitter(qsizetype(Protocol::kMaxControllerLineLength))
        , rate(perSecond, burst)
    { }

    QTcpSocket *socket;
    QString peer;
    LineSplitter splitter;
    RateLimiter rate;
    bool authenticated = false;
    bool closing = false; ///< dropped or gone: nothing more is read, written or counted
    quint64 linesIn = 0;
    quint64 malformed = 0;
    std::deque<std::chrono::steady_clock::time_point> recentMalformed;
    QTimer *authTimer = nullptr;
};

ControllerEndpoint::ControllerEndpoint(Engine *engine, ControllerEndpointSettings settings,
                                       QObject *parent)
    : QObject(parent)
    , m_engine(engine)
    , m_settings(std::move(settings))
    , m_started(std::chrono::steady_clock::now())
{
    if (m_engine)
        connect(m_engine, &Engine::controllerMessage, this, &ControllerEndpoint::relay);
}

ControllerEndpoint::~ControllerEndpoint()
{
    close();
}

Result<void> ControllerEndpoint::listen()
{
    if (m_server)
        return {};
    if (!m_engine)
        return fail(ErrorCode::Refused, u"the controller endpoint has no engine"_s);
    const auto tls = prepareListener(m_settings.address, m_settings.token, m_settings.tls,
                                     u"controller endpoint"_s);
    if (!tls)
        return tl::unexpected(tls.error());

    QTcpServer *server = nullptr;
    if (tls->has_value()) {
        auto *ssl = new QSslServer(this);
        ssl->setSslConfiguration(**tls);
        connect(ssl, &QSslServer::errorOccurred, this,
                [this](QSslSocket *socket, QAbstractSocket::SocketError) {
                    ++m_stats.rejectedConnections;
                    qCInfo(lcController).noquote()
                            << "TLS handshake with"
                            << formatAddress(socket->peerAddress(), socket->peerPort())
                            << "failed:" << socket->errorString();
                });
        server = ssl;
    } else {
        server = new QTcpServer(this);
    }
    connect(server, &QTcpServer::pendingConnectionAvailable, this,
            &ControllerEndpoint::acceptPending);
    if (!server->listen(m_settings.address, m_settings.port)) {
        const QString why = server->errorString();
        delete server;
        return fail(ErrorCode::Refused,
                    u"controller endpoint cannot listen on %1: %2"_s.arg(
                            formatAddress(m_settings.address, m_settings.port), why));
    }
    m_server = server;
    QString how = m_settings.tls.isEnabled() ? u"TLS"_s : u"plain TCP"_s;
    if (m_settings.tls.pinsClient())
        how += u", pinned client certificate"_s;
    how += m_settings.token.isSet() ? u", token required"_s : u", no token"_s;
    qCInfo(lcController).noquote()
            << "controller endpoint listening on" << formatAddress(serverAddress(), serverPort())
            << u"(%1)"_s.arg(how);
    return {};
}

void ControllerEndpoint::close()
{
    std::vector<std::shared_ptr<Client>> clients;
    for (const auto &entry : m_clients)
        clients.push_back(entry.second);
    for (const auto &client : clients) {
        client->closing = true;
        client->socket->disconnect(this);
        client->socket->disconnectFromHost();
        client->socket->deleteLater();
    }
    m_clients.clear();
    m_stats.clients = 0;
    if (m_server) {
        m_server->close();
        m_server->deleteLater();
        m_server = nullptr;
        qCInfo(lcController) << "controller endpoint closed";
    }
}

bool ControllerEndpoint::isListening() const
{
    return m_server && m_server->isListening();
}

QHostAddress ControllerEndpoint::serverAddress() const
{
    return m_server ? m_server->serverAddress() : QHostAddress();
}

quint16 ControllerEndpoint::serverPort() const
{
    return m_server ? m_server->serverPort() : 0;
}

ControllerEndpointStatistics ControllerEndpoint::statistics() const
{
    return m_stats;
}

QJsonObject ControllerEndpoint::statisticsJson() const
{
    const auto &s = m_stats;
    return QJsonObject {
            {u"listening"_s, isListening()},
            {u"address"_s,
             isListening() ? formatAddress(serverAddress(), serverPort()) : QString()},
            {u"connections"_s, double(s.connections)},
            {u"clients"_s, s.clients},
            {u"linesIn"_s, double(s.linesIn)},
            {u"linesOut"_s, double(s.linesOut)},
            {u"malformed"_s, double(s.malformed)},
            {u"sent"_s, double(s.sent)},
            {u"sendRefused"_s, double(s.sendRefused)},
            {u"toGateway"_s, double(s.toGateway)},
            {u"authFailures"_s, double(s.authFailures)},
            {u"disconnected"_s, double(s.disconnected)},
            {u"unrenderable"_s, double(s.unrenderable)},
            {u"rejectedConnections"_s, double(s.rejectedConnections)},
    };
}

QList<ControllerClientInfo> ControllerEndpoint::clients() const
{
    QList<ControllerClientInfo> out;
    for (const auto &entry : m_clients) {
        const Client &c = *entry.second;
        out.append({c.peer, c.authenticated, c.linesIn, c.malformed});
    }
    return out;
}

// --- connections --------------------------------------------------------------------------------

void ControllerEndpoint::acceptPending()
{
    while (m_server && m_server->hasPendingConnections()) {
        if (QTcpSocket *socket = m_server->nextPendingConnection())
            accept(socket);
    }
}

void ControllerEndpoint::accept(QTcpSocket *socket)
{
    ++m_stats.connections;
    const QString peer = formatAddress(socket->peerAddress(), socket->peerPort());
    auto *ssl = qobject_cast<QSslSocket *>(socket);
    const Admission admission
            = admit(qsizetype(m_clients.size()), m_settings.maxClients, m_settings.tls,
                    ssl ? ssl->peerCertificate() : QSslCertificate());
    if (!admission.admitted()) {
        ++m_stats.rejectedConnections;
        if (admission.certificate)
            ++m_stats.authFailures;
        qCWarning(lcController).noquote()
                << "controller client" << peer << "refused:" << admission.refusal;
        socket->abort();
        socket->deleteLater();
        return;
    }

    socket->setParent(this);
    socket->setReadBufferSize(kReadBufferSize);
    auto client = std::make_shared<Client>(socket, peer, m_settings.linesPerSecond,
                                           m_settings.lineBurst);
    m_clients[socket] = client;
    m_stats.clients = int(m_clients.size());
    const std::weak_ptr<Client> weak = client;
    connect(socket, &QTcpSocket::readyRead, this, [this, weak] {
        if (auto c = weak.lock())
            readFrom(c);
    });
    connect(socket, &QTcpSocket::disconnected, this, [this, socket] { forget(socket); });
    qCInfo(lcController).noquote() << "controller client" << peer << "connected";

    client->authTimer = startAuthTimer(
            m_settings.token.isSet(), socket, this, m_settings.authTimeout, [this, weak] {
                if (auto c = weak.lock()) {
                    ++m_stats.authFailures;
                    drop(*c, u"no \"%1 <token>\" line within %2 ms"_s
                                     .arg(QLatin1StringView(kAuthCommand))
                                     .arg(m_settings.authTimeout.count()));
                }
            });
    if (!client->authTimer)
        becomeReady(*client);
    // Bytes may have arrived with the handshake already.
    if (socket->bytesAvailable() > 0)
        readFrom(client);
}

void ControllerEndpoint::becomeReady(Client &client)
{
    client.authenticated = true;
    // What a stock Ethernet gateway sends to each client that connects (spec 2.4). Warden has
    // a radio behind it, so it presents itself as a repeater node (18).
    const QByteArray version = m_engine ? m_engine->options().libraryVersion.toLatin1() : "2.3.2";
    const bool ok
            = writeLine(client,
                        render(makeLine(0, Protocol::kNodeSensorId, Command::Internal, false,
                                        quint8(Internal::GatewayReady), kGatewayReady)))
              && writeLine(
                      client,
                      render(makeLine(0, Protocol::kNodeSensorId, Command::Presentation, false,
                                      quint8(Protocol::Sensor::ArduinoRepeaterNode), version)));
    if (ok)
        Q_EMIT clientReady(client.peer);
}

void ControllerEndpoint::forget(QTcpSocket *socket)
{
    const auto it = m_clients.find(socket);
    if (it == m_clients.end())
        return;
    const std::shared_ptr<Client> client = it->second;
    client->closing = true;
    m_clients.erase(it);
    m_stats.clients = int(m_clients.size());
    qCInfo(lcController).noquote() << "controller client" << client->peer << "disconnected";
    socket->disconnect(this);
    socket->deleteLater();
}

void ControllerEndpoint::drop(Client &client, const QString &reason, bool countAsLimit)
{
    if (client.closing)
        return;
    client.closing = true;
    if (countAsLimit)
        ++m_stats.disconnected;
    const QString peer = client.peer;
    QTcpSocket *socket = client.socket;
    qCWarning(lcController).noquote() << "controller client" << peer << "disconnected:" << reason;
    socket->disconnect(this);
    if (client.authTimer)
        client.authTimer->stop();
    socket->abort();
    socket->deleteLater();
    m_clients.erase(socket); // callers hold a shared_ptr: `client` stays valid for them
    m_stats.clients = int(m_clients.size());
    Q_EMIT clientDropped(peer, reason);
}

// --- reading ------------------------------------------------------------------------------------

void ControllerEndpoint::readFrom(const std::shared_ptr<Client> &client)
{
    char buffer[kReadChunk];
    while (!client->closing && client->socket->bytesAvailable() > 0) {
        const qint64 n = client->socket->read(buffer, sizeof buffer);
        if (n <= 0)
            break;
        client->splitter.feed(
                QByteArrayView(buffer, n),
                [&](const QByteArray &line) {
                    if (!client->closing)
                        handleLine(*client, line);
                },
                [&](const QString &what) {
                    if (!client->closing)
                        noteMalformed(*client, what);
                });
        if (!client->closing && client->splitter.skipping() > m_settings.maxUnterminated)
            drop(*client, u"%1 bytes without a line end (a line holds at most %2 characters)"_s
                                  .arg(client->splitter.skipping())
                                  .arg(Protocol::kMaxControllerLineLength));
    }
}

void ControllerEndpoint::noteMalformed(Client &client, const QString &what)
{
    ++client.malformed;
    ++m_stats.malformed;
    // A stock gateway drops such lines silently; so does Warden, but it says so in the log.
    qCInfo(lcController).noquote()
            << "controller client" << client.peer << "sent a malformed line, dropped:" << what;
    const auto now = std::chrono::steady_clock::now();
    client.recentMalformed.push_back(now);
    while (!client.recentMalformed.empty()
           && now - client.recentMalformed.front() > m_settings.malformedWindow)
        client.recentMalformed.pop_front();
    if (int(client.recentMalformed.size()) >= m_settings.maxMalformed)
        drop(client, u"%1 malformed lines within %2 s"_s.arg(client.recentMalformed.size())
                             .arg(std::chrono::duration_cast<std::chrono::seconds>(
                                          m_settings.malformedWindow)
                                          .count()));
}

void ControllerEndpoint::handleLine(Client &client, const QByteArray &text)
{
    if (!client.rate.take()) {
        drop(client,
             u"flood: more than %1 lines a second (burst %2)"_s.arg(m_settings.linesPerSecond)
                     .arg(m_settings.lineBurst));
        return;
    }
    if (!client.authenticated) {
        handleAuthLine(client, text);
        return;
    }
    ControllerLine line {};
    uint8_t badField = Protocol::kNoBadField;
    const auto error
            = Protocol::parseControllerLine(text.constData(), size_t(text.size()), line, &badField);
    if (error != Protocol::LineError::None) {
        QString what = u"%1 (%2)"_s.arg(QLatin1StringView(Protocol::lineErrorName(error)),
                                        QLatin1StringView(Protocol::lineErrorText(error)));
        if (badField != Protocol::kNoBadField)
            what += u", field %1"_s.arg(badField);
        noteMalformed(client, what);
        return;
    }
    ++client.linesIn;
    ++m_stats.linesIn;
    if (line.nodeId == Protocol::kGatewayAddress) {
        handleToGateway(client, line);
        return;
    }
    if (line.command == quint8(Command::Internal) && line.type == quint8(Internal::IdResponse)) {
        // The engine hands out node ids (it keeps revoked ids quarantined); a second answer
        // from the controller would give the node a competing id.
        qCInfo(lcController).noquote() << "controller client" << client.peer
                                       << "answered an id request; ignored: Warden assigns ids";
        return;
    }
    Protocol::Message message;
    const auto convert = Protocol::controllerLineToMessage(line, message);
    if (convert != Protocol::LineError::None) {
        noteMalformed(client,
                      u"%1 (%2)"_s.arg(QLatin1StringView(Protocol::lineErrorName(convert)),
                                       QLatin1StringView(Protocol::lineErrorText(convert))));
        return;
    }
    if (!m_engine)
        return;
    const auto id = m_engine->send(message);
    if (!id) {
        ++m_stats.sendRefused;
        qCInfo(lcController).noquote()
                << "controller client" << client.peer << "line not sent:" << id.error().message();
        return;
    }
    ++m_stats.sent;
    qCDebug(lcController).noquote() << "controller client" << client.peer << "sent"
                                    << describeMessage(message) << "as send" << *id;
}

void ControllerEndpoint::handleAuthLine(Client &client, const QByteArray &text)
{
    // Never log the line: it may be a near-miss of the token.
    const QByteArray prefix = QByteArray(kAuthCommand) + ' ';
    if (text.startsWith(prefix)
        && m_settings.token.matches(QByteArrayView(text).sliced(prefix.size()))) {
        if (client.authTimer)
            client.authTimer->stop();
        qCInfo(lcController).noquote() << "controller client" << client.peer << "authenticated";
        becomeReady(client);
        return;
    }
    ++m_stats.authFailures;
    drop(client, text.startsWith(prefix)
                         ? u"authentication failed: wrong token"_s
                         : u"authentication failed: the first line must be \"%1 <token>\""_s.arg(
                                 QLatin1StringView(kAuthCommand)));
}

void ControllerEndpoint::handleToGateway(Client &client, const ControllerLine &line)
{
    ++m_stats.toGateway;
    if (line.ack) {
        // A stock gateway echoes a message to itself first when asked to (spec 2.5).
        ControllerLine echo = line;
        echo.ack = true;
        if (!writeLine(client, render(echo)))
            return;
    }
    const QByteArray payload(line.payload, line.payloadLength);
    auto reply = [&](Internal type, const QByteArray &text) {
        writeLine(client, render(makeLine(0, Protocol::kNodeSensorId, Command::Internal, false,
                                          quint8(type), text)));
    };
    if (line.command != quint8(Command::Internal)) {
        qCInfo(lcController).noquote()
                << "controller client" << client.peer
                << "sent a non-internal message to the gateway itself; ignored (Warden has no "
                   "sensors of its own)";
        return;
    }
    switch (Internal(line.type)) {
    case Internal::Version:
        reply(Internal::Version,
              m_engine ? m_engine->options().libraryVersion.toLatin1() : QByteArray("2.3.2"));
        return;
    case Internal::Config:
        if (payload == "M" || payload == "I") {
            const bool metric = payload == "M";
            qCInfo(lcController).noquote() << "controller client" << client.peer << "set units to"
                                           << (metric ? "metric" : "imperial");
            if (metric != m_metric) {
                m_metric = metric;
                Q_EMIT metricChanged(metric);
            }
        } else {
            noteMalformed(client, u"I_CONFIG to the gateway needs the payload M or I"_s);
        }
        return;
    case Internal::HeartbeatRequest: {
        // A gateway without a radio state answers with its uptime in ms (spec 2.5).
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - m_started);
        reply(Internal::HeartbeatResponse, QByteArray::number(quint32(ms.count())));
        return;
    }
    case Internal::Presentation: {
        const QByteArray version
                = m_engine ? m_engine->options().libraryVersion.toLatin1() : QByteArray("2.3.2");
        writeLine(client, render(makeLine(0, Protocol::kNodeSensorId, Command::Presentation, false,
                                          quint8(Protocol::Sensor::ArduinoRepeaterNode), version)));
        return;
    }
    default:
        qCInfo(lcController).noquote()
                << "controller client" << client.peer << "sent internal type" << line.type
                << "to the gateway itself; not supported, ignored";
        return;
    }
}

// --- writing ------------------------------------------------------------------------------------

bool ControllerEndpoint::writeLine(Client &client, const QByteArray &line)
{
    if (client.closing || line.isEmpty())
        return false;
    if (client.socket->bytesToWrite() > m_settings.maxPendingOutput) {
        drop(client,
             u"not reading: %1 bytes waiting to be written"_s.arg(client.socket->bytesToWrite()));
        return false;
    }
    client.socket->write(line);
    ++m_stats.linesOut;
    return true;
}

void ControllerEndpoint::relay(const Protocol::Message &message)
{
    if (message.command() == Command::Internal) {
        const auto type = Internal(message.type());
        // The real gateway's own start-up line (classic mode): each client got Warden's when it
        // connected, and a second one would read as a gateway restart.
        if (message.sender() == Protocol::kGatewayAddress && type == Internal::GatewayReady)
            return;
        // Already answered by the engine, which owns id assignment.
        if (type == Internal::IdRequest)
            return;
    }
    ControllerLine line {};
    if (!Protocol::messageToControllerLine(message, line)) {
        ++m_stats.unrenderable;
        qCWarning(lcController).noquote()
                << "message not relayed to controllers: it has no controller-line form:"
                << describeMessage(message);
        return;
    }
    const QByteArray text = render(line);
    if (text.isEmpty())
        return;
    std::vector<std::shared_ptr<Client>> ready;
    for (const auto &entry : m_clients) {
        if (entry.second->authenticated && !entry.second->closing)
            ready.push_back(entry.second);
    }
    for (const auto &client : ready)
        writeLine(*client, text);
}

} // namespace Warden::Internal
