// The console's inventory and traffic views as a user drives them (offscreen): typing in the
// search, choosing a state, activating a node; pausing, filtering, the failed-verification
// banner and CSV export.
#include <app/askthenact.h>
#include <views/inventoryview.h>
#include <views/trafficview.h>

#include <QtCore/QFile>
#include <QtCore/QPointer>
#include <QtCore/QTemporaryDir>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include "guifixtures.h"
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QScrollBar>
#include <QtWidgets/QTableView>

using namespace Warden;
using namespace Warden::Internal;
using namespace Qt::StringLiterals;
using namespace WardenTest;

class tst_ConsoleViews : public QObject
{
    Q_OBJECT

private slots:
    void inventorySearchStateAndActivation();
    void trafficPauseAndFilters();
    void burstOfFailuresRaisesTheBanner();
    void exportWritesCsv();
    void trafficReasonStaysInView();
    void askThenActAnswers_data();
    void askThenActAnswers();
    void askThenActDropsTheAnswerOfAClosedWindow();
};

void tst_ConsoleViews::inventorySearchStateAndActivation()
{
    NodeInventoryModel model;
    NodeRecord revoked = node(7, u"Gate"_s);
    revoked.revoked = true;
    model.setNodes(u"garden"_s, {node(1, u"Soil"_s), node(2, u"Gate"_s), revoked});
    InventoryView view(&model);
    view.resize(900, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QCOMPARE(view.summary(), u"3 of 3 node(s) shown"_s);

    QTest::keyClicks(view.searchField(), u"gate"_s);
    QCOMPARE(view.proxy()->rowCount(), 2);
    QCOMPARE(view.summary(), u"2 of 3 node(s) shown"_s);

    // The state filter: revoked only.
    const int revokedEntry = view.stateFilter()->findData(int(NodeSecurityState::Revoked));
    QVERIFY(revokedEntry > 0);
    QVERIFY(!view.stateFilter()->itemIcon(revokedEntry).isNull()); // the legend's colour
    view.stateFilter()->setCurrentIndex(revokedEntry);
    QCOMPARE(view.proxy()->rowCount(), 1);

    // Enter on the selected row asks for its details.
    QSignalSpy activated(&view, &InventoryView::nodeActivated);
    view.table()->setFocus();
    view.table()->selectRow(0);
    view.table()->setCurrentIndex(view.proxy()->index(0, 0));
    QCOMPARE(view.selectedNode(), std::make_optional(std::make_pair(u"garden"_s, quint8(7))));
    QTest::keyClick(view.table(), Qt::Key_Return);
    QCOMPARE(activated.size(), 1);
    QCOMPARE(activated[0][0].toString(), u"garden"_s);
    QCOMPARE(activated[0][1].value<quint8>(), quint8(7));

    view.searchField()->clear();
    view.stateFilter()->setCurrentIndex(0);
    QCOMPARE(view.proxy()->rowCount(), 3);
}

void tst_ConsoleViews::trafficPauseAndFilters()
{
    TrafficModel model;
    TrafficView view(&model);
    view.show();
    view.addFrame(u"n"_s, frame(3, FrameVerdict::Verified, 1));
    view.addFrame(u"n"_s, frame(4, FrameVerdict::BadSignature, 2));
    model.publishNow();
    QCOMPARE(view.proxy()->rowCount(), 2);

    QTest::mouseClick(view.pauseButton(), Qt::LeftButton);
    QVERIFY(model.isPaused());
    QCOMPARE(view.pauseButton()->text(), u"&Resume"_s);
    view.addFrame(u"n"_s, frame(3, FrameVerdict::Verified, 3));
    model.publishNow();
    QCOMPARE(view.proxy()->rowCount(), 2);
    QTest::mouseClick(view.pauseButton(), Qt::LeftButton);
    QCOMPARE(view.proxy()->rowCount(), 3);

    view.rejectedOnly()->setChecked(true);
    QCOMPARE(view.proxy()->rowCount(), 1);
    view.rejectedOnly()->setChecked(false);

    QTest::keyClicks(view.nodeFilter(), u"3"_s);
    QCOMPARE(view.proxy()->rowCount(), 2);
    QVERIFY(view.nodeFilter()->toolTip().isEmpty());
    QTest::keyClicks(view.nodeFilter(), u", x"_s);
    QVERIFY(view.nodeFilter()->toolTip().contains(u"whole numbers"_s));
    QCOMPARE(view.proxy()->rowCount(), 2); // the valid part still applies
}

void tst_ConsoleViews::burstOfFailuresRaisesTheBanner()
{
    TrafficModel model;
    TrafficView view(&model);
    QSignalSpy raised(&view, &TrafficView::alertRaised);
    // Four failures in 10 s, then one 11 s later: no burst.
    for (int i = 0; i < 4; ++i)
        view.addFrame(u"garden"_s, frame(7, FrameVerdict::BadSignature, 1000 + i));
    view.addFrame(u"garden"_s, frame(7, FrameVerdict::BadSignature, 12000));
    // Accepted frames and other nodes' failures do not count towards node 7.
    view.addFrame(u"garden"_s, frame(7, FrameVerdict::Verified, 12001));
    view.addFrame(u"garden"_s, frame(8, FrameVerdict::BadSignature, 12002));
    QCOMPARE(raised.size(), 0);
    QVERIFY(view.alertText().isEmpty());
    for (int i = 0; i < 4; ++i)
        view.addFrame(u"garden"_s, frame(7, FrameVerdict::NoNonce, 13000 + i));
    QCOMPARE(raised.size(), 1);
    QVERIFY(view.alertText().startsWith(u"Node 7 on garden: 5 frames failed verification"_s));
    QVERIFY(view.alertText().contains(u"no-nonce"_s));
    // The next failure starts a new count: no banner per frame.
    view.addFrame(u"garden"_s, frame(7, FrameVerdict::NoNonce, 13010));
    QCOMPARE(raised.size(), 1);
    view.dismissAlert();
    QVERIFY(view.alertText().isEmpty());
}

void tst_ConsoleViews::exportWritesCsv()
{
    TrafficModel model;
    TrafficView view(&model);
    view.addFrame(u"n"_s, frame(3, FrameVerdict::Verified, 1));
    model.publishNow();
    QTemporaryDir dir;
    const QString path = dir.filePath(u"traffic.csv"_s);
    QVERIFY(view.exportTo(path).has_value());
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    QCOMPARE(text.count('\n'), 2);
    QVERIFY(text.contains(",C_SET,V_TEMP,21,verified,"));
    const auto refused = view.exportTo(dir.filePath(u"missing/dir/traffic.csv"_s));
    QVERIFY(!refused.has_value());
    QVERIFY(refused.error().message().contains(u"missing/dir/traffic.csv"_s));
}

void tst_ConsoleViews::trafficReasonStaysInView()
{
    TrafficModel model;
    TrafficView view(&model);
    view.resize(1200, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const QString reason = u"the signature does not match the frame: forged, a wrong key, a "
                           "wrong serial or tampered on the way; the node is counted towards "
                           "its lock (3 of 5), and the frame is dropped before the controller"_s;
    TrafficRecord rejected = frame(7, FrameVerdict::BadSignature, 1000);
    rejected.detail = reason;
    view.addFrame(u"Simulated network"_s, rejected);
    // A malformed frame shows its bytes: a payload far wider than the view.
    TrafficRecord malformed;
    malformed.timestampMs = 1001;
    malformed.raw = QByteArray(100, '\xab');
    malformed.detail = u"the frame does not parse"_s;
    view.addFrame(u"Simulated network"_s, malformed);
    model.publishNow();
    QCOMPARE(view.proxy()->rowCount(), 2);

    QTableView *table = view.table();
    QHeaderView *header = table->horizontalHeader();
    const auto reasonInView = [&] {
        // No horizontal scrolling, and the reason column starts well inside the view.
        return table->horizontalScrollBar()->maximum() == 0
               && header->sectionViewportPosition(TrafficModel::DetailColumn) + 150
                          <= table->viewport()->width();
    };
    QVERIFY2(reasonInView(), "default widths");
    view.fitColumns(); // as the screenshots do
    QCoreApplication::processEvents();
    QVERIFY2(reasonInView(), "fitted to the contents");
    QVERIFY(header->sectionSize(TrafficModel::PayloadColumn)
            < table->fontMetrics().horizontalAdvance(
                    QString(TrafficView::kPayloadChars + 6, u'0')));
    QVERIFY(header->stretchLastSection());
    QCOMPARE(table->textElideMode(), Qt::ElideRight);

    // The whole reason is there to read: in the cell's tooltip (and the cell's data).
    const QModelIndex cell = view.proxy()->index(0, TrafficModel::DetailColumn);
    QCOMPARE(cell.data(Qt::ToolTipRole).toString(), reason);
    QCOMPARE(cell.data(Qt::DisplayRole).toString(), reason);
    QCOMPARE(view.proxy()->index(0, TrafficModel::VerdictColumn).data(Qt::ToolTipRole).toString(),
             reason);

    // What the check above tells apart: every column sized to its contents (as the screenshots
    // once did) pushes the reason out of a 1200 px view.
    table->resizeColumnsToContents();
    QCoreApplication::processEvents();
    QVERIFY(!reasonInView());
}

void tst_ConsoleViews::askThenActAnswers_data()
{
    QTest::addColumn<QMessageBox::StandardButton>("answer");
    QTest::addColumn<bool>("withNo");
    QTest::addColumn<QString>("acted");

    QTest::newRow("yes") << QMessageBox::Yes << true << u"yes"_s;
    QTest::newRow("no") << QMessageBox::No << true << u"no"_s;
    QTest::newRow("no, nothing to do on no") << QMessageBox::No << false << QString();
}

void tst_ConsoleViews::askThenActAnswers()
{
    QFETCH(QMessageBox::StandardButton, answer);
    QFETCH(bool, withNo);
    QFETCH(QString, acted);

    QWidget window;
    window.show();
    QString done;
    std::function<void()> onNo;
    if (withNo)
        onNo = [&done] { done += u"no"_s; };
    QMessageBox *box = askThenAct(
            &window, AskTone::Warning, u"Give up?"_s, u"It cannot be undone."_s,
            [&done] { done += u"yes"_s; }, onNo);
    QPointer<QMessageBox> alive(box);
    // Not blocking: the call returned with the box up, nothing done yet.
    QVERIFY(box->isVisible());
    QCOMPARE(box->parent(), &window);
    QCOMPARE(box->icon(), QMessageBox::Warning);
    QCOMPARE(box->windowTitle(), u"Give up?"_s);
    QCOMPARE(box->defaultButton(), box->button(QMessageBox::No));
    QVERIFY(done.isEmpty());
    QTest::mouseClick(box->button(answer), Qt::LeftButton);
    QCOMPARE(done, acted);
    QTRY_VERIFY(!alive); // deleted once closed
}

void tst_ConsoleViews::askThenActDropsTheAnswerOfAClosedWindow()
{
    auto *window = new QWidget;
    window->show();
    bool acted = false;
    QPointer<QMessageBox> box = askThenAct(window, AskTone::Question, u"Reboot?"_s, u"Now."_s,
                                           [&acted] { acted = true; });
    QCOMPARE(box->icon(), QMessageBox::Question);
    delete window; // takes the box with it, unanswered
    QVERIFY(!box);
    QVERIFY(!acted);
}

QTEST_MAIN(tst_ConsoleViews)
#include "tst_consoleviews.moc"
