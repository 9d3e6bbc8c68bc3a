#include "avrnrf24bus.h"

#include "avrspi.h"

#include <util/delay.h>

namespace Warden {
namespace Firmware {

void AvrNrf24Bus::begin()
{
    m_chipEnable.write(false);
    m_chipEnable.setOutput();
    m_chipSelect.write(true);
    m_chipSelect.setOutput();
    AvrSpi::begin();
}

uint8_t AvrNrf24Bus::transfer(uint8_t byte)
{
    return AvrSpi::transfer(byte);
}

void AvrNrf24Bus::delayMicroseconds(uint16_t us)
{
    // _delay_us needs a constant: whole steps of 5 us (the driver waits 15 us and 5 ms).
    for (uint16_t i = 0; i < us; i += 5)
        _delay_us(5);
}

} // namespace Firmware
} // namespace Warden
