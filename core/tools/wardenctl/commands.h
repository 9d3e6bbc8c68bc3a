// The subcommands of wardenctl. Each takes the parsed command line (options of that
// subcommand only) and its arguments after the subcommand name, and returns an exit code.
#pragma once

#include "cli.h"

#include <warden/inventory.h>
#include <warden/keystore.h>
#include <warden/secretbytes.h>

#include <QtCore/QStringList>

#include <memory>
#include <optional>

namespace Warden::Tools {

int runDecode(Cli &cli, const QCommandLineParser &parser, const QStringList &args);
int runRs485(Cli &cli, const QCommandLineParser &parser, const QStringList &args);
int runLine(Cli &cli, const QCommandLineParser &parser, const QStringList &args);
int runSign(Cli &cli, const QCommandLineParser &parser, const QStringList &args);
int runVerify(Cli &cli, const QCommandLineParser &parser, const QStringList &args);
int runKeygen(Cli &cli, const QCommandLineParser &parser, const QStringList &args);
int runSerialgen(Cli &cli, const QCommandLineParser &parser, const QStringList &args);
/// demo.cpp: the simulated signed exchange with attacks.
int runDemo(Cli &cli, const QCommandLineParser &parser, const QStringList &args);
/// personalize.cpp: one node over its serial port, recorded in key store and inventory.
QList<QCommandLineOption> personalizeOptions();
int runPersonalize(Cli &cli, const QCommandLineParser &parser, const QStringList &args);
/// The key store's passphrase: WARDEN_PASSPHRASE, else typed on the terminal without echo;
/// nothing when neither is possible.
std::optional<SecretBytes> passphrase(Cli &cli);
/// The key store (--store, with passphrase()) and the inventory (--inventory) a workflow
/// subcommand records in.
struct StoreAndInventory
{
    KeyStore store;
    std::unique_ptr<Inventory> inventory;
};
/// Opens both; on failure reports it (naming the option) and sets @p exitCode.
std::optional<StoreAndInventory> openStoreAndInventory(Cli &cli, const QCommandLineParser &parser,
                                                       int &exitCode);
/// flash.cpp: Warden firmware into a board through its Arduino bootloader (avrdude).
QList<QCommandLineOption> flashOptions();
int runFlash(Cli &cli, const QCommandLineParser &parser, const QStringList &args);
/// importgateway.cpp: a Linux gateway's mysensors.conf (and EEPROM image) into the key store.
QList<QCommandLineOption> importGatewayOptions();
int runImportGateway(Cli &cli, const QCommandLineParser &parser, const QStringList &args);

} // namespace Warden::Tools
