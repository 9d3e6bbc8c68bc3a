// The console under load (issue 6's benchmark): 10,000 nodes in the inventory view and 5,000
// frames per second arriving in the live-traffic view, the real widgets shown (offscreen unless
// a platform is given). It prints figures and their ratios to a baseline measured in the same
// run; it does not pass or fail.
//   build/release/bin/warden_bench_console [--seconds 10] [--rate 5000]
//
// Figures:
// - populate: 40 networks x 250 nodes handed to the inventory model with its sorted filter
//   proxy and the table attached, until the event loop is idle again;
// - filter: a search typed into the inventory's search field, until the proxy has refiltered;
// - refresh: one network's 250 nodes brought up to date in the 10,000-row model, as the
//   console's session does every 0.5 s while frames flow: before, the whole network re-read
//   and handed over (setNodes: its rows reset, the sorted proxy rebuilt); now, the nodes heard
//   updated in place (updateNode, one dataChanged each), here all 250 of them (the worst case);
// - stall: the event loop's latency, sampled by a 1 ms precise timer: each second's worst delay
//   of a timer tick beyond its interval is that second's stall (the time the UI could not
//   respond). The baseline is the same probe with the same widgets shown and no frames;
// - memory: the resident set (VmRSS) and its peak (VmHWM) of the whole process, against the
//   process before the console's models and widgets existed.

#include <models/nodefilterproxy.h>
#include <models/nodeinventorymodel.h>
#include <models/trafficmodel.h>
#include <views/inventoryview.h>
#include <views/trafficview.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QFile>
#include <QtCore/QTimer>
#include <QtWidgets/QApplication>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QSplitter>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace Qt::StringLiterals;
using namespace Warden;
using namespace Warden::Internal;

namespace {

constexpr int kNetworks = 40;
constexpr int kNodesPerNetwork = 250;
constexpr int kFeedIntervalMs = 10; // frames arrive in 10 ms batches, as a link's reads do

/// Kilobytes of a /proc/self/status field (VmRSS, VmHWM); -1 when it cannot be read.
qint64 statusKb(const char *field)
{
    QFile f(u"/proc/self/status"_s);
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray prefix = QByteArray(field) + ':';
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith(prefix))
            return line.mid(prefix.size()).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

NodeRecord node(quint8 id, int network)
{
    NodeRecord n;
    n.id = id;
    n.sketchName = id % 10 == 0 ? u"Gate"_s : u"Temp"_s;
    n.sketchVersion = u"1.%1"_s.arg(network % 7);
    n.batteryPercent = id % 101;
    n.signingRequired = id % 3 != 0;
    n.serialHex = u"5E000000000000%1%2"_s.arg(network, 2, 16, QChar(u'0'))
                          .arg(int(id), 2, 16, QChar(u'0'));
    n.lastSeenMs = 1700000000000 + network * 1000 + id;
    return n;
}

TrafficRecord frame(quint8 sender, FrameVerdict verdict, qint64 when, qint16 value)
{
    TrafficRecord r;
    r.timestampMs = when;
    r.verdict = verdict;
    r.message.setHeader(sender, 0, Protocol::Command::Set, 0 /* V_TEMP */, 1);
    r.message.setInt16(value);
    return r;
}

/// Runs the event loop for @p ms while a 1 ms precise timer measures how late its ticks come.
/// Returns each whole second's worst lateness in milliseconds.
std::vector<double> probeStalls(int ms)
{
    std::vector<double> perSecond;
    QElapsedTimer clock;
    clock.start();
    qint64 last = clock.nsecsElapsed();
    double worst = 0;
    qint64 secondEnds = 1000LL * 1000 * 1000;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(1);
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        worst = std::max(worst, double(now - last) / 1e6 - 1.0);
        last = now;
        if (now >= secondEnds) {
            perSecond.push_back(worst);
            worst = 0;
            secondEnds += 1000LL * 1000 * 1000;
        }
    });
    probe.start();
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
    return perSecond;
}

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double maximum(const std::vector<double> &v)
{
    return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

void settle()
{
    // Lets the models' batched publishes (50-100 ms timers) and the repaints run.
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < 250)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(u"The Warden console's widgets under load: figures."_s);
    parser.addHelpOption();
    const QCommandLineOption secondsOption(u"seconds"_s, u"Seconds of load (default 10)."_s,
                                           u"seconds"_s, u"10"_s);
    const QCommandLineOption rateOption(u"rate"_s, u"Frames per second (default 5000)."_s,
                                        u"frames"_s, u"5000"_s);
    parser.addOptions({secondsOption, rateOption});
    parser.process(app);
    bool ok = false;
    const int seconds = parser.value(secondsOption).toInt(&ok);
    if (!ok || seconds < 2 || seconds > 3600) {
        std::fprintf(stderr, "--seconds must be a whole number from 2 to 3600\n");
        return 2;
    }
    const int rate = parser.value(rateOption).toInt(&ok);
    if (!ok || rate < 100 || rate > 1000000) {
        std::fprintf(stderr, "--rate must be a whole number from 100 to 1000000\n");
        return 2;
    }

    const qint64 rssBeforeKb = statusKb("VmRSS");
    QSplitter window(Qt::Vertical);
    NodeInventoryModel inventoryModel;
    TrafficModel trafficModel;
    auto *inventory = new InventoryView(&inventoryModel, &window);
    auto *traffic = new TrafficView(&trafficModel, &window);
    window.addWidget(inventory);
    window.addWidget(traffic);
    window.resize(1280, 900);
    window.show();
    settle();
    const qint64 rssEmptyKb = statusKb("VmRSS");

    std::vector<QList<NodeRecord>> networks(kNetworks);
    for (int n = 0; n < kNetworks; ++n) {
        for (int id = 1; id <= kNodesPerNetwork; ++id)
            networks[n] << node(quint8(id), n);
    }
    inventory->proxy()->sort(NodeInventoryModel::LastSeenColumn, Qt::DescendingOrder);
    QElapsedTimer timer;
    timer.start();
    for (int n = 0; n < kNetworks; ++n)
        inventoryModel.setNodes(u"network %1"_s.arg(n), networks[n]);
    QCoreApplication::processEvents();
    const double populateMs = double(timer.nsecsElapsed()) / 1e6;
    const int shown = inventory->proxy()->rowCount();
    settle();

    timer.restart();
    inventory->searchField()->setText(u"gate"_s);
    QCoreApplication::processEvents();
    const double filterMs = double(timer.nsecsElapsed()) / 1e6;
    const int filtered = inventory->proxy()->rowCount();
    inventory->searchField()->clear();
    settle();

    // The session's refresh of one network, as it was (whole network) and as it is (the nodes
    // heard, in place); each node's last-seen moves on every round, as frames make it do.
    constexpr int kRefreshRounds = 10;
    const QString refreshed = u"network 7"_s;
    QList<NodeRecord> round = networks[7];
    const auto advance = [&round](int k) {
        for (NodeRecord &n : round)
            n.lastSeenMs += 1000 * (k + 1);
    };
    timer.restart();
    for (int k = 0; k < kRefreshRounds; ++k) {
        advance(k);
        inventoryModel.setNodes(refreshed, round);
        QCoreApplication::processEvents();
    }
    const double fullRefreshMs = double(timer.nsecsElapsed()) / 1e6 / kRefreshRounds;
    settle();
    timer.restart();
    for (int k = 0; k < kRefreshRounds; ++k) {
        advance(k);
        for (const NodeRecord &n : std::as_const(round))
            inventoryModel.updateNode(refreshed, n);
        inventoryModel.publishNow();
        QCoreApplication::processEvents();
    }
    const double incrementalRefreshMs = double(timer.nsecsElapsed()) / 1e6 / kRefreshRounds;
    settle();

    const std::vector<double> idle = probeStalls(seconds * 1000 / 2);

    // 5,000 frames/s in 10 ms batches into both views, as the console's engine connection
    // does; 1 frame in 50 fails verification (spread over the nodes: no burst banner).
    quint64 fed = 0;
    const int perBatch = std::max(1, rate * kFeedIntervalMs / 1000);
    QElapsedTimer loadClock;
    QTimer feeder;
    feeder.setTimerType(Qt::PreciseTimer);
    feeder.setInterval(kFeedIntervalMs);
    QObject::connect(&feeder, &QTimer::timeout, [&] {
        // Catch up on batches a late tick missed, so the rate is what was asked for.
        const quint64 due = quint64(loadClock.elapsed()) * quint64(rate) / 1000;
        quint64 batch = std::min<quint64>(due > fed ? due - fed : 0, quint64(perBatch) * 10);
        for (; batch > 0; --batch, ++fed) {
            const int network = int(fed % kNetworks);
            const quint8 id = quint8(1 + (fed / kNetworks) % kNodesPerNetwork);
            const FrameVerdict verdict
                    = fed % 50 == 0 ? FrameVerdict::BadSignature : FrameVerdict::Verified;
            const TrafficRecord r = frame(id, verdict, 1800000000000 + qint64(fed), qint16(fed));
            const QString name = u"network %1"_s.arg(network);
            traffic->addFrame(name, r);
            inventoryModel.noteTraffic(name, r);
        }
    });
    loadClock.start();
    feeder.start();
    const std::vector<double> loaded = probeStalls(seconds * 1000);
    feeder.stop();
    const double loadSeconds = double(loadClock.elapsed()) / 1000.0;
    const qint64 rssLoadedKb = statusKb("VmRSS");
    const qint64 hwmKb = statusKb("VmHWM");

    std::printf("Warden console under load (%s platform, %d nodes, %d frames/s asked)\n",
                qPrintable(QGuiApplication::platformName()), kNetworks * kNodesPerNetwork, rate);
    std::printf("  populate   %8.1f ms  (%d rows shown; target < 1000 ms)\n", populateMs, shown);
    std::printf("  filter     %8.1f ms  (%d rows match \"gate\"; target < 50 ms)\n", filterMs,
                filtered);
    std::printf("  refresh    %8.2f ms  one network's 250 nodes updated in place (was %.2f ms "
                "re-read whole: %.1fx)\n",
                incrementalRefreshMs, fullRefreshMs,
                incrementalRefreshMs > 0 ? fullRefreshMs / incrementalRefreshMs : 0.0);
    std::printf("  frames     %8.0f /s  fed (%llu in %.1f s), %d kept in the traffic view\n",
                double(fed) / loadSeconds, static_cast<unsigned long long>(fed), loadSeconds,
                trafficModel.rowCount());
    std::printf("  stall      %8.2f ms  worst second, median second %.2f ms (target < 16 ms)\n",
                maximum(loaded), median(loaded));
    std::printf("             %8.2f ms  baseline: the same widgets idle, worst second (ratio "
                "%.1fx)\n",
                maximum(idle), maximum(idle) > 0 ? maximum(loaded) / maximum(idle) : 0.0);
    std::printf("  memory     %8.1f MB  resident under load, peak %.1f MB (target < 300 MB)\n",
                double(rssLoadedKb) / 1024.0, double(hwmKb) / 1024.0);
    std::printf("             %8.1f MB  baseline: the process before the console (%.1f MB with "
                "the empty widgets)\n",
                double(rssBeforeKb) / 1024.0, double(rssEmptyKb) / 1024.0);
    return 0;
}
