#include <warden/link.h>

#include <QtCore/QLoggingCategory>
#include <QtCore/QTimer>

#include <algorithm>
#include <cmath>
#include <limits>

using namespace Qt::StringLiterals;

namespace Warden {

Q_LOGGING_CATEGORY(lcLink, "warden.core.link")

const char *linkStateName(LinkState state)
{
    switch (state) {
    case LinkState::Closed:
        return "closed";
    case LinkState::Connecting:
        return "connecting";
    case LinkState::Connected:
        return "connected";
    case LinkState::Waiting:
        return "waiting";
    }
    return "?";
}

const char *linkFramingName(LinkFraming framing)
{
    switch (framing) {
    case LinkFraming::ControllerLines:
        return "controller-lines";
    case LinkFraming::RadioFrames:
        return "radio-frames";
    }
    return "?";
}

Link::Link(LinkConfiguration configuration, LinkFraming framing, QObject *parent)
    : QObject(parent)
    , m_configuration(std::move(configuration))
    , m_framing(framing)
    , m_reconnectTimer(new QTimer(this))
{
    m_reconnectTimer->setSingleShot(true);
    connect(m_reconnectTimer, &QTimer::timeout, this, [this] {
        if (m_state != LinkState::Waiting)
            return;
        setState(LinkState::Connecting);
        openTransport();
    });
}

Link::~Link() = default;

void Link::open()
{
    if (m_state != LinkState::Closed)
        return;
    m_backoff = m_firstBackoff;
    m_failuresInRow = 0;
    setState(LinkState::Connecting);
    openTransport();
}

void Link::close()
{
    if (m_state == LinkState::Closed)
        return;
    m_reconnectTimer->stop();
    const bool wasOpen = m_state == LinkState::Connected || m_state == LinkState::Connecting;
    setState(LinkState::Closed);
    if (wasOpen)
        closeTransportQuietly();
}

Result<quint64> Link::send(QByteArray unit)
{
    if (m_framing == LinkFraming::ControllerLines) {
        if (unit.isEmpty())
            return fail(ErrorCode::InvalidArgument, u"link %1: empty line not sent"_s.arg(name()));
        if (unit.size() > kMaxOutgoingLine)
            return fail(ErrorCode::InvalidArgument,
                        u"link %1: line of %2 characters not sent (a gateway accepts at most %3)"_s
                                .arg(name())
                                .arg(unit.size())
                                .arg(kMaxOutgoingLine));
        if (unit.contains('\n') || unit.contains('\r'))
            return fail(ErrorCode::InvalidArgument,
                        u"link %1: line with a line break inside not sent"_s.arg(name()));
    } else if (unit.size() < kMinFrame || unit.size() > kMaxFrame) {
        return fail(ErrorCode::InvalidArgument,
                    u"link %1: frame of %2 bytes not sent (a frame has %3 to %4)"_s.arg(name())
                            .arg(unit.size())
                            .arg(kMinFrame)
                            .arg(kMaxFrame));
    }
    if (pendingCount() >= m_queueLimit)
        return fail(ErrorCode::Refused,
                    u"link %1: %2 units already wait to be sent (%3)"_s.arg(name())
                            .arg(pendingCount())
                            .arg(QString::fromLatin1(linkStateName(m_state))));
    const quint64 id = m_nextId++;
    m_queue.push_back(Pending {id, std::move(unit)});
    if (m_state == LinkState::Connected)
        flush();
    return id;
}

void Link::setReconnectBackoff(std::chrono::milliseconds first, std::chrono::milliseconds longest)
{
    m_firstBackoff = std::max(first, std::chrono::milliseconds(1));
    m_longestBackoff = std::max(longest, m_firstBackoff);
    m_backoff = m_firstBackoff;
}

void Link::transportConnected()
{
    if (m_state != LinkState::Connecting)
        return;
    ++m_statistics.connects;
    m_connectedAt = std::chrono::steady_clock::now();
    m_failuresAtConnect = m_failuresInRow;
    m_backoffAtConnect = m_backoff;
    m_backoff = m_firstBackoff;
    m_failuresInRow = 0;
    m_malformedInWindow = 0;
    setState(LinkState::Connected);
    flush();
}

void Link::transportFailed(const Error &error)
{
    // A transport that reports its own close (a socket's disconnected()) from inside
    // closeTransport() has not failed a second time.
    if (m_closingTransport || m_state == LinkState::Closed || m_state == LinkState::Waiting)
        return;
    ++m_statistics.drops;
    if (m_state == LinkState::Connected && m_failuresAtConnect > 0
        && std::chrono::steady_clock::now() - m_connectedAt < kShortLivedConnection) {
        m_failuresInRow = m_failuresAtConnect;
        m_backoff = m_backoffAtConnect;
    }
    m_backoff = m_failuresInRow == 0 ? m_firstBackoff : std::min(m_backoff * 2, m_longestBackoff);
    ++m_failuresInRow;
    // Transports' messages name the link already (as they should); others get the name here.
    const QString prefix = u"link %1:"_s.arg(name());
    qCWarning(lcLink).noquote() << (error.message().startsWith(prefix)
                                            ? error.message()
                                            : prefix + u' ' + error.message())
                                << "- retrying in" << m_backoff.count() << "ms";
    closeTransportQuietly();
    setState(LinkState::Waiting);
    Q_EMIT errorOccurred(error);
    // A slot may have closed the link meanwhile; then it stays closed.
    if (m_state == LinkState::Waiting)
        m_reconnectTimer->start(m_backoff);
}

void Link::transportReady()
{
    if (m_state == LinkState::Connected)
        flush();
}

void Link::deliverUnit(const QByteArray &unit)
{
    ++m_statistics.unitsIn;
    Q_EMIT unitReceived(unit);
}

void Link::reportMalformed(const QString &what)
{
    ++m_statistics.malformed;
    qCWarning(lcLink).noquote() << "link" << name() << "malformed input:" << what;
    Q_EMIT errorOccurred(Error(ErrorCode::Malformed, u"link %1: %2"_s.arg(name(), what)));
    if (m_malformedLimit <= 0 || m_state != LinkState::Connected)
        return;
    const auto now = std::chrono::steady_clock::now();
    if (m_malformedInWindow == 0 || now - m_malformedWindowStart >= std::chrono::seconds(1)) {
        m_malformedWindowStart = now;
        m_malformedInWindow = 0;
    }
    if (++m_malformedInWindow > m_malformedLimit) {
        m_malformedInWindow = 0;
        transportFailed(Error(ErrorCode::Malformed,
                              u"link %1: more than %2 malformed inputs within a second, "
                              u"connection closed"_s.arg(name())
                                      .arg(m_malformedLimit)));
    }
}

void Link::setState(LinkState state)
{
    if (m_state == state)
        return;
    m_state = state;
    qCDebug(lcLink) << "link" << name() << linkStateName(state);
    Q_EMIT stateChanged(state);
}

void Link::flush()
{
    // A slot connected to unitSent may call send() again; one loop drains everything.
    if (m_flushing)
        return;
    m_flushing = true;
    while (m_state == LinkState::Connected && !m_queue.empty()) {
        if (!writeUnit(m_queue.front().unit))
            break;
        // writeUnit() may have failed the transport (and reconnecting closed it) yet taken the
        // unit: the transport said it has it, so it is sent, once.
        const quint64 id = m_queue.front().id;
        m_queue.pop_front();
        ++m_statistics.unitsOut;
        Q_EMIT unitSent(id);
    }
    m_flushing = false;
}

void Link::closeTransportQuietly()
{
    m_closingTransport = true;
    closeTransport();
    m_closingTransport = false;
}

std::optional<qint64> linkSettingWholeNumber(const QVariant &value)
{
    switch (value.typeId()) {
    case QMetaType::Int:
    case QMetaType::Long:
    case QMetaType::LongLong:
    case QMetaType::Short:
    case QMetaType::SChar:
        return value.toLongLong();
    case QMetaType::UInt:
    case QMetaType::ULong:
    case QMetaType::ULongLong:
    case QMetaType::UShort:
    case QMetaType::UChar:
        return qint64(
                std::min(value.toULongLong(), qulonglong(std::numeric_limits<qint64>::max())));
    case QMetaType::Double:
    case QMetaType::Float: {
        const double d = value.toDouble();
        if (!std::isfinite(d) || d != std::trunc(d))
            return std::nullopt;
        // Far out of any range checked here; clamped so the range check names it.
        if (std::fabs(d) > 1e15)
            return d > 0 ? std::numeric_limits<qint64>::max() : std::numeric_limits<qint64>::min();
        return qint64(d);
    }
    default:
        return std::nullopt;
    }
}

QString linkSettingTypeName(const QVariant &value)
{
    return value.isValid() ? QString::fromLatin1(value.typeName()) : u"nothing"_s;
}

LinkSettingsReader::LinkSettingsReader(QString linkName, QString transport,
                                       const QVariantMap &settings)
    : m_linkName(std::move(linkName))
    , m_transport(std::move(transport))
    , m_settings(settings)
{ }

Result<void> LinkSettingsReader::refuseUnknown(const QStringList &known) const
{
    for (auto it = m_settings.cbegin(); it != m_settings.cend(); ++it) {
        if (!known.contains(it.key())) {
            QStringList sorted = known;
            sorted.sort();
            // A hostile key could be anything: it is named, but not at any length.
            return fail(ErrorCode::InvalidArgument,
                        u"link %1: unknown %2 setting \"%3\" (known: %4)"_s.arg(
                                m_linkName, m_transport, it.key().left(64), sorted.join(u", ")));
        }
    }
    return {};
}

Error LinkSettingsReader::error(const QString &key, const QString &what) const
{
    return Error(ErrorCode::InvalidArgument,
                 u"link %1: %2 setting \"%3\" %4"_s.arg(m_linkName, m_transport, key, what));
}

Result<qint64> LinkSettingsReader::wholeNumber(const QString &key, qint64 fallback, qint64 min,
                                               qint64 max) const
{
    const auto it = m_settings.constFind(key);
    if (it == m_settings.constEnd())
        return fallback;
    const std::optional<qint64> n = linkSettingWholeNumber(*it);
    if (!n)
        return tl::unexpected(error(
                key, u"must be a whole number, not %1"_s.arg(
                             it->typeId() == QMetaType::Double || it->typeId() == QMetaType::Float
                                     ? QString::number(it->toDouble())
                                     : linkSettingTypeName(*it))));
    if (*n < min || *n > max)
        return tl::unexpected(error(key, u"is %1 (allowed: %2 to %3)"_s.arg(*n).arg(min).arg(max)));
    return *n;
}

Result<double> LinkSettingsReader::realNumber(const QString &key, double fallback, double min,
                                              double max) const
{
    const auto it = m_settings.constFind(key);
    if (it == m_settings.constEnd())
        return fallback;
    double d = 0;
    switch (it->typeId()) {
    case QMetaType::Double:
    case QMetaType::Float:
        d = it->toDouble();
        break;
    default:
        if (const std::optional<qint64> n = linkSettingWholeNumber(*it)) {
            d = double(*n);
            break;
        }
        return tl::unexpected(
                error(key, u"must be a number, not %1"_s.arg(linkSettingTypeName(*it))));
    }
    if (!std::isfinite(d) || d < min || d > max)
        return tl::unexpected(error(key, u"is %1 (allowed: %2 to %3)"_s.arg(d).arg(min).arg(max)));
    return d;
}

Result<bool> LinkSettingsReader::boolean(const QString &key, bool fallback) const
{
    const auto it = m_settings.constFind(key);
    if (it == m_settings.constEnd())
        return fallback;
    if (it->typeId() != QMetaType::Bool)
        return tl::unexpected(
                error(key, u"must be true or false, not %1"_s.arg(linkSettingTypeName(*it))));
    return it->toBool();
}

Result<QString> LinkSettingsReader::choice(const QString &key, const QString &fallback,
                                           const QStringList &allowed) const
{
    const Result<QString> given = text(key, fallback);
    if (!given)
        return given;
    if (!allowed.contains(*given)) {
        QStringList quoted;
        for (const QString &a : allowed)
            quoted << u'"' + a + u'"';
        return tl::unexpected(
                error(key, u"is \"%1\" (allowed: %2)"_s.arg(given->left(32), quoted.join(u", "))));
    }
    return given;
}

Result<QString> LinkSettingsReader::text(const QString &key, const QString &fallback) const
{
    const auto it = m_settings.constFind(key);
    if (it == m_settings.constEnd())
        return fallback;
    if (it->typeId() != QMetaType::QString)
        return tl::unexpected(
                error(key, u"must be a string, not %1"_s.arg(linkSettingTypeName(*it))));
    return it->toString();
}

void LineSplitter::feed(QByteArrayView bytes, const std::function<void(const QByteArray &)> &line,
                        const std::function<void(const QString &)> &malformed)
{
    for (const char c : bytes) {
        if (c == '\n' || c == '\r') {
            if (m_skipped == 0 && !m_buffer.isEmpty()) {
                if (m_controlByte >= 0)
                    malformed(u"line of %1 bytes with control byte 0x%2 dropped"_s
                                      .arg(m_buffer.size())
                                      .arg(m_controlByte, 2, 16, QLatin1Char('0')));
                else
                    line(m_buffer);
            }
            m_buffer.clear();
            m_skipped = 0;
            m_controlByte = -1;
            continue;
        }
        if (m_skipped > 0) {
            ++m_skipped;
            continue;
        }
        if (m_buffer.size() >= m_maxLine) {
            // Reported now rather than at its end: a flood may never end the line.
            m_skipped = m_buffer.size() + 1;
            m_buffer.clear();
            m_controlByte = -1;
            malformed(u"line longer than %1 bytes dropped"_s.arg(m_maxLine));
            continue;
        }
        const auto u = uchar(c);
        if (m_controlByte < 0 && (u < 0x20 || u == 0x7F))
            m_controlByte = u;
        m_buffer.append(c);
    }
}

void LineSplitter::reset()
{
    m_buffer.clear();
    m_skipped = 0;
    m_controlByte = -1;
}

} // namespace Warden
