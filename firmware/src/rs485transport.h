// MySensors frames over a byte stream in the RS485 transport's framing (spec 9), built on the
// protocol's encoder and live-bus receiver. Runs a node over a serial line (a USB adapter, a
// pty on the host); the AVR's RS485 driver adds the driver-enable pin and bus arbitration.
#pragma once

#include "hal.h"

#include <warden/protocol/rs485.h>

namespace Warden {
namespace Firmware {

class Rs485Transport final : public Transport
{
public:
    explicit Rs485Transport(SerialPort &port);

    void setAddress(uint8_t address) override;
    /// Always true for a whole frame: RS485 has no link-level acknowledgement.
    bool send(uint8_t nextHop, const uint8_t *data, uint8_t length) override;
    uint8_t receive(uint8_t *buffer, uint8_t capacity) override;

    /// Broken frames that passed the address filter (bad checksum, no EOT, ...).
    uint16_t errors() const { return m_errors; }

private:
    SerialPort &m_port;
    Protocol::Rs485Receiver m_receiver;
    uint8_t m_address;
    uint16_t m_errors;
};

} // namespace Firmware
} // namespace Warden
