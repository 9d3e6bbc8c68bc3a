// The serial link's modem framing: Warden's RadioModem as firmware/docs/radio-modem.md defines
// it. The host opens the port, asks for the modem's status (the modem may be restarting: an
// Arduino-style board resets when the port opens), gives it the radio settings if its status
// shows others, and only then reports the link connected. Frames go out as RadioTx, one at a
// time (the firmware's txWindow is 1): the next leaves when the modem has answered the last.
#include "seriallink.h"

#include <QtCore/QTimer>

using namespace Qt::StringLiterals;
using namespace Warden::Protocol;

namespace Warden::Internal {

namespace {

QString typeName(ModemPacketType type)
{
    switch (type) {
    case ModemPacketType::Status:
        return u"Status"_s;
    case ModemPacketType::StatusRequest:
        return u"StatusRequest"_s;
    case ModemPacketType::Configure:
        return u"Configure"_s;
    case ModemPacketType::Result:
        return u"Result"_s;
    case ModemPacketType::RadioTx:
        return u"RadioTx"_s;
    case ModemPacketType::RadioRx:
        return u"RadioRx"_s;
    }
    return u"type 0x%1"_s.arg(int(type), 2, 16, QLatin1Char('0'));
}

QString resultName(ModemResult result)
{
    switch (result) {
    case ModemResult::Ok:
        return u"Ok"_s;
    case ModemResult::NoAck:
        return u"NoAck"_s;
    case ModemResult::RadioFailure:
        return u"RadioFailure (the radio does not answer)"_s;
    case ModemResult::Invalid:
        return u"Invalid"_s;
    case ModemResult::Busy:
        return u"Busy"_s;
    case ModemResult::UnknownType:
        return u"UnknownType"_s;
    }
    return u"result %1"_s.arg(int(result));
}

QString rateName(uint8_t rate)
{
    switch (rate) {
    case kModemRate250k:
        return u"250 kbit/s"_s;
    case kModemRate1M:
        return u"1 Mbit/s"_s;
    case kModemRate2M:
        return u"2 Mbit/s"_s;
    default:
        return u"rate %1"_s.arg(rate);
    }
}

} // namespace

quint8 SerialLink::nextModemSequence()
{
    // 0 is the sequence of the boot status: a request never uses it, so that status is never
    // taken for an answer.
    if (++m_modemSequence == 0)
        m_modemSequence = 1;
    return m_modemSequence;
}

void SerialLink::modemOpened()
{
    m_modemDecoder.reset();
    m_modemRun = 0;
    m_modemPhase = ModemPhase::Hello;
    m_modemRequest.reset();
    m_modemStatusWanted = false;
    m_modemConfigureWanted = false;
    m_modemRxSequence.reset();
    m_modemRadioFailureReported = false;
    // Asked at once rather than waiting for a boot status: a modem that did not restart (no
    // DTR reset, a native USB chip) says nothing by itself.
    modemSendStatusRequest();
}

bool SerialLink::modemSend(ModemPacketType type, const QByteArray &body, quint8 lead, bool hasLead)
{
    uint8_t wire[kModemMaxWireSize];
    const quint8 sequence = nextModemSequence();
    const size_t n
            = modemEncode(uint8_t(type), sequence, hasLead ? &lead : nullptr, hasLead ? 1 : 0,
                          reinterpret_cast<const uint8_t *>(body.constData()), size_t(body.size()),
                          wire, sizeof wire);
    if (n == 0) {
        // Cannot happen for what the base lets through (frames of at most 32 bytes).
        qCWarning(lcSerial).noquote() << "link" << name() << "cannot frame a" << typeName(type)
                                      << "of" << body.size() << "bytes";
        return false;
    }
    const QByteArray bytes(reinterpret_cast<const char *>(wire), qsizetype(n));
    const quint64 generation = m_generation;
    if (!writeBytes(bytes) || generation != m_generation)
        return false;
    m_modemRequest = ModemRequest {type, sequence, bytes, 1};
    ++m_modemStats.requests;
    m_modemTimer->start(kModemAnswerTimeout);
    return true;
}

void SerialLink::modemSendStatusRequest()
{
    m_modemStatusWanted = false;
    modemSend(ModemPacketType::StatusRequest, {});
}

void SerialLink::modemSendConfigure()
{
    m_modemConfigureWanted = false;
    uint8_t body[kModemConfigBodySize];
    modemWriteConfig(m_settings.radio, body);
    modemSend(ModemPacketType::Configure,
              QByteArray(reinterpret_cast<const char *>(body), sizeof body));
}

void SerialLink::modemPump()
{
    if (m_modemRequest || !m_port->isOpen())
        return;
    if (m_modemStatusWanted) {
        modemSendStatusRequest();
        return;
    }
    if (m_modemConfigureWanted) {
        modemSendConfigure();
        return;
    }
    if (m_modemPhase == ModemPhase::Ready)
        transportReady();
}

void SerialLink::modemAnswerTimeout()
{
    if (!m_modemRequest || !m_port->isOpen())
        return;
    ModemRequest &request = *m_modemRequest;
    const int limit = m_modemPhase == ModemPhase::Hello ? kModemHelloAttempts : kModemAttempts;
    if (request.attempts >= limit) {
        const QString what = typeName(request.type);
        const int attempts = request.attempts;
        m_modemRequest.reset();
        transportFailed(
                Error(ErrorCode::Refused,
                      u"link %1: the modem on serial port %2 did not answer a %3 in %4 "
                      u"attempts %5 ms apart; port closed"_s.arg(name(), m_settings.port, what)
                              .arg(attempts)
                              .arg(kModemAnswerTimeout.count())));
        return;
    }
    // The same packet, same sequence: the request was lost or broken on the line (the modem
    // counts it in linkErrors), or only its answer was. A repeated RadioTx is a repeated radio
    // frame, which MySensors tolerates (radio-modem.md).
    ++request.attempts;
    ++m_modemStats.retransmissions;
    ++m_modemStats.requests;
    qCDebug(lcSerial).noquote() << "link" << name() << "sends" << typeName(request.type)
                                << request.sequence << "again, attempt" << request.attempts;
    const quint64 generation = m_generation;
    if (!writeBytes(request.wire) || generation != m_generation)
        return;
    m_modemTimer->start(kModemAnswerTimeout);
}

bool SerialLink::modemRadioDiffers(const ModemStatus &status) const
{
    const ModemRadioConfig &want = m_settings.radio;
    return status.address != want.address || status.channel != want.channel
           || status.dataRate != want.dataRate || status.power != want.power;
}

void SerialLink::readModem(const QByteArray &data)
{
    const quint64 generation = m_generation;
    for (const char c : data) {
        if (generation != m_generation)
            return; // a handler closed the port: the rest of this read belongs to nobody
        m_modemRun = c == char(kModemDelimiter) ? 0 : m_modemRun + 1;
        if (m_modemRun > kMaxRunWithoutLineEnd) {
            checkRun(m_modemRun, "a packet delimiter");
            return;
        }
        switch (m_modemDecoder.feed(uint8_t(c))) {
        case ModemDecoder::Event::None:
            break;
        case ModemDecoder::Event::Error: {
            const ModemError error = m_modemDecoder.lastError();
            const QString what = u"modem packet dropped: %1 (%2)"_s.arg(
                    QString::fromLatin1(modemErrorName(error)),
                    QString::fromLatin1(modemErrorText(error)));
            reportMalformed(what);
            break;
        }
        case ModemDecoder::Event::Packet:
            modemPacket(m_modemDecoder);
            break;
        }
    }
}

void SerialLink::modemPacket(const ModemDecoder &packet)
{
    switch (ModemPacketType(packet.type())) {
    case ModemPacketType::Status:
        modemStatusPacket(packet);
        return;
    case ModemPacketType::Result: {
        if (!m_modemRequest || m_modemRequest->sequence != packet.sequence()) {
            // The answer to a request already answered (the first answer was late and the
            // request went again), or to one from before a reopen.
            ++m_modemStats.staleAnswers;
            return;
        }
        if (packet.bodyLength() < 1) {
            reportMalformed(u"modem Result %1 without a result code"_s.arg(packet.sequence()));
            return;
        }
        modemResult(ModemResult(packet.body()[0]), packet.bodyLength() > 1 ? packet.body()[1] : 0);
        return;
    }
    case ModemPacketType::RadioRx:
        modemRadioRx(packet);
        return;
    default:
        // Host -> modem types, or types of a later version: a host ignores them.
        qCDebug(lcSerial).noquote()
                << "link" << name() << "ignores a modem packet of type" << packet.type();
        return;
    }
}

void SerialLink::modemStatusPacket(const ModemDecoder &packet)
{
    ModemStatus status {};
    if (!modemParseStatus(packet.body(), packet.bodyLength(), status)) {
        reportMalformed(
                u"modem status of %1 bytes refused (version 1 has %2)"_s.arg(packet.bodyLength())
                        .arg(kModemStatusBodySize));
        return;
    }
    if (status.protocolVersion != kModemProtocolVersion) {
        transportFailed(Error(ErrorCode::Refused,
                              u"link %1: the modem on serial port %2 speaks framing version %3, "
                              u"this host version %4; port closed"_s.arg(name(), m_settings.port)
                                      .arg(status.protocolVersion)
                                      .arg(kModemProtocolVersion)));
        return;
    }
    m_modemStatus = status;
    const bool answer = m_modemRequest && m_modemRequest->type == ModemPacketType::StatusRequest
                        && m_modemRequest->sequence == packet.sequence();
    const bool boot = status.flags & kModemStatusBoot;

    if (!answer) {
        if (!boot)
            return; // a status nobody asked for (a later version may send them): noted
        if (m_modemPhase == ModemPhase::Hello) {
            // The modem has just started; the request sent at open may have been swallowed by
            // its bootloader. Asked again at once rather than after the timeout.
            if (!m_modemRequest || m_modemRequest->type == ModemPacketType::StatusRequest) {
                m_modemRequest.reset();
                m_modemTimer->stop();
                modemSendStatusRequest();
            }
            return;
        }
        // Restarted while in use (watchdog, brown-out, a reset by another program opening the
        // port): its radio settings are the defaults again. A request it had not answered
        // goes again after the timeout.
        ++m_modemStats.restarts;
        const QString why = u"link %1: the modem on serial port %2 restarted (reset cause "
                            u"0x%3)"_s.arg(name(), m_settings.port)
                                    .arg(status.resetCause, 2, 16, QLatin1Char('0'));
        qCWarning(lcSerial).noquote() << why;
        Q_EMIT errorOccurred(Error(ErrorCode::Refused, why));
        m_modemStatusWanted = true; // clears its boot flag, so that a later restart shows
        if (modemRadioDiffers(status))
            m_modemConfigureWanted = true;
        m_modemRadioFailureReported = false;
        modemPump();
        return;
    }

    m_modemRequest.reset();
    m_modemTimer->stop();
    if (m_modemPhase == ModemPhase::Hello) {
        if (status.txWindow < 1) {
            transportFailed(Error(ErrorCode::Refused,
                                  u"link %1: the modem on serial port %2 takes no requests "
                                  u"(txWindow 0); port closed"_s.arg(name(), m_settings.port)));
            return;
        }
        qCInfo(lcSerial).noquote()
                << "link" << name() << "modem" << status.firmwareMajor << '.'
                << status.firmwareMinor << '.' << status.firmwarePatch << "radio kind"
                << status.radioKind
                << (status.flags & kModemStatusRadioPresent ? "present" : "absent") << "channel"
                << status.channel << rateName(status.dataRate) << "power" << status.power;
        if (!(status.flags & kModemStatusRadioPresent)) {
            // Connected all the same: the status is worth having, and frames are answered
            // RadioFailure and counted. Said once.
            m_modemRadioFailureReported = true;
            Q_EMIT errorOccurred(
                    Error(ErrorCode::Refused,
                          u"link %1: the modem on serial port %2 reports no "
                          u"radio; frames will not go out"_s.arg(name(), m_settings.port)));
        }
        if (modemRadioDiffers(status)) {
            m_modemPhase = ModemPhase::Configuring;
            modemSendConfigure();
            return;
        }
        m_modemPhase = ModemPhase::Ready;
        transportConnected();
        return;
    }
    if (modemRadioDiffers(status) && m_modemPhase == ModemPhase::Ready)
        m_modemConfigureWanted = true;
    modemPump();
}

void SerialLink::modemResult(ModemResult result, quint8 detail)
{
    const ModemPacketType type = m_modemRequest->type;
    m_modemRequest.reset();
    m_modemTimer->stop();
    switch (type) {
    case ModemPacketType::Configure:
        if (result != ModemResult::Ok) {
            const ModemRadioConfig &r = m_settings.radio;
            transportFailed(Error(ErrorCode::Refused,
                                  u"link %1: the modem on serial port %2 refused the radio "
                                  u"settings (address %3, channel %4, %5, power %6): %7; port "
                                  u"closed"_s.arg(name(), m_settings.port)
                                          .arg(r.address)
                                          .arg(r.channel)
                                          .arg(rateName(r.dataRate))
                                          .arg(r.power)
                                          .arg(resultName(result))));
            return;
        }
        if (m_modemStatus) {
            m_modemStatus->address = m_settings.radio.address;
            m_modemStatus->channel = m_settings.radio.channel;
            m_modemStatus->dataRate = m_settings.radio.dataRate;
            m_modemStatus->power = m_settings.radio.power;
        }
        if (m_modemPhase == ModemPhase::Configuring) {
            m_modemPhase = ModemPhase::Ready;
            transportConnected();
            return;
        }
        break;
    case ModemPacketType::RadioTx:
        switch (result) {
        case ModemResult::Ok:
            ++m_modemStats.txOk;
            break;
        case ModemResult::NoAck:
            // The radio's business (the node is away or asleep), as on any MySensors gateway.
            ++m_modemStats.txNoAck;
            qCDebug(lcSerial).noquote()
                    << "link" << name() << "frame not acknowledged after" << detail << "retries";
            break;
        default:
            ++m_modemStats.txFailed;
            if (result != ModemResult::RadioFailure || !m_modemRadioFailureReported) {
                m_modemRadioFailureReported
                        = m_modemRadioFailureReported || result == ModemResult::RadioFailure;
                Q_EMIT errorOccurred(
                        Error(ErrorCode::Refused,
                              u"link %1: the modem on serial port %2 did not send a "
                              u"frame: %3"_s.arg(name(), m_settings.port, resultName(result))));
            }
            break;
        }
        break;
    default:
        // A StatusRequest answered with a Result: not a modem of this framing.
        transportFailed(Error(
                ErrorCode::Refused,
                u"link %1: the device on serial port %2 answered a %3 with %4; "
                u"port closed"_s.arg(name(), m_settings.port, typeName(type), resultName(result))));
        return;
    }
    modemPump();
}

void SerialLink::modemRadioRx(const ModemDecoder &packet)
{
    if (packet.bodyLength() < 2) {
        reportMalformed(u"modem RadioRx %1 without a frame"_s.arg(packet.sequence()));
        return;
    }
    const quint8 sequence = packet.sequence();
    if (m_modemRxSequence) {
        // The modem numbers its RadioRx packets: a gap is packets lost on the serial line.
        const quint8 missed = quint8(sequence - *m_modemRxSequence - 1);
        if (missed != 0 && missed < 128) {
            m_modemStats.rxMissed += missed;
            qCDebug(lcSerial).noquote()
                    << "link" << name() << missed << "radio frames from the modem missed";
        }
    }
    m_modemRxSequence = sequence;
    ++m_modemStats.rxFrames;
    if (packet.body()[0] & kModemRxDropped)
        ++m_modemStats.rxDroppedFlags;
    const qsizetype length = qsizetype(packet.bodyLength()) - 1;
    if (length < kMinFrame || length > kMaxFrame) {
        reportMalformed(u"modem RadioRx %1 carries a frame of %2 bytes (a frame has %3 to %4)"_s
                                .arg(sequence)
                                .arg(length)
                                .arg(kMinFrame)
                                .arg(kMaxFrame));
        return;
    }
    // Frames the radio heard before the link is connected (the host is still configuring
    // it) are not for the engine yet.
    if (state() != LinkState::Connected)
        return;
    deliverUnit(QByteArray(reinterpret_cast<const char *>(packet.body() + 1), length));
}

} // namespace Warden::Internal
