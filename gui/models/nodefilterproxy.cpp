#include "nodefilterproxy.h"

namespace Warden::Internal {

NodeFilterProxy::NodeFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(NodeInventoryModel::SortRole);
    setDynamicSortFilter(true);
}

void NodeFilterProxy::setSourceModel(QAbstractItemModel *source)
{
    m_nodes = qobject_cast<const NodeInventoryModel *>(source);
    Q_ASSERT(m_nodes || !source);
    QSortFilterProxyModel::setSourceModel(source);
}

void NodeFilterProxy::setSearchText(const QString &text)
{
    if (text == m_text)
        return;
    m_text = text;
    m_words = text.simplified().toLower().split(u' ', Qt::SkipEmptyParts);
    invalidateRowsFilter();
}

void NodeFilterProxy::setStates(const QList<NodeSecurityState> &states)
{
    std::bitset<8> wanted;
    for (NodeSecurityState state : states)
        wanted.set(size_t(state));
    if (wanted == m_states)
        return;
    m_states = wanted;
    invalidateRowsFilter();
}

bool NodeFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &) const
{
    if (!m_nodes)
        return true;
    if (m_states.any() && !m_states.test(size_t(m_nodes->securityStateAt(sourceRow))))
        return false;
    if (m_words.isEmpty())
        return true;
    const NodeRecord *node = m_nodes->nodeAt(sourceRow);
    const QString id = QString::number(node->id);
    const QString network = m_nodes->networkAt(sourceRow);
    for (const QString &word : m_words) {
        if (word.startsWith(u'#')) {
            if (QStringView(word).sliced(1) != id)
                return false;
            continue;
        }
        const bool found = id == word || node->sketchName.contains(word, Qt::CaseInsensitive)
                           || node->sketchVersion.contains(word, Qt::CaseInsensitive)
                           || network.contains(word, Qt::CaseInsensitive)
                           || node->serialHex.contains(word, Qt::CaseInsensitive);
        if (!found)
            return false;
    }
    return true;
}

} // namespace Warden::Internal
