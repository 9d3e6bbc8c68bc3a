// MySensors RS485 (spec 9) on a shared bus: the framing of core/protocol (rs485Encode and the
// byte-wise Rs485Receiver) plus what a live multi-drop bus needs and a point-to-point serial
// line does not: collision avoidance with random back-off before each frame (spec 9.4), and
// an inter-byte gap rule so that a broken header cannot hide a frame behind it for long.
//
// Portable: it runs on any SerialPort. On the AVR that port is an AvrRs485Port, whose write()
// drives the transceiver's DE/RE pin around the bytes; the personalization session uses the
// same port, so its answers reach the bus too.
#pragma once

#include "hal.h"

#include <warden/protocol/rs485.h>

namespace Warden {
namespace Firmware {

class Rs485BusTransport final : public Transport
{
public:
    /// Back-off rounds before a send gives up (spec 9.4).
    static constexpr uint8_t kMaxRounds = 10;
    /// Each round waits a random 0..kMaxBackoffMs milliseconds.
    static constexpr uint8_t kMaxBackoffMs = 19;
    /// Frames held between receive() calls (one may arrive while send() backs off).
    static constexpr uint8_t kQueueSize = 2;

    /// A byte heard this recently means a frame may be on the wire: no transmission yet.
    static constexpr uint8_t kQuietMs = 2;

    /// @p gapMs: a silence this long ends whatever frame was in progress. Senders write a frame
    /// back to back, so a few byte times are enough on a real bus (5 ms is 5 bytes at 9600
    /// baud). A host whose own scheduling can pause it for longer (a pty to a simulator on a
    /// busy machine) gives more.
    Rs485BusTransport(SerialPort &line, Clock &clock, uint8_t gapMs = 5);

    void setAddress(uint8_t address) override;
    /// Waits for a quiet bus (random back-off, at most kMaxRounds rounds of 0..19 ms, while
    /// receiving what passes) and writes the frame. True once written: RS485 has no link-level
    /// acknowledgement. False when the bus never went quiet or @p length exceeds 39.
    bool send(uint8_t nextHop, const uint8_t *data, uint8_t length) override;
    uint8_t receive(uint8_t *buffer, uint8_t capacity) override;

    /// Leading SOH bytes of sent frames, 1..3 (MY_RS485_SOH_COUNT; 1 is the default).
    void setSohCount(uint8_t count);

    /// Broken frames that passed the address filter (bad checksum, no EOT, ...).
    uint16_t errors() const { return m_errors; }
    /// Frames lost: the queue was full, or longer than a MySensors message.
    uint16_t dropped() const { return m_dropped; }
    /// Rounds in which the bus showed traffic and the sender backed off.
    uint16_t backoffs() const { return m_backoffs; }
    /// Sends that gave up after kMaxRounds busy rounds.
    uint16_t busyFailures() const { return m_busyFailures; }
    /// Silences that ended a frame in progress.
    uint16_t gapResets() const { return m_gapResets; }

private:
    bool pump(uint32_t now);
    void take(uint8_t byte);
    void endStaleFrame(uint32_t now);
    uint8_t random();

    SerialPort &m_line;
    Clock &m_clock;
    Protocol::Rs485Receiver m_receiver;
    uint8_t m_queue[kQueueSize][Protocol::kMaxMessageSize];
    uint8_t m_lengths[kQueueSize];
    uint32_t m_lastByteAt;
    uint16_t m_random;
    uint16_t m_errors;
    uint16_t m_dropped;
    uint16_t m_backoffs;
    uint16_t m_busyFailures;
    uint16_t m_gapResets;
    uint8_t m_head;
    uint8_t m_count;
    uint8_t m_address;
    uint8_t m_gapMs;
    uint8_t m_sohCount;
    bool m_heard; ///< bytes went into the receiver since the last silence
};

} // namespace Firmware
} // namespace Warden
