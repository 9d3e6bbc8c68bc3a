#include <warden/frame.h>

#include <warden/protocol/names.h>
#include <warden/protocol/textcodec.h>

#include <QtCore/QJsonObject>

#include "hextext_p.h"

namespace Warden {

namespace {

QString nameOr(const char *name, int value)
{
    return name ? QString::fromLatin1(name) : QString::number(value);
}

QByteArray bytes(const uint8_t *data, size_t size)
{
    return QByteArray(reinterpret_cast<const char *>(data), qsizetype(size));
}

} // namespace

Result<Protocol::Message> decodeMessage(QByteArrayView input)
{
    Protocol::Message message;
    const auto *data = reinterpret_cast<const uint8_t *>(input.data());
    const Protocol::DecodeError error
            = Protocol::Message::decode(data, size_t(input.size()), message);
    if (error == Protocol::DecodeError::None)
        return message;
    QString detail = QString::fromLatin1(Protocol::decodeErrorText(error));
    if (error == Protocol::DecodeError::SizeMismatch && input.size() >= 4) {
        const bool isSigned = (data[3] & 0x04) != 0;
        const int expected = int(Protocol::kHeaderSize) + (isSigned ? 25 : data[3] >> 3);
        detail += QStringLiteral(": got %1 bytes, the header says %2")
                          .arg(input.size())
                          .arg(expected);
    } else if (error == Protocol::DecodeError::Truncated
               || error == Protocol::DecodeError::TooLong) {
        detail += QStringLiteral(": got %1 bytes").arg(input.size());
    }
    return fail(ErrorCode::Malformed,
                QStringLiteral("%1 (%2)").arg(
                        detail, QString::fromLatin1(Protocol::decodeErrorName(error))));
}

QByteArray encodeMessage(const Protocol::Message &message)
{
    return bytes(message.data(), message.size());
}

QString payloadText(const Protocol::Message &message)
{
    char text[Protocol::kMaxControllerLineSize];
    const size_t n = Protocol::formatPayloadText(message, text, sizeof text);
    return QString::fromLatin1(text, qsizetype(n));
}

QJsonObject messageToJson(const Protocol::Message &m)
{
    const auto command = uint8_t(m.command());
    const auto payloadType = uint8_t(m.payloadType());
    QJsonObject o;
    o[u"last"] = m.last();
    o[u"sender"] = m.sender();
    o[u"destination"] = m.destination();
    o[u"version"] = m.version();
    o[u"signed"] = m.isSigned();
    o[u"length"] = m.payloadLength();
    o[u"command"] = command;
    o[u"command_name"] = nameOr(Protocol::commandName(command), command);
    o[u"echo_request"] = m.requestEcho();
    o[u"echo"] = m.isEcho();
    o[u"payload_type"] = payloadType;
    o[u"payload_type_name"] = nameOr(Protocol::payloadTypeName(payloadType), payloadType);
    o[u"type"] = m.type();
    o[u"type_name"] = nameOr(Protocol::typeName(command, m.type()), m.type());
    o[u"sensor"] = m.sensor();
    o[u"payload_hex"] = QString::fromLatin1(bytes(m.payload(), m.payloadLength()).toHex());
    o[u"payload_text"] = payloadText(m);
    o[u"signature_hex"] = QString::fromLatin1(bytes(m.signature(), m.signatureLength()).toHex());
    return o;
}

QString describeMessage(const Protocol::Message &m)
{
    const auto command = uint8_t(m.command());
    QString out = QStringLiteral("%1->%2 %3 %4 child %5 %6 %7")
                          .arg(m.sender())
                          .arg(m.destination())
                          .arg(nameOr(Protocol::commandName(command), command),
                               nameOr(Protocol::typeName(command, m.type()), m.type()))
                          .arg(m.sensor())
                          .arg(nameOr(Protocol::payloadTypeName(uint8_t(m.payloadType())),
                                      uint8_t(m.payloadType())),
                               payloadText(m));
    if (m.requestEcho())
        out += QStringLiteral(" [echo requested]");
    if (m.isEcho())
        out += QStringLiteral(" [echo]");
    if (m.isSigned())
        out += QStringLiteral(" [signed]");
    if (m.last() != m.sender())
        out += QStringLiteral(" via %1").arg(m.last());
    return out;
}

Result<QByteArray> parseHex(QStringView text)
{
    QByteArray out;
    out.reserve(text.size() / 2);
    if (auto error = Internal::parseHexText(text, [&](uint8_t b) { out.append(char(b)); }))
        return fail(ErrorCode::InvalidArgument, QStringLiteral("hex text has %1").arg(*error));
    return out;
}

} // namespace Warden
