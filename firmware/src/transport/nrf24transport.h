// MySensors frames over an nRF24L01+ (spec 10.14): channel 76, 250 kbps, 16-bit CRC, dynamic
// payload lengths, 5-byte addresses 'id FC E1 A8 A8' (least significant byte first: the node id
// replaces the base's first byte), auto-acknowledgement and retries for unicasts, broadcasts
// (id 255) sent once without one.
//
// Register-level driver, polled (no IRQ line): the node checks the RX FIFO on every poll and a
// send waits for the chip's TX_DS / MAX_RT verdict. Pipes:
//   0  the acknowledgement of a unicast being sent (enabled only while sending, or the node
//      would receive, and acknowledge, frames meant for its last destination)
//   1  broadcasts, id 255, no auto-ack (the spec's "broadcast uses ID 255 on pipe 1")
//   2  the node's own id, auto-ack (shares address bytes 1..4 with pipe 1); off while the node
//      has no id
// Portable: the SPI bus and the CE / CSN pins come through Nrf24Bus (AvrNrf24Bus on the AVR).
#pragma once

#include "hal.h"

namespace Warden {
namespace Firmware {

/// The wires to one nRF24L01+.
class Nrf24Bus
{
public:
    /// CSN: true selects the chip (pin low).
    virtual void select(bool on) = 0;
    virtual uint8_t transfer(uint8_t byte) = 0;
    /// CE: high lets the chip receive (PRIM_RX) or transmit its FIFO.
    virtual void setChipEnable(bool on) = 0;
    virtual void delayMicroseconds(uint16_t us) = 0;

protected:
    ~Nrf24Bus() = default;
};

/// Radio settings (spec 10.14 defaults).
struct Nrf24Settings
{
    uint8_t channel = 76; ///< 0..125
    uint8_t dataRate = 0; ///< 0 = 250 kbps, 1 = 1 Mbps, 2 = 2 Mbps
    uint8_t power = 3; ///< 0 = -18 dBm .. 3 = 0 dBm
    uint8_t retries = 15; ///< auto-retransmissions of an unacknowledged unicast, 0..15
    uint8_t retryDelay = 5; ///< (n + 1) x 250 us between them; 250 kbps needs 500 us at least
};

class Nrf24Transport final : public Transport
{
public:
    /// The address bytes after the node id (spec 10.14: base 00 FC E1 A8 A8).
    static constexpr uint8_t kBaseAddress[4] = {0xFC, 0xE1, 0xA8, 0xA8};
    static constexpr uint8_t kMaxPayload = 32;
    /// A send that has neither TX_DS nor MAX_RT after this long counts the radio as failed.
    static constexpr uint32_t kSendTimeoutMs = 100;

    // constexpr: a global transport (the sketches') is constant-initialised, 17 B of .data
    // instead of a store per member in a static constructor.
    constexpr Nrf24Transport(Nrf24Bus &bus, Clock &clock)
        : m_bus(bus)
        , m_clock(clock)
        , m_sent(0)
        , m_noAck(0)
        , m_dropped(0)
        , m_address(255) // broadcast until an id is set
        , m_config(0x0E) // CONFIG: EN_CRC | CRCO (CRC-16) | PWR_UP
        , m_lastRetries(0)
        , m_present(false)
        , m_lastBroadcast(false)
    { }

    /// Powers the radio up with @p settings and starts listening. False when no radio answers
    /// on the bus (a register written does not read back); send() and receive() then fail.
    bool begin(const Nrf24Settings &settings = Nrf24Settings());
    bool isPresent() const { return m_present; }
    /// Applies new settings to a running radio (the modem's Configure); false when a value is
    /// out of range or no radio is present.
    bool configure(const Nrf24Settings &settings);

    void setAddress(uint8_t address) override;
    /// Unicast: true when the next hop acknowledged within the retries. Broadcast: true once
    /// sent. False for a length of 0 or over 32, or no radio.
    bool send(uint8_t nextHop, const uint8_t *data, uint8_t length) override;
    uint8_t receive(uint8_t *buffer, uint8_t capacity) override;

    /// After receive(): the frame came on the broadcast pipe.
    bool lastWasBroadcast() const { return m_lastBroadcast; }
    /// After a unicast send(): retransmissions it took (ARC_CNT).
    uint8_t lastRetries() const { return m_lastRetries; }
    uint16_t sent() const { return m_sent; }
    uint16_t noAck() const { return m_noAck; }
    /// Frames thrown away: a corrupt length, or longer than the caller's buffer.
    uint16_t dropped() const { return m_dropped; }

private:
    uint8_t command(uint8_t command, const uint8_t *out, uint8_t *in, uint8_t length);
    /// A command without data bytes (flushes, NOP); returns the status byte.
    uint8_t strobe(uint8_t command);
    /// CE through one call site of the bus (six users).
    void chipEnable(bool on);
    uint8_t readRegister(uint8_t reg);
    void writeRegister(uint8_t reg, uint8_t value);
    void writeAddress(uint8_t reg, uint8_t id);
    void listen();
    bool applySettings(const Nrf24Settings &settings);

    Nrf24Bus &m_bus;
    Clock &m_clock;
    uint16_t m_sent;
    uint16_t m_noAck;
    uint16_t m_dropped;
    uint8_t m_address;
    uint8_t m_config; ///< CONFIG without PRIM_RX
    uint8_t m_lastRetries;
    bool m_present;
    bool m_lastBroadcast;
};

} // namespace Firmware
} // namespace Warden
