// wardend's running state: the engine, its links, the controller endpoint and the JSON API,
// built from a checked DaemonConfig. Uses only Warden's public API and the bridge.
#pragma once

#include "config.h"

#include <warden/engine.h>
#include <warden/link.h>
#include <warden/linkplugin.h>

#include <QtCore/QLoggingCategory>
#include <QtCore/QObject>

#include <memory>
#include <vector>

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

    /// Creates the engine and links, loads the network key, opens the links and starts the
    /// listeners. On error nothing keeps running.
    Result<void> start();
    /// Closes the listeners and the links; safe to call twice.
    void stop();

    /// Every link's state and counters, for the JSON API's statistics.
    QJsonObject linkStatistics() const;

private:
    Result<void> startListeners();

    DaemonConfig m_config;
    const LinkRegistry &m_registry;
    std::unique_ptr<Engine> m_engine;
    std::vector<std::unique_ptr<Link>> m_links;
    std::unique_ptr<ControllerEndpoint> m_endpoint;
    std::unique_ptr<JsonApi> m_api;
    bool m_running = false;
};

} // namespace Warden::Internal
