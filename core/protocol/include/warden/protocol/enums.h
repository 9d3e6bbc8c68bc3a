// Portable MySensors 2.x enumerations (spec section 3). C++14, no heap, no Qt: also built
// for the ATmega328P. Values are wire facts; names follow the spec so that logs and the
// console use the words a MySensors user already knows.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace Warden {
namespace Protocol {

/// Command field, byte 4 bits 0-2.
enum class Command : uint8_t {
    Presentation = 0,
    Set = 1,
    Req = 2,
    Internal = 3,
    Stream = 4,
    Reserved5 = 5,
    Reserved6 = 6,
    Invalid7 = 7,
};

/// Payload type field, byte 4 bits 5-7.
enum class PayloadType : uint8_t {
    String = 0,
    Byte = 1,
    Int16 = 2,
    UInt16 = 3,
    Long32 = 4,
    ULong32 = 5,
    Custom = 6,
    Float32 = 7,
};

/// Internal message types (C_INTERNAL), the ones the protocol logic itself needs by name.
/// Every value 0-33 has a name in names.h.
enum class Internal : uint8_t {
    BatteryLevel = 0,
    Time = 1,
    Version = 2,
    IdRequest = 3,
    IdResponse = 4,
    InclusionMode = 5,
    Config = 6,
    FindParentRequest = 7,
    FindParentResponse = 8,
    LogMessage = 9,
    Children = 10,
    SketchName = 11,
    SketchVersion = 12,
    Reboot = 13,
    GatewayReady = 14,
    SigningPresentation = 15,
    NonceRequest = 16,
    NonceResponse = 17,
    HeartbeatRequest = 18,
    Presentation = 19,
    DiscoverRequest = 20,
    DiscoverResponse = 21,
    HeartbeatResponse = 22,
    Locked = 23,
    Ping = 24,
    Pong = 25,
    RegistrationRequest = 26,
    RegistrationResponse = 27,
    Debug = 28,
    SignalReportRequest = 29,
    SignalReportReverse = 30,
    SignalReportResponse = 31,
    PreSleepNotification = 32,
    PostSleepNotification = 33,
};

/// Stream types (C_STREAM).
enum class Stream : uint8_t {
    FirmwareConfigRequest = 0,
    FirmwareConfigResponse = 1,
    FirmwareRequest = 2,
    FirmwareResponse = 3,
    Sound = 4,
    Image = 5,
    FirmwareConfirm = 6,
    FirmwareResponseRle = 7,
};

/// Highest defined value of each type family (inclusive).
constexpr uint8_t kLastSensorType = 39; // S_WATER_QUALITY
constexpr uint8_t kLastValueType = 57; // V_MULTI_MESSAGE (development branch)
constexpr uint8_t kLastInternalType = 33; // I_POST_SLEEP_NOTIFICATION
constexpr uint8_t kLastStreamType = 7; // ST_FIRMWARE_RESPONSE_RLE
constexpr uint8_t kLastCommand = 4; // C_STREAM; 5-7 are never sent

/// Size in bytes of a payload of type @p type, or 0 when the type has a variable size
/// (P_STRING, P_CUSTOM).
constexpr uint8_t fixedPayloadSize(PayloadType type)
{
    return type == PayloadType::Byte                                       ? 1
           : (type == PayloadType::Int16 || type == PayloadType::UInt16)   ? 2
           : (type == PayloadType::Long32 || type == PayloadType::ULong32) ? 4
           : type == PayloadType::Float32                                  ? 5
                                                                           : 0;
}

} // namespace Protocol
} // namespace Warden
