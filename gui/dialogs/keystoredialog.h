// The open key store: its keys by fingerprint (network keys per epoch, each node's serial, link
// and management keys; never a key), backup and restore with plain warnings, and the security
// audit log. Locking is the owner's: the dialog asks for it (lockRequested) and the owner
// destroys the KeyStore object.
#pragma once

#include <warden/inventory.h>
#include <warden/keystore.h>

#include <QtCore/QPointer>
#include <QtWidgets/QDialog>
#include <QtWidgets/QFileDialog>

#include <optional>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableView;
class QTableWidget;
class QTabWidget;
QT_END_NAMESPACE

namespace Warden {
class SecurityService;
}

namespace Warden::Internal {

class AuditLogFilter;
class AuditLogModel;

class KeyStoreDialog : public QDialog
{
    Q_OBJECT

public:
    /// Neither owned; @p inventory may be null (no audit log then).
    KeyStoreDialog(KeyStore *store, Inventory *inventory, QWidget *parent = nullptr);
    /// The service's key store and inventory.
    explicit KeyStoreDialog(SecurityService *service, QWidget *parent = nullptr);
    ~KeyStoreDialog() override;

    /// Who the audit log names for backups and restores; default "console".
    void setWho(const QString &who) { m_who = who; }
    /// The Argon2id cost of exported backups (tests lower it); default: the store's own.
    void setBackupParams(const KeyStoreParams &params) { m_backupParams = params; }

    QTabWidget *tabs() const { return m_tabs; }
    QTableWidget *networkKeyTable() const { return m_networkKeys; }
    QTableWidget *nodeKeyTable() const { return m_nodeKeys; }
    QLineEdit *exportPathField() const { return m_exportPath; }
    QPushButton *exportBrowseButton() const { return m_exportBrowse; }
    QPushButton *restoreBrowseButton() const { return m_restoreBrowse; }
    /// The file picker a Browse button opened (window-modal, non-blocking: open()), null when
    /// none is open. Choosing a file fills the path field; the picker deletes itself on close.
    QFileDialog *fileDialog() const { return m_fileDialog; }
    QLineEdit *exportPassphraseField() const { return m_exportPassphrase; }
    QLineEdit *exportConfirmField() const { return m_exportConfirm; }
    QPushButton *exportButton() const { return m_export; }
    QLabel *exportWarning() const { return m_exportWarning; }
    QLabel *exportStatus() const { return m_exportStatus; }
    QLineEdit *restorePathField() const { return m_restorePath; }
    QLineEdit *restorePassphraseField() const { return m_restorePassphrase; }
    QCheckBox *restoreConfirmBox() const { return m_restoreConfirm; }
    QPushButton *restoreButton() const { return m_restore; }
    QLabel *restoreWarning() const { return m_restoreWarning; }
    QLabel *restoreStatus() const { return m_restoreStatus; }
    QLineEdit *auditSearchField() const { return m_auditSearch; }
    QSpinBox *auditNodeFilter() const { return m_auditNode; }
    QTableView *auditTable() const { return m_auditTable; }
    AuditLogModel *auditModel() const { return m_auditModel; }
    AuditLogFilter *auditFilter() const { return m_auditFilter; }
    QPushButton *lockButton() const { return m_lock; }

public Q_SLOTS:
    /// Reads the key store's fingerprints and the audit log again.
    void refresh();
    void exportBackup();
    void restoreBackup();

Q_SIGNALS:
    /// The user wants the store locked: its owner closes it (the dialog closes itself).
    void lockRequested();
    /// The store's content was replaced by a backup.
    void restored();

private:
    QWidget *buildKeysTab();
    QWidget *buildBackupTab();
    QWidget *buildAuditTab();
    void audit(const QString &what, const QJsonObject &details);
    void updateButtons();
    /// Opens the file picker for @p field: a backup to write (AcceptSave) or to read.
    void browse(QLineEdit *field, QFileDialog::AcceptMode mode, const QString &title,
                const QString &directory, const QStringList &filters);

    KeyStore *m_store;
    Inventory *m_inventory;
    bool m_networkRunning = false; ///< built from a SecurityService: an engine holds keys
    QString m_who = QStringLiteral("console");
    std::optional<KeyStoreParams> m_backupParams;

    QTabWidget *m_tabs;
    QLabel *m_gatewaySerial = nullptr;
    QTableWidget *m_networkKeys = nullptr;
    QTableWidget *m_nodeKeys = nullptr;
    QPushButton *m_lock = nullptr;
    QLineEdit *m_exportPath = nullptr;
    QLineEdit *m_exportPassphrase = nullptr;
    QLineEdit *m_exportConfirm = nullptr;
    QLabel *m_exportStrength = nullptr;
    QLabel *m_exportWarning = nullptr;
    QLabel *m_exportStatus = nullptr;
    QPushButton *m_export = nullptr;
    QPushButton *m_exportBrowse = nullptr;
    QPushButton *m_restoreBrowse = nullptr;
    QPointer<QFileDialog> m_fileDialog;
    QLineEdit *m_restorePath = nullptr;
    QLineEdit *m_restorePassphrase = nullptr;
    QCheckBox *m_restoreConfirm = nullptr;
    QLabel *m_restoreWarning = nullptr;
    QLabel *m_restoreStatus = nullptr;
    QPushButton *m_restore = nullptr;
    QLineEdit *m_auditSearch = nullptr;
    QSpinBox *m_auditNode = nullptr;
    QTableView *m_auditTable = nullptr;
    QLabel *m_auditStatus = nullptr;
    AuditLogModel *m_auditModel = nullptr;
    AuditLogFilter *m_auditFilter = nullptr;
};

} // namespace Warden::Internal
