// The real wardend binary for the integration tests: a QProcess whose stderr is collected, the
// ports it logs, a one-shot run, and a JSON API client over a real WebSocket. Shared by
// tst_wardend and tst_wardendsecurity.
#pragma once

#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QTest>
#include <QtWebSockets/QWebSocket>

#include <csignal>
#include <functional>

namespace WardenTest {

using namespace Qt::StringLiterals;

inline constexpr int kTimeoutMs = 10000;
inline bool writeFile(const QString &path, const QByteArray &text,
                      QFile::Permissions permissions = QFile::ReadOwner | QFile::WriteOwner)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(text) != text.size())
        return false;
    f.close();
    return QFile::setPermissions(path, permissions);
}

/// Reads a stream of lines from a socket.
struct Lines
{
    explicit Lines(QTcpSocket *s)
        : socket(s)
    {
        QObject::connect(socket, &QTcpSocket::readyRead, [this] {
            buffer += socket->readAll();
            qsizetype end;
            while ((end = buffer.indexOf('\n')) >= 0) {
                lines.append(buffer.left(end));
                buffer.remove(0, end + 1);
            }
        });
    }
    /// The first line satisfying @p predicate (waits for it), removed with the lines before.
    QByteArray next(const std::function<bool(const QByteArray &)> &predicate)
    {
        QByteArray found;
        (void)QTest::qWaitFor(
                [&] {
                    while (!lines.isEmpty()) {
                        const QByteArray line = lines.takeFirst();
                        if (predicate(line)) {
                            found = line;
                            return true;
                        }
                    }
                    return false;
                },
                kTimeoutMs);
        return found;
    }

    QTcpSocket *socket;
    QByteArray buffer;
    QByteArrayList lines;
};

/// A running wardend whose stderr is collected.
class Wardend
{
public:
    bool start(const QString &config, const QStringList &extra = {})
    {
        QObject::connect(&process, &QProcess::readyReadStandardError,
                         [this] { log += process.readAllStandardError(); });
        process.start(QStringLiteral(WARDEND_PATH), QStringList {u"--config"_s, config} + extra);
        return process.waitForStarted(kTimeoutMs);
    }
    /// Waits until the log holds @p text (or wardend ended).
    bool waitLog(const QByteArray &text)
    {
        return QTest::qWaitFor(
                       [&] {
                           return log.contains(text) || process.state() == QProcess::NotRunning;
                       },
                       kTimeoutMs)
               && log.contains(text);
    }
    /// The port in the log line "<what> listening on <scheme>127.0.0.1:<port>".
    quint16 port(const QString &what)
    {
        const QRegularExpression re(what + u" listening on [a-z:/]*127\\.0\\.0\\.1:(\\d+)"_s);
        quint16 port = 0;
        (void)QTest::qWaitFor(
                [&] {
                    const auto match = re.match(QString::fromUtf8(log));
                    if (match.hasMatch())
                        port = quint16(match.captured(1).toUInt());
                    return port != 0 || process.state() == QProcess::NotRunning;
                },
                kTimeoutMs);
        return port;
    }
    /// Sends @p signal; true when wardend exits with code 0 within the timeout.
    bool stop(int signal = SIGTERM)
    {
        ::kill(pid_t(process.processId()), signal);
        if (!process.waitForFinished(kTimeoutMs))
            return false;
        log += process.readAllStandardError();
        return process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
    }
    ~Wardend()
    {
        if (process.state() != QProcess::NotRunning) {
            process.kill();
            process.waitForFinished(kTimeoutMs);
        }
    }

    QProcess process;
    QByteArray log;
};

struct Outcome
{
    int exitCode = -1;
    QString out;
    QString err;
};

inline Outcome runWardend(const QStringList &arguments)
{
    QProcess p;
    p.start(QStringLiteral(WARDEND_PATH), arguments);
    Outcome o;
    if (!p.waitForFinished(kTimeoutMs) || p.exitStatus() != QProcess::NormalExit)
        return o;
    o.exitCode = p.exitCode();
    o.out = QString::fromUtf8(p.readAllStandardOutput());
    o.err = QString::fromUtf8(p.readAllStandardError());
    return o;
}

/// A JSON API client for one request at a time.
struct Api
{
    bool open(quint16 port)
    {
        QObject::connect(&socket, &QWebSocket::textMessageReceived, [this](const QString &text) {
            responses.append(QJsonDocument::fromJson(text.toUtf8()).object());
        });
        socket.open(QUrl(u"ws://127.0.0.1:%1"_s.arg(port)));
        return QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::ConnectedState; },
                               kTimeoutMs);
    }
    /// The result of @p method (an empty value on error or timeout).
    QJsonValue call(const QString &method, const QJsonObject &params = {})
    {
        const int id = ++lastId;
        QJsonObject request {{u"id"_s, id}, {u"method"_s, method}};
        if (!params.isEmpty())
            request.insert(u"params"_s, params);
        socket.sendTextMessage(QString::fromUtf8(QJsonDocument(request).toJson()));
        QJsonValue result;
        lastError = QJsonObject();
        (void)QTest::qWaitFor(
                [&] {
                    for (const QJsonObject &r : std::as_const(responses)) {
                        if (r.value(u"id").toInt() == id && !r.contains(u"event")) {
                            result = r.value(u"result");
                            lastError = r.value(u"error").toObject();
                            return true;
                        }
                    }
                    return false;
                },
                kTimeoutMs);
        return result;
    }
    /// The error code of the last call ("" when it succeeded).
    QString lastErrorCode() const { return lastError.value(u"code").toString(); }
    /// Waits for an event @p name whose data satisfies @p predicate; its data (empty: none).
    QJsonObject waitEvent(const QString &name,
                          const std::function<bool(const QJsonObject &)> &predicate,
                          int timeoutMs = kTimeoutMs)
    {
        QJsonObject found;
        (void)QTest::qWaitFor(
                [&] {
                    for (const QJsonObject &r : std::as_const(responses)) {
                        if (r.value(u"event").toString() == name
                            && predicate(r.value(u"data").toObject())) {
                            found = r.value(u"data").toObject();
                            return true;
                        }
                    }
                    return false;
                },
                timeoutMs);
        return found;
    }
    /// Node ids in the "nodes" result whose verified counter is above zero.
    QList<int> verifiedNodes()
    {
        QList<int> ids;
        for (const QJsonValue &v : call(u"nodes"_s).toObject().value(u"nodes").toArray()) {
            const QJsonObject node = v.toObject();
            if (node.value(u"verdicts").toObject().value(u"verified").toInteger() > 0)
                ids.append(node.value(u"id").toInt());
        }
        return ids;
    }

    QWebSocket socket;
    QList<QJsonObject> responses; ///< responses and events, as received
    QJsonObject lastError;
    int lastId = 0;
};

} // namespace WardenTest
