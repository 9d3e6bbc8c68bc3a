// The key rotation state machine (core/security/rotationplan): every step and node transition,
// the refusals of the others, and the stored image (versioned, strict, without secrets).
#include "security/rotationplan.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QRegularExpression>
#include <QtTest/QTest>

using namespace Warden;
using namespace Qt::StringLiterals;
using Internal::RotationPlan;
using S = NodeRotationState;

namespace {

const QString kFp = u"ab12-cd34-ef56-7890"_s;

RotationPlanInput input()
{
    RotationPlanInput in;
    in.oldEpoch = 1;
    in.overTheAir = {3, 1, 2};
    in.usb = {9};
    in.who = u"test"_s;
    in.why = u"node 20 stolen"_s;
    return in;
}

RotationPlan plan()
{
    auto p = RotationPlan::create(input(), 1000);
    if (!p)
        qFatal("%s", qPrintable(p.error().message()));
    return *p;
}

/// A plan in step Activating with every over-the-air node delivered.
RotationPlan activating()
{
    RotationPlan p = plan();
    if (!p.keyGenerated(kFp) || !p.startDelivery())
        qFatal("setup");
    for (quint8 id : {1, 2, 3}) {
        if (!p.deliveryQueued(id, 10 + id) || !p.delivered(id))
            qFatal("setup");
    }
    if (!p.startActivation())
        qFatal("setup");
    return p;
}

S stateOf(const RotationPlan &p, quint8 id)
{
    return p.node(id)->state;
}

RotationPlan roundTrip(const RotationPlan &p)
{
    const QByteArray bytes = QJsonDocument(p.toJson()).toJson();
    auto back = RotationPlan::fromJson(QJsonDocument::fromJson(bytes).object());
    if (!back)
        qFatal("%s", qPrintable(back.error().message()));
    return *back;
}

} // namespace

class tst_RotationPlan : public QObject
{
    Q_OBJECT

private slots:
    void createValidates_data();
    void createValidates();
    void createSortsAndDefaults();
    void fullRunOverTheAirAndUsb();
    void stepRefusals();
    void nodeRefusals();
    void activationWaitsForDelivery();
    void retireWaitsForEveryNode();
    void gatewayEpochSwitches();
    void failRetryRequeueExclude();
    void cancelOnlyBeforeActivation();
    void imageRoundTripAtEveryStep();
    void imageRefusals_data();
    void imageRefusals();
    void reportText();
};

void tst_RotationPlan::createValidates_data()
{
    QTest::addColumn<int>("oldEpoch");
    QTest::addColumn<int>("newEpoch");
    QTest::addColumn<QList<quint8>>("air");
    QTest::addColumn<QList<quint8>>("usb");
    QTest::addColumn<QString>("error");
    QTest::newRow("old epoch 0") << 0 << 0 << QList<quint8> {1} << QList<quint8> {}
                                 << u"old epoch must be 1..65534"_s;
    QTest::newRow("old epoch 65535") << 65535 << 0 << QList<quint8> {1} << QList<quint8> {}
                                     << u"old epoch must be 1..65534"_s;
    QTest::newRow("new not above old")
            << 5 << 5 << QList<quint8> {1} << QList<quint8> {} << u"must be above the old one"_s;
    QTest::newRow("no nodes") << 1 << 0 << QList<quint8> {} << QList<quint8> {}
                              << u"at least one node"_s;
    QTest::newRow("node 0") << 1 << 0 << QList<quint8> {0} << QList<quint8> {}
                            << u"node 0 cannot be in a rotation"_s;
    QTest::newRow("node 255") << 1 << 0 << QList<quint8> {} << QList<quint8> {255}
                              << u"node 255 cannot be in a rotation"_s;
    QTest::newRow("twice") << 1 << 0 << QList<quint8> {4} << QList<quint8> {4}
                           << u"node 4 is listed twice"_s;
}

void tst_RotationPlan::createValidates()
{
    QFETCH(int, oldEpoch);
    QFETCH(int, newEpoch);
    QFETCH(QList<quint8>, air);
    QFETCH(QList<quint8>, usb);
    QFETCH(QString, error);
    RotationPlanInput in;
    in.oldEpoch = quint16(oldEpoch);
    in.newEpoch = quint16(newEpoch);
    in.overTheAir = air;
    in.usb = usb;
    const auto p = RotationPlan::create(in, 0);
    QVERIFY(!p);
    QVERIFY2(p.error().message().contains(error), qPrintable(p.error().message()));
}

void tst_RotationPlan::createSortsAndDefaults()
{
    const RotationPlan p = plan();
    QCOMPARE(p.step(), RotationStep::Assessed);
    QCOMPARE(p.oldEpoch(), quint16(1));
    QCOMPARE(p.newEpoch(), quint16(2));
    QCOMPARE(p.nodes().size(), 4);
    QCOMPARE(p.nodes().at(0).node, quint8(1));
    QCOMPARE(p.nodes().at(3).node, quint8(9));
    QCOMPARE(p.node(9)->channel, RotationChannel::Usb);
    QCOMPARE(p.node(2)->channel, RotationChannel::OverTheAir);
    QCOMPARE(stateOf(p, 9), S::Pending);
    QCOMPARE(p.node(2)->gatewayEpoch, quint16(1));
    QVERIFY(!p.node(7));
    QCOMPARE(p.startedMs(), qint64(1000));
    RotationPlanInput in = input();
    in.newEpoch = 40;
    QCOMPARE(RotationPlan::create(in, 0)->newEpoch(), quint16(40));
}

void tst_RotationPlan::fullRunOverTheAirAndUsb()
{
    RotationPlan p = plan();
    QVERIFY(p.keyGenerated(kFp));
    QCOMPARE(p.step(), RotationStep::Generated);
    QCOMPARE(p.keyFingerprint(), kFp);
    QCOMPARE(stateOf(p, 9), S::AwaitingUsb);
    QVERIFY(p.startDelivery());
    QCOMPARE(p.step(), RotationStep::Delivering);
    for (quint8 id : {1, 2, 3}) {
        QVERIFY(p.deliveryQueued(id, 100 + id));
        QCOMPARE(stateOf(p, id), S::Delivering);
        QCOMPARE(p.node(id)->deliveryJob, qint64(100 + id));
    }
    QVERIFY(!p.canStartActivation());
    for (quint8 id : {1, 2, 3})
        QVERIFY(p.delivered(id));
    // A USB node does not hold up activation.
    QVERIFY(p.canStartActivation());
    QVERIFY(p.startActivation());
    QCOMPARE(p.step(), RotationStep::Activating);
    for (quint8 id : {1, 2, 3}) {
        QVERIFY(p.activationQueued(id, 200 + id));
        QCOMPARE(stateOf(p, id), S::Activating);
        QCOMPARE(p.node(id)->gatewayEpoch, quint16(1));
        QVERIFY(p.activated(id));
        QCOMPARE(stateOf(p, id), S::Activated);
        QCOMPARE(p.node(id)->gatewayEpoch, quint16(2));
    }
    QVERIFY(!p.canRetire()); // node 9 still awaits USB
    QVERIFY(p.usbDone(9));
    QCOMPARE(stateOf(p, 9), S::Activated);
    QVERIFY(p.canRetire());
    QVERIFY(p.startRetiring());
    QCOMPARE(p.step(), RotationStep::Retiring);
    QVERIFY(!p.isFinished());
    QVERIFY(p.complete(5000));
    QCOMPARE(p.step(), RotationStep::Completed);
    QVERIFY(p.isFinished());
    p.setTraffic(9, 21);
    const RotationReport r = p.report(7);
    QCOMPARE(r.rotation, qint64(7));
    QCOMPARE(r.activated, 4);
    QCOMPARE(r.excluded, 0);
    QCOMPARE(r.attempts, 9);
    QCOMPARE(r.requestFrames, 21);
    QCOMPARE(r.finishedMs - r.startedMs, qint64(4000));
}

void tst_RotationPlan::stepRefusals()
{
    RotationPlan p = plan();
    // Assessed: only key generation (or cancel, exclude).
    QVERIFY(!p.startDelivery());
    QVERIFY(!p.startActivation());
    QVERIFY(!p.startRetiring());
    QVERIFY(!p.complete(0));
    QVERIFY(!p.usbDone(9));
    QVERIFY(!p.deliveryQueued(1, 5));
    const auto malformed = p.keyGenerated(u"0011223344556677"_s);
    QVERIFY(!malformed);
    QVERIFY(malformed.error().message().contains(u"fingerprint"_s));
    QCOMPARE(p.step(), RotationStep::Assessed);
    QVERIFY(p.keyGenerated(kFp));
    const auto again = p.keyGenerated(kFp);
    QVERIFY(!again);
    QVERIFY2(again.error().message().contains(u"not possible in step generated"_s),
             qPrintable(again.error().message()));
    QVERIFY(!p.startActivation());
    QVERIFY(!p.activationQueued(1, 5));
    QVERIFY(p.startDelivery());
    QVERIFY(!p.startDelivery());
    QVERIFY(!p.startRetiring());
    QVERIFY(!p.complete(0));
    // Completed: nothing at all.
    RotationPlan done = activating();
    for (quint8 id : {1, 2, 3}) {
        QVERIFY(done.activationQueued(id, 20 + id));
        QVERIFY(done.activated(id));
    }
    QVERIFY(done.usbDone(9));
    QVERIFY(done.startRetiring());
    QVERIFY(!done.usbDone(9));
    QVERIFY(!done.exclude(1, u"late"_s));
    QVERIFY(done.complete(1));
    QVERIFY(!done.complete(2));
    QVERIFY(!done.cancel(u"no"_s, 3));
    QVERIFY(!done.startRetiring());
    QVERIFY(!done.retry(1));
}

void tst_RotationPlan::nodeRefusals()
{
    RotationPlan p = plan();
    QVERIFY(p.keyGenerated(kFp) && p.startDelivery());
    const auto unknown = p.delivered(42);
    QVERIFY(!unknown);
    QVERIFY(unknown.error().message().contains(u"node 42 is not in this rotation"_s));
    const auto notQueued = p.delivered(1);
    QVERIFY(!notQueued);
    QVERIFY2(notQueued.error().message().contains(u"node 1, which is pending"_s),
             qPrintable(notQueued.error().message()));
    QVERIFY(!p.deliveryQueued(1, 0)); // job ids are positive
    const auto usbOverAir = p.deliveryQueued(9, 5);
    QVERIFY(!usbOverAir);
    QVERIFY(usbOverAir.error().message().contains(u"which is awaiting-usb"_s));
    QVERIFY(!p.usbDone(1)); // not a USB node
    QVERIFY(!p.activated(1));
    QVERIFY(!p.setGatewayEpoch(1, 2, 0));
    QVERIFY(p.deliveryQueued(1, 5));
    QVERIFY(!p.deliveryQueued(1, 6)); // already queued
    QVERIFY(!p.activationQueued(1, 6)); // not delivered, and not step Activating
    QVERIFY(p.delivered(1));
    QVERIFY(!p.activationQueued(1, 6)); // step Delivering
    QVERIFY(!p.nodeFailed(1, u"x"_s)); // Delivered cannot fail
}

void tst_RotationPlan::activationWaitsForDelivery()
{
    RotationPlan p = plan();
    QVERIFY(p.keyGenerated(kFp) && p.startDelivery());
    QVERIFY(p.deliveryQueued(1, 5) && p.delivered(1));
    QVERIFY(p.deliveryQueued(2, 6));
    const auto early = p.startActivation();
    QVERIFY(!early);
    QVERIFY2(early.error().message().contains(u"2 (delivering), 3 (pending)"_s),
             qPrintable(early.error().message()));
    // A node excluded (asleep for good) no longer holds it up.
    QVERIFY(p.delivered(2));
    QVERIFY(p.exclude(3, u"gone"_s));
    QVERIFY(p.canStartActivation());
    QVERIFY(p.startActivation());
}

void tst_RotationPlan::retireWaitsForEveryNode()
{
    RotationPlan p = activating();
    QVERIFY(p.activationQueued(1, 21) && p.activated(1));
    QVERIFY(p.activationQueued(2, 22));
    const auto early = p.startRetiring();
    QVERIFY(!early);
    QVERIFY2(early.error().message().contains(u"2 (activating), 3 (delivered), 9 (awaiting-usb)"_s),
             qPrintable(early.error().message()));
    // A node in Activating may use the new key already: it cannot be excluded.
    QVERIFY(!p.exclude(2, u"x"_s));
    QVERIFY(p.activated(2));
    QVERIFY(p.exclude(3, u"away"_s));
    QVERIFY(p.exclude(9, u"no USB access"_s));
    QVERIFY(!p.exclude(1, u"x"_s)); // activated
    QVERIFY(p.startRetiring());
    const RotationReport r = p.report(1);
    QCOMPARE(r.activated, 2);
    QCOMPARE(r.excluded, 2);
    QCOMPARE(p.node(9)->reason, u"no USB access"_s);
}

void tst_RotationPlan::gatewayEpochSwitches()
{
    RotationPlan p = activating();
    QVERIFY(p.activationQueued(1, 21));
    QVERIFY(!p.setGatewayEpoch(1, 7, 2)); // neither epoch
    QVERIFY(p.setGatewayEpoch(1, 2, 2));
    QCOMPARE(p.node(1)->gatewayEpoch, quint16(2));
    QCOMPARE(p.node(1)->viewAttempts, 2);
    QCOMPARE(p.node(1)->switches, 1);
    QVERIFY(p.setGatewayEpoch(1, 1, 4));
    QCOMPARE(p.node(1)->switches, 2);
    QVERIFY(p.setGatewayEpoch(1, 1, 5)); // the same epoch: not a switch
    QCOMPARE(p.node(1)->switches, 2);
    const RotationPlan back = roundTrip(p);
    QCOMPARE(back.node(1)->gatewayEpoch, quint16(1));
    QCOMPARE(back.node(1)->viewAttempts, 5);
    QCOMPARE(back.node(1)->switches, 2);
    QVERIFY(p.activated(1));
    QCOMPARE(p.node(1)->gatewayEpoch, quint16(2));
    QVERIFY(!p.setGatewayEpoch(1, 1, 6)); // settled
}

void tst_RotationPlan::failRetryRequeueExclude()
{
    RotationPlan p = plan();
    QVERIFY(p.keyGenerated(kFp) && p.startDelivery());
    QVERIFY(p.deliveryQueued(1, 5));
    QVERIFY(p.nodeFailed(1, u"no management key on file for node 1"_s));
    QCOMPARE(stateOf(p, 1), S::Failed);
    QVERIFY(!p.canStartActivation());
    QVERIFY(!p.nodeFailed(1, u"again"_s));
    QVERIFY(p.retry(1));
    QCOMPARE(stateOf(p, 1), S::Pending);
    QCOMPARE(p.node(1)->deliveryJob, qint64(0));
    QVERIFY(!p.retry(1)); // not failed
    // A job the runner does not know (never stored, never sent): queued again.
    QVERIFY(p.deliveryQueued(1, 6));
    QVERIFY(p.requeue(1));
    QCOMPARE(stateOf(p, 1), S::Pending);
    QVERIFY(!p.requeue(1));
    // Activation failures and requeues go back to delivered / pending.
    RotationPlan a = activating();
    QVERIFY(a.activationQueued(2, 22));
    QVERIFY(a.setGatewayEpoch(2, 2, 2));
    QVERIFY(a.requeue(2));
    QCOMPARE(stateOf(a, 2), S::Delivered);
    QCOMPARE(a.node(2)->gatewayEpoch, quint16(1));
    QVERIFY(a.activationQueued(2, 23));
    QVERIFY(a.nodeFailed(2, u"node 2 refused: unknown-epoch"_s));
    QVERIFY(a.retry(2));
    QCOMPARE(stateOf(a, 2), S::Pending); // delivered again, in step Activating
    QVERIFY(a.deliveryQueued(2, 24));
    QVERIFY(a.delivered(2));
    QVERIFY(a.activationQueued(2, 25));
    // A USB node that failed awaits its step again.
    QVERIFY(!a.nodeFailed(9, u"x"_s));
}

void tst_RotationPlan::cancelOnlyBeforeActivation()
{
    RotationPlan p = plan();
    QVERIFY(p.cancel(u"operator"_s, 9));
    QCOMPARE(p.step(), RotationStep::Cancelled);
    QVERIFY(p.isFinished());
    QVERIFY(!p.keyGenerated(kFp));
    QCOMPARE(p.finishedMs(), qint64(9));
    QVERIFY(p.why().contains(u"cancelled: operator"_s));

    RotationPlan d = plan();
    QVERIFY(d.keyGenerated(kFp) && d.startDelivery());
    QVERIFY(d.usbDone(9)); // this node already uses the new key
    const auto refused = d.cancel(u"x"_s, 1);
    QVERIFY(!refused);
    QVERIFY(refused.error().message().contains(u"node 9 already uses the new key"_s));

    RotationPlan a = activating();
    const auto late = a.cancel(u"x"_s, 1);
    QVERIFY(!late);
    QVERIFY2(late.error().message().contains(u"not possible in step activating"_s),
             qPrintable(late.error().message()));
}

void tst_RotationPlan::imageRoundTripAtEveryStep()
{
    QList<RotationPlan> plans;
    RotationPlan p = plan();
    plans << p;
    QVERIFY(p.keyGenerated(kFp));
    plans << p;
    QVERIFY(p.startDelivery() && p.deliveryQueued(1, 11));
    plans << p;
    RotationPlan a = activating();
    QVERIFY(a.activationQueued(1, 21) && a.setGatewayEpoch(1, 2, 3));
    QVERIFY(a.exclude(9, u"away"_s));
    plans << a;
    QVERIFY(a.activated(1) && a.activationQueued(2, 22) && a.activated(2)
            && a.activationQueued(3, 23) && a.activated(3) && a.startRetiring());
    plans << a;
    a.setTraffic(12, 30);
    QVERIFY(a.complete(8000));
    plans << a;
    for (const RotationPlan &original : std::as_const(plans)) {
        const QJsonObject image = original.toJson();
        QCOMPARE(image.value(u"version"_s).toInt(), RotationPlan::kVersion);
        const RotationPlan back = roundTrip(original);
        QCOMPARE(back.toJson(), image);
        QCOMPARE(back.step(), original.step());
        QCOMPARE(back.nodes().size(), original.nodes().size());
        for (const NodeRotationStatus &n : original.nodes()) {
            QCOMPARE(back.node(n.node)->state, n.state);
            QCOMPARE(back.node(n.node)->deliveryJob, n.deliveryJob);
            QCOMPARE(back.node(n.node)->activationJob, n.activationJob);
            QCOMPARE(back.node(n.node)->reason, n.reason);
        }
        // Nothing in it that looks like key material: fingerprints only.
        const QByteArray text = QJsonDocument(image).toJson(QJsonDocument::Compact);
        QVERIFY(!QString::fromUtf8(text).contains(QRegularExpression(u"[0-9a-fA-F]{32}"_s)));
    }
    QCOMPARE(roundTrip(plans.last()).report(1).requestFrames, 30);
}

void tst_RotationPlan::imageRefusals_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<QString>("error");
    QTest::newRow("version 2") << u"version"_s << QJsonValue(2) << u"version 2 is not supported"_s;
    QTest::newRow("no version") << u"version"_s << QJsonValue() << u"version -1"_s;
    QTest::newRow("unknown step") << u"step"_s << QJsonValue(u"dancing"_s) << u"no known step"_s;
    QTest::newRow("bad epochs") << u"newEpoch"_s << QJsonValue(1) << u"invalid epochs"_s;
    QTest::newRow("no fingerprint")
            << u"fingerprint"_s << QJsonValue(u""_s) << u"no valid key fingerprint"_s;
    QTest::newRow("no nodes") << u"nodes"_s << QJsonValue(QJsonArray()) << u"has no nodes"_s;
    QTest::newRow("node 0") << u"nodes"_s
                            << QJsonValue(QJsonArray {
                                       QJsonObject {{u"node"_s, 0}, {u"state"_s, u"pending"_s}}})
                            << u"invalid or repeated node id"_s;
    QTest::newRow("repeated") << u"nodes"_s
                              << QJsonValue(QJsonArray {
                                         QJsonObject {{u"node"_s, 4}, {u"state"_s, u"pending"_s}},
                                         QJsonObject {{u"node"_s, 4}, {u"state"_s, u"pending"_s}}})
                              << u"invalid or repeated node id"_s;
    QTest::newRow("unknown state")
            << u"nodes"_s
            << QJsonValue(QJsonArray {QJsonObject {{u"node"_s, 4}, {u"state"_s, u"asleep"_s}}})
            << u"node 4 of the rotation state has no known state"_s;
    QTest::newRow("usb state over the air")
            << u"nodes"_s
            << QJsonValue(
                       QJsonArray {QJsonObject {{u"node"_s, 4}, {u"state"_s, u"awaiting-usb"_s}}})
            << u"which its channel cannot be"_s;
    QTest::newRow("delivering without job")
            << u"nodes"_s
            << QJsonValue(QJsonArray {QJsonObject {{u"node"_s, 4}, {u"state"_s, u"delivering"_s}}})
            << u"no job for its state"_s;
    QTest::newRow("foreign epoch")
            << u"nodes"_s
            << QJsonValue(QJsonArray {QJsonObject {
                       {u"node"_s, 4}, {u"state"_s, u"pending"_s}, {u"gatewayEpoch"_s, 9}}})
            << u"names epoch 9"_s;
}

void tst_RotationPlan::imageRefusals()
{
    QFETCH(QString, key);
    QFETCH(QJsonValue, value);
    QFETCH(QString, error);
    RotationPlan p = plan();
    QVERIFY(p.keyGenerated(kFp));
    QJsonObject image = p.toJson();
    QVERIFY(RotationPlan::fromJson(image));
    if (value.isUndefined() || value.isNull())
        image.remove(key);
    else
        image.insert(key, value);
    const auto back = RotationPlan::fromJson(image);
    QVERIFY(!back);
    QCOMPARE(back.error().code(), ErrorCode::Malformed);
    QVERIFY2(back.error().message().contains(error), qPrintable(back.error().message()));
}

void tst_RotationPlan::reportText()
{
    RotationPlan p = activating();
    QVERIFY(p.activationQueued(1, 21) && p.activated(1));
    QVERIFY(p.exclude(9, u"away"_s));
    p.setTraffic(7, 15);
    QCOMPARE(p.report(3).text(), u"epoch 1 -> 2 (%1), activating: 1 activated, 1 excluded, 2 "
                                 u"open; 7 requests, 15 frames"_s.arg(kFp));
    QCOMPARE(QLatin1StringView(rotationStepName(RotationStep::Retiring)), "retiring"_L1);
    QCOMPARE(QLatin1StringView(nodeRotationStateName(S::AwaitingUsb)), "awaiting-usb"_L1);
}

QTEST_GUILESS_MAIN(tst_RotationPlan)
#include "tst_rotationplan.moc"
