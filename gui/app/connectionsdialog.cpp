#include "connectionsdialog.h"

#include <QtSerialPort/QSerialPortInfo>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QStackedWidget>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QVBoxLayout>

using namespace Qt::StringLiterals;

namespace Warden::Internal {

namespace {

enum Page { SerialPage, TcpPage, MqttPage, SimulatedPage, OtherPage };

Page pageOf(const QString &type)
{
    if (type == u"serial")
        return SerialPage;
    if (type == u"tcp")
        return TcpPage;
    if (type == u"mqtt")
        return MqttPage;
    if (type == u"simulated")
        return SimulatedPage;
    return OtherPage;
}

/// The keys each page shows (the others of a stored configuration are kept as they were).
QStringList pageKeys(Page page)
{
    switch (page) {
    case SerialPage:
        return {u"port"_s, u"baudRate"_s, u"framing"_s};
    case TcpPage:
        return {u"host"_s, u"port"_s};
    case MqttPage:
        return {u"host"_s,     u"port"_s,          u"username"_s,
                u"password"_s, u"publishPrefix"_s, u"subscribePrefix"_s};
    case SimulatedPage:
        return {u"nodes"_s};
    case OtherPage:
        break;
    }
    return {};
}

QSpinBox *portBox(int value)
{
    auto *box = new QSpinBox;
    box->setRange(1, 65535);
    box->setValue(value);
    return box;
}

} // namespace

ConnectionEditor::ConnectionEditor(ConsoleSession *session, const QString &existing,
                                   QWidget *parent)
    : QDialog(parent)
    , m_session(session)
    , m_existing(existing)
    , m_name(new QLineEdit(this))
    , m_type(new QComboBox(this))
    , m_mode(new QComboBox(this))
    , m_autoConnect(new QCheckBox(tr("Connect when Warden &starts"), this))
    , m_pages(new QStackedWidget(this))
    , m_serialPort(new QComboBox)
    , m_serialBaud(new QComboBox)
    , m_serialFraming(new QComboBox)
    , m_tcpHost(new QLineEdit)
    , m_tcpPort(portBox(5003))
    , m_mqttHost(new QLineEdit)
    , m_mqttPort(portBox(1883))
    , m_mqttUser(new QLineEdit)
    , m_mqttPassword(new QLineEdit)
    , m_mqttPublish(new QLineEdit)
    , m_mqttSubscribe(new QLineEdit)
    , m_simNodes(new QSpinBox)
    , m_generalError(new QLabel(this))
{
    setWindowTitle(existing.isEmpty() ? tr("Add a connection")
                                      : tr("Edit connection %1").arg(existing));

    for (const QString &type : m_session->linkTypes()) {
        QString label = type;
        if (type == u"serial")
            label = tr("Serial port (USB gateway)");
        else if (type == u"tcp")
            label = tr("TCP (Ethernet or WiFi gateway)");
        else if (type == u"mqtt")
            label = tr("MQTT broker");
        else if (type == u"simulated")
            label = tr("Simulated network (no hardware)");
        m_type->addItem(label, type);
    }
    m_mode->addItem(tr("Classic: a stock MySensors gateway checks signatures"),
                    int(GatewayMode::Classic));
    m_mode->addItem(tr("Host gateway: Warden is the gateway (radio modem)"),
                    int(GatewayMode::HostGateway));
    m_autoConnect->setChecked(true);

    // Serial: the ports the system has, refreshed on demand; any name may be typed too.
    auto *serial = new QWidget;
    auto *serialForm = new QFormLayout(serial);
    m_serialPort->setEditable(true);
    auto *refresh = new QToolButton;
    refresh->setText(tr("&Refresh"));
    refresh->setToolTip(tr("List the serial ports again"));
    connect(refresh, &QToolButton::clicked, this, &ConnectionEditor::refreshPorts);
    auto *portRow = new QHBoxLayout;
    portRow->addWidget(m_serialPort, 1);
    portRow->addWidget(refresh);
    auto *portLabel = new QLabel(tr("&Port:"));
    portLabel->setBuddy(m_serialPort);
    serialForm->addRow(portLabel, portRow);
    serialForm->addRow(errorLabel(u"port"_s));
    m_serialBaud->setEditable(true);
    for (int baud : {9600, 38400, 57600, 115200, 250000})
        m_serialBaud->addItem(QString::number(baud));
    m_serialBaud->setCurrentText(u"115200"_s);
    serialForm->addRow(tr("&Baud rate:"), m_serialBaud);
    serialForm->addRow(errorLabel(u"baudRate"_s));
    m_serialFraming->addItem(tr("Text lines (stock gateway)"), u"lines"_s);
    m_serialFraming->addItem(tr("Radio modem frames"), u"modem"_s);
    m_serialFraming->addItem(tr("RS485 frames"), u"rs485"_s);
    serialForm->addRow(tr("&Framing:"), m_serialFraming);
    serialForm->addRow(errorLabel(u"framing"_s));
    m_pages->addWidget(serial);

    auto *tcp = new QWidget;
    auto *tcpForm = new QFormLayout(tcp);
    m_tcpHost->setPlaceholderText(tr("gateway.local or 192.168.1.20"));
    tcpForm->addRow(tr("&Host:"), m_tcpHost);
    tcpForm->addRow(errorLabel(u"tcp/host"_s));
    tcpForm->addRow(tr("P&ort:"), m_tcpPort);
    tcpForm->addRow(errorLabel(u"tcp/port"_s));
    m_pages->addWidget(tcp);

    auto *mqtt = new QWidget;
    auto *mqttForm = new QFormLayout(mqtt);
    m_mqttHost->setPlaceholderText(tr("broker.local"));
    mqttForm->addRow(tr("&Broker:"), m_mqttHost);
    mqttForm->addRow(errorLabel(u"mqtt/host"_s));
    mqttForm->addRow(tr("P&ort:"), m_mqttPort);
    mqttForm->addRow(errorLabel(u"mqtt/port"_s));
    mqttForm->addRow(tr("&User name:"), m_mqttUser);
    mqttForm->addRow(errorLabel(u"username"_s));
    m_mqttPassword->setEchoMode(QLineEdit::Password);
    m_mqttPassword->setToolTip(tr("Kept for this session only, never stored."));
    mqttForm->addRow(tr("Pass&word:"), m_mqttPassword);
    mqttForm->addRow(errorLabel(u"password"_s));
    m_mqttPublish->setPlaceholderText(u"mygateway1-in"_s);
    mqttForm->addRow(tr("&Publish prefix:"), m_mqttPublish);
    mqttForm->addRow(errorLabel(u"publishPrefix"_s));
    m_mqttSubscribe->setPlaceholderText(u"mygateway1-out"_s);
    mqttForm->addRow(tr("&Subscribe prefix:"), m_mqttSubscribe);
    mqttForm->addRow(errorLabel(u"subscribePrefix"_s));
    m_pages->addWidget(mqtt);

    auto *simulated = new QWidget;
    auto *simForm = new QFormLayout(simulated);
    m_simNodes->setRange(1, 200);
    m_simNodes->setValue(ConsoleSession::kSimulatedNodes);
    simForm->addRow(tr("&Nodes:"), m_simNodes);
    simForm->addRow(errorLabel(u"nodes"_s));
    simForm->addRow(new QLabel(tr("Firmware nodes simulated on this computer, with a network "
                                  "key made for the session. Nothing reaches a real radio.")));
    m_pages->addWidget(simulated);

    auto *other = new QLabel(tr("This transport has no editor here: its defaults are used."));
    other->setWordWrap(true);
    m_pages->addWidget(other);

    auto *form = new QFormLayout;
    form->addRow(tr("&Name:"), m_name);
    form->addRow(errorLabel(u"name"_s));
    form->addRow(tr("&Transport:"), m_type);
    form->addRow(errorLabel(u"type"_s));
    form->addRow(tr("&Mode:"), m_mode);
    form->addRow(errorLabel(u"mode"_s));
    m_generalError->setWordWrap(true);
    m_generalError->setStyleSheet(u"color: #b00020;"_s);
    m_generalError->hide();

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &ConnectionEditor::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &ConnectionEditor::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_pages);
    layout->addWidget(m_autoConnect);
    layout->addWidget(m_generalError);
    layout->addWidget(buttons);

    connect(m_type, &QComboBox::currentIndexChanged, this, &ConnectionEditor::typeChanged);
    refreshPorts();
    if (const auto current = m_session->connection(existing))
        setSettings(*current);
    else
        typeChanged();
}

QLabel *ConnectionEditor::errorLabel(const QString &key)
{
    auto *label = new QLabel;
    label->setObjectName(u"error:"_s + key);
    label->setWordWrap(true);
    label->setStyleSheet(u"color: #b00020;"_s);
    label->hide();
    m_errors.insert(key, label);
    return label;
}

void ConnectionEditor::refreshPorts()
{
    const QString current = m_serialPort->currentText();
    m_serialPort->clear();
    for (const QSerialPortInfo &port : QSerialPortInfo::availablePorts()) {
        const QString described
                = port.description().isEmpty()
                          ? port.systemLocation()
                          : u"%1 (%2)"_s.arg(port.systemLocation(), port.description());
        m_serialPort->addItem(described, port.systemLocation());
    }
    m_serialPort->setCurrentText(current);
}

void ConnectionEditor::typeChanged()
{
    const QString type = m_type->currentData().toString();
    m_pages->setCurrentIndex(pageOf(type));
    const bool simulated = type == u"simulated";
    // The simulated bus carries radio frames: Warden is its gateway.
    if (simulated)
        m_mode->setCurrentIndex(m_mode->findData(int(GatewayMode::HostGateway)));
    m_mode->setEnabled(!simulated);
    if (m_name->text().isEmpty() && simulated)
        m_name->setText(ConsoleSession::simulatedName());
}

ConnectionSettings ConnectionEditor::settings() const
{
    ConnectionSettings s;
    s.name = m_name->text().trimmed();
    s.type = m_type->currentData().toString();
    s.mode = GatewayMode(m_mode->currentData().toInt());
    s.autoConnect = m_autoConnect->isChecked();
    const Page page = pageOf(s.type);
    if (const auto current = m_session->connection(m_existing);
        current && current->type == s.type) {
        s.settings = current->settings;
        s.inventoryFile = current->inventoryFile;
        for (const QString &key : pageKeys(page))
            s.settings.remove(key);
    }
    switch (page) {
    case SerialPage: {
        const int index = m_serialPort->findText(m_serialPort->currentText());
        s.settings.insert(u"port"_s, index >= 0 ? m_serialPort->itemData(index).toString()
                                                : m_serialPort->currentText().trimmed());
        bool number = false;
        const int baud = m_serialBaud->currentText().toInt(&number);
        // Not a number: handed on as text, so that the transport's check names the field.
        s.settings.insert(u"baudRate"_s,
                          number ? QVariant(baud) : QVariant(m_serialBaud->currentText()));
        s.settings.insert(u"framing"_s, m_serialFraming->currentData().toString());
        break;
    }
    case TcpPage:
        s.settings.insert(u"host"_s, m_tcpHost->text().trimmed());
        s.settings.insert(u"port"_s, m_tcpPort->value());
        break;
    case MqttPage:
        s.settings.insert(u"host"_s, m_mqttHost->text().trimmed());
        s.settings.insert(u"port"_s, m_mqttPort->value());
        if (!m_mqttUser->text().isEmpty())
            s.settings.insert(u"username"_s, m_mqttUser->text());
        if (!m_mqttPassword->text().isEmpty())
            s.settings.insert(u"password"_s, m_mqttPassword->text());
        if (!m_mqttPublish->text().isEmpty())
            s.settings.insert(u"publishPrefix"_s, m_mqttPublish->text().trimmed());
        if (!m_mqttSubscribe->text().isEmpty())
            s.settings.insert(u"subscribePrefix"_s, m_mqttSubscribe->text().trimmed());
        break;
    case SimulatedPage:
        s.settings.insert(u"nodes"_s, m_simNodes->value());
        break;
    case OtherPage:
        break;
    }
    return s;
}

void ConnectionEditor::setSettings(const ConnectionSettings &s)
{
    m_name->setText(s.name);
    m_type->setCurrentIndex(std::max(0, m_type->findData(s.type)));
    m_mode->setCurrentIndex(std::max(0, m_mode->findData(int(s.mode))));
    m_autoConnect->setChecked(s.autoConnect);
    const QVariantMap &v = s.settings;
    switch (pageOf(s.type)) {
    case SerialPage:
        m_serialPort->setCurrentText(v.value(u"port"_s).toString());
        m_serialBaud->setCurrentText(v.value(u"baudRate"_s, 115200).toString());
        m_serialFraming->setCurrentIndex(
                std::max(0, m_serialFraming->findData(v.value(u"framing"_s, u"lines"_s))));
        break;
    case TcpPage:
        m_tcpHost->setText(v.value(u"host"_s).toString());
        m_tcpPort->setValue(v.value(u"port"_s, 5003).toInt());
        break;
    case MqttPage:
        m_mqttHost->setText(v.value(u"host"_s).toString());
        m_mqttPort->setValue(v.value(u"port"_s, 1883).toInt());
        m_mqttUser->setText(v.value(u"username"_s).toString());
        m_mqttPassword->setText(v.value(u"password"_s).toString());
        m_mqttPublish->setText(v.value(u"publishPrefix"_s).toString());
        m_mqttSubscribe->setText(v.value(u"subscribePrefix"_s).toString());
        break;
    case SimulatedPage:
        m_simNodes->setValue(v.value(u"nodes"_s, ConsoleSession::kSimulatedNodes).toInt());
        break;
    case OtherPage:
        break;
    }
    typeChanged();
}

QString ConnectionEditor::errorFor(const QString &key) const
{
    const QString type = m_type->currentData().toString();
    const QLabel *label = m_errors.value(type + u'/' + key, m_errors.value(key));
    return label && !label->isHidden() ? label->text() : QString();
}

void ConnectionEditor::clearErrors()
{
    for (QLabel *label : std::as_const(m_errors)) {
        label->clear();
        label->hide();
    }
    m_generalError->clear();
    m_generalError->hide();
}

void ConnectionEditor::showError(const Error &error)
{
    const QString message = error.message();
    const QString type = m_type->currentData().toString();
    // The factory's message names the key: `link gw: tcp setting "port" ...`.
    QLabel *target = nullptr;
    qsizetype first = message.size();
    for (auto it = m_errors.cbegin(); it != m_errors.cend(); ++it) {
        const QString key = it.key().section(u'/', -1);
        if (it.key().contains(u'/') && !it.key().startsWith(type + u'/'))
            continue;
        if (!m_pages->currentWidget()->isAncestorOf(it.value()) && key != u"name" && key != u"type"
            && key != u"mode")
            continue;
        const qsizetype at = message.indexOf(u'"' + key + u'"');
        if (at >= 0 && at < first) {
            first = at;
            target = it.value();
        }
    }
    if (!target
        && (message.contains(u"name"_s) && error.code() == ErrorCode::InvalidArgument
            && !message.contains(u"setting"_s)))
        target = m_errors.value(u"name"_s);
    if (!target) {
        target = m_generalError;
    }
    target->setText(message);
    target->show();
}

void ConnectionEditor::accept()
{
    clearErrors();
    const ConnectionSettings s = settings();
    if (const auto checked = m_session->check(s, m_existing); !checked) {
        showError(checked.error());
        return;
    }
    QDialog::accept();
}

ConnectionsDialog::ConnectionsDialog(ConsoleSession *session, QWidget *parent)
    : QDialog(parent)
    , m_session(session)
    , m_list(new QListWidget(this))
    , m_add(new QPushButton(tr("&Add..."), this))
    , m_edit(new QPushButton(tr("&Edit..."), this))
    , m_remove(new QPushButton(tr("&Remove"), this))
    , m_connect(new QPushButton(tr("&Connect"), this))
    , m_disconnect(new QPushButton(tr("&Disconnect"), this))
{
    setWindowTitle(tr("Connections"));
    m_list->setAccessibleName(tr("Connections"));
    auto *listLabel = new QLabel(tr("&Gateways:"), this);
    listLabel->setBuddy(m_list);

    connect(m_add, &QPushButton::clicked, this, &ConnectionsDialog::addConnection);
    connect(m_edit, &QPushButton::clicked, this, &ConnectionsDialog::editConnection);
    connect(m_remove, &QPushButton::clicked, this, &ConnectionsDialog::removeConnection);
    connect(m_connect, &QPushButton::clicked, this, [this] {
        if (const auto r = m_session->connectTo(selected()); !r)
            QMessageBox::warning(this, tr("Connect"), r.error().message());
    });
    connect(m_disconnect, &QPushButton::clicked, this,
            [this] { m_session->disconnectFrom(selected()); });
    connect(m_list, &QListWidget::itemActivated, this, &ConnectionsDialog::editConnection);
    connect(m_list, &QListWidget::currentRowChanged, this, &ConnectionsDialog::updateButtons);

    connect(m_session, &ConsoleSession::connectionAdded, this, &ConnectionsDialog::reload);
    connect(m_session, &ConsoleSession::connectionRemoved, this, &ConnectionsDialog::reload);
    connect(m_session, &ConsoleSession::connectionChanged, this, &ConnectionsDialog::updateRow);
    connect(m_session, &ConsoleSession::stateChanged, this,
            [this](const QString &name) { updateRow(name); });

    auto *close = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *buttons = new QVBoxLayout;
    for (QPushButton *b : {m_add, m_edit, m_remove, m_connect, m_disconnect})
        buttons->addWidget(b);
    buttons->addStretch();
    auto *row = new QHBoxLayout;
    row->addWidget(m_list, 1);
    row->addLayout(buttons);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(listLabel);
    layout->addLayout(row);
    layout->addWidget(close);
    resize(620, 360);
    reload();
}

QString ConnectionsDialog::selected() const
{
    const QListWidgetItem *item = m_list->currentItem();
    return item ? item->data(Qt::UserRole).toString() : QString();
}

void ConnectionsDialog::reload()
{
    const QString current = selected();
    m_list->clear();
    for (const QString &name : m_session->connectionNames()) {
        auto *item = new QListWidgetItem(m_list);
        item->setData(Qt::UserRole, name);
        updateRow(name);
        if (name == current)
            m_list->setCurrentItem(item);
    }
    if (!m_list->currentItem() && m_list->count() > 0)
        m_list->setCurrentRow(0);
    updateButtons();
}

void ConnectionsDialog::updateRow(const QString &name)
{
    for (int i = 0; i < m_list->count(); ++i) {
        QListWidgetItem *item = m_list->item(i);
        if (item->data(Qt::UserRole).toString() != name)
            continue;
        const auto settings = m_session->connection(name);
        const ConnectionStatus status = m_session->status(name);
        const QString mode = settings && settings->mode == GatewayMode::HostGateway
                                     ? tr("host gateway")
                                     : tr("classic");
        item->setText(tr("%1 (%2, %3)\n%4")
                              .arg(name, settings ? settings->type : QString(), mode,
                                   status.text.isEmpty() ? connectionStateText(status.state)
                                                         : status.text));
        item->setToolTip(status.error);
    }
    updateButtons();
}

void ConnectionsDialog::updateButtons()
{
    const QString name = selected();
    const bool any = !name.isEmpty();
    const bool running = any && m_session->engine(name);
    m_edit->setEnabled(any);
    m_remove->setEnabled(any);
    m_connect->setEnabled(any && !running);
    m_disconnect->setEnabled(running);
}

void ConnectionsDialog::addConnection()
{
    ConnectionEditor editor(m_session, {}, this);
    if (editor.exec() != QDialog::Accepted)
        return;
    if (const auto r = m_session->addConnection(editor.settings()); !r)
        QMessageBox::warning(this, tr("Add a connection"), r.error().message());
}

void ConnectionsDialog::editConnection()
{
    const QString name = selected();
    if (name.isEmpty())
        return;
    ConnectionEditor editor(m_session, name, this);
    if (editor.exec() != QDialog::Accepted)
        return;
    if (const auto r = m_session->updateConnection(name, editor.settings()); !r)
        QMessageBox::warning(this, tr("Edit connection"), r.error().message());
}

void ConnectionsDialog::removeConnection()
{
    const QString name = selected();
    if (name.isEmpty())
        return;
    const auto answer = QMessageBox::question(
            this, tr("Remove connection"),
            tr("Remove the connection %1? Warden stops watching this gateway; its inventory "
               "file stays where it is.")
                    .arg(name));
    if (answer != QMessageBox::Yes)
        return;
    if (const auto r = m_session->removeConnection(name); !r)
        QMessageBox::warning(this, tr("Remove connection"), r.error().message());
}

} // namespace Warden::Internal
