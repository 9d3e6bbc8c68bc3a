// The engine as host gateway of real firmware: the simulated link (plugins/simulated, linked in
// through its static twin) runs host-build SecureNode instances on a simulated bus. Nodes join
// with ids the engine assigns, present, and send signed values the engine verifies; the engine
// signs towards a node through a real nonce round trip; then each attack gets its verdict:
// forged, replayed, expired, revoked, not whitelisted, node lock; a lossy, duplicating bus still
// delivers. The simulated clock is driven by the test (timeScale 0) and is the engine's clock,
// so no assertion depends on wall time. The plugin module itself loads through LinkRegistry.
#include "simulatedlink.h"

#include <warden/engine.h>
#include <warden/linkplugin.h>
#include <warden/protocol/message.h>

#include <QtCore/QtPlugin>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <algorithm>
#include <set>

Q_IMPORT_PLUGIN(SimulatedLinkFactory)

using namespace Warden;
using namespace Qt::StringLiterals;
using Protocol::Command;
using Protocol::Message;
using Warden::Internal::SimulatedLink;

namespace {

QByteArray bytesOf(const Message &m)
{
    return QByteArray(reinterpret_cast<const char *>(m.data()), qsizetype(m.size()));
}

bool decode(const QByteArray &frame, Message &m)
{
    return Message::decode(reinterpret_cast<const uint8_t *>(frame.constData()),
                           size_t(frame.size()), m)
           == Protocol::DecodeError::None;
}

QVariantMap baseSettings()
{
    return {{u"nodes"_s, 5},
            {u"seed"_s, 7},
            {u"timeScale"_s, 0}, // the test moves the clock
            {u"reportIntervalMs"_s, 4000}};
}

/// An engine in host-gateway mode with a simulated link, wired the way the console does it.
struct Harness
{
    explicit Harness(const QVariantMap &settings, EngineOptions options = {},
                     std::set<int> withoutSerial = {})
        : m_withoutSerial(std::move(withoutSerial))
    {
        LinkRegistry registry;
        registry.loadStaticPlugins();
        auto created = registry.create({u"simulated"_s, u"sim"_s, settings});
        if (!created)
            qFatal("simulated link not created: %s", qPrintable(created.error().message()));
        link.reset(qobject_cast<SimulatedLink *>(created->release()));
        if (!link)
            qFatal("the simulated factory made something else");
        options.mode = GatewayMode::HostGateway;
        engine = std::make_unique<Engine>(options);
        engine->setClock([l = link.get()] { return l->simulatedMillis(); });
        if (!link->perNodeKeys() && !engine->setNetworkKey(1, link->networkKey()))
            qFatal("network key refused");
        if (!engine->setGatewaySerial(link->gatewaySerial()))
            qFatal("gateway serial refused");
        QObject::connect(link.get(), &SimulatedLink::nodeJoined, engine.get(),
                         [this](int index, quint8 id) {
                             const auto info = link->node(index);
                             if (!info.linkKey.isEmpty())
                                 (void)engine->setNodeKey(id, info.linkKey);
                             if (!m_withoutSerial.count(index))
                                 (void)engine->setNodeSerial(id, info.serial);
                         });
        QObject::connect(engine.get(), &Engine::traffic, engine.get(),
                         [this](const TrafficRecord &r) { traffic.push_back(r); });
        QObject::connect(engine.get(), &Engine::controllerMessage, engine.get(),
                         [this](const Message &m) { controller.push_back(m); });
        QObject::connect(engine.get(), &Engine::alert, engine.get(),
                         [this](const SecurityAlert &a) { alerts.push_back(a); });
        QObject::connect(link.get(), &SimulatedLink::nodeReceived, engine.get(),
                         [this](quint8 id, const QByteArray &frame) {
                             received.push_back({id, frame});
                         });
        if (!engine->addLink(link.get()))
            qFatal("link not attached");
        link->open();
    }

    ~Harness()
    {
        engine.reset(); // before the link it listens to
    }

    bool joinAll(int count, quint32 limitMs = 60000)
    {
        return link->advanceUntil(limitMs, [&] { return link->readyCount() == count; });
    }

    /// Incoming records from @p sender with @p verdict (and @p command, if given) from @p from.
    int count(quint8 sender, FrameVerdict verdict, int command = -1, size_t from = 0) const
    {
        int n = 0;
        for (size_t i = from; i < traffic.size(); ++i) {
            const TrafficRecord &r = traffic[i];
            if (!r.outgoing && r.verdict == verdict && r.message.sender() == sender
                && (command < 0 || int(r.message.command()) == command))
                ++n;
        }
        return n;
    }

    int verifiedValues(quint8 sender, size_t from = 0) const
    {
        return count(sender, FrameVerdict::Verified, int(Command::Set), from);
    }

    /// Every joined node has sent @p n verified values since record @p from.
    bool everyoneReported(int n, size_t from = 0, quint8 except = 0) const
    {
        for (const quint8 id : link->nodeIds()) {
            if (id != except && verifiedValues(id, from) < n)
                return false;
        }
        return true;
    }

    quint64 verdictTotal(FrameVerdict verdict) const
    {
        return engine->statistics().verdicts[size_t(verdict)];
    }

    QString summary() const
    {
        QStringList parts;
        for (int v = 0; v < 12; ++v) {
            if (const quint64 n = verdictTotal(FrameVerdict(v)))
                parts << u"%1=%2"_s.arg(QString::fromLatin1(frameVerdictName(FrameVerdict(v))))
                                 .arg(n);
        }
        parts << u"ready=%1 t=%2ms"_s.arg(link->readyCount()).arg(link->simulatedMillis());
        return parts.join(u' ');
    }

    std::unique_ptr<SimulatedLink> link;
    std::unique_ptr<Engine> engine;
    std::vector<TrafficRecord> traffic;
    std::vector<Message> controller;
    std::vector<SecurityAlert> alerts;
    std::vector<std::pair<quint8, QByteArray>> received;
    std::set<int> m_withoutSerial;
};

/// A signed C_SET from @p sender to the gateway.
bool isSignedValueFrom(const QByteArray &frame, quint8 sender)
{
    Message m;
    return decode(frame, m) && m.sender() == sender && m.destination() == 0 && m.isSigned()
           && m.command() == Command::Set;
}

} // namespace

class tst_HostGateway : public QObject
{
    Q_OBJECT

private slots:
    void joinPresentAndSign_data();
    void joinPresentAndSign();
    void engineSignsToNode();
    void replayedFrameHasNoNonce();
    void heldFrameExpires();
    void forgerIsRejectedAndLocksTheNode();
    void revokedNodeIsCutOff();
    void notWhitelistedSender();
    void lossyDuplicatingBus_data();
    void lossyDuplicatingBus();
    void pluginModuleLoads();
    void badSettingsNameTheKey_data();
    void badSettingsNameTheKey();
    void linksAreIndependent();
};

void tst_HostGateway::joinPresentAndSign_data()
{
    QTest::addColumn<QString>("keyMode");
    QTest::addColumn<bool>("whitelisting");
    QTest::newRow("network key") << u"network"_s << false;
    QTest::newRow("network key, whitelisting") << u"network"_s << true;
    QTest::newRow("per-node keys") << u"per-node"_s << false;
    QTest::newRow("per-node keys, whitelisting") << u"per-node"_s << true;
}

void tst_HostGateway::joinPresentAndSign()
{
    QFETCH(QString, keyMode);
    QFETCH(bool, whitelisting);
    QVariantMap settings = baseSettings();
    settings[u"keyMode"_s] = keyMode;
    settings[u"whitelisting"_s] = whitelisting;
    EngineOptions options;
    options.requireWhitelisting = whitelisting;
    Harness h(settings, options);
    QSignalSpy assigned(h.engine.get(), &Engine::nodeIdAssigned);

    QVERIFY2(h.joinAll(5), qPrintable(h.summary()));
    QList<quint8> ids = h.link->nodeIds();
    std::sort(ids.begin(), ids.end());
    QCOMPARE(ids, (QList<quint8> {1, 2, 3, 4, 5}));
    QCOMPARE(assigned.count(), 5);
    QCOMPARE(h.link->perNodeKeys(), keyMode == u"per-node"_s);

    // Presentations came signed and verified, and reached the controller.
    for (const quint8 id : ids) {
        QVERIFY2(h.count(id, FrameVerdict::Verified, int(Command::Presentation)) >= 2,
                 qPrintable(u"node %1: %2"_s.arg(id).arg(h.summary())));
        const bool presented
                = std::any_of(h.controller.begin(), h.controller.end(), [&](const Message &m) {
                      return m.sender() == id && m.command() == Command::Presentation;
                  });
        QVERIFY(presented);
    }

    // Values: every node reports, signed; the controller gets them with the signature stripped.
    QVERIFY2(h.link->advanceUntil(15000, [&] { return h.everyoneReported(2); }),
             qPrintable(h.summary()));
    const auto temperatureNode = h.link->node(0).nodeId;
    QCOMPARE(h.link->node(0).sketch, u"temperature"_s);
    bool sawTemperature = false;
    for (const Message &m : h.controller) {
        if (m.sender() != temperatureNode || m.command() != Command::Set)
            continue;
        QVERIFY(!m.isSigned());
        QCOMPARE(m.type(), uint8_t(Protocol::Value::Temp));
        float value = 0;
        uint8_t decimals = 0;
        QVERIFY(m.getFloat32(value, decimals));
        QVERIFY2(value >= 15.9f && value <= 24.1f, qPrintable(QString::number(value)));
        sawTemperature = true;
    }
    QVERIFY(sawTemperature);
    for (const FrameVerdict bad :
         {FrameVerdict::BadSignature, FrameVerdict::NotWhitelisted, FrameVerdict::ExpiredNonce,
          FrameVerdict::NotSigned, FrameVerdict::NodeLocked, FrameVerdict::Malformed})
        QVERIFY2(h.verdictTotal(bad) == 0, qPrintable(h.summary()));
    QVERIFY(h.alerts.empty());
}

void tst_HostGateway::engineSignsToNode()
{
    Harness h(baseSettings());
    QVERIFY2(h.joinAll(5), qPrintable(h.summary()));
    const auto info = h.link->node(2);
    QCOMPARE(info.sketch, u"switch"_s);
    const quint8 id = info.nodeId;
    QSignalSpy done(h.engine.get(), &Engine::sendDone);
    QSignalSpy failed(h.engine.get(), &Engine::sendFailed);
    const size_t mark = h.traffic.size();
    h.received.clear(); // what the nodes took in while joining

    Message set;
    set.setHeader(0, id, Command::Set, uint8_t(Protocol::Value::Status), 1);
    set.setByte(1);
    const auto sent = h.engine->send(set);
    QVERIFY(sent);
    // The nonce round trip with the node's firmware, then the signed frame, then the relay's
    // confirmation of its new state.
    QVERIFY2(h.link->advanceUntil(
                     5000, [&] { return !h.received.empty() && h.verifiedValues(id, mark) >= 1; }),
             qPrintable(h.summary()));
    QCOMPARE(failed.count(), 0);
    QCOMPARE(done.count(), 1);
    QCOMPARE(done.at(0).at(0).toULongLong(), *sent);
    QCOMPARE(h.received.size(), size_t(1));
    QCOMPARE(h.received[0].first, id);
    Message got;
    QVERIFY(decode(h.received[0].second, got));
    QCOMPARE(got.command(), Command::Set);
    uint8_t value = 0;
    QVERIFY(got.getByte(value));
    QCOMPARE(value, uint8_t(1));

    bool nonceAnswered = false;
    bool signedOut = false;
    for (size_t i = mark; i < h.traffic.size(); ++i) {
        const TrafficRecord &r = h.traffic[i];
        if (!r.outgoing && r.message.sender() == id && r.message.command() == Command::Internal
            && r.message.type() == uint8_t(Protocol::Internal::NonceResponse))
            nonceAnswered = true;
        if (r.outgoing && r.message.destination() == id && r.message.command() == Command::Set)
            signedOut = r.message.isSigned();
    }
    QVERIFY(nonceAnswered);
    QVERIFY(signedOut);
    // The relay reports its new state, verified.
    bool on = false;
    for (const Message &m : h.controller) {
        uint8_t state = 0;
        if (m.sender() == id && m.command() == Command::Set && m.getByte(state))
            on = state == 1;
    }
    QVERIFY(on);
}

void tst_HostGateway::replayedFrameHasNoNonce()
{
    Harness h(baseSettings());
    QVERIFY2(h.joinAll(5), qPrintable(h.summary()));
    const quint8 id = h.link->node(0).nodeId;
    QByteArray captured;
    h.link->setUplinkFilter([&](const QByteArray &frame) {
        if (captured.isEmpty() && isSignedValueFrom(frame, id))
            captured = frame; // a sniffer: the frame still goes through
        return true;
    });
    QVERIFY(h.link->advanceUntil(10000, [&] { return h.verifiedValues(id) >= 1; }));
    QVERIFY(h.link->advanceUntil(10000, [&] { return !captured.isEmpty(); }));
    h.link->setUplinkFilter(nullptr);
    QVERIFY(h.link->advanceUntil(10000, [&] {
        return std::any_of(h.traffic.begin(), h.traffic.end(), [&](const TrafficRecord &r) {
            return bytesOf(r.message) == captured && r.verdict == FrameVerdict::Verified;
        });
    }));

    const size_t mark = h.traffic.size();
    QVERIFY(h.link->injectFrame(captured));
    h.link->advance(200);
    int replays = 0;
    for (size_t i = mark; i < h.traffic.size(); ++i) {
        const TrafficRecord &r = h.traffic[i];
        if (bytesOf(r.message) == captured) {
            QCOMPARE(r.verdict, FrameVerdict::NoNonce);
            QVERIFY(!r.detail.isEmpty());
            ++replays;
        }
    }
    QCOMPARE(replays, 1);
    // The node itself goes on being verified.
    const size_t after = h.traffic.size();
    QVERIFY(h.link->advanceUntil(10000, [&] { return h.verifiedValues(id, after) >= 1; }));
}

void tst_HostGateway::heldFrameExpires()
{
    QVariantMap settings = baseSettings();
    settings[u"reportIntervalMs"_s] = 0; // values only when the test asks
    Harness h(settings);
    QVERIFY2(h.joinAll(5), qPrintable(h.summary()));
    const quint8 id = h.link->node(1).nodeId;
    QByteArray held;
    // A jammer: keeps the node's signed value from the gateway and records it.
    h.link->setUplinkFilter([&](const QByteArray &frame) {
        if (held.isEmpty() && isSignedValueFrom(frame, id)) {
            held = frame;
            return false;
        }
        return true;
    });
    QVERIFY(h.link->reportNow(id));
    QVERIFY(h.link->advanceUntil(3000, [&] { return !held.isEmpty(); }));
    QCOMPARE(h.verifiedValues(id), 0);
    // Held past the 5 s nonce window, then played to the gateway.
    h.link->advance(6000);
    const size_t mark = h.traffic.size();
    QVERIFY(h.link->injectFrame(held));
    h.link->advance(200);
    int seen = 0;
    for (size_t i = mark; i < h.traffic.size(); ++i) {
        if (bytesOf(h.traffic[i].message) == held) {
            QCOMPARE(h.traffic[i].verdict, FrameVerdict::ExpiredNonce);
            ++seen;
        }
    }
    QCOMPARE(seen, 1);
    QCOMPARE(h.verifiedValues(id), 0);

    // A fresh value from the node is verified.
    h.link->setUplinkFilter(nullptr);
    QVERIFY(h.link->reportNow(id));
    QVERIFY(h.link->advanceUntil(3000, [&] { return h.verifiedValues(id) == 1; }));
}

void tst_HostGateway::forgerIsRejectedAndLocksTheNode()
{
    Harness h(baseSettings());
    QVERIFY2(h.joinAll(5), qPrintable(h.summary()));
    const quint8 victim = h.link->node(0).nodeId;
    const quint8 bystander = h.link->node(3).nodeId;
    const auto clone = h.link->stealNode(victim, /*forgeKey=*/true);
    QVERIFY(clone);
    QVERIFY(h.link->node(*clone).stolen);
    QCOMPARE(h.link->node(*clone).nodeId, quint8(0)); // not booted yet

    QVERIFY2(h.link->advanceUntil(60000, [&] { return !h.alerts.empty(); }),
             qPrintable(h.summary()));
    QVERIFY2(h.count(victim, FrameVerdict::BadSignature) >= 1, qPrintable(h.summary()));
    QCOMPARE(h.alerts.size(), size_t(1));
    QCOMPARE(h.alerts[0].node, victim);
    QCOMPARE(h.alerts[0].kind, SecurityAlert::Kind::RepeatedFailures);
    QVERIFY(h.alerts[0].count >= EngineOptions().lockThreshold);
    QVERIFY(h.engine->isLocked(victim));
    // Nothing the forger sent reached the controller as a value.
    for (const Message &m : h.controller) {
        float v = 0;
        uint8_t decimals = 0;
        if (m.sender() == victim && m.command() == Command::Set && m.getFloat32(v, decimals))
            QVERIFY(v < 99.0f);
    }

    // From now on the id is locked; the others keep working.
    const size_t mark = h.traffic.size();
    QVERIFY(h.link->advanceUntil(20000, [&] {
        return h.count(victim, FrameVerdict::NodeLocked, -1, mark) >= 1
               && h.verifiedValues(bystander, mark) >= 1;
    }));
    QCOMPARE(h.count(victim, FrameVerdict::Verified, -1, mark), 0);
}

void tst_HostGateway::revokedNodeIsCutOff()
{
    Harness h(baseSettings());
    QVERIFY2(h.joinAll(5), qPrintable(h.summary()));
    const quint8 victim = h.link->node(0).nodeId;
    // A stolen node with its real key: its values verify, which is why revocation exists.
    QVERIFY(h.link->stealNode(victim));
    auto forgedValueSeen = [&] {
        return std::any_of(h.controller.begin(), h.controller.end(), [&](const Message &m) {
            float v = 0;
            uint8_t decimals = 0;
            return m.sender() == victim && m.command() == Command::Set && m.getFloat32(v, decimals)
                   && v > 99.0f;
        });
    };
    QVERIFY2(h.link->advanceUntil(30000, forgedValueSeen), qPrintable(h.summary()));

    h.engine->revoke(victim, u"stolen"_s);
    const size_t mark = h.traffic.size();
    const size_t controllerMark = h.controller.size();
    QVERIFY(h.link->advanceUntil(20000, [&] {
        return h.count(victim, FrameVerdict::RevokedSender, -1, mark) >= 2
               && h.everyoneReported(1, mark, victim);
    }));
    for (size_t i = mark; i < h.traffic.size(); ++i) {
        const TrafficRecord &r = h.traffic[i];
        if (!r.outgoing && r.message.sender() == victim)
            QCOMPARE(r.verdict, FrameVerdict::RevokedSender);
        if (r.outgoing)
            QVERIFY(r.message.destination() != victim);
    }
    for (size_t i = controllerMark; i < h.controller.size(); ++i)
        QVERIFY(h.controller[i].sender() != victim);
    QVERIFY(h.engine->isRevoked(victim));
    QVERIFY(!h.engine->send([&] {
        Message m;
        m.setHeader(0, victim, Command::Set, uint8_t(Protocol::Value::Status), 1);
        m.setByte(1);
        return m;
    }()));
}

void tst_HostGateway::notWhitelistedSender()
{
    EngineOptions options;
    options.requireWhitelisting = true;
    Harness h(baseSettings(), options, /*withoutSerial=*/ {1});
    QVERIFY2(h.link->advanceUntil(60000,
                                  [&] {
                                      const quint8 id = h.link->node(1).nodeId;
                                      return id != 0
                                             && h.count(id, FrameVerdict::NotWhitelisted) >= 1
                                             && h.link->nodeIds().size() == 5
                                             && h.everyoneReported(1, 0, id);
                                  }),
             qPrintable(h.summary()));
    const quint8 unlisted = h.link->node(1).nodeId;
    QCOMPARE(h.count(unlisted, FrameVerdict::Verified), 0);
    QVERIFY(std::none_of(h.controller.begin(), h.controller.end(), [&](const Message &m) {
        return m.sender() == unlisted && m.command() == Command::Set;
    }));
    for (const TrafficRecord &r : h.traffic) {
        if (!r.outgoing && r.verdict == FrameVerdict::NotWhitelisted) {
            QCOMPARE(r.message.sender(), unlisted);
            QVERIFY(r.detail.contains(QString::number(unlisted)));
        }
    }
}

void tst_HostGateway::lossyDuplicatingBus_data()
{
    QTest::addColumn<double>("duplication");
    QTest::addColumn<int>("maxDelayMs");
    QTest::newRow("loss 10%") << 0.0 << 0;
    QTest::newRow("loss 10%, duplication 10%") << 0.1 << 0;
    // Not yet with delivery delays (reordering): see the known weakness below.
}

void tst_HostGateway::lossyDuplicatingBus()
{
    QFETCH(double, duplication);
    QFETCH(int, maxDelayMs);
    QVariantMap settings = baseSettings();
    settings[u"nodes"_s] = 8;
    settings[u"loss"_s] = 0.1;
    settings[u"duplication"_s] = duplication;
    settings[u"minDelayMs"_s] = 0;
    settings[u"maxDelayMs"_s] = maxDelayMs;
    settings[u"reportIntervalMs"_s] = 3000;
    Harness h(settings);
    // Every node joins, and every node the engine did not lock gets its values through.
    auto delivered = [&] {
        if (h.link->nodeIds().size() != 8)
            return false;
        for (const quint8 id : h.link->nodeIds()) {
            if (!h.engine->isLocked(id) && h.verifiedValues(id) < 3)
                return false;
        }
        return true;
    };
    const bool ok = h.link->advanceUntil(180000, delivered);
    const QVariantMap bus = h.link->busStatistics();
    int locked = 0;
    for (const quint8 id : h.link->nodeIds())
        locked += h.engine->isLocked(id) ? 1 : 0;
    qInfo("%s: %s; bus sent %llu, lost %llu, duplicated %llu; %d of 8 nodes locked",
          QTest::currentDataTag(), qPrintable(h.summary()), bus.value(u"sent"_s).toULongLong(),
          bus.value(u"lost"_s).toULongLong(), bus.value(u"duplicated"_s).toULongLong(), locked);
    QVERIFY2(ok, qPrintable(h.summary()));
    QVERIFY(bus.value(u"lost"_s).toULongLong() > 0);
    QCOMPARE(bus.value(u"duplicated"_s).toULongLong() > 0, duplication > 0);
    QCOMPARE(h.verdictTotal(FrameVerdict::Malformed), quint64(0));
    // A lock is never silent. (Known weakness, see the report: a re-requested nonce replaces
    // the one a late response carried, so loss and reordering alone cost bad signatures and
    // can lock an honest node; hence no assertion of zero here.)
    QCOMPARE(int(h.alerts.size()) >= locked, true);
    QVERIFY(locked < 8);
}

void tst_HostGateway::pluginModuleLoads()
{
    LinkRegistry registry;
    const QList<LinkPluginInfo> infos
            = registry.loadDirectory(QStringLiteral(WARDEN_SIMULATED_PLUGIN_DIR));
    const auto it = std::find_if(infos.begin(), infos.end(),
                                 [](const LinkPluginInfo &i) { return i.type == u"simulated"_s; });
    QVERIFY(it != infos.end());
    QCOMPARE(it->state, LinkPluginInfo::State::Loaded);
    QVERIFY(it->fileName.contains(u"warden_link_simulated"_s));
    QVERIFY(registry.factory(u"simulated"_s)->defaultSettings().contains(u"keyMode"_s));

    const auto bad = registry.create({u"simulated"_s, u"demo"_s, {{u"tickMs"_s, 0}}});
    QVERIFY(!bad);
    QVERIFY2(bad.error().message().contains(u"\"tickMs\""_s), qPrintable(bad.error().message()));

    // The module's link runs in real time (accelerated) behind an engine: the firmware asks
    // for ids and gets them.
    auto created
            = registry.create({u"simulated"_s, u"demo"_s, {{u"nodes"_s, 3}, {u"timeScale"_s, 20}}});
    QVERIFY2(created, qPrintable(created ? QString() : created.error().message()));
    std::unique_ptr<Link> link = std::move(*created);
    QCOMPARE(link->framing(), LinkFraming::RadioFrames);
    Engine engine({});
    QVERIFY(engine.addLink(link.get()));
    QSignalSpy assigned(&engine, &Engine::nodeIdAssigned);
    link->open();
    QCOMPARE(link->state(), LinkState::Connected);
    QTRY_VERIFY_WITH_TIMEOUT(assigned.count() >= 3, 15000);
    QVERIFY(link->statistics().unitsIn > 0);
    QVERIFY(link->statistics().unitsOut > 0);
    link->close();
    engine.removeLink(link.get());
}

void tst_HostGateway::badSettingsNameTheKey_data()
{
    QTest::addColumn<QVariantMap>("settings");
    QTest::addColumn<QString>("key");
    QTest::newRow("unknown") << QVariantMap {{u"colour"_s, 1}} << u"colour"_s;
    QTest::newRow("no nodes") << QVariantMap {{u"nodes"_s, 0}} << u"nodes"_s;
    QTest::newRow("too many") << QVariantMap {{u"nodes"_s, 255}} << u"nodes"_s;
    QTest::newRow("not a number") << QVariantMap {{u"nodes"_s, u"five"_s}} << u"nodes"_s;
    QTest::newRow("loss") << QVariantMap {{u"loss"_s, 1.5}} << u"loss"_s;
    QTest::newRow("duplication") << QVariantMap {{u"duplication"_s, -0.1}} << u"duplication"_s;
    QTest::newRow("delays") << QVariantMap {{u"minDelayMs"_s, 50}, {u"maxDelayMs"_s, 10}}
                            << u"maxDelayMs"_s;
    QTest::newRow("time scale") << QVariantMap {{u"timeScale"_s, -1}} << u"timeScale"_s;
    QTest::newRow("key mode") << QVariantMap {{u"keyMode"_s, u"psk"_s}} << u"keyMode"_s;
    QTest::newRow("key") << QVariantMap {{u"networkKeyHex"_s, u"00112233zz"_s}}
                         << u"networkKeyHex"_s;
    QTest::newRow("whitelisting") << QVariantMap {{u"whitelisting"_s, u"maybe"_s}}
                                  << u"whitelisting"_s;
    QTest::newRow("sketch") << QVariantMap {{u"sketches"_s, QStringList {u"toaster"_s}}}
                            << u"sketches"_s;
    QTest::newRow("no sketch") << QVariantMap {{u"sketches"_s, QStringList {}}} << u"sketches"_s;
}

void tst_HostGateway::badSettingsNameTheKey()
{
    QFETCH(QVariantMap, settings);
    QFETCH(QString, key);
    LinkRegistry registry;
    registry.loadStaticPlugins();
    const auto created = registry.create({u"simulated"_s, u"demo"_s, settings});
    QVERIFY(!created);
    const QString message = created.error().message();
    QVERIFY2(message.contains(u'"' + key + u'"'), qPrintable(message));
    QVERIFY2(message.contains(u"demo"_s), qPrintable(message));
    QVERIFY2(!message.contains(u"00112233"_s), qPrintable(message)); // no key material
}

void tst_HostGateway::linksAreIndependent()
{
    LinkRegistry registry;
    registry.loadStaticPlugins();
    auto make = [&](int seed, const QString &mode) {
        QVariantMap s = baseSettings();
        s[u"seed"_s] = seed;
        s[u"keyMode"_s] = mode;
        auto l = registry.create({u"simulated"_s, u"sim%1"_s.arg(seed), s});
        return std::unique_ptr<SimulatedLink>(l ? qobject_cast<SimulatedLink *>(l->release())
                                                : nullptr);
    };
    const auto a = make(1, u"network"_s);
    const auto b = make(2, u"network"_s);
    const auto again = make(1, u"network"_s);
    const auto perNode = make(1, u"per-node"_s);
    QVERIFY(a && b && again && perNode);
    QVERIFY(!a->networkKey().equals(b->networkKey()));
    QVERIFY(a->networkKey().equals(again->networkKey())); // deterministic for a seed
    QVERIFY(perNode->networkKey().isEmpty());
    QVERIFY(!perNode->node(0).linkKey.equals(perNode->node(1).linkKey));
    QCOMPARE(perNode->node(0).serial.size(), 9);
    QVERIFY(perNode->node(0).serial != perNode->node(1).serial);
    // Moving one simulated clock leaves the other alone.
    a->open();
    b->open();
    a->advance(1000);
    QCOMPARE(a->simulatedMillis(), quint32(1000));
    QCOMPARE(b->simulatedMillis(), quint32(0));
    QVERIFY(a->busStatistics().value(u"sent"_s).toULongLong() > 0);
    QCOMPARE(b->busStatistics().value(u"sent"_s).toULongLong(), 0ull);
}

QTEST_GUILESS_MAIN(tst_HostGateway)
#include "tst_hostgateway.moc"
