#include "rotationwizard.h"

#include "rotationnodemodel.h"

#include <app/askthenact.h>

#include <warden/engine.h>
#include <warden/inventory.h>
#include <warden/jobs.h>
#include <warden/keystore.h>
#include <warden/rotation.h>
#include <warden/securityservice.h>

#include <QtCore/QDateTime>
#include <QtCore/QLoggingCategory>
#include <QtCore/QSaveFile>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QTableView>
#include <QtWidgets/QVBoxLayout>

#include <algorithm>
#include <functional>

Q_LOGGING_CATEGORY(lcRotationWizard, "warden.gui.rotation")

namespace Warden::Internal {

namespace {

/// A page whose Next is enabled by a predicate on the rotation's state.
class StepPage : public QWizardPage
{
public:
    explicit StepPage(std::function<bool()> complete, QWidget *parent = nullptr)
        : QWizardPage(parent)
        , m_complete(std::move(complete))
    { }
    bool isComplete() const override { return !m_complete || m_complete(); }

private:
    std::function<bool()> m_complete;
};

enum Action : int { UsbDone, Retry, Exclude };

QString nodeList(const QList<quint8> &nodes)
{
    QStringList out;
    for (const quint8 n : nodes)
        out << QString::number(n);
    return out.join(QStringLiteral(", "));
}

QTableView *makeTable(QAbstractItemModel *model, QWidget *parent)
{
    auto *table = new QTableView(parent);
    table->setModel(model);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table->horizontalHeader()->setStretchLastSection(true);
    table->verticalHeader()->hide();
    return table;
}

} // namespace

RotationWizard::RotationWizard(SecurityService *service, QWidget *parent)
    : QWizard(parent)
    , m_service(service)
    , m_operator(QStringLiteral("console"))
{
    build();
}

RotationWizard::RotationWizard(SecurityService *service, const RotationPlan &plan, QWidget *parent)
    : QWizard(parent)
    , m_service(service)
    , m_operator(QStringLiteral("console"))
{
    if (plan.needed)
        m_suggested = plan;
    build();
}

RotationWizard::~RotationWizard() = default;

int RotationWizard::pageFor(RotationStep step)
{
    switch (step) {
    case RotationStep::Assessed:
    case RotationStep::Generated:
        return GeneratePage;
    case RotationStep::Delivering:
        return DeliverPage;
    case RotationStep::Activating:
    case RotationStep::Retiring:
        return ActivatePage;
    case RotationStep::Completed:
    case RotationStep::Cancelled:
        return ReportPage;
    }
    return AssessPage;
}

std::optional<RotationReport> RotationWizard::status() const
{
    if (!m_service || !m_service->isStarted())
        return std::nullopt;
    return m_service->rotation()->status();
}

void RotationWizard::build()
{
    setWindowTitle(tr("Rotate the network key"));
    setWizardStyle(QWizard::ClassicStyle);
    setOption(QWizard::NoBackButtonOnStartPage);
    setButtonText(QWizard::CommitButton, tr("&Start the rotation"));
    // Closing never cancels a running rotation: it goes on and the wizard reopens on it.
    setButtonText(QWizard::CancelButton, tr("&Close"));

    m_planModel = new RotationNodeModel(this);
    m_nodeModel = new RotationNodeModel(this);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    if (m_service) {
        m_planModel->setInventory(m_service->inventory());
        m_nodeModel->setInventory(m_service->inventory());
    }

    // Assess.
    auto *assess = new StepPage([this] { return m_oldEpoch != 0; }, this);
    assess->setTitle(tr("Assess"));
    assess->setSubTitle(tr("Which key is burnt, and who needs the new one."));
    m_assessment = new QLabel(assess);
    m_assessment->setWordWrap(true);
    m_assessment->setTextInteractionFlags(Qt::TextSelectableByMouse);
    (new QVBoxLayout(assess))->addWidget(m_assessment);
    setPage(AssessPage, assess);

    // Plan: the checklist.
    auto *plan = new StepPage(
            [this] {
                const auto entries = m_planModel->plan();
                return std::any_of(
                        entries.cbegin(), entries.cend(),
                        [](const RotationNodeModel::PlanEntry &e) { return e.included; });
            },
            this);
    plan->setTitle(tr("Plan"));
    plan->setSubTitle(tr("Nodes with a management key get the new key over the air; the others "
                         "need a USB re-personalization. Untick a node to leave it out: it keeps "
                         "the old key and is cut off when that key retires."));
    plan->setCommitPage(true);
    m_planTable = makeTable(m_planModel, plan);
    (new QVBoxLayout(plan))->addWidget(m_planTable);
    setPage(PlanPage, plan);
    connect(m_planModel, &QAbstractItemModel::dataChanged, this,
            [this, plan](const QModelIndex &topLeft) {
                confirmPlanExclusion(topLeft);
                Q_EMIT plan->completeChanged();
            });

    // Generate.
    auto *generate = new StepPage(
            [this] {
                const auto s = status();
                return s && s->step != RotationStep::Assessed;
            },
            this);
    generate->setTitle(tr("Generate"));
    generate->setSubTitle(tr("The new network key is made and saved in the key store as pending."));
    m_generated = new QLabel(generate);
    m_generated->setWordWrap(true);
    m_generated->setTextInteractionFlags(Qt::TextSelectableByMouse);
    (new QVBoxLayout(generate))->addWidget(m_generated);
    setPage(GeneratePage, generate);

    // Deliver and activate share the per-node progress panel.
    m_progressPanel = new QWidget(this);
    // Not on any page until the delivery: hidden, or it paints over the wizard's corner.
    m_progressPanel->hide();
    m_nodeTable = makeTable(m_nodeModel, m_progressPanel);
    m_counts = new QLabel(m_progressPanel);
    m_counts->setWordWrap(true);
    m_usbDone = new QPushButton(tr("USB step &done"), m_progressPanel);
    m_usbDone->setToolTip(tr("The selected stock node was re-personalized over USB with the new "
                             "key: the gateway accepts the new key from it from now on."));
    m_retry = new QPushButton(tr("&Retry"), m_progressPanel);
    m_exclude = new QPushButton(tr("E&xclude…"), m_progressPanel);
    m_giveUp = new QPushButton(tr("&Give up the rotation…"), m_progressPanel);
    m_giveUp->setToolTip(tr("Possible until the first node uses the new key: the old key stays "
                            "in use and the new one is never used."));
    for (QPushButton *b : {m_usbDone, m_retry, m_exclude, m_giveUp})
        b->setAutoDefault(false);
    auto *actions = new QHBoxLayout;
    actions->addWidget(m_usbDone);
    actions->addWidget(m_retry);
    actions->addWidget(m_exclude);
    actions->addStretch();
    actions->addWidget(m_giveUp);
    auto *panelLayout = new QVBoxLayout(m_progressPanel);
    panelLayout->setContentsMargins(0, 0, 0, 0);
    panelLayout->addWidget(m_nodeTable, 1);
    panelLayout->addWidget(m_counts);
    panelLayout->addLayout(actions);
    connect(m_usbDone, &QPushButton::clicked, this, [this] { selectedAction(UsbDone); });
    connect(m_retry, &QPushButton::clicked, this, [this] { selectedAction(Retry); });
    connect(m_exclude, &QPushButton::clicked, this, [this] { selectedAction(Exclude); });
    connect(m_giveUp, &QPushButton::clicked, this, &RotationWizard::askGiveUp);

    auto *deliver = new StepPage(
            [this] {
                const auto s = status();
                return s && pageFor(s->step) > DeliverPage;
            },
            this);
    deliver->setTitle(tr("Deliver"));
    deliver->setSubTitle(tr("Each node gets the new key wrapped under its own management key and "
                            "acknowledges it. Sleeping nodes get it when they next wake up. You "
                            "can close this window: the rotation goes on and reopens here."));
    new QVBoxLayout(deliver);
    setPage(DeliverPage, deliver);

    auto *activate = new StepPage(
            [this] {
                const auto s = status();
                return s && pageFor(s->step) == ReportPage;
            },
            this);
    activate->setTitle(tr("Activate"));
    activate->setSubTitle(tr("Each node switches to the new key; the gateway follows each one "
                             "on its acknowledgement. The old key retires when every node uses "
                             "the new one or is excluded."));
    new QVBoxLayout(activate);
    setPage(ActivatePage, activate);

    // Report.
    auto *report = new StepPage({}, this);
    report->setTitle(tr("Report"));
    report->setFinalPage(true);
    m_report = new QLabel(report);
    m_report->setWordWrap(true);
    m_report->setTextFormat(Qt::PlainText);
    m_report->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_export = new QPushButton(tr("&Export the report…"), report);
    m_export->setAutoDefault(false);
    auto *reportLayout = new QVBoxLayout(report);
    reportLayout->addWidget(m_report, 1);
    reportLayout->addWidget(m_export, 0, Qt::AlignLeft);
    connect(m_export, &QPushButton::clicked, this, &RotationWizard::askExport);
    setPage(ReportPage, report);

    // Where to open: the running rotation's step (it is persisted: this holds after a restart
    // too), else a new rotation's assessment.
    const auto s = status();
    if (s && m_service->rotation()->isRunning()) {
        m_oldEpoch = s->oldEpoch;
        m_nodeModel->setStatus(*s);
        setStartId(pageFor(s->step));
        connectRotation();
        return;
    }
    QList<RotationNodeModel::PlanEntry> entries;
    if (m_service && m_service->isStarted()) {
        if (m_suggested) {
            m_oldEpoch = quint16(m_suggested->burntEpoch);
            for (const quint8 n : m_suggested->overTheAir)
                entries << RotationNodeModel::PlanEntry {n, RotationChannel::OverTheAir, true};
            for (const quint8 n : m_suggested->usb)
                entries << RotationNodeModel::PlanEntry {n, RotationChannel::Usb, true};
        } else {
            m_oldEpoch = quint16(m_service->engine()->activeEpoch().value_or(0));
            for (const NodeKeyInfo &n : m_service->keyStore()->nodes()) {
                if (m_service->engine()->isRevoked(n.nodeId) || !n.linkKeyFingerprint.isEmpty())
                    continue;
                entries << RotationNodeModel::PlanEntry {n.nodeId,
                                                         n.managementKeyFingerprint.isEmpty()
                                                                 ? RotationChannel::Usb
                                                                 : RotationChannel::OverTheAir,
                                                         true};
            }
        }
    }
    std::sort(entries.begin(), entries.end(),
              [](const auto &a, const auto &b) { return a.node < b.node; });
    m_planModel->setPlan(entries);
    setStartId(AssessPage);
    connectRotation();
    m_assessment->setText(assessmentText());
}

void RotationWizard::connectRotation()
{
    if (m_service && m_service->isStarted()) {
        KeyRotation *rotation = m_service->rotation();
        connect(rotation, &KeyRotation::stepChanged, this, &RotationWizard::refresh);
        connect(rotation, &KeyRotation::finished, this, &RotationWizard::refresh);
        connect(rotation, &KeyRotation::nodeChanged, this,
                [this](quint8 node, NodeRotationState, const QString &detail) {
                    m_nodeModel->setDetail(node, detail);
                    refresh();
                });
        // Retries and sleeping-node waits are the runner's words on the node's current job.
        connect(m_service->jobs(), &JobRunner::jobProgress, this,
                [this](qint64 job, quint8 node, const QString &what) {
                    const auto n = m_nodeModel->statusOf(node);
                    if (n && (n->deliveryJob == job || n->activationJob == job))
                        m_nodeModel->setDetail(node, what);
                });
        connect(rotation, &KeyRotation::problem, this, [this](const Warden::Error &error) {
            m_status->setText(tr("Waiting: %1 (tried again shortly)").arg(error.message()));
        });
    } else {
        m_status->setText(tr("The network's security service is not running: no rotation can "
                             "be started or followed now."));
    }
}

QString RotationWizard::assessmentText() const
{
    if (!m_service || !m_service->isStarted())
        return m_status->text();
    if (m_oldEpoch == 0)
        return tr("There is no active network key: there is nothing to rotate away from.");
    QList<quint8> air;
    QList<quint8> usb;
    for (const auto &e : m_planModel->plan())
        (e.channel == RotationChannel::OverTheAir ? air : usb) << e.node;
    QStringList lines;
    if (m_suggested) {
        lines << tr("The shared network key of epoch %1 is burnt: node(s) %2 held it and are "
                    "revoked.")
                         .arg(m_oldEpoch)
                         .arg(nodeList(m_suggested->lostNodes));
    } else {
        lines << tr("The active network key is epoch %1.").arg(m_oldEpoch);
    }
    lines << tr("A new key (epoch %1) replaces it.").arg(m_oldEpoch + 1);
    lines << tr("%n node(s) get it over the air", nullptr, int(air.size()))
                     + (air.isEmpty() ? QString() : QStringLiteral(": %1").arg(nodeList(air)))
                     + QLatin1Char('.');
    if (usb.isEmpty())
        lines << tr("No node needs a USB re-personalization.");
    else
        lines << tr("%n node(s) need a USB re-personalization with the new key: %1.", nullptr,
                    int(usb.size()))
                         .arg(nodeList(usb));
    if (m_suggested && !m_suggested->lostNodes.isEmpty())
        lines << tr("Left out: %1 (never given the new key).")
                         .arg(nodeList(m_suggested->lostNodes));
    lines << tr("Until it completes, the old key stays accepted from nodes that have not "
                "switched yet.");
    return lines.join(u'\n');
}

QString RotationWizard::reportText() const
{
    const auto s = status();
    if (!s)
        return tr("No rotation to report.");
    QStringList lines;
    lines << tr("Warden key rotation report");
    lines << s->text();
    lines << QString();
    for (const NodeRotationStatus &n : s->nodes) {
        QString line
                = QStringLiteral("%1: %2, %3")
                          .arg(m_nodeModel
                                       ->data(m_nodeModel->index(m_nodeModel->rowOf(n.node),
                                                                 RotationNodeModel::NodeColumn))
                                       .toString(),
                               nodeRotationStateText(n.state),
                               n.channel == RotationChannel::OverTheAir ? tr("over the air")
                                                                        : tr("by USB"));
        if (m_nodeModel->rowOf(n.node) < 0)
            line = QStringLiteral("%1: %2").arg(tr("node %1").arg(n.node),
                                                nodeRotationStateText(n.state));
        if (!n.reason.isEmpty())
            line += QStringLiteral(" (%1)").arg(n.reason);
        lines << line;
    }
    return lines.join(u'\n');
}

Result<void> RotationWizard::exportReport(const QString &path) const
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text))
        return tl::unexpected(
                Error(ErrorCode::Refused,
                      tr("the report cannot be written to %1: %2").arg(path, file.errorString())));
    const QByteArray text = reportText().toUtf8() + '\n';
    if (file.write(text) != text.size() || !file.commit())
        return tl::unexpected(
                Error(ErrorCode::Refused,
                      tr("the report was not saved to %1: %2").arg(path, file.errorString())));
    return {};
}

void RotationWizard::askExport()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export the rotation report"),
                                                      QStringLiteral("rotation-report.txt"),
                                                      tr("Text files (*.txt)"));
    if (path.isEmpty())
        return;
    if (const auto ok = exportReport(path); !ok) {
        m_status->setText(ok.error().message());
        return;
    }
    m_status->setText(tr("The report is saved to %1.").arg(path));
    Q_EMIT reportExported(path);
}

void RotationWizard::initializePage(int id)
{
    QWizard::initializePage(id);
    QWizardPage *p = page(id);
    if (id == DeliverPage || id == ActivatePage) {
        p->layout()->addWidget(m_progressPanel);
        m_progressPanel->show();
    }
    p->layout()->addWidget(m_status);
    if (id == PlanPage)
        m_planTable->setFocus();
    refresh();
}

bool RotationWizard::validateCurrentPage()
{
    if (currentId() == PlanPage && !startRotation())
        return false;
    return QWizard::validateCurrentPage();
}

bool RotationWizard::startRotation()
{
    if (!m_service || !m_service->isStarted())
        return false;
    if (const auto s = status(); s && m_service->rotation()->isRunning())
        return true; // started already (from another window): follow it
    RotationPlanInput input;
    input.oldEpoch = m_oldEpoch;
    for (const auto &e : m_planModel->plan()) {
        if (e.included)
            (e.channel == RotationChannel::OverTheAir ? input.overTheAir : input.usb) << e.node;
    }
    input.who = m_operator;
    input.why = m_suggested ? tr("node(s) %1 revoked: epoch %2 burnt")
                                      .arg(nodeList(m_suggested->lostNodes))
                                      .arg(m_oldEpoch)
                            : tr("rotation started from the console");
    const auto started = m_service->rotation()->start(input);
    if (!started) {
        m_status->setText(tr("The rotation did not start: %1").arg(started.error().message()));
        return false;
    }
    qCInfo(lcRotationWizard) << "rotation" << *started << "started away from epoch" << m_oldEpoch;
    m_status->clear();
    if (const auto s = status())
        m_nodeModel->setStatus(*s);
    return true;
}

void RotationWizard::confirmPlanExclusion(const QModelIndex &topLeft)
{
    if (m_restoringCheck || !topLeft.isValid() || !m_planModel->isPlanMode())
        return;
    const auto entry = m_planModel->plan().value(topLeft.row());
    if (entry.included)
        return;
    const int row = topLeft.row();
    // No (or closing the box) puts the tick back.
    askThenAct(this, AskTone::Question, tr("Leave node %1 out?").arg(entry.node),
               tr("Node %1 will keep the old key and will be cut off when that key retires. Leave "
                  "it out of the rotation?")
                       .arg(entry.node),
               {}, [this, row] {
                   m_restoringCheck = true;
                   m_planModel->setData(m_planModel->index(row, RotationNodeModel::NodeColumn),
                                        Qt::Checked, Qt::CheckStateRole);
                   m_restoringCheck = false;
               });
}

QList<quint8> RotationWizard::selectedNodes() const
{
    QList<quint8> nodes;
    const auto rows = m_nodeTable->selectionModel()->selectedRows();
    for (const QModelIndex &index : rows)
        nodes << m_nodeModel->nodeAt(index.row());
    if (nodes.isEmpty() && m_nodeTable->currentIndex().isValid())
        nodes << m_nodeModel->nodeAt(m_nodeTable->currentIndex().row());
    return nodes;
}

void RotationWizard::selectedAction(int kind)
{
    if (!m_service || !m_service->isStarted())
        return;
    const QList<quint8> nodes = selectedNodes();
    if (nodes.isEmpty()) {
        m_status->setText(tr("Select a node in the table first."));
        return;
    }
    KeyRotation *rotation = m_service->rotation();
    if (kind == Exclude) {
        askThenAct(this, AskTone::Warning, tr("Exclude from the rotation?"),
                   tr("Node(s) %1 will keep the old key and will be cut off when it retires; "
                      "they need a USB re-personalization to join again. Exclude them?")
                           .arg(nodeList(nodes)),
                   [this, nodes] {
                       if (!m_service || !m_service->isStarted())
                           return;
                       QStringList errors;
                       for (const quint8 n : nodes) {
                           if (const auto ok = m_service->rotation()->exclude(
                                       n, m_operator, tr("excluded in the rotation wizard"));
                               !ok)
                               errors << ok.error().message();
                       }
                       m_status->setText(errors.join(u'\n'));
                       refresh();
                   });
        return;
    }
    QStringList errors;
    for (const quint8 n : nodes) {
        const Result<void> ok
                = kind == UsbDone ? rotation->markUsbDone(n, m_operator) : rotation->retry(n);
        if (!ok)
            errors << ok.error().message();
    }
    m_status->setText(errors.join(u'\n'));
    refresh();
}

void RotationWizard::askGiveUp()
{
    askThenAct(
            this, AskTone::Warning, tr("Give up the rotation?"),
            tr("The network keeps the old key (epoch %1), which stays exposed to whoever holds "
               "it. The new key is never used. Give the rotation up?")
                    .arg(m_oldEpoch),
            [this] {
                if (!m_service || !m_service->isStarted())
                    return;
                const auto ok
                        = m_service->rotation()->cancel(m_operator, tr("given up in the wizard"));
                m_status->setText(
                        ok ? QString()
                           : tr("The rotation cannot be given up: %1").arg(ok.error().message()));
                refresh();
            });
}

void RotationWizard::refresh()
{
    const auto s = status();
    if (s) {
        m_nodeModel->setStatus(*s);
        const bool generated = s->step != RotationStep::Assessed;
        m_generated->setText(
                generated ? tr("The new key of epoch %1 (%2) is in the key store as pending. It "
                               "never leaves the gateway unwrapped.")
                                    .arg(s->newEpoch)
                                    .arg(s->keyFingerprint)
                          : tr("Generating the new key of epoch %1…").arg(s->newEpoch));
        int awaitingUsb = 0, failed = 0, waiting = 0;
        for (const NodeRotationStatus &n : s->nodes) {
            awaitingUsb += n.state == NodeRotationState::AwaitingUsb;
            failed += n.state == NodeRotationState::Failed;
            waiting += n.state != NodeRotationState::Activated
                       && n.state != NodeRotationState::Excluded;
        }
        QString counts = tr("%1 of %2 nodes use the new key, %3 excluded.")
                                 .arg(s->activated)
                                 .arg(s->nodes.size())
                                 .arg(s->excluded);
        if (awaitingUsb > 0)
            counts += QLatin1Char(' ')
                      + tr("%n node(s) await their USB step: select them and press \"USB step "
                           "done\" once re-personalized.",
                           nullptr, awaitingUsb);
        if (failed > 0)
            counts += QLatin1Char(' ')
                      + tr("%n node(s) failed: retry or exclude them.", nullptr, failed);
        if (waiting > 0 && awaitingUsb == 0 && failed == 0)
            counts += QLatin1Char(' ') + tr("%n node(s) still to go.", nullptr, waiting);
        m_counts->setText(counts);
        m_giveUp->setEnabled(s->activated == 0 && m_service->rotation()->isRunning());
        m_report->setText(reportText());
    }
    for (const int id : pageIds()) {
        if (QWizardPage *p = page(id))
            Q_EMIT p->completeChanged();
    }
    advance();
}

void RotationWizard::advance()
{
    // The wizard follows the rotation: a page whose step is over gives way to the next.
    if (m_advancing)
        return;
    const auto s = status();
    if (!s)
        return;
    m_advancing = true;
    while (currentId() >= GeneratePage && currentId() < pageFor(s->step)
           && currentPage()->isComplete()) {
        const int before = currentId();
        next();
        if (currentId() == before)
            break;
    }
    m_advancing = false;
}

} // namespace Warden::Internal
