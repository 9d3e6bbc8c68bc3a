// The simulated network: a Link whose far side is a simulated radio bus with host-build Warden
// firmware nodes (the very node stack the ATmega328P runs). The link is the bus endpoint at
// address 0, so the engine in host-gateway mode is these nodes' gateway: the units it receives
// are the frames nodes send to the gateway (and broadcasts), the units it sends go onto the bus.
//
// Time is simulated: a QTimer moves the simulated clock in steps of tickMs, timeScale times as
// fast as real time; timeScale 0 stops the timer and leaves the clock to advance() (tests). The
// engine should use simulatedMillis() as its clock, so that nonce windows are measured in the
// same time as the nodes'.
//
// The keys are derived from the seed (or networkKeyHex): a demonstration network, not a place
// for real secrets. A node given a management key (managementKeysHex, as a personalization
// station would write it) is a Warden node: it runs the management channel, so a gateway that
// holds the same key and the node's serial (serialsHex()) re-keys and configures it over the
// air. Everything lives in the link object; several simulated links in one process are
// independent.
#pragma once

#include <warden/link.h>
#include <warden/secretbytes.h>

#include <QtCore/QList>
#include <QtCore/QStringList>

#include <functional>
#include <memory>

namespace Warden::Internal {

class SimulatedNetwork;

/// The parsed settings of a simulated link (SimulatedLink::parseSettings).
struct SimulatedSettings
{
    enum class KeyMode : quint8 {
        Network, ///< every node signs with the one network key (epoch 1)
        PerNode, ///< every node has its own link key
    };

    int nodes = 5;
    quint64 seed = 1;
    double loss = 0.0;
    double duplication = 0.0;
    int minDelayMs = 0;
    int maxDelayMs = 0;
    /// Bits per second on the shared channel (an nRF24L01+ runs 250000, 1000000 or 2000000):
    /// a frame holds the channel for its air time and arrives when its last bit is sent. 0 (the
    /// default, as before the setting existed): frames take no air time.
    int bitRate = 0;
    int tickMs = 10;
    double timeScale = 1.0; ///< 0: the clock moves only through advance()
    KeyMode keyMode = KeyMode::Network;
    SecretBytes networkKey; ///< from networkKeyHex, else derived from the seed
    /// From managementKeysHex: node index i gets entry i as its management key (and runs the
    /// management channel); nodes past the end have none (stock-like: re-keyed only by hand).
    QList<SecretBytes> managementKeys;
    /// From linkKeysHex (per-node key mode only): node index i signs with entry i; nodes past
    /// the end with a link key derived from the seed.
    QList<SecretBytes> linkKeys;
    bool whitelisting = false; ///< nodes require salted signatures from the gateway
    QStringList sketches; ///< assigned to the nodes in turn
    int reportIntervalMs = 5000; ///< each node reports its value this often; 0 = only reportNow()
    /// 0: the nodes ask the gateway for ids. Otherwise node i boots with id firstNodeId + i
    /// already in its EEPROM, as a node that joined in an earlier session would, so a network
    /// started again shows the same nodes.
    int firstNodeId = 0;
};

/// What the simulation gave one node: what an engine needs to be its gateway.
struct SimulatedNodeInfo
{
    int index = 0; ///< 0..nodes-1 for the network's nodes; clones come after them
    quint8 nodeId = 0; ///< assigned by the gateway; 0 until then
    QString sketch;
    QByteArray serial; ///< 9 bytes
    SecretBytes linkKey; ///< per-node key mode only; empty otherwise
    bool management = false; ///< runs the management channel (has a management key)
    bool stolen = false; ///< a clone made by stealNode()
    bool taken = false; ///< the original of a stolen node: off the network since
    bool ready = false;
};

class SimulatedLink : public Link
{
    Q_OBJECT

public:
    /// The sketch types nodes can run.
    static QStringList sketchTypes();
    static QVariantMap defaultSettings();
    /// Checks @p settings: an unknown key or a bad value is an error naming the key (never the
    /// value of networkKeyHex).
    static Result<SimulatedSettings> parseSettings(const QString &linkName,
                                                   const QVariantMap &settings);

    SimulatedLink(LinkConfiguration configuration, SimulatedSettings settings,
                  QObject *parent = nullptr);
    ~SimulatedLink() override;

    // --- what the engine needs ----------------------------------------------------------------

    /// The network key of epoch 1 (empty in per-node key mode).
    SecretBytes networkKey() const;
    bool perNodeKeys() const;
    /// The gateway serial the nodes whitelist when whitelisting is on (9 bytes).
    QByteArray gatewaySerial() const;
    /// The same as 18 hex digits, for callers that reach the link through Qt's meta-object
    /// system only (the console loads this transport as a module): not a secret.
    Q_INVOKABLE QString gatewaySerialHex() const;
    /// The serials of the network's nodes (not clones) as 18 hex digits, by node index: what
    /// a gateway records when it takes the nodes over (key store, inventory). Not secret.
    Q_INVOKABLE QStringList serialsHex() const;
    /// Every node (clones included), with its id once it has one.
    QList<SimulatedNodeInfo> nodes() const;
    SimulatedNodeInfo node(int index) const;
    /// The ids of the network's own nodes that have joined (clones are not listed).
    QList<quint8> nodeIds() const;
    /// Network nodes (not clones) that are joined and presented.
    int readyCount() const;

    // --- time ---------------------------------------------------------------------------------

    /// The simulated clock in milliseconds: the engine's clock (Engine::setClock).
    quint32 simulatedMillis() const;
    void setTimeScale(double scale);
    double timeScale() const;
    /// Runs @p ms of simulated time now (in steps of tickMs), whatever the time scale.
    void advance(quint32 ms);
    /// Runs up to @p maxMs of simulated time, stopping as soon as @p until is true (checked
    /// after each step). Returns whether it became true.
    bool advanceUntil(quint32 maxMs, const std::function<bool()> &until);

    // --- attacks and control ------------------------------------------------------------------

    /// A stolen node: node @p nodeId leaves the network and a clone of its EEPROM (same id,
    /// serial and key) on its own radio reports attacker values. With @p forgeKey the node
    /// stays and the clone signs with a wrong key instead (a forger that knows id and serial
    /// only, which are on the air). Returns the clone's index.
    Result<int> stealNode(quint8 nodeId, bool forgeKey = false);
    /// An attacker's radio sends @p frame (7..32 bytes, any content) to the gateway.
    Result<void> injectFrame(const QByteArray &frame);
    /// Sees every frame on its way from the bus to the gateway; returning false keeps it from
    /// the gateway (a jammer that records). Null removes the filter.
    void setUplinkFilter(std::function<bool(const QByteArray &frame)> filter);
    /// Node @p nodeId (a network node, not a clone) reports its value at the next step.
    Result<void> reportNow(quint8 nodeId);
    /// Switches a node's radio off or on (out of range, battery removed).
    Result<void> setNodeEnabled(quint8 nodeId, bool enabled);

    /// Bus counters: sent, queued, lost, duplicated, unreachable, plus steps and now.
    QVariantMap busStatistics() const;

Q_SIGNALS:
    /// Node @p index adopted id @p nodeId (emitted synchronously, before it sends anything
    /// signed: give the engine its key and serial from here). Not emitted for clones.
    void nodeJoined(int index, quint8 nodeId);
    /// Node @p nodeId accepted @p frame from the network (verified where it requires it).
    void nodeReceived(quint8 nodeId, const QByteArray &frame);

protected:
    void openTransport() override;
    void closeTransport() override;
    bool writeUnit(const QByteArray &unit) override;

private:
    friend class SimulatedNetwork;
    std::unique_ptr<SimulatedNetwork> d;
};

} // namespace Warden::Internal
