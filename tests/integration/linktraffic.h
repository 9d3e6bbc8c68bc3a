// Numbered units (controller lines, or frames) sent through a real link, and the check of what
// the far end received: every unit exactly as sent, in order, none twice, and none lost except
// the tail of a connection that dropped (bytes the operating system had taken when the peer
// vanished; the MySensors protocol has no link-level acknowledgement). Units queued while the
// link waited go out on a later connection, so they must all arrive.
#pragma once

#include <warden/link.h>

#include <QtCore/QByteArrayList>
#include <QtCore/QMap>
#include <QtCore/QObject>

namespace Warden::Test {

class LinkTraffic : public QObject
{
public:
    using UnitOf = QByteArray (*)(int seq);
    using SeqOf = int (*)(const QByteArray &unit);

    /// Numbered controller lines (line()); another kind of unit names how to make unit @p seq,
    /// how to read the number back (-1: not one of ours) and what to call it in messages.
    explicit LinkTraffic(Link *link, UnitOf unitOf = &line, SeqOf seqOf = &lineSeq,
                         const char *noun = "line")
        : m_link(link)
        , m_unitOf(unitOf)
        , m_seqOf(seqOf)
        , m_noun(QString::fromLatin1(noun))
    {
        connect(link, &Link::unitSent, this, [this](quint64 id) {
            // A unit is only written while connected: the count of connects names the
            // connection that carried it.
            const quint64 connection = m_link->statistics().connects;
            const auto it = m_seqOfId.constFind(id);
            if (it == m_seqOfId.constEnd()) {
                // send() itself may write at once, before it has returned the id.
                if (m_early.contains(id))
                    m_twiceIds.append(id);
                m_early.insert(id, connection);
                return;
            }
            sent(*it, connection);
        });
    }

    /// "12;3;1;0;47;line-000042": a V_TEXT line to node 12 that names its number.
    static QByteArray line(int seq)
    {
        return "12;3;1;0;47;line-" + QByteArray::number(seq).rightJustified(6, '0');
    }
    /// The number in a line made by line(), or -1.
    static int lineSeq(const QByteArray &unit)
    {
        bool ok = false;
        const int seq = unit.mid(unit.lastIndexOf('-') + 1).toInt(&ok);
        return ok && unit == line(seq) ? seq : -1;
    }

    /// Queues the next line; false (with the reason in @p why) if the link refused it.
    bool sendNext(QString *why = nullptr)
    {
        const int seq = m_next;
        const Result<quint64> id = m_link->send(m_unitOf(seq));
        if (!id) {
            if (why)
                *why = id.error().message();
            return false;
        }
        m_seqOfId.insert(*id, seq);
        ++m_next;
        const auto early = m_early.constFind(*id);
        if (early != m_early.constEnd()) {
            sent(seq, *early);
            m_early.erase(early);
        }
        return true;
    }
    int queued() const { return m_next; }
    int sent() const { return int(m_connectionOf.size()); }
    /// Units whose bytes were lost with a dropped connection, found by the last verify().
    int lostInFlight() const { return m_lost; }

    /// Checks @p received (units as the far end read them) against what was sent; empty if
    /// all is well, otherwise what is wrong.
    QString verify(const QByteArrayList &received)
    {
        m_lost = 0;
        if (!m_twice.isEmpty())
            return QStringLiteral("unitSent twice for %1 %2").arg(m_noun).arg(m_twice.first());
        if (!m_twiceIds.isEmpty())
            return QStringLiteral("unitSent twice for id %1").arg(m_twiceIds.first());
        QList<int> seqs;
        for (const QByteArray &u : received) {
            const int seq = m_seqOf(u);
            if (seq < 0 || u != m_unitOf(seq))
                return QStringLiteral("received a %1 that was never sent: %2")
                        .arg(m_noun, QString::fromLatin1(u.toHex()));
            if (!seqs.isEmpty() && seq <= seqs.last())
                return QStringLiteral("%1 %2 after %1 %3: out of order or twice")
                        .arg(m_noun)
                        .arg(seq)
                        .arg(seqs.last());
            if (!m_connectionOf.contains(seq))
                return QStringLiteral("%1 %2 arrived but the link never reported it sent")
                        .arg(m_noun)
                        .arg(seq);
            seqs.append(seq);
        }
        // Per connection, what arrived must be a prefix of what was sent on it; only the last
        // connection (still up) must have delivered everything.
        const quint64 last = m_link->statistics().connects;
        int r = 0;
        for (int seq = 0; seq < m_next; ++seq) {
            const bool arrived = r < seqs.size() && seqs.at(r) == seq;
            if (arrived)
                ++r;
            if (!m_connectionOf.contains(seq))
                return QStringLiteral("%1 %2 was never sent (%3 still queued)")
                        .arg(m_noun)
                        .arg(seq)
                        .arg(m_link->pendingCount());
            if (arrived)
                continue;
            const quint64 connection = m_connectionOf.value(seq);
            if (connection == last)
                return QStringLiteral("%1 %2, sent on the live connection, is lost")
                        .arg(m_noun)
                        .arg(seq);
            // Lost with connection `connection`: nothing later on that connection may arrive.
            for (int later = seq + 1; later < m_next; ++later) {
                if (m_connectionOf.value(later) != connection)
                    break;
                if (seqs.contains(later))
                    return QStringLiteral("%1 %2 lost but %1 %3 after it on the same "
                                          "connection arrived")
                            .arg(m_noun)
                            .arg(seq)
                            .arg(later);
            }
            ++m_lost;
        }
        return {};
    }

private:
    void sent(int seq, quint64 connection)
    {
        if (m_connectionOf.contains(seq))
            m_twice.append(seq);
        m_connectionOf.insert(seq, connection);
    }

    Link *m_link;
    UnitOf m_unitOf;
    SeqOf m_seqOf;
    QString m_noun;
    int m_next = 0;
    int m_lost = 0;
    QMap<quint64, int> m_seqOfId;
    QMap<int, quint64> m_connectionOf;
    QMap<quint64, quint64> m_early; ///< unitSent before send() returned: id -> connection
    QList<int> m_twice;
    QList<quint64> m_twiceIds;
};

/// Collects lines from a byte stream the way a gateway reads them.
class LineCollector
{
public:
    void feed(QByteArrayView bytes)
    {
        for (const char c : bytes) {
            if (c == '\n') {
                lines.append(m_partial);
                m_partial.clear();
            } else {
                m_partial.append(c);
            }
        }
    }
    /// A connection ended: a partial line is gone with it.
    void cut() { m_partial.clear(); }

    QByteArrayList lines;

private:
    QByteArray m_partial;
};

} // namespace Warden::Test
