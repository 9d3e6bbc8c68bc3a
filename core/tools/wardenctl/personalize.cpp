// wardenctl personalize: one Warden node on a USB serial port gets fresh keys through
// Warden::PersonalizationStation and is recorded in the key store and the inventory. Only
// fingerprints are printed. The port is opened here (Qt Serial Port): core does not link it.
#include "commands.h"

#include <warden/inventory.h>
#include <warden/keystore.h>
#include <warden/personalizationstation.h>

#include <QtCore/QJsonArray>
#include <QtCore/QProcessEnvironment>
#include <QtSerialPort/QSerialPort>

#include <cstdio>
#include <termios.h>
#include <unistd.h>

namespace Warden::Tools {

std::optional<StoreAndInventory> openStoreAndInventory(Cli &cli, const QCommandLineParser &parser,
                                                       int &exitCode)
{
    const auto secret = passphrase(cli);
    if (!secret) {
        exitCode = cli.fail(kExitUsage, QStringLiteral("passphrase"),
                            QStringLiteral("set WARDEN_PASSPHRASE or run on a terminal"));
        return std::nullopt;
    }
    auto store = KeyStore::open(parser.value(QStringLiteral("store")), *secret);
    if (!store) {
        exitCode = cli.fail(kExitFailed, QStringLiteral("store"), store.error().message());
        return std::nullopt;
    }
    auto inventory = Inventory::open(parser.value(QStringLiteral("inventory")));
    if (!inventory) {
        exitCode = cli.fail(kExitFailed, QStringLiteral("inventory"), inventory.error().message());
        return std::nullopt;
    }
    return StoreAndInventory {std::move(*store), std::move(*inventory)};
}

std::optional<SecretBytes> passphrase(Cli &cli)
{
    const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (env.contains(QStringLiteral("WARDEN_PASSPHRASE")))
        return KeyStore::passphraseFromText(env.value(QStringLiteral("WARDEN_PASSPHRASE")));
    if (!isatty(STDIN_FILENO))
        return std::nullopt;
    cli.err() << "Key store passphrase: " << Qt::flush;
    termios saved {};
    const bool terminal = tcgetattr(STDIN_FILENO, &saved) == 0;
    if (terminal) {
        termios quiet = saved;
        quiet.c_lflag &= ~tcflag_t(ECHO);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    QByteArray typed;
    int c;
    while ((c = std::getchar()) != EOF && c != '\n')
        typed.append(char(c));
    if (terminal)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    cli.err() << '\n' << Qt::flush;
    SecretBytes out = KeyStore::passphraseFromText(QString::fromUtf8(typed));
    typed.fill('\0');
    return out;
}

QList<QCommandLineOption> personalizeOptions()
{
    return {
            QCommandLineOption(QStringLiteral("port"),
                               QStringLiteral("The node's serial port (/dev/ttyUSB0, ...)."),
                               QStringLiteral("device")),
            QCommandLineOption(QStringLiteral("node-id"),
                               QStringLiteral("The node id to give it (1..254)."),
                               QStringLiteral("id")),
            QCommandLineOption(QStringLiteral("store"),
                               QStringLiteral("The key store file (passphrase: "
                                              "WARDEN_PASSPHRASE, or typed)."),
                               QStringLiteral("file")),
            QCommandLineOption(QStringLiteral("inventory"),
                               QStringLiteral("The inventory database (created if missing)."),
                               QStringLiteral("file")),
            QCommandLineOption(QStringLiteral("link-key"),
                               QStringLiteral("Also give the node a link key of its own.")),
            QCommandLineOption(QStringLiteral("epoch"),
                               QStringLiteral("The network key's epoch (default: the store's "
                                              "active one)."),
                               QStringLiteral("n")),
            QCommandLineOption(QStringLiteral("baud"),
                               QStringLiteral("The port's speed (default 115200)."),
                               QStringLiteral("rate")),
            QCommandLineOption(QStringLiteral("replace"),
                               QStringLiteral("Re-personalize a node the store has keys for.")),
            QCommandLineOption(QStringLiteral("readmit"),
                               QStringLiteral("The node id is revoked: personalize it and lift "
                                              "the revocation with the new keys (audit "
                                              "\"readmit\"). A revoked id is refused without "
                                              "it.")),
            QCommandLineOption(QStringLiteral("why"),
                               QStringLiteral("The readmission's reason, for the audit log."),
                               QStringLiteral("text")),
    };
}

int runPersonalize(Cli &cli, const QCommandLineParser &parser, const QStringList &args)
{
    const QString what = QStringLiteral("personalize");
    if (!args.isEmpty())
        return cli.fail(kExitUsage, what, QStringLiteral("takes no argument"));
    for (const char *name : {"port", "node-id", "store", "inventory"})
        if (!parser.isSet(QLatin1String(name)))
            return cli.fail(kExitUsage, what,
                            QStringLiteral("--%1 is required").arg(QLatin1String(name)));
    auto nodeId = numberOption(parser, QStringLiteral("node-id"), 1, 254, 0);
    if (!nodeId)
        return cli.fail(nodeId.error());
    auto epoch = numberOption(parser, QStringLiteral("epoch"), 1, 65535, 0);
    if (!epoch)
        return cli.fail(epoch.error());
    auto baud = numberOption(parser, QStringLiteral("baud"), 300, 4000000, 115200);
    if (!baud)
        return cli.fail(baud.error());

    int exitCode = 0;
    auto opened = openStoreAndInventory(cli, parser, exitCode);
    if (!opened)
        return exitCode;
    KeyStore &store = opened->store;
    Inventory &inventory = *opened->inventory;

    QSerialPort port;
    port.setPortName(parser.value(QStringLiteral("port")));
    if (!port.open(QIODevice::ReadWrite))
        return cli.fail(kExitFailed, QStringLiteral("port"),
                        QStringLiteral("cannot open the port: %1").arg(port.errorString()));
    port.setBaudRate(qint32(*baud));

    PersonalizationRequest request;
    request.nodeId = quint8(*nodeId);
    request.networkEpoch = quint16(*epoch);
    request.generateLinkKey = parser.isSet(QStringLiteral("link-key"));
    request.replaceExisting = parser.isSet(QStringLiteral("replace"));
    request.readmit = parser.isSet(QStringLiteral("readmit"));
    request.readmitWhy = parser.value(QStringLiteral("why"));
    request.who = QStringLiteral("wardenctl");
    PersonalizationStation station(&store, &inventory);
    auto report = station.personalize(&port, request);
    if (!report)
        return cli.fail(kExitFailed, what, report.error().message());

    const auto orNone = [](const QString &s) { return s.isEmpty() ? QStringLiteral("-") : s; };
    QStringList listed;
    for (quint8 id : report->whitelist)
        listed << QString::number(id);
    if (cli.json()) {
        QJsonArray whitelist;
        for (quint8 id : report->whitelist)
            whitelist.append(int(id));
        cli.printJson({{QStringLiteral("node"), int(report->nodeId)},
                       {QStringLiteral("serial"), report->serialHex},
                       {QStringLiteral("link_key"), report->linkKeyFingerprint},
                       {QStringLiteral("network_key"), report->networkKeyFingerprint},
                       {QStringLiteral("epoch"), int(report->networkEpoch)},
                       {QStringLiteral("management_key"), report->managementKeyFingerprint},
                       {QStringLiteral("policy"), int(report->policy)},
                       {QStringLiteral("whitelist"), whitelist},
                       {QStringLiteral("commit"), qint64(report->commitSequence)},
                       {QStringLiteral("firmware"), report->firmwareVersion},
                       {QStringLiteral("audit_id"), report->auditId},
                       {QStringLiteral("readmit_audit_id"), report->readmissionAuditId}});
        return kExitOk;
    }
    cli.field(QStringLiteral("node"), QString::number(report->nodeId));
    cli.field(QStringLiteral("firmware"), report->firmwareVersion);
    cli.field(QStringLiteral("serial"), report->serialHex);
    cli.field(QStringLiteral("network key"), QStringLiteral("%1 (epoch %2)")
                                                     .arg(orNone(report->networkKeyFingerprint))
                                                     .arg(report->networkEpoch));
    cli.field(QStringLiteral("link key"), orNone(report->linkKeyFingerprint));
    cli.field(QStringLiteral("management key"), report->managementKeyFingerprint);
    cli.field(QStringLiteral("policy"),
              QStringLiteral("%1").arg(report->policy, 2, 16, QLatin1Char('0')));
    cli.field(QStringLiteral("whitelist"),
              listed.isEmpty() ? QStringLiteral("-") : listed.join(QStringLiteral(", ")));
    cli.field(QStringLiteral("commit"), QString::number(report->commitSequence));
    cli.line(QStringLiteral("Read back and recorded in the key store and the inventory."));
    if (report->readmissionAuditId != 0)
        cli.line(QStringLiteral("Readmitted: the revocation of node %1 is lifted (audit entry %2).")
                         .arg(report->nodeId)
                         .arg(report->readmissionAuditId));
    // wardenctl works on the files alone; a running wardend holds the key store in memory and
    // reads it again only at its next start or on node.reload: say so rather than let it look
    // instant.
    cli.line(QStringLiteral("A wardend that is running now takes node %1 at its next start, or "
                            "at once through its JSON API: {\"method\": \"node.reload\", "
                            "\"params\": {\"node\": %1}}.")
                     .arg(report->nodeId));
    return kExitOk;
}

} // namespace Warden::Tools
