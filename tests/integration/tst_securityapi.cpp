// The JSON API's security methods (plugins/bridge/securitymethods.cpp) over a real WebSocket, in
// front of a SecurityService whose nodes are real host-build Warden firmware nodes (management
// keys, EEPROM state) on the simulated bus, with a real inventory and a real sealed key store:
// "push" queues a whitelist removal as a batch and "job" events follow it to "done"; a
// rotation started over the API runs over the air through every step with "rotation" events;
// "revoke" answers with the full report; a USB rotation takes an exclusion and refuses to be
// cancelled once nodes may use the new key; hostile params are refused by name and the link keeps
// running. Here the simulated clock drives everything (fast, deterministic); the real wardend
// with real-time nodes in another process is tst_wardendsecurity and tst_wardendkill.
#include "engine/readmission_p.h"
#include "rotationharness.h"
#include "securitymethods.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QTemporaryDir>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>
#include <QtTest/QTest>
#include <QtWebSockets/QWebSocket>

using namespace Warden;
using namespace Warden::Internal;
using namespace WardenTest;
using namespace Qt::StringLiterals;

namespace {

constexpr quint8 kPolicy = Fw::PolicyFlag::kRequireSignatures;
constexpr qint64 kRealTimeoutMs = 20000;

/// A daemon with the API in front, and one client; everything driven by one loop that steps
/// the simulated network and serves the sockets.
struct Rig
{
    /// @p fresh: new files; else the daemon restarts over what a previous rig left in @p dir.
    Rig(SimNetwork &net, const QString &dir, bool fresh = true)
        : daemon(net, dir, fresh)
    {
        if (!daemon.service->start())
            qFatal("service not started");
        if (!joinAll(daemon))
            qFatal("nodes did not join");
        JsonApiSettings settings;
        settings.port = 0;
        settings.requestsPerSecond = 1000;
        settings.requestBurst = 1000;
        api = std::make_unique<JsonApi>(daemon.engine.get(), settings);
        if (!addSecurityMethods(*api, daemon.service.get()) || !api->listen())
            qFatal("API not started");
        QObject::connect(&socket, &QWebSocket::textMessageReceived, [this](const QString &text) {
            messages.append(QJsonDocument::fromJson(text.toUtf8()).object());
        });
        socket.open(api->url());
        if (!until([&] { return socket.state() == QAbstractSocket::ConnectedState; }))
            qFatal("client not connected");
    }

    bool until(const std::function<bool()> &done)
    {
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < kRealTimeoutMs) {
            if (done())
                return true;
            daemon.step();
        }
        return done();
    }

    /// The response to @p method: {"result": ...} or {"error": ...}.
    QJsonObject call(const QString &method, const QJsonObject &params = {})
    {
        const int id = ++lastId;
        QJsonObject request {{u"id"_s, id}, {u"method"_s, method}};
        if (!params.isEmpty())
            request.insert(u"params"_s, params);
        socket.sendTextMessage(QString::fromUtf8(QJsonDocument(request).toJson()));
        QJsonObject response;
        until([&] {
            for (const QJsonObject &m : std::as_const(messages)) {
                if (!m.contains(u"event"_s) && m.value(u"id"_s).toInt() == id) {
                    response = m;
                    return true;
                }
            }
            return false;
        });
        return response;
    }
    QJsonObject result(const QString &method, const QJsonObject &params = {})
    {
        return call(method, params).value(u"result"_s).toObject();
    }
    QString errorCode(const QString &method, const QJsonObject &params)
    {
        return call(method, params).value(u"error"_s).toObject().value(u"code"_s).toString();
    }
    QList<QJsonObject> events(const QString &name) const
    {
        QList<QJsonObject> out;
        for (const QJsonObject &m : messages) {
            if (m.value(u"event"_s).toString() == name)
                out << m.value(u"data"_s).toObject();
        }
        return out;
    }

    ServiceDaemon daemon;
    std::unique_ptr<JsonApi> api;
    QWebSocket socket;
    QList<QJsonObject> messages;
    int lastId = 0;
};

bool noKeyMaterial(const QJsonObject &o)
{
    return !QRegularExpression(u"[0-9a-fA-F]{64}"_s)
                    .match(QString::fromUtf8(QJsonDocument(o).toJson()))
                    .hasMatch();
}

} // namespace

class tst_SecurityApi : public QObject
{
    Q_OBJECT

private slots:
    void pushRotateRevoke();
    void excludeAndCancelRefused();
    void hostileParams_data();
    void hostileParams();
    void namedParams_data();
    void namedParams();
    void planAndReportAfterRestart();
    void planReadErrorIsNotNoPlan();
    void offlineReadmitThenNodeReload();
    void cleanupTestCase();

private:
    // One rig for every row of hostileParams (made by the first).
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SimNetwork> m_net;
    std::unique_ptr<Rig> m_rig;
};

void tst_SecurityApi::pushRotateRevoke()
{
    QTemporaryDir dir;
    SimNetwork net(specs(4), kOldKey, kPolicy, 81);
    Rig rig(net, dir.path());
    QCOMPARE(rig.result(u"security.subscribe"_s).value(u"security"_s).toBool(), true);

    // A whitelist removal pushed to two nodes: a batch, job events, applied.
    const QJsonObject pushed = rig.result(
            u"push"_s,
            {{u"nodes"_s, QJsonArray {1, 2}},
             {u"label"_s, u"forget node 9"_s},
             {u"action"_s, QJsonObject {{u"op"_s, u"remove-whitelist-entry"_s}, {u"node"_s, 9}}}});
    const qint64 batch = pushed.value(u"batch"_s).toInteger();
    QVERIFY2(batch > 0, QJsonDocument(pushed).toJson().constData());
    QVERIFY(rig.until([&] {
        int done = 0;
        for (const QJsonObject &e : rig.events(u"job"_s))
            done += e.value(u"batch"_s).toInteger() == batch
                    && e.value(u"state"_s).toString() == u"done"_s;
        return done >= 2;
    }));
    const QJsonObject jobs = rig.result(u"jobs"_s, {{u"batch"_s, double(batch)}});
    QCOMPARE(jobs.value(u"jobs"_s).toArray().size(), 2);
    const QJsonObject progress = jobs.value(u"batches"_s).toArray().at(0).toObject();
    QCOMPARE(progress.value(u"applied"_s).toInt(), 2);
    QVERIFY(progress.value(u"settled"_s).toBool());
    QCOMPARE(progress.value(u"label"_s).toString(), u"forget node 9"_s);

    // A rotation of every node over the air, through every step, seen as events.
    const QJsonObject started = rig.result(u"rotation.start"_s, {{u"oldEpoch"_s, 1}});
    QVERIFY2(started.value(u"rotation"_s).toInteger() > 0,
             QJsonDocument(started).toJson().constData());
    QVERIFY(rig.until([&] {
        for (const QJsonObject &e : rig.events(u"rotation"_s)) {
            if (e.value(u"kind"_s).toString() == u"finished"_s)
                return true;
        }
        return false;
    }));
    QStringList steps;
    for (const QJsonObject &e : rig.events(u"rotation"_s)) {
        if (e.value(u"kind"_s).toString() == u"step"_s)
            steps << e.value(u"step"_s).toString();
    }
    steps.removeDuplicates(); // a step may be announced again (a poll that stays in it)
    QVERIFY2(steps
                     == (QStringList {u"assessed"_s, u"generated"_s, u"delivering"_s,
                                      u"activating"_s, u"retiring"_s, u"completed"_s}),
             qPrintable(steps.join(u", ")));
    const QJsonObject status = rig.result(u"rotation.status"_s);
    QCOMPARE(status.value(u"status"_s).toObject().value(u"activated"_s).toInt(), 4);
    QVERIFY(noKeyMaterial(status));
    for (const quint8 id : {1, 2, 3, 4})
        QCOMPARE(net.stored(id).activeEpoch, quint16(2));

    // The confirmation first: what revoking node 4 will do, with nothing done.
    const QJsonObject preview = rig.result(u"revoke.preview"_s, {{u"node"_s, 4}});
    QVERIFY(!preview.value(u"blocked"_s).toBool());
    QCOMPARE(preview.value(u"pushedTo"_s).toArray(), (QJsonArray {1, 2, 3}));
    QCOMPARE(preview.value(u"rotation"_s).toObject().value(u"overTheAir"_s).toArray(),
             (QJsonArray {1, 2, 3}));
    QVERIFY(noKeyMaterial(preview));
    QVERIFY(!rig.daemon.engine->isRevoked(4));

    // The full revocation: report, whitelist removals pushed, the rotation to follow.
    const QJsonObject report
            = rig.result(u"revoke"_s, {{u"node"_s, 4}, {u"reason"_s, u"stolen"_s}});
    QVERIFY2(report.value(u"blocked"_s).toBool(), QJsonDocument(report).toJson().constData());
    QVERIFY(report.value(u"quarantined"_s).toBool());
    QVERIFY(!report.value(u"managementKeyFingerprint"_s).toString().isEmpty());
    QVERIFY(report.value(u"pushBatch"_s).toInteger() > 0);
    QCOMPARE(report.value(u"pushedTo"_s).toArray(), (QJsonArray {1, 2, 3}));
    const QJsonObject plan = report.value(u"rotation"_s).toObject();
    QCOMPARE(plan.value(u"burntEpoch"_s).toInt(), 2);
    QCOMPARE(plan.value(u"overTheAir"_s).toArray(), (QJsonArray {1, 2, 3}));
    QVERIFY(noKeyMaterial(report));
    QVERIFY(rig.daemon.engine->isRevoked(4));
    QCOMPARE(rig.errorCode(u"push"_s,
                           {{u"nodes"_s, QJsonArray {4}},
                            {u"action"_s, QJsonObject {{u"op"_s, u"remove-whitelist-entry"_s},
                                                       {u"node"_s, 9}}}}),
             u"refused"_s);
    // The rotation it asks for, from the report's plan.
    const QJsonObject second = rig.result(u"rotation.start"_s, {{u"fromRevocation"_s, 4}});
    QCOMPARE(second.value(u"status"_s).toObject().value(u"oldEpoch"_s).toInt(), 2);
    QVERIFY(rig.until([&] {
        const QJsonObject s = rig.result(u"rotation.status"_s);
        return s.value(u"status"_s).toObject().value(u"step"_s).toString() == u"completed"_s;
    }));
    for (const quint8 id : {1, 2, 3})
        QCOMPARE(net.stored(id).activeEpoch, quint16(3));
}

void tst_SecurityApi::excludeAndCancelRefused()
{
    QTemporaryDir dir;
    SimNetwork net(specs(3), kOldKey, kPolicy, 85);
    Rig rig(net, dir.path());
    QCOMPARE(rig.result(u"security.subscribe"_s).value(u"security"_s).toBool(), true);
    // By USB only: the rotation waits for the manual steps.
    const QJsonObject started = rig.result(
            u"rotation.start"_s,
            {{u"oldEpoch"_s, 1}, {u"usb"_s, QJsonArray {1, 2, 3}}, {u"reason"_s, u"drill"_s}});
    QVERIFY2(started.value(u"rotation"_s).toInteger() > 0,
             QJsonDocument(started).toJson().constData());
    QVERIFY(rig.until([&] {
        return rig.result(u"rotation.status"_s)
                       .value(u"status"_s)
                       .toObject()
                       .value(u"step"_s)
                       .toString()
               == u"activating"_s;
    }));
    const QJsonObject excluded
            = rig.result(u"rotation.exclude"_s, {{u"node"_s, 3}, {u"reason"_s, u"gone"_s}});
    QCOMPARE(excluded.value(u"status"_s).toObject().value(u"excluded"_s).toInt(), 1);
    QCOMPARE(rig.errorCode(u"rotation.exclude"_s, {{u"node"_s, 3}}), u"invalid-params"_s);
    // Once nodes may use the new key, giving up is refused: finish or exclude them.
    QCOMPARE(rig.errorCode(u"rotation.cancel"_s, {{u"reason"_s, u"drill over"_s}}), u"refused"_s);
    rig.result(u"rotation.usbDone"_s, {{u"node"_s, 1}});
    const QJsonObject last = rig.result(u"rotation.usbDone"_s, {{u"node"_s, 2}});
    QCOMPARE(last.value(u"status"_s).toObject().value(u"activated"_s).toInt(), 2);
    QVERIFY(rig.until([&] {
        for (const QJsonObject &e : rig.events(u"rotation"_s)) {
            if (e.value(u"kind"_s).toString() == u"finished"_s)
                return e.value(u"step"_s).toString() == u"completed"_s;
        }
        return false;
    }));
    QCOMPARE(rig.daemon.engine->activeEpoch().value_or(0), 2u);
    QCOMPARE(rig.errorCode(u"rotation.cancel"_s, {{u"reason"_s, u"again"_s}}), u"refused"_s);
}

void tst_SecurityApi::hostileParams_data()
{
    QTest::addColumn<QString>("method");
    QTest::addColumn<QByteArray>("params");
    QTest::addColumn<QString>("code");
    QTest::newRow("push a key") << u"push"_s
                                << QByteArray(R"({"nodes": [1], "action": {"op": "set-link-key",
                                              "key": "ab12-cd34-ef56-7890"}})")
                                << u"invalid-params"_s;
    QTest::newRow("push without nodes")
            << u"push"_s << QByteArray(R"({"action": {"op": "remove-whitelist-entry", "node": 9}})")
            << u"invalid-params"_s;
    QTest::newRow("push to node 0")
            << u"push"_s
            << QByteArray(
                       R"({"nodes": [0], "action": {"op": "remove-whitelist-entry", "node": 9}})")
            << u"invalid-params"_s;
    QTest::newRow("push a node twice")
            << u"push"_s
            << QByteArray(
                       R"({"nodes": [1, 1], "action": {"op": "remove-whitelist-entry", "node": 9}})")
            << u"invalid-params"_s;
    QTest::newRow("push a bad serial")
            << u"push"_s << QByteArray(R"({"nodes": [1], "action": {"op": "add-whitelist-entry",
                          "whitelist": [{"node": 2, "serial": "zz"}]}})")
            << u"invalid-params"_s;
    QTest::newRow("jobs with a text batch")
            << u"jobs"_s << QByteArray(R"({"batch": "x"})") << u"invalid-params"_s;
    QTest::newRow("jobs of no batch")
            << u"jobs"_s << QByteArray(R"({"batch": 999})") << u"not-found"_s;
    QTest::newRow("jobs, unknown param")
            << u"jobs"_s << QByteArray(R"({"nodes": 1})") << u"invalid-params"_s;
    QTest::newRow("rotation both ways")
            << u"rotation.start"_s << QByteArray(R"({"oldEpoch": 1, "fromRevocation": 2})")
            << u"invalid-params"_s;
    QTest::newRow("rotation of no epoch")
            << u"rotation.start"_s << QByteArray(R"({})") << u"invalid-params"_s;
    QTest::newRow("rotation of a wrong epoch")
            << u"rotation.start"_s << QByteArray(R"({"oldEpoch": 7})") << u"refused"_s;
    QTest::newRow("rotation, a node in both lists")
            << u"rotation.start"_s
            << QByteArray(R"({"oldEpoch": 1, "overTheAir": [1], "usb": [1]})")
            << u"invalid-params"_s;
    QTest::newRow("usb done out of range")
            << u"rotation.usbDone"_s << QByteArray(R"({"node": 300})") << u"invalid-params"_s;
    QTest::newRow("usb done without a rotation")
            << u"rotation.usbDone"_s << QByteArray(R"({"node": 1})") << u"refused"_s;
    QTest::newRow("cancel without a reason")
            << u"rotation.cancel"_s << QByteArray(R"({})") << u"invalid-params"_s;
    QTest::newRow("status with params")
            << u"rotation.status"_s << QByteArray(R"({"x": 1})") << u"invalid-params"_s;
    QTest::newRow("preview out of range")
            << u"revoke.preview"_s << QByteArray(R"({"node": 255})") << u"invalid-params"_s;
    QTest::newRow("preview with an unknown member")
            << u"revoke.preview"_s << QByteArray(R"({"node": 1, "why": "x"})")
            << u"invalid-params"_s;
    QTest::newRow("revoke an unknown node")
            << u"revoke"_s << QByteArray(R"({"node": 77, "reason": "lost"})") << u"not-found"_s;
}

void tst_SecurityApi::hostileParams()
{
    QFETCH(QString, method);
    QFETCH(QByteArray, params);
    QFETCH(QString, code);
    if (!m_rig) {
        m_dir = std::make_unique<QTemporaryDir>();
        m_net = std::make_unique<SimNetwork>(specs(2), kOldKey, kPolicy, 83);
        m_rig = std::make_unique<Rig>(*m_net, m_dir->path());
    }
    Rig &rig = *m_rig;
    const QJsonObject response = rig.call(method, QJsonDocument::fromJson(params).object());
    const QJsonObject error = response.value(u"error"_s).toObject();
    QVERIFY2(error.value(u"code"_s).toString() == code,
             QJsonDocument(response).toJson().constData());
    QVERIFY(!error.value(u"message"_s).toString().isEmpty());
    // The connection stays up (the error budget is per client: a fresh one every 8 rows).
    if (rig.lastId % 8 == 0) {
        rig.socket.close();
        rig.until([&] { return rig.socket.state() == QAbstractSocket::UnconnectedState; });
        rig.socket.open(rig.api->url());
        QVERIFY(rig.until([&] { return rig.socket.state() == QAbstractSocket::ConnectedState; }));
    }
    QVERIFY(rig.socket.state() == QAbstractSocket::ConnectedState);
    QVERIFY(!rig.daemon.service->rotation()->isRunning());
}

void tst_SecurityApi::namedParams_data()
{
    // Ids from the client that are refused, with a message that names the param (or what is
    // missing); nothing runs.
    QTest::addColumn<QString>("method");
    QTest::addColumn<QByteArray>("params");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("names");
    QTest::newRow("report of rotation 0")
            << u"rotation.report"_s << QByteArray(R"({"rotation": 0})") << u"invalid-params"_s
            << u"params.rotation"_s;
    QTest::newRow("report of a text id")
            << u"rotation.report"_s << QByteArray(R"({"rotation": "1"})") << u"invalid-params"_s
            << u"params.rotation"_s;
    QTest::newRow("report of a fraction")
            << u"rotation.report"_s << QByteArray(R"({"rotation": 1.5})") << u"invalid-params"_s
            << u"params.rotation"_s;
    QTest::newRow("report of a huge id")
            << u"rotation.report"_s << QByteArray(R"({"rotation": 1e300})") << u"invalid-params"_s
            << u"params.rotation"_s;
    QTest::newRow("report, unknown param") << u"rotation.report"_s << QByteArray(R"({"id": 1})")
                                           << u"invalid-params"_s << u"params.id"_s;
    QTest::newRow("report of an unknown rotation")
            << u"rotation.report"_s << QByteArray(R"({"rotation": 42})") << u"not-found"_s
            << u"rotation 42"_s;
    QTest::newRow("report before any rotation") << u"rotation.report"_s << QByteArray(R"({})")
                                                << u"not-found"_s << u"no rotation has finished"_s;
    QTest::newRow("plans, all not a bool") << u"rotation.plans"_s << QByteArray(R"({"all": 1})")
                                           << u"invalid-params"_s << u"params.all"_s;
    QTest::newRow("plans, unknown param") << u"rotation.plans"_s << QByteArray(R"({"node": 3})")
                                          << u"invalid-params"_s << u"params.node"_s;
    QTest::newRow("from revocation 0")
            << u"rotation.start"_s << QByteArray(R"({"fromRevocation": 0})") << u"invalid-params"_s
            << u"params.fromRevocation"_s;
    QTest::newRow("from revocation 300")
            << u"rotation.start"_s << QByteArray(R"({"fromRevocation": 300})")
            << u"invalid-params"_s << u"params.fromRevocation"_s;
    QTest::newRow("from revocation as text")
            << u"rotation.start"_s << QByteArray(R"({"fromRevocation": "2"})")
            << u"invalid-params"_s << u"params.fromRevocation"_s;
    QTest::newRow("from revocation with lists")
            << u"rotation.start"_s << QByteArray(R"({"fromRevocation": 2, "usb": [1]})")
            << u"invalid-params"_s << u"params.fromRevocation"_s;
    QTest::newRow("from a node never revoked")
            << u"rotation.start"_s << QByteArray(R"({"fromRevocation": 2})") << u"not-found"_s
            << u"node 2"_s;
}

void tst_SecurityApi::namedParams()
{
    QFETCH(QString, method);
    QFETCH(QByteArray, params);
    QFETCH(QString, code);
    QFETCH(QString, names);
    if (!m_rig) {
        m_dir = std::make_unique<QTemporaryDir>();
        m_net = std::make_unique<SimNetwork>(specs(2), kOldKey, kPolicy, 83);
        m_rig = std::make_unique<Rig>(*m_net, m_dir->path());
    }
    Rig &rig = *m_rig;
    if (rig.lastId % 8 == 0) { // the error budget is per client: a fresh one every 8 rows
        rig.socket.close();
        rig.until([&] { return rig.socket.state() == QAbstractSocket::UnconnectedState; });
        rig.socket.open(rig.api->url());
        QVERIFY(rig.until([&] { return rig.socket.state() == QAbstractSocket::ConnectedState; }));
    }
    const QJsonObject response = rig.call(method, QJsonDocument::fromJson(params).object());
    const QJsonObject error = response.value(u"error"_s).toObject();
    QVERIFY2(error.value(u"code"_s).toString() == code,
             QJsonDocument(response).toJson().constData());
    QVERIFY2(error.value(u"message"_s).toString().contains(names),
             qPrintable(error.value(u"message"_s).toString()));
    QVERIFY(!rig.daemon.service->rotation()->isRunning());
}

void tst_SecurityApi::planAndReportAfterRestart()
{
    // The plan a revocation leaves and the report of the rotation that follows are served by
    // a daemon restarted over the same files.
    QTemporaryDir dir;
    SimNetwork net(specs(3), kOldKey, kPolicy, 87);
    auto rig = std::make_unique<Rig>(net, dir.path());
    const QJsonObject report
            = rig->result(u"revoke"_s, {{u"node"_s, 3}, {u"reason"_s, u"stolen"_s}});
    QVERIFY(report.value(u"rotation"_s).toObject().value(u"needed"_s).toBool());
    QCOMPARE(rig->result(u"rotation.status"_s).value(u"lastReport"_s), QJsonValue());

    rig.reset();
    rig = std::make_unique<Rig>(net, dir.path(), false);
    const QJsonArray plans = rig->result(u"rotation.plans"_s).value(u"plans"_s).toArray();
    QCOMPARE(plans.size(), 1);
    const QJsonObject plan = plans.first().toObject();
    QCOMPARE(plan.value(u"node"_s).toInt(), 3);
    QCOMPARE(plan.value(u"revocationId"_s), report.value(u"revocationId"_s));
    QCOMPARE(plan.value(u"rotation"_s).toObject(), report.value(u"rotation"_s).toObject());
    QCOMPARE(plan.value(u"exposure"_s).toArray(), report.value(u"exposure"_s).toArray());
    QCOMPARE(plan.value(u"coveredBy"_s), QJsonValue());
    const QJsonObject started = rig->result(u"rotation.start"_s, {{u"fromRevocation"_s, 3}});
    const qint64 id = started.value(u"rotation"_s).toInteger();
    QVERIFY2(id > 0, QJsonDocument(started).toJson().constData());
    QCOMPARE(started.value(u"status"_s).toObject().value(u"nodes"_s).toArray().size(), 2);
    QCOMPARE(rig->result(u"rotation.plans"_s).value(u"plans"_s).toArray().size(), 0);
    const QJsonArray all
            = rig->result(u"rotation.plans"_s, {{u"all"_s, true}}).value(u"plans"_s).toArray();
    QCOMPARE(all.size(), 1);
    QCOMPARE(all.first().toObject().value(u"coveredBy"_s).toInteger(), id);
    QVERIFY(rig->until([&] {
        return rig->result(u"rotation.status"_s)
                       .value(u"status"_s)
                       .toObject()
                       .value(u"step"_s)
                       .toString()
               == u"completed"_s;
    }));

    rig.reset();
    rig = std::make_unique<Rig>(net, dir.path(), false);
    const QJsonObject status = rig->result(u"rotation.status"_s);
    QCOMPARE(status.value(u"status"_s), QJsonValue());
    const QJsonObject last = status.value(u"lastReport"_s).toObject();
    QCOMPARE(last.value(u"rotation"_s).toInteger(), id);
    QCOMPARE(last.value(u"step"_s).toString(), u"completed"_s);
    QCOMPARE(last.value(u"activated"_s).toInt(), 2);
    const QJsonObject stored = rig->result(u"rotation.report"_s, {{u"rotation"_s, double(id)}});
    QCOMPARE(stored.value(u"rotation"_s).toInteger(), id);
    for (const QJsonValue &n : stored.value(u"nodes"_s).toArray()) {
        QVERIFY(n.toObject().value(u"activated"_s).toDouble()
                >= stored.value(u"started"_s).toDouble());
        QVERIFY(n.toObject().value(u"delivered"_s).toDouble() > 0);
    }
    QVERIFY(stored.value(u"exportText"_s).toString().startsWith(u"Key rotation %1"_s.arg(id)));
    QVERIFY(noKeyMaterial(stored));
    QVERIFY(noKeyMaterial(status));
}

void tst_SecurityApi::planReadErrorIsNotNoPlan()
{
    // The inventory's plan table cannot be read (dropped behind the daemon's back: storage
    // damage): starting from the revocation's plan is an error that names the read failure,
    // not "no plan, give oldEpoch".
    QTemporaryDir dir;
    SimNetwork net(specs(3), kOldKey, kPolicy, 89);
    Rig rig(net, dir.path());
    QVERIFY(rig.result(u"revoke"_s, {{u"node"_s, 3}, {u"reason"_s, u"stolen"_s}})
                    .value(u"rotation"_s)
                    .toObject()
                    .value(u"needed"_s)
                    .toBool());
    QVERIFY(rig.daemon.files.inventory->flush());
    {
        auto raw = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"damage"_s);
        raw.setDatabaseName(rig.daemon.files.inventory->path());
        QVERIFY(raw.open());
        QSqlQuery drop(raw);
        QVERIFY(drop.exec(u"DROP TABLE revocation_plans"_s));
        raw.close();
    }
    QSqlDatabase::removeDatabase(u"damage"_s);

    const auto input = rig.daemon.service->workflows()->rotationFromRevocation(3, u"test"_s, {});
    QVERIFY(!input);
    QVERIFY2(input.error().message().contains(u"cannot be read from the inventory"_s),
             qPrintable(input.error().message()));
    const QJsonObject error = rig.call(u"rotation.start"_s, {{u"fromRevocation"_s, 3}})
                                      .value(u"error"_s)
                                      .toObject();
    QCOMPARE(error.value(u"code"_s).toString(), u"unavailable"_s);
    const QString message = error.value(u"message"_s).toString();
    QVERIFY2(message.contains(u"cannot be read from the inventory"_s), qPrintable(message));
    QVERIFY2(!message.contains(u"oldEpoch"_s), qPrintable(message));
    QVERIFY(!rig.daemon.service->rotation()->status()); // nothing started
}

void tst_SecurityApi::offlineReadmitThenNodeReload()
{
    // Node 3 revoked through the API; then re-personalized and readmitted on the files by
    // another program (its own KeyStore object on the same file, as `wardenctl personalize
    // --readmit` does) while the daemon runs. The daemon's engine still drops it until
    // `node.reload`, which reads the saved key store again and gives the engine the new keys.
    QTemporaryDir dir;
    SimNetwork net(specs(3), kOldKey, kPolicy, 95);
    Rig rig(net, dir.path());
    QVERIFY(rig.result(u"revoke"_s, {{u"node"_s, 3}, {u"reason"_s, u"lost"_s}})
                    .value(u"blocked"_s)
                    .toBool());
    QVERIFY(rig.daemon.engine->isRevoked(3));

    const auto other = openTestStore(rig.daemon.files.store->path());
    QVERIFY(other);
    NodePersonalization record;
    Serial serial {};
    serial.fill(0x33);
    record.serial = serial;
    const QByteArray link = filled(0x3c);
    record.linkKey = secretOf(link);
    record.managementKey = secretOf(filled(0x3d));
    const auto readmitted = Internal::readmitRecorded(nullptr, *rig.daemon.files.inventory, *other,
                                                      3, record, u"wardenctl"_s, u"back"_s);
    QVERIFY2(readmitted, readmitted ? "" : qPrintable(readmitted.error().message()));
    QVERIFY(rig.daemon.engine->isRevoked(3));
    QVERIFY(!rig.daemon.files.store->linkKey(3)); // the daemon's store has not seen it

    const QJsonObject r = rig.result(u"node.reload"_s, {{u"node"_s, 3}});
    QVERIFY2(r.value(u"readmitted"_s).toBool(), QJsonDocument(r).toJson().constData());
    QCOMPARE(r.value(u"linkKey"_s).toString(), secretOf(link).fingerprint());
    QVERIFY(r.value(u"serial"_s).toBool());
    QCOMPARE(r.value(u"problems"_s).toArray().size(), 0);
    QVERIFY(noKeyMaterial(r));
    QVERIFY(!rig.daemon.engine->isRevoked(3));
    QCOMPARE(rig.daemon.files.store->linkKey(3)->fingerprint(), secretOf(link).fingerprint());
    // The daemon's store saves again afterwards (it read what the other program wrote).
    QVERIFY(rig.daemon.files.store->setManagementKey(3, secretOf(filled(0x3e))));
    QVERIFY(rig.daemon.files.store->save());

    QCOMPARE(rig.errorCode(u"node.reload"_s, {{u"node"_s, 99}}), u"not-found"_s);
    QCOMPARE(rig.errorCode(u"node.reload"_s, {{u"node"_s, 0}}), u"invalid-params"_s);
}

void tst_SecurityApi::cleanupTestCase()
{
    m_rig.reset();
    m_net.reset();
    m_dir.reset();
}

QTEST_GUILESS_MAIN(tst_SecurityApi)
#include "tst_securityapi.moc"
