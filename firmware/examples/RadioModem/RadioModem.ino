// Warden RadioModem: the USB stick of host-gateway mode. An ATmega328P with an nRF24L01+ that
// moves MySensors frames between its USB serial port and the radio, and does nothing else: no
// routing, no signing, no protocol. The host's serial link runs the gateway (ids, routes,
// signatures, nonces); the modem is its radio.
//
// Serial side: the framing of firmware/docs/radio-modem.md (core/protocol/modemframing.h, the
// same code the host runs), 115200 baud 8N1. Radio side: spec 10.14 (channel 76, 250 kbps,
// gateway address 0), changeable with a Configure packet. Wiring: nRF24 CE on pin 9, CSN on
// pin 10, SPI on 11/12/13. RS485 networks need no modem: a USB-RS485 adapter is the link.
#include <avrboard.h>
#include <avrclock.h>
#include <avrnrf24bus.h>
#include <avrserial.h>
#include <transport/nrf24transport.h>
#include <warden/protocol/modemframing.h>

#ifndef WARDEN_MODEM_VERSION_MAJOR
// The Arduino IDE passes no -D (the CMake build does, from library.properties): the numbers
// come from version.h's copy of the version, at compile time.
#include <version.h>

namespace {

// Part @p part (0 major, 1 minor, 2 patch) of a "major.minor.patch" string. One return
// statement: the IDE compiles sketches as C++11.
constexpr uint8_t versionPart(const char *text, uint8_t part, uint8_t value = 0)
{
    return *text == 0 || (*text == '.' && part == 0)
                   ? value
                   : (*text == '.'
                              ? versionPart(text + 1, uint8_t(part - 1))
                              : versionPart(text + 1, part, uint8_t(value * 10 + (*text - '0'))));
}
static_assert(versionPart("12.3.45", 0) == 12 && versionPart("12.3.45", 1) == 3
                      && versionPart("12.3.45", 2) == 45,
              "versionPart");

// Constants, so that the compiler evaluates the calls rather than emitting the function.
constexpr uint8_t kVersionMajor = versionPart(WARDEN_FIRMWARE_VERSION, 0);
constexpr uint8_t kVersionMinor = versionPart(WARDEN_FIRMWARE_VERSION, 1);
constexpr uint8_t kVersionPatch = versionPart(WARDEN_FIRMWARE_VERSION, 2);

} // namespace

#define WARDEN_MODEM_VERSION_MAJOR kVersionMajor
#define WARDEN_MODEM_VERSION_MINOR kVersionMinor
#define WARDEN_MODEM_VERSION_PATCH kVersionPatch
#endif

using namespace Warden::Firmware;
using namespace Warden::Protocol;

namespace {

AvrClock g_clock;
AvrSerialPort g_serial;
AvrNrf24Bus g_radioBus;
Nrf24Transport g_radio(g_radioBus, g_clock);
ModemDecoder g_decoder;
Nrf24Settings g_settings;
uint8_t g_address = kGatewayAddress;
uint8_t g_rxSequence = 0;
uint16_t g_rxFrames = 0;
uint16_t g_linkErrors = 0;
uint16_t g_lastDropped = 0;
bool g_bootPending = true; // until the host has seen a status

void put(ModemPacketType type, uint8_t sequence, const uint8_t *lead, uint8_t leadLength,
         const uint8_t *data, uint8_t length)
{
    uint8_t wire[kModemMaxWireSize];
    const size_t n = modemEncode(uint8_t(type), sequence, lead, leadLength, data, length, wire,
                                 sizeof wire);
    g_serial.write(wire, uint16_t(n));
}

void putResult(uint8_t sequence, ModemResult result, uint8_t detail = 0)
{
    const uint8_t body[2] = {uint8_t(result), detail};
    put(ModemPacketType::Result, sequence, nullptr, 0, body, sizeof body);
}

void putStatus(uint8_t sequence)
{
    ModemStatus s;
    s.protocolVersion = kModemProtocolVersion;
    s.firmwareMajor = WARDEN_MODEM_VERSION_MAJOR;
    s.firmwareMinor = WARDEN_MODEM_VERSION_MINOR;
    s.firmwarePatch = WARDEN_MODEM_VERSION_PATCH;
    s.radioKind = kModemRadioNrf24;
    s.flags = uint8_t((g_radio.isPresent() ? kModemStatusRadioPresent : 0)
                      | (g_bootPending ? kModemStatusBoot : 0));
    s.address = g_address;
    s.channel = g_settings.channel;
    s.dataRate = g_settings.dataRate;
    s.power = g_settings.power;
    s.txWindow = 1; // one request at a time: the modem answers each before reading the next
    s.maxData = Nrf24Transport::kMaxPayload;
    s.rxFrames = g_rxFrames;
    s.txFrames = g_radio.sent();
    s.txNoAck = g_radio.noAck();
    s.rxDropped = g_radio.dropped();
    s.linkErrors = g_linkErrors;
    s.resetCause = AvrBoard::resetCause();
    uint8_t body[kModemStatusBodySize];
    modemWriteStatus(s, body);
    put(ModemPacketType::Status, sequence, nullptr, 0, body, sizeof body);
}

void handlePacket()
{
    const uint8_t sequence = g_decoder.sequence();
    const uint8_t *body = g_decoder.body();
    const size_t length = g_decoder.bodyLength();
    switch (ModemPacketType(g_decoder.type())) {
    case ModemPacketType::StatusRequest:
        putStatus(sequence);
        g_bootPending = false;
        return;
    case ModemPacketType::Configure: {
        ModemRadioConfig config;
        if (!modemParseConfig(body, length, config)) {
            putResult(sequence, ModemResult::Invalid);
            return;
        }
        Nrf24Settings settings = g_settings;
        settings.channel = config.channel;
        settings.dataRate = config.dataRate;
        settings.power = config.power;
        if (!g_radio.configure(settings)) {
            putResult(sequence, ModemResult::RadioFailure);
            return;
        }
        g_settings = settings;
        g_address = config.address;
        g_radio.setAddress(g_address);
        putResult(sequence, ModemResult::Ok);
        return;
    }
    case ModemPacketType::RadioTx: {
        if (length < 2 || length - 1 > kModemMaxRadioData) {
            putResult(sequence, ModemResult::Invalid);
            return;
        }
        if (!g_radio.isPresent()) {
            putResult(sequence, ModemResult::RadioFailure);
            return;
        }
        const bool delivered = g_radio.send(body[0], body + 1, uint8_t(length - 1));
        putResult(sequence, delivered ? ModemResult::Ok : ModemResult::NoAck,
                  g_radio.lastRetries());
        return;
    }
    default:
        // Status, Result and RadioRx go the other way; anything else is from a later version.
        putResult(sequence, ModemResult::UnknownType);
        return;
    }
}

} // namespace

void setup()
{
    AvrClock::begin();
    AvrSerialPort::begin(kModemDefaultBaud);
    AvrBoard::enableInterrupts();
    g_radioBus.begin();
    g_radio.begin(g_settings);
    g_radio.setAddress(g_address);
    putStatus(0);
}

void loop()
{
    // Host to radio: one packet at a time, each answered before the next is read (txWindow 1).
    for (int c; (c = g_serial.read()) >= 0;) {
        const ModemDecoder::Event event = g_decoder.feed(uint8_t(c));
        if (event == ModemDecoder::Event::Error) {
            ++g_linkErrors;
        } else if (event == ModemDecoder::Event::Packet) {
            handlePacket();
            break;
        }
    }
    // Radio to host. A full serial ring makes write() wait; the radio meanwhile keeps its
    // three-frame FIFO and stops acknowledging when it is full, so senders retry.
    uint8_t frame[Nrf24Transport::kMaxPayload];
    const uint8_t length = g_radio.receive(frame, sizeof frame);
    if (length > 0) {
        const uint16_t dropped = g_radio.dropped();
        const uint8_t flags = uint8_t((dropped != g_lastDropped ? kModemRxDropped : 0)
                                      | (g_radio.lastWasBroadcast() ? kModemRxBroadcast : 0));
        g_lastDropped = dropped;
        put(ModemPacketType::RadioRx, g_rxSequence++, &flags, 1, frame, length);
        ++g_rxFrames;
    }
}
