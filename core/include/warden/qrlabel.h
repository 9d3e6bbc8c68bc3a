// A printable QR label for one node: its ID, serial and key fingerprint, never a key.
//
// The QR code carries one line of text (8-bit mode, error correction level M):
//
//     WARDEN1;node=<decimal ID>;serial=<18 uppercase hex digits>;fp=<xxxx-xxxx-xxxx-xxxx>
//
// "WARDEN1" names the format and its version; the fingerprint is SecretBytes::fingerprint()
// of the node's key (lowercase hex, as Warden shows it everywhere). The label is rendered as
// SVG (QR code plus a caption with the same three facts) or as a 1-bit grayscale PNG.
#pragma once

#include <warden/secretbytes.h>
#include <warden/signer.h>

#include <QtCore/QByteArray>
#include <QtCore/QString>

#include <memory>

namespace Warden {

class QrLabelPrivate;

/// An immutable, encoded label. Cheap to copy.
class WARDEN_CORE_EXPORT QrLabel
{
public:
    /// Light modules around the code, as the QR standard requires.
    static constexpr int kQuietZone = 4;
    /// Largest scale (pixels or SVG units per module) accepted by the renderers.
    static constexpr int kMaxScale = 64;

    /// Encodes a label for node @p nodeId (0..254) from a fingerprint in the form
    /// "ab12-cd34-ef56-7890"; anything else is refused, so no key can slip in through it.
    [[nodiscard]] static Result<QrLabel> create(quint8 nodeId, const Serial &serial,
                                                const QString &keyFingerprint);
    /// The same with @p key's fingerprint; only the fingerprint enters the label.
    [[nodiscard]] static Result<QrLabel> forKey(quint8 nodeId, const Serial &serial,
                                                const SecretBytes &key);

    QrLabel(const QrLabel &other);
    QrLabel &operator=(const QrLabel &other);
    ~QrLabel();

    quint8 nodeId() const;
    Serial serial() const;
    QString fingerprint() const;
    /// The text inside the QR code (see the top of this header).
    QByteArray payload() const;
    /// QR version (1..40) chosen for the payload.
    int version() const;
    /// Modules per side, without the quiet zone.
    int modules() const;
    /// Whether module (@p x, @p y) is dark; false outside 0..modules()-1.
    bool isDark(int x, int y) const;

    /// An SVG document: a white background, one black rectangle per horizontal run of dark
    /// modules (in a group with id "qr"), and a three-line caption (node, serial, key
    /// fingerprint) below the code. @p scale is the size of a module in SVG units.
    [[nodiscard]] Result<QByteArray> toSvg(int scale = 8) const;
    /// A PNG: 1-bit grayscale, (modules() + 2 * kQuietZone) * @p scale pixels square, no
    /// caption (rendering text needs fonts, which core does not have).
    [[nodiscard]] Result<QByteArray> toPng(int scale = 8) const;
    /// Atomic writes of toSvg() / toPng() to @p path.
    [[nodiscard]] Result<void> writeSvg(const QString &path, int scale = 8) const;
    [[nodiscard]] Result<void> writePng(const QString &path, int scale = 8) const;

private:
    explicit QrLabel(std::shared_ptr<const QrLabelPrivate> d);
    std::shared_ptr<const QrLabelPrivate> d;
};

} // namespace Warden
