// Readmission of a revoked node without the SecurityWorkflows facade: the personalization
// station calls it with the keys it generated (read from the key store, never handed out), with
// the engine when it has one. SecurityWorkflows::readmitNode() is this plus its own bookkeeping.
#pragma once

#include <warden/securityworkflows.h>

namespace Warden {

class Engine;
class Inventory;
class KeyStore;

namespace Internal {

/// SecurityWorkflows::readmitNode() on @p keys and @p inventory; @p engine (may be null: an
/// offline tool) is told last. Same checks, same "readmit" audit entry, same refusals.
[[nodiscard]] Result<ReadmissionReport> readmitRecorded(Engine *engine, Inventory &inventory,
                                                        KeyStore &keys, quint8 node,
                                                        const NodePersonalization &record,
                                                        const QString &who, const QString &why);

} // namespace Internal
} // namespace Warden
