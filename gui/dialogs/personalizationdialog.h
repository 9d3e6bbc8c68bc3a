// Personalizes a Warden node on a USB serial port: pick the port, detect the firmware (its
// INFO: version, id, serial, fingerprints), choose the node id and options, personalize (the
// station saves the keys in the key store first, writes and reads back, records the node in the
// inventory), then see the serial, the fingerprints and the QR label (save as PNG or SVG,
// print). For stock MySensors nodes it shows the snippets their own tools take (the
// SecurityPersonalizer's definitions, the node's whitelist, the Linux gateway's key lines and
// whitelist option), each with a copy button: they contain keys, so they are shown on request,
// never logged, and cleared when the dialog closes.
#pragma once

#include "firmwareprobe.h"

#include <warden/firmwareflasher.h>
#include <warden/keystore.h>
#include <warden/personalizationstation.h>
#include <warden/qrlabel.h>

#include <QtWidgets/QDialog>

#include <functional>
#include <memory>
#include <optional>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPaintDevice;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSerialPort;
class QSpinBox;
class QTabWidget;
QT_END_NAMESPACE

namespace Warden {
class Inventory;
class SecurityService;
class SecurityWorkflows;
} // namespace Warden

namespace Warden::Internal {

class PersonalizationDialog : public QDialog
{
    Q_OBJECT

public:
    /// Neither owned; both must outlive the dialog. Readmissions go through the key store and
    /// the inventory alone unless setWorkflows() is called.
    PersonalizationDialog(KeyStore *store, Inventory *inventory, QWidget *parent = nullptr);
    /// The service's key store, inventory and workflows: a node personalized or readmitted
    /// here reaches the running engine at once (SecurityWorkflows::reloadNode()).
    explicit PersonalizationDialog(SecurityService *service, QWidget *parent = nullptr);
    ~PersonalizationDialog() override;

    void setWorkflows(SecurityWorkflows *workflows) { m_workflows = workflows; }
    /// Who the audit log names; default "console".
    void setWho(const QString &who) { m_who = who; }
    /// The station's timeouts (tests on a slow line); default: the station's.
    void setTimeouts(const PersonalizationTimeouts &timeouts) { m_timeouts = timeouts; }

    /// The port path the user picked or typed.
    QString selectedPort() const;
    /// What the last detection showed, if it succeeded.
    const std::optional<FirmwareInfo> &firmware() const { return m_info; }
    /// The last successful personalization.
    const std::optional<PersonalizationReport> &report() const { return m_report; }
    /// The QR label of the last personalization.
    const std::optional<QrLabel> &label() const { return m_label; }
    /// Whether this build can print labels (Qt PrintSupport).
    static bool canPrint();

    QTabWidget *tabs() const { return m_tabs; }
    QComboBox *portBox() const { return m_ports; }
    QPushButton *refreshButton() const { return m_refresh; }
    QPushButton *detectButton() const { return m_detect; }
    /// "Flash Warden firmware...": shown when detection found no Warden firmware on the port.
    QPushButton *flashButton() const { return m_flash; }
    QLabel *detectStatus() const { return m_detectStatus; }
    QSpinBox *nodeIdBox() const { return m_nodeId; }
    QComboBox *epochBox() const { return m_epoch; }
    QCheckBox *linkKeyBox() const { return m_linkKey; }
    QCheckBox *whitelistGatewayBox() const { return m_whitelistGateway; }
    QComboBox *policyBox() const { return m_policy; }
    QCheckBox *replaceBox() const { return m_replace; }
    QCheckBox *readmitBox() const { return m_readmit; }
    QPushButton *personalizeButton() const { return m_personalize; }
    QPushButton *cancelButton() const { return m_cancel; }
    QProgressBar *progress() const { return m_progress; }
    QLabel *status() const { return m_status; }
    QLabel *serialLabel() const { return m_serial; }
    QLabel *linkKeyLabel() const { return m_linkFingerprint; }
    QLabel *networkKeyLabel() const { return m_networkFingerprint; }
    QLabel *managementKeyLabel() const { return m_managementFingerprint; }
    QLabel *qrView() const { return m_qr; }
    QPushButton *saveLabelButton() const { return m_saveLabel; }
    QPushButton *printButton() const { return m_print; }
    QSpinBox *stockNodeBox() const { return m_stockNode; }
    QPushButton *stockPrepareButton() const { return m_stockPrepare; }
    QLabel *stockWarning() const { return m_stockWarning; }
    QLabel *stockStatus() const { return m_stockStatus; }
    QPlainTextEdit *personalizerSnippet() const { return m_personalizerText; }
    QPlainTextEdit *whitelistSnippet() const { return m_whitelistText; }
    QPlainTextEdit *gatewaySnippet() const { return m_gatewayText; }
    QPushButton *copyPersonalizerButton() const { return m_copyPersonalizer; }
    QPushButton *copyWhitelistButton() const { return m_copyWhitelist; }
    QPushButton *copyGatewayButton() const { return m_copyGateway; }

    /// Writes the QR label to @p path (PNG, or SVG when the name ends in .svg) atomically.
    Result<void> saveLabel(const QString &path);
    /// Draws the label (QR code, node id, serial, fingerprint) on one page of @p device: what
    /// "Print the label..." sends to the chosen printer.
    Result<void> paintLabel(QPaintDevice *device) const;

public Q_SLOTS:
    /// Lists the serial ports again (the typed path stays).
    void refreshPorts();
    /// Opens the port and asks the board for its firmware.
    void detect();
    /// Personalizes the board on the port with the options shown.
    void personalize();
    /// Stops a personalization under way by closing the port; the status says what the
    /// station left behind (see PersonalizationStation).
    void cancel();
    /// Prepares the stock node snippets for the node id shown; a node without a serial in
    /// the key store gets a fresh random one, saved there (the gateway needs it).
    void prepareStockSnippets();
    /// The offer of flashButton(): asks for the image and a confirmation, then flashImage().
    void offerFlash();

public:
    /// Picks the image to flash among the installed ones (or a file); empty: not at all. The
    /// default asks the user; tests replace it.
    using ImageChooser = std::function<QString(const QList<FirmwareImage> &images)>;
    /// Confirms replacing the board's program on @p port by @p image; the default asks.
    using FlashConfirmer = std::function<bool(const QString &port, const QString &image)>;
    void setFlashPrompts(ImageChooser chooser, FlashConfirmer confirmer);
    /// Runs avrdude instead of the one on PATH (tests).
    void setAvrdudeProgram(const QString &program) { m_avrdude = program; }
    /// Where the installed images are looked for (empty: FirmwareFlasher's directories).
    void setImageDirectory(const QString &directory) { m_imageDirectory = directory; }
    /// Flashes @p image into the board on the selected port through Warden::FirmwareFlasher
    /// (progress in progress(), the result in status()), then detects again.
    Result<FlashReport> flashImage(const QString &image);

Q_SIGNALS:
    /// A node was personalized (and recorded in the key store and the inventory).
    void personalized(const Warden::PersonalizationReport &report);

protected:
    void done(int result) override;

private:
    QWidget *buildWardenTab();
    QWidget *buildStockTab();
    void fillEpochs();
    int nextFreeNodeId() const;
    bool openPort(QString *error);
    void closePort();
    void setBusy(bool busy);
    void showReport(const PersonalizationReport &report);
    void clearSnippets();
    void printLabel();

    KeyStore *m_store;
    Inventory *m_inventory;
    SecurityWorkflows *m_workflows = nullptr;
    QString m_who = QStringLiteral("console");
    PersonalizationTimeouts m_timeouts;
    std::unique_ptr<QSerialPort> m_port;
    std::optional<FirmwareInfo> m_info;
    std::optional<PersonalizationReport> m_report;
    std::optional<QrLabel> m_label;
    bool m_busy = false;
    bool m_cancelled = false;
    FirmwareFlasher *m_flasher = nullptr; ///< while a flash runs
    QString m_avrdude;
    QString m_imageDirectory;
    ImageChooser m_chooseImage;
    FlashConfirmer m_confirmFlash;

    QTabWidget *m_tabs;
    QComboBox *m_ports = nullptr;
    QPushButton *m_refresh = nullptr;
    QPushButton *m_detect = nullptr;
    QLabel *m_detectStatus = nullptr;
    QPushButton *m_flash = nullptr;
    QSpinBox *m_nodeId = nullptr;
    QComboBox *m_epoch = nullptr;
    QCheckBox *m_linkKey = nullptr;
    QCheckBox *m_whitelistGateway = nullptr;
    QComboBox *m_policy = nullptr;
    QCheckBox *m_replace = nullptr;
    QCheckBox *m_readmit = nullptr;
    QLineEdit *m_readmitWhy = nullptr;
    QPushButton *m_personalize = nullptr;
    QPushButton *m_cancel = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_status = nullptr;
    QLabel *m_serial = nullptr;
    QLabel *m_linkFingerprint = nullptr;
    QLabel *m_networkFingerprint = nullptr;
    QLabel *m_managementFingerprint = nullptr;
    QLabel *m_qr = nullptr;
    QPushButton *m_saveLabel = nullptr;
    QPushButton *m_print = nullptr;
    QSpinBox *m_stockNode = nullptr;
    QPushButton *m_stockPrepare = nullptr;
    QLabel *m_stockWarning = nullptr;
    QLabel *m_stockStatus = nullptr;
    QPlainTextEdit *m_personalizerText = nullptr;
    QPlainTextEdit *m_whitelistText = nullptr;
    QPlainTextEdit *m_gatewayText = nullptr;
    QPushButton *m_copyPersonalizer = nullptr;
    QPushButton *m_copyWhitelist = nullptr;
    QPushButton *m_copyGateway = nullptr;
};

} // namespace Warden::Internal
