#include "config.h"

#include <warden/keystore.h>
#include <warden/passphrasekeychain.h>

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QRegularExpression>
#include <QtCore/QSettings>
#include <QtCore/QStandardPaths>

#include <sys/stat.h>

using namespace Qt::StringLiterals;

namespace Warden::Internal {

namespace {

constexpr quint16 kControllerPort = 5003;
constexpr quint16 kApiPort = 5004;
constexpr qint64 kMaxKeyFileSize = 1024;

/// "file: [section] key: message"
tl::unexpected<Error> bad(const QString &file, const QString &section, const QString &key,
                          const QString &message)
{
    QString where = file + u": ["_s + section + u']';
    if (!key.isEmpty())
        where += u' ' + key;
    return fail(ErrorCode::InvalidArgument, where + u": "_s + message);
}

std::optional<bool> parseBool(const QString &text)
{
    const QString t = text.trimmed().toLower();
    if (t == u"true" || t == u"yes" || t == u"on" || t == u"1")
        return true;
    if (t == u"false" || t == u"no" || t == u"off" || t == u"0")
        return false;
    return std::nullopt;
}

/// st_mode & 0777 of an open file or a path; -1 when unknown.
int modeOf(const QString &path)
{
    struct stat st
    {
    };
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return int(st.st_mode & 0777);
}

QString octal(int mode)
{
    return u"%1"_s.arg(mode, 4, 8, QLatin1Char('0'));
}

/// A path in the configuration, relative to the configuration file's folder.
QString resolvePath(const QString &configFile, const QString &path)
{
    if (path.isEmpty() || QDir::isAbsolutePath(path))
        return path;
    return QFileInfo(configFile).absoluteDir().filePath(path);
}

/// "connect_timeout_ms" -> "connectTimeoutMs"
QString camelCase(const QString &snake)
{
    QString out;
    bool upper = false;
    for (const QChar c : snake) {
        if (c == u'_') {
            upper = true;
            continue;
        }
        out.append(upper ? c.toUpper() : c);
        upper = false;
    }
    return out;
}

Result<void> parseListener(const QString &file, const QString &section, const QString &key,
                           const QString &value, ListenerConfig &listener, bool &holdsSecret)
{
    if (key == u"enabled") {
        const auto b = parseBool(value);
        if (!b)
            return bad(file, section, key, u"\"%1\" is not true or false"_s.arg(value));
        listener.enabled = *b;
    } else if (key == u"listen") {
        const auto address = parseListenAddress(value);
        if (!address)
            return bad(file, section, key, address.error().message());
        listener.address = address->first;
        listener.port = address->second;
    } else if (key == u"token") {
        holdsSecret = true;
        const auto token = AccessToken::fromText(value.trimmed());
        if (!token)
            return bad(file, section, key, token.error().message());
        listener.token = *token;
    } else if (key == u"tls_cert") {
        listener.tls.certificateFile = resolvePath(file, value.trimmed());
    } else if (key == u"tls_key") {
        listener.tls.keyFile = resolvePath(file, value.trimmed());
    } else if (key == u"tls_client_fingerprint") {
        if (normalizeFingerprint(value).isEmpty())
            return bad(file, section, key,
                       u"not a SHA-256 fingerprint (64 hex digits, colons allowed)"_s);
        listener.tls.clientFingerprint = value.trimmed();
    } else if (key == u"max_clients") {
        bool ok = false;
        const int n = value.trimmed().toInt(&ok);
        if (!ok || n < 1 || n > 1000)
            return bad(file, section, key, u"\"%1\" is not a number 1..1000"_s.arg(value));
        listener.maxClients = n;
    } else {
        return bad(file, section, key,
                   u"unknown key (known: enabled, listen, token, tls_cert, tls_key, "
                   "tls_client_fingerprint, max_clients)"_s);
    }
    return {};
}

Result<void> checkListener(const QString &file, const QString &section,
                           const ListenerConfig &listener)
{
    if (!listener.enabled)
        return {};
    if (listener.tls.certificateFile.isEmpty() != listener.tls.keyFile.isEmpty())
        return bad(file, section,
                   listener.tls.certificateFile.isEmpty() ? u"tls_cert"_s : u"tls_key"_s,
                   u"TLS needs both tls_cert and tls_key"_s);
    if (listener.tls.pinsClient() && !listener.tls.isEnabled())
        return bad(file, section, u"tls_client_fingerprint"_s,
                   u"a pinned client certificate needs TLS (tls_cert, tls_key)"_s);
    if (auto exposed
        = checkExposure(listener.address, listener.token.isSet(), listener.tls, u"this listener"_s);
        !exposed)
        return bad(file, section, u"listen"_s, exposed.error().message());
    return {};
}

} // namespace

QString defaultConfigFile()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation)
           + u"/warden/wardend.conf"_s;
}

QString defaultInventoryFile()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
           + u"/warden/inventory.sqlite"_s;
}

Result<DaemonConfig> loadConfig(const QString &file, bool required)
{
    DaemonConfig config;
    config.file = file;
    config.controller.port = kControllerPort;
    config.api.port = kApiPort;
    config.inventoryFile = defaultInventoryFile();
    const QFileInfo info(file);
    if (!info.exists()) {
        if (required)
            return fail(ErrorCode::InvalidArgument, u"%1: no such file"_s.arg(file));
        return config;
    }
    if (!info.isFile())
        return fail(ErrorCode::InvalidArgument, u"%1: not a regular file"_s.arg(file));
    QFile probe(file);
    if (!probe.open(QIODevice::ReadOnly))
        return fail(ErrorCode::InvalidArgument, u"%1: %2"_s.arg(file, probe.errorString()));
    probe.close();
    config.fileExists = true;

    QSettings settings(file, QSettings::IniFormat);
    QStringList keys = settings.allKeys();
    if (settings.status() != QSettings::NoError)
        return fail(
                ErrorCode::InvalidArgument,
                u"%1: not a valid INI file (lines must be [section] or key = value)"_s.arg(file));
    keys.sort();
    bool holdsSecret = false;
    QMap<QString, LinkSection> links;
    static const QRegularExpression kLinkName(u"^[A-Za-z0-9_.-]{1,40}$"_s);

    for (const QString &fullKey : std::as_const(keys)) {
        const qsizetype slash = fullKey.lastIndexOf(u'/');
        if (slash < 0)
            return fail(ErrorCode::InvalidArgument,
                        u"%1: %2: a key outside any section (put it under [engine], "
                        "[controller], ...)"_s.arg(file, fullKey));
        const QString section = fullKey.left(slash);
        const QString key = fullKey.mid(slash + 1);
        const QVariant raw = settings.value(fullKey);
        // QSettings reads "a, b" as a list; every value here is one string.
        const QString value = raw.typeId() == QMetaType::QStringList ? raw.toStringList().join(u',')
                                                                     : raw.toString();

        if (section == u"engine") {
            if (key == u"mode") {
                if (value == u"host-gateway")
                    config.engine.mode = GatewayMode::HostGateway;
                else if (value == u"classic")
                    config.engine.mode = GatewayMode::Classic;
                else
                    return bad(file, section, key,
                               u"\"%1\" is not host-gateway or classic"_s.arg(value));
            } else if (key == u"require_signatures" || key == u"require_whitelisting") {
                const auto b = parseBool(value);
                if (!b)
                    return bad(file, section, key, u"\"%1\" is not true or false"_s.arg(value));
                (key == u"require_signatures" ? config.engine.requireSignatures
                                              : config.engine.requireWhitelisting)
                        = *b;
            } else if (key == u"lock_threshold") {
                bool ok = false;
                const int n = value.trimmed().toInt(&ok);
                if (!ok || n < 1 || n > 1000)
                    return bad(file, section, key, u"\"%1\" is not a number 1..1000"_s.arg(value));
                config.engine.lockThreshold = n;
            } else if (key == u"metric") {
                const auto b = parseBool(value);
                if (!b)
                    return bad(file, section, key, u"\"%1\" is not true or false"_s.arg(value));
                config.engine.metric = *b;
            } else {
                return bad(file, section, key,
                           u"unknown key (known: mode, require_signatures, "
                           "require_whitelisting, lock_threshold, metric)"_s);
            }
        } else if (section == u"controller") {
            if (auto r = parseListener(file, section, key, value, config.controller, holdsSecret);
                !r)
                return tl::unexpected(r.error());
        } else if (section == u"api") {
            if (auto r = parseListener(file, section, key, value, config.api, holdsSecret); !r)
                return tl::unexpected(r.error());
        } else if (section == u"keys") {
            if (key == u"network_key_file") {
                config.networkKeyFile = resolvePath(file, value.trimmed());
            } else if (key == u"store") {
                if (value.trimmed().isEmpty())
                    return bad(file, section, key, u"empty: name the key store file"_s);
                config.keyStore.file = resolvePath(file, value.trimmed());
            } else if (key == u"passphrase") {
                const QString v = value.trimmed();
                if (v == u"auto")
                    config.keyStore.source = KeyStoreConfig::Source::Auto;
                else if (v == u"keychain")
                    config.keyStore.source = KeyStoreConfig::Source::Keychain;
                else if (v == u"file")
                    config.keyStore.source = KeyStoreConfig::Source::File;
                else if (v == u"env")
                    config.keyStore.source = KeyStoreConfig::Source::Environment;
                else if (v == u"credential")
                    config.keyStore.source = KeyStoreConfig::Source::Credential;
                else
                    // Never quote the value: someone may have put the passphrase itself here.
                    return bad(file, section, key,
                               u"not one of auto, keychain, file, env, credential (the "
                               "passphrase itself never goes into this file)"_s);
            } else if (key == u"passphrase_file") {
                if (value.trimmed().isEmpty())
                    return bad(file, section, key, u"empty: name the passphrase file"_s);
                config.keyStore.passphraseFile = resolvePath(file, value.trimmed());
            } else {
                return bad(file, section, key,
                           u"unknown key (known: store, passphrase, passphrase_file, "
                           "network_key_file)"_s);
            }
        } else if (section.startsWith(u"link/")) {
            const QString name = section.mid(5);
            if (!kLinkName.match(name).hasMatch())
                return bad(file, section, QString(),
                           u"a link name has 1..40 letters, digits, '_', '.' or '-'"_s);
            LinkSection &link = links[name];
            link.name = name;
            if (key == u"type")
                link.type = value.trimmed();
            else
                link.settings.insert(key, value);
            // A broker password is a secret like a token.
            holdsSecret = holdsSecret || key == u"password";
        } else if (section == u"link") {
            return bad(file, section, key, u"name the link: [link/<name>]"_s);
        } else if (section == u"inventory") {
            if (key != u"database")
                return bad(file, section, key, u"unknown key (known: database)"_s);
            if (value.trimmed().isEmpty())
                return bad(file, section, key, u"empty: name the inventory's SQLite file"_s);
            config.inventoryFile = resolvePath(file, value.trimmed());
            config.inventoryConfigured = true;
        } else {
            return bad(file, section, key,
                       u"unknown section (known: engine, inventory, controller, api, keys, "
                       "link/<name>)"_s);
        }
    }

    for (const LinkSection &link : std::as_const(links)) {
        if (link.type.isEmpty())
            return bad(file, u"link/"_s + link.name, u"type"_s,
                       u"missing (serial, tcp, mqtt or simulated)"_s);
        config.links.append(link);
    }
    const KeyStoreConfig &ks = config.keyStore;
    if (ks.file.isEmpty()) {
        if (!ks.passphraseFile.isEmpty() || ks.source != KeyStoreConfig::Source::Auto)
            return bad(file, u"keys"_s,
                       ks.passphraseFile.isEmpty() ? u"passphrase"_s : u"passphrase_file"_s,
                       u"there is no key store: set store too"_s);
    } else {
        if (!config.networkKeyFile.isEmpty())
            return bad(file, u"keys"_s, u"network_key_file"_s,
                       u"not with a key store: the store holds the network keys (remove one)"_s);
        if (ks.source == KeyStoreConfig::Source::File && ks.passphraseFile.isEmpty())
            return bad(file, u"keys"_s, u"passphrase"_s, u"file needs passphrase_file"_s);
        if (!ks.passphraseFile.isEmpty() && ks.source != KeyStoreConfig::Source::File
            && ks.source != KeyStoreConfig::Source::Auto)
            return bad(file, u"keys"_s, u"passphrase_file"_s,
                       u"given, but passphrase = %1 does not read it"_s.arg(
                               QLatin1StringView(passphraseSourceName(ks.source))));
    }
    if (auto r = checkListener(file, u"controller"_s, config.controller); !r)
        return tl::unexpected(r.error());
    if (auto r = checkListener(file, u"api"_s, config.api); !r)
        return tl::unexpected(r.error());
    if (holdsSecret) {
        const int mode = modeOf(file);
        if (mode < 0 || (mode & 077) != 0)
            return fail(ErrorCode::Refused, u"%1 holds a token or password and is readable by "
                                            u"group or others (mode %2); chmod "
                                            "600 it"_s.arg(file, octal(mode)));
    }
    return config;
}

Result<LinkConfiguration> linkConfiguration(const DaemonConfig &config, const LinkSection &section,
                                            const LinkRegistry &registry)
{
    const QString where = u"link/"_s + section.name;
    LinkFactory *factory = registry.factory(section.type);
    if (!factory) {
        const QStringList known = registry.types();
        return bad(config.file, where, u"type"_s,
                   u"no transport \"%1\" (loaded: %2)"_s.arg(
                           section.type, known.isEmpty() ? u"none"_s : known.join(u", ")));
    }
    const QVariantMap defaults = factory->defaultSettings();
    LinkConfiguration out {section.type, section.name, {}};
    for (auto it = section.settings.cbegin(); it != section.settings.cend(); ++it) {
        QString key = it.key();
        if (!defaults.contains(key) && defaults.contains(camelCase(key)))
            key = camelCase(key);
        if (!defaults.contains(key))
            return bad(config.file, where, it.key(),
                       u"not a setting of a %1 link (known: type, %2)"_s.arg(
                               section.type, QStringList(defaults.keys()).join(u", ")));
        const QString text = it.value().trimmed();
        QVariant value;
        bool ok = true;
        switch (defaults.value(key).typeId()) {
        case QMetaType::Int: {
            value = text.toInt(&ok);
            break;
        }
        case QMetaType::UInt:
            value = text.toUInt(&ok);
            break;
        case QMetaType::LongLong:
            value = text.toLongLong(&ok);
            break;
        case QMetaType::ULongLong:
            value = text.toULongLong(&ok);
            break;
        case QMetaType::Double:
            value = text.toDouble(&ok);
            break;
        case QMetaType::Bool: {
            const auto b = parseBool(text);
            ok = b.has_value();
            value = b.value_or(false);
            break;
        }
        case QMetaType::QStringList:
            value = text.split(u',', Qt::SkipEmptyParts);
            break;
        default:
            value = it.value();
            break;
        }
        if (!ok) {
            const int type = defaults.value(key).typeId();
            const QString wanted = type == QMetaType::Bool     ? u"true or false"_s
                                   : type == QMetaType::Double ? u"a number"_s
                                                               : u"a whole number"_s;
            return bad(config.file, where, it.key(),
                       u"\"%1\" is not %2"_s.arg(text.left(60), wanted));
        }
        out.settings.insert(key, value);
    }
    // The transport checks ranges and combinations; its error names the key.
    auto link = factory->create(out);
    if (!link)
        return bad(config.file, where, QString(), link.error().message());
    return out;
}

Result<SecretBytes> loadNetworkKey(const QString &file)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        return fail(ErrorCode::InvalidArgument,
                    u"network key file %1: %2"_s.arg(file, f.errorString()));
    struct stat st
    {
    };
    if (::fstat(f.handle(), &st) != 0 || (st.st_mode & 077) != 0)
        return fail(
                ErrorCode::Refused,
                u"network key file %1 is readable by group or others (mode %2); chmod 600 it"_s.arg(
                        file, octal(int(st.st_mode & 0777))));
    if (f.size() > kMaxKeyFileSize)
        return fail(
                ErrorCode::InvalidArgument,
                u"network key file %1 is larger than %2 bytes; it holds 64 hex digits"_s.arg(file)
                        .arg(kMaxKeyFileSize));
    QByteArray text = f.readAll();
    QString hex = QString::fromLatin1(text.trimmed());
    text.fill('\0');
    auto key = SecretBytes::fromHex(hex, 32);
    hex.fill(u'\0');
    if (!key)
        return fail(ErrorCode::InvalidArgument,
                    u"network key file %1: %2"_s.arg(file, key.error().message()));
    return key;
}

const char *passphraseSourceName(KeyStoreConfig::Source source)
{
    switch (source) {
    case KeyStoreConfig::Source::Auto:
        return "auto";
    case KeyStoreConfig::Source::Keychain:
        return "keychain";
    case KeyStoreConfig::Source::File:
        return "file";
    case KeyStoreConfig::Source::Environment:
        return "env";
    case KeyStoreConfig::Source::Credential:
        return "credential";
    }
    return "auto";
}

namespace {

constexpr qint64 kMaxPassphraseFileSize = 4096;

/// The passphrase in @p path: the text without a final line break, from a file only its owner
/// can read. @p where names it in errors.
Result<SecretBytes> passphraseFromFile(const QString &path, const QString &where)
{
    const int mode = modeOf(path);
    if (mode < 0)
        return fail(
                ErrorCode::InvalidArgument,
                u"%1: the passphrase file %2 does not exist or cannot be read"_s.arg(where, path));
    if ((mode & 077) != 0)
        return fail(ErrorCode::InvalidArgument,
                    u"%1: the passphrase file %2 is readable by group or others (mode %3); chmod "
                    "600 it"_s.arg(where, path, octal(mode)));
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return fail(ErrorCode::InvalidArgument,
                    u"%1: the passphrase file %2: %3"_s.arg(where, path, f.errorString()));
    if (f.size() > kMaxPassphraseFileSize)
        return fail(ErrorCode::InvalidArgument,
                    u"%1: the passphrase file %2 is larger than %3 bytes: not a passphrase"_s
                            .arg(where, path)
                            .arg(kMaxPassphraseFileSize));
    QByteArray bytes = f.read(kMaxPassphraseFileSize + 1);
    while (bytes.endsWith('\n') || bytes.endsWith('\r'))
        bytes.chop(1);
    QString text = QString::fromUtf8(bytes);
    bytes.fill('\0');
    if (text.isEmpty())
        return fail(ErrorCode::InvalidArgument,
                    u"%1: the passphrase file %2 is empty"_s.arg(where, path));
    SecretBytes out = KeyStore::passphraseFromText(text);
    text.fill(u'\0');
    return out;
}

} // namespace

Result<SecretBytes> loadPassphrase(const DaemonConfig &config, QString *from)
{
    using Source = KeyStoreConfig::Source;
    const KeyStoreConfig &ks = config.keyStore;
    const QString where = config.file + u": [keys]"_s;
    const QString credentialDir = qEnvironmentVariable("CREDENTIALS_DIRECTORY");
    const QString credential
            = credentialDir.isEmpty()
                      ? QString()
                      : QDir(credentialDir).filePath(QLatin1StringView(kPassphraseCredential));
    auto note = [from](const QString &what) {
        if (from)
            *from = what;
    };
    Source source = ks.source;
    if (source == Source::Auto) {
        if (!credential.isEmpty() && QFileInfo::exists(credential))
            source = Source::Credential;
        else if (!ks.passphraseFile.isEmpty())
            source = Source::File;
        else if (qEnvironmentVariableIsSet(kPassphraseVariable))
            source = Source::Environment;
        else if (PassphraseKeychain::isAvailable())
            source = Source::Keychain;
        else
            return fail(ErrorCode::InvalidArgument,
                        u"%1 passphrase: no passphrase for the key store %2: set passphrase_file, "
                        "%3, or the systemd credential %4 (this build has no OS keychain)"_s.arg(
                                where, ks.file, QLatin1StringView(kPassphraseVariable),
                                QLatin1StringView(kPassphraseCredential)));
    }
    switch (source) {
    case Source::Credential:
        if (credential.isEmpty())
            return fail(ErrorCode::InvalidArgument,
                        u"%1 passphrase: credential, but CREDENTIALS_DIRECTORY is not set (systemd "
                        "LoadCredential=%2:...)"_s.arg(where,
                                                       QLatin1StringView(kPassphraseCredential)));
        note(u"the systemd credential %1"_s.arg(QLatin1StringView(kPassphraseCredential)));
        return passphraseFromFile(credential, where + u" passphrase"_s);
    case Source::File:
        note(u"the file %1"_s.arg(ks.passphraseFile));
        return passphraseFromFile(ks.passphraseFile, where + u" passphrase_file"_s);
    case Source::Environment: {
        if (!qEnvironmentVariableIsSet(kPassphraseVariable))
            return fail(ErrorCode::InvalidArgument,
                        u"%1 passphrase: env, but %2 is not set"_s.arg(
                                where, QLatin1StringView(kPassphraseVariable)));
        QString text = qEnvironmentVariable(kPassphraseVariable);
        // Not inherited by anything the daemon starts, nor readable longer than needed.
        qunsetenv(kPassphraseVariable);
        if (text.isEmpty())
            return fail(ErrorCode::InvalidArgument,
                        u"%1 passphrase: %2 is empty"_s.arg(
                                where, QLatin1StringView(kPassphraseVariable)));
        note(QLatin1StringView(kPassphraseVariable));
        SecretBytes out = KeyStore::passphraseFromText(text);
        text.fill(u'\0');
        return out;
    }
    case Source::Keychain: {
        note(u"the OS keychain"_s);
        PassphraseKeychain keychain;
        const QString account = QFileInfo(ks.file).absoluteFilePath();
        Result<SecretBytes> fetched = keychain.fetch(account);
        if (!fetched)
            return fail(ErrorCode::Refused,
                        u"%1 passphrase: the OS keychain has no passphrase for %2: %3"_s.arg(
                                where, account, fetched.error().message()));
        return fetched;
    }
    case Source::Auto:
        break;
    }
    return fail(ErrorCode::InvalidArgument, u"%1 passphrase: no source"_s.arg(where));
}

} // namespace Warden::Internal
