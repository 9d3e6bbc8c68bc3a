// The controller-protocol text codec: strict line parsing with a named reason for every refusal,
// formatting, line <-> message conversion, the payload text of every type (floats checked
// against the host's own printf over random bit patterns), the hex helpers and every
// serial_line vector of ../shared/vectors (and of WARDEN_VECTORS).
#include <warden/protocol/textcodec.h>

#include "vectorfiles.h"

#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QRandomGenerator>
#include <QtCore/QRegularExpression>
#include <QtTest/QtTest>

#include <float.h>
#include <stdio.h>
#include <string.h>

using namespace Warden::Protocol;
using namespace Qt::StringLiterals;

namespace {

constexpr char kGuard = '\x5A';

const uint8_t *u8(const QByteArray &a)
{
    return reinterpret_cast<const uint8_t *>(a.constData());
}

QByteArray bytes(const uint8_t *p, size_t n)
{
    return QByteArray(reinterpret_cast<const char *>(p), qsizetype(n));
}

QByteArray payloadOf(const ControllerLine &line)
{
    return QByteArray(line.payload, line.payloadLength);
}

QByteArray format(const ControllerLine &line)
{
    char out[kMaxControllerLineSize + 1];
    const size_t n = formatControllerLine(line, out, sizeof out);
    return QByteArray(out, qsizetype(n));
}

LineError parse(const QByteArray &text, ControllerLine &out, uint8_t *badField = nullptr)
{
    return parseControllerLine(text.constData(), size_t(text.size()), out, badField);
}

ControllerLine makeLine(int node, int child, int command, bool ack, int type,
                        const QByteArray &payload)
{
    ControllerLine line;
    memset(&line, 0, sizeof line);
    line.nodeId = uint8_t(node);
    line.childSensorId = uint8_t(child);
    line.command = uint8_t(command);
    line.ack = ack;
    line.type = uint8_t(type);
    memcpy(line.payload, payload.constData(), size_t(payload.size()));
    line.payloadLength = uint8_t(payload.size());
    return line;
}

QByteArray floatPayload(uint32_t bits, int decimals)
{
    uint8_t b[5];
    writeLe32(b, bits);
    b[4] = uint8_t(decimals);
    return bytes(b, 5);
}

uint32_t bitsOf(float v)
{
    uint32_t bits;
    memcpy(&bits, &v, 4);
    return bits;
}

QByteArray floatPayload(float v, int decimals)
{
    return floatPayload(bitsOf(v), decimals);
}

Message makeMessage(Command command, PayloadType type, const QByteArray &payload)
{
    Message m;
    m.setHeader(1, 0, command, 2, 3);
    const bool ok = m.setPayload(type, payload.constData(), size_t(payload.size()));
    Q_ASSERT(ok);
    Q_UNUSED(ok);
    return m;
}

QByteArray renderPayload(const Message &m)
{
    char out[kMaxPayloadTextLength + 1];
    const size_t n = formatPayloadText(m, out, sizeof out);
    return QByteArray(out, qsizetype(n));
}

QByteArray codecFloat(uint32_t bits, int decimals)
{
    return renderPayload(
            makeMessage(Command::Set, PayloadType::Float32, floatPayload(bits, decimals)));
}

// What the Linux gateway prints: dtostrf(value, 2, decimals) is sprintf("%*.*f", 2, ...).
QByteArray hostFloat(uint32_t bits, int decimals)
{
    float v;
    memcpy(&v, &bits, 4);
    char buf[128];
    const int n = snprintf(buf, sizeof buf, "%2.*f", qMin(decimals, 8), double(v));
    return QByteArray(buf, n);
}

QByteArray describeFloat(uint32_t bits, int decimals)
{
    return "bits 0x" + QByteArray::number(bits, 16) + " decimals " + QByteArray::number(decimals)
           + ": codec \"" + codecFloat(bits, decimals) + "\", printf \"" + hostFloat(bits, decimals)
           + "\"";
}

QByteArray repeated(char c, int n)
{
    return QByteArray(n, c);
}

} // namespace

class tst_TextCodec : public QObject
{
    Q_OBJECT

private slots:
    void parseValid_data();
    void parseValid();
    void parseInvalid_data();
    void parseInvalid();
    void parseNullText();
    void lengthBoundary_data();
    void lengthBoundary();

    void formatLine_data();
    void formatLine();
    void formatNeverOverruns();
    void formatRejectsOversizedPayloadLength();
    void roundTrip_data();
    void roundTrip();

    void lineToMessage_data();
    void lineToMessage();
    void lineToMessageRejectsHandBuiltLines();
    void lineMessageLineRoundTrip_data();
    void lineMessageLineRoundTrip();

    void payloadText_data();
    void payloadText();
    void renderLine();
    void renderSignedMessage();
    void renderRejects_data();
    void renderRejects();
    void payloadTextNeverOverruns();
    void longestPayloadTexts();

    void floatClampsDecimals();
    void floatTiesToEven();
    void floatRandomBitsAgainstHostPrintf();
    void floatSensorRangeAgainstHostPrintf();

    void hexEncode_data();
    void hexEncode();
    void hexDecode_data();
    void hexDecode();

    void errorNames();
    void vectors();
};

// --- Parsing ---------------------------------------------------------------------------

void tst_TextCodec::parseValid_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<int>("node");
    QTest::addColumn<int>("child");
    QTest::addColumn<int>("command");
    QTest::addColumn<bool>("ack");
    QTest::addColumn<int>("type");
    QTest::addColumn<QByteArray>("payload");

    QTest::newRow("LF") << QByteArray("1;2;1;0;2;1\n") << 1 << 2 << 1 << false << 2
                        << QByteArray("1");
    QTest::newRow("CRLF") << QByteArray("1;2;1;0;2;1\r\n") << 1 << 2 << 1 << false << 2
                          << QByteArray("1");
    QTest::newRow("CR") << QByteArray("1;2;1;0;2;1\r") << 1 << 2 << 1 << false << 2
                        << QByteArray("1");
    QTest::newRow("no terminator")
            << QByteArray("1;2;1;0;2;1") << 1 << 2 << 1 << false << 2 << QByteArray("1");
    QTest::newRow("ack") << QByteArray("3;1;1;1;2;1\n") << 3 << 1 << 1 << true << 2
                         << QByteArray("1");
    QTest::newRow("no sixth field")
            << QByteArray("5;1;1;0;2") << 5 << 1 << 1 << false << 2 << QByteArray();
    QTest::newRow("no sixth field LF")
            << QByteArray("5;1;1;0;2\n") << 5 << 1 << 1 << false << 2 << QByteArray();
    QTest::newRow("empty sixth field")
            << QByteArray("5;1;1;0;2;\n") << 5 << 1 << 1 << false << 2 << QByteArray();
    QTest::newRow("payload with ;") << QByteArray("1;4;1;0;49;52.1;4.9;300\n") << 1 << 4 << 1
                                    << false << 49 << QByteArray("52.1;4.9;300");
    QTest::newRow("payload ending in ;")
            << QByteArray("1;1;1;0;0;x;\n") << 1 << 1 << 1 << false << 0 << QByteArray("x;");
    QTest::newRow("payload only ;")
            << QByteArray("1;1;1;0;0;;\n") << 1 << 1 << 1 << false << 0 << QByteArray(";");
    QTest::newRow("leading zeros") << QByteArray("001;0255;4;01;000;AB\n") << 1 << 255 << 4 << true
                                   << 0 << QByteArray("AB");
    QTest::newRow("maximum values")
            << QByteArray("255;255;4;1;255;\n") << 255 << 255 << 4 << true << 255 << QByteArray();
    QTest::newRow("zeros") << QByteArray("0;0;0;0;0;0\n") << 0 << 0 << 0 << false << 0
                           << QByteArray("0");
    QTest::newRow("spaces in payload")
            << QByteArray("1;1;1;0;0; a b \n") << 1 << 1 << 1 << false << 0 << QByteArray(" a b ");
    QTest::newRow("UTF-8 payload") << QByteArray("1;1;0;0;6;K\xC3\xBC"
                                                 "che\n")
                                   << 1 << 1 << 0 << false << 6
                                   << QByteArray("K\xC3\xBC"
                                                 "che");
    QTest::newRow("0xFF payload byte")
            << QByteArray("1;1;1;0;0;\xFF") << 1 << 1 << 1 << false << 0 << QByteArray("\xFF");
    QTest::newRow("gateway ready")
            << QByteArray("0;255;3;0;14;Gateway startup complete.\n") << 0 << 255 << 3 << false
            << 14 << QByteArray("Gateway startup complete.");
    QTest::newRow("log message") << QByteArray("0;255;3;0;9;1234 TSF:MSG:READ,1-1-0\n") << 0 << 255
                                 << 3 << false << 9 << QByteArray("1234 TSF:MSG:READ,1-1-0");
}

void tst_TextCodec::parseValid()
{
    QFETCH(QByteArray, line);
    QFETCH(int, node);
    QFETCH(int, child);
    QFETCH(int, command);
    QFETCH(bool, ack);
    QFETCH(int, type);
    QFETCH(QByteArray, payload);

    ControllerLine out;
    memset(&out, 0xA5, sizeof out);
    uint8_t badField = 42;
    const LineError error = parse(line, out, &badField);
    QVERIFY2(error == LineError::None, lineErrorName(error));
    QCOMPARE(badField, kNoBadField);
    QCOMPARE(int(out.nodeId), node);
    QCOMPARE(int(out.childSensorId), child);
    QCOMPARE(int(out.command), command);
    QCOMPARE(out.ack, ack);
    QCOMPARE(int(out.type), type);
    QCOMPARE(payloadOf(out), payload);
    QCOMPARE(out.payload[out.payloadLength], '\0');
}

void tst_TextCodec::parseInvalid_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<int>("error");
    QTest::addColumn<int>("badField");

    const int none = kNoBadField;
    const QByteArray header = "1;1;1;0;0;";
    QTest::newRow("empty") << QByteArray() << int(LineError::Empty) << none;
    QTest::newRow("LF only") << QByteArray("\n") << int(LineError::Empty) << none;
    QTest::newRow("CRLF only") << QByteArray("\r\n") << int(LineError::Empty) << none;
    QTest::newRow("CR only") << QByteArray("\r") << int(LineError::Empty) << none;

    QTest::newRow("99 characters") << header + repeated('x', 89) << int(LineError::TooLong) << none;
    QTest::newRow("99 characters LF") << header + repeated('x', 89) + "\n"
                                      << int(LineError::TooLong) << none;
    QTest::newRow("300 characters") << repeated('1', 300) << int(LineError::TooLong) << none;

    QTest::newRow("two LFs") << QByteArray("1;1;1;0;0;x\n\n") << int(LineError::ControlCharacter)
                             << 5;
    QTest::newRow("LF CR") << QByteArray("1;1;1;0;0;x\n\r") << int(LineError::ControlCharacter)
                           << 5;
    QTest::newRow("CR CR LF") << QByteArray("1;1;1;0;0;x\r\r\n") << int(LineError::ControlCharacter)
                              << 5;
    QTest::newRow("LF in the middle")
            << QByteArray("1;1;1;0;0;x\n2;1;1;0;2;1\n") << int(LineError::ControlCharacter) << 5;
    QTest::newRow("CR in child") << QByteArray("1;1\r;1;0;0;x") << int(LineError::ControlCharacter)
                                 << 1;
    QTest::newRow("NUL in node") << QByteArray("1\0;1;1;0;0;x", 12)
                                 << int(LineError::ControlCharacter) << 0;
    QTest::newRow("NUL in payload")
            << QByteArray("1;1;1;0;0;a\0b", 13) << int(LineError::ControlCharacter) << 5;
    QTest::newRow("tab in payload")
            << QByteArray("1;1;1;0;0;a\tb") << int(LineError::ControlCharacter) << 5;
    QTest::newRow("DEL in type") << QByteArray("1;1;1;0;2\x7F;x")
                                 << int(LineError::ControlCharacter) << 4;
    QTest::newRow("ESC in command")
            << QByteArray("1;1;\x1B;0;2;x") << int(LineError::ControlCharacter) << 2;
    QTest::newRow("control before missing fields")
            << QByteArray("1\t") << int(LineError::ControlCharacter) << 0;

    QTest::newRow("one field") << QByteArray("1\n") << int(LineError::FieldCount) << 1;
    QTest::newRow("words") << QByteArray("hello world") << int(LineError::FieldCount) << 1;
    QTest::newRow("three fields") << QByteArray("1;1;1") << int(LineError::FieldCount) << 3;
    QTest::newRow("four fields") << QByteArray("1;1;1;0\n") << int(LineError::FieldCount) << 4;
    QTest::newRow("MQTT topic") << QByteArray("mygateway1-in/1/1/1/0/2")
                                << int(LineError::FieldCount) << 1;

    QTest::newRow("empty node") << QByteArray(";1;1;0;0;x") << int(LineError::NotNumeric) << 0;
    QTest::newRow("empty child (not collapsed)")
            << QByteArray("1;;1;0;0;x") << int(LineError::NotNumeric) << 1;
    QTest::newRow("empty type at end") << QByteArray("1;1;1;0;") << int(LineError::NotNumeric) << 4;
    QTest::newRow("plus sign") << QByteArray("+1;1;1;0;0;x") << int(LineError::NotNumeric) << 0;
    QTest::newRow("minus sign") << QByteArray("1;-1;1;0;0;x") << int(LineError::NotNumeric) << 1;
    QTest::newRow("space") << QByteArray("1; 1;1;0;0;x") << int(LineError::NotNumeric) << 1;
    QTest::newRow("trailing space")
            << QByteArray("1;1;1 ;0;0;x") << int(LineError::NotNumeric) << 2;
    QTest::newRow("hex number") << QByteArray("0x1;1;1;0;0;x") << int(LineError::NotNumeric) << 0;
    QTest::newRow("name for type")
            << QByteArray("1;1;1;0;V_TEMP;x") << int(LineError::NotNumeric) << 4;
    QTest::newRow("ack word") << QByteArray("1;1;1;no;0;x") << int(LineError::NotNumeric) << 3;
    QTest::newRow("decimal point")
            << QByteArray("1.5;1;1;0;0;x") << int(LineError::NotNumeric) << 0;
    QTest::newRow("high byte in child")
            << QByteArray("1;\xB9;1;0;0;x") << int(LineError::NotNumeric) << 1;

    QTest::newRow("node 256") << QByteArray("256;1;1;0;0;x") << int(LineError::OutOfRange) << 0;
    QTest::newRow("child 1000") << QByteArray("1;1000;1;0;0;x") << int(LineError::OutOfRange) << 1;
    QTest::newRow("20 digits") << QByteArray("99999999999999999999;1;1;0;0;x")
                               << int(LineError::OutOfRange) << 0;
    QTest::newRow("command 5") << QByteArray("1;1;5;0;0;x") << int(LineError::OutOfRange) << 2;
    QTest::newRow("command 7") << QByteArray("1;1;7;0;0;x") << int(LineError::OutOfRange) << 2;
    QTest::newRow("ack 2") << QByteArray("1;1;1;2;0;x") << int(LineError::OutOfRange) << 3;
    QTest::newRow("type 256") << QByteArray("1;1;1;0;256;x") << int(LineError::OutOfRange) << 4;
    QTest::newRow("leftmost field first")
            << QByteArray("256;x;1;0;0;") << int(LineError::OutOfRange) << 0;
    QTest::newRow("not numeric before out of range")
            << QByteArray("x;256;1;0;0;") << int(LineError::NotNumeric) << 0;
}

void tst_TextCodec::parseInvalid()
{
    QFETCH(QByteArray, line);
    QFETCH(int, error);
    QFETCH(int, badField);

    ControllerLine out;
    memset(&out, 0xA5, sizeof out);
    ControllerLine before;
    memcpy(&before, &out, sizeof out);
    uint8_t bad = 42;
    const LineError got = parse(line, out, &bad);
    QCOMPARE(lineErrorName(got), lineErrorName(LineError(error)));
    QCOMPARE(int(bad), badField);
    QVERIFY2(memcmp(&out, &before, sizeof out) == 0, "the output was written on error");

    // Without badField the same verdict.
    QCOMPARE(int(parse(line, out)), error);
}

void tst_TextCodec::parseNullText()
{
    ControllerLine out;
    uint8_t bad = 0;
    QCOMPARE(parseControllerLine(nullptr, 0, out, &bad), LineError::Empty);
    QCOMPARE(bad, kNoBadField);
    QCOMPARE(parseControllerLine(nullptr, 10, out, &bad), LineError::Empty);
}

void tst_TextCodec::lengthBoundary_data()
{
    QTest::addColumn<int>("characters");
    QTest::addColumn<QByteArray>("terminator");
    QTest::addColumn<bool>("accepted");

    for (const char *terminator : {"", "\n", "\r\n", "\r"}) {
        const QByteArray t(terminator);
        const QByteArray name = "terminator " + t.toPercentEncoding() + " ";
        QTest::newRow((name + "97").constData()) << 97 << t << true;
        QTest::newRow((name + "98").constData()) << 98 << t << true;
        QTest::newRow((name + "99").constData()) << 99 << t << false;
        QTest::newRow((name + "100").constData()) << 100 << t << false;
    }
}

void tst_TextCodec::lengthBoundary()
{
    QFETCH(int, characters);
    QFETCH(QByteArray, terminator);
    QFETCH(bool, accepted);

    const QByteArray header = "1;1;1;0;0;";
    const QByteArray payload = repeated('p', characters - int(header.size()));
    ControllerLine out;
    const LineError error = parse(header + payload + terminator, out);
    if (accepted) {
        QCOMPARE(error, LineError::None);
        QCOMPARE(payloadOf(out), payload);
        QCOMPARE(format(out), header + payload + "\n");
    } else {
        QCOMPARE(error, LineError::TooLong);
    }
}

// --- Formatting ------------------------------------------------------------------------

void tst_TextCodec::formatLine_data()
{
    QTest::addColumn<int>("node");
    QTest::addColumn<int>("child");
    QTest::addColumn<int>("command");
    QTest::addColumn<bool>("ack");
    QTest::addColumn<int>("type");
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("set") << 1 << 2 << 1 << false << 2 << QByteArray("1")
                         << QByteArray("1;2;1;0;2;1\n");
    QTest::newRow("echo") << 1 << 2 << 1 << true << 2 << QByteArray("1")
                          << QByteArray("1;2;1;1;2;1\n");
    QTest::newRow("empty payload")
            << 1 << 3 << 2 << false << 0 << QByteArray() << QByteArray("1;3;2;0;0;\n");
    QTest::newRow("maximum") << 255 << 255 << 4 << true << 255 << QByteArray("AB")
                             << QByteArray("255;255;4;1;255;AB\n");
    QTest::newRow("zeros") << 0 << 0 << 0 << false << 0 << QByteArray("0")
                           << QByteArray("0;0;0;0;0;0\n");
    QTest::newRow("semicolons") << 1 << 4 << 1 << false << 49 << QByteArray("1;2;3")
                                << QByteArray("1;4;1;0;49;1;2;3\n");
    // The formatter writes what the fields say; refusing is the parser's job.
    QTest::newRow("command 7 as given")
            << 1 << 1 << 7 << false << 0 << QByteArray("x") << QByteArray("1;1;7;0;0;x\n");
}

void tst_TextCodec::formatLine()
{
    QFETCH(int, node);
    QFETCH(int, child);
    QFETCH(int, command);
    QFETCH(bool, ack);
    QFETCH(int, type);
    QFETCH(QByteArray, payload);
    QFETCH(QByteArray, expected);

    const ControllerLine line = makeLine(node, child, command, ack, type, payload);
    char out[kMaxControllerLineSize + 1];
    memset(out, kGuard, sizeof out);
    const size_t n = formatControllerLine(line, out, sizeof out);
    QCOMPARE(QByteArray(out, qsizetype(n)), expected);
    QCOMPARE(out[n], '\0');
}

void tst_TextCodec::formatNeverOverruns()
{
    // The longest line the fields allow: 255s everywhere and a 98-character payload.
    const ControllerLine line
            = makeLine(255, 255, 255, true, 255, repeated('z', int(kMaxControllerLineLength)));
    const QByteArray whole = format(line);
    QVERIFY(!whole.isEmpty());
    QVERIFY(size_t(whole.size()) <= kMaxControllerLineSize);
    QVERIFY(whole.endsWith('\n'));

    for (size_t capacity = 0; capacity <= size_t(whole.size()) + 2; ++capacity) {
        char out[kMaxControllerLineSize + 8];
        memset(out, kGuard, sizeof out);
        const size_t n = formatControllerLine(line, out, capacity);
        if (capacity < size_t(whole.size())) {
            QCOMPARE(n, size_t(0));
        } else {
            QCOMPARE(QByteArray(out, qsizetype(n)), whole);
            if (capacity > n)
                QCOMPARE(out[n], '\0');
        }
        for (size_t i = capacity; i < sizeof out; ++i)
            QVERIFY2(out[i] == kGuard, "wrote beyond the capacity");
    }
}

void tst_TextCodec::formatRejectsOversizedPayloadLength()
{
    ControllerLine line = makeLine(1, 1, 1, false, 0, "x");
    line.payloadLength = uint8_t(kMaxControllerLineLength + 1);
    char out[256];
    QCOMPARE(formatControllerLine(line, out, sizeof out), size_t(0));
}

void tst_TextCodec::roundTrip_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QByteArray>("canonical");

    const QByteArray canonical[] = {
            "0;255;3;0;14;Gateway startup complete.\n",
            "1;1;1;0;0;21.50\n",
            "1;2;1;1;2;1\n",
            "1;3;2;0;0;\n",
            "255;255;3;0;4;1\n",
            "1;4;1;0;49;52.1;4.9;300\n",
            "1;255;4;0;3;0A0BFF\n",
            "1;6;1;0;25;-996\n",
    };
    for (const QByteArray &line : canonical)
        QTest::newRow(line.trimmed().constData()) << line << line;

    QTest::newRow("CRLF becomes LF")
            << QByteArray("1;2;1;0;2;1\r\n") << QByteArray("1;2;1;0;2;1\n");
    QTest::newRow("CR becomes LF") << QByteArray("1;2;1;0;2;1\r") << QByteArray("1;2;1;0;2;1\n");
    QTest::newRow("terminator added") << QByteArray("1;2;1;0;2;1") << QByteArray("1;2;1;0;2;1\n");
    QTest::newRow("leading zeros dropped")
            << QByteArray("001;002;1;00;02;x\n") << QByteArray("1;2;1;0;2;x\n");
    QTest::newRow("sixth field added") << QByteArray("5;1;1;0;2") << QByteArray("5;1;1;0;2;\n");
}

void tst_TextCodec::roundTrip()
{
    QFETCH(QByteArray, line);
    QFETCH(QByteArray, canonical);

    ControllerLine first;
    QCOMPARE(parse(line, first), LineError::None);
    const QByteArray formatted = format(first);
    QCOMPARE(formatted, canonical);

    // The canonical form parses to the same fields.
    ControllerLine second;
    QCOMPARE(parse(formatted, second), LineError::None);
    QCOMPARE(second.nodeId, first.nodeId);
    QCOMPARE(second.childSensorId, first.childSensorId);
    QCOMPARE(second.command, first.command);
    QCOMPARE(second.ack, first.ack);
    QCOMPARE(second.type, first.type);
    QCOMPARE(payloadOf(second), payloadOf(first));
}

// --- Controller -> gateway -------------------------------------------------------------

void tst_TextCodec::lineToMessage_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<int>("error");
    QTest::addColumn<QByteArray>("expectedHex");

    const int ok = int(LineError::None);
    // Header bytes: last, sender, destination, version_length, command_echo_payload, type,
    // sensor; then the payload. Never signed here (the signer does that later).
    QTest::newRow("string") << QByteArray("1;4;1;0;47;ab\n") << ok
                            << QByteArray("00000112012f046162");
    QTest::newRow("request echo") << QByteArray("3;1;1;1;2;1\n") << ok
                                  << QByteArray("0000030a09020131");
    QTest::newRow("empty payload is P_BYTE 0")
            << QByteArray("1;3;2;0;0;\n") << ok << QByteArray("0000010a22000300");
    QTest::newRow("no sixth field is P_BYTE 0")
            << QByteArray("1;3;2;0;0\n") << ok << QByteArray("0000010a22000300");
    QTest::newRow("payload keeps ;")
            << QByteArray("1;1;1;0;49;a;b\n") << ok << QByteArray("0000011a013101613b62");
    QTest::newRow("broadcast id response")
            << QByteArray("255;255;3;0;4;7\n") << ok << QByteArray("0000ff0a0304ff37");
    QTest::newRow("string of 25") << "1;1;1;0;0;" + repeated('s', 25) << ok
                                  << "000001ca010001" + repeated('s', 25).toHex();
    QTest::newRow("string of 26") << "1;1;1;0;0;" + repeated('s', 26)
                                  << int(LineError::PayloadTooLong) << QByteArray();
    QTest::newRow("string of 88") << "1;1;1;0;0;" + repeated('s', 88)
                                  << int(LineError::PayloadTooLong) << QByteArray();

    QTest::newRow("stream upper") << QByteArray("1;255;4;0;3;0A0BFF\n") << ok
                                  << QByteArray("0000011ac403ff0a0bff");
    QTest::newRow("stream lower") << QByteArray("1;255;4;0;3;0a0bff\n") << ok
                                  << QByteArray("0000011ac403ff0a0bff");
    QTest::newRow("stream mixed") << QByteArray("1;255;4;0;3;aBcD\n") << ok
                                  << QByteArray("00000112c403ffabcd");
    QTest::newRow("stream 50 hex")
            << "1;255;4;0;3;" + repeated('e', 50) << ok << "000001cac403ff" + repeated('e', 50);
    // Rule 5 of spec 2.2 comes first: no payload is P_BYTE 0 for C_STREAM as well.
    QTest::newRow("stream empty") << QByteArray("1;255;4;0;3;\n") << ok
                                  << QByteArray("0000010a2403ff00");
    QTest::newRow("stream 52 hex")
            << "1;255;4;0;3;" + repeated('e', 52) << int(LineError::PayloadTooLong) << QByteArray();
    QTest::newRow("stream odd") << QByteArray("1;255;4;0;3;ABC\n") << int(LineError::BadHex)
                                << QByteArray();
    QTest::newRow("stream single digit")
            << QByteArray("1;255;4;0;3;A\n") << int(LineError::BadHex) << QByteArray();
    QTest::newRow("stream bad character")
            << QByteArray("1;255;4;0;3;0G\n") << int(LineError::BadHex) << QByteArray();
    QTest::newRow("stream space") << QByteArray("1;255;4;0;3;0A 0B\n") << int(LineError::BadHex)
                                  << QByteArray();
    QTest::newRow("stream 0x prefix")
            << QByteArray("1;255;4;0;3;0x0A\n") << int(LineError::BadHex) << QByteArray();
    QTest::newRow("stream long and bad")
            << "1;255;4;0;3;" + repeated('e', 52) + "zz" << int(LineError::BadHex) << QByteArray();
}

void tst_TextCodec::lineToMessage()
{
    QFETCH(QByteArray, line);
    QFETCH(int, error);
    QFETCH(QByteArray, expectedHex);

    ControllerLine parsed;
    QCOMPARE(parse(line, parsed), LineError::None);
    Message message;
    message.setHeader(9, 9, Command::Internal, 9, 9);
    const QByteArray before = bytes(message.data(), kMaxMessageSize);
    const LineError got = controllerLineToMessage(parsed, message);
    QCOMPARE(lineErrorName(got), lineErrorName(LineError(error)));
    if (got != LineError::None) {
        QCOMPARE(bytes(message.data(), kMaxMessageSize), before);
        return;
    }
    QCOMPARE(bytes(message.data(), message.size()).toHex(), expectedHex);
    QCOMPARE(message.sender(), kGatewayAddress);
    QCOMPARE(message.last(), kGatewayAddress);
    QCOMPARE(message.destination(), parsed.nodeId);
    QCOMPARE(message.requestEcho(), parsed.ack);
    QVERIFY(!message.isEcho());
    QVERIFY(!message.isSigned());
    QCOMPARE(message.version(), kProtocolVersion);
    // What the codec builds is a valid message.
    Message decoded;
    QCOMPARE(Message::decode(message.data(), message.size(), decoded), DecodeError::None);
}

void tst_TextCodec::lineToMessageRejectsHandBuiltLines()
{
    Message message;
    ControllerLine line = makeLine(1, 1, 5, false, 0, "x");
    QCOMPARE(controllerLineToMessage(line, message), LineError::OutOfRange);
    line = makeLine(1, 1, 1, false, 0, "x");
    line.payloadLength = uint8_t(kMaxControllerLineLength + 1);
    QCOMPARE(controllerLineToMessage(line, message), LineError::PayloadTooLong);
}

void tst_TextCodec::lineMessageLineRoundTrip_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QByteArray>("rendered");

    QTest::newRow("string") << QByteArray("1;4;1;0;47;abc\n") << QByteArray("0;4;1;0;47;abc\n");
    QTest::newRow("echo request is not an echo")
            << QByteArray("1;4;1;1;47;abc\n") << QByteArray("0;4;1;0;47;abc\n");
    QTest::newRow("stream lower to upper")
            << QByteArray("7;255;4;0;3;0a0bff\n") << QByteArray("0;255;4;0;3;0A0BFF\n");
    QTest::newRow("empty is byte 0") << QByteArray("1;3;2;0;0;\n") << QByteArray("0;3;2;0;0;0\n");
    QTest::newRow("empty stream is hex 00")
            << QByteArray("1;3;4;0;0;\n") << QByteArray("0;3;4;0;0;00\n");
}

void tst_TextCodec::lineMessageLineRoundTrip()
{
    // The gateway's own view: a line it received, sent as a message (sender 0), shown back.
    QFETCH(QByteArray, line);
    QFETCH(QByteArray, rendered);

    ControllerLine parsed;
    QCOMPARE(parse(line, parsed), LineError::None);
    Message message;
    QCOMPARE(controllerLineToMessage(parsed, message), LineError::None);
    ControllerLine back;
    QVERIFY(messageToControllerLine(message, back));
    QCOMPARE(format(back), rendered);
}

// --- Gateway -> controller -------------------------------------------------------------

void tst_TextCodec::payloadText_data()
{
    QTest::addColumn<int>("command");
    QTest::addColumn<int>("payloadType");
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QByteArray>("expected");

    const int set = int(Command::Set);
    const int stream = int(Command::Stream);
    auto row = [](const char *name, int command, PayloadType type, const QByteArray &payload,
                  const QByteArray &expected) {
        QTest::newRow(name) << command << int(type) << payload << expected;
    };
    auto le16 = [](uint16_t v) {
        uint8_t b[2];
        writeLe16(b, v);
        return bytes(b, 2);
    };
    auto le32 = [](uint32_t v) {
        uint8_t b[4];
        writeLe32(b, v);
        return bytes(b, 4);
    };

    row("string", set, PayloadType::String, "hello", "hello");
    row("string with ;", set, PayloadType::String, "a;b;c", "a;b;c");
    row("string empty", set, PayloadType::String, "", "");
    row("string of 25", set, PayloadType::String, repeated('q', 25), repeated('q', 25));
    row("string UTF-8", set, PayloadType::String, "K\xC3\xBC", "K\xC3\xBC");

    row("byte 0", set, PayloadType::Byte, QByteArray(1, '\0'), "0");
    row("byte 255", set, PayloadType::Byte, QByteArray(1, '\xFF'), "255");
    row("int16 0", set, PayloadType::Int16, le16(0), "0");
    row("int16 -1", set, PayloadType::Int16, le16(0xFFFF), "-1");
    row("int16 -996", set, PayloadType::Int16, le16(uint16_t(-996)), "-996");
    row("int16 min", set, PayloadType::Int16, le16(0x8000), "-32768");
    row("int16 max", set, PayloadType::Int16, le16(0x7FFF), "32767");
    row("uint16 max", set, PayloadType::UInt16, le16(0xFFFF), "65535");
    row("uint16 0x8000", set, PayloadType::UInt16, le16(0x8000), "32768");
    row("long32 -1", set, PayloadType::Long32, le32(0xFFFFFFFF), "-1");
    row("long32 min", set, PayloadType::Long32, le32(0x80000000), "-2147483648");
    row("long32 max", set, PayloadType::Long32, le32(0x7FFFFFFF), "2147483647");
    row("long32 -100000", set, PayloadType::Long32, le32(uint32_t(-100000)), "-100000");
    row("ulong32 max", set, PayloadType::ULong32, le32(0xFFFFFFFF), "4294967295");
    row("ulong32 16909083", set, PayloadType::ULong32, le32(16909083), "16909083");
    row("ulong32 0", set, PayloadType::ULong32, le32(0), "0");

    row("custom empty", set, PayloadType::Custom, "", "");
    row("custom bytes", set, PayloadType::Custom, QByteArray::fromHex("00ffa90a"), "00FFA90A");
    row("custom 25", set, PayloadType::Custom, repeated('\xAB', 25),
        repeated('\xAB', 25).toHex().toUpper());
    row("stream custom", stream, PayloadType::Custom, QByteArray::fromHex("0102fe"), "0102FE");
    row("stream string as hex", stream, PayloadType::String, "ab", "6162");
    row("stream byte as hex", stream, PayloadType::Byte, QByteArray(1, '\x01'), "01");
    row("stream int16 as hex", stream, PayloadType::Int16, le16(0x1234), "3412");

    row("float 21.5 / 2", set, PayloadType::Float32, floatPayload(21.5f, 2), "21.50");
    row("float 20 / 1", set, PayloadType::Float32, floatPayload(20.0f, 1), "20.0");
    row("float 21.8 / 1", set, PayloadType::Float32, floatPayload(21.8f, 1), "21.8");
    row("float 24.8 / 1", set, PayloadType::Float32, floatPayload(24.8f, 1), "24.8");
    row("float 5 / 0 padded", set, PayloadType::Float32, floatPayload(5.0f, 0), " 5");
    row("float 0 / 0 padded", set, PayloadType::Float32, floatPayload(0.0f, 0), " 0");
    row("float 9.5 / 0", set, PayloadType::Float32, floatPayload(9.5f, 0), "10");
    row("float 0.4 / 0", set, PayloadType::Float32, floatPayload(0.4f, 0), " 0");
    row("float -5 / 0", set, PayloadType::Float32, floatPayload(-5.0f, 0), "-5");
    row("float 12 / 0", set, PayloadType::Float32, floatPayload(12.0f, 0), "12");
    row("float -0 / 0", set, PayloadType::Float32, floatPayload(-0.0f, 0), "-0");
    row("float -0 / 2", set, PayloadType::Float32, floatPayload(-0.0f, 2), "-0.00");
    row("float -0.001 / 2", set, PayloadType::Float32, floatPayload(-0.001f, 2), "-0.00");
    row("float -3.25 / 1", set, PayloadType::Float32, floatPayload(-3.25f, 1), "-3.2");
    row("float 0.1 / 8", set, PayloadType::Float32, floatPayload(0.1f, 8), "0.10000000");
    row("float 0.1 / 9 clamped", set, PayloadType::Float32, floatPayload(0.1f, 9), "0.10000000");
    row("float 0.1 / 255 clamped", set, PayloadType::Float32, floatPayload(0.1f, 255),
        "0.10000000");
    row("float 1/3 / 8", set, PayloadType::Float32, floatPayload(1.0f / 3.0f, 8), "0.33333334");
    row("float 2.5 / 0 ties to even", set, PayloadType::Float32, floatPayload(2.5f, 0), " 2");
    row("float 3.5 / 0 ties to even", set, PayloadType::Float32, floatPayload(3.5f, 0), " 4");
    row("float 0.125 / 2 ties to even", set, PayloadType::Float32, floatPayload(0.125f, 2), "0.12");
    row("float 0.375 / 2 ties to even", set, PayloadType::Float32, floatPayload(0.375f, 2), "0.38");
    row("float 0.05 / 1 above the tie", set, PayloadType::Float32, floatPayload(0.05f, 1), "0.1");
    row("float 1e-10 / 8", set, PayloadType::Float32, floatPayload(1e-10f, 8), "0.00000000");
    row("float smallest subnormal / 8", set, PayloadType::Float32, floatPayload(uint32_t(1), 8),
        "0.00000000");
    row("float 16777217 rounds to 16777216", set, PayloadType::Float32,
        floatPayload(16777217.0f, 0), "16777216");
    row("float 1e10 / 3", set, PayloadType::Float32, floatPayload(1e10f, 3), "10000000000.000");
    row("float max / 0", set, PayloadType::Float32, floatPayload(FLT_MAX, 0),
        "340282346638528859811704183484516925440");
    row("float -max / 8", set, PayloadType::Float32, floatPayload(-FLT_MAX, 8),
        "-340282346638528859811704183484516925440.00000000");
    row("float nan", set, PayloadType::Float32, floatPayload(uint32_t(0x7FC00000), 2), "nan");
    row("float nan payload", set, PayloadType::Float32, floatPayload(uint32_t(0x7F800001), 0),
        "nan");
    row("float -nan", set, PayloadType::Float32, floatPayload(uint32_t(0xFFC00000), 2), "-nan");
    row("float inf", set, PayloadType::Float32, floatPayload(uint32_t(0x7F800000), 2), "inf");
    row("float -inf", set, PayloadType::Float32, floatPayload(uint32_t(0xFF800000), 0), "-inf");
}

void tst_TextCodec::payloadText()
{
    QFETCH(int, command);
    QFETCH(int, payloadType);
    QFETCH(QByteArray, payload);
    QFETCH(QByteArray, expected);

    const Message m = makeMessage(Command(command), PayloadType(payloadType), payload);
    QCOMPARE(renderPayload(m), expected);

    ControllerLine line;
    QVERIFY(messageToControllerLine(m, line));
    QCOMPARE(payloadOf(line), expected);
    QCOMPARE(line.payload[line.payloadLength], '\0');

    // Every rendering goes through the parser unchanged (and fits a line).
    const QByteArray formatted = format(line);
    ControllerLine parsed;
    QCOMPARE(parse(formatted, parsed), LineError::None);
    QCOMPARE(payloadOf(parsed), expected);

    if (PayloadType(payloadType) == PayloadType::Float32) {
        uint32_t bits = readLe32(u8(payload));
        QCOMPARE(expected, hostFloat(bits, uint8_t(payload.at(4))));
    }
}

void tst_TextCodec::renderLine()
{
    // node = sender (not destination), ack = is-echo (not request-echo).
    Message m;
    m.setHeader(7, 0, Command::Set, 2, 5);
    m.setDestination(0);
    m.setLast(3);
    m.setByte(1);
    m.setRequestEcho(true);
    ControllerLine line;
    QVERIFY(messageToControllerLine(m, line));
    QCOMPARE(format(line), QByteArray("7;5;1;0;2;1\n"));

    m.setRequestEcho(false);
    m.setEcho(true);
    QVERIFY(messageToControllerLine(m, line));
    QCOMPARE(format(line), QByteArray("7;5;1;1;2;1\n"));

    // The spec's worked example (1.8).
    const QByteArray wire = QByteArray::fromHex("0101002ae1000000 00ac4102");
    Message example;
    QCOMPARE(Message::decode(u8(wire), size_t(wire.size()), example), DecodeError::None);
    QVERIFY(messageToControllerLine(example, line));
    QCOMPARE(format(line), QByteArray("1;0;1;0;0;21.50\n"));
}

void tst_TextCodec::renderSignedMessage()
{
    Message m;
    m.setHeader(1, 0, Command::Set, 0, 1);
    m.setFloat32(22.4f, 1);
    m.setSigned(true);
    uint8_t *signature = m.mutableData() + kHeaderSize + m.payloadLength();
    for (size_t i = 0; i < m.signatureLength(); ++i)
        signature[i] = uint8_t(0xC0 + i);
    QCOMPARE(m.size(), kMaxMessageSize);
    ControllerLine line;
    QVERIFY(messageToControllerLine(m, line));
    QCOMPARE(format(line), QByteArray("1;1;1;0;0;22.4\n"));

    Message s;
    s.setHeader(1, 0, Command::Presentation, 6, 1);
    QVERIFY(s.setString("temp", 4));
    s.setSigned(true);
    memset(s.mutableData() + kHeaderSize + 4, '\n', s.signatureLength());
    QVERIFY(messageToControllerLine(s, line));
    QCOMPARE(format(line), QByteArray("1;1;0;0;6;temp\n"));
}

void tst_TextCodec::renderRejects_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<bool>("decodes");

    // P_STRING with a control character: a decoded message can carry one; rendering it
    // would let a node end the line and forge another.
    QTest::newRow("string with LF") << QByteArray::fromHex("0101001a01000161 0a32") << true;
    QTest::newRow("string with CR") << QByteArray::fromHex("0101000a0100010d") << true;
    QTest::newRow("string with NUL") << QByteArray::fromHex("010100120100016100") << true;
    QTest::newRow("string with DEL") << QByteArray::fromHex("0101000a0100017f") << true;
    // Hand-built images that Message::decode() refuses.
    QTest::newRow("command 5") << QByteArray::fromHex("0101000a05000131") << false;
    QTest::newRow("command 7") << QByteArray::fromHex("0101000a07000131") << false;
    QTest::newRow("float of 4 bytes") << QByteArray::fromHex("01010022e100010000a041") << false;
    QTest::newRow("int16 of 1 byte") << QByteArray::fromHex("0101000a41000101") << false;
    QTest::newRow("length field 31")
            << QByteArray::fromHex("010100fa0100013131313131313131313131313131313131313131313131")
            << false;
}

void tst_TextCodec::renderRejects()
{
    QFETCH(QByteArray, wire);
    QFETCH(bool, decodes);

    Message m;
    const DecodeError error = Message::decode(u8(wire), size_t(wire.size()), m);
    QCOMPARE(error == DecodeError::None, decodes);
    if (!decodes) {
        memset(m.mutableData(), 0, kMaxMessageSize);
        memcpy(m.mutableData(), wire.constData(),
               size_t(qMin(wire.size(), qsizetype(kMaxMessageSize))));
    }

    ControllerLine line;
    memset(&line, 0xA5, sizeof line);
    ControllerLine before;
    memcpy(&before, &line, sizeof line);
    QVERIFY(!messageToControllerLine(m, line));
    QVERIFY2(memcmp(&line, &before, sizeof line) == 0, "the output was written on failure");

    char out[kMaxPayloadTextLength + 1];
    memset(out, kGuard, sizeof out);
    QCOMPARE(formatPayloadText(m, out, sizeof out), size_t(0));
}

void tst_TextCodec::payloadTextNeverOverruns()
{
    const Message messages[] = {
            makeMessage(Command::Set, PayloadType::Float32, floatPayload(5.0f, 0)),
            makeMessage(Command::Set, PayloadType::Float32, floatPayload(-FLT_MAX, 8)),
            makeMessage(Command::Set, PayloadType::Float32, floatPayload(uint32_t(0xFFC00000), 3)),
            makeMessage(Command::Set, PayloadType::Custom, repeated('\x5C', 25)),
            makeMessage(Command::Set, PayloadType::Long32, QByteArray::fromHex("00000080")),
            makeMessage(Command::Set, PayloadType::String, "hello"),
    };
    for (const Message &m : messages) {
        const QByteArray whole = renderPayload(m);
        QVERIFY(!whole.isEmpty());
        for (size_t capacity = 0; capacity <= size_t(whole.size()) + 2; ++capacity) {
            char out[kMaxPayloadTextLength + 8];
            memset(out, kGuard, sizeof out);
            const size_t n = formatPayloadText(m, out, capacity);
            if (capacity < size_t(whole.size())) {
                QCOMPARE(n, size_t(0));
            } else {
                QCOMPARE(QByteArray(out, qsizetype(n)), whole);
                if (capacity > n)
                    QCOMPARE(out[n], '\0');
            }
            for (size_t i = capacity; i < sizeof out; ++i)
                QVERIFY2(out[i] == kGuard, "wrote beyond the capacity");
        }
    }
}

void tst_TextCodec::longestPayloadTexts()
{
    const QByteArray longestFloat = codecFloat(bitsOf(-FLT_MAX), 8);
    QCOMPARE(longestFloat.size(), 49);
    QVERIFY(size_t(longestFloat.size()) <= kMaxPayloadTextLength);
    const QByteArray longestHex = renderPayload(
            makeMessage(Command::Stream, PayloadType::Custom, repeated('\x01', 25)));
    QCOMPARE(size_t(longestHex.size()), kMaxPayloadTextLength);

    // The longest rendered line fits the gateway's send buffer and the parser's limit.
    Message m = makeMessage(Command::Stream, PayloadType::Custom, repeated('\x01', 25));
    m.setHeader(255, 0, Command::Stream, 255, 255);
    m.setEcho(true);
    ControllerLine line;
    QVERIFY(messageToControllerLine(m, line));
    const QByteArray formatted = format(line);
    QCOMPARE(formatted.size(), 67);
    QVERIFY(size_t(formatted.size()) - 1 <= kMaxControllerLineLength);
}

// --- Floats against the host's printf --------------------------------------------------

void tst_TextCodec::floatClampsDecimals()
{
    const float values[] = {0.1f, 21.5f, -3.14159265f, 1e-7f, 123456.789f};
    for (float v : values) {
        for (int decimals = 9; decimals <= 255; decimals += 41) {
            QCOMPARE(codecFloat(bitsOf(v), decimals), codecFloat(bitsOf(v), 8));
            QCOMPARE(codecFloat(bitsOf(v), decimals), hostFloat(bitsOf(v), 8));
        }
    }
}

void tst_TextCodec::floatTiesToEven()
{
    // odd / 2^n has exactly n decimals ending in 5: rounded to n - 1 decimals it is a tie.
    QRandomGenerator random(0x71E5);
    int ties = 0;
    for (int n = 1; n <= 9; ++n) {
        for (int i = 0; i < 2000; ++i) {
            const uint32_t odd = (random.bounded(1u << 20) << 1) | 1;
            const float v = float(odd) / float(1u << n) * (random.bounded(2) ? -1.0f : 1.0f);
            const uint32_t bits = bitsOf(v);
            QVERIFY2(codecFloat(bits, n - 1) == hostFloat(bits, n - 1),
                     describeFloat(bits, n - 1).constData());
            ++ties;
        }
    }
    QCOMPARE(ties, 18000);
}

void tst_TextCodec::floatRandomBitsAgainstHostPrintf()
{
    QRandomGenerator random(0xF10A7);
    for (int i = 0; i < 200000; ++i) {
        const uint32_t bits = random.generate();
        const int decimals = i < 20000 ? i % 9 : int(random.bounded(12));
        QVERIFY2(codecFloat(bits, decimals) == hostFloat(bits, decimals),
                 describeFloat(bits, decimals).constData());
    }
    // Every decimals count for a few thousand patterns.
    for (int i = 0; i < 5000; ++i) {
        const uint32_t bits = random.generate();
        for (int decimals = 0; decimals <= 8; ++decimals) {
            QVERIFY2(codecFloat(bits, decimals) == hostFloat(bits, decimals),
                     describeFloat(bits, decimals).constData());
        }
    }
}

void tst_TextCodec::floatSensorRangeAgainstHostPrintf()
{
    // Random bit patterns are mostly huge or tiny; this covers the range sensors report,
    // where every decimal digit is significant: exponents -30 .. 30, subnormals, boundaries.
    QRandomGenerator random(0x5E25);
    for (int i = 0; i < 200000; ++i) {
        const uint32_t sign = random.bounded(2u) << 31;
        const uint32_t exponent = uint32_t(127 - 30 + int(random.bounded(61)));
        const uint32_t bits = sign | (exponent << 23) | (random.generate() & 0x7FFFFF);
        const int decimals = int(random.bounded(9));
        QVERIFY2(codecFloat(bits, decimals) == hostFloat(bits, decimals),
                 describeFloat(bits, decimals).constData());
    }
    const uint32_t edges[]
            = {0x00000000, 0x80000000, 0x00000001, 0x007FFFFF, 0x00800000, 0x3F000000, 0x3F7FFFFF,
               0x3F800000, 0x3FC00000, 0x4B7FFFFF, 0x4B800000, 0x7F7FFFFF, 0xFF7FFFFF, 0x7F800000,
               0xFF800000, 0x7FC00000, 0xFFC00000, 0x7F800001, 0x3DCCCCCD, 0x3C23D70A, 0x3A83126F};
    for (uint32_t bits : edges) {
        for (int decimals = 0; decimals <= 10; ++decimals) {
            QVERIFY2(codecFloat(bits, decimals) == hostFloat(bits, decimals),
                     describeFloat(bits, decimals).constData());
        }
    }
    // Typical readings: hundredths from -100 to 100 at every decimals count.
    for (int k = -10000; k <= 10000; k += 7) {
        const uint32_t bits = bitsOf(float(k) / 100.0f);
        for (int decimals = 0; decimals <= 8; ++decimals) {
            QVERIFY2(codecFloat(bits, decimals) == hostFloat(bits, decimals),
                     describeFloat(bits, decimals).constData());
        }
    }
}

// --- Hex -------------------------------------------------------------------------------

void tst_TextCodec::hexEncode_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<int>("capacity");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("empty") << QByteArray() << 4 << QByteArray();
    QTest::newRow("zero") << QByteArray(1, '\0') << 3 << QByteArray("00");
    QTest::newRow("all nibbles") << QByteArray::fromHex("0123456789abcdef") << 17
                                 << QByteArray("0123456789ABCDEF");
    QTest::newRow("exact capacity") << QByteArray::fromHex("a9ff") << 4 << QByteArray("A9FF");
    QTest::newRow("capacity too small") << QByteArray::fromHex("a9ff") << 3 << QByteArray();
    QTest::newRow("capacity zero") << QByteArray::fromHex("a9") << 0 << QByteArray();
}

void tst_TextCodec::hexEncode()
{
    QFETCH(QByteArray, data);
    QFETCH(int, capacity);
    QFETCH(QByteArray, expected);

    char out[64];
    memset(out, kGuard, sizeof out);
    const size_t n = hexEncodeUpper(u8(data), size_t(data.size()), out, size_t(capacity));
    QCOMPARE(QByteArray(out, qsizetype(n)), expected);
    if (n == size_t(2 * data.size()) && int(n) < capacity)
        QCOMPARE(out[n], '\0');
    for (size_t i = size_t(capacity); i < sizeof out; ++i)
        QVERIFY2(out[i] == kGuard, "wrote beyond the capacity");
}

void tst_TextCodec::hexDecode_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("capacity");
    QTest::addColumn<int>("error");
    QTest::addColumn<QByteArray>("expected");

    const int ok = int(LineError::None);
    QTest::newRow("empty") << QByteArray() << 25 << ok << QByteArray();
    QTest::newRow("upper") << QByteArray("0A0BFF") << 25 << ok << QByteArray::fromHex("0a0bff");
    QTest::newRow("lower") << QByteArray("0a0bff") << 25 << ok << QByteArray::fromHex("0a0bff");
    QTest::newRow("mixed") << QByteArray("aBcDeF09") << 25 << ok << QByteArray::fromHex("abcdef09");
    QTest::newRow("exact capacity") << QByteArray("0102") << 2 << ok << QByteArray::fromHex("0102");
    QTest::newRow("50 characters") << repeated('7', 50) << 25 << ok << repeated('\x77', 25);
    QTest::newRow("odd length") << QByteArray("ABC") << 25 << int(LineError::BadHex)
                                << QByteArray();
    QTest::newRow("one character")
            << QByteArray("A") << 25 << int(LineError::BadHex) << QByteArray();
    QTest::newRow("G") << QByteArray("0G") << 25 << int(LineError::BadHex) << QByteArray();
    QTest::newRow("space") << QByteArray(" 0") << 25 << int(LineError::BadHex) << QByteArray();
    QTest::newRow("NUL") << QByteArray("0\0", 2) << 25 << int(LineError::BadHex) << QByteArray();
    QTest::newRow("high byte") << QByteArray("\xC1\xB0") << 25 << int(LineError::BadHex)
                               << QByteArray();
    QTest::newRow("52 characters")
            << repeated('7', 52) << 25 << int(LineError::BufferTooSmall) << QByteArray();
    QTest::newRow("capacity too small")
            << QByteArray("010203") << 2 << int(LineError::BufferTooSmall) << QByteArray();
}

void tst_TextCodec::hexDecode()
{
    QFETCH(QByteArray, text);
    QFETCH(int, capacity);
    QFETCH(int, error);
    QFETCH(QByteArray, expected);

    uint8_t out[64];
    memset(out, kGuard, sizeof out);
    size_t written = 99;
    const LineError got = Warden::Protocol::hexDecode(text.constData(), size_t(text.size()), out,
                                                      size_t(capacity), written);
    QCOMPARE(lineErrorName(got), lineErrorName(LineError(error)));
    QCOMPARE(bytes(out, written), expected);
    for (size_t i = written; i < sizeof out; ++i)
        QVERIFY2(out[i] == uint8_t(kGuard), "wrote beyond the decoded bytes");
}

// --- Names -----------------------------------------------------------------------------

void tst_TextCodec::errorNames()
{
    const QRegularExpression kebab(u"^[a-z]+(-[a-z]+)*$"_s);
    QSet<QByteArray> names;
    QSet<QByteArray> texts;
    const int count = int(LineError::BufferTooSmall) + 1;
    for (int i = 0; i < count; ++i) {
        const QByteArray name = lineErrorName(LineError(i));
        const QByteArray text = lineErrorText(LineError(i));
        QVERIFY2(kebab.match(QString::fromLatin1(name)).hasMatch(), name.constData());
        QVERIFY2(text.size() > 10, name.constData());
        names.insert(name);
        texts.insert(text);
    }
    QCOMPARE(names.size(), count);
    QCOMPARE(texts.size(), count);
    QCOMPARE(lineErrorName(LineError::TooLong), "too-long");
    QCOMPARE(lineErrorName(LineError::FieldCount), "field-count");
    QCOMPARE(lineErrorName(LineError::NotNumeric), "not-numeric");
    QCOMPARE(lineErrorName(LineError::OutOfRange), "out-of-range");
    QCOMPARE(lineErrorName(LineError::BadHex), "bad-hex");
    QCOMPARE(lineErrorName(LineError::PayloadTooLong), "payload-too-long");
    QCOMPARE(lineErrorName(LineError::ControlCharacter), "control-character");
}

// --- Vectors ---------------------------------------------------------------------------

void tst_TextCodec::vectors()
{
    QStringList failures;
    int lines = 0;
    int withMessage = 0;
    const QStringList files = WardenTest::vectorFiles();
    QVERIFY(!files.isEmpty());
    for (const QString &path : files) {
        QFile file(path);
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(u"cannot open "_s + path));
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
        QVERIFY2(doc.isArray(), qPrintable(path + u": "_s + parseError.errorString()));
        const QJsonArray all = doc.array();
        for (qsizetype index = 0; index < all.size(); ++index) {
            const QJsonObject v = all.at(index).toObject();
            const QString kind = v.value(u"kind").toString();
            const QString where = path + u'#' + QString::number(index) + u' ';
            if (kind == u"meta" || kind == u"signing" || kind == u"rs485_frame")
                continue; // tst_vectors and tst_signing check those
            if (kind != u"serial_line") {
                failures << where + u"vector kind not understood: "_s + kind;
                continue;
            }
            ++lines;
            const QByteArray text = v.value(u"line").toString().toUtf8();
            const QJsonObject f = v.value(u"fields").toObject();
            const QString direction = v.value(u"direction").toString();
            const QString tag = where + QString::fromUtf8(text.trimmed()) + u": "_s;

            ControllerLine parsed;
            const LineError error = parse(text, parsed);
            if (error != LineError::None) {
                failures << tag + QString::fromLatin1(lineErrorName(error));
                continue;
            }
            if (parsed.nodeId != f.value(u"node_id").toInt(-1)
                || parsed.childSensorId != f.value(u"child_sensor_id").toInt(-1)
                || parsed.command != f.value(u"command").toInt(-1)
                || int(parsed.ack) != f.value(u"ack").toInt(-1)
                || parsed.type != f.value(u"type").toInt(-1)
                || payloadOf(parsed) != f.value(u"payload").toString().toUtf8()) {
                failures << tag + u"fields differ"_s;
                continue;
            }
            if (format(parsed) != text) {
                failures << tag + u"formats back as "_s + QString::fromUtf8(format(parsed));
                continue;
            }
            if (direction != u"gateway->controller" && direction != u"controller->gateway") {
                failures << tag + u"direction not understood: "_s + direction;
                continue;
            }
            if (!v.contains(u"message_hex"))
                continue;
            ++withMessage;
            const QByteArray wire = WardenTest::fromHex(v.value(u"message_hex"));
            if (direction == u"gateway->controller") {
                // What the gateway received (and verified) renders to exactly this line.
                Message received;
                const DecodeError decodeError
                        = Message::decode(u8(wire), size_t(wire.size()), received);
                ControllerLine rendered;
                if (decodeError != DecodeError::None) {
                    failures << tag + QString::fromLatin1(decodeErrorName(decodeError));
                } else if (!messageToControllerLine(received, rendered)) {
                    failures << tag + u"not renderable"_s;
                } else if (format(rendered) != text) {
                    failures << tag + u"renders as "_s + QString::fromUtf8(format(rendered));
                }
            } else {
                // What the gateway built from this line, before it signed it.
                Message built;
                const LineError buildError = controllerLineToMessage(parsed, built);
                if (buildError != LineError::None || wire.size() < int(kHeaderSize)) {
                    failures << tag + QString::fromLatin1(lineErrorName(buildError));
                    continue;
                }
                QByteArray expected = wire;
                expected[3] = char(expected.at(3) & ~0x04);
                expected.truncate(qsizetype(kHeaderSize) + (uint8_t(expected.at(3)) >> 3));
                const QByteArray got = bytes(built.data(), built.size());
                if (got != expected) {
                    failures << tag + u"builds "_s + QString::fromLatin1(got.toHex())
                                        + u" instead of "_s + QString::fromLatin1(expected.toHex());
                }
            }
        }
    }
    QVERIFY2(failures.isEmpty(), qPrintable(failures.mid(0, 20).join(u'\n')));
    QVERIFY2(lines >= 101, qPrintable(u"only %1 serial_line vectors"_s.arg(lines)));
    QVERIFY(withMessage >= 98);
}

QTEST_GUILESS_MAIN(tst_TextCodec)
#include "tst_textcodec.moc"
