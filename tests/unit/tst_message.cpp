// The binary message: spec examples, every enum name both ways, typed payloads, and the
// decoder's named errors on truncated, oversized, malformed and random input.
#include <warden/frame.h>
#include <warden/protocol/message.h>
#include <warden/protocol/names.h>

#include <QtCore/QRandomGenerator>
#include <QtTest/QtTest>

#include <cstring>

using namespace Warden::Protocol;

Q_DECLARE_METATYPE(DecodeError)

namespace {

const uint8_t *u8(const QByteArray &a)
{
    return reinterpret_cast<const uint8_t *>(a.constData());
}

QByteArray wire(const Message &m)
{
    return QByteArray(reinterpret_cast<const char *>(m.data()), qsizetype(m.size()));
}

} // namespace

class tst_Message : public QObject
{
    Q_OBJECT

private slots:
    void specExamples();
    void headerRoundTrip();
    void enumNames();
    void enumsMatchNames();
    void typedPayloads();
    void setPayloadRejects();
    void setSignedClearsSignature();
    void decodeErrors_data();
    void decodeErrors();
    void decodeNeverAcceptsGarbage();
    void qtConveniences();
};

void tst_Message::specExamples()
{
    // Spec 1.8: float, node 1 -> GW, child 0, V_TEMP, 21.5 with 2 decimals.
    const QByteArray f = QByteArray::fromHex("0101002AE1000000 00AC4102");
    Message m;
    QCOMPARE(Message::decode(u8(f), size_t(f.size()), m), DecodeError::None);
    QCOMPARE(m.last(), uint8_t(1));
    QCOMPARE(m.sender(), uint8_t(1));
    QCOMPARE(m.destination(), uint8_t(0));
    QCOMPARE(m.version(), uint8_t(2));
    QVERIFY(!m.isSigned());
    QCOMPARE(m.payloadLength(), uint8_t(5));
    QCOMPARE(m.command(), Command::Set);
    QCOMPARE(m.payloadType(), PayloadType::Float32);
    QCOMPARE(m.type(), uint8_t(0));
    QCOMPARE(m.sensor(), uint8_t(0));
    float value = 0;
    uint8_t decimals = 0;
    QVERIFY(m.getFloat32(value, decimals));
    QCOMPARE(value, 21.5f);
    QCOMPARE(decimals, uint8_t(2));
    QCOMPARE(wire(m), f);

    // Spec 1.8: byte with request-echo.
    const QByteArray b = QByteArray::fromHex("0303000A29020101");
    QCOMPARE(Message::decode(u8(b), size_t(b.size()), m), DecodeError::None);
    QVERIFY(m.requestEcho());
    QVERIFY(!m.isEcho());
    uint8_t byte = 0;
    QVERIFY(m.getByte(byte));
    QCOMPARE(byte, uint8_t(1));
    QCOMPARE(m.type(), uint8_t(2));
    QCOMPARE(m.sensor(), uint8_t(1));

    // Building the same frame field by field gives the same bytes.
    Message built;
    built.setHeader(3, 0, Command::Set, 2, 1);
    built.setRequestEcho(true);
    built.setByte(1);
    QCOMPARE(wire(built), b);
}

void tst_Message::headerRoundTrip()
{
    // Every command, payload type and flag combination survives build -> decode.
    for (uint8_t c = 0; c <= kLastCommand; ++c) {
        for (uint8_t pt = 0; pt < 8; ++pt) {
            for (int flags = 0; flags < 4; ++flags) {
                Message m;
                m.setHeader(uint8_t(10 + c), uint8_t(200 - pt), Command(c), uint8_t(c * 13 + pt),
                            uint8_t(flags * 60));
                const uint8_t size = fixedPayloadSize(PayloadType(pt));
                const uint8_t data[5] = {1, 2, 3, 4, 5};
                QVERIFY(m.setPayload(PayloadType(pt), data, size ? size : 3));
                m.setRequestEcho(flags & 1);
                m.setEcho(flags & 2);
                Message d;
                QCOMPARE(Message::decode(m.data(), m.size(), d), DecodeError::None);
                QCOMPARE(wire(d), wire(m));
                QCOMPARE(uint8_t(d.command()), c);
                QCOMPARE(uint8_t(d.payloadType()), pt);
                QCOMPARE(d.requestEcho(), bool(flags & 1));
                QCOMPARE(d.isEcho(), bool(flags & 2));
                QCOMPARE(d.sender(), uint8_t(10 + c));
                QCOMPARE(d.destination(), uint8_t(200 - pt));
            }
        }
    }
}

void tst_Message::enumNames()
{
    // Every value of every family has a name, names are unique within a family, and the
    // name looks back up to the value.
    struct Family
    {
        uint8_t command;
        int count;
        const char *prefix;
    };
    const Family families[] = {{0, kLastSensorType + 1, "S_"},
                               {1, kLastValueType + 1, "V_"},
                               {2, kLastValueType + 1, "V_"},
                               {3, kLastInternalType + 1, "I_"},
                               {4, kLastStreamType + 1, "ST_"}};
    for (const Family &f : families) {
        QSet<QByteArray> seen;
        for (int v = 0; v < f.count; ++v) {
            const char *name = typeName(f.command, uint8_t(v));
            QVERIFY2(name, qPrintable(QStringLiteral("command %1 type %2").arg(f.command).arg(v)));
            QVERIFY(QByteArray(name).startsWith(f.prefix));
            QVERIFY(!seen.contains(name));
            seen.insert(name);
            uint8_t back = 0xFF;
            QVERIFY(lookupType(f.command, name, back));
            QCOMPARE(int(back), v);
        }
        QCOMPARE(typeName(f.command, uint8_t(f.count)), nullptr);
    }
    QCOMPARE(QByteArray(valueTypeName(0)), QByteArray("V_TEMP"));
    QCOMPARE(QByteArray(internalTypeName(17)), QByteArray("I_NONCE_RESPONSE"));
    QCOMPARE(QByteArray(sensorTypeName(39)), QByteArray("S_WATER_QUALITY"));
    QCOMPARE(QByteArray(streamTypeName(7)), QByteArray("ST_FIRMWARE_RESPONSE_RLE"));
    QCOMPARE(QByteArray(valueTypeName(28)), QByteArray("V_VAR5"));
    for (uint8_t c = 0; c < 8; ++c) {
        uint8_t back = 0xFF;
        QVERIFY(lookupCommand(commandName(c), back));
        QCOMPARE(back, c);
        QVERIFY(lookupPayloadType(payloadTypeName(c), back));
        QCOMPARE(back, c);
    }
    QCOMPARE(commandName(8), nullptr);
    // Deprecated aliases resolve; unknown names do not.
    uint8_t t = 0;
    QVERIFY(lookupType(0, "S_LIGHT", t));
    QCOMPARE(t, uint8_t(3));
    QVERIFY(lookupType(1, "V_DIMMER", t));
    QCOMPARE(t, uint8_t(3));
    QVERIFY(lookupType(2, "V_HEATER", t));
    QCOMPARE(t, uint8_t(21));
    QVERIFY(!lookupType(1, "S_LIGHT", t));
    QVERIFY(!lookupType(1, "V_NOPE", t));
    QVERIFY(!lookupCommand("C_NOPE", t));
}

void tst_Message::enumsMatchNames()
{
    // The C++ enumerators and the name tables are two artifacts of the spec's tables; every
    // enumerator must carry the value its MySensors name has.
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Door))), QByteArray("S_DOOR"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Motion))), QByteArray("S_MOTION"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Smoke))), QByteArray("S_SMOKE"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Binary))), QByteArray("S_BINARY"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Dimmer))), QByteArray("S_DIMMER"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Cover))), QByteArray("S_COVER"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Temp))), QByteArray("S_TEMP"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Hum))), QByteArray("S_HUM"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Baro))), QByteArray("S_BARO"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Wind))), QByteArray("S_WIND"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Rain))), QByteArray("S_RAIN"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Uv))), QByteArray("S_UV"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Weight))), QByteArray("S_WEIGHT"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Power))), QByteArray("S_POWER"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Heater))), QByteArray("S_HEATER"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Distance))), QByteArray("S_DISTANCE"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::LightLevel))), QByteArray("S_LIGHT_LEVEL"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::ArduinoNode))),
             QByteArray("S_ARDUINO_NODE"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::ArduinoRepeaterNode))),
             QByteArray("S_ARDUINO_REPEATER_NODE"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Lock))), QByteArray("S_LOCK"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Ir))), QByteArray("S_IR"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Water))), QByteArray("S_WATER"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::AirQuality))), QByteArray("S_AIR_QUALITY"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Custom))), QByteArray("S_CUSTOM"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Dust))), QByteArray("S_DUST"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::SceneController))),
             QByteArray("S_SCENE_CONTROLLER"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::RgbLight))), QByteArray("S_RGB_LIGHT"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::RgbwLight))), QByteArray("S_RGBW_LIGHT"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::ColorSensor))),
             QByteArray("S_COLOR_SENSOR"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Hvac))), QByteArray("S_HVAC"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Multimeter))), QByteArray("S_MULTIMETER"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Sprinkler))), QByteArray("S_SPRINKLER"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::WaterLeak))), QByteArray("S_WATER_LEAK"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Sound))), QByteArray("S_SOUND"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Vibration))), QByteArray("S_VIBRATION"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Moisture))), QByteArray("S_MOISTURE"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Info))), QByteArray("S_INFO"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Gas))), QByteArray("S_GAS"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::Gps))), QByteArray("S_GPS"));
    QCOMPARE(QByteArray(sensorTypeName(uint8_t(Sensor::WaterQuality))),
             QByteArray("S_WATER_QUALITY"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Temp))), QByteArray("V_TEMP"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Hum))), QByteArray("V_HUM"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Status))), QByteArray("V_STATUS"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Percentage))), QByteArray("V_PERCENTAGE"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Pressure))), QByteArray("V_PRESSURE"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Forecast))), QByteArray("V_FORECAST"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Rain))), QByteArray("V_RAIN"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Rainrate))), QByteArray("V_RAINRATE"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Wind))), QByteArray("V_WIND"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Gust))), QByteArray("V_GUST"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Direction))), QByteArray("V_DIRECTION"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Uv))), QByteArray("V_UV"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Weight))), QByteArray("V_WEIGHT"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Distance))), QByteArray("V_DISTANCE"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Impedance))), QByteArray("V_IMPEDANCE"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Armed))), QByteArray("V_ARMED"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Tripped))), QByteArray("V_TRIPPED"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Watt))), QByteArray("V_WATT"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Kwh))), QByteArray("V_KWH"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::SceneOn))), QByteArray("V_SCENE_ON"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::SceneOff))), QByteArray("V_SCENE_OFF"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::HvacFlowState))),
             QByteArray("V_HVAC_FLOW_STATE"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::HvacSpeed))), QByteArray("V_HVAC_SPEED"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::LightLevel))), QByteArray("V_LIGHT_LEVEL"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Var1))), QByteArray("V_VAR1"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Var2))), QByteArray("V_VAR2"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Var3))), QByteArray("V_VAR3"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Var4))), QByteArray("V_VAR4"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Var5))), QByteArray("V_VAR5"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Up))), QByteArray("V_UP"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Down))), QByteArray("V_DOWN"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Stop))), QByteArray("V_STOP"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::IrSend))), QByteArray("V_IR_SEND"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::IrReceive))), QByteArray("V_IR_RECEIVE"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Flow))), QByteArray("V_FLOW"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Volume))), QByteArray("V_VOLUME"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::LockStatus))), QByteArray("V_LOCK_STATUS"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Level))), QByteArray("V_LEVEL"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Voltage))), QByteArray("V_VOLTAGE"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Current))), QByteArray("V_CURRENT"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Rgb))), QByteArray("V_RGB"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Rgbw))), QByteArray("V_RGBW"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Id))), QByteArray("V_ID"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::UnitPrefix))), QByteArray("V_UNIT_PREFIX"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::HvacSetpointCool))),
             QByteArray("V_HVAC_SETPOINT_COOL"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::HvacSetpointHeat))),
             QByteArray("V_HVAC_SETPOINT_HEAT"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::HvacFlowMode))),
             QByteArray("V_HVAC_FLOW_MODE"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Text))), QByteArray("V_TEXT"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Custom))), QByteArray("V_CUSTOM"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Position))), QByteArray("V_POSITION"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::IrRecord))), QByteArray("V_IR_RECORD"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Ph))), QByteArray("V_PH"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Orp))), QByteArray("V_ORP"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Ec))), QByteArray("V_EC"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Var))), QByteArray("V_VAR"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::Va))), QByteArray("V_VA"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::PowerFactor))), QByteArray("V_POWER_FACTOR"));
    QCOMPARE(QByteArray(valueTypeName(uint8_t(Value::MultiMessage))),
             QByteArray("V_MULTI_MESSAGE"));
    QCOMPARE(QByteArray(internalTypeName(uint8_t(Internal::NonceResponse))),
             QByteArray("I_NONCE_RESPONSE"));
    QCOMPARE(QByteArray(internalTypeName(uint8_t(Internal::PostSleepNotification))),
             QByteArray("I_POST_SLEEP_NOTIFICATION"));
    QCOMPARE(QByteArray(streamTypeName(uint8_t(Stream::FirmwareResponseRle))),
             QByteArray("ST_FIRMWARE_RESPONSE_RLE"));
    QCOMPARE(QByteArray(commandName(uint8_t(Command::Stream))), QByteArray("C_STREAM"));
    QCOMPARE(QByteArray(payloadTypeName(uint8_t(PayloadType::Float32))), QByteArray("P_FLOAT32"));
    QCOMPARE(uint8_t(Sensor::WaterQuality), kLastSensorType);
    QCOMPARE(uint8_t(Value::MultiMessage), kLastValueType);
    QCOMPARE(uint8_t(Internal::PostSleepNotification), kLastInternalType);
    QCOMPARE(uint8_t(Stream::FirmwareResponseRle), kLastStreamType);
}

void tst_Message::typedPayloads()
{
    Message m;
    m.setInt16(-32768);
    int16_t i16 = 0;
    QVERIFY(m.getInt16(i16));
    QCOMPARE(i16, int16_t(-32768));
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(m.payload()), 2).toHex(),
             QByteArray("0080"));
    uint8_t byte;
    QVERIFY(!m.getByte(byte)); // type mismatch

    m.setUInt16(0xBEEF);
    uint16_t u16 = 0;
    QVERIFY(m.getUInt16(u16));
    QCOMPARE(u16, uint16_t(0xBEEF));

    m.setLong32(-2);
    int32_t l = 0;
    QVERIFY(m.getLong32(l));
    QCOMPARE(l, -2);
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(m.payload()), 4).toHex(),
             QByteArray("feffffff"));

    m.setULong32(0x020302FF); // I_VERSION reply of 2.3.2
    uint32_t ul = 0;
    QVERIFY(m.getULong32(ul));
    QCOMPARE(ul, 33751807u);
    QVERIFY(!m.getLong32(l));

    m.setFloat32(-1.25f, 3);
    float f = 0;
    uint8_t d = 0;
    QVERIFY(m.getFloat32(f, d));
    QCOMPARE(f, -1.25f);
    QCOMPARE(d, uint8_t(3));
    QCOMPARE(m.payloadLength(), uint8_t(5));

    QVERIFY(m.setString("hello", 5));
    QCOMPARE(m.payloadType(), PayloadType::String);
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(m.payload()), m.payloadLength()),
             QByteArray("hello"));
    QVERIFY(!m.getFloat32(f, d));
}

void tst_Message::setPayloadRejects()
{
    Message m;
    QVERIFY(m.setString("abc", 3));
    const QByteArray before = wire(m);
    const char big[26] = {};
    QVERIFY(!m.setPayload(PayloadType::Custom, big, 26));
    QVERIFY(!m.setPayload(PayloadType::Byte, big, 2));
    QVERIFY(!m.setPayload(PayloadType::Float32, big, 4));
    QCOMPARE(wire(m), before);
    QVERIFY(m.setPayload(PayloadType::Custom, big, 25));
    QCOMPARE(m.size(), size_t(32));
}

void tst_Message::setSignedClearsSignature()
{
    Message m;
    m.setHeader(1, 0, Command::Set, 0, 1);
    m.setString("ab", 2);
    m.setSigned(true);
    QCOMPARE(m.size(), size_t(32));
    QCOMPARE(m.signatureLength(), size_t(23));
    std::memset(m.mutableData() + kHeaderSize + 2, 0x5A, 23);
    m.setSigned(false);
    QCOMPARE(m.size(), size_t(9));
    for (size_t i = kHeaderSize + 2; i < kMaxMessageSize; ++i)
        QCOMPARE(m.data()[i], uint8_t(0));
}

void tst_Message::decodeErrors_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<DecodeError>("expected");
    for (int n = 0; n < 7; ++n)
        QTest::addRow("truncated %d", n)
                << QByteArray::fromHex("0101002AE1000000").left(n) << DecodeError::Truncated;
    QTest::newRow("33 bytes") << QByteArray(33, '\x02') << DecodeError::TooLong;
    QTest::newRow("version 0") << QByteArray::fromHex("01010000010000") << DecodeError::BadVersion;
    QTest::newRow("version 1") << QByteArray::fromHex("01010001010000") << DecodeError::BadVersion;
    QTest::newRow("version 3") << QByteArray::fromHex("01010003010000") << DecodeError::BadVersion;
    for (int len = 26; len < 32; ++len) {
        QByteArray b = QByteArray::fromHex("010100000100");
        b.insert(3, char(2 | len << 3));
        b.append(QByteArray(25, 'x'));
        QTest::addRow("length field %d", len) << b << DecodeError::PayloadTooLong;
    }
    QTest::newRow("unsigned, one byte short")
            << QByteArray::fromHex("0101002AE100000000AC41") << DecodeError::SizeMismatch;
    QTest::newRow("unsigned, one byte extra")
            << QByteArray::fromHex("0101002AE100000000AC410200") << DecodeError::SizeMismatch;
    QTest::newRow("signed but 12 bytes")
            << QByteArray::fromHex("0101002EE1000000AC410201") << DecodeError::SizeMismatch;
    QTest::newRow("signed 31 bytes")
            << QByteArray::fromHex("0101002EE10000").append(QByteArray(24, '\1'))
            << DecodeError::SizeMismatch;
    for (int c = 5; c < 8; ++c) {
        QByteArray b = QByteArray::fromHex("0101000200FFFF");
        b[4] = char(c);
        QTest::addRow("command %d", c) << b << DecodeError::ReservedCommand;
    }
    QTest::newRow("P_BYTE of 2") << QByteArray::fromHex("01010012210200 0101")
                                 << DecodeError::PayloadSizeMismatch;
    QTest::newRow("P_INT16 of 1") << QByteArray::fromHex("0101000A410200 01")
                                  << DecodeError::PayloadSizeMismatch;
    QTest::newRow("P_ULONG32 of 0")
            << QByteArray::fromHex("01010002A10200") << DecodeError::PayloadSizeMismatch;
    QTest::newRow("P_FLOAT32 of 4")
            << QByteArray::fromHex("01010022E10200 00000000") << DecodeError::PayloadSizeMismatch;
}

void tst_Message::decodeErrors()
{
    QFETCH(QByteArray, bytes);
    QFETCH(DecodeError, expected);
    Message m;
    m.setString("keep", 4);
    const QByteArray before = wire(m);
    // Copy into an exactly sized heap buffer so that ASan catches any read past the end.
    std::unique_ptr<uint8_t[]> exact(new uint8_t[size_t(bytes.size()) + 1]);
    std::memcpy(exact.get(), bytes.constData(), size_t(bytes.size()));
    QCOMPARE(Message::decode(exact.get(), size_t(bytes.size()), m), expected);
    QCOMPARE(wire(m), before); // unchanged on error
    QVERIFY(QByteArray(decodeErrorName(expected)) != "unknown");
    QVERIFY(std::strlen(decodeErrorText(expected)) > 10);

    const auto viaQt = Warden::decodeMessage(bytes);
    QVERIFY(!viaQt);
    QVERIFY(viaQt.error().message().contains(QString::fromLatin1(decodeErrorName(expected))));
}

void tst_Message::decodeNeverAcceptsGarbage()
{
    // Random byte strings: each either decodes to a message whose wire image is exactly the
    // input, or is refused with a named error. Structured mutations of valid frames too.
    QRandomGenerator rng(2024);
    int accepted = 0;
    for (int round = 0; round < 200000; ++round) {
        const int size = int(rng.bounded(40));
        std::unique_ptr<uint8_t[]> buf(new uint8_t[size_t(size) + 1]);
        for (int i = 0; i < size; ++i)
            buf[i] = uint8_t(rng.bounded(256));
        if (round % 2 && size >= 7) {
            // Make the header plausible so that the deeper checks run.
            buf[3] = uint8_t(2 | (rng.bounded(2) << 2) | (uint8_t(size - 7) << 3));
            buf[4] = uint8_t((buf[4] & 0xF8) | rng.bounded(5));
        }
        Message m;
        const DecodeError e = Message::decode(buf.get(), size_t(size), m);
        if (e == DecodeError::None) {
            ++accepted;
            QCOMPARE(m.size(), size_t(size));
            QCOMPARE(std::memcmp(m.data(), buf.get(), size_t(size)), 0);
            QCOMPARE(m.version(), kProtocolVersion);
            QVERIFY(m.payloadLength() <= kMaxPayloadSize);
        } else {
            QVERIFY(QByteArray(decodeErrorName(e)) != "unknown");
        }
    }
    QVERIFY(accepted > 1000); // the plausible half must reach acceptance sometimes
}

void tst_Message::qtConveniences()
{
    const QByteArray f = QByteArray::fromHex("0101002AE100000000AC4102");
    const auto m = Warden::decodeMessage(f);
    QVERIFY(m);
    QCOMPARE(Warden::encodeMessage(*m), f);
    const QJsonObject o = Warden::messageToJson(*m);
    QCOMPARE(o.value(u"command_name").toString(), QStringLiteral("C_SET"));
    QCOMPARE(o.value(u"type_name").toString(), QStringLiteral("V_TEMP"));
    QCOMPARE(o.value(u"payload_type_name").toString(), QStringLiteral("P_FLOAT32"));
    QCOMPARE(o.value(u"payload_text").toString(), QStringLiteral("21.50"));
    QCOMPARE(o.value(u"length").toInt(), 5);
    QVERIFY(Warden::describeMessage(*m).contains(QStringLiteral("1->0 C_SET V_TEMP")));

    const auto hex = Warden::parseHex(u"0x01:02 0a-FF");
    QVERIFY(hex);
    QCOMPARE(hex->toHex(), QByteArray("01020aff"));
    QVERIFY(!Warden::parseHex(u"012"));
    const auto bad = Warden::parseHex(u"01zz");
    QVERIFY(!bad);
    QVERIFY(bad.error().message().contains(QStringLiteral("position 3")));
}

QTEST_GUILESS_MAIN(tst_Message)
#include "tst_message.moc"
