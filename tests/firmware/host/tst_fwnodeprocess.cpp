// The warden-node program (examples/SecureNode as a POSIX process) on a real pty: personalized
// over the line at start-up, then joined to a test gateway that speaks RS485 framing on the same
// line, exchanging signed values; stopped and started again on the same EEPROM file it keeps its
// id and keys. Deadlines are generous; nothing asserts on speed.
#include "testgateway.h"

#include <hostclock.h>
#include <hostserial.h>
#include <rs485transport.h>

#include "crypto/botansha256.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

using namespace Warden::Firmware;
using namespace Warden::Firmware::Host;
using namespace Warden::Protocol;

namespace {

const uint8_t kKey[32] = {0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0xDC, 0xFE, 0x01, 0x23, 0x45,
                          0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
                          0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x00};
const uint8_t kSerial[9] = {0x53, 0x45, 0x52, 0x49, 0x41, 0x4C, 0x30, 0x30, 0x31};

class NodeProcess
{
public:
    bool start(const QString &slave, const QString &eeprom)
    {
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start(QStringLiteral(WARDEN_NODE_PATH),
                        {QStringLiteral("--serial"), slave, QStringLiteral("--eeprom"), eeprom});
        return m_process.waitForStarted(5000);
    }
    int stop()
    {
        m_process.terminate();
        if (!m_process.waitForFinished(5000)) {
            qWarning("warden-node did not stop within 5 s");
            m_process.kill();
            m_process.waitForFinished(5000);
            return -1;
        }
        if (m_process.exitStatus() != QProcess::NormalExit)
            qWarning("warden-node ended abnormally: %s", qPrintable(m_process.errorString()));
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    }
    ~NodeProcess()
    {
        if (m_process.state() != QProcess::NotRunning)
            stop();
    }

private:
    QProcess m_process;
};

} // namespace

class tst_FwNodeProcess : public QObject
{
    Q_OBJECT

private slots:
    void personalizeJoinAndRestart();
};

void tst_FwNodeProcess::personalizeJoinAndRestart()
{
    QTemporaryDir dir;
    const QString eeprom = dir.filePath(QStringLiteral("node.eeprom"));
    PtyPair pty;
    std::string error;
    QVERIFY2(pty.open(&error), error.c_str());
    PosixSerialPort line(pty.master, false);

    NodeProcess node;
    QVERIFY(node.start(QString::fromStdString(pty.slaveName), eeprom));

    // Say hello until the node's window has opened and it answers.
    std::string received;
    auto readLines = [&](int timeoutMs, const std::function<bool(const std::string &)> &done) {
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < timeoutMs) {
            if (line.waitReadable(20)) {
                int c;
                while ((c = line.read()) >= 0)
                    received.push_back(char(c));
            }
            if (done(received))
                return true;
        }
        return false;
    };
    auto send = [&](const std::string &text) {
        const std::string out = text + "\n";
        line.write(reinterpret_cast<const uint8_t *>(out.data()), uint16_t(out.size()));
    };
    bool greeted = false;
    for (int attempt = 0; attempt < 50 && !greeted; ++attempt) {
        send("WARDEN PERSO 2");
        greeted = readLines(100, [](const std::string &r) {
            return r.find("OK WARDEN PERSO 2\r\n") != std::string::npos;
        });
    }
    QVERIFY2(greeted, received.c_str());
    // A hello sent before the window opened may still be answered (INFO and OK again): let
    // that output end before the commands, or it would be taken for their answers.
    while (line.waitReadable(300)) {
        int c;
        while ((c = line.read()) >= 0)
            received.push_back(char(c));
    }
    QVERIFY(received.find("\nLINK -\r") != std::string::npos);
    const QByteArray keyHex = QByteArray(reinterpret_cast<const char *>(kKey), 32).toHex();
    const QByteArray serialHex = QByteArray(reinterpret_cast<const char *>(kSerial), 9).toHex();
    for (const std::string &command :
         {"LINK " + keyHex.toStdString(), "SERIAL " + serialHex.toStdString(),
          std::string("POLICY 01"), std::string("COMMIT"), std::string("END")}) {
        received.clear();
        send(command);
        QVERIFY2(readLines(5000,
                           // Each command is answered by one status line: wait for its end
                           // (the node writes byte by byte).
                           [](const std::string &r) { return r.find("\r\n") != std::string::npos; })
                         && received.find("ERR") == std::string::npos,
                 (command.substr(0, 10) + " -> " + received).c_str());
    }
    QVERIFY(received.find("OK\r\n") != std::string::npos);

    // The same line now carries the bus: a gateway in RS485 framing.
    SystemClock clock;
    Rs485Transport transport(line);
    WardenTest::TestGateway gw(transport, Warden::Internal::botanSha256(), clock);
    gw.setKey(kKey);
    gw.setRequireWhitelisting(true);
    gw.whitelist(1, kSerial);
    auto runUntil = [&](int timeoutMs, const std::function<bool()> &done) {
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < timeoutMs) {
            line.waitReadable(5);
            gw.poll();
            if (done())
                return true;
        }
        return false;
    };
    QVERIFY(runUntil(15000, [&] {
        return !gw.find(1, Command::Internal, int(Internal::RegistrationRequest)).empty()
               && !gw.find(1, Command::Presentation, int(Sensor::Binary)).empty();
    }));
    QVERIFY(!gw.find(255, Command::Internal, int(Internal::IdRequest)).empty());
    const auto name = gw.find(1, Command::Internal, int(Internal::SketchName));
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(name[0].message.payload()),
                        name[0].message.payloadLength()),
             QByteArray("Warden SecureNode"));
    QCOMPARE(name[0].verdict, Verdict::Verified);
    // The sketch reports its temperature, signed and salted with the personalized serial.
    QVERIFY(runUntil(10000, [&] { return !gw.find(1, Command::Set, int(Value::Temp)).empty(); }));
    QCOMPARE(gw.find(1, Command::Set, int(Value::Temp))[0].verdict, Verdict::Verified);
    // Switch it on: the node verifies the gateway's signed C_SET and reports the new state.
    Message on;
    on.setHeader(0, 1, Command::Set, uint8_t(Value::Status), 1);
    on.setByte(1);
    gw.send(on);
    QVERIFY(runUntil(10000, [&] { return !gw.find(1, Command::Set, int(Value::Status)).empty(); }));
    const auto status = gw.find(1, Command::Set, int(Value::Status));
    QCOMPARE(status[0].verdict, Verdict::Verified);
    uint8_t value = 0;
    QVERIFY(status[0].message.getByte(value));
    QCOMPARE(value, uint8_t(1));
    QCOMPARE(node.stop(), 0);

    // Started again on the same EEPROM: no new id request, the same key, still verified. What
    // the first process left in the line is dropped first, so every frame below is the second's
    // (its presentation comes before its first reading).
    while (line.waitReadable(100)) {
        while (line.read() >= 0) { }
    }
    gw.clearReceived();
    NodeProcess again;
    QVERIFY(again.start(QString::fromStdString(pty.slaveName), eeprom));
    QVERIFY(runUntil(15000, [&] {
        return !gw.find(1, Command::Internal, int(Internal::SketchName)).empty()
               && !gw.find(1, Command::Set, int(Value::Temp)).empty();
    }));
    QVERIFY(gw.find(255, Command::Internal, int(Internal::IdRequest)).empty());
    QCOMPARE(gw.find(1, Command::Set, int(Value::Temp))[0].verdict, Verdict::Verified);
    QCOMPARE(again.stop(), 0);
    QCOMPARE(QFileInfo(eeprom).size(), 1024);
}

QTEST_GUILESS_MAIN(tst_FwNodeProcess)
#include "tst_fwnodeprocess.moc"
