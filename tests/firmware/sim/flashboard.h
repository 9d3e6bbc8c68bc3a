// Helpers of the flashing tests (tst_simflash, tst_simflashcli): a board with optiboot in
// warden_simavr, Intel HEX files as flash images, the board's pty as the personalization
// session reads it.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtCore/QString>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace WardenFlashSim {

using namespace Qt::StringLiterals;

inline constexpr int kFlashBytes = 32768;
inline constexpr int kBootStart = 0x7E00;

/// An Intel HEX file as a flash image (erased: 0xFF); false when it is not one.
inline bool loadHex(const QString &path, QByteArray &flash, int &lowest, int &highest)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return false;
    flash = QByteArray(kFlashBytes * 2, char(0xFF)); // room to see code past the end
    lowest = INT_MAX;
    highest = -1;
    quint32 base = 0;
    for (const QByteArray &raw : file.readAll().split('\n')) {
        const QByteArray line = raw.trimmed();
        if (line.isEmpty())
            continue;
        const QByteArray r = QByteArray::fromHex(line.mid(1));
        if (!line.startsWith(':') || r.size() < 5)
            return false;
        const int count = quint8(r[0]);
        const quint32 at = base + (quint32(quint8(r[1])) << 8 | quint8(r[2]));
        switch (quint8(r[3])) {
        case 0:
            if (at + count > quint32(flash.size()))
                return false;
            std::memcpy(flash.data() + at, r.constData() + 4, size_t(count));
            lowest = std::min(lowest, int(at));
            highest = std::max(highest, int(at) + count - 1);
            break;
        case 1:
            return highest >= 0;
        case 2:
            base = (quint32(quint8(r[4])) << 8 | quint8(r[5])) << 4;
            break;
        case 4:
            base = (quint32(quint8(r[4])) << 8 | quint8(r[5])) << 16;
            break;
        default:
            break;
        }
    }
    return false;
}

/// The pty as the personalization session reads it: raw, non-blocking, as a QFile.
inline bool openPty(const QString &path, QFile &file)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return false;
    termios tio {};
    tcgetattr(fd, &tio);
    cfmakeraw(&tio);
    tcsetattr(fd, TCSANOW, &tio);
    return file.open(fd, QIODevice::ReadWrite | QIODevice::Unbuffered, QFile::AutoCloseHandle);
}

/// A board: optiboot, erased application flash, held in reset until the port speaks (as a
/// board reset by the opening of its port). Returns the pty, empty on failure.
inline QString startBoard(QProcess &sim, const QString &bootloader, const QString &flashOut)
{
    sim.start(QStringLiteral(WARDEN_SIMAVR),
              {u"--mcu"_s, u"atmega328p"_s, u"--freq"_s, u"16000000"_s, u"--bootloader"_s,
               bootloader, u"--uart-pty"_s, u"--hold-until-input"_s, u"--realtime"_s,
               u"--flash-out"_s, flashOut});
    if (!sim.waitForStarted(10000))
        return QString();
    QElapsedTimer clock;
    clock.start();
    while (!sim.canReadLine() && sim.state() == QProcess::Running && clock.elapsed() < 10000)
        sim.waitForReadyRead(100);
    const QString pty = QString::fromLocal8Bit(sim.readLine()).trimmed();
    return pty.startsWith(u"/dev/"_s) ? pty : QString();
}

inline QString avrdudeOnPath()
{
    return QStandardPaths::findExecutable(u"avrdude"_s);
}

/// The optiboot the board runs: Debian's own hex when it fits the boot section, else the one
/// tests/firmware/sim builds from its source; empty when there is neither. @p note says why.
inline QString chooseBootloader(const QString &shipped, const QString &built, QString &note)
{
    QByteArray flash;
    int lowest = 0;
    int highest = 0;
    if (QFile::exists(shipped) && loadHex(shipped, flash, lowest, highest)) {
        if (lowest >= kBootStart && highest < kFlashBytes)
            return shipped;
        note = u"%1 spans 0x%2..0x%3, past the flash's end: it is not used"_s.arg(shipped)
                       .arg(lowest, 4, 16, QLatin1Char('0'))
                       .arg(highest, 4, 16, QLatin1Char('0'));
    }
    if (!built.isEmpty() && QFile::exists(built))
        return built;
    return QString();
}

} // namespace WardenFlashSim
