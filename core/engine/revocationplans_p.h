// The rotation plans revocations leave, as the inventory keeps them: their JSON image (node
// lists, exposure, text; never key bytes) and which of them a rotation covers.
#pragma once

#include <warden/error.h>
#include <warden/securityworkflows.h>

#include <QtCore/QJsonObject>

namespace Warden {
class Inventory;
}

namespace Warden::Internal {

/// The stored image of what a revocation said must follow.
QJsonObject revocationPlanJson(const RotationPlan &plan, const QList<ExposureItem> &exposure);

/// The plans in @p inventory, oldest first, each with the rotation that covers it (a network
/// rotation created at or after the revocation, away from the burnt epoch or a later one, not
/// cancelled). @p pendingOnly leaves covered ones out. A stored image that does not parse is
/// an error naming the revocation.
Result<QList<PendingRotationPlan>> storedRotationPlans(const Inventory &inventory,
                                                       bool pendingOnly);

} // namespace Warden::Internal
