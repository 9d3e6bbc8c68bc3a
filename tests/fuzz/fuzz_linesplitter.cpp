// Fuzzes the LineSplitter that cuts every gateway byte stream (serial, TCP) into controller
// lines. The first input byte picks the line limit, the second the chunking; the rest is the
// stream. Invariants, each an abort() when broken:
//  - a delivered line is non-empty, within the limit, and has no CR, LF or other control byte;
//  - the splitter never holds more than one line's worth of bytes;
//  - the lines and reports are exactly those of a plain reference model (split on CR/LF; a
//    piece over the limit is one report, as soon as it passes the limit, even unterminated; a
//    piece with a control byte is one report), however the stream is chunked.
#include <warden/link.h>

#include <QtCore/QByteArrayList>

#include <cstdio>
#include <cstdlib>

using Warden::LineSplitter;

namespace {

#define FUZZ_CHECK(condition) \
    do { \
        if (!(condition)) { \
            std::fprintf(stderr, "fuzz_linesplitter: invariant broken at line %d: %s\n", __LINE__, \
                         #condition); \
            std::abort(); \
        } \
    } while (false)

bool isControl(char c)
{
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
}

struct Outcome
{
    QByteArrayList lines;
    int reports = 0;
};

Outcome reference(QByteArrayView stream, qsizetype maxLine)
{
    Outcome out;
    QByteArray piece;
    qsizetype length = 0;
    bool control = false;
    for (const char c : stream) {
        if (c == '\n' || c == '\r') {
            if (length > 0 && length <= maxLine) {
                if (control)
                    ++out.reports;
                else
                    out.lines.append(piece);
            }
            piece.clear();
            length = 0;
            control = false;
            continue;
        }
        ++length;
        if (length == maxLine + 1)
            ++out.reports; // reported when it passes the limit
        if (length <= maxLine) {
            piece.append(c);
            control = control || isControl(c);
        }
    }
    return out;
}

Outcome split(QByteArrayView stream, qsizetype maxLine, unsigned chunking)
{
    Outcome out;
    LineSplitter splitter(maxLine);
    FUZZ_CHECK(splitter.maxLine() == maxLine);
    auto line = [&](const QByteArray &l) {
        FUZZ_CHECK(!l.isEmpty() && l.size() <= maxLine);
        for (const char c : l)
            FUZZ_CHECK(!isControl(c));
        out.lines.append(l);
    };
    auto malformed = [&](const QString &what) {
        FUZZ_CHECK(!what.isEmpty());
        ++out.reports;
    };
    // chunking 0: all at once; otherwise pieces of pseudo-random sizes 1..chunking.
    unsigned state = chunking * 2654435761u + 1;
    qsizetype at = 0;
    while (at < stream.size()) {
        qsizetype n = stream.size() - at;
        if (chunking != 0) {
            state = state * 1103515245u + 12345u;
            n = std::min<qsizetype>(n, 1 + qsizetype((state >> 16) % chunking));
        }
        splitter.feed(stream.sliced(at, n), line, malformed);
        FUZZ_CHECK(splitter.buffered() <= maxLine);
        FUZZ_CHECK(splitter.skipping() == 0 || splitter.buffered() == 0);
        at += n;
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    // 0 picks the real limit; otherwise small limits reach the edges quickly.
    const qsizetype maxLine = data[0] == 0 ? Warden::kMaxIncomingLine : 1 + data[0] % 40;
    const unsigned chunking = data[1];
    const QByteArrayView stream(reinterpret_cast<const char *>(data + 2), qsizetype(size - 2));

    const Outcome expected = reference(stream, maxLine);
    const Outcome whole = split(stream, maxLine, 0);
    FUZZ_CHECK(whole.lines == expected.lines);
    FUZZ_CHECK(whole.reports == expected.reports);
    if (chunking != 0) {
        const Outcome pieces = split(stream, maxLine, chunking);
        FUZZ_CHECK(pieces.lines == expected.lines);
        FUZZ_CHECK(pieces.reports == expected.reports);
    }
    return 0;
}
