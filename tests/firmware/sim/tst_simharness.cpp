// warden_simavr itself, driven with the uartecho image (firmware/tests/uartecho.cpp): the UART
// bridges (stdio and a real pty), the EEPROM file, the ways a run ends and their exit
// statuses, markers, the stack report, and clear refusals of bad input.
#include "simrun.h"

#include <QtCore/QDeadlineTimer>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

namespace {

const QString kEcho = QStringLiteral(WARDEN_UARTECHO_ELF);

QByteArray eepromImage(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

/// Reads from @p fd until @p expected has arrived or @p timeoutMs passed; returns what came.
QByteArray readUntil(int fd, const QByteArray &expected, int timeoutMs)
{
    QByteArray got;
    QDeadlineTimer deadline(timeoutMs);
    while (!got.contains(expected) && !deadline.hasExpired()) {
        pollfd p {fd, POLLIN, 0};
        if (poll(&p, 1, int(qMin<qint64>(deadline.remainingTime(), 200))) <= 0)
            continue;
        char buffer[256];
        const ssize_t n = read(fd, buffer, sizeof buffer);
        if (n > 0)
            got.append(buffer, n);
        else if (n < 0 && errno != EAGAIN && errno != EINTR)
            break;
    }
    return got;
}

} // namespace

class tst_SimHarness : public QObject
{
    Q_OBJECT

private slots:
    void stdioEcho_data();
    void stdioEcho();
    void endings_data();
    void endings();
    void maxCycles();
    void markers();
    void stackReport();
    void eepromPersists();
    void eepromTooLarge();
    void refusals_data();
    void refusals();
    void ptyEcho();
    void realtime();
};

void tst_SimHarness::stdioEcho_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("letters") << QByteArray("hello\x04") << QByteArray("BOOT 1\nHELLOBYE\n");
    QTest::newRow("binary bytes") << QByteArray("a\x00\xff\n1\x04", 6)
                                  << QByteArray("BOOT 1\nA\x00\xff\n1BYE\n", 16);
    // More than simavr's 64-byte receive FIFO: the bridge must wait for room (XON/XOFF).
    QTest::newRow("long line") << QByteArray(300, 'x') + '\x04'
                               << "BOOT 1\n" + QByteArray(300, 'X') + "BYE\n";
}

void tst_SimHarness::stdioEcho()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, expected);
    const WardenSim::Run run = WardenSim::run({QStringLiteral("--uart-stdio"), kEcho}, input);
    QVERIFY2(run.finished, run.describe().constData());
    QCOMPARE(run.exitReason, QStringLiteral("done"));
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(run.uart, expected);
}

void tst_SimHarness::endings_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<int>("exitCode");
    QTest::newRow("done(0)") << QByteArray("\x04") << QStringLiteral("done") << 0;
    QTest::newRow("done(7)") << QByteArray("\x05") << QStringLiteral("done") << 7;
    QTest::newRow("cli; sleep") << QByteArray("\x03") << QStringLiteral("sleep-with-interrupts-off")
                                << 0;
}

void tst_SimHarness::endings()
{
    QFETCH(QByteArray, input);
    QFETCH(QString, reason);
    QFETCH(int, exitCode);
    const WardenSim::Run run = WardenSim::run({QStringLiteral("--uart-stdio"), kEcho}, input);
    QVERIFY2(run.finished, run.describe().constData());
    QCOMPARE(run.exitReason, reason);
    QCOMPARE(run.exitCode, exitCode);
    QVERIFY(run.cycles > 0);
}

void tst_SimHarness::maxCycles()
{
    // No input: the image waits forever, the cycle limit ends it.
    const WardenSim::Run run
            = WardenSim::run({QStringLiteral("--max-cycles"), QStringLiteral("200000"), kEcho});
    QVERIFY2(run.finished, run.describe().constData());
    QCOMPARE(run.exitReason, QStringLiteral("max-cycles"));
    QCOMPARE(run.exitCode, 124);
    QVERIFY(run.cycles >= 200000 && run.cycles < 200010);
    QCOMPARE(run.uart, QByteArray("BOOT 1\n")); // without --uart-stdio: output only
}

void tst_SimHarness::markers()
{
    // uartecho frames each echoed byte with marker 2.
    const WardenSim::Run run = WardenSim::run(
            {QStringLiteral("--uart-stdio"), QStringLiteral("--markers"), kEcho}, "abc\x04");
    QVERIFY2(run.exitCode == 0, run.describe().constData());
    QCOMPARE(run.reports.count("marker 2 start cycles "), 3);
    QCOMPARE(run.reports.count("marker 2 end cycles "), 3);
    const WardenSim::Marker m = run.markers.value(2);
    QVERIFY(m.end > m.start && m.elapsed == m.end - m.start);
    QVERIFY(m.stack >= 2); // at least putChar's return address
    // Without --markers the same run reports none.
    const WardenSim::Run quiet = WardenSim::run({QStringLiteral("--uart-stdio"), kEcho}, "abc\x04");
    QVERIFY(!quiet.reports.contains("marker "));
}

void tst_SimHarness::stackReport()
{
    const WardenSim::Run run = WardenSim::run(
            {QStringLiteral("--uart-stdio"), QStringLiteral("--stack-report"), kEcho}, "\x04");
    QVERIFY2(run.exitCode == 0, run.describe().constData());
    QVERIFY2(run.stackUsed > 0 && run.stackUsed < 100, run.reports.constData());
    // 2 KiB of RAM, a few bytes of .data/.bss: most of it is headroom.
    QVERIFY2(run.stackHeadroom > 1500 && run.stackHeadroom < 2048, run.reports.constData());
}

void tst_SimHarness::eepromPersists()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("node.eeprom"));
    for (int boot = 1; boot <= 3; ++boot) {
        const WardenSim::Run run = WardenSim::run(
                {QStringLiteral("--uart-stdio"), QStringLiteral("--eeprom"), path, kEcho}, "\x04");
        QVERIFY2(run.exitCode == 0, run.describe().constData());
        QVERIFY(run.uart.startsWith("BOOT " + QByteArray::number(boot) + '\n'));
        const QByteArray image = eepromImage(path);
        QCOMPARE(image.size(), 1024); // the ATmega328P's EEPROM
        QCOMPARE(int(uint8_t(image[0])), boot);
        QCOMPARE(image.count('\xff'), 1023); // the rest is still erased
    }
    QVERIFY(!QFileInfo::exists(path + QStringLiteral(".tmp")));
}

void tst_SimHarness::eepromTooLarge()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("big.eeprom"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray(2000, '\x11'));
    file.close();
    const WardenSim::Run run = WardenSim::run(
            {QStringLiteral("--uart-stdio"), QStringLiteral("--eeprom"), path, kEcho}, "\x04");
    QVERIFY(run.finished);
    QCOMPARE(run.exitCode, 66);
    QVERIFY2(run.reports.contains(path.toLocal8Bit()) && run.reports.contains("2000 bytes"),
             run.reports.constData());
    QCOMPARE(eepromImage(path), QByteArray(2000, '\x11')); // left alone
}

void tst_SimHarness::refusals_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("no image") << QStringList {} << 64 << QByteArray("no image given");
    QTest::newRow("unknown option") << QStringList {QStringLiteral("--fast"), kEcho} << 64
                                    << QByteArray("unknown option --fast");
    QTest::newRow("bad cycle count")
            << QStringList {QStringLiteral("--max-cycles"), QStringLiteral("12x"), kEcho} << 64
            << QByteArray("--max-cycles needs a positive number");
    QTest::newRow("unknown MCU") << QStringList {QStringLiteral("--mcu"),
                                                 QStringLiteral("atmega9999"), kEcho}
                                 << 64 << QByteArray("does not know the MCU \"atmega9999\"");
    QTest::newRow("missing file") << QStringList {QStringLiteral("/nonexistent/x.elf")} << 66
                                  << QByteArray("cannot open /nonexistent/x.elf");
    // The test program itself: an ELF, but not an AVR one.
    QTest::newRow("host ELF") << QStringList {QCoreApplication::applicationFilePath()} << 66
                              << QByteArray("is not an AVR image");
    QTest::newRow("not an ELF") << QStringList {QStringLiteral(__FILE__)} << 66
                                << QByteArray("is not an ELF file (no ELF magic)");
}

void tst_SimHarness::refusals()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, message);
    const WardenSim::Run run = WardenSim::run(arguments);
    QVERIFY(run.finished);
    QCOMPARE(run.exitCode, exitCode);
    QVERIFY2(run.reports.contains(message), run.reports.constData());
    QVERIFY(run.uart.isEmpty());
}

void tst_SimHarness::ptyEcho()
{
    // As another program would use it: the pty's path on stdout, opened like a serial port.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString eeprom = dir.filePath(QStringLiteral("pty.eeprom"));
    const QString link = dir.filePath(QStringLiteral("ttyNODE"));
    QProcess process;
    process.start(QStringLiteral(WARDEN_SIMAVR),
                  {QStringLiteral("--uart-pty"), QStringLiteral("--uart-pty-link"), link,
                   QStringLiteral("--eeprom"), eeprom, kEcho});
    QVERIFY(process.waitForStarted(10000));
    QDeadlineTimer deadline(20000);
    while (!process.canReadLine() && !deadline.hasExpired())
        process.waitForReadyRead(200);
    const QByteArray path = process.readLine().trimmed();
    QVERIFY2(path.startsWith("/dev/pts/"), path.constData());
    QCOMPARE(QFileInfo(link).symLinkTarget().toLocal8Bit(), path);

    const int fd = ::open(path.constData(), O_RDWR | O_NOCTTY | O_NONBLOCK);
    QVERIFY2(fd >= 0, strerror(errno));
    termios tio;
    QCOMPARE(tcgetattr(fd, &tio), 0);
    cfmakeraw(&tio);
    QCOMPARE(tcsetattr(fd, TCSANOW, &tio), 0);

    QByteArray got = readUntil(fd, "BOOT 1\n", 20000);
    QCOMPARE(got, QByteArray("BOOT 1\n"));
    QCOMPARE(::write(fd, "ping\x01", 5), ssize_t(5));
    got = readUntil(fd, "PING\x01", 20000);
    QCOMPARE(got, QByteArray("PING\x01"));
    ::close(fd);

    // SIGTERM: the run ends cleanly, with the EEPROM saved and the link removed.
    process.terminate();
    QVERIFY(process.waitForFinished(20000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 128 + SIGTERM);
    QVERIFY(process.readAllStandardError().contains("exit signal"));
    const QByteArray image = eepromImage(eeprom);
    QCOMPARE(image.size(), 1024);
    QCOMPARE(int(uint8_t(image[0])), 1);
    QVERIFY(!QFileInfo(link).isSymLink());
}

void tst_SimHarness::realtime()
{
    // 0.1 s of simulated time at 16 MHz: never over in less wall time (a lower bound only:
    // a loaded machine makes it slower, never faster).
    QElapsedTimer timer;
    timer.start();
    const WardenSim::Run run
            = WardenSim::run({QStringLiteral("--realtime"), QStringLiteral("--max-cycles"),
                              QStringLiteral("1600000"), kEcho});
    QCOMPARE(run.exitReason, QStringLiteral("max-cycles"));
    QVERIFY2(timer.elapsed() >= 95, qPrintable(QString::number(timer.elapsed())));
}

QTEST_GUILESS_MAIN(tst_SimHarness)
#include "tst_simharness.moc"
