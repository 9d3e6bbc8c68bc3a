// QR labels: the payload text, the module grid against libqrencode itself, the PNG taken apart
// (signature, chunk CRCs, IHDR, IDAT inflated and compared pixel by pixel), the SVG's dark
// modules, and that no key ever enters a label. No QR decoder is available, so structure is
// what is checked.
#include <warden/qrlabel.h>

#include <QtCore/QFile>
#include <QtCore/QSet>
#include <QtCore/QTemporaryDir>
#include <QtCore/QXmlStreamReader>
#include <QtCore/QtEndian>
#include <QtTest/QtTest>

#include <qrencode.h>

using namespace Warden;
using namespace Qt::StringLiterals;

// The message of a Result is only read when it failed (QVERIFY2 evaluates it anyway).
#define QVERIFY_OK(result) \
    QVERIFY2(bool(result), (result) ? "" : qPrintable((result).error().message()))

namespace {

Serial serialFrom(const QByteArray &hex)
{
    Serial s {};
    const QByteArray bytes = QByteArray::fromHex(hex);
    Q_ASSERT(bytes.size() == qsizetype(s.size()));
    std::memcpy(s.data(), bytes.constData(), s.size());
    return s;
}

/// The reference grid straight from libqrencode, with the label's documented parameters.
struct Reference
{
    int version = 0;
    int width = 0;
    QByteArray dark; // 1 per dark module
};

Reference reference(const QByteArray &payload)
{
    Reference r;
    QRcode *code = QRcode_encodeString8bit(payload.constData(), 0, QR_ECLEVEL_M);
    if (!code)
        return r;
    r.version = code->version;
    r.width = code->width;
    r.dark.resize(qsizetype(code->width) * code->width);
    for (qsizetype i = 0; i < r.dark.size(); ++i)
        r.dark[i] = char(code->data[i] & 1);
    QRcode_free(code);
    return r;
}

/// Bitwise CRC-32 (a different implementation from the table-driven one under test).
quint32 crc32Bitwise(QByteArrayView data)
{
    quint32 crc = 0xFFFFFFFFu;
    for (const char c : data) {
        crc ^= quint8(c);
        for (int k = 0; k < 8; ++k)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

struct Chunk
{
    QByteArray type;
    QByteArray data;
};

/// Splits a PNG into chunks; fails the test on a bad signature, length or CRC.
QList<Chunk> chunksOf(const QByteArray &png, bool *ok)
{
    *ok = false;
    QList<Chunk> out;
    if (!png.startsWith(QByteArray("\x89PNG\r\n\x1A\n", 8)))
        return out;
    qsizetype at = 8;
    while (at < png.size()) {
        if (png.size() - at < 12)
            return out;
        const quint32 length = qFromBigEndian<quint32>(png.constData() + at);
        if (length > quint32(png.size() - at - 12))
            return out;
        const QByteArray typeAndData = png.mid(at + 4, 4 + qsizetype(length));
        const quint32 crc = qFromBigEndian<quint32>(png.constData() + at + 8 + length);
        if (crc != crc32Bitwise(typeAndData))
            return out;
        out.append({typeAndData.left(4), typeAndData.mid(4)});
        at += 12 + qsizetype(length);
    }
    *ok = true;
    return out;
}

const QString kFingerprint = u"ab12-cd34-ef56-7890"_s;
const QByteArray kSerialHex = "0123456789ABCDEF01";

} // namespace

class tst_QrLabel : public QObject
{
    Q_OBJECT

private slots:
    void crcReference();
    void payload_data();
    void payload();
    void refusals_data();
    void refusals();
    void gridMatchesLibqrencode();
    void png_data();
    void png();
    void svg_data();
    void svg();
    void neverCarriesTheKey();
    void writesFiles();
};

void tst_QrLabel::crcReference()
{
    // The check value of CRC-32 (ISO 3309), and the CRC of the IEND chunk every PNG ends with.
    QCOMPARE(crc32Bitwise("123456789"), 0xCBF43926u);
    QCOMPARE(crc32Bitwise("IEND"), 0xAE426082u);
}

void tst_QrLabel::payload_data()
{
    QTest::addColumn<int>("node");
    QTest::addColumn<QByteArray>("serial");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("node 7") << 7 << kSerialHex
                            << QByteArray("WARDEN1;node=7;serial=0123456789ABCDEF01;"
                                          "fp=ab12-cd34-ef56-7890");
    QTest::newRow("gateway") << 0 << QByteArray("FFFFFFFFFFFFFFFFFF")
                             << QByteArray("WARDEN1;node=0;serial=FFFFFFFFFFFFFFFFFF;"
                                           "fp=ab12-cd34-ef56-7890");
    QTest::newRow("node 254") << 254 << QByteArray("00aabbccddeeff0011")
                              << QByteArray("WARDEN1;node=254;serial=00AABBCCDDEEFF0011;"
                                            "fp=ab12-cd34-ef56-7890");
}

void tst_QrLabel::payload()
{
    QFETCH(int, node);
    QFETCH(QByteArray, serial);
    QFETCH(QByteArray, expected);
    const auto label = QrLabel::create(quint8(node), serialFrom(serial), kFingerprint);
    QVERIFY_OK(label);
    QCOMPARE(label->payload(), expected);
    QCOMPARE(label->nodeId(), quint8(node));
    QVERIFY(label->serial() == serialFrom(serial));
    QCOMPARE(label->fingerprint(), kFingerprint);
    // Small enough for a small label: version 5 at most (37 modules).
    QVERIFY2(label->version() >= 1 && label->version() <= 5,
             qPrintable(QString::number(label->version())));
    QCOMPARE(label->modules(), 17 + 4 * label->version());
}

void tst_QrLabel::refusals_data()
{
    QTest::addColumn<int>("node");
    QTest::addColumn<QString>("fingerprint");
    QTest::addColumn<QString>("expected");
    QTest::newRow("node 255") << 255 << kFingerprint << u"node ID 255"_s;
    QTest::newRow("uppercase") << 1 << u"AB12-CD34-EF56-7890"_s << u"a key fingerprint must"_s;
    QTest::newRow("a key instead")
            << 1 << u"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"_s
            << u"a key fingerprint must look like ab12-cd34-ef56-7890 (64 characters given)"_s;
    QTest::newRow("empty") << 1 << QString() << u"a key fingerprint must"_s;
    QTest::newRow("colons") << 1 << u"ab12:cd34:ef56:7890"_s << u"a key fingerprint must"_s;
    QTest::newRow("not hex") << 1 << u"ab12-cd34-ef56-789g"_s << u"a key fingerprint must"_s;
}

void tst_QrLabel::refusals()
{
    QFETCH(int, node);
    QFETCH(QString, fingerprint);
    QFETCH(QString, expected);
    const auto label = QrLabel::create(quint8(node), serialFrom(kSerialHex), fingerprint);
    QVERIFY(!label);
    QVERIFY2(label.error().message().startsWith(expected), qPrintable(label.error().message()));

    const auto good = QrLabel::create(1, serialFrom(kSerialHex), kFingerprint);
    QVERIFY(good);
    for (const int scale : {0, -1, QrLabel::kMaxScale + 1}) {
        QVERIFY(!good->toPng(scale));
        QVERIFY(!good->toSvg(scale));
    }
    QVERIFY(!QrLabel::forKey(1, serialFrom(kSerialHex), SecretBytes()));
}

void tst_QrLabel::gridMatchesLibqrencode()
{
    const auto label = QrLabel::create(42, serialFrom(kSerialHex), kFingerprint);
    QVERIFY(label);
    const Reference ref = reference(label->payload());
    QVERIFY(ref.width > 0);
    QCOMPARE(label->version(), ref.version);
    QCOMPARE(label->modules(), ref.width);
    int dark = 0;
    for (int y = 0; y < ref.width; ++y) {
        for (int x = 0; x < ref.width; ++x) {
            QCOMPARE(label->isDark(x, y), ref.dark[y * ref.width + x] != 0);
            dark += label->isDark(x, y);
        }
    }
    // Finder pattern corners are dark, and outside the grid nothing is.
    QVERIFY(label->isDark(0, 0) && label->isDark(ref.width - 1, 0)
            && label->isDark(0, ref.width - 1));
    QVERIFY(!label->isDark(-1, 0) && !label->isDark(ref.width, 0) && !label->isDark(0, ref.width));
    QVERIFY(dark > ref.width * ref.width / 4 && dark < ref.width * ref.width * 3 / 4);
}

void tst_QrLabel::png_data()
{
    QTest::addColumn<int>("scale");
    QTest::newRow("1 pixel per module") << 1;
    QTest::newRow("3 pixels (rows not byte-aligned)") << 3;
    QTest::newRow("8 pixels") << 8;
}

void tst_QrLabel::png()
{
    QFETCH(int, scale);
    const auto label = QrLabel::create(7, serialFrom(kSerialHex), kFingerprint);
    QVERIFY(label);
    const Reference ref = reference(label->payload());
    const auto png = label->toPng(scale);
    QVERIFY_OK(png);

    bool ok = false;
    const QList<Chunk> chunks = chunksOf(*png, &ok);
    QVERIFY2(ok, "bad signature, chunk length or chunk CRC");
    QCOMPARE(chunks.size(), 3);
    QCOMPARE(chunks[0].type, QByteArray("IHDR"));
    QCOMPARE(chunks[1].type, QByteArray("IDAT"));
    QCOMPARE(chunks[2].type, QByteArray("IEND"));
    QVERIFY(chunks[2].data.isEmpty());

    const QByteArray &ihdr = chunks[0].data;
    QCOMPARE(ihdr.size(), 13);
    const int side = (ref.width + 2 * QrLabel::kQuietZone) * scale;
    QCOMPARE(qFromBigEndian<quint32>(ihdr.constData()), quint32(side));
    QCOMPARE(qFromBigEndian<quint32>(ihdr.constData() + 4), quint32(side));
    QCOMPARE(ihdr.mid(8), QByteArray("\x01\x00\x00\x00\x00", 5)); // 1-bit gray, deflate, none

    // IDAT is a zlib stream; qUncompress wants qCompress's 4-byte big-endian length before it.
    const int rowBytes = (side + 7) / 8;
    const qsizetype rawSize = qsizetype(side) * (1 + rowBytes);
    QByteArray prefixed(4, '\0');
    qToBigEndian(quint32(rawSize), prefixed.data());
    const QByteArray raw = qUncompress(prefixed + chunks[1].data);
    QCOMPARE(raw.size(), rawSize);
    for (int py = 0; py < side; ++py) {
        const char *row = raw.constData() + qsizetype(py) * (1 + rowBytes);
        QCOMPARE(int(row[0]), 0); // filter type None
        for (int px = 0; px < side; ++px) {
            const bool white = (quint8(row[1 + px / 8]) >> (7 - px % 8)) & 1;
            const int mx = px / scale - QrLabel::kQuietZone;
            const int my = py / scale - QrLabel::kQuietZone;
            const bool inside = mx >= 0 && my >= 0 && mx < ref.width && my < ref.width;
            const bool dark = inside && ref.dark[my * ref.width + mx] != 0;
            if (white == dark)
                QFAIL(qPrintable(u"pixel (%1, %2) is %3, module (%4, %5) is %6"_s.arg(px)
                                         .arg(py)
                                         .arg(white ? u"white"_s : u"black"_s)
                                         .arg(mx)
                                         .arg(my)
                                         .arg(dark ? u"dark"_s : u"light"_s)));
        }
    }
}

void tst_QrLabel::svg_data()
{
    QTest::addColumn<int>("scale");
    QTest::newRow("scale 1") << 1;
    QTest::newRow("scale 8") << 8;
}

void tst_QrLabel::svg()
{
    QFETCH(int, scale);
    const auto label = QrLabel::create(7, serialFrom(kSerialHex), kFingerprint);
    QVERIFY(label);
    const Reference ref = reference(label->payload());
    const auto svg = label->toSvg(scale);
    QVERIFY_OK(svg);

    QSet<int> expected;
    for (int i = 0; i < ref.dark.size(); ++i) {
        if (ref.dark[i])
            expected.insert(i);
    }
    QSet<int> drawn;
    QStringList caption;
    int width = 0;
    int height = 0;
    int codeLeft = -1;
    QString group;
    QXmlStreamReader xml(*svg);
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement()) {
            const auto a = xml.attributes();
            if (xml.name() == u"svg") {
                width = a.value(u"width"_s).toInt();
                height = a.value(u"height"_s).toInt();
                QCOMPARE(a.value(u"viewBox"_s).toString(), u"0 0 %1 %2"_s.arg(width).arg(height));
            } else if (xml.name() == u"g") {
                group = a.value(u"id"_s).toString();
            } else if (xml.name() == u"rect" && group == u"qr") {
                const int x = a.value(u"x"_s).toInt();
                const int y = a.value(u"y"_s).toInt();
                const int w = a.value(u"width"_s).toInt();
                QCOMPARE(a.value(u"height"_s).toInt(), scale);
                QVERIFY(w > 0 && w % scale == 0 && y % scale == 0);
                // The first run is the top row of the top-left finder pattern, at module
                // (0, 0): that places the code horizontally.
                if (codeLeft < 0)
                    codeLeft = x - QrLabel::kQuietZone * scale;
                QCOMPARE((x - codeLeft) % scale, 0);
                const int my = y / scale - QrLabel::kQuietZone;
                for (int i = 0; i < w / scale; ++i) {
                    const int mx = (x - codeLeft) / scale - QrLabel::kQuietZone + i;
                    QVERIFY(mx >= 0 && mx < ref.width && my >= 0 && my < ref.width);
                    QVERIFY2(!drawn.contains(my * ref.width + mx), "a module drawn twice");
                    drawn.insert(my * ref.width + mx);
                }
            } else if (xml.name() == u"text") {
                QCOMPARE(group, u"caption"_s);
                caption << xml.readElementText();
            }
        } else if (xml.isEndElement() && xml.name() == u"g") {
            group.clear();
        }
    }
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QCOMPARE(drawn, expected);
    QCOMPARE(caption, QStringList({u"node 7"_s, u"serial 0123456789ABCDEF01"_s,
                                   u"key ab12-cd34-ef56-7890"_s}));
    const int side = (ref.width + 2 * QrLabel::kQuietZone) * scale;
    QVERIFY(width >= side);
    QVERIFY(height > side); // room for the caption below the code
}

void tst_QrLabel::neverCarriesTheKey()
{
    // A key whose bytes and hex are easy to spot.
    QByteArray raw;
    for (int i = 0; i < 8; ++i)
        raw += QByteArray::fromHex("DEADBEEF");
    const SecretBytes key(reinterpret_cast<const uint8_t *>(raw.constData()), size_t(raw.size()));
    const auto label = QrLabel::forKey(9, serialFrom(kSerialHex), key);
    QVERIFY_OK(label);
    QCOMPARE(label->fingerprint(), key.fingerprint());
    QVERIFY(label->payload().endsWith(";fp=" + key.fingerprint().toLatin1()));

    const auto svg = label->toSvg();
    const auto png = label->toPng();
    QVERIFY(svg && png);
    for (const QByteArray &out : {label->payload(), *svg, *png}) {
        QVERIFY(!out.toLower().contains("deadbeef"));
        QVERIFY(!out.contains(raw.left(4)));
    }
    // The payload is exactly the documented fields, nothing else.
    const QList<QByteArray> fields = label->payload().split(';');
    QCOMPARE(fields.size(), 4);
    QCOMPARE(fields[0], QByteArray("WARDEN1"));
    QCOMPARE(fields[1], QByteArray("node=9"));
    QCOMPARE(fields[2], "serial=" + kSerialHex);
    QCOMPARE(fields[3].size(), 3 + 19);
}

void tst_QrLabel::writesFiles()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const auto label = QrLabel::create(3, serialFrom(kSerialHex), kFingerprint);
    QVERIFY(label);
    const QString svgPath = dir.filePath(u"node3.svg"_s);
    const QString pngPath = dir.filePath(u"node3.png"_s);
    QVERIFY(label->writeSvg(svgPath, 4));
    QVERIFY(label->writePng(pngPath, 4));
    QFile svg(svgPath);
    QFile png(pngPath);
    QVERIFY(svg.open(QIODevice::ReadOnly) && png.open(QIODevice::ReadOnly));
    QCOMPARE(svg.readAll(), *label->toSvg(4));
    QCOMPARE(png.readAll(), *label->toPng(4));
    const QString nowhere = dir.filePath(u"missing/node3.png"_s);
    const auto failed = label->writePng(nowhere);
    QVERIFY(!failed);
    QVERIFY2(failed.error().message().contains(nowhere), qPrintable(failed.error().message()));
    qInfo("version %d, %d modules; PNG at scale 4: %lld bytes; SVG: %lld bytes", label->version(),
          label->modules(), qlonglong(png.size()), qlonglong(svg.size()));
}

QTEST_GUILESS_MAIN(tst_QrLabel)
#include "tst_qrlabel.moc"
