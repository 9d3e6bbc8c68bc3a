// One node in detail: what the inventory knows (children and last values, presentation,
// serial and key fingerprints, never keys), its signing statistics, the whitelist changes
// pushed to it, its management jobs and its audit history; and what can be done to it: send a
// value, reboot, push its configuration (the whitelist editor), revoke, re-admit.
#pragma once

#include <warden/inventory.h>

#include <QtCore/QAbstractTableModel>
#include <QtCore/QPointer>
#include <QtCore/QStringList>
#include <QtWidgets/QDialog>

QT_BEGIN_NAMESPACE
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableView;
class QTimer;
QT_END_NAMESPACE

namespace Warden {
class SecurityService;
}

namespace Warden::Internal {

/// A read-only table of texts (one per cell) with fixed headers: the detail view's lists.
class TextTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    explicit TextTableModel(const QStringList &headers, QObject *parent = nullptr);
    /// Replaces the rows (each as wide as the headers; missing cells are empty).
    void setRows(const QList<QStringList> &rows);
    QString text(int row, int column) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QStringList m_headers;
    QList<QStringList> m_rows;
};

class RevokeDialog;

/// The details of one node of one network; non-modal, kept current while open.
class NodeDetails : public QDialog
{
    Q_OBJECT

public:
    enum Tab : int { OverviewTab, ChildrenTab, SigningTab, WhitelistTab, JobsTab, AuditTab };

    NodeDetails(SecurityService *service, quint8 node, QWidget *parent = nullptr);
    ~NodeDetails() override;

    quint8 node() const { return m_node; }
    /// Who the audit log names ("console" unless set).
    void setOperator(const QString &who) { m_operator = who; }

    /// Reads everything again (the committed inventory, the runner's jobs, the engine).
    void refresh();

    /// The overview's value for @p field ("Serial", "Link key", ...): what the user reads.
    QString overviewValue(const QString &field) const;
    TextTableModel *childrenModel() const { return m_children; }
    TextTableModel *signingModel() const { return m_signing; }
    TextTableModel *whitelistModel() const { return m_whitelist; }
    TextTableModel *jobsModel() const { return m_jobs; }
    TextTableModel *auditModel() const { return m_audit; }
    QTabWidget *tabs() const { return m_tabs; }

    QSpinBox *childField() const { return m_child; }
    QComboBox *valueTypeField() const { return m_valueType; }
    QLineEdit *valueField() const { return m_value; }
    QPushButton *sendButton() const { return m_send; }
    QPushButton *rebootButton() const { return m_reboot; }
    QPushButton *pushButton() const { return m_push; }
    QPushButton *revokeButton() const { return m_revoke; }
    QPushButton *readmitButton() const { return m_readmit; }
    /// The last action's outcome or error, in plain words.
    QLabel *statusLabel() const { return m_status; }
    /// The revoke / re-admit dialog opened from here (null when none is open).
    RevokeDialog *revokeDialog() const { return m_revokeDialog; }

Q_SIGNALS:
    /// "Push configuration…": the whitelist editor is asked to open on this node.
    void pushConfigurationRequested(quint8 node);
    void nodeRevoked(quint8 node);
    void nodeReadmitted(quint8 node);

private:
    QWidget *buildOverview();
    QWidget *buildTable(TextTableModel *model, QLabel *note = nullptr);
    void setOverview(const QString &field, const QString &value);
    void sendValue();
    void askReboot();
    void openRevoke();
    void scheduleRefresh();

    QPointer<SecurityService> m_service;
    quint8 m_node;
    QString m_operator;

    QTabWidget *m_tabs = nullptr;
    QFormLayout *m_form = nullptr;
    QHash<QString, QLabel *> m_fields;
    TextTableModel *m_children;
    TextTableModel *m_signing;
    TextTableModel *m_whitelist;
    TextTableModel *m_jobs;
    TextTableModel *m_audit;
    QLabel *m_signingNote = nullptr;
    QLabel *m_whitelistNote = nullptr;
    QSpinBox *m_child = nullptr;
    QComboBox *m_valueType = nullptr;
    QLineEdit *m_value = nullptr;
    QPushButton *m_send = nullptr;
    QPushButton *m_reboot = nullptr;
    QPushButton *m_push = nullptr;
    QPushButton *m_revoke = nullptr;
    QPushButton *m_readmit = nullptr;
    QLabel *m_status = nullptr;
    QTimer *m_refreshTimer = nullptr;
    QPointer<RevokeDialog> m_revokeDialog;
};

} // namespace Warden::Internal
