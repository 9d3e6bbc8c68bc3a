#include "mainwindow.h"

#include "connectionsdialog.h"
#include "consoleicons.h"
#include "consolesession.h"

#include <dialogs/keystoredialog.h>
#include <dialogs/keystoreunlockdialog.h>
#include <dialogs/personalizationdialog.h>
#include <dialogs/whitelisteditor.h>
#include <models/nodeinventorymodel.h>
#include <models/trafficmodel.h>
#include <views/inventoryview.h>
#include <views/nodedetailsview.h>
#include <views/revokedialog.h>
#include <views/trafficview.h>
#include <wizards/rotationwizard.h>

#include <warden/engine.h>
#include <warden/keystore.h>
#include <warden/rotation.h>
#include <warden/securityservice.h>

#include <QtCore/QLoggingCategory>
#include <QtCore/QSettings>
#include <QtGui/QAction>
#include <QtGui/QCloseEvent>
#include <QtGui/QIcon>
#include <QtWidgets/QApplication>
#include <QtWidgets/QDockWidget>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QMenu>
#include <QtWidgets/QMenuBar>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QStatusBar>
#include <QtWidgets/QTableView>

#ifndef WARDEN_CONSOLE_VERSION
#define WARDEN_CONSOLE_VERSION "unknown"
#endif

using namespace Qt::StringLiterals;

namespace Warden::Internal {

Q_LOGGING_CATEGORY(lcWindow, "warden.console.window")

namespace {

ConsoleIcon stateIcon(ConnectionState state)
{
    switch (state) {
    case ConnectionState::Connected:
        return ConsoleIcon::Connected;
    case ConnectionState::Connecting:
    case ConnectionState::Retrying:
        return ConsoleIcon::Connecting;
    case ConnectionState::Disconnected:
        return ConsoleIcon::Disconnected;
    case ConnectionState::Failed:
        return ConsoleIcon::ConnectionError;
    }
    return ConsoleIcon::Disconnected;
}

} // namespace

MainWindow::MainWindow(ConsoleSession *session, QSettings *settings, QWidget *parent)
    : QMainWindow(parent)
    , m_session(session)
    , m_settings(settings)
    , m_nodes(new NodeInventoryModel(this))
    , m_traffic(new TrafficModel(this))
    , m_inventoryView(new InventoryView(m_nodes, this))
    , m_trafficView(new TrafficView(m_traffic, this))
    , m_trafficDock(new QDockWidget(tr("Live traffic"), this))
    , m_simulatedLabel(new QLabel(tr("Simulated network"), this))
    , m_resumeButton(new QPushButton(this))
{
    setObjectName(u"mainWindow"_s);
    setWindowIcon(consoleIcon(ConsoleIcon::App));
    setCentralWidget(m_inventoryView);
    m_trafficDock->setObjectName(u"trafficDock"_s);
    m_trafficDock->setWidget(m_trafficView);
    addDockWidget(Qt::BottomDockWidgetArea, m_trafficDock);

    // The simulation must never be mistaken for the real network: a label that stays.
    m_simulatedLabel->setObjectName(u"simulatedLabel"_s);
    m_simulatedLabel->setToolTip(
            tr("These nodes are simulated on this computer; nothing here reaches a real "
               "radio network."));
    m_simulatedLabel->setStyleSheet(
            u"QLabel { background: #fff3c4; color: #5c4400; padding: 1px 6px; "
            "border-radius: 3px; font-weight: bold; }"_s);
    statusBar()->addPermanentWidget(m_simulatedLabel);
    // An unfinished rotation leaves the network with two keys in play: offered, not forced.
    m_resumeButton->setObjectName(u"resumeRotationButton"_s);
    m_resumeButton->setIcon(consoleIcon(ConsoleIcon::Connecting));
    m_resumeButton->setFlat(true);
    m_resumeButton->hide();
    connect(m_resumeButton, &QPushButton::clicked, this, [this] {
        if (!m_resumeNetwork.isEmpty())
            openRotationWizardFor(m_resumeNetwork);
    });
    statusBar()->addPermanentWidget(m_resumeButton);

    createActions();
    createMenus();

    m_inventoryView->table()->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_inventoryView->table(), &QWidget::customContextMenuRequested, this,
            &MainWindow::showInventoryMenu);
    connect(m_inventoryView, &InventoryView::nodeActivated, this, &MainWindow::openNodeDetails);
    connect(m_inventoryView->table()->selectionModel(), &QItemSelectionModel::selectionChanged,
            this, &MainWindow::updateActions);
    connect(m_session, &ConsoleSession::securityChanged, this, &MainWindow::updateActions);

    connect(m_session, &ConsoleSession::traffic, this,
            [this](const QString &network, const TrafficRecord &record) {
                m_trafficView->addFrame(network, record);
                m_nodes->noteTraffic(network, record);
            });
    connect(m_session, &ConsoleSession::alert, this,
            [this](const QString &network, const SecurityAlert &alert) {
                m_trafficView->showAlert(u"%1: %2"_s.arg(network, alert.text));
            });
    connect(m_session, &ConsoleSession::nodesChanged, this, &MainWindow::refreshNodes);
    connect(m_session, &ConsoleSession::nodesUpdated, this, &MainWindow::updateNodes);
    connect(m_session, &ConsoleSession::stateChanged, this, &MainWindow::showStatus);
    connect(m_session, &ConsoleSession::stateChanged, this, &MainWindow::updateActions);
    connect(m_session, &ConsoleSession::connectionAdded, this, &MainWindow::addConnectionLabel);
    connect(m_session, &ConsoleSession::connectionRemoved, this, [this](const QString &name) {
        removeConnectionLabel(name);
        m_nodes->removeNetwork(name);
    });
    connect(m_session, &ConsoleSession::connectionChanged, this, [this](const QString &) {
        updateSimulatedLabel();
        updateActions();
    });
    for (const QString &name : m_session->connectionNames()) {
        addConnectionLabel(name);
        refreshNodes(name);
    }
    updateSimulatedLabel();
    updateActions();
    restoreSettings();
}

MainWindow::~MainWindow()
{
    // The dialogs are children: they go in ~QWidget, when this is no MainWindow any more, and
    // must not call back into it (nor must the session, which may outlive the window).
    for (QObject *dialog : std::initializer_list<QObject *> {
                 m_nodeDetails, m_revokeDialog, m_rotationWizard, m_keyStoreDialog,
                 m_personalizationDialog, m_whitelistEditor}) {
        if (dialog)
            disconnect(dialog, nullptr, this, nullptr);
    }
    disconnect(m_session, nullptr, this, nullptr);
}

QAction *MainWindow::action(const QString &objectName, const QString &text,
                            const QKeySequence &shortcut)
{
    auto *a = new QAction(text, this);
    a->setObjectName(objectName);
    if (!shortcut.isEmpty())
        a->setShortcut(shortcut);
    return a;
}

void MainWindow::createActions()
{
    m_exportAction = action(u"actionExportTraffic"_s, tr("&Export traffic..."),
                            QKeySequence(Qt::CTRL | Qt::Key_E));
    connect(m_exportAction, &QAction::triggered, this, &MainWindow::exportTraffic);
    m_quitAction = action(u"actionQuit"_s, tr("&Quit"), QKeySequence::Quit);
    m_quitAction->setMenuRole(QAction::QuitRole);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);

    m_connectionsAction = action(u"actionConnections"_s, tr("&Manage connections..."),
                                 QKeySequence(Qt::CTRL | Qt::Key_K));
    connect(m_connectionsAction, &QAction::triggered, this, &MainWindow::openConnections);
    m_connectAllAction = action(u"actionConnectAll"_s, tr("&Connect all"), {});
    connect(m_connectAllAction, &QAction::triggered, this, [this] {
        for (const QString &name : m_session->connectionNames())
            (void)m_session->connectTo(name); // each failure shows in the status bar
    });
    m_disconnectAllAction = action(u"actionDisconnectAll"_s, tr("&Disconnect all"), {});
    connect(m_disconnectAllAction, &QAction::triggered, this, [this] {
        for (const QString &name : m_session->connectionNames())
            m_session->disconnectFrom(name);
    });

    const auto selected = [this] { return m_inventoryView->selectedNode(); };
    m_detailsAction = action(u"actionNodeDetails"_s, tr("Node &details..."),
                             QKeySequence(Qt::CTRL | Qt::Key_I));
    connect(m_detailsAction, &QAction::triggered, this, [this, selected] {
        if (const auto node = selected())
            openNodeDetails(node->first, node->second);
    });
    m_revokeAction = action(u"actionRevokeNode"_s, tr("&Revoke node..."),
                            QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    connect(m_revokeAction, &QAction::triggered, this, [this, selected] {
        if (const auto node = selected())
            revokeNode(node->first, node->second);
    });
    m_nodeWhitelistAction = action(u"actionNodeWhitelist"_s, tr("Node &whitelist..."), {});
    connect(m_nodeWhitelistAction, &QAction::triggered, this, [this, selected] {
        if (const auto node = selected())
            openWhitelistEditor(node->first, node->second);
    });
    m_rotationAction = action(u"actionRotationWizard"_s, tr("&Rotate the network key..."), {});
    connect(m_rotationAction, &QAction::triggered, this, &MainWindow::openRotationWizard);
    m_keyStoreAction = action(u"actionKeyStore"_s, tr("&Key store..."), {});
    connect(m_keyStoreAction, &QAction::triggered, this, &MainWindow::openKeyStore);
    m_personalizeAction = action(u"actionPersonalize"_s, tr("&Personalize a node..."), {});
    connect(m_personalizeAction, &QAction::triggered, this, &MainWindow::openPersonalization);
    m_networkWhitelistAction = action(u"actionNetworkWhitelist"_s, tr("Network &whitelist..."), {});
    connect(m_networkWhitelistAction, &QAction::triggered, this,
            [this] { openWhitelistEditor({}, 0); });
    m_keyStoreAction->setStatusTip(tr("Unlock, lock, back up or restore the network's keys."));
    m_personalizeAction->setStatusTip(tr("Give a node on the USB cable its identity and keys."));
    m_rotationAction->setStatusTip(tr("Replace the network key on every node."));

    m_findAction = action(u"actionFind"_s, tr("&Find nodes"), QKeySequence::Find);
    connect(m_findAction, &QAction::triggered, this, [this] {
        m_inventoryView->searchField()->setFocus(Qt::ShortcutFocusReason);
        m_inventoryView->searchField()->selectAll();
    });
    m_aboutAction = action(u"actionAbout"_s, tr("&About Warden"), {});
    m_aboutAction->setMenuRole(QAction::AboutRole);
    connect(m_aboutAction, &QAction::triggered, this, &MainWindow::showAbout);
    m_aboutQtAction = action(u"actionAboutQt"_s, tr("About &Qt"), {});
    m_aboutQtAction->setMenuRole(QAction::AboutQtRole);
    connect(m_aboutQtAction, &QAction::triggered, qApp, &QApplication::aboutQt);
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_exportAction);
    file->addSeparator();
    file->addAction(m_quitAction);

    QMenu *connections = menuBar()->addMenu(tr("&Connections"));
    connections->addAction(m_connectionsAction);
    connections->addSeparator();
    connections->addAction(m_connectAllAction);
    connections->addAction(m_disconnectAllAction);

    QMenu *node = menuBar()->addMenu(tr("&Node"));
    node->addAction(m_detailsAction);
    node->addAction(m_nodeWhitelistAction);
    node->addSeparator();
    node->addAction(m_revokeAction);

    QMenu *security = menuBar()->addMenu(tr("&Security"));
    security->addAction(m_keyStoreAction);
    security->addAction(m_personalizeAction);
    security->addAction(m_networkWhitelistAction);
    security->addSeparator();
    security->addAction(m_rotationAction);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    QAction *traffic = m_trafficDock->toggleViewAction();
    traffic->setObjectName(u"actionShowTraffic"_s);
    // The dock's title has no mnemonic (it would show its '&'); the menu's entry has one.
    traffic->setText(tr("Live &traffic"));
    traffic->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
    view->addAction(traffic);
    view->addAction(m_findAction);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(m_aboutAction);
    help->addAction(m_aboutQtAction);
}

void MainWindow::showInventoryMenu(const QPoint &position)
{
    QMenu menu(this);
    menu.addAction(m_detailsAction);
    menu.addAction(m_nodeWhitelistAction);
    menu.addSeparator();
    menu.addAction(m_revokeAction);
    menu.exec(m_inventoryView->table()->viewport()->mapToGlobal(position));
}

QString MainWindow::connectionStatusText(const QString &name) const
{
    const QLabel *label = m_connectionLabels.value(name);
    return label ? label->text() : QString();
}

void MainWindow::addConnectionLabel(const QString &name)
{
    if (m_connectionLabels.contains(name))
        return;
    auto *icon = new QLabel(this);
    icon->setObjectName(u"connectionIcon:"_s + name);
    auto *label = new QLabel(this);
    label->setObjectName(u"connection:"_s + name);
    m_connectionIcons.insert(name, icon);
    m_connectionLabels.insert(name, label);
    statusBar()->addWidget(icon);
    statusBar()->addWidget(label);
    showStatus(name, m_session->status(name));
    updateSimulatedLabel();
}

void MainWindow::removeConnectionLabel(const QString &name)
{
    delete m_connectionIcons.take(name);
    delete m_connectionLabels.take(name);
    updateSimulatedLabel();
}

void MainWindow::showStatus(const QString &name, const ConnectionStatus &status)
{
    QLabel *label = m_connectionLabels.value(name);
    if (!label)
        return;
    const QString shown = m_session->isSimulated(name) ? tr("%1 (simulated)").arg(name) : name;
    label->setText(tr("%1: %2").arg(shown, status.text.isEmpty() ? connectionStateText(status.state)
                                                                 : status.text));
    label->setToolTip(status.error.isEmpty() ? connectionStateText(status.state)
                                             : tr("Last error: %1").arg(status.error));
    label->setAccessibleName(tr("Connection %1").arg(name));
    // The icon says the state at a glance; the text says it in words.
    if (QLabel *icon = m_connectionIcons.value(name)) {
        const int size = label->fontMetrics().height();
        icon->setPixmap(consoleIcon(stateIcon(status.state)).pixmap(size, size));
        icon->setToolTip(connectionStateText(status.state));
    }
}

void MainWindow::refreshNodes(const QString &network)
{
    Inventory *inventory = m_session->inventory(network);
    if (!inventory)
        return;
    const auto nodes = inventory->nodes();
    if (!nodes) {
        statusBar()->showMessage(
                tr("The inventory of %1 cannot be read: %2").arg(network, nodes.error().message()),
                10000);
        return;
    }
    // A whole network handed over resets its rows: the user's selection is put back.
    const auto selected = m_inventoryView->selectedNode();
    m_nodes->setNodes(network, *nodes);
    QList<quint8> ids;
    ids.reserve(nodes->size());
    for (const NodeRecord &n : *nodes)
        ids << n.id;
    showEpochs(network, ids);
    if (selected && selected->first == network)
        selectNode(selected->first, selected->second);
}

bool MainWindow::selectNode(const QString &network, quint8 node)
{
    QTableView *table = m_inventoryView->table();
    QAbstractItemModel *model = table->model();
    for (int row = 0; row < model->rowCount(); ++row) {
        const QModelIndex index = model->index(row, 0);
        if (index.data(NodeInventoryModel::NodeIdRole).toInt() == node
            && index.data(NodeInventoryModel::NetworkRole).toString() == network) {
            table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect
                                                                    | QItemSelectionModel::Rows);
            return true;
        }
    }
    return false;
}

void MainWindow::updateNodes(const QString &network, const QList<quint8> &ids)
{
    Inventory *inventory = m_session->inventory(network);
    if (!inventory)
        return;
    for (const quint8 id : ids) {
        const auto node = inventory->node(id);
        if (!node) {
            statusBar()->showMessage(tr("The inventory of %1 cannot be read: %2")
                                             .arg(network, node.error().message()),
                                     10000);
            return;
        }
        if (*node)
            m_nodes->updateNode(network, **node);
    }
    showEpochs(network, ids);
}

void MainWindow::showEpochs(const QString &network, const QList<quint8> &ids)
{
    // The inventory does not keep which key a node holds; the engine knows (a rotation moves
    // it node by node).
    const Engine *engine = m_session->engine(network);
    if (!engine)
        return;
    for (const quint8 id : ids)
        m_nodes->setNodeEpoch(network, id, engine->nodeEpoch(id).value_or(0));
}

void MainWindow::updateSimulatedLabel()
{
    bool simulated = false;
    for (const QString &name : m_session->connectionNames())
        simulated = simulated || m_session->isSimulated(name);
    m_simulatedLabel->setVisible(simulated);
    setWindowTitle(simulated ? tr("Warden - Simulated network") : tr("Warden"));
}

void MainWindow::openConnections()
{
    ConnectionsDialog dialog(m_session, this);
    dialog.exec();
}

void MainWindow::exportTraffic()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export traffic"), QString(),
                                                      tr("CSV files (*.csv)"));
    if (path.isEmpty())
        return;
    if (const auto r = m_trafficView->exportTo(path); !r)
        QMessageBox::warning(this, tr("Export traffic"), r.error().message());
    else
        statusBar()->showMessage(tr("Traffic exported to %1").arg(path), 5000);
}

void MainWindow::showAbout()
{
    QMessageBox::about(
            this, tr("About Warden"),
            tr("<h3>Warden %1</h3><p>Secures and manages MySensors sensor networks: signing, "
               "whitelisting, revocation and key rotation.</p>")
                    .arg(QStringLiteral(WARDEN_CONSOLE_VERSION)));
}

NodeDetails *MainWindow::nodeDetails() const
{
    return m_nodeDetails;
}

RevokeDialog *MainWindow::revokeDialog() const
{
    return m_revokeDialog;
}

RotationWizard *MainWindow::rotationWizard() const
{
    return m_rotationWizard;
}

KeyStoreDialog *MainWindow::keyStoreDialog() const
{
    return m_keyStoreDialog;
}

PersonalizationDialog *MainWindow::personalizationDialog() const
{
    return m_personalizationDialog;
}

WhitelistEditor *MainWindow::whitelistEditor() const
{
    return m_whitelistEditor;
}

QString MainWindow::currentNetwork() const
{
    if (const auto node = m_inventoryView->selectedNode())
        return node->first;
    const QStringList names = m_session->connectionNames();
    for (const QString &name : names) {
        if (m_session->security(name))
            return name;
    }
    return names.isEmpty() ? QString() : names.first();
}

void MainWindow::updateActions()
{
    const auto node = m_inventoryView->selectedNode();
    const bool nodeSecured = node && m_session->security(node->first);
    const QString network = currentNetwork();
    const bool secured = !network.isEmpty() && m_session->security(network);
    const QString why = node ? tr("The network of this node has no unlocked key store: unlock it "
                                  "under Security > Key store.")
                             : tr("Select a node first.");
    for (QAction *a : {m_detailsAction, m_revokeAction, m_nodeWhitelistAction}) {
        a->setEnabled(nodeSecured);
        a->setStatusTip(nodeSecured ? QString() : why);
    }
    for (QAction *a : {m_rotationAction, m_networkWhitelistAction})
        a->setEnabled(secured);
    m_keyStoreAction->setEnabled(!network.isEmpty());
    m_personalizeAction->setEnabled(!network.isEmpty() && m_session->keyStore(network));
    updateResumeOffer();
}

void MainWindow::updateResumeOffer()
{
    QString found;
    if (!m_rotationWizard) {
        for (const QString &name : m_session->connectionNames()) {
            const SecurityService *service = m_session->security(name);
            if (service && service->rotation() && service->rotation()->isRunning()) {
                found = name;
                break;
            }
        }
    }
    m_resumeNetwork = found;
    m_resumeButton->setVisible(!found.isEmpty());
    if (!found.isEmpty()) {
        m_resumeButton->setText(tr("Resume the key rotation of %1...").arg(found));
        m_resumeButton->setToolTip(
                tr("A key rotation of %1 is unfinished: open the wizard at its step.").arg(found));
    }
}

void MainWindow::openNodeDetails(const QString &network, quint8 node)
{
    SecurityService *service = m_session->security(network);
    if (!service) {
        statusBar()->showMessage(tr("Node details need the key store of %1 unlocked.").arg(network),
                                 10000);
        return;
    }
    if (m_nodeDetails)
        m_nodeDetails->close();
    auto *details = new NodeDetails(service, node, this);
    details->setAttribute(Qt::WA_DeleteOnClose);
    connect(details, &NodeDetails::pushConfigurationRequested, this,
            [this, network](quint8 id) { openWhitelistEditor(network, id); });
    connect(details, &NodeDetails::nodeRevoked, this, [this, network] { refreshNodes(network); });
    connect(details, &NodeDetails::nodeReadmitted, this,
            [this, network] { refreshNodes(network); });
    m_nodeDetails = details;
    details->show();
}

void MainWindow::revokeNode(const QString &network, quint8 node)
{
    SecurityService *service = m_session->security(network);
    if (!service) {
        statusBar()->showMessage(tr("Revoking needs the key store of %1 unlocked.").arg(network),
                                 10000);
        return;
    }
    if (m_revokeDialog)
        m_revokeDialog->close();
    auto *dialog = new RevokeDialog(service, node, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    // The inventory commits the revocation; showing it at once spares the refresh's wait.
    connect(dialog, &RevokeDialog::nodeRevoked, this, [this, network] { refreshNodes(network); });
    connect(dialog, &RevokeDialog::nodeReadmitted, this,
            [this, network] { refreshNodes(network); });
    connect(dialog, &RevokeDialog::rotationWizardOpened, this, [this, network](QWidget *wizard) {
        trackWizard(network, qobject_cast<RotationWizard *>(wizard));
    });
    m_revokeDialog = dialog;
    dialog->show();
}

void MainWindow::trackWizard(const QString &network, RotationWizard *wizard)
{
    if (!wizard)
        return;
    m_rotationWizard = wizard;
    const auto settled = [this, network] {
        refreshNodes(network);
        // The wizard is still alive while finished() is emitted: look once it is gone.
        QMetaObject::invokeMethod(this, &MainWindow::updateResumeOffer, Qt::QueuedConnection);
    };
    connect(wizard, &QDialog::finished, this, settled);
    connect(wizard, &QObject::destroyed, this, [this, settled] {
        // Emitted while the wizard is half destroyed: forget it before anything reads it.
        m_rotationWizard.clear();
        settled();
    });
    updateResumeOffer();
}

void MainWindow::openRotationWizard()
{
    openRotationWizardFor(currentNetwork());
}

void MainWindow::openRotationWizardFor(const QString &network)
{
    SecurityService *service = m_session->security(network);
    if (!service) {
        statusBar()->showMessage(
                tr("A key rotation needs the key store of %1 unlocked.").arg(network), 10000);
        return;
    }
    if (m_rotationWizard) {
        m_rotationWizard->raise();
        m_rotationWizard->activateWindow();
        return;
    }
    auto *wizard = new RotationWizard(service, this);
    wizard->setAttribute(Qt::WA_DeleteOnClose);
    trackWizard(network, wizard);
    wizard->show();
}

void MainWindow::unlockKeyStore(const QString &network)
{
    KeyStoreUnlockDialog dialog(m_session->keyStoreFileFor(network), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    if (auto r = m_session->adoptKeyStore(network, dialog.takeStore()); !r)
        QMessageBox::warning(this, tr("Key store"), r.error().message());
    else
        statusBar()->showMessage(tr("The key store of %1 is unlocked.").arg(network), 5000);
}

void MainWindow::openKeyStore()
{
    const QString network = currentNetwork();
    if (network.isEmpty())
        return;
    KeyStore *store = m_session->keyStore(network);
    if (!store) {
        unlockKeyStore(network);
        return;
    }
    if (m_keyStoreDialog)
        m_keyStoreDialog->close();
    SecurityService *service = m_session->security(network);
    auto *dialog = service ? new KeyStoreDialog(service, this)
                           : new KeyStoreDialog(store, m_session->inventory(network), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Key store of %1").arg(network));
    connect(dialog, &KeyStoreDialog::lockRequested, this, [this, network] {
        if (m_session->isSimulated(network)) {
            statusBar()->showMessage(
                    tr("The simulated network's key store lives as long as the session."), 10000);
            return;
        }
        m_session->lockKeyStore(network);
    });
    m_keyStoreDialog = dialog;
    dialog->show();
}

void MainWindow::openPersonalization()
{
    const QString network = currentNetwork();
    KeyStore *store = network.isEmpty() ? nullptr : m_session->keyStore(network);
    if (!store) {
        statusBar()->showMessage(tr("Personalizing needs an unlocked key store."), 10000);
        return;
    }
    if (m_personalizationDialog)
        m_personalizationDialog->close();
    SecurityService *service = m_session->security(network);
    auto *dialog = service ? new PersonalizationDialog(service, this)
                           : new PersonalizationDialog(store, m_session->inventory(network), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &PersonalizationDialog::personalized, this,
            [this, network] { refreshNodes(network); });
    m_personalizationDialog = dialog;
    dialog->show();
}

void MainWindow::openWhitelistEditor(const QString &network, quint8 node)
{
    const QString name = network.isEmpty() ? currentNetwork() : network;
    SecurityService *service = name.isEmpty() ? nullptr : m_session->security(name);
    if (!service) {
        statusBar()->showMessage(tr("Whitelists need the key store of %1 unlocked.").arg(name),
                                 10000);
        return;
    }
    if (m_whitelistEditor)
        m_whitelistEditor->close();
    auto *editor = new WhitelistEditor(service, this);
    editor->setAttribute(Qt::WA_DeleteOnClose);
    if (node != 0)
        editor->setCurrentNode(node);
    m_whitelistEditor = editor;
    editor->show();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveSettings();
    event->accept();
}

void MainWindow::saveSettings()
{
    if (!m_settings)
        return;
    m_settings->beginGroup(u"mainWindow"_s);
    m_settings->setValue(u"geometry"_s, saveGeometry());
    m_settings->setValue(u"state"_s, saveState());
    m_settings->setValue(u"inventoryColumns"_s,
                         m_inventoryView->table()->horizontalHeader()->saveState());
    m_settings->setValue(u"trafficColumns"_s,
                         m_trafficView->table()->horizontalHeader()->saveState());
    m_settings->endGroup();
    m_settings->sync();
}

void MainWindow::restoreSettings()
{
    if (!m_settings)
        return;
    m_settings->beginGroup(u"mainWindow"_s);
    const QByteArray geometry = m_settings->value(u"geometry"_s).toByteArray();
    if (geometry.isEmpty() || !restoreGeometry(geometry))
        resize(1100, 720);
    restoreState(m_settings->value(u"state"_s).toByteArray());
    m_inventoryView->table()->horizontalHeader()->restoreState(
            m_settings->value(u"inventoryColumns"_s).toByteArray());
    m_trafficView->table()->horizontalHeader()->restoreState(
            m_settings->value(u"trafficColumns"_s).toByteArray());
    m_settings->endGroup();
}

} // namespace Warden::Internal
