// The rest of the board: the node-lock unlock pin (spec 4.10: A0 with the internal pull-up,
// grounded = unlock) and the reset, by watchdog. Linking this file also adds a start-up step
// that records the reset cause and stops a watchdog left running by restart(): after a
// watchdog reset the ATmega keeps the watchdog on at its shortest period, and the firmware
// would otherwise reset again 16 ms into its start-up, forever.
#pragma once

#if defined(__AVR__)

#include "avrpin.h"
#include "hal.h"

namespace Warden {
namespace Firmware {

class AvrBoard final : public Board
{
public:
    constexpr explicit AvrBoard(AvrPin unlockPin = kArduinoPinA0)
        : m_unlockPin(unlockPin)
    { }

    /// Pull-up on, 2 ms to settle, then true while the pin reads low.
    bool unlockRequested() override;
    /// Watchdog reset within about 16 ms; never returns.
    void restart() override;

    /// MCUSR as it was at start-up (PORF, EXTRF, BORF, WDRF).
    static uint8_t resetCause();
    /// Enables interrupts: call once the HAL's begin() functions have run.
    static void enableInterrupts();

private:
    AvrPin m_unlockPin;
};

} // namespace Firmware
} // namespace Warden

#endif // __AVR__
