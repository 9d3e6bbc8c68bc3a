// The writer thread: takes the coalesced hot-path image and the queued important writes in
// one swap, writes them in one transaction on its own connection, and only then says they are
// committed. A batch that fails stays in hand and is retried; a single write that SQLite
// refuses for its data is isolated (savepoints) and reported, the rest of the batch goes on.
#include "inventory_p.h"
#include "schema_p.h"

#include <QtCore/QDeadlineTimer>
#include <QtCore/QJsonDocument>
#include <QtSql/QSqlQuery>

namespace Warden {
namespace Internal {

namespace {

constexpr size_t kMaxFailedTickets = 1024;
constexpr size_t kMaxErrorSignals = 64;
constexpr int kGiveUpAttemptsWhenStopping = 3;

QVariant nullInt()
{
    return QVariant(QMetaType::fromType<qint64>());
}

QVariant intOrNull(qint64 value, bool present)
{
    return present ? QVariant(value) : nullInt();
}

QVariant textOrNull(const QString &value)
{
    return value.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(value);
}

/// For NOT NULL columns: QtSql binds a null QString as NULL.
QVariant text(const QString &value)
{
    return value.isNull() ? QVariant(QStringLiteral("")) : QVariant(value);
}

QString compactJson(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

/// SQLite refused the data of one statement (a constraint, a type): that write alone fails.
/// Anything else (I/O, full disk, busy, corruption) is the database's problem: the whole
/// batch is kept and retried.
bool isDataError(const QSqlError &error)
{
    bool ok = false;
    const int code = error.nativeErrorCode().toInt(&ok) & 0xff;
    return ok
           && (code == 19 /* SQLITE_CONSTRAINT */ || code == 20 /* SQLITE_MISMATCH */
               || code == 18 /* SQLITE_TOOBIG */ || code == 25 /* SQLITE_RANGE */);
}

} // namespace

struct InventoryWriter::Connection
{
    QSqlDatabase db; // first, so that it outlives the queries
    QSqlQuery upsertNode;
    QSqlQuery addVerdicts;
    QSqlQuery upsertChild;
    QSqlQuery upsertValue;
    QSqlQuery insertAudit;
    QSqlQuery insertRevocation;
    QSqlQuery revokeNode;
    QSqlQuery setIdState;
    QSqlQuery allocateId;
    QSqlQuery ensureNode;
    QSqlQuery setNodeQuarantined;
    QSqlQuery readmitNode;
    QSqlQuery upsertEpoch;
    QSqlQuery upsertJob;
    QSqlQuery upsertRotation;
    QSqlQuery setSecurity;
    QSqlQuery upsertRevocationPlan;
    QSqlQuery upsertRotationReport;
    QString lastError;

    /// Runs a prepared statement with @p values bound in order.
    Step run(QSqlQuery &query, std::initializer_list<QVariant> values, quint64 &rows)
    {
        int i = 0;
        for (const QVariant &v : values)
            query.bindValue(i++, v);
        if (query.exec()) {
            ++rows;
            return Step::Ok;
        }
        lastError = Schema::sqliteText(query.lastError());
        return isDataError(query.lastError()) ? Step::DataError : Step::DatabaseError;
    }

    bool plain(const char *sql)
    {
        QSqlQuery q(db);
        if (q.exec(QString::fromLatin1(sql)))
            return true;
        lastError = Schema::sqliteText(q.lastError());
        return false;
    }
};

InventoryWriter::InventoryWriter(InventoryPrivate *owner)
    : d(owner)
    , m_spare(std::make_unique<HotState>())
{
    setObjectName(QStringLiteral("warden.inventory.writer"));
}

InventoryWriter::~InventoryWriter()
{
    wait();
}

Result<void> InventoryWriter::startAndWait()
{
    start();
    QMutexLocker lock(&m_readyMutex);
    while (!m_ready)
        m_readyCondition.wait(&m_readyMutex);
    if (m_startError) {
        lock.unlock();
        wait();
        return tl::unexpected(*m_startError);
    }
    return {};
}

Result<void> InventoryWriter::openConnection(Connection &c)
{
    const QString &path = d->m_path;
    c.db.setDatabaseName(path);
    c.db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!c.db.open()) {
        return fail(ErrorCode::Refused, QStringLiteral("the inventory writer cannot open '%1' (%2)")
                                                .arg(path, Schema::sqliteText(c.db.lastError())));
    }
    // FULL: the log is synced at every commit, so an acknowledged batch survives a power loss
    // too; with one commit per batch this costs one fsync per batch, not per record.
    const bool full = d->m_options.durability == Inventory::Durability::Full;
    if (!c.plain(full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
        || !c.plain("PRAGMA journal_size_limit = 67108864")) {
        return fail(ErrorCode::Refused,
                    QStringLiteral("the inventory writer cannot set up '%1' (%2)")
                            .arg(path, c.lastError));
    }

    struct Prepared
    {
        QSqlQuery *query;
        const char *sql;
    };
    const Prepared statements[] = {
            {&c.upsertNode, R"(INSERT INTO nodes (id, node_type, library_version, sketch_name,
    sketch_version, parent, distance, battery, first_seen_ms, last_seen_ms, last_heartbeat_ms,
    signing_required, whitelist_required, signal_report, signal_metric, signal_report_ms)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    node_type = coalesce(excluded.node_type, node_type),
    library_version = coalesce(excluded.library_version, library_version),
    sketch_name = coalesce(excluded.sketch_name, sketch_name),
    sketch_version = coalesce(excluded.sketch_version, sketch_version),
    parent = coalesce(excluded.parent, parent),
    distance = CASE WHEN excluded.parent IS NULL THEN distance ELSE excluded.distance END,
    battery = coalesce(excluded.battery, battery),
    first_seen_ms = coalesce(first_seen_ms, excluded.first_seen_ms),
    last_seen_ms = max(coalesce(last_seen_ms, 0), coalesce(excluded.last_seen_ms, 0)),
    last_heartbeat_ms = coalesce(excluded.last_heartbeat_ms, last_heartbeat_ms),
    signing_required = coalesce(excluded.signing_required, signing_required),
    whitelist_required = coalesce(excluded.whitelist_required, whitelist_required),
    signal_report = coalesce(excluded.signal_report, signal_report),
    signal_metric = coalesce(excluded.signal_metric, signal_metric),
    signal_report_ms = coalesce(excluded.signal_report_ms, signal_report_ms))"},
            {&c.addVerdicts, R"(INSERT INTO verdict_counts (node, verdict, count) VALUES (?, ?, ?)
ON CONFLICT (node, verdict) DO UPDATE SET count = count + excluded.count)"},
            {&c.upsertChild, R"(INSERT INTO children (node, child, sensor_type, description,
    last_seen_ms) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (node, child) DO UPDATE SET
    sensor_type = coalesce(excluded.sensor_type, sensor_type),
    description = coalesce(excluded.description, description),
    last_seen_ms = max(coalesce(last_seen_ms, 0), coalesce(excluded.last_seen_ms, 0)))"},
            {&c.upsertValue, R"(INSERT INTO child_values (node, child, value_type, value, when_ms)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (node, child, value_type) DO UPDATE SET
    value = excluded.value, when_ms = excluded.when_ms)"},
            {&c.insertAudit, R"(INSERT INTO audit_log (id, when_ms, who, what, why, node, details)
VALUES (?, ?, ?, ?, ?, ?, ?))"},
            {&c.insertRevocation,
             R"(INSERT INTO revocations (id, node, serial_hex, link_key_fp, who,
    when_ms, why) VALUES (?, ?, ?, ?, ?, ?, ?))"},
            {&c.revokeNode, R"(INSERT INTO nodes (id, revoked, quarantined) VALUES (?, 1, 1)
ON CONFLICT (id) DO UPDATE SET revoked = 1, quarantined = 1, link_key_fp = NULL)"},
            {&c.setIdState, R"(INSERT INTO node_ids (id, state, since_ms, who) VALUES (?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET state = excluded.state, since_ms = excluded.since_ms,
    who = excluded.who)"},
            // No upsert: an id handed out twice must fail loudly, never overwrite a quarantine.
            {&c.allocateId, R"(INSERT INTO node_ids (id, state, since_ms, who)
VALUES (?, 'allocated', ?, ?))"},
            {&c.ensureNode, "INSERT OR IGNORE INTO nodes (id) VALUES (?)"},
            {&c.setNodeQuarantined, R"(INSERT INTO nodes (id, quarantined) VALUES (?, ?)
ON CONFLICT (id) DO UPDATE SET quarantined = excluded.quarantined)"},
            {&c.readmitNode, "UPDATE nodes SET revoked = 0 WHERE id = ?"},
            {&c.upsertEpoch, R"(INSERT INTO key_epochs (epoch, scope, key_fp, state, created_ms,
    activated_ms, retired_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (epoch, scope) DO UPDATE SET key_fp = excluded.key_fp, state = excluded.state,
    activated_ms = excluded.activated_ms, retired_ms = excluded.retired_ms)"},
            {&c.upsertJob,
             R"(INSERT INTO jobs (id, node, kind, payload, state, attempts, last_error,
    created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET node = excluded.node, kind = excluded.kind,
    payload = excluded.payload, state = excluded.state, attempts = excluded.attempts,
    last_error = excluded.last_error, updated_ms = excluded.updated_ms)"},
            {&c.upsertRotation, R"(INSERT INTO rotations (id, epoch, scope, step, state, created_ms,
    updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET epoch = excluded.epoch, scope = excluded.scope,
    step = excluded.step, state = excluded.state, updated_ms = excluded.updated_ms)"},
            {&c.setSecurity, R"(INSERT INTO nodes (id, serial_hex, link_key_fp, mgmt_key_fp)
VALUES (?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET serial_hex = excluded.serial_hex,
    link_key_fp = excluded.link_key_fp, mgmt_key_fp = excluded.mgmt_key_fp)"},
            {&c.upsertRevocationPlan, R"(INSERT INTO revocation_plans (revocation, node,
    burnt_epoch, plan, created_ms) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (revocation) DO UPDATE SET node = excluded.node,
    burnt_epoch = excluded.burnt_epoch, plan = excluded.plan)"},
            {&c.upsertRotationReport, R"(INSERT INTO rotation_reports (rotation, step, report,
    finished_ms) VALUES (?, ?, ?, ?)
ON CONFLICT (rotation) DO UPDATE SET step = excluded.step, report = excluded.report,
    finished_ms = excluded.finished_ms)"},
    };
    for (const Prepared &p : statements) {
        *p.query = QSqlQuery(c.db);
        if (!p.query->prepare(QString::fromLatin1(p.sql))) {
            return fail(ErrorCode::Refused,
                        QStringLiteral("the inventory writer cannot prepare its statements for "
                                       "'%1' (%2)")
                                .arg(path, Schema::sqliteText(p.query->lastError())));
        }
    }
    return {};
}

void InventoryWriter::run()
{
    const QString name = Schema::newConnectionName("writer");
    {
        Connection c;
        c.db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        Result<void> opened = openConnection(c);
        {
            QMutexLocker lock(&m_readyMutex);
            m_ready = true;
            if (!opened)
                m_startError = opened.error();
            m_readyCondition.wakeAll();
        }
        if (opened) {
            std::unique_ptr<HotState> hot = std::move(m_spare);
            std::vector<Op> ops;
            for (;;) {
                quint64 flushSeq = 0;
                {
                    QMutexLocker lock(&d->m_mutex);
                    bool haveWork = false;
                    for (;;) {
                        const bool flushWanted = d->m_flushRequested > d->m_flushDone;
                        haveWork = !d->m_hot->isEmpty() || !d->m_ops.empty() || flushWanted;
                        if (!haveWork) {
                            if (d->m_stopping)
                                break;
                            d->m_wake.wait(&d->m_mutex);
                            continue;
                        }
                        const auto maxBatch = size_t(d->m_options.maxBatchRecords);
                        if (d->m_stopping || flushWanted || d->m_ops.size() >= maxBatch
                            || size_t(d->m_hot->rows()) >= maxBatch || d->m_firstPendingAt < 0)
                            break;
                        // Let the batch fill up until the interval since its first write is over.
                        const qint64 due = d->m_firstPendingAt + d->m_options.flushIntervalMs;
                        const qint64 now = d->m_clock.elapsed();
                        if (now >= due)
                            break;
                        d->m_wake.wait(&d->m_mutex, QDeadlineTimer(due - now));
                    }
                    if (!haveWork)
                        break; // stopping, and everything is written
                    std::swap(hot, d->m_hot);
                    ops.swap(d->m_ops);
                    flushSeq = d->m_flushRequested;
                    d->m_firstPendingAt = -1;
                }
                commitBatch(c, hot, ops, flushSeq);
                hot->clear();
                ops.clear();
            }
        }
    }
    QSqlDatabase::removeDatabase(name);
}

void InventoryWriter::commitBatch(Connection &c, std::unique_ptr<HotState> &hot,
                                  std::vector<Op> &ops, quint64 flushSeq)
{
    const InventoryTicket upTo = ops.empty() ? 0 : ops.back().ticket;
    const bool empty = hot->isEmpty() && ops.empty();
    for (int attempt = 1;; ++attempt) {
        std::vector<std::pair<InventoryTicket, Error>> failed;
        QString error;
        quint64 rows = 0;
        QElapsedTimer timer;
        timer.start();
        Outcome outcome = Outcome::Committed;
        if (!empty) {
            outcome = applyBatch(c, *hot, ops, false, failed, error, rows);
            if (outcome == Outcome::StatementFailed) {
                failed.clear();
                rows = 0;
                outcome = applyBatch(c, *hot, ops, true, failed, error, rows);
            }
        }
        const quint64 micros = quint64(timer.nsecsElapsed() / 1000);
        if (outcome == Outcome::Committed) {
            {
                QMutexLocker lock(&d->m_mutex);
                d->m_committedTicket = std::max(d->m_committedTicket, upTo);
                d->m_flushDone = std::max(d->m_flushDone, flushSeq);
                if (!empty) {
                    ++d->m_stats.batches;
                    d->m_stats.rowsWritten += rows;
                    d->m_stats.importantCommitted += ops.size() - failed.size();
                    d->m_stats.lastBatchMicros = micros;
                    d->m_stats.maxBatchMicros = std::max(d->m_stats.maxBatchMicros, micros);
                }
                for (const auto &f : failed) {
                    d->m_failedTickets.push_back(f);
                    if (d->m_failedTickets.size() > kMaxFailedTickets)
                        d->m_failedTickets.pop_front();
                    d->m_failureSignals.push_back(f);
                }
                d->m_writerError.reset();
                d->m_settled.wakeAll();
            }
            for (const auto &f : failed)
                qCWarning(lcInventory, "%s", qUtf8Printable(f.second.message()));
            if (upTo != 0 || !failed.empty())
                d->postSignals();
            return;
        }

        Error failure(ErrorCode::Refused,
                      QStringLiteral("writing to the inventory '%1' failed (%2); the batch (%3 "
                                     "writes, %4 coalesced rows) is kept and retried")
                              .arg(d->m_path, error)
                              .arg(ops.size())
                              .arg(hot->rows()));
        qCWarning(lcInventory, "%s", qUtf8Printable(failure.message()));
        bool stopping = false;
        {
            QMutexLocker lock(&d->m_mutex);
            ++d->m_stats.failedAttempts;
            d->m_writerError = failure;
            if (d->m_errorSignals.size() < kMaxErrorSignals)
                d->m_errorSignals.push_back(failure);
            d->m_settled.wakeAll();
            stopping = d->m_stopping;
            if (stopping && attempt >= kGiveUpAttemptsWhenStopping) {
                qCCritical(lcInventory,
                           "closing the inventory '%s' with a failing database: %zu writes and "
                           "%lld coalesced rows are lost",
                           qUtf8Printable(d->m_path), ops.size(), qlonglong(hot->rows()));
                return;
            }
            // Back off (50 ms doubling to 2 s), waking early when the inventory closes.
            const int delay = std::min(2000, 50 << std::min(attempt, 6));
            if (!stopping)
                d->m_wake.wait(&d->m_mutex, QDeadlineTimer(delay));
        }
        d->postSignals();
    }
}

InventoryWriter::Outcome
InventoryWriter::applyBatch(Connection &c, const HotState &hot, const std::vector<Op> &ops,
                            bool isolate, std::vector<std::pair<InventoryTicket, Error>> &failed,
                            QString &error, quint64 &rows)
{
    // IMMEDIATE: take the write lock now rather than fail at the first write.
    if (!c.plain("BEGIN IMMEDIATE")) {
        error = c.lastError;
        return Outcome::DatabaseFailed;
    }
    auto rollback = [&](Outcome outcome) {
        error = c.lastError;
        c.plain("ROLLBACK");
        return outcome;
    };
    if (!applyHot(c, hot, error, rows))
        return rollback(Outcome::DatabaseFailed);
    for (const Op &op : ops) {
        if (isolate && !c.plain("SAVEPOINT op"))
            return rollback(Outcome::DatabaseFailed);
        const quint64 before = rows;
        const Step step = applyOp(c, op, rows);
        if (step == Step::Ok) {
            if (isolate && !c.plain("RELEASE op"))
                return rollback(Outcome::DatabaseFailed);
            continue;
        }
        if (step == Step::DatabaseError)
            return rollback(Outcome::DatabaseFailed);
        const QString opError = c.lastError;
        if (!isolate)
            return rollback(Outcome::StatementFailed);
        rows = before;
        if (!c.plain("ROLLBACK TO op") || !c.plain("RELEASE op"))
            return rollback(Outcome::DatabaseFailed);
        failed.emplace_back(
                op.ticket,
                Error(ErrorCode::Refused, QStringLiteral("the inventory '%1' refused write %2 (%3)")
                                                  .arg(d->m_path)
                                                  .arg(op.ticket)
                                                  .arg(opError)));
    }
    if (!c.plain("COMMIT"))
        return rollback(Outcome::DatabaseFailed);
    return Outcome::Committed;
}

bool InventoryWriter::applyHot(Connection &c, const HotState &hot, QString &error, quint64 &rows)
{
    for (quint8 id : hot.dirtyNodes) {
        const PendingNode &n = hot.nodes[id];
        const quint32 f = n.fields;
        const Step s = c.run(
                c.upsertNode,
                {int(id), intOrNull(n.nodeType, f & kFieldNodeType),
                 (f & kFieldLibrary) ? QVariant(n.libraryVersion) : textOrNull({}),
                 (f & kFieldSketchName) ? QVariant(n.sketchName) : textOrNull({}),
                 (f & kFieldSketchVersion) ? QVariant(n.sketchVersion) : textOrNull({}),
                 intOrNull(n.parent, f & kFieldParent),
                 intOrNull(n.distance, (f & kFieldParent) && n.distance >= 0),
                 intOrNull(n.battery, f & kFieldBattery),
                 intOrNull(n.firstSeenMs, n.firstSeenMs > 0),
                 intOrNull(n.lastSeenMs, n.lastSeenMs > 0),
                 intOrNull(n.heartbeatMs, f & kFieldHeartbeat),
                 intOrNull(n.signing, f & kFieldSigning), intOrNull(n.whitelist, f & kFieldSigning),
                 intOrNull(n.signalReport, f & kFieldSignal),
                 (f & kFieldSignal) ? QVariant(QString(QLatin1Char(n.signalMetric)))
                                    : textOrNull({}),
                 intOrNull(n.signalReportMs, f & kFieldSignal)},
                rows);
        if (s != Step::Ok) {
            error = c.lastError;
            return false;
        }
        for (int i = 0; i < n.verdictSlots; ++i) {
            const VerdictSlot &slot = n.verdicts[size_t(i)];
            if (c.run(c.addVerdicts,
                      {int(id), QString::fromLatin1(slot.name.data()), qint64(slot.count)}, rows)
                != Step::Ok) {
                error = c.lastError;
                return false;
            }
        }
    }
    for (const auto &[key, child] : hot.children) {
        const bool presented = child.sensorType >= 0;
        if (c.run(c.upsertChild,
                  {int(key >> 8), int(key & 0xff), intOrNull(child.sensorType, presented),
                   presented ? text(child.description) : textOrNull({}),
                   intOrNull(child.lastSeenMs, child.lastSeenMs > 0)},
                  rows)
            != Step::Ok) {
            error = c.lastError;
            return false;
        }
    }
    for (const auto &[key, value] : hot.values) {
        if (c.run(c.upsertValue,
                  {int(key >> 16), int((key >> 8) & 0xff), int(key & 0xff), text(value.value),
                   value.whenMs},
                  rows)
            != Step::Ok) {
            error = c.lastError;
            return false;
        }
    }
    return true;
}

InventoryWriter::Step InventoryWriter::applyOp(Connection &c, const Op &op, quint64 &rows)
{
    Step s = Step::Ok;
    auto then = [&](QSqlQuery &query, std::initializer_list<QVariant> values) {
        if (s == Step::Ok)
            s = c.run(query, values, rows);
    };
    auto audit = [&](qint64 id, qint64 when, const QString &who, const QString &what,
                     const QString &why, int node, const QJsonObject &details) {
        then(c.insertAudit, {id, when, text(who), text(what), text(why), intOrNull(node, node >= 0),
                             compactJson(details)});
    };

    if (const auto *a = std::get_if<AuditOp>(&op.what)) {
        const AuditEntry &e = a->entry;
        audit(e.id, e.whenMs, e.who, e.what, e.why, e.node, e.details);
    } else if (const auto *r = std::get_if<RevokeOp>(&op.what)) {
        const Revocation &v = r->revocation;
        then(c.insertRevocation,
             {v.id, int(v.node), textOrNull(v.serialHex), textOrNull(v.linkKeyFingerprint),
              text(v.who), v.whenMs, text(v.why)});
        then(c.revokeNode, {int(v.node)});
        then(c.setIdState, {int(v.node), QStringLiteral("quarantined"), v.whenMs, text(v.who)});
        QJsonObject details {{QStringLiteral("revocation"), v.id}};
        if (!v.serialHex.isEmpty())
            details.insert(QStringLiteral("serial"), v.serialHex);
        if (!v.linkKeyFingerprint.isEmpty())
            details.insert(QStringLiteral("linkKey"), v.linkKeyFingerprint);
        audit(r->auditId, v.whenMs, v.who, QStringLiteral("revoke"), v.why, v.node, details);
    } else if (const auto *qo = std::get_if<QuarantineOp>(&op.what)) {
        then(c.setNodeQuarantined, {int(qo->node), int(qo->quarantined)});
        if (qo->readmit)
            then(c.readmitNode, {int(qo->node)});
        then(c.setIdState,
             {int(qo->node),
              qo->quarantined ? QStringLiteral("quarantined") : QStringLiteral("allocated"),
              qo->whenMs, text(qo->who)});
        audit(qo->auditId, qo->whenMs, qo->who,
              qo->readmit       ? QStringLiteral("readmit")
              : qo->quarantined ? QStringLiteral("quarantine")
                                : QStringLiteral("unquarantine"),
              qo->why, qo->node, qo->details);
    } else if (const auto *al = std::get_if<AllocateOp>(&op.what)) {
        then(c.allocateId, {int(al->node), al->whenMs, text(al->who)});
        then(c.ensureNode, {int(al->node)});
    } else if (const auto *ep = std::get_if<EpochOp>(&op.what)) {
        const KeyEpoch &e = ep->epoch;
        then(c.upsertEpoch,
             {qint64(e.epoch), text(e.scope), text(e.keyFingerprint), epochStateName(e.state),
              e.createdMs, intOrNull(e.activatedMs, e.activatedMs > 0),
              intOrNull(e.retiredMs, e.retiredMs > 0)});
    } else if (const auto *jo = std::get_if<JobOp>(&op.what)) {
        const Job &j = jo->job;
        then(c.upsertJob, {j.id, int(j.node), text(j.kind), text(j.payload), jobStateName(j.state),
                           j.attempts, textOrNull(j.lastError), j.createdMs, j.updatedMs});
    } else if (const auto *ro = std::get_if<RotationOp>(&op.what)) {
        const RotationRecord &r2 = ro->rotation;
        then(c.upsertRotation, {r2.id, qint64(r2.epoch), text(r2.scope), text(r2.step),
                                compactJson(r2.state), r2.createdMs, r2.updatedMs});
    } else if (const auto *so = std::get_if<SecurityOp>(&op.what)) {
        then(c.setSecurity, {int(so->node), textOrNull(so->security.serialHex),
                             textOrNull(so->security.linkKeyFingerprint),
                             textOrNull(so->security.managementKeyFingerprint)});
    } else if (const auto *po = std::get_if<RevocationPlanOp>(&op.what)) {
        const RevocationPlanRecord &p = po->plan;
        then(c.upsertRevocationPlan,
             {p.revocation, int(p.node), qint64(p.burntEpoch), compactJson(p.plan), p.createdMs});
    } else if (const auto *rr = std::get_if<RotationReportOp>(&op.what)) {
        const RotationReportRecord &r3 = rr->report;
        then(c.upsertRotationReport,
             {r3.rotation, text(r3.step), compactJson(r3.report), r3.finishedMs});
    }
    return s;
}

} // namespace Internal
} // namespace Warden
