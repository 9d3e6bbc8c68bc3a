// The JSON API against real WebSocket clients, with the engine in host-gateway mode and nodes on
// a loopback link that sign with core/protocol's LegacySigner: hello, statistics, live traffic
// with verdict names, alerts, send, revoke and unlock; hostile clients (bad JSON, wrong types,
// unknown methods, oversized and binary frames, floods) get error codes or are closed with a
// close code while another client carries on; token authentication; wss://; and a client that
// does not read loses traffic events instead of stalling anything.
#include "bridgefixture.h"

#include "inventorymethods.h"
#include "jsonapi.h"

#include <warden/engine.h>
#include <warden/inventory.h>
#include <warden/protocol/signing.h>

#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QLoggingCategory>
#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QSslKey>
#include <QtNetwork/QSslSocket>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>
#include <QtWebSockets/QWebSocket>

#include <memory>

using namespace Warden;
using namespace Warden::Protocol;
using namespace Qt::StringLiterals;
using Warden::Internal::AccessToken;
using Warden::Internal::addInventoryMethods;
using Warden::Internal::JsonApi;
using Warden::Internal::JsonApiSettings;
using Warden::Test::bytesOf;
using Warden::Test::decoded;
using Warden::Test::keyOf;
using Warden::Test::LoopbackLink;
using Warden::Test::makeCertificate;
using Warden::Test::TestNode;
namespace JsonProtocol = Warden::Internal::JsonProtocol;

namespace {

constexpr int kTimeoutMs = 5000;

/// A JSON API client: requests with increasing ids; responses and events kept apart.
class ApiClient
{
public:
    ApiClient()
    {
        QObject::connect(&socket, &QWebSocket::textMessageReceived, [this](const QString &text) {
            const QJsonObject o = QJsonDocument::fromJson(text.toUtf8()).object();
            if (o.contains(u"event"))
                events.append(o);
            else
                responses.append(o);
        });
        QObject::connect(&socket, &QWebSocket::sslErrors,
                         [this](const QList<QSslError> &) { socket.ignoreSslErrors(); });
    }

    bool open(const QUrl &url)
    {
        socket.open(url);
        return QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::ConnectedState; },
                               kTimeoutMs);
    }
    void sendRaw(const QString &text) { socket.sendTextMessage(text); }
    qint64 post(const QString &method, const QJsonObject &params = {})
    {
        const qint64 id = m_nextId++;
        QJsonObject request {{u"id"_s, double(id)}, {u"method"_s, method}};
        if (!params.isEmpty())
            request.insert(u"params"_s, params);
        socket.sendTextMessage(QString::fromUtf8(QJsonDocument(request).toJson()));
        return id;
    }
    /// The response to request @p id (an empty object on timeout).
    QJsonObject response(qint64 id)
    {
        QJsonObject found;
        (void)QTest::qWaitFor(
                [&] {
                    for (const QJsonObject &r : std::as_const(responses)) {
                        if (r.value(u"id").toInteger(-1) == id) {
                            found = r;
                            return true;
                        }
                    }
                    return false;
                },
                kTimeoutMs);
        return found;
    }
    QJsonObject call(const QString &method, const QJsonObject &params = {})
    {
        return response(post(method, params));
    }
    /// Waits for an event of @p name matching @p predicate.
    QJsonObject waitEvent(const QString &name,
                          const std::function<bool(const QJsonObject &)> &predicate = {})
    {
        QJsonObject found;
        (void)QTest::qWaitFor(
                [&] {
                    for (const QJsonObject &e : std::as_const(events)) {
                        if (e.value(u"event").toString() == name
                            && (!predicate || predicate(e.value(u"data").toObject()))) {
                            found = e.value(u"data").toObject();
                            return true;
                        }
                    }
                    return false;
                },
                kTimeoutMs);
        return found;
    }
    bool waitClosed()
    {
        return QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::UnconnectedState; },
                               kTimeoutMs);
    }

    QWebSocket socket;
    QList<QJsonObject> responses;
    QList<QJsonObject> events;

private:
    qint64 m_nextId = 1;
};

QString errorCode(const QJsonObject &response)
{
    return response.value(u"error").toObject().value(u"code").toString();
}

struct Rig : Warden::Test::BridgeRig<JsonApi, JsonApiSettings>
{
    using BridgeRig::BridgeRig;

    JsonApi &api = server;
};

/// A Rig whose engine keeps a real inventory (SQLite in a temporary folder) that the API's
/// "nodes", "node" and "audit" read.
struct InventoryRig
{
    InventoryRig()
    {
        auto opened = Inventory::open(dir.filePath(u"inventory.sqlite"_s));
        if (!opened)
            qFatal("inventory: %s", qPrintable(opened.error().message()));
        inventory = std::move(*opened);
        rig.engine.setInventory(inventory.get());
        if (!addInventoryMethods(rig.api, inventory.get(), &rig.engine))
            qFatal("inventory methods not added");
    }
    /// Commits what the engine noted, so that the API's reads see it.
    bool flush()
    {
        const auto r = inventory->flush();
        if (!r)
            qWarning() << r.error().message();
        return bool(r);
    }

    QTemporaryDir dir;
    std::unique_ptr<Inventory> inventory;
    Rig rig;
};

/// The object of node @p id in a "nodes" result (empty if absent).
QJsonObject nodeIn(const QJsonObject &response, int id)
{
    for (const QJsonValue &v : response.value(u"result").toObject().value(u"nodes").toArray()) {
        if (v.toObject().value(u"id").toInt() == id)
            return v.toObject();
    }
    return {};
}

/// One masked WebSocket text frame, as a client sends it.
QByteArray maskedTextFrame(const QByteArray &payload)
{
    QByteArray frame;
    frame.append(char(0x81));
    if (payload.size() < 126) {
        frame.append(char(0x80 | payload.size()));
    } else {
        frame.append(char(0x80 | 126));
        frame.append(char(payload.size() >> 8));
        frame.append(char(payload.size() & 0xFF));
    }
    const char mask[4] = {0x12, 0x34, 0x56, 0x78};
    frame.append(mask, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        frame.append(char(payload[i] ^ mask[i % 4]));
    return frame;
}

} // namespace

class tst_JsonApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QLoggingCategory::setFilterRules(u"warden.*.debug=false"_s); }

    void helloAndStatistics()
    {
        Rig rig;
        QVERIFY(rig.api.addMethod(u"nodes"_s, [](const QJsonObject &) {
            return JsonApi::MethodResult(QJsonArray {1, 2});
        }));
        QVERIFY(!rig.api.addMethod(u"send"_s, [](const QJsonObject &) {
            return JsonApi::MethodResult(QJsonValue());
        }));
        rig.api.addStatisticsSource(u"links"_s, [] { return QJsonObject {{u"count"_s, 1}}; });
        QVERIFY(rig.listen());
        QCOMPARE(rig.api.url().scheme(), u"ws"_s);
        ApiClient client;
        QVERIFY(client.open(rig.api.url()));

        const QJsonObject hello = client.call(u"hello"_s).value(u"result").toObject();
        QCOMPARE(hello.value(u"api").toInt(), JsonProtocol::kApiVersion);
        QCOMPARE(hello.value(u"mode").toString(), u"host-gateway"_s);
        QCOMPARE(hello.value(u"gatewayVersion").toString(), u"2.3.2"_s);
        QVERIFY(hello.value(u"methods").toArray().contains(u"revoke"_s));
        QVERIFY(hello.value(u"methods").toArray().contains(u"nodes"_s));
        QCOMPARE(client.call(u"nodes"_s).value(u"result").toArray(), (QJsonArray {1, 2}));

        rig.link.inject(bytesOf(rig.node.signedFrame(rig.link, rig.node.temperature(20.0f))));
        const QJsonObject stats = client.call(u"statistics"_s).value(u"result").toObject();
        const QJsonObject engine = stats.value(u"engine").toObject();
        QCOMPARE(engine.value(u"framesIn").toInteger(), 2); // nonce request + reading
        QCOMPARE(engine.value(u"verdicts").toObject().value(u"verified").toInteger(), 1);
        QCOMPARE(engine.value(u"noncesIssued").toInteger(), 1);
        QCOMPARE(stats.value(u"api").toObject().value(u"clients").toInt(), 1);
        QCOMPARE(stats.value(u"links").toObject().value(u"count").toInt(), 1);
    }

    void inventoryNodesNodeAndAudit()
    {
        InventoryRig r;
        QVERIFY(r.rig.listen());
        ApiClient client;
        QVERIFY(client.open(r.rig.api.url()));
        const QJsonArray methods
                = client.call(u"hello"_s).value(u"result").toObject().value(u"methods").toArray();
        for (const auto &name : {u"nodes"_s, u"node"_s, u"audit"_s})
            QVERIFY2(methods.contains(name), qPrintable(name));
        QCOMPARE(client.call(u"nodes"_s).value(u"result").toObject().value(u"nodes").toArray(),
                 QJsonArray());

        // Node 5 presents a child and reports twice; a thief with another key forges a frame.
        TestNode &node = r.rig.node;
        Message presentation;
        presentation.setHeader(5, 0, Command::Presentation, uint8_t(Sensor::Temp), 1);
        presentation.setString("outside", 7);
        r.rig.link.inject(bytesOf(node.signedFrame(r.rig.link, presentation)));
        r.rig.link.inject(bytesOf(node.signedFrame(r.rig.link, node.temperature(20.0f))));
        r.rig.link.inject(bytesOf(node.signedFrame(r.rig.link, node.temperature(21.5f))));
        TestNode thief(5, keyOf(77));
        r.rig.link.inject(bytesOf(thief.signedFrame(r.rig.link, thief.temperature(-5.0f))));
        // Node 9 is known by its keys only, then revoked through the API.
        NodeSecurity security;
        security.serialHex = u"0102030405060708a9"_s;
        security.linkKeyFingerprint = keyOf(9).fingerprint();
        QVERIFY(r.inventory->setNodeSecurity(9, security));
        QVERIFY(r.inventory->setNodeSecurity(8, security));
        QCOMPARE(client.call(u"revoke"_s, {{u"node"_s, 9}, {u"reason"_s, u"lost in the garden"_s}})
                         .value(u"result")
                         .toObject()
                         .value(u"revoked"),
                 QJsonValue(true));
        QVERIFY(r.flush());

        const QJsonObject nodes = client.call(u"nodes"_s);
        const QJsonObject five = nodeIn(nodes, 5);
        QCOMPARE(five.value(u"verdicts").toObject().value(u"verified").toInteger(), 3);
        QCOMPARE(five.value(u"verdicts").toObject().value(u"bad-signature").toInteger(), 1);
        QVERIFY(five.value(u"frames").toInteger() >= 4);
        QCOMPARE(five.value(u"revoked"), QJsonValue(false));
        QCOMPARE(five.value(u"locked"), QJsonValue(false));
        QVERIFY(five.value(u"lastSeen").toDouble() > 0);
        const QJsonObject nine = nodeIn(nodes, 9);
        QCOMPARE(nine.value(u"revoked"), QJsonValue(true));
        const QJsonObject eight = nodeIn(nodes, 8);
        QCOMPARE(eight.value(u"revoked"), QJsonValue(false));
        QCOMPARE(eight.value(u"serial").toString(), security.serialHex);
        QCOMPARE(eight.value(u"linkKeyFingerprint").toString(), keyOf(9).fingerprint());
        QVERIFY(!eight.contains(u"managementKeyFingerprint"));
        // Fingerprints only: no key appears in any answer.
        const QByteArray all = QJsonDocument(nodes).toJson(QJsonDocument::Compact);
        for (const quint8 seed : {quint8(1), quint8(9), quint8(77)}) {
            const SecretBytes key = keyOf(seed);
            const QByteArray hex
                    = QByteArray(reinterpret_cast<const char *>(key.data()), qsizetype(key.size()))
                              .toHex();
            QVERIFY(!all.contains(hex));
        }

        // One node: children with their last values, and its audit entries.
        const QJsonObject one
                = client.call(u"node"_s, {{u"node"_s, 5}}).value(u"result").toObject();
        QCOMPARE(one.value(u"id").toInt(), 5);
        const QJsonArray children = one.value(u"children").toArray();
        QCOMPARE(children.size(), 1);
        const QJsonObject child = children.at(0).toObject();
        QCOMPARE(child.value(u"child").toInt(), 1);
        QCOMPARE(child.value(u"sensorTypeName").toString(), u"S_TEMP"_s);
        QCOMPARE(child.value(u"description").toString(), u"outside"_s);
        const QJsonObject value = child.value(u"values").toArray().at(0).toObject();
        QCOMPARE(value.value(u"typeName").toString(), u"V_TEMP"_s);
        QVERIFY2(value.value(u"value").toString().startsWith(u"21.5"_s),
                 qPrintable(value.value(u"value").toString()));
        const QJsonArray nineAudit = client.call(u"node"_s, {{u"node"_s, 9}})
                                             .value(u"result")
                                             .toObject()
                                             .value(u"audit")
                                             .toArray();
        QVERIFY(!nineAudit.isEmpty());
        const QJsonObject revocation = nineAudit.at(0).toObject();
        QCOMPARE(revocation.value(u"what").toString(), u"revoke"_s);
        QCOMPARE(revocation.value(u"why").toString(), u"lost in the garden"_s);
        QVERIFY2(revocation.value(u"who").toString().startsWith(u"api:127.0.0.1:"_s),
                 qPrintable(revocation.value(u"who").toString()));

        // The audit log, paged newest first.
        for (int i = 0; i < 5; ++i) {
            AuditEntry entry;
            entry.who = u"test"_s;
            entry.what = u"note"_s;
            entry.why = u"entry %1"_s.arg(i);
            QVERIFY(r.inventory->recordAudit(entry));
        }
        QVERIFY(r.flush());
        const QJsonObject page1 = client.call(u"audit"_s, {{u"limit"_s, 2}, {u"what"_s, u"note"_s}})
                                          .value(u"result")
                                          .toObject();
        QCOMPARE(page1.value(u"entries").toArray().size(), 2);
        QCOMPARE(page1.value(u"more"), QJsonValue(true));
        QCOMPARE(page1.value(u"entries").toArray().at(0).toObject().value(u"why").toString(),
                 u"entry 4"_s);
        const QJsonObject page3
                = client.call(u"audit"_s,
                              {{u"limit"_s, 2}, {u"offset"_s, 4}, {u"what"_s, u"note"_s}})
                          .value(u"result")
                          .toObject();
        QCOMPARE(page3.value(u"entries").toArray().size(), 1);
        QCOMPARE(page3.value(u"more"), QJsonValue(false));
        QCOMPARE(page3.value(u"entries").toArray().at(0).toObject().value(u"why").toString(),
                 u"entry 0"_s);
        const QJsonArray ofNine = client.call(u"audit"_s, {{u"node"_s, 9}})
                                          .value(u"result")
                                          .toObject()
                                          .value(u"entries")
                                          .toArray();
        QVERIFY(!ofNine.isEmpty());
        for (const QJsonValue &e : ofNine)
            QCOMPARE(e.toObject().value(u"node").toInt(), 9);
    }

    void inventoryMethodsRefuseHostileParams_data()
    {
        QTest::addColumn<QString>("request");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("mention");
        auto row = [](const char *name, const char *method, const char *params, const char *code,
                      const char *mention) {
            QTest::newRow(name) << u"{\"id\": 1000, \"method\": \"%1\", \"params\": %2}"_s.arg(
                    QLatin1StringView(method), QLatin1StringView(params))
                                << QString::fromLatin1(code) << QString::fromLatin1(mention);
        };
        row("unknown node", "node", "{\"node\": 42}", "not-found", "node 42");
        row("node missing", "node", "{}", "invalid-params", "params.node is missing");
        row("node 0", "node", "{\"node\": 0}", "invalid-params", "out of range 1..254");
        row("node 255", "node", "{\"node\": 255}", "invalid-params", "out of range 1..254");
        row("node huge", "node", "{\"node\": 1e300}", "invalid-params", "out of range");
        row("node fraction", "node", "{\"node\": 5.5}", "invalid-params", "whole number");
        row("node as text", "node", "{\"node\": \"5\"}", "invalid-params", "not a number");
        row("node as array", "node", "{\"node\": [5]}", "invalid-params", "not a number");
        row("node, unknown param", "node", "{\"node\": 5, \"nod\": 5}", "invalid-params",
            "params.nod is unknown");
        row("nodes takes none", "nodes", "{\"all\": true}", "invalid-params", "params.all");
        row("audit limit 0", "audit", "{\"limit\": 0}", "invalid-params", "params.limit");
        row("audit limit too big", "audit", "{\"limit\": 501}", "invalid-params", "1..500");
        row("audit offset negative", "audit", "{\"offset\": -1}", "invalid-params",
            "params.offset");
        row("audit offset too deep", "audit", "{\"offset\": 10001}", "invalid-params",
            "params.offset");
        row("audit what not a string", "audit", "{\"what\": 7}", "invalid-params", "params.what");
        row("audit what with SQL", "audit", "{\"what\": \"x' OR 1=1 --\"}", "invalid-params",
            "action name");
        row("audit what empty", "audit", "{\"what\": \"\"}", "invalid-params", "params.what");
        row("audit node text", "audit", "{\"node\": \"all\"}", "invalid-params", "params.node");
        row("audit unknown param", "audit", "{\"sort\": \"asc\"}", "invalid-params",
            "params.sort is unknown");
        row("params not an object", "node", "[5]", "invalid-params", "params");
    }

    void inventoryMethodsRefuseHostileParams()
    {
        QFETCH(QString, request);
        QFETCH(QString, code);
        QFETCH(QString, mention);
        InventoryRig r;
        QVERIFY(r.rig.listen());
        ApiClient client;
        QVERIFY(client.open(r.rig.api.url()));
        client.sendRaw(request);
        const QJsonObject response = client.response(1000);
        QCOMPARE(errorCode(response), code);
        const QString message = response.value(u"error").toObject().value(u"message").toString();
        QVERIFY2(message.contains(mention), qPrintable(message));
        // The client is still served.
        QVERIFY(client.call(u"nodes"_s).contains(u"result"));
    }

    void trafficEventsCarryVerdicts()
    {
        Rig rig;
        QVERIFY(rig.listen());
        ApiClient client;
        QVERIFY(client.open(rig.api.url()));
        QCOMPARE(client.call(u"traffic.subscribe"_s).value(u"result").toObject().value(u"traffic"),
                 QJsonValue(true));

        rig.link.inject(bytesOf(rig.node.signedFrame(rig.link, rig.node.temperature(21.5f))));
        TestNode thief(5, keyOf(77));
        rig.link.inject(bytesOf(thief.signedFrame(rig.link, thief.temperature(-5.0f))));
        rig.link.inject(QByteArray::fromHex("0505001a"));

        const QJsonObject verified = client.waitEvent(u"traffic"_s, [](const QJsonObject &d) {
            return d.value(u"verdict").toString() == u"verified";
        });
        QCOMPARE(verified.value(u"direction").toString(), u"in"_s);
        QCOMPARE(verified.value(u"link").toString(), u"loop"_s);
        QVERIFY(verified.value(u"accepted").toBool());
        const QJsonObject m = verified.value(u"message").toObject();
        QCOMPARE(m.value(u"sender").toInt(), 5);
        QCOMPARE(m.value(u"type_name").toString(), u"V_TEMP"_s);
        QCOMPARE(m.value(u"payload_text").toString(), u"21.50"_s);

        const QJsonObject forged = client.waitEvent(u"traffic"_s, [](const QJsonObject &d) {
            return d.value(u"verdict").toString() == u"bad-signature";
        });
        QVERIFY(!forged.isEmpty());
        QVERIFY(!forged.value(u"accepted").toBool());
        QVERIFY(!forged.value(u"detail").toString().isEmpty());
        const QJsonObject malformed = client.waitEvent(u"traffic"_s, [](const QJsonObject &d) {
            return d.value(u"verdict").toString() == u"malformed";
        });
        QCOMPARE(malformed.value(u"raw_hex").toString(), u"0505001a"_s);
        // Outgoing frames too: the nonce responses.
        QVERIFY(!client.waitEvent(u"traffic"_s, [](const QJsonObject &d) {
                           return d.value(u"direction").toString() == u"out";
                       }).isEmpty());

        QCOMPARE(
                client.call(u"traffic.unsubscribe"_s).value(u"result").toObject().value(u"traffic"),
                QJsonValue(false));
        client.events.clear();
        rig.link.inject(QByteArray::fromHex("0505001a"));
        // The response to a request sent after the frame arrives after any event for it.
        QVERIFY(!client.call(u"hello"_s).isEmpty());
        QVERIFY(client.events.isEmpty());
    }

    void sendRevokeUnlockAndAlerts()
    {
        Rig rig;
        QVERIFY(rig.listen());
        ApiClient client;
        QVERIFY(client.open(rig.api.url()));
        QVERIFY(!client.call(u"traffic.subscribe"_s).contains(u"error"));
        QVERIFY(!client.call(u"alerts.subscribe"_s).contains(u"error"));

        // send: a command to node 6 (no signing required), by names.
        rig.link.takeWritten();
        const QJsonObject sent = client.call(u"send"_s, {{u"node"_s, 6},
                                                         {u"child"_s, 2},
                                                         {u"command"_s, u"C_SET"_s},
                                                         {u"type"_s, u"V_STATUS"_s},
                                                         {u"payload"_s, u"1"_s},
                                                         {u"ack"_s, true}});
        const qint64 sendId = sent.value(u"result").toObject().value(u"sendId").toInteger(-1);
        QVERIFY2(sendId > 0, QJsonDocument(sent).toJson().constData());
        const QByteArrayList written = rig.link.takeWritten();
        QCOMPARE(written.size(), 1);
        const Message m = decoded(written.at(0));
        QCOMPARE(m.destination(), uint8_t(6));
        QCOMPARE(m.sensor(), uint8_t(2));
        QCOMPARE(m.type(), uint8_t(Value::Status));
        QVERIFY(m.requestEcho());
        QCOMPARE(client.waitEvent(u"send.done"_s).value(u"sendId").toInteger(), sendId);
        // By numbers, a stream payload in hex.
        const QJsonObject stream = client.call(u"send"_s, {{u"node"_s, 6},
                                                           {u"child"_s, 0},
                                                           {u"command"_s, 4},
                                                           {u"type"_s, 3},
                                                           {u"payload"_s, u"0a0b0c"_s}});
        QVERIFY(stream.value(u"result").toObject().contains(u"sendId"));
        QCOMPARE(decoded(rig.link.takeWritten().at(0)).payloadLength(), uint8_t(3));

        // Repeated forgeries lock node 5 and raise an alert; unlock lets it in again.
        TestNode thief(5, keyOf(66));
        for (int i = 0; i < 5; ++i)
            rig.link.inject(bytesOf(thief.signedFrame(rig.link, thief.temperature(1.0f))));
        const QJsonObject alert = client.waitEvent(u"alert"_s);
        QCOMPARE(alert.value(u"kind").toString(), u"repeated-failures"_s);
        QCOMPARE(alert.value(u"node").toInt(), 5);
        QVERIFY(rig.engine.isLocked(5));
        const QJsonObject unlocked = client.call(u"unlock"_s, {{u"node"_s, 5}});
        QCOMPARE(unlocked.value(u"result").toObject().value(u"locked"), QJsonValue(false));
        QVERIFY(!rig.engine.isLocked(5));

        // Revoke: the node's next frame is rejected as revoked-sender, sends to it refused.
        const Message later = rig.node.signedFrame(rig.link, rig.node.temperature(3.0f));
        const QJsonObject revoked = client.call(
                u"revoke"_s, {{u"node"_s, 5}, {u"reason"_s, u"stolen from the shed"_s}});
        QCOMPARE(revoked.value(u"result").toObject().value(u"revoked"), QJsonValue(true));
        QVERIFY(rig.engine.isRevoked(5));
        client.events.clear();
        rig.link.inject(bytesOf(later));
        QCOMPARE(client.waitEvent(u"traffic"_s).value(u"verdict").toString(), u"revoked-sender"_s);
        const QJsonObject refused = client.call(u"send"_s, {{u"node"_s, 5},
                                                            {u"child"_s, 1},
                                                            {u"command"_s, 1},
                                                            {u"type"_s, 2},
                                                            {u"payload"_s, u"1"_s}});
        QCOMPARE(errorCode(refused), u"refused"_s);
        QVERIFY(refused.value(u"error")
                        .toObject()
                        .value(u"message")
                        .toString()
                        .contains(u"revoked"));
    }

    void badRequestsGetErrorCodes_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("not JSON") << u"{\"id\": 1, "_s << u"parse-error"_s << u"offset"_s;
        QTest::newRow("array") << u"[1, 2]"_s << u"invalid-request"_s << u"array"_s;
        QTest::newRow("no id") << u"{\"method\": \"hello\"}"_s << u"invalid-request"_s << u"id"_s;
        QTest::newRow("string id") << u"{\"id\": \"7\", \"method\": \"hello\"}"_s
                                   << u"invalid-request"_s << u"string"_s;
        QTest::newRow("fractional id")
                << u"{\"id\": 1.5, \"method\": \"hello\"}"_s << u"invalid-request"_s << u"1.5"_s;
        QTest::newRow("no method") << u"{\"id\": 3}"_s << u"invalid-request"_s << u"method"_s;
        QTest::newRow("unknown member") << u"{\"id\": 3, \"method\": \"hello\", \"x\": 1}"_s
                                        << u"invalid-request"_s << u"x"_s;
        QTest::newRow("unknown method") << u"{\"id\": 3, \"method\": \"format-disk\"}"_s
                                        << u"method-not-found"_s << u"format-disk"_s;
        QTest::newRow("params not an object")
                << u"{\"id\": 3, \"method\": \"send\", \"params\": 5}"_s << u"invalid-params"_s
                << u"params"_s;
        QTest::newRow("unexpected param")
                << u"{\"id\": 3, \"method\": \"hello\", \"params\": {\"verbose\": true}}"_s
                << u"invalid-params"_s << u"verbose"_s;
        QTest::newRow("node out of range")
                << u"{\"id\": 3, \"method\": \"send\", \"params\": {\"node\": 300, \"child\": 1, "
                   "\"command\": 1, \"type\": 2}}"_s
                << u"invalid-params"_s << u"node"_s;
        QTest::newRow("node as string")
                << u"{\"id\": 3, \"method\": \"unlock\", \"params\": {\"node\": \"5\"}}"_s
                << u"invalid-params"_s << u"string"_s;
        QTest::newRow("unknown command name")
                << u"{\"id\": 3, \"method\": \"send\", \"params\": {\"node\": 6, \"child\": 1, "
                   "\"command\": \"C_BOGUS\", \"type\": 2}}"_s
                << u"invalid-params"_s << u"C_BOGUS"_s;
        QTest::newRow("payload too long")
                << u"{\"id\": 3, \"method\": \"send\", \"params\": {\"node\": 6, \"child\": 1, "
                   "\"command\": 1, \"type\": 2, \"payload\": \"%1\"}}"_s.arg(QString(26, u'x'))
                << u"invalid-params"_s << u"25"_s;
        QTest::newRow("bad hex")
                << u"{\"id\": 3, \"method\": \"send\", \"params\": {\"node\": 6, \"child\": 1, "
                   "\"command\": 4, \"type\": 2, \"payload\": \"0g\"}}"_s
                << u"invalid-params"_s << u"payload"_s;
        QTest::newRow("revoke without reason")
                << u"{\"id\": 3, \"method\": \"revoke\", \"params\": {\"node\": 5}}"_s
                << u"invalid-params"_s << u"reason"_s;
        QTest::newRow("revoke the gateway")
                << u"{\"id\": 3, \"method\": \"revoke\", \"params\": {\"node\": 0, \"reason\": \"x\"}}"_s
                << u"invalid-params"_s << u"node"_s;
    }

    void badRequestsGetErrorCodes()
    {
        QFETCH(QString, text);
        QFETCH(QString, code);
        QFETCH(QString, mentions);
        Rig rig;
        QVERIFY(rig.listen());
        ApiClient client;
        QVERIFY(client.open(rig.api.url()));
        client.sendRaw(text);
        QVERIFY(QTest::qWaitFor([&] { return !client.responses.isEmpty(); }, kTimeoutMs));
        const QJsonObject response = client.responses.takeFirst();
        const QJsonObject error = response.value(u"error").toObject();
        QCOMPARE(error.value(u"code").toString(), code);
        QVERIFY2(error.value(u"message").toString().contains(mentions),
                 qPrintable(error.value(u"message").toString()));
        QVERIFY(!response.contains(u"result"));
        // The id comes back when it was readable.
        if (text.contains(u"\"id\": 3"))
            QCOMPARE(response.value(u"id").toInt(), 3);
        QCOMPARE(rig.api.statistics().errors, quint64(1));
        // One bad request does not end the session.
        QVERIFY(client.call(u"hello"_s).contains(u"result"));
        QVERIFY(!rig.engine.isRevoked(5));
    }

    void abusiveClientsAreClosed_data()
    {
        QTest::addColumn<QString>("abuse");
        QTest::addColumn<int>("closeCode");
        QTest::newRow("oversized")
                << u"oversized"_s << int(QWebSocketProtocol::CloseCodeTooMuchData);
        QTest::newRow("binary") << u"binary"_s
                                << int(QWebSocketProtocol::CloseCodeDatatypeNotSupported);
        QTest::newRow("flood") << u"flood"_s << int(QWebSocketProtocol::CloseCodePolicyViolated);
        QTest::newRow("errors") << u"errors"_s << int(QWebSocketProtocol::CloseCodePolicyViolated);
    }

    void abusiveClientsAreClosed()
    {
        QFETCH(QString, abuse);
        QFETCH(int, closeCode);
        Rig rig;
        QVERIFY(rig.listen());
        QSignalSpy dropped(&rig.api, &JsonApi::clientDropped);
        ApiClient good;
        QVERIFY(good.open(rig.api.url()));
        QVERIFY(!good.call(u"traffic.subscribe"_s).contains(u"error"));
        ApiClient bad;
        QVERIFY(bad.open(rig.api.url()));

        if (abuse == u"oversized") {
            bad.socket.sendTextMessage(u"{\"id\": 1, \"method\": \"hello\", \"pad\": \"%1\"}"_s.arg(
                    QString(70 * 1024, u'a')));
        } else if (abuse == u"binary") {
            bad.socket.sendBinaryMessage(QByteArray("\x00\x01\x02", 3));
        } else if (abuse == u"flood") {
            for (int i = 0; i < 500; ++i)
                bad.post(u"statistics"_s);
        } else {
            for (int i = 0; i < 20; ++i)
                bad.sendRaw(u"nonsense"_s);
        }
        QVERIFY(bad.waitClosed());
        QCOMPARE(int(bad.socket.closeCode()), closeCode);
        QVERIFY(QTest::qWaitFor([&] { return rig.api.statistics().clients == 1; }, kTimeoutMs));
        QCOMPARE(rig.api.statistics().disconnected, quint64(1));
        QCOMPARE(dropped.size(), 1);
        if (abuse == u"errors")
            QCOMPARE(rig.api.statistics().errors, quint64(10));

        // The other client is unaffected: it still gets events and answers.
        rig.link.inject(bytesOf(rig.node.signedFrame(rig.link, rig.node.temperature(9.0f))));
        QVERIFY(!good.waitEvent(u"traffic"_s, [](const QJsonObject &d) {
                         return d.value(u"verdict").toString() == u"verified";
                     }).isEmpty());
        QVERIFY(good.call(u"hello"_s).contains(u"result"));
    }

    void tokenAuthentication()
    {
        JsonApiSettings settings;
        settings.token = *AccessToken::fromText(u"api-secret-1"_s);
        settings.authTimeout = std::chrono::milliseconds(1000);
        Rig rig(settings);
        QVERIFY(rig.listen());

        ApiClient early;
        QVERIFY(early.open(rig.api.url()));
        QCOMPARE(errorCode(early.call(u"hello"_s)), u"unauthenticated"_s);
        QVERIFY(early.waitClosed());

        ApiClient wrong;
        QVERIFY(wrong.open(rig.api.url()));
        QCOMPARE(errorCode(wrong.call(u"auth"_s, {{u"token"_s, u"api-secret-2"_s}})),
                 u"auth-failed"_s);
        QVERIFY(wrong.waitClosed());
        QCOMPARE(int(wrong.socket.closeCode()), int(QWebSocketProtocol::CloseCodePolicyViolated));

        ApiClient silent;
        QVERIFY(silent.open(rig.api.url()));
        QVERIFY(silent.waitClosed());

        ApiClient right;
        QVERIFY(right.open(rig.api.url()));
        const QJsonObject auth = right.call(u"auth"_s, {{u"token"_s, u"api-secret-1"_s}});
        QCOMPARE(auth.value(u"result").toObject().value(u"authenticated"), QJsonValue(true));
        QVERIFY(right.call(u"hello"_s)
                        .value(u"result")
                        .toObject()
                        .value(u"authenticated")
                        .toBool());
        QCOMPARE(rig.api.statistics().disconnected, quint64(3));
    }

    void secureWebSocketWithAPinnedClient()
    {
        if (!QSslSocket::supportsSsl())
            QSKIP("no TLS backend");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        if (!makeCertificate(dir.path(), u"server"_s) || !makeCertificate(dir.path(), u"client"_s))
            QSKIP("openssl could not make test certificates");
        const auto clientCerts = QSslCertificate::fromPath(dir.filePath(u"client.crt"_s));
        QCOMPARE(clientCerts.size(), 1);
        QFile keyFile(dir.filePath(u"client.key"_s));
        QVERIFY(keyFile.open(QIODevice::ReadOnly));
        const QSslKey clientKey(&keyFile, QSsl::Ec);
        QVERIFY(!clientKey.isNull());

        JsonApiSettings settings;
        settings.tls.certificateFile = dir.filePath(u"server.crt"_s);
        settings.tls.keyFile = dir.filePath(u"server.key"_s);
        settings.tls.clientFingerprint
                = QString::fromLatin1(clientCerts.at(0).digest(QCryptographicHash::Sha256).toHex());
        Rig rig(settings);
        QVERIFY(rig.listen());
        QCOMPARE(rig.api.url().scheme(), u"wss"_s);

        ApiClient pinned;
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setPeerVerifyMode(QSslSocket::VerifyNone); // the server's certificate is self-signed
        tls.setLocalCertificate(clientCerts.at(0));
        tls.setPrivateKey(clientKey);
        pinned.socket.setSslConfiguration(tls);
        QVERIFY(pinned.open(rig.api.url()));
        QCOMPARE(pinned.call(u"hello"_s).value(u"result").toObject().value(u"api").toInt(),
                 JsonProtocol::kApiVersion);

        ApiClient stranger;
        tls.setLocalCertificate(QSslCertificate());
        tls.setPrivateKey(QSslKey());
        stranger.socket.setSslConfiguration(tls);
        stranger.socket.open(rig.api.url());
        QVERIFY(stranger.waitClosed());
        QVERIFY(stranger.responses.isEmpty());
        QCOMPARE(rig.api.statistics().rejectedConnections, quint64(1));
        QVERIFY(pinned.call(u"hello"_s).contains(u"result"));
    }

    void slowReaderLosesEventsNotTheEngine()
    {
        JsonApiSettings settings;
        settings.maxPendingOutput = 64 * 1024;
        EngineOptions options;
        options.requireSignatures = false;
        Rig rig(settings, options);
        QVERIFY(rig.listen());
        ApiClient good;
        QVERIFY(good.open(rig.api.url()));
        QVERIFY(!good.call(u"traffic.subscribe"_s).contains(u"error"));

        // A raw client that subscribes and then stops reading.
        QTcpSocket slow;
        slow.connectToHost(QHostAddress::LocalHost, rig.api.serverPort());
        QVERIFY(slow.waitForConnected(kTimeoutMs));
        slow.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n");
        QByteArray handshake;
        QVERIFY(QTest::qWaitFor(
                [&] {
                    handshake += slow.readAll();
                    return handshake.contains("\r\n\r\n");
                },
                kTimeoutMs));
        QVERIFY(handshake.startsWith("HTTP/1.1 101"));
        slow.write(maskedTextFrame(R"({"id": 1, "method": "traffic.subscribe"})"));
        QVERIFY(QTest::qWaitFor([&] { return slow.bytesAvailable() > 0; }, kTimeoutMs));
        slow.setReadBufferSize(1024); // from here on Qt stops reading once 1 KiB waits

        // Traffic in small batches, the event loop turning in between as it does in the daemon
        // (sockets write out only when it turns: one batch stays well below the bound).
        Message reading;
        reading.setHeader(9, 0, Command::Set, uint8_t(Value::Temp), 1);
        reading.setFloat32(1.0f, 2);
        int injected = 0;
        while (rig.api.statistics().eventsDropped == 0 && injected < 200000) {
            for (int i = 0; i < 20; ++i, ++injected)
                rig.link.inject(bytesOf(reading));
            QTest::qWait(1);
        }
        qInfo("%d frames until the slow reader's buffer passed 64 KiB", injected);
        QVERIFY(rig.api.statistics().eventsDropped > 0);
        QCOMPARE(rig.engine.statistics().framesIn, quint64(injected));
        // The reading client got every event; nothing was dropped for it.
        QVERIFY(QTest::qWaitFor([&] { return good.events.size() >= injected; }, 3 * kTimeoutMs));
        QCOMPARE(good.events.size(), injected);
        for (const QJsonObject &e : std::as_const(good.events))
            QCOMPARE(e.value(u"event").toString(), u"traffic"_s);

        // Once the slow client reads again it is told how many events it missed.
        slow.setReadBufferSize(0);
        QByteArray received;
        QVERIFY(QTest::qWaitFor(
                [&] {
                    received += slow.readAll();
                    if (received.contains("traffic.dropped"))
                        return true;
                    rig.link.inject(bytesOf(reading)); // an event after the drain reports it
                    return false;
                },
                3 * kTimeoutMs));
        QCOMPARE(rig.api.statistics().clients, 2);
    }
};

QTEST_GUILESS_MAIN(tst_JsonApi)
#include "tst_jsonapi.moc"
