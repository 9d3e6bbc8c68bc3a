// Checking a JSON API method's params (hostile input): unknown members refused by name,
// integers range-checked without rounding. Shared by the inventory and security methods.
#pragma once

#include "jsonprotocol.h"

#include <QtCore/QJsonObject>
#include <QtCore/QStringList>

#include <tl/expected.hpp>

#include <optional>

namespace Warden::Internal::MethodParams {

tl::unexpected<JsonProtocol::ApiError> invalidParams(const QString &message);

/// Refuses params other than @p known, naming the first stranger.
std::optional<JsonProtocol::ApiError> checkNames(const QJsonObject &params,
                                                 const QStringList &known);

/// An integer param in [min, max]; nullopt when absent. JSON numbers are doubles: 2.5, 1e300
/// and NaN are refused, not rounded.
tl::expected<std::optional<qint64>, JsonProtocol::ApiError>
optionalInteger(const QJsonObject &params, const QString &name, qint64 min, qint64 max);

/// As optionalInteger(), but absent is @p fallback, or refused without one.
tl::expected<qint64, JsonProtocol::ApiError> integer(const QJsonObject &params, const QString &name,
                                                     qint64 min, qint64 max,
                                                     std::optional<qint64> fallback);

} // namespace Warden::Internal::MethodParams
