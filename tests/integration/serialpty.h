// Test parts for the serial transport on real pseudo-terminals: a socat process that joins two
// ptys (the link opens one end, the test the other), the test's end of such a pair (POSIX,
// non-blocking, driven by the event loop), and numbered frames sent through a link with the
// check of what arrived at the far end.
#pragma once

#include "linktraffic.h"

#include <warden/link.h>
#include <warden/protocol/message.h>

#include <QtCore/QDeadlineTimer>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QMap>
#include <QtCore/QProcess>
#include <QtCore/QSocketNotifier>
#include <QtCore/QStandardPaths>
#include <QtCore/QTimer>
#include <QtTest/QtTest>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include <functional>
#include <memory>

namespace Warden::Test {

/// Runs the event loop until @p done or @p timeoutMs. Unlike QTRY_*, which sleeps 10 ms between
/// rounds of events, it never stops the loop: traffic that waits for answers (one request
/// outstanding) runs at its own pace, not at the test's.
inline bool waitUntil(const std::function<bool()> &done, int timeoutMs = 20000)
{
    if (done())
        return true;
    QEventLoop loop;
    QTimer poll;
    QElapsedTimer clock;
    clock.start();
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (done() || clock.elapsed() > timeoutMs)
            loop.quit();
    });
    poll.start(1);
    loop.exec();
    return done();
}

/// A socat process that joins two ptys, reachable as <dir>/<name>-link and <dir>/<name>-gw.
class PtyPair
{
public:
    PtyPair(const QString &dir, const QString &name)
        : linkPath(dir + u'/' + name + QStringLiteral("-link"))
        , gatewayPath(dir + u'/' + name + QStringLiteral("-gw"))
    { }
    ~PtyPair() { stop(); }

    bool start()
    {
        stop();
        m_process = std::make_unique<QProcess>();
        // socat -d -d logs the ptys it made; kept beside them for a failing run.
        m_process->setStandardOutputFile(QProcess::nullDevice());
        m_process->setStandardErrorFile(linkPath + QStringLiteral(".socat.log"), QIODevice::Append);
        m_process->start(QStandardPaths::findExecutable(QStringLiteral("socat")),
                         {QStringLiteral("-d"), QStringLiteral("-d"),
                          QStringLiteral("pty,raw,echo=0,link=") + linkPath,
                          QStringLiteral("pty,raw,echo=0,link=") + gatewayPath});
        if (!m_process->waitForStarted(5000))
            return false;
        QDeadlineTimer deadline(5000);
        while (!(QFileInfo::exists(linkPath) && QFileInfo::exists(gatewayPath))) {
            if (deadline.hasExpired() || m_process->state() != QProcess::Running)
                return false;
            QTest::qWait(5);
        }
        return true;
    }

    /// SIGKILL: the ptys vanish at once, as when a USB adapter is pulled; the links socat
    /// would have removed stay behind, and are removed here so they cannot name a reused pty.
    void kill()
    {
        if (!m_process)
            return;
        m_process->kill();
        m_process->waitForFinished(5000);
        m_process.reset();
        QFile::remove(linkPath);
        QFile::remove(gatewayPath);
    }

    /// Ends socat (the ptys vanish, as when a USB adapter is pulled) and its links with it.
    void stop()
    {
        if (!m_process)
            return;
        m_process->terminate();
        if (!m_process->waitForFinished(5000)) {
            m_process->kill();
            m_process->waitForFinished(5000);
        }
        m_process.reset();
        // socat removes them on SIGTERM; a stale link must not point at a reused pty.
        QFile::remove(linkPath);
        QFile::remove(gatewayPath);
    }

    const QString linkPath;
    const QString gatewayPath;

private:
    std::unique_ptr<QProcess> m_process;
};

/// The far end of a pty pair: what it reads goes to onBytes, send() writes without blocking.
class PtyPeer : public QObject
{
public:
    ~PtyPeer() override { close(); }

    bool open(const QString &path)
    {
        close();
        m_fd = ::open(QFile::encodeName(path).constData(), O_RDWR | O_NOCTTY | O_NONBLOCK);
        if (m_fd < 0)
            return false;
        m_reader = std::make_unique<QSocketNotifier>(m_fd, QSocketNotifier::Read);
        connect(m_reader.get(), &QSocketNotifier::activated, this, [this] { readSome(); });
        m_writer = std::make_unique<QSocketNotifier>(m_fd, QSocketNotifier::Write);
        m_writer->setEnabled(false);
        connect(m_writer.get(), &QSocketNotifier::activated, this, [this] { writeSome(); });
        return true;
    }
    void close()
    {
        m_reader.reset();
        m_writer.reset();
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
        m_out.clear();
    }
    bool isOpen() const { return m_fd >= 0; }
    /// A far end that stops reading (busy radio, stalled USB): the pty's buffer fills.
    void setPaused(bool paused)
    {
        if (m_reader)
            m_reader->setEnabled(!paused);
    }
    void send(const QByteArray &bytes)
    {
        m_out += bytes;
        writeSome();
    }
    qsizetype unsent() const { return m_out.size(); }

    std::function<void(QByteArrayView)> onBytes;

private:
    void readSome()
    {
        char buffer[4096];
        const ssize_t n = ::read(m_fd, buffer, sizeof buffer);
        if (n > 0) {
            if (onBytes)
                onBytes(QByteArrayView(buffer, n));
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            close(); // the pty went away
        }
    }
    void writeSome()
    {
        while (m_fd >= 0 && !m_out.isEmpty()) {
            const ssize_t n = ::write(m_fd, m_out.constData(), size_t(m_out.size()));
            if (n > 0) {
                m_out.remove(0, n);
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                break;
            close();
            return;
        }
        if (m_writer)
            m_writer->setEnabled(!m_out.isEmpty());
    }

    int m_fd = -1;
    QByteArray m_out;
    std::unique_ptr<QSocketNotifier> m_reader;
    std::unique_ptr<QSocketNotifier> m_writer;
};

/// Numbered frames through a link (LinkTraffic's check, with frames instead of lines).
class FrameTraffic : public LinkTraffic
{
public:
    explicit FrameTraffic(Link *link)
        : LinkTraffic(link, &frameOf, &seqOf, "frame")
    { }

    /// A V_TEXT frame from the gateway to node 12, sensor 3, that names its number.
    static QByteArray frame(int seq, quint8 destination = 12)
    {
        Protocol::Message m;
        m.setHeader(0, destination, Protocol::Command::Set, 47, 3);
        const QByteArray text = "f" + QByteArray::number(seq).rightJustified(6, '0');
        m.setString(text.constData(), size_t(text.size()));
        return QByteArray(reinterpret_cast<const char *>(m.data()), qsizetype(m.size()));
    }
    /// The number in a frame made by frame(), or -1.
    static int seqOf(const QByteArray &unit)
    {
        if (unit.size() != 14 || unit.at(7) != 'f')
            return -1;
        bool ok = false;
        const int seq = unit.mid(8).toInt(&ok);
        return ok ? seq : -1;
    }

private:
    static QByteArray frameOf(int seq) { return frame(seq); }
};

} // namespace Warden::Test
