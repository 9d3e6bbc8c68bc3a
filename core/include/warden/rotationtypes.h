// The key rotation of the security model as plain values: the plan it starts from, its steps,
// where each node stands, and the report at the end. No key material anywhere: the new key is
// named by its fingerprint. The state machine itself is core/security/rotationplan.h; the
// driver that sends the jobs is Warden::KeyRotation (rotation.h).
#pragma once

#include <warden/global.h>

#include <QtCore/QList>
#include <QtCore/QMetaType>
#include <QtCore/QString>
#include <QtCore/QStringList>

namespace Warden {

/// The steps of a rotation, in order. Names (rotationStepName) are stable: they are stored.
enum class RotationStep : quint8 {
    Assessed, ///< the plan is recorded; no key exists yet
    Generated, ///< the new epoch's key is in the key store as pending (saved)
    Delivering, ///< set-network-key jobs run; acknowledged nodes hold the key as pending
    Activating, ///< activate-epoch jobs run; each acknowledging node is switched at the gateway
    Retiring, ///< every node is on the new epoch or excluded: the old key is being retired
    Completed, ///< the old key is retired; the report is final
    Cancelled, ///< given up before any node was switched; the pending key was never used
};

/// Where one node stands. Names (nodeRotationStateName) are stable: they are stored.
enum class NodeRotationState : quint8 {
    Pending, ///< over the air: the key is not delivered yet (no job, or a job to submit)
    Delivering, ///< over the air: a set-network-key job is queued or running
    Delivered, ///< over the air: the node acknowledged the pending key
    Activating, ///< over the air: an activate-epoch job is queued or running
    AwaitingUsb, ///< a stock node: awaiting USB re-personalization with the new key
    Activated, ///< the node uses the new key and the gateway accepts exactly that from it
    Failed, ///< a job failed (the reason says why); retry or exclude it
    Excluded, ///< left out by the user; keeps the old key and is cut off when it retires
};

/// How a node is re-keyed.
enum class RotationChannel : quint8 {
    OverTheAir, ///< a Warden node with a management key: wrapped delivery, then activation
    Usb, ///< a stock node (or one without a management key): a manual USB step
};

WARDEN_CORE_EXPORT const char *rotationStepName(RotationStep step);
WARDEN_CORE_EXPORT const char *nodeRotationStateName(NodeRotationState state);

/// What a rotation starts from (revocation's assessment, or the user's choice): the epoch that
/// is burnt and who must get the new one, over the air or over USB. Nodes not listed are not
/// touched (the stolen node is not listed).
struct WARDEN_CORE_EXPORT RotationPlanInput
{
    quint16 oldEpoch = 0; ///< the active epoch to replace (1..65534)
    quint16 newEpoch = 0; ///< 0: oldEpoch + 1
    QList<quint8> overTheAir; ///< Warden nodes that hold a management key
    QList<quint8> usb; ///< stock nodes: re-personalized by hand
    QString who; ///< for the audit log ("console:alice", "revocation")
    QString why;
};

/// One node's progress or outcome.
struct WARDEN_CORE_EXPORT NodeRotationStatus
{
    quint8 node = 0;
    RotationChannel channel = RotationChannel::OverTheAir;
    NodeRotationState state = NodeRotationState::Pending;
    qint64 deliveryJob = 0; ///< the JobRunner job of the delivery (0: none)
    qint64 activationJob = 0; ///< ... of the activation
    /// The epoch whose key the gateway signs to the node with. While the node is activating,
    /// the other key is accepted from it too (see KeyRotation), and a frame under it switches
    /// this to the epoch it proved.
    quint16 gatewayEpoch = 0;
    int viewAttempts = 0; ///< activation attempts when the gateway last held its signing
    int switches = 0; ///< how often a frame proved the other key during the activation
    QString reason; ///< why it failed or was excluded
    // Final reports only (KeyRotation::finished(), KeyRotation::lastReport()):
    qint64 deliveredUtcMs = 0; ///< when it acknowledged the pending key (0: not, or by USB)
    qint64 activatedUtcMs = 0; ///< when it was switched to the new epoch (0: never)
    QStringList problems; ///< what went wrong on the way (failed jobs), oldest first
};

/// The outcome of a rotation.
struct WARDEN_CORE_EXPORT RotationReport
{
    qint64 rotation = 0; ///< the inventory's rotation id
    quint16 oldEpoch = 0;
    quint16 newEpoch = 0;
    QString keyFingerprint; ///< of the new key
    RotationStep step = RotationStep::Assessed;
    QList<NodeRotationStatus> nodes;
    int activated = 0;
    int excluded = 0;
    int attempts = 0; ///< management requests sent for this rotation (retransmissions included)
    int requestFrames = 0; ///< ... and their frames
    qint64 startedMs = 0; ///< on the driver's clock
    qint64 finishedMs = 0; ///< 0: not finished
    // Final reports only (KeyRotation::finished(), KeyRotation::lastReport()):
    QString who; ///< who started it
    QString why;
    qint64 startedUtcMs = 0; ///< wall clock, UTC milliseconds (0: unknown)
    qint64 finishedUtcMs = 0;
    /// "epoch 1 -> 2 (ab12-...): 19 activated, 1 excluded; 57 requests, 133 frames; 42.1 s"
    QString text() const;
    /// The whole report as plain text for a file or the console's report page: the summary,
    /// then one line per node (channel, outcome, epoch it holds, times, problems). Never a key.
    QString exportText() const;
};

} // namespace Warden

Q_DECLARE_METATYPE(Warden::RotationReport)
