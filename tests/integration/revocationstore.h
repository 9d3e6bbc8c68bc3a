// The key store side of tst_revocation, apart from the test itself: create and open a real
// sealed key store.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QMap>
#include <QtCore/QString>

#include <memory>

namespace Warden {
class KeyStore;
}

namespace WardenTest {

/// A new store at @p path (cheap Argon2id): the network key of epoch 1 (active), the
/// gateway's serial, per node its serial and management key (simnetwork.h's), and the link
/// keys of @p linkKeys.
std::shared_ptr<Warden::KeyStore> createRevocationStore(const QString &path,
                                                        const QByteArray &networkKey,
                                                        const QList<quint8> &nodes,
                                                        const QMap<quint8, QByteArray> &linkKeys);
/// Opens the store at @p path again (what another process would read); null if it fails.
std::shared_ptr<Warden::KeyStore> openRevocationStore(const QString &path);
/// The automatic backups the store has written so far.
int revocationStoreBackups(const Warden::KeyStore &store);

} // namespace WardenTest
