#include "warden/protocol/names.h"

#include <string.h>

namespace Warden {
namespace Protocol {

namespace {

// Names as MySensors spells them (spec section 3); the index is the wire value.
const char *const kCommandNames[]
        = {"C_PRESENTATION", "C_SET",        "C_REQ",        "C_INTERNAL",
           "C_STREAM",       "C_RESERVED_5", "C_RESERVED_6", "C_INVALID_7"};

const char *const kPayloadTypeNames[] = {"P_STRING", "P_BYTE",    "P_INT16",  "P_UINT16",
                                         "P_LONG32", "P_ULONG32", "P_CUSTOM", "P_FLOAT32"};

const char *const kSensorNames[] = {
        "S_DOOR",
        "S_MOTION",
        "S_SMOKE",
        "S_BINARY",
        "S_DIMMER",
        "S_COVER",
        "S_TEMP",
        "S_HUM",
        "S_BARO",
        "S_WIND",
        "S_RAIN",
        "S_UV",
        "S_WEIGHT",
        "S_POWER",
        "S_HEATER",
        "S_DISTANCE",
        "S_LIGHT_LEVEL",
        "S_ARDUINO_NODE",
        "S_ARDUINO_REPEATER_NODE",
        "S_LOCK",
        "S_IR",
        "S_WATER",
        "S_AIR_QUALITY",
        "S_CUSTOM",
        "S_DUST",
        "S_SCENE_CONTROLLER",
        "S_RGB_LIGHT",
        "S_RGBW_LIGHT",
        "S_COLOR_SENSOR",
        "S_HVAC",
        "S_MULTIMETER",
        "S_SPRINKLER",
        "S_WATER_LEAK",
        "S_SOUND",
        "S_VIBRATION",
        "S_MOISTURE",
        "S_INFO",
        "S_GAS",
        "S_GPS",
        "S_WATER_QUALITY",
};

const char *const kValueNames[] = {
        "V_TEMP",
        "V_HUM",
        "V_STATUS",
        "V_PERCENTAGE",
        "V_PRESSURE",
        "V_FORECAST",
        "V_RAIN",
        "V_RAINRATE",
        "V_WIND",
        "V_GUST",
        "V_DIRECTION",
        "V_UV",
        "V_WEIGHT",
        "V_DISTANCE",
        "V_IMPEDANCE",
        "V_ARMED",
        "V_TRIPPED",
        "V_WATT",
        "V_KWH",
        "V_SCENE_ON",
        "V_SCENE_OFF",
        "V_HVAC_FLOW_STATE",
        "V_HVAC_SPEED",
        "V_LIGHT_LEVEL",
        "V_VAR1",
        "V_VAR2",
        "V_VAR3",
        "V_VAR4",
        "V_VAR5",
        "V_UP",
        "V_DOWN",
        "V_STOP",
        "V_IR_SEND",
        "V_IR_RECEIVE",
        "V_FLOW",
        "V_VOLUME",
        "V_LOCK_STATUS",
        "V_LEVEL",
        "V_VOLTAGE",
        "V_CURRENT",
        "V_RGB",
        "V_RGBW",
        "V_ID",
        "V_UNIT_PREFIX",
        "V_HVAC_SETPOINT_COOL",
        "V_HVAC_SETPOINT_HEAT",
        "V_HVAC_FLOW_MODE",
        "V_TEXT",
        "V_CUSTOM",
        "V_POSITION",
        "V_IR_RECORD",
        "V_PH",
        "V_ORP",
        "V_EC",
        "V_VAR",
        "V_VA",
        "V_POWER_FACTOR",
        "V_MULTI_MESSAGE",
};

const char *const kInternalNames[] = {
        "I_BATTERY_LEVEL",
        "I_TIME",
        "I_VERSION",
        "I_ID_REQUEST",
        "I_ID_RESPONSE",
        "I_INCLUSION_MODE",
        "I_CONFIG",
        "I_FIND_PARENT_REQUEST",
        "I_FIND_PARENT_RESPONSE",
        "I_LOG_MESSAGE",
        "I_CHILDREN",
        "I_SKETCH_NAME",
        "I_SKETCH_VERSION",
        "I_REBOOT",
        "I_GATEWAY_READY",
        "I_SIGNING_PRESENTATION",
        "I_NONCE_REQUEST",
        "I_NONCE_RESPONSE",
        "I_HEARTBEAT_REQUEST",
        "I_PRESENTATION",
        "I_DISCOVER_REQUEST",
        "I_DISCOVER_RESPONSE",
        "I_HEARTBEAT_RESPONSE",
        "I_LOCKED",
        "I_PING",
        "I_PONG",
        "I_REGISTRATION_REQUEST",
        "I_REGISTRATION_RESPONSE",
        "I_DEBUG",
        "I_SIGNAL_REPORT_REQUEST",
        "I_SIGNAL_REPORT_REVERSE",
        "I_SIGNAL_REPORT_RESPONSE",
        "I_PRE_SLEEP_NOTIFICATION",
        "I_POST_SLEEP_NOTIFICATION",
};

const char *const kStreamNames[] = {
        "ST_FIRMWARE_CONFIG_REQUEST",
        "ST_FIRMWARE_CONFIG_RESPONSE",
        "ST_FIRMWARE_REQUEST",
        "ST_FIRMWARE_RESPONSE",
        "ST_SOUND",
        "ST_IMAGE",
        "ST_FIRMWARE_CONFIRM",
        "ST_FIRMWARE_RESPONSE_RLE",
};

// Deprecated spellings still found in sketches and controllers.
struct Alias
{
    const char *name;
    uint8_t command; // the family: presentation for S_, set for V_
    uint8_t value;
};
const Alias kAliases[] = {
        {"S_LIGHT", uint8_t(Command::Presentation), 3},
        {"V_LIGHT", uint8_t(Command::Set), 2},
        {"V_DIMMER", uint8_t(Command::Set), 3},
        {"V_HEATER", uint8_t(Command::Set), 21},
};

template<size_t N>
const char *at(const char *const (&names)[N], uint8_t value)
{
    return value < N ? names[value] : nullptr;
}

template<size_t N>
bool find(const char *const (&names)[N], const char *name, uint8_t &value)
{
    for (size_t i = 0; i < N; ++i) {
        if (strcmp(names[i], name) == 0) {
            value = uint8_t(i);
            return true;
        }
    }
    return false;
}

// C_REQ shares the V_ family with C_SET.
uint8_t family(uint8_t command)
{
    return command == uint8_t(Command::Req) ? uint8_t(Command::Set) : command;
}

} // namespace

const char *commandName(uint8_t command)
{
    return at(kCommandNames, command);
}

const char *payloadTypeName(uint8_t payloadType)
{
    return at(kPayloadTypeNames, payloadType);
}

const char *sensorTypeName(uint8_t type)
{
    return at(kSensorNames, type);
}

const char *valueTypeName(uint8_t type)
{
    return at(kValueNames, type);
}

const char *internalTypeName(uint8_t type)
{
    return at(kInternalNames, type);
}

const char *streamTypeName(uint8_t type)
{
    return at(kStreamNames, type);
}

const char *typeName(uint8_t command, uint8_t type)
{
    switch (static_cast<Command>(family(command))) {
    case Command::Presentation:
        return sensorTypeName(type);
    case Command::Set:
        return valueTypeName(type);
    case Command::Internal:
        return internalTypeName(type);
    case Command::Stream:
        return streamTypeName(type);
    default:
        return nullptr;
    }
}

bool lookupCommand(const char *name, uint8_t &command)
{
    return find(kCommandNames, name, command);
}

bool lookupPayloadType(const char *name, uint8_t &payloadType)
{
    return find(kPayloadTypeNames, name, payloadType);
}

bool lookupType(uint8_t command, const char *name, uint8_t &type)
{
    const uint8_t f = family(command);
    bool found = false;
    switch (static_cast<Command>(f)) {
    case Command::Presentation:
        found = find(kSensorNames, name, type);
        break;
    case Command::Set:
        found = find(kValueNames, name, type);
        break;
    case Command::Internal:
        found = find(kInternalNames, name, type);
        break;
    case Command::Stream:
        found = find(kStreamNames, name, type);
        break;
    default:
        return false;
    }
    if (found)
        return true;
    for (const Alias &alias : kAliases) {
        if (alias.command == f && strcmp(alias.name, name) == 0) {
            type = alias.value;
            return true;
        }
    }
    return false;
}

} // namespace Protocol
} // namespace Warden
