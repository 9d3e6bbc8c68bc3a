// Flashing Warden firmware through the Arduino bootloader, end to end: an ATmega328P in
// warden_simavr runs optiboot from the boot section (reset vector 0x7E00, as the BOOTRST fuse
// sets it) with its UART on a pty, in real time; Warden::FirmwareFlasher runs the real avrdude
// (-c arduino, 115200 baud) on that pty and writes the SecureNode-rs485 image through the
// bootloader's self-programming (SPM); avrdude reads it back and verifies it; optiboot leaves
// through the watchdog reset and the MCU starts the new program, which answers the
// personalization hello on the same pty. The flash the simulator saves at the end holds the
// image byte for byte and optiboot untouched. The plain-words errors are checked on the cases
// that need no board (no port, no avrdude, bad images) and on avrdude's own texts.
#include "flashboard.h"

#include <warden/firmwareflasher.h>

#include <QtCore/QFile>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

using namespace Warden;
using namespace Qt::StringLiterals;

using namespace WardenFlashSim;

class TestSimFlash : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void flashesSecureNodeThroughOptiboot();
    void refusesBeforeAvrdude_data();
    void refusesBeforeAvrdude();
    void explainsAvrdudeFailures_data();
    void explainsAvrdudeFailures();
    void resolvesInstalledImages();

private:
    QString m_bootloader; ///< the optiboot hex the board runs
    QTemporaryDir m_dir;
};

void TestSimFlash::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // Debian's own hex first; when it does not fit the boot section, the one built from its
    // source (see tests/firmware/sim/CMakeLists.txt).
    QString note;
    m_bootloader = chooseBootloader(QStringLiteral(WARDEN_OPTIBOOT_HEX),
                                    QStringLiteral(WARDEN_OPTIBOOT_FIT_HEX), note);
    if (!note.isEmpty())
        qInfo("%s", qPrintable(note));
    if (m_bootloader.isEmpty())
        QSKIP("no optiboot for the ATmega328P: install arduino-core-avr");
    QByteArray flash;
    int lowest = 0;
    int highest = 0;
    QVERIFY(loadHex(m_bootloader, flash, lowest, highest));
    QCOMPARE(lowest, kBootStart);
    QVERIFY2(highest < kFlashBytes, "the bootloader runs past the end of the flash");
    qInfo("bootloader: %s (0x%04x..0x%04x)", qPrintable(m_bootloader), lowest, highest);
}

void TestSimFlash::flashesSecureNodeThroughOptiboot()
{
    if (avrdudeOnPath().isEmpty())
        QSKIP("avrdude is not installed (Debian package avrdude)");
    const QString image = QStringLiteral(WARDEN_SECURENODE_RS485_HEX);
    QByteArray expected;
    int lowest = 0;
    int highest = 0;
    QVERIFY2(loadHex(image, expected, lowest, highest), qPrintable(image));
    QCOMPARE(lowest, 0);

    const QString flashOut = m_dir.filePath(u"flash.bin"_s);
    QProcess sim;
    const QString pty = startBoard(sim, m_bootloader, flashOut);
    QVERIFY2(!pty.isEmpty(), sim.readAllStandardError().constData());

    FirmwareFlasher flasher;
    QSignalSpy progress(&flasher, &FirmwareFlasher::progress);
    QStringList lines;
    connect(&flasher, &FirmwareFlasher::outputLine, this, [&](const QString &l) { lines << l; });
    FlashRequest request;
    request.port = pty;
    request.image = image;
    QElapsedTimer clock;
    clock.start();
    const auto started = flasher.start(request);
    QVERIFY2(started, qPrintable(started ? QString() : started.error().message()));
    const auto result = flasher.waitForFinished(60000);
    const qint64 flashMs = clock.elapsed();
    QVERIFY2(result, qPrintable((result ? QString() : result.error().message()) + u"\n"_s
                                + lines.join(u'\n')));

    // The new program runs: reset by optiboot's watchdog into the application, it answers the
    // hello of the personalization protocol (and listens for it only briefly after a reset).
    QFile port;
    QVERIFY(openPty(pty, port));
    const auto firmware = FirmwareFlasher::probe(&port, 15000);
    QVERIFY2(firmware, qPrintable(firmware ? QString() : firmware.error().message()));
    QCOMPARE(*firmware, QStringLiteral(WARDEN_FIRMWARE_VERSION));
    port.close();

    sim.terminate();
    QVERIFY(sim.waitForFinished(10000));
    const QByteArray reports = sim.readAllStandardError();
    QVERIFY2(reports.contains("released from reset"), reports.constData());

    const int bytes = highest + 1;
    QCOMPARE(result->bytes, qint64(bytes));
    QCOMPARE(result->signature, u"0x1e950f"_s);
    qInfo("flashed %d bytes through optiboot in %lld ms (flash, verify and avrdude's sync); "
          "the new program answered %lld ms after the start",
          bytes, result->elapsedMs, clock.elapsed());
    Q_UNUSED(flashMs);

    // Progress: from connecting through writing and verifying to 100, never backwards.
    QVERIFY(progress.size() >= 3);
    int last = -1;
    QStringList phases;
    for (const QList<QVariant> &args : progress) {
        const int percent = args.at(0).toInt();
        QVERIFY2(percent >= last,
                 qPrintable(u"progress went from %1 to %2"_s.arg(last).arg(percent)));
        last = percent;
        if (!phases.contains(args.at(1).toString()))
            phases << args.at(1).toString();
    }
    QCOMPARE(last, 100);
    QCOMPARE(phases, (QStringList {u"connecting"_s, u"writing"_s, u"verifying"_s}));

    // The flash as the simulator left it: the image, erased up to the bootloader, optiboot.
    QFile dump(flashOut);
    QVERIFY(dump.open(QIODevice::ReadOnly));
    const QByteArray flash = dump.readAll();
    QCOMPARE(flash.size(), kFlashBytes);
    QVERIFY2(flash.left(bytes) == expected.left(bytes), "the flash differs from the image");
    QByteArray boot;
    QVERIFY(loadHex(m_bootloader, boot, lowest, highest));
    QVERIFY2(flash.mid(kBootStart) == boot.mid(kBootStart, kFlashBytes - kBootStart),
             "the bootloader was changed");
}

void TestSimFlash::refusesBeforeAvrdude_data()
{
    QTest::addColumn<QString>("port");
    QTest::addColumn<QByteArray>("hex"); // empty: the SecureNode image
    QTest::addColumn<QString>("avrdude");
    QTest::addColumn<QString>("expected");

    const QByteArray good = ":020000000C94", end = ":00000001FF\n";
    QTest::newRow("no such port") << u"/dev/ttyWardenNone"_s << QByteArray() << QString()
                                  << u"There is no serial port /dev/ttyWardenNone"_s;
    QTest::newRow("no avrdude") << u"/dev/null"_s << QByteArray() << u"/nonexistent/avrdude"_s
                                << u"Debian package avrdude"_s;
    QTest::newRow("not hex") << u"/dev/null"_s << QByteArray("hello\n") << QString()
                             << u"not a record"_s;
    QTest::newRow("bad checksum") << u"/dev/null"_s << QByteArray(":0100000000FE\n" + end)
                                  << QString() << u"wrong checksum"_s;
    // One byte at 0x7E00: an image that would overwrite optiboot.
    QTest::newRow("into the bootloader")
            << u"/dev/null"_s << QByteArray(":017E000000" + QByteArray("81") + "\n" + end)
            << QString() << u"into the bootloader"_s;
    QTest::newRow("no end record")
            << u"/dev/null"_s << QByteArray(":0100000000FF\n") << QString() << u"no end record"_s;
    Q_UNUSED(good);
}

void TestSimFlash::refusesBeforeAvrdude()
{
    QFETCH(QString, port);
    QFETCH(QByteArray, hex);
    QFETCH(QString, avrdude);
    QFETCH(QString, expected);
    FlashRequest request;
    request.port = port;
    request.image = QStringLiteral(WARDEN_SECURENODE_RS485_HEX);
    if (!hex.isEmpty()) {
        request.image = m_dir.filePath(u"bad.hex"_s);
        QFile file(request.image);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(hex);
    }
    FirmwareFlasher flasher;
    if (!avrdude.isEmpty())
        flasher.setAvrdudeProgram(avrdude);
    QSignalSpy finished(&flasher, &FirmwareFlasher::finished);
    const auto started = flasher.start(request);
    QVERIFY(!started);
    QVERIFY2(started.error().message().contains(expected), qPrintable(started.error().message()));
    QVERIFY(!flasher.isRunning());
    QCOMPARE(finished.size(), 0);
}

void TestSimFlash::explainsAvrdudeFailures_data()
{
    QTest::addColumn<QString>("output");
    QTest::addColumn<QString>("expected");
    // avrdude 7.1's own words (Debian 12).
    QTest::newRow("no sync")
            << u"avrdude error: programmer is not responding\n"
               "avrdude warning: attempt 10 of 10: not in sync: resp=0x00\n"_s
            << u"The bootloader did not answer on /dev/ttyUSB0 at 115200 baud. Press the board's reset"_s;
    QTest::newRow("permission")
            << u"avrdude OS error: cannot open port /dev/ttyUSB0: Permission denied\n"_s
            << u"dialout group"_s;
    QTest::newRow("busy")
            << u"avrdude OS error: cannot open port /dev/ttyUSB0: Device or resource busy\n"_s
            << u"is no other program"_s;
    QTest::newRow("wrong chip")
            << u"avrdude error: expected signature for ATmega328P is 1E 95 0F\n"_s
            << u"is not an atmega328p"_s;
    QTest::newRow("verify")
            << u"avrdude error: verification mismatch, first mismatch at byte 0x0040\n"_s
            << u"verification failed"_s;
    QTest::newRow("other") << u"line one\nsomething odd happened\n"_s
                           << u"avrdude failed (exit code 1): line one / something odd happened"_s;
}

void TestSimFlash::explainsAvrdudeFailures()
{
    QFETCH(QString, output);
    QFETCH(QString, expected);
    FlashRequest request;
    request.port = u"/dev/ttyUSB0"_s;
    const QString text = FirmwareFlasher::explainFailure(output, 1, request);
    QVERIFY2(text.contains(expected), qPrintable(text));
}

void TestSimFlash::resolvesInstalledImages()
{
    // A directory laid out as share/warden/firmware.
    const QString dir = m_dir.filePath(u"firmware"_s);
    QVERIFY(QDir().mkpath(dir));
    for (const char *name : {"SecureNode-nrf24.hex", "SecureNode-rs485.hex", "RadioModem.hex"})
        QVERIFY(QFile::copy(QStringLiteral(WARDEN_SECURENODE_RS485_HEX),
                            dir + u'/' + QLatin1String(name)));
    const QList<FirmwareImage> images = FirmwareFlasher::installedImages(dir);
    QCOMPARE(images.size(), 3);
    QCOMPARE(images.at(0).name, u"radiomodem"_s);
    QVERIFY(!images.at(0).description.isEmpty());

    const auto exact = FirmwareFlasher::resolveImage(u"SecureNode-RS485"_s, dir);
    QVERIFY(exact);
    QVERIFY(exact->endsWith(u"/SecureNode-rs485.hex"_s));
    const auto unique = FirmwareFlasher::resolveImage(u"nrf24"_s, dir);
    QVERIFY(unique);
    QVERIFY(unique->endsWith(u"/SecureNode-nrf24.hex"_s));
    const auto ambiguous = FirmwareFlasher::resolveImage(u"securenode"_s, dir);
    QVERIFY(!ambiguous);
    QVERIFY2(ambiguous.error().message().contains(u"securenode-nrf24, securenode-rs485"_s),
             qPrintable(ambiguous.error().message()));
    const auto unknown = FirmwareFlasher::resolveImage(u"blink"_s, dir);
    QVERIFY(!unknown);
    QVERIFY(unknown.error().message().contains(u"radiomodem"_s));
    const auto file
            = FirmwareFlasher::resolveImage(QStringLiteral(WARDEN_SECURENODE_RS485_HEX), dir);
    QVERIFY(file);
    const auto missing = FirmwareFlasher::resolveImage(dir + u"/none.hex"_s, dir);
    QVERIFY(!missing);
    const auto bytes = FirmwareFlasher::checkImage(dir + u"/RadioModem.hex"_s);
    QVERIFY(bytes);
    QVERIFY(*bytes > 1000);
}

QTEST_GUILESS_MAIN(TestSimFlash)
#include "tst_simflash.moc"
