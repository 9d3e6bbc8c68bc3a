// Strings the node prints or presents. On the AVR a plain string literal is copied into RAM at
// start-up (2 KiB in all), so constant text lives in flash and is read byte by byte; on the
// host the same code reads ordinary memory.
#pragma once

#include <stdint.h>

#if defined(__AVR__)
#include <avr/pgmspace.h>
/// Marks a constant array for flash: `const char kName[] WARDEN_FLASH = "SecureNode";`
#define WARDEN_FLASH PROGMEM
/// A string literal in flash, usable as an expression inside a function.
#define WARDEN_F(s) (PSTR(s))
#else
#define WARDEN_FLASH
#define WARDEN_F(s) (s)
#endif

/// The explanation printed after an error code. The host build has them; an AVR build leaves
/// them out unless WARDEN_ERROR_TEXTS is defined: the code alone names what was wrong, and
/// flash is scarce there.
#if defined(__AVR__) && !defined(WARDEN_ERROR_TEXTS)
#define WARDEN_TEXT(s) (static_cast<const char *>(nullptr))
#else
#define WARDEN_TEXT(s) WARDEN_F(s)
#endif

namespace Warden {
namespace Firmware {

/// Reads one byte of a WARDEN_FLASH string or array.
inline uint8_t flashByte(const char *p)
{
#if defined(__AVR__)
    return pgm_read_byte(p);
#else
    return uint8_t(*p);
#endif
}

/// Length of a WARDEN_FLASH string.
inline uint8_t flashLength(const char *p)
{
    uint8_t n = 0;
    while (n < 255 && flashByte(p + n) != 0)
        ++n;
    return n;
}

} // namespace Firmware
} // namespace Warden
