// The engine against nodes built on core/protocol, over a loopback link: every verdict of the
// host-gateway pipeline, signing towards nodes, node lock, revocation, id assignment, and the
// classic mode's controller duties.
#include "loopbacklink.h"
#include "testnode.h"

#include <warden/engine.h>
#include <warden/inventory.h>
#include <warden/protocol/signing.h>

#include <QtCore/QTemporaryDir>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace Warden;
using namespace Warden::Protocol;
using Warden::Test::bytesOf;
using Warden::Test::decoded;
using Warden::Test::keyOf;
using Warden::Test::LoopbackLink;
using Warden::Test::TestNode;

class tst_Engine : public QObject
{
    Q_OBJECT

private:
    struct Rig
    {
        explicit Rig(EngineOptions options = {})
            : link(LinkFraming::RadioFrames)
            , engine(options)
            , spy(&engine, &Engine::traffic)
        {
            engine.setClock([this] { return now; });
            if (!engine.addLink(&link))
                qFatal("addLink");
            link.open();
        }
        /// The verdict of the last incoming frame.
        FrameVerdict lastIncoming()
        {
            for (qsizetype i = spy.size() - 1; i >= 0; --i) {
                const auto r = spy.at(i).at(0).value<TrafficRecord>();
                if (!r.outgoing)
                    return r.verdict;
            }
            return FrameVerdict::Outgoing;
        }
        TrafficRecord lastIncomingRecord()
        {
            for (qsizetype i = spy.size() - 1; i >= 0; --i) {
                const auto r = spy.at(i).at(0).value<TrafficRecord>();
                if (!r.outgoing)
                    return r;
            }
            return {};
        }
        LoopbackLink link;
        Engine engine;
        QSignalSpy spy;
        quint32 now = 1000;
    };

private Q_SLOTS:
    void verifiedFrameReachesTheController()
    {
        Rig rig;
        QVERIFY(rig.engine.setNetworkKey(1, keyOf(1)));
        TestNode node(5, keyOf(1));
        QSignalSpy controller(&rig.engine, &Engine::controllerMessage);
        rig.link.inject(bytesOf(node.signedFrame(rig.link, node.temperature(21.5f))));
        QCOMPARE(rig.lastIncoming(), FrameVerdict::Verified);
        QCOMPARE(controller.size(), 1);
        const auto m = controller.at(0).at(0).value<Message>();
        QVERIFY(!m.isSigned()); // the controller sees only the payload
        QCOMPARE(m.sender(), uint8_t(5));
        QCOMPARE(rig.engine.statistics().noncesIssued, quint64(1));
    }

    void rejectedFrames_data()
    {
        QTest::addColumn<QString>("attack");
        QTest::addColumn<int>("verdict");
        QTest::newRow("forged (wrong key)") << "forged" << int(FrameVerdict::BadSignature);
        QTest::newRow("tampered payload") << "tampered" << int(FrameVerdict::BadSignature);
        QTest::newRow("replayed") << "replayed" << int(FrameVerdict::NoNonce);
        QTest::newRow("expired") << "expired" << int(FrameVerdict::ExpiredNonce);
        QTest::newRow("unsigned") << "unsigned" << int(FrameVerdict::NotSigned);
        QTest::newRow("revoked") << "revoked" << int(FrameVerdict::RevokedSender);
        QTest::newRow("malformed") << "malformed" << int(FrameVerdict::Malformed);
    }

    void rejectedFrames()
    {
        QFETCH(QString, attack);
        QFETCH(int, verdict);
        Rig rig;
        QVERIFY(rig.engine.setNetworkKey(1, keyOf(1)));
        TestNode node(5, keyOf(1));
        TestNode thief(5, keyOf(99));
        QSignalSpy controller(&rig.engine, &Engine::controllerMessage);
        if (attack == u"forged") {
            rig.link.inject(bytesOf(thief.signedFrame(rig.link, thief.temperature(1.0f))));
        } else if (attack == u"tampered") {
            Message m = node.signedFrame(rig.link, node.temperature(21.5f));
            m.mutableData()[kHeaderSize] ^= 0x01;
            rig.link.inject(bytesOf(m));
        } else if (attack == u"replayed") {
            const Message m = node.signedFrame(rig.link, node.temperature(21.5f));
            rig.link.inject(bytesOf(m));
            QCOMPARE(rig.lastIncoming(), FrameVerdict::Verified);
            QCOMPARE(controller.size(), 1);
            controller.clear();
            rig.link.inject(bytesOf(m));
        } else if (attack == u"expired") {
            const Message m = node.signedFrame(rig.link, node.temperature(21.5f));
            rig.now += kVerificationTimeoutMs + 1;
            rig.link.inject(bytesOf(m));
        } else if (attack == u"unsigned") {
            rig.link.inject(bytesOf(node.temperature(21.5f)));
        } else if (attack == u"revoked") {
            const Message m = node.signedFrame(rig.link, node.temperature(21.5f));
            rig.engine.revoke(5, QStringLiteral("stolen"));
            rig.link.inject(bytesOf(m));
            QVERIFY(rig.engine.isRevoked(5));
        } else if (attack == u"malformed") {
            rig.link.inject(QByteArray::fromHex("0505001a"));
            QVERIFY(!rig.lastIncomingRecord().detail.isEmpty());
            QCOMPARE(rig.lastIncomingRecord().raw, QByteArray::fromHex("0505001a"));
        }
        QCOMPARE(int(rig.lastIncoming()), verdict);
        QCOMPARE(controller.size(), 0);
        QVERIFY(!isAccepted(FrameVerdict(verdict)));
    }

    void unsignedSenderIsRemindedOfTheRequirement()
    {
        Rig rig;
        QVERIFY(rig.engine.setNetworkKey(1, keyOf(1)));
        TestNode node(5, keyOf(1));
        auto presentationsTo5 = [&rig] {
            int n = 0;
            for (const QByteArray &frame : rig.link.takeWritten()) {
                SigningPreferences prefs {};
                const Message m = decoded(frame);
                if (m.destination() == 5 && parseSigningPresentation(m, prefs)
                    && prefs.requiresSignatures)
                    ++n;
            }
            return n;
        };
        rig.link.takeWritten();
        rig.link.inject(bytesOf(node.temperature(1.0f)));
        QCOMPARE(rig.lastIncoming(), FrameVerdict::NotSigned);
        QCOMPARE(presentationsTo5(), 1);
        // At most one reminder per 10 s per node.
        rig.link.inject(bytesOf(node.temperature(1.0f)));
        QCOMPARE(presentationsTo5(), 0);
        rig.now += 10001;
        rig.link.inject(bytesOf(node.temperature(1.0f)));
        QCOMPARE(presentationsTo5(), 1);
        QVERIFY(!rig.engine.isLocked(5)); // unsigned frames do not count as failures
    }

    void whitelisting()
    {
        EngineOptions options;
        options.requireWhitelisting = true;
        Rig rig(options);
        QVERIFY(rig.engine.setNetworkKey(1, keyOf(1)));
        TestNode node(7, keyOf(1));
        // No serial on file: not whitelisted.
        rig.link.inject(bytesOf(node.signedFrame(rig.link, node.temperature(3.0f), true)));
        QCOMPARE(rig.lastIncoming(), FrameVerdict::NotWhitelisted);
        QVERIFY(rig.engine.setNodeSerial(7, QByteArrayView(node.serial, 9)));
        rig.link.inject(bytesOf(node.signedFrame(rig.link, node.temperature(3.0f), true)));
        QCOMPARE(rig.lastIncoming(), FrameVerdict::Verified);
        // A copy of the key without the serial (another node's salt) fails.
        TestNode other(7, keyOf(1));
        other.serial[0] ^= 0xFF;
        rig.link.inject(bytesOf(other.signedFrame(rig.link, other.temperature(3.0f), true)));
        QCOMPARE(rig.lastIncoming(), FrameVerdict::BadSignature);
        QVERIFY(!QTest::currentTestFailed());
    }

    void perNodeKeysIsolateAStolenNode()
    {
        Rig rig;
        QVERIFY(rig.engine.setNodeKey(5, keyOf(50)));
        QVERIFY(rig.engine.setNodeKey(6, keyOf(60)));
        TestNode five(5, keyOf(50));
        TestNode six(6, keyOf(60));
        // Node 5's key, node 6's id: a thief with node 5's key cannot speak for node 6.
        TestNode impostor(6, keyOf(50));
        rig.link.inject(bytesOf(five.signedFrame(rig.link, five.temperature(1.0f))));
        QCOMPARE(rig.lastIncoming(), FrameVerdict::Verified);
        rig.link.inject(bytesOf(impostor.signedFrame(rig.link, impostor.temperature(1.0f))));
        QCOMPARE(rig.lastIncoming(), FrameVerdict::BadSignature);
        rig.engine.revoke(5, QStringLiteral("stolen"));
        rig.link.inject(bytesOf(six.signedFrame(rig.link, six.temperature(1.0f))));
        QCOMPARE(rig.lastIncoming(), FrameVerdict::Verified);
    }

    void epochs()
    {
        Rig rig;
        QVERIFY(rig.engine.setNetworkKey(1, keyOf(1)));
        QVERIFY(rig.engine.setNetworkKey(2, keyOf(2)));
        QCOMPARE(rig.engine.activeEpoch(), std::optional<quint32>(1));
        TestNode oldKey(5, keyOf(1));
        TestNode newKey(5, keyOf(2));
        rig.link.inject(bytesOf(newKey.signedFrame(rig.link, newKey.temperature(1.0f))));
        QCOMPARE(rig.lastIncoming(), FrameVerdict::BadSignature);
        rig.engine.setNodeEpoch(5, 2); // node 5 acknowledged the new key
        rig.link.inject(bytesOf(newKey.signedFrame(rig.link, newKey.temperature(1.0f))));
        QCOMPARE(rig.lastIncoming(), FrameVerdict::Verified);
        rig.link.inject(bytesOf(oldKey.signedFrame(rig.link, oldKey.temperature(1.0f))));
        QCOMPARE(rig.lastIncoming(), FrameVerdict::BadSignature);
        QVERIFY(!rig.engine.activateEpoch(9));
    }

    void nodeLockAfterRepeatedFailures()
    {
        Rig rig;
        QVERIFY(rig.engine.setNetworkKey(1, keyOf(1)));
        TestNode thief(5, keyOf(99));
        TestNode node(5, keyOf(1));
        QSignalSpy alerts(&rig.engine, &Engine::alert);
        for (int i = 0; i < 5; ++i)
            rig.link.inject(bytesOf(thief.signedFrame(rig.link, thief.temperature(1.0f))));
        QCOMPARE(alerts.size(), 1);
        const auto alert = alerts.at(0).at(0).value<SecurityAlert>();
        QCOMPARE(alert.kind, SecurityAlert::Kind::RepeatedFailures);
        QCOMPARE(alert.node, quint8(5));
        QVERIFY(rig.engine.isLocked(5));
        // Even the right key is refused while locked, and no nonce is handed out.
        uint8_t nonce[kNonceSize];
        QVERIFY(!node.fetchNonce(rig.link, nonce));
        QCOMPARE(rig.lastIncoming(), FrameVerdict::NodeLocked);
        rig.engine.unlockNode(5);
        rig.link.inject(bytesOf(node.signedFrame(rig.link, node.temperature(1.0f))));
        QCOMPARE(rig.lastIncoming(), FrameVerdict::Verified);
    }

    void repeatedNonceRequestGetsTheOutstandingNonce()
    {
        Rig rig;
        QVERIFY(rig.engine.setNetworkKey(1, keyOf(1)));
        TestNode node(5, keyOf(1));
        uint8_t first[kNonceSize];
        uint8_t second[kNonceSize];
        QVERIFY(node.fetchNonce(rig.link, first));
        rig.now += 1000;
        QVERIFY(node.fetchNonce(rig.link, second)); // a retry or a radio duplicate
        QVERIFY(std::equal(first, first + kNonceSize, second));
        // Signed with the first response (the one that reached the node first): verified.
        Message m = node.temperature(20.0f);
        QCOMPARE(node.signer.sign(m, first, nullptr), SignResult::Ok);
        rig.link.inject(bytesOf(m));
        QCOMPARE(rig.lastIncoming(), FrameVerdict::Verified);
        // Consumed: the next request gets a new nonce, and the window is not extended by
        // repeats: a request 4 s later and another 2 s later expire with the first one.
        QVERIFY(node.fetchNonce(rig.link, second));
        QVERIFY(!std::equal(first, first + kNonceSize, second));
        rig.now += 4000;
        QVERIFY(node.fetchNonce(rig.link, first));
        QVERIFY(std::equal(first, first + kNonceSize, second));
        rig.now += 2000;
        QVERIFY(node.fetchNonce(rig.link, first));
        QVERIFY(!std::equal(first, first + kNonceSize, second));
        QCOMPARE(rig.engine.statistics().noncesIssued, quint64(3));
    }

    void successResetsTheFailureCount()
    {
        Rig rig;
        QVERIFY(rig.engine.setNetworkKey(1, keyOf(1)));
        TestNode thief(5, keyOf(99));
        TestNode node(5, keyOf(1));
        for (int round = 0; round < 3; ++round) {
            for (int i = 0; i < 4; ++i)
                rig.link.inject(bytesOf(thief.signedFrame(rig.link, thief.temperature(1.0f))));
            rig.link.inject(bytesOf(node.signedFrame(rig.link, node.temperature(1.0f))));
            QCOMPARE(rig.lastIncoming(), FrameVerdict::Verified);
        }
        QVERIFY(!rig.engine.isLocked(5));
    }

    void unsignedAllowedWithoutRequirement()
    {
        EngineOptions options;
        options.requireSignatures = false;
        Rig rig(options);
        TestNode node(5, keyOf(1));
        rig.link.inject(bytesOf(node.temperature(4.0f)));
        QCOMPARE(rig.lastIncoming(), FrameVerdict::UnsignedAllowed);
        // A node that announces it requires signatures is then verified (weak-security rule).
        Message presentation;
        makeSigningPresentation(presentation, 5, 0, {true, false});
        rig.link.inject(bytesOf(presentation));
        rig.link.inject(bytesOf(node.temperature(4.0f)));
        QCOMPARE(rig.lastIncoming(), FrameVerdict::NotSigned);
    }

    void signsTowardsNodesThatRequireIt()
    {
        Rig rig;
        QVERIFY(rig.engine.setNetworkKey(1, keyOf(1)));
        TestNode node(5, keyOf(1));
        Message presentation;
        makeSigningPresentation(presentation, 5, 0, {true, false});
        rig.link.takeWritten();
        rig.link.inject(bytesOf(presentation));
        // The gateway answers with its own presentation: signatures required.
        const QByteArrayList answer = rig.link.takeWritten();
        QCOMPARE(answer.size(), 1);
        SigningPreferences prefs {};
        QVERIFY(parseSigningPresentation(decoded(answer.at(0)), prefs));
        QVERIFY(prefs.requiresSignatures);

        QSignalSpy done(&rig.engine, &Engine::sendDone);
        Message command;
        command.setHeader(0, 5, Command::Set, uint8_t(Value::Status), 3);
        command.setByte(1);
        const auto id = rig.engine.send(command);
        QVERIFY(id);
        // The engine asks the node for a nonce first.
        QByteArrayList out = rig.link.takeWritten();
        QCOMPARE(out.size(), 1);
        const Message request = decoded(out.at(0));
        QCOMPARE(request.type(), uint8_t(Protocol::Internal::NonceRequest));
        QCOMPARE(request.destination(), uint8_t(5));
        // The node answers with a nonce from its slot and verifies what comes back.
        NonceSlot slot;
        uint8_t random[kNoncePayloadSize];
        for (size_t i = 0; i < sizeof random; ++i)
            random[i] = uint8_t(i * 7);
        slot.issue(random, 0);
        Message response;
        response.setHeader(5, 0, Command::Internal, uint8_t(Protocol::Internal::NonceResponse),
                           255);
        response.setPayload(PayloadType::Custom, slot.payload(), kNoncePayloadSize);
        rig.link.inject(bytesOf(response));
        out = rig.link.takeWritten();
        QCOMPARE(out.size(), 1);
        const Message signedCommand = decoded(out.at(0));
        QVERIFY(signedCommand.isSigned());
        QCOMPARE(verifyReceived(node.signer, signedCommand, slot, 100, nullptr), Verdict::Verified);
        QCOMPARE(done.size(), 1);
        QCOMPARE(done.at(0).at(0).toULongLong(), *id);
    }

    void signingTimesOut()
    {
        Rig rig;
        QVERIFY(rig.engine.setNetworkKey(1, keyOf(1)));
        Message presentation;
        makeSigningPresentation(presentation, 5, 0, {true, false});
        rig.link.inject(bytesOf(presentation));
        QSignalSpy failed(&rig.engine, &Engine::sendFailed);
        Message command;
        command.setHeader(0, 5, Command::Set, uint8_t(Value::Status), 3);
        command.setByte(1);
        QVERIFY(rig.engine.send(command));
        rig.now += kVerificationTimeoutMs + 10;
        QVERIFY(failed.wait(2000));
        QCOMPARE(failed.size(), 1);
        QVERIFY(failed.at(0).at(1).value<Error>().message().contains(u"nonce"));
        QCOMPARE(rig.engine.statistics().signingTimeouts, quint64(1));
    }

    void assignsIdsNeverReusingQuarantined()
    {
        Rig rig;
        rig.engine.setUsedNodeIds({1, 2});
        rig.engine.revoke(3, QStringLiteral("stolen"));
        QSignalSpy assigned(&rig.engine, &Engine::nodeIdAssigned);
        Message request;
        request.setHeader(255, 0, Command::Internal, uint8_t(Protocol::Internal::IdRequest), 42);
        request.setString("", 0);
        rig.link.takeWritten();
        rig.link.inject(bytesOf(request));
        QCOMPARE(assigned.size(), 1);
        QCOMPARE(assigned.at(0).at(0).value<quint8>(), quint8(4));
        const QByteArrayList out = rig.link.takeWritten();
        QCOMPARE(out.size(), 1);
        const Message response = decoded(out.at(0));
        QCOMPARE(response.type(), uint8_t(Protocol::Internal::IdResponse));
        QCOMPARE(response.destination(), uint8_t(255));
        QCOMPARE(response.sensor(), uint8_t(42)); // the node's token
        QCOMPARE(QByteArray(reinterpret_cast<const char *>(response.payload()),
                            response.payloadLength()),
                 QByteArray("4"));
    }

    void classicModeAnswersTheGatewaysNodes()
    {
        EngineOptions options;
        options.mode = GatewayMode::Classic;
        LoopbackLink link(LinkFraming::ControllerLines);
        Engine engine(options);
        QVERIFY(engine.addLink(&link));
        link.open();
        QSignalSpy traffic(&engine, &Engine::traffic);
        QSignalSpy controller(&engine, &Engine::controllerMessage);
        link.inject("255;7;3;0;3;");
        QCOMPARE(link.takeWritten(), QByteArrayList {"255;7;3;0;4;1"});
        link.inject("1;255;3;0;6;0");
        QCOMPARE(link.takeWritten(), QByteArrayList {"1;255;3;0;6;M"});
        link.inject("1;1;1;0;0;21.5");
        QCOMPARE(controller.last().at(0).value<Message>().sender(), uint8_t(1));
        link.inject("1;1;1;0;0");
        link.inject("garbage;;");
        QCOMPARE(traffic.last().at(0).value<TrafficRecord>().verdict, FrameVerdict::Malformed);
        engine.revoke(1, QStringLiteral("stolen"));
        link.inject("1;1;1;0;0;22.0");
        QCOMPARE(traffic.last().at(0).value<TrafficRecord>().verdict, FrameVerdict::RevokedSender);
    }

    void answersConfigWithTheUnitSystem_data()
    {
        QTest::addColumn<bool>("classic");
        QTest::addColumn<bool>("metric");
        QTest::newRow("classic, metric") << true << true;
        QTest::newRow("classic, imperial") << true << false;
        QTest::newRow("host gateway, metric") << false << true;
        QTest::newRow("host gateway, imperial") << false << false;
    }

    void answersConfigWithTheUnitSystem()
    {
        QFETCH(bool, classic);
        QFETCH(bool, metric);
        EngineOptions options;
        options.mode = classic ? GatewayMode::Classic : GatewayMode::HostGateway;
        options.requireSignatures = false; // I_CONFIG is not signed by the node here
        Engine engine(options);
        LoopbackLink link(classic ? LinkFraming::ControllerLines : LinkFraming::RadioFrames);
        QVERIFY(engine.addLink(&link));
        link.open();
        // The reply's payload to node 1's I_CONFIG (payload: its parent, 0).
        auto ask = [&]() -> QByteArray {
            link.takeWritten();
            if (classic) {
                link.inject("1;255;3;0;6;0");
                const QByteArrayList written = link.takeWritten();
                return written.size() == 1 && written.at(0).startsWith("1;255;3;0;6;")
                               ? written.at(0).mid(12)
                               : QByteArray("?");
            }
            Message request;
            request.setHeader(1, 0, Command::Internal, uint8_t(Protocol::Internal::Config), 255);
            request.setString("0", 0);
            link.inject(bytesOf(request));
            for (const QByteArray &frame : link.takeWritten()) {
                const Message m = decoded(frame);
                if (m.destination() == 1 && m.command() == Command::Internal
                    && m.type() == uint8_t(Protocol::Internal::Config))
                    return QByteArray(reinterpret_cast<const char *>(m.payload()),
                                      qsizetype(m.payloadLength()));
            }
            return "?";
        };
        engine.setMetric(metric);
        QCOMPARE(engine.options().metric, metric);
        QCOMPARE(ask(), QByteArray(metric ? "M" : "I"));
        // A change applies from the next request on.
        engine.setMetric(!metric);
        QCOMPARE(ask(), QByteArray(metric ? "I" : "M"));
    }

    void sendFailsWhenNoLinkTakesTheUnit_data()
    {
        QTest::addColumn<bool>("classic");
        QTest::newRow("classic") << true;
        QTest::newRow("host gateway, unsigned") << false;
    }

    void sendFailsWhenNoLinkTakesTheUnit()
    {
        QFETCH(bool, classic);
        EngineOptions options;
        options.mode = classic ? GatewayMode::Classic : GatewayMode::HostGateway;
        options.requireSignatures = false;
        Engine engine(options);
        QSignalSpy done(&engine, &Engine::sendDone);
        QSignalSpy failed(&engine, &Engine::sendFailed);
        Message command;
        command.setHeader(0, 5, Command::Set, uint8_t(Protocol::Value::Status), 1);
        command.setString("1", 1);
        // No link at all.
        const auto orphan = engine.send(command);
        QVERIFY(orphan);
        QTRY_COMPARE(failed.size(), 1);
        QCOMPARE(failed.at(0).at(0).value<quint64>(), *orphan);
        QVERIFY(done.isEmpty());

        // A link that takes nothing (the gateway does not read) and queues two units at most.
        LoopbackLink link(classic ? LinkFraming::ControllerLines : LinkFraming::RadioFrames);
        link.setQueueLimit(2);
        QVERIFY(engine.addLink(&link));
        link.open();
        link.setAccepting(false);
        QList<quint64> ids;
        for (int i = 0; i < 3; ++i) {
            const auto id = engine.send(command);
            QVERIFY(id);
            ids.append(*id);
        }
        QTRY_COMPARE(done.size() + failed.size(), 4);
        QCOMPARE(done.size(), 2);
        QCOMPARE(done.at(0).at(0).value<quint64>(), ids.at(0));
        QCOMPARE(done.at(1).at(0).value<quint64>(), ids.at(1));
        QCOMPARE(failed.size(), 2);
        QCOMPARE(failed.at(1).at(0).value<quint64>(), ids.at(2));
        QVERIFY(!failed.at(1).at(1).value<Warden::Error>().message().isEmpty());
        QCOMPARE(link.pendingCount(), qsizetype(2));
        // What was queued goes out once the gateway reads again.
        link.setAccepting(true);
        QCOMPARE(link.takeWritten().size(), 2);
    }

    void storesSignalReports()
    {
        // Classic mode: the controller asks node 3 for the RSSI of the acknowledgement side
        // ("R!"), the node answers with a number; the inventory keeps value and metric.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto inventory = Inventory::open(dir.filePath(QStringLiteral("inventory.db")));
        QVERIFY(inventory);
        EngineOptions options;
        options.mode = GatewayMode::Classic;
        Engine engine(options);
        engine.setInventory(inventory->get());
        LoopbackLink link(LinkFraming::ControllerLines);
        QVERIFY(engine.addLink(&link));
        link.open();
        QSignalSpy controller(&engine, &Engine::controllerMessage);
        Message request;
        request.setHeader(0, 3, Command::Internal, uint8_t(Protocol::Internal::SignalReportRequest),
                          255);
        request.setString("R!", 2);
        QVERIFY(engine.send(request));
        QCOMPARE(link.takeWritten(), QByteArrayList {"3;255;3;0;29;R!"});
        link.inject("3;255;3;0;31;-67");
        // The controller still sees the answer.
        QCOMPARE(controller.size(), 1);
        QVERIFY((*inventory)->flush());
        auto node = (*inventory)->node(3);
        QVERIFY(node && *node);
        QCOMPARE((*node)->signalReport, -67);
        QCOMPARE((*node)->signalMetric, QStringLiteral("r"));
        QVERIFY((*node)->signalReportMs > 0);
        // An answer to a request Warden did not send: the metric is unknown.
        link.inject("3;255;3;0;31;-80");
        QVERIFY((*inventory)->flush());
        node = (*inventory)->node(3);
        QCOMPARE((*node)->signalReport, -80);
        QCOMPARE((*node)->signalMetric, QStringLiteral("?"));
        // Not a number: nothing stored.
        link.inject("3;255;3;0;31;loud");
        QVERIFY((*inventory)->flush());
        QCOMPARE((*(*inventory)->node(3))->signalReport, -80);
    }

    void keepsTheInventory()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("inventory.db"));
        {
            auto inventory = Inventory::open(path);
            QVERIFY2(inventory, qPrintable(inventory ? QString() : inventory.error().message()));
            Rig rig;
            rig.engine.setInventory(inventory->get());
            QVERIFY(rig.engine.setNetworkKey(1, keyOf(1)));
            TestNode node(5, keyOf(1));
            TestNode thief(5, keyOf(99));
            rig.link.inject(bytesOf(node.signedFrame(rig.link, node.temperature(21.5f))));
            rig.link.inject(bytesOf(thief.signedFrame(rig.link, thief.temperature(99.0f))));
            // A new node gets its id from the inventory.
            Message request;
            request.setHeader(255, 0, Command::Internal, uint8_t(Protocol::Internal::IdRequest), 9);
            request.setString("", 0);
            QSignalSpy assigned(&rig.engine, &Engine::nodeIdAssigned);
            rig.link.inject(bytesOf(request));
            QCOMPARE(assigned.size(), 1);
            QVERIFY(assigned.at(0).at(0).value<quint8>() != 5);
            rig.engine.revoke(5, QStringLiteral("test:alice"), QStringLiteral("stolen"));
            QVERIFY((*inventory)->flush());
            const auto counts = (*inventory)->verdictCounts(5);
            QVERIFY(counts);
            QCOMPARE(counts->counts.value(QStringLiteral("verified")), quint64(1));
            QCOMPARE(counts->counts.value(QStringLiteral("bad-signature")), quint64(1));
            const auto children = (*inventory)->children(5);
            QVERIFY(children);
            QCOMPARE(children->size(), 1);
            QCOMPARE(children->at(0).values.size(), 1);
            QCOMPARE(children->at(0).values.at(0).value, QStringLiteral("21.50"));
        }
        // After a restart the revocation still holds.
        auto inventory = Inventory::open(path);
        QVERIFY(inventory);
        const auto revocations = (*inventory)->revocations();
        QVERIFY(revocations);
        QCOMPARE(revocations->size(), 1);
        QCOMPARE(revocations->at(0).who, QStringLiteral("test:alice"));
        Rig rig;
        rig.engine.setInventory(inventory->get());
        QVERIFY(rig.engine.isRevoked(5));
        QVERIFY(rig.engine.setNetworkKey(1, keyOf(1)));
        TestNode node(5, keyOf(1));
        rig.link.inject(bytesOf(node.temperature(1.0f)));
        QCOMPARE(rig.lastIncoming(), FrameVerdict::RevokedSender);
    }

    void relaysNodeToNodeFramesAsTheNextHop()
    {
        Rig rig;
        Message m;
        m.setHeader(5, 7, Command::Set, uint8_t(Value::Status), 1);
        m.setLast(5);
        m.setByte(1);
        rig.link.takeWritten();
        rig.link.inject(bytesOf(m));
        const QByteArrayList out = rig.link.takeWritten();
        QCOMPARE(out.size(), 1);
        const Message relayed = decoded(out.at(0));
        QCOMPARE(relayed.last(), uint8_t(0));
        QCOMPARE(relayed.sender(), uint8_t(5));
        QCOMPARE(relayed.destination(), uint8_t(7));
        // Everything after byte 0 travels unchanged.
        QCOMPARE(out.at(0).mid(1), bytesOf(m).mid(1));
    }

    void refusesALinkOfTheWrongFraming()
    {
        Engine engine(EngineOptions {});
        LoopbackLink lines(LinkFraming::ControllerLines);
        const auto r = engine.addLink(&lines);
        QVERIFY(!r);
        QVERIFY(r.error().message().contains(u"radio-frames"));
    }
};

QTEST_GUILESS_MAIN(tst_Engine)
#include "tst_engine.moc"
