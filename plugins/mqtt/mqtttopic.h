// The MQTT gateway's topic layout (spec 12) <-> the controller lines every other link delivers
// (spec 2.1). Pure functions without a broker or libmosquitto, so that the mapping of hostile
// topics and payloads is unit-tested and fuzzed on its own (tests/fuzz/fuzz_mqtttopic.cpp).
//
//   gateway -> controller: "<subscribePrefix>/<node>/<child>/<command>/<ack>/<type>" + payload
//                          -> "node;child;command;ack;type;payload"
//   controller -> gateway: "node;child;command;ack;type;payload"
//                          -> "<publishPrefix>/<node>/<child>/<command>/<ack>/<type>" + payload
#pragma once

#include <warden/error.h>

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayView>

namespace Warden::Internal {

/// The longest payload a MySensors gateway publishes: one message payload holds at most 25
/// bytes, rendered at most 50 characters (P_CUSTOM and C_STREAM as hex; the longest float is
/// 49), spec 1.5 and 2.3. Anything longer cannot come from a gateway.
constexpr qsizetype kMaxMqttPayload = 50;
/// The longest topic prefix accepted in the settings (MQTT allows 65535 bytes; a gateway's
/// prefix is a short name, and the unit's topic must stay readable in logs).
constexpr qsizetype kMaxMqttPrefix = 200;
/// The five numeric topic levels after the prefix, as the controller line's five fields.
constexpr int kMqttTopicFields = 5;

/// One MQTT message to publish.
struct MqttPublication
{
    QByteArray topic;
    QByteArray payload;
};

/// Checks a topic prefix from the settings: not empty, at most kMaxMqttPrefix bytes, no
/// wildcard ('+', '#'), no NUL or other control character, no empty level (leading, trailing
/// or doubled '/'). The error says what is wrong with it (the caller names the setting).
Result<void> checkMqttPrefix(QByteArrayView prefix);

/// The subscription that receives a gateway's messages: "<prefix>/+/+/+/+/+".
QByteArray mqttSubscriptionFilter(QByteArrayView prefix);

/// Gateway -> controller. Accepts exactly "<prefix>/" followed by five levels of decimal
/// digits (leading zeros allowed, written without them) in the ranges of a controller line:
/// node, child and type 0..255, command 0..4, ack 0..1. The payload may be empty and may hold
/// ';' (a V_POSITION "lat;lon;alt": the line's payload is everything after the fifth ';', as
/// parseControllerLine() reads it), but no control character (below 0x20, or 0x7F: a line
/// break would forge a second line downstream) and at most kMaxMqttPayload bytes. Returns the
/// line "node;child;command;ack;type;payload"; an error names what was wrong (the topic and
/// payload are quoted escaped and shortened, so hostile bytes never reach a log raw).
Result<QByteArray> mqttMessageToUnit(QByteArrayView prefix, QByteArrayView topic,
                                     QByteArrayView payload);

/// Controller -> gateway: a line "node;child;command;ack;type[;payload]" with the same field
/// rules (the payload is everything after the fifth ';'; no control character in it) becomes
/// the topic "<prefix>/node/child/command/ack/type" and the payload.
Result<MqttPublication> unitToMqttMessage(QByteArrayView prefix, QByteArrayView unit);

/// @p bytes in double quotes for a message: printable ASCII as is, '"' and '\\' and every
/// other byte escaped (\n, \xNN), cut after @p maxBytes input bytes with the full size noted.
QString quotedBytes(QByteArrayView bytes, qsizetype maxBytes = 48);

} // namespace Warden::Internal
