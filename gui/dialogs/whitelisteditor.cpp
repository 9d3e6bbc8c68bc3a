#include "whitelisteditor.h"

#include <warden/inventory.h>
#include <warden/keystore.h>
#include <warden/securityservice.h>

#include <QtCore/QLoggingCategory>
#include <QtCore/QRegularExpression>
#include <QtCore/QTimer>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QGroupBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QTableWidget>
#include <QtWidgets/QVBoxLayout>

#include <algorithm>

Q_LOGGING_CATEGORY(lcWhitelistEditor, "warden.gui.whitelist")

namespace Warden::Internal {

namespace {

constexpr int kNodeRole = Qt::UserRole + 1;

void sortById(QList<WhitelistItem> &list)
{
    std::sort(list.begin(), list.end(),
              [](const WhitelistItem &a, const WhitelistItem &b) { return a.node < b.node; });
}

void putEntry(QList<WhitelistItem> &list, const WhitelistItem &item)
{
    for (WhitelistItem &existing : list) {
        if (existing.node == item.node) {
            existing.serial = item.serial;
            return;
        }
    }
    list << item;
    sortById(list);
}

bool removeEntry(QList<WhitelistItem> &list, quint8 node)
{
    return list.removeIf([node](const WhitelistItem &i) { return i.node == node; }) > 0;
}

} // namespace

WhitelistEditor::WhitelistEditor(JobRunner *jobs, KeyStore *store, Inventory *inventory,
                                 QWidget *parent)
    : QDialog(parent)
    , m_jobs(jobs)
    , m_store(store)
    , m_inventory(inventory)
{
    setWindowTitle(tr("Whitelists"));
    buildUi();
    if (m_jobs) {
        connect(m_jobs, &JobRunner::jobProgress, this,
                [this](qint64 job, quint8, const QString &) { jobChanged(job); });
        connect(m_jobs, &JobRunner::jobFinished, this,
                [this](qint64 job, quint8, Warden::JobState, const QString &) { jobChanged(job); });
    }
    // Waiting for a node is a state without an event of its own: looked at now and then.
    auto *poll = new QTimer(this);
    connect(poll, &QTimer::timeout, this, [this] {
        for (auto it = m_pushJobs.cbegin(); it != m_pushJobs.cend(); ++it)
            jobChanged(it.key());
    });
    poll->start(500);
    reload();
}

WhitelistEditor::WhitelistEditor(SecurityService *service, QWidget *parent)
    : WhitelistEditor(service->jobs(), service->keyStore(), service->inventory(), parent)
{ }

WhitelistEditor::~WhitelistEditor() = default;

void WhitelistEditor::buildUi()
{
    auto *intro = new QLabel(
            tr("A node accepts signed frames only from the nodes on its whitelist, each "
               "identified by its serial. Edit the lists, check the changes below, then push: "
               "each node applies its new list when it acknowledges it."),
            this);
    intro->setWordWrap(true);

    m_nodeList = new QListWidget(this);
    m_nodeList->setAccessibleName(tr("Warden nodes"));
    connect(m_nodeList, &QListWidget::currentItemChanged, this, [this] { showCurrent(); });
    connect(m_nodeList, &QListWidget::itemChanged, this, [this] {
        updateDiff();
        updateButtons();
    });
    auto *nodesLabel = new QLabel(tr("&Nodes (checked: pushed to):"), this);
    nodesLabel->setBuddy(m_nodeList);
    auto *all = new QPushButton(tr("Check &all"), this);
    auto *none = new QPushButton(tr("Check n&one"), this);
    const auto checkAll = [this](bool on) {
        for (int r = 0; r < m_nodeList->count(); ++r)
            m_nodeList->item(r)->setCheckState(on ? Qt::Checked : Qt::Unchecked);
    };
    connect(all, &QPushButton::clicked, this, [checkAll] { checkAll(true); });
    connect(none, &QPushButton::clicked, this, [checkAll] { checkAll(false); });
    auto *nodesBox = new QWidget(this);
    auto *nodesLayout = new QVBoxLayout(nodesBox);
    nodesLayout->setContentsMargins(0, 0, 0, 0);
    nodesLayout->addWidget(nodesLabel);
    nodesLayout->addWidget(m_nodeList, 1);
    auto *checkRow = new QHBoxLayout;
    checkRow->addWidget(all);
    checkRow->addWidget(none);
    nodesLayout->addLayout(checkRow);

    m_entries = new QTableWidget(0, 2, this);
    m_entries->setHorizontalHeaderLabels({tr("Node"), tr("Serial")});
    m_entries->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_entries->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_entries->verticalHeader()->hide();
    m_entries->horizontalHeader()->setStretchLastSection(true);
    m_entries->setAccessibleName(tr("Whitelist of the selected node"));
    connect(m_entries, &QTableWidget::itemSelectionChanged, this, &WhitelistEditor::updateButtons);
    auto *entriesLabel = new QLabel(tr("&Whitelist of the selected node:"), this);
    entriesLabel->setBuddy(m_entries);
    m_entryId = new QSpinBox(this);
    m_entryId->setRange(0, 254);
    m_entryId->setAccessibleName(tr("Node id to list"));
    m_entryId->setToolTip(tr("0 is the gateway."));
    m_entrySerial = new QLineEdit(this);
    m_entrySerial->setPlaceholderText(tr("18 hex digits"));
    m_entrySerial->setAccessibleName(tr("Serial of the node to list"));
    connect(m_entryId, &QSpinBox::valueChanged, this, [this](int id) {
        m_entrySerial->setText(QString::fromLatin1(knownSerial(quint8(id)).toHex()));
    });
    connect(m_entrySerial, &QLineEdit::textChanged, this, &WhitelistEditor::updateButtons);
    m_add = new QPushButton(tr("A&dd"), this);
    connect(m_add, &QPushButton::clicked, this, &WhitelistEditor::addEntry);
    m_remove = new QPushButton(tr("&Remove selected"), this);
    m_remove->setShortcut(QKeySequence::Delete);
    connect(m_remove, &QPushButton::clicked, this, &WhitelistEditor::removeSelected);
    m_networkWide = new QCheckBox(tr("Network-wide: add and remove on every &checked node"), this);
    auto *idLabel = new QLabel(tr("&Id:"), this);
    idLabel->setBuddy(m_entryId);
    auto *serialLabel = new QLabel(tr("&Serial:"), this);
    serialLabel->setBuddy(m_entrySerial);
    auto *addRow = new QHBoxLayout;
    addRow->addWidget(idLabel);
    addRow->addWidget(m_entryId);
    addRow->addWidget(serialLabel);
    addRow->addWidget(m_entrySerial, 1);
    addRow->addWidget(m_add);
    auto *entriesBox = new QWidget(this);
    auto *entriesLayout = new QVBoxLayout(entriesBox);
    entriesLayout->setContentsMargins(0, 0, 0, 0);
    entriesLayout->addWidget(entriesLabel);
    entriesLayout->addWidget(m_entries, 1);
    entriesLayout->addLayout(addRow);
    entriesLayout->addWidget(m_remove, 0, Qt::AlignRight);
    entriesLayout->addWidget(m_networkWide);

    auto *top = new QSplitter(this);
    top->addWidget(nodesBox);
    top->addWidget(entriesBox);
    top->setStretchFactor(1, 2);

    m_diffView = new QPlainTextEdit(this);
    m_diffView->setReadOnly(true);
    m_diffView->setAccessibleName(tr("Changes to push"));
    auto *diffLabel = new QLabel(tr("C&hanges to push:"), this);
    diffLabel->setBuddy(m_diffView);
    m_push = new QPushButton(tr("&Push to the checked nodes"), this);
    connect(m_push, &QPushButton::clicked, this, &WhitelistEditor::push);
    m_progress = new QTableWidget(0, 2, this);
    m_progress->setHorizontalHeaderLabels({tr("Node"), tr("State")});
    m_progress->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_progress->verticalHeader()->hide();
    m_progress->horizontalHeader()->setStretchLastSection(true);
    m_progress->setAccessibleName(tr("Push progress"));
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *close = new QPushButton(tr("Close"), this);
    connect(close, &QPushButton::clicked, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(top, 2);
    layout->addWidget(diffLabel);
    layout->addWidget(m_diffView, 1);
    auto *pushRow = new QHBoxLayout;
    pushRow->addWidget(m_status, 1);
    pushRow->addWidget(m_push);
    layout->addLayout(pushRow);
    layout->addWidget(m_progress, 1);
    layout->addWidget(close, 0, Qt::AlignRight);
    resize(820, 680);
}

QByteArray WhitelistEditor::knownSerial(quint8 node) const
{
    return m_serials.value(node);
}

std::optional<QList<WhitelistItem>> WhitelistEditor::currentWhitelist(quint8 node) const
{
    const auto it = m_current.constFind(node);
    if (it == m_current.cend())
        return std::nullopt;
    return *it;
}

void WhitelistEditor::reload()
{
    m_nodes.clear();
    m_serials.clear();
    if (m_store) {
        if (const auto gateway = m_store->gatewaySerial())
            m_serials.insert(0, QByteArray(reinterpret_cast<const char *>(gateway->data()),
                                           qsizetype(gateway->size())));
        for (const NodeKeyInfo &n : m_store->nodes()) {
            if (n.serial)
                m_serials.insert(n.nodeId,
                                 QByteArray(reinterpret_cast<const char *>(n.serial->data()),
                                            qsizetype(n.serial->size())));
            if (!n.managementKeyFingerprint.isEmpty())
                m_nodes << n.nodeId;
        }
    }
    if (m_inventory) {
        if (auto nodes = m_inventory->nodes(); nodes) {
            for (const NodeRecord &n : *nodes) {
                const QByteArray serial = QByteArray::fromHex(n.serialHex.toLatin1());
                if (!m_serials.contains(n.id) && serial.size() == 9)
                    m_serials.insert(n.id, serial);
            }
        }
    }
    std::sort(m_nodes.begin(), m_nodes.end());

    // What each node holds: the whitelist jobs it acknowledged, in order.
    m_current.clear();
    if (m_jobs) {
        QList<ManagementJob> jobs = m_jobs->jobs();
        std::sort(jobs.begin(), jobs.end(),
                  [](const ManagementJob &a, const ManagementJob &b) { return a.id < b.id; });
        for (const ManagementJob &job : jobs) {
            const bool whitelistJob
                    = job.action.operation == Protocol::ManagementOperation::ReplaceWhitelist
                      || job.action.operation == Protocol::ManagementOperation::AddWhitelistEntry
                      || job.action.operation
                                 == Protocol::ManagementOperation::RemoveWhitelistEntry;
            // A push still under way (from earlier, or from another window) is shown as such.
            if (whitelistJob && (job.state == JobState::Pending || job.state == JobState::Running)
                && !m_pushJobs.contains(job.id))
                m_pushJobs.insert(job.id, job.node);
            if (job.state != JobState::Done)
                continue;
            const ManagementAction &a = job.action;
            switch (a.operation) {
            case Protocol::ManagementOperation::ReplaceWhitelist: {
                QList<WhitelistItem> list = a.whitelist;
                sortById(list);
                m_current.insert(job.node, list);
                break;
            }
            case Protocol::ManagementOperation::AddWhitelistEntry:
                if (m_current.contains(job.node) && !a.whitelist.isEmpty())
                    putEntry(m_current[job.node], a.whitelist.first());
                break;
            case Protocol::ManagementOperation::RemoveWhitelistEntry:
                if (m_current.contains(job.node))
                    removeEntry(m_current[job.node], a.removedNode);
                break;
            default:
                break;
            }
        }
    }
    for (const quint8 node : std::as_const(m_nodes)) {
        if (m_desired.contains(node))
            continue;
        if (const auto current = currentWhitelist(node)) {
            m_desired.insert(node, *current);
        } else {
            // As the station personalizes by default: the gateway only.
            QList<WhitelistItem> initial;
            if (m_serials.contains(0))
                initial << WhitelistItem {0, m_serials.value(0)};
            m_desired.insert(node, initial);
        }
    }

    const QList<quint8> checked = checkedNodes();
    const int current = currentNode();
    const QSignalBlocker blocker(m_nodeList);
    m_nodeList->clear();
    for (const quint8 node : std::as_const(m_nodes)) {
        auto *item = new QListWidgetItem(m_current.contains(node)
                                                 ? tr("Node %1").arg(node)
                                                 : tr("Node %1 (list not pushed yet)").arg(node),
                                         m_nodeList);
        item->setData(kNodeRole, int(node));
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(checked.contains(node) ? Qt::Checked : Qt::Unchecked);
        if (node == current)
            m_nodeList->setCurrentItem(item);
    }
    if (!m_nodeList->currentItem() && m_nodeList->count() > 0)
        m_nodeList->setCurrentRow(0);
    if (m_nodes.isEmpty())
        m_status->setText(tr("No node has a management key on file, so no whitelist can be "
                             "pushed. Personalize nodes with Warden firmware first."));
    else if (!m_jobs)
        m_status->setText(tr("The network is not running, so nothing can be pushed now."));
    m_entrySerial->setText(QString::fromLatin1(knownSerial(quint8(m_entryId->value())).toHex()));
    for (auto it = m_pushJobs.cbegin(); it != m_pushJobs.cend(); ++it)
        jobChanged(it.key());
    showCurrent();
    updateDiff();
    updateButtons();
}

QList<quint8> WhitelistEditor::checkedNodes() const
{
    QList<quint8> out;
    for (int r = 0; r < m_nodeList->count(); ++r) {
        const QListWidgetItem *item = m_nodeList->item(r);
        if (item->checkState() == Qt::Checked)
            out << quint8(item->data(kNodeRole).toInt());
    }
    return out;
}

void WhitelistEditor::setChecked(quint8 node, bool checked)
{
    for (int r = 0; r < m_nodeList->count(); ++r) {
        QListWidgetItem *item = m_nodeList->item(r);
        if (item->data(kNodeRole).toInt() == node)
            item->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
    }
}

void WhitelistEditor::setCurrentNode(quint8 node)
{
    for (int r = 0; r < m_nodeList->count(); ++r) {
        if (m_nodeList->item(r)->data(kNodeRole).toInt() == node)
            m_nodeList->setCurrentRow(r);
    }
}

int WhitelistEditor::currentNode() const
{
    const QListWidgetItem *item = m_nodeList->currentItem();
    return item ? item->data(kNodeRole).toInt() : -1;
}

void WhitelistEditor::setDesiredWhitelist(quint8 node, const QList<WhitelistItem> &entries)
{
    QList<WhitelistItem> list = entries;
    sortById(list);
    m_desired.insert(node, list);
    showCurrent();
    updateDiff();
}

QString WhitelistEditor::entryText(const WhitelistItem &item) const
{
    const QString serial = QString::fromLatin1(item.serial.toHex());
    return item.node == 0 ? tr("the gateway (%1)").arg(serial)
                          : tr("node %1 (%2)").arg(item.node).arg(serial);
}

void WhitelistEditor::showCurrent()
{
    const int node = currentNode();
    const QList<WhitelistItem> list = node < 0 ? QList<WhitelistItem>() : m_desired.value(node);
    m_entries->setRowCount(int(list.size()));
    for (int r = 0; r < list.size(); ++r) {
        const WhitelistItem &item = list.at(r);
        m_entries->setItem(r, 0,
                           new QTableWidgetItem(item.node == 0 ? tr("0 (gateway)")
                                                               : QString::number(item.node)));
        m_entries->item(r, 0)->setData(kNodeRole, int(item.node));
        m_entries->setItem(r, 1, new QTableWidgetItem(QString::fromLatin1(item.serial.toHex())));
    }
    updateButtons();
}

void WhitelistEditor::updateButtons()
{
    const bool serialOk = QRegularExpression(QStringLiteral("^[0-9A-Fa-f]{18}$"))
                                  .match(m_entrySerial->text().trimmed())
                                  .hasMatch();
    const bool targets
            = m_networkWide->isChecked() ? !checkedNodes().isEmpty() : currentNode() >= 0;
    m_add->setEnabled(serialOk && targets);
    m_remove->setEnabled(targets && !m_entries->selectedItems().isEmpty());
    m_push->setEnabled(m_jobs && !checkedNodes().isEmpty());
}

void WhitelistEditor::addEntry()
{
    const QByteArray serial = QByteArray::fromHex(m_entrySerial->text().trimmed().toLatin1());
    if (serial.size() != 9) {
        m_status->setText(tr("A serial is 18 hex digits (9 bytes)."));
        return;
    }
    const WhitelistItem item {quint8(m_entryId->value()), serial};
    QList<quint8> targets;
    if (m_networkWide->isChecked())
        targets = checkedNodes();
    else if (currentNode() >= 0)
        targets << quint8(currentNode());
    QStringList full;
    for (const quint8 node : std::as_const(targets)) {
        if (node == item.node)
            continue; // a node need not list itself
        QList<WhitelistItem> &list = m_desired[node];
        const bool listed = std::any_of(list.cbegin(), list.cend(), [&](const WhitelistItem &i) {
            return i.node == item.node;
        });
        if (!listed && list.size() >= qsizetype(Protocol::kManagementMaxWhitelistEntries)) {
            full << QString::number(node);
            continue;
        }
        putEntry(list, item);
    }
    m_status->setText(full.isEmpty() ? QString()
                                     : tr("Not added to node(s) %1: a whitelist holds at most "
                                          "%2 entries.")
                                               .arg(full.join(QStringLiteral(", ")))
                                               .arg(Protocol::kManagementMaxWhitelistEntries));
    showCurrent();
    updateDiff();
}

void WhitelistEditor::removeSelected()
{
    QList<quint8> ids;
    for (const QTableWidgetItem *item : m_entries->selectedItems())
        if (item->column() == 0)
            ids << quint8(item->data(kNodeRole).toInt());
    QList<quint8> targets;
    if (m_networkWide->isChecked())
        targets = checkedNodes();
    else if (currentNode() >= 0)
        targets << quint8(currentNode());
    for (const quint8 node : std::as_const(targets))
        for (const quint8 id : std::as_const(ids))
            removeEntry(m_desired[node], id);
    showCurrent();
    updateDiff();
}

QList<WhitelistDiff> WhitelistEditor::diff() const
{
    QList<WhitelistDiff> out;
    for (const quint8 node : checkedNodes()) {
        WhitelistDiff d;
        d.node = node;
        const QList<WhitelistItem> desired = m_desired.value(node);
        const auto current = currentWhitelist(node);
        d.currentKnown = current.has_value();
        if (!current) {
            d.added = desired;
        } else {
            for (const WhitelistItem &want : desired) {
                const bool same = std::any_of(
                        current->cbegin(), current->cend(), [&](const WhitelistItem &have) {
                            return have.node == want.node && have.serial == want.serial;
                        });
                if (!same)
                    d.added << want;
            }
            for (const WhitelistItem &have : *current) {
                const bool kept = std::any_of(
                        desired.cbegin(), desired.cend(),
                        [&](const WhitelistItem &want) { return want.node == have.node; });
                if (!kept)
                    d.removed << have.node;
            }
        }
        out << d;
    }
    return out;
}

QString WhitelistEditor::diffText() const
{
    QStringList lines;
    for (const WhitelistDiff &d : diff()) {
        if (d.isEmpty()) {
            lines << tr("Node %1: no change.").arg(d.node);
            continue;
        }
        QStringList gained;
        for (const WhitelistItem &item : d.added)
            gained << entryText(item);
        if (!d.currentKnown) {
            lines << tr("Node %1: its list was never pushed by Warden, so it is replaced whole; "
                        "it will list %2.")
                             .arg(d.node)
                             .arg(gained.isEmpty() ? tr("nobody")
                                                   : gained.join(QStringLiteral(", ")));
            continue;
        }
        QStringList parts;
        if (!gained.isEmpty())
            parts << tr("gains %1").arg(gained.join(QStringLiteral(", ")));
        QStringList lost;
        for (const quint8 id : d.removed)
            lost << (id == 0 ? tr("the gateway") : tr("node %1").arg(id));
        if (!lost.isEmpty())
            parts << tr("loses %1").arg(lost.join(QStringLiteral(", ")));
        lines << tr("Node %1: %2.").arg(d.node).arg(parts.join(QStringLiteral("; ")));
        if (d.removed.contains(0))
            lines << tr("  Warning: without the gateway on its list, node %1 no longer accepts "
                        "the gateway's signed frames if it requires whitelisting.")
                             .arg(d.node);
    }
    if (lines.isEmpty())
        return tr("Check the nodes to push to.");
    return lines.join(u'\n');
}

void WhitelistEditor::updateDiff()
{
    m_diffView->setPlainText(diffText());
}

void WhitelistEditor::setRow(quint8 node, PushState state, const QString &text)
{
    m_pushState.insert(node, state);
    m_pushText.insert(node, text);
    int row = -1;
    for (int r = 0; r < m_progress->rowCount(); ++r)
        if (m_progress->item(r, 0)->data(kNodeRole).toInt() == node)
            row = r;
    if (row < 0) {
        row = m_progress->rowCount();
        m_progress->insertRow(row);
        auto *item = new QTableWidgetItem(QString::number(node));
        item->setData(kNodeRole, int(node));
        m_progress->setItem(row, 0, item);
        m_progress->setItem(row, 1, new QTableWidgetItem);
    }
    m_progress->item(row, 1)->setText(text);
    m_progress->item(row, 1)->setForeground(
            state == PushState::Failed ? QColor(0xb0, 0x00, 0x20)
                                       : (state == PushState::Applied ? QColor(0x1b, 0x5e, 0x20)
                                                                      : palette().text().color()));
}

void WhitelistEditor::push()
{
    if (!m_jobs) {
        m_status->setText(tr("The network is not running, so nothing can be pushed now."));
        return;
    }
    m_pushJobs.clear();
    m_pushState.clear();
    m_pushText.clear();
    m_progress->setRowCount(0);
    int sent = 0;
    for (const WhitelistDiff &d : diff()) {
        if (d.isEmpty()) {
            setRow(d.node, PushState::None, tr("no change, not sent"));
            continue;
        }
        const ManagementAction action = ManagementAction::replaceWhitelist(m_desired.value(d.node));
        if (auto valid = action.validate(); !valid) {
            setRow(d.node, PushState::Failed, tr("failed: %1").arg(valid.error().message()));
            continue;
        }
        auto job = m_jobs->submit(d.node, action);
        if (!job) {
            setRow(d.node, PushState::Failed, tr("failed: %1").arg(job.error().message()));
            continue;
        }
        m_pushJobs.insert(*job, d.node);
        setRow(d.node, PushState::Queued, tr("queued"));
        ++sent;
    }
    qCInfo(lcWhitelistEditor, "whitelist push to %d node(s)", sent);
    m_status->setText(sent ? tr("Pushing to %n node(s)...", nullptr, sent)
                           : tr("Nothing to push."));
    for (auto it = m_pushJobs.cbegin(); it != m_pushJobs.cend(); ++it)
        jobChanged(it.key());
}

void WhitelistEditor::jobChanged(qint64 id)
{
    const auto node = m_pushJobs.constFind(id);
    if (node == m_pushJobs.cend() || !m_jobs)
        return;
    const auto job = m_jobs->job(id);
    if (!job)
        return;
    const PushState before = pushState(*node);
    switch (job->state) {
    case JobState::Pending:
    case JobState::Running:
        if (job->waitingForNode)
            setRow(*node, PushState::Waiting,
                   tr("pending: node %1 does not answer; sent again when it is heard (%2)")
                           .arg(*node)
                           .arg(job->lastError.isEmpty() ? tr("no acknowledgement")
                                                         : job->lastError));
        else if (job->attempts > 0)
            setRow(*node, PushState::Sending, tr("sending (attempt %1)").arg(job->attempts));
        break;
    case JobState::Done:
        if (before != PushState::Applied) {
            setRow(*node, PushState::Applied, tr("applied (authenticated acknowledgement)"));
            QList<WhitelistItem> list = job->action.whitelist;
            sortById(list);
            m_current.insert(*node, list);
            if (QListWidgetItem *item = m_nodeList->item(int(m_nodes.indexOf(*node))))
                item->setText(tr("Node %1").arg(*node));
            updateDiff();
        }
        break;
    case JobState::Failed:
        setRow(*node, PushState::Failed,
               tr("failed: %1").arg(job->lastError.isEmpty() ? tr("refused") : job->lastError));
        break;
    case JobState::Cancelled:
        setRow(*node, PushState::Cancelled, tr("cancelled"));
        break;
    }
    if (pushState(*node) == before)
        return;
    int applied = 0, waiting = 0, failed = 0, busy = 0;
    for (const quint8 n : std::as_const(m_pushJobs)) {
        switch (pushState(n)) {
        case PushState::Applied:
            ++applied;
            break;
        case PushState::Waiting:
            ++waiting;
            break;
        case PushState::Failed:
        case PushState::Cancelled:
            ++failed;
            break;
        default:
            ++busy;
        }
    }
    m_status->setText(tr("%1 applied, %2 pending, %3 failed, %4 in progress.")
                              .arg(applied)
                              .arg(waiting)
                              .arg(failed)
                              .arg(busy));
    if (busy == 0)
        Q_EMIT pushSettled();
}

} // namespace Warden::Internal
