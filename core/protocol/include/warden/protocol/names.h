// MySensors names of every enumeration value ("C_SET", "V_TEMP", "I_NONCE_REQUEST", ...) and
// the reverse look-up. Host-side (the tables cost RAM on AVR, the firmware does not link them).
#pragma once

#include "enums.h"

namespace Warden {
namespace Protocol {

/// Name of a command value, or nullptr when the value has none.
const char *commandName(uint8_t command);
/// Name of a payload type ("P_STRING" ... "P_FLOAT32"), or nullptr.
const char *payloadTypeName(uint8_t payloadType);
/// Name of a type-field value in the family selected by @p command (S_ for presentations,
/// V_ for set/req, I_ for internal, ST_ for stream), or nullptr when it has none.
const char *typeName(uint8_t command, uint8_t type);

const char *sensorTypeName(uint8_t type);
const char *valueTypeName(uint8_t type);
const char *internalTypeName(uint8_t type);
const char *streamTypeName(uint8_t type);

/// Reverse look-ups; case-sensitive, also accept deprecated aliases (S_LIGHT, V_LIGHT,
/// V_DIMMER, V_HEATER). Return false when @p name is unknown.
bool lookupCommand(const char *name, uint8_t &command);
bool lookupPayloadType(const char *name, uint8_t &payloadType);
bool lookupType(uint8_t command, const char *name, uint8_t &type);

} // namespace Protocol
} // namespace Warden
