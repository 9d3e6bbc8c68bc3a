#include "security/keystorecontent.h"

#include <cstring>

namespace Warden {
namespace Internal {

namespace {

using Protocol::kSerialSize;

constexpr uint8_t kFlagGatewaySerial = 0x01;
constexpr uint8_t kNodeSerial = 0x01;
constexpr uint8_t kNodeLinkKey = 0x02;
constexpr uint8_t kNodeManagementKey = 0x04;
constexpr uint8_t kNodeFlagsMask = kNodeSerial | kNodeLinkKey | kNodeManagementKey;
constexpr size_t kNetworkKeyRecord = 2 + 1 + 8 + KeyStore::kKeySize;

/// Appends into a buffer reserved to the exact size beforehand, so it never reallocates and
/// leaves no stray copy of a key behind; the buffer is wiped by the caller.
class Writer
{
public:
    explicit Writer(std::vector<uint8_t> &out)
        : m_out(out)
    { }
    void u8(uint8_t v) { m_out.push_back(v); }
    void u16(uint16_t v)
    {
        u8(uint8_t(v >> 8));
        u8(uint8_t(v));
    }
    void i64(int64_t v)
    {
        const auto u = uint64_t(v);
        for (int shift = 56; shift >= 0; shift -= 8)
            u8(uint8_t(u >> shift));
    }
    void bytes(const uint8_t *data, size_t size) { m_out.insert(m_out.end(), data, data + size); }

private:
    std::vector<uint8_t> &m_out;
};

class Reader
{
public:
    Reader(const uint8_t *data, size_t size)
        : m_data(data)
        , m_size(size)
    { }
    size_t offset() const { return m_at; }
    size_t remaining() const { return m_size - m_at; }
    bool has(size_t n) const { return n <= remaining(); }
    uint8_t u8() { return m_data[m_at++]; }
    uint16_t u16()
    {
        const uint16_t v = uint16_t((m_data[m_at] << 8) | m_data[m_at + 1]);
        m_at += 2;
        return v;
    }
    int64_t i64()
    {
        uint64_t v = 0;
        for (int i = 0; i < 8; ++i)
            v = (v << 8) | m_data[m_at++];
        return int64_t(v);
    }
    const uint8_t *take(size_t n)
    {
        const uint8_t *p = m_data + m_at;
        m_at += n;
        return p;
    }

private:
    const uint8_t *m_data;
    size_t m_size;
    size_t m_at = 0;
};

tl::unexpected<Error> bad(const Reader &in, const QString &what)
{
    return fail(ErrorCode::Malformed,
                QStringLiteral("key store content: %1 at byte %2").arg(what).arg(in.offset()));
}

void wipe(std::vector<uint8_t> &buffer)
{
    // explicit_bzero: the compiler may not drop it as a dead store.
    if (!buffer.empty())
        explicit_bzero(buffer.data(), buffer.size());
    buffer.clear();
}

} // namespace

Result<SecretBytes> encodeKeyStoreContent(const KeyStoreContent &content)
{
    size_t size = 2 + (content.gatewaySerial ? kSerialSize : 0) + 2
                  + content.networkKeys.size() * kNetworkKeyRecord + 1;
    if (content.networkKeys.size() > 0xFFFF)
        return fail(ErrorCode::InvalidArgument, QStringLiteral("too many network keys"));
    if (content.nodes.size() > kKeyStoreLastNodeId)
        return fail(ErrorCode::InvalidArgument, QStringLiteral("too many nodes"));
    for (size_t i = 0; i < content.networkKeys.size(); ++i) {
        const StoredNetworkKey &k = content.networkKeys[i];
        if (k.epoch == 0 || (i > 0 && content.networkKeys[i - 1].epoch >= k.epoch)
            || k.key.size() != KeyStore::kKeySize)
            return fail(ErrorCode::InvalidArgument,
                        QStringLiteral("network key of epoch %1 is not storable").arg(k.epoch));
    }
    for (size_t i = 0; i < content.nodes.size(); ++i) {
        const StoredNode &n = content.nodes[i];
        if (n.nodeId < kKeyStoreFirstNodeId || n.nodeId > kKeyStoreLastNodeId || n.isEmpty()
            || (i > 0 && content.nodes[i - 1].nodeId >= n.nodeId)
            || (!n.linkKey.isEmpty() && n.linkKey.size() != KeyStore::kKeySize)
            || (!n.managementKey.isEmpty() && n.managementKey.size() != KeyStore::kKeySize))
            return fail(ErrorCode::InvalidArgument,
                        QStringLiteral("node %1 is not storable").arg(n.nodeId));
        size += 2 + (n.serial ? kSerialSize : 0) + n.linkKey.size() + n.managementKey.size();
    }

    std::vector<uint8_t> buffer;
    buffer.reserve(size);
    Writer out(buffer);
    out.u8(kKeyStoreContentVersion);
    out.u8(content.gatewaySerial ? kFlagGatewaySerial : 0);
    if (content.gatewaySerial)
        out.bytes(content.gatewaySerial->data(), kSerialSize);
    out.u16(uint16_t(content.networkKeys.size()));
    for (const StoredNetworkKey &k : content.networkKeys) {
        out.u16(k.epoch);
        out.u8(uint8_t(k.state));
        out.i64(k.createdMs);
        out.bytes(k.key.data(), k.key.size());
    }
    out.u8(uint8_t(content.nodes.size()));
    for (const StoredNode &n : content.nodes) {
        out.u8(n.nodeId);
        out.u8(uint8_t((n.serial ? kNodeSerial : 0) | (n.linkKey.isEmpty() ? 0 : kNodeLinkKey)
                       | (n.managementKey.isEmpty() ? 0 : kNodeManagementKey)));
        if (n.serial)
            out.bytes(n.serial->data(), kSerialSize);
        out.bytes(n.linkKey.data(), n.linkKey.size());
        out.bytes(n.managementKey.data(), n.managementKey.size());
    }
    Q_ASSERT(buffer.size() == size);
    SecretBytes result(buffer.data(), buffer.size());
    wipe(buffer);
    return result;
}

Result<KeyStoreContent> decodeKeyStoreContent(const uint8_t *data, size_t size)
{
    Reader in(data, size);
    KeyStoreContent content;
    if (!in.has(2))
        return bad(in, QStringLiteral("it ends inside the preamble"));
    const uint8_t version = in.u8();
    if (version != kKeyStoreContentVersion)
        return fail(ErrorCode::Refused,
                    QStringLiteral("key store content has version %1; this build reads %2")
                            .arg(version)
                            .arg(kKeyStoreContentVersion));
    const uint8_t flags = in.u8();
    if ((flags & ~kFlagGatewaySerial) != 0)
        return bad(in, QStringLiteral("unknown flags 0x%1").arg(flags, 2, 16, QLatin1Char('0')));
    if (flags & kFlagGatewaySerial) {
        if (!in.has(kSerialSize))
            return bad(in, QStringLiteral("it ends inside the gateway serial"));
        Serial serial;
        std::memcpy(serial.data(), in.take(kSerialSize), kSerialSize);
        content.gatewaySerial = serial;
    }

    if (!in.has(2))
        return bad(in, QStringLiteral("it ends before the network key count"));
    const uint16_t keyCount = in.u16();
    // Checked against what is there before reserving: a hostile count must not allocate.
    if (!in.has(size_t(keyCount) * kNetworkKeyRecord))
        return bad(in,
                   QStringLiteral("%1 network keys announced, the rest holds fewer").arg(keyCount));
    content.networkKeys.reserve(keyCount);
    for (uint16_t i = 0; i < keyCount; ++i) {
        StoredNetworkKey key;
        key.epoch = in.u16();
        if (key.epoch == 0)
            return bad(in, QStringLiteral("network key epoch 0"));
        if (!content.networkKeys.empty() && content.networkKeys.back().epoch >= key.epoch)
            return bad(
                    in,
                    QStringLiteral("network key epoch %1 out of order or repeated").arg(key.epoch));
        const uint8_t state = in.u8();
        if (state > uint8_t(NetworkKeyState::Retired))
            return bad(in, QStringLiteral("network key state %1").arg(state));
        key.state = NetworkKeyState(state);
        key.createdMs = in.i64();
        if (key.createdMs < 0)
            return bad(in, QStringLiteral("network key creation time before 1970"));
        key.key = SecretBytes(in.take(KeyStore::kKeySize), KeyStore::kKeySize);
        content.networkKeys.push_back(std::move(key));
    }

    if (!in.has(1))
        return bad(in, QStringLiteral("it ends before the node count"));
    const uint8_t nodeCount = in.u8();
    if (nodeCount > kKeyStoreLastNodeId)
        return bad(in, QStringLiteral("%1 nodes announced, at most %2")
                               .arg(nodeCount)
                               .arg(kKeyStoreLastNodeId));
    content.nodes.reserve(nodeCount);
    for (uint8_t i = 0; i < nodeCount; ++i) {
        if (!in.has(2))
            return bad(in,
                       QStringLiteral("it ends inside node %1 of %2").arg(i + 1).arg(nodeCount));
        StoredNode node;
        node.nodeId = in.u8();
        if (node.nodeId < kKeyStoreFirstNodeId || node.nodeId > kKeyStoreLastNodeId)
            return bad(in, QStringLiteral("node id %1").arg(node.nodeId));
        if (!content.nodes.empty() && content.nodes.back().nodeId >= node.nodeId)
            return bad(in, QStringLiteral("node %1 out of order or repeated").arg(node.nodeId));
        const uint8_t nodeFlags = in.u8();
        if (nodeFlags == 0 || (nodeFlags & ~kNodeFlagsMask) != 0)
            return bad(in, QStringLiteral("node %1 has flags 0x%2")
                                   .arg(node.nodeId)
                                   .arg(nodeFlags, 2, 16, QLatin1Char('0')));
        const size_t need = ((nodeFlags & kNodeSerial) ? kSerialSize : 0)
                            + ((nodeFlags & kNodeLinkKey) ? KeyStore::kKeySize : 0)
                            + ((nodeFlags & kNodeManagementKey) ? KeyStore::kKeySize : 0);
        if (!in.has(need))
            return bad(in, QStringLiteral("it ends inside node %1").arg(node.nodeId));
        if (nodeFlags & kNodeSerial) {
            Serial serial;
            std::memcpy(serial.data(), in.take(kSerialSize), kSerialSize);
            node.serial = serial;
        }
        if (nodeFlags & kNodeLinkKey)
            node.linkKey = SecretBytes(in.take(KeyStore::kKeySize), KeyStore::kKeySize);
        if (nodeFlags & kNodeManagementKey)
            node.managementKey = SecretBytes(in.take(KeyStore::kKeySize), KeyStore::kKeySize);
        content.nodes.push_back(std::move(node));
    }
    if (in.remaining() != 0)
        return bad(in, QStringLiteral("%1 bytes follow the end").arg(in.remaining()));
    return content;
}

} // namespace Internal
} // namespace Warden
