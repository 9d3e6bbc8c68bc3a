// Warden SecureNode: a signed MySensors node with a temperature reading and a switch.
//
// Everything security-related is in the EEPROM, not in this file: personalize the node over
// its USB serial port in the first 2 s after a reset (firmware/docs/personalization.md), or
// with MySensors' SecurityPersonalizer. The same file builds for the ATmega328P (with CMake, or
// in the Arduino IDE: firmware/docs/arduino.md) and, compiled as C++ with hostmain.cpp, as the
// warden-node host program.
#include <wardennode.h>

using Warden::Firmware::ChildPresentation;
using Warden::Firmware::NodeConfig;
using Warden::Firmware::Resident;
using Warden::Firmware::SecureNode;
using Warden::Protocol::Command;
using Warden::Protocol::Message;

namespace {

const char kSketchName[] WARDEN_FLASH = "Warden SecureNode";
const char kSketchVersion[] WARDEN_FLASH = "1.0";
const char kTemperatureText[] WARDEN_FLASH = "Temperature";
const char kSwitchText[] WARDEN_FLASH = "Switch";

constexpr uint8_t kTemperatureChild = 0;
constexpr uint8_t kSwitchChild = 1;
constexpr uint32_t kReportIntervalMs = 30000;

const ChildPresentation kChildren[] = {
        {kTemperatureChild, uint8_t(Warden::Protocol::Sensor::Temp), kTemperatureText},
        {kSwitchChild, uint8_t(Warden::Protocol::Sensor::Binary), kSwitchText},
};

// The configuration is built at compile time where the language allows it (C++14, the CMake
// build). The Arduino IDE compiles sketches as C++11, where a constexpr function is a single
// return statement and NodeConfig (it has member defaults) is not an aggregate: there it is
// filled in during start-up (about 80 B of flash), before g_node (same file, earlier).
#if __cplusplus >= 201402L
#define SKETCH_CONSTEXPR constexpr
#else
#define SKETCH_CONSTEXPR
#endif

SKETCH_CONSTEXPR NodeConfig makeConfig()
{
    NodeConfig c;
    c.sketchName = kSketchName;
    c.sketchVersion = kSketchVersion;
    c.children = kChildren;
    c.childCount = sizeof kChildren / sizeof kChildren[0];
    c.requireSignatures = true; // a slot policy set at personalization overrides this
    c.nodeLock = true;
    c.personalizationWindowMs = 2000;
    c.heartbeatIntervalMs = 15UL * 60UL * 1000UL;
    return c;
}

const SKETCH_CONSTEXPR NodeConfig kConfig = makeConfig();

// The one node, a global constructed before setup() and never destroyed (Resident: main()
// never returns, and a registered destructor would only cost flash). A function-local static
// would make avr-gcc register its destructor with atexit(), which pulls in malloc().
Resident<SecureNode> g_node(Warden::Firmware::boardHal(), Warden::Firmware::boardSha256(), kConfig);
// The management channel (firmware/docs/management-channel.md): whitelist, policy and key
// changes from core, authenticated end to end and applied atomically to the EEPROM slots.
Resident<Warden::Firmware::ManagementChannelHandler> g_management(Warden::Firmware::boardSha256());

uint8_t g_switch = 0;
uint32_t g_lastReport = 0;
bool g_reportSwitch = false;

// A stand-in reading that moves: "18.0" .. "22.9" degrees, one step per report. Sent as text
// (P_STRING, as MySensors' text protocol carries it) from integer tenths: float arithmetic and
// 32-bit division would pull about 1 KB of library code into the node.
uint8_t g_tenths = 0; // 0 .. 49 above 18.0

void sendTemperature(SecureNode &n)
{
    const uint8_t value = uint8_t(180 + g_tenths); // 180 .. 229 tenths of a degree
    g_tenths = g_tenths >= 49 ? 0 : uint8_t(g_tenths + 1);
    const uint8_t whole = uint8_t(value / 10);
    const char text[4]
            = {char('0' + whole / 10), char('0' + whole % 10), '.', char('0' + value % 10)};
    Message message = n.makeValue(kTemperatureChild, uint8_t(Warden::Protocol::Value::Temp));
    message.setString(text, sizeof text);
    n.send(message);
}

void onReceive(void *, const Message &message)
{
    if (message.sensor() != kSwitchChild
        || message.type() != uint8_t(Warden::Protocol::Value::Status))
        return;
    if (message.command() == Command::Set) {
        uint8_t value = 0;
        // A controller's text protocol sends "1" / "0"; a binary sender P_BYTE.
        if (!message.getByte(value))
            value = message.payloadLength() > 0 && message.payload()[0] != '0' ? 1 : 0;
        g_switch = value ? 1 : 0;
    }
    // Reported from loop(): the reply may need a nonce round trip of its own.
    g_reportSwitch = true;
}

} // namespace

void setup()
{
    g_node->setReceiveHandler(onReceive, nullptr);
    g_node->setManagementHandler(&g_management.get());
    g_node->begin();
}

void loop()
{
    SecureNode &n = g_node.get();
    n.poll();
    if (!n.isReady() || n.isSending())
        return;
    const uint32_t now = Warden::Firmware::boardHal().clock.millis();
    if (g_reportSwitch) {
        if (n.sendByte(kSwitchChild, uint8_t(Warden::Protocol::Value::Status), g_switch)
            != Warden::Firmware::SendStatus::Busy)
            g_reportSwitch = false;
    } else if (uint32_t(now - g_lastReport) >= kReportIntervalMs || g_lastReport == 0) {
        g_lastReport = now | 1;
        sendTemperature(n);
    }
}
