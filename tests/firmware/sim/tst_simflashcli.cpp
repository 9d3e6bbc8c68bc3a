// wardenctl flash as a user runs it, against an ATmega328P with optiboot in warden_simavr (the
// board of tst_simflash): the image named as an installed one (WARDEN_FIRMWARE_DIR), written
// through the bootloader by the real avrdude, progress on stderr, the result as JSON, then the
// port (opened as a serial port) asked with the personalization hello: the new SecureNode
// answers with its version. The flash the simulator saves equals the image. A missing port and
// an unknown image are said in words with their exit codes.
#include "flashboard.h"

#include <QtCore/QDir>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcessEnvironment>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

using namespace Qt::StringLiterals;
using namespace WardenFlashSim;

class TestSimFlashCli : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void flashesAndProbes();
    void refuses();

private:
    QProcessEnvironment environment() const;

    QString m_bootloader;
    QTemporaryDir m_dir;
    QString m_images;
};

void TestSimFlashCli::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QString note;
    m_bootloader = chooseBootloader(QStringLiteral(WARDEN_OPTIBOOT_HEX),
                                    QStringLiteral(WARDEN_OPTIBOOT_FIT_HEX), note);
    if (m_bootloader.isEmpty())
        QSKIP("no optiboot for the ATmega328P: install arduino-core-avr");
    if (avrdudeOnPath().isEmpty())
        QSKIP("avrdude is not installed (Debian package avrdude)");
    // Laid out as share/warden/firmware.
    m_images = m_dir.filePath(u"firmware"_s);
    QVERIFY(QDir().mkpath(m_images));
    QVERIFY(QFile::copy(QStringLiteral(WARDEN_SECURENODE_RS485_HEX),
                        m_images + u"/SecureNode-rs485.hex"_s));
}

QProcessEnvironment TestSimFlashCli::environment() const
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"WARDEN_FIRMWARE_DIR"_s, m_images);
    return env;
}

void TestSimFlashCli::flashesAndProbes()
{
    QByteArray expected;
    int lowest = 0;
    int highest = 0;
    QVERIFY(loadHex(QStringLiteral(WARDEN_SECURENODE_RS485_HEX), expected, lowest, highest));
    const QString flashOut = m_dir.filePath(u"flash.bin"_s);
    QProcess sim;
    const QString pty = startBoard(sim, m_bootloader, flashOut);
    QVERIFY2(!pty.isEmpty(), sim.readAllStandardError().constData());

    QProcess ctl;
    ctl.setProcessEnvironment(environment());
    ctl.start(QStringLiteral(WARDENCTL), {u"--json"_s, u"flash"_s, u"--port"_s, pty, u"--image"_s,
                                          u"rs485"_s, u"--probe-baud"_s, u"9600"_s});
    QVERIFY(ctl.waitForFinished(90000));
    const QByteArray out = ctl.readAllStandardOutput();
    const QByteArray err = ctl.readAllStandardError();
    QVERIFY2(ctl.exitCode() == 0, (out + err).constData());
    const QJsonObject json = QJsonDocument::fromJson(out).object();
    QCOMPARE(json.value(u"bytes"_s).toInteger(), qint64(highest + 1));
    QCOMPARE(json.value(u"signature"_s).toString(), u"0x1e950f"_s);
    QVERIFY(json.value(u"image"_s).toString().endsWith(u"/SecureNode-rs485.hex"_s));
    // The probe after the flash: the new program answered the hello with its version.
    QVERIFY2(json.value(u"warden_firmware"_s).toString() == QStringLiteral(WARDEN_FIRMWARE_VERSION),
             out.constData());
    QVERIFY(!json.contains(u"probe_error"_s));
    QVERIFY2(err.contains("writing 0 %") && err.contains("verifying 100 %"), err.constData());
    qInfo("wardenctl flash: %lld bytes in %lld ms", json.value(u"bytes"_s).toInteger(),
          json.value(u"elapsed_ms"_s).toInteger());

    sim.terminate();
    QVERIFY(sim.waitForFinished(10000));
    QFile dump(flashOut);
    QVERIFY(dump.open(QIODevice::ReadOnly));
    QVERIFY(dump.readAll().left(highest + 1) == expected.left(highest + 1));
}

void TestSimFlashCli::refuses()
{
    // No board on the port: said in words, exit code 1, avrdude never run.
    QProcess missing;
    missing.setProcessEnvironment(environment());
    missing.start(QStringLiteral(WARDENCTL), {u"flash"_s, u"--port"_s, u"/dev/ttyWardenNone"_s,
                                              u"--image"_s, u"securenode-rs485"_s});
    QVERIFY(missing.waitForFinished(30000));
    QCOMPARE(missing.exitCode(), 1);
    QVERIFY(missing.readAllStandardError().contains("There is no serial port /dev/ttyWardenNone"));

    // An image that is not installed: the error lists those that are (a usage error).
    QProcess unknown;
    unknown.setProcessEnvironment(environment());
    unknown.start(QStringLiteral(WARDENCTL),
                  {u"flash"_s, u"--port"_s, u"/dev/null"_s, u"--image"_s, u"blink"_s});
    QVERIFY(unknown.waitForFinished(30000));
    QCOMPARE(unknown.exitCode(), 2);
    const QByteArray said = unknown.readAllStandardError();
    QVERIFY2(said.contains("There is no firmware image \"blink\"; there are: securenode-rs485"),
             said.constData());

    // --list: the installed images with what they are for.
    QProcess list;
    list.setProcessEnvironment(environment());
    list.start(QStringLiteral(WARDENCTL), {u"flash"_s, u"--list"_s});
    QVERIFY(list.waitForFinished(30000));
    QCOMPARE(list.exitCode(), 0);
    QVERIFY(list.readAllStandardOutput().contains("securenode-rs485"));
}

QTEST_GUILESS_MAIN(TestSimFlashCli)
#include "tst_simflashcli.moc"
