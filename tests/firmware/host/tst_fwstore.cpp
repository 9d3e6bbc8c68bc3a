// The node's EEPROM state: the A/B slot store (load, stage, commit, abort, corruption, the
// check formula, sequence wrap, scrubbing of replaced keys), the MySensors personalization
// checksum, and power cut at every single write of every store operation: after the cut the
// store holds the old state or the new one, whole.
#include "simharness.h"

#include <eepromlayout.h>
#include <wardenstore.h>

#include "crypto/botansha256.h"

#include <QtTest/QtTest>

#include <cstring>
#include <functional>

using namespace Warden::Firmware;
using namespace Warden::Protocol;
using Host::RamEeprom;

namespace {

PortableSha256 g_sha;

WardenState sampleState(uint8_t variant)
{
    WardenState s;
    s.flags = SlotFlag::kLinkKey | SlotFlag::kSerial | SlotFlag::kManagementKey | SlotFlag::kPolicy;
    s.policy = PolicyFlag::kRequireSignatures;
    s.activeEpoch = 0;
    s.managementCounter = 100u + variant;
    s.bootCounter = 7;
    for (uint8_t i = 0; i < 32; ++i) {
        s.keys[0][i] = uint8_t(0xA0 + variant + i);
        s.keys[3][i] = uint8_t(0x30 ^ (variant + i));
    }
    std::memcpy(s.serial, WardenTest::kTestSerial, 9);
    s.whitelistCount = uint8_t(1 + variant % 3);
    for (uint8_t i = 0; i < s.whitelistCount; ++i) {
        s.whitelist[i].nodeId = uint8_t(i * 10);
        std::memset(s.whitelist[i].serial, 0x50 + i + variant, 9);
    }
    s.peerCount = uint8_t(variant % 2);
    if (s.peerCount) {
        s.peers[0].nodeId = 0;
        s.peers[0].flags = PeerFlag::kRequiresSignatures;
    }
    return s;
}

bool sameState(const WardenState &a, const WardenState &b)
{
    if (a.flags != b.flags || a.policy != b.policy || a.activeEpoch != b.activeEpoch
        || a.pendingEpoch != b.pendingEpoch || a.managementCounter != b.managementCounter
        || a.bootCounter != b.bootCounter || std::memcmp(a.serial, b.serial, 9) != 0
        || std::memcmp(a.keys, b.keys, sizeof a.keys) != 0 || a.whitelistCount != b.whitelistCount
        || a.peerCount != b.peerCount)
        return false;
    for (uint8_t i = 0; i < a.peerCount; ++i) {
        if (a.peers[i].nodeId != b.peers[i].nodeId || a.peers[i].flags != b.peers[i].flags)
            return false;
    }
    for (uint8_t i = 0; i < a.whitelistCount; ++i) {
        if (a.whitelist[i].nodeId != b.whitelist[i].nodeId
            || std::memcmp(a.whitelist[i].serial, b.whitelist[i].serial, 9) != 0)
            return false;
    }
    return true;
}

WardenState loaded(RamEeprom &eeprom)
{
    WardenStore store(eeprom, g_sha);
    WardenState s;
    store.load();
    store.read(s);
    return s;
}

bool contains(const RamEeprom::Image &image, const uint8_t *bytes, size_t length)
{
    return std::search(image.begin(), image.end(), bytes, bytes + length) != image.end();
}

using Operation = std::function<void(WardenStore &)>;

} // namespace

class tst_FwStore : public QObject
{
    Q_OBJECT

private slots:
    void layout();
    void emptyEeprom();
    void commitAlternatesSlots();
    void stagingEdits();
    void whitelistLimits();
    void epochs();
    void peers();
    void abortKeepsOldState();
    void corruptSlotFallsBack_data();
    void corruptSlotFallsBack();
    void checkFormula();
    void sequenceWrap();
    void replacedKeysScrubbed();
    void wipeSecrets();
    void legacyChecksum();
    void powerCutAtEveryWrite_data();
    void powerCutAtEveryWrite();
};

void tst_FwStore::layout()
{
    // The map of firmware/docs/eeprom-layout.md: each slot's first 128 bytes in half of the
    // reclaimed routing table, the other 232 after the MySensors area.
    QCOMPARE(slotAddress(0, 0), uint16_t(3));
    QCOMPARE(slotAddress(0, 127), uint16_t(130));
    QCOMPARE(slotAddress(1, 0), uint16_t(131));
    QCOMPARE(slotAddress(1, 127), uint16_t(258));
    QCOMPARE(slotAddress(0, 128), uint16_t(413));
    QCOMPARE(slotAddress(0, Slot::kSize - 1), uint16_t(644));
    QCOMPARE(slotAddress(1, 128), uint16_t(645));
    QCOMPARE(slotAddress(1, Slot::kSize - 1), uint16_t(876));
    QCOMPARE(kSketchArea, uint16_t(877));
    QCOMPARE(Slot::kSize, uint16_t(360));
    // No slot byte lands on a MySensors field.
    for (uint8_t slot = 0; slot < 2; ++slot) {
        for (uint16_t i = 0; i < Slot::kSize; ++i) {
            const uint16_t a = slotAddress(slot, i);
            QVERIFY((a >= 3 && a <= 258) || (a >= 413 && a < kEepromSize));
            QVERIFY(slotAddress(uint8_t(1 - slot), i) != a);
        }
    }
    QCOMPARE(LegacyEeprom::kHmacKey, uint16_t(355));
    QCOMPARE(LegacyEeprom::kSerial, uint16_t(387));
    QCOMPARE(LegacyEeprom::kNodeLock, uint16_t(412));
    QCOMPARE(LegacyEeprom::kChecksum, uint16_t(282));
}

void tst_FwStore::emptyEeprom()
{
    RamEeprom eeprom;
    WardenStore store(eeprom, g_sha);
    QVERIFY(!store.load());
    QCOMPARE(store.activeSlot(), WardenStore::kNoSlot);
    QCOMPARE(store.flags(), uint8_t(0));
    QCOMPARE(store.whitelistCount(), uint8_t(0));
    uint8_t key[32];
    QVERIFY(!store.readKey(KeySlot::Link, key));
    QCOMPARE(store.peerFlags(0), uint8_t(0));
    WardenState s;
    QVERIFY(!store.read(s));
    // All zeros is no more a slot than all ones.
    eeprom.image().fill(0);
    QVERIFY(!store.load());
}

void tst_FwStore::commitAlternatesSlots()
{
    RamEeprom eeprom;
    WardenStore store(eeprom, Warden::Internal::botanSha256());
    const WardenState first = sampleState(1);
    QCOMPARE(store.commit(first), StoreStatus::Ok);
    QCOMPARE(store.activeSlot(), uint8_t(0));
    QCOMPARE(store.sequence(), 1u);
    QVERIFY(sameState(loaded(eeprom), first));

    const WardenState second = sampleState(2);
    QCOMPARE(store.commit(second), StoreStatus::Ok);
    QCOMPARE(store.activeSlot(), uint8_t(1));
    QCOMPARE(store.sequence(), 2u);
    QVERIFY(sameState(loaded(eeprom), second));

    const WardenState third = sampleState(3);
    QCOMPARE(store.commit(third), StoreStatus::Ok);
    QCOMPARE(store.activeSlot(), uint8_t(0));
    QCOMPARE(store.sequence(), 3u);
    // A fresh store object (a reboot) with the other SHA-256 backend sees the same.
    WardenStore again(eeprom, g_sha);
    QVERIFY(again.load());
    QCOMPARE(again.sequence(), 3u);
    WardenState s;
    QVERIFY(again.read(s));
    QVERIFY(sameState(s, third));
}

void tst_FwStore::stagingEdits()
{
    RamEeprom eeprom;
    WardenStore store(eeprom, g_sha);
    QCOMPARE(store.stagePolicy(1), StoreStatus::NotStaging);
    QCOMPARE(store.commitStage(), StoreStatus::NotStaging);

    store.beginStage();
    QVERIFY(store.isStaging());
    uint8_t key[32];
    std::memset(key, 0x42, 32);
    QCOMPARE(store.stageKey(KeySlot::Network, key, 9), StoreStatus::Ok);
    QCOMPARE(store.stageSerial(WardenTest::kTestSerial), StoreStatus::Ok);
    QCOMPARE(store.stagePolicy(PolicyFlag::kRequireSignatures | PolicyFlag::kRequireWhitelisting),
             StoreStatus::Ok);
    WhitelistEntry entry {5, {1, 2, 3, 4, 5, 6, 7, 8, 9}};
    QCOMPARE(store.stageWhitelistAdd(entry), StoreStatus::Ok);
    QCOMPARE(store.stageManagementCounter(77), StoreStatus::Ok);
    // Nothing is visible before the commit.
    QVERIFY(!store.isValid());
    QCOMPARE(store.commitStage(), StoreStatus::Ok);
    QVERIFY(!store.isStaging());

    uint8_t out[32];
    QVERIFY(store.readKey(KeySlot::Network, out));
    QCOMPARE(QByteArray(reinterpret_cast<char *>(out), 32), QByteArray(32, 0x42));
    QCOMPARE(store.activeEpoch(), uint16_t(9));
    QVERIFY(!store.readKey(KeySlot::Link, out));
    QVERIFY(!store.readKey(KeySlot::Management, out));
    QCOMPARE(store.policy(), uint8_t(3));
    QVERIFY(store.has(SlotFlag::kPolicy));
    QCOMPARE(store.managementCounter(), 77u);
    WhitelistEntry found {};
    QVERIFY(store.findWhitelistEntry(5, found));
    QCOMPARE(found.serial[8], uint8_t(9));
    QVERIFY(!store.findWhitelistEntry(6, found));

    // The next stage starts from the committed image.
    store.beginStage();
    QCOMPARE(store.stagedWhitelistCount(), uint8_t(1));
    QCOMPARE(store.stagedManagementCounter(), 77u);
    QCOMPARE(store.stageClearKey(KeySlot::Network), StoreStatus::Ok);
    QCOMPARE(store.stageClearPolicy(), StoreStatus::Ok);
    QCOMPARE(store.stageClearSerial(), StoreStatus::Ok);
    QCOMPARE(store.commitStage(), StoreStatus::Ok);
    QVERIFY(!store.readKey(KeySlot::Network, out));
    QCOMPARE(store.activeEpoch(), uint16_t(0));
    QVERIFY(!store.readSerial(out));
    QVERIFY(!store.has(SlotFlag::kPolicy));
    QCOMPARE(store.whitelistCount(), uint8_t(1));
}

void tst_FwStore::whitelistLimits()
{
    RamEeprom eeprom;
    WardenStore store(eeprom, g_sha);
    store.beginStage();
    for (uint8_t i = 0; i < kWhitelistCapacity; ++i) {
        WhitelistEntry e {uint8_t(i + 1), {i, i, i, i, i, i, i, i, i}};
        QCOMPARE(store.stageWhitelistAdd(e), StoreStatus::Ok);
    }
    WhitelistEntry extra {100, {0}};
    QCOMPARE(store.stageWhitelistAdd(extra), StoreStatus::WhitelistFull);
    // Replacing the serial of a listed node needs no room.
    WhitelistEntry replace {3, {9, 9, 9, 9, 9, 9, 9, 9, 9}};
    QCOMPARE(store.stageWhitelistAdd(replace), StoreStatus::Ok);
    QCOMPARE(store.stageWhitelistRemove(200), StoreStatus::NotListed);
    QCOMPARE(store.stageWhitelistRemove(1), StoreStatus::Ok);
    QCOMPARE(store.commitStage(), StoreStatus::Ok);
    QCOMPARE(store.whitelistCount(), uint8_t(kWhitelistCapacity - 1));
    // Order kept after the removal: node 2 is first now, and node 3 has its new serial.
    WhitelistEntry e {};
    QVERIFY(store.whitelistEntry(0, e));
    QCOMPARE(e.nodeId, uint8_t(2));
    QVERIFY(store.findWhitelistEntry(3, e));
    QCOMPARE(e.serial[0], uint8_t(9));
    QVERIFY(!store.findWhitelistEntry(1, e));
    QVERIFY(!store.whitelistEntry(kWhitelistCapacity - 1, e));

    // A slot claiming more entries than fit is not a slot.
    RamEeprom broken(eeprom.image());
    broken.image()[slotAddress(store.activeSlot(), Slot::kWhitelistCount)] = 17;
    WardenStore other(broken, g_sha);
    other.load();
    QVERIFY(other.activeSlot() != store.activeSlot());
}

void tst_FwStore::epochs()
{
    RamEeprom eeprom;
    WardenStore store(eeprom, g_sha);
    uint8_t k1[32], k2[32], out[32];
    std::memset(k1, 0x11, 32);
    std::memset(k2, 0x22, 32);
    store.beginStage();
    store.stageKey(KeySlot::Network, k1, 1);
    store.stageKey(KeySlot::Pending, k2, 2);
    QCOMPARE(store.commitStage(), StoreStatus::Ok);
    QCOMPARE(store.pendingEpoch(), uint16_t(2));

    store.beginStage();
    QCOMPARE(store.stageActivateEpoch(3), StoreStatus::UnknownEpoch);
    QCOMPARE(store.stageActivateEpoch(2), StoreStatus::Ok);
    QCOMPARE(store.commitStage(), StoreStatus::Ok);
    QVERIFY(store.readKey(KeySlot::Network, out));
    QCOMPARE(out[0], uint8_t(0x22));
    QCOMPARE(store.activeEpoch(), uint16_t(2));
    QVERIFY(!store.readKey(KeySlot::Pending, out));
    QCOMPARE(store.pendingEpoch(), uint16_t(0));
    // Activating the active epoch again is harmless; an old one is unknown.
    store.beginStage();
    QCOMPARE(store.stageActivateEpoch(2), StoreStatus::Ok);
    QCOMPARE(store.stageActivateEpoch(1), StoreStatus::UnknownEpoch);
    store.abortStage();
}

void tst_FwStore::peers()
{
    RamEeprom eeprom;
    WardenStore store(eeprom, g_sha);
    store.beginStage();
    for (uint8_t i = 0; i < kPeerCapacity; ++i)
        QCOMPARE(store.stagePeer(uint8_t(i * 3), PeerFlag::kRequiresSignatures), StoreStatus::Ok);
    QCOMPARE(store.stagePeer(200, PeerFlag::kRequiresSignatures), StoreStatus::PeersFull);
    QCOMPARE(store.stagePeer(3, PeerFlag::kRequiresSignatures | PeerFlag::kRequiresWhitelisting),
             StoreStatus::Ok); // replaces, needs no room
    QCOMPARE(store.stagePeer(0, 0), StoreStatus::Ok); // flags 0 removes
    QCOMPARE(store.stagePeer(201, 0), StoreStatus::Ok); // removing an absent one is fine
    QCOMPARE(store.commitStage(), StoreStatus::Ok);
    QCOMPARE(store.peerCount(), uint8_t(kPeerCapacity - 1));
    QCOMPARE(store.peerFlags(0), uint8_t(0));
    QCOMPARE(store.peerFlags(3), uint8_t(3));
    QCOMPARE(store.peerFlags(6), uint8_t(1));
    QCOMPARE(store.peerFlags(7), uint8_t(0));
    PeerEntry first {};
    QVERIFY(store.peerEntry(0, first));
    QCOMPARE(first.nodeId, uint8_t(3));
    store.beginStage();
    QCOMPARE(store.stagePeersClear(), StoreStatus::Ok);
    QCOMPARE(store.commitStage(), StoreStatus::Ok);
    QCOMPARE(store.peerCount(), uint8_t(0));
}

void tst_FwStore::abortKeepsOldState()
{
    RamEeprom eeprom;
    WardenStore store(eeprom, g_sha);
    const WardenState old = sampleState(4);
    QCOMPARE(store.commit(old), StoreStatus::Ok);
    store.beginStage();
    store.stageWhitelistClear();
    store.stagePolicy(0);
    store.abortStage();
    QVERIFY(sameState(loaded(eeprom), old));
    // Same when the stage is simply abandoned (power lost, session ended).
    store.beginStage();
    store.stageWhitelistClear();
    QVERIFY(sameState(loaded(eeprom), old));
}

void tst_FwStore::corruptSlotFallsBack_data()
{
    QTest::addColumn<int>("offset");
    QTest::newRow("format") << int(Slot::kFormat);
    QTest::newRow("flags") << int(Slot::kFlags);
    QTest::newRow("key byte") << int(Slot::kLinkKey + 7);
    QTest::newRow("key byte across the split") << int(Slot::kManagementKey + 6);
    QTest::newRow("peer") << int(Slot::kPeers + 1);
    QTest::newRow("whitelist") << int(Slot::kWhitelist + 3);
    QTest::newRow("reserved") << int(Slot::kReserved + 1);
    QTest::newRow("sequence") << int(Slot::kSequence);
    QTest::newRow("check") << int(Slot::kCheck + 7);
}

void tst_FwStore::corruptSlotFallsBack()
{
    QFETCH(int, offset);
    RamEeprom eeprom;
    WardenStore store(eeprom, g_sha);
    // Same keys in both, so the stale slot stays valid (a replaced key would be scrubbed).
    const WardenState older = sampleState(1);
    WardenState newer = older;
    newer.bootCounter++;
    newer.whitelistCount = 0;
    store.commit(older);
    store.commit(newer);
    const uint8_t active = store.activeSlot();
    eeprom.image()[slotAddress(active, uint16_t(offset))] ^= 0x01;
    QVERIFY(sameState(loaded(eeprom), older));
    eeprom.image()[slotAddress(uint8_t(1 - active), uint16_t(offset))] ^= 0x01;
    WardenStore none(eeprom, g_sha);
    QVERIFY(!none.load());
}

namespace {

// The slot's logical bytes 0..351 (body and sequence) gathered from both EEPROM pieces.
QByteArray slotImage(RamEeprom &eeprom, uint8_t slot)
{
    QByteArray image;
    for (uint16_t i = 0; i < Slot::kCheck; ++i)
        image.append(char(eeprom.image()[slotAddress(slot, i)]));
    return image;
}

void writeCheck(RamEeprom &eeprom, uint8_t slot)
{
    const QByteArray image = slotImage(eeprom, slot);
    uint8_t digest[32];
    Sha256::hash(Warden::Internal::botanSha256(), image.constData(), size_t(image.size()), digest);
    for (uint16_t i = 0; i < Slot::kCheckSize; ++i)
        eeprom.image()[slotAddress(slot, uint16_t(Slot::kCheck + i))] = digest[i];
}

void setLe32(RamEeprom &eeprom, uint8_t slot, uint16_t offset, uint32_t value)
{
    for (uint8_t i = 0; i < 4; ++i)
        eeprom.image()[slotAddress(slot, uint16_t(offset + i))] = uint8_t(value >> (8 * i));
}

} // namespace

void tst_FwStore::checkFormula()
{
    // A slot written by hand from the documented formula: check = SHA-256(logical bytes
    // 0..351, i.e. body and sequence LE)[0..7] (botan here, so the formula is not just the
    // store's own code).
    RamEeprom eeprom;
    for (uint16_t i = 0; i < Slot::kSize; ++i)
        eeprom.image()[slotAddress(1, i)] = 0;
    eeprom.image()[slotAddress(1, Slot::kFormat)] = kSlotFormat;
    eeprom.image()[slotAddress(1, Slot::kFlags)] = SlotFlag::kPolicy;
    eeprom.image()[slotAddress(1, Slot::kPolicy)] = PolicyFlag::kRequireSignatures;
    setLe32(eeprom, 1, Slot::kBootCounter, 1234);
    setLe32(eeprom, 1, Slot::kSequence, 41);
    writeCheck(eeprom, 1);

    WardenStore store(eeprom, g_sha);
    QVERIFY(store.load());
    QCOMPARE(store.activeSlot(), uint8_t(1));
    QCOMPARE(store.sequence(), 41u);
    QCOMPARE(store.bootCounter(), 1234u);
    QCOMPARE(store.policy(), uint8_t(PolicyFlag::kRequireSignatures));
    // The next commit goes to slot A with sequence 42.
    store.beginStage();
    store.stageBootCounter(1235);
    QCOMPARE(store.commitStage(), StoreStatus::Ok);
    QCOMPARE(store.activeSlot(), uint8_t(0));
    QCOMPARE(store.sequence(), 42u);
}

void tst_FwStore::sequenceWrap()
{
    RamEeprom eeprom;
    WardenStore store(eeprom, g_sha);
    store.commit(sampleState(1)); // A, sequence 1
    // Rewrite A's sequence to 0xFFFFFFFF with a valid check, then commit: B gets 0 and wins.
    setLe32(eeprom, 0, Slot::kSequence, 0xFFFFFFFFu);
    writeCheck(eeprom, 0);
    QVERIFY(store.load());
    QCOMPARE(store.sequence(), 0xFFFFFFFFu);
    const WardenState next = sampleState(2);
    QCOMPARE(store.commit(next), StoreStatus::Ok);
    QCOMPARE(store.sequence(), 0u);
    QCOMPARE(store.activeSlot(), uint8_t(1));
    QVERIFY(sameState(loaded(eeprom), next));
}

void tst_FwStore::replacedKeysScrubbed()
{
    RamEeprom eeprom;
    WardenStore store(eeprom, g_sha);
    WardenState s = sampleState(1);
    store.commit(s);
    const QByteArray oldKey(reinterpret_cast<const char *>(s.keys[0]), 32);
    QVERIFY(contains(eeprom.image(), s.keys[0], 32));
    // Same key committed again (boot counter): both slots keep it, nothing scrubbed needlessly.
    s.bootCounter++;
    store.commit(s);
    QCOMPARE(slotImage(eeprom, 0).mid(Slot::kLinkKey, 32), oldKey);
    QCOMPARE(slotImage(eeprom, 1).mid(Slot::kLinkKey, 32), oldKey);
    // A new key: the old one is gone from both slots.
    WardenState rotated = s;
    std::memset(rotated.keys[0], 0x77, 32);
    QCOMPARE(store.commit(rotated), StoreStatus::Ok);
    QVERIFY(!slotImage(eeprom, 0).contains(oldKey));
    QVERIFY(!slotImage(eeprom, 1).contains(oldKey));
    QVERIFY(sameState(loaded(eeprom), rotated));
}

void tst_FwStore::wipeSecrets()
{
    for (const bool management : {false, true}) {
        RamEeprom eeprom;
        WardenStore store(eeprom, g_sha);
        WardenState s = sampleState(1);
        s.flags |= SlotFlag::kPendingKey | SlotFlag::kNetworkKey;
        std::memset(s.keys[1], 0x88, 32);
        std::memset(s.keys[2], 0x99, 32);
        s.activeEpoch = 4;
        s.pendingEpoch = 5;
        store.commit(s);
        store.beginStage();
        QCOMPARE(store.stageWipeSecrets(management), StoreStatus::Ok);
        QCOMPARE(store.commitStage(), StoreStatus::Ok);
        QCOMPARE(store.flags()
                         & (SlotFlag::kLinkKey | SlotFlag::kNetworkKey | SlotFlag::kPendingKey
                            | SlotFlag::kPolicy),
                 0);
        QCOMPARE(store.has(SlotFlag::kManagementKey), !management);
        QCOMPARE(store.whitelistCount(), uint8_t(0));
        QCOMPARE(store.peerCount(), uint8_t(0));
        QCOMPARE(store.activeEpoch(), uint16_t(0));
        // Counters and serial survive: old management requests stay stale.
        QCOMPARE(store.managementCounter(), s.managementCounter);
        QVERIFY(store.has(SlotFlag::kSerial));
        for (uint8_t k = 0; k < (management ? 4 : 3); ++k) {
            const QByteArray key(reinterpret_cast<const char *>(s.keys[k]), 32);
            QVERIFY(!slotImage(eeprom, 0).contains(key));
            QVERIFY(!slotImage(eeprom, 1).contains(key));
        }
    }
}

void tst_FwStore::legacyChecksum()
{
    // Spec 7.2's example: key 00..1F, AES key 40..4F, serial 112233445566778899 -> DA.
    RamEeprom eeprom;
    uint8_t aes[16];
    for (uint8_t i = 0; i < 16; ++i)
        aes[i] = uint8_t(0x40 + i);
    WardenTest::personalizeLegacy(eeprom, g_sha, WardenTest::kTestKey, aes,
                                  WardenTest::kTestSerial);
    QCOMPARE(eeprom.read(LegacyEeprom::kChecksum), uint8_t(0xDA));
    QCOMPARE(Warden::Firmware::legacyChecksum(eeprom, Warden::Internal::botanSha256()),
             uint8_t(0xDA));
    QVERIFY(legacyChecksumValid(eeprom, g_sha));
    // Any personalization byte changed breaks it (spec: !SGN:PER:TAMPERED).
    eeprom.write(LegacyEeprom::kAesKey + 15, 0x00);
    QVERIFY(!legacyChecksumValid(eeprom, g_sha));
    // An erased EEPROM does not pass for personalized with an all-FF key.
    RamEeprom erased;
    QVERIFY(!legacyChecksumValid(erased, g_sha));
}

void tst_FwStore::powerCutAtEveryWrite_data()
{
    QTest::addColumn<int>("scenario");
    QTest::newRow("first commit on a blank EEPROM") << 0;
    QTest::newRow("whitelist entry added (stage)") << 1;
    QTest::newRow("whitelist replaced (whole state)") << 2;
    QTest::newRow("epoch activated") << 3;
    QTest::newRow("secrets wiped") << 4;
    QTest::newRow("boot counter") << 5;
    QTest::newRow("whitelist entry removed") << 6;
    QTest::newRow("peers replaced") << 7;
}

void tst_FwStore::powerCutAtEveryWrite()
{
    QFETCH(int, scenario);
    RamEeprom base;
    WardenState old;
    if (scenario != 0) {
        WardenStore setup(base, g_sha);
        old = sampleState(1);
        old.flags |= SlotFlag::kPendingKey;
        old.pendingEpoch = 2;
        std::memset(old.keys[2], 0x5A, 32);
        setup.commit(old);
        // Two commits, so the stale slot holds a valid older image too.
        old.bootCounter++;
        setup.commit(old);
    }
    const Operation operation = [scenario](WardenStore &store) {
        switch (scenario) {
        case 0:
        case 2:
            store.commit(sampleState(2));
            break;
        case 1: {
            store.beginStage();
            WhitelistEntry e {42, {4, 2, 4, 2, 4, 2, 4, 2, 4}};
            store.stageWhitelistAdd(e);
            store.stageManagementCounter(store.stagedManagementCounter() + 1);
            store.commitStage();
            break;
        }
        case 3:
            store.beginStage();
            store.stageActivateEpoch(2);
            store.commitStage();
            break;
        case 4:
            store.beginStage();
            store.stageWipeSecrets(true);
            store.commitStage();
            break;
        case 5:
            store.beginStage();
            store.stageBootCounter(store.bootCounter() + 1);
            store.commitStage();
            break;
        case 6:
            store.beginStage();
            store.stageWhitelistRemove(0);
            store.commitStage();
            break;
        case 7:
            store.beginStage();
            store.stagePeersClear();
            store.stagePeer(0, PeerFlag::kRequiresSignatures | PeerFlag::kRequiresWhitelisting);
            store.stagePeer(9, PeerFlag::kRequiresSignatures);
            store.stagePolicy(PolicyFlag::kRequireSignatures | PolicyFlag::kIgnorePresentations);
            store.commitStage();
            break;
        }
    };

    // The reference run: how many writes, and what the new state is.
    RamEeprom reference(base.image());
    {
        WardenStore store(reference, g_sha);
        store.load();
        operation(store);
    }
    const uint64_t writes = reference.writeCount();
    const WardenState expectedNew = loaded(reference);
    QVERIFY(writes > 0);
    QVERIFY(!sameState(expectedNew, old));

    int sawOld = 0;
    int sawNew = 0;
    for (uint64_t cut = 0; cut <= writes; ++cut) {
        RamEeprom eeprom(base.image());
        eeprom.cutPowerAfter(cut);
        {
            WardenStore store(eeprom, g_sha);
            store.load();
            operation(store);
        }
        eeprom.restorePower();
        WardenStore rebooted(eeprom, g_sha);
        const bool valid = rebooted.load();
        WardenState now;
        rebooted.read(now);
        const bool isOld = scenario == 0 ? !valid : sameState(now, old);
        const bool isNew = valid && sameState(now, expectedNew);
        if (!isOld && !isNew)
            QFAIL(qPrintable(QStringLiteral("power cut after write %1 of %2 left a mixed state")
                                     .arg(cut)
                                     .arg(writes)));
        sawOld += isOld;
        sawNew += isNew;
        // A store that survived a cut still takes the next commit.
        WardenState later = isNew ? expectedNew : old;
        later.bootCounter += 1000;
        QCOMPARE(rebooted.commit(later), StoreStatus::Ok);
        QVERIFY(sameState(loaded(eeprom), later));
    }
    QVERIFY(sawOld > 0);
    QVERIFY(sawNew > 0);
    qInfo("%llu writes; old state after %d cuts, new state after %d", qulonglong(writes), sawOld,
          sawNew);
}

QTEST_GUILESS_MAIN(tst_FwStore)
#include "tst_fwstore.moc"
