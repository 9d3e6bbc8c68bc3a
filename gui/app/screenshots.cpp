#include "screenshots.h"

#include "consolesession.h"
#include "mainwindow.h"

#include <dialogs/keystoredialog.h>
#include <dialogs/personalizationdialog.h>
#include <dialogs/whitelisteditor.h>
#include <models/nodeinventorymodel.h>
#include <views/inventoryview.h>
#include <views/nodedetailsview.h>
#include <views/revokedialog.h>
#include <views/trafficview.h>
#include <wizards/rotationnodemodel.h>
#include <wizards/rotationwizard.h>

#include <warden/rotation.h>
#include <warden/securityservice.h>

#include <QtCore/QDeadlineTimer>
#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtCore/QItemSelectionModel>
#include <QtCore/QLoggingCategory>
#include <QtCore/QSettings>
#include <QtCore/QSortFilterProxyModel>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>
#include <QtWidgets/QApplication>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QTableView>
#include <QtWidgets/QTableWidget>

#include <functional>

using namespace Qt::StringLiterals;

namespace Warden::Internal {

Q_LOGGING_CATEGORY(lcShots, "warden.console.screenshots")

namespace {

/// Runs the event loop until @p done or @p ms pass; true when done.
bool waitFor(const std::function<bool()> &done, int ms)
{
    QDeadlineTimer deadline(ms);
    while (!done()) {
        if (deadline.hasExpired())
            return false;
        QApplication::processEvents(QEventLoop::AllEvents, 50);
        QThread::msleep(10);
    }
    return true;
}

void settle(int ms = 300)
{
    waitFor([] { return false; }, ms);
}

class Shooter
{
public:
    explicit Shooter(const QString &directory)
        : m_dir(directory)
    { }

    void shoot(QWidget *widget, const QString &name)
    {
        if (!widget) {
            fail(name, u"nothing to show"_s);
            return;
        }
        settle();
        const QString path = m_dir.filePath(name + u".png"_s);
        if (!widget->grab().save(path, "PNG"))
            fail(name, u"cannot write "_s + path);
        else
            qCInfo(lcShots).noquote() << "saved" << path;
    }
    void fail(const QString &name, const QString &why)
    {
        qCWarning(lcShots).noquote() << name << "not taken:" << why;
        m_failed = true;
    }
    bool failed() const { return m_failed; }

private:
    QDir m_dir;
    bool m_failed = false;
};

bool selectNode(MainWindow &window, quint8 node)
{
    QTableView *table = window.inventoryView()->table();
    QAbstractItemModel *model = table->model();
    for (int row = 0; row < model->rowCount(); ++row) {
        const QModelIndex index = model->index(row, 0);
        if (index.data(NodeInventoryModel::NodeIdRole).toInt() == node) {
            table->selectionModel()->select(index, QItemSelectionModel::ClearAndSelect
                                                           | QItemSelectionModel::Rows);
            table->setCurrentIndex(index);
            return true;
        }
    }
    return false;
}

} // namespace

int takeScreenshots(const QString &directory)
{
    if (!QDir().mkpath(directory)) {
        qCWarning(lcShots).noquote() << "cannot make" << directory;
        return 1;
    }
    QTemporaryDir data;
    if (!data.isValid())
        return 1;
    QSettings settings(data.filePath(u"console.ini"_s), QSettings::IniFormat);
    ConsoleSession session(&settings, data.path());
    if (const auto started = session.start(); !started) {
        qCWarning(lcShots).noquote() << started.error().message();
        return 1;
    }
    const QString network = ConsoleSession::simulatedName();
    Shooter shooter(directory);
    MainWindow window(&session, &settings);
    window.resize(1200, 800);
    window.show();
    if (!waitFor([&] { return window.nodeModel()->rowCount() >= ConsoleSession::kSimulatedNodes; },
                 20000))
        shooter.fail(u"main-window"_s, u"the simulated nodes did not present themselves"_s);
    // Every node presented (its sketch's name known) and a few of its reports in the traffic.
    waitFor(
            [&] {
                QAbstractItemModel *nodes = window.nodeModel();
                for (int row = 0; row < nodes->rowCount(); ++row) {
                    if (nodes->index(row, NodeInventoryModel::NameColumn)
                                .data()
                                .toString()
                                .isEmpty())
                        return false;
                }
                return window.trafficModel()->rowCount() >= 40;
            },
            12000);
    // Columns as wide as what they hold, so that the state column and the reason are in the
    // picture.
    window.inventoryView()->table()->resizeColumnsToContents();
    window.trafficView()->fitColumns();
    selectNode(window, 2);
    shooter.shoot(&window, u"main-window"_s);

    window.openNodeDetails(network, 2);
    if (NodeDetails *details = window.nodeDetails()) {
        details->resize(900, 640);
        shooter.shoot(details, u"node-details"_s);
        details->close();
    }

    window.revokeNode(network, 3);
    RevokeDialog *revoke = window.revokeDialog();
    if (revoke) {
        revoke->resize(640, 460);
        revoke->reasonField()->setText(
                QApplication::translate("screenshots", "lost in the garden"));
        shooter.shoot(revoke, u"revoke-confirmation"_s);
        revoke->revokeButton()->click();
        waitFor([&] { return revoke->stage() == RevokeDialog::Stage::Done; }, 20000);
        revoke->resize(720, 600); // the jobs' table and the next step, whole
        shooter.shoot(revoke, u"revoke-done"_s);
    } else {
        shooter.fail(u"revoke-confirmation"_s, u"the dialog did not open"_s);
    }

    if (revoke && revoke->rotateButton()->isVisible())
        revoke->rotateButton()->click();
    else
        window.openRotationWizard();
    RotationWizard *wizard = window.rotationWizard();
    if (wizard) {
        wizard->resize(900, 640);
        shooter.shoot(wizard, u"rotation-1-assess"_s);
        wizard->next();
        wizard->planTable()->resizeColumnsToContents();
        shooter.shoot(wizard, u"rotation-2-plan"_s);
        if (QAbstractButton *commit = wizard->button(QWizard::CommitButton))
            commit->click();
        KeyRotation *rotation = session.security(network)->rotation();
        waitFor([&] { return wizard->currentId() >= int(RotationWizard::DeliverPage); }, 10000);
        wizard->nodeTable()->resizeColumnsToContents();
        shooter.shoot(wizard, u"rotation-3-deliver"_s);
        // The simulated nodes are Warden nodes (management keys from the session's store): the
        // new key goes over the air, nothing to do by hand.
        waitFor([&] { return !rotation->isRunning(); }, 30000);
        waitFor([&] { return wizard->currentId() == int(RotationWizard::ReportPage); }, 20000);
        shooter.shoot(wizard, u"rotation-4-report"_s);
        wizard->close();
    } else {
        shooter.fail(u"rotation"_s, u"the wizard did not open"_s);
    }

    window.openKeyStore();
    if (KeyStoreDialog *store = window.keyStoreDialog()) {
        store->resize(900, 600);
        shooter.shoot(store, u"key-store"_s);
        store->close();
    }
    window.openPersonalization();
    if (PersonalizationDialog *personalize = window.personalizationDialog()) {
        personalize->resize(900, 640);
        shooter.shoot(personalize, u"personalization"_s);
        personalize->close();
    }
    window.openWhitelistEditor(network, 1);
    if (WhitelistEditor *editor = window.whitelistEditor()) {
        editor->resize(1000, 640);
        // Every node (node 3 revoked and left out) is to list node 1 too: the diff before the
        // push, then the push's per-node progress to its final state.
        QList<quint8> targets;
        for (const quint8 node : editor->wardenNodes()) {
            if (node != 3)
                targets << node;
        }
        if (!targets.isEmpty()) {
            for (const quint8 node : std::as_const(targets))
                editor->setChecked(node, true);
            editor->setCurrentNode(targets.last());
            editor->networkWideBox()->setChecked(true);
            editor->entryIdBox()->setValue(1);
            editor->addButton()->click();
        }
        shooter.shoot(editor, u"whitelist-editor"_s);
        if (editor->pushButton()->isEnabled()) {
            editor->pushButton()->click();
            waitFor(
                    [&] {
                        for (const quint8 node : std::as_const(targets)) {
                            if (editor->pushState(node) != WhitelistEditor::PushState::Applied)
                                return false;
                        }
                        return true;
                    },
                    20000);
            editor->resize(1000, 720); // every node's final state in the picture
            editor->progressTable()->resizeColumnsToContents();
            shooter.shoot(editor, u"whitelist-pushed"_s);
        } else {
            shooter.fail(u"whitelist-pushed"_s, u"nothing to push"_s);
        }
        editor->close();
    }
    // After the rotation: node 3 revoked (its frames refused), the other nodes verified under
    // the new key.
    settle(ConsoleSession::kSimulatedReportIntervalMs + 1000); // a report of every node
    window.inventoryView()->table()->resizeColumnsToContents();
    selectNode(window, 3);
    // The live traffic filtered to what the gateway refused: node 3's frames, with the reason.
    window.trafficView()->rejectedOnly()->setChecked(true);
    settle(200);
    shooter.shoot(&window, u"traffic-rejected"_s);
    window.trafficView()->rejectedOnly()->setChecked(false);
    window.close();
    session.stop();
    return shooter.failed() ? 2 : 0;
}

} // namespace Warden::Internal
