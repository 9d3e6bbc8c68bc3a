#include "keystoredialog.h"

#include "auditlogmodel.h"
#include "passphraseinput.h"

#include <warden/securityservice.h>

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonObject>
#include <QtCore/QLoggingCategory>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QGroupBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QTabWidget>
#include <QtWidgets/QTableView>
#include <QtWidgets/QTableWidget>
#include <QtWidgets/QVBoxLayout>

Q_DECLARE_LOGGING_CATEGORY(lcKeyStoreDialog)

namespace Warden::Internal {

namespace {

QString serialText(const std::optional<Serial> &serial)
{
    if (!serial)
        return QString();
    return QString::fromLatin1(
            QByteArray(reinterpret_cast<const char *>(serial->data()), qsizetype(serial->size()))
                    .toHex());
}

QString stateText(NetworkKeyState state)
{
    switch (state) {
    case NetworkKeyState::Pending:
        return KeyStoreDialog::tr("pending (being delivered)");
    case NetworkKeyState::Active:
        return KeyStoreDialog::tr("active");
    case NetworkKeyState::Retired:
        return KeyStoreDialog::tr("retired");
    }
    return QString();
}

QTableWidget *makeTable(const QStringList &headers, const QString &name, QWidget *parent)
{
    auto *table = new QTableWidget(0, int(headers.size()), parent);
    table->setHorizontalHeaderLabels(headers);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->verticalHeader()->hide();
    table->horizontalHeader()->setStretchLastSection(true);
    table->setAccessibleName(name);
    return table;
}

QLabel *warningLabel(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setWordWrap(true);
    label->setStyleSheet(QStringLiteral("QLabel { background: #fff4e5; border: 1px solid #e0a040;"
                                        " padding: 6px; }"));
    return label;
}

QHBoxLayout *pathRow(QLineEdit *field, QPushButton *browse)
{
    auto *row = new QHBoxLayout;
    row->addWidget(field, 1);
    row->addWidget(browse);
    return row;
}

} // namespace

KeyStoreDialog::KeyStoreDialog(KeyStore *store, Inventory *inventory, QWidget *parent)
    : QDialog(parent)
    , m_store(store)
    , m_inventory(inventory)
    , m_tabs(new QTabWidget(this))
{
    setWindowTitle(tr("Key store"));
    m_tabs->addTab(buildKeysTab(), tr("&Keys"));
    m_tabs->addTab(buildBackupTab(), tr("&Backup and restore"));
    m_tabs->addTab(buildAuditTab(), tr("&Audit log"));
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_tabs);
    resize(820, 560);
    refresh();
}

KeyStoreDialog::KeyStoreDialog(SecurityService *service, QWidget *parent)
    : KeyStoreDialog(service->keyStore(), service->inventory(), parent)
{
    m_networkRunning = true;
}

KeyStoreDialog::~KeyStoreDialog() = default;

QWidget *KeyStoreDialog::buildKeysTab()
{
    auto *page = new QWidget(this);
    auto *intro = new QLabel(tr("Keys are shown by fingerprint only: compare them with what a "
                                "node or a backup shows. The keys themselves never leave the "
                                "store through this window."),
                             page);
    intro->setWordWrap(true);
    m_gatewaySerial = new QLabel(page);
    m_gatewaySerial->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_networkKeys = makeTable({tr("Epoch"), tr("State"), tr("Created"), tr("Fingerprint")},
                              tr("Network keys"), page);
    m_nodeKeys = makeTable({tr("Node"), tr("Serial"), tr("Link key fingerprint"),
                            tr("Management key fingerprint")},
                           tr("Node keys"), page);
    auto *networkLabel = new QLabel(tr("&Network keys, per epoch:"), page);
    networkLabel->setBuddy(m_networkKeys);
    auto *nodeLabel = new QLabel(tr("N&ode keys:"), page);
    nodeLabel->setBuddy(m_nodeKeys);
    m_lock = new QPushButton(tr("&Lock the key store"), page);
    m_lock->setToolTip(tr("Closes the key store: keys leave memory until it is unlocked again."));
    connect(m_lock, &QPushButton::clicked, this, [this] {
        Q_EMIT lockRequested();
        accept();
    });
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(intro);
    layout->addWidget(m_gatewaySerial);
    layout->addWidget(networkLabel);
    layout->addWidget(m_networkKeys, 1);
    layout->addWidget(nodeLabel);
    layout->addWidget(m_nodeKeys, 2);
    layout->addWidget(m_lock, 0, Qt::AlignRight);
    return page;
}

QWidget *KeyStoreDialog::buildBackupTab()
{
    auto *page = new QWidget(this);

    // --- export ---
    auto *exportBox = new QGroupBox(tr("Make a backup"), page);
    m_exportWarning = warningLabel(
            tr("A backup holds every key of your network: the network keys and each node's "
               "keys. It is protected only by the backup passphrase you choose here. Keep it "
               "offline and choose a strong passphrase you will remember."),
            exportBox);
    m_exportPath = new QLineEdit(exportBox);
    m_exportPath->setAccessibleName(tr("Backup file"));
    auto *exportBrowse = new QPushButton(tr("Br&owse..."), exportBox);
    m_exportBrowse = exportBrowse;
    connect(exportBrowse, &QPushButton::clicked, this, [this] {
        browse(m_exportPath, QFileDialog::AcceptSave, tr("Save the backup as"), QString(),
               {tr("Warden key store backups (*.wks)"), tr("All files (*)")});
    });
    m_exportPassphrase = new QLineEdit(exportBox);
    preparePassphraseField(m_exportPassphrase);
    m_exportPassphrase->setAccessibleName(tr("Backup passphrase"));
    m_exportConfirm = new QLineEdit(exportBox);
    preparePassphraseField(m_exportConfirm);
    m_exportConfirm->setAccessibleName(tr("Backup passphrase again"));
    m_exportStrength = new QLabel(exportBox);
    m_exportStrength->setWordWrap(true);
    connect(m_exportPassphrase, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_exportStrength->setText(passphraseStrengthText(passphraseStrength(text)));
    });
    m_export = new QPushButton(tr("&Export the backup"), exportBox);
    connect(m_export, &QPushButton::clicked, this, &KeyStoreDialog::exportBackup);
    m_exportStatus = new QLabel(exportBox);
    m_exportStatus->setWordWrap(true);
    m_exportStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *exportForm = new QFormLayout;
    auto *exportPathLabel = new QLabel(tr("Backup &file:"), exportBox);
    exportPathLabel->setBuddy(m_exportPath);
    exportForm->addRow(exportPathLabel, pathRow(m_exportPath, exportBrowse));
    auto *exportPassLabel = new QLabel(tr("Backup &passphrase:"), exportBox);
    exportPassLabel->setBuddy(m_exportPassphrase);
    exportForm->addRow(exportPassLabel, m_exportPassphrase);
    auto *exportAgainLabel = new QLabel(tr("A&gain:"), exportBox);
    exportAgainLabel->setBuddy(m_exportConfirm);
    exportForm->addRow(exportAgainLabel, m_exportConfirm);
    exportForm->addRow(QString(), m_exportStrength);
    auto *exportLayout = new QVBoxLayout(exportBox);
    exportLayout->addWidget(m_exportWarning);
    exportLayout->addLayout(exportForm);
    exportLayout->addWidget(m_export, 0, Qt::AlignRight);
    exportLayout->addWidget(m_exportStatus);

    // --- restore ---
    auto *restoreBox = new QGroupBox(tr("Restore a backup"), page);
    m_restoreWarning = warningLabel(
            tr("Restoring replaces every key in this key store with the backup's: keys made "
               "since the backup (new nodes, a rotation) are gone from the store, and nodes "
               "that hold them must be personalized again. The current store is saved as an "
               "automatic backup first, in %1.")
                    .arg(QDir::toNativeSeparators(m_store->backupDirectory())),
            restoreBox);
    m_restorePath = new QLineEdit(restoreBox);
    m_restorePath->setAccessibleName(tr("Backup to restore"));
    auto *restoreBrowse = new QPushButton(tr("Bro&wse..."), restoreBox);
    m_restoreBrowse = restoreBrowse;
    connect(restoreBrowse, &QPushButton::clicked, this, [this] {
        browse(m_restorePath, QFileDialog::AcceptOpen, tr("Restore which backup"),
               m_store->backupDirectory(),
               {tr("Warden key store backups (*.wks *.bak)"), tr("All files (*)")});
    });
    m_restorePassphrase = new QLineEdit(restoreBox);
    preparePassphraseField(m_restorePassphrase);
    m_restorePassphrase->setAccessibleName(tr("Passphrase of the backup"));
    m_restoreConfirm
            = new QCheckBox(tr("I &understand that this replaces the current keys"), restoreBox);
    m_restore = new QPushButton(tr("&Restore the backup"), restoreBox);
    connect(m_restore, &QPushButton::clicked, this, &KeyStoreDialog::restoreBackup);
    m_restoreStatus = new QLabel(restoreBox);
    m_restoreStatus->setWordWrap(true);
    m_restoreStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *restoreForm = new QFormLayout;
    auto *restorePathLabel = new QLabel(tr("Ba&ckup file:"), restoreBox);
    restorePathLabel->setBuddy(m_restorePath);
    restoreForm->addRow(restorePathLabel, pathRow(m_restorePath, restoreBrowse));
    auto *restorePassLabel = new QLabel(tr("Its pa&ssphrase:"), restoreBox);
    restorePassLabel->setBuddy(m_restorePassphrase);
    restoreForm->addRow(restorePassLabel, m_restorePassphrase);
    auto *restoreLayout = new QVBoxLayout(restoreBox);
    restoreLayout->addWidget(m_restoreWarning);
    restoreLayout->addLayout(restoreForm);
    restoreLayout->addWidget(m_restoreConfirm);
    restoreLayout->addWidget(m_restore, 0, Qt::AlignRight);
    restoreLayout->addWidget(m_restoreStatus);

    for (QLineEdit *field :
         {m_exportPath, m_exportPassphrase, m_exportConfirm, m_restorePath, m_restorePassphrase})
        connect(field, &QLineEdit::textChanged, this, &KeyStoreDialog::updateButtons);
    connect(m_restoreConfirm, &QCheckBox::toggled, this, &KeyStoreDialog::updateButtons);

    auto *layout = new QVBoxLayout(page);
    layout->addWidget(exportBox);
    layout->addWidget(restoreBox);
    layout->addStretch(1);
    updateButtons();
    return page;
}

QWidget *KeyStoreDialog::buildAuditTab()
{
    auto *page = new QWidget(this);
    m_auditModel = new AuditLogModel(this);
    m_auditFilter = new AuditLogFilter(this);
    m_auditFilter->setSourceModel(m_auditModel);
    m_auditSearch = new QLineEdit(page);
    m_auditSearch->setPlaceholderText(tr("Action, who, why or fingerprint"));
    m_auditSearch->setClearButtonEnabled(true);
    m_auditSearch->setAccessibleName(tr("Search the audit log"));
    connect(m_auditSearch, &QLineEdit::textChanged, m_auditFilter, &AuditLogFilter::setText);
    m_auditNode = new QSpinBox(page);
    m_auditNode->setRange(-1, 254);
    m_auditNode->setSpecialValueText(tr("all nodes"));
    m_auditNode->setValue(-1);
    m_auditNode->setAccessibleName(tr("Node filter"));
    connect(m_auditNode, &QSpinBox::valueChanged, m_auditFilter, &AuditLogFilter::setNode);
    auto *refresh = new QPushButton(tr("Re&fresh"), page);
    connect(refresh, &QPushButton::clicked, this, &KeyStoreDialog::refresh);
    m_auditTable = new QTableView(page);
    m_auditTable->setModel(m_auditFilter);
    m_auditTable->setSortingEnabled(true);
    m_auditTable->sortByColumn(AuditLogModel::TimeColumn, Qt::DescendingOrder);
    m_auditTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_auditTable->verticalHeader()->hide();
    m_auditTable->horizontalHeader()->setStretchLastSection(true);
    m_auditTable->setAccessibleName(tr("Audit log"));
    m_auditStatus = new QLabel(page);
    m_auditStatus->setWordWrap(true);

    auto *searchLabel = new QLabel(tr("&Search:"), page);
    searchLabel->setBuddy(m_auditSearch);
    auto *nodeLabel = new QLabel(tr("&Node:"), page);
    nodeLabel->setBuddy(m_auditNode);
    auto *row = new QHBoxLayout;
    row->addWidget(searchLabel);
    row->addWidget(m_auditSearch, 1);
    row->addWidget(nodeLabel);
    row->addWidget(m_auditNode);
    row->addWidget(refresh);
    auto *layout = new QVBoxLayout(page);
    layout->addLayout(row);
    layout->addWidget(m_auditTable, 1);
    layout->addWidget(m_auditStatus);
    page->setEnabled(m_inventory != nullptr);
    if (!m_inventory)
        page->setToolTip(tr("No inventory is open, so there is no audit log."));
    return page;
}

void KeyStoreDialog::browse(QLineEdit *field, QFileDialog::AcceptMode mode, const QString &title,
                            const QString &directory, const QStringList &filters)
{
    // One picker at a time; open() rather than exec(): the network keeps running meanwhile.
    if (m_fileDialog)
        m_fileDialog->close();
    auto *picker = new QFileDialog(this, title, directory);
    picker->setObjectName(QStringLiteral("backupFileDialog"));
    picker->setAttribute(Qt::WA_DeleteOnClose);
    picker->setAcceptMode(mode);
    picker->setFileMode(mode == QFileDialog::AcceptSave ? QFileDialog::AnyFile
                                                        : QFileDialog::ExistingFile);
    picker->setNameFilters(filters);
    if (mode == QFileDialog::AcceptSave)
        picker->setDefaultSuffix(QStringLiteral("wks"));
    if (const QString current = field->text().trimmed(); !current.isEmpty())
        picker->selectFile(current);
    connect(picker, &QFileDialog::fileSelected, field,
            [field](const QString &path) { field->setText(QDir::toNativeSeparators(path)); });
    m_fileDialog = picker;
    picker->open();
}

void KeyStoreDialog::updateButtons()
{
    m_export->setEnabled(!m_exportPath->text().trimmed().isEmpty()
                         && !m_exportPassphrase->text().isEmpty()
                         && !m_exportConfirm->text().isEmpty());
    m_restore->setEnabled(!m_restorePath->text().trimmed().isEmpty()
                          && !m_restorePassphrase->text().isEmpty()
                          && m_restoreConfirm->isChecked());
}

void KeyStoreDialog::refresh()
{
    const auto gateway = m_store->gatewaySerial();
    m_gatewaySerial->setText(gateway ? tr("Gateway serial: %1").arg(serialText(gateway))
                                     : tr("The store holds no gateway serial."));

    const QList<NetworkKeyInfo> keys = m_store->networkKeys();
    m_networkKeys->setRowCount(int(keys.size()));
    for (int row = 0; row < keys.size(); ++row) {
        const NetworkKeyInfo &k = keys.at(row);
        m_networkKeys->setItem(row, 0, new QTableWidgetItem(QString::number(k.epoch)));
        m_networkKeys->setItem(row, 1, new QTableWidgetItem(stateText(k.state)));
        m_networkKeys->setItem(row, 2,
                               new QTableWidgetItem(k.created.toLocalTime().toString(
                                       QStringLiteral("yyyy-MM-dd HH:mm:ss"))));
        m_networkKeys->setItem(row, 3, new QTableWidgetItem(k.fingerprint));
    }
    const QList<NodeKeyInfo> nodes = m_store->nodes();
    m_nodeKeys->setRowCount(int(nodes.size()));
    for (int row = 0; row < nodes.size(); ++row) {
        const NodeKeyInfo &n = nodes.at(row);
        // A revoked node's keys were deleted with the revocation: say so, rather than
        // "network key" / "stock node", which would describe a node still trusted.
        bool revoked = false;
        if (m_inventory) {
            const auto record = m_inventory->node(n.nodeId);
            revoked = record && *record && (*record)->revoked;
        }
        const QString deleted = tr("deleted (node revoked)");
        m_nodeKeys->setItem(row, 0, new QTableWidgetItem(QString::number(n.nodeId)));
        m_nodeKeys->setItem(row, 1, new QTableWidgetItem(serialText(n.serial)));
        m_nodeKeys->setItem(row, 2,
                            new QTableWidgetItem(!n.linkKeyFingerprint.isEmpty()
                                                         ? n.linkKeyFingerprint
                                                 : revoked ? deleted
                                                           : tr("none (network key)")));
        m_nodeKeys->setItem(row, 3,
                            new QTableWidgetItem(!n.managementKeyFingerprint.isEmpty()
                                                         ? n.managementKeyFingerprint
                                                 : revoked ? deleted
                                                           : tr("none (stock node)")));
    }
    m_networkKeys->resizeColumnsToContents();
    m_nodeKeys->resizeColumnsToContents();

    if (m_inventory) {
        if (auto loaded = m_auditModel->reload(m_inventory); !loaded)
            m_auditStatus->setText(
                    tr("The audit log cannot be read: %1").arg(loaded.error().message()));
        else
            m_auditStatus->setText(tr("Audit entries: %1").arg(m_auditModel->rowCount()));
    }
}

void KeyStoreDialog::audit(const QString &what, const QJsonObject &details)
{
    if (!m_inventory)
        return;
    AuditEntry entry;
    entry.who = m_who;
    entry.what = what;
    entry.details = details;
    auto receipt = m_inventory->recordAudit(entry);
    if (!receipt)
        qCWarning(lcKeyStoreDialog, "audit entry %s not recorded: %s", qPrintable(what),
                  qPrintable(receipt.error().message()));
}

void KeyStoreDialog::exportBackup()
{
    const QString path = m_exportPath->text().trimmed();
    const bool same = m_exportPassphrase->text() == m_exportConfirm->text();
    const bool longEnough = m_exportPassphrase->text().size() >= kMinPassphraseLength;
    SecretBytes passphrase = takePassphrase(m_exportPassphrase);
    SecretBytes again = takePassphrase(m_exportConfirm);
    m_exportStatus->setStyleSheet(QStringLiteral("color: #b00020;"));
    if (!same || !passphrase.equals(again)) {
        m_exportStatus->setText(tr("The two backup passphrases differ; nothing was written."));
        return;
    }
    if (!longEnough) {
        m_exportStatus->setText(tr("The backup passphrase is too short: use at least %1 "
                                   "characters. Nothing was written.")
                                        .arg(kMinPassphraseLength));
        return;
    }
    auto done = m_store->exportBackup(path, passphrase, m_backupParams);
    if (!done) {
        m_exportStatus->setText(tr("The backup was not written: %1").arg(done.error().message()));
        return;
    }
    QJsonObject details;
    details.insert(QStringLiteral("file"), QFileInfo(path).fileName());
    details.insert(QStringLiteral("networkKeys"), int(m_store->networkKeys().size()));
    details.insert(QStringLiteral("nodes"), int(m_store->nodes().size()));
    audit(QStringLiteral("keystore.backup"), details);
    m_exportStatus->setStyleSheet(QString());
    m_exportStatus->setText(tr("Backup written to %1. It holds every key: keep it safe.")
                                    .arg(QDir::toNativeSeparators(path)));
    refresh();
}

void KeyStoreDialog::restoreBackup()
{
    if (!m_restoreConfirm->isChecked())
        return;
    const QString path = m_restorePath->text().trimmed();
    SecretBytes passphrase = takePassphrase(m_restorePassphrase);
    const QStringList backupsBefore = m_store->backups();
    KeyStore::Problem problem = KeyStore::Problem::None;
    auto done = m_store->importBackup(path, passphrase, &problem);
    m_restoreConfirm->setChecked(false);
    if (!done) {
        m_restoreStatus->setStyleSheet(QStringLiteral("color: #b00020;"));
        m_restoreStatus->setText(tr("Nothing was restored and the current keys are unchanged: %1")
                                         .arg(done.error().message()));
        return;
    }
    QJsonObject details;
    details.insert(QStringLiteral("file"), QFileInfo(path).fileName());
    details.insert(QStringLiteral("networkKeys"), int(m_store->networkKeys().size()));
    details.insert(QStringLiteral("nodes"), int(m_store->nodes().size()));
    audit(QStringLiteral("keystore.restore"), details);
    const QStringList backupsAfter = m_store->backups();
    QString previous;
    for (const QString &b : backupsAfter)
        if (!backupsBefore.contains(b))
            previous = b;
    m_restoreStatus->setStyleSheet(QString());
    m_restoreStatus->setText(
            previous.isEmpty() ? tr("The backup was restored.")
                               : tr("The backup was restored. The keys it replaced are in %1.")
                                         .arg(QDir::toNativeSeparators(previous)));
    if (m_networkRunning)
        m_restoreStatus->setText(m_restoreStatus->text() + u' '
                                 + tr("The running network still uses the keys it loaded when "
                                      "it started: reconnect it to use the restored ones."));
    refresh();
    Q_EMIT restored();
}

} // namespace Warden::Internal
