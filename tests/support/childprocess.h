// A program a test runs beside itself (warden-node behind a pty, ...): its stderr goes to the
// test's, and it is stopped (terminate, then kill) when the test is done with it.
#pragma once

#include <QtCore/QProcess>
#include <QtCore/QStringList>

namespace WardenTest {

class ChildProcess
{
public:
    ChildProcess() = default;
    ChildProcess(const ChildProcess &) = delete;
    ChildProcess &operator=(const ChildProcess &) = delete;
    ~ChildProcess() { stop(); }

    bool start(const QString &program, const QStringList &arguments)
    {
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start(program, arguments);
        return m_process.waitForStarted(5000);
    }

    /// The exit code of a program that ended on its own after SIGTERM; -1 when it was not
    /// running, had to be killed, or crashed.
    int stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return -1;
        m_process.terminate();
        if (!m_process.waitForFinished(5000)) {
            m_process.kill();
            m_process.waitForFinished(5000);
            return -1;
        }
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    }

private:
    QProcess m_process;
};

} // namespace WardenTest
