// The console's node inventory model and its filter: rows from inventory records, traffic
// folded in and published in batches, security states, search and state filters, numeric
// sorting; QAbstractItemModelTester watches every change. The 10,000-node figures are printed.
#include <models/nodefilterproxy.h>
#include <models/nodeinventorymodel.h>

#include <QtCore/QElapsedTimer>
#include <QtGui/QColor>
#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include "guifixtures.h"

#include <set>

using namespace Warden;
using namespace Warden::Internal;
using namespace Qt::StringLiterals;
using namespace WardenTest;

class tst_NodeInventoryModel : public QObject
{
    Q_OBJECT

private slots:
    void rowsFromRecords();
    void trafficIsPublishedInBatches();
    void securityStates();
    void searchAndStateFilter_data();
    void searchAndStateFilter();
    void sortsNumbersAsNumbers();
    void tenThousandNodesFigures();
};

void tst_NodeInventoryModel::rowsFromRecords()
{
    NodeInventoryModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setNodes(u"garden"_s, {node(1, u"Soil"_s, 80), node(7, u"Gate"_s)});
    model.setNodes(u"house"_s, {node(1, u"Hall"_s)});
    QCOMPARE(model.rowCount(), 3);
    const int gate = model.rowOf(u"garden"_s, 7);
    QVERIFY(gate >= 0);
    QCOMPARE(cell(model, gate, NodeInventoryModel::NameColumn), u"Gate"_s);
    QCOMPARE(cell(model, gate, NodeInventoryModel::BatteryColumn), QString()); // unknown
    QCOMPARE(cell(model, model.rowOf(u"garden"_s, 1), NodeInventoryModel::BatteryColumn),
             u"80 %"_s);
    QCOMPARE(cell(model, model.rowOf(u"house"_s, 1), NodeInventoryModel::NameColumn), u"Hall"_s);
    QCOMPARE(model.rowOf(u"house"_s, 7), -1);

    // Replacing one network's rows leaves the other's alone.
    model.setNodes(u"garden"_s, {node(2, u"Pond"_s)});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.rowOf(u"garden"_s, 7), -1);
    QCOMPARE(cell(model, model.rowOf(u"house"_s, 1), NodeInventoryModel::NameColumn), u"Hall"_s);

    // An update replaces the row in place; a new id appends one.
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    NodeRecord pond = node(2, u"Pond v2"_s);
    pond.linkKeyFingerprint = u"ab12-cd34-ef56-7890"_s;
    model.updateNode(u"garden"_s, pond);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(cell(model, model.rowOf(u"garden"_s, 2), NodeInventoryModel::KeyColumn),
             u"own (ab12-cd34-ef56-7890)"_s);
    model.updateNode(u"garden"_s, node(9));
    QCOMPARE(model.rowCount(), 3);
    model.setNodeEpoch(u"garden"_s, 9, 4);
    QCOMPARE(cell(model, model.rowOf(u"garden"_s, 9), NodeInventoryModel::EpochColumn), u"4"_s);

    model.removeNetwork(u"garden"_s);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.networkAt(0), u"house"_s);
}

void tst_NodeInventoryModel::trafficIsPublishedInBatches()
{
    NodeInventoryModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setNodes(u"net"_s, {node(3), node(4)});
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    const qint64 t0 = 1800000000000;
    for (int i = 0; i < 500; ++i)
        model.noteTraffic(u"net"_s, frame(3, FrameVerdict::Verified, t0 + i));
    model.noteTraffic(u"net"_s, frame(4, FrameVerdict::BadSignature, t0 + 1000));
    model.noteTraffic(u"net"_s, frame(4, FrameVerdict::NoNonce, t0 + 1001));
    QCOMPARE(changed.size(), 0); // nothing per frame
    // A node the inventory does not know yet shows up at once.
    model.noteTraffic(u"net"_s, frame(12, FrameVerdict::Verified, t0 + 5));
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(model.rowCount(), 3);

    QVERIFY(changed.wait(2000)); // the publish timer
    QCOMPARE(changed.size(), 1);
    const int three = model.rowOf(u"net"_s, 3);
    const int four = model.rowOf(u"net"_s, 4);
    QCOMPARE(model.nodeAt(three)->lastSeenMs, t0 + 499);
    QCOMPARE(model.nodeAt(three)->verdicts.count(u"verified"), quint64(500));
    QCOMPARE(cell(model, four, NodeInventoryModel::FailuresColumn), u"2"_s);
    QCOMPARE(model.securityStateAt(four), NodeSecurityState::Failing);
    QCOMPARE(model.securityStateAt(three), NodeSecurityState::SharedKey);

    // Outgoing frames and frames from the gateway say nothing about a node's liveness.
    TrafficRecord out = frame(0, FrameVerdict::Outgoing, t0 + 9999);
    out.outgoing = true;
    out.message.setDestination(3);
    model.noteTraffic(u"net"_s, out);
    model.publishNow();
    QCOMPARE(model.nodeAt(three)->lastSeenMs, t0 + 499);
    QCOMPARE(model.rowCount(), 3);
}

void tst_NodeInventoryModel::securityStates()
{
    NodeInventoryModel model;
    NodeRecord revoked = node(1);
    revoked.revoked = true;
    NodeRecord failing = node(2);
    failing.verdicts.counts.insert(u"not-whitelisted"_s, 3);
    NodeRecord unprotected = node(3);
    unprotected.signingRequired = false;
    NodeRecord shared = node(4);
    NodeRecord own = node(5);
    own.linkKeyFingerprint = u"ab12-cd34-ef56-7890"_s;
    model.setNodes(u"n"_s, {revoked, failing, unprotected, shared, own});
    const QList<NodeSecurityState> expected {
            NodeSecurityState::Revoked, NodeSecurityState::Failing, NodeSecurityState::Unprotected,
            NodeSecurityState::SharedKey, NodeSecurityState::OwnKey};
    std::set<QRgb> colours;
    std::set<QString> texts;
    for (int row = 0; row < 5; ++row) {
        QCOMPARE(model.securityStateAt(row), expected[row]);
        const QModelIndex state = model.index(row, NodeInventoryModel::StateColumn);
        QCOMPARE(state.data(NodeInventoryModel::SecurityStateRole).toInt(), int(expected[row]));
        colours.insert(state.data(Qt::DecorationRole).value<QColor>().rgb());
        texts.insert(state.data().toString());
    }
    QCOMPARE(colours.size(), size_t(5)); // a legend can tell them apart
    QCOMPARE(texts.size(), size_t(5));

    // Revoking shows at once, before the inventory has committed anything.
    model.setRevoked(u"n"_s, 5, true);
    QCOMPARE(model.securityStateAt(4), NodeSecurityState::Revoked);
}

void tst_NodeInventoryModel::searchAndStateFilter_data()
{
    QTest::addColumn<QString>("search");
    QTest::addColumn<QList<int>>("states");
    QTest::addColumn<QList<int>>("ids");
    QTest::newRow("everything") << QString() << QList<int>() << QList<int> {1, 2, 7, 17, 70};
    QTest::newRow("sketch word") << u"gate"_s << QList<int>() << QList<int> {7, 70};
    QTest::newRow("two words") << u"GATE v2"_s << QList<int>() << QList<int> {70};
    QTest::newRow("exact id") << u"#7"_s << QList<int>() << QList<int> {7};
    QTest::newRow("id as word") << u"17"_s << QList<int>() << QList<int> {17};
    QTest::newRow("serial digits") << u"0708"_s << QList<int>() << QList<int> {1, 2, 7, 17, 70};
    QTest::newRow("network") << u"garden"_s << QList<int>() << QList<int> {1, 2, 7, 17, 70};
    QTest::newRow("no match") << u"cellar"_s << QList<int>() << QList<int>();
    QTest::newRow("revoked only") << QString() << QList<int> {int(NodeSecurityState::Revoked)}
                                  << QList<int> {17};
    QTest::newRow("failing or revoked")
            << QString()
            << QList<int> {int(NodeSecurityState::Revoked), int(NodeSecurityState::Failing)}
            << QList<int> {2, 17};
    QTest::newRow("search and state")
            << u"gate"_s << QList<int> {int(NodeSecurityState::SharedKey)} << QList<int> {7, 70};
}

void tst_NodeInventoryModel::searchAndStateFilter()
{
    QFETCH(QString, search);
    QFETCH(QList<int>, states);
    QFETCH(QList<int>, ids);
    NodeInventoryModel model;
    NodeRecord failing = node(2, u"Pond"_s);
    failing.verdicts.counts.insert(u"bad-signature"_s, 1);
    NodeRecord revoked = node(17, u"Shed"_s);
    revoked.revoked = true;
    NodeRecord gate2 = node(70, u"Gate"_s);
    gate2.sketchVersion = u"v2"_s;
    model.setNodes(u"garden"_s, {node(1, u"Soil"_s), failing, node(7, u"Gate"_s), revoked, gate2});
    NodeFilterProxy proxy;
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setSourceModel(&model);
    proxy.sort(NodeInventoryModel::IdColumn);
    proxy.setSearchText(search);
    QList<NodeSecurityState> wanted;
    for (int s : states)
        wanted << NodeSecurityState(s);
    proxy.setStates(wanted);
    QList<int> shown;
    for (int row = 0; row < proxy.rowCount(); ++row)
        shown << proxy.index(row, 0).data(NodeInventoryModel::NodeIdRole).toInt();
    QCOMPARE(shown, ids);
}

void tst_NodeInventoryModel::sortsNumbersAsNumbers()
{
    NodeInventoryModel model;
    model.setNodes(u"n"_s, {node(100, u"a"_s, 9), node(20, u"b"_s, 100), node(3, u"c"_s, 50)});
    NodeFilterProxy proxy;
    proxy.setSourceModel(&model);
    proxy.sort(NodeInventoryModel::IdColumn);
    QCOMPARE(cell(proxy, 0, NodeInventoryModel::IdColumn), u"3"_s);
    QCOMPARE(cell(proxy, 2, NodeInventoryModel::IdColumn), u"100"_s); // not "100" < "20" < "3"
    proxy.sort(NodeInventoryModel::BatteryColumn, Qt::DescendingOrder);
    QCOMPARE(cell(proxy, 0, NodeInventoryModel::BatteryColumn), u"100 %"_s);
    QCOMPARE(cell(proxy, 2, NodeInventoryModel::BatteryColumn), u"9 %"_s);
}

void tst_NodeInventoryModel::tenThousandNodesFigures()
{
    // 40 networks x 250 nodes; figures printed for the benchmark, not asserted.
    QList<QList<NodeRecord>> networks;
    for (int n = 0; n < 40; ++n) {
        QList<NodeRecord> nodes;
        for (int id = 1; id <= 250; ++id)
            nodes << node(quint8(id), id % 10 == 0 ? u"Gate"_s : u"Temp"_s, id % 101);
        networks << nodes;
    }
    NodeInventoryModel model;
    NodeFilterProxy proxy;
    proxy.setSourceModel(&model);
    proxy.sort(NodeInventoryModel::LastSeenColumn, Qt::DescendingOrder);
    QElapsedTimer timer;
    timer.start();
    for (int n = 0; n < 40; ++n)
        model.setNodes(u"network %1"_s.arg(n), networks[n]);
    const qint64 populateMs = timer.elapsed();
    QCOMPARE(proxy.rowCount(), 10000);
    timer.restart();
    proxy.setSearchText(u"gate"_s);
    const qint64 filterMs = timer.elapsed();
    QCOMPARE(proxy.rowCount(), 1000);
    timer.restart();
    for (int i = 0; i < 5000; ++i)
        model.noteTraffic(u"network %1"_s.arg(i % 40),
                          frame(quint8(1 + i % 250), FrameVerdict::Verified, 1900000000000 + i));
    model.publishNow();
    const qint64 trafficMs = timer.elapsed();
    qInfo().noquote() << u"10,000 nodes: populate %1 ms (sorted proxy attached), filter %2 ms, "
                         u"5,000 frames folded in and published %3 ms"_s.arg(populateMs)
                                 .arg(filterMs)
                                 .arg(trafficMs);
}

QTEST_MAIN(tst_NodeInventoryModel)
#include "tst_nodeinventorymodel.moc"
