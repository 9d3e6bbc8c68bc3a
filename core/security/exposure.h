// What a lost node's secrets still open, decided from facts alone (no engine, no database):
// which keys it held, which verifiers still trust them, which nodes list it and must have it
// removed, and how the rotation that follows reaches each node (over the air or by USB).
#pragma once

#include <warden/securityworkflows.h>

#include <QtCore/QList>

#include <optional>

namespace Warden::Internal {

/// One node as the facade knows it at the moment of the loss.
struct ExposureNode
{
    quint8 id = 0;
    bool hasLinkKey = false; ///< signs with a key of its own, not the network key
    bool hasManagementKey = false; ///< a Warden node: reachable over the management channel
    bool requiresSignatures = true; ///< verifies what it receives
    bool requiresWhitelisting = false; ///< salts with serials: forged ids fail at it
    bool revoked = false;
    /// The ids its whitelist lists, as core last pushed it; nullopt: unknown.
    std::optional<QList<quint8>> whitelist;
};

struct ExposureFacts
{
    QList<ExposureNode> nodes;
    std::optional<quint32> activeEpoch; ///< the shared network key in use, if any
    bool gatewayWhitelists = false; ///< the gateway requires salted signatures from everyone
};

struct ExposureAssessment
{
    bool sharedKeyBurnt = false;
    QList<ExposureItem> items;
    RotationPlan plan;
    /// Warden nodes that list the lost node (or may: whitelist unknown), to push the removal.
    QList<quint8> removalTargets;
};

/// The assessment for the loss of @p lost. A node absent from the facts held nothing known.
ExposureAssessment assessExposure(const ExposureFacts &facts, quint8 lost);

/// "nodes 1-6, 8, 9" for the operator.
QString nodeListText(const QList<quint8> &nodes);

} // namespace Warden::Internal
