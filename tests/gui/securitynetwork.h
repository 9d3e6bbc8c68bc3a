// The console's security dialogs against the real thing: host-build Warden firmware nodes on
// the simulated bus (simnetwork.h) behind an Engine in host-gateway mode, a real SQLite
// inventory and a real sealed key store in a temporary directory, and one SecurityService over
// them, composed as wardend composes it. The "daemon" (everything but the nodes and the files)
// can be destroyed and started again over the same files, as when the console is closed and
// reopened. The simulated clock is everyone's: waits are bounded in simulated milliseconds,
// never in wall time.
#pragma once

#include <warden/engine.h>
#include <warden/inventory.h>
#include <warden/jobs.h>
#include <warden/rotation.h>
#include <warden/securityservice.h>
#include <warden/securityworkflows.h>

#include <rotationharness.h>
#include <simnetwork.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QTemporaryDir>

#include <functional>
#include <memory>
#include <optional>

namespace WardenTest {

/// The network key of epoch 1 the fresh files hold (rotationharness.h's kOldKey).
inline const QByteArray kNetworkKeyOne = kOldKey;

/// One gateway's daemon over the nodes: engine, inventory, key store, security service.
struct SecurityDaemon
{
    /// @p fresh: create the key store and the inventory in @p dir for the nodes of @p net
    /// (DaemonFiles: network key of epoch 1, serials, management keys of the Warden nodes),
    /// else open what a previous run left there.
    SecurityDaemon(SimNetwork &net, const QString &dir, bool fresh, const QList<quint8> &stock)
        : network(net)
        , files(net, dir, fresh, stock)
        , store(files.store)
        , inventory(std::move(files.inventory))
    {
        Warden::EngineOptions options;
        options.mode = Warden::GatewayMode::HostGateway;
        options.requireSignatures = true;
        engine = std::make_unique<Warden::Engine>(options);
        engine->setClock([this] { return network.millis(); });
        engine->setInventory(inventory.get());
        if (!engine->addLink(&net))
            qFatal("link refused");
        if (net.state() == Warden::LinkState::Closed)
            net.open();
        Warden::SecurityServiceOptions serviceOptions;
        serviceOptions.jobs.pollIntervalMs = 0; // driven by step() on the simulated clock
        serviceOptions.rotation.pollIntervalMs = 0;
        service = std::make_unique<Warden::SecurityService>(engine.get(), inventory.get(),
                                                            store.get(), serviceOptions);
        service->setClock([this] { return qint64(network.millis()); });
        const auto started = service->start();
        if (!started)
            qFatal("security service: %s", qPrintable(started.error().message()));
        summary = *started;
    }

    ~SecurityDaemon()
    {
        // The order of a process that ends: nothing of it survives but its files.
        service.reset();
        engine->removeLink(&network);
        engine.reset();
        inventory.reset();
        store.reset();
    }

    SimNetwork &network;
    DaemonFiles files;
    std::shared_ptr<Warden::KeyStore> store;
    std::unique_ptr<Warden::Inventory> inventory;
    std::unique_ptr<Warden::Engine> engine;
    std::unique_ptr<Warden::SecurityService> service;
    Warden::SecurityRestoreSummary summary;
};

/// The nodes, the files and the daemon; step() moves the simulated clock by one tick and lets
/// the daemon and the widgets (queued signals) run.
class SecurityNetwork
{
public:
    /// Nodes 1..@p nodes (those in @p stock without a management key), requiring signatures.
    explicit SecurityNetwork(int nodes, quint64 seed = 11, const QList<quint8> &stock = {},
                             quint8 policy = Fw::PolicyFlag::kRequireSignatures)
        : m_stock(stock)
    {
        if (!m_dir.isValid())
            qFatal("no temporary directory");
        std::vector<SimNodeSpec> specs;
        for (int i = 1; i <= nodes; ++i)
            specs.push_back(SimNodeSpec {quint8(i), !stock.contains(quint8(i)), {}});
        m_network = std::make_unique<SimNetwork>(specs, kNetworkKeyOne, policy, seed);
        m_daemon = std::make_unique<SecurityDaemon>(*m_network, m_dir.path(), true, stock);
    }

    ~SecurityNetwork() { m_daemon.reset(); }

    SimNetwork &network() { return *m_network; }
    SecurityDaemon &daemon() { return *m_daemon; }
    Warden::SecurityService *service() { return m_daemon ? m_daemon->service.get() : nullptr; }
    Warden::Engine *engine() { return m_daemon->engine.get(); }
    Warden::Inventory *inventory() { return m_daemon->inventory.get(); }
    Warden::KeyStore *store() { return m_daemon->store.get(); }
    QString directory() const { return m_dir.path(); }

    /// The daemon ends (the console is closed); the nodes run on.
    void stopDaemon() { m_daemon.reset(); }
    /// A new daemon over the files the last one left (the console reopened).
    void startDaemon()
    {
        m_daemon = std::make_unique<SecurityDaemon>(*m_network, m_dir.path(), false, m_stock);
    }

    void step()
    {
        m_network->step();
        if (m_daemon) {
            m_daemon->engine->checkTimeouts();
            QCoreApplication::processEvents();
            m_daemon->service->jobs()->poll();
            m_daemon->service->rotation()->poll();
        }
        QCoreApplication::processEvents();
    }

    /// Steps until @p until holds or @p maxMs of simulated time passed.
    bool runUntil(quint32 maxMs, const std::function<bool()> &until)
    {
        const quint32 end = m_network->millis() + maxMs;
        while (m_network->millis() < end) {
            if (until())
                return true;
            step();
        }
        return until();
    }
    void run(quint32 ms)
    {
        runUntil(ms, [] { return false; });
    }

    /// Every node joined and presented itself (a clean bus).
    bool joinAll()
    {
        m_network->setValueInterval(10000);
        const bool ok = runUntil(60000, [&] { return m_network->allReady(); });
        run(500); // the last presentations settle
        return ok;
    }

    /// Node @p id sends the gateway a signed value: the engine's verdict on it, or on whatever
    /// the node sends first when the engine refuses it outright (a revoked node's nonce
    /// request); nullopt when nothing came.
    std::optional<Warden::FrameVerdict> nodeToGateway(quint8 id)
    {
        std::optional<Warden::FrameVerdict> verdict;
        const auto connection = QObject::connect(
                engine(), &Warden::Engine::traffic, engine(), [&](const Warden::TrafficRecord &r) {
                    if (!r.outgoing && r.verdict != Warden::FrameVerdict::Malformed
                        && r.message.sender() == id
                        && (r.message.command() == Warden::Protocol::Command::Set
                            || r.verdict == Warden::FrameVerdict::RevokedSender))
                        verdict = r.verdict;
                });
        bool sent = false;
        runUntil(6000, [&] {
            auto &node = *m_network->node(id).node;
            if (!sent && !node.isSending())
                sent = node.sendByte(1, 2, 5) == Fw::SendStatus::Pending || node.isSending();
            return verdict.has_value();
        });
        QObject::disconnect(connection);
        return verdict;
    }

private:
    QTemporaryDir m_dir;
    QList<quint8> m_stock;
    std::unique_ptr<SimNetwork> m_network;
    std::unique_ptr<SecurityDaemon> m_daemon;
};

} // namespace WardenTest
