// A Link whose transport is the test itself: inject() plays the gateway's side, written()
// holds what the link sent. Opens at once; fail() and restore() simulate a drop.
#pragma once

#include <warden/link.h>

#include <QtCore/QByteArrayList>

namespace Warden::Test {

class LoopbackLink : public Link
{
public:
    explicit LoopbackLink(LinkFraming framing, const QString &name = QStringLiteral("loop"))
        : Link(LinkConfiguration {QStringLiteral("loopback"), name, {}}, framing)
    { }

    void inject(const QByteArray &unit) { deliverUnit(unit); }
    QByteArrayList takeWritten()
    {
        QByteArrayList out;
        out.swap(m_written);
        return out;
    }
    const QByteArrayList &written() const { return m_written; }
    void drop() { transportFailed(Error(ErrorCode::Refused, QStringLiteral("test drop"))); }
    void setAccepting(bool on)
    {
        m_accepting = on;
        if (on)
            transportReady();
    }
    int opens = 0;

protected:
    void openTransport() override
    {
        ++opens;
        transportConnected();
    }
    void closeTransport() override { }
    bool writeUnit(const QByteArray &unit) override
    {
        if (!m_accepting)
            return false;
        m_written.append(unit);
        return true;
    }

private:
    QByteArrayList m_written;
    bool m_accepting = true;
};

} // namespace Warden::Test
