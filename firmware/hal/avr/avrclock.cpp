#include "avrclock.h"

#include <avr/interrupt.h>
#include <avr/io.h>
#include <util/atomic.h>

namespace {

constexpr unsigned long long kCyclesPerOverflow = 64ULL * 256ULL; // clk/64, 8-bit counter
constexpr uint32_t kMicrosPerOverflow = uint32_t(kCyclesPerOverflow * 1000000ULL / F_CPU);
static_assert(kCyclesPerOverflow * 1000000ULL % F_CPU == 0,
              "F_CPU must give a whole number of microseconds per Timer0 overflow");
constexpr uint8_t kMillisPerOverflow = uint8_t(kMicrosPerOverflow / 1000);
// The fraction in 8 us units keeps it within a byte (125 units per millisecond).
constexpr uint8_t kFractionPerOverflow = uint8_t((kMicrosPerOverflow % 1000) / 8);
constexpr uint8_t kFractionPerMilli = 1000 / 8;
static_assert((kMicrosPerOverflow % 1000) % 8 == 0, "the fraction must be a multiple of 8 us");

volatile uint32_t g_millis = 0;
volatile uint8_t g_fraction = 0;

} // namespace

ISR(TIMER0_OVF_vect)
{
    // Locals: the volatiles are read and written once each.
    uint32_t m = g_millis + kMillisPerOverflow;
    uint8_t f = uint8_t(g_fraction + kFractionPerOverflow);
    if (f >= kFractionPerMilli) {
        f = uint8_t(f - kFractionPerMilli);
        ++m;
    }
    g_fraction = f;
    g_millis = m;
}

namespace Warden {
namespace Firmware {

void AvrClock::begin()
{
    TCCR0A = 0; // normal mode: count 0..255, overflow
    TCNT0 = 0;
    TIFR0 = _BV(TOV0);
    TIMSK0 = _BV(TOIE0);
    TCCR0B = _BV(CS01) | _BV(CS00); // clk/64
}

uint32_t AvrClock::now()
{
    uint32_t m;
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE)
    {
        m = g_millis;
    }
    return m;
}

void AvrClock::delay(uint16_t ms)
{
    const uint32_t start = now();
    while (uint32_t(now() - start) < ms) { }
}

} // namespace Firmware
} // namespace Warden
