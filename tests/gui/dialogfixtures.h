// Parts the dialog tests share: a cheap real key store, and a socat pty pair with the
// host-build warden-node on one end (the console's end is the other, as a USB port would be).
#pragma once

#include <warden/keystore.h>

#include <QtCore/QDeadlineTimer>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QMap>
#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtTest/QTest>
#include <QtWidgets/QAbstractButton>
#include <QtWidgets/QLabel>
#include <QtWidgets/QTabBar>
#include <QtWidgets/QTabWidget>

#include <childprocess.h>

#include <cstring>
#include <memory>

namespace WardenTest {

/// Argon2id at its cheapest: the tests are about the dialogs, not the key derivation.
inline Warden::KeyStoreParams cheapParams()
{
    Warden::KeyStoreParams p;
    p.memoryKiB = 64;
    p.iterations = 1;
    return p;
}

inline Warden::SecretBytes testKey(int first)
{
    uint8_t bytes[32];
    for (int i = 0; i < 32; ++i)
        bytes[i] = uint8_t(first + i);
    return Warden::SecretBytes(bytes, sizeof bytes);
}

inline Warden::Serial testSerial(const char *hex)
{
    Warden::Serial s {};
    const QByteArray bytes = QByteArray::fromHex(hex);
    std::memcpy(s.data(), bytes.constData(), std::min<size_t>(s.size(), size_t(bytes.size())));
    return s;
}

inline QString serialHex(const Warden::Serial &s)
{
    return QString::fromLatin1(
            QByteArray(reinterpret_cast<const char *>(s.data()), qsizetype(s.size())).toHex());
}

/// The Alt+letter mnemonics ("&Unlock") that @p window's visible labels, buttons and tabs
/// use more than once, as "u: &Unlock, &Use ..."; empty when every one is unique. Tab pages
/// are checked one at a time (hidden pages take no shortcuts).
inline QStringList mnemonicClashes(QWidget *window)
{
    const auto collect = [window] {
        QMap<QChar, QStringList> seen;
        const auto add = [&](const QString &text) {
            for (qsizetype i = 0; i + 1 < text.size(); ++i) {
                if (text.at(i) != u'&')
                    continue;
                if (text.at(i + 1) == u'&') {
                    ++i;
                    continue;
                }
                seen[text.at(i + 1).toLower()] << text;
                break;
            }
        };
        for (QWidget *w : window->findChildren<QWidget *>()) {
            if (!w->isVisibleTo(window))
                continue;
            if (auto *b = qobject_cast<QAbstractButton *>(w))
                add(b->text());
            else if (auto *l = qobject_cast<QLabel *>(w); l && l->buddy())
                add(l->text());
            else if (auto *t = qobject_cast<QTabBar *>(w))
                for (int i = 0; i < t->count(); ++i)
                    add(t->tabText(i));
        }
        QStringList out;
        for (auto it = seen.cbegin(); it != seen.cend(); ++it)
            if (it.value().size() > 1)
                out << QString(it.key()) + QStringLiteral(": ")
                                + it.value().join(QStringLiteral(", "));
        return out;
    };
    QStringList clashes;
    const QList<QTabWidget *> tabs = window->findChildren<QTabWidget *>();
    if (tabs.isEmpty())
        return collect();
    for (int i = 0; i < tabs.first()->count(); ++i) {
        tabs.first()->setCurrentIndex(i);
        clashes << collect();
    }
    tabs.first()->setCurrentIndex(0);
    clashes.removeDuplicates();
    return clashes;
}

/// socat joining two ptys: <dir>/<name>-link (the console's end) and <dir>/<name>-node.
class PtyPair
{
public:
    PtyPair(const QString &dir, const QString &name)
        : linkPath(dir + u'/' + name + QStringLiteral("-link"))
        , nodePath(dir + u'/' + name + QStringLiteral("-node"))
    { }
    ~PtyPair() { stop(); }

    bool start()
    {
        const QString socat = QStandardPaths::findExecutable(QStringLiteral("socat"));
        if (socat.isEmpty())
            return false;
        m_process.setStandardOutputFile(QProcess::nullDevice());
        m_process.setStandardErrorFile(QProcess::nullDevice());
        m_process.start(socat, {QStringLiteral("pty,raw,echo=0,link=") + linkPath,
                                QStringLiteral("pty,raw,echo=0,link=") + nodePath});
        if (!m_process.waitForStarted(5000))
            return false;
        QDeadlineTimer deadline(5000);
        while (!(QFileInfo::exists(linkPath) && QFileInfo::exists(nodePath))) {
            if (deadline.hasExpired() || m_process.state() != QProcess::Running)
                return false;
            QTest::qWait(5);
        }
        return true;
    }
    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.terminate();
        if (!m_process.waitForFinished(5000)) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
        QFile::remove(linkPath);
        QFile::remove(nodePath);
    }

    const QString linkPath;
    const QString nodePath;

private:
    QProcess m_process;
};

} // namespace WardenTest
