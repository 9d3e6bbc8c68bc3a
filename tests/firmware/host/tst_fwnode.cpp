// The node state machine on the simulated bus against a test gateway: joining (parent, id,
// uplink), presentation, heartbeats, signed traffic both ways, every refusal verdict (unsigned,
// forged, replayed, expired, not whitelisted), whitelist salting, the node lock and its
// persistence, a node personalized only by MySensors' layout, nonces that never repeat across
// reboots, the management hook, hostile frames, and power cut at every write of a whitelist
// change after which the node still verifies.
#include "simharness.h"

#include <eepromlayout.h>
#include <flashstring.h>
#include <securenode.h>

#include "crypto/botansha256.h"

#include <QtTest/QtTest>

#include <cstring>
#include <set>

using namespace Warden::Firmware;
using namespace Warden::Firmware::Host;
using namespace Warden::Protocol;
using WardenTest::SimNode;
using WardenTest::TestGateway;

Q_DECLARE_METATYPE(Verdict)

namespace {

const char kSketchName[] WARDEN_FLASH = "SecureNode test";
const char kSketchVersion[] WARDEN_FLASH = "1.0";
const char kTemperature[] WARDEN_FLASH = "Temperature";
const char kSwitch[] WARDEN_FLASH = "Switch";
const ChildPresentation kChildren[]
        = {{0, uint8_t(Sensor::Temp), kTemperature}, {1, uint8_t(Sensor::Binary), kSwitch}};

NodeConfig testConfig()
{
    NodeConfig config;
    config.sketchName = kSketchName;
    config.sketchVersion = kSketchVersion;
    config.children = kChildren;
    config.childCount = 2;
    config.personalizationWindowMs = 0;
    return config;
}

const uint8_t kGatewaySerial[9] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x00};
const uint8_t kOtherSerial[9] = {0x99, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11};

/// Writes a Warden slot with the test key and serial, a policy and a whitelist.
void personalize(Eeprom &eeprom, uint8_t policy, const std::vector<WhitelistEntry> &whitelist = {},
                 const uint8_t *key = WardenTest::kTestKey)
{
    PortableSha256 sha;
    WardenStore store(eeprom, sha);
    store.load();
    WardenState s;
    store.read(s);
    s.flags |= SlotFlag::kLinkKey | SlotFlag::kSerial | SlotFlag::kPolicy;
    std::memcpy(s.keys[0], key, 32);
    std::memcpy(s.serial, WardenTest::kTestSerial, 9);
    s.policy = policy;
    s.whitelistCount = uint8_t(whitelist.size());
    for (size_t i = 0; i < whitelist.size(); ++i)
        s.whitelist[i] = whitelist[i];
    QCOMPARE(store.commit(s), StoreStatus::Ok);
}

WhitelistEntry entry(uint8_t node, const uint8_t serial[9])
{
    WhitelistEntry e {};
    e.nodeId = node;
    std::memcpy(e.serial, serial, 9);
    return e;
}

QByteArray bytes(const Message &m)
{
    return QByteArray(reinterpret_cast<const char *>(m.data()), qsizetype(m.size()));
}

QByteArray payloadText(const Message &m)
{
    return QByteArray(reinterpret_cast<const char *>(m.payload()), m.payloadLength());
}

/// One gateway, one bus, any number of nodes, one clock.
class Net
{
public:
    explicit Net(const NodeConfig &nodeConfig = testConfig())
        : config(nodeConfig)
        , gwRadio(bus.connect(0))
        , gw(*gwRadio, Warden::Internal::botanSha256(), clock)
    {
        gw.setKey(WardenTest::kTestKey);
        bus.setTap([this](const SimFrame &f) { frames.push_back(f); });
    }

    SimNode &add(uint64_t seed = 1)
    {
        nodes.push_back(std::make_unique<SimNode>(bus, clock, sha, config, seed));
        return *nodes.back();
    }

    void step()
    {
        gw.poll();
        for (auto &n : nodes)
            n->poll();
    }

    bool runUntil(uint32_t ms, const std::function<bool()> &until)
    {
        return WardenTest::run(
                clock, ms, [this] { step(); }, until);
    }
    void run(uint32_t ms)
    {
        WardenTest::run(clock, ms, [this] { step(); });
    }

    /// Runs until @p n is Ready; forgets the send results of its presentation.
    bool join(SimNode &n, uint32_t ms = 20000)
    {
        const bool ready = runUntil(ms, [&] { return n.isRunning() && n.node().isReady(); });
        n.sendResults.clear();
        return ready;
    }

    /// Asks @p node for a nonce and returns it (32 bytes), as an attacker or gateway would.
    QByteArray nonceFrom(uint8_t node)
    {
        uint8_t before[kNonceSize] = {};
        const bool had = gw.lastNonceFrom(node, before);
        gw.requestNonce(node);
        uint8_t now[kNonceSize] = {};
        runUntil(100, [&] {
            return gw.lastNonceFrom(node, now)
                   && (!had || std::memcmp(now, before, kNonceSize) != 0);
        });
        return QByteArray(reinterpret_cast<const char *>(now), kNonceSize);
    }

    ManualClock clock {1000};
    SimBus bus {clock};
    PortableSha256 sha;
    NodeConfig config;
    std::unique_ptr<SimBusEndpoint> gwRadio;
    TestGateway gw;
    std::vector<std::unique_ptr<SimNode>> nodes;
    std::vector<SimFrame> frames;
};

Message gatewaySet(uint8_t node, uint8_t child, uint8_t value)
{
    Message m;
    m.setHeader(kGatewayAddress, node, Command::Set, uint8_t(Value::Status), child);
    m.setByte(value);
    return m;
}

/// A C_SET from the gateway signed with @p key over @p nonce (salted with @p serial if given).
Message signedSet(uint8_t node, const QByteArray &nonce, const uint8_t *key, const uint8_t *serial,
                  uint8_t value = 1)
{
    PortableSha256 sha;
    LegacySigner signer(sha);
    signer.setKey(key);
    Message m = gatewaySet(node, 1, value);
    signer.sign(m, reinterpret_cast<const uint8_t *>(nonce.constData()), serial);
    return m;
}

class CountingHandler final : public ManagementHandler
{
public:
    void onManagementFrame(SecureNode &node, const Message &message, uint32_t) override
    {
        frames.push_back(message);
        // What the management channel does once a request is authenticated: stage, commit,
        // reload.
        WardenStore &store = node.store();
        store.beginStage();
        store.stageWhitelistAdd(entry(message.payload()[0], kOtherSerial));
        store.stageManagementCounter(store.stagedManagementCounter() + 1);
        if (store.commitStage() == StoreStatus::Ok)
            node.reloadSecurity();
    }
    void onPoll(SecureNode &, uint32_t) override { ++polls; }
    std::vector<Message> frames;
    int polls = 0;
};

} // namespace

class tst_FwNode : public QObject
{
    Q_OBJECT

private slots:
    void joinsAndPresents();
    void idPersistsAcrossReboot();
    void staticId();
    void parentFinding();
    void joinFailureAndRetry();
    void heartbeats();
    void signedValueToGateway();
    void specVectorOnTheAir();
    void signedValueFromGateway();
    void refusals_data();
    void refusals();
    void replayAndExpiry();
    void whitelistSalting_data();
    void whitelistSalting();
    void nodeSaltsForGateway();
    void nodeLockAfterFailures();
    void nodeLockNonceRequests();
    void nodeLockBudgetPersists();
    void legacyPersonalizedNode();
    void tamperedLegacyPersonalization();
    void noncesNeverRepeatAcrossReboots();
    void sendWhileBusyAndNonceTimeout();
    void echoAndInternals();
    void managementHook();
    void peerPolicyOverridesPresentations();
    void keyPrecedence();
    void hostileFrames();
    void powerCutDuringWhitelistChange();
};

void tst_FwNode::joinsAndPresents()
{
    Net net;
    SimNode &n = net.add();
    personalize(n.eeprom, PolicyFlag::kRequireSignatures);
    n.boot();
    QCOMPARE(n.node().state(), NodeState::FindParent);
    QVERIFY(net.join(n));
    QCOMPARE(n.node().nodeId(), uint8_t(1));
    QCOMPARE(n.node().parentId(), uint8_t(0));
    QCOMPARE(n.node().distance(), uint8_t(1));
    QVERIFY(n.node().isRegistered());
    QCOMPARE(n.node().keySource(), KeySource::Link);
    QCOMPARE(n.eeprom.read(LegacyEeprom::kNodeId), uint8_t(1));
    QCOMPARE(n.eeprom.read(LegacyEeprom::kParentId), uint8_t(0));
    // The gateway's presentation made signing to it a requirement, stored where MySensors keeps
    // it (bit 0 of byte 291 cleared).
    QCOMPARE(n.eeprom.read(LegacyEeprom::kSigningRequirements) & 1, 0);

    // The start-up sequence of spec 10.11, in order, as the gateway saw it.
    std::vector<std::pair<Command, uint8_t>> sequence;
    for (const auto &r : net.gw.received()) {
        const Message &m = r.message;
        if (m.command() == Command::Internal
            && (m.type() == uint8_t(Internal::NonceRequest)
                || m.type() == uint8_t(Internal::NonceResponse)
                || m.type() == uint8_t(Internal::FindParentRequest)))
            continue;
        sequence.emplace_back(m.command(), m.type());
    }
    const std::vector<std::pair<Command, uint8_t>> expected = {
            {Command::Internal, uint8_t(Internal::IdRequest)},
            {Command::Internal, uint8_t(Internal::Ping)},
            {Command::Internal, uint8_t(Internal::SigningPresentation)},
            {Command::Presentation, uint8_t(Sensor::ArduinoNode)},
            {Command::Internal, uint8_t(Internal::Config)},
            {Command::Internal, uint8_t(Internal::SketchName)},
            {Command::Internal, uint8_t(Internal::SketchVersion)},
            {Command::Presentation, uint8_t(Sensor::Temp)},
            {Command::Presentation, uint8_t(Sensor::Binary)},
            {Command::Internal, uint8_t(Internal::RegistrationRequest)},
    };
    auto show = [](const std::vector<std::pair<Command, uint8_t>> &v) {
        QStringList out;
        for (const auto &[c, t] : v)
            out << QStringLiteral("%1/%2").arg(int(c)).arg(t);
        return out.join(u' ');
    };
    QCOMPARE(show(sequence), show(expected));

    // Contents.
    const auto id = net.gw.find(255, Command::Internal, int(Internal::IdRequest));
    QCOMPARE(id.size(), size_t(1));
    const auto signing = net.gw.find(1, Command::Internal, int(Internal::SigningPresentation));
    QCOMPARE(signing.size(), size_t(1));
    SigningPreferences prefs {};
    QVERIFY(parseSigningPresentation(signing[0].message, prefs));
    QVERIFY(prefs.requiresSignatures);
    QVERIFY(!prefs.requiresWhitelisting);
    QCOMPARE(bytes(signing[0].message).toHex(), QByteArray("0101001"
                                                           "2c30fff0101"));

    const auto node = net.gw.find(1, Command::Presentation, int(Sensor::ArduinoNode));
    QCOMPARE(node[0].message.sensor(), kNodeSensorId);
    // MySensors 2.3.2, build metadata "+w1": takes management requests unsigned.
    QCOMPARE(payloadText(node[0].message), QByteArray("2.3.2+w1"));
    const auto name = net.gw.find(1, Command::Internal, int(Internal::SketchName));
    QCOMPARE(payloadText(name[0].message), QByteArray("SecureNode test"));
    const auto version = net.gw.find(1, Command::Internal, int(Internal::SketchVersion));
    QCOMPARE(payloadText(version[0].message), QByteArray("1.0"));
    const auto temp = net.gw.find(1, Command::Presentation, int(Sensor::Temp));
    QCOMPARE(temp[0].message.sensor(), uint8_t(0));
    QCOMPARE(payloadText(temp[0].message), QByteArray("Temperature"));
    const auto sw = net.gw.find(1, Command::Presentation, int(Sensor::Binary));
    QCOMPARE(sw[0].message.sensor(), uint8_t(1));
    QCOMPARE(payloadText(sw[0].message), QByteArray("Switch"));
    const auto config = net.gw.find(1, Command::Internal, int(Internal::Config));
    uint8_t parent = 99;
    QVERIFY(config[0].message.getByte(parent));
    QCOMPARE(parent, uint8_t(0));
    const auto reg = net.gw.find(1, Command::Internal, int(Internal::RegistrationRequest));
    uint8_t core = 0;
    QVERIFY(reg[0].message.getByte(core));
    QCOMPARE(core, uint8_t(2));

    // Every non-exempt frame of the presentation was signed and verified by the gateway.
    for (const auto &r : net.gw.received()) {
        if (!isSigningExempt(r.message))
            QCOMPARE(r.verdict, Verdict::Verified);
    }
    QCOMPARE(net.gw.verdictCount(Verdict::Verified), size_t(6));
    // The registration answer from the gateway was signed, and the node verified it.
    QCOMPARE(n.node().verdictCount(Verdict::Verified), uint16_t(1));
}

void tst_FwNode::idPersistsAcrossReboot()
{
    Net net;
    SimNode &n = net.add();
    personalize(n.eeprom, PolicyFlag::kRequireSignatures);
    n.boot();
    QVERIFY(net.join(n));
    const uint8_t id = n.node().nodeId();
    net.gw.clearReceived();
    n.boot();
    QCOMPARE(n.node().nodeId(), id);
    QVERIFY(net.join(n));
    QCOMPARE(n.node().nodeId(), id);
    QCOMPARE(net.gw.assignedIds(), uint8_t(1));
    QVERIFY(net.gw.find(255, Command::Internal, int(Internal::IdRequest)).empty());
    // A second node gets the next id.
    SimNode &m = net.add(2);
    personalize(m.eeprom, PolicyFlag::kRequireSignatures);
    m.boot();
    QVERIFY(net.join(m));
    QCOMPARE(m.node().nodeId(), uint8_t(id + 1));
}

void tst_FwNode::staticId()
{
    NodeConfig config = testConfig();
    config.staticNodeId = 42;
    Net net(config);
    SimNode &n = net.add();
    personalize(n.eeprom, PolicyFlag::kRequireSignatures);
    n.boot();
    QVERIFY(net.join(n));
    QCOMPARE(n.node().nodeId(), uint8_t(42));
    QCOMPARE(net.gw.assignedIds(), uint8_t(0));
    QCOMPARE(n.eeprom.read(LegacyEeprom::kNodeId), uint8_t(42));
}

void tst_FwNode::parentFinding()
{
    // The gateway is out of range for find-parent; two repeaters answer with distances 2 and 1.
    Net net;
    net.gw.setAnswerFindParent(false);
    auto far = net.bus.connect(3);
    auto near = net.bus.connect(4);
    SimNode &n = net.add();
    personalize(n.eeprom, 0);
    n.boot();
    auto answer = [&](SimBusEndpoint &repeater, uint8_t address, uint8_t distance) {
        uint8_t buffer[32];
        while (uint8_t len = repeater.receive(buffer, sizeof buffer)) {
            Message m;
            if (Message::decode(buffer, len, m) != DecodeError::None)
                continue;
            if (m.command() == Command::Internal
                && m.type() == uint8_t(Internal::FindParentRequest)) {
                Message r;
                r.setHeader(address, m.sender(), Command::Internal,
                            uint8_t(Internal::FindParentResponse), kNodeSensorId);
                r.setByte(distance);
                repeater.send(m.sender() == 255 ? 255 : m.sender(), r.data(), uint8_t(r.size()));
            }
        }
    };
    int ticks = 0;
    WardenTest::run(
            net.clock, 2500,
            [&] {
                answer(*far, 3, 2);
                answer(*near, 4, 1);
                net.step();
                ++ticks;
            },
            [&] { return n.node().state() != NodeState::FindParent; });
    QCOMPARE(n.node().parentId(), uint8_t(4));
    QCOMPARE(n.node().distance(), uint8_t(2));
    QCOMPARE(n.node().state(), NodeState::RequestId);
    // The whole 2 s window was waited for (no gateway answer to cut it short).
    QVERIFY(ticks >= 2000);
    // The id request now travels through the chosen parent.
    uint8_t buffer[32];
    bool viaParent = false;
    while (uint8_t len = near->receive(buffer, sizeof buffer)) {
        Message m;
        if (Message::decode(buffer, len, m) == DecodeError::None
            && m.type() == uint8_t(Internal::IdRequest))
            viaParent = true;
    }
    QVERIFY(viaParent);
    QCOMPARE(n.eeprom.read(LegacyEeprom::kParentId), uint8_t(4));
}

void tst_FwNode::joinFailureAndRetry()
{
    Net net;
    net.gw.setAnswerFindParent(false);
    SimNode &n = net.add();
    personalize(n.eeprom, 0);
    n.boot();
    // 4 attempts of 2 s, then the Failure state for 10 s.
    net.run(8100);
    QCOMPARE(n.node().state(), NodeState::Failure);
    size_t requests = 0;
    for (const auto &f : net.frames)
        requests += f.nextHop == 255 && f.bytes.size() >= 6 && f.bytes[5] == 7 ? 1 : 0;
    QCOMPARE(requests, size_t(4));
    net.gw.setAnswerFindParent(true);
    net.run(9000);
    QCOMPARE(n.node().state(), NodeState::Failure);
    QVERIFY(net.join(n, 3000));
}

void tst_FwNode::heartbeats()
{
    NodeConfig config = testConfig();
    config.heartbeatIntervalMs = 60000;
    Net net(config);
    SimNode &n = net.add();
    personalize(n.eeprom, PolicyFlag::kRequireSignatures);
    n.boot();
    QVERIFY(net.join(n));
    net.gw.clearReceived();
    net.run(1234);
    Message request;
    request.setHeader(0, 1, Command::Internal, uint8_t(Internal::HeartbeatRequest), 255);
    net.gw.send(request);
    QVERIFY(net.runUntil(100, [&] {
        return !net.gw.find(1, Command::Internal, int(Internal::HeartbeatResponse)).empty();
    }));
    auto hb = net.gw.find(1, Command::Internal, int(Internal::HeartbeatResponse));
    uint32_t value = 0;
    QVERIFY(hb[0].message.getULong32(value));
    QVERIFY2(value >= 1234 && value < 1300, qPrintable(QString::number(value)));
    QVERIFY(!hb[0].message.isSigned()); // exempt (spec 4.8)
    // Unprompted ones at the configured interval.
    net.gw.clearReceived();
    net.run(120500);
    QCOMPARE(net.gw.find(1, Command::Internal, int(Internal::HeartbeatResponse)).size(), size_t(2));
}

void tst_FwNode::signedValueToGateway()
{
    Net net;
    SimNode &n = net.add();
    personalize(n.eeprom, PolicyFlag::kRequireSignatures);
    n.boot();
    QVERIFY(net.join(n));
    net.gw.clearReceived();
    QCOMPARE(n.node().sendFloat(0, uint8_t(Value::Temp), 21.5f, 1), SendStatus::Pending);
    QVERIFY(n.node().isSending());
    QVERIFY(net.runUntil(100, [&] { return !n.sendResults.empty(); }));
    QVERIFY(n.sendResults[0]);
    net.run(2); // the gateway's next poll
    const auto values = net.gw.find(1, Command::Set);
    QCOMPARE(values.size(), size_t(1));
    QCOMPARE(values[0].verdict, Verdict::Verified);
    float v = 0;
    uint8_t decimals = 0;
    QVERIFY(values[0].message.getFloat32(v, decimals));
    QCOMPARE(v, 21.5f);
    QCOMPARE(n.node().counters().signedSent, uint16_t(7)); // 6 presentation frames + this
    // Not Ready before joining: nothing is sent.
    SimNode &fresh = net.add(5);
    personalize(fresh.eeprom, 0);
    fresh.boot();
    QCOMPARE(fresh.node().sendFloat(0, 0, 1.0f, 1), SendStatus::NotReady);
    // A payload without room for a signature is refused, not sent unsigned.
    Message big = n.node().makeValue(0, uint8_t(Value::Text));
    big.setString("0123456789012345678901234", 24);
    QCOMPARE(n.node().send(big), SendStatus::Refused);
}

void tst_FwNode::specVectorOnTheAir()
{
    // Spec 5.10 vector A, produced by the node itself: node 1 -> GW, child 2, V_TEMP "23.5",
    // with the spec's nonce supplied in the gateway's I_NONCE_RESPONSE.
    Net net;
    SimNode &n = net.add();
    personalize(n.eeprom, PolicyFlag::kRequireSignatures);
    n.boot();
    QVERIFY(net.join(n));
    net.gw.setAnswerNonceRequests(false);
    Message value = n.node().makeValue(2, uint8_t(Value::Temp));
    value.setString("23.5", 4);
    QCOMPARE(n.node().send(value), SendStatus::Pending);
    Message nonce;
    nonce.setHeader(0, 1, Command::Internal, uint8_t(Internal::NonceResponse), 255);
    const QByteArray specNonce
            = QByteArray::fromHex("A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8");
    nonce.setPayload(PayloadType::Custom, specNonce.constData(), 25);
    net.frames.clear();
    net.gw.transmitRaw(1, nonce);
    QVERIFY(net.runUntil(50, [&] { return !n.sendResults.empty(); }));
    QVERIFY(n.sendResults[0]);
    const auto fromNode = std::find_if(net.frames.rbegin(), net.frames.rend(),
                                       [](const SimFrame &f) { return f.from == 1; });
    QVERIFY(fromNode != net.frames.rend());
    const SimFrame &sent = *fromNode;
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(sent.bytes.data()),
                        qsizetype(sent.bytes.size()))
                     .toHex()
                     .toUpper(),
             QByteArray("01010026010002323"
                        "32E350186A32C7DD706CE2A7635B840679E4C2D53237AE9"));
}

void tst_FwNode::signedValueFromGateway()
{
    Net net;
    SimNode &n = net.add();
    personalize(n.eeprom, PolicyFlag::kRequireSignatures);
    n.boot();
    QVERIFY(net.join(n));
    QVERIFY(net.gw.nodeRequiresSignatures(1));
    net.gw.send(gatewaySet(1, 1, 1));
    QVERIFY(net.runUntil(100, [&] { return !n.delivered.empty(); }));
    const Message &m = n.delivered.back();
    QCOMPARE(m.command(), Command::Set);
    QCOMPARE(m.sensor(), uint8_t(1));
    QVERIFY(!m.isSigned()); // the flag is cleared once verified (spec 4.7 step 8)
    uint8_t value = 0;
    QVERIFY(m.getByte(value));
    QCOMPARE(value, uint8_t(1));
    QCOMPARE(n.verdicts.back().second, Verdict::Verified);
    QCOMPARE(net.gw.signedSent(), 2ull); // the registration answer and this
    // A C_REQ is delivered the same way.
    Message req;
    req.setHeader(0, 1, Command::Req, uint8_t(Value::Status), 1);
    net.gw.send(req);
    QVERIFY(net.runUntil(100, [&] { return n.delivered.back().command() == Command::Req; }));
}

void tst_FwNode::refusals_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<Verdict>("verdict");
    QTest::addColumn<bool>("countsAsFailure");
    QTest::newRow("unsigned") << 0 << Verdict::NotSigned << false;
    QTest::newRow("wrong key") << 1 << Verdict::BadSignature << true;
    QTest::newRow("tampered payload") << 2 << Verdict::BadSignature << true;
    QTest::newRow("bad identifier") << 3 << Verdict::BadIdentifier << true;
    QTest::newRow("no nonce requested") << 4 << Verdict::NoNonce << true;
    QTest::newRow("too long to sign") << 5 << Verdict::NoRoom << true;
}

void tst_FwNode::refusals()
{
    QFETCH(int, kind);
    QFETCH(Verdict, verdict);
    QFETCH(bool, countsAsFailure);
    Net net;
    SimNode &n = net.add();
    personalize(n.eeprom, PolicyFlag::kRequireSignatures);
    n.boot();
    QVERIFY(net.join(n));
    const size_t deliveredBefore = n.delivered.size();
    uint8_t wrongKey[32];
    std::memset(wrongKey, 0x5A, 32);
    Message m;
    switch (kind) {
    case 0:
        m = gatewaySet(1, 1, 1);
        break;
    case 1:
        m = signedSet(1, net.nonceFrom(1), wrongKey, nullptr);
        break;
    case 2:
        m = signedSet(1, net.nonceFrom(1), WardenTest::kTestKey, nullptr);
        m.mutableData()[7] ^= 0x01; // the value byte
        break;
    case 3:
        m = signedSet(1, net.nonceFrom(1), WardenTest::kTestKey, nullptr);
        m.mutableData()[kHeaderSize + m.payloadLength()] = 2;
        break;
    case 4:
        m = signedSet(1, QByteArray(32, char(0xAA)), WardenTest::kTestKey, nullptr);
        break;
    case 5: {
        net.nonceFrom(1);
        m.setHeader(0, 1, Command::Set, uint8_t(Value::Text), 1);
        m.setString("ABCDEFGHIJKLMNOPQRSTUVWX", 24);
        m.setSigned(true); // a 24-byte payload cannot carry a signature
        break;
    }
    }
    net.gw.transmitRaw(1, m);
    net.run(20);
    QCOMPARE(n.delivered.size(), deliveredBefore);
    QVERIFY(!n.verdicts.empty());
    QCOMPARE(n.verdicts.back().second, verdict);
    QCOMPARE(n.node().verdictCount(verdict), uint16_t(1));
    QCOMPARE(n.eeprom.read(LegacyEeprom::kNodeLock), uint8_t(countsAsFailure ? 4 : 5));
    // The node keeps working: a proper signed frame is still accepted.
    net.gw.send(gatewaySet(1, 1, 0));
    QVERIFY(net.runUntil(200, [&] { return n.delivered.size() == deliveredBefore + 1; }));
    QCOMPARE(n.eeprom.read(LegacyEeprom::kNodeLock), uint8_t(5));
}

void tst_FwNode::replayAndExpiry()
{
    Net net;
    SimNode &n = net.add();
    personalize(n.eeprom, PolicyFlag::kRequireSignatures);
    n.boot();
    QVERIFY(net.join(n));
    const size_t before = n.delivered.size();

    // A good frame, captured, then replayed.
    const Message good = signedSet(1, net.nonceFrom(1), WardenTest::kTestKey, nullptr);
    net.gw.transmitRaw(1, good);
    net.run(10);
    QCOMPARE(n.delivered.size(), before + 1);
    net.gw.transmitRaw(1, good);
    net.run(10);
    QCOMPARE(n.verdicts.back().second, Verdict::NoNonce);
    // Replayed while another nonce is outstanding: it was signed over the old one.
    net.nonceFrom(1);
    net.gw.transmitRaw(1, good);
    net.run(10);
    QCOMPARE(n.verdicts.back().second, Verdict::BadSignature);
    QCOMPARE(n.delivered.size(), before + 1);

    // The 5 s window with the test clock (its exact edge is tst_signing's): a frame 4.99 s
    // after the nonce is in, one 5.01 s after it is out. The clock is moved without polling,
    // so the node sees the frame at exactly that age.
    QByteArray nonce = net.nonceFrom(1);
    net.clock.advance(4990);
    net.gw.transmitRaw(1, signedSet(1, nonce, WardenTest::kTestKey, nullptr, 7));
    net.step();
    QCOMPARE(n.verdicts.back().second, Verdict::Verified);
    nonce = net.nonceFrom(1);
    net.clock.advance(5010);
    net.gw.transmitRaw(1, signedSet(1, nonce, WardenTest::kTestKey, nullptr, 8));
    net.step();
    QCOMPARE(n.verdicts.back().second, Verdict::NonceExpired);
    QCOMPARE(n.delivered.size(), before + 2);
}

void tst_FwNode::whitelistSalting_data()
{
    QTest::addColumn<bool>("listed");
    QTest::addColumn<bool>("rightSerial");
    QTest::addColumn<Verdict>("verdict");
    QTest::newRow("listed, right serial") << true << true << Verdict::Verified;
    QTest::newRow("listed, wrong serial") << true << false << Verdict::BadSignature;
    QTest::newRow("not listed") << false << true << Verdict::NotWhitelisted;
}

void tst_FwNode::whitelistSalting()
{
    QFETCH(bool, listed);
    QFETCH(bool, rightSerial);
    QFETCH(Verdict, verdict);
    // Without the lock: the refused registration answers would otherwise use up its budget.
    NodeConfig config = testConfig();
    config.nodeLock = false;
    Net net(config);
    SimNode &n = net.add();
    std::vector<WhitelistEntry> whitelist {entry(7, kOtherSerial)};
    if (listed)
        whitelist.push_back(entry(0, kGatewaySerial));
    personalize(n.eeprom, PolicyFlag::kRequireSignatures | PolicyFlag::kRequireWhitelisting,
                whitelist);
    net.gw.setSerial(rightSerial ? kGatewaySerial : kOtherSerial);
    n.boot();
    QVERIFY(net.join(n));
    QVERIFY(net.gw.nodeRequiresWhitelisting(1));
    // The registration answer already went through the whitelist.
    const auto first = std::find_if(n.verdicts.begin(), n.verdicts.end(), [](const auto &v) {
        return v.first.command() == Command::Internal;
    });
    QVERIFY(first != n.verdicts.end());
    QCOMPARE(first->second, verdict);
    n.verdicts.clear();
    net.gw.send(gatewaySet(1, 1, 1));
    net.run(100);
    QCOMPARE(n.verdicts.size(), size_t(1));
    QCOMPARE(n.verdicts[0].second, verdict);
    QCOMPARE(n.delivered.size(), size_t(verdict == Verdict::Verified ? 1 : 0));
}

void tst_FwNode::nodeSaltsForGateway()
{
    // The gateway whitelists: the node learns it from the presentation and salts with its own
    // serial; a gateway listing another serial for node 1 refuses.
    for (const bool right : {true, false}) {
        Net net;
        net.gw.setRequireWhitelisting(true);
        net.gw.whitelist(1, right ? WardenTest::kTestSerial : kOtherSerial);
        SimNode &n = net.add();
        personalize(n.eeprom, PolicyFlag::kRequireSignatures);
        n.boot();
        QVERIFY(net.join(n));
        QCOMPARE(n.eeprom.read(LegacyEeprom::kWhitelistRequirements) & 1, 0);
        net.gw.clearReceived();
        n.node().sendByte(1, uint8_t(Value::Status), 1);
        net.run(100);
        const auto values = net.gw.find(1, Command::Set);
        QCOMPARE(values.size(), size_t(1));
        QCOMPARE(values[0].verdict, right ? Verdict::Verified : Verdict::BadSignature);
    }
}

void tst_FwNode::nodeLockAfterFailures()
{
    Net net;
    SimNode &n = net.add();
    personalize(n.eeprom, PolicyFlag::kRequireSignatures);
    n.boot();
    QVERIFY(net.join(n));
    // Two forgeries over real nonces, three signed over no nonce at all: five failed
    // verifications, with only two nonce requests (that count locks at five too).
    uint8_t wrongKey[32];
    std::memset(wrongKey, 0x33, 32);
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(n.node().state(), NodeState::Ready);
        const QByteArray nonce = i < 2 ? net.nonceFrom(1) : QByteArray(32, char(0xAA));
        net.gw.transmitRaw(1, signedSet(1, nonce, wrongKey, nullptr));
        net.run(10);
        QCOMPARE(n.eeprom.read(LegacyEeprom::kNodeLock), uint8_t(4 - i));
    }
    QCOMPARE(n.node().state(), NodeState::Locked);
    QCOMPARE(n.node().lockReason(), LockReason::FailedVerifications);
    auto locked = net.gw.find(1, Command::Internal, int(Internal::Locked));
    QCOMPARE(locked.size(), size_t(1));
    QCOMPARE(payloadText(locked[0].message), QByteArray("TMFV"));
    // Locked: a good frame is ignored, no nonce is handed out, values are not sent.
    const size_t before = n.delivered.size();
    net.gw.send(gatewaySet(1, 1, 1));
    net.run(6000);
    QCOMPARE(n.delivered.size(), before);
    QCOMPARE(n.node().sendByte(1, 2, 1), SendStatus::NotReady);
    // Reported again every 30 minutes.
    net.run(30 * 60 * 1000);
    QCOMPARE(net.gw.find(1, Command::Internal, int(Internal::Locked)).size(), size_t(2));

    // Persistence: a reboot stays locked and says so ("LDB").
    net.gw.clearReceived();
    n.boot();
    QCOMPARE(n.node().state(), NodeState::Locked);
    QCOMPARE(n.node().lockReason(), LockReason::LockedDuringBoot);
    net.run(10);
    locked = net.gw.find(1, Command::Internal, int(Internal::Locked));
    QCOMPARE(locked.size(), size_t(1));
    QCOMPARE(payloadText(locked[0].message), QByteArray("LDB"));
    // The unlock pin grounded at boot (spec 4.10) restores the full budget.
    n.board.setUnlock(true);
    n.boot();
    n.board.setUnlock(false);
    QCOMPARE(n.eeprom.read(LegacyEeprom::kNodeLock), kNodeLockMax);
    QVERIFY(net.join(n));
    net.gw.send(gatewaySet(1, 1, 1));
    QVERIFY(net.runUntil(200, [&] { return !n.delivered.empty(); }));
}

void tst_FwNode::nodeLockNonceRequests()
{
    Net net;
    SimNode &n = net.add();
    personalize(n.eeprom, PolicyFlag::kRequireSignatures);
    n.boot();
    QVERIFY(net.join(n));
    for (int i = 0; i < 3; ++i)
        net.nonceFrom(1);
    QCOMPARE(n.node().state(), NodeState::Ready);
    // A verified frame (over the 4th nonce) resets the count.
    net.gw.transmitRaw(1, signedSet(1, net.nonceFrom(1), WardenTest::kTestKey, nullptr));
    net.run(10);
    QCOMPARE(n.node().state(), NodeState::Ready);
    for (int i = 0; i < 4; ++i)
        net.nonceFrom(1);
    QCOMPARE(n.node().state(), NodeState::Ready);
    net.gw.requestNonce(1);
    net.run(10);
    QCOMPARE(n.node().state(), NodeState::Locked);
    QCOMPARE(n.node().lockReason(), LockReason::NonceRequests);
    const auto locked = net.gw.find(1, Command::Internal, int(Internal::Locked));
    QCOMPARE(payloadText(locked.back().message), QByteArray("TMNR"));
    QCOMPARE(n.eeprom.read(LegacyEeprom::kNodeLock), uint8_t(0));

    // Without the lock feature nothing locks.
    NodeConfig config = testConfig();
    config.nodeLock = false;
    Net free(config);
    SimNode &f = free.add();
    personalize(f.eeprom, PolicyFlag::kRequireSignatures);
    f.boot();
    QVERIFY(free.join(f));
    for (int i = 0; i < 10; ++i)
        free.nonceFrom(1);
    QCOMPARE(f.node().state(), NodeState::Ready);
}

void tst_FwNode::nodeLockBudgetPersists()
{
    // The failure budget survives a reboot: an attacker cannot reset it by power cycling. (The
    // gateway does not answer registrations here: a verified answer would restore the budget.)
    Net net;
    net.gw.setAnswerRegistration(false);
    SimNode &n = net.add();
    personalize(n.eeprom, PolicyFlag::kRequireSignatures);
    n.boot();
    QVERIFY(net.join(n));
    uint8_t wrongKey[32];
    std::memset(wrongKey, 0x44, 32);
    for (int i = 0; i < 3; ++i) {
        net.gw.transmitRaw(1, signedSet(1, net.nonceFrom(1), wrongKey, nullptr));
        net.run(5);
    }
    QCOMPARE(n.eeprom.read(LegacyEeprom::kNodeLock), uint8_t(2));
    n.boot();
    QVERIFY(net.join(n));
    for (int i = 0; i < 2; ++i) {
        net.gw.transmitRaw(1, signedSet(1, net.nonceFrom(1), wrongKey, nullptr));
        net.run(5);
    }
    QCOMPARE(n.node().state(), NodeState::Locked);
}

void tst_FwNode::legacyPersonalizedNode()
{
    // Only what MySensors' SecurityPersonalizer writes (key 00..1F, AES 40..4F, serial
    // 112233445566778899, checksum DA), no Warden slot with keys: the node signs with it.
    Net net;
    SimNode &n = net.add();
    uint8_t aes[16];
    for (uint8_t i = 0; i < 16; ++i)
        aes[i] = uint8_t(0x40 + i);
    WardenTest::personalizeLegacy(n.eeprom, net.sha, WardenTest::kTestKey, aes,
                                  WardenTest::kTestSerial);
    QCOMPARE(n.eeprom.read(LegacyEeprom::kChecksum), uint8_t(0xDA));
    net.gw.setRequireWhitelisting(true);
    net.gw.whitelist(1, WardenTest::kTestSerial);
    n.boot();
    QVERIFY(net.join(n));
    QCOMPARE(n.node().keySource(), KeySource::Legacy);
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(n.node().serial()), 9),
             QByteArray(reinterpret_cast<const char *>(WardenTest::kTestSerial), 9));
    net.gw.clearReceived();
    n.node().sendFloat(0, uint8_t(Value::Temp), 19.25f, 2);
    net.run(100);
    const auto values = net.gw.find(1, Command::Set);
    QCOMPARE(values.size(), size_t(1));
    QCOMPARE(values[0].verdict, Verdict::Verified);
    // The Warden slot exists (boot counter) but holds no key: the legacy key is used.
    WardenStore store(n.eeprom, net.sha);
    QVERIFY(store.load());
    QVERIFY(!store.has(SlotFlag::kLinkKey));
    QVERIFY(store.bootCounter() >= 1);
    // The legacy area was not touched.
    QCOMPARE(n.eeprom.read(LegacyEeprom::kChecksum), uint8_t(0xDA));
}

void tst_FwNode::tamperedLegacyPersonalization()
{
    Net net;
    SimNode &n = net.add();
    uint8_t aes[16] = {};
    WardenTest::personalizeLegacy(n.eeprom, net.sha, WardenTest::kTestKey, aes,
                                  WardenTest::kTestSerial);
    n.eeprom.write(LegacyEeprom::kHmacKey, 0x80); // a key byte changed after the checksum
    n.boot();
    QVERIFY(net.join(n));
    QCOMPARE(n.node().keySource(), KeySource::None);
    // Spec 7.2: every signing and verification attempt fails.
    QCOMPARE(n.node().sendByte(1, uint8_t(Value::Status), 1), SendStatus::Refused);
    net.gw.transmitRaw(1, gatewaySet(1, 1, 1));
    net.run(10);
    QCOMPARE(n.delivered.size(), size_t(0));
    QCOMPARE(n.verdicts.back().second, Verdict::NotSigned);
    // Nor does it hand out nonces it could not use.
    net.gw.requestNonce(1);
    net.run(10);
    uint8_t nonce[32];
    QVERIFY(!net.gw.lastNonceFrom(1, nonce));
}

void tst_FwNode::noncesNeverRepeatAcrossReboots()
{
    // The worst case: an entropy source that yields the very same bytes at every boot. The
    // persisted boot counter still makes every nonce new.
    Net net;
    SimNode &n = net.add();
    personalize(n.eeprom, PolicyFlag::kRequireSignatures);
    std::set<QByteArray> seen;
    int total = 0;
    for (int boot = 0; boot < 5; ++boot) {
        n.entropy = SeededEntropy(1234);
        n.boot();
        QVERIFY(net.join(n));
        for (int i = 0; i < 3; ++i) {
            const QByteArray nonce = net.nonceFrom(1);
            seen.insert(nonce);
            ++total;
            // Consume it, so the lock counter does not trip.
            net.gw.transmitRaw(1, signedSet(1, nonce, WardenTest::kTestKey, nullptr));
            net.run(5);
        }
    }
    QCOMPARE(int(seen.size()), total);
    WardenStore store(n.eeprom, net.sha);
    store.load();
    QCOMPARE(store.bootCounter(), 5u);
}

void tst_FwNode::sendWhileBusyAndNonceTimeout()
{
    Net net;
    SimNode &n = net.add();
    personalize(n.eeprom, PolicyFlag::kRequireSignatures);
    n.boot();
    QVERIFY(net.join(n));
    net.gw.setAnswerNonceRequests(false);
    QCOMPARE(n.node().sendByte(1, uint8_t(Value::Status), 1), SendStatus::Pending);
    QCOMPARE(n.node().sendByte(1, uint8_t(Value::Status), 0), SendStatus::Busy);
    net.run(5000);
    QVERIFY(n.sendResults.empty());
    net.run(2);
    QCOMPARE(n.sendResults.size(), size_t(1));
    QVERIFY(!n.sendResults[0]);
    QVERIFY(!n.node().isSending());
    QVERIFY(net.gw.find(1, Command::Set).empty());
    // A late nonce response is ignored.
    Message late;
    late.setHeader(0, 1, Command::Internal, uint8_t(Internal::NonceResponse), 255);
    late.setPayload(PayloadType::Custom, QByteArray(25, 1).constData(), 25);
    net.gw.transmitRaw(1, late);
    net.run(10);
    QVERIFY(net.gw.find(1, Command::Set).empty());
    net.gw.setAnswerNonceRequests(true);
    QCOMPARE(n.node().sendByte(1, uint8_t(Value::Status), 1), SendStatus::Pending);
    net.run(50);
    QCOMPARE(net.gw.find(1, Command::Set).size(), size_t(1));
}

void tst_FwNode::echoAndInternals()
{
    Net net;
    SimNode &n = net.add();
    personalize(n.eeprom, PolicyFlag::kRequireSignatures);
    n.boot();
    QVERIFY(net.join(n));
    net.gw.clearReceived();
    // Request-echo: the node echoes what it verified.
    Message m = gatewaySet(1, 1, 1);
    m.setRequestEcho(true);
    net.gw.send(m);
    net.run(50);
    const auto echoes = net.gw.find(1, Command::Set);
    QCOMPARE(echoes.size(), size_t(1));
    QVERIFY(echoes[0].message.isEcho());
    QVERIFY(!echoes[0].message.requestEcho());
    QCOMPARE(echoes[0].message.destination(), uint8_t(0));

    // I_PRESENTATION: presents again (signed), without registering again.
    net.gw.clearReceived();
    Message present;
    present.setHeader(0, 1, Command::Internal, uint8_t(Internal::Presentation), 255);
    net.gw.send(present);
    QVERIFY(net.runUntil(3000, [&] {
        return !net.gw.find(1, Command::Presentation, int(Sensor::Binary)).empty()
               && n.node().isReady();
    }));
    QVERIFY(net.gw.find(1, Command::Internal, int(Internal::RegistrationRequest)).empty());

    // I_REBOOT from the gateway, signed: the board is asked to restart.
    Message reboot;
    reboot.setHeader(0, 1, Command::Internal, uint8_t(Internal::Reboot), 255);
    net.gw.send(reboot);
    QVERIFY(net.runUntil(100, [&] { return n.board.restarts() == 1; }));
    // ... but not unsigned.
    net.gw.transmitRaw(1, reboot);
    net.run(20);
    QCOMPARE(n.board.restarts(), 1);

    // Discovery: answered within 1024 ms with the parent id.
    net.gw.clearReceived();
    Message discover;
    discover.setHeader(0, 255, Command::Internal, uint8_t(Internal::DiscoverRequest), 255);
    net.gw.transmitRaw(255, discover);
    QVERIFY(net.runUntil(1100, [&] {
        return !net.gw.find(1, Command::Internal, int(Internal::DiscoverResponse)).empty();
    }));

    // Broadcast values are refused by a node that requires signatures.
    const size_t before = n.delivered.size();
    Message broadcast = gatewaySet(255, 1, 1);
    net.gw.transmitRaw(255, broadcast);
    net.run(10);
    QCOMPARE(n.delivered.size(), before);
}

void tst_FwNode::managementHook()
{
    Net net;
    SimNode &n = net.add();
    personalize(n.eeprom, PolicyFlag::kRequireSignatures);
    n.boot();
    CountingHandler handler;
    n.node().setManagementHandler(&handler);
    QVERIFY(net.join(n));
    QVERIFY(handler.polls > 0);
    // MySensors' own stream types are not routed; types above ST_FIRMWARE_RESPONSE_RLE are.
    Message firmware;
    firmware.setHeader(0, 1, Command::Stream, uint8_t(Stream::FirmwareResponse), 0);
    const uint8_t body[1] = {9};
    firmware.setPayload(PayloadType::Custom, body, 1);
    net.gw.send(firmware);
    Message management;
    management.setHeader(0, 1, Command::Stream, kFirstManagementStreamType, 0xFE);
    management.setPayload(PayloadType::Custom, body, 1);
    net.gw.send(management);
    net.run(100);
    QCOMPARE(handler.frames.size(), size_t(1));
    QCOMPARE(handler.frames[0].type(), kFirstManagementStreamType);
    QCOMPARE(n.node().store().whitelistCount(), uint8_t(1));
    QCOMPARE(n.node().store().managementCounter(), 1u);
    // Unsigned frames of the management range never reach the handler of a node that requires
    // signatures, except requests of the channel's own type 0x57 to sensor 255 (which carry
    // their own tag: tst_fwmanagement unsignedRequestsFromWardenGateway).
    net.gw.transmitRaw(1, management);
    net.run(20);
    QCOMPARE(handler.frames.size(), size_t(1));
}

void tst_FwNode::peerPolicyOverridesPresentations()
{
    // The management channel's policy: the peer list is authoritative, presentations are
    // ignored (they are unauthenticated). Here the gateway (0) is listed as requiring
    // signatures and salting, while its own presentation says it requires nothing.
    Net net;
    net.gw.setRequireSignatures(false);
    net.gw.setRequireWhitelisting(false);
    SimNode &n = net.add();
    personalize(n.eeprom, PolicyFlag::kRequireSignatures | PolicyFlag::kIgnorePresentations);
    {
        WardenStore store(n.eeprom, net.sha);
        store.load();
        store.beginStage();
        store.stagePeer(0, PeerFlag::kRequiresSignatures | PeerFlag::kRequiresWhitelisting);
        QCOMPARE(store.commitStage(), StoreStatus::Ok);
    }
    n.boot();
    QVERIFY(net.join(n));
    // The presentation taught nothing: the MySensors tables are still erased.
    QCOMPARE(n.eeprom.read(LegacyEeprom::kSigningRequirements), uint8_t(0xFF));
    // Yet the node signs (salted) to the gateway, as the peer list says.
    net.gw.setRequireSignatures(true);
    net.gw.setRequireWhitelisting(true);
    net.gw.whitelist(1, WardenTest::kTestSerial);
    net.gw.clearReceived();
    QCOMPARE(n.node().sendByte(1, uint8_t(Value::Status), 1), SendStatus::Pending);
    net.run(50);
    const auto values = net.gw.find(1, Command::Set);
    QCOMPARE(values.size(), size_t(1));
    QCOMPARE(values[0].verdict, Verdict::Verified);

    // Without the gateway in the list, the node would send unsigned whatever it presents.
    // (Written by another store object: reloadSecurity() reloads the slots too.)
    WardenStore store(n.eeprom, net.sha);
    store.load();
    store.beginStage();
    store.stagePeer(0, 0);
    QCOMPARE(store.commitStage(), StoreStatus::Ok);
    n.node().reloadSecurity();
    net.gw.clearReceived();
    QCOMPARE(n.node().sendByte(1, uint8_t(Value::Status), 0), SendStatus::Sent);
    net.run(5);
    QCOMPARE(net.gw.find(1, Command::Set)[0].verdict, Verdict::NotSigned);
}

void tst_FwNode::keyPrecedence()
{
    // Link key first, then the active network key, then the MySensors key.
    uint8_t networkKey[32];
    uint8_t linkKey[32];
    std::memset(networkKey, 0x6E, 32);
    std::memset(linkKey, 0x4C, 32);
    uint8_t aes[16] = {};
    for (int variant = 0; variant < 3; ++variant) {
        Net net;
        SimNode &n = net.add();
        WardenTest::personalizeLegacy(n.eeprom, net.sha, WardenTest::kTestKey, aes,
                                      WardenTest::kTestSerial);
        WardenStore store(n.eeprom, net.sha);
        store.load();
        store.beginStage();
        if (variant >= 1)
            store.stageKey(KeySlot::Network, networkKey, 3);
        if (variant >= 2)
            store.stageKey(KeySlot::Link, linkKey);
        store.commitStage();
        const uint8_t *expectedKey = variant == 0   ? WardenTest::kTestKey
                                     : variant == 1 ? networkKey
                                                    : linkKey;
        net.gw.setKey(expectedKey);
        n.boot();
        QVERIFY(net.join(n));
        QCOMPARE(n.node().keySource(), variant == 0   ? KeySource::Legacy
                                       : variant == 1 ? KeySource::Network
                                                      : KeySource::Link);
        net.gw.clearReceived();
        n.node().sendByte(1, uint8_t(Value::Status), 1);
        net.run(50);
        QCOMPARE(net.gw.find(1, Command::Set)[0].verdict, Verdict::Verified);
    }
}

void tst_FwNode::hostileFrames()
{
    // Without the lock: random frames may be nonce requests or forgeries, which would lock a
    // node by design; robustness is the point here.
    NodeConfig config = testConfig();
    config.nodeLock = false;
    Net net(config);
    SimNode &n = net.add();
    personalize(n.eeprom, PolicyFlag::kRequireSignatures);
    n.boot();
    QVERIFY(net.join(n));
    SeededEntropy random(99);
    uint8_t frame[32];
    for (int i = 0; i < 3000; ++i) {
        uint8_t length = 0;
        random.fill(&length, 1);
        length = uint8_t(1 + length % 32);
        random.fill(frame, length);
        if (i % 2 == 0 && length >= 7) {
            frame[2] = 1; // addressed to the node, so it gets past the address check
            frame[3] = uint8_t((frame[3] & 0xF8) | 2);
        }
        net.gwRadio->send(1, frame, length);
        if (i % 50 == 0)
            net.run(1);
    }
    net.run(3000); // random I_PRESENTATION requests make it present again
    QVERIFY(n.node().counters().malformed > 0);
    QVERIFY(n.node().verdictCount(Verdict::NotSigned) > 0);
    QCOMPARE(n.node().state(), NodeState::Ready);
    net.gw.send(gatewaySet(1, 1, 1));
    QVERIFY(net.runUntil(200, [&] {
        return !n.delivered.empty() && n.delivered.back().command() == Command::Set;
    }));
}

void tst_FwNode::powerCutDuringWhitelistChange()
{
    // A whitelist change as the management channel applies it (stage, commit, reload) with
    // power cut after every single EEPROM write. After each reboot the node holds the old
    // whitelist or the new one, and still verifies the gateway under whichever it holds.
    auto prepare = [](SimNode &n) {
        personalize(n.eeprom, PolicyFlag::kRequireSignatures | PolicyFlag::kRequireWhitelisting,
                    {entry(0, kGatewaySerial), entry(9, kOtherSerial)});
    };
    auto change = [](SecureNode &node) {
        WardenStore &store = node.store();
        store.beginStage();
        store.stageWhitelistAdd(entry(0, kOtherSerial)); // the gateway's new serial
        store.stageWhitelistRemove(9);
        store.stageManagementCounter(store.stagedManagementCounter() + 1);
        if (store.commitStage() == StoreStatus::Ok)
            node.reloadSecurity();
    };

    // Reference run: how many writes the change takes.
    uint64_t writes = 0;
    {
        Net net;
        net.gw.setSerial(kGatewaySerial);
        SimNode &n = net.add();
        prepare(n);
        n.boot();
        QVERIFY(net.join(n));
        n.eeprom.resetCounters();
        change(n.node());
        writes = n.eeprom.writeCount();
    }
    QVERIFY(writes > 10);

    int sawOld = 0;
    int sawNew = 0;
    for (uint64_t cut = 0; cut <= writes; ++cut) {
        Net net;
        SimNode &n = net.add();
        prepare(n);
        net.gw.setSerial(kGatewaySerial);
        n.boot();
        QVERIFY(net.join(n));
        n.eeprom.cutPowerAfter(cut);
        change(n.node());
        n.powerOff();
        n.eeprom.restorePower();

        WardenStore store(n.eeprom, net.sha);
        QVERIFY(store.load());
        WhitelistEntry gw {};
        QVERIFY(store.findWhitelistEntry(0, gw));
        WhitelistEntry nine {};
        const bool hasNine = store.findWhitelistEntry(9, nine);
        const bool isOld = std::memcmp(gw.serial, kGatewaySerial, 9) == 0 && hasNine
                           && store.whitelistCount() == 2 && store.managementCounter() == 0;
        const bool isNew = std::memcmp(gw.serial, kOtherSerial, 9) == 0 && !hasNine
                           && store.whitelistCount() == 1 && store.managementCounter() == 1;
        QVERIFY2(isOld != isNew,
                 qPrintable(QStringLiteral("cut after write %1 of %2").arg(cut).arg(writes)));
        sawOld += isOld;
        sawNew += isNew;

        // Reboot and verify under the state the node kept.
        net.gw.setSerial(isNew ? kOtherSerial : kGatewaySerial);
        n.boot();
        QVERIFY(net.join(n));
        net.gw.send(gatewaySet(1, 1, 1));
        QVERIFY2(net.runUntil(200,
                              [&] {
                                  return !n.delivered.empty()
                                         && n.delivered.back().command() == Command::Set;
                              }),
                 qPrintable(QStringLiteral("no verified frame after cut %1").arg(cut)));
    }
    QVERIFY(sawOld > 0 && sawNew > 0);
    qInfo("whitelist change: %llu writes; old after %d cuts, new after %d", qulonglong(writes),
          sawOld, sawNew);
}

QTEST_GUILESS_MAIN(tst_FwNode)
#include "tst_fwnode.moc"
