#include "inventoryview.h"

#include <QtGui/QPainter>
#include <QtGui/QPixmap>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QTableView>
#include <QtWidgets/QVBoxLayout>

namespace Warden::Internal {

namespace {

constexpr NodeSecurityState kStates[]
        = {NodeSecurityState::Revoked, NodeSecurityState::Failing, NodeSecurityState::Unprotected,
           NodeSecurityState::SharedKey, NodeSecurityState::OwnKey};

QIcon swatch(const QColor &colour)
{
    QPixmap pixmap(12, 12);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setBrush(colour);
    painter.setPen(colour.darker(130));
    painter.drawEllipse(1, 1, 10, 10);
    return QIcon(pixmap);
}

} // namespace

InventoryView::InventoryView(NodeInventoryModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_proxy(new NodeFilterProxy(this))
    , m_search(new QLineEdit(this))
    , m_states(new QComboBox(this))
    , m_summary(new QLabel(this))
    , m_table(new QTableView(this))
{
    m_proxy->setSourceModel(model);

    m_search->setPlaceholderText(
            tr("Search id, sketch, version, network or serial; #7 for node 7"));
    m_search->setClearButtonEnabled(true);
    m_search->setAccessibleName(tr("Search nodes"));
    connect(m_search, &QLineEdit::textChanged, m_proxy, &NodeFilterProxy::setSearchText);

    // The state filter is the legend too: each entry carries the colour the table shows.
    m_states->setAccessibleName(tr("Security state filter"));
    m_states->addItem(tr("All security states"), -1);
    for (NodeSecurityState state : kStates)
        m_states->addItem(swatch(nodeSecurityStateColour(state)), nodeSecurityStateText(state),
                          int(state));
    m_states->addItem(tr("Needs attention (revoked, failing, not signing)"), 100);
    connect(m_states, &QComboBox::currentIndexChanged, this, [this] {
        const int value = m_states->currentData().toInt();
        if (value < 0)
            m_proxy->setStates({});
        else if (value == 100)
            m_proxy->setStates({NodeSecurityState::Revoked, NodeSecurityState::Failing,
                                NodeSecurityState::Unprotected});
        else
            m_proxy->setStates({NodeSecurityState(value)});
    });

    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(NodeInventoryModel::IdColumn, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAccessibleName(tr("Nodes"));
    connect(m_table, &QTableView::activated, this, [this](const QModelIndex &index) {
        Q_EMIT nodeActivated(index.data(NodeInventoryModel::NetworkRole).toString(),
                             quint8(index.data(NodeInventoryModel::NodeIdRole).toInt()));
    });

    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, &InventoryView::updateSummary);
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &InventoryView::updateSummary);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &InventoryView::updateSummary);
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, &InventoryView::updateSummary);

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_search, 3);
    bar->addWidget(m_states, 2);
    bar->addWidget(m_summary);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(m_table);
    updateSummary();
}

QString InventoryView::summary() const
{
    return m_summary->text();
}

void InventoryView::updateSummary()
{
    m_summary->setText(
            tr("%1 of %n node(s) shown", nullptr, m_model->rowCount()).arg(m_proxy->rowCount()));
}

std::optional<std::pair<QString, quint8>> InventoryView::selectedNode() const
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return std::nullopt;
    return std::make_pair(rows.first().data(NodeInventoryModel::NetworkRole).toString(),
                          quint8(rows.first().data(NodeInventoryModel::NodeIdRole).toInt()));
}

} // namespace Warden::Internal
