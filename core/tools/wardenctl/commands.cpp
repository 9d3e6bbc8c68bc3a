#include "commands.h"

#include <warden/frame.h>
#include <warden/protocol/names.h>
#include <warden/protocol/rs485.h>
#include <warden/protocol/textcodec.h>

#include <QtCore/QJsonArray>

namespace Warden::Tools {

namespace {

const QString kKey = QStringLiteral("key");

/// The one argument a subcommand takes, or a usage failure naming it.
Checked<QString> singleArgument(const QStringList &args, const QString &command,
                                const QString &argument)
{
    if (args.size() == 1)
        return args.front();
    return failure(kExitUsage, command,
                   args.isEmpty() ? QStringLiteral("missing the argument %1").arg(argument)
                                  : QStringLiteral("takes one argument, %1, got %2")
                                            .arg(argument)
                                            .arg(args.size()));
}

/// Hex typed as several words ("01 01 00 2A ..." without quotes) is one argument.
Checked<QString> hexWords(const QStringList &args, const QString &command, const QString &argument)
{
    if (args.isEmpty())
        return failure(kExitUsage, command,
                       QStringLiteral("missing the argument %1").arg(argument));
    return args.join(u' ');
}

const uint8_t *bytesOf(const QByteArray &bytes)
{
    return reinterpret_cast<const uint8_t *>(bytes.constData());
}

// ---- RS485 --------------------------------------------------------------------------------

/// Where the fields of a frame whose only fault is its checksum lie, to show the checksum it
/// should have had. rs485Decode() does not hand out a broken frame, so this re-reads the
/// bytes with the layout of spec 9.2.
struct ChecksumDiagnosis
{
    Protocol::Rs485Frame frame;
    uint8_t expected;
    size_t sohCount;
};

std::optional<ChecksumDiagnosis> diagnoseChecksum(const uint8_t *b, size_t size)
{
    for (size_t soh = 1; soh <= Protocol::kRs485MaxSohCount && soh <= size; ++soh) {
        if (b[soh - 1] != Protocol::kRs485Soh)
            break;
        if (size < soh + 5)
            break;
        const uint8_t length = b[soh + 3];
        if (b[soh + 2] != Protocol::kRs485Command || b[soh + 4] != Protocol::kRs485Stx
            || length > Protocol::kRs485MaxDataLength || size < soh + 7 + size_t(length)
            || b[soh + 5 + length] != Protocol::kRs485Etx)
            continue;
        ChecksumDiagnosis d {};
        d.frame.to = b[soh];
        d.frame.from = b[soh + 1];
        d.frame.command = b[soh + 2];
        d.frame.length = length;
        std::copy(b + soh + 5, b + soh + 5 + length, d.frame.data);
        d.frame.checksum = b[soh + 6 + length];
        d.expected = Protocol::rs485Checksum(d.frame.to, d.frame.from, d.frame.command,
                                             d.frame.data, length);
        d.sohCount = soh;
        if (d.expected != d.frame.checksum)
            return d;
    }
    return std::nullopt;
}

QString byteHex(uint8_t v)
{
    return QStringLiteral("0x%1").arg(v, 2, 16, QLatin1Char('0')).toUpper().replace(u'X', u'x');
}

QString nodeText(uint8_t id)
{
    if (id == Protocol::kBroadcastAddress)
        return QStringLiteral("%1 (broadcast)").arg(id);
    if (id == Protocol::kGatewayAddress)
        return QStringLiteral("%1 (gateway)").arg(id);
    return QString::number(id);
}

/// Prints and returns the fields of an RS485 frame; @p expected differs from the frame's
/// checksum when the frame is broken.
QJsonObject showRs485(Cli &cli, const QByteArray &raw, const Protocol::Rs485Frame &f,
                      size_t sohCount, uint8_t expected)
{
    const bool checksumOk = expected == f.checksum;
    cli.field(QStringLiteral("rs485 frame"),
              QStringLiteral("%1  (%2 bytes)").arg(hexUpper(raw, true)).arg(raw.size()));
    cli.field(QStringLiteral("SOH count"), QString::number(sohCount));
    cli.field(QStringLiteral("to"), nodeText(f.to));
    cli.field(QStringLiteral("from"), nodeText(f.from));
    cli.field(QStringLiteral("command"),
              QStringLiteral("%1 ('X', system packet)").arg(byteHex(f.command)));
    cli.field(QStringLiteral("length"), QString::number(f.length));
    cli.field(QStringLiteral("checksum"),
              checksumOk ? QStringLiteral("%1 (correct)").arg(byteHex(f.checksum))
                         : QStringLiteral("%1 WRONG, expected %2")
                                   .arg(byteHex(f.checksum), byteHex(expected)));
    cli.field(QStringLiteral("data"), hexUpper(f.data, f.length, true));
    QJsonObject o;
    o[u"frame_hex"] = QString::fromLatin1(raw.toHex());
    o[u"soh_count"] = int(sohCount);
    o[u"to"] = f.to;
    o[u"from"] = f.from;
    o[u"command"] = f.command;
    o[u"length"] = f.length;
    o[u"checksum"] = f.checksum;
    o[u"checksum_expected"] = expected;
    o[u"checksum_ok"] = checksumOk;
    o[u"data_hex"] = hexLower(f.data, f.length);
    return o;
}

int rs485Encode(Cli &cli, const QCommandLineParser &parser, const QString &arg)
{
    const auto message = messageArgument(QStringLiteral("message"), arg);
    if (!message)
        return cli.fail(message.error());
    const auto to = numberOption(parser, QStringLiteral("to"), 0, 255, message->destination());
    if (!to)
        return cli.fail(to.error());
    const auto from = numberOption(parser, QStringLiteral("from"), 0, 255, message->last());
    if (!from)
        return cli.fail(from.error());
    const auto soh
            = numberOption(parser, QStringLiteral("soh-count"), 1, Protocol::kRs485MaxSohCount, 1);
    if (!soh)
        return cli.fail(soh.error());
    uint8_t out[Protocol::kRs485MaxFrameSize];
    const size_t n = Protocol::rs485Encode(uint8_t(*to), uint8_t(*from), message->data(),
                                           message->size(), out, sizeof out, uint8_t(*soh));
    if (n == 0) // cannot happen for a decoded message (at most 32 bytes); stay honest anyway
        return cli.fail(kExitMalformed, QStringLiteral("message"),
                        QStringLiteral("does not fit an RS485 frame"));
    const QByteArray frame(reinterpret_cast<const char *>(out), qsizetype(n));
    if (!cli.json())
        cli.field(QStringLiteral("encoded"), hexUpper(frame));
    Protocol::Rs485Frame decoded {};
    decoded.to = uint8_t(*to);
    decoded.from = uint8_t(*from);
    decoded.command = Protocol::kRs485Command;
    decoded.length = uint8_t(message->size());
    std::copy(message->data(), message->data() + message->size(), decoded.data);
    decoded.checksum = out[n - 2];
    QJsonObject rs485 = showRs485(cli, frame, decoded, size_t(*soh), decoded.checksum);
    cli.line();
    cli.line(QStringLiteral("message inside:"));
    printMessage(cli, *message, 2);
    if (cli.json())
        cli.printJson({{QStringLiteral("rs485"), rs485},
                       {QStringLiteral("message"), messageJson(*message)}});
    return kExitOk;
}

// ---- Controller lines ---------------------------------------------------------------------

const char *const kLineFields[]
        = {"node-id", "child-sensor-id", "command", "ack", "type", "payload"};

QJsonObject lineJson(const Protocol::ControllerLine &l, const QString &payload)
{
    QJsonObject o;
    o[u"node_id"] = l.nodeId;
    o[u"child_sensor_id"] = l.childSensorId;
    o[u"command"] = l.command;
    o[u"command_name"] = QString::fromLatin1(Protocol::commandName(l.command));
    o[u"ack"] = l.ack ? 1 : 0;
    o[u"type"] = l.type;
    const char *typeName = Protocol::typeName(l.command, l.type);
    o[u"type_name"] = typeName ? QJsonValue(QString::fromLatin1(typeName)) : QJsonValue();
    o[u"payload"] = payload;
    return o;
}

void showLine(Cli &cli, const Protocol::ControllerLine &l, const QString &payload)
{
    const char *command = Protocol::commandName(l.command);
    const char *type = Protocol::typeName(l.command, l.type);
    cli.field(QStringLiteral("node-id"),
              QStringLiteral("%1  (to the gateway: the destination; from it: the sender)")
                      .arg(l.nodeId));
    cli.field(QStringLiteral("child-sensor-id"),
              l.childSensorId == Protocol::kNodeSensorId
                      ? QStringLiteral("%1 (the node itself)").arg(l.childSensorId)
                      : QString::number(l.childSensorId));
    cli.field(QStringLiteral("command"),
              QStringLiteral("%1 %2").arg(l.command).arg(QLatin1String(command ? command : "?")));
    cli.field(QStringLiteral("ack"),
              QStringLiteral("%1  (to the gateway: request an echo; from it: this is an echo)")
                      .arg(l.ack ? 1 : 0));
    cli.field(QStringLiteral("type"),
              type ? QStringLiteral("%1 %2").arg(l.type).arg(QLatin1String(type))
                   : QStringLiteral("%1 (no MySensors name)").arg(l.type));
    cli.field(QStringLiteral("payload"),
              payload.isEmpty()
                      ? QStringLiteral("(empty)")
                      : QStringLiteral("%1  (%2 characters)").arg(payload).arg(l.payloadLength));
}

int lineFromFrame(Cli &cli, const QString &arg)
{
    const auto message = messageArgument(QStringLiteral("frame"), arg);
    if (!message)
        return cli.fail(message.error());
    Protocol::ControllerLine l;
    if (!Protocol::messageToControllerLine(*message, l))
        return cli.fail(
                kExitMalformed, QStringLiteral("frame"),
                QStringLiteral("the gateway would not render this payload as a controller line "
                               "(a P_STRING with a control character could forge a second line)"));
    const QString text = controllerLineOf(*message).value_or(QString());
    const QString payload = QString::fromLatin1(l.payload, l.payloadLength);
    cli.field(QStringLiteral("line"), text);
    showLine(cli, l, payload);
    cli.line();
    cli.line(QStringLiteral("from the message:"));
    printMessage(cli, *message, 2);
    if (cli.json()) {
        QJsonObject fields = lineJson(l, payload);
        cli.printJson({{QStringLiteral("line"), text},
                       {QStringLiteral("fields"), fields},
                       {QStringLiteral("message"), messageJson(*message)}});
    }
    return kExitOk;
}

int lineParse(Cli &cli, const QCommandLineParser &parser, const QString &arg)
{
    const QByteArray text = arg.toUtf8();
    Protocol::ControllerLine l;
    uint8_t badField = Protocol::kNoBadField;
    const Protocol::LineError error
            = Protocol::parseControllerLine(text.constData(), size_t(text.size()), l, &badField);
    if (error != Protocol::LineError::None) {
        QString message
                = QStringLiteral("%1 (%2)").arg(QLatin1String(Protocol::lineErrorText(error)),
                                                QLatin1String(Protocol::lineErrorName(error)));
        if (badField < std::size(kLineFields))
            message += QStringLiteral(", field %1 (%2)")
                               .arg(badField + 1)
                               .arg(QLatin1String(kLineFields[badField]));
        QJsonObject partial;
        partial[u"line_error"] = QString::fromLatin1(Protocol::lineErrorName(error));
        partial[u"bad_field"] = badField < std::size(kLineFields)
                                        ? QJsonValue(QString::fromLatin1(kLineFields[badField]))
                                        : QJsonValue();
        return cli.fail({kExitMalformed, QStringLiteral("line"), message}, partial);
    }
    const QString payload = QString::fromUtf8(l.payload, l.payloadLength);
    cli.field(QStringLiteral("line"), arg.trimmed());
    showLine(cli, l, payload);
    QJsonObject result {{QStringLiteral("line"), arg},
                        {QStringLiteral("fields"), lineJson(l, payload)}};
    if (parser.isSet(QStringLiteral("to-frame"))) {
        Protocol::Message message;
        const Protocol::LineError toFrame = Protocol::controllerLineToMessage(l, message);
        if (toFrame != Protocol::LineError::None)
            return cli.fail({kExitMalformed, QStringLiteral("line"),
                             QStringLiteral("the gateway cannot build a message from it: "
                                            "%1 (%2)")
                                     .arg(QLatin1String(Protocol::lineErrorText(toFrame)),
                                          QLatin1String(Protocol::lineErrorName(toFrame)))},
                            result);
        cli.line();
        cli.line(QStringLiteral("the message the gateway builds from it:"));
        printMessage(cli, message, 2);
        result[u"message"] = messageJson(message);
    }
    if (cli.json())
        cli.printJson(result);
    return kExitOk;
}

// ---- Keys ---------------------------------------------------------------------------------

/// Best effort against key text lingering in freed heap: the hex is built in one buffer that
/// is overwritten when the command ends. (Qt's and the C library's stream buffers are beyond
/// reach; the point of keygen is to hand the key over, after all.)
class SecretText
{
public:
    explicit SecretText(const SecretBytes &bytes, QStringView byteSeparator = {},
                        QStringView bytePrefix = {})
    {
        static const char16_t digits[] = u"0123456789ABCDEF";
        m_text.reserve(qsizetype(bytes.size()) * (2 + byteSeparator.size() + bytePrefix.size()));
        for (size_t i = 0; i < bytes.size(); ++i) {
            if (i > 0)
                m_text += byteSeparator;
            m_text += bytePrefix;
            m_text += QChar(digits[bytes.data()[i] >> 4]);
            m_text += QChar(digits[bytes.data()[i] & 0x0F]);
        }
    }
    ~SecretText() { m_text.fill(u'0'); }
    SecretText(const SecretText &) = delete;
    SecretText &operator=(const SecretText &) = delete;
    const QString &text() const { return m_text; }

private:
    QString m_text;
};

/// keygen and serialgen: @p size random bytes, shown in hex with their fingerprint.
int generate(Cli &cli, const QCommandLineParser &parser, const QStringList &args,
             const QString &command, size_t size, const QString &label, const QString &confName,
             const QString &defineName)
{
    if (!args.isEmpty())
        return cli.fail(kExitUsage, command, QStringLiteral("takes no arguments"));
    const auto secret = SecretBytes::random(size);
    if (!secret)
        return cli.fail(kExitFailed, QStringLiteral("random"), secret.error().message());
    const SecretText hex(*secret);
    const bool mysensors = parser.isSet(QStringLiteral("mysensors"));
    if (cli.json()) {
        QJsonObject o {{QStringLiteral("hex"), hex.text()},
                       {QStringLiteral("size"), int(size)},
                       {QStringLiteral("fingerprint"), secret->fingerprint()}};
        if (mysensors) {
            const SecretText define(*secret, u",", u"0X");
            o[confName] = hex.text();
            o[u"define"] = QStringLiteral("#define %1 %2").arg(defineName, define.text());
        }
        cli.printJson({{label, o}});
        return kExitOk;
    }
    cli.field(label, hex.text());
    cli.field(QStringLiteral("fingerprint"), secret->fingerprint());
    if (mysensors) {
        const SecretText define(*secret, u",", u"0X");
        cli.line();
        cli.line(QStringLiteral("# mysensors.conf of the Linux gateway (mysgw):"));
        cli.line(QStringLiteral("%1=%2").arg(confName, hex.text()));
        cli.line(QStringLiteral("# SecurityPersonalizer sketch:"));
        cli.line(QStringLiteral("#define %1 %2").arg(defineName, define.text()));
    }
    return kExitOk;
}

} // namespace

int runDecode(Cli &cli, const QCommandLineParser &, const QStringList &args)
{
    const auto arg = hexWords(args, QStringLiteral("decode"), QStringLiteral("<hex>"));
    if (!arg)
        return cli.fail(arg.error());
    const auto bytes = hexArgument(QStringLiteral("frame"), *arg);
    if (!bytes)
        return cli.fail(bytes.error());
    const auto message = decodeMessage(*bytes);
    if (!message) {
        QString text = message.error().message();
        Protocol::Rs485Frame frame;
        if (Protocol::rs485Decode(bytesOf(*bytes), size_t(bytes->size()), frame)
            == Protocol::Rs485Error::None)
            text += QStringLiteral("; it is an RS485 frame: try 'wardenctl rs485'");
        return cli.fail(kExitMalformed, QStringLiteral("frame"), text);
    }
    printMessage(cli, *message);
    if (cli.json())
        cli.printJson({{QStringLiteral("message"), messageJson(*message)}});
    return kExitOk;
}

int runRs485(Cli &cli, const QCommandLineParser &parser, const QStringList &args)
{
    const bool encode = parser.isSet(QStringLiteral("encode"));
    const auto arg
            = hexWords(args, QStringLiteral("rs485"),
                       encode ? QStringLiteral("<message-hex>") : QStringLiteral("<frame-hex>"));
    if (!arg)
        return cli.fail(arg.error());
    if (encode)
        return rs485Encode(cli, parser, *arg);
    for (const QString &name :
         {QStringLiteral("to"), QStringLiteral("from"), QStringLiteral("soh-count")}) {
        if (parser.isSet(name))
            return cli.fail(kExitUsage, name, QStringLiteral("is only used with --encode"));
    }

    const auto raw = hexArgument(QStringLiteral("frame"), *arg);
    if (!raw)
        return cli.fail(raw.error());
    Protocol::Rs485Frame frame {};
    const Protocol::Rs485Error error
            = Protocol::rs485Decode(bytesOf(*raw), size_t(raw->size()), frame);
    QJsonObject result;
    std::optional<Failure> broken;
    if (error == Protocol::Rs485Error::None) {
        const size_t soh = size_t(raw->size()) - Protocol::kRs485FramingSize - frame.length;
        result[u"rs485"] = showRs485(cli, *raw, frame, soh, frame.checksum);
    } else if (const auto diagnosis = error == Protocol::Rs485Error::BadChecksum
                                              ? diagnoseChecksum(bytesOf(*raw), size_t(raw->size()))
                                              : std::nullopt) {
        frame = diagnosis->frame;
        result[u"rs485"] = showRs485(cli, *raw, frame, diagnosis->sohCount, diagnosis->expected);
        broken = Failure {kExitMalformed, QStringLiteral("frame"),
                          QStringLiteral("%1 (%2): received %3, expected %4")
                                  .arg(QLatin1String(Protocol::rs485ErrorText(error)),
                                       QLatin1String(Protocol::rs485ErrorName(error)),
                                       byteHex(frame.checksum), byteHex(diagnosis->expected))};
    } else {
        QString text
                = QStringLiteral("%1 (%2)").arg(QLatin1String(Protocol::rs485ErrorText(error)),
                                                QLatin1String(Protocol::rs485ErrorName(error)));
        if (decodeMessage(*raw))
            text += QStringLiteral("; it is a plain MySensors message: try 'wardenctl decode'");
        return cli.fail(kExitMalformed, QStringLiteral("frame"), text);
    }

    // The message inside, shown even when the checksum is wrong: that is what one debugs.
    const auto message = decodeMessage(
            QByteArrayView(reinterpret_cast<const char *>(frame.data), frame.length));
    if (!message) {
        if (!broken)
            broken = Failure {kExitMalformed, QStringLiteral("message"), message.error().message()};
        result[u"message_error"] = message.error().message();
    } else {
        cli.line();
        cli.line(QStringLiteral("message inside:"));
        printMessage(cli, *message, 2);
        result[u"message"] = messageJson(*message);
    }
    if (broken)
        return cli.fail(*broken, result);
    if (cli.json())
        cli.printJson(result);
    return kExitOk;
}

int runLine(Cli &cli, const QCommandLineParser &parser, const QStringList &args)
{
    const bool fromFrame = parser.isSet(QStringLiteral("from-frame"));
    if (fromFrame && parser.isSet(QStringLiteral("to-frame")))
        return cli.fail(kExitUsage, QStringLiteral("line"),
                        QStringLiteral("--to-frame and --from-frame exclude each other"));
    const auto arg
            = fromFrame ? hexWords(args, QStringLiteral("line"), QStringLiteral("<frame-hex>"))
                        : singleArgument(args, QStringLiteral("line"), QStringLiteral("<line>"));
    if (!arg)
        return cli.fail(arg.error());
    return fromFrame ? lineFromFrame(cli, *arg) : lineParse(cli, parser, *arg);
}

int runSign(Cli &cli, const QCommandLineParser &parser, const QStringList &args)
{
    const auto arg = hexWords(args, QStringLiteral("sign"), QStringLiteral("<message-hex>"));
    if (!arg)
        return cli.fail(arg.error());
    const auto key = keyOption(parser);
    if (!key)
        return cli.fail(key.error());
    const auto nonce = nonceOption(parser);
    if (!nonce)
        return cli.fail(nonce.error());
    const auto serial = serialOption(parser);
    if (!serial)
        return cli.fail(serial.error());
    auto message = messageArgument(QStringLiteral("message"), *arg);
    if (!message)
        return cli.fail(message.error());

    const bool resigned = message->isSigned();
    if (resigned)
        message->setSigned(false); // drops the old signature bytes
    Signer signer(*key);
    if (auto signedOk = signer.sign(*message, *nonce, *serial); !signedOk)
        return cli.fail(kExitMalformed, QStringLiteral("message"), signedOk.error().message());
    const auto hmac = signer.rawHmac(*message, *nonce);
    const QString signature = hexUpper(message->signature(), message->signatureLength());
    const QString frame = hexUpper(message->data(), message->size());

    cli.field(QStringLiteral("key"), QStringLiteral("fingerprint %1").arg(key->fingerprint()));
    cli.field(QStringLiteral("nonce"), hexUpper(nonce->data(), nonce->size()));
    cli.field(QStringLiteral("salted"),
              serial->has_value()
                      ? QStringLiteral("yes, with the sender's serial (the destination whitelists)")
                      : QStringLiteral("no (the destination does not whitelist)"));
    if (resigned)
        cli.field(QStringLiteral("re-signed"),
                  QStringLiteral("the input was signed; its old signature was dropped"));
    cli.field(QStringLiteral("hmac (unsalted)"), hexUpper(hmac.data(), hmac.size()));
    cli.field(QStringLiteral("signature"),
              QStringLiteral("%1  (%2 bytes)").arg(signature).arg(message->signatureLength()));
    cli.field(QStringLiteral("signed frame"), frame);
    cli.line();
    printMessage(cli, *message, 2);
    if (cli.json()) {
        QJsonObject o;
        o[u"key_fingerprint"] = key->fingerprint();
        o[u"nonce_hex"] = hexLower(nonce->data(), nonce->size());
        o[u"salted"] = serial->has_value();
        o[u"resigned"] = resigned;
        o[u"hmac_unsalted_hex"] = hexLower(hmac.data(), hmac.size());
        o[u"signature_hex"] = signature.toLower();
        o[u"signed_frame_hex"] = frame.toLower();
        o[u"message"] = messageJson(*message);
        cli.printJson(o);
    }
    return kExitOk;
}

int runVerify(Cli &cli, const QCommandLineParser &parser, const QStringList &args)
{
    const auto arg
            = hexWords(args, QStringLiteral("verify"), QStringLiteral("<signed-message-hex>"));
    if (!arg)
        return cli.fail(arg.error());
    const bool missing = parser.isSet(QStringLiteral("whitelist-missing"));
    if (missing && parser.isSet(QStringLiteral("serial")))
        return cli.fail(kExitUsage, QStringLiteral("verify"),
                        QStringLiteral("--serial and --whitelist-missing exclude each other"));
    const auto key = keyOption(parser);
    if (!key)
        return cli.fail(key.error());
    const auto nonce = nonceOption(parser);
    if (!nonce)
        return cli.fail(nonce.error());
    const auto serial = serialOption(parser);
    if (!serial)
        return cli.fail(serial.error());
    const auto message = messageArgument(QStringLiteral("message"), *arg);
    if (!message)
        return cli.fail(message.error());

    // The receiver procedure of spec 4.7 exactly as a Warden gateway runs it, with the given
    // nonce outstanding and fresh.
    Protocol::LegacySigner verifier(Signer::hostSha256());
    verifier.setKey(key->data());
    Protocol::NonceSlot slot;
    slot.issue(nonce->data(), 0);
    Protocol::WhitelistEntry entry {message->sender(), {}};
    if (serial->has_value())
        std::copy((*serial)->begin(), (*serial)->end(), entry.serial);
    const Protocol::WhitelistView listed {&entry, 1};
    const Protocol::WhitelistView empty {nullptr, 0};
    const Protocol::WhitelistView *whitelist
            = serial->has_value() ? &listed : (missing ? &empty : nullptr);
    const Protocol::Verdict verdict
            = Protocol::verifyReceived(verifier, *message, slot, 0, whitelist);
    verifier.clearKey();
    Protocol::secureZero(entry.serial, sizeof entry.serial);

    const QString name = QString::fromLatin1(Protocol::verdictName(verdict));
    const QString text = QString::fromLatin1(Protocol::verdictText(verdict));
    const QString whitelistText
            = serial->has_value()
                      ? QStringLiteral(
                                "the verifier whitelists; node %1 is listed with the given serial")
                                .arg(message->sender())
              : missing ? QStringLiteral("the verifier whitelists; node %1 is not listed")
                                  .arg(message->sender())
                        : QStringLiteral("the verifier does not whitelist");
    cli.field(QStringLiteral("verdict"), name);
    cli.field(QStringLiteral("meaning"), text);
    cli.field(QStringLiteral("key"), QStringLiteral("fingerprint %1").arg(key->fingerprint()));
    cli.field(QStringLiteral("nonce"), hexUpper(nonce->data(), nonce->size()));
    cli.field(QStringLiteral("whitelist"), whitelistText);
    cli.line();
    printMessage(cli, *message, 2);
    if (cli.json()) {
        QJsonObject o;
        o[u"verdict"] = name;
        o[u"verdict_text"] = text;
        o[u"verified"] = verdict == Protocol::Verdict::Verified;
        o[u"key_fingerprint"] = key->fingerprint();
        o[u"nonce_hex"] = hexLower(nonce->data(), nonce->size());
        o[u"whitelisting"] = serial->has_value() ? QStringLiteral("listed")
                             : missing           ? QStringLiteral("missing")
                                                 : QStringLiteral("none");
        o[u"message"] = messageJson(*message);
        cli.printJson(o);
    }
    if (verdict == Protocol::Verdict::Verified)
        return kExitOk;
    cli.err() << "wardenctl: verify: " << name << ": " << text << Qt::endl;
    return kExitFailed;
}

int runKeygen(Cli &cli, const QCommandLineParser &parser, const QStringList &args)
{
    return generate(cli, parser, args, QStringLiteral("keygen"), Protocol::kSigningKeySize, kKey,
                    QStringLiteral("soft_hmac_key"), QStringLiteral("MY_HMAC_KEY"));
}

int runSerialgen(Cli &cli, const QCommandLineParser &parser, const QStringList &args)
{
    return generate(cli, parser, args, QStringLiteral("serialgen"), Protocol::kSerialSize,
                    QStringLiteral("serial"), QStringLiteral("soft_serial_key"),
                    QStringLiteral("MY_SOFT_SERIAL"));
}

} // namespace Warden::Tools
