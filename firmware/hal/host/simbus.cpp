#include "simbus.h"

#include <algorithm>

namespace Warden {
namespace Firmware {
namespace Host {

SimBus::SimBus(Clock &clock, const SimBusOptions &options)
    : m_clock(clock)
    , m_options(options)
    , m_rng(options.seed)
{ }

SimBus::~SimBus()
{
    // Endpoints that outlive the bus must not call back into it.
    for (SimBusEndpoint *endpoint : m_endpoints)
        endpoint->m_bus = nullptr;
}

std::unique_ptr<SimBusEndpoint> SimBus::connect(uint8_t address)
{
    std::unique_ptr<SimBusEndpoint> endpoint(new SimBusEndpoint(*this, address));
    m_endpoints.push_back(endpoint.get());
    return endpoint;
}

void SimBus::setOptions(const SimBusOptions &options)
{
    m_options = options;
    m_rng = options.seed;
}

void SimBus::detach(SimBusEndpoint *endpoint)
{
    m_endpoints.erase(std::remove(m_endpoints.begin(), m_endpoints.end(), endpoint),
                      m_endpoints.end());
}

uint64_t SimBus::random()
{
    // SplitMix64: the same sequence on every platform for the same seed.
    uint64_t z = (m_rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

bool SimBus::chance(double probability)
{
    if (probability <= 0.0)
        return false;
    return double(random() >> 11) * 0x1.0p-53 < probability;
}

uint32_t SimBus::delay()
{
    if (m_options.maxDelayMs <= m_options.minDelayMs)
        return m_options.minDelayMs;
    return m_options.minDelayMs
           + uint32_t(random() % (uint64_t(m_options.maxDelayMs - m_options.minDelayMs) + 1));
}

uint32_t SimBus::airTimeUs(uint32_t bitRate, uint8_t payloadBytes)
{
    if (bitRate == 0)
        return 0;
    const uint64_t bits = 8u * (1u + 5u + uint32_t(payloadBytes) + 2u) + 9u;
    return uint32_t((bits * 1000000u + bitRate - 1) / bitRate);
}

uint32_t SimBus::occupy(uint8_t length, bool unicast)
{
    const uint32_t now = m_clock.millis();
    if (m_options.bitRate == 0)
        return now;
    // nRF24L01+ datasheet: 130 us from standby to TX (and from TX to RX for the acknowledgement,
    // an empty packet the receiver sends back). The sender's retransmissions are the loss
    // model's business: each send() is one frame on the air.
    constexpr uint32_t kSettleUs = 130;
    const uint64_t nowUs = uint64_t(now) * 1000u;
    const uint64_t start = m_channelFreeUs > nowUs ? m_channelFreeUs : nowUs;
    const uint64_t end = start + kSettleUs + airTimeUs(m_options.bitRate, length);
    m_channelFreeUs = unicast ? end + kSettleUs + airTimeUs(m_options.bitRate, 0) : end;
    m_busyUs += m_channelFreeUs - start;
    // Whole milliseconds on the clock's scale, rounded up: never before the last bit.
    return now + uint32_t((end - nowUs + 999u) / 1000u);
}

bool SimBus::send(SimBusEndpoint &from, uint8_t nextHop, const uint8_t *data, uint8_t length)
{
    ++m_stats.sent;
    const uint32_t now = m_clock.millis();
    const uint32_t onAir = occupy(length, nextHop != 255);
    SimFrame frame;
    frame.sentAt = now;
    frame.from = from.m_address;
    frame.nextHop = nextHop;
    frame.bytes.assign(data, data + length);

    bool delivered = false;
    bool anyListener = false;
    for (SimBusEndpoint *to : m_endpoints) {
        if (to == &from || !to->m_enabled)
            continue;
        if (nextHop != 255 && to->m_address != nextHop)
            continue;
        anyListener = true;
        if (chance(m_options.loss)) {
            ++m_stats.lost;
            continue;
        }
        delivered = true;
        const int copies = chance(m_options.duplication) ? 2 : 1;
        if (copies == 2)
            ++m_stats.duplicated;
        for (int c = 0; c < copies; ++c) {
            to->m_queue.emplace(std::make_pair(onAir + delay() + uint32_t(c), m_sequence++),
                                frame.bytes);
            ++m_stats.queued;
        }
    }
    if (nextHop != 255 && !anyListener)
        ++m_stats.unreachable;
    frame.delivered = delivered;
    if (m_tap)
        m_tap(frame);
    // A broadcast is never acknowledged, so it always "went out".
    return nextHop == 255 || delivered;
}

SimBusEndpoint::SimBusEndpoint(SimBus &bus, uint8_t address)
    : m_bus(&bus)
    , m_address(address)
{ }

SimBusEndpoint::~SimBusEndpoint()
{
    if (m_bus)
        m_bus->detach(this);
}

bool SimBusEndpoint::send(uint8_t nextHop, const uint8_t *data, uint8_t length)
{
    if (!m_bus || !m_enabled)
        return false;
    return m_bus->send(*this, nextHop, data, length);
}

uint8_t SimBusEndpoint::receive(uint8_t *buffer, uint8_t capacity)
{
    if (!m_bus || m_queue.empty())
        return 0;
    const uint32_t now = m_bus->now();
    while (!m_queue.empty()) {
        auto first = m_queue.begin();
        // Due when its time is not in the future (unsigned difference: wrap-safe).
        if (int32_t(now - first->first.first) < 0)
            return 0;
        std::vector<uint8_t> bytes = std::move(first->second);
        m_queue.erase(first);
        if (bytes.size() <= capacity && !bytes.empty()) {
            std::copy(bytes.begin(), bytes.end(), buffer);
            return uint8_t(bytes.size());
        }
        // Too long for the receiver: a real radio would not deliver it either.
    }
    return 0;
}

void SimBusEndpoint::setEnabled(bool enabled)
{
    m_enabled = enabled;
    if (!enabled)
        m_queue.clear();
}

} // namespace Host
} // namespace Firmware
} // namespace Warden
