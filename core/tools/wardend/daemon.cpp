#include "daemon.h"

#include "controllerendpoint.h"
#include "inventorymethods.h"
#include "jsonapi.h"
#include "securitymethods.h"

#include <warden/frame.h>
#include <warden/protocol/enums.h>

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QTimer>

#include <utility>

using namespace Qt::StringLiterals;

namespace Warden::Internal {

Q_LOGGING_CATEGORY(lcDaemon, "warden.daemon")

namespace {

/// The simulated network wardend starts on without links: a few nodes of the bundled
/// sketches, reporting often enough to make a live view. They boot with ids 1..5 as nodes
/// that joined before, so every session shows the same nodes in the inventory instead of
/// five new ones (which would use up the ids after some fifty sessions).
QVariantMap simulatedSessionSettings()
{
    return {{u"nodes"_s, 5}, {u"reportIntervalMs"_s, 3000}, {u"firstNodeId"_s, 1}};
}

} // namespace

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
    if (m_config.simulated && m_config.engine.mode != GatewayMode::HostGateway) {
        // The simulated bus carries radio frames: Warden is its gateway.
        qCInfo(lcDaemon) << "simulated network: host-gateway mode (the configured classic mode "
                            "applies to links only)";
        m_config.engine.mode = GatewayMode::HostGateway;
    }
    if (auto r = openInventory(); !r)
        return r;

    const EngineOptions &options = m_config.engine;
    m_engine = std::make_unique<Engine>(options);
    const bool host = options.mode == GatewayMode::HostGateway;
    qCInfo(lcDaemon).noquote()
            << "engine:" << (host ? "host-gateway mode," : "classic mode")
            << (host ? u"signatures %1, whitelisting %2"_s.arg(
                        options.requireSignatures ? u"required"_s : u"optional"_s,
                        options.requireWhitelisting ? u"required"_s : u"optional"_s)
                     : u"(the gateway checks signatures)"_s)
            << (options.metric ? "- metric units" : "- imperial units");
    // The inventory gives the engine the ids it must never hand out, its revocations, and
    // the persistent id allocator; the engine notes every frame's verdict and values there.
    m_engine->setInventory(m_inventory.get());

    if (!m_config.keyStore.file.isEmpty()) {
        if (auto r = openKeyStore(); !r)
            return r;
    } else if (!m_config.networkKeyFile.isEmpty()) {
        // Checked even when the simulation does not use it: a bad key file is a configuration
        // error in any run.
        auto key = loadNetworkKey(m_config.networkKeyFile);
        if (!key) // a configuration error, whatever the cause (exit code 2)
            return fail(ErrorCode::InvalidArgument, key.error().message());
        if (m_config.simulated) {
            qCInfo(lcDaemon) << "simulated network: [keys] network_key_file is not used (the "
                                "simulation never gets a real key)";
        } else if (auto r = m_engine->setNetworkKey(1, *key); !r) {
            return r;
        } else {
            // The fingerprint identifies the key; the key itself is never logged.
            qCInfo(lcDaemon).noquote() << "network key loaded, fingerprint" << key->fingerprint();
        }
    } else if (host && options.requireSignatures && !m_config.simulated) {
        qCWarning(lcDaemon) << "no network key ([keys] network_key_file): every signed frame will "
                               "be rejected";
    }

    connect(m_engine.get(), &Engine::alert, this, [](const SecurityAlert &alert) {
        qCWarning(lcDaemon).noquote() << "security alert:" << alert.text;
    });
    connect(m_engine.get(), &Engine::nodeIdAssigned, this,
            [](quint8 node) { qCInfo(lcDaemon) << "node id" << node << "assigned"; });
    connect(m_engine.get(), &Engine::traffic, this, &Daemon::noteTraffic);

    if (m_config.simulated) {
        if (auto r = addSimulatedNetwork(); !r)
            return r;
    } else {
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
            m_links.push_back(std::move(*link));
        }
    }
    for (const auto &link : m_links) {
        Link *l = link.get();
        connect(l, &Link::stateChanged, this, [l](LinkState state) {
            qCInfo(lcDaemon).noquote() << "link" << l->name() << linkStateName(state);
        });
    }

    if (m_keyStore) {
        if (auto r = startSecurity(); !r)
            return r;
    }

    if (auto r = startListeners(); !r) {
        stop();
        return r;
    }
    for (const auto &link : m_links)
        link->open();
    m_summaryTimer = new QTimer(this);
    m_summaryTimer->setInterval(kSummaryIntervalMs);
    connect(m_summaryTimer, &QTimer::timeout, this, &Daemon::logSummary);
    m_summaryTimer->start();
    m_running = true;
    qCInfo(lcDaemon).noquote() << "running with" << m_links.size() << "link(s)"
                               << (m_config.simulated ? "(the simulated network)" : "");
    return {};
}

Result<void> Daemon::openInventory()
{
    const QString file = m_config.inventoryFile;
    const QString where = m_config.inventoryConfigured
                                  ? u"%1: [inventory] database"_s.arg(m_config.file)
                                  : u"the inventory (default location)"_s;
    if (!m_config.inventoryConfigured) {
        // The default folder is ours to create; a configured one must exist (a typo there
        // must not scatter databases around).
        const QString folder = QFileInfo(file).absolutePath();
        if (!QDir().mkpath(folder))
            return fail(ErrorCode::Refused,
                        u"%1: cannot create the folder %2 for %3"_s.arg(where, folder, file));
    }
    auto inventory = Inventory::open(file);
    if (!inventory) {
        // The inventory's message names the file and what is wrong with it. Another process
        // holding it is a start failure (exit code 3); a missing folder, a folder or a file
        // that is not an inventory is the configuration's fault (2).
        const ErrorCode code = inventory.error().code() == ErrorCode::Refused
                                       ? ErrorCode::Refused
                                       : ErrorCode::InvalidArgument;
        return fail(code, u"%1: %2"_s.arg(where, inventory.error().message()));
    }
    m_inventory = std::move(*inventory);
    connect(m_inventory.get(), &Inventory::errorOccurred, this, [](const Error &error) {
        qCWarning(lcDaemon).noquote() << "inventory:" << error.message();
    });
    connect(m_inventory.get(), &Inventory::writeFailed, this,
            [](quint64 ticket, const Error &error) {
                qCWarning(lcDaemon).noquote()
                        << "inventory write" << ticket << "failed:" << error.message();
            });
    const auto nodes = m_inventory->nodes();
    qCInfo(lcDaemon).noquote() << "inventory" << file << "open:"
                               << (nodes ? u"%1 node(s) known"_s.arg(nodes->size())
                                         : nodes.error().message());
    return {};
}

Result<void> Daemon::openKeyStore()
{
    const QString &file = m_config.keyStore.file;
    const QString where = u"%1: [keys] store"_s.arg(m_config.file);
    if (!QFileInfo(file).isFile())
        return fail(ErrorCode::InvalidArgument,
                    u"%1: the key store %2 does not exist (create it with the console)"_s.arg(
                            where, file));
    QString from;
    Result<SecretBytes> passphrase = loadPassphrase(m_config, &from);
    if (!passphrase)
        return tl::unexpected(passphrase.error());
    KeyStore::Problem problem = KeyStore::Problem::None;
    Result<KeyStore> opened = KeyStore::open(file, *passphrase, &problem);
    passphrase = SecretBytes(); // not kept beyond the opening
    if (!opened) {
        // A wrong passphrase, a damaged or tampered store: a start failure (exit code 3), said
        // plainly; the message names the source, never the passphrase.
        if (problem == KeyStore::Problem::WrongPassphrase)
            return fail(ErrorCode::Refused,
                        u"%1: the key store %2 does not open: wrong passphrase (from %3)"_s.arg(
                                where, file, from));
        return fail(ErrorCode::Refused,
                    u"%1: the key store %2 does not open (%3): %4"_s.arg(
                            where, file, QLatin1StringView(keyStoreProblemName(problem)),
                            opened.error().message()));
    }
    m_keyStore = std::make_unique<KeyStore>(std::move(*opened));
    qCInfo(lcDaemon).noquote() << u"key store %1 open (passphrase from %2): %3 network key(s), "
                                  "%4 node(s)"_s.arg(file, from)
                                          .arg(m_keyStore->networkKeys().size())
                                          .arg(m_keyStore->nodes().size());
    return {};
}

Result<void> Daemon::startSecurity()
{
    m_security = std::make_unique<SecurityService>(m_engine.get(), m_inventory.get(),
                                                   m_keyStore.get());
    const Result<SecurityRestoreSummary> started = m_security->start();
    if (!started) {
        m_security.reset();
        return fail(ErrorCode::Refused,
                    u"the security state does not restore: "_s + started.error().message());
    }
    for (const QString &problem : started->problems)
        qCWarning(lcDaemon).noquote() << "security state:" << problem;
    connect(m_security->rotation(), &KeyRotation::stepChanged, this, [this](RotationStep step) {
        const auto status = m_security->rotation()->status();
        qCInfo(lcDaemon).noquote() << "rotation:" << rotationStepName(step) << "-"
                                   << (status ? status->text() : QString());
    });
    connect(m_security->rotation(), &KeyRotation::problem, this, [](const Error &error) {
        qCWarning(lcDaemon).noquote() << "rotation:" << error.message();
    });
    connect(m_security->jobs(), &JobRunner::jobFinished, this,
            [](qint64 job, quint8 node, JobState state, const QString &reason) {
                qCInfo(lcDaemon).noquote() << u"job %1 for node %2: %3 %4"_s.arg(job).arg(node).arg(
                        QLatin1StringView(apiJobStateName(state)), reason);
            });
    return {};
}

Result<void> Daemon::addSimulatedNetwork()
{
    const QString type = QString::fromLatin1(kSimulatedType);
    if (!m_registry.factory(type))
        return fail(ErrorCode::Refused,
                    u"the simulated network needs the \"%1\" transport plugin, which is not "
                    "loaded (loaded: %2); configure a [link/<name>] section instead"_s.arg(
                            type, m_registry.types().isEmpty() ? u"none"_s
                                                               : m_registry.types().join(u", ")));
    // A key for this session only: the simulation is a demonstration, it never holds a real
    // key. The fingerprint is logged so that logs of one session can be told apart. With a
    // key store, the simulated nodes are personalized with its active network key instead (the
    // security service gives the engine its keys), so the store's workflows can be tried out.
    Result<SecretBytes> key = SecretBytes();
    if (m_keyStore) {
        std::optional<quint16> active;
        for (const NetworkKeyInfo &info : m_keyStore->networkKeys()) {
            if (info.state == NetworkKeyState::Active)
                active = info.epoch;
        }
        if (!active)
            return fail(ErrorCode::Refused,
                        u"the key store %1 has no active network key for the simulated nodes"_s.arg(
                                m_keyStore->path()));
        key = m_keyStore->networkKey(*active);
        if (!key)
            return tl::unexpected(key.error());
    } else {
        key = SecretBytes::random(32);
        if (!key)
            return tl::unexpected(key.error());
        if (auto r = m_engine->setNetworkKey(1, *key); !r)
            return r;
    }
    QByteArray hex = QByteArray(reinterpret_cast<const char *>(key->data()), qsizetype(key->size()))
                             .toHex();
    LinkConfiguration configuration {type, type, simulatedSessionSettings()};
    configuration.settings.insert(u"networkKeyHex"_s, QString::fromLatin1(hex));
    hex.fill('\0');
    auto link = m_registry.create(configuration);
    configuration.settings.clear();
    if (!link)
        return tl::unexpected(link.error());
    if (auto r = m_engine->addLink(link->get()); !r)
        return r;
    qCInfo(lcDaemon).noquote()
            << (m_config.links.isEmpty() ? u"no link configured: "_s : u"--simulated: "_s)
                       + u"starting on the simulated network (%1 firmware nodes on a simulated "
                         u"bus), "
                         "%2 %3"_s.arg(simulatedSessionSettings().value(u"nodes"_s).toInt())
                                 .arg(m_keyStore ? u"the key store's active network key"_s
                                                 : u"session network key"_s,
                                      key->fingerprint());
    m_links.push_back(std::move(*link));
    return {};
}

void Daemon::noteTraffic(const TrafficRecord &record)
{
    if (record.outgoing) {
        ++m_window.out;
        return;
    }
    ++m_window.in;
    const bool accepted = isAccepted(record.verdict);
    const bool parsed = record.verdict != FrameVerdict::Malformed;
    if (parsed)
        m_window.senders.set(record.message.sender());
    if (!accepted) {
        ++m_window.rejected;
        qCInfo(lcDaemon).noquote()
                << "REJECTED" << frameVerdictName(record.verdict) << "on" << record.link << "-"
                << (parsed ? describeMessage(record.message) : u"%1 bytes"_s.arg(record.raw.size()))
                << "-" << record.detail;
        return;
    }
    ++m_window.accepted;
    // On the simulated network every signed frame and every value is news (a live view on
    // the terminal); the unsigned housekeeping (nonce requests, id requests, pings, ...) is
    // not. Real networks get the periodic summary instead.
    const bool housekeeping
            = record.message.command() == Protocol::Command::Internal && !record.message.isSigned();
    if (m_config.simulated && !housekeeping)
        qCInfo(lcDaemon).noquote()
                << frameVerdictName(record.verdict) << "-" << describeMessage(record.message);
    else
        qCDebug(lcDaemon).noquote() << frameVerdictName(record.verdict) << "on" << record.link
                                    << "-" << describeMessage(record.message);
}

void Daemon::logSummary()
{
    const Window w = std::exchange(m_window, Window {});
    if (w.in == 0 && w.out == 0)
        return;
    qCInfo(lcDaemon).noquote() << u"last %1 s: %2 frame(s) in from %3 node(s), %4 accepted, %5 "
                                  "rejected; %6 out"_s.arg(kSummaryIntervalMs / 1000)
                                          .arg(w.in)
                                          .arg(w.senders.count())
                                          .arg(w.accepted)
                                          .arg(w.rejected)
                                          .arg(w.out);
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
        if (m_inventory) {
            if (auto r = addInventoryMethods(*m_api, m_inventory.get(), m_engine.get()); !r)
                return r;
        }
        if (m_security) {
            if (auto r = addSecurityMethods(*m_api, m_security.get()); !r)
                return r;
        }
        if (auto r = m_api->listen(); !r)
            return r;
    }
    return {};
}

void Daemon::stop()
{
    if (m_summaryTimer)
        m_summaryTimer->stop();
    if (m_api)
        m_api->close();
    if (m_endpoint)
        m_endpoint->close();
    // What the links brought in so far is committed before they go.
    if (m_inventory && m_running) {
        if (auto r = m_inventory->flush(); !r)
            qCWarning(lcDaemon).noquote() << "inventory not flushed:" << r.error().message();
        else
            qCInfo(lcDaemon).noquote() << "inventory flushed:" << m_inventory->path();
    }
    for (const auto &link : m_links) {
        if (m_engine)
            m_engine->removeLink(link.get());
        link->close();
    }
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
