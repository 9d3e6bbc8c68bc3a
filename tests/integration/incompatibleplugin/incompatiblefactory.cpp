// A link plugin whose metadata claims interface version 2. tst_linkregistry proves that the
// registry refuses it from the metadata alone: if the library were ever loaded, the static
// object below would mark the environment; if it were instantiated, the constructor would.
#include <warden/linkplugin.h>

#include <QtCore/QObject>

namespace {

struct MarkLoaded
{
    MarkLoaded() { qputenv("WARDEN_TEST_INCOMPATIBLE_LOADED", "1"); }
};
const MarkLoaded kMarkLoaded;

} // namespace

class IncompatibleLinkFactory : public QObject, public Warden::LinkFactory
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID WARDEN_LINK_FACTORY_IID FILE "incompatible.json")
    Q_INTERFACES(Warden::LinkFactory)

public:
    IncompatibleLinkFactory() { qputenv("WARDEN_TEST_INCOMPATIBLE_INSTANTIATED", "1"); }

    QString type() const override { return QStringLiteral("future"); }
    QVariantMap defaultSettings() const override { return {}; }
    Warden::Result<std::unique_ptr<Warden::Link>>
    create(const Warden::LinkConfiguration &configuration) override
    {
        return Warden::fail(Warden::ErrorCode::Refused,
                            QStringLiteral("link %1: never made").arg(configuration.name));
    }
};

#include "incompatiblefactory.moc"
