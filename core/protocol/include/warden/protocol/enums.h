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

/// Sensor types (type field of C_PRESENTATION), spec 3.2.
enum class Sensor : uint8_t {
    Door = 0, // S_DOOR
    Motion = 1, // S_MOTION
    Smoke = 2, // S_SMOKE
    Binary = 3, // S_BINARY
    Dimmer = 4, // S_DIMMER
    Cover = 5, // S_COVER
    Temp = 6, // S_TEMP
    Hum = 7, // S_HUM
    Baro = 8, // S_BARO
    Wind = 9, // S_WIND
    Rain = 10, // S_RAIN
    Uv = 11, // S_UV
    Weight = 12, // S_WEIGHT
    Power = 13, // S_POWER
    Heater = 14, // S_HEATER
    Distance = 15, // S_DISTANCE
    LightLevel = 16, // S_LIGHT_LEVEL
    ArduinoNode = 17, // S_ARDUINO_NODE
    ArduinoRepeaterNode = 18, // S_ARDUINO_REPEATER_NODE
    Lock = 19, // S_LOCK
    Ir = 20, // S_IR
    Water = 21, // S_WATER
    AirQuality = 22, // S_AIR_QUALITY
    Custom = 23, // S_CUSTOM
    Dust = 24, // S_DUST
    SceneController = 25, // S_SCENE_CONTROLLER
    RgbLight = 26, // S_RGB_LIGHT
    RgbwLight = 27, // S_RGBW_LIGHT
    ColorSensor = 28, // S_COLOR_SENSOR
    Hvac = 29, // S_HVAC
    Multimeter = 30, // S_MULTIMETER
    Sprinkler = 31, // S_SPRINKLER
    WaterLeak = 32, // S_WATER_LEAK
    Sound = 33, // S_SOUND
    Vibration = 34, // S_VIBRATION
    Moisture = 35, // S_MOISTURE
    Info = 36, // S_INFO
    Gas = 37, // S_GAS
    Gps = 38, // S_GPS
    WaterQuality = 39, // S_WATER_QUALITY
};

/// Value types (type field of C_SET and C_REQ), spec 3.3. V_MULTI_MESSAGE is development-branch
/// only.
enum class Value : uint8_t {
    Temp = 0, // V_TEMP
    Hum = 1, // V_HUM
    Status = 2, // V_STATUS
    Percentage = 3, // V_PERCENTAGE
    Pressure = 4, // V_PRESSURE
    Forecast = 5, // V_FORECAST
    Rain = 6, // V_RAIN
    Rainrate = 7, // V_RAINRATE
    Wind = 8, // V_WIND
    Gust = 9, // V_GUST
    Direction = 10, // V_DIRECTION
    Uv = 11, // V_UV
    Weight = 12, // V_WEIGHT
    Distance = 13, // V_DISTANCE
    Impedance = 14, // V_IMPEDANCE
    Armed = 15, // V_ARMED
    Tripped = 16, // V_TRIPPED
    Watt = 17, // V_WATT
    Kwh = 18, // V_KWH
    SceneOn = 19, // V_SCENE_ON
    SceneOff = 20, // V_SCENE_OFF
    HvacFlowState = 21, // V_HVAC_FLOW_STATE
    HvacSpeed = 22, // V_HVAC_SPEED
    LightLevel = 23, // V_LIGHT_LEVEL
    Var1 = 24, // V_VAR1
    Var2 = 25, // V_VAR2
    Var3 = 26, // V_VAR3
    Var4 = 27, // V_VAR4
    Var5 = 28, // V_VAR5
    Up = 29, // V_UP
    Down = 30, // V_DOWN
    Stop = 31, // V_STOP
    IrSend = 32, // V_IR_SEND
    IrReceive = 33, // V_IR_RECEIVE
    Flow = 34, // V_FLOW
    Volume = 35, // V_VOLUME
    LockStatus = 36, // V_LOCK_STATUS
    Level = 37, // V_LEVEL
    Voltage = 38, // V_VOLTAGE
    Current = 39, // V_CURRENT
    Rgb = 40, // V_RGB
    Rgbw = 41, // V_RGBW
    Id = 42, // V_ID
    UnitPrefix = 43, // V_UNIT_PREFIX
    HvacSetpointCool = 44, // V_HVAC_SETPOINT_COOL
    HvacSetpointHeat = 45, // V_HVAC_SETPOINT_HEAT
    HvacFlowMode = 46, // V_HVAC_FLOW_MODE
    Text = 47, // V_TEXT
    Custom = 48, // V_CUSTOM
    Position = 49, // V_POSITION
    IrRecord = 50, // V_IR_RECORD
    Ph = 51, // V_PH
    Orp = 52, // V_ORP
    Ec = 53, // V_EC
    Var = 54, // V_VAR
    Va = 55, // V_VA
    PowerFactor = 56, // V_POWER_FACTOR
    MultiMessage = 57, // V_MULTI_MESSAGE
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
