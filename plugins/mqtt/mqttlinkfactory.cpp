#include "mqttlinkfactory.h"

#include "mqttlink.h"

using namespace Qt::StringLiterals;

namespace Warden::Internal {

MqttLinkFactory::MqttLinkFactory(QObject *parent)
    : QObject(parent)
{ }

QString MqttLinkFactory::type() const
{
    return u"mqtt"_s;
}

QVariantMap MqttLinkFactory::defaultSettings() const
{
    return MqttLink::defaultSettings();
}

Result<std::unique_ptr<Link>> MqttLinkFactory::create(const LinkConfiguration &configuration)
{
    if (configuration.type != type())
        return fail(
                ErrorCode::InvalidArgument,
                u"link \"%1\": a configuration of type \"%2\" given to the mqtt transport"_s.arg(
                        configuration.name, configuration.type));
    if (configuration.name.trimmed().isEmpty())
        return fail(ErrorCode::InvalidArgument, u"an mqtt link needs a name"_s);
    Result<MqttSettings> settings
            = MqttLink::parseSettings(configuration.name, configuration.settings);
    if (!settings)
        return tl::unexpected(settings.error());
    return std::unique_ptr<Link>(new MqttLink(configuration, std::move(*settings)));
}

} // namespace Warden::Internal
