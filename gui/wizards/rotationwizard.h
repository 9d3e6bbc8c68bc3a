// The key-rotation wizard: assess -> plan (which nodes over the air, which by USB, as a
// checklist) -> generate -> deliver (per-node progress, retries, sleeping-node waits, USB steps
// marked done) -> activate -> report (exportable). The wizard shows the KeyRotation's state and
// keeps none of its own: closed and reopened (or after a restart of the console), it opens on
// the page of the step the persisted rotation is in.
#pragma once

#include <warden/error.h>
#include <warden/rotationtypes.h>
#include <warden/securityworkflows.h>

#include <QtCore/QPointer>
#include <QtWidgets/QWizard>

#include <optional>

QT_BEGIN_NAMESPACE
class QLabel;
class QPushButton;
class QTableView;
class QWidget;
QT_END_NAMESPACE

namespace Warden {
class SecurityService;
}

namespace Warden::Internal {

class RotationNodeModel;

class RotationWizard : public QWizard
{
    Q_OBJECT

public:
    enum PageId : int { AssessPage, PlanPage, GeneratePage, DeliverPage, ActivatePage, ReportPage };

    /// Opens on the running rotation's step, or on a new rotation's assessment (every node
    /// that is not revoked and has no link key of its own gets the new key).
    explicit RotationWizard(SecurityService *service, QWidget *parent = nullptr);
    /// A new rotation from a revocation's plan (when none runs already).
    RotationWizard(SecurityService *service, const RotationPlan &plan, QWidget *parent = nullptr);
    ~RotationWizard() override;

    /// Who the audit log names ("console" unless set).
    void setOperator(const QString &who) { m_operator = who; }

    /// The page that shows @p step.
    static int pageFor(RotationStep step);

    /// The assessment: the epoch to replace, why, and who gets the new key how.
    QString assessmentText() const;
    /// The report as exported: the rotation's summary and one line per node.
    QString reportText() const;
    /// Writes reportText() to @p path atomically (QSaveFile).
    Result<void> exportReport(const QString &path) const;

    RotationNodeModel *planModel() const { return m_planModel; }
    RotationNodeModel *nodeModel() const { return m_nodeModel; }
    QTableView *planTable() const { return m_planTable; }
    QTableView *nodeTable() const { return m_nodeTable; }
    QPushButton *usbDoneButton() const { return m_usbDone; }
    QPushButton *retryButton() const { return m_retry; }
    QPushButton *excludeButton() const { return m_exclude; }
    QPushButton *exportButton() const { return m_export; }
    /// Gives the rotation up (after a confirmation), before any node uses the new key.
    QPushButton *giveUpButton() const { return m_giveUp; }
    /// Where things stand, or the last error, in plain words.
    QLabel *statusLabel() const { return m_status; }

Q_SIGNALS:
    void reportExported(const QString &path);

protected:
    void initializePage(int id) override;
    bool validateCurrentPage() override;

private:
    void build();
    void connectRotation();
    void refresh();
    void advance();
    bool startRotation();
    void selectedAction(int kind);
    void confirmPlanExclusion(const QModelIndex &topLeft);
    void askExport();
    void askGiveUp();
    QList<quint8> selectedNodes() const;
    std::optional<RotationReport> status() const;

    QPointer<SecurityService> m_service;
    QString m_operator;
    std::optional<RotationPlan> m_suggested;
    quint16 m_oldEpoch = 0;
    bool m_advancing = false;
    bool m_restoringCheck = false;

    RotationNodeModel *m_planModel = nullptr;
    RotationNodeModel *m_nodeModel = nullptr;
    QLabel *m_assessment = nullptr;
    QTableView *m_planTable = nullptr;
    QLabel *m_generated = nullptr;
    QWidget *m_progressPanel = nullptr;
    QTableView *m_nodeTable = nullptr;
    QLabel *m_counts = nullptr;
    QPushButton *m_usbDone = nullptr;
    QPushButton *m_retry = nullptr;
    QPushButton *m_exclude = nullptr;
    QPushButton *m_giveUp = nullptr;
    QLabel *m_report = nullptr;
    QPushButton *m_export = nullptr;
    QLabel *m_status = nullptr;
};

} // namespace Warden::Internal
