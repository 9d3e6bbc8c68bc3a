#include "jsonprotocol.h"

#include <warden/protocol/names.h>
#include <warden/protocol/textcodec.h>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonParseError>

#include <cmath>

using namespace Qt::StringLiterals;

namespace Warden::Internal::JsonProtocol {

namespace {

struct MethodInfo
{
    const char16_t *name;
    Method method;
};

// Documentation order; json-api.md lists them the same way.
constexpr MethodInfo kMethods[] = {
        {u"auth", Method::Auth},
        {u"hello", Method::Hello},
        {u"statistics", Method::Statistics},
        {u"traffic.subscribe", Method::TrafficSubscribe},
        {u"traffic.unsubscribe", Method::TrafficUnsubscribe},
        {u"alerts.subscribe", Method::AlertsSubscribe},
        {u"alerts.unsubscribe", Method::AlertsUnsubscribe},
        {u"security.subscribe", Method::SecuritySubscribe},
        {u"security.unsubscribe", Method::SecurityUnsubscribe},
        {u"send", Method::Send},
        {u"revoke", Method::Revoke},
        {u"unlock", Method::Unlock},
};

using Checked = tl::expected<void, ApiError>;

tl::unexpected<ApiError> invalidParams(const QString &message)
{
    return tl::unexpected(ApiError {Codes::InvalidParams, message});
}

/// Client text quoted in an error message: at most @p max characters, control characters and
/// broken surrogates replaced, so that a message is always clean, printable Unicode.
QString excerpt(QStringView text, qsizetype max = 40)
{
    QString out;
    for (qsizetype i = 0; i < text.size() && out.size() < max; ++i) {
        const QChar c = text[i];
        if (c.isHighSurrogate() && i + 1 < text.size() && text[i + 1].isLowSurrogate()) {
            out.append(c);
            out.append(text[++i]);
        } else if (c.isSurrogate() || c.unicode() < 0x20 || c.unicode() == 0x7F) {
            out.append(u'?');
        } else {
            out.append(c);
        }
    }
    if (out.size() < text.size())
        out.append(u"...");
    return out;
}

/// False for a string holding a lone surrogate (JSON's \ud800 escapes allow one): it has no
/// UTF-8 form, so it could not be logged, sent on or compared faithfully.
bool isValidUnicode(QStringView text)
{
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text[i].isHighSurrogate() && i + 1 < text.size() && text[i + 1].isLowSurrogate())
            ++i;
        else if (text[i].isSurrogate())
            return false;
    }
    return true;
}

QString typeOf(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return u"null"_s;
    case QJsonValue::Bool:
        return u"a boolean"_s;
    case QJsonValue::Double:
        return u"a number"_s;
    case QJsonValue::String:
        return u"a string"_s;
    case QJsonValue::Array:
        return u"an array"_s;
    case QJsonValue::Object:
        return u"an object"_s;
    case QJsonValue::Undefined:
        break;
    }
    return u"undefined"_s;
}

/// Every key of @p params must be one of @p allowed.
Checked onlyKnownParams(const QJsonObject &params, std::initializer_list<QStringView> allowed)
{
    for (auto it = params.begin(); it != params.end(); ++it) {
        bool known = false;
        for (const QStringView name : allowed)
            known = known || it.key() == name;
        if (!known) {
            QStringList names;
            for (const QStringView name : allowed)
                names.append(name.toString());
            return invalidParams(names.isEmpty() ? u"params.%1: this method takes no params"_s.arg(
                                         excerpt(it.key()))
                                                 : u"params.%1: unknown (known: %2)"_s.arg(
                                                         excerpt(it.key()), names.join(u", ")));
        }
    }
    return {};
}

/// A JSON number that is a whole number in [low, high].
tl::expected<qint64, ApiError> integer(const QJsonObject &params, const QString &key, qint64 low,
                                       qint64 high)
{
    const QJsonValue value = params.value(key);
    if (value.isUndefined())
        return invalidParams(
                u"params.%1 is missing (an integer %2..%3)"_s.arg(key).arg(low).arg(high));
    if (!value.isDouble())
        return invalidParams(u"params.%1 is %2, not an integer"_s.arg(key, typeOf(value)));
    const double d = value.toDouble();
    if (!std::isfinite(d) || d != std::floor(d))
        return invalidParams(u"params.%1 is not a whole number"_s.arg(key));
    if (d < double(low) || d > double(high))
        return invalidParams(u"params.%1 = %2 is out of range %3..%4"_s.arg(key)
                                     .arg(d, 0, 'g', 17)
                                     .arg(low)
                                     .arg(high));
    return qint64(d);
}

tl::expected<QString, ApiError> string(const QJsonObject &params, const QString &key)
{
    const QJsonValue value = params.value(key);
    if (value.isUndefined())
        return invalidParams(u"params.%1 is missing (a string)"_s.arg(key));
    if (!value.isString())
        return invalidParams(u"params.%1 is %2, not a string"_s.arg(key, typeOf(value)));
    if (!isValidUnicode(value.toString()))
        return invalidParams(u"params.%1 holds a lone surrogate (not Unicode text)"_s.arg(key));
    return value.toString();
}

bool hasControlCharacter(QStringView text)
{
    for (const QChar c : text) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7F)
            return true;
    }
    return false;
}

/// A command or type given as a number or as its MySensors name.
tl::expected<quint8, ApiError> enumValue(const QJsonObject &params, const QString &key, qint64 high,
                                         const std::function<bool(const char *, uint8_t &)> &look)
{
    const QJsonValue value = params.value(key);
    if (value.isString()) {
        const QByteArray name = value.toString().toUtf8();
        uint8_t out = 0;
        // Names are short ASCII; anything else cannot match and is not worth a look-up.
        if (name.size() > 0 && name.size() <= 48 && !name.contains('\0')
            && look(name.constData(), out) && out <= high)
            return quint8(out);
        return invalidParams(u"params.%1: \"%2\" is not a known name here"_s.arg(
                key, excerpt(value.toString(), 48)));
    }
    const auto number = integer(params, key, 0, high);
    if (!number)
        return tl::unexpected(number.error());
    return quint8(*number);
}

tl::expected<quint8, ApiError> nodeParam(const QJsonObject &params, qint64 high)
{
    const auto node = integer(params, u"node"_s, 1, high);
    if (!node)
        return tl::unexpected(node.error());
    return quint8(*node);
}

Checked parseSend(Call &call)
{
    const QJsonObject &p = call.params;
    if (auto known
        = onlyKnownParams(p, {u"node", u"child", u"command", u"type", u"payload", u"ack"});
        !known)
        return known;
    // 255 is the broadcast address (an I_ID_RESPONSE, a discovery); 0 is the gateway itself.
    const auto node = nodeParam(p, 255);
    if (!node)
        return tl::unexpected(node.error());
    const auto child = integer(p, u"child"_s, 0, 255);
    if (!child)
        return tl::unexpected(child.error());
    const auto command = enumValue(p, u"command"_s, 4, [](const char *name, uint8_t &out) {
        return Protocol::lookupCommand(name, out);
    });
    if (!command)
        return tl::unexpected(command.error());
    const auto type = enumValue(p, u"type"_s, 255, [&](const char *name, uint8_t &out) {
        return Protocol::lookupType(*command, name, out);
    });
    if (!type)
        return tl::unexpected(type.error());
    bool ack = false;
    if (p.contains(u"ack"_s)) {
        if (!p.value(u"ack"_s).isBool())
            return invalidParams(
                    u"params.ack is %1, not a boolean"_s.arg(typeOf(p.value(u"ack"_s))));
        ack = p.value(u"ack"_s).toBool();
    }
    QString payload;
    if (p.contains(u"payload"_s)) {
        const auto text = string(p, u"payload"_s);
        if (!text)
            return tl::unexpected(text.error());
        payload = *text;
    }
    const bool stream = *command == quint8(Protocol::Command::Stream);
    if (hasControlCharacter(payload))
        return invalidParams(u"params.payload contains a control character"_s);
    const QByteArray bytes = payload.toUtf8();
    const qsizetype limit = stream ? qsizetype(2 * Protocol::kMaxPayloadSize)
                                   : qsizetype(Protocol::kMaxPayloadSize);
    if (bytes.size() > limit)
        return invalidParams(stream ? u"params.payload has %1 hex digits; a stream payload holds "
                                      "at most 25 bytes (50 hex digits)"_s.arg(bytes.size())
                                    : u"params.payload has %1 bytes (UTF-8); at most 25 fit in a "
                                      "message"_s.arg(bytes.size()));

    // The same conversion as a controller line, so the API and the endpoint agree exactly.
    Protocol::ControllerLine line {};
    line.nodeId = *node;
    line.childSensorId = quint8(*child);
    line.command = *command;
    line.ack = ack;
    line.type = *type;
    std::copy(bytes.begin(), bytes.end(), line.payload);
    line.payload[bytes.size()] = '\0';
    line.payloadLength = quint8(bytes.size());
    const auto error = Protocol::controllerLineToMessage(line, call.message);
    if (error != Protocol::LineError::None)
        return invalidParams(
                u"params.payload: %1"_s.arg(QString::fromLatin1(Protocol::lineErrorText(error))));
    call.node = *node;
    return {};
}

Checked parseParams(Call &call)
{
    const QJsonObject &p = call.params;
    switch (call.method) {
    case Method::Auth: {
        if (auto known = onlyKnownParams(p, {u"token"}); !known)
            return known;
        const auto token = string(p, u"token"_s);
        if (!token)
            return tl::unexpected(token.error());
        call.token = token->toUtf8();
        return {};
    }
    case Method::Hello:
    case Method::Statistics:
    case Method::TrafficSubscribe:
    case Method::TrafficUnsubscribe:
    case Method::AlertsSubscribe:
    case Method::AlertsUnsubscribe:
    case Method::SecuritySubscribe:
    case Method::SecurityUnsubscribe:
        return onlyKnownParams(p, {});
    case Method::Send:
        return parseSend(call);
    case Method::Revoke: {
        if (auto known = onlyKnownParams(p, {u"node", u"reason"}); !known)
            return known;
        const auto node = nodeParam(p, 254);
        if (!node)
            return tl::unexpected(node.error());
        const auto reason = string(p, u"reason"_s);
        if (!reason)
            return tl::unexpected(reason.error());
        const QString trimmed = reason->trimmed();
        if (trimmed.isEmpty())
            return invalidParams(u"params.reason is empty: say why the node is revoked"_s);
        if (trimmed.size() > kMaxReasonLength)
            return invalidParams(
                    u"params.reason has %1 characters, at most %2"_s.arg(trimmed.size())
                            .arg(kMaxReasonLength));
        if (hasControlCharacter(trimmed))
            return invalidParams(u"params.reason contains a control character"_s);
        call.node = *node;
        call.reason = trimmed;
        return {};
    }
    case Method::Unlock: {
        if (auto known = onlyKnownParams(p, {u"node"}); !known)
            return known;
        const auto node = nodeParam(p, 254);
        if (!node)
            return tl::unexpected(node.error());
        call.node = *node;
        return {};
    }
    case Method::Extension:
        return {};
    }
    return {};
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace

QStringList methodNames()
{
    QStringList names;
    for (const auto &m : kMethods)
        names.append(QString::fromUtf16(m.name));
    return names;
}

QStringList eventNames()
{
    return {u"traffic"_s, u"traffic.dropped"_s, u"alert"_s, u"send.done"_s, u"send.failed"_s,
            u"job"_s,     u"rotation"_s};
}

tl::expected<Call, Rejection> parseCall(QByteArrayView text,
                                        const std::function<bool(const QString &)> &isExtension)
{
    auto reject = [](std::optional<qint64> id, const QString &code, const QString &message) {
        return tl::unexpected(Rejection {id, ApiError {code, message}});
    };
    QJsonParseError parseError {};
    const QJsonDocument document = QJsonDocument::fromJson(text.toByteArray(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return reject(std::nullopt, Codes::ParseError,
                      u"invalid JSON at offset %1: %2"_s.arg(parseError.offset)
                              .arg(parseError.errorString()));
    if (!document.isObject())
        return reject(std::nullopt, Codes::InvalidRequest,
                      u"a request is a JSON object, this is %1"_s.arg(
                              document.isArray() ? u"an array"_s : u"a scalar"_s));
    const QJsonObject request = document.object();

    const QJsonValue idValue = request.value(u"id"_s);
    if (idValue.isUndefined())
        return reject(std::nullopt, Codes::InvalidRequest, u"\"id\" is missing"_s);
    const double idNumber = idValue.toDouble(-1);
    if (!idValue.isDouble() || !std::isfinite(idNumber) || idNumber != std::floor(idNumber)
        || idNumber < 0 || idNumber > double(kMaxId))
        return reject(
                std::nullopt, Codes::InvalidRequest,
                u"\"id\" must be an integer 0..2^53-1, it is %1"_s.arg(
                        idValue.isDouble() ? u"%1"_s.arg(idNumber, 0, 'g', 17) : typeOf(idValue)));
    Call call;
    call.id = qint64(idNumber);

    for (auto it = request.begin(); it != request.end(); ++it) {
        if (it.key() != u"id" && it.key() != u"method" && it.key() != u"params")
            return reject(call.id, Codes::InvalidRequest,
                          u"unknown member \"%1\" (a request has id, method, params)"_s.arg(
                                  excerpt(it.key())));
    }
    const QJsonValue methodValue = request.value(u"method"_s);
    if (!methodValue.isString())
        return reject(call.id, Codes::InvalidRequest,
                      methodValue.isUndefined()
                              ? u"\"method\" is missing"_s
                              : u"\"method\" is %1, not a string"_s.arg(typeOf(methodValue)));
    call.name = methodValue.toString();
    bool found = false;
    for (const auto &m : kMethods) {
        if (call.name == QStringView(m.name)) {
            call.method = m.method;
            found = true;
            break;
        }
    }
    if (!found) {
        if (isExtension && isExtension(call.name)) {
            call.method = Method::Extension;
        } else {
            return reject(call.id, Codes::MethodNotFound,
                          u"no method \"%1\" (methods: %2)"_s.arg(excerpt(call.name),
                                                                  methodNames().join(u", ")));
        }
    }

    const QJsonValue params = request.value(u"params"_s);
    if (!params.isUndefined() && !params.isObject())
        return reject(call.id, Codes::InvalidParams,
                      u"\"params\" is %1, not an object"_s.arg(typeOf(params)));
    call.params = params.toObject();
    if (auto checked = parseParams(call); !checked)
        return tl::unexpected(Rejection {call.id, checked.error()});
    return call;
}

QByteArray resultText(qint64 id, const QJsonValue &result)
{
    return compact(QJsonObject {{u"id"_s, double(id)}, {u"result"_s, result}});
}

QByteArray errorText(std::optional<qint64> id, const ApiError &error)
{
    return compact(QJsonObject {
            {u"id"_s, id ? QJsonValue(double(*id)) : QJsonValue(QJsonValue::Null)},
            {u"error"_s, QJsonObject {{u"code"_s, error.code}, {u"message"_s, error.message}}}});
}

QByteArray eventText(const QString &name, const QJsonObject &data)
{
    return compact(QJsonObject {{u"event"_s, name}, {u"data"_s, data}});
}

} // namespace Warden::Internal::JsonProtocol
