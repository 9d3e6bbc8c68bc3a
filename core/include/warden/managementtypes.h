// What core asks of one Warden node over the management channel
// (firmware/docs/management-channel.md), as plain values: the operation and its parameters
// without any key material (a key delivery names the key by fingerprint and takes the key
// from a lookup when it is sent), and the configuration core expects a node to hold, from
// which the drift check predicts the node's configuration digest.
#pragma once

#include <warden/error.h>
#include <warden/global.h>
#include <warden/protocol/management.h>
#include <warden/secretbytes.h>

#include <QtCore/QByteArray>
#include <QtCore/QJsonObject>
#include <QtCore/QList>
#include <QtCore/QString>

namespace Warden {

/// One whitelist entry: a node id and its 9-byte serial (not a secret, but never sent in
/// clear: request bodies are encrypted).
struct WARDEN_CORE_EXPORT WhitelistItem
{
    quint8 node = 0;
    QByteArray serial; ///< 9 bytes
};

/// One peer of a signing policy: what that node requires of the configured node.
struct WARDEN_CORE_EXPORT SigningPeerItem
{
    quint8 node = 0;
    bool requiresSignatures = false; ///< the configured node signs frames to this peer
    bool requiresWhitelisting = false; ///< ... and salts them with its serial
};

/// One operation of the management channel with its parameters. Never holds key material:
/// SetLinkKey and SetNetworkKey carry the fingerprint of the key to deliver, which the sender
/// looks up and checks when the request is built.
struct WARDEN_CORE_EXPORT ManagementAction
{
    Protocol::ManagementOperation operation = Protocol::ManagementOperation::ReadConfigDigest;
    QList<WhitelistItem> whitelist; ///< ReplaceWhitelist (0..16), AddWhitelistEntry (one)
    quint8 removedNode = 0; ///< RemoveWhitelistEntry
    quint8 policyFlags = 0; ///< SetSigningPolicy: Protocol::kPolicy* bits
    QList<SigningPeerItem> peers; ///< SetSigningPolicy (0..16)
    quint16 epoch = 0; ///< SetNetworkKey, ActivateEpoch
    quint8 resetScope = 0; ///< FactoryReset: Protocol::kManagementResetEraseManagementKey
    QString keyFingerprint; ///< SetLinkKey, SetNetworkKey: SecretBytes::fingerprint() of the key

    static ManagementAction replaceWhitelist(QList<WhitelistItem> entries);
    static ManagementAction addWhitelistEntry(quint8 node, const QByteArray &serial);
    static ManagementAction removeWhitelistEntry(quint8 node);
    static ManagementAction setSigningPolicy(quint8 flags, QList<SigningPeerItem> peers);
    /// The node's own link key; @p keyFingerprint names the key the lookup must return.
    static ManagementAction setLinkKey(const QString &keyFingerprint);
    /// The pending network key of @p epoch.
    static ManagementAction setNetworkKey(quint16 epoch, const QString &keyFingerprint);
    static ManagementAction activateEpoch(quint16 epoch);
    static ManagementAction readConfigDigest();
    static ManagementAction factoryReset(quint8 scope);

    /// The stable operation name ("replace-whitelist").
    QString operationName() const;
    /// Checks every field as the builder will (ranges, 9-byte serials, no duplicate ids,
    /// counts, epoch >= 1); the error names the field. Lists are sorted by node id first.
    Result<void> validate() const;
    /// Lists sorted by node id (the one canonical encoding on the air).
    ManagementAction normalized() const;

    /// For the job table: no key bytes, serials as hex.
    QJsonObject toJson() const;
    /// Strict: an unknown operation, a missing or out-of-range field is an error naming it.
    static Result<ManagementAction> fromJson(const QJsonObject &json);
};

/// Everything the configuration digest covers (management channel section 8): the Warden
/// state core expects a node to hold. Holds keys: keep it short-lived.
struct WARDEN_CORE_EXPORT NodeConfiguration
{
    QByteArray serial; ///< 9 bytes; empty: the node has none
    QList<WhitelistItem> whitelist;
    quint8 policyFlags = 0; ///< Protocol::kPolicy* bits
    QList<SigningPeerItem> peers;
    SecretBytes linkKey; ///< empty: none
    quint16 activeEpoch = 0;
    SecretBytes activeNetworkKey; ///< empty: none
    quint16 pendingEpoch = 0;
    SecretBytes pendingNetworkKey; ///< empty: none
};

} // namespace Warden
