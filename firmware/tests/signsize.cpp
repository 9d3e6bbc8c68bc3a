// Footprint probe: built twice, with and without WARDEN_SIGNSIZE_SIGNING. The difference of the
// two images is what a node pays in flash and RAM for SHA-256 (AvrSha256 + Sha256), HMAC with
// cached midstates and the legacy signature (sign, verify, whitelist salt). Never run.
#include <warden/protocol/message.h>

#if defined(WARDEN_SIGNSIZE_SIGNING)
#include "sha256avr.h"

#include <warden/protocol/signing.h>
#endif

#include <stdint.h>

using namespace Warden::Protocol;

namespace {

// Volatile inputs and output: nothing can be folded away at compile time.
volatile uint8_t g_input[80];
volatile uint8_t g_output;

} // namespace

int main()
{
    uint8_t input[sizeof g_input];
    for (uint8_t i = 0; i < sizeof input; ++i)
        input[i] = g_input[i];

    Message message;
    message.setHeader(input[0], 0, Command::Set, 0, 1);
    message.setPayload(PayloadType::Custom, input + 1, input[1] & 15);

#if defined(WARDEN_SIGNSIZE_SIGNING)
    static Warden::Firmware::AvrSha256 sha;
    LegacySigner signer(sha);
    signer.setKey(input + 16);
    const uint8_t *serial = (input[2] & 1) ? input + 70 : nullptr;
    signer.sign(message, input + 48, serial);
    g_output = uint8_t(signer.verify(message, input + 48, serial));
#endif

    for (uint8_t i = 0; i < message.size(); ++i)
        g_output = message.data()[i];
    return 0;
}
