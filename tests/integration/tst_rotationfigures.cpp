// Figures of the key rotation engine: a full rotation reaching 50 host-build firmware nodes on
// the simulated bus at 10% frame loss, against the radio floor (frames needed x air time per
// frame at 250 kbit/s). Printed, not asserted beyond completion: the simulated clock is
// deterministic, wall time is not.
#include "rotationharness.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <map>

using namespace Warden;
using namespace WardenTest;
using namespace Qt::StringLiterals;

class tst_RotationFigures : public QObject
{
    Q_OBJECT

private slots:
    void fiftyNodesAtTenPercentLoss();
};

void tst_RotationFigures::fiftyNodesAtTenPercentLoss()
{
    constexpr int kNodes = 50;
    QTemporaryDir dir;
    SimNetwork net(specs(kNodes), kOldKey, Fw::PolicyFlag::kRequireSignatures, 3);
    RotationDaemon d(net, dir.path(), true);
    QVERIFY(joinAll(d));
    net.setLoss(0.10);
    std::map<RotationStep, quint32> entered;
    QObject::connect(d.rotation.get(), &KeyRotation::stepChanged,
                     [&](RotationStep s) { entered[s] = net.millis(); });
    RotationPlanInput plan;
    plan.oldEpoch = 1;
    for (int i = 1; i <= kNodes; ++i)
        plan.overTheAir << quint8(i);
    const quint64 framesBefore = net.frames();
    const quint64 requestBefore = net.requestFrames();
    const quint64 ackBefore = net.ackFrames();
    const quint32 start = net.millis();
    QElapsedTimer wall;
    wall.start();
    QVERIFY(d.rotation->start(plan));
    QVERIFY(d.runUntil(1200000, [&] { return d.finished(); }));
    const RotationReport r = *d.rotation->status();
    QCOMPARE(r.activated, kNodes);
    const quint32 elapsed = net.millis() - start;
    const quint64 frames = net.frames() - framesBefore;
    const quint64 management = net.requestFrames() - requestBefore + net.ackFrames() - ackBefore;
    // The floor: per node, set-network-key (3 request frames + 1 acknowledgement) and
    // activate-epoch (2 + 1): 7 management frames, each signed, so each also needs a nonce
    // request and a nonce response: 21 frames on the air.
    const quint64 neededManagement = kNodes * 7;
    const quint64 needed = neededManagement * 3;
    const double floorMs = double(needed) * kAirTimeMs;
    qInfo().noquote() << u"50-node rotation at 10% loss: %1 ms simulated (%2 ms wall); "
                         u"delivery %3 ms, activation %4 ms; %5 requests"_s.arg(elapsed)
                                 .arg(wall.elapsed())
                                 .arg(entered[RotationStep::Activating]
                                      - entered[RotationStep::Delivering])
                                 .arg(entered[RotationStep::Retiring]
                                      - entered[RotationStep::Activating])
                                 .arg(r.attempts);
    qInfo().noquote() << u"radio floor: %1 frames x %2 ms = %3 ms; time ratio %4; management "
                         u"frames %5 vs %6 needed (ratio %7); all frames (nonce round trips, "
                         u"the sensors' own values and heartbeats included) %8 vs %1 (ratio "
                         u"%9)"_s.arg(needed)
                                 .arg(kAirTimeMs, 0, 'f', 3)
                                 .arg(floorMs, 0, 'f', 1)
                                 .arg(double(elapsed) / floorMs, 0, 'f', 1)
                                 .arg(management)
                                 .arg(neededManagement)
                                 .arg(double(management) / double(neededManagement), 0, 'f', 2)
                                 .arg(frames)
                                 .arg(double(frames) / double(needed), 0, 'f', 2);
    qInfo().noquote() << r.text();
    QVERIFY(frames >= needed);
}

QTEST_GUILESS_MAIN(tst_RotationFigures)
#include "tst_rotationfigures.moc"
