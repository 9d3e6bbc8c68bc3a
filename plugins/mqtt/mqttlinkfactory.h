// The MQTT transport's plugin object: loaded by LinkRegistry from warden_link_mqtt, or linked in
// through warden_link_mqtt_static (Q_IMPORT_PLUGIN(MqttLinkFactory)).
#pragma once

#include <warden/linkplugin.h>

#include <QtCore/QObject>

namespace Warden::Internal {

class MqttLinkFactory : public QObject, public LinkFactory
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID WARDEN_LINK_FACTORY_IID FILE "mqtt.json")
    Q_INTERFACES(Warden::LinkFactory)

public:
    explicit MqttLinkFactory(QObject *parent = nullptr);

    QString type() const override;
    QVariantMap defaultSettings() const override;
    /// Checks the settings (MqttLink::parseSettings) and makes a closed MqttLink.
    Result<std::unique_ptr<Link>> create(const LinkConfiguration &configuration) override;
};

} // namespace Warden::Internal
