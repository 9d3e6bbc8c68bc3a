// Engine throughput in host-gateway mode: 254 nodes, each message a full nonce round trip
// (nonce request in, nonce response out, signed frame in, verified, handed to the API stream).
// Only the engine's time is counted; the nodes' signing runs outside the timed regions, as it
// would on the nodes themselves. Prints figures; not a pass/fail test.
//
//   warden_bench_engine [--seconds N] [--report-every S] [--per-node-keys] [--no-inventory]
//
// --report-every prints a line every S seconds (messages, the rate since the last line, the
// resident memory), for the long memory run: growth shows when it happens, not only at the end.
#include "loopbacklink.h"

#include <warden/engine.h>
#include <warden/inventory.h>
#include <warden/protocol/signing.h>
#include <warden/signer.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

using namespace Warden;
using namespace Warden::Protocol;
using Warden::Test::LoopbackLink;

namespace {

long residentKiB()
{
    QFile f(QStringLiteral("/proc/self/statm"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> fields = f.readAll().split(' ');
    return fields.size() > 1 ? fields.at(1).toLong() * 4 : -1;
}

SecretBytes keyOf(int seed)
{
    uint8_t k[32];
    for (int i = 0; i < 32; ++i)
        k[i] = uint8_t(seed * 31 + i);
    return SecretBytes(k, sizeof k);
}

QByteArray bytesOf(const Message &m)
{
    return QByteArray(reinterpret_cast<const char *>(m.data()), qsizetype(m.size()));
}

/// What the API stream would hold: the latest records, bounded.
struct TrafficSink
{
    std::vector<TrafficRecord> ring = std::vector<TrafficRecord>(4096);
    size_t next = 0;
    quint64 verified = 0;
    quint64 rejected = 0;
    void take(const TrafficRecord &r)
    {
        ring[next++ % ring.size()] = r;
        if (r.outgoing)
            return;
        if (r.verdict == FrameVerdict::Verified)
            ++verified;
        else if (!isAccepted(r.verdict))
            ++rejected;
    }
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption secondsOption(QStringLiteral("seconds"),
                                           QStringLiteral("How long to run (default 10)."),
                                           QStringLiteral("n"), QStringLiteral("10"));
    const QCommandLineOption perNodeOption(QStringLiteral("per-node-keys"),
                                           QStringLiteral("Give every node its own link key."));
    const QCommandLineOption noInventoryOption(QStringLiteral("no-inventory"),
                                               QStringLiteral("Run without the SQLite inventory."));
    const QCommandLineOption reportOption(
            QStringLiteral("report-every"),
            QStringLiteral("Print messages, rate and resident memory every s seconds (0: never)."),
            QStringLiteral("s"), QStringLiteral("0"));
    parser.addOption(secondsOption);
    parser.addOption(reportOption);
    parser.addOption(perNodeOption);
    parser.addOption(noInventoryOption);
    parser.process(app);
    const bool withInventory = !parser.isSet(noInventoryOption);
    const double seconds = parser.value(secondsOption).toDouble();
    const bool perNode = parser.isSet(perNodeOption);
    const qint64 reportEveryMs = qint64(parser.value(reportOption).toDouble() * 1000);
    constexpr int kNodes = 254;

    LoopbackLink link(LinkFraming::RadioFrames, QStringLiteral("bench"));
    Engine engine(EngineOptions {});
    TrafficSink sink;
    QObject::connect(&engine, &Engine::traffic, &engine,
                     [&sink](const TrafficRecord &r) { sink.take(r); });
    if (!engine.addLink(&link) || !engine.setNetworkKey(1, keyOf(0)))
        return 1;
    // The inventory's batched writer runs on its own thread: the figure is per engine core.
    QTemporaryDir dir;
    std::unique_ptr<Inventory> inventory;
    if (withInventory) {
        auto opened = Inventory::open(dir.filePath(QStringLiteral("bench.db")));
        if (!opened) {
            std::fprintf(stderr, "%s\n", qPrintable(opened.error().message()));
            return 1;
        }
        inventory = std::move(*opened);
        engine.setInventory(inventory.get());
    }
    link.open();

    struct Node
    {
        std::unique_ptr<LegacySigner> signer;
        Message value;
        Message nonceRequest;
    };
    std::vector<Node> nodes(kNodes + 1);
    for (int id = 1; id <= kNodes; ++id) {
        Node &n = nodes[size_t(id)];
        n.signer = std::make_unique<LegacySigner>(Signer::hostSha256());
        const SecretBytes key = perNode ? keyOf(id) : keyOf(0);
        n.signer->setKey(key.data());
        if (perNode && !engine.setNodeKey(quint8(id), key))
            return 1;
        n.value.setHeader(uint8_t(id), 0, Command::Set, uint8_t(Value::Temp), 1);
        n.value.setFloat32(20.5f, 2);
        n.nonceRequest.setHeader(uint8_t(id), 0, Command::Internal,
                                 uint8_t(Protocol::Internal::NonceRequest), 1);
        n.nonceRequest.setString("", 0);
    }

    const long rssStart = residentKiB();
    long rssAfterWarmup = -1;
    QElapsedTimer wall;
    wall.start();
    qint64 engineNs = 0;
    quint64 messages = 0;
    QElapsedTimer t;
    uint8_t nonce[kNonceSize];
    qint64 nextReportMs = reportEveryMs;
    qint64 lastReportMs = 0;
    quint64 messagesAtReport = 0;
    while (wall.elapsed() < qint64(seconds * 1000)) {
        for (int id = 1; id <= kNodes; ++id) {
            Node &n = nodes[size_t(id)];
            const QByteArray request = bytesOf(n.nonceRequest);
            t.start();
            link.inject(request);
            engineNs += t.nsecsElapsed();
            const QByteArrayList out = link.takeWritten();
            if (out.size() != 1)
                return 2;
            Message response;
            if (Message::decode(reinterpret_cast<const uint8_t *>(out.at(0).constData()),
                                size_t(out.at(0).size()), response)
                != DecodeError::None)
                return 3;
            nonceFromPayload(response.payload(), nonce);
            Message m = n.value;
            if (n.signer->sign(m, nonce, nullptr) != SignResult::Ok)
                return 4;
            const QByteArray frame = bytesOf(m);
            t.start();
            link.inject(frame);
            engineNs += t.nsecsElapsed();
            ++messages;
        }
        if (rssAfterWarmup < 0 && wall.elapsed() > 1000)
            rssAfterWarmup = residentKiB();
        if (reportEveryMs > 0 && wall.elapsed() >= nextReportMs) {
            const qint64 nowMs = wall.elapsed();
            const double rate = double(messages - messagesAtReport) * 1000.0
                                / double(std::max<qint64>(1, nowMs - lastReportMs));
            std::printf("  at %6.1f s: %llu messages, %.0f messages/s wall since the last line, "
                        "resident %ld KiB\n",
                        double(nowMs) / 1000.0, static_cast<unsigned long long>(messages), rate,
                        residentKiB());
            std::fflush(stdout);
            messagesAtReport = messages;
            lastReportMs = nowMs;
            nextReportMs += reportEveryMs;
        }
    }
    if (inventory && !inventory->flush())
        return 6;
    const long rssEnd = residentKiB();
    const double wallS = double(wall.nsecsElapsed()) / 1e9;
    const double engineS = double(engineNs) / 1e9;
    std::printf("engine throughput, host-gateway mode, %d nodes, %s keys, %s, %.1f s\n", kNodes,
                perNode ? "per-node link" : "network",
                withInventory ? "SQLite inventory (batched)" : "no inventory", wallS);
    if (inventory) {
        const InventoryStatistics st = inventory->statistics();
        std::printf("  inventory: %llu hot-path calls, %llu batches, %llu rows committed\n",
                    static_cast<unsigned long long>(st.hotCalls),
                    static_cast<unsigned long long>(st.batches),
                    static_cast<unsigned long long>(st.rowsWritten));
    }
    std::printf("  messages (each: nonce request + response + signed frame): %llu\n",
                static_cast<unsigned long long>(messages));
    std::printf("  verified: %llu, rejected: %llu\n",
                static_cast<unsigned long long>(sink.verified),
                static_cast<unsigned long long>(sink.rejected));
    std::printf("  engine time: %.3f s -> %.0f verified messages/s per core (%.2f us each)"
                " [target >= 100000]\n",
                engineS, double(sink.verified) / engineS, engineS * 1e6 / double(messages));
    std::printf("  wall incl. the nodes' signing: %.0f messages/s\n", double(messages) / wallS);
    std::printf("  resident memory: start %ld KiB, after 1 s %ld KiB, end %ld KiB (growth after "
                "warm-up %ld KiB)\n",
                rssStart, rssAfterWarmup, rssEnd, rssEnd - rssAfterWarmup);
    return sink.verified == messages ? 0 : 5;
}
