// The key store side of the rotation tests (see rotationstore.h).
#include "rotationstore.h"

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
    return KeyStore::passphraseFromText(u"rotation test");
}

Serial serialArray(const QByteArray &b)
{
    Serial s {};
    std::memcpy(s.data(), b.constData(), s.size());
    return s;
}

} // namespace

std::shared_ptr<KeyStore> createRotationStore(const QString &path, const QByteArray &networkKey,
                                              const QList<quint8> &wardenNodes,
                                              const QList<quint8> &stockNodes)
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
    for (const quint8 id : wardenNodes) {
        ok = ok && store->setSerial(id, serialArray(serialOf(id)))
             && store->setManagementKey(id, secret(managementKeyOf(id)));
    }
    for (const quint8 id : stockNodes)
        ok = ok && store->setSerial(id, serialArray(serialOf(id)));
    if (!ok || !store->save())
        qFatal("key store not filled");
    return store;
}

std::shared_ptr<KeyStore> openRotationStore(const QString &path)
{
    Result<KeyStore> opened = KeyStore::open(path, passphrase());
    if (!opened)
        qFatal("key store: %s", qPrintable(opened.error().message()));
    return std::make_shared<KeyStore>(std::move(*opened));
}

QByteArray storedNetworkKey(const KeyStore &store, quint16 epoch)
{
    const Result<SecretBytes> key = store.networkKey(epoch);
    if (!key)
        return {};
    return QByteArray(reinterpret_cast<const char *>(key->data()), qsizetype(key->size()));
}

QString storedNetworkKeyState(const KeyStore &store, quint16 epoch)
{
    const auto info = store.networkKeyInfo(epoch);
    if (!info)
        return QStringLiteral("none");
    switch (info->state) {
    case NetworkKeyState::Pending:
        return QStringLiteral("pending");
    case NetworkKeyState::Active:
        return QStringLiteral("active");
    case NetworkKeyState::Retired:
        return QStringLiteral("retired");
    }
    return QStringLiteral("unknown");
}

} // namespace WardenTest
