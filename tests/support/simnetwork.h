// The simulated radio network as a Link, for tests that run real host-build firmware nodes
// behind the Engine: address 0 of the bus is the engine, every node is a SecureNode, statically
// numbered, personalized with a serial, the network key of epoch 1, a signing policy and the
// gateway's serial, and (a Warden node) a management key with the management channel handler.
// A node's EEPROM is in RAM, or in a file that outlives the process (kill tests).
#pragma once

#include <warden/link.h>
#include <warden/protocol/management.h>
#include <warden/protocol/message.h>
#include <warden/signer.h>

#include <eepromlayout.h>
#include <hostclock.h>
#include <hosteeprom.h>
#include <managementhandler.h>
#include <securenode.h>
#include <simbus.h>
#include <wardenstore.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QString>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace WardenTest {

using Warden::Protocol::Message;
namespace Fw = Warden::Firmware;
namespace Host = Warden::Firmware::Host;

constexpr quint32 kTickMs = 5;
/// nRF24L01+ on the air at 250 kbit/s: preamble 1 B, address 5 B, 9-bit packet control field,
/// a full 32-byte payload, CRC 2 B = 329 bits.
constexpr double kAirTimeMs = (8.0 * (1 + 5 + 32 + 2) + 9) / 250.0;
/// The bus is one shared channel at the nRF24's 250 kbit/s: a frame holds it for its air time
/// (its real length, plus settling and the automatic acknowledgement of a unicast).
constexpr uint32_t kBitRate = 250000;

inline QByteArray filled(int first, int n = 32)
{
    QByteArray out(n, 0);
    for (int i = 0; i < n; ++i)
        out[i] = char(first + i);
    return out;
}

inline const uint8_t *u8(const QByteArray &b)
{
    return reinterpret_cast<const uint8_t *>(b.constData());
}

inline QByteArray gatewaySerial()
{
    return QByteArray::fromHex("0123456789ABCDEF00");
}

inline QByteArray serialOf(int id)
{
    return QByteArray::fromHex("5E00000000000000") + char(id);
}

inline QByteArray managementKeyOf(int id)
{
    return filled(0x40 + id);
}

/// What one node starts as.
struct SimNodeSpec
{
    quint8 id = 0;
    bool warden = true; ///< false: a stock node (no management key, no management channel)
    std::string eepromFile; ///< empty: RAM
};

class SimNetwork : public Warden::Link
{
public:
    struct Node
    {
        Node(Host::SimBus &bus, Host::ManualClock &clock, quint64 seed,
             std::unique_ptr<Host::RamEeprom> inRam, std::unique_ptr<Host::FileEeprom> inFile)
            : ram(std::move(inRam))
            , file(std::move(inFile))
            , eeprom(file ? static_cast<Fw::Eeprom *>(file.get()) : ram.get())
            , entropy(seed)
            , radio(bus.connect(Warden::Protocol::kAutoAddress))
            , hal {*eeprom, clock, entropy, *radio, nullptr, board}
            , handler(Warden::Signer::hostSha256())
        { }
        std::unique_ptr<Host::RamEeprom> ram;
        std::unique_ptr<Host::FileEeprom> file;
        Fw::Eeprom *eeprom;
        Host::SeededEntropy entropy;
        Host::HostBoard board;
        std::unique_ptr<Host::SimBusEndpoint> radio;
        Fw::Hal hal;
        Fw::NodeConfig config;
        Fw::ManagementChannelHandler handler;
        std::unique_ptr<Fw::SecureNode> node;
        std::vector<Message> delivered; ///< C_SET frames the node accepted
        quint8 id = 0;
        bool warden = true;
    };

    /// @p personalize: write the initial state (a fresh network); false: the EEPROM files
    /// already hold the nodes' state (a restart after a kill). @p bitRate: air time on the
    /// shared channel from the start (SimBusOptions::bitRate; 0: none; the figures: kBitRate).
    SimNetwork(const std::vector<SimNodeSpec> &nodes, const QByteArray &networkKey, quint8 policy,
               quint64 seed, bool personalize = true, quint32 bitRate = 0)
        : Link(Warden::LinkConfiguration {QStringLiteral("sim-bus"), QStringLiteral("bus"), {}},
               Warden::LinkFraming::RadioFrames)
        , m_bus(m_clock, Host::SimBusOptions {seed, 0.0, 0.0, 0, 0, bitRate})
        , m_gateway(m_bus.connect(0))
    {
        m_bus.setTap([this](const Host::SimFrame &f) {
            ++m_frames;
            Message m;
            if (Message::decode(f.bytes.data(), f.bytes.size(), m)
                != Warden::Protocol::DecodeError::None)
                return;
            if (m.command() == Warden::Protocol::Command::Stream
                && m.type() == Warden::Protocol::kManagementRequestType)
                ++m_requestFrames;
            else if (m.command() == Warden::Protocol::Command::Stream
                     && m.type() == Warden::Protocol::kManagementAckType)
                ++m_ackFrames;
            else if (m.command() == Warden::Protocol::Command::Internal
                     && m.type() == uint8_t(Warden::Protocol::Internal::NonceRequest))
                ++m_nonceRequests;
            else if (m.command() == Warden::Protocol::Command::Internal
                     && m.type() == uint8_t(Warden::Protocol::Internal::NonceResponse))
                ++m_nonceResponses;
        });
        for (const SimNodeSpec &spec : nodes)
            addNode(spec, networkKey, policy, seed * 1000 + spec.id, personalize);
    }

    void addNode(const SimNodeSpec &spec, const QByteArray &networkKey, quint8 policy, quint64 seed,
                 bool personalize)
    {
        std::unique_ptr<Host::RamEeprom> ram;
        std::unique_ptr<Host::FileEeprom> file;
        if (spec.eepromFile.empty()) {
            ram = std::make_unique<Host::RamEeprom>();
        } else {
            std::string error;
            file = Host::FileEeprom::open(spec.eepromFile, &error);
            if (!file)
                qFatal("eeprom %s: %s", spec.eepromFile.c_str(), error.c_str());
        }
        auto n = std::make_unique<Node>(m_bus, m_clock, seed, std::move(ram), std::move(file));
        n->id = spec.id;
        n->warden = spec.warden;
        n->config.staticNodeId = spec.id;
        n->config.personalizationWindowMs = 0;
        n->config.heartbeatIntervalMs = 15000; // heard now and then, as sensors are
        n->config.requireSignatures = (policy & Fw::PolicyFlag::kRequireSignatures) != 0;
        n->config.requireWhitelisting = (policy & Fw::PolicyFlag::kRequireWhitelisting) != 0;
        if (personalize) {
            Fw::WardenState state;
            state.flags = Fw::SlotFlag::kSerial | Fw::SlotFlag::kPolicy | Fw::SlotFlag::kNetworkKey;
            if (spec.warden)
                state.flags |= Fw::SlotFlag::kManagementKey;
            state.policy = policy;
            std::memcpy(state.serial, serialOf(spec.id).constData(), 9);
            std::memcpy(state.key(Fw::KeySlot::Network), networkKey.constData(), 32);
            if (spec.warden)
                std::memcpy(state.key(Fw::KeySlot::Management),
                            managementKeyOf(spec.id).constData(), 32);
            state.activeEpoch = 1;
            state.whitelistCount = 1;
            state.whitelist[0].nodeId = 0;
            std::memcpy(state.whitelist[0].serial, gatewaySerial().constData(), 9);
            Fw::WardenStore store(*n->eeprom, Warden::Signer::hostSha256());
            store.load();
            if (store.commit(state) != Fw::StoreStatus::Ok)
                qFatal("node %d not personalized", spec.id);
        }
        n->node = std::make_unique<Fw::SecureNode>(n->hal, Warden::Signer::hostSha256(), n->config);
        if (spec.warden)
            n->node->setManagementHandler(&n->handler);
        n->node->setReceiveHandler(
                [](void *context, const Message &m) {
                    auto *self = static_cast<Node *>(context);
                    if (m.command() == Warden::Protocol::Command::Set)
                        self->delivered.push_back(m);
                },
                n.get());
        n->node->begin();
        m_nodes.push_back(std::move(n));
    }

    void setLoss(double loss)
    {
        Host::SimBusOptions o = m_bus.options();
        o.loss = loss;
        m_bus.setOptions(o);
    }

    quint32 millis() { return m_clock.millis(); }
    Node &node(quint8 id)
    {
        for (auto &n : m_nodes) {
            if (n->id == id)
                return *n;
        }
        qFatal("no node %d", id);
    }
    QList<quint8> ids() const
    {
        QList<quint8> out;
        for (const auto &n : m_nodes)
            out << n->id;
        return out;
    }
    bool allReady() const
    {
        return std::all_of(m_nodes.begin(), m_nodes.end(),
                           [](const auto &n) { return n->node->isReady(); });
    }

    /// Every node sends a signed value this often (0: never), as sensors do.
    void setValueInterval(quint32 ms) { m_valueIntervalMs = ms; }

    void step()
    {
        m_clock.advance(kTickMs);
        for (auto &n : m_nodes) {
            n->node->poll(m_clock.millis());
            if (m_valueIntervalMs > 0 && n->node->isReady() && !n->node->isSending()
                && (m_clock.millis() + n->id * 97u) % m_valueIntervalMs < kTickMs)
                n->node->sendByte(1, 2, 1); // V_STATUS of child 1
        }
        uint8_t buffer[Warden::Protocol::kMaxMessageSize];
        for (;;) {
            const uint8_t length = m_gateway->receive(buffer, sizeof buffer);
            if (length == 0)
                break;
            Message m;
            const bool decoded
                    = Message::decode(buffer, length, m) == Warden::Protocol::DecodeError::None;
            if (decoded && uplinkFilter && !uplinkFilter(m))
                continue;
            deliverUnit(QByteArray(reinterpret_cast<const char *>(buffer), length));
        }
    }

    /// The nodes alone, without anyone driving a gateway (the daemon is down).
    void run(quint32 ms)
    {
        const quint32 end = m_clock.millis() + ms;
        while (m_clock.millis() < end)
            step();
    }

    /// Another radio on the bus (a node or an attacker the test plays by hand).
    std::unique_ptr<Host::SimBusEndpoint> connect(quint8 address) { return m_bus.connect(address); }
    /// A frame as if it came from the air to the gateway.
    void inject(const Message &m)
    {
        deliverUnit(QByteArray(reinterpret_cast<const char *>(m.data()), qsizetype(m.size())));
    }
    /// A frame from the gateway's radio, bypassing the engine (a forged 'gateway').
    void transmitRaw(const Message &m)
    {
        m_gateway->send(m.destination(), m.data(), uint8_t(m.size()));
    }

    /// The node's committed store image.
    Fw::WardenState stored(quint8 id)
    {
        Fw::WardenStore store(*node(id).eeprom, Warden::Signer::hostSha256());
        store.load();
        Fw::WardenState s;
        store.read(s);
        return s;
    }
    /// Re-personalizes a node over "USB": the network key of @p epoch becomes its active key.
    void usbRekey(quint8 id, const QByteArray &key, quint16 epoch)
    {
        Fw::WardenStore store(*node(id).eeprom, Warden::Signer::hostSha256());
        store.load();
        Fw::WardenState s;
        store.read(s);
        std::memcpy(s.key(Fw::KeySlot::Network), key.constData(), 32);
        s.activeEpoch = epoch;
        if (store.commit(s) != Fw::StoreStatus::Ok)
            qFatal("usb re-key of node %d failed", id);
        node(id).node->reloadSecurity();
    }

    /// Microseconds the shared channel was busy so far.
    quint64 channelBusyUs() const { return m_bus.busyUs(); }
    quint64 frames() const { return m_frames; }
    quint64 requestFrames() const { return m_requestFrames; }
    quint64 ackFrames() const { return m_ackFrames; }
    quint64 nonceRequests() const { return m_nonceRequests; }
    quint64 nonceResponses() const { return m_nonceResponses; }
    /// Sees every frame on its way to the gateway; false drops it.
    std::function<bool(const Message &)> uplinkFilter;
    /// Sees every frame the gateway transmits; false drops it (lost on the air).
    std::function<bool(const Message &)> downlinkFilter;
    /// Node @p id out of range (or back): nothing it sends reaches the gateway and nothing the
    /// gateway sends reaches it. (Only losing its answers is not "away": unsigned management
    /// needs no round trip, so such a node still applies what it is sent.)
    void setAway(quint8 id, bool away)
    {
        if (!away) {
            uplinkFilter = nullptr;
            downlinkFilter = nullptr;
            return;
        }
        uplinkFilter = [id](const Message &m) { return m.sender() != id; };
        downlinkFilter = [id](const Message &m) { return m.destination() != id; };
    }

protected:
    void openTransport() override { transportConnected(); }
    void closeTransport() override { }
    bool writeUnit(const QByteArray &unit) override
    {
        Message m;
        if (Message::decode(u8(unit), size_t(unit.size()), m)
            != Warden::Protocol::DecodeError::None)
            return true;
        if (downlinkFilter && !downlinkFilter(m))
            return true;
        m_gateway->send(m.destination(), u8(unit), uint8_t(unit.size()));
        return true;
    }

private:
    Host::ManualClock m_clock;
    Host::SimBus m_bus;
    std::unique_ptr<Host::SimBusEndpoint> m_gateway;
    std::vector<std::unique_ptr<Node>> m_nodes;
    quint32 m_valueIntervalMs = 0;
    quint64 m_frames = 0;
    quint64 m_requestFrames = 0;
    quint64 m_ackFrames = 0;
    quint64 m_nonceRequests = 0;
    quint64 m_nonceResponses = 0;
};

} // namespace WardenTest
