// The one-click revocation as a user drives it (offscreen), against eight host-build Warden
// nodes on the simulated bus behind a real SecurityService, SQLite inventory and sealed key
// store: the confirmation says what the preview says; Cancel changes nothing anywhere; Revoke
// blocks node 7 at once, the whitelist removals reach a final state on every node, the
// inventory shows the node revoked and the rotation is offered; the same dialog re-admits it
// only with a new identity. Waits are bounded in simulated time.
#include <views/revokedialog.h>

#include <models/nodeinventorymodel.h>
#include <wizards/rotationwizard.h>

#include "securitynetwork.h"

#include <QtCore/QPointer>
#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>

using namespace Warden;
using namespace Warden::Internal;
using namespace Qt::StringLiterals;
using namespace WardenTest;

namespace {

constexpr quint8 kLost = 7;

QString verdictText(const std::optional<FrameVerdict> &v)
{
    return v ? QString::fromLatin1(frameVerdictName(*v)) : u"none"_s;
}

/// Everything a revocation would change, to compare before and after a cancel.
struct Snapshot
{
    bool engineRevoked = false;
    bool inventoryRevoked = false;
    bool quarantined = false;
    int audit = 0;
    int jobs = 0;
    int revocations = 0;
    QString managementKey;
    int storeNodes = 0;
    bool operator==(const Snapshot &) const = default;
};

Snapshot snapshot(SecurityNetwork &net)
{
    Snapshot s;
    s.engineRevoked = net.engine()->isRevoked(kLost);
    const auto record = net.inventory()->node(kLost);
    if (record && *record) {
        s.inventoryRevoked = (*record)->revoked;
        s.quarantined = (*record)->quarantined;
    }
    s.audit = int(net.inventory()->auditLog().value_or(QList<AuditEntry> {}).size());
    s.jobs = int(net.inventory()->jobs().value_or(QList<Job> {}).size());
    s.revocations = int(net.inventory()->revocations().value_or(QList<Revocation> {}).size());
    if (const auto node = net.store()->node(kLost))
        s.managementKey = node->managementKeyFingerprint;
    s.storeNodes = int(net.store()->nodes().size());
    return s;
}

} // namespace

class tst_RevokeDialog : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void confirmationSaysWhatThePreviewSays();
    void cancelChangesNothing();
    void revokeBlocksPushesAndOffersRotation();
    void readmitNeedsANewIdentity();
    void refusalAfterConfirmationIsShown();
    void unknownNodeIsRefusedInPlainWords();
    void cleanupTestCase();

private:
    std::unique_ptr<SecurityNetwork> m_net;
};

void tst_RevokeDialog::initTestCase()
{
    m_net = std::make_unique<SecurityNetwork>(8, 31);
    QVERIFY(m_net->joinAll());
    QCOMPARE(verdictText(m_net->nodeToGateway(kLost)), u"verified"_s);
}

void tst_RevokeDialog::cleanupTestCase()
{
    m_net.reset();
}

void tst_RevokeDialog::confirmationSaysWhatThePreviewSays()
{
    RevokeDialog dialog(m_net->service(), kLost);
    dialog.show();
    QCOMPARE(dialog.stage(), RevokeDialog::Stage::Confirm);
    const auto preview = m_net->service()->workflows()->previewRevocation(kLost);
    QVERIFY(preview);
    QVERIFY(dialog.preview());
    QCOMPARE(dialog.preview()->pushedTo, preview->pushedTo);
    const QString text = dialog.confirmationText();
    qInfo().noquote() << text;
    QVERIFY(text.contains(u"blocks node 7"_s));
    // Every node the whitelist removal goes to is named, and their number.
    QVERIFY(!preview->pushedTo.isEmpty());
    QVERIFY(text.contains(u"whitelists of %1 node"_s.arg(preview->pushedTo.size())));
    for (const quint8 n : preview->pushedTo)
        QVERIFY2(text.contains(u"node %1"_s.arg(n)), qPrintable(u"node %1 not named"_s.arg(n)));
    // A shared-key network: the key is burnt, what stays exposed, the rotation that follows.
    QVERIFY(preview->rotation.needed);
    QVERIFY(text.contains(u"epoch 1 is burnt"_s));
    QVERIFY(!preview->exposure.isEmpty());
    for (const ExposureItem &e : preview->exposure)
        QVERIFY(text.contains(e.text));
    QVERIFY(text.contains(preview->rotation.text()));
    QVERIFY(text.contains(preview->managementKeyFingerprint));
    QVERIFY(text.contains(preview->serialFingerprint));
    // No key bytes: the management key of node 7 is filled(0x47...).
    QVERIFY(!text.contains(QString::fromLatin1(managementKeyOf(kLost).toHex())));

    // Revoke waits for a reason; Enter is not Revoke.
    QVERIFY(dialog.revokeButton()->isVisible());
    QVERIFY(!dialog.revokeButton()->isEnabled());
    QVERIFY(!dialog.rotateButton()->isVisible());
    QTest::keyClicks(dialog.reasonField(), u"stolen"_s);
    QVERIFY(dialog.revokeButton()->isEnabled());
    QVERIFY(!dialog.revokeButton()->isDefault());
}

void tst_RevokeDialog::cancelChangesNothing()
{
    QVERIFY(m_net->inventory()->flush());
    const Snapshot before = snapshot(*m_net);
    QVERIFY(!before.managementKey.isEmpty());
    {
        RevokeDialog dialog(m_net->service(), kLost);
        QSignalSpy revoked(&dialog, &RevokeDialog::nodeRevoked);
        dialog.show();
        QTest::keyClicks(dialog.reasonField(), u"stolen"_s);
        QTest::mouseClick(dialog.cancelButton(), Qt::LeftButton);
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
        QVERIFY(revoked.isEmpty());
    }
    m_net->run(200);
    QVERIFY(m_net->inventory()->flush());
    QCOMPARE(snapshot(*m_net), before);
    QCOMPARE(verdictText(m_net->nodeToGateway(kLost)), u"verified"_s);
}

void tst_RevokeDialog::revokeBlocksPushesAndOffersRotation()
{
    NodeInventoryModel inventoryModel;
    QAbstractItemModelTester inventoryTester(
            &inventoryModel, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QString network = u"garden"_s;
    inventoryModel.setNodes(network, m_net->inventory()->nodes().value_or(QList<NodeRecord> {}));
    QVERIFY(inventoryModel.rowOf(network, kLost) >= 0);
    QVERIFY(inventoryModel.securityStateAt(inventoryModel.rowOf(network, kLost))
            != NodeSecurityState::Revoked);

    RevokeDialog dialog(m_net->service(), kLost);
    QAbstractItemModelTester progressTester(dialog.progressModel(),
                                            QAbstractItemModelTester::FailureReportingMode::QtTest);
    connect(&dialog, &RevokeDialog::nodeRevoked, &inventoryModel,
            [&](quint8 node) { inventoryModel.setRevoked(network, node, true); });
    QSignalSpy revoked(&dialog, &RevokeDialog::nodeRevoked);
    QSignalSpy rotation(&dialog, &RevokeDialog::rotationRequested);
    QPointer<QWidget> wizard;
    connect(&dialog, &RevokeDialog::rotationWizardOpened, this,
            [&](QWidget *opened) { wizard = opened; });
    dialog.show();
    QTest::keyClicks(dialog.reasonField(), u"stolen from the garden"_s);
    QTest::mouseClick(dialog.revokeButton(), Qt::LeftButton);

    QCOMPARE(revoked.size(), 1);
    QVERIFY2(dialog.stage() == RevokeDialog::Stage::Progress
                     || dialog.stage() == RevokeDialog::Stage::Done,
             qPrintable(dialog.statusLabel()->text()));
    QVERIFY(dialog.report());
    QVERIFY(dialog.report()->blocked);
    QVERIFY(dialog.report()->problems.isEmpty());
    // Blocked at once: node 7's next frame is refused.
    QCOMPARE(verdictText(m_net->nodeToGateway(kLost)), u"revoked-sender"_s);

    // One row per node the removal goes to; every one reaches a final state.
    RevokeProgressModel *progress = dialog.progressModel();
    QCOMPARE(progress->rowCount(), int(dialog.report()->pushedTo.size()));
    QVERIFY(progress->rowCount() > 0);
    QVERIFY(m_net->runUntil(120000, [&] { return progress->isSettled(); }));
    QCOMPARE(dialog.stage(), RevokeDialog::Stage::Done);
    for (int row = 0; row < progress->rowCount(); ++row) {
        const auto state = JobState(
                progress->data(progress->index(row, 0), RevokeProgressModel::JobStateRole).toInt());
        QVERIFY(state == JobState::Done || state == JobState::Failed
                || state == JobState::Cancelled);
        QCOMPARE(state, JobState::Done); // a clean bus: every node applied it
        QVERIFY(!progress->data(progress->index(row, RevokeProgressModel::DetailColumn))
                         .toString()
                         .isEmpty());
    }
    QCOMPARE(progress->applied(), progress->rowCount());
    const QString status = dialog.statusLabel()->text();
    QVERIFY2(status.contains(u"node 7"_s) && status.contains(u"is revoked"_s), qPrintable(status));

    // The inventory model shows it revoked: at once (the signal) and from the committed rows.
    QCOMPARE(inventoryModel.securityStateAt(inventoryModel.rowOf(network, kLost)),
             NodeSecurityState::Revoked);
    QVERIFY(m_net->inventory()->flush());
    NodeInventoryModel reloaded;
    reloaded.setNodes(network, m_net->inventory()->nodes().value_or(QList<NodeRecord> {}));
    QCOMPARE(reloaded.securityStateAt(reloaded.rowOf(network, kLost)), NodeSecurityState::Revoked);
    for (const quint8 other : {1, 2, 8})
        QVERIFY(reloaded.securityStateAt(reloaded.rowOf(network, other))
                != NodeSecurityState::Revoked);

    // The next step: the shared key is burnt, the rotation is offered.
    QVERIFY(dialog.rotateButton()->isVisible());
    QTest::mouseClick(dialog.rotateButton(), Qt::LeftButton);
    QCOMPARE(rotation.size(), 1);
    const auto plan = rotation.first().first().value<RotationPlan>();
    QCOMPARE(plan.burntEpoch, quint32(1));
    QVERIFY(!plan.overTheAir.contains(kLost));
    QVERIFY(plan.overTheAir.contains(1));
    // ... and the wizard opens on that plan's assessment.
    QVERIFY(wizard);
    auto *rotationWizard = qobject_cast<RotationWizard *>(wizard.data());
    QVERIFY(rotationWizard);
    QVERIFY(rotationWizard->isVisible());
    QCOMPARE(rotationWizard->currentId(), int(RotationWizard::AssessPage));
    QVERIFY(rotationWizard->assessmentText().contains(u"epoch 1 is burnt"_s));
    QVERIFY(!dialog.isVisible());
    delete wizard.data();
}

void tst_RevokeDialog::readmitNeedsANewIdentity()
{
    QVERIFY(m_net->engine()->isRevoked(kLost));
    RevokeDialog dialog(m_net->service(), kLost);
    QSignalSpy readmitted(&dialog, &RevokeDialog::nodeReadmitted);
    dialog.show();
    QCOMPARE(dialog.stage(), RevokeDialog::Stage::ConfirmReadmit);
    QVERIFY(!dialog.revokeButton()->isVisible());
    QVERIFY(dialog.readmitButton()->isVisible());
    QVERIFY(!dialog.readmitButton()->isEnabled());

    // The old serial is refused by the workflows, in plain words.
    QTest::keyClicks(dialog.serialField(), QString::fromLatin1(serialOf(kLost).toHex()));
    QTest::keyClicks(dialog.readmitReasonField(), u"found and re-personalized"_s);
    QVERIFY(dialog.readmitButton()->isEnabled());
    QTest::mouseClick(dialog.readmitButton(), Qt::LeftButton);
    QCOMPARE(dialog.stage(), RevokeDialog::Stage::ConfirmReadmit);
    QVERIFY(readmitted.isEmpty());
    QVERIFY(dialog.statusLabel()->text().startsWith(u"Not re-admitted: "_s));
    QVERIFY(m_net->engine()->isRevoked(kLost));

    // A half-typed serial cannot be sent.
    dialog.serialField()->clear();
    QTest::keyClicks(dialog.serialField(), u"5e01"_s);
    QVERIFY(!dialog.readmitButton()->isEnabled());

    // A new serial (the node re-personalized): re-admitted.
    dialog.serialField()->clear();
    QTest::keyClicks(dialog.serialField(), u"5e0000000000000a07"_s);
    QTest::mouseClick(dialog.readmitButton(), Qt::LeftButton);
    QCOMPARE(dialog.stage(), RevokeDialog::Stage::Readmitted);
    QCOMPARE(readmitted.size(), 1);
    QVERIFY(!m_net->engine()->isRevoked(kLost));
    QVERIFY(m_net->inventory()->flush());
    const auto record = m_net->inventory()->node(kLost);
    QVERIFY(record && *record);
    QVERIFY(!(*record)->revoked);
    QVERIFY(dialog.closeButton()->isVisible());
}

void tst_RevokeDialog::refusalAfterConfirmationIsShown()
{
    // Node 8 is revoked by someone else (the daemon's API) while the confirmation is open.
    RevokeDialog dialog(m_net->service(), 8);
    QSignalSpy revoked(&dialog, &RevokeDialog::nodeRevoked);
    dialog.show();
    QCOMPARE(dialog.stage(), RevokeDialog::Stage::Confirm);
    QVERIFY(m_net->service()->workflows()->revokeNode(8, u"stolen"_s, u"api"_s));
    QTest::keyClicks(dialog.reasonField(), u"stolen"_s);
    QTest::mouseClick(dialog.revokeButton(), Qt::LeftButton);
    QCOMPARE(dialog.stage(), RevokeDialog::Stage::Confirm);
    QVERIFY(revoked.isEmpty());
    const QString status = dialog.statusLabel()->text();
    QVERIFY2(status.startsWith(u"Not revoked: "_s) && status.contains(u"already revoked"_s),
             qPrintable(status));
}

void tst_RevokeDialog::unknownNodeIsRefusedInPlainWords()
{
    RevokeDialog dialog(m_net->service(), 42);
    dialog.show();
    QCOMPARE(dialog.stage(), RevokeDialog::Stage::Refused);
    QVERIFY(dialog.statusLabel()->text().contains(u"unknown"_s));
    QVERIFY(!dialog.revokeButton()->isVisible());
    QVERIFY(dialog.closeButton()->isVisible());
    QTest::mouseClick(dialog.closeButton(), Qt::LeftButton);
    QVERIFY(!dialog.isVisible());
}

QTEST_MAIN(tst_RevokeDialog)
#include "tst_revokedialog.moc"
