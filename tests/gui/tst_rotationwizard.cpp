// The key-rotation wizard as a user drives it (offscreen), against host-build Warden nodes
// (and one stock node) on the simulated bus behind a real SecurityService, SQLite inventory
// and sealed key store: assess, plan (the checklist; leaving a node out asks first), start,
// deliver, the USB step marked done, activate, the report exported; and the wizard and the
// whole daemon destroyed mid-rotation, rebuilt over the same files, the new wizard opening on
// the step the persisted rotation is in and finishing it; a failed node retried from the
// wizard. Waits are bounded in simulated time.
#include <wizards/rotationnodemodel.h>
#include <wizards/rotationwizard.h>

#include "securitynetwork.h"

#include <QtCore/QFile>
#include <QtCore/QItemSelectionModel>
#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>
#include <QtWidgets/QAbstractButton>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QTableView>

using namespace Warden;
using namespace Warden::Internal;
using namespace Qt::StringLiterals;
using namespace WardenTest;

namespace {

QString verdictText(const std::optional<FrameVerdict> &v)
{
    return v ? QString::fromLatin1(frameVerdictName(*v)) : u"none"_s;
}

void click(QAbstractButton *button)
{
    QVERIFY(button);
    QVERIFY2(button->isVisible() && button->isEnabled(), qPrintable(button->text()));
    QTest::mouseClick(button, Qt::LeftButton);
}

/// The question box the wizard opened (a child, shown with open()), answered with @p answer.
bool answerQuestion(QWidget *parent, QMessageBox::StandardButton answer)
{
    auto *box = parent->findChild<QMessageBox *>();
    if (!box || !box->isVisible())
        return false;
    QTest::mouseClick(box->button(answer), Qt::LeftButton);
    QCoreApplication::processEvents();
    return true;
}

void selectNode(RotationWizard &wizard, quint8 node)
{
    const int row = wizard.nodeModel()->rowOf(node);
    QVERIFY(row >= 0);
    wizard.nodeTable()->selectionModel()->select(wizard.nodeModel()->index(row, 0),
                                                 QItemSelectionModel::ClearAndSelect
                                                         | QItemSelectionModel::Rows);
}

std::optional<NodeRotationState> stateOf(SecurityNetwork &net, quint8 node)
{
    const auto s = net.service()->rotation()->status();
    if (!s)
        return std::nullopt;
    for (const NodeRotationStatus &n : s->nodes) {
        if (n.node == node)
            return n.state;
    }
    return std::nullopt;
}

} // namespace

class tst_RotationWizard : public QObject
{
    Q_OBJECT

private slots:
    void runToTheEnd();
    void reopensOnTheStepAfterARestart();
    void silentNodeWaitsAndExcludingAsksFirst();
    void fromARevocationsPlan();
    void givingUpAsksFirstAndKeepsTheOldKey();
    void retryAFailedNode();
    void nothingRunningNoService();
};

void tst_RotationWizard::runToTheEnd()
{
    SecurityNetwork net(5, 41, {5}); // node 5: a stock node, re-keyed over USB
    QVERIFY(net.joinAll());
    auto wizard = std::make_unique<RotationWizard>(net.service());
    QAbstractItemModelTester planTester(wizard->planModel(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester nodeTester(wizard->nodeModel(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
    wizard->show();
    QCOMPARE(wizard->currentId(), int(RotationWizard::AssessPage));
    const QString assessment = wizard->assessmentText();
    qInfo().noquote() << assessment;
    QVERIFY(assessment.contains(u"epoch 1"_s));
    QVERIFY(assessment.contains(u"epoch 2"_s));
    QVERIFY(assessment.contains(u"USB re-personalization with the new key: 5"_s));
    click(wizard->button(QWizard::NextButton));

    // The plan: a checklist, 1-4 over the air, 5 by USB.
    QCOMPARE(wizard->currentId(), int(RotationWizard::PlanPage));
    RotationNodeModel *plan = wizard->planModel();
    QCOMPARE(plan->rowCount(), 5);
    QCOMPARE(RotationChannel(plan->data(plan->index(4, 0), RotationNodeModel::ChannelRole).toInt()),
             RotationChannel::Usb);
    QCOMPARE(RotationChannel(plan->data(plan->index(0, 0), RotationNodeModel::ChannelRole).toInt()),
             RotationChannel::OverTheAir);
    // Leaving node 4 out asks first; "No" ticks it again.
    QVERIFY(plan->setData(plan->index(3, 0), Qt::Unchecked, Qt::CheckStateRole));
    QVERIFY(answerQuestion(wizard.get(), QMessageBox::No));
    QCOMPARE(plan->data(plan->index(3, 0), Qt::CheckStateRole).toInt(), int(Qt::Checked));
    QVERIFY(!net.service()->rotation()->isRunning());

    click(wizard->button(QWizard::CommitButton));
    QVERIFY2(net.service()->rotation()->isRunning(), qPrintable(wizard->statusLabel()->text()));
    QVERIFY(wizard->currentId() >= int(RotationWizard::GeneratePage));

    // The wizard follows the rotation to the delivery; the stock node awaits its USB step.
    QVERIFY(net.runUntil(60000, [&] {
        return stateOf(net, 5) == NodeRotationState::AwaitingUsb
               && wizard->currentId() >= int(RotationWizard::DeliverPage);
    }));
    QVERIFY(wizard->nodeModel()->rowCount() == 5);
    const auto s = net.service()->rotation()->status();
    QVERIFY(s);
    QCOMPARE(s->newEpoch, quint16(2));
    const QByteArray newKey = storedNetworkKey(*net.store(), 2);
    QCOMPARE(newKey.size(), 32);
    net.network().usbRekey(5, newKey, 2);
    selectNode(*wizard, 5);
    click(wizard->usbDoneButton());
    QCOMPARE(stateOf(net, 5), std::optional(NodeRotationState::Activated));

    QVERIFY(net.runUntil(240000,
                         [&] { return wizard->currentId() == int(RotationWizard::ReportPage); }));
    const auto done = net.service()->rotation()->status();
    QCOMPARE(done->step, RotationStep::Completed);
    QCOMPARE(done->activated, 5);
    for (const quint8 id : {1, 2, 3, 4, 5}) {
        QCOMPARE(net.network().stored(id).activeEpoch, quint16(2));
        QCOMPARE(verdictText(net.nodeToGateway(id)), u"verified"_s);
    }

    // The report exports (atomically, as text).
    QVERIFY(wizard->exportButton()->isVisible());
    const QString path = net.directory() + u"/report.txt"_s;
    QVERIFY(wizard->exportReport(path));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QString report = QString::fromUtf8(file.readAll());
    qInfo().noquote() << report;
    QVERIFY(report.contains(u"epoch 1 -> 2"_s));
    QVERIFY(report.contains(done->keyFingerprint));
    QVERIFY(report.contains(u"node 5"_s));
    QVERIFY(report.contains(u"by USB"_s));
    QCOMPARE(report.count(u"uses the new key"_s), 5);
    // Not a writable place: a plain error, nothing half-written.
    const auto refused = wizard->exportReport(net.directory() + u"/no/such/dir/report.txt"_s);
    QVERIFY(!refused);
    QVERIFY(refused.error().message().contains(u"report"_s));
}

void tst_RotationWizard::reopensOnTheStepAfterARestart()
{
    SecurityNetwork net(4, 43);
    QVERIFY(net.joinAll());
    net.network().setLoss(0.10); // slow enough to stop between two nodes
    auto wizard = std::make_unique<RotationWizard>(net.service());
    wizard->show();
    click(wizard->button(QWizard::NextButton));
    click(wizard->button(QWizard::CommitButton));
    QVERIFY(net.service()->rotation()->isRunning());
    // Until one node holds (or uses) the new key and another does not yet.
    QVERIFY(net.runUntil(200000, [&] {
        const auto s = net.service()->rotation()->status();
        int ahead = 0;
        for (const NodeRotationStatus &n : s->nodes)
            ahead += n.state == NodeRotationState::Delivered
                     || n.state == NodeRotationState::Activated;
        return ahead >= 1 && s->activated < 4;
    }));
    const RotationStep stepBefore = net.service()->rotation()->status()->step;
    qInfo() << "stopped at" << rotationStepName(stepBefore);
    QCOMPARE(wizard->currentId(), RotationWizard::pageFor(stepBefore));

    // The console closes: the wizard, the service, the engine; the nodes run on.
    wizard.reset();
    net.stopDaemon();
    net.network().run(300);
    net.startDaemon();
    QVERIFY(net.daemon().summary.rotationResumed);

    wizard = std::make_unique<RotationWizard>(net.service());
    QAbstractItemModelTester nodeTester(wizard->nodeModel(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
    wizard->show();
    const int reopened = wizard->currentId();
    QVERIFY2(reopened == int(RotationWizard::DeliverPage)
                     || reopened == int(RotationWizard::ActivatePage),
             qPrintable(QString::number(reopened)));
    QCOMPARE(reopened, RotationWizard::pageFor(net.service()->rotation()->status()->step));
    QCOMPARE(wizard->nodeModel()->rowCount(), 4);
    QVERIFY(net.runUntil(200000,
                         [&] { return wizard->currentId() == int(RotationWizard::ReportPage); }));
    QCOMPARE(net.service()->rotation()->status()->step, RotationStep::Completed);
    net.network().setLoss(0);
    for (const quint8 id : {1, 2, 3, 4}) {
        QCOMPARE(net.network().stored(id).activeEpoch, quint16(2));
        QCOMPARE(verdictText(net.nodeToGateway(id)), u"verified"_s);
    }
    const QString path = net.directory() + u"/report.txt"_s;
    QVERIFY(wizard->exportReport(path));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(file.readAll()).count(u"uses the new key"_s), 4);
}

void tst_RotationWizard::silentNodeWaitsAndExcludingAsksFirst()
{
    SecurityNetwork net(3, 47);
    QVERIFY(net.joinAll());
    // Node 3 is away: nothing it sends reaches the gateway.
    net.network().setAway(3, true);
    auto wizard = std::make_unique<RotationWizard>(net.service());
    QAbstractItemModelTester nodeTester(wizard->nodeModel(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
    wizard->show();
    click(wizard->button(QWizard::NextButton));
    click(wizard->button(QWizard::CommitButton));
    // The runner gives up retrying and waits for the node to be heard: the wizard says so.
    const auto detail = [&] {
        return wizard->nodeModel()
                ->data(wizard->nodeModel()->index(wizard->nodeModel()->rowOf(3),
                                                  RotationNodeModel::DetailColumn))
                .toString();
    };
    QVERIFY(net.runUntil(120000, [&] { return detail().contains(u"waiting for it"_s); }));
    qInfo().noquote() << "node 3:" << detail();
    QCOMPARE(wizard->currentId(), int(RotationWizard::DeliverPage));

    // Excluding asks first; "No" leaves it in.
    selectNode(*wizard, 3);
    click(wizard->excludeButton());
    QVERIFY(answerQuestion(wizard.get(), QMessageBox::No));
    QVERIFY(stateOf(net, 3) != NodeRotationState::Excluded);
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    click(wizard->excludeButton());
    QVERIFY(answerQuestion(wizard.get(), QMessageBox::Yes));
    QCOMPARE(stateOf(net, 3), std::optional(NodeRotationState::Excluded));

    QVERIFY(net.runUntil(120000,
                         [&] { return wizard->currentId() == int(RotationWizard::ReportPage); }));
    const auto done = net.service()->rotation()->status();
    QCOMPARE(done->activated, 2);
    QCOMPARE(done->excluded, 1);
    QVERIFY(wizard->reportText().contains(u"node 3: excluded"_s));
    QCOMPARE(net.network().stored(1).activeEpoch, quint16(2));
    QCOMPARE(net.network().stored(3).activeEpoch, quint16(1));
}

void tst_RotationWizard::fromARevocationsPlan()
{
    SecurityNetwork net(4, 53);
    QVERIFY(net.joinAll());
    const auto revoked = net.service()->workflows()->revokeNode(4, u"stolen"_s, u"test"_s);
    QVERIFY(revoked);
    QVERIFY(revoked->rotation.needed);
    auto wizard = std::make_unique<RotationWizard>(net.service(), revoked->rotation);
    wizard->show();
    QCOMPARE(wizard->currentId(), int(RotationWizard::AssessPage));
    const QString assessment = wizard->assessmentText();
    QVERIFY(assessment.contains(u"epoch 1 is burnt"_s));
    QVERIFY(assessment.contains(u"Left out: 4"_s));
    click(wizard->button(QWizard::NextButton));
    QCOMPARE(wizard->planModel()->rowCount(), 3);
    QCOMPARE(wizard->planModel()->rowOf(4), -1);
    click(wizard->button(QWizard::CommitButton));
    QVERIFY(net.runUntil(200000,
                         [&] { return wizard->currentId() == int(RotationWizard::ReportPage); }));
    QCOMPARE(net.service()->rotation()->status()->activated, 3);
    for (const quint8 id : {1, 2, 3})
        QCOMPARE(net.network().stored(id).activeEpoch, quint16(2));
    QCOMPARE(net.network().stored(4).activeEpoch, quint16(1)); // the stolen one keeps the old
    QCOMPARE(verdictText(net.nodeToGateway(4)), u"revoked-sender"_s);
}

void tst_RotationWizard::givingUpAsksFirstAndKeepsTheOldKey()
{
    SecurityNetwork net(3, 59);
    QVERIFY(net.joinAll());
    net.network().setAway(3, true); // slow
    auto wizard = std::make_unique<RotationWizard>(net.service());
    wizard->show();
    click(wizard->button(QWizard::NextButton));
    click(wizard->button(QWizard::CommitButton));
    QVERIFY(net.runUntil(30000,
                         [&] { return wizard->currentId() == int(RotationWizard::DeliverPage); }));
    QVERIFY(wizard->giveUpButton()->isEnabled());
    click(wizard->giveUpButton());
    QVERIFY(answerQuestion(wizard.get(), QMessageBox::No));
    QVERIFY(net.service()->rotation()->isRunning());
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    click(wizard->giveUpButton());
    QVERIFY(answerQuestion(wizard.get(), QMessageBox::Yes));
    QVERIFY(!net.service()->rotation()->isRunning());
    QVERIFY(net.runUntil(1000,
                         [&] { return wizard->currentId() == int(RotationWizard::ReportPage); }));
    QCOMPARE(net.service()->rotation()->status()->step, RotationStep::Cancelled);
    QVERIFY(wizard->reportText().contains(u"cancelled"_s));
    net.network().setAway(3, false);
    QCOMPARE(net.engine()->activeEpoch(), std::optional<quint32>(1));
    QCOMPARE(net.network().stored(1).activeEpoch, quint16(1));
    QCOMPARE(verdictText(net.nodeToGateway(1)), u"verified"_s);
}

void tst_RotationWizard::retryAFailedNode()
{
    SecurityNetwork net(3, 61);
    QVERIFY(net.joinAll());
    // Node 3 is away while its delivery is under way; then its delivery job is cancelled, as a
    // job the runner gave up on: the node fails.
    net.network().setAway(3, true);
    auto wizard = std::make_unique<RotationWizard>(net.service());
    QAbstractItemModelTester nodeTester(wizard->nodeModel(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
    wizard->show();
    click(wizard->button(QWizard::NextButton));
    click(wizard->button(QWizard::CommitButton));
    qint64 job = 0;
    QVERIFY(net.runUntil(60000, [&] {
        const auto s = net.service()->rotation()->status();
        for (const NodeRotationStatus &n : s->nodes) {
            if (n.node == 3 && n.state == NodeRotationState::Delivering && n.deliveryJob > 0)
                job = n.deliveryJob;
        }
        return job > 0;
    }));
    QVERIFY(net.service()->jobs()->cancel(job));
    QVERIFY(net.runUntil(30000, [&] { return stateOf(net, 3) == NodeRotationState::Failed; }));
    const auto stateText = [&] {
        return wizard->nodeModel()
                ->data(wizard->nodeModel()->index(wizard->nodeModel()->rowOf(3),
                                                  RotationNodeModel::StateColumn))
                .toString();
    };
    QVERIFY(net.runUntil(1000, [&] { return stateText() == u"failed"_s; }));
    QVERIFY(net.service()->rotation()->isRunning());

    // Retry without a selection says what is missing; with node 3 selected, it goes again.
    wizard->nodeTable()->selectionModel()->clear();
    wizard->nodeTable()->setCurrentIndex({});
    click(wizard->retryButton());
    QCOMPARE(stateOf(net, 3), std::optional(NodeRotationState::Failed));
    QVERIFY(wizard->statusLabel()->text().contains(u"Select a node"_s));
    selectNode(*wizard, 3);
    net.network().setAway(3, false); // back in range
    click(wizard->retryButton());
    QVERIFY2(wizard->statusLabel()->text().isEmpty(), qPrintable(wizard->statusLabel()->text()));
    QVERIFY(stateOf(net, 3) != NodeRotationState::Failed);
    // Retrying a node that did not fail is refused in plain words.
    selectNode(*wizard, 1);
    click(wizard->retryButton());
    QVERIFY(!wizard->statusLabel()->text().isEmpty());

    QVERIFY(net.runUntil(200000,
                         [&] { return wizard->currentId() == int(RotationWizard::ReportPage); }));
    const auto done = net.service()->rotation()->status();
    QCOMPARE(done->step, RotationStep::Completed);
    QCOMPARE(done->activated, 3);
    for (const quint8 id : {1, 2, 3}) {
        QCOMPARE(net.network().stored(id).activeEpoch, quint16(2));
        QCOMPARE(verdictText(net.nodeToGateway(id)), u"verified"_s);
    }
}

void tst_RotationWizard::nothingRunningNoService()
{
    RotationWizard wizard(nullptr);
    wizard.show();
    QCOMPARE(wizard.currentId(), int(RotationWizard::AssessPage));
    QVERIFY(!wizard.button(QWizard::NextButton)->isEnabled());
    QVERIFY(wizard.assessmentText().contains(u"not running"_s));
}

QTEST_MAIN(tst_RotationWizard)
#include "tst_rotationwizard.moc"
