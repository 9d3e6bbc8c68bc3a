// The key store: one file, sealed with a passphrase (Argon2id -> AES-256-GCM), holding the
// network keys per epoch and each node's serial, link key and management key. Written
// atomically; every save that replaces an existing file keeps a sealed backup of it first.
// File format and backup policy: core/security/keystore-format.md.
#pragma once

#include <warden/secretbytes.h>
#include <warden/signer.h>

#include <QtCore/QDateTime>
#include <QtCore/QList>
#include <QtCore/QString>

#include <cstdint>
#include <memory>
#include <optional>

namespace Warden {

/// Argon2id cost of deriving the store's key from its passphrase. The defaults are the
/// production setting (64 MiB, 3 passes, 1 lane); tests may lower them.
struct KeyStoreParams
{
    uint32_t memoryKiB = 64 * 1024;
    uint32_t iterations = 3;
    uint32_t parallelism = 1;
};

/// Where a network key is in its life (see the rotation state machine in the security model).
enum class NetworkKeyState : uint8_t {
    Pending = 0, ///< generated, being delivered; not accepted yet
    Active = 1, ///< accepted on the network
    Retired = 2, ///< no longer accepted; kept for the record
};

/// A network key's public facts: never the key itself.
struct NetworkKeyInfo
{
    uint16_t epoch = 0;
    NetworkKeyState state = NetworkKeyState::Pending;
    QDateTime created; ///< UTC, millisecond precision
    QString fingerprint; ///< SecretBytes::fingerprint() of the key
};

/// A node's public facts in the store.
struct NodeKeyInfo
{
    uint8_t nodeId = 0;
    std::optional<Serial> serial;
    QString linkKeyFingerprint; ///< empty when the node has no link key
    QString managementKeyFingerprint; ///< empty when the node has no management key
};

class KeyStorePrivate;

/// A key store file opened with its passphrase. Changes are made in memory and written by
/// save(); nothing reaches the disk before that. Not thread-safe (one object per thread);
/// a second process that saves the same file is detected, see save().
class WARDEN_CORE_EXPORT KeyStore
{
public:
    /// Why create(), open() or importBackup() failed, for callers that act on it (ask for the
    /// passphrase again, offer a backup, ...). The Error's message says the same in words.
    enum class Problem {
        None,
        Io, ///< the file cannot be read or written (missing, permissions, disk full)
        NotAKeyStore, ///< some other file
        Truncated, ///< shorter than its header says
        Damaged, ///< checksums do not match or the content does not parse: storage damage
        Unsupported, ///< a newer format, or parameters this build refuses
        WrongPassphrase,
        Tampered, ///< intact checksums but a failing authentication tag: deliberately modified
        Crypto, ///< the RNG or the crypto library failed
    };

    /// Keys are 32 bytes (network, link, management).
    static constexpr size_t kKeySize = 32;
    /// Backups kept by default (the oldest beyond this are deleted).
    static constexpr int kDefaultBackupLimit = 10;

    /// The bytes to use for a passphrase typed as text: UTF-8 of its NFC normalization, so
    /// the same passphrase typed on another system opens the store.
    static SecretBytes passphraseFromText(QStringView text);

    /// Creates an empty store at @p path and writes it. Refuses if the file exists.
    [[nodiscard]] static Result<KeyStore> create(const QString &path, const SecretBytes &passphrase,
                                                 const KeyStoreParams &params = {},
                                                 Problem *problem = nullptr);
    /// Opens and fully validates the store at @p path. Nothing is written.
    [[nodiscard]] static Result<KeyStore> open(const QString &path, const SecretBytes &passphrase,
                                               Problem *problem = nullptr);

    KeyStore(KeyStore &&other) noexcept;
    KeyStore &operator=(KeyStore &&other) noexcept;
    KeyStore(const KeyStore &) = delete;
    KeyStore &operator=(const KeyStore &) = delete;
    ~KeyStore();

    QString path() const;
    KeyStoreParams params() const;
    /// Changes are pending that save() has not written yet.
    bool hasUnsavedChanges() const;

    /// Writes the store atomically (temporary file, fsync, rename). If a store file exists,
    /// a backup of it is written first; a failed backup fails the save and changes nothing.
    /// Refuses (and writes nothing) when the file is not the one this object last read or
    /// wrote, i.e. another program saved it meanwhile; saves of several processes are
    /// serialized by a lock file "<store>.lock".
    [[nodiscard]] Result<void> save();
    /// Reads the file again when another program saved it since this object last read or
    /// wrote it (`wardenctl personalize` while a daemon holds the store open), opened with the
    /// key this object already holds (no passphrase needed). True: the content was replaced;
    /// false: the file is unchanged. Refused, changing nothing, when this object has unsaved
    /// changes (they would be lost) or the file does not open with that key (re-sealed with
    /// another passphrase, or damaged: open it again).
    [[nodiscard]] Result<bool> reload();
    /// Re-seals with a new passphrase (and fresh salt) and saves at once, with a backup of the
    /// old file (which still opens with the old passphrase) first.
    [[nodiscard]] Result<void> changePassphrase(const SecretBytes &newPassphrase,
                                                const std::optional<KeyStoreParams> &params
                                                = std::nullopt);

    // --- network keys, one per epoch (1..65535) ---
    QList<NetworkKeyInfo> networkKeys() const;
    std::optional<NetworkKeyInfo> networkKeyInfo(uint16_t epoch) const;
    /// The key of @p epoch; Refused when there is none.
    Result<SecretBytes> networkKey(uint16_t epoch) const;
    /// Adds or replaces the key of @p epoch; @p created defaults to now.
    Result<void> setNetworkKey(uint16_t epoch, const SecretBytes &key, NetworkKeyState state,
                               const QDateTime &created = {});
    Result<void> setNetworkKeyState(uint16_t epoch, NetworkKeyState state);
    Result<void> removeNetworkKey(uint16_t epoch);

    // --- nodes (ids 1..254) ---
    QList<NodeKeyInfo> nodes() const;
    std::optional<NodeKeyInfo> node(uint8_t nodeId) const;
    Result<SecretBytes> linkKey(uint8_t nodeId) const;
    Result<SecretBytes> managementKey(uint8_t nodeId) const;
    Result<void> setLinkKey(uint8_t nodeId, const SecretBytes &key);
    Result<void> removeLinkKey(uint8_t nodeId);
    Result<void> setManagementKey(uint8_t nodeId, const SecretBytes &key);
    Result<void> removeManagementKey(uint8_t nodeId);
    Result<void> setSerial(uint8_t nodeId, const Serial &serial);
    /// Forgets everything about the node.
    Result<void> removeNode(uint8_t nodeId);

    // --- the gateway ---
    std::optional<Serial> gatewaySerial() const;
    void setGatewaySerial(const std::optional<Serial> &serial);

    // --- backups ---
    /// Folder of the automatic backups: "<store file>.backups".
    QString backupDirectory() const;
    /// Automatic backups, oldest first (absolute paths).
    QStringList backups() const;
    /// How many automatic backups to keep; 0 turns them off (not recommended).
    void setBackupLimit(int limit);
    int backupLimit() const;
    /// Writes the store's current content (saved or not) to @p path, sealed with
    /// @p backupPassphrase and fresh salt. Refuses to overwrite the store itself.
    [[nodiscard]] Result<void>
    exportBackup(const QString &path, const SecretBytes &backupPassphrase,
                 const std::optional<KeyStoreParams> &params = std::nullopt) const;
    /// Replaces the content with the backup at @p path (opened with @p backupPassphrase) and
    /// saves, keeping this store's passphrase. The backup is validated completely first: if
    /// it does not open, neither memory nor disk change.
    [[nodiscard]] Result<void> importBackup(const QString &path,
                                            const SecretBytes &backupPassphrase,
                                            Problem *problem = nullptr);

private:
    KeyStore();
    std::unique_ptr<KeyStorePrivate> d;
};

/// A short name for a problem ("wrong-passphrase", ...), for logs and the JSON API.
WARDEN_CORE_EXPORT const char *keyStoreProblemName(KeyStore::Problem problem);

} // namespace Warden
