// The SecureNode sketch's board on an ATmega328P (the host build uses hostmain.cpp instead):
// the AVR HAL, the assembly SHA-256 and one of two transports, chosen when the image is built.
//   WARDEN_NODE_TRANSPORT_RS485  USART0 on an RS485 transceiver (DE/RE on pin 2) at
//                                WARDEN_RS485_BAUD (9600); personalization on the same line
//   WARDEN_NODE_TRANSPORT_NRF24  an nRF24L01+ on SPI (CE 9, CSN 10); personalization on the
//                                USB serial port at 115200 baud
// Every object here is constant-initialised (constexpr constructors), so the sketch's node,
// built during static initialisation, finds its HAL in place; wardenBoardBegin() starts the
// hardware before setup() runs.
//
// The Arduino IDE has no place for a -D option: there the transport is chosen here (the CMake
// build and arduino-builder's build.extra_flags name it on the command line).
#if defined(ARDUINO) && !defined(WARDEN_NODE_TRANSPORT_RS485) \
        && !defined(WARDEN_NODE_TRANSPORT_NRF24)
#define WARDEN_NODE_TRANSPORT_NRF24 // or WARDEN_NODE_TRANSPORT_RS485
#endif

#include <avrboard.h>
#include <avrclock.h>
#include <avreeprom.h>
#include <avrentropy.h>
#include <board.h>
#include <sha256avr.h>

#if defined(WARDEN_NODE_TRANSPORT_RS485)
#include <avrrs485port.h>
#include <transport/rs485bustransport.h>
#ifndef WARDEN_RS485_BAUD
#define WARDEN_RS485_BAUD 9600UL
#endif
#elif defined(WARDEN_NODE_TRANSPORT_NRF24)
#include <avrnrf24bus.h>
#include <avrserial.h>
#include <transport/nrf24transport.h>
#else
#error "define WARDEN_NODE_TRANSPORT_RS485 or WARDEN_NODE_TRANSPORT_NRF24"
#endif

namespace Warden {
namespace Firmware {

namespace {

AvrEeprom g_eeprom;
AvrClock g_clock;
AvrEntropy g_entropy;
AvrBoard g_board;
AvrSha256 g_sha;

#if defined(WARDEN_NODE_TRANSPORT_RS485)
AvrRs485Port g_line(kArduinoPin2);
// Not constexpr (it holds a receiver): constructed during static initialisation like the node,
// which only keeps a reference to it until setup().
Rs485BusTransport g_transport(g_line, g_clock);
const Hal g_hal {g_eeprom, g_clock, g_entropy, g_transport, &g_line, g_board};
#else
AvrSerialPort g_usb;
AvrNrf24Bus g_radioBus;
Nrf24Transport g_transport(g_radioBus, g_clock);
const Hal g_hal {g_eeprom, g_clock, g_entropy, g_transport, &g_usb, g_board};
#endif

} // namespace

const Hal &boardHal()
{
    return g_hal;
}

Protocol::Sha256Compressor &boardSha256()
{
    return g_sha;
}

} // namespace Firmware
} // namespace Warden

extern "C" void wardenBoardBegin()
{
    using namespace Warden::Firmware;
    AvrClock::begin();
    AvrEntropy::begin();
#if defined(WARDEN_NODE_TRANSPORT_RS485)
    g_line.begin(WARDEN_RS485_BAUD);
    AvrBoard::enableInterrupts();
#else
    AvrSerialPort::begin(115200);
    AvrBoard::enableInterrupts();
    g_radioBus.begin();
    // Without a radio the node still runs (personalization works); its sends fail.
    g_transport.begin();
#endif
}
