#include "avreeprom.h"

#include <avr/eeprom.h>
#include <avr/io.h>

namespace Warden {
namespace Firmware {

static_assert(E2END + 1 >= kEepromSize, "the layout needs 1024 bytes of EEPROM");

uint8_t AvrEeprom::read(uint16_t address)
{
    if (address > E2END)
        return 0xFF;
    return eeprom_read_byte(reinterpret_cast<const uint8_t *>(address));
}

void AvrEeprom::write(uint16_t address, uint8_t value)
{
    if (address > E2END)
        return;
    eeprom_update_byte(reinterpret_cast<uint8_t *>(address), value);
}

} // namespace Firmware
} // namespace Warden
