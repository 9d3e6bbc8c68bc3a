// What an AVR image and warden_simavr (tests/firmware/sim) agree on. An image marks the start
// and end of a timed operation by writing to GPIOR1, so the harness can read the simulator's
// cycle counter at that exact instruction, and ends the simulation by writing its exit status
// to GPIOR2. Nothing else of the harness is visible to the image: UART0 is a plain serial port.
#pragma once

#include <stdint.h>

/// Data-space addresses (I/O address + 0x20) of GPIOR1 and GPIOR2 on the ATmega48/88/168/328
/// and 164/324/644/1284 families: the harness's defaults.
#define WARDEN_SIM_MARKER_ADDRESS 0x4A
#define WARDEN_SIM_DONE_ADDRESS 0x4B

/// Marker values: 1..127 start the operation with that id, the same id | 0x80 ends it.
#define WARDEN_SIM_MARKER_END 0x80

#if defined(__AVR__)

#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>

namespace Warden {
namespace Firmware {
namespace Sim {

// The barriers keep the compiler from moving work across the marker writes.
inline void markStart(uint8_t id)
{
    __asm__ __volatile__("" ::: "memory");
    GPIOR1 = id;
    __asm__ __volatile__("" ::: "memory");
}

inline void markEnd(uint8_t id)
{
    __asm__ __volatile__("" ::: "memory");
    GPIOR1 = uint8_t(id | WARDEN_SIM_MARKER_END);
    __asm__ __volatile__("" ::: "memory");
}

/// Ends the simulation with @p status (0 = success). On real hardware it halts the CPU:
/// sleeping with interrupts off is the other end-of-run signal the harness knows.
[[noreturn]] inline void done(uint8_t status)
{
    GPIOR2 = status;
    cli();
    for (;;) {
        sleep_enable();
        sleep_cpu();
    }
}

} // namespace Sim
} // namespace Firmware
} // namespace Warden

#endif // __AVR__
