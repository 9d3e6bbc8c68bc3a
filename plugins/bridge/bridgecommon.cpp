#include "bridgecommon.h"

#include <warden/protocol/sha256.h>

#include <QtCore/QCryptographicHash>
#include <QtCore/QFile>
#include <QtCore/QTimer>
#include <QtNetwork/QSslCertificate>
#include <QtNetwork/QSslKey>

#include <algorithm>

#include <sys/stat.h>

using namespace Qt::StringLiterals;

namespace Warden::Internal {

// --- AccessToken ------------------------------------------------------------------------------

Result<AccessToken> AccessToken::fromText(QStringView text)
{
    // The error never quotes the token: it may be a near-miss of the real one.
    if (text.isEmpty())
        return fail(ErrorCode::InvalidArgument, u"the token is empty"_s);
    const QByteArray utf8 = text.toUtf8();
    if (utf8.size() > kMaxLength)
        return fail(
                ErrorCode::InvalidArgument,
                u"the token has %1 bytes; at most %2 fit in one controller line"_s.arg(utf8.size())
                        .arg(kMaxLength));
    for (const char c : utf8) {
        const auto u = uchar(c);
        if (u <= 0x20 || u == 0x7F)
            return fail(ErrorCode::InvalidArgument,
                        u"the token contains whitespace or a control character"_s);
    }
    AccessToken token;
    token.m_digest = QCryptographicHash::hash(utf8, QCryptographicHash::Sha256);
    return token;
}

bool AccessToken::matches(QByteArrayView candidate) const
{
    if (!isSet())
        return false;
    const QByteArray digest = QCryptographicHash::hash(candidate, QCryptographicHash::Sha256);
    return Protocol::constantTimeEqual(reinterpret_cast<const uint8_t *>(digest.constData()),
                                       reinterpret_cast<const uint8_t *>(m_digest.constData()),
                                       size_t(m_digest.size()));
}

// --- TLS ----------------------------------------------------------------------------------------

namespace {

Result<QByteArray> readPem(const QString &fileName, const QString &what, bool secret)
{
    if (fileName.isEmpty())
        return fail(ErrorCode::InvalidArgument, u"TLS needs a %1 file"_s.arg(what));
    QFile file(fileName);
    if (!file.open(QIODevice::ReadOnly))
        return fail(ErrorCode::InvalidArgument,
                    u"%1 file %2: %3"_s.arg(what, fileName, file.errorString()));
    if (secret) {
        struct stat st
        {
        };
        if (::fstat(file.handle(), &st) == 0 && (st.st_mode & 077) != 0)
            return fail(ErrorCode::Refused,
                        u"%1 file %2 is readable by group or others (mode %3); chmod 600 it"_s
                                .arg(what, fileName)
                                .arg(st.st_mode & 0777, 4, 8, QLatin1Char('0')));
    }
    // Certificates and keys are a few KiB; a huge file is a wrong path, not a PEM.
    constexpr qint64 kMaxPem = 256 * 1024;
    if (file.size() > kMaxPem)
        return fail(ErrorCode::InvalidArgument,
                    u"%1 file %2 is larger than %3 bytes"_s.arg(what, fileName).arg(kMaxPem));
    return file.readAll();
}

} // namespace

Result<QSslConfiguration> loadServerTls(const TlsSettings &settings)
{
    const auto certPem = readPem(settings.certificateFile, u"certificate"_s, false);
    if (!certPem)
        return tl::unexpected(certPem.error());
    const QList<QSslCertificate> chain = QSslCertificate::fromData(*certPem, QSsl::Pem);
    if (chain.isEmpty() || chain.first().isNull())
        return fail(
                ErrorCode::InvalidArgument,
                u"certificate file %1 holds no PEM certificate"_s.arg(settings.certificateFile));
    auto keyPem = readPem(settings.keyFile, u"key"_s, true);
    if (!keyPem)
        return tl::unexpected(keyPem.error());
    QSslKey key;
    for (const auto algorithm : {QSsl::Ec, QSsl::Rsa, QSsl::Dsa}) {
        key = QSslKey(*keyPem, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull())
            break;
    }
    keyPem->fill('\0');
    if (key.isNull())
        return fail(ErrorCode::InvalidArgument,
                    u"key file %1 holds no unencrypted PEM private key"_s.arg(settings.keyFile));
    if (settings.pinsClient() && normalizeFingerprint(settings.clientFingerprint).isEmpty())
        return fail(ErrorCode::InvalidArgument,
                    u"the client fingerprint must be 64 hex digits (SHA-256 of the "
                    "certificate), colons allowed"_s);

    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key);
    configuration.setProtocol(QSsl::TlsV1_2OrLater);
    // QueryPeer: ask for the client's certificate without checking it against a CA; the pin
    // is the check (a self-signed client certificate is the normal case here).
    configuration.setPeerVerifyMode(settings.pinsClient() ? QSslSocket::QueryPeer
                                                          : QSslSocket::VerifyNone);
    return configuration;
}

QString certificateFingerprint(const QSslCertificate &certificate)
{
    return QString::fromLatin1(certificate.digest(QCryptographicHash::Sha256).toHex());
}

QString normalizeFingerprint(QStringView text)
{
    QString out;
    for (const QChar c : text) {
        if (c == u':' || c == u' ')
            continue;
        const char16_t u = c.toLower().unicode();
        if (!((u >= u'0' && u <= u'9') || (u >= u'a' && u <= u'f')))
            return {};
        out.append(QChar(u));
    }
    return out.size() == 64 ? out : QString();
}

Result<void> checkExposure(const QHostAddress &address, bool hasToken, const TlsSettings &tls,
                           const QString &what)
{
    if (address.isLoopback() || hasToken || (tls.isEnabled() && tls.pinsClient()))
        return {};
    return fail(ErrorCode::Refused,
                u"%1 on %2 is reachable from the network: configure a token or TLS with a pinned "
                "client certificate, or listen on loopback"_s.arg(what, address.toString()));
}

// --- addresses ----------------------------------------------------------------------------------

Result<std::optional<QSslConfiguration>> prepareListener(const QHostAddress &address,
                                                         const AccessToken &token,
                                                         const TlsSettings &tls,
                                                         const QString &what)
{
    if (auto exposed = checkExposure(address, token.isSet(), tls, u"the "_s + what); !exposed)
        return tl::unexpected(exposed.error());
    if (!tls.isEnabled())
        return std::optional<QSslConfiguration>();
    auto configuration = loadServerTls(tls);
    if (!configuration)
        return fail(configuration.error().code(), what + u": "_s + configuration.error().message());
    return std::optional<QSslConfiguration>(std::move(*configuration));
}

Admission admit(qsizetype clients, int maxClients, const TlsSettings &tls,
                const QSslCertificate &presented)
{
    if (clients >= maxClients)
        return {u"already %1 clients, the most allowed"_s.arg(clients), false};
    if (!tls.pinsClient())
        return {};
    if (presented.isNull())
        return {u"no client certificate"_s, true};
    const QString fingerprint = certificateFingerprint(presented);
    if (fingerprint != normalizeFingerprint(tls.clientFingerprint))
        return {u"client certificate %1 is not the pinned one"_s.arg(fingerprint), true};
    return {};
}

QTimer *startAuthTimer(bool required, QObject *socket, QObject *context,
                       std::chrono::milliseconds timeout, std::function<void()> onTimeout)
{
    if (!required)
        return nullptr;
    auto *timer = new QTimer(socket);
    timer->setSingleShot(true);
    QObject::connect(timer, &QTimer::timeout, context, std::move(onTimeout));
    timer->start(timeout);
    return timer;
}

Result<std::pair<QHostAddress, quint16>> parseListenAddress(QStringView text)
{
    const QString trimmed = text.trimmed().toString();
    const qsizetype colon = trimmed.lastIndexOf(u':');
    if (colon <= 0)
        return fail(ErrorCode::InvalidArgument,
                    u"\"%1\" is not address:port (e.g. 127.0.0.1:5003)"_s.arg(trimmed));
    QString host = trimmed.left(colon);
    const QString portText = trimmed.mid(colon + 1);
    bool ok = false;
    const uint port = portText.toUInt(&ok);
    if (!ok || port > 65535)
        return fail(ErrorCode::InvalidArgument,
                    u"\"%1\": the port must be a number 0..65535"_s.arg(trimmed));
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    else if (host.contains(u':'))
        return fail(ErrorCode::InvalidArgument,
                    u"\"%1\": write an IPv6 address in brackets, e.g. [::1]:5003"_s.arg(trimmed));
    QHostAddress address;
    if (host == u"localhost")
        address = QHostAddress(QHostAddress::LocalHost);
    else if (!address.setAddress(host))
        return fail(ErrorCode::InvalidArgument,
                    u"\"%1\": \"%2\" is not an IP address"_s.arg(trimmed, host));
    return std::pair<QHostAddress, quint16>(address, quint16(port));
}

QString formatAddress(const QHostAddress &address, quint16 port)
{
    if (address.protocol() == QAbstractSocket::IPv6Protocol)
        return u"[%1]:%2"_s.arg(address.toString()).arg(port);
    return u"%1:%2"_s.arg(address.toString()).arg(port);
}

// --- RateLimiter --------------------------------------------------------------------------------

RateLimiter::RateLimiter(int perSecond, int burst)
    : m_perSecond(std::max(perSecond, 1))
    , m_burst(std::max(burst, 1))
    , m_tokens(m_burst)
    , m_last(std::chrono::steady_clock::now())
{ }

bool RateLimiter::take()
{
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - m_last).count();
    m_last = now;
    m_tokens = std::min(m_burst, m_tokens + elapsed * m_perSecond);
    if (m_tokens < 1.0)
        return false;
    m_tokens -= 1.0;
    return true;
}

} // namespace Warden::Internal
