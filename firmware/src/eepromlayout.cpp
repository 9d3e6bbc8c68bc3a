#include "eepromlayout.h"

namespace Warden {
namespace Firmware {

void eepromRead(Eeprom &eeprom, uint16_t address, uint8_t *out, uint16_t length)
{
    for (uint16_t i = 0; i < length; ++i)
        out[i] = eeprom.read(uint16_t(address + i));
}

void eepromUpdate(Eeprom &eeprom, uint16_t address, const uint8_t *data, uint16_t length)
{
    for (uint16_t i = 0; i < length; ++i)
        eepromUpdate(eeprom, uint16_t(address + i), data[i]);
}

uint32_t eepromReadLe32(Eeprom &eeprom, uint16_t address)
{
    uint8_t b[4];
    eepromRead(eeprom, address, b, 4);
    return Protocol::readLe32(b);
}

void eepromUpdateLe32(Eeprom &eeprom, uint16_t address, uint32_t value)
{
    uint8_t b[4];
    Protocol::writeLe32(b, value);
    eepromUpdate(eeprom, address, b, 4);
}

uint8_t legacyChecksum(Eeprom &eeprom, Protocol::Sha256Compressor &sha)
{
    // Spec 7.2: note the order, key, AES key, serial, although the serial sits before the AES
    // key in the EEPROM. Hashed in small pieces so no secret lingers in a big stack buffer.
    Protocol::Sha256 hash(sha);
    uint8_t chunk[16];
    for (uint16_t i = 0; i < Protocol::kSigningKeySize; i += sizeof chunk) {
        eepromRead(eeprom, uint16_t(LegacyEeprom::kHmacKey + i), chunk, sizeof chunk);
        hash.update(chunk, sizeof chunk);
    }
    eepromRead(eeprom, LegacyEeprom::kAesKey, chunk, LegacyEeprom::kAesKeySize);
    hash.update(chunk, LegacyEeprom::kAesKeySize);
    eepromRead(eeprom, LegacyEeprom::kSerial, chunk, Protocol::kSerialSize);
    hash.update(chunk, Protocol::kSerialSize);
    uint8_t result = 0;
    hash.finish(&result, 1); // the checksum is the digest's first byte
    Protocol::secureZero(chunk, sizeof chunk);
    return result;
}

bool legacyChecksumValid(Eeprom &eeprom, Protocol::Sha256Compressor &sha)
{
    return eeprom.read(LegacyEeprom::kChecksum) == legacyChecksum(eeprom, sha);
}

void writeLegacyChecksum(Eeprom &eeprom, Protocol::Sha256Compressor &sha)
{
    eepromUpdate(eeprom, LegacyEeprom::kChecksum, legacyChecksum(eeprom, sha));
}

} // namespace Firmware
} // namespace Warden
