// wardend: runs the Warden engine headless and exposes it to home-automation controllers (a
// MySensors-compatible gateway endpoint on TCP) and to other programs (a JSON API over
// WebSocket). Logs go to stderr, which the journal captures under systemd; no secret is ever
// logged, only fingerprints.
#include "config.h"
#include "daemon.h"

#include <warden/linkplugin.h>
#include <warden/version.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QLoggingCategory>
#include <QtCore/QSocketNotifier>
#include <QtCore/QTimer>

#include <csignal>
#include <cstdio>

#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace Warden::Internal {

namespace {

enum ExitCode : int {
    kExitOk = 0,
    kExitCheckFailed = 1, ///< --check-config found an error
    kExitConfig = 2, ///< the configuration is wrong (file, section and key named)
    kExitStart = 3, ///< a listener or link could not start (address in use, ...)
};

/// --exit-after at most a day: a longer scripted run is a service.
constexpr int kMaxExitAfterSeconds = 86400;

int g_signalPipe[2] = {-1, -1};

void onSignal(int signal)
{
    // Only async-signal-safe calls here: the byte wakes the event loop, which does the rest.
    const char byte = char(signal);
    const ssize_t n = ::write(g_signalPipe[1], &byte, 1);
    (void)n;
}

/// SIGTERM and SIGINT end the event loop through a self-pipe, so shutdown runs in the normal
/// flow (listeners closed, links closed, logs flushed) instead of inside a signal handler.
bool installSignalHandlers(QCoreApplication &app)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g_signalPipe) != 0)
        return false;
    auto *notifier = new QSocketNotifier(g_signalPipe[0], QSocketNotifier::Read, &app);
    QObject::connect(notifier, &QSocketNotifier::activated, &app, [&app, notifier] {
        char signal = 0;
        if (::read(g_signalPipe[0], &signal, 1) != 1)
            return;
        notifier->setEnabled(false);
        qCInfo(lcDaemon) << (signal == SIGTERM ? "SIGTERM" : "SIGINT") << "received: shutting down";
        app.quit();
    });
    struct sigaction action
    {
    };
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    return ::sigaction(SIGTERM, &action, nullptr) == 0
           && ::sigaction(SIGINT, &action, nullptr) == 0;
}

void setUpLogging(bool verbose)
{
    // Under systemd (JOURNAL_STREAM set) a "<N>" prefix gives each line its syslog priority;
    // on a terminal, a timestamp instead.
    const bool journal = qEnvironmentVariableIsSet("JOURNAL_STREAM");
    qSetMessagePattern(journal ? u"<%{if-debug}7%{endif}%{if-info}6%{endif}%{if-warning}4%{endif}"
                                 "%{if-critical}3%{endif}%{if-fatal}2%{endif}>%{category}: "
                                 "%{message}"_s
                               : u"%{time yyyy-MM-ddTHH:mm:ss.zzz} %{type} %{category}: "
                                 "%{message}"_s);
    QLoggingCategory::setFilterRules(verbose ? u"warden.*.debug=true"_s
                                             : u"*.debug=false\nqt.*.info=false"_s);
}

/// Loads the transports from the standard plugin folders, plus the installed layout's
/// relative to the program (bin/../<libdir>/warden/links).
void loadPlugins(LinkRegistry &registry)
{
    QStringList dirs = LinkRegistry::defaultDirectories();
    dirs.append(QDir::cleanPath(QCoreApplication::applicationDirPath() + u"/../"_s
                                + QStringLiteral(WARDEN_INSTALL_LIBDIR) + u"/warden/links"_s));
    dirs.removeDuplicates();
    for (const QString &dir : std::as_const(dirs)) {
        if (!QDir(dir).exists())
            continue;
        for (const LinkPluginInfo &info : registry.loadDirectory(dir)) {
            if (info.state == LinkPluginInfo::State::Loaded)
                qCDebug(lcDaemon).noquote()
                        << "transport" << info.type << info.version << "from" << info.fileName;
            else if (info.state != LinkPluginInfo::State::Duplicate)
                qCWarning(lcDaemon).noquote() << "plugin" << info.fileName
                                              << "not loaded:" << linkPluginStateName(info.state)
                                              << "-" << info.errorString;
        }
    }
}

QString describe(const ListenerConfig &listener)
{
    if (!listener.enabled)
        return u"off"_s;
    QString text = formatAddress(listener.address, listener.port);
    if (listener.tls.isEnabled())
        text += listener.tls.pinsClient() ? u" TLS (pinned client)"_s : u" TLS"_s;
    if (listener.token.isSet())
        text += u" token"_s;
    return text;
}

int run(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"wardend"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(WARDEN_VERSION_STRING));

    QCommandLineParser parser;
    parser.setApplicationDescription(
            u"Runs the Warden engine headless: a MySensors-compatible controller endpoint "
            "(TCP, like an Ethernet gateway) and a JSON API over WebSocket.\n\n"
            "With no [link/<name>] in the configuration (or no configuration at all), it runs "
            "on the simulated network: firmware nodes on a simulated bus, Warden their "
            "gateway, with a network key made for the session.\n\n"
            "Exit codes: 0 clean shutdown (SIGTERM/SIGINT, --exit-after) or a valid "
            "configuration (--check-config); 1 --check-config found an error; 2 configuration "
            "error; 3 a listener, link or the inventory could not start (e.g. another wardend "
            "holds the inventory)."_s);
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption configOption(
            u"config"_s, u"The configuration file (default: %1)."_s.arg(defaultConfigFile()),
            u"file"_s);
    const QCommandLineOption checkOption(u"check-config"_s,
                                         u"Check the configuration, report it, and exit."_s);
    const QCommandLineOption verboseOption(u"verbose"_s, u"Log debug messages too."_s);
    const QCommandLineOption simulatedOption(
            u"simulated"_s,
            u"Run on the simulated network even when links are configured (they are not "
            "opened)."_s);
    const QCommandLineOption exitAfterOption(
            u"exit-after"_s, u"Shut down cleanly after this many seconds (scripted runs)."_s,
            u"seconds"_s);
    parser.addOptions({configOption, checkOption, verboseOption, simulatedOption, exitAfterOption});
    parser.process(app);
    setUpLogging(parser.isSet(verboseOption));

    int exitAfterSeconds = 0;
    if (parser.isSet(exitAfterOption)) {
        bool ok = false;
        exitAfterSeconds = parser.value(exitAfterOption).toInt(&ok);
        if (!ok || exitAfterSeconds < 1 || exitAfterSeconds > kMaxExitAfterSeconds) {
            qCCritical(lcDaemon).noquote()
                    << u"--exit-after: \"%1\" is not a number of seconds 1..%2"_s
                               .arg(parser.value(exitAfterOption).left(20))
                               .arg(kMaxExitAfterSeconds);
            return kExitConfig;
        }
    }

    const bool check = parser.isSet(checkOption);
    const int configFailure = check ? kExitCheckFailed : kExitConfig;
    const QString file
            = parser.isSet(configOption) ? parser.value(configOption) : defaultConfigFile();
    auto config = loadConfig(file, parser.isSet(configOption));
    if (!config) {
        qCCritical(lcDaemon).noquote() << config.error().message();
        return configFailure;
    }
    if (!config->fileExists)
        qCInfo(lcDaemon).noquote() << file << "does not exist: running with the defaults";
    config->simulated = config->links.isEmpty() || parser.isSet(simulatedOption);
    // The simulated network's nodes are not a real network's: unless the file names an
    // inventory, they are kept in a database of their own next to the default one.
    if (config->simulated && !config->inventoryConfigured)
        config->inventoryFile
                = QFileInfo(config->inventoryFile).absolutePath() + u"/simulated.sqlite"_s;

    LinkRegistry registry;
    loadPlugins(registry);

    if (check) {
        // Everything start() would read, without opening anything.
        for (const LinkSection &link : std::as_const(config->links)) {
            if (auto r = linkConfiguration(*config, link, registry); !r) {
                qCCritical(lcDaemon).noquote() << r.error().message();
                return kExitCheckFailed;
            }
        }
        QString fingerprint = u"none"_s;
        if (!config->networkKeyFile.isEmpty()) {
            const auto key = loadNetworkKey(config->networkKeyFile);
            if (!key) {
                qCCritical(lcDaemon).noquote() << key.error().message();
                return kExitCheckFailed;
            }
            fingerprint = key->fingerprint();
        }
        for (const auto *listener : {&config->controller, &config->api}) {
            if (listener->enabled && listener->tls.isEnabled()) {
                if (const auto tls = loadServerTls(listener->tls); !tls) {
                    qCCritical(lcDaemon).noquote()
                            << config->file + u": "_s + tls.error().message();
                    return kExitCheckFailed;
                }
            }
        }
        std::printf("%s: configuration OK\n", qPrintable(config->file));
        std::printf("  mode: %s\n",
                    config->engine.mode == GatewayMode::HostGateway ? "host-gateway" : "classic");
        if (!config->keyStore.file.isEmpty()) {
            if (!QFileInfo(config->keyStore.file).isFile()) {
                qCCritical(lcDaemon).noquote()
                        << u"%1: [keys] store: the key store %2 does not exist"_s.arg(
                                   config->file, config->keyStore.file);
                return kExitCheckFailed;
            }
            if (config->keyStore.source == KeyStoreConfig::Source::File
                || (config->keyStore.source == KeyStoreConfig::Source::Auto
                    && !config->keyStore.passphraseFile.isEmpty())) {
                // The file's mode is checked; the store is not opened.
                if (const auto p = loadPassphrase(*config); !p) {
                    qCCritical(lcDaemon).noquote() << p.error().message();
                    return kExitCheckFailed;
                }
            }
            std::printf("  key store: %s (passphrase: %s)\n", qPrintable(config->keyStore.file),
                        passphraseSourceName(config->keyStore.source));
        } else {
            std::printf("  network key: %s\n", qPrintable(fingerprint));
        }
        for (const LinkSection &link : std::as_const(config->links))
            std::printf("  link %s: %s%s\n", qPrintable(link.name), qPrintable(link.type),
                        config->simulated ? " (not opened: --simulated)" : "");
        if (config->simulated)
            std::printf("  simulated network: %s\n",
                        config->links.isEmpty() ? "yes (no link configured)" : "yes");
        std::printf("  inventory: %s\n", qPrintable(config->inventoryFile));
        std::printf("  controller endpoint: %s\n", qPrintable(describe(config->controller)));
        std::printf("  JSON API: %s\n", qPrintable(describe(config->api)));
        return kExitOk;
    }

    if (!installSignalHandlers(app)) {
        qCCritical(lcDaemon) << "cannot install the SIGTERM/SIGINT handlers";
        return kExitStart;
    }
    qCInfo(lcDaemon).noquote() << "wardend" << QCoreApplication::applicationVersion()
                               << "starting with" << config->file;
    Daemon daemon(std::move(*config), registry);
    if (auto r = daemon.start(); !r) {
        qCCritical(lcDaemon).noquote() << r.error().message();
        return r.error().code() == ErrorCode::InvalidArgument ? kExitConfig : kExitStart;
    }
    if (exitAfterSeconds > 0) {
        QTimer::singleShot(std::chrono::seconds(exitAfterSeconds), &app, [&app, exitAfterSeconds] {
            qCInfo(lcDaemon) << "--exit-after" << exitAfterSeconds << "s: shutting down";
            app.quit();
        });
    }
    const int code = app.exec();
    daemon.stop();
    std::fflush(stderr);
    return code;
}

} // namespace

} // namespace Warden::Internal

int main(int argc, char **argv)
{
    return Warden::Internal::run(argc, argv);
}
