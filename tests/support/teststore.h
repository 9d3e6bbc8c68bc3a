// A real sealed key store for the integration tests (revocation, rotation): created with cheap
// Argon2id parameters and filled from simnetwork.h's keys and serials.
#pragma once

#include <warden/keystore.h>

#include <simnetwork.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QMap>
#include <QtCore/QString>

#include <cstring>
#include <memory>

namespace WardenTest {

inline Warden::SecretBytes storeSecret(const QByteArray &b)
{
    return Warden::SecretBytes(reinterpret_cast<const uint8_t *>(b.constData()), size_t(b.size()));
}

inline Warden::Serial storeSerial(const QByteArray &b)
{
    Warden::Serial s {};
    std::memcpy(s.data(), b.constData(), s.size());
    return s;
}

inline Warden::SecretBytes testStorePassphrase()
{
    return Warden::KeyStore::passphraseFromText(u"integration test");
}

/// A new store at @p path: the network key of epoch 1 (active), the gateway's serial; per node
/// of @p wardenNodes its serial and management key, per node of @p stockNodes its serial, and
/// the link keys of @p linkKeys. Aborts the test program if that fails.
inline std::shared_ptr<Warden::KeyStore>
createTestStore(const QString &path, const QByteArray &networkKey, const QList<quint8> &wardenNodes,
                const QList<quint8> &stockNodes = {}, const QMap<quint8, QByteArray> &linkKeys = {})
{
    Warden::KeyStoreParams cheap;
    cheap.memoryKiB = 64;
    cheap.iterations = 1;
    Warden::Result<Warden::KeyStore> created
            = Warden::KeyStore::create(path, testStorePassphrase(), cheap);
    if (!created)
        qFatal("key store: %s", qPrintable(created.error().message()));
    auto store = std::make_shared<Warden::KeyStore>(std::move(*created));
    bool ok = bool(
            store->setNetworkKey(1, storeSecret(networkKey), Warden::NetworkKeyState::Active));
    store->setGatewaySerial(storeSerial(gatewaySerial()));
    for (const quint8 id : wardenNodes) {
        ok = ok && store->setSerial(id, storeSerial(serialOf(id)))
             && store->setManagementKey(id, storeSecret(managementKeyOf(id)));
    }
    for (const quint8 id : stockNodes)
        ok = ok && store->setSerial(id, storeSerial(serialOf(id)));
    for (auto it = linkKeys.cbegin(); it != linkKeys.cend(); ++it)
        ok = ok && store->setLinkKey(it.key(), storeSecret(it.value()));
    if (!ok || !store->save())
        qFatal("key store not filled");
    return store;
}

/// Opens the store at @p path again (what another process would read); null if that fails.
inline std::shared_ptr<Warden::KeyStore> openTestStore(const QString &path)
{
    Warden::Result<Warden::KeyStore> opened = Warden::KeyStore::open(path, testStorePassphrase());
    if (!opened)
        return nullptr;
    return std::make_shared<Warden::KeyStore>(std::move(*opened));
}

/// The raw network key of @p epoch (empty if none), for comparing with a node's EEPROM.
inline QByteArray storedNetworkKey(const Warden::KeyStore &store, quint16 epoch)
{
    const Warden::Result<Warden::SecretBytes> key = store.networkKey(epoch);
    if (!key)
        return {};
    return QByteArray(reinterpret_cast<const char *>(key->data()), qsizetype(key->size()));
}

/// "pending", "active", "retired" or "none".
inline QString storedNetworkKeyState(const Warden::KeyStore &store, quint16 epoch)
{
    const auto info = store.networkKeyInfo(epoch);
    if (!info)
        return QStringLiteral("none");
    switch (info->state) {
    case Warden::NetworkKeyState::Pending:
        return QStringLiteral("pending");
    case Warden::NetworkKeyState::Active:
        return QStringLiteral("active");
    case Warden::NetworkKeyState::Retired:
        return QStringLiteral("retired");
    }
    return QStringLiteral("none");
}

} // namespace WardenTest
