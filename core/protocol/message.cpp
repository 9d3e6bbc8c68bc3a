#include "warden/protocol/message.h"

#include <string.h>

namespace Warden {
namespace Protocol {

namespace {

// Byte 3: version in bits 0-1, signed flag bit 2, length in bits 3-7.
constexpr uint8_t kVersionMask = 0x03;
constexpr uint8_t kSignedFlag = 0x04;

size_t expectedSize(uint8_t versionLength)
{
    const bool isSignedFrame = (versionLength & kSignedFlag) != 0;
    return kHeaderSize + (isSignedFrame ? kMaxPayloadSize : size_t(versionLength >> 3));
}

} // namespace

const char *decodeErrorName(DecodeError error)
{
    switch (error) {
    case DecodeError::None:
        return "ok";
    case DecodeError::Truncated:
        return "truncated";
    case DecodeError::TooLong:
        return "too-long";
    case DecodeError::BadVersion:
        return "bad-version";
    case DecodeError::PayloadTooLong:
        return "payload-too-long";
    case DecodeError::SizeMismatch:
        return "size-mismatch";
    case DecodeError::ReservedCommand:
        return "reserved-command";
    case DecodeError::PayloadSizeMismatch:
        return "payload-size-mismatch";
    }
    return "unknown";
}

const char *decodeErrorText(DecodeError error)
{
    switch (error) {
    case DecodeError::None:
        return "the message is valid";
    case DecodeError::Truncated:
        return "the frame is shorter than the 7-byte header";
    case DecodeError::TooLong:
        return "the frame is longer than 32 bytes";
    case DecodeError::BadVersion:
        return "the protocol version field is not 2";
    case DecodeError::PayloadTooLong:
        return "the payload length field is above 25";
    case DecodeError::SizeMismatch:
        return "the byte count differs from 7 + payload length (32 for a signed frame)";
    case DecodeError::ReservedCommand:
        return "the command field is 5, 6 or 7, which MySensors never sends";
    case DecodeError::PayloadSizeMismatch:
        return "the payload length does not match the size of its numeric payload type";
    }
    return "unknown error";
}

Message::Message()
{
    clear();
}

void Message::clear()
{
    memset(m_bytes, 0, sizeof m_bytes);
    m_bytes[3] = kProtocolVersion;
}

DecodeError Message::decode(const uint8_t *data, size_t size, Message &out)
{
    if (size < kHeaderSize)
        return DecodeError::Truncated;
    if (size > kMaxMessageSize)
        return DecodeError::TooLong;
    const uint8_t versionLength = data[3];
    if ((versionLength & kVersionMask) != kProtocolVersion)
        return DecodeError::BadVersion;
    const uint8_t length = versionLength >> 3;
    if (length > kMaxPayloadSize)
        return DecodeError::PayloadTooLong;
    if (size != expectedSize(versionLength))
        return DecodeError::SizeMismatch;
    if ((data[4] & 0x07) > kLastCommand)
        return DecodeError::ReservedCommand;
    const uint8_t fixed = fixedPayloadSize(static_cast<PayloadType>(data[4] >> 5));
    if (fixed != 0 && fixed != length)
        return DecodeError::PayloadSizeMismatch;

    memcpy(out.m_bytes, data, size);
    // An unsigned frame leaves the tail of the buffer unused; keep it zero so that data()
    // never exposes a previous message's bytes.
    if (size < kMaxMessageSize)
        memset(out.m_bytes + size, 0, kMaxMessageSize - size);
    return DecodeError::None;
}

size_t Message::size() const
{
    return expectedSize(m_bytes[3]);
}

void Message::setSigned(bool on)
{
    if (on) {
        m_bytes[3] |= kSignedFlag;
    } else {
        m_bytes[3] &= uint8_t(~kSignedFlag);
        const size_t end = kHeaderSize + payloadLength();
        memset(m_bytes + end, 0, kMaxMessageSize - end);
    }
}

void Message::setLength(uint8_t length)
{
    m_bytes[3] = uint8_t((m_bytes[3] & (kVersionMask | kSignedFlag)) | (length << 3));
}

void Message::setHeader(uint8_t sender, uint8_t destination, Command command, uint8_t type,
                        uint8_t sensor)
{
    m_bytes[0] = sender;
    m_bytes[1] = sender;
    m_bytes[2] = destination;
    setCommand(command);
    m_bytes[5] = type;
    m_bytes[6] = sensor;
}

bool Message::setPayload(PayloadType type, const void *bytes, size_t length)
{
    if (length > kMaxPayloadSize)
        return false;
    const uint8_t fixed = fixedPayloadSize(type);
    if (fixed != 0 && fixed != length)
        return false;
    setSigned(false);
    m_bytes[4] = uint8_t((m_bytes[4] & 0x1F) | (uint8_t(type) << 5));
    setLength(uint8_t(length));
    if (length > 0)
        memcpy(m_bytes + kHeaderSize, bytes, length);
    memset(m_bytes + kHeaderSize + length, 0, kMaxPayloadSize - length);
    return true;
}

bool Message::setString(const char *text, size_t length)
{
    return setPayload(PayloadType::String, text, length);
}

void Message::setByte(uint8_t v)
{
    setPayload(PayloadType::Byte, &v, 1);
}

void Message::setInt16(int16_t v)
{
    uint8_t b[2];
    writeLe16(b, uint16_t(v));
    setPayload(PayloadType::Int16, b, 2);
}

void Message::setUInt16(uint16_t v)
{
    uint8_t b[2];
    writeLe16(b, v);
    setPayload(PayloadType::UInt16, b, 2);
}

void Message::setLong32(int32_t v)
{
    uint8_t b[4];
    writeLe32(b, uint32_t(v));
    setPayload(PayloadType::Long32, b, 4);
}

void Message::setULong32(uint32_t v)
{
    uint8_t b[4];
    writeLe32(b, v);
    setPayload(PayloadType::ULong32, b, 4);
}

void Message::setFloat32(float v, uint8_t decimals)
{
    static_assert(sizeof(float) == 4, "P_FLOAT32 needs a 32-bit float");
    uint32_t bits;
    memcpy(&bits, &v, 4);
    uint8_t b[5];
    writeLe32(b, bits);
    b[4] = decimals;
    setPayload(PayloadType::Float32, b, 5);
}

bool Message::getByte(uint8_t &v) const
{
    if (payloadType() != PayloadType::Byte || payloadLength() != 1)
        return false;
    v = m_bytes[kHeaderSize];
    return true;
}

bool Message::getInt16(int16_t &v) const
{
    if (payloadType() != PayloadType::Int16 || payloadLength() != 2)
        return false;
    v = int16_t(readLe16(payload()));
    return true;
}

bool Message::getUInt16(uint16_t &v) const
{
    if (payloadType() != PayloadType::UInt16 || payloadLength() != 2)
        return false;
    v = readLe16(payload());
    return true;
}

bool Message::getLong32(int32_t &v) const
{
    if (payloadType() != PayloadType::Long32 || payloadLength() != 4)
        return false;
    v = int32_t(readLe32(payload()));
    return true;
}

bool Message::getULong32(uint32_t &v) const
{
    if (payloadType() != PayloadType::ULong32 || payloadLength() != 4)
        return false;
    v = readLe32(payload());
    return true;
}

bool Message::getFloat32(float &v, uint8_t &decimals) const
{
    if (payloadType() != PayloadType::Float32 || payloadLength() != 5)
        return false;
    const uint32_t bits = readLe32(payload());
    memcpy(&v, &bits, 4);
    decimals = m_bytes[kHeaderSize + 4];
    return true;
}

} // namespace Protocol
} // namespace Warden
