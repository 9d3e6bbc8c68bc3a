#include "tcpfactory.h"

#include "tcplink.h"

using namespace Qt::StringLiterals;

namespace Warden::Internal {

TcpLinkFactory::TcpLinkFactory(QObject *parent)
    : QObject(parent)
{ }

QString TcpLinkFactory::type() const
{
    return u"tcp"_s;
}

QVariantMap TcpLinkFactory::defaultSettings() const
{
    return TcpLink::defaultSettings();
}

Result<std::unique_ptr<Link>> TcpLinkFactory::create(const LinkConfiguration &configuration)
{
    if (configuration.type != type())
        return fail(ErrorCode::InvalidArgument,
                    u"link %1: a configuration of type \"%2\" given to the tcp transport"_s.arg(
                            configuration.name, configuration.type));
    if (configuration.name.trimmed().isEmpty())
        return fail(ErrorCode::InvalidArgument, u"a tcp link needs a name"_s);
    Result<TcpSettings> settings
            = TcpLink::parseSettings(configuration.name, configuration.settings);
    if (!settings)
        return tl::unexpected(settings.error());
    return std::unique_ptr<Link>(new TcpLink(configuration, std::move(*settings)));
}

} // namespace Warden::Internal
