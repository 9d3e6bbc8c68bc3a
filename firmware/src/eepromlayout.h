// Where everything lives in the node's 1 KiB EEPROM (firmware/docs/eeprom-layout.md is the
// map with the reasons). Bytes 0..412 keep the MySensors layout of spec 7.1, so a node that
// MySensors' SecurityPersonalizer wrote works unchanged; Warden's own state sits in two slots
// in the repeater routing table (which a plain node does not use) and after byte 412.
#pragma once

#include "hal.h"

#include <warden/protocol/sha256.h>
#include <warden/protocol/signing.h>

namespace Warden {
namespace Firmware {

/// MySensors' fields (spec 7.1, default MY_ROUTES_SIZE of 256).
namespace LegacyEeprom {
constexpr uint16_t kNodeId = 0;
constexpr uint16_t kParentId = 1;
constexpr uint16_t kDistance = 2;
/// 256 bytes of repeater routing table. SecureNode is not a repeater: Warden's slots use it.
constexpr uint16_t kRoutingTable = 3;
constexpr uint16_t kControllerConfig = 259;
constexpr uint16_t kChecksum = 282;
constexpr uint16_t kFirmwareConfig = 283;
constexpr uint16_t kSigningRequirements = 291; ///< doSign, 32 B, inverted bits
constexpr uint16_t kWhitelistRequirements = 323; ///< doWhitelist, 32 B, inverted bits
constexpr uint16_t kHmacKey = 355;
constexpr uint16_t kSerial = 387;
constexpr uint16_t kAesKey = 396;
constexpr uint16_t kAesKeySize = 16;
constexpr uint16_t kNodeLock = 412;
constexpr uint16_t kEnd = 413;
} // namespace LegacyEeprom

/// Entries a Warden slot's whitelist holds.
constexpr uint8_t kWhitelistCapacity = 16;
constexpr uint8_t kWhitelistEntrySize = 1 + Protocol::kSerialSize;
/// Peers a slot's signing policy lists (what each requires of this node).
constexpr uint8_t kPeerCapacity = 16;
constexpr uint8_t kPeerEntrySize = 2;

/// One Warden slot, as logical offsets. All integers little-endian.
namespace Slot {
constexpr uint16_t kFormat = 0; ///< kSlotFormat
constexpr uint16_t kFlags = 1; ///< SlotFlag bits: which fields hold a value
constexpr uint16_t kPolicy = 2; ///< PolicyFlag bits, valid with SlotFlag::kPolicy
constexpr uint16_t kWhitelistCount = 3;
constexpr uint16_t kPeerCount = 4;
constexpr uint16_t kActiveEpoch = 6; ///< uint16, epoch of the active network key
constexpr uint16_t kPendingEpoch = 8; ///< uint16, epoch of the pending network key
constexpr uint16_t kManagementCounter = 10; ///< uint32, the last accepted counter
constexpr uint16_t kBootCounter = 14; ///< uint32, for nonces that never repeat
constexpr uint16_t kSerial = 18; ///< 9 B
constexpr uint16_t kLinkKey = 27; ///< 32 B, the node's own key (per-node-key networks)
constexpr uint16_t kNetworkKey = 59; ///< 32 B, the active network key (shared-key networks)
constexpr uint16_t kPendingKey = 91; ///< 32 B, a network key delivered for a later epoch
constexpr uint16_t kManagementKey = 123; ///< 32 B, K_mgmt
constexpr uint16_t kWhitelist = 155; ///< kWhitelistCapacity entries of {id, serial[9]}
constexpr uint16_t kPeers = 315; ///< kPeerCapacity entries of {id, PeerFlag bits}
constexpr uint16_t kReserved = 347;
constexpr uint16_t kSequence = 348; ///< uint32, written at commit
constexpr uint16_t kCheck = 352; ///< 8 B, written last
constexpr uint16_t kCheckSize = 8;
constexpr uint16_t kBodySize = kSequence; ///< what a stage copies and edits
constexpr uint16_t kSize = kCheck + kCheckSize; // 360
/// A slot lives in two pieces: its first kFirstPart bytes in the reclaimed routing table
/// (3..258, one half per slot), the rest after the MySensors area (413..).
constexpr uint16_t kFirstPart = 128;
constexpr uint16_t kSecondPart = kSize - kFirstPart; // 232
} // namespace Slot

static_assert(Slot::kWhitelist + kWhitelistCapacity * kWhitelistEntrySize == Slot::kPeers,
              "whitelist before peers");
static_assert(Slot::kPeers + kPeerCapacity * kPeerEntrySize <= Slot::kReserved, "peers fit");

constexpr uint8_t kSlotFormat = 2;

/// The EEPROM address of byte @p offset of slot 0 (A) or 1 (B).
constexpr uint16_t slotAddress(uint8_t slot, uint16_t offset)
{
    return offset < Slot::kFirstPart
                   ? uint16_t(LegacyEeprom::kRoutingTable + (slot ? Slot::kFirstPart : 0) + offset)
                   : uint16_t(LegacyEeprom::kEnd + (slot ? Slot::kSecondPart : 0)
                              + (offset - Slot::kFirstPart));
}
static_assert(slotAddress(1, Slot::kFirstPart - 1) < LegacyEeprom::kControllerConfig,
              "the first parts fit the routing table");
static_assert(slotAddress(1, Slot::kSize - 1) < kEepromSize, "the second parts fit the EEPROM");

/// Sketch-local storage of a Warden node: what follows the two slots.
constexpr uint16_t kSketchArea = slotAddress(1, Slot::kSize - 1) + 1; // 877
constexpr uint16_t kSketchAreaSize = kEepromSize - kSketchArea; // 147

/// Bits of Slot::kFlags.
namespace SlotFlag {
constexpr uint8_t kLinkKey = 0x01;
constexpr uint8_t kNetworkKey = 0x02;
constexpr uint8_t kPendingKey = 0x04;
constexpr uint8_t kManagementKey = 0x08;
constexpr uint8_t kSerial = 0x10;
constexpr uint8_t kPolicy = 0x20;
} // namespace SlotFlag

/// Bits of Slot::kPolicy: what the node demands of frames addressed to it (the values of the
/// management channel's set-signing-policy).
namespace PolicyFlag {
constexpr uint8_t kRequireSignatures = 0x01;
constexpr uint8_t kRequireWhitelisting = 0x02;
/// The slot's peer list is authoritative: signing presentations are ignored.
constexpr uint8_t kIgnorePresentations = 0x04;
} // namespace PolicyFlag

/// Bits of a peer entry: what that node requires of this one.
namespace PeerFlag {
constexpr uint8_t kRequiresSignatures = 0x01; ///< doSign
constexpr uint8_t kRequiresWhitelisting = 0x02; ///< doWhitelist
} // namespace PeerFlag

/// MY_NODE_LOCK_COUNTER_MAX (spec 4.10).
constexpr uint8_t kNodeLockMax = 5;

/// The personalization checksum of spec 7.2 over the bytes now in the legacy area:
/// SHA-256(HMAC key[32] || AES key[16] || serial[9])[0].
uint8_t legacyChecksum(Eeprom &eeprom, Protocol::Sha256Compressor &sha);
/// True when EEPROM[282] matches legacyChecksum().
bool legacyChecksumValid(Eeprom &eeprom, Protocol::Sha256Compressor &sha);
/// Recomputes and writes EEPROM[282] (after writing any legacy key, AES key or serial).
void writeLegacyChecksum(Eeprom &eeprom, Protocol::Sha256Compressor &sha);

/// Copies @p length EEPROM bytes from @p address.
void eepromRead(Eeprom &eeprom, uint16_t address, uint8_t *out, uint16_t length);
/// Updates @p length EEPROM bytes at @p address (unchanged bytes are not rewritten).
void eepromUpdate(Eeprom &eeprom, uint16_t address, const uint8_t *data, uint16_t length);
uint32_t eepromReadLe32(Eeprom &eeprom, uint16_t address);
void eepromUpdateLe32(Eeprom &eeprom, uint16_t address, uint32_t value);

} // namespace Firmware
} // namespace Warden
