// warden-node: the SecureNode sketch as a POSIX process. One node on a serial line (a pty or a
// USB adapter): the personalization session at start-up, then MySensors frames in RS485 framing
// on the same line; the EEPROM is a 1024-byte file.
//
//   warden-node --serial /dev/pts/7 --eeprom node.eeprom [--id 12] [--unlock] [--baud 115200]
#include <board.h>
#include <eepromlayout.h>
#include <hostclock.h>
#include <hosteeprom.h>
#include <hostserial.h>
#include <rs485transport.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <unistd.h>

void setup();
void loop();

namespace {

using namespace Warden::Firmware;

// The sketch constructs its node during static initialization, before main() has opened the
// serial port and the EEPROM file: the HAL it gets forwards to objects main() fills in.
class LateEeprom final : public Eeprom
{
public:
    uint8_t read(uint16_t address) override { return target->read(address); }
    void write(uint16_t address, uint8_t value) override { target->write(address, value); }
    Host::FileEeprom *target = nullptr;
};

class LateTransport final : public Transport
{
public:
    void setAddress(uint8_t address) override { target->setAddress(address); }
    bool send(uint8_t nextHop, const uint8_t *data, uint8_t length) override
    {
        return target->send(nextHop, data, length);
    }
    uint8_t receive(uint8_t *buffer, uint8_t capacity) override
    {
        return target->receive(buffer, capacity);
    }
    Rs485Transport *target = nullptr;
};

class LateSerial final : public SerialPort
{
public:
    int read() override { return target->read(); }
    void write(const uint8_t *data, uint16_t length) override { target->write(data, length); }
    Host::PosixSerialPort *target = nullptr;
};

std::unique_ptr<Host::PosixSerialPort> g_serialPort;
std::unique_ptr<Host::FileEeprom> g_eepromFile;
std::unique_ptr<Rs485Transport> g_rs485;
LateEeprom g_eeprom;
LateTransport g_transport;
LateSerial g_serial;
Host::SystemClock g_clock;
Host::SystemEntropy g_entropy;
Host::HostBoard g_board;
Warden::Protocol::PortableSha256 g_sha;
const Hal g_hal {g_eeprom, g_clock, g_entropy, g_transport, &g_serial, g_board};
volatile std::sig_atomic_t g_stop = 0;

void stop(int)
{
    g_stop = 1;
}

int usage(const char *program, const char *problem)
{
    if (problem)
        std::fprintf(stderr, "%s: %s\n", program, problem);
    std::fprintf(stderr,
                 "usage: %s --serial PATH --eeprom FILE [--id N] [--unlock] [--baud N]\n"
                 "  --serial PATH  the node's UART: personalization at start-up, then the bus\n"
                 "                 (MySensors frames in RS485 framing)\n"
                 "  --eeprom FILE  the node's 1024-byte EEPROM image (created erased)\n"
                 "  --id N         write node id N (1-254) to the EEPROM before starting\n"
                 "  --unlock       start with the node-lock unlock pin grounded\n"
                 "  --baud N       serial speed for a real port (default 115200)\n",
                 program);
    return 2;
}

} // namespace

namespace Warden {
namespace Firmware {

const Hal &boardHal()
{
    return g_hal;
}

Protocol::Sha256Compressor &boardSha256()
{
    return g_sha;
}

} // namespace Firmware
} // namespace Warden

int main(int argc, char **argv)
{
    // First, so that a stop request is a clean exit from the very start.
    std::signal(SIGINT, stop);
    std::signal(SIGTERM, stop);
    std::string serialPath;
    std::string eepromPath;
    long id = -1;
    unsigned baud = 115200;
    bool unlock = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool hasValue = i + 1 < argc;
        if (arg == "--serial" && hasValue) {
            serialPath = argv[++i];
        } else if (arg == "--eeprom" && hasValue) {
            eepromPath = argv[++i];
        } else if (arg == "--id" && hasValue) {
            char *end = nullptr;
            id = std::strtol(argv[++i], &end, 10);
            if (!end || *end != 0 || id < 1 || id > 254)
                return usage(argv[0], "--id takes a node id from 1 to 254");
        } else if (arg == "--baud" && hasValue) {
            baud = unsigned(std::strtoul(argv[++i], nullptr, 10));
        } else if (arg == "--unlock") {
            unlock = true;
        } else if (arg == "--help" || arg == "-h") {
            return usage(argv[0], nullptr);
        } else {
            return usage(argv[0], ("unknown or incomplete option " + arg).c_str());
        }
    }
    if (serialPath.empty() || eepromPath.empty())
        return usage(argv[0], "--serial and --eeprom are required");

    std::string error;
    g_serialPort = Host::PosixSerialPort::open(serialPath, &error, baud);
    if (!g_serialPort) {
        std::fprintf(stderr, "%s: %s\n", argv[0], error.c_str());
        return 1;
    }
    g_eepromFile = Host::FileEeprom::open(eepromPath, &error);
    if (!g_eepromFile) {
        std::fprintf(stderr, "%s: %s\n", argv[0], error.c_str());
        return 1;
    }
    if (id > 0)
        eepromUpdate(*g_eepromFile, LegacyEeprom::kNodeId, uint8_t(id));
    g_board.setUnlock(unlock);
    g_rs485 = std::make_unique<Rs485Transport>(*g_serialPort);
    g_eeprom.target = g_eepromFile.get();
    g_serial.target = g_serialPort.get();
    g_transport.target = g_rs485.get();

    std::fprintf(stderr, "warden-node: serial %s, EEPROM %s\n", serialPath.c_str(),
                 eepromPath.c_str());
    setup();
    while (!g_stop) {
        loop();
        if (g_board.restarts() > 0) {
            // I_REBOOT: start over as a fresh process, as the AVR's watchdog reset would.
            std::fprintf(stderr, "warden-node: restart requested\n");
            g_eepromFile.reset();
            g_serialPort.reset();
            execv("/proc/self/exe", argv);
            std::perror("warden-node: restart");
            return 1;
        }
        if (!g_eepromFile->isHealthy()) {
            std::fprintf(stderr, "warden-node: writing %s failed\n", eepromPath.c_str());
            return 1;
        }
        // Nothing in the node waits; sleep until input or 1 ms, so deadlines are kept.
        g_serialPort->waitReadable(1);
    }
    return 0;
}
