// Core's end of one management transfer (firmware/docs/management-channel.md), as pure logic:
// given the node's K_mgmt, its serial, a counter already stored durably and the operation, it
// builds the request's frames, then reassembles and checks the node's acknowledgement. It sends
// nothing and stores nothing: the job runner (core/engine) does both.
#pragma once

#include <warden/error.h>
#include <warden/managementtypes.h>
#include <warden/protocol/management.h>
#include <warden/secretbytes.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QString>

#include <memory>
#include <optional>

namespace Warden {
namespace Internal {

class ManagementSession
{
public:
    /// What one frame from the node did to the session.
    enum class AckOutcome {
        Ignored, ///< not an acknowledgement of this node, an echo, or a duplicate fragment
        NeedMore, ///< a fragment of the acknowledgement was stored
        Answered, ///< an authentic acknowledgement of this request: see result()
        Rejected, ///< forged, tampered, for another request, or malformed: rejection() says
    };

    ManagementSession();
    ~ManagementSession();
    ManagementSession(const ManagementSession &) = delete;
    ManagementSession &operator=(const ManagementSession &) = delete;

    /// Builds the request of @p action for @p node. @p managementKey: the node's K_mgmt (32
    /// bytes); @p serial: its 9-byte serial; @p counter: stored durably by the caller before
    /// any frame leaves; @p deliveredKey: the 32-byte key SetLinkKey / SetNetworkKey carries
    /// (ignored otherwise). The derived channel keys are kept until clear() for the
    /// acknowledgement; K_mgmt itself is not.
    Result<void> begin(quint8 node, const SecretBytes &managementKey, QByteArrayView serial,
                       quint32 counter, const ManagementAction &action,
                       const SecretBytes &deliveredKey = {});

    bool isActive() const { return m_active; }
    quint8 node() const { return m_node; }
    quint32 counter() const { return m_counter; }
    Protocol::ManagementOperation operation() const { return m_operation; }

    /// The request's frames (sender 0, destination the node), identical on every call: a
    /// retransmission sends the very same bytes.
    int frameCount() const;
    Protocol::Message frame(int index) const;
    QList<Protocol::Message> frames() const;

    /// Takes one frame received from the network (any frame: what is not an acknowledgement
    /// of this node is Ignored). @p nowMs: a millisecond clock for the fragment timeout.
    AckOutcome feed(const Protocol::Message &frame, quint32 nowMs);
    /// After Answered: the node's result.
    Protocol::ManagementResult result() const { return m_result; }
    /// After Answered with Applied to ReadConfigDigest: the 32-byte digest.
    QByteArray configDigest() const { return m_digest; }
    /// After Answered with StaleCounter: the node's last accepted counter.
    std::optional<quint32> nodeCounter() const { return m_nodeCounter; }
    /// After Rejected: why ("bad-tag", "unexpected-counter", "malformed-frame", ...).
    QString rejection() const { return m_rejection; }

    /// Forgets the request and wipes the derived keys.
    void clear();

    /// SHA-256 over the canonical image of @p config: the digest a node holding exactly that
    /// configuration reports (the same function the node runs). 32 bytes.
    static Result<QByteArray> configDigest(const NodeConfiguration &config);

private:
    struct Buffers;
    std::unique_ptr<Buffers> m_buffers;
    Protocol::ManagementOperation m_operation = Protocol::ManagementOperation::ReadConfigDigest;
    Protocol::ManagementResult m_result = Protocol::ManagementResult::Applied;
    std::optional<quint32> m_nodeCounter;
    QByteArray m_digest;
    QString m_rejection;
    quint32 m_counter = 0;
    quint8 m_node = 0;
    bool m_active = false;
};

} // namespace Internal
} // namespace Warden
