// The SecurityService (core/engine/securityservice.cpp) over real host-build firmware nodes on
// the simulated bus, a real inventory and a real sealed key store: a network moved partly to
// per-node link keys, one node revoked, the shared key rotated; then everything but the files
// and the nodes destroyed and a fresh service started over the same files, after which the
// engine verifies exactly what it verified before (the link-key node, the shared-key nodes on
// the new epoch, signed sends to them) and still refuses the revoked node. A second run
// destroys the daemon in the middle of a rotation: the fresh service resumes and completes it.
#include "engine/readmission_p.h"
#include "rotationharness.h"

#include <warden/securityworkflows.h>

#include <QtCore/QDateTime>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace Warden;
using namespace WardenTest;
using namespace Qt::StringLiterals;
using Protocol::Command;

namespace {

constexpr quint8 kPolicy = Fw::PolicyFlag::kRequireSignatures;

/// The node sends the gateway a signed value; the engine's verdict on it (nullopt: none came).
std::optional<FrameVerdict> nodeToGateway(ServiceDaemon &d, quint8 id)
{
    std::optional<FrameVerdict> verdict;
    d.onTraffic = [&](const TrafficRecord &r) {
        // The signed value, or whatever the node sends first when the engine refuses it
        // outright (a revoked node's nonce request).
        if (!r.outgoing && r.verdict != FrameVerdict::Malformed && r.message.sender() == id
            && (r.message.command() == Command::Set || r.verdict == FrameVerdict::RevokedSender))
            verdict = r.verdict;
    };
    bool sent = false;
    d.runUntil(6000, [&] {
        if (!sent && !d.network.node(id).node->isSending())
            sent = d.network.node(id).node->sendByte(1, 2, 5) == Fw::SendStatus::Pending
                   || d.network.node(id).node->isSending();
        return verdict.has_value();
    });
    d.onTraffic = nullptr;
    return verdict;
}

/// The gateway sends the node a signed value: true when the node accepted it.
bool gatewayToNode(ServiceDaemon &d, quint8 id)
{
    auto &delivered = d.network.node(id).delivered;
    const size_t before = delivered.size();
    Message m;
    m.setHeader(0, id, Command::Set, 2, 1); // V_STATUS on child 1
    m.setByte(quint8(before + 1));
    if (!d.engine->send(m))
        return false;
    return d.runUntil(6000, [&] { return delivered.size() > before; });
}

QString verdictText(const std::optional<FrameVerdict> &v)
{
    return v ? QString::fromLatin1(frameVerdictName(*v)) : u"none"_s;
}

Serial serialFrom(const QByteArray &bytes)
{
    Serial s {};
    std::copy(bytes.cbegin(), bytes.cend(), s.begin());
    return s;
}

/// Re-personalizes the simulated node @p id "over USB" as the station would: a new serial and,
/// when given, a link key of its own (it then signs with it).
void usbPersonalize(SimNetwork &net, quint8 id, const QByteArray &serial,
                    const QByteArray &linkKey = {})
{
    auto &n = net.node(id);
    Fw::WardenStore store(*n.eeprom, Signer::hostSha256());
    store.load();
    Fw::WardenState s;
    store.read(s);
    std::memcpy(s.serial, serial.constData(), 9);
    if (!linkKey.isEmpty()) {
        s.flags |= Fw::SlotFlag::kLinkKey;
        std::memcpy(s.key(Fw::KeySlot::Link), linkKey.constData(), 32);
    }
    if (store.commit(s) != Fw::StoreStatus::Ok)
        qFatal("node %d not re-personalized", id);
    n.node->reloadSecurity();
}

} // namespace

class tst_SecurityService : public QObject
{
    Q_OBJECT

private slots:
    void restartVerifiesAsBefore();
    void restartMidRotationCompletes();
    void planAndReportSurviveRestart();
    void cancelledRotationLeavesPlanPending();
    void refusals();
    void personalizedWhileRunning();
    void readmittedOfflineWhileRunning();
    void reloadRefusals();
    void reloadKeepsMigrationInFlight();
    void revokedMidRotationPlanFollows();
    void revokedBeforeKeyGeneratedPlanDone();
    void epochStates_data();
    void epochStates();
};

void tst_SecurityService::restartVerifiesAsBefore()
{
    QTemporaryDir dir;
    SimNetwork net(specs(5), kOldKey, kPolicy, 71);
    auto d = std::make_unique<ServiceDaemon>(net, dir.path(), true);
    const auto first = d->service->start();
    QVERIFY2(first, first ? "" : qPrintable(first.error().message()));
    QCOMPARE(first->activeEpoch, std::optional<quint32>(1));
    QVERIFY(first->gatewaySerial);
    QCOMPARE(first->serials, 5);
    QVERIFY(joinAll(*d));

    // Node 1 gets a link key of its own.
    const auto migrating = d->service->workflows()->migrateToNodeKeys({1}, u"test"_s);
    QVERIFY2(migrating, migrating ? "" : qPrintable(migrating.error().message()));
    QVERIFY(d->runUntil(60000, [&] {
        const auto m = d->service->workflows()->migration();
        return !m.isEmpty() && m.first().step == MigrationStep::Switched;
    }));
    // Node 5 is lost: revoked, and the shared key it held rotated away (nodes 1..4).
    const auto report = d->service->workflows()->revokeNode(5, u"stolen"_s, u"test"_s);
    QVERIFY2(report, report ? "" : qPrintable(report.error().message()));
    QVERIFY(report->blocked);
    QVERIFY(report->rotation.needed);
    RotationPlanInput plan;
    plan.oldEpoch = quint16(report->rotation.burntEpoch);
    plan.overTheAir = report->rotation.overTheAir;
    plan.usb = report->rotation.usb;
    plan.who = u"test"_s;
    plan.why = u"node 5 stolen"_s;
    QVERIFY(!plan.overTheAir.contains(5));
    QVERIFY(d->service->rotation()->start(plan));
    QVERIFY(d->runUntil(200000, [&] {
        const auto s = d->service->rotation()->status();
        return s && s->step == RotationStep::Completed;
    }));
    QCOMPARE(verdictText(nodeToGateway(*d, 1)), u"verified"_s);
    QCOMPARE(verdictText(nodeToGateway(*d, 2)), u"verified"_s);
    QCOMPARE(verdictText(nodeToGateway(*d, 5)), u"revoked-sender"_s);

    d.reset(); // the daemon ends; the nodes run on
    net.run(300);

    d = std::make_unique<ServiceDaemon>(net, dir.path(), false);
    const auto again = d->service->start();
    QVERIFY2(again, again ? "" : qPrintable(again.error().message()));
    qInfo().noquote() << u"restored: "_s + again->text();
    QCOMPARE(again->activeEpoch, std::optional<quint32>(2));
    QCOMPARE(again->retiredEpochs, QList<quint32> {1});
    QCOMPARE(again->linkKeys, 1);
    QCOMPARE(again->revoked, 1);
    QVERIFY(again->gatewaySerial);
    QVERIFY(again->requirements >= 4); // the nodes presented that they require signatures
    QVERIFY(!again->rotationResumed);
    QVERIFY(again->problems.isEmpty());
    QVERIFY(d->engine->isRevoked(5));
    // Exactly as before the restart: node 1 under its link key, 2..4 under epoch 2.
    for (const quint8 id : {1, 2, 3, 4})
        QVERIFY2(verdictText(nodeToGateway(*d, id)) == u"verified"_s,
                 qPrintable(u"node %1: %2"_s.arg(id).arg(verdictText(nodeToGateway(*d, id)))));
    QCOMPARE(verdictText(nodeToGateway(*d, 5)), u"revoked-sender"_s);
    // The restored requirements: the gateway signs to the nodes before they present again.
    QVERIFY(gatewayToNode(*d, 1));
    QVERIFY(gatewayToNode(*d, 3));
    QCOMPARE(net.stored(3).activeEpoch, quint16(2));
}

void tst_SecurityService::restartMidRotationCompletes()
{
    QTemporaryDir dir;
    SimNetwork net(specs(4), kOldKey, kPolicy, 73);
    auto d = std::make_unique<ServiceDaemon>(net, dir.path(), true);
    QVERIFY(d->service->start());
    QVERIFY(joinAll(*d));
    net.setLoss(0.10); // slow enough to stop the daemon between two nodes' activations
    RotationPlanInput plan;
    plan.oldEpoch = 1;
    plan.overTheAir = {1, 2, 3, 4};
    plan.who = u"test"_s;
    QVERIFY(d->service->rotation()->start(plan));
    // Until one node is activated and another not yet: the engine holds both epochs.
    QVERIFY(d->runUntil(200000, [&] {
        const auto s = d->service->rotation()->status();
        int activated = 0;
        for (const NodeRotationStatus &n : s->nodes)
            activated += n.state == NodeRotationState::Activated;
        return s->step == RotationStep::Activating && activated >= 1 && activated < 4;
    }));
    d.reset();
    net.run(300);

    d = std::make_unique<ServiceDaemon>(net, dir.path(), false);
    const auto again = d->service->start();
    QVERIFY2(again, again ? "" : qPrintable(again.error().message()));
    qInfo().noquote() << u"restored: "_s + again->text();
    QVERIFY(again->rotationResumed);
    QCOMPARE(again->activeEpoch, std::optional<quint32>(1));
    QCOMPARE(again->pendingEpochs, QList<quint32> {2});
    QVERIFY(again->pinnedNodes >= 1);
    QVERIFY(d->runUntil(200000, [&] {
        const auto s = d->service->rotation()->status();
        return s && s->step == RotationStep::Completed;
    }));
    net.setLoss(0);
    for (const quint8 id : {1, 2, 3, 4}) {
        QCOMPARE(net.stored(id).activeEpoch, quint16(2));
        QCOMPARE(verdictText(nodeToGateway(*d, id)), u"verified"_s);
    }
}

void tst_SecurityService::planAndReportSurviveRestart()
{
    // What a revocation says must follow, and the report of the rotation that did it, are read
    // back by fresh objects over the same files (the daemon restarted in between).
    QTemporaryDir dir;
    SimNetwork net(specs(5, {3}), kOldKey, kPolicy, 77);
    auto d = std::make_unique<ServiceDaemon>(net, dir.path(), true, QList<quint8> {3});
    QVERIFY(d->service->start());
    QVERIFY(joinAll(*d));
    QCOMPARE(d->service->workflows()->pendingRotationPlans()->size(), 0);
    QVERIFY(d->service->rotation()->lastReport());
    QVERIFY(!d->service->rotation()->lastReport()->has_value()); // none finished yet
    const auto report = d->service->workflows()->revokeNode(5, u"stolen"_s, u"test"_s);
    QVERIFY2(report, report ? "" : qPrintable(report.error().message()));
    QVERIFY(report->rotation.needed);
    QVERIFY2(report->problems.isEmpty(), qPrintable(report->problems.join(u"; ")));
    QCOMPARE(report->rotation.usb, QList<quint8> {3});

    d.reset();
    net.run(300);
    d = std::make_unique<ServiceDaemon>(net, dir.path(), false, QList<quint8> {3});
    // The restarted service says what is still to do.
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(u"^pending: revocation \\d+ of node 5: rotate away "
                                            u"from epoch 1"_s));
    QVERIFY(d->service->start());
    const auto plans = d->service->workflows()->pendingRotationPlans();
    QVERIFY2(plans, plans ? "" : qPrintable(plans.error().message()));
    QCOMPARE(plans->size(), 1);
    const PendingRotationPlan &stored = plans->first();
    QCOMPARE(stored.node, quint8(5));
    QCOMPARE(stored.revocationId, report->revocationId);
    QCOMPARE(stored.plan.burntEpoch, 1u);
    QCOMPARE(stored.plan.overTheAir, report->rotation.overTheAir);
    QCOMPARE(stored.plan.usb, report->rotation.usb);
    QCOMPARE(stored.plan.lostNodes, report->rotation.lostNodes);
    QCOMPARE(stored.plan.text(), report->rotation.text());
    QCOMPARE(stored.exposure.size(), report->exposure.size());
    QCOMPARE(stored.exposure.first().text, report->exposure.first().text);
    QCOMPARE(stored.coveredBy, 0);
    QVERIFY(stored.text().contains(u"node 5"_s));
    const auto none = d->service->workflows()->rotationFromRevocation(2, u"test"_s, {});
    QVERIFY(!none);
    QVERIFY(none.error().message().contains(u"node 2"_s));

    const auto input = d->service->workflows()->rotationFromRevocation(5, u"test"_s, {});
    QVERIFY2(input, input ? "" : qPrintable(input.error().message()));
    QCOMPARE(input->oldEpoch, quint16(1));
    QCOMPARE(input->overTheAir, report->rotation.overTheAir);
    const auto id = d->service->rotation()->start(*input);
    QVERIFY2(id, id ? "" : qPrintable(id.error().message()));
    QCOMPARE(d->service->workflows()->pendingRotationPlans()->size(), 0); // consumed
    QCOMPARE(d->service->workflows()->rotationPlans()->first().coveredBy, *id);
    QVERIFY(d->runUntil(200000, [&] {
        const auto s = d->service->rotation()->status();
        return s->step == RotationStep::Activating
               && s->nodes.at(2).state == NodeRotationState::AwaitingUsb && s->activated == 3;
    }));
    net.usbRekey(3, storedNetworkKey(*d->files.store, 2), 2);
    QSignalSpy finished(d->service->rotation(), &KeyRotation::finished);
    QVERIFY(d->service->rotation()->markUsbDone(3, u"test"_s));
    QVERIFY(d->runUntil(20000, [&] { return finished.count() == 1; }));
    const auto emitted = finished.first().first().value<RotationReport>();

    d.reset();
    net.run(300);
    d = std::make_unique<ServiceDaemon>(net, dir.path(), false, QList<quint8> {3});
    QVERIFY(d->service->start());
    QVERIFY(!d->service->rotation()->status()); // nothing loaded ...
    const auto last = d->service->rotation()->lastReport(); // ... but the report is stored
    QVERIFY2(last, last ? "" : qPrintable(last.error().message()));
    QVERIFY(last->has_value());
    const RotationReport &r = **last;
    QCOMPARE(r.rotation, *id);
    QCOMPARE(r.step, RotationStep::Completed);
    QCOMPARE(r.oldEpoch, quint16(1));
    QCOMPARE(r.newEpoch, quint16(2));
    QCOMPARE(r.keyFingerprint, emitted.keyFingerprint);
    QCOMPARE(r.activated, 4);
    QCOMPARE(r.who, u"test"_s);
    QVERIFY(r.startedUtcMs > 0 && r.finishedUtcMs >= r.startedUtcMs);
    QCOMPARE(r.nodes.size(), 4);
    for (const NodeRotationStatus &n : r.nodes) {
        QCOMPARE(n.state, NodeRotationState::Activated);
        QVERIFY2(n.activatedUtcMs >= r.startedUtcMs && n.activatedUtcMs <= r.finishedUtcMs,
                 qPrintable(u"node %1"_s.arg(n.node)));
        if (n.node == 3) {
            QCOMPARE(n.channel, RotationChannel::Usb);
            QCOMPARE(n.deliveredUtcMs, 0);
        } else {
            QVERIFY(n.deliveredUtcMs >= r.startedUtcMs && n.deliveredUtcMs <= n.activatedUtcMs);
        }
        const auto same
                = std::find_if(emitted.nodes.begin(), emitted.nodes.end(),
                               [&](const NodeRotationStatus &e) { return e.node == n.node; });
        QVERIFY(same != emitted.nodes.end());
        QCOMPARE(n.activatedUtcMs, same->activatedUtcMs);
    }
    const QString text = r.exportText();
    qInfo().noquote() << text;
    QVERIFY(text.startsWith(
            u"Key rotation %1: epoch 1 -> 2 (%2)"_s.arg(*id).arg(r.keyFingerprint)));
    QCOMPARE(text.count(u"activated"_s), 1 + 1 + 4); // summary, header, one per node
    QVERIFY(!text.contains(QString::fromLatin1(kOldKey.toHex())));
    QVERIFY(!text.contains(QString::fromLatin1(storedNetworkKey(*d->files.store, 2).toHex())));
    QCOMPARE(d->service->rotation()->lastReport(*id)->value().rotation, *id);
    QVERIFY(!d->service->rotation()->lastReport(*id + 1)->has_value());
    QCOMPARE(d->service->workflows()->pendingRotationPlans()->size(), 0);
}

void tst_SecurityService::cancelledRotationLeavesPlanPending()
{
    QTemporaryDir dir;
    SimNetwork net(specs(3), kOldKey, kPolicy, 79);
    auto d = std::make_unique<ServiceDaemon>(net, dir.path(), true);
    QVERIFY(d->service->start());
    QVERIFY(joinAll(*d));
    QVERIFY(d->service->workflows()->revokeNode(3, u"stolen"_s, u"test"_s));
    const auto input = d->service->workflows()->rotationFromRevocation(3, u"test"_s, {});
    QVERIFY(input);
    const auto id = d->service->rotation()->start(*input);
    QVERIFY(id);
    QCOMPARE(d->service->workflows()->pendingRotationPlans()->size(), 0);
    QVERIFY(d->service->rotation()->cancel(u"test"_s, u"not now"_s));
    // Cancelled: the plan is pending again, and the cancelled rotation's report is stored.
    d.reset();
    d = std::make_unique<ServiceDaemon>(net, dir.path(), false);
    QVERIFY(d->service->start());
    const auto plans = d->service->workflows()->pendingRotationPlans();
    QVERIFY(plans);
    QCOMPARE(plans->size(), 1);
    QCOMPARE(plans->first().node, quint8(3));
    const auto last = d->service->rotation()->lastReport();
    QVERIFY(last && last->has_value());
    QCOMPARE((*last)->rotation, *id);
    QCOMPARE((*last)->step, RotationStep::Cancelled);
    QVERIFY((*last)->exportText().contains(u"cancelled"_s));
}

void tst_SecurityService::refusals()
{
    QTemporaryDir dir;
    SimNetwork net(specs(2), kOldKey, kPolicy, 75);
    ServiceDaemon d(net, dir.path(), true);
    QVERIFY(d.service->jobs() == nullptr); // nothing before start()
    QVERIFY(d.service->start());
    const auto twice = d.service->start();
    QVERIFY(!twice);
    QVERIFY(twice.error().message().contains(u"already started"_s));
    SecurityService incomplete(d.engine.get(), nullptr, d.files.store.get());
    const auto refused = incomplete.start();
    QVERIFY(!refused);
    QVERIFY(refused.error().message().contains(u"inventory"_s));
}

void tst_SecurityService::personalizedWhileRunning()
{
    // Node 6 is personalized with a link key of its own while the service runs (the station's
    // records: key store saved, inventory written): the engine verifies its next signed frame,
    // and signs to it with its key, without a restart.
    QTemporaryDir dir;
    SimNetwork net(specs(3), kOldKey, kPolicy, 81);
    ServiceDaemon d(net, dir.path(), true);
    QVERIFY(d.service->start());
    QVERIFY(joinAll(d));

    const QByteArray link = filled(0x66);
    const QByteArray serial = QByteArray::fromHex("5E00000000000006AA");
    SimNodeSpec spec;
    spec.id = 6;
    net.addNode(spec, kOldKey, kPolicy, 81006, true);
    usbPersonalize(net, 6, serial, link);
    KeyStore &store = *d.files.store;
    QVERIFY(store.setSerial(6, serialFrom(serial)));
    QVERIFY(store.setLinkKey(6, secretOf(link)));
    QVERIFY(store.setManagementKey(6, secretOf(managementKeyOf(6))));
    QVERIFY(store.save());
    NodeSecurity security;
    security.serialHex = QString::fromLatin1(serial.toHex());
    security.linkKeyFingerprint = secretOf(link).fingerprint();
    security.managementKeyFingerprint = secretOf(managementKeyOf(6)).fingerprint();
    QVERIFY(d.files.inventory->setNodeSecurity(6, security));
    QVERIFY(d.files.inventory->flush());
    QVERIFY(d.runUntil(30000, [&] { return net.allReady(); }));

    // What the engine knew before: not this key.
    QVERIFY(verdictText(nodeToGateway(d, 6)) != u"verified"_s);

    const auto reloaded = d.service->reloadNode(6);
    QVERIFY2(reloaded, reloaded ? "" : qPrintable(reloaded.error().message()));
    qInfo().noquote() << reloaded->text();
    QCOMPARE(reloaded->node, quint8(6));
    QVERIFY(!reloaded->revoked && !reloaded->readmitted);
    QVERIFY(reloaded->serial);
    QCOMPARE(reloaded->linkKeyFingerprint, security.linkKeyFingerprint);
    QVERIFY2(reloaded->problems.isEmpty(), qPrintable(reloaded->problems.join(u"; ")));
    QVERIFY(!reloaded->text().contains(QString::fromLatin1(link.toHex())));
    d.run(1000);
    QCOMPARE(verdictText(nodeToGateway(d, 6)), u"verified"_s);
    // The station's real order: the engine is given node 7 before the node, off the USB cable,
    // boots and presents itself (node 6 booted first: the gateway's signed frames to it failed
    // and locked it, which is why a node must not be on the air before the engine knows it).
    const QByteArray link7 = filled(0x77);
    const QByteArray serial7 = QByteArray::fromHex("5E00000000000007AA");
    QVERIFY(store.setSerial(7, serialFrom(serial7)));
    QVERIFY(store.setLinkKey(7, secretOf(link7)));
    QVERIFY(store.save());
    security.serialHex = QString::fromLatin1(serial7.toHex());
    security.linkKeyFingerprint = secretOf(link7).fingerprint();
    security.managementKeyFingerprint.clear();
    QVERIFY(d.files.inventory->setNodeSecurity(7, security));
    QVERIFY(d.service->reloadNode(7));
    spec.id = 7;
    net.addNode(spec, kOldKey, kPolicy, 81007, true);
    usbPersonalize(net, 7, serial7, link7);
    net.node(7).node->begin(); // at once: the boot with what the "USB" wrote
    QVERIFY(d.runUntil(30000, [&] { return net.allReady(); }));
    d.run(500);
    QCOMPARE(verdictText(nodeToGateway(d, 7)), u"verified"_s);
    QVERIFY(gatewayToNode(d, 7));
    // The others are untouched.
    QCOMPARE(verdictText(nodeToGateway(d, 1)), u"verified"_s);
}

void tst_SecurityService::readmittedOfflineWhileRunning()
{
    // Node 3 revoked by the running service; re-personalized and readmitted on the files alone
    // (the station without a facade, as `wardenctl personalize --readmit` does): the running
    // engine still drops it until reloadNode(), then verifies its next frame.
    QTemporaryDir dir;
    SimNetwork net(specs(3), kOldKey, kPolicy, 83);
    ServiceDaemon d(net, dir.path(), true);
    QVERIFY(d.service->start());
    QVERIFY(joinAll(d));
    QVERIFY(d.service->workflows()->revokeNode(3, u"lost"_s, u"test"_s));
    QCOMPARE(verdictText(nodeToGateway(d, 3)), u"revoked-sender"_s);

    const QByteArray serial = QByteArray::fromHex("5E000000000000F303");
    usbPersonalize(net, 3, serial);
    NodePersonalization record;
    record.serial = serialFrom(serial);
    const auto readmitted = Internal::readmitRecorded(nullptr, *d.files.inventory, *d.files.store,
                                                      3, record, u"test"_s, u"found"_s);
    QVERIFY2(readmitted, readmitted ? "" : qPrintable(readmitted.error().message()));
    QVERIFY(d.engine->isRevoked(3)); // the files say readmitted, the engine does not know
    d.run(500);
    QCOMPARE(verdictText(nodeToGateway(d, 3)), u"revoked-sender"_s);

    const auto reloaded = d.service->reloadNode(3);
    QVERIFY2(reloaded, reloaded ? "" : qPrintable(reloaded.error().message()));
    QVERIFY(reloaded->readmitted);
    QVERIFY(reloaded->serial);
    QVERIFY(!d.engine->isRevoked(3));
    d.run(1000);
    QCOMPARE(verdictText(nodeToGateway(d, 3)), u"verified"_s);

    // Reloading a node revoked in the inventory blocks it in an engine that forgot it.
    QVERIFY(d.service->workflows()->revokeNode(3, u"lost again"_s, u"test"_s));
    d.engine->readmit(3); // an engine out of date
    const auto blocked = d.service->reloadNode(3);
    QVERIFY(blocked && blocked->revoked);
    QVERIFY(d.engine->isRevoked(3));
}

void tst_SecurityService::reloadRefusals()
{
    QTemporaryDir dir;
    SimNetwork net(specs(2), kOldKey, kPolicy, 85);
    ServiceDaemon d(net, dir.path(), true);
    const auto early = d.service->reloadNode(1);
    QVERIFY(!early);
    QVERIFY(early.error().message().contains(u"not started"_s));
    QVERIFY(d.service->start());
    for (const int id : {0, 255, 77}) {
        const auto refused = d.service->reloadNode(quint8(id));
        QVERIFY(!refused);
        QVERIFY2(refused.error().message().contains(u"node %1"_s.arg(id)),
                 qPrintable(refused.error().message()));
    }
    // The static form on a bare engine: what a restart gives node 2.
    Engine engine(EngineOptions {});
    const auto bare = SecurityService::restoreNode(engine, *d.files.inventory, *d.files.store, 2);
    QVERIFY2(bare, bare ? "" : qPrintable(bare.error().message()));
    QVERIFY(bare->serial);
    QVERIFY(bare->linkKeyFingerprint.isEmpty());

    // KeyStore::reload() under reloadNode(): unchanged file, nothing to do; a file another
    // program saved while this one has unsaved changes: refused, nothing changes here, and so
    // is the reload of the node.
    KeyStore &store = *d.files.store;
    const auto unchanged = store.reload();
    QVERIFY(unchanged && !*unchanged);
    const auto other = openTestStore(store.path());
    QVERIFY(other->setManagementKey(2, secretOf(filled(0x52))));
    QVERIFY(other->save());
    QVERIFY(store.setManagementKey(1, secretOf(filled(0x51)))); // unsaved here
    const auto dirty = store.reload();
    QVERIFY(!dirty);
    QVERIFY2(dirty.error().message().contains(u"unsaved changes"_s),
             qPrintable(dirty.error().message()));
    const auto refusedNode = d.service->reloadNode(2);
    QVERIFY(!refusedNode);
    QVERIFY(refusedNode.error().message().contains(u"node 2 was not reloaded"_s));
    QCOMPARE(store.managementKey(1)->fingerprint(), secretOf(filled(0x51)).fingerprint());
}

void tst_SecurityService::reloadKeepsMigrationInFlight()
{
    // Reloading a node whose move to a link key is under way leaves the move under way: the
    // engine still accepts the shared key from it (and the new one), and the move completes.
    QTemporaryDir dir;
    SimNetwork net(specs(2), kOldKey, kPolicy, 87);
    ServiceDaemon d(net, dir.path(), true);
    QVERIFY(d.service->start());
    QVERIFY(joinAll(d));
    QVERIFY(d.service->workflows()->migrateToNodeKeys({1}, u"test"_s));
    QCOMPARE(d.service->workflows()->migration().first().step, MigrationStep::KeyStored);
    const auto reloaded = d.service->reloadNode(1);
    QVERIFY2(reloaded, reloaded ? "" : qPrintable(reloaded.error().message()));
    QVERIFY2(reloaded->problems.isEmpty(), qPrintable(reloaded->problems.join(u"; ")));
    QVERIFY(reloaded->migrationInFlight);
    QVERIFY(reloaded->linkKeyFingerprint.isEmpty()); // not the only key accepted yet
    QVERIFY(d.engine->hasNodeKeyCandidate(1));
    QVERIFY(d.runUntil(60000, [&] {
        return d.service->workflows()->migration().first().step == MigrationStep::Switched;
    }));
    QCOMPARE(verdictText(nodeToGateway(d, 1)), u"verified"_s);
    // Switched: a reload now gives the engine the link key alone.
    const auto after = d.service->reloadNode(1);
    QVERIFY(after && !after->migrationInFlight);
    QCOMPARE(after->linkKeyFingerprint, d.service->workflows()->migration().first().keyFingerprint);
    QCOMPARE(verdictText(nodeToGateway(d, 1)), u"verified"_s);
}

void tst_SecurityService::revokedMidRotationPlanFollows()
{
    // Node 3 is lost while a rotation 1 -> 2 is under way, after it got the pending key: its
    // revocation's plan says epoch 1 is burnt, but the rotation completes (node 3 excluded)
    // and epoch 1 is retired. Starting from the plan then rotates away from epoch 2, which
    // node 3 held too, instead of being refused for an epoch that is no longer active.
    QTemporaryDir dir;
    SimNetwork net(specs(4), kOldKey, kPolicy, 91);
    ServiceDaemon d(net, dir.path(), true);
    QVERIFY(d.service->start());
    QVERIFY(joinAll(d));
    RotationPlanInput first;
    first.oldEpoch = 1;
    first.overTheAir = {1, 2, 3, 4};
    first.who = u"test"_s;
    first.why = u"scheduled"_s;
    QVERIFY(d.service->rotation()->start(first));
    const auto stateOf = [&](quint8 node) {
        const auto s = d.service->rotation()->status();
        for (const NodeRotationStatus &n : s->nodes)
            if (n.node == node)
                return n.state;
        return NodeRotationState::Pending;
    };
    QVERIFY(d.runUntil(60000, [&] {
        const NodeRotationState s = stateOf(3);
        return s == NodeRotationState::Delivered || s == NodeRotationState::Activating
               || s == NodeRotationState::Activated;
    }));
    QCOMPARE(net.stored(3).activeEpoch == 2 || net.stored(3).flags & Fw::SlotFlag::kPendingKey,
             true); // node 3 holds the key of epoch 2

    const auto report = d.service->workflows()->revokeNode(3, u"stolen"_s, u"test"_s);
    QVERIFY2(report, report ? "" : qPrintable(report.error().message()));
    QVERIFY(report->rotation.needed);
    QCOMPARE(report->rotation.burntEpoch, 1u); // what was active when it was revoked
    if (stateOf(3) != NodeRotationState::Activated)
        QVERIFY(d.service->rotation()->exclude(3, u"test"_s, u"revoked"_s));
    QVERIFY(d.runUntil(200000, [&] {
        const auto s = d.service->rotation()->status();
        return s && s->step == RotationStep::Completed;
    }));
    QCOMPARE(d.engine->activeEpoch(), std::optional<quint32>(2));
    // The rotation began before the revocation: it does not cover the plan.
    QCOMPARE(d.service->workflows()->pendingRotationPlans()->size(), 1);

    const auto input = d.service->workflows()->rotationFromRevocation(3, u"test"_s, {});
    QVERIFY2(input, input ? "" : qPrintable(input.error().message()));
    QCOMPARE(input->oldEpoch, quint16(2));
    QVERIFY(!input->overTheAir.contains(3));
    const auto second = d.service->rotation()->start(*input);
    QVERIFY2(second, second ? "" : qPrintable(second.error().message()));
    QCOMPARE(d.service->workflows()->pendingRotationPlans()->size(), 0); // covered now
    QVERIFY(d.runUntil(200000, [&] {
        const auto s = d.service->rotation()->status();
        return s && s->step == RotationStep::Completed;
    }));
    QCOMPARE(d.engine->activeEpoch(), std::optional<quint32>(3));
    for (const quint8 id : {1, 2, 4}) {
        QCOMPARE(net.stored(id).activeEpoch, quint16(3));
        QCOMPARE(verdictText(nodeToGateway(d, id)), u"verified"_s);
    }
    QCOMPARE(verdictText(nodeToGateway(d, 3)), u"revoked-sender"_s);
}

void tst_SecurityService::revokedBeforeKeyGeneratedPlanDone()
{
    // A rotation is started (assessed, its key not generated yet), node 3 is revoked at once,
    // the key of epoch 2 is generated afterwards, with node 3 blocked and its management key
    // gone: the plan's burnt epoch 1 is rotated away and nothing node 3 held is accepted any
    // more; starting from the plan says so instead of rotating again.
    QTemporaryDir dir;
    SimNetwork net(specs(3), kOldKey, kPolicy, 93);
    ServiceDaemon d(net, dir.path(), true);
    QVERIFY(d.service->start());
    QVERIFY(joinAll(d));
    RotationPlanInput first;
    first.oldEpoch = 1;
    first.overTheAir = {1, 2, 3};
    first.who = u"test"_s;
    first.why = u"scheduled"_s;
    QVERIFY(d.service->rotation()->start(first));
    QCOMPARE(d.service->rotation()->status()->step, RotationStep::Assessed);
    QVERIFY(!d.files.store->networkKeyInfo(2)); // not generated yet
    QVERIFY(d.service->workflows()->revokeNode(3, u"stolen"_s, u"test"_s));
    const qint64 revokedMs = d.service->workflows()->pendingRotationPlans()->first().createdMs;
    while (QDateTime::currentMSecsSinceEpoch() <= revokedMs) // the key comes strictly later
        QThread::msleep(1);
    QVERIFY(d.service->rotation()->exclude(3, u"test"_s, u"revoked"_s));
    QVERIFY(d.runUntil(200000, [&] {
        const auto s = d.service->rotation()->status();
        return s && s->step == RotationStep::Completed;
    }));
    QVERIFY(d.files.store->networkKeyInfo(2)->created.toMSecsSinceEpoch() > revokedMs);
    const auto input = d.service->workflows()->rotationFromRevocation(3, u"test"_s, {});
    QVERIFY(!input);
    QVERIFY2(input.error().message().contains(u"already carried out"_s),
             qPrintable(input.error().message()));
}

void tst_SecurityService::epochStates_data()
{
    QTest::addColumn<QList<int>>("states"); // per epoch 1, 2, ...: NetworkKeyState
    QTest::addColumn<int>("active"); // the engine's active epoch, 0: none
    QTest::addColumn<QList<quint32>>("pending");
    QTest::addColumn<QList<quint32>>("retired");
    QTest::addColumn<bool>("problems");
    const int P = int(NetworkKeyState::Pending);
    const int A = int(NetworkKeyState::Active);
    const int R = int(NetworkKeyState::Retired);
    QTest::newRow("active only") << QList<int> {A} << 1 << QList<quint32> {} << QList<quint32> {}
                                 << false;
    QTest::newRow("mid rotation") << QList<int> {A, P} << 1 << QList<quint32> {2}
                                  << QList<quint32> {} << false;
    QTest::newRow("after two rotations")
            << QList<int> {R, R, A} << 3 << QList<quint32> {} << QList<quint32> {1, 2} << false;
    // A pending key must never become the accepted one because nothing else is there.
    QTest::newRow("pending only") << QList<int> {R, P} << 0 << QList<quint32> {}
                                  << QList<quint32> {1} << true;
    QTest::newRow("two active") << QList<int> {A, A} << 2 << QList<quint32> {} << QList<quint32> {}
                                << true;
}

void tst_SecurityService::epochStates()
{
    QFETCH(QList<int>, states);
    QFETCH(int, active);
    QFETCH(QList<quint32>, pending);
    QFETCH(QList<quint32>, retired);
    QFETCH(bool, problems);
    QTemporaryDir dir;
    auto store = createTestStore(dir.filePath(u"keys.wks"_s), kOldKey, {1});
    for (int i = 0; i < states.size(); ++i)
        QVERIFY(store->setNetworkKey(quint16(i + 1), secretOf(filled(0x40 + i)),
                                     NetworkKeyState(states.at(i))));
    auto inventory = Inventory::open(dir.filePath(u"inventory.sqlite"_s));
    QVERIFY(inventory);
    Engine engine(EngineOptions {});
    const auto summary = SecurityService::restoreEngine(engine, **inventory, *store);
    QVERIFY2(summary, summary ? "" : qPrintable(summary.error().message()));
    QCOMPARE(engine.activeEpoch().value_or(0), quint32(active));
    QCOMPARE(summary->activeEpoch.value_or(0), quint32(active));
    QCOMPARE(summary->pendingEpochs, pending);
    QCOMPARE(summary->retiredEpochs, retired);
    QCOMPARE(!summary->problems.isEmpty(), problems);
    QVERIFY(summary->gatewaySerial);
    QCOMPARE(summary->serials, 1);
}

QTEST_GUILESS_MAIN(tst_SecurityService)
#include "tst_securityservice.moc"
