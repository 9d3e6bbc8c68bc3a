// One digital pin of an ATmega port, named by the data-space address of its PORTx register and
// a bit. The PINx and DDRx registers sit one and two bytes below PORTx on every megaAVR, so the
// three are reached from one address. constexpr, so pins are constants and the HAL objects that
// hold them are initialised before any constructor runs (the sketch's node is built from them
// during static initialisation).
#pragma once

#if defined(__AVR__)

#include <avr/io.h>
#include <stdint.h>

namespace Warden {
namespace Firmware {

class AvrPin
{
public:
    constexpr AvrPin(uint8_t portAddress, uint8_t bit)
        : m_port(portAddress)
        , m_mask(uint8_t(1u << bit))
    { }

    void setOutput() const { ddr() |= m_mask; }
    /// Input, with the internal pull-up when @p pullUp.
    void setInput(bool pullUp) const
    {
        ddr() &= uint8_t(~m_mask);
        if (pullUp)
            port() |= m_mask;
        else
            port() &= uint8_t(~m_mask);
    }
    void write(bool high) const
    {
        if (high)
            port() |= m_mask;
        else
            port() &= uint8_t(~m_mask);
    }
    bool read() const { return (pin() & m_mask) != 0; }

private:
    volatile uint8_t &port() const { return *reinterpret_cast<volatile uint8_t *>(m_port); }
    volatile uint8_t &ddr() const { return *reinterpret_cast<volatile uint8_t *>(m_port - 1); }
    volatile uint8_t &pin() const { return *reinterpret_cast<volatile uint8_t *>(m_port - 2); }

    uint8_t m_port;
    uint8_t m_mask;
};

// Data-space addresses of the ATmega328P's PORTx registers (I/O address + 0x20), as constants:
// avr-libc's PORTB is an lvalue expression, not something a constexpr may take the address of.
constexpr uint8_t kAvrPortB = 0x25;
constexpr uint8_t kAvrPortC = 0x28;
constexpr uint8_t kAvrPortD = 0x2B;

// The Arduino Uno / Nano / Pro Mini numbering of the pins the HAL uses by default.
constexpr AvrPin kArduinoPin2(kAvrPortD, 2); ///< MY_RS485_DE_PIN default
constexpr AvrPin kArduinoPin9(kAvrPortB, 1); ///< nRF24 CE (MySensors default)
constexpr AvrPin kArduinoPin10(kAvrPortB, 2); ///< nRF24 CSN, and the SPI SS pin
constexpr AvrPin kArduinoPinA0(kAvrPortC, 0); ///< node-lock unlock pin (spec 4.10: pin 14)

} // namespace Firmware
} // namespace Warden

#endif // __AVR__
