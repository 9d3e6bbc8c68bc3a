#include "avrboard.h"

#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/wdt.h>
#include <util/delay.h>

namespace {

// Not cleared by the C runtime: written in .init3, before .bss is zeroed (.init4).
uint8_t g_resetCause __attribute__((section(".noinit")));

} // namespace

// Runs before the C runtime initialises memory, with no stack frame of its own.
extern "C" void wardenEarlyInit() __attribute__((naked, used, section(".init3")));
extern "C" void wardenEarlyInit()
{
    g_resetCause = MCUSR;
    MCUSR = 0;
    wdt_disable();
}

namespace Warden {
namespace Firmware {

bool AvrBoard::unlockRequested()
{
    m_unlockPin.setInput(true);
    _delay_ms(2);
    return !m_unlockPin.read();
}

void AvrBoard::restart()
{
    cli();
    wdt_enable(WDTO_15MS);
    for (;;) { }
}

uint8_t AvrBoard::resetCause()
{
    return g_resetCause;
}

void AvrBoard::enableInterrupts()
{
    sei();
}

} // namespace Firmware
} // namespace Warden
