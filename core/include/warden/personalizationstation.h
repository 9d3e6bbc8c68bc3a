// The personalization station: a Warden node on a USB serial port gets fresh keys from the
// host's RNG, written with the firmware's personalization protocol (protocol 2,
// firmware/docs/personalization.md); the node's read-back fingerprints and serial are compared
// with what was generated, and the node is recorded in the key store and the inventory. Keys
// are never shown: the report carries fingerprints only.
//
// Order, so that no key is ever lost:
//  1. The session is opened and the node's committed state read (INFO) before anything is
//     generated or written: a node that does not answer changes nothing anywhere.
//  2. Keys are generated; the node's entry in the key store (serial, management key, link key)
//     is replaced and the store SAVED (with its automatic backup of the previous file) before
//     the node commits anything. The node's previous entry is kept in memory for step 5.
//  3. The node gets WIPE, the keys, serial, policy and whitelist staged, then COMMIT. Only then
//     is its id written (ID writes at once, so it waits for the commit).
//  4. INFO is read back and compared field by field with what was generated (fingerprints of
//     the link, network and management keys, network epoch, serial, id, policy, whitelist).
//  5. Outcome:
//     - success: the inventory gets the node's serial and fingerprints and a "personalize"
//       audit entry (both committed), and the session is ENDed.
//     - the node refused a command before the commit or answered COMMIT with ERR: its
//       committed state is the old one (an uncommitted stage is dropped, ABORT is sent), so
//       the key store entry is ROLLED BACK to the previous one and saved; audit
//       "personalize.failed".
//     - COMMIT unanswered (timeout, garbage, line gone): the outcome is unknown. INFO is tried
//       once: if it shows the new keys, it is a success; if it shows the old state, rolled back
//       as above; otherwise the new keys STAY in the key store (they may be on the node) and
//       the audit entry "personalize.uncertain" names their fingerprints: personalize again.
//     - COMMIT answered, but the ID command or the read-back INFO failed: the keys are on the
//       node, so they STAY in the key store; audit "personalize.uncertain"; the inventory is
//       not updated: personalize again (with replaceExisting).
//     - the commit succeeded but the read-back differs: the node holds something other than
//       what was sent (damage, or not a faithful node). The key store entry is rolled back
//       (the store must not claim keys the node does not hold), the audit entry
//       "personalize.mismatch" carries both sets of fingerprints; wipe and personalize again.
//     Every error's message names the step and, when the node refused, its "ERR <code> <name>".
//
// Revoked nodes: a node id the inventory holds as revoked is refused before the node is touched,
// unless the request asks for readmission. Then, after a successful read-back, the station lifts
// the revocation itself with the keys it generated (from the key store; they are never handed to
// the caller): SecurityWorkflows::readmitNode() when a facade was given (the engine accepts the
// node at once), else the same readmission on the key store and the inventory alone (an engine
// started later reads the lifted revocation from the inventory). The inventory then holds
// "personalize" followed by "readmit". A readmission that fails leaves the node personalized
// and still revoked; the error says so.
//
// With a facade the running engine gets every personalized node at once (its serial, link key,
// requirements: SecurityWorkflows::reloadNode()), readmitted or not; the report says whether.
#pragma once

#include <warden/error.h>
#include <warden/global.h>
#include <warden/signer.h>

#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtCore/QString>

#include <optional>

class QIODevice;

namespace Warden {

class Inventory;
class KeyStore;
class SecurityWorkflows;

/// What to write into one node.
struct WARDEN_CORE_EXPORT PersonalizationRequest
{
    quint8 nodeId = 0; ///< 1..254
    /// The network key's epoch; 0: the store's active epoch (the newest Active one). No network
    /// key is written when the store has none and this is 0.
    quint16 networkEpoch = 0;
    bool generateLinkKey = false; ///< a per-node link key (per-node-key networks)
    std::optional<Serial> serial; ///< nullopt: a fresh random serial
    /// Whitelist entry 00 with the store's gateway serial (when the store has one).
    bool whitelistGateway = true;
    QList<QPair<quint8, Serial>> extraWhitelist; ///< further entries (node id, serial)
    /// The node's slot policy bits; nullopt: 03 (signatures and whitelisting) when the
    /// gateway is whitelisted, else 01 (signatures).
    std::optional<quint8> policy;
    /// Replace a node the key store already holds keys for (re-personalization).
    bool replaceExisting = false;
    QString who = QStringLiteral("station"); ///< for the audit log
    /// The node id is revoked and is to be readmitted with the new keys (see the file comment).
    /// Without it a revoked id is refused; with it an id that is not revoked is refused.
    bool readmit = false;
    QString readmitWhy; ///< the readmission's reason for the audit log; empty: a default text
};

/// What was done: fingerprints and public facts only.
struct WARDEN_CORE_EXPORT PersonalizationReport
{
    quint8 nodeId = 0;
    QString serialHex; ///< lower-case hex, not a secret
    QString linkKeyFingerprint; ///< empty: none
    QString networkKeyFingerprint; ///< empty: none
    quint16 networkEpoch = 0;
    QString managementKeyFingerprint;
    quint8 policy = 0;
    QList<quint8> whitelist; ///< node ids listed on the node
    quint32 commitSequence = 0;
    QString firmwareVersion;
    qint64 auditId = 0;
    qint64 readmissionAuditId = 0; ///< the "readmit" entry; 0 when none was asked for
    /// The running engine was given the node at once (SecurityWorkflows::reloadNode(), with a
    /// facade); false: no facade, an engine started later reads it from the files.
    bool engineUpdated = false;
    QString engineProblem; ///< why the facade's engine did not take it; empty when it did
};

/// Timeouts of one session (milliseconds).
struct WARDEN_CORE_EXPORT PersonalizationTimeouts
{
    int helloMs = 8000; ///< the hello is repeated until answered (the port's open resets boards)
    int commandMs = 3000; ///< each command's status line
    /// How often the hello is repeated until answered. A slow line (9600 baud, a simulator)
    /// needs longer: each repeat makes the node answer once more.
    int helloRepeatMs = 150;
    int quietMs = 250; ///< how long the line must stay quiet after the hello
};

/// Personalizes nodes one at a time. Not thread-safe; the inventory must be read in this
/// thread (it was opened here).
class WARDEN_CORE_EXPORT PersonalizationStation
{
public:
    /// Neither owned; both must outlive the station.
    PersonalizationStation(KeyStore *keys, Inventory *inventory);
    ~PersonalizationStation();
    PersonalizationStation(const PersonalizationStation &) = delete;
    PersonalizationStation &operator=(const PersonalizationStation &) = delete;

    /// The facade readmissions go through and whose engine is given each personalized node at
    /// once (not owned; it must use the same key store and inventory and outlive the station).
    /// Without one they are made on the key store and the inventory alone.
    void setWorkflows(SecurityWorkflows *workflows);

    /// Runs one session over @p device (open for reading and writing: a QSerialPort the caller
    /// opened, a QProcess, a socket, a non-blocking pty as a QFile). Blocks, running a nested
    /// event loop. See the file comment for the order and what a failure leaves behind.
    [[nodiscard]] Result<PersonalizationReport>
    personalize(QIODevice *device, const PersonalizationRequest &request,
                const PersonalizationTimeouts &timeouts = {});

private:
    KeyStore *m_keys;
    Inventory *m_inventory;
    SecurityWorkflows *m_workflows = nullptr;
};

} // namespace Warden
