#include "simharness.h"

#include <eepromlayout.h>

#include <cstring>

using namespace Warden::Firmware;

namespace WardenTest {

const uint8_t kTestKey[32] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A,
                              0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
                              0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F};
const uint8_t kTestSerial[9] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99};

SimNode::SimNode(Host::SimBus &bus, Clock &clock, Warden::Protocol::Sha256Compressor &sha,
                 const NodeConfig &config, uint64_t seed)
    : entropy(seed)
    , radio(bus.connect(Warden::Protocol::kAutoAddress))
    , m_clock(clock)
    , m_sha(sha)
    , m_config(config)
{
    // The radio is off until the node boots: nothing piles up in it meanwhile.
    radio->setEnabled(false);
}

SimNode::~SimNode() = default;

void SimNode::boot()
{
    m_node.reset();
    // A power cycle empties the radio's receive queue.
    radio->setEnabled(false);
    radio->setEnabled(true);
    delivered.clear();
    verdicts.clear();
    sendResults.clear();
    const Hal hal {eeprom, m_clock, entropy, *radio, withSerial ? &serial : nullptr, board};
    m_node = std::make_unique<SecureNode>(hal, m_sha, m_config);
    m_node->setReceiveHandler(
            [](void *self, const Warden::Protocol::Message &m) {
                static_cast<SimNode *>(self)->delivered.push_back(m);
            },
            this);
    m_node->setVerdictHandler(
            [](void *self, const Warden::Protocol::Message &m, Warden::Protocol::Verdict v) {
                static_cast<SimNode *>(self)->verdicts.emplace_back(m, v);
            },
            this);
    m_node->setSendDoneHandler(
            [](void *self, const Warden::Protocol::Message &, bool ok) {
                static_cast<SimNode *>(self)->sendResults.push_back(ok);
            },
            this);
    m_node->begin();
}

void SimNode::powerOff()
{
    m_node.reset();
    radio->setEnabled(false);
}

void SimNode::poll()
{
    if (m_node)
        m_node->poll(m_clock.millis());
}

void personalizeLegacy(Eeprom &eeprom, Warden::Protocol::Sha256Compressor &sha,
                       const uint8_t key[32], const uint8_t aes[16], const uint8_t serial[9])
{
    eepromUpdate(eeprom, LegacyEeprom::kHmacKey, key, 32);
    eepromUpdate(eeprom, LegacyEeprom::kAesKey, aes, 16);
    eepromUpdate(eeprom, LegacyEeprom::kSerial, serial, 9);
    writeLegacyChecksum(eeprom, sha);
}

bool run(Host::ManualClock &clock, uint32_t ms, const std::function<void()> &step,
         const std::function<bool()> &until)
{
    for (uint32_t i = 0; i < ms; ++i) {
        if (until && until())
            return true;
        clock.advance(1);
        step();
    }
    return until ? until() : false;
}

} // namespace WardenTest
