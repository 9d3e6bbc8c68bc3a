// An in-process radio bus for simulated networks: any number of node endpoints and gateway
// endpoints, deterministic for a given seed, with configurable loss, delay, duplication and
// (through random delays) reordering. Time is whatever the Clock says, so a test or the
// engine's simulated-network plugin decides how fast the network runs.
//
// Single-threaded: the bus and its endpoints belong to one thread.
#pragma once

#include "hal.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <utility>
#include <vector>

namespace Warden {
namespace Firmware {
namespace Host {

/// How the bus treats frames. Probabilities are per frame and per receiver.
struct SimBusOptions
{
    uint64_t seed = 1;
    double loss = 0.0; ///< a unicast lost is reported as not acknowledged to its sender
    double duplication = 0.0; ///< a delivered frame arrives twice
    uint32_t minDelayMs = 0; ///< delivery delay, uniform in [minDelayMs, maxDelayMs]:
    uint32_t maxDelayMs = 0; ///< frames with different delays overtake each other
    /// Bits per second on the air; 0: frames take no air time. Otherwise the bus is one shared
    /// channel (nRF24L01+ framing, see SimBus::airTimeUs): a frame starts when the channel is
    /// free, occupies it for its air time (plus, unicast, the automatic acknowledgement) and
    /// reaches its receivers when its last bit is on the air.
    uint32_t bitRate = 0;
};

/// One frame as the bus saw it (for taps: sniffers, traffic views, tests).
struct SimFrame
{
    uint32_t sentAt = 0;
    uint8_t from = 0; ///< the sending endpoint's address
    uint8_t nextHop = 0; ///< 255 = broadcast
    bool delivered = false; ///< reached at least one endpoint
    std::vector<uint8_t> bytes;
};

class SimBusEndpoint;

class SimBus
{
public:
    explicit SimBus(Clock &clock, const SimBusOptions &options = {});
    ~SimBus();
    SimBus(const SimBus &) = delete;
    SimBus &operator=(const SimBus &) = delete;

    /// A new endpoint listening on @p address. It detaches itself when destroyed; the bus
    /// must outlive it.
    std::unique_ptr<SimBusEndpoint> connect(uint8_t address);

    void setOptions(const SimBusOptions &options);
    const SimBusOptions &options() const { return m_options; }

    /// Called for every frame sent, after the bus decided its fate.
    void setTap(std::function<void(const SimFrame &)> tap) { m_tap = std::move(tap); }

    struct Stats
    {
        uint64_t sent = 0; ///< frames handed to the bus
        uint64_t queued = 0; ///< copies queued for receivers (duplicates included)
        uint64_t lost = 0; ///< copies lost
        uint64_t duplicated = 0;
        uint64_t unreachable = 0; ///< unicasts to an address nobody listens on
    };
    const Stats &stats() const { return m_stats; }
    size_t endpointCount() const { return m_endpoints.size(); }
    uint32_t now() { return m_clock.millis(); }
    /// Microseconds an nRF24L01+ frame with @p payloadBytes holds the channel at @p bitRate:
    /// preamble 1 B, address 5 B, 9-bit packet control field, payload, CRC 2 B.
    static uint32_t airTimeUs(uint32_t bitRate, uint8_t payloadBytes);
    /// Microseconds of air time the channel carried so far (bitRate > 0).
    uint64_t busyUs() const { return m_busyUs; }

private:
    friend class SimBusEndpoint;
    bool send(SimBusEndpoint &from, uint8_t nextHop, const uint8_t *data, uint8_t length);
    void detach(SimBusEndpoint *endpoint);
    uint64_t random();
    bool chance(double probability);
    uint32_t delay();
    /// Takes the channel for a frame sent now; returns when its last bit is on the air (ms).
    uint32_t occupy(uint8_t length, bool unicast);

    Clock &m_clock;
    SimBusOptions m_options;
    uint64_t m_rng;
    uint64_t m_sequence = 0;
    std::vector<SimBusEndpoint *> m_endpoints;
    std::function<void(const SimFrame &)> m_tap;
    Stats m_stats;
    uint64_t m_channelFreeUs = 0; ///< on the clock's scale (ms x 1000)
    uint64_t m_busyUs = 0;
};

/// A node's or gateway's radio on the bus.
class SimBusEndpoint final : public Transport
{
public:
    ~SimBusEndpoint();
    SimBusEndpoint(const SimBusEndpoint &) = delete;
    SimBusEndpoint &operator=(const SimBusEndpoint &) = delete;

    void setAddress(uint8_t address) override { m_address = address; }
    uint8_t address() const { return m_address; }
    bool send(uint8_t nextHop, const uint8_t *data, uint8_t length) override;
    /// The next frame whose delivery time has come, oldest first.
    uint8_t receive(uint8_t *buffer, uint8_t capacity) override;
    /// Frames queued for this endpoint, due or not.
    size_t queued() const { return m_queue.size(); }
    /// A disabled endpoint neither sends nor receives (a node switched off or out of range).
    void setEnabled(bool enabled);
    bool isEnabled() const { return m_enabled; }

private:
    friend class SimBus;
    SimBusEndpoint(SimBus &bus, uint8_t address);

    SimBus *m_bus;
    uint8_t m_address;
    bool m_enabled = true;
    /// (delivery time, bus sequence) -> bytes: due frames come out in time order, and frames
    /// due at the same millisecond in the order they were sent.
    std::map<std::pair<uint32_t, uint64_t>, std::vector<uint8_t>> m_queue;
};

} // namespace Host
} // namespace Firmware
} // namespace Warden
