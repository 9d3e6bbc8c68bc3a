// warden_cycletable: runs the SHA-256 bench image (firmware/tests/shabench.cpp) in
// warden_simavr and prints its cycle counts as a table, the assembly compression next to the
// portable C++ one and MySensors' published figures. Figures only: nothing is asserted here
// (tst_simsha checks the results and the budget). Built and run by `--target firmware_cycles`.
#include "simrun.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QTextStream>

#include <algorithm>

#include <cstdio>

namespace {

struct Row
{
    QString operation;
    int asmId = -1;
    int portableId = -1;
};

QString grouped(qint64 value)
{
    QString digits = QString::number(value);
    for (qsizetype at = digits.size() - 3; at > 0; at -= 3)
        digits.insert(at, u',');
    return digits;
}

QString cell(qint64 cycles, qint64 hz)
{
    if (cycles < 0)
        return QStringLiteral("-");
    return QStringLiteral("%1 (%2 ms)")
            .arg(grouped(cycles))
            .arg(double(cycles) * 1000.0 / double(hz), 0, 'f', 2);
}

QString ratio(qint64 a, qint64 b)
{
    return a > 0 && b > 0 ? QString::number(double(a) / double(b), 'f', 3) : QStringLiteral("-");
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    const WardenSim::Run run
            = WardenSim::run({QStringLiteral("--markers"), QStringLiteral("--stack-report"),
                              QStringLiteral(WARDEN_SHABENCH_ELF)});
    if (!run.finished || run.exitCode != 0 || run.exitReason != u"done") {
        std::fprintf(stderr, "warden_cycletable: the bench image did not finish cleanly: %s\n",
                     run.describe().constData());
        return 1;
    }

    // "OP <id> <backend> <operation>" lines name the markers.
    QList<Row> rows;
    for (const QByteArray &line : run.uartLines()) {
        const QList<QByteArray> f = line.trimmed().split(' ');
        if (f.size() != 4 || f[0] != "OP")
            continue;
        const QString operation = QString::fromLatin1(f[3]);
        auto it = std::find_if(rows.begin(), rows.end(),
                               [&](const Row &r) { return r.operation == operation; });
        if (it == rows.end())
            it = rows.insert(rows.end(), Row {operation});
        (f[2] == "asm" ? it->asmId : it->portableId) = f[1].toInt();
    }
    const qint64 overhead = run.markers.value(1).elapsed;
    auto net = [&](int id) -> qint64 {
        const WardenSim::Marker m = run.markers.value(id);
        return m.elapsed < 0 ? -1 : m.elapsed - overhead;
    };
    auto mySensors = [](const QString &operation) -> qint64 {
        if (operation == u"sign-10-bytes")
            return WardenSim::kMySensorsSign;
        if (operation == u"sign-10-bytes-salted")
            return WardenSim::kMySensorsSignSalted;
        return -1;
    };

    const qint64 hz = run.frequency > 0 ? run.frequency : 16000000;
    out << "AVR cycle counts: shabench.elf on " << run.mcu << " at " << hz / 1000000
        << " MHz in simavr (marker overhead of " << overhead << " cycles subtracted)\n\n";
    const QString header = QStringLiteral("%1 | %2 | %3 | %4 | %5 | %6 | %7")
                                   .arg(QStringLiteral("operation"), -24)
                                   .arg(QStringLiteral("Warden AVR asm"), -21)
                                   .arg(QStringLiteral("portable C++"), -23)
                                   .arg(QStringLiteral("MySensors"), -21)
                                   .arg(QStringLiteral("asm/MySensors"), 13)
                                   .arg(QStringLiteral("asm/portable"), 12)
                                   .arg(QStringLiteral("asm stack"), 9);
    out << header << '\n' << QString(header.size(), u'-') << '\n';
    auto print = [&](const QString &operation, qint64 a, qint64 p, qint64 m, int stack) {
        out << QStringLiteral("%1 | %2 | %3 | %4 | %5 | %6 | %7\n")
                        .arg(operation, -24)
                        .arg(cell(a, hz), -21)
                        .arg(cell(p, hz), -23)
                        .arg(cell(m, hz), -21)
                        .arg(ratio(a, m), 13)
                        .arg(ratio(a, p), 12)
                        .arg(stack >= 0 ? QString::number(stack) + QStringLiteral(" B")
                                        : QStringLiteral("-"),
                             9);
    };
    qint64 asm1 = -1, asm4 = -1, portable1 = -1, portable4 = -1;
    for (const Row &row : std::as_const(rows)) {
        const qint64 a = net(row.asmId);
        const qint64 p = net(row.portableId);
        print(row.operation, a, p, mySensors(row.operation), run.markers.value(row.asmId).stack);
        if (row.operation == u"compress-1-block") {
            asm1 = a;
            portable1 = p;
        } else if (row.operation == u"compress-4-blocks") {
            asm4 = a;
            portable4 = p;
        }
    }
    if (asm1 > 0 && asm4 > 0 && portable1 > 0 && portable4 > 0)
        print(QStringLiteral("per block (4 - 1) / 3"), (asm4 - asm1) / 3,
              (portable4 - portable1) / 3, -1, -1);
    out << "\nstack: " << run.stackUsed << " bytes used in all, " << run.stackHeadroom
        << " bytes of headroom above .bss/.noinit; " << grouped(run.cycles)
        << " cycles simulated\n";
    return 0;
}
