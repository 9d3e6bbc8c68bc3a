// wardenctl flash: Warden firmware into a board through its Arduino bootloader, with avrdude,
// by Warden::FirmwareFlasher (the console's personalization dialog flashes through it too);
// afterwards the port is asked whether Warden firmware answers (Warden::FirmwareFlasher::probe,
// the personalization session's hello). --list shows the installed images.
#include "commands.h"

#include <warden/firmwareflasher.h>

#include <QtCore/QJsonArray>
#include <QtSerialPort/QSerialPort>

namespace Warden::Tools {

QList<QCommandLineOption> flashOptions()
{
    return {
            QCommandLineOption(QStringLiteral("port"),
                               QStringLiteral("The board's serial port (/dev/ttyUSB0, ...)."),
                               QStringLiteral("device")),
            QCommandLineOption(QStringLiteral("image"),
                               QStringLiteral("An installed image (securenode-nrf24, "
                                              "securenode-rs485, radiomodem; see --list) or a "
                                              ".hex file."),
                               QStringLiteral("name|file")),
            QCommandLineOption(QStringLiteral("baud"),
                               QStringLiteral("The bootloader's speed (default 115200; 57600 "
                                              "for older Nano boards)."),
                               QStringLiteral("rate")),
            QCommandLineOption(QStringLiteral("no-probe"),
                               QStringLiteral("Do not ask the board for Warden firmware "
                                              "afterwards.")),
            QCommandLineOption(QStringLiteral("probe-baud"),
                               QStringLiteral("The speed of the flashed firmware for the probe "
                                              "(default 115200; 9600 for the RS485 node)."),
                               QStringLiteral("rate")),
            QCommandLineOption(QStringLiteral("list"),
                               QStringLiteral("List the installed images and exit.")),
    };
}

namespace {

int listImages(Cli &cli)
{
    const QList<FirmwareImage> images = FirmwareFlasher::installedImages();
    if (cli.json()) {
        QJsonArray list;
        for (const FirmwareImage &image : images)
            list.append(QJsonObject {{QStringLiteral("name"), image.name},
                                     {QStringLiteral("file"), image.path},
                                     {QStringLiteral("description"), image.description}});
        cli.printJson({{QStringLiteral("images"), list}});
        return kExitOk;
    }
    if (images.isEmpty()) {
        cli.line(QStringLiteral("No firmware images are installed (looked in %1).")
                         .arg(FirmwareFlasher::imageDirectories().join(QStringLiteral(", "))));
        return kExitOk;
    }
    for (const FirmwareImage &image : images)
        cli.field(image.name, image.description.isEmpty() ? image.path : image.description);
    return kExitOk;
}

} // namespace

int runFlash(Cli &cli, const QCommandLineParser &parser, const QStringList &args)
{
    const QString what = QStringLiteral("flash");
    if (!args.isEmpty())
        return cli.fail(kExitUsage, what, QStringLiteral("takes no argument"));
    if (parser.isSet(QStringLiteral("list")))
        return listImages(cli);
    for (const char *name : {"port", "image"})
        if (!parser.isSet(QLatin1String(name)))
            return cli.fail(kExitUsage, what,
                            QStringLiteral("--%1 is required").arg(QLatin1String(name)));
    auto baud = numberOption(parser, QStringLiteral("baud"), 300, 2000000, 115200);
    if (!baud)
        return cli.fail(baud.error());
    auto probeBaud = numberOption(parser, QStringLiteral("probe-baud"), 300, 4000000, 115200);
    if (!probeBaud)
        return cli.fail(probeBaud.error());
    auto image = FirmwareFlasher::resolveImage(parser.value(QStringLiteral("image")));
    if (!image)
        return cli.fail(kExitUsage, QStringLiteral("image"), image.error().message());

    FlashRequest request;
    request.port = parser.value(QStringLiteral("port"));
    request.image = *image;
    request.baud = int(*baud);
    FirmwareFlasher flasher;
    // Progress on stderr (stdout keeps the result, or the one JSON object).
    int shown = -1;
    QString shownPhase;
    QObject::connect(&flasher, &FirmwareFlasher::progress, [&](int percent, const QString &phase) {
        if (phase != shownPhase) {
            if (shown >= 0)
                cli.err() << '\n';
            shownPhase = phase;
            shown = -1;
        }
        if (percent / 10 != shown / 10 || shown < 0) {
            cli.err() << '\r' << phase << ' ' << percent << " %" << Qt::flush;
            shown = percent;
        }
    });
    if (!cli.json())
        cli.line(QStringLiteral("Flashing %1 into %2 at %3 baud (avrdude -c arduino); the "
                                "board's program is replaced.")
                         .arg(request.image, request.port)
                         .arg(request.baud));
    cli.out() << Qt::flush;
    auto started = flasher.start(request);
    if (!started)
        return cli.fail(kExitFailed, what, started.error().message());
    auto report = flasher.waitForFinished();
    if (shown >= 0)
        cli.err() << '\n' << Qt::flush;
    if (!report)
        return cli.fail(kExitFailed, what, report.error().message());

    QString firmware;
    QString probeError;
    if (!parser.isSet(QStringLiteral("no-probe"))) {
        QSerialPort port;
        port.setPortName(request.port);
        if (port.open(QIODevice::ReadWrite)) {
            port.setBaudRate(qint32(*probeBaud));
            auto probed = FirmwareFlasher::probe(&port, 6000);
            if (probed)
                firmware = probed->isEmpty() ? QStringLiteral("?") : *probed;
            else
                probeError = probed.error().message();
        } else {
            probeError = QStringLiteral("cannot open the port: %1").arg(port.errorString());
        }
    }

    if (cli.json()) {
        QJsonObject out {{QStringLiteral("image"), request.image},
                         {QStringLiteral("port"), request.port},
                         {QStringLiteral("bytes"), report->bytes},
                         {QStringLiteral("elapsed_ms"), report->elapsedMs},
                         {QStringLiteral("signature"), report->signature}};
        if (!parser.isSet(QStringLiteral("no-probe"))) {
            out.insert(QStringLiteral("warden_firmware"), firmware);
            if (!probeError.isEmpty())
                out.insert(QStringLiteral("probe_error"), probeError);
        }
        cli.printJson(out);
        return kExitOk;
    }
    cli.field(QStringLiteral("written"), QStringLiteral("%1 bytes, verified").arg(report->bytes));
    cli.field(QStringLiteral("signature"), report->signature);
    cli.field(QStringLiteral("time"),
              QStringLiteral("%1 s").arg(report->elapsedMs / 1000.0, 0, 'f', 1));
    if (!firmware.isEmpty())
        cli.field(QStringLiteral("firmware"), QStringLiteral("Warden %1 answers").arg(firmware));
    else if (!probeError.isEmpty())
        cli.line(QStringLiteral("Flashed, but the probe found no Warden firmware (%1). An image "
                                "that is not a Warden node (radiomodem) or another speed "
                                "(--probe-baud 9600 for RS485) explains it.")
                         .arg(probeError));
    return kExitOk;
}

} // namespace Warden::Tools
