// Running an AVR image in warden_simavr from a test or a tool: one QProcess, its stdout (UART0)
// kept as lines, its stderr parsed into markers, stack figures and the exit reason.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QMap>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <climits>

namespace WardenSim {

/// One timed operation as the harness saw it.
struct Marker
{
    qint64 start = -1;
    qint64 end = -1;
    qint64 elapsed = -1; ///< cycles from the start write to the end write
    int stack = -1; ///< bytes of stack used below the SP at the start
};

struct Run
{
    bool finished = false; ///< false: did not start, or killed after the timeout
    int exitCode = -1;
    QByteArray uart; ///< UART0 output (stdout)
    QByteArray reports; ///< the harness's stderr
    QMap<int, Marker> markers;
    QString mcu;
    qint64 frequency = 0;
    QString exitReason; ///< done, sleep-with-interrupts-off, max-cycles, crashed, signal
    qint64 cycles = -1;
    int stackUsed = -1;
    int stackHeadroom = INT_MIN;

    QList<QByteArray> uartLines() const { return uart.split('\n'); }
    /// What to print when a check on this run fails.
    QByteArray describe() const
    {
        return "exit code " + QByteArray::number(exitCode) + ", stderr:\n" + reports + "\nUART0:\n"
               + uart;
    }
};

inline void parseReports(Run &run)
{
    static const QRegularExpression kStart(QStringLiteral(R"(^marker (\d+) start cycles (\d+)$)"));
    static const QRegularExpression kEnd(
            QStringLiteral(R"(^marker (\d+) end cycles (\d+) elapsed (\d+) stack (\d+)$)"));
    static const QRegularExpression kStack(QStringLiteral(
            R"(^stack lowest-sp 0x[0-9a-f]+ used (\d+) ramend .* headroom (-?\d+)$)"));
    static const QRegularExpression kRun(QStringLiteral(R"(^run mcu (\S+) freq (\d+)$)"));
    static const QRegularExpression kExit(
            QStringLiteral(R"(^exit (\S+) status \d+ cycles (\d+)$)"));
    for (const QByteArray &raw : run.reports.split('\n')) {
        const QString line = QString::fromLatin1(raw);
        QRegularExpressionMatch m;
        if ((m = kStart.match(line)).hasMatch()) {
            run.markers[m.captured(1).toInt()].start = m.captured(2).toLongLong();
        } else if ((m = kEnd.match(line)).hasMatch()) {
            Marker &marker = run.markers[m.captured(1).toInt()];
            marker.end = m.captured(2).toLongLong();
            marker.elapsed = m.captured(3).toLongLong();
            marker.stack = m.captured(4).toInt();
        } else if ((m = kStack.match(line)).hasMatch()) {
            run.stackUsed = m.captured(1).toInt();
            run.stackHeadroom = m.captured(2).toInt();
        } else if ((m = kRun.match(line)).hasMatch()) {
            run.mcu = m.captured(1);
            run.frequency = m.captured(2).toLongLong();
        } else if ((m = kExit.match(line)).hasMatch()) {
            run.exitReason = m.captured(1);
            run.cycles = m.captured(2).toLongLong();
        }
    }
}

/// Runs warden_simavr with @p arguments, feeding @p input to its stdin (then closing it).
inline Run run(const QStringList &arguments, const QByteArray &input = {}, int timeoutMs = 60000)
{
    Run result;
    QProcess process;
    process.start(QStringLiteral(WARDEN_SIMAVR), arguments);
    if (!process.waitForStarted(10000))
        return result;
    if (!input.isEmpty())
        process.write(input);
    process.closeWriteChannel();
    result.finished = process.waitForFinished(timeoutMs);
    if (!result.finished) {
        process.kill();
        process.waitForFinished(5000);
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.uart = process.readAllStandardOutput();
    result.reports = process.readAllStandardError();
    parseReports(result);
    return result;
}

/// The MySensors figures to beat (its assembly SHA-256 on a 16 MHz ATmega328P, 10-byte payload).
constexpr qint64 kMySensorsSign = 355902;
constexpr qint64 kMySensorsSignSalted = 407363;

} // namespace WardenSim
