// The MySensors 2.x binary message (spec section 1), held exactly as it travels on the wire.
// Portable C++14: no heap, no exceptions, no STL; compiled for the host and the ATmega328P.
#pragma once

#include "enums.h"

namespace Warden {
namespace Protocol {

constexpr uint8_t kProtocolVersion = 2;
constexpr size_t kHeaderSize = 7;
constexpr size_t kMaxMessageSize = 32;
constexpr size_t kMaxPayloadSize = 25; // kMaxMessageSize - kHeaderSize

constexpr uint8_t kGatewayAddress = 0;
constexpr uint8_t kBroadcastAddress = 255;
constexpr uint8_t kAutoAddress = 255; ///< "not assigned yet" (node id, parent id)
constexpr uint8_t kNodeSensorId = 255; ///< child id meaning "the node itself"

/// Why a byte string is not a valid message. Every decoder error has a name and a sentence.
enum class DecodeError : uint8_t {
    None = 0,
    Truncated, ///< fewer than the 7 header bytes
    TooLong, ///< more than 32 bytes
    BadVersion, ///< protocol version field is not 2
    PayloadTooLong, ///< length field above 25
    SizeMismatch, ///< byte count differs from 7 + (signed ? 25 : length)
    ReservedCommand, ///< command 5, 6 or 7, never sent by MySensors
    PayloadSizeMismatch, ///< a fixed-size payload type with the wrong length
};

/// Short stable identifier of an error ("size-mismatch"), for logs and JSON.
const char *decodeErrorName(DecodeError error);
/// One sentence that says what was wrong.
const char *decodeErrorText(DecodeError error);

/// One message. The 32-byte wire image is the representation: header accessors read and
/// write bit fields in place, so what is signed is always exactly what is sent.
class Message
{
public:
    /// An empty, unsigned P_STRING message of protocol version 2, all ids 0.
    Message();
    /// Back to what Message() makes (all zero, version 2): cheaper than assigning Message()
    /// on the AVR, which builds a temporary and copies it.
    void clear();

    /// Validates @p size bytes at @p data as one message and copies them into @p out.
    /// Never reads beyond @p size; @p out is left unchanged on error.
    static DecodeError decode(const uint8_t *data, size_t size, Message &out);

    /// The wire bytes: 7 + payloadLength(), or 32 when signed.
    const uint8_t *data() const { return m_bytes; }
    size_t size() const;

    uint8_t last() const { return m_bytes[0]; }
    uint8_t sender() const { return m_bytes[1]; }
    uint8_t destination() const { return m_bytes[2]; }
    uint8_t version() const { return m_bytes[3] & 0x03; }
    bool isSigned() const { return (m_bytes[3] & 0x04) != 0; }
    uint8_t payloadLength() const { return m_bytes[3] >> 3; }
    Command command() const { return static_cast<Command>(m_bytes[4] & 0x07); }
    bool requestEcho() const { return (m_bytes[4] & 0x08) != 0; }
    bool isEcho() const { return (m_bytes[4] & 0x10) != 0; }
    PayloadType payloadType() const { return static_cast<PayloadType>(m_bytes[4] >> 5); }
    uint8_t type() const { return m_bytes[5]; }
    uint8_t sensor() const { return m_bytes[6]; }

    const uint8_t *payload() const { return m_bytes + kHeaderSize; }
    /// Bytes after the payload in a signed frame (25 - length), else none.
    const uint8_t *signature() const { return m_bytes + kHeaderSize + payloadLength(); }
    size_t signatureLength() const { return isSigned() ? kMaxPayloadSize - payloadLength() : 0; }

    void setLast(uint8_t v) { m_bytes[0] = v; }
    void setSender(uint8_t v) { m_bytes[1] = v; }
    void setDestination(uint8_t v) { m_bytes[2] = v; }
    /// Sets the signed flag. Clearing it also zeroes the signature area, so no stale
    /// signature bytes linger in the buffer.
    void setSigned(bool on);
    void setCommand(Command c) { m_bytes[4] = (m_bytes[4] & ~0x07) | (uint8_t(c) & 0x07); }
    void setRequestEcho(bool on) { m_bytes[4] = on ? (m_bytes[4] | 0x08) : (m_bytes[4] & ~0x08); }
    void setEcho(bool on) { m_bytes[4] = on ? (m_bytes[4] | 0x10) : (m_bytes[4] & ~0x10); }
    void setType(uint8_t v) { m_bytes[5] = v; }
    void setSensor(uint8_t v) { m_bytes[6] = v; }

    /// Convenience: sets sender/destination/last, command, type and sensor at once.
    void setHeader(uint8_t sender, uint8_t destination, Command command, uint8_t type,
                   uint8_t sensor);

    /// Sets the payload with its type. Fails (returns false, message unchanged) when
    /// @p length exceeds 25 or does not fit the fixed size of @p type. Clears the signed flag.
    bool setPayload(PayloadType type, const void *bytes, size_t length);
    bool setString(const char *text, size_t length);
    void setByte(uint8_t v);
    void setInt16(int16_t v);
    void setUInt16(uint16_t v);
    void setLong32(int32_t v);
    void setULong32(uint32_t v);
    /// P_FLOAT32: IEEE-754 binary32 little-endian, then the number of decimals.
    void setFloat32(float v, uint8_t decimals);

    /// Typed reads. Return false when the payload type does not match.
    bool getByte(uint8_t &v) const;
    bool getInt16(int16_t &v) const;
    bool getUInt16(uint16_t &v) const;
    bool getLong32(int32_t &v) const;
    bool getULong32(uint32_t &v) const;
    bool getFloat32(float &v, uint8_t &decimals) const;

    /// Mutable wire image for the signer (signature bytes) and for decoders that fill a
    /// message in place. Callers keep the header consistent.
    uint8_t *mutableData() { return m_bytes; }

private:
    void setLength(uint8_t length);

    uint8_t m_bytes[kMaxMessageSize];
};

/// Reads / writes little-endian integers (the wire order of every multi-byte field).
inline uint16_t readLe16(const uint8_t *p)
{
    return uint16_t(p[0] | (uint16_t(p[1]) << 8));
}
inline uint32_t readLe32(const uint8_t *p)
{
    return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}
inline void writeLe16(uint8_t *p, uint16_t v)
{
    p[0] = uint8_t(v);
    p[1] = uint8_t(v >> 8);
}
inline void writeLe32(uint8_t *p, uint32_t v)
{
    p[0] = uint8_t(v);
    p[1] = uint8_t(v >> 8);
    p[2] = uint8_t(v >> 16);
    p[3] = uint8_t(v >> 24);
}

} // namespace Protocol
} // namespace Warden
