// The node inventory as the user sees it: a search field, a security-state filter with the
// colour legend, and the sortable table. Double-clicking a node (or Enter) asks for its details.
#pragma once

#include <models/nodefilterproxy.h>

#include <QtWidgets/QWidget>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;
QT_END_NAMESPACE

namespace Warden::Internal {

class InventoryView : public QWidget
{
    Q_OBJECT

public:
    explicit InventoryView(NodeInventoryModel *model, QWidget *parent = nullptr);

    QLineEdit *searchField() const { return m_search; }
    QComboBox *stateFilter() const { return m_states; }
    QTableView *table() const { return m_table; }
    NodeFilterProxy *proxy() const { return m_proxy; }
    /// "12 of 250 nodes shown"
    QString summary() const;

    /// The network and id of the selected node, if one is selected.
    std::optional<std::pair<QString, quint8>> selectedNode() const;

Q_SIGNALS:
    void nodeActivated(const QString &network, quint8 node);

private:
    void updateSummary();

    NodeInventoryModel *m_model;
    NodeFilterProxy *m_proxy;
    QLineEdit *m_search;
    QComboBox *m_states;
    QLabel *m_summary;
    QTableView *m_table;
};

} // namespace Warden::Internal
