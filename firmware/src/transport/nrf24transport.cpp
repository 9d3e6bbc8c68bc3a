#include "nrf24transport.h"

namespace Warden {
namespace Firmware {

namespace {

// Registers.
constexpr uint8_t kConfig = 0x00;
constexpr uint8_t kEnableAutoAck = 0x01;
constexpr uint8_t kEnableRxAddress = 0x02;
constexpr uint8_t kSetupAddressWidth = 0x03;
constexpr uint8_t kSetupRetries = 0x04;
constexpr uint8_t kChannel = 0x05;
constexpr uint8_t kRfSetup = 0x06;
constexpr uint8_t kStatus = 0x07;
constexpr uint8_t kObserveTx = 0x08;
constexpr uint8_t kRxAddressP0 = 0x0A;
constexpr uint8_t kRxAddressP1 = 0x0B;
constexpr uint8_t kRxAddressP2 = 0x0C;
constexpr uint8_t kTxAddress = 0x10;
constexpr uint8_t kFifoStatus = 0x17;
constexpr uint8_t kDynamicPayload = 0x1C;
constexpr uint8_t kFeature = 0x1D;

// Commands.
constexpr uint8_t kReadRegister = 0x00;
constexpr uint8_t kWriteRegister = 0x20;
constexpr uint8_t kReadPayloadWidth = 0x60;
constexpr uint8_t kReadPayload = 0x61;
constexpr uint8_t kWritePayload = 0xA0;
constexpr uint8_t kWritePayloadNoAck = 0xB0;
constexpr uint8_t kFlushTx = 0xE1;
constexpr uint8_t kFlushRx = 0xE2;
constexpr uint8_t kNop = 0xFF;

// CONFIG bits.
constexpr uint8_t kEnableCrc = 0x08;
constexpr uint8_t kCrc16 = 0x04;
constexpr uint8_t kPowerUp = 0x02;
constexpr uint8_t kPrimaryRx = 0x01;
// STATUS bits.
constexpr uint8_t kRxReady = 0x40;
constexpr uint8_t kTxSent = 0x20;
constexpr uint8_t kMaxRetries = 0x10;
// FIFO_STATUS bits.
constexpr uint8_t kRxEmpty = 0x01;
// RF_SETUP bits.
constexpr uint8_t kRate250k = 0x20;
constexpr uint8_t kRate2M = 0x08;
// FEATURE bits.
constexpr uint8_t kEnableDynamicPayload = 0x04;
constexpr uint8_t kEnableNoAckCommand = 0x01;

constexpr uint8_t kPipe0 = 0x01;
constexpr uint8_t kPipe1 = 0x02;
constexpr uint8_t kPipe2 = 0x04;
constexpr uint8_t kBroadcastPipe = 1;

constexpr uint8_t kBroadcast = 255;

} // namespace

constexpr uint8_t Nrf24Transport::kBaseAddress[4];

static_assert((kEnableCrc | kCrc16 | kPowerUp) == 0x0E && kBroadcast == 255,
              "the constructor (nrf24transport.h) spells these out");

uint8_t Nrf24Transport::command(uint8_t command, const uint8_t *out, uint8_t *in, uint8_t length)
{
    m_bus.select(true);
    const uint8_t status = m_bus.transfer(command);
    for (uint8_t i = 0; i < length; ++i) {
        const uint8_t got = m_bus.transfer(out ? out[i] : kNop);
        if (in)
            in[i] = got;
    }
    m_bus.select(false);
    return status;
}

void Nrf24Transport::chipEnable(bool on)
{
    m_bus.setChipEnable(on);
}

uint8_t Nrf24Transport::strobe(uint8_t command)
{
    return this->command(command, nullptr, nullptr, 0);
}

uint8_t Nrf24Transport::readRegister(uint8_t reg)
{
    uint8_t value = 0;
    command(uint8_t(kReadRegister | reg), nullptr, &value, 1);
    return value;
}

void Nrf24Transport::writeRegister(uint8_t reg, uint8_t value)
{
    command(uint8_t(kWriteRegister | reg), &value, nullptr, 1);
}

void Nrf24Transport::writeAddress(uint8_t reg, uint8_t id)
{
    uint8_t address[5] = {id, kBaseAddress[0], kBaseAddress[1], kBaseAddress[2], kBaseAddress[3]};
    command(uint8_t(kWriteRegister | reg), address, nullptr, sizeof address);
}

bool Nrf24Transport::applySettings(const Nrf24Settings &s)
{
    if (s.channel > 125 || s.dataRate > 2 || s.power > 3 || s.retries > 15 || s.retryDelay > 15)
        return false;
    // 250 kbps needs 500 us between retries for the acknowledgement to fit.
    const uint8_t delay = s.dataRate == 0 && s.retryDelay < 1 ? 1 : s.retryDelay;
    writeRegister(kSetupRetries, uint8_t(delay << 4 | s.retries));
    writeRegister(kChannel, s.channel);
    const uint8_t rate = s.dataRate == 0 ? kRate250k : s.dataRate == 2 ? kRate2M : 0;
    writeRegister(kRfSetup, uint8_t(rate | s.power << 1));
    return readRegister(kChannel) == s.channel;
}

bool Nrf24Transport::begin(const Nrf24Settings &settings)
{
    chipEnable(false);
    m_bus.select(false);
    // Power-on reset takes up to 100 ms after VCC; the MCU's own start-up covers most of it.
    m_bus.delayMicroseconds(5000);
    // Presence: a register written reads back (a missing chip reads 0x00 or 0xFF).
    writeRegister(kSetupAddressWidth, 0x03); // 5-byte addresses
    m_present = readRegister(kSetupAddressWidth) == 0x03;
    if (!m_present)
        return false;
    writeRegister(kConfig, uint8_t(m_config | kPrimaryRx));
    m_bus.delayMicroseconds(5000); // power down -> standby: 1.5 ms, with margin
    m_present = applySettings(settings);
    if (!m_present)
        return false;
    writeRegister(kFeature, kEnableDynamicPayload | kEnableNoAckCommand);
    writeRegister(kDynamicPayload, kPipe0 | kPipe1 | kPipe2);
    // Acknowledgements: for the sender's pipe 0 and the own-id pipe; never for broadcasts.
    writeRegister(kEnableAutoAck, kPipe0 | kPipe2);
    writeAddress(kRxAddressP1, kBroadcast);
    setAddress(m_address);
    strobe(kFlushRx);
    strobe(kFlushTx);
    writeRegister(kStatus, kRxReady | kTxSent | kMaxRetries);
    listen();
    return true;
}

bool Nrf24Transport::configure(const Nrf24Settings &settings)
{
    if (!m_present)
        return false;
    chipEnable(false);
    const bool ok = applySettings(settings);
    listen();
    return ok;
}

void Nrf24Transport::setAddress(uint8_t address)
{
    m_address = address;
    if (!m_present)
        return;
    // Pipe 2 holds only the first address byte; the others are pipe 1's.
    writeRegister(kRxAddressP2, address);
    writeRegister(kEnableRxAddress, address == kBroadcast ? kPipe1 : uint8_t(kPipe1 | kPipe2));
}

void Nrf24Transport::listen()
{
    writeRegister(kEnableRxAddress, m_address == kBroadcast ? kPipe1 : uint8_t(kPipe1 | kPipe2));
    writeRegister(kConfig, uint8_t(m_config | kPrimaryRx));
    chipEnable(true);
}

bool Nrf24Transport::send(uint8_t nextHop, const uint8_t *data, uint8_t length)
{
    if (!m_present || length == 0 || length > kMaxPayload)
        return false;
    const bool broadcast = nextHop == kBroadcast;
    chipEnable(false);
    writeRegister(kConfig, m_config); // PRIM_RX off: transmitter
    writeAddress(kTxAddress, nextHop);
    if (!broadcast) {
        // The acknowledgement comes back on pipe 0, from the address sent to.
        writeAddress(kRxAddressP0, nextHop);
        writeRegister(kEnableRxAddress, uint8_t(readRegister(kEnableRxAddress) | kPipe0));
    }
    strobe(kFlushTx);
    writeRegister(kStatus, kTxSent | kMaxRetries);
    command(broadcast ? kWritePayloadNoAck : kWritePayload, data, nullptr, length);
    // A CE pulse of at least 10 us starts the transmission; retransmissions need no more.
    chipEnable(true);
    m_bus.delayMicroseconds(15);
    chipEnable(false);

    const uint32_t start = m_clock.millis();
    uint8_t status = 0;
    for (;;) {
        status = strobe(kNop);
        if (status & (kTxSent | kMaxRetries))
            break;
        if (uint32_t(m_clock.millis() - start) >= kSendTimeoutMs)
            break;
    }
    const bool delivered = (status & kTxSent) != 0;
    m_lastRetries = uint8_t(readRegister(kObserveTx) & 0x0F);
    if (!delivered)
        strobe(kFlushTx);
    writeRegister(kStatus, kTxSent | kMaxRetries);
    listen();
    if (m_sent < 0xFFFF)
        ++m_sent;
    if (!delivered && m_noAck < 0xFFFF)
        ++m_noAck;
    return delivered;
}

uint8_t Nrf24Transport::receive(uint8_t *buffer, uint8_t capacity)
{
    if (!m_present || (readRegister(kFifoStatus) & kRxEmpty))
        return 0;
    const uint8_t status = strobe(kNop);
    uint8_t width = 0;
    command(kReadPayloadWidth, nullptr, &width, 1);
    if (width == 0 || width > kMaxPayload) {
        // The datasheet's rule for a corrupt width: flush the RX FIFO.
        strobe(kFlushRx);
        writeRegister(kStatus, kRxReady);
        if (m_dropped < 0xFFFF)
            ++m_dropped;
        return 0;
    }
    if (width > capacity) {
        command(kReadPayload, nullptr, nullptr, width); // read and forget
        width = 0;
        if (m_dropped < 0xFFFF)
            ++m_dropped;
    } else {
        command(kReadPayload, nullptr, buffer, width);
    }
    writeRegister(kStatus, kRxReady);
    m_lastBroadcast = ((status >> 1) & 0x07) == kBroadcastPipe;
    return width;
}

} // namespace Firmware
} // namespace Warden
