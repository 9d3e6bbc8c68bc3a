// What the tests of wardend with a key store share (tst_wardendsecurity, tst_wardendkill): a
// store with a recognisable passphrase and key, configurations, a site folder, the API client
// subscribed to the security events, and the check that nothing secret was printed.
#pragma once

#include "wardendprocess.h"

#include <warden/keystore.h>

#include <QtCore/QTemporaryDir>

namespace WardenTest {

using namespace Qt::StringLiterals;

// Recognisable: the test looks for them in everything wardend prints.
inline const QString kPassphrase = u"correct horse battery staple 7f3a"_s;
inline const QByteArray kStoreKeyHex
        = "a11ce0de00112233445566778899aabbccddeeff0123456789abcdefa11ce0de";

/// A store at @p path with the network key of epoch 1 active.
inline bool makeStore(const QString &path)
{
    Warden::KeyStoreParams cheap;
    cheap.memoryKiB = 64;
    cheap.iterations = 1;
    auto store = Warden::KeyStore::create(path, Warden::KeyStore::passphraseFromText(kPassphrase),
                                          cheap);
    if (!store)
        return false;
    const auto key = Warden::SecretBytes::fromHex(QString::fromLatin1(kStoreKeyHex), 32);
    return key && store->setNetworkKey(1, *key, Warden::NetworkKeyState::Active) && store->save();
}

/// "pending", "active", "retired" or "none", as the store on disk says now.
inline QString epochState(const QString &path, quint16 epoch)
{
    auto store = Warden::KeyStore::open(path, Warden::KeyStore::passphraseFromText(kPassphrase));
    if (!store)
        return u"unopened"_s;
    const auto info = store->networkKeyInfo(epoch);
    if (!info)
        return u"none"_s;
    switch (info->state) {
    case Warden::NetworkKeyState::Pending:
        return u"pending"_s;
    case Warden::NetworkKeyState::Active:
        return u"active"_s;
    case Warden::NetworkKeyState::Retired:
        return u"retired"_s;
    }
    return u"none"_s;
}

inline QByteArray securityConfig(const QString &extraKeys = u"passphrase_file = passphrase\n"_s)
{
    return u"[controller]\nenabled = false\n[api]\nlisten = 127.0.0.1:0\n"
           "[inventory]\ndatabase = inventory.sqlite\n[keys]\nstore = keys.wks\n%1"_s.arg(extraKeys)
                   .toUtf8();
}

/// Nothing secret in @p log: not the passphrase, not the key, no run of 64 hex digits.
inline bool clean(const QByteArray &log)
{
    const QString text = QString::fromUtf8(log);
    return !text.contains(kPassphrase) && !text.contains(QString::fromLatin1(kStoreKeyHex))
           && !QRegularExpression(u"[0-9a-fA-F]{64}"_s).match(text).hasMatch();
}

/// The folder of one wardend with a key store: config, passphrase file, store.
struct Site
{
    Site()
    {
        config = dir.filePath(u"wardend.conf"_s);
        store = dir.filePath(u"keys.wks"_s);
        ok = dir.isValid() && writeFile(config, securityConfig())
             && writeFile(dir.filePath(u"passphrase"_s), kPassphrase.toUtf8() + '\n')
             && makeStore(store);
    }
    QTemporaryDir dir;
    QString config;
    QString store;
    bool ok = false;
};

/// Starts wardend at @p site and connects an API client that gets the security events.
inline bool startWithApi(Wardend &wardend, Api &api, const QString &config)
{
    if (!wardend.start(config, qEnvironmentVariableIsSet("WARDEN_TEST_VERBOSE")
                                       ? QStringList {u"--verbose"_s}
                                       : QStringList {}))
        return false;
    const quint16 port = wardend.port(u"JSON API"_s);
    if (port == 0 || !api.open(port))
        return false;
    return api.call(u"security.subscribe"_s).toObject().value(u"security").toBool();
}

inline QString stepOf(const QJsonValue &status)
{
    return status.toObject().value(u"status").toObject().value(u"step").toString();
}

/// Marks every node still awaiting its USB step done; the nodes marked.
inline QList<int> markUsbSteps(Api &api)
{
    QList<int> marked;
    const QJsonArray nodes = api.call(u"rotation.status"_s)
                                     .toObject()
                                     .value(u"status")
                                     .toObject()
                                     .value(u"nodes")
                                     .toArray();
    for (const QJsonValue &v : nodes) {
        const QJsonObject n = v.toObject();
        if (n.value(u"state").toString() == u"awaiting-usb") {
            api.call(u"rotation.usbDone"_s, {{u"node"_s, n.value(u"node")}});
            if (api.lastErrorCode().isEmpty())
                marked << n.value(u"node").toInt();
        }
    }
    return marked;
}

} // namespace WardenTest
