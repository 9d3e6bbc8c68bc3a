// warden_simavr: runs an AVR image (.elf) in simavr for the tests and the cycle benchmarks.
//
//   warden_simavr [options] image.elf
//
// The MCU and clock come from the image's .mmcu section (simavr's avr_mcu_section.h), or from
// --mcu/--freq. UART0 is bridged to a pty (--uart-pty: the slave's path is the first line on
// stdout, open it like a serial port) or to stdin/stdout (--uart-stdio); without either, UART0
// output goes to stdout and nothing is sent in. Reports go to stderr, one per line:
//   run mcu <name> freq <hz>
//   marker <id> start cycles <n>
//   marker <id> end cycles <n> elapsed <cycles> stack <bytes below the SP at start>
//   stack lowest-sp 0x<sp> used <bytes below RAMEND> ramend 0x<a> heap-start 0x<a> headroom <n>
//   exit <reason> status <n> cycles <n>
// The run ends when the image writes its exit status to the done register (GPIOR2, see
// firmware/tests/simharness.h), sleeps with interrupts off, crashes, or reaches --max-cycles,
// or on SIGINT/SIGTERM. The EEPROM image (--eeprom) is loaded at start and saved atomically
// whenever the firmware changed it, so a killed run keeps what the node had written.
//
// A board with a bootloader: --bootloader loads an Intel HEX (optiboot) into the flash where it
// says and starts there, as the BOOTRST fuse does, with the external-reset flag set (the reset
// a serial port's DTR gives); the watchdog reset the bootloader ends with starts there again.
// The image is then optional (--mcu and --freq name the part). --hold-until-input keeps the
// MCU in reset until the first byte arrives on UART0, as a board reset by the opening of its
// port; --flash-out writes the whole flash to a file when the run ends.
#include "simharness.h" // firmware/tests: the marker and done registers

extern "C" {
#include <avr_eeprom.h>
#include <avr_uart.h>
#include <sim_avr.h>
#include <sim_elf.h>
#include <sim_io.h>
#include <sim_irq.h>
}

#include <elf.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

// Exit statuses besides the image's own (0..255 from the done register).
constexpr int kExitMaxCycles = 124;
constexpr int kExitCrashed = 125;
constexpr int kExitUsage = 64;
constexpr int kExitNoInput = 66;
constexpr int kExitSoftware = 70;

// Host I/O, EEPROM and real-time checks every this many instructions: often enough for a
// responsive serial line (about 1,000 bytes/s at 16 MHz would need one per 16,000 cycles).
constexpr uint32_t kPollInterval = 1024;
constexpr size_t kMaxPendingOutput = 1 << 20;
constexpr int kPcHistory = 16;
// "out 0x3e, rN" (SPH) and "out 0x3d, rN" (SPL): 1011 1AAr rrrr AAAA.
constexpr uint16_t kOutMask = 0xFE0F;
constexpr uint16_t kOutSph = 0xBE0E;
constexpr uint16_t kOutSpl = 0xBE0D;

volatile sig_atomic_t g_stopSignal = 0;
int g_logLevel = LOG_ERROR;

enum class UartMode { StdoutOnly, Stdio, Pty };

struct Options
{
    std::string image;
    std::string mcu;
    uint32_t frequency = 0;
    UartMode uart = UartMode::StdoutOnly;
    std::string ptyLink;
    std::string eeprom;
    uint64_t maxCycles = 0;
    bool markers = false;
    bool stackReport = false;
    bool stackTrace = false;
    bool realtime = false;
    std::string bootloader;
    bool holdUntilInput = false;
    std::string flashOut;
    uint16_t markerAddress = WARDEN_SIM_MARKER_ADDRESS;
    uint16_t doneAddress = WARDEN_SIM_DONE_ADDRESS;
};

void usage(FILE *to)
{
    std::fputs("usage: warden_simavr [options] image.elf\n"
               "  --mcu NAME          MCU (default: the image's .mmcu section)\n"
               "  --freq HZ           clock (default: the image's .mmcu section)\n"
               "  --uart-pty          bridge UART0 to a new pty; its path is printed on stdout\n"
               "  --uart-pty-link P   also make the symlink P to the pty (replaced if it exists)\n"
               "  --uart-stdio        bridge UART0 to stdin/stdout\n"
               "                      (default: UART0 output to stdout, no input)\n"
               "  --eeprom FILE       load the EEPROM from FILE (if it exists) and save it back\n"
               "  --max-cycles N      stop after N cycles (exit status 124)\n"
               "  --markers           report every marker write with its cycle count (stderr)\n"
               "  --stack-report      report the lowest stack pointer and the headroom (stderr)\n"
               "  --stack-trace       also the pc and the stack bytes at the lowest point, to\n"
               "                      find the return addresses of the deepest call chain\n"
               "  --realtime          never run ahead of the wall clock\n"
               "  --bootloader HEX    load HEX (Intel HEX) and start at its first address with\n"
               "                      the external-reset flag set; the image is optional\n"
               "  --hold-until-input  hold the MCU in reset until UART0 receives a byte\n"
               "  --flash-out FILE    write the flash to FILE when the run ends\n"
               "  --marker-address A  data address of the marker register (default 0x4a, GPIOR1)\n"
               "  --done-address A    data address of the done register (default 0x4b, GPIOR2)\n"
               "  --verbose           simavr's own log messages\n",
               to);
}

template<typename T>
bool parseNumber(std::string_view text, T &out)
{
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text.remove_prefix(2);
        base = 16;
    }
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
    return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

std::optional<std::string> parseOptions(int argc, char **argv, Options &options)
{
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&](std::string_view &out) -> bool {
            if (i + 1 >= argc)
                return false;
            out = argv[++i];
            return true;
        };
        std::string_view v;
        if (arg == "--uart-pty") {
            options.uart = UartMode::Pty;
        } else if (arg == "--uart-stdio") {
            options.uart = UartMode::Stdio;
        } else if (arg == "--markers") {
            options.markers = true;
        } else if (arg == "--stack-report") {
            options.stackReport = true;
        } else if (arg == "--stack-trace") {
            options.stackReport = true;
            options.stackTrace = true;
        } else if (arg == "--realtime") {
            options.realtime = true;
        } else if (arg == "--hold-until-input") {
            options.holdUntilInput = true;
        } else if (arg == "--bootloader") {
            if (!value(v) || v.empty())
                return "--bootloader needs an Intel HEX file";
            options.bootloader = v;
        } else if (arg == "--flash-out") {
            if (!value(v) || v.empty())
                return "--flash-out needs a file name";
            options.flashOut = v;
        } else if (arg == "--verbose") {
            g_logLevel = LOG_TRACE;
        } else if (arg == "--help" || arg == "-h") {
            usage(stdout);
            std::exit(0);
        } else if (arg == "--mcu") {
            if (!value(v))
                return "--mcu needs a name";
            options.mcu = v;
        } else if (arg == "--freq") {
            if (!value(v) || !parseNumber(v, options.frequency) || options.frequency == 0)
                return "--freq needs a clock in Hz";
        } else if (arg == "--uart-pty-link") {
            if (!value(v) || v.empty())
                return "--uart-pty-link needs a path";
            options.ptyLink = v;
            options.uart = UartMode::Pty;
        } else if (arg == "--eeprom") {
            if (!value(v) || v.empty())
                return "--eeprom needs a file name";
            options.eeprom = v;
        } else if (arg == "--max-cycles") {
            if (!value(v) || !parseNumber(v, options.maxCycles) || options.maxCycles == 0)
                return "--max-cycles needs a positive number";
        } else if (arg == "--marker-address") {
            if (!value(v) || !parseNumber(v, options.markerAddress))
                return "--marker-address needs a data address";
        } else if (arg == "--done-address") {
            if (!value(v) || !parseNumber(v, options.doneAddress))
                return "--done-address needs a data address";
        } else if (!arg.empty() && arg[0] == '-') {
            return "unknown option " + std::string(arg);
        } else if (options.image.empty()) {
            options.image = arg;
        } else {
            return "more than one image: " + options.image + " and " + std::string(arg);
        }
    }
    if (options.image.empty() && options.bootloader.empty())
        return "no image given";
    if (options.image.empty() && (options.mcu.empty() || !options.frequency))
        return "a bootloader without an image needs --mcu and --freq";
    if (options.holdUntilInput && options.uart == UartMode::StdoutOnly)
        return "--hold-until-input needs --uart-pty or --uart-stdio";
    return std::nullopt;
}

// ---------------------------------------------------------------- ELF symbols

// The image is read here before libsimavr sees it: a file that is not an AVR ELF gets a clear
// message instead of whatever libelf makes of it, and the symbols give the end of .bss/.noinit
// for the stack report.
struct ElfInfo
{
    std::map<std::string, uint32_t> symbols;
};

std::optional<std::string> readElf(const std::string &path, ElfInfo &info)
{
    std::ifstream file(path, std::ios::binary);
    if (!file)
        return "cannot open " + path + ": " + std::strerror(errno);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(file)),
                                  std::istreambuf_iterator<char>());
    Elf32_Ehdr header;
    if (bytes.size() < sizeof header)
        return path + " is not an ELF file (" + std::to_string(bytes.size()) + " bytes)";
    std::memcpy(&header, bytes.data(), sizeof header);
    if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0)
        return path + " is not an ELF file (no ELF magic)";
    if (header.e_ident[EI_CLASS] != ELFCLASS32 || header.e_ident[EI_DATA] != ELFDATA2LSB
        || header.e_machine != EM_AVR)
        return path + " is not an AVR image (ELF class, byte order or machine "
               + std::to_string(header.e_machine) + ")";

    auto inFile = [&](uint64_t offset, uint64_t size) { return offset + size <= bytes.size(); };
    if (header.e_shentsize != sizeof(Elf32_Shdr)
        || !inFile(header.e_shoff, uint64_t(header.e_shnum) * sizeof(Elf32_Shdr)))
        return path + ": section table out of the file";
    std::vector<Elf32_Shdr> sections(header.e_shnum);
    if (header.e_shnum)
        std::memcpy(sections.data(), bytes.data() + header.e_shoff,
                    sections.size() * sizeof(Elf32_Shdr));
    for (const Elf32_Shdr &section : sections) {
        if (section.sh_type != SHT_SYMTAB || section.sh_link >= sections.size())
            continue;
        const Elf32_Shdr &strings = sections[section.sh_link];
        if (!inFile(section.sh_offset, section.sh_size)
            || !inFile(strings.sh_offset, strings.sh_size))
            return path + ": symbol table out of the file";
        for (uint32_t at = 0; at + sizeof(Elf32_Sym) <= section.sh_size; at += sizeof(Elf32_Sym)) {
            Elf32_Sym symbol;
            std::memcpy(&symbol, bytes.data() + section.sh_offset + at, sizeof symbol);
            if (symbol.st_name >= strings.sh_size)
                continue;
            const char *name = bytes.data() + strings.sh_offset + symbol.st_name;
            const size_t room = strings.sh_size - symbol.st_name;
            info.symbols.emplace(std::string(name, strnlen(name, room)), symbol.st_value);
        }
    }
    return std::nullopt;
}

// ---------------------------------------------------------------- the simulation

void logger(avr_t *, const int level, const char *format, va_list args)
{
    if (level <= g_logLevel)
        std::vfprintf(stderr, format, args);
}

void onSignal(int signal)
{
    g_stopSignal = signal;
}

uint64_t nowNs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

class Simulation
{
public:
    explicit Simulation(const Options &options)
        : m_options(options)
    { }

    ~Simulation()
    {
        if (m_avr) {
            avr_terminate(m_avr);
            // avr_terminate releases the memories but not the core itself.
            std::free(m_avr);
        }
        std::free(m_firmware.flash);
        std::free(m_firmware.eeprom);
        std::free(m_firmware.fuse);
        std::free(m_firmware.lockbits);
#if ELF_SYMBOLS
        for (uint32_t i = 0; i < m_firmware.symbolcount; ++i)
            std::free(m_firmware.symbol[i]);
        std::free(m_firmware.symbol);
#endif
        if (m_ptyMaster >= 0)
            close(m_ptyMaster);
        if (m_ptySlave >= 0)
            close(m_ptySlave);
        if (!m_options.ptyLink.empty() && m_linkMade)
            unlink(m_options.ptyLink.c_str());
    }

    int run();

private:
    int load();
    int loadBootloader();
    void saveFlash();
    int setUpUart();
    int loadEeprom();
    void saveEepromIfChanged();
    void pollHost();
    void flushOutput();
    void throttle();
    int finish(const char *reason, int status);

    static void onUartOutput(avr_irq_t *, uint32_t value, void *param);
    static void onUartXon(avr_irq_t *, uint32_t, void *param);
    static void onUartXoff(avr_irq_t *, uint32_t, void *param);
    static void onMarker(avr_t *avr, avr_io_addr_t address, uint8_t value, void *param);
    static void onDone(avr_t *avr, avr_io_addr_t address, uint8_t value, void *param);

    uint16_t stackPointer() const
    {
        return uint16_t(m_avr->data[R_SPL] | m_avr->data[R_SPH] << 8);
    }

    struct OpenMarker
    {
        bool open = false;
        avr_cycle_count_t start = 0;
        uint16_t startSp = 0;
        uint16_t lowestSp = 0;
    };

    const Options &m_options;
    elf_firmware_t m_firmware {};
    ElfInfo m_elf;
    avr_t *m_avr = nullptr;

    avr_irq_t *m_uartInput = nullptr;
    bool m_uartCanTake = false; // until the receiver is on (XON)
    std::deque<uint8_t> m_toAvr;
    std::string m_fromAvr;
    bool m_inputClosed = false;
    int m_inFd = -1;
    int m_outFd = -1;
    int m_ptyMaster = -1;
    int m_ptySlave = -1;
    bool m_linkMade = false;
    bool m_outputOverflowReported = false;

    std::vector<uint8_t> m_eepromShadow;
    avr_eeprom_desc_t m_eepromLive {};

    OpenMarker m_markers[128];
    uint8_t m_openMarkers[128];
    uint8_t m_openCount = 0;
    uint16_t m_lowestSp = 0xFFFF;
    uint32_t m_lowestPc = 0;
    std::vector<uint8_t> m_lowestStack; ///< SP + 1 .. RAMEND at the lowest point
    bool m_spSplit = false;

    bool m_done = false;
    uint8_t m_doneStatus = 0;

    uint64_t m_wallStart = 0;
    uint32_t m_pcHistory[kPcHistory] {};
    uint32_t m_pcAt = 0;
};

int Simulation::load()
{
    if (m_options.image.empty()) {
        // A bare board: erased flash, the bootloader comes next.
    } else if (auto error = readElf(m_options.image, m_elf)) {
        std::fprintf(stderr, "warden_simavr: %s\n", error->c_str());
        return kExitNoInput;
    } else if (elf_read_firmware(m_options.image.c_str(), &m_firmware) != 0) {
        std::fprintf(stderr, "warden_simavr: simavr cannot load %s\n", m_options.image.c_str());
        return kExitNoInput;
    }
    if (!m_options.mcu.empty()) {
        std::snprintf(m_firmware.mmcu, sizeof m_firmware.mmcu, "%s", m_options.mcu.c_str());
    }
    if (m_options.frequency)
        m_firmware.frequency = m_options.frequency;
    if (!m_firmware.mmcu[0]) {
        std::fprintf(stderr,
                     "warden_simavr: %s names no MCU (no .mmcu section): pass --mcu and "
                     "--freq\n",
                     m_options.image.c_str());
        return kExitUsage;
    }
    if (!m_firmware.frequency) {
        std::fprintf(stderr, "warden_simavr: %s names no clock: pass --freq\n",
                     m_options.image.c_str());
        return kExitUsage;
    }
    m_avr = avr_make_mcu_by_name(m_firmware.mmcu);
    if (!m_avr) {
        std::fprintf(stderr, "warden_simavr: simavr does not know the MCU \"%s\"\n",
                     m_firmware.mmcu);
        return kExitUsage;
    }
    avr_init(m_avr);
    m_avr->log = uint8_t(g_logLevel);
    // A crash ends the run with a report; simavr would otherwise wait for gdb.
    m_avr->gdb_port = 0;
    if (!m_options.image.empty())
        avr_load_firmware(m_avr, &m_firmware);
    else
        m_avr->frequency = m_firmware.frequency; // what avr_load_firmware would set
    if (int status = loadBootloader())
        return status;

    const uint16_t ioEnd = m_avr->ioend;
    for (uint16_t address : {m_options.markerAddress, m_options.doneAddress}) {
        if (address < 0x20 || address > ioEnd) {
            std::fprintf(stderr,
                         "warden_simavr: register address 0x%x is not an I/O register of %s\n",
                         address, m_firmware.mmcu);
            return kExitUsage;
        }
    }
    avr_register_io_write(m_avr, m_options.markerAddress, onMarker, this);
    avr_register_io_write(m_avr, m_options.doneAddress, onDone, this);
    std::fprintf(stderr, "run mcu %s freq %u\n", m_firmware.mmcu, unsigned(m_avr->frequency));
    return 0;
}

// Intel HEX into the flash (libsimavr's reader refuses the start-address records optiboot's
// file has): data records at their address (with the extended segment and linear address
// records), checksums checked, nothing written outside the flash. Returns the lowest address.
std::optional<std::string> readIntelHex(const std::string &path, uint8_t *flash, uint32_t size,
                                        uint32_t &lowest)
{
    std::ifstream file(path);
    if (!file)
        return "cannot open " + path + ": " + std::strerror(errno);
    lowest = UINT32_MAX;
    uint32_t base = 0;
    std::string line;
    int number = 0;
    bool ended = false;
    while (!ended && std::getline(file, line)) {
        ++number;
        while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
            line.pop_back();
        if (line.empty())
            continue;
        const std::string where = path + " line " + std::to_string(number);
        if (line[0] != ':' || line.size() < 11 || line.size() % 2 == 0 || line.size() > 1 + 2 * 260)
            return where + " is not an Intel HEX record";
        std::vector<uint8_t> bytes;
        for (size_t i = 1; i < line.size(); i += 2) {
            uint8_t byte = 0;
            const auto [end, ec] = std::from_chars(line.data() + i, line.data() + i + 2, byte, 16);
            if (ec != std::errc() || end != line.data() + i + 2)
                return where + " has a character that is not hexadecimal";
            bytes.push_back(byte);
        }
        uint8_t sum = 0;
        for (uint8_t byte : bytes)
            sum = uint8_t(sum + byte);
        if (sum != 0 || bytes.size() != size_t(bytes[0]) + 5)
            return where + ": wrong checksum or length";
        const uint32_t offset = uint32_t(bytes[1] << 8 | bytes[2]);
        const uint8_t *data = bytes.data() + 4;
        switch (bytes[3]) {
        case 0x00: {
            const uint32_t at = base + offset;
            if (uint64_t(at) + bytes[0] > size)
                return where + " writes past the flash";
            std::memcpy(flash + at, data, bytes[0]);
            if (bytes[0])
                lowest = std::min(lowest, at);
            break;
        }
        case 0x01:
            ended = true;
            break;
        case 0x02:
            base = uint32_t(data[0] << 8 | data[1]) << 4;
            break;
        case 0x04:
            base = uint32_t(data[0] << 8 | data[1]) << 16;
            break;
        case 0x03:
        case 0x05:
            break; // start addresses: the reset vector decides
        default:
            return where + " has an unknown record type";
        }
    }
    if (!ended)
        return path + " has no end-of-file record";
    if (lowest == UINT32_MAX)
        return path + " holds no data";
    return std::nullopt;
}

int Simulation::loadBootloader()
{
    if (m_options.bootloader.empty())
        return 0;
    uint32_t start = 0;
    if (auto error = readIntelHex(m_options.bootloader, m_avr->flash, m_avr->flashend + 1, start)) {
        std::fprintf(stderr, "warden_simavr: %s\n", error->c_str());
        return kExitNoInput;
    }
    // The code may run anywhere now (the application comes through the bootloader).
    m_avr->codeend = m_avr->flashend;
    m_avr->reset_pc = start;
    m_avr->pc = start;
    avr_regbit_set(m_avr, m_avr->reset_flags.extrf);
    std::fprintf(stderr, "bootloader at 0x%04x\n", unsigned(start));
    return 0;
}

void Simulation::saveFlash()
{
    if (m_options.flashOut.empty())
        return;
    const std::string temporary = m_options.flashOut + ".tmp";
    FILE *f = std::fopen(temporary.c_str(), "wb");
    const size_t size = size_t(m_avr->flashend) + 1;
    bool ok = f && std::fwrite(m_avr->flash, 1, size, f) == size;
    if (f)
        ok = std::fclose(f) == 0 && ok;
    if (!ok || std::rename(temporary.c_str(), m_options.flashOut.c_str()) != 0) {
        std::fprintf(stderr, "warden_simavr: cannot write the flash to %s: %s\n",
                     m_options.flashOut.c_str(), std::strerror(errno));
        std::remove(temporary.c_str());
    }
}

int Simulation::setUpUart()
{
    avr_irq_t *output = avr_io_getirq(m_avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT);
    m_uartInput = avr_io_getirq(m_avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_INPUT);
    if (!output || !m_uartInput) {
        std::fprintf(stderr, "warden_simavr: %s has no UART0\n", m_firmware.mmcu);
        return m_options.uart == UartMode::StdoutOnly ? 0 : kExitUsage;
    }
    // No console echo of UART lines and no sleeping while the firmware polls for input: the
    // bytes are ours, and the cycle counts must not depend on the host.
    uint32_t flags = 0;
    avr_ioctl(m_avr, AVR_IOCTL_UART_GET_FLAGS('0'), &flags);
    flags &= ~uint32_t(AVR_UART_FLAG_STDIO | AVR_UART_FLAG_POLL_SLEEP);
    avr_ioctl(m_avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
    avr_irq_register_notify(output, onUartOutput, this);
    avr_irq_register_notify(avr_io_getirq(m_avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XON),
                            onUartXon, this);
    avr_irq_register_notify(avr_io_getirq(m_avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XOFF),
                            onUartXoff, this);

    switch (m_options.uart) {
    case UartMode::StdoutOnly:
        m_outFd = STDOUT_FILENO;
        m_inputClosed = true;
        break;
    case UartMode::Stdio:
        m_outFd = STDOUT_FILENO;
        m_inFd = STDIN_FILENO;
        break;
    case UartMode::Pty: {
        if (openpty(&m_ptyMaster, &m_ptySlave, nullptr, nullptr, nullptr) != 0) {
            std::fprintf(stderr, "warden_simavr: cannot create a pty: %s\n", std::strerror(errno));
            return kExitSoftware;
        }
        // Raw bytes both ways, like a serial port; the slave stays open here so the master
        // never reads EOF while no client has it open.
        termios tio;
        tcgetattr(m_ptySlave, &tio);
        cfmakeraw(&tio);
        tcsetattr(m_ptySlave, TCSANOW, &tio);
        fcntl(m_ptyMaster, F_SETFL, fcntl(m_ptyMaster, F_GETFL) | O_NONBLOCK);
        fcntl(m_ptyMaster, F_SETFD, FD_CLOEXEC);
        fcntl(m_ptySlave, F_SETFD, FD_CLOEXEC);
        const char *name = ttyname(m_ptySlave);
        if (!name) {
            std::fprintf(stderr, "warden_simavr: the pty has no name: %s\n", std::strerror(errno));
            return kExitSoftware;
        }
        if (!m_options.ptyLink.empty()) {
            unlink(m_options.ptyLink.c_str());
            if (symlink(name, m_options.ptyLink.c_str()) != 0) {
                std::fprintf(stderr, "warden_simavr: cannot link %s to %s: %s\n",
                             m_options.ptyLink.c_str(), name, std::strerror(errno));
                return kExitSoftware;
            }
            m_linkMade = true;
        }
        std::printf("%s\n", name);
        std::fflush(stdout);
        m_inFd = m_ptyMaster;
        m_outFd = m_ptyMaster;
        break;
    }
    }
    return 0;
}

int Simulation::loadEeprom()
{
    if (m_options.eeprom.empty())
        return 0;
    const uint32_t size = m_avr->e2end + 1;
    // With no buffer given, GET hands out the live EEPROM. (Size 0: libsimavr 1.6 refuses a
    // request that reaches the last byte; and its return value says nothing, the pointer does.)
    m_eepromLive = avr_eeprom_desc_t {nullptr, 0, 0};
    if (m_avr->e2end > 0)
        avr_ioctl(m_avr, AVR_IOCTL_EEPROM_GET, &m_eepromLive);
    if (!m_eepromLive.ee) {
        std::fprintf(stderr, "warden_simavr: %s has no EEPROM\n", m_firmware.mmcu);
        return kExitUsage;
    }
    std::vector<uint8_t> image(size, 0xFF); // erased
    std::ifstream file(m_options.eeprom, std::ios::binary);
    if (file) {
        const std::vector<char> bytes((std::istreambuf_iterator<char>(file)),
                                      std::istreambuf_iterator<char>());
        if (bytes.size() > size) {
            std::fprintf(stderr,
                         "warden_simavr: %s holds %zu bytes, more than the %u bytes of EEPROM "
                         "of %s\n",
                         m_options.eeprom.c_str(), bytes.size(), unsigned(size), m_firmware.mmcu);
            return kExitNoInput;
        }
        std::copy(bytes.begin(), bytes.end(), image.begin());
    } else if (errno != ENOENT) {
        std::fprintf(stderr, "warden_simavr: cannot read %s: %s\n", m_options.eeprom.c_str(),
                     std::strerror(errno));
        return kExitNoInput;
    }
    std::memcpy(m_eepromLive.ee, image.data(), size);
    m_eepromShadow = image;
    // A fresh file is written right away: the test sees the erased image before any write.
    if (!file) {
        m_eepromShadow.assign(size, 0);
        saveEepromIfChanged();
    }
    return 0;
}

void Simulation::saveEepromIfChanged()
{
    if (!m_eepromLive.ee
        || std::memcmp(m_eepromLive.ee, m_eepromShadow.data(), m_eepromShadow.size()) == 0)
        return;
    std::memcpy(m_eepromShadow.data(), m_eepromLive.ee, m_eepromShadow.size());
    // Atomic: a reader (or a kill) sees the old image or the new one, never half of each.
    const std::string temporary = m_options.eeprom + ".tmp";
    FILE *f = std::fopen(temporary.c_str(), "wb");
    bool ok = f
              && std::fwrite(m_eepromShadow.data(), 1, m_eepromShadow.size(), f)
                         == m_eepromShadow.size();
    ok = f && std::fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
    if (f)
        ok = std::fclose(f) == 0 && ok;
    if (!ok || std::rename(temporary.c_str(), m_options.eeprom.c_str()) != 0) {
        std::fprintf(stderr, "warden_simavr: cannot save the EEPROM to %s: %s\n",
                     m_options.eeprom.c_str(), std::strerror(errno));
        std::remove(temporary.c_str());
    }
}

void Simulation::onUartOutput(avr_irq_t *, uint32_t value, void *param)
{
    auto *self = static_cast<Simulation *>(param);
    if (self->m_fromAvr.size() >= kMaxPendingOutput) {
        if (!self->m_outputOverflowReported)
            std::fprintf(stderr, "warden_simavr: nobody reads UART0: output dropped\n");
        self->m_outputOverflowReported = true;
        return;
    }
    self->m_fromAvr.push_back(char(value));
}

void Simulation::onUartXon(avr_irq_t *, uint32_t, void *param)
{
    static_cast<Simulation *>(param)->m_uartCanTake = true;
}

void Simulation::onUartXoff(avr_irq_t *, uint32_t, void *param)
{
    static_cast<Simulation *>(param)->m_uartCanTake = false;
}

void Simulation::onMarker(avr_t *avr, avr_io_addr_t address, uint8_t value, void *param)
{
    auto *self = static_cast<Simulation *>(param);
    avr->data[address] = value;
    const uint8_t id = value & 0x7F;
    const bool end = (value & WARDEN_SIM_MARKER_END) != 0;
    OpenMarker &marker = self->m_markers[id];
    const uint16_t sp = self->stackPointer();
    if (!end) {
        if (self->m_options.markers)
            std::fprintf(stderr, "marker %u start cycles %llu\n", unsigned(id),
                         static_cast<unsigned long long>(avr->cycle));
        if (!marker.open)
            self->m_openMarkers[self->m_openCount++] = id;
        marker = OpenMarker {true, avr->cycle, sp, sp};
        return;
    }
    if (!marker.open) {
        if (self->m_options.markers)
            std::fprintf(stderr, "marker %u end cycles %llu (never started)\n", unsigned(id),
                         static_cast<unsigned long long>(avr->cycle));
        return;
    }
    if (self->m_options.markers)
        std::fprintf(stderr, "marker %u end cycles %llu elapsed %llu stack %u\n", unsigned(id),
                     static_cast<unsigned long long>(avr->cycle),
                     static_cast<unsigned long long>(avr->cycle - marker.start),
                     unsigned(marker.startSp - marker.lowestSp));
    marker.open = false;
    for (uint8_t i = 0; i < self->m_openCount; ++i) {
        if (self->m_openMarkers[i] == id) {
            self->m_openMarkers[i] = self->m_openMarkers[--self->m_openCount];
            break;
        }
    }
}

void Simulation::onDone(avr_t *avr, avr_io_addr_t address, uint8_t value, void *param)
{
    auto *self = static_cast<Simulation *>(param);
    avr->data[address] = value;
    self->m_done = true;
    self->m_doneStatus = value;
}

void Simulation::flushOutput()
{
    while (!m_fromAvr.empty() && m_outFd >= 0) {
        const ssize_t n = write(m_outFd, m_fromAvr.data(), m_fromAvr.size());
        if (n > 0) {
            m_fromAvr.erase(0, size_t(n));
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (m_outFd == STDOUT_FILENO)
                continue; // a blocking stdout never says so; a pipe set non-blocking by someone
            return; // the pty's reader is slow: keep the bytes for later
        }
        // The reader is gone (EPIPE, EIO): there is nobody to tell.
        m_fromAvr.clear();
        m_outFd = -1;
    }
}

void Simulation::pollHost()
{
    flushOutput();
    if (!m_inputClosed && m_inFd >= 0 && m_toAvr.size() < 256) {
        pollfd p {m_inFd, POLLIN, 0};
        if (poll(&p, 1, 0) > 0) {
            uint8_t buffer[256];
            const ssize_t n = read(m_inFd, buffer, sizeof buffer - m_toAvr.size());
            if (n > 0) {
                m_toAvr.insert(m_toAvr.end(), buffer, buffer + n);
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR && errno != EIO)) {
                // stdin at EOF. (A pty master reads EIO while no client has the slave open,
                // which cannot happen here: the slave stays open.)
                m_inputClosed = m_inFd == STDIN_FILENO;
            }
        }
    }
    while (!m_toAvr.empty() && m_uartCanTake) {
        avr_raise_irq(m_uartInput, m_toAvr.front());
        m_toAvr.pop_front();
    }
    saveEepromIfChanged();
    if (m_options.realtime)
        throttle();
}

void Simulation::throttle()
{
    const uint64_t simulatedNs = m_avr->cycle * 1000000000ull / m_avr->frequency;
    const uint64_t wallNs = nowNs() - m_wallStart;
    if (simulatedNs > wallNs + 1000000) {
        const uint64_t ahead = simulatedNs - wallNs;
        timespec ts {time_t(ahead / 1000000000u), long(ahead % 1000000000u)};
        nanosleep(&ts, nullptr);
    }
}

int Simulation::finish(const char *reason, int status)
{
    flushOutput();
    if (m_outFd == STDOUT_FILENO)
        std::fflush(stdout);
    saveEepromIfChanged();
    saveFlash();
    if (m_options.stackReport) {
        // The end of .data/.bss/.noinit: avr-libc's linker scripts give it three names, and
        // the linker keeps only those something refers to (_end always).
        uint32_t heapStart = 0;
        for (const char *name : {"__heap_start", "_end", "__bss_end"}) {
            if (auto it = m_elf.symbols.find(name); it != m_elf.symbols.end()) {
                heapStart = it->second & 0xFFFF;
                break;
            }
        }
        const uint16_t lowest = std::min(m_lowestSp, m_avr->ramend);
        std::fprintf(stderr,
                     "stack lowest-sp 0x%04x used %u ramend 0x%04x heap-start 0x%04x headroom "
                     "%d\n",
                     unsigned(lowest), unsigned(m_avr->ramend - lowest), unsigned(m_avr->ramend),
                     unsigned(heapStart), int(lowest) + 1 - int(heapStart));
        if (m_options.stackTrace) {
            // Return addresses are word addresses, high byte at the lower address.
            std::fprintf(stderr, "stack deepest-pc 0x%04x bytes", unsigned(m_lowestPc));
            for (uint8_t byte : m_lowestStack)
                std::fprintf(stderr, " %02x", unsigned(byte));
            std::fprintf(stderr, "\n");
        }
    }
    std::fprintf(stderr, "exit %s status %d cycles %llu\n", reason, status,
                 static_cast<unsigned long long>(m_avr->cycle));
    return status;
}

int Simulation::run()
{
    if (int status = load())
        return status;
    if (int status = setUpUart())
        return status;
    if (int status = loadEeprom())
        return status;

    if (m_options.holdUntilInput) {
        // In reset until the host says something (the receiver takes it once the bootloader
        // turns it on): the bootloader's timeout runs from the port's opening, as on a board.
        while (m_toAvr.empty() && !m_inputClosed && !g_stopSignal) {
            pollfd p {m_inFd, POLLIN, 0};
            poll(&p, 1, 20);
            pollHost();
        }
        if (g_stopSignal)
            return finish("signal", 128 + int(g_stopSignal));
        std::fprintf(stderr, "released from reset\n");
    }
    m_wallStart = nowNs();
    uint32_t untilPoll = kPollInterval;
    for (;;) {
        const uint32_t pc = m_avr->pc;
        m_pcHistory[m_pcAt++ % kPcHistory] = pc;
        const uint16_t opcode
                = pc < m_avr->flashend ? uint16_t(m_avr->flash[pc] | m_avr->flash[pc + 1] << 8) : 0;
        const int state = avr_run(m_avr);
        // Code moves SP with "out SPH" then "out SPL": between the two the pair is half old,
        // half new (up to 255 bytes off), so the stack is measured only when it is whole.
        if ((opcode & kOutMask) == kOutSph)
            m_spSplit = true;
        else if ((opcode & kOutMask) == kOutSpl)
            m_spSplit = false;
        if (!m_spSplit) {
            const uint16_t sp = stackPointer();
            if (sp < m_lowestSp) {
                m_lowestSp = sp;
                if (m_options.stackTrace && sp < m_avr->ramend) {
                    m_lowestPc = m_avr->pc;
                    m_lowestStack.assign(m_avr->data + sp + 1, m_avr->data + m_avr->ramend + 1);
                }
            }
            for (uint8_t i = 0; i < m_openCount; ++i) {
                OpenMarker &marker = m_markers[m_openMarkers[i]];
                if (sp < marker.lowestSp)
                    marker.lowestSp = sp;
            }
        }
        if (m_done)
            return finish("done", m_doneStatus);
        if (state == cpu_Done)
            return finish("sleep-with-interrupts-off", 0);
        if (state == cpu_Crashed || state == cpu_Stopped) {
            std::fprintf(stderr, "warden_simavr: the firmware crashed at pc 0x%04x; last pcs:",
                         unsigned(m_avr->pc));
            for (int i = 0; i < kPcHistory; ++i)
                std::fprintf(stderr, " 0x%04x", unsigned(m_pcHistory[(m_pcAt + i) % kPcHistory]));
            std::fprintf(stderr, "\n");
            return finish("crashed", kExitCrashed);
        }
        if (m_options.maxCycles && m_avr->cycle >= m_options.maxCycles)
            return finish("max-cycles", kExitMaxCycles);
        if (--untilPoll == 0) {
            untilPoll = kPollInterval;
            pollHost();
            if (g_stopSignal)
                return finish("signal", 128 + int(g_stopSignal));
        }
    }
}

} // namespace

// LeakSanitizer (the ASan CI build): libsimavr 1.6 keeps its IRQ tables and their names after
// avr_terminate(). They are the library's, allocated once per run and freed by the exit; ours
// are all released in ~Simulation.
extern "C" __attribute__((used)) const char *__lsan_default_suppressions()
{
    return "leak:libsimavr.so\n";
}

int main(int argc, char **argv)
{
    Options options;
    if (auto error = parseOptions(argc, argv, options)) {
        std::fprintf(stderr, "warden_simavr: %s\n", error->c_str());
        usage(stderr);
        return kExitUsage;
    }
    avr_global_logger_set(logger);
    struct sigaction action
    {
    };
    action.sa_handler = onSignal;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGHUP, &action, nullptr);
    signal(SIGPIPE, SIG_IGN);

    Simulation simulation(options);
    return simulation.run();
}
