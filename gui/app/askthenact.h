// "Ask Yes/No, then act" without blocking: the console's confirmations (reboot a node, leave a
// node out of a rotation, exclude nodes, give a rotation up) are window-modal message boxes
// opened with open(), so the event loop, and with it the network, keeps running while the
// user reads the question.
#pragma once

#include <QtCore/QString>

#include <functional>

QT_BEGIN_NAMESPACE
class QMessageBox;
class QWidget;
QT_END_NAMESPACE

namespace Warden::Internal {

/// How the question looks: a plain question, or a warning about something hard to undo.
enum class AskTone { Question, Warning };

/// Asks @p title / @p text on @p parent with Yes and No, No being the default (Return and
/// Escape do not act). Yes runs @p onYes; No or closing the box runs @p onNo when given.
/// Neither runs once @p parent is gone. Returns the box, which deletes itself when closed.
QMessageBox *askThenAct(QWidget *parent, AskTone tone, const QString &title, const QString &text,
                        std::function<void()> onYes, std::function<void()> onNo = {});

} // namespace Warden::Internal
