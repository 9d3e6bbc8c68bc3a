#include "workflowkeys_p.h"

#include <warden/keystore.h>

using namespace Qt::StringLiterals;

namespace Warden::Internal {

namespace {

WorkflowNodeKeys fromInfo(const NodeKeyInfo &info)
{
    return {info.nodeId, info.serial, info.linkKeyFingerprint, info.managementKeyFingerprint};
}

} // namespace

QList<WorkflowNodeKeys> workflowNodes(const KeyStore &store)
{
    QList<WorkflowNodeKeys> out;
    for (const NodeKeyInfo &info : store.nodes())
        out << fromInfo(info);
    return out;
}

std::optional<WorkflowNodeKeys> workflowNode(const KeyStore &store, quint8 node)
{
    const auto info = store.node(node);
    if (!info)
        return std::nullopt;
    return fromInfo(*info);
}

std::optional<SecretBytes> workflowLinkKey(const KeyStore &store, quint8 node)
{
    auto key = store.linkKey(node);
    if (!key)
        return std::nullopt;
    return std::move(*key);
}

std::optional<SecretBytes> workflowManagementKey(const KeyStore &store, quint8 node)
{
    auto key = store.managementKey(node);
    if (!key)
        return std::nullopt;
    return std::move(*key);
}

Result<void> workflowForgetKeys(KeyStore &store, quint8 node)
{
    const auto info = store.node(node);
    if (!info)
        return {};
    if (!info->linkKeyFingerprint.isEmpty())
        if (Result<void> ok = store.removeLinkKey(node); !ok)
            return ok;
    if (!info->managementKeyFingerprint.isEmpty())
        if (Result<void> ok = store.removeManagementKey(node); !ok)
            return ok;
    if (!store.hasUnsavedChanges())
        return {};
    return store.save();
}

Result<void> workflowSetKeys(KeyStore &store, quint8 node, const std::optional<Serial> &serial,
                             const SecretBytes &linkKey, const SecretBytes &managementKey)
{
    if (serial)
        if (Result<void> ok = store.setSerial(node, *serial); !ok)
            return ok;
    if (!linkKey.isEmpty())
        if (Result<void> ok = store.setLinkKey(node, linkKey); !ok)
            return ok;
    if (!managementKey.isEmpty())
        if (Result<void> ok = store.setManagementKey(node, managementKey); !ok)
            return ok;
    return store.save();
}

Result<void> workflowSetLinkKeys(KeyStore &store, const QList<quint8> &nodes,
                                 const QList<SecretBytes> &keys)
{
    if (nodes.size() != keys.size())
        return fail(ErrorCode::InvalidArgument,
                    u"%1 nodes but %2 link keys"_s.arg(nodes.size()).arg(keys.size()));
    for (qsizetype i = 0; i < nodes.size(); ++i)
        if (Result<void> ok = store.setLinkKey(nodes[i], keys[i]); !ok)
            return ok;
    return store.save();
}

} // namespace Warden::Internal
