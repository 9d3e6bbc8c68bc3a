#include "avrspi.h"

#include "avrpin.h"

#include <avr/io.h>

namespace Warden {
namespace Firmware {

namespace {

// SS, MOSI, MISO, SCK: PB2..PB5 on the ATmega48/88/168/328, PB4..PB7 on the 164/324/644/1284.
#if defined(__AVR_ATmega164P__) || defined(__AVR_ATmega324P__) || defined(__AVR_ATmega644P__) \
        || defined(__AVR_ATmega1284P__) || defined(__AVR_ATmega644__) \
        || defined(__AVR_ATmega1284__)
constexpr uint8_t kFirstSpiBit = 4;
#else
constexpr uint8_t kFirstSpiBit = 2;
#endif

} // namespace

void AvrSpi::begin()
{
    const AvrPin ss(kAvrPortB, kFirstSpiBit);
    ss.write(true);
    ss.setOutput();
    AvrPin(kAvrPortB, kFirstSpiBit + 1).setOutput(); // MOSI
    AvrPin(kAvrPortB, kFirstSpiBit + 3).setOutput(); // SCK
    AvrPin(kAvrPortB, kFirstSpiBit + 2).setInput(false); // MISO
    SPCR = _BV(SPE) | _BV(MSTR); // mode 0, MSB first, clk/4 ...
    SPSR = _BV(SPI2X); // ... doubled: clk/2
}

uint8_t AvrSpi::transfer(uint8_t byte)
{
    SPDR = byte;
    while (!(SPSR & _BV(SPIF))) { }
    return SPDR;
}

} // namespace Firmware
} // namespace Warden
