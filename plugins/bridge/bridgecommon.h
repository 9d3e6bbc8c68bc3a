// What the controller endpoint and the JSON API share: where they listen, how a client proves
// who it is (a pre-shared token, a pinned TLS client certificate), the rule that keeps both on
// loopback unless one of those is configured, and the rate limit that cuts off floods.
#pragma once

#include <warden/error.h>

#include <QtCore/QByteArray>
#include <QtCore/QString>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QSslConfiguration>

#include <chrono>
#include <functional>
#include <optional>

QT_BEGIN_NAMESPACE
class QObject;
class QSslCertificate;
class QTimer;
QT_END_NAMESPACE

namespace Warden::Internal {

/// A pre-shared token. Only its SHA-256 digest is kept, so the token text itself is not held
/// in memory after configuration, and comparing digests takes the same time whatever the
/// length or contents of the guess. Never printable.
class AccessToken
{
public:
    AccessToken() = default;
    /// Refuses an empty token, one longer than kMaxLength bytes (it must fit in one controller
    /// line after "warden-auth ") and one with whitespace or control characters in it.
    static Result<AccessToken> fromText(QStringView text);

    bool isSet() const { return !m_digest.isEmpty(); }
    /// Constant-time comparison of @p candidate with the token.
    bool matches(QByteArrayView candidate) const;

    /// 98 characters of a controller line minus "warden-auth ".
    static constexpr qsizetype kMaxLength = 86;

private:
    QByteArray m_digest;
};

/// TLS for a listener: a certificate and key (PEM), and optionally the SHA-256 fingerprint of
/// the one client certificate that is let in.
struct TlsSettings
{
    QString certificateFile;
    QString keyFile;
    /// Hex SHA-256 of the client certificate's DER, colons and case ignored; empty: any client.
    QString clientFingerprint;

    bool isEnabled() const { return !certificateFile.isEmpty() || !keyFile.isEmpty(); }
    bool pinsClient() const { return !clientFingerprint.isEmpty(); }
};

/// Loads the certificate and private key (PEM; the key must not be readable by group or
/// others) into a server configuration. With a pinned client, the server asks the client for
/// its certificate. Errors name the file and what is wrong with it.
Result<QSslConfiguration> loadServerTls(const TlsSettings &settings);
/// The pin format: lower-case hex of SHA-256 over the certificate's DER.
QString certificateFingerprint(const QSslCertificate &certificate);
/// Lower-case hex without separators; empty when @p text is not 64 hex digits.
QString normalizeFingerprint(QStringView text);

/// The "on the LAN" rule of the security model: a listener may bind a non-loopback address only
/// with a token or with TLS that pins the client certificate. TLS alone encrypts but lets any
/// client in, so it is not enough. @p what names the listener in the error.
Result<void> checkExposure(const QHostAddress &address, bool hasToken, const TlsSettings &tls,
                           const QString &what);

/// What both listeners check before they listen: the exposure rule (checkExposure), then the
/// TLS files (loadServerTls). Returns the server's TLS configuration when TLS is on, nothing
/// for plain connections. Errors name the listener, @p what ("controller endpoint").
Result<std::optional<QSslConfiguration>> prepareListener(const QHostAddress &address,
                                                         const AccessToken &token,
                                                         const TlsSettings &tls,
                                                         const QString &what);

/// Why a new client is not let in, checked when it connects.
struct Admission
{
    QString refusal; ///< empty: admitted
    bool certificate = false; ///< refused for its client certificate (an authentication failure)

    bool admitted() const { return refusal.isEmpty(); }
};
/// The client limit (@p clients already connected, at most @p maxClients), then the pinned
/// client certificate (@p presented, null when the client showed none).
Admission admit(qsizetype clients, int maxClients, const TlsSettings &tls,
                const QSslCertificate &presented);

/// The authentication deadline of a new client: a single-shot timer owned by @p socket that
/// calls @p onTimeout in @p context's thread unless it is stopped first. Null when
/// @p required is false (no token configured: nothing to wait for).
QTimer *startAuthTimer(bool required, QObject *socket, QObject *context,
                       std::chrono::milliseconds timeout, std::function<void()> onTimeout);

/// "127.0.0.1:5003", "[::1]:5004", "0.0.0.0:5003", "localhost:5003"; port 0 means "any free
/// port" (the listener logs the one it got).
Result<std::pair<QHostAddress, quint16>> parseListenAddress(QStringView text);
QString formatAddress(const QHostAddress &address, quint16 port);

/// A token bucket: @p burst units at once, refilled at @p perSecond. take() is false when the
/// bucket is empty, i.e. the client sent more than the burst plus the sustained rate allows.
class RateLimiter
{
public:
    RateLimiter(int perSecond, int burst);
    bool take();

private:
    double m_perSecond;
    double m_burst;
    double m_tokens;
    std::chrono::steady_clock::time_point m_last;
};

} // namespace Warden::Internal
