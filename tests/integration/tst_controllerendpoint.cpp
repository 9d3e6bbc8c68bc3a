// The controller endpoint against a real TCP client speaking the MySensors text protocol, with
// the engine in host-gateway mode behind it and nodes on a loopback link that sign with
// core/protocol's LegacySigner: start-up lines, relaying only verified traffic, commands from
// the controller signed towards nodes, the gateway's own duties, hostile clients cut off while
// others carry on, token authentication, the loopback rule and TLS with a pinned client.
#include "bridgefixture.h"

#include "controllerendpoint.h"

#include <warden/engine.h>
#include <warden/protocol/signing.h>

#include <QtCore/QFile>
#include <QtCore/QLoggingCategory>
#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QSslKey>
#include <QtNetwork/QSslSocket>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <memory>

using namespace Warden;
using namespace Warden::Protocol;
using namespace Qt::StringLiterals;
using Warden::Internal::AccessToken;
using Warden::Internal::ControllerEndpoint;
using Warden::Internal::ControllerEndpointSettings;
using Warden::Test::bytesOf;
using Warden::Test::decoded;
using Warden::Test::keyOf;
using Warden::Test::LoopbackLink;
using Warden::Test::makeCertificate;
using Warden::Test::TestNode;

namespace {

constexpr int kTimeoutMs = 5000;

// Everything logged during the test, to prove that no token is ever written to a log.
QStringList g_log;
QtMessageHandler g_previousHandler = nullptr;

void captureLog(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    g_log.append(message);
    if (g_previousHandler)
        g_previousHandler(type, context, message);
}

/// A controller: a TCP (or TLS) client that reads lines.
class LineClient
{
public:
    explicit LineClient(std::unique_ptr<QTcpSocket> socket = std::make_unique<QTcpSocket>())
        : m_socket(std::move(socket))
    {
        QObject::connect(m_socket.get(), &QTcpSocket::readyRead, [this] {
            m_buffer += m_socket->readAll();
            qsizetype end;
            while ((end = m_buffer.indexOf('\n')) >= 0) {
                m_lines.append(m_buffer.left(end));
                m_buffer.remove(0, end + 1);
            }
        });
    }

    bool connectTo(quint16 port)
    {
        m_socket->connectToHost(QHostAddress::LocalHost, port);
        return QTest::qWaitFor([&] { return m_socket->state() == QAbstractSocket::ConnectedState; },
                               kTimeoutMs);
    }
    /// Connects and reads the two start-up lines.
    bool connectAndGreet(quint16 port)
    {
        return connectTo(port) && waitLines(2) && (m_lines.clear(), true);
    }
    bool waitLines(qsizetype n)
    {
        return QTest::qWaitFor([&] { return m_lines.size() >= n; }, kTimeoutMs);
    }
    bool waitDisconnected()
    {
        return QTest::qWaitFor(
                [&] { return m_socket->state() == QAbstractSocket::UnconnectedState; }, kTimeoutMs);
    }
    void send(const QByteArray &bytes)
    {
        m_socket->write(bytes);
        m_socket->flush();
    }
    QByteArrayList &lines() { return m_lines; }
    QTcpSocket &socket() { return *m_socket; }

private:
    std::unique_ptr<QTcpSocket> m_socket;
    QByteArray m_buffer;
    QByteArrayList m_lines;
};

struct Rig : Warden::Test::BridgeRig<ControllerEndpoint, ControllerEndpointSettings>
{
    using BridgeRig::BridgeRig;

    /// A verified reading from node 5, and the line a controller must see for it.
    QByteArray injectVerified(float value = 21.5f)
    {
        link.inject(bytesOf(node.signedFrame(link, node.temperature(value))));
        return "5;1;1;0;0;" + QByteArray::number(double(value), 'f', 2);
    }
    /// Frames the engine wrote to the link since the last call, decoded.
    QList<Message> writtenFrames()
    {
        QList<Message> out;
        for (const QByteArray &frame : link.takeWritten())
            out.append(decoded(frame));
        return out;
    }

    ControllerEndpoint &endpoint = server;
};

} // namespace

class tst_ControllerEndpoint : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        g_previousHandler = qInstallMessageHandler(captureLog);
        QLoggingCategory::setFilterRules(u"warden.*.debug=false"_s);
    }

    void sendsTheGatewayStartUpLines()
    {
        Rig rig;
        QVERIFY(rig.listen());
        QVERIFY(rig.endpoint.serverPort() != 0);
        QVERIFY(rig.endpoint.serverAddress().isLoopback());
        QSignalSpy ready(&rig.endpoint, &ControllerEndpoint::clientReady);
        LineClient client;
        QVERIFY(client.connectTo(rig.endpoint.serverPort()));
        QVERIFY(client.waitLines(2));
        QCOMPARE(client.lines().at(0), QByteArray("0;255;3;0;14;Gateway startup complete."));
        QCOMPARE(client.lines().at(1), QByteArray("0;255;0;0;18;2.3.2"));
        QCOMPARE(ready.size(), 1);
        QCOMPARE(rig.endpoint.statistics().clients, 1);
        QCOMPARE(rig.endpoint.clients().size(), 1);
        QVERIFY(rig.endpoint.clients().at(0).authenticated);
    }

    void relaysOnlyVerifiedTraffic()
    {
        Rig rig;
        QVERIFY(rig.listen());
        LineClient client;
        QVERIFY(client.connectAndGreet(rig.endpoint.serverPort()));
        QSignalSpy traffic(&rig.engine, &Engine::traffic);

        // A forged reading (a thief with the wrong key) and a replayed one come first; the
        // first line the controller gets must be the verified reading that follows them.
        TestNode thief(5, keyOf(99));
        rig.link.inject(bytesOf(thief.signedFrame(rig.link, thief.temperature(99.0f))));
        QCOMPARE(traffic.last().at(0).value<TrafficRecord>().verdict, FrameVerdict::BadSignature);
        const Message honest = rig.node.signedFrame(rig.link, rig.node.temperature(21.5f));
        rig.link.inject(bytesOf(honest));
        rig.link.inject(bytesOf(honest)); // replay
        QCOMPARE(traffic.last().at(0).value<TrafficRecord>().verdict, FrameVerdict::NoNonce);
        const QByteArray expected = rig.injectVerified(22.25f);

        QVERIFY(client.waitLines(2));
        QCOMPARE(client.lines().at(0), QByteArray("5;1;1;0;0;21.50"));
        QCOMPARE(client.lines().at(1), expected);
        // Only the two verified readings went out (plus the two start-up lines).
        QCOMPARE(rig.endpoint.statistics().linesOut, quint64(4));
    }

    void engineMessagesWithoutLineFormAreSkipped()
    {
        Rig rig({}, [] {
            EngineOptions o;
            o.requireSignatures = false;
            return o;
        }());
        QVERIFY(rig.listen());
        LineClient client;
        QVERIFY(client.connectAndGreet(rig.endpoint.serverPort()));
        // A string payload with a line feed would forge a second line: never relayed.
        Message evil;
        evil.setHeader(7, 0, Command::Set, uint8_t(Value::Text), 1);
        evil.setString("1\n9;9;1;0;2;1", 13);
        rig.link.inject(bytesOf(evil));
        Message fine;
        fine.setHeader(7, 0, Command::Set, uint8_t(Value::Text), 1);
        fine.setString("ok", 2);
        rig.link.inject(bytesOf(fine));
        QVERIFY(client.waitLines(1));
        QCOMPARE(client.lines().at(0), QByteArray("7;1;1;0;47;ok"));
        QCOMPARE(rig.endpoint.statistics().unrenderable, quint64(1));
    }

    void commandIsSignedForANodeThatRequiresIt()
    {
        Rig rig;
        QVERIFY(rig.listen());
        LineClient client;
        QVERIFY(client.connectAndGreet(rig.endpoint.serverPort()));
        Message presentation;
        makeSigningPresentation(presentation, 5, 0, {true, false});
        rig.link.inject(bytesOf(presentation));
        rig.link.takeWritten();

        client.send("5;1;1;0;2;1\n");
        QList<Message> out;
        QVERIFY(QTest::qWaitFor(
                [&] {
                    out += rig.writtenFrames();
                    return !out.isEmpty();
                },
                kTimeoutMs));
        QCOMPARE(out.size(), 1);
        QCOMPARE(out.at(0).type(), uint8_t(Protocol::Internal::NonceRequest));
        QCOMPARE(out.at(0).destination(), uint8_t(5));

        // Node 5 answers with a nonce of its own and checks what comes back.
        NonceSlot slot;
        uint8_t random[kNoncePayloadSize];
        for (size_t i = 0; i < sizeof random; ++i)
            random[i] = uint8_t(3 * i + 1);
        slot.issue(random, 0);
        Message response;
        response.setHeader(5, 0, Command::Internal, uint8_t(Protocol::Internal::NonceResponse),
                           255);
        response.setPayload(PayloadType::Custom, slot.payload(), kNoncePayloadSize);
        rig.link.inject(bytesOf(response));
        out = rig.writtenFrames();
        QCOMPARE(out.size(), 1);
        const Message command = out.at(0);
        QVERIFY(command.isSigned());
        QCOMPARE(verifyReceived(rig.node.signer, command, slot, 100, nullptr), Verdict::Verified);
        QCOMPARE(command.sender(), uint8_t(0));
        QCOMPARE(command.destination(), uint8_t(5));
        QCOMPARE(command.sensor(), uint8_t(1));
        QCOMPARE(command.command(), Command::Set);
        QCOMPARE(command.type(), uint8_t(Value::Status));
        QCOMPARE(QByteArray(reinterpret_cast<const char *>(command.payload()),
                            command.payloadLength()),
                 QByteArray("1"));
        QCOMPARE(rig.endpoint.statistics().sent, quint64(1));
    }

    void commandToANodeWithoutSigning_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<int>("payloadType");
        QTest::addColumn<QByteArray>("payload");
        QTest::newRow("string") << QByteArray("6;2;1;1;2;on") << int(PayloadType::String)
                                << QByteArray("on");
        QTest::newRow("empty payload is P_BYTE 0")
                << QByteArray("6;2;1;0;2") << int(PayloadType::Byte) << QByteArray(1, '\0');
        QTest::newRow("stream hex") << QByteArray("6;2;4;0;3;0a0B") << int(PayloadType::Custom)
                                    << QByteArray("\x0a\x0b", 2);
        QTest::newRow("CR LF ending")
                << QByteArray("6;2;1;0;2;1\r") << int(PayloadType::String) << QByteArray("1");
    }

    void commandToANodeWithoutSigning()
    {
        QFETCH(QByteArray, line);
        QFETCH(int, payloadType);
        QFETCH(QByteArray, payload);
        Rig rig;
        QVERIFY(rig.listen());
        LineClient client;
        QVERIFY(client.connectAndGreet(rig.endpoint.serverPort()));
        rig.link.takeWritten();
        client.send(line + '\n');
        QList<Message> out;
        QVERIFY(QTest::qWaitFor(
                [&] {
                    out += rig.writtenFrames();
                    return !out.isEmpty();
                },
                kTimeoutMs));
        const Message m = out.at(0);
        QVERIFY(!m.isSigned());
        QCOMPARE(m.sender(), uint8_t(0));
        QCOMPARE(m.destination(), uint8_t(6));
        QCOMPARE(m.sensor(), uint8_t(2));
        QCOMPARE(int(m.payloadType()), payloadType);
        QCOMPARE(QByteArray(reinterpret_cast<const char *>(m.payload()), m.payloadLength()),
                 payload);
        QCOMPARE(m.requestEcho(), line.split(';').at(3) == "1");
    }

    void answersForTheGatewayItself()
    {
        Rig rig;
        QVERIFY(rig.listen());
        QSignalSpy metric(&rig.endpoint, &ControllerEndpoint::metricChanged);
        LineClient client;
        QVERIFY(client.connectAndGreet(rig.endpoint.serverPort()));
        rig.link.takeWritten();
        client.send("0;255;3;0;2;\n");
        QVERIFY(client.waitLines(1));
        QCOMPARE(client.lines().takeFirst(), QByteArray("0;255;3;0;2;2.3.2"));
        // Request-echo: the echo first, then the answer (spec 2.5).
        client.send("0;255;3;1;2;\n");
        QVERIFY(client.waitLines(2));
        QCOMPARE(client.lines().takeFirst(), QByteArray("0;255;3;1;2;"));
        QCOMPARE(client.lines().takeFirst(), QByteArray("0;255;3;0;2;2.3.2"));
        client.send("0;255;3;0;6;I\n0;255;3;0;18;\n");
        QVERIFY(client.waitLines(1));
        QVERIFY(client.lines().takeFirst().startsWith("0;255;3;0;22;"));
        QCOMPARE(metric.size(), 1);
        QVERIFY(!rig.endpoint.metric());
        client.send("0;255;3;0;19;\n");
        QVERIFY(client.waitLines(1));
        QCOMPARE(client.lines().takeFirst(), QByteArray("0;255;0;0;18;2.3.2"));
        // Nothing addressed to the gateway went on the radio.
        QVERIFY(rig.link.takeWritten().isEmpty());
        QCOMPARE(rig.endpoint.statistics().toGateway, quint64(5));
    }

    void theEngineOwnsIdAssignment()
    {
        Rig rig;
        QVERIFY(rig.listen());
        LineClient client;
        QVERIFY(client.connectAndGreet(rig.endpoint.serverPort()));
        Message request;
        request.setHeader(255, 0, Command::Internal, uint8_t(Protocol::Internal::IdRequest), 42);
        request.setString("", 0);
        rig.link.takeWritten();
        rig.link.inject(bytesOf(request));
        QCOMPARE(rig.writtenFrames().at(0).type(), uint8_t(Protocol::Internal::IdResponse));
        // A controller's own answer would hand the node a competing id: it is not sent.
        client.send("255;42;3;0;4;9\n0;255;3;0;2;\n");
        QVERIFY(client.waitLines(1));
        // The request was not relayed (the version reply is the first line) ...
        QCOMPARE(client.lines().at(0), QByteArray("0;255;3;0;2;2.3.2"));
        // ... and the controller's answer never reached the radio.
        QVERIFY(rig.link.takeWritten().isEmpty());
    }

    void hostileClientIsCutOffOthersCarryOn_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("reason");
        QTest::addColumn<int>("malformed");
        QTest::newRow("garbage") << QByteArray("hello world\n").repeated(5) << u"malformed"_s << 5;
        QTest::newRow("out of range")
                << QByteArray("6;1;9;0;2;1\n").repeated(5) << u"malformed"_s << 5;
        QTest::newRow("control bytes")
                << QByteArray("6;1;1;0\x01;2;1\n").repeated(5) << u"malformed"_s << 5;
        QTest::newRow("payload too long")
                << QByteArray("6;1;1;0;2;" + QByteArray(40, 'x') + '\n').repeated(5)
                << u"malformed"_s << 5;
        QTest::newRow("oversized, no line end")
                << QByteArray(3000, 'A') << u"without a line end"_s << 1;
        QTest::newRow("flood") << QByteArray("6;1;1;0;2;1\n").repeated(1000) << u"flood"_s << 0;
    }

    void hostileClientIsCutOffOthersCarryOn()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, reason);
        QFETCH(int, malformed);
        Rig rig;
        QVERIFY(rig.listen());
        QSignalSpy dropped(&rig.endpoint, &ControllerEndpoint::clientDropped);
        LineClient good;
        QVERIFY(good.connectAndGreet(rig.endpoint.serverPort()));
        LineClient hostile;
        QVERIFY(hostile.connectAndGreet(rig.endpoint.serverPort()));
        hostile.send(bytes);
        QVERIFY(hostile.waitDisconnected());
        QCOMPARE(dropped.size(), 1);
        QVERIFY2(dropped.at(0).at(1).toString().contains(reason),
                 qPrintable(dropped.at(0).at(1).toString()));
        QCOMPARE(rig.endpoint.statistics().malformed, quint64(malformed));
        QCOMPARE(rig.endpoint.statistics().disconnected, quint64(1));
        QCOMPARE(rig.endpoint.statistics().clients, 1);

        // The other controller still gets verified traffic and is still heard.
        const QByteArray expected = rig.injectVerified();
        QVERIFY(good.waitLines(1));
        QCOMPARE(good.lines().takeFirst(), expected);
        good.send("0;255;3;0;2;\n");
        QVERIFY(good.waitLines(1));
        QCOMPARE(good.lines().takeFirst(), QByteArray("0;255;3;0;2;2.3.2"));
    }

    void afewMalformedLinesAreTolerated()
    {
        Rig rig;
        QVERIFY(rig.listen());
        LineClient client;
        QVERIFY(client.connectAndGreet(rig.endpoint.serverPort()));
        // Four bad lines (a stock gateway drops them silently; so does Warden) and an
        // oversized one that ends: below the limit of five, the client stays.
        client.send("x\n;;;\n1;2\n" + QByteArray(150, '7') + "\n0;255;3;0;2;\n");
        QVERIFY(client.waitLines(1));
        QCOMPARE(client.lines().at(0), QByteArray("0;255;3;0;2;2.3.2"));
        QCOMPARE(rig.endpoint.statistics().malformed, quint64(4));
        QCOMPARE(rig.endpoint.clients().at(0).malformed, quint64(4));
        QCOMPARE(client.socket().state(), QAbstractSocket::ConnectedState);
    }

    void tooManyClients()
    {
        ControllerEndpointSettings settings;
        settings.maxClients = 2;
        Rig rig(settings);
        QVERIFY(rig.listen());
        LineClient a, b, c;
        QVERIFY(a.connectAndGreet(rig.endpoint.serverPort()));
        QVERIFY(b.connectAndGreet(rig.endpoint.serverPort()));
        QVERIFY(c.connectTo(rig.endpoint.serverPort()));
        QVERIFY(c.waitDisconnected());
        QVERIFY(c.lines().isEmpty());
        QCOMPARE(rig.endpoint.statistics().rejectedConnections, quint64(1));
        const QByteArray expected = rig.injectVerified();
        QVERIFY(a.waitLines(1));
        QVERIFY(b.waitLines(1));
        QCOMPARE(b.lines().at(0), expected);
    }

    void tokenAuthentication()
    {
        const QString secret = u"k7Qz-token-not-in-any-log"_s;
        ControllerEndpointSettings settings;
        settings.token = *AccessToken::fromText(secret);
        settings.authTimeout = std::chrono::milliseconds(1000);
        Rig rig(settings);
        QVERIFY(rig.listen());
        QSignalSpy dropped(&rig.endpoint, &ControllerEndpoint::clientDropped);
        const quint16 port = rig.endpoint.serverPort();

        // Nothing reaches a client before it authenticates, not even the start-up lines.
        LineClient right;
        QVERIFY(right.connectTo(port));
        QVERIFY(QTest::qWaitFor([&] { return rig.endpoint.statistics().clients == 1; },
                                kTimeoutMs));
        rig.injectVerified();
        right.send("warden-auth " + secret.toUtf8() + "\n");
        QVERIFY(right.waitLines(2));
        QCOMPARE(right.lines().at(0), QByteArray("0;255;3;0;14;Gateway startup complete."));
        right.lines().clear();

        LineClient wrong;
        QVERIFY(wrong.connectTo(port));
        LineClient noAuthLine;
        QVERIFY(noAuthLine.connectTo(port));
        LineClient silent;
        QVERIFY(silent.connectTo(port));
        wrong.send("warden-auth " + secret.toUtf8() + "x\n");
        QVERIFY(wrong.waitDisconnected());
        noAuthLine.send("0;255;3;0;2;\n");
        QVERIFY(noAuthLine.waitDisconnected());
        QVERIFY(silent.waitDisconnected()); // the authentication timeout

        QVERIFY(wrong.lines().isEmpty());
        QVERIFY(noAuthLine.lines().isEmpty());
        QVERIFY(silent.lines().isEmpty());
        QCOMPARE(rig.endpoint.statistics().authFailures, quint64(3));
        QCOMPARE(dropped.size(), 3);

        const QByteArray expected = rig.injectVerified(18.0f);
        QVERIFY(right.waitLines(1));
        QCOMPARE(right.lines().at(0), expected);
        for (const QString &line : std::as_const(g_log))
            QVERIFY2(!line.contains(u"k7Qz"), qPrintable(line));
    }

    void refusesTheNetworkWithoutAuthentication()
    {
        ControllerEndpointSettings settings;
        settings.address = QHostAddress(QHostAddress::AnyIPv4);
        {
            Rig rig(settings);
            const auto r = rig.endpoint.listen();
            QVERIFY(!r);
            QVERIFY2(r.error().message().contains(u"loopback"), qPrintable(r.error().message()));
            QVERIFY(!rig.endpoint.isListening());
        }
        {
            // TLS alone lets anyone in: not enough either.
            settings.tls.certificateFile = u"server.crt"_s;
            settings.tls.keyFile = u"server.key"_s;
            Rig rig(settings);
            QVERIFY(!rig.endpoint.listen());
        }
        {
            settings.tls = {};
            settings.token = *AccessToken::fromText(u"tok"_s);
            Rig rig(settings);
            QVERIFY(rig.listen());
        }
        QVERIFY(!AccessToken::fromText(u""_s));
        QVERIFY(!AccessToken::fromText(u"has space"_s));
        QVERIFY(!AccessToken::fromText(QString(100, u'x')));
    }

    void tlsWithAPinnedClientCertificate()
    {
        if (!QSslSocket::supportsSsl())
            QSKIP("no TLS backend");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        if (!makeCertificate(dir.path(), u"server"_s) || !makeCertificate(dir.path(), u"client"_s))
            QSKIP("openssl could not make test certificates");
        const auto clientCerts = QSslCertificate::fromPath(dir.filePath(u"client.crt"_s));
        QCOMPARE(clientCerts.size(), 1);
        QFile keyFile(dir.filePath(u"client.key"_s));
        QVERIFY(keyFile.open(QIODevice::ReadOnly));
        const QSslKey clientKey(&keyFile, QSsl::Ec);
        QVERIFY(!clientKey.isNull());

        ControllerEndpointSettings settings;
        settings.tls.certificateFile = dir.filePath(u"server.crt"_s);
        settings.tls.keyFile = dir.filePath(u"server.key"_s);
        settings.tls.clientFingerprint = QString::fromLatin1(
                clientCerts.at(0).digest(QCryptographicHash::Sha256).toHex(':'));
        Rig rig(settings);
        QVERIFY(rig.listen());
        QVERIFY(rig.endpoint.isSecure());

        auto tlsClient = [&](bool withCertificate) {
            auto socket = std::make_unique<QSslSocket>();
            socket->setPeerVerifyMode(QSslSocket::VerifyNone); // the server's is self-signed
            if (withCertificate) {
                socket->setLocalCertificate(clientCerts.at(0));
                socket->setPrivateKey(clientKey);
            }
            socket->connectToHostEncrypted(u"127.0.0.1"_s, rig.endpoint.serverPort());
            return std::make_unique<LineClient>(std::move(socket));
        };
        auto pinned = tlsClient(true);
        QVERIFY(pinned->waitLines(2));
        QCOMPARE(pinned->lines().at(1), QByteArray("0;255;0;0;18;2.3.2"));
        auto stranger = tlsClient(false);
        QVERIFY(stranger->waitDisconnected());
        QVERIFY(stranger->lines().isEmpty());
        QVERIFY(rig.endpoint.statistics().authFailures >= 1);

        pinned->lines().clear();
        const QByteArray expected = rig.injectVerified();
        QVERIFY(pinned->waitLines(1));
        QCOMPARE(pinned->lines().at(0), expected);

        // A private key that others can read is refused.
        QVERIFY(QFile::setPermissions(settings.tls.keyFile,
                                      QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther));
        ControllerEndpoint loose(&rig.engine, settings);
        const auto r = loose.listen();
        QVERIFY(!r);
        QVERIFY2(r.error().message().contains(u"readable"), qPrintable(r.error().message()));
    }
};

QTEST_GUILESS_MAIN(tst_ControllerEndpoint)
#include "tst_controllerendpoint.moc"
