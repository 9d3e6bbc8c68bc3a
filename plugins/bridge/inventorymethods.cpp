#include "inventorymethods.h"
#include "methodparams.h"

#include <warden/protocol/names.h>

#include <QtCore/QJsonArray>
#include <QtCore/QRegularExpression>

using namespace Qt::StringLiterals;

namespace Warden::Internal {

using JsonProtocol::ApiError;
namespace Codes = JsonProtocol::Codes;

namespace {

using MethodResult = JsonApi::MethodResult;
using MethodParams::checkNames;
using MethodParams::invalidParams;

/// A read that failed in the database: the method exists but cannot answer now.
tl::unexpected<ApiError> unavailable(const Error &error)
{
    return tl::unexpected(
            ApiError {Codes::Unavailable, u"the inventory cannot be read: "_s + error.message()});
}

QJsonValue orNull(int value)
{
    return value < 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(value);
}

QJsonValue timeOrNull(qint64 ms)
{
    return ms <= 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(double(ms));
}

QJsonValue textOrNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

QJsonValue nameOrNull(const char *name)
{
    return name ? QJsonValue(QLatin1StringView(name)) : QJsonValue(QJsonValue::Null);
}

QJsonObject auditToJson(const AuditEntry &entry)
{
    return QJsonObject {
            {u"id"_s, double(entry.id)},   {u"when"_s, double(entry.whenMs)},
            {u"who"_s, entry.who},         {u"what"_s, entry.what},
            {u"why"_s, entry.why},         {u"node"_s, orNull(entry.node)},
            {u"details"_s, entry.details},
    };
}

QJsonObject childToJson(const ChildRecord &child)
{
    QJsonArray values;
    for (const ChildValue &v : child.values)
        values.append(QJsonObject {
                {u"type"_s, v.valueType},
                {u"typeName"_s, nameOrNull(Protocol::valueTypeName(v.valueType))},
                {u"value"_s, v.value},
                {u"when"_s, timeOrNull(v.whenMs)},
        });
    return QJsonObject {
            {u"child"_s, child.child},
            {u"sensorType"_s, orNull(child.sensorType)},
            {u"sensorTypeName"_s,
             child.sensorType < 0 ? QJsonValue(QJsonValue::Null)
                                  : nameOrNull(Protocol::sensorTypeName(quint8(child.sensorType)))},
            {u"description"_s, child.description},
            {u"lastSeen"_s, timeOrNull(child.lastSeenMs)},
            {u"values"_s, values},
    };
}

/// Node ids as the API takes them: 1..254 (0 is the gateway, 255 the broadcast address).
tl::expected<quint8, ApiError> nodeParam(const QJsonObject &params, bool required)
{
    const auto node = MethodParams::integer(params, u"node"_s, 1, 254,
                                            required ? std::nullopt : std::optional<qint64>(0));
    if (!node)
        return tl::unexpected(node.error());
    return quint8(*node);
}

MethodResult listNodes(const Inventory &inventory, const Engine *engine, const QJsonObject &params)
{
    if (auto bad = checkNames(params, {}))
        return tl::unexpected(*bad);
    const auto nodes = inventory.nodes();
    if (!nodes)
        return unavailable(nodes.error());
    QJsonArray out;
    for (const NodeRecord &n : *nodes) {
        QJsonObject o = nodeToJson(n);
        if (engine)
            o.insert(u"locked"_s, engine->isLocked(n.id));
        out.append(o);
    }
    return QJsonObject {{u"nodes"_s, out}};
}

MethodResult oneNode(const Inventory &inventory, const Engine *engine, const QJsonObject &params)
{
    if (auto bad = checkNames(params, {u"node"_s}))
        return tl::unexpected(*bad);
    const auto id = nodeParam(params, true);
    if (!id)
        return tl::unexpected(id.error());
    const auto node = inventory.node(*id);
    if (!node)
        return unavailable(node.error());
    if (!node->has_value())
        return tl::unexpected(ApiError {
                Codes::NotFound, u"node %1 is not in the inventory (see \"nodes\")"_s.arg(*id)});
    const auto children = inventory.children(*id);
    if (!children)
        return unavailable(children.error());
    AuditFilter filter;
    filter.node = *id;
    filter.limit = InventoryMethods::kNodeAuditEntries;
    const auto audit = inventory.auditLog(filter);
    if (!audit)
        return unavailable(audit.error());

    QJsonObject o = nodeToJson(**node);
    if (engine)
        o.insert(u"locked"_s, engine->isLocked(*id));
    QJsonArray childArray;
    for (const ChildRecord &c : *children)
        childArray.append(childToJson(c));
    o.insert(u"children"_s, childArray);
    QJsonArray auditArray;
    for (const AuditEntry &e : *audit)
        auditArray.append(auditToJson(e));
    o.insert(u"audit"_s, auditArray);
    return o;
}

MethodResult auditLog(const Inventory &inventory, const QJsonObject &params)
{
    if (auto bad = checkNames(params, {u"limit"_s, u"offset"_s, u"node"_s, u"what"_s}))
        return tl::unexpected(*bad);
    const auto limit = MethodParams::integer(params, u"limit"_s, 1, InventoryMethods::kMaxAuditPage,
                                             InventoryMethods::kDefaultAuditPage);
    if (!limit)
        return tl::unexpected(limit.error());
    const auto offset
            = MethodParams::integer(params, u"offset"_s, 0, InventoryMethods::kMaxAuditOffset, 0);
    if (!offset)
        return tl::unexpected(offset.error());
    const auto node = nodeParam(params, false);
    if (!node)
        return tl::unexpected(node.error());
    AuditFilter filter;
    if (*node != 0)
        filter.node = *node;
    if (params.contains(u"what")) {
        const QJsonValue what = params.value(u"what");
        static const QRegularExpression kAction(u"^[a-z0-9][a-z0-9._-]*$"_s);
        if (!what.isString())
            return invalidParams(u"params.what is not a string"_s);
        const QString text = what.toString();
        if (text.isEmpty() || text.size() > InventoryMethods::kMaxActionLength
            || !kAction.match(text).hasMatch())
            return invalidParams(
                    u"params.what is not an action name (1..%1 of a-z, 0-9, '.', "
                    "'_', '-'; e.g. \"revoke\")"_s.arg(InventoryMethods::kMaxActionLength));
        filter.what = text;
    }
    // One more than the page tells whether there is a next one.
    filter.limit = int(*offset + *limit + 1);
    const auto entries = inventory.auditLog(filter);
    if (!entries)
        return unavailable(entries.error());
    QJsonArray out;
    const qsizetype end = std::min<qsizetype>(entries->size(), *offset + *limit);
    for (qsizetype i = *offset; i < end; ++i)
        out.append(auditToJson(entries->at(i)));
    return QJsonObject {
            {u"entries"_s, out},
            {u"offset"_s, double(*offset)},
            {u"more"_s, entries->size() > *offset + *limit},
    };
}

} // namespace

QJsonObject nodeToJson(const NodeRecord &n)
{
    QJsonObject verdicts;
    for (auto it = n.verdicts.counts.cbegin(); it != n.verdicts.counts.cend(); ++it)
        verdicts.insert(it.key(), double(it.value()));
    QJsonObject o {
            {u"id"_s, n.id},
            {u"nodeType"_s, orNull(n.nodeType)},
            {u"sketchName"_s, textOrNull(n.sketchName)},
            {u"sketchVersion"_s, textOrNull(n.sketchVersion)},
            {u"libraryVersion"_s, textOrNull(n.libraryVersion)},
            {u"parent"_s, orNull(n.parent)},
            {u"distance"_s, orNull(n.distance)},
            {u"battery"_s, orNull(n.batteryPercent)},
            {u"signal"_s, n.signalReportMs > 0
                                  ? QJsonValue(QJsonObject {{u"metric"_s, n.signalMetric},
                                                            {u"value"_s, n.signalReport},
                                                            {u"when"_s, double(n.signalReportMs)}})
                                  : QJsonValue(QJsonValue::Null)},
            {u"firstSeen"_s, timeOrNull(n.firstSeenMs)},
            {u"lastSeen"_s, timeOrNull(n.lastSeenMs)},
            {u"lastHeartbeat"_s, timeOrNull(n.lastHeartbeatMs)},
            {u"signingRequired"_s, n.signingRequired},
            {u"whitelistRequired"_s, n.whitelistRequired},
            {u"quarantined"_s, n.quarantined},
            {u"revoked"_s, n.revoked},
            {u"frames"_s, double(n.verdicts.total())},
            {u"verdicts"_s, verdicts},
    };
    // What the inventory holds of keys is fingerprints; the serial is no secret (it is on the
    // air in every whitelisted signature's salt).
    if (!n.serialHex.isEmpty())
        o.insert(u"serial"_s, n.serialHex);
    if (!n.linkKeyFingerprint.isEmpty())
        o.insert(u"linkKeyFingerprint"_s, n.linkKeyFingerprint);
    if (!n.managementKeyFingerprint.isEmpty())
        o.insert(u"managementKeyFingerprint"_s, n.managementKeyFingerprint);
    return o;
}

Result<void> addInventoryMethods(JsonApi &api, const Inventory *inventory, const Engine *engine)
{
    if (!inventory)
        return fail(ErrorCode::InvalidArgument, u"the inventory methods need an inventory"_s);
    if (auto r = api.addMethod(u"nodes"_s,
                               [inventory, engine](const QJsonObject &params) {
                                   return listNodes(*inventory, engine, params);
                               });
        !r)
        return r;
    if (auto r = api.addMethod(u"node"_s,
                               [inventory, engine](const QJsonObject &params) {
                                   return oneNode(*inventory, engine, params);
                               });
        !r)
        return r;
    return api.addMethod(u"audit"_s, [inventory](const QJsonObject &params) {
        return auditLog(*inventory, params);
    });
}

} // namespace Warden::Internal
