#include <warden/passphrasekeychain.h>

#if WARDEN_HAVE_QTKEYCHAIN
#include <qt6keychain/keychain.h>

#include <QtCore/QEventLoop>
#include <QtCore/QLoggingCategory>

#include <cstring>
#endif

namespace Warden {

PassphraseKeychain::PassphraseKeychain(QString service)
    : m_service(std::move(service))
{ }

#if WARDEN_HAVE_QTKEYCHAIN

Q_LOGGING_CATEGORY(lcKeychain, "warden.core.crypto.keychain", QtInfoMsg)

namespace {

/// Runs a QtKeychain job to completion.
void runJob(QKeychain::Job &job)
{
    job.setAutoDelete(false);
    // Never a plain-text file when no keychain is there: that would defeat the point.
    job.setInsecureFallback(false);
    QEventLoop loop;
    QObject::connect(&job, &QKeychain::Job::finished, &loop, &QEventLoop::quit);
    job.start();
    loop.exec();
}

QString describe(const QKeychain::Job &job)
{
    // QtKeychain's text names the backend's failure, never the secret.
    return job.errorString().isEmpty() ? QStringLiteral("error %1").arg(int(job.error()))
                                       : job.errorString();
}

void wipe(QByteArray &bytes)
{
    if (!bytes.isEmpty())
        explicit_bzero(bytes.data(), size_t(bytes.size()));
}

} // namespace

bool PassphraseKeychain::isAvailable()
{
    return true;
}

Result<void> PassphraseKeychain::store(const QString &account, const SecretBytes &passphrase)
{
    if (account.isEmpty() || passphrase.isEmpty())
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("the keychain needs an account name and a passphrase"));
    QKeychain::WritePasswordJob job(m_service);
    job.setKey(account);
    QByteArray bytes(reinterpret_cast<const char *>(passphrase.data()),
                     qsizetype(passphrase.size()));
    job.setBinaryData(bytes);
    wipe(bytes);
    runJob(job);
    if (job.error() != QKeychain::NoError)
        return fail(ErrorCode::Refused, QStringLiteral("cannot store the passphrase for '%1' in "
                                                       "the keychain: %2")
                                                .arg(account, describe(job)));
    qCInfo(lcKeychain, "stored the passphrase for '%s' in the keychain", qPrintable(account));
    return {};
}

Result<SecretBytes> PassphraseKeychain::fetch(const QString &account)
{
    QKeychain::ReadPasswordJob job(m_service);
    job.setKey(account);
    runJob(job);
    if (job.error() == QKeychain::EntryNotFound)
        return fail(ErrorCode::Refused,
                    QStringLiteral("the keychain holds no passphrase for '%1'").arg(account));
    if (job.error() != QKeychain::NoError)
        return fail(ErrorCode::Refused, QStringLiteral("cannot read the passphrase for '%1' from "
                                                       "the keychain: %2")
                                                .arg(account, describe(job)));
    QByteArray bytes = job.binaryData();
    SecretBytes out(reinterpret_cast<const uint8_t *>(bytes.constData()), size_t(bytes.size()));
    wipe(bytes);
    return out;
}

Result<void> PassphraseKeychain::remove(const QString &account)
{
    QKeychain::DeletePasswordJob job(m_service);
    job.setKey(account);
    runJob(job);
    if (job.error() != QKeychain::NoError && job.error() != QKeychain::EntryNotFound)
        return fail(ErrorCode::Refused, QStringLiteral("cannot delete the passphrase for '%1' "
                                                       "from the keychain: %2")
                                                .arg(account, describe(job)));
    return {};
}

#else // no QtKeychain

namespace {

tl::unexpected<Error> unavailable()
{
    return fail(ErrorCode::Refused,
                QStringLiteral("this build of Warden has no keychain support (QtKeychain)"));
}

} // namespace

bool PassphraseKeychain::isAvailable()
{
    return false;
}

Result<void> PassphraseKeychain::store(const QString &, const SecretBytes &)
{
    return unavailable();
}

Result<SecretBytes> PassphraseKeychain::fetch(const QString &)
{
    return unavailable();
}

Result<void> PassphraseKeychain::remove(const QString &)
{
    return unavailable();
}

#endif

} // namespace Warden
