#include "hosteeprom.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Warden {
namespace Firmware {
namespace Host {

RamEeprom::RamEeprom()
{
    m_image.fill(0xFF);
}

RamEeprom::RamEeprom(const Image &image)
    : m_image(image)
{ }

uint8_t RamEeprom::read(uint16_t address)
{
    return address < m_image.size() ? m_image[address] : 0xFF;
}

void RamEeprom::write(uint16_t address, uint8_t value)
{
    if (m_budget == 0) {
        ++m_dropped;
        return;
    }
    if (m_budget != UINT64_MAX)
        --m_budget;
    if (address < m_image.size())
        m_image[address] = value;
    ++m_writes;
}

void RamEeprom::resetCounters()
{
    m_writes = 0;
    m_dropped = 0;
}

void RamEeprom::cutPowerAfter(uint64_t writes)
{
    m_budget = writes;
}

void RamEeprom::restorePower()
{
    m_budget = UINT64_MAX;
}

std::unique_ptr<FileEeprom> FileEeprom::open(const std::string &path, std::string *error)
{
    auto fail = [&](const std::string &what) {
        if (error)
            *error = "EEPROM image " + path + ": " + what;
        return std::unique_ptr<FileEeprom>();
    };
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return fail(std::strerror(errno));
    struct stat info = {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        return fail("not a regular file");
    }
    if (info.st_size > off_t(kEepromSize)) {
        ::close(fd);
        return fail("is " + std::to_string(info.st_size) + " bytes; an EEPROM image has "
                    + std::to_string(kEepromSize));
    }
    RamEeprom::Image image;
    image.fill(0xFF);
    const ssize_t got = ::pread(fd, image.data(), size_t(info.st_size), 0);
    if (got != ssize_t(info.st_size)) {
        ::close(fd);
        return fail("cannot be read");
    }
    if (info.st_size < off_t(kEepromSize)) {
        // Erase the rest, so the file always holds the whole image.
        const size_t rest = kEepromSize - size_t(info.st_size);
        if (::pwrite(fd, image.data() + info.st_size, rest, info.st_size) != ssize_t(rest)) {
            ::close(fd);
            return fail(std::strerror(errno));
        }
    }
    return std::unique_ptr<FileEeprom>(new FileEeprom(fd, image));
}

FileEeprom::FileEeprom(int fd, const RamEeprom::Image &image)
    : m_fd(fd)
    , m_image(image)
{ }

FileEeprom::~FileEeprom()
{
    ::fsync(m_fd);
    ::close(m_fd);
}

uint8_t FileEeprom::read(uint16_t address)
{
    return address < m_image.size() ? m_image[address] : 0xFF;
}

void FileEeprom::write(uint16_t address, uint8_t value)
{
    if (address >= m_image.size())
        return;
    m_image[address] = value;
    if (::pwrite(m_fd, &value, 1, off_t(address)) != 1)
        m_healthy = false;
}

} // namespace Host
} // namespace Firmware
} // namespace Warden
