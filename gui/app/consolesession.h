// What the console runs on, built like wardend on core's public API: the transports
// (LinkRegistry), and per connection (one gateway, one network) its link, its engine (classic or
// host gateway) and its inventory. Connections are added, edited and removed at run time and
// kept in QSettings. With no connection configured the session starts on the built-in
// simulated network, which keeps its nodes in an inventory of its own (never a real network's).
#pragma once

#include <warden/engine.h>
#include <warden/inventory.h>
#include <warden/linkplugin.h>
#include <warden/secretbytes.h>

#include <QtCore/QObject>
#include <QtCore/QVariantMap>

#include <map>
#include <memory>
#include <optional>

QT_BEGIN_NAMESPACE
class QSettings;
class QTimer;
QT_END_NAMESPACE

namespace Warden {
class KeyStore;
class SecurityService;
} // namespace Warden

namespace Warden::Internal {

/// One gateway as the user configured it (plain data: edited and stored before it exists).
struct ConnectionSettings
{
    QString name; ///< unique; also the network's name in every view
    QString type; ///< a transport of the registry: "serial", "tcp", "mqtt", "simulated"
    GatewayMode mode = GatewayMode::Classic; ///< the simulated network is always a host gateway
    QVariantMap settings; ///< the transport's settings, checked by its factory
    QString inventoryFile; ///< empty: the default location (see ConsoleSession)
    bool autoConnect = true; ///< connect when the session starts

    bool operator==(const ConnectionSettings &other) const = default;
};

enum class ConnectionState : quint8 {
    Disconnected, ///< not connected (never, or by the user)
    Connecting, ///< opening the transport
    Connected, ///< frames flow
    Retrying, ///< the transport dropped or did not open; it is tried again after a wait
    Failed, ///< could not start (inventory, settings, transport missing); see the error
};

/// A connection's state at a glance: the state, and in plain words what it means and why.
struct ConnectionStatus
{
    ConnectionState state = ConnectionState::Disconnected;
    QString text; ///< "Connected", "Connection lost: ... Trying again in 2 s", ...
    QString error; ///< the last error's message, if any (Warden::Error::message())
};

class ConsoleSession : public QObject
{
    Q_OBJECT

public:
    /// The name of the built-in simulated network (as a connection and a network).
    static QString simulatedName();
    /// Nodes the built-in simulated network runs, and how often they report.
    static constexpr int kSimulatedNodes = 5;
    static constexpr int kSimulatedReportIntervalMs = 3000;
    /// How often inventory commits are turned into nodesChanged() at most.
    static constexpr int kNodesRefreshMs = 500;

    /// @p settings keeps the connections (group "connections"); not owned, must outlive the
    /// session. @p dataDirectory holds the inventories; empty: wardend's folder
    /// (QStandardPaths::GenericDataLocation + "/warden"), so the console and the daemon
    /// see the same network.
    explicit ConsoleSession(QSettings *settings, QString dataDirectory = {},
                            QObject *parent = nullptr);
    ~ConsoleSession() override;

    /// Loads the transports (static ones linked in, then LinkRegistry::defaultDirectories()
    /// and @p extraPluginDirectories), reads the connections and connects those marked
    /// autoConnect; with none configured, adds the simulated network (not stored) and connects
    /// it. Fails only when no transport could be loaded at all.
    Result<void> start(const QStringList &extraPluginDirectories = {});
    /// Disconnects everything (inventories flushed).
    void stop();

    const LinkRegistry &registry() const { return m_registry; }
    /// The transports' types, for editors.
    QStringList linkTypes() const { return m_registry.types(); }

    QStringList connectionNames() const;
    std::optional<ConnectionSettings> connection(const QString &name) const;
    static bool isSimulated(const ConnectionSettings &settings);
    bool isSimulated(const QString &name) const;

    /// Checks @p settings as adding them would (unique non-empty name, known transport, the
    /// factory's check of every setting): the error names the bad key.
    Result<void> check(const ConnectionSettings &settings, const QString &replacing = {}) const;
    /// Adds and stores a connection (connects it if autoConnect).
    Result<void> addConnection(const ConnectionSettings &settings);
    /// Replaces connection @p name (reconnecting it if it was connected).
    Result<void> updateConnection(const QString &name, const ConnectionSettings &settings);
    /// Disconnects and forgets a connection.
    Result<void> removeConnection(const QString &name);

    /// Opens the connection's inventory, makes its engine and link and opens the link. A
    /// failure also shows in status() (Failed) and stateChanged().
    Result<void> connectTo(const QString &name);
    void disconnectFrom(const QString &name);
    ConnectionStatus status(const QString &name) const;

    /// While connected (else null): the connection's engine, inventory and link.
    Engine *engine(const QString &name) const;
    Inventory *inventory(const QString &name) const;
    Link *link(const QString &name) const;
    /// The inventory file a connection uses (its own, or the default for it).
    QString inventoryFileFor(const ConnectionSettings &settings) const;

    // --- security: revocation, whitelists, jobs, rotation (SecurityService) ---
    /// While connected with a key store (else null): the network's security service, which
    /// the console's revoke, rotation, whitelist and personalization dialogs act through. The
    /// simulated network always has one, on a key store made for the session (see
    /// gui/README.md); a real network gets one once its key store is unlocked.
    SecurityService *security(const QString &name) const;
    /// The connection's key store (unlocked, or the simulated network's session store).
    KeyStore *keyStore(const QString &name) const;
    /// Opens the key store @p file for connection @p name with @p passphrase (not kept). A
    /// connected network is reconnected, so that the service restores the engine before any
    /// frame flows. Errors in plain words: a wrong passphrase says so; never the passphrase.
    Result<void> unlockKeyStore(const QString &name, const QString &file,
                                const SecretBytes &passphrase);
    /// Takes a key store already opened (KeyStoreUnlockDialog::takeStore) for connection
    /// @p name, as unlockKeyStore does after opening it. Refused for the simulated network.
    Result<void> adoptKeyStore(const QString &name, std::unique_ptr<KeyStore> store);
    /// Where a real network's key store is looked for by default: "<name>.wardenkeys" in the
    /// inventories' folder (any character unfit for a file name becomes '_').
    QString keyStoreFileFor(const QString &name) const;
    /// Closes the connection's key store (a connected network is reconnected without it).
    void lockKeyStore(const QString &name);

Q_SIGNALS:
    void connectionAdded(const QString &name);
    void connectionRemoved(const QString &name);
    void connectionChanged(const QString &name);
    void stateChanged(const QString &name, const Warden::Internal::ConnectionStatus &status);
    /// Every frame of a connection's engine.
    void traffic(const QString &network, const Warden::TrafficRecord &record);
    void alert(const QString &network, const Warden::SecurityAlert &alert);
    /// The network's inventory committed changes (at most every kNodesRefreshMs), or the
    /// network was connected: read inventory(network)->nodes().
    void nodesChanged(const QString &network);
    /// Nodes @p ids of the network were heard (their frames change what the inventory holds):
    /// read inventory(network)->node(id) for each; cheaper than nodesChanged for a big network.
    void nodesUpdated(const QString &network, const QList<quint8> &ids);
    /// security() or keyStore() of the connection changed (started, stopped, unlocked, locked).
    void securityChanged(const QString &name);

private:
    struct Connection;

    Result<void> startConnection(Connection &connection);
    Result<void> startSecurity(Connection &connection);
    Result<void> makeSessionStore(Connection &connection, const SecretBytes &networkKey,
                                  const std::map<quint8, SecretBytes> &managementKeys,
                                  const std::map<quint8, SecretBytes> &linkKeys);
    /// The simulated nodes' serials in the session store and the inventory (after the link
    /// is made, before the security service starts).
    Result<void> recordSimulatedNodes(Connection &connection);
    void stopConnection(Connection &connection);
    void setStatus(Connection &connection, ConnectionState state, const QString &text,
                   const QString &error = {});
    void onLinkState(const QString &name, LinkState state);
    void load();
    void save() const;
    Connection *find(const QString &name) const;

    QSettings *m_settings;
    QString m_dataDirectory;
    LinkRegistry m_registry;
    std::vector<std::unique_ptr<Connection>> m_connections; ///< in the user's order
    bool m_started = false;
};

/// "Connected", "Connecting", ... (translated).
QString connectionStateText(ConnectionState state);

} // namespace Warden::Internal

Q_DECLARE_METATYPE(Warden::Internal::ConnectionStatus)
