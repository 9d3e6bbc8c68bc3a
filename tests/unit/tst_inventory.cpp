// The node inventory on real SQLite files: schema, every write and read, node id allocation,
// batching, migrations, refusal of foreign/damaged/newer files, a concurrent reader (WAL), and
// that no key bytes ever reach the file.
#include <warden/inventory.h>
#include <warden/secretbytes.h>

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QRandomGenerator>
#include <QtCore/QScopeGuard>
#include <QtCore/QSet>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <atomic>
#include <thread>
#include <vector>

using namespace Warden;

namespace {

#define OPEN_INVENTORY(var, ...) \
    auto var##Opened = Inventory::open(__VA_ARGS__); \
    QVERIFY2(var##Opened.has_value(), \
             qPrintable(var##Opened ? QString() : var##Opened.error().message())); \
    std::unique_ptr<Inventory> var = std::move(*var##Opened)

#define VERIFY_OK(expr) \
    do { \
        const auto result_ = (expr); \
        QVERIFY2(result_.has_value(), \
                 qPrintable(result_ ? QString() : result_.error().message())); \
    } while (false)

/// A plain QtSql connection to look at the file the way another program would.
class RawDb
{
public:
    explicit RawDb(const QString &path)
        : m_name(QStringLiteral("raw-%1").arg(++s_counter))
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(path);
        m_ok = db.open();
    }
    ~RawDb()
    {
        {
            QSqlDatabase db = QSqlDatabase::database(m_name, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_name);
    }
    bool isOpen() const { return m_ok; }
    QSqlDatabase db() const { return QSqlDatabase::database(m_name, false); }
    QVariant scalar(const QString &sql) const
    {
        QSqlQuery q(db());
        if (!q.exec(sql) || !q.next())
            return QVariant();
        return q.value(0);
    }
    bool exec(const QString &sql, QString *error = nullptr) const
    {
        QSqlQuery q(db());
        const bool ok = q.exec(sql);
        if (!ok && error)
            *error = q.lastError().text();
        return ok;
    }

private:
    static inline int s_counter = 0;
    QString m_name;
    bool m_ok = false;
};

QByteArray fileBytes(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

Inventory::Options slowBatches()
{
    // Nothing is committed until flush() (or a full batch): makes batch counts exact.
    Inventory::Options o;
    o.flushIntervalMs = 60000;
    o.maxBatchRecords = 1000000;
    o.maxQueuedRecords = 1000000;
    return o;
}

} // namespace

class tst_Inventory : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void createsSchema();
    void hotPathRoundTrip();
    void hotPathRefusesBadArguments_data();
    void hotPathRefusesBadArguments();
    void hotPathFromManyThreads();
    void auditRoundTripAndFilters();
    void revokeMarksNodeAndAudits();
    void quarantineAndLift();
    void keyEpochRoundTrip();
    void jobsRoundTripAndSurviveReopen();
    void rotationRoundTrip();
    void revocationPlanAndReportSurviveReopen();
    void nodeSecurityRoundTrip();
    void importantWritesRefuseBadArguments_data();
    void importantWritesRefuseBadArguments();
    void allocatesIdsNeverReusingTakenOnes();
    void allocationRunsOut();
    void batchingCoalescesHotPath();
    void fullBatchCommitsBeforeInterval();
    void committedSignalAndWait();
    void destructorCommitsQueuedWrites();
    void migratesVersion1();
    void refusesNewerVersion();
    void refusesForeignOrDamagedFiles_data();
    void refusesForeignOrDamagedFiles();
    void refusesSecondWriter();
    void readOnlyRefusesWrites();
    void concurrentReaderWhileWriting();
    void noSecretBytesInFile();

private:
    QString dbPath() const { return m_dir->filePath(QStringLiteral("inventory.db")); }
    std::unique_ptr<QTemporaryDir> m_dir;
};

void tst_Inventory::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void tst_Inventory::createsSchema()
{
    {
        OPEN_INVENTORY(inv, dbPath());
        QCOMPARE(Inventory::schemaVersion(), 4);
        QCOMPARE(inv->path(), QFileInfo(dbPath()).absoluteFilePath());
        VERIFY_OK(inv->checkIntegrity());
        const auto nodes = inv->nodes();
        VERIFY_OK(nodes);
        QVERIFY(nodes->isEmpty());
    }
    RawDb raw(dbPath());
    QVERIFY(raw.isOpen());
    QCOMPARE(raw.scalar(QStringLiteral("PRAGMA user_version")).toInt(), Inventory::schemaVersion());
    QCOMPARE(raw.scalar(QStringLiteral("PRAGMA application_id")).toLongLong(), 0x57415244);
    QCOMPARE(raw.scalar(QStringLiteral("PRAGMA journal_mode")).toString(), QStringLiteral("wal"));
    for (const char *table :
         {"nodes", "children", "child_values", "verdict_counts", "node_ids", "revocations",
          "key_epochs", "audit_log", "jobs", "rotations", "revocation_plans", "rotation_reports"}) {
        QCOMPARE(raw.scalar(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type = "
                                           "'table' AND name = '%1'")
                                    .arg(QLatin1String(table)))
                         .toInt(),
                 1);
    }
}

void tst_Inventory::hotPathRoundTrip()
{
    OPEN_INVENTORY(inv, dbPath(), slowBatches());
    const qint64 t0 = 1700000000000;
    QVERIFY(inv->notePresentation(5, 255, 18, QStringLiteral("2.3.2"), t0));
    QVERIFY(inv->notePresentation(5, 0, 6, QStringLiteral("Outside"), t0 + 1));
    QVERIFY(inv->notePresentation(5, 1, 7, QStringLiteral(""), t0 + 2));
    QVERIFY(inv->noteSketchInfo(5, QStringLiteral("Weather"), QString(), t0 + 3));
    QVERIFY(inv->noteSketchInfo(5, QString(), QStringLiteral("1.4"), t0 + 4));
    QVERIFY(inv->noteParent(5, 3, 2, t0 + 5));
    QVERIFY(inv->noteBattery(5, 77, t0 + 6));
    QVERIFY(inv->noteHeartbeat(5, t0 + 7));
    QVERIFY(inv->noteSigningRequirements(5, true, false, t0 + 8));
    QVERIFY(inv->noteFrame(5, 0, Protocol::Verdict::Verified, t0 + 9));
    QVERIFY(inv->noteFrame(5, 0, Protocol::Verdict::Verified, t0 + 10));
    QVERIFY(inv->noteFrame(5, 1, Protocol::Verdict::BadSignature, t0 + 11));
    QVERIFY(inv->noteFrame(5, 255, "revoked-sender", t0 + 12));
    QVERIFY(inv->setLastValue(5, 0, 0, QStringLiteral("21.5"), t0 + 13));
    QVERIFY(inv->setLastValue(5, 1, 1, QStringLiteral("45"), t0 + 14));
    VERIFY_OK(inv->flush());

    const auto node = inv->node(5);
    VERIFY_OK(node);
    QVERIFY(node->has_value());
    const NodeRecord &n = **node;
    QCOMPARE(n.id, quint8(5));
    QCOMPARE(n.nodeType, 18);
    QCOMPARE(n.libraryVersion, QStringLiteral("2.3.2"));
    QCOMPARE(n.sketchName, QStringLiteral("Weather"));
    QCOMPARE(n.sketchVersion, QStringLiteral("1.4"));
    QCOMPARE(n.parent, 3);
    QCOMPARE(n.distance, 2);
    QCOMPARE(n.batteryPercent, 77);
    QCOMPARE(n.lastHeartbeatMs, t0 + 7);
    QCOMPARE(n.firstSeenMs, t0);
    QCOMPARE(n.lastSeenMs, t0 + 14);
    QVERIFY(n.signingRequired);
    QVERIFY(!n.whitelistRequired);
    QVERIFY(!n.revoked);
    QVERIFY(!n.quarantined);
    QCOMPARE(n.verdicts.count(Protocol::Verdict::Verified), quint64(2));
    QCOMPARE(n.verdicts.count(Protocol::Verdict::BadSignature), quint64(1));
    QCOMPARE(n.verdicts.count(u"revoked-sender"), quint64(1));
    QCOMPARE(n.verdicts.total(), quint64(4));
    const auto counts = inv->verdictCounts(5);
    VERIFY_OK(counts);
    QCOMPARE(counts->counts, n.verdicts.counts);

    const auto children = inv->children(5);
    VERIFY_OK(children);
    QCOMPARE(children->size(), 2); // no row for 255: the node's own presentation is on the node
    QCOMPARE(children->at(0).child, quint8(0));
    QCOMPARE(children->at(0).sensorType, 6);
    QCOMPARE(children->at(0).description, QStringLiteral("Outside"));
    QCOMPARE(children->at(0).lastSeenMs, t0 + 13);
    QCOMPARE(children->at(0).values.size(), 1);
    QCOMPARE(children->at(0).values.at(0).valueType, quint8(0));
    QCOMPARE(children->at(0).values.at(0).value, QStringLiteral("21.5"));
    QCOMPARE(children->at(0).values.at(0).whenMs, t0 + 13);
    QCOMPARE(children->at(1).sensorType, 7);
    QCOMPARE(children->at(1).description, QString());
    QCOMPARE(children->at(1).values.at(0).value, QStringLiteral("45"));

    // A later batch updates what it names and leaves the rest: counters add up.
    QVERIFY(inv->noteFrame(5, 0, Protocol::Verdict::Verified, t0 + 20));
    QVERIFY(inv->noteParent(5, 0, -1, t0 + 21));
    VERIFY_OK(inv->flush());
    const auto again = inv->node(5);
    VERIFY_OK(again);
    QCOMPARE((*again)->verdicts.count(Protocol::Verdict::Verified), quint64(3));
    QCOMPARE((*again)->parent, 0);
    QCOMPARE((*again)->distance, -1);
    QCOMPARE((*again)->sketchName, QStringLiteral("Weather"));
    QCOMPARE((*again)->batteryPercent, 77);
    QCOMPARE((*again)->firstSeenMs, t0);
    QCOMPARE((*again)->lastSeenMs, t0 + 21);

    const auto missing = inv->node(6);
    VERIFY_OK(missing);
    QVERIFY(!missing->has_value());
}

void tst_Inventory::hotPathRefusesBadArguments_data()
{
    QTest::addColumn<int>("call");
    QTest::newRow("node 255 frame") << 0;
    QTest::newRow("empty verdict name") << 1;
    QTest::newRow("verdict name with spaces") << 2;
    QTest::newRow("verdict name too long") << 3;
    QTest::newRow("value too long") << 4;
    QTest::newRow("description too long") << 5;
    QTest::newRow("battery 101") << 6;
    QTest::newRow("distance 300") << 7;
    QTest::newRow("sketch name too long") << 8;
    QTest::newRow("null verdict name") << 9;
}

void tst_Inventory::hotPathRefusesBadArguments()
{
    QFETCH(int, call);
    OPEN_INVENTORY(inv, dbPath());
    const QString tooLong(Inventory::kMaxTextLength + 1, u'x');
    bool accepted = true;
    switch (call) {
    case 0:
        accepted = inv->noteFrame(255, 0, Protocol::Verdict::Verified, 1);
        break;
    case 1:
        accepted = inv->noteFrame(1, 0, "", 1);
        break;
    case 2:
        accepted = inv->noteFrame(1, 0, "bad name", 1);
        break;
    case 3:
        accepted = inv->noteFrame(1, 0, "a-verdict-name-that-is-far-too-long", 1);
        break;
    case 4:
        accepted = inv->setLastValue(1, 0, 0, tooLong, 1);
        break;
    case 5:
        accepted = inv->notePresentation(1, 0, 6, tooLong, 1);
        break;
    case 6:
        accepted = inv->noteBattery(1, 101, 1);
        break;
    case 7:
        accepted = inv->noteParent(1, 0, 300, 1);
        break;
    case 8:
        accepted = inv->noteSketchInfo(1, tooLong, QString(), 1);
        break;
    case 9:
        accepted = inv->noteFrame(1, 0, static_cast<const char *>(nullptr), 1);
        break;
    }
    QVERIFY(!accepted);
    VERIFY_OK(inv->flush());
    const auto counts = inv->verdictCounts(1);
    VERIFY_OK(counts);
    QCOMPARE(counts->total(), quint64(0));
}

void tst_Inventory::hotPathFromManyThreads()
{
    OPEN_INVENTORY(inv, dbPath());
    constexpr int kThreads = 4;
    constexpr int kFrames = 20000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&inv, t] {
            for (int i = 0; i < kFrames; ++i) {
                inv->noteFrame(quint8(1 + i % 8), quint8(t), Protocol::Verdict::Verified, 1000 + i);
                inv->setLastValue(quint8(1 + i % 8), quint8(t), 0, QString::number(i), 1000 + i);
            }
        });
    }
    for (std::thread &t : threads)
        t.join();
    VERIFY_OK(inv->flush());
    quint64 total = 0;
    for (int node = 1; node <= 8; ++node) {
        const auto counts = inv->verdictCounts(quint8(node));
        VERIFY_OK(counts);
        total += counts->count(Protocol::Verdict::Verified);
    }
    QCOMPARE(total, quint64(kThreads * kFrames));
    QCOMPARE(inv->statistics().hotCalls, quint64(2 * kThreads * kFrames));
}

void tst_Inventory::auditRoundTripAndFilters()
{
    OPEN_INVENTORY(inv, dbPath());
    QList<InventoryTicket> tickets;
    for (int i = 0; i < 10; ++i) {
        AuditEntry e;
        e.whenMs = 1000 + i;
        e.who = QStringLiteral("console:alice");
        e.what = i % 2 ? QStringLiteral("personalize") : QStringLiteral("whitelist.edit");
        e.why = QStringLiteral("entry %1").arg(i);
        e.node = i < 5 ? 3 : -1;
        e.details = QJsonObject {{QStringLiteral("i"), i},
                                 {QStringLiteral("key"), QStringLiteral("ab12-cd34-ef56-7890")}};
        const auto receipt = inv->recordAudit(e);
        VERIFY_OK(receipt);
        QCOMPARE(receipt->id, qint64(i + 1));
        tickets << receipt->ticket;
    }
    VERIFY_OK(inv->waitForCommitted(tickets.last()));

    const auto all = inv->auditLog();
    VERIFY_OK(all);
    QCOMPARE(all->size(), 10);
    QCOMPARE(all->first().id, qint64(10)); // newest first
    const AuditEntry &last = all->first();
    QCOMPARE(last.whenMs, qint64(1009));
    QCOMPARE(last.who, QStringLiteral("console:alice"));
    QCOMPARE(last.what, QStringLiteral("personalize"));
    QCOMPARE(last.why, QStringLiteral("entry 9"));
    QCOMPARE(last.node, -1);
    QCOMPARE(last.details.value(QStringLiteral("i")).toInt(), 9);
    QCOMPARE(last.details.value(QStringLiteral("key")).toString(),
             QStringLiteral("ab12-cd34-ef56-7890"));

    AuditFilter byNode;
    byNode.node = 3;
    QCOMPARE(inv->auditLog(byNode)->size(), 5);
    AuditFilter byWhat;
    byWhat.what = QStringLiteral("personalize");
    QCOMPARE(inv->auditLog(byWhat)->size(), 5);
    AuditFilter byTime;
    byTime.sinceMs = 1002;
    byTime.untilMs = 1005;
    const auto window = inv->auditLog(byTime);
    VERIFY_OK(window);
    QCOMPARE(window->size(), 3);
    QCOMPARE(window->last().whenMs, qint64(1002));
    AuditFilter limited;
    limited.limit = 4;
    QCOMPARE(inv->auditLog(limited)->size(), 4);

    // A default time is "now".
    AuditEntry now;
    now.who = QStringLiteral("engine");
    now.what = QStringLiteral("lock");
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    const auto r = inv->recordAudit(now);
    VERIFY_OK(r);
    VERIFY_OK(inv->waitForCommitted(r->ticket));
    QVERIFY(inv->auditLog()->first().whenMs >= before);
}

void tst_Inventory::revokeMarksNodeAndAudits()
{
    OPEN_INVENTORY(inv, dbPath());
    NodeSecurity sec;
    sec.serialHex = QStringLiteral("0123456789ABCDEF01");
    sec.linkKeyFingerprint = QStringLiteral("0a1b-2c3d-4e5f-6a7b");
    VERIFY_OK(inv->setNodeSecurity(12, sec));
    Revocation r;
    r.node = 12;
    r.serialHex = QStringLiteral("0123456789abcdef01");
    r.linkKeyFingerprint = QStringLiteral("0a1b-2c3d-4e5f-6a7b");
    r.who = QStringLiteral("console:bob");
    r.why = QStringLiteral("node stolen");
    r.whenMs = 5000;
    const auto receipt = inv->revoke(r);
    VERIFY_OK(receipt);
    QCOMPARE(receipt->id, qint64(1));
    VERIFY_OK(inv->waitForCommitted(receipt->ticket));

    const auto node = inv->node(12);
    VERIFY_OK(node);
    QVERIFY((*node)->revoked);
    QVERIFY((*node)->quarantined);
    QVERIFY((*node)->linkKeyFingerprint.isEmpty()); // its link key is deleted
    QCOMPARE((*node)->serialHex, QStringLiteral("0123456789abcdef01"));

    const auto revocations = inv->revocations();
    VERIFY_OK(revocations);
    QCOMPARE(revocations->size(), 1);
    QCOMPARE(revocations->at(0).id, qint64(1));
    QCOMPARE(revocations->at(0).node, quint8(12));
    QCOMPARE(revocations->at(0).serialHex, QStringLiteral("0123456789abcdef01"));
    QCOMPARE(revocations->at(0).linkKeyFingerprint, QStringLiteral("0a1b-2c3d-4e5f-6a7b"));
    QCOMPARE(revocations->at(0).who, QStringLiteral("console:bob"));
    QCOMPARE(revocations->at(0).whenMs, qint64(5000));
    QCOMPARE(revocations->at(0).why, QStringLiteral("node stolen"));

    const auto audit = inv->auditLog();
    VERIFY_OK(audit);
    QCOMPARE(audit->size(), 1);
    QCOMPARE(audit->at(0).what, QStringLiteral("revoke"));
    QCOMPARE(audit->at(0).who, QStringLiteral("console:bob"));
    QCOMPARE(audit->at(0).why, QStringLiteral("node stolen"));
    QCOMPARE(audit->at(0).node, 12);
    QCOMPARE(audit->at(0).details.value(QStringLiteral("revocation")).toInt(), 1);
    QVERIFY(inv->usedNodeIds().contains(12));
}

void tst_Inventory::quarantineAndLift()
{
    OPEN_INVENTORY(inv, dbPath());
    VERIFY_OK(inv->setQuarantined(20, true, QStringLiteral("engine"), QStringLiteral("locked")));
    VERIFY_OK(inv->flush());
    QVERIFY((*inv->node(20))->quarantined);
    VERIFY_OK(inv->setQuarantined(20, false, QStringLiteral("console:alice"),
                                  QStringLiteral("false alarm")));
    VERIFY_OK(inv->flush());
    QVERIFY(!(*inv->node(20))->quarantined);
    const auto audit = inv->auditLog();
    VERIFY_OK(audit);
    QCOMPARE(audit->size(), 2);
    QCOMPARE(audit->at(0).what, QStringLiteral("unquarantine"));
    QCOMPARE(audit->at(1).what, QStringLiteral("quarantine"));
    // The id stays with its node: a lifted quarantine does not free it for another.
    QVERIFY(inv->usedNodeIds().contains(20));
}

void tst_Inventory::keyEpochRoundTrip()
{
    OPEN_INVENTORY(inv, dbPath());
    KeyEpoch e;
    e.epoch = 3;
    e.scope = QStringLiteral("network");
    e.keyFingerprint = QStringLiteral("1234-5678-9abc-def0");
    e.createdMs = 100;
    VERIFY_OK(inv->addKeyEpoch(e));
    KeyEpoch node;
    node.epoch = 1;
    node.scope = QStringLiteral("node:4");
    node.keyFingerprint = QStringLiteral("aaaa-bbbb-cccc-dddd");
    node.createdMs = 50;
    VERIFY_OK(inv->addKeyEpoch(node));
    e.state = KeyEpochState::Active;
    e.activatedMs = 200;
    e.createdMs = 999; // an update keeps the first creation time
    const auto receipt = inv->addKeyEpoch(e);
    VERIFY_OK(receipt);
    QCOMPARE(receipt->id, qint64(3));
    VERIFY_OK(inv->flush());
    const auto epochs = inv->keyEpochs();
    VERIFY_OK(epochs);
    QCOMPARE(epochs->size(), 2);
    QCOMPARE(epochs->at(0).scope, QStringLiteral("node:4"));
    QCOMPARE(epochs->at(1).epoch, quint32(3));
    QCOMPARE(epochs->at(1).keyFingerprint, QStringLiteral("1234-5678-9abc-def0"));
    QCOMPARE(epochs->at(1).state, KeyEpochState::Active);
    QCOMPARE(epochs->at(1).createdMs, qint64(100));
    QCOMPARE(epochs->at(1).activatedMs, qint64(200));
    QCOMPARE(epochs->at(1).retiredMs, qint64(0));
}

void tst_Inventory::jobsRoundTripAndSurviveReopen()
{
    qint64 firstId = 0;
    {
        OPEN_INVENTORY(inv, dbPath());
        Job job;
        job.node = 7;
        job.kind = QStringLiteral("key-delivery");
        job.payload = QStringLiteral("epoch:4");
        job.createdMs = 10;
        job.updatedMs = 10;
        const auto a = inv->upsertJob(job);
        VERIFY_OK(a);
        firstId = a->id;
        QCOMPARE(firstId, qint64(1));
        job.node = 8;
        job.kind = QStringLiteral("config-push");
        job.payload = QStringLiteral("whitelist:-7");
        const auto b = inv->upsertJob(job);
        VERIFY_OK(b);
        QCOMPARE(b->id, qint64(2));

        Job update;
        update.id = firstId;
        update.node = 7;
        update.kind = QStringLiteral("key-delivery");
        update.payload = QStringLiteral("epoch:4");
        update.state = JobState::Running;
        update.attempts = 2;
        update.lastError = QStringLiteral("no acknowledgement within 30 s");
        update.createdMs = 99; // ignored: the first store's time stays
        update.updatedMs = 20;
        VERIFY_OK(inv->upsertJob(update));
        VERIFY_OK(inv->flush());
    }
    OPEN_INVENTORY(inv, dbPath());
    const auto all = inv->jobs();
    VERIFY_OK(all);
    QCOMPARE(all->size(), 2);
    const Job &j = all->at(0);
    QCOMPARE(j.id, firstId);
    QCOMPARE(j.node, quint8(7));
    QCOMPARE(j.kind, QStringLiteral("key-delivery"));
    QCOMPARE(j.payload, QStringLiteral("epoch:4"));
    QCOMPARE(j.state, JobState::Running);
    QCOMPARE(j.attempts, 2);
    QCOMPARE(j.lastError, QStringLiteral("no acknowledgement within 30 s"));
    QCOMPARE(j.createdMs, qint64(10));
    QCOMPARE(j.updatedMs, qint64(20));

    JobFilter byNode;
    byNode.node = 8;
    QCOMPARE(inv->jobs(byNode)->size(), 1);
    JobFilter byState;
    byState.states = {JobState::Pending, JobState::Done};
    QCOMPARE(inv->jobs(byState)->size(), 1);
    QCOMPARE(inv->jobs(byState)->at(0).node, quint8(8));
    JobFilter byKind;
    byKind.kind = QStringLiteral("config-push");
    QCOMPARE(inv->jobs(byKind)->size(), 1);

    // Numbering continues after a reopen.
    Job third;
    third.node = 1;
    third.kind = QStringLiteral("config-push");
    const auto c = inv->upsertJob(third);
    VERIFY_OK(c);
    QCOMPARE(c->id, qint64(3));
}

void tst_Inventory::rotationRoundTrip()
{
    OPEN_INVENTORY(inv, dbPath());
    RotationRecord r;
    r.epoch = 5;
    r.scope = QStringLiteral("network");
    r.step = QStringLiteral("deliver");
    r.state = QJsonObject {{QStringLiteral("acknowledged"), QJsonArray {1, 2, 3}},
                           {QStringLiteral("usb"), QJsonArray {9}}};
    const auto a = inv->saveRotation(r);
    VERIFY_OK(a);
    r.id = a->id;
    r.step = QStringLiteral("activate");
    VERIFY_OK(inv->saveRotation(r));
    VERIFY_OK(inv->flush());
    const auto list = inv->rotations();
    VERIFY_OK(list);
    QCOMPARE(list->size(), 1);
    QCOMPARE(list->at(0).id, a->id);
    QCOMPARE(list->at(0).epoch, quint32(5));
    QCOMPARE(list->at(0).step, QStringLiteral("activate"));
    QCOMPARE(list->at(0).state, r.state);
}

void tst_Inventory::revocationPlanAndReportSurviveReopen()
{
    const QJsonObject plan {{QStringLiteral("overTheAir"), QJsonArray {1, 2}},
                            {QStringLiteral("text"), QStringLiteral("rotate away from epoch 1")}};
    {
        OPEN_INVENTORY(inv, dbPath());
        VERIFY_OK(inv->rotationReport());
        QVERIFY(!inv->rotationReport()->has_value());
        RevocationPlanRecord p;
        p.revocation = 4;
        p.node = 7;
        p.burntEpoch = 1;
        p.plan = plan;
        const auto saved = inv->saveRevocationPlan(p);
        VERIFY_OK(saved);
        QCOMPARE(saved->id, qint64(4));
        RotationReportRecord r;
        for (const qint64 id : {2, 3}) {
            r.rotation = id;
            r.step = QStringLiteral("completed");
            r.report = QJsonObject {{QStringLiteral("rotation"), id}};
            VERIFY_OK(inv->saveRotationReport(r));
        }
        // Refused at once, each naming what is wrong; nothing is stored.
        RevocationPlanRecord bad = p;
        bad.revocation = 0;
        QVERIFY(!inv->saveRevocationPlan(bad));
        QVERIFY(inv->saveRevocationPlan(bad).error().message().contains(
                QStringLiteral("revocation id")));
        bad = p;
        bad.node = 0;
        QVERIFY(!inv->saveRevocationPlan(bad));
        bad = p;
        bad.revocation = 5;
        bad.plan.insert(QStringLiteral("key"), QString(QLatin1Char('a')).repeated(64));
        const auto leaked = inv->saveRevocationPlan(bad);
        QVERIFY(!leaked);
        QVERIFY(leaked.error().message().contains(QStringLiteral("revocation plan")));
        QVERIFY(!leaked.error().message().contains(QStringLiteral("aaaaaaaa")));
        RotationReportRecord noStep = r;
        noStep.step.clear();
        QVERIFY(!inv->saveRotationReport(noStep));
        QVERIFY(inv->saveRotationReport(noStep).error().message().contains(QStringLiteral("step")));
        VERIFY_OK(inv->flush());
    }
    OPEN_INVENTORY(inv, dbPath()); // a restart: a new object over the same file
    const auto plans = inv->revocationPlans();
    VERIFY_OK(plans);
    QCOMPARE(plans->size(), 1);
    QCOMPARE(plans->at(0).revocation, qint64(4));
    QCOMPARE(plans->at(0).node, quint8(7));
    QCOMPARE(plans->at(0).burntEpoch, quint32(1));
    QCOMPARE(plans->at(0).plan, plan);
    QVERIFY(plans->at(0).createdMs > 0);
    const auto newest = inv->rotationReport();
    VERIFY_OK(newest);
    QVERIFY(newest->has_value());
    QCOMPARE((*newest)->rotation, qint64(3));
    QCOMPARE((*newest)->step, QStringLiteral("completed"));
    QVERIFY((*newest)->finishedMs > 0);
    QCOMPARE(inv->rotationReport(2)->value().report.value(QStringLiteral("rotation")).toInteger(),
             2);
    QVERIFY(!inv->rotationReport(9)->has_value());
}

void tst_Inventory::nodeSecurityRoundTrip()
{
    OPEN_INVENTORY(inv, dbPath());
    NodeSecurity sec;
    sec.serialHex = QStringLiteral("AABBCCDDEEFF001122");
    sec.linkKeyFingerprint = QStringLiteral("0123-4567-89ab-cdef");
    sec.managementKeyFingerprint = QStringLiteral("fedc-ba98-7654-3210");
    VERIFY_OK(inv->setNodeSecurity(30, sec));
    VERIFY_OK(inv->flush());
    const auto n = inv->node(30);
    VERIFY_OK(n);
    QCOMPARE((*n)->serialHex, QStringLiteral("aabbccddeeff001122"));
    QCOMPARE((*n)->linkKeyFingerprint, sec.linkKeyFingerprint);
    QCOMPARE((*n)->managementKeyFingerprint, sec.managementKeyFingerprint);
    // Clearing: empty means none.
    VERIFY_OK(inv->setNodeSecurity(30, NodeSecurity()));
    VERIFY_OK(inv->flush());
    QVERIFY((*inv->node(30))->linkKeyFingerprint.isEmpty());
}

void tst_Inventory::importantWritesRefuseBadArguments_data()
{
    QTest::addColumn<int>("call");
    QTest::addColumn<QString>("expected"); // part of the error message
    QTest::newRow("audit without who") << 0 << QStringLiteral("who is empty");
    QTest::newRow("audit without what") << 1 << QStringLiteral("what is empty");
    QTest::newRow("audit with a hex key in details") << 2 << QStringLiteral("key material");
    QTest::newRow("audit with 0x bytes in why") << 3 << QStringLiteral("key material");
    QTest::newRow("audit node 255") << 4 << QStringLiteral("-1..254");
    QTest::newRow("revoke node 0") << 5 << QStringLiteral("outside 1..254");
    QTest::newRow("revoke without why") << 6 << QStringLiteral("why is empty");
    QTest::newRow("revoke with a bad fingerprint") << 7 << QStringLiteral("not a key fingerprint");
    QTest::newRow("epoch with a key instead of a fingerprint")
            << 8 << QStringLiteral("not a key fingerprint");
    QTest::newRow("job with a key in the payload") << 9 << QStringLiteral("key material");
    QTest::newRow("job with negative attempts") << 10 << QStringLiteral("negative");
    QTest::newRow("serial of 8 bytes") << 11 << QStringLiteral("18 hex digits");
    QTest::newRow("rotation state with a key in an array") << 12 << QStringLiteral("key material");
    QTest::newRow("audit why too long") << 13 << QStringLiteral("longer than");
}

void tst_Inventory::importantWritesRefuseBadArguments()
{
    QFETCH(int, call);
    QFETCH(QString, expected);
    OPEN_INVENTORY(inv, dbPath());
    const QString key
            = QStringLiteral("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    AuditEntry a;
    a.who = QStringLiteral("console");
    a.what = QStringLiteral("test");
    Revocation r;
    r.node = 3;
    r.who = QStringLiteral("console");
    r.why = QStringLiteral("stolen");
    Job j;
    j.node = 3;
    j.kind = QStringLiteral("config-push");
    Result<InventoryReceipt> result = InventoryReceipt {};
    switch (call) {
    case 0:
        a.who.clear();
        result = inv->recordAudit(a);
        break;
    case 1:
        a.what = QStringLiteral("  ");
        result = inv->recordAudit(a);
        break;
    case 2:
        a.details = QJsonObject {
                {QStringLiteral("nested"), QJsonObject {{QStringLiteral("k"), key}}}};
        result = inv->recordAudit(a);
        break;
    case 3:
        a.why = QStringLiteral("key was 0x00,0x11,0x22,0x33, 0x44,0x55,0x66,0x77,0x88,0x99,0xAA,"
                               "0xBB,0xCC,0xDD,0xEE,0xFF");
        result = inv->recordAudit(a);
        break;
    case 4:
        a.node = 255;
        result = inv->recordAudit(a);
        break;
    case 5:
        r.node = 0;
        result = inv->revoke(r);
        break;
    case 6:
        r.why.clear();
        result = inv->revoke(r);
        break;
    case 7:
        r.linkKeyFingerprint = QStringLiteral("AB12-CD34-EF56-7890"); // upper case: not ours
        result = inv->revoke(r);
        break;
    case 8: {
        KeyEpoch e;
        e.epoch = 1;
        e.scope = QStringLiteral("network");
        e.keyFingerprint = key;
        result = inv->addKeyEpoch(e);
        break;
    }
    case 9:
        j.payload = QStringLiteral("key=") + key;
        result = inv->upsertJob(j);
        break;
    case 10:
        j.attempts = -1;
        result = inv->upsertJob(j);
        break;
    case 11: {
        NodeSecurity s;
        s.serialHex = QStringLiteral("0011223344556677");
        result = inv->setNodeSecurity(3, s);
        break;
    }
    case 12: {
        RotationRecord rot;
        rot.step = QStringLiteral("deliver");
        rot.state = QJsonObject {{QStringLiteral("keys"), QJsonArray {key}}};
        result = inv->saveRotation(rot);
        break;
    }
    case 13:
        a.why = QString(5000, u'y');
        result = inv->recordAudit(a);
        break;
    }
    QVERIFY(!result.has_value());
    QCOMPARE(result.error().code(), ErrorCode::InvalidArgument);
    QVERIFY2(result.error().message().contains(expected), qPrintable(result.error().message()));
    QVERIFY(!result.error().message().contains(key)); // never repeats the value
    QCOMPARE(inv->statistics().lastTicket, InventoryTicket(0));
}

void tst_Inventory::allocatesIdsNeverReusingTakenOnes()
{
    {
        OPEN_INVENTORY(inv, dbPath());
        QVERIFY(inv->noteFrame(1, 0, Protocol::Verdict::Verified, 1)); // seen: taken
        Revocation r;
        r.node = 2;
        r.who = QStringLiteral("console");
        r.why = QStringLiteral("stolen");
        VERIFY_OK(inv->revoke(r));
        VERIFY_OK(inv->setQuarantined(3, true, QStringLiteral("engine"), QString()));
        const auto a = inv->allocateNodeId(QStringLiteral("engine"));
        VERIFY_OK(a);
        QCOMPARE(a->id, qint64(4));
        const auto b = inv->allocateNodeId(QStringLiteral("engine"));
        VERIFY_OK(b);
        QCOMPARE(b->id, qint64(5)); // taken at once, before it is committed
        VERIFY_OK(inv->waitForCommitted(b->ticket));
        QCOMPARE(inv->usedNodeIds(), (QList<quint8> {1, 2, 3, 4, 5}));
        // The allocated ids show up as (not yet seen) nodes.
        const auto n = inv->node(4);
        VERIFY_OK(n);
        QVERIFY(n->has_value());
        QCOMPARE((*n)->lastSeenMs, qint64(0));
    }
    OPEN_INVENTORY(inv, dbPath());
    QCOMPARE(inv->usedNodeIds(), (QList<quint8> {1, 2, 3, 4, 5}));
    const auto c = inv->allocateNodeId(QStringLiteral("engine"));
    VERIFY_OK(c);
    QCOMPARE(c->id, qint64(6));
    // A revoked id stays out even after its quarantine is lifted.
    VERIFY_OK(inv->setQuarantined(2, false, QStringLiteral("console"), QStringLiteral("test")));
    const auto d = inv->allocateNodeId(QStringLiteral("engine"));
    VERIFY_OK(d);
    QCOMPARE(d->id, qint64(7));
}

void tst_Inventory::allocationRunsOut()
{
    OPEN_INVENTORY(inv, dbPath());
    QVERIFY(inv->noteFrame(100, 0, Protocol::Verdict::Verified, 1));
    QSet<qint64> ids;
    for (int i = 0; i < 253; ++i) {
        const auto a = inv->allocateNodeId(QStringLiteral("engine"));
        VERIFY_OK(a);
        QVERIFY(a->id >= 1 && a->id <= 254 && a->id != 100);
        ids.insert(a->id);
    }
    QCOMPARE(ids.size(), 253);
    const auto none = inv->allocateNodeId(QStringLiteral("engine"));
    QVERIFY(!none);
    QCOMPARE(none.error().code(), ErrorCode::Refused);
    QVERIFY(none.error().message().contains(QStringLiteral("no free node id")));
    VERIFY_OK(inv->flush());
    RawDb raw(dbPath());
    QCOMPARE(raw.scalar(QStringLiteral("SELECT count(*) FROM node_ids")).toInt(), 253);
}

void tst_Inventory::batchingCoalescesHotPath()
{
    OPEN_INVENTORY(inv, dbPath(), slowBatches());
    constexpr int kFrames = 100000;
    AuditEntry e;
    e.who = QStringLiteral("engine");
    e.what = QStringLiteral("lock");
    for (int i = 0; i < kFrames; ++i) {
        const quint8 node = quint8(1 + i % 10);
        inv->noteFrame(node, 0,
                       i % 100 ? Protocol::Verdict::Verified : Protocol::Verdict::BadSignature,
                       1000 + i);
        inv->setLastValue(node, 0, 0, QString::number(i), 1000 + i);
        if (i % 10000 == 0)
            VERIFY_OK(inv->recordAudit(e));
    }
    const InventoryStatistics before = inv->statistics();
    QCOMPARE(before.batches, quint64(0));
    QCOMPARE(before.hotCalls, quint64(2 * kFrames));
    QCOMPARE(before.queueDepth, quint64(10));
    QCOMPARE(before.pendingHotRows, quint64(10 + 10 + 10)); // nodes, children, values
    VERIFY_OK(inv->flush());
    const InventoryStatistics after = inv->statistics();
    QCOMPARE(after.batches, quint64(1));
    // 10 nodes + 11 verdict counters (bad signatures only on node 1) + 10 children + 10 values
    // + 10 audit entries.
    QCOMPARE(after.rowsWritten, quint64(51));
    QCOMPARE(after.importantCommitted, quint64(10));
    QCOMPARE(after.queueDepth, quint64(0));
    QCOMPARE(after.pendingHotRows, quint64(0));
    QCOMPARE(after.committedTicket, after.lastTicket);
    qInfo("one batch of %d frames: %llu rows in %llu us", kFrames,
          static_cast<unsigned long long>(after.rowsWritten),
          static_cast<unsigned long long>(after.lastBatchMicros));

    quint64 total = 0;
    for (int node = 1; node <= 10; ++node) {
        const auto n = inv->node(quint8(node));
        VERIFY_OK(n);
        total += (*n)->verdicts.total();
        // The latest value wins.
        const auto children = inv->children(quint8(node));
        VERIFY_OK(children);
        const int last = kFrames - 10 + node - 1;
        QCOMPARE(children->at(0).values.at(0).value, QString::number(last));
        QCOMPARE((*n)->lastSeenMs, qint64(1000 + last));
        QCOMPARE((*n)->firstSeenMs, qint64(1000 + node - 1));
    }
    QCOMPARE(total, quint64(kFrames));
    QCOMPARE((*inv->node(1))->verdicts.count(Protocol::Verdict::BadSignature),
             quint64(kFrames / 100));
}

void tst_Inventory::fullBatchCommitsBeforeInterval()
{
    Inventory::Options o;
    o.flushIntervalMs = 60000;
    o.maxBatchRecords = 10;
    OPEN_INVENTORY(inv, dbPath(), o);
    AuditEntry e;
    e.who = QStringLiteral("engine");
    e.what = QStringLiteral("lock");
    InventoryTicket tenth = 0;
    for (int i = 0; i < 10; ++i)
        tenth = inv->recordAudit(e)->ticket;
    // The batch is full: committed without flush() and long before the interval.
    VERIFY_OK(inv->waitForCommitted(tenth, 20000));
    QCOMPARE(inv->statistics().importantCommitted, quint64(10));
}

void tst_Inventory::committedSignalAndWait()
{
    Inventory::Options o;
    o.flushIntervalMs = 5;
    OPEN_INVENTORY(inv, dbPath(), o);
    QSignalSpy committed(inv.get(), &Inventory::committed);
    QSignalSpy failed(inv.get(), &Inventory::writeFailed);
    QSignalSpy errors(inv.get(), &Inventory::errorOccurred);
    AuditEntry e;
    e.who = QStringLiteral("engine");
    e.what = QStringLiteral("lock");
    const auto r = inv->recordAudit(e);
    VERIFY_OK(r);
    QTRY_VERIFY(!committed.isEmpty() && committed.last().at(0).toULongLong() >= r->ticket);
    QCOMPARE(inv->committedTicket(), r->ticket);
    VERIFY_OK(inv->waitForCommitted(r->ticket, 0)); // already there: no wait
    QVERIFY(failed.isEmpty());
    QVERIFY(errors.isEmpty());
    // A ticket never handed out is an error, not a hang.
    const auto bogus = inv->waitForCommitted(r->ticket + 100, 10);
    QVERIFY(!bogus);
    QCOMPARE(bogus.error().code(), ErrorCode::InvalidArgument);
}

void tst_Inventory::destructorCommitsQueuedWrites()
{
    {
        OPEN_INVENTORY(inv, dbPath(), slowBatches());
        AuditEntry e;
        e.who = QStringLiteral("engine");
        e.what = QStringLiteral("lock");
        VERIFY_OK(inv->recordAudit(e));
        QVERIFY(inv->noteFrame(9, 1, Protocol::Verdict::Verified, 77));
        QCOMPARE(inv->statistics().batches, quint64(0));
    }
    OPEN_INVENTORY(inv, dbPath());
    QCOMPARE(inv->auditLog()->size(), 1);
    QCOMPARE(inv->verdictCounts(9)->count(Protocol::Verdict::Verified), quint64(1));
}

void tst_Inventory::migratesVersion1()
{
    {
        QFile fixture(QStringLiteral(WARDEN_TEST_DATA_DIR "/inventory/schema-v1.sql"));
        QVERIFY(fixture.open(QIODevice::ReadOnly));
        const QString script = QString::fromUtf8(fixture.readAll());
        RawDb raw(dbPath());
        QVERIFY(raw.isOpen());
        QString statement;
        for (const QString &line : script.split(u'\n')) {
            if (line.startsWith(QLatin1String("--")))
                continue;
            statement += line + u'\n';
            if (line.trimmed().endsWith(u';')) {
                QString error;
                QVERIFY2(raw.exec(statement, &error), qPrintable(error + u' ' + statement));
                statement.clear();
            }
        }
        QCOMPARE(raw.scalar(QStringLiteral("PRAGMA user_version")).toInt(), 1);
    }
    OPEN_INVENTORY(inv, dbPath());
    const auto n = inv->node(7);
    VERIFY_OK(n);
    QVERIFY(n->has_value());
    QCOMPARE((*n)->sketchName, QStringLiteral("Weather"));
    QCOMPARE((*n)->sketchVersion, QStringLiteral("1.4"));
    QCOMPARE((*n)->libraryVersion, QStringLiteral("2.3.2"));
    QCOMPARE((*n)->nodeType, 17);
    QCOMPARE((*n)->batteryPercent, 88);
    QCOMPARE((*n)->distance, 1);
    QCOMPARE((*n)->lastSeenMs, qint64(1700000900000));
    QCOMPARE((*n)->lastHeartbeatMs, qint64(0)); // new in version 2
    QCOMPARE((*n)->serialHex, QStringLiteral("01234567890abcdef0"));
    QCOMPARE((*n)->linkKeyFingerprint, QStringLiteral("0a1b-2c3d-4e5f-6a7b"));
    QVERIFY((*n)->signingRequired);
    QCOMPARE((*n)->verdicts.count(Protocol::Verdict::Verified), quint64(1234));
    QCOMPARE((*n)->verdicts.count(Protocol::Verdict::BadSignature), quint64(3));
    QVERIFY((*inv->node(9))->revoked);
    const auto children = inv->children(7);
    VERIFY_OK(children);
    QCOMPARE(children->size(), 2);
    QCOMPARE(children->at(0).description, QStringLiteral("Outside"));
    QCOMPARE(children->at(0).values.at(0).value, QStringLiteral("21.5"));
    QCOMPARE(children->at(0).lastSeenMs, qint64(0));
    QCOMPARE(inv->revocations()->size(), 1);
    QCOMPARE(inv->revocations()->at(0).why, QStringLiteral("stolen from the shed"));
    QCOMPARE(inv->keyEpochs()->size(), 1);
    QCOMPARE(inv->keyEpochs()->at(0).state, KeyEpochState::Active);
    QCOMPARE(inv->auditLog()->size(), 1);
    QCOMPARE(inv->auditLog()->at(0).details.value(QStringLiteral("revocation")).toInt(), 1);
    QCOMPARE(inv->usedNodeIds(), (QList<quint8> {7, 9}));

    // What version 2 added works on the migrated file, and numbering continues.
    Job job;
    job.node = 7;
    job.kind = QStringLiteral("config-push");
    VERIFY_OK(inv->upsertJob(job));
    QVERIFY(inv->noteHeartbeat(7, 1700001000000));
    AuditEntry e;
    e.who = QStringLiteral("engine");
    e.what = QStringLiteral("lock");
    const auto audit = inv->recordAudit(e);
    VERIFY_OK(audit);
    QCOMPARE(audit->id, qint64(2));
    VERIFY_OK(inv->flush());
    QCOMPARE(inv->jobs()->size(), 1);
    QCOMPARE((*inv->node(7))->lastHeartbeatMs, qint64(1700001000000));
    // ... and what version 3 added (the signal report), on a node the v1 file already had.
    QVERIFY(inv->noteSignalReport(7, 'R', -71, 1700002000000));
    QVERIFY(!inv->noteSignalReport(7, 'X', -71, 1700002000000)); // not a metric of spec 10.12
    VERIFY_OK(inv->flush());
    QCOMPARE((*inv->node(7))->signalReport, -71);
    QCOMPARE((*inv->node(7))->signalMetric, QStringLiteral("R"));
    QCOMPARE((*inv->node(7))->signalReportMs, qint64(1700002000000));
    VERIFY_OK(inv->checkIntegrity());
    inv.reset();
    RawDb raw(dbPath());
    QCOMPARE(raw.scalar(QStringLiteral("PRAGMA user_version")).toInt(), Inventory::schemaVersion());
}

void tst_Inventory::refusesNewerVersion()
{
    {
        RawDb raw(dbPath());
        QVERIFY(raw.exec(QStringLiteral("PRAGMA application_id = 1463898692")));
        QVERIFY(raw.exec(
                QStringLiteral("CREATE TABLE nodes (id INTEGER PRIMARY KEY, hologram TEXT)")));
        QVERIFY(raw.exec(QStringLiteral("PRAGMA user_version = 99")));
    }
    const QByteArray before = fileBytes(dbPath());
    const auto opened = Inventory::open(dbPath());
    QVERIFY(!opened);
    QCOMPARE(opened.error().code(), ErrorCode::Refused);
    const QString message = opened.error().message();
    QVERIFY2(message.contains(QStringLiteral("newer")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("99")), qPrintable(message));
    QVERIFY2(message.contains(QFileInfo(dbPath()).absoluteFilePath()), qPrintable(message));
    QCOMPARE(fileBytes(dbPath()), before);
    QVERIFY(!QFile::exists(dbPath() + QStringLiteral("-wal")));
}

void tst_Inventory::refusesForeignOrDamagedFiles_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("expected");
    QTest::newRow("text file") << 0 << QStringLiteral("not a Warden inventory");
    QTest::newRow("random bytes") << 1 << QStringLiteral("not a Warden inventory");
    QTest::newRow("another program's database") << 2 << QStringLiteral("another program");
    QTest::newRow("inventory with damaged pages") << 3 << QStringLiteral("damaged");
    QTest::newRow("truncated inventory") << 4 << QStringLiteral("damaged");
    QTest::newRow("foreign application id") << 5 << QStringLiteral("application id");
}

void tst_Inventory::refusesForeignOrDamagedFiles()
{
    QFETCH(int, kind);
    QFETCH(QString, expected);
    const QString path = dbPath();
    auto writeFile = [&](const QByteArray &bytes) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(f.write(bytes), bytes.size());
    };
    auto makeInventory = [&] {
        OPEN_INVENTORY(inv, path);
        AuditEntry e;
        e.who = QStringLiteral("engine");
        e.what = QStringLiteral("lock");
        for (int i = 0; i < 2000; ++i) {
            e.why = QStringLiteral("filler %1 ").arg(i).repeated(8);
            VERIFY_OK(inv->recordAudit(e));
        }
        VERIFY_OK(inv->flush());
    };
    auto checkpoint = [&] {
        // Fold the log into the main file, so that damage to it is damage to the inventory.
        RawDb raw(path);
        QVERIFY(raw.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)")));
        QVERIFY(raw.exec(QStringLiteral("PRAGMA journal_mode = DELETE")));
    };
    switch (kind) {
    case 0:
        writeFile("This is a shopping list, not a database.\nmilk\neggs\n");
        break;
    case 1: {
        QByteArray bytes(8192, '\0');
        QRandomGenerator gen(42);
        for (char &c : bytes)
            c = char(gen.bounded(256));
        writeFile(bytes);
        break;
    }
    case 2: {
        RawDb raw(path);
        QVERIFY(raw.exec(QStringLiteral("CREATE TABLE recipes (name TEXT)")));
        break;
    }
    case 3:
    case 4: {
        makeInventory();
        checkpoint();
        QByteArray bytes = fileBytes(path);
        QVERIFY(bytes.size() > 64 * 1024);
        if (kind == 3) {
            // Scribble over the middle pages, leaving the header intact.
            for (qsizetype i = bytes.size() / 3; i < bytes.size() / 3 + 8192; ++i)
                bytes[i] = char(0x5a);
        } else {
            bytes.truncate(bytes.size() / 2);
        }
        writeFile(bytes);
        break;
    }
    case 5: {
        RawDb raw(path);
        QVERIFY(raw.exec(QStringLiteral("PRAGMA application_id = 1234")));
        QVERIFY(raw.exec(QStringLiteral("CREATE TABLE nodes (id INTEGER)")));
        QVERIFY(raw.exec(QStringLiteral("PRAGMA user_version = 1")));
        break;
    }
    }
    if (QTest::currentTestFailed())
        return;
    const QByteArray before = fileBytes(path);
    const auto opened = Inventory::open(path);
    QVERIFY(!opened);
    const QString message = opened.error().message();
    QVERIFY2(message.contains(expected), qPrintable(message));
    QVERIFY2(message.contains(QFileInfo(path).absoluteFilePath()), qPrintable(message));
    QCOMPARE(fileBytes(path), before); // never overwritten
    // And a second attempt says the same, without a crash.
    const auto again = Inventory::open(path);
    QVERIFY(!again);
    QCOMPARE(again.error().message(), message);
}

void tst_Inventory::refusesSecondWriter()
{
    OPEN_INVENTORY(inv, dbPath());
    const auto second = Inventory::open(dbPath());
    QVERIFY(!second);
    QCOMPARE(second.error().code(), ErrorCode::Refused);
    QVERIFY2(second.error().message().contains(QStringLiteral("open for writing")),
             qPrintable(second.error().message()));
    inv.reset();
    OPEN_INVENTORY(again, dbPath()); // the lock went with the first
}

void tst_Inventory::readOnlyRefusesWrites()
{
    {
        OPEN_INVENTORY(inv, dbPath());
    }
    Inventory::Options o;
    o.readOnly = true;
    OPEN_INVENTORY(reader, dbPath(), o);
    QVERIFY(reader->isReadOnly());
    QVERIFY(!reader->noteFrame(1, 0, Protocol::Verdict::Verified, 1));
    AuditEntry e;
    e.who = QStringLiteral("engine");
    e.what = QStringLiteral("lock");
    const auto r = reader->recordAudit(e);
    QVERIFY(!r);
    QVERIFY(r.error().message().contains(QStringLiteral("read-only")));
    VERIFY_OK(reader->nodes());
    const auto missing = Inventory::open(m_dir->filePath(QStringLiteral("missing.db")), o);
    QVERIFY(!missing);
    QVERIFY(!QFile::exists(m_dir->filePath(QStringLiteral("missing.db"))));
}

void tst_Inventory::concurrentReaderWhileWriting()
{
    // Commits only at flush(): each batch is one round, which the reader checks.
    OPEN_INVENTORY(writer, dbPath(), slowBatches());
    constexpr int kRounds = 20;
    constexpr int kPerRound = 100;
    std::atomic<bool> done {false};
    std::atomic<int> reads {0};
    QString readerError;
    std::thread reader;
    // Whatever happens below, the reader is told to stop and joined.
    const auto joinReader = qScopeGuard([&] {
        done = true;
        if (reader.joinable())
            reader.join();
    });
    reader = std::thread([&] {
        Inventory::Options ro;
        ro.readOnly = true;
        ro.checkIntegrity = false;
        auto opened = Inventory::open(dbPath(), ro);
        if (!opened) {
            readerError = opened.error().message();
            return;
        }
        std::unique_ptr<Inventory> inv = std::move(*opened);
        qsizetype previous = 0;
        AuditFilter all;
        all.limit = 0;
        for (;;) {
            const bool last = done.load();
            const auto entries = inv->auditLog(all);
            const auto counts = inv->verdictCounts(1);
            if (!entries || !counts) {
                readerError = entries ? counts.error().message() : entries.error().message();
                return;
            }
            // Each batch is one transaction: a reader sees whole batches, never fewer rows
            // than before.
            if (entries->size() < previous || entries->size() % kPerRound != 0) {
                readerError = QStringLiteral("saw %1 entries after %2")
                                      .arg(entries->size())
                                      .arg(previous);
                return;
            }
            previous = entries->size();
            ++reads;
            if (last) {
                if (previous != kRounds * kPerRound)
                    readerError = QStringLiteral("saw %1 entries at the end").arg(previous);
                return;
            }
        }
    });
    AuditEntry e;
    e.who = QStringLiteral("engine");
    e.what = QStringLiteral("lock");
    for (int round = 0; round < kRounds; ++round) {
        for (int i = 0; i < kPerRound; ++i) {
            QVERIFY(writer->noteFrame(1, 0, Protocol::Verdict::Verified, i + 1));
            Q_UNUSED(writer->recordAudit(e));
        }
        VERIFY_OK(writer->flush());
        // The writer's own reads go on beside the other reader.
        QCOMPARE(writer->auditLog(AuditFilter {std::nullopt, QString(), 0, 0, 0})->size(),
                 (round + 1) * kPerRound);
    }
    done = true;
    reader.join();
    QVERIFY2(readerError.isEmpty(), qPrintable(readerError));
    QVERIFY(reads.load() > 0);
    qInfo("the reader read %d times while %d batches were written", reads.load(), kRounds);
}

void tst_Inventory::noSecretBytesInFile()
{
    const auto linkKey = SecretBytes::random(32);
    const auto mgmtKey = SecretBytes::random(32);
    const auto netKey = SecretBytes::random(32);
    VERIFY_OK(linkKey);
    VERIFY_OK(mgmtKey);
    VERIFY_OK(netKey);
    {
        OPEN_INVENTORY(inv, dbPath());
        NodeSecurity sec;
        sec.serialHex = QStringLiteral("0102030405060708aa");
        sec.linkKeyFingerprint = linkKey->fingerprint();
        sec.managementKeyFingerprint = mgmtKey->fingerprint();
        VERIFY_OK(inv->setNodeSecurity(4, sec));
        KeyEpoch epoch;
        epoch.epoch = 2;
        epoch.scope = QStringLiteral("network");
        epoch.keyFingerprint = netKey->fingerprint();
        VERIFY_OK(inv->addKeyEpoch(epoch));
        AuditEntry e;
        e.who = QStringLiteral("console:alice");
        e.what = QStringLiteral("personalize");
        e.node = 4;
        e.details = QJsonObject {{QStringLiteral("linkKey"), linkKey->fingerprint()},
                                 {QStringLiteral("managementKey"), mgmtKey->fingerprint()}};
        VERIFY_OK(inv->recordAudit(e));
        Revocation r;
        r.node = 4;
        r.who = QStringLiteral("console:alice");
        r.why = QStringLiteral("lost");
        r.linkKeyFingerprint = linkKey->fingerprint();
        VERIFY_OK(inv->revoke(r));
        // The raw key, as hex, is refused wherever a caller might slip it in.
        const QByteArray hex
                = QByteArray(reinterpret_cast<const char *>(linkKey->data()), 32).toHex();
        e.details = QJsonObject {{QStringLiteral("linkKey"), QString::fromLatin1(hex)}};
        QVERIFY(!inv->recordAudit(e));
        VERIFY_OK(inv->flush());
        QCOMPARE((*inv->node(4))->managementKeyFingerprint, mgmtKey->fingerprint());
    }
    // Every file the inventory wrote: the database, and its log if one is left.
    QByteArray everything;
    for (const QString &name : QDir(m_dir->path()).entryList(QDir::Files))
        everything += fileBytes(m_dir->filePath(name));
    QVERIFY(everything.contains(linkKey->fingerprint().toLatin1()));
    for (const SecretBytes *key : {&*linkKey, &*mgmtKey, &*netKey}) {
        const QByteArray raw(reinterpret_cast<const char *>(key->data()), qsizetype(key->size()));
        QVERIFY(!everything.contains(raw));
        QVERIFY(!everything.contains(raw.toHex()));
        QVERIFY(!everything.contains(raw.toHex().toUpper()));
        QVERIFY(!everything.contains(raw.left(16))); // not even half of one
    }
}

QTEST_GUILESS_MAIN(tst_Inventory)
#include "tst_inventory.moc"
