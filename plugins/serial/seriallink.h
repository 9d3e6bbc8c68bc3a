// A link over a serial port (QtSerialPort): a stock MySensors serial gateway speaking controller
// lines. A port that fails or vanishes (USB stick pulled, pty closed) is a drop: the base class
// reconnects with backoff and keeps what is queued.
#pragma once

#include <warden/link.h>

#include <QtSerialPort/QSerialPort>

namespace Warden::Internal {

/// The checked settings of a serial link.
struct SerialSettings
{
    QString port; ///< device path or port name ("/dev/ttyUSB0", a pty's link)
    qint32 baudRate = 115200; ///< MY_BAUD_RATE of a stock gateway; 8N1, no flow control
};

class SerialLink final : public Link
{
    Q_OBJECT

public:
    /// Bytes the port's write buffer may hold before writeUnit() asks the base to wait.
    static constexpr qint64 kWriteBufferLimit = 4096;
    /// Bytes read from the OS ahead of handling (QSerialPort's buffer is unbounded otherwise).
    static constexpr qint64 kReadBufferSize = 64 * 1024;
    /// Malformed lines per second before the port is closed and reopened after the backoff.
    static constexpr qsizetype kMalformedPerSecond = 20;
    /// Bytes without a line end after which the peer is taken for a flood and the port closed.
    static constexpr qsizetype kMaxRunWithoutLineEnd = 16 * 1024;

    SerialLink(LinkConfiguration configuration, SerialSettings settings, QObject *parent = nullptr);
    ~SerialLink() override;

    /// Checks a configuration's settings: "port" (required), "baudRate", "framing"; an unknown
    /// key, a wrong type or a value out of range is an error that names the key.
    static Result<SerialSettings> parseSettings(const QString &linkName,
                                                const QVariantMap &settings);
    static QVariantMap defaultSettings();

    const SerialSettings &settings() const { return m_settings; }

protected:
    void openTransport() override;
    void closeTransport() override;
    bool writeUnit(const QByteArray &unit) override;

private:
    void readAvailable();
    void portError(QSerialPort::SerialPortError error);

    SerialSettings m_settings;
    QSerialPort *m_port;
    LineSplitter m_splitter;
    bool m_opening = false;
};

} // namespace Warden::Internal
