// Hexadecimal user input (keys, frames, serials), shared by every module that reads it.
// Header-only and dependency-free so that any layer may use it.
#pragma once

#include <QtCore/QString>
#include <QtCore/QStringView>

#include <optional>

namespace Warden {
namespace Internal {

/// Feeds each byte of @p text to @p push. Accepts upper or lower case, an optional "0x"
/// prefix, and ' ', ':', ',' or '-' between bytes. Returns an error sentence naming the
/// position (never the text itself, which may be a key), or nothing on success.
template<typename Push>
std::optional<QString> parseHexText(QStringView text, Push &&push)
{
    qsizetype i = 0;
    if (text.startsWith(u"0x") || text.startsWith(u"0X"))
        i = 2;
    int high = -1;
    for (; i < text.size(); ++i) {
        const char16_t c = text[i].unicode();
        int v = -1;
        if (c >= u'0' && c <= u'9')
            v = c - u'0';
        else if (c >= u'a' && c <= u'f')
            v = c - u'a' + 10;
        else if (c >= u'A' && c <= u'F')
            v = c - u'A' + 10;
        else if ((c == u' ' || c == u':' || c == u',' || c == u'-') && high < 0)
            continue;
        if (v < 0)
            return QStringLiteral("a character that is not hexadecimal at position %1").arg(i + 1);
        if (high < 0) {
            high = v;
        } else {
            push(uint8_t(high << 4 | v));
            high = -1;
        }
    }
    if (high >= 0)
        return QStringLiteral("an odd number of hexadecimal digits");
    return std::nullopt;
}

} // namespace Internal
} // namespace Warden
