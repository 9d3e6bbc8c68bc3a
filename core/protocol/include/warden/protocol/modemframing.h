// The serial framing between a host and the RadioModem (firmware/examples/RadioModem), the
// USB stick that moves MySensors frames between a UART and a radio in host-gateway mode.
// firmware/docs/radio-modem.md is the reference: packet types, bodies, flow and recovery.
//
// On the wire a packet is 0x00, COBS(type, sequence, body, CRC-16), 0x00. COBS leaves no zero
// byte inside a packet, so the delimiter alone re-synchronises a receiver after garbage, a
// lost byte or a reset of the other end: at most the packet in progress is lost. Packets are
// bounded (kModemMaxWireSize), so a receiver needs a fixed buffer and nothing else.
// Portable C++14: no heap, no exceptions, no STL; the modem runs the same code as the host.
#pragma once

#include "message.h"

namespace Warden {
namespace Protocol {

/// The framing version the modem reports in its status; a host refuses other major versions.
constexpr uint8_t kModemProtocolVersion = 1;
/// Ends (and starts) every packet; never appears inside one.
constexpr uint8_t kModemDelimiter = 0x00;
/// Largest body of any packet type (a status body may grow up to it in later versions).
constexpr size_t kModemMaxBodySize = 40;
/// Type, sequence and the two CRC bytes around the body.
constexpr size_t kModemPacketOverhead = 4;
constexpr size_t kModemMaxPacketSize = kModemMaxBodySize + kModemPacketOverhead;
/// COBS adds one byte per started run of 254 bytes: one, for packets this short.
constexpr size_t kModemMaxEncodedSize = kModemMaxPacketSize + 1;
/// The most bytes one packet takes on the wire, both delimiters included.
constexpr size_t kModemMaxWireSize = kModemMaxEncodedSize + 2;
/// Radio frames a packet carries: one MySensors message.
constexpr size_t kModemMaxRadioData = kMaxMessageSize;
/// The modem's serial speed unless it was built otherwise: exact enough on a 16 MHz AVR
/// (2.1 % with U2X), and what every USB serial adapter and host offers.
constexpr uint32_t kModemDefaultBaud = 115200;

/// What a packet is. Values are the type byte on the wire.
enum class ModemPacketType : uint8_t {
    Status = 0x01, ///< modem -> host: versions, radio settings, counters (ModemStatus)
    StatusRequest = 0x02, ///< host -> modem: no body; answered by Status with its sequence
    Configure = 0x03, ///< host -> modem: ModemRadioConfig; answered by Result
    Result = 0x04, ///< modem -> host: the outcome of the request with the same sequence
    RadioTx = 0x05, ///< host -> modem: next hop, then the frame; answered by Result
    RadioRx = 0x06, ///< modem -> host: RadioRx flags, then the frame the radio received
};

/// The first body byte of a Result packet.
enum class ModemResult : uint8_t {
    Ok = 0, ///< done: a unicast was acknowledged by the next hop, a broadcast went out
    NoAck = 1, ///< a unicast got no link-level acknowledgement after the radio's retries
    RadioFailure = 2, ///< the radio does not answer on its bus
    Invalid = 3, ///< the body is malformed or a value is out of range
    Busy = 4, ///< more requests outstanding than the status's txWindow allows
    UnknownType = 5, ///< the packet type is not one the modem takes
};

/// Flags of a RadioRx packet (its first body byte).
constexpr uint8_t kModemRxDropped = 0x01; ///< radio frames were lost before this one
constexpr uint8_t kModemRxBroadcast = 0x02; ///< received on the broadcast address
/// Flags of a Status packet.
constexpr uint8_t kModemStatusRadioPresent = 0x01; ///< the radio answered at start-up
constexpr uint8_t kModemStatusBoot = 0x02; ///< the first status since the modem started
/// ModemStatus::radioKind.
constexpr uint8_t kModemRadioNone = 0;
constexpr uint8_t kModemRadioNrf24 = 1; ///< nRF24L01+ (spec 10.14)
/// ModemRadioConfig::dataRate.
constexpr uint8_t kModemRate250k = 0; ///< the MySensors default
constexpr uint8_t kModemRate1M = 1;
constexpr uint8_t kModemRate2M = 2;
/// ModemRadioConfig limits.
constexpr uint8_t kModemMaxChannel = 125;
constexpr uint8_t kModemMaxPower = 3; ///< 0 = -18 dBm ... 3 = 0 dBm on an nRF24L01+

/// Why bytes between two delimiters are not a packet. Every error has a name and a sentence.
enum class ModemError : uint8_t {
    None = 0,
    TooLong, ///< more bytes than the longest packet before the delimiter
    BadEncoding, ///< a COBS run announces more bytes than there are
    Truncated, ///< fewer than the four bytes of type, sequence and CRC
    BadCrc, ///< the CRC does not match
};

/// Short stable identifier of an error ("bad-crc"), for logs and JSON.
const char *modemErrorName(ModemError error);
/// One sentence that says what was wrong.
const char *modemErrorText(ModemError error);

/// CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR):
/// "123456789" gives 0x29B1. Pass the previous result as @p crc to continue a computation.
uint16_t modemCrc16(const uint8_t *data, size_t length, uint16_t crc = 0xFFFF);

/// Writes one packet in wire form: delimiter, COBS(type, sequence, lead, data, CRC),
/// delimiter. The body is @p leadLength (0 or 1) bytes of @p lead followed by @p data: the
/// radio packets carry one byte (next hop, flags) before a frame, which then needs no copy.
/// Returns the bytes written, or 0 (nothing written) when the body exceeds
/// kModemMaxBodySize or @p capacity is too small. kModemMaxWireSize is always enough.
size_t modemEncode(uint8_t type, uint8_t sequence, const uint8_t *lead, size_t leadLength,
                   const uint8_t *data, size_t dataLength, uint8_t *out, size_t capacity);
/// The common case: a body in one piece (may be null when @p length is 0).
inline size_t modemEncode(uint8_t type, uint8_t sequence, const uint8_t *body, size_t length,
                          uint8_t *out, size_t capacity)
{
    return modemEncode(type, sequence, nullptr, 0, body, length, out, capacity);
}

/// Byte-at-a-time receiver. Bytes up to a delimiter are one candidate; at the delimiter it is
/// decoded in place and checked. Empty candidates (two delimiters in a row) are no event.
/// RAM: kModemMaxEncodedSize + 3 bytes.
class ModemDecoder
{
public:
    ModemDecoder();

    enum class Event : uint8_t {
        None, ///< nothing complete yet
        Packet, ///< type(), sequence() and body() hold a valid packet
        Error, ///< the bytes before this delimiter were not a packet (lastError())
    };

    Event feed(uint8_t byte);
    /// Forgets the bytes in progress (a reopened port); the next delimiter starts afresh.
    void reset();

    /// The packet of the last Packet event; valid until the next feed() or reset().
    uint8_t type() const { return m_buffer[0]; }
    uint8_t sequence() const { return m_buffer[1]; }
    const uint8_t *body() const { return m_buffer + 2; }
    size_t bodyLength() const { return m_bodyLength; }
    /// The error of the last Error event.
    ModemError lastError() const { return m_lastError; }

private:
    ModemError decode();

    uint8_t m_buffer[kModemMaxEncodedSize];
    uint8_t m_count;
    uint8_t m_bodyLength;
    bool m_overflow;
    ModemError m_lastError;
};

/// The body of a Status packet.
struct ModemStatus
{
    uint8_t protocolVersion; ///< kModemProtocolVersion
    uint8_t firmwareMajor;
    uint8_t firmwareMinor;
    uint8_t firmwarePatch;
    uint8_t radioKind; ///< kModemRadio*
    uint8_t flags; ///< kModemStatus*
    uint8_t address; ///< the radio's own node id (0: the gateway)
    uint8_t channel;
    uint8_t dataRate; ///< kModemRate*
    uint8_t power; ///< 0..kModemMaxPower
    uint8_t txWindow; ///< requests the host may have outstanding (at least 1)
    uint8_t maxData; ///< the longest frame the radio carries
    uint16_t rxFrames; ///< radio frames passed to the host (wrapping counters)
    uint16_t txFrames; ///< RadioTx packets the radio sent
    uint16_t txNoAck; ///< ... of which got no acknowledgement
    uint16_t rxDropped; ///< radio frames lost because the serial side had no room
    uint16_t linkErrors; ///< packets from the host that failed to decode
    uint8_t resetCause; ///< the MCU's reset flags at start-up (AVR: MCUSR)
};

/// Bytes of a version 1 status body; later versions may append fields.
constexpr size_t kModemStatusBodySize = 23;

/// Writes @p status as a body of kModemStatusBodySize bytes.
size_t modemWriteStatus(const ModemStatus &status, uint8_t out[kModemStatusBodySize]);
/// Reads a status body; false when it is shorter than version 1's. Extra bytes are ignored.
bool modemParseStatus(const uint8_t *body, size_t length, ModemStatus &out);

/// The body of a Configure packet: the radio settings (spec 10.14 defaults: address 0 for the
/// gateway, channel 76, 250 kbps).
struct ModemRadioConfig
{
    uint8_t address;
    uint8_t channel; ///< 0..kModemMaxChannel
    uint8_t dataRate; ///< kModemRate*
    uint8_t power; ///< 0..kModemMaxPower
};

constexpr size_t kModemConfigBodySize = 4;

size_t modemWriteConfig(const ModemRadioConfig &config, uint8_t out[kModemConfigBodySize]);
/// False when the body is not exactly 4 bytes or a value is out of range (address 255 too).
bool modemParseConfig(const uint8_t *body, size_t length, ModemRadioConfig &out);

} // namespace Protocol
} // namespace Warden
