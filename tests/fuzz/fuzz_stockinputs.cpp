// Fuzzes the two readers of stock MySensors inputs that the gateway import uses
// (core/security/stockformats): the first byte picks one, the rest is its input.
//  - even: parseEepromPersonalization(image, verifyChecksum = bit 1 of the first byte).
//    Accepted: the HMAC key is the 32 bytes at 355 and not erased, the serial the 9 bytes at
//    387 unless erased, the AES key the 16 bytes at 396 unless erased, the checksum byte 282.
//    Refused: a message, which never quotes 8 consecutive bytes of the key areas as hex.
//  - odd: parseWhitelist(text). Accepted: every id is 0..254 and the list survives a round
//    trip through whitelistInitializer(). Refused: a message.
#include <warden/stockformats.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

using Warden::StockFormats;

namespace {

#define FUZZ_CHECK(condition) \
    do { \
        if (!(condition)) { \
            std::fprintf(stderr, "fuzz_stockinputs: invariant broken at line %d: %s\n", __LINE__, \
                         #condition); \
            std::abort(); \
        } \
    } while (false)

bool allFF(const uint8_t *bytes, size_t size)
{
    for (size_t i = 0; i < size; ++i) {
        if (bytes[i] != 0xFF)
            return false;
    }
    return true;
}

bool sameBytes(const Warden::SecretBytes &secret, const uint8_t *bytes, size_t size)
{
    return secret.size() == size && std::memcmp(secret.data(), bytes, size) == 0;
}

/// Whether @p message holds 8 consecutive bytes of image[from, from + size) as hex.
bool quotesKeyBytes(const QString &message, QByteArrayView image, qsizetype from, qsizetype size)
{
    const QByteArray text = message.toUtf8();
    for (qsizetype at = from; at + 8 <= from + size && at + 8 <= image.size(); ++at) {
        const QByteArray window(image.data() + at, 8);
        if (text.contains(window.toHex()) || text.contains(window.toHex().toUpper()))
            return true;
    }
    return false;
}

void eeprom(QByteArrayView image, bool verifyChecksum)
{
    const auto read = StockFormats::parseEepromPersonalization(image, verifyChecksum);
    if (!read) {
        const QString &message = read.error().message();
        FUZZ_CHECK(!message.isEmpty());
        FUZZ_CHECK(!quotesKeyBytes(message, image, StockFormats::kEepromHmacKeyAddress, 32));
        FUZZ_CHECK(!quotesKeyBytes(message, image, StockFormats::kEepromAesKeyAddress, 16));
        return;
    }
    FUZZ_CHECK(image.size() >= StockFormats::kEepromPersonalizationSize);
    const auto *bytes = reinterpret_cast<const uint8_t *>(image.data());
    FUZZ_CHECK(sameBytes(read->hmacKey, bytes + StockFormats::kEepromHmacKeyAddress, 32));
    FUZZ_CHECK(!allFF(bytes + StockFormats::kEepromHmacKeyAddress, 32));
    const uint8_t *serial = bytes + StockFormats::kEepromSerialAddress;
    FUZZ_CHECK(read->serial.has_value() == !allFF(serial, 9));
    if (read->serial)
        FUZZ_CHECK(std::memcmp(read->serial->data(), serial, 9) == 0);
    const uint8_t *aes = bytes + StockFormats::kEepromAesKeyAddress;
    FUZZ_CHECK(read->aesKey.isEmpty() == allFF(aes, 16));
    if (!read->aesKey.isEmpty())
        FUZZ_CHECK(sameBytes(read->aesKey, aes, 16));
    FUZZ_CHECK(read->checksum == bytes[StockFormats::kEepromChecksumAddress]);
}

void whitelist(QByteArrayView text)
{
    const auto read = StockFormats::parseWhitelist(text);
    if (!read) {
        FUZZ_CHECK(!read.error().message().isEmpty());
        return;
    }
    for (const Warden::WhitelistEntry &entry : *read)
        FUZZ_CHECK(entry.nodeId <= 254);
    if (read->isEmpty())
        return;
    const auto written = StockFormats::whitelistInitializer(*read);
    FUZZ_CHECK(written.has_value());
    const auto again = StockFormats::parseWhitelist(*written);
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(again->size() == read->size());
    for (qsizetype i = 0; i < read->size(); ++i) {
        FUZZ_CHECK((*again)[i].nodeId == (*read)[i].nodeId);
        FUZZ_CHECK((*again)[i].serial == (*read)[i].serial);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const QByteArrayView rest(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    if ((data[0] & 1) == 0)
        eeprom(rest, (data[0] & 2) != 0);
    else
        whitelist(rest);
    return 0;
}
