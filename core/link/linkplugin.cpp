#include <warden/linkplugin.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QDir>
#include <QtCore/QJsonObject>
#include <QtCore/QLibrary>
#include <QtCore/QLoggingCategory>
#include <QtCore/QPluginLoader>

#include <functional>
#include <map>

using namespace Qt::StringLiterals;

namespace Warden {

Q_LOGGING_CATEGORY(lcLinkPlugin, "warden.core.link.plugin")

LinkFactory::~LinkFactory() = default;

const char *linkPluginStateName(LinkPluginInfo::State state)
{
    switch (state) {
    case LinkPluginInfo::State::Loaded:
        return "loaded";
    case LinkPluginInfo::State::Incompatible:
        return "incompatible";
    case LinkPluginInfo::State::Invalid:
        return "invalid";
    case LinkPluginInfo::State::Duplicate:
        return "duplicate";
    }
    return "?";
}

struct LinkRegistry::Private
{
    std::map<QString, LinkFactory *> factories;
    QList<LinkPluginInfo> plugins;
    // Loaders stay alive as long as the registry: their instances are the factories.
    std::vector<std::unique_ptr<QPluginLoader>> loaders;

    /// Checks a plugin's metadata and only then instantiates it (through @p instantiate,
    /// which returns the instance or an error text) and registers its factory.
    LinkPluginInfo examine(LinkPluginInfo info, const QJsonObject &meta,
                           const std::function<QObject *(QString &error)> &instantiate);
};

LinkRegistry::LinkRegistry()
    : d(std::make_unique<Private>())
{ }

LinkRegistry::~LinkRegistry() = default;

Result<void> LinkRegistry::addFactory(LinkFactory *factory)
{
    if (!factory)
        return fail(ErrorCode::InvalidArgument, u"no link factory given"_s);
    const QString type = factory->type();
    if (type.isEmpty())
        return fail(ErrorCode::InvalidArgument, u"a link factory has an empty type"_s);
    if (d->factories.count(type))
        return fail(ErrorCode::Refused,
                    u"a link transport of type \"%1\" is already registered"_s.arg(type));
    d->factories.emplace(type, factory);
    return {};
}

QList<LinkPluginInfo> LinkRegistry::loadDirectory(const QString &directory)
{
    QList<LinkPluginInfo> result;
    const QDir dir(directory);
    const QStringList entries = dir.entryList(QDir::Files | QDir::Readable, QDir::Name);
    for (const QString &entry : entries) {
        const QString path = dir.absoluteFilePath(entry);
        if (!QLibrary::isLibrary(path))
            continue;
        result.append(loadFile(path));
    }
    return result;
}

LinkPluginInfo LinkRegistry::loadFile(const QString &fileName)
{
    LinkPluginInfo info;
    info.fileName = fileName;
    auto loader = std::make_unique<QPluginLoader>(fileName);
    // The metadata is read without running any of the plugin's code.
    const QJsonObject meta = loader->metaData();
    if (meta.isEmpty()) {
        info.state = LinkPluginInfo::State::Invalid;
        info.errorString = u"not a Qt plugin: %1"_s.arg(loader->errorString());
        qCWarning(lcLinkPlugin).noquote() << "plugin" << fileName << "invalid:" << info.errorString;
        d->plugins.append(info);
        return info;
    }
    info = d->examine(std::move(info), meta, [&loader](QString &error) -> QObject * {
        QObject *instance = loader->instance();
        if (!instance)
            error = loader->errorString();
        return instance;
    });
    if (info.state == LinkPluginInfo::State::Loaded)
        d->loaders.push_back(std::move(loader));
    return info;
}

QList<LinkPluginInfo> LinkRegistry::loadStaticPlugins()
{
    QList<LinkPluginInfo> result;
    const QList<QStaticPlugin> statics = QPluginLoader::staticPlugins();
    for (const QStaticPlugin &plugin : statics) {
        const QJsonObject meta = plugin.metaData();
        if (meta.value("IID"_L1).toString() != QLatin1StringView(WARDEN_LINK_FACTORY_IID))
            continue;
        LinkPluginInfo info;
        info.fileName = "static:"_L1 + meta.value("className"_L1).toString();
        result.append(d->examine(std::move(info), meta, [&plugin](QString &error) -> QObject * {
            QObject *instance = plugin.instance();
            if (!instance)
                error = u"the static plugin made no instance"_s;
            return instance;
        }));
    }
    return result;
}

LinkPluginInfo
LinkRegistry::Private::examine(LinkPluginInfo info, const QJsonObject &meta,
                               const std::function<QObject *(QString &error)> &instantiate)
{
    const QString fileName = info.fileName;
    auto finish = [&](LinkPluginInfo::State state, QString error) {
        info.state = state;
        info.errorString = std::move(error);
        if (state == LinkPluginInfo::State::Loaded)
            qCInfo(lcLinkPlugin).noquote() << "loaded" << info.type << "transport from" << fileName;
        else
            qCWarning(lcLinkPlugin).noquote() << "plugin" << fileName << linkPluginStateName(state)
                                              << ":" << info.errorString;
        plugins.append(info);
        return info;
    };
    const QString iid = meta.value("IID"_L1).toString();
    if (iid != QLatin1StringView(WARDEN_LINK_FACTORY_IID))
        return finish(LinkPluginInfo::State::Incompatible,
                      u"interface \"%1\", expected \"%2\""_s.arg(
                              iid, QLatin1StringView(WARDEN_LINK_FACTORY_IID)));
    const QJsonObject data = meta.value("MetaData"_L1).toObject();
    info.type = data.value("Type"_L1).toString();
    info.name = data.value("Name"_L1).toString();
    info.version = data.value("Version"_L1).toString();
    info.description = data.value("Description"_L1).toString();
    if (info.type.isEmpty() || info.name.isEmpty())
        return finish(LinkPluginInfo::State::Invalid, u"metadata without \"Type\" or \"Name\""_s);
    const int compat = data.value("CompatVersion"_L1).toInt(-1);
    if (compat != kLinkPluginInterfaceVersion)
        return finish(LinkPluginInfo::State::Incompatible,
                      u"CompatVersion %1, this core needs %2"_s.arg(compat).arg(
                              kLinkPluginInterfaceVersion));
    if (factories.count(info.type))
        return finish(LinkPluginInfo::State::Duplicate,
                      u"a \"%1\" transport is already registered"_s.arg(info.type));
    QString loadError;
    QObject *instance = instantiate(loadError);
    if (!instance)
        return finish(LinkPluginInfo::State::Invalid, u"does not load: %1"_s.arg(loadError));
    auto *factory = qobject_cast<LinkFactory *>(instance);
    if (!factory)
        return finish(LinkPluginInfo::State::Invalid,
                      u"its instance does not implement %1"_s.arg(
                              QLatin1StringView(WARDEN_LINK_FACTORY_IID)));
    if (factory->type() != info.type)
        return finish(LinkPluginInfo::State::Invalid,
                      u"metadata says type \"%1\", the factory says \"%2\""_s.arg(info.type,
                                                                                  factory->type()));
    factories.emplace(info.type, factory);
    return finish(LinkPluginInfo::State::Loaded, {});
}

QStringList LinkRegistry::defaultDirectories()
{
    QStringList dirs;
    const QString env = qEnvironmentVariable("WARDEN_PLUGIN_PATH");
    for (const QString &dir : env.split(u':', Qt::SkipEmptyParts))
        dirs.append(dir);
    for (const QString &path : QCoreApplication::libraryPaths())
        dirs.append(path + "/warden/links"_L1);
    const QString appDir = QCoreApplication::applicationDirPath();
    if (!appDir.isEmpty()) {
        dirs.append(QDir::cleanPath(appDir + "/../lib/warden/links"_L1));
        dirs.append(QDir::cleanPath(appDir + "/plugins"_L1));
    }
    dirs.removeDuplicates();
    return dirs;
}

QList<LinkPluginInfo> LinkRegistry::plugins() const
{
    return d->plugins;
}

QStringList LinkRegistry::types() const
{
    QStringList result;
    for (const auto &entry : d->factories)
        result.append(entry.first);
    return result;
}

LinkFactory *LinkRegistry::factory(const QString &type) const
{
    const auto it = d->factories.find(type);
    return it == d->factories.end() ? nullptr : it->second;
}

Result<std::unique_ptr<Link>> LinkRegistry::create(const LinkConfiguration &configuration) const
{
    LinkFactory *f = factory(configuration.type);
    if (!f) {
        const QStringList known = types();
        return fail(ErrorCode::InvalidArgument,
                    u"link \"%1\": unknown transport \"%2\" (known: %3)"_s.arg(
                            configuration.name, configuration.type,
                            known.isEmpty() ? u"none loaded"_s : known.join(u", "_s)));
    }
    return f->create(configuration);
}

} // namespace Warden
