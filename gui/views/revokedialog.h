// Revoking a lost node in one click: one confirmation that says, from the security workflows'
// preview, what will happen (blocked now, removed from N whitelists, the shared key burnt or
// not, what stays exposed and the rotation that follows), then the live progress of the
// whitelist removals per node, and a final state with the next step. The same dialog re-admits
// a revoked node, with its own confirmation that re-personalization comes first.
#pragma once

#include <warden/jobs.h>
#include <warden/securityworkflows.h>

#include <QtCore/QAbstractTableModel>
#include <QtCore/QPointer>
#include <QtWidgets/QDialog>

#include <optional>

QT_BEGIN_NAMESPACE
class QLabel;
class QLineEdit;
class QPushButton;
class QStackedWidget;
class QTableView;
QT_END_NAMESPACE

namespace Warden {
class SecurityService;
}

namespace Warden::Internal {

/// "node 3 (Temp)" or "node 3" when the inventory has no sketch name for it.
QString nodeLabel(const Inventory *inventory, quint8 node);

/// The whitelist removals of one revocation, one row per node: its job's state and last word.
/// Fed by the JobRunner's signals; the batch is settled when no row is pending.
class RevokeProgressModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { NodeColumn, StateColumn, DetailColumn, ColumnCount };
    enum Role { NodeIdRole = Qt::UserRole + 1, JobStateRole };

    explicit RevokeProgressModel(QObject *parent = nullptr);

    /// Follows the jobs of @p batch of @p runner (null or batch 0: nothing to follow).
    void track(JobRunner *runner, qint64 batch, const Inventory *inventory);
    /// True when every job of the batch is applied, failed or cancelled.
    bool isSettled() const;
    int applied() const;
    int failed() const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    /// The last pending job of the batch finished.
    void settled();

private:
    struct Row
    {
        quint8 node = 0;
        qint64 job = 0;
        QString label;
        JobState state = JobState::Pending;
        QString detail;
    };
    int rowOfJob(qint64 job) const;
    void onProgress(qint64 job, const QString &what);
    void onFinished(qint64 job, JobState state, const QString &reason);

    QList<Row> m_rows;
    QMetaObject::Connection m_progress;
    QMetaObject::Connection m_finished;
};

/// Revokes (or re-admits) one node of one network. Non-modal friendly: show() or open(); the
/// network keeps running while it is up.
class RevokeDialog : public QDialog
{
    Q_OBJECT

public:
    enum class Stage {
        Confirm, ///< the confirmation with the preview and the reason
        Refused, ///< the preview was refused (unknown or already revoked node): why
        Progress, ///< revoked; the whitelist removals run
        Done, ///< every removal is settled: the final state and the next step
        ConfirmReadmit, ///< a revoked node: the re-admission confirmation
        Readmitted, ///< re-admitted: the report
    };

    /// Opens on the revocation of @p node, or on its re-admission when it is revoked already.
    RevokeDialog(SecurityService *service, quint8 node, QWidget *parent = nullptr);
    ~RevokeDialog() override;

    Stage stage() const { return m_stage; }
    quint8 node() const { return m_node; }
    /// Who the audit log names ("console" unless set).
    void setOperator(const QString &who) { m_operator = who; }
    /// The node's new identity from the personalization dialog (keys stay in memory only
    /// until the re-admission); without it, re-admission needs a new serial typed in.
    void setPersonalization(NodePersonalization record);

    /// What the confirmation says (plain words, one point per line).
    QString confirmationText() const;
    /// The preview the confirmation was made from (none when it was refused).
    const std::optional<RevocationReport> &preview() const { return m_preview; }
    /// The report of the revocation once done.
    const std::optional<RevocationReport> &report() const { return m_report; }
    RevokeProgressModel *progressModel() const { return m_progress; }

    QLineEdit *reasonField() const { return m_reason; }
    QPushButton *revokeButton() const { return m_revoke; }
    QPushButton *cancelButton() const { return m_cancel; }
    QPushButton *rotateButton() const { return m_rotate; }
    QPushButton *closeButton() const { return m_close; }
    QLineEdit *serialField() const { return m_serial; }
    QLineEdit *readmitReasonField() const { return m_readmitReason; }
    QPushButton *readmitButton() const { return m_readmit; }
    /// The line that says where things stand (progress, the final state, an error).
    QLabel *statusLabel() const { return m_status; }

Q_SIGNALS:
    /// The node is blocked (the inventory commits the revocation).
    void nodeRevoked(quint8 node);
    void nodeReadmitted(quint8 node);
    /// The user asked for the rotation the revocation calls for; the rotation wizard opens
    /// unless someone handles it (see rotationWizardOpened).
    void rotationRequested(const Warden::RotationPlan &plan);
    /// The wizard the dialog opened for the rotation.
    void rotationWizardOpened(QWidget *wizard);

private:
    void buildConfirmPage();
    void buildProgressPage();
    void buildReadmitPage();
    void setStage(Stage stage);
    void doRevoke();
    void doReadmit();
    void updateProgress();
    void openRotation();

    QPointer<SecurityService> m_service; ///< not owned; may end before the dialog
    quint8 m_node;
    QString m_operator;
    Stage m_stage = Stage::Confirm;
    std::optional<RevocationReport> m_preview;
    std::optional<RevocationReport> m_report;
    std::optional<NodePersonalization> m_personalization;
    RevokeProgressModel *m_progress;

    QStackedWidget *m_pages = nullptr;
    QLabel *m_headline = nullptr;
    QLabel *m_confirmation = nullptr;
    QLineEdit *m_reason = nullptr;
    QPushButton *m_revoke = nullptr;
    QPushButton *m_cancel = nullptr;
    QLabel *m_status = nullptr;
    QTableView *m_table = nullptr;
    QLabel *m_summary = nullptr;
    QLabel *m_next = nullptr;
    QPushButton *m_rotate = nullptr;
    QPushButton *m_close = nullptr;
    QLabel *m_readmitText = nullptr;
    QLineEdit *m_serial = nullptr;
    QLineEdit *m_readmitReason = nullptr;
    QPushButton *m_readmit = nullptr;
};

} // namespace Warden::Internal
