// Runs the built wardenctl binary and checks what a user (or a script) sees: stdout, the
// --json object, stderr and the exit code. Expectations come from the spec's worked examples
// (1.8, 2.2, 4.4, 4.5, 5.10, 9.2) and from ../shared/vectors.
#include <warden/protocol/signing.h>

#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QRandomGenerator>
#include <QtCore/QRegularExpression>
#include <QtTest/QtTest>

namespace {

using Warden::Protocol::Verdict;

const QString kSpecKey
        = QStringLiteral("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
const QString kSpecNonce = QStringLiteral("A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8");
const QString kSpecNonce32 = kSpecNonce + QStringLiteral("AAAAAAAAAAAAAA");
const QString kSpecSerial = QStringLiteral("112233445566778899");
// Spec 5.10 Vector A: "23.5" from node 1 to the gateway, child 2, V_TEMP.
const QString kVectorAUnsigned = QStringLiteral("0101002201000232332E35");
const QString kVectorASigned
        = QStringLiteral("0101002601000232332E350186A32C7DD706CE2A7635B840679E4C2D53237AE9");
const QString kVectorBSignature = QStringLiteral("01EE67CFBFC69DFF7BD3AC661876C766FCEE2C2413");
const QString kVectorBSigned = QStringLiteral("0101002601000232332E35") + kVectorBSignature;
// Spec 1.8 worked examples.
const QString kFloatFrame = QStringLiteral("01 01 00 2A E1 00 00 00 00 AC 41 02");
const QString kByteFrame = QStringLiteral("03 03 00 0A 29 02 01 01");
// Spec 9.2: node 3 sends the byte frame above to the gateway over RS485.
const QString kRs485Frame = QStringLiteral("01 00 03 58 08 02 03 03 00 0A 29 02 01 01 03 A0 04");

struct Run
{
    int exitCode = -1;
    bool crashed = true;
    QByteArray out;
    QByteArray err;
};

Run wardenctl(const QStringList &args)
{
    QProcess process;
    process.start(QStringLiteral(WARDENCTL_PATH), args);
    Run run;
    if (!process.waitForStarted(30000) || !process.waitForFinished(300000))
        return run;
    run.crashed = process.exitStatus() != QProcess::NormalExit;
    run.exitCode = process.exitCode();
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    // Under the sanitizer preset a report is a crash, whatever the exit code says.
    if (run.err.contains("Sanitizer") || run.err.contains("runtime error:")) {
        qWarning("sanitizer report: %s", run.err.left(2000).constData());
        run.crashed = true;
        run.exitCode = -2;
    }
    return run;
}

/// stdout as exactly one JSON object (a parse error also rejects trailing text).
QJsonObject jsonOf(const Run &run)
{
    QJsonParseError error {};
    const QJsonDocument doc = QJsonDocument::fromJson(run.out, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject()) {
        qWarning("stdout is not one JSON object (%s): %s", qPrintable(error.errorString()),
                 run.out.left(300).constData());
        return {};
    }
    return doc.object();
}

QString signingMessage(const char *header, const QByteArray &payload)
{
    return QString::fromLatin1(header) + QString::fromLatin1(payload.toHex());
}

QJsonArray sharedVectors()
{
    QFile file(QStringLiteral(WARDEN_SHARED_DIR "/vectors/mysensors-2.x.json"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).array();
}

QStringList verifyArgs(const QJsonObject &v)
{
    const QString nonce = v.contains(u"verifier_nonce_hex") && v[u"verifier_nonce_hex"].isString()
                                  ? v[u"verifier_nonce_hex"].toString()
                                  : v[u"nonce_hex"].toString();
    QStringList args {QStringLiteral("--json"),  QStringLiteral("verify"),
                      QStringLiteral("--key"),   v[u"hmac_key_hex"].toString(),
                      QStringLiteral("--nonce"), nonce};
    if (v[u"whitelisting"].toBool()) {
        if (v[u"verifier_serial_hex"].isString())
            args << QStringLiteral("--serial") << v[u"verifier_serial_hex"].toString();
        else
            args << QStringLiteral("--whitelist-missing");
    }
    args << v[u"message_hex"].toString();
    return args;
}

} // namespace

class tst_Wardenctl : public QObject
{
    Q_OBJECT

private slots:
    void versionAndHelp();
    void subcommandHelp();
    void decode_data();
    void decode();
    void decodeText();
    void decodeMalformed_data();
    void decodeMalformed();
    void decodeSuggestsRs485();
    void hexAsSeveralWords();
    void rs485Spec();
    void rs485BadChecksum();
    void rs485Encode_data();
    void rs485Encode();
    void rs485Malformed_data();
    void rs485Malformed();
    void rs485Vectors();
    void line_data();
    void line();
    void lineToFrame();
    void lineFromFrame();
    void lineFromFrameRefusesControlCharacter();
    void lineMalformed_data();
    void lineMalformed();
    void lineVectors();
    void sign_data();
    void sign();
    void signText();
    void signRefusesLongPayload();
    void verify_data();
    void verify();
    void verifyVectors();
    void keyNeverPrinted_data();
    void keyNeverPrinted();
    void keygen();
    void keygenMySensors();
    void serialgen();
    void keygenFingerprintMatchesSign();
    void usageErrors_data();
    void usageErrors();
    void garbageNeverCrashes();
    void demo();
    void demoJson();
    void demoSeedReproducible();
};

void tst_Wardenctl::versionAndHelp()
{
    const Run version = wardenctl({QStringLiteral("--version")});
    QCOMPARE(version.exitCode, 0);
    QVERIFY(QRegularExpression(QStringLiteral("^wardenctl \\d+\\.\\d+\\.\\d+\\n$"))
                    .match(QString::fromUtf8(version.out))
                    .hasMatch());

    const Run help = wardenctl({QStringLiteral("--help")});
    QCOMPARE(help.exitCode, 0);
    const QString text = QString::fromUtf8(help.out);
    for (const char *word : {"decode", "rs485", "line", "sign", "verify", "keygen", "serialgen",
                             "demo", "--json", "Exit codes", "  3  malformed"})
        QVERIFY2(text.contains(QLatin1String(word)), word);
    QVERIFY(help.err.isEmpty());
}

void tst_Wardenctl::subcommandHelp()
{
    const Run help = wardenctl({QStringLiteral("verify"), QStringLiteral("--help")});
    QCOMPARE(help.exitCode, 0);
    const QString text = QString::fromUtf8(help.out);
    for (const char *word : {"--key", "--nonce", "--serial", "--whitelist-missing", "Exit codes"})
        QVERIFY2(text.contains(QLatin1String(word)), word);
    QVERIFY(!text.contains(QLatin1String("--frames"))); // another subcommand's option
}

void tst_Wardenctl::decode_data()
{
    QTest::addColumn<QString>("hex");
    QTest::addColumn<QString>("commandName");
    QTest::addColumn<QString>("typeName");
    QTest::addColumn<QString>("payloadTypeName");
    QTest::addColumn<QString>("payloadText");
    QTest::addColumn<bool>("exempt");
    QTest::addColumn<bool>("isSigned");
    QTest::addColumn<QString>("controllerLine");

    QTest::newRow("spec 1.8 float") << kFloatFrame << "C_SET"
                                    << "V_TEMP"
                                    << "P_FLOAT32"
                                    << "21.50" << false << false << "1;0;1;0;0;21.50";
    QTest::newRow("spec 1.8 byte, echo requested") << kByteFrame << "C_SET"
                                                   << "V_STATUS"
                                                   << "P_BYTE"
                                                   << "1" << false << false << "3;1;1;0;2;1";
    QTest::newRow("spec 4.4 signing presentation")
            << "05 05 00 12 C3 0F FF 01 03"
            << "C_INTERNAL"
            << "I_SIGNING_PRESENTATION"
            << "P_CUSTOM"
            << "0103" << true << false << "5;255;3;0;15;0103";
    QTest::newRow("spec 4.5 nonce request") << "05 05 00 02 03 10 01"
                                            << "C_INTERNAL"
                                            << "I_NONCE_REQUEST"
                                            << "P_STRING"
                                            << "" << true << false << "5;1;3;0;16;";
    QTest::newRow("spec 5.10 vector A, signed") << kVectorASigned << "C_SET"
                                                << "V_TEMP"
                                                << "P_STRING"
                                                << "23.5" << false << true << "1;2;1;0;0;23.5";
}

void tst_Wardenctl::decode()
{
    QFETCH(QString, hex);
    const Run run = wardenctl({QStringLiteral("--json"), QStringLiteral("decode"), hex});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.err.isEmpty());
    const QJsonObject m = jsonOf(run)[u"message"].toObject();
    QTEST(m[u"command_name"].toString(), "commandName");
    QTEST(m[u"type_name"].toString(), "typeName");
    QTEST(m[u"payload_type_name"].toString(), "payloadTypeName");
    QTEST(m[u"payload_text"].toString(), "payloadText");
    QTEST(m[u"signing_exempt"].toBool(), "exempt");
    QTEST(m[u"signed"].toBool(), "isSigned");
    QTEST(m[u"controller_line"].toString(), "controllerLine");
    QCOMPARE(m[u"hex"].toString(), hex.remove(u' ').toLower());
    if (m[u"signed"].toBool())
        QCOMPARE(m[u"signature_hex"].toString(), kVectorASigned.mid(22).toLower());
}

void tst_Wardenctl::decodeText()
{
    const Run run = wardenctl({QStringLiteral("decode"), kFloatFrame});
    QCOMPARE(run.exitCode, 0);
    const QString out = QString::fromUtf8(run.out);
    QVERIFY(out.contains(QLatin1String("1 C_SET")));
    QVERIFY(out.contains(QLatin1String("0 V_TEMP")));
    QVERIFY(out.contains(QLatin1String("7 P_FLOAT32")));
    QVERIFY(out.contains(QLatin1String("21.50")));
    QVERIFY(out.contains(QLatin1String("1;0;1;0;0;21.50")));
    QVERIFY(out.contains(QLatin1String("(unsigned)")));

    const Run exempt
            = wardenctl({QStringLiteral("decode"), QStringLiteral("05 05 00 02 03 10 01")});
    QVERIFY(QString::fromUtf8(exempt.out).contains(QLatin1String("exempt")));
    const Run signedFrame = wardenctl({QStringLiteral("decode"), kVectorASigned});
    QVERIFY(QString::fromUtf8(signedFrame.out)
                    .contains(QLatin1String("identifier 1 = HMAC-SHA256")));
}

void tst_Wardenctl::decodeMalformed_data()
{
    QTest::addColumn<QString>("hex");
    QTest::addColumn<QString>("expected"); // in the error message
    QTest::newRow("not hex") << "zz"
                             << "not hexadecimal";
    QTest::newRow("odd digits") << "010"
                                << "odd number";
    QTest::newRow("empty") << ""
                           << "truncated";
    QTest::newRow("truncated header") << "01 01 00 2A"
                                      << "truncated";
    QTest::newRow("too long") << QString(33 * 2, u'0') << "too-long";
    QTest::newRow("size mismatch") << "01 01 00 2A E1 00 00 00 00"
                                   << "size-mismatch";
    QTest::newRow("bad version") << "01 01 00 2B E1 00 00 00 00 AC 41 02"
                                 << "bad-version";
    QTest::newRow("fixed size wrong") << "01 01 00 12 E1 00 00 00 00"
                                      << "payload-size-mismatch";
}

void tst_Wardenctl::decodeMalformed()
{
    QFETCH(QString, hex);
    QFETCH(QString, expected);
    const Run run = wardenctl({QStringLiteral("decode"), hex});
    QVERIFY(!run.crashed);
    QCOMPARE(run.exitCode, 3);
    QVERIFY(run.out.isEmpty());
    const QString err = QString::fromUtf8(run.err);
    QVERIFY2(err.startsWith(QLatin1String("wardenctl: frame: ")), qPrintable(err));
    QCOMPARE(err.count(u'\n'), 1);
    QVERIFY2(err.contains(expected), qPrintable(err));

    const Run json = wardenctl({QStringLiteral("--json"), QStringLiteral("decode"), hex});
    QCOMPARE(json.exitCode, 3);
    const QJsonObject error = jsonOf(json)[u"error"].toObject();
    QCOMPARE(error[u"exit_code"].toInt(), 3);
    QCOMPARE(error[u"kind"].toString(), QStringLiteral("malformed"));
    QCOMPARE(error[u"what"].toString(), QStringLiteral("frame"));
    QVERIFY(error[u"message"].toString().contains(expected));
}

void tst_Wardenctl::decodeSuggestsRs485()
{
    const Run run = wardenctl({QStringLiteral("decode"), kRs485Frame});
    QCOMPARE(run.exitCode, 3);
    QVERIFY(QString::fromUtf8(run.err).contains(QLatin1String("wardenctl rs485")));
}

void tst_Wardenctl::hexAsSeveralWords()
{
    // "wardenctl decode 01 01 00 ..." without quotes is the same frame.
    QStringList args {QStringLiteral("--json"), QStringLiteral("decode")};
    args += kFloatFrame.split(u' ');
    const Run run = wardenctl(args);
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(jsonOf(run)[u"message"].toObject()[u"payload_text"].toString(),
             QStringLiteral("21.50"));
}

void tst_Wardenctl::rs485Spec()
{
    const Run run = wardenctl({QStringLiteral("--json"), QStringLiteral("rs485"), kRs485Frame});
    QCOMPARE(run.exitCode, 0);
    const QJsonObject o = jsonOf(run);
    const QJsonObject r = o[u"rs485"].toObject();
    QCOMPARE(r[u"to"].toInt(), 0);
    QCOMPARE(r[u"from"].toInt(), 3);
    QCOMPARE(r[u"command"].toInt(), 0x58);
    QCOMPARE(r[u"length"].toInt(), 8);
    QCOMPARE(r[u"checksum"].toInt(), 0xA0);
    QCOMPARE(r[u"checksum_expected"].toInt(), 0xA0);
    QCOMPARE(r[u"checksum_ok"].toBool(), true);
    QCOMPARE(r[u"soh_count"].toInt(), 1);
    const QJsonObject m = o[u"message"].toObject();
    QCOMPARE(m[u"hex"].toString(), QString(kByteFrame).remove(u' ').toLower());
    QCOMPARE(m[u"type_name"].toString(), QStringLiteral("V_STATUS"));
    QCOMPARE(m[u"echo_request"].toBool(), true);

    const Run text = wardenctl({QStringLiteral("rs485"), kRs485Frame});
    QCOMPARE(text.exitCode, 0);
    QVERIFY(QString::fromUtf8(text.out).contains(QLatin1String("0xA0 (correct)")));
    QVERIFY(QString::fromUtf8(text.out).contains(QLatin1String("V_STATUS")));
}

void tst_Wardenctl::rs485BadChecksum()
{
    const QString broken
            = QString(kRs485Frame).replace(QLatin1String("A0 04"), QLatin1String("A1 04"));
    const Run run = wardenctl({QStringLiteral("--json"), QStringLiteral("rs485"), broken});
    QCOMPARE(run.exitCode, 3);
    const QJsonObject o = jsonOf(run);
    const QJsonObject r = o[u"rs485"].toObject();
    QCOMPARE(r[u"checksum"].toInt(), 0xA1);
    QCOMPARE(r[u"checksum_expected"].toInt(), 0xA0);
    QCOMPARE(r[u"checksum_ok"].toBool(), false);
    // The message inside is still shown: that is what one debugs.
    QCOMPARE(o[u"message"].toObject()[u"type_name"].toString(), QStringLiteral("V_STATUS"));
    QCOMPARE(o[u"error"].toObject()[u"exit_code"].toInt(), 3);
    const QString err = QString::fromUtf8(run.err);
    QVERIFY2(err.contains(QLatin1String("bad-checksum")) && err.contains(QLatin1String("0xA1"))
                     && err.contains(QLatin1String("0xA0")),
             qPrintable(err));

    const Run text = wardenctl({QStringLiteral("rs485"), broken});
    QCOMPARE(text.exitCode, 3);
    QVERIFY(QString::fromUtf8(text.out).contains(QLatin1String("0xA1 WRONG, expected 0xA0")));
}

void tst_Wardenctl::rs485Encode_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QString>("frame");
    const QString spec = QString(kRs485Frame).remove(u' ').toLower();
    QTest::newRow("explicit to/from") << QStringList {QStringLiteral("--to"), QStringLiteral("0"),
                                                      QStringLiteral("--from"), QStringLiteral("3")}
                                      << spec;
    QTest::newRow("defaults: destination and last") << QStringList() << spec;
    QTest::newRow("3 SOH") << QStringList {QStringLiteral("--soh-count"), QStringLiteral("3")}
                           << QStringLiteral("0101") + spec;
    QTest::newRow("broadcast from 7")
            << QStringList {QStringLiteral("--to"), QStringLiteral("255"), QStringLiteral("--from"),
                            QStringLiteral("7")}
            << QStringLiteral("01ff07580802030300") + QStringLiteral("0a2902010103a304");
}

void tst_Wardenctl::rs485Encode()
{
    QFETCH(QStringList, options);
    QFETCH(QString, frame);
    QStringList args {QStringLiteral("--json"), QStringLiteral("rs485"),
                      QStringLiteral("--encode")};
    args += options;
    args += kByteFrame;
    const Run run = wardenctl(args);
    QCOMPARE(run.exitCode, 0);
    const QJsonObject r = jsonOf(run)[u"rs485"].toObject();
    QCOMPARE(r[u"frame_hex"].toString(), frame);
    QCOMPARE(r[u"checksum_ok"].toBool(), true);
    // And the frame decodes back to the same message.
    const Run back = wardenctl({QStringLiteral("--json"), QStringLiteral("rs485"), frame});
    QCOMPARE(back.exitCode, 0);
    QCOMPARE(jsonOf(back)[u"message"].toObject()[u"hex"].toString(),
             QString(kByteFrame).remove(u' ').toLower());
}

void tst_Wardenctl::rs485Malformed_data()
{
    QTest::addColumn<QString>("hex");
    QTest::addColumn<QString>("expected");
    QTest::newRow("truncated") << "01 00 03 58 08 02 03 03"
                               << "truncated";
    QTest::newRow("bad start") << "02 00 03 58 08 02 03 03 00 0A 29 02 01 01 03 A0 04"
                               << "bad-start";
    QTest::newRow("bad command") << "01 00 03 59 08 02 03 03 00 0A 29 02 01 01 03 A1 04"
                                 << "bad-command";
    QTest::newRow("trailing") << kRs485Frame + QStringLiteral(" 00") << "trailing";
    QTest::newRow("garbage inside") << "01 00 01 58 02 02 AA BB 03 C0 04"
                                    << "truncated";
    QTest::newRow("not hex") << "0x01 0G"
                             << "not hexadecimal";
}

void tst_Wardenctl::rs485Malformed()
{
    QFETCH(QString, hex);
    QFETCH(QString, expected);
    const Run run = wardenctl({QStringLiteral("rs485"), hex});
    QVERIFY(!run.crashed);
    QCOMPARE(run.exitCode, 3);
    const QString err = QString::fromUtf8(run.err);
    QVERIFY2(err.startsWith(QLatin1String("wardenctl: ")) && err.contains(expected),
             qPrintable(err));
}

void tst_Wardenctl::rs485Vectors()
{
    const QJsonArray vectors = sharedVectors();
    QVERIFY(!vectors.isEmpty());
    int checked = 0;
    for (const QJsonValue &value : vectors) {
        const QJsonObject v = value.toObject();
        if (v[u"kind"].toString() != QLatin1String("rs485_frame"))
            continue;
        const QString frame = v[u"frame_hex"].toString();
        const Run run = wardenctl({QStringLiteral("--json"), QStringLiteral("rs485"), frame});
        QCOMPARE(run.exitCode, v[u"checksum_ok"].toBool() ? 0 : 3);
        const QJsonObject o = jsonOf(run);
        const QJsonObject r = o[u"rs485"].toObject();
        QCOMPARE(r[u"to"].toInt(), v[u"rs485_to"].toInt());
        QCOMPARE(r[u"from"].toInt(), v[u"rs485_from"].toInt());
        QCOMPARE(r[u"command"].toInt(), v[u"rs485_command"].toInt());
        QCOMPARE(r[u"length"].toInt(), v[u"rs485_length"].toInt());
        QCOMPARE(r[u"checksum"].toInt(), v[u"rs485_checksum"].toInt());
        QCOMPARE(o[u"message"].toObject()[u"hex"].toString(), v[u"message_hex"].toString());
        const Run encoded = wardenctl(
                {QStringLiteral("--json"), QStringLiteral("rs485"), QStringLiteral("--encode"),
                 QStringLiteral("--to"), QString::number(v[u"rs485_to"].toInt()),
                 QStringLiteral("--from"), QString::number(v[u"rs485_from"].toInt()),
                 v[u"message_hex"].toString()});
        QCOMPARE(jsonOf(encoded)[u"rs485"].toObject()[u"frame_hex"].toString(), frame);
        ++checked;
    }
    QVERIFY(checked > 0);
}

void tst_Wardenctl::line_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<int>("node");
    QTest::addColumn<int>("child");
    QTest::addColumn<QString>("commandName");
    QTest::addColumn<int>("ack");
    QTest::addColumn<QString>("typeName");
    QTest::addColumn<QString>("payload");
    QTest::newRow("spec 2.4 gateway ready") << "0;255;3;0;14;Gateway startup complete." << 0 << 255
                                            << "C_INTERNAL" << 0 << "I_GATEWAY_READY"
                                            << "Gateway startup complete.";
    QTest::newRow("spec 1.8 float line") << "1;0;1;0;0;21.50" << 1 << 0 << "C_SET" << 0 << "V_TEMP"
                                         << "21.50";
    QTest::newRow("echo, trailing newline") << "3;1;1;1;2;1\n"
                                            << 3 << 1 << "C_SET" << 1 << "V_STATUS"
                                            << "1";
    QTest::newRow("no payload") << "5;1;1;0;2" << 5 << 1 << "C_SET" << 0 << "V_STATUS"
                                << "";
    QTest::newRow("payload with ';'")
            << "7;2;1;0;49;1.5;2.5;3" << 7 << 2 << "C_SET" << 0 << "V_POSITION"
            << "1.5;2.5;3";
}

void tst_Wardenctl::line()
{
    QFETCH(QString, line);
    const Run run = wardenctl({QStringLiteral("--json"), QStringLiteral("line"), line});
    QCOMPARE(run.exitCode, 0);
    const QJsonObject f = jsonOf(run)[u"fields"].toObject();
    QTEST(f[u"node_id"].toInt(), "node");
    QTEST(f[u"child_sensor_id"].toInt(), "child");
    QTEST(f[u"command_name"].toString(), "commandName");
    QTEST(f[u"ack"].toInt(), "ack");
    QTEST(f[u"type_name"].toString(), "typeName");
    QTEST(f[u"payload"].toString(), "payload");

    const Run text = wardenctl({QStringLiteral("line"), line});
    QCOMPARE(text.exitCode, 0);
    QFETCH(QString, typeName);
    QVERIFY(QString::fromUtf8(text.out).contains(typeName));
}

void tst_Wardenctl::lineToFrame()
{
    // Spec 2.2 rule 5: an empty payload becomes P_BYTE 0 (length 1: byte 3 = 0x0A).
    const Run run = wardenctl({QStringLiteral("--json"), QStringLiteral("line"),
                               QStringLiteral("--to-frame"), QStringLiteral("1;3;2;0;0;")});
    QCOMPARE(run.exitCode, 0);
    const QJsonObject m = jsonOf(run)[u"message"].toObject();
    QCOMPARE(m[u"hex"].toString(), QStringLiteral("0000010a22000300"));
    QCOMPARE(m[u"command_name"].toString(), QStringLiteral("C_REQ"));

    const Run stream = wardenctl({QStringLiteral("--json"), QStringLiteral("line"),
                                  QStringLiteral("--to-frame"), QStringLiteral("4;1;4;0;4;0aFF")});
    QCOMPARE(stream.exitCode, 0);
    const QJsonObject s = jsonOf(stream)[u"message"].toObject();
    QCOMPARE(s[u"payload_type_name"].toString(), QStringLiteral("P_CUSTOM"));
    QCOMPARE(s[u"payload_hex"].toString(), QStringLiteral("0aff"));

    const Run text = wardenctl({QStringLiteral("line"), QStringLiteral("--to-frame"),
                                QStringLiteral("1;0;1;0;0;21.5")});
    QCOMPARE(text.exitCode, 0);
    QVERIFY(QString::fromUtf8(text.out).contains(
            QLatin1String("00 00 01 22 01 00 00 32 31 2E 35")));
}

void tst_Wardenctl::lineFromFrame()
{
    const Run run = wardenctl({QStringLiteral("--json"), QStringLiteral("line"),
                               QStringLiteral("--from-frame"), kFloatFrame});
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(jsonOf(run)[u"line"].toString(), QStringLiteral("1;0;1;0;0;21.50"));
    // A signed frame renders the same way: the signature is not payload.
    const Run signedRun
            = wardenctl({QStringLiteral("line"), QStringLiteral("--from-frame"), kVectorASigned});
    QCOMPARE(signedRun.exitCode, 0);
    QVERIFY(QString::fromUtf8(signedRun.out).contains(QLatin1String("1;2;1;0;0;23.5")));
}

void tst_Wardenctl::lineFromFrameRefusesControlCharacter()
{
    // A P_STRING "a\nb" would forge a second controller line: the gateway refuses it.
    const Run run = wardenctl({QStringLiteral("line"), QStringLiteral("--from-frame"),
                               QStringLiteral("0101001A0100006130620A")});
    QVERIFY(!run.crashed);
    // Either the decoder or the renderer refuses; never a line with a raw newline in it.
    QCOMPARE(run.exitCode, 3);
    QVERIFY(!run.err.isEmpty());
    const Run ok = wardenctl({QStringLiteral("line"), QStringLiteral("--from-frame"),
                              QStringLiteral("0101001A010000613062")});
    QCOMPARE(ok.exitCode, 0);
}

void tst_Wardenctl::lineMalformed_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QString>("error");
    QTest::addColumn<QString>("badField");
    QTest::newRow("empty") << ""
                           << "empty"
                           << "";
    QTest::newRow("field count") << "1;0;1"
                                 << "field-count"
                                 << "ack";
    QTest::newRow("not numeric") << "1;x;1;0;0;5"
                                 << "not-numeric"
                                 << "child-sensor-id";
    QTest::newRow("command out of range") << "1;0;9;0;0;x"
                                          << "out-of-range"
                                          << "command";
    QTest::newRow("node out of range") << "256;0;1;0;0;x"
                                       << "out-of-range"
                                       << "node-id";
    QTest::newRow("too long") << QStringLiteral("1;0;1;0;47;") + QString(90, u'x') << "too-long"
                              << "";
    QTest::newRow("control character") << "1;0;1;0;0;a\nb"
                                       << "control-character"
                                       << "payload";
}

void tst_Wardenctl::lineMalformed()
{
    QFETCH(QString, line);
    QFETCH(QString, error);
    QFETCH(QString, badField);
    const Run run = wardenctl({QStringLiteral("--json"), QStringLiteral("line"), line});
    QVERIFY(!run.crashed);
    QCOMPARE(run.exitCode, 3);
    const QJsonObject o = jsonOf(run);
    QCOMPARE(o[u"line_error"].toString(), error);
    if (badField.isEmpty())
        QVERIFY(o[u"bad_field"].isNull());
    else
        QCOMPARE(o[u"bad_field"].toString(), badField);
    QCOMPARE(o[u"error"].toObject()[u"exit_code"].toInt(), 3);
    QVERIFY(QString::fromUtf8(run.err).contains(error));
}

void tst_Wardenctl::lineVectors()
{
    int checked = 0;
    for (const QJsonValue &value : sharedVectors()) {
        const QJsonObject v = value.toObject();
        if (v[u"kind"].toString() != QLatin1String("serial_line"))
            continue;
        const Run run = wardenctl({QStringLiteral("--json"), QStringLiteral("line"),
                                   QStringLiteral("--"), v[u"line"].toString()});
        QCOMPARE(run.exitCode, 0);
        const QJsonObject got = jsonOf(run)[u"fields"].toObject();
        const QJsonObject want = v[u"fields"].toObject();
        for (const QString &k : want.keys())
            QCOMPARE(got[k], want[k]);
        ++checked;
    }
    QVERIFY(checked > 0);
}

void tst_Wardenctl::sign_data()
{
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("nonce");
    QTest::addColumn<QString>("serial");
    QTest::addColumn<QString>("signature");
    QTest::addColumn<bool>("resigned");
    const QString vectorC = signingMessage("010100BA012F03", "ABCDEFGHIJKLMNOPQRSTUVW");
    QTest::newRow("vector A") << kVectorAUnsigned << kSpecNonce << "" << kVectorASigned.mid(22)
                              << false;
    QTest::newRow("vector A, 32-byte nonce")
            << kVectorAUnsigned << kSpecNonce32 << "" << kVectorASigned.mid(22) << false;
    QTest::newRow("vector B, salted")
            << kVectorAUnsigned << kSpecNonce << kSpecSerial << kVectorBSignature << false;
    QTest::newRow("vector B from signed vector A input")
            << kVectorASigned << kSpecNonce << kSpecSerial << kVectorBSignature << true;
    QTest::newRow("vector C, 23 bytes") << vectorC << kSpecNonce << ""
                                        << "01E9" << false;
}

void tst_Wardenctl::sign()
{
    QFETCH(QString, message);
    QFETCH(QString, nonce);
    QFETCH(QString, serial);
    QFETCH(QString, signature);
    QStringList args {QStringLiteral("--json"),  QStringLiteral("sign"),
                      QStringLiteral("--key"),   kSpecKey,
                      QStringLiteral("--nonce"), nonce};
    if (!serial.isEmpty())
        args << QStringLiteral("--serial") << serial;
    args << message;
    const Run run = wardenctl(args);
    QCOMPARE(run.exitCode, 0);
    const QJsonObject o = jsonOf(run);
    QCOMPARE(o[u"signature_hex"].toString(), signature.toLower());
    QTEST(o[u"resigned"].toBool(), "resigned");
    QCOMPARE(o[u"salted"].toBool(), !serial.isEmpty());
    QCOMPARE(o[u"signed_frame_hex"].toString().size(), 64);
    QVERIFY(o[u"signed_frame_hex"].toString().endsWith(signature.toLower()));
    QCOMPARE(o[u"message"].toObject()[u"signed"].toBool(), true);
    // Spec 5.10 vector A gives the unsalted HMAC.
    if (message == kVectorAUnsigned)
        QCOMPARE(
                o[u"hmac_unsalted_hex"].toString(),
                QStringLiteral("8c86a32c7dd706ce2a7635b840679e4c2d53237ae90bc352c99f3b3bb2d5b4e5"));
}

void tst_Wardenctl::signText()
{
    const Run run = wardenctl({QStringLiteral("sign"), QStringLiteral("--key"), kSpecKey,
                               QStringLiteral("--nonce"), kSpecNonce, kVectorAUnsigned});
    QCOMPARE(run.exitCode, 0);
    const QString out = QString::fromUtf8(run.out);
    QVERIFY(out.contains(kVectorASigned)); // the signed frame, ready to paste
    QVERIFY(out.contains(QLatin1String("fingerprint")));
}

void tst_Wardenctl::signRefusesLongPayload()
{
    const QString tooLong = signingMessage("010100C2012F03", "ABCDEFGHIJKLMNOPQRSTUVWX");
    const Run run = wardenctl({QStringLiteral("sign"), QStringLiteral("--key"), kSpecKey,
                               QStringLiteral("--nonce"), kSpecNonce, tooLong});
    QCOMPARE(run.exitCode, 3);
    QVERIFY(run.out.isEmpty());
    const QString err = QString::fromUtf8(run.err);
    QVERIFY2(err.contains(QLatin1String("24-byte")) && err.contains(QLatin1String("23")),
             qPrintable(err));
}

void tst_Wardenctl::verify_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QString>("message");
    QTest::addColumn<int>("verdict");
    QString tampered = kVectorASigned;
    tampered[15] = QLatin1Char('4'); // "23.5" -> "24.5"
    const QStringList none;
    const QStringList listed {QStringLiteral("--serial"), kSpecSerial};
    const QStringList missing {QStringLiteral("--whitelist-missing")};
    QTest::newRow("vector A") << none << kVectorASigned << int(Verdict::Verified);
    QTest::newRow("vector B, listed") << listed << kVectorBSigned << int(Verdict::Verified);
    QTest::newRow("vector B, verifier does not whitelist")
            << none << kVectorBSigned << int(Verdict::BadSignature);
    QTest::newRow("vector A, verifier whitelists")
            << listed << kVectorASigned << int(Verdict::BadSignature);
    QTest::newRow("vector A, sender not listed")
            << missing << kVectorASigned << int(Verdict::NotWhitelisted);
    QTest::newRow("tampered payload") << none << tampered << int(Verdict::BadSignature);
    QTest::newRow("unsigned") << none << kVectorAUnsigned << int(Verdict::NotSigned);
    QTest::newRow("exempt nonce request") << none << "05 05 00 02 03 10 01" << int(Verdict::Exempt);
    QString badId = kVectorASigned;
    badId.replace(22, 2, QStringLiteral("02"));
    QTest::newRow("bad identifier") << none << badId << int(Verdict::BadIdentifier);
}

void tst_Wardenctl::verify()
{
    QFETCH(QStringList, options);
    QFETCH(QString, message);
    QFETCH(int, verdict);
    const auto expected = Verdict(verdict);
    QStringList args {QStringLiteral("--json"),  QStringLiteral("verify"),
                      QStringLiteral("--key"),   kSpecKey,
                      QStringLiteral("--nonce"), kSpecNonce};
    args += options;
    args << message;
    const Run run = wardenctl(args);
    QCOMPARE(run.exitCode, expected == Verdict::Verified ? 0 : 1);
    const QJsonObject o = jsonOf(run);
    QCOMPARE(o[u"verdict"].toString(),
             QString::fromLatin1(Warden::Protocol::verdictName(expected)));
    QCOMPARE(o[u"verdict_text"].toString(),
             QString::fromLatin1(Warden::Protocol::verdictText(expected)));
    QCOMPARE(o[u"verified"].toBool(), expected == Verdict::Verified);
    QCOMPARE(run.err.isEmpty(), expected == Verdict::Verified);

    args.removeFirst(); // text output names the verdict and its sentence
    const Run text = wardenctl(args);
    QCOMPARE(text.exitCode, run.exitCode);
    const QString out = QString::fromUtf8(text.out);
    QVERIFY(out.contains(QLatin1String(Warden::Protocol::verdictName(expected))));
    QVERIFY(out.contains(QLatin1String(Warden::Protocol::verdictText(expected))));
}

void tst_Wardenctl::verifyVectors()
{
    // Every live-network vector and a spread of the generated ones (each is a process start).
    int checked = 0;
    int index = 0;
    for (const QJsonValue &value : sharedVectors()) {
        const QJsonObject v = value.toObject();
        if (v[u"kind"].toString() != QLatin1String("signing"))
            continue;
        if (v[u"source"].toString() != QLatin1String("live-network") && index++ % 8 != 0)
            continue;
        const Run run = wardenctl(verifyArgs(v));
        const bool valid = v[u"valid"].toBool();
        const QString context = v[u"message_hex"].toString() + u' ' + QString::fromUtf8(run.err);
        if (valid) {
            QVERIFY2(run.exitCode == 0, qPrintable(context));
            QCOMPARE(jsonOf(run)[u"verified"].toBool(), true);
        } else if (run.exitCode == 3) {
            // Rejected before verification: a tampered length no longer decodes, as the
            // real gateway's transport rejected it ("!THA:RCV:LEN").
            QVERIFY2(!jsonOf(run)[u"error"].toObject().isEmpty(), qPrintable(context));
        } else {
            QVERIFY2(run.exitCode == 1, qPrintable(context));
            QCOMPARE(jsonOf(run)[u"verified"].toBool(), false);
        }
        ++checked;
    }
    QVERIFY(checked > 20);
}

void tst_Wardenctl::keyNeverPrinted_data()
{
    QTest::addColumn<QStringList>("args");
    const QStringList key {QStringLiteral("--key"), kSpecKey, QStringLiteral("--nonce"),
                           kSpecNonce};
    QTest::newRow("sign") << (QStringList {QStringLiteral("sign")} + key << kVectorAUnsigned);
    QTest::newRow("sign --json")
            << (QStringList {QStringLiteral("--json"), QStringLiteral("sign")} + key
                << kVectorAUnsigned);
    QTest::newRow("sign refused") << (QStringList {QStringLiteral("sign")} + key << signingMessage(
                                              "010100C2012F03", "ABCDEFGHIJKLMNOPQRSTUVWX"));
    QTest::newRow("sign, bad frame")
            << (QStringList {QStringLiteral("sign")} + key << QStringLiteral("01"));
    QTest::newRow("verify") << (QStringList {QStringLiteral("verify")} + key << kVectorASigned);
    QTest::newRow("verify --json fails")
            << (QStringList {QStringLiteral("--json"), QStringLiteral("verify")} + key
                << kVectorBSigned);
    // A bad key must not be echoed in the error.
    QTest::newRow("key with a bad character")
            << QStringList {QStringLiteral("sign"),
                            QStringLiteral("--key"),
                            kSpecKey.left(62) + QStringLiteral("ZZ"),
                            QStringLiteral("--nonce"),
                            kSpecNonce,
                            kVectorAUnsigned};
    QTest::newRow("key too long, --json") << QStringList {QStringLiteral("--json"),
                                                          QStringLiteral("verify"),
                                                          QStringLiteral("--key"),
                                                          kSpecKey + QStringLiteral("00"),
                                                          QStringLiteral("--nonce"),
                                                          kSpecNonce,
                                                          kVectorASigned};
    QTest::newRow("key as an unknown subcommand")
            << QStringList {kSpecKey, QStringLiteral("decode")};
    QTest::newRow("key as an unknown option")
            << QStringList {QStringLiteral("decode"), QStringLiteral("-") + kSpecKey, kFloatFrame};
    QTest::newRow("key as the frame of decode") << QStringList {QStringLiteral("decode"), kSpecKey};
}

void tst_Wardenctl::keyNeverPrinted()
{
    QFETCH(QStringList, args);
    const Run run = wardenctl(args);
    QVERIFY(!run.crashed);
    const QString all = QString::fromUtf8(run.out + run.err).toUpper();
    QVERIFY2(!all.contains(kSpecKey), qPrintable(all.left(500)));
    // Nor a long piece of it (a key is 64 digits; 16 of them in a row is no accident).
    for (int i = 0; i + 16 <= kSpecKey.size(); i += 8)
        QVERIFY2(!all.contains(kSpecKey.mid(i, 16)), qPrintable(kSpecKey.mid(i, 16)));
}

void tst_Wardenctl::keygen()
{
    const Run a = wardenctl({QStringLiteral("--json"), QStringLiteral("keygen")});
    const Run b = wardenctl({QStringLiteral("--json"), QStringLiteral("keygen")});
    QCOMPARE(a.exitCode, 0);
    QCOMPARE(b.exitCode, 0);
    const QJsonObject ka = jsonOf(a)[u"key"].toObject();
    const QJsonObject kb = jsonOf(b)[u"key"].toObject();
    const QRegularExpression hex64(QStringLiteral("^[0-9A-F]{64}$"));
    QVERIFY(hex64.match(ka[u"hex"].toString()).hasMatch());
    QVERIFY(hex64.match(kb[u"hex"].toString()).hasMatch());
    QVERIFY(ka[u"hex"].toString() != kb[u"hex"].toString());
    QCOMPARE(ka[u"size"].toInt(), 32);
    const QRegularExpression fingerprint(QStringLiteral("^[0-9a-f]{4}(-[0-9a-f]{4}){3}$"));
    QVERIFY(fingerprint.match(ka[u"fingerprint"].toString()).hasMatch());
    QVERIFY(ka[u"fingerprint"].toString() != kb[u"fingerprint"].toString());

    const Run text = wardenctl({QStringLiteral("keygen")});
    QCOMPARE(text.exitCode, 0);
    QVERIFY(QRegularExpression(QStringLiteral("^key\\s+[0-9A-F]{64}$"),
                               QRegularExpression::MultilineOption)
                    .match(QString::fromUtf8(text.out))
                    .hasMatch());
}

void tst_Wardenctl::keygenMySensors()
{
    const Run run = wardenctl({QStringLiteral("keygen"), QStringLiteral("--mysensors")});
    QCOMPARE(run.exitCode, 0);
    const QString out = QString::fromUtf8(run.out);
    const auto conf = QRegularExpression(QStringLiteral("^soft_hmac_key=([0-9A-F]{64})$"),
                                         QRegularExpression::MultilineOption)
                              .match(out);
    QVERIFY2(conf.hasMatch(), qPrintable(out));
    const auto define
            = QRegularExpression(
                      QStringLiteral("^#define MY_HMAC_KEY ((0X[0-9A-F]{2},){31}0X[0-9A-F]{2})$"),
                      QRegularExpression::MultilineOption)
                      .match(out);
    QVERIFY2(define.hasMatch(), qPrintable(out));
    // Both lines carry the same key.
    QCOMPARE(define.captured(1).remove(QStringLiteral("0X")).remove(u','), conf.captured(1));
    QVERIFY(out.contains(conf.captured(1) + u'\n'));
}

void tst_Wardenctl::serialgen()
{
    const Run a = wardenctl({QStringLiteral("serialgen"), QStringLiteral("--mysensors")});
    const Run b = wardenctl({QStringLiteral("--json"), QStringLiteral("serialgen")});
    QCOMPARE(a.exitCode, 0);
    QCOMPARE(b.exitCode, 0);
    const QString out = QString::fromUtf8(a.out);
    const auto conf = QRegularExpression(QStringLiteral("^soft_serial_key=([0-9A-F]{18})$"),
                                         QRegularExpression::MultilineOption)
                              .match(out);
    QVERIFY2(conf.hasMatch(), qPrintable(out));
    QVERIFY(QRegularExpression(
                    QStringLiteral("^#define MY_SOFT_SERIAL (0X[0-9A-F]{2},){8}0X[0-9A-F]{2}$"),
                    QRegularExpression::MultilineOption)
                    .match(out)
                    .hasMatch());
    const QJsonObject s = jsonOf(b)[u"serial"].toObject();
    QCOMPARE(s[u"size"].toInt(), 9);
    QCOMPARE(s[u"hex"].toString().size(), 18);
    QVERIFY(s[u"hex"].toString() != conf.captured(1));
}

void tst_Wardenctl::keygenFingerprintMatchesSign()
{
    // The fingerprint keygen shows is the one sign/verify show for the same key, so a user
    // can tell which key a tool used without ever seeing it.
    const QJsonObject key
            = jsonOf(wardenctl({QStringLiteral("--json"), QStringLiteral("keygen")}))[u"key"]
                      .toObject();
    const Run run = wardenctl({QStringLiteral("--json"), QStringLiteral("sign"),
                               QStringLiteral("--key"), key[u"hex"].toString(),
                               QStringLiteral("--nonce"), kSpecNonce, kVectorAUnsigned});
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(jsonOf(run)[u"key_fingerprint"].toString(), key[u"fingerprint"].toString());
}

void tst_Wardenctl::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expected");
    const QStringList signBase {QStringLiteral("sign"), QStringLiteral("--key"), kSpecKey,
                                QStringLiteral("--nonce"), kSpecNonce};
    QTest::newRow("no subcommand") << QStringList() << "no subcommand";
    QTest::newRow("unknown subcommand") << QStringList {QStringLiteral("frob")} << "'frob'";
    QTest::newRow("unknown option")
            << QStringList {QStringLiteral("decode"), QStringLiteral("--bogus"), kFloatFrame}
            << "--bogus";
    QTest::newRow("other subcommand's option")
            << QStringList {QStringLiteral("decode"), QStringLiteral("--frames"),
                            QStringLiteral("3"), kFloatFrame}
            << "--frames";
    QTest::newRow("missing argument") << QStringList {QStringLiteral("decode")} << "missing";
    QTest::newRow("missing key") << QStringList {QStringLiteral("sign"), QStringLiteral("--nonce"),
                                                 kSpecNonce, kVectorAUnsigned}
                                 << "key: missing";
    QTest::newRow("missing nonce")
            << QStringList {QStringLiteral("verify"), QStringLiteral("--key"), kSpecKey,
                            kVectorASigned}
            << "nonce: missing";
    QTest::newRow("missing option value")
            << QStringList {QStringLiteral("sign"), QStringLiteral("--key")} << "key";
    QTest::newRow("key too short") << QStringList {QStringLiteral("sign"),
                                                   QStringLiteral("--key"),
                                                   QStringLiteral("0011"),
                                                   QStringLiteral("--nonce"),
                                                   kSpecNonce,
                                                   kVectorAUnsigned}
                                   << "key:";
    QTest::newRow("nonce 24 bytes")
            << QStringList {QStringLiteral("sign"),    QStringLiteral("--key"), kSpecKey,
                            QStringLiteral("--nonce"), kSpecNonce.left(48),     kVectorAUnsigned}
            << "nonce:";
    QTest::newRow("nonce 32 bytes without AA tail")
            << QStringList {QStringLiteral("sign"),
                            QStringLiteral("--key"),
                            kSpecKey,
                            QStringLiteral("--nonce"),
                            kSpecNonce + QStringLiteral("00000000000000"),
                            kVectorAUnsigned}
            << "AA";
    QTest::newRow("serial 8 bytes")
            << (signBase
                + QStringList {QStringLiteral("--serial"), QStringLiteral("1122334455667788"),
                               kVectorAUnsigned})
            << "serial:";
    QTest::newRow("serial and whitelist-missing")
            << QStringList {QStringLiteral("verify"),
                            QStringLiteral("--key"),
                            kSpecKey,
                            QStringLiteral("--nonce"),
                            kSpecNonce,
                            QStringLiteral("--serial"),
                            kSpecSerial,
                            QStringLiteral("--whitelist-missing"),
                            kVectorBSigned}
            << "exclude";
    QTest::newRow("to without encode")
            << QStringList {QStringLiteral("rs485"), QStringLiteral("--to"), QStringLiteral("3"),
                            kRs485Frame}
            << "--encode";
    QTest::newRow("to out of range")
            << QStringList {QStringLiteral("rs485"), QStringLiteral("--encode"),
                            QStringLiteral("--to"), QStringLiteral("256"), kByteFrame}
            << "to:";
    QTest::newRow("negative from")
            << QStringList {QStringLiteral("rs485"), QStringLiteral("--encode"),
                            QStringLiteral("--from"), QStringLiteral("-1"), kByteFrame}
            << "from:";
    QTest::newRow("to-frame and from-frame")
            << QStringList {QStringLiteral("line"), QStringLiteral("--to-frame"),
                            QStringLiteral("--from-frame"), kFloatFrame}
            << "exclude";
    QTest::newRow("two lines") << QStringList {QStringLiteral("line"),
                                               QStringLiteral("1;0;1;0;0;1"),
                                               QStringLiteral("2;0;1;0;0;1")}
                               << "one argument";
    QTest::newRow("keygen with argument")
            << QStringList {QStringLiteral("keygen"), QStringLiteral("32")} << "no arguments";
    QTest::newRow("demo nodes 0") << QStringList {QStringLiteral("demo"), QStringLiteral("--nodes"),
                                                  QStringLiteral("0")}
                                  << "nodes:";
    QTest::newRow("demo frames not a number")
            << QStringList {QStringLiteral("demo"), QStringLiteral("--frames"),
                            QStringLiteral("1e3")}
            << "frames:";
}

void tst_Wardenctl::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QString, expected);
    const Run run = wardenctl(args);
    QVERIFY(!run.crashed);
    QCOMPARE(run.exitCode, 2);
    const QString err = QString::fromUtf8(run.err);
    const QString last = err.trimmed().section(u'\n', -1);
    QVERIFY2(last.startsWith(QLatin1String("wardenctl: ")) && last.contains(expected),
             qPrintable(err));

    const Run json = wardenctl(QStringList {QStringLiteral("--json")} + args);
    QCOMPARE(json.exitCode, 2);
    const QJsonObject error = jsonOf(json)[u"error"].toObject();
    QCOMPARE(error[u"exit_code"].toInt(), 2);
    QCOMPARE(error[u"kind"].toString(), QStringLiteral("usage"));
    QVERIFY(!error[u"message"].toString().isEmpty());
}

void tst_Wardenctl::garbageNeverCrashes()
{
    // Hostile arguments: random bytes as hex and as text, for every subcommand that reads
    // input. Whatever happens, the process ends normally with a documented exit code.
    QRandomGenerator random(20240611);
    const QStringList subcommands {QStringLiteral("decode"), QStringLiteral("rs485"),
                                   QStringLiteral("line"), QStringLiteral("verify"),
                                   QStringLiteral("sign")};
    for (int i = 0; i < 60; ++i) {
        const int length = int(random.bounded(0, 60));
        QByteArray bytes(length, Qt::Uninitialized);
        for (char &c : bytes)
            c = char(random.bounded(1, 256));
        const QString asHex = QString::fromLatin1(bytes.toHex());
        const QString asText = QString::fromLatin1(bytes);
        const QString &subcommand = subcommands[i % subcommands.size()];
        QStringList args {subcommand};
        if (subcommand == QLatin1String("sign") || subcommand == QLatin1String("verify"))
            args << QStringLiteral("--key") << (i % 2 ? kSpecKey : asText)
                 << QStringLiteral("--nonce") << (i % 3 ? kSpecNonce : asHex);
        args << QStringLiteral("--") << (i % 2 ? asHex : asText);
        const Run run = wardenctl(args);
        QVERIFY2(!run.crashed, qPrintable(args.join(u' ')));
        QVERIFY2(run.exitCode >= 0 && run.exitCode <= 3, qPrintable(QString::number(run.exitCode)));
        if (run.exitCode >= 2)
            QVERIFY(run.err.startsWith("wardenctl: "));
    }
}

void tst_Wardenctl::demo()
{
    const Run run = wardenctl(
            {QStringLiteral("demo"), QStringLiteral("--frames"), QStringLiteral("200")});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.err.isEmpty());
    const QString out = QString::fromUtf8(run.out);
    QVERIFY(out.contains(QLatin1String("PASS")));
    QVERIFY(!out.contains(QLatin1String("UNEXPECTED")));
    for (const char *attack : {"replay", "tampered", "not-whitelisted", "expired-nonce",
                               "wrong-key", "stolen-key-no-serial", "unsigned"}) {
        const QRegularExpression row(
                QStringLiteral("^  %1\\s+(\\S+)\\s+(\\S+)\\s+rejected as expected$")
                        .arg(QLatin1String(attack)),
                QRegularExpression::MultilineOption);
        const auto match = row.match(out);
        QVERIFY2(match.hasMatch(), attack);
        QCOMPARE(match.captured(1), match.captured(2));
    }
    QVERIFY(out.contains(QLatin1String("gw -> controller")));
    QVERIFY(out.contains(QLatin1String("ns/op")));
    QVERIFY(out.contains(QLatin1String("200 of 200")));
}

void tst_Wardenctl::demoJson()
{
    const Run run = wardenctl({QStringLiteral("--json"), QStringLiteral("demo"),
                               QStringLiteral("--nodes"), QStringLiteral("5"),
                               QStringLiteral("--frames"), QStringLiteral("100")});
    QCOMPARE(run.exitCode, 0);
    const QJsonObject demo = jsonOf(run)[u"demo"].toObject();
    QCOMPARE(demo[u"passed"].toBool(), true);
    QCOMPARE(demo[u"nodes"].toInt(), 5);
    const QJsonArray honest = demo[u"honest"].toArray();
    QCOMPARE(honest.size(), 5);
    for (const QJsonValue &h : honest) {
        QCOMPARE(h[u"verdict"].toString(), QStringLiteral("verified"));
        QVERIFY(!h[u"controller_line"].toString().isEmpty());
        QCOMPARE(h[u"frame_hex"].toString().size(), 64); // signed frames are 32 bytes
    }
    const QJsonArray attacks = demo[u"attacks"].toArray();
    QVERIFY(attacks.size() >= 6);
    QStringList verdicts;
    for (const QJsonValue &a : attacks) {
        QCOMPARE(a[u"verdict"].toString(), a[u"expected"].toString());
        QCOMPARE(a[u"rejected_as_expected"].toBool(), true);
        verdicts << a[u"verdict"].toString();
    }
    for (const char *v :
         {"no-nonce", "bad-signature", "not-whitelisted", "nonce-expired", "not-signed"})
        QVERIFY2(verdicts.contains(QLatin1String(v)), v);
    const QJsonObject counts = demo[u"counts"].toObject();
    QCOMPARE(counts[u"honest_sent"].toInt(), 5);
    QCOMPARE(counts[u"honest_verified"].toInt(), 5);
    QCOMPARE(counts[u"verified"].toInt(), 5);
    QCOMPARE(counts[u"rejected"].toInt(), int(attacks.size()));
    QCOMPARE(counts[u"received"].toInt(),
             counts[u"exempt"].toInt() + counts[u"verified"].toInt() + counts[u"rejected"].toInt());
    const QJsonObject timing = demo[u"timing"].toObject();
    QCOMPARE(timing[u"frames"].toInt(), 100);
    QCOMPARE(timing[u"verified"].toInt(), 100);
    QVERIFY(timing[u"sign_ns_per_op"].toDouble() > 0);
    QVERIFY(timing[u"verify_ns_per_op"].toDouble() > 0);
    QVERIFY(QRegularExpression(QStringLiteral("^[0-9a-f]{4}(-[0-9a-f]{4}){3}$"))
                    .match(demo[u"key_fingerprint"].toString())
                    .hasMatch());
    QVERIFY(!demo[u"transcript"].toArray().isEmpty());
}

void tst_Wardenctl::demoSeedReproducible()
{
    const auto runSeed = [](const char *seed) {
        return jsonOf(wardenctl({QStringLiteral("--json"), QStringLiteral("demo"),
                                 QStringLiteral("--seed"), QLatin1String(seed),
                                 QStringLiteral("--frames"), QStringLiteral("10")}))[u"demo"]
                .toObject();
    };
    const QJsonObject a = runSeed("42");
    const QJsonObject b = runSeed("42");
    const QJsonObject c = runSeed("43");
    QCOMPARE(a[u"passed"].toBool(), true);
    QCOMPARE(a[u"key_fingerprint"], b[u"key_fingerprint"]);
    QCOMPARE(a[u"honest"], b[u"honest"]);
    QVERIFY(a[u"key_fingerprint"] != c[u"key_fingerprint"]);
    QVERIFY(a[u"honest"] != c[u"honest"]);
}

QTEST_GUILESS_MAIN(tst_Wardenctl)
#include "tst_wardenctl.moc"
