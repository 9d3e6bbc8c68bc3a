#include "personalization.h"

#include "flashstring.h"
#include "version.h"

#include <string.h>

namespace Warden {
namespace Firmware {

using Protocol::kSerialSize;
using Protocol::kSigningKeySize;

namespace {

// Upper case for serials (as MySensors prints them), lower case for fingerprints (as core does).
const char kHexDigits[] WARDEN_FLASH = "0123456789ABCDEF0123456789abcdef";

bool elapsed(uint32_t now, uint32_t since, uint32_t duration)
{
    return uint32_t(now - since) >= duration;
}

int8_t hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return int8_t(c - '0');
    if (c >= 'a' && c <= 'f')
        return int8_t(c - 'a' + 10);
    if (c >= 'A' && c <= 'F')
        return int8_t(c - 'A' + 10);
    return -1;
}

} // namespace

PersonalizationSession::PersonalizationSession(Eeprom &eeprom, WardenStore &store,
                                               Protocol::Sha256Compressor &sha)
    : m_eeprom(eeprom)
    , m_store(store)
    , m_sha(sha)
    , m_serial(nullptr)
    , m_since(0)
    , m_window(0)
    , m_state(State::Off)
    , m_length(0)
    , m_overflow(false)
    , m_changed(false)
{
    memset(m_line, 0, sizeof m_line);
}

PersonalizationSession::~PersonalizationSession()
{
    Protocol::secureZero(m_line, sizeof m_line);
}

void PersonalizationSession::start(SerialPort &serial, uint32_t nowMs, uint16_t windowMs)
{
    m_serial = &serial;
    m_since = nowMs;
    m_window = windowMs;
    m_state = State::Listening;
    m_length = 0;
    m_overflow = false;
    m_changed = false;
}

bool PersonalizationSession::poll(uint32_t nowMs)
{
    if (m_state == State::Off || !m_serial)
        return false;
    if (m_state == State::Listening && elapsed(nowMs, m_since, m_window)) {
        m_state = State::Off;
        return false;
    }
    if (m_state == State::Active && elapsed(nowMs, m_since, kIdleTimeoutMs)) {
        finish();
        return false;
    }
    // Bounded work per poll: a flood on the UART cannot starve the caller.
    for (uint8_t budget = 0; budget < 2 * kMaxLine; ++budget) {
        const int c = m_serial->read();
        if (c < 0)
            break;
        if (c == '\r' || c == '\n') {
            if (m_overflow) {
                m_overflow = false;
                m_length = 0;
                if (m_state == State::Active) {
                    m_since = nowMs;
                    error(WARDEN_F("line-too-long"), WARDEN_TEXT("at most 96 characters"));
                }
                continue;
            }
            if (m_length == 0)
                continue; // empty line, or the LF of a CR LF
            m_line[m_length] = 0;
            m_since = nowMs;
            handleLine();
            Protocol::secureZero(m_line, sizeof m_line); // the line may have held a key
            m_length = 0;
            if (m_state == State::Off)
                return false;
            continue;
        }
        if (m_length < kMaxLine)
            m_line[m_length++] = char(c);
        else
            m_overflow = true;
    }
    return true;
}

void PersonalizationSession::finish()
{
    // Whatever was not committed stays out: the stage is simply abandoned.
    m_store.abortStage();
    m_state = State::Off;
}

uint8_t PersonalizationSession::nextToken(uint8_t from) const
{
    uint8_t i = from;
    while (i < m_length && m_line[i] != 0)
        ++i;
    while (i < m_length && m_line[i] == 0)
        ++i;
    return i;
}

bool PersonalizationSession::tokenIs(uint8_t token, const char *flashWord) const
{
    if (token >= m_length)
        return false;
    uint8_t i = 0;
    for (;; ++i) {
        const char expected = char(flashByte(flashWord + i));
        const char actual = m_line[token + i];
        if (expected != actual)
            return false;
        if (expected == 0)
            return true;
    }
}

void PersonalizationSession::handleLine()
{
    if (m_state == State::Listening) {
        // Before the hello the UART may carry anything (on an RS485 node, the bus): only the
        // exact hello line counts, and nothing else is answered.
        if (tokenIs(0, WARDEN_F("WARDEN PERSO " WARDEN_PERSONALIZATION_VERSION))) {
            m_state = State::Active;
            hello();
        }
        return;
    }
    for (uint8_t i = 0; i < m_length; ++i) {
        if (m_line[i] < 0x20 || m_line[i] > 0x7E) {
            error(WARDEN_F("bad-character"), WARDEN_TEXT("only printable ASCII is accepted"),
                  uint8_t(i + 1));
            return;
        }
    }
    // The tool may say hello again (it reconnected): answer as the first time.
    if (tokenIs(0, WARDEN_F("WARDEN PERSO " WARDEN_PERSONALIZATION_VERSION))) {
        hello();
        return;
    }
    for (uint8_t i = 0; i < m_length; ++i) {
        if (m_line[i] == ' ')
            m_line[i] = 0;
    }
    const uint8_t command = m_line[0] != 0 ? 0 : nextToken(0);
    if (command >= m_length)
        return; // only spaces
    const uint8_t argument = nextToken(command);
    if (tokenIs(command, WARDEN_F("INFO"))) {
        if (expectEnd(argument)) {
            info();
            ok(WARDEN_F("INFO"));
        }
    } else if (tokenIs(command, WARDEN_F("SET"))) {
        set(argument);
    } else if (tokenIs(command, WARDEN_F("WL"))) {
        whitelist(argument);
    } else if (tokenIs(command, WARDEN_F("COMMIT"))) {
        if (expectEnd(argument))
            commit();
    } else if (tokenIs(command, WARDEN_F("ABORT"))) {
        if (expectEnd(argument)) {
            m_store.abortStage();
            ok(WARDEN_F("ABORTED"));
        }
    } else if (tokenIs(command, WARDEN_F("CLEAR"))) {
        const int8_t slot = keyWord(argument);
        const bool serial = tokenIs(argument, WARDEN_F("SERIAL"));
        if (slot < 0 && !serial) {
            error(WARDEN_F("unknown-setting"),
                  WARDEN_TEXT("CLEAR LINKKEY, NETKEY, PENDING, MGMTKEY or SERIAL"),
                  argument < m_length ? uint8_t(argument + 1) : 0);
        } else if (expectEnd(nextToken(argument)) && stage()) {
            if (serial)
                m_store.stageClearSerial();
            else
                m_store.stageClearKey(KeySlot(slot));
            ok(WARDEN_F("STAGED"));
        }
    } else if (tokenIs(command, WARDEN_F("WIPE"))) {
        if (expectEnd(argument) && stage()) {
            m_store.stageWipeSecrets(true);
            ok(WARDEN_F("STAGED"));
        }
    } else if (tokenIs(command, WARDEN_F("UNLOCK"))) {
        if (expectEnd(argument)) {
            // Physical access to the UART is the same trust as the unlock pin (spec 4.10).
            eepromUpdate(m_eeprom, LegacyEeprom::kNodeLock, kNodeLockMax);
            m_changed = true;
            ok(WARDEN_F("UNLOCKED"));
        }
    } else if (tokenIs(command, WARDEN_F("END"))) {
        if (expectEnd(argument)) {
            const bool dropped = m_store.isStaging();
            finish();
            writeFlash(dropped ? WARDEN_F("OK BYE UNCOMMITTED-DROPPED") : WARDEN_F("OK BYE"));
            endLine();
        }
    } else {
        // The word is not echoed: a key pasted at the wrong moment must not come back out.
        error(WARDEN_F("unknown-command"),
              WARDEN_TEXT("expected INFO, SET, CLEAR, WL, COMMIT, ABORT, WIPE, UNLOCK or END"),
              uint8_t(command + 1));
    }
}

int8_t PersonalizationSession::keyWord(uint8_t token) const
{
    if (tokenIs(token, WARDEN_F("LINKKEY")))
        return int8_t(KeySlot::Link);
    if (tokenIs(token, WARDEN_F("NETKEY")))
        return int8_t(KeySlot::Network);
    if (tokenIs(token, WARDEN_F("PENDING")))
        return int8_t(KeySlot::Pending);
    if (tokenIs(token, WARDEN_F("MGMTKEY")))
        return int8_t(KeySlot::Management);
    return -1;
}

bool PersonalizationSession::stage()
{
    if (!m_store.isStaging())
        m_store.beginStage();
    return true;
}

bool PersonalizationSession::expectEnd(uint8_t token)
{
    if (token < m_length) {
        error(WARDEN_F("extra-argument"), WARDEN_TEXT("the command takes fewer arguments"),
              uint8_t(token + 1));
        return false;
    }
    return true;
}

bool PersonalizationSession::parseHex(uint8_t token, uint8_t *out, uint8_t length)
{
    if (token >= m_length) {
        error(WARDEN_F("missing-argument"), WARDEN_TEXT("a hexadecimal value is missing"));
        return false;
    }
    uint8_t digits = 0;
    for (; m_line[token + digits] != 0; ++digits) {
        if (hexValue(m_line[token + digits]) < 0) {
            error(WARDEN_F("bad-hex"), WARDEN_TEXT("not a hexadecimal digit"),
                  uint8_t(token + digits + 1));
            return false;
        }
    }
    if (digits != 2 * length) {
        error(WARDEN_F("wrong-length"),
              length == kSigningKeySize ? WARDEN_TEXT("a key is 64 hexadecimal digits")
                                        : WARDEN_TEXT("a serial is 18 hexadecimal digits"),
              uint8_t(token + 1));
        return false;
    }
    for (uint8_t i = 0; i < length; ++i)
        out[i] = uint8_t((hexValue(m_line[token + 2 * i]) << 4)
                         | hexValue(m_line[token + 2 * i + 1]));
    return true;
}

bool PersonalizationSession::parseNumber(uint8_t token, uint32_t max, uint32_t &out)
{
    if (token >= m_length) {
        error(WARDEN_F("missing-argument"), WARDEN_TEXT("a number is missing"));
        return false;
    }
    uint32_t value = 0;
    for (uint8_t i = 0; m_line[token + i] != 0; ++i) {
        const char c = m_line[token + i];
        if (c < '0' || c > '9') {
            error(WARDEN_F("bad-number"), WARDEN_TEXT("a decimal number is expected"),
                  uint8_t(token + i + 1));
            return false;
        }
        const uint8_t digit = uint8_t(c - '0');
        if (value > (max - digit) / 10) {
            error(WARDEN_F("out-of-range"), WARDEN_TEXT("the number is too large"),
                  uint8_t(token + 1));
            return false;
        }
        value = value * 10 + digit;
    }
    out = value;
    return true;
}

void PersonalizationSession::set(uint8_t argument)
{
    if (argument >= m_length) {
        error(WARDEN_F("missing-argument"),
              WARDEN_TEXT("SET LINKKEY, NETKEY, PENDING, MGMTKEY, SERIAL, REQUIRE or NODEID"));
        return;
    }
    const uint8_t value = nextToken(argument);
    const int8_t slot = keyWord(argument);
    if (slot >= 0) {
        // Network and pending keys come with their epoch (1..65535), the others without.
        const bool withEpoch = slot == int8_t(KeySlot::Network) || slot == int8_t(KeySlot::Pending);
        uint8_t key[kSigningKeySize];
        uint32_t epoch = 0;
        uint8_t next = nextToken(value);
        bool good = parseHex(value, key, kSigningKeySize);
        if (good && withEpoch) {
            good = parseNumber(next, 0xFFFF, epoch);
            if (good && epoch == 0) {
                error(WARDEN_F("out-of-range"), WARDEN_TEXT("epochs start at 1"),
                      uint8_t(next + 1));
                good = false;
            }
            next = nextToken(next);
        }
        if (good && expectEnd(next) && stage()) {
            m_store.stageKey(KeySlot(slot), key, uint16_t(epoch));
            ok(WARDEN_F("STAGED"));
        }
        Protocol::secureZero(key, sizeof key);
    } else if (tokenIs(argument, WARDEN_F("SERIAL"))) {
        uint8_t serial[kSerialSize];
        if (parseHex(value, serial, kSerialSize) && expectEnd(nextToken(value)) && stage()) {
            m_store.stageSerial(serial);
            ok(WARDEN_F("STAGED"));
        }
    } else if (tokenIs(argument, WARDEN_F("REQUIRE"))) {
        if (value >= m_length) {
            error(WARDEN_F("missing-argument"), WARDEN_TEXT("SIGN, SIGN WL, NONE or DEFAULT"));
        } else if (tokenIs(value, WARDEN_F("DEFAULT"))) {
            if (expectEnd(nextToken(value)) && stage()) {
                m_store.stageClearPolicy();
                ok(WARDEN_F("STAGED"));
            }
        } else if (tokenIs(value, WARDEN_F("NONE"))) {
            if (expectEnd(nextToken(value)) && stage()) {
                m_store.stagePolicy(
                        uint8_t(m_store.stagedPolicy() & PolicyFlag::kIgnorePresentations));
                ok(WARDEN_F("STAGED"));
            }
        } else {
            uint8_t policy = 0;
            for (uint8_t token = value; token < m_length; token = nextToken(token)) {
                if (tokenIs(token, WARDEN_F("SIGN"))) {
                    policy |= PolicyFlag::kRequireSignatures;
                } else if (tokenIs(token, WARDEN_F("WL"))) {
                    policy |= PolicyFlag::kRequireWhitelisting;
                } else {
                    error(WARDEN_F("unknown-flag"), WARDEN_TEXT("SIGN, SIGN WL, NONE or DEFAULT"),
                          uint8_t(token + 1));
                    return;
                }
            }
            if ((policy & PolicyFlag::kRequireSignatures) == 0) {
                error(WARDEN_F("whitelisting-needs-signatures"), WARDEN_TEXT("use SIGN WL"),
                      uint8_t(value + 1));
            } else if (stage()) {
                // The peer-list bit belongs to the management channel's policy: kept.
                m_store.stagePolicy(uint8_t(
                        policy | (m_store.stagedPolicy() & PolicyFlag::kIgnorePresentations)));
                ok(WARDEN_F("STAGED"));
            }
        }
    } else if (tokenIs(argument, WARDEN_F("NODEID"))) {
        // One byte, so it is written at once: a single EEPROM write is atomic by itself.
        uint32_t id = Protocol::kAutoAddress;
        const bool automatic = tokenIs(value, WARDEN_F("AUTO"));
        if ((automatic || parseNumber(value, 254, id)) && expectEnd(nextToken(value))) {
            if (id == 0) {
                error(WARDEN_F("out-of-range"), WARDEN_TEXT("node ids are 1 to 254 or AUTO"),
                      uint8_t(value + 1));
                return;
            }
            eepromUpdate(m_eeprom, LegacyEeprom::kNodeId, uint8_t(id));
            m_changed = true;
            ok(WARDEN_F("NODEID"));
        }
    } else {
        error(WARDEN_F("unknown-setting"),
              WARDEN_TEXT("SET LINKKEY, NETKEY, PENDING, MGMTKEY, SERIAL, REQUIRE or NODEID"),
              uint8_t(argument + 1));
    }
}

void PersonalizationSession::whitelist(uint8_t argument)
{
    const uint8_t id = nextToken(argument);
    if (tokenIs(argument, WARDEN_F("ADD"))) {
        const uint8_t serial = nextToken(id);
        uint32_t node = 0;
        Protocol::WhitelistEntry entry;
        if (!parseNumber(id, 254, node) || !parseHex(serial, entry.serial, kSerialSize)
            || !expectEnd(nextToken(serial)) || !stage())
            return;
        entry.nodeId = uint8_t(node);
        if (m_store.stageWhitelistAdd(entry) == StoreStatus::WhitelistFull)
            error(WARDEN_F("whitelist-full"), WARDEN_TEXT("the whitelist holds 16 entries"));
        else
            ok(WARDEN_F("STAGED"));
    } else if (tokenIs(argument, WARDEN_F("DEL"))) {
        uint32_t node = 0;
        if (!parseNumber(id, 254, node) || !expectEnd(nextToken(id)))
            return;
        // A stage is opened only for a removal that can succeed.
        Protocol::WhitelistEntry listed;
        if ((!m_store.isStaging() && !m_store.findWhitelistEntry(uint8_t(node), listed))
            || (stage() && m_store.stageWhitelistRemove(uint8_t(node)) == StoreStatus::NotListed))
            error(WARDEN_F("not-listed"), WARDEN_TEXT("the whitelist has no entry for that node"),
                  uint8_t(id + 1));
        else
            ok(WARDEN_F("STAGED"));
    } else if (tokenIs(argument, WARDEN_F("CLEAR"))) {
        if (expectEnd(id) && stage()) {
            m_store.stageWhitelistClear();
            ok(WARDEN_F("STAGED"));
        }
    } else {
        error(WARDEN_F("unknown-setting"), WARDEN_TEXT("WL ADD, DEL or CLEAR"),
              argument < m_length ? uint8_t(argument + 1) : 0);
    }
}

void PersonalizationSession::commit()
{
    if (!m_store.isStaging()) {
        error(WARDEN_F("nothing-staged"), WARDEN_TEXT("no change to commit"));
        return;
    }
    if (m_store.commitStage() != StoreStatus::Ok) {
        error(WARDEN_F("commit-failed"),
              WARDEN_TEXT("the EEPROM did not keep it; the old state stands"));
        return;
    }
    m_changed = true;
    writeFlash(WARDEN_F("OK COMMITTED SEQ "));
    writeDecimal(m_store.sequence());
    endLine();
}

void PersonalizationSession::hello()
{
    info();
    ok(WARDEN_F("WARDEN PERSO " WARDEN_PERSONALIZATION_VERSION));
}

void PersonalizationSession::info()
{
    writeFlash(WARDEN_F("FIRMWARE " WARDEN_FIRMWARE_VERSION));
    endLine();
    writeFlash(WARDEN_F("PROTOCOL " WARDEN_MYSENSORS_VERSION));
    endLine();
    if (m_store.isValid()) {
        writeFlash(m_store.activeSlot() == 0 ? WARDEN_F("SLOT A SEQ ") : WARDEN_F("SLOT B SEQ "));
        writeDecimal(m_store.sequence());
    } else {
        writeFlash(WARDEN_F("SLOT NONE"));
    }
    endLine();

    const uint8_t id = m_eeprom.read(LegacyEeprom::kNodeId);
    writeFlash(WARDEN_F("NODEID "));
    if (id >= 1 && id <= 254)
        writeDecimal(id);
    else
        writeFlash(WARDEN_F("AUTO"));
    endLine();

    uint8_t serial[kSerialSize];
    const bool wardenSerial = m_store.readSerial(serial);
    if (!wardenSerial)
        eepromRead(m_eeprom, LegacyEeprom::kSerial, serial, kSerialSize);
    writeFlash(WARDEN_F("SERIAL "));
    writeHex(serial, kSerialSize);
    writeFlash(wardenSerial ? WARDEN_F(" WARDEN") : WARDEN_F(" LEGACY"));
    endLine();

    uint8_t key[kSigningKeySize];
    const bool checksumOk = legacyChecksumValid(m_eeprom, m_sha);
    // Which key the node signs with: link key, else network key, else the legacy one.
    writeFlash(m_store.has(SlotFlag::kLinkKey)      ? WARDEN_F("SIGNING LINKKEY")
               : m_store.has(SlotFlag::kNetworkKey) ? WARDEN_F("SIGNING NETKEY")
               : checksumOk                         ? WARDEN_F("SIGNING LEGACY")
                                                    : WARDEN_F("SIGNING NONE"));
    endLine();
    for (uint8_t k = 0; k < 4; ++k) {
        const KeySlot slot = KeySlot(k);
        writeFlash(slot == KeySlot::Link      ? WARDEN_F("LINKKEY ")
                   : slot == KeySlot::Network ? WARDEN_F("NETKEY ")
                   : slot == KeySlot::Pending ? WARDEN_F("PENDING ")
                                              : WARDEN_F("MGMTKEY "));
        if (m_store.readKey(slot, key))
            writeFingerprint(key);
        else
            writeFlash(WARDEN_F("NONE"));
        if (slot == KeySlot::Network || slot == KeySlot::Pending) {
            writeFlash(WARDEN_F(" EPOCH "));
            writeDecimal(slot == KeySlot::Network ? m_store.activeEpoch() : m_store.pendingEpoch());
        } else if (slot == KeySlot::Management) {
            writeFlash(WARDEN_F(" COUNTER "));
            writeDecimal(m_store.managementCounter());
        }
        endLine();
    }
    writeFlash(WARDEN_F("LEGACY-KEY "));
    if (checksumOk) {
        eepromRead(m_eeprom, LegacyEeprom::kHmacKey, key, kSigningKeySize);
        writeFingerprint(key);
        writeFlash(WARDEN_F(" CHECKSUM OK"));
    } else {
        writeFlash(WARDEN_F("NONE CHECKSUM BAD"));
    }
    endLine();
    Protocol::secureZero(key, sizeof key);

    writeFlash(WARDEN_F("REQUIRE"));
    if (!m_store.has(SlotFlag::kPolicy)) {
        writeFlash(WARDEN_F(" DEFAULT"));
    } else {
        const uint8_t policy = m_store.policy();
        if (policy & PolicyFlag::kRequireSignatures)
            writeFlash(WARDEN_F(" SIGN"));
        if (policy & PolicyFlag::kRequireWhitelisting)
            writeFlash(WARDEN_F(" WL"));
        if ((policy & (PolicyFlag::kRequireSignatures | PolicyFlag::kRequireWhitelisting)) == 0)
            writeFlash(WARDEN_F(" NONE"));
        if (policy & PolicyFlag::kIgnorePresentations)
            writeFlash(WARDEN_F(" IGNORE-PRESENTATIONS"));
    }
    endLine();
    writeFlash(WARDEN_F("PEERS "));
    writeDecimal(m_store.peerCount());
    endLine();

    const uint8_t count = m_store.whitelistCount();
    writeFlash(WARDEN_F("WHITELIST "));
    writeDecimal(count);
    writeFlash(WARDEN_F(" OF "));
    writeDecimal(kWhitelistCapacity);
    endLine();
    for (uint8_t i = 0; i < count; ++i) {
        Protocol::WhitelistEntry entry;
        if (!m_store.whitelistEntry(i, entry))
            break;
        writeFlash(WARDEN_F("WL "));
        writeDecimal(entry.nodeId);
        writeFlash(WARDEN_F(" "));
        writeHex(entry.serial, kSerialSize);
        endLine();
    }

    const uint8_t left = m_eeprom.read(LegacyEeprom::kNodeLock);
    if (left == 0) {
        writeFlash(WARDEN_F("LOCK LOCKED"));
    } else {
        writeFlash(WARDEN_F("LOCK OK "));
        writeDecimal(left > kNodeLockMax ? kNodeLockMax : left);
    }
    endLine();
    writeFlash(WARDEN_F("BOOTS "));
    writeDecimal(m_store.bootCounter());
    endLine();
    writeFlash(m_store.isStaging() ? WARDEN_F("STAGED YES") : WARDEN_F("STAGED NO"));
    endLine();
}

void PersonalizationSession::write(const char *ram, uint8_t length)
{
    m_serial->write(reinterpret_cast<const uint8_t *>(ram), length);
}

void PersonalizationSession::writeFlash(const char *flash)
{
    char buffer[16];
    uint8_t n = 0;
    for (const char *p = flash;; ++p) {
        const char c = char(flashByte(p));
        if (c == 0 || n == sizeof buffer) {
            write(buffer, n);
            n = 0;
        }
        if (c == 0)
            break;
        buffer[n++] = c;
    }
}

void PersonalizationSession::writeDecimal(uint32_t value)
{
    char digits[10];
    uint8_t n = 0;
    do {
        digits[sizeof digits - 1 - n] = char('0' + value % 10);
        value /= 10;
        ++n;
    } while (value != 0);
    write(digits + sizeof digits - n, n);
}

void PersonalizationSession::writeHex(const uint8_t *bytes, uint8_t length)
{
    for (uint8_t i = 0; i < length; ++i) {
        const char pair[2] = {char(flashByte(kHexDigits + (bytes[i] >> 4))),
                              char(flashByte(kHexDigits + (bytes[i] & 15)))};
        write(pair, 2);
    }
}

void PersonalizationSession::writeFingerprint(const uint8_t key[kSigningKeySize])
{
    // The SecretBytes::fingerprint() of core: the first 8 bytes of SHA-256(key), lower-case,
    // in groups of two bytes ("ab12-cd34-ef56-7890"). Says which key, reveals nothing of it.
    uint8_t digest[Protocol::kSha256DigestSize];
    Protocol::Sha256::hash(m_sha, key, kSigningKeySize, digest);
    char text[19];
    uint8_t n = 0;
    for (uint8_t i = 0; i < 8; ++i) {
        if (i > 0 && i % 2 == 0)
            text[n++] = '-';
        text[n++] = char(flashByte(kHexDigits + 16 + (digest[i] >> 4)));
        text[n++] = char(flashByte(kHexDigits + 16 + (digest[i] & 15)));
    }
    write(text, n);
    Protocol::secureZero(digest, sizeof digest);
}

void PersonalizationSession::endLine()
{
    const char lineEnd[2] = {'\r', '\n'};
    write(lineEnd, 2);
}

void PersonalizationSession::ok(const char *flashWhat)
{
    writeFlash(WARDEN_F("OK "));
    writeFlash(flashWhat);
    endLine();
}

void PersonalizationSession::error(const char *flashCode, const char *flashText, uint8_t position)
{
    writeFlash(WARDEN_F("ERR "));
    writeFlash(flashCode);
    if (position != 0) {
        writeFlash(WARDEN_F(" at position "));
        writeDecimal(position);
    }
    if (flashText) {
        writeFlash(WARDEN_F(": "));
        writeFlash(flashText);
    }
    endLine();
}

} // namespace Firmware
} // namespace Warden
