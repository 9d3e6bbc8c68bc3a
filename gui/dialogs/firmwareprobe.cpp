#include "firmwareprobe.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QIODevice>
#include <QtCore/QRegularExpression>
#include <QtCore/QTimer>

namespace Warden::Internal {

namespace {

constexpr qsizetype kMaxLine = 128; // the node's longest line is far shorter
constexpr int kMaxLines = 64;

bool matches(const QByteArray &value, const char *pattern)
{
    const QRegularExpression re(QRegularExpression::anchoredPattern(QLatin1String(pattern)));
    return re.match(QString::fromLatin1(value)).hasMatch();
}

QString fingerprintOf(const QByteArray &value)
{
    if (value == "-")
        return QString();
    if (matches(value, "[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}"))
        return QString::fromLatin1(value);
    return QString();
}

int hexNumber(const QByteArray &value, int digits)
{
    if (value.size() != digits || !matches(value, "[0-9A-Fa-f]+"))
        return -1;
    bool ok = false;
    const int n = value.toInt(&ok, 16);
    return ok ? n : -1;
}

} // namespace

bool FirmwareInfo::isBlank() const
{
    return linkFingerprint.isEmpty() && networkFingerprint.isEmpty()
           && managementFingerprint.isEmpty();
}

QString FirmwareInfo::text() const
{
    QStringList parts;
    parts << tr("Warden firmware %1 (MySensors %2), personalization protocol %3.")
                     .arg(firmwareVersion.isEmpty() ? tr("(version not shown)") : firmwareVersion,
                          mysensorsVersion.isEmpty() ? QStringLiteral("?") : mysensorsVersion)
                     .arg(protocol);
    parts << (nodeId < 0 ? tr("Node id: assigned by the controller.")
                         : tr("Node id: %1.").arg(nodeId));
    if (!serialHex.isEmpty())
        parts << tr("Serial: %1.").arg(serialHex);
    if (isBlank()) {
        parts << (legacyFingerprint.isEmpty()
                          ? tr("It holds no keys yet.")
                          : tr("It holds no Warden keys; it signs with a MySensors key (%1).")
                                    .arg(legacyFingerprint));
    } else {
        if (!linkFingerprint.isEmpty())
            parts << tr("Link key %1.").arg(linkFingerprint);
        if (!networkFingerprint.isEmpty())
            parts << tr("Network key %1 (epoch %2).").arg(networkFingerprint).arg(networkEpoch);
        if (!managementFingerprint.isEmpty())
            parts << tr("Management key %1.").arg(managementFingerprint);
        parts << tr("Personalizing it again replaces these keys.");
    }
    if (lockBudget == 0)
        parts << tr("The node is locked after repeated failures: it needs its unlock pin.");
    return parts.join(u' ');
}

FirmwareInfo FirmwareProbe::parse(const QList<QByteArray> &lines)
{
    FirmwareInfo info;
    for (const QByteArray &line : lines) {
        const QList<QByteArray> w = line.simplified().split(' ');
        if (w.isEmpty())
            continue;
        const QByteArray &label = w.first();
        if (label == "VERSION" && w.size() == 4) {
            bool ok = false;
            const int protocol = w.at(1).toInt(&ok);
            if (ok && protocol > 0 && protocol < 100)
                info.protocol = protocol;
            if (matches(w.at(2), "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}"))
                info.firmwareVersion = QString::fromLatin1(w.at(2));
            if (matches(w.at(3), "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}"))
                info.mysensorsVersion = QString::fromLatin1(w.at(3));
        } else if (label == "ID" && w.size() == 2) {
            const int id = hexNumber(w.at(1), 2);
            info.nodeId = (id <= 0 || id == 0xFF) ? -1 : id;
        } else if (label == "SERIAL" && w.size() >= 2) {
            if (hexNumber(w.at(1).left(2), 2) >= 0 && matches(w.at(1), "[0-9A-Fa-f]{18}"))
                info.serialHex = QString::fromLatin1(w.at(1)).toLower();
        } else if (label == "LINK" && w.size() == 2) {
            info.linkFingerprint = fingerprintOf(w.at(1));
        } else if (label == "NET" && w.size() == 3) {
            info.networkFingerprint = fingerprintOf(w.at(1));
            info.networkEpoch = std::max(0, hexNumber(w.at(2), 4));
        } else if (label == "MGMT" && w.size() == 3) {
            info.managementFingerprint = fingerprintOf(w.at(1));
        } else if (label == "LEGACY" && w.size() == 2) {
            info.legacyFingerprint = fingerprintOf(w.at(1));
        } else if (label == "WL" && w.size() == 3) {
            const int id = hexNumber(w.at(1), 2);
            if (id >= 0 && id < 0xFF && info.whitelist.size() < 16)
                info.whitelist << id;
        } else if (label == "LOCK" && w.size() == 2) {
            info.lockBudget = hexNumber(w.at(1), 2);
        }
    }
    return info;
}

Result<FirmwareInfo> FirmwareProbe::probe(QIODevice *device, int timeoutMs, int repeatMs,
                                          int quietMs)
{
    if (!device || !device->isOpen() || !device->isWritable())
        return fail(ErrorCode::Refused, tr("The serial port is not open."));
    QByteArray buffer;
    QList<QByteArray> info;
    bool answered = false;
    bool garbage = false;
    bool closed = false;
    QElapsedTimer clock;
    clock.start();
    QElapsedTimer quiet;
    const QByteArray hello = QByteArray(kHello) + "\n";

    QEventLoop loop;
    QTimer tick;
    qint64 lastHello = -repeatMs;
    const auto onBytes = [&] {
        const QByteArray bytes = device->readAll();
        if (bytes.isEmpty())
            return;
        quiet.restart();
        if (answered)
            return; // what earlier hellos caused: drained
        buffer += bytes;
        for (;;) {
            qsizetype end = buffer.indexOf('\n');
            const qsizetype cr = buffer.indexOf('\r');
            if (cr >= 0 && (end < 0 || cr < end))
                end = cr;
            if (end < 0)
                break;
            const QByteArray line = buffer.left(end).trimmed();
            buffer.remove(0, end + 1);
            if (line.isEmpty())
                continue;
            if (line == "OK " + QByteArray(kHello)) {
                answered = true;
                buffer.clear();
                // One line end ends any fragment of a hello the node got while busy.
                device->write("\n");
                quiet.restart();
                return;
            }
            if (line.startsWith("ERR")) {
                info.clear(); // a fragment answered; the full answer follows
                continue;
            }
            if (info.size() < kMaxLines)
                info << line;
            else
                garbage = true;
        }
        if (buffer.size() > kMaxLine) {
            buffer.clear();
            garbage = true;
        }
    };
    QObject::connect(device, &QIODevice::readyRead, &loop, onBytes);
    QObject::connect(device, &QIODevice::aboutToClose, &loop, [&] {
        closed = true;
        loop.quit();
    });
    QObject::connect(&tick, &QTimer::timeout, &loop, [&] {
        onBytes(); // devices without readyRead (a pty as a QFile)
        if (answered) {
            if (quiet.elapsed() >= quietMs)
                loop.quit();
            return;
        }
        if (clock.elapsed() >= timeoutMs) {
            loop.quit();
            return;
        }
        if (clock.elapsed() - lastHello >= repeatMs) {
            lastHello = clock.elapsed();
            device->write(hello);
        }
    });
    tick.start(10);
    loop.exec();
    tick.stop();
    if (closed)
        return fail(ErrorCode::Refused, tr("The serial port closed while waiting for the node."));
    if (!answered) {
        return fail(ErrorCode::Refused,
                    garbage ? tr("Something answered, but not as Warden firmware does (is it a "
                                 "stock MySensors node, or the wrong speed?).")
                            : tr("No Warden firmware answered within %1 s. Reset the board (or "
                                 "plug it in again) and detect again: it listens for two "
                                 "seconds after a reset. A stock MySensors node never answers.")
                                      .arg(timeoutMs / 1000.0, 0, 'f', 1));
    }
    FirmwareInfo parsed = parse(info);
    if (parsed.protocol == 0)
        return fail(ErrorCode::Malformed,
                    tr("The node answered the hello but did not show its version."));
    return parsed;
}

} // namespace Warden::Internal
