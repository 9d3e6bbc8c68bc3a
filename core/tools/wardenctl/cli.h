// wardenctl's plumbing: exit codes, the output streams, error reporting, the option
// definitions shared between subcommands and the parsing of option values.
//
// wardenctl is the first program that embeds Warden the way a third party would: it uses
// only the public headers (<warden/...>, <warden/protocol/...>) and links only Warden::Core.
#pragma once

#include <warden/error.h>
#include <warden/protocol/message.h>
#include <warden/protocol/signing.h>
#include <warden/secretbytes.h>
#include <warden/signer.h>

#include <QtCore/QCommandLineOption>
#include <QtCore/QCommandLineParser>
#include <QtCore/QJsonObject>
#include <QtCore/QList>
#include <QtCore/QString>
#include <QtCore/QTextStream>

#include <optional>

namespace Warden::Tools {

/// The process exit codes, documented in --help.
enum ExitCode : int {
    kExitOk = 0,
    kExitFailed = 1, ///< verification failed, or the demo saw an unexpected outcome
    kExitUsage = 2, ///< unknown subcommand, missing or bad option
    kExitMalformed = 3, ///< the input does not decode, or cannot be processed (no room to sign)
};

/// Something that stops a subcommand: the exit code, what was wrong ("frame", "key") and a
/// sentence. The sentence never quotes secret input.
struct Failure
{
    int exitCode;
    QString what;
    QString message;
};

template<typename T>
using Checked = tl::expected<T, Failure>;

inline tl::unexpected<Failure> failure(int exitCode, QString what, QString message)
{
    return tl::unexpected<Failure>(Failure {exitCode, std::move(what), std::move(message)});
}

/// Output of one run: human text on stdout, or with --json exactly one JSON object on stdout;
/// errors always as one line on stderr.
class Cli
{
public:
    explicit Cli(bool json);
    ~Cli();

    bool json() const { return m_json; }
    QTextStream &out() { return m_out; }
    QTextStream &err() { return m_err; }

    /// Reports @p failure (stderr line, and {"error": {...}} on stdout with --json) and
    /// returns its exit code.
    /// With --json, @p partial (what was decoded before the failure) is printed with the
    /// "error" member added, so stdout still holds exactly one object.
    int fail(const Failure &failure, QJsonObject partial = QJsonObject());
    int fail(int exitCode, const QString &what, const QString &message)
    {
        return fail(Failure {exitCode, what, message});
    }

    /// One aligned "label   value" line of the text output (ignored with --json).
    void field(const QString &label, const QString &value, int indent = 0);
    /// A plain text line (ignored with --json).
    void line(const QString &text = QString());
    /// Writes @p object as the one JSON document of this run (only with --json).
    void printJson(const QJsonObject &object);

private:
    bool m_json;
    QTextStream m_out;
    QTextStream m_err;
};

/// Uppercase hex, optionally with a space between bytes ("01 0A FF").
QString hexUpper(const uint8_t *data, size_t size, bool spaced = false);
QString hexUpper(const QByteArray &bytes, bool spaced = false);
/// Lowercase hex without separators, the form core's JSON uses.
QString hexLower(const uint8_t *data, size_t size);

/// The options of every subcommand. Names are the long option names.
namespace Options {
QCommandLineOption json();
QCommandLineOption help();
QCommandLineOption version();
QCommandLineOption key();
QCommandLineOption nonce();
QCommandLineOption serial();
QCommandLineOption whitelistMissing();
QCommandLineOption encode();
QCommandLineOption to();
QCommandLineOption from();
QCommandLineOption sohCount();
QCommandLineOption toFrame();
QCommandLineOption fromFrame();
QCommandLineOption mysensors();
QCommandLineOption nodes();
QCommandLineOption frames();
QCommandLineOption seed();
} // namespace Options

/// Parsed values. Each error names the option and what was wrong (kExitUsage), never the text
/// of a secret option.
Checked<SecretBytes> keyOption(const QCommandLineParser &parser);
/// --nonce: the 25 bytes of an I_NONCE_RESPONSE, or the 32 bytes both sides hold (which end
/// in seven 0xAA bytes, spec 5.2). Returns the 32-byte form.
Checked<Nonce> nonceOption(const QCommandLineParser &parser);
/// --serial when given, else nothing.
Checked<std::optional<Serial>> serialOption(const QCommandLineParser &parser);
/// An unsigned decimal option in [min, max]; @p fallback when absent.
Checked<quint64> numberOption(const QCommandLineParser &parser, const QString &name, quint64 min,
                              quint64 max, quint64 fallback);

/// Hex input from the command line that must decode to bytes (kExitMalformed otherwise).
Checked<QByteArray> hexArgument(const QString &what, const QString &text);
/// Hex input that must decode to one MySensors message (kExitMalformed otherwise).
Checked<Protocol::Message> messageArgument(const QString &what, const QString &text);

/// Text and JSON renderings of a message shared by every subcommand that shows one.
void printMessage(Cli &cli, const Protocol::Message &message, int indent = 0);
/// messageToJson() plus hex, description, signing_exempt and controller_line.
QJsonObject messageJson(const Protocol::Message &message);
/// The gateway->controller line for @p message without its '\n', or nothing when the
/// gateway would refuse to render it.
std::optional<QString> controllerLineOf(const Protocol::Message &message);

} // namespace Warden::Tools
