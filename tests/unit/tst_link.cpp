// The Link base class with a transport played by the test: the outgoing queue (order, each unit
// once, nothing lost across drops, back-pressure), reconnection with backoff (doubling, reset,
// short-lived connections, close()), send() refusals, the malformed-input limit, a transport
// that reports its own close, and the LineSplitter (terminators, chunking, oversized lines,
// control bytes, floods).
#include <warden/link.h>

#include <QtCore/QRandomGenerator>
#include <QtTest/QtTest>

#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

using namespace Warden;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {

/// A transport whose every move the test makes: how an open ends, how much a write takes, a
/// drop, bytes from the "gateway".
class TestLink : public Link
{
public:
    enum class OnOpen { Connect, Fail, Wait };

    explicit TestLink(LinkFraming framing = LinkFraming::ControllerLines)
        : Link(LinkConfiguration {u"test"_s, u"bench"_s, {}}, framing)
    {
        setReconnectBackoff(5ms, 40ms);
    }

    OnOpen onOpen = OnOpen::Connect;
    /// Units writeUnit() still takes before it refuses (back-pressure); < 0 = no limit.
    int capacity = -1;
    /// writeUnit() reports a drop and returns this (a transport that fails mid-write).
    std::optional<bool> failInWrite;
    /// closeTransport() reports a failure itself, as a socket's disconnected() does.
    bool failInClose = false;
    int opens = 0;
    int closes = 0;
    QByteArrayList written;

    void connectNow() { transportConnected(); }
    void drop(const QString &why = u"cable pulled"_s)
    {
        transportFailed(Error(ErrorCode::Refused, why));
    }
    void ready(int more)
    {
        capacity = more;
        transportReady();
    }
    void receive(QByteArrayView bytes)
    {
        m_splitter.feed(
                bytes, [this](const QByteArray &line) { deliverUnit(line); },
                [this](const QString &what) { reportMalformed(what); });
    }

protected:
    void openTransport() override
    {
        ++opens;
        if (onOpen == OnOpen::Connect)
            transportConnected();
        else if (onOpen == OnOpen::Fail)
            transportFailed(Error(ErrorCode::Refused, u"nobody there"_s));
    }
    void closeTransport() override
    {
        ++closes;
        if (failInClose)
            transportFailed(Error(ErrorCode::Refused, u"closed (reported by the transport)"_s));
    }
    bool writeUnit(const QByteArray &unit) override
    {
        if (failInWrite) {
            const bool taken = *failInWrite;
            failInWrite.reset();
            if (taken)
                written.append(unit);
            transportFailed(Error(ErrorCode::Refused, u"write failed"_s));
            return taken;
        }
        if (capacity == 0)
            return false;
        if (capacity > 0)
            --capacity;
        written.append(unit);
        return true;
    }

private:
    LineSplitter m_splitter;
};

QByteArray unitNumber(int i)
{
    return "1;1;1;0;2;" + QByteArray::number(i);
}

QByteArray frameNumber(int i)
{
    return QByteArray(7, char(i));
}

QList<quint64> idsOf(const QSignalSpy &spy)
{
    QList<quint64> ids;
    for (const QList<QVariant> &args : spy)
        ids.append(args.at(0).value<quint64>());
    return ids;
}

QList<quint64> range(quint64 first, quint64 last)
{
    QList<quint64> ids;
    for (quint64 id = first; id <= last; ++id)
        ids.append(id);
    return ids;
}

} // namespace

class tst_Link : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void unitsLeaveInOrderOnce();
    void backPressureKeepsOrder();
    void queuedWhileClosedGoOutOnOpen();
    void queuedWhileWaitingGoOutAfterReconnectOnce();
    void writeThatFailsTheTransport_data();
    void writeThatFailsTheTransport();
    void sendFromUnitSentSlot();
    void backoffDoublesAndResets();
    void shortLivedConnectionKeepsBackoff();
    void closeStopsReconnecting();
    void closeFromErrorSlotStaysClosed();
    void transportReportingItsOwnClose();
    void sendRefusals_data();
    void sendRefusals();
    void queueLimit();
    void malformedLimit();
    void statisticsAndNames();

    void lineSplitter_data();
    void lineSplitter();
    void lineSplitterFlood();
    void lineSplitterChunkingDoesNotMatter();
    void lineSplitterReset();

    void settingsReader_data();
    void settingsReader();
    void settingsReaderRefusesUnknownKeys();
    void settingsReaderOwnChecks();
};

void tst_Link::initTestCase()
{
    // The base class warns about every drop and malformed input; that is the point here.
    QLoggingCategory::setFilterRules(u"warden.core.link.warning=false"_s);
}

void tst_Link::unitsLeaveInOrderOnce()
{
    TestLink link;
    QSignalSpy sent(&link, &Link::unitSent);
    QSignalSpy states(&link, &Link::stateChanged);
    link.open();
    QCOMPARE(link.state(), LinkState::Connected);
    QCOMPARE(states.size(), 2); // connecting, connected
    QList<QByteArray> expected;
    for (int i = 0; i < 100; ++i) {
        const Result<quint64> id = link.send(unitNumber(i));
        QVERIFY(id);
        QCOMPARE(*id, quint64(i + 1));
        expected.append(unitNumber(i));
    }
    QCOMPARE(link.written, expected);
    QCOMPARE(idsOf(sent), range(1, 100));
    QCOMPARE(link.pendingCount(), 0);
    QCOMPARE(link.statistics().unitsOut, quint64(100));
}

void tst_Link::backPressureKeepsOrder()
{
    TestLink link;
    link.capacity = 3;
    QSignalSpy sent(&link, &Link::unitSent);
    link.open();
    for (int i = 0; i < 10; ++i)
        QVERIFY(link.send(unitNumber(i)));
    QCOMPARE(link.written.size(), 3);
    QCOMPARE(link.pendingCount(), 7);
    QCOMPARE(idsOf(sent), range(1, 3));
    link.ready(2);
    QCOMPARE(link.written.size(), 5);
    link.ready(-1);
    QCOMPARE(link.written.size(), 10);
    for (int i = 0; i < 10; ++i)
        QCOMPARE(link.written.at(i), unitNumber(i));
    QCOMPARE(idsOf(sent), range(1, 10));
    QCOMPARE(link.pendingCount(), 0);
}

void tst_Link::queuedWhileClosedGoOutOnOpen()
{
    TestLink link;
    QSignalSpy sent(&link, &Link::unitSent);
    for (int i = 0; i < 5; ++i)
        QVERIFY(link.send(unitNumber(i)));
    QCOMPARE(link.pendingCount(), 5);
    QVERIFY(link.written.isEmpty());
    link.open();
    QCOMPARE(link.written.size(), 5);
    QCOMPARE(idsOf(sent), range(1, 5));
    // close() keeps what is queued for the next open().
    link.close();
    QVERIFY(link.send(unitNumber(5)));
    QCOMPARE(link.written.size(), 5);
    link.open();
    QCOMPARE(link.written.size(), 6);
    QCOMPARE(link.written.last(), unitNumber(5));
}

void tst_Link::queuedWhileWaitingGoOutAfterReconnectOnce()
{
    TestLink link;
    QSignalSpy sent(&link, &Link::unitSent);
    QSignalSpy errors(&link, &Link::errorOccurred);
    link.open();
    for (int i = 0; i < 3; ++i)
        QVERIFY(link.send(unitNumber(i)));
    link.onOpen = TestLink::OnOpen::Wait;
    link.drop();
    QCOMPARE(link.state(), LinkState::Waiting);
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.at(0).at(0).value<Error>().message(), u"cable pulled"_s);
    for (int i = 3; i < 8; ++i)
        QVERIFY(link.send(unitNumber(i)));
    QCOMPARE(link.pendingCount(), 5);
    QCOMPARE(link.written.size(), 3);

    // The reconnect attempt is made by the backoff timer; nothing leaves before it connects.
    QTRY_COMPARE(link.state(), LinkState::Connecting);
    QCOMPARE(link.opens, 2);
    QCOMPARE(link.written.size(), 3);
    link.connectNow();
    QCOMPARE(link.state(), LinkState::Connected);
    QCOMPARE(link.written.size(), 8);
    for (int i = 0; i < 8; ++i)
        QCOMPARE(link.written.at(i), unitNumber(i));
    QCOMPARE(idsOf(sent), range(1, 8));

    // A second drop and reconnect repeats nothing.
    link.onOpen = TestLink::OnOpen::Connect;
    link.drop();
    QTRY_COMPARE(link.state(), LinkState::Connected);
    QCOMPARE(link.written.size(), 8);
    QCOMPARE(sent.size(), 8);
    QCOMPARE(link.statistics().connects, quint64(3));
    QCOMPARE(link.statistics().drops, quint64(2));
}

void tst_Link::writeThatFailsTheTransport_data()
{
    QTest::addColumn<bool>("taken");
    // The transport took the bytes, then failed: the unit is sent, once.
    QTest::newRow("taken") << true;
    // It failed before taking them: the unit waits for the next connection.
    QTest::newRow("not taken") << false;
}

void tst_Link::writeThatFailsTheTransport()
{
    QFETCH(bool, taken);
    TestLink link;
    QSignalSpy sent(&link, &Link::unitSent);
    link.open();
    link.onOpen = TestLink::OnOpen::Wait;
    link.failInWrite = taken;
    QVERIFY(link.send(unitNumber(0)));
    QVERIFY(link.send(unitNumber(1)));
    QCOMPARE(link.state(), LinkState::Waiting);
    QCOMPARE(link.written.size(), taken ? 1 : 0);
    QCOMPARE(link.pendingCount(), taken ? 1 : 2);
    QCOMPARE(sent.size(), taken ? 1 : 0);

    QTRY_COMPARE(link.state(), LinkState::Connecting);
    link.connectNow();
    QCOMPARE(link.written, (QByteArrayList {unitNumber(0), unitNumber(1)}));
    QCOMPARE(idsOf(sent), range(1, 2));
}

void tst_Link::sendFromUnitSentSlot()
{
    TestLink link;
    link.open();
    int next = 1;
    connect(&link, &Link::unitSent, &link, [&](quint64) {
        if (next < 5)
            QVERIFY(link.send(unitNumber(next++)));
    });
    QVERIFY(link.send(unitNumber(0)));
    QCOMPARE(link.written.size(), 5);
    for (int i = 0; i < 5; ++i)
        QCOMPARE(link.written.at(i), unitNumber(i));
}

void tst_Link::backoffDoublesAndResets()
{
    TestLink link;
    link.setReconnectBackoff(10ms, 70ms);
    link.onOpen = TestLink::OnOpen::Wait;
    QCOMPARE(link.currentBackoff(), 10ms);
    link.open();
    QCOMPARE(link.opens, 1);
    const QList<std::chrono::milliseconds> expected {10ms, 20ms, 40ms, 70ms, 70ms};
    for (int i = 0; i < expected.size(); ++i) {
        QCOMPARE(link.state(), LinkState::Connecting);
        link.drop(u"refused"_s);
        QCOMPARE(link.state(), LinkState::Waiting);
        QCOMPARE(link.currentBackoff(), expected.at(i));
        QTRY_COMPARE(link.state(), LinkState::Connecting);
        QCOMPARE(link.opens, i + 2);
    }
    link.connectNow();
    QCOMPARE(link.currentBackoff(), 10ms);
    QCOMPARE(link.statistics().drops, quint64(expected.size()));

    // A connection that held: the next failure waits the first backoff again.
    QTest::qWait(int(Link::kShortLivedConnection.count()) + 100);
    link.drop();
    QCOMPARE(link.currentBackoff(), 10ms);
}

void tst_Link::shortLivedConnectionKeepsBackoff()
{
    TestLink link;
    link.setReconnectBackoff(10ms, 1000ms);
    // The first connection of an open() has nothing to keep: a quick drop waits the first.
    link.open();
    link.drop();
    QCOMPARE(link.currentBackoff(), 10ms);
    link.onOpen = TestLink::OnOpen::Wait;
    QTRY_COMPARE(link.state(), LinkState::Connecting);
    link.drop();
    QCOMPARE(link.currentBackoff(), 20ms);
    QTRY_COMPARE(link.state(), LinkState::Connecting);
    // A peer that accepts and closes at once (a one-client gateway that is busy): the wait
    // keeps growing instead of starting over at every accept.
    link.connectNow();
    QCOMPARE(link.currentBackoff(), 10ms);
    link.drop(u"closed by peer"_s);
    QCOMPARE(link.currentBackoff(), 40ms);
    QTRY_COMPARE(link.state(), LinkState::Connecting);
    link.connectNow();
    link.drop(u"closed by peer"_s);
    QCOMPARE(link.currentBackoff(), 80ms);
}

void tst_Link::closeStopsReconnecting()
{
    TestLink link;
    link.open();
    QVERIFY(link.send(unitNumber(0)));
    link.onOpen = TestLink::OnOpen::Fail;
    link.drop();
    QCOMPARE(link.state(), LinkState::Waiting);
    QCOMPARE(link.closes, 1);
    QTRY_VERIFY(link.opens >= 3); // failing opens, each after its backoff
    QTRY_COMPARE(link.state(), LinkState::Waiting);
    link.close();
    QCOMPARE(link.state(), LinkState::Closed);
    // Closing a link that is waiting has no transport to close.
    const int closes = link.closes;
    const int opens = link.opens;
    QVERIFY(link.send(unitNumber(1)));
    QTest::qWait(200); // far longer than the longest backoff (40 ms)
    QCOMPARE(link.opens, opens);
    QCOMPARE(link.closes, closes);
    QCOMPARE(link.state(), LinkState::Closed);
    QCOMPARE(link.pendingCount(), 1);

    // close() while connected closes the transport once; a drop after close() is ignored.
    link.onOpen = TestLink::OnOpen::Connect;
    link.open();
    QCOMPARE(link.pendingCount(), 0);
    link.close();
    QCOMPARE(link.closes, closes + 1);
    QSignalSpy errors(&link, &Link::errorOccurred);
    link.drop();
    QCOMPARE(errors.size(), 0);
    QCOMPARE(link.state(), LinkState::Closed);
}

void tst_Link::closeFromErrorSlotStaysClosed()
{
    TestLink link;
    link.open();
    connect(&link, &Link::errorOccurred, &link, [&link] { link.close(); });
    link.drop();
    QCOMPARE(link.state(), LinkState::Closed);
    const int opens = link.opens;
    QTest::qWait(100);
    QCOMPARE(link.opens, opens);
    QCOMPARE(link.state(), LinkState::Closed);
}

void tst_Link::transportReportingItsOwnClose()
{
    TestLink link;
    link.failInClose = true;
    QSignalSpy errors(&link, &Link::errorOccurred);
    QSignalSpy states(&link, &Link::stateChanged);
    link.open();
    link.drop(u"first"_s);
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.at(0).at(0).value<Error>().message(), u"first"_s);
    QCOMPARE(link.statistics().drops, quint64(1));
    QCOMPARE(link.closes, 1);
    QCOMPARE(link.state(), LinkState::Waiting);
    QTRY_COMPARE(link.state(), LinkState::Connected);
    link.close();
    QCOMPARE(link.state(), LinkState::Closed);
    QCOMPARE(errors.size(), 1);
    QCOMPARE(link.statistics().drops, quint64(1));
}

void tst_Link::sendRefusals_data()
{
    QTest::addColumn<bool>("frames");
    QTest::addColumn<QByteArray>("unit");
    QTest::addColumn<QString>("reason"); // empty: accepted

    QTest::newRow("line") << false << QByteArray("0;255;3;0;2;") << QString();
    QTest::newRow("line 98") << false << QByteArray(98, '7') << QString();
    QTest::newRow("line empty") << false << QByteArray() << u"empty line"_s;
    QTest::newRow("line 99") << false << QByteArray(99, '7') << u"line of 99 characters"_s;
    QTest::newRow("line LF") << false << QByteArray("0;1;1;0;2;1\n") << u"line break"_s;
    QTest::newRow("line CR") << false << QByteArray("0;1\r;1;0;2;1") << u"line break"_s;
    QTest::newRow("frame 7") << true << QByteArray(7, 'x') << QString();
    QTest::newRow("frame 32") << true << QByteArray(32, 'x') << QString();
    QTest::newRow("frame 6") << true << QByteArray(6, 'x') << u"frame of 6 bytes"_s;
    QTest::newRow("frame 33") << true << QByteArray(33, 'x') << u"frame of 33 bytes"_s;
    QTest::newRow("frame empty") << true << QByteArray() << u"frame of 0 bytes"_s;
}

void tst_Link::sendRefusals()
{
    QFETCH(bool, frames);
    QFETCH(QByteArray, unit);
    QFETCH(QString, reason);
    TestLink link(frames ? LinkFraming::RadioFrames : LinkFraming::ControllerLines);
    link.open();
    const Result<quint64> id = link.send(unit);
    if (reason.isEmpty()) {
        QVERIFY(id);
        QCOMPARE(link.written, QByteArrayList {unit});
        return;
    }
    QVERIFY(!id);
    QCOMPARE(id.error().code(), ErrorCode::InvalidArgument);
    QVERIFY2(id.error().message().contains(reason), qPrintable(id.error().message()));
    QVERIFY2(id.error().message().contains(u"bench"_s), qPrintable(id.error().message()));
    QVERIFY(link.written.isEmpty());
    QCOMPARE(link.pendingCount(), 0);
    QCOMPARE(link.statistics().unitsOut, quint64(0));
}

void tst_Link::queueLimit()
{
    TestLink link(LinkFraming::RadioFrames);
    link.setQueueLimit(3);
    for (int i = 0; i < 3; ++i)
        QVERIFY(link.send(frameNumber(i)));
    const Result<quint64> refused = link.send(frameNumber(3));
    QVERIFY(!refused);
    QCOMPARE(refused.error().code(), ErrorCode::Refused);
    QVERIFY2(refused.error().message().contains(u"3 units already wait"_s),
             qPrintable(refused.error().message()));
    QCOMPARE(link.pendingCount(), 3);
    link.open();
    QCOMPARE(link.written.size(), 3);
    // The refused unit took no id: ids stay dense.
    const Result<quint64> next = link.send(frameNumber(4));
    QVERIFY(next);
    QCOMPARE(*next, quint64(4));
}

void tst_Link::malformedLimit()
{
    TestLink link;
    QCOMPARE(link.malformedLimit(), 0);
    QSignalSpy errors(&link, &Link::errorOccurred);
    QSignalSpy units(&link, &Link::unitReceived);
    link.open();

    // Without a limit, garbage is reported and the link stays up.
    for (int i = 0; i < 50; ++i)
        link.receive("bad\x01line\n");
    QCOMPARE(link.state(), LinkState::Connected);
    QCOMPARE(link.statistics().malformed, quint64(50));
    QCOMPARE(errors.size(), 50);
    QCOMPARE(errors.last().at(0).value<Error>().code(), ErrorCode::Malformed);

    // With one: the input after the limit closes the connection as a failure.
    link.setMalformedLimit(3);
    link.onOpen = TestLink::OnOpen::Wait;
    errors.clear();
    link.receive(QByteArray(200, 'x') + "\n0;0;3;0;9;ok\n" + QByteArray(200, 'y') + '\n');
    link.receive("a\x7f\n");
    QCOMPARE(link.state(), LinkState::Connected);
    QCOMPARE(units.size(), 1);
    link.receive("b\x02\n0;0;3;0;9;late\n");
    QCOMPARE(link.state(), LinkState::Waiting);
    QCOMPARE(link.statistics().drops, quint64(1));
    QCOMPARE(errors.size(), 5); // four malformed reports, then the drop
    const Error drop = errors.last().at(0).value<Error>();
    QCOMPARE(drop.code(), ErrorCode::Malformed);
    QVERIFY2(drop.message().contains(u"more than 3 malformed"_s), qPrintable(drop.message()));
    QVERIFY2(drop.message().contains(u"bench"_s), qPrintable(drop.message()));
    // The test transport still delivers what follows; a real one is closed by then.
    QCOMPARE(link.statistics().malformed, quint64(54));

    // A new connection starts counting afresh.
    QTRY_COMPARE(link.state(), LinkState::Connecting);
    link.connectNow();
    for (int i = 0; i < 3; ++i)
        link.receive("\x03\n");
    QCOMPARE(link.state(), LinkState::Connected);
}

void tst_Link::statisticsAndNames()
{
    TestLink link;
    QCOMPARE(link.name(), u"bench"_s);
    QCOMPARE(link.configuration().type, u"test"_s);
    QCOMPARE(link.framing(), LinkFraming::ControllerLines);
    QCOMPARE(link.state(), LinkState::Closed);
    QSignalSpy units(&link, &Link::unitReceived);
    link.open();
    link.receive("0;255;3;0;14;Gateway startup complete.\n0;255;0;0;18;2.3.2\n");
    QCOMPARE(units.size(), 2);
    QCOMPARE(units.at(0).at(0).toByteArray(), QByteArray("0;255;3;0;14;Gateway startup complete."));
    const LinkStatistics s = link.statistics();
    QCOMPARE(s.unitsIn, quint64(2));
    QCOMPARE(s.connects, quint64(1));
    QCOMPARE(s.drops, quint64(0));
    QCOMPARE(QByteArray(linkStateName(LinkState::Waiting)), QByteArray("waiting"));
    QCOMPARE(QByteArray(linkFramingName(LinkFraming::RadioFrames)), QByteArray("radio-frames"));
}

void tst_Link::lineSplitter_data()
{
    QTest::addColumn<QByteArrayList>("chunks");
    QTest::addColumn<QByteArrayList>("lines");
    QTest::addColumn<int>("malformed");

    const QByteArray max(kMaxIncomingLine, 'm');
    const QByteArray over(kMaxIncomingLine + 1, 'o');
    QTest::newRow("LF") << QByteArrayList {"a;1\nb;2\n"} << QByteArrayList {"a;1", "b;2"} << 0;
    QTest::newRow("CRLF") << QByteArrayList {"a;1\r\nb;2\r\n"} << QByteArrayList {"a;1", "b;2"}
                          << 0;
    QTest::newRow("CR") << QByteArrayList {"a;1\rb;2\r"} << QByteArrayList {"a;1", "b;2"} << 0;
    QTest::newRow("no terminator yet")
            << QByteArrayList {"a;1\nb;2"} << QByteArrayList {"a;1"} << 0;
    QTest::newRow("split across feeds")
            << QByteArrayList {"0;25", "5;3;0", ";14;Gateway", " startup complete.\r", "\n"}
            << QByteArrayList {"0;255;3;0;14;Gateway startup complete."} << 0;
    QTest::newRow("CR and LF in different feeds")
            << QByteArrayList {"a\r", "\nb\r", "\n"} << QByteArrayList {"a", "b"} << 0;
    QTest::newRow("empty lines") << QByteArrayList {"\n\r\n\r\r\n\n"} << QByteArrayList {} << 0;
    QTest::newRow("longest line") << QByteArrayList {max + '\n'} << QByteArrayList {max} << 0;
    QTest::newRow("oversized, then the next line")
            << QByteArrayList {over + "\nnext\n"} << QByteArrayList {"next"} << 1;
    QTest::newRow("oversized in pieces")
            << QByteArrayList {over.left(50), over.mid(50), over, "\r\nnext\n"}
            << QByteArrayList {"next"} << 1;
    QTest::newRow("two oversized")
            << QByteArrayList {over + '\n' + over + "\rok\r"} << QByteArrayList {"ok"} << 2;
    QTest::newRow("NUL") << QByteArrayList {QByteArray("a\0b\nok\n", 7)} << QByteArrayList {"ok"}
                         << 1;
    QTest::newRow("tab and DEL") << QByteArrayList {"a\tb\nc\x7f\nok\n"} << QByteArrayList {"ok"}
                                 << 2;
    QTest::newRow("high bytes are text") << QByteArrayList {"0;1;1;0;47;caf\xc3\xa9\n"}
                                         << QByteArrayList {"0;1;1;0;47;caf\xc3\xa9"} << 0;
}

void tst_Link::lineSplitter()
{
    QFETCH(QByteArrayList, chunks);
    QFETCH(QByteArrayList, lines);
    QFETCH(int, malformed);
    LineSplitter splitter;
    QByteArrayList got;
    QStringList reports;
    for (const QByteArray &chunk : chunks)
        splitter.feed(
                chunk, [&](const QByteArray &line) { got.append(line); },
                [&](const QString &what) { reports.append(what); });
    QCOMPARE(got, lines);
    QCOMPARE(reports.size(), malformed);
    for (const QString &report : reports)
        QVERIFY2(report.contains(u"dropped"_s), qPrintable(report));
}

void tst_Link::lineSplitterFlood()
{
    LineSplitter splitter;
    QByteArrayList got;
    QStringList reports;
    auto line = [&](const QByteArray &l) { got.append(l); };
    auto bad = [&](const QString &what) { reports.append(what); };
    // A megabyte without a line end: reported once, as soon as it passes the limit, and held
    // in no more than one line's worth of memory.
    const QByteArray block(64 * 1024, 'z');
    for (int i = 0; i < 16; ++i) {
        splitter.feed(block, line, bad);
        QCOMPARE(reports.size(), 1);
        QVERIFY(splitter.buffered() <= kMaxIncomingLine);
    }
    QCOMPARE(reports.at(0), u"line longer than 119 bytes dropped"_s);
    QCOMPARE(splitter.skipping(), 16 * block.size());
    splitter.feed("\n0;0;3;0;9;after\n", line, bad);
    QCOMPARE(got, QByteArrayList {"0;0;3;0;9;after"});
    QCOMPARE(splitter.skipping(), 0);
    QCOMPARE(reports.size(), 1);

    // Garbage with line ends: one report per line, the good lines between them pass.
    QByteArray mixed;
    for (int i = 0; i < 100; ++i)
        mixed += QByteArray("\x01\x02garbage\n") + "0;0;3;0;9;" + QByteArray::number(i) + '\n';
    got.clear();
    splitter.feed(mixed, line, bad);
    QCOMPARE(got.size(), 100);
    QCOMPARE(reports.size(), 101);
    QVERIFY(reports.last().contains(u"control byte 0x01"_s));
}

void tst_Link::lineSplitterChunkingDoesNotMatter()
{
    // A stream of good, oversized, control-byte and empty lines with every kind of terminator,
    // fed whole and then in random pieces: the same lines and reports come out.
    QRandomGenerator rng(20241124);
    QByteArray stream;
    const char *const terminators[] = {"\n", "\r\n", "\r", "\n\n"};
    for (int i = 0; i < 400; ++i) {
        const int kind = int(rng.bounded(10));
        if (kind == 0)
            stream += QByteArray(int(rng.bounded(120, 400)), 'L');
        else if (kind == 1)
            stream += "x" + QByteArray(1, char(rng.bounded(0, 32))) + "y";
        else
            stream += "5;" + QByteArray::number(i) + ";1;0;0;"
                      + QByteArray(int(rng.bounded(60)), 'p');
        stream += terminators[rng.bounded(4)];
    }
    auto run = [&stream](QList<int> cuts) {
        LineSplitter splitter;
        QByteArrayList lines;
        int reports = 0;
        qsizetype at = 0;
        cuts.append(int(stream.size()));
        for (const int cut : cuts) {
            splitter.feed(
                    QByteArrayView(stream).sliced(at, cut - at),
                    [&](const QByteArray &l) { lines.append(l); },
                    [&](const QString &) { ++reports; });
            at = cut;
        }
        return std::make_pair(lines, reports);
    };
    const auto whole = run({});
    QVERIFY(whole.first.size() > 250);
    QVERIFY(whole.second > 40);
    for (const QByteArray &l : whole.first) {
        QVERIFY(l.size() <= kMaxIncomingLine);
        QVERIFY(!l.contains('\n') && !l.contains('\r'));
    }
    for (int round = 0; round < 20; ++round) {
        QList<int> cuts;
        int at = 0;
        while (true) {
            at += int(rng.bounded(1, round < 5 ? 3 : 300));
            if (at >= stream.size())
                break;
            cuts.append(at);
        }
        const auto pieces = run(cuts);
        QCOMPARE(pieces.first, whole.first);
        QCOMPARE(pieces.second, whole.second);
    }
}

void tst_Link::lineSplitterReset()
{
    LineSplitter splitter(10);
    QCOMPARE(splitter.maxLine(), 10);
    QByteArrayList got;
    int reports = 0;
    auto line = [&](const QByteArray &l) { got.append(l); };
    auto bad = [&](const QString &) { ++reports; };
    splitter.feed("half", line, bad);
    QCOMPARE(splitter.buffered(), 4);
    splitter.reset();
    QCOMPARE(splitter.buffered(), 0);
    splitter.feed("new\n", line, bad);
    QCOMPARE(got, QByteArrayList {"new"});
    // Reset in the middle of an oversized line: the next connection starts clean.
    splitter.feed("0123456789ABC", line, bad);
    QCOMPARE(reports, 1);
    splitter.reset();
    QCOMPARE(splitter.skipping(), 0);
    splitter.feed("ok\n", line, bad);
    QCOMPARE(got, (QByteArrayList {"new", "ok"}));
}

void tst_Link::settingsReader_data()
{
    // One setting "k" of link "gw" of transport "tcp", read as `kind` (whole 1..100, real
    // 0..0.5, bool, choice of "a"/"b", text; fallbacks 7, 0.25, false, "a", "dflt").
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QVariant>("given"); // invalid: absent
    QTest::addColumn<QVariant>("expected"); // invalid: refused
    QTest::addColumn<QString>("error"); // what the refusal says after `link gw: tcp setting "k" `

    QTest::newRow("whole absent") << u"whole"_s << QVariant() << QVariant(qint64(7)) << QString();
    QTest::newRow("whole int") << u"whole"_s << QVariant(42) << QVariant(qint64(42)) << QString();
    QTest::newRow("whole uint") << u"whole"_s << QVariant(42u) << QVariant(qint64(42)) << QString();
    QTest::newRow("whole JSON double")
            << u"whole"_s << QVariant(42.0) << QVariant(qint64(42)) << QString();
    QTest::newRow("whole bounds") << u"whole"_s << QVariant(100) << QVariant(qint64(100))
                                  << QString();
    QTest::newRow("whole below") << u"whole"_s << QVariant(0) << QVariant()
                                 << u"is 0 (allowed: 1 to 100)"_s;
    QTest::newRow("whole above") << u"whole"_s << QVariant(101) << QVariant()
                                 << u"is 101 (allowed: 1 to 100)"_s;
    QTest::newRow("whole huge") << u"whole"_s << QVariant(1e300) << QVariant()
                                << u"is 9223372036854775807 (allowed: 1 to 100)"_s;
    QTest::newRow("whole huge unsigned")
            << u"whole"_s << QVariant(std::numeric_limits<quint64>::max()) << QVariant()
            << u"is 9223372036854775807"_s;
    QTest::newRow("whole fraction")
            << u"whole"_s << QVariant(4.5) << QVariant() << u"must be a whole number, not 4.5"_s;
    QTest::newRow("whole NaN") << u"whole"_s << QVariant(std::nan("")) << QVariant()
                               << u"must be a whole number, not nan"_s;
    QTest::newRow("whole text") << u"whole"_s << QVariant(u"42"_s) << QVariant()
                                << u"must be a whole number, not QString"_s;
    QTest::newRow("whole bool") << u"whole"_s << QVariant(true) << QVariant()
                                << u"must be a whole number, not bool"_s;

    QTest::newRow("real absent") << u"real"_s << QVariant() << QVariant(0.25) << QString();
    QTest::newRow("real double") << u"real"_s << QVariant(0.5) << QVariant(0.5) << QString();
    QTest::newRow("real int") << u"real"_s << QVariant(0) << QVariant(0.0) << QString();
    QTest::newRow("real above") << u"real"_s << QVariant(0.75) << QVariant()
                                << u"is 0.75 (allowed: 0 to 0.5)"_s;
    QTest::newRow("real negative")
            << u"real"_s << QVariant(-1) << QVariant() << u"is -1 (allowed: 0 to 0.5)"_s;
    QTest::newRow("real infinite") << u"real"_s << QVariant(std::numeric_limits<double>::infinity())
                                   << QVariant() << u"is inf"_s;
    QTest::newRow("real NaN") << u"real"_s << QVariant(std::nan("")) << QVariant() << u"is nan"_s;
    QTest::newRow("real text") << u"real"_s << QVariant(u"0.1"_s) << QVariant()
                               << u"must be a number, not QString"_s;

    QTest::newRow("bool absent") << u"bool"_s << QVariant() << QVariant(false) << QString();
    QTest::newRow("bool true") << u"bool"_s << QVariant(true) << QVariant(true) << QString();
    QTest::newRow("bool text") << u"bool"_s << QVariant(u"true"_s) << QVariant()
                               << u"must be true or false, not QString"_s;
    QTest::newRow("bool number") << u"bool"_s << QVariant(1) << QVariant()
                                 << u"must be true or false, not int"_s;

    QTest::newRow("choice absent") << u"choice"_s << QVariant() << QVariant(u"a"_s) << QString();
    QTest::newRow("choice b") << u"choice"_s << QVariant(u"b"_s) << QVariant(u"b"_s) << QString();
    QTest::newRow("choice other") << u"choice"_s << QVariant(u"c"_s) << QVariant()
                                  << u"is \"c\" (allowed: \"a\", \"b\")"_s;
    QTest::newRow("choice case") << u"choice"_s << QVariant(u"B"_s) << QVariant() << u"is \"B\""_s;
    QTest::newRow("choice long") << u"choice"_s << QVariant(QString(500, u'x')) << QVariant()
                                 << u"is \""_s + QString(32, u'x') + u"\" (allowed"_s;
    QTest::newRow("choice number")
            << u"choice"_s << QVariant(1) << QVariant() << u"must be a string, not int"_s;

    QTest::newRow("text absent") << u"text"_s << QVariant() << QVariant(u"dflt"_s) << QString();
    QTest::newRow("text empty") << u"text"_s << QVariant(QString()) << QVariant(QString())
                                << QString();
    QTest::newRow("text list") << u"text"_s << QVariant(QStringList {u"x"_s}) << QVariant()
                               << u"must be a string, not QStringList"_s;
    QTest::newRow("text bytes") << u"text"_s << QVariant(QByteArray("x")) << QVariant()
                                << u"must be a string, not QByteArray"_s;
}

void tst_Link::settingsReader()
{
    QFETCH(QString, kind);
    QFETCH(QVariant, given);
    QFETCH(QVariant, expected);
    QFETCH(QString, error);
    QVariantMap settings;
    if (given.isValid())
        settings.insert(u"k"_s, given);
    const LinkSettingsReader reader(u"gw"_s, u"tcp"_s, settings);
    QCOMPARE(reader.contains(u"k"_s), given.isValid());

    QVariant got;
    std::optional<Error> refused;
    auto take = [&](const auto &result) {
        if (result)
            got = QVariant::fromValue(*result);
        else
            refused = result.error();
    };
    if (kind == u"whole"_s)
        take(reader.wholeNumber(u"k"_s, 7, 1, 100));
    else if (kind == u"real"_s)
        take(reader.realNumber(u"k"_s, 0.25, 0.0, 0.5));
    else if (kind == u"bool"_s)
        take(reader.boolean(u"k"_s, false));
    else if (kind == u"choice"_s)
        take(reader.choice(u"k"_s, u"a"_s, {u"a"_s, u"b"_s}));
    else
        take(reader.text(u"k"_s, u"dflt"_s));

    if (expected.isValid()) {
        QVERIFY2(!refused, refused ? qPrintable(refused->message()) : "");
        QCOMPARE(got, expected);
        return;
    }
    QVERIFY(refused);
    QCOMPARE(refused->code(), ErrorCode::InvalidArgument);
    const QString prefix = u"link gw: tcp setting \"k\" "_s;
    QVERIFY2(refused->message().startsWith(prefix), qPrintable(refused->message()));
    QVERIFY2(refused->message().mid(prefix.size()).startsWith(error),
             qPrintable(refused->message()));
}

void tst_Link::settingsReaderRefusesUnknownKeys()
{
    const QStringList known {u"port"_s, u"host"_s, u"connectTimeoutMs"_s};
    QVERIFY(LinkSettingsReader(u"gw"_s, u"tcp"_s, {}).refuseUnknown(known));
    QVERIFY(LinkSettingsReader(u"gw"_s, u"tcp"_s, {{u"port"_s, 1}, {u"host"_s, u"h"_s}})
                    .refuseUnknown(known));

    const Result<void> typo
            = LinkSettingsReader(u"gw"_s, u"tcp"_s, {{u"port"_s, 1}, {u"prot"_s, 5003}})
                      .refuseUnknown(known);
    QVERIFY(!typo);
    QCOMPARE(typo.error().code(), ErrorCode::InvalidArgument);
    // The link, the transport and the key, and the known keys sorted.
    QCOMPARE(typo.error().message(),
             u"link gw: unknown tcp setting \"prot\" (known: connectTimeoutMs, host, port)"_s);

    // Keys are compared exactly; a hostile key is named, but cut short.
    const Result<void> upper
            = LinkSettingsReader(u"gw"_s, u"tcp"_s, {{u"Port"_s, 1}}).refuseUnknown(known);
    QVERIFY(!upper);
    QVERIFY(upper.error().message().contains(u"\"Port\""_s));
    const Result<void> huge = LinkSettingsReader(u"gw"_s, u"tcp"_s, {{QString(10000, u'k'), 1}})
                                      .refuseUnknown(known);
    QVERIFY(!huge);
    QVERIFY(huge.error().message().size() < 200);

    // Nothing is known: every key is refused.
    QVERIFY(!LinkSettingsReader(u"gw"_s, u"tcp"_s, {{u"port"_s, 1}}).refuseUnknown({}));
}

void tst_Link::settingsReaderOwnChecks()
{
    const LinkSettingsReader reader(u"attic radio"_s, u"simulated"_s,
                                    {{u"sketches"_s, QStringList {u"toaster"_s}}});
    QCOMPARE(reader.linkName(), u"attic radio"_s);
    QCOMPARE(reader.transport(), u"simulated"_s);
    QCOMPARE(reader.value(u"sketches"_s).toStringList(), QStringList {u"toaster"_s});
    QVERIFY(!reader.value(u"nodes"_s).isValid());
    const Error e = reader.error(u"sketches"_s, u"names an unknown sketch"_s);
    QCOMPARE(e.code(), ErrorCode::InvalidArgument);
    QCOMPARE(e.message(),
             u"link attic radio: simulated setting \"sketches\" names an unknown sketch"_s);

    // The old helpers, which the serial transport uses, are unchanged.
    QCOMPARE(linkSettingWholeNumber(QVariant(5003.0)), std::optional<qint64>(5003));
    QCOMPARE(linkSettingWholeNumber(QVariant(u"5003"_s)), std::nullopt);
    QCOMPARE(linkSettingTypeName(QVariant()), u"nothing"_s);
    QCOMPARE(linkSettingTypeName(QVariant(1)), u"int"_s);
}

QTEST_GUILESS_MAIN(tst_Link)
#include "tst_link.moc"
