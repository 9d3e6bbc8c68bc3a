// Taking a running stock MySensors network over from its Linux gateway (mysgw): the shared HMAC
// key of mysensors.conf becomes a network key of the key store, the gateway's serial the store's
// gateway serial, the gateway's whitelist (its `--my-signing-whitelist=` configure option) the
// serials of those nodes; an audit entry names what was imported by fingerprint. Keys are never
// shown: the report carries fingerprints only.
//
// Sources, and which wins:
//  - mysensors.conf is the source (StockFormats::readGatewayConfig, strict).
//  - The EEPROM image (the conf's eeprom_file, or a file the caller names) is read when there is
//    one, strictly (StockFormats::readEepromPersonalization: size = eeprom_size, checksum
//    verified), and compared with the conf. When they DISAGREE (another HMAC key, serial or AES
//    key) NEITHER wins: the import is refused. mysgw loads its signing key from the image before
//    it copies the conf's keys into it (spec 13.3), so after a change of the conf the running
//    gateway signs with the image's key and the next start with the conf's: importing either
//    could lock out the network. Restart mysgw (the image then takes the conf's keys) and import
//    again, or name the image that belongs to the conf.
//
// All or nothing: everything is read and checked (files, whitelist, the key store's network keys,
// gateway serial and node serials, the inventory) before anything is changed. The key store is
// then changed and saved (with its automatic backup), then the inventory gets the audit entry,
// the key epoch and the node serials; if the inventory refuses, the key store is put back and
// saved again (its content as before; the file is re-sealed and a backup added). Known limit: a
// database failure while the inventory commits those writes may leave part of them, because the
// inventory has no transaction over several writes for its callers; the error says so.
#pragma once

#include <warden/error.h>
#include <warden/global.h>
#include <warden/keystore.h>

#include <QtCore/QList>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <optional>

namespace Warden {

class Inventory;

/// What to import.
struct WARDEN_CORE_EXPORT GatewayImportRequest
{
    QString configPath; ///< the gateway's mysensors.conf
    /// The gateway's EEPROM image. Empty: the conf's eeprom_file when that file exists (a
    /// relative path is taken from the conf's folder); when it does not, only the conf is read
    /// and the report warns about it.
    QString eepromPath;
    /// The gateway's whitelist: its `--my-signing-whitelist="{…}"` configure option, or the
    /// whole configure command line (see StockFormats::parseWhitelist). Empty: no whitelist.
    QByteArray whitelist;
    /// Accept an EEPROM image whose personalization checksum (byte 282) does not match. mysgw
    /// never checks that byte (spec 13.3), so an image only it wrote may not carry a valid one;
    /// the keys and serial are still compared with the conf.
    bool ignoreEepromChecksum = false;
    /// When the store already holds a DIFFERENT active network key: import this one as a new
    /// Pending epoch (to be rolled out), instead of refusing.
    bool asPendingEpoch = false;
    QString who = QStringLiteral("import"); ///< for the audit log
};

/// What was imported: fingerprints and public facts only.
struct WARDEN_CORE_EXPORT GatewayImportReport
{
    QString networkKeyFingerprint;
    quint16 epoch = 0; ///< the key store epoch that holds the key
    NetworkKeyState state = NetworkKeyState::Active;
    bool keyAlreadyHeld = false; ///< the store held this key already (no new epoch)
    QString gatewaySerialHex; ///< lower-case hex, not a secret
    QString aesKeyFingerprint; ///< empty: the gateway has no AES key
    QString eepromPath; ///< the image compared with the conf; empty when none was read
    QList<quint8> nodes; ///< the whitelisted nodes whose serials were recorded, ascending
    QStringList warnings; ///< the conf reader's warnings and the import's own
    QStringList nextSteps; ///< what the operator must do next, one sentence each
    qint64 auditId = 0; ///< the "gateway.import" audit entry
    /// The report for the operator: fingerprints, node count, warnings, next steps.
    QString text() const;
};

/// The import workflow. Not instantiable.
class WARDEN_CORE_EXPORT GatewayImport
{
public:
    GatewayImport() = delete;

    /// The audit entry's "what".
    static constexpr const char *kAuditWhat = "gateway.import";

    /// Imports @p request into @p keys (saved) and @p inventory (committed); see the file
    /// comment for the sources, the order and the all-or-nothing rule. Refused, with nothing
    /// changed, when: a file is missing or does not parse; the conf has no soft_hmac_key; the
    /// image disagrees with the conf; the store holds a different active network key (unless
    /// asPendingEpoch), has retired this key, holds another gateway serial, or holds another
    /// serial for a whitelisted node; the inventory is read-only. Error messages name the file,
    /// the field or the node, never a key byte.
    [[nodiscard]] static Result<GatewayImportReport>
    importGateway(KeyStore &keys, Inventory &inventory, const GatewayImportRequest &request);
};

} // namespace Warden
