// wardend's running state: the engine, its links, the controller endpoint and the JSON API,
// built from a checked DaemonConfig. Uses only Warden's public API and the bridge.
#pragma once

#include "config.h"

#include <warden/engine.h>
#include <warden/inventory.h>
#include <warden/keystore.h>
#include <warden/link.h>
#include <warden/linkplugin.h>
#include <warden/securityservice.h>

#include <QtCore/QLoggingCategory>
#include <QtCore/QObject>

#include <bitset>
#include <memory>
#include <vector>

QT_BEGIN_NAMESPACE
class QTimer;
QT_END_NAMESPACE

namespace Warden::Internal {

Q_DECLARE_LOGGING_CATEGORY(lcDaemon)

class ControllerEndpoint;
class JsonApi;

class Daemon : public QObject
{
    Q_OBJECT

public:
    /// @p registry must hold the transports (plugins loaded) and outlive the daemon.
    Daemon(DaemonConfig config, const LinkRegistry &registry, QObject *parent = nullptr);
    ~Daemon() override;

    /// Opens the inventory, creates the engine and links (the simulated network when the
    /// configuration asks for it), loads the network key, opens the links and starts the
    /// listeners. On error nothing keeps running. An InvalidArgument error is a configuration
    /// error (exit code 2), anything else a start failure (3).
    Result<void> start();
    /// Closes the listeners, commits the inventory's pending writes, then closes the links;
    /// safe to call twice.
    void stop();

    /// The security service (key store configured and open), else null.
    SecurityService *security() const { return m_security.get(); }

    /// Every link's state and counters, for the JSON API's statistics.
    QJsonObject linkStatistics() const;

    /// The simulated network's link type (plugins/simulated) and its link's name in wardend.
    static constexpr const char *kSimulatedType = "simulated";
    /// How often the traffic summary is logged, when there was traffic.
    static constexpr int kSummaryIntervalMs = 30000;

private:
    Result<void> openInventory();
    Result<void> openKeyStore();
    Result<void> startSecurity();
    Result<void> addSimulatedNetwork();
    Result<void> startListeners();
    void noteTraffic(const TrafficRecord &record);
    void logSummary();

    /// Frames since the last summary.
    struct Window
    {
        quint64 in = 0;
        quint64 accepted = 0;
        quint64 rejected = 0;
        quint64 out = 0;
        std::bitset<256> senders;
    };

    DaemonConfig m_config;
    const LinkRegistry &m_registry;
    // Declared first, destroyed last: the engine writes to it until it goes.
    std::unique_ptr<Inventory> m_inventory;
    std::unique_ptr<KeyStore> m_keyStore;
    std::unique_ptr<Engine> m_engine;
    std::vector<std::unique_ptr<Link>> m_links;
    // After the engine and the store it uses; before the API whose methods call it.
    std::unique_ptr<SecurityService> m_security;
    std::unique_ptr<ControllerEndpoint> m_endpoint;
    std::unique_ptr<JsonApi> m_api;
    QTimer *m_summaryTimer = nullptr;
    Window m_window;
    bool m_running = false;
};

} // namespace Warden::Internal
