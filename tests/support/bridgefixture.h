// What the controller endpoint's and the JSON API's tests share: an engine in host-gateway mode
// on a loopback link with node 5 signing with the network key, a bridge listener (either) on a
// free loopback port in front of it, and self-signed certificates made with openssl.
#pragma once

#include "loopbacklink.h"
#include "testnode.h"

#include <warden/engine.h>

#include <QtCore/QFile>
#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtCore/QString>
#include <QtCore/QtDebug>

namespace Warden::Test {

/// @p Server is ControllerEndpoint or JsonApi: constructed from (Engine *, Settings), with
/// listen() returning Result<void>. The port is always 0 (a free one).
template<typename Server, typename Settings>
struct BridgeRig
{
    explicit BridgeRig(Settings settings = {}, EngineOptions options = {})
        : link(LinkFraming::RadioFrames)
        , engine(options)
        , server(&engine, anyPort(std::move(settings)))
        , node(5, keyOf(1))
    {
        if (!engine.addLink(&link) || !engine.setNetworkKey(1, keyOf(1)))
            qFatal("engine set-up");
        link.open();
    }
    static Settings anyPort(Settings s)
    {
        s.port = 0;
        return s;
    }
    /// Starts the listener; false (and the reason logged) when it cannot.
    bool listen()
    {
        const auto r = server.listen();
        if (!r)
            qWarning() << r.error().message();
        return bool(r);
    }

    LoopbackLink link;
    Engine engine;
    Server server;
    TestNode node;
};

/// Runs openssl to make <name>.crt and <name>.key (self-signed, P-256) in @p dir, the key with
/// mode 0600; false when it fails (no openssl, ...).
inline bool makeCertificate(const QString &dir, const QString &name)
{
    const QString openssl = QStandardPaths::findExecutable(QStringLiteral("openssl"));
    if (openssl.isEmpty())
        return false;
    QProcess p;
    p.start(openssl, {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                      QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                      QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                      QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-subj"),
                      QStringLiteral("/CN=%1").arg(name), QStringLiteral("-keyout"),
                      QStringLiteral("%1/%2.key").arg(dir, name), QStringLiteral("-out"),
                      QStringLiteral("%1/%2.crt").arg(dir, name)});
    if (!p.waitForFinished(15000) || p.exitCode() != 0)
        return false;
    return QFile::setPermissions(QStringLiteral("%1/%2.key").arg(dir, name),
                                 QFile::ReadOwner | QFile::WriteOwner);
}

} // namespace Warden::Test
