// One simulated node for the firmware tests: its EEPROM, entropy, board, radio endpoint and
// serial port, and a SecureNode that can be rebooted on the same EEPROM (as after a power cut).
#pragma once

#include "testgateway.h"

#include <hostclock.h>
#include <hosteeprom.h>
#include <hostserial.h>
#include <securenode.h>
#include <simbus.h>

#include <functional>
#include <memory>
#include <vector>

namespace WardenTest {

/// The test key (spec 5.10: 00..1F) and serial (112233445566778899).
extern const uint8_t kTestKey[Warden::Protocol::kSigningKeySize];
extern const uint8_t kTestSerial[Warden::Protocol::kSerialSize];

class SimNode
{
public:
    SimNode(Warden::Firmware::Host::SimBus &bus, Warden::Firmware::Clock &clock,
            Warden::Protocol::Sha256Compressor &sha, const Warden::Firmware::NodeConfig &config,
            uint64_t seed);
    ~SimNode();

    /// A new SecureNode on the same EEPROM, then begin(): a power cycle.
    void boot();
    /// Drops the node object (power off); the EEPROM stays.
    void powerOff();
    void poll();

    Warden::Firmware::SecureNode &node() { return *m_node; }
    bool isRunning() const { return m_node != nullptr; }
    Warden::Firmware::Host::RamEeprom eeprom;
    Warden::Firmware::Host::SeededEntropy entropy;
    Warden::Firmware::Host::HostBoard board;
    Warden::Firmware::Host::MemorySerialPort serial;
    std::unique_ptr<Warden::Firmware::Host::SimBusEndpoint> radio;
    bool withSerial = false; ///< hand the serial port to the node (personalization)

    /// What the node's callbacks reported since the last boot.
    std::vector<Warden::Protocol::Message> delivered;
    std::vector<std::pair<Warden::Protocol::Message, Warden::Protocol::Verdict>> verdicts;
    std::vector<bool> sendResults;

private:
    Warden::Firmware::Clock &m_clock;
    Warden::Protocol::Sha256Compressor &m_sha;
    const Warden::Firmware::NodeConfig &m_config;
    std::unique_ptr<Warden::Firmware::SecureNode> m_node;
};

/// Writes what SecurityPersonalizer's PERSONALIZE_SOFT writes: HMAC key, AES key and soft
/// serial at 355/396/387, then the checksum at 282.
void personalizeLegacy(Warden::Firmware::Eeprom &eeprom, Warden::Protocol::Sha256Compressor &sha,
                       const uint8_t key[32], const uint8_t aes[16], const uint8_t serial[9]);

/// Advances @p clock 1 ms at a time for @p ms, calling @p step after each tick; stops early
/// when @p until returns true. Returns whether @p until became true.
bool run(Warden::Firmware::Host::ManualClock &clock, uint32_t ms, const std::function<void()> &step,
         const std::function<bool()> &until = nullptr);

} // namespace WardenTest
