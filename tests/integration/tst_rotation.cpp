// The key rotation engine (core/engine/rotation.cpp) against real host-build firmware nodes on
// the simulated bus, with a real inventory and a real sealed key store: a full rotation of 19
// nodes at 10% frame loss (the stolen 20th left out), after which the old key is refused by
// gateway and nodes alike and the new one works both ways; the daemon destroyed and recreated
// at every step of the rotation; a stock node's manual USB step; a node that sleeps through
// the delivery. The SIGKILL of a process that runs a rotation is tst_rotationkill.
#include "rotationharness.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace Warden;
using namespace WardenTest;
using namespace Qt::StringLiterals;
using Protocol::Command;

namespace {

constexpr quint8 kPolicy = Fw::PolicyFlag::kRequireSignatures;

Message valueFor(quint8 node, quint8 value)
{
    Message m;
    m.setHeader(0, node, Command::Set, 2, 1); // V_STATUS on child 1
    m.setByte(value);
    return m;
}

/// The gateway sends the node a signed value (new-epoch traffic, gateway to node).
bool gatewayToNode(RotationDaemon &d, quint8 id)
{
    auto &delivered = d.network.node(id).delivered;
    const size_t before = delivered.size();
    if (!d.engine->send(valueFor(id, quint8(before + 1))))
        return false;
    return d.runUntil(6000, [&] { return delivered.size() > before; });
}

/// The node sends the gateway a signed value; true when the gateway verified it.
bool nodeToGateway(RotationDaemon &d, quint8 id)
{
    bool verified = false;
    d.onTraffic = [&](const TrafficRecord &r) {
        if (!r.outgoing && r.message.sender() == id && r.message.command() == Command::Set
            && r.verdict == FrameVerdict::Verified)
            verified = true;
    };
    bool sent = false;
    const bool ok = d.runUntil(6000, [&] {
        if (!sent && !d.network.node(id).node->isSending())
            sent = d.network.node(id).node->sendByte(1, 2, 5) == Fw::SendStatus::Pending
                   || d.network.node(id).node->isSending();
        return verified;
    });
    d.onTraffic = nullptr;
    return ok;
}

/// A radio that claims to be node @p id signs a value with @p key after a real nonce round
/// trip with the gateway; returns the gateway's verdict ("" if none came).
QString impersonateNode(RotationDaemon &d, quint8 id, const QByteArray &key)
{
    d.network.node(id).radio->setEnabled(false);
    const auto radio = d.network.connect(id);
    Message request;
    request.setHeader(id, 0, Command::Internal, uint8_t(Protocol::Internal::NonceRequest), 255);
    request.setString("", 0);
    radio->send(0, request.data(), uint8_t(request.size()));
    uint8_t nonce[Protocol::kNonceSize] = {};
    bool got = false;
    d.runUntil(3000, [&] {
        uint8_t buffer[Protocol::kMaxMessageSize];
        uint8_t n = 0;
        while ((n = radio->receive(buffer, sizeof buffer)) > 0) {
            Message m;
            if (Message::decode(buffer, n, m) == Protocol::DecodeError::None
                && m.command() == Command::Internal
                && m.type() == uint8_t(Protocol::Internal::NonceResponse)
                && m.payloadLength() == Protocol::kNoncePayloadSize) {
                Protocol::nonceFromPayload(m.payload(), nonce);
                got = true;
            }
        }
        return got;
    });
    QString verdict;
    if (got) {
        Message value;
        value.setHeader(id, 0, Command::Set, 2, 1);
        value.setByte(42);
        Protocol::LegacySigner signer(Signer::hostSha256());
        signer.setKey(u8(key));
        if (signer.sign(value, nonce, nullptr) == Protocol::SignResult::Ok) {
            d.onTraffic = [&](const TrafficRecord &r) {
                if (!r.outgoing && r.message.sender() == id && r.message.command() == Command::Set)
                    verdict = QString::fromLatin1(frameVerdictName(r.verdict));
            };
            radio->send(0, value.data(), uint8_t(value.size()));
            d.runUntil(1000, [&] { return !verdict.isEmpty(); });
            d.onTraffic = nullptr;
        }
    }
    d.network.node(id).radio->setEnabled(true);
    d.engine->unlockNode(id);
    return verdict;
}

/// A forged 'gateway' (the gateway's own radio, bypassing the engine) sends node @p id a value
/// signed with @p key after a nonce round trip; true when the node accepted it.
bool forgedGatewayAccepted(RotationDaemon &d, quint8 id, const QByteArray &key)
{
    uint8_t nonce[Protocol::kNonceSize] = {};
    bool got = false;
    d.network.uplinkFilter = [&](const Message &m) {
        if (m.command() == Command::Internal
            && m.type() == uint8_t(Protocol::Internal::NonceResponse) && m.sender() == id
            && m.payloadLength() == Protocol::kNoncePayloadSize) {
            Protocol::nonceFromPayload(m.payload(), nonce);
            got = true;
            return false;
        }
        return true;
    };
    Message request;
    request.setHeader(0, id, Command::Internal, uint8_t(Protocol::Internal::NonceRequest), 255);
    request.setString("", 0);
    d.network.transmitRaw(request);
    d.runUntil(3000, [&] { return got; });
    d.network.uplinkFilter = nullptr;
    if (!got)
        return false;
    Message value = valueFor(id, 77);
    Protocol::LegacySigner signer(Signer::hostSha256());
    signer.setKey(u8(key));
    if (signer.sign(value, nonce, nullptr) != Protocol::SignResult::Ok)
        return false;
    auto &delivered = d.network.node(id).delivered;
    const size_t before = delivered.size();
    d.network.transmitRaw(value);
    return d.runUntil(1000, [&] { return delivered.size() > before; });
}

/// Every listed node talks with the gateway both ways (on a clean bus).
QString talkFailures(RotationDaemon &d, const QList<quint8> &ids)
{
    QStringList bad;
    for (const quint8 id : ids) {
        if (!nodeToGateway(d, id))
            bad << u"node %1 -> gateway"_s.arg(id);
        if (!gatewayToNode(d, id))
            bad << u"gateway -> node %1"_s.arg(id);
    }
    return bad.join(u", "_s);
}

QString dump(const RotationDaemon &d)
{
    const auto s = d.rotation->status();
    if (!s)
        return u"no rotation"_s;
    QStringList lines {s->text()};
    for (const NodeRotationStatus &n : s->nodes) {
        if (n.state == NodeRotationState::Activated)
            continue;
        QString job;
        const qint64 id = n.activationJob ? n.activationJob : n.deliveryJob;
        if (const auto j = d.runner->job(id))
            job = u"job %1 attempts %2: %3"_s.arg(id).arg(j->attempts).arg(j->lastError);
        auto &node = const_cast<SimNetwork &>(d.network).node(n.node);
        const Fw::WardenState stored = const_cast<SimNetwork &>(d.network).stored(n.node);
        lines << u"node %1 (firmware: %8, epoch %9, pending %10): %2, gateway epoch %3%4%5; %6 %7"_s
                         .arg(n.node)
                         .arg(QLatin1StringView(nodeRotationStateName(n.state)))
                         .arg(n.gatewayEpoch)
                         .arg(d.engine->isSigningHeld(n.node) ? u", signing held"_s : QString())
                         .arg(d.engine->isLocked(n.node) ? u", locked"_s : QString())
                         .arg(job, n.reason)
                         .arg(node.node->isReady() ? u"ready"_s
                              : node.node->lockReason() != Fw::LockReason::None
                                      ? u"LOCKED (reason %1)"_s.arg(int(node.node->lockReason()))
                                      : u"not ready"_s)
                         .arg(stored.activeEpoch)
                         .arg(stored.pendingEpoch);
    }
    return lines.join(u'\n');
}

RotationPlanInput planFor(const QList<quint8> &air, const QList<quint8> &usb = {})
{
    RotationPlanInput in;
    in.oldEpoch = 1;
    in.overTheAir = air;
    in.usb = usb;
    in.who = u"test"_s;
    in.why = u"node stolen"_s;
    return in;
}

QList<quint8> range(int from, int to)
{
    QList<quint8> out;
    for (int i = from; i <= to; ++i)
        out << quint8(i);
    return out;
}

} // namespace

class tst_Rotation : public QObject
{
    Q_OBJECT

private slots:
    void nineteenNodesAtTenPercentLoss();
    void restartAtEveryStep_data();
    void restartAtEveryStep();
    void stockNodeManualStep();
    void sleepingNodeGetsItsStepWhenItWakes();
    void refusals();
    void killedMidRotation();
};

void tst_Rotation::nineteenNodesAtTenPercentLoss()
{
    QTemporaryDir dir;
    SimNetwork net(specs(20), kOldKey, kPolicy, 5);
    RotationDaemon d(net, dir.path(), true);
    QVERIFY(joinAll(d));
    // Node 20 was stolen: revoked, and left out of the rotation.
    d.engine->revoke(20, u"test"_s, u"stolen"_s);
    net.setLoss(0.10);
    QSignalSpy finished(d.rotation.get(), &KeyRotation::finished);
    const quint32 start = net.millis();
    const quint64 framesBefore = net.frames();
    const auto id = d.rotation->start(planFor(range(1, 19)));
    QVERIFY2(id, id ? "" : qPrintable(id.error().message()));
    QVERIFY2(d.runUntil(400000, [&] { return d.finished(); }), qPrintable(dump(d)));
    const RotationReport report = *d.rotation->status();
    qInfo().noquote() << report.text()
                      << u"- %1 ms simulated, %2 frames on the air"_s.arg(net.millis() - start)
                                 .arg(net.frames() - framesBefore);
    QCOMPARE(finished.count(), 1);
    QCOMPARE(report.activated, 19);

    // The key store: the new epoch active, the old one retired; no one re-flashed anything.
    QCOMPARE(storedNetworkKeyState(*d.store, 2), u"active"_s);
    QCOMPARE(storedNetworkKeyState(*d.store, 1), u"retired"_s);
    const QByteArray newKey = storedNetworkKey(*d.store, 2);
    QCOMPARE(newKey.size(), 32);
    QVERIFY(newKey != kOldKey);
    QCOMPARE(secretOf(newKey).fingerprint(), report.keyFingerprint);
    for (const quint8 n : range(1, 19)) {
        const Fw::WardenState s = net.stored(n);
        QCOMPARE(s.activeEpoch, quint16(2));
        QCOMPARE(QByteArray(reinterpret_cast<const char *>(s.key(Fw::KeySlot::Network)), 32),
                 newKey);
    }
    QCOMPARE(net.stored(20).activeEpoch, quint16(1)); // the stolen node keeps the burnt key

    // The inventory: the rotation completed, no key bytes in it.
    QVERIFY(d.inventory->flush());
    const auto rotations = d.inventory->rotations();
    QVERIFY(rotations && rotations->size() == 1);
    QCOMPARE(rotations->at(0).step, u"completed"_s);
    const QString image = QString::fromUtf8(QJsonDocument(rotations->at(0).state).toJson());
    QVERIFY(!image.contains(QString::fromLatin1(newKey.toHex()), Qt::CaseInsensitive));
    const auto audit = d.inventory->auditLog();
    QVERIFY(audit);
    QStringList whats;
    for (const AuditEntry &e : *audit)
        whats << e.what;
    QVERIFY2(whats.contains(u"rotate.completed"_s) && whats.contains(u"rotate.activating"_s),
             qPrintable(whats.join(u", "_s)));

    net.setLoss(0);
    // New-epoch traffic verifies both ways, for every node.
    QCOMPARE(talkFailures(d, range(1, 19)), QString());
    // Frames under the old key: refused by the gateway ...
    for (const quint8 n : {1, 7, 19}) {
        QCOMPARE(impersonateNode(d, n, kOldKey), u"bad-signature"_s);
        QCOMPARE(impersonateNode(d, n, newKey), u"verified"_s); // the same path, the right key
    }
    // ... and by the nodes, from a 'gateway' that signs with it.
    for (const quint8 n : {2, 11, 18}) {
        QVERIFY2(!forgedGatewayAccepted(d, n, kOldKey), qPrintable(QString::number(n)));
        QVERIFY2(forgedGatewayAccepted(d, n, newKey), qPrintable(QString::number(n)));
    }
}

void tst_Rotation::restartAtEveryStep_data()
{
    QTest::addColumn<int>("step");
    QTest::addColumn<bool>("midway"); // some nodes done, some not, when it dies
    QTest::newRow("assessed") << int(RotationStep::Assessed) << false;
    QTest::newRow("generated") << int(RotationStep::Generated) << false;
    QTest::newRow("delivering") << int(RotationStep::Delivering) << false;
    QTest::newRow("delivering, midway") << int(RotationStep::Delivering) << true;
    QTest::newRow("activating") << int(RotationStep::Activating) << false;
    QTest::newRow("activating, midway") << int(RotationStep::Activating) << true;
    QTest::newRow("retiring") << int(RotationStep::Retiring) << false;
    QTest::newRow("completed") << int(RotationStep::Completed) << false;
}

void tst_Rotation::restartAtEveryStep()
{
    QFETCH(int, step);
    QFETCH(bool, midway);
    const auto target = RotationStep(step);
    QTemporaryDir dir;
    SimNetwork net(specs(5), kOldKey, kPolicy, 20 + quint64(step) * 2 + midway);
    auto d = std::make_unique<RotationDaemon>(net, dir.path(), true);
    QVERIFY(joinAll(*d));
    net.setLoss(0.10);
    std::optional<RotationStep> reached;
    QObject::connect(d->rotation.get(), &KeyRotation::stepChanged,
                     [&](RotationStep s) { reached = s; });
    QVERIFY(d->rotation->start(planFor(range(1, 5))));
    auto count = [&](NodeRotationState state) {
        int n = 0;
        const std::optional<RotationReport> status = d->rotation->status();
        for (const NodeRotationStatus &s : status->nodes)
            n += s.state == state;
        return n;
    };
    // Run to the moment just after the step was stored (and before the next poll acts on it).
    QVERIFY2(d->runUntil(200000,
                         [&] {
                             if (reached != target)
                                 return false;
                             if (!midway)
                                 return true;
                             if (target == RotationStep::Delivering)
                                 return count(NodeRotationState::Delivered) >= 1
                                        && count(NodeRotationState::Delivering) >= 1;
                             return count(NodeRotationState::Activated) >= 1
                                    && count(NodeRotationState::Activating) >= 1;
                         }),
             qPrintable(dump(*d)));
    const RotationReport before = *d->rotation->status();
    qInfo().noquote() << u"daemon dies at: "_s + before.text();
    d.reset(); // the daemon dies; the nodes run on
    net.run(300);

    d = std::make_unique<RotationDaemon>(net, dir.path(), false);
    const Result<bool> resumed = d->rotation->resume();
    QVERIFY2(resumed, resumed ? "" : qPrintable(resumed.error().message()));
    QCOMPARE(*resumed, target != RotationStep::Completed);
    if (*resumed) {
        QCOMPARE(d->rotation->status()->step, target);
        QVERIFY2(d->runUntil(200000, [&] { return d->finished(); }), qPrintable(dump(*d)));
        QCOMPARE(d->rotation->status()->activated, 5);
    }
    QCOMPARE(storedNetworkKeyState(*d->store, 2), u"active"_s);
    QCOMPARE(storedNetworkKeyState(*d->store, 1), u"retired"_s);
    // The key generated before the restart is the one in use: it was never generated twice.
    QVERIFY(target == RotationStep::Assessed
            || secretOf(storedNetworkKey(*d->store, 2)).fingerprint() == before.keyFingerprint);
    net.setLoss(0);
    for (const quint8 n : range(1, 5))
        QCOMPARE(net.stored(n).activeEpoch, quint16(2));
    QCOMPARE(talkFailures(*d, range(1, 5)), QString());
}

void tst_Rotation::stockNodeManualStep()
{
    QTemporaryDir dir;
    SimNetwork net(specs(4, {4}), kOldKey, kPolicy, 31);
    RotationDaemon d(net, dir.path(), true, {4});
    QVERIFY(joinAll(d));
    // Node 4 is listed as over the air, but has no management key: it becomes a USB step.
    const auto id = d.rotation->start(planFor(range(1, 4)));
    QVERIFY(id);
    QCOMPARE(d.rotation->status()->nodes.at(3).channel, RotationChannel::Usb);
    QVERIFY(d.runUntil(100000, [&] {
        const auto s = d.rotation->status();
        return s->step == RotationStep::Activating && s->activated == 3;
    }));
    // It waits for the manual step, however long it takes ...
    d.run(20000);
    QCOMPARE(d.rotation->status()->step, RotationStep::Activating);
    QCOMPARE(d.rotation->status()->nodes.at(3).state, NodeRotationState::AwaitingUsb);
    // ... and meanwhile every node talks: the others under the new key, node 4 under the old.
    QCOMPARE(talkFailures(d, range(1, 4)), QString());
    QCOMPARE(net.stored(4).activeEpoch, quint16(1));

    // The user re-personalizes node 4 over USB with the new key, and says so.
    net.usbRekey(4, storedNetworkKey(*d.store, 2), 2);
    QSignalSpy changed(d.rotation.get(), &KeyRotation::nodeChanged);
    QVERIFY(d.rotation->markUsbDone(4, u"console:alice"_s));
    QCOMPARE(changed.count(), 1);
    QVERIFY(!d.rotation->markUsbDone(4, u"console:alice"_s)); // once
    QVERIFY(d.runUntil(10000, [&] { return d.finished(); }));
    QCOMPARE(talkFailures(d, range(1, 4)), QString());
    const auto audit = d.inventory->auditLog();
    QVERIFY(audit);
    bool found = false;
    for (const AuditEntry &e : *audit)
        found |= e.what == u"rotate.usb-done"_s && e.node == 4 && e.why.contains(u"alice"_s);
    QVERIFY(found);
}

void tst_Rotation::sleepingNodeGetsItsStepWhenItWakes()
{
    QTemporaryDir dir;
    SimNetwork net(specs(4), kOldKey, kPolicy, 41);
    RotationDaemon d(net, dir.path(), true);
    QVERIFY(joinAll(d));
    net.node(3).radio->setEnabled(false); // asleep
    QVERIFY(d.rotation->start(planFor(range(1, 4))));
    QVERIFY(d.runUntil(100000, [&] {
        const auto s = d.rotation->status();
        int delivered = 0;
        for (const NodeRotationStatus &n : s->nodes)
            delivered += n.state == NodeRotationState::Delivered;
        const auto job = d.runner->job(s->nodes.at(2).deliveryJob);
        return delivered == 3 && job && job->waitingForNode;
    }));
    // Nobody switches while one node lacks the key: the network stays whole.
    d.run(10000);
    QCOMPARE(d.rotation->status()->step, RotationStep::Delivering);
    QCOMPARE(net.stored(1).activeEpoch, quint16(1));
    QCOMPARE(net.stored(1).pendingEpoch, quint16(2));
    QCOMPARE(talkFailures(d, {1, 2, 4}), QString());

    // It wakes and is heard: its delivery goes at once, and then the activation of all.
    net.node(3).radio->setEnabled(true);
    const quint32 woke = net.millis();
    net.node(3).node->sendHeartbeat();
    QVERIFY2(d.runUntil(100000, [&] { return d.finished(); }), qPrintable(dump(d)));
    qInfo() << "completed" << (net.millis() - woke) << "ms (simulated) after node 3 woke";
    QCOMPARE(d.rotation->status()->activated, 4);
    QCOMPARE(talkFailures(d, range(1, 4)), QString());
}

void tst_Rotation::refusals()
{
    QTemporaryDir dir;
    SimNetwork net(specs(2), kOldKey, kPolicy, 51);
    RotationDaemon d(net, dir.path(), true);
    QVERIFY(joinAll(d));
    RotationPlanInput wrongEpoch = planFor({1, 2});
    wrongEpoch.oldEpoch = 3;
    const auto noKey = d.rotation->start(wrongEpoch);
    QVERIFY(!noKey);
    QVERIFY2(noKey.error().message().contains(u"no key of epoch 3"_s),
             qPrintable(noKey.error().message()));
    QVERIFY(!d.rotation->markUsbDone(1, u"x"_s)); // nothing running
    QVERIFY(d.rotation->start(planFor({1, 2})));
    const auto twice = d.rotation->start(planFor({1, 2}));
    QVERIFY(!twice);
    QVERIFY(twice.error().message().contains(u"not finished"_s));
    QVERIFY(!d.rotation->markUsbDone(1, u"x"_s)); // not a USB node
    // Cancelled before anyone switched: the gateway and the nodes stay on epoch 1.
    QVERIFY(d.runUntil(60000,
                       [&] { return d.rotation->status()->step == RotationStep::Delivering; }));
    QVERIFY(d.rotation->cancel(u"test"_s, u"changed my mind"_s));
    QVERIFY(!d.rotation->isRunning());
    d.run(5000);
    QCOMPARE(net.stored(1).activeEpoch, quint16(1));
    QCOMPARE(talkFailures(d, {1, 2}), QString());
    QCOMPARE(storedNetworkKeyState(*d.store, 1), u"active"_s);
    // A new rotation may start and reuses the pending key of the cancelled one.
    const QByteArray pending = storedNetworkKey(*d.store, 2);
    QVERIFY(d.rotation->start(planFor({1, 2})));
    QVERIFY2(d.runUntil(100000, [&] { return d.finished(); }), qPrintable(dump(d)));
    QCOMPARE(storedNetworkKey(*d.store, 2), pending);
    QCOMPARE(talkFailures(d, {1, 2}), QString());
}

void tst_Rotation::killedMidRotation()
{
    // A real process runs the rotation (nodes' EEPROMs, inventory and key store in files) and
    // is killed with SIGKILL while nodes are being activated; this process then starts over
    // the same files, as the daemon and the site would after a power cut.
    QTemporaryDir dir;
    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(QStringLiteral(ROTATIONCRASHER_PATH), {dir.path()});
    QVERIFY(child.waitForStarted());
    QStringList seen;
    int activated = 0;
    while (activated < 2) {
        if (!child.canReadLine() && !child.waitForReadyRead(20000))
            break;
        while (child.canReadLine()) {
            const QString line = QString::fromUtf8(child.readLine()).trimmed();
            seen << line;
            if (line.startsWith(u"NODE "_s) && line.endsWith(u" activated"_s))
                ++activated;
        }
    }
    child.kill(); // SIGKILL
    QVERIFY(child.waitForFinished(10000));
    QVERIFY2(activated >= 2, qPrintable(seen.join(u" | "_s)));
    QCOMPARE(child.exitStatus(), QProcess::CrashExit);
    QVERIFY2(!seen.contains(u"DONE"_s), "the child finished before it was killed");
    qInfo().noquote() << u"killed after: "_s
                                 + seen.mid(std::max<qsizetype>(0, seen.size() - 4)).join(u" | "_s);

    SimNetwork net(specs(8, {}, dir.path()), kOldKey, kPolicy, 61, false);
    RotationDaemon d(net, dir.path(), false);
    // The daemon resumes the rotation as it starts, before the nodes are heard again.
    const Result<bool> resumed = d.rotation->resume();
    QVERIFY2(resumed && *resumed,
             resumed ? "nothing to resume" : qPrintable(resumed.error().message()));
    const RotationStep at = d.rotation->status()->step;
    QVERIFY2(at == RotationStep::Activating || at == RotationStep::Retiring, rotationStepName(at));
    QVERIFY(joinAll(d));
    net.setLoss(0.10);
    QVERIFY2(d.runUntil(400000, [&] { return d.finished(); }), qPrintable(dump(d)));
    QCOMPARE(d.rotation->status()->activated, 8);
    const QByteArray newKey = storedNetworkKey(*d.store, 2);
    QCOMPARE(storedNetworkKeyState(*d.store, 1), u"retired"_s);
    for (const quint8 n : range(1, 8)) {
        QCOMPARE(net.stored(n).activeEpoch, quint16(2));
        QCOMPARE(QByteArray(reinterpret_cast<const char *>(net.stored(n).key(Fw::KeySlot::Network)),
                            32),
                 newKey);
    }
    net.setLoss(0);
    QCOMPARE(talkFailures(d, range(1, 8)), QString());
    QCOMPARE(impersonateNode(d, 3, kOldKey), u"bad-signature"_s);
    QVERIFY(!forgedGatewayAccepted(d, 4, kOldKey));
}

QTEST_GUILESS_MAIN(tst_Rotation)
#include "tst_rotation.moc"
