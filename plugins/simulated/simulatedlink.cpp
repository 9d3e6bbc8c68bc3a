#include "simulatedlink.h"

#include <warden/protocol/message.h>
#include <warden/protocol/sha256.h>
#include <warden/signer.h>

#include <eepromlayout.h>
#include <hostclock.h>
#include <hosteeprom.h>
#include <managementhandler.h>
#include <securenode.h>
#include <simbus.h>
#include <wardenstore.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QLoggingCategory>
#include <QtCore/QTimer>

#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <vector>

using namespace Qt::StringLiterals;

namespace Warden::Internal {

Q_LOGGING_CATEGORY(lcSimulated, "warden.plugins.simulated")

namespace Fw = Warden::Firmware;
namespace Host = Warden::Firmware::Host;
using Protocol::Message;

namespace {

constexpr int kMaxNodes = 254;
constexpr int kMaxClones = 16;
constexpr quint8 kGatewayAddress = 0;
constexpr quint8 kAttackerAddress = Protocol::kAutoAddress; // listens on nothing useful
// Most simulated steps run per timer tick: a network too large for the requested speed runs
// slower instead of falling ever further behind.
constexpr int kMaxStepsPerTick = 500;
// Nodes boot this far apart, as a network does whose nodes were not all switched on at once.
constexpr quint32 kBootStaggerMs = 40;

const char kTemperatureName[] = "Warden temperature";
const char kHumidityName[] = "Warden humidity";
const char kSwitchName[] = "Warden switch";
const char kMotionName[] = "Warden motion";
const char kSketchVersion[] = "1.0";
const char kTemperatureText[] = "temperature";
const char kHumidityText[] = "humidity";
const char kSwitchText[] = "relay";
const char kMotionText[] = "motion";

struct Sketch
{
    const char *type;
    const char *name;
    Fw::ChildPresentation child;
};

const Sketch kSketches[] = {
        {"temperature", kTemperatureName, {0, uint8_t(Protocol::Sensor::Temp), kTemperatureText}},
        {"humidity", kHumidityName, {0, uint8_t(Protocol::Sensor::Hum), kHumidityText}},
        {"switch", kSwitchName, {1, uint8_t(Protocol::Sensor::Binary), kSwitchText}},
        {"motion", kMotionName, {0, uint8_t(Protocol::Sensor::Motion), kMotionText}},
};

const Sketch *findSketch(const QString &type)
{
    for (const Sketch &s : kSketches) {
        if (type == QLatin1String(s.type))
            return &s;
    }
    return nullptr;
}

/// SHA-256("warden-simulated-network" | what | seed | index): deterministic demo material.
void derive(const char *what, quint64 seed, quint32 index, uint8_t *out, size_t size)
{
    Protocol::Sha256 sha(Signer::hostSha256());
    static const char kLabel[] = "warden-simulated-network";
    sha.update(kLabel, sizeof kLabel - 1);
    sha.update(what, std::strlen(what));
    uint8_t numbers[12];
    for (int i = 0; i < 8; ++i)
        numbers[i] = uint8_t(seed >> (8 * i));
    for (int i = 0; i < 4; ++i)
        numbers[8 + i] = uint8_t(index >> (8 * i));
    sha.update(numbers, sizeof numbers);
    uint8_t digest[Protocol::kSha256DigestSize];
    sha.finish(digest);
    std::memcpy(out, digest, std::min(size, sizeof digest));
    Protocol::secureZero(digest, sizeof digest);
}

SecretBytes deriveKey(const char *what, quint64 seed, quint32 index)
{
    uint8_t key[Protocol::kSigningKeySize];
    derive(what, seed, index, key, sizeof key);
    SecretBytes out(key, sizeof key);
    Protocol::secureZero(key, sizeof key);
    return out;
}

QByteArray deriveSerial(quint64 seed, quint32 index)
{
    uint8_t serial[Protocol::kSerialSize];
    derive("serial", seed, index, serial, sizeof serial);
    return QByteArray(reinterpret_cast<const char *>(serial), sizeof serial);
}

/// The setting @p key: one 32-byte key per node in node order, as a list or one
/// comma-separated string, at most @p nodes. Errors name the entry, never its text.
Result<QList<SecretBytes>> keyList(const LinkSettingsReader &reader, const QString &key, int nodes)
{
    QList<SecretBytes> out;
    if (!reader.contains(key))
        return out;
    const QVariant keys = reader.value(key);
    QStringList texts;
    if (keys.typeId() == QMetaType::QString) {
        texts = keys.toString().split(u',', Qt::SkipEmptyParts);
    } else if (keys.typeId() == QMetaType::QStringList) {
        texts = keys.toStringList();
    } else if (keys.typeId() == QMetaType::QVariantList) {
        for (const QVariant &v : keys.toList()) {
            if (v.typeId() != QMetaType::QString)
                return tl::unexpected(reader.error(
                        key, u"must list keys as hex text, not %1"_s.arg(linkSettingTypeName(v))));
            texts << v.toString();
        }
    } else {
        return tl::unexpected(reader.error(key, u"must be a list of keys as hex text, not %1"_s.arg(
                                                        linkSettingTypeName(keys))));
    }
    if (texts.size() > nodes)
        return tl::unexpected(
                reader.error(key, u"lists %1 keys for %2 nodes"_s.arg(texts.size()).arg(nodes)));
    for (qsizetype i = 0; i < texts.size(); ++i) {
        auto parsed = SecretBytes::fromHex(texts.at(i).trimmed(), Protocol::kSigningKeySize);
        texts[i].fill(u'0'); // not left in this copy at least
        if (!parsed)
            return tl::unexpected(reader.error(key, u"entry %1 is not a 32-byte key"_s.arg(i + 1)));
        out << std::move(*parsed);
    }
    return out;
}

class SimClock final : public Fw::Clock
{
public:
    uint32_t millis() override { return now; }
    uint32_t now = 0;
};

} // namespace

// --- the network behind the link -------------------------------------------------------------

struct SimulatedNode
{
    SimulatedNode(class SimulatedNetwork *net, int nodeIndex, const Sketch *nodeSketch,
                  uint64_t entropySeed)
        : owner(net)
        , index(nodeIndex)
        , sketch(nodeSketch)
        , entropy(entropySeed)
    {
        config.sketchName = sketch->name;
        config.sketchVersion = kSketchVersion;
        config.children = &sketch->child;
        config.childCount = 1;
        config.personalizationWindowMs = 0; // no serial port in the simulation
    }

    SimulatedNetwork *owner;
    int index;
    const Sketch *sketch;
    Fw::NodeConfig config;
    Host::RamEeprom eeprom;
    Host::SeededEntropy entropy;
    Host::HostBoard board;
    std::unique_ptr<Host::SimBusEndpoint> radio;
    // Before the node: the node keeps a pointer to it, and goes first.
    std::unique_ptr<Fw::ManagementChannelHandler> managementHandler;
    std::unique_ptr<Fw::SecureNode> node;
    QByteArray serial;
    SecretBytes linkKey;
    bool management = false; ///< personalized with a management key: a Warden node
    quint32 bootAt = 0;
    quint32 nextReportAt = 0;
    quint8 announcedId = Protocol::kAutoAddress;
    bool stolen = false; ///< a clone made by stealNode()
    bool taken = false; ///< stolen away: no longer on the network
    bool reportDue = false;
    bool switchOn = false;
    quint32 reports = 0;
};

class SimulatedNetwork
{
public:
    SimulatedNetwork(SimulatedLink *link, SimulatedSettings s);

    void createNode(int index);
    void bootDue();
    void step();
    void pollNode(SimulatedNode &n);
    void report(SimulatedNode &n);
    void drainGateway();
    void onTimer();
    SimulatedNode *findNode(quint8 nodeId, bool includeClones);
    SimulatedNodeInfo info(const SimulatedNode &n) const;

    static void onReceive(void *context, const Message &message);

    SimulatedLink *q;
    SimulatedSettings settings;
    SimClock clock;
    Host::SimBus bus;
    std::unique_ptr<Host::SimBusEndpoint> gateway;
    std::unique_ptr<Host::SimBusEndpoint> attacker;
    std::vector<std::unique_ptr<SimulatedNode>> nodes;
    QByteArray gatewaySerial;
    std::function<bool(const QByteArray &)> uplinkFilter;
    QTimer *timer = nullptr;
    QElapsedTimer realTime;
    double debtMs = 0;
    quint64 steps = 0;
    bool booted = false;
    bool stepping = false;
};

SimulatedNetwork::SimulatedNetwork(SimulatedLink *link, SimulatedSettings s)
    : q(link)
    , settings(std::move(s))
    , bus(clock, Host::SimBusOptions {settings.seed, settings.loss, settings.duplication,
                                      uint32_t(settings.minDelayMs), uint32_t(settings.maxDelayMs),
                                      uint32_t(settings.bitRate)})
    , gateway(bus.connect(kGatewayAddress))
    , attacker(bus.connect(kAttackerAddress))
    , gatewaySerial(deriveSerial(settings.seed, 0xFFFF))
{
    for (int i = 0; i < settings.nodes; ++i)
        createNode(i);
}

void SimulatedNetwork::createNode(int index)
{
    const QString type = settings.sketches.at(index % settings.sketches.size());
    auto n = std::make_unique<SimulatedNode>(this, index, findSketch(type),
                                             settings.seed * 1000003u + quint64(index));
    n->radio = bus.connect(Protocol::kAutoAddress);
    n->radio->setEnabled(false); // off until the node boots: nothing piles up meanwhile
    n->serial = deriveSerial(settings.seed, quint32(index));
    n->bootAt = quint32(index) * kBootStaggerMs;
    // Spread the reports, so that the nodes do not all sign at the same moment.
    n->nextReportAt = settings.reportIntervalMs > 0
                              ? quint32(settings.reportIntervalMs)
                                        + quint32(index) * 997u % quint32(settings.reportIntervalMs)
                              : 0;
    n->config.requireWhitelisting = settings.whitelisting;

    // Personalize the EEPROM as the console's personalization would: key, serial, policy, the
    // gateway's serial in the whitelist, and the management key if the node was given one.
    Fw::WardenState state;
    state.flags = Fw::SlotFlag::kSerial | Fw::SlotFlag::kPolicy;
    std::memcpy(state.serial, n->serial.constData(), Protocol::kSerialSize);
    state.policy = Fw::PolicyFlag::kRequireSignatures
                   | (settings.whitelisting ? Fw::PolicyFlag::kRequireWhitelisting : 0);
    if (settings.keyMode == SimulatedSettings::KeyMode::PerNode) {
        n->linkKey = index < settings.linkKeys.size()
                             ? settings.linkKeys.at(index)
                             : deriveKey("link-key", settings.seed, quint32(index));
        state.flags |= Fw::SlotFlag::kLinkKey;
        std::memcpy(state.key(Fw::KeySlot::Link), n->linkKey.data(), Protocol::kSigningKeySize);
    } else {
        state.flags |= Fw::SlotFlag::kNetworkKey;
        state.activeEpoch = 1;
        std::memcpy(state.key(Fw::KeySlot::Network), settings.networkKey.data(),
                    Protocol::kSigningKeySize);
    }
    if (index < settings.managementKeys.size()) {
        n->management = true;
        state.flags |= Fw::SlotFlag::kManagementKey;
        std::memcpy(state.key(Fw::KeySlot::Management), settings.managementKeys.at(index).data(),
                    Protocol::kSigningKeySize);
    }
    state.whitelistCount = 1;
    state.whitelist[0].nodeId = kGatewayAddress;
    std::memcpy(state.whitelist[0].serial, gatewaySerial.constData(), Protocol::kSerialSize);
    Fw::WardenStore store(n->eeprom, Signer::hostSha256());
    if (store.commit(state) != Fw::StoreStatus::Ok)
        qCWarning(lcSimulated) << "node" << index << "could not be personalized";
    if (settings.firstNodeId > 0)
        n->eeprom.write(Fw::LegacyEeprom::kNodeId, uint8_t(settings.firstNodeId + index));
    nodes.push_back(std::move(n));
}

void SimulatedNetwork::onReceive(void *context, const Message &message)
{
    auto *n = static_cast<SimulatedNode *>(context);
    const quint8 id = n->node ? n->node->nodeId() : quint8(Protocol::kAutoAddress);
    if (n->sketch && std::strcmp(n->sketch->type, "switch") == 0
        && message.command() == Protocol::Command::Set && message.sensor() == n->sketch->child.id) {
        uint8_t value = 0;
        if (message.getByte(value)) {
            n->switchOn = value != 0;
            n->reportDue = true; // a relay confirms its new state
        }
    }
    const QByteArray frame(reinterpret_cast<const char *>(message.data()),
                           qsizetype(message.size()));
    Q_EMIT n->owner->q->nodeReceived(id, frame);
}

void SimulatedNetwork::bootDue()
{
    for (auto &n : nodes) {
        if (n->node || n->taken || clock.now < n->bootAt)
            continue;
        n->radio->setEnabled(true);
        const Fw::Hal hal {n->eeprom, clock, n->entropy, *n->radio, nullptr, n->board};
        n->node = std::make_unique<Fw::SecureNode>(hal, Signer::hostSha256(), n->config);
        n->node->setReceiveHandler(&SimulatedNetwork::onReceive, n.get());
        if (n->management) {
            n->managementHandler
                    = std::make_unique<Fw::ManagementChannelHandler>(Signer::hostSha256());
            n->node->setManagementHandler(n->managementHandler.get());
        }
        n->node->begin();
    }
}

void SimulatedNetwork::report(SimulatedNode &n)
{
    Fw::SecureNode &node = *n.node;
    const uint8_t child = n.sketch->child.id;
    const double t = double(clock.now) / 60000.0 * 2 * std::numbers::pi + n.index;
    Fw::SendStatus status = Fw::SendStatus::NotReady;
    const std::string type = n.sketch->type;
    if (n.stolen) {
        // The attacker's values: what a thief would feed the controller.
        if (type == "switch" || type == "motion")
            status = node.sendByte(
                    child,
                    uint8_t(type == "switch" ? Protocol::Value::Status : Protocol::Value::Tripped),
                    1);
        else
            status = node.sendFloat(
                    child,
                    uint8_t(type == "temperature" ? Protocol::Value::Temp : Protocol::Value::Hum),
                    99.9f, 1);
    } else if (type == "temperature") {
        status = node.sendFloat(child, uint8_t(Protocol::Value::Temp),
                                float(20.0 + 4.0 * std::sin(t)), 1);
    } else if (type == "humidity") {
        status = node.sendFloat(child, uint8_t(Protocol::Value::Hum),
                                float(50.0 + 15.0 * std::sin(t)), 1);
    } else if (type == "switch") {
        status = node.sendByte(child, uint8_t(Protocol::Value::Status), n.switchOn ? 1 : 0);
    } else {
        status = node.sendByte(child, uint8_t(Protocol::Value::Tripped),
                               (n.reports / 3) % 2 == 0 ? 0 : 1);
    }
    if (status == Fw::SendStatus::Sent || status == Fw::SendStatus::Pending) {
        ++n.reports;
        n.reportDue = false;
    }
}

void SimulatedNetwork::pollNode(SimulatedNode &n)
{
    if (!n.node)
        return;
    n.node->poll(clock.now);
    if (!n.stolen && n.node->nodeId() != Protocol::kAutoAddress
        && n.node->nodeId() != n.announcedId) {
        n.announcedId = n.node->nodeId();
        Q_EMIT q->nodeJoined(n.index, n.announcedId);
    }
    if (!n.node->isReady() || n.node->isSending())
        return;
    if (settings.reportIntervalMs > 0 && clock.now >= n.nextReportAt) {
        n.reportDue = true;
        n.nextReportAt = clock.now + quint32(settings.reportIntervalMs);
    }
    if (n.reportDue)
        report(n);
}

void SimulatedNetwork::drainGateway()
{
    uint8_t buffer[Protocol::kMaxMessageSize];
    // The attacker's radio hears what is sent to its address; nobody reads it.
    while (attacker->receive(buffer, sizeof buffer) > 0) { }
    for (;;) {
        const uint8_t length = gateway->receive(buffer, sizeof buffer);
        if (length == 0)
            return;
        const QByteArray frame(reinterpret_cast<const char *>(buffer), length);
        q->countBytesIn(length);
        if (uplinkFilter && !uplinkFilter(frame))
            continue;
        if (frame.size() < kMinFrame) {
            q->reportMalformed(u"a %1-byte frame on the simulated bus"_s.arg(frame.size()));
            continue;
        }
        if (q->state() == LinkState::Connected)
            q->deliverUnit(frame);
    }
}

void SimulatedNetwork::step()
{
    stepping = true;
    clock.now += quint32(settings.tickMs);
    ++steps;
    bootDue();
    for (auto &n : nodes)
        pollNode(*n);
    drainGateway();
    stepping = false;
}

void SimulatedNetwork::onTimer()
{
    if (settings.timeScale <= 0)
        return;
    debtMs += double(realTime.restart()) * settings.timeScale;
    int budget = kMaxStepsPerTick;
    while (debtMs >= settings.tickMs && budget-- > 0) {
        step();
        debtMs -= settings.tickMs;
    }
    if (budget < 0)
        debtMs = 0;
}

SimulatedNode *SimulatedNetwork::findNode(quint8 nodeId, bool includeClones)
{
    for (auto &n : nodes) {
        if ((includeClones || !n->stolen) && n->node && n->node->nodeId() == nodeId)
            return n.get();
    }
    return nullptr;
}

SimulatedNodeInfo SimulatedNetwork::info(const SimulatedNode &n) const
{
    SimulatedNodeInfo i;
    i.index = n.index;
    i.nodeId = n.node && n.node->nodeId() != Protocol::kAutoAddress ? n.node->nodeId() : 0;
    i.sketch = QString::fromLatin1(n.sketch->type);
    i.serial = n.serial;
    i.linkKey = n.linkKey;
    i.management = n.management;
    i.stolen = n.stolen;
    i.taken = n.taken;
    i.ready = n.node && n.node->isReady();
    return i;
}

// --- settings --------------------------------------------------------------------------------

QStringList SimulatedLink::sketchTypes()
{
    QStringList types;
    for (const Sketch &s : kSketches)
        types << QString::fromLatin1(s.type);
    return types;
}

QVariantMap SimulatedLink::defaultSettings()
{
    return {
            {u"nodes"_s, 5},
            {u"seed"_s, 1},
            {u"loss"_s, 0.0},
            {u"duplication"_s, 0.0},
            {u"minDelayMs"_s, 0},
            {u"maxDelayMs"_s, 0},
            {u"bitRate"_s, 0},
            {u"tickMs"_s, 10},
            {u"timeScale"_s, 1.0},
            {u"keyMode"_s, u"network"_s},
            {u"networkKeyHex"_s, QString()},
            {u"managementKeysHex"_s, QStringList()},
            {u"linkKeysHex"_s, QStringList()},
            {u"whitelisting"_s, false},
            {u"sketches"_s, QStringList {u"temperature"_s, u"humidity"_s, u"switch"_s}},
            {u"reportIntervalMs"_s, 5000},
            {u"firstNodeId"_s, 0},
    };
}

Result<SimulatedSettings> SimulatedLink::parseSettings(const QString &linkName,
                                                       const QVariantMap &settings)
{
    const QVariantMap defaults = defaultSettings();
    const LinkSettingsReader reader(linkName, u"simulated"_s, settings);
    if (Result<void> known = reader.refuseUnknown(defaults.keys()); !known)
        return tl::unexpected(known.error());
    SimulatedSettings s;
#define WARDEN_TAKE(target, expr) \
    do { \
        auto value = (expr); \
        if (!value) \
            return tl::unexpected(value.error()); \
        target = decltype(target)(*value); \
    } while (false)
    WARDEN_TAKE(s.nodes, reader.wholeNumber(u"nodes"_s, s.nodes, 1, kMaxNodes));
    WARDEN_TAKE(s.seed, reader.wholeNumber(u"seed"_s, qint64(s.seed), 0,
                                           std::numeric_limits<qint64>::max()));
    WARDEN_TAKE(s.loss, reader.realNumber(u"loss"_s, s.loss, 0.0, 0.9));
    WARDEN_TAKE(s.duplication, reader.realNumber(u"duplication"_s, s.duplication, 0.0, 0.9));
    WARDEN_TAKE(s.minDelayMs, reader.wholeNumber(u"minDelayMs"_s, s.minDelayMs, 0, 1000));
    WARDEN_TAKE(s.maxDelayMs, reader.wholeNumber(u"maxDelayMs"_s, s.minDelayMs, 0, 1000));
    WARDEN_TAKE(s.bitRate, reader.wholeNumber(u"bitRate"_s, s.bitRate, 0, 2000000));
    WARDEN_TAKE(s.tickMs, reader.wholeNumber(u"tickMs"_s, s.tickMs, 1, 1000));
    WARDEN_TAKE(s.timeScale, reader.realNumber(u"timeScale"_s, s.timeScale, 0.0, 1000.0));
    WARDEN_TAKE(s.reportIntervalMs,
                reader.wholeNumber(u"reportIntervalMs"_s, s.reportIntervalMs, 0, 86400000));
    WARDEN_TAKE(s.whitelisting, reader.boolean(u"whitelisting"_s, s.whitelisting));
    WARDEN_TAKE(s.firstNodeId, reader.wholeNumber(u"firstNodeId"_s, s.firstNodeId, 0, 254));
#undef WARDEN_TAKE
    if (s.firstNodeId > 0 && s.firstNodeId + s.nodes - 1 > 254)
        return tl::unexpected(
                reader.error(u"firstNodeId"_s, u"leaves no id for node %1 of %2 (ids end at 254)"_s
                                                       .arg(254 - s.firstNodeId + 2)
                                                       .arg(s.nodes)));
    if (s.maxDelayMs < s.minDelayMs)
        return tl::unexpected(reader.error(
                u"maxDelayMs"_s, u"must not be below minDelayMs (%1)"_s.arg(s.minDelayMs)));

    const Result<QString> keyMode
            = reader.choice(u"keyMode"_s, u"network"_s, {u"network"_s, u"per-node"_s});
    if (!keyMode)
        return tl::unexpected(keyMode.error());
    s.keyMode = *keyMode == u"per-node"_s ? SimulatedSettings::KeyMode::PerNode
                                          : SimulatedSettings::KeyMode::Network;

    // text(), not choice(): an error never quotes the key.
    const Result<QString> keyHex = reader.text(u"networkKeyHex"_s, QString());
    if (!keyHex)
        return tl::unexpected(keyHex.error());
    if (keyHex->isEmpty()) {
        s.networkKey = deriveKey("network-key", s.seed, 1);
    } else {
        auto key = SecretBytes::fromHex(*keyHex, Protocol::kSigningKeySize);
        if (!key)
            return tl::unexpected(reader.error(
                    u"networkKeyHex"_s, u"is not a 32-byte key: "_s + key.error().message()));
        s.networkKey = std::move(*key);
    }

    if (Result<QList<SecretBytes>> keys = keyList(reader, u"managementKeysHex"_s, s.nodes); keys)
        s.managementKeys = std::move(*keys);
    else
        return tl::unexpected(keys.error());
    if (Result<QList<SecretBytes>> keys = keyList(reader, u"linkKeysHex"_s, s.nodes); keys)
        s.linkKeys = std::move(*keys);
    else
        return tl::unexpected(keys.error());
    if (!s.linkKeys.isEmpty() && s.keyMode != SimulatedSettings::KeyMode::PerNode)
        return tl::unexpected(reader.error(u"linkKeysHex"_s,
                                           u"needs keyMode per-node (the nodes sign with the "
                                           u"network key otherwise)"_s));

    // A list, or one string of comma-separated names (command lines, INI files).
    const QVariant sketches = reader.contains(u"sketches"_s) ? reader.value(u"sketches"_s)
                                                             : defaults.value(u"sketches"_s);
    if (sketches.typeId() == QMetaType::QString)
        s.sketches = sketches.toString().split(u',', Qt::SkipEmptyParts);
    else if (sketches.typeId() == QMetaType::QStringList)
        s.sketches = sketches.toStringList();
    else if (sketches.typeId() == QMetaType::QVariantList) {
        for (const QVariant &v : sketches.toList()) {
            if (v.typeId() != QMetaType::QString)
                return tl::unexpected(reader.error(
                        u"sketches"_s,
                        u"must list sketch names, not %1"_s.arg(linkSettingTypeName(v))));
            s.sketches << v.toString();
        }
    } else {
        return tl::unexpected(reader.error(
                u"sketches"_s,
                u"must be a list of sketch names, not %1"_s.arg(linkSettingTypeName(sketches))));
    }
    for (QString &sketch : s.sketches)
        sketch = sketch.trimmed();
    if (s.sketches.isEmpty())
        return tl::unexpected(reader.error(u"sketches"_s, u"must list at least one of: "_s
                                                                  + sketchTypes().join(u", ")));
    for (const QString &sketch : std::as_const(s.sketches)) {
        if (!findSketch(sketch))
            return tl::unexpected(reader.error(
                    u"sketches"_s, u"names an unknown sketch \"%1\" (known: %2)"_s.arg(
                                           sketch.left(32), sketchTypes().join(u", "))));
    }
    return s;
}

// --- the link --------------------------------------------------------------------------------

SimulatedLink::SimulatedLink(LinkConfiguration configuration, SimulatedSettings settings,
                             QObject *parent)
    : Link(std::move(configuration), LinkFraming::RadioFrames, parent)
    , d(std::make_unique<SimulatedNetwork>(this, std::move(settings)))
{
    d->timer = new QTimer(this);
    d->timer->setInterval(d->settings.tickMs);
    connect(d->timer, &QTimer::timeout, this, [this] { d->onTimer(); });
}

SimulatedLink::~SimulatedLink()
{
    // The nodes' radios detach from the bus before it goes.
    d->nodes.clear();
}

void SimulatedLink::openTransport()
{
    transportConnected();
    d->realTime.start();
    d->debtMs = 0;
    if (d->settings.timeScale > 0)
        d->timer->start();
}

void SimulatedLink::closeTransport()
{
    d->timer->stop();
}

bool SimulatedLink::writeUnit(const QByteArray &unit)
{
    Message m;
    const auto *bytes = reinterpret_cast<const uint8_t *>(unit.constData());
    // The modem sends to the frame's destination: every simulated node is the gateway's child.
    const uint8_t nextHop
            = Message::decode(bytes, size_t(unit.size()), m) == Protocol::DecodeError::None
                      ? m.destination()
                      : uint8_t(Protocol::kAutoAddress);
    countBytesOut(unit.size());
    // Not acknowledged (lost, or nobody there) is the radio's business: the unit was sent.
    (void)d->gateway->send(nextHop, bytes, uint8_t(unit.size()));
    return true;
}

SecretBytes SimulatedLink::networkKey() const
{
    return perNodeKeys() ? SecretBytes() : d->settings.networkKey;
}

bool SimulatedLink::perNodeKeys() const
{
    return d->settings.keyMode == SimulatedSettings::KeyMode::PerNode;
}

QByteArray SimulatedLink::gatewaySerial() const
{
    return d->gatewaySerial;
}

QString SimulatedLink::gatewaySerialHex() const
{
    return QString::fromLatin1(d->gatewaySerial.toHex());
}

QStringList SimulatedLink::serialsHex() const
{
    QStringList out;
    for (const auto &n : d->nodes) {
        if (!n->stolen)
            out << QString::fromLatin1(n->serial.toHex());
    }
    return out;
}

QList<SimulatedNodeInfo> SimulatedLink::nodes() const
{
    QList<SimulatedNodeInfo> out;
    for (const auto &n : d->nodes)
        out << d->info(*n);
    return out;
}

SimulatedNodeInfo SimulatedLink::node(int index) const
{
    if (index < 0 || size_t(index) >= d->nodes.size())
        return {};
    return d->info(*d->nodes[size_t(index)]);
}

QList<quint8> SimulatedLink::nodeIds() const
{
    QList<quint8> ids;
    for (const auto &n : d->nodes) {
        if (!n->stolen && n->node && n->node->nodeId() != Protocol::kAutoAddress)
            ids << n->node->nodeId();
    }
    return ids;
}

int SimulatedLink::readyCount() const
{
    int ready = 0;
    for (const auto &n : d->nodes)
        ready += !n->stolen && n->node && n->node->isReady() ? 1 : 0;
    return ready;
}

quint32 SimulatedLink::simulatedMillis() const
{
    return d->clock.now;
}

void SimulatedLink::setTimeScale(double scale)
{
    d->settings.timeScale = std::isfinite(scale) && scale > 0 ? scale : 0.0;
    if (d->settings.timeScale > 0 && state() == LinkState::Connected) {
        d->realTime.restart();
        d->timer->start();
    } else {
        d->timer->stop();
    }
}

double SimulatedLink::timeScale() const
{
    return d->settings.timeScale;
}

void SimulatedLink::advance(quint32 ms)
{
    advanceUntil(ms, nullptr);
}

bool SimulatedLink::advanceUntil(quint32 maxMs, const std::function<bool()> &until)
{
    if (d->stepping) {
        // From inside a step (a slot on one of our signals): running the bus again here would
        // poll nodes that are in the middle of a poll.
        qCWarning(lcSimulated) << "advance() from inside a simulation step ignored";
        return until && until();
    }
    const quint32 start = d->clock.now;
    while (quint32(d->clock.now - start) < maxMs) {
        if (until && until())
            return true;
        d->step();
    }
    return until && until();
}

Result<int> SimulatedLink::stealNode(quint8 nodeId, bool forgeKey)
{
    if (d->stepping)
        return fail(
                ErrorCode::Refused,
                u"link %1: a node cannot be stolen from inside a simulation step"_s.arg(name()));
    SimulatedNode *victim = d->findNode(nodeId, false);
    if (!victim || nodeId == 0 || nodeId == Protocol::kAutoAddress)
        return fail(ErrorCode::InvalidArgument,
                    u"link %1: no simulated node has id %2"_s.arg(name()).arg(nodeId));
    int clones = 0;
    for (const auto &n : d->nodes)
        clones += n->stolen ? 1 : 0;
    if (clones >= kMaxClones)
        return fail(ErrorCode::Refused,
                    u"link %1: at most %2 stolen nodes at once"_s.arg(name()).arg(kMaxClones));
    const int index = int(d->nodes.size());
    auto clone = std::make_unique<SimulatedNode>(d.get(), index, victim->sketch,
                                                 d->settings.seed * 7919u + quint64(index));
    clone->stolen = true;
    clone->management = victim->management;
    clone->config.requireWhitelisting = victim->config.requireWhitelisting;
    clone->eeprom.image() = victim->eeprom.image(); // the EEPROM read out of the stolen node
    clone->serial = victim->serial;
    if (forgeKey) {
        // A forger knows id and serial (they are on the air) but not the key.
        Fw::WardenStore store(clone->eeprom, Signer::hostSha256());
        store.load();
        const SecretBytes wrong = deriveKey("forged-key", d->settings.seed, quint32(index));
        store.beginStage();
        const Fw::KeySlot slot
                = store.has(Fw::SlotFlag::kLinkKey) ? Fw::KeySlot::Link : Fw::KeySlot::Network;
        store.stageKey(slot, wrong.data(), store.activeEpoch());
        if (store.commitStage() != Fw::StoreStatus::Ok)
            return fail(ErrorCode::Refused,
                        u"link %1: the forger's key was not stored"_s.arg(name()));
    } else {
        // The node itself is in the thief's hands: gone from the network, its clone talks.
        clone->linkKey = victim->linkKey;
        victim->radio->setEnabled(false);
        victim->node.reset();
        victim->taken = true;
    }
    clone->radio = d->bus.connect(Protocol::kAutoAddress);
    clone->radio->setEnabled(false);
    clone->bootAt = d->clock.now;
    clone->nextReportAt = d->clock.now + 1000;
    d->nodes.push_back(std::move(clone));
    qCInfo(lcSimulated).noquote() << u"link %1: node %2 stolen%3 (clone %4)"_s.arg(name())
                                             .arg(nodeId)
                                             .arg(forgeKey ? u", forged key"_s : QString())
                                             .arg(index);
    return index;
}

Result<void> SimulatedLink::injectFrame(const QByteArray &frame)
{
    if (frame.size() < 1 || frame.size() > kMaxFrame)
        return fail(ErrorCode::InvalidArgument,
                    u"link %1: an injected frame has 1 to %2 bytes, this one %3"_s.arg(name())
                            .arg(kMaxFrame)
                            .arg(frame.size()));
    // The bus applies its loss and delay to the attacker's frames too.
    (void)d->attacker->send(kGatewayAddress, reinterpret_cast<const uint8_t *>(frame.constData()),
                            uint8_t(frame.size()));
    return {};
}

void SimulatedLink::setUplinkFilter(std::function<bool(const QByteArray &)> filter)
{
    d->uplinkFilter = std::move(filter);
}

Result<void> SimulatedLink::reportNow(quint8 nodeId)
{
    SimulatedNode *n = d->findNode(nodeId, false);
    if (!n)
        return fail(ErrorCode::InvalidArgument,
                    u"link %1: no simulated node has id %2"_s.arg(name()).arg(nodeId));
    n->reportDue = true;
    return {};
}

Result<void> SimulatedLink::setNodeEnabled(quint8 nodeId, bool enabled)
{
    SimulatedNode *n = d->findNode(nodeId, true);
    if (!n)
        return fail(ErrorCode::InvalidArgument,
                    u"link %1: no simulated node has id %2"_s.arg(name()).arg(nodeId));
    n->radio->setEnabled(enabled);
    return {};
}

QVariantMap SimulatedLink::busStatistics() const
{
    const auto &s = d->bus.stats();
    return {
            {u"sent"_s, quint64(s.sent)},
            {u"queued"_s, quint64(s.queued)},
            {u"lost"_s, quint64(s.lost)},
            {u"duplicated"_s, quint64(s.duplicated)},
            {u"unreachable"_s, quint64(s.unreachable)},
            {u"steps"_s, d->steps},
            {u"simulatedMs"_s, d->clock.now},
    };
}

} // namespace Warden::Internal
