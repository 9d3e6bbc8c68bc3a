#include "avrentropy.h"

#include <avr/interrupt.h>
#include <avr/io.h>
#include <util/atomic.h>

namespace {

constexpr uint8_t kPoolSize = 8;

volatile uint8_t g_pool[kPoolSize];
volatile uint8_t g_index = 0;
volatile uint16_t g_samples = 0;

} // namespace

ISR(WDT_vect)
{
    // Rotate the pool byte and fold the sample in: after eight samples every bit of a byte has
    // met the (most jittery) low bits of some sample.
    const uint8_t sample = TCNT1L;
    const uint8_t i = g_index;
    const uint8_t b = g_pool[i];
    g_pool[i] = uint8_t(((b << 1) | (b >> 7)) ^ sample);
    g_index = uint8_t((i + 1) & (kPoolSize - 1));
    if (g_samples != 0xFFFF)
        g_samples = uint16_t(g_samples + 1);
    // A no-op on the part (WDE is off, so the hardware never clears WDIE), but simavr 1.6
    // clears WDIE whenever it services the interrupt and would stop the ticks after one.
    WDTCSR = _BV(WDIE);
}

namespace Warden {
namespace Firmware {

void AvrEntropy::begin()
{
    TCCR1A = 0;
    TCCR1B = _BV(CS10); // clk/1, free-running
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE)
    {
        // Timed sequence: change enable, then interrupt mode (WDE off) at the 16 ms period.
        WDTCSR = _BV(WDCE) | _BV(WDE);
        WDTCSR = _BV(WDIE);
    }
}

uint16_t AvrEntropy::samples()
{
    uint16_t n;
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE)
    {
        n = g_samples;
    }
    return n;
}

void AvrEntropy::fill(uint8_t *out, uint8_t length)
{
    while (samples() < kSeedSamples) { }
    for (uint8_t i = 0; i < length; ++i) {
        uint8_t timer;
        ATOMIC_BLOCK(ATOMIC_RESTORESTATE)
        {
            timer = TCNT1L;
        }
        out[i] = uint8_t(g_pool[i & (kPoolSize - 1)] ^ timer ^ uint8_t(i / kPoolSize));
    }
}

} // namespace Firmware
} // namespace Warden
