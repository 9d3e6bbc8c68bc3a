// Flashing Warden firmware into a board through its Arduino bootloader: avrdude (the Debian
// package avrdude) run with the STK500v1 protocol of optiboot (-c arduino), its progress read
// from its output, its failures told in plain words. The images are the Intel HEX files the
// package installs in share/warden/firmware (firmware/docs/flashing.md). wardenctl flash and the
// console's personalization dialog both flash through this class.
#pragma once

#include <warden/error.h>
#include <warden/global.h>

#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <memory>

QT_BEGIN_NAMESPACE
class QIODevice;
QT_END_NAMESPACE

namespace Warden {

/// One flashable image.
struct WARDEN_CORE_EXPORT FirmwareImage
{
    QString name; ///< lower-case, without ".hex": "securenode-nrf24"
    QString path; ///< the .hex file
    QString description; ///< what it is for; empty for a file Warden does not know
};

/// What to flash where.
struct WARDEN_CORE_EXPORT FlashRequest
{
    QString port; ///< the serial device: /dev/ttyUSB0, /dev/ttyACM0, a pty
    QString image; ///< an Intel HEX file
    int baud = 115200; ///< optiboot (Uno, newer Nano); 57600 for the old Nano bootloader
    QString part = QStringLiteral("atmega328p"); ///< avrdude's -p
    QString programmer = QStringLiteral("arduino"); ///< avrdude's -c: STK500v1 bootloaders
};

/// What a successful flash did.
struct WARDEN_CORE_EXPORT FlashReport
{
    qint64 bytes = 0; ///< bytes of the image written and verified
    qint64 elapsedMs = 0;
    QString signature; ///< the device signature avrdude read, "0x1e950f"

    bool operator==(const FlashReport &) const = default;
};

class WARDEN_CORE_EXPORT FirmwareFlasher : public QObject
{
    Q_OBJECT
public:
    /// The flash below optiboot's 512 bytes on an ATmega328P: the most an image may hold.
    static constexpr qint64 kMaxImageBytes = 32768 - 512;

    explicit FirmwareFlasher(QObject *parent = nullptr);
    ~FirmwareFlasher() override;

    /// Where installed images are looked for, in order: $WARDEN_FIRMWARE_DIR, then
    /// <program>/../share/warden/firmware, then the installed share/warden/firmware.
    static QStringList imageDirectories();
    /// The .hex files of @p directory (empty: the first of imageDirectories() that has any).
    static QList<FirmwareImage> installedImages(const QString &directory = {});
    /// An image name ("securenode-nrf24", case-insensitive; a part of it that names one image
    /// only, like "nrf24", will do) or a path to a .hex file, to the file. The error lists the
    /// images there are.
    static Result<QString> resolveImage(const QString &nameOrFile, const QString &directory = {});
    /// Reads @p path as an ATmega328P image (Intel HEX, checksums checked) and returns the
    /// bytes it writes; refuses what is not Intel HEX or reaches into the bootloader (at or
    /// above kMaxImageBytes).
    static Result<qint64> checkImage(const QString &path);
    /// avrdude on PATH (or @p program); the error names the Debian package.
    static Result<QString> findAvrdude(const QString &program = {});
    /// The arguments avrdude gets: -p part -c programmer -P port -b baud -D -U flash:w:file:i.
    static QStringList avrdudeArguments(const FlashRequest &request);
    /// The port exists and can be opened for reading and writing (the error says what to do).
    static Result<void> checkPort(const QString &port);
    /// Asks the board on @p device (open for reading and writing) whether it runs Warden
    /// firmware, with the personalization session's hello (firmware/docs/personalization.md),
    /// repeated for up to @p timeoutMs, and ends the session again. Returns the firmware
    /// version the node shows; the error says nothing answered as Warden firmware does.
    static Result<QString> probe(QIODevice *device, int timeoutMs = 8000);
    /// avrdude's output of a failed run (exit code @p exitCode) in plain words.
    static QString explainFailure(const QString &output, int exitCode, const FlashRequest &request);

    /// Runs @p program instead of avrdude from PATH (tests; another avrdude).
    void setAvrdudeProgram(const QString &program);
    /// Checks the port, the image and avrdude, then starts avrdude; finished() follows
    /// (unless this returns an error). Refused while a flash runs.
    Result<void> start(const FlashRequest &request);
    bool isRunning() const;
    /// Stops avrdude; finished() reports the cancellation. The board keeps a partly written
    /// image (its bootloader is untouched): flash it again.
    void cancel();
    /// Runs a nested event loop until the flash started by start() ends (or @p timeoutMs,
    /// then cancels) and returns its result.
    Result<FlashReport> waitForFinished(int timeoutMs = 300000);

signals:
    /// 0..100 over the whole flash: writing is the first half, verifying the second.
    /// @p phase is "connecting", "writing" or "verifying".
    void progress(int percent, const QString &phase);
    /// One line of avrdude's output (without its progress bars).
    void outputLine(const QString &line);
    /// The end of a flash started by start(): @p ok with @p report, or @p error saying why
    /// not in plain words.
    void finished(bool ok, const Warden::FlashReport &report, const Warden::Error &error);

private:
    void finish(const Result<FlashReport> &result);

    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace Warden
