// Fuzz target for the controller-protocol text codec. The input is read three ways: as a
// controller line, as a binary message to render, and as hex / float payload bytes.
// Invariants: a refused line names its reason and field and leaves the output untouched; a
// line that parses formats back to a line that parses to the same fields; formatting never
// writes past its capacity; a line turned into a message renders back to its own payload;
// every renderable message renders to a line that parses; floats print as the host's printf.
#include <warden/protocol/textcodec.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

using namespace Warden::Protocol;

namespace {

constexpr char kGuard = '\x5A';

void check(bool condition)
{
    if (!condition)
        std::abort();
}

bool sameFields(const ControllerLine &a, const ControllerLine &b)
{
    return a.nodeId == b.nodeId && a.childSensorId == b.childSensorId && a.command == b.command
           && a.ack == b.ack && a.type == b.type && a.payloadLength == b.payloadLength
           && std::memcmp(a.payload, b.payload, a.payloadLength) == 0;
}

bool isControl(uint8_t c)
{
    return c < 0x20 || c == 0x7F;
}

char upper(char c)
{
    return c >= 'a' && c <= 'f' ? char(c - 'a' + 'A') : c;
}

// Formats @p line at every capacity up to its length and one beyond; returns the whole line.
size_t formatChecked(const ControllerLine &line, char (&out)[kMaxControllerLineSize + 8])
{
    std::memset(out, kGuard, sizeof out);
    const size_t n = formatControllerLine(line, out, kMaxControllerLineSize);
    check(n > 0 && n <= kMaxControllerLineSize && out[n - 1] == '\n' && out[n] == '\0');
    for (size_t i = kMaxControllerLineSize; i < sizeof out; ++i)
        check(out[i] == kGuard);

    char small[kMaxControllerLineSize + 8];
    for (size_t capacity : {size_t(0), n / 2, n - 1, n}) {
        std::memset(small, kGuard, sizeof small);
        const size_t m = formatControllerLine(line, small, capacity);
        check(m == (capacity < n ? 0 : n));
        for (size_t i = capacity; i < sizeof small; ++i)
            check(small[i] == kGuard);
        if (m != 0)
            check(std::memcmp(small, out, n) == 0);
    }
    return n;
}

// Renders @p message, checks the text against formatPayloadText() at every capacity, and
// that the formatted line parses back to the same fields.
void checkRendering(const Message &message, ControllerLine &rendered)
{
    char text[kMaxPayloadTextLength + 8];
    std::memset(text, kGuard, sizeof text);
    const size_t n = formatPayloadText(message, text, kMaxPayloadTextLength + 1);
    check(n == rendered.payloadLength && n <= kMaxPayloadTextLength);
    check(std::memcmp(text, rendered.payload, n) == 0 && rendered.payload[n] == '\0');
    for (size_t capacity = 0; capacity <= n + 1; ++capacity) {
        std::memset(text, kGuard, sizeof text);
        const size_t m = formatPayloadText(message, text, capacity);
        check(m == (capacity < n ? 0 : n));
        for (size_t i = capacity; i < sizeof text; ++i)
            check(text[i] == kGuard);
    }

    check(rendered.nodeId == message.sender() && rendered.childSensorId == message.sensor()
          && rendered.command == uint8_t(message.command()) && rendered.ack == message.isEcho()
          && rendered.type == message.type());
    char line[kMaxControllerLineSize + 8];
    const size_t length = formatChecked(rendered, line);
    ControllerLine parsed;
    check(parseControllerLine(line, length, parsed) == LineError::None);
    check(sameFields(parsed, rendered));
}

void fuzzLine(const uint8_t *data, size_t size)
{
    const char *text = reinterpret_cast<const char *>(data);
    ControllerLine line;
    std::memset(&line, 0xA5, sizeof line);
    ControllerLine untouched;
    std::memcpy(&untouched, &line, sizeof line);
    uint8_t bad = 42;
    const LineError error = parseControllerLine(text, size, line, &bad);
    check(std::strcmp(lineErrorName(error), "unknown") != 0);

    if (error != LineError::None) {
        check(std::memcmp(&line, &untouched, sizeof line) == 0);
        switch (error) {
        case LineError::Empty:
        case LineError::TooLong:
            check(bad == kNoBadField);
            break;
        case LineError::ControlCharacter:
            check(bad <= 5);
            break;
        case LineError::FieldCount:
            check(bad >= 1 && bad <= 4);
            break;
        case LineError::NotNumeric:
        case LineError::OutOfRange:
            check(bad <= 4);
            break;
        default:
            check(false); // the parser never reports hex, payload or buffer errors
        }
        return;
    }

    check(bad == kNoBadField && size <= kMaxControllerLineLength + 2);
    check(line.command <= 4 && line.payloadLength <= kMaxControllerLineLength);
    check(line.payload[line.payloadLength] == '\0');
    for (size_t i = 0; i < line.payloadLength; ++i)
        check(!isControl(uint8_t(line.payload[i])));

    // Formats back to a line no longer than the input plus ';' and '\n' (a missing sixth
    // field is written as empty) that parses the same.
    char formatted[kMaxControllerLineSize + 8];
    const size_t n = formatChecked(line, formatted);
    check(n <= size + 2 && n <= kMaxControllerLineLength + 2);
    ControllerLine again;
    check(parseControllerLine(formatted, n, again) == LineError::None);
    check(sameFields(line, again));

    // To a message and back: the gateway's own rendering of what it would send.
    Message message;
    const Message fresh;
    const LineError built = controllerLineToMessage(line, message);
    const bool stream = line.command == uint8_t(Command::Stream);
    if (built != LineError::None) {
        check(std::memcmp(message.data(), fresh.data(), kMaxMessageSize) == 0);
        if (stream)
            check(built == LineError::BadHex || built == LineError::PayloadTooLong);
        else
            check(built == LineError::PayloadTooLong && line.payloadLength > kMaxPayloadSize);
        return;
    }
    Message decoded;
    check(Message::decode(message.data(), message.size(), decoded) == DecodeError::None);
    check(message.sender() == kGatewayAddress && message.last() == kGatewayAddress
          && message.destination() == line.nodeId && message.sensor() == line.childSensorId
          && uint8_t(message.command()) == line.command && message.type() == line.type
          && message.requestEcho() == line.ack && !message.isEcho() && !message.isSigned());

    ControllerLine rendered;
    check(messageToControllerLine(message, rendered));
    checkRendering(message, rendered);
    if (line.payloadLength == 0) {
        check(message.payloadType() == PayloadType::Byte && message.payloadLength() == 1
              && message.payload()[0] == 0);
        check(std::strcmp(rendered.payload, stream ? "00" : "0") == 0);
    } else if (stream) {
        check(rendered.payloadLength == line.payloadLength);
        for (size_t i = 0; i < line.payloadLength; ++i)
            check(rendered.payload[i] == upper(line.payload[i]));
    } else {
        // The gateway is the sender of what it builds, and a built message is no echo.
        check(rendered.nodeId == kGatewayAddress && !rendered.ack
              && rendered.childSensorId == line.childSensorId && rendered.command == line.command
              && rendered.type == line.type);
        check(rendered.payloadLength == line.payloadLength
              && std::memcmp(rendered.payload, line.payload, line.payloadLength) == 0);
    }
}

void fuzzMessage(const uint8_t *data, size_t size)
{
    // As the gateway receives it.
    Message message;
    if (Message::decode(data, size, message) == DecodeError::None) {
        ControllerLine rendered;
        const bool ok = messageToControllerLine(message, rendered);
        bool controlInString = false;
        if (message.command() != Command::Stream && message.payloadType() == PayloadType::String) {
            for (size_t i = 0; i < message.payloadLength(); ++i)
                controlInString = controlInString || isControl(message.payload()[i]);
        }
        check(ok != controlInString);
        if (ok)
            checkRendering(message, rendered);
    }

    // A hand-built image, whatever its header claims: renders or refuses, never overruns.
    Message raw;
    std::memcpy(raw.mutableData(), data, size < kMaxMessageSize ? size : kMaxMessageSize);
    ControllerLine rendered;
    if (messageToControllerLine(raw, rendered))
        checkRendering(raw, rendered);
    else
        check(formatPayloadText(raw, rendered.payload, sizeof rendered.payload) == 0);
}

void fuzzFloat(const uint8_t *data, size_t size)
{
    if (size < 5)
        return;
    Message message;
    check(message.setPayload(PayloadType::Float32, data, 5));
    char text[kMaxPayloadTextLength + 1];
    const size_t n = formatPayloadText(message, text, sizeof text);
    check(n >= 2 && n <= 49);

    // The Linux gateway's dtostrf(value, 2, decimals) is sprintf("%*.*f", 2, decimals, value).
    float value;
    std::memcpy(&value, data, 4);
    const int decimals = data[4] < 8 ? data[4] : 8;
    char expected[128];
    const int m = std::snprintf(expected, sizeof expected, "%2.*f", decimals, double(value));
    check(m > 0 && size_t(m) == n && std::memcmp(text, expected, n) == 0);
}

void fuzzHex(const uint8_t *data, size_t size)
{
    const char *text = reinterpret_cast<const char *>(data);
    uint8_t bytes[kMaxPayloadSize + 8];
    std::memset(bytes, kGuard, sizeof bytes);
    size_t written = 99;
    const LineError error = hexDecode(text, size, bytes, kMaxPayloadSize, written);
    for (size_t i = kMaxPayloadSize; i < sizeof bytes; ++i)
        check(bytes[i] == uint8_t(kGuard));
    if (error != LineError::None) {
        check(written == 0);
        check(error == LineError::BadHex || error == LineError::BufferTooSmall);
        check(error != LineError::BufferTooSmall || size > 2 * kMaxPayloadSize);
        return;
    }
    check(written * 2 == size);
    char again[2 * kMaxPayloadSize + 8];
    std::memset(again, kGuard, sizeof again);
    check(hexEncodeUpper(bytes, written, again, 2 * written) == size);
    for (size_t i = 0; i < size; ++i)
        check(again[i] == upper(text[i]));
    for (size_t i = size; i < sizeof again; ++i)
        check(again[i] == kGuard);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzzLine(data, size);
    fuzzMessage(data, size);
    fuzzFloat(data, size);
    fuzzHex(data, size);
    return 0;
}
