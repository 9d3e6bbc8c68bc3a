// The rotation driver's access to the KeyStore, in a translation unit of its own. These
// functions take the store by pointer and speak plain values.
#pragma once

#include <warden/error.h>
#include <warden/secretbytes.h>

#include <QtCore/QByteArray>
#include <QtCore/QString>

#include <optional>

namespace Warden {
class KeyStore;
}

namespace Warden::Internal::RotationKeys {

/// The pending key of @p epoch: the one already stored as pending (a rotation resumed after a
/// crash between saving the store and recording the step), or a new one from the system RNG,
/// stored as pending and saved before this returns. Returns its fingerprint. Refuses an epoch
/// whose key is active or retired.
Result<QString> ensurePendingKey(KeyStore *store, quint16 epoch);
/// The network key of @p epoch, whatever its state.
Result<SecretBytes> networkKey(const KeyStore *store, quint16 epoch);
/// The store holds a key of @p epoch, and (with @p mustBeActive) it is the active one.
Result<void> requireKey(const KeyStore *store, quint16 epoch, bool mustBeActive);
/// @p epoch has no key yet, or a pending one (an earlier rotation that was given up).
Result<void> requireUnusedEpoch(const KeyStore *store, quint16 epoch);
/// Marks @p newEpoch active and @p oldEpoch retired (if it is still in the store) and saves.
/// Repeating it changes nothing.
Result<void> retire(KeyStore *store, quint16 oldEpoch, quint16 newEpoch);
std::optional<SecretBytes> managementKey(const KeyStore *store, quint8 node);
std::optional<SecretBytes> linkKey(const KeyStore *store, quint8 node);
std::optional<QByteArray> serial(const KeyStore *store, quint8 node);

} // namespace Warden::Internal::RotationKeys
