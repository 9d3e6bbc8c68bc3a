// The public face of the inventory: opening, validation of everything that is written (it
// comes from links, files and users), the hot-path image, the queue of important writes, and
// the reads on the opening thread's own connection.
#include "inventory_p.h"
#include "schema_p.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QDateTime>
#include <QtCore/QDeadlineTimer>
#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtSql/QSqlQuery>

#include <algorithm>
#include <cstring>

namespace Warden {

namespace Internal {

Q_LOGGING_CATEGORY(lcInventory, "warden.core.inventory", QtInfoMsg)

namespace {

constexpr int kMaxWhoLength = 128;
constexpr int kMaxWhatLength = 64;
constexpr int kMaxWhyLength = 1024;
constexpr int kMaxDetailsBytes = 16 * 1024;
constexpr int kMaxRotationStateBytes = 64 * 1024;
constexpr int kMaxPayloadLength = 4096;
constexpr int kMaxErrorLength = 1024;
constexpr int kKeyMaterialDigits = 32;

bool isHexDigit(char16_t c)
{
    return (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F');
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

/// An error for a text field, or nothing. Never quotes the value (it may be a key).
std::optional<Error> checkText(const char *field, const QString &value, int maxLength,
                               bool required)
{
    if (required && value.trimmed().isEmpty())
        return Error(ErrorCode::InvalidArgument,
                     QStringLiteral("%1 is empty").arg(QLatin1String(field)));
    if (value.size() > maxLength) {
        return Error(ErrorCode::InvalidArgument, QStringLiteral("%1 is longer than %2 characters")
                                                         .arg(QLatin1String(field))
                                                         .arg(maxLength));
    }
    if (looksLikeKeyMaterial(value)) {
        return Error(ErrorCode::InvalidArgument,
                     QStringLiteral("%1 looks like key material (a long run of hex digits): the "
                                    "inventory stores key fingerprints only")
                             .arg(QLatin1String(field)));
    }
    return std::nullopt;
}

std::optional<Error> checkJson(const char *field, const QJsonObject &object, int maxBytes,
                               QString *compact)
{
    const QByteArray json = QJsonDocument(object).toJson(QJsonDocument::Compact);
    if (json.size() > maxBytes) {
        return Error(ErrorCode::InvalidArgument,
                     QStringLiteral("%1 is larger than %2 bytes as JSON")
                             .arg(QLatin1String(field))
                             .arg(maxBytes));
    }
    if (looksLikeKeyMaterial(object)) {
        return Error(ErrorCode::InvalidArgument,
                     QStringLiteral("%1 holds something that looks like key material (a long "
                                    "run of hex digits): the inventory stores key fingerprints "
                                    "only")
                             .arg(QLatin1String(field)));
    }
    if (compact)
        *compact = QString::fromUtf8(json);
    return std::nullopt;
}

std::optional<Error> checkFingerprint(const char *field, const QString &value, bool required)
{
    if (value.isEmpty() && !required)
        return std::nullopt;
    if (!isFingerprint(value)) {
        return Error(ErrorCode::InvalidArgument,
                     QStringLiteral("%1 is not a key fingerprint of the form "
                                    "\"ab12-cd34-ef56-7890\"")
                             .arg(QLatin1String(field)));
    }
    return std::nullopt;
}

std::optional<Error> checkSerial(const QString &value)
{
    if (value.isEmpty())
        return std::nullopt;
    if (value.size() != int(Protocol::kSerialSize) * 2
        || !std::all_of(value.begin(), value.end(),
                        [](QChar c) { return isHexDigit(c.unicode()); })) {
        return Error(ErrorCode::InvalidArgument,
                     QStringLiteral("the serial is not %1 hex digits (9 bytes)")
                             .arg(Protocol::kSerialSize * 2));
    }
    return std::nullopt;
}

std::optional<Error> checkNode(quint8 node, int lowest)
{
    if (node < lowest || node > kMaxNodeId) {
        return Error(ErrorCode::InvalidArgument, QStringLiteral("node id %1 is outside %2..%3")
                                                         .arg(node)
                                                         .arg(lowest)
                                                         .arg(kMaxNodeId));
    }
    return std::nullopt;
}

bool isVerdictName(const char *name, size_t length)
{
    for (size_t i = 0; i < length; ++i) {
        const char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

qint64 intOr(const QVariant &value, qint64 none)
{
    return value.isNull() ? none : value.toLongLong();
}

QJsonObject jsonObject(const QVariant &text)
{
    return QJsonDocument::fromJson(text.toString().toUtf8()).object();
}

} // namespace

// --- validation helpers ---------------------------------------------------------------------

bool looksLikeKeyMaterial(QStringView text)
{
    // A key printed as hex: one run ("a1b2...") or bytes between separators ("a1 b2 ...",
    // "0xA1, 0xB2, ..."). Groups of an odd length break a run, so prose made of hex letters
    // ("a dead bee") is not taken for a key; '-' breaks it too, so fingerprints pass.
    int run = 0;
    int group = 0;
    const qsizetype n = text.size();
    for (qsizetype i = 0; i < n; ++i) {
        const char16_t c = text[i].unicode();
        if (group == 0 && c == u'0' && i + 2 < n && (text[i + 1] == u'x' || text[i + 1] == u'X')
            && isHexDigit(text[i + 2].unicode())) {
            ++i; // skip the "0x" prefix of a byte
            continue;
        }
        if (isHexDigit(c)) {
            if (run + ++group >= kKeyMaterialDigits)
                return true;
            continue;
        }
        const bool separator = c == u' ' || c == u':' || c == u',';
        if (separator && group > 0 && group % 2 == 0) {
            run += group;
            group = 0;
            continue;
        }
        if (separator && group == 0 && run > 0)
            continue; // ", " between bytes
        run = 0;
        group = 0;
    }
    return false;
}

static bool valueLooksLikeKeyMaterial(const QJsonValue &value)
{
    if (value.isString())
        return looksLikeKeyMaterial(QStringView(value.toString()));
    if (value.isObject())
        return looksLikeKeyMaterial(value.toObject());
    if (value.isArray()) {
        const QJsonArray array = value.toArray();
        return std::any_of(array.begin(), array.end(),
                           [](const QJsonValue &v) { return valueLooksLikeKeyMaterial(v); });
    }
    return false;
}

bool looksLikeKeyMaterial(const QJsonObject &object)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (looksLikeKeyMaterial(QStringView(it.key())) || valueLooksLikeKeyMaterial(it.value()))
            return true;
    }
    return false;
}

bool isFingerprint(QStringView text)
{
    // SecretBytes::fingerprint(): "ab12-cd34-ef56-7890".
    if (text.size() != 19)
        return false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t c = text[i].unicode();
        if (i % 5 == 4) {
            if (c != u'-')
                return false;
        } else if (!((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f'))) {
            return false;
        }
    }
    return true;
}

QString jobStateName(JobState state)
{
    switch (state) {
    case JobState::Pending:
        return QStringLiteral("pending");
    case JobState::Running:
        return QStringLiteral("running");
    case JobState::Done:
        return QStringLiteral("done");
    case JobState::Failed:
        return QStringLiteral("failed");
    case JobState::Cancelled:
        return QStringLiteral("cancelled");
    }
    return QStringLiteral("pending");
}

std::optional<JobState> jobStateFromName(QStringView name)
{
    for (JobState s : {JobState::Pending, JobState::Running, JobState::Done, JobState::Failed,
                       JobState::Cancelled}) {
        if (name == jobStateName(s))
            return s;
    }
    return std::nullopt;
}

QString epochStateName(KeyEpochState state)
{
    switch (state) {
    case KeyEpochState::Generated:
        return QStringLiteral("generated");
    case KeyEpochState::Delivering:
        return QStringLiteral("delivering");
    case KeyEpochState::Active:
        return QStringLiteral("active");
    case KeyEpochState::Retired:
        return QStringLiteral("retired");
    }
    return QStringLiteral("generated");
}

std::optional<KeyEpochState> epochStateFromName(QStringView name)
{
    for (KeyEpochState s : {KeyEpochState::Generated, KeyEpochState::Delivering,
                            KeyEpochState::Active, KeyEpochState::Retired}) {
        if (name == epochStateName(s))
            return s;
    }
    return std::nullopt;
}

// --- HotState -------------------------------------------------------------------------------

HotState::HotState()
{
    children.reserve(1024);
    values.reserve(1024);
}

PendingNode &HotState::touchNode(quint8 node, qint64 whenMs)
{
    PendingNode &n = nodes[node];
    if (!n.dirty) {
        n.dirty = true;
        dirtyNodes.push_back(node);
        n.firstSeenMs = whenMs;
        n.lastSeenMs = whenMs;
    } else if (whenMs > 0) {
        if (n.firstSeenMs <= 0 || whenMs < n.firstSeenMs)
            n.firstSeenMs = whenMs;
        n.lastSeenMs = std::max(n.lastSeenMs, whenMs);
    }
    return n;
}

void HotState::clear()
{
    for (quint8 node : dirtyNodes)
        nodes[node] = PendingNode();
    dirtyNodes.clear();
    // clear() keeps the bucket arrays: the next batch reuses them, memory stays flat.
    children.clear();
    values.clear();
}

// --- InventoryPrivate -----------------------------------------------------------------------

InventoryPrivate::InventoryPrivate(QString path, const Inventory::Options &options)
    : m_path(std::move(path))
    , m_options(options)
    , m_hot(std::make_unique<HotState>())
{ }

InventoryPrivate::~InventoryPrivate() = default;

Result<void> InventoryPrivate::init()
{
    m_ownerThread = QThread::currentThread();
    const QFileInfo info(m_path);
    if (info.isDir()) {
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("'%1' is a folder, not an inventory file").arg(m_path));
    }
    if (!info.dir().exists()) {
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("the folder of the inventory '%1' does not exist").arg(m_path));
    }
    const bool exists = info.exists();
    if (m_options.readOnly && !exists) {
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("the inventory '%1' does not exist (asked to read it only)")
                            .arg(m_path));
    }
    if (!m_options.readOnly) {
        // One writer per file: a second daemon would interleave batches and reuse ids. A lock
        // left by a killed process is stale (its pid is gone) and taken over.
        m_lock = std::make_unique<QLockFile>(m_path + QStringLiteral(".lock"));
        m_lock->setStaleLockTime(0);
        if (!m_lock->tryLock(0)) {
            qint64 pid = 0;
            QString host;
            QString app;
            m_lock->getLockInfo(&pid, &host, &app);
            const QString why
                    = m_lock->error() == QLockFile::LockFailedError
                              ? QStringLiteral("it is open for writing in process %1 on %2")
                                        .arg(pid)
                                        .arg(host)
                              : QStringLiteral("its lock file '%1.lock' cannot be created")
                                        .arg(m_path);
            m_lock.reset();
            return fail(ErrorCode::Refused,
                        QStringLiteral("cannot open the inventory '%1': %2").arg(m_path, why));
        }
    }

    int version = 0;
    if (exists) {
        Result<Schema::ProbeResult> probed = Schema::probe(m_path, m_options.checkIntegrity);
        if (!probed)
            return tl::unexpected(probed.error());
        version = probed->version;
    }
    if (m_options.readOnly && version != Schema::kCurrentVersion) {
        return fail(ErrorCode::Refused,
                    QStringLiteral("the inventory '%1' has schema version %2: a writer must "
                                   "migrate it to version %3 before it can be read")
                            .arg(m_path)
                            .arg(version)
                            .arg(Schema::kCurrentVersion));
    }

    m_connectionName = Schema::newConnectionName("reader");
    Result<void> opened = [&]() -> Result<void> {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
        db.setDatabaseName(m_path);
        db.setConnectOptions(m_options.readOnly ? QStringLiteral(
                                     "QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=5000")
                                                : QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
        if (!db.open()) {
            return fail(ErrorCode::Refused,
                        QStringLiteral("cannot open the inventory '%1' (%2)")
                                .arg(m_path, Schema::sqliteText(db.lastError())));
        }
        if (!m_options.readOnly) {
            Result<void> migrated = Schema::migrate(db, m_path, version);
            if (!migrated)
                return migrated;
        }
        // Where the writer continues numbering, and which node ids are taken.
        QSqlQuery query(db);
        auto maxId = [&](const char *table, qint64 *next) {
            if (query.exec(QStringLiteral("SELECT coalesce(max(id), 0) FROM %1")
                                   .arg(QLatin1String(table)))
                && query.next())
                *next = query.value(0).toLongLong() + 1;
            return query.isActive();
        };
        if (!maxId("audit_log", &m_nextAuditId) || !maxId("jobs", &m_nextJobId)
            || !maxId("rotations", &m_nextRotationId) || !maxId("revocations", &m_nextRevocationId)
            || !query.exec(QStringLiteral("SELECT id FROM nodes UNION SELECT id FROM node_ids"))) {
            return fail(ErrorCode::Refused,
                        QStringLiteral("cannot read the inventory '%1' (%2)")
                                .arg(m_path, Schema::sqliteText(query.lastError())));
        }
        while (query.next()) {
            const int id = query.value(0).toInt();
            if (id >= 0 && id <= kMaxNodeId)
                m_usedIds.set(size_t(id));
        }
        query.finish();
        // Reads must never write: only the writer thread does, in batches.
        if (!m_options.readOnly)
            Schema::exec(db, QStringLiteral("PRAGMA query_only = 1"));
        return {};
    }();
    if (!opened)
        return opened;

    m_clock.start();
    if (!m_options.readOnly) {
        m_writer = std::make_unique<InventoryWriter>(this);
        Result<void> started = m_writer->startAndWait();
        if (!started)
            return started;
    }
    qCDebug(lcInventory, "opened %s (schema version %d%s)", qUtf8Printable(m_path),
            Schema::kCurrentVersion, m_options.readOnly ? ", read-only" : "");
    return {};
}

void InventoryPrivate::shutdown()
{
    if (m_writer) {
        {
            QMutexLocker lock(&m_mutex);
            m_stopping = true;
            m_wake.wakeAll();
        }
        m_writer->wait();
        m_writer.reset();
    }
    if (!m_connectionName.isEmpty()) {
        {
            QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_connectionName);
        m_connectionName.clear();
    }
    if (m_lock) {
        m_lock->unlock();
        m_lock.reset();
    }
}

Result<void> InventoryPrivate::checkReaderThread() const
{
    if (QThread::currentThread() != m_ownerThread) {
        return fail(ErrorCode::Refused,
                    QStringLiteral("the inventory '%1' is read on the thread that opened it only")
                            .arg(m_path));
    }
    return {};
}

QSqlDatabase InventoryPrivate::reader() const
{
    return QSqlDatabase::database(m_connectionName, false);
}

Result<InventoryTicket> InventoryPrivate::enqueueLocked(Op &&op)
{
    if (m_stopping) {
        return fail(ErrorCode::Refused,
                    QStringLiteral("the inventory '%1' is closing").arg(m_path));
    }
    if (m_ops.size() >= size_t(m_options.maxQueuedRecords)) {
        return fail(ErrorCode::Refused,
                    QStringLiteral("the inventory '%1' has %2 writes waiting for the disk; this "
                                   "one was refused")
                            .arg(m_path)
                            .arg(m_ops.size()));
    }
    op.ticket = ++m_lastTicket;
    m_ops.push_back(std::move(op));
    noteWorkLocked(m_ops.size() >= size_t(m_options.maxBatchRecords));
    return m_lastTicket;
}

void InventoryPrivate::noteWorkLocked(bool urgent)
{
    // Wake the writer only when a batch starts (it then sleeps until the interval is over)
    // or when the batch is full: the hot path must not pay for a wake-up per call.
    if (m_firstPendingAt < 0) {
        m_firstPendingAt = m_clock.elapsed();
        m_wake.wakeOne();
    } else if (urgent) {
        m_wake.wakeOne();
    }
}

bool InventoryPrivate::acceptHotLocked()
{
    return !m_stopping;
}

void InventoryPrivate::hotDoneLocked()
{
    ++m_stats.hotCalls;
    noteWorkLocked(m_hot->rows() >= m_options.maxBatchRecords);
}

void InventoryPrivate::postSignals()
{
    if (!m_signalsPosted.exchange(true))
        QMetaObject::invokeMethod(
                q, [this] { deliverSignals(); }, Qt::QueuedConnection);
}

void InventoryPrivate::deliverSignals()
{
    m_signalsPosted = false;
    std::vector<std::pair<InventoryTicket, Error>> failures;
    std::vector<Error> errors;
    InventoryTicket committed = 0;
    {
        QMutexLocker lock(&m_mutex);
        failures.swap(m_failureSignals);
        errors.swap(m_errorSignals);
        committed = m_committedTicket;
    }
    for (const Error &error : errors)
        Q_EMIT q->errorOccurred(error);
    // Failures before the committed() that covers them, so a listener never takes a failed
    // ticket for a durable one.
    for (const auto &[ticket, error] : failures)
        Q_EMIT q->writeFailed(ticket, error);
    if (committed > m_lastEmittedCommitted) {
        m_lastEmittedCommitted = committed;
        Q_EMIT q->committed(committed);
    }
}

} // namespace Internal

using namespace Internal;

// --- value types ----------------------------------------------------------------------------

quint64 VerdictCounts::count(QStringView verdictName) const
{
    return counts.value(verdictName.toString(), 0);
}

quint64 VerdictCounts::count(Protocol::Verdict verdict) const
{
    return counts.value(QString::fromLatin1(Protocol::verdictName(verdict)), 0);
}

quint64 VerdictCounts::total() const
{
    quint64 sum = 0;
    for (quint64 n : counts)
        sum += n;
    return sum;
}

// --- Inventory: opening ---------------------------------------------------------------------

Inventory::Inventory()
    : QObject(nullptr)
{ }

Inventory::~Inventory()
{
    if (d)
        d->shutdown();
}

Result<std::unique_ptr<Inventory>> Inventory::open(const QString &path)
{
    return open(path, Options());
}

Result<std::unique_ptr<Inventory>> Inventory::open(const QString &path, const Options &options)
{
    if (path.isEmpty())
        return fail(ErrorCode::InvalidArgument, QStringLiteral("the inventory path is empty"));
    if (options.flushIntervalMs < 0 || options.flushIntervalMs > 60000) {
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("flushIntervalMs %1 is outside 0..60000")
                            .arg(options.flushIntervalMs));
    }
    if (options.maxBatchRecords < 1 || options.maxQueuedRecords < options.maxBatchRecords) {
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("maxBatchRecords must be at least 1 and maxQueuedRecords at "
                                   "least maxBatchRecords"));
    }
    if (!QCoreApplication::instance()) {
        // QtSql loads its SQLite driver as a plugin, which needs the application object.
        return fail(ErrorCode::Refused,
                    QStringLiteral("the inventory needs a QCoreApplication to load QtSql's "
                                   "SQLite driver"));
    }
    std::unique_ptr<Inventory> inventory(new Inventory);
    inventory->d = std::make_unique<InventoryPrivate>(QFileInfo(path).absoluteFilePath(), options);
    inventory->d->q = inventory.get();
    Result<void> ready = inventory->d->init();
    if (!ready)
        return tl::unexpected(ready.error());
    return inventory;
}

int Inventory::schemaVersion()
{
    return Schema::kCurrentVersion;
}

QString Inventory::path() const
{
    return d->m_path;
}

bool Inventory::isReadOnly() const
{
    return d->m_options.readOnly;
}

// --- Inventory: hot path --------------------------------------------------------------------

template<typename Update>
bool InventoryPrivate::noteNode(quint8 node, qint64 whenMs, Update &&update)
{
    if (m_options.readOnly)
        return false;
    QMutexLocker lock(&m_mutex);
    if (!acceptHotLocked())
        return false;
    PendingNode &n = m_hot->touchNode(node, whenMs);
    m_usedIds.set(node);
    update(n);
    hotDoneLocked();
    return true;
}

bool Inventory::noteFrame(quint8 node, quint8 child, Protocol::Verdict verdict, qint64 whenMs)
{
    return noteFrame(node, child, Protocol::verdictName(verdict), whenMs);
}

bool Inventory::noteFrame(quint8 node, quint8 child, const char *verdictName, qint64 whenMs)
{
    if (node > kMaxNodeId || !verdictName || d->m_options.readOnly)
        return false;
    const size_t length = strnlen(verdictName, size_t(kMaxVerdictNameLength) + 1);
    if (length == 0 || length > size_t(kMaxVerdictNameLength))
        return false;
    QMutexLocker lock(&d->m_mutex);
    if (!d->acceptHotLocked())
        return false;
    PendingNode &n = d->m_hot->touchNode(node, whenMs);
    d->m_usedIds.set(node);
    int slot = 0;
    // The slot names are zero-filled, so comparing length + 1 bytes also compares the end.
    while (slot < n.verdictSlots
           && std::memcmp(n.verdicts[size_t(slot)].name.data(), verdictName, length + 1) != 0)
        ++slot;
    if (slot == n.verdictSlots) {
        if (slot == kMaxVerdictNames || !isVerdictName(verdictName, length))
            return false;
        std::memcpy(n.verdicts[size_t(slot)].name.data(), verdictName, length);
        ++n.verdictSlots;
    }
    ++n.verdicts[size_t(slot)].count;
    if (child != 255) {
        PendingChild &c = d->m_hot->children[quint32(node) << 8 | child];
        c.lastSeenMs = std::max(c.lastSeenMs, whenMs);
    }
    d->hotDoneLocked();
    return true;
}

bool Inventory::setLastValue(quint8 node, quint8 child, quint8 valueType, const QString &value,
                             qint64 whenMs)
{
    if (node > kMaxNodeId || value.size() > kMaxTextLength)
        return false;
    return d->noteNode(node, whenMs, [&](PendingNode &) {
        PendingChild &c = d->m_hot->children[quint32(node) << 8 | child];
        c.lastSeenMs = std::max(c.lastSeenMs, whenMs);
        PendingValue &v = d->m_hot->values[quint32(node) << 16 | quint32(child) << 8 | valueType];
        v.value = value;
        v.whenMs = whenMs;
    });
}

bool Inventory::notePresentation(quint8 node, quint8 child, quint8 sensorType,
                                 const QString &description, qint64 whenMs)
{
    if (node > kMaxNodeId || description.size() > kMaxTextLength)
        return false;
    return d->noteNode(node, whenMs, [&](PendingNode &n) {
        if (child == 255) {
            // The node presents itself: its type and, as the payload, its library version.
            n.fields |= kFieldNodeType | kFieldLibrary;
            n.nodeType = sensorType;
            n.libraryVersion = description;
            return;
        }
        PendingChild &c = d->m_hot->children[quint32(node) << 8 | child];
        c.sensorType = sensorType;
        c.description = description;
        c.lastSeenMs = std::max(c.lastSeenMs, whenMs);
    });
}

bool Inventory::noteSketchInfo(quint8 node, const QString &name, const QString &version,
                               qint64 whenMs)
{
    if (node > kMaxNodeId || name.size() > kMaxTextLength || version.size() > kMaxTextLength)
        return false;
    return d->noteNode(node, whenMs, [&](PendingNode &n) {
        if (!name.isNull()) {
            n.fields |= kFieldSketchName;
            n.sketchName = name;
        }
        if (!version.isNull()) {
            n.fields |= kFieldSketchVersion;
            n.sketchVersion = version;
        }
    });
}

bool Inventory::noteHeartbeat(quint8 node, qint64 whenMs)
{
    if (node > kMaxNodeId)
        return false;
    return d->noteNode(node, whenMs, [&](PendingNode &n) {
        n.fields |= kFieldHeartbeat;
        n.heartbeatMs = std::max(n.heartbeatMs, whenMs);
    });
}

bool Inventory::noteSignalReport(quint8 node, char metric, int value, qint64 whenMs)
{
    if (node > kMaxNodeId || value < -32768 || value > 32767 || !std::strchr("RrSsPTU?", metric)
        || metric == 0)
        return false;
    return d->noteNode(node, whenMs, [&](PendingNode &n) {
        n.fields |= kFieldSignal;
        n.signalReport = value;
        n.signalMetric = metric;
        n.signalReportMs = whenMs;
    });
}

bool Inventory::noteBattery(quint8 node, int percent, qint64 whenMs)
{
    if (node > kMaxNodeId || percent < 0 || percent > 100)
        return false;
    return d->noteNode(node, whenMs, [&](PendingNode &n) {
        n.fields |= kFieldBattery;
        n.battery = percent;
    });
}

bool Inventory::noteParent(quint8 node, quint8 parent, int distance, qint64 whenMs)
{
    if (node > kMaxNodeId || distance < -1 || distance > 255)
        return false;
    return d->noteNode(node, whenMs, [&](PendingNode &n) {
        n.fields |= kFieldParent;
        n.parent = parent;
        n.distance = distance;
    });
}

bool Inventory::noteSigningRequirements(quint8 node, bool signing, bool whitelist, qint64 whenMs)
{
    if (node > kMaxNodeId)
        return false;
    return d->noteNode(node, whenMs, [&](PendingNode &n) {
        n.fields |= kFieldSigning;
        n.signing = signing;
        n.whitelist = whitelist;
    });
}

// --- Inventory: important writes ------------------------------------------------------------

namespace {

std::optional<Error> writable(const InventoryPrivate &d)
{
    if (d.m_options.readOnly) {
        return Error(ErrorCode::Refused,
                     QStringLiteral("the inventory '%1' was opened read-only").arg(d.m_path));
    }
    return std::nullopt;
}

Result<InventoryReceipt> receipt(Result<InventoryTicket> ticket, qint64 id)
{
    if (!ticket)
        return tl::unexpected(ticket.error());
    return InventoryReceipt {*ticket, id};
}

/// receipt(), and once the record is queued @p node's id counts as used. Under d's lock.
Result<InventoryReceipt> receiptUsing(InventoryPrivate &d, quint8 node,
                                      Result<InventoryTicket> ticket, qint64 id)
{
    if (ticket)
        d.m_usedIds.set(node);
    return receipt(std::move(ticket), id);
}

/// Gives a job or rotation record its missing times and, under the caller's lock, its id:
/// the next one, or the counter moves past the id it brings. Returns the id.
template<typename Record>
qint64 stampLocked(Record &record, qint64 &nextId)
{
    const qint64 now = nowMs();
    if (record.createdMs == 0)
        record.createdMs = now;
    if (record.updatedMs == 0)
        record.updatedMs = now;
    if (record.id == 0)
        record.id = nextId++;
    else
        nextId = std::max(nextId, record.id + 1);
    return record.id;
}

#define WARDEN_CHECK(expr) \
    do { \
        if (std::optional<Error> problem_ = (expr)) \
            return tl::unexpected(std::move(*problem_)); \
    } while (false)

} // namespace

Result<InventoryReceipt> Inventory::recordAudit(const AuditEntry &entry)
{
    WARDEN_CHECK(writable(*d));
    WARDEN_CHECK(checkText("the audit entry's who", entry.who, kMaxWhoLength, true));
    WARDEN_CHECK(checkText("the audit entry's what", entry.what, kMaxWhatLength, true));
    WARDEN_CHECK(checkText("the audit entry's why", entry.why, kMaxWhyLength, false));
    WARDEN_CHECK(checkJson("the audit entry's details", entry.details, kMaxDetailsBytes, nullptr));
    if (entry.node < -1 || entry.node > kMaxNodeId) {
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("the audit entry's node %1 is outside -1..%2")
                            .arg(entry.node)
                            .arg(kMaxNodeId));
    }
    AuditOp op {entry};
    if (op.entry.whenMs == 0)
        op.entry.whenMs = nowMs();
    QMutexLocker lock(&d->m_mutex);
    op.entry.id = d->m_nextAuditId++;
    const qint64 id = op.entry.id;
    return receipt(d->enqueueLocked(Op {0, std::move(op)}), id);
}

Result<InventoryReceipt> Inventory::revoke(const Revocation &revocation)
{
    WARDEN_CHECK(writable(*d));
    WARDEN_CHECK(checkNode(revocation.node, 1));
    WARDEN_CHECK(checkText("the revocation's who", revocation.who, kMaxWhoLength, true));
    WARDEN_CHECK(checkText("the revocation's why", revocation.why, kMaxWhyLength, true));
    WARDEN_CHECK(checkSerial(revocation.serialHex));
    WARDEN_CHECK(checkFingerprint("the revocation's link key fingerprint",
                                  revocation.linkKeyFingerprint, false));
    RevokeOp op {revocation, 0};
    op.revocation.serialHex = op.revocation.serialHex.toLower();
    if (op.revocation.whenMs == 0)
        op.revocation.whenMs = nowMs();
    QMutexLocker lock(&d->m_mutex);
    op.revocation.id = d->m_nextRevocationId++;
    op.auditId = d->m_nextAuditId++;
    const qint64 id = op.revocation.id;
    return receiptUsing(*d, revocation.node, d->enqueueLocked(Op {0, std::move(op)}), id);
}

Result<InventoryReceipt> Inventory::setQuarantined(quint8 node, bool quarantined,
                                                   const QString &who, const QString &why)
{
    WARDEN_CHECK(writable(*d));
    WARDEN_CHECK(checkNode(node, 1));
    WARDEN_CHECK(checkText("who", who, kMaxWhoLength, true));
    WARDEN_CHECK(checkText("why", why, kMaxWhyLength, false));
    QuarantineOp op {node, quarantined, who, why, nowMs(), 0, false, {}};
    QMutexLocker lock(&d->m_mutex);
    op.auditId = d->m_nextAuditId++;
    // Lifting a quarantine gives the id back to its node, never to another one.
    return receiptUsing(*d, node, d->enqueueLocked(Op {0, std::move(op)}), node);
}

Result<InventoryReceipt> Inventory::readmit(quint8 node, const QString &who, const QString &why,
                                            const QJsonObject &details)
{
    WARDEN_CHECK(writable(*d));
    WARDEN_CHECK(checkNode(node, 1));
    WARDEN_CHECK(checkText("who", who, kMaxWhoLength, true));
    WARDEN_CHECK(checkText("why", why, kMaxWhyLength, true));
    WARDEN_CHECK(checkJson("the readmission's details", details, kMaxDetailsBytes, nullptr));
    QuarantineOp op {node, false, who, why, nowMs(), 0, true, details};
    QMutexLocker lock(&d->m_mutex);
    op.auditId = d->m_nextAuditId++;
    const qint64 auditId = op.auditId;
    // The id goes back to this node, never to another one.
    return receiptUsing(*d, node, d->enqueueLocked(Op {0, std::move(op)}), auditId);
}

Result<InventoryReceipt> Inventory::allocateNodeId(const QString &who)
{
    WARDEN_CHECK(writable(*d));
    WARDEN_CHECK(checkText("who", who, kMaxWhoLength, true));
    QMutexLocker lock(&d->m_mutex);
    int id = 1;
    while (id <= kMaxNodeId && d->m_usedIds.test(size_t(id)))
        ++id;
    if (id > kMaxNodeId) {
        return fail(ErrorCode::Refused,
                    QStringLiteral("no free node id in the inventory '%1': all of 1..254 are "
                                   "allocated, seen, quarantined or revoked")
                            .arg(d->m_path));
    }
    return receiptUsing(*d, quint8(id),
                        d->enqueueLocked(Op {0, AllocateOp {quint8(id), who, nowMs()}}), id);
}

Result<InventoryReceipt> Inventory::addKeyEpoch(const KeyEpoch &epoch)
{
    WARDEN_CHECK(writable(*d));
    WARDEN_CHECK(checkText("the key epoch's scope", epoch.scope, kMaxWhatLength, true));
    WARDEN_CHECK(checkFingerprint("the key epoch's fingerprint", epoch.keyFingerprint, true));
    EpochOp op {epoch};
    if (op.epoch.createdMs == 0)
        op.epoch.createdMs = nowMs();
    QMutexLocker lock(&d->m_mutex);
    return receipt(d->enqueueLocked(Op {0, std::move(op)}), epoch.epoch);
}

Result<InventoryReceipt> Inventory::upsertJob(const Job &job)
{
    WARDEN_CHECK(writable(*d));
    WARDEN_CHECK(checkNode(job.node, 0));
    WARDEN_CHECK(checkText("the job's kind", job.kind, kMaxWhatLength, true));
    WARDEN_CHECK(checkText("the job's payload", job.payload, kMaxPayloadLength, false));
    WARDEN_CHECK(checkText("the job's last error", job.lastError, kMaxErrorLength, false));
    if (job.id < 0 || job.attempts < 0) {
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("the job's id and attempts must not be negative"));
    }
    JobOp op {job};
    QMutexLocker lock(&d->m_mutex);
    const qint64 id = stampLocked(op.job, d->m_nextJobId);
    return receipt(d->enqueueLocked(Op {0, std::move(op)}), id);
}

Result<InventoryReceipt> Inventory::saveRotation(const RotationRecord &rotation)
{
    WARDEN_CHECK(writable(*d));
    WARDEN_CHECK(checkText("the rotation's step", rotation.step, kMaxWhatLength, true));
    WARDEN_CHECK(checkText("the rotation's scope", rotation.scope, kMaxWhatLength, false));
    WARDEN_CHECK(
            checkJson("the rotation's state", rotation.state, kMaxRotationStateBytes, nullptr));
    if (rotation.id < 0)
        return fail(ErrorCode::InvalidArgument, QStringLiteral("the rotation's id is negative"));
    RotationOp op {rotation};
    QMutexLocker lock(&d->m_mutex);
    const qint64 id = stampLocked(op.rotation, d->m_nextRotationId);
    return receipt(d->enqueueLocked(Op {0, std::move(op)}), id);
}

Result<InventoryReceipt> Inventory::saveRevocationPlan(const RevocationPlanRecord &plan)
{
    WARDEN_CHECK(writable(*d));
    WARDEN_CHECK(checkNode(plan.node, 1));
    WARDEN_CHECK(checkJson("the revocation plan", plan.plan, kMaxRotationStateBytes, nullptr));
    if (plan.revocation <= 0)
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("the revocation plan's revocation id %1 is not 1 or more")
                            .arg(plan.revocation));
    RevocationPlanOp op {plan};
    if (op.plan.createdMs == 0)
        op.plan.createdMs = nowMs();
    QMutexLocker lock(&d->m_mutex);
    return receipt(d->enqueueLocked(Op {0, std::move(op)}), plan.revocation);
}

Result<InventoryReceipt> Inventory::saveRotationReport(const RotationReportRecord &report)
{
    WARDEN_CHECK(writable(*d));
    WARDEN_CHECK(checkText("the rotation report's step", report.step, kMaxWhatLength, true));
    WARDEN_CHECK(checkJson("the rotation report", report.report, kMaxRotationStateBytes, nullptr));
    if (report.rotation <= 0)
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("the rotation report's rotation id %1 is not 1 or more")
                            .arg(report.rotation));
    RotationReportOp op {report};
    if (op.report.finishedMs == 0)
        op.report.finishedMs = nowMs();
    QMutexLocker lock(&d->m_mutex);
    return receipt(d->enqueueLocked(Op {0, std::move(op)}), report.rotation);
}

Result<InventoryReceipt> Inventory::setNodeSecurity(quint8 node, const NodeSecurity &security)
{
    WARDEN_CHECK(writable(*d));
    WARDEN_CHECK(checkNode(node, 0));
    WARDEN_CHECK(checkSerial(security.serialHex));
    WARDEN_CHECK(checkFingerprint("the link key fingerprint", security.linkKeyFingerprint, false));
    WARDEN_CHECK(checkFingerprint("the management key fingerprint",
                                  security.managementKeyFingerprint, false));
    SecurityOp op {node, security};
    op.security.serialHex = op.security.serialHex.toLower();
    QMutexLocker lock(&d->m_mutex);
    return receiptUsing(*d, node, d->enqueueLocked(Op {0, std::move(op)}), node);
}

// --- Inventory: synchronisation -------------------------------------------------------------

Result<void> Inventory::flush(int timeoutMs)
{
    if (d->m_options.readOnly)
        return {};
    QMutexLocker lock(&d->m_mutex);
    const quint64 request = ++d->m_flushRequested;
    d->m_wake.wakeOne();
    QDeadlineTimer deadline(timeoutMs);
    while (d->m_flushDone < request) {
        if (!d->m_settled.wait(&d->m_mutex, deadline) && d->m_flushDone < request) {
            return fail(ErrorCode::Refused,
                        QStringLiteral("flushing the inventory '%1' did not finish within %2 ms%3")
                                .arg(d->m_path)
                                .arg(timeoutMs)
                                .arg(d->m_writerError ? QStringLiteral(" (%1)").arg(
                                             d->m_writerError->message())
                                                      : QString()));
        }
    }
    return {};
}

void Inventory::commitSoon()
{
    if (d->m_options.readOnly)
        return;
    QMutexLocker lock(&d->m_mutex);
    ++d->m_flushRequested;
    d->m_wake.wakeOne();
}

Result<void> Inventory::waitForCommitted(InventoryTicket ticket, int timeoutMs)
{
    QMutexLocker lock(&d->m_mutex);
    if (ticket > d->m_lastTicket) {
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("ticket %1 was never handed out by the inventory '%2'")
                            .arg(ticket)
                            .arg(d->m_path));
    }
    QDeadlineTimer deadline(timeoutMs);
    while (d->m_committedTicket < ticket) {
        if (!d->m_settled.wait(&d->m_mutex, deadline) && d->m_committedTicket < ticket) {
            return fail(ErrorCode::Refused,
                        QStringLiteral("ticket %1 was not committed to the inventory '%2' within "
                                       "%3 ms%4")
                                .arg(ticket)
                                .arg(d->m_path)
                                .arg(timeoutMs)
                                .arg(d->m_writerError ? QStringLiteral(" (%1)").arg(
                                             d->m_writerError->message())
                                                      : QString()));
        }
    }
    for (const auto &[failed, error] : d->m_failedTickets) {
        if (failed == ticket)
            return tl::unexpected(error);
    }
    return {};
}

InventoryTicket Inventory::committedTicket() const
{
    QMutexLocker lock(&d->m_mutex);
    return d->m_committedTicket;
}

InventoryStatistics Inventory::statistics() const
{
    QMutexLocker lock(&d->m_mutex);
    InventoryStatistics s = d->m_stats;
    s.queueDepth = d->m_ops.size();
    s.pendingHotRows = quint64(d->m_hot->rows());
    s.lastTicket = d->m_lastTicket;
    s.committedTicket = d->m_committedTicket;
    return s;
}

QList<quint8> Inventory::usedNodeIds() const
{
    QMutexLocker lock(&d->m_mutex);
    QList<quint8> ids;
    for (int id = 0; id <= kMaxNodeId; ++id) {
        if (d->m_usedIds.test(size_t(id)))
            ids.append(quint8(id));
    }
    return ids;
}

// --- Inventory: reads -----------------------------------------------------------------------

namespace {

Error readError(const InventoryPrivate &d, const char *what, const QSqlQuery &query)
{
    return Error(
            ErrorCode::Refused,
            QStringLiteral("reading %1 from the inventory '%2' failed (%3)")
                    .arg(QLatin1String(what), d.m_path, Schema::sqliteText(query.lastError())));
}

const char kNodeColumns[] = "id, node_type, sketch_name, sketch_version, library_version, parent, "
                            "distance, battery, first_seen_ms, last_seen_ms, last_heartbeat_ms, "
                            "serial_hex, link_key_fp, mgmt_key_fp, signing_required, "
                            "whitelist_required, quarantined, revoked, signal_report, "
                            "signal_metric, signal_report_ms";

NodeRecord nodeFromRow(const QSqlQuery &q)
{
    NodeRecord n;
    n.id = quint8(q.value(0).toInt());
    n.nodeType = int(intOr(q.value(1), -1));
    n.sketchName = q.value(2).toString();
    n.sketchVersion = q.value(3).toString();
    n.libraryVersion = q.value(4).toString();
    n.parent = int(intOr(q.value(5), -1));
    n.distance = int(intOr(q.value(6), -1));
    n.batteryPercent = int(intOr(q.value(7), -1));
    n.firstSeenMs = intOr(q.value(8), 0);
    n.lastSeenMs = intOr(q.value(9), 0);
    n.lastHeartbeatMs = intOr(q.value(10), 0);
    n.serialHex = q.value(11).toString();
    n.linkKeyFingerprint = q.value(12).toString();
    n.managementKeyFingerprint = q.value(13).toString();
    n.signingRequired = intOr(q.value(14), 0) != 0;
    n.whitelistRequired = intOr(q.value(15), 0) != 0;
    n.quarantined = intOr(q.value(16), 0) != 0;
    n.revoked = intOr(q.value(17), 0) != 0;
    n.signalReport = int(intOr(q.value(18), 0));
    n.signalMetric = q.value(19).toString();
    n.signalReportMs = intOr(q.value(20), 0);
    return n;
}

/// A SELECT on the reader connection: optional WHERE terms with their bound values, an
/// ORDER BY, a LIMIT; rows() maps every row.
class Select
{
public:
    explicit Select(QString sql)
        : m_sql(std::move(sql))
    { }

    void where(const char *term, const QVariant &value)
    {
        m_terms << QLatin1String(term);
        m_binds << value;
    }
    void whereIn(const char *column, const QVariantList &values)
    {
        m_terms << QStringLiteral("%1 IN (%2)")
                           .arg(QLatin1String(column),
                                QStringList(values.size(), QStringLiteral("?")).join(u','));
        m_binds << values;
    }
    void orderBy(const char *order, int limit = 0)
    {
        m_order = QLatin1String(order);
        m_limit = limit;
    }

    template<typename T, typename Row>
    Result<QList<T>> rows(const InventoryPrivate &d, const char *what, Row &&row) const
    {
        if (Result<void> ok = d.checkReaderThread(); !ok)
            return tl::unexpected(ok.error());
        QString sql = m_sql;
        if (!m_terms.isEmpty())
            sql += QStringLiteral(" WHERE ") + m_terms.join(QStringLiteral(" AND "));
        if (!m_order.isEmpty())
            sql += QStringLiteral(" ORDER BY ") + m_order;
        if (m_limit > 0)
            sql += QStringLiteral(" LIMIT %1").arg(m_limit);
        QSqlQuery q(d.reader());
        q.prepare(sql);
        for (int i = 0; i < m_binds.size(); ++i)
            q.bindValue(i, m_binds[i]);
        if (!q.exec())
            return tl::unexpected(readError(d, what, q));
        QList<T> list;
        while (q.next())
            list.append(row(q));
        return list;
    }

private:
    QString m_sql;
    QStringList m_terms;
    QVariantList m_binds;
    QString m_order;
    int m_limit = 0;
};

} // namespace

Result<QList<NodeRecord>> Inventory::nodes() const
{
    if (Result<void> ok = d->checkReaderThread(); !ok)
        return tl::unexpected(ok.error());
    QSqlQuery q(d->reader());
    if (!q.exec(QStringLiteral("SELECT %1 FROM nodes ORDER BY id")
                        .arg(QLatin1String(kNodeColumns))))
        return tl::unexpected(readError(*d, "nodes", q));
    QList<NodeRecord> list;
    std::array<int, kMaxNodeId + 1> index;
    index.fill(-1);
    while (q.next()) {
        list.append(nodeFromRow(q));
        index[list.back().id] = int(list.size() - 1);
    }
    if (!q.exec(QStringLiteral("SELECT node, verdict, count FROM verdict_counts")))
        return tl::unexpected(readError(*d, "verdict counts", q));
    while (q.next()) {
        const int node = q.value(0).toInt();
        if (node >= 0 && node <= kMaxNodeId && index[size_t(node)] >= 0)
            list[index[size_t(node)]].verdicts.counts.insert(q.value(1).toString(),
                                                             q.value(2).toULongLong());
    }
    return list;
}

Result<std::optional<NodeRecord>> Inventory::node(quint8 id) const
{
    if (Result<void> ok = d->checkReaderThread(); !ok)
        return tl::unexpected(ok.error());
    QSqlQuery q(d->reader());
    q.prepare(QStringLiteral("SELECT %1 FROM nodes WHERE id = ?").arg(QLatin1String(kNodeColumns)));
    q.bindValue(0, int(id));
    if (!q.exec())
        return tl::unexpected(readError(*d, "a node", q));
    if (!q.next())
        return std::optional<NodeRecord>();
    NodeRecord n = nodeFromRow(q);
    Result<VerdictCounts> counts = verdictCounts(id);
    if (!counts)
        return tl::unexpected(counts.error());
    n.verdicts = *counts;
    return std::optional<NodeRecord>(std::move(n));
}

Result<VerdictCounts> Inventory::verdictCounts(quint8 node) const
{
    if (Result<void> ok = d->checkReaderThread(); !ok)
        return tl::unexpected(ok.error());
    QSqlQuery q(d->reader());
    q.prepare(QStringLiteral("SELECT verdict, count FROM verdict_counts WHERE node = ?"));
    q.bindValue(0, int(node));
    if (!q.exec())
        return tl::unexpected(readError(*d, "verdict counts", q));
    VerdictCounts counts;
    while (q.next())
        counts.counts.insert(q.value(0).toString(), q.value(1).toULongLong());
    return counts;
}

Result<QList<ChildRecord>> Inventory::children(quint8 node) const
{
    if (Result<void> ok = d->checkReaderThread(); !ok)
        return tl::unexpected(ok.error());
    QSqlQuery q(d->reader());
    q.prepare(QStringLiteral("SELECT child, sensor_type, description, last_seen_ms FROM children "
                             "WHERE node = ? ORDER BY child"));
    q.bindValue(0, int(node));
    if (!q.exec())
        return tl::unexpected(readError(*d, "children", q));
    QList<ChildRecord> list;
    std::array<int, 256> index;
    index.fill(-1);
    while (q.next()) {
        ChildRecord c;
        c.node = node;
        c.child = quint8(q.value(0).toInt());
        c.sensorType = int(intOr(q.value(1), -1));
        c.description = q.value(2).toString();
        c.lastSeenMs = intOr(q.value(3), 0);
        index[c.child] = int(list.size());
        list.append(std::move(c));
    }
    q.prepare(QStringLiteral("SELECT child, value_type, value, when_ms FROM child_values "
                             "WHERE node = ? ORDER BY child, value_type"));
    q.bindValue(0, int(node));
    if (!q.exec())
        return tl::unexpected(readError(*d, "last values", q));
    while (q.next()) {
        const int child = q.value(0).toInt() & 0xff;
        if (index[size_t(child)] < 0) {
            ChildRecord c;
            c.node = node;
            c.child = quint8(child);
            index[size_t(child)] = int(list.size());
            list.append(std::move(c));
        }
        list[index[size_t(child)]].values.append(ChildValue {
                quint8(q.value(1).toInt()), q.value(2).toString(), q.value(3).toLongLong()});
    }
    std::sort(list.begin(), list.end(),
              [](const ChildRecord &a, const ChildRecord &b) { return a.child < b.child; });
    return list;
}

Result<QList<AuditEntry>> Inventory::auditLog(const AuditFilter &filter) const
{
    Select select(
            QStringLiteral("SELECT id, when_ms, who, what, why, node, details FROM audit_log"));
    if (filter.node)
        select.where("node = ?", int(*filter.node));
    if (!filter.what.isEmpty())
        select.where("what = ?", filter.what);
    if (filter.sinceMs > 0)
        select.where("when_ms >= ?", filter.sinceMs);
    if (filter.untilMs > 0)
        select.where("when_ms < ?", filter.untilMs);
    select.orderBy("id DESC", filter.limit);
    return select.rows<AuditEntry>(*d, "the audit log", [](const QSqlQuery &q) {
        AuditEntry e;
        e.id = q.value(0).toLongLong();
        e.whenMs = q.value(1).toLongLong();
        e.who = q.value(2).toString();
        e.what = q.value(3).toString();
        e.why = q.value(4).toString();
        e.node = int(intOr(q.value(5), -1));
        e.details = jsonObject(q.value(6));
        return e;
    });
}

Result<QList<Job>> Inventory::jobs(const JobFilter &filter) const
{
    Select select(QStringLiteral("SELECT id, node, kind, payload, state, attempts, last_error, "
                                 "created_ms, updated_ms FROM jobs"));
    if (filter.node)
        select.where("node = ?", int(*filter.node));
    if (!filter.kind.isEmpty())
        select.where("kind = ?", filter.kind);
    if (!filter.states.isEmpty()) {
        QVariantList names;
        for (JobState state : filter.states)
            names << jobStateName(state);
        select.whereIn("state", names);
    }
    select.orderBy("id");
    return select.rows<Job>(*d, "jobs", [](const QSqlQuery &q) {
        Job j;
        j.id = q.value(0).toLongLong();
        j.node = quint8(q.value(1).toInt());
        j.kind = q.value(2).toString();
        j.payload = q.value(3).toString();
        j.state = jobStateFromName(q.value(4).toString()).value_or(JobState::Failed);
        j.attempts = q.value(5).toInt();
        j.lastError = q.value(6).toString();
        j.createdMs = q.value(7).toLongLong();
        j.updatedMs = q.value(8).toLongLong();
        return j;
    });
}

Result<QList<Revocation>> Inventory::revocations() const
{
    Select select(QStringLiteral("SELECT id, node, serial_hex, link_key_fp, who, when_ms, why "
                                 "FROM revocations"));
    select.orderBy("id");
    return select.rows<Revocation>(*d, "revocations", [](const QSqlQuery &q) {
        Revocation r;
        r.id = q.value(0).toLongLong();
        r.node = quint8(q.value(1).toInt());
        r.serialHex = q.value(2).toString();
        r.linkKeyFingerprint = q.value(3).toString();
        r.who = q.value(4).toString();
        r.whenMs = q.value(5).toLongLong();
        r.why = q.value(6).toString();
        return r;
    });
}

Result<QList<KeyEpoch>> Inventory::keyEpochs() const
{
    Select select(QStringLiteral("SELECT epoch, scope, key_fp, state, created_ms, activated_ms, "
                                 "retired_ms FROM key_epochs"));
    select.orderBy("epoch, scope");
    return select.rows<KeyEpoch>(*d, "key epochs", [](const QSqlQuery &q) {
        KeyEpoch e;
        e.epoch = quint32(q.value(0).toLongLong());
        e.scope = q.value(1).toString();
        e.keyFingerprint = q.value(2).toString();
        e.state = epochStateFromName(q.value(3).toString()).value_or(KeyEpochState::Retired);
        e.createdMs = q.value(4).toLongLong();
        e.activatedMs = intOr(q.value(5), 0);
        e.retiredMs = intOr(q.value(6), 0);
        return e;
    });
}

Result<QList<RotationRecord>> Inventory::rotations() const
{
    Select select(QStringLiteral("SELECT id, epoch, scope, step, state, created_ms, updated_ms "
                                 "FROM rotations"));
    select.orderBy("id");
    return select.rows<RotationRecord>(*d, "rotations", [](const QSqlQuery &q) {
        RotationRecord r;
        r.id = q.value(0).toLongLong();
        r.epoch = quint32(q.value(1).toLongLong());
        r.scope = q.value(2).toString();
        r.step = q.value(3).toString();
        r.state = jsonObject(q.value(4));
        r.createdMs = q.value(5).toLongLong();
        r.updatedMs = q.value(6).toLongLong();
        return r;
    });
}

Result<QList<RevocationPlanRecord>> Inventory::revocationPlans() const
{
    Select select(QStringLiteral("SELECT revocation, node, burnt_epoch, plan, created_ms "
                                 "FROM revocation_plans"));
    select.orderBy("revocation");
    return select.rows<RevocationPlanRecord>(*d, "revocation plans", [](const QSqlQuery &q) {
        RevocationPlanRecord r;
        r.revocation = q.value(0).toLongLong();
        r.node = quint8(q.value(1).toInt());
        r.burntEpoch = quint32(q.value(2).toLongLong());
        r.plan = jsonObject(q.value(3));
        r.createdMs = q.value(4).toLongLong();
        return r;
    });
}

Result<std::optional<RotationReportRecord>> Inventory::rotationReport(qint64 rotation) const
{
    Select select(QStringLiteral("SELECT rotation, step, report, finished_ms "
                                 "FROM rotation_reports"));
    if (rotation != 0)
        select.where("rotation = ?", rotation);
    select.orderBy("rotation DESC", 1);
    const auto rows
            = select.rows<RotationReportRecord>(*d, "rotation reports", [](const QSqlQuery &q) {
                  RotationReportRecord r;
                  r.rotation = q.value(0).toLongLong();
                  r.step = q.value(1).toString();
                  r.report = jsonObject(q.value(2));
                  r.finishedMs = q.value(3).toLongLong();
                  return r;
              });
    if (!rows)
        return tl::unexpected(rows.error());
    if (rows->isEmpty())
        return std::optional<RotationReportRecord> {};
    return std::optional<RotationReportRecord>(rows->front());
}

Result<void> Inventory::checkIntegrity() const
{
    if (Result<void> ok = d->checkReaderThread(); !ok)
        return tl::unexpected(ok.error());
    QSqlQuery q(d->reader());
    if (!q.exec(QStringLiteral("PRAGMA integrity_check")))
        return tl::unexpected(readError(*d, "the integrity check", q));
    QStringList problems;
    while (q.next() && problems.size() < 10)
        problems << q.value(0).toString();
    if (problems != QStringList {QStringLiteral("ok")}) {
        return fail(ErrorCode::Malformed,
                    QStringLiteral("the inventory '%1' is damaged: %2")
                            .arg(d->m_path, problems.join(QStringLiteral("; "))));
    }
    return {};
}

} // namespace Warden
