#include "trafficview.h"

#include <QtCore/QRegularExpression>
#include <QtCore/QSaveFile>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QFrame>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QScrollBar>
#include <QtWidgets/QTableView>
#include <QtWidgets/QVBoxLayout>

#include <algorithm>

namespace Warden::Internal {

namespace {

bool isFailedVerification(FrameVerdict verdict)
{
    switch (verdict) {
    case FrameVerdict::BadSignature:
    case FrameVerdict::NoNonce:
    case FrameVerdict::ExpiredNonce:
    case FrameVerdict::NotSigned:
    case FrameVerdict::NotWhitelisted:
        return true;
    default:
        return false;
    }
}

} // namespace

TrafficView::TrafficView(TrafficModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_proxy(new TrafficFilterProxy(this))
    , m_pause(new QPushButton(tr("&Pause"), this))
    , m_rejected(new QCheckBox(tr("&Rejected frames only"), this))
    , m_nodes(new QLineEdit(this))
    , m_bannerBox(new QFrame(this))
    , m_banner(new QLabel(m_bannerBox))
    , m_table(new QTableView(this))
{
    m_proxy->setSourceModel(model);

    m_pause->setCheckable(true);
    connect(m_pause, &QPushButton::toggled, this, [this](bool paused) {
        m_model->setPaused(paused);
        m_pause->setText(paused ? tr("&Resume") : tr("&Pause"));
    });
    connect(m_rejected, &QCheckBox::toggled, m_proxy, &TrafficFilterProxy::setRejectedOnly);
    m_nodes->setPlaceholderText(tr("Nodes, e.g. 3 7 12"));
    m_nodes->setAccessibleName(tr("Node filter"));
    m_nodes->setClearButtonEnabled(true);
    connect(m_nodes, &QLineEdit::textChanged, this, &TrafficView::applyNodeFilter);

    // The banner: red, above everything, until the user dismisses it.
    m_banner->setWordWrap(true);
    m_banner->setStyleSheet(QStringLiteral("QLabel { color: white; font-weight: bold; }"));
    m_bannerBox->setStyleSheet(QStringLiteral("QFrame#alert { background: #dc2626; }"));
    m_bannerBox->setObjectName(QStringLiteral("alert"));
    auto *dismiss = new QPushButton(tr("&Dismiss"), m_bannerBox);
    connect(dismiss, &QPushButton::clicked, this, &TrafficView::dismissAlert);
    auto *bannerLayout = new QHBoxLayout(m_bannerBox);
    bannerLayout->addWidget(m_banner, 1);
    bannerLayout->addWidget(dismiss);
    m_bannerBox->hide();

    m_table->setModel(m_proxy);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 4);
    // The reason, last, takes the width the other columns leave: it is never pushed out of the
    // view by a long payload; what does not fit is elided, and its tooltip holds all of it.
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setTextElideMode(Qt::ElideRight);
    m_table->setWordWrap(false);
    // Defaults sized for the usual contents (the user's widths are restored over them).
    const QFontMetrics metrics = m_table->fontMetrics();
    const auto width = [&metrics](const QString &sample) {
        return metrics.horizontalAdvance(sample) + 2 * metrics.averageCharWidth();
    };
    const QString defaults[TrafficModel::ColumnCount - 1] = {
            QStringLiteral("00:00:00.000"), QStringLiteral("Simulated network"),
            QStringLiteral("out"),          QStringLiteral("255"),
            QStringLiteral("255"),          QStringLiteral("255"),
            QStringLiteral("C_INTERNAL"),   QStringLiteral("I_NONCE_RESPONSE"),
            QString(kPayloadChars, u'0'),   QStringLiteral("unsigned-allowed"),
    };
    for (int column = 0; column < TrafficModel::ColumnCount - 1; ++column)
        m_table->horizontalHeader()->resizeSection(
                column, std::max(width(defaults[column]),
                                 m_table->horizontalHeader()->sectionSizeHint(column)));
    m_table->setAccessibleName(tr("Traffic"));
    // Follow the newest frame unless the user scrolled up to read something.
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, [this] {
        QScrollBar *bar = m_table->verticalScrollBar();
        if (bar->value() >= bar->maximum() - 2)
            m_table->scrollToBottom();
    });

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_pause);
    bar->addWidget(m_rejected);
    bar->addWidget(m_nodes, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_bannerBox);
    layout->addLayout(bar);
    layout->addWidget(m_table);
}

void TrafficView::fitColumns()
{
    QHeaderView *header = m_table->horizontalHeader();
    const int payloadMax = m_table->fontMetrics().horizontalAdvance(QString(kPayloadChars, u'0'))
                           + 2 * m_table->fontMetrics().averageCharWidth();
    for (int column = 0; column < TrafficModel::DetailColumn; ++column) {
        m_table->resizeColumnToContents(column);
        if (column == TrafficModel::PayloadColumn && header->sectionSize(column) > payloadMax)
            header->resizeSection(column, payloadMax);
    }
}

void TrafficView::applyNodeFilter()
{
    QList<quint8> nodes;
    bool valid = true;
    const QStringList words = m_nodes->text().split(QRegularExpression(QStringLiteral("[\\s,;]+")),
                                                    Qt::SkipEmptyParts);
    for (const QString &word : words) {
        bool ok = false;
        const int id = word.toInt(&ok);
        if (!ok || id < 0 || id > 255) {
            valid = false;
            continue;
        }
        nodes << quint8(id);
    }
    m_nodes->setToolTip(valid ? QString()
                              : tr("Node ids are whole numbers from 0 to 255, separated by "
                                   "spaces or commas"));
    m_nodes->setStyleSheet(valid ? QString()
                                 : QStringLiteral("QLineEdit { border: 2px solid #dc2626; }"));
    m_proxy->setNodes(nodes);
}

void TrafficView::addFrame(const QString &network, const TrafficRecord &record)
{
    m_model->append(network, record);
    if (record.outgoing || !isFailedVerification(record.verdict) || record.message.size() == 0)
        return;
    const quint8 node = record.message.sender();
    std::deque<qint64> &times = m_failures[node];
    times.push_back(record.timestampMs);
    while (!times.empty() && times.front() < record.timestampMs - kBurstWindowMs)
        times.pop_front();
    if (int(times.size()) < kBurstThreshold)
        return;
    times.clear(); // one banner per burst, not one per frame
    showAlert(tr("Node %1 on %2: %3 frames failed verification within %4 s (last: %5). Someone "
                 "may be forging frames or replaying them; consider revoking the node.")
                      .arg(node)
                      .arg(network)
                      .arg(kBurstThreshold)
                      .arg(kBurstWindowMs / 1000)
                      .arg(QLatin1String(frameVerdictName(record.verdict))));
}

void TrafficView::showAlert(const QString &text)
{
    m_banner->setText(text);
    m_bannerBox->show();
    Q_EMIT alertRaised(text);
}

void TrafficView::dismissAlert()
{
    m_bannerBox->hide();
    m_banner->clear();
}

QString TrafficView::alertText() const
{
    return m_bannerBox->isHidden() ? QString() : m_banner->text();
}

Result<void> TrafficView::exportTo(const QString &path) const
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(ErrorCode::Refused,
                    tr("cannot write the traffic export '%1': %2").arg(path, file.errorString()));
    if (!m_model->exportCsv(&file) || !file.commit())
        return fail(ErrorCode::Refused,
                    tr("writing the traffic export '%1' failed: %2").arg(path, file.errorString()));
    return {};
}

} // namespace Warden::Internal
