// AVR image for the harness's own tests (tests/firmware/sim): a boot counter in EEPROM byte 0,
// then an echo of UART0 with letters upper-cased. EOT (0x04) ends with done(0) after "BYE",
// ETX (0x03) halts by sleeping with interrupts off, ENQ (0x05) ends with done(7). With no
// input it waits forever (the harness's --max-cycles ends it).
#include "simharness.h"

#include <avr/eeprom.h>
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>

using namespace Warden::Firmware;

namespace {

void putChar(uint8_t c)
{
    while (!(UCSR0A & _BV(UDRE0))) { }
    UDR0 = c;
}

void putText(const char *text)
{
    while (*text)
        putChar(uint8_t(*text++));
}

void flush()
{
    // Wait for the last byte to leave the shift register before the run ends.
    while (!(UCSR0A & _BV(UDRE0))) { }
}

} // namespace

int main()
{
    UBRR0H = 0;
    UBRR0L = 1; // 1 Mbaud at 16 MHz with U2X
    UCSR0A = _BV(U2X0);
    UCSR0C = _BV(UCSZ01) | _BV(UCSZ00);
    UCSR0B = _BV(TXEN0) | _BV(RXEN0);

    uint8_t boots = eeprom_read_byte(reinterpret_cast<uint8_t *>(0));
    boots = boots == 0xFF ? 1 : uint8_t(boots + 1); // erased EEPROM reads 0xFF
    eeprom_update_byte(reinterpret_cast<uint8_t *>(0), boots);
    putText("BOOT ");
    if (boots >= 10)
        putChar(uint8_t('0' + boots / 10 % 10));
    putChar(uint8_t('0' + boots % 10));
    putChar('\n');

    for (;;) {
        while (!(UCSR0A & _BV(RXC0))) { }
        uint8_t c = UDR0;
        if (c == 0x04) {
            putText("BYE\n");
            flush();
            Sim::done(0);
        }
        if (c == 0x05) {
            flush();
            Sim::done(7);
        }
        if (c == 0x03) {
            flush();
            cli();
            sleep_enable();
            sleep_cpu();
        }
        if (c >= 'a' && c <= 'z')
            c = uint8_t(c - 'a' + 'A');
        Sim::markStart(2);
        putChar(c);
        Sim::markEnd(2);
    }
}
