// The network brain. In host-gateway mode the engine is node 0 behind a radio modem: it answers
// nonce requests, verifies every signed frame, signs what it sends, and applies whitelists,
// revocations and node lock the moment they change. In classic mode it is the controller of a
// stock MySensors gateway (which checks signatures itself). Both modes assign node ids, answer
// time and configuration requests, and give every frame a verdict.
#pragma once

#include <warden/error.h>
#include <warden/link.h>
#include <warden/protocol/message.h>
#include <warden/secretbytes.h>

#include <QtCore/QObject>

#include <array>
#include <functional>
#include <memory>
#include <optional>

namespace Warden {

enum class GatewayMode : quint8 {
    Classic, ///< a stock gateway on the link; units are controller lines
    HostGateway, ///< a radio modem or the simulated bus on the link; units are frames
};

/// What happened to one frame. Names (frameVerdictName) are stable: logs, JSON, the console.
enum class FrameVerdict : quint8 {
    Verified, ///< signed, and the signature is right
    UnsignedAllowed, ///< not signed, and nothing required it (or the type is never signed)
    GatewayChecked, ///< classic mode: the stock gateway checks signatures before the controller
    Outgoing, ///< sent by the engine (signed when the node requires it)
    BadSignature, ///< MAC mismatch: forged, wrong key, wrong serial, tampered
    NoNonce, ///< signed, but no nonce outstanding for the sender: a replay or unsolicited
    ExpiredNonce, ///< signed after the 5 s window
    NotSigned, ///< unsigned where a signature is required
    NotWhitelisted, ///< whitelisting required and the sender has no serial on file
    RevokedSender, ///< the sender id is revoked (quarantined)
    NodeLocked, ///< the sender is locked after repeated failed verifications
    Malformed, ///< the bytes or line do not parse; the detail says why
};

WARDEN_CORE_EXPORT const char *frameVerdictName(FrameVerdict verdict);
/// True for the verdicts under which the frame is handed on.
WARDEN_CORE_EXPORT bool isAccepted(FrameVerdict verdict);

/// One frame in or out, as the traffic view, the counters and the audit log see it.
struct TrafficRecord
{
    qint64 timestampMs = 0; ///< UTC milliseconds since the epoch
    QString link;
    bool outgoing = false;
    FrameVerdict verdict = FrameVerdict::Malformed;
    Protocol::Message message; ///< as received (signature intact); empty when Malformed
    QByteArray raw; ///< only when Malformed: the offending bytes or line (bounded)
    QString detail; ///< why, for rejected frames
};

/// A security event worth an operator's attention.
struct SecurityAlert
{
    enum class Kind : quint8 {
        RepeatedFailures, ///< failed verifications from one node reached the lock threshold
        NonceFlood, ///< nonce requests without signed frames reached the threshold
        RevokedActivity, ///< a revoked id keeps talking
    };
    Kind kind;
    quint8 node;
    int count;
    QString text;
};

struct EngineOptions
{
    GatewayMode mode = GatewayMode::HostGateway;
    /// Host gateway: require signed frames from every node (else only from nodes that
    /// announce they require signatures themselves, as weak security does).
    bool requireSignatures = true;
    /// Host gateway: require whitelisting (salted signatures) from every node.
    bool requireWhitelisting = false;
    /// Consecutive failed verifications (or unanswered nonce requests) after which a node is
    /// locked and an alert raised (MySensors' MY_NODE_LOCK_COUNTER_MAX is 5).
    int lockThreshold = 5;
    /// Host gateway: nonce requests the gateway sends one node without evidence that the node
    /// verified a signed frame since (noteNodeVerified()); 0: no limit. A node counts every
    /// nonce request it receives and locks itself for good at the 5th without a successful
    /// verification in between (spec 4.10, TMNR); a lost response looks like a lost request to
    /// the gateway, so it counts what it sent. 3 leaves one request of the node's 4 to another
    /// sender. At the budget signed sends to the node are refused ("would lock itself").
    /// Off by default: the gateway learns of a node's verification only from an authenticated
    /// management acknowledgement to signed fragments, so the application frames it signs
    /// (configuration, time, registration answers) and every fragment of a request before its
    /// acknowledgement use the budget up with nothing to refill it (a 3-fragment key delivery
    /// leaves no retry). Nodes that take management unsigned (sendsUnsignedManagement())
    /// spend none of it on management, but nothing then refills it but echoes either.
    int nonceRequestBudget = 0;
    /// Host gateway: retry a nonce round trip after a timeout estimated from measured round
    /// trips (RFC 6298 style, >= 100 ms, doubled per retry, at most 2 retries) instead of
    /// waiting out the 5 s nonce window, and repeat a nonce response whose signed frame does
    /// not follow. Off by default: each retry is a nonce request the node counts towards its
    /// lock (spec 4.10); use it with nonceRequestBudget.
    bool adaptiveNonceTimeouts = false;
    bool metric = true;
    /// The version string the gateway reports (I_VERSION) and presents itself with.
    QString libraryVersion = QStringLiteral("2.3.2");
};

struct EngineStatistics
{
    quint64 framesIn = 0;
    quint64 framesOut = 0;
    std::array<quint64, 12> verdicts {}; ///< indexed by FrameVerdict
    quint64 noncesIssued = 0;
    quint64 signingTimeouts = 0;
    quint64 nonceRetries = 0; ///< nonce requests sent again after a round-trip timeout
    quint64 nonceResponseRepeats = 0; ///< nonce responses repeated to a node that did not sign
    /// The nonce round-trip estimate (smoothed, ms; -1: none yet) and the timeout it gives.
    int roundTripMs = -1;
    int roundTripTimeoutMs = 0;
    /// Signed sends refused because the node's nonce-request budget was used up.
    quint64 nonceBudgetRefusals = 0;
    /// Management request frames sent unsigned (no nonce round trip) to nodes that take them
    /// so, and unsigned management acknowledgements accepted (authenticated by their tag).
    quint64 unsignedManagementRequests = 0;
    quint64 unsignedManagementAcks = 0;
};

class EnginePrivate;
class Inventory;

class WARDEN_CORE_EXPORT Engine : public QObject
{
    Q_OBJECT

public:
    explicit Engine(EngineOptions options, QObject *parent = nullptr);
    ~Engine() override;

    const EngineOptions &options() const;
    /// Whether the engine answers a node's I_CONFIG with "M" (metric) or "I" (imperial), in
    /// both modes; from the next request on. The initial value is EngineOptions::metric.
    void setMetric(bool metric);

    /// Attaches a link (not owned; it must outlive the engine or be removed first). Its
    /// framing must match the mode: frames for a host gateway, lines for classic mode.
    Result<void> addLink(Link *link);
    void removeLink(Link *link);

    // --- keys and policy (host gateway) -------------------------------------------------------

    /// The shared network key of @p epoch. Nodes without a link key sign with the key of the
    /// epoch they hold (setNodeEpoch, default: the active epoch).
    Result<void> setNetworkKey(quint32 epoch, const SecretBytes &key);
    Result<void> activateEpoch(quint32 epoch);
    void retireEpoch(quint32 epoch);
    std::optional<quint32> activeEpoch() const;
    void setNodeEpoch(quint8 node, quint32 epoch);
    /// The network key epoch @p node is taken to hold (its setNodeEpoch pin, else the active
    /// epoch); none for a revoked node or before any epoch is active.
    std::optional<quint32> nodeEpoch(quint8 node) const;
    /// A per-node link key: that node signs and is verified with it alone.
    Result<void> setNodeKey(quint8 node, const SecretBytes &key);
    void clearNodeKey(quint8 node);
    /// The node's 9-byte serial: salts its signatures when whitelisting is required.
    Result<void> setNodeSerial(quint8 node, QByteArrayView serial);
    void clearNodeSerial(quint8 node);
    /// The gateway's own serial: salts what it signs for nodes that require whitelisting.
    Result<void> setGatewaySerial(QByteArrayView serial);
    /// Revokes at once: every later frame from @p node is dropped as RevokedSender, its link
    /// key and serial are forgotten, its id is quarantined (never assigned again).
    void revoke(quint8 node, const QString &reason);
    bool isRevoked(quint8 node) const;
    /// Lifts a revocation (readmission after re-personalization: the caller gives the node its
    /// new key and serial). The id stays reserved for this node. Nothing else un-revokes.
    void readmit(quint8 node);
    /// A link key @p node is being given (a key change in flight): frames from the node verify
    /// under its current key or this one, and the first frame that verifies under this one
    /// makes it the node's link key (the node proved it switched). Cleared by setNodeKey(),
    /// clearNodeKeyCandidate() and revoke().
    Result<void> setNodeKeyCandidate(quint8 node, const SecretBytes &key);
    void clearNodeKeyCandidate(quint8 node);
    bool hasNodeKeyCandidate(quint8 node) const;
    /// The gateway no longer knows which key @p node holds (a key change whose answer was
    /// lost): signed sends to it are refused at once, rather than burning the node's lock
    /// budget with a key it may have dropped, until a frame from the node verifies.
    void holdSigning(quint8 node);
    bool isSigningHeld(quint8 node) const;
    /// Whether a node that presents @p libraryVersion (its S_ARDUINO_NODE presentation) takes
    /// management requests without a legacy signature: Warden firmware presents "2.3.2+w1"
    /// (semver build metadata "w<N>", N >= 1; firmware/docs/management-channel.md section 11).
    static bool takesUnsignedManagement(QStringView libraryVersion);
    /// The library version @p node presented in an earlier run, as the inventory recorded it:
    /// a restart restores from it whether management requests go to the node unsigned (no
    /// nonce round trip) or signed per fragment (stock nodes, older Warden firmware). The
    /// node's next presentation replaces it.
    void setNodeLibraryVersion(quint8 node, QStringView libraryVersion);
    /// True when management requests (C_STREAM 0x57) go to @p node unsigned.
    bool sendsUnsignedManagement(quint8 node) const;
    /// Evidence that @p node verified a signed frame of the gateway: an authenticated
    /// management acknowledgement (JobRunner calls it). The node's own count of nonce requests
    /// is 0 then (spec 4.10), and so is the gateway's budget count for it. A nonce response is
    /// no such evidence, nor is a frame the node signed. With a budget the engine also asks
    /// for the echo of every signed application frame and takes it as evidence (a node
    /// echoes only what it verified; an injected echo gains an attacker nothing, who can send
    /// the node nonce requests directly).
    void noteNodeVerified(quint8 node);
    /// Nonce requests sent to @p node since the last evidence (for persistence across a
    /// restart) and its restore: a restarted engine knows nothing of what it sent before.
    int nonceRequestsWithoutEvidence(quint8 node) const;
    void setNonceRequestsWithoutEvidence(quint8 node, int count);
    void unlockNode(quint8 node);
    bool isLocked(quint8 node) const;
    /// What @p node requires of the gateway, as it presented it (I_SIGNING_PRESENTATION) in
    /// an earlier run and the inventory recorded: signed frames, and salted ones. A restart
    /// restores it (SecurityService) so that the gateway signs to the node before it presents
    /// itself again. A later presentation from the node replaces it.
    void setNodeRequirements(quint8 node, bool signatures, bool whitelisting);

    /// Ids the engine must never hand out (revoked, quarantined, reserved), in addition to
    /// those it has seen. The inventory feeds this at start.
    void setUsedNodeIds(const QList<quint8> &ids);
    /// Replaces the id allocator (the inventory's persistent one); returns an id 1..254.
    void setNodeIdAllocator(std::function<Result<quint8>()> allocator);

    /// Attaches the inventory (not owned; it must outlive the engine): every frame's verdict,
    /// last values, presentations, sketch info, battery, heartbeats and signing requirements
    /// are noted there, revocations are stored and reloaded, and new node ids come from it.
    void setInventory(Inventory *inventory);
    /// Revokes as revoke(node, why) and records who did it in the inventory (if attached).
    void revoke(quint8 node, const QString &who, const QString &why);

    /// Milliseconds for nonce timing; tests set a clock they control.
    void setClock(std::function<quint32()> clock);
    /// Ends the signing sessions whose nonce did not come within 5 s of the clock (sendFailed)
    /// now. An internal timer does it every 100 ms of real time; whoever drives a simulated
    /// clock faster than that calls it after moving the clock.
    void checkTimeouts();

    // --- sending ------------------------------------------------------------------------------

    /// Sends @p message (sender 0) to its destination. In host-gateway mode it is signed
    /// first if the destination requires signatures: the nonce round trip happens here, and
    /// sendFailed() reports a timeout. Returns an id for sendFailed/sendDone.
    Result<quint64> send(const Protocol::Message &message);

    EngineStatistics statistics() const;

Q_SIGNALS:
    void traffic(const Warden::TrafficRecord &record);
    /// An accepted message that a controller would see (spec 2.7), signature stripped.
    void controllerMessage(const Warden::Protocol::Message &message);
    void alert(const Warden::SecurityAlert &alert);
    void nodeIdAssigned(quint8 node);
    void sendDone(quint64 id);
    void sendFailed(quint64 id, const Warden::Error &error);
    /// An accepted frame of the management channel from a node: C_STREAM of type
    /// Protocol::kManagementAckType (an acknowledgement fragment) to sensor 255, after the
    /// engine's usual checks (signature where required). Nothing about it is trusted yet: the
    /// job runner (JobRunner) authenticates it end to end. Requests go out through send().
    /// The frame is also handed to controllerMessage(), as before.
    void managementFrame(const Warden::Protocol::Message &message);

private:
    std::unique_ptr<EnginePrivate> d;
    friend class EnginePrivate;
};

} // namespace Warden

Q_DECLARE_METATYPE(Warden::Protocol::Message)
Q_DECLARE_METATYPE(Warden::TrafficRecord)
Q_DECLARE_METATYPE(Warden::SecurityAlert)
