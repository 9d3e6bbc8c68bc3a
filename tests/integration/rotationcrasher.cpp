// Helper of tst_rotation's kill test: runs a key rotation of 8 nodes at 10% loss over the
// simulated bus, with the nodes' EEPROMs, the inventory and the key store as files in <dir>,
// slowed to about 100 times real time, and prints each step and node change as it is stored,
// so the test can SIGKILL it in the middle and resume the rotation from the files.
//
//   rotationcrasher <dir>
#include "rotationharness.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QThread>

#include <cstdio>

using namespace Warden;
using namespace WardenTest;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    if (argc != 2) {
        std::fprintf(stderr, "usage: rotationcrasher <dir>\n");
        return 2;
    }
    const QString dir = QString::fromLocal8Bit(argv[1]);
    SimNetwork net(specs(8, {}, dir), kOldKey, Fw::PolicyFlag::kRequireSignatures, 61);
    RotationDaemon d(net, dir, true);
    if (!joinAll(d)) {
        std::fprintf(stderr, "nodes did not join\n");
        return 1;
    }
    net.setLoss(0.10);
    QObject::connect(d.rotation.get(), &KeyRotation::stepChanged, [](RotationStep step) {
        std::printf("STEP %s\n", rotationStepName(step));
        std::fflush(stdout);
    });
    QObject::connect(d.rotation.get(), &KeyRotation::nodeChanged,
                     [](quint8 node, NodeRotationState state, const QString &) {
                         std::printf("NODE %d %s\n", node, nodeRotationStateName(state));
                         std::fflush(stdout);
                     });
    RotationPlanInput plan;
    plan.oldEpoch = 1;
    for (quint8 id = 1; id <= 8; ++id)
        plan.overTheAir << id;
    plan.who = QStringLiteral("rotationcrasher");
    if (const auto started = d.rotation->start(plan); !started) {
        std::fprintf(stderr, "%s\n", qPrintable(started.error().message()));
        return 1;
    }
    for (int i = 0; i < 400000 && !d.finished(); ++i) {
        d.step();
        QThread::usleep(50);
    }
    std::printf(d.finished() ? "DONE\n" : "STUCK\n");
    std::fflush(stdout);
    return d.finished() ? 0 : 1;
}
