// The serial link's RS485 framing: a USB-RS485 adapter on a MySensors RS485 bus, the host
// being node 0, the gateway (host-gateway mode). Frames per spec section 9 through
// core/protocol's encoder and byte-wise receiver, which resynchronises after garbage and
// reports broken frames (collisions, frames cut short) without stopping. Before sending, the
// link waits for a quiet bus (spec 9.4); a frame is never dropped for a busy bus.
#include "seriallink.h"

#include <QtCore/QRandomGenerator>
#include <QtCore/QTimer>

#include <algorithm>

using namespace Qt::StringLiterals;
using namespace Warden::Protocol;

namespace Warden::Internal {

std::chrono::milliseconds SerialLink::rs485QuietTime() const
{
    // Three byte times (10 bits each) at the bus's rate, rounded up: a gap shorter than that
    // is a sender pausing inside a frame, not a quiet bus.
    const qint64 threeBytes = (30 * 1000 + m_settings.baudRate - 1) / m_settings.baudRate;
    return std::max(kRs485QuietTime, std::chrono::milliseconds(threeBytes));
}

void SerialLink::readRs485(const QByteArray &data)
{
    m_rs485LastByte = std::chrono::steady_clock::now();
    const quint64 generation = m_generation;
    for (const char c : data) {
        if (generation != m_generation)
            return; // a malformed flood closed the port
        switch (m_rs485Receiver.feed(uint8_t(c))) {
        case Rs485Receiver::Event::None:
            break;
        case Rs485Receiver::Event::Error: {
            ++m_rs485Stats.brokenFrames;
            const Rs485Error error = m_rs485Receiver.lastError();
            reportMalformed(u"rs485 frame dropped: %1 (%2)"_s.arg(
                    QString::fromLatin1(rs485ErrorName(error)),
                    QString::fromLatin1(rs485ErrorText(error))));
            break;
        }
        case Rs485Receiver::Event::Frame: {
            const Rs485Frame &frame = m_rs485Receiver.frame();
            if (frame.length < kMinFrame || frame.length > kMaxFrame) {
                reportMalformed(u"rs485 frame from node %1 with %2 data bytes (a MySensors frame "
                                u"has %3 to %4)"_s.arg(frame.from)
                                        .arg(frame.length)
                                        .arg(kMinFrame)
                                        .arg(kMaxFrame));
                break;
            }
            ++m_rs485Stats.framesIn;
            if (state() == LinkState::Connected)
                deliverUnit(QByteArray(reinterpret_cast<const char *>(frame.data), frame.length));
            break;
        }
        }
    }
}

bool SerialLink::writeRs485(const QByteArray &unit)
{
    const auto now = std::chrono::steady_clock::now();
    if (m_rs485Timer->isActive())
        return false; // waiting out a round; the timer calls transportReady()
    if (now - m_rs485LastByte < rs485QuietTime() || m_port->bytesAvailable() > 0) {
        // Someone is talking: wait a random 0..19 ms and look again (spec 9.4), so that two
        // senders that waited for the same frame do not start together.
        ++m_rs485Stats.busyWaits;
        if (++m_rs485BusyRounds == kRs485BusyRounds)
            Q_EMIT errorOccurred(
                    Error(ErrorCode::Refused,
                          u"link %1: the RS485 bus on serial port %2 stayed busy "
                          u"for %3 rounds; still waiting to send"_s.arg(name(), m_settings.port)
                                  .arg(kRs485BusyRounds)));
        m_rs485Timer->start(std::chrono::milliseconds(
                1 + QRandomGenerator::global()->bounded(kRs485MaxBackoffMs)));
        return false;
    }
    m_rs485BusyRounds = 0;
    uint8_t wire[kRs485MaxFrameSize];
    // To is the next hop: the frame's destination (byte 2 of the header), the host gateway's
    // nodes being its children on the bus.
    const size_t n = rs485Encode(uint8_t(unit.at(2)), kGatewayAddress,
                                 reinterpret_cast<const uint8_t *>(unit.constData()),
                                 size_t(unit.size()), wire, sizeof wire, m_settings.sohCount);
    if (n == 0)
        return false; // cannot happen: frames are at most 32 bytes, the limit is 39
    return writeBytes(QByteArray(reinterpret_cast<const char *>(wire), qsizetype(n)));
}

} // namespace Warden::Internal
