#include "hostclock.h"

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <sys/random.h>

namespace Warden {
namespace Firmware {
namespace Host {

namespace {

int64_t monotonicNs()
{
    timespec ts = {};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

} // namespace

SystemClock::SystemClock()
    : m_startNs(monotonicNs())
{ }

uint32_t SystemClock::millis()
{
    // Truncation to 32 bits is the AVR's millis() wrap, which the node handles.
    return uint32_t((monotonicNs() - m_startNs) / 1000000);
}

void SystemEntropy::fill(uint8_t *out, uint8_t length)
{
    size_t done = 0;
    while (done < length) {
        const ssize_t got = getrandom(out + done, length - done, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            // No entropy means no safe nonces: stop rather than sign with predictable ones.
            std::abort();
        }
        done += size_t(got);
    }
}

uint64_t SeededEntropy::next()
{
    uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void SeededEntropy::fill(uint8_t *out, uint8_t length)
{
    for (unsigned i = 0; i < length; i += 8) {
        const uint64_t v = next();
        for (unsigned b = 0; b < 8 && i + b < length; ++b)
            out[i + b] = uint8_t(v >> (8 * b));
    }
}

} // namespace Host
} // namespace Firmware
} // namespace Warden
