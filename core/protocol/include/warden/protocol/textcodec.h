// The controller protocol (spec section 2): the text line "node;child;command;ack;type;payload"
// that serial, TCP and UDP gateways exchange with the controller, and the payload text of
// spec 1.5 that MQTT gateways publish (spec 12). Portable C++14: no heap, no exceptions, no
// printf (avr-libc has no float printf), so it runs on the ATmega328P as well as the host.
#pragma once

#include "message.h"

namespace Warden {
namespace Protocol {

/// Characters of a line before its terminator: the gateway's 100-byte receive buffer keeps
/// 98 characters, the terminator and a NUL.
constexpr size_t kMaxControllerLineLength = 98;
/// A rendered line with its '\n' never exceeds this (the gateway's send buffer).
constexpr size_t kMaxControllerLineSize = 120;
/// The longest payload text formatPayloadText() produces: 25 P_CUSTOM bytes as hex. (The
/// longest float, -FLT_MAX with 8 decimals, is 49 characters.)
constexpr size_t kMaxPayloadTextLength = 2 * kMaxPayloadSize;
/// Written to parseControllerLine()'s badField when the error is not about one field.
constexpr uint8_t kNoBadField = 0xFF;

/// Why a controller line was refused. Every error has a stable name and a sentence.
enum class LineError : uint8_t {
    None = 0,
    Empty, ///< nothing before the terminator
    TooLong, ///< more than 98 characters before the terminator
    FieldCount, ///< fewer than the five numeric fields
    NotNumeric, ///< a numeric field is empty or holds a non-digit
    OutOfRange, ///< a value above 255, a command above 4 or an ack above 1
    BadHex, ///< a C_STREAM payload of odd length or with a non-hex character
    PayloadTooLong, ///< more than 25 payload bytes (Warden never truncates silently)
    ControlCharacter, ///< a byte below 0x20 or 0x7F (including NUL and a stray CR/LF)
    BufferTooSmall, ///< hexDecode(): the decoded bytes do not fit the output buffer
};

/// Stable kebab-case identifier of an error ("field-count"), for logs and JSON.
const char *lineErrorName(LineError error);
/// One sentence that says what was wrong.
const char *lineErrorText(LineError error);

/// One line of the serial/Ethernet/UDP controller protocol: node;child;command;ack;type;payload
struct ControllerLine
{
    uint8_t nodeId; ///< to the gateway: the destination; from the gateway: the sender
    uint8_t childSensorId;
    uint8_t command; ///< 0..4 in every parsed line
    bool ack; ///< to the gateway: request-echo; from the gateway: is-echo
    uint8_t type;
    char payload[kMaxControllerLineLength + 1]; ///< NUL-terminated text
    uint8_t payloadLength; ///< characters in payload, without the NUL
};

/// Parses one line. Accepts at most one terminator at the end ("\n", "\r\n", or "\r"), or
/// none. Strict, hostile-input parsing: every malformed line is rejected with a named reason,
/// checked in this order:
/// - Empty: nothing before the terminator;
/// - TooLong: more than 98 characters before the terminator;
/// - ControlCharacter: a byte below 0x20 or 0x7F anywhere (a NUL, a second terminator);
///   badField is the field it is in;
/// - FieldCount: fewer than five fields, i.e. fewer than four ';'. "5;1;1;0;2" without the
///   sixth field IS accepted with an empty payload, as MySensors does; badField is the index
///   of the first missing field;
/// - then the five numeric fields from the left, the first bad one reported: NotNumeric when
///   it is empty or has a non-digit (no signs, no spaces; leading zeros are fine), OutOfRange
///   for a value above 255, a command above 4 or an ack above 1.
/// The payload is EVERYTHING after the fifth ';', so a payload containing ';' is kept whole
/// (stock gateways cut it, but a gateway->controller line can carry it). Bytes 0x80..0xFF are
/// payload like any other. If @p badField is non-null it receives the index 0..5 of the
/// offending field, or kNoBadField. @p out is written only on success.
LineError parseControllerLine(const char *text, size_t length, ControllerLine &out,
                              uint8_t *badField = nullptr);

/// Writes "node;child;command;ack;type;payload\n" (decimal, ack as 0/1) as the fields say;
/// it does not check them, so a parsed or rendered line is always written whole and at most
/// kMaxControllerLineSize characters long. Returns the characters written (without a NUL;
/// writes a NUL after them if there is room) or 0 when @p capacity is too small or
/// payloadLength exceeds 98. Never writes beyond @p capacity.
size_t formatControllerLine(const ControllerLine &line, char *out, size_t capacity);

/// Controller -> gateway conversion (spec 2.1/2.2): destination = nodeId, sender = 0,
/// last = 0, sensor = child, command, type, request-echo = ack, unsigned.
/// - An empty payload becomes P_BYTE 0 with length 1 whatever the command, as the real
///   gateway does (spec 2.2 rule 5 comes before the C_STREAM rule): "1;3;2;0;0;" becomes the
///   header 00 00 01 0A 22 00 03 and the payload 00.
/// - C_STREAM (4): the payload is hex-decoded (upper or lower case, even length, at most 50
///   hex characters) into P_CUSTOM (BadHex / PayloadTooLong).
/// - Otherwise P_STRING, at most 25 characters (PayloadTooLong: Warden never truncates
///   silently, where the gateway would cut the string).
/// Also returns OutOfRange for a hand-built line with a command above 4. @p out is written
/// only on success.
LineError controllerLineToMessage(const ControllerLine &line, Message &out);

/// Gateway -> controller rendering (spec 2.1/2.3/1.5): nodeId = sender, ack = is-echo bit,
/// payload as formatPayloadText(). Works whether or not the message is signed (the signature
/// bytes are not payload). Returns false, leaving @p out unchanged, when the payload cannot
/// be rendered. For a message from Message::decode() that happens only for a P_STRING
/// payload holding a control character (below 0x20 or 0x7F): the stock gateway writes those
/// through, so a node could end the line early with '\n' and forge a line from any other
/// node past the signature check; Warden refuses the message instead. Hand-built messages
/// also fail for a length field above 25, a command above 4, or a fixed-size payload type
/// of the wrong length.
bool messageToControllerLine(const Message &message, ControllerLine &out);

/// Just the payload text of messageToControllerLine(), per spec 1.5:
/// - P_STRING as is; P_BYTE / P_UINT16 / P_ULONG32 unsigned decimal; P_INT16 / P_LONG32
///   signed decimal; P_CUSTOM and every C_STREAM payload uppercase hex, 2 characters a byte;
/// - P_FLOAT32 as printf("%2.*f", min(decimals, 8), value) prints it, which is what the
///   gateway's dtostrf(value, 2, decimals) does: the exact, correctly rounded decimal of the
///   float (round-half-even on the exact binary value), padded with spaces to width 2
///   (5 with 0 decimals is " 5"); "nan" / "-nan" (sign bit set), "inf" / "-inf", and "-0.0"
///   for negative zero and for negative values that round to zero.
/// Returns the characters written (writes a NUL after them if there is room), or 0 when
/// @p capacity is too small or the payload cannot be rendered (see
/// messageToControllerLine()). An empty P_STRING also returns 0. kMaxPayloadTextLength + 1
/// bytes always suffice.
size_t formatPayloadText(const Message &message, char *out, size_t capacity);

/// Writes 2 * @p length uppercase hex characters (and a NUL if there is room). Returns
/// 2 * @p length, or 0 when @p capacity is too small.
size_t hexEncodeUpper(const uint8_t *data, size_t length, char *out, size_t capacity);

/// Decodes @p length hex characters (upper or lower case) into @p out. Returns BadHex for
/// an odd length or a non-hex character, BufferTooSmall when length / 2 exceeds
/// @p capacity. @p written receives the bytes written (0 on error; nothing is written then).
LineError hexDecode(const char *text, size_t length, uint8_t *out, size_t capacity,
                    size_t &written);

} // namespace Protocol
} // namespace Warden
