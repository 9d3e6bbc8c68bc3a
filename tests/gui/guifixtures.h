// Records the console tests feed their models and views with.
#pragma once

#include <warden/engine.h>
#include <warden/inventory.h>

#include <QtCore/QAbstractItemModel>

namespace WardenTest {

/// A signing node with a sketch, a serial that ends in its id and a last-seen time.
inline Warden::NodeRecord node(quint8 id, const QString &sketch = QStringLiteral("Temp"),
                               int battery = -1)
{
    Warden::NodeRecord n;
    n.id = id;
    n.sketchName = sketch;
    n.sketchVersion = QStringLiteral("1.0");
    n.batteryPercent = battery;
    n.signingRequired = true;
    n.serialHex = QStringLiteral("0102030405060708%1").arg(int(id), 2, 16, QChar(u'0'));
    n.lastSeenMs = 1700000000000 + id;
    return n;
}

/// A C_SET V_TEMP (child 1) of @p value from @p sender to the gateway.
inline Warden::TrafficRecord frame(quint8 sender, Warden::FrameVerdict verdict, qint64 when,
                                   qint16 value = 21)
{
    Warden::TrafficRecord r;
    r.timestampMs = when;
    r.verdict = verdict;
    r.message.setHeader(sender, 0, Warden::Protocol::Command::Set, 0 /* V_TEMP */, 1);
    r.message.setInt16(value);
    return r;
}

inline QString cell(const QAbstractItemModel &model, int row, int column)
{
    return model.data(model.index(row, column)).toString();
}

} // namespace WardenTest
