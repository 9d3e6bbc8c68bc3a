// The AVR HAL inside the Arduino core (the Arduino IDE defines ARDUINO): the core owns main(),
// Timer0 (millis()) and USART0 (Serial), so the installable library ships this file instead of
// hal/avr's avrmain.cpp, avrclock.cpp and avrserial.cpp (firmware/cmake/arduino-library.cmake
// leaves those out). Their classes keep their headers; only the implementations differ:
//   AvrClock       the core's millis() and delay(): Timer0 keeps running for the sketch
//   AvrSerialPort  the core's Serial (HardwareSerial), so a sketch may use Serial too without a
//                  second definition of the USART interrupt vectors
//   start-up       the core's main() runs init(), initVariant(), setup(), loop(): the board's
//                  wardenBoardBegin() runs from initVariant(), after init() has set up the
//                  timers (which AvrEntropy then takes Timer1 from) and before setup()
// The rest of hal/avr (EEPROM, entropy, board, SPI, nRF24 wiring, RS485 port) is used as is:
// none of it defines a vector the core defines.
#if defined(ARDUINO) && defined(__AVR__)

#include <Arduino.h>

#include "avrclock.h"
#include "avrserial.h"

extern "C" __attribute__((weak)) void wardenBoardBegin() { }

// The core's hook between init() and setup() (weak in its main.cpp; the Pro Mini's variant
// does not define it).
void initVariant()
{
    wardenBoardBegin();
}

namespace Warden {
namespace Firmware {

void AvrClock::begin() { }

uint32_t AvrClock::now()
{
    return ::millis();
}

void AvrClock::delay(uint16_t ms)
{
    ::delay(ms);
}

void AvrSerialPort::begin(uint32_t baud)
{
    Serial.begin(baud);
}

int AvrSerialPort::read()
{
    return Serial.read();
}

void AvrSerialPort::write(const uint8_t *data, uint16_t length)
{
    // HardwareSerial waits for room in its ring as the CMake build's driver does.
    Serial.write(data, length);
}

uint8_t AvrSerialPort::available()
{
    return uint8_t(Serial.available());
}

void AvrSerialPort::flush()
{
    // Returns once the last byte has left the shift register (TXC0), as the RS485 port needs.
    Serial.flush();
}

uint16_t AvrSerialPort::receiveLosses()
{
    return 0; // HardwareSerial drops bytes on a full ring without counting them
}

} // namespace Firmware
} // namespace Warden

#endif // ARDUINO && __AVR__
