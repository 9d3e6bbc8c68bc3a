// A MySensors node built on core/protocol alone, for tests that put an engine on the other
// side of a LoopbackLink: it asks for nonces, signs with its own key (and salts with its own
// serial when asked), and reads the engine's frames back.
#pragma once

#include "loopbacklink.h"

#include <warden/protocol/message.h>
#include <warden/protocol/signing.h>
#include <warden/secretbytes.h>

#include <QtCore/QByteArray>

namespace Warden::Test {

/// 32 key bytes seed, seed+1, ...: distinct keys for distinct seeds.
inline SecretBytes keyOf(uint8_t seed)
{
    uint8_t k[32];
    for (int i = 0; i < 32; ++i)
        k[i] = uint8_t(seed + i);
    return SecretBytes(k, sizeof k);
}

inline QByteArray bytesOf(const Protocol::Message &m)
{
    return QByteArray(reinterpret_cast<const char *>(m.data()), qsizetype(m.size()));
}

/// Decodes a frame the engine wrote; a frame that does not decode ends the test program.
inline Protocol::Message decoded(const QByteArray &bytes)
{
    Protocol::Message m;
    if (Protocol::Message::decode(reinterpret_cast<const uint8_t *>(bytes.constData()),
                                  size_t(bytes.size()), m)
        != Protocol::DecodeError::None)
        qFatal("the engine wrote an undecodable frame");
    return m;
}

struct TestNode
{
    TestNode(uint8_t nodeId, const SecretBytes &key)
        : id(nodeId)
        , signer(backend)
    {
        signer.setKey(key.data());
        for (int i = 0; i < 9; ++i)
            serial[i] = uint8_t(0x10 * nodeId + i);
    }

    Protocol::Message temperature(float value) const
    {
        Protocol::Message m;
        m.setHeader(id, 0, Protocol::Command::Set, uint8_t(Protocol::Value::Temp), 1);
        m.setFloat32(value, 2);
        return m;
    }

    /// Asks the engine for a nonce; false when it does not answer (a locked node).
    bool fetchNonce(LoopbackLink &link, uint8_t nonce[Protocol::kNonceSize]) const
    {
        Protocol::Message request;
        request.setHeader(id, 0, Protocol::Command::Internal,
                          uint8_t(Protocol::Internal::NonceRequest), 1);
        request.setString("", 0);
        link.takeWritten();
        link.inject(bytesOf(request));
        for (const QByteArray &frame : link.takeWritten()) {
            const Protocol::Message r = decoded(frame);
            if (r.command() == Protocol::Command::Internal
                && r.type() == uint8_t(Protocol::Internal::NonceResponse)
                && r.destination() == id) {
                Protocol::nonceFromPayload(r.payload(), nonce);
                return true;
            }
        }
        return false;
    }

    /// @p m signed with a fresh nonce from the engine (salted with this node's serial when
    /// @p salt); a missing nonce ends the test program.
    Protocol::Message signedFrame(LoopbackLink &link, Protocol::Message m, bool salt = false)
    {
        uint8_t nonce[Protocol::kNonceSize];
        if (!fetchNonce(link, nonce))
            qFatal("no nonce from the engine (node locked?)");
        if (signer.sign(m, nonce, salt ? serial : nullptr) != Protocol::SignResult::Ok)
            qFatal("signing failed");
        return m;
    }

    uint8_t id;
    Protocol::PortableSha256 backend;
    Protocol::LegacySigner signer;
    uint8_t serial[9];
};

} // namespace Warden::Test
