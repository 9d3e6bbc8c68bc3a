#include "seriallink.h"

#include <QtCore/QLoggingCategory>
#include <QtCore/QTimer>

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

const char *serialFramingName(SerialFraming framing)
{
    switch (framing) {
    case SerialFraming::Lines:
        return "lines";
    case SerialFraming::Modem:
        return "modem";
    case SerialFraming::Rs485:
        return "rs485";
    }
    return "?";
}

SerialLink::SerialLink(LinkConfiguration configuration, SerialSettings settings, QObject *parent)
    : Link(std::move(configuration),
           settings.framing == SerialFraming::Lines ? LinkFraming::ControllerLines
                                                    : LinkFraming::RadioFrames,
           parent)
    , m_settings(std::move(settings))
    , m_port(new QSerialPort(this))
    , m_modemTimer(new QTimer(this))
    , m_rs485Receiver(Protocol::kGatewayAddress)
    , m_rs485Timer(new QTimer(this))
{
    setMalformedLimit(kMalformedPerSecond);
    m_modemTimer->setSingleShot(true);
    m_rs485Timer->setSingleShot(true);
    connect(m_modemTimer, &QTimer::timeout, this, &SerialLink::modemAnswerTimeout);
    connect(m_rs485Timer, &QTimer::timeout, this, [this] { transportReady(); });
    connect(m_port, &QSerialPort::readyRead, this, &SerialLink::readAvailable);
    connect(m_port, &QSerialPort::errorOccurred, this, &SerialLink::portError);
    connect(m_port, &QSerialPort::bytesWritten, this, [this](qint64 bytes) {
        countBytesOut(bytes);
        // The modem takes its next request when the last one is answered, not when it left.
        if (m_settings.framing != SerialFraming::Modem)
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
    static const QStringList kCommon {u"baudRate"_s, u"framing"_s, u"port"_s};
    static const QStringList kModem {u"address"_s, u"channel"_s, u"dataRate"_s, u"power"_s};
    static const QStringList kRs485 {u"sohCount"_s};
    static const QStringList kKnown = [] {
        QStringList all = kCommon + kModem + kRs485;
        all.sort();
        return all;
    }();
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

    if (settings.contains(u"framing"_s)) {
        const QVariant value = settings.value(u"framing"_s);
        if (value.typeId() != QMetaType::QString)
            return bad(u"serial setting \"framing\" must be a string, not %1"_s.arg(
                    linkSettingTypeName(value)));
        const QString framing = value.toString();
        if (framing == u"lines"_s)
            result.framing = SerialFraming::Lines;
        else if (framing == u"modem"_s)
            result.framing = SerialFraming::Modem;
        else if (framing == u"rs485"_s)
            result.framing = SerialFraming::Rs485;
        else
            return bad(u"serial setting \"framing\" must be \"lines\", \"modem\" or \"rs485\", "
                       u"not \"%1\""_s.arg(framing));
    }
    // A key of another framing would be ignored silently: refused, so that a typo in the
    // framing does not pass as a working configuration.
    const QString framingName = QString::fromLatin1(serialFramingName(result.framing));
    for (const auto &[keys, owner] :
         {std::pair {&kModem, SerialFraming::Modem}, std::pair {&kRs485, SerialFraming::Rs485}}) {
        if (owner == result.framing)
            continue;
        for (const QString &key : *keys) {
            if (settings.contains(key))
                return bad(
                        u"serial setting \"%1\" applies to framing \"%2\" only, not \"%3\""_s.arg(
                                key, QString::fromLatin1(serialFramingName(owner)), framingName));
        }
    }

    // Whole numbers within a range; the error names the key, the value and the range.
    auto number = [&](const QString &key, qint64 low, qint64 high, qint64 &out) -> Result<void> {
        if (!settings.contains(key))
            return {};
        const QVariant value = settings.value(key);
        const std::optional<qint64> n = linkSettingWholeNumber(value);
        if (!n)
            return bad(u"serial setting \"%1\" must be a whole number, not %2"_s.arg(
                    key, linkSettingTypeName(value)));
        if (*n < low || *n > high)
            return bad(u"serial setting \"%1\" is %2 (allowed: %3 to %4)"_s.arg(key)
                               .arg(*n)
                               .arg(low)
                               .arg(high));
        out = *n;
        return {};
    };

    qint64 baud = result.framing == SerialFraming::Rs485 ? 9600 : 115200;
    if (auto ok = number(u"baudRate"_s, kMinBaudRate, kMaxBaudRate, baud); !ok)
        return tl::unexpected(ok.error());
    result.baudRate = qint32(baud);

    if (result.framing == SerialFraming::Modem) {
        qint64 address = result.radio.address;
        qint64 channel = result.radio.channel;
        qint64 power = result.radio.power;
        // 255 is the broadcast address: the modem refuses it (radio-modem.md, Configure).
        if (auto ok = number(u"address"_s, 0, 254, address); !ok)
            return tl::unexpected(ok.error());
        if (auto ok = number(u"channel"_s, 0, Protocol::kModemMaxChannel, channel); !ok)
            return tl::unexpected(ok.error());
        if (auto ok = number(u"power"_s, 0, Protocol::kModemMaxPower, power); !ok)
            return tl::unexpected(ok.error());
        if (settings.contains(u"dataRate"_s)) {
            const QVariant value = settings.value(u"dataRate"_s);
            const std::optional<qint64> kbps = linkSettingWholeNumber(value);
            if (!kbps)
                return bad(u"serial setting \"dataRate\" must be a whole number of kbit/s "
                           u"(250, 1000 or 2000), not %1"_s.arg(linkSettingTypeName(value)));
            if (*kbps == 250)
                result.radio.dataRate = Protocol::kModemRate250k;
            else if (*kbps == 1000)
                result.radio.dataRate = Protocol::kModemRate1M;
            else if (*kbps == 2000)
                result.radio.dataRate = Protocol::kModemRate2M;
            else
                return bad(u"serial setting \"dataRate\" is %1 (allowed: 250, 1000 or 2000 "
                           u"kbit/s)"_s.arg(*kbps));
        }
        result.radio.address = quint8(address);
        result.radio.channel = quint8(channel);
        result.radio.power = quint8(power);
    }
    if (result.framing == SerialFraming::Rs485) {
        qint64 soh = result.sohCount;
        if (auto ok = number(u"sohCount"_s, 1, qint64(Protocol::kRs485MaxSohCount), soh); !ok)
            return tl::unexpected(ok.error());
        result.sohCount = quint8(soh);
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
                               << m_settings.baudRate << "baud, framing"
                               << serialFramingName(m_settings.framing);
    switch (m_settings.framing) {
    case SerialFraming::Lines:
        transportConnected();
        return;
    case SerialFraming::Modem:
        // Connected once the modem has said who it is and runs the radio settings wanted.
        modemOpened();
        return;
    case SerialFraming::Rs485:
        m_rs485Receiver.reset();
        m_rs485BusyRounds = 0;
        m_rs485LastByte = std::chrono::steady_clock::now();
        transportConnected();
        return;
    }
}

void SerialLink::closeTransport()
{
    ++m_generation;
    if (m_port->isOpen())
        m_port->close();
    m_port->clearError();
    m_splitter.reset();
    m_modemDecoder.reset();
    m_modemRun = 0;
    m_modemRequest.reset();
    m_modemStatusWanted = false;
    m_modemConfigureWanted = false;
    m_modemTimer->stop();
    m_rs485Receiver.reset();
    m_rs485Timer->stop();
}

bool SerialLink::writeBytes(const QByteArray &bytes)
{
    // QSerialPort takes a whole write into its buffer or nothing.
    if (m_port->write(bytes) != bytes.size()) {
        transportFailed(
                Error(ErrorCode::Refused, u"link %1: serial port %2 refused a write: %3"_s.arg(
                                                  name(), m_settings.port, m_port->errorString())));
        return false;
    }
    return true;
}

bool SerialLink::writeUnit(const QByteArray &unit)
{
    if (!m_port->isOpen() || m_port->bytesToWrite() >= kWriteBufferLimit)
        return false;
    switch (m_settings.framing) {
    case SerialFraming::Lines: {
        QByteArray line;
        line.reserve(unit.size() + 1);
        line.append(unit).append('\n');
        return writeBytes(line);
    }
    case SerialFraming::Modem: {
        // One request outstanding (txWindow 1 in the modem's firmware); control requests go
        // before frames.
        if (m_modemPhase != ModemPhase::Ready || m_modemRequest || m_modemStatusWanted
            || m_modemConfigureWanted)
            return false;
        // The next hop is the frame's destination (byte 2 of the header, spec 3.1): the host
        // gateway's nodes are its radio children.
        return modemSend(Protocol::ModemPacketType::RadioTx, unit, quint8(unit.at(2)), true);
    }
    case SerialFraming::Rs485:
        return writeRs485(unit);
    }
    return false;
}

void SerialLink::readAvailable()
{
    const QByteArray data = m_port->readAll();
    if (data.isEmpty())
        return;
    countBytesIn(data.size());
    switch (m_settings.framing) {
    case SerialFraming::Lines:
        readLines(data);
        return;
    case SerialFraming::Modem:
        readModem(data);
        return;
    case SerialFraming::Rs485:
        readRs485(data);
        return;
    }
}

void SerialLink::readLines(const QByteArray &data)
{
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
    checkRun(m_splitter.skipping(), "a line end");
}

void SerialLink::checkRun(qsizetype run, const char *what)
{
    if ((state() == LinkState::Connected || state() == LinkState::Connecting)
        && run > kMaxRunWithoutLineEnd)
        transportFailed(
                Error(ErrorCode::Malformed, u"link %1: %2 bytes without %3 from serial port %4, "
                                            u"port closed"_s.arg(name())
                                                    .arg(run)
                                                    .arg(QString::fromLatin1(what))
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
