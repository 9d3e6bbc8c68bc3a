// Live traffic as the user sees it: the frames table (newest at the bottom, followed while the
// user has not scrolled away), pause, "rejected only", a node filter, export to CSV, and a
// banner that cannot be missed when a burst of failed verifications arrives.
#pragma once

#include <models/trafficmodel.h>

#include <QtWidgets/QWidget>

#include <deque>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QFrame;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
QT_END_NAMESPACE

namespace Warden::Internal {

class TrafficView : public QWidget
{
    Q_OBJECT

public:
    /// Failed verifications within kBurstWindowMs that raise the banner.
    static constexpr int kBurstThreshold = 5;
    static constexpr qint64 kBurstWindowMs = 10000;

    explicit TrafficView(TrafficModel *model, QWidget *parent = nullptr);

    /// Feeds one frame: into the model, and into the burst detector.
    void addFrame(const QString &network, const TrafficRecord &record);
    /// Shows an engine alert (lock, flood, revoked node talking) in the banner.
    void showAlert(const QString &text);
    void dismissAlert();

    QPushButton *pauseButton() const { return m_pause; }
    QCheckBox *rejectedOnly() const { return m_rejected; }
    QLineEdit *nodeFilter() const { return m_nodes; }
    QTableView *table() const { return m_table; }
    TrafficFilterProxy *proxy() const { return m_proxy; }
    /// The banner's text; empty while none is shown.
    QString alertText() const;

    /// Sizes the columns to what they hold, the payload to at most kPayloadChars characters,
    /// and leaves the rest of the width to the reason (the last column, stretched; a longer
    /// reason is elided, its tooltip gives it whole). The user's widths from QSettings
    /// (MainWindow) are restored over the defaults the view starts with.
    void fitColumns();
    /// The widest the payload column gets from fitColumns(), in characters.
    static constexpr int kPayloadChars = 24;

    /// Writes the frames to @p path as CSV; the error names the file.
    Result<void> exportTo(const QString &path) const;

Q_SIGNALS:
    /// The banner went up: a burst of failed verifications, or an engine alert.
    void alertRaised(const QString &text);

private:
    void applyNodeFilter();

    TrafficModel *m_model;
    TrafficFilterProxy *m_proxy;
    QPushButton *m_pause;
    QCheckBox *m_rejected;
    QLineEdit *m_nodes;
    QFrame *m_bannerBox;
    QLabel *m_banner;
    QTableView *m_table;
    std::deque<qint64> m_failures[256]; ///< per node: times of recent failed verifications
};

} // namespace Warden::Internal
