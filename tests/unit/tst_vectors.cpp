// Every vector of ../shared/vectors (and of WARDEN_VECTORS) with both SHA-256 backends:
// signing verdicts and exact signatures, controller lines, RS485 frames. A vector kind this
// test does not know is a failure, not a skip.
#include <warden/protocol/message.h>
#include <warden/protocol/rs485.h>
#include <warden/protocol/signing.h>
#include <warden/protocol/textcodec.h>

#include "crypto/botansha256.h"
#include "vectorfiles.h"

#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtTest/QtTest>

using namespace Warden::Protocol;
using namespace Qt::StringLiterals;

namespace {

enum class Backend { Portable, Botan };

Sha256Compressor &backendFor(Backend b)
{
    static PortableSha256 portable;
    return b == Backend::Portable ? static_cast<Sha256Compressor &>(portable)
                                  : Warden::Internal::botanSha256();
}

const uint8_t *u8(const QByteArray &a)
{
    return reinterpret_cast<const uint8_t *>(a.constData());
}

QByteArray bytes(const uint8_t *p, size_t n)
{
    return QByteArray(reinterpret_cast<const char *>(p), qsizetype(n));
}

} // namespace

Q_DECLARE_METATYPE(Backend)

class tst_Vectors : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void vector_data();
    void vector();
    void coverage();

private:
    void checkSigning(const QJsonObject &v, Backend backend);
    void checkSerialLine(const QJsonObject &v);
    void checkRs485(const QJsonObject &v);

    QList<QPair<QString, QJsonObject>> m_vectors;
    int m_signingValid = 0;
    int m_signingInvalid = 0;
    int m_signaturesReproduced = 0;
    int m_lines = 0;
    int m_rs485 = 0;
};

void tst_Vectors::initTestCase()
{
    const QStringList files = WardenTest::vectorFiles();
    QVERIFY(!files.isEmpty());
    for (const QString &path : files) {
        QFile file(path);
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(u"cannot open "_s + path));
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
        QVERIFY2(error.error == QJsonParseError::NoError,
                 qPrintable(path + u": "_s + error.errorString()));
        QVERIFY2(doc.isArray(), qPrintable(path + u": not a JSON list"_s));
        const QJsonArray list = doc.array();
        for (qsizetype i = 0; i < list.size(); ++i) {
            const QJsonObject v = list.at(i).toObject();
            m_vectors.append({QStringLiteral("%1#%2 %3")
                                      .arg(QFileInfo(path).fileName())
                                      .arg(i)
                                      .arg(v.value(u"kind").toString()),
                              v});
        }
    }
    qInfo("%lld vectors from %lld file(s)", qlonglong(m_vectors.size()), qlonglong(files.size()));
}

void tst_Vectors::vector_data()
{
    QTest::addColumn<QJsonObject>("v");
    QTest::addColumn<Backend>("backend");
    for (const auto &[name, v] : std::as_const(m_vectors)) {
        if (v.value(u"kind").toString() == u"signing") {
            QTest::newRow(qPrintable(name + u" portable"_s)) << v << Backend::Portable;
            QTest::newRow(qPrintable(name + u" botan"_s)) << v << Backend::Botan;
        } else {
            QTest::newRow(qPrintable(name)) << v << Backend::Portable;
        }
    }
}

void tst_Vectors::vector()
{
    QFETCH(QJsonObject, v);
    QFETCH(Backend, backend);
    const QString kind = v.value(u"kind").toString();
    if (kind == u"meta")
        QVERIFY(v.contains(u"conventions"));
    else if (kind == u"signing")
        checkSigning(v, backend);
    else if (kind == u"serial_line")
        checkSerialLine(v);
    else if (kind == u"rs485_frame")
        checkRs485(v);
    else
        QFAIL(qPrintable(u"vector kind not understood: "_s + kind));
}

void tst_Vectors::checkSigning(const QJsonObject &v, Backend backend)
{
    Sha256Compressor &sha = backendFor(backend);
    const bool valid = v.value(u"valid").toBool();
    const QByteArray wire = WardenTest::fromHex(v[u"message_hex"]);
    const QByteArray key = WardenTest::fromHex(v[u"hmac_key_hex"]);
    QByteArray nonce = WardenTest::fromHex(
            v.contains(u"verifier_nonce_hex") ? v[u"verifier_nonce_hex"] : v[u"nonce_hex"]);
    QCOMPARE(key.size(), 32);
    QCOMPARE(nonce.size(), 32);

    // (a) The verifier's verdict, with its key, nonce and whitelist.
    Message message;
    const DecodeError decodeError = Message::decode(u8(wire), size_t(wire.size()), message);
    Verdict verdict = Verdict::BadSignature;
    if (decodeError == DecodeError::None) {
        LegacySigner verifier(sha);
        verifier.setKey(u8(key));
        QByteArray serial;
        bool listed = true;
        if (v.value(u"whitelisting").toBool()) {
            const QJsonValue s = v.value(u"verifier_serial_hex");
            listed = s.isString();
            serial = WardenTest::fromHex(s);
        }
        if (!listed) {
            verdict = Verdict::NotWhitelisted;
        } else {
            QVERIFY(serial.isEmpty() || serial.size() == int(kSerialSize));
            verdict = verifier.verify(message, u8(nonce), serial.isEmpty() ? nullptr : u8(serial));
        }
    }
    const QByteArray why = QByteArray("decode: ") + decodeErrorName(decodeError) + ", verdict: "
                           + verdictName(verdict) + ", vector says " + (valid ? "valid" : "invalid")
                           + " (" + v.value(u"reason").toString().toUtf8()
                           + v.value(u"tamper").toString().toUtf8() + ")";
    QVERIFY2((verdict == Verdict::Verified) == valid, why.constData());
    (valid ? m_signingValid : m_signingInvalid) += backend == Backend::Portable;

    // (b) Every untampered valid vector: the signer reproduces the signature exactly.
    if (!valid || !v.value(u"tamper").isNull())
        return;
    const QByteArray signerKey = WardenTest::fromHex(
            v.contains(u"signer_hmac_key_hex") ? v[u"signer_hmac_key_hex"] : v[u"hmac_key_hex"]);
    const QByteArray signerNonce = WardenTest::fromHex(v[u"nonce_hex"]);
    const QByteArray ownSerial = WardenTest::fromHex(v[u"serial_hex"]);
    const bool salted = v.value(u"signer_salted").toBool();
    QCOMPARE(ownSerial.size(), int(kSerialSize));

    Message toSign = message;
    toSign.setSigned(false); // start from the unsigned message, as a sender would
    LegacySigner signer(sha);
    signer.setKey(u8(signerKey));

    const QByteArray unsalted = WardenTest::fromHex(v[u"hmac_unsalted_hex"]);
    if (unsalted.size() == 32) {
        uint8_t h[32];
        signer.computeHmac(toSign, u8(signerNonce), h);
        QCOMPARE(bytes(h, 32).toHex(), unsalted.toHex());
    }
    QCOMPARE(signer.sign(toSign, u8(signerNonce), salted ? u8(ownSerial) : nullptr),
             SignResult::Ok);
    QCOMPARE(bytes(toSign.signature(), toSign.signatureLength()).toHex(),
             v[u"signature_hex"].toString().toLatin1());
    QCOMPARE(bytes(toSign.data(), toSign.size()).toHex(), wire.toHex());
    m_signaturesReproduced += backend == Backend::Portable;
}

void tst_Vectors::checkSerialLine(const QJsonObject &v)
{
    const QByteArray line = v.value(u"line").toString().toUtf8();
    const QJsonObject f = v.value(u"fields").toObject();
    ControllerLine parsed;
    uint8_t badField = 0xFF;
    const LineError error
            = parseControllerLine(line.constData(), size_t(line.size()), parsed, &badField);
    QVERIFY2(error == LineError::None, lineErrorText(error));
    QCOMPARE(int(parsed.nodeId), f.value(u"node_id").toInt(-1));
    QCOMPARE(int(parsed.childSensorId), f.value(u"child_sensor_id").toInt(-1));
    QCOMPARE(int(parsed.command), f.value(u"command").toInt(-1));
    QCOMPARE(int(parsed.ack), f.value(u"ack").toInt(-1));
    QCOMPARE(int(parsed.type), f.value(u"type").toInt(-1));
    QCOMPARE(QByteArray(parsed.payload, parsed.payloadLength),
             f.value(u"payload").toString().toUtf8());

    char out[kMaxControllerLineSize + 1];
    const size_t n = formatControllerLine(parsed, out, sizeof out);
    QCOMPARE(QByteArray(out, qsizetype(n)), line);

    if (!v.contains(u"message_hex"))
        return;
    const QByteArray wire = WardenTest::fromHex(v[u"message_hex"]);
    Message message;
    QCOMPARE(Message::decode(u8(wire), size_t(wire.size()), message), DecodeError::None);
    if (v.value(u"direction").toString() == u"gateway->controller") {
        // The gateway renders what it received (and verified) as this line.
        ControllerLine rendered;
        QVERIFY(messageToControllerLine(message, rendered));
        const size_t m = formatControllerLine(rendered, out, sizeof out);
        QCOMPARE(QByteArray(out, qsizetype(m)), line);
    } else {
        // The gateway built this message from the line (then signed it).
        Message built;
        QCOMPARE(controllerLineToMessage(parsed, built), LineError::None);
        built.setSigned(true);
        const size_t covered = kHeaderSize + built.payloadLength();
        QCOMPARE(bytes(built.data(), covered).toHex(), wire.left(qsizetype(covered)).toHex());
    }
    ++m_lines;
}

void tst_Vectors::checkRs485(const QJsonObject &v)
{
    const QByteArray frame = WardenTest::fromHex(v[u"frame_hex"]);
    const QByteArray inner = WardenTest::fromHex(v[u"message_hex"]);
    Rs485Frame decoded;
    const Rs485Error error = rs485Decode(u8(frame), size_t(frame.size()), decoded);
    if (!v.value(u"checksum_ok").toBool(true)) {
        QCOMPARE(error, Rs485Error::BadChecksum);
        return;
    }
    QVERIFY2(error == Rs485Error::None, rs485ErrorText(error));
    QCOMPARE(int(decoded.to), v.value(u"rs485_to").toInt(-1));
    QCOMPARE(int(decoded.from), v.value(u"rs485_from").toInt(-1));
    QCOMPARE(int(decoded.command), v.value(u"rs485_command").toInt(-1));
    QCOMPARE(int(decoded.length), v.value(u"rs485_length").toInt(-1));
    QCOMPARE(int(decoded.checksum), v.value(u"rs485_checksum").toInt(-1));
    QCOMPARE(bytes(decoded.data, decoded.length).toHex(), inner.toHex());

    // Encode the message back to the same frame (same number of leading SOH bytes).
    const size_t sohCount = size_t(frame.size()) - decoded.length - 8;
    uint8_t out[kRs485MaxFrameSize];
    const size_t n = rs485Encode(decoded.to, decoded.from, u8(inner), size_t(inner.size()), out,
                                 sizeof out, uint8_t(sohCount));
    QCOMPARE(bytes(out, n).toHex(), frame.toHex());

    // The message inside decodes to the stated fields.
    Message message;
    QCOMPARE(Message::decode(u8(inner), size_t(inner.size()), message), DecodeError::None);
    const QJsonObject m = v.value(u"message").toObject();
    QCOMPARE(int(message.last()), m.value(u"last").toInt(-1));
    QCOMPARE(int(message.sender()), m.value(u"sender").toInt(-1));
    QCOMPARE(int(message.destination()), m.value(u"destination").toInt(-1));
    QCOMPARE(int(message.version()), m.value(u"version").toInt(-1));
    QCOMPARE(message.isSigned(), m.value(u"signed").toBool());
    QCOMPARE(int(message.payloadLength()), m.value(u"length").toInt(-1));
    QCOMPARE(int(message.command()), m.value(u"command").toInt(-1));
    QCOMPARE(message.requestEcho(), m.value(u"echo_request").toBool());
    QCOMPARE(message.isEcho(), m.value(u"echo").toBool());
    QCOMPARE(int(message.payloadType()), m.value(u"payload_type").toInt(-1));
    QCOMPARE(int(message.type()), m.value(u"type").toInt(-1));
    QCOMPARE(int(message.sensor()), m.value(u"sensor").toInt(-1));
    ++m_rs485;
}

void tst_Vectors::coverage()
{
    // The shipped file alone has 388 valid (379 untampered) and 71 invalid signing vectors,
    // 98 lines with a message plus 3 without, and 21 RS485 frames; a run that checked fewer
    // did not read it.
    qInfo("signing: %d valid, %d invalid, %d signatures reproduced; lines: %d; rs485: %d",
          m_signingValid, m_signingInvalid, m_signaturesReproduced, m_lines, m_rs485);
    QVERIFY(m_signingValid >= 388);
    QVERIFY(m_signingInvalid >= 71);
    QVERIFY(m_signaturesReproduced >= 379);
    QVERIFY(m_lines >= 98);
    QVERIFY(m_rs485 >= 21);
}

QTEST_GUILESS_MAIN(tst_Vectors)
#include "tst_vectors.moc"
