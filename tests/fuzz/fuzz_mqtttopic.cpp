// Fuzz target for the MQTT gateway's topic mapping (plugins/mqtt/mqtttopic.h): what a broker
// delivers (topic + payload, both hostile) -> a controller line, and a controller line -> topic
// + payload. Input: byte 0 picks the prefix, byte 1 is the topic's length, then the topic, then
// the payload (the same bytes after byte 0 are also tried as one outgoing line).
// Invariants: an accepted message becomes a controller line with five in-range fields, the
// payload unchanged and no control character, that maps back to the same line; a refusal has
// a bounded message with every hostile byte escaped; an accepted line becomes a topic of five
// canonical numeric levels under the prefix that maps back to the same fields.
#include "mqtttopic.h"

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QString>

#include <cstdlib>

using namespace Warden;
using namespace Warden::Internal;

namespace {

void check(bool condition)
{
    if (!condition)
        std::abort();
}

const QByteArray kPrefixes[] = {"mygateway1-out", "a", "home/mysensors/gw-out", "x/y"};

bool isControl(char c)
{
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
}

bool hasControl(QByteArrayView bytes)
{
    for (const char c : bytes) {
        if (isControl(c))
            return true;
    }
    return false;
}

/// A refusal's text: non-empty, bounded, and without a raw control character.
void checkRefusal(const Error &error, ErrorCode code)
{
    check(error.code() == code);
    const QString &text = error.message();
    check(!text.isEmpty() && text.size() < 700);
    for (const QChar c : text)
        check(c.unicode() >= 0x20 && c.unicode() != 0x7F);
}

/// Five canonical decimal fields in the ranges of a controller line.
void checkFields(const QList<QByteArray> &fields)
{
    static const int kMax[kMqttTopicFields] = {255, 255, 4, 1, 255};
    check(fields.size() == kMqttTopicFields);
    for (int i = 0; i < kMqttTopicFields; ++i) {
        const QByteArray &field = fields[i];
        check(!field.isEmpty() && field.size() <= 3);
        check(field.size() == 1 || field[0] != '0');
        bool ok = false;
        const int value = field.toInt(&ok);
        check(ok && value >= 0 && value <= kMax[i] && QByteArray::number(value) == field);
    }
}

void fuzzIncoming(const QByteArray &prefix, QByteArrayView topic, QByteArrayView payload)
{
    const Result<QByteArray> unit = mqttMessageToUnit(prefix, topic, payload);
    if (!unit) {
        checkRefusal(unit.error(), ErrorCode::Malformed);
        return;
    }
    check(topic.startsWith(prefix) && topic.size() > prefix.size() && topic[prefix.size()] == '/');
    check(payload.size() <= kMaxMqttPayload && !hasControl(payload));
    check(unit->size() <= 16 + kMaxMqttPayload && !hasControl(*unit));

    // node;child;command;ack;type;payload with the payload as it came (';' included).
    QList<QByteArray> fields;
    qsizetype at = 0;
    for (int i = 0; i < kMqttTopicFields; ++i) {
        const qsizetype semicolon = unit->indexOf(';', at);
        check(semicolon > at);
        fields.append(unit->mid(at, semicolon - at));
        at = semicolon + 1;
    }
    checkFields(fields);
    check(unit->mid(at) == payload);

    // The same fields in the topic, leading zeros aside.
    const QList<QByteArray> levels = topic.sliced(prefix.size() + 1).toByteArray().split('/');
    check(levels.size() == kMqttTopicFields);
    for (int i = 0; i < kMqttTopicFields; ++i)
        check(levels[i].toInt() == fields[i].toInt());

    // Back to the gateway's layout and in again: the same line.
    const Result<MqttPublication> back = unitToMqttMessage(prefix, *unit);
    check(back.has_value());
    check(back->payload == payload);
    const Result<QByteArray> again = mqttMessageToUnit(prefix, back->topic, back->payload);
    check(again && *again == *unit);
}

void fuzzOutgoing(const QByteArray &prefix, QByteArrayView unit)
{
    const Result<MqttPublication> message = unitToMqttMessage(prefix, unit);
    if (!message) {
        checkRefusal(message.error(), ErrorCode::InvalidArgument);
        return;
    }
    check(message->topic.startsWith(prefix + '/'));
    checkFields(message->topic.mid(prefix.size() + 1).split('/'));
    check(!hasControl(message->payload));
    check(unit.endsWith(message->payload));

    // What the gateway would publish with these fields comes back as the canonical line.
    const Result<QByteArray> line = mqttMessageToUnit(prefix, message->topic, message->payload);
    if (message->payload.size() > kMaxMqttPayload) {
        check(!line);
        return;
    }
    check(line.has_value());
    const Result<MqttPublication> again = unitToMqttMessage(prefix, *line);
    check(again && again->topic == message->topic && again->payload == message->payload);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const QByteArray &prefix = kPrefixes[data[0] % std::size(kPrefixes)];
    const char *bytes = reinterpret_cast<const char *>(data);
    const qsizetype rest = qsizetype(size) - 2;
    const qsizetype topicSize = std::min<qsizetype>(data[1], rest);
    const QByteArrayView topic(bytes + 2, topicSize);
    const QByteArrayView payload(bytes + 2 + topicSize, rest - topicSize);
    // The fuzzer's topics rarely start with a prefix: also try them under it.
    fuzzIncoming(prefix, topic, payload);
    fuzzIncoming(prefix, prefix + '/' + topic.toByteArray(), payload);
    fuzzOutgoing(prefix, QByteArrayView(bytes + 1, qsizetype(size) - 1));
    check(!quotedBytes(QByteArrayView(bytes, qsizetype(size))).contains(QLatin1Char('\n')));
    return 0;
}
