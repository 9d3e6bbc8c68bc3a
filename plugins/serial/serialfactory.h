// The serial transport's plugin object: loaded by LinkRegistry from warden_link_serial, or
// linked in through warden_link_serial_static (Q_IMPORT_PLUGIN(SerialLinkFactory)).
#pragma once

#include <warden/linkplugin.h>

#include <QtCore/QObject>

namespace Warden::Internal {

class SerialLinkFactory : public QObject, public LinkFactory
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID WARDEN_LINK_FACTORY_IID FILE "serial.json")
    Q_INTERFACES(Warden::LinkFactory)

public:
    explicit SerialLinkFactory(QObject *parent = nullptr);

    QString type() const override;
    QVariantMap defaultSettings() const override;
    Result<std::unique_ptr<Link>> create(const LinkConfiguration &configuration) override;
};

} // namespace Warden::Internal
