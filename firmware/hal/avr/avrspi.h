// The ATmega's SPI in master mode, polled: a byte at 8 MHz takes 16 cycles, less than an
// interrupt would cost. SS (PB2) is made an output, as master mode requires (an input SS
// pulled low would switch the SPI to slave mode); chip selects are the devices' own pins.
// PB2..PB5 on the ATmega328P family, PB4..PB7 on the 1284P family.
#pragma once

#if defined(__AVR__)

#include <stdint.h>

namespace Warden {
namespace Firmware {

class AvrSpi
{
public:
    /// Mode 0, MSB first, at F_CPU / 2 (8 MHz at 16 MHz: the nRF24L01+ takes up to 10 MHz).
    static void begin();
    static uint8_t transfer(uint8_t byte);
};

} // namespace Firmware
} // namespace Warden

#endif // __AVR__
