// Locating the MySensors vector files: the shipped ../shared/vectors plus every file or
// folder named in WARDEN_VECTORS (colon-separated), as ../shared/vectors/README.md asks.
#pragma once

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonValue>
#include <QtCore/QStringList>

namespace WardenTest {

inline QStringList vectorFiles()
{
    QStringList roots {QStringLiteral(WARDEN_SHARED_DIR "/vectors")};
    const QString extra = qEnvironmentVariable("WARDEN_VECTORS");
    for (const QString &entry : extra.split(u':', Qt::SkipEmptyParts))
        roots << entry;
    QStringList files;
    for (const QString &root : roots) {
        const QFileInfo info(root);
        if (info.isDir()) {
            const QDir dir(root);
            for (const QString &name :
                 dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name))
                files << dir.filePath(name);
        } else {
            // A named file that does not exist is reported by the test that opens it.
            files << root;
        }
    }
    return files;
}

inline QByteArray fromHex(const QJsonValue &v)
{
    return QByteArray::fromHex(v.toString().toLatin1());
}

} // namespace WardenTest
