// The node's management handler (firmware/src/managementhandler.*) against core's side of the
// channel (ManagementRequestBuilder / ManagementAckReceiver of core/protocol): every operation
// applied over the simulated bus through a legacy-signing test gateway, acknowledged, and its
// effect visible in what the node then signs and verifies; stale, repeated, forged and
// cross-node requests refused without a state change; and power cut after every EEPROM write of
// every operation, after which the store holds the old state and counter or the new ones, whole,
// and the node still verifies a signed frame.
#include "simharness.h"

#include <eepromlayout.h>
#include <flashstring.h>
#include <managementhandler.h>
#include <securenode.h>

#include <warden/protocol/management.h>

#include <QtTest/QtTest>

#include <cstring>
#include <functional>

using namespace Warden::Firmware;
using namespace Warden::Firmware::Host;
using namespace Warden::Protocol;
using WardenTest::SimNode;
using WardenTest::TestGateway;

Q_DECLARE_METATYPE(ManagementOperation)
Q_DECLARE_METATYPE(Verdict)

namespace {

const uint8_t kNodeId = 1;
const uint8_t kGatewaySerial[9] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x00};
const uint8_t kOtherSerial[9] = {0x99, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
const uint8_t kSerialB[9] = {0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29};

QByteArray filled(uint8_t first)
{
    QByteArray out(32, 0);
    for (int i = 0; i < 32; ++i)
        out[i] = char(first + i);
    return out;
}

const QByteArray kMgmtKey = filled(0x20);
const QByteArray kWrongMgmtKey = filled(0x21);
const QByteArray kNewLinkKey = filled(0x60);
const QByteArray kNetworkKey1 = filled(0x80);
const QByteArray kNetworkKey2 = filled(0xA0);
const QByteArray kNetworkKey3 = filled(0xC0);

const uint8_t *u8(const QByteArray &b)
{
    return reinterpret_cast<const uint8_t *>(b.constData());
}

NodeConfig testConfig()
{
    NodeConfig config;
    config.personalizationWindowMs = 0;
    config.staticNodeId = kNodeId;
    return config;
}

WhitelistEntry entry(uint8_t node, const uint8_t serial[9])
{
    WhitelistEntry e {};
    e.nodeId = node;
    std::memcpy(e.serial, serial, 9);
    return e;
}

/// The state every test starts from: link key (the test key), K_mgmt, serial, network key of
/// epoch 1, a pending key of epoch 2, signatures required, the gateway and node 9 listed,
/// management counter 4.
WardenState baseState(uint8_t policy = PolicyFlag::kRequireSignatures,
                      const uint8_t *serial = WardenTest::kTestSerial)
{
    WardenState s;
    s.flags = SlotFlag::kLinkKey | SlotFlag::kManagementKey | SlotFlag::kSerial | SlotFlag::kPolicy
              | SlotFlag::kNetworkKey | SlotFlag::kPendingKey;
    s.policy = policy;
    std::memcpy(s.key(KeySlot::Link), WardenTest::kTestKey, 32);
    std::memcpy(s.key(KeySlot::Management), u8(kMgmtKey), 32);
    std::memcpy(s.key(KeySlot::Network), u8(kNetworkKey1), 32);
    std::memcpy(s.key(KeySlot::Pending), u8(kNetworkKey2), 32);
    s.activeEpoch = 1;
    s.pendingEpoch = 2;
    std::memcpy(s.serial, serial, 9);
    s.whitelistCount = 2;
    s.whitelist[0] = entry(0, kGatewaySerial);
    s.whitelist[1] = entry(9, kOtherSerial);
    s.managementCounter = 4;
    return s;
}

void personalize(Eeprom &eeprom, const WardenState &state)
{
    PortableSha256 sha;
    WardenStore store(eeprom, sha);
    store.load();
    QCOMPARE(store.commit(state), StoreStatus::Ok);
}

/// The store's committed image without the boot counter (which every boot moves).
WardenState storedState(Eeprom &eeprom)
{
    PortableSha256 sha;
    WardenStore store(eeprom, sha);
    WardenState s;
    store.load();
    store.read(s);
    s.bootCounter = 0;
    return s;
}

bool sameState(const WardenState &a, const WardenState &b)
{
    return std::memcmp(&a, &b, sizeof a) == 0;
}

ManagementKeys channelKeys(const QByteArray &mgmtKey,
                           const uint8_t *serial = WardenTest::kTestSerial)
{
    PortableSha256 sha;
    ManagementKeys keys;
    keys.derive(sha, u8(mgmtKey), serial);
    return keys;
}

/// Builds the request of @p operation (a fixed body per operation) with @p keys.
ManagementBuildError buildRequest(ManagementRequestBuilder &builder, const ManagementKeys &keys,
                                  ManagementOperation operation, uint32_t counter,
                                  uint8_t scope = 0)
{
    switch (operation) {
    case ManagementOperation::ReplaceWhitelist: {
        const WhitelistEntry list[] = {entry(0, kOtherSerial), entry(7, kSerialB)};
        return builder.beginReplaceWhitelist(keys, counter, list, 2);
    }
    case ManagementOperation::AddWhitelistEntry:
        return builder.beginAddWhitelistEntry(keys, counter, entry(5, kSerialB));
    case ManagementOperation::RemoveWhitelistEntry:
        return builder.beginRemoveWhitelistEntry(keys, counter, 9);
    case ManagementOperation::SetSigningPolicy: {
        const SigningPeer peers[] = {{0, kPeerRequiresSignatures},
                                     {7, kPeerRequiresSignatures | kPeerRequiresWhitelisting}};
        const SigningPolicy policy {kPolicyRequireSignatures | kPolicyIgnorePresentations, peers,
                                    2};
        return builder.beginSetSigningPolicy(keys, counter, policy);
    }
    case ManagementOperation::SetLinkKey:
        return builder.beginSetLinkKey(keys, counter, u8(kNewLinkKey));
    case ManagementOperation::SetNetworkKey:
        return builder.beginSetNetworkKey(keys, counter, 3, u8(kNetworkKey3));
    case ManagementOperation::ActivateEpoch:
        return builder.beginActivateEpoch(keys, counter, 2);
    case ManagementOperation::ReadConfigDigest:
        return builder.beginReadConfigDigest(keys, counter);
    case ManagementOperation::FactoryReset:
        return builder.beginFactoryReset(keys, counter, scope);
    }
    return ManagementBuildError::InvalidArgument;
}

/// What @p operation (as buildRequest builds it) makes of @p before.
WardenState expectedAfter(WardenState s, ManagementOperation operation, uint32_t counter,
                          uint8_t scope = 0)
{
    s.managementCounter = counter;
    switch (operation) {
    case ManagementOperation::ReplaceWhitelist:
        std::memset(s.whitelist, 0, sizeof s.whitelist);
        s.whitelistCount = 2;
        s.whitelist[0] = entry(0, kOtherSerial);
        s.whitelist[1] = entry(7, kSerialB);
        break;
    case ManagementOperation::AddWhitelistEntry:
        s.whitelist[s.whitelistCount++] = entry(5, kSerialB);
        break;
    case ManagementOperation::RemoveWhitelistEntry:
        // Node 9 is the last of the base list.
        std::memset(&s.whitelist[--s.whitelistCount], 0, sizeof(WhitelistEntry));
        break;
    case ManagementOperation::SetSigningPolicy:
        s.flags |= SlotFlag::kPolicy;
        s.policy = PolicyFlag::kRequireSignatures | PolicyFlag::kIgnorePresentations;
        std::memset(s.peers, 0, sizeof s.peers);
        s.peerCount = 2;
        s.peers[0] = {0, PeerFlag::kRequiresSignatures};
        s.peers[1] = {7, PeerFlag::kRequiresSignatures | PeerFlag::kRequiresWhitelisting};
        break;
    case ManagementOperation::SetLinkKey:
        std::memcpy(s.key(KeySlot::Link), u8(kNewLinkKey), 32);
        s.flags |= SlotFlag::kLinkKey;
        break;
    case ManagementOperation::SetNetworkKey:
        std::memcpy(s.key(KeySlot::Pending), u8(kNetworkKey3), 32);
        s.pendingEpoch = 3;
        s.flags |= SlotFlag::kPendingKey;
        break;
    case ManagementOperation::ActivateEpoch:
        std::memcpy(s.key(KeySlot::Network), s.key(KeySlot::Pending), 32);
        std::memset(s.key(KeySlot::Pending), 0, 32);
        s.activeEpoch = s.pendingEpoch;
        s.pendingEpoch = 0;
        s.flags = uint8_t((s.flags | SlotFlag::kNetworkKey) & ~SlotFlag::kPendingKey);
        break;
    case ManagementOperation::ReadConfigDigest:
        break;
    case ManagementOperation::FactoryReset:
        for (KeySlot k : {KeySlot::Link, KeySlot::Network, KeySlot::Pending})
            std::memset(s.key(k), 0, 32);
        s.flags &= uint8_t(~(SlotFlag::kLinkKey | SlotFlag::kNetworkKey | SlotFlag::kPendingKey
                             | SlotFlag::kPolicy));
        if (scope & kManagementResetEraseManagementKey) {
            std::memset(s.key(KeySlot::Management), 0, 32);
            s.flags &= uint8_t(~SlotFlag::kManagementKey);
        }
        s.activeEpoch = 0;
        s.pendingEpoch = 0;
        s.policy = 0;
        std::memset(s.whitelist, 0, sizeof s.whitelist);
        s.whitelistCount = 0;
        std::memset(s.peers, 0, sizeof s.peers);
        s.peerCount = 0;
        break;
    }
    return s;
}

/// The configuration digest core predicts for @p s (section 8), built independently of the
/// node's code from the image.
QByteArray predictedDigest(const WardenState &s)
{
    PortableSha256 sha;
    RequirementTable doSign;
    RequirementTable doWhitelist;
    for (uint8_t i = 0; i < s.peerCount; ++i) {
        if (s.peers[i].flags & PeerFlag::kRequiresSignatures)
            doSign.require(s.peers[i].nodeId);
        if (s.peers[i].flags & PeerFlag::kRequiresWhitelisting)
            doWhitelist.require(s.peers[i].nodeId);
    }
    ManagementConfigSummary summary {};
    summary.serial = s.has(SlotFlag::kSerial) ? s.serial : nullptr;
    summary.whitelist = {s.whitelist, s.whitelistCount};
    summary.policyFlags = s.policy;
    summary.doSign = &doSign;
    summary.doWhitelist = &doWhitelist;
    summary.linkKey = s.has(SlotFlag::kLinkKey) ? s.key(KeySlot::Link) : nullptr;
    summary.activeEpoch = s.activeEpoch;
    summary.activeNetworkKey = s.has(SlotFlag::kNetworkKey) ? s.key(KeySlot::Network) : nullptr;
    summary.pendingEpoch = s.pendingEpoch;
    summary.pendingNetworkKey = s.has(SlotFlag::kPendingKey) ? s.key(KeySlot::Pending) : nullptr;
    uint8_t out[32];
    computeConfigDigest(sha, summary, out);
    return QByteArray(reinterpret_cast<const char *>(out), 32);
}

/// What core got back for one request.
struct Answer
{
    ManagementStatus status = ManagementStatus::NotAssembled; ///< of ManagementAckReceiver::open
    ManagementResult result = ManagementResult::Applied;
    QByteArray digest;
    uint32_t lastAccepted = 0;
    int ackFrames = 0;
    Verdict ackVerdict = Verdict::NoKey; ///< the gateway's verdict on the last ack frame
};

/// One gateway, one bus, nodes with a management handler each, one clock; core's side of the
/// channel on top of the test gateway.
class Net
{
public:
    Net()
        : gwRadio(bus.connect(0))
        , gw(*gwRadio, sha, clock)
    {
        gw.setKey(WardenTest::kTestKey);
        gw.setSerial(kGatewaySerial);
        gw.onReceived = [this](const TestGateway::Received &r) {
            if (r.message.command() == Command::Stream && r.message.type() == kManagementAckType)
                acks.push_back(r);
        };
    }

    SimNode &add(const WardenState &state, uint64_t seed = 1)
    {
        nodes.push_back(std::make_unique<SimNode>(bus, clock, sha, config, seed));
        handlers.push_back(std::make_unique<ManagementChannelHandler>(sha));
        SimNode &n = *nodes.back();
        personalize(n.eeprom, state);
        return n;
    }

    /// Boots node @p index with its handler.
    void boot(size_t index)
    {
        nodes[index]->boot();
        nodes[index]->node().setManagementHandler(handlers[index].get());
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
    bool join(SimNode &n)
    {
        return runUntil(20000, [&] { return n.isRunning() && n.node().isReady(); });
    }

    /// Sends the built request to @p node through the gateway (signed per fragment when the
    /// node requires signatures, unless sendUnsigned: as Warden's gateway sends them) and
    /// waits for an acknowledgement that core can open.
    Answer exchange(ManagementRequestBuilder &builder, const ManagementKeys &keys,
                    uint8_t operation, uint32_t counter, uint8_t node = kNodeId,
                    uint32_t waitMs = 3000)
    {
        acks.clear();
        Message frame;
        for (size_t i = 0; builder.frame(i, frame, kGatewayAddress, node); ++i) {
            if (sendUnsigned)
                gw.transmitRaw(node, frame);
            else
                gw.send(frame);
        }
        ManagementAckReceiver receiver(sha);
        Answer answer;
        size_t fed = 0;
        runUntil(waitMs, [&] {
            for (; fed < acks.size(); ++fed) {
                if (acks[fed].message.sender() != node)
                    continue;
                ++answer.ackFrames;
                answer.ackVerdict = acks[fed].verdict;
                if (receiver.feed(acks[fed].message, clock.millis())
                    == ManagementStatus::Assembled) {
                    answer.status = receiver.open(keys, operation, counter);
                    if (answer.status == ManagementStatus::Complete)
                        return true;
                }
            }
            return false;
        });
        if (answer.status == ManagementStatus::Complete) {
            answer.result = receiver.result();
            if (receiver.configDigest())
                answer.digest
                        = QByteArray(reinterpret_cast<const char *>(receiver.configDigest()), 32);
            receiver.lastAcceptedCounter(answer.lastAccepted);
        }
        return answer;
    }

    Answer request(ManagementOperation operation, uint32_t counter,
                   const QByteArray &mgmtKey = kMgmtKey, uint8_t scope = 0)
    {
        const ManagementKeys keys = channelKeys(mgmtKey);
        ManagementRequestBuilder builder(sha);
        if (buildRequest(builder, keys, operation, counter, scope) != ManagementBuildError::None)
            return {};
        return exchange(builder, keys, uint8_t(operation), counter);
    }

    /// A C_SET from the gateway to @p node signed with @p key (salted with @p serial), after a
    /// nonce of its own: the verdict the node gave it.
    Verdict deliverSigned(SimNode &n, const uint8_t *key, const uint8_t *serial)
    {
        uint8_t before[kNonceSize] = {};
        const bool had = gw.lastNonceFrom(kNodeId, before);
        gw.requestNonce(kNodeId);
        uint8_t nonce[kNonceSize] = {};
        if (!runUntil(200, [&] {
                return gw.lastNonceFrom(kNodeId, nonce)
                       && (!had || std::memcmp(nonce, before, kNonceSize) != 0);
            }))
            return Verdict::NoNonce;
        LegacySigner signer(sha);
        signer.setKey(key);
        Message m;
        m.setHeader(kGatewayAddress, kNodeId, Command::Set, uint8_t(Value::Status), 1);
        m.setByte(1);
        signer.sign(m, nonce, serial);
        n.verdicts.clear();
        gw.transmitRaw(kNodeId, m);
        runUntil(100, [&] { return !n.verdicts.empty(); });
        return n.verdicts.empty() ? Verdict::NoNonce : n.verdicts.back().second;
    }

    NodeConfig config = testConfig();
    ManualClock clock {1000};
    SimBus bus {clock};
    PortableSha256 sha;
    std::unique_ptr<SimBusEndpoint> gwRadio;
    TestGateway gw;
    std::vector<std::unique_ptr<SimNode>> nodes;
    std::vector<std::unique_ptr<ManagementChannelHandler>> handlers;
    std::vector<TestGateway::Received> acks;
    bool sendUnsigned = false;
};

} // namespace

class tst_FwManagement : public QObject
{
    Q_OBJECT

private slots:
    void streamedDigestMatchesSummary_data();
    void streamedDigestMatchesSummary();
    void operations_data();
    void operations();
    void whitelistChangesVerification();
    void linkKeyChangesSigning();
    void networkKeyAndEpoch();
    void factoryResetErasesManagementKey();
    void refusedRequestsConsumeTheirCounter();
    void staleAndRepeatedCounters();
    void forgedRequestChangesNothing();
    void requestForAnotherNodeRefused();
    void unsignedRequestsFromWardenGateway();
    void unsignedForgedRequestChangesNothing();
    void unsignedRequestsAndTheNodeLock();
    void unsignedRequestToNodeWithoutSignatures_data();
    void unsignedRequestToNodeWithoutSignatures();
    void powerCutDuringEveryOperation_data();
    void powerCutDuringEveryOperation();
};

namespace {

/// The configuration digest's input as a node streams it (ManagementConfigSource), over plain
/// arrays: the same configuration as a summary must give the same digest.
class ArraySource final : public ManagementConfigSource
{
public:
    const uint8_t *serialBytes = nullptr;
    const WhitelistEntry *entries = nullptr;
    uint8_t entryCount = 0;
    uint8_t policy = 0;
    uint8_t peers[256] = {};
    const uint8_t *keys[3] = {nullptr, nullptr, nullptr};
    uint16_t epochs[3] = {0, 0, 0};

    void serial(uint8_t out[kSerialSize]) const override
    {
        if (serialBytes)
            std::memcpy(out, serialBytes, kSerialSize);
        else
            std::memset(out, 0xFF, kSerialSize);
    }
    uint8_t whitelistCount() const override { return entryCount; }
    uint8_t whitelistNodeId(uint8_t index) const override { return entries[index].nodeId; }
    void whitelistSerial(uint8_t index, uint8_t out[kSerialSize]) const override
    {
        std::memcpy(out, entries[index].serial, kSerialSize);
    }
    uint8_t policyFlags() const override { return policy; }
    uint8_t peerFlags(uint8_t nodeId) const override { return peers[nodeId]; }
    bool key(ManagementConfigKey which, uint8_t out[kManagementKeySize]) const override
    {
        const uint8_t *key = keys[int(which)];
        if (key)
            std::memcpy(out, key, kManagementKeySize);
        return key != nullptr;
    }
    uint16_t epoch(ManagementConfigKey which) const override { return epochs[int(which)]; }
};

} // namespace

void tst_FwManagement::streamedDigestMatchesSummary_data()
{
    QTest::addColumn<int>("entries");
    QTest::addColumn<int>("peers");
    QTest::addColumn<bool>("keys");
    QTest::newRow("blank") << 0 << 0 << false;
    QTest::newRow("a few, unordered, duplicate ids") << 5 << 3 << true;
    QTest::newRow("full lists, peer 0, entry 254") << 16 << 16 << true;
}

void tst_FwManagement::streamedDigestMatchesSummary()
{
    QFETCH(int, entries);
    QFETCH(int, peers);
    QFETCH(bool, keys);
    PortableSha256 sha;
    // Ids descending from 254 with a repeat every fourth entry (whose serial must not count):
    // the canonical image sorts and de-duplicates them.
    WhitelistEntry list[16] = {};
    for (int i = 0; i < entries; ++i) {
        list[i].nodeId = i == 0       ? 254
                         : i % 4 == 3 ? list[i - 1].nodeId
                                      : uint8_t(entries * 7 - 7 * i);
        for (int b = 0; b < int(kSerialSize); ++b)
            list[i].serial[b] = uint8_t(i * 16 + b);
    }
    const uint8_t serial[kSerialSize] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    uint8_t keyBytes[3][kManagementKeySize];
    for (int k = 0; k < 3; ++k)
        std::memset(keyBytes[k], 0x30 + k, kManagementKeySize);

    ArraySource source;
    ManagementConfigSummary summary {};
    RequirementTable doSign;
    RequirementTable doWhitelist;
    source.entries = list;
    source.entryCount = uint8_t(entries);
    summary.whitelist = {list, size_t(entries)};
    for (int i = 0; i < peers; ++i) {
        const uint8_t id = uint8_t(i * 13 % 255);
        const uint8_t flags = uint8_t(1 + i % 3);
        source.peers[id] = flags;
        if (flags & kPeerRequiresSignatures)
            doSign.require(id);
        if (flags & kPeerRequiresWhitelisting)
            doWhitelist.require(id);
    }
    summary.doSign = &doSign;
    summary.doWhitelist = &doWhitelist;
    if (keys) {
        source.serialBytes = serial;
        summary.serial = serial;
        source.policy = summary.policyFlags = kPolicyRequireSignatures | kPolicyIgnorePresentations;
        for (int k = 0; k < 3; ++k)
            source.keys[k] = keyBytes[k];
        summary.linkKey = keyBytes[0];
        summary.activeNetworkKey = keyBytes[1];
        summary.pendingNetworkKey = keyBytes[2];
        source.epochs[1] = summary.activeEpoch = 7;
        source.epochs[2] = summary.pendingEpoch = 8;
    }
    uint8_t streamed[32];
    uint8_t whole[32];
    computeConfigDigest(sha, source, streamed);
    computeConfigDigest(sha, summary, whole);
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(streamed), 32),
             QByteArray(reinterpret_cast<const char *>(whole), 32));
    // And it is a digest of the content: one peer flag more changes it.
    source.peers[200] = kPeerRequiresSignatures;
    computeConfigDigest(sha, source, streamed);
    QVERIFY(std::memcmp(streamed, whole, 32) != 0);
}

void tst_FwManagement::operations_data()
{
    QTest::addColumn<ManagementOperation>("operation");
    QTest::addColumn<int>("requestFrames");
    QTest::newRow("replace-whitelist") << ManagementOperation::ReplaceWhitelist << 2;
    QTest::newRow("add-whitelist-entry") << ManagementOperation::AddWhitelistEntry << 2;
    QTest::newRow("remove-whitelist-entry") << ManagementOperation::RemoveWhitelistEntry << 2;
    QTest::newRow("set-signing-policy") << ManagementOperation::SetSigningPolicy << 2;
    QTest::newRow("set-link-key") << ManagementOperation::SetLinkKey << 3;
    QTest::newRow("set-network-key") << ManagementOperation::SetNetworkKey << 3;
    QTest::newRow("activate-epoch") << ManagementOperation::ActivateEpoch << 2;
    QTest::newRow("read-config-digest") << ManagementOperation::ReadConfigDigest << 1;
    QTest::newRow("factory-reset") << ManagementOperation::FactoryReset << 2;
}

void tst_FwManagement::operations()
{
    // Each operation end to end: core's frames through a gateway that legacy-signs every
    // fragment (the node requires signatures), the node's authenticated acknowledgement back
    // (signed too: the gateway requires signatures), the committed state exactly the expected
    // one, and the configuration digest the node then reports equal to core's prediction.
    QFETCH(ManagementOperation, operation);
    QFETCH(int, requestFrames);
    Net net;
    const WardenState before = baseState();
    SimNode &n = net.add(before);
    net.boot(0);
    QVERIFY(net.join(n));

    {
        const ManagementKeys keys = channelKeys(kMgmtKey);
        ManagementRequestBuilder builder(net.sha);
        QCOMPARE(buildRequest(builder, keys, operation, 5), ManagementBuildError::None);
        QCOMPARE(int(builder.frameCount()), requestFrames);
    }
    const Answer answer = net.request(operation, 5);
    QCOMPARE(answer.status, ManagementStatus::Complete);
    QCOMPARE(answer.result, ManagementResult::Applied);
    // Every acknowledgement frame reached the gateway signed and verified.
    for (const auto &r : net.acks)
        QCOMPARE(r.verdict, Verdict::Verified);

    const WardenState expected = expectedAfter(before, operation, 5);
    const WardenState after = storedState(n.eeprom);
    QVERIFY(sameState(after, expected));
    if (operation == ManagementOperation::ReadConfigDigest) {
        QCOMPARE(answer.ackFrames, 3);
        QCOMPARE(answer.digest, predictedDigest(before));
    } else {
        QCOMPARE(answer.ackFrames, 1);
        QVERIFY(answer.digest.isEmpty());
    }
    QCOMPARE(net.handlers[0]->lastResult(), ManagementResult::Applied);

    if (operation == ManagementOperation::FactoryReset) {
        // No key left: the node can neither verify the gateway's signed fragments nor sign an
        // answer. It stays as the reset left it until it is personalized again over USB.
        QCOMPARE(n.node().keySource(), KeySource::None);
        const Answer read = net.request(ManagementOperation::ReadConfigDigest, 6);
        QCOMPARE(read.status, ManagementStatus::NotAssembled);
        QVERIFY(sameState(storedState(n.eeprom), expected));
        return;
    }
    if (operation == ManagementOperation::SetLinkKey)
        net.gw.setKey(u8(kNewLinkKey));
    const Answer read = net.request(ManagementOperation::ReadConfigDigest, 6);
    QCOMPARE(read.status, ManagementStatus::Complete);
    QCOMPARE(read.result, ManagementResult::Applied);
    QCOMPARE(read.digest, predictedDigest(expected));
}

void tst_FwManagement::whitelistChangesVerification()
{
    // With whitelisting required, a replace-whitelist that lists the gateway under a new
    // serial makes the node verify frames salted with that serial and refuse the old one; a
    // remove makes it refuse the gateway altogether.
    Net net;
    net.gw.setSerial(kGatewaySerial);
    SimNode &n
            = net.add(baseState(PolicyFlag::kRequireSignatures | PolicyFlag::kRequireWhitelisting));
    net.boot(0);
    QVERIFY(net.join(n));
    QCOMPARE(net.deliverSigned(n, WardenTest::kTestKey, kGatewaySerial), Verdict::Verified);

    const Answer replaced = net.request(ManagementOperation::ReplaceWhitelist, 5);
    QCOMPARE(replaced.status, ManagementStatus::Complete);
    QCOMPARE(replaced.result, ManagementResult::Applied);
    QCOMPARE(net.deliverSigned(n, WardenTest::kTestKey, kOtherSerial), Verdict::Verified);
    QVERIFY(net.deliverSigned(n, WardenTest::kTestKey, kGatewaySerial) != Verdict::Verified);

    // The gateway now salts its management fragments with its listed serial.
    net.gw.setSerial(kOtherSerial);
    const ManagementKeys keys = channelKeys(kMgmtKey);
    ManagementRequestBuilder builder(net.sha);
    QCOMPARE(builder.beginRemoveWhitelistEntry(keys, 6, 0), ManagementBuildError::None);
    const Answer removed
            = net.exchange(builder, keys, uint8_t(ManagementOperation::RemoveWhitelistEntry), 6);
    QCOMPARE(removed.status, ManagementStatus::Complete);
    QCOMPARE(removed.result, ManagementResult::Applied);
    QCOMPARE(net.deliverSigned(n, WardenTest::kTestKey, kOtherSerial), Verdict::NotWhitelisted);
}

void tst_FwManagement::linkKeyChangesSigning()
{
    Net net;
    SimNode &n = net.add(baseState());
    net.boot(0);
    QVERIFY(net.join(n));
    QCOMPARE(net.request(ManagementOperation::SetLinkKey, 5).result, ManagementResult::Applied);
    QCOMPARE(n.node().keySource(), KeySource::Link);

    // The node signs with the new key: a gateway with the old one refuses its value, one with
    // the new key verifies it. And it verifies only frames signed with the new key.
    net.gw.clearReceived();
    QCOMPARE(n.node().sendByte(1, uint8_t(Value::Status), 1), SendStatus::Pending);
    net.run(300);
    auto sets = net.gw.find(kNodeId, Command::Set);
    QCOMPARE(sets.size(), size_t(1));
    QCOMPARE(sets[0].verdict, Verdict::BadSignature);

    net.gw.setKey(u8(kNewLinkKey));
    net.gw.clearReceived();
    QCOMPARE(n.node().sendByte(1, uint8_t(Value::Status), 0), SendStatus::Pending);
    net.run(300);
    sets = net.gw.find(kNodeId, Command::Set);
    QCOMPARE(sets.size(), size_t(1));
    QCOMPARE(sets[0].verdict, Verdict::Verified);
    QCOMPARE(net.deliverSigned(n, u8(kNewLinkKey), nullptr), Verdict::Verified);
    QCOMPARE(net.deliverSigned(n, WardenTest::kTestKey, nullptr), Verdict::BadSignature);
}

void tst_FwManagement::networkKeyAndEpoch()
{
    // A shared-key node (no link key): set-network-key delivers epoch 3 as pending and changes
    // nothing the node signs with; activate-epoch switches to it.
    Net net;
    WardenState state = baseState();
    state.flags &= uint8_t(~SlotFlag::kLinkKey);
    std::memset(state.key(KeySlot::Link), 0, 32);
    net.gw.setKey(u8(kNetworkKey1));
    SimNode &n = net.add(state);
    net.boot(0);
    QVERIFY(net.join(n));
    QCOMPARE(n.node().keySource(), KeySource::Network);

    QCOMPARE(net.request(ManagementOperation::SetNetworkKey, 5).result, ManagementResult::Applied);
    QCOMPARE(net.deliverSigned(n, u8(kNetworkKey1), nullptr), Verdict::Verified);
    QCOMPARE(net.deliverSigned(n, u8(kNetworkKey3), nullptr), Verdict::BadSignature);

    // Epoch 2's pending key was replaced by epoch 3's: activating 2 is unknown-epoch.
    const Answer unknown = net.request(ManagementOperation::ActivateEpoch, 6);
    QCOMPARE(unknown.status, ManagementStatus::Complete);
    QCOMPARE(unknown.result, ManagementResult::UnknownEpoch);

    const ManagementKeys keys = channelKeys(kMgmtKey);
    ManagementRequestBuilder builder(net.sha);
    QCOMPARE(builder.beginActivateEpoch(keys, 7, 3), ManagementBuildError::None);
    const Answer activated
            = net.exchange(builder, keys, uint8_t(ManagementOperation::ActivateEpoch), 7);
    QCOMPARE(activated.status, ManagementStatus::Complete);
    QCOMPARE(activated.result, ManagementResult::Applied);
    net.gw.setKey(u8(kNetworkKey3));
    QCOMPARE(net.deliverSigned(n, u8(kNetworkKey3), nullptr), Verdict::Verified);
    QCOMPARE(net.deliverSigned(n, u8(kNetworkKey1), nullptr), Verdict::BadSignature);
    const WardenState after = storedState(n.eeprom);
    QCOMPARE(after.activeEpoch, uint16_t(3));
    QCOMPARE(after.pendingEpoch, uint16_t(0));
    QVERIFY(!after.has(SlotFlag::kPendingKey));

    // Activating the active epoch again is harmless.
    ManagementRequestBuilder again(net.sha);
    QCOMPARE(again.beginActivateEpoch(keys, 8, 3), ManagementBuildError::None);
    QCOMPARE(net.exchange(again, keys, uint8_t(ManagementOperation::ActivateEpoch), 8).result,
             ManagementResult::Applied);
}

void tst_FwManagement::factoryResetErasesManagementKey()
{
    // Scope bit 0: K_mgmt goes too. The acknowledgement still comes, under the keys the node
    // had before; afterwards nothing authenticates and the node answers nothing.
    // A node that requires no signatures, so management frames reach it unsigned, and a
    // gateway that requires none (the wiped node has no key to sign its answers with).
    Net net;
    net.config.requireSignatures = false;
    net.gw.setRequireSignatures(false);
    SimNode &n = net.add(baseState(0));
    net.boot(0);
    QVERIFY(net.join(n));
    const Answer reset = net.request(ManagementOperation::FactoryReset, 5, kMgmtKey,
                                     kManagementResetEraseManagementKey);
    QCOMPARE(reset.status, ManagementStatus::Complete);
    QCOMPARE(reset.result, ManagementResult::Applied);
    const WardenState after = storedState(n.eeprom);
    QVERIFY(sameState(after, expectedAfter(baseState(), ManagementOperation::FactoryReset, 5,
                                           kManagementResetEraseManagementKey)));
    QCOMPARE(net.handlers[0]->badTags(), uint16_t(0));
    const Answer read = net.request(ManagementOperation::ReadConfigDigest, 6);
    QCOMPARE(read.status, ManagementStatus::NotAssembled);
    QCOMPARE(read.ackFrames, 0);
    QCOMPARE(net.handlers[0]->badTags(), uint16_t(1)); // it arrived, and nothing verifies it
    QVERIFY(sameState(storedState(n.eeprom), after));
}

void tst_FwManagement::refusedRequestsConsumeTheirCounter()
{
    // Authentic but refused requests: the refusal is acknowledged and the counter consumed
    // (stored), so the same request can never be replayed later when it would succeed; the
    // rest of the state is untouched.
    Net net;
    SimNode &n = net.add(baseState());
    net.boot(0);
    QVERIFY(net.join(n));
    const ManagementKeys keys = channelKeys(kMgmtKey);
    WardenState expected = baseState();

    struct Case
    {
        uint8_t operation;
        QByteArray body;
        ManagementResult result;
    };
    const Case cases[] = {
            {uint8_t(ManagementOperation::SetLinkKey), QByteArray(31, 'k'),
             ManagementResult::MalformedBody},
            {uint8_t(ManagementOperation::AddWhitelistEntry), QByteArray(10, char(255)),
             ManagementResult::MalformedBody},
            {0x42, QByteArray(), ManagementResult::UnknownOperation},
            {uint8_t(ManagementOperation::ActivateEpoch), QByteArray("\x07\x00", 2),
             ManagementResult::UnknownEpoch},
    };
    uint32_t counter = 10;
    for (const Case &c : cases) {
        ManagementRequestBuilder builder(net.sha);
        QCOMPARE(builder.begin(keys, c.operation, counter, u8(c.body), size_t(c.body.size())),
                 ManagementBuildError::None);
        const Answer answer = net.exchange(builder, keys, c.operation, counter);
        QCOMPARE(answer.status, ManagementStatus::Complete);
        QCOMPARE(answer.result, c.result);
        expected.managementCounter = counter;
        QVERIFY(sameState(storedState(n.eeprom), expected));
        counter += 3; // core may skip values
    }

    // A full whitelist: add of a 17th id is no-room, the counter consumed.
    WardenState full = baseState();
    full.whitelistCount = kWhitelistCapacity;
    for (uint8_t i = 0; i < kWhitelistCapacity; ++i)
        full.whitelist[i] = entry(uint8_t(20 + i), kSerialB);
    Net net2;
    SimNode &m = net2.add(full);
    net2.boot(0);
    QVERIFY(net2.join(m));
    const Answer noRoom = net2.request(ManagementOperation::AddWhitelistEntry, 5);
    QCOMPARE(noRoom.result, ManagementResult::NoRoom);
    full.managementCounter = 5;
    QVERIFY(sameState(storedState(m.eeprom), full));
}

void tst_FwManagement::staleAndRepeatedCounters()
{
    Net net;
    SimNode &n = net.add(baseState());
    net.boot(0);
    QVERIFY(net.join(n));
    const ManagementKeys keys = channelKeys(kMgmtKey);
    ManagementRequestBuilder builder(net.sha);
    QCOMPARE(builder.beginAddWhitelistEntry(keys, 5, entry(5, kSerialB)),
             ManagementBuildError::None);
    const uint8_t add = uint8_t(ManagementOperation::AddWhitelistEntry);
    QCOMPARE(net.exchange(builder, keys, add, 5).result, ManagementResult::Applied);
    const WardenState applied = storedState(n.eeprom);
    PortableSha256 sha;
    WardenStore store(n.eeprom, sha);
    store.load();
    const uint32_t sequence = store.sequence();

    // The acknowledgement was "lost": the very same frames again get the same answer, and the
    // node commits nothing (the store's sequence number does not move).
    const Answer repeat = net.exchange(builder, keys, add, 5);
    QCOMPARE(repeat.status, ManagementStatus::Complete);
    QCOMPARE(repeat.result, ManagementResult::Applied);
    QCOMPARE(net.handlers[0]->lastResult(), ManagementResult::Repeated);
    store.load();
    QCOMPARE(store.sequence(), sequence);
    QVERIFY(sameState(storedState(n.eeprom), applied));

    // An older counter: stale-counter, carrying the node's last accepted counter.
    ManagementRequestBuilder old(net.sha);
    QCOMPARE(old.beginRemoveWhitelistEntry(keys, 3, 5), ManagementBuildError::None);
    const uint8_t remove = uint8_t(ManagementOperation::RemoveWhitelistEntry);
    const Answer stale = net.exchange(old, keys, remove, 3);
    QCOMPARE(stale.status, ManagementStatus::Complete);
    QCOMPARE(stale.result, ManagementResult::StaleCounter);
    QCOMPARE(stale.lastAccepted, uint32_t(5));
    QVERIFY(sameState(storedState(n.eeprom), applied));

    // Counter 0 is never accepted.
    ManagementRequestBuilder zero(net.sha);
    QCOMPARE(zero.beginRemoveWhitelistEntry(keys, 0, 5), ManagementBuildError::None);
    QCOMPARE(net.exchange(zero, keys, remove, 0).result, ManagementResult::StaleCounter);

    // The remembered answer is gone now (another one was sent since): a retransmission of 5
    // is answered `repeated`, still without applying anything.
    const Answer repeated = net.exchange(builder, keys, add, 5);
    QCOMPARE(repeated.result, ManagementResult::Repeated);
    QVERIFY(sameState(storedState(n.eeprom), applied));

    // A replayed request after a reboot (nothing remembered in RAM): `repeated`.
    n.boot();
    n.node().setManagementHandler(net.handlers[0].get());
    QVERIFY(net.join(n));
    QCOMPARE(net.exchange(builder, keys, add, 5).result, ManagementResult::Repeated);
    QVERIFY(sameState(storedState(n.eeprom), applied));
}

void tst_FwManagement::forgedRequestChangesNothing()
{
    // A request under another K_mgmt: nothing changes. The node answers bad-tag under its own
    // keys (core with the right keys can read it, the forger cannot), at most once per 10 s.
    Net net;
    SimNode &n = net.add(baseState());
    net.boot(0);
    QVERIFY(net.join(n));
    const WardenState before = storedState(n.eeprom);
    const ManagementKeys wrong = channelKeys(kWrongMgmtKey);
    const ManagementKeys right = channelKeys(kMgmtKey);
    ManagementRequestBuilder forged(net.sha);
    QCOMPARE(forged.beginSetLinkKey(wrong, 100, u8(kNewLinkKey)), ManagementBuildError::None);
    const uint8_t op = uint8_t(ManagementOperation::SetLinkKey);
    const Answer toForger = net.exchange(forged, wrong, op, 100);
    QCOMPARE(toForger.status, ManagementStatus::BadTag);
    QVERIFY(sameState(storedState(n.eeprom), before));
    QCOMPARE(net.handlers[0]->badTags(), uint16_t(1));

    // Core, with the node's keys, reads the same answer: bad-tag.
    ManagementAckReceiver receiver(net.sha);
    ManagementStatus status = ManagementStatus::NotAssembled;
    for (const auto &r : net.acks)
        status = receiver.feed(r.message, net.clock.millis());
    QCOMPARE(status, ManagementStatus::Assembled);
    QCOMPARE(receiver.open(right, op, 100), ManagementStatus::Complete);
    QCOMPARE(receiver.result(), ManagementResult::BadTag);

    // A second forgery within 10 s: no answer at all; after 10 s one again.
    const Answer second = net.exchange(forged, wrong, op, 100, kNodeId, 1000);
    QCOMPARE(second.ackFrames, 0);
    QCOMPARE(net.handlers[0]->badTags(), uint16_t(2));
    net.run(10000);
    QCOMPARE(net.exchange(forged, wrong, op, 100).ackFrames, 1);

    // A tampered fragment of an authentic request: bad-tag, nothing applied.
    ManagementRequestBuilder real(net.sha);
    QCOMPARE(real.beginSetLinkKey(right, 5, u8(kNewLinkKey)), ManagementBuildError::None);
    Message frame;
    QVERIFY(real.frame(1, frame, kGatewayAddress, kNodeId));
    uint8_t payload[kManagementFramePayloadSize];
    std::memcpy(payload, frame.payload(), frame.payloadLength());
    payload[5] ^= 0x01;
    Message tampered = frame;
    tampered.setPayload(PayloadType::Custom, payload, frame.payloadLength());
    Message first;
    QVERIFY(real.frame(0, first, kGatewayAddress, kNodeId));
    Message last;
    QVERIFY(real.frame(2, last, kGatewayAddress, kNodeId));
    net.gw.send(first);
    net.gw.send(tampered);
    net.gw.send(last);
    net.run(1000);
    QVERIFY(sameState(storedState(n.eeprom), before));
    QCOMPARE(net.handlers[0]->badTags(), uint16_t(4));
    // The authentic request itself still goes through afterwards.
    QCOMPARE(net.exchange(real, right, op, 5).result, ManagementResult::Applied);
}

void tst_FwManagement::requestForAnotherNodeRefused()
{
    // Nodes A and B personalized with the same K_mgmt by mistake: the serial in the key
    // derivation still keeps A's request from being valid on B.
    NodeConfig configB = testConfig();
    configB.staticNodeId = 2;
    Net net;
    SimNode &a = net.add(baseState());
    WardenState stateB = baseState(PolicyFlag::kRequireSignatures, kSerialB);
    net.nodes.push_back(std::make_unique<SimNode>(net.bus, net.clock, net.sha, configB, 2));
    net.handlers.push_back(std::make_unique<ManagementChannelHandler>(net.sha));
    SimNode &b = *net.nodes.back();
    personalize(b.eeprom, stateB);
    net.boot(0);
    net.boot(1);
    QVERIFY(net.join(a));
    QVERIFY(net.join(b));
    const WardenState beforeB = storedState(b.eeprom);

    const ManagementKeys keysA = channelKeys(kMgmtKey, WardenTest::kTestSerial);
    const ManagementKeys keysB = channelKeys(kMgmtKey, kSerialB);
    ManagementRequestBuilder builder(net.sha);
    QCOMPARE(builder.beginSetLinkKey(keysA, 5, u8(kNewLinkKey)), ManagementBuildError::None);
    const uint8_t op = uint8_t(ManagementOperation::SetLinkKey);
    const Answer toA = net.exchange(builder, keysA, op, 5, kNodeId);
    QCOMPARE(toA.result, ManagementResult::Applied);

    // The same frames, readdressed to B.
    const Answer toB = net.exchange(builder, keysA, op, 5, 2);
    QVERIFY(toB.status != ManagementStatus::Complete);
    QVERIFY(sameState(storedState(b.eeprom), beforeB));
    QCOMPARE(net.handlers[1]->badTags(), uint16_t(1));
    // B's own keys read B's answer: bad-tag.
    ManagementAckReceiver receiver(net.sha);
    ManagementStatus status = ManagementStatus::NotAssembled;
    for (const auto &r : net.acks)
        if (r.message.sender() == 2)
            status = receiver.feed(r.message, net.clock.millis());
    QCOMPARE(status, ManagementStatus::Assembled);
    QCOMPARE(receiver.open(keysB, op, 5), ManagementStatus::Complete);
    QCOMPARE(receiver.result(), ManagementResult::BadTag);
}

void tst_FwManagement::unsignedRequestsFromWardenGateway()
{
    // Section 11: a node that requires signatures takes management requests without a legacy
    // signature (they authenticate themselves by their tag) and answers them unsigned, so that
    // Warden's gateway needs no nonce round trip either way. A signed request (a stock
    // gateway) still gets a signed answer, and nothing else is taken unsigned.
    Net net;
    SimNode &n = net.add(baseState());
    net.boot(0);
    QVERIFY(net.join(n));
    const NodeCounters before = n.node().counters();
    const uint16_t notSignedBefore = n.node().verdictCount(Verdict::NotSigned);

    net.sendUnsigned = true;
    const Answer added = net.request(ManagementOperation::AddWhitelistEntry, 5);
    QCOMPARE(added.status, ManagementStatus::Complete);
    QCOMPARE(added.result, ManagementResult::Applied);
    QCOMPARE(added.ackVerdict, Verdict::NotSigned); // sent unsigned: no nonce asked for
    const WardenState expected
            = expectedAfter(baseState(), ManagementOperation::AddWhitelistEntry, 5);
    QVERIFY(sameState(storedState(n.eeprom), expected));
    // No nonce either way: none issued by the node, none asked of the gateway.
    QCOMPARE(n.node().counters().noncesIssued, before.noncesIssued);
    QCOMPARE(n.node().counters().signedSent, before.signedSent);
    QCOMPARE(n.node().verdictCount(Verdict::NotSigned), notSignedBefore);
    // A request whose answer (the digest) takes 3 frames, unsigned both ways.
    const Answer digest = net.request(ManagementOperation::ReadConfigDigest, 6);
    QCOMPARE(digest.result, ManagementResult::Applied);
    QCOMPARE(digest.ackFrames, 3);
    QCOMPARE(digest.ackVerdict, Verdict::NotSigned);
    QCOMPARE(digest.digest, predictedDigest(storedState(n.eeprom)));

    // The same node through a legacy-signing gateway: signed request, signed answer.
    net.sendUnsigned = false;
    const Answer signedAnswer = net.request(ManagementOperation::RemoveWhitelistEntry, 7);
    QCOMPARE(signedAnswer.result, ManagementResult::Applied);
    QCOMPARE(signedAnswer.ackVerdict, Verdict::Verified);

    // Still refused unsigned: an application frame, a management request for a child sensor,
    // one that asks for an echo, and the acknowledgement type.
    const size_t delivered = n.delivered.size();
    Message set;
    set.setHeader(kGatewayAddress, kNodeId, Command::Set, uint8_t(Value::Status), 1);
    set.setByte(1);
    const ManagementKeys keys = channelKeys(kMgmtKey);
    ManagementRequestBuilder builder(net.sha);
    QCOMPARE(builder.beginReadConfigDigest(keys, 8), ManagementBuildError::None);
    Message frame;
    QVERIFY(builder.frame(0, frame, kGatewayAddress, kNodeId));
    Message child = frame;
    child.setSensor(3);
    Message echo = frame;
    echo.setRequestEcho(true);
    Message ackType = frame;
    ackType.setType(kManagementAckType);
    const uint16_t refusedBefore = n.node().verdictCount(Verdict::NotSigned);
    for (const Message &m : {set, child, echo, ackType})
        net.gw.transmitRaw(kNodeId, m);
    net.run(100);
    QCOMPARE(n.node().verdictCount(Verdict::NotSigned), uint16_t(refusedBefore + 4));
    QCOMPARE(n.delivered.size(), delivered);
    QCOMPARE(storedState(n.eeprom).managementCounter, 7u);
    QCOMPARE(n.node().state(), NodeState::Ready);
}

void tst_FwManagement::unsignedForgedRequestChangesNothing()
{
    // Taken unsigned does not mean believed: a request under another K_mgmt, or a tampered
    // fragment, is bad-tag exactly as when it comes signed, and nothing changes.
    Net net;
    SimNode &n = net.add(baseState());
    net.boot(0);
    QVERIFY(net.join(n));
    net.sendUnsigned = true;
    const WardenState before = storedState(n.eeprom);
    const Answer forged = net.request(ManagementOperation::SetLinkKey, 100, kWrongMgmtKey);
    QCOMPARE(forged.status, ManagementStatus::BadTag);
    QCOMPARE(forged.ackVerdict, Verdict::NotSigned);
    QCOMPARE(net.handlers[0]->badTags(), uint16_t(1));
    QVERIFY(sameState(storedState(n.eeprom), before));

    const ManagementKeys right = channelKeys(kMgmtKey);
    ManagementRequestBuilder real(net.sha);
    QCOMPARE(real.beginSetLinkKey(right, 5, u8(kNewLinkKey)), ManagementBuildError::None);
    for (size_t i = 0; i < 3; ++i) {
        Message frame;
        QVERIFY(real.frame(i, frame, kGatewayAddress, kNodeId));
        if (i == 1) {
            uint8_t payload[kManagementFramePayloadSize];
            std::memcpy(payload, frame.payload(), frame.payloadLength());
            payload[7] ^= 0x80;
            frame.setPayload(PayloadType::Custom, payload, frame.payloadLength());
        }
        net.gw.transmitRaw(kNodeId, frame);
    }
    net.run(1000);
    QCOMPARE(net.handlers[0]->badTags(), uint16_t(2));
    QVERIFY(sameState(storedState(n.eeprom), before));
    // The node still verifies with its old link key.
    QCOMPARE(net.deliverSigned(n, WardenTest::kTestKey, nullptr), Verdict::Verified);
}

void tst_FwManagement::unsignedRequestsAndTheNodeLock()
{
    // Spec 4.10: the node locks at its 5th nonce request without a verified frame between,
    // and after 5 failed verifications. Unsigned management requests, authentic or forged,
    // neither feed those counts (6 of them, more than either budget) nor reset them (a
    // captured request, replayed, must not keep a node from locking): the node still locks
    // at the 5th nonce request.
    Net net;
    SimNode &n = net.add(baseState());
    net.boot(0);
    QVERIFY(net.join(n));
    net.sendUnsigned = true;
    const uint8_t lockByte = n.eeprom.read(LegacyEeprom::kNodeLock);
    for (int i = 0; i < 4; ++i) {
        net.gw.requestNonce(kNodeId);
        net.run(20);
    }
    QCOMPARE(n.node().state(), NodeState::Ready);
    for (uint32_t counter = 5; counter < 8; ++counter) {
        QCOMPARE(net.request(ManagementOperation::ReadConfigDigest, counter).result,
                 ManagementResult::Applied);
        // Bad-tag: answered once per 10 s at most, counted every time.
        net.request(ManagementOperation::SetLinkKey, counter + 100, kWrongMgmtKey);
    }
    QCOMPARE(net.handlers[0]->badTags(), uint16_t(3));
    QCOMPARE(n.eeprom.read(LegacyEeprom::kNodeLock), lockByte);
    QCOMPARE(n.node().state(), NodeState::Ready);
    net.gw.requestNonce(kNodeId);
    net.run(20);
    QCOMPARE(n.node().state(), NodeState::Locked);
    QCOMPARE(n.node().lockReason(), LockReason::NonceRequests);
}

void tst_FwManagement::unsignedRequestToNodeWithoutSignatures_data()
{
    QTest::addColumn<bool>("gatewayRequiresSignatures");
    QTest::addColumn<Verdict>("ackVerdict");
    // A node that requires no signatures gets every request unsigned, from any gateway, so an
    // unsigned request tells it nothing: it signs its answer where the gateway asks for it.
    QTest::newRow("gateway requires signatures") << true << Verdict::Verified;
    QTest::newRow("gateway requires none") << false << Verdict::Exempt;
}

void tst_FwManagement::unsignedRequestToNodeWithoutSignatures()
{
    QFETCH(bool, gatewayRequiresSignatures);
    QFETCH(Verdict, ackVerdict);
    Net net;
    net.config.requireSignatures = false;
    net.gw.setRequireSignatures(gatewayRequiresSignatures);
    SimNode &n = net.add(baseState(0));
    net.boot(0);
    QVERIFY(net.join(n));
    net.sendUnsigned = true;
    const Answer answer = net.request(ManagementOperation::AddWhitelistEntry, 5);
    QCOMPARE(answer.status, ManagementStatus::Complete);
    QCOMPARE(answer.result, ManagementResult::Applied);
    QCOMPARE(answer.ackVerdict, ackVerdict);
    QVERIFY(sameState(storedState(n.eeprom),
                      expectedAfter(baseState(0), ManagementOperation::AddWhitelistEntry, 5)));
}

void tst_FwManagement::powerCutDuringEveryOperation_data()
{
    QTest::addColumn<ManagementOperation>("operation");
    QTest::addColumn<int>("scope");
    QTest::newRow("replace-whitelist") << ManagementOperation::ReplaceWhitelist << 0;
    QTest::newRow("add-whitelist-entry") << ManagementOperation::AddWhitelistEntry << 0;
    QTest::newRow("remove-whitelist-entry") << ManagementOperation::RemoveWhitelistEntry << 0;
    QTest::newRow("set-signing-policy") << ManagementOperation::SetSigningPolicy << 0;
    QTest::newRow("set-link-key") << ManagementOperation::SetLinkKey << 0;
    QTest::newRow("set-network-key") << ManagementOperation::SetNetworkKey << 0;
    QTest::newRow("activate-epoch") << ManagementOperation::ActivateEpoch << 0;
    QTest::newRow("read-config-digest") << ManagementOperation::ReadConfigDigest << 0;
    QTest::newRow("factory-reset") << ManagementOperation::FactoryReset << 0;
    QTest::newRow("factory-reset-mgmt")
            << ManagementOperation::FactoryReset << int(kManagementResetEraseManagementKey);
}

void tst_FwManagement::powerCutDuringEveryOperation()
{
    // The request's frames go straight into the handler of a booted node (the network adds
    // nothing to what is written), with power cut after every single EEPROM write the
    // operation makes. After each cut and a reboot: the committed image is the old one (old
    // counter) or the new one (new counter), compared whole, never a mix; and the node verifies
    // a signed frame under whatever key that image holds (none after a factory reset).
    QFETCH(ManagementOperation, operation);
    QFETCH(int, scope);
    const WardenState before = baseState();
    const WardenState after = expectedAfter(before, operation, 5, uint8_t(scope));
    const ManagementKeys keys = channelKeys(kMgmtKey);
    PortableSha256 sha;
    ManagementRequestBuilder builder(sha);
    QCOMPARE(buildRequest(builder, keys, operation, 5, uint8_t(scope)), ManagementBuildError::None);

    // Runs the request on a freshly booted node with @p cut writes allowed (UINT64_MAX: all);
    // returns the writes it made.
    auto runOnce = [&](Net &net, SimNode &n, uint64_t cut) {
        net.boot(0);
        n.eeprom.resetCounters();
        n.eeprom.cutPowerAfter(cut);
        Message frame;
        for (size_t i = 0; builder.frame(i, frame, kGatewayAddress, kNodeId); ++i)
            net.handlers[0]->onManagementFrame(n.node(), frame, net.clock.millis());
        const uint64_t writes = n.eeprom.writeCount();
        n.powerOff();
        n.eeprom.restorePower();
        return writes;
    };

    uint64_t writes = 0;
    {
        Net net;
        SimNode &n = net.add(before);
        writes = runOnce(net, n, UINT64_MAX);
        QVERIFY(sameState(storedState(n.eeprom), after));
    }
    QVERIFY(writes > 8); // at least the counter, the sequence number and the check

    Net net;
    SimNode &n = net.add(before);
    net.boot(0);
    n.powerOff();
    const RamEeprom::Image initial = n.eeprom.image();
    int sawOld = 0;
    int sawNew = 0;
    for (uint64_t cut = 0; cut <= writes; ++cut) {
        n.eeprom.image() = initial;
        runOnce(net, n, cut);
        const WardenState kept = storedState(n.eeprom);
        const bool isOld = sameState(kept, before);
        const bool isNew = sameState(kept, after);
        QVERIFY2(isOld != isNew,
                 qPrintable(QStringLiteral("cut after write %1 of %2").arg(cut).arg(writes)));
        sawOld += isOld;
        sawNew += isNew;

        // Reboot; the node verifies under the key it kept.
        net.boot(0);
        const bool hasKey = kept.has(SlotFlag::kLinkKey);
        const Verdict verdict = net.deliverSigned(n, kept.key(KeySlot::Link), nullptr);
        QVERIFY2(hasKey ? verdict == Verdict::Verified : verdict != Verdict::Verified,
                 qPrintable(QStringLiteral("cut %1: verdict %2").arg(cut).arg(int(verdict))));
        n.powerOff();
    }
    QVERIFY(sawOld > 0);
    QVERIFY(sawNew > 0);
    qInfo("%s: %llu writes, old state after %d cuts, new state after %d", QTest::currentDataTag(),
          static_cast<unsigned long long>(writes), sawOld, sawNew);
}

QTEST_GUILESS_MAIN(tst_FwManagement)
#include "tst_fwmanagement.moc"
