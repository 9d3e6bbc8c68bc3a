// The console's screenshots for the documentation: `warden --screenshots DIR` runs the
// built-in simulated network (in a temporary folder, with settings of its own: the user's
// connections and window state are neither read nor touched), opens each main view, dialog
// and wizard page with data on it and saves each as a PNG (QWidget::grab).
#pragma once

#include <QtCore/QString>

namespace Warden::Internal {

/// Writes the PNGs into @p directory (made if missing); returns the process's exit code
/// (0 when every picture was saved) and says on stderr what failed.
int takeScreenshots(const QString &directory);

} // namespace Warden::Internal
