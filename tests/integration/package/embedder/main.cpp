// Uses the installed public API: decode a frame, sign and verify it, run an engine.
#include <warden/engine.h>
#include <warden/frame.h>
#include <warden/signer.h>

#include <QtCore/QCoreApplication>

#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    // Node 5 -> gateway, C_SET V_TEMP child 1, P_FLOAT32 21.5, through the wire bytes.
    Warden::Protocol::Message built;
    built.setHeader(5, 0, Warden::Protocol::Command::Set, uint8_t(Warden::Protocol::Value::Temp),
                    1);
    built.setFloat32(21.5f, 2);
    const auto message = Warden::decodeMessage(Warden::encodeMessage(built));
    if (!message) {
        std::fprintf(stderr, "decode: %s\n", qPrintable(message.error().message()));
        return 1;
    }
    const auto key = Warden::SecretBytes::fromHex(
            QStringLiteral("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"), 32);
    if (!key)
        return 2;
    Warden::Signer signer(*key);
    Warden::Nonce nonce {};
    nonce.fill(0x42);
    auto signedMessage = *message;
    if (!signer.sign(signedMessage, nonce))
        return 3;
    if (signer.verify(signedMessage, nonce) != Warden::Protocol::Verdict::Verified)
        return 4;
    Warden::Engine engine(Warden::EngineOptions {});
    if (!engine.setNetworkKey(1, *key))
        return 5;
    std::printf("%s | %s | key %s\n", qPrintable(Warden::describeMessage(*message)),
                Warden::frameVerdictName(Warden::FrameVerdict::Verified),
                qPrintable(key->fingerprint()));
    return 0;
}
