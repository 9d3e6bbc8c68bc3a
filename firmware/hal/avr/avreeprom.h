// The ATmega's own EEPROM through avr-libc. A write busy-waits for the previous one (3.4 ms
// each); eeprom_update_byte skips cells that already hold the value.
#pragma once

#if defined(__AVR__)

#include "hal.h"

namespace Warden {
namespace Firmware {

class AvrEeprom final : public Eeprom
{
public:
    constexpr AvrEeprom() { }

    /// Addresses past the end read as erased (0xFF) and are not written: the part's EEPROM
    /// wraps around, and a stray address must not overwrite the start of the layout.
    uint8_t read(uint16_t address) override;
    void write(uint16_t address, uint8_t value) override;
};

} // namespace Firmware
} // namespace Warden

#endif // __AVR__
