// Runs a program to completion and keeps what it printed: the desktop tests check the tools
// Debian checks packages with (groff, man, desktop-file-validate, appstreamcli,
// systemd-analyze) and the programs' own --help and --version.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QProcess>
#include <QtCore/QProcessEnvironment>
#include <QtCore/QStandardPaths>
#include <QtCore/QStringList>

namespace WardenTest {

struct ToolRun
{
    bool finished = false; ///< started, and ended on its own (no crash, no time-out)
    int exitCode = -1;
    QByteArray out;
    QByteArray err;

    /// For QVERIFY2: what the program printed, to see why it failed.
    QByteArray describe() const
    {
        return "exit " + QByteArray::number(exitCode) + "\n" + out + err;
    }
};

/// @p program with @p arguments, its environment plus @p environment ("NAME=value" each).
inline ToolRun runTool(const QString &program, const QStringList &arguments,
                       const QStringList &environment = {}, int timeoutMs = 20000)
{
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const QString &entry : environment) {
        const qsizetype at = entry.indexOf(u'=');
        env.insert(entry.left(at), entry.mid(at + 1));
    }
    process.setProcessEnvironment(env);
    process.start(program, arguments);
    ToolRun run;
    if (!process.waitForStarted(5000))
        return run;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        return run;
    }
    run.finished = process.exitStatus() == QProcess::NormalExit;
    run.exitCode = process.exitCode();
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

/// The path of a tool on PATH, empty when it is not installed.
inline QString findTool(const QString &name)
{
    return QStandardPaths::findExecutable(name);
}

} // namespace WardenTest
