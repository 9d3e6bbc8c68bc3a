// The MySensors RS485 transport frame (spec section 9): the encoder, a whole-frame decoder
// and the byte-at-a-time receiver a node or a bus sniffer runs on the live bus.
// Portable C++14: no heap, no exceptions, no STL; compiled for the host and the ATmega328P.
#pragma once

#include "message.h"

namespace Warden {
namespace Protocol {

constexpr uint8_t kRs485Soh = 0x01;
constexpr uint8_t kRs485Stx = 0x02;
constexpr uint8_t kRs485Etx = 0x03;
constexpr uint8_t kRs485Eot = 0x04;
constexpr uint8_t kRs485Command = 0x58; ///< 'X'; frames with another command are discarded
/// MY_RS485_MAX_MESSAGE_LENGTH is 40 and a length field >= 40 is rejected, so 39 data bytes.
constexpr size_t kRs485MaxDataLength = 39;
constexpr size_t kRs485MaxSohCount = 3;
/// Bytes around the data besides the SOH run: To, From, Command, Length, STX, ETX, checksum, EOT.
constexpr size_t kRs485FramingSize = 8;
/// The longest frame on the wire: 3 SOH + 8 framing bytes + 39 data bytes = 50.
constexpr size_t kRs485MaxFrameSize = kRs485MaxSohCount + kRs485FramingSize + kRs485MaxDataLength;

/// Why bytes are not one valid RS485 frame. Every error has a name and a sentence.
enum class Rs485Error : uint8_t {
    None = 0,
    Truncated, ///< the bytes end before the frame does
    BadStart, ///< the first byte is not SOH
    BadCommand, ///< the command byte is not 0x58
    DataTooLong, ///< the length field is 40 or more
    BadStx, ///< no STX after the length field
    BadEtx, ///< no ETX after the data
    BadChecksum, ///< the checksum byte does not match the header and data
    BadEot, ///< no EOT after the checksum
    TrailingBytes, ///< bytes follow the EOT
    BufferTooSmall, ///< the encoder's output buffer cannot hold the frame
};

/// Short stable identifier of an error ("bad-checksum"), for logs and JSON.
const char *rs485ErrorName(Rs485Error error);
/// One sentence that says what was wrong.
const char *rs485ErrorText(Rs485Error error);

/// One decoded frame. SOH, STX, ETX and EOT are implied; data[length..] is unspecified.
struct Rs485Frame
{
    uint8_t to; ///< next-hop node id, 255 = broadcast
    uint8_t from; ///< the sending node's id
    uint8_t command; ///< always kRs485Command in a frame that was accepted
    uint8_t length; ///< number of data bytes, 0..39
    uint8_t checksum; ///< as received, and equal to rs485Checksum() of the fields above
    uint8_t data[kRs485MaxDataLength]; ///< the MySensors message
};

/// (to + from + command + length + sum(data)) mod 256; SOH, STX, ETX and EOT are excluded.
uint8_t rs485Checksum(uint8_t to, uint8_t from, uint8_t command, const uint8_t *data,
                      size_t length);

/// Writes one frame with @p sohCount leading SOH bytes (1..kRs485MaxSohCount; MySensors sends
/// MY_RS485_SOH_COUNT, 1 by default) and the command 0x58. Returns the bytes written
/// (sohCount + 8 + length), or 0 when @p length exceeds 39, @p sohCount is out of range or
/// @p capacity is too small; nothing is written then. @p data may be null when @p length is 0.
size_t rs485Encode(uint8_t to, uint8_t from, const uint8_t *data, size_t length, uint8_t *out,
                   size_t capacity, uint8_t sohCount = 1);

/// Decodes exactly one whole frame in @p bytes[0..size): a run of 1..3 SOH bytes, To, From,
/// Command, Length, STX, data, ETX, checksum, EOT, and nothing after. Never reads past
/// @p size. @p out is written only on success, with data[length..] zeroed. The SOH count is
/// size - 8 - out.length.
///
/// The To byte may itself be 0x01 (node 1), so a run of 0x01 bytes does not say where the SOH
/// run ends. At most one reading of the run yields a valid header (the command 0x58 and the
/// STX cannot both line up twice), and that reading is taken. When none is valid, the error
/// is that of the reading that got furthest into the bytes, so a truncated frame always
/// reports Truncated and a frame with one broken byte reports what that byte broke.
Rs485Error rs485Decode(const uint8_t *bytes, size_t size, Rs485Frame &out);

/// Byte-at-a-time receiver for a live bus (spec 9.3). It hunts for the 6-byte header SOH, To,
/// From, Command, Length, STX that passes the address filter (To is the own id, or To is 255
/// and From is not the own id; promiscuous mode, for a sniffer, takes every address), then
/// reads Length data bytes, ETX, the checksum and EOT.
///
/// Unlike MySensors, which drops what it has read when a frame breaks, the receiver keeps the
/// bytes of the frame in progress and, when it breaks, hunts again from the byte after its
/// SOH: a real frame that begins inside garbage or inside a truncated frame is not lost. The
/// price is that such a frame is delivered only when the broken one is known to be broken,
/// i.e. when the byte at its ETX (or checksum, or EOT) position arrives; a frame that lies
/// wholly inside the announced length of a broken header waits for that byte.
///
/// RAM: the frame handed out by frame() doubles as the buffer of the bytes in progress, plus
/// four bytes for the SOH and the trailer of the longest frame: 53 bytes in all.
class Rs485Receiver
{
public:
    explicit Rs485Receiver(uint8_t ownId, bool promiscuous = false);

    enum class Event : uint8_t {
        None, ///< nothing decided yet
        Frame, ///< frame() holds a valid frame addressed to this receiver
        Error, ///< a header that passed the address filter led to a broken frame
    };

    /// Takes the next byte from the bus. Error events report a broken frame that had a valid
    /// header (bad command, length >= 40, no ETX, bad checksum, no EOT) and passed the address
    /// filter, so that a link can count them. One byte yields at most one event: when it both
    /// breaks a frame and, by the hunt that follows, completes another one, Frame wins and the
    /// error is only in lastError(); several errors decided by one byte count as one event.
    Event feed(uint8_t byte);
    /// The frame of the last Frame event; valid until the next feed() or reset().
    const Rs485Frame &frame() const { return m_frame; }
    /// The error of the last Error event (or of the frame a Frame event overtook).
    Rs485Error lastError() const { return m_lastError; }
    /// Forgets the bytes in progress, e.g. after a gap on the bus or a port reopen.
    void reset();
    /// Takes effect from the next header; the bytes in progress are kept.
    void setOwnId(uint8_t id) { m_ownId = id; }
    uint8_t ownId() const { return m_ownId; }
    bool isPromiscuous() const { return m_promiscuous; }

private:
    /// The bytes in progress, index 0 being the SOH of the candidate frame, live in place:
    /// 0 in m_soh, 1..4 in to..length, 5 (STX) in checksum, 6..44 in data, 45..47 in m_trailer.
    /// A completed frame is thus already an Rs485Frame; only its checksum byte moves.
    static constexpr size_t kBufferSize = 1 + kRs485FramingSize + kRs485MaxDataLength;

    uint8_t &at(size_t index);
    uint8_t at(size_t index) const;
    bool accepts(uint8_t to, uint8_t from) const;
    void discard(size_t count);
    void dropCandidate();

    Rs485Frame m_frame;
    uint8_t m_soh;
    uint8_t m_trailer[3];
    uint8_t m_count; ///< bytes in progress
    uint8_t m_delivered; ///< bytes of the frame handed out, removed by the next feed()
    uint8_t m_ownId;
    bool m_promiscuous;
    Rs485Error m_lastError;
};

} // namespace Protocol
} // namespace Warden
