#include "personalizationdialog.h"

#include <warden/inventory.h>
#include <warden/securityservice.h>
#include <warden/stockformats.h>

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QLoggingCategory>
#include <QtCore/QSaveFile>
#include <QtGui/QClipboard>
#include <QtGui/QGuiApplication>
#include <QtGui/QPainter>
#include <QtGui/QPixmap>
#include <QtSerialPort/QSerialPort>
#include <QtSerialPort/QSerialPortInfo>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QGridLayout>
#include <QtWidgets/QGroupBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QInputDialog>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QProgressBar>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QTabWidget>
#include <QtWidgets/QVBoxLayout>

#ifdef WARDEN_GUI_HAS_PRINT
#include <QtPrintSupport/QPrintDialog>
#include <QtPrintSupport/QPrinter>
#endif

#include <algorithm>
#include <cstring>

Q_LOGGING_CATEGORY(lcPersonalizationDialog, "warden.gui.personalization")

namespace Warden::Internal {

namespace {

QString serialText(const Serial &serial)
{
    return QString::fromLatin1(
            QByteArray(reinterpret_cast<const char *>(serial.data()), qsizetype(serial.size()))
                    .toHex());
}

std::optional<Serial> serialFromHex(const QString &hex)
{
    const QByteArray bytes = QByteArray::fromHex(hex.toLatin1());
    if (hex.size() != 18 || bytes.size() != 9)
        return std::nullopt;
    Serial s {};
    std::memcpy(s.data(), bytes.constData(), s.size());
    return s;
}

/// Key material as text for a snippet box: the one place where it becomes a QString.
QString snippetText(const SecretBytes &bytes)
{
    return QString::fromLatin1(reinterpret_cast<const char *>(bytes.data()),
                               qsizetype(bytes.size()));
}

QLabel *valueLabel(QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    return label;
}

QPlainTextEdit *snippetBox(const QString &name, QWidget *parent)
{
    auto *box = new QPlainTextEdit(parent);
    box->setReadOnly(true);
    box->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    box->setAccessibleName(name);
    box->setFont(QFont(QStringLiteral("monospace")));
    box->setMaximumHeight(90);
    return box;
}

} // namespace

PersonalizationDialog::PersonalizationDialog(KeyStore *store, Inventory *inventory, QWidget *parent)
    : QDialog(parent)
    , m_store(store)
    , m_inventory(inventory)
    , m_tabs(new QTabWidget(this))
{
    setWindowTitle(tr("Personalize a node"));
    m_tabs->addTab(buildWardenTab(), tr("Warden node (&USB)"));
    m_tabs->addTab(buildStockTab(), tr("S&tock MySensors node"));
    auto *close = new QPushButton(tr("Close"), this);
    connect(close, &QPushButton::clicked, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_tabs);
    layout->addWidget(close, 0, Qt::AlignRight);
    refreshPorts();
    fillEpochs();
    m_nodeId->setValue(nextFreeNodeId());
    m_stockNode->setValue(m_nodeId->value());
    resize(760, 640);
}

PersonalizationDialog::PersonalizationDialog(SecurityService *service, QWidget *parent)
    : PersonalizationDialog(service->keyStore(), service->inventory(), parent)
{
    m_workflows = service->workflows();
}

PersonalizationDialog::~PersonalizationDialog()
{
    clearSnippets();
    closePort();
}

bool PersonalizationDialog::canPrint()
{
#ifdef WARDEN_GUI_HAS_PRINT
    return true;
#else
    return false;
#endif
}

QWidget *PersonalizationDialog::buildWardenTab()
{
    auto *page = new QWidget(this);

    // --- the port ---
    m_ports = new QComboBox(page);
    m_ports->setEditable(true); // a port the list does not show can be typed
    m_ports->setInsertPolicy(QComboBox::NoInsert);
    m_ports->setAccessibleName(tr("Serial port"));
    m_ports->setMinimumContentsLength(28);
    m_refresh = new QPushButton(tr("R&efresh"), page);
    connect(m_refresh, &QPushButton::clicked, this, &PersonalizationDialog::refreshPorts);
    m_detect = new QPushButton(tr("&Detect"), page);
    m_detect->setToolTip(tr("Opens the port and asks the board for its firmware and keys "
                            "(fingerprints only)."));
    connect(m_detect, &QPushButton::clicked, this, &PersonalizationDialog::detect);
    m_detectStatus
            = new QLabel(tr("Plug the node in over USB, pick its port and detect it."), page);
    m_detectStatus->setWordWrap(true);
    // Offered when no Warden firmware answers: a fresh board, or one with another program.
    m_flash = new QPushButton(tr("&Flash Warden firmware..."), page);
    m_flash->setToolTip(tr("Writes a Warden firmware image into the board through its Arduino "
                           "bootloader (avrdude), replacing the program it runs."));
    m_flash->setVisible(false);
    connect(m_flash, &QPushButton::clicked, this, &PersonalizationDialog::offerFlash);
    auto *portLabel = new QLabel(tr("&Port:"), page);
    portLabel->setBuddy(m_ports);
    auto *portRow = new QHBoxLayout;
    portRow->addWidget(portLabel);
    portRow->addWidget(m_ports, 1);
    portRow->addWidget(m_refresh);
    portRow->addWidget(m_detect);

    // --- the request ---
    auto *options = new QGroupBox(tr("What to write"), page);
    m_nodeId = new QSpinBox(options);
    m_nodeId->setRange(1, 254);
    m_nodeId->setAccessibleName(tr("Node id"));
    m_epoch = new QComboBox(options);
    m_epoch->setAccessibleName(tr("Network key"));
    m_linkKey = new QCheckBox(tr("Give it a link key of its &own"), options);
    m_linkKey->setToolTip(tr("A key only this node and the gateway know: losing the node then "
                             "exposes no other node."));
    m_whitelistGateway = new QCheckBox(tr("&Whitelist the gateway's serial"), options);
    m_whitelistGateway->setChecked(true);
    m_policy = new QComboBox(options);
    m_policy->setAccessibleName(tr("Policy"));
    m_policy->addItem(tr("Default: signatures, and whitelisting when the gateway is listed"), -1);
    m_policy->addItem(tr("Signatures and whitelisting"), 3);
    m_policy->addItem(tr("Signatures only"), 1);
    m_policy->addItem(tr("Nothing required (not recommended)"), 0);
    m_replace = new QCheckBox(tr("Repl&ace the keys the store holds for this id"), options);
    m_readmit = new QCheckBox(tr("Readmit this re&voked node with the new keys"), options);
    m_readmitWhy = new QLineEdit(options);
    m_readmitWhy->setPlaceholderText(tr("Why it is trusted again (for the audit log)"));
    m_readmitWhy->setAccessibleName(tr("Reason for the readmission"));
    m_readmitWhy->setEnabled(false);
    connect(m_readmit, &QCheckBox::toggled, m_readmitWhy, &QWidget::setEnabled);
    auto *form = new QFormLayout(options);
    auto *idLabel = new QLabel(tr("Node &id:"), options);
    idLabel->setBuddy(m_nodeId);
    form->addRow(idLabel, m_nodeId);
    auto *epochLabel = new QLabel(tr("Network &key:"), options);
    epochLabel->setBuddy(m_epoch);
    form->addRow(epochLabel, m_epoch);
    auto *policyLabel = new QLabel(tr("Po&licy:"), options);
    policyLabel->setBuddy(m_policy);
    form->addRow(policyLabel, m_policy);
    form->addRow(QString(), m_linkKey);
    form->addRow(QString(), m_whitelistGateway);
    form->addRow(QString(), m_replace);
    form->addRow(QString(), m_readmit);
    form->addRow(QString(), m_readmitWhy);

    m_personalize = new QPushButton(tr("Per&sonalize"), page);
    m_personalize->setDefault(true);
    connect(m_personalize, &QPushButton::clicked, this, &PersonalizationDialog::personalize);
    m_cancel = new QPushButton(tr("&Cancel the personalization"), page);
    m_cancel->setEnabled(false);
    connect(m_cancel, &QPushButton::clicked, this, &PersonalizationDialog::cancel);
    m_progress = new QProgressBar(page);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setTextVisible(false);
    m_progress->setAccessibleName(tr("Progress"));
    m_status = new QLabel(page);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *actionRow = new QHBoxLayout;
    actionRow->addWidget(m_progress, 1);
    actionRow->addWidget(m_cancel);
    actionRow->addWidget(m_personalize);

    // --- the result ---
    auto *result = new QGroupBox(tr("The node"), page);
    m_serial = valueLabel(result);
    m_linkFingerprint = valueLabel(result);
    m_networkFingerprint = valueLabel(result);
    m_managementFingerprint = valueLabel(result);
    m_qr = new QLabel(result);
    m_qr->setAccessibleName(tr("QR label"));
    m_qr->setMinimumSize(140, 140);
    m_qr->setAlignment(Qt::AlignCenter);
    m_saveLabel = new QPushButton(tr("Save the la&bel..."), result);
    m_saveLabel->setEnabled(false);
    connect(m_saveLabel, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
                this, tr("Save the label as"),
                QStringLiteral("node-%1.png").arg(m_label ? m_label->nodeId() : 0),
                tr("PNG image (*.png);;SVG drawing (*.svg)"));
        if (path.isEmpty())
            return;
        if (auto saved = saveLabel(path); !saved)
            m_status->setText(tr("The label was not saved: %1").arg(saved.error().message()));
        else
            m_status->setText(tr("Label saved to %1.").arg(QDir::toNativeSeparators(path)));
    });
    m_print = new QPushButton(tr("Pri&nt the label..."), result);
    m_print->setEnabled(false);
    m_print->setVisible(canPrint());
    connect(m_print, &QPushButton::clicked, this, &PersonalizationDialog::printLabel);
    auto *facts = new QFormLayout;
    facts->addRow(tr("Serial:"), m_serial);
    facts->addRow(tr("Link key:"), m_linkFingerprint);
    facts->addRow(tr("Network key:"), m_networkFingerprint);
    facts->addRow(tr("Management key:"), m_managementFingerprint);
    auto *labelButtons = new QHBoxLayout;
    labelButtons->addWidget(m_saveLabel);
    labelButtons->addWidget(m_print);
    labelButtons->addStretch(1);
    facts->addRow(QString(), labelButtons);
    auto *resultLayout = new QHBoxLayout(result);
    resultLayout->addLayout(facts, 1);
    resultLayout->addWidget(m_qr);

    auto *layout = new QVBoxLayout(page);
    layout->addLayout(portRow);
    auto *detectRow = new QHBoxLayout;
    detectRow->addWidget(m_detectStatus, 1);
    detectRow->addWidget(m_flash, 0, Qt::AlignTop);
    layout->addLayout(detectRow);
    layout->addWidget(options);
    layout->addLayout(actionRow);
    layout->addWidget(m_status);
    layout->addWidget(result);
    layout->addStretch(1);
    setTabOrder(m_ports, m_refresh);
    setTabOrder(m_refresh, m_detect);
    setTabOrder(m_detect, m_nodeId);
    return page;
}

QWidget *PersonalizationDialog::buildStockTab()
{
    auto *page = new QWidget(this);
    auto *intro = new QLabel(
            tr("A node running stock MySensors firmware is personalized with MySensors' own "
               "SecurityPersonalizer sketch. Paste these snippets into it, into the node's "
               "sketch and into the Linux gateway's configuration."),
            page);
    intro->setWordWrap(true);
    m_stockWarning = new QLabel(
            tr("These snippets contain your network key. Anyone who reads them can sign as any "
               "node of this network: paste them only into your own sketches, do not share or "
               "store them, and close this window when done (it clears them)."),
            page);
    m_stockWarning->setWordWrap(true);
    m_stockWarning->setStyleSheet(QStringLiteral(
            "QLabel { background: #fff4e5; border: 1px solid #e0a040; padding: 6px; }"));
    m_stockNode = new QSpinBox(page);
    m_stockNode->setRange(1, 254);
    m_stockNode->setAccessibleName(tr("Stock node id"));
    m_stockPrepare = new QPushButton(tr("S&how the snippets"), page);
    m_stockPrepare->setToolTip(tr("A node without a serial in the key store gets a new random "
                                  "one, saved there: the gateway needs it to whitelist the "
                                  "node."));
    connect(m_stockPrepare, &QPushButton::clicked, this,
            &PersonalizationDialog::prepareStockSnippets);
    m_stockStatus = new QLabel(page);
    m_stockStatus->setWordWrap(true);
    auto *idLabel = new QLabel(tr("Node &id:"), page);
    idLabel->setBuddy(m_stockNode);
    auto *row = new QHBoxLayout;
    row->addWidget(idLabel);
    row->addWidget(m_stockNode);
    row->addWidget(m_stockPrepare);
    row->addStretch(1);

    m_personalizerText = snippetBox(tr("SecurityPersonalizer definitions"), page);
    m_whitelistText = snippetBox(tr("Node whitelist"), page);
    m_gatewayText = snippetBox(tr("Linux gateway"), page);
    m_copyPersonalizer = new QPushButton(tr("&Copy"), page);
    m_copyWhitelist = new QPushButton(tr("C&opy"), page);
    m_copyGateway = new QPushButton(tr("Cop&y"), page);
    const auto copier = [this](QPushButton *button, QPlainTextEdit *box) {
        button->setEnabled(false);
        connect(button, &QPushButton::clicked, this, [this, box] {
            QGuiApplication::clipboard()->setText(box->toPlainText());
            m_stockStatus->setText(tr("Copied. Clear the clipboard once pasted."));
        });
    };
    copier(m_copyPersonalizer, m_personalizerText);
    copier(m_copyWhitelist, m_whitelistText);
    copier(m_copyGateway, m_gatewayText);
    auto *grid = new QGridLayout;
    const auto addSnippet
            = [&](int r, const QString &title, QPlainTextEdit *box, QPushButton *copy) {
                  auto *label = new QLabel(title, page);
                  label->setBuddy(box);
                  grid->addWidget(label, r * 2, 0, 1, 2);
                  grid->addWidget(box, r * 2 + 1, 0);
                  grid->addWidget(copy, r * 2 + 1, 1, Qt::AlignTop);
              };
    addSnippet(0, tr("SecurityPersonalizer sketch (paste above its setup):"), m_personalizerText,
               m_copyPersonalizer);
    addSnippet(1, tr("The node's sketch (MY_SIGNING_NODE_WHITELISTING):"), m_whitelistText,
               m_copyWhitelist);
    addSnippet(2, tr("Linux gateway (mysensors.conf key lines, configure option):"), m_gatewayText,
               m_copyGateway);

    auto *layout = new QVBoxLayout(page);
    layout->addWidget(intro);
    layout->addWidget(m_stockWarning);
    layout->addLayout(row);
    layout->addWidget(m_stockStatus);
    layout->addLayout(grid);
    layout->addStretch(1);
    return page;
}

void PersonalizationDialog::refreshPorts()
{
    const QString typed = m_ports->currentText();
    m_ports->clear();
    const QList<QSerialPortInfo> ports = QSerialPortInfo::availablePorts();
    for (const QSerialPortInfo &port : ports) {
        QString text = port.systemLocation();
        const QString what
                = port.description().isEmpty() ? port.manufacturer() : port.description();
        if (!what.isEmpty())
            text += QStringLiteral(" (") + what + u')';
        m_ports->addItem(text, port.systemLocation());
    }
    if (!typed.isEmpty())
        m_ports->setEditText(typed);
    if (ports.isEmpty() && typed.isEmpty())
        m_detectStatus->setText(tr("No serial port found. Plug the node in and refresh, or "
                                   "type the port's path."));
}

QString PersonalizationDialog::selectedPort() const
{
    const int index = m_ports->currentIndex();
    if (index >= 0 && m_ports->itemText(index) == m_ports->currentText())
        return m_ports->itemData(index).toString();
    return m_ports->currentText().trimmed();
}

void PersonalizationDialog::fillEpochs()
{
    m_epoch->clear();
    m_epoch->addItem(tr("The active network key"), 0);
    for (const NetworkKeyInfo &k : m_store->networkKeys()) {
        if (k.state == NetworkKeyState::Retired)
            continue;
        m_epoch->addItem(
                tr("Epoch %1 (%2), %3")
                        .arg(k.epoch)
                        .arg(k.state == NetworkKeyState::Active ? tr("active") : tr("pending"))
                        .arg(k.fingerprint),
                int(k.epoch));
    }
}

int PersonalizationDialog::nextFreeNodeId() const
{
    QList<quint8> used = m_inventory ? m_inventory->usedNodeIds() : QList<quint8>();
    for (const NodeKeyInfo &n : m_store->nodes())
        used << n.nodeId;
    for (int id = 1; id <= 254; ++id)
        if (!used.contains(quint8(id)))
            return id;
    return 1;
}

bool PersonalizationDialog::openPort(QString *error)
{
    const QString path = selectedPort();
    if (m_port && m_port->isOpen() && m_port->portName() == path)
        return true;
    closePort();
    if (path.isEmpty()) {
        *error = tr("Pick a serial port first.");
        return false;
    }
    m_port = std::make_unique<QSerialPort>();
    m_port->setPortName(path);
    if (!m_port->open(QIODevice::ReadWrite)) {
        *error = tr("The port %1 does not open: %2").arg(path, m_port->errorString());
        m_port.reset();
        return false;
    }
    m_port->setBaudRate(QSerialPort::Baud115200);
    return true;
}

void PersonalizationDialog::closePort()
{
    if (!m_port)
        return;
    m_port->close();
    m_port.reset();
    m_info.reset();
}

void PersonalizationDialog::setBusy(bool busy)
{
    m_busy = busy;
    for (QWidget *w :
         {static_cast<QWidget *>(m_ports), static_cast<QWidget *>(m_refresh),
          static_cast<QWidget *>(m_detect), static_cast<QWidget *>(m_flash),
          static_cast<QWidget *>(m_personalize), static_cast<QWidget *>(m_nodeId),
          static_cast<QWidget *>(m_epoch), static_cast<QWidget *>(m_policy),
          static_cast<QWidget *>(m_linkKey), static_cast<QWidget *>(m_whitelistGateway),
          static_cast<QWidget *>(m_replace), static_cast<QWidget *>(m_readmit)})
        w->setEnabled(!busy);
    m_cancel->setEnabled(busy);
    if (busy) {
        m_progress->setRange(0, 0); // the station does not report steps: busy indicator
    } else {
        m_progress->setRange(0, 1);
        m_progress->setValue(0);
    }
}

void PersonalizationDialog::detect()
{
    QString error;
    closePort(); // a fresh session: the board may have been swapped
    if (!openPort(&error)) {
        m_detectStatus->setText(error);
        m_flash->setVisible(false);
        return;
    }
    setBusy(true);
    m_detectStatus->setText(tr("Asking the board on %1...").arg(selectedPort()));
    auto info = FirmwareProbe::probe(m_port.get(), m_timeouts.helloMs, m_timeouts.helloRepeatMs,
                                     m_timeouts.quietMs);
    setBusy(false);
    if (!info) {
        m_detectStatus->setText(info.error().message());
        closePort();
        // The port opened but nothing answered as Warden firmware does: offer to flash it.
        m_flash->setVisible(true);
        return;
    }
    m_flash->setVisible(false);
    m_info = *info;
    m_detectStatus->setText(info->text());
    // A node that already has an id keeps it unless the user picks another.
    if (info->nodeId > 0)
        m_nodeId->setValue(info->nodeId);
    if (!info->isBlank())
        m_replace->setChecked(m_store->node(quint8(m_nodeId->value())).has_value());
}

void PersonalizationDialog::personalize()
{
    if (m_busy)
        return;
    QString error;
    if (!openPort(&error)) {
        m_status->setText(error);
        return;
    }
    PersonalizationRequest request;
    request.nodeId = quint8(m_nodeId->value());
    request.networkEpoch = quint16(m_epoch->currentData().toInt());
    request.generateLinkKey = m_linkKey->isChecked();
    request.whitelistGateway = m_whitelistGateway->isChecked();
    if (const int policy = m_policy->currentData().toInt(); policy >= 0)
        request.policy = quint8(policy);
    request.replaceExisting = m_replace->isChecked();
    request.readmit = m_readmit->isChecked();
    request.readmitWhy = m_readmitWhy->text().trimmed();
    request.who = m_who;

    m_cancelled = false;
    setBusy(true);
    m_status->setText(tr("Personalizing node %1: the keys are saved in the key store, written "
                         "to the node and read back...")
                              .arg(request.nodeId));
    PersonalizationStation station(m_store, m_inventory);
    station.setWorkflows(m_workflows);
    auto result = station.personalize(m_port.get(), request, m_timeouts);
    setBusy(false);
    closePort(); // the session is over either way; the next node is detected afresh
    if (!result) {
        qCInfo(lcPersonalizationDialog, "node %d not personalized", int(request.nodeId));
        m_status->setText((m_cancelled ? tr("Cancelled. ") : QString())
                          + tr("Node %1 was not personalized: %2")
                                    .arg(request.nodeId)
                                    .arg(result.error().message()));
        return;
    }
    m_report = *result;
    showReport(*result);
    m_status->setText(
            result->readmissionAuditId
                    ? tr("Node %1 is personalized and readmitted; it is in the "
                         "inventory.")
                              .arg(result->nodeId)
                    : tr("Node %1 is personalized and in the inventory.").arg(result->nodeId));
    m_replace->setChecked(false);
    m_readmit->setChecked(false);
    m_nodeId->setValue(nextFreeNodeId());
    Q_EMIT personalized(*result);
}

void PersonalizationDialog::cancel()
{
    if (m_busy && m_flasher) {
        m_cancelled = true;
        m_flasher->cancel();
        return;
    }
    if (!m_busy || !m_port)
        return;
    m_cancelled = true;
    m_port->close(); // the station sees the line gone and leaves what it documents
}

void PersonalizationDialog::setFlashPrompts(ImageChooser chooser, FlashConfirmer confirmer)
{
    m_chooseImage = std::move(chooser);
    m_confirmFlash = std::move(confirmer);
}

void PersonalizationDialog::offerFlash()
{
    if (m_busy)
        return;
    const QList<FirmwareImage> images = FirmwareFlasher::installedImages(m_imageDirectory);
    QString image;
    if (m_chooseImage) {
        image = m_chooseImage(images);
    } else {
        QStringList items;
        for (const FirmwareImage &i : images)
            items << (i.description.isEmpty() ? i.name : tr("%1: %2").arg(i.name, i.description));
        const QString other = tr("Another .hex file...");
        items << other;
        bool ok = false;
        const QString picked = QInputDialog::getItem(
                this, tr("Flash Warden firmware"),
                tr("Image for the board on %1:").arg(selectedPort()), items, 0, false, &ok);
        if (!ok)
            return;
        if (picked == other) {
            image = QFileDialog::getOpenFileName(this, tr("Firmware image"), QDir::homePath(),
                                                 tr("Intel HEX images (*.hex)"));
        } else {
            image = images.value(int(items.indexOf(picked))).path;
        }
    }
    if (image.isEmpty())
        return;
    const bool confirmed
            = m_confirmFlash
                      ? m_confirmFlash(selectedPort(), image)
                      : QMessageBox::question(
                                this, tr("Replace the board's program?"),
                                tr("The program the board on %1 runs now is replaced by %2. "
                                   "This cannot be undone here (keep the old program's .hex if "
                                   "you want it back). The board's EEPROM is kept.\n\nFlash "
                                   "it?")
                                        .arg(selectedPort(), QFileInfo(image).fileName()),
                                QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel)
                                == QMessageBox::Yes;
    if (!confirmed)
        return;
    (void)flashImage(image);
}

Result<FlashReport> PersonalizationDialog::flashImage(const QString &image)
{
    if (m_busy)
        return fail(ErrorCode::Refused, tr("Busy with the board."));
    closePort(); // avrdude needs the port to itself
    FlashRequest request;
    request.port = selectedPort();
    request.image = image;
    FirmwareFlasher flasher;
    if (!m_avrdude.isEmpty())
        flasher.setAvrdudeProgram(m_avrdude);
    connect(&flasher, &FirmwareFlasher::progress, this, [this](int percent, const QString &phase) {
        m_progress->setRange(0, 100);
        m_progress->setValue(percent);
        m_status->setText(
                phase == QLatin1String("connecting") ? tr("Waiting for the board's bootloader...")
                : phase == QLatin1String("writing")
                        ? tr("Writing the firmware (%1 %)...").arg(percent * 2)
                        : tr("Verifying what was written (%1 %)...").arg((percent - 50) * 2));
    });
    m_cancelled = false;
    auto started = flasher.start(request);
    if (!started) {
        m_status->setText(tr("Not flashed: %1").arg(started.error().message()));
        return tl::unexpected(started.error());
    }
    m_flasher = &flasher;
    setBusy(true);
    m_progress->setRange(0, 100);
    m_progress->setValue(0);
    auto result = flasher.waitForFinished();
    m_flasher = nullptr;
    setBusy(false);
    if (!result) {
        qCInfo(lcPersonalizationDialog, "flashing failed");
        m_status->setText(tr("Not flashed: %1").arg(result.error().message()));
        return result;
    }
    m_status->setText(
            tr("Flashed and verified (%1 bytes). Asking the board again...").arg(result->bytes));
    detect();
    if (m_info)
        m_status->setText(tr("Flashed and verified (%1 bytes); the board runs Warden firmware "
                             "%2.")
                                  .arg(result->bytes)
                                  .arg(m_info->firmwareVersion));
    else
        m_status->setText(tr("Flashed and verified (%1 bytes), but no Warden firmware answers "
                             "yet: see above.")
                                  .arg(result->bytes));
    return result;
}

void PersonalizationDialog::showReport(const PersonalizationReport &report)
{
    const QString none = tr("none");
    m_serial->setText(report.serialHex);
    m_linkFingerprint->setText(report.linkKeyFingerprint.isEmpty() ? none
                                                                   : report.linkKeyFingerprint);
    m_networkFingerprint->setText(report.networkKeyFingerprint.isEmpty()
                                          ? none
                                          : tr("%1 (epoch %2)")
                                                    .arg(report.networkKeyFingerprint)
                                                    .arg(report.networkEpoch));
    m_managementFingerprint->setText(
            report.managementKeyFingerprint.isEmpty() ? none : report.managementKeyFingerprint);
    // The label names the node's own key: its link key, else its management key.
    const QString fingerprint = report.linkKeyFingerprint.isEmpty()
                                        ? report.managementKeyFingerprint
                                        : report.linkKeyFingerprint;
    m_label.reset();
    m_qr->clear();
    const auto serial = serialFromHex(report.serialHex);
    if (serial) {
        if (auto label = QrLabel::create(report.nodeId, *serial, fingerprint); label) {
            m_label = *label;
            if (auto png = label->toPng(4); png) {
                QPixmap pixmap;
                pixmap.loadFromData(*png, "PNG");
                m_qr->setPixmap(pixmap);
            }
        } else {
            m_status->setText(tr("No QR label: %1").arg(label.error().message()));
        }
    }
    m_saveLabel->setEnabled(m_label.has_value());
    m_print->setEnabled(m_label.has_value() && canPrint());
}

Result<void> PersonalizationDialog::saveLabel(const QString &path)
{
    if (!m_label)
        return fail(ErrorCode::Refused, tr("There is no label yet: personalize a node first."));
    const bool svg = path.endsWith(QStringLiteral(".svg"), Qt::CaseInsensitive);
    auto bytes = svg ? m_label->toSvg(8) : m_label->toPng(8);
    if (!bytes)
        return tl::unexpected(bytes.error());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(*bytes) != bytes->size() || !file.commit())
        return fail(ErrorCode::Refused,
                    tr("%1 cannot be written: %2").arg(path, file.errorString()));
    return {};
}

Result<void> PersonalizationDialog::paintLabel(QPaintDevice *device) const
{
    if (!m_label)
        return fail(ErrorCode::Refused, tr("There is no label yet: personalize a node first."));
    auto png = m_label->toPng(8);
    if (!png)
        return tl::unexpected(png.error());
    QPixmap pixmap;
    if (!pixmap.loadFromData(*png, "PNG"))
        return fail(ErrorCode::Malformed, tr("The label's picture cannot be drawn."));
    QPainter painter;
    if (!painter.begin(device))
        return fail(ErrorCode::Refused, tr("The printer cannot be drawn on."));
    // The QR code in the top left third of the page, the facts it carries written under it.
    const QRect page = painter.viewport();
    const int side = std::min(page.width(), page.height()) / 3;
    painter.drawPixmap(QRect(0, 0, side, side), pixmap);
    const QString caption = tr("Node %1\nSerial %2\nKey %3")
                                    .arg(m_label->nodeId())
                                    .arg(serialText(m_label->serial()), m_label->fingerprint());
    painter.drawText(QRect(0, side + 10, page.width(), page.height() - side - 10),
                     Qt::AlignLeft | Qt::AlignTop, caption);
    if (!painter.end())
        return fail(ErrorCode::Refused, tr("The printer did not take the page."));
    return {};
}

void PersonalizationDialog::printLabel()
{
#ifdef WARDEN_GUI_HAS_PRINT
    if (!m_label)
        return;
    QPrinter printer;
    QPrintDialog dialog(&printer, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    if (const auto printed = paintLabel(&printer); !printed)
        QMessageBox::warning(this, tr("Print the label"), printed.error().message());
#endif
}

void PersonalizationDialog::clearSnippets()
{
    for (QPlainTextEdit *box : {m_personalizerText, m_whitelistText, m_gatewayText}) {
        if (box)
            box->clear();
    }
    for (QPushButton *button : {m_copyPersonalizer, m_copyWhitelist, m_copyGateway}) {
        if (button)
            button->setEnabled(false);
    }
}

void PersonalizationDialog::prepareStockSnippets()
{
    clearSnippets();
    const quint8 id = quint8(m_stockNode->value());
    // The network key stock nodes sign with: the newest active one.
    std::optional<NetworkKeyInfo> active;
    for (const NetworkKeyInfo &k : m_store->networkKeys())
        if (k.state == NetworkKeyState::Active && (!active || k.epoch > active->epoch))
            active = k;
    if (!active) {
        m_stockStatus->setText(tr("The key store has no active network key, so there is "
                                  "nothing to give a stock node yet."));
        return;
    }
    auto networkKey = m_store->networkKey(active->epoch);
    if (!networkKey) {
        m_stockStatus->setText(networkKey.error().message());
        return;
    }
    std::optional<Serial> serial;
    if (const auto known = m_store->node(id); known && known->serial)
        serial = known->serial;
    QString note;
    if (!serial) {
        Serial fresh {};
        if (auto random = systemRandom(fresh.data(), fresh.size()); !random) {
            m_stockStatus->setText(random.error().message());
            return;
        }
        auto set = m_store->setSerial(id, fresh);
        auto saved = set ? m_store->save() : Result<void>(tl::unexpected(set.error()));
        if (!saved) {
            m_stockStatus->setText(tr("The new serial was not saved in the key store: %1")
                                           .arg(saved.error().message()));
            return;
        }
        serial = fresh;
        note = tr("Node %1 got the new serial %2, saved in the key store. ")
                       .arg(id)
                       .arg(serialText(fresh));
    }

    auto defines = StockFormats::personalizerDefines(*networkKey, SecretBytes(), *serial);
    const auto gatewaySerial = m_store->gatewaySerial();
    QList<WhitelistEntry> nodeWhitelist;
    if (gatewaySerial)
        nodeWhitelist << WhitelistEntry {0, *gatewaySerial};
    auto whitelist = StockFormats::whitelistDefine(nodeWhitelist);
    // The gateway whitelists every node the store has a serial for.
    QList<WhitelistEntry> gatewayWhitelist;
    for (const NodeKeyInfo &n : m_store->nodes())
        if (n.serial)
            gatewayWhitelist << WhitelistEntry {n.nodeId, *n.serial};
    auto option = StockFormats::linuxWhitelistOption(gatewayWhitelist);
    if (!defines || !whitelist || !option) {
        const Error &e
                = !defines ? defines.error() : (!whitelist ? whitelist.error() : option.error());
        m_stockStatus->setText(tr("The snippets cannot be made: %1").arg(e.message()));
        return;
    }
    m_personalizerText->setPlainText(snippetText(*defines));
    m_whitelistText->setPlainText(QString::fromLatin1(*whitelist));
    QString gateway;
    if (gatewaySerial) {
        auto lines = StockFormats::gatewayKeyLines(*networkKey, SecretBytes(), *gatewaySerial);
        if (!lines) {
            m_stockStatus->setText(lines.error().message());
            return;
        }
        gateway = snippetText(*lines);
    } else {
        note += tr("The key store has no gateway serial, so there are no gateway key lines. ");
    }
    gateway += QString::fromLatin1(*option) + u'\n';
    m_gatewayText->setPlainText(gateway);
    for (QPushButton *button : {m_copyPersonalizer, m_copyWhitelist, m_copyGateway})
        button->setEnabled(true);
    m_stockStatus->setText(note
                           + tr("Snippets for node %1 with the network key of epoch %2 (%3).")
                                     .arg(id)
                                     .arg(active->epoch)
                                     .arg(active->fingerprint));
}

void PersonalizationDialog::done(int result)
{
    if (m_busy) {
        cancel(); // never leave a session running behind a closed window
        return;
    }
    clearSnippets();
    closePort();
    QDialog::done(result);
}

} // namespace Warden::Internal
