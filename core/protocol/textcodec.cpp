#include "warden/protocol/textcodec.h"

#include <string.h>

namespace Warden {
namespace Protocol {

namespace {

constexpr uint8_t kNumericFields = 5;
constexpr uint8_t kMaxAck = 1;
constexpr uint8_t kMaxFloatDecimals = 8; // the gateway clamps with min(decimals, 8)
constexpr uint8_t kFloatWidth = 2; // dtostrf(value, 2, decimals): minimum field width

// Computed rather than looked up: avr-gcc keeps constant tables in RAM (2 KiB on the 328P).
char hexDigit(uint8_t nibble)
{
    return char(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);
}

bool isControl(uint8_t c)
{
    return c < 0x20 || c == 0x7F;
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

// Appends to a caller's buffer and remembers whether everything fitted, so the formatters
// can write straight into the output without a second buffer (RAM is 2 KiB on the AVR).
class Writer
{
public:
    Writer(char *out, size_t capacity)
        : m_out(out)
        , m_capacity(capacity)
    { }

    void put(char c)
    {
        if (m_length < m_capacity)
            m_out[m_length] = c;
        else
            m_overflow = true;
        ++m_length;
    }
    void put(const char *text, size_t length)
    {
        for (size_t i = 0; i < length; ++i)
            put(text[i]);
    }
    void putUnsigned(uint32_t value)
    {
        char reversed[10]; // 4294967295
        uint8_t count = 0;
        do {
            reversed[count++] = char('0' + value % 10);
            value /= 10;
        } while (value != 0);
        while (count > 0)
            put(reversed[--count]);
    }
    void putSigned(bool negative, uint32_t magnitude)
    {
        if (negative)
            put('-');
        putUnsigned(magnitude);
    }

    // The text length, or 0 when it did not fit; a NUL follows when there is room.
    size_t finish()
    {
        if (m_overflow)
            return 0;
        if (m_length < m_capacity)
            m_out[m_length] = '\0';
        return m_length;
    }

private:
    char *m_out;
    size_t m_capacity;
    size_t m_length = 0;
    bool m_overflow = false;
};

// --- P_FLOAT32 -------------------------------------------------------------------------
//
// The gateway prints a float with dtostrf(value, 2, decimals), which on Linux is
// sprintf("%*.*f"): the exact binary value rounded half-to-even to the requested decimals.
// A binary32 value is m * 2^e with m < 2^24 and -149 <= e <= 104, so value * 10^d is
// m * 5^d * 2^(e + d): an integer shift of a number below 2^43. Shifted left it stays below
// 2^155, so 160 bits of 16-bit limbs hold every case. 16-bit limbs keep all arithmetic in
// 32 bits, which the AVR does without the large 64-bit division routines.

constexpr uint8_t kLimbBits = 16;
constexpr uint8_t kLimbs = 10;
constexpr uint16_t kBits = kLimbBits * kLimbs;
constexpr uint16_t kDigitGroup = 10000; // four decimal digits per division pass
constexpr uint8_t kMaxFloatDigits = 48; // 2^155 < 10^47, produced in groups of four

struct BigNumber
{
    uint16_t limb[kLimbs]; // least significant first
};

void multiplySmall(BigNumber &x, uint16_t factor)
{
    uint32_t carry = 0;
    for (uint8_t i = 0; i < kLimbs; ++i) {
        const uint32_t t = uint32_t(x.limb[i]) * factor + carry;
        x.limb[i] = uint16_t(t);
        carry = t >> kLimbBits;
    }
}

bool bitAt(const BigNumber &x, uint16_t bit)
{
    if (bit >= kBits)
        return false;
    return ((x.limb[bit / kLimbBits] >> (bit % kLimbBits)) & 1) != 0;
}

bool anyBitBelow(const BigNumber &x, uint16_t bit)
{
    for (uint8_t i = 0; i < kLimbs; ++i) {
        const uint16_t low = uint16_t(i * kLimbBits);
        if (low >= bit)
            break;
        const uint16_t count = bit - low;
        const uint16_t mask = count >= kLimbBits ? 0xFFFF : uint16_t((1u << count) - 1);
        if ((x.limb[i] & mask) != 0)
            return true;
    }
    return false;
}

void shiftLeft(BigNumber &x, uint16_t bits)
{
    const uint16_t words = bits / kLimbBits;
    const uint8_t rest = bits % kLimbBits;
    for (int i = kLimbs - 1; i >= 0; --i) {
        const int from = i - int(words);
        uint16_t v = 0;
        if (from >= 0) {
            v = uint16_t(x.limb[from] << rest);
            if (rest != 0 && from > 0)
                v = uint16_t(v | (x.limb[from - 1] >> (kLimbBits - rest)));
        }
        x.limb[i] = v;
    }
}

void shiftRight(BigNumber &x, uint16_t bits)
{
    const uint16_t words = bits / kLimbBits;
    const uint8_t rest = bits % kLimbBits;
    for (uint8_t i = 0; i < kLimbs; ++i) {
        const uint16_t from = uint16_t(i + words);
        uint16_t v = 0;
        if (from < kLimbs) {
            v = uint16_t(x.limb[from] >> rest);
            if (rest != 0 && from + 1 < kLimbs)
                v = uint16_t(v | (x.limb[from + 1] << (kLimbBits - rest)));
        }
        x.limb[i] = v;
    }
}

// x := x + 1 (the round-up of the division by a power of two).
void increment(BigNumber &x)
{
    for (uint8_t i = 0; i < kLimbs; ++i) {
        if (++x.limb[i] != 0)
            return;
    }
}

bool isZero(const BigNumber &x)
{
    for (uint8_t i = 0; i < kLimbs; ++i) {
        if (x.limb[i] != 0)
            return false;
    }
    return true;
}

// x := x / divisor; returns the remainder. (remainder << 16 | limb) < 10000 * 2^16 < 2^32.
uint16_t divideSmall(BigNumber &x, uint16_t divisor)
{
    uint32_t remainder = 0;
    for (int i = kLimbs - 1; i >= 0; --i) {
        const uint32_t current = (remainder << kLimbBits) | x.limb[i];
        x.limb[i] = uint16_t(current / divisor);
        remainder = current % divisor;
    }
    return uint16_t(remainder);
}

void formatFloat(uint32_t bits, uint8_t requestedDecimals, Writer &out)
{
    const bool negative = (bits >> 31) != 0;
    const uint8_t exponentField = uint8_t(bits >> 23);
    const uint32_t fraction = bits & 0x7FFFFF;

    if (exponentField == 0xFF) {
        // glibc prints the sign of a NaN too; both are at least the width of 2.
        if (negative)
            out.put('-');
        out.put(fraction != 0 ? "nan" : "inf", 3);
        return;
    }

    const uint8_t decimals
            = requestedDecimals < kMaxFloatDecimals ? requestedDecimals : kMaxFloatDecimals;
    // value = mantissa * 2^exponent; subnormals have no implicit bit and the exponent of 1.
    const uint32_t mantissa = exponentField == 0 ? fraction : (fraction | 0x800000);
    const int16_t exponent = int16_t(exponentField == 0 ? -149 : int16_t(exponentField) - 150);

    BigNumber x;
    memset(&x, 0, sizeof x);
    x.limb[0] = uint16_t(mantissa);
    x.limb[1] = uint16_t(mantissa >> kLimbBits);
    for (uint8_t i = 0; i < decimals; ++i)
        multiplySmall(x, 5);

    // x * 2^shift is value * 10^decimals; make it the nearest integer, ties to even.
    const int16_t shift = int16_t(exponent + decimals);
    if (shift >= 0) {
        shiftLeft(x, uint16_t(shift));
    } else {
        const uint16_t drop = uint16_t(-shift);
        const bool half = bitAt(x, uint16_t(drop - 1));
        const bool sticky = anyBitBelow(x, uint16_t(drop - 1));
        shiftRight(x, drop);
        if (half && (sticky || bitAt(x, 0)))
            increment(x);
    }

    // Least significant digit first; at least one digit before the point.
    char digits[kMaxFloatDigits];
    uint8_t count = 0;
    while (!isZero(x)) {
        uint16_t group = divideSmall(x, kDigitGroup);
        for (uint8_t i = 0; i < 4; ++i) {
            digits[count++] = char('0' + group % 10);
            group /= 10;
        }
    }
    while (count > decimals + 1 && digits[count - 1] == '0')
        --count;
    while (count < decimals + 1)
        digits[count++] = '0';

    const uint8_t length = uint8_t((negative ? 1 : 0) + count + (decimals != 0 ? 1 : 0));
    for (uint8_t pad = length; pad < kFloatWidth; ++pad)
        out.put(' ');
    if (negative) // printf keeps the sign of -0.0 and of negatives that round to zero
        out.put('-');
    while (count > decimals)
        out.put(digits[--count]);
    if (decimals != 0) {
        out.put('.');
        while (count > 0)
            out.put(digits[--count]);
    }
}

// --- Payload text ----------------------------------------------------------------------

bool isStringRenderable(const uint8_t *text, size_t length)
{
    for (size_t i = 0; i < length; ++i) {
        if (isControl(text[i]))
            return false;
    }
    return true;
}

// Everything formatPayloadText() needs to hold, so that messageToControllerLine() can check
// before it writes anything.
bool isRenderable(const Message &message)
{
    const uint8_t length = message.payloadLength();
    if (length > kMaxPayloadSize || uint8_t(message.command()) > kLastCommand)
        return false;
    if (message.command() == Command::Stream)
        return true; // raw bytes as hex, whatever the payload type says
    const PayloadType type = message.payloadType();
    const uint8_t fixed = fixedPayloadSize(type);
    if (fixed != 0)
        return fixed == length;
    if (type == PayloadType::String)
        return isStringRenderable(message.payload(), length);
    return true; // P_CUSTOM
}

void writePayloadText(const Message &message, Writer &out)
{
    const uint8_t *p = message.payload();
    const uint8_t length = message.payloadLength();
    if (message.command() == Command::Stream || message.payloadType() == PayloadType::Custom) {
        for (uint8_t i = 0; i < length; ++i) {
            out.put(hexDigit(p[i] >> 4));
            out.put(hexDigit(p[i] & 0x0F));
        }
        return;
    }
    switch (message.payloadType()) {
    case PayloadType::String:
        out.put(reinterpret_cast<const char *>(p), length);
        break;
    case PayloadType::Byte:
        out.putUnsigned(p[0]);
        break;
    case PayloadType::Int16: {
        // Two's complement by hand: converting an out-of-range unsigned value to a signed
        // type is implementation-defined before C++20.
        const uint16_t v = readLe16(p);
        const bool negative = (v & 0x8000) != 0;
        out.putSigned(negative, negative ? uint32_t(0x10000) - v : v);
        break;
    }
    case PayloadType::UInt16:
        out.putUnsigned(readLe16(p));
        break;
    case PayloadType::Long32: {
        const uint32_t v = readLe32(p);
        const bool negative = (v >> 31) != 0;
        out.putSigned(negative, negative ? 0u - v : v);
        break;
    }
    case PayloadType::ULong32:
        out.putUnsigned(readLe32(p));
        break;
    case PayloadType::Float32:
        formatFloat(readLe32(p), p[4], out);
        break;
    case PayloadType::Custom: // handled above
        break;
    }
}

// Parses one of the five numeric fields; values saturate at 256 so that any number of
// digits is safe.
LineError parseNumber(const char *text, size_t begin, size_t end, uint8_t maximum, uint8_t &value)
{
    if (begin == end)
        return LineError::NotNumeric;
    uint16_t v = 0;
    for (size_t i = begin; i < end; ++i) {
        const char c = text[i];
        if (c < '0' || c > '9')
            return LineError::NotNumeric;
        v = uint16_t(v * 10 + uint16_t(c - '0'));
        if (v > 255)
            v = 256;
    }
    if (v > maximum)
        return LineError::OutOfRange;
    value = uint8_t(v);
    return LineError::None;
}

} // namespace

const char *lineErrorName(LineError error)
{
    switch (error) {
    case LineError::None:
        return "ok";
    case LineError::Empty:
        return "empty";
    case LineError::TooLong:
        return "too-long";
    case LineError::FieldCount:
        return "field-count";
    case LineError::NotNumeric:
        return "not-numeric";
    case LineError::OutOfRange:
        return "out-of-range";
    case LineError::BadHex:
        return "bad-hex";
    case LineError::PayloadTooLong:
        return "payload-too-long";
    case LineError::ControlCharacter:
        return "control-character";
    case LineError::BufferTooSmall:
        return "buffer-too-small";
    }
    return "unknown";
}

const char *lineErrorText(LineError error)
{
    switch (error) {
    case LineError::None:
        return "the line is valid";
    case LineError::Empty:
        return "the line is empty";
    case LineError::TooLong:
        return "the line is longer than 98 characters before its terminator";
    case LineError::FieldCount:
        return "the line has fewer than the five fields node;child;command;ack;type";
    case LineError::NotNumeric:
        return "a numeric field is empty or holds something other than the digits 0-9";
    case LineError::OutOfRange:
        return "a field is out of range (a value above 255, a command above 4 or an ack "
               "above 1)";
    case LineError::BadHex:
        return "the stream payload is not an even number of hex digits";
    case LineError::PayloadTooLong:
        return "the payload is longer than the 25 bytes a message can carry";
    case LineError::ControlCharacter:
        return "the line holds a control character (below 0x20, or 0x7F)";
    case LineError::BufferTooSmall:
        return "the output buffer is too small for the decoded bytes";
    }
    return "unknown error";
}

namespace {
LineError parseControllerLineChecked(const char *text, size_t length, ControllerLine &out,
                                     uint8_t *badField);

// Fast path: valid lines only; anything unusual returns false and the checked parser decides.
inline bool isDigit(char c)
{
    return unsigned(c - '0') < 10u;
}

bool parseFast(const char *text, size_t length, ControllerLine &out)
{
    // Only lines that end in their terminator: the '\n' or '\r' then serves as a sentinel
    // (neither digit nor ';'), so the header scan below needs no bounds checks.
    if (length == 0)
        return false;
    if (text[length - 1] == '\n') {
        --length;
        if (length > 0 && text[length - 1] == '\r')
            --length;
    } else if (text[length - 1] == '\r') {
        --length;
    } else {
        return false;
    }
    if (length == 0 || length > kMaxControllerLineLength)
        return false;
    static const uint8_t kMax[kNumericFields] = {255, 255, kLastCommand, kMaxAck, 255};
    uint8_t values[kNumericFields];
    const char *p = text;
    const char *const end = text + length;
    for (unsigned field = 0; field < kNumericFields; ++field) {
        if (!isDigit(*p))
            return false;
        unsigned v = unsigned(*p++ - '0');
        if (isDigit(*p)) {
            v = v * 10 + unsigned(*p++ - '0');
            if (isDigit(*p))
                v = v * 10 + unsigned(*p++ - '0');
        }
        if (v > kMax[field])
            return false;
        values[field] = uint8_t(v);
        if (*p == ';')
            ++p;
        else if (field < kNumericFields - 1 || p != end)
            return false;
    }
    if (p > end)
        p = end; // "5;1;1;0;2;" and "5;1;1;0;2" both have an empty payload
    const size_t payloadLength = size_t(end - p);
    uint8_t control = 0;
    for (size_t i = 0; i < payloadLength; ++i) {
        const uint8_t c = uint8_t(p[i]);
        control |= uint8_t(c < 0x20) | uint8_t(c == 0x7F);
    }
    if (control)
        return false;
    memcpy(out.payload, p, payloadLength);
    out.nodeId = values[0];
    out.childSensorId = values[1];
    out.command = values[2];
    out.ack = values[3] != 0;
    out.type = values[4];
    out.payload[payloadLength] = '\0';
    out.payloadLength = uint8_t(payloadLength);
    return true;
}
} // namespace

LineError parseControllerLine(const char *text, size_t length, ControllerLine &out,
                              uint8_t *badField)
{
    if (text != nullptr && parseFast(text, length, out)) {
        if (badField)
            *badField = kNoBadField;
        return LineError::None;
    }
    return parseControllerLineChecked(text, length, out, badField);
}

namespace {
LineError parseControllerLineChecked(const char *text, size_t length, ControllerLine &out,
                                     uint8_t *badField)
{
    uint8_t ignored;
    uint8_t &bad = badField != nullptr ? *badField : ignored;
    bad = kNoBadField;
    if (text == nullptr)
        length = 0;

    // One terminator at most; a second one is a control character in the line.
    if (length > 0 && text[length - 1] == '\n') {
        --length;
        if (length > 0 && text[length - 1] == '\r')
            --length;
    } else if (length > 0 && text[length - 1] == '\r') {
        --length;
    }
    if (length == 0)
        return LineError::Empty;
    if (length > kMaxControllerLineLength)
        return LineError::TooLong;

    // separators[i] ends field i; only the first five count, the rest is payload.
    size_t separators[kNumericFields];
    uint8_t separatorCount = 0;
    for (size_t i = 0; i < length; ++i) {
        const uint8_t c = uint8_t(text[i]);
        if (isControl(c)) {
            bad = separatorCount;
            return LineError::ControlCharacter;
        }
        if (c == ';' && separatorCount < kNumericFields)
            separators[separatorCount++] = i;
    }
    if (separatorCount < kNumericFields - 1) {
        bad = uint8_t(separatorCount + 1);
        return LineError::FieldCount;
    }

    uint8_t values[kNumericFields];
    for (uint8_t field = 0; field < kNumericFields; ++field) {
        const size_t begin = field == 0 ? 0 : separators[field - 1] + 1;
        const size_t end = field < separatorCount ? separators[field] : length;
        const uint8_t maximum = field == 2 ? kLastCommand : field == 3 ? kMaxAck : 255;
        const LineError error = parseNumber(text, begin, end, maximum, values[field]);
        if (error != LineError::None) {
            bad = field;
            return error;
        }
    }

    const size_t payloadBegin = separatorCount == kNumericFields ? separators[4] + 1 : length;
    const size_t payloadLength = length - payloadBegin;
    out.nodeId = values[0];
    out.childSensorId = values[1];
    out.command = values[2];
    out.ack = values[3] != 0;
    out.type = values[4];
    memcpy(out.payload, text + payloadBegin, payloadLength);
    out.payload[payloadLength] = '\0';
    out.payloadLength = uint8_t(payloadLength);
    return LineError::None;
}

} // namespace

size_t formatControllerLine(const ControllerLine &line, char *out, size_t capacity)
{
    if (line.payloadLength > kMaxControllerLineLength)
        return 0;
    Writer w(out, capacity);
    w.putUnsigned(line.nodeId);
    w.put(';');
    w.putUnsigned(line.childSensorId);
    w.put(';');
    w.putUnsigned(line.command);
    w.put(';');
    w.put(line.ack ? '1' : '0');
    w.put(';');
    w.putUnsigned(line.type);
    w.put(';');
    w.put(line.payload, line.payloadLength);
    w.put('\n');
    return w.finish();
}

LineError controllerLineToMessage(const ControllerLine &line, Message &out)
{
    if (line.command > kLastCommand)
        return LineError::OutOfRange;
    if (line.payloadLength > kMaxControllerLineLength)
        return LineError::PayloadTooLong;

    Message message;
    message.setHeader(kGatewayAddress, line.nodeId, static_cast<Command>(line.command), line.type,
                      line.childSensorId);
    message.setRequestEcho(line.ack);

    if (line.payloadLength == 0) {
        message.setByte(0);
    } else if (line.command == uint8_t(Command::Stream)) {
        uint8_t bytes[kMaxPayloadSize];
        size_t written = 0;
        const LineError error
                = hexDecode(line.payload, line.payloadLength, bytes, sizeof bytes, written);
        if (error == LineError::BufferTooSmall)
            return LineError::PayloadTooLong;
        if (error != LineError::None)
            return error;
        if (!message.setPayload(PayloadType::Custom, bytes, written))
            return LineError::PayloadTooLong;
    } else {
        if (line.payloadLength > kMaxPayloadSize)
            return LineError::PayloadTooLong;
        if (!message.setString(line.payload, line.payloadLength))
            return LineError::PayloadTooLong;
    }
    out = message;
    return LineError::None;
}

bool messageToControllerLine(const Message &message, ControllerLine &out)
{
    if (!isRenderable(message))
        return false;
    out.nodeId = message.sender();
    out.childSensorId = message.sensor();
    out.command = uint8_t(message.command());
    out.ack = message.isEcho();
    out.type = message.type();
    // At most kMaxPayloadTextLength characters, so this always fits.
    Writer w(out.payload, sizeof out.payload);
    writePayloadText(message, w);
    out.payloadLength = uint8_t(w.finish());
    return true;
}

size_t formatPayloadText(const Message &message, char *out, size_t capacity)
{
    if (!isRenderable(message))
        return 0;
    Writer w(out, capacity);
    writePayloadText(message, w);
    return w.finish();
}

size_t hexEncodeUpper(const uint8_t *data, size_t length, char *out, size_t capacity)
{
    if (length > capacity / 2)
        return 0;
    for (size_t i = 0; i < length; ++i) {
        out[2 * i] = hexDigit(data[i] >> 4);
        out[2 * i + 1] = hexDigit(data[i] & 0x0F);
    }
    if (2 * length < capacity)
        out[2 * length] = '\0';
    return 2 * length;
}

LineError hexDecode(const char *text, size_t length, uint8_t *out, size_t capacity, size_t &written)
{
    written = 0;
    if (length % 2 != 0)
        return LineError::BadHex;
    for (size_t i = 0; i < length; ++i) {
        if (hexValue(text[i]) < 0)
            return LineError::BadHex;
    }
    if (length / 2 > capacity)
        return LineError::BufferTooSmall;
    for (size_t i = 0; i < length / 2; ++i)
        out[i] = uint8_t((hexValue(text[2 * i]) << 4) | hexValue(text[2 * i + 1]));
    written = length / 2;
    return LineError::None;
}

} // namespace Protocol
} // namespace Warden
