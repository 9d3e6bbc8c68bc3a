// The key rotation as a pure state machine (security model, "Key rotation"): the steps, each
// node's state, the transitions allowed between them and the refusals of all others, and a
// versioned JSON image without secrets that the inventory keeps (RotationRecord::state). It
// acts on nothing: Warden::KeyRotation (core/engine/rotation.cpp) stores every transition
// before it acts on it.
#pragma once

#include <warden/error.h>
#include <warden/rotationtypes.h>

#include <QtCore/QJsonObject>
#include <QtCore/QList>

#include <optional>

namespace Warden::Internal {

class RotationPlan
{
public:
    /// The version of toJson()'s image; fromJson() refuses others.
    static constexpr int kVersion = 1;

    /// A plan in step Assessed. Refuses an epoch out of range, a new epoch that is not above
    /// the old one, an invalid or repeated node id, an empty plan.
    static Result<RotationPlan> create(const RotationPlanInput &input, qint64 nowMs);
    /// Strict: an unknown version, step or state, a missing field, an inconsistent node list
    /// is an error naming it.
    static Result<RotationPlan> fromJson(const QJsonObject &json);
    QJsonObject toJson() const;

    RotationStep step() const { return m_step; }
    quint16 oldEpoch() const { return m_oldEpoch; }
    quint16 newEpoch() const { return m_newEpoch; }
    QString keyFingerprint() const { return m_fingerprint; }
    QString who() const { return m_who; }
    QString why() const { return m_why; }
    qint64 startedMs() const { return m_startedMs; }
    qint64 finishedMs() const { return m_finishedMs; }
    const QList<NodeRotationStatus> &nodes() const { return m_nodes; }
    std::optional<NodeRotationStatus> node(quint8 id) const;
    bool isFinished() const
    {
        return m_step == RotationStep::Completed || m_step == RotationStep::Cancelled;
    }

    // --- steps ---
    /// Assessed -> Generated: the key of the new epoch is stored (pending) under @p fingerprint.
    /// USB nodes start awaiting their manual step.
    Result<void> keyGenerated(const QString &fingerprint);
    /// Generated -> Delivering.
    Result<void> startDelivery();
    /// Delivering -> Activating, once every over-the-air node is Delivered or Excluded.
    Result<void> startActivation();
    bool canStartActivation() const;
    /// Activating -> Retiring, once every node is Activated or Excluded.
    Result<void> startRetiring();
    bool canRetire() const;
    /// Retiring -> Completed.
    Result<void> complete(qint64 nowMs);
    /// Any step before Activating -> Cancelled (no node uses the new key yet).
    Result<void> cancel(const QString &why, qint64 nowMs);

    // --- nodes ---
    /// Pending -> Delivering (Delivering or later), with the job that delivers.
    Result<void> deliveryQueued(quint8 node, qint64 job);
    /// Delivering -> Delivered: the node acknowledged the pending key.
    Result<void> delivered(quint8 node);
    /// Delivered -> Activating (step Activating), with the job; the gateway expects the old key.
    Result<void> activationQueued(quint8 node, qint64 job);
    /// Activating: the gateway now expects @p epoch (old or new) from the node; @p jobAttempts
    /// is the activation job's attempt count at that moment.
    Result<void> setGatewayEpoch(quint8 node, quint16 epoch, int jobAttempts);
    /// Activating -> Activated: the node's authenticated acknowledgement of the activation.
    Result<void> activated(quint8 node);
    /// AwaitingUsb -> Activated: the user re-personalized the node with the new key (from step
    /// Generated on, before Retiring).
    Result<void> usbDone(quint8 node);
    /// Delivering or Activating -> Failed.
    Result<void> nodeFailed(quint8 node, const QString &reason);
    /// Delivering -> Pending, Activating -> Delivered: the node's job is gone (never stored,
    /// so never sent); it is queued again.
    Result<void> requeue(quint8 node);
    /// Failed -> Pending (over the air; delivered again) or AwaitingUsb.
    Result<void> retry(quint8 node);
    /// Any state but Activated -> Excluded, before Retiring. A node in Activating may already
    /// use the new key: refused (let the activation settle first).
    Result<void> exclude(quint8 node, const QString &why);

    /// Counts for the report, summed over jobs by the driver.
    void setTraffic(int attempts, int requestFrames);
    RotationReport report(qint64 rotationId) const;

private:
    RotationPlan() = default;
    NodeRotationStatus *find(quint8 id);
    Result<NodeRotationStatus *> nodeIn(quint8 id, std::initializer_list<NodeRotationState> states,
                                        const char *transition);
    Result<void> requireStep(std::initializer_list<RotationStep> steps,
                             const char *transition) const;

    RotationStep m_step = RotationStep::Assessed;
    quint16 m_oldEpoch = 0;
    quint16 m_newEpoch = 0;
    QString m_fingerprint;
    QString m_who;
    QString m_why;
    qint64 m_startedMs = 0;
    qint64 m_finishedMs = 0;
    int m_attempts = 0;
    int m_requestFrames = 0;
    QList<NodeRotationStatus> m_nodes;
};

} // namespace Warden::Internal
