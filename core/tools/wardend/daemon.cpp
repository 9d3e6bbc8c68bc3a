#include "daemon.h"

#include "controllerendpoint.h"
#include "jsonapi.h"

#include <warden/frame.h>

#include <QtCore/QJsonArray>

using namespace Qt::StringLiterals;

namespace Warden::Internal {

Q_LOGGING_CATEGORY(lcDaemon, "warden.daemon")

Daemon::Daemon(DaemonConfig config, const LinkRegistry &registry, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_registry(registry)
{ }

Daemon::~Daemon()
{
    stop();
}

Result<void> Daemon::start()
{
    const EngineOptions &options = m_config.engine;
    m_engine = std::make_unique<Engine>(options);
    const bool host = options.mode == GatewayMode::HostGateway;
    qCInfo(lcDaemon).noquote()
            << "engine:" << (host ? "host-gateway mode," : "classic mode")
            << (host ? u"signatures %1, whitelisting %2"_s.arg(
                        options.requireSignatures ? u"required"_s : u"optional"_s,
                        options.requireWhitelisting ? u"required"_s : u"optional"_s)
                     : u"(the gateway checks signatures)"_s);

    if (!m_config.networkKeyFile.isEmpty()) {
        auto key = loadNetworkKey(m_config.networkKeyFile);
        if (!key) // a configuration error, whatever the cause (exit code 2)
            return fail(ErrorCode::InvalidArgument, key.error().message());
        if (auto r = m_engine->setNetworkKey(1, *key); !r)
            return r;
        // The fingerprint identifies the key; the key itself is never logged.
        qCInfo(lcDaemon).noquote() << "network key loaded, fingerprint" << key->fingerprint();
    } else if (host && options.requireSignatures) {
        qCWarning(lcDaemon) << "no network key ([keys] network_key_file): every signed frame will "
                               "be rejected";
    }
    // INVENTORY: open the inventory here (Inventory::open on the configured database), then
    // feed the engine its used ids and the persistent id allocator, and record traffic.

    connect(m_engine.get(), &Engine::alert, this, [](const SecurityAlert &alert) {
        qCWarning(lcDaemon).noquote() << "security alert:" << alert.text;
    });
    connect(m_engine.get(), &Engine::nodeIdAssigned, this,
            [](quint8 node) { qCInfo(lcDaemon) << "node id" << node << "assigned"; });
    connect(m_engine.get(), &Engine::traffic, this, [](const TrafficRecord &record) {
        if (!isAccepted(record.verdict))
            qCDebug(lcDaemon).noquote() << "rejected on" << record.link << "-"
                                        << frameVerdictName(record.verdict) << "-" << record.detail;
    });

    for (const LinkSection &section : std::as_const(m_config.links)) {
        auto configuration = linkConfiguration(m_config, section, m_registry);
        if (!configuration)
            return tl::unexpected(configuration.error());
        auto link = m_registry.create(*configuration);
        if (!link)
            return tl::unexpected(link.error());
        Link *l = link->get();
        if (auto r = m_engine->addLink(l); !r)
            return fail(r.error().code(), u"%1: [link/%2] %3"_s.arg(m_config.file, section.name,
                                                                    r.error().message()));
        connect(l, &Link::stateChanged, this, [l](LinkState state) {
            qCInfo(lcDaemon).noquote() << "link" << l->name() << linkStateName(state);
        });
        m_links.push_back(std::move(*link));
    }

    if (auto r = startListeners(); !r) {
        stop();
        return r;
    }
    for (const auto &link : m_links)
        link->open();
    m_running = true;
    qCInfo(lcDaemon).noquote() << "running with" << m_links.size() << "link(s)";
    return {};
}

Result<void> Daemon::startListeners()
{
    if (m_config.controller.enabled) {
        ControllerEndpointSettings settings;
        settings.address = m_config.controller.address;
        settings.port = m_config.controller.port;
        settings.token = m_config.controller.token;
        settings.tls = m_config.controller.tls;
        if (m_config.controller.maxClients > 0)
            settings.maxClients = m_config.controller.maxClients;
        m_endpoint = std::make_unique<ControllerEndpoint>(m_engine.get(), settings);
        if (auto r = m_endpoint->listen(); !r)
            return r;
    }
    if (m_config.api.enabled) {
        JsonApiSettings settings;
        settings.address = m_config.api.address;
        settings.port = m_config.api.port;
        settings.token = m_config.api.token;
        settings.tls = m_config.api.tls;
        settings.serverName = u"wardend"_s;
        if (m_config.api.maxClients > 0)
            settings.maxClients = m_config.api.maxClients;
        m_api = std::make_unique<JsonApi>(m_engine.get(), settings);
        m_api->addStatisticsSource(u"links"_s, [this] { return linkStatistics(); });
        if (m_endpoint) {
            ControllerEndpoint *endpoint = m_endpoint.get();
            m_api->addStatisticsSource(u"controller"_s,
                                       [endpoint] { return endpoint->statisticsJson(); });
        }
        // INVENTORY: m_api->addMethod("nodes" / "node", ...) once the inventory is open.
        if (auto r = m_api->listen(); !r)
            return r;
    }
    return {};
}

void Daemon::stop()
{
    if (m_api)
        m_api->close();
    if (m_endpoint)
        m_endpoint->close();
    for (const auto &link : m_links) {
        if (m_engine)
            m_engine->removeLink(link.get());
        link->close();
    }
    // INVENTORY: flush the inventory's pending writes here, before the links go.
    if (m_running)
        qCInfo(lcDaemon) << "stopped";
    m_running = false;
}

QJsonObject Daemon::linkStatistics() const
{
    QJsonObject out;
    for (const auto &link : m_links) {
        const LinkStatistics s = link->statistics();
        out.insert(link->name(),
                   QJsonObject {{u"type"_s, link->configuration().type},
                                {u"state"_s, QLatin1StringView(linkStateName(link->state()))},
                                {u"unitsIn"_s, double(s.unitsIn)},
                                {u"unitsOut"_s, double(s.unitsOut)},
                                {u"bytesIn"_s, double(s.bytesIn)},
                                {u"bytesOut"_s, double(s.bytesOut)},
                                {u"malformed"_s, double(s.malformed)},
                                {u"connects"_s, double(s.connects)},
                                {u"drops"_s, double(s.drops)},
                                {u"pending"_s, double(link->pendingCount())}});
    }
    return out;
}

} // namespace Warden::Internal
