// What stock MySensors tools consume, written byte for byte as the clean-room specification
// (../shared/spec/mysensors-protocol.md, sections 7.3, 7.4 and 13) describes them:
//  - the SecurityPersonalizer sketch's three definitions (MY_HMAC_KEY, MY_AES_KEY,
//    MY_SOFT_SERIAL);
//  - whitelist entries and initializers (MY_SIGNING_NODE_WHITELISTING, and the Linux
//    gateway's `--my-signing-whitelist=` configure option, which allows no spaces);
//  - the Linux gateway's mysensors.conf (key lines and the whole file), and a strict reader
//    for an existing one.
// Key material is only ever produced on an explicit call, returned in SecretBytes or written to
// a file the caller names (atomically, mode 0600), and never logged.
#pragma once

#include <warden/secretbytes.h>
#include <warden/signer.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <optional>

namespace Warden {

/// One whitelist entry: a node and the 9-byte serial its signatures are salted with.
struct WhitelistEntry
{
    quint8 nodeId = 0; ///< 0 (the gateway) or 1..254; 255 is "not assigned" and refused
    Serial serial {};
};

/// How key bytes are written as C definitions. Both tools print uppercase hex digits and
/// separate bytes with a bare comma; they differ in the case of the prefix.
enum class DefineStyle {
    Personalizer, ///< `0x` prefixes: the SecurityPersonalizer's copy-paste block (spec 7.3)
    MysgwGen, ///< `0X` prefixes: the lines `mysgw --gen-*` prints (spec 13.1)
};

/// One `key=value` line of a mysensors.conf that is not one of the three keys.
struct GatewaySetting
{
    QString key;
    QString value;
    int line = 0; ///< where it was read (1-based); 0 for a setting made in code
    bool known = false; ///< one of the keys mysgw knows (unknown ones it warns about and ignores)
};

/// A Linux gateway's (mysgw) configuration: its keys and every other setting, in file order.
struct WARDEN_CORE_EXPORT GatewayConfig
{
    SecretBytes hmacKey; ///< soft_hmac_key, 32 bytes; empty when the file has none
    std::optional<Serial> serial; ///< soft_serial_key, 9 bytes
    SecretBytes aesKey; ///< aes_key, 16 bytes; empty when the file has none
    /// Every other setting, unknown keys included, in the order of the file.
    QList<GatewaySetting> settings;
    /// What mysgw would warn about (unknown keys, a missing eeprom_file), each naming its line.
    QStringList warnings;

    /// The value of @p key among settings, or nothing.
    std::optional<QString> setting(const QString &key) const;
    /// Sets (or replaces) one setting; the three key names are refused.
    Result<void> setSetting(const QString &key, const QString &value);
    /// A configuration with the specification's defaults for the mandatory EEPROM settings
    /// (eeprom_file=/etc/mysensors.eeprom, eeprom_size=1024) and no keys.
    static GatewayConfig defaults();
};

/// The personalization area of a MySensors EEPROM image (spec 7.1, 7.2, 13.3): the Linux
/// gateway's eeprom_file, or a node's EEPROM read out. Holds keys: keep it short-lived.
struct WARDEN_CORE_EXPORT EepromPersonalization
{
    SecretBytes hmacKey; ///< 32 bytes from address 355
    std::optional<Serial> serial; ///< 9 bytes from 387; nothing when erased (FF x 9)
    SecretBytes aesKey; ///< 16 bytes from 396; empty when erased (FF x 16)
    quint8 checksum = 0; ///< byte 282 as stored (verified by the reader)
};

/// Exporters and the importer for stock MySensors tools. Not instantiable.
class WARDEN_CORE_EXPORT StockFormats
{
public:
    StockFormats() = delete;

    /// Sizes the stock tools expect (spec 7.1).
    static constexpr size_t kHmacKeySize = 32;
    static constexpr size_t kAesKeySize = 16;
    /// Largest mysensors.conf the reader accepts; a real one is a few hundred bytes.
    static constexpr qsizetype kMaxConfigSize = 64 * 1024;
    /// Longest line the reader accepts.
    static constexpr qsizetype kMaxConfigLine = 4096;

    /// The personalizer's definitions, one per line, '\n'-terminated, e.g.
    /// `#define MY_HMAC_KEY 0x00,0x01,…,0x1F`, then MY_AES_KEY (left out when @p aesKey is
    /// empty: the sketch keeps its own default) and MY_SOFT_SERIAL.
    /// @p hmacKey must hold 32 bytes, @p aesKey 16 or none.
    [[nodiscard]] static Result<SecretBytes>
    personalizerDefines(const SecretBytes &hmacKey, const SecretBytes &aesKey, const Serial &serial,
                        DefineStyle style = DefineStyle::Personalizer);

    /// The key lines of mysensors.conf, '\n'-terminated: `soft_hmac_key=<64 hex>`,
    /// `soft_serial_key=<18 hex>` and, when @p aesKey is not empty, `aes_key=<32 hex>`;
    /// uppercase hex, no spaces.
    [[nodiscard]] static Result<SecretBytes>
    gatewayKeyLines(const SecretBytes &hmacKey, const SecretBytes &aesKey, const Serial &serial);

    /// The personalizer's whitelist entry for one node:
    /// `{.nodeId = 7,.serial = {0x01,0x23,…}}` (spec 7.3, step 9). Serials are not secret.
    [[nodiscard]] static Result<QByteArray> whitelistEntry(const WhitelistEntry &entry);
    /// The whitelist array `{{.nodeId = 0,.serial = {…}},{.nodeId = 2,.serial = {…}}}`; an
    /// empty list gives `{}`, which 2.3.2 senders need to salt at all (spec 4.12). Node IDs must
    /// be unique: the first match wins, so a second entry would be dead.
    [[nodiscard]] static Result<QByteArray>
    whitelistInitializer(const QList<WhitelistEntry> &entries);
    /// `#define MY_SIGNING_NODE_WHITELISTING <initializer>`, for a node's sketch.
    [[nodiscard]] static Result<QByteArray> whitelistDefine(const QList<WhitelistEntry> &entries);
    /// The Linux gateway's configure option with every space removed and the shell quotes the
    /// braces need: `--my-signing-whitelist="{{.nodeId=0,.serial={0x09,…}}}"` (spec 7.4, 13.4).
    [[nodiscard]] static Result<QByteArray>
    linuxWhitelistOption(const QList<WhitelistEntry> &entries);

    /// The whole mysensors.conf for @p config: a comment line, the settings in order, then
    /// the key lines. Refused when a setting could not be read back the same way (a line
    /// break, a leading '#', a duplicate) or eeprom_file, which mysgw requires, is missing.
    [[nodiscard]] static Result<SecretBytes> gatewayConfigText(const GatewayConfig &config);
    /// Writes gatewayConfigText() to @p path atomically with mode 0600.
    [[nodiscard]] static Result<void> writeGatewayConfig(const QString &path,
                                                         const GatewayConfig &config);

    /// Reads a mysensors.conf strictly (spec 13.2): `key=value` lines, `#` comment lines, empty
    /// lines; spaces after '=' trimmed; a duplicate key, bad hex or a wrong key length is an
    /// error naming the line and the key (never the value); unknown keys are kept and warned
    /// about. Known values are checked (verbose level, 0/1 switches, eeprom_size). Stricter
    /// than mysgw, which checks key values for length only: a non-hex character, a "0x" prefix,
    /// a carriage return, a control character, a space before '=' or a line that is not
    /// key=value are refused, as is a file with soft_hmac_key but not soft_serial_key (or the
    /// reverse) or with no key at all. Comments are not kept.
    [[nodiscard]] static Result<GatewayConfig> parseGatewayConfig(QByteArrayView text);
    /// Reads and parses @p path; the file's bytes are wiped from memory afterwards.
    [[nodiscard]] static Result<GatewayConfig> readGatewayConfig(const QString &path);

    /// Addresses of the personalization fields in an EEPROM image (spec 7.1, default routing
    /// table size).
    static constexpr qsizetype kEepromChecksumAddress = 282;
    static constexpr qsizetype kEepromHmacKeyAddress = 355;
    static constexpr qsizetype kEepromSerialAddress = 387;
    static constexpr qsizetype kEepromAesKeyAddress = 396;
    /// Bytes an image needs to hold the personalization (up to and including the AES key).
    static constexpr qsizetype kEepromPersonalizationSize = 412;
    /// Largest image the reader accepts (mysgw's eeprom_size is checked to the same bound).
    static constexpr qsizetype kMaxEepromImageSize = 16 * 1024 * 1024;

    /// Reads the personalization area of an EEPROM @p image strictly: the image must hold at
    /// least kEepromPersonalizationSize bytes, the HMAC key must not be erased (32 x FF: never
    /// personalized), and byte 282 must equal SHA-256(HMAC key | AES key | serial)[0]
    /// (spec 7.2): a mismatch means damage or an edit outside MySensors, and is refused
    /// unless @p verifyChecksum is false (the Linux gateway never checks that byte, spec 13.3).
    /// Errors name the field and the address, never a key byte.
    [[nodiscard]] static Result<EepromPersonalization>
    parseEepromPersonalization(QByteArrayView image, bool verifyChecksum = true);
    /// Reads @p path and parses it as above. When @p expectedSize is given (mysensors.conf's
    /// eeprom_size) the file must have exactly that size, as mysgw requires. The file's bytes
    /// are wiped from memory afterwards.
    [[nodiscard]] static Result<EepromPersonalization>
    readEepromPersonalization(const QString &path,
                              std::optional<qsizetype> expectedSize = std::nullopt,
                              bool verifyChecksum = true);
    /// Reads a whitelist back: the bare initializer `{{.nodeId=1,.serial={0x4D,…}},…}`, the
    /// define `#define MY_SIGNING_NODE_WHITELISTING {…}`, the Linux configure option
    /// `--my-signing-whitelist="{…}"` or a whole configure command line that holds it (then
    /// only that option is read; none at all gives an empty list). Spaces between tokens are
    /// allowed; node ids are decimal or 0x hex; each serial has exactly 9 bytes; entries are
    /// checked as whitelistInitializer() checks them. Errors name the entry and what is wrong.
    [[nodiscard]] static Result<QList<WhitelistEntry>> parseWhitelist(QByteArrayView text);

    /// Writes @p content (an export above) to @p path atomically (QSaveFile) with mode 0600.
    [[nodiscard]] static Result<void> writeSecretFile(const QString &path,
                                                      const SecretBytes &content);
};

} // namespace Warden
