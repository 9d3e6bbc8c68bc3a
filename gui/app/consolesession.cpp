#include "consolesession.h"

#include <warden/keystore.h>
#include <warden/rotation.h>
#include <warden/securityservice.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QLoggingCategory>
#include <QtCore/QSet>
#include <QtCore/QSettings>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimer>

#include <algorithm>
#include <utility>

using namespace Qt::StringLiterals;

namespace Warden::Internal {

Q_LOGGING_CATEGORY(lcSession, "warden.console.session")

namespace {

constexpr auto kSimulatedType = "simulated";
constexpr auto kGroup = "connections";

QString modeName(GatewayMode mode)
{
    return mode == GatewayMode::HostGateway ? u"host-gateway"_s : u"classic"_s;
}

/// A file name part from a connection's name: letters and digits only.
QString fileSafe(const QString &name)
{
    QString out;
    for (const QChar c : name)
        out += c.isLetterOrNumber() && c.unicode() < 128 ? c.toLower() : u'-';
    return out.left(40);
}

} // namespace

/// One connection: what the user configured, and while connected the objects it runs on
/// (destroyed in the reverse order: link, engine, inventory).
struct ConsoleSession::Connection
{
    ConnectionSettings settings;
    bool stored = true; ///< false for the built-in simulated network until the user edits it
    ConnectionStatus status;
    std::unique_ptr<Inventory> inventory;
    std::unique_ptr<Engine> engine;
    std::unique_ptr<Link> link;
    /// A real network's unlocked store (kept across reconnects), or the simulated network's
    /// session store (made at each connect, in sessionStoreDir, gone at disconnect).
    std::unique_ptr<KeyStore> keyStore;
    std::unique_ptr<QTemporaryDir> sessionStoreDir;
    std::unique_ptr<SecurityService> security;
    bool everConnected = false;
    QTimer *nodesTimer = nullptr;
    // Nodes heard since the last refresh, and in the one before (the inventory's hot path
    // may commit a frame's changes after the refresh that follows it).
    QSet<quint8> heard;
    QSet<quint8> heardBefore;
    bool fullRefresh = true; ///< a commit with a signal: anything may have changed
};

QString ConsoleSession::simulatedName()
{
    return QCoreApplication::translate("Warden::Internal::ConsoleSession", "Simulated network");
}

QString connectionStateText(ConnectionState state)
{
    switch (state) {
    case ConnectionState::Disconnected:
        return QCoreApplication::translate("Warden::Internal::ConsoleSession", "Disconnected");
    case ConnectionState::Connecting:
        return QCoreApplication::translate("Warden::Internal::ConsoleSession", "Connecting");
    case ConnectionState::Connected:
        return QCoreApplication::translate("Warden::Internal::ConsoleSession", "Connected");
    case ConnectionState::Retrying:
        return QCoreApplication::translate("Warden::Internal::ConsoleSession",
                                           "Not connected, retrying");
    case ConnectionState::Failed:
        return QCoreApplication::translate("Warden::Internal::ConsoleSession", "Failed");
    }
    return {};
}

ConsoleSession::ConsoleSession(QSettings *settings, QString dataDirectory, QObject *parent)
    : QObject(parent)
    , m_settings(settings)
    , m_dataDirectory(std::move(dataDirectory))
{
    qRegisterMetaType<ConnectionStatus>();
    if (m_dataDirectory.isEmpty())
        m_dataDirectory = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
                          + u"/warden"_s;
}

ConsoleSession::~ConsoleSession()
{
    stop();
}

Result<void> ConsoleSession::start(const QStringList &extraPluginDirectories)
{
    if (m_started)
        return {};
    m_registry.loadStaticPlugins();
    QStringList dirs = LinkRegistry::defaultDirectories() + extraPluginDirectories;
    dirs.removeDuplicates();
    for (const QString &dir : std::as_const(dirs)) {
        if (!QDir(dir).exists())
            continue;
        for (const LinkPluginInfo &info : m_registry.loadDirectory(dir)) {
            if (info.state != LinkPluginInfo::State::Loaded
                && info.state != LinkPluginInfo::State::Duplicate)
                qCWarning(lcSession).noquote()
                        << "plugin" << info.fileName << "not loaded:" << info.errorString;
        }
    }
    if (m_registry.types().isEmpty())
        return fail(ErrorCode::Refused,
                    tr("No transport plugin could be loaded (looked in: %1), so no gateway can "
                       "be connected.")
                            .arg(dirs.join(u", ")));
    m_started = true;
    load();
    if (m_connections.empty()) {
        if (!m_registry.factory(QString::fromLatin1(kSimulatedType))) {
            qCWarning(lcSession) << "no connection configured and no simulated transport loaded";
            return {};
        }
        auto builtIn = std::make_unique<Connection>();
        builtIn->settings.name = simulatedName();
        builtIn->settings.type = QString::fromLatin1(kSimulatedType);
        builtIn->settings.mode = GatewayMode::HostGateway;
        builtIn->settings.inventoryFile = m_dataDirectory + u"/simulated.sqlite"_s;
        builtIn->stored = false;
        m_connections.push_back(std::move(builtIn));
        Q_EMIT connectionAdded(simulatedName());
    }
    for (const auto &connection : m_connections) {
        if (connection->settings.autoConnect)
            (void)connectTo(connection->settings.name); // a failure shows in its status
    }
    return {};
}

void ConsoleSession::stop()
{
    for (const auto &connection : m_connections)
        stopConnection(*connection);
}

QStringList ConsoleSession::connectionNames() const
{
    QStringList names;
    for (const auto &connection : m_connections)
        names.append(connection->settings.name);
    return names;
}

std::optional<ConnectionSettings> ConsoleSession::connection(const QString &name) const
{
    if (const Connection *c = find(name))
        return c->settings;
    return std::nullopt;
}

bool ConsoleSession::isSimulated(const ConnectionSettings &settings)
{
    return settings.type == QLatin1StringView(kSimulatedType);
}

bool ConsoleSession::isSimulated(const QString &name) const
{
    const Connection *c = find(name);
    return c && isSimulated(c->settings);
}

Result<void> ConsoleSession::check(const ConnectionSettings &settings,
                                   const QString &replacing) const
{
    const QString name = settings.name.trimmed();
    if (name.isEmpty())
        return fail(ErrorCode::InvalidArgument, tr("The connection needs a name."));
    if (name != settings.name)
        return fail(ErrorCode::InvalidArgument,
                    tr("The name \"%1\" starts or ends with a blank.").arg(settings.name));
    if (name != replacing && find(name))
        return fail(ErrorCode::InvalidArgument,
                    tr("There is already a connection named \"%1\".").arg(name));
    LinkFactory *factory = m_registry.factory(settings.type);
    if (!factory)
        return fail(ErrorCode::InvalidArgument,
                    tr("The transport \"%1\" is not available (available: %2).")
                            .arg(settings.type, m_registry.types().join(u", ")));
    LinkConfiguration configuration {settings.type, settings.name, settings.settings};
    if (isSimulated(settings)) {
        // The session key is made when connecting; a stand-in lets the factory check the rest.
        configuration.settings.insert(u"networkKeyHex"_s, QString(64, u'0'));
        configuration.settings.remove(u"managementKeysHex"_s); // made per session too
        configuration.settings.remove(u"linkKeysHex"_s);
    }
    auto link = factory->create(configuration);
    if (!link)
        return tl::unexpected(link.error());
    // What the engine's addLink() would refuse at connect time, said now, by the mode field.
    const GatewayMode mode = isSimulated(settings) ? GatewayMode::HostGateway : settings.mode;
    const bool lines = (*link)->framing() == LinkFraming::ControllerLines;
    if (lines && mode == GatewayMode::HostGateway)
        return fail(ErrorCode::InvalidArgument,
                    tr("The \"mode\" host gateway needs radio frames, but this %1 link carries "
                       "a stock gateway's text lines: choose classic mode (or modem framing).")
                            .arg(settings.type));
    if (!lines && mode == GatewayMode::Classic)
        return fail(ErrorCode::InvalidArgument,
                    tr("The \"mode\" classic needs a stock gateway's text lines, but this %1 "
                       "link carries radio frames: choose host-gateway mode.")
                            .arg(settings.type));
    return {};
}

Result<void> ConsoleSession::addConnection(const ConnectionSettings &settings)
{
    if (auto r = check(settings); !r)
        return r;
    auto connection = std::make_unique<Connection>();
    connection->settings = settings;
    if (isSimulated(settings)) {
        connection->settings.mode = GatewayMode::HostGateway;
        connection->settings.settings.remove(u"networkKeyHex"_s); // never stored: per session
        connection->settings.settings.remove(u"managementKeysHex"_s);
        connection->settings.settings.remove(u"linkKeysHex"_s);
    }
    // The inventory is fixed when the connection is made, so that a network keeps its file
    // whatever happens to the others.
    connection->settings.inventoryFile = inventoryFileFor(connection->settings);
    m_connections.push_back(std::move(connection));
    save();
    Q_EMIT connectionAdded(settings.name);
    if (settings.autoConnect && m_started)
        (void)connectTo(settings.name);
    return {};
}

Result<void> ConsoleSession::updateConnection(const QString &name,
                                              const ConnectionSettings &settings)
{
    Connection *c = find(name);
    if (!c)
        return fail(ErrorCode::InvalidArgument,
                    tr("There is no connection named \"%1\".").arg(name));
    if (auto r = check(settings, name); !r)
        return r;
    const bool wasConnected = bool(c->link);
    stopConnection(*c);
    const QString oldFile = c->settings.inventoryFile;
    c->settings = settings;
    if (isSimulated(settings)) {
        c->settings.mode = GatewayMode::HostGateway;
        c->settings.settings.remove(u"networkKeyHex"_s); // never stored: per session
        c->settings.settings.remove(u"managementKeysHex"_s);
        c->settings.settings.remove(u"linkKeysHex"_s);
    }
    if (c->settings.inventoryFile.isEmpty())
        c->settings.inventoryFile = oldFile;
    c->stored = true;
    save();
    if (name != settings.name) {
        Q_EMIT connectionRemoved(name);
        Q_EMIT connectionAdded(settings.name);
    } else {
        Q_EMIT connectionChanged(name);
    }
    if (wasConnected)
        (void)connectTo(settings.name);
    return {};
}

Result<void> ConsoleSession::removeConnection(const QString &name)
{
    const auto it = std::find_if(m_connections.begin(), m_connections.end(),
                                 [&](const auto &c) { return c->settings.name == name; });
    if (it == m_connections.end())
        return fail(ErrorCode::InvalidArgument,
                    tr("There is no connection named \"%1\".").arg(name));
    stopConnection(**it);
    m_connections.erase(it);
    save();
    Q_EMIT connectionRemoved(name);
    return {};
}

Result<void> ConsoleSession::connectTo(const QString &name)
{
    Connection *c = find(name);
    if (!c)
        return fail(ErrorCode::InvalidArgument,
                    tr("There is no connection named \"%1\".").arg(name));
    if (c->link)
        return {};
    auto r = startConnection(*c);
    if (!r) {
        stopConnection(*c);
        setStatus(*c, ConnectionState::Failed, tr("Cannot start: %1").arg(r.error().message()),
                  r.error().message());
    }
    return r;
}

void ConsoleSession::disconnectFrom(const QString &name)
{
    if (Connection *c = find(name))
        stopConnection(*c);
}

ConnectionStatus ConsoleSession::status(const QString &name) const
{
    const Connection *c = find(name);
    return c ? c->status : ConnectionStatus {};
}

Engine *ConsoleSession::engine(const QString &name) const
{
    const Connection *c = find(name);
    return c ? c->engine.get() : nullptr;
}

Inventory *ConsoleSession::inventory(const QString &name) const
{
    const Connection *c = find(name);
    return c ? c->inventory.get() : nullptr;
}

Link *ConsoleSession::link(const QString &name) const
{
    const Connection *c = find(name);
    return c ? c->link.get() : nullptr;
}

QString ConsoleSession::inventoryFileFor(const ConnectionSettings &settings) const
{
    if (!settings.inventoryFile.isEmpty())
        return settings.inventoryFile;
    // wardend's files: inventory.sqlite for the (first) real network, simulated.sqlite for the
    // simulation; further networks get a file of their own beside them.
    const QString base = isSimulated(settings) ? u"simulated"_s : u"inventory"_s;
    const QString shared = m_dataDirectory + u'/' + base + u".sqlite"_s;
    const bool taken = std::any_of(m_connections.begin(), m_connections.end(), [&](const auto &c) {
        return c->settings.name != settings.name && c->settings.inventoryFile == shared;
    });
    return taken ? m_dataDirectory + u'/' + base + u'-' + fileSafe(settings.name) + u".sqlite"_s
                 : shared;
}

Result<void> ConsoleSession::startConnection(Connection &c)
{
    const QString name = c.settings.name;
    setStatus(c, ConnectionState::Connecting, tr("Opening the inventory"));
    const QString file = inventoryFileFor(c.settings);
    if (!QDir().mkpath(QFileInfo(file).absolutePath()))
        return fail(ErrorCode::Refused,
                    tr("Cannot create the folder for the inventory %1.").arg(file));
    auto inventory = Inventory::open(file);
    if (!inventory)
        return fail(inventory.error().code(),
                    tr("the inventory does not open: %1").arg(inventory.error().message()));
    c.inventory = std::move(*inventory);

    EngineOptions options;
    options.mode = isSimulated(c.settings) ? GatewayMode::HostGateway : c.settings.mode;
    c.engine = std::make_unique<Engine>(options);
    c.engine->setInventory(c.inventory.get());

    LinkConfiguration configuration {c.settings.type, name, c.settings.settings};
    if (isSimulated(c.settings)) {
        // Like wardend: a key for this session only (the simulation never holds a real key),
        // known to the engine and handed to the simulated nodes; only its fingerprint is shown.
        QVariantMap defaults {{u"nodes"_s, kSimulatedNodes},
                              {u"reportIntervalMs"_s, kSimulatedReportIntervalMs},
                              {u"firstNodeId"_s, 1}};
        for (auto it = defaults.cbegin(); it != defaults.cend(); ++it) {
            if (!configuration.settings.contains(it.key()))
                configuration.settings.insert(it.key(), it.value());
        }
        // The nodes start with their ids (never 0: asking the gateway), so that each can be
        // personalized for its id before it joins; then no node is ever a USB step here.
        if (configuration.settings.value(u"firstNodeId"_s).toInt() <= 0)
            configuration.settings.insert(u"firstNodeId"_s, 1);
        auto key = SecretBytes::random(32);
        if (!key)
            return tl::unexpected(key.error());
        // Personalized as the station personalizes a Warden node: each node gets a management
        // key of its own (and a link key of its own in per-node key mode), made here for the
        // session. The nodes receive theirs with their EEPROM (in memory, like the network
        // key), the engine from the session's store, so rotations and pushes go over the air.
        std::map<quint8, SecretBytes> managementKeys;
        std::map<quint8, SecretBytes> linkKeys;
        const int count = configuration.settings.value(u"nodes"_s).toInt();
        const int first = configuration.settings.value(u"firstNodeId"_s).toInt();
        const auto makeKeys
                = [&](const QString &setting, std::map<quint8, SecretBytes> &keys) -> Result<void> {
            QStringList keysHex;
            for (int i = 0; i < count; ++i) {
                auto nodeKey = SecretBytes::random(32);
                if (!nodeKey)
                    return tl::unexpected(nodeKey.error());
                QByteArray hex = QByteArray(reinterpret_cast<const char *>(nodeKey->data()),
                                            qsizetype(nodeKey->size()))
                                         .toHex();
                keysHex << QString::fromLatin1(hex);
                hex.fill('\0');
                keys.emplace(quint8(first + i), std::move(*nodeKey));
            }
            configuration.settings.insert(setting, keysHex);
            return {};
        };
        if (count > 0 && first > 0 && first + count - 1 <= 254) {
            if (auto r = makeKeys(u"managementKeysHex"_s, managementKeys); !r)
                return r;
            if (configuration.settings.value(u"keyMode"_s).toString() == u"per-node"_s) {
                if (auto r = makeKeys(u"linkKeysHex"_s, linkKeys); !r)
                    return r;
            }
        }
        // The session's key store holds it as the active epoch, so that revocation, pushes and
        // rotation can be tried out on the simulation; the security service gives the engine
        // its keys from there (engine-only when the store cannot be made).
        if (auto store = makeSessionStore(c, *key, managementKeys, linkKeys); !store) {
            qCWarning(lcSession).noquote()
                    << name << "no session key store:" << store.error().message();
            if (auto r = c.engine->setNetworkKey(1, *key); !r)
                return r;
        }
        QByteArray hex
                = QByteArray(reinterpret_cast<const char *>(key->data()), qsizetype(key->size()))
                          .toHex();
        configuration.settings.insert(u"networkKeyHex"_s, QString::fromLatin1(hex));
        hex.fill('\0');
        qCInfo(lcSession).noquote()
                << name << "session network key, fingerprint" << key->fingerprint();
    }
    auto link = m_registry.create(configuration);
    configuration.settings.clear();
    if (!link)
        return tl::unexpected(link.error());
    c.link = std::move(*link);
    if (auto r = c.engine->addLink(c.link.get()); !r)
        return r;
    if (isSimulated(c.settings) && c.sessionStoreDir) {
        if (auto r = recordSimulatedNodes(c); !r)
            qCWarning(lcSession).noquote()
                    << name << "simulated nodes not recorded:" << r.error().message();
    }

    if (c.keyStore) {
        // Like wardend: after the links are attached, before they open.
        if (auto r = startSecurity(c); !r)
            return r;
        // A rotation an earlier session left unfinished on the simulated network cannot go on:
        // its new key went with that session's store, and the nodes start on epoch 1 again.
        KeyRotation *rotation = c.security->rotation();
        if (c.sessionStoreDir && rotation && rotation->isRunning()) {
            if (auto r = rotation->cancel(u"console"_s,
                                          u"the simulated network's keys of an earlier session "
                                          u"are gone"_s);
                !r)
                qCWarning(lcSession).noquote()
                        << name
                        << "an earlier session's rotation stays unfinished:" << r.error().message();
        }
    }

    Link *l = c.link.get();
    connect(l, &Link::stateChanged, this,
            [this, name](LinkState state) { onLinkState(name, state); });
    connect(l, &Link::errorOccurred, this, [this, name](const Error &error) {
        if (Connection *found = find(name)) {
            found->status.error = error.message();
            if (found->status.state == ConnectionState::Retrying)
                onLinkState(name, LinkState::Waiting);
        }
    });
    connect(c.engine.get(), &Engine::traffic, this,
            [this, name](const TrafficRecord &record) { Q_EMIT traffic(name, record); });
    connect(c.engine.get(), &Engine::alert, this,
            [this, name](const SecurityAlert &alert) { Q_EMIT this->alert(name, alert); });
    c.nodesTimer = new QTimer(this);
    c.nodesTimer->setSingleShot(true);
    c.nodesTimer->setInterval(kNodesRefreshMs);
    Connection *connection = &c;
    connect(c.nodesTimer, &QTimer::timeout, this, [this, name, connection] {
        if (connection->fullRefresh) {
            connection->fullRefresh = false;
            connection->heard.clear();
            connection->heardBefore.clear();
            Q_EMIT nodesChanged(name);
            return;
        }
        QSet<quint8> ids = connection->heard;
        ids.unite(connection->heardBefore);
        connection->heardBefore = std::exchange(connection->heard, {});
        if (ids.isEmpty())
            return;
        QList<quint8> sorted(ids.cbegin(), ids.cend());
        std::sort(sorted.begin(), sorted.end());
        Q_EMIT nodesUpdated(name, sorted);
        // The nodes of the last window are read once more at the next refresh.
        if (!connection->heardBefore.isEmpty() && !connection->nodesTimer->isActive())
            connection->nodesTimer->start();
    });
    QTimer *timer = c.nodesTimer;
    // Frames change the inventory through its hot path, which commits without a signal: the
    // nodes heard are re-read; a commit with a signal (revocation, personalization, a key
    // change) re-reads the whole network.
    connect(c.inventory.get(), &Inventory::committed, timer, [timer, connection] {
        connection->fullRefresh = true;
        if (!timer->isActive())
            timer->start();
    });
    connect(c.engine.get(), &Engine::traffic, timer, [timer, connection](const TrafficRecord &r) {
        if (r.outgoing || r.verdict == FrameVerdict::Malformed)
            return;
        connection->heard.insert(r.message.sender());
        if (!timer->isActive())
            timer->start();
    });
    connect(c.inventory.get(), &Inventory::errorOccurred, this, [name](const Error &error) {
        qCWarning(lcSession).noquote() << name << "inventory:" << error.message();
    });
    c.everConnected = false;
    c.fullRefresh = true;
    c.heard.clear();
    c.heardBefore.clear();
    Q_EMIT nodesChanged(name);
    l->open();
    return {};
}

Result<void> ConsoleSession::startSecurity(Connection &c)
{
    c.security = std::make_unique<SecurityService>(c.engine.get(), c.inventory.get(),
                                                   c.keyStore.get());
    const Result<SecurityRestoreSummary> started = c.security->start();
    if (!started) {
        c.security.reset();
        return fail(ErrorCode::Refused,
                    tr("the security state does not restore: %1").arg(started.error().message()));
    }
    for (const QString &problem : started->problems)
        qCWarning(lcSession).noquote() << c.settings.name << "security state:" << problem;
    qCInfo(lcSession).noquote() << c.settings.name << "security:" << started->text();
    Q_EMIT securityChanged(c.settings.name);
    return {};
}

SecurityService *ConsoleSession::security(const QString &name) const
{
    const Connection *c = find(name);
    return c ? c->security.get() : nullptr;
}

KeyStore *ConsoleSession::keyStore(const QString &name) const
{
    const Connection *c = find(name);
    return c ? c->keyStore.get() : nullptr;
}

Result<void> ConsoleSession::unlockKeyStore(const QString &name, const QString &file,
                                            const SecretBytes &passphrase)
{
    Connection *c = find(name);
    if (!c)
        return fail(ErrorCode::InvalidArgument,
                    tr("There is no connection named \"%1\".").arg(name));
    if (isSimulated(c->settings))
        return fail(ErrorCode::Refused,
                    tr("The simulated network uses a key store made for the session; it "
                       "never holds a real network's keys."));
    KeyStore::Problem problem = KeyStore::Problem::None;
    Result<KeyStore> opened = KeyStore::open(file, passphrase, &problem);
    if (!opened) {
        if (problem == KeyStore::Problem::WrongPassphrase)
            return fail(ErrorCode::Refused,
                        tr("The key store %1 does not open: wrong passphrase.").arg(file));
        return fail(ErrorCode::Refused,
                    tr("The key store %1 does not open: %2").arg(file, opened.error().message()));
    }
    return adoptKeyStore(name, std::make_unique<KeyStore>(std::move(*opened)));
}

Result<void> ConsoleSession::adoptKeyStore(const QString &name, std::unique_ptr<KeyStore> store)
{
    Connection *c = find(name);
    if (!c)
        return fail(ErrorCode::InvalidArgument,
                    tr("There is no connection named \"%1\".").arg(name));
    if (!store)
        return fail(ErrorCode::InvalidArgument, tr("No key store was opened for %1.").arg(name));
    if (isSimulated(c->settings))
        return fail(ErrorCode::Refused,
                    tr("The simulated network uses a key store made for the session; it "
                       "never holds a real network's keys."));
    const bool wasConnected = bool(c->link);
    stopConnection(*c);
    c->keyStore = std::move(store);
    Q_EMIT securityChanged(name);
    if (wasConnected)
        return connectTo(name);
    return {};
}

QString ConsoleSession::keyStoreFileFor(const QString &name) const
{
    QString base = name;
    for (QChar &ch : base) {
        if (!ch.isLetterOrNumber() && ch != u'-' && ch != u'_')
            ch = u'_';
    }
    return m_dataDirectory + u'/' + base + u".wardenkeys"_s;
}

void ConsoleSession::lockKeyStore(const QString &name)
{
    Connection *c = find(name);
    if (!c || isSimulated(c->settings) || !c->keyStore)
        return;
    const bool wasConnected = bool(c->link);
    stopConnection(*c);
    c->keyStore.reset();
    Q_EMIT securityChanged(name);
    if (wasConnected)
        (void)connectTo(name);
}

Result<void> ConsoleSession::makeSessionStore(Connection &c, const SecretBytes &networkKey,
                                              const std::map<quint8, SecretBytes> &managementKeys,
                                              const std::map<quint8, SecretBytes> &linkKeys)
{
    auto dir = std::make_unique<QTemporaryDir>();
    if (!dir->isValid())
        return fail(ErrorCode::Refused, tr("no temporary folder: %1").arg(dir->errorString()));
    // A random passphrase nobody types or sees: full entropy, so the store's key derivation
    // need not be slow (the store lives as long as the session, in a private folder).
    auto passphrase = SecretBytes::random(32);
    if (!passphrase)
        return tl::unexpected(passphrase.error());
    KeyStoreParams params;
    params.memoryKiB = 1024;
    params.iterations = 1;
    auto store = KeyStore::create(dir->filePath(u"session.wardenkeys"_s), *passphrase, params);
    if (!store)
        return tl::unexpected(store.error());
    if (auto r = store->setNetworkKey(1, networkKey, NetworkKeyState::Active); !r)
        return r;
    for (const auto &[node, key] : managementKeys) {
        if (auto r = store->setManagementKey(node, key); !r)
            return r;
    }
    for (const auto &[node, key] : linkKeys) {
        if (auto r = store->setLinkKey(node, key); !r)
            return r;
    }
    if (auto r = store->save(); !r)
        return r;
    c.sessionStoreDir = std::move(dir);
    c.keyStore = std::make_unique<KeyStore>(std::move(*store));
    return {};
}

Result<void> ConsoleSession::recordSimulatedNodes(Connection &c)
{
    // The serials are the nodes' (the simulated transport is a module: asked through Qt's
    // meta-object system); with the management keys already in the store, the security
    // service then sees Warden nodes: in the store by serial, in the inventory by serial and
    // management key fingerprint (never the key).
    QStringList serials;
    QString gatewayHex;
    if (!QMetaObject::invokeMethod(c.link.get(), "serialsHex", Qt::DirectConnection,
                                   Q_RETURN_ARG(QStringList, serials))
        || !QMetaObject::invokeMethod(c.link.get(), "gatewaySerialHex", Qt::DirectConnection,
                                      Q_RETURN_ARG(QString, gatewayHex)))
        return fail(ErrorCode::Refused, tr("the simulated transport does not tell its serials"));
    const auto toSerial = [](const QString &hex) -> std::optional<Serial> {
        const QByteArray bytes = QByteArray::fromHex(hex.toLatin1());
        if (bytes.size() != qsizetype(Serial().size()))
            return std::nullopt;
        Serial serial {};
        std::copy(bytes.cbegin(), bytes.cend(), serial.begin());
        return serial;
    };
    if (const auto gateway = toSerial(gatewayHex))
        c.keyStore->setGatewaySerial(*gateway);
    const int first = c.link->configuration().settings.value(u"firstNodeId"_s).toInt();
    for (const NodeKeyInfo &info : c.keyStore->nodes()) {
        const int index = int(info.nodeId) - first;
        if (info.managementKeyFingerprint.isEmpty() || index < 0 || index >= serials.size())
            continue;
        const auto serial = toSerial(serials.at(index));
        if (!serial)
            return fail(ErrorCode::Refused, tr("node %1 has no serial").arg(info.nodeId));
        if (auto r = c.keyStore->setSerial(info.nodeId, *serial); !r)
            return r;
        NodeSecurity security;
        security.serialHex = serials.at(index);
        security.managementKeyFingerprint = info.managementKeyFingerprint;
        security.linkKeyFingerprint = info.linkKeyFingerprint;
        if (auto r = c.inventory->setNodeSecurity(info.nodeId, security); !r)
            return tl::unexpected(r.error());
    }
    c.inventory->commitSoon();
    return c.keyStore->save();
}

void ConsoleSession::stopConnection(Connection &c)
{
    const bool hadSecurity = bool(c.security);
    c.security.reset();
    if (c.link) {
        c.link->disconnect(this);
        c.link->close();
        if (c.engine)
            c.engine->removeLink(c.link.get());
    }
    c.link.reset();
    c.engine.reset();
    if (c.inventory) {
        if (auto r = c.inventory->flush(); !r)
            qCWarning(lcSession).noquote() << "inventory not flushed:" << r.error().message();
    }
    c.inventory.reset();
    if (c.sessionStoreDir) {
        c.keyStore.reset();
        c.sessionStoreDir.reset();
    }
    if (hadSecurity)
        Q_EMIT securityChanged(c.settings.name);
    delete c.nodesTimer;
    c.nodesTimer = nullptr;
    if (c.status.state != ConnectionState::Disconnected
        && c.status.state != ConnectionState::Failed)
        setStatus(c, ConnectionState::Disconnected, tr("Disconnected"));
}

void ConsoleSession::setStatus(Connection &c, ConnectionState state, const QString &text,
                               const QString &error)
{
    c.status.state = state;
    c.status.text = text;
    if (!error.isEmpty() || state == ConnectionState::Connected
        || state == ConnectionState::Disconnected)
        c.status.error = error;
    Q_EMIT stateChanged(c.settings.name, c.status);
}

void ConsoleSession::onLinkState(const QString &name, LinkState state)
{
    Connection *c = find(name);
    if (!c || !c->link)
        return;
    switch (state) {
    case LinkState::Closed:
        setStatus(*c, ConnectionState::Disconnected, tr("Disconnected"));
        break;
    case LinkState::Connecting:
        setStatus(*c, ConnectionState::Connecting,
                  c->everConnected ? tr("Connection lost, reconnecting") : tr("Connecting"));
        break;
    case LinkState::Connected:
        c->everConnected = true;
        setStatus(*c, ConnectionState::Connected, tr("Connected"));
        break;
    case LinkState::Waiting: {
        const qint64 seconds
                = std::max<qint64>(1, (c->link->currentBackoff().count() + 999) / 1000);
        const QString why = c->status.error.isEmpty() ? QString() : u": "_s + c->status.error;
        const QString text
                = (c->everConnected ? tr("Connection lost%1.") : tr("Cannot connect%1.")).arg(why)
                  + u' ' + tr("Trying again in %n second(s).", nullptr, int(seconds));
        setStatus(*c, ConnectionState::Retrying, text);
        break;
    }
    }
}

ConsoleSession::Connection *ConsoleSession::find(const QString &name) const
{
    for (const auto &c : m_connections) {
        if (c->settings.name == name)
            return c.get();
    }
    return nullptr;
}

void ConsoleSession::load()
{
    if (!m_settings)
        return;
    const int count = m_settings->beginReadArray(QLatin1StringView(kGroup));
    for (int i = 0; i < count; ++i) {
        m_settings->setArrayIndex(i);
        ConnectionSettings s;
        s.name = m_settings->value(u"name"_s).toString();
        s.type = m_settings->value(u"type"_s).toString();
        s.mode = m_settings->value(u"mode"_s).toString() == u"host-gateway"
                         ? GatewayMode::HostGateway
                         : GatewayMode::Classic;
        s.settings = m_settings->value(u"settings"_s).toMap();
        s.inventoryFile = m_settings->value(u"inventoryFile"_s).toString();
        s.autoConnect = m_settings->value(u"autoConnect"_s, true).toBool();
        if (s.name.trimmed().isEmpty() || find(s.name)) {
            qCWarning(lcSession).noquote() << "stored connection" << i
                                           << "skipped: no or a "
                                              "repeated name";
            continue;
        }
        auto c = std::make_unique<Connection>();
        c->settings = s;
        m_connections.push_back(std::move(c));
    }
    m_settings->endArray();
    for (const auto &c : m_connections)
        Q_EMIT connectionAdded(c->settings.name);
}

void ConsoleSession::save() const
{
    if (!m_settings)
        return;
    m_settings->remove(QLatin1StringView(kGroup));
    m_settings->beginWriteArray(QLatin1StringView(kGroup));
    int i = 0;
    for (const auto &c : m_connections) {
        if (!c->stored)
            continue;
        m_settings->setArrayIndex(i++);
        m_settings->setValue(u"name"_s, c->settings.name);
        m_settings->setValue(u"type"_s, c->settings.type);
        m_settings->setValue(u"mode"_s, modeName(c->settings.mode));
        // A broker's password is kept for the session only: QSettings is plain text.
        QVariantMap transport = c->settings.settings;
        transport.remove(u"password"_s);
        m_settings->setValue(u"settings"_s, transport);
        m_settings->setValue(u"inventoryFile"_s, c->settings.inventoryFile);
        m_settings->setValue(u"autoConnect"_s, c->settings.autoConnect);
    }
    m_settings->endArray();
    m_settings->sync();
}

} // namespace Warden::Internal
