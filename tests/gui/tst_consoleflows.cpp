// The user's paths through the whole console, end to end (offscreen): the real MainWindow on
// ConsoleSession's simulated network (real link plugin, real firmware nodes, real SQLite,
// the session's key store). A node is selected in the inventory, "Revoke node..." is triggered
// from the Node menu, the confirmation shows, is confirmed, the progress reaches its final
// state, the inventory row says revoked; the rotation the revocation calls for is offered and
// the wizard runs over the air (the simulated nodes are Warden nodes with management keys);
// the window is destroyed and made again mid-rotation and offers to resume; the other nodes
// follow to the new key and keep verifying, the revoked one stays refused.
#include <app/consolesession.h>
#include <app/mainwindow.h>
#include <dialogs/whitelisteditor.h>
#include <models/nodefilterproxy.h>
#include <models/nodeinventorymodel.h>
#include <views/inventoryview.h>
#include <views/nodedetailsview.h>
#include <views/revokedialog.h>
#include <wizards/rotationnodemodel.h>
#include <wizards/rotationwizard.h>

#include <warden/rotation.h>
#include <warden/securityservice.h>

#include <QtCore/QItemSelectionModel>
#include <QtCore/QSet>
#include <QtCore/QSettings>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtGui/QAction>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QTableView>

#include <memory>
#include <optional>

using namespace Warden;
using namespace Warden::Internal;
using namespace Qt::StringLiterals;

namespace {

void click(QAbstractButton *button)
{
    QVERIFY(button);
    QVERIFY2(button->isVisible() && button->isEnabled(), qPrintable(button->text()));
    QTest::mouseClick(button, Qt::LeftButton);
}

/// Selects the row of @p node in the window's inventory view, as a click would.
bool selectNode(MainWindow &window, quint8 node)
{
    QTableView *table = window.inventoryView()->table();
    QAbstractItemModel *proxy = table->model();
    for (int row = 0; row < proxy->rowCount(); ++row) {
        const QModelIndex index = proxy->index(row, 0);
        if (index.data(NodeInventoryModel::NodeIdRole).toInt() == node) {
            table->selectionModel()->select(index, QItemSelectionModel::ClearAndSelect
                                                           | QItemSelectionModel::Rows);
            table->setCurrentIndex(index);
            return true;
        }
    }
    return false;
}

std::optional<NodeSecurityState> rowState(MainWindow &window, quint8 node)
{
    QAbstractItemModel *proxy = window.inventoryView()->table()->model();
    for (int row = 0; row < proxy->rowCount(); ++row) {
        const QModelIndex index = proxy->index(row, 0);
        if (index.data(NodeInventoryModel::NodeIdRole).toInt() == node)
            return NodeSecurityState(index.data(NodeInventoryModel::SecurityStateRole).toInt());
    }
    return std::nullopt;
}

/// The inventory's "Key epoch" cell of @p node as shown.
QString rowEpoch(MainWindow &window, quint8 node)
{
    QAbstractItemModel *proxy = window.inventoryView()->table()->model();
    for (int row = 0; row < proxy->rowCount(); ++row) {
        if (proxy->index(row, 0).data(NodeInventoryModel::NodeIdRole).toInt() == node)
            return proxy->index(row, NodeInventoryModel::EpochColumn).data().toString();
    }
    return u"no row"_s;
}

QAction *windowAction(MainWindow &window, const QString &name)
{
    return window.findChild<QAction *>(name);
}

} // namespace

class tst_ConsoleFlows : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void revokeRotateAndResume();
    void nodeDetailsOpensFromTheInventory();
    void selectionSurvivesTheRefresh();
};

void tst_ConsoleFlows::revokeRotateAndResume()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(u"console.ini"_s), QSettings::IniFormat);
    ConsoleSession session(&settings, dir.path());
    QVERIFY(session.start().has_value());
    const QString network = ConsoleSession::simulatedName();
    auto window = std::make_unique<MainWindow>(&session, &settings);
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window.get()));
    QVERIFY(session.security(network));

    // Nothing selected: the node actions wait for a node; the network's are ready.
    QAction *revoke = windowAction(*window, u"actionRevokeNode"_s);
    QVERIFY(revoke);
    QVERIFY(!revoke->isEnabled());
    QVERIFY(windowAction(*window, u"actionRotationWizard"_s)->isEnabled());
    QVERIFY(windowAction(*window, u"actionKeyStore"_s)->isEnabled());

    QTRY_VERIFY_WITH_TIMEOUT(
            window->inventoryView()->proxy()->rowCount() >= ConsoleSession::kSimulatedNodes, 15000);
    QVERIFY(selectNode(*window, 3));
    QVERIFY(revoke->isEnabled());
    QVERIFY(windowAction(*window, u"actionNodeDetails"_s)->isEnabled());

    // Revoke node... from the menu: the confirmation says what will happen.
    revoke->trigger();
    RevokeDialog *dialog = window->revokeDialog();
    QVERIFY(dialog);
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    QCOMPARE(dialog->stage(), RevokeDialog::Stage::Confirm);
    QCOMPARE(dialog->node(), quint8(3));
    QVERIFY2(!dialog->confirmationText().isEmpty(), "the confirmation says nothing");
    QVERIFY(!dialog->revokeButton()->isEnabled()); // a reason first
    QTest::keyClicks(dialog->reasonField(), u"lost in the garden"_s);
    click(dialog->revokeButton());
    QVERIFY2(dialog->stage() == RevokeDialog::Stage::Progress
                     || dialog->stage() == RevokeDialog::Stage::Done,
             qPrintable(dialog->statusLabel()->text()));

    // The inventory row says revoked without a restart.
    QTRY_COMPARE_WITH_TIMEOUT(rowState(*window, 3), std::optional(NodeSecurityState::Revoked),
                              5000);
    QTRY_VERIFY2_WITH_TIMEOUT(dialog->stage() == RevokeDialog::Stage::Done,
                              qPrintable(dialog->statusLabel()->text()), 20000);
    QVERIFY(dialog->report());
    QVERIFY(dialog->report()->rotation.needed);

    // The rotation it calls for: the wizard is offered and opens on the assessment.
    click(dialog->rotateButton());
    RotationWizard *wizard = window->rotationWizard();
    QVERIFY(wizard);
    QVERIFY(QTest::qWaitForWindowExposed(wizard));
    QCOMPARE(wizard->currentId(), int(RotationWizard::AssessPage));
    QVERIFY(!window->resumeRotationButton()->isVisible()); // the wizard is up
    click(wizard->button(QWizard::NextButton));
    QCOMPARE(wizard->currentId(), int(RotationWizard::PlanPage));
    QCOMPARE(wizard->planModel()->rowCount(), ConsoleSession::kSimulatedNodes - 1);
    for (int row = 0; row < wizard->planModel()->rowCount(); ++row) {
        const QModelIndex index = wizard->planModel()->index(row, 0);
        QVERIFY(index.data(RotationNodeModel::NodeIdRole).toInt() != 3);
        QCOMPARE(RotationChannel(index.data(RotationNodeModel::ChannelRole).toInt()),
                 RotationChannel::OverTheAir);
    }
    click(wizard->button(QWizard::CommitButton));
    KeyRotation *rotation = session.security(network)->rotation();
    QVERIFY2(rotation->isRunning(), qPrintable(wizard->statusLabel()->text()));
    QTRY_VERIFY_WITH_TIMEOUT(wizard->currentId() >= int(RotationWizard::DeliverPage), 10000);
    QVERIFY2(rotation->isRunning(), "the rotation ended before the window could go");

    // The window goes away mid-rotation (its wizard with it) and comes back: it offers to
    // resume, and the wizard reopens on the step the rotation is in.
    window.reset();
    QVERIFY(rotation->isRunning());
    window = std::make_unique<MainWindow>(&session, &settings);
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window.get()));
    QPushButton *resume = window->resumeRotationButton();
    QVERIFY(resume->isVisible());
    QCOMPARE(window->resumableRotation(), network);
    QVERIFY(resume->text().contains(network));
    click(resume);
    wizard = window->rotationWizard();
    QVERIFY(wizard);
    const auto status = rotation->status();
    QVERIFY(status);
    QCOMPARE(wizard->currentId(), RotationWizard::pageFor(status->step));
    QVERIFY(!resume->isVisible());

    // It runs to its end on the simulated network.
    QTRY_VERIFY2_WITH_TIMEOUT(wizard->currentId() == int(RotationWizard::ReportPage),
                              qPrintable(wizard->statusLabel()->text()), 20000);
    QCOMPARE(rotation->status()->step, RotationStep::Completed);
    const auto finished = rotation->status();
    QVERIFY(finished);
    for (const auto &n : finished->nodes) {
        QCOMPARE(n.channel, RotationChannel::OverTheAir);
        QCOMPARE(n.state, NodeRotationState::Activated);
    }
    QCOMPARE(session.engine(network)->activeEpoch(), std::optional<quint32>(2));

    // The others follow: their next values verify under the new key; node 3 stays refused.
    QSet<quint8> verified;
    QSet<quint8> refused;
    QObject receiver; // gone before the sets are
    connect(&session, &ConsoleSession::traffic, &receiver,
            [&](const QString &, const TrafficRecord &r) {
                if (r.outgoing || r.message.command() != Protocol::Command::Set)
                    return;
                (r.verdict == FrameVerdict::Verified ? verified : refused)
                        .insert(r.message.sender());
            });
    QTRY_VERIFY_WITH_TIMEOUT(verified.contains(1) && verified.contains(2) && verified.contains(4)
                                     && verified.contains(5),
                             15000);
    QVERIFY(!verified.contains(3));
    QVERIFY(!refused.contains(1) && !refused.contains(2) && !refused.contains(4)
            && !refused.contains(5));
    wizard->close();
    QTRY_VERIFY(!window->rotationWizard());
    QTRY_VERIFY(!window->resumeRotationButton()->isVisible());
    QCOMPARE(rowState(*window, 3), std::optional(NodeSecurityState::Revoked));
    // The inventory shows the key each node holds now; the revoked node none.
    for (const quint8 node : {1, 2, 4, 5})
        QTRY_COMPARE(rowEpoch(*window, node), u"2"_s);
    QCOMPARE(rowEpoch(*window, 3), QString());
}

void tst_ConsoleFlows::nodeDetailsOpensFromTheInventory()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(u"console.ini"_s), QSettings::IniFormat);
    ConsoleSession session(&settings, dir.path());
    QVERIFY(session.start().has_value());
    MainWindow window(&session, &settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_VERIFY_WITH_TIMEOUT(
            window.inventoryView()->proxy()->rowCount() >= ConsoleSession::kSimulatedNodes, 15000);
    // Activating its row (Return, as a double-click does) opens the details of that node.
    QVERIFY(selectNode(window, 2));
    QTableView *table = window.inventoryView()->table();
    table->setFocus();
    QTest::keyClick(table, Qt::Key_Return);
    NodeDetails *details = window.nodeDetails();
    QVERIFY(details);
    QCOMPARE(details->node(), quint8(2));
    // Push configuration... opens the whitelist editor on the same node.
    click(details->pushButton());
    QVERIFY(window.whitelistEditor());
    QVERIFY(QTest::qWaitForWindowExposed(window.whitelistEditor()));
}

void tst_ConsoleFlows::selectionSurvivesTheRefresh()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(u"console.ini"_s), QSettings::IniFormat);
    ConsoleSession session(&settings, dir.path());
    QVERIFY(session.start().has_value());
    MainWindow window(&session, &settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_VERIFY_WITH_TIMEOUT(
            window.inventoryView()->proxy()->rowCount() >= ConsoleSession::kSimulatedNodes, 15000);
    QVERIFY(selectNode(window, 4));
    // While frames flow the session updates the nodes heard in place (not the whole network):
    // the user's selection stays (a whole-network refresh puts it back).
    QSignalSpy updated(&session, &ConsoleSession::nodesUpdated);
    QSignalSpy whole(&session, &ConsoleSession::nodesChanged);
    QTRY_VERIFY_WITH_TIMEOUT(updated.size() >= 3, 15000);
    for (const QList<QVariant> &emission : std::as_const(updated)) {
        QCOMPARE(emission.at(0).toString(), ConsoleSession::simulatedName());
        const auto ids = emission.at(1).value<QList<quint8>>();
        QVERIFY(!ids.isEmpty());
        for (const quint8 id : ids)
            QVERIFY2(id >= 1 && id <= ConsoleSession::kSimulatedNodes,
                     qPrintable(QString::number(id)));
    }
    qInfo("%lld in-place updates, %lld whole-network refreshes", qint64(updated.size()),
          qint64(whole.size()));
    const auto selected = window.inventoryView()->selectedNode();
    QVERIFY(selected);
    QCOMPARE(selected->second, quint8(4));
    QVERIFY(windowAction(window, u"actionRevokeNode"_s)->isEnabled());
}

QTEST_MAIN(tst_ConsoleFlows)
#include "tst_consoleflows.moc"
