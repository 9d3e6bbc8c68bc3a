// The console's main window: the node inventory in the middle, live traffic in a dock, each
// connection's state in the status bar (and "Simulated network" while the simulation runs),
// the menus. It only shows what the session's engines and inventories say; the dialogs that act
// on the network open from its actions.
#pragma once

#include <QtCore/QHash>
#include <QtCore/QPointer>
#include <QtWidgets/QMainWindow>

QT_BEGIN_NAMESPACE
class QAction;
class QDockWidget;
class QLabel;
class QPushButton;
class QSettings;
QT_END_NAMESPACE

namespace Warden::Internal {

class ConsoleSession;
struct ConnectionStatus;
class InventoryView;
class KeyStoreDialog;
class NodeDetails;
class NodeInventoryModel;
class PersonalizationDialog;
class RevokeDialog;
class RotationWizard;
class TrafficModel;
class TrafficView;
class WhitelistEditor;

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    /// @p session and @p settings (window state under "mainWindow/") are not owned.
    MainWindow(ConsoleSession *session, QSettings *settings, QWidget *parent = nullptr);
    ~MainWindow() override;

    InventoryView *inventoryView() const { return m_inventoryView; }
    TrafficView *trafficView() const { return m_trafficView; }
    QDockWidget *trafficDock() const { return m_trafficDock; }
    NodeInventoryModel *nodeModel() const { return m_nodes; }
    TrafficModel *trafficModel() const { return m_traffic; }
    /// The status bar's text for connection @p name ("garage: Connected"); empty if unknown.
    QString connectionStatusText(const QString &name) const;
    /// The "Simulated network" label of the status bar (hidden without a simulated network).
    QLabel *simulatedLabel() const { return m_simulatedLabel; }

    /// The network the Security menu acts on: the selected node's, else the first connection
    /// with a running security service, else the first connection (empty without any).
    QString currentNetwork() const;
    /// Selects @p node of @p network in the inventory view; false when it has no row.
    bool selectNode(const QString &network, quint8 node);

    // The dialogs this window opened (null when closed): non-modal, one of each at a time.
    NodeDetails *nodeDetails() const;
    RevokeDialog *revokeDialog() const;
    RotationWizard *rotationWizard() const;
    KeyStoreDialog *keyStoreDialog() const;
    PersonalizationDialog *personalizationDialog() const;
    WhitelistEditor *whitelistEditor() const;
    /// The status bar's offer to resume an unfinished key rotation (hidden when none runs).
    QPushButton *resumeRotationButton() const { return m_resumeButton; }
    /// The network whose unfinished rotation the offer resumes (empty when none).
    QString resumableRotation() const { return m_resumeNetwork; }

    /// Stores the window's geometry and state and the tables' columns.
    void saveSettings();

public Q_SLOTS:
    void openConnections();
    void exportTraffic();
    void showAbout();

    // Dialogs other parts of the console bring; their actions stay disabled until then.
    void openNodeDetails(const QString &network, quint8 node);
    void revokeNode(const QString &network, quint8 node);
    void openRotationWizard();
    void openKeyStore();
    void openPersonalization();
    void openWhitelistEditor(const QString &network, quint8 node);
    /// Opens the rotation wizard of @p network (at the persisted step of a running rotation).
    void openRotationWizardFor(const QString &network);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void createMenus();
    void restoreSettings();
    void addConnectionLabel(const QString &name);
    void removeConnectionLabel(const QString &name);
    void showStatus(const QString &name, const ConnectionStatus &status);
    void refreshNodes(const QString &network);
    void updateNodes(const QString &network, const QList<quint8> &ids);
    /// The key epoch column of @p ids, from the network's engine.
    void showEpochs(const QString &network, const QList<quint8> &ids);
    void updateSimulatedLabel();
    void showInventoryMenu(const QPoint &position);
    QAction *action(const QString &objectName, const QString &text, const QKeySequence &shortcut);
    void updateActions();
    void updateResumeOffer();
    void trackWizard(const QString &network, RotationWizard *wizard);
    void unlockKeyStore(const QString &network);

    ConsoleSession *m_session;
    QSettings *m_settings;
    NodeInventoryModel *m_nodes;
    TrafficModel *m_traffic;
    InventoryView *m_inventoryView;
    TrafficView *m_trafficView;
    QDockWidget *m_trafficDock;
    QLabel *m_simulatedLabel;
    QHash<QString, QLabel *> m_connectionLabels;
    QHash<QString, QLabel *> m_connectionIcons;
    QPushButton *m_resumeButton;
    QString m_resumeNetwork;

    QPointer<NodeDetails> m_nodeDetails;
    QPointer<RevokeDialog> m_revokeDialog;
    QPointer<RotationWizard> m_rotationWizard;
    QPointer<KeyStoreDialog> m_keyStoreDialog;
    QPointer<PersonalizationDialog> m_personalizationDialog;
    QPointer<WhitelistEditor> m_whitelistEditor;

    QAction *m_connectionsAction = nullptr;
    QAction *m_connectAllAction = nullptr;
    QAction *m_disconnectAllAction = nullptr;
    QAction *m_exportAction = nullptr;
    QAction *m_quitAction = nullptr;
    QAction *m_detailsAction = nullptr;
    QAction *m_revokeAction = nullptr;
    QAction *m_nodeWhitelistAction = nullptr;
    QAction *m_rotationAction = nullptr;
    QAction *m_keyStoreAction = nullptr;
    QAction *m_personalizeAction = nullptr;
    QAction *m_networkWhitelistAction = nullptr;
    QAction *m_findAction = nullptr;
    QAction *m_aboutAction = nullptr;
    QAction *m_aboutQtAction = nullptr;
};

} // namespace Warden::Internal
