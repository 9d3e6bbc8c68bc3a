// The built-in simulated network as a demo of over-the-air security work (offscreen, real
// widgets): a fresh ConsoleSession (real simulated-link plugin, real host-build firmware
// nodes, real SQLite, the session's key store) personalizes its nodes as the station would,
// with a management key each, so the rotation wizard plans every node over the air and runs
// to its report, the nodes' frames verify under the new epoch afterwards, and a whitelist
// push from the editor reaches every node. A rotation a session leaves unfinished (its keys
// gone with it) does not keep the next session's demo network from working.
#include <app/consolesession.h>
#include <app/mainwindow.h>
#include <dialogs/whitelisteditor.h>
#include <models/nodeinventorymodel.h>
#include <views/inventoryview.h>
#include <wizards/rotationnodemodel.h>
#include <wizards/rotationwizard.h>

#include <warden/keystore.h>
#include <warden/rotation.h>
#include <warden/securityservice.h>

#include <QtCore/QFile>
#include <QtCore/QSet>
#include <QtCore/QSettings>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtGui/QAction>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QTableWidget>

#include <memory>

using namespace Warden;
using namespace Warden::Internal;
using namespace Qt::StringLiterals;

namespace {

const QList<quint8> kAllNodes {1, 2, 3, 4, 5};

void click(QAbstractButton *button)
{
    QVERIFY(button);
    QVERIFY2(button->isVisible() && button->isEnabled(), qPrintable(button->text()));
    QTest::mouseClick(button, Qt::LeftButton);
}

/// A fresh console on the built-in simulated network, its window up and the nodes listed.
struct Demo
{
    Demo()
        : settings(dir.filePath(u"console.ini"_s), QSettings::IniFormat)
        , session(&settings, dir.path())
    { }

    bool start()
    {
        if (!session.start())
            return false;
        window = std::make_unique<MainWindow>(&session, &settings);
        window->show();
        return QTest::qWaitForWindowExposed(window.get());
    }

    SecurityService *service() const { return session.security(network); }

    QTemporaryDir dir;
    QSettings settings;
    ConsoleSession session;
    const QString network = ConsoleSession::simulatedName();
    std::unique_ptr<MainWindow> window;
};

/// Nodes whose value frames (C_SET) the engine verified since it was made.
class VerifiedSenders : public QObject
{
public:
    VerifiedSenders(ConsoleSession &session, const QString &network)
    {
        connect(&session, &ConsoleSession::traffic, this,
                [this, network](const QString &from, const TrafficRecord &r) {
                    if (from != network || r.outgoing
                        || r.message.command() != Protocol::Command::Set)
                        return;
                    if (r.verdict == FrameVerdict::Verified)
                        verified.insert(r.message.sender());
                    else
                        refused.insert(r.message.sender());
                });
    }
    bool allOf(const QList<quint8> &nodes) const
    {
        for (const quint8 n : nodes) {
            if (!verified.contains(n))
                return false;
        }
        return true;
    }
    QSet<quint8> verified;
    QSet<quint8> refused;
};

QString ids(const QSet<quint8> &set)
{
    QStringList out;
    for (const quint8 n : set)
        out << QString::number(n);
    out.sort();
    return out.join(u", "_s);
}

/// The session personalized every node as the station would: a serial and a management key
/// of its own in the session's store, the same serial and the key's fingerprint (never the
/// key) in the inventory.
void checkPersonalized(Demo &demo)
{
    KeyStore *store = demo.session.keyStore(demo.network);
    QVERIFY(store);
    // Every node has a serial and a management key of its own in the session's store, and
    // the inventory shows their fingerprints (never the keys).
    const QList<NodeKeyInfo> nodes = store->nodes();
    QCOMPARE(nodes.size(), ConsoleSession::kSimulatedNodes);
    QSet<QString> fingerprints;
    for (const NodeKeyInfo &n : nodes) {
        QVERIFY2(kAllNodes.contains(n.nodeId), qPrintable(QString::number(n.nodeId)));
        QVERIFY(n.serial.has_value());
        QVERIFY(!n.managementKeyFingerprint.isEmpty());
        fingerprints.insert(n.managementKeyFingerprint);
        // The inventory commits in the background.
        Inventory *inventory = demo.session.inventory(demo.network);
        QTRY_VERIFY_WITH_TIMEOUT(inventory->node(n.nodeId).value_or(std::nullopt).has_value(),
                                 5000);
        const auto record = inventory->node(n.nodeId);
        QCOMPARE((*record)->managementKeyFingerprint, n.managementKeyFingerprint);
        QCOMPARE(QByteArray::fromHex((*record)->serialHex.toLatin1()),
                 QByteArray(reinterpret_cast<const char *>(n.serial->data()), 9));
    }
    QCOMPARE(fingerprints.size(), ConsoleSession::kSimulatedNodes); // one key per node
    QVERIFY(store->gatewaySerial().has_value());
}

} // namespace

class tst_SimulatedDemo : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void rotationRunsOverTheAir();
    void whitelistPushReachesEveryNode();
    void nextSessionStartsAfresh();
    void perNodeKeyMode();
};

void tst_SimulatedDemo::rotationRunsOverTheAir()
{
    Demo demo;
    QVERIFY(demo.start());
    checkPersonalized(demo);
    if (QTest::currentTestFailed())
        return;
    QTRY_VERIFY_WITH_TIMEOUT(demo.window->inventoryView()->proxy()->rowCount()
                                     >= ConsoleSession::kSimulatedNodes,
                             15000);
    QAction *action = demo.window->findChild<QAction *>(u"actionRotationWizard"_s);
    QVERIFY(action && action->isEnabled());
    action->trigger();
    RotationWizard *wizard = demo.window->rotationWizard();
    QVERIFY(wizard);
    QVERIFY(QTest::qWaitForWindowExposed(wizard));
    QCOMPARE(wizard->currentId(), int(RotationWizard::AssessPage));
    click(wizard->button(QWizard::NextButton));
    QCOMPARE(wizard->currentId(), int(RotationWizard::PlanPage));

    // The plan: every node over the air, none by USB.
    RotationNodeModel *plan = wizard->planModel();
    QCOMPARE(plan->rowCount(), ConsoleSession::kSimulatedNodes);
    for (int row = 0; row < plan->rowCount(); ++row) {
        const QModelIndex index = plan->index(row, 0);
        QCOMPARE(RotationChannel(index.data(RotationNodeModel::ChannelRole).toInt()),
                 RotationChannel::OverTheAir);
    }
    click(wizard->button(QWizard::CommitButton));
    KeyRotation *rotation = demo.service()->rotation();
    QVERIFY2(rotation->isRunning(), qPrintable(wizard->statusLabel()->text()));

    // To the report, with no step by hand, every node activated.
    QTRY_VERIFY2_WITH_TIMEOUT(wizard->currentId() == int(RotationWizard::ReportPage),
                              qPrintable(wizard->statusLabel()->text()), 25000);
    const auto status = rotation->status();
    QVERIFY(status);
    QCOMPARE(status->step, RotationStep::Completed);
    QCOMPARE(status->nodes.size(), qsizetype(ConsoleSession::kSimulatedNodes));
    for (const auto &n : status->nodes) {
        QCOMPARE(n.channel, RotationChannel::OverTheAir);
        QCOMPARE(n.state, NodeRotationState::Activated);
    }
    QCOMPARE(demo.session.engine(demo.network)->activeEpoch(), std::optional<quint32>(2));
    const auto old = demo.session.keyStore(demo.network)->networkKeyInfo(1);
    QVERIFY(old.has_value());
    QCOMPARE(old->state, NetworkKeyState::Retired);

    // The network keeps working: the next value of every node verifies (epoch 1 is no
    // longer accepted, so under the new key).
    VerifiedSenders senders(demo.session, demo.network);
    QTRY_VERIFY2_WITH_TIMEOUT(senders.allOf(kAllNodes), qPrintable(ids(senders.verified)), 15000);
    QVERIFY2(senders.refused.isEmpty(), qPrintable(ids(senders.refused)));
}

void tst_SimulatedDemo::whitelistPushReachesEveryNode()
{
    Demo demo;
    QVERIFY(demo.start());
    QTRY_VERIFY_WITH_TIMEOUT(demo.window->inventoryView()->proxy()->rowCount()
                                     >= ConsoleSession::kSimulatedNodes,
                             15000);
    demo.window->openWhitelistEditor(demo.network, 1);
    WhitelistEditor *editor = demo.window->whitelistEditor();
    QVERIFY(editor);
    QVERIFY(QTest::qWaitForWindowExposed(editor));
    // The simulated nodes are Warden nodes: all listed, each personalized with the gateway.
    QCOMPARE(editor->wardenNodes(), kAllNodes);
    QCOMPARE(editor->nodeList()->count(), ConsoleSession::kSimulatedNodes);
    for (const quint8 n : kAllNodes) {
        QCOMPARE(editor->desiredWhitelist(n).size(), 1);
        QCOMPARE(editor->desiredWhitelist(n).first().node, quint8(0));
    }

    // Network-wide: every node is to list node 2 as well (its serial filled in from the store).
    for (const quint8 n : kAllNodes)
        editor->setChecked(n, true);
    editor->networkWideBox()->setChecked(true);
    editor->entryIdBox()->setValue(2);
    QCOMPARE(editor->entrySerialField()->text().size(), 18);
    click(editor->addButton());
    QCOMPARE(editor->diff().size(), ConsoleSession::kSimulatedNodes);
    click(editor->pushButton());
    QCOMPARE(editor->progressTable()->rowCount(), ConsoleSession::kSimulatedNodes);

    // Per-node progress to the final state: applied on every node, acknowledged by it.
    QTRY_VERIFY2_WITH_TIMEOUT(std::all_of(kAllNodes.cbegin(), kAllNodes.cend(),
                                          [&](quint8 n) {
                                              return editor->pushState(n)
                                                     == WhitelistEditor::PushState::Applied;
                                          }),
                              qPrintable(editor->status()->text()), 25000);
    for (const quint8 n : kAllNodes) {
        QCOMPARE(editor->pushText(n), u"applied (authenticated acknowledgement)"_s);
        // What the node acknowledged: the gateway and node 2 (node 2 does not list itself).
        const auto current = editor->currentWhitelist(n);
        QVERIFY(current.has_value());
        QCOMPARE(current->size(), n == 2 ? 1 : 2);
        QCOMPARE(current->last().node, n == 2 ? quint8(0) : quint8(2));
    }
    QVERIFY2(editor->status()->text().contains(u"5 applied, 0 pending, 0 failed"_s),
             qPrintable(editor->status()->text()));
}

void tst_SimulatedDemo::nextSessionStartsAfresh()
{
    // A session ends in the middle of a rotation (its key store goes with it); the next one
    // on the same inventory still has a working demo network.
    QTemporaryDir dir;
    {
        QSettings settings(dir.filePath(u"console.ini"_s), QSettings::IniFormat);
        ConsoleSession session(&settings, dir.path());
        QVERIFY(session.start());
        const QString network = ConsoleSession::simulatedName();
        QVERIFY(session.security(network));
        RotationPlanInput input;
        input.oldEpoch = 1;
        input.overTheAir = kAllNodes;
        const auto started = session.security(network)->rotation()->start(input);
        QVERIFY2(started, started ? "" : qPrintable(started.error().message()));
        KeyRotation *rotation = session.security(network)->rotation();
        QTRY_VERIFY_WITH_TIMEOUT(
                rotation->status() && rotation->status()->step >= RotationStep::Delivering, 10000);
        QVERIFY(rotation->isRunning());
    }
    QSettings settings(dir.filePath(u"console.ini"_s), QSettings::IniFormat);
    ConsoleSession session(&settings, dir.path());
    QVERIFY(session.start());
    const QString network = ConsoleSession::simulatedName();
    QTRY_COMPARE_WITH_TIMEOUT(session.status(network).state, ConnectionState::Connected, 5000);
    QVERIFY2(session.security(network), qPrintable(session.status(network).error));
    QVERIFY(!session.security(network)->rotation()->isRunning());
    VerifiedSenders senders(session, network);
    QTRY_VERIFY2_WITH_TIMEOUT(senders.allOf(kAllNodes), qPrintable(ids(senders.verified)), 15000);
}

void tst_SimulatedDemo::perNodeKeyMode()
{
    // A simulated network the user configured in per-node key mode: each node also gets a
    // link key of its own from the session, which the gateway side holds too.
    QTemporaryDir dir;
    const QString name = u"Per-node demo"_s;
    {
        QSettings ini(dir.filePath(u"console.ini"_s), QSettings::IniFormat);
        ini.beginWriteArray(u"connections"_s);
        ini.setArrayIndex(0);
        ini.setValue(u"name"_s, name);
        ini.setValue(u"type"_s, u"simulated"_s);
        ini.setValue(u"mode"_s, u"host-gateway"_s);
        ini.setValue(u"settings"_s, QVariantMap {{u"nodes"_s, 3},
                                                 {u"keyMode"_s, u"per-node"_s},
                                                 {u"reportIntervalMs"_s, 1000}});
        ini.setValue(u"autoConnect"_s, true);
        ini.endArray();
    }
    QSettings settings(dir.filePath(u"console.ini"_s), QSettings::IniFormat);
    ConsoleSession session(&settings, dir.path());
    VerifiedSenders senders(session, name);
    QVERIFY(session.start());
    QCOMPARE(session.connectionNames(), QStringList {name});
    KeyStore *store = session.keyStore(name);
    QVERIFY(store);
    QSet<QString> linkKeys;
    for (const NodeKeyInfo &n : store->nodes()) {
        QVERIFY(!n.linkKeyFingerprint.isEmpty());
        QVERIFY(!n.managementKeyFingerprint.isEmpty());
        linkKeys.insert(n.linkKeyFingerprint);
    }
    QCOMPARE(linkKeys.size(), 3);
    QTRY_VERIFY2_WITH_TIMEOUT(senders.allOf({1, 2, 3}), qPrintable(ids(senders.verified)), 10000);
    QVERIFY2(senders.refused.isEmpty(), qPrintable(ids(senders.refused)));
    // Never stored: the keys are the session's.
    settings.sync();
    QFile file(dir.filePath(u"console.ini"_s));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray ini = file.readAll();
    QVERIFY(!ini.contains("KeysHex"));
}

QTEST_MAIN(tst_SimulatedDemo)
#include "tst_simulateddemo.moc"
