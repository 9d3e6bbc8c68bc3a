#include <warden/inventory.h>
#include <warden/keystore.h>
#include <warden/personalizationstation.h>
#include <warden/secretbytes.h>
#include <warden/securityworkflows.h>

#include "readmission_p.h"
#include "security/personalizationclient.h"

#include <QtCore/QIODevice>
#include <QtCore/QJsonArray>
#include <QtCore/QLoggingCategory>

using namespace Qt::StringLiterals;

namespace Warden {

Q_LOGGING_CATEGORY(lcStation, "warden.core.personalization")

namespace {

using Internal::PersonalizationClient;
using Internal::PersonalizationInfo;

QString hexOf(const Serial &serial)
{
    return QString::fromLatin1(
            QByteArray(reinterpret_cast<const char *>(serial.data()), qsizetype(serial.size()))
                    .toHex());
}

QString fingerprintOrEmpty(const SecretBytes &key)
{
    return key.isEmpty() ? QString() : key.fingerprint();
}

/// The node's entry in the key store before the session, to put back on a rollback.
struct PreviousEntry
{
    bool existed = false;
    std::optional<Serial> serial;
    SecretBytes linkKey;
    SecretBytes managementKey;
};

PreviousEntry snapshot(const KeyStore &store, quint8 node)
{
    PreviousEntry out;
    const auto info = store.node(node);
    if (!info)
        return out;
    out.existed = true;
    out.serial = info->serial;
    if (auto key = store.linkKey(node))
        out.linkKey = std::move(*key);
    if (auto key = store.managementKey(node))
        out.managementKey = std::move(*key);
    return out;
}

Result<void> restore(KeyStore &store, quint8 node, const PreviousEntry &previous)
{
    if (store.node(node))
        if (Result<void> ok = store.removeNode(node); !ok)
            return ok;
    if (previous.existed) {
        if (previous.serial)
            if (Result<void> ok = store.setSerial(node, *previous.serial); !ok)
                return ok;
        if (!previous.linkKey.isEmpty())
            if (Result<void> ok = store.setLinkKey(node, previous.linkKey); !ok)
                return ok;
        if (!previous.managementKey.isEmpty())
            if (Result<void> ok = store.setManagementKey(node, previous.managementKey); !ok)
                return ok;
    }
    return store.save();
}

struct Expected
{
    quint8 nodeId = 0;
    Serial serial {};
    QString link;
    QString network;
    quint16 epoch = 0;
    QString management;
    quint8 policy = 0;
    QList<QPair<quint8, Serial>> whitelist;
};

/// The fields of the read-back that differ from what was written (names only, no values).
QStringList differences(const Expected &want, const PersonalizationInfo &got)
{
    QStringList out;
    if (got.nodeId != want.nodeId)
        out << u"ID"_s;
    if (got.serial != want.serial || !got.wardenSerial)
        out << u"SERIAL"_s;
    if (got.linkFingerprint != want.link)
        out << u"LINK"_s;
    if (got.networkFingerprint != want.network || got.networkEpoch != want.epoch)
        out << u"NET"_s;
    if (got.managementFingerprint != want.management)
        out << u"MGMT"_s;
    if (!got.policy || (*got.policy & 0x03) != want.policy)
        out << u"POLICY"_s;
    auto sorted = [](QList<QPair<quint8, Serial>> list) {
        std::sort(list.begin(), list.end());
        return list;
    };
    if (sorted(got.whitelist) != sorted(want.whitelist))
        out << u"WL"_s;
    return out;
}

QJsonObject fingerprintsOf(const PersonalizationInfo &info)
{
    return {{u"serial"_s, hexOf(info.serial)},
            {u"link"_s, info.linkFingerprint},
            {u"network"_s, info.networkFingerprint},
            {u"epoch"_s, int(info.networkEpoch)},
            {u"management"_s, info.managementFingerprint}};
}

} // namespace

PersonalizationStation::PersonalizationStation(KeyStore *keys, Inventory *inventory)
    : m_keys(keys)
    , m_inventory(inventory)
{ }

PersonalizationStation::~PersonalizationStation() = default;

void PersonalizationStation::setWorkflows(SecurityWorkflows *workflows)
{
    m_workflows = workflows;
}

Result<PersonalizationReport>
PersonalizationStation::personalize(QIODevice *device, const PersonalizationRequest &request,
                                    const PersonalizationTimeouts &timeouts)
{
    const quint8 id = request.nodeId;
    if (!device || !device->isOpen() || !device->isReadable() || !device->isWritable())
        return fail(ErrorCode::InvalidArgument,
                    u"personalization: the serial device is not open for reading and writing"_s);
    if (id < 1 || id > 254)
        return fail(ErrorCode::InvalidArgument,
                    u"personalization: node id %1 is outside 1..254"_s.arg(id));
    if (request.policy && *request.policy > 0x03)
        return fail(ErrorCode::InvalidArgument, u"personalization: policy above 03"_s);
    if (request.policy && *request.policy == 0x02)
        return fail(ErrorCode::InvalidArgument,
                    u"personalization: policy 02 (whitelisting without signatures)"_s);
    if (request.extraWhitelist.size() > 15)
        return fail(ErrorCode::InvalidArgument,
                    u"personalization: at most 15 extra whitelist entries"_s);
    // A revoked id comes back only through readmission, asked for explicitly.
    {
        const auto record = m_inventory->node(id);
        if (!record)
            return fail(record.error().code(),
                        u"personalization: the inventory cannot be read: %1"_s.arg(
                                record.error().message()));
        const bool revoked = *record && (*record)->revoked;
        if (revoked && !request.readmit)
            return fail(ErrorCode::Refused,
                        u"personalization: node %1 is revoked; personalize it with readmission "
                        "to lift the revocation with the new keys (nothing was changed)"_s.arg(id));
        if (!revoked && request.readmit)
            return fail(ErrorCode::Refused,
                        u"personalization: node %1 is not revoked, there is nothing to readmit "
                        "(nothing was changed)"_s.arg(id));
    }
    const auto existing = m_keys->node(id);
    if (existing
        && (!existing->managementKeyFingerprint.isEmpty()
            || !existing->linkKeyFingerprint.isEmpty())
        && !request.replaceExisting)
        return fail(ErrorCode::Refused,
                    u"personalization: the key store already holds keys for node %1 (ask to "
                    "replace them to re-personalize it)"_s.arg(id));

    // The network key to hand out, found before the node is touched.
    quint16 epoch = request.networkEpoch;
    if (epoch == 0) {
        for (const NetworkKeyInfo &info : m_keys->networkKeys())
            if (info.state == NetworkKeyState::Active && info.epoch > epoch)
                epoch = info.epoch;
    }
    SecretBytes networkKey;
    if (epoch != 0) {
        auto key = m_keys->networkKey(epoch);
        if (!key)
            return fail(
                    ErrorCode::Refused,
                    u"personalization: the key store has no network key of epoch %1"_s.arg(epoch));
        networkKey = std::move(*key);
    }

    Expected want;
    want.nodeId = id;
    if (request.whitelistGateway && m_keys->gatewaySerial())
        want.whitelist.append({quint8(0), *m_keys->gatewaySerial()});
    for (const auto &entry : request.extraWhitelist) {
        if (entry.first == 0xFF)
            return fail(ErrorCode::InvalidArgument,
                        u"personalization: whitelist id FF is not a node"_s);
        want.whitelist.append(entry);
    }
    want.policy = request.policy.value_or(want.whitelist.isEmpty() ? 0x01 : 0x03);
    want.epoch = epoch;
    want.network = fingerprintOrEmpty(networkKey);

    // 1. The node answers and shows its state before anything is generated or stored.
    PersonalizationClient::Timeouts clientTimeouts;
    clientTimeouts.helloMs = timeouts.helloMs;
    clientTimeouts.commandMs = timeouts.commandMs;
    clientTimeouts.helloRepeatMs = timeouts.helloRepeatMs;
    clientTimeouts.quietMs = timeouts.quietMs;
    PersonalizationClient client(device, clientTimeouts);
    auto before = client.open();
    if (!before)
        return tl::unexpected(before.error());
    qCInfo(lcStation) << "node on the line: firmware" << before->firmwareVersion << "id"
                      << before->nodeId << "management key" << before->managementFingerprint;

    // 2. Fresh keys, saved in the key store before the node commits.
    auto managementKey = SecretBytes::random(KeyStore::kKeySize);
    if (!managementKey)
        return tl::unexpected(managementKey.error());
    SecretBytes linkKey;
    if (request.generateLinkKey) {
        auto key = SecretBytes::random(KeyStore::kKeySize);
        if (!key)
            return tl::unexpected(key.error());
        linkKey = std::move(*key);
    }
    if (request.serial) {
        want.serial = *request.serial;
    } else if (Result<void> ok = systemRandom(want.serial.data(), want.serial.size()); !ok) {
        return tl::unexpected(ok.error());
    }
    want.management = managementKey->fingerprint();
    want.link = fingerprintOrEmpty(linkKey);

    const PreviousEntry previous = snapshot(*m_keys, id);
    auto audit
            = [&](const QString &what, const QString &why, QJsonObject details) -> Result<qint64> {
        details.insert(u"firmware"_s, before->firmwareVersion);
        AuditEntry entry;
        entry.who = request.who;
        entry.what = what;
        entry.why = why;
        entry.node = id;
        entry.details = details;
        auto receipt = m_inventory->recordAudit(entry);
        if (!receipt)
            return tl::unexpected(receipt.error());
        if (Result<void> ok = m_inventory->waitForCommitted(receipt->ticket); !ok)
            return tl::unexpected(ok.error());
        return receipt->id;
    };
    QJsonObject generated {{u"serial"_s, hexOf(want.serial)},
                           {u"link"_s, want.link},
                           {u"network"_s, want.network},
                           {u"epoch"_s, int(want.epoch)},
                           {u"management"_s, want.management}};
    // A failure whose node kept its old state: the store entry goes back to what it was.
    auto rollBack = [&](const Error &error, const QString &what, QJsonObject details) -> Error {
        QString message = error.message();
        if (Result<void> ok = restore(*m_keys, id, previous); !ok)
            message += u"; the key store could not be rolled back (%1): it holds the unused "
                       "keys %2 (management) for node %3"_s
                               .arg(ok.error().message(), want.management)
                               .arg(id);
        else
            message += u"; the key store is as it was before"_s;
        details.insert(u"generated"_s, generated);
        if (auto logged = audit(what, error.message(), details); !logged)
            message += u"; the audit entry was not stored: %1"_s.arg(logged.error().message());
        qCWarning(lcStation).noquote() << message;
        return Error(error.code(), message);
    };

    {
        Result<void> stored = [&]() -> Result<void> {
            if (previous.existed)
                if (Result<void> ok = m_keys->removeNode(id); !ok)
                    return ok;
            if (Result<void> ok = m_keys->setSerial(id, want.serial); !ok)
                return ok;
            if (Result<void> ok = m_keys->setManagementKey(id, *managementKey); !ok)
                return ok;
            if (!linkKey.isEmpty())
                if (Result<void> ok = m_keys->setLinkKey(id, linkKey); !ok)
                    return ok;
            return m_keys->save();
        }();
        if (!stored) {
            // Nothing reached the node; the in-memory store goes back to the file's content.
            (void)restore(*m_keys, id, previous);
            (void)client.end();
            return fail(stored.error().code(),
                        u"personalization: the key store could not be saved before the commit, "
                        "nothing was written to the node: %1"_s.arg(stored.error().message()));
        }
    }
    qCInfo(lcStation) << "key store saved for node" << id << "management key" << want.management
                      << "link key" << (want.link.isEmpty() ? u"-"_s : want.link);

    // 3. The stage, then the commit.
    Result<void> staged = [&]() -> Result<void> {
        if (Result<void> ok = client.wipe(); !ok)
            return ok;
        if (Result<void> ok = client.stageSerial(want.serial); !ok)
            return ok;
        if (Result<void> ok = client.stageManagementKey(*managementKey); !ok)
            return ok;
        if (Result<void> ok = client.stageLinkKey(linkKey); !ok)
            return ok;
        if (Result<void> ok = client.stageNetworkKey(networkKey, epoch); !ok)
            return ok;
        if (Result<void> ok = client.stagePolicy(want.policy); !ok)
            return ok;
        for (const auto &entry : want.whitelist)
            if (Result<void> ok = client.stageWhitelistEntry(entry.first, entry.second); !ok)
                return ok;
        return {};
    }();
    networkKey = SecretBytes();
    linkKey = SecretBytes();
    *managementKey = SecretBytes();
    if (!staged) {
        if (!client.lastTimedOut())
            (void)client.abort();
        (void)client.end();
        return tl::unexpected(rollBack(staged.error(), u"personalize.failed"_s, {}));
    }

    auto sequence = client.commit();
    if (!sequence) {
        if (client.lastErrorCode() > 0) {
            (void)client.end();
            return tl::unexpected(rollBack(sequence.error(), u"personalize.failed"_s, {}));
        }
        // Unknown outcome: what does the node hold now?
        auto info = client.info();
        const bool isNew = info && info->managementFingerprint == want.management;
        const bool isOld = info && info->managementFingerprint == before->managementFingerprint
                           && info->serial == before->serial;
        if (!isNew) {
            if (isOld) {
                (void)client.end();
                return tl::unexpected(rollBack(sequence.error(), u"personalize.failed"_s, {}));
            }
            QString message
                    = sequence.error().message()
                      + u"; the outcome is unknown: the key store keeps the new keys "
                        "(management %1) for node %2; personalize it again"_s.arg(want.management)
                                .arg(id);
            QJsonObject details {{u"generated"_s, generated}};
            if (auto logged
                = audit(u"personalize.uncertain"_s, sequence.error().message(), details);
                !logged)
                message += u"; the audit entry was not stored: %1"_s.arg(logged.error().message());
            qCWarning(lcStation).noquote() << message;
            return tl::unexpected(Error(sequence.error().code(), message));
        }
        sequence = 0u;
    }

    // The id is written at once by the node, so only after a commit that holds.
    if (Result<void> ok = client.setNodeId(id); !ok) {
        QString message = ok.error().message()
                          + u"; the keys were committed and stay in the key store, but the "
                            "node's id was not written: personalize it again"_s;
        (void)audit(u"personalize.uncertain"_s, ok.error().message(),
                    {{u"generated"_s, generated}});
        return tl::unexpected(Error(ok.error().code(), message));
    }

    // 4. Read back.
    auto readBack = client.info();
    if (!readBack) {
        QString message = readBack.error().message()
                          + u"; the commit was answered but its read-back failed: the key "
                            "store keeps the new keys for node %1; check with INFO"_s.arg(id);
        (void)audit(u"personalize.uncertain"_s, readBack.error().message(),
                    {{u"generated"_s, generated}});
        return tl::unexpected(Error(readBack.error().code(), message));
    }
    const QStringList differ = differences(want, *readBack);
    if (!differ.isEmpty()) {
        (void)client.end();
        return tl::unexpected(rollBack(
                Error(ErrorCode::Refused,
                      u"personalization: node %1 committed, but its read-back differs from "
                      "what was written in %2: wipe it and personalize it again"_s.arg(id)
                              .arg(differ.join(u", "_s))),
                u"personalize.mismatch"_s, {{u"node"_s, fingerprintsOf(*readBack)}}));
    }
    if (Result<void> ok = client.end(); !ok)
        qCWarning(lcStation).noquote() << "END:" << ok.error().message();

    // 5. The inventory.
    NodeSecurity security;
    security.serialHex = hexOf(want.serial);
    security.linkKeyFingerprint = want.link;
    security.managementKeyFingerprint = want.management;
    auto receipt = m_inventory->setNodeSecurity(id, security);
    if (!receipt)
        return tl::unexpected(Error(receipt.error().code(),
                                    u"personalization: node %1 is personalized and in the key "
                                    "store, but the inventory refused it: %2"_s.arg(id)
                                            .arg(receipt.error().message())));
    QJsonObject details = generated;
    details.insert(u"commit"_s, qint64(*sequence));
    details.insert(u"policy"_s, int(want.policy));
    QJsonArray listed;
    for (const auto &entry : want.whitelist)
        listed.append(int(entry.first));
    details.insert(u"whitelist"_s, listed);
    auto auditId = audit(u"personalize"_s, u"personalized over USB serial"_s, details);
    if (!auditId)
        return tl::unexpected(Error(auditId.error().code(),
                                    u"personalization: node %1 is personalized and in the key "
                                    "store, but the audit entry was not stored: %2"_s.arg(id)
                                            .arg(auditId.error().message())));

    // 6. Readmission, with the keys the store holds for the node (never handed out).
    qint64 readmissionAuditId = 0;
    if (request.readmit) {
        NodePersonalization record;
        record.serial = want.serial;
        if (auto key = m_keys->linkKey(id))
            record.linkKey = std::move(*key);
        if (auto key = m_keys->managementKey(id))
            record.managementKey = std::move(*key);
        const QString why = request.readmitWhy.trimmed().isEmpty()
                                    ? u"re-personalized over USB serial (new serial and keys)"_s
                                    : request.readmitWhy;
        auto readmitted = m_workflows ? m_workflows->readmitNode(id, record, request.who, why)
                                      : Internal::readmitRecorded(nullptr, *m_inventory, *m_keys,
                                                                  id, record, request.who, why);
        record = NodePersonalization();
        if (!readmitted)
            return tl::unexpected(Error(readmitted.error().code(),
                                        u"personalization: node %1 is personalized and in the key "
                                        "store, but it stays revoked: %2"_s.arg(id)
                                                .arg(readmitted.error().message())));
        readmissionAuditId = readmitted->auditId;
    }

    PersonalizationReport report;
    // 7. The running engine, when there is one: the node's next signed frame verifies without
    // a restart. The node is personalized and recorded either way; a refusal here is reported,
    // not an error (the engine's next start reads the same files).
    if (m_workflows) {
        if (const auto reloaded = m_workflows->reloadNode(id); reloaded) {
            report.engineUpdated = reloaded->problems.isEmpty();
            report.engineProblem = reloaded->problems.join(u"; ");
        } else {
            report.engineProblem = reloaded.error().message();
        }
        if (!report.engineUpdated)
            qCWarning(lcStation).noquote()
                    << "node" << id << "is personalized, the running engine did not take it:"
                    << report.engineProblem;
    }
    report.readmissionAuditId = readmissionAuditId;
    report.nodeId = id;
    report.serialHex = security.serialHex;
    report.linkKeyFingerprint = want.link;
    report.networkKeyFingerprint = want.network;
    report.networkEpoch = want.epoch;
    report.managementKeyFingerprint = want.management;
    report.policy = want.policy;
    for (const auto &entry : want.whitelist)
        report.whitelist << entry.first;
    report.commitSequence = *sequence;
    report.firmwareVersion = before->firmwareVersion;
    report.auditId = *auditId;
    qCInfo(lcStation) << "node" << id << "personalized, commit" << report.commitSequence;
    return report;
}

} // namespace Warden
