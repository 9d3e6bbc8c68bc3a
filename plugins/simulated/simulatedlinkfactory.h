// The simulated network's plugin object: loaded by LinkRegistry from warden_link_simulated, or
// linked in through warden_link_simulated_static (Q_IMPORT_PLUGIN(SimulatedLinkFactory)).
#pragma once

#include <warden/linkplugin.h>

#include <QtCore/QObject>

namespace Warden::Internal {

class SimulatedLinkFactory : public QObject, public LinkFactory
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID WARDEN_LINK_FACTORY_IID FILE "simulated.json")
    Q_INTERFACES(Warden::LinkFactory)

public:
    explicit SimulatedLinkFactory(QObject *parent = nullptr);

    QString type() const override;
    QVariantMap defaultSettings() const override;
    /// Checks the settings (SimulatedLink::parseSettings) and makes a closed SimulatedLink.
    Result<std::unique_ptr<Link>> create(const LinkConfiguration &configuration) override;
};

} // namespace Warden::Internal
