// The key store side of the rotation tests, apart from the tests themselves: create, open and
// read a real sealed key store.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QString>

#include <memory>

namespace Warden {
class KeyStore;
}

namespace WardenTest {

/// A new store at @p path: the network key of epoch 1 (active), the gateway's serial, and
/// per node its serial and, for @p wardenNodes, its management key (filled from simnetwork.h).
std::shared_ptr<Warden::KeyStore> createRotationStore(const QString &path,
                                                      const QByteArray &networkKey,
                                                      const QList<quint8> &wardenNodes,
                                                      const QList<quint8> &stockNodes);
/// Opens the store at @p path (the same passphrase); aborts the test program if it fails.
std::shared_ptr<Warden::KeyStore> openRotationStore(const QString &path);
/// The raw network key of @p epoch (empty if none), for comparing with a node's EEPROM.
QByteArray storedNetworkKey(const Warden::KeyStore &store, quint16 epoch);
/// "pending", "active", "retired" or "none".
QString storedNetworkKeyState(const Warden::KeyStore &store, quint16 epoch);

} // namespace WardenTest
