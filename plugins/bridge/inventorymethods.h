// The inventory's JSON API methods: "nodes" (every node with its verdict counters), "node" (one
// node with its children, last values and recent audit entries) and "audit" (the audit log,
// paged). They read the inventory's committed state and never show key material: keys appear
// as fingerprints only, which is all the inventory holds. The schema is in json-api.md.
#pragma once

#include "jsonapi.h"

#include <warden/inventory.h>

#include <QtCore/QJsonObject>

namespace Warden::Internal {

/// Limits of the methods' params.
namespace InventoryMethods {
/// Audit entries "node" returns with a node.
constexpr int kNodeAuditEntries = 20;
/// "audit": the default and the largest page, and the deepest offset.
constexpr int kDefaultAuditPage = 50;
constexpr int kMaxAuditPage = 500;
constexpr int kMaxAuditOffset = 10000;
/// Longest "what" filter (the inventory's action names are short).
constexpr qsizetype kMaxActionLength = 64;
} // namespace InventoryMethods

/// Adds "nodes", "node" and "audit" to @p api, reading @p inventory (which must outlive the
/// API, and be read from the API's thread: the one that opened it). With @p engine, a node
/// also shows whether the engine has it locked now. Fails when a name is taken.
Result<void> addInventoryMethods(JsonApi &api, const Inventory *inventory,
                                 const Engine *engine = nullptr);

/// The JSON form of one node (the "nodes" and "node" results); exposed for tests.
QJsonObject nodeToJson(const NodeRecord &node);

} // namespace Warden::Internal
