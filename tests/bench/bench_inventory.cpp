// Benchmarks of the inventory (core/inventory): what a verified frame costs the engine's thread
// (hot-path calls only touch the coalesced in-memory image), and how many important records
// per second reach the disk end to end (enqueue -> batch -> commit -> acknowledged), with
// synchronous=FULL and =NORMAL. Figures only; the unit tests hold the behaviour.
//   warden_bench --benchmark_filter=Inventory
#include <warden/inventory.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QTemporaryDir>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>

using namespace Warden;

namespace {

/// QtSql loads its SQLite driver as a plugin, which needs an application object; warden_bench
/// has none of its own. Deliberately never deleted: it must outlive every benchmark.
void ensureApplication()
{
    if (QCoreApplication::instance())
        return;
    static int argc = 1;
    static char name[] = "warden_bench";
    static char *argv[] = {name, nullptr};
    new QCoreApplication(argc, argv);
}

struct OpenInventory
{
    std::unique_ptr<QTemporaryDir> dir;
    std::unique_ptr<Inventory> inventory;
};

OpenInventory openInventory(benchmark::State &state, Inventory::Durability durability,
                            int maxBatchRecords = Inventory::Options().maxBatchRecords)
{
    ensureApplication();
    OpenInventory o;
    o.dir = std::make_unique<QTemporaryDir>();
    Inventory::Options options;
    options.durability = durability;
    options.maxBatchRecords = maxBatchRecords;
    auto opened = Inventory::open(o.dir->filePath(QStringLiteral("bench.db")), options);
    if (!opened) {
        state.SkipWithError(qPrintable(opened.error().message()));
        return o;
    }
    o.inventory = std::move(*opened);
    return o;
}

void reportWriter(benchmark::State &state, const Inventory &inventory)
{
    const InventoryStatistics s = inventory.statistics();
    state.counters["batches"] = double(s.batches);
    state.counters["rows_per_batch"] = s.batches ? double(s.rowsWritten) / double(s.batches) : 0;
    state.counters["max_commit_ms"] = double(s.maxBatchMicros) / 1000.0;
}

/// One noteFrame() per iteration, as the engine calls it for each verified frame: 32 nodes,
/// 4 children each, the writer committing in the background every 50 ms.
void BM_InventoryNoteFrame(benchmark::State &state)
{
    OpenInventory o = openInventory(state, Inventory::Durability::Full);
    if (!o.inventory)
        return;
    quint32 i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(o.inventory->noteFrame(
                quint8(1 + i % 32), quint8(i % 4), Protocol::Verdict::Verified, 1700000000000 + i));
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
    (void)o.inventory->flush();
    reportWriter(state, *o.inventory);
}
BENCHMARK(BM_InventoryNoteFrame);

/// A frame that carries a value: noteFrame() + setLastValue() with a fresh text each time.
void BM_InventoryFrameWithValue(benchmark::State &state)
{
    OpenInventory o = openInventory(state, Inventory::Durability::Full);
    if (!o.inventory)
        return;
    const QString values[] = {QStringLiteral("21.5"), QStringLiteral("21.6"), QStringLiteral("45"),
                              QStringLiteral("1013.2")};
    quint32 i = 0;
    for (auto _ : state) {
        const quint8 node = quint8(1 + i % 32);
        const quint8 child = quint8(i % 4);
        o.inventory->noteFrame(node, child, Protocol::Verdict::Verified, 1700000000000 + i);
        o.inventory->setLastValue(node, child, 0, values[i % 4], 1700000000000 + i);
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
    (void)o.inventory->flush();
    reportWriter(state, *o.inventory);
}
BENCHMARK(BM_InventoryFrameWithValue);

/// Important records end to end, sustained: 1000 audit entries queued per iteration while the
/// previous thousand are being committed (a batch is cut at 1000 records). Wall-clock time:
/// the work is on the writer thread.
void BM_InventoryCommittedAudit(benchmark::State &state)
{
    const auto durability = Inventory::Durability(state.range(0));
    constexpr int kPerIteration = 1000;
    OpenInventory o = openInventory(state, durability, kPerIteration);
    if (!o.inventory)
        return;
    AuditEntry e;
    e.who = QStringLiteral("bench");
    e.what = QStringLiteral("lock");
    e.why = QStringLiteral("repeated failed verifications");
    e.node = 7;
    e.details = QJsonObject {{QStringLiteral("failures"), 5}};
    InventoryTicket previous = 0;
    for (auto _ : state) {
        InventoryTicket last = 0;
        for (int i = 0; i < kPerIteration; ++i) {
            const auto receipt = o.inventory->recordAudit(e);
            if (!receipt) {
                state.SkipWithError(qPrintable(receipt.error().message()));
                return;
            }
            last = receipt->ticket;
        }
        // At most two thousand in flight: the rate is what reaches the disk.
        const auto done = o.inventory->waitForCommitted(previous);
        if (!done) {
            state.SkipWithError(qPrintable(done.error().message()));
            return;
        }
        previous = last;
    }
    (void)o.inventory->waitForCommitted(previous);
    state.SetItemsProcessed(state.iterations() * kPerIteration);
    reportWriter(state, *o.inventory);
    state.SetLabel(durability == Inventory::Durability::Full ? "synchronous=FULL"
                                                             : "synchronous=NORMAL");
}
BENCHMARK(BM_InventoryCommittedAudit)
        ->Arg(int(Inventory::Durability::Full))
        ->Arg(int(Inventory::Durability::Normal))
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);

/// Latency of one acknowledged write alone (say, a revocation): queue, then wait for it.
void BM_InventoryCommitLatency(benchmark::State &state)
{
    const auto durability = Inventory::Durability(state.range(0));
    OpenInventory o = openInventory(state, durability);
    if (!o.inventory)
        return;
    AuditEntry e;
    e.who = QStringLiteral("bench");
    e.what = QStringLiteral("revoke");
    for (auto _ : state) {
        const auto receipt = o.inventory->recordAudit(e);
        if (!receipt || !o.inventory->flush()) {
            state.SkipWithError("the write was not committed");
            return;
        }
    }
    state.SetLabel(durability == Inventory::Durability::Full ? "synchronous=FULL, flush()"
                                                             : "synchronous=NORMAL, flush()");
}
BENCHMARK(BM_InventoryCommitLatency)
        ->Arg(int(Inventory::Durability::Full))
        ->Arg(int(Inventory::Durability::Normal))
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);

} // namespace
