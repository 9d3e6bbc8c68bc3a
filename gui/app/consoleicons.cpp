#include "consoleicons.h"

#include <QtGui/QImageReader>
#include <QtGui/QPainter>
#include <QtGui/QPixmap>

using namespace Qt::StringLiterals;

// The resources of a static library are registered by hand (the linker would drop them).
static void initConsoleResources()
{
    Q_INIT_RESOURCE(warden);
}

namespace Warden::Internal {

namespace {

struct IconInfo
{
    const char *name;
    QRgb colour; ///< the fallback's colour (the SVG's main colour)
};

IconInfo info(ConsoleIcon icon)
{
    switch (icon) {
    case ConsoleIcon::App:
        return {"warden", 0xff1d4ed8};
    case ConsoleIcon::Revoked:
        return {"state-revoked", 0xff6b7280};
    case ConsoleIcon::Failing:
        return {"state-failing", 0xffdc2626};
    case ConsoleIcon::Unsigned:
        return {"state-unsigned", 0xffd97706};
    case ConsoleIcon::SharedKey:
        return {"state-shared-key", 0xff65a30d};
    case ConsoleIcon::OwnKey:
        return {"state-own-key", 0xff15803d};
    case ConsoleIcon::Connected:
        return {"connected", 0xff15803d};
    case ConsoleIcon::Connecting:
        return {"connecting", 0xffd97706};
    case ConsoleIcon::Disconnected:
        return {"disconnected", 0xff6b7280};
    case ConsoleIcon::ConnectionError:
        return {"connection-error", 0xffdc2626};
    }
    return {"warden", 0xff1d4ed8};
}

bool svgSupported()
{
    static const bool supported = QImageReader::supportedImageFormats().contains("svg");
    return supported;
}

QIcon painted(QRgb colour, bool hollow)
{
    QIcon icon;
    for (int size : {16, 24, 32, 64}) {
        QPixmap pixmap(size, size);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        const QColor c = QColor::fromRgba(colour);
        const qreal pen = size / 8.0;
        painter.setPen(QPen(c.darker(130), hollow ? pen : 1));
        painter.setBrush(hollow ? QBrush(Qt::NoBrush) : QBrush(c));
        painter.drawEllipse(QRectF(pen, pen, size - 2 * pen, size - 2 * pen));
        painter.end();
        icon.addPixmap(pixmap);
    }
    return icon;
}

} // namespace

QString consoleIconPath(ConsoleIcon icon)
{
    return u":/warden/icons/%1.svg"_s.arg(QLatin1StringView(info(icon).name));
}

QIcon consoleIcon(ConsoleIcon icon)
{
    static const bool initialised = [] {
        initConsoleResources();
        return true;
    }();
    Q_UNUSED(initialised);
    if (svgSupported())
        return QIcon(consoleIconPath(icon));
    return painted(info(icon).colour, icon == ConsoleIcon::Disconnected);
}

QList<ConsoleIcon> consoleIcons()
{
    return {ConsoleIcon::App,          ConsoleIcon::Revoked,
            ConsoleIcon::Failing,      ConsoleIcon::Unsigned,
            ConsoleIcon::SharedKey,    ConsoleIcon::OwnKey,
            ConsoleIcon::Connected,    ConsoleIcon::Connecting,
            ConsoleIcon::Disconnected, ConsoleIcon::ConnectionError};
}

} // namespace Warden::Internal
