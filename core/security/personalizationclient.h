// The host's end of the firmware's personalization session (firmware/docs/personalization.md,
// protocol 2) over any byte device the caller opened: a QSerialPort, a QProcess, a socket, or a
// pty opened non-blocking as a QFile. Synchronous: every call runs a nested event loop until
// the node's status line or its timeout, so a peer living in the same thread keeps running.
// Everything the node says is hostile input: lines are bounded, INFO is parsed strictly
// (order, labels, fixed-length fields), and an error never quotes a line, neither the node's
// nor ours. Key bytes leave only as the hex of LINK/NET/PEND/MGMT lines written to the
// device; the copy made for that is wiped, and no key byte is ever logged or returned.
#pragma once

#include <warden/error.h>
#include <warden/secretbytes.h>
#include <warden/signer.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtCore/QString>

#include <optional>

class QIODevice;

namespace Warden::Internal {

/// The node's committed state as INFO shows it: fingerprints, never keys.
struct PersonalizationInfo
{
    int protocol = 0;
    QString firmwareVersion;
    QString mysensorsVersion;
    quint8 nodeId = 0xFF; ///< 0xFF: AUTO (assigned by the controller)
    Serial serial {};
    bool wardenSerial = false; ///< W: from the Warden slot; L: MySensors' area
    QString linkFingerprint; ///< empty: none
    QString networkFingerprint;
    quint16 networkEpoch = 0;
    QString pendingFingerprint;
    quint16 pendingEpoch = 0;
    QString managementFingerprint;
    quint32 managementCounter = 0;
    QString legacyFingerprint;
    std::optional<quint8> policy; ///< nullopt: the sketch's
    QList<QPair<quint8, Serial>> whitelist;
    quint8 lockBudget = 0;
};

/// Parses the INFO lines (without line ends) in the documented order. The error names the
/// line by its number and label, never its content.
Result<PersonalizationInfo> parsePersonalizationInfo(const QList<QByteArray> &lines);

class PersonalizationClient
{
public:
    struct Timeouts
    {
        int helloMs = 8000; ///< repeat the hello until answered (the node may be booting)
        int helloRepeatMs = 150;
        int quietMs = 250; ///< the line must stay quiet this long after the hello
        int commandMs = 3000; ///< for each command's status line
    };

    /// @p device: open for reading and writing; not owned; must outlive the client.
    explicit PersonalizationClient(QIODevice *device, const Timeouts &timeouts);
    explicit PersonalizationClient(QIODevice *device);
    ~PersonalizationClient();
    PersonalizationClient(const PersonalizationClient &) = delete;
    PersonalizationClient &operator=(const PersonalizationClient &) = delete;

    /// Says hello until the node answers, then drains what earlier hellos caused. Returns the
    /// committed state the hello showed.
    [[nodiscard]] Result<PersonalizationInfo> open();
    [[nodiscard]] Result<PersonalizationInfo> info();

    [[nodiscard]] Result<void> wipe();
    /// LINK <key>, or LINK - for an empty key.
    [[nodiscard]] Result<void> stageLinkKey(const SecretBytes &key);
    [[nodiscard]] Result<void> stageNetworkKey(const SecretBytes &key, quint16 epoch);
    [[nodiscard]] Result<void> stageManagementKey(const SecretBytes &key);
    [[nodiscard]] Result<void> stageSerial(const Serial &serial);
    /// POLICY <bits>, or POLICY - for nullopt.
    [[nodiscard]] Result<void> stagePolicy(std::optional<quint8> bits);
    [[nodiscard]] Result<void> stageWhitelistClear();
    [[nodiscard]] Result<void> stageWhitelistEntry(quint8 node, const Serial &serial);
    /// Writes EEPROM byte 0 at once (not staged); 0xFF: AUTO.
    [[nodiscard]] Result<void> setNodeId(quint8 id);
    /// COMMIT: the commit sequence the node answered.
    [[nodiscard]] Result<quint32> commit();
    [[nodiscard]] Result<void> abort();
    [[nodiscard]] Result<void> end();

    /// The last command was answered ERR: its code (0 otherwise, or when unanswered).
    int lastErrorCode() const { return m_lastErrorCode; }
    /// The last command got no status line in time (its effect on the node is unknown).
    bool lastTimedOut() const { return m_lastTimedOut; }

private:
    struct Answer
    {
        QList<QByteArray> infoLines;
        QByteArray status; ///< after "OK", trimmed ("" for a bare OK)
    };
    /// Sends @p line (wiped afterwards) and waits for its status line. @p step names the
    /// command in errors.
    Result<Answer> exchange(QByteArray &line, const char *step);
    Result<void> simple(QByteArray line, const char *step);
    Result<void> stageKey(const char *word, const SecretBytes &key, const char *suffix);
    void write(const QByteArray &bytes);
    /// Waits up to @p ms for a complete line; nullopt on timeout. Errors: a too-long line, a
    /// device that closed.
    Result<std::optional<QByteArray>> readLine(int ms);
    void pump(int ms);

    QIODevice *m_device;
    Timeouts m_timeouts;
    QByteArray m_buffer;
    int m_lastErrorCode = 0;
    bool m_lastTimedOut = false;
};

} // namespace Warden::Internal
