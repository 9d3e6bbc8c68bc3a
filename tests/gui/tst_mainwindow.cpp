// The console's main window on the simulated network (real link plugin, real firmware nodes,
// real SQLite), offscreen: the label, nodes and traffic arriving, the window's state restored,
// the security actions disabled without a connection, and the connection editor's checks.
#include <app/connectionsdialog.h>
#include <app/consoleicons.h>
#include <app/mainwindow.h>
#include <models/nodeinventorymodel.h>
#include <models/trafficmodel.h>
#include <views/inventoryview.h>
#include <views/trafficview.h>

#include <QtCore/QFile>
#include <QtCore/QSettings>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtCore/QXmlStreamReader>
#include <QtGui/QAction>
#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QTest>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDockWidget>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QMenuBar>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QTableView>

using namespace Warden;
using namespace Warden::Internal;
using namespace Qt::StringLiterals;

class tst_MainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void opensOnTheSimulatedNetwork();
    void geometryAndColumnsAreRestored();
    void securityActionsNeedAConnection();
    void connectionEditorShowsTheErrorByTheField();
    void iconsAreCompiledIn();
    void desktopFileHasTheKeys();
};

void tst_MainWindow::opensOnTheSimulatedNetwork()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(u"console.ini"_s), QSettings::IniFormat);
    ConsoleSession session(&settings, dir.path());
    QVERIFY(session.start().has_value());
    MainWindow window(&session, &settings);
    QAbstractItemModelTester nodesTester(window.nodeModel());
    QAbstractItemModelTester trafficTester(window.trafficModel());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    QVERIFY(window.windowTitle().contains(u"Simulated network"_s));
    QVERIFY(window.simulatedLabel()->isVisible());
    QCOMPARE(window.simulatedLabel()->text(), u"Simulated network"_s);
    const QString name = ConsoleSession::simulatedName();
    QTRY_COMPARE_WITH_TIMEOUT(window.connectionStatusText(name),
                              u"Simulated network (simulated): Connected"_s, 5000);

    // The nodes present themselves: rows in the inventory view; their frames in the traffic.
    QTRY_VERIFY_WITH_TIMEOUT(
            window.inventoryView()->proxy()->rowCount() >= ConsoleSession::kSimulatedNodes, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(window.trafficView()->proxy()->rowCount() > 0, 5000);
    const QModelIndex first = window.inventoryView()->proxy()->index(0, 0);
    QCOMPARE(first.data(NodeInventoryModel::NetworkRole).toString(), name);

    // Removing the connection takes its rows, its label and the simulated label away.
    QVERIFY(session.removeConnection(name).has_value());
    QCOMPARE(window.inventoryView()->proxy()->rowCount(), 0);
    QVERIFY(window.connectionStatusText(name).isEmpty());
    QVERIFY(!window.simulatedLabel()->isVisible());
    QCOMPARE(window.windowTitle(), u"Warden"_s);
}

void tst_MainWindow::geometryAndColumnsAreRestored()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(u"console.ini"_s), QSettings::IniFormat);
    ConsoleSession session(&settings, dir.path()); // not started: no network needed here
    {
        MainWindow window(&session, &settings);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.resize(900, 640);
        window.inventoryView()->table()->horizontalHeader()->resizeSection(
                NodeInventoryModel::NameColumn, 222);
        window.trafficView()->table()->horizontalHeader()->resizeSection(
                TrafficModel::PayloadColumn, 177);
        window.trafficDock()->hide();
        QCOMPARE(window.size(), QSize(900, 640));
        window.close(); // saves, as the user closing the window does
    }
    MainWindow window(&session, &settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QCOMPARE(window.size(), QSize(900, 640));
    QCOMPARE(window.inventoryView()->table()->horizontalHeader()->sectionSize(
                     NodeInventoryModel::NameColumn),
             222);
    QCOMPARE(window.trafficView()->table()->horizontalHeader()->sectionSize(
                     TrafficModel::PayloadColumn),
             177);
    QVERIFY(window.trafficDock()->isHidden());
    QAction *showTraffic = window.findChild<QAction *>(u"actionShowTraffic"_s);
    QVERIFY(showTraffic);
    QVERIFY(!showTraffic->isChecked());
    showTraffic->trigger();
    QVERIFY(window.trafficDock()->isVisible());
}

void tst_MainWindow::securityActionsNeedAConnection()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(u"console.ini"_s), QSettings::IniFormat);
    ConsoleSession session(&settings, dir.path());
    MainWindow window(&session, &settings);
    for (const QString &name :
         {u"actionNodeDetails"_s, u"actionRevokeNode"_s, u"actionNodeWhitelist"_s,
          u"actionRotationWizard"_s, u"actionKeyStore"_s, u"actionPersonalize"_s,
          u"actionNetworkWhitelist"_s}) {
        const QAction *action = window.findChild<QAction *>(name);
        QVERIFY2(action, qPrintable(name));
        QVERIFY2(!action->isEnabled(), qPrintable(name));
    }
    // What works is enabled, with its shortcut.
    for (const QString &name : {u"actionConnections"_s, u"actionExportTraffic"_s, u"actionQuit"_s,
                                u"actionFind"_s, u"actionAbout"_s}) {
        const QAction *action = window.findChild<QAction *>(name);
        QVERIFY2(action && action->isEnabled(), qPrintable(name));
    }
    QCOMPARE(window.findChild<QAction *>(u"actionConnections"_s)->shortcut(),
             QKeySequence(Qt::CTRL | Qt::Key_K));
    // Every menu has a mnemonic.
    const auto menus = window.menuBar()->actions();
    QCOMPARE(menus.size(), 6);
    for (const QAction *menu : menus)
        QVERIFY2(menu->text().contains(u'&'), qPrintable(menu->text()));
}

void tst_MainWindow::connectionEditorShowsTheErrorByTheField()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(u"console.ini"_s), QSettings::IniFormat);
    ConsoleSession session(&settings, dir.path());
    QVERIFY(session.start().has_value());
    ConnectionsDialog dialog(&session);
    QCOMPARE(dialog.list()->count(), 1);
    QVERIFY(dialog.list()->item(0)->text().startsWith(ConsoleSession::simulatedName()));
    QTRY_VERIFY_WITH_TIMEOUT(dialog.list()->item(0)->text().contains(u"Connected"_s), 5000);
    QVERIFY(dialog.disconnectButton()->isEnabled());
    QVERIFY(!dialog.connectButton()->isEnabled());
    QTest::mouseClick(dialog.disconnectButton(), Qt::LeftButton);
    QCOMPARE(session.status(ConsoleSession::simulatedName()).state, ConnectionState::Disconnected);
    QVERIFY(dialog.list()->item(0)->text().contains(u"Disconnected"_s));
    QVERIFY(dialog.connectButton()->isEnabled());
    QTest::mouseClick(dialog.connectButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(dialog.list()->item(0)->text().contains(u"Connected"_s), 5000);

    ConnectionEditor editor(&session, {});
    editor.typeField()->setCurrentIndex(editor.typeField()->findData(u"tcp"_s));
    editor.accept(); // no name, no host
    QVERIFY(editor.result() != QDialog::Accepted);
    QVERIFY2(editor.errorFor(u"name"_s).contains(u"name"_s),
             qPrintable(editor.errorFor(u"name"_s)));
    QTest::keyClicks(editor.nameField(), u"garage"_s);
    editor.accept();
    QVERIFY(editor.result() != QDialog::Accepted);
    QVERIFY(editor.errorFor(u"name"_s).isEmpty());
    QVERIFY2(editor.errorFor(u"host"_s).contains(u"\"host\" is empty"_s),
             qPrintable(editor.errorFor(u"host"_s)));
    QTest::keyClicks(editor.tcpHostField(), u"bad host"_s);
    editor.accept();
    QVERIFY2(editor.errorFor(u"host"_s).contains(u"blank"_s),
             qPrintable(editor.errorFor(u"host"_s)));
    editor.tcpHostField()->setText(u"127.0.0.1"_s);
    editor.tcpPortField()->setValue(5003);
    // A TCP gateway sends text lines: host-gateway mode is refused by the mode field.
    editor.modeField()->setCurrentIndex(
            editor.modeField()->findData(int(GatewayMode::HostGateway)));
    editor.accept();
    QVERIFY(editor.result() != QDialog::Accepted);
    QVERIFY2(editor.errorFor(u"mode"_s).contains(u"classic"_s),
             qPrintable(editor.errorFor(u"mode"_s)));
    QVERIFY(editor.errorFor(u"host"_s).isEmpty());
    editor.modeField()->setCurrentIndex(editor.modeField()->findData(int(GatewayMode::Classic)));
    editor.accept();
    QCOMPARE(editor.result(), int(QDialog::Accepted));
    ConnectionSettings made = editor.settings();
    QCOMPARE(made.type, u"tcp"_s);
    QCOMPARE(made.settings.value(u"port"_s).toInt(), 5003);
    made.autoConnect = false;
    QVERIFY(session.addConnection(made).has_value());
    QCOMPARE(dialog.list()->count(), 2);

    // Editing shows what is stored; the simulated network is always a host gateway.
    ConnectionEditor edit(&session, u"garage"_s);
    QCOMPARE(edit.tcpHostField()->text(), u"127.0.0.1"_s);
    edit.typeField()->setCurrentIndex(edit.typeField()->findData(u"simulated"_s));
    QVERIFY(!edit.modeField()->isEnabled());
    QCOMPARE(edit.modeField()->currentData().toInt(), int(GatewayMode::HostGateway));
}

void tst_MainWindow::iconsAreCompiledIn()
{
    const QList<ConsoleIcon> icons = consoleIcons();
    QCOMPARE(icons.size(), 10);
    for (ConsoleIcon icon : icons) {
        QVERIFY(!consoleIcon(icon).isNull()); // also loads the resources
        QFile file(consoleIconPath(icon));
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
        QXmlStreamReader xml(&file);
        QVERIFY(xml.readNextStartElement());
        QCOMPARE(xml.name(), u"svg"_s);
        while (!xml.atEnd())
            xml.readNext();
        QVERIFY2(!xml.hasError(), qPrintable(file.fileName() + u": "_s + xml.errorString()));
        QVERIFY(!consoleIcon(icon).pixmap(16, 16).isNull());
    }
}

void tst_MainWindow::desktopFileHasTheKeys()
{
    // The keys the menu needs (tests/desktop runs desktop-file-validate on the file too).
    QFile file(QStringLiteral(WARDEN_RESOURCES_DIR "/org.warden.Warden.desktop"));
    QVERIFY(file.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList lines = QString::fromUtf8(file.readAll()).split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.value(0), u"[Desktop Entry]"_s);
    QHash<QString, QString> keys;
    for (const QString &line : lines.mid(1)) {
        const qsizetype at = line.indexOf(u'=');
        QVERIFY2(at > 0, qPrintable(line));
        QVERIFY2(!keys.contains(line.left(at)), qPrintable(line)); // no key twice
        keys.insert(line.left(at), line.mid(at + 1));
    }
    QCOMPARE(keys.value(u"Type"_s), u"Application"_s);
    QCOMPARE(keys.value(u"Name"_s), u"Warden"_s);
    QCOMPARE(keys.value(u"Exec"_s), u"warden"_s);
    QCOMPARE(keys.value(u"Icon"_s), u"org.warden.Warden"_s);
    QVERIFY(!keys.value(u"GenericName"_s).isEmpty());
    QVERIFY(!keys.value(u"Comment"_s).isEmpty());
    QCOMPARE(keys.value(u"Categories"_s), u"System;Security;Monitor;Qt;"_s);
    QVERIFY(keys.value(u"Keywords"_s).endsWith(u';'));
    QVERIFY(keys.value(u"Keywords"_s).contains(u"MySensors;"_s));
}

QTEST_MAIN(tst_MainWindow)
#include "tst_mainwindow.moc"
