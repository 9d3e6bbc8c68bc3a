// A node's details as a user reads and drives them (offscreen), against host-build Warden nodes
// on the simulated bus behind a real SecurityService, SQLite inventory and sealed key store:
// the overview shows the serial and key fingerprints (never a key), the children their last
// values, the signing statistics what the engine counted; Send delivers a signed value to the
// node, Reboot (after its question) restarts it, Push configuration asks for the whitelist
// editor, Revoke opens the revocation on this node and afterwards the node reads revoked, its
// audit history shows the revocation, and the other nodes' details the whitelist removal.
#include <views/nodedetailsview.h>
#include <views/revokedialog.h>

#include "securitynetwork.h"

#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QTabWidget>

using namespace Warden;
using namespace Warden::Internal;
using namespace Qt::StringLiterals;
using namespace WardenTest;

namespace {

bool anyCellContains(const TextTableModel &model, const QString &text)
{
    for (int row = 0; row < model.rowCount(); ++row) {
        for (int column = 0; column < model.columnCount(); ++column) {
            if (model.text(row, column).contains(text, Qt::CaseInsensitive))
                return true;
        }
    }
    return false;
}

/// Every text the dialog shows: labels and every model's cells.
QString everything(const NodeDetails &details)
{
    QStringList out;
    for (const QLabel *label : details.findChildren<QLabel *>())
        out << label->text();
    for (const TextTableModel *model : details.findChildren<TextTableModel *>()) {
        for (int row = 0; row < model->rowCount(); ++row) {
            for (int column = 0; column < model->columnCount(); ++column)
                out << model->text(row, column);
        }
    }
    return out.join(u'\n');
}

} // namespace

class tst_NodeDetails : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void showsFingerprintsValuesAndStatistics();
    void sendsAValueAndReboots();
    void revokeFromDetails();
    void cleanupTestCase();

private:
    std::unique_ptr<SecurityNetwork> m_net;
};

void tst_NodeDetails::initTestCase()
{
    m_net = std::make_unique<SecurityNetwork>(3, 51);
    QVERIFY(m_net->joinAll());
    // Every node sends a signed value now and then: let each send a few.
    m_net->run(25000);
    QVERIFY(m_net->inventory()->flush());
}

void tst_NodeDetails::cleanupTestCase()
{
    m_net.reset();
}

void tst_NodeDetails::showsFingerprintsValuesAndStatistics()
{
    NodeDetails details(m_net->service(), 2);
    for (TextTableModel *model : details.findChildren<TextTableModel *>())
        new QAbstractItemModelTester(model, QAbstractItemModelTester::FailureReportingMode::QtTest,
                                     &details);
    details.show();
    QCOMPARE(details.overviewValue(u"Serial"_s), QString::fromLatin1(serialOf(2).toHex()));
    const QString management = storeSecret(managementKeyOf(2)).fingerprint();
    QCOMPARE(details.overviewValue(u"Management key"_s), management);
    QVERIFY(details.overviewValue(u"Link key"_s).contains(u"shared network key (epoch 1)"_s));
    QVERIFY(details.overviewValue(u"Requires"_s).contains(u"signed frames"_s));
    QVERIFY(details.overviewValue(u"State"_s).startsWith(u"accepted"_s));
    QVERIFY(details.overviewValue(u"Last seen"_s) != u"never"_s);
    // A node talking to the gateway directly (no repeater): said so, not as "? hop(s)".
    QCOMPARE(details.overviewValue(u"Parent"_s), u"the gateway (node 0)"_s);
    // Never a key: neither the management key nor the network key appears anywhere.
    const QString shown = everything(details);
    QVERIFY(!shown.contains(QString::fromLatin1(managementKeyOf(2).toHex()), Qt::CaseInsensitive));
    QVERIFY(!shown.contains(QString::fromLatin1(kNetworkKeyOne.toHex()), Qt::CaseInsensitive));

    // Child 1's last V_STATUS, and the verified frames counted.
    QVERIFY(anyCellContains(*details.childrenModel(), u"V_STATUS"_s));
    QVERIFY(details.signingModel()->rowCount() > 0);
    QVERIFY(anyCellContains(*details.signingModel(), u"verified"_s));
    QVERIFY(details.jobsModel()->rowCount() == 0);
    QVERIFY(details.auditModel()->rowCount() == 0);
}

void tst_NodeDetails::sendsAValueAndReboots()
{
    NodeDetails details(m_net->service(), 3);
    details.show();
    auto &node = m_net->network().node(3);
    const size_t before = node.delivered.size();
    details.childField()->setValue(1);
    details.valueTypeField()->setCurrentIndex(int(Protocol::Value::Status));
    QTest::keyClicks(details.valueField(), u"1"_s);
    QTest::mouseClick(details.sendButton(), Qt::LeftButton);
    QVERIFY2(details.statusLabel()->text().startsWith(u"Sent"_s),
             qPrintable(details.statusLabel()->text()));
    QVERIFY(m_net->runUntil(6000, [&] { return node.delivered.size() > before; }));
    const Message &got = node.delivered.back();
    QCOMPARE(got.type(), quint8(Protocol::Value::Status));
    QCOMPARE(got.sensor(), quint8(1));

    // Too long for a frame: refused in plain words, nothing sent.
    details.valueField()->clear();
    QTest::keyClicks(details.valueField(), QString(40, u'x'));
    QTest::mouseClick(details.sendButton(), Qt::LeftButton);
    QVERIFY(details.statusLabel()->text().contains(u"does not fit"_s));

    // Reboot asks first; "No" sends nothing, "Yes" restarts the node.
    const int restarts = node.board.restarts();
    QTest::mouseClick(details.rebootButton(), Qt::LeftButton);
    auto *box = details.findChild<QMessageBox *>();
    QVERIFY(box && box->isVisible());
    QTest::mouseClick(box->button(QMessageBox::No), Qt::LeftButton);
    m_net->run(2000);
    QCOMPARE(node.board.restarts(), restarts);
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    QTest::mouseClick(details.rebootButton(), Qt::LeftButton);
    box = details.findChild<QMessageBox *>();
    QVERIFY(box && box->isVisible());
    QTest::mouseClick(box->button(QMessageBox::Yes), Qt::LeftButton);
    QVERIFY(m_net->runUntil(6000, [&] { return node.board.restarts() > restarts; }));

    // Push configuration hands over to the whitelist editor.
    QSignalSpy push(&details, &NodeDetails::pushConfigurationRequested);
    QTest::mouseClick(details.pushButton(), Qt::LeftButton);
    QCOMPARE(push.size(), 1);
    QCOMPARE(push.first().first().value<quint8>(), quint8(3));
}

void tst_NodeDetails::revokeFromDetails()
{
    // Node 3's answers to management requests are lost: its whitelist removal waits for it.
    m_net->network().uplinkFilter = [](const Message &m) {
        return m.sender() != 3 || m.command() != Protocol::Command::Stream
               || m.type() != Protocol::kManagementAckType;
    };
    NodeDetails details(m_net->service(), 2);
    QSignalSpy revoked(&details, &NodeDetails::nodeRevoked);
    details.show();
    QVERIFY(details.revokeButton()->isVisible());
    QVERIFY(!details.readmitButton()->isVisible());
    QTest::mouseClick(details.revokeButton(), Qt::LeftButton);
    RevokeDialog *dialog = details.revokeDialog();
    QVERIFY(dialog && dialog->isVisible());
    QCOMPARE(dialog->node(), quint8(2));
    QTest::keyClicks(dialog->reasonField(), u"lost"_s);
    QTest::mouseClick(dialog->revokeButton(), Qt::LeftButton);
    QCOMPARE(revoked.size(), 1);
    QVERIFY(details.overviewValue(u"State"_s).startsWith(u"revoked"_s));
    QVERIFY(!details.revokeButton()->isVisible());
    QVERIFY(details.readmitButton()->isVisible());
    QVERIFY(!details.sendButton()->isEnabled());
    QVERIFY(details.overviewValue(u"Management key"_s).contains(u"deleted at the revocation"_s));
    QVERIFY(m_net->inventory()->flush());
    details.refresh();
    QVERIFY(anyCellContains(*details.auditModel(), u"revoke"_s));
    QVERIFY(anyCellContains(*details.auditModel(), u"lost"_s));

    // Node 1 applies the removal; node 3's stays pending, waiting for it to be heard.
    NodeDetails one(m_net->service(), 1);
    NodeDetails three(m_net->service(), 3);
    QAbstractItemModelTester jobsTester(three.jobsModel(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
    const auto nodeThreeJob = [&]() -> std::optional<ManagementJob> {
        for (const ManagementJob &j : m_net->service()->jobs()->jobs()) {
            if (j.node == 3)
                return j;
        }
        return std::nullopt;
    };
    QVERIFY(m_net->runUntil(60000, [&] {
        const auto job = nodeThreeJob();
        return job && job->attempts >= 2 && dialog->progressModel()->applied() >= 1;
    }));
    one.refresh();
    three.refresh();
    QVERIFY(anyCellContains(*one.whitelistModel(), u"applied"_s));
    QCOMPARE(three.jobsModel()->rowCount(), 1);
    QVERIFY(three.jobsModel()->text(0, 2) == u"pending"_s
            || three.jobsModel()->text(0, 2) == u"running"_s);
    QVERIFY(three.jobsModel()->text(0, 3).toInt() >= 2); // attempts
    qInfo().noquote() << "node 3's job:" << three.jobsModel()->text(0, 4);
    QVERIFY(anyCellContains(*one.whitelistModel(), u"remove node 2"_s));
    QCOMPARE(one.jobsModel()->rowCount(), 0);
    QVERIFY(anyCellContains(*three.jobsModel(), u"remove-whitelist-entry"_s));
    QVERIFY(anyCellContains(*three.whitelistModel(), u"remove node 2"_s));
    QVERIFY(!dialog->progressModel()->isSettled());

    // Node 3's answers arrive again: the removal goes through, the job leaves the pending list.
    m_net->network().uplinkFilter = nullptr;
    QVERIFY(m_net->runUntil(120000, [&] { return dialog->progressModel()->isSettled(); }));
    three.refresh();
    QCOMPARE(three.jobsModel()->rowCount(), 0);
    QVERIFY(anyCellContains(*three.whitelistModel(), u"applied"_s));
}

QTEST_MAIN(tst_NodeDetails)
#include "tst_nodedetails.moc"
