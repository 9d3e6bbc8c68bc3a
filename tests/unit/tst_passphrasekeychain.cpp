// PassphraseKeychain against a real Secret Service: the test starts its own D-Bus session bus
// and gnome-keyring-daemon (unlocked, in a temporary home), so the user's keyring is never
// touched. Skips when the build has no QtKeychain or the two programs are not installed.
#include "keystorefixture.h"

#include <warden/keystore.h>
#include <warden/passphrasekeychain.h>

#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtDBus/QDBusConnection>
#include <QtDBus/QDBusConnectionInterface>
#include <QtTest/QTest>

#include <memory>

using namespace Warden;

namespace {

#define VERIFY_OK(expr) \
    do { \
        const auto &result_ = (expr); \
        QVERIFY2(result_.has_value(), \
                 qPrintable(result_ ? QString() : result_.error().message())); \
    } while (false)

const QString kSecretsService = QStringLiteral("org.freedesktop.secrets");

SecretBytes bytesOf(QByteArrayView view)
{
    return SecretBytes(reinterpret_cast<const uint8_t *>(view.data()), size_t(view.size()));
}

} // namespace

class tst_PassphraseKeychain : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void storeFetchRemove();
    void passphrases_data();
    void passphrases();
    void accountsAndServicesAreSeparate();
    void opensTheKeyStore();

private:
    void stop(QProcess &process);

    QTemporaryDir m_home;
    QProcess m_bus;
    QProcess m_keyring;
    QStringList m_messages;
};

void tst_PassphraseKeychain::initTestCase()
{
    if (!PassphraseKeychain::isAvailable()) {
        QVERIFY(!PassphraseKeychain().fetch(QStringLiteral("x")));
        QSKIP("built without QtKeychain (qtkeychain-qt6-dev)");
    }
    const QString busProgram = QStandardPaths::findExecutable(QStringLiteral("dbus-daemon"));
    const QString keyringProgram
            = QStandardPaths::findExecutable(QStringLiteral("gnome-keyring-daemon"));
    if (busProgram.isEmpty() || keyringProgram.isEmpty())
        QSKIP("needs dbus-daemon and gnome-keyring-daemon (Debian: dbus-daemon, gnome-keyring)");
    QVERIFY(m_home.isValid());

    m_bus.start(busProgram, {QStringLiteral("--session"), QStringLiteral("--nofork"),
                             QStringLiteral("--print-address=1")});
    QVERIFY2(m_bus.waitForStarted(10000), qPrintable(m_bus.errorString()));
    while (!m_bus.canReadLine())
        QVERIFY2(m_bus.waitForReadyRead(10000), "dbus-daemon printed no address");
    const QByteArray address = m_bus.readLine().trimmed();
    QVERIFY(address.startsWith("unix:"));
    // Before the first D-Bus use in this process: QtDBus and libsecret read it then.
    qputenv("DBUS_SESSION_BUS_ADDRESS", address);

    QDir home(m_home.path());
    QVERIFY(home.mkpath(QStringLiteral("run")));
    QVERIFY(QFile::setPermissions(home.filePath(QStringLiteral("run")),
                                  QFileDevice::ReadOwner | QFileDevice::WriteOwner
                                          | QFileDevice::ExeOwner));
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("HOME"), m_home.path());
    environment.insert(QStringLiteral("XDG_DATA_HOME"), home.filePath(QStringLiteral("data")));
    environment.insert(QStringLiteral("XDG_RUNTIME_DIR"), home.filePath(QStringLiteral("run")));
    environment.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), QString::fromLatin1(address));
    m_keyring.setProcessEnvironment(environment);
    m_keyring.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_keyring.start(keyringProgram, {QStringLiteral("--foreground"), QStringLiteral("--unlock"),
                                     QStringLiteral("--components=secrets")});
    QVERIFY2(m_keyring.waitForStarted(10000), qPrintable(m_keyring.errorString()));
    // --unlock reads the login keyring's password from stdin, up to end of file.
    m_keyring.write("test keyring password");
    m_keyring.closeWriteChannel();

    // Ready once the Secret Service name is on our bus (an event, not a timing guess).
    QDBusConnectionInterface *bus = QDBusConnection::sessionBus().interface();
    QVERIFY2(bus, "cannot connect to the test's session bus");
    QTRY_VERIFY_WITH_TIMEOUT(bus->isServiceRegistered(kSecretsService).value(), 20000);
}

void tst_PassphraseKeychain::stop(QProcess &process)
{
    if (process.state() == QProcess::NotRunning)
        return;
    process.terminate();
    if (!process.waitForFinished(5000)) {
        process.kill();
        process.waitForFinished(5000);
    }
}

void tst_PassphraseKeychain::cleanupTestCase()
{
    for (const QString &message : std::as_const(m_messages))
        QVERIFY2(!message.contains(QLatin1String("correct horse")), qPrintable(message));
    stop(m_keyring);
    stop(m_bus);
}

void tst_PassphraseKeychain::storeFetchRemove()
{
    PassphraseKeychain keychain(QStringLiteral("org.warden.test"));
    const QString account = QStringLiteral("/var/lib/warden/keys.wks");
    const SecretBytes first = KeyStoreFixture::passphrase();
    VERIFY_OK(keychain.store(account, first));
    auto fetched = keychain.fetch(account);
    VERIFY_OK(fetched);
    QVERIFY(fetched->equals(first));

    const SecretBytes second = KeyStore::passphraseFromText(u"second passphrase");
    VERIFY_OK(keychain.store(account, second));
    fetched = keychain.fetch(account);
    VERIFY_OK(fetched);
    QVERIFY(fetched->equals(second));

    VERIFY_OK(keychain.remove(account));
    auto gone = keychain.fetch(account);
    QVERIFY(!gone);
    QCOMPARE(gone.error().code(), ErrorCode::Refused);
    QVERIFY2(gone.error().message().contains(QLatin1String("no passphrase")),
             qPrintable(gone.error().message()));
    m_messages << gone.error().message();
    VERIFY_OK(keychain.remove(account)); // nothing there: still fine

    auto refused = keychain.store(QString(), first);
    QVERIFY(!refused);
    QCOMPARE(refused.error().code(), ErrorCode::InvalidArgument);
    m_messages << refused.error().message();
}

void tst_PassphraseKeychain::passphrases_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::newRow("ascii") << QByteArray("correct horse battery staple");
    QTest::newRow("utf-8") << QString::fromUtf8("pässwörd ✓ 鍵").toUtf8();
    QByteArray all(256, '\0');
    for (int i = 0; i < 256; ++i)
        all[i] = char(i);
    QTest::newRow("every byte value") << all;
    QTest::newRow("one byte") << QByteArray("\0", 1);
}

void tst_PassphraseKeychain::passphrases()
{
    QFETCH(QByteArray, bytes);
    PassphraseKeychain keychain(QStringLiteral("org.warden.test"));
    const QString account
            = QStringLiteral("bytes-%1").arg(QString::fromLatin1(QTest::currentDataTag()));
    VERIFY_OK(keychain.store(account, bytesOf(bytes)));
    auto fetched = keychain.fetch(account);
    VERIFY_OK(fetched);
    QCOMPARE(
            QByteArray(reinterpret_cast<const char *>(fetched->data()), qsizetype(fetched->size())),
            bytes);
    VERIFY_OK(keychain.remove(account));
}

void tst_PassphraseKeychain::accountsAndServicesAreSeparate()
{
    PassphraseKeychain a(QStringLiteral("org.warden.test.a"));
    PassphraseKeychain b(QStringLiteral("org.warden.test.b"));
    VERIFY_OK(a.store(QStringLiteral("one"), bytesOf("a-one")));
    VERIFY_OK(a.store(QStringLiteral("two"), bytesOf("a-two")));
    VERIFY_OK(b.store(QStringLiteral("one"), bytesOf("b-one")));
    QVERIFY(a.fetch(QStringLiteral("one"))->equals(bytesOf("a-one")));
    QVERIFY(a.fetch(QStringLiteral("two"))->equals(bytesOf("a-two")));
    QVERIFY(b.fetch(QStringLiteral("one"))->equals(bytesOf("b-one")));
    QVERIFY(!b.fetch(QStringLiteral("two")));
    VERIFY_OK(a.remove(QStringLiteral("one")));
    QVERIFY(!a.fetch(QStringLiteral("one")));
    QVERIFY(b.fetch(QStringLiteral("one"))->equals(bytesOf("b-one")));
}

void tst_PassphraseKeychain::opensTheKeyStore()
{
    // The daemon's start: the passphrase comes from the keychain, not from a prompt.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("keys.wks"));
    {
        auto created = KeyStore::create(path, KeyStoreFixture::passphrase(),
                                        KeyStoreFixture::testParams());
        VERIFY_OK(created);
        QVERIFY(KeyStoreFixture::fill(*created, 5));
        VERIFY_OK(created->save());
    }
    PassphraseKeychain keychain;
    VERIFY_OK(keychain.store(path, KeyStoreFixture::passphrase()));
    auto passphrase = keychain.fetch(path);
    VERIFY_OK(passphrase);
    auto opened = KeyStore::open(path, *passphrase);
    VERIFY_OK(opened);
    QCOMPARE(KeyStoreFixture::generationOf(*opened), int64_t(5));
    VERIFY_OK(keychain.remove(path));
}

QTEST_GUILESS_MAIN(tst_PassphraseKeychain)
#include "tst_passphrasekeychain.moc"
