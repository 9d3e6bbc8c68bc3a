// USART0 with interrupt-driven receive and transmit ring buffers. Receiving never blocks and
// never loses a byte while the ring has room (a signature takes ~17 ms of CPU, during which a
// 9600 baud line brings 17 bytes); write() blocks only while the transmit ring is full.
// Ring sizes are powers of two up to 128, set with WARDEN_AVR_SERIAL_RX_SIZE / _TX_SIZE.
#pragma once

#if defined(__AVR__)

#include "hal.h"

#ifndef WARDEN_AVR_SERIAL_RX_SIZE
#define WARDEN_AVR_SERIAL_RX_SIZE 64
#endif
#ifndef WARDEN_AVR_SERIAL_TX_SIZE
#define WARDEN_AVR_SERIAL_TX_SIZE 64
#endif

namespace Warden {
namespace Firmware {

class AvrSerialPort final : public SerialPort
{
public:
    constexpr AvrSerialPort() { }

    /// 8N1 at @p baud (double speed: 115200 is 2.1 % off at 16 MHz, 9600 0.2 %), receiver and
    /// transmitter on, rings emptied. Interrupts must be enabled by the board.
    static void begin(uint32_t baud);

    int read() override;
    /// Queues @p length bytes, waiting for room in the ring when it is full. With interrupts
    /// off (never the case in a sketch) it writes the data register directly instead.
    void write(const uint8_t *data, uint16_t length) override;

    /// Bytes waiting in the receive ring.
    static uint8_t available();
    /// Waits until every queued byte has left the shift register (the RS485 driver enable may
    /// then be released).
    static void flush();
    /// Bytes lost because the receive ring was full, or overrun in the hardware (saturating).
    static uint16_t receiveLosses();
};

} // namespace Firmware
} // namespace Warden

#endif // __AVR__
