// Asks a board on a serial line whether it runs Warden firmware: the hello of the
// personalization session (firmware/docs/personalization.md, protocol 2) is repeated until the
// node answers with its INFO lines, which are read as hostile input (bounded lines, each value
// checked against its documented form before it is shown). The session stays open afterwards,
// so that the personalization station can go on on the same open port (a board that is reset
// by opening the port listens for the hello for two seconds only).
#pragma once

#include <warden/error.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QList>
#include <QtCore/QString>

QT_BEGIN_NAMESPACE
class QIODevice;
QT_END_NAMESPACE

namespace Warden::Internal {

/// What the node's INFO showed; only values in their documented form, others stay empty.
struct FirmwareInfo
{
    Q_DECLARE_TR_FUNCTIONS(Warden::Internal::FirmwareInfo)

public:
    int protocol = 0;
    QString firmwareVersion;
    QString mysensorsVersion;
    int nodeId = -1; ///< -1: AUTO (FF) or not shown
    QString serialHex; ///< lower-case, 18 digits
    QString linkFingerprint;
    QString networkFingerprint;
    int networkEpoch = 0;
    QString managementFingerprint;
    QString legacyFingerprint; ///< MySensors' own HMAC key, when the node has one
    QList<int> whitelist; ///< node ids
    int lockBudget = -1;

    /// True when the node holds no Warden key and no serial of Warden's (a fresh board).
    bool isBlank() const;
    /// One paragraph for the user.
    QString text() const;
};

class FirmwareProbe
{
    Q_DECLARE_TR_FUNCTIONS(Warden::Internal::FirmwareProbe)

public:
    /// The hello line of protocol 2, and what the node answers it with.
    static constexpr const char *kHello = "WARDEN PERSO 2";

    /// Says hello on @p device (open for reading and writing) every @p repeatMs until the node
    /// answers or @p timeoutMs passed, then waits until the line stayed quiet for @p quietMs.
    /// Runs a nested event loop. The error says what was (not) heard, never quoting it.
    static Result<FirmwareInfo> probe(QIODevice *device, int timeoutMs = 8000, int repeatMs = 150,
                                      int quietMs = 250);
    /// Reads INFO lines (without line ends); unknown or malformed lines are skipped.
    static FirmwareInfo parse(const QList<QByteArray> &lines);
};

} // namespace Warden::Internal
