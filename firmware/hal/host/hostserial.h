// Serial ports for the host build: a POSIX tty (a real USB serial adapter or a pty) and an
// in-memory port for unit tests.
#pragma once

#include "hal.h"

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

namespace Warden {
namespace Firmware {
namespace Host {

/// A tty file descriptor in raw mode (8N1, no echo, no line discipline), non-blocking reads.
class PosixSerialPort final : public SerialPort
{
public:
    /// Opens @p path (e.g. /dev/ttyUSB0, /dev/pts/3) at @p baud. Null and @p error set on
    /// failure.
    static std::unique_ptr<PosixSerialPort> open(const std::string &path, std::string *error,
                                                 unsigned baud = 115200);
    /// Adopts @p fd (e.g. one side of openpty()); it is closed with the port when @p owned.
    PosixSerialPort(int fd, bool owned);
    ~PosixSerialPort();
    PosixSerialPort(const PosixSerialPort &) = delete;
    PosixSerialPort &operator=(const PosixSerialPort &) = delete;

    int read() override;
    /// Writes everything, waiting for the tty to drain when its buffer is full. Bytes are lost
    /// only when the far side is gone (counted in writeErrors()).
    void write(const uint8_t *data, uint16_t length) override;

    /// Waits up to @p timeoutMs for input; true when a byte can be read.
    bool waitReadable(int timeoutMs);
    int fd() const { return m_fd; }
    uint64_t writeErrors() const { return m_writeErrors; }

private:
    int m_fd;
    bool m_owned;
    uint8_t m_buffer[256];
    size_t m_length = 0;
    size_t m_position = 0;
    uint64_t m_writeErrors = 0;
};

/// Sets @p fd to raw 8N1 at @p baud and non-blocking. False (and @p error) on failure.
bool makeRawTty(int fd, unsigned baud, std::string *error);

/// A pseudo-terminal pair from openpty(), both ends raw and non-blocking.
struct PtyPair
{
    int master = -1;
    int slave = -1;
    std::string slaveName;

    bool open(std::string *error);
    void close();
    ~PtyPair() { close(); }
};

/// A serial port in memory: the test queues input and reads what the node wrote.
class MemorySerialPort final : public SerialPort
{
public:
    int read() override;
    void write(const uint8_t *data, uint16_t length) override;

    void feed(const std::string &text) { m_input.insert(m_input.end(), text.begin(), text.end()); }
    /// Everything written so far, then forgotten.
    std::string takeOutput();
    const std::string &output() const { return m_output; }
    size_t pendingInput() const { return m_input.size(); }

private:
    std::deque<char> m_input;
    std::string m_output;
};

} // namespace Host
} // namespace Firmware
} // namespace Warden
