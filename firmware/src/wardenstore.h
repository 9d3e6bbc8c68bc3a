// Warden's own node state in two EEPROM slots with a commit marker (spec of the layout:
// firmware/docs/eeprom-layout.md). A change is staged by copying the active image into the
// inactive slot and editing it there, then committed by writing the slot's sequence number and,
// last, a SHA-256-based check over body and sequence. At load the newest slot whose check holds
// wins, so power lost at any byte leaves the old state or the new one whole, never a mix.
//
// Staging edits EEPROM in place, so a 360-byte state never needs RAM on the node; WardenState
// is the whole image for hosts and tests that can afford it.
#pragma once

#include "eepromlayout.h"

namespace Warden {
namespace Firmware {

/// The outcome of a store operation.
enum class StoreStatus : uint8_t {
    Ok = 0,
    NotStaging, ///< a stage edit or commit without beginStage()
    WhitelistFull, ///< kWhitelistCapacity entries already listed
    PeersFull, ///< kPeerCapacity peers already listed
    NotListed, ///< removing a node id the whitelist does not hold
    UnknownEpoch, ///< activating an epoch no pending key was delivered for
    CommitFailed, ///< the committed slot did not read back valid (EEPROM failure, power loss)
};

/// The four keys a slot holds.
enum class KeySlot : uint8_t {
    Link = 0, ///< the node's own key (per-node-key networks); signs when present
    Network = 1, ///< the active network key (shared-key networks), with its epoch
    Pending = 2, ///< a network key delivered for a later epoch
    Management = 3, ///< K_mgmt of the management channel
};

/// One peer of the signing policy: what that node requires of this one (PeerFlag bits).
struct PeerEntry
{
    uint8_t nodeId;
    uint8_t flags;
};

/// A whole slot image in RAM (about 400 bytes: host and test use). Wipes its keys when
/// destroyed.
struct WardenState
{
    WardenState();
    ~WardenState();
    WardenState(const WardenState &other);
    WardenState &operator=(const WardenState &other);

    /// Blank: no key, no serial, no policy, empty lists, counters 0.
    void clear();
    bool has(uint8_t slotFlag) const { return (flags & slotFlag) != 0; }
    uint8_t *key(KeySlot slot);
    const uint8_t *key(KeySlot slot) const;

    uint8_t flags; ///< SlotFlag bits
    uint8_t policy; ///< PolicyFlag bits
    uint16_t activeEpoch;
    uint16_t pendingEpoch;
    uint32_t managementCounter;
    uint32_t bootCounter;
    uint8_t serial[Protocol::kSerialSize];
    uint8_t keys[4][Protocol::kSigningKeySize]; ///< indexed by KeySlot
    uint8_t whitelistCount;
    Protocol::WhitelistEntry whitelist[kWhitelistCapacity];
    uint8_t peerCount;
    PeerEntry peers[kPeerCapacity];
};

/// The A/B slot store. Reads go to the active slot; edits go to the inactive one until
/// commitStage() makes it the active one.
class WardenStore
{
public:
    static constexpr uint8_t kNoSlot = 0xFF;

    WardenStore(Eeprom &eeprom, Protocol::Sha256Compressor &sha);

    /// Checks both slots and makes the newest valid one active. False when neither is valid
    /// (a fresh or MySensors-only EEPROM); reads then return blank values. Ends any stage.
    bool load();
    bool isValid() const { return m_active != kNoSlot; }
    /// 0 (A), 1 (B) or kNoSlot.
    uint8_t activeSlot() const { return m_active; }
    /// The active slot's commit sequence number; 0 when none is valid.
    uint32_t sequence() const { return m_sequence; }

    /// @name Reads from the active slot
    ///@{
    uint8_t flags() const { return activeByte(Slot::kFlags); }
    bool has(uint8_t slotFlag) const { return (flags() & slotFlag) != 0; }
    uint8_t policy() const { return activeByte(Slot::kPolicy); }
    uint16_t activeEpoch() const;
    uint16_t pendingEpoch() const;
    uint32_t managementCounter() const;
    uint32_t bootCounter() const;
    /// False (and @p out untouched) when the slot holds no such key.
    bool readKey(KeySlot slot, uint8_t out[Protocol::kSigningKeySize]) const;
    bool readSerial(uint8_t out[Protocol::kSerialSize]) const;
    uint8_t whitelistCount() const { return activeByte(Slot::kWhitelistCount); }
    bool whitelistEntry(uint8_t index, Protocol::WhitelistEntry &out) const;
    /// First entry for @p nodeId (spec 7.4: first match wins).
    bool findWhitelistEntry(uint8_t nodeId, Protocol::WhitelistEntry &out) const;
    uint8_t peerCount() const { return activeByte(Slot::kPeerCount); }
    bool peerEntry(uint8_t index, PeerEntry &out) const;
    /// The PeerFlag bits listed for @p nodeId; 0 when it is not listed.
    uint8_t peerFlags(uint8_t nodeId) const;
    /// The whole active image; false (and @p out blank) when no slot is valid.
    bool read(WardenState &out) const;
    ///@}

    /// @name Staging: edits of the inactive slot
    ///@{
    /// Copies the active image (or a blank one) into the inactive slot and opens a stage.
    void beginStage();
    bool isStaging() const { return m_staging; }
    StoreStatus stagePolicy(uint8_t policy);
    StoreStatus stageClearPolicy();
    /// Sets a key; @p epoch is the epoch of a Network or Pending key (ignored otherwise).
    StoreStatus stageKey(KeySlot slot, const uint8_t key[Protocol::kSigningKeySize],
                         uint16_t epoch = 0);
    /// Zeroes the key bytes (and its epoch) and clears the key's flag.
    StoreStatus stageClearKey(KeySlot slot);
    StoreStatus stageSerial(const uint8_t serial[Protocol::kSerialSize]);
    StoreStatus stageClearSerial();
    StoreStatus stageManagementCounter(uint32_t counter);
    StoreStatus stageBootCounter(uint32_t counter);
    StoreStatus stageWhitelistClear();
    /// Adds an entry, or replaces the serial of the node's existing entry.
    StoreStatus stageWhitelistAdd(const Protocol::WhitelistEntry &entry);
    StoreStatus stageWhitelistRemove(uint8_t nodeId);
    StoreStatus stagePeersClear();
    /// Lists @p nodeId with @p flags (replacing its entry); flags 0 removes it.
    StoreStatus stagePeer(uint8_t nodeId, uint8_t flags);
    /// Makes the pending key of @p epoch the active network key and clears the pending key.
    /// Ok without a change when @p epoch is already the active one.
    StoreStatus stageActivateEpoch(uint16_t epoch);
    /// Factory reset: zeroes link, network and pending keys, the whitelist, the peers and the
    /// policy, and the management key too when @p managementKey. Serial and counters stay (the
    /// management counter keeps old requests stale if the node is re-keyed).
    StoreStatus stageWipeSecrets(bool managementKey);
    /// Reads of the staged image, for edits that depend on it.
    uint8_t stagedFlags() const { return m_staging ? stagedByte(Slot::kFlags) : 0; }
    uint8_t stagedPolicy() const { return m_staging ? stagedByte(Slot::kPolicy) : 0; }
    uint8_t stagedWhitelistCount() const;
    uint32_t stagedManagementCounter() const;
    /// Writes the sequence number, then the check; reloads and verifies the new slot. Keys the
    /// new image replaced are then zeroed in the stale slot, so an old key does not outlive
    /// its replacement in EEPROM.
    StoreStatus commitStage();
    /// Leaves the inactive slot as it is (invalid or an older image) and ends the stage.
    void abortStage() { m_staging = false; }
    ///@}

    /// Stages @p state as a whole and commits it.
    StoreStatus commit(const WardenState &state);

private:
    uint8_t stagedSlot() const { return m_active == 0 ? 1 : 0; }
    uint8_t activeByte(uint16_t offset) const;
    uint8_t stagedByte(uint16_t offset) const;
    uint8_t slotByte(uint8_t slot, uint16_t offset) const;
    void slotBytes(uint8_t slot, uint16_t offset, uint8_t *out, uint16_t length) const;
    uint32_t slotNumber(uint8_t slot, uint16_t offset, uint8_t size) const;
    /// A number of the active slot; 0 when none is valid.
    uint32_t activeNumber(uint16_t offset, uint8_t size) const;
    /// Reads a field of the active slot when its SlotFlag bit says it holds a value.
    bool readField(uint8_t flag, uint16_t offset, uint8_t *out, uint8_t length) const;
    void stageByte(uint16_t offset, uint8_t value);
    /// Writes @p length bytes of @p data, or zeros when @p data is null.
    void stageBytes(uint16_t offset, const uint8_t *data, uint16_t length);
    /// Sets (data) or clears (null) a field that a SlotFlag bit marks as holding a value.
    StoreStatus stageField(uint16_t offset, const uint8_t *data, uint8_t length, uint8_t flag);
    StoreStatus stageKeyBytes(KeySlot slot, const uint8_t *key, uint16_t epoch);
    void stageNumber(uint16_t offset, uint32_t value, uint8_t size);
    void stageFlags(uint8_t set, uint8_t clear);
    bool slotValid(uint8_t slot, uint32_t &sequence) const;
    void slotCheck(uint8_t slot, uint32_t sequence, uint8_t out[Slot::kCheckSize]) const;
    int8_t findEntry(uint8_t slot, uint16_t listOffset, uint8_t count, uint8_t entrySize,
                     uint8_t nodeId) const;
    StoreStatus stageListRemove(uint16_t countOffset, uint16_t listOffset, uint8_t entrySize,
                                uint8_t index);
    static uint16_t keyOffset(KeySlot slot);
    static uint8_t keyFlag(KeySlot slot);

    Eeprom &m_eeprom;
    Protocol::Sha256Compressor &m_sha;
    uint32_t m_sequence;
    uint8_t m_active;
    bool m_staging;
    uint8_t m_scratch; ///< stagePolicy()'s byte
};

} // namespace Firmware
} // namespace Warden
