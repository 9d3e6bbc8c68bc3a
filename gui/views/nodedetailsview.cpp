#include "nodedetailsview.h"

#include "revokedialog.h"

#include <app/askthenact.h>
#include <models/nodeinventorymodel.h>

#include <warden/engine.h>
#include <warden/jobs.h>
#include <warden/keystore.h>
#include <warden/protocol/enums.h>
#include <warden/protocol/message.h>
#include <warden/protocol/names.h>
#include <warden/securityservice.h>

#include <QtCore/QDateTime>
#include <QtCore/QJsonDocument>
#include <QtCore/QLoggingCategory>
#include <QtCore/QTimer>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QTabWidget>
#include <QtWidgets/QTableView>
#include <QtWidgets/QVBoxLayout>

#include <cmath>
#include <limits>

Q_LOGGING_CATEGORY(lcNodeDetails, "warden.gui.nodedetails")

namespace Warden::Internal {

namespace {

/// Fields of the overview, in order (untranslated keys; the labels are translated).
const char *const kFields[] = {
        QT_TRANSLATE_NOOP("Warden::Internal::NodeDetails", "Name"),
        QT_TRANSLATE_NOOP("Warden::Internal::NodeDetails", "Type"),
        QT_TRANSLATE_NOOP("Warden::Internal::NodeDetails", "Library"),
        QT_TRANSLATE_NOOP("Warden::Internal::NodeDetails", "Parent"),
        QT_TRANSLATE_NOOP("Warden::Internal::NodeDetails", "Battery"),
        QT_TRANSLATE_NOOP("Warden::Internal::NodeDetails", "First seen"),
        QT_TRANSLATE_NOOP("Warden::Internal::NodeDetails", "Last seen"),
        QT_TRANSLATE_NOOP("Warden::Internal::NodeDetails", "Last heartbeat"),
        QT_TRANSLATE_NOOP("Warden::Internal::NodeDetails", "Signal"),
        QT_TRANSLATE_NOOP("Warden::Internal::NodeDetails", "Serial"),
        QT_TRANSLATE_NOOP("Warden::Internal::NodeDetails", "Link key"),
        QT_TRANSLATE_NOOP("Warden::Internal::NodeDetails", "Management key"),
        QT_TRANSLATE_NOOP("Warden::Internal::NodeDetails", "Requires"),
        QT_TRANSLATE_NOOP("Warden::Internal::NodeDetails", "State"),
};

QString timeText(qint64 ms)
{
    if (ms <= 0)
        return NodeDetails::tr("never");
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC)
            .toLocalTime()
            .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QString jobStateName(JobState state)
{
    switch (state) {
    case JobState::Pending:
        return NodeDetails::tr("pending");
    case JobState::Running:
        return NodeDetails::tr("running");
    case JobState::Done:
        return NodeDetails::tr("applied");
    case JobState::Failed:
        return NodeDetails::tr("failed");
    case JobState::Cancelled:
        return NodeDetails::tr("cancelled");
    }
    return {};
}

bool isWhitelistJob(const ManagementAction &a)
{
    using Op = Protocol::ManagementOperation;
    return a.operation == Op::ReplaceWhitelist || a.operation == Op::AddWhitelistEntry
           || a.operation == Op::RemoveWhitelistEntry;
}

QString whitelistEntryText(const ManagementAction &a)
{
    using Op = Protocol::ManagementOperation;
    QStringList ids;
    switch (a.operation) {
    case Op::RemoveWhitelistEntry:
        return NodeDetails::tr("remove node %1").arg(a.removedNode);
    case Op::AddWhitelistEntry:
        return a.whitelist.isEmpty() ? QString()
                                     : NodeDetails::tr("add node %1").arg(a.whitelist.first().node);
    case Op::ReplaceWhitelist:
        for (const WhitelistItem &w : a.whitelist)
            ids << QString::number(w.node);
        return NodeDetails::tr("replace with nodes %1").arg(ids.join(QStringLiteral(", ")));
    default:
        return {};
    }
}

/// The payload for @p text: an integer, a decimal number or a string (at most 25 bytes).
bool setValuePayload(Protocol::Message &m, const QString &text)
{
    bool ok = false;
    const qlonglong integer = text.toLongLong(&ok);
    if (ok) {
        if (integer >= std::numeric_limits<qint16>::min()
            && integer <= std::numeric_limits<qint16>::max())
            m.setInt16(qint16(integer));
        else if (integer >= std::numeric_limits<qint32>::min()
                 && integer <= std::numeric_limits<qint32>::max())
            m.setLong32(qint32(integer));
        else
            return false;
        return true;
    }
    const double number = text.toDouble(&ok);
    if (ok && std::isfinite(number)) {
        const int dot = text.indexOf(u'.');
        const int decimals = dot < 0 ? 0 : qBound(0, int(text.size()) - dot - 1, 8);
        m.setFloat32(float(number), quint8(decimals));
        return true;
    }
    const QByteArray utf8 = text.toUtf8();
    return m.setString(utf8.constData(), size_t(utf8.size()));
}

} // namespace

// --- TextTableModel ---------------------------------------------------------------------------

TextTableModel::TextTableModel(const QStringList &headers, QObject *parent)
    : QAbstractTableModel(parent)
    , m_headers(headers)
{ }

void TextTableModel::setRows(const QList<QStringList> &rows)
{
    if (rows == m_rows)
        return;
    beginResetModel();
    m_rows = rows;
    endResetModel();
}

QString TextTableModel::text(int row, int column) const
{
    if (row < 0 || row >= m_rows.size())
        return {};
    return m_rows.at(row).value(column);
}

int TextTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int TextTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_headers.size());
}

QVariant TextTableModel::data(const QModelIndex &index, int role) const
{
    if (role != Qt::DisplayRole
        || !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    return text(index.row(), index.column());
}

QVariant TextTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == Qt::DisplayRole && section >= 0
        && section < m_headers.size())
        return m_headers.at(section);
    return QAbstractTableModel::headerData(section, orientation, role);
}

// --- NodeDetails ------------------------------------------------------------------------------

NodeDetails::NodeDetails(SecurityService *service, quint8 node, QWidget *parent)
    : QDialog(parent)
    , m_service(service)
    , m_node(node)
    , m_operator(QStringLiteral("console"))
    , m_children(new TextTableModel({tr("Child"), tr("Sensor"), tr("Description"), tr("Value type"),
                                     tr("Value"), tr("When")},
                                    this))
    , m_signing(new TextTableModel({tr("Verdict"), tr("Frames")}, this))
    , m_whitelist(new TextTableModel({tr("Job"), tr("Change"), tr("State"), tr("Detail")}, this))
    , m_jobs(new TextTableModel(
              {tr("Job"), tr("Operation"), tr("State"), tr("Attempts"), tr("Last word")}, this))
    , m_audit(new TextTableModel({tr("When"), tr("Who"), tr("What"), tr("Why"), tr("Details")},
                                 this))
    , m_refreshTimer(new QTimer(this))
{
    setWindowTitle(tr("Node %1").arg(node));
    m_tabs = new QTabWidget(this);
    m_tabs->addTab(buildOverview(), tr("&Overview"));
    m_tabs->addTab(buildTable(m_children), tr("C&hildren"));
    m_signingNote = new QLabel(this);
    m_tabs->addTab(buildTable(m_signing, m_signingNote), tr("Si&gning"));
    m_whitelistNote = new QLabel(
            tr("The whitelist changes Warden pushed to this node over the management channel."),
            this);
    m_tabs->addTab(buildTable(m_whitelist, m_whitelistNote), tr("&Whitelist"));
    m_tabs->addTab(buildTable(m_jobs), tr("&Jobs"));
    m_tabs->addTab(buildTable(m_audit), tr("A&udit"));

    m_reboot = new QPushButton(tr("Re&boot…"), this);
    m_push = new QPushButton(tr("&Push configuration…"), this);
    m_revoke = new QPushButton(tr("&Revoke…"), this);
    m_readmit = new QPushButton(tr("Re-&admit…"), this);
    auto *refreshButton = new QPushButton(tr("Re&fresh"), this);
    auto *close = new QPushButton(tr("&Close"), this);
    for (QPushButton *b : {m_reboot, m_push, m_revoke, m_readmit, refreshButton})
        b->setAutoDefault(false);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_reboot);
    buttons->addWidget(m_push);
    buttons->addWidget(m_revoke);
    buttons->addWidget(m_readmit);
    buttons->addStretch();
    buttons->addWidget(refreshButton);
    buttons->addWidget(close);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_tabs, 1);
    layout->addWidget(m_status);
    layout->addLayout(buttons);

    connect(close, &QPushButton::clicked, this, &QDialog::accept);
    connect(refreshButton, &QPushButton::clicked, this, &NodeDetails::refresh);
    connect(m_reboot, &QPushButton::clicked, this, &NodeDetails::askReboot);
    connect(m_push, &QPushButton::clicked, this,
            [this] { Q_EMIT pushConfigurationRequested(m_node); });
    connect(m_revoke, &QPushButton::clicked, this, &NodeDetails::openRevoke);
    connect(m_readmit, &QPushButton::clicked, this, &NodeDetails::openRevoke);
    connect(m_send, &QPushButton::clicked, this, &NodeDetails::sendValue);
    connect(m_value, &QLineEdit::returnPressed, this, &NodeDetails::sendValue);

    // Kept current: a frame of the node or a job of it refreshes, at most twice a second.
    m_refreshTimer->setSingleShot(true);
    m_refreshTimer->setInterval(500);
    connect(m_refreshTimer, &QTimer::timeout, this, &NodeDetails::refresh);
    if (m_service && m_service->isStarted()) {
        connect(m_service->engine(), &Engine::traffic, this, [this](const TrafficRecord &r) {
            if (r.message.sender() == m_node || r.message.destination() == m_node)
                scheduleRefresh();
        });
        connect(m_service->jobs(), &JobRunner::jobFinished, this,
                [this](qint64, quint8 n, JobState, const QString &) {
                    if (n == m_node)
                        scheduleRefresh();
                });
    }
    refresh();
}

NodeDetails::~NodeDetails() = default;

QWidget *NodeDetails::buildOverview()
{
    auto *page = new QWidget(this);
    m_form = new QFormLayout;
    for (const char *field : kFields) {
        auto *value = new QLabel(page);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setWordWrap(true);
        m_form->addRow(tr(field) + QLatin1Char(':'), value);
        m_fields.insert(QLatin1String(field), value);
    }

    // Send a value to a child.
    m_child = new QSpinBox(page);
    m_child->setRange(0, 254);
    m_child->setValue(1);
    m_valueType = new QComboBox(page);
    for (int t = 0; t <= int(Protocol::Value::MultiMessage); ++t)
        m_valueType->addItem(QLatin1String(Protocol::valueTypeName(quint8(t))), t);
    m_valueType->setCurrentIndex(int(Protocol::Value::Status));
    m_value = new QLineEdit(page);
    m_value->setPlaceholderText(tr("a number or a text (25 bytes at most)"));
    m_send = new QPushButton(tr("&Send"), page);
    m_send->setAutoDefault(false);
    auto *childLabel = new QLabel(tr("C&hild:"), page);
    childLabel->setBuddy(m_child);
    auto *typeLabel = new QLabel(tr("T&ype:"), page);
    typeLabel->setBuddy(m_valueType);
    auto *valueLabel = new QLabel(tr("&Value:"), page);
    valueLabel->setBuddy(m_value);
    auto *send = new QHBoxLayout;
    send->addWidget(childLabel);
    send->addWidget(m_child);
    send->addWidget(typeLabel);
    send->addWidget(m_valueType);
    send->addWidget(valueLabel);
    send->addWidget(m_value, 1);
    send->addWidget(m_send);

    auto *layout = new QVBoxLayout(page);
    layout->addLayout(m_form);
    layout->addStretch();
    layout->addWidget(new QLabel(tr("Send a value (signed when the node requires it):"), page));
    layout->addLayout(send);
    setTabOrder(m_child, m_valueType);
    setTabOrder(m_valueType, m_value);
    setTabOrder(m_value, m_send);
    return page;
}

QWidget *NodeDetails::buildTable(TextTableModel *model, QLabel *note)
{
    auto *page = new QWidget(this);
    auto *table = new QTableView(page);
    table->setModel(model);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->horizontalHeader()->setStretchLastSection(true);
    table->verticalHeader()->hide();
    auto *layout = new QVBoxLayout(page);
    if (note) {
        note->setParent(page);
        note->setWordWrap(true);
        layout->addWidget(note);
    }
    layout->addWidget(table, 1);
    return page;
}

void NodeDetails::setOverview(const QString &field, const QString &value)
{
    if (QLabel *label = m_fields.value(field))
        label->setText(value);
}

QString NodeDetails::overviewValue(const QString &field) const
{
    const QLabel *label = m_fields.value(field);
    return label ? label->text() : QString();
}

void NodeDetails::scheduleRefresh()
{
    if (!m_refreshTimer->isActive())
        m_refreshTimer->start();
}

void NodeDetails::refresh()
{
    const bool running = m_service && m_service->isStarted();
    const Inventory *inventory = running ? m_service->inventory() : nullptr;
    std::optional<NodeRecord> record;
    if (inventory) {
        const auto read = inventory->node(m_node);
        if (!read) {
            m_status->setText(
                    tr("The inventory could not be read: %1").arg(read.error().message()));
            return;
        }
        record = *read;
    }
    const bool revoked = running && m_service->engine()->isRevoked(m_node);
    m_revoke->setVisible(!revoked);
    m_readmit->setVisible(revoked);
    for (QWidget *w : {static_cast<QWidget *>(m_reboot), static_cast<QWidget *>(m_push),
                       static_cast<QWidget *>(m_send), static_cast<QWidget *>(m_revoke),
                       static_cast<QWidget *>(m_readmit)})
        w->setEnabled(running);
    m_send->setEnabled(running && !revoked);
    m_reboot->setEnabled(running && !revoked);
    m_push->setEnabled(running && !revoked);
    if (!running)
        m_status->setText(tr("The network's security service is not running: this is what was "
                             "last known, and nothing can be done to the node now."));

    // Overview: the record, fingerprints only (the store's, which the inventory mirrors).
    const NodeRecord r = record.value_or(NodeRecord {});
    std::optional<NodeKeyInfo> keys;
    if (running)
        keys = m_service->keyStore()->node(m_node);
    setWindowTitle(r.sketchName.isEmpty() ? tr("Node %1").arg(m_node)
                                          : tr("Node %1 (%2)").arg(m_node).arg(r.sketchName));
    setOverview(QStringLiteral("Name"),
                r.sketchName.isEmpty() ? tr("(not presented)")
                                       : tr("%1 %2").arg(r.sketchName, r.sketchVersion).trimmed());
    setOverview(QStringLiteral("Type"), r.nodeType == 18   ? tr("repeater")
                                        : r.nodeType == 17 ? tr("node")
                                                           : tr("(not presented)"));
    setOverview(QStringLiteral("Library"),
                r.libraryVersion.isEmpty() ? tr("(unknown)") : r.libraryVersion);
    setOverview(QStringLiteral("Parent"),
                r.parent < 0    ? tr("(unknown)")
                : r.parent == 0 ? tr("the gateway (node 0)")
                : r.distance < 0
                        ? tr("node %1 (distance to the gateway not reported)").arg(r.parent)
                        : tr("node %1, %2 hop(s) from the gateway").arg(r.parent).arg(r.distance));
    setOverview(QStringLiteral("Battery"),
                r.batteryPercent < 0 ? tr("(not reported)") : tr("%1 %").arg(r.batteryPercent));
    setOverview(QStringLiteral("First seen"), timeText(r.firstSeenMs));
    setOverview(QStringLiteral("Last seen"), timeText(r.lastSeenMs));
    setOverview(QStringLiteral("Last heartbeat"), timeText(r.lastHeartbeatMs));
    setOverview(QStringLiteral("Signal"),
                r.signalMetric.isEmpty()
                        ? tr("(not reported)")
                        : tr("%1 (%2) at %3")
                                  .arg(r.signalReport)
                                  .arg(r.signalMetric, timeText(r.signalReportMs)));
    setOverview(QStringLiteral("Serial"),
                r.serialHex.isEmpty() ? tr("(none on file)") : r.serialHex);
    const QString link = keys ? keys->linkKeyFingerprint : r.linkKeyFingerprint;
    const QString management = keys ? keys->managementKeyFingerprint : r.managementKeyFingerprint;
    const auto epoch = running ? m_service->engine()->activeEpoch() : std::nullopt;
    setOverview(QStringLiteral("Link key"),
                !link.isEmpty() ? tr("its own, %1").arg(link)
                : epoch         ? tr("the shared network key (epoch %1)").arg(*epoch)
                                : tr("the shared network key"));
    QString managementText = management;
    if (management.isEmpty() && (revoked || r.revoked))
        managementText
                = r.managementKeyFingerprint.isEmpty()
                          ? tr("none (deleted at the revocation)")
                          : tr("%1, deleted at the revocation").arg(r.managementKeyFingerprint);
    else if (management.isEmpty())
        managementText = tr("none (a stock node: changed over USB only)");
    setOverview(QStringLiteral("Management key"), managementText);
    QStringList needs;
    if (r.signingRequired)
        needs << tr("signed frames");
    if (r.whitelistRequired)
        needs << tr("whitelisting");
    setOverview(QStringLiteral("Requires"), needs.isEmpty()
                                                    ? tr("nothing: its frames can be forged")
                                                    : needs.join(tr(" and ")));
    QString state = revoked || r.revoked ? tr("revoked: every frame from it is dropped")
                    : running && m_service->engine()->isLocked(m_node)
                            ? tr("locked after failed verifications")
                            : tr("accepted");
    if (r.quarantined && !r.revoked && !revoked)
        state += tr("; id quarantined");
    setOverview(QStringLiteral("State"), state);

    // Children and their last values.
    QList<QStringList> rows;
    if (inventory) {
        for (const ChildRecord &c : inventory->children(m_node).value_or(QList<ChildRecord> {})) {
            const QString sensor
                    = c.sensorType < 0
                              ? tr("(not presented)")
                              : QLatin1String(Protocol::sensorTypeName(quint8(c.sensorType)));
            if (c.values.isEmpty())
                rows << QStringList {QString::number(c.child), sensor, c.description, {}, {},
                                     timeText(c.lastSeenMs)};
            for (const ChildValue &v : c.values)
                rows << QStringList {QString::number(c.child),
                                     sensor,
                                     c.description,
                                     QLatin1String(Protocol::valueTypeName(v.valueType)),
                                     v.value,
                                     timeText(v.whenMs)};
        }
    }
    m_children->setRows(rows);

    // Signing statistics.
    rows.clear();
    quint64 failures = 0;
    for (auto it = r.verdicts.counts.cbegin(); it != r.verdicts.counts.cend(); ++it) {
        rows << QStringList {it.key(), QString::number(it.value())};
        if (NodeInventoryModel::isFailure(it.key()))
            failures += it.value();
    }
    m_signing->setRows(rows);
    m_signingNote->setText(tr("%1 frame(s) from this node; %2 failed verification.")
                                   .arg(r.verdicts.total())
                                   .arg(failures));

    // Whitelist changes and pending jobs, from the runner.
    QList<QStringList> whitelist;
    QList<QStringList> jobs;
    if (running) {
        for (const ManagementJob &j : m_service->jobs()->jobs()) {
            if (j.node != m_node)
                continue;
            const QString id = QString::number(j.id);
            QString word = j.lastError;
            if (j.waitingForNode && j.state != JobState::Done)
                word = tr("waiting for the node to wake up")
                       + (word.isEmpty() ? QString() : QStringLiteral(": ") + word);
            if (isWhitelistJob(j.action))
                whitelist << QStringList {id, whitelistEntryText(j.action), jobStateName(j.state),
                                          word};
            if (j.state == JobState::Pending || j.state == JobState::Running)
                jobs << QStringList {id, j.action.operationName(), jobStateName(j.state),
                                     QString::number(j.attempts), word};
        }
    }
    m_whitelist->setRows(whitelist);
    m_jobs->setRows(jobs);

    // Audit history.
    rows.clear();
    if (inventory) {
        AuditFilter filter;
        filter.node = m_node;
        filter.limit = 500;
        for (const AuditEntry &e : inventory->auditLog(filter).value_or(QList<AuditEntry> {}))
            rows << QStringList {timeText(e.whenMs), e.who, e.what, e.why,
                                 e.details.isEmpty()
                                         ? QString()
                                         : QString::fromUtf8(QJsonDocument(e.details).toJson(
                                                 QJsonDocument::Compact))};
    }
    m_audit->setRows(rows);
}

void NodeDetails::sendValue()
{
    if (!m_service || !m_service->isStarted())
        return;
    Protocol::Message m;
    m.setHeader(0, m_node, Protocol::Command::Set, quint8(m_valueType->currentData().toInt()),
                quint8(m_child->value()));
    const QString text = m_value->text().trimmed();
    if (text.isEmpty()) {
        m_status->setText(tr("Type the value to send first."));
        return;
    }
    if (!setValuePayload(m, text)) {
        m_status->setText(tr("The value does not fit in a frame: at most 25 bytes of text, or a "
                             "32-bit number."));
        return;
    }
    const auto sent = m_service->engine()->send(m);
    if (!sent) {
        m_status->setText(tr("Not sent: %1").arg(sent.error().message()));
        return;
    }
    m_status->setText(tr("Sent %1 = %2 to child %3.")
                              .arg(m_valueType->currentText(), text)
                              .arg(m_child->value()));
}

void NodeDetails::askReboot()
{
    askThenAct(this, AskTone::Question, tr("Reboot node %1?").arg(m_node),
               tr("Node %1 restarts now: it is away for a few seconds and presents itself again.")
                       .arg(m_node),
               [this] {
                   if (!m_service || !m_service->isStarted())
                       return;
                   Protocol::Message m;
                   m.setHeader(0, m_node, Protocol::Command::Internal,
                               quint8(Protocol::Internal::Reboot), 255);
                   m.setString("", 0);
                   const auto sent = m_service->engine()->send(m);
                   m_status->setText(sent ? tr("Reboot sent to node %1.").arg(m_node)
                                          : tr("Reboot not sent: %1").arg(sent.error().message()));
                   qCInfo(lcNodeDetails)
                           << "reboot of node" << m_node << "requested by" << m_operator;
               });
}

void NodeDetails::openRevoke()
{
    if (!m_service || m_revokeDialog)
        return;
    m_revokeDialog = new RevokeDialog(m_service, m_node, this);
    m_revokeDialog->setAttribute(Qt::WA_DeleteOnClose);
    m_revokeDialog->setOperator(m_operator);
    connect(m_revokeDialog, &RevokeDialog::nodeRevoked, this, [this](quint8 node) {
        refresh();
        Q_EMIT nodeRevoked(node);
    });
    connect(m_revokeDialog, &RevokeDialog::nodeReadmitted, this, [this](quint8 node) {
        refresh();
        Q_EMIT nodeReadmitted(node);
    });
    m_revokeDialog->show();
}

} // namespace Warden::Internal
