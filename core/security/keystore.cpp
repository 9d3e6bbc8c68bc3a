#include <warden/keystore.h>

#include "crypto/seal.h"
#include "security/keystorecontent.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QLockFile>
#include <QtCore/QLoggingCategory>
#include <QtCore/QRegularExpression>
#include <QtCore/QSaveFile>

#include <algorithm>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace Warden {

Q_LOGGING_CATEGORY(lcKeyStore, "warden.core.security", QtInfoMsg)

namespace {

using namespace Internal;

const QByteArrayView kMagic("WARDENKS", 8);
const QString kBackupSuffix = QStringLiteral(".backups");
// "20261124T175830.123Z-000042.wks": UTC time of the backup, then a sequence number that
// orders backups made within the same millisecond (or after the clock stepped back).
const QRegularExpression kBackupName(QStringLiteral("^\\d{8}T\\d{6}\\.\\d{3}Z-(\\d{6})\\.wks$"));
constexpr qint64 kMaxFileSize
        = qint64(kSealHeaderSize + kSealMaxPlaintext + kSealTagSize + kSealTrailerSize);

KeyStore::Problem problemFromSeal(SealFailure failure)
{
    switch (failure) {
    case SealFailure::None:
        return KeyStore::Problem::None;
    case SealFailure::NotSealed:
        return KeyStore::Problem::NotAKeyStore;
    case SealFailure::Truncated:
        return KeyStore::Problem::Truncated;
    case SealFailure::Damaged:
        return KeyStore::Problem::Damaged;
    case SealFailure::Unsupported:
        return KeyStore::Problem::Unsupported;
    case SealFailure::WrongPassphrase:
        return KeyStore::Problem::WrongPassphrase;
    case SealFailure::Tampered:
        return KeyStore::Problem::Tampered;
    case SealFailure::Crypto:
        return KeyStore::Problem::Crypto;
    }
    return KeyStore::Problem::Damaged;
}

tl::unexpected<Error> failWith(KeyStore::Problem *problem, KeyStore::Problem why,
                               const Error &error, const QString &context)
{
    if (problem)
        *problem = why;
    return fail(error.code(), context + error.message());
}

tl::unexpected<Error> ioError(KeyStore::Problem *problem, QString message)
{
    if (problem)
        *problem = KeyStore::Problem::Io;
    return fail(ErrorCode::Refused, std::move(message));
}

SealParams toSeal(const KeyStoreParams &p)
{
    return {p.memoryKiB, p.iterations, p.parallelism};
}

KeyStoreParams fromSeal(const SealParams &p)
{
    return {p.memoryKiB, p.iterations, p.parallelism};
}

/// fsync of a folder, so that a rename in it survives a power cut.
void syncDirectory(const QString &dir)
{
    const QByteArray native = QFile::encodeName(dir);
    const int fd = ::open(native.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    ::fsync(fd);
    ::close(fd);
}

/// Writes @p bytes to @p path atomically (QSaveFile: temporary file, fsync, rename), owner
/// read/write only.
Result<void> writeAtomically(const QString &path, const QByteArray &bytes, const QString &what)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(
                ErrorCode::Refused,
                QStringLiteral("cannot write the %1 '%2': %3").arg(what, path, file.errorString()));
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    if (file.write(bytes) != bytes.size()) {
        const QString reason = file.errorString();
        file.cancelWriting();
        return fail(ErrorCode::Refused,
                    QStringLiteral("cannot write the %1 '%2': %3").arg(what, path, reason));
    }
    // commit() flushes, fsyncs and renames over the old file.
    if (!file.commit())
        return fail(
                ErrorCode::Refused,
                QStringLiteral("cannot write the %1 '%2': %3").arg(what, path, file.errorString()));
    syncDirectory(QFileInfo(path).absolutePath());
    return {};
}

Result<QByteArray> readFile(const QString &path, const QString &what)
{
    QFile file(path);
    if (!file.exists())
        return fail(ErrorCode::Refused,
                    QStringLiteral("the %1 '%2' does not exist").arg(what, path));
    if (!file.open(QIODevice::ReadOnly))
        return fail(
                ErrorCode::Refused,
                QStringLiteral("cannot read the %1 '%2': %3").arg(what, path, file.errorString()));
    // A bounded read: a huge file is not a key store, and must not exhaust memory.
    QByteArray bytes = file.read(kMaxFileSize + 1);
    if (file.error() != QFileDevice::NoError)
        return fail(
                ErrorCode::Refused,
                QStringLiteral("cannot read the %1 '%2': %3").arg(what, path, file.errorString()));
    return bytes;
}

int backupSequence(const QString &fileName)
{
    const auto match = kBackupName.match(fileName);
    return match.hasMatch() ? match.captured(1).toInt() : -1;
}

const char *stateName(NetworkKeyState state)
{
    switch (state) {
    case NetworkKeyState::Pending:
        return "pending";
    case NetworkKeyState::Active:
        return "active";
    case NetworkKeyState::Retired:
        return "retired";
    }
    return "unknown";
}

} // namespace

class KeyStorePrivate
{
public:
    QString path;
    SealKey key;
    KeyStoreContent content;
    bool dirty = false;
    int backupLimit = KeyStore::kDefaultBackupLimit;
    /// SHA-256 of the file as this object last read or wrote it: a save refuses to replace a
    /// file that another program changed in between (its change would be lost silently).
    QByteArray diskDigest;

    StoredNetworkKey *findKey(uint16_t epoch)
    {
        for (auto &k : content.networkKeys)
            if (k.epoch == epoch)
                return &k;
        return nullptr;
    }
    const StoredNetworkKey *findKey(uint16_t epoch) const
    {
        return const_cast<KeyStorePrivate *>(this)->findKey(epoch);
    }
    StoredNode *findNode(uint8_t id)
    {
        for (auto &n : content.nodes)
            if (n.nodeId == id)
                return &n;
        return nullptr;
    }
    const StoredNode *findNode(uint8_t id) const
    {
        return const_cast<KeyStorePrivate *>(this)->findNode(id);
    }
    /// The node's record, created in order if missing.
    StoredNode &nodeFor(uint8_t id)
    {
        auto at = std::lower_bound(content.nodes.begin(), content.nodes.end(), id,
                                   [](const StoredNode &n, uint8_t v) { return n.nodeId < v; });
        if (at == content.nodes.end() || at->nodeId != id) {
            StoredNode fresh;
            fresh.nodeId = id;
            at = content.nodes.insert(at, std::move(fresh));
        }
        return *at;
    }
    void dropIfEmpty(uint8_t id)
    {
        content.nodes.erase(
                std::remove_if(content.nodes.begin(), content.nodes.end(),
                               [id](const StoredNode &n) { return n.nodeId == id && n.isEmpty(); }),
                content.nodes.end());
    }

    Result<QByteArray> sealedImage(const SealKey &sealKey) const;
    Result<void> writeBackup(const QByteArray &current);
    void pruneBackups() const;
    QList<QPair<int, QString>> listBackups() const;
};

Result<QByteArray> KeyStorePrivate::sealedImage(const SealKey &sealKey) const
{
    auto plaintext = encodeKeyStoreContent(content);
    if (!plaintext)
        return tl::unexpected(plaintext.error());
    auto image = sealKey.seal(kMagic, *plaintext);
    if (!image)
        return tl::unexpected(image.error());
    // Read back what is about to be written: a bug in the writer must not reach the disk.
    auto check = openWithKey(sealKey, *image, kMagic);
    if (!check || !check->equals(*plaintext))
        return fail(ErrorCode::Crypto, QStringLiteral("the sealed key store did not read back"));
    return image;
}

QList<QPair<int, QString>> KeyStorePrivate::listBackups() const
{
    QList<QPair<int, QString>> out;
    const QDir dir(path + kBackupSuffix);
    if (!dir.exists())
        return out;
    for (const QString &name : dir.entryList(QDir::Files, QDir::Name)) {
        const int sequence = backupSequence(name);
        if (sequence >= 0)
            out.append({sequence, dir.absoluteFilePath(name)});
    }
    std::sort(out.begin(), out.end());
    return out;
}

void KeyStorePrivate::pruneBackups() const
{
    auto backups = listBackups();
    while (backupLimit >= 0 && backups.size() > backupLimit) {
        const QString oldest = backups.takeFirst().second;
        if (!QFile::remove(oldest))
            qCWarning(lcKeyStore, "cannot remove the old key store backup '%s'",
                      qPrintable(oldest));
    }
}

Result<void> KeyStorePrivate::writeBackup(const QByteArray &current)
{
    if (backupLimit <= 0)
        return {};
    // The file as it is on disk, still sealed with the passphrase it was written with: a
    // byte copy needs no key derivation, and it is exactly what a restore brings back.
    const QString dirPath = path + kBackupSuffix;
    QDir dir(dirPath);
    if (!dir.exists()) {
        if (!QDir().mkpath(dirPath))
            return fail(ErrorCode::Refused,
                        QStringLiteral("cannot create the backup folder '%1'").arg(dirPath));
        QFile::setPermissions(dirPath, QFileDevice::ReadOwner | QFileDevice::WriteOwner
                                               | QFileDevice::ExeOwner);
    }
    const auto existing = listBackups();
    const int sequence = existing.isEmpty() ? 1 : existing.last().first + 1;
    const QString name = QStringLiteral("%1-%2.wks")
                                 .arg(QDateTime::currentDateTimeUtc().toString(
                                         QStringLiteral("yyyyMMdd'T'HHmmss.zzz'Z'")))
                                 .arg(sequence % 1000000, 6, 10, QLatin1Char('0'));
    const QString backupPath = dir.absoluteFilePath(name);
    if (auto ok = writeAtomically(backupPath, current, QStringLiteral("key store backup")); !ok)
        return ok;
    qCInfo(lcKeyStore, "backed up the key store to '%s'", qPrintable(backupPath));
    pruneBackups();
    return {};
}

// --- KeyStore ------------------------------------------------------------------------------------

KeyStore::KeyStore()
    : d(std::make_unique<KeyStorePrivate>())
{ }
KeyStore::KeyStore(KeyStore &&other) noexcept = default;
KeyStore &KeyStore::operator=(KeyStore &&other) noexcept = default;
KeyStore::~KeyStore() = default;

SecretBytes KeyStore::passphraseFromText(QStringView text)
{
    QByteArray utf8 = text.toString().normalized(QString::NormalizationForm_C).toUtf8();
    SecretBytes out(reinterpret_cast<const uint8_t *>(utf8.constData()), size_t(utf8.size()));
    if (!utf8.isEmpty())
        explicit_bzero(utf8.data(), size_t(utf8.size()));
    return out;
}

Result<KeyStore> KeyStore::create(const QString &path, const SecretBytes &passphrase,
                                  const KeyStoreParams &params, Problem *problem)
{
    if (problem)
        *problem = Problem::None;
    if (path.isEmpty())
        return ioError(problem, QStringLiteral("no key store path given"));
    if (QFileInfo::exists(path))
        return ioError(problem, QStringLiteral("'%1' already exists; open it, or remove it "
                                               "first to start a new key store")
                                        .arg(path));
    if (passphrase.isEmpty()) {
        if (problem)
            *problem = Problem::WrongPassphrase;
        return fail(ErrorCode::InvalidArgument, QStringLiteral("the passphrase is empty"));
    }
    if (auto ok = checkSealParams(toSeal(params)); !ok) {
        if (problem)
            *problem = Problem::Unsupported;
        return tl::unexpected(ok.error());
    }
    auto key = SealKey::derive(passphrase, toSeal(params));
    if (!key)
        return failWith(problem, Problem::Crypto, key.error(), {});
    KeyStore store;
    store.d->path = QFileInfo(path).absoluteFilePath();
    store.d->key = std::move(*key);
    auto image = store.d->sealedImage(store.d->key);
    if (!image)
        return failWith(problem, Problem::Crypto, image.error(), {});
    if (auto ok = writeAtomically(store.d->path, *image, QStringLiteral("key store")); !ok)
        return ioError(problem, ok.error().message());
    store.d->diskDigest = QCryptographicHash::hash(*image, QCryptographicHash::Sha256);
    qCInfo(lcKeyStore, "created the key store '%s'", qPrintable(store.d->path));
    return store;
}

Result<KeyStore> KeyStore::open(const QString &path, const SecretBytes &passphrase,
                                Problem *problem)
{
    if (problem)
        *problem = Problem::None;
    auto bytes = readFile(path, QStringLiteral("key store"));
    if (!bytes)
        return ioError(problem, bytes.error().message());
    const QString context = QStringLiteral("key store '%1': ").arg(path);
    SealFailure failure = SealFailure::None;
    auto unsealed = openSealed(*bytes, kMagic, passphrase, &failure);
    if (!unsealed)
        return failWith(problem, problemFromSeal(failure), unsealed.error(), context);
    auto content = decodeKeyStoreContent(unsealed->plaintext.data(), unsealed->plaintext.size());
    if (!content)
        // Authentic but unparsable: a writer's bug or a newer content version.
        return failWith(problem,
                        content.error().code() == ErrorCode::Refused ? Problem::Unsupported
                                                                     : Problem::Damaged,
                        content.error(), context);
    KeyStore store;
    store.d->path = QFileInfo(path).absoluteFilePath();
    store.d->key = std::move(unsealed->key);
    store.d->content = std::move(*content);
    store.d->diskDigest = QCryptographicHash::hash(*bytes, QCryptographicHash::Sha256);
    return store;
}

QString KeyStore::path() const
{
    return d->path;
}

KeyStoreParams KeyStore::params() const
{
    return fromSeal(d->key.params());
}

bool KeyStore::hasUnsavedChanges() const
{
    return d->dirty;
}

Result<void> KeyStore::save()
{
    if (!d->dirty && QFileInfo::exists(d->path))
        return {};
    auto image = d->sealedImage(d->key);
    if (!image)
        return tl::unexpected(image.error());
    // Between processes: read-check-backup-write as one step. A lock left by a killed process
    // is stale (its PID is gone) and taken over.
    QLockFile lock(d->path + QStringLiteral(".lock"));
    // A save holds the lock for milliseconds; an older lock (also one whose owner was killed
    // before it could write its PID into it) is stale.
    lock.setStaleLockTime(5000);
    if (!lock.tryLock(10000))
        return fail(ErrorCode::Refused,
                    QStringLiteral("not saved: another program is saving the key store '%1' "
                                   "(lock file '%1.lock')")
                            .arg(d->path));
    if (QFileInfo::exists(d->path)) {
        auto current = readFile(d->path, QStringLiteral("key store"));
        if (!current)
            return fail(current.error().code(),
                        QStringLiteral("not saved: %1").arg(current.error().message()));
        if (QCryptographicHash::hash(*current, QCryptographicHash::Sha256) != d->diskDigest)
            return fail(ErrorCode::Refused,
                        QStringLiteral("not saved: the key store '%1' was changed by another "
                                       "program since it was opened here; open it again")
                                .arg(d->path));
        if (auto ok = d->writeBackup(*current); !ok)
            return fail(
                    ok.error().code(),
                    QStringLiteral("not saved, the backup failed: %1").arg(ok.error().message()));
    }
    if (auto ok = writeAtomically(d->path, *image, QStringLiteral("key store")); !ok)
        return ok;
    d->diskDigest = QCryptographicHash::hash(*image, QCryptographicHash::Sha256);
    d->dirty = false;
    qCInfo(lcKeyStore, "saved the key store '%s': %d network keys, %d nodes", qPrintable(d->path),
           int(d->content.networkKeys.size()), int(d->content.nodes.size()));
    return {};
}

Result<bool> KeyStore::reload()
{
    auto bytes = readFile(d->path, QStringLiteral("key store"));
    if (!bytes)
        return fail(bytes.error().code(),
                    QStringLiteral("not reloaded: %1").arg(bytes.error().message()));
    const QByteArray digest = QCryptographicHash::hash(*bytes, QCryptographicHash::Sha256);
    if (digest == d->diskDigest)
        return false;
    if (d->dirty)
        return fail(ErrorCode::Refused,
                    QStringLiteral("not reloaded: the key store '%1' was changed by another "
                                   "program and has unsaved changes here")
                            .arg(d->path));
    auto plaintext = openWithKey(d->key, *bytes, kMagic);
    if (!plaintext)
        return fail(ErrorCode::Refused,
                    QStringLiteral("not reloaded: the key store '%1' no longer opens with the key "
                                   "it was opened with (a new passphrase, or damage): %2; open "
                                   "it again")
                            .arg(d->path, plaintext.error().message()));
    auto content = decodeKeyStoreContent(plaintext->data(), plaintext->size());
    if (!content)
        return fail(content.error().code(), QStringLiteral("not reloaded: the key store '%1': %2")
                                                    .arg(d->path, content.error().message()));
    d->content = std::move(*content);
    d->diskDigest = digest;
    qCInfo(lcKeyStore,
           "reloaded the key store '%s' saved by another program: %d network keys, "
           "%d nodes",
           qPrintable(d->path), int(d->content.networkKeys.size()), int(d->content.nodes.size()));
    return true;
}

Result<void> KeyStore::changePassphrase(const SecretBytes &newPassphrase,
                                        const std::optional<KeyStoreParams> &params)
{
    if (newPassphrase.isEmpty())
        return fail(ErrorCode::InvalidArgument, QStringLiteral("the new passphrase is empty"));
    auto key = SealKey::derive(newPassphrase, toSeal(params.value_or(this->params())));
    if (!key)
        return tl::unexpected(key.error());
    SealKey old = std::move(d->key);
    const bool wasDirty = d->dirty;
    d->key = std::move(*key);
    d->dirty = true;
    if (auto ok = save(); !ok) {
        d->key = std::move(old);
        d->dirty = wasDirty;
        return ok;
    }
    qCInfo(lcKeyStore, "changed the passphrase of the key store '%s'", qPrintable(d->path));
    return {};
}

// --- network keys
// ----------------------------------------------------------------------------------

QList<NetworkKeyInfo> KeyStore::networkKeys() const
{
    QList<NetworkKeyInfo> out;
    for (const auto &k : d->content.networkKeys)
        out.append(*networkKeyInfo(k.epoch));
    return out;
}

std::optional<NetworkKeyInfo> KeyStore::networkKeyInfo(uint16_t epoch) const
{
    const StoredNetworkKey *k = d->findKey(epoch);
    if (!k)
        return std::nullopt;
    return NetworkKeyInfo {k->epoch, k->state,
                           QDateTime::fromMSecsSinceEpoch(k->createdMs, Qt::UTC),
                           k->key.fingerprint()};
}

Result<SecretBytes> KeyStore::networkKey(uint16_t epoch) const
{
    if (const StoredNetworkKey *k = d->findKey(epoch))
        return k->key;
    return fail(ErrorCode::Refused, QStringLiteral("no network key for epoch %1").arg(epoch));
}

Result<void> KeyStore::setNetworkKey(uint16_t epoch, const SecretBytes &key, NetworkKeyState state,
                                     const QDateTime &created)
{
    if (epoch == 0)
        return fail(ErrorCode::InvalidArgument, QStringLiteral("epoch 0 is not a key epoch"));
    if (key.size() != kKeySize)
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("a network key must have %1 bytes, not %2")
                            .arg(kKeySize)
                            .arg(key.size()));
    if (uint8_t(state) > uint8_t(NetworkKeyState::Retired))
        return fail(ErrorCode::InvalidArgument, QStringLiteral("unknown key state"));
    const QDateTime when = created.isValid() ? created : QDateTime::currentDateTimeUtc();
    if (when.toMSecsSinceEpoch() < 0)
        return fail(ErrorCode::InvalidArgument, QStringLiteral("creation time before 1970"));
    auto &keys = d->content.networkKeys;
    auto at = std::lower_bound(keys.begin(), keys.end(), epoch,
                               [](const StoredNetworkKey &k, uint16_t e) { return k.epoch < e; });
    if (at == keys.end() || at->epoch != epoch) {
        StoredNetworkKey fresh;
        fresh.epoch = epoch;
        at = keys.insert(at, std::move(fresh));
    }
    at->state = state;
    at->createdMs = when.toMSecsSinceEpoch();
    at->key = key;
    d->dirty = true;
    qCDebug(lcKeyStore, "network key of epoch %u set (%s, %s)", unsigned(epoch), stateName(state),
            qPrintable(key.fingerprint()));
    return {};
}

Result<void> KeyStore::setNetworkKeyState(uint16_t epoch, NetworkKeyState state)
{
    StoredNetworkKey *k = d->findKey(epoch);
    if (!k)
        return fail(ErrorCode::Refused, QStringLiteral("no network key for epoch %1").arg(epoch));
    if (uint8_t(state) > uint8_t(NetworkKeyState::Retired))
        return fail(ErrorCode::InvalidArgument, QStringLiteral("unknown key state"));
    if (k->state != state) {
        k->state = state;
        d->dirty = true;
    }
    return {};
}

Result<void> KeyStore::removeNetworkKey(uint16_t epoch)
{
    auto &keys = d->content.networkKeys;
    const auto before = keys.size();
    keys.erase(std::remove_if(keys.begin(), keys.end(),
                              [epoch](const StoredNetworkKey &k) { return k.epoch == epoch; }),
               keys.end());
    if (keys.size() == before)
        return fail(ErrorCode::Refused, QStringLiteral("no network key for epoch %1").arg(epoch));
    d->dirty = true;
    return {};
}

// --- nodes ---------------------------------------------------------------------------------------

namespace {

Result<void> checkNodeId(uint8_t nodeId)
{
    if (nodeId < kKeyStoreFirstNodeId || nodeId > kKeyStoreLastNodeId)
        return fail(ErrorCode::InvalidArgument, QStringLiteral("node id %1 is outside %2..%3")
                                                        .arg(nodeId)
                                                        .arg(kKeyStoreFirstNodeId)
                                                        .arg(kKeyStoreLastNodeId));
    return {};
}

Result<void> checkKey(const SecretBytes &key, const char *what)
{
    if (key.size() != KeyStore::kKeySize)
        return fail(ErrorCode::InvalidArgument, QStringLiteral("a %1 must have %2 bytes, not %3")
                                                        .arg(QLatin1StringView(what))
                                                        .arg(KeyStore::kKeySize)
                                                        .arg(key.size()));
    return {};
}

} // namespace

QList<NodeKeyInfo> KeyStore::nodes() const
{
    QList<NodeKeyInfo> out;
    for (const auto &n : d->content.nodes)
        out.append(*node(n.nodeId));
    return out;
}

std::optional<NodeKeyInfo> KeyStore::node(uint8_t nodeId) const
{
    const StoredNode *n = d->findNode(nodeId);
    if (!n)
        return std::nullopt;
    NodeKeyInfo info;
    info.nodeId = n->nodeId;
    info.serial = n->serial;
    if (!n->linkKey.isEmpty())
        info.linkKeyFingerprint = n->linkKey.fingerprint();
    if (!n->managementKey.isEmpty())
        info.managementKeyFingerprint = n->managementKey.fingerprint();
    return info;
}

Result<SecretBytes> KeyStore::linkKey(uint8_t nodeId) const
{
    const StoredNode *n = d->findNode(nodeId);
    if (!n || n->linkKey.isEmpty())
        return fail(ErrorCode::Refused, QStringLiteral("node %1 has no link key").arg(nodeId));
    return n->linkKey;
}

Result<SecretBytes> KeyStore::managementKey(uint8_t nodeId) const
{
    const StoredNode *n = d->findNode(nodeId);
    if (!n || n->managementKey.isEmpty())
        return fail(ErrorCode::Refused,
                    QStringLiteral("node %1 has no management key").arg(nodeId));
    return n->managementKey;
}

Result<void> KeyStore::setLinkKey(uint8_t nodeId, const SecretBytes &key)
{
    if (auto ok = checkNodeId(nodeId); !ok)
        return ok;
    if (auto ok = checkKey(key, "link key"); !ok)
        return ok;
    d->nodeFor(nodeId).linkKey = key;
    d->dirty = true;
    qCDebug(lcKeyStore, "link key of node %u set (%s)", unsigned(nodeId),
            qPrintable(key.fingerprint()));
    return {};
}

Result<void> KeyStore::removeLinkKey(uint8_t nodeId)
{
    StoredNode *n = d->findNode(nodeId);
    if (!n || n->linkKey.isEmpty())
        return fail(ErrorCode::Refused, QStringLiteral("node %1 has no link key").arg(nodeId));
    n->linkKey = SecretBytes();
    d->dropIfEmpty(nodeId);
    d->dirty = true;
    qCDebug(lcKeyStore, "link key of node %u removed", unsigned(nodeId));
    return {};
}

Result<void> KeyStore::setManagementKey(uint8_t nodeId, const SecretBytes &key)
{
    if (auto ok = checkNodeId(nodeId); !ok)
        return ok;
    if (auto ok = checkKey(key, "management key"); !ok)
        return ok;
    d->nodeFor(nodeId).managementKey = key;
    d->dirty = true;
    qCDebug(lcKeyStore, "management key of node %u set (%s)", unsigned(nodeId),
            qPrintable(key.fingerprint()));
    return {};
}

Result<void> KeyStore::removeManagementKey(uint8_t nodeId)
{
    StoredNode *n = d->findNode(nodeId);
    if (!n || n->managementKey.isEmpty())
        return fail(ErrorCode::Refused,
                    QStringLiteral("node %1 has no management key").arg(nodeId));
    n->managementKey = SecretBytes();
    d->dropIfEmpty(nodeId);
    d->dirty = true;
    return {};
}

Result<void> KeyStore::setSerial(uint8_t nodeId, const Serial &serial)
{
    if (auto ok = checkNodeId(nodeId); !ok)
        return ok;
    d->nodeFor(nodeId).serial = serial;
    d->dirty = true;
    return {};
}

Result<void> KeyStore::removeNode(uint8_t nodeId)
{
    auto &nodes = d->content.nodes;
    const auto before = nodes.size();
    nodes.erase(std::remove_if(nodes.begin(), nodes.end(),
                               [nodeId](const StoredNode &n) { return n.nodeId == nodeId; }),
                nodes.end());
    if (nodes.size() == before)
        return fail(ErrorCode::Refused,
                    QStringLiteral("node %1 is not in the key store").arg(nodeId));
    d->dirty = true;
    qCDebug(lcKeyStore, "node %u removed from the key store", unsigned(nodeId));
    return {};
}

std::optional<Serial> KeyStore::gatewaySerial() const
{
    return d->content.gatewaySerial;
}

void KeyStore::setGatewaySerial(const std::optional<Serial> &serial)
{
    if (d->content.gatewaySerial != serial) {
        d->content.gatewaySerial = serial;
        d->dirty = true;
    }
}

// --- backups -------------------------------------------------------------------------------------

QString KeyStore::backupDirectory() const
{
    return d->path + kBackupSuffix;
}

QStringList KeyStore::backups() const
{
    QStringList out;
    for (const auto &entry : d->listBackups())
        out.append(entry.second);
    return out;
}

void KeyStore::setBackupLimit(int limit)
{
    d->backupLimit = std::max(0, limit);
}

int KeyStore::backupLimit() const
{
    return d->backupLimit;
}

Result<void> KeyStore::exportBackup(const QString &path, const SecretBytes &backupPassphrase,
                                    const std::optional<KeyStoreParams> &params) const
{
    if (backupPassphrase.isEmpty())
        return fail(ErrorCode::InvalidArgument, QStringLiteral("the backup passphrase is empty"));
    const QString target = QFileInfo(path).absoluteFilePath();
    if (target == d->path
        || QFileInfo(target).canonicalFilePath() == QFileInfo(d->path).canonicalFilePath())
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("'%1' is the key store itself, not a backup").arg(path));
    auto key = SealKey::derive(backupPassphrase, toSeal(params.value_or(this->params())));
    if (!key)
        return tl::unexpected(key.error());
    auto image = d->sealedImage(*key);
    if (!image)
        return tl::unexpected(image.error());
    if (auto ok = writeAtomically(target, *image, QStringLiteral("key store export")); !ok)
        return ok;
    qCInfo(lcKeyStore, "exported the key store to '%s'", qPrintable(target));
    return {};
}

Result<void> KeyStore::importBackup(const QString &path, const SecretBytes &backupPassphrase,
                                    Problem *problem)
{
    // Validated completely before anything here changes.
    auto imported = KeyStore::open(path, backupPassphrase, problem);
    if (!imported)
        return tl::unexpected(imported.error());
    KeyStoreContent old = std::move(d->content);
    const bool wasDirty = d->dirty;
    d->content = std::move(imported->d->content);
    d->dirty = true;
    if (auto ok = save(); !ok) {
        d->content = std::move(old);
        d->dirty = wasDirty;
        if (problem)
            *problem = Problem::Io;
        return ok;
    }
    qCInfo(lcKeyStore, "imported the backup '%s' into the key store '%s'", qPrintable(path),
           qPrintable(d->path));
    return {};
}

const char *keyStoreProblemName(KeyStore::Problem problem)
{
    switch (problem) {
    case KeyStore::Problem::None:
        return "none";
    case KeyStore::Problem::Io:
        return "io";
    case KeyStore::Problem::NotAKeyStore:
        return "not-a-key-store";
    case KeyStore::Problem::Truncated:
        return "truncated";
    case KeyStore::Problem::Damaged:
        return "damaged";
    case KeyStore::Problem::Unsupported:
        return "unsupported";
    case KeyStore::Problem::WrongPassphrase:
        return "wrong-passphrase";
    case KeyStore::Problem::Tampered:
        return "tampered";
    case KeyStore::Problem::Crypto:
        return "crypto";
    }
    return "unknown";
}

} // namespace Warden
