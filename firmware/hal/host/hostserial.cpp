#include "hostserial.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

namespace Warden {
namespace Firmware {
namespace Host {

namespace {

speed_t speedFor(unsigned baud)
{
    switch (baud) {
    case 9600:
        return B9600;
    case 19200:
        return B19200;
    case 38400:
        return B38400;
    case 57600:
        return B57600;
    case 230400:
        return B230400;
    default:
        return B115200;
    }
}

} // namespace

bool makeRawTty(int fd, unsigned baud, std::string *error)
{
    termios tio = {};
    if (::tcgetattr(fd, &tio) != 0) {
        if (error)
            *error = std::string("not a terminal: ") + std::strerror(errno);
        return false;
    }
    ::cfmakeraw(&tio);
    tio.c_cflag |= CLOCAL | CREAD;
    tio.c_cc[VMIN] = 0;
    tio.c_cc[VTIME] = 0;
    ::cfsetispeed(&tio, speedFor(baud));
    ::cfsetospeed(&tio, speedFor(baud));
    if (::tcsetattr(fd, TCSANOW, &tio) != 0) {
        if (error)
            *error = std::string("cannot configure the terminal: ") + std::strerror(errno);
        return false;
    }
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        if (error)
            *error = std::string("cannot make the terminal non-blocking: ") + std::strerror(errno);
        return false;
    }
    return true;
}

std::unique_ptr<PosixSerialPort> PosixSerialPort::open(const std::string &path, std::string *error,
                                                       unsigned baud)
{
    const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (error)
            *error = "serial port " + path + ": " + std::strerror(errno);
        return nullptr;
    }
    std::string why;
    if (!makeRawTty(fd, baud, &why)) {
        ::close(fd);
        if (error)
            *error = "serial port " + path + ": " + why;
        return nullptr;
    }
    return std::make_unique<PosixSerialPort>(fd, true);
}

PosixSerialPort::PosixSerialPort(int fd, bool owned)
    : m_fd(fd)
    , m_owned(owned)
{ }

PosixSerialPort::~PosixSerialPort()
{
    if (m_owned && m_fd >= 0)
        ::close(m_fd);
}

int PosixSerialPort::read()
{
    if (m_position == m_length) {
        const ssize_t got = ::read(m_fd, m_buffer, sizeof m_buffer);
        if (got <= 0)
            return -1;
        m_length = size_t(got);
        m_position = 0;
    }
    return m_buffer[m_position++];
}

void PosixSerialPort::write(const uint8_t *data, uint16_t length)
{
    size_t done = 0;
    while (done < length) {
        const ssize_t n = ::write(m_fd, data + done, length - done);
        if (n > 0) {
            done += size_t(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            pollfd p = {m_fd, POLLOUT, 0};
            if (::poll(&p, 1, 1000) <= 0) {
                ++m_writeErrors;
                return;
            }
        } else {
            ++m_writeErrors;
            return;
        }
    }
}

bool PosixSerialPort::waitReadable(int timeoutMs)
{
    if (m_position < m_length)
        return true;
    pollfd p = {m_fd, POLLIN, 0};
    return ::poll(&p, 1, timeoutMs) > 0 && (p.revents & POLLIN) != 0;
}

bool PtyPair::open(std::string *error)
{
    close();
    char name[128] = {};
    if (::openpty(&master, &slave, name, nullptr, nullptr) != 0) {
        if (error)
            *error = std::string("openpty: ") + std::strerror(errno);
        return false;
    }
    slaveName = name;
    ::fcntl(master, F_SETFD, FD_CLOEXEC);
    ::fcntl(slave, F_SETFD, FD_CLOEXEC);
    return makeRawTty(master, 115200, error) && makeRawTty(slave, 115200, error);
}

void PtyPair::close()
{
    if (master >= 0)
        ::close(master);
    if (slave >= 0)
        ::close(slave);
    master = slave = -1;
    slaveName.clear();
}

int MemorySerialPort::read()
{
    if (m_input.empty())
        return -1;
    const int c = static_cast<unsigned char>(m_input.front());
    m_input.pop_front();
    return c;
}

void MemorySerialPort::write(const uint8_t *data, uint16_t length)
{
    m_output.append(reinterpret_cast<const char *>(data), length);
}

std::string MemorySerialPort::takeOutput()
{
    std::string out;
    out.swap(m_output);
    return out;
}

} // namespace Host
} // namespace Firmware
} // namespace Warden
