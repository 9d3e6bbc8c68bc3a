#include "rs485transport.h"

#include <string.h>

namespace Warden {
namespace Firmware {

Rs485Transport::Rs485Transport(SerialPort &port)
    : m_port(port)
    , m_receiver(Protocol::kAutoAddress)
    , m_address(Protocol::kAutoAddress)
    , m_errors(0)
{ }

void Rs485Transport::setAddress(uint8_t address)
{
    m_address = address;
    m_receiver.setOwnId(address);
}

bool Rs485Transport::send(uint8_t nextHop, const uint8_t *data, uint8_t length)
{
    uint8_t frame[Protocol::kRs485MaxFrameSize];
    const size_t size
            = Protocol::rs485Encode(nextHop, m_address, data, length, frame, sizeof frame);
    if (size == 0)
        return false;
    m_port.write(frame, uint16_t(size));
    return true;
}

uint8_t Rs485Transport::receive(uint8_t *buffer, uint8_t capacity)
{
    // A bounded number of bytes per call keeps poll() short on a busy bus.
    for (uint8_t budget = 0; budget < Protocol::kRs485MaxFrameSize * 2; ++budget) {
        const int c = m_port.read();
        if (c < 0)
            return 0;
        const Protocol::Rs485Receiver::Event event = m_receiver.feed(uint8_t(c));
        if (event == Protocol::Rs485Receiver::Event::Error) {
            if (m_errors < 0xFFFF)
                ++m_errors;
        } else if (event == Protocol::Rs485Receiver::Event::Frame) {
            const Protocol::Rs485Frame &frame = m_receiver.frame();
            if (frame.length == 0 || frame.length > capacity)
                continue;
            memcpy(buffer, frame.data, frame.length);
            return frame.length;
        }
    }
    return 0;
}

} // namespace Firmware
} // namespace Warden
