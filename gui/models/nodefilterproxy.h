// Filtering and sorting of the node inventory: a search over id, sketch, version, network and
// serial (every word must match), and a choice of security states. Sorts by the source's
// SortRole, so numbers and times sort as numbers.
#pragma once

#include "nodeinventorymodel.h"

#include <QtCore/QSortFilterProxyModel>

#include <bitset>

namespace Warden::Internal {

class NodeFilterProxy : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit NodeFilterProxy(QObject *parent = nullptr);

    /// The source must be a NodeInventoryModel.
    void setSourceModel(QAbstractItemModel *source) override;

    /// Words separated by spaces; a row matches when each word is found (case-insensitive) in
    /// its id, sketch name, version, network or serial. "#7" matches node 7 exactly.
    void setSearchText(const QString &text);
    QString searchText() const { return m_text; }
    /// Shows only rows in one of @p states; all of them when @p states is empty.
    void setStates(const QList<NodeSecurityState> &states);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    const NodeInventoryModel *m_nodes = nullptr;
    QString m_text;
    QStringList m_words;
    std::bitset<8> m_states;
};

} // namespace Warden::Internal
