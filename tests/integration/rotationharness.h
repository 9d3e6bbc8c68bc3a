// A key rotation wired as a daemon would run it, over the simulated network (simnetwork.h):
// the Engine as host gateway, a real SQLite inventory, a real sealed key store, the JobRunner
// and KeyRotation. The "daemon" (everything but the nodes) can be destroyed at any moment and
// started again over the same files. The simulated clock is everyone's.
#pragma once

#include <teststore.h>

#include <warden/engine.h>
#include <warden/inventory.h>
#include <warden/jobs.h>
#include <warden/rotation.h>
#include <warden/securityservice.h>

#include <simnetwork.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QDir>

#include <functional>
#include <memory>

namespace WardenTest {

inline const QByteArray kOldKey = filled(0x10);

inline Warden::SecretBytes secretOf(const QByteArray &b)
{
    return Warden::SecretBytes(reinterpret_cast<const uint8_t *>(b.constData()), size_t(b.size()));
}

inline std::vector<SimNodeSpec> specs(int count, const QList<quint8> &stock = {},
                                      const QString &eepromDir = {})
{
    std::vector<SimNodeSpec> out;
    for (int i = 1; i <= count; ++i) {
        SimNodeSpec s;
        s.id = quint8(i);
        s.warden = !stock.contains(quint8(i));
        if (!eepromDir.isEmpty())
            s.eepromFile = QDir(eepromDir)
                                   .filePath(QStringLiteral("node%1.eeprom").arg(i))
                                   .toStdString();
        out.push_back(s);
    }
    return out;
}

/// The files of a daemon over @p net in @p dir: the key store "keys.wks" and the inventory
/// "inventory.sqlite". @p fresh: create them for the network's nodes (the store with the network
/// key of epoch 1, serials, management keys of the Warden nodes; the inventory with the nodes'
/// security records), else open what a previous run left.
struct DaemonFiles
{
    DaemonFiles(SimNetwork &net, const QString &dir, bool fresh, const QList<quint8> &stock)
    {
        const QString storePath = QDir(dir).filePath(QStringLiteral("keys.wks"));
        if (fresh) {
            QList<quint8> warden;
            for (const quint8 id : net.ids()) {
                if (!stock.contains(id))
                    warden << id;
            }
            store = createTestStore(storePath, kOldKey, warden, stock);
        } else {
            store = openTestStore(storePath);
            if (!store)
                qFatal("the key store %s does not open", qPrintable(storePath));
        }
        // Commits survive a crash of the process (what the kill tests do), not a power cut:
        // fsync at every transition would only slow the test down.
        Warden::Inventory::Options inventoryOptions;
        inventoryOptions.durability = Warden::Inventory::Durability::Normal;
        auto opened = Warden::Inventory::open(
                QDir(dir).filePath(QStringLiteral("inventory.sqlite")), inventoryOptions);
        if (!opened)
            qFatal("inventory: %s", qPrintable(opened.error().message()));
        inventory = std::move(*opened);
        if (fresh) {
            for (const quint8 id : net.ids()) {
                Warden::NodeSecurity security;
                security.serialHex = QString::fromLatin1(serialOf(id).toHex());
                if (!stock.contains(id))
                    security.managementKeyFingerprint = secretOf(managementKeyOf(id)).fingerprint();
                if (!inventory->setNodeSecurity(id, security))
                    qFatal("node security not stored");
            }
        }
        if (!inventory->flush())
            qFatal("inventory flush");
    }

    std::shared_ptr<Warden::KeyStore> store;
    std::unique_ptr<Warden::Inventory> inventory;
};

/// The engine as wardend makes it: host gateway, signatures required, on the network's clock,
/// the inventory attached (revocations reloaded) and the rest of its security state restored
/// from the files as at every start (SecurityService::restoreEngine), the network its link.
/// @p fast: the adaptive nonce timeouts (EngineOptions::adaptiveNonceTimeouts).
inline std::unique_ptr<Warden::Engine> makeDaemonEngine(SimNetwork &net, DaemonFiles &files,
                                                        bool fast = false)
{
    Warden::EngineOptions options;
    options.mode = Warden::GatewayMode::HostGateway;
    options.requireSignatures = true;
    options.adaptiveNonceTimeouts = fast;
    auto engine = std::make_unique<Warden::Engine>(options);
    engine->setClock([&net] { return net.millis(); });
    engine->setInventory(files.inventory.get());
    const auto restored
            = Warden::SecurityService::restoreEngine(*engine, *files.inventory, *files.store);
    if (!restored)
        qFatal("engine not restored: %s", qPrintable(restored.error().message()));
    if (!engine->addLink(&net))
        qFatal("link refused");
    if (net.state() == Warden::LinkState::Closed)
        net.open();
    return engine;
}

struct RotationDaemon
{
    /// Files in @p dir; @p fresh: create the inventory and key store (else open them).
    /// @p fast: the adaptive timeouts of the engine and the job runner (the figures).
    RotationDaemon(SimNetwork &net, const QString &dir, bool fresh, const QList<quint8> &stock = {},
                   bool fast = false)
        : network(net)
        , directory(dir)
        , files(net, dir, fresh, stock)
        , store(files.store)
        , inventory(files.inventory.get())
    {
        engine = makeDaemonEngine(net, files, fast);
        Warden::JobRunnerOptions jobOptions;
        jobOptions.pollIntervalMs = 0; // driven by step() on the simulated clock
        jobOptions.adaptiveAckTimeout = fast;
        runner = std::make_unique<Warden::JobRunner>(engine.get(), files.inventory.get(),
                                                     Warden::KeyRotation::keySource(store.get()),
                                                     jobOptions);
        runner->setClock([this] { return qint64(network.millis()); });
        if (!runner->start())
            qFatal("runner not started");
        Warden::KeyRotationOptions rotationOptions;
        rotationOptions.pollIntervalMs = 0;
        rotation = std::make_unique<Warden::KeyRotation>(
                engine.get(), files.inventory.get(), store.get(), runner.get(), rotationOptions);
        rotation->setClock([this] { return qint64(network.millis()); });
        QObject::connect(engine.get(), &Warden::Engine::traffic, engine.get(),
                         [this](const Warden::TrafficRecord &r) {
                             if (onTraffic)
                                 onTraffic(r);
                         });
    }

    ~RotationDaemon()
    {
        // The order of a process that ends: nothing of it survives but its files.
        rotation.reset();
        runner.reset();
        engine.reset();
    }

    void step()
    {
        network.step();
        engine->checkTimeouts();
        QCoreApplication::processEvents();
        runner->poll();
        rotation->poll();
    }

    bool runUntil(quint32 maxMs, const std::function<bool()> &until)
    {
        const quint32 end = network.millis() + maxMs;
        while (network.millis() < end) {
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

    bool finished() const
    {
        const auto s = rotation->status();
        return s && s->step == Warden::RotationStep::Completed;
    }

    SimNetwork &network;
    QString directory;
    DaemonFiles files;
    std::shared_ptr<Warden::KeyStore> store;
    Warden::Inventory *inventory; ///< the files' inventory
    std::unique_ptr<Warden::Engine> engine;
    std::unique_ptr<Warden::JobRunner> runner;
    std::unique_ptr<Warden::KeyRotation> rotation;
    std::function<void(const Warden::TrafficRecord &)> onTraffic;
};

/// The same daemon composed as wardend composes it: one SecurityService owns the runner, the
/// workflows and the rotation, and start() restores and resumes everything.
struct ServiceDaemon
{
    ServiceDaemon(SimNetwork &net, const QString &dir, bool fresh, const QList<quint8> &stock = {})
        : network(net)
        , files(net, dir, fresh, stock)
    {
        Warden::EngineOptions options;
        options.mode = Warden::GatewayMode::HostGateway;
        options.requireSignatures = true;
        engine = std::make_unique<Warden::Engine>(options);
        engine->setClock([this] { return network.millis(); });
        engine->setInventory(files.inventory.get());
        if (!engine->addLink(&net))
            qFatal("link refused");
        if (net.state() == Warden::LinkState::Closed)
            net.open();
        Warden::SecurityServiceOptions serviceOptions;
        serviceOptions.jobs.pollIntervalMs = 0; // driven by step() on the simulated clock
        serviceOptions.rotation.pollIntervalMs = 0;
        service = std::make_unique<Warden::SecurityService>(engine.get(), files.inventory.get(),
                                                            files.store.get(), serviceOptions);
        service->setClock([this] { return qint64(network.millis()); });
        QObject::connect(engine.get(), &Warden::Engine::traffic, engine.get(),
                         [this](const Warden::TrafficRecord &r) {
                             if (onTraffic)
                                 onTraffic(r);
                         });
    }

    ~ServiceDaemon()
    {
        service.reset();
        engine.reset();
    }

    void step()
    {
        network.step();
        engine->checkTimeouts();
        QCoreApplication::processEvents();
        if (service->isStarted()) {
            service->jobs()->poll();
            service->rotation()->poll();
        }
    }

    bool runUntil(quint32 maxMs, const std::function<bool()> &until)
    {
        const quint32 end = network.millis() + maxMs;
        while (network.millis() < end) {
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

    SimNetwork &network;
    DaemonFiles files;
    std::unique_ptr<Warden::Engine> engine;
    std::unique_ptr<Warden::SecurityService> service;
    std::function<void(const Warden::TrafficRecord &)> onTraffic;
};

/// Joins every node (a clean bus), through a throwaway engine-less step loop: the daemon
/// must exist already, as the engine answers the nodes' joining.
template<typename Daemon>
inline bool joinAll(Daemon &d)
{
    d.network.setValueInterval(10000);
    const bool ok = d.runUntil(60000, [&] { return d.network.allReady(); });
    d.run(500); // let the last presentations settle
    return ok;
}

} // namespace WardenTest
