// The node's bus and radio transports (firmware/src/transport), compiled for the host:
//  - Rs485BusTransport on a scripted line: the frame on a quiet bus, back-off while the bus is
//    busy and giving up after ten rounds (spec 9.4), frames received while backing off, the
//    inter-byte gap that ends a broken header and frees the frame hidden behind it, address
//    filtering and the queue limit;
//  - Nrf24Transport against a register-level model of the nRF24L01+ (two or more chips on one
//    channel): the configuration of spec 10.14 as written to the registers, addresses on the
//    air, unicast with auto-acknowledgement, broadcast without, no answer from an absent node,
//    a full RX FIFO, pipe 0 closed after sending, a corrupt payload width, an absent chip.
// The model follows the datasheet's register map and command set; it is not a radio simulator
// (no timing, no loss). simavr has no nRF24 model, so this is what checks the driver's logic.
#include <hostclock.h>
#include <hostserial.h>
#include <transport/nrf24transport.h>
#include <transport/rs485bustransport.h>

#include <warden/protocol/message.h>
#include <warden/protocol/rs485.h>

#include <QtTest/QtTest>

#include <array>
#include <deque>
#include <functional>
#include <vector>

using namespace Warden::Firmware;
using namespace Warden::Protocol;

namespace {

/// Advances by @p step ms on every reading: a busy-waiting driver sees time pass.
class SteppingClock final : public Clock
{
public:
    explicit SteppingClock(uint32_t step = 1)
        : m_step(step)
    { }
    uint32_t millis() override
    {
        const uint32_t now = m_now;
        m_now += m_step;
        return now;
    }
    void advance(uint32_t ms) { m_now += ms; }
    uint32_t peek() const { return m_now; }

private:
    uint32_t m_now = 1000;
    uint32_t m_step;
};

/// A line whose input is scripted against the clock: bytes become readable at given times.
class ScriptedLine final : public SerialPort
{
public:
    explicit ScriptedLine(SteppingClock &clock)
        : m_clock(clock)
    { }
    int read() override
    {
        if (m_input.empty() || m_input.front().first > m_clock.peek())
            return -1;
        const uint8_t byte = m_input.front().second;
        m_input.pop_front();
        return byte;
    }
    void write(const uint8_t *data, uint16_t length) override
    {
        written.insert(written.end(), data, data + length);
        writtenAt = m_clock.peek();
    }
    /// Makes @p bytes readable from @p at on.
    void feed(const std::vector<uint8_t> &bytes, uint32_t at)
    {
        for (uint8_t b : bytes)
            m_input.emplace_back(at, b);
    }
    /// A byte every @p every ms from @p from until @p until: a busy bus.
    void chatter(uint32_t from, uint32_t until, uint32_t every)
    {
        for (uint32_t t = from; t < until; t += every)
            m_input.emplace_back(t, 0x55);
    }
    size_t pending() const { return m_input.size(); }

    std::vector<uint8_t> written;
    uint32_t writtenAt = 0;

private:
    SteppingClock &m_clock;
    std::deque<std::pair<uint32_t, uint8_t>> m_input;
};

std::vector<uint8_t> rs485Frame(uint8_t to, uint8_t from, const std::vector<uint8_t> &data)
{
    uint8_t out[kRs485MaxFrameSize];
    const size_t n = rs485Encode(to, from, data.data(), data.size(), out, sizeof out);
    return std::vector<uint8_t>(out, out + n);
}

// ------------------------------------------------------------------ nRF24L01+ register model

class Air;

class FakeNrf24 final : public Nrf24Bus
{
public:
    explicit FakeNrf24(Air *air);

    void select(bool on) override;
    uint8_t transfer(uint8_t byte) override;
    void setChipEnable(bool on) override;
    void delayMicroseconds(uint16_t) override { }

    uint8_t reg(uint8_t r) const { return m_reg[r]; }
    std::array<uint8_t, 5> address(uint8_t r) const { return m_address[r - 0x0A]; }
    bool chipEnabled() const { return m_ce; }
    bool listening() const { return m_ce && (m_reg[0] & 0x03) == 0x03; }
    /// Takes a frame from the air; false when no pipe matches or the RX FIFO is full.
    bool offer(const std::array<uint8_t, 5> &to, const std::vector<uint8_t> &payload,
               bool &acknowledge);
    void pushRaw(uint8_t pipe, const std::vector<uint8_t> &payload)
    {
        m_rx.push_back({pipe, payload});
        m_reg[7] |= 0x40;
    }
    std::vector<std::pair<std::array<uint8_t, 5>, std::vector<uint8_t>>> sentOnAir;
    bool answersOnBus = true; ///< false: MISO floats high, as with no chip
    int flushRxCount = 0;

private:
    uint8_t status() const;
    void finish();
    void transmit();

    Air *m_air;
    uint8_t m_reg[0x20] = {};
    std::array<std::array<uint8_t, 5>, 7> m_address {}; // 0x0A..0x10
    std::deque<std::pair<uint8_t, std::vector<uint8_t>>> m_rx;
    std::deque<std::pair<std::vector<uint8_t>, bool>> m_tx; // payload, no-ack
    std::vector<uint8_t> m_data;
    int m_command = -1;
    size_t m_index = 0;
    bool m_selected = false;
    bool m_ce = false;
};

class Air
{
public:
    std::vector<FakeNrf24 *> radios;
};

FakeNrf24::FakeNrf24(Air *air)
    : m_air(air)
{
    // Power-on reset values of the datasheet that the driver relies on changing.
    m_reg[0x00] = 0x08;
    m_reg[0x01] = 0x3F;
    m_reg[0x02] = 0x03;
    m_reg[0x03] = 0x03;
    m_reg[0x05] = 0x02;
    m_reg[0x06] = 0x0E;
    m_reg[0x07] = 0x0E;
    m_address[0] = {0xE7, 0xE7, 0xE7, 0xE7, 0xE7};
    m_address[1] = {0xC2, 0xC2, 0xC2, 0xC2, 0xC2};
    m_address[2] = {0xC3};
    m_address[6] = {0xE7, 0xE7, 0xE7, 0xE7, 0xE7};
    if (air)
        air->radios.push_back(this);
}

uint8_t FakeNrf24::status() const
{
    const uint8_t pipe = m_rx.empty() ? 0x07 : m_rx.front().first;
    return uint8_t((m_reg[7] & 0x70) | (pipe << 1) | (m_tx.size() >= 3 ? 1 : 0));
}

void FakeNrf24::select(bool on)
{
    if (on && !m_selected) {
        m_command = -1;
        m_index = 0;
        m_data.clear();
    }
    if (!on && m_selected)
        finish();
    m_selected = on;
}

uint8_t FakeNrf24::transfer(uint8_t byte)
{
    if (!answersOnBus)
        return 0xFF;
    if (m_command < 0) {
        m_command = byte;
        const uint8_t s = status();
        if (byte == 0xE1)
            m_tx.clear();
        if (byte == 0xE2) {
            m_rx.clear();
            ++flushRxCount;
        }
        return s;
    }
    const uint8_t cmd = uint8_t(m_command);
    const size_t i = m_index++;
    if (cmd < 0x20) { // R_REGISTER
        if (cmd >= 0x0A && cmd <= 0x10)
            return m_address[cmd - 0x0A][i % 5];
        if (cmd == 0x07)
            return status();
        if (cmd == 0x17) {
            return uint8_t((m_tx.empty() ? 0x10 : 0) | (m_tx.size() >= 3 ? 0x20 : 0)
                           | (m_rx.size() >= 3 ? 0x02 : 0) | (m_rx.empty() ? 0x01 : 0));
        }
        return m_reg[cmd];
    }
    if (cmd < 0x40) { // W_REGISTER
        const uint8_t r = cmd & 0x1F;
        if (r >= 0x0A && r <= 0x10) {
            if (i < 5)
                m_address[r - 0x0A][i] = byte;
            return 0;
        }
        if (r == 0x07)
            m_reg[7] = uint8_t(m_reg[7] & ~(byte & 0x70)); // write one to clear
        else
            m_reg[r] = byte;
        return 0;
    }
    if (cmd == 0x60)
        return m_rx.empty() ? 0 : uint8_t(m_rx.front().second.size());
    if (cmd == 0x61) {
        if (m_rx.empty())
            return 0;
        const std::vector<uint8_t> &p = m_rx.front().second;
        return i < p.size() ? p[i] : 0;
    }
    if (cmd == 0xA0 || cmd == 0xB0)
        m_data.push_back(byte);
    return 0;
}

void FakeNrf24::finish()
{
    if ((m_command == 0xA0 || m_command == 0xB0) && !m_data.empty() && m_tx.size() < 3)
        m_tx.push_back({m_data, m_command == 0xB0});
    if (m_command == 0x61 && !m_rx.empty()) {
        m_rx.pop_front();
        if (m_rx.empty())
            m_reg[7] = uint8_t(m_reg[7] & ~0x40);
    }
}

void FakeNrf24::setChipEnable(bool on)
{
    const bool rising = on && !m_ce;
    m_ce = on;
    // PTX, powered up: a CE pulse sends the head of the TX FIFO (with its retransmissions).
    if (rising && (m_reg[0] & 0x03) == 0x02 && !m_tx.empty())
        transmit();
}

void FakeNrf24::transmit()
{
    const auto [payload, noAck] = m_tx.front();
    const std::array<uint8_t, 5> to = m_address[6];
    sentOnAir.push_back({to, payload});
    bool acknowledged = false;
    for (FakeNrf24 *other : m_air->radios) {
        if (other == this || !other->listening() || other->reg(5) != m_reg[5]
            || other->reg(6) != m_reg[6])
            continue;
        bool ack = false;
        if (other->offer(to, payload, ack) && ack)
            acknowledged = true;
    }
    // An acknowledgement needs the sender's pipe 0 on the address sent to, with auto-ack.
    const bool canHear = (m_reg[2] & 0x01) && (m_reg[1] & 0x01) && m_address[0] == to;
    if (noAck || (acknowledged && canHear)) {
        m_tx.pop_front();
        m_reg[7] |= 0x20; // TX_DS
        m_reg[8] = uint8_t(m_reg[8] & 0xF0);
    } else {
        m_reg[7] |= 0x10; // MAX_RT, the payload stays in the FIFO
        m_reg[8] = uint8_t((m_reg[8] & 0xF0) | (m_reg[4] & 0x0F));
    }
}

bool FakeNrf24::offer(const std::array<uint8_t, 5> &to, const std::vector<uint8_t> &payload,
                      bool &acknowledge)
{
    for (uint8_t pipe = 0; pipe < 6; ++pipe) {
        if (!(m_reg[2] & (1 << pipe)))
            continue;
        std::array<uint8_t, 5> address = pipe <= 1 ? m_address[pipe] : m_address[1];
        if (pipe >= 2)
            address[0] = m_address[pipe][0];
        if (address != to)
            continue;
        if (m_rx.size() >= 3)
            return false; // FIFO full: not received, not acknowledged
        m_rx.push_back({pipe, payload});
        m_reg[7] |= 0x40; // RX_DR
        acknowledge = (m_reg[1] & (1 << pipe)) != 0;
        return true;
    }
    return false;
}

std::array<uint8_t, 5> air(uint8_t id)
{
    return {id, 0xFC, 0xE1, 0xA8, 0xA8};
}

const std::vector<uint8_t> kFrame = {0x03, 0x03, 0x00, 0x0A, 0x29, 0x02, 0x01, 0x01};

} // namespace

class tst_Transports : public QObject
{
    Q_OBJECT

private slots:
    // RS485
    void rs485QuietBusSendsAtOnce();
    void rs485BacksOffWhileBusy();
    void rs485GivesUpOnBusyBus();
    void rs485ReceivesWhileBackingOff();
    void rs485GapFreesHiddenFrame();
    void rs485FiltersAndLimits();
    // nRF24
    void nrf24Configuration();
    void nrf24Unicast();
    void nrf24UnicastNobodyHome();
    void nrf24Broadcast();
    void nrf24NoIdListensToBroadcastsOnly();
    void nrf24PipeZeroClosedAfterSending();
    void nrf24FullFifoIsNotAcknowledged();
    void nrf24CorruptWidthFlushed();
    void nrf24OtherChannelHearsNothing();
    void nrf24AbsentChip();
};

void tst_Transports::rs485QuietBusSendsAtOnce()
{
    SteppingClock clock;
    ScriptedLine line(clock);
    Rs485BusTransport t(line, clock);
    t.setAddress(3);
    QVERIFY(t.send(0, kFrame.data(), uint8_t(kFrame.size())));
    // The spec 9.2 example, byte for byte.
    QCOMPARE(line.written,
             std::vector<uint8_t>({0x01, 0x00, 0x03, 0x58, 0x08, 0x02, 0x03, 0x03, 0x00, 0x0A, 0x29,
                                   0x02, 0x01, 0x01, 0x03, 0xA0, 0x04}));
    QCOMPARE(t.backoffs(), uint16_t(0));
    // At most one round: a random wait of 0..19 ms.
    QVERIFY(line.writtenAt - 1000 <= 25);
}

void tst_Transports::rs485BacksOffWhileBusy()
{
    SteppingClock clock;
    ScriptedLine line(clock);
    Rs485BusTransport t(line, clock);
    t.setAddress(3);
    // Another node talks for 60 ms: nothing may be written before the bus is quiet.
    line.chatter(1000, 1060, 1);
    QVERIFY(t.send(0, kFrame.data(), uint8_t(kFrame.size())));
    QVERIFY2(line.writtenAt >= 1060, qPrintable(QString::number(line.writtenAt)));
    QVERIFY(t.backoffs() >= 1);
    QCOMPARE(t.busyFailures(), uint16_t(0));
    QCOMPARE(line.pending(), size_t(0));
}

void tst_Transports::rs485GivesUpOnBusyBus()
{
    SteppingClock clock;
    ScriptedLine line(clock);
    Rs485BusTransport t(line, clock);
    t.setAddress(3);
    line.chatter(1000, 5000, 1); // 4 s of traffic: longer than 10 rounds of 0..19 ms
    QVERIFY(!t.send(0, kFrame.data(), uint8_t(kFrame.size())));
    QVERIFY(line.written.empty());
    QCOMPARE(t.backoffs(), uint16_t(Rs485BusTransport::kMaxRounds));
    QCOMPARE(t.busyFailures(), uint16_t(1));
    // Over 39 data bytes: refused without touching the bus.
    const std::vector<uint8_t> big(40, 1);
    QVERIFY(!t.send(0, big.data(), uint8_t(big.size())));
}

void tst_Transports::rs485ReceivesWhileBackingOff()
{
    SteppingClock clock;
    ScriptedLine line(clock);
    Rs485BusTransport t(line, clock);
    t.setAddress(3);
    // Two frames for node 3 arrive just as it wants to send: both kept for receive().
    const std::vector<uint8_t> a = {0x00, 0x00, 0x03, 0x02, 0x01, 0x02, 0xFF, 0x07};
    const std::vector<uint8_t> b = {0x00, 0x00, 0x03, 0x02, 0x01, 0x02, 0xFF, 0x08};
    std::vector<uint8_t> both = rs485Frame(3, 0, a);
    const std::vector<uint8_t> second = rs485Frame(255, 0, b);
    both.insert(both.end(), second.begin(), second.end());
    line.feed(both, 1000);
    QVERIFY(t.send(0, kFrame.data(), uint8_t(kFrame.size())));
    QVERIFY(t.backoffs() >= 1);
    uint8_t buffer[32];
    QCOMPARE(t.receive(buffer, sizeof buffer), uint8_t(a.size()));
    QCOMPARE(std::vector<uint8_t>(buffer, buffer + a.size()), a);
    QCOMPARE(t.receive(buffer, sizeof buffer), uint8_t(b.size()));
    QCOMPARE(std::vector<uint8_t>(buffer, buffer + b.size()), b);
    QCOMPARE(t.receive(buffer, sizeof buffer), uint8_t(0));
}

void tst_Transports::rs485GapFreesHiddenFrame()
{
    SteppingClock clock(0); // time moves only when the test says
    ScriptedLine line(clock);
    Rs485BusTransport t(line, clock, 5);
    t.setAddress(3);
    // A header for node 3 announcing 30 data bytes whose sender died after 2 of them, then a
    // whole frame for node 3 inside what would have been its data, then silence.
    std::vector<uint8_t> bytes = {0x01, 0x03, 0x00, 0x58, 30, 0x02, 0xAA, 0xBB};
    const std::vector<uint8_t> hidden = rs485Frame(3, 0, kFrame);
    bytes.insert(bytes.end(), hidden.begin(), hidden.end());
    line.feed(bytes, 1000);
    uint8_t buffer[32];
    // Without the gap rule the receiver would wait for byte 37 of the broken frame.
    QCOMPARE(t.receive(buffer, sizeof buffer), uint8_t(0));
    clock.advance(3);
    QCOMPARE(t.receive(buffer, sizeof buffer), uint8_t(0)); // 3 ms: not a gap yet
    clock.advance(3);
    QCOMPARE(t.receive(buffer, sizeof buffer), uint8_t(kFrame.size()));
    QCOMPARE(std::vector<uint8_t>(buffer, buffer + kFrame.size()), kFrame);
    QCOMPARE(t.gapResets(), uint16_t(1));
    // The receiver starts clean: the next frame is received at once.
    line.feed(rs485Frame(3, 0, kFrame), clock.peek());
    QCOMPARE(t.receive(buffer, sizeof buffer), uint8_t(kFrame.size()));
}

void tst_Transports::rs485FiltersAndLimits()
{
    SteppingClock clock(0);
    ScriptedLine line(clock);
    Rs485BusTransport t(line, clock);
    t.setAddress(3);
    std::vector<uint8_t> bytes = rs485Frame(4, 0, kFrame); // for another node
    const std::vector<uint8_t> own = rs485Frame(255, 3, kFrame); // its own broadcast (echo)
    const std::vector<uint8_t> tooLong = rs485Frame(3, 0, std::vector<uint8_t>(33, 0x11));
    bytes.insert(bytes.end(), own.begin(), own.end());
    bytes.insert(bytes.end(), tooLong.begin(), tooLong.end());
    line.feed(bytes, 0);
    uint8_t buffer[32];
    QCOMPARE(t.receive(buffer, sizeof buffer), uint8_t(0));
    QCOMPARE(t.dropped(), uint16_t(1)); // 33 bytes: longer than any MySensors message
    // A caller's buffer too small for a frame: dropped, counted.
    line.feed(rs485Frame(3, 0, kFrame), 0);
    QCOMPARE(t.receive(buffer, 4), uint8_t(0));
    QCOMPARE(t.dropped(), uint16_t(2));
}

void tst_Transports::nrf24Configuration()
{
    Air a;
    FakeNrf24 chip(&a);
    SteppingClock clock;
    Nrf24Transport t(chip, clock);
    QVERIFY(t.begin());
    QVERIFY(t.isPresent());
    QCOMPARE(chip.reg(0x05), uint8_t(76)); // channel
    QCOMPARE(chip.reg(0x06), uint8_t(0x26)); // 250 kbps, 0 dBm
    QCOMPARE(chip.reg(0x03), uint8_t(0x03)); // 5-byte addresses
    QCOMPARE(chip.reg(0x00), uint8_t(0x0F)); // CRC on, 16 bits, powered up, receiver
    QCOMPARE(chip.reg(0x1D), uint8_t(0x05)); // dynamic payloads, no-ack command
    QCOMPARE(chip.reg(0x1C), uint8_t(0x07)); // dynamic payloads on pipes 0..2
    QCOMPARE(chip.reg(0x01), uint8_t(0x05)); // auto-ack: pipe 0 and the own-id pipe 2
    QCOMPARE(chip.reg(0x04), uint8_t(0x5F)); // 1.5 ms between 15 retransmissions
    QCOMPARE(chip.address(0x0B), air(255)); // pipe 1: broadcasts
    QCOMPARE(chip.reg(0x02), uint8_t(0x02)); // no id yet: broadcasts only
    QVERIFY(chip.listening());
    t.setAddress(7);
    QCOMPARE(chip.address(0x0C)[0], uint8_t(7));
    QCOMPARE(chip.reg(0x02), uint8_t(0x06));

    Nrf24Settings other;
    other.channel = 100;
    other.dataRate = 2;
    other.power = 1;
    QVERIFY(t.configure(other));
    QCOMPARE(chip.reg(0x05), uint8_t(100));
    QCOMPARE(chip.reg(0x06), uint8_t(0x08 | 0x02));
    other.channel = 126;
    QVERIFY(!t.configure(other));
    QVERIFY(chip.listening());
}

void tst_Transports::nrf24Unicast()
{
    Air a;
    FakeNrf24 gwChip(&a), nodeChip(&a), otherChip(&a);
    SteppingClock clock;
    Nrf24Transport gw(gwChip, clock), node(nodeChip, clock), other(otherChip, clock);
    QVERIFY(gw.begin() && node.begin() && other.begin());
    gw.setAddress(0);
    node.setAddress(7);
    other.setAddress(8);
    QVERIFY(gw.send(7, kFrame.data(), uint8_t(kFrame.size())));
    QCOMPARE(gwChip.sentOnAir.back().first, air(7));
    QCOMPARE(gw.noAck(), uint16_t(0));
    uint8_t buffer[32];
    QCOMPARE(node.receive(buffer, sizeof buffer), uint8_t(kFrame.size()));
    QCOMPARE(std::vector<uint8_t>(buffer, buffer + kFrame.size()), kFrame);
    QVERIFY(!node.lastWasBroadcast());
    QCOMPARE(node.receive(buffer, sizeof buffer), uint8_t(0));
    QCOMPARE(other.receive(buffer, sizeof buffer), uint8_t(0));
    // And back, to the gateway's address 0.
    QVERIFY(node.send(0, kFrame.data(), 5));
    QCOMPARE(gw.receive(buffer, sizeof buffer), uint8_t(5));
    QVERIFY(gwChip.listening() && nodeChip.listening());
}

void tst_Transports::nrf24UnicastNobodyHome()
{
    Air a;
    FakeNrf24 gwChip(&a);
    SteppingClock clock;
    Nrf24Transport gw(gwChip, clock);
    QVERIFY(gw.begin());
    gw.setAddress(0);
    QVERIFY(!gw.send(9, kFrame.data(), uint8_t(kFrame.size())));
    QCOMPARE(gw.noAck(), uint16_t(1));
    QCOMPARE(gw.sent(), uint16_t(1));
    QCOMPARE(gw.lastRetries(), uint8_t(15));
    QVERIFY(gwChip.listening());
    QVERIFY(!gw.send(9, kFrame.data(), 0)); // empty
    const std::vector<uint8_t> big(33, 1);
    QVERIFY(!gw.send(9, big.data(), uint8_t(big.size()))); // over 32 bytes
}

void tst_Transports::nrf24Broadcast()
{
    Air a;
    FakeNrf24 gwChip(&a), n7(&a), n8(&a);
    SteppingClock clock;
    Nrf24Transport gw(gwChip, clock), node7(n7, clock), node8(n8, clock);
    QVERIFY(gw.begin() && node7.begin() && node8.begin());
    gw.setAddress(0);
    node7.setAddress(7);
    node8.setAddress(8);
    // Sent once, without an acknowledgement (nobody acknowledges the broadcast pipe).
    QVERIFY(node7.send(255, kFrame.data(), uint8_t(kFrame.size())));
    QCOMPARE(n7.sentOnAir.size(), size_t(1));
    QCOMPARE(n7.sentOnAir.back().first, air(255));
    uint8_t buffer[32];
    QCOMPARE(gw.receive(buffer, sizeof buffer), uint8_t(kFrame.size()));
    QVERIFY(gw.lastWasBroadcast());
    QCOMPARE(node8.receive(buffer, sizeof buffer), uint8_t(kFrame.size()));
    QVERIFY(node8.lastWasBroadcast());
    QCOMPARE(node7.receive(buffer, sizeof buffer), uint8_t(0));
}

void tst_Transports::nrf24NoIdListensToBroadcastsOnly()
{
    Air a;
    FakeNrf24 gwChip(&a), newChip(&a);
    SteppingClock clock;
    Nrf24Transport gw(gwChip, clock), fresh(newChip, clock);
    QVERIFY(gw.begin() && fresh.begin()); // no setAddress: id 255
    gw.setAddress(0);
    uint8_t buffer[32];
    QVERIFY(!gw.send(7, kFrame.data(), uint8_t(kFrame.size())));
    QCOMPARE(fresh.receive(buffer, sizeof buffer), uint8_t(0));
    QVERIFY(gw.send(255, kFrame.data(), uint8_t(kFrame.size()))); // the id response
    QCOMPARE(fresh.receive(buffer, sizeof buffer), uint8_t(kFrame.size()));
}

void tst_Transports::nrf24PipeZeroClosedAfterSending()
{
    Air a;
    FakeNrf24 gwChip(&a), n7(&a), n9(&a);
    SteppingClock clock;
    Nrf24Transport gw(gwChip, clock), node7(n7, clock), node9(n9, clock);
    QVERIFY(gw.begin() && node7.begin() && node9.begin());
    gw.setAddress(0);
    node7.setAddress(7);
    node9.setAddress(9);
    QVERIFY(node7.send(0, kFrame.data(), uint8_t(kFrame.size()))); // pipe 0 of 7 was on 0
    QCOMPARE(n7.reg(0x02) & 0x01, 0);
    uint8_t buffer[32];
    QVERIFY(gw.receive(buffer, sizeof buffer) > 0);
    // Node 9 talks to the gateway: node 7 must neither receive nor acknowledge it.
    QVERIFY(node9.send(0, kFrame.data(), uint8_t(kFrame.size())));
    QCOMPARE(node7.receive(buffer, sizeof buffer), uint8_t(0));
    QCOMPARE(gw.receive(buffer, sizeof buffer), uint8_t(kFrame.size()));
}

void tst_Transports::nrf24FullFifoIsNotAcknowledged()
{
    Air a;
    FakeNrf24 gwChip(&a), nodeChip(&a);
    SteppingClock clock;
    Nrf24Transport gw(gwChip, clock), node(nodeChip, clock);
    QVERIFY(gw.begin() && node.begin());
    gw.setAddress(0);
    node.setAddress(7);
    for (int i = 0; i < 3; ++i)
        QVERIFY(gw.send(7, kFrame.data(), uint8_t(kFrame.size())));
    // The node has not read: its three-frame FIFO is full, so the sender hears no ACK.
    QVERIFY(!gw.send(7, kFrame.data(), uint8_t(kFrame.size())));
    uint8_t buffer[32];
    for (int i = 0; i < 3; ++i)
        QCOMPARE(node.receive(buffer, sizeof buffer), uint8_t(kFrame.size()));
    QCOMPARE(node.receive(buffer, sizeof buffer), uint8_t(0));
    QVERIFY(gw.send(7, kFrame.data(), uint8_t(kFrame.size())));
}

void tst_Transports::nrf24CorruptWidthFlushed()
{
    FakeNrf24 chip(nullptr);
    SteppingClock clock;
    Nrf24Transport t(chip, clock);
    QVERIFY(t.begin());
    chip.pushRaw(1, std::vector<uint8_t>(33, 0xEE)); // what the datasheet calls corrupt
    uint8_t buffer[32];
    const int flushesBefore = chip.flushRxCount;
    QCOMPARE(t.receive(buffer, sizeof buffer), uint8_t(0));
    QCOMPARE(chip.flushRxCount, flushesBefore + 1);
    QCOMPARE(t.dropped(), uint16_t(1));
    // A frame too long for the caller's buffer is read out and dropped.
    chip.pushRaw(2, kFrame);
    QCOMPARE(t.receive(buffer, 4), uint8_t(0));
    QCOMPARE(t.dropped(), uint16_t(2));
    QCOMPARE(t.receive(buffer, sizeof buffer), uint8_t(0));
}

void tst_Transports::nrf24OtherChannelHearsNothing()
{
    Air a;
    FakeNrf24 gwChip(&a), nodeChip(&a);
    SteppingClock clock;
    Nrf24Transport gw(gwChip, clock), node(nodeChip, clock);
    Nrf24Settings elsewhere;
    elsewhere.channel = 90;
    QVERIFY(gw.begin() && node.begin(elsewhere));
    gw.setAddress(0);
    node.setAddress(7);
    QVERIFY(!gw.send(7, kFrame.data(), uint8_t(kFrame.size())));
    uint8_t buffer[32];
    QCOMPARE(node.receive(buffer, sizeof buffer), uint8_t(0));
}

void tst_Transports::nrf24AbsentChip()
{
    FakeNrf24 chip(nullptr);
    chip.answersOnBus = false;
    SteppingClock clock;
    Nrf24Transport t(chip, clock);
    QVERIFY(!t.begin());
    QVERIFY(!t.isPresent());
    QVERIFY(!t.send(0, kFrame.data(), uint8_t(kFrame.size())));
    uint8_t buffer[32];
    QCOMPARE(t.receive(buffer, sizeof buffer), uint8_t(0));
    QVERIFY(!t.configure(Nrf24Settings()));
}

QTEST_GUILESS_MAIN(tst_Transports)
#include "tst_transports.moc"
