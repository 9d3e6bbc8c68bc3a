// Transports as Qt plugins: each plugin under plugins/<name>/ exports one LinkFactory with JSON
// metadata (Type, Name, Version, CompatVersion, Description). The registry reads the metadata
// before loading, refuses plugins built for another interface version, and keeps the outcome
// of every load as data (state + error text) for the console and the daemon to show.
#pragma once

#include <warden/link.h>

#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QStringList>
#include <QtCore/QtPlugin>

#include <memory>

namespace Warden {

/// Version of the plugin interface; a plugin's CompatVersion must equal it.
constexpr int kLinkPluginInterfaceVersion = 1;

/// One transport. Implemented by each plugin (and by programs that link a transport in).
class WARDEN_CORE_EXPORT LinkFactory
{
public:
    virtual ~LinkFactory();

    /// The key configurations use ("serial", "tcp", "mqtt", "simulated").
    virtual QString type() const = 0;
    /// The settings it understands, with their defaults, for editors and documentation.
    virtual QVariantMap defaultSettings() const = 0;
    /// Makes a (closed) link. Checks the settings first: an unknown key or a bad value is an
    /// error that names it.
    virtual Result<std::unique_ptr<Link>> create(const LinkConfiguration &configuration) = 0;
};

} // namespace Warden

#define WARDEN_LINK_FACTORY_IID "org.warden.LinkFactory/1"
Q_DECLARE_INTERFACE(Warden::LinkFactory, WARDEN_LINK_FACTORY_IID)

namespace Warden {

/// The outcome of looking at one plugin file.
struct LinkPluginInfo
{
    enum class State : quint8 {
        Loaded, ///< usable
        Incompatible, ///< metadata says another interface version or IID: not loaded
        Invalid, ///< metadata missing or wrong, or the library does not load
        Duplicate, ///< a transport of the same type was already registered
    };
    QString fileName;
    QString type;
    QString name;
    QString version;
    QString description;
    State state = State::Invalid;
    QString errorString; ///< why it is not Loaded
};

WARDEN_CORE_EXPORT const char *linkPluginStateName(LinkPluginInfo::State state);

class WARDEN_CORE_EXPORT LinkRegistry
{
public:
    LinkRegistry();
    ~LinkRegistry();
    LinkRegistry(const LinkRegistry &) = delete;
    LinkRegistry &operator=(const LinkRegistry &) = delete;

    /// Adds a factory that is linked into the program. The registry does not own it.
    Result<void> addFactory(LinkFactory *factory);
    /// Looks at every shared library in @p directory and loads the link plugins among them.
    /// Returns what happened to each file (also kept in plugins()).
    QList<LinkPluginInfo> loadDirectory(const QString &directory);
    /// Loads one plugin file.
    LinkPluginInfo loadFile(const QString &fileName);
    /// Registers the link plugins linked into the program (Q_IMPORT_PLUGIN of a
    /// warden_link_<name>_static library), with the same metadata checks as files; other
    /// static plugins are passed over. Their fileName reads "static:<class name>".
    QList<LinkPluginInfo> loadStaticPlugins();

    /// The default plugin directories: $WARDEN_PLUGIN_PATH (colon-separated), then the
    /// folder "warden/links" under each Qt library path, then "../lib/warden/links" and
    /// "plugins" beside the running program.
    static QStringList defaultDirectories();

    QList<LinkPluginInfo> plugins() const;
    QStringList types() const;
    LinkFactory *factory(const QString &type) const;
    /// Creates a link of configuration.type; an unknown type is an error that lists the known.
    Result<std::unique_ptr<Link>> create(const LinkConfiguration &configuration) const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace Warden
