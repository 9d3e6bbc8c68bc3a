// Expected failures of synchronous APIs: Result<T> = tl::expected<T, Warden::Error>.
#pragma once

#include <warden/global.h>

#include <QtCore/QString>

#include <tl/expected.hpp>

namespace Warden {

enum class ErrorCode {
    InvalidArgument, ///< a value given by the caller is out of range or malformed
    Malformed, ///< bytes from outside (a frame, a line, a file) do not parse
    Crypto, ///< the cryptographic library failed (RNG unavailable, ...)
    Refused, ///< the operation is not possible in this state (e.g. no room to sign)
};

/// What went wrong, with a message that names it. Never carries secret material.
class WARDEN_CORE_EXPORT Error
{
public:
    /// An empty error; exists so that Error can travel in signals and QVariant.
    Error() = default;
    Error(ErrorCode code, QString message)
        : m_code(code)
        , m_message(std::move(message))
    { }
    ErrorCode code() const { return m_code; }
    const QString &message() const { return m_message; }

private:
    ErrorCode m_code = ErrorCode::InvalidArgument;
    QString m_message;
};

template<typename T>
using Result = tl::expected<T, Error>;

/// Shorthand for returning an error: `return fail(ErrorCode::Malformed, u"..."_s);`
inline tl::unexpected<Error> fail(ErrorCode code, QString message)
{
    return tl::unexpected<Error>(Error(code, std::move(message)));
}

} // namespace Warden
