// USART0 wired to an RS485 transceiver (MAX485 and the like): reading is plain USART input;
// writing drives the transceiver's DE (and, tied to it, /RE) pin high 5 us before the first
// byte and releases it once the last byte has left the shift register, so the node occupies the
// bus only while it talks (spec 9.1). Both Rs485BusTransport and the personalization session
// write through it.
#pragma once

#if defined(__AVR__)

#include "avrpin.h"
#include "avrserial.h"

namespace Warden {
namespace Firmware {

class AvrRs485Port final : public SerialPort
{
public:
    /// @p driverEnable: the DE/RE pin, active high unless @p activeLow (MY_RS485_DE_INVERSE).
    constexpr AvrRs485Port(AvrPin driverEnable, bool activeLow = false)
        : m_driverEnable(driverEnable)
        , m_activeLow(activeLow)
    { }

    /// Starts USART0 at @p baud (9600 is MySensors' MY_RS485_BAUD_RATE) with the driver off.
    void begin(uint32_t baud);
    int read() override { return m_serial.read(); }
    /// Blocks until the bytes are on the bus: the driver is released only after the last one.
    void write(const uint8_t *data, uint16_t length) override;

private:
    void drive(bool on) const { m_driverEnable.write(on != m_activeLow); }

    AvrSerialPort m_serial;
    AvrPin m_driverEnable;
    bool m_activeLow;
};

} // namespace Firmware
} // namespace Warden

#endif // __AVR__
