// Qt-side conveniences around the portable message: decode from bytes with a readable
// error, JSON and one-line descriptions with MySensors names, hex parsing of user input.
#pragma once

#include <warden/error.h>
#include <warden/protocol/message.h>

#include <QtCore/QByteArray>
#include <QtCore/QJsonObject>

namespace Warden {

/// Decodes one binary message; the error says what was wrong and with which sizes.
WARDEN_CORE_EXPORT Result<Protocol::Message> decodeMessage(QByteArrayView bytes);
/// The wire bytes of @p message.
WARDEN_CORE_EXPORT QByteArray encodeMessage(const Protocol::Message &message);

/// Every field, with names: last, sender, destination, version, signed, length, command
/// (+ command_name), echo_request, echo, payload_type (+ name), type (+ type_name), sensor,
/// payload_hex, payload_text, signature_hex.
WARDEN_CORE_EXPORT QJsonObject messageToJson(const Protocol::Message &message);
/// One line for logs and terminals, e.g. "1->0 C_SET V_TEMP child 1 P_FLOAT32 21.50 [signed]".
WARDEN_CORE_EXPORT QString describeMessage(const Protocol::Message &message);
/// The payload as the controller protocol renders it.
WARDEN_CORE_EXPORT QString payloadText(const Protocol::Message &message);

/// Parses hexadecimal user input: upper or lower case, optional "0x" prefix, and ' ', ':',
/// '-' or ',' allowed between bytes. The error names the offending position.
WARDEN_CORE_EXPORT Result<QByteArray> parseHex(QStringView text);

} // namespace Warden
