// wardend's configuration: an INI file read with QSettings (every key is documented in
// wardend.conf.example). Parsing is strict: an unknown section or key, or a value that does not
// parse, is an error that names the file, the section and the key, so a typo never silently
// leaves a listener open or a requirement off.
#pragma once

#include "bridgecommon.h"

#include <warden/engine.h>
#include <warden/linkplugin.h>
#include <warden/secretbytes.h>

#include <QtCore/QList>
#include <QtCore/QMap>
#include <QtCore/QString>

namespace Warden::Internal {

/// A [controller] or [api] section.
struct ListenerConfig
{
    bool enabled = true;
    QHostAddress address = QHostAddress(QHostAddress::LocalHost);
    quint16 port = 0;
    AccessToken token;
    TlsSettings tls;
    int maxClients = 0; ///< 0: the listener's default
};

/// A [link/<name>] section before its transport checks it: values are still text, because
/// only the transport's factory knows their types.
struct LinkSection
{
    QString name;
    QString type;
    QMap<QString, QString> settings;
};

/// [keys] store and its passphrase: the sealed key store (keystore.h) and where the passphrase
/// that opens it comes from. Never the passphrase itself.
struct KeyStoreConfig
{
    enum class Source : quint8 {
        /// The first that exists: the systemd credential, passphrase_file, WARDEN_PASSPHRASE,
        /// the OS keychain.
        Auto,
        Keychain, ///< PassphraseKeychain, under the store's absolute path
        File, ///< passphrase_file (mode 0600 or 0400)
        Environment, ///< WARDEN_PASSPHRASE (removed from the environment once read)
        Credential, ///< $CREDENTIALS_DIRECTORY/warden-passphrase (systemd LoadCredential=)
    };
    QString file; ///< empty: no key store (the daemon runs without the security service)
    Source source = Source::Auto;
    QString passphraseFile;
};

const char *passphraseSourceName(KeyStoreConfig::Source source);

struct DaemonConfig
{
    QString file; ///< the file read (may not exist: then every default holds)
    bool fileExists = false;
    EngineOptions engine;
    QString networkKeyFile;
    KeyStoreConfig keyStore;
    /// [inventory] database: the SQLite file (defaultInventoryFile() unless configured).
    QString inventoryFile;
    bool inventoryConfigured = false; ///< given in the file, not the default
    QList<LinkSection> links;
    ListenerConfig controller;
    ListenerConfig api;
    /// Run on the simulated network (no link configured, or --simulated) instead of links.
    bool simulated = false;
};

/// The default configuration file: $XDG_CONFIG_HOME/warden/wardend.conf (~/.config/...).
QString defaultConfigFile();
/// The default inventory: $XDG_DATA_HOME/warden/inventory.sqlite (~/.local/share/...).
QString defaultInventoryFile();

/// Reads @p file. A missing file is an error when @p required (given on the command line),
/// else the defaults apply. A file holding a token must not be readable by group or others.
Result<DaemonConfig> loadConfig(const QString &file, bool required);

/// Turns a link section into a LinkConfiguration with typed values, using the types of the
/// transport's defaultSettings(); snake_case keys are accepted for camelCase settings
/// (connect_timeout_ms = connectTimeoutMs). Errors name file, section and key.
Result<LinkConfiguration> linkConfiguration(const DaemonConfig &config, const LinkSection &section,
                                            const LinkRegistry &registry);

/// Reads the network key: 64 hex digits in a file of mode 0600 (or stricter). The error never
/// quotes the file's contents.
Result<SecretBytes> loadNetworkKey(const QString &file);

/// The environment variable and the systemd credential the passphrase may come from.
constexpr const char *kPassphraseVariable = "WARDEN_PASSPHRASE";
constexpr const char *kPassphraseCredential = "warden-passphrase";

/// The key store's passphrase from the configured source; @p from says which one it was
/// ("file /etc/warden/passphrase", "WARDEN_PASSPHRASE", ...). InvalidArgument: a configuration
/// problem (no source, a file others can read); Refused: a source that failed (the keychain).
/// The error never contains the passphrase.
Result<SecretBytes> loadPassphrase(const DaemonConfig &config, QString *from = nullptr);

} // namespace Warden::Internal
