#include "avrrs485port.h"

#include <util/delay.h>

namespace Warden {
namespace Firmware {

void AvrRs485Port::begin(uint32_t baud)
{
    drive(false);
    m_driverEnable.setOutput();
    // While the transceiver drives the bus its receiver output floats (/RE tied to DE): the
    // pull-up on RXD (PD0) keeps the USART from reading noise as bytes.
    AvrPin(kAvrPortD, 0).setInput(true);
    AvrSerialPort::begin(baud);
}

void AvrRs485Port::write(const uint8_t *data, uint16_t length)
{
    if (length == 0)
        return;
    drive(true);
    _delay_us(5);
    m_serial.write(data, length);
    AvrSerialPort::flush();
    drive(false);
}

} // namespace Firmware
} // namespace Warden
