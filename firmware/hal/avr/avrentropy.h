// Raw entropy from clock jitter: the watchdog timer runs on its own 128 kHz RC oscillator, and
// every watchdog interrupt (about 16 ms) samples Timer1, free-running at the crystal's full
// rate. The two clocks drift and jitter against each other, so the low bits of each sample are
// unpredictable; a sample is folded into an 8-byte pool a few bits at a time. The pool is raw,
// not uniform: NonceGenerator hashes it with its counters (SHA-256), as the security model says.
//
// Uses the watchdog (interrupt mode) and Timer1. AvrBoard::restart() takes the watchdog over
// for the reset, which is fine: nothing runs after it.
#pragma once

#if defined(__AVR__)

#include "hal.h"

namespace Warden {
namespace Firmware {

class AvrEntropy final : public Entropy
{
public:
    /// Samples gathered before the first fill() returns: about one second of watchdog ticks.
    static constexpr uint8_t kSeedSamples = 64;

    constexpr AvrEntropy() { }

    /// Starts Timer1 and the watchdog interrupt. Call early: the pool fills in the background.
    static void begin();
    /// The first call waits (interrupts on) until kSeedSamples samples are in; later calls
    /// never wait: they return the pool as it is, mixed with Timer1 at the time of the call.
    void fill(uint8_t *out, uint8_t length) override;
    /// Samples taken since begin() (saturates at 65535).
    static uint16_t samples();
};

} // namespace Firmware
} // namespace Warden

#endif // __AVR__
