// The personalization dialog as a user drives it (offscreen) against the real host-build
// warden-node on a socat pty pair: the port typed in, the firmware detected, node 5
// personalized with a link key; the fingerprints shown are the key store's and the
// inventory's; the QR label saved as PNG (read back by QImage) and as SVG. A port with nothing
// on it: detection says so and nothing changes. The stock node snippets are exactly
// StockFormats' output for the store's keys, the copy buttons copy them, closing clears them.
// When nothing answers as Warden firmware, the dialog offers to flash it: the image is chosen
// among the installed ones, the user confirms, and avrdude (Warden::FirmwareFlasher) runs on the
// port; a missing avrdude is named by its Debian package, a cancel stops it. (The flash itself
// through a real bootloader is tests/firmware/sim's firmware_sim_flash; here the dialog
// flashes SecureNode into an ATmega328P with optiboot in warden_simavr and detects the new
// program.)
#include "dialogfixtures.h"

#include <dialogs/personalizationdialog.h>

#include <warden/inventory.h>
#include <warden/stockformats.h>

#include <QtCore/QCryptographicHash>
#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QLoggingCategory>
#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimer>
#include <QtGui/QClipboard>
#include <QtGui/QGuiApplication>
#include <QtGui/QImage>
#include <QtGui/QPdfWriter>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QProgressBar>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>

using namespace Warden;
using namespace Warden::Internal;
using namespace Qt::StringLiterals;
using namespace WardenTest;

namespace {

QStringList g_log;
QtMessageHandler g_previousHandler = nullptr;

void captureMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    g_log << message;
    if (g_previousHandler)
        g_previousHandler(type, context, message);
}

const Serial kGatewaySerial = testSerial("b1b2b3b4b5b6b7b8b9");

std::unique_ptr<KeyStore> makeStore(const QString &path)
{
    auto created = KeyStore::create(path, KeyStore::passphraseFromText(u"station"), cheapParams());
    if (!created || !created->setNetworkKey(1, testKey(0x10), NetworkKeyState::Active))
        return nullptr;
    created->setGatewaySerial(kGatewaySerial);
    if (!created->setSerial(3, testSerial("5e5e5e5e5e5e5e5e03")) || !created->save())
        return nullptr;
    return std::make_unique<KeyStore>(std::move(*created));
}

QByteArray fileHash(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256);
}

QString text(const SecretBytes &bytes)
{
    return QString::fromLatin1(reinterpret_cast<const char *>(bytes.data()),
                               qsizetype(bytes.size()));
}

} // namespace

class tst_PersonalizationDialog : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void personalizeOverPty();
    void nothingOnThePort();
    void cancelStopsTheSession();
    void flashOffer();
    void flashOfferOnASimulatedBoard();
    void stockSnippets();
};

void tst_PersonalizationDialog::initTestCase()
{
    if (QStandardPaths::findExecutable(u"socat"_s).isEmpty())
        QFAIL("socat is required");
    QVERIFY(QFileInfo::exists(QStringLiteral(WARDEN_NODE_PATH)));
    QLoggingCategory::setFilterRules(u"warden.*.debug=true"_s);
    g_previousHandler = qInstallMessageHandler(captureMessage);
}

void tst_PersonalizationDialog::personalizeOverPty()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    PtyPair pty(dir.path(), u"usb"_s);
    QVERIFY(pty.start());
    auto store = makeStore(dir.filePath(u"keys.wks"_s));
    QVERIFY(store);
    auto inventory = Inventory::open(dir.filePath(u"inventory.db"_s));
    QVERIFY2(inventory, inventory ? "" : qPrintable(inventory.error().message()));

    PersonalizationDialog dialog(store.get(), inventory->get());
    dialog.setWho(u"console:test"_s);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    // Ids in use are skipped: node 3 is in the store.
    QCOMPARE(dialog.nodeIdBox()->value(), 1);
    QCOMPARE(dialog.printButton()->isVisibleTo(&dialog), PersonalizationDialog::canPrint());
    QVERIFY(!dialog.saveLabelButton()->isEnabled());
    QVERIFY2(mnemonicClashes(&dialog).isEmpty(),
             qPrintable(mnemonicClashes(&dialog).join(u"; "_s)));

    // The board is plugged in: it listens for the hello for two seconds after starting.
    ChildProcess node;
    QVERIFY(node.start(
            QStringLiteral(WARDEN_NODE_PATH),
            {u"--serial"_s, pty.nodePath, u"--eeprom"_s, dir.filePath(u"node.eeprom"_s)}));
    dialog.portBox()->setFocus();
    dialog.portBox()->lineEdit()->clear();
    QTest::keyClicks(dialog.portBox()->lineEdit(), pty.linkPath);
    QCOMPARE(dialog.selectedPort(), pty.linkPath);
    QTest::mouseClick(dialog.detectButton(), Qt::LeftButton);
    QVERIFY2(dialog.firmware().has_value(), qPrintable(dialog.detectStatus()->text()));
    QCOMPARE(dialog.firmware()->protocol, 2);
    QVERIFY(dialog.firmware()->isBlank());
    QVERIFY(!dialog.firmware()->firmwareVersion.isEmpty());
    QVERIFY2(dialog.detectStatus()->text().contains(u"Warden firmware"_s),
             qPrintable(dialog.detectStatus()->text()));

    dialog.nodeIdBox()->setValue(5);
    dialog.linkKeyBox()->setChecked(true);
    QSignalSpy personalized(&dialog, &PersonalizationDialog::personalized);
    QTest::mouseClick(dialog.personalizeButton(), Qt::LeftButton);
    QVERIFY2(dialog.report().has_value(), qPrintable(dialog.status()->text()));
    QCOMPARE(personalized.size(), 1);
    QVERIFY2(dialog.status()->text().contains(u"personalized"_s),
             qPrintable(dialog.status()->text()));
    QVERIFY(!dialog.cancelButton()->isEnabled());
    QVERIFY(dialog.personalizeButton()->isEnabled());

    // What the dialog shows is what the key store and the inventory hold.
    const auto stored = store->node(5);
    QVERIFY(stored && stored->serial);
    QVERIFY(!stored->linkKeyFingerprint.isEmpty());
    QCOMPARE(dialog.serialLabel()->text(), serialHex(*stored->serial));
    QCOMPARE(dialog.linkKeyLabel()->text(), stored->linkKeyFingerprint);
    QCOMPARE(dialog.managementKeyLabel()->text(), stored->managementKeyFingerprint);
    QCOMPARE(dialog.networkKeyLabel()->text(), u"%1 (epoch 1)"_s.arg(testKey(0x10).fingerprint()));
    QVERIFY((*inventory)->flush());
    const auto record = (*inventory)->node(5);
    QVERIFY(record && *record);
    QCOMPARE((*record)->linkKeyFingerprint, stored->linkKeyFingerprint);
    QCOMPARE((*record)->serialHex, serialHex(*stored->serial));
    AuditFilter filter;
    filter.node = 5;
    const auto audit = (*inventory)->auditLog(filter);
    QVERIFY(audit && !audit->isEmpty());
    QCOMPARE(audit->front().what, u"personalize"_s);
    QCOMPARE(audit->front().who, u"console:test"_s);
    // The next id is offered for the next board.
    QCOMPARE(dialog.nodeIdBox()->value(), 1);

    // The QR label: shown, saved as PNG (QImage reads it) and as SVG.
    QVERIFY(dialog.label().has_value());
    QCOMPARE(dialog.label()->fingerprint(), stored->linkKeyFingerprint);
    QCOMPARE(dialog.label()->nodeId(), quint8(5));
    QVERIFY(!dialog.qrView()->pixmap().isNull());
    QVERIFY(dialog.saveLabelButton()->isEnabled());
    const QString png = dir.filePath(u"node5.png"_s);
    auto saved = dialog.saveLabel(png);
    QVERIFY2(saved, saved ? "" : qPrintable(saved.error().message()));
    QImage image(png);
    QVERIFY(!image.isNull());
    const int side = (dialog.label()->modules() + 2 * QrLabel::kQuietZone) * 8;
    QCOMPARE(image.width(), side);
    QCOMPARE(image.height(), side);
    // A dark module is dark in the image (module (0, 0) is the finder pattern's corner).
    QVERIFY(dialog.label()->isDark(0, 0));
    QCOMPARE(qGray(image.pixel(QrLabel::kQuietZone * 8 + 4, QrLabel::kQuietZone * 8 + 4)), 0);
    QCOMPARE(qGray(image.pixel(2, 2)), 255);
    const QString svg = dir.filePath(u"node5.svg"_s);
    QVERIFY(dialog.saveLabel(svg));
    QFile svgFile(svg);
    QVERIFY(svgFile.open(QIODevice::ReadOnly));
    const QByteArray svgBytes = svgFile.readAll();
    QVERIFY(svgBytes.contains("<svg"));
    QVERIFY(svgBytes.contains(stored->linkKeyFingerprint.toLatin1()));
    QVERIFY(!dialog.saveLabel(dir.filePath(u"missing/dir/x.png"_s)));

    // Printing draws the same label on a page: as a PDF "printer" (one page) and on a
    // picture of a page, where the QR code's corner module is dark in the top left third and
    // the caption puts ink under it.
    const QString pdf = dir.filePath(u"node5.pdf"_s);
    {
        QPdfWriter writer(pdf);
        auto printed = dialog.paintLabel(&writer);
        QVERIFY2(printed, printed ? "" : qPrintable(printed.error().message()));
    }
    QFile pdfFile(pdf);
    QVERIFY(pdfFile.open(QIODevice::ReadOnly));
    const QByteArray pdfBytes = pdfFile.readAll();
    QVERIFY(pdfBytes.startsWith("%PDF-"));
    QCOMPARE(pdfBytes.count("/Type /Page\n") + pdfBytes.count("/Type /Page\r")
                     + pdfBytes.count("/Type /Page "),
             1);
    QImage page(600, 900, QImage::Format_RGB32);
    page.fill(Qt::white);
    QVERIFY(dialog.paintLabel(&page));
    const int qrSide = 600 / 3;
    const int module = qrSide / (dialog.label()->modules() + 2 * QrLabel::kQuietZone);
    const int corner = QrLabel::kQuietZone * module + module / 2;
    QCOMPARE(qGray(page.pixel(corner, corner)), 0);
    QCOMPARE(qGray(page.pixel(2, 2)), 255);
    bool ink = false;
    for (int y = qrSide + 10; y < qrSide + 80 && !ink; ++y) {
        for (int x = 0; x < 300 && !ink; ++x)
            ink = qGray(page.pixel(x, y)) < 128;
    }
    QVERIFY2(ink, "no caption under the QR code");
    // Nothing personalized yet: nothing to print, said plainly.
    PersonalizationDialog fresh(store.get(), inventory->get());
    const auto nothing = fresh.paintLabel(&page);
    QVERIFY(!nothing);
    QVERIFY(nothing.error().message().contains(u"no label"_s));
}

void tst_PersonalizationDialog::nothingOnThePort()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    PtyPair pty(dir.path(), u"empty"_s);
    QVERIFY(pty.start());
    auto store = makeStore(dir.filePath(u"keys.wks"_s));
    QVERIFY(store);
    const QByteArray before = fileHash(store->path());
    auto inventory = Inventory::open(dir.filePath(u"inventory.db"_s));
    QVERIFY(inventory);
    PersonalizationDialog dialog(store.get(), inventory->get());
    PersonalizationTimeouts quick;
    quick.helloMs = 700;
    quick.commandMs = 500;
    dialog.setTimeouts(quick);
    dialog.show();
    dialog.portBox()->setEditText(pty.linkPath);
    QTest::mouseClick(dialog.detectButton(), Qt::LeftButton);
    QVERIFY(!dialog.firmware().has_value());
    QVERIFY2(dialog.detectStatus()->text().contains(u"No Warden firmware answered"_s),
             qPrintable(dialog.detectStatus()->text()));
    // Personalizing anyway: the station hears nothing and changes nothing.
    dialog.nodeIdBox()->setValue(7);
    QTest::mouseClick(dialog.personalizeButton(), Qt::LeftButton);
    QVERIFY(!dialog.report().has_value());
    QVERIFY2(dialog.status()->text().contains(u"not personalized"_s),
             qPrintable(dialog.status()->text()));
    QVERIFY(!store->node(7));
    QCOMPARE(fileHash(store->path()), before);
    // Nothing answered on a port that opened: flashing Warden firmware is offered.
    QVERIFY(dialog.flashButton()->isVisible());
    QVERIFY(dialog.flashButton()->isEnabled());
    // A port that does not exist: said in words, and nothing to flash.
    dialog.portBox()->setEditText(dir.filePath(u"no-such-port"_s));
    QTest::mouseClick(dialog.detectButton(), Qt::LeftButton);
    QVERIFY2(dialog.detectStatus()->text().contains(u"does not open"_s),
             qPrintable(dialog.detectStatus()->text()));
    QVERIFY(!dialog.flashButton()->isVisible());
}

void tst_PersonalizationDialog::flashOffer()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    PtyPair pty(dir.path(), u"blank"_s);
    QVERIFY(pty.start());
    // An installed-images directory with one image (a two-instruction program: rjmp .-2).
    const QString images = dir.filePath(u"firmware"_s);
    QVERIFY(QDir().mkpath(images));
    {
        QFile hex(images + u"/SecureNode-nrf24.hex"_s);
        QVERIFY(hex.open(QIODevice::WriteOnly));
        hex.write(":02000000FFCF30\n:00000001FF\n");
    }
    auto store = makeStore(dir.filePath(u"keys.wks"_s));
    QVERIFY(store);
    auto inventory = Inventory::open(dir.filePath(u"inventory.db"_s));
    QVERIFY(inventory);
    PersonalizationDialog dialog(store.get(), inventory->get());
    PersonalizationTimeouts quick;
    quick.helloMs = 700;
    dialog.setTimeouts(quick);
    dialog.setImageDirectory(images);
    QStringList offered;
    QString confirmedPort;
    bool confirm = false;
    dialog.setFlashPrompts(
            [&](const QList<FirmwareImage> &list) {
                for (const FirmwareImage &image : list)
                    offered << image.name;
                return list.value(0).path;
            },
            [&](const QString &port, const QString &image) {
                confirmedPort = port;
                return confirm && image.endsWith(u"SecureNode-nrf24.hex"_s);
            });
    dialog.show();
    dialog.portBox()->setEditText(pty.linkPath);
    QTest::mouseClick(dialog.detectButton(), Qt::LeftButton);
    QVERIFY(dialog.flashButton()->isVisible());

    // Not confirmed: nothing runs, nothing is said.
    const QString before = dialog.status()->text();
    QTest::mouseClick(dialog.flashButton(), Qt::LeftButton);
    QCOMPARE(offered, QStringList {u"securenode-nrf24"_s});
    QCOMPARE(confirmedPort, pty.linkPath);
    QCOMPARE(dialog.status()->text(), before);

    // Confirmed, but no avrdude: the Debian package is named.
    confirm = true;
    dialog.setAvrdudeProgram(dir.filePath(u"no-avrdude"_s));
    QTest::mouseClick(dialog.flashButton(), Qt::LeftButton);
    QVERIFY2(dialog.status()->text().contains(u"Debian package avrdude"_s),
             qPrintable(dialog.status()->text()));

    // The real avrdude on a board whose bootloader never answers: waiting for it, then
    // cancelled from the dialog (avrdude alone would try for most of a minute).
    const QString avrdude = QStandardPaths::findExecutable(u"avrdude"_s);
    if (avrdude.isEmpty())
        QSKIP("avrdude is not installed (Debian package avrdude)");
    dialog.setAvrdudeProgram(avrdude);
    QStringList seen;
    int ticks = 0;
    QTimer poll;
    connect(&poll, &QTimer::timeout, &dialog, [&] {
        if (!seen.contains(dialog.status()->text()))
            seen << dialog.status()->text();
        // A second of avrdude trying to get in sync, then the user gives up.
        if (dialog.cancelButton()->isEnabled() && ++ticks == 4)
            QTest::mouseClick(dialog.cancelButton(), Qt::LeftButton);
    });
    poll.start(300);
    QElapsedTimer clock;
    clock.start();
    QTest::mouseClick(dialog.flashButton(), Qt::LeftButton);
    poll.stop();
    QVERIFY2(seen.join(u'|').contains(u"Waiting for the board's bootloader"_s),
             qPrintable(seen.join(u'|')));
    QVERIFY2(dialog.status()->text().contains(u"cancelled"_s), qPrintable(dialog.status()->text()));
    QVERIFY(clock.elapsed() < 30000);
    QVERIFY(dialog.detectButton()->isEnabled());
    QVERIFY(!dialog.cancelButton()->isEnabled());
}

void tst_PersonalizationDialog::cancelStopsTheSession()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    PtyPair pty(dir.path(), u"silent"_s);
    QVERIFY(pty.start());
    auto store = makeStore(dir.filePath(u"keys.wks"_s));
    QVERIFY(store);
    const QByteArray before = fileHash(store->path());
    auto inventory = Inventory::open(dir.filePath(u"inventory.db"_s));
    QVERIFY(inventory);
    PersonalizationDialog dialog(store.get(), inventory->get());
    // The station would wait this long for a hello; the user cancels long before.
    PersonalizationTimeouts patient;
    patient.helloMs = 20000;
    dialog.setTimeouts(patient);
    dialog.show();
    dialog.portBox()->setEditText(pty.linkPath);
    dialog.nodeIdBox()->setValue(8);
    bool cancelWasOffered = false;
    QTimer::singleShot(300, &dialog, [&] {
        cancelWasOffered = dialog.cancelButton()->isEnabled()
                           && !dialog.personalizeButton()->isEnabled()
                           && dialog.progress()->maximum() == 0;
        QTest::mouseClick(dialog.cancelButton(), Qt::LeftButton);
    });
    QElapsedTimer clock;
    clock.start();
    QTest::mouseClick(dialog.personalizeButton(), Qt::LeftButton);
    QVERIFY(cancelWasOffered);
    QVERIFY2(clock.elapsed() < 15000, "the session went on after the cancel");
    QVERIFY2(dialog.status()->text().startsWith(u"Cancelled. Node 8 was not personalized"_s),
             qPrintable(dialog.status()->text()));
    qInfo().noquote() << dialog.status()->text();
    QVERIFY(!dialog.report().has_value());
    QVERIFY(!dialog.cancelButton()->isEnabled());
    QVERIFY(dialog.personalizeButton()->isEnabled());
    QVERIFY(!store->node(8));
    QCOMPARE(fileHash(store->path()), before);
}

void tst_PersonalizationDialog::flashOfferOnASimulatedBoard()
{
#ifndef WARDEN_SIMAVR
    QSKIP("no simulator or optiboot in this build (tests/firmware/sim)");
#else
    if (QStandardPaths::findExecutable(u"avrdude"_s).isEmpty())
        QSKIP("avrdude is not installed (Debian package avrdude)");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString images = dir.filePath(u"firmware"_s);
    QVERIFY(QDir().mkpath(images));
    QVERIFY(QFile::copy(QStringLiteral(WARDEN_SECURENODE_RS485_HEX),
                        images + u"/SecureNode-rs485.hex"_s));
    // A board fresh from the shop: optiboot, no program, reset when its port speaks. (No
    // detection first: without a DTR line to reset it, a board that ran its bootloader's
    // timeout out cannot be brought back to it.)
    QProcess sim;
    sim.start(QStringLiteral(WARDEN_SIMAVR),
              {u"--mcu"_s, u"atmega328p"_s, u"--freq"_s, u"16000000"_s, u"--bootloader"_s,
               QStringLiteral(WARDEN_OPTIBOOT_FIT_HEX), u"--uart-pty"_s, u"--hold-until-input"_s,
               u"--realtime"_s});
    QVERIFY(sim.waitForStarted(10000));
    QTRY_VERIFY_WITH_TIMEOUT(sim.canReadLine(), 10000);
    const QString pty = QString::fromLocal8Bit(sim.readLine()).trimmed();
    QVERIFY(pty.startsWith(u"/dev/"_s));

    auto store = makeStore(dir.filePath(u"keys.wks"_s));
    QVERIFY(store);
    auto inventory = Inventory::open(dir.filePath(u"inventory.db"_s));
    QVERIFY(inventory);
    PersonalizationDialog dialog(store.get(), inventory->get());
    // The RS485 node talks at 9600 baud: a quarter of a second per INFO answer.
    PersonalizationTimeouts slow;
    slow.helloMs = 15000;
    slow.helloRepeatMs = 400;
    slow.quietMs = 600;
    dialog.setTimeouts(slow);
    dialog.setImageDirectory(images);
    dialog.show();
    dialog.portBox()->setEditText(pty);
    QSignalSpy progress(dialog.progress(), &QProgressBar::valueChanged);
    const auto report = dialog.flashImage(images + u"/SecureNode-rs485.hex"_s);
    QVERIFY2(report, qPrintable(dialog.status()->text()));
    const auto imageBytes
            = FirmwareFlasher::checkImage(QStringLiteral(WARDEN_SECURENODE_RS485_HEX));
    QVERIFY(imageBytes);
    QCOMPARE(report->bytes, *imageBytes); // written and verified, every byte
    QVERIFY(progress.size() > 10); // the bar moved through writing and verifying
    // Detected again: the board now runs Warden firmware, and the dialog says so.
    QVERIFY2(dialog.firmware().has_value(), qPrintable(dialog.detectStatus()->text()));
    QVERIFY2(dialog.status()->text().contains(u"runs Warden firmware"_s),
             qPrintable(dialog.status()->text()));
    QVERIFY(!dialog.flashButton()->isVisible());
    QVERIFY(dialog.firmware()->isBlank());
    dialog.reject();
    sim.terminate();
    QVERIFY(sim.waitForFinished(10000));
#endif
}

void tst_PersonalizationDialog::stockSnippets()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto store = makeStore(dir.filePath(u"keys.wks"_s));
    QVERIFY(store);
    PersonalizationDialog dialog(store.get(), nullptr);
    dialog.show();
    dialog.tabs()->setCurrentIndex(1);
    QVERIFY(dialog.stockWarning()->text().contains(u"contain your network key"_s));
    QVERIFY(!dialog.copyPersonalizerButton()->isEnabled());

    // Node 12 has no serial yet: it gets one, saved in the store.
    QVERIFY(!store->node(12));
    dialog.stockNodeBox()->setValue(12);
    QTest::mouseClick(dialog.stockPrepareButton(), Qt::LeftButton);
    const auto twelve = store->node(12);
    QVERIFY2(twelve && twelve->serial, qPrintable(dialog.stockStatus()->text()));
    QVERIFY(!store->hasUnsavedChanges());
    QVERIFY(dialog.stockStatus()->text().contains(serialHex(*twelve->serial)));

    // Exactly what StockFormats makes of the store's keys.
    auto defines = StockFormats::personalizerDefines(testKey(0x10), SecretBytes(), *twelve->serial);
    QVERIFY(defines);
    QCOMPARE(dialog.personalizerSnippet()->toPlainText(), text(*defines));
    QVERIFY(dialog.personalizerSnippet()->toPlainText().startsWith(u"#define MY_HMAC_KEY 0x10,"_s));
    auto whitelist = StockFormats::whitelistDefine({WhitelistEntry {0, kGatewaySerial}});
    QVERIFY(whitelist);
    QCOMPARE(dialog.whitelistSnippet()->toPlainText(), QString::fromLatin1(*whitelist));
    auto lines = StockFormats::gatewayKeyLines(testKey(0x10), SecretBytes(), kGatewaySerial);
    QVERIFY(lines);
    auto option = StockFormats::linuxWhitelistOption(
            {WhitelistEntry {3, testSerial("5e5e5e5e5e5e5e5e03")},
             WhitelistEntry {12, *twelve->serial}});
    QVERIFY(option);
    QCOMPARE(dialog.gatewaySnippet()->toPlainText(),
             text(*lines) + QString::fromLatin1(*option) + u'\n');

    // Copy buttons copy; closing clears the snippets.
    QVERIFY(dialog.copyWhitelistButton()->isEnabled());
    QTest::mouseClick(dialog.copyWhitelistButton(), Qt::LeftButton);
    QCOMPARE(QGuiApplication::clipboard()->text(), QString::fromLatin1(*whitelist));
    QTest::mouseClick(dialog.copyPersonalizerButton(), Qt::LeftButton);
    QCOMPARE(QGuiApplication::clipboard()->text(), text(*defines));
    QGuiApplication::clipboard()->clear();

    // Asking again for the same node keeps its serial.
    const QByteArray before = fileHash(store->path());
    QTest::mouseClick(dialog.stockPrepareButton(), Qt::LeftButton);
    QCOMPARE(store->node(12)->serial, twelve->serial);
    QCOMPARE(fileHash(store->path()), before);

    // The key was shown, never logged (upper-case hex as the snippets write it).
    const QString keyHex = QString::fromLatin1(
            QByteArray(reinterpret_cast<const char *>(testKey(0x10).data()), 32).toHex().toUpper());
    QVERIFY(!g_log.isEmpty());
    for (const QString &line : std::as_const(g_log)) {
        QVERIFY(!line.contains(keyHex.left(16), Qt::CaseInsensitive));
        QVERIFY(!line.contains(u"0x10,0x11,0x12"_s, Qt::CaseInsensitive));
    }

    dialog.reject();
    QVERIFY(dialog.personalizerSnippet()->toPlainText().isEmpty());
    QVERIFY(dialog.gatewaySnippet()->toPlainText().isEmpty());
    QVERIFY(!dialog.copyGatewayButton()->isEnabled());
}

QTEST_MAIN(tst_PersonalizationDialog)
#include "tst_personalizationdialog.moc"
