#include "mqtttopic.h"

using namespace Qt::StringLiterals;

namespace Warden::Internal {

namespace {

struct FieldRule
{
    const char *name;
    int max;
};

// The controller line's five numeric fields and their ranges (spec 2.1, 3.1).
constexpr FieldRule kFields[kMqttTopicFields] = {
        {"node id", 255}, {"child sensor id", 255}, {"command", 4}, {"ack", 1}, {"type", 255},
};

bool isControl(char c)
{
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
}

/// The field's value, or an error naming it. Digits only: no sign, no space, no '+'.
Result<int> parseField(QByteArrayView text, int index)
{
    const FieldRule &rule = kFields[index];
    if (text.isEmpty())
        return fail(ErrorCode::Malformed, u"the %1 is empty"_s.arg(QLatin1StringView(rule.name)));
    int value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9')
            return fail(ErrorCode::Malformed,
                        u"the %1 %2 is not a decimal number"_s.arg(QLatin1StringView(rule.name),
                                                                   quotedBytes(text, 12)));
        // Saturates instead of overflowing: any long run of digits is out of range.
        value = std::min(value * 10 + (c - '0'), 100000);
    }
    if (value > rule.max)
        return fail(ErrorCode::Malformed,
                    u"the %1 %2 is out of range (0 to %3)"_s
                            .arg(QLatin1StringView(rule.name), quotedBytes(text, 12))
                            .arg(rule.max));
    return value;
}

/// The index of the first control character, or -1.
qsizetype firstControl(QByteArrayView bytes)
{
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        if (isControl(bytes[i]))
            return i;
    }
    return -1;
}

void appendFields(QByteArray &out, const int (&values)[kMqttTopicFields], char separator)
{
    for (int i = 0; i < kMqttTopicFields; ++i) {
        if (i > 0)
            out.append(separator);
        out.append(QByteArray::number(values[i]));
    }
}

} // namespace

QString quotedBytes(QByteArrayView bytes, qsizetype maxBytes)
{
    QString out;
    out.reserve(std::min(bytes.size(), maxBytes) + 16);
    out.append(u'"');
    const qsizetype shown = std::min(bytes.size(), maxBytes);
    for (qsizetype i = 0; i < shown; ++i) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        if (c == '\n')
            out.append(u"\\n"_s);
        else if (c == '\r')
            out.append(u"\\r"_s);
        else if (c == '"' || c == '\\')
            out.append(u'\\').append(QLatin1Char(char(c)));
        else if (c >= 0x20 && c < 0x7F)
            out.append(QLatin1Char(char(c)));
        else
            out.append(u"\\x%1"_s.arg(c, 2, 16, QLatin1Char('0')));
    }
    out.append(u'"');
    if (shown < bytes.size())
        out.append(u"... (%1 bytes)"_s.arg(bytes.size()));
    return out;
}

Result<void> checkMqttPrefix(QByteArrayView prefix)
{
    if (prefix.isEmpty())
        return fail(ErrorCode::InvalidArgument, u"the topic prefix is empty"_s);
    if (prefix.size() > kMaxMqttPrefix)
        return fail(ErrorCode::InvalidArgument,
                    u"the topic prefix has %1 bytes (at most %2)"_s.arg(prefix.size())
                            .arg(kMaxMqttPrefix));
    if (const qsizetype at = firstControl(prefix); at >= 0)
        return fail(ErrorCode::InvalidArgument,
                    u"the topic prefix %1 holds a control character"_s.arg(quotedBytes(prefix)));
    if (prefix.contains('+') || prefix.contains('#'))
        return fail(
                ErrorCode::InvalidArgument,
                u"the topic prefix %1 holds a wildcard ('+' or '#')"_s.arg(quotedBytes(prefix)));
    if (prefix.startsWith('/') || prefix.endsWith('/') || prefix.contains("//"))
        return fail(ErrorCode::InvalidArgument,
                    u"the topic prefix %1 has an empty level (a leading, trailing or double "
                    u"'/')"_s.arg(quotedBytes(prefix)));
    return {};
}

QByteArray mqttSubscriptionFilter(QByteArrayView prefix)
{
    QByteArray filter = prefix.toByteArray();
    for (int i = 0; i < kMqttTopicFields; ++i)
        filter.append("/+");
    return filter;
}

Result<QByteArray> mqttMessageToUnit(QByteArrayView prefix, QByteArrayView topic,
                                     QByteArrayView payload)
{
    auto refuse = [&](const QString &what) {
        return fail(ErrorCode::Malformed,
                    u"message on topic %1: %2"_s.arg(quotedBytes(topic, 96), what));
    };
    if (topic.size() <= prefix.size() || !topic.startsWith(prefix) || topic[prefix.size()] != '/')
        return refuse(u"not under the gateway's prefix \"%1/\""_s.arg(
                QString::fromUtf8(prefix.data(), prefix.size())));

    int values[kMqttTopicFields] = {};
    QByteArrayView rest = topic.sliced(prefix.size() + 1);
    int field = 0;
    while (true) {
        const qsizetype slash = rest.indexOf('/');
        const QByteArrayView level = slash < 0 ? rest : rest.first(slash);
        if (field >= kMqttTopicFields)
            return refuse(
                    u"more than the %1 levels node/child/command/ack/type after the prefix"_s.arg(
                            kMqttTopicFields));
        Result<int> value = parseField(level, field);
        if (!value)
            return refuse(value.error().message());
        values[field++] = *value;
        if (slash < 0)
            break;
        rest = rest.sliced(slash + 1);
    }
    if (field < kMqttTopicFields)
        return refuse(u"%1 levels after the prefix, the gateway layout has %2 "
                      u"(node/child/command/ack/type)"_s.arg(field)
                              .arg(kMqttTopicFields));

    if (payload.size() > kMaxMqttPayload)
        return refuse(u"payload of %1 bytes is longer than the %2 characters a gateway sends"_s
                              .arg(payload.size())
                              .arg(kMaxMqttPayload));
    if (const qsizetype at = firstControl(payload); at >= 0)
        return refuse(u"payload %1 holds control byte 0x%2 at offset %3"_s.arg(quotedBytes(payload))
                              .arg(static_cast<unsigned char>(payload[at]), 2, 16, QLatin1Char('0'))
                              .arg(at));

    QByteArray unit;
    unit.reserve(20 + payload.size());
    appendFields(unit, values, ';');
    unit.append(';');
    unit.append(payload);
    return unit;
}

Result<MqttPublication> unitToMqttMessage(QByteArrayView prefix, QByteArrayView unit)
{
    auto refuse = [&](const QString &what) {
        return fail(ErrorCode::InvalidArgument,
                    u"line %1 cannot be published: %2"_s.arg(quotedBytes(unit, 98), what));
    };
    int values[kMqttTopicFields] = {};
    QByteArrayView rest = unit;
    bool havePayload = false;
    for (int field = 0; field < kMqttTopicFields; ++field) {
        const qsizetype semicolon = rest.indexOf(';');
        if (semicolon < 0 && field < kMqttTopicFields - 1)
            return refuse(
                    u"it has %1 of the 5 fields node;child;command;ack;type"_s.arg(field + 1));
        const QByteArrayView text = semicolon < 0 ? rest : rest.first(semicolon);
        Result<int> value = parseField(text, field);
        if (!value)
            return refuse(value.error().message());
        values[field] = *value;
        if (semicolon < 0) {
            rest = {};
        } else {
            rest = rest.sliced(semicolon + 1);
            havePayload = field == kMqttTopicFields - 1;
        }
    }
    // "5;1;1;0;2" and "5;1;1;0;2;" both have an empty payload (spec 2.2 rule 5).
    const QByteArrayView payload = havePayload ? rest : QByteArrayView();
    if (const qsizetype at = firstControl(payload); at >= 0)
        return refuse(u"the payload holds control byte 0x%1 at offset %2"_s
                              .arg(static_cast<unsigned char>(payload[at]), 2, 16, QLatin1Char('0'))
                              .arg(at));

    MqttPublication publication;
    publication.topic.reserve(prefix.size() + 20);
    publication.topic.append(prefix.data(), prefix.size());
    publication.topic.append('/');
    appendFields(publication.topic, values, '/');
    publication.payload = payload.toByteArray();
    return publication;
}

} // namespace Warden::Internal
