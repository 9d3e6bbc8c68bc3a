// Stock MySensors formats, written from the clean-room specification only (spec 7.3, 7.4, 13).
#include <warden/stockformats.h>

#include <warden/protocol/sha256.h>

#include <QtCore/QFile>
#include <QtCore/QFileDevice>
#include <QtCore/QLoggingCategory>
#include <QtCore/QSaveFile>
#include <QtCore/QStringDecoder>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

#ifdef Q_OS_UNIX
#include <sys/stat.h>
#endif

namespace Warden {

namespace {

Q_LOGGING_CATEGORY(lcStockFormats, "warden.core.security.stockformats")

constexpr char kHexDigits[] = "0123456789ABCDEF";

const QString kHmacKeyName = QStringLiteral("soft_hmac_key");
const QString kSerialKeyName = QStringLiteral("soft_serial_key");
const QString kAesKeyName = QStringLiteral("aes_key");

/// Overwrites memory in a way the optimiser may not drop (the buffers held key text).
void wipe(void *data, size_t size)
{
    volatile auto *p = static_cast<volatile unsigned char *>(data);
    for (size_t i = 0; i < size; ++i)
        p[i] = 0;
}

/// A growing byte buffer for text that contains keys: every buffer it lets go of is wiped
/// first, so no copy of the key text stays behind in freed memory. Becomes a SecretBytes.
class WipingBuffer
{
public:
    WipingBuffer() = default;
    WipingBuffer(const WipingBuffer &) = delete;
    WipingBuffer &operator=(const WipingBuffer &) = delete;
    ~WipingBuffer() { release(); }

    void append(const char *text, size_t size)
    {
        reserve(m_size + size);
        std::memcpy(m_data.get() + m_size, text, size);
        m_size += size;
    }
    void append(const char *text) { append(text, std::strlen(text)); }
    void append(char c) { append(&c, 1); }
    void append(const QByteArray &text) { append(text.constData(), size_t(text.size())); }
    void append(const QString &text) { append(text.toUtf8()); }

    SecretBytes take()
    {
        SecretBytes out(reinterpret_cast<const uint8_t *>(m_data.get()), m_size);
        release();
        return out;
    }

private:
    void reserve(size_t wanted)
    {
        if (wanted <= m_capacity)
            return;
        const size_t capacity = std::max<size_t>({wanted, 2 * m_capacity, 256});
        auto bigger = std::make_unique<char[]>(capacity);
        const size_t size = m_size;
        if (size > 0)
            std::memcpy(bigger.get(), m_data.get(), size);
        release();
        m_data = std::move(bigger);
        m_capacity = capacity;
        m_size = size;
    }
    void release()
    {
        if (m_data)
            wipe(m_data.get(), m_capacity);
        m_data.reset();
        m_capacity = 0;
        m_size = 0;
    }

    std::unique_ptr<char[]> m_data;
    size_t m_capacity = 0;
    size_t m_size = 0;
};

/// "0x1F" or "0X1F" per byte, joined by bare commas: `0x00,0x01,…`.
void appendCBytes(WipingBuffer &out, const uint8_t *data, size_t size, char prefix)
{
    for (size_t i = 0; i < size; ++i) {
        const char item[] = {',', '0', prefix, kHexDigits[data[i] >> 4], kHexDigits[data[i] & 15]};
        if (i == 0)
            out.append(item + 1, 4);
        else
            out.append(item, 5);
    }
}

void appendHex(WipingBuffer &out, const uint8_t *data, size_t size)
{
    for (size_t i = 0; i < size; ++i) {
        const char pair[] = {kHexDigits[data[i] >> 4], kHexDigits[data[i] & 15]};
        out.append(pair, 2);
    }
}

QByteArray cBytes(const uint8_t *data, size_t size)
{
    QByteArray out;
    for (size_t i = 0; i < size; ++i) {
        if (i > 0)
            out += ',';
        out += "0x";
        out += kHexDigits[data[i] >> 4];
        out += kHexDigits[data[i] & 15];
    }
    return out;
}

Result<void> checkKeys(const SecretBytes &hmacKey, const SecretBytes &aesKey)
{
    if (hmacKey.size() != StockFormats::kHmacKeySize)
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("the HMAC key holds %1 bytes; stock MySensors needs %2")
                            .arg(hmacKey.size())
                            .arg(StockFormats::kHmacKeySize));
    if (!aesKey.isEmpty() && aesKey.size() != StockFormats::kAesKeySize)
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("the AES key holds %1 bytes; stock MySensors needs %2 (or none)")
                            .arg(aesKey.size())
                            .arg(StockFormats::kAesKeySize));
    return {};
}

Result<void> checkWhitelist(const QList<WhitelistEntry> &entries)
{
    std::array<int, 256> seenAt {};
    seenAt.fill(-1);
    for (int i = 0; i < entries.size(); ++i) {
        const quint8 id = entries[i].nodeId;
        if (id == 255)
            return fail(ErrorCode::InvalidArgument,
                        QStringLiteral("whitelist entry %1 has node ID 255, which means \"not "
                                       "assigned\"; a whitelist names nodes 0..254")
                                .arg(i + 1));
        if (seenAt[id] >= 0)
            return fail(ErrorCode::InvalidArgument,
                        QStringLiteral("whitelist entries %1 and %2 both name node %3; the first "
                                       "match wins, so the second could never be used")
                                .arg(seenAt[id] + 1)
                                .arg(i + 1)
                                .arg(id));
        seenAt[id] = i;
    }
    return {};
}

// --- mysensors.conf ------------------------------------------------------------------------

bool isKeyName(const QString &key)
{
    return key == kHmacKeyName || key == kSerialKeyName || key == kAesKeyName;
}

/// The settings mysgw knows besides the keys (spec 13.2).
bool isKnownSetting(const QString &key)
{
    static const QStringList known {
            QStringLiteral("verbose"),       QStringLiteral("log_file"),
            QStringLiteral("log_filepath"),  QStringLiteral("log_pipe"),
            QStringLiteral("log_pipe_file"), QStringLiteral("syslog"),
            QStringLiteral("eeprom_file"),   QStringLiteral("eeprom_size"),
    };
    return known.contains(key);
}

/// EEPROM bytes the keys need: the AES key ends at 412 (spec 7.1).
constexpr quint32 kMinEepromSize = 413;
constexpr quint32 kMaxEepromSize = 16u * 1024 * 1024;

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/// Names a key in a message. Key names are not secret, but a line made of a pasted key
/// ("33BA…=") must not be echoed: a name longer than 32 characters or with a run of 8 or more
/// hex digits in it is described, not quoted.
QString describeKey(const QString &key)
{
    int run = 0;
    bool hexRun = false;
    for (const QChar c : key) {
        run = c.unicode() < 128 && hexValue(char(c.unicode())) >= 0 ? run + 1 : 0;
        hexRun = hexRun || run >= 8;
    }
    if (key.size() > 32 || hexRun)
        return QStringLiteral("<%1 characters, not shown>").arg(key.size());
    return QStringLiteral("'%1'").arg(key);
}

/// Checks a known setting's value; returns what is wrong, or an empty string.
QString checkSettingValue(const QString &key, const QString &value)
{
    if (key == u"verbose") {
        static const QStringList levels {QStringLiteral("err"), QStringLiteral("warn"),
                                         QStringLiteral("notice"), QStringLiteral("info"),
                                         QStringLiteral("debug")};
        if (!levels.contains(value))
            return QStringLiteral("verbose must be err, warn, notice, info or debug");
    } else if (key == u"log_file" || key == u"log_pipe" || key == u"syslog") {
        if (value != u"0" && value != u"1")
            return QStringLiteral("%1 must be 0 or 1").arg(key);
    } else if (key == u"eeprom_size") {
        bool digitsOnly = !value.isEmpty() && value.size() <= 9;
        for (const QChar c : value)
            digitsOnly = digitsOnly && c >= u'0' && c <= u'9';
        const quint32 size = digitsOnly ? value.toUInt() : 0;
        if (!digitsOnly || size < kMinEepromSize || size > kMaxEepromSize)
            return QStringLiteral("eeprom_size must be a whole number of bytes from %1 (room for "
                                  "the keys) to %2")
                    .arg(kMinEepromSize)
                    .arg(kMaxEepromSize);
    } else if (key == u"log_filepath" || key == u"log_pipe_file" || key == u"eeprom_file") {
        if (value.isEmpty())
            return QStringLiteral("%1 names no path").arg(key);
    }
    return {};
}

/// Why @p key cannot be written as a line that reads back the same, or an empty string.
QString checkSettingForExport(const QString &key, const QString &value)
{
    if (key.isEmpty())
        return QStringLiteral("a setting has an empty key");
    if (key.startsWith(u'#'))
        return QStringLiteral("the key %1 starts with '#', which makes it a comment")
                .arg(describeKey(key));
    for (const QChar c : key) {
        if (c == u'=' || c.isSpace() || c.unicode() < 0x20 || c.unicode() == 0x7F)
            return QStringLiteral("the key %1 contains a space, '=' or a control character")
                    .arg(describeKey(key));
    }
    if (isKeyName(key))
        return QStringLiteral("%1 is a key: set it in the configuration's key fields").arg(key);
    for (const QChar c : value) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7F)
            return QStringLiteral("the value of %1 contains a control character (a line break?)")
                    .arg(describeKey(key));
    }
    if (value.startsWith(u' '))
        return QStringLiteral("the value of %1 starts with a space, which mysgw trims")
                .arg(describeKey(key));
    return checkSettingValue(key, value);
}

/// Decodes exactly @p size bytes of plain hex (no prefix, no separators) into @p out. The
/// error names the position, never the text.
QString decodeHex(QByteArrayView text, uint8_t *out, size_t size)
{
    if (size_t(text.size()) != 2 * size)
        return QStringLiteral("has %1 characters, expected %2 hexadecimal digits")
                .arg(text.size())
                .arg(2 * size);
    for (size_t i = 0; i < size; ++i) {
        const int high = hexValue(text[qsizetype(2 * i)]);
        const int low = hexValue(text[qsizetype(2 * i + 1)]);
        if (high < 0 || low < 0)
            return QStringLiteral("has a character that is not hexadecimal at position %1")
                    .arg(2 * i + (high < 0 ? 1 : 2));
        out[i] = uint8_t(high << 4 | low);
    }
    return {};
}

Error lineError(int line, const QString &what)
{
    return Error(ErrorCode::Malformed,
                 QStringLiteral("mysensors.conf line %1: %2").arg(line).arg(what));
}

} // namespace

// --- GatewayConfig -------------------------------------------------------------------------

std::optional<QString> GatewayConfig::setting(const QString &key) const
{
    for (const GatewaySetting &s : settings) {
        if (s.key == key)
            return s.value;
    }
    return std::nullopt;
}

Result<void> GatewayConfig::setSetting(const QString &key, const QString &value)
{
    if (const QString problem = checkSettingForExport(key, value); !problem.isEmpty())
        return fail(ErrorCode::InvalidArgument, problem);
    for (GatewaySetting &s : settings) {
        if (s.key == key) {
            s.value = value;
            return {};
        }
    }
    settings.append(GatewaySetting {key, value, 0, isKnownSetting(key)});
    return {};
}

GatewayConfig GatewayConfig::defaults()
{
    GatewayConfig config;
    config.settings.append(GatewaySetting {QStringLiteral("eeprom_file"),
                                           QStringLiteral("/etc/mysensors.eeprom"), 0, true});
    config.settings.append(
            GatewaySetting {QStringLiteral("eeprom_size"), QStringLiteral("1024"), 0, true});
    return config;
}

// --- exports -------------------------------------------------------------------------------

Result<SecretBytes> StockFormats::personalizerDefines(const SecretBytes &hmacKey,
                                                      const SecretBytes &aesKey,
                                                      const Serial &serial, DefineStyle style)
{
    if (auto ok = checkKeys(hmacKey, aesKey); !ok)
        return tl::unexpected(ok.error());
    const char prefix = style == DefineStyle::MysgwGen ? 'X' : 'x';
    WipingBuffer out;
    out.append("#define MY_HMAC_KEY ");
    appendCBytes(out, hmacKey.data(), hmacKey.size(), prefix);
    out.append('\n');
    if (!aesKey.isEmpty()) {
        out.append("#define MY_AES_KEY ");
        appendCBytes(out, aesKey.data(), aesKey.size(), prefix);
        out.append('\n');
    }
    out.append("#define MY_SOFT_SERIAL ");
    appendCBytes(out, serial.data(), serial.size(), prefix);
    out.append('\n');
    return out.take();
}

Result<SecretBytes> StockFormats::gatewayKeyLines(const SecretBytes &hmacKey,
                                                  const SecretBytes &aesKey, const Serial &serial)
{
    if (auto ok = checkKeys(hmacKey, aesKey); !ok)
        return tl::unexpected(ok.error());
    WipingBuffer out;
    out.append("soft_hmac_key=");
    appendHex(out, hmacKey.data(), hmacKey.size());
    out.append("\nsoft_serial_key=");
    appendHex(out, serial.data(), serial.size());
    out.append('\n');
    if (!aesKey.isEmpty()) {
        out.append("aes_key=");
        appendHex(out, aesKey.data(), aesKey.size());
        out.append('\n');
    }
    return out.take();
}

Result<QByteArray> StockFormats::whitelistEntry(const WhitelistEntry &entry)
{
    if (auto ok = checkWhitelist({entry}); !ok)
        return tl::unexpected(ok.error());
    return QByteArray("{.nodeId = ") + QByteArray::number(entry.nodeId) + ",.serial = {"
           + cBytes(entry.serial.data(), entry.serial.size()) + "}}";
}

Result<QByteArray> StockFormats::whitelistInitializer(const QList<WhitelistEntry> &entries)
{
    if (auto ok = checkWhitelist(entries); !ok)
        return tl::unexpected(ok.error());
    QByteArray out("{");
    for (int i = 0; i < entries.size(); ++i) {
        if (i > 0)
            out += ',';
        out += *whitelistEntry(entries[i]);
    }
    out += '}';
    return out;
}

Result<QByteArray> StockFormats::whitelistDefine(const QList<WhitelistEntry> &entries)
{
    auto list = whitelistInitializer(entries);
    if (!list)
        return list;
    return QByteArray("#define MY_SIGNING_NODE_WHITELISTING ") + *list;
}

Result<QByteArray> StockFormats::linuxWhitelistOption(const QList<WhitelistEntry> &entries)
{
    auto list = whitelistInitializer(entries);
    if (!list)
        return list;
    // configure takes the list as one word: no spaces at all (spec 7.4). The quotes keep the
    // shell from brace-expanding it.
    return QByteArray("--my-signing-whitelist=\"") + list->replace(' ', QByteArray()) + '"';
}

Result<SecretBytes> StockFormats::gatewayConfigText(const GatewayConfig &config)
{
    if (config.hmacKey.isEmpty() != !config.serial.has_value())
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("mysgw needs soft_hmac_key and soft_serial_key together (or "
                                   "neither, for password mode); only one is set"));
    if (!config.hmacKey.isEmpty()) {
        if (auto ok = checkKeys(config.hmacKey, config.aesKey); !ok)
            return tl::unexpected(ok.error());
    } else if (!config.aesKey.isEmpty() && config.aesKey.size() != kAesKeySize) {
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("the AES key holds %1 bytes; stock MySensors needs %2")
                            .arg(config.aesKey.size())
                            .arg(kAesKeySize));
    }
    QStringList seen;
    for (const GatewaySetting &s : config.settings) {
        if (const QString problem = checkSettingForExport(s.key, s.value); !problem.isEmpty())
            return fail(ErrorCode::InvalidArgument, problem);
        if (seen.contains(s.key))
            return fail(ErrorCode::InvalidArgument,
                        QStringLiteral("the setting %1 appears twice; mysgw refuses duplicates")
                                .arg(describeKey(s.key)));
        seen.append(s.key);
    }
    if (!seen.contains(QStringLiteral("eeprom_file")))
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("eeprom_file is missing; mysgw does not start without it"));

    WipingBuffer out;
    out.append("# mysensors.conf for the MySensors Linux gateway (mysgw), written by Warden.\n"
               "# It holds the gateway's keys: keep it readable by root only.\n");
    for (const GatewaySetting &s : config.settings) {
        out.append(s.key);
        out.append('=');
        out.append(s.value);
        out.append('\n');
    }
    if (!config.hmacKey.isEmpty()) {
        out.append("soft_hmac_key=");
        appendHex(out, config.hmacKey.data(), config.hmacKey.size());
        out.append("\nsoft_serial_key=");
        appendHex(out, config.serial->data(), config.serial->size());
        out.append('\n');
    }
    if (!config.aesKey.isEmpty()) {
        out.append("aes_key=");
        appendHex(out, config.aesKey.data(), config.aesKey.size());
        out.append('\n');
    }
    return out.take();
}

Result<void> StockFormats::writeGatewayConfig(const QString &path, const GatewayConfig &config)
{
    auto text = gatewayConfigText(config);
    if (!text)
        return tl::unexpected(text.error());
    return writeSecretFile(path, *text);
}

Result<void> StockFormats::writeSecretFile(const QString &path, const SecretBytes &content)
{
    QSaveFile file(path);
    // QSaveFile creates its temporary file with mode 0666 minus the umask; someone who opened
    // it in that moment would keep reading it after the chmod below. A umask of 077 during the
    // open makes it 0600 from the start (it is process-wide, but only ever more restrictive).
#ifdef Q_OS_UNIX
    const mode_t previousMask = ::umask(077);
#endif
    // Unbuffered: no copy of the secret text in QIODevice's write buffer.
    const bool opened = file.open(QIODevice::WriteOnly | QIODevice::Unbuffered);
#ifdef Q_OS_UNIX
    ::umask(previousMask);
#endif
    if (!opened)
        return fail(ErrorCode::Refused,
                    QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    // Before the first byte: the temporary file must never be readable by others.
    if (!file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)) {
        file.cancelWriting();
        return fail(ErrorCode::Refused, QStringLiteral("cannot restrict %1 to its owner: %2")
                                                .arg(path, file.errorString()));
    }
    const auto size = qint64(content.size());
    if (file.write(reinterpret_cast<const char *>(content.data()), size) != size) {
        file.cancelWriting();
        return fail(ErrorCode::Refused,
                    QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    }
    if (!file.commit())
        return fail(ErrorCode::Refused,
                    QStringLiteral("cannot save %1: %2").arg(path, file.errorString()));
    qCDebug(lcStockFormats) << "wrote" << content.size() << "bytes of key material to" << path;
    return {};
}

// --- import --------------------------------------------------------------------------------

Result<GatewayConfig> StockFormats::parseGatewayConfig(QByteArrayView text)
{
    if (text.size() > kMaxConfigSize)
        return fail(ErrorCode::Malformed,
                    QStringLiteral("mysensors.conf is %1 bytes, more than the %2 accepted")
                            .arg(text.size())
                            .arg(kMaxConfigSize));
    if (text.startsWith("\xEF\xBB\xBF"))
        return fail(ErrorCode::Malformed,
                    QStringLiteral("mysensors.conf line 1: starts with a byte-order mark, which "
                                   "mysgw would read as part of the first key"));
    GatewayConfig config;
    QList<int> seenLines;
    QStringList seenKeys;
    qsizetype at = 0;
    int lineNumber = 0;
    while (at < text.size()) {
        ++lineNumber;
        qsizetype end = text.indexOf('\n', at);
        if (end < 0)
            end = text.size();
        const QByteArrayView line = text.sliced(at, end - at);
        at = end + 1;

        if (line.size() > kMaxConfigLine)
            return tl::unexpected(lineError(
                    lineNumber, QStringLiteral("longer than %1 bytes").arg(kMaxConfigLine)));
        for (qsizetype i = 0; i < line.size(); ++i) {
            const auto c = static_cast<unsigned char>(line[i]);
            if (c == '\r')
                return tl::unexpected(
                        lineError(lineNumber,
                                  QStringLiteral("has a carriage return (a Windows line ending?); "
                                                 "mysgw would read it as part of the value")));
            if (c < 0x20 || c == 0x7F)
                return tl::unexpected(lineError(
                        lineNumber,
                        QStringLiteral("has a control character at column %1").arg(i + 1)));
        }
        if (line.isEmpty() || line.startsWith('#'))
            continue;

        // ConvertInitialBom: mysgw reads a byte-order mark at the start of a key or value as
        // part of it, so it must not vanish here (and come back as a different text on export).
        QStringDecoder decoder(QStringDecoder::Utf8,
                               QStringDecoder::Flag::Stateless
                                       | QStringDecoder::Flag::ConvertInitialBom);
        const qsizetype equals = line.indexOf('=');
        if (equals < 0)
            return tl::unexpected(
                    lineError(lineNumber, QStringLiteral("is neither key=value, a # comment nor "
                                                         "empty")));
        const QString key = decoder.decode(line.first(equals));
        if (decoder.hasError())
            return tl::unexpected(lineError(lineNumber, QStringLiteral("is not valid UTF-8")));
        if (key.isEmpty())
            return tl::unexpected(lineError(lineNumber, QStringLiteral("has no key before '='")));
        for (const QChar c : key) {
            if (c.isSpace())
                return tl::unexpected(lineError(
                        lineNumber,
                        QStringLiteral("the key %1 contains a space; mysgw trims spaces only after "
                                       "'=', so it would not recognise the key")
                                .arg(describeKey(key))));
        }
        if (const int previous = seenKeys.indexOf(key); previous >= 0)
            return tl::unexpected(
                    lineError(lineNumber, QStringLiteral("repeats the key %1 of line %2; mysgw "
                                                         "refuses duplicate keys")
                                                  .arg(describeKey(key))
                                                  .arg(seenLines[previous])));
        seenKeys.append(key);
        seenLines.append(lineNumber);

        QByteArrayView rawValue = line.sliced(equals + 1);
        while (rawValue.startsWith(' '))
            rawValue = rawValue.sliced(1);

        if (isKeyName(key)) {
            // Decoded from the raw bytes straight into the result: no QString copy of a key.
            std::array<uint8_t, kHmacKeySize> bytes {};
            const size_t size = key == kHmacKeyName  ? kHmacKeySize
                                : key == kAesKeyName ? kAesKeySize
                                                     : Protocol::kSerialSize;
            const QString problem = decodeHex(rawValue, bytes.data(), size);
            if (!problem.isEmpty()) {
                wipe(bytes.data(), bytes.size());
                return tl::unexpected(lineError(lineNumber, key + u' ' + problem));
            }
            if (key == kHmacKeyName) {
                config.hmacKey = SecretBytes(bytes.data(), size);
            } else if (key == kAesKeyName) {
                config.aesKey = SecretBytes(bytes.data(), size);
            } else {
                Serial serial {};
                std::memcpy(serial.data(), bytes.data(), serial.size());
                config.serial = serial;
            }
            wipe(bytes.data(), bytes.size());
            continue;
        }

        const QString value = decoder.decode(rawValue);
        if (decoder.hasError())
            return tl::unexpected(lineError(lineNumber, QStringLiteral("is not valid UTF-8")));
        const bool known = isKnownSetting(key);
        if (known) {
            if (const QString problem = checkSettingValue(key, value); !problem.isEmpty())
                return tl::unexpected(lineError(lineNumber, problem));
        } else {
            config.warnings.append(
                    QStringLiteral("mysensors.conf line %1: the key %2 is unknown (mysgw warns "
                                   "and ignores it)")
                            .arg(lineNumber)
                            .arg(describeKey(key)));
        }
        config.settings.append(GatewaySetting {key, value, lineNumber, known});
    }

    if (config.hmacKey.isEmpty() != !config.serial.has_value())
        return fail(ErrorCode::Malformed,
                    QStringLiteral("mysensors.conf has %1 but no %2; mysgw needs both for software "
                                   "signing")
                            .arg(config.hmacKey.isEmpty() ? kSerialKeyName : kHmacKeyName,
                                 config.hmacKey.isEmpty() ? kHmacKeyName : kSerialKeyName));
    if (config.hmacKey.isEmpty() && config.aesKey.isEmpty())
        return fail(ErrorCode::Malformed,
                    QStringLiteral("mysensors.conf holds none of soft_hmac_key, soft_serial_key "
                                   "and aes_key: there are no keys to import"));
    if (!config.setting(QStringLiteral("eeprom_file")))
        config.warnings.append(
                QStringLiteral("mysensors.conf has no eeprom_file, which mysgw requires to start"));
    return config;
}

Result<GatewayConfig> StockFormats::readGatewayConfig(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Unbuffered))
        return fail(ErrorCode::Refused,
                    QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    if (file.size() > kMaxConfigSize)
        return fail(ErrorCode::Malformed,
                    QStringLiteral("%1 is %2 bytes, more than the %3 a mysensors.conf may have")
                            .arg(path)
                            .arg(file.size())
                            .arg(kMaxConfigSize));
    // Read into a buffer of our own so that it can be wiped: the file holds keys.
    // One byte more than accepted, so that a file growing while it is read is still caught.
    auto buffer = std::make_unique<std::array<char, kMaxConfigSize + 1>>();
    qint64 read = 0;
    while (read < qint64(buffer->size())) {
        const qint64 n = file.read(buffer->data() + read, qint64(buffer->size()) - read);
        if (n < 0) {
            read = -1;
            break;
        }
        if (n == 0)
            break;
        read += n;
    }
    Result<GatewayConfig> result
            = read < 0 ? fail(ErrorCode::Refused,
                              QStringLiteral("cannot read %1: %2").arg(path, file.errorString()))
                       : parseGatewayConfig(QByteArrayView(buffer->data(), qsizetype(read)));
    wipe(buffer->data(), buffer->size());
    if (!result)
        return fail(result.error().code(),
                    QStringLiteral("%1: %2").arg(path, result.error().message()));
    return result;
}

// --- EEPROM image (spec 7.1, 7.2, 13.3) -----------------------------------------------------

namespace {

bool allErased(const uint8_t *data, size_t size)
{
    return std::all_of(data, data + size, [](uint8_t b) { return b == 0xFF; });
}

} // namespace

Result<EepromPersonalization> StockFormats::parseEepromPersonalization(QByteArrayView image,
                                                                       bool verifyChecksum)
{
    if (image.size() < kEepromPersonalizationSize)
        return fail(ErrorCode::Malformed,
                    QStringLiteral("the EEPROM image holds %1 bytes; the personalization ends at "
                                   "byte %2 (the AES key at %3..%4), so it is truncated")
                            .arg(image.size())
                            .arg(kEepromPersonalizationSize)
                            .arg(kEepromAesKeyAddress)
                            .arg(kEepromPersonalizationSize - 1));
    if (image.size() > kMaxEepromImageSize)
        return fail(ErrorCode::Malformed,
                    QStringLiteral("the EEPROM image holds %1 bytes, more than the %2 accepted")
                            .arg(image.size())
                            .arg(kMaxEepromImageSize));
    const auto *bytes = reinterpret_cast<const uint8_t *>(image.data());
    const uint8_t *key = bytes + kEepromHmacKeyAddress;
    const uint8_t *serial = bytes + kEepromSerialAddress;
    const uint8_t *aes = bytes + kEepromAesKeyAddress;
    if (allErased(key, kHmacKeySize))
        return fail(ErrorCode::Refused,
                    QStringLiteral("the EEPROM image holds no HMAC key (bytes %1..%2 are erased, "
                                   "FF): it was never personalized")
                            .arg(kEepromHmacKeyAddress)
                            .arg(kEepromHmacKeyAddress + qsizetype(kHmacKeySize) - 1));

    // The checksum covers key, AES key and serial in that order (spec 7.2), erased or not.
    uint8_t covered[kHmacKeySize + kAesKeySize + Protocol::kSerialSize];
    std::memcpy(covered, key, kHmacKeySize);
    std::memcpy(covered + kHmacKeySize, aes, kAesKeySize);
    std::memcpy(covered + kHmacKeySize + kAesKeySize, serial, Protocol::kSerialSize);
    uint8_t digest[Protocol::kSha256DigestSize];
    Protocol::Sha256::hash(Signer::hostSha256(), covered, sizeof covered, digest);
    wipe(covered, sizeof covered);
    const uint8_t stored = bytes[kEepromChecksumAddress];
    const uint8_t expected = digest[0];
    wipe(digest, sizeof digest);
    if (stored != expected && verifyChecksum)
        return fail(ErrorCode::Malformed,
                    QStringLiteral("the EEPROM image's personalization checksum (byte %1) does "
                                   "not match its keys and serial: the image is damaged or was "
                                   "edited outside MySensors")
                            .arg(kEepromChecksumAddress));

    EepromPersonalization out;
    out.hmacKey = SecretBytes(key, kHmacKeySize);
    if (!allErased(serial, Protocol::kSerialSize)) {
        Serial s {};
        std::memcpy(s.data(), serial, s.size());
        out.serial = s;
    }
    if (!allErased(aes, kAesKeySize))
        out.aesKey = SecretBytes(aes, kAesKeySize);
    out.checksum = stored;
    return out;
}

Result<EepromPersonalization>
StockFormats::readEepromPersonalization(const QString &path, std::optional<qsizetype> expectedSize,
                                        bool verifyChecksum)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Unbuffered))
        return fail(ErrorCode::Refused, QStringLiteral("cannot read the EEPROM image %1: %2")
                                                .arg(path, file.errorString()));
    const qint64 size = file.size();
    if (size > kMaxEepromImageSize)
        return fail(ErrorCode::Malformed,
                    QStringLiteral("the EEPROM image %1 is %2 bytes, more than the %3 accepted")
                            .arg(path)
                            .arg(size)
                            .arg(kMaxEepromImageSize));
    if (expectedSize && size != *expectedSize)
        return fail(ErrorCode::Malformed,
                    QStringLiteral("the EEPROM image %1 is %2 bytes, but mysensors.conf's "
                                   "eeprom_size says %3 (mysgw would not start)")
                            .arg(path)
                            .arg(size)
                            .arg(*expectedSize));
    // One byte more than the file claims, so that a file growing while it is read is caught.
    const qsizetype capacity = qsizetype(size) + 1;
    auto buffer = std::make_unique<char[]>(size_t(capacity));
    qint64 read = 0;
    while (read < capacity) {
        const qint64 n = file.read(buffer.get() + read, capacity - read);
        if (n < 0) {
            read = -1;
            break;
        }
        if (n == 0)
            break;
        read += n;
    }
    Result<EepromPersonalization> result
            = read < 0 ? fail(
                      ErrorCode::Refused,
                      QStringLiteral("cannot read the EEPROM image: %1").arg(file.errorString()))
              : read != size
                      ? fail(ErrorCode::Malformed,
                             QStringLiteral("the EEPROM image changed size while it was read"))
                      : parseEepromPersonalization(QByteArrayView(buffer.get(), qsizetype(read)),
                                                   verifyChecksum);
    wipe(buffer.get(), size_t(capacity));
    if (!result)
        return fail(result.error().code(),
                    QStringLiteral("%1: %2").arg(path, result.error().message()));
    return result;
}

// --- whitelist reader -------------------------------------------------------------------------

namespace {

/// A small strict scanner over the whitelist text (spaces between tokens skipped).
class WhitelistScanner
{
public:
    explicit WhitelistScanner(QByteArrayView text)
        : m_text(text)
    { }
    void skipSpace()
    {
        while (m_at < m_text.size()
               && (m_text[m_at] == ' ' || m_text[m_at] == '\t' || m_text[m_at] == '\n'
                   || m_text[m_at] == '\r'))
            ++m_at;
    }
    bool take(QByteArrayView token)
    {
        skipSpace();
        if (m_text.sliced(m_at).startsWith(token)) {
            m_at += token.size();
            return true;
        }
        return false;
    }
    bool atEnd()
    {
        skipSpace();
        return m_at >= m_text.size();
    }
    /// A decimal or 0x-hex number up to @p max; -1 when there is none or it is too large.
    int number(int max)
    {
        skipSpace();
        int base = 10;
        if (m_text.sliced(m_at).startsWith("0x") || m_text.sliced(m_at).startsWith("0X")) {
            base = 16;
            m_at += 2;
        }
        int value = 0;
        int digits = 0;
        while (m_at < m_text.size()) {
            const int d = hexValue(m_text[m_at]);
            if (d < 0 || d >= base)
                break;
            value = value * base + d;
            if (value > max)
                return -1;
            ++digits;
            ++m_at;
        }
        return digits > 0 && digits <= 8 ? value : -1;
    }

private:
    QByteArrayView m_text;
    qsizetype m_at = 0;
};

} // namespace

Result<QList<WhitelistEntry>> StockFormats::parseWhitelist(QByteArrayView text)
{
    if (text.size() > kMaxConfigSize)
        return fail(ErrorCode::Malformed,
                    QStringLiteral("the whitelist text is %1 bytes, more than the %2 accepted")
                            .arg(text.size())
                            .arg(kMaxConfigSize));
    static constexpr QByteArrayView kOption = "--my-signing-whitelist=";
    static constexpr QByteArrayView kDefine = "#define MY_SIGNING_NODE_WHITELISTING";
    QByteArrayView list = text.trimmed();
    if (list.startsWith(kDefine)) {
        list = list.sliced(kDefine.size());
    } else if (const qsizetype at = list.indexOf(kOption); at >= 0) {
        if (list.sliced(at + kOption.size()).indexOf(kOption) >= 0)
            return fail(ErrorCode::Malformed,
                        QStringLiteral("the command line gives --my-signing-whitelist twice"));
        list = list.sliced(at + kOption.size());
        // One shell word: quoted with " or ', or up to the next space.
        if (!list.isEmpty() && (list[0] == '"' || list[0] == '\'')) {
            const qsizetype end = list.indexOf(list[0], 1);
            if (end < 0)
                return fail(ErrorCode::Malformed,
                            QStringLiteral("--my-signing-whitelist: the quote is not closed"));
            list = list.sliced(1, end - 1);
        } else {
            qsizetype end = 0;
            while (end < list.size() && list[end] != ' ' && list[end] != '\t' && list[end] != '\n')
                ++end;
            list = list.first(end);
        }
    } else if (!list.startsWith('{')) {
        // A configure command line without the option: no whitelist.
        return QList<WhitelistEntry> {};
    }

    WhitelistScanner scan(list);
    QList<WhitelistEntry> entries;
    const auto bad = [&](const QString &what) {
        return fail(ErrorCode::Malformed,
                    QStringLiteral("whitelist entry %1: %2").arg(entries.size() + 1).arg(what));
    };
    if (!scan.take("{"))
        return fail(ErrorCode::Malformed, QStringLiteral("the whitelist does not start with '{'"));
    if (!scan.take("}")) {
        for (;;) {
            if (entries.size() >= 254)
                return fail(ErrorCode::Malformed,
                            QStringLiteral("the whitelist has more than 254 entries"));
            if (!scan.take("{") || !scan.take(".nodeId") || !scan.take("="))
                return bad(QStringLiteral("expected {.nodeId=<id>"));
            const int id = scan.number(255);
            if (id < 0)
                return bad(QStringLiteral("the node id is not a number from 0 to 254"));
            if (!scan.take(",") || !scan.take(".serial") || !scan.take("=") || !scan.take("{"))
                return bad(QStringLiteral("expected ,.serial={ after the node id"));
            WhitelistEntry entry;
            entry.nodeId = quint8(id);
            for (size_t i = 0; i < entry.serial.size(); ++i) {
                if (i > 0 && !scan.take(","))
                    return bad(QStringLiteral("the serial has %1 bytes; it needs %2")
                                       .arg(i)
                                       .arg(entry.serial.size()));
                const int b = scan.number(255);
                if (b < 0)
                    return bad(QStringLiteral("serial byte %1 is not a number from 0 to 255")
                                       .arg(i + 1));
                entry.serial[i] = uint8_t(b);
            }
            if (!scan.take("}"))
                return bad(QStringLiteral("the serial has more than %1 bytes")
                                   .arg(entry.serial.size()));
            if (!scan.take("}"))
                return bad(QStringLiteral("expected '}' after the serial"));
            entries.append(entry);
            if (scan.take("}"))
                break;
            if (!scan.take(","))
                return bad(QStringLiteral("expected ',' or '}' after the entry"));
        }
    }
    if (!scan.atEnd())
        return fail(ErrorCode::Malformed,
                    QStringLiteral("the whitelist has text after its closing '}'"));
    if (Result<void> ok = checkWhitelist(entries); !ok)
        return tl::unexpected(ok.error());
    return entries;
}

} // namespace Warden
