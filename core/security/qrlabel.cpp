// QR labels: libqrencode for the module grid; SVG and PNG written here (core has no QtGui).
#include <warden/qrlabel.h>

#include <QtCore/QSaveFile>
#include <QtCore/QtEndian>

#include <qrencode.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace Warden {

class QrLabelPrivate
{
public:
    quint8 nodeId = 0;
    Serial serial {};
    QString fingerprint;
    QByteArray payload;
    int version = 0;
    int modules = 0;
    QByteArray grid; ///< modules * modules bytes, row by row: 1 = dark
};

namespace {

/// "ab12-cd34-ef56-7890": four groups of four lowercase hex digits.
bool isFingerprint(const QString &text)
{
    if (text.size() != 19)
        return false;
    for (int i = 0; i < text.size(); ++i) {
        const char16_t c = text[i].unicode();
        if (i % 5 == 4) {
            if (c != u'-')
                return false;
        } else if (!((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f'))) {
            return false;
        }
    }
    return true;
}

Result<int> checkScale(int scale)
{
    if (scale < 1 || scale > QrLabel::kMaxScale)
        return fail(ErrorCode::InvalidArgument, QStringLiteral("label scale %1 is outside 1..%2")
                                                        .arg(scale)
                                                        .arg(QrLabel::kMaxScale));
    return scale;
}

/// CRC-32 as PNG uses it (ISO 3309 / ITU-T V.42: reflected polynomial 0xEDB88320).
quint32 crc32(const char *data, qsizetype size, quint32 crc = 0)
{
    static const auto table = [] {
        std::array<quint32, 256> t {};
        for (quint32 n = 0; n < 256; ++n) {
            quint32 c = n;
            for (int k = 0; k < 8; ++k)
                c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }();
    crc = ~crc;
    for (qsizetype i = 0; i < size; ++i)
        crc = table[(crc ^ quint8(data[i])) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

void appendBigEndian(QByteArray &out, quint32 value)
{
    char bytes[4];
    qToBigEndian(value, bytes);
    out.append(bytes, 4);
}

void appendChunk(QByteArray &png, const char type[4], const QByteArray &data)
{
    appendBigEndian(png, quint32(data.size()));
    const qsizetype start = png.size();
    png.append(type, 4);
    png.append(data);
    appendBigEndian(png, crc32(png.constData() + start, png.size() - start));
}

Result<void> saveFile(const QString &path, const QByteArray &content)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(ErrorCode::Refused,
                    QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    if (file.write(content) != content.size() || !file.commit())
        return fail(ErrorCode::Refused,
                    QStringLiteral("cannot save %1: %2").arg(path, file.errorString()));
    return {};
}

} // namespace

QrLabel::QrLabel(std::shared_ptr<const QrLabelPrivate> dd)
    : d(std::move(dd))
{ }

QrLabel::QrLabel(const QrLabel &other) = default;
QrLabel &QrLabel::operator=(const QrLabel &other) = default;
QrLabel::~QrLabel() = default;

Result<QrLabel> QrLabel::create(quint8 nodeId, const Serial &serial, const QString &keyFingerprint)
{
    if (nodeId == 255)
        return fail(
                ErrorCode::InvalidArgument,
                QStringLiteral("node ID 255 means \"not assigned\"; a label names node 0..254"));
    if (!isFingerprint(keyFingerprint))
        return fail(ErrorCode::InvalidArgument,
                    QStringLiteral("a key fingerprint must look like ab12-cd34-ef56-7890 (%1 "
                                   "characters given)")
                            .arg(keyFingerprint.size()));
    auto p = std::make_shared<QrLabelPrivate>();
    p->nodeId = nodeId;
    p->serial = serial;
    p->fingerprint = keyFingerprint;
    p->payload
            = QByteArray("WARDEN1;node=") + QByteArray::number(nodeId) + ";serial="
              + QByteArray(reinterpret_cast<const char *>(serial.data()), qsizetype(serial.size()))
                        .toHex()
                        .toUpper()
              + ";fp=" + keyFingerprint.toLatin1();

    // Level M: a label survives some scratches, and the code stays small (version 4-5).
    QRcode *code = QRcode_encodeString8bit(p->payload.constData(), 0, QR_ECLEVEL_M);
    if (!code)
        return fail(ErrorCode::Refused, QStringLiteral("libqrencode could not encode the label: %1")
                                                .arg(QString::fromLocal8Bit(std::strerror(errno))));
    p->version = code->version;
    p->modules = code->width;
    p->grid.resize(qsizetype(code->width) * code->width);
    for (qsizetype i = 0; i < p->grid.size(); ++i)
        p->grid[i] = char(code->data[i] & 1); // bit 0 = dark; the other bits describe roles
    QRcode_free(code);
    return QrLabel(std::move(p));
}

Result<QrLabel> QrLabel::forKey(quint8 nodeId, const Serial &serial, const SecretBytes &key)
{
    if (key.isEmpty())
        return fail(ErrorCode::InvalidArgument, QStringLiteral("the node has no key to label"));
    return create(nodeId, serial, key.fingerprint());
}

quint8 QrLabel::nodeId() const
{
    return d->nodeId;
}

Serial QrLabel::serial() const
{
    return d->serial;
}

QString QrLabel::fingerprint() const
{
    return d->fingerprint;
}

QByteArray QrLabel::payload() const
{
    return d->payload;
}

int QrLabel::version() const
{
    return d->version;
}

int QrLabel::modules() const
{
    return d->modules;
}

bool QrLabel::isDark(int x, int y) const
{
    if (x < 0 || y < 0 || x >= d->modules || y >= d->modules)
        return false;
    return d->grid[qsizetype(y) * d->modules + x] != 0;
}

Result<QByteArray> QrLabel::toSvg(int scale) const
{
    if (auto ok = checkScale(scale); !ok)
        return tl::unexpected(ok.error());
    const int codeSide = (d->modules + 2 * kQuietZone) * scale;
    const QByteArray lines[] = {
            "node " + QByteArray::number(d->nodeId),
            "serial "
                    + QByteArray(reinterpret_cast<const char *>(d->serial.data()),
                                 qsizetype(d->serial.size()))
                              .toHex()
                              .toUpper(),
            "key " + d->fingerprint.toLatin1(),
    };
    // A monospace glyph is about 0.6 em wide; the caption may widen the label, never overflow.
    const int fontSize = 2 * scale;
    qsizetype longest = 0;
    for (const QByteArray &line : lines)
        longest = std::max(longest, line.size());
    const int width
            = std::max<int>(codeSide, int(longest * fontSize * 6 / 10) + 2 * kQuietZone * scale);
    const int lineHeight = fontSize * 5 / 4;
    const int height = codeSide + 3 * lineHeight + kQuietZone * scale;
    const int codeLeft = (width - codeSide) / 2;

    QByteArray svg;
    const QByteArray w = QByteArray::number(width), h = QByteArray::number(height);
    svg += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + w + "\" height=\""
           + h + "\" viewBox=\"0 0 " + w + ' ' + h + "\">\n";
    svg += "<title>Warden node " + QByteArray::number(d->nodeId) + "</title>\n";
    svg += "<rect width=\"" + w + "\" height=\"" + h + "\" fill=\"#fff\"/>\n";
    svg += "<g id=\"qr\" fill=\"#000\" shape-rendering=\"crispEdges\">\n";
    const QByteArray s = QByteArray::number(scale);
    for (int y = 0; y < d->modules; ++y) {
        for (int x = 0; x < d->modules;) {
            if (!isDark(x, y)) {
                ++x;
                continue;
            }
            int run = 1;
            while (isDark(x + run, y))
                ++run;
            svg += "<rect x=\"" + QByteArray::number(codeLeft + (x + kQuietZone) * scale)
                   + "\" y=\"" + QByteArray::number((y + kQuietZone) * scale) + "\" width=\""
                   + QByteArray::number(run * scale) + "\" height=\"" + s + "\"/>\n";
            x += run;
        }
    }
    svg += "</g>\n";
    svg += "<g id=\"caption\" font-family=\"monospace\" font-size=\"" + QByteArray::number(fontSize)
           + "\" fill=\"#000\">\n";
    // The caption starts below the code's quiet zone, left-aligned with the code itself.
    const int textLeft = std::max(codeLeft + kQuietZone * scale, kQuietZone * scale);
    for (int i = 0; i < 3; ++i) {
        svg += "<text x=\"" + QByteArray::number(textLeft) + "\" y=\""
               + QByteArray::number(codeSide + i * lineHeight + fontSize) + "\">" + lines[i]
               + "</text>\n";
    }
    svg += "</g>\n</svg>\n";
    return svg;
}

Result<QByteArray> QrLabel::toPng(int scale) const
{
    if (auto ok = checkScale(scale); !ok)
        return tl::unexpected(ok.error());
    const int side = (d->modules + 2 * kQuietZone) * scale;
    const int rowBytes = (side + 7) / 8;

    // Scanlines: filter byte 0 (none), then 1 bit per pixel, most significant bit first;
    // in 1-bit grayscale 0 is black and 1 is white. Padding bits at a row's end stay 0.
    QByteArray raw(qsizetype(side) * (1 + rowBytes), '\0');
    for (int py = 0; py < side; ++py) {
        char *row = raw.data() + qsizetype(py) * (1 + rowBytes) + 1;
        const int my = py / scale - kQuietZone;
        for (int px = 0; px < side; ++px) {
            if (!isDark(px / scale - kQuietZone, my))
                row[px / 8] = char(quint8(row[px / 8]) | (0x80u >> (px % 8)));
        }
    }
    // qCompress gives a zlib stream behind a 4-byte length of its own; PNG wants the stream.
    const QByteArray idat = qCompress(raw, 9).sliced(4);

    QByteArray ihdr;
    appendBigEndian(ihdr, quint32(side));
    appendBigEndian(ihdr, quint32(side));
    ihdr.append(char(1)); // bit depth
    ihdr.append(char(0)); // colour type: grayscale
    ihdr.append(char(0)); // compression: deflate
    ihdr.append(char(0)); // filter method 0
    ihdr.append(char(0)); // no interlace

    QByteArray png("\x89PNG\r\n\x1A\n", 8);
    appendChunk(png, "IHDR", ihdr);
    appendChunk(png, "IDAT", idat);
    appendChunk(png, "IEND", QByteArray());
    return png;
}

Result<void> QrLabel::writeSvg(const QString &path, int scale) const
{
    auto svg = toSvg(scale);
    if (!svg)
        return tl::unexpected(svg.error());
    return saveFile(path, *svg);
}

Result<void> QrLabel::writePng(const QString &path, int scale) const
{
    auto png = toPng(scale);
    if (!png)
        return tl::unexpected(png.error());
    return saveFile(path, *png);
}

} // namespace Warden
