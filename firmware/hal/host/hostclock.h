// Clocks, entropy and the board for the host build.
#pragma once

#include "hal.h"

#include <cstdint>
#include <string>

namespace Warden {
namespace Firmware {
namespace Host {

/// A clock the test moves by hand: deterministic 5 s windows, no sleeping.
class ManualClock final : public Clock
{
public:
    explicit ManualClock(uint32_t start = 0)
        : m_now(start)
    { }
    uint32_t millis() override { return m_now; }
    void set(uint32_t now) { m_now = now; }
    void advance(uint32_t ms) { m_now += ms; }

private:
    uint32_t m_now;
};

/// Milliseconds of the monotonic clock since construction.
class SystemClock final : public Clock
{
public:
    SystemClock();
    uint32_t millis() override;

private:
    int64_t m_startNs;
};

/// The operating system's RNG (getrandom(2), /dev/urandom's pool).
class SystemEntropy final : public Entropy
{
public:
    void fill(uint8_t *out, uint8_t length) override;
};

/// A deterministic generator (SplitMix64) for reproducible tests and simulations. Not random:
/// never use it for a real node.
class SeededEntropy final : public Entropy
{
public:
    explicit SeededEntropy(uint64_t seed)
        : m_state(seed)
    { }
    void fill(uint8_t *out, uint8_t length) override;
    uint64_t next();

private:
    uint64_t m_state;
};

/// The unlock pin and the reset as flags a test or the host program reads.
class HostBoard final : public Board
{
public:
    bool unlockRequested() override { return m_unlock; }
    void restart() override { ++m_restarts; }

    void setUnlock(bool grounded) { m_unlock = grounded; }
    /// How often the node asked for a restart.
    int restarts() const { return m_restarts; }

private:
    bool m_unlock = false;
    int m_restarts = 0;
};

} // namespace Host
} // namespace Firmware
} // namespace Warden
