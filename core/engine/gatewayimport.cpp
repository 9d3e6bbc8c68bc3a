// The import of a Linux gateway's configuration (see gatewayimport.h for the rules).
#include <warden/gatewayimport.h>
#include <warden/inventory.h>
#include <warden/protocol/sha256.h>
#include <warden/stockformats.h>

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QLoggingCategory>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Warden {

Q_LOGGING_CATEGORY(lcImport, "warden.core.import")

namespace {

QString hexOf(const Serial &serial)
{
    return QString::fromLatin1(
            QByteArray(reinterpret_cast<const char *>(serial.data()), qsizetype(serial.size()))
                    .toHex());
}

bool sameKey(const SecretBytes &a, const SecretBytes &b)
{
    return a.size() == b.size() && Protocol::constantTimeEqual(a.data(), b.data(), a.size());
}

/// What the key store held before the import, to put back when the inventory refuses.
struct StoreUndo
{
    std::optional<quint16> addedEpoch;
    bool gatewaySerialChanged = false;
    std::optional<Serial> previousGatewaySerial;
    QList<quint8> addedNodes; ///< nodes the store did not know: removed on undo
};

Result<void> undo(KeyStore &keys, const StoreUndo &u)
{
    if (u.addedEpoch)
        if (Result<void> ok = keys.removeNetworkKey(*u.addedEpoch); !ok)
            return ok;
    if (u.gatewaySerialChanged)
        keys.setGatewaySerial(u.previousGatewaySerial);
    for (quint8 id : u.addedNodes)
        if (Result<void> ok = keys.removeNode(id); !ok)
            return ok;
    return keys.save();
}

} // namespace

QString GatewayImportReport::text() const
{
    QStringList lines;
    lines << u"Imported the gateway's configuration:"_s;
    lines << u"  network key %1, epoch %2 (%3)%4"_s.arg(networkKeyFingerprint)
                     .arg(epoch)
                     .arg(state == NetworkKeyState::Active    ? u"active"_s
                          : state == NetworkKeyState::Pending ? u"pending"_s
                                                              : u"retired"_s)
                     .arg(keyAlreadyHeld ? u", already in the key store"_s : QString());
    lines << u"  gateway serial %1"_s.arg(gatewaySerialHex);
    if (!aesKeyFingerprint.isEmpty())
        lines << u"  AES key %1 (kept by the gateway; not imported)"_s.arg(aesKeyFingerprint);
    lines << (eepromPath.isEmpty() ? u"  EEPROM image: not read"_s
                                   : u"  EEPROM image %1 agrees with the conf"_s.arg(eepromPath));
    QStringList ids;
    for (quint8 id : nodes)
        ids << QString::number(id);
    lines << u"  %1 whitelisted node(s)%2"_s.arg(nodes.size())
                     .arg(ids.isEmpty() ? QString() : u": "_s + ids.join(u", "_s));
    for (const QString &w : warnings)
        lines << u"warning: "_s + w;
    for (const QString &n : nextSteps)
        lines << u"next: "_s + n;
    return lines.join(u'\n');
}

Result<GatewayImportReport> GatewayImport::importGateway(KeyStore &keys, Inventory &inventory,
                                                         const GatewayImportRequest &request)
{
    const auto refuse = [](const QString &why) {
        return fail(ErrorCode::Refused, u"gateway import: "_s + why + u"; nothing was changed"_s);
    };
    if (request.who.trimmed().isEmpty())
        return fail(ErrorCode::InvalidArgument, u"gateway import: who imports is not named"_s);
    if (inventory.isReadOnly())
        return refuse(u"the inventory was opened read-only"_s);

    // 1. Read everything.
    auto config = StockFormats::readGatewayConfig(request.configPath);
    if (!config)
        return fail(config.error().code(),
                    u"gateway import: %1; nothing was changed"_s.arg(config.error().message()));
    GatewayImportReport report;
    report.warnings = config->warnings;
    if (config->hmacKey.isEmpty() || !config->serial)
        return refuse(
                u"%1 has no soft_hmac_key and soft_serial_key: the gateway does not sign "
                "with a soft key, there is no network key to import"_s.arg(request.configPath));

    QString eepromPath = request.eepromPath;
    if (eepromPath.isEmpty()) {
        if (const auto named = config->setting(u"eeprom_file"_s)) {
            const QString resolved
                    = QDir(QFileInfo(request.configPath).absolutePath()).filePath(*named);
            if (QFileInfo::exists(resolved))
                eepromPath = resolved;
            else
                report.warnings << u"the gateway's EEPROM image %1 was not found here: only "
                                   "mysensors.conf was read (name the image to compare it)"_s.arg(
                                           resolved);
        }
    }
    if (!eepromPath.isEmpty()) {
        std::optional<qsizetype> size = 1024; // mysgw's default eeprom_size (spec 13.2)
        if (const auto given = config->setting(u"eeprom_size"_s))
            size = qsizetype(given->toUInt()); // checked by the conf reader
        auto image = StockFormats::readEepromPersonalization(eepromPath, size,
                                                             !request.ignoreEepromChecksum);
        if (!image)
            return fail(image.error().code(),
                        u"gateway import: %1%2; nothing was changed"_s.arg(
                                image.error().message(),
                                image.error().message().contains(u"checksum"_s)
                                        ? u" (mysgw itself never checks that byte: if only mysgw "
                                          "wrote this image, ignore the EEPROM checksum to "
                                          "import it, its keys are still compared with the "
                                          "conf)"_s
                                        : QString()));
        QStringList differ;
        if (!sameKey(image->hmacKey, config->hmacKey))
            differ << u"HMAC key (conf %1, EEPROM %2)"_s.arg(config->hmacKey.fingerprint(),
                                                             image->hmacKey.fingerprint());
        if (image->serial != config->serial)
            differ << u"serial (conf %1, EEPROM %2)"_s.arg(
                    hexOf(*config->serial), image->serial ? hexOf(*image->serial) : u"erased"_s);
        if (!config->aesKey.isEmpty() && !sameKey(image->aesKey, config->aesKey))
            differ << u"AES key (conf %1, EEPROM %2)"_s.arg(
                    config->aesKey.fingerprint(),
                    image->aesKey.isEmpty() ? u"erased"_s : image->aesKey.fingerprint());
        if (!differ.isEmpty())
            return refuse(u"%1 and the EEPROM image %2 disagree on the %3. The running mysgw "
                          "signs with the image's keys, its next start would use the conf's: "
                          "restart mysgw so that the image takes the conf's keys and import "
                          "again, or name the image that belongs to this conf"_s.arg(
                                  request.configPath, eepromPath, differ.join(u", "_s)));
        report.eepromPath = eepromPath;
    }

    QList<WhitelistEntry> whitelist;
    if (!request.whitelist.trimmed().isEmpty()) {
        auto parsed = StockFormats::parseWhitelist(request.whitelist);
        if (!parsed)
            return fail(parsed.error().code(),
                        u"gateway import: %1; nothing was changed"_s.arg(parsed.error().message()));
        whitelist = std::move(*parsed);
    }

    // 2. Check against the key store and the inventory.
    std::optional<quint16> heldEpoch;
    NetworkKeyState heldState = NetworkKeyState::Active;
    std::optional<quint16> otherActive;
    quint16 newest = 0;
    for (const NetworkKeyInfo &info : keys.networkKeys()) {
        newest = std::max(newest, info.epoch);
        auto key = keys.networkKey(info.epoch);
        if (!key)
            return refuse(key.error().message());
        if (sameKey(*key, config->hmacKey)) {
            heldEpoch = info.epoch;
            heldState = info.state;
        } else if (info.state == NetworkKeyState::Active) {
            otherActive = info.epoch;
        }
    }
    if (heldEpoch && heldState == NetworkKeyState::Retired)
        return refuse(u"the key store retired this network key (%1) in epoch %2: a retired key "
                      "is not taken back"_s.arg(config->hmacKey.fingerprint())
                              .arg(*heldEpoch));
    if (!heldEpoch && otherActive && !request.asPendingEpoch)
        return refuse(u"the key store already holds a different active network key (epoch %1, "
                      "%2); import this one (%3) as a new pending epoch if it is to replace it"_s
                              .arg(*otherActive)
                              .arg(keys.networkKeyInfo(*otherActive)->fingerprint,
                                   config->hmacKey.fingerprint()));
    if (!heldEpoch && newest == 0xFFFF)
        return refuse(u"the key store has no epoch number left"_s);
    if (const auto current = keys.gatewaySerial(); current && *current != *config->serial)
        return refuse(u"the key store's gateway serial is %1, the imported gateway's %2"_s.arg(
                hexOf(*current), hexOf(*config->serial)));

    QList<WhitelistEntry> nodes;
    for (const WhitelistEntry &entry : whitelist) {
        if (entry.nodeId == 0) {
            // The gateway listing itself: harmless when it is its own serial.
            if (entry.serial != *config->serial)
                report.warnings << u"the whitelist's entry for node 0 (the gateway) holds %1, "
                                   "not the gateway's serial %2: ignored"_s.arg(
                                           hexOf(entry.serial), hexOf(*config->serial));
            continue;
        }
        if (const auto held = keys.node(entry.nodeId);
            held && held->serial && *held->serial != entry.serial)
            return refuse(u"the key store holds serial %1 for node %2, the whitelist %3"_s
                                  .arg(hexOf(*held->serial))
                                  .arg(entry.nodeId)
                                  .arg(hexOf(entry.serial)));
        const auto record = inventory.node(entry.nodeId);
        if (!record)
            return refuse(record.error().message());
        if (*record && (*record)->revoked)
            return refuse(u"node %1 of the whitelist is revoked in the inventory: readmit it "
                          "first (after re-personalization) or leave it out"_s.arg(entry.nodeId));
        nodes << entry;
    }
    std::sort(nodes.begin(), nodes.end(),
              [](const WhitelistEntry &a, const WhitelistEntry &b) { return a.nodeId < b.nodeId; });

    // 3. The key store, saved.
    StoreUndo undoLog;
    const quint16 epoch = heldEpoch.value_or(quint16(newest + 1));
    const NetworkKeyState state = heldEpoch                               ? heldState
                                  : otherActive || request.asPendingEpoch ? NetworkKeyState::Pending
                                                                          : NetworkKeyState::Active;
    Result<void> stored = [&]() -> Result<void> {
        if (!heldEpoch) {
            if (Result<void> ok = keys.setNetworkKey(epoch, config->hmacKey, state); !ok)
                return ok;
            undoLog.addedEpoch = epoch;
        }
        if (!keys.gatewaySerial()) {
            undoLog.gatewaySerialChanged = true;
            keys.setGatewaySerial(config->serial);
        }
        for (const WhitelistEntry &entry : nodes) {
            const auto held = keys.node(entry.nodeId);
            if (held && held->serial)
                continue;
            if (!held)
                undoLog.addedNodes << entry.nodeId;
            if (Result<void> ok = keys.setSerial(entry.nodeId, entry.serial); !ok)
                return ok;
        }
        return keys.save();
    }();
    if (!stored) {
        // Nothing reached the disk; the in-memory store goes back to the file's content.
        if (Result<void> back = undo(keys, undoLog); !back)
            qCWarning(lcImport).noquote()
                    << "gateway import: undo failed:" << back.error().message();
        return refuse(u"the key store was not saved: %1"_s.arg(stored.error().message()));
    }

    // 4. The inventory: node serials, the key epoch, the audit entry; all committed.
    report.networkKeyFingerprint = config->hmacKey.fingerprint();
    report.epoch = epoch;
    report.state = state;
    report.keyAlreadyHeld = heldEpoch.has_value();
    report.gatewaySerialHex = hexOf(*config->serial);
    report.aesKeyFingerprint = config->aesKey.isEmpty() ? QString() : config->aesKey.fingerprint();
    QJsonArray listed;
    for (const WhitelistEntry &entry : nodes) {
        report.nodes << entry.nodeId;
        listed.append(
                QJsonObject {{u"node"_s, int(entry.nodeId)}, {u"serial"_s, hexOf(entry.serial)}});
    }
    int queued = 0; // writes the inventory accepted
    Result<qint64> audited = [&]() -> Result<qint64> {
        // The audit entry first: it is the write the inventory is most likely to refuse at once
        // (its texts are checked), and a refusal then leaves the inventory untouched.
        AuditEntry entry;
        entry.who = request.who;
        entry.what = QString::fromLatin1(kAuditWhat);
        entry.why = u"imported the Linux gateway's configuration %1"_s.arg(
                QFileInfo(request.configPath).fileName());
        entry.details
                = {{u"networkKey"_s, report.networkKeyFingerprint},
                   {u"epoch"_s, int(epoch)},
                   {u"state"_s, state == NetworkKeyState::Active ? u"active"_s : u"pending"_s},
                   {u"alreadyHeld"_s, report.keyAlreadyHeld},
                   {u"gatewaySerial"_s, report.gatewaySerialHex},
                   {u"aesKey"_s, report.aesKeyFingerprint},
                   {u"eeprom"_s, !report.eepromPath.isEmpty()},
                   {u"whitelist"_s, listed}};
        auto audit = inventory.recordAudit(entry);
        if (!audit)
            return tl::unexpected(audit.error());
        ++queued;
        QList<InventoryTicket> tickets {audit->ticket};
        if (!heldEpoch) {
            KeyEpoch record;
            record.epoch = epoch;
            record.scope = u"network"_s;
            record.keyFingerprint = report.networkKeyFingerprint;
            record.state = state == NetworkKeyState::Active ? KeyEpochState::Active
                                                            : KeyEpochState::Generated;
            auto receipt = inventory.addKeyEpoch(record);
            if (!receipt)
                return tl::unexpected(receipt.error());
            ++queued;
            tickets << receipt->ticket;
        }
        for (const WhitelistEntry &node : nodes) {
            NodeSecurity security;
            security.serialHex = hexOf(node.serial);
            if (const auto held = keys.node(node.nodeId)) {
                security.linkKeyFingerprint = held->linkKeyFingerprint;
                security.managementKeyFingerprint = held->managementKeyFingerprint;
            }
            auto receipt = inventory.setNodeSecurity(node.nodeId, security);
            if (!receipt)
                return tl::unexpected(receipt.error());
            ++queued;
            tickets << receipt->ticket;
        }
        // Queued together, they are normally committed in one batch. A database failure while
        // they are written may still leave some committed: the inventory offers its callers no
        // transaction over several writes (a known limit, said in the error).
        for (InventoryTicket ticket : tickets)
            if (Result<void> ok = inventory.waitForCommitted(ticket); !ok)
                return tl::unexpected(ok.error());
        return audit->id;
    }();
    if (!audited) {
        QString message = u"gateway import: the inventory refused it (%1); %2"_s.arg(
                audited.error().message(),
                queued == 0 ? u"the inventory is unchanged"_s
                            : u"%1 of its writes were accepted before the failure and may "
                              "remain"_s.arg(queued));
        if (Result<void> back = undo(keys, undoLog); !back)
            message += u"; the key store could not be put back (%1): it holds the imported "
                       "network key %2 in epoch %3"_s
                               .arg(back.error().message(), report.networkKeyFingerprint)
                               .arg(epoch);
        else
            message += u"; the key store is as it was before"_s;
        qCWarning(lcImport).noquote() << message;
        return fail(ErrorCode::Refused, message);
    }
    report.auditId = *audited;

    // 5. What the operator does next.
    if (!report.aesKeyFingerprint.isEmpty())
        report.nextSteps << u"the AES key (RF encryption) stays with the gateway and its nodes; "
                            "Warden does not use it"_s;
    if (state == NetworkKeyState::Pending)
        report.nextSteps << u"epoch %1 is pending: roll it out with a key rotation before it is "
                            "accepted"_s.arg(epoch);
    if (nodes.isEmpty())
        report.nextSteps << u"no whitelist was imported: give the gateway's "
                            "--my-signing-whitelist option to record the nodes' serials, or "
                            "Warden cannot verify salted signatures"_s;
    report.nextSteps << u"nodes keep the shared key: move Warden nodes to link keys of their own "
                        "(migration), re-personalize stock nodes to retire the shared key"_s;
    report.nextSteps << u"stop mysgw before Warden takes the radio over as the gateway"_s;
    qCInfo(lcImport).noquote() << "gateway configuration imported: network key"
                               << report.networkKeyFingerprint << "epoch" << epoch
                               << "gateway serial" << report.gatewaySerialHex << "nodes"
                               << report.nodes.size();
    return report;
}

} // namespace Warden
