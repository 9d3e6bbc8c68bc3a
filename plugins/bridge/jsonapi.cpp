#include "jsonapi.h"

#include <warden/frame.h>

#include <QtCore/QJsonArray>
#include <QtCore/QLoggingCategory>
#include <QtCore/QTimer>
#include <QtWebSockets/QWebSocket>
#include <QtWebSockets/QWebSocketServer>

#include <vector>

using namespace Qt::StringLiterals;

namespace Warden::Internal {

Q_LOGGING_CATEGORY(lcApi, "warden.plugin.bridge.api")

using JsonProtocol::ApiError;
using JsonProtocol::Call;
using JsonProtocol::Method;
namespace Codes = JsonProtocol::Codes;

namespace {

/// A closing client that does not answer the close frame is cut off after this.
constexpr int kCloseGraceMs = 2000;
/// Responses (never dropped) may queue up to this many times maxPendingOutput before a client
/// that does not read is disconnected.
constexpr qint64 kResponseBacklogFactor = 4;

const char *alertKindName(SecurityAlert::Kind kind)
{
    switch (kind) {
    case SecurityAlert::Kind::RepeatedFailures:
        return "repeated-failures";
    case SecurityAlert::Kind::NonceFlood:
        return "nonce-flood";
    case SecurityAlert::Kind::RevokedActivity:
        return "revoked-activity";
    }
    return "unknown";
}

QString modeName(GatewayMode mode)
{
    return mode == GatewayMode::HostGateway ? u"host-gateway"_s : u"classic"_s;
}

QJsonObject errorObject(const Error &error)
{
    const char *code = "invalid-argument";
    switch (error.code()) {
    case ErrorCode::InvalidArgument:
        code = "invalid-argument";
        break;
    case ErrorCode::Malformed:
        code = "malformed";
        break;
    case ErrorCode::Crypto:
        code = "crypto";
        break;
    case ErrorCode::Refused:
        code = "refused";
        break;
    }
    return {{u"code"_s, QLatin1StringView(code)}, {u"message"_s, error.message()}};
}

} // namespace

struct JsonApi::Client
{
    Client(QWebSocket *s, QString p, int perSecond, int burst)
        : socket(s)
        , peer(std::move(p))
        , rate(perSecond, burst)
    { }

    QWebSocket *socket;
    QString peer;
    RateLimiter rate;
    bool authenticated = false;
    bool closing = false;
    bool traffic = false;
    bool alerts = false;
    bool security = false; ///< "job" and "rotation" events
    int errors = 0;
    quint64 dropped = 0; ///< traffic events not sent since the last traffic.dropped
    QTimer *authTimer = nullptr;
};

JsonApi::JsonApi(Engine *engine, JsonApiSettings settings, QObject *parent)
    : QObject(parent)
    , m_engine(engine)
    , m_settings(std::move(settings))
{
    if (m_engine) {
        connect(m_engine, &Engine::traffic, this, &JsonApi::onTraffic);
        connect(m_engine, &Engine::alert, this, &JsonApi::onAlert);
        connect(m_engine, &Engine::sendDone, this, &JsonApi::onSendDone);
        connect(m_engine, &Engine::sendFailed, this, &JsonApi::onSendFailed);
    }
}

JsonApi::~JsonApi()
{
    close();
}

Result<void> JsonApi::listen()
{
    if (m_server)
        return {};
    if (!m_engine)
        return fail(ErrorCode::Refused, u"the JSON API has no engine"_s);
    const auto tls
            = prepareListener(m_settings.address, m_settings.token, m_settings.tls, u"JSON API"_s);
    if (!tls)
        return tl::unexpected(tls.error());
    const bool secure = tls->has_value();
    auto *server = new QWebSocketServer(
            m_settings.serverName,
            secure ? QWebSocketServer::SecureMode : QWebSocketServer::NonSecureMode, this);
    if (secure) {
        server->setSslConfiguration(**tls);
        // With a pinned client the server asks for a certificate without a CA to check it
        // against, so "self-signed" is reported here as expected; the pin decides (accept).
        connect(server, &QWebSocketServer::sslErrors, this, [](const QList<QSslError> &e) {
            qCDebug(lcApi) << "TLS errors from a JSON API client (the pin decides):" << e;
        });
    }
    server->setHandshakeTimeout(int(m_settings.authTimeout.count()));
    connect(server, &QWebSocketServer::newConnection, this, &JsonApi::acceptPending);
    if (!server->listen(m_settings.address, m_settings.port)) {
        const QString why = server->errorString();
        delete server;
        return fail(ErrorCode::Refused,
                    u"JSON API cannot listen on %1: %2"_s.arg(
                            formatAddress(m_settings.address, m_settings.port), why));
    }
    m_server = server;
    qCInfo(lcApi).noquote() << "JSON API listening on" << url().toString()
                            << (m_settings.token.isSet() ? "(token required)" : "(no token)");
    return {};
}

void JsonApi::close()
{
    std::vector<std::shared_ptr<Client>> clients;
    for (const auto &entry : m_clients)
        clients.push_back(entry.second);
    for (const auto &client : clients) {
        client->closing = true;
        client->socket->disconnect(this);
        client->socket->close(QWebSocketProtocol::CloseCodeGoingAway, u"server shutting down"_s);
        client->socket->deleteLater();
    }
    m_clients.clear();
    m_stats.clients = 0;
    if (m_server) {
        m_server->close();
        m_server->deleteLater();
        m_server = nullptr;
        qCInfo(lcApi) << "JSON API closed";
    }
}

bool JsonApi::isListening() const
{
    return m_server && m_server->isListening();
}

QHostAddress JsonApi::serverAddress() const
{
    return m_server ? m_server->serverAddress() : QHostAddress();
}

quint16 JsonApi::serverPort() const
{
    return m_server ? m_server->serverPort() : 0;
}

QUrl JsonApi::url() const
{
    if (!m_server)
        return {};
    return QUrl((m_settings.tls.isEnabled() ? u"wss://"_s : u"ws://"_s)
                + formatAddress(serverAddress(), serverPort()));
}

Result<void> JsonApi::addMethod(const QString &name, MethodHandler handler)
{
    if (name.isEmpty() || !handler)
        return fail(ErrorCode::InvalidArgument, u"a method needs a name and a handler"_s);
    if (JsonProtocol::methodNames().contains(name) || m_extensions.contains(name))
        return fail(ErrorCode::Refused, u"the JSON API already has a method \"%1\""_s.arg(name));
    m_extensions.insert(name,
                        [handler = std::move(handler)](const QJsonObject &params, const QString &) {
                            return handler(params);
                        });
    return {};
}

Result<void> JsonApi::addCallerMethod(const QString &name, CallerMethodHandler handler)
{
    if (name.isEmpty() || !handler)
        return fail(ErrorCode::InvalidArgument, u"a method needs a name and a handler"_s);
    if (JsonProtocol::methodNames().contains(name) || m_extensions.contains(name))
        return fail(ErrorCode::Refused, u"the JSON API already has a method \"%1\""_s.arg(name));
    m_extensions.insert(name, std::move(handler));
    return {};
}

void JsonApi::setRevokeHandler(RevokeHandler handler)
{
    m_revokeHandler = std::move(handler);
}

void JsonApi::publishSecurityEvent(const QString &name, const QJsonObject &data)
{
    std::vector<std::shared_ptr<Client>> subscribers;
    for (const auto &entry : m_clients) {
        if (entry.second->security && entry.second->authenticated && !entry.second->closing)
            subscribers.push_back(entry.second);
    }
    for (const auto &client : subscribers)
        sendEvent(*client, name, data);
}

void JsonApi::addStatisticsSource(const QString &name, StatisticsSource source)
{
    m_statisticsSources.append({name, std::move(source)});
}

JsonApiStatistics JsonApi::statistics() const
{
    return m_stats;
}

QJsonObject JsonApi::statisticsJson() const
{
    const auto &s = m_stats;
    return QJsonObject {
            {u"listening"_s, isListening()},
            {u"url"_s, url().toString()},
            {u"connections"_s, double(s.connections)},
            {u"clients"_s, s.clients},
            {u"requests"_s, double(s.requests)},
            {u"errors"_s, double(s.errors)},
            {u"events"_s, double(s.events)},
            {u"eventsDropped"_s, double(s.eventsDropped)},
            {u"disconnected"_s, double(s.disconnected)},
            {u"rejectedConnections"_s, double(s.rejectedConnections)},
    };
}

// --- connections --------------------------------------------------------------------------------

void JsonApi::acceptPending()
{
    while (m_server && m_server->hasPendingConnections()) {
        QWebSocket *socket = m_server->nextPendingConnection();
        if (!socket)
            continue;
        ++m_stats.connections;
        const QString peer = formatAddress(socket->peerAddress(), socket->peerPort());
        const QString refusal = admit(qsizetype(m_clients.size()), m_settings.maxClients,
                                      m_settings.tls, socket->sslConfiguration().peerCertificate())
                                        .refusal;
        if (!refusal.isEmpty()) {
            ++m_stats.rejectedConnections;
            qCWarning(lcApi).noquote() << "JSON API client" << peer << "refused:" << refusal;
            socket->setParent(this);
            connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
            socket->close(QWebSocketProtocol::CloseCodePolicyViolated, refusal);
            QTimer::singleShot(kCloseGraceMs, socket, &QWebSocket::abort);
            continue;
        }

        socket->setParent(this);
        socket->setMaxAllowedIncomingMessageSize(quint64(JsonProtocol::kMaxMessageSize));
        socket->setMaxAllowedIncomingFrameSize(quint64(JsonProtocol::kMaxMessageSize));
        auto client = std::make_shared<Client>(socket, peer, m_settings.requestsPerSecond,
                                               m_settings.requestBurst);
        client->authenticated = !m_settings.token.isSet();
        m_clients[socket] = client;
        m_stats.clients = int(m_clients.size());
        const std::weak_ptr<Client> weak = client;
        connect(socket, &QWebSocket::textMessageReceived, this, [this, weak](const QString &text) {
            if (auto c = weak.lock())
                onText(c, text);
        });
        connect(socket, &QWebSocket::binaryFrameReceived, this, [this, weak] {
            if (auto c = weak.lock())
                drop(*c, QWebSocketProtocol::CloseCodeDatatypeNotSupported,
                     u"binary frames are not accepted: requests are JSON text"_s);
        });
        connect(socket, &QWebSocket::bytesWritten, this, [this, weak] {
            if (auto c = weak.lock())
                flushDropped(*c);
        });
        connect(socket, &QWebSocket::disconnected, this, [this, socket] { forget(socket); });
        client->authTimer = startAuthTimer(
                !client->authenticated, socket, this, m_settings.authTimeout, [this, weak] {
                    if (auto c = weak.lock())
                        drop(*c, QWebSocketProtocol::CloseCodePolicyViolated,
                             u"no auth request within %1 ms"_s.arg(m_settings.authTimeout.count()));
                });
        qCInfo(lcApi).noquote() << "JSON API client" << peer << "connected";
    }
}

void JsonApi::forget(QWebSocket *socket)
{
    const auto it = m_clients.find(socket);
    if (it == m_clients.end())
        return;
    const std::shared_ptr<Client> client = it->second;
    m_clients.erase(it);
    m_stats.clients = int(m_clients.size());
    socket->disconnect(this);
    socket->deleteLater();
    if (client->closing)
        return;
    client->closing = true;
    // Qt closes a connection itself for a message above the size limit or invalid UTF-8.
    const auto code = socket->closeCode();
    if (code == QWebSocketProtocol::CloseCodeTooMuchData
        || code == QWebSocketProtocol::CloseCodeWrongDatatype) {
        ++m_stats.disconnected;
        const QString reason
                = code == QWebSocketProtocol::CloseCodeTooMuchData
                          ? u"a message above %1 bytes"_s.arg(JsonProtocol::kMaxMessageSize)
                          : u"a text frame that is not UTF-8"_s;
        qCWarning(lcApi).noquote()
                << "JSON API client" << client->peer << "disconnected:" << reason;
        Q_EMIT clientDropped(client->peer, reason);
        return;
    }
    qCInfo(lcApi).noquote() << "JSON API client" << client->peer << "disconnected";
}

void JsonApi::drop(Client &client, int closeCode, const QString &reason)
{
    if (client.closing)
        return;
    client.closing = true;
    ++m_stats.disconnected;
    qCWarning(lcApi).noquote() << "JSON API client" << client.peer << "disconnected:" << reason;
    QWebSocket *socket = client.socket;
    if (client.authTimer)
        client.authTimer->stop();
    // Keep "disconnected" connected until the close handshake ends; forget() then erases it.
    disconnect(socket, &QWebSocket::textMessageReceived, this, nullptr);
    disconnect(socket, &QWebSocket::binaryFrameReceived, this, nullptr);
    disconnect(socket, &QWebSocket::bytesWritten, this, nullptr);
    // A close reason must fit a control frame (123 bytes).
    socket->close(QWebSocketProtocol::CloseCode(closeCode), reason.left(100));
    QTimer::singleShot(kCloseGraceMs, socket, &QWebSocket::abort);
    Q_EMIT clientDropped(client.peer, reason);
}

bool JsonApi::isPublic(Method method) const
{
    return method == Method::Auth;
}

// --- requests -----------------------------------------------------------------------------------

void JsonApi::onText(const std::shared_ptr<Client> &client, const QString &text)
{
    if (client->closing)
        return;
    ++m_stats.requests;
    if (!client->rate.take()) {
        drop(*client, QWebSocketProtocol::CloseCodePolicyViolated,
             u"flood: more than %1 requests a second (burst %2)"_s.arg(m_settings.requestsPerSecond)
                     .arg(m_settings.requestBurst));
        return;
    }
    const auto call = JsonProtocol::parseCall(
            text.toUtf8(), [this](const QString &name) { return m_extensions.contains(name); });
    if (!call) {
        respondError(*client, call.error().id, call.error().error);
        return;
    }
    if (!client->authenticated && !isPublic(call->method)) {
        respondError(
                *client, call->id,
                {Codes::Unauthenticated,
                 u"authenticate first: {\"method\": \"auth\", \"params\": {\"token\": ...}}"_s});
        drop(*client, QWebSocketProtocol::CloseCodePolicyViolated,
             u"a request before authentication"_s);
        return;
    }
    execute(*client, *call);
}

void JsonApi::execute(Client &client, const Call &call)
{
    auto ok = [&](const QJsonValue &result) {
        respond(client, JsonProtocol::resultText(call.id, result));
    };
    switch (call.method) {
    case Method::Auth:
        if (!m_settings.token.isSet() || m_settings.token.matches(call.token)) {
            if (!client.authenticated)
                qCInfo(lcApi).noquote() << "JSON API client" << client.peer << "authenticated";
            client.authenticated = true;
            if (client.authTimer)
                client.authTimer->stop();
            ok(QJsonObject {{u"authenticated"_s, true}});
        } else {
            respondError(client, call.id, {Codes::AuthFailed, u"wrong token"_s});
            drop(client, QWebSocketProtocol::CloseCodePolicyViolated,
                 u"authentication failed: wrong token"_s);
        }
        return;
    case Method::Hello:
        ok(helloResult(client));
        return;
    case Method::Statistics:
        ok(fullStatistics());
        return;
    case Method::TrafficSubscribe:
    case Method::TrafficUnsubscribe:
        client.traffic = call.method == Method::TrafficSubscribe;
        ok(QJsonObject {{u"traffic"_s, client.traffic}});
        return;
    case Method::AlertsSubscribe:
    case Method::AlertsUnsubscribe:
        client.alerts = call.method == Method::AlertsSubscribe;
        ok(QJsonObject {{u"alerts"_s, client.alerts}});
        return;
    case Method::SecuritySubscribe:
    case Method::SecurityUnsubscribe:
        client.security = call.method == Method::SecuritySubscribe;
        ok(QJsonObject {{u"security"_s, client.security}});
        return;
    case Method::Send: {
        const auto id = m_engine->send(call.message);
        if (!id) {
            respondError(client, call.id, {Codes::Refused, id.error().message()});
            return;
        }
        qCInfo(lcApi).noquote() << "JSON API client" << client.peer << "sends"
                                << describeMessage(call.message) << "as send" << *id;
        for (const auto &entry : m_clients) {
            if (entry.second.get() == &client)
                m_pendingSends[*id] = entry.second;
        }
        ok(QJsonObject {{u"sendId"_s, double(*id)}});
        return;
    }
    case Method::Revoke:
        // Logged by the engine (and, with the inventory, in the audit log).
        qCWarning(lcApi).noquote()
                << "JSON API client" << client.peer << "revokes node" << call.node;
        if (m_revokeHandler) {
            const MethodResult result
                    = m_revokeHandler(call.node, call.reason, u"api:"_s + client.peer);
            if (result)
                ok(*result);
            else
                respondError(client, call.id, result.error());
            return;
        }
        // Who asked goes to the inventory's audit log (when the engine has one).
        m_engine->revoke(call.node, u"api:"_s + client.peer, call.reason);
        ok(QJsonObject {{u"node"_s, call.node}, {u"revoked"_s, m_engine->isRevoked(call.node)}});
        return;
    case Method::Unlock:
        qCInfo(lcApi).noquote() << "JSON API client" << client.peer << "unlocks node" << call.node;
        m_engine->unlockNode(call.node);
        ok(QJsonObject {{u"node"_s, call.node}, {u"locked"_s, m_engine->isLocked(call.node)}});
        return;
    case Method::Extension: {
        const auto handler = m_extensions.value(call.name);
        const MethodResult result = handler ? handler(call.params, u"api:"_s + client.peer)
                                            : MethodResult(tl::unexpected(ApiError {
                                                    Codes::Unavailable, u"not available"_s}));
        if (result)
            ok(*result);
        else
            respondError(client, call.id, result.error());
        return;
    }
    }
}

QJsonObject JsonApi::helloResult(const Client &client) const
{
    QStringList methods = JsonProtocol::methodNames();
    methods.append(m_extensions.keys());
    return QJsonObject {
            {u"server"_s, m_settings.serverName},
            {u"version"_s, QStringLiteral(WARDEN_VERSION)},
            {u"api"_s, JsonProtocol::kApiVersion},
            {u"mode"_s, modeName(m_engine->options().mode)},
            {u"gatewayVersion"_s, m_engine->options().libraryVersion},
            {u"authenticated"_s, client.authenticated},
            {u"methods"_s, QJsonArray::fromStringList(methods)},
            {u"events"_s, QJsonArray::fromStringList(JsonProtocol::eventNames())},
    };
}

QJsonObject JsonApi::fullStatistics() const
{
    const EngineStatistics e = m_engine->statistics();
    QJsonObject verdicts;
    for (size_t i = 0; i < e.verdicts.size(); ++i)
        verdicts.insert(QLatin1StringView(frameVerdictName(FrameVerdict(i))),
                        double(e.verdicts[i]));
    QJsonObject out {
            {u"engine"_s,
             QJsonObject {
                     {u"mode"_s, modeName(m_engine->options().mode)},
                     {u"framesIn"_s, double(e.framesIn)},
                     {u"framesOut"_s, double(e.framesOut)},
                     {u"noncesIssued"_s, double(e.noncesIssued)},
                     {u"signingTimeouts"_s, double(e.signingTimeouts)},
                     {u"verdicts"_s, verdicts},
             }},
            {u"api"_s, statisticsJson()},
    };
    for (const auto &[name, source] : m_statisticsSources)
        out.insert(name, source());
    return out;
}

void JsonApi::respond(Client &client, const QByteArray &text)
{
    if (client.closing)
        return;
    if (client.socket->bytesToWrite() > kResponseBacklogFactor * m_settings.maxPendingOutput) {
        drop(client, QWebSocketProtocol::CloseCodePolicyViolated,
             u"not reading: %1 bytes waiting to be written"_s.arg(client.socket->bytesToWrite()));
        return;
    }
    client.socket->sendTextMessage(QString::fromUtf8(text));
}

void JsonApi::respondError(Client &client, std::optional<qint64> id, const ApiError &error)
{
    ++m_stats.errors;
    ++client.errors;
    qCInfo(lcApi).noquote() << "JSON API client" << client.peer << "request failed:" << error.code
                            << "-" << error.message.left(200);
    respond(client, JsonProtocol::errorText(id, error));
    if (client.errors >= m_settings.maxErrors)
        drop(client, QWebSocketProtocol::CloseCodePolicyViolated,
             u"%1 bad requests"_s.arg(client.errors));
}

// --- events -------------------------------------------------------------------------------------

void JsonApi::sendEvent(Client &client, const QString &name, const QJsonObject &data)
{
    if (client.closing)
        return;
    ++m_stats.events;
    client.socket->sendTextMessage(QString::fromUtf8(JsonProtocol::eventText(name, data)));
}

void JsonApi::flushDropped(Client &client)
{
    if (client.dropped == 0 || client.closing
        || client.socket->bytesToWrite() > m_settings.maxPendingOutput / 2)
        return;
    const quint64 count = client.dropped;
    client.dropped = 0;
    sendEvent(client, u"traffic.dropped"_s, QJsonObject {{u"count"_s, double(count)}});
}

void JsonApi::onTraffic(const TrafficRecord &record)
{
    std::vector<std::shared_ptr<Client>> subscribers;
    for (const auto &entry : m_clients) {
        if (entry.second->traffic && entry.second->authenticated && !entry.second->closing)
            subscribers.push_back(entry.second);
    }
    if (subscribers.empty())
        return;
    QJsonObject data {
            {u"timestamp"_s, double(record.timestampMs)},
            {u"link"_s, record.link},
            {u"direction"_s, record.outgoing ? u"out"_s : u"in"_s},
            {u"verdict"_s, QLatin1StringView(frameVerdictName(record.verdict))},
            {u"accepted"_s, isAccepted(record.verdict)},
            {u"detail"_s, record.detail},
    };
    if (record.verdict == FrameVerdict::Malformed && !record.raw.isEmpty())
        data.insert(u"raw_hex"_s, QString::fromLatin1(record.raw.toHex()));
    else
        data.insert(u"message"_s, messageToJson(record.message));
    const QString text = QString::fromUtf8(JsonProtocol::eventText(u"traffic"_s, data));
    for (const auto &client : subscribers) {
        // A slow reader must not make the engine wait or memory grow: its events are dropped.
        if (client->socket->bytesToWrite() > m_settings.maxPendingOutput) {
            ++client->dropped;
            ++m_stats.eventsDropped;
            continue;
        }
        flushDropped(*client);
        ++m_stats.events;
        client->socket->sendTextMessage(text);
    }
}

void JsonApi::onAlert(const SecurityAlert &alert)
{
    const QJsonObject data {
            {u"kind"_s, QLatin1StringView(alertKindName(alert.kind))},
            {u"node"_s, alert.node},
            {u"count"_s, alert.count},
            {u"text"_s, alert.text},
    };
    std::vector<std::shared_ptr<Client>> subscribers;
    for (const auto &entry : m_clients) {
        if (entry.second->alerts && entry.second->authenticated)
            subscribers.push_back(entry.second);
    }
    for (const auto &client : subscribers)
        sendEvent(*client, u"alert"_s, data);
}

void JsonApi::onSendDone(quint64 id)
{
    const auto it = m_pendingSends.find(id);
    if (it == m_pendingSends.end())
        return;
    const auto client = it->second.lock();
    m_pendingSends.erase(it);
    if (client)
        sendEvent(*client, u"send.done"_s, QJsonObject {{u"sendId"_s, double(id)}});
}

void JsonApi::onSendFailed(quint64 id, const Error &error)
{
    const auto it = m_pendingSends.find(id);
    if (it == m_pendingSends.end())
        return;
    const auto client = it->second.lock();
    m_pendingSends.erase(it);
    if (client)
        sendEvent(*client, u"send.failed"_s,
                  QJsonObject {{u"sendId"_s, double(id)}, {u"error"_s, errorObject(error)}});
}

} // namespace Warden::Internal
