// Fuzz target for the JSON API's request parser and validation (plugins/bridge/jsonprotocol):
// arbitrary bytes as one text frame. Invariants: a rejection carries one of the documented
// error codes and a message, and its error response is valid JSON with that code and the id;
// an accepted call has an id in range, a known method, and parameters within their ranges (a
// send's message decodes, is addressed to the node, from the gateway, unsigned); the request
// rebuilt from the parsed parts parses to the same call; responses are valid JSON.
#include "jsonprotocol.h"

#include <warden/protocol/textcodec.h>

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>

#include <cstdlib>

using namespace Warden::Internal;
using namespace Warden::Internal::JsonProtocol;

namespace {

void check(bool condition)
{
    if (!condition)
        std::abort();
}

bool isExtension(const QString &name)
{
    return name == QStringLiteral("nodes") || name == QStringLiteral("node");
}

QJsonObject parseObject(const QByteArray &text)
{
    QJsonParseError error {};
    const QJsonDocument document = QJsonDocument::fromJson(text, &error);
    check(error.error == QJsonParseError::NoError && document.isObject());
    return document.object();
}

void checkRejection(const Rejection &rejection)
{
    const QString &code = rejection.error.code;
    check(code == Codes::ParseError || code == Codes::InvalidRequest
          || code == Codes::MethodNotFound || code == Codes::InvalidParams);
    check(!rejection.error.message.isEmpty());
    // Messages quote bounded excerpts of the input only.
    check(rejection.error.message.size() < 1000);
    if (rejection.id)
        check(*rejection.id >= 0 && *rejection.id <= kMaxId);
    const QJsonObject response = parseObject(errorText(rejection.id, rejection.error));
    const QJsonObject error = response.value(QStringLiteral("error")).toObject();
    check(error.value(QStringLiteral("code")).toString() == code);
    check(error.value(QStringLiteral("message")).toString() == rejection.error.message);
    if (rejection.id)
        check(response.value(QStringLiteral("id")).toInteger(-1) == *rejection.id);
    else
        check(response.value(QStringLiteral("id")).isNull());
}

void checkCall(const Call &call)
{
    check(call.id >= 0 && call.id <= kMaxId);
    check(!call.name.isEmpty());
    check((call.method == Method::Extension) == isExtension(call.name));
    check(call.method == Method::Extension || methodNames().contains(call.name));
    switch (call.method) {
    case Method::Send: {
        check(call.node >= 1);
        const Warden::Protocol::Message &m = call.message;
        Warden::Protocol::Message decoded;
        check(Warden::Protocol::Message::decode(m.data(), m.size(), decoded)
              == Warden::Protocol::DecodeError::None);
        check(m.destination() == call.node && m.sender() == 0 && !m.isSigned() && !m.isEcho());
        break;
    }
    case Method::Revoke:
        check(call.node >= 1 && call.node <= 254);
        check(!call.reason.isEmpty() && call.reason.size() <= kMaxReasonLength);
        for (const QChar c : call.reason)
            check(c.unicode() >= 0x20 && c.unicode() != 0x7F);
        break;
    case Method::Unlock:
        check(call.node >= 1 && call.node <= 254);
        break;
    default:
        break;
    }

    // The same request written out again parses to the same call.
    QJsonObject request {{QStringLiteral("id"), double(call.id)},
                         {QStringLiteral("method"), call.name}};
    if (!call.params.isEmpty())
        request.insert(QStringLiteral("params"), call.params);
    const auto again
            = parseCall(QJsonDocument(request).toJson(QJsonDocument::Compact), isExtension);
    check(again.has_value());
    check(again->id == call.id && again->method == call.method && again->node == call.node
          && again->token == call.token && again->reason == call.reason);
    if (call.method == Method::Send)
        check(again->message.size() == call.message.size()
              && std::equal(call.message.data(), call.message.data() + call.message.size(),
                            again->message.data()));

    const QJsonObject response = parseObject(resultText(call.id, call.params));
    check(response.value(QStringLiteral("id")).toInteger(-1) == call.id);
    check(response.value(QStringLiteral("result")).toObject() == call.params);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView text(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto call = parseCall(text, isExtension);
    if (call)
        checkCall(*call);
    else
        checkRejection(call.error());
    return 0;
}
