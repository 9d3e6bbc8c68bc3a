// The key store side of tst_revocation (see revocationstore.h).
#include "revocationstore.h"

#include <warden/keystore.h>

#include <simnetwork.h>

using namespace Warden;

namespace WardenTest {

namespace {

SecretBytes secret(const QByteArray &b)
{
    return SecretBytes(reinterpret_cast<const uint8_t *>(b.constData()), size_t(b.size()));
}

SecretBytes passphrase()
{
    return KeyStore::passphraseFromText(u"revocation test");
}

Serial serialArray(const QByteArray &b)
{
    Serial s {};
    std::memcpy(s.data(), b.constData(), s.size());
    return s;
}

} // namespace

std::shared_ptr<KeyStore> createRevocationStore(const QString &path, const QByteArray &networkKey,
                                                const QList<quint8> &nodes,
                                                const QMap<quint8, QByteArray> &linkKeys)
{
    KeyStoreParams cheap;
    cheap.memoryKiB = 64;
    cheap.iterations = 1;
    Result<KeyStore> created = KeyStore::create(path, passphrase(), cheap);
    if (!created)
        qFatal("key store: %s", qPrintable(created.error().message()));
    auto store = std::make_shared<KeyStore>(std::move(*created));
    bool ok = bool(store->setNetworkKey(1, secret(networkKey), NetworkKeyState::Active));
    store->setGatewaySerial(serialArray(gatewaySerial()));
    for (const quint8 id : nodes) {
        ok = ok && store->setSerial(id, serialArray(serialOf(id)))
             && store->setManagementKey(id, secret(managementKeyOf(id)));
        if (linkKeys.contains(id))
            ok = ok && store->setLinkKey(id, secret(linkKeys.value(id)));
    }
    if (!ok || !store->save())
        qFatal("key store not filled");
    return store;
}

std::shared_ptr<KeyStore> openRevocationStore(const QString &path)
{
    Result<KeyStore> opened = KeyStore::open(path, passphrase());
    if (!opened)
        return nullptr;
    return std::make_shared<KeyStore>(std::move(*opened));
}

int revocationStoreBackups(const KeyStore &store)
{
    return int(store.backups().size());
}

} // namespace WardenTest
