// The rotation driver's access to the KeyStore (see rotationkeys_p.h for why it is apart).
#include "engine/rotationkeys_p.h"

#include <warden/keystore.h>

using namespace Qt::StringLiterals;

namespace Warden::Internal::RotationKeys {

Result<QString> ensurePendingKey(KeyStore *store, quint16 epoch)
{
    if (!store)
        return fail(ErrorCode::InvalidArgument, u"no key store"_s);
    if (const auto info = store->networkKeyInfo(epoch)) {
        if (info->state != NetworkKeyState::Pending)
            return fail(
                    ErrorCode::Refused,
                    u"epoch %1 already has a key that is %2, not pending"_s.arg(epoch).arg(
                            info->state == NetworkKeyState::Active ? u"active"_s : u"retired"_s));
        // The key of a rotation interrupted after it was saved: the same key again, so
        // nothing delivered under its fingerprint is stale.
        if (store->hasUnsavedChanges()) {
            if (Result<void> saved = store->save(); !saved)
                return tl::unexpected(saved.error());
        }
        return info->fingerprint;
    }
    Result<SecretBytes> key = SecretBytes::random(KeyStore::kKeySize);
    if (!key)
        return tl::unexpected(key.error());
    if (Result<void> set = store->setNetworkKey(epoch, *key, NetworkKeyState::Pending); !set)
        return tl::unexpected(set.error());
    if (Result<void> saved = store->save(); !saved) {
        // Not on disk: not used either.
        (void)store->removeNetworkKey(epoch);
        return fail(saved.error().code(),
                    u"the new key of epoch %1 could not be saved: %2"_s.arg(epoch).arg(
                            saved.error().message()));
    }
    return key->fingerprint();
}

Result<SecretBytes> networkKey(const KeyStore *store, quint16 epoch)
{
    if (!store)
        return fail(ErrorCode::InvalidArgument, u"no key store"_s);
    return store->networkKey(epoch);
}

Result<void> requireKey(const KeyStore *store, quint16 epoch, bool mustBeActive)
{
    if (!store)
        return fail(ErrorCode::InvalidArgument, u"no key store"_s);
    const auto info = store->networkKeyInfo(epoch);
    if (!info)
        return fail(ErrorCode::Refused, u"the key store holds no key of epoch %1"_s.arg(epoch));
    if (mustBeActive && info->state != NetworkKeyState::Active)
        return fail(ErrorCode::Refused, u"the key of epoch %1 is not the active one"_s.arg(epoch));
    return {};
}

Result<void> requireUnusedEpoch(const KeyStore *store, quint16 epoch)
{
    if (!store)
        return fail(ErrorCode::InvalidArgument, u"no key store"_s);
    const auto info = store->networkKeyInfo(epoch);
    if (info && info->state != NetworkKeyState::Pending)
        return fail(ErrorCode::Refused,
                    u"epoch %1 is already in use in the key store"_s.arg(epoch));
    return {};
}

Result<void> retire(KeyStore *store, quint16 oldEpoch, quint16 newEpoch)
{
    if (!store)
        return fail(ErrorCode::InvalidArgument, u"no key store"_s);
    const auto fresh = store->networkKeyInfo(newEpoch);
    if (!fresh)
        return fail(ErrorCode::Refused, u"the key store lost the key of epoch %1"_s.arg(newEpoch));
    if (fresh->state != NetworkKeyState::Active) {
        if (Result<void> ok = store->setNetworkKeyState(newEpoch, NetworkKeyState::Active); !ok)
            return ok;
    }
    const auto old = store->networkKeyInfo(oldEpoch);
    if (old && old->state != NetworkKeyState::Retired) {
        if (Result<void> ok = store->setNetworkKeyState(oldEpoch, NetworkKeyState::Retired); !ok)
            return ok;
    }
    if (store->hasUnsavedChanges())
        return store->save();
    return {};
}

std::optional<SecretBytes> managementKey(const KeyStore *store, quint8 node)
{
    if (!store)
        return std::nullopt;
    Result<SecretBytes> key = store->managementKey(node);
    if (!key || key->isEmpty())
        return std::nullopt;
    return std::move(*key);
}

std::optional<SecretBytes> linkKey(const KeyStore *store, quint8 node)
{
    if (!store)
        return std::nullopt;
    Result<SecretBytes> key = store->linkKey(node);
    if (!key || key->isEmpty())
        return std::nullopt;
    return std::move(*key);
}

std::optional<QByteArray> serial(const KeyStore *store, quint8 node)
{
    if (!store)
        return std::nullopt;
    const auto info = store->node(node);
    if (!info || !info->serial)
        return std::nullopt;
    const Serial &s = *info->serial;
    return QByteArray(reinterpret_cast<const char *>(s.data()), qsizetype(s.size()));
}

} // namespace Warden::Internal::RotationKeys
