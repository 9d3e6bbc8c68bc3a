// Fuzzes the strict reader of a Linux gateway's mysensors.conf (StockFormats::parseGatewayConfig):
// the input is the file. Invariants, each an abort() when broken:
//  - a refusal has a message that starts with "mysensors.conf" and never quotes 8 digits of a
//    key line's value (soft_hmac_key, soft_serial_key, aes_key) - nor do the warnings;
//  - an accepted file has keys of the stock sizes (HMAC key and serial together, or neither;
//    AES key 16 bytes or none; at least one key), settings with non-empty keys and increasing
//    line numbers;
//  - an accepted file with eeprom_file exports, and the export reads back to the same keys and
//    settings without a warning about eeprom_file.
#include <warden/stockformats.h>

#include <QtCore/QByteArrayList>

#include <cstdio>
#include <cstdlib>

using Warden::GatewayConfig;
using Warden::StockFormats;

namespace {

#define FUZZ_CHECK(condition) \
    do { \
        if (!(condition)) { \
            std::fprintf(stderr, "fuzz_gatewayconfig: invariant broken at line %d: %s\n", \
                         __LINE__, #condition); \
            std::abort(); \
        } \
    } while (false)

bool isHexDigit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// What a leak of key material would show: every 8 consecutive hexadecimal digits in the
/// values of the key lines (soft_hmac_key, soft_serial_key, aes_key) of @p text. Digits that
/// also occur in the rest of the file (a key name, another setting's value) may be quoted
/// legitimately, as that text is not secret, so they are left out; so are other characters,
/// which could coincide with words of the messages themselves ("mysensors").
QByteArrayList keyValues(QByteArrayView text)
{
    QByteArrayList runs;
    QByteArray rest;
    for (const QByteArray &line : QByteArray(text.data(), text.size()).split('\n')) {
        bool keyLine = false;
        for (const char *name : {"soft_hmac_key=", "soft_serial_key=", "aes_key="}) {
            if (!line.startsWith(name))
                continue;
            keyLine = true;
            const QByteArray value = line.mid(qsizetype(std::strlen(name)));
            for (qsizetype i = 0; i < value.size();) {
                qsizetype end = i;
                while (end < value.size() && isHexDigit(value[end]))
                    ++end;
                for (qsizetype at = i; at + 8 <= end; ++at)
                    runs.append(value.mid(at, 8));
                i = end + 1;
            }
            rest.append(name).append('\n');
        }
        if (!keyLine)
            rest.append(line).append('\n');
    }
    QByteArrayList out;
    for (const QByteArray &run : runs) {
        if (!rest.contains(run))
            out.append(run);
    }
    return out;
}

bool mentions(const QString &message, const QByteArrayList &values)
{
    const QByteArray bytes = message.toUtf8();
    for (const QByteArray &value : values) {
        if (bytes.contains(value))
            return true;
    }
    return false;
}

void checkAccepted(const GatewayConfig &config)
{
    FUZZ_CHECK(config.hmacKey.isEmpty() == !config.serial.has_value());
    FUZZ_CHECK(config.hmacKey.isEmpty() || config.hmacKey.size() == StockFormats::kHmacKeySize);
    FUZZ_CHECK(config.aesKey.isEmpty() || config.aesKey.size() == StockFormats::kAesKeySize);
    FUZZ_CHECK(!config.hmacKey.isEmpty() || !config.aesKey.isEmpty());
    int line = 0;
    for (const auto &s : config.settings) {
        FUZZ_CHECK(!s.key.isEmpty());
        FUZZ_CHECK(s.line > line);
        line = s.line;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView text(reinterpret_cast<const char *>(data), qsizetype(size));
    const QByteArrayList values = keyValues(text);
    const auto read = StockFormats::parseGatewayConfig(text);
    if (!read) {
        const QString &message = read.error().message();
        FUZZ_CHECK(message.startsWith(QStringLiteral("mysensors.conf")));
        FUZZ_CHECK(!mentions(message, values));
        return 0;
    }
    checkAccepted(*read);
    for (const QString &warning : read->warnings)
        FUZZ_CHECK(!mentions(warning, values));

    if (!read->setting(QStringLiteral("eeprom_file")))
        return 0;
    const auto exported = StockFormats::gatewayConfigText(*read);
    FUZZ_CHECK(exported.has_value());
    const auto again = StockFormats::parseGatewayConfig(QByteArrayView(
            reinterpret_cast<const char *>(exported->data()), qsizetype(exported->size())));
    FUZZ_CHECK(again.has_value());
    checkAccepted(*again);
    FUZZ_CHECK(again->hmacKey.equals(read->hmacKey));
    FUZZ_CHECK(again->aesKey.equals(read->aesKey));
    FUZZ_CHECK(again->serial == read->serial);
    FUZZ_CHECK(again->settings.size() == read->settings.size());
    for (qsizetype i = 0; i < read->settings.size(); ++i) {
        FUZZ_CHECK(again->settings[i].key == read->settings[i].key);
        FUZZ_CHECK(again->settings[i].value == read->settings[i].value);
        FUZZ_CHECK(again->settings[i].known == read->settings[i].known);
    }
    FUZZ_CHECK(again->warnings.size() == read->warnings.size());
    return 0;
}
