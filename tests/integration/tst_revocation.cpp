// The security workflows (core/engine/securityworkflows.cpp) against real host-build firmware
// nodes on the simulated radio bus, a real SQLite inventory, a real sealed key store and the
// job runner: the theft drill (part 1: right after revokeNode), revocation in a per-node-key
// network, readmission only after re-personalization, migration of a shared-key network to
// per-node link keys at 10% frame loss (and across a restart of the runner), and the figure of
// the revocation latency. The simulated clock is the engine's and the runner's: no assertion
// depends on wall time.
#include <warden/engine.h>
#include <warden/inventory.h>
#include <warden/jobs.h>
#include <warden/securityworkflows.h>
#include <warden/signer.h>

#include <engine/workflowkeys_p.h>

#include <loopbacklink.h>
#include <simnetwork.h>
#include <teststore.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QLoggingCategory>
#include <QtCore/QTemporaryDir>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <map>
#include <memory>
#include <optional>
#include <vector>

using namespace Warden;
using namespace WardenTest;
using namespace Qt::StringLiterals;
using Protocol::Command;

namespace {

constexpr quint8 kBothPolicies
        = Fw::PolicyFlag::kRequireSignatures | Fw::PolicyFlag::kRequireWhitelisting;
const QByteArray kNetworkKey = filled(0x10);

SecretBytes secret(const QByteArray &b)
{
    return SecretBytes(reinterpret_cast<const uint8_t *>(b.constData()), size_t(b.size()));
}

QByteArray linkKeyOf(int id)
{
    return filled(0x80 + id);
}

QByteArray bytes(const uint8_t *data, int n)
{
    return QByteArray(reinterpret_cast<const char *>(data), n);
}

QByteArray wire(const Message &m)
{
    return QByteArray(reinterpret_cast<const char *>(m.data()), qsizetype(m.size()));
}

Serial serialArray(const QByteArray &b)
{
    Serial s {};
    std::memcpy(s.data(), b.constData(), s.size());
    return s;
}

/// Writes keys into a node's EEPROM as a USB personalization would, and reloads them.
void personalizeKeys(SimNetwork::Node &n, const QByteArray &link, const QByteArray &management,
                     const QByteArray &serial = {})
{
    Fw::WardenStore store(*n.eeprom, Signer::hostSha256());
    store.load();
    Fw::WardenState s;
    store.read(s);
    if (!link.isEmpty()) {
        s.flags |= Fw::SlotFlag::kLinkKey;
        std::memcpy(s.key(Fw::KeySlot::Link), link.constData(), 32);
    }
    if (!management.isEmpty()) {
        s.flags |= Fw::SlotFlag::kManagementKey;
        std::memcpy(s.key(Fw::KeySlot::Management), management.constData(), 32);
    }
    if (!serial.isEmpty())
        std::memcpy(s.serial, serial.constData(), 9);
    if (store.commit(s) != Fw::StoreStatus::Ok)
        qFatal("node %d not re-personalized", n.id);
    n.node->reloadSecurity();
}

struct Seen
{
    quint8 sender;
    Command command;
    FrameVerdict verdict;
};

/// Network, engine, inventory, key store, runner and workflows, wired as a daemon would.
struct Harness
{
    Harness(int nodes, double loss, quint8 policy, bool gatewayWhitelists, bool perNodeKeys,
            quint64 seed = 5)
        : m_loss(loss)
    {
        // Another bus and node seed to explore with (the default run is fixed).
        seed += quint64(qEnvironmentVariableIntValue("WARDEN_REVOCATION_SEED"));
        if (!dir.isValid())
            qFatal("no temporary directory");
        std::vector<SimNodeSpec> specs;
        QList<quint8> ids;
        QMap<quint8, QByteArray> links;
        for (int i = 1; i <= nodes; ++i) {
            specs.push_back(SimNodeSpec {quint8(i), true, {}});
            ids << quint8(i);
            if (perNodeKeys)
                links.insert(quint8(i), linkKeyOf(i));
        }
        network = std::make_unique<SimNetwork>(specs, kNetworkKey, policy, seed);
        for (const quint8 id : ids)
            if (perNodeKeys)
                personalizeKeys(network->node(id), linkKeyOf(id), {});
        storePath = dir.filePath(u"keys.wks"_s);
        store = createTestStore(storePath, kNetworkKey, ids, {}, links);

        auto opened = Inventory::open(dir.filePath(u"inventory.sqlite"_s));
        if (!opened)
            qFatal("inventory: %s", qPrintable(opened.error().message()));
        inventory = std::move(*opened);
        EngineOptions options;
        options.requireSignatures = true;
        options.requireWhitelisting = gatewayWhitelists;
        engine = std::make_unique<Engine>(options);
        engine->setClock([this] { return network->millis(); });
        if (!engine->setNetworkKey(1, secret(kNetworkKey)) || !engine->activateEpoch(1)
            || !engine->setGatewaySerial(gatewaySerial()))
            qFatal("engine keys refused");
        for (const quint8 id : ids) {
            (void)engine->setNodeSerial(id, serialOf(id));
            NodeSecurity security;
            security.serialHex = QString::fromLatin1(serialOf(id).toHex());
            security.managementKeyFingerprint = secret(managementKeyOf(id)).fingerprint();
            if (perNodeKeys) {
                (void)engine->setNodeKey(id, secret(linkKeyOf(id)));
                security.linkKeyFingerprint = secret(linkKeyOf(id)).fingerprint();
            }
            if (!inventory->setNodeSecurity(id, security))
                qFatal("node security not stored");
        }
        if (!inventory->flush())
            qFatal("inventory flush");
        engine->setInventory(inventory.get());
        QObject::connect(
                engine.get(), &Engine::traffic, engine.get(), [this](const TrafficRecord &r) {
                    if (!r.outgoing)
                        seen.push_back({r.message.sender(), r.message.command(), r.verdict});
                });
        if (!engine->addLink(network.get()))
            qFatal("link refused");
        network->open();
        keys.managementKey
                = [this](quint8 node) { return Internal::workflowManagementKey(*store, node); };
        keys.linkKey = [this](quint8 node) { return Internal::workflowLinkKey(*store, node); };
        makeRunner();
    }

    ~Harness()
    {
        workflows.reset();
        runner.reset();
        engine.reset();
    }

    void makeRunner()
    {
        JobRunnerOptions options;
        options.pollIntervalMs = 0; // the test drives poll() with the simulated clock
        runner = std::make_unique<JobRunner>(engine.get(), inventory.get(), keys, options);
        runner->setClock([this] { return qint64(network->millis()); });
        if (!runner->start())
            qFatal("runner not started");
        workflows = std::make_unique<SecurityWorkflows>(engine.get(), inventory.get(), store.get(),
                                                        runner.get());
    }

    void step()
    {
        network->step();
        if (valueEveryMs > 0) {
            // Sensors report now and then, signed: what tells the gateway which key a node holds.
            const quint32 now = network->millis();
            for (const quint8 id : network->ids()) {
                Fw::SecureNode &n = *network->node(id).node;
                if ((now + id * 137u) % quint32(valueEveryMs) < kTickMs && n.isReady()
                    && !n.isSending())
                    n.sendByte(1, 2, quint8(now / 1000));
            }
        }
        engine->checkTimeouts();
        QCoreApplication::processEvents();
        if (runner)
            runner->poll();
    }

    bool runUntil(quint32 maxMs, const std::function<bool()> &until)
    {
        const quint32 end = network->millis() + maxMs;
        while (network->millis() < end) {
            if (until())
                return true;
            step();
        }
        return until();
    }
    void run(quint32 ms)
    {
        runUntil(ms, [] { return false; });
    }

    bool join()
    {
        const bool ok = runUntil(60000, [this] { return network->allReady(); });
        run(500);
        network->setLoss(m_loss);
        return ok;
    }
    void noLoss() { network->setLoss(0); }
    void loss() { network->setLoss(m_loss); }

    /// A radio the attacker holds sends a value to the gateway as @p as, signed with @p key
    /// (and salted with @p salt when given) after a nonce round trip (a zero nonce when none
    /// comes). The engine's verdict on it, or nullopt if the frame never reached it.
    std::optional<FrameVerdict> forge(quint8 as, const QByteArray &key, const QByteArray &salt)
    {
        const auto radio = network->connect(as);
        Message request;
        request.setHeader(as, 0, Command::Internal, uint8_t(Protocol::Internal::NonceRequest), 255);
        request.setString("", 0);
        radio->send(0, request.data(), uint8_t(request.size()));
        uint8_t nonce[Protocol::kNonceSize] = {};
        runUntil(1000, [&] {
            uint8_t buffer[Protocol::kMaxMessageSize];
            uint8_t n = 0;
            bool got = false;
            while ((n = radio->receive(buffer, sizeof buffer)) > 0) {
                Message m;
                if (Message::decode(buffer, n, m) == Protocol::DecodeError::None
                    && m.command() == Command::Internal
                    && m.type() == uint8_t(Protocol::Internal::NonceResponse) && m.sender() == 0
                    && m.payloadLength() == Protocol::kNoncePayloadSize) {
                    Protocol::nonceFromPayload(m.payload(), nonce);
                    got = true;
                }
            }
            return got;
        });
        Message value;
        value.setHeader(as, 0, Command::Set, 2, 1);
        value.setByte(0x66);
        Protocol::LegacySigner signer(Signer::hostSha256());
        signer.setKey(u8(key));
        if (signer.sign(value, nonce, salt.isEmpty() ? nullptr : u8(salt))
            != Protocol::SignResult::Ok)
            return std::nullopt;
        const size_t mark = seen.size();
        radio->send(0, value.data(), uint8_t(value.size()));
        std::optional<FrameVerdict> verdict;
        runUntil(1000, [&] {
            for (size_t i = mark; i < seen.size(); ++i)
                if (seen[i].sender == as && seen[i].command == Command::Set)
                    verdict = seen[i].verdict;
            return verdict.has_value();
        });
        return verdict;
    }

    /// Node @p id sends a signed value of its own; its verdict (a few tries on a lossy bus).
    std::optional<FrameVerdict> valueFrom(quint8 id)
    {
        for (int attempt = 0; attempt < 5; ++attempt) {
            const size_t mark = seen.size();
            Fw::SecureNode &n = *network->node(id).node;
            runUntil(6000, [&] { return n.isReady() && !n.isSending(); });
            n.sendByte(1, 2, quint8(attempt));
            std::optional<FrameVerdict> verdict;
            runUntil(2000, [&] {
                for (size_t i = mark; i < seen.size(); ++i)
                    if (seen[i].sender == id && seen[i].command == Command::Set)
                        verdict = seen[i].verdict;
                return verdict.has_value();
            });
            if (verdict)
                return verdict;
        }
        return std::nullopt;
    }

    /// The gateway sends node @p id a value (signed, as the node requires): delivered?
    bool valueTo(quint8 id)
    {
        for (int attempt = 0; attempt < 5; ++attempt) {
            const size_t before = network->node(id).delivered.size();
            Message m;
            m.setHeader(0, id, Command::Set, 2, 1);
            m.setByte(quint8(attempt));
            if (!engine->send(m))
                return false;
            if (runUntil(6000, [&] { return network->node(id).delivered.size() > before; }))
                return true;
        }
        return false;
    }

    int count(quint8 sender, FrameVerdict verdict, size_t from = 0) const
    {
        int n = 0;
        for (size_t i = from; i < seen.size(); ++i)
            n += seen[i].sender == sender && seen[i].verdict == verdict;
        return n;
    }

    QString migrationDump() const
    {
        QStringList lines;
        for (const MigrationProgress &p : workflows->migration())
            lines << u"node %1: %2 (job %3): %4"_s.arg(p.node)
                             .arg(QString::fromLatin1(migrationStepName(p.step)))
                             .arg(p.job)
                             .arg(p.detail);
        return lines.join(u'\n');
    }

    QTemporaryDir dir;
    QString storePath;
    std::unique_ptr<SimNetwork> network;
    std::shared_ptr<KeyStore> store;
    std::unique_ptr<Inventory> inventory;
    std::unique_ptr<Engine> engine;
    ManagementKeySource keys;
    std::unique_ptr<JobRunner> runner;
    std::unique_ptr<SecurityWorkflows> workflows;
    std::vector<Seen> seen; ///< every incoming frame's verdict
    int valueEveryMs = 0;
    double m_loss;
};

QList<quint8> idsBut(int n, quint8 except)
{
    QList<quint8> out;
    for (int i = 1; i <= n; ++i)
        if (i != except)
            out << quint8(i);
    return out;
}

const ExposureItem *findItem(const RevocationReport &r, ExposureItem::Kind kind)
{
    for (const ExposureItem &e : r.exposure)
        if (e.kind == kind)
            return &e;
    return nullptr;
}

QList<quint8> whitelistIds(const Fw::WardenState &s)
{
    QList<quint8> out;
    for (int i = 0; i < s.whitelistCount; ++i)
        out << s.whitelist[i].nodeId;
    return out;
}

int auditCount(Inventory &inventory, const QString &what)
{
    AuditFilter f;
    f.what = what;
    const auto log = inventory.auditLog(f);
    return log ? int(log->size()) : -1;
}

} // namespace

class tst_Revocation : public QObject
{
    Q_OBJECT

private slots:
    void theftDrill_data();
    void theftDrill();
    void perNodeKeyNetwork();
    void readmission();
    void refusals();
    void migrationAtTenPercentLoss();
    void migrationResumesAfterRestart();
    void revocationLatency();
};

void tst_Revocation::theftDrill_data()
{
    QTest::addColumn<double>("loss");
    QTest::newRow("clean bus") << 0.0;
    QTest::newRow("10% loss") << 0.10;
}

void tst_Revocation::theftDrill()
{
    QFETCH(double, loss);
    // 20 nodes on the shared key of epoch 1, whitelisting at the gateway and at every node.
    Harness h(20, loss, kBothPolicies, true, false, 21);
    QVERIFY(h.join());
    // Core pushed nodes 1-4 a whitelist that names node 7: these are known to list it.
    const QList<WhitelistItem> withSeven = {{0, gatewaySerial()}, {7, serialOf(7)}};
    const auto pushed = h.runner->submitBatch(u"whitelist"_s, {1, 2, 3, 4},
                                              ManagementAction::replaceWhitelist(withSeven));
    QVERIFY(pushed);
    QVERIFY(h.runUntil(120000, [&] { return h.runner->batch(*pushed).isSettled(); }));
    QCOMPARE(h.runner->batch(*pushed).applied, 4);

    // Node 7 is stolen: the attacker reads its EEPROM.
    const Fw::WardenState stolen = h.network->stored(7);
    const QByteArray key7 = bytes(stolen.key(Fw::KeySlot::Network), 32);
    const QByteArray serial7 = bytes(stolen.serial, 9);
    QCOMPARE(key7, kNetworkKey);
    // Before the revocation the stolen image works: the attack is real.
    h.noLoss();
    QCOMPARE(h.forge(7, key7, serial7), std::optional(FrameVerdict::Verified));
    h.loss();

    const int backupsBefore = int(h.store->backups().size());
    // The console's confirmation: what will happen, with nothing done yet.
    const auto preview = h.workflows->previewRevocation(7);
    QVERIFY2(preview, preview ? "" : qPrintable(preview.error().message()));
    QVERIFY(!preview->blocked && !preview->quarantined && preview->pushBatch == 0);
    QVERIFY(!h.engine->isRevoked(7));
    QCOMPARE(int(h.store->backups().size()), backupsBefore);
    h.noLoss();
    QCOMPARE(h.forge(7, key7, serial7), std::optional(FrameVerdict::Verified));
    h.loss();

    const auto report = h.workflows->revokeNode(7, u"stolen from the shed"_s, u"console:alice"_s);
    QVERIFY2(report, report ? "" : qPrintable(report.error().message()));
    // The preview said exactly what the revocation did and left open.
    QCOMPARE(preview->pushedTo, report->pushedTo);
    QCOMPARE(preview->serialFingerprint, report->serialFingerprint);
    QCOMPARE(preview->managementKeyFingerprint, report->managementKeyFingerprint);
    QCOMPARE(preview->exposure.size(), report->exposure.size());
    for (qsizetype i = 0; i < preview->exposure.size(); ++i) {
        QCOMPARE(preview->exposure[i].kind, report->exposure[i].kind);
        QCOMPARE(preview->exposure[i].nodes, report->exposure[i].nodes);
        QCOMPARE(preview->exposure[i].text, report->exposure[i].text);
    }
    QCOMPARE(preview->rotation.text(), report->rotation.text());
    QCOMPARE(preview->rotation.overTheAir, report->rotation.overTheAir);
    qInfo().noquote() << report->text();
    QVERIFY(report->problems.isEmpty());
    QVERIFY(report->blocked);
    QVERIFY(h.engine->isRevoked(7));
    QCOMPARE(report->serialFingerprint, secret(serialOf(7)).fingerprint());
    QVERIFY(report->linkKeyDeleted);
    QVERIFY(report->linkKeyFingerprint.isEmpty()); // a shared-key node has none
    QCOMPARE(report->managementKeyFingerprint, secret(managementKeyOf(7)).fingerprint());
    QVERIFY(report->quarantined);
    QVERIFY(report->revocationId > 0);
    QVERIFY(report->auditId > 0);
    QVERIFY(report->pushBatch > 0);
    QCOMPARE(report->pushedTo, idsBut(20, 7)); // 1-4 list it, the others are unknown
    // What stays open until the rotation: the burnt epoch, and posing as the gateway.
    const ExposureItem *key = findItem(*report, ExposureItem::Kind::SharedNetworkKey);
    QVERIFY(key);
    QCOMPARE(key->epoch, quint32(1));
    QVERIFY(key->text.contains(u"epoch 1 is burnt"_s));
    const ExposureItem *gateway = findItem(*report, ExposureItem::Kind::GatewayImpersonation);
    QVERIFY(gateway);
    QCOMPARE(gateway->nodes, idsBut(20, 7));
    QVERIFY(!findItem(*report, ExposureItem::Kind::ForgedIdsAtGateway));
    QVERIFY(report->rotation.needed);
    QCOMPARE(report->rotation.burntEpoch, quint32(1));
    QCOMPARE(report->rotation.lostNodes, QList<quint8> {7});
    QCOMPARE(report->rotation.overTheAir, idsBut(20, 7));
    QVERIFY(report->rotation.usb.isEmpty());
    QVERIFY(report->text().contains(u"pose as the gateway"_s));

    // The key store lost node 7's keys, on disk too, with a backup written first.
    const auto stored = Internal::workflowNode(*h.store, 7);
    QVERIFY(stored && stored->managementKeyFingerprint.isEmpty());
    const auto reopened = openTestStore(h.storePath);
    QVERIFY(reopened);
    QVERIFY(!Internal::workflowManagementKey(*reopened, 7));
    QVERIFY(Internal::workflowManagementKey(*reopened, 8));
    QVERIFY(int(h.store->backups().size()) > backupsBefore);
    // The inventory: revoked, quarantined, audited.
    QVERIFY(h.inventory->flush());
    const auto record = h.inventory->node(7);
    QVERIFY(record && *record);
    QVERIFY((*record)->revoked && (*record)->quarantined);
    QVERIFY(h.inventory->usedNodeIds().contains(7));
    QCOMPARE(auditCount(*h.inventory, u"revoke"_s), 1);
    QCOMPARE(auditCount(*h.inventory, u"revoke.report"_s), 1);
    // The rotation to follow is on file: another reader of the inventory gets it back.
    Inventory::Options readOnly;
    readOnly.readOnly = true;
    auto reader = Inventory::open(h.inventory->path(), readOnly);
    QVERIFY2(reader, reader ? "" : qPrintable(reader.error().message()));
    SecurityWorkflows other(h.engine.get(), reader->get(), h.store.get(), h.runner.get());
    const auto plans = other.pendingRotationPlans();
    QVERIFY2(plans, plans ? "" : qPrintable(plans.error().message()));
    QCOMPARE(plans->size(), 1);
    QCOMPARE(plans->first().revocationId, report->revocationId);
    QCOMPARE(plans->first().plan.burntEpoch, quint32(1));
    QCOMPARE(plans->first().plan.lostNodes, QList<quint8> {7});
    QCOMPARE(plans->first().plan.overTheAir, report->rotation.overTheAir);
    QCOMPARE(plans->first().exposure.size(), report->exposure.size());
    QCOMPARE(plans->first().exposure.first().nodes, report->exposure.first().nodes);
    const auto input = other.rotationFromRevocation(7, u"console:alice"_s, {});
    QVERIFY(input);
    QCOMPARE(input->oldEpoch, quint16(1));
    QCOMPARE(input->overTheAir, idsBut(20, 7));

    // Right after: the stolen image is refused under every name it tries.
    h.noLoss();
    QCOMPARE(h.forge(7, key7, serial7), std::optional(FrameVerdict::RevokedSender));
    // 7's serial from another id: the gateway salts with that id's own serial.
    QCOMPARE(h.forge(8, key7, serial7), std::optional(FrameVerdict::BadSignature));
    // Other ids, unsalted or salted with 7's serial: whitelisting at the gateway stops them.
    QCOMPARE(h.forge(12, key7, QByteArray()), std::optional(FrameVerdict::BadSignature));
    QCOMPARE(h.forge(19, key7, serial7), std::optional(FrameVerdict::BadSignature));
    // An id with no serial on file at all.
    QCOMPARE(h.forge(30, key7, serial7), std::optional(FrameVerdict::NotWhitelisted));
    // The stolen device itself, talking as it always did.
    const size_t mark = h.seen.size();
    (void)h.network->node(7).node->sendByte(1, 2, 1);
    h.run(2000);
    QVERIFY(h.count(7, FrameVerdict::RevokedSender, mark) >= 1);
    QCOMPARE(h.count(7, FrameVerdict::Verified, mark), 0);
    // Everybody else still talks.
    for (const quint8 id : {1, 8, 12, 20})
        QCOMPARE(h.valueFrom(id), std::optional(FrameVerdict::Verified));

    // The whitelist removal reaches all 19, at the bus's loss.
    h.loss();
    QVERIFY(h.runUntil(240000, [&] { return h.runner->batch(report->pushBatch).isSettled(); }));
    QCOMPARE(h.runner->batch(report->pushBatch).applied, 19);
    for (const quint8 id : idsBut(20, 7))
        QCOMPARE(whitelistIds(h.network->stored(id)), QList<quint8> {0});
}

void tst_Revocation::perNodeKeyNetwork()
{
    Harness h(6, 0.0, kBothPolicies, true, true);
    QVERIFY(h.join());
    for (const quint8 id : idsBut(6, 0))
        QCOMPARE(h.valueFrom(id), std::optional(FrameVerdict::Verified));

    const auto report = h.workflows->revokeNode(3, u"lost"_s, u"console:bob"_s);
    QVERIFY2(report, report ? "" : qPrintable(report.error().message()));
    qInfo().noquote() << report->text();
    QVERIFY(report->linkKeyDeleted);
    QCOMPARE(report->linkKeyFingerprint, secret(linkKeyOf(3)).fingerprint());
    QVERIFY(report->exposure.isEmpty());
    QVERIFY(!report->rotation.needed);
    QCOMPARE(h.workflows->pendingRotationPlans()->size(), 0); // nothing shared is burnt
    QVERIFY(report->text().contains(u"nothing else is exposed"_s));
    QVERIFY(!Internal::workflowLinkKey(*h.store, 3));
    QCOMPARE(Internal::workflowLinkKey(*h.store, 4)->fingerprint(),
             secret(linkKeyOf(4)).fingerprint());

    // Node 3 is refused; the others keep verifying both ways, their keys untouched.
    const size_t mark = h.seen.size();
    (void)h.network->node(3).node->sendByte(1, 2, 1);
    h.run(2000);
    QVERIFY(h.count(3, FrameVerdict::RevokedSender, mark) >= 1);
    for (const quint8 id : idsBut(6, 3)) {
        QCOMPARE(h.valueFrom(id), std::optional(FrameVerdict::Verified));
        QVERIFY2(h.valueTo(id), qPrintable(QString::number(id)));
        QCOMPARE(bytes(h.network->stored(id).key(Fw::KeySlot::Link), 32), linkKeyOf(id));
        QVERIFY(!h.engine->isLocked(id));
    }
    // Node 3's key signs for nobody else.
    QCOMPARE(h.forge(4, linkKeyOf(3), serialOf(3)), std::optional(FrameVerdict::BadSignature));
    QVERIFY(h.runUntil(60000, [&] { return h.runner->batch(report->pushBatch).isSettled(); }));
    QCOMPARE(h.runner->batch(report->pushBatch).applied, 5);
}

void tst_Revocation::readmission()
{
    Harness h(3, 0.0, Fw::PolicyFlag::kRequireSignatures, false, false);
    QVERIFY(h.join());
    QVERIFY(h.workflows->revokeNode(2, u"lost"_s, u"console:alice"_s));
    QVERIFY(h.workflows->revokeNode(3, u"lost too"_s, u"console:alice"_s));
    QVERIFY(h.engine->isRevoked(2));

    // Without re-personalization: refused, nothing changes.
    NodePersonalization none;
    auto refused = h.workflows->readmitNode(2, none, u"console:alice"_s, u"found it"_s);
    QVERIFY(!refused);
    QVERIFY2(refused.error().message().contains(u"re-personalization"_s),
             qPrintable(refused.error().message()));
    NodePersonalization sameManagement;
    sameManagement.linkKey = secret(linkKeyOf(2));
    sameManagement.managementKey = secret(managementKeyOf(2)); // the revoked one
    QVERIFY(!h.workflows->readmitNode(2, sameManagement, u"console:alice"_s, u"found it"_s));
    NodePersonalization sameSerial;
    sameSerial.serial = serialArray(serialOf(2));
    QVERIFY(!h.workflows->readmitNode(2, sameSerial, u"console:alice"_s, u"found it"_s));
    NodePersonalization shortKey;
    shortKey.linkKey = secret(filled(1, 16));
    shortKey.managementKey = secret(filled(2));
    QVERIFY(!h.workflows->readmitNode(2, shortKey, u"console:alice"_s, u"found it"_s));
    QVERIFY(h.engine->isRevoked(2));
    QCOMPARE(auditCount(*h.inventory, u"readmit"_s), 0);

    // Re-personalized over USB with new link and management keys: readmitted.
    const QByteArray newLink = filled(0xA2);
    const QByteArray newManagement = filled(0xC2);
    personalizeKeys(h.network->node(2), newLink, newManagement);
    NodePersonalization fresh;
    fresh.linkKey = secret(newLink);
    fresh.managementKey = secret(newManagement);
    const auto readmitted
            = h.workflows->readmitNode(2, fresh, u"console:alice"_s, u"re-personalized"_s);
    QVERIFY2(readmitted, readmitted ? "" : qPrintable(readmitted.error().message()));
    QCOMPARE(readmitted->linkKeyFingerprint, secret(newLink).fingerprint());
    QCOMPARE(readmitted->managementKeyFingerprint, secret(newManagement).fingerprint());
    QVERIFY(readmitted->auditId > 0);
    QVERIFY(!h.engine->isRevoked(2));
    QVERIFY(h.engine->isRevoked(3));
    QCOMPARE(Internal::workflowLinkKey(*h.store, 2)->fingerprint(), secret(newLink).fingerprint());
    QVERIFY(h.inventory->flush());
    const auto record = h.inventory->node(2);
    QVERIFY(record && *record);
    QVERIFY(!(*record)->revoked && !(*record)->quarantined);
    QCOMPARE(auditCount(*h.inventory, u"readmit"_s), 1);
    // It talks again, under its new key.
    QCOMPARE(h.valueFrom(2), std::optional(FrameVerdict::Verified));
    QVERIFY(h.valueTo(2));

    // A new serial alone is re-personalization too.
    NodePersonalization newSerial;
    newSerial.serial = serialArray(QByteArray::fromHex("5E00000000000000F3"));
    QVERIFY(h.workflows->readmitNode(3, newSerial, u"console:alice"_s, u"new serial"_s));
    QVERIFY(!h.engine->isRevoked(3));
    // Revoked again, it stays so across a restart; node 2's readmission holds across one too.
    QVERIFY(h.workflows->revokeNode(3, u"lost again"_s, u"console:alice"_s));
    QVERIFY(h.inventory->flush());
    Engine restarted(h.engine->options());
    restarted.setInventory(h.inventory.get());
    QVERIFY(!restarted.isRevoked(2));
    QVERIFY(restarted.isRevoked(3));
    QVERIFY(!restarted.isRevoked(1));
}

void tst_Revocation::refusals()
{
    Harness h(2, 0.0, Fw::PolicyFlag::kRequireSignatures, false, false);
    QVERIFY(h.join());
    QVERIFY(h.inventory->flush());
    const auto before = h.inventory->auditLog();
    QVERIFY(before);
    const int backups = int(h.store->backups().size());

    const auto unknown = h.workflows->revokeNode(99, u"?"_s, u"console:alice"_s);
    QVERIFY(!unknown);
    QVERIFY2(unknown.error().message().contains(u"node 99 is unknown"_s),
             qPrintable(unknown.error().message()));
    QVERIFY(!h.engine->isRevoked(99));
    QVERIFY(!h.workflows->revokeNode(0, u"gateway"_s, u"console:alice"_s));
    QVERIFY(!h.workflows->revokeNode(255, u"broadcast"_s, u"console:alice"_s));
    QVERIFY(!h.workflows->revokeNode(1, QString(), u"console:alice"_s)); // no reason
    QVERIFY(!h.engine->isRevoked(1));
    QVERIFY(!h.workflows->readmitNode(1, {}, u"console:alice"_s, u"not revoked"_s));

    QVERIFY(h.workflows->revokeNode(1, u"lost"_s, u"console:alice"_s));
    QVERIFY(h.inventory->flush());
    const auto between = h.inventory->auditLog();
    const int backupsBetween = int(h.store->backups().size());
    const auto again = h.workflows->revokeNode(1, u"lost"_s, u"console:alice"_s);
    QVERIFY(!again);
    QVERIFY(again.error().message().contains(u"already revoked"_s));
    QVERIFY(h.inventory->flush());
    // Nothing changed by the refusals: the audit log grew only by the one revocation.
    QCOMPARE(h.inventory->auditLog()->size(), between->size());
    QCOMPARE(between->size(), before->size() + 2); // "revoke" and "revoke.report"
    QCOMPARE(int(h.store->backups().size()), backupsBetween);
    QVERIFY(backupsBetween > backups);
    // The migration refuses what it cannot do, before changing anything.
    QVERIFY(!h.workflows->migrateToNodeKeys({1}, u"console:alice"_s)); // revoked
    QVERIFY(!h.workflows->migrateToNodeKeys({77}, u"console:alice"_s)); // unknown
    QVERIFY(!Internal::workflowLinkKey(*h.store, 2));
}

void tst_Revocation::migrationAtTenPercentLoss()
{
    Harness h(5, 0.10, Fw::PolicyFlag::kRequireSignatures, false, false, 9);
    h.valueEveryMs = 3000; // sensors report, signed
    QVERIFY(h.join());
    QSignalSpy progress(h.workflows.get(), &SecurityWorkflows::migrationProgress);
    const quint32 start = h.network->millis();
    const auto started = h.workflows->migrateToNodeKeys({}, u"console:alice"_s);
    QVERIFY2(started, started ? "" : qPrintable(started.error().message()));
    QCOMPARE(*started, (QList<quint8> {1, 2, 3, 4, 5}));
    // The keys are on file (saved) before anything was sent.
    const auto reopened = openTestStore(h.storePath);
    QVERIFY(reopened);
    for (const quint8 id : *started)
        QVERIFY(Internal::workflowLinkKey(*reopened, id));

    int heldSeen = 0;
    const bool done = h.runUntil(240000, [&] {
        for (const quint8 id : *started)
            heldSeen += h.engine->isSigningHeld(id);
        const auto all = h.workflows->migration();
        return std::all_of(all.begin(), all.end(), [](const MigrationProgress &p) {
            return p.step == MigrationStep::Switched || p.step == MigrationStep::Failed;
        });
    });
    QVERIFY2(done, qPrintable(h.migrationDump()));
    qInfo().noquote() << u"5 nodes moved to link keys at 10% loss in %1 ms (simulated); %2 "
                         u"progress events, signing held %3 steps in all"_s
                                 .arg(h.network->millis() - start)
                                 .arg(progress.count())
                                 .arg(heldSeen);
    for (const MigrationProgress &p : h.workflows->migration())
        QVERIFY2(p.step == MigrationStep::Switched, qPrintable(h.migrationDump()));

    h.noLoss();
    for (const quint8 id : *started) {
        const auto key = Internal::workflowLinkKey(*h.store, id);
        QVERIFY(key);
        const Fw::WardenState s = h.network->stored(id);
        QVERIFY(s.has(Fw::SlotFlag::kLinkKey));
        QCOMPARE(secret(bytes(s.key(Fw::KeySlot::Link), 32)).fingerprint(), key->fingerprint());
        QCOMPARE(h.network->node(id).node->keySource(), Fw::KeySource::Link);
        QVERIFY(h.network->node(id).node->state() != Fw::NodeState::Locked);
        QVERIFY(!h.engine->isLocked(id));
        QVERIFY(!h.engine->hasNodeKeyCandidate(id));
        // Verifies under its link key, both ways ...
        QCOMPARE(h.valueFrom(id), std::optional(FrameVerdict::Verified));
        QVERIFY2(h.valueTo(id), qPrintable(QString::number(id)));
    }
    // ... and the shared key is no longer accepted from any of them.
    for (const quint8 id : *started)
        QCOMPARE(h.forge(id, kNetworkKey, QByteArray()), std::optional(FrameVerdict::BadSignature));
    // The record: done rows, fingerprints, audit entries; no key bytes.
    QVERIFY(h.inventory->flush());
    JobFilter filter;
    filter.kind = QString::fromLatin1(SecurityWorkflows::kMigrationJobKind);
    const auto rows = h.inventory->jobs(filter);
    QVERIFY(rows);
    QCOMPARE(rows->size(), 5);
    for (const Job &j : *rows)
        QCOMPARE(j.state, JobState::Done);
    QCOMPARE(auditCount(*h.inventory, u"migrate.link-key"_s), 5);
    const auto record = h.inventory->node(3);
    QCOMPARE((*record)->linkKeyFingerprint, Internal::workflowLinkKey(*h.store, 3)->fingerprint());
    // Nothing left to migrate.
    QVERIFY(!h.workflows->migrateToNodeKeys({}, u"console:alice"_s));
}

void tst_Revocation::migrationResumesAfterRestart()
{
    Harness h(3, 0.0, Fw::PolicyFlag::kRequireSignatures, false, false, 13);
    h.valueEveryMs = 3000;
    QVERIFY(h.join());
    // The acknowledgements of node 2 are lost for a while: it applies the key, the gateway
    // does not hear it.
    bool dropAcks = true;
    h.network->uplinkFilter = [&](const Message &m) {
        return !(dropAcks && m.sender() == 2 && m.command() == Command::Stream);
    };
    const auto started = h.workflows->migrateToNodeKeys({1, 2, 3}, u"console:alice"_s);
    QVERIFY(started);
    QVERIFY(h.runUntil(
            60000, [&] { return h.network->node(2).node->keySource() == Fw::KeySource::Link; }));
    h.run(200);
    // The process dies: runner and workflows go, the inventory and the key store stay.
    h.workflows.reset();
    h.runner.reset();
    h.run(500);
    dropAcks = false;
    h.makeRunner();
    QVERIFY(h.workflows->resume());
    QVERIFY2(h.runUntil(120000,
                        [&] {
                            return h.network->node(1).node->keySource() == Fw::KeySource::Link
                                   && h.network->node(3).node->keySource() == Fw::KeySource::Link
                                   && !h.engine->hasNodeKeyCandidate(1)
                                   && !h.engine->hasNodeKeyCandidate(2)
                                   && !h.engine->hasNodeKeyCandidate(3);
                        }),
             qPrintable(h.migrationDump()));
    for (const quint8 id : {1, 2, 3}) {
        QVERIFY(h.network->node(id).node->state() != Fw::NodeState::Locked);
        QCOMPARE(h.valueFrom(id), std::optional(FrameVerdict::Verified));
        QVERIFY(h.valueTo(id));
        QCOMPARE(h.forge(id, kNetworkKey, QByteArray()), std::optional(FrameVerdict::BadSignature));
    }
    QVERIFY(h.inventory->flush());
    JobFilter filter;
    filter.kind = QString::fromLatin1(SecurityWorkflows::kMigrationJobKind);
    filter.states = {JobState::Pending, JobState::Running, JobState::Failed};
    QCOMPARE(h.inventory->jobs(filter)->size(), 0);
}

void tst_Revocation::revocationLatency()
{
    // The figure of the issue: revokeNode -> the engine rejects the node's next frame. The
    // engine blocks first; the rest of revokeNode (key store save with its backup, committed
    // inventory writes, the push) runs in the same call, so the next frame is handled after
    // it returns. Both parts are printed.
    Harness h(3, 0.0, Fw::PolicyFlag::kRequireSignatures, false, false);
    QVERIFY(h.join());
    Test::LoopbackLink direct(LinkFraming::RadioFrames, u"direct"_s);
    QVERIFY(h.engine->addLink(&direct));
    direct.open();
    Message frame;
    frame.setHeader(2, 0, Command::Set, 2, 1);
    frame.setByte(1);
    Protocol::LegacySigner signer(Signer::hostSha256());
    signer.setKey(u8(kNetworkKey));
    const uint8_t nonce[Protocol::kNonceSize] = {};
    QCOMPARE(signer.sign(frame, nonce, nullptr), Protocol::SignResult::Ok);

    QElapsedTimer t;
    t.start();
    const auto report = h.workflows->revokeNode(2, u"latency"_s, u"bench"_s);
    const qint64 returned = t.nsecsElapsed();
    const size_t mark = h.seen.size();
    direct.inject(wire(frame));
    const qint64 rejected = t.nsecsElapsed();
    QVERIFY(report);
    QCOMPARE(h.count(2, FrameVerdict::RevokedSender, mark), 1);

    // The engine alone: revoke() and the next frame's rejection, averaged.
    Engine bare(h.engine->options());
    Test::LoopbackLink loop(LinkFraming::RadioFrames);
    QVERIFY(bare.addLink(&loop));
    loop.open();
    (void)bare.setNetworkKey(1, secret(kNetworkKey));
    int rejections = 0;
    QObject::connect(&bare, &Engine::traffic, &bare, [&](const TrafficRecord &r) {
        rejections += r.verdict == FrameVerdict::RevokedSender;
    });
    constexpr int kRounds = 200;
    QLoggingCategory::setFilterRules(u"warden.core.engine.warning=false"_s); // one per revoke
    QElapsedTimer e;
    e.start();
    for (int i = 1; i <= kRounds; ++i) {
        Message m = frame;
        m.setSender(quint8(i));
        bare.revoke(quint8(i), u"bench"_s);
        loop.inject(wire(m));
    }
    const double engineMicros = double(e.nsecsElapsed()) / 1000.0 / kRounds;
    QLoggingCategory::setFilterRules(QString());
    QCOMPARE(rejections, kRounds);
    // Where revokeNode's time went (the report's own clock).
    const RevocationTiming &spent = report->timing;
    QVERIFY(spent.totalUs > 0);
    QVERIFY(spent.blockUs + spent.keyStoreUs + spent.inventoryUs + spent.pushUs <= spent.totalUs);
    QVERIFY(spent.totalUs * 1000 <= returned);
    qInfo().noquote() << u"revokeNode() inside: block %1 us, key store save + backup %2 ms, "
                         u"inventory (revocation, plan, audit; committed) %3 ms, assessment + "
                         u"push queued %4 ms; %5 ms in all"_s.arg(spent.blockUs)
                                 .arg(double(spent.keyStoreUs) / 1e3, 0, 'f', 2)
                                 .arg(double(spent.inventoryUs) / 1e3, 0, 'f', 2)
                                 .arg(double(spent.pushUs) / 1e3, 0, 'f', 2)
                                 .arg(double(spent.totalUs) / 1e3, 0, 'f', 2);
    qInfo().noquote() << u"revocation latency: revokeNode() returned after %1 ms (block, key "
                         u"store save + backup, committed inventory writes, push queued); the "
                         u"next frame of the node was rejected %2 us later (%3 ms in all). "
                         u"Engine alone (revoke + next frame rejected): %4 us (target < 1 ms)"_s
                                 .arg(double(returned) / 1e6, 0, 'f', 2)
                                 .arg(double(rejected - returned) / 1e3, 0, 'f', 1)
                                 .arg(double(rejected) / 1e6, 0, 'f', 2)
                                 .arg(engineMicros, 0, 'f', 1);
    h.engine->removeLink(&direct);
}

QTEST_GUILESS_MAIN(tst_Revocation)
#include "tst_revocation.moc"
