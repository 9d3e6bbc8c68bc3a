#include "wardenstore.h"

#include <string.h>

namespace Warden {
namespace Firmware {

using Protocol::kSerialSize;
using Protocol::kSigningKeySize;
using Protocol::WhitelistEntry;

WardenState::WardenState()
{
    clear();
}

WardenState::~WardenState()
{
    Protocol::secureZero(this, sizeof *this);
}

WardenState::WardenState(const WardenState &other)
{
    memcpy(this, &other, sizeof *this);
}

WardenState &WardenState::operator=(const WardenState &other)
{
    if (this != &other)
        memcpy(this, &other, sizeof *this);
    return *this;
}

void WardenState::clear()
{
    Protocol::secureZero(this, sizeof *this);
}

uint8_t *WardenState::key(KeySlot slot)
{
    return keys[uint8_t(slot) & 3];
}

const uint8_t *WardenState::key(KeySlot slot) const
{
    return keys[uint8_t(slot) & 3];
}

WardenStore::WardenStore(Eeprom &eeprom, Protocol::Sha256Compressor &sha)
    : m_eeprom(eeprom)
    , m_sha(sha)
    , m_sequence(0)
    , m_active(kNoSlot)
    , m_staging(false)
    , m_scratch(0)
{ }

// --- byte access: a slot is two pieces of EEPROM, so every access maps each byte -----------

uint8_t WardenStore::slotByte(uint8_t slot, uint16_t offset) const
{
    return m_eeprom.read(slotAddress(slot, offset));
}

void WardenStore::slotBytes(uint8_t slot, uint16_t offset, uint8_t *out, uint16_t length) const
{
    for (uint16_t i = 0; i < length; ++i)
        out[i] = slotByte(slot, uint16_t(offset + i));
}

uint32_t WardenStore::slotNumber(uint8_t slot, uint16_t offset, uint8_t size) const
{
    uint32_t value = 0;
    for (uint8_t i = size; i-- > 0;)
        value = (value << 8) | slotByte(slot, uint16_t(offset + i));
    return value;
}

uint8_t WardenStore::activeByte(uint16_t offset) const
{
    return isValid() ? slotByte(m_active, offset) : 0;
}

uint8_t WardenStore::stagedByte(uint16_t offset) const
{
    return slotByte(stagedSlot(), offset);
}

void WardenStore::stageByte(uint16_t offset, uint8_t value)
{
    eepromUpdate(m_eeprom, slotAddress(stagedSlot(), offset), value);
}

void WardenStore::stageBytes(uint16_t offset, const uint8_t *data, uint16_t length)
{
    // Null data writes zeros: one loop for copies and clears.
    for (uint16_t i = 0; i < length; ++i)
        stageByte(uint16_t(offset + i), data ? data[i] : 0);
}

void WardenStore::stageNumber(uint16_t offset, uint32_t value, uint8_t size)
{
    for (uint8_t i = 0; i < size; ++i, value >>= 8)
        stageByte(uint16_t(offset + i), uint8_t(value));
}

// --- validity ---------------------------------------------------------------------------------

void WardenStore::slotCheck(uint8_t slot, uint32_t sequence, uint8_t out[Slot::kCheckSize]) const
{
    // SHA-256 over the body as it stands in EEPROM and the sequence number, truncated: a slot
    // half-written when power failed matches its check with probability 2^-64. Read a byte at
    // a time and truncated as it is written: this runs deep in the node's stack.
    Protocol::Sha256 hash(m_sha);
    uint8_t bytes[4];
    for (uint16_t i = 0; i < Slot::kBodySize; ++i) {
        bytes[0] = slotByte(slot, i);
        hash.update(bytes, 1);
    }
    Protocol::writeLe32(bytes, sequence);
    hash.update(bytes, 4);
    hash.finish(out, Slot::kCheckSize);
}

bool WardenStore::slotValid(uint8_t slot, uint32_t &sequence) const
{
    if (slotByte(slot, Slot::kFormat) != kSlotFormat
        || slotByte(slot, Slot::kWhitelistCount) > kWhitelistCapacity
        || slotByte(slot, Slot::kPeerCount) > kPeerCapacity)
        return false;
    sequence = slotNumber(slot, Slot::kSequence, 4);
    uint8_t expected[Slot::kCheckSize];
    uint8_t stored[Slot::kCheckSize];
    slotCheck(slot, sequence, expected);
    slotBytes(slot, Slot::kCheck, stored, Slot::kCheckSize);
    return Protocol::constantTimeEqual(expected, stored, Slot::kCheckSize);
}

bool WardenStore::load()
{
    m_staging = false;
    m_active = kNoSlot;
    m_sequence = 0;
    for (uint8_t slot = 0; slot < 2; ++slot) {
        // Serial-number arithmetic: the newer of two sequence numbers is ahead by less than
        // 2^31, so the comparison survives a wrap (which 2^32 commits never reach anyway).
        uint32_t sequence = 0;
        if (slotValid(slot, sequence)
            && (m_active == kNoSlot || int32_t(sequence - m_sequence) > 0)) {
            m_active = slot;
            m_sequence = sequence;
        }
    }
    return isValid();
}

// --- reads ------------------------------------------------------------------------------------

uint16_t WardenStore::keyOffset(KeySlot slot)
{
    return uint16_t(Slot::kLinkKey + (uint8_t(slot) & 3) * kSigningKeySize);
}

uint8_t WardenStore::keyFlag(KeySlot slot)
{
    return slot == KeySlot::Link      ? SlotFlag::kLinkKey
           : slot == KeySlot::Network ? SlotFlag::kNetworkKey
           : slot == KeySlot::Pending ? SlotFlag::kPendingKey
                                      : SlotFlag::kManagementKey;
}

uint32_t WardenStore::activeNumber(uint16_t offset, uint8_t size) const
{
    return isValid() ? slotNumber(m_active, offset, size) : 0;
}

uint16_t WardenStore::activeEpoch() const
{
    return uint16_t(activeNumber(Slot::kActiveEpoch, 2));
}

uint16_t WardenStore::pendingEpoch() const
{
    return uint16_t(activeNumber(Slot::kPendingEpoch, 2));
}

uint32_t WardenStore::managementCounter() const
{
    return activeNumber(Slot::kManagementCounter, 4);
}

uint32_t WardenStore::bootCounter() const
{
    return activeNumber(Slot::kBootCounter, 4);
}

bool WardenStore::readField(uint8_t flag, uint16_t offset, uint8_t *out, uint8_t length) const
{
    if (!has(flag))
        return false;
    slotBytes(m_active, offset, out, length);
    return true;
}

bool WardenStore::readKey(KeySlot slot, uint8_t out[kSigningKeySize]) const
{
    return readField(keyFlag(slot), keyOffset(slot), out, kSigningKeySize);
}

bool WardenStore::readSerial(uint8_t out[kSerialSize]) const
{
    return readField(SlotFlag::kSerial, Slot::kSerial, out, kSerialSize);
}

int8_t WardenStore::findEntry(uint8_t slot, uint16_t listOffset, uint8_t count, uint8_t entrySize,
                              uint8_t nodeId) const
{
    for (uint8_t i = 0; i < count; ++i) {
        if (slotByte(slot, uint16_t(listOffset + i * entrySize)) == nodeId)
            return int8_t(i);
    }
    return -1;
}

bool WardenStore::whitelistEntry(uint8_t index, WhitelistEntry &out) const
{
    if (index >= whitelistCount())
        return false;
    static_assert(sizeof(WhitelistEntry) == kWhitelistEntrySize, "an entry is read as it lies");
    slotBytes(m_active, uint16_t(Slot::kWhitelist + index * kWhitelistEntrySize),
              reinterpret_cast<uint8_t *>(&out), kWhitelistEntrySize);
    return true;
}

bool WardenStore::findWhitelistEntry(uint8_t nodeId, WhitelistEntry &out) const
{
    if (!isValid())
        return false;
    const int8_t index
            = findEntry(m_active, Slot::kWhitelist, whitelistCount(), kWhitelistEntrySize, nodeId);
    return index >= 0 && whitelistEntry(uint8_t(index), out);
}

bool WardenStore::peerEntry(uint8_t index, PeerEntry &out) const
{
    if (index >= peerCount())
        return false;
    out.nodeId = slotByte(m_active, uint16_t(Slot::kPeers + index * kPeerEntrySize));
    out.flags = slotByte(m_active, uint16_t(Slot::kPeers + index * kPeerEntrySize + 1));
    return true;
}

uint8_t WardenStore::peerFlags(uint8_t nodeId) const
{
    if (!isValid())
        return 0;
    const int8_t index = findEntry(m_active, Slot::kPeers, peerCount(), kPeerEntrySize, nodeId);
    return index < 0 ? 0 : slotByte(m_active, uint16_t(Slot::kPeers + index * kPeerEntrySize + 1));
}

bool WardenStore::read(WardenState &out) const
{
    out.clear();
    if (!isValid())
        return false;
    out.flags = flags();
    out.policy = policy();
    out.activeEpoch = activeEpoch();
    out.pendingEpoch = pendingEpoch();
    out.managementCounter = managementCounter();
    out.bootCounter = bootCounter();
    slotBytes(m_active, Slot::kSerial, out.serial, kSerialSize);
    slotBytes(m_active, Slot::kLinkKey, out.keys[0], sizeof out.keys);
    out.whitelistCount = whitelistCount();
    for (uint8_t i = 0; i < out.whitelistCount; ++i)
        whitelistEntry(i, out.whitelist[i]);
    out.peerCount = peerCount();
    for (uint8_t i = 0; i < out.peerCount; ++i)
        peerEntry(i, out.peers[i]);
    return true;
}

// --- staging ----------------------------------------------------------------------------------

void WardenStore::beginStage()
{
    const uint8_t to = stagedSlot();
    for (uint16_t i = 0; i < Slot::kBodySize; ++i) {
        const uint8_t value
                = isValid() ? slotByte(m_active, i) : (i == Slot::kFormat ? kSlotFormat : 0);
        eepromUpdate(m_eeprom, slotAddress(to, i), value);
    }
    m_staging = true;
}

uint8_t WardenStore::stagedWhitelistCount() const
{
    return m_staging ? stagedByte(Slot::kWhitelistCount) : 0;
}

uint32_t WardenStore::stagedManagementCounter() const
{
    return m_staging ? slotNumber(stagedSlot(), Slot::kManagementCounter, 4) : 0;
}

void WardenStore::stageFlags(uint8_t set, uint8_t clear)
{
    stageByte(Slot::kFlags, uint8_t((stagedByte(Slot::kFlags) | set) & ~clear));
}

StoreStatus WardenStore::stagePolicy(uint8_t policy)
{
    m_scratch = policy; // a member: the field's bytes are passed by address
    return stageField(Slot::kPolicy, &m_scratch, 1, SlotFlag::kPolicy);
}

StoreStatus WardenStore::stageClearPolicy()
{
    return stageField(Slot::kPolicy, nullptr, 1, SlotFlag::kPolicy);
}

StoreStatus WardenStore::stageKey(KeySlot slot, const uint8_t key[kSigningKeySize], uint16_t epoch)
{
    return stageKeyBytes(slot, key, epoch);
}

StoreStatus WardenStore::stageClearKey(KeySlot slot)
{
    return stageKeyBytes(slot, nullptr, 0);
}

StoreStatus WardenStore::stageKeyBytes(KeySlot slot, const uint8_t *key, uint16_t epoch)
{
    if (!m_staging)
        return StoreStatus::NotStaging;
    stageBytes(keyOffset(slot), key, kSigningKeySize);
    if (slot == KeySlot::Network)
        stageNumber(Slot::kActiveEpoch, epoch, 2);
    else if (slot == KeySlot::Pending)
        stageNumber(Slot::kPendingEpoch, epoch, 2);
    const uint8_t flag = keyFlag(slot);
    stageFlags(key ? flag : 0, key ? 0 : flag);
    return StoreStatus::Ok;
}

StoreStatus WardenStore::stageSerial(const uint8_t serial[kSerialSize])
{
    return stageField(Slot::kSerial, serial, kSerialSize, SlotFlag::kSerial);
}

StoreStatus WardenStore::stageClearSerial()
{
    return stageField(Slot::kSerial, nullptr, kSerialSize, SlotFlag::kSerial);
}

StoreStatus WardenStore::stageField(uint16_t offset, const uint8_t *data, uint8_t length,
                                    uint8_t flag)
{
    if (!m_staging)
        return StoreStatus::NotStaging;
    stageBytes(offset, data, length);
    stageFlags(data ? flag : 0, data ? 0 : flag);
    return StoreStatus::Ok;
}

StoreStatus WardenStore::stageManagementCounter(uint32_t counter)
{
    if (!m_staging)
        return StoreStatus::NotStaging;
    stageNumber(Slot::kManagementCounter, counter, 4);
    return StoreStatus::Ok;
}

StoreStatus WardenStore::stageBootCounter(uint32_t counter)
{
    if (!m_staging)
        return StoreStatus::NotStaging;
    stageNumber(Slot::kBootCounter, counter, 4);
    return StoreStatus::Ok;
}

StoreStatus WardenStore::stageListRemove(uint16_t countOffset, uint16_t listOffset,
                                         uint8_t entrySize, uint8_t index)
{
    // Keep the order of the rest (first match wins), then zero the freed tail: unused entries
    // are zero, so equal lists are equal images.
    const uint8_t count = stagedByte(countOffset);
    for (uint16_t i = uint16_t(index * entrySize); i < uint16_t((count - 1) * entrySize); ++i)
        stageByte(uint16_t(listOffset + i), stagedByte(uint16_t(listOffset + i + entrySize)));
    stageBytes(uint16_t(listOffset + (count - 1) * entrySize), nullptr, entrySize);
    stageByte(countOffset, uint8_t(count - 1));
    return StoreStatus::Ok;
}

StoreStatus WardenStore::stageWhitelistClear()
{
    if (!m_staging)
        return StoreStatus::NotStaging;
    stageByte(Slot::kWhitelistCount, 0);
    stageBytes(Slot::kWhitelist, nullptr, kWhitelistCapacity * kWhitelistEntrySize);
    return StoreStatus::Ok;
}

StoreStatus WardenStore::stageWhitelistAdd(const WhitelistEntry &entry)
{
    if (!m_staging)
        return StoreStatus::NotStaging;
    const uint8_t count = stagedByte(Slot::kWhitelistCount);
    int8_t index
            = findEntry(stagedSlot(), Slot::kWhitelist, count, kWhitelistEntrySize, entry.nodeId);
    if (index < 0) {
        if (count >= kWhitelistCapacity)
            return StoreStatus::WhitelistFull;
        index = int8_t(count);
    }
    const uint16_t at = uint16_t(Slot::kWhitelist + index * kWhitelistEntrySize);
    stageByte(at, entry.nodeId);
    stageBytes(uint16_t(at + 1), entry.serial, kSerialSize);
    if (index == int8_t(count))
        stageByte(Slot::kWhitelistCount, uint8_t(count + 1));
    return StoreStatus::Ok;
}

StoreStatus WardenStore::stageWhitelistRemove(uint8_t nodeId)
{
    if (!m_staging)
        return StoreStatus::NotStaging;
    const int8_t index = findEntry(stagedSlot(), Slot::kWhitelist, stagedWhitelistCount(),
                                   kWhitelistEntrySize, nodeId);
    if (index < 0)
        return StoreStatus::NotListed;
    return stageListRemove(Slot::kWhitelistCount, Slot::kWhitelist, kWhitelistEntrySize,
                           uint8_t(index));
}

StoreStatus WardenStore::stagePeersClear()
{
    if (!m_staging)
        return StoreStatus::NotStaging;
    stageByte(Slot::kPeerCount, 0);
    stageBytes(Slot::kPeers, nullptr, kPeerCapacity * kPeerEntrySize);
    return StoreStatus::Ok;
}

StoreStatus WardenStore::stagePeer(uint8_t nodeId, uint8_t flags)
{
    if (!m_staging)
        return StoreStatus::NotStaging;
    const uint8_t count = stagedByte(Slot::kPeerCount);
    const int8_t index = findEntry(stagedSlot(), Slot::kPeers, count, kPeerEntrySize, nodeId);
    if (flags == 0) {
        return index < 0 ? StoreStatus::Ok
                         : stageListRemove(Slot::kPeerCount, Slot::kPeers, kPeerEntrySize,
                                           uint8_t(index));
    }
    if (index < 0 && count >= kPeerCapacity)
        return StoreStatus::PeersFull;
    const uint8_t at = index < 0 ? count : uint8_t(index);
    stageByte(uint16_t(Slot::kPeers + at * kPeerEntrySize), nodeId);
    stageByte(uint16_t(Slot::kPeers + at * kPeerEntrySize + 1), flags);
    if (index < 0)
        stageByte(Slot::kPeerCount, uint8_t(count + 1));
    return StoreStatus::Ok;
}

StoreStatus WardenStore::stageActivateEpoch(uint16_t epoch)
{
    if (!m_staging)
        return StoreStatus::NotStaging;
    const uint8_t flags = stagedFlags();
    if ((flags & SlotFlag::kNetworkKey) != 0
        && slotNumber(stagedSlot(), Slot::kActiveEpoch, 2) == epoch)
        return StoreStatus::Ok; // activating the active epoch again changes nothing
    if ((flags & SlotFlag::kPendingKey) == 0
        || slotNumber(stagedSlot(), Slot::kPendingEpoch, 2) != epoch)
        return StoreStatus::UnknownEpoch;
    for (uint16_t i = 0; i < kSigningKeySize; ++i)
        stageByte(uint16_t(Slot::kNetworkKey + i), stagedByte(uint16_t(Slot::kPendingKey + i)));
    stageNumber(Slot::kActiveEpoch, epoch, 2);
    stageFlags(SlotFlag::kNetworkKey, 0);
    return stageClearKey(KeySlot::Pending);
}

StoreStatus WardenStore::stageWipeSecrets(bool managementKey)
{
    if (!m_staging)
        return StoreStatus::NotStaging;
    stageClearKey(KeySlot::Link);
    stageClearKey(KeySlot::Network);
    stageClearKey(KeySlot::Pending);
    if (managementKey)
        stageClearKey(KeySlot::Management);
    stageClearPolicy();
    stagePeersClear();
    return stageWhitelistClear();
}

StoreStatus WardenStore::commitStage()
{
    if (!m_staging)
        return StoreStatus::NotStaging;
    const uint8_t staged = stagedSlot();
    const uint8_t previous = m_active;
    const uint32_t sequence = m_sequence + 1;
    stageNumber(Slot::kSequence, sequence, 4);
    uint8_t check[Slot::kCheckSize];
    slotCheck(staged, sequence, check);
    // The commit point: until the last check byte is written the old slot is the newest valid.
    stageBytes(Slot::kCheck, check, Slot::kCheckSize);
    load();
    if (m_active != staged || m_sequence != sequence)
        return StoreStatus::CommitFailed;
    if (previous != kNoSlot) {
        // The stale slot may still hold a key the new image replaced or wiped: zero such a key
        // there. That breaks the stale slot's check, which is fine: the new slot is valid and
        // the next stage overwrites the stale one anyway.
        for (uint8_t k = 0; k < 4; ++k) {
            const uint16_t offset = keyOffset(KeySlot(k));
            bool same = true;
            for (uint16_t i = 0; i < kSigningKeySize && same; ++i)
                same = slotByte(previous, uint16_t(offset + i))
                       == slotByte(staged, uint16_t(offset + i));
            for (uint16_t i = 0; i < kSigningKeySize && !same; ++i)
                eepromUpdate(m_eeprom, slotAddress(previous, uint16_t(offset + i)), 0);
        }
    }
    return StoreStatus::Ok;
}

StoreStatus WardenStore::commit(const WardenState &state)
{
    beginStage();
    stageByte(Slot::kFlags, state.flags);
    stageByte(Slot::kPolicy, state.policy);
    stageNumber(Slot::kActiveEpoch, state.activeEpoch, 2);
    stageNumber(Slot::kPendingEpoch, state.pendingEpoch, 2);
    stageNumber(Slot::kManagementCounter, state.managementCounter, 4);
    stageNumber(Slot::kBootCounter, state.bootCounter, 4);
    stageBytes(Slot::kSerial, state.serial, kSerialSize);
    stageBytes(Slot::kLinkKey, state.keys[0], sizeof state.keys);
    const uint8_t count
            = state.whitelistCount < kWhitelistCapacity ? state.whitelistCount : kWhitelistCapacity;
    for (uint8_t i = 0; i < kWhitelistCapacity; ++i) {
        const uint16_t at = uint16_t(Slot::kWhitelist + i * kWhitelistEntrySize);
        if (i < count) {
            stageByte(at, state.whitelist[i].nodeId);
            stageBytes(uint16_t(at + 1), state.whitelist[i].serial, kSerialSize);
        } else {
            stageBytes(at, nullptr, kWhitelistEntrySize);
        }
    }
    stageByte(Slot::kWhitelistCount, count);
    const uint8_t peers = state.peerCount < kPeerCapacity ? state.peerCount : kPeerCapacity;
    for (uint8_t i = 0; i < kPeerCapacity; ++i) {
        stageByte(uint16_t(Slot::kPeers + i * kPeerEntrySize),
                  i < peers ? state.peers[i].nodeId : 0);
        stageByte(uint16_t(Slot::kPeers + i * kPeerEntrySize + 1),
                  i < peers ? state.peers[i].flags : 0);
    }
    stageByte(Slot::kPeerCount, peers);
    return commitStage();
}

} // namespace Firmware
} // namespace Warden
