#include "askthenact.h"

#include <QtWidgets/QMessageBox>

namespace Warden::Internal {

QMessageBox *askThenAct(QWidget *parent, AskTone tone, const QString &title, const QString &text,
                        std::function<void()> onYes, std::function<void()> onNo)
{
    auto *box = new QMessageBox(tone == AskTone::Warning ? QMessageBox::Warning
                                                         : QMessageBox::Question,
                                title, text, QMessageBox::Yes | QMessageBox::No, parent);
    box->setDefaultButton(QMessageBox::No);
    box->setAttribute(Qt::WA_DeleteOnClose);
    // The parent as context: the answer is dropped when the asking window is gone.
    QObject::connect(box, &QMessageBox::finished, parent,
                     [yes = std::move(onYes), no = std::move(onNo)](int result) {
                         if (result == QMessageBox::Yes) {
                             if (yes)
                                 yes();
                         } else if (no) {
                             no();
                         }
                     });
    box->open();
    return box;
}

} // namespace Warden::Internal
