#include "seriallink.h"

#include <QtCore/QLoggingCategory>

#include <cmath>
#include <limits>
#include <optional>

using namespace Qt::StringLiterals;

namespace Warden::Internal {

Q_LOGGING_CATEGORY(lcSerial, "warden.plugin.serial")

namespace {

constexpr qint32 kMinBaudRate = 50;
constexpr qint32 kMaxBaudRate = 4000000;

/// What the error means for someone looking at a gateway (the system's text alone can mislead:
/// it is read from errno after the fact).
QString describe(QSerialPort::SerialPortError error)
{
    switch (error) {
    case QSerialPort::ResourceError:
        return u"the device went away"_s;
    case QSerialPort::ReadError:
        return u"read error"_s;
    case QSerialPort::WriteError:
        return u"write error"_s;
    case QSerialPort::DeviceNotFoundError:
        return u"device not found"_s;
    case QSerialPort::PermissionError:
        return u"permission denied"_s;
    case QSerialPort::OpenError:
        return u"already open"_s;
    case QSerialPort::NotOpenError:
        return u"not open"_s;
    case QSerialPort::UnsupportedOperationError:
        return u"unsupported operation"_s;
    default:
        return u"error %1"_s.arg(int(error));
    }
}

} // namespace

SerialLink::SerialLink(LinkConfiguration configuration, SerialSettings settings, QObject *parent)
    : Link(std::move(configuration), LinkFraming::ControllerLines, parent)
    , m_settings(std::move(settings))
    , m_port(new QSerialPort(this))
{
    setMalformedLimit(kMalformedPerSecond);
    connect(m_port, &QSerialPort::readyRead, this, &SerialLink::readAvailable);
    connect(m_port, &QSerialPort::errorOccurred, this, &SerialLink::portError);
    connect(m_port, &QSerialPort::bytesWritten, this, [this](qint64 bytes) {
        countBytesOut(bytes);
        transportReady();
    });
}

SerialLink::~SerialLink()
{
    // Nothing may reach the base class while the port goes away with it.
    m_port->disconnect(this);
    if (m_port->isOpen())
        m_port->close();
}

Result<SerialSettings> SerialLink::parseSettings(const QString &linkName,
                                                 const QVariantMap &settings)
{
    auto bad = [&linkName](const QString &what) {
        return fail(ErrorCode::InvalidArgument, u"link %1: %2"_s.arg(linkName, what));
    };
    static const QStringList kKnown {u"baudRate"_s, u"framing"_s, u"port"_s};
    for (auto it = settings.cbegin(); it != settings.cend(); ++it) {
        if (!kKnown.contains(it.key()))
            return bad(u"unknown serial setting \"%1\" (known: %2)"_s.arg(it.key(),
                                                                          kKnown.join(u", "_s)));
    }

    SerialSettings result;
    const QVariant port = settings.value(u"port"_s);
    if (!port.isValid())
        return bad(u"serial setting \"port\" is required (a device such as /dev/ttyUSB0)"_s);
    if (port.typeId() != QMetaType::QString)
        return bad(u"serial setting \"port\" must be a string, not %1"_s.arg(
                linkSettingTypeName(port)));
    result.port = port.toString().trimmed();
    if (result.port.isEmpty())
        return bad(u"serial setting \"port\" is empty"_s);

    if (settings.contains(u"baudRate"_s)) {
        const QVariant value = settings.value(u"baudRate"_s);
        const std::optional<qint64> baud = linkSettingWholeNumber(value);
        if (!baud)
            return bad(u"serial setting \"baudRate\" must be a whole number, not %1"_s.arg(
                    linkSettingTypeName(value)));
        if (*baud < kMinBaudRate || *baud > kMaxBaudRate)
            return bad(u"serial setting \"baudRate\" is %1 (allowed: %2 to %3)"_s.arg(*baud)
                               .arg(kMinBaudRate)
                               .arg(kMaxBaudRate));
        result.baudRate = qint32(*baud);
    }

    if (settings.contains(u"framing"_s)) {
        const QVariant value = settings.value(u"framing"_s);
        if (value.typeId() != QMetaType::QString)
            return bad(u"serial setting \"framing\" must be a string, not %1"_s.arg(
                    linkSettingTypeName(value)));
        const QString framing = value.toString();
        if (framing == u"modem"_s)
            // The modem's framing is defined with its firmware; guessing it here would make a
            // link that looks fine and carries nothing.
            return bad(u"serial setting \"framing\": \"modem\" (Warden's radio modem) is not "
                       u"available yet; use \"lines\" for a MySensors serial gateway"_s);
        if (framing != u"lines"_s)
            return bad(
                    u"serial setting \"framing\" must be \"lines\" or \"modem\", not \"%1\""_s.arg(
                            framing));
    }
    return result;
}

QVariantMap SerialLink::defaultSettings()
{
    return {{u"port"_s, QString()}, {u"baudRate"_s, 115200}, {u"framing"_s, u"lines"_s}};
}

void SerialLink::openTransport()
{
    m_splitter.reset();
    m_port->setPortName(m_settings.port);
    m_port->setBaudRate(m_settings.baudRate);
    m_port->setDataBits(QSerialPort::Data8);
    m_port->setParity(QSerialPort::NoParity);
    m_port->setStopBits(QSerialPort::OneStop);
    m_port->setFlowControl(QSerialPort::NoFlowControl);
    m_port->setReadBufferSize(kReadBufferSize);
    m_opening = true;
    const bool opened = m_port->open(QIODevice::ReadWrite);
    m_opening = false;
    if (!opened) {
        const QString why = m_port->errorString();
        m_port->clearError();
        transportFailed(Error(ErrorCode::Refused, u"link %1: cannot open serial port %2: %3"_s.arg(
                                                          name(), m_settings.port, why)));
        return;
    }
    qCInfo(lcSerial).noquote() << "link" << name() << "opened" << m_settings.port << "at"
                               << m_settings.baudRate << "baud";
    transportConnected();
}

void SerialLink::closeTransport()
{
    if (m_port->isOpen())
        m_port->close();
    m_port->clearError();
    m_splitter.reset();
}

bool SerialLink::writeUnit(const QByteArray &unit)
{
    if (!m_port->isOpen() || m_port->bytesToWrite() >= kWriteBufferLimit)
        return false;
    QByteArray line;
    line.reserve(unit.size() + 1);
    line.append(unit).append('\n');
    // QSerialPort takes a whole write into its buffer or nothing.
    if (m_port->write(line) != line.size()) {
        transportFailed(
                Error(ErrorCode::Refused, u"link %1: serial port %2 refused a write: %3"_s.arg(
                                                  name(), m_settings.port, m_port->errorString())));
        return false;
    }
    return true;
}

void SerialLink::readAvailable()
{
    const QByteArray data = m_port->readAll();
    if (data.isEmpty())
        return;
    countBytesIn(data.size());
    // A report may close the port (malformed flood) part-way: the rest of this read is dropped.
    m_splitter.feed(
            data,
            [this](const QByteArray &line) {
                if (state() == LinkState::Connected)
                    deliverUnit(line);
            },
            [this](const QString &what) {
                if (state() == LinkState::Connected)
                    reportMalformed(what);
            });
    if (state() == LinkState::Connected && m_splitter.skipping() > kMaxRunWithoutLineEnd)
        transportFailed(Error(ErrorCode::Malformed,
                              u"link %1: %2 bytes without a line end from serial port %3, "
                              u"port closed"_s.arg(name())
                                      .arg(m_splitter.skipping())
                                      .arg(m_settings.port)));
}

void SerialLink::portError(QSerialPort::SerialPortError error)
{
    // open() reports its own failure; a timeout only concerns the blocking waitFor* calls.
    if (error == QSerialPort::NoError || error == QSerialPort::TimeoutError || m_opening)
        return;
    const QString why = m_port->errorString();
    m_port->clearError();
    if (state() != LinkState::Connected && state() != LinkState::Connecting)
        return;
    // Whatever else goes wrong on an open port (ResourceError when the device vanishes, read or
    // write errors), it is reopened from scratch after the backoff.
    transportFailed(Error(ErrorCode::Refused,
                          u"link %1: serial port %2 failed (%3): %4"_s.arg(name(), m_settings.port,
                                                                           describe(error), why)));
}

} // namespace Warden::Internal
