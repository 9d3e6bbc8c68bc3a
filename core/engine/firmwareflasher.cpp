#include <warden/firmwareflasher.h>

#include "security/personalizationclient.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QLoggingCategory>
#include <QtCore/QProcess>
#include <QtCore/QProcessEnvironment>
#include <QtCore/QRegularExpression>
#include <QtCore/QStandardPaths>
#include <QtCore/QTimer>

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace Warden {

namespace {

Q_LOGGING_CATEGORY(lcFlash, "warden.core.flash")

constexpr qint64 kMaxHexFileBytes = 1 << 20; // a 32 KiB image is about 90 KB of text
constexpr int kMaxOutput = 256 * 1024; // avrdude's whole output of a run is a few KB
constexpr int kTrailingLines = 4;

QString tr(const char *text)
{
    return QCoreApplication::translate("Warden::FirmwareFlasher", text);
}

/// What the installed images are for (firmware/cmake/host-images.cmake has the same table).
QString describe(const QString &name)
{
    if (name == QLatin1String("securenode-nrf24"))
        return tr("Warden sensor node on an nRF24L01+ radio (ATmega328P, 16 MHz)");
    if (name == QLatin1String("securenode-rs485"))
        return tr("Warden sensor node on an RS485 bus, DE on pin 2 (ATmega328P, 16 MHz)");
    if (name == QLatin1String("radiomodem"))
        return tr("Gateway side: the host's nRF24 radio modem on USB (ATmega328P, 16 MHz)");
    return QString();
}

} // namespace

struct FirmwareFlasher::Private
{
    QString avrdude;
    QProcess *process = nullptr;
    FlashRequest request;
    QElapsedTimer clock;
    QByteArray output; ///< everything avrdude said (bounded)
    QByteArray line; ///< the line being read
    QString phase;
    int percent = -1;
    bool wrote = false;
    bool cancelled = false;
    qint64 bytes = 0;
};

FirmwareFlasher::FirmwareFlasher(QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
{ }

FirmwareFlasher::~FirmwareFlasher()
{
    if (d->process && d->process->state() != QProcess::NotRunning) {
        d->process->kill();
        d->process->waitForFinished(3000);
    }
}

QStringList FirmwareFlasher::imageDirectories()
{
    QStringList dirs;
    const QString fromEnv
            = QProcessEnvironment::systemEnvironment().value(QStringLiteral("WARDEN_FIRMWARE_DIR"));
    if (!fromEnv.isEmpty())
        dirs << fromEnv;
    if (QCoreApplication::instance())
        dirs << QDir::cleanPath(QCoreApplication::applicationDirPath()
                                + QStringLiteral("/../share/warden/firmware"));
#ifdef WARDEN_FIRMWARE_INSTALL_DIR
    dirs << QStringLiteral(WARDEN_FIRMWARE_INSTALL_DIR);
#endif
    dirs.removeDuplicates();
    return dirs;
}

QList<FirmwareImage> FirmwareFlasher::installedImages(const QString &directory)
{
    const QStringList dirs = directory.isEmpty() ? imageDirectories() : QStringList {directory};
    for (const QString &dir : dirs) {
        QList<FirmwareImage> images;
        const QFileInfoList files
                = QDir(dir).entryInfoList({QStringLiteral("*.hex")}, QDir::Files | QDir::Readable,
                                          QDir::Name | QDir::IgnoreCase);
        for (const QFileInfo &file : files) {
            const QString name = file.completeBaseName().toLower();
            images << FirmwareImage {name, file.absoluteFilePath(), describe(name)};
        }
        if (!images.isEmpty())
            return images;
    }
    return {};
}

Result<QString> FirmwareFlasher::resolveImage(const QString &nameOrFile, const QString &directory)
{
    if (nameOrFile.isEmpty())
        return fail(ErrorCode::InvalidArgument, tr("No firmware image was named."));
    if (nameOrFile.contains(u'/')
        || nameOrFile.endsWith(QLatin1String(".hex"), Qt::CaseInsensitive)) {
        const QFileInfo file(nameOrFile);
        if (!file.isFile())
            return fail(ErrorCode::InvalidArgument,
                        tr("The image file %1 does not exist.").arg(nameOrFile));
        return file.absoluteFilePath();
    }
    const QList<FirmwareImage> images = installedImages(directory);
    QStringList names;
    for (const FirmwareImage &image : images) {
        if (image.name == nameOrFile.toLower())
            return image.path;
        names << image.name;
    }
    if (images.isEmpty())
        return fail(
                ErrorCode::InvalidArgument,
                tr("No firmware images are installed (looked in %1). Install the warden "
                   "package, or name a .hex file.")
                        .arg((directory.isEmpty() ? imageDirectories() : QStringList {directory})
                                     .join(QLatin1String(", "))));
    QStringList matches = names.filter(nameOrFile.toLower());
    if (matches.size() > 1)
        return fail(ErrorCode::InvalidArgument,
                    tr("\"%1\" could be any of %2: name one.")
                            .arg(nameOrFile, matches.join(QLatin1String(", "))));
    if (matches.size() == 1)
        return images.at(names.indexOf(matches.first())).path;
    return fail(ErrorCode::InvalidArgument,
                tr("There is no firmware image \"%1\"; there are: %2.")
                        .arg(nameOrFile, names.join(QLatin1String(", "))));
}

Result<qint64> FirmwareFlasher::checkImage(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(ErrorCode::InvalidArgument,
                    tr("Cannot read the image %1: %2.").arg(path, file.errorString()));
    if (file.size() > kMaxHexFileBytes)
        return fail(ErrorCode::Malformed,
                    tr("%1 is too large for an ATmega328P image (%2 bytes of text).")
                            .arg(path)
                            .arg(file.size()));
    const QList<QByteArray> lines = file.readAll().split('\n');
    quint32 base = 0;
    qint64 bytes = 0;
    bool ended = false;
    for (int i = 0; i < lines.size() && !ended; ++i) {
        const QByteArray text = lines.at(i).trimmed();
        if (text.isEmpty())
            continue;
        const auto bad = [&](const QString &why) {
            return fail(ErrorCode::Malformed, tr("%1 is not a usable Intel HEX image: line %2 %3.")
                                                      .arg(path)
                                                      .arg(i + 1)
                                                      .arg(why));
        };
        if (!text.startsWith(':') || text.size() < 11 || text.size() % 2 == 0)
            return bad(tr("is not a record"));
        const QByteArray record = QByteArray::fromHex(text.mid(1));
        if (record.size() * 2 != text.size() - 1
            || !QRegularExpression(QStringLiteral("^[0-9A-Fa-f]+$"))
                        .match(QString::fromLatin1(text.mid(1)))
                        .hasMatch())
            return bad(tr("has characters that are not hexadecimal"));
        quint8 sum = 0;
        for (char c : record)
            sum = quint8(sum + quint8(c));
        const int count = quint8(record.at(0));
        if (sum != 0 || record.size() != count + 5)
            return bad(tr("has a wrong checksum or length"));
        const quint32 offset = quint32(quint8(record.at(1))) << 8 | quint8(record.at(2));
        const auto word = [&] {
            return count >= 2 ? quint32(quint8(record.at(4))) << 8 | quint8(record.at(5)) : 0u;
        };
        switch (quint8(record.at(3))) {
        case 0x00:
            if (qint64(base) + offset + count > kMaxImageBytes)
                return bad(tr("writes at 0x%1, into the bootloader (an image ends below 0x%2)")
                                   .arg(base + offset, 4, 16, QLatin1Char('0'))
                                   .arg(kMaxImageBytes, 4, 16, QLatin1Char('0')));
            bytes += count;
            break;
        case 0x01:
            ended = true;
            break;
        case 0x02:
            base = word() << 4;
            break;
        case 0x04:
            base = word() << 16;
            break;
        case 0x03:
        case 0x05:
            break;
        default:
            return bad(tr("has an unknown record type"));
        }
    }
    if (!ended)
        return fail(ErrorCode::Malformed,
                    tr("%1 is not a complete Intel HEX image (no end record).").arg(path));
    if (bytes == 0)
        return fail(ErrorCode::Malformed, tr("%1 holds no program.").arg(path));
    return bytes;
}

Result<QString> FirmwareFlasher::findAvrdude(const QString &program)
{
    const QString name = program.isEmpty() ? QStringLiteral("avrdude") : program;
    const QString found = name.contains(u'/') ? (QFileInfo(name).isExecutable() ? name : QString())
                                              : QStandardPaths::findExecutable(name);
    if (found.isEmpty())
        return fail(ErrorCode::Refused,
                    tr("avrdude was not found. Install the Debian package avrdude "
                       "(sudo apt install avrdude) and try again."));
    return found;
}

QStringList FirmwareFlasher::avrdudeArguments(const FlashRequest &request)
{
    // -D: no chip erase (the bootloader erases page by page as it writes; a chip erase is
    // not something a bootloader can do). avrdude verifies what it wrote by reading it back.
    return {QStringLiteral("-p"),
            request.part,
            QStringLiteral("-c"),
            request.programmer,
            QStringLiteral("-P"),
            request.port,
            QStringLiteral("-b"),
            QString::number(request.baud),
            QStringLiteral("-D"),
            QStringLiteral("-U"),
            QStringLiteral("flash:w:%1:i").arg(request.image)};
}

Result<void> FirmwareFlasher::checkPort(const QString &port)
{
    if (port.isEmpty())
        return fail(ErrorCode::InvalidArgument, tr("No serial port was named."));
    const QByteArray native = QFile::encodeName(port);
    if (::access(native.constData(), F_OK) != 0)
        return fail(ErrorCode::InvalidArgument,
                    tr("There is no serial port %1. Is the board plugged in? Its port is "
                       "usually /dev/ttyUSB0 or /dev/ttyACM0.")
                            .arg(port));
    if (::access(native.constData(), R_OK | W_OK) != 0)
        return fail(ErrorCode::Refused,
                    tr("Permission denied on %1. Add yourself to the dialout group (sudo adduser "
                       "$USER dialout), then log out and in again.")
                            .arg(port));
    return {};
}

QString FirmwareFlasher::explainFailure(const QString &output, int exitCode,
                                        const FlashRequest &request)
{
    const auto has = [&](const char *text) {
        return output.contains(QLatin1String(text), Qt::CaseInsensitive);
    };
    if (has("Permission denied"))
        return tr("Permission denied on %1. Add yourself to the dialout group (sudo adduser "
                  "$USER dialout), then log out and in again.")
                .arg(request.port);
    if (has("cannot open port") || has("can't open device"))
        return tr("The serial port %1 could not be opened: is the board plugged in, and is no "
                  "other program (a serial monitor, the console) using the port?")
                .arg(request.port);
    if (has("signature") && (has("expected signature") || has("Device signature = 0x000000")))
        return tr("The board answered but is not an %1 (the device signature does not match). "
                  "Check the board type.")
                .arg(request.part);
    if (has("not in sync") || has("not responding") || has("stk500_recv") || has("getsync"))
        return tr("The bootloader did not answer on %1 at %2 baud. Press the board's reset "
                  "button just before flashing (boards without auto-reset need it), check "
                  "that it has the Arduino bootloader, and try the other speed (--baud 57600 "
                  "for older Nano boards, 115200 for Uno and newer Nano).")
                .arg(request.port)
                .arg(request.baud);
    if (has("verification error") || has("verification mismatch") || has("content mismatch"))
        return tr("The board's flash does not hold what was written (verification failed). "
                  "Flash again; if it fails again the board may be worn or the line noisy.");
    if (has("input file") || has("invalid record"))
        return tr("avrdude could not read the image %1.").arg(request.image);
    QStringList tail = output.split(u'\n', Qt::SkipEmptyParts);
    if (tail.size() > kTrailingLines)
        tail = tail.mid(tail.size() - kTrailingLines);
    return tr("avrdude failed (exit code %1): %2")
            .arg(exitCode)
            .arg(tail.join(QLatin1String(" / ")).simplified());
}

Result<QString> FirmwareFlasher::probe(QIODevice *device, int timeoutMs)
{
    if (!device || !device->isOpen() || !device->isWritable())
        return fail(ErrorCode::Refused, tr("The serial port is not open."));
    Internal::PersonalizationClient::Timeouts timeouts;
    timeouts.helloMs = timeoutMs;
    // A 9600-baud RS485 node takes a quarter of a second per INFO answer.
    timeouts.helloRepeatMs = 400;
    Internal::PersonalizationClient client(device, timeouts);
    auto info = client.open();
    if (!info)
        return fail(ErrorCode::Refused,
                    tr("No Warden firmware answered on the port: %1").arg(info.error().message()));
    (void)client.end(); // the node goes back to its program; what it runs is known
    return info->firmwareVersion;
}

void FirmwareFlasher::setAvrdudeProgram(const QString &program)
{
    d->avrdude = program;
}

bool FirmwareFlasher::isRunning() const
{
    return d->process && d->process->state() != QProcess::NotRunning;
}

Result<void> FirmwareFlasher::start(const FlashRequest &request)
{
    if (isRunning())
        return fail(ErrorCode::Refused, tr("A flash is already running."));
    if (request.baud <= 0 || request.baud > 2000000)
        return fail(ErrorCode::InvalidArgument,
                    tr("%1 is not a usable baud rate.").arg(request.baud));
    if (auto port = checkPort(request.port); !port)
        return tl::unexpected(port.error());
    auto bytes = checkImage(request.image);
    if (!bytes)
        return tl::unexpected(bytes.error());
    auto avrdude = findAvrdude(d->avrdude);
    if (!avrdude)
        return tl::unexpected(avrdude.error());

    d->request = request;
    d->output.clear();
    d->line.clear();
    d->phase.clear();
    d->percent = -1;
    d->wrote = false;
    d->cancelled = false;
    d->bytes = *bytes;
    delete d->process;
    d->process = new QProcess(this);
    d->process->setProcessChannelMode(QProcess::MergedChannels);
    // One language for the texts that are parsed.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C"));
    d->process->setProcessEnvironment(env);

    connect(d->process, &QProcess::readyRead, this, [this] {
        const QByteArray chunk = d->process->readAll();
        if (d->output.size() < kMaxOutput)
            d->output += chunk.left(kMaxOutput - d->output.size());
        for (char c : chunk) {
            if (c == '\n' || c == '\r') {
                const QString text = QString::fromLocal8Bit(d->line).trimmed();
                // A pty is no modem line: avrdude's DTR/RTS toggling fails there, harmlessly.
                if (!text.isEmpty() && !text.contains(QLatin1String("Writing |"))
                    && !text.contains(QLatin1String("Reading |"))
                    && !text.contains(QLatin1String("TIOCM")))
                    emit outputLine(text);
                d->line.clear();
                continue;
            }
            if (d->line.size() < 4096)
                d->line.append(c);
            // avrdude's progress bars: "Writing | ####   " grows to 50 marks without a line end.
            QString phase;
            if (d->line.startsWith("Writing |")) {
                phase = QStringLiteral("writing");
                d->wrote = true;
            } else if (d->line.startsWith("Reading |") && d->wrote) {
                phase = QStringLiteral("verifying");
            } else {
                continue;
            }
            const int marks = int(d->line.count('#'));
            const int percent = (phase == QLatin1String("writing") ? 0 : 50) + qMin(marks, 50);
            if (phase != d->phase || percent != d->percent) {
                d->phase = phase;
                d->percent = percent;
                emit progress(percent, phase);
            }
        }
    });
    connect(d->process, &QProcess::finished, this,
            [this](int exitCode, QProcess::ExitStatus status) {
                const QString output = QString::fromLocal8Bit(d->output);
                if (d->cancelled) {
                    finish(fail(ErrorCode::Refused,
                                tr("Flashing was cancelled. The board holds a partly written "
                                   "image: flash it again.")));
                    return;
                }
                if (status != QProcess::NormalExit || exitCode != 0) {
                    const QString why = status != QProcess::NormalExit
                                                ? tr("avrdude crashed.")
                                                : explainFailure(output, exitCode, d->request);
                    qCWarning(lcFlash) << "flashing" << d->request.port << "failed:" << why;
                    finish(fail(ErrorCode::Refused, why));
                    return;
                }
                FlashReport report;
                report.elapsedMs = d->clock.elapsed();
                static const QRegularExpression kVerified(
                        QStringLiteral(R"((\d+) bytes of flash verified)"));
                static const QRegularExpression kSignature(
                        QStringLiteral(R"(signature = (0x[0-9a-fA-F]{6}))"));
                const auto verified = kVerified.match(output);
                if (!verified.hasMatch()) {
                    finish(fail(ErrorCode::Refused,
                                tr("avrdude ended without saying the flash was verified.")));
                    return;
                }
                report.bytes = verified.captured(1).toLongLong();
                report.signature = kSignature.match(output).captured(1).toLower();
                if (d->percent < 100)
                    emit progress(100, QStringLiteral("verifying"));
                qCInfo(lcFlash) << "flashed" << d->request.image << "into" << d->request.port << "("
                                << report.bytes << "bytes," << report.elapsedMs << "ms)";
                finish(report);
            });
    connect(d->process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart)
            return;
        finish(fail(ErrorCode::Refused,
                    tr("avrdude could not be started: %1").arg(d->process->errorString())));
    });

    qCInfo(lcFlash) << "flashing" << request.image << "into" << request.port << "at" << request.baud
                    << "baud";
    d->clock.start();
    emit progress(0, QStringLiteral("connecting"));
    d->process->start(*avrdude, avrdudeArguments(request));
    return {};
}

void FirmwareFlasher::finish(const Result<FlashReport> &result)
{
    emit finished(result.has_value(), result ? *result : FlashReport {},
                  result ? Error {} : result.error());
}

void FirmwareFlasher::cancel()
{
    if (!isRunning())
        return;
    d->cancelled = true;
    d->process->terminate();
    if (!d->process->waitForFinished(3000))
        d->process->kill();
}

Result<FlashReport> FirmwareFlasher::waitForFinished(int timeoutMs)
{
    if (!isRunning())
        return fail(ErrorCode::Refused, tr("No flash is running."));
    std::optional<Result<FlashReport>> result;
    QEventLoop loop;
    const auto connection = connect(this, &FirmwareFlasher::finished, &loop,
                                    [&](bool ok, const FlashReport &report, const Error &error) {
                                        if (ok)
                                            result = report;
                                        else
                                            result = tl::unexpected(error);
                                        loop.quit();
                                    });
    QTimer::singleShot(timeoutMs, &loop, [this] { cancel(); });
    if (!result)
        loop.exec();
    disconnect(connection);
    if (!result)
        return fail(ErrorCode::Refused, tr("avrdude did not finish."));
    return *result;
}

} // namespace Warden
