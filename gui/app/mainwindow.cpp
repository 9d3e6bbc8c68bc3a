#include "mainwindow.h"

#include "connectionsdialog.h"
#include "consoleicons.h"
#include "consolesession.h"

#include <models/nodeinventorymodel.h>
#include <models/trafficmodel.h>
#include <views/inventoryview.h>
#include <views/trafficview.h>

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
    , m_trafficDock(new QDockWidget(tr("Live &traffic"), this))
    , m_simulatedLabel(new QLabel(tr("Simulated network"), this))
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

    createActions();
    createMenus();

    m_inventoryView->table()->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_inventoryView->table(), &QWidget::customContextMenuRequested, this,
            &MainWindow::showInventoryMenu);
    connect(m_inventoryView, &InventoryView::nodeActivated, this, &MainWindow::openNodeDetails);

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
    connect(m_session, &ConsoleSession::stateChanged, this, &MainWindow::showStatus);
    connect(m_session, &ConsoleSession::connectionAdded, this, &MainWindow::addConnectionLabel);
    connect(m_session, &ConsoleSession::connectionRemoved, this, [this](const QString &name) {
        removeConnectionLabel(name);
        m_nodes->removeNetwork(name);
    });
    connect(m_session, &ConsoleSession::connectionChanged, this,
            [this](const QString &) { updateSimulatedLabel(); });
    for (const QString &name : m_session->connectionNames()) {
        addConnectionLabel(name);
        refreshNodes(name);
    }
    updateSimulatedLabel();
    restoreSettings();
}

MainWindow::~MainWindow() = default;

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
    // Wired when the dialogs land (node details, revoke, whitelist editor, rotation wizard,
    // key store, personalization): until then they say so instead of doing nothing.
    for (QAction *a : {m_detailsAction, m_revokeAction, m_nodeWhitelistAction, m_rotationAction,
                       m_keyStoreAction, m_personalizeAction, m_networkWhitelistAction}) {
        a->setEnabled(false);
        a->setStatusTip(tr("Not available in this version yet."));
    }

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
    m_nodes->setNodes(network, *nodes);
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

void MainWindow::openNodeDetails(const QString &network, quint8 node)
{
    Q_UNUSED(network);
    Q_UNUSED(node);
    // Wired when the dialog lands (gui/views/nodedetails*).
}

void MainWindow::revokeNode(const QString &network, quint8 node)
{
    Q_UNUSED(network);
    Q_UNUSED(node);
    // Wired when the dialog lands (gui/views/revokedialog*).
}

void MainWindow::openRotationWizard()
{
    // Wired when the dialog lands (gui/wizards/).
}

void MainWindow::openKeyStore()
{
    // Wired when the dialog lands (gui/dialogs/).
}

void MainWindow::openPersonalization()
{
    // Wired when the dialog lands (gui/dialogs/).
}

void MainWindow::openWhitelistEditor(const QString &network, quint8 node)
{
    Q_UNUSED(network);
    Q_UNUSED(node);
    // Wired when the dialog lands (gui/dialogs/).
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
