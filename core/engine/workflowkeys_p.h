// The key store as the security workflows use it, in a translation unit of its own.
#pragma once

#include <warden/error.h>
#include <warden/secretbytes.h>
#include <warden/signer.h>

#include <QtCore/QList>
#include <QtCore/QString>

#include <optional>

namespace Warden {
class KeyStore;
}

namespace Warden::Internal {

struct WorkflowNodeKeys
{
    quint8 id = 0;
    std::optional<Serial> serial;
    QString linkKeyFingerprint;
    QString managementKeyFingerprint;
};

QList<WorkflowNodeKeys> workflowNodes(const KeyStore &store);
std::optional<WorkflowNodeKeys> workflowNode(const KeyStore &store, quint8 node);
std::optional<SecretBytes> workflowLinkKey(const KeyStore &store, quint8 node);
std::optional<SecretBytes> workflowManagementKey(const KeyStore &store, quint8 node);
/// Removes the node's link and management keys (the serial stays, as the record of what was
/// revoked) and saves, with the store's automatic backup.
Result<void> workflowForgetKeys(KeyStore &store, quint8 node);
/// Sets what is given (serial, link key, management key) and saves.
Result<void> workflowSetKeys(KeyStore &store, quint8 node, const std::optional<Serial> &serial,
                             const SecretBytes &linkKey, const SecretBytes &managementKey);
/// Sets link keys of several nodes and saves once.
Result<void> workflowSetLinkKeys(KeyStore &store, const QList<quint8> &nodes,
                                 const QList<SecretBytes> &keys);

} // namespace Warden::Internal
