// The key store dialogs driven as a user drives them (offscreen): creating a store (passphrase
// twice, too short, different), locking it, a wrong passphrase and a damaged file (the core's
// message, the file unchanged), unlocking; the keys listed by fingerprint only; a backup
// exported and restored with the fingerprints compared; the audit log model under
// QAbstractItemModelTester with its filter.
#include "dialogfixtures.h"

#include <dialogs/auditlogmodel.h>
#include <dialogs/keystoredialog.h>
#include <dialogs/keystoreunlockdialog.h>
#include <dialogs/passphraseinput.h>

#include <warden/passphrasekeychain.h>

#include <QtCore/QCryptographicHash>
#include <QtCore/QFile>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtDBus/QDBusConnection>
#include <QtDBus/QDBusConnectionInterface>
#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QTableView>
#include <QtWidgets/QTableWidget>

#include <cstring>
#include <memory>

using namespace Warden;
using namespace Warden::Internal;
using namespace Qt::StringLiterals;

namespace {

KeyStoreParams cheap()
{
    KeyStoreParams p;
    p.memoryKiB = 64;
    p.iterations = 1;
    return p;
}

QByteArray fileHash(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256);
}

SecretBytes key(int first)
{
    uint8_t bytes[32];
    for (int i = 0; i < 32; ++i)
        bytes[i] = uint8_t(first + i);
    return SecretBytes(bytes, sizeof bytes);
}

QString hexOf(const SecretBytes &secret)
{
    return QString::fromLatin1(
            QByteArray(reinterpret_cast<const char *>(secret.data()), qsizetype(secret.size()))
                    .toHex());
}

Serial serialOf(int id)
{
    Serial s {};
    s.fill(0x5E);
    s[8] = uint8_t(id);
    return s;
}

/// Every cell of @p table.
QStringList cells(const QTableWidget *table)
{
    QStringList out;
    for (int r = 0; r < table->rowCount(); ++r)
        for (int c = 0; c < table->columnCount(); ++c)
            out << (table->item(r, c) ? table->item(r, c)->text() : QString());
    return out;
}

/// The cells of the row whose first column reads @p first.
QStringList rowCells(const QTableWidget *table, const QString &first)
{
    QStringList out;
    for (int r = 0; r < table->rowCount(); ++r) {
        if (!table->item(r, 0) || table->item(r, 0)->text() != first)
            continue;
        for (int c = 0; c < table->columnCount(); ++c)
            out << (table->item(r, c) ? table->item(r, c)->text() : QString());
    }
    return out;
}

/// The fingerprints the store holds, in one comparable text.
QString fingerprints(const KeyStore &store)
{
    QStringList out;
    for (const NetworkKeyInfo &k : store.networkKeys())
        out << u"net %1 %2 %3"_s.arg(k.epoch).arg(int(k.state)).arg(k.fingerprint);
    for (const NodeKeyInfo &n : store.nodes())
        out << u"node %1 %2 %3"_s.arg(n.nodeId).arg(n.linkKeyFingerprint,
                                                    n.managementKeyFingerprint);
    return out.join(u"; "_s);
}

void type(QLineEdit *field, const QString &text)
{
    field->clear();
    QTest::keyClicks(field, text);
}

} // namespace

class tst_KeyStoreDialog : public QObject
{
    Q_OBJECT

private slots:
    void createLockAndUnlock();
    void damagedFileChangesNothing();
    void keysByFingerprintOnly();
    void backupAndRestoreRoundTrip();
    void auditModel();
    void auditModelFilter();
    void strengthHint_data();
    void strengthHint();
    void rememberedInTheKeychain();
    void cleanupTestCase();

private:
    bool startSecretService(QString *why);
    static void stop(QProcess &process);
    QTemporaryDir m_home;
    QProcess m_bus;
    QProcess m_keyring;
    std::unique_ptr<KeyStore> filledStore(const QString &path);
};

std::unique_ptr<KeyStore> tst_KeyStoreDialog::filledStore(const QString &path)
{
    auto created
            = KeyStore::create(path, KeyStore::passphraseFromText(u"garden shed key"), cheap());
    if (!created)
        return nullptr;
    auto store = std::make_unique<KeyStore>(std::move(*created));
    bool ok = bool(store->setNetworkKey(1, key(0x10), NetworkKeyState::Retired));
    ok = ok && store->setNetworkKey(2, key(0x20), NetworkKeyState::Active);
    store->setGatewaySerial(serialOf(0));
    for (int id : {3, 4, 9}) {
        ok = ok && store->setSerial(quint8(id), serialOf(id))
             && store->setManagementKey(quint8(id), key(0x40 + id));
    }
    ok = ok && store->setLinkKey(4, key(0x80));
    if (!ok || !store->save())
        return nullptr;
    return store;
}

void tst_KeyStoreDialog::createLockAndUnlock()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"keys.wks"_s);

    // No file: the dialog creates one.
    KeyStoreUnlockDialog create(path);
    create.setCreateParams(cheap());
    create.show();
    QVERIFY(QTest::qWaitForWindowExposed(&create));
    QCOMPARE(create.mode(), KeyStoreUnlockDialog::Mode::Create);
    QVERIFY(create.confirmField());
    QCOMPARE(create.passphraseField()->echoMode(), QLineEdit::Password);
    QCOMPARE(create.confirmField()->echoMode(), QLineEdit::Password);
    // The keychain option is offered exactly when this build has one.
    QCOMPARE(create.rememberBox()->isEnabled(), PassphraseKeychain::isAvailable());
    QVERIFY(!create.rememberBox()->toolTip().isEmpty());
    QVERIFY(!create.unlockButton()->isEnabled());

    // Too short, then two different ones: refused, no file, the fields emptied.
    type(create.passphraseField(), u"short"_s);
    QVERIFY(create.strengthLabel()->text().startsWith(u"Weak"_s));
    type(create.confirmField(), u"short"_s);
    QVERIFY(create.unlockButton()->isEnabled());
    QTest::mouseClick(create.unlockButton(), Qt::LeftButton);
    QVERIFY2(create.errorText().contains(u"too short"_s), qPrintable(create.errorText()));
    QVERIFY(!QFile::exists(path));
    QVERIFY(create.passphraseField()->text().isEmpty());
    QVERIFY(create.confirmField()->text().isEmpty());
    type(create.passphraseField(), u"correct horse battery"_s);
    QCOMPARE(create.strengthLabel()->text(), u"Strong."_s);
    type(create.confirmField(), u"correct horse battery!"_s);
    QTest::mouseClick(create.unlockButton(), Qt::LeftButton);
    QVERIFY2(create.errorText().contains(u"differ"_s), qPrintable(create.errorText()));
    QVERIFY(!QFile::exists(path));
    QCOMPARE(create.result(), int(QDialog::Rejected));

    type(create.passphraseField(), u"correct horse battery"_s);
    type(create.confirmField(), u"correct horse battery"_s);
    QTest::keyClick(create.confirmField(), Qt::Key_Return); // the default button
    QCOMPARE(create.result(), int(QDialog::Accepted));
    QVERIFY(create.errorText().isEmpty());
    QVERIFY(create.passphraseField()->text().isEmpty());
    std::unique_ptr<KeyStore> store = create.takeStore();
    QVERIFY(store);
    QVERIFY(QFile::exists(path));
    QVERIFY(store->setNetworkKey(1, key(0x10), NetworkKeyState::Active));
    QVERIFY(store->save());
    const QString expected = fingerprints(*store);

    // Locked: the object that held the keys is gone.
    store.reset();
    const QByteArray before = fileHash(path);

    // A wrong passphrase: the core's message, the file unchanged, the dialog still open.
    KeyStoreUnlockDialog unlock(path);
    unlock.show();
    QVERIFY(QTest::qWaitForWindowExposed(&unlock));
    QCOMPARE(unlock.mode(), KeyStoreUnlockDialog::Mode::Open);
    QVERIFY(!unlock.confirmField());
    type(unlock.passphraseField(), u"correct horse"_s);
    QTest::mouseClick(unlock.unlockButton(), Qt::LeftButton);
    QCOMPARE(unlock.lastProblem(), KeyStore::Problem::WrongPassphrase);
    QVERIFY(!unlock.errorText().isEmpty());
    QVERIFY2(unlock.errorText().contains(u"Nothing was changed"_s), qPrintable(unlock.errorText()));
    QVERIFY(!unlock.errorText().contains(u"correct horse"_s)); // never the passphrase
    QVERIFY(unlock.passphraseField()->text().isEmpty());
    QVERIFY(!unlock.takeStore());
    QVERIFY(unlock.isVisible());
    QCOMPARE(fileHash(path), before);

    // The right one opens it.
    type(unlock.passphraseField(), u"correct horse battery"_s);
    QTest::mouseClick(unlock.unlockButton(), Qt::LeftButton);
    QCOMPARE(unlock.result(), int(QDialog::Accepted));
    QCOMPARE(unlock.lastProblem(), KeyStore::Problem::None);
    store = unlock.takeStore();
    QVERIFY(store);
    QCOMPARE(fingerprints(*store), expected);
    QCOMPARE(fileHash(path), before); // opening writes nothing
}

void tst_KeyStoreDialog::damagedFileChangesNothing()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"keys.wks"_s);
    QVERIFY(filledStore(path));
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadWrite));
        QByteArray bytes = file.readAll();
        bytes[bytes.size() / 2] = char(bytes.at(bytes.size() / 2) ^ 0x5A);
        QVERIFY(file.seek(0));
        QCOMPARE(file.write(bytes), bytes.size());
    }
    const QByteArray before = fileHash(path);
    KeyStoreUnlockDialog unlock(path);
    unlock.show();
    type(unlock.passphraseField(), u"garden shed key"_s);
    QTest::mouseClick(unlock.unlockButton(), Qt::LeftButton);
    QVERIFY2(unlock.lastProblem() == KeyStore::Problem::Damaged
                     || unlock.lastProblem() == KeyStore::Problem::Tampered,
             keyStoreProblemName(unlock.lastProblem()));
    QVERIFY(!unlock.takeStore());
    QVERIFY2(unlock.errorText().contains(u".backups"_s), qPrintable(unlock.errorText()));
    QVERIFY(unlock.result() != QDialog::Accepted);
    QCOMPARE(fileHash(path), before);
}

void tst_KeyStoreDialog::keysByFingerprintOnly()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto store = filledStore(dir.filePath(u"keys.wks"_s));
    QVERIFY(store);
    KeyStoreDialog dialog(store.get(), nullptr);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QCOMPARE(dialog.networkKeyTable()->rowCount(), 2);
    QCOMPARE(dialog.nodeKeyTable()->rowCount(), 3);
    const QStringList network = cells(dialog.networkKeyTable());
    const QStringList nodes = cells(dialog.nodeKeyTable());
    QVERIFY(network.contains(key(0x20).fingerprint()));
    QVERIFY(network.contains(key(0x10).fingerprint()));
    QVERIFY(nodes.contains(key(0x80).fingerprint()));
    QVERIFY(nodes.contains(key(0x49).fingerprint()));
    QVERIFY(nodes.contains(u"5e5e5e5e5e5e5e5e09"_s));
    // No key appears, in any form.
    const QString all = (network + nodes).join(u' ');
    for (const SecretBytes &k : {key(0x10), key(0x20), key(0x80), key(0x43), key(0x49)}) {
        QVERIFY(!all.contains(hexOf(k).left(16), Qt::CaseInsensitive));
    }
    // The audit tab needs an inventory.
    QVERIFY(!dialog.auditTable()->isEnabled());

    // A revoked node (its management key deleted with the revocation) is shown as such, not as
    // a stock node.
    auto inventory = Inventory::open(dir.filePath(u"inventory.db"_s));
    QVERIFY(inventory);
    Revocation revocation;
    revocation.node = 9;
    revocation.serialHex = u"5e5e5e5e5e5e5e5e09"_s;
    revocation.who = u"test"_s;
    revocation.why = u"lost in the garden"_s;
    QVERIFY((*inventory)->revoke(revocation));
    QVERIFY((*inventory)->flush());
    QVERIFY(store->removeManagementKey(9));
    KeyStoreDialog withInventory(store.get(), inventory->get());
    const QStringList revokedRow = rowCells(withInventory.nodeKeyTable(), u"9"_s);
    QCOMPARE(revokedRow.value(3), u"deleted (node revoked)"_s);
    QCOMPARE(rowCells(withInventory.nodeKeyTable(), u"3"_s).value(3), key(0x43).fingerprint());

    // Every Alt+letter is used once per page.
    QVERIFY2(WardenTest::mnemonicClashes(&dialog).isEmpty(),
             qPrintable(WardenTest::mnemonicClashes(&dialog).join(u"; "_s)));
    KeyStoreUnlockDialog unlock(store->path());
    unlock.show();
    QVERIFY2(WardenTest::mnemonicClashes(&unlock).isEmpty(),
             qPrintable(WardenTest::mnemonicClashes(&unlock).join(u"; "_s)));
    KeyStoreUnlockDialog create(dir.filePath(u"new.wks"_s));
    create.show();
    QVERIFY2(WardenTest::mnemonicClashes(&create).isEmpty(),
             qPrintable(WardenTest::mnemonicClashes(&create).join(u"; "_s)));

    QSignalSpy lock(&dialog, &KeyStoreDialog::lockRequested);
    QTest::mouseClick(dialog.lockButton(), Qt::LeftButton);
    QCOMPARE(lock.size(), 1);
    QVERIFY(!dialog.isVisible());
}

void tst_KeyStoreDialog::backupAndRestoreRoundTrip()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto store = filledStore(dir.filePath(u"keys.wks"_s));
    QVERIFY(store);
    auto inventory = Inventory::open(dir.filePath(u"inventory.db"_s));
    QVERIFY2(inventory, inventory ? "" : qPrintable(inventory.error().message()));
    const QString original = fingerprints(*store);
    const QString backup = dir.filePath(u"backup.wks"_s);

    KeyStoreDialog dialog(store.get(), inventory->get());
    dialog.setBackupParams(cheap());
    dialog.setWho(u"console:test"_s);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.tabs()->setCurrentIndex(1);
    QVERIFY(dialog.exportWarning()->text().contains(u"every key"_s));
    QVERIFY(dialog.restoreWarning()->text().contains(u"replaces every key"_s));
    QVERIFY(dialog.restoreWarning()->text().contains(u".backups"_s));

    // Different passphrases: nothing is written.
    QVERIFY(!dialog.exportButton()->isEnabled());
    // The file is chosen in the picker Browse opens (Qt's own dialog offscreen).
    QVERIFY(!dialog.fileDialog());
    QTest::mouseClick(dialog.exportBrowseButton(), Qt::LeftButton);
    QFileDialog *picker = dialog.fileDialog();
    QVERIFY(picker);
    QVERIFY(picker->isVisible());
    QCOMPARE(picker->acceptMode(), QFileDialog::AcceptSave);
    // As the user does: a name typed in the picker's file name field, then Return.
    picker->setDirectory(dir.path());
    auto *fileName = picker->findChild<QLineEdit *>(u"fileNameEdit"_s);
    QVERIFY(fileName);
    fileName->setText(u"backup"_s); // the suffix comes from the picker
    QTest::keyClick(fileName, Qt::Key_Return);
    QTRY_VERIFY(!dialog.fileDialog()); // deleted once closed
    QCOMPARE(QDir::fromNativeSeparators(dialog.exportPathField()->text()), backup);
    type(dialog.exportPassphraseField(), u"backup passphrase 1"_s);
    type(dialog.exportConfirmField(), u"backup passphrase 2"_s);
    QTest::mouseClick(dialog.exportButton(), Qt::LeftButton);
    QVERIFY2(dialog.exportStatus()->text().contains(u"differ"_s),
             qPrintable(dialog.exportStatus()->text()));
    QVERIFY(!QFile::exists(backup));
    QVERIFY(dialog.exportPassphraseField()->text().isEmpty());

    type(dialog.exportPassphraseField(), u"backup passphrase 1"_s);
    type(dialog.exportConfirmField(), u"backup passphrase 1"_s);
    QTest::mouseClick(dialog.exportButton(), Qt::LeftButton);
    QVERIFY2(dialog.exportStatus()->text().contains(u"Backup written"_s),
             qPrintable(dialog.exportStatus()->text()));
    QVERIFY(QFile::exists(backup));
    // The backup opens with its passphrase and holds the same keys.
    auto copy = KeyStore::open(backup, KeyStore::passphraseFromText(u"backup passphrase 1"));
    QVERIFY2(copy, copy ? "" : qPrintable(copy.error().message()));
    QCOMPARE(fingerprints(*copy), original);

    // The store changes after the backup: a node leaves, a rotation adds epoch 3.
    QVERIFY(store->removeNode(9));
    QVERIFY(store->setNetworkKey(3, key(0x30), NetworkKeyState::Pending));
    QVERIFY(store->save());
    dialog.refresh();
    QCOMPARE(dialog.nodeKeyTable()->rowCount(), 2);
    const QString changed = fingerprints(*store);
    QVERIFY(changed != original);
    const qsizetype backupsBefore = store->backups().size();

    // Restore: only once the user confirmed; a wrong passphrase changes nothing.
    QTest::mouseClick(dialog.restoreBrowseButton(), Qt::LeftButton);
    picker = dialog.fileDialog();
    QVERIFY(picker);
    QCOMPARE(picker->acceptMode(), QFileDialog::AcceptOpen);
    QCOMPARE(picker->fileMode(), QFileDialog::ExistingFile);
    // It opens in the store's automatic backups; the user goes to the backup made above.
    QCOMPARE(QDir(picker->directory()).absolutePath(),
             QDir(store->backupDirectory()).absolutePath());
    fileName = picker->findChild<QLineEdit *>(u"fileNameEdit"_s);
    QVERIFY(fileName);
    fileName->setText(backup);
    QTest::keyClick(fileName, Qt::Key_Return);
    QTRY_VERIFY(!dialog.fileDialog());
    QCOMPARE(QDir::fromNativeSeparators(dialog.restorePathField()->text()), backup);
    type(dialog.restorePassphraseField(), u"backup passphrase 2"_s);
    QVERIFY(!dialog.restoreButton()->isEnabled());
    dialog.restoreConfirmBox()->setChecked(true);
    QVERIFY(dialog.restoreButton()->isEnabled());
    QTest::mouseClick(dialog.restoreButton(), Qt::LeftButton);
    QVERIFY2(dialog.restoreStatus()->text().contains(u"Nothing was restored"_s),
             qPrintable(dialog.restoreStatus()->text()));
    QCOMPARE(fingerprints(*store), changed);
    QVERIFY(!dialog.restoreConfirmBox()->isChecked()); // asked again for the next try

    QSignalSpy restored(&dialog, &KeyStoreDialog::restored);
    type(dialog.restorePassphraseField(), u"backup passphrase 1"_s);
    dialog.restoreConfirmBox()->setChecked(true);
    QTest::mouseClick(dialog.restoreButton(), Qt::LeftButton);
    QCOMPARE(restored.size(), 1);
    QVERIFY2(dialog.restoreStatus()->text().contains(u"restored"_s),
             qPrintable(dialog.restoreStatus()->text()));
    QCOMPARE(fingerprints(*store), original);
    QCOMPARE(dialog.nodeKeyTable()->rowCount(), 3);
    // The keys it replaced were kept as an automatic backup, which the status names.
    QVERIFY(store->backups().size() > backupsBefore);
    QVERIFY(dialog.restoreStatus()->text().contains(store->backups().last()));
    // And the store on disk is the restored one.
    auto reopened = KeyStore::open(store->path(), KeyStore::passphraseFromText(u"garden shed key"));
    QVERIFY(reopened);
    QCOMPARE(fingerprints(*reopened), original);

    // Both actions are in the audit log the dialog shows.
    dialog.tabs()->setCurrentIndex(2);
    QVERIFY(dialog.auditTable()->isEnabled());
    QStringList actions;
    for (int r = 0; r < dialog.auditModel()->rowCount(); ++r)
        actions << dialog.auditModel()->entry(r).what;
    QVERIFY2(actions.contains(u"keystore.backup"_s), qPrintable(actions.join(u", "_s)));
    QVERIFY(actions.contains(u"keystore.restore"_s));
    QCOMPARE(dialog.auditModel()->entry(0).who, u"console:test"_s);
}

void tst_KeyStoreDialog::auditModel()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto inventory = Inventory::open(dir.filePath(u"inventory.db"_s));
    QVERIFY(inventory);
    const QString fp1 = key(1).fingerprint();
    const QString fp2 = key(2).fingerprint();
    for (int i = 0; i < 5; ++i) {
        AuditEntry e;
        e.whenMs = 1700000000000 + i * 1000;
        e.who = i % 2 ? u"console:alice"_s : u"engine"_s;
        e.what = i == 4 ? u"revoke"_s : u"personalize"_s;
        e.why = u"entry %1"_s.arg(i);
        e.node = i == 0 ? -1 : i;
        if (i == 4)
            e.details
                    = QJsonObject {{u"linkKey"_s, fp1}, {u"managementKey"_s, fp2}, {u"count"_s, 3}};
        QVERIFY((*inventory)->recordAudit(e));
    }

    AuditLogModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    AuditLogFilter filter;
    filter.setSourceModel(&model);
    QAbstractItemModelTester filterTester(&filter,
                                          QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(!model.reload(nullptr));
    QVERIFY(model.reload(inventory->get()));
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(model.columnCount(), int(AuditLogModel::ColumnCount));
    // Newest first, as the inventory gives them.
    QCOMPARE(model.data(model.index(0, AuditLogModel::ActionColumn)).toString(), u"revoke"_s);
    QCOMPARE(model.data(model.index(0, AuditLogModel::NodeColumn)).toString(), u"4"_s);
    QCOMPARE(model.data(model.index(4, AuditLogModel::NodeColumn)).toString(), QString());
    QCOMPARE(model.data(model.index(0, AuditLogModel::FingerprintColumn)).toString(),
             u"linkKey: %1, managementKey: %2"_s.arg(fp1, fp2));
    QCOMPARE(model.data(model.index(0, AuditLogModel::TimeColumn), Qt::EditRole).toLongLong(),
             1700000004000);
    QVERIFY(!model.data(model.index(0, AuditLogModel::TimeColumn)).toString().isEmpty());
    QCOMPARE(model.headerData(AuditLogModel::FingerprintColumn, Qt::Horizontal).toString(),
             u"Fingerprints"_s);
    QVERIFY(model.data(model.index(0, AuditLogModel::ActionColumn), AuditLogModel::EntryIdRole)
                    .toLongLong()
            > 0);

    // Reloading replaces the rows (the testers watch the reset).
    AuditEntry later;
    later.who = u"console"_s;
    later.what = u"keystore.backup"_s;
    QVERIFY((*inventory)->recordAudit(later));
    QVERIFY(model.reload(inventory->get()));
    QCOMPARE(model.rowCount(), 6);
}

void tst_KeyStoreDialog::auditModelFilter()
{
    QList<AuditEntry> entries;
    for (int i = 0; i < 6; ++i) {
        AuditEntry e;
        e.id = i + 1;
        e.whenMs = 1700000000000 + i;
        e.who = i < 3 ? u"console:alice"_s : u"wardenctl"_s;
        e.what = i % 2 ? u"revoke"_s : u"personalize"_s;
        e.node = i;
        if (i == 5)
            e.details = QJsonObject {{u"serial"_s, key(9).fingerprint()}};
        entries << e;
    }
    AuditLogModel model;
    AuditLogFilter filter;
    filter.setSourceModel(&model);
    QAbstractItemModelTester filterTester(&filter,
                                          QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setEntries(entries);
    QCOMPARE(filter.rowCount(), 6);

    // As the user filters in the dialog.
    QTemporaryDir dir;
    auto store = filledStore(dir.filePath(u"keys.wks"_s));
    QVERIFY(store);
    auto inventory = Inventory::open(dir.filePath(u"inventory.db"_s));
    QVERIFY(inventory);
    KeyStoreDialog dialog(store.get(), inventory->get());
    dialog.show();
    dialog.tabs()->setCurrentIndex(2);
    dialog.auditModel()->setEntries(entries);
    QCOMPARE(dialog.auditFilter()->rowCount(), 6);
    QTest::keyClicks(dialog.auditSearchField(), u"REVOKE"_s);
    QCOMPARE(dialog.auditFilter()->rowCount(), 3);
    dialog.auditNodeFilter()->setValue(3);
    QCOMPARE(dialog.auditFilter()->rowCount(), 1);
    dialog.auditNodeFilter()->setValue(-1);
    dialog.auditSearchField()->clear();
    QTest::keyClicks(dialog.auditSearchField(), key(9).fingerprint().left(9));
    QCOMPARE(dialog.auditFilter()->rowCount(), 1);
    dialog.auditSearchField()->clear();
    QTest::keyClicks(dialog.auditSearchField(), u"wardenctl"_s);
    QCOMPARE(dialog.auditFilter()->rowCount(), 3);
}

void tst_KeyStoreDialog::strengthHint_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("strength");
    QTest::newRow("empty") << QString() << 0;
    QTest::newRow("short") << u"abc"_s << 1;
    QTest::newRow("eight lower") << u"abcdefgh"_s << 1;
    QTest::newRow("eight mixed") << u"abCD12gh"_s << 2;
    QTest::newRow("twelve") << u"abcdefghijkl"_s << 2;
    QTest::newRow("words") << u"correct horse battery"_s << 3;
}

void tst_KeyStoreDialog::strengthHint()
{
    QFETCH(QString, text);
    QFETCH(int, strength);
    QCOMPARE(passphraseStrength(text), strength);
    QCOMPARE(passphraseStrengthText(strength).isEmpty(), strength == 0);
}

/// A private D-Bus session bus and an unlocked gnome-keyring in a temporary home, so that the
/// user's own keyring is never touched (as tests/unit/tst_passphrasekeychain does).
bool tst_KeyStoreDialog::startSecretService(QString *why)
{
    const QString busProgram = QStandardPaths::findExecutable(u"dbus-daemon"_s);
    const QString keyringProgram = QStandardPaths::findExecutable(u"gnome-keyring-daemon"_s);
    if (busProgram.isEmpty() || keyringProgram.isEmpty()) {
        *why = u"needs dbus-daemon and gnome-keyring-daemon"_s;
        return false;
    }
    m_bus.start(busProgram, {u"--session"_s, u"--nofork"_s, u"--print-address=1"_s});
    if (!m_bus.waitForStarted(10000)) {
        *why = m_bus.errorString();
        return false;
    }
    while (!m_bus.canReadLine()) {
        if (!m_bus.waitForReadyRead(10000)) {
            *why = u"dbus-daemon printed no address"_s;
            return false;
        }
    }
    const QByteArray address = m_bus.readLine().trimmed();
    qputenv("DBUS_SESSION_BUS_ADDRESS", address); // before this process's first D-Bus use
    QDir home(m_home.path());
    home.mkpath(u"run"_s);
    QFile::setPermissions(home.filePath(u"run"_s),
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"HOME"_s, m_home.path());
    environment.insert(u"XDG_DATA_HOME"_s, home.filePath(u"data"_s));
    environment.insert(u"XDG_RUNTIME_DIR"_s, home.filePath(u"run"_s));
    environment.insert(u"DBUS_SESSION_BUS_ADDRESS"_s, QString::fromLatin1(address));
    m_keyring.setProcessEnvironment(environment);
    m_keyring.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_keyring.start(keyringProgram, {u"--foreground"_s, u"--unlock"_s, u"--components=secrets"_s});
    if (!m_keyring.waitForStarted(10000)) {
        *why = m_keyring.errorString();
        return false;
    }
    m_keyring.write("test keyring password");
    m_keyring.closeWriteChannel();
    return true;
}

void tst_KeyStoreDialog::stop(QProcess &process)
{
    if (process.state() == QProcess::NotRunning)
        return;
    process.terminate();
    if (!process.waitForFinished(5000)) {
        process.kill();
        process.waitForFinished(5000);
    }
}

void tst_KeyStoreDialog::cleanupTestCase()
{
    stop(m_keyring);
    stop(m_bus);
}

void tst_KeyStoreDialog::rememberedInTheKeychain()
{
    if (!PassphraseKeychain::isAvailable())
        QSKIP("built without QtKeychain: the option is disabled (checked in createLockAndUnlock)");
    QVERIFY(m_home.isValid());
    QString why;
    if (!startSecretService(&why))
        QSKIP(qPrintable(why));
    QDBusConnectionInterface *bus = QDBusConnection::sessionBus().interface();
    QVERIFY2(bus, "cannot connect to the test's session bus");
    QTRY_VERIFY_WITH_TIMEOUT(bus->isServiceRegistered(u"org.freedesktop.secrets"_s).value(), 20000);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"keys.wks"_s);
    const QString service = u"org.warden.test.gui"_s;
    {
        KeyStoreUnlockDialog create(path);
        create.setCreateParams(cheap());
        create.setKeychainService(service);
        create.show();
        QVERIFY(create.rememberBox()->isEnabled());
        type(create.passphraseField(), u"remember me please"_s);
        type(create.confirmField(), u"remember me please"_s);
        create.rememberBox()->setChecked(true);
        QTest::mouseClick(create.unlockButton(), Qt::LeftButton);
        QCOMPARE(create.result(), int(QDialog::Accepted));
        QVERIFY2(create.keychainError().isEmpty(), qPrintable(create.keychainError()));
        QVERIFY(create.takeStore());
    }
    // Next time: no typing, the keychain's passphrase opens it.
    KeyStoreUnlockDialog unlock(path);
    unlock.setKeychainService(service);
    unlock.show();
    QVERIFY(unlock.rememberedButton()->isEnabled());
    QTest::mouseClick(unlock.rememberedButton(), Qt::LeftButton);
    QCOMPARE(unlock.result(), int(QDialog::Accepted));
    QVERIFY(unlock.takeStore());
    // A store the keychain knows nothing of: said so, the dialog stays open.
    QVERIFY(filledStore(dir.filePath(u"other.wks"_s)));
    KeyStoreUnlockDialog other(dir.filePath(u"other.wks"_s));
    other.setKeychainService(service);
    other.show();
    QTest::mouseClick(other.rememberedButton(), Qt::LeftButton);
    QVERIFY2(other.errorText().contains(u"keychain gave no passphrase for this key store"_s),
             qPrintable(other.errorText()));
    QVERIFY(other.result() != QDialog::Accepted);
    QVERIFY(!other.takeStore());
}

QTEST_MAIN(tst_KeyStoreDialog)
#include "tst_keystoredialog.moc"
