// A finished rotation's report as it outlives the daemon: completed with what the inventory
// knows (when each node acknowledged and was switched, the jobs that failed on the way, who
// started it and why), stored in the inventory when the rotation ends, read back after a
// restart. No key material: the new key is named by its fingerprint.
#pragma once

#include <warden/error.h>
#include <warden/rotationtypes.h>

#include <QtCore/QJsonObject>

#include <optional>

namespace Warden {
class Inventory;
}

namespace Warden::Internal {

/// Fills the final-report fields of @p report (a finished rotation's status) from
/// @p inventory: per node the times of its acknowledged delivery and activation (or USB
/// step) and its failed jobs; who/why (@p who, @p why); the wall-clock start and end.
RotationReport completeRotationReport(RotationReport report, const Inventory &inventory,
                                      const QString &who, const QString &why);
/// Stores @p report in the inventory and waits until it is committed.
Result<void> storeRotationReport(Inventory &inventory, const RotationReport &report);
/// The stored report of @p rotation (0: the newest); nullopt when none.
Result<std::optional<RotationReport>> storedRotationReport(const Inventory &inventory,
                                                           qint64 rotation);

/// The stored (versioned) JSON image, and back: strict, an error names what is wrong.
QJsonObject rotationReportJson(const RotationReport &report);
Result<RotationReport> rotationReportFromJson(const QJsonObject &json);

} // namespace Warden::Internal
