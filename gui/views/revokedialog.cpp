#include "revokedialog.h"

#include <wizards/rotationwizard.h>

#include <warden/engine.h>
#include <warden/inventory.h>
#include <warden/securityservice.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QLoggingCategory>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QStackedWidget>
#include <QtWidgets/QTableView>
#include <QtWidgets/QVBoxLayout>

#include <algorithm>
#include <cstring>

Q_LOGGING_CATEGORY(lcRevoke, "warden.gui.revoke")

namespace Warden::Internal {

namespace {

QString jobStateText(JobState state)
{
    switch (state) {
    case JobState::Pending:
        return QCoreApplication::translate("Warden::Internal::RevokeDialog", "waiting");
    case JobState::Running:
        return QCoreApplication::translate("Warden::Internal::RevokeDialog", "sending");
    case JobState::Done:
        return QCoreApplication::translate("Warden::Internal::RevokeDialog", "removed");
    case JobState::Failed:
        return QCoreApplication::translate("Warden::Internal::RevokeDialog", "failed");
    case JobState::Cancelled:
        return QCoreApplication::translate("Warden::Internal::RevokeDialog", "cancelled");
    }
    return {};
}

bool isFinal(JobState state)
{
    return state == JobState::Done || state == JobState::Failed || state == JobState::Cancelled;
}

QString nodeListLabel(const Inventory *inventory, const QList<quint8> &nodes)
{
    QStringList names;
    for (const quint8 n : nodes)
        names << nodeLabel(inventory, n);
    return names.join(QStringLiteral(", "));
}

std::optional<Serial> parseSerial(const QString &text)
{
    QString hex = text.trimmed();
    hex.remove(u' ').remove(u':').remove(u'-');
    if (hex.size() != 2 * int(std::tuple_size_v<Serial>))
        return std::nullopt;
    const QByteArray bytes = QByteArray::fromHex(hex.toLatin1());
    if (bytes.size() != int(std::tuple_size_v<Serial>)
        || bytes.toHex().compare(hex.toLatin1(), Qt::CaseInsensitive) != 0)
        return std::nullopt;
    Serial serial {};
    std::memcpy(serial.data(), bytes.constData(), serial.size());
    return serial;
}

} // namespace

QString nodeLabel(const Inventory *inventory, quint8 node)
{
    if (inventory) {
        if (const auto record = inventory->node(node);
            record && *record && !(*record)->sketchName.isEmpty())
            return QCoreApplication::translate("Warden::Internal::RevokeDialog", "node %1 (%2)")
                    .arg(node)
                    .arg((*record)->sketchName);
    }
    return QCoreApplication::translate("Warden::Internal::RevokeDialog", "node %1").arg(node);
}

// --- RevokeProgressModel ----------------------------------------------------------------------

RevokeProgressModel::RevokeProgressModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

void RevokeProgressModel::track(JobRunner *runner, qint64 batch, const Inventory *inventory)
{
    beginResetModel();
    m_rows.clear();
    disconnect(m_progress);
    disconnect(m_finished);
    if (runner && batch != 0) {
        for (const ManagementJob &job : runner->jobs()) {
            if (job.batch != batch)
                continue;
            Row row;
            row.node = job.node;
            row.job = job.id;
            row.label = nodeLabel(inventory, job.node);
            row.state = job.state;
            row.detail = job.lastError;
            m_rows << row;
        }
        std::sort(m_rows.begin(), m_rows.end(),
                  [](const Row &a, const Row &b) { return a.node < b.node; });
        m_progress = connect(
                runner, &JobRunner::jobProgress, this,
                [this](qint64 job, quint8, const QString &what) { onProgress(job, what); });
        m_finished = connect(runner, &JobRunner::jobFinished, this,
                             [this](qint64 job, quint8, JobState state, const QString &reason) {
                                 onFinished(job, state, reason);
                             });
    }
    endResetModel();
    if (isSettled())
        Q_EMIT settled();
}

bool RevokeProgressModel::isSettled() const
{
    return std::all_of(m_rows.cbegin(), m_rows.cend(),
                       [](const Row &r) { return isFinal(r.state); });
}

int RevokeProgressModel::applied() const
{
    return int(std::count_if(m_rows.cbegin(), m_rows.cend(),
                             [](const Row &r) { return r.state == JobState::Done; }));
}

int RevokeProgressModel::failed() const
{
    return int(std::count_if(m_rows.cbegin(), m_rows.cend(), [](const Row &r) {
        return r.state == JobState::Failed || r.state == JobState::Cancelled;
    }));
}

int RevokeProgressModel::rowOfJob(qint64 job) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).job == job)
            return i;
    }
    return -1;
}

void RevokeProgressModel::onProgress(qint64 job, const QString &what)
{
    const int row = rowOfJob(job);
    if (row < 0 || isFinal(m_rows.at(row).state))
        return;
    Row &r = m_rows[row];
    r.detail = what;
    if (r.state == JobState::Pending && what.startsWith(u"sent"))
        r.state = JobState::Running;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void RevokeProgressModel::onFinished(qint64 job, JobState state, const QString &reason)
{
    const int row = rowOfJob(job);
    if (row < 0 || isFinal(m_rows.at(row).state))
        return;
    const bool wasSettled = isSettled();
    Row &r = m_rows[row];
    r.state = state;
    r.detail = state == JobState::Done ? tr("acknowledged by the node") : reason;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    if (!wasSettled && isSettled())
        Q_EMIT settled();
}

int RevokeProgressModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RevokeProgressModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RevokeProgressModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &r = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NodeColumn:
            return r.label;
        case StateColumn:
            return jobStateText(r.state);
        case DetailColumn:
            return r.detail;
        }
        return {};
    case NodeIdRole:
        return int(r.node);
    case JobStateRole:
        return int(r.state);
    default:
        return {};
    }
}

QVariant RevokeProgressModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case NodeColumn:
        return tr("Node");
    case StateColumn:
        return tr("Whitelist removal");
    case DetailColumn:
        return tr("Detail");
    }
    return {};
}

// --- RevokeDialog -----------------------------------------------------------------------------

RevokeDialog::RevokeDialog(SecurityService *service, quint8 node, QWidget *parent)
    : QDialog(parent)
    , m_service(service)
    , m_node(node)
    , m_operator(QStringLiteral("console"))
    , m_progress(new RevokeProgressModel(this))
{
    setWindowTitle(tr("Revoke %1").arg(nodeLabel(service ? service->inventory() : nullptr, node)));
    m_pages = new QStackedWidget(this);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_rotate = new QPushButton(tr("&Rotate the network key now…"), this);
    m_revoke = new QPushButton(tr("&Revoke node %1").arg(node), this);
    m_readmit = new QPushButton(tr("Re-&admit node %1").arg(node), this);
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_close = new QPushButton(tr("&Close"), this);
    // A destructive action is never what Enter does by accident.
    m_revoke->setAutoDefault(false);
    m_readmit->setAutoDefault(false);
    m_cancel->setDefault(true);

    buildConfirmPage();
    buildProgressPage();
    buildReadmitPage();

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_rotate);
    buttons->addStretch();
    buttons->addWidget(m_revoke);
    buttons->addWidget(m_readmit);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_close);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_pages, 1);
    layout->addWidget(m_status);
    layout->addLayout(buttons);

    connect(m_cancel, &QPushButton::clicked, this, &QDialog::reject);
    connect(m_close, &QPushButton::clicked, this, &QDialog::accept);
    connect(m_revoke, &QPushButton::clicked, this, &RevokeDialog::doRevoke);
    connect(m_readmit, &QPushButton::clicked, this, &RevokeDialog::doReadmit);
    connect(m_rotate, &QPushButton::clicked, this, &RevokeDialog::openRotation);
    connect(m_reason, &QLineEdit::textChanged, this,
            [this](const QString &text) { m_revoke->setEnabled(!text.trimmed().isEmpty()); });
    auto readmitReady = [this] {
        m_readmit->setEnabled(!m_readmitReason->text().trimmed().isEmpty()
                              && (m_personalization || parseSerial(m_serial->text())));
    };
    connect(m_readmitReason, &QLineEdit::textChanged, this, readmitReady);
    connect(m_serial, &QLineEdit::textChanged, this, readmitReady);
    connect(m_progress, &RevokeProgressModel::settled, this, &RevokeDialog::updateProgress);
    connect(m_progress, &QAbstractItemModel::dataChanged, this, &RevokeDialog::updateProgress);

    const bool started = service && service->isStarted();
    if (!started) {
        m_status->setText(tr("The network's security service is not running: nothing can be "
                             "revoked now."));
        setStage(Stage::Refused);
    } else if (service->engine()->isRevoked(node)) {
        m_readmitText->setText(
                tr("%1 is revoked. Re-admit it only after it was re-personalized over USB with a "
                   "new serial or new keys: whoever has it knows its old secrets, so the old ones "
                   "are never accepted again.\n\nRe-admission lifts the block and the quarantine "
                   "of id %2 and records who did it and why in the audit log.")
                        .arg(nodeLabel(service->inventory(), node))
                        .arg(node));
        setStage(Stage::ConfirmReadmit);
    } else {
        const auto preview = service->workflows()->previewRevocation(node);
        if (!preview) {
            m_status->setText(
                    tr("%1 cannot be revoked: %2")
                            .arg(nodeLabel(service->inventory(), node), preview.error().message()));
            setStage(Stage::Refused);
        } else {
            m_preview = *preview;
            m_confirmation->setText(confirmationText());
            setStage(Stage::Confirm);
        }
    }
    m_revoke->setEnabled(false);
    m_readmit->setEnabled(false);
}

RevokeDialog::~RevokeDialog() = default;

void RevokeDialog::setPersonalization(NodePersonalization record)
{
    m_personalization = std::move(record);
    m_serial->setPlaceholderText(tr("from the personalization (optional)"));
    m_readmit->setEnabled(!m_readmitReason->text().trimmed().isEmpty());
}

void RevokeDialog::buildConfirmPage()
{
    auto *page = new QWidget(m_pages);
    m_headline = new QLabel(page);
    m_headline->setWordWrap(true);
    QFont bold = m_headline->font();
    bold.setBold(true);
    m_headline->setFont(bold);
    m_confirmation = new QLabel(page);
    m_confirmation->setWordWrap(true);
    m_confirmation->setTextFormat(Qt::PlainText);
    m_confirmation->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_reason = new QLineEdit(page);
    m_reason->setPlaceholderText(tr("e.g. stolen from the garden"));
    auto *reasonLabel = new QLabel(tr("R&eason (for the audit log):"), page);
    reasonLabel->setBuddy(m_reason);
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(m_headline);
    layout->addWidget(m_confirmation, 1);
    layout->addWidget(reasonLabel);
    layout->addWidget(m_reason);
    m_pages->addWidget(page);
}

void RevokeDialog::buildProgressPage()
{
    auto *page = new QWidget(m_pages);
    m_table = new QTableView(page);
    m_table->setModel(m_progress);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->hide();
    m_summary = new QLabel(page);
    m_summary->setWordWrap(true);
    m_next = new QLabel(page);
    m_next->setWordWrap(true);
    m_next->setTextFormat(Qt::PlainText);
    m_next->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_summary);
    layout->addWidget(m_next);
    m_pages->addWidget(page);
}

void RevokeDialog::buildReadmitPage()
{
    auto *page = new QWidget(m_pages);
    m_readmitText = new QLabel(page);
    m_readmitText->setWordWrap(true);
    m_serial = new QLineEdit(page);
    m_serial->setPlaceholderText(tr("18 hex digits, from the node's new label"));
    m_readmitReason = new QLineEdit(page);
    auto *form = new QFormLayout;
    form->addRow(tr("New &serial:"), m_serial);
    form->addRow(tr("Rea&son (for the audit log):"), m_readmitReason);
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(m_readmitText, 1);
    layout->addLayout(form);
    m_pages->addWidget(page);
}

QString RevokeDialog::confirmationText() const
{
    if (!m_preview || !m_service)
        return {};
    const RevocationReport &p = *m_preview;
    const Inventory *inventory = m_service->inventory();
    QStringList lines;
    lines << tr("• At once: the gateway blocks %1 and drops every frame from it.")
                     .arg(nodeLabel(inventory, p.node));
    if (!p.serialFingerprint.isEmpty())
        lines << tr("• Its serial %1 is refused from now on.").arg(p.serialFingerprint);
    QStringList keys;
    if (!p.linkKeyFingerprint.isEmpty())
        keys << tr("its link key %1").arg(p.linkKeyFingerprint);
    if (!p.managementKeyFingerprint.isEmpty())
        keys << tr("its management key %1").arg(p.managementKeyFingerprint);
    if (!keys.isEmpty())
        lines << tr("• %1 will be deleted from the key store.").arg(keys.join(tr(" and ")));
    lines << tr("• Id %1 will never be given to another node.").arg(p.node);
    if (p.pushedTo.isEmpty())
        lines << tr("• No whitelist lists it: there is nothing to remove from other nodes.");
    else
        lines << tr("• It will be removed from the whitelists of %n node(s): %1.", nullptr,
                    int(p.pushedTo.size()))
                         .arg(nodeListLabel(inventory, p.pushedTo));
    if (p.rotation.needed)
        lines << tr("• The shared network key of epoch %1 is burnt: %2 holds it.")
                         .arg(p.rotation.burntEpoch)
                         .arg(nodeLabel(inventory, p.node));
    else
        lines << tr("• No shared network key is burnt: its keys were its own.");
    if (p.exposure.isEmpty()) {
        lines << tr("• Nothing else stays exposed.");
    } else {
        lines << tr("• Until the rotation is done, whoever has it can still:");
        for (const ExposureItem &e : p.exposure)
            lines << QStringLiteral("    – %1 (until %2)").arg(e.text, e.until);
    }
    if (p.rotation.needed)
        lines << tr("• Next: a key rotation (%1). You can start it from here once the node is "
                    "revoked.")
                         .arg(p.rotation.text());
    lines << tr("• This cannot be undone: only re-personalizing the node over USB lets it back.");
    return lines.join(u'\n');
}

void RevokeDialog::setStage(Stage stage)
{
    m_stage = stage;
    const bool confirm = stage == Stage::Confirm;
    const bool readmit = stage == Stage::ConfirmReadmit;
    switch (stage) {
    case Stage::Confirm:
    case Stage::Refused:
        m_pages->setCurrentIndex(0);
        break;
    case Stage::Progress:
    case Stage::Done:
        m_pages->setCurrentIndex(1);
        break;
    case Stage::ConfirmReadmit:
    case Stage::Readmitted:
        m_pages->setCurrentIndex(2);
        break;
    }
    if (confirm && m_service)
        m_headline->setText(tr("Revoke %1?").arg(nodeLabel(m_service->inventory(), m_node)));
    else if (stage == Stage::Refused)
        m_headline->clear();
    m_reason->setVisible(confirm);
    m_revoke->setVisible(confirm);
    m_readmit->setVisible(readmit);
    m_serial->setEnabled(readmit);
    m_readmitReason->setEnabled(readmit);
    m_cancel->setVisible(confirm || readmit);
    m_close->setVisible(!confirm && !readmit);
    m_rotate->setVisible(stage == Stage::Done && m_report && m_report->rotation.needed);
    if (confirm)
        m_reason->setFocus();
    else if (readmit)
        m_serial->setFocus();
    else
        m_close->setDefault(true);
}

void RevokeDialog::doRevoke()
{
    if (m_stage != Stage::Confirm || m_reason->text().trimmed().isEmpty())
        return;
    if (!m_service || !m_service->isStarted()) {
        m_status->setText(tr("Not revoked: the network's security service is not running."));
        return;
    }
    const auto report
            = m_service->workflows()->revokeNode(m_node, m_reason->text().trimmed(), m_operator);
    if (!report) {
        m_status->setText(tr("Not revoked: %1").arg(report.error().message()));
        return;
    }
    m_report = *report;
    qCInfo(lcRevoke).noquote() << "node" << m_node << "revoked by" << m_operator;
    Q_EMIT nodeRevoked(m_node);
    setStage(Stage::Progress);
    m_progress->track(m_service->jobs(), report->pushBatch, m_service->inventory());
    updateProgress();
}

void RevokeDialog::updateProgress()
{
    if (!m_report || !m_service || (m_stage != Stage::Progress && m_stage != Stage::Done))
        return;
    const RevocationReport &r = *m_report;
    const Inventory *inventory = m_service->inventory();
    const int total = m_progress->rowCount();
    m_summary->setText(total == 0 ? tr("No whitelist lists it: nothing to remove.")
                                  : tr("Whitelist removals: %1 of %2 applied, %3 failed.")
                                            .arg(m_progress->applied())
                                            .arg(total)
                                            .arg(m_progress->failed()));
    QStringList problems;
    for (const QString &p : r.problems)
        problems << tr("Not done: %1").arg(p);
    if (!m_progress->isSettled()) {
        m_status->setText(tr("%1 is blocked. Removing it from the whitelists of the other "
                             "nodes; sleeping nodes are done when they next wake up.")
                                  .arg(nodeLabel(inventory, m_node)));
        m_next->setText(problems.join(u'\n'));
        return;
    }
    if (m_stage != Stage::Done)
        setStage(Stage::Done);
    QString state = tr("%1 is revoked: its frames are dropped and its id is quarantined.")
                            .arg(nodeLabel(inventory, m_node));
    if (m_progress->failed() > 0)
        state += QLatin1Char(' ')
                 + tr("%n whitelist removal(s) failed: see the table; push them again from "
                      "the whitelist editor.",
                      nullptr, m_progress->failed());
    m_status->setText(state);
    QStringList next = problems;
    if (r.rotation.needed) {
        next << tr("The shared network key of epoch %1 is burnt. Next step: rotate the network "
                   "key (%2).")
                        .arg(r.rotation.burntEpoch)
                        .arg(r.rotation.text());
        for (const ExposureItem &e : r.exposure)
            next << QStringLiteral("  – %1 (until %2)").arg(e.text, e.until);
    } else {
        next << tr("No shared key was burnt: no rotation is needed.");
    }
    m_next->setText(next.join(u'\n'));
    m_rotate->setFocus();
}

void RevokeDialog::openRotation()
{
    if (!m_report || !m_report->rotation.needed || !m_service)
        return;
    Q_EMIT rotationRequested(m_report->rotation);
    auto *wizard = new RotationWizard(m_service, m_report->rotation, parentWidget());
    wizard->setAttribute(Qt::WA_DeleteOnClose);
    wizard->setOperator(m_operator);
    wizard->show();
    Q_EMIT rotationWizardOpened(wizard);
    accept();
}

void RevokeDialog::doReadmit()
{
    if (m_stage != Stage::ConfirmReadmit)
        return;
    if (!m_service || !m_service->isStarted()) {
        m_status->setText(tr("Not re-admitted: the network's security service is not running."));
        return;
    }
    NodePersonalization record;
    if (m_personalization)
        record = *m_personalization;
    if (!m_serial->text().trimmed().isEmpty()) {
        const auto serial = parseSerial(m_serial->text());
        if (!serial) {
            m_status->setText(tr("The new serial must be 18 hex digits (9 bytes)."));
            return;
        }
        record.serial = serial;
    }
    const auto report = m_service->workflows()->readmitNode(m_node, record, m_operator,
                                                            m_readmitReason->text().trimmed());
    if (!report) {
        m_status->setText(tr("Not re-admitted: %1").arg(report.error().message()));
        return;
    }
    m_personalization.reset(); // the keys are in the store now; none kept here
    QStringList lines;
    lines << tr("%1 is re-admitted: its frames are accepted again.")
                     .arg(nodeLabel(m_service->inventory(), m_node));
    if (!report->serialFingerprint.isEmpty())
        lines << tr("Serial: %1").arg(report->serialFingerprint);
    if (!report->linkKeyFingerprint.isEmpty())
        lines << tr("Link key: %1").arg(report->linkKeyFingerprint);
    if (!report->managementKeyFingerprint.isEmpty())
        lines << tr("Management key: %1").arg(report->managementKeyFingerprint);
    m_status->setText(lines.join(u'\n'));
    setStage(Stage::Readmitted);
    Q_EMIT nodeReadmitted(m_node);
}

} // namespace Warden::Internal
