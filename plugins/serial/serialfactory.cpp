#include "serialfactory.h"

#include "seriallink.h"

using namespace Qt::StringLiterals;

namespace Warden::Internal {

SerialLinkFactory::SerialLinkFactory(QObject *parent)
    : QObject(parent)
{ }

QString SerialLinkFactory::type() const
{
    return u"serial"_s;
}

QVariantMap SerialLinkFactory::defaultSettings() const
{
    return SerialLink::defaultSettings();
}

Result<std::unique_ptr<Link>> SerialLinkFactory::create(const LinkConfiguration &configuration)
{
    if (configuration.type != type())
        return fail(ErrorCode::InvalidArgument,
                    u"link %1: a configuration of type \"%2\" given to the serial transport"_s.arg(
                            configuration.name, configuration.type));
    if (configuration.name.trimmed().isEmpty())
        return fail(ErrorCode::InvalidArgument, u"a serial link needs a name"_s);
    Result<SerialSettings> settings
            = SerialLink::parseSettings(configuration.name, configuration.settings);
    if (!settings)
        return tl::unexpected(settings.error());
    return std::unique_ptr<Link>(new SerialLink(configuration, std::move(*settings)));
}

} // namespace Warden::Internal
