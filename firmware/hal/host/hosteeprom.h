// EEPROMs for the host build: a RAM image that can lose power after any number of writes (the
// tests' fault injection), and a file-backed image for the warden-node program.
#pragma once

#include "hal.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>

namespace Warden {
namespace Firmware {
namespace Host {

/// An erased (0xFF) EEPROM in RAM. cutPowerAfter(n) lets n more writes reach the cells and
/// silently drops every later one, as if power failed at that byte; the test then "reboots" by
/// building a new node on the same image after restorePower().
class RamEeprom final : public Eeprom
{
public:
    using Image = std::array<uint8_t, kEepromSize>;

    RamEeprom();
    explicit RamEeprom(const Image &image);

    uint8_t read(uint16_t address) override;
    void write(uint16_t address, uint8_t value) override;

    /// Writes that reached the cells since construction or resetCounters().
    uint64_t writeCount() const { return m_writes; }
    /// Writes dropped because power was cut.
    uint64_t droppedWrites() const { return m_dropped; }
    void resetCounters();

    /// Lets @p writes more writes through, then cuts power.
    void cutPowerAfter(uint64_t writes);
    bool isPowerCut() const { return m_budget == 0; }
    void restorePower();

    const Image &image() const { return m_image; }
    Image &image() { return m_image; }

private:
    Image m_image;
    uint64_t m_writes = 0;
    uint64_t m_dropped = 0;
    uint64_t m_budget = UINT64_MAX;
};

/// A 1024-byte image in a file: reads come from a RAM copy, every write goes to the file at
/// once (one pwrite per byte: a process killed between two bytes leaves exactly the bytes
/// written, like an AVR losing power).
class FileEeprom final : public Eeprom
{
public:
    /// Opens or creates @p path. A new or short file is filled up with 0xFF (erased). Returns
    /// null and sets @p error when the file cannot be used (unreadable, larger than 1024 B).
    static std::unique_ptr<FileEeprom> open(const std::string &path, std::string *error);
    ~FileEeprom();
    FileEeprom(const FileEeprom &) = delete;
    FileEeprom &operator=(const FileEeprom &) = delete;

    uint8_t read(uint16_t address) override;
    void write(uint16_t address, uint8_t value) override;

    /// False once a write to the file failed (the RAM copy still holds the value).
    bool isHealthy() const { return m_healthy; }

private:
    FileEeprom(int fd, const RamEeprom::Image &image);

    int m_fd;
    RamEeprom::Image m_image;
    bool m_healthy = true;
};

} // namespace Host
} // namespace Firmware
} // namespace Warden
