// The console's live traffic model: batched appends, the bounded ring, pause without loss,
// MySensors names per column, malformed frames, node/verdict filters and CSV export.
#include <models/trafficmodel.h>

#include <QtCore/QBuffer>
#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include "guifixtures.h"

using namespace Warden;
using namespace Warden::Internal;
using namespace Qt::StringLiterals;
using namespace WardenTest;

class tst_TrafficModel : public QObject
{
    Q_OBJECT

private slots:
    void appendsInBatchesWithNames();
    void ringKeepsTheNewest();
    void pauseKeepsFrames();
    void malformedFrames();
    void filters();
    void exportsCsv();
};

void tst_TrafficModel::appendsInBatchesWithNames()
{
    TrafficModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    for (int i = 0; i < 1000; ++i)
        model.append(u"garden"_s, frame(5, FrameVerdict::Verified, 1800000000000 + i, qint16(i)));
    QCOMPARE(inserted.size(), 0); // nothing per frame
    QVERIFY(inserted.wait(2000));
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(model.rowCount(), 1000);
    QCOMPARE(cell(model, 999, TrafficModel::FromColumn), u"5"_s);
    QCOMPARE(cell(model, 999, TrafficModel::ToColumn), u"0"_s);
    QCOMPARE(cell(model, 999, TrafficModel::CommandColumn), u"C_SET"_s);
    QCOMPARE(cell(model, 999, TrafficModel::TypeColumn), u"V_TEMP"_s);
    QCOMPARE(cell(model, 999, TrafficModel::PayloadColumn), u"999"_s);
    QCOMPARE(cell(model, 999, TrafficModel::VerdictColumn), u"verified"_s);
    QCOMPARE(cell(model, 999, TrafficModel::NetworkColumn), u"garden"_s);
    QCOMPARE(cell(model, 0, TrafficModel::DirectionColumn), u"in"_s);
    QCOMPARE(model.index(0, 0).data(TrafficModel::NodeRole).toInt(), 5);
    QVERIFY(model.index(0, 0).data(TrafficModel::AcceptedRole).toBool());
}

void tst_TrafficModel::ringKeepsTheNewest()
{
    TrafficModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setCapacity(100);
    for (int i = 0; i < 60; ++i)
        model.append(u"n"_s, frame(1, FrameVerdict::Verified, i, qint16(i)));
    model.publishNow();
    for (int i = 60; i < 250; ++i)
        model.append(u"n"_s, frame(1, FrameVerdict::Verified, i, qint16(i)));
    model.publishNow();
    QCOMPARE(model.rowCount(), 100);
    QCOMPARE(model.recordAt(0)->timestampMs, 150);
    QCOMPARE(model.recordAt(99)->timestampMs, 249);
    model.setCapacity(10);
    QCOMPARE(model.rowCount(), 10);
    QCOMPARE(model.recordAt(0)->timestampMs, 240);
}

void tst_TrafficModel::pauseKeepsFrames()
{
    TrafficModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setCapacity(50);
    model.append(u"n"_s, frame(1, FrameVerdict::Verified, 1));
    model.publishNow();
    model.setPaused(true);
    for (int i = 0; i < 30; ++i)
        model.append(u"n"_s, frame(2, FrameVerdict::Verified, 100 + i));
    model.publishNow();
    QTest::qWait(3 * TrafficModel::kPublishIntervalMs);
    QCOMPARE(model.rowCount(), 1); // still while paused
    for (int i = 30; i < 70; ++i)
        model.append(u"n"_s, frame(2, FrameVerdict::Verified, 100 + i));
    QCOMPARE(model.droppedWhilePaused(), quint64(20)); // 70 queued, room for 50
    model.setPaused(false);
    QCOMPARE(model.rowCount(), 50);
    QCOMPARE(model.recordAt(49)->timestampMs, 169);
    QCOMPARE(model.recordAt(0)->timestampMs, 120);
}

void tst_TrafficModel::malformedFrames()
{
    TrafficModel model;
    TrafficRecord bad;
    bad.timestampMs = 5;
    bad.verdict = FrameVerdict::Malformed;
    bad.raw = QByteArray::fromHex("0102ff");
    bad.detail = u"7 bytes, shorter than the 7-byte header"_s;
    model.append(u"n"_s, bad);
    model.publishNow();
    QCOMPARE(cell(model, 0, TrafficModel::PayloadColumn), u"01 02 ff"_s);
    QCOMPARE(cell(model, 0, TrafficModel::CommandColumn), QString());
    QCOMPARE(cell(model, 0, TrafficModel::VerdictColumn), u"malformed"_s);
    QCOMPARE(cell(model, 0, TrafficModel::DetailColumn), bad.detail);
    QCOMPARE(model.index(0, 0).data(TrafficModel::NodeRole).toInt(), -1);
    QVERIFY(!model.index(0, 0).data(TrafficModel::AcceptedRole).toBool());
}

void tst_TrafficModel::filters()
{
    TrafficModel model;
    model.append(u"n"_s, frame(3, FrameVerdict::Verified, 1));
    model.append(u"n"_s, frame(7, FrameVerdict::BadSignature, 2));
    model.append(u"n"_s, frame(7, FrameVerdict::Verified, 3));
    TrafficRecord out = frame(0, FrameVerdict::Outgoing, 4);
    out.outgoing = true;
    out.message.setDestination(7);
    model.append(u"n"_s, out);
    TrafficRecord bad;
    bad.verdict = FrameVerdict::Malformed;
    bad.timestampMs = 5;
    model.append(u"n"_s, bad);
    model.publishNow();

    TrafficFilterProxy proxy;
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setSourceModel(&model);
    QCOMPARE(proxy.rowCount(), 5);
    proxy.setNodes({7});
    QCOMPARE(proxy.rowCount(), 3); // from 7 twice, to 7 once
    proxy.setRejectedOnly(true);
    QCOMPARE(proxy.rowCount(), 1);
    QCOMPARE(proxy.index(0, TrafficModel::VerdictColumn).data().toString(), u"bad-signature"_s);
    proxy.setNodes({});
    QCOMPARE(proxy.rowCount(), 2); // bad-signature and malformed
    proxy.setRejectedOnly(false);
    proxy.setVerdicts({FrameVerdict::Verified, FrameVerdict::Outgoing});
    QCOMPARE(proxy.rowCount(), 3);
    // New rows pass through the same filter.
    model.append(u"n"_s, frame(9, FrameVerdict::Verified, 6));
    model.append(u"n"_s, frame(9, FrameVerdict::NotSigned, 7));
    model.publishNow();
    QCOMPARE(proxy.rowCount(), 4);
}

void tst_TrafficModel::exportsCsv()
{
    TrafficModel model;
    TrafficRecord r = frame(4, FrameVerdict::BadSignature, 1800000000000);
    r.detail = u"MAC mismatch, \"wrong key\"?"_s;
    model.append(u"garden, north"_s, r);
    model.append(u"garden, north"_s, frame(4, FrameVerdict::Verified, 1800000000001));
    model.publishNow();
    QBuffer buffer;
    QVERIFY(buffer.open(QIODevice::WriteOnly));
    QVERIFY(model.exportCsv(&buffer));
    const QList<QByteArray> lines = buffer.data().split('\n');
    QCOMPARE(lines.size(), 4); // header, two rows, the empty rest after the last CRLF
    QVERIFY(lines[0].startsWith("Time,Network,Dir,From,To,Child,Command,Type,Payload,Verdict,Why"));
    QVERIFY(lines[1].contains(",\"garden, north\",in,4,0,1,C_SET,V_TEMP,21,bad-signature,"
                              "\"MAC mismatch, \"\"wrong key\"\"?\"\r"));
    QVERIFY(lines[2].endsWith(",verified,\r"));
}

QTEST_MAIN(tst_TrafficModel)
#include "tst_trafficmodel.moc"
