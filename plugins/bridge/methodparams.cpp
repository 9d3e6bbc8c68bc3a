#include "methodparams.h"

using namespace Qt::StringLiterals;

namespace Warden::Internal::MethodParams {

using JsonProtocol::ApiError;
namespace Codes = JsonProtocol::Codes;

tl::unexpected<ApiError> invalidParams(const QString &message)
{
    return tl::unexpected(ApiError {Codes::InvalidParams, message});
}

std::optional<ApiError> checkNames(const QJsonObject &params, const QStringList &known)
{
    for (auto it = params.begin(); it != params.end(); ++it) {
        if (!known.contains(it.key()))
            return ApiError {Codes::InvalidParams,
                             known.isEmpty()
                                     ? u"params.%1 is unknown: this method takes no params"_s.arg(
                                             it.key().left(40))
                                     : u"params.%1 is unknown (known: %2)"_s.arg(
                                             it.key().left(40), known.join(u", "))};
    }
    return std::nullopt;
}

tl::expected<std::optional<qint64>, ApiError>
optionalInteger(const QJsonObject &params, const QString &name, qint64 min, qint64 max)
{
    const QJsonValue v = params.value(name);
    if (v.isUndefined())
        return std::nullopt;
    if (!v.isDouble())
        return invalidParams(u"params.%1 is not a number"_s.arg(name));
    const double d = v.toDouble();
    if (!(d >= double(min) && d <= double(max)))
        return invalidParams(
                u"params.%1 = %2 is out of range %3..%4"_s.arg(name, QString::number(d, 'g', 12))
                        .arg(min)
                        .arg(max));
    if (d != double(qint64(d)))
        return invalidParams(u"params.%1 is not a whole number"_s.arg(name));
    return qint64(d);
}

tl::expected<qint64, ApiError> integer(const QJsonObject &params, const QString &name, qint64 min,
                                       qint64 max, std::optional<qint64> fallback)
{
    const auto value = optionalInteger(params, name, min, max);
    if (!value)
        return tl::unexpected(value.error());
    if (*value)
        return **value;
    if (fallback)
        return *fallback;
    return invalidParams(u"params.%1 is missing"_s.arg(name));
}

} // namespace Warden::Internal::MethodParams
