// The whitelist editor driven as a user drives it (offscreen) against host-build Warden nodes
// on the simulated radio bus behind a real engine, inventory, key store and SecurityService
// (tests/integration/rotationharness.h): lists edited network-wide and per node, the diff
// shown before the push, the push through the JobRunner reaching "applied" on each node that
// answers (its EEPROM then holds exactly the list), "pending" with a reason for a node that
// never answers, and "failed" with the reason for a list the channel cannot carry.
#include "dialogfixtures.h"

#include <dialogs/whitelisteditor.h>

#include <rotationharness.h>

#include <QtCore/QTemporaryDir>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QTableWidget>

using namespace Warden;
using namespace Warden::Internal;
using namespace Qt::StringLiterals;
using namespace WardenTest;

namespace {

constexpr quint8 kPolicy = Fw::PolicyFlag::kRequireSignatures;

/// The node ids a node's committed EEPROM lists.
QList<int> storedIds(SimNetwork &net, quint8 id)
{
    const Fw::WardenState s = net.stored(id);
    QList<int> out;
    for (int i = 0; i < s.whitelistCount; ++i)
        out << s.whitelist[i].nodeId;
    std::sort(out.begin(), out.end());
    return out;
}

QByteArray storedSerial(SimNetwork &net, quint8 id, quint8 listed)
{
    const Fw::WardenState s = net.stored(id);
    for (int i = 0; i < s.whitelistCount; ++i)
        if (s.whitelist[i].nodeId == listed)
            return QByteArray(reinterpret_cast<const char *>(s.whitelist[i].serial), 9);
    return {};
}

QList<int> ids(const QList<WhitelistItem> &list)
{
    QList<int> out;
    for (const WhitelistItem &i : list)
        out << i.node;
    return out;
}

} // namespace

class tst_WhitelistEditor : public QObject
{
    Q_OBJECT

private slots:
    void editDiffAndPush();
};

void tst_WhitelistEditor::editDiffAndPush()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    SimNetwork net(specs(5, {5}), kOldKey, kPolicy, 91); // node 5 runs stock firmware
    ServiceDaemon d(net, dir.path(), true, {5});
    const auto started = d.service->start();
    QVERIFY2(started, started ? "" : qPrintable(started.error().message()));
    QVERIFY(joinAll(d));

    WhitelistEditor editor(d.service.get());
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    // Only Warden nodes (a management key on file) can be pushed to.
    QCOMPARE(editor.wardenNodes(), (QList<quint8> {1, 2, 3, 4}));
    QCOMPARE(editor.nodeList()->count(), 4);
    QVERIFY(!editor.currentWhitelist(1).has_value()); // never pushed
    QCOMPARE(ids(editor.desiredWhitelist(1)), QList<int> {0}); // as personalized: the gateway
    QVERIFY(!editor.pushButton()->isEnabled()); // nothing checked
    QVERIFY2(mnemonicClashes(&editor).isEmpty(),
             qPrintable(mnemonicClashes(&editor).join(u"; "_s)));

    // Network-wide: nodes 1..3 are to list node 4. The serial is filled in from the store.
    for (quint8 n : {1, 2, 3})
        editor.setChecked(n, true);
    editor.networkWideBox()->setChecked(true);
    editor.entryIdBox()->setValue(4);
    QCOMPARE(editor.entrySerialField()->text(), QString::fromLatin1(serialOf(4).toHex()));
    QTest::mouseClick(editor.addButton(), Qt::LeftButton);
    for (quint8 n : {1, 2, 3})
        QCOMPARE(ids(editor.desiredWhitelist(n)), (QList<int> {0, 4}));
    QCOMPARE(ids(editor.desiredWhitelist(4)), QList<int> {0}); // not checked: untouched

    // Per node: node 2 also lists node 5 (a stock node), serial typed by hand.
    editor.networkWideBox()->setChecked(false);
    editor.setCurrentNode(2);
    editor.entryIdBox()->setValue(5);
    editor.entrySerialField()->clear();
    QTest::keyClicks(editor.entrySerialField(), u"5e0000000000000005"_s);
    QTest::mouseClick(editor.addButton(), Qt::LeftButton);
    QCOMPARE(ids(editor.desiredWhitelist(2)), (QList<int> {0, 4, 5}));
    QCOMPARE(ids(editor.desiredWhitelist(1)), (QList<int> {0, 4}));
    QCOMPARE(editor.entryTable()->rowCount(), 3);
    // A bad serial cannot be added.
    editor.entrySerialField()->setText(u"12345"_s);
    QVERIFY(!editor.addButton()->isEnabled());

    // The diff says what each list becomes before anything is sent.
    const QString diff = editor.diffView()->toPlainText();
    QCOMPARE(diff, editor.diffText());
    QVERIFY2(diff.contains(u"Node 2: its list was never pushed"_s), qPrintable(diff));
    QVERIFY(diff.contains(u"node 5 (5e0000000000000005)"_s));
    QCOMPARE(editor.diff().size(), 3);
    QCOMPARE(editor.diff().at(1).added.size(), 3);

    // Node 3 is away: nothing reaches it and nothing it sends reaches the gateway.
    net.setAway(3, true);
    QSignalSpy settled(&editor, &WhitelistEditor::pushSettled);
    QVERIFY(editor.pushButton()->isEnabled());
    QTest::mouseClick(editor.pushButton(), Qt::LeftButton);
    QCOMPARE(editor.progressTable()->rowCount(), 3);
    QVERIFY(d.runUntil(120000, [&] {
        return editor.pushState(1) == WhitelistEditor::PushState::Applied
               && editor.pushState(2) == WhitelistEditor::PushState::Applied
               && editor.pushState(3) == WhitelistEditor::PushState::Waiting;
    }));
    QVERIFY(settled.size() >= 1);
    QCOMPARE(editor.pushText(1), u"applied (authenticated acknowledgement)"_s);
    QVERIFY2(editor.pushText(3).startsWith(u"pending: node 3 does not answer"_s),
             qPrintable(editor.pushText(3)));
    QVERIFY2(editor.status()->text().contains(u"2 applied, 1 pending, 0 failed"_s),
             qPrintable(editor.status()->text()));
    // The nodes hold exactly what was pushed; node 3 still holds the gateway only.
    QCOMPARE(storedIds(net, 1), (QList<int> {0, 4}));
    QCOMPARE(storedIds(net, 2), (QList<int> {0, 4, 5}));
    QCOMPARE(storedSerial(net, 2, 4), serialOf(4));
    QCOMPARE(storedSerial(net, 2, 5), QByteArray::fromHex("5e0000000000000005"));
    QCOMPARE(storedIds(net, 3), QList<int> {0});

    // Applied lists are now the known ones: no change left for 1 and 2.
    QVERIFY(editor.currentWhitelist(1).has_value());
    QCOMPARE(ids(*editor.currentWhitelist(2)), (QList<int> {0, 4, 5}));
    QVERIFY(editor.diffText().contains(u"Node 1: no change."_s));
    QVERIFY(!editor.currentWhitelist(3).has_value());

    // Node 2 loses node 5: the diff names the loss; the push applies it.
    editor.setChecked(1, false);
    editor.setChecked(3, false);
    editor.setCurrentNode(2);
    editor.entryTable()->selectRow(2);
    QVERIFY(editor.removeButton()->isEnabled());
    QTest::mouseClick(editor.removeButton(), Qt::LeftButton);
    QCOMPARE(editor.diffText(), u"Node 2: loses node 5."_s);
    // Losing the gateway is pointed out.
    editor.setChecked(3, true);
    editor.setCurrentNode(3);
    editor.entryTable()->selectRow(0);
    QTest::mouseClick(editor.removeButton(), Qt::LeftButton);
    QCOMPARE(ids(editor.desiredWhitelist(3)), QList<int> {4});
    QVERIFY2(editor.diffText().contains(u"Warning: without the gateway"_s) == false,
             "node 3's list is unknown: replaced whole, nothing 'lost'");
    editor.setDesiredWhitelist(3, *editor.currentWhitelist(1)); // as before the edit
    editor.setChecked(3, false);
    editor.setChecked(1, true);
    editor.setCurrentNode(1);
    editor.entryTable()->selectRow(0);
    QTest::mouseClick(editor.removeButton(), Qt::LeftButton);
    QVERIFY2(editor.diffText().contains(u"Node 1: loses the gateway."_s),
             qPrintable(editor.diffText()));
    QVERIFY(editor.diffText().contains(u"Warning: without the gateway on its list, node 1"_s));
    editor.setDesiredWhitelist(1, *editor.currentWhitelist(1));
    editor.setChecked(1, false);

    // Node 4 is given a list the channel cannot carry (17 entries): failed, with the reason.
    editor.setChecked(4, true);
    QList<WhitelistItem> tooMany;
    for (int i = 0; i <= 16; ++i)
        tooMany << WhitelistItem {quint8(10 + i), serialOf(10 + i)};
    editor.setDesiredWhitelist(4, tooMany);
    QTest::mouseClick(editor.pushButton(), Qt::LeftButton);
    QCOMPARE(editor.pushState(4), WhitelistEditor::PushState::Failed);
    QVERIFY2(editor.pushText(4).startsWith(u"failed: "_s) && editor.pushText(4).size() > 10,
             qPrintable(editor.pushText(4)));
    QVERIFY(d.runUntil(60000,
                       [&] { return editor.pushState(2) == WhitelistEditor::PushState::Applied; }));
    QCOMPARE(storedIds(net, 2), (QList<int> {0, 4}));
    QCOMPARE(storedIds(net, 4), QList<int> {0});

    // A fresh editor reads what was applied from the runner.
    WhitelistEditor again(d.service.get());
    QCOMPARE(ids(*again.currentWhitelist(2)), (QList<int> {0, 4}));
    QCOMPARE(ids(*again.currentWhitelist(1)), (QList<int> {0, 4}));
    QVERIFY(!again.currentWhitelist(3).has_value());
    // ... and shows the push to node 3 that still waits for it.
    QCOMPARE(again.pushState(3), WhitelistEditor::PushState::Waiting);
    QCOMPARE(again.progressTable()->rowCount(), 1);
}

QTEST_MAIN(tst_WhitelistEditor)
#include "tst_whitelisteditor.moc"
