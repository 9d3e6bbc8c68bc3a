#include "security/personalizationclient.h"

#include <warden/protocol/sha256.h>

#include <QtCore/QDeadlineTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QFileDevice>
#include <QtCore/QIODevice>
#include <QtCore/QLoggingCategory>
#include <QtCore/QTimer>

#include <cstring>

using namespace Qt::StringLiterals;

namespace Warden::Internal {

Q_LOGGING_CATEGORY(lcPerso, "warden.core.security.personalization")

namespace {

/// The node's lines are at most 80 characters; anything much longer is not the node.
constexpr qsizetype kMaxLine = 128;
/// Bytes a hello may stir up (INFO of several repeated hellos) before we give up.
constexpr qsizetype kMaxHelloBytes = 16 * 1024;
constexpr char kHello[] = "WARDEN PERSO 2";

void wipeBytes(QByteArray &bytes)
{
    if (!bytes.isEmpty())
        Protocol::secureZero(bytes.data(), size_t(bytes.size()));
    bytes.clear();
}

void appendHex(QByteArray &out, const uint8_t *data, size_t size)
{
    static const char kDigits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < size; ++i) {
        out.append(kDigits[data[i] >> 4]);
        out.append(kDigits[data[i] & 0x0F]);
    }
}

int hexNibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/// A fixed-length hex field: exactly 2 * @p size digits.
bool parseHexField(QByteArrayView text, uint8_t *out, qsizetype size)
{
    if (text.size() != 2 * size)
        return false;
    for (qsizetype i = 0; i < size; ++i) {
        const int hi = hexNibble(text[2 * i]);
        const int lo = hexNibble(text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = uint8_t((hi << 4) | lo);
    }
    return true;
}

template<typename T>
bool parseNumber(QByteArrayView text, T &out)
{
    uint8_t bytes[sizeof(T)] = {};
    if (!parseHexField(text, bytes, qsizetype(sizeof(T))))
        return false;
    T value = 0;
    for (uint8_t b : bytes)
        value = T((value << 8) | b);
    out = value;
    return true;
}

/// "ab12-cd34-ef56-7890" (lower case, as the node prints it), or "-" for none (-> empty).
bool parseFingerprint(QByteArrayView text, QString &out)
{
    if (text == "-") {
        out.clear();
        return true;
    }
    if (text.size() != 19)
        return false;
    for (qsizetype i = 0; i < 19; ++i) {
        const char c = text[i];
        const bool dash = i % 5 == 4;
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    out = QString::fromLatin1(text);
    return true;
}

/// A version as firmware prints it: digits and dots, short.
bool parseVersion(QByteArrayView text, QString &out)
{
    if (text.isEmpty() || text.size() > 16)
        return false;
    for (char c : text)
        if (!((c >= '0' && c <= '9') || c == '.'))
            return false;
    out = QString::fromLatin1(text);
    return true;
}

QList<QByteArrayView> words(const QByteArray &line)
{
    QList<QByteArrayView> out;
    qsizetype i = 0;
    while (i < line.size()) {
        while (i < line.size() && line[i] == ' ')
            ++i;
        const qsizetype start = i;
        while (i < line.size() && line[i] != ' ')
            ++i;
        if (i > start)
            out << QByteArrayView(line).sliced(start, i - start);
    }
    return out;
}

Error infoError(int index, const char *label, const char *what)
{
    return Error(ErrorCode::Malformed,
                 u"personalization: the node's INFO line %1 (%2) %3"_s.arg(index + 1).arg(
                         QLatin1StringView(label), QLatin1StringView(what)));
}

} // namespace

Result<PersonalizationInfo> parsePersonalizationInfo(const QList<QByteArray> &lines)
{
    PersonalizationInfo info;
    int index = 0;
    auto next = [&](const char *label, int arguments) -> Result<QList<QByteArrayView>> {
        if (index >= lines.size())
            return tl::unexpected(infoError(index, label, "is missing"));
        const QList<QByteArrayView> w = words(lines[index]);
        if (w.isEmpty() || w.front() != QByteArrayView(label))
            return tl::unexpected(infoError(index, label, "is not the line expected there"));
        if (w.size() != arguments + 1)
            return tl::unexpected(infoError(index, label, "has the wrong number of fields"));
        ++index;
        return w.mid(1);
    };
    auto bad = [&](const char *label) {
        return tl::unexpected(infoError(index - 1, label, "has a malformed field"));
    };

    auto version = next("VERSION", 3);
    if (!version)
        return tl::unexpected(version.error());
    if ((*version)[0] != "2")
        return fail(ErrorCode::Refused,
                    u"personalization: the node speaks another protocol version (this station "
                    "speaks 2)"_s);
    info.protocol = 2;
    if (!parseVersion((*version)[1], info.firmwareVersion)
        || !parseVersion((*version)[2], info.mysensorsVersion))
        return bad("VERSION");

    auto id = next("ID", 1);
    if (!id)
        return tl::unexpected(id.error());
    if (!parseNumber((*id)[0], info.nodeId) || info.nodeId == 0)
        return bad("ID");

    auto serial = next("SERIAL", 2);
    if (!serial)
        return tl::unexpected(serial.error());
    if (!parseHexField((*serial)[0], info.serial.data(), qsizetype(info.serial.size()))
        || ((*serial)[1] != "W" && (*serial)[1] != "L"))
        return bad("SERIAL");
    info.wardenSerial = (*serial)[1] == "W";

    auto link = next("LINK", 1);
    if (!link)
        return tl::unexpected(link.error());
    if (!parseFingerprint((*link)[0], info.linkFingerprint))
        return bad("LINK");

    auto net = next("NET", 2);
    if (!net)
        return tl::unexpected(net.error());
    if (!parseFingerprint((*net)[0], info.networkFingerprint)
        || !parseNumber((*net)[1], info.networkEpoch))
        return bad("NET");

    auto pend = next("PEND", 2);
    if (!pend)
        return tl::unexpected(pend.error());
    if (!parseFingerprint((*pend)[0], info.pendingFingerprint)
        || !parseNumber((*pend)[1], info.pendingEpoch))
        return bad("PEND");

    auto mgmt = next("MGMT", 2);
    if (!mgmt)
        return tl::unexpected(mgmt.error());
    if (!parseFingerprint((*mgmt)[0], info.managementFingerprint)
        || !parseNumber((*mgmt)[1], info.managementCounter))
        return bad("MGMT");

    auto legacy = next("LEGACY", 1);
    if (!legacy)
        return tl::unexpected(legacy.error());
    if (!parseFingerprint((*legacy)[0], info.legacyFingerprint))
        return bad("LEGACY");

    auto policy = next("POLICY", 1);
    if (!policy)
        return tl::unexpected(policy.error());
    if ((*policy)[0] != "-") {
        quint8 bits = 0;
        if (!parseNumber((*policy)[0], bits) || bits > 0x07)
            return bad("POLICY");
        info.policy = bits;
    }

    while (index < lines.size() && lines[index].startsWith("WL ")) {
        auto wl = next("WL", 2);
        if (!wl)
            return tl::unexpected(wl.error());
        quint8 node = 0;
        Serial entry {};
        if (info.whitelist.size() >= 16 || !parseNumber((*wl)[0], node) || node == 0xFF
            || !parseHexField((*wl)[1], entry.data(), qsizetype(entry.size())))
            return bad("WL");
        info.whitelist.append({node, entry});
    }

    auto lock = next("LOCK", 1);
    if (!lock)
        return tl::unexpected(lock.error());
    if (!parseNumber((*lock)[0], info.lockBudget))
        return bad("LOCK");
    if (index != lines.size())
        return tl::unexpected(infoError(index, "after LOCK", "is one line too many"));
    return info;
}

PersonalizationClient::PersonalizationClient(QIODevice *device, const Timeouts &timeouts)
    : m_device(device)
    , m_timeouts(timeouts)
{ }

PersonalizationClient::PersonalizationClient(QIODevice *device)
    : PersonalizationClient(device, Timeouts())
{ }

PersonalizationClient::~PersonalizationClient()
{
    wipeBytes(m_buffer);
}

void PersonalizationClient::write(const QByteArray &bytes)
{
    m_device->write(bytes);
    if (auto *file = qobject_cast<QFileDevice *>(m_device))
        file->flush();
}

void PersonalizationClient::pump(int ms)
{
    // readyRead ends the wait early; the short timer also serves devices that never emit it
    // (a pty opened as a QFile).
    if (ms > 0) {
        QEventLoop loop;
        QTimer timer;
        timer.setSingleShot(true);
        QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
        const auto connection
                = QObject::connect(m_device, &QIODevice::readyRead, &loop, &QEventLoop::quit);
        timer.start(qMin(ms, 10));
        loop.exec();
        QObject::disconnect(connection);
    }
    char chunk[512];
    for (;;) {
        const qint64 n = m_device->read(chunk, sizeof chunk);
        if (n <= 0)
            break;
        m_buffer.append(chunk, qsizetype(n));
    }
    Protocol::secureZero(chunk, sizeof chunk);
}

Result<std::optional<QByteArray>> PersonalizationClient::readLine(int ms)
{
    QDeadlineTimer deadline(ms);
    for (;;) {
        if (!m_device->isOpen() || !m_device->isReadable())
            return fail(ErrorCode::Refused, u"personalization: the serial line closed"_s);
        qsizetype end;
        while ((end = m_buffer.indexOf('\n')) >= 0) {
            QByteArray line = m_buffer.left(end);
            m_buffer.remove(0, end + 1);
            if (line.endsWith('\r'))
                line.chop(1);
            if (line.isEmpty())
                continue;
            if (line.size() > kMaxLine)
                return fail(ErrorCode::Malformed,
                            u"personalization: the node sent a line of %1 characters (at most "
                            "80 expected)"_s.arg(line.size()));
            return std::optional<QByteArray>(std::move(line));
        }
        if (m_buffer.size() > kMaxLine)
            return fail(ErrorCode::Malformed,
                        u"personalization: the node sent more than %1 characters without a "
                        "line end"_s.arg(kMaxLine));
        if (deadline.hasExpired())
            return std::optional<QByteArray>();
        pump(int(qMax<qint64>(1, deadline.remainingTime())));
    }
}

Result<PersonalizationInfo> PersonalizationClient::open()
{
    m_lastErrorCode = 0;
    m_lastTimedOut = false;
    QDeadlineTimer deadline(m_timeouts.helloMs);
    qsizetype seen = 0;
    bool answered = false;
    // The node answers nothing before its window opens, and opening the port may have reset
    // it: repeat the hello until it is answered.
    while (!answered) {
        if (deadline.hasExpired()) {
            m_lastTimedOut = true;
            return fail(
                    ErrorCode::Refused,
                    u"personalization: no answer to the hello within %1 ms (is the node "
                    "running Warden firmware, and was it just reset?)"_s.arg(m_timeouts.helloMs));
        }
        write(QByteArray(kHello) + '\n');
        QDeadlineTimer repeat(m_timeouts.helloRepeatMs);
        while (!answered && !repeat.hasExpired()) {
            auto line = readLine(int(qMax<qint64>(1, repeat.remainingTime())));
            if (!line)
                return tl::unexpected(line.error());
            if (!*line)
                break;
            seen += (*line)->size();
            if (seen > kMaxHelloBytes)
                return fail(ErrorCode::Malformed,
                            u"personalization: the line carries too much text to be a node's "
                            "answer to the hello"_s);
            answered = **line == "OK WARDEN PERSO 2";
        }
    }
    // A hello that arrived while the node was busy may be a fragment: a line end closes it,
    // then the answers of every hello in flight are dropped until the line is quiet.
    write(QByteArray("\n"));
    QDeadlineTimer drain(m_timeouts.commandMs + m_timeouts.quietMs);
    for (;;) {
        const qsizetype before = m_buffer.size();
        pump(m_timeouts.quietMs);
        QDeadlineTimer quiet(m_timeouts.quietMs);
        bool more = m_buffer.size() != before;
        while (!more && !quiet.hasExpired()) {
            const qsizetype size = m_buffer.size();
            pump(int(qMax<qint64>(1, quiet.remainingTime())));
            more = m_buffer.size() != size;
        }
        if (!more)
            break;
        if (m_buffer.size() > kMaxHelloBytes || drain.hasExpired())
            return fail(ErrorCode::Malformed,
                        u"personalization: the line does not go quiet after the hello"_s);
        // Drop what is complete; a partial line is kept to be dropped with its end.
        const qsizetype lastEnd = m_buffer.lastIndexOf('\n');
        if (lastEnd >= 0)
            m_buffer.remove(0, lastEnd + 1);
        if (m_buffer.size() > kMaxLine)
            m_buffer.clear();
    }
    m_buffer.clear();
    qCDebug(lcPerso) << "session open";
    return info();
}

Result<PersonalizationClient::Answer> PersonalizationClient::exchange(QByteArray &line,
                                                                      const char *step)
{
    m_lastErrorCode = 0;
    m_lastTimedOut = false;
    line.append('\n');
    write(line);
    wipeBytes(line);
    Answer answer;
    QDeadlineTimer deadline(m_timeouts.commandMs);
    for (;;) {
        auto read = readLine(int(qMax<qint64>(1, deadline.remainingTime())));
        if (!read)
            return tl::unexpected(
                    Error(read.error().code(),
                          u"%1 (after %2)"_s.arg(read.error().message(), QLatin1StringView(step))));
        if (!*read) {
            m_lastTimedOut = true;
            return fail(ErrorCode::Refused,
                        u"personalization: %1 got no answer from the node within %2 ms"_s
                                .arg(QLatin1StringView(step))
                                .arg(m_timeouts.commandMs));
        }
        QByteArray text = std::move(**read);
        for (char c : text)
            if (uchar(c) < 0x20 || uchar(c) > 0x7E)
                return fail(ErrorCode::Malformed,
                            u"personalization: the node answered %1 with a non-printable "
                            "byte"_s.arg(QLatin1StringView(step)));
        if (text == "OK" || text.startsWith("OK ")) {
            answer.status = text.mid(2).trimmed();
            return answer;
        }
        if (text.startsWith("ERR ")) {
            const QList<QByteArrayView> w = words(text);
            bool ok = false;
            const int code = w.size() >= 2 && w[1].size() <= 3 ? w[1].toInt(&ok) : 0;
            if (!ok || code <= 0) {
                m_lastErrorCode = -1;
                return fail(ErrorCode::Malformed,
                            u"personalization: the node answered %1 with a malformed ERR "
                            "line"_s.arg(QLatin1StringView(step)));
            }
            m_lastErrorCode = code;
            QString name = u"(no name)"_s;
            if (w.size() == 3 && w[2].size() <= 16
                && std::all_of(w[2].begin(), w[2].end(),
                               [](char c) { return (c >= 'a' && c <= 'z') || c == '-'; }))
                name = QString::fromLatin1(w[2]);
            return fail(ErrorCode::Refused, u"personalization: the node refused %1: ERR %2 %3"_s
                                                    .arg(QLatin1StringView(step))
                                                    .arg(code)
                                                    .arg(name));
        }
        if (answer.infoLines.size() >= 32)
            return fail(ErrorCode::Malformed,
                        u"personalization: the node answered %1 with too many lines"_s.arg(
                                QLatin1StringView(step)));
        answer.infoLines.append(std::move(text));
    }
}

Result<PersonalizationInfo> PersonalizationClient::info()
{
    QByteArray line("INFO");
    auto answer = exchange(line, "INFO");
    if (!answer)
        return tl::unexpected(answer.error());
    if (!answer->status.isEmpty())
        return fail(ErrorCode::Malformed,
                    u"personalization: INFO ended with an unexpected status"_s);
    return parsePersonalizationInfo(answer->infoLines);
}

Result<void> PersonalizationClient::simple(QByteArray line, const char *step)
{
    auto answer = exchange(line, step);
    if (!answer)
        return tl::unexpected(answer.error());
    if (!answer->infoLines.isEmpty() || !answer->status.isEmpty())
        return fail(ErrorCode::Malformed,
                    u"personalization: the node answered %1 with unexpected lines"_s.arg(
                            QLatin1StringView(step)));
    return {};
}

Result<void> PersonalizationClient::stageKey(const char *word, const SecretBytes &key,
                                             const char *suffix)
{
    QByteArray line;
    line.reserve(80);
    line.append(word);
    line.append(' ');
    if (key.isEmpty()) {
        line.append('-');
    } else {
        if (key.size() != 32)
            return fail(
                    ErrorCode::InvalidArgument,
                    u"personalization: a %1 key must be 32 bytes"_s.arg(QLatin1StringView(word)));
        appendHex(line, key.data(), key.size());
        line.append(suffix);
    }
    return simple(std::move(line), word);
}

Result<void> PersonalizationClient::wipe()
{
    return simple(QByteArray("WIPE"), "WIPE");
}

Result<void> PersonalizationClient::stageLinkKey(const SecretBytes &key)
{
    return stageKey("LINK", key, "");
}

Result<void> PersonalizationClient::stageNetworkKey(const SecretBytes &key, quint16 epoch)
{
    if (epoch == 0 && !key.isEmpty())
        return fail(ErrorCode::InvalidArgument, u"personalization: network key epoch 0"_s);
    const uint8_t bytes[2] = {uint8_t(epoch >> 8), uint8_t(epoch)};
    QByteArray suffix(" ");
    appendHex(suffix, bytes, 2);
    return stageKey("NET", key, suffix.constData());
}

Result<void> PersonalizationClient::stageManagementKey(const SecretBytes &key)
{
    return stageKey("MGMT", key, "");
}

Result<void> PersonalizationClient::stageSerial(const Serial &serial)
{
    QByteArray line("SERIAL ");
    appendHex(line, serial.data(), serial.size());
    return simple(std::move(line), "SERIAL");
}

Result<void> PersonalizationClient::stagePolicy(std::optional<quint8> bits)
{
    QByteArray line("POLICY ");
    if (bits)
        appendHex(line, &*bits, 1);
    else
        line.append('-');
    return simple(std::move(line), "POLICY");
}

Result<void> PersonalizationClient::stageWhitelistClear()
{
    return simple(QByteArray("WL -"), "WL");
}

Result<void> PersonalizationClient::stageWhitelistEntry(quint8 node, const Serial &serial)
{
    QByteArray line("WL ");
    appendHex(line, &node, 1);
    line.append(' ');
    appendHex(line, serial.data(), serial.size());
    return simple(std::move(line), "WL");
}

Result<void> PersonalizationClient::setNodeId(quint8 id)
{
    QByteArray line("ID ");
    appendHex(line, &id, 1);
    return simple(std::move(line), "ID");
}

Result<quint32> PersonalizationClient::commit()
{
    QByteArray line("COMMIT");
    auto answer = exchange(line, "COMMIT");
    if (!answer)
        return tl::unexpected(answer.error());
    quint32 sequence = 0;
    if (!answer->infoLines.isEmpty() || !parseNumber(QByteArrayView(answer->status), sequence))
        return fail(ErrorCode::Malformed,
                    u"personalization: the node's answer to COMMIT has no commit sequence"_s);
    qCDebug(lcPerso) << "committed, sequence" << sequence;
    return sequence;
}

Result<void> PersonalizationClient::abort()
{
    return simple(QByteArray("ABORT"), "ABORT");
}

Result<void> PersonalizationClient::end()
{
    QByteArray line("END");
    auto answer = exchange(line, "END");
    if (!answer)
        return tl::unexpected(answer.error());
    if (!answer->infoLines.isEmpty() || (!answer->status.isEmpty() && answer->status != "DROPPED"))
        return fail(ErrorCode::Malformed,
                    u"personalization: the node answered END with unexpected lines"_s);
    return {};
}

} // namespace Warden::Internal
