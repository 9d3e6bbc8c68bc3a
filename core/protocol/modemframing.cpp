#include "warden/protocol/modemframing.h"

namespace Warden {
namespace Protocol {

namespace {

// Each table is an object of its own (see rs485.cpp): with --gc-sections a modem that never
// names its errors links none of the text. Indexed by ModemError.
constexpr size_t kErrorCount = size_t(ModemError::BadCrc) + 1;
const char kErrorNames[kErrorCount][13] = {
        "ok", "too-long", "bad-encoding", "truncated", "bad-crc",
};
const char kErrorTexts[kErrorCount][72] = {
        "the modem packet is valid",
        "more bytes than the longest modem packet arrived before the delimiter",
        "a COBS run of the modem packet announces more bytes than there are",
        "the modem packet is shorter than its type, sequence and CRC",
        "the CRC of the modem packet does not match its bytes",
};

/// COBS encoder writing straight into the output: each run of non-zero bytes is preceded by
/// its length + 1, a zero byte ends a run, and a run of 254 bytes ends without a zero.
class CobsWriter
{
public:
    CobsWriter(uint8_t *out)
        : m_out(out)
        , m_code(0)
        , m_next(1)
    { }

    void put(uint8_t byte)
    {
        if (byte != 0) {
            m_out[m_next++] = byte;
            if (m_next - m_code == 0xFF)
                close();
            return;
        }
        close();
    }

    /// Closes the last run; returns the encoded size.
    size_t finish()
    {
        m_out[m_code] = uint8_t(m_next - m_code);
        return m_next;
    }

private:
    void close()
    {
        m_out[m_code] = uint8_t(m_next - m_code);
        m_code = m_next++;
    }

    uint8_t *m_out;
    size_t m_code; ///< where the length byte of the open run goes
    size_t m_next; ///< where the next data byte goes
};

} // namespace

const char *modemErrorName(ModemError error)
{
    return size_t(error) < kErrorCount ? kErrorNames[size_t(error)] : "unknown";
}

const char *modemErrorText(ModemError error)
{
    return size_t(error) < kErrorCount ? kErrorTexts[size_t(error)] : "unknown error";
}

uint16_t modemCrc16(const uint8_t *data, size_t length, uint16_t crc)
{
    // Bit by bit: no table in the modem's flash, and a packet is at most 42 bytes.
    for (size_t i = 0; i < length; ++i) {
        crc = uint16_t(crc ^ (uint16_t(data[i]) << 8));
        for (uint8_t bit = 0; bit < 8; ++bit)
            crc = (crc & 0x8000) ? uint16_t((crc << 1) ^ 0x1021) : uint16_t(crc << 1);
    }
    return crc;
}

size_t modemEncode(uint8_t type, uint8_t sequence, const uint8_t *lead, size_t leadLength,
                   const uint8_t *data, size_t dataLength, uint8_t *out, size_t capacity)
{
    if (leadLength > kModemMaxBodySize || dataLength > kModemMaxBodySize - leadLength)
        return 0;
    const size_t packetSize = kModemPacketOverhead + leadLength + dataLength;
    // COBS of n bytes: n + 1 (n < 254 here), and the two delimiters.
    const size_t wireSize = packetSize + 1 + 2;
    if (capacity < wireSize)
        return 0;

    const uint8_t header[2] = {type, sequence};
    uint16_t crc = modemCrc16(header, 2);
    crc = modemCrc16(lead, leadLength, crc);
    crc = modemCrc16(data, dataLength, crc);

    out[0] = kModemDelimiter;
    CobsWriter cobs(out + 1);
    cobs.put(type);
    cobs.put(sequence);
    for (size_t i = 0; i < leadLength; ++i)
        cobs.put(lead[i]);
    for (size_t i = 0; i < dataLength; ++i)
        cobs.put(data[i]);
    cobs.put(uint8_t(crc));
    cobs.put(uint8_t(crc >> 8));
    const size_t encoded = cobs.finish();
    out[1 + encoded] = kModemDelimiter;
    return encoded + 2;
}

ModemDecoder::ModemDecoder()
    : m_count(0)
    , m_bodyLength(0)
    , m_overflow(false)
    , m_lastError(ModemError::None)
{
    for (size_t i = 0; i < sizeof m_buffer; ++i)
        m_buffer[i] = 0;
}

void ModemDecoder::reset()
{
    m_count = 0;
    m_bodyLength = 0;
    m_overflow = false;
}

ModemDecoder::Event ModemDecoder::feed(uint8_t byte)
{
    if (byte != kModemDelimiter) {
        if (m_count < sizeof m_buffer)
            m_buffer[m_count++] = byte;
        else
            m_overflow = true; // keep swallowing until the delimiter
        return Event::None;
    }
    if (m_count == 0 && !m_overflow)
        return Event::None; // the leading delimiter, or two in a row
    const ModemError error = m_overflow ? ModemError::TooLong : decode();
    m_count = 0;
    m_overflow = false;
    if (error != ModemError::None) {
        m_lastError = error;
        m_bodyLength = 0;
        return Event::Error;
    }
    return Event::Packet;
}

ModemError ModemDecoder::decode()
{
    // In place: every run's length byte is dropped, so the write index never passes the read
    // index, and the zero a run ends with lands on a byte already read.
    size_t read = 0;
    size_t written = 0;
    while (read < m_count) {
        const uint8_t code = m_buffer[read++];
        // A zero cannot be here (it is the delimiter).
        if (size_t(code - 1) > m_count - read)
            return ModemError::BadEncoding;
        for (uint8_t i = 1; i < code; ++i)
            m_buffer[written++] = m_buffer[read++];
        if (code < 0xFF && read < m_count)
            m_buffer[written++] = 0;
    }
    if (written < kModemPacketOverhead)
        return ModemError::Truncated;
    const size_t covered = written - 2;
    const uint16_t expected = readLe16(m_buffer + covered);
    if (modemCrc16(m_buffer, covered) != expected)
        return ModemError::BadCrc;
    m_bodyLength = uint8_t(covered - 2);
    return ModemError::None;
}

size_t modemWriteStatus(const ModemStatus &s, uint8_t out[kModemStatusBodySize])
{
    out[0] = s.protocolVersion;
    out[1] = s.firmwareMajor;
    out[2] = s.firmwareMinor;
    out[3] = s.firmwarePatch;
    out[4] = s.radioKind;
    out[5] = s.flags;
    out[6] = s.address;
    out[7] = s.channel;
    out[8] = s.dataRate;
    out[9] = s.power;
    out[10] = s.txWindow;
    out[11] = s.maxData;
    writeLe16(out + 12, s.rxFrames);
    writeLe16(out + 14, s.txFrames);
    writeLe16(out + 16, s.txNoAck);
    writeLe16(out + 18, s.rxDropped);
    writeLe16(out + 20, s.linkErrors);
    out[22] = s.resetCause;
    return kModemStatusBodySize;
}

bool modemParseStatus(const uint8_t *body, size_t length, ModemStatus &s)
{
    if (length < kModemStatusBodySize)
        return false;
    s.protocolVersion = body[0];
    s.firmwareMajor = body[1];
    s.firmwareMinor = body[2];
    s.firmwarePatch = body[3];
    s.radioKind = body[4];
    s.flags = body[5];
    s.address = body[6];
    s.channel = body[7];
    s.dataRate = body[8];
    s.power = body[9];
    s.txWindow = body[10];
    s.maxData = body[11];
    s.rxFrames = readLe16(body + 12);
    s.txFrames = readLe16(body + 14);
    s.txNoAck = readLe16(body + 16);
    s.rxDropped = readLe16(body + 18);
    s.linkErrors = readLe16(body + 20);
    s.resetCause = body[22];
    return true;
}

size_t modemWriteConfig(const ModemRadioConfig &config, uint8_t out[kModemConfigBodySize])
{
    out[0] = config.address;
    out[1] = config.channel;
    out[2] = config.dataRate;
    out[3] = config.power;
    return kModemConfigBodySize;
}

bool modemParseConfig(const uint8_t *body, size_t length, ModemRadioConfig &out)
{
    if (length != kModemConfigBodySize || body[0] == kBroadcastAddress || body[1] > kModemMaxChannel
        || body[2] > kModemRate2M || body[3] > kModemMaxPower)
        return false;
    out.address = body[0];
    out.channel = body[1];
    out.dataRate = body[2];
    out.power = body[3];
    return true;
}

} // namespace Protocol
} // namespace Warden
