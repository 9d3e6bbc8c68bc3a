// The JSON API's wire format without sockets: a text frame in, a validated call or a rejection
// with a stable error code out; and the response, error and event texts. Everything here is a
// pure function, so the fuzz target (tests/fuzz/fuzz_jsonapi.cpp) reaches all of it. The
// schema is documented in json-api.md beside this file.
#pragma once

#include <warden/protocol/message.h>

#include <QtCore/QByteArray>
#include <QtCore/QJsonObject>
#include <QtCore/QJsonValue>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <tl/expected.hpp>

#include <functional>
#include <optional>

namespace Warden::Internal::JsonProtocol {

/// Incremented when a method or event changes incompatibly.
constexpr int kApiVersion = 1;
/// Longest text frame the server accepts (QWebSocket::setMaxAllowedIncomingMessageSize).
constexpr qint64 kMaxMessageSize = 64 * 1024;
/// Request ids are JSON numbers that a double holds exactly.
constexpr qint64 kMaxId = (qint64(1) << 53) - 1;
/// Longest revocation reason (it goes into logs and, later, the audit log).
constexpr qsizetype kMaxReasonLength = 200;

/// Stable error codes of error responses.
namespace Codes {
inline const QString ParseError = QStringLiteral("parse-error"); ///< not JSON
inline const QString InvalidRequest = QStringLiteral("invalid-request"); ///< not a request object
inline const QString MethodNotFound = QStringLiteral("method-not-found");
inline const QString InvalidParams = QStringLiteral("invalid-params");
inline const QString Unauthenticated = QStringLiteral("unauthenticated"); ///< auth first
inline const QString AuthFailed = QStringLiteral("auth-failed");
inline const QString Refused = QStringLiteral("refused"); ///< the engine said no
inline const QString Unavailable = QStringLiteral("unavailable"); ///< not in this build/mode
inline const QString NotFound = QStringLiteral("not-found"); ///< no such node (or record)
} // namespace Codes

struct ApiError
{
    QString code;
    QString message;
};

enum class Method : quint8 {
    Auth,
    Hello,
    Statistics,
    TrafficSubscribe,
    TrafficUnsubscribe,
    AlertsSubscribe,
    AlertsUnsubscribe,
    SecuritySubscribe, ///< the "job" and "rotation" events
    SecurityUnsubscribe,
    Send,
    Revoke,
    Unlock,
    Extension, ///< a method registered at run time (JsonApi::addMethod); params unchecked here
};

/// A request that passed every check: the method exists and its params have the right names,
/// types and ranges. Only the members of its method are meaningful.
struct Call
{
    qint64 id = 0;
    Method method = Method::Hello;
    QString name; ///< the method's name as sent
    QJsonObject params; ///< as sent (an empty object when absent)
    QByteArray token; ///< Auth (UTF-8); never logged
    Protocol::Message message; ///< Send: sender 0, destination = node, unsigned
    quint8 node = 0; ///< Send, Revoke, Unlock
    QString reason; ///< Revoke
};

/// Why a text frame is not a call, with the request's id when it had a valid one.
struct Rejection
{
    std::optional<qint64> id;
    ApiError error;
};

/// The built-in method names, in documentation order.
QStringList methodNames();
/// The event names the server sends.
QStringList eventNames();

/// Parses and validates one text frame: JSON, an object, "id" an integer 0..2^53-1, "method" a
/// known name (built in, or accepted by @p isExtension), "params" absent or an object whose
/// keys and values the method accepts. Unknown params are refused too, so a typo is caught.
tl::expected<Call, Rejection>
parseCall(QByteArrayView text, const std::function<bool(const QString &)> &isExtension = {});

/// {"id": id, "result": result}
QByteArray resultText(qint64 id, const QJsonValue &result);
/// {"id": id or null, "error": {"code": ..., "message": ...}}
QByteArray errorText(std::optional<qint64> id, const ApiError &error);
/// {"event": name, "data": data}
QByteArray eventText(const QString &name, const QJsonObject &data);

} // namespace Warden::Internal::JsonProtocol
