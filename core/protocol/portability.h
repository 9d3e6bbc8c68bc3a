// What the portable protocol needs to be frugal on the AVR, and nothing on the host:
// - constant tables (SHA-256 initial state, signing parameter blocks, labels) in flash, where
//   every other constant is copied into the 2 KiB of RAM at start-up; copyFromFlash() copies
//   them out where they are used (on the host both are ordinary memory);
// - WARDEN_PROTOCOL_NOINLINE on the helpers that hold a SHA-256 context or a digest on the
//   stack: inlined into one caller, their frames would add up instead of following each other.
#pragma once

#include <stddef.h>
#include <string.h>

#if defined(__AVR__)
#include <avr/pgmspace.h>
/// Marks a constant table for flash: `const uint8_t kTable[] WARDEN_PROTOCOL_FLASH = {...};`
#define WARDEN_PROTOCOL_FLASH PROGMEM
#else
#define WARDEN_PROTOCOL_FLASH
#endif

#if defined(__GNUC__)
#define WARDEN_PROTOCOL_NOINLINE __attribute__((noinline))
#else
#define WARDEN_PROTOCOL_NOINLINE
#endif

namespace Warden {
namespace Protocol {

/// Copies @p length bytes of a WARDEN_PROTOCOL_FLASH table to RAM.
inline void copyFromFlash(void *out, const void *flash, size_t length)
{
#if defined(__AVR__)
    memcpy_P(out, flash, length);
#else
    memcpy(out, flash, length);
#endif
}

} // namespace Protocol
} // namespace Warden
