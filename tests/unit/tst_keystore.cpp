// The sealed key store on real files: every field round trips, wrong passphrases, truncation
// at every length, every single bit flip, deliberate tampering, foreign and newer files are
// refused with their own named problem and change nothing; SIGKILL during saves leaves the old
// or the new content whole; automatic backups, export/import, passphrase change; no secret in
// any error message.
#include "keystorefixture.h"

#include "crypto/seal.h"
#include "security/keystorecontent.h"

#include <warden/inventory.h> // both public headers in one file: no name clashes
#include <warden/keystore.h>

#include <QtCore/QCryptographicHash>
#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QProcess>
#include <QtCore/QRandomGenerator>
#include <QtCore/QSet>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>
#include <QtTest/QTest>

#include <memory>

using namespace Warden;
using Problem = KeyStore::Problem;

namespace {

#define VERIFY_OK(expr) \
    do { \
        const auto &result_ = (expr); \
        QVERIFY2(result_.has_value(), \
                 qPrintable(result_ ? QString() : result_.error().message())); \
    } while (false)

// Header offsets, as in keystore-format.md.
constexpr int kOffVersion = 8;
constexpr int kOffKdf = 10;
constexpr int kOffMemory = 12;
constexpr int kOffSalt = 24;
constexpr int kOffCheck = 52;
constexpr int kOffHeaderChecksum = 72;
constexpr int kHeaderSize = 80;
constexpr int kTrailerSize = 32;
// Owner, group and others (QFileInfo also reports the "user" bits, which repeat the owner's).
constexpr QFileDevice::Permissions::Int kPermissionBits = 0x7077;

QByteArray fileBytes(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeBytes(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

/// Recomputes both unkeyed checksums after a deliberate edit, as an attacker could.
void refixChecksums(QByteArray &image)
{
    const QByteArray header
            = QCryptographicHash::hash(image.left(kOffHeaderChecksum), QCryptographicHash::Sha256);
    image.replace(kOffHeaderChecksum, 8, header.left(8));
    const QByteArray trailer = QCryptographicHash::hash(image.left(image.size() - kTrailerSize),
                                                        QCryptographicHash::Sha256);
    image.replace(image.size() - kTrailerSize, kTrailerSize, trailer);
}

void putU32(QByteArray &image, int offset, uint32_t v)
{
    image[offset] = char(v >> 24);
    image[offset + 1] = char(v >> 16);
    image[offset + 2] = char(v >> 8);
    image[offset + 3] = char(v);
}

QString hexOf(const SecretBytes &s)
{
    return QString::fromLatin1(
            QByteArray(reinterpret_cast<const char *>(s.data()), qsizetype(s.size())).toHex());
}

} // namespace

class tst_KeyStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void roundTripsEveryField();
    void createRefuses_data();
    void createRefuses();
    void settersRefuseBadArguments();
    void filePermissionsAreOwnerOnly();
    void wrongPassphraseChangesNothing();
    void truncatedAtEveryLength();
    void everySingleBitFlipIsRefused();
    void deliberateEditsAreNamed_data();
    void deliberateEditsAreNamed();
    void foreignFilesAreRefused_data();
    void foreignFilesAreRefused();
    void automaticBackupBeforeEveryKeyChange();
    void backupLimitPrunesOldest();
    void secondWriterIsRefused();
    void changePassphrase();
    void exportImportRoundTrip();
    void importOfBrokenBackupChangesNothing_data();
    void importOfBrokenBackupChangesNothing();
    void exportRefusesTheStoreItself();
    void sigkillDuringSaveLeavesOldOrNew();
    void contentDecoderRejects_data();
    void contentDecoderRejects();
    void fuzzSeedsParseAsNamed();
    void passphraseTextIsNormalized();
    void noSecretInAnyErrorMessage();
    void productionParamsOpenTime();
    void saveKeepsSaltDrawsNonce();

private:
    QString storePath() const { return m_dir->filePath(QStringLiteral("keys.wks")); }
    /// A store holding generation @p g, saved.
    KeyStore makeStore(uint32_t g = 7);
    void collect(const Error &error) { m_messages.append(error.message()); }

    std::unique_ptr<QTemporaryDir> m_dir;
    QStringList m_messages;
};

void tst_KeyStore::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

KeyStore tst_KeyStore::makeStore(uint32_t g)
{
    auto created = KeyStore::create(storePath(), KeyStoreFixture::passphrase(),
                                    KeyStoreFixture::testParams());
    if (!created)
        qFatal("cannot create the test store: %s", qPrintable(created.error().message()));
    if (!KeyStoreFixture::fill(*created, g) || !created->save())
        qFatal("cannot fill the test store");
    return std::move(*created);
}

void tst_KeyStore::roundTripsEveryField()
{
    auto created = KeyStore::create(storePath(), KeyStoreFixture::passphrase(),
                                    KeyStoreFixture::testParams());
    VERIFY_OK(created);
    QVERIFY(!created->hasUnsavedChanges());
    QVERIFY(created->networkKeys().isEmpty());
    QVERIFY(created->nodes().isEmpty());
    QVERIFY(!created->gatewaySerial());

    const Serial gateway {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const Serial serial5 {9, 8, 7, 6, 5, 4, 3, 2, 1};
    const QDateTime created1 = QDateTime::fromMSecsSinceEpoch(1600000000123LL, Qt::UTC);
    const QDateTime created2 = QDateTime::fromMSecsSinceEpoch(1700000000456LL, Qt::UTC);
    const SecretBytes net1 = KeyStoreFixture::pattern(1, 1);
    const SecretBytes net2 = KeyStoreFixture::pattern(1, 2);
    const SecretBytes net65535 = KeyStoreFixture::pattern(1, 3);
    const SecretBytes link5 = KeyStoreFixture::pattern(2, 5);
    const SecretBytes mgmt5 = KeyStoreFixture::pattern(3, 5);
    const SecretBytes mgmt254 = KeyStoreFixture::pattern(3, 254);
    created->setGatewaySerial(gateway);
    VERIFY_OK(created->setNetworkKey(2, net2, NetworkKeyState::Active, created2));
    VERIFY_OK(created->setNetworkKey(1, net1, NetworkKeyState::Retired, created1));
    VERIFY_OK(created->setNetworkKey(65535, net65535, NetworkKeyState::Pending, created2));
    VERIFY_OK(created->setSerial(5, serial5));
    VERIFY_OK(created->setLinkKey(5, link5));
    VERIFY_OK(created->setManagementKey(5, mgmt5));
    VERIFY_OK(created->setManagementKey(254, mgmt254));
    VERIFY_OK(created->setLinkKey(1, link5));
    VERIFY_OK(created->removeLinkKey(1)); // the node had nothing else: it goes away
    QVERIFY(created->hasUnsavedChanges());
    VERIFY_OK(created->save());
    QVERIFY(!created->hasUnsavedChanges());

    auto opened = KeyStore::open(storePath(), KeyStoreFixture::passphrase());
    VERIFY_OK(opened);
    QCOMPARE(opened->path(), QFileInfo(storePath()).absoluteFilePath());
    QCOMPARE(opened->params().memoryKiB, KeyStoreFixture::testParams().memoryKiB);
    QCOMPARE(opened->params().iterations, KeyStoreFixture::testParams().iterations);
    QCOMPARE(opened->params().parallelism, KeyStoreFixture::testParams().parallelism);
    QCOMPARE(opened->gatewaySerial(), std::optional<Serial>(gateway));

    const auto keys = opened->networkKeys();
    QCOMPARE(keys.size(), 3);
    QCOMPARE(keys.at(0).epoch, uint16_t(1));
    QCOMPARE(keys.at(1).epoch, uint16_t(2));
    QCOMPARE(keys.at(2).epoch, uint16_t(65535));
    QCOMPARE(keys.at(0).state, NetworkKeyState::Retired);
    QCOMPARE(keys.at(1).state, NetworkKeyState::Active);
    QCOMPARE(keys.at(2).state, NetworkKeyState::Pending);
    QCOMPARE(keys.at(0).created, created1);
    QCOMPARE(keys.at(1).created, created2);
    QCOMPARE(keys.at(0).fingerprint, net1.fingerprint());
    QCOMPARE(keys.at(2).fingerprint, net65535.fingerprint());
    QVERIFY(keys.at(0).fingerprint != keys.at(1).fingerprint);
    QVERIFY(opened->networkKey(1)->equals(net1));
    QVERIFY(opened->networkKey(2)->equals(net2));
    QVERIFY(opened->networkKey(65535)->equals(net65535));
    QVERIFY(!opened->networkKey(3));
    QVERIFY(!opened->networkKeyInfo(3));

    const auto nodes = opened->nodes();
    QCOMPARE(nodes.size(), 2);
    QCOMPARE(nodes.at(0).nodeId, uint8_t(5));
    QCOMPARE(nodes.at(0).serial, std::optional<Serial>(serial5));
    QCOMPARE(nodes.at(0).linkKeyFingerprint, link5.fingerprint());
    QCOMPARE(nodes.at(0).managementKeyFingerprint, mgmt5.fingerprint());
    QCOMPARE(nodes.at(1).nodeId, uint8_t(254));
    QVERIFY(!nodes.at(1).serial);
    QVERIFY(nodes.at(1).linkKeyFingerprint.isEmpty());
    QCOMPARE(nodes.at(1).managementKeyFingerprint, mgmt254.fingerprint());
    QVERIFY(opened->linkKey(5)->equals(link5));
    QVERIFY(opened->managementKey(5)->equals(mgmt5));
    QVERIFY(opened->managementKey(254)->equals(mgmt254));
    QCOMPARE(opened->linkKey(254).error().code(), ErrorCode::Refused);
    QVERIFY(!opened->node(1));

    // State changes and removals round trip too.
    VERIFY_OK(opened->setNetworkKeyState(65535, NetworkKeyState::Active));
    VERIFY_OK(opened->removeNetworkKey(1));
    VERIFY_OK(opened->removeManagementKey(5));
    VERIFY_OK(opened->removeNode(254));
    opened->setGatewaySerial(std::nullopt);
    VERIFY_OK(opened->save());
    auto again = KeyStore::open(storePath(), KeyStoreFixture::passphrase());
    VERIFY_OK(again);
    QCOMPARE(again->networkKeys().size(), 2);
    QCOMPARE(again->networkKeyInfo(65535)->state, NetworkKeyState::Active);
    QCOMPARE(again->nodes().size(), 1);
    QVERIFY(again->node(5)->managementKeyFingerprint.isEmpty());
    QVERIFY(again->linkKey(5)->equals(link5));
    QVERIFY(!again->gatewaySerial());
}

void tst_KeyStore::createRefuses_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("passphrase");
    QTest::addColumn<uint32_t>("memoryKiB");
    QTest::addColumn<uint32_t>("iterations");
    QTest::addColumn<int>("problem");
    QTest::newRow("existing file")
            << "exists.wks" << QByteArray("pw") << 64u << 1u << int(Problem::Io);
    QTest::newRow("missing folder")
            << "no/such/folder/keys.wks" << QByteArray("pw") << 64u << 1u << int(Problem::Io);
    QTest::newRow("empty passphrase")
            << "keys.wks" << QByteArray() << 64u << 1u << int(Problem::WrongPassphrase);
    QTest::newRow("memory too small")
            << "keys.wks" << QByteArray("pw") << 4u << 1u << int(Problem::Unsupported);
    QTest::newRow("memory too large")
            << "keys.wks" << QByteArray("pw") << (2u << 20) << 1u << int(Problem::Unsupported);
    QTest::newRow("no iterations")
            << "keys.wks" << QByteArray("pw") << 64u << 0u << int(Problem::Unsupported);
}

void tst_KeyStore::createRefuses()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, passphrase);
    QFETCH(uint32_t, memoryKiB);
    QFETCH(uint32_t, iterations);
    QFETCH(int, problem);
    QVERIFY(writeBytes(m_dir->filePath(QStringLiteral("exists.wks")), "precious"));
    const QString path = m_dir->filePath(name);
    Problem why = Problem::None;
    auto created = KeyStore::create(
            path,
            SecretBytes(reinterpret_cast<const uint8_t *>(passphrase.constData()),
                        size_t(passphrase.size())),
            {memoryKiB, iterations, 1}, &why);
    QVERIFY(!created);
    QCOMPARE(int(why), problem);
    QVERIFY(!created.error().message().isEmpty());
    collect(created.error());
    QCOMPARE(fileBytes(m_dir->filePath(QStringLiteral("exists.wks"))), QByteArray("precious"));
    if (name != QLatin1String("exists.wks"))
        QVERIFY(!QFileInfo::exists(path));
}

void tst_KeyStore::settersRefuseBadArguments()
{
    KeyStore store = makeStore();
    const SecretBytes key = KeyStoreFixture::pattern(1, 1);
    const SecretBytes shortKey(key.data(), 31);
    const QList<Result<void>> refused = {
            store.setLinkKey(0, key),
            store.setLinkKey(255, key),
            store.setManagementKey(0, key),
            store.setSerial(255, Serial {}),
            store.setLinkKey(9, shortKey),
            store.setManagementKey(9, SecretBytes()),
            store.setNetworkKey(0, key, NetworkKeyState::Active),
            store.setNetworkKey(9, shortKey, NetworkKeyState::Active),
            store.setNetworkKey(9, key, NetworkKeyState(7)),
            store.setNetworkKey(9, key, NetworkKeyState::Active,
                                QDateTime::fromMSecsSinceEpoch(-1, Qt::UTC)),
    };
    for (const auto &r : refused) {
        QVERIFY(!r);
        QCOMPARE(r.error().code(), ErrorCode::InvalidArgument);
        collect(r.error());
    }
    const QList<Result<void>> missing = {
            store.removeNode(200),
            store.removeLinkKey(200),
            store.removeManagementKey(200),
            store.removeNetworkKey(200),
            store.setNetworkKeyState(200, NetworkKeyState::Active),
    };
    for (const auto &r : missing) {
        QVERIFY(!r);
        QCOMPARE(r.error().code(), ErrorCode::Refused);
        collect(r.error());
    }
    QVERIFY(!store.hasUnsavedChanges());
    QCOMPARE(KeyStoreFixture::generationOf(store), int64_t(7));
}

void tst_KeyStore::filePermissionsAreOwnerOnly()
{
    KeyStore store = makeStore();
    const auto owner = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
    QCOMPARE(QFileInfo(storePath()).permissions() & kPermissionBits, owner);
    VERIFY_OK(store.setLinkKey(9, KeyStoreFixture::pattern(9, 9)));
    VERIFY_OK(store.save());
    QCOMPARE(QFileInfo(storePath()).permissions() & kPermissionBits, owner);
    QCOMPARE(store.backups().size(), 2); // fill() saved once after create, then this save
    QCOMPARE(QFileInfo(store.backups().last()).permissions() & kPermissionBits, owner);
    QCOMPARE(QFileInfo(store.backupDirectory()).permissions() & kPermissionBits,
             owner | QFileDevice::ExeOwner);
}

void tst_KeyStore::wrongPassphraseChangesNothing()
{
    {
        KeyStore store = makeStore();
    }
    const QByteArray before = fileBytes(storePath());
    const QStringList backupsBefore = QDir(storePath() + QStringLiteral(".backups")).entryList();
    for (const QString &wrong :
         {QStringLiteral("correct horse battery stapl"),
          QStringLiteral("Correct horse battery staple"), QStringLiteral("x")}) {
        Problem why = Problem::None;
        auto opened = KeyStore::open(storePath(), KeyStore::passphraseFromText(wrong), &why);
        QVERIFY(!opened);
        QCOMPARE(why, Problem::WrongPassphrase);
        QCOMPARE(opened.error().code(), ErrorCode::Refused);
        QVERIFY2(opened.error().message().contains(QLatin1String("wrong passphrase")),
                 qPrintable(opened.error().message()));
        collect(opened.error());
    }
    QCOMPARE(fileBytes(storePath()), before);
    QCOMPARE(QDir(storePath() + QStringLiteral(".backups")).entryList(), backupsBefore);
    VERIFY_OK(KeyStore::open(storePath(), KeyStoreFixture::passphrase()));
}

void tst_KeyStore::truncatedAtEveryLength()
{
    {
        KeyStore store = makeStore();
    }
    const QByteArray whole = fileBytes(storePath());
    QVERIFY(whole.size() > kHeaderSize + kTrailerSize);
    const QString cut = m_dir->filePath(QStringLiteral("cut.wks"));
    // Every length through the header, then every third: all are refused before the key
    // derivation runs.
    for (int length = 0; length < whole.size(); length += (length < kHeaderSize + 8 ? 1 : 3)) {
        QVERIFY(writeBytes(cut, whole.left(length)));
        Problem why = Problem::None;
        auto opened = KeyStore::open(cut, KeyStoreFixture::passphrase(), &why);
        QVERIFY2(!opened, qPrintable(QStringLiteral("length %1 opened").arg(length)));
        QVERIFY2(why == Problem::Truncated,
                 qPrintable(QStringLiteral("length %1: %2 (%3)")
                                    .arg(length)
                                    .arg(QLatin1String(keyStoreProblemName(why)),
                                         opened.error().message())));
        QCOMPARE(opened.error().code(), ErrorCode::Malformed);
        QVERIFY(opened.error().message().contains(length == 0 ? QLatin1String("empty")
                                                              : QLatin1String("truncated")));
        if (length % 50 == 0)
            collect(opened.error());
    }
    QCOMPARE(fileBytes(storePath()), whole);
}

void tst_KeyStore::everySingleBitFlipIsRefused()
{
    {
        KeyStore store = makeStore();
    }
    const QByteArray whole = fileBytes(storePath());
    const QByteArrayView magic("WARDENKS", 8);
    // The region decides which problem: the magic names a foreign file, the version a newer
    // format, anything else a failing checksum.
    auto expectedAt = [](int byte) {
        return byte < kOffVersion ? Problem::NotAKeyStore
               : byte < kOffKdf   ? Problem::Unsupported
                                  : Problem::Damaged;
    };
    // Every bit, in memory: the checksums catch each before the key derivation.
    int counted[3] = {};
    for (int bit = 0; bit < whole.size() * 8; ++bit) {
        QByteArray image = whole;
        image[bit / 8] = char(image[bit / 8] ^ (1 << (bit % 8)));
        Internal::SealFailure failure = Internal::SealFailure::None;
        auto header = Internal::parseSealHeader(image, magic, &failure);
        QVERIFY2(!header, qPrintable(QStringLiteral("bit %1 flipped parsed").arg(bit)));
        const Problem expected = expectedAt(bit / 8);
        const Internal::SealFailure expectedFailure
                = expected == Problem::NotAKeyStore  ? Internal::SealFailure::NotSealed
                  : expected == Problem::Unsupported ? Internal::SealFailure::Unsupported
                                                     : Internal::SealFailure::Damaged;
        QVERIFY2(failure == expectedFailure,
                 qPrintable(QStringLiteral("bit %1: %2").arg(bit).arg(header.error().message())));
        ++counted[expected == Problem::NotAKeyStore ? 0 : expected == Problem::Unsupported ? 1 : 2];
    }
    QCOMPARE(counted[0], 64);
    QCOMPARE(counted[1], 16);
    QCOMPARE(counted[2], int(whole.size()) * 8 - 80);

    // A spread of offsets through the whole public API, from real files.
    const QString flipped = m_dir->filePath(QStringLiteral("flipped.wks"));
    for (int byte = 0; byte < whole.size(); byte += (byte < kHeaderSize ? 1 : 5)) {
        QByteArray image = whole;
        image[byte] = char(image[byte] ^ (1 << (byte % 8)));
        QVERIFY(writeBytes(flipped, image));
        Problem why = Problem::None;
        auto opened = KeyStore::open(flipped, KeyStoreFixture::passphrase(), &why);
        QVERIFY2(!opened, qPrintable(QStringLiteral("byte %1 flipped opened").arg(byte)));
        QVERIFY2(why == expectedAt(byte),
                 qPrintable(QStringLiteral("byte %1: %2 (%3)")
                                    .arg(byte)
                                    .arg(QLatin1String(keyStoreProblemName(why)),
                                         opened.error().message())));
        if (byte % 97 == 0)
            collect(opened.error());
    }
    QCOMPARE(fileBytes(storePath()), whole);
}

void tst_KeyStore::deliberateEditsAreNamed_data()
{
    QTest::addColumn<QString>("edit");
    QTest::addColumn<int>("problem");
    QTest::newRow("ciphertext byte, checksums recomputed")
            << "ciphertext" << int(Problem::Tampered);
    QTest::newRow("tag byte, checksums recomputed") << "tag" << int(Problem::Tampered);
    QTest::newRow("nonce, checksums recomputed") << "nonce" << int(Problem::Tampered);
    QTest::newRow("check value, checksums recomputed") << "check" << int(Problem::WrongPassphrase);
    QTest::newRow("salt, checksums recomputed") << "salt" << int(Problem::WrongPassphrase);
    QTest::newRow("iterations, checksums recomputed")
            << "iterations" << int(Problem::WrongPassphrase);
    QTest::newRow("version 2") << "version" << int(Problem::Unsupported);
    QTest::newRow("unknown key derivation") << "kdf" << int(Problem::Unsupported);
    QTest::newRow("4 GiB of memory asked") << "memory" << int(Problem::Unsupported);
    QTest::newRow("bytes appended") << "append" << int(Problem::Damaged);
    QTest::newRow("trailer zeroed") << "trailer" << int(Problem::Damaged);
}

void tst_KeyStore::deliberateEditsAreNamed()
{
    QFETCH(QString, edit);
    QFETCH(int, problem);
    {
        KeyStore store = makeStore();
    }
    QByteArray image = fileBytes(storePath());
    const int tagAt = image.size() - kTrailerSize - 16;
    if (edit == QLatin1String("ciphertext")) {
        image[kHeaderSize + 3] = char(image[kHeaderSize + 3] ^ 0x10);
        refixChecksums(image);
    } else if (edit == QLatin1String("tag")) {
        image[tagAt + 15] = char(image[tagAt + 15] ^ 0x01);
        refixChecksums(image);
    } else if (edit == QLatin1String("nonce")) {
        image[40] = char(image[40] ^ 0x80);
        refixChecksums(image);
    } else if (edit == QLatin1String("check")) {
        image[kOffCheck] = char(image[kOffCheck] ^ 0x01);
        refixChecksums(image);
    } else if (edit == QLatin1String("salt")) {
        image[kOffSalt] = char(image[kOffSalt] ^ 0x01);
        refixChecksums(image);
    } else if (edit == QLatin1String("iterations")) {
        putU32(image, 16, 2);
        refixChecksums(image);
    } else if (edit == QLatin1String("version")) {
        image[kOffVersion + 1] = 2;
        refixChecksums(image);
    } else if (edit == QLatin1String("kdf")) {
        image[kOffKdf] = 2;
        refixChecksums(image);
    } else if (edit == QLatin1String("memory")) {
        putU32(image, kOffMemory, 0xFFFFFFFFu);
        refixChecksums(image);
    } else if (edit == QLatin1String("append")) {
        image.append("\n", 1);
    } else if (edit == QLatin1String("trailer")) {
        image.replace(image.size() - kTrailerSize, kTrailerSize, QByteArray(kTrailerSize, '\0'));
    }
    const QString path = m_dir->filePath(QStringLiteral("edited.wks"));
    QVERIFY(writeBytes(path, image));
    Problem why = Problem::None;
    auto opened = KeyStore::open(path, KeyStoreFixture::passphrase(), &why);
    QVERIFY(!opened);
    QVERIFY2(int(why) == problem,
             qPrintable(QStringLiteral("%1: %2").arg(QLatin1String(keyStoreProblemName(why)),
                                                     opened.error().message())));
    collect(opened.error());
    QCOMPARE(fileBytes(path), image);
}

void tst_KeyStore::foreignFilesAreRefused_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<bool>("directory");
    QTest::addColumn<int>("problem");
    QTest::newRow("missing") << QByteArray() << false << int(Problem::Io);
    QTest::newRow("a folder") << QByteArray() << true << int(Problem::Io);
    QTest::newRow("empty") << QByteArray("") << false << int(Problem::Truncated);
    QTest::newRow("text") << QByteArray("network_key=0102030405\n") << false
                          << int(Problem::NotAKeyStore);
    QTest::newRow("sqlite") << QByteArray("SQLite format 3\0\x10\0\x01\x01", 20) << false
                            << int(Problem::NotAKeyStore);
    QTest::newRow("magic only") << QByteArray("WARDENKS") << false << int(Problem::Truncated);
    QTest::newRow("huge") << (QByteArray("WARDENKS\0\x01", 10) + QByteArray(5 << 20, 'x')) << false
                          << int(Problem::Damaged);
}

void tst_KeyStore::foreignFilesAreRefused()
{
    QFETCH(QByteArray, content);
    QFETCH(bool, directory);
    QFETCH(int, problem);
    const QString path = m_dir->filePath(QStringLiteral("other"));
    if (directory)
        QVERIFY(QDir(m_dir->path()).mkdir(QStringLiteral("other")));
    else if (!content.isNull())
        QVERIFY(writeBytes(path, content));
    Problem why = Problem::None;
    auto opened = KeyStore::open(path, KeyStoreFixture::passphrase(), &why);
    QVERIFY(!opened);
    QVERIFY2(int(why) == problem,
             qPrintable(QStringLiteral("%1: %2").arg(QLatin1String(keyStoreProblemName(why)),
                                                     opened.error().message())));
    QVERIFY(opened.error().message().contains(path));
    collect(opened.error());
}

void tst_KeyStore::automaticBackupBeforeEveryKeyChange()
{
    auto created = KeyStore::create(storePath(), KeyStoreFixture::passphrase(),
                                    KeyStoreFixture::testParams());
    VERIFY_OK(created);
    KeyStore store = std::move(*created);
    QVERIFY(store.backups().isEmpty()); // nothing existed before create
    QCOMPARE(store.backupDirectory(), store.path() + QStringLiteral(".backups"));

    const QByteArray empty = fileBytes(storePath());
    VERIFY_OK(store.setLinkKey(3, KeyStoreFixture::pattern(1, 3)));
    VERIFY_OK(store.save());
    QCOMPARE(store.backups().size(), 1);
    // The backup is the file as it was before the change, byte for byte, and opens.
    QCOMPARE(fileBytes(store.backups().at(0)), empty);
    auto first = KeyStore::open(store.backups().at(0), KeyStoreFixture::passphrase());
    VERIFY_OK(first);
    QVERIFY(first->nodes().isEmpty());

    // Saving without a change writes neither the store nor a backup.
    const QByteArray withLink = fileBytes(storePath());
    VERIFY_OK(store.save());
    QCOMPARE(store.backups().size(), 1);
    QCOMPARE(fileBytes(storePath()), withLink);

    VERIFY_OK(store.removeLinkKey(3));
    VERIFY_OK(store.save());
    QCOMPARE(store.backups().size(), 2);
    auto second = KeyStore::open(store.backups().at(1), KeyStoreFixture::passphrase());
    VERIFY_OK(second);
    QVERIFY(second->linkKey(3)->equals(KeyStoreFixture::pattern(1, 3)));

    // Backups off: the save still works, no backup is added.
    store.setBackupLimit(0);
    QCOMPARE(store.backupLimit(), 0);
    VERIFY_OK(store.setManagementKey(4, KeyStoreFixture::pattern(1, 4)));
    VERIFY_OK(store.save());
    QCOMPARE(QDir(store.backupDirectory()).entryList(QDir::Files).size(), 2);

    // A backup that cannot be written stops the save: the store file stays as it was. A plain
    // file where the backup folder should be fails even for root (permissions would not).
    store.setBackupLimit(5);
    const QByteArray beforeFailedSave = fileBytes(storePath());
    QVERIFY(QDir(store.backupDirectory()).removeRecursively());
    QVERIFY(writeBytes(store.backupDirectory(), "in the way"));
    VERIFY_OK(store.removeManagementKey(4));
    auto saved = store.save();
    QVERIFY(!saved);
    QVERIFY2(saved.error().message().contains(QLatin1String("backup")),
             qPrintable(saved.error().message()));
    collect(saved.error());
    QCOMPARE(fileBytes(storePath()), beforeFailedSave);
    QVERIFY(store.hasUnsavedChanges());
    // Once the folder can be made again, the same save goes through.
    QVERIFY(QFile::remove(store.backupDirectory()));
    VERIFY_OK(store.save());
    QCOMPARE(store.backups().size(), 1);
    QVERIFY(!store.hasUnsavedChanges());
}

void tst_KeyStore::backupLimitPrunesOldest()
{
    KeyStore store = makeStore(1); // create + one save: one backup
    store.setBackupLimit(3);
    for (uint32_t g = 2; g <= 6; ++g) {
        QVERIFY(KeyStoreFixture::fill(store, g));
        VERIFY_OK(store.save());
    }
    const QStringList backups = store.backups();
    QCOMPARE(backups.size(), 3);
    // Oldest first: the store held generations 3, 4, 5 before the last three saves.
    for (int i = 0; i < 3; ++i) {
        auto backup = KeyStore::open(backups.at(i), KeyStoreFixture::passphrase());
        VERIFY_OK(backup);
        QCOMPARE(KeyStoreFixture::generationOf(*backup), int64_t(3 + i));
    }
    // Foreign files in the folder are neither listed nor deleted.
    const QString foreign = QDir(store.backupDirectory()).filePath(QStringLiteral("notes.txt"));
    QVERIFY(writeBytes(foreign, "mine"));
    QVERIFY(KeyStoreFixture::fill(store, 7));
    VERIFY_OK(store.save());
    QCOMPARE(store.backups().size(), 3);
    QVERIFY(QFileInfo::exists(foreign));
}

void tst_KeyStore::secondWriterIsRefused()
{
    {
        KeyStore store = makeStore(1);
    }
    auto first = KeyStore::open(storePath(), KeyStoreFixture::passphrase());
    auto second = KeyStore::open(storePath(), KeyStoreFixture::passphrase());
    VERIFY_OK(first);
    VERIFY_OK(second);
    QVERIFY(KeyStoreFixture::fill(*first, 2));
    VERIFY_OK(first->save());
    const QByteArray afterFirst = fileBytes(storePath());
    const QStringList backups = first->backups();

    // The second instance still holds generation 1: saving it would silently undo the first.
    QVERIFY(KeyStoreFixture::fill(*second, 3));
    auto refused = second->save();
    QVERIFY(!refused);
    QCOMPARE(refused.error().code(), ErrorCode::Refused);
    QVERIFY2(refused.error().message().contains(QLatin1String("changed by another program")),
             qPrintable(refused.error().message()));
    collect(refused.error());
    QCOMPARE(fileBytes(storePath()), afterFirst);
    QCOMPARE(second->backups(), backups);
    QVERIFY(second->hasUnsavedChanges());
    QVERIFY(!QFileInfo::exists(storePath() + QStringLiteral(".lock")));

    // The first keeps saving; a fresh open sees its content.
    QVERIFY(KeyStoreFixture::fill(*first, 4));
    VERIFY_OK(first->save());
    auto reopened = KeyStore::open(storePath(), KeyStoreFixture::passphrase());
    VERIFY_OK(reopened);
    QCOMPARE(KeyStoreFixture::generationOf(*reopened), int64_t(4));
}

void tst_KeyStore::changePassphrase()
{
    KeyStore store = makeStore(4);
    const SecretBytes newPassphrase = KeyStore::passphraseFromText(u"tr0ub4dor&3");
    VERIFY_OK(store.changePassphrase(newPassphrase, KeyStoreParams {128, 2, 1}));
    QCOMPARE(store.params().memoryKiB, 128u);
    Problem why = Problem::None;
    auto old = KeyStore::open(storePath(), KeyStoreFixture::passphrase(), &why);
    QVERIFY(!old);
    QCOMPARE(why, Problem::WrongPassphrase);
    auto reopened = KeyStore::open(storePath(), newPassphrase);
    VERIFY_OK(reopened);
    QCOMPARE(KeyStoreFixture::generationOf(*reopened), int64_t(4));
    QCOMPARE(reopened->params().iterations, 2u);
    // The backup made before the change still opens with the old passphrase.
    auto backup = KeyStore::open(store.backups().last(), KeyStoreFixture::passphrase());
    VERIFY_OK(backup);
    QCOMPARE(KeyStoreFixture::generationOf(*backup), int64_t(4));
    // Later saves use the new key without asking for the passphrase again.
    QVERIFY(KeyStoreFixture::fill(store, 5));
    VERIFY_OK(store.save());
    auto later = KeyStore::open(storePath(), newPassphrase);
    VERIFY_OK(later);
    QCOMPARE(KeyStoreFixture::generationOf(*later), int64_t(5));

    auto refused = store.changePassphrase(SecretBytes());
    QVERIFY(!refused);
    collect(refused.error());
}

void tst_KeyStore::exportImportRoundTrip()
{
    KeyStore store = makeStore(11);
    const QString exported = m_dir->filePath(QStringLiteral("offsite.wks"));
    const SecretBytes backupPassphrase = KeyStore::passphraseFromText(u"offsite passphrase");
    VERIFY_OK(store.exportBackup(exported, backupPassphrase));
    // An export is a key store file of its own, under its own passphrase.
    auto direct = KeyStore::open(exported, backupPassphrase);
    VERIFY_OK(direct);
    QCOMPARE(KeyStoreFixture::generationOf(*direct), int64_t(11));
    QVERIFY(!KeyStore::open(exported, KeyStoreFixture::passphrase()));

    // Unsaved changes are exported as they are in memory.
    QVERIFY(KeyStoreFixture::fill(store, 12));
    const QString unsaved = m_dir->filePath(QStringLiteral("unsaved.wks"));
    VERIFY_OK(store.exportBackup(unsaved, backupPassphrase, KeyStoreParams {32, 1, 1}));
    auto unsavedOpened = KeyStore::open(unsaved, backupPassphrase);
    VERIFY_OK(unsavedOpened);
    QCOMPARE(KeyStoreFixture::generationOf(*unsavedOpened), int64_t(12));
    QCOMPARE(unsavedOpened->params().memoryKiB, 32u);
    VERIFY_OK(store.save());

    const int backupsBefore = int(store.backups().size());
    Problem why = Problem::None;
    VERIFY_OK(store.importBackup(exported, backupPassphrase, &why));
    QCOMPARE(why, Problem::None);
    QCOMPARE(KeyStoreFixture::generationOf(store), int64_t(11));
    QVERIFY(!store.hasUnsavedChanges());
    // The store keeps its own passphrase; the state before the import is in a new backup.
    auto reopened = KeyStore::open(storePath(), KeyStoreFixture::passphrase());
    VERIFY_OK(reopened);
    QCOMPARE(KeyStoreFixture::generationOf(*reopened), int64_t(11));
    QCOMPARE(int(store.backups().size()), backupsBefore + 1);
    auto previous = KeyStore::open(store.backups().last(), KeyStoreFixture::passphrase());
    VERIFY_OK(previous);
    QCOMPARE(KeyStoreFixture::generationOf(*previous), int64_t(12));
}

void tst_KeyStore::importOfBrokenBackupChangesNothing_data()
{
    QTest::addColumn<QString>("damage");
    QTest::addColumn<int>("problem");
    QTest::newRow("wrong passphrase") << "passphrase" << int(Problem::WrongPassphrase);
    QTest::newRow("bit flip") << "flip" << int(Problem::Damaged);
    QTest::newRow("truncated") << "truncate" << int(Problem::Truncated);
    QTest::newRow("tampered") << "tamper" << int(Problem::Tampered);
    QTest::newRow("missing") << "missing" << int(Problem::Io);
}

void tst_KeyStore::importOfBrokenBackupChangesNothing()
{
    QFETCH(QString, damage);
    QFETCH(int, problem);
    KeyStore store = makeStore(21);
    const QString exported = m_dir->filePath(QStringLiteral("offsite.wks"));
    const SecretBytes backupPassphrase = KeyStore::passphraseFromText(u"offsite");
    {
        auto other = KeyStore::create(m_dir->filePath(QStringLiteral("other.wks")),
                                      backupPassphrase, KeyStoreFixture::testParams());
        VERIFY_OK(other);
        QVERIFY(KeyStoreFixture::fill(*other, 99));
        VERIFY_OK(other->exportBackup(exported, backupPassphrase));
    }
    QByteArray image = fileBytes(exported);
    if (damage == QLatin1String("flip"))
        image[image.size() / 2] = char(image[image.size() / 2] ^ 0x04);
    else if (damage == QLatin1String("truncate"))
        image.chop(1);
    else if (damage == QLatin1String("tamper")) {
        image[kHeaderSize] = char(image[kHeaderSize] ^ 0x01);
        refixChecksums(image);
    }
    QVERIFY(writeBytes(exported, image));
    if (damage == QLatin1String("missing"))
        QVERIFY(QFile::remove(exported));
    // Unsaved changes in memory must survive a failed import as well.
    VERIFY_OK(store.setLinkKey(200, KeyStoreFixture::pattern(5, 5)));

    const QByteArray storeBefore = fileBytes(storePath());
    const QStringList backupsBefore = store.backups();
    Problem why = Problem::None;
    auto imported = store.importBackup(exported,
                                       damage == QLatin1String("passphrase")
                                               ? KeyStoreFixture::passphrase()
                                               : backupPassphrase,
                                       &why);
    QVERIFY(!imported);
    QVERIFY2(int(why) == problem,
             qPrintable(QStringLiteral("%1: %2").arg(QLatin1String(keyStoreProblemName(why)),
                                                     imported.error().message())));
    collect(imported.error());
    QCOMPARE(fileBytes(storePath()), storeBefore);
    QCOMPARE(store.backups(), backupsBefore);
    QVERIFY(store.hasUnsavedChanges());
    QVERIFY(store.linkKey(200)->equals(KeyStoreFixture::pattern(5, 5)));
    VERIFY_OK(store.removeNode(200));
    QCOMPARE(KeyStoreFixture::generationOf(store), int64_t(21));
}

void tst_KeyStore::exportRefusesTheStoreItself()
{
    KeyStore store = makeStore();
    const QByteArray before = fileBytes(storePath());
    auto refused = store.exportBackup(storePath(), KeyStore::passphraseFromText(u"other"));
    QVERIFY(!refused);
    QCOMPARE(refused.error().code(), ErrorCode::InvalidArgument);
    auto empty = store.exportBackup(m_dir->filePath(QStringLiteral("x.wks")), SecretBytes());
    QVERIFY(!empty);
    collect(refused.error());
    collect(empty.error());
    QCOMPARE(fileBytes(storePath()), before);
}

void tst_KeyStore::sigkillDuringSaveLeavesOldOrNew()
{
    {
        KeyStore store = makeStore(1);
    }
    const QString helper
            = QCoreApplication::applicationDirPath() + QStringLiteral("/keystoresaver");
    QVERIFY2(QFileInfo(helper).isExecutable(), qPrintable(helper));
    const quint32 seed = QRandomGenerator::global()->generate();
    qInfo("SIGKILL rounds with seed %u", seed);
    QRandomGenerator random(seed);
    constexpr int kRounds = 24;
    int64_t lastKnown = 1;
    int advanced = 0;
    int staleLocks = 0;
    for (int round = 0; round < kRounds; ++round) {
        QProcess saver;
        saver.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("QT_LOGGING_RULES"),
                           QStringLiteral("warden.core.security.info=false"));
        saver.setProcessEnvironment(environment);
        saver.start(helper, {storePath()});
        QVERIFY2(saver.waitForStarted(10000), qPrintable(saver.errorString()));
        QVERIFY2(saver.waitForReadyRead(10000), "the saver did not get ready");
        const QByteArray ready = saver.readLine().trimmed();
        QVERIFY2(ready.startsWith("ready "), ready.constData());
        QCOMPARE(ready.mid(6).toLongLong(), lastKnown);
        // A random moment within the first few dozen saves: mid-write, mid-fsync, mid-rename,
        // mid-backup or mid-prune.
        QThread::usleep(random.bounded(1000, 120000));
        saver.kill(); // SIGKILL
        QVERIFY(saver.waitForFinished(10000));
        QCOMPARE(saver.exitStatus(), QProcess::CrashExit);
        int64_t lastSaved = lastKnown;
        for (const QByteArray &line : saver.readAllStandardOutput().split('\n'))
            if (line.startsWith("saved "))
                lastSaved = line.mid(6).toLongLong();

        Problem why = Problem::None;
        auto opened = KeyStore::open(storePath(), KeyStoreFixture::passphrase(), &why);
        QVERIFY2(opened, qPrintable(QStringLiteral("round %1: %2")
                                            .arg(round)
                                            .arg(opened ? QString() : opened.error().message())));
        const int64_t g = KeyStoreFixture::generationOf(*opened);
        // Whole, and either the last save reported done or the one after it (in flight).
        QVERIFY2(g == lastSaved || g == lastSaved + 1,
                 qPrintable(QStringLiteral("round %1: generation %2 on disk, %3 reported saved")
                                    .arg(round)
                                    .arg(g)
                                    .arg(lastSaved)));
        if (g > lastKnown)
            ++advanced;
        if (QFileInfo::exists(storePath() + QStringLiteral(".lock")))
            ++staleLocks;
        // The parent saves the next generation itself: a lock the killed saver left behind
        // must be taken over (stale), not block the store.
        QVERIFY(KeyStoreFixture::fill(*opened, uint32_t(g + 1)));
        VERIFY_OK(opened->save());
        QVERIFY(!QFileInfo::exists(storePath() + QStringLiteral(".lock")));
        lastKnown = g + 1;
        // Every backup left behind is whole too.
        for (const QString &backup : opened->backups()) {
            auto b = KeyStore::open(backup, KeyStoreFixture::passphrase());
            QVERIFY2(b, qPrintable(backup));
            // (the first backup is the empty store as create() wrote it)
            QVERIFY(KeyStoreFixture::generationOf(*b) >= 1
                    || (b->nodes().isEmpty() && b->networkKeys().isEmpty()));
        }
    }
    qInfo("%d of %d rounds advanced, %d left a stale lock; generation %lld at the end", advanced,
          kRounds, staleLocks, static_cast<long long>(lastKnown));
    QVERIFY(advanced > 0);
}

void tst_KeyStore::contentDecoderRejects_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<bool>("valid");
    const QByteArray key(32, '\x11');
    const QByteArray netKey = QByteArray("\x00\x05\x01", 3) + QByteArray(8, '\0') + key;
    QTest::newRow("empty store") << QByteArray("\x01\x00\x00\x00\x00", 5) << true;
    QTest::newRow("one network key")
            << (QByteArray("\x01\x00\x00\x01", 4) + netKey + QByteArray(1, '\0')) << true;
    QTest::newRow("one node, link key")
            << (QByteArray("\x01\x00\x00\x00\x01\x07\x02", 7) + key) << true;
    QTest::newRow("nothing") << QByteArray() << false;
    QTest::newRow("version 2") << QByteArray("\x02\x00\x00\x00\x00", 5) << false;
    QTest::newRow("unknown flag") << QByteArray("\x01\x02\x00\x00\x00", 5) << false;
    QTest::newRow("trailing byte") << QByteArray("\x01\x00\x00\x00\x00\x00", 6) << false;
    QTest::newRow("no node count") << QByteArray("\x01\x00\x00\x00", 4) << false;
    QTest::newRow("gateway serial cut") << QByteArray("\x01\x01\x01\x02", 4) << false;
    QTest::newRow("65535 keys announced") << QByteArray("\x01\x00\xFF\xFF\x00", 5) << false;
    QTest::newRow("epoch 0") << (QByteArray("\x01\x00\x00\x01\x00\x00\x01", 7) + QByteArray(8, '\0')
                                 + key + QByteArray(1, '\0'))
                             << false;
    QTest::newRow("epochs repeated")
            << (QByteArray("\x01\x00\x00\x02", 4) + netKey + netKey + QByteArray(1, '\0')) << false;
    QTest::newRow("state 3") << (QByteArray("\x01\x00\x00\x01\x00\x05\x03", 7) + QByteArray(8, '\0')
                                 + key + QByteArray(1, '\0'))
                             << false;
    QTest::newRow("created before 1970") << (QByteArray("\x01\x00\x00\x01\x00\x05\x01", 7)
                                             + QByteArray(8, '\xFF') + key + QByteArray(1, '\0'))
                                         << false;
    QTest::newRow("node 0") << (QByteArray("\x01\x00\x00\x00\x01\x00\x02", 7) + key) << false;
    QTest::newRow("node 255") << (QByteArray("\x01\x00\x00\x00\x01\xFF\x02", 7) + key) << false;
    QTest::newRow("node without anything")
            << QByteArray("\x01\x00\x00\x00\x01\x07\x00", 7) << false;
    QTest::newRow("node unknown flag")
            << (QByteArray("\x01\x00\x00\x00\x01\x07\x0A", 7) + key) << false;
    QTest::newRow("node key cut") << (QByteArray("\x01\x00\x00\x00\x01\x07\x02", 7) + key.left(31))
                                  << false;
    QTest::newRow("nodes out of order") << (QByteArray("\x01\x00\x00\x00\x02\x07\x02", 7) + key
                                            + QByteArray("\x06\x02", 2) + key)
                                        << false;
    QTest::newRow("255 nodes announced") << QByteArray("\x01\x00\x00\x00\xFF", 5) << false;
}

void tst_KeyStore::contentDecoderRejects()
{
    QFETCH(QByteArray, content);
    QFETCH(bool, valid);
    auto decoded = Internal::decodeKeyStoreContent(
            reinterpret_cast<const uint8_t *>(content.constData()), size_t(content.size()));
    QCOMPARE(decoded.has_value(), valid);
    if (!valid) {
        QVERIFY(decoded.error().message().startsWith(QLatin1String("key store content")));
        collect(decoded.error());
        return;
    }
    // The encoding is canonical: what decodes encodes back to the same bytes.
    auto encoded = Internal::encodeKeyStoreContent(*decoded);
    VERIFY_OK(encoded);
    QCOMPARE(
            QByteArray(reinterpret_cast<const char *>(encoded->data()), qsizetype(encoded->size())),
            content);
}

void tst_KeyStore::fuzzSeedsParseAsNamed()
{
    // tests/fuzz/corpus/keystorecontent: "broken-*" seeds are refused, all others parse.
    const QDir corpus(QStringLiteral(WARDEN_SOURCE_DIR "/tests/fuzz/corpus/keystorecontent"));
    const QStringList seeds = corpus.entryList(QDir::Files);
    QVERIFY(seeds.size() >= 5);
    for (const QString &name : seeds) {
        const QByteArray bytes = fileBytes(corpus.filePath(name));
        auto decoded = Internal::decodeKeyStoreContent(
                reinterpret_cast<const uint8_t *>(bytes.constData()), size_t(bytes.size()));
        QVERIFY2(decoded.has_value() != name.startsWith(QLatin1String("broken-")),
                 qPrintable(name));
    }
}

void tst_KeyStore::passphraseTextIsNormalized()
{
    // "é" precomposed (NFC) and as e + combining acute (NFD) are the same passphrase.
    const SecretBytes composed = KeyStore::passphraseFromText(u"caf\u00e9");
    const SecretBytes decomposed = KeyStore::passphraseFromText(u"cafe\u0301");
    QVERIFY(composed.equals(decomposed));
    QCOMPARE(composed.size(), size_t(5));
    auto created = KeyStore::create(storePath(), composed, KeyStoreFixture::testParams());
    VERIFY_OK(created);
    VERIFY_OK(KeyStore::open(storePath(), decomposed));
}

void tst_KeyStore::noSecretInAnyErrorMessage()
{
    // Runs last among the failure tests (slots run in declaration order) over everything
    // the others collected, plus a fresh set of failures here.
    KeyStore store = makeStore(3);
    const QByteArray image = fileBytes(storePath());
    const QString path = m_dir->filePath(QStringLiteral("x.wks"));
    for (int length : {0, 5, 9, 40, 79, 80, 100, int(image.size()) - 1}) {
        QVERIFY(writeBytes(path, image.left(length)));
        auto opened = KeyStore::open(path, KeyStoreFixture::passphrase());
        QVERIFY(!opened);
        collect(opened.error());
    }
    QVERIFY(writeBytes(path, image));
    collect(KeyStore::open(path, KeyStore::passphraseFromText(u"wrong")).error());
    QVERIFY(!m_messages.isEmpty());

    QStringList secrets;
    const QString passphraseText = QStringLiteral("correct horse battery staple");
    secrets << passphraseText << QStringLiteral("correct horse")
            << hexOf(KeyStoreFixture::passphrase());
    for (const auto &info : store.networkKeys())
        secrets << hexOf(*store.networkKey(info.epoch));
    for (const auto &node : store.nodes()) {
        secrets << hexOf(*store.linkKey(node.nodeId)) << hexOf(*store.managementKey(node.nodeId));
    }
    for (uint32_t g : {1u, 2u, 3u, 4u, 5u, 7u, 11u, 12u, 21u, 99u})
        for (uint32_t salt : {1u, 2u, 3u, 101u, 102u, 201u, 202u})
            secrets << hexOf(KeyStoreFixture::pattern(g, salt));
    int checked = 0;
    for (const QString &message : std::as_const(m_messages)) {
        QVERIFY(!message.isEmpty());
        for (const QString &secret : std::as_const(secrets)) {
            // Any 8 consecutive hex digits of a key would be a leak already.
            for (int at = 0; at + 8 <= secret.size(); at += 8)
                QVERIFY2(!message.contains(secret.mid(at, 8), Qt::CaseInsensitive),
                         qPrintable(message));
            QVERIFY2(!message.contains(passphraseText), qPrintable(message));
            ++checked;
        }
    }
    qInfo("%d error messages checked against %d secrets", int(m_messages.size()),
          int(secrets.size()));
    QVERIFY(checked > 0);
}

void tst_KeyStore::productionParamsOpenTime()
{
    // Figures, not assertions on time: the default cost as the daemon pays it at start.
    const SecretBytes passphrase = KeyStoreFixture::passphrase();
    QElapsedTimer timer;
    timer.start();
    auto created = KeyStore::create(storePath(), passphrase);
    VERIFY_OK(created);
    const qint64 createMs = timer.restart();
    QCOMPARE(created->params().memoryKiB, 65536u);
    QCOMPARE(created->params().iterations, 3u);
    QCOMPARE(created->params().parallelism, 1u);
    auto opened = KeyStore::open(storePath(), passphrase);
    VERIFY_OK(opened);
    const qint64 openMs = timer.restart();
    QVERIFY(KeyStoreFixture::fill(*opened, 2));
    VERIFY_OK(opened->save());
    const qint64 saveMs = timer.elapsed();
    qInfo("Argon2id 64 MiB, t=3, p=1: create %lld ms, open %lld ms, save (no derivation) %lld ms",
          createMs, openMs, saveMs);
}

void tst_KeyStore::saveKeepsSaltDrawsNonce()
{
    // An unlocked store keeps its derived key: a save reuses the file's salt (no Argon2id run)
    // and draws a fresh GCM nonce every time. With the production cost a derivation takes
    // hundreds of ms; a save is dominated by the disk (backup copy + store, each fsynced).
    const SecretBytes passphrase = KeyStoreFixture::passphrase();
    auto store = KeyStore::create(storePath(), passphrase);
    VERIFY_OK(store);
    QVERIFY(KeyStoreFixture::fill(*store, 3));
    VERIFY_OK(store->save());
    QSet<QByteArray> nonces;
    QByteArray salt;
    constexpr int kSaves = 6;
    QElapsedTimer timer;
    qint64 withBackupNs = 0;
    qint64 withoutBackupNs = 0;
    for (int i = 0; i < 2 * kSaves; ++i) {
        store->setBackupLimit(i < kSaves ? KeyStore::kDefaultBackupLimit : 0);
        VERIFY_OK(store->setNetworkKeyState(1, i % 2 ? NetworkKeyState::Active
                                                     : NetworkKeyState::Pending));
        timer.start();
        VERIFY_OK(store->save());
        (i < kSaves ? withBackupNs : withoutBackupNs) += timer.nsecsElapsed();
        QFile f(storePath());
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray image = f.read(kHeaderSize);
        if (salt.isEmpty())
            salt = image.mid(kOffSalt, 16);
        QCOMPARE(image.mid(kOffSalt, 16), salt);
        nonces.insert(image.mid(kOffSalt + 16, 12));
    }
    QCOMPARE(nonces.size(), 2 * kSaves);
    // The file still opens with the passphrase, and holds the last change.
    auto reopened = KeyStore::open(storePath(), passphrase);
    VERIFY_OK(reopened);
    QCOMPARE(reopened->networkKeyInfo(1)->state, NetworkKeyState::Active);
    qInfo("key store save (Argon2id 64 MiB store, derived key kept): %.1f ms with its backup, "
          "%.1f ms without (backup limit 0), mean of %d saves each",
          double(withBackupNs) / 1e6 / kSaves, double(withoutBackupNs) / 1e6 / kSaves, kSaves);
}

QTEST_GUILESS_MAIN(tst_KeyStore)
#include "tst_keystore.moc"
