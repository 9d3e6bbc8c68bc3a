// Milliseconds from Timer0: the timer counts clk/64 and overflows every 256 counts (1.024 ms at
// 16 MHz); the overflow interrupt adds the whole milliseconds and carries the fraction in
// 8-microsecond units, so the count stays exact over any period. Timer0 is the clock's alone.
#pragma once

#if defined(__AVR__)

#include "hal.h"

namespace Warden {
namespace Firmware {

class AvrClock final : public Clock
{
public:
    constexpr AvrClock() { }

    /// Starts Timer0 and its overflow interrupt (global interrupts are the board's to enable).
    static void begin();
    uint32_t millis() override { return now(); }
    /// The same, without an object.
    static uint32_t now();
    /// Busy-waits @p ms milliseconds on the clock (interrupts must be on).
    static void delay(uint16_t ms);
};

} // namespace Firmware
} // namespace Warden

#endif // __AVR__
