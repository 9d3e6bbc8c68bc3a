// What the console's live models share: rows tagged with the network (gateway) they came from,
// and changes gathered between publishes so views update a few times per second, not per frame.
#pragma once

#include <QtCore/QAbstractTableModel>
#include <QtCore/QStringList>
#include <QtCore/QTimer>

namespace Warden::Internal {

class BatchedTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    /// Publishes what changed now (tests, and before a view reads a row).
    virtual void publishNow() = 0;

protected:
    BatchedTableModel(int publishIntervalMs, QObject *parent)
        : QAbstractTableModel(parent)
    {
        m_publish.setSingleShot(true);
        m_publish.setInterval(publishIntervalMs);
        connect(&m_publish, &QTimer::timeout, this, [this] { publishNow(); });
    }

    /// Starts the interval unless it runs: a burst of changes is published once.
    void schedulePublish()
    {
        if (!m_publish.isActive())
            m_publish.start();
    }
    void cancelPublish() { m_publish.stop(); }

    /// The small number that stands for @p network in the rows; new names are added.
    int networkIndex(const QString &network)
    {
        int index = int(m_networks.indexOf(network));
        if (index < 0) {
            index = int(m_networks.size());
            m_networks.append(network);
        }
        return index;
    }
    /// -1 for a network never seen.
    int knownNetwork(const QString &network) const { return int(m_networks.indexOf(network)); }
    const QString &networkName(int index) const { return m_networks[index]; }

private:
    QStringList m_networks;
    QTimer m_publish;
};

} // namespace Warden::Internal
