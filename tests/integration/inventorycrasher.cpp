// Helper of tst_inventorycrash: writes to an inventory as fast as it can and prints
// "ACK <ticket> <record> frames=<n>" only once committed() says the record is durable, so the
// test can kill it (SIGKILL) at any moment and then demand every acknowledged record.
//
//   inventorycrasher <database> <round>
//
// <record> is kind:id:round:seq; the stored record carries round and seq, so a record lost and
// its id reused by a later round cannot pass for the acknowledged one. frames=<n> counts the
// hot-path frames noted before the record: they are committed no later than it.
#include <warden/inventory.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QDateTime>
#include <QtCore/QLoggingCategory>
#include <QtCore/QTimer>

#include <cstdio>
#include <deque>
#include <string>

using namespace Warden;

namespace {

constexpr int kFramesPerTick = 200;
constexpr int kRecordsPerTick = 4;
constexpr quint64 kMaxPending = 20000; // keep memory bounded if the disk falls behind

struct Pending
{
    InventoryTicket ticket;
    std::string record;
    quint64 frames;
};

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    // stdout is the protocol with the test; keep the library's chatter off stderr too.
    QLoggingCategory::setFilterRules(QStringLiteral("warden.*.debug=false"));
    const QStringList args = app.arguments();
    if (args.size() != 3) {
        std::fprintf(stderr, "usage: inventorycrasher <database> <round>\n");
        return 2;
    }
    const int round = args.at(2).toInt();
    Inventory::Options options;
    options.flushIntervalMs = 10;
    auto opened = Inventory::open(args.at(1), options);
    if (!opened) {
        std::fprintf(stderr, "inventorycrasher: %s\n", qPrintable(opened.error().message()));
        return 1;
    }
    std::unique_ptr<Inventory> inventory = std::move(*opened);
    std::deque<Pending> pending;
    quint64 frames = 0;
    quint64 seq = 0;

    QObject::connect(inventory.get(), &Inventory::writeFailed, [](quint64 ticket, const Error &e) {
        std::fprintf(stderr, "inventorycrasher: write %llu failed: %s\n",
                     static_cast<unsigned long long>(ticket), qPrintable(e.message()));
        std::fflush(stderr);
        std::_Exit(3);
    });
    QObject::connect(inventory.get(), &Inventory::committed, [&](quint64 upTo) {
        std::string out;
        while (!pending.empty() && pending.front().ticket <= upTo) {
            const Pending &p = pending.front();
            out += "ACK " + std::to_string(p.ticket) + ' ' + p.record
                   + " frames=" + std::to_string(p.frames) + '\n';
            pending.pop_front();
        }
        std::fputs(out.c_str(), stdout);
        std::fflush(stdout);
    });

    auto record = [&](const char *kind, const Result<InventoryReceipt> &receipt) {
        if (!receipt) {
            std::fprintf(stderr, "inventorycrasher: %s refused: %s\n", kind,
                         qPrintable(receipt.error().message()));
            std::fflush(stderr);
            std::_Exit(4);
        }
        pending.push_back({receipt->ticket,
                           std::string(kind) + ':' + std::to_string(receipt->id) + ':'
                                   + std::to_string(round) + ':' + std::to_string(seq),
                           frames});
    };

    QTimer tick;
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (int i = 0; i < kFramesPerTick; ++i) {
            const quint8 node = quint8(1 + (frames + quint64(i)) % 10);
            inventory->noteFrame(node, 0, Protocol::Verdict::Verified, now);
            inventory->setLastValue(node, 0, 0, QString::number(frames + quint64(i)), now);
        }
        frames += kFramesPerTick;
        if (pending.size() >= kMaxPending)
            return;
        for (int i = 0; i < kRecordsPerTick; ++i, ++seq) {
            const QString tag = QStringLiteral("round %1 seq %2").arg(round).arg(seq);
            switch (seq % 4) {
            case 0: {
                AuditEntry e;
                e.who = QStringLiteral("inventorycrasher");
                e.what = QStringLiteral("crash-test");
                e.why = tag;
                e.details = QJsonObject {{QStringLiteral("round"), round},
                                         {QStringLiteral("seq"), qint64(seq)}};
                record("audit", inventory->recordAudit(e));
                break;
            }
            case 1: {
                Job job;
                job.node = quint8(1 + seq % 200);
                job.kind = QStringLiteral("config-push");
                job.payload = tag;
                record("job", inventory->upsertJob(job));
                break;
            }
            case 2: {
                Revocation r;
                r.node = quint8(1 + seq % 254);
                r.who = QStringLiteral("inventorycrasher");
                r.why = tag;
                record("revocation", inventory->revoke(r));
                break;
            }
            case 3: {
                KeyEpoch e;
                e.epoch = quint32(round) * 1000000u + quint32(seq);
                e.scope = QStringLiteral("network");
                e.keyFingerprint = QStringLiteral("0123-4567-89ab-cdef");
                record("epoch", inventory->addKeyEpoch(e));
                break;
            }
            }
        }
    });
    tick.start(0);
    std::fputs("READY\n", stdout);
    std::fflush(stdout);
    return app.exec();
}
