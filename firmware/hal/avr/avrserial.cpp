#include "avrserial.h"

#include <avr/interrupt.h>
#include <avr/io.h>
#include <util/atomic.h>

namespace {

constexpr uint8_t kRxSize = WARDEN_AVR_SERIAL_RX_SIZE;
constexpr uint8_t kTxSize = WARDEN_AVR_SERIAL_TX_SIZE;
static_assert(kRxSize >= 2 && kRxSize <= 128 && (kRxSize & (kRxSize - 1)) == 0,
              "WARDEN_AVR_SERIAL_RX_SIZE: a power of two, 2..128");
static_assert(kTxSize >= 2 && kTxSize <= 128 && (kTxSize & (kTxSize - 1)) == 0,
              "WARDEN_AVR_SERIAL_TX_SIZE: a power of two, 2..128");

// Free-running 8-bit indexes: count = head - tail, wrapping, as long as a size is below 256.
volatile uint8_t g_rx[kRxSize];
volatile uint8_t g_rxHead = 0; // written by the ISR
volatile uint8_t g_rxTail = 0; // written by read()
volatile uint8_t g_tx[kTxSize];
volatile uint8_t g_txHead = 0; // written by write()
volatile uint8_t g_txTail = 0; // written by the ISR
volatile uint16_t g_losses = 0;
volatile bool g_sent = false; // something was written since begin(): TXC0 means something

void countLoss()
{
    if (g_losses != 0xFFFF)
        g_losses = uint16_t(g_losses + 1);
}

// Clears TXC0 (written as one) without touching the other writable bits.
inline void clearTransmitComplete()
{
    UCSR0A = uint8_t((UCSR0A & (_BV(U2X0) | _BV(MPCM0))) | _BV(TXC0));
}

} // namespace

// Parts with one USART name its vectors without the number.
#if defined(USART0_RX_vect)
#define WARDEN_USART_RX_VECT USART0_RX_vect
#define WARDEN_USART_UDRE_VECT USART0_UDRE_vect
#else
#define WARDEN_USART_RX_VECT USART_RX_vect
#define WARDEN_USART_UDRE_VECT USART_UDRE_vect
#endif

ISR(WARDEN_USART_RX_VECT)
{
    const uint8_t status = UCSR0A;
    const uint8_t byte = UDR0;
    if (status & _BV(DOR0))
        countLoss();
    if (status & _BV(FE0))
        return; // a framing error is noise, not a byte
    const uint8_t head = g_rxHead;
    if (uint8_t(head - g_rxTail) >= kRxSize) {
        countLoss();
        return;
    }
    g_rx[head & (kRxSize - 1)] = byte;
    g_rxHead = uint8_t(head + 1);
}

ISR(WARDEN_USART_UDRE_VECT)
{
    const uint8_t tail = g_txTail;
    if (tail == g_txHead) {
        UCSR0B &= uint8_t(~_BV(UDRIE0));
        return;
    }
    clearTransmitComplete();
    UDR0 = g_tx[tail & (kTxSize - 1)];
    g_txTail = uint8_t(tail + 1);
}

namespace Warden {
namespace Firmware {

void AvrSerialPort::begin(uint32_t baud)
{
    uint32_t divisor = (F_CPU / 4 / baud - 1) / 2; // rounded, double speed (clk / 8 / baud)
    bool doubleSpeed = true;
    if (divisor > 4095) {
        divisor = (F_CPU / 8 / baud - 1) / 2;
        doubleSpeed = false;
    }
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE)
    {
        UCSR0B = 0;
        g_rxHead = g_rxTail = 0;
        g_txHead = g_txTail = 0;
        g_sent = false;
        // Speed mode first: simulators (simavr) derive the baud rate when UBRR0L is written.
        UCSR0A = doubleSpeed ? _BV(U2X0) : 0;
        UBRR0H = uint8_t(divisor >> 8);
        UBRR0L = uint8_t(divisor);
        UCSR0C = _BV(UCSZ01) | _BV(UCSZ00);
        UCSR0B = _BV(RXEN0) | _BV(TXEN0) | _BV(RXCIE0);
    }
}

int AvrSerialPort::read()
{
    const uint8_t tail = g_rxTail;
    if (tail == g_rxHead)
        return -1;
    const uint8_t byte = g_rx[tail & (kRxSize - 1)];
    g_rxTail = uint8_t(tail + 1);
    return byte;
}

void AvrSerialPort::write(const uint8_t *data, uint16_t length)
{
    const bool interrupts = (SREG & _BV(SREG_I)) != 0;
    for (uint16_t i = 0; i < length; ++i) {
        g_sent = true;
        if (!interrupts) {
            while (!(UCSR0A & _BV(UDRE0))) { }
            clearTransmitComplete();
            UDR0 = data[i];
            continue;
        }
        // The ring is full: the UDRE interrupt makes room.
        while (uint8_t(g_txHead - g_txTail) >= kTxSize) { }
        const uint8_t head = g_txHead;
        g_tx[head & (kTxSize - 1)] = data[i];
        ATOMIC_BLOCK(ATOMIC_FORCEON)
        {
            g_txHead = uint8_t(head + 1);
            UCSR0B |= _BV(UDRIE0);
        }
    }
}

uint8_t AvrSerialPort::available()
{
    return uint8_t(g_rxHead - g_rxTail);
}

void AvrSerialPort::flush()
{
    if (!g_sent)
        return;
    while (g_txHead != g_txTail) { }
    // The last byte went to the data register; TXC0 sets once it has left the shift register.
    while (!(UCSR0A & _BV(TXC0))) { }
}

uint16_t AvrSerialPort::receiveLosses()
{
    uint16_t n;
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE)
    {
        n = g_losses;
    }
    return n;
}

} // namespace Firmware
} // namespace Warden
