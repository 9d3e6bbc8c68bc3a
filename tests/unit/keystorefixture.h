// Shared by tst_keystore and its helper keystoresaver: a key store content that is a pure
// function of one "generation" number, so that a store read after a crash can be checked to be
// exactly one whole generation and not a mix of two.
#pragma once

#include <warden/keystore.h>

#include <QtCore/QDateTime>

#include <array>
#include <cstdint>

namespace KeyStoreFixture {

/// Cheap Argon2id settings for tests (the production default costs 64 MiB and ~0.2-1 s).
inline Warden::KeyStoreParams testParams()
{
    return {64, 1, 1};
}

inline Warden::SecretBytes passphrase()
{
    return Warden::KeyStore::passphraseFromText(u"correct horse battery staple");
}

inline Warden::SecretBytes pattern(uint32_t generation, uint32_t salt)
{
    std::array<uint8_t, Warden::KeyStore::kKeySize> bytes {};
    for (size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = uint8_t(generation * 31u + salt * 131u + i * 7u + (generation >> 8));
    return Warden::SecretBytes(bytes.data(), bytes.size());
}

inline Warden::Serial serialFor(uint32_t generation, uint32_t salt)
{
    Warden::Serial s {};
    s[0] = uint8_t(generation >> 24);
    s[1] = uint8_t(generation >> 16);
    s[2] = uint8_t(generation >> 8);
    s[3] = uint8_t(generation);
    for (size_t i = 4; i < s.size(); ++i)
        s[i] = uint8_t(salt * 17u + i);
    return s;
}

/// The number of nodes varies with the generation, so the file size changes between saves.
inline uint8_t nodeCount(uint32_t generation)
{
    return uint8_t(1 + generation % 7);
}

/// Replaces everything in @p store with generation @p g (in memory; the caller saves).
inline bool fill(Warden::KeyStore &store, uint32_t g)
{
    for (const auto &node : store.nodes())
        if (!store.removeNode(node.nodeId))
            return false;
    for (const auto &key : store.networkKeys())
        if (!store.removeNetworkKey(key.epoch))
            return false;
    store.setGatewaySerial(serialFor(g, 0));
    const QDateTime created = QDateTime::fromMSecsSinceEpoch(1700000000000LL + g, Qt::UTC);
    bool ok = bool(store.setNetworkKey(1, pattern(g, 1), Warden::NetworkKeyState::Retired, created))
              && bool(store.setNetworkKey(2, pattern(g, 2), Warden::NetworkKeyState::Active,
                                          created))
              && bool(store.setNetworkKey(3, pattern(g, 3), Warden::NetworkKeyState::Pending,
                                          created));
    for (uint8_t id = 1; ok && id <= nodeCount(g); ++id) {
        ok = store.setSerial(id, serialFor(g, id)) && store.setLinkKey(id, pattern(g, 100u + id))
             && store.setManagementKey(id, pattern(g, 200u + id));
    }
    return ok;
}

/// The generation @p store holds, or -1 if it is not exactly one whole generation.
inline int64_t generationOf(const Warden::KeyStore &store)
{
    const auto gateway = store.gatewaySerial();
    if (!gateway)
        return -1;
    const uint32_t g = (uint32_t((*gateway)[0]) << 24) | (uint32_t((*gateway)[1]) << 16)
                       | (uint32_t((*gateway)[2]) << 8) | (*gateway)[3];
    if (*gateway != serialFor(g, 0) || store.networkKeys().size() != 3
        || store.nodes().size() != nodeCount(g))
        return -1;
    const QDateTime created = QDateTime::fromMSecsSinceEpoch(1700000000000LL + g, Qt::UTC);
    const Warden::NetworkKeyState states[]
            = {Warden::NetworkKeyState::Retired, Warden::NetworkKeyState::Active,
               Warden::NetworkKeyState::Pending};
    for (uint16_t epoch = 1; epoch <= 3; ++epoch) {
        const auto key = store.networkKey(epoch);
        const auto info = store.networkKeyInfo(epoch);
        if (!key || !info || !key->equals(pattern(g, epoch)) || info->state != states[epoch - 1]
            || info->created != created)
            return -1;
    }
    for (uint8_t id = 1; id <= nodeCount(g); ++id) {
        const auto node = store.node(id);
        const auto link = store.linkKey(id);
        const auto management = store.managementKey(id);
        if (!node || node->serial != serialFor(g, id) || !link
            || !link->equals(pattern(g, 100u + id)) || !management
            || !management->equals(pattern(g, 200u + id)))
            return -1;
    }
    return g;
}

} // namespace KeyStoreFixture
