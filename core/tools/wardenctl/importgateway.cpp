// wardenctl import-gateway: a Linux gateway's mysensors.conf (and EEPROM image) taken over into
// the key store and the inventory through Warden::GatewayImport. Only fingerprints are printed.
#include "commands.h"

#include <warden/gatewayimport.h>
#include <warden/inventory.h>
#include <warden/keystore.h>

#include <QtCore/QFile>
#include <QtCore/QJsonArray>

namespace Warden::Tools {

QList<QCommandLineOption> importGatewayOptions()
{
    return {
            QCommandLineOption(QStringLiteral("conf"),
                               QStringLiteral("The gateway's mysensors.conf."),
                               QStringLiteral("file")),
            QCommandLineOption(QStringLiteral("eeprom"),
                               QStringLiteral("The gateway's EEPROM image (default: the conf's "
                                              "eeprom_file, when it exists)."),
                               QStringLiteral("file")),
            QCommandLineOption(QStringLiteral("whitelist"),
                               QStringLiteral("The gateway's --my-signing-whitelist=\"{...}\" "
                                              "configure option (or its whole configure line)."),
                               QStringLiteral("option")),
            QCommandLineOption(QStringLiteral("whitelist-file"),
                               QStringLiteral("A file holding the configure line or option."),
                               QStringLiteral("file")),
            QCommandLineOption(QStringLiteral("store"),
                               QStringLiteral("The key store file (passphrase: "
                                              "WARDEN_PASSPHRASE, or typed)."),
                               QStringLiteral("file")),
            QCommandLineOption(QStringLiteral("inventory"),
                               QStringLiteral("The inventory database (created if missing)."),
                               QStringLiteral("file")),
            QCommandLineOption(QStringLiteral("no-eeprom-checksum"),
                               QStringLiteral("Accept an EEPROM image whose personalization "
                                              "checksum does not match (mysgw never checks it); "
                                              "its keys are still compared with the conf.")),
            QCommandLineOption(QStringLiteral("pending"),
                               QStringLiteral("Import the key as a new pending epoch when the "
                                              "store holds a different active one.")),
    };
}

int runImportGateway(Cli &cli, const QCommandLineParser &parser, const QStringList &args)
{
    const QString what = QStringLiteral("import-gateway");
    if (!args.isEmpty())
        return cli.fail(kExitUsage, what, QStringLiteral("takes no argument"));
    for (const char *name : {"conf", "store", "inventory"})
        if (!parser.isSet(QLatin1String(name)))
            return cli.fail(kExitUsage, what,
                            QStringLiteral("--%1 is required").arg(QLatin1String(name)));
    if (parser.isSet(QStringLiteral("whitelist")) && parser.isSet(QStringLiteral("whitelist-file")))
        return cli.fail(kExitUsage, what,
                        QStringLiteral("give --whitelist or --whitelist-file, not both"));

    GatewayImportRequest request;
    request.configPath = parser.value(QStringLiteral("conf"));
    request.eepromPath = parser.value(QStringLiteral("eeprom"));
    request.asPendingEpoch = parser.isSet(QStringLiteral("pending"));
    request.ignoreEepromChecksum = parser.isSet(QStringLiteral("no-eeprom-checksum"));
    request.who = QStringLiteral("wardenctl");
    if (parser.isSet(QStringLiteral("whitelist"))) {
        request.whitelist = parser.value(QStringLiteral("whitelist")).toUtf8();
    } else if (parser.isSet(QStringLiteral("whitelist-file"))) {
        QFile file(parser.value(QStringLiteral("whitelist-file")));
        if (!file.open(QIODevice::ReadOnly))
            return cli.fail(
                    kExitFailed, QStringLiteral("whitelist-file"),
                    QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString()));
        request.whitelist = file.read(64 * 1024 + 1);
    }

    int exitCode = 0;
    auto opened = openStoreAndInventory(cli, parser, exitCode);
    if (!opened)
        return exitCode;
    KeyStore &store = opened->store;
    Inventory &inventory = *opened->inventory;

    auto report = GatewayImport::importGateway(store, inventory, request);
    if (!report)
        return cli.fail(kExitFailed, what, report.error().message());

    if (cli.json()) {
        QJsonArray nodes;
        for (quint8 id : report->nodes)
            nodes.append(int(id));
        cli.printJson({{QStringLiteral("network_key"), report->networkKeyFingerprint},
                       {QStringLiteral("epoch"), int(report->epoch)},
                       {QStringLiteral("state"), report->state == NetworkKeyState::Active
                                                         ? QStringLiteral("active")
                                                         : QStringLiteral("pending")},
                       {QStringLiteral("already_held"), report->keyAlreadyHeld},
                       {QStringLiteral("gateway_serial"), report->gatewaySerialHex},
                       {QStringLiteral("aes_key"), report->aesKeyFingerprint},
                       {QStringLiteral("eeprom"), report->eepromPath},
                       {QStringLiteral("nodes"), nodes},
                       {QStringLiteral("warnings"), QJsonArray::fromStringList(report->warnings)},
                       {QStringLiteral("next"), QJsonArray::fromStringList(report->nextSteps)},
                       {QStringLiteral("audit_id"), report->auditId}});
        return kExitOk;
    }
    for (const QString &line : report->text().split(QLatin1Char('\n')))
        cli.line(line);
    return kExitOk;
}

} // namespace Warden::Tools
