// wardenctl: the command-line tool for people debugging a MySensors network. Subcommands,
// each with its own options; global --json, --help, --version; documented exit codes.
#include "commands.h"

#include <warden/version.h>

#include <QtCore/QCoreApplication>

#include <functional>

namespace Warden::Tools {

namespace {

using Runner = int (*)(Cli &, const QCommandLineParser &, const QStringList &);

struct Subcommand
{
    QString name;
    QString arguments; ///< for the usage line, e.g. "<hex>"
    QString summary; ///< one line in the overview
    QString description; ///< the paragraph of `wardenctl <name> --help`
    std::function<QList<QCommandLineOption>()> options;
    Runner run;
};

const QList<Subcommand> &subcommands()
{
    using namespace Options;
    static const QList<Subcommand> list = {
            {QStringLiteral("decode"), QStringLiteral("<hex>"),
             QStringLiteral("Decode a binary MySensors message."),
             QStringLiteral("Decodes a binary MySensors 2.x message (7-byte header, payload, "
                            "signature) and shows every field with its MySensors name, the "
                            "payload as the controller protocol renders it, the signature "
                            "and whether the type is exempt from signing."),
             [] { return QList<QCommandLineOption>(); }, runDecode},
            {QStringLiteral("rs485"), QStringLiteral("<frame-hex> | --encode <message-hex>"),
             QStringLiteral("Decode an RS485 bus frame, or build one (--encode)."),
             QStringLiteral("Decodes an RS485 bus frame (SOH, To, From, 0x58, length, STX, "
                            "data, ETX, checksum, EOT) and the message inside it; a wrong "
                            "checksum is shown next to the expected one. With --encode, "
                            "builds the frame that carries <message-hex>."),
             [] {
                 return QList<QCommandLineOption> {encode(), to(), from(), sohCount()};
             },
             runRs485},
            {QStringLiteral("line"), QStringLiteral("<line> | --from-frame <frame-hex>"),
             QStringLiteral("Parse a controller-protocol line, or render a message as one."),
             QStringLiteral("Parses a line of the serial/TCP controller protocol, "
                            "'node;child;command;ack;type;payload', and names its fields. "
                            "--to-frame also shows the message the gateway builds from it; "
                            "--from-frame renders a binary message as the line the gateway "
                            "sends to the controller. (Use '--' before a line that starts "
                            "with '-'.)"),
             [] {
                 return QList<QCommandLineOption> {toFrame(), fromFrame()};
             },
             runLine},
            {QStringLiteral("sign"), QStringLiteral("<message-hex>"),
             QStringLiteral("Sign a message with a key and nonce (--serial: salted)."),
             QStringLiteral("Signs a message exactly as a MySensors node does (legacy soft "
                            "signing, spec 5) and prints the signed frame and signature. "
                            "--serial salts it with the sender's serial, as when the "
                            "destination whitelists. A signed input is re-signed from its "
                            "unsigned form. Only the key's fingerprint is printed."),
             [] {
                 return QList<QCommandLineOption> {key(), nonce(), serial()};
             },
             runSign},
            {QStringLiteral("verify"), QStringLiteral("<signed-message-hex>"),
             QStringLiteral("Verify a signed message; exit 0 only when verified."),
             QStringLiteral("Runs the receiver procedure of spec 4.7 on a message with the "
                            "given nonce outstanding, and prints the verdict. --serial: the "
                            "verifier whitelists and lists the sender with that serial; "
                            "--whitelist-missing: it whitelists and the sender is not "
                            "listed. Exit code 0 only for the verdict 'verified', else 1."),
             [] {
                 return QList<QCommandLineOption> {key(), nonce(), serial(), whitelistMissing()};
             },
             runVerify},
            {QStringLiteral("keygen"), QString(),
             QStringLiteral("Generate a 32-byte network HMAC key."),
             QStringLiteral("Prints a new 32-byte HMAC key from the system's random "
                            "generator, in hex, with its fingerprint. --mysensors adds the "
                            "soft_hmac_key= line of mysensors.conf and the #define line of "
                            "the SecurityPersonalizer sketch. This is the only subcommand "
                            "that prints a key."),
             [] { return QList<QCommandLineOption> {mysensors()}; }, runKeygen},
            {QStringLiteral("serialgen"), QString(),
             QStringLiteral("Generate a 9-byte soft serial."),
             QStringLiteral("Prints a new 9-byte serial for soft signing with whitelisting, "
                            "in hex, with its fingerprint. --mysensors adds the "
                            "soft_serial_key= and #define MY_SOFT_SERIAL lines."),
             [] { return QList<QCommandLineOption> {mysensors()}; }, runSerialgen},
            {QStringLiteral("demo"), QString(),
             QStringLiteral("Simulate a signed network and eight attacks, step by step."),
             QStringLiteral("Simulates a gateway (id 0, requires signatures, whitelists) and "
                            "--nodes nodes in this process with Warden's real signing code: "
                            "signing presentations, nonces, signed readings, verification, "
                            "the controller lines. Then replays, tampering, an unlisted "
                            "node, an expired nonce, wrong and stolen keys and an unsigned "
                            "frame, each with the gateway's verdict, a summary and the "
                            "sign/verify timing. Exit code 0 only if every honest frame "
                            "verified and every attack was rejected as expected."),
             [] {
                 return QList<QCommandLineOption> {nodes(), frames(), seed()};
             },
             runDemo},
            {QStringLiteral("personalize"), QString(),
             QStringLiteral("Personalize a Warden node over its serial port."),
             QStringLiteral("Generates the node's keys (management key, serial, --link-key: "
                            "a link key of its own) and writes them with the network key of "
                            "the key store's active epoch (--epoch: another) and the gateway's "
                            "serial as whitelist entry 0, over the firmware's personalization "
                            "protocol on --port. The keys are saved in --store before the node "
                            "commits; the node's read-back fingerprints and serial must match, "
                            "then it is recorded in --inventory with an audit entry. Only "
                            "fingerprints are printed. Passphrase: WARDEN_PASSPHRASE, else "
                            "typed. Exit code 1 when the node or a file refused."),
             personalizeOptions, runPersonalize},
            {QStringLiteral("flash"), QString(),
             QStringLiteral("Flash Warden firmware into a board (avrdude, Arduino bootloader)."),
             QStringLiteral("Writes --image (an installed image such as securenode-nrf24, see "
                            "--list, or a .hex file) into the ATmega328P board on --port "
                            "through its Arduino bootloader: avrdude -p atmega328p -c arduino "
                            "-b 115200 -D -U flash:w:<image>:i (Debian package avrdude), which "
                            "verifies what it wrote. The board's program is replaced. Then the "
                            "port is asked whether Warden firmware answers (--no-probe: not). "
                            "Exit code 1 when flashing failed, with the reason in plain words."),
             flashOptions, runFlash},
            {QStringLiteral("import-gateway"), QString(),
             QStringLiteral("Import a Linux gateway's mysensors.conf into the key store."),
             QStringLiteral("Takes a running stock network over: the shared HMAC key of --conf "
                            "becomes a network key of --store (a new epoch; refused when the "
                            "store holds a different active key, unless --pending), the "
                            "gateway's serial the store's gateway serial, and --whitelist (the "
                            "gateway's --my-signing-whitelist=\"{...}\" configure option) the "
                            "serials of those nodes in the store and in --inventory, with an "
                            "audit entry. The EEPROM image (--eeprom, else the conf's "
                            "eeprom_file when it exists) must agree with the conf. On any "
                            "error nothing is changed. Only fingerprints are printed. "
                            "Passphrase: WARDEN_PASSPHRASE, else typed."),
             importGatewayOptions, runImportGateway},
    };
    return list;
}

QList<QCommandLineOption> globalOptions()
{
    return {Options::json(), Options::help(), Options::version()};
}

QString exitCodesText()
{
    return QStringLiteral(
            "Exit codes:\n"
            "  0  success\n"
            "  1  verification failed (verify), the demo saw an unexpected outcome, or\n"
            "     personalization failed (the node, the port, the key store or inventory)\n"
            "  2  usage error: unknown subcommand, missing or bad option\n"
            "  3  malformed input: a frame, line or hex text that does not decode, or a\n"
            "     message that cannot be processed (a payload too long to sign)\n"
            "Errors go to stderr as one line; with --json, stdout also gets {\"error\": {...}}.\n");
}

QString overview()
{
    QString text = QStringLiteral(
            "Usage: wardenctl [--json] <subcommand> [options] [argument]\n\n"
            "Debug a MySensors network: decode frames, RS485 frames and controller lines; sign\n"
            "and verify frames as Warden and MySensors do; generate keys; run a simulated signed\n"
            "exchange with attacks (wardenctl demo).\n\n"
            "Subcommands:\n");
    for (const Subcommand &s : subcommands())
        text += QStringLiteral("  %1 %2\n").arg(s.name.leftJustified(14), s.summary);
    text += QStringLiteral("\nRun 'wardenctl <subcommand> --help' for its options.\n\n"
                           "Global options:\n"
                           "  --json      Print one JSON object on stdout.\n"
                           "  -h, --help  Show this help.\n"
                           "  --version   Show the version.\n\n");
    return text + exitCodesText();
}

void addOptions(QCommandLineParser &parser, const QList<QCommandLineOption> &options)
{
    for (const QCommandLineOption &o : options)
        parser.addOption(o);
}

/// An option name fit to be quoted in an error; anything else may be a pasted secret.
bool isPrintableOptionName(const QString &name)
{
    if (name.isEmpty() || name.size() > 24)
        return false;
    return std::all_of(name.begin(), name.end(), [](QChar c) {
        return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || c == u'-';
    });
}

/// The parser's complaint, without ever quoting an unknown argument that might be a key.
QString parseError(const QCommandLineParser &parser)
{
    const QStringList unknown = parser.unknownOptionNames();
    if (unknown.isEmpty())
        return parser.errorText();
    const QString &first = unknown.front();
    if (!isPrintableOptionName(first))
        return QStringLiteral("unknown option");
    return QStringLiteral("unknown option %1%2")
            .arg(first.size() == 1 ? QStringLiteral("-") : QStringLiteral("--"), first);
}

/// A subcommand name fit to be quoted in an error.
bool isPrintableWord(const QString &word)
{
    return !word.isEmpty() && word.size() <= 16
           && std::all_of(word.begin(), word.end(), [](QChar c) {
                  return (c >= u'a' && c <= u'z') || c == u'-' || (c >= u'0' && c <= u'9');
              });
}

int run(const QStringList &arguments)
{
    // Pass 1, with every option of every subcommand, finds the subcommand wherever the
    // options stand. --json is looked at before parsing so that even a parse error is JSON.
    const bool jsonRequested = arguments.contains(QStringLiteral("--json"));
    QCommandLineParser all;
    addOptions(all, globalOptions());
    QStringList known;
    for (const Subcommand &s : subcommands()) {
        for (const QCommandLineOption &o : s.options()) {
            if (!known.contains(o.names().back())) { // shared by several subcommands
                known += o.names().back();
                all.addOption(o);
            }
        }
    }
    all.addPositionalArgument(QStringLiteral("subcommand"), QString());
    if (!all.parse(arguments)) {
        Cli cli(jsonRequested);
        return cli.fail(kExitUsage, QStringLiteral("usage"), parseError(all));
    }
    Cli cli(all.isSet(QStringLiteral("json")));
    const QStringList positional = all.positionalArguments();
    if (positional.isEmpty()) {
        if (all.isSet(QStringLiteral("version"))) {
            cli.out() << "wardenctl " << QCoreApplication::applicationVersion() << '\n';
            return kExitOk;
        }
        if (all.isSet(QStringLiteral("help"))) {
            cli.out() << overview();
            return kExitOk;
        }
        cli.err() << overview();
        return cli.fail(kExitUsage, QStringLiteral("usage"), QStringLiteral("no subcommand given"));
    }
    const QString name = positional.front();
    const auto it = std::find_if(subcommands().begin(), subcommands().end(),
                                 [&](const Subcommand &s) { return s.name == name; });
    if (it == subcommands().end())
        return cli.fail(kExitUsage, QStringLiteral("usage"),
                        isPrintableWord(name)
                                ? QStringLiteral("unknown subcommand '%1'; run 'wardenctl --help'")
                                          .arg(name)
                                : QStringLiteral("unknown subcommand; run 'wardenctl --help'"));

    // Pass 2, with this subcommand's options only.
    QCommandLineParser parser;
    parser.setApplicationDescription(it->description);
    addOptions(parser, globalOptions());
    addOptions(parser, it->options());
    parser.addPositionalArgument(it->name, it->summary,
                                 QStringLiteral("%1 %2").arg(it->name, it->arguments));
    if (!parser.parse(arguments))
        return cli.fail(kExitUsage, it->name, parseError(parser));
    if (parser.isSet(QStringLiteral("help"))) {
        cli.out() << parser.helpText() << '\n' << exitCodesText();
        return kExitOk;
    }
    if (parser.isSet(QStringLiteral("version"))) {
        cli.out() << "wardenctl " << QCoreApplication::applicationVersion() << '\n';
        return kExitOk;
    }
    return it->run(cli, parser, parser.positionalArguments().mid(1));
}

} // namespace

} // namespace Warden::Tools

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("wardenctl"));
    QCoreApplication::setApplicationVersion(QStringLiteral(WARDEN_VERSION_STRING));
    return Warden::Tools::run(QCoreApplication::arguments());
}
