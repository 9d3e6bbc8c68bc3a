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
    // key in the EEPROM. Hashed a byte at a time, so no secret lingers in a stack buffer.
    constexpr uint8_t kKeyEnd = Protocol::kSigningKeySize;
    constexpr uint8_t kAesEnd = kKeyEnd + LegacyEeprom::kAesKeySize;
    constexpr uint8_t kEnd = kAesEnd + Protocol::kSerialSize;
    Protocol::Sha256 hash(sha);
    uint8_t byte = 0;
    for (uint8_t i = 0; i < kEnd; ++i) {
        const uint16_t address = i < kKeyEnd   ? uint16_t(LegacyEeprom::kHmacKey + i)
                                 : i < kAesEnd ? uint16_t(LegacyEeprom::kAesKey + (i - kKeyEnd))
                                               : uint16_t(LegacyEeprom::kSerial + (i - kAesEnd));
        byte = eeprom.read(address);
        hash.update(&byte, 1);
    }
    hash.finish(&byte, 1); // the checksum is the digest's first byte
    return byte;
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
