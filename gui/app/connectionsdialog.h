// The gateways the console talks to: a list with each connection's state in plain words,
// add / edit / remove, connect / disconnect. The editor offers the transports the registry
// loaded (serial with a picker of the real ports, TCP, MQTT, the simulated network) and lets
// the transport's own factory check the settings: its error names the key, and the editor
// shows it next to that field.
#pragma once

#include "consolesession.h"

#include <QtWidgets/QDialog>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;
class QStackedWidget;
QT_END_NAMESPACE

namespace Warden::Internal {

/// Edits one connection's settings (a new one when @p existing is empty).
class ConnectionEditor : public QDialog
{
    Q_OBJECT

public:
    ConnectionEditor(ConsoleSession *session, const QString &existing, QWidget *parent = nullptr);

    /// What the fields say now.
    ConnectionSettings settings() const;
    void setSettings(const ConnectionSettings &settings);

    QLineEdit *nameField() const { return m_name; }
    QComboBox *typeField() const { return m_type; }
    QComboBox *modeField() const { return m_mode; }
    QComboBox *serialPortField() const { return m_serialPort; }
    QLineEdit *tcpHostField() const { return m_tcpHost; }
    QSpinBox *tcpPortField() const { return m_tcpPort; }
    QLineEdit *mqttHostField() const { return m_mqttHost; }
    QSpinBox *mqttPortField() const { return m_mqttPort; }
    QSpinBox *simulatedNodesField() const { return m_simNodes; }
    /// The error shown next to the field of @p key ("port", "host", "name", ...); empty if none.
    QString errorFor(const QString &key) const;

    /// Fills the serial port picker with the ports the system has now.
    void refreshPorts();

public Q_SLOTS:
    /// Checks the settings with the session (the factory's check); accepts only if they pass.
    void accept() override;

private:
    QLabel *errorLabel(const QString &key);
    void clearErrors();
    void showError(const Error &error);
    void typeChanged();

    ConsoleSession *m_session;
    QString m_existing;
    QLineEdit *m_name;
    QComboBox *m_type;
    QComboBox *m_mode;
    QCheckBox *m_autoConnect;
    QStackedWidget *m_pages;
    QComboBox *m_serialPort;
    QComboBox *m_serialBaud;
    QComboBox *m_serialFraming;
    QLineEdit *m_tcpHost;
    QSpinBox *m_tcpPort;
    QLineEdit *m_mqttHost;
    QSpinBox *m_mqttPort;
    QLineEdit *m_mqttUser;
    QLineEdit *m_mqttPassword;
    QLineEdit *m_mqttPublish;
    QLineEdit *m_mqttSubscribe;
    QSpinBox *m_simNodes;
    QLabel *m_generalError;
    QHash<QString, QLabel *> m_errors; ///< setting key -> its error label
    QVariantMap m_other; ///< settings the fields do not show, kept as they were
};

class ConnectionsDialog : public QDialog
{
    Q_OBJECT

public:
    explicit ConnectionsDialog(ConsoleSession *session, QWidget *parent = nullptr);

    QListWidget *list() const { return m_list; }
    QPushButton *addButton() const { return m_add; }
    QPushButton *editButton() const { return m_edit; }
    QPushButton *removeButton() const { return m_remove; }
    QPushButton *connectButton() const { return m_connect; }
    QPushButton *disconnectButton() const { return m_disconnect; }
    /// The name of the selected connection; empty if none.
    QString selected() const;

public Q_SLOTS:
    void addConnection();
    void editConnection();
    void removeConnection();

private:
    void reload();
    void updateRow(const QString &name);
    void updateButtons();

    ConsoleSession *m_session;
    QListWidget *m_list;
    QPushButton *m_add;
    QPushButton *m_edit;
    QPushButton *m_remove;
    QPushButton *m_connect;
    QPushButton *m_disconnect;
};

} // namespace Warden::Internal
