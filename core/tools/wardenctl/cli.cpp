#include "cli.h"

#include <warden/frame.h>
#include <warden/protocol/names.h>
#include <warden/protocol/textcodec.h>

#include <QtCore/QJsonDocument>

#include <cstdio>

namespace Warden::Tools {

namespace {

constexpr int kLabelWidth = 16;

QString exitKind(int exitCode)
{
    switch (exitCode) {
    case kExitFailed:
        return QStringLiteral("failed");
    case kExitUsage:
        return QStringLiteral("usage");
    case kExitMalformed:
        return QStringLiteral("malformed");
    default:
        return QStringLiteral("error");
    }
}

/// "1 C_SET", or just "9" when the value has no MySensors name.
QString numberAndName(int value, const char *name)
{
    return name ? QStringLiteral("%1 %2").arg(value).arg(QLatin1String(name))
                : QStringLiteral("%1 (no MySensors name)").arg(value);
}

QString yesNo(bool on)
{
    return on ? QStringLiteral("yes") : QStringLiteral("no");
}

QString nodeNote(uint8_t id)
{
    if (id == Protocol::kGatewayAddress)
        return QStringLiteral("%1 (gateway)").arg(id);
    if (id == Protocol::kBroadcastAddress)
        return QStringLiteral("%1 (broadcast / not assigned)").arg(id);
    return QString::number(id);
}

} // namespace

Cli::Cli(bool json)
    : m_json(json)
    , m_out(stdout)
    , m_err(stderr)
{ }

Cli::~Cli()
{
    m_out.flush();
    m_err.flush();
}

int Cli::fail(const Failure &f, QJsonObject partial)
{
    m_err << "wardenctl: " << f.what << ": " << f.message << Qt::endl;
    if (m_json) {
        QJsonObject error;
        error[u"exit_code"] = f.exitCode;
        error[u"kind"] = exitKind(f.exitCode);
        error[u"what"] = f.what;
        error[u"message"] = f.message;
        partial[u"error"] = error;
        printJson(partial);
    }
    return f.exitCode;
}

void Cli::field(const QString &label, const QString &value, int indent)
{
    if (m_json)
        return;
    m_out << QString(indent, u' ') << label.leftJustified(kLabelWidth) << ' ' << value << '\n';
}

void Cli::line(const QString &text)
{
    if (!m_json)
        m_out << text << '\n';
}

void Cli::printJson(const QJsonObject &object)
{
    m_out << QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Indented));
    m_out.flush();
}

QString hexUpper(const uint8_t *data, size_t size, bool spaced)
{
    const QByteArray bytes
            = QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    return hexUpper(bytes, spaced);
}

QString hexUpper(const QByteArray &bytes, bool spaced)
{
    return QString::fromLatin1(spaced ? bytes.toHex(' ') : bytes.toHex()).toUpper();
}

QString hexLower(const uint8_t *data, size_t size)
{
    return QString::fromLatin1(
            QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size)).toHex());
}

namespace Options {

QCommandLineOption json()
{
    return {QStringLiteral("json"), QStringLiteral("Print one JSON object on stdout.")};
}
QCommandLineOption help()
{
    return {{QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show this help.")};
}
QCommandLineOption version()
{
    return {QStringLiteral("version"), QStringLiteral("Show the version.")};
}
QCommandLineOption key()
{
    return {QStringLiteral("key"),
            QStringLiteral("The network's 32-byte HMAC key, 64 hex digits. Only its fingerprint is "
                           "ever printed."),
            QStringLiteral("hex")};
}
QCommandLineOption nonce()
{
    return {QStringLiteral("nonce"),
            QStringLiteral("The nonce: the 25 bytes of the I_NONCE_RESPONSE payload, or the 32 "
                           "bytes both sides hold (ending in seven AA bytes)."),
            QStringLiteral("hex")};
}
QCommandLineOption serial()
{
    return {QStringLiteral("serial"),
            QStringLiteral("The sender's 9-byte serial (18 hex digits): the destination "
                           "whitelists, so the signature is salted with it."),
            QStringLiteral("hex")};
}
QCommandLineOption whitelistMissing()
{
    return {QStringLiteral("whitelist-missing"),
            QStringLiteral("The verifier whitelists and the sender is not on its list.")};
}
QCommandLineOption encode()
{
    return {QStringLiteral("encode"),
            QStringLiteral("Build an RS485 frame around <message-hex> instead of decoding one.")};
}
QCommandLineOption to()
{
    return {QStringLiteral("to"),
            QStringLiteral("RS485 To byte, the next hop (default: the message's destination)."),
            QStringLiteral("id")};
}
QCommandLineOption from()
{
    return {QStringLiteral("from"),
            QStringLiteral("RS485 From byte, the sending node (default: the message's last)."),
            QStringLiteral("id")};
}
QCommandLineOption sohCount()
{
    return {QStringLiteral("soh-count"),
            QStringLiteral("Leading SOH bytes, 1 to 3 (MY_RS485_SOH_COUNT, default 1)."),
            QStringLiteral("n")};
}
QCommandLineOption toFrame()
{
    return {QStringLiteral("to-frame"),
            QStringLiteral("Also show the binary message the gateway builds from the line.")};
}
QCommandLineOption fromFrame()
{
    return {QStringLiteral("from-frame"),
            QStringLiteral("The argument is a binary message in hex: render it as the line the "
                           "gateway sends to the controller.")};
}
QCommandLineOption mysensors()
{
    return {QStringLiteral("mysensors"),
            QStringLiteral("Also print the lines MySensors' tools take (mysensors.conf and "
                           "SecurityPersonalizer).")};
}
QCommandLineOption nodes()
{
    return {QStringLiteral("nodes"),
            QStringLiteral("Number of simulated nodes, 1 to 100 (default 3)."),
            QStringLiteral("n")};
}
QCommandLineOption frames()
{
    return {QStringLiteral("frames"),
            QStringLiteral("Frames signed and verified for the timing, 1 to 10000000 (default "
                           "1000)."),
            QStringLiteral("n")};
}
QCommandLineOption seed()
{
    return {QStringLiteral("seed"),
            QStringLiteral("Make the run reproducible: key, serials, nonces and values come from a "
                           "pseudo-random generator seeded with <s> instead of the system RNG."),
            QStringLiteral("s")};
}

} // namespace Options

Checked<SecretBytes> keyOption(const QCommandLineParser &parser)
{
    if (!parser.isSet(QStringLiteral("key")))
        return failure(kExitUsage, QStringLiteral("key"),
                       QStringLiteral("missing; give --key with 64 hex digits"));
    // SecretBytes::fromHex names the position of a bad character, never the text.
    auto key = SecretBytes::fromHex(parser.value(QStringLiteral("key")), Protocol::kSigningKeySize);
    if (!key)
        return failure(kExitUsage, QStringLiteral("key"), key.error().message());
    return std::move(*key);
}

Checked<Nonce> nonceOption(const QCommandLineParser &parser)
{
    const QString what = QStringLiteral("nonce");
    if (!parser.isSet(what))
        return failure(
                kExitUsage, what,
                QStringLiteral("missing; give --nonce with the 25 bytes of the I_NONCE_RESPONSE"));
    const auto bytes = parseHex(parser.value(what));
    if (!bytes)
        return failure(kExitUsage, what, bytes.error().message());
    const auto *data = reinterpret_cast<const uint8_t *>(bytes->constData());
    Nonce nonce {};
    if (size_t(bytes->size()) == Protocol::kNoncePayloadSize) {
        Protocol::nonceFromPayload(data, nonce.data());
        return nonce;
    }
    if (size_t(bytes->size()) == Protocol::kNonceSize) {
        for (size_t i = Protocol::kNoncePayloadSize; i < Protocol::kNonceSize; ++i) {
            if (data[i] != Protocol::kNoncePadding)
                return failure(
                        kExitUsage, what,
                        QStringLiteral("a 32-byte nonce ends in seven AA bytes (spec 5.2); byte %1 "
                                       "is not AA")
                                .arg(i + 1));
        }
        std::copy(data, data + Protocol::kNonceSize, nonce.begin());
        return nonce;
    }
    return failure(kExitUsage, what,
                   QStringLiteral("must be 25 or 32 bytes, got %1").arg(bytes->size()));
}

Checked<std::optional<Serial>> serialOption(const QCommandLineParser &parser)
{
    const QString what = QStringLiteral("serial");
    if (!parser.isSet(what))
        return std::optional<Serial>();
    // parseHex names the position of a bad character and never echoes the text.
    const auto bytes = parseHex(parser.value(what));
    if (!bytes)
        return failure(kExitUsage, what, bytes.error().message());
    if (size_t(bytes->size()) != Protocol::kSerialSize)
        return failure(kExitUsage, what,
                       QStringLiteral("must be %1 bytes, got %2")
                               .arg(Protocol::kSerialSize)
                               .arg(bytes->size()));
    Serial serial {};
    std::copy(bytes->constBegin(), bytes->constEnd(), serial.begin());
    return std::optional<Serial>(serial);
}

Checked<quint64> numberOption(const QCommandLineParser &parser, const QString &name, quint64 min,
                              quint64 max, quint64 fallback)
{
    if (!parser.isSet(name))
        return fallback;
    const QString text = parser.value(name);
    bool ok = false;
    const quint64 value = text.toULongLong(&ok, 10);
    const bool digitsOnly = !text.isEmpty() && std::all_of(text.begin(), text.end(), [](QChar c) {
        return c.isDigit();
    });
    if (!ok || !digitsOnly || value < min || value > max)
        return failure(kExitUsage, name,
                       QStringLiteral("must be a decimal number from %1 to %2").arg(min).arg(max));
    return value;
}

Checked<QByteArray> hexArgument(const QString &what, const QString &text)
{
    auto bytes = parseHex(text);
    if (!bytes)
        return failure(kExitMalformed, what, bytes.error().message());
    return *bytes;
}

Checked<Protocol::Message> messageArgument(const QString &what, const QString &text)
{
    const auto bytes = hexArgument(what, text);
    if (!bytes)
        return tl::unexpected(bytes.error());
    auto message = decodeMessage(*bytes);
    if (!message)
        return failure(kExitMalformed, what, message.error().message());
    return *message;
}

std::optional<QString> controllerLineOf(const Protocol::Message &message)
{
    Protocol::ControllerLine line;
    if (!Protocol::messageToControllerLine(message, line))
        return std::nullopt;
    char text[Protocol::kMaxControllerLineSize + 1];
    size_t n = Protocol::formatControllerLine(line, text, sizeof text);
    if (n == 0)
        return std::nullopt;
    if (text[n - 1] == '\n')
        --n;
    return QString::fromLatin1(text, qsizetype(n));
}

QJsonObject messageJson(const Protocol::Message &message)
{
    QJsonObject o = messageToJson(message);
    o[u"hex"] = hexLower(message.data(), message.size());
    o[u"description"] = describeMessage(message);
    o[u"signing_exempt"] = Protocol::isSigningExempt(message);
    const auto line = controllerLineOf(message);
    o[u"controller_line"] = line ? QJsonValue(*line) : QJsonValue();
    return o;
}

void printMessage(Cli &cli, const Protocol::Message &m, int indent)
{
    const auto command = uint8_t(m.command());
    const auto payloadType = uint8_t(m.payloadType());
    cli.field(
            QStringLiteral("frame"),
            QStringLiteral("%1  (%2 bytes)").arg(hexUpper(m.data(), m.size(), true)).arg(m.size()),
            indent);
    cli.field(QStringLiteral("summary"), describeMessage(m), indent);
    cli.field(QStringLiteral("last"), nodeNote(m.last()), indent);
    cli.field(QStringLiteral("sender"), nodeNote(m.sender()), indent);
    cli.field(QStringLiteral("destination"), nodeNote(m.destination()), indent);
    cli.field(QStringLiteral("version"), QString::number(m.version()), indent);
    cli.field(QStringLiteral("signed"), yesNo(m.isSigned()), indent);
    cli.field(QStringLiteral("payload length"), QString::number(m.payloadLength()), indent);
    cli.field(QStringLiteral("command"), numberAndName(command, Protocol::commandName(command)),
              indent);
    cli.field(QStringLiteral("request echo"), yesNo(m.requestEcho()), indent);
    cli.field(QStringLiteral("is echo"), yesNo(m.isEcho()), indent);
    cli.field(QStringLiteral("payload type"),
              numberAndName(payloadType, Protocol::payloadTypeName(payloadType)), indent);
    cli.field(QStringLiteral("type"),
              numberAndName(m.type(), Protocol::typeName(command, m.type())), indent);
    cli.field(QStringLiteral("sensor"),
              m.sensor() == Protocol::kNodeSensorId
                      ? QStringLiteral("%1 (the node itself)").arg(m.sensor())
                      : QString::number(m.sensor()),
              indent);
    cli.field(QStringLiteral("payload"),
              m.payloadLength() ? hexUpper(m.payload(), m.payloadLength(), true)
                                : QStringLiteral("(none)"),
              indent);
    QString value;
    if (m.payloadLength() == 0) {
        value = QStringLiteral("(empty)");
    } else {
        char text[Protocol::kMaxPayloadTextLength + 1];
        const size_t n = Protocol::formatPayloadText(m, text, sizeof text);
        value = n ? QString::fromLatin1(text, qsizetype(n))
                  : QStringLiteral("(not renderable: the gateway would refuse this payload)");
    }
    cli.field(QStringLiteral("value"), value, indent);
    if (m.isSigned()) {
        const uint8_t id = m.signatureLength() ? m.signature()[0] : 0;
        const QString idNote
                = id == Protocol::kSigningIdentifier
                          ? QStringLiteral("identifier 1 = HMAC-SHA256")
                          : QStringLiteral("identifier %1 is not 1 (HMAC-SHA256)").arg(id);
        cli.field(QStringLiteral("signature"),
                  m.signatureLength()
                          ? QStringLiteral("%1  (%2 bytes, %3)")
                                    .arg(hexUpper(m.signature(), m.signatureLength(), true))
                                    .arg(m.signatureLength())
                                    .arg(idNote)
                          : QStringLiteral("(no room: the payload fills the frame)"),
                  indent);
    } else {
        cli.field(QStringLiteral("signature"), QStringLiteral("(unsigned)"), indent);
    }
    cli.field(QStringLiteral("signing"),
              Protocol::isSigningExempt(m)
                      ? QStringLiteral("exempt: never signed nor verified (spec 4.8)")
                      : QStringLiteral("signed when the destination requires signatures"),
              indent);
    const auto line = controllerLineOf(m);
    cli.field(QStringLiteral("controller line"),
              line ? *line
                   : QStringLiteral("(refused: the gateway would not forward this payload)"),
              indent);
}

} // namespace Warden::Tools
