// The JSON API over WebSocket (ws://127.0.0.1:5004 by default, wss:// with TLS): requests and
// responses as JSON text frames, plus events (live traffic with verdicts, security alerts,
// send outcomes) for clients that subscribe. The schema is in json-api.md beside this file.
//
// Clients are hostile until proven otherwise: every bad request gets an error response with
// a stable code; binary frames, frames over 64 KiB, floods and too many errors close the
// connection with a close code and a reason. A client that reads slowly loses traffic events
// (counted, announced with "traffic.dropped") instead of stalling the engine.
#pragma once

#include "bridgecommon.h"
#include "jsonprotocol.h"

#include <warden/engine.h>

#include <QtCore/QHash>
#include <QtCore/QJsonObject>
#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QUrl>

#include <chrono>
#include <functional>
#include <map>
#include <memory>

QT_BEGIN_NAMESPACE
class QWebSocket;
class QWebSocketServer;
QT_END_NAMESPACE

namespace Warden::Internal {

struct JsonApiSettings
{
    QHostAddress address = QHostAddress(QHostAddress::LocalHost);
    quint16 port = 5004; ///< 0 = any free port
    /// When set, the first request must be {"method": "auth", "params": {"token": ...}}.
    AccessToken token;
    TlsSettings tls; ///< wss:// when enabled
    int maxClients = 16;
    /// Error responses a client may cause before it is disconnected.
    int maxErrors = 10;
    /// Sustained requests per second and the burst on top before a client counts as a flood.
    int requestsPerSecond = 50;
    int requestBurst = 100;
    std::chrono::milliseconds authTimeout {5000};
    /// Bytes queued to a client above which traffic events for it are dropped (counted).
    qint64 maxPendingOutput = 1024 * 1024;
    /// Reported by "hello" (the daemon names itself here).
    QString serverName = QStringLiteral("warden");
};

struct JsonApiStatistics
{
    quint64 connections = 0;
    int clients = 0;
    quint64 requests = 0; ///< text frames received
    quint64 errors = 0; ///< error responses sent
    quint64 events = 0; ///< events sent
    quint64 eventsDropped = 0; ///< traffic events not sent to slow clients
    quint64 disconnected = 0; ///< clients closed for breaking a limit
    quint64 rejectedConnections = 0; ///< too many clients, or a client certificate not pinned
};

class JsonApi : public QObject
{
    Q_OBJECT

public:
    /// The outcome of a method: a result value, or an error with a code from JsonProtocol::Codes.
    using MethodResult = tl::expected<QJsonValue, JsonProtocol::ApiError>;
    using MethodHandler = std::function<MethodResult(const QJsonObject &params)>;
    using StatisticsSource = std::function<QJsonObject()>;
    /// A method that needs to know who calls: @p caller is "api:<peer address>", for the
    /// audit log.
    using CallerMethodHandler
            = std::function<MethodResult(const QJsonObject &params, const QString &caller)>;
    /// Replaces what "revoke" does after its params passed the checks (the daemon's full
    /// revocation workflow); the default only blocks the node in the engine.
    using RevokeHandler = std::function<MethodResult(quint8 node, const QString &reason,
                                                     const QString &caller)>;

    /// @p engine must outlive the API.
    JsonApi(Engine *engine, JsonApiSettings settings, QObject *parent = nullptr);
    ~JsonApi() override;

    /// Starts listening; the same exposure rule as the controller endpoint (checkExposure).
    Result<void> listen();
    void close();
    bool isListening() const;
    QHostAddress serverAddress() const;
    quint16 serverPort() const;
    /// ws://address:port or wss://...
    QUrl url() const;

    /// Adds a method beyond the built-in ones (the inventory's "nodes" and "node" come this
    /// way). It requires authentication like every method but "auth" and "hello". Refused when
    /// the name is taken.
    Result<void> addMethod(const QString &name, MethodHandler handler);
    /// The same for a handler that is told who calls.
    Result<void> addCallerMethod(const QString &name, CallerMethodHandler handler);
    void setRevokeHandler(RevokeHandler handler);
    /// Sends the event @p name ("job", "rotation") to every authenticated client that called
    /// "security.subscribe".
    void publishSecurityEvent(const QString &name, const QJsonObject &data);
    /// Adds an object to the "statistics" result under @p name (links, the endpoint, ...).
    void addStatisticsSource(const QString &name, StatisticsSource source);

    JsonApiStatistics statistics() const;
    QJsonObject statisticsJson() const;

Q_SIGNALS:
    /// A client was closed for breaking a limit or failing authentication.
    void clientDropped(const QString &peer, const QString &reason);

private:
    struct Client;

    void acceptPending();
    void onText(const std::shared_ptr<Client> &client, const QString &text);
    void execute(Client &client, const JsonProtocol::Call &call);
    void respond(Client &client, const QByteArray &text);
    void respondError(Client &client, std::optional<qint64> id, const JsonProtocol::ApiError &e);
    void sendEvent(Client &client, const QString &name, const QJsonObject &data);
    void drop(Client &client, int closeCode, const QString &reason);
    void forget(QWebSocket *socket);
    void flushDropped(Client &client);
    bool isPublic(JsonProtocol::Method method) const;

    void onTraffic(const TrafficRecord &record);
    void onAlert(const SecurityAlert &alert);
    void onSendDone(quint64 id);
    void onSendFailed(quint64 id, const Error &error);
    QJsonObject helloResult(const Client &client) const;
    QJsonObject fullStatistics() const;

    QPointer<Engine> m_engine;
    JsonApiSettings m_settings;
    QWebSocketServer *m_server = nullptr;
    std::map<QWebSocket *, std::shared_ptr<Client>> m_clients;
    QHash<QString, CallerMethodHandler> m_extensions;
    RevokeHandler m_revokeHandler;
    QList<std::pair<QString, StatisticsSource>> m_statisticsSources;
    /// Engine send id -> the client that asked, for send.done / send.failed.
    std::map<quint64, std::weak_ptr<Client>> m_pendingSends;
    JsonApiStatistics m_stats;
};

} // namespace Warden::Internal
