// The controller endpoint: Warden seen from a home-automation controller as a stock MySensors
// Ethernet gateway in TCP server mode (spec 2.4, 2.8). Home Assistant, Domoticz or openHAB
// connect unchanged and see only what the engine accepted (verified, signature stripped);
// what they send goes through Engine::send(), which signs towards nodes that require it.
//
// Everything a client sends is hostile input: lines are parsed strictly, malformed ones are
// dropped silently as a stock gateway does (but logged and counted), and a client that
// exceeds a limit is disconnected with a log line naming the reason; other clients and the
// engine carry on.
#pragma once

#include "bridgecommon.h"

#include <warden/engine.h>
#include <warden/protocol/textcodec.h>

#include <QtCore/QJsonObject>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QPointer>

#include <chrono>
#include <map>
#include <memory>

QT_BEGIN_NAMESPACE
class QTcpServer;
class QTcpSocket;
QT_END_NAMESPACE

namespace Warden::Internal {

struct ControllerEndpointSettings
{
    QHostAddress address = QHostAddress(QHostAddress::LocalHost);
    quint16 port = 5003; ///< MY_PORT of a stock Ethernet gateway; 0 = any free port
    /// When set, a client's first line must be "warden-auth <token>".
    AccessToken token;
    TlsSettings tls;
    int maxClients = 8;
    /// Malformed lines within malformedWindow after which a client is disconnected.
    int maxMalformed = 5;
    std::chrono::milliseconds malformedWindow {60000};
    /// Sustained lines per second, and the burst on top of it, before a client counts as a
    /// flood. Controllers send a few lines a second; firmware updates are paced by the nodes.
    int linesPerSecond = 50;
    int lineBurst = 200;
    /// Time a client has to authenticate (token) after connecting.
    std::chrono::milliseconds authTimeout {5000};
    /// Bytes of one line without a terminator after which the client is cut off (the line
    /// itself is dropped as oversized once it passes 98 characters).
    qsizetype maxUnterminated = 1024;
    /// Bytes waiting to be written to a client that does not read; beyond it, it is dropped.
    qint64 maxPendingOutput = 256 * 1024;
};

/// Counters over the endpoint's lifetime (clients: now).
struct ControllerEndpointStatistics
{
    quint64 connections = 0; ///< accepted TCP (or TLS) connections
    int clients = 0; ///< connected now, authenticated or not
    quint64 linesIn = 0; ///< well-formed lines from clients
    quint64 linesOut = 0; ///< lines written to clients (start-up lines included)
    quint64 malformed = 0; ///< malformed, oversized or unconvertible lines (all clients)
    quint64 sent = 0; ///< lines handed to Engine::send() and accepted by it
    quint64 sendRefused = 0; ///< lines Engine::send() refused (a revoked node, ...)
    quint64 toGateway = 0; ///< lines addressed to the gateway itself (destination 0)
    quint64 authFailures = 0; ///< wrong or missing token, or a client certificate not pinned
    quint64 disconnected = 0; ///< clients cut off for breaking a limit
    quint64 unrenderable = 0; ///< engine messages that cannot be rendered as a line (skipped)
    quint64 rejectedConnections = 0; ///< refused at once: too many clients, failed TLS
};

/// One connected client, for diagnostics.
struct ControllerClientInfo
{
    QString peer; ///< "address:port"
    bool authenticated = false;
    quint64 linesIn = 0;
    quint64 malformed = 0;
};

class ControllerEndpoint : public QObject
{
    Q_OBJECT

public:
    /// @p engine must outlive the endpoint.
    ControllerEndpoint(Engine *engine, ControllerEndpointSettings settings,
                       QObject *parent = nullptr);
    ~ControllerEndpoint() override;

    /// Starts listening. Refuses a non-loopback address without a token or pinned TLS
    /// (checkExposure), unreadable TLS files, and an address or port that cannot be bound.
    Result<void> listen();
    /// Stops listening and disconnects every client.
    void close();
    bool isListening() const;
    /// The bound address and port (the real port when the settings said 0).
    QHostAddress serverAddress() const;
    quint16 serverPort() const;
    bool isSecure() const { return m_settings.tls.isEnabled(); }

    ControllerEndpointStatistics statistics() const;
    /// The statistics as JSON for the JSON API (camelCase keys).
    QJsonObject statisticsJson() const;
    QList<ControllerClientInfo> clients() const;
    /// The unit system a controller last asked for with I_CONFIG to the gateway (spec 2.5);
    /// true (metric) until one does.
    bool metric() const { return m_metric; }

    /// The first line a client must send when a token is configured.
    static constexpr char kAuthCommand[] = "warden-auth";

Q_SIGNALS:
    /// A client was cut off for breaking a limit (or failing authentication); @p reason is
    /// the text that was logged.
    void clientDropped(const QString &peer, const QString &reason);
    /// A client is connected and authenticated (start-up lines sent).
    void clientReady(const QString &peer);
    /// A controller set the unit system with I_CONFIG to the gateway.
    void metricChanged(bool metric);

private:
    struct Client;

    void acceptPending();
    void accept(QTcpSocket *socket);
    void readFrom(const std::shared_ptr<Client> &client);
    void handleLine(Client &client, const QByteArray &line);
    void handleAuthLine(Client &client, const QByteArray &line);
    void handleToGateway(Client &client, const Protocol::ControllerLine &line);
    void noteMalformed(Client &client, const QString &what);
    void becomeReady(Client &client);
    void drop(Client &client, const QString &reason, bool countAsLimit = true);
    void forget(QTcpSocket *socket);
    void relay(const Protocol::Message &message);
    bool writeLine(Client &client, const QByteArray &line);

    QPointer<Engine> m_engine;
    ControllerEndpointSettings m_settings;
    QTcpServer *m_server = nullptr;
    std::map<QTcpSocket *, std::shared_ptr<Client>> m_clients;
    ControllerEndpointStatistics m_stats;
    bool m_metric = true;
    std::chrono::steady_clock::time_point m_started;
};

} // namespace Warden::Internal
