#include "rs485bustransport.h"

#include <string.h>

namespace Warden {
namespace Firmware {

namespace {

// Bytes taken from the line per pump: bounds one receive() on a flooded bus.
constexpr uint8_t kPumpBudget = 2 * Protocol::kRs485MaxFrameSize;

} // namespace

Rs485BusTransport::Rs485BusTransport(SerialPort &line, Clock &clock, uint8_t gapMs)
    : m_line(line)
    , m_clock(clock)
    , m_receiver(Protocol::kAutoAddress)
    , m_lastByteAt(0)
    , m_random(0)
    , m_errors(0)
    , m_dropped(0)
    , m_backoffs(0)
    , m_busyFailures(0)
    , m_gapResets(0)
    , m_head(0)
    , m_count(0)
    , m_address(Protocol::kAutoAddress)
    , m_gapMs(gapMs > 0 ? gapMs : 1)
    , m_sohCount(1)
    , m_heard(false)
{
    memset(m_queue, 0, sizeof m_queue);
    memset(m_lengths, 0, sizeof m_lengths);
}

void Rs485BusTransport::setAddress(uint8_t address)
{
    m_address = address;
    m_receiver.setOwnId(address);
}

void Rs485BusTransport::setSohCount(uint8_t count)
{
    if (count >= 1 && count <= Protocol::kRs485MaxSohCount)
        m_sohCount = count;
}

uint8_t Rs485BusTransport::random()
{
    // xorshift16, stirred with the clock: back-off needs spread between nodes, not secrecy.
    uint16_t x = uint16_t(m_random ^ uint16_t(m_clock.millis()) ^ uint16_t(m_address << 8));
    if (x == 0)
        x = 0xACE1;
    x ^= uint16_t(x << 7);
    x ^= uint16_t(x >> 9);
    x ^= uint16_t(x << 8);
    m_random = x;
    return uint8_t(x ^ (x >> 8));
}

void Rs485BusTransport::take(uint8_t byte)
{
    const Protocol::Rs485Receiver::Event event = m_receiver.feed(byte);
    if (event == Protocol::Rs485Receiver::Event::Error) {
        if (m_errors < 0xFFFF)
            ++m_errors;
        return;
    }
    if (event != Protocol::Rs485Receiver::Event::Frame)
        return;
    const Protocol::Rs485Frame &frame = m_receiver.frame();
    if (frame.length == 0 || frame.length > Protocol::kMaxMessageSize || m_count >= kQueueSize) {
        if (m_dropped < 0xFFFF)
            ++m_dropped;
        return;
    }
    const uint8_t slot = uint8_t((m_head + m_count) % kQueueSize);
    memcpy(m_queue[slot], frame.data, frame.length);
    m_lengths[slot] = frame.length;
    ++m_count;
}

bool Rs485BusTransport::pump(uint32_t now)
{
    bool any = false;
    for (uint8_t budget = 0; budget < kPumpBudget; ++budget) {
        const int c = m_line.read();
        if (c < 0)
            break;
        any = true;
        m_heard = true;
        m_lastByteAt = now;
        take(uint8_t(c));
    }
    return any;
}

void Rs485BusTransport::endStaleFrame(uint32_t now)
{
    if (!m_heard || uint32_t(now - m_lastByteAt) < m_gapMs)
        return;
    m_heard = false;
    // A frame is sent back to back, so after a silence whatever the receiver still holds is
    // broken. Bytes that can never be an SOH or an ETX break it at its ETX position at the
    // latest; the receiver then hunts through what it held, and any whole frame hidden inside
    // the broken one is delivered now instead of when the next traffic pushes it out.
    // Errors found this way are real: truncated frames that were addressed to this node.
    const uint16_t errors = m_errors;
    const uint8_t queued = m_count;
    for (uint8_t i = 0; i < Protocol::kRs485MaxFrameSize; ++i)
        take(0x00);
    m_receiver.reset();
    if ((m_errors != errors || m_count != queued) && m_gapResets < 0xFFFF)
        ++m_gapResets;
}

bool Rs485BusTransport::send(uint8_t nextHop, const uint8_t *data, uint8_t length)
{
    uint8_t frame[Protocol::kRs485MaxFrameSize];
    const size_t size = Protocol::rs485Encode(nextHop, m_address, data, length, frame, sizeof frame,
                                              m_sohCount);
    if (size == 0)
        return false;
    for (uint8_t round = 0; round < kMaxRounds; ++round) {
        uint32_t now = m_clock.millis();
        bool traffic = pump(now);
        const uint8_t wait = uint8_t(random() % (kMaxBackoffMs + 1));
        const uint32_t start = now;
        while (uint32_t(now - start) < wait) {
            traffic = pump(now) || traffic;
            now = m_clock.millis();
        }
        traffic = pump(now) || traffic;
        if (m_heard && uint32_t(now - m_lastByteAt) < kQuietMs)
            traffic = true;
        if (!traffic) {
            m_line.write(frame, uint16_t(size));
            return true;
        }
        if (m_backoffs < 0xFFFF)
            ++m_backoffs;
    }
    if (m_busyFailures < 0xFFFF)
        ++m_busyFailures;
    return false;
}

uint8_t Rs485BusTransport::receive(uint8_t *buffer, uint8_t capacity)
{
    const uint32_t now = m_clock.millis();
    pump(now);
    endStaleFrame(now);
    while (m_count > 0) {
        const uint8_t length = m_lengths[m_head];
        const uint8_t *data = m_queue[m_head];
        m_head = uint8_t((m_head + 1) % kQueueSize);
        --m_count;
        if (length > capacity) {
            if (m_dropped < 0xFFFF)
                ++m_dropped;
            continue;
        }
        memcpy(buffer, data, length);
        return length;
    }
    return 0;
}

} // namespace Firmware
} // namespace Warden
