// A link over a serial port (QtSerialPort), in one of three framings:
//  * lines: a stock MySensors serial gateway speaking controller lines (classic mode);
//  * modem: Warden's RadioModem (firmware/docs/radio-modem.md), frames in COBS packets with a
//    CRC, one request outstanding at a time, for host-gateway mode;
//  * rs485: a USB-RS485 adapter on the bus, frames in spec section 9 framing, host-gateway
//    mode with the host as node 0.
// A port that fails or vanishes (USB stick pulled, pty closed) is a drop: the base class
// reconnects with backoff and keeps what is queued.
#pragma once

#include <warden/link.h>
#include <warden/protocol/modemframing.h>
#include <warden/protocol/rs485.h>

#include <QtCore/QLoggingCategory>
#include <QtSerialPort/QSerialPort>

#include <chrono>
#include <optional>

QT_BEGIN_NAMESPACE
class QTimer;
QT_END_NAMESPACE

namespace Warden::Internal {

Q_DECLARE_LOGGING_CATEGORY(lcSerial)

/// What travels on the serial line.
enum class SerialFraming : quint8 {
    Lines, ///< controller lines of a stock serial gateway ("lines")
    Modem, ///< Warden's radio modem packets ("modem")
    Rs485, ///< MySensors RS485 frames on a bus ("rs485")
};

/// The setting's value for a framing ("lines", "modem", "rs485").
const char *serialFramingName(SerialFraming framing);

/// The checked settings of a serial link.
struct SerialSettings
{
    QString port; ///< device path or port name ("/dev/ttyUSB0", a pty's link)
    /// 8N1, no flow control. Defaults: 115200 for lines and modem, 9600 for rs485 (spec 9.1).
    qint32 baudRate = 115200;
    SerialFraming framing = SerialFraming::Lines;
    /// Modem: the radio settings the link gives the modem (Configure) when its status shows
    /// others. Defaults are spec 10.14's (gateway address 0, channel 76, 250 kbps, power 3).
    Protocol::ModemRadioConfig radio {0, 76, Protocol::kModemRate250k, Protocol::kModemMaxPower};
    /// RS485: leading SOH bytes of each frame sent (MY_RS485_SOH_COUNT, 1..3).
    quint8 sohCount = 1;
};

/// What the modem framing saw, beyond the link's statistics.
struct SerialModemStatistics
{
    quint64 requests = 0; ///< packets sent to the modem, retransmissions included
    quint64 retransmissions = 0; ///< requests sent again after kModemAnswerTimeout
    quint64 txOk = 0; ///< RadioTx answered Ok
    quint64 txNoAck = 0; ///< RadioTx answered NoAck (the next hop did not acknowledge)
    quint64 txFailed = 0; ///< RadioTx answered RadioFailure, Invalid, Busy or UnknownType
    quint64 rxFrames = 0; ///< RadioRx packets taken
    quint64 rxMissed = 0; ///< RadioRx packets missed, from gaps in the modem's sequence
    quint64 rxDroppedFlags = 0; ///< RadioRx packets flagged "frames were thrown away before"
    quint64 restarts = 0; ///< boot statuses seen while connected (the modem was reset)
    quint64 staleAnswers = 0; ///< answers to no outstanding request (late, or duplicated)
};

/// What the RS485 framing saw, beyond the link's statistics.
struct SerialRs485Statistics
{
    quint64 framesIn = 0; ///< frames for node 0 (or broadcast) taken from the bus
    quint64 brokenFrames = 0; ///< collisions, partial frames (counted as malformed too)
    quint64 busyWaits = 0; ///< carrier-sense rounds spent waiting for a quiet bus (spec 9.4)
};

class SerialLink final : public Link
{
    Q_OBJECT

public:
    /// Bytes the port's write buffer may hold before writeUnit() asks the base to wait.
    static constexpr qint64 kWriteBufferLimit = 4096;
    /// Bytes read from the OS ahead of handling (QSerialPort's buffer is unbounded otherwise).
    static constexpr qint64 kReadBufferSize = 64 * 1024;
    /// Malformed units per second before the port is closed and reopened after the backoff.
    static constexpr qsizetype kMalformedPerSecond = 20;
    /// Bytes without a line end (lines) or packet delimiter (modem) after which the peer is
    /// taken for a flood and the port closed.
    static constexpr qsizetype kMaxRunWithoutLineEnd = 16 * 1024;
    /// Modem: an unanswered request is sent again after this (radio-modem.md: 500 ms) ...
    static constexpr std::chrono::milliseconds kModemAnswerTimeout {500};
    /// ... at most this many times in all; then the modem is taken for gone and the port
    /// reopened after the backoff.
    static constexpr int kModemAttempts = 3;
    /// Modem: status requests at open before giving up; an Arduino-style board restarts when
    /// the port opens, and its bootloader takes up to two seconds.
    static constexpr int kModemHelloAttempts = 8;
    /// RS485: the bus counts as quiet after this long without a byte (or three byte times at
    /// slow rates) ...
    static constexpr std::chrono::milliseconds kRs485QuietTime {2};
    /// ... rounds of waiting for it (spec 9.4: 10) before the link reports a busy bus; it
    /// keeps waiting then (a queued frame is not dropped) ...
    static constexpr int kRs485BusyRounds = 10;
    /// ... and a sender waits a random 0..19 ms per round while it is not (spec 9.4).
    static constexpr int kRs485MaxBackoffMs = 19;

    SerialLink(LinkConfiguration configuration, SerialSettings settings, QObject *parent = nullptr);
    ~SerialLink() override;

    /// Checks a configuration's settings: "port" (required), "baudRate", "framing", and per
    /// framing "address", "channel", "dataRate", "power" (modem) or "sohCount" (rs485); an
    /// unknown key, a key of another framing, a wrong type or a value out of range is an
    /// error that names the key.
    static Result<SerialSettings> parseSettings(const QString &linkName,
                                                const QVariantMap &settings);
    static QVariantMap defaultSettings();

    const SerialSettings &settings() const { return m_settings; }
    const SerialModemStatistics &modemStatistics() const { return m_modemStats; }
    const SerialRs485Statistics &rs485Statistics() const { return m_rs485Stats; }
    /// Modem: the last status it reported (none before the first one on this link).
    const std::optional<Protocol::ModemStatus> &modemStatus() const { return m_modemStatus; }

protected:
    void openTransport() override;
    void closeTransport() override;
    bool writeUnit(const QByteArray &unit) override;

private:
    /// A request to the modem awaiting its answer.
    struct ModemRequest
    {
        Protocol::ModemPacketType type;
        quint8 sequence;
        QByteArray wire; ///< as sent, for a retransmission
        int attempts;
    };
    enum class ModemPhase : quint8 {
        Hello, ///< port open, waiting for the modem's status
        Configuring, ///< status seen, radio settings sent
        Ready, ///< connected: frames flow
    };

    void readAvailable();
    void portError(QSerialPort::SerialPortError error);
    bool writeBytes(const QByteArray &bytes);
    void checkRun(qsizetype run, const char *what);

    void readLines(const QByteArray &data);

    void modemOpened();
    void readModem(const QByteArray &data);
    void modemPacket(const Protocol::ModemDecoder &packet);
    void modemStatusPacket(const Protocol::ModemDecoder &packet);
    void modemResult(Protocol::ModemResult result, quint8 detail);
    void modemRadioRx(const Protocol::ModemDecoder &packet);
    bool modemSend(Protocol::ModemPacketType type, const QByteArray &body, quint8 lead = 0,
                   bool hasLead = false);
    void modemSendStatusRequest();
    void modemSendConfigure();
    void modemAnswerTimeout();
    void modemPump();
    bool modemRadioDiffers(const Protocol::ModemStatus &status) const;
    quint8 nextModemSequence();

    void readRs485(const QByteArray &data);
    bool writeRs485(const QByteArray &unit);
    std::chrono::milliseconds rs485QuietTime() const;

    SerialSettings m_settings;
    QSerialPort *m_port;
    LineSplitter m_splitter;
    bool m_opening = false;
    /// Counts closes: a handler that closed the port (a flood, a refused modem) tells the
    /// loop over the bytes of the same read to stop.
    quint64 m_generation = 0;

    // modem
    Protocol::ModemDecoder m_modemDecoder;
    qsizetype m_modemRun = 0; ///< bytes since the last delimiter
    ModemPhase m_modemPhase = ModemPhase::Hello;
    std::optional<ModemRequest> m_modemRequest;
    bool m_modemStatusWanted = false; ///< a status request waits for the request in flight
    bool m_modemConfigureWanted = false; ///< a Configure waits for the request in flight
    quint8 m_modemSequence = 0;
    std::optional<quint8> m_modemRxSequence; ///< the last RadioRx sequence on this connection
    std::optional<Protocol::ModemStatus> m_modemStatus;
    bool m_modemRadioFailureReported = false;
    QTimer *m_modemTimer;
    SerialModemStatistics m_modemStats;

    // rs485
    Protocol::Rs485Receiver m_rs485Receiver;
    std::chrono::steady_clock::time_point m_rs485LastByte;
    int m_rs485BusyRounds = 0;
    QTimer *m_rs485Timer;
    SerialRs485Statistics m_rs485Stats;
};

} // namespace Warden::Internal
