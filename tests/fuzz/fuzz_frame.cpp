// Fuzz target for the binary message decoder and the signature code behind it. Invariants:
// an accepted input re-encodes to itself; a message the signer accepts verifies with the
// same key and nonce, and fails after a change to its covered bytes.
#include <warden/protocol/message.h>
#include <warden/protocol/names.h>
#include <warden/protocol/signing.h>

#include <cstdlib>
#include <cstring>

using namespace Warden::Protocol;

namespace {

void check(bool condition)
{
    if (!condition)
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Message message;
    const DecodeError error = Message::decode(data, size, message);
    if (error != DecodeError::None) {
        check(decodeErrorName(error) != nullptr
              && std::strcmp(decodeErrorName(error), "unknown") != 0);
        return 0;
    }
    check(message.size() == size);
    check(std::memcmp(message.data(), data, size) == 0);
    check(commandName(uint8_t(message.command())) != nullptr);
    (void)typeName(uint8_t(message.command()), message.type());

    static PortableSha256 sha;
    static const uint8_t key[kSigningKeySize]
            = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
               17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
    static const uint8_t serial[kSerialSize] = {9, 8, 7, 6, 5, 4, 3, 2, 1};
    uint8_t nonce[kNonceSize];
    for (size_t i = 0; i < kNonceSize; ++i)
        nonce[i] = uint8_t(i * 31 + size);
    LegacySigner signer(sha);
    signer.setKey(key);

    // Whatever it claims, verification of the raw input terminates with a named verdict.
    check(verdictName(signer.verify(message, nonce, serial)) != nullptr);

    Message toSign = message;
    toSign.setSigned(false);
    const SignResult signedOk = signer.sign(toSign, nonce, size % 2 ? serial : nullptr);
    if (toSign.payloadLength() > kMaxSignablePayload) {
        check(signedOk == SignResult::NoRoom);
        return 0;
    }
    check(signedOk == SignResult::Ok);
    const uint8_t *salt = size % 2 ? serial : nullptr;
    check(signer.verify(toSign, nonce, salt) == Verdict::Verified);
    // Change one covered byte chosen by the input: the signature must no longer verify. Only
    // checked when at least 8 MAC bytes travel: with a 23-byte payload one MAC byte is sent,
    // and a 1-in-256 match is the truncation the legacy scheme has, not a defect.
    if (toSign.signatureLength() - 1 < 8)
        return 0;
    uint8_t raw[kMaxMessageSize];
    std::memcpy(raw, toSign.data(), kMaxMessageSize);
    const size_t at = 1 + (size_t(data[size - 1]) % (kMaxMessageSize - 1));
    raw[at] ^= uint8_t(1u << (data[0] & 7));
    Message changed;
    if (Message::decode(raw, sizeof raw, changed) == DecodeError::None)
        check(signer.verify(changed, nonce, salt) != Verdict::Verified);
    return 0;
}
