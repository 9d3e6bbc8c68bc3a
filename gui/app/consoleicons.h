// The console's icon set (resources/icons, compiled into warden_gui). The SVGs need Qt's SVG
// image plugin (package qt6-svg-plugins); without it the console paints the same shapes'
// colours itself, so that no state is ever shown without its icon.
#pragma once

#include <QtGui/QIcon>

namespace Warden::Internal {

enum class ConsoleIcon : quint8 {
    App,
    Revoked,
    Failing,
    Unsigned,
    SharedKey,
    OwnKey,
    Connected,
    Connecting,
    Disconnected,
    ConnectionError,
};

/// The resource path of @p icon: ":/warden/icons/<name>.svg".
QString consoleIconPath(ConsoleIcon icon);
/// The icon, from its SVG when Qt can read SVG, else painted in its colour.
QIcon consoleIcon(ConsoleIcon icon);
/// Every icon, for tests and the legend.
QList<ConsoleIcon> consoleIcons();

} // namespace Warden::Internal
