// An nRF24L01+ on the ATmega's SPI with its CE and CSN pins (MySensors wires CE to pin 9 and
// CSN to pin 10). The IRQ line is not used: Nrf24Transport polls.
#pragma once

#if defined(__AVR__)

#include "avrpin.h"
#include "transport/nrf24transport.h"

namespace Warden {
namespace Firmware {

class AvrNrf24Bus final : public Nrf24Bus
{
public:
    constexpr AvrNrf24Bus(AvrPin chipEnable = kArduinoPin9, AvrPin chipSelect = kArduinoPin10)
        : m_chipEnable(chipEnable)
        , m_chipSelect(chipSelect)
    { }

    /// Starts the SPI (AvrSpi::begin) and sets the pins: CE low, CSN high (deselected).
    void begin();
    void select(bool on) override { m_chipSelect.write(!on); }
    uint8_t transfer(uint8_t byte) override;
    void setChipEnable(bool on) override { m_chipEnable.write(on); }
    void delayMicroseconds(uint16_t us) override;

private:
    AvrPin m_chipEnable;
    AvrPin m_chipSelect;
};

} // namespace Firmware
} // namespace Warden

#endif // __AVR__
