#include "simulatedlinkfactory.h"

#include "simulatedlink.h"

using namespace Qt::StringLiterals;

namespace Warden::Internal {

SimulatedLinkFactory::SimulatedLinkFactory(QObject *parent)
    : QObject(parent)
{ }

QString SimulatedLinkFactory::type() const
{
    return u"simulated"_s;
}

QVariantMap SimulatedLinkFactory::defaultSettings() const
{
    return SimulatedLink::defaultSettings();
}

Result<std::unique_ptr<Link>> SimulatedLinkFactory::create(const LinkConfiguration &configuration)
{
    if (configuration.type != type())
        return fail(ErrorCode::InvalidArgument,
                    u"link \"%1\": a configuration of type \"%2\" given to the simulated "
                    u"transport"_s.arg(configuration.name, configuration.type));
    if (configuration.name.trimmed().isEmpty())
        return fail(ErrorCode::InvalidArgument, u"a simulated link needs a name"_s);
    Result<SimulatedSettings> settings
            = SimulatedLink::parseSettings(configuration.name, configuration.settings);
    if (!settings)
        return tl::unexpected(settings.error());
    return std::unique_ptr<Link>(new SimulatedLink(configuration, std::move(*settings)));
}

} // namespace Warden::Internal
