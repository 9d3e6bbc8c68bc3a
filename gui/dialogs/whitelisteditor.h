// The whitelist editor: each Warden node's whitelist (the nodes whose signatures it accepts,
// by id and serial), edited per node or for every checked node at once, a diff of what each
// node's list gains and loses before anything is sent, and the push through the JobRunner
// (one ReplaceWhitelist job per changed node) with per-node progress and final state: applied
// (the node's authenticated acknowledgement), pending (the node does not answer; the runner
// keeps trying when it is heard) or failed, with the reason.
//
// What a node holds now is what core last got an authenticated acknowledgement for (the
// runner's finished whitelist jobs, replayed in order); a node core never pushed to shows its
// list as unknown, and a push replaces it whole.
#pragma once

#include <warden/jobs.h>
#include <warden/managementtypes.h>

#include <QtCore/QMap>
#include <QtWidgets/QDialog>

#include <optional>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;
QT_END_NAMESPACE

namespace Warden {
class Inventory;
class KeyStore;
class SecurityService;
} // namespace Warden

namespace Warden::Internal {

/// What one node's whitelist gains and loses.
struct WhitelistDiff
{
    quint8 node = 0;
    bool currentKnown = false; ///< false: never pushed by core, the push replaces it whole
    QList<WhitelistItem> added; ///< ids new to the list, or listed with another serial
    QList<quint8> removed;
    bool isEmpty() const { return currentKnown && added.isEmpty() && removed.isEmpty(); }
};

class WhitelistEditor : public QDialog
{
    Q_OBJECT

public:
    /// Where a node's push stands.
    enum class PushState { None, Queued, Sending, Waiting, Applied, Failed, Cancelled };

    /// @p jobs may be null (nothing can be pushed then); none is owned.
    WhitelistEditor(JobRunner *jobs, KeyStore *store, Inventory *inventory,
                    QWidget *parent = nullptr);
    /// The service's runner (started), key store and inventory.
    explicit WhitelistEditor(SecurityService *service, QWidget *parent = nullptr);
    ~WhitelistEditor() override;

    /// Nodes that can be pushed to: a management key on file (Warden firmware), ascending.
    QList<quint8> wardenNodes() const { return m_nodes; }
    /// What @p node holds as far as core knows; nullopt when core never pushed its list.
    std::optional<QList<WhitelistItem>> currentWhitelist(quint8 node) const;
    /// The list being edited for @p node (sorted by id).
    QList<WhitelistItem> desiredWhitelist(quint8 node) const { return m_desired.value(node); }
    void setDesiredWhitelist(quint8 node, const QList<WhitelistItem> &entries);
    /// The serial core knows for @p node (the gateway's for 0), 9 bytes, or empty.
    QByteArray knownSerial(quint8 node) const;

    /// Nodes checked for the push (and for network-wide edits).
    QList<quint8> checkedNodes() const;
    void setChecked(quint8 node, bool checked);
    /// The node whose list the table shows.
    void setCurrentNode(quint8 node);
    int currentNode() const;

    /// The diff of every checked node, in node order.
    QList<WhitelistDiff> diff() const;
    /// The same in words, as the diff box shows it.
    QString diffText() const;

    PushState pushState(quint8 node) const { return m_pushState.value(node, PushState::None); }
    /// "applied (authenticated acknowledgement)", "pending: waiting for node 4", "failed: ..."
    QString pushText(quint8 node) const { return m_pushText.value(node); }

    QListWidget *nodeList() const { return m_nodeList; }
    QTableWidget *entryTable() const { return m_entries; }
    QSpinBox *entryIdBox() const { return m_entryId; }
    QLineEdit *entrySerialField() const { return m_entrySerial; }
    QPushButton *addButton() const { return m_add; }
    QPushButton *removeButton() const { return m_remove; }
    QCheckBox *networkWideBox() const { return m_networkWide; }
    QPlainTextEdit *diffView() const { return m_diffView; }
    QPushButton *pushButton() const { return m_push; }
    QTableWidget *progressTable() const { return m_progress; }
    QLabel *status() const { return m_status; }

public Q_SLOTS:
    /// Reads the nodes, their serials and what the runner applied, again. Edits are kept.
    void reload();
    /// Adds the entry in the id and serial fields to the current node, or to every checked
    /// node when "network-wide" is on (replacing the serial of an id already listed).
    void addEntry();
    /// Removes the selected entries' ids from the current node, or from every checked node.
    void removeSelected();
    /// Pushes the checked nodes' changed lists; nodes without a change are skipped.
    void push();

Q_SIGNALS:
    /// Every job of the last push has left the runner's hands or waits for its node.
    void pushSettled();

private:
    void buildUi();
    void showCurrent();
    void updateDiff();
    void updateButtons();
    void setRow(quint8 node, PushState state, const QString &text);
    void jobChanged(qint64 job);
    QString entryText(const WhitelistItem &item) const;

    JobRunner *m_jobs;
    KeyStore *m_store;
    Inventory *m_inventory;
    QList<quint8> m_nodes;
    QMap<quint8, QByteArray> m_serials;
    QMap<quint8, QList<WhitelistItem>> m_current; ///< nodes core pushed to
    QMap<quint8, QList<WhitelistItem>> m_desired;
    QMap<qint64, quint8> m_pushJobs; ///< job id -> node, of the last push
    QMap<quint8, PushState> m_pushState;
    QMap<quint8, QString> m_pushText;

    QListWidget *m_nodeList = nullptr;
    QTableWidget *m_entries = nullptr;
    QSpinBox *m_entryId = nullptr;
    QLineEdit *m_entrySerial = nullptr;
    QPushButton *m_add = nullptr;
    QPushButton *m_remove = nullptr;
    QCheckBox *m_networkWide = nullptr;
    QPlainTextEdit *m_diffView = nullptr;
    QPushButton *m_push = nullptr;
    QTableWidget *m_progress = nullptr;
    QLabel *m_status = nullptr;
};

} // namespace Warden::Internal
