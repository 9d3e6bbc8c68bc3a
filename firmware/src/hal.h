// The hardware the node stack runs on, as small abstract interfaces. The stack gets them as
// references (a Hal) and keeps no global state, so a host process can run hundreds of nodes on
// one simulated bus while the ATmega328P runs one static instance on its own peripherals.
// Portable C++14: no heap, no STL, no exceptions; compiled by avr-g++ 5.4 and the host g++.
#pragma once

#include <stddef.h>
#include <stdint.h>

/// Keeps a function out of its callers where its locals (a message, a digest, a SHA-256
/// context) would otherwise be added to a caller's frame that is on the stack anyway: the
/// 2 KiB of the ATmega328P hold static data and the deepest call chain together.
#if defined(__GNUC__)
#define WARDEN_NOINLINE __attribute__((noinline))
#else
#define WARDEN_NOINLINE
#endif

namespace Warden {
namespace Firmware {

// The destructors are protected and not virtual: nobody deletes a HAL object through its
// interface, and a virtual destructor would make avr-g++ emit a deleting destructor that
// needs operator delete, which a heap-less node does not have.

/// Byte-addressed EEPROM of kEepromSize bytes. A write may take milliseconds on the AVR and
/// may be lost when power fails; WardenStore is built so that no single lost write matters.
class Eeprom
{
public:
    virtual uint8_t read(uint16_t address) = 0;
    virtual void write(uint16_t address, uint8_t value) = 0;

protected:
    ~Eeprom() = default;
};

/// The ATmega328P's EEPROM size; the layout in eepromlayout.h fills it.
constexpr uint16_t kEepromSize = 1024;

/// Writes @p value only when the cell holds something else: saves EEPROM wear and the 3.4 ms
/// an AVR write costs.
inline void eepromUpdate(Eeprom &eeprom, uint16_t address, uint8_t value)
{
    if (eeprom.read(address) != value)
        eeprom.write(address, value);
}

/// A free-running 32-bit millisecond counter; wrap-around is handled by its users.
class Clock
{
public:
    virtual uint32_t millis() = 0;

protected:
    ~Clock() = default;
};

/// Raw entropy: hardware jitter on the AVR, /dev/urandom or a seeded generator on the host.
/// Callers whiten it (NonceGenerator hashes it with a persisted boot counter).
class Entropy
{
public:
    virtual void fill(uint8_t *out, uint8_t length) = 0;

protected:
    ~Entropy() = default;
};

/// The radio or bus: whole MySensors frames to and from a next hop.
class Transport
{
public:
    /// The node id the link answers to (255 until one is assigned).
    virtual void setAddress(uint8_t address) = 0;
    /// Sends @p length bytes to @p nextHop (255 = broadcast). True when the link reports the
    /// frame delivered to the next hop (a link-level ACK), or the broadcast went out.
    virtual bool send(uint8_t nextHop, const uint8_t *data, uint8_t length) = 0;
    /// Copies one received frame into @p buffer and returns its length, or 0 when none is
    /// waiting. Never blocks. Frames longer than @p capacity are dropped by the link.
    virtual uint8_t receive(uint8_t *buffer, uint8_t capacity) = 0;

protected:
    ~Transport() = default;
};

/// The personalization UART (USB serial on a node), byte-wise and non-blocking.
class SerialPort
{
public:
    /// The next received byte, or -1 when none is waiting.
    virtual int read() = 0;
    virtual void write(const uint8_t *data, uint16_t length) = 0;

protected:
    ~SerialPort() = default;
};

/// What is left of the board: the node-lock unlock pin and the reset.
class Board
{
public:
    /// True while the unlock pin is grounded (spec 4.10: A0 with pull-up on MySensors boards).
    virtual bool unlockRequested() = 0;
    /// Restarts the node (watchdog reset on the AVR). May return on hosts, which restart the
    /// node object themselves.
    virtual void restart() = 0;

protected:
    ~Board() = default;
};

/// Everything a node needs, as references; @c serial may be null (no personalization UART).
struct Hal
{
    Eeprom &eeprom;
    Clock &clock;
    Entropy &entropy;
    Transport &transport;
    SerialPort *serial;
    Board &board;
};

} // namespace Firmware
} // namespace Warden
