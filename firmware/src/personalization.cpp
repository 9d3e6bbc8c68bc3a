#include "personalization.h"

#include "flashstring.h"
#include "version.h"

#include <string.h>

namespace Warden {
namespace Firmware {

using Protocol::kSerialSize;
using Protocol::kSigningKeySize;

namespace {

// Every word the session reads or prints, in one flash list: the commands first (their index
// is the command), then the labels only INFO prints, the fixed words, and the error names
// (error n is word kFirstError + n - 1). One literal per word, so that "\0" never runs into a
// following digit.
// clang-format off
#define WARDEN_PERSO_WORDS                                                                     \
    "INFO\0" "COMMIT\0" "ABORT\0" "WIPE\0" "UNLOCK\0" "END\0"                                 \
    "LINK\0" "NET\0" "PEND\0" "MGMT\0" "SERIAL\0" "POLICY\0" "ID\0" "WL\0"                    \
    "LEGACY\0" "LOCK\0"                                          \
    "VERSION " WARDEN_PERSONALIZATION_VERSION " " WARDEN_FIRMWARE_VERSION " "                  \
        WARDEN_MYSENSORS_VERSION "\0"                                                          \
    "WARDEN PERSO " WARDEN_PERSONALIZATION_VERSION "\0"                                        \
    "OK\0" "ERR\0" "DROPPED\0"                                                                 \
    "unknown\0" "missing\0" "extra\0" "bad-hex\0" "length\0" "range\0" "needs-sign\0"          \
    "full\0" "not-listed\0" "unstaged\0" "not-kept\0" "bad-char\0" "too-long"
// clang-format on

const char kWords[] WARDEN_FLASH = WARDEN_PERSO_WORDS;

enum Word : uint8_t {
    kInfo,
    kCommit,
    kAbort,
    kWipe,
    kUnlock,
    kEnd,
    kLink, // kLink + KeySlot: LINK, NET, PEND, MGMT
    kNet,
    kPend,
    kMgmt,
    kSerial,
    kPolicy,
    kId,
    kWl,
    kCommandCount, // the words from here on are printed, never taken as a command
    kLegacy = kCommandCount,
    kLock,
    kVersion,
    kHello,
    kOk,
    kErr,
    kDropped,
    kFirstError,
    kWordCount = kFirstError + uint8_t(PersonalizationSession::Error::TooLong),
};

// One return statement (C++11): the Arduino IDE compiles the library as C++11.
template<size_t N>
constexpr uint8_t countWords(const char (&text)[N], size_t i = 0)
{
    return i + 1 >= N ? 1 : uint8_t((text[i] == 0 ? 1 : 0) + countWords(text, i + 1));
}
static_assert(countWords(WARDEN_PERSO_WORDS) == kWordCount, "one enumerator per word");

// The hex bytes of the arguments of the commands from LINK on (0: none).
const uint8_t kArgumentBytes[kCommandCount - kLink][2] WARDEN_FLASH = {
        {kSigningKeySize, 0}, // LINK key
        {kSigningKeySize, 2}, // NET key epoch
        {kSigningKeySize, 2}, // PEND key epoch
        {kSigningKeySize, 0}, // MGMT key
        {kSerialSize, 0}, // SERIAL serial
        {1, 0}, // POLICY bits
        {1, 0}, // ID node id
        {1, kSerialSize}, // WL node id, serial (the layout of a WhitelistEntry)
};

const char *word(uint8_t index)
{
    const char *p = kWords;
    while (index-- != 0) {
        while (flashByte(p++) != 0) { }
    }
    return p;
}

// Compares a NUL-ended string in RAM with one in flash.
bool equalsFlash(const char *ram, const char *flash)
{
    for (;; ++ram, ++flash) {
        const char c = char(flashByte(flash));
        if (*ram != c)
            return false;
        if (c == 0)
            return true;
    }
}

int8_t hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return int8_t(c - '0');
    c = char(c | 0x20); // lower case; no other character lands in a..f
    if (c >= 'a' && c <= 'f')
        return int8_t(c - 'a' + 10);
    return -1;
}

constexpr uint8_t kUpper = 0;
constexpr uint8_t kLower = 0x20;

} // namespace

PersonalizationSession::PersonalizationSession(Eeprom &eeprom, WardenStore &store,
                                               Protocol::Sha256Compressor &sha)
    : m_eeprom(eeprom)
    , m_store(store)
    , m_sha(sha)
{
    // m_serial .. m_line: plain data starting at zero (one memset rather than a store each).
    uint8_t *const first = reinterpret_cast<uint8_t *>(&m_serial);
    memset(first, 0, size_t(reinterpret_cast<uint8_t *>(m_line) + 1 - first));
    m_state = State::Off;
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
    m_changed = false;
}

bool PersonalizationSession::poll(uint32_t nowMs)
{
    if (m_state == State::Off)
        return false;
    if (uint32_t(nowMs - m_since)
        >= (m_state == State::Listening ? uint32_t(m_window) : kIdleTimeoutMs)) {
        finish();
        return false;
    }
    // Bounded work per poll: a flood on the UART cannot starve the caller.
    for (uint8_t budget = 2 * kMaxLine; budget != 0; --budget) {
        const int c = m_serial->read();
        if (c < 0)
            break;
        if (c != '\r' && c != '\n') {
            // m_length counts on to kMaxLine + 1, which marks a line too long.
            if (m_length < kMaxLine)
                m_line[m_length] = char(c);
            if (m_length <= kMaxLine)
                ++m_length;
            continue;
        }
        if (m_length == 0)
            continue; // an empty line, or the LF of a CR LF
        if (m_length > kMaxLine) {
            if (m_state == State::Active)
                fail(Error::TooLong);
        } else {
            m_line[m_length] = 0;
            handleLine();
        }
        Protocol::secureZero(m_line, sizeof m_line); // the line may have held a key
        m_length = 0;
        if (m_state == State::Off)
            return false;
        // Noise before the hello does not hold the window open; a session's lines do.
        if (m_state == State::Active)
            m_since = nowMs;
    }
    return true;
}

void PersonalizationSession::finish()
{
    // Whatever was not committed stays out: the stage is simply abandoned.
    m_store.abortStage();
    m_state = State::Off;
}

uint8_t PersonalizationSession::nextWord()
{
    uint8_t i = m_at;
    while (m_line[i] == ' ')
        ++i;
    const uint8_t start = i;
    while (m_line[i] != ' ' && m_line[i] != 0)
        ++i;
    if (m_line[i] != 0)
        m_line[i++] = 0;
    m_at = i;
    return start;
}

bool PersonalizationSession::isDash(uint8_t at) const
{
    return m_line[at] == '-' && m_line[at + 1] == 0;
}

void PersonalizationSession::handleLine()
{
    const bool hello = equalsFlash(m_line, word(kHello));
    if (m_state == State::Listening) {
        // Before the hello the UART may carry anything (on an RS485 node, the bus): only the
        // exact hello line counts, and nothing else is answered.
        if (!hello)
            return;
        m_state = State::Active;
    }
    for (uint8_t i = 0; i < m_length; ++i) {
        if (m_line[i] < 0x20 || m_line[i] > 0x7E) {
            fail(Error::BadChar);
            return;
        }
    }
    // A tool that reconnected says hello again: it is answered as the first time.
    if (hello) {
        info();
        putLabel(kOk);
        putWord(kHello);
        endLine();
        return;
    }
    m_at = 0;
    const uint8_t first = nextWord();
    if (m_line[first] == 0)
        return; // only spaces
    uint8_t command = 0;
    while (command < kCommandCount && !equalsFlash(m_line + first, word(command)))
        ++command;
    if (command == kCommandCount) {
        // The word is not echoed: a key pasted at the wrong moment must not come back out.
        fail(Error::Unknown);
        return;
    }

    if (command >= kLink) {
        edit(command);
        return;
    }
    const uint8_t extra = nextWord();
    if (m_line[extra] != 0) {
        fail(Error::Extra);
        return;
    }
    if (command == kInfo) {
        info();
    } else if (command == kCommit) {
        if (!m_store.isStaging()) {
            fail(Error::Unstaged);
            return;
        }
        if (m_store.commitStage() != StoreStatus::Ok) {
            fail(Error::NotKept);
            return;
        }
        m_changed = true;
        putLabel(kOk);
        putNumber(m_store.sequence(), 4);
        endLine();
        return;
    } else if (command == kAbort) {
        m_store.abortStage();
    } else if (command == kEnd) {
        const bool dropped = m_store.isStaging();
        finish();
        putWord(kOk);
        if (dropped) {
            put(' ');
            putWord(kDropped);
        }
        endLine();
        return;
    } else if (command == kUnlock) {
        // One byte, written at once (atomic by itself). Physical access to the UART is the
        // trust of the unlock pin (spec 4.10).
        eepromUpdate(m_eeprom, LegacyEeprom::kNodeLock, kNodeLockMax);
        m_changed = true;
    } else { // WIPE
        if (!m_store.isStaging())
            m_store.beginStage();
        m_store.stageWipeSecrets(true);
    }
    putWord(kOk);
    endLine();
}

void PersonalizationSession::edit(uint8_t command)
{
    // The arguments, fixed-length hex fields, parsed one after the other into value before
    // anything is staged, so that a broken line changes nothing: a key and an epoch, a node id
    // and a serial, or one byte. "-" stands for the first argument (and for WL's serial) and
    // ends the list: it clears, or removes. (A function of its own, so that value is not on
    // the stack while INFO hashes.)
    uint8_t value[kSigningKeySize + 2] = {};
    uint8_t dash = 0xFF; // which argument was "-"
    uint8_t *at = value;
    for (uint8_t i = 0; i < 2; ++i) {
        const uint8_t length
                = flashByte(reinterpret_cast<const char *>(&kArgumentBytes[command - kLink][i]));
        if (length == 0)
            break;
        const uint8_t argument = nextWord();
        if (isDash(argument) && (i == 0 || command == kWl)) {
            dash = i;
            break;
        }
        if (!parseHex(argument, at, length))
            return;
        at += length;
    }
    const uint8_t extra = nextWord();
    const uint8_t byte = value[0];
    const uint16_t epoch = uint16_t((value[kSigningKeySize] << 8) | value[kSigningKeySize + 1]);
    Error error = Error(0);
    if (m_line[extra] != 0) {
        error = Error::Extra;
    } else if (dash != 0) {
        // What a field cannot hold: epoch 0, node id 0 (the gateway's), 255 in a whitelist,
        // policy bits other than SIGN (1) and WL (2).
        if (((command == kNet || command == kPend) && epoch == 0) || (command == kId && byte == 0)
            || (command == kPolicy && byte > 3) || (command == kWl && byte == 0xFF))
            error = Error::Range;
        else if (command == kPolicy && byte == PolicyFlag::kRequireWhitelisting)
            error = Error::NeedsSign;
    }
    if (error == Error(0) && command == kId) {
        // One byte, written at once: a single EEPROM write is atomic by itself.
        eepromUpdate(m_eeprom, LegacyEeprom::kNodeId, dash == 0 ? Protocol::kAutoAddress : byte);
        m_changed = true;
    } else if (error == Error(0)) {
        // The edits of the stage. A stage is opened only for a removal that can succeed.
        Protocol::WhitelistEntry entry;
        memcpy(&entry, value, sizeof entry);
        StoreStatus status = StoreStatus::Ok;
        if (command == kWl && dash == 1 && !m_store.isStaging()
            && !m_store.findWhitelistEntry(byte, entry))
            status = StoreStatus::NotListed;
        else if (!m_store.isStaging())
            m_store.beginStage();
        if (status != StoreStatus::Ok) {
        } else if (command == kSerial) {
            if (dash == 0)
                m_store.stageClearSerial();
            else
                m_store.stageSerial(value);
        } else if (command == kPolicy) {
            if (dash == 0)
                m_store.stageClearPolicy();
            else // the peer-list bit belongs to the management channel's policy: kept
                m_store.stagePolicy(uint8_t(
                        byte | (m_store.stagedPolicy() & PolicyFlag::kIgnorePresentations)));
        } else if (command == kWl) {
            if (dash == 0)
                m_store.stageWhitelistClear();
            else if (dash == 1)
                status = m_store.stageWhitelistRemove(byte);
            else
                status = m_store.stageWhitelistAdd(entry);
        } else if (dash == 0) {
            m_store.stageClearKey(KeySlot(command - kLink));
        } else {
            m_store.stageKey(KeySlot(command - kLink), value, epoch);
        }
        if (status != StoreStatus::Ok)
            error = status == StoreStatus::WhitelistFull ? Error::Full : Error::NotListed;
    }
    Protocol::secureZero(value, sizeof value);
    if (error != Error(0)) {
        fail(error);
    } else {
        putWord(kOk);
        endLine();
    }
}

bool PersonalizationSession::fail(Error error)
{
    putLabel(kErr);
    putSmall(uint8_t(error));
    put(' ');
    putWord(uint8_t(kFirstError - 1 + uint8_t(error)));
    endLine();
    return false;
}

bool PersonalizationSession::parseHex(uint8_t at, uint8_t *out, uint8_t length)
{
    const char *text = m_line + at;
    if (*text == 0)
        return fail(Error::Missing);
    uint8_t digits = 0;
    for (; text[digits] != 0; ++digits) {
        const int8_t nibble = hexValue(text[digits]);
        if (nibble < 0)
            return fail(Error::BadHex);
        if (digits < 2 * length) // the first nibble of a byte shifts out with the second
            out[digits / 2] = uint8_t((out[digits / 2] << 4) | nibble);
    }
    if (digits != 2 * length)
        return fail(Error::Length);
    return true;
}

void PersonalizationSession::info()
{
    putWord(kVersion);
    endLine();

    putLabel(kId);
    putNumber(m_eeprom.read(LegacyEeprom::kNodeId), 1);
    endLine();

    uint8_t key[kSigningKeySize];
    const bool wardenSerial = m_store.readSerial(key);
    if (!wardenSerial)
        eepromRead(m_eeprom, LegacyEeprom::kSerial, key, kSerialSize);
    putLabel(kSerial);
    putHex(key, kSerialSize, kUpper);
    put(' ');
    put(wardenSerial ? 'W' : 'L');
    endLine();

    for (uint8_t k = 0; k < 4; ++k) {
        const KeySlot slot = KeySlot(k);
        putLabel(uint8_t(kLink + k));
        if (m_store.readKey(slot, key))
            putFingerprint(key);
        else
            put('-');
        if (slot == KeySlot::Management) {
            put(' ');
            putNumber(m_store.managementCounter(), 4);
        } else if (slot != KeySlot::Link) {
            put(' ');
            putNumber(slot == KeySlot::Network ? m_store.activeEpoch() : m_store.pendingEpoch(), 2);
        }
        endLine();
    }
    putLabel(kLegacy);
    if (legacyChecksumValid(m_eeprom, m_sha)) {
        eepromRead(m_eeprom, LegacyEeprom::kHmacKey, key, kSigningKeySize);
        putFingerprint(key);
    } else {
        put('-');
    }
    endLine();
    Protocol::secureZero(key, sizeof key);

    putLabel(kPolicy);
    if (m_store.has(SlotFlag::kPolicy))
        putNumber(m_store.policy(), 1);
    else
        put('-');
    endLine();

    const uint8_t count = m_store.whitelistCount();
    for (uint8_t i = 0; i < count; ++i) {
        Protocol::WhitelistEntry entry;
        if (!m_store.whitelistEntry(i, entry))
            break;
        putLabel(kWl);
        putNumber(entry.nodeId, 1);
        put(' ');
        putHex(entry.serial, kSerialSize, kUpper);
        endLine();
    }

    const uint8_t left = m_eeprom.read(LegacyEeprom::kNodeLock);
    putLabel(kLock);
    putNumber(left > kNodeLockMax ? kNodeLockMax : left, 1);
    endLine();
}

void PersonalizationSession::put(char c)
{
    m_out = uint8_t(c); // a member, not a local: no stack frame on the AVR
    m_serial->write(&m_out, 1);
}

void PersonalizationSession::putWord(uint8_t index)
{
    for (const char *p = word(index); flashByte(p) != 0; ++p)
        put(char(flashByte(p)));
}

void PersonalizationSession::putLabel(uint8_t index)
{
    putWord(index);
    put(' ');
}

void PersonalizationSession::putNumber(uint32_t value, uint8_t bytes)
{
    const uint8_t bigEndian[4]
            = {uint8_t(value >> 24), uint8_t(value >> 16), uint8_t(value >> 8), uint8_t(value)};
    putHex(bigEndian + 4 - bytes, bytes, kUpper);
}

void PersonalizationSession::putSmall(uint8_t value)
{
    char tens = '0';
    for (; value >= 10; value = uint8_t(value - 10))
        ++tens;
    if (tens != '0')
        put(tens);
    put(char('0' + value));
}

void PersonalizationSession::putHex(const uint8_t *bytes, uint8_t length, uint8_t letterCase)
{
    for (uint8_t i = 0; i < 2 * length; ++i) {
        const uint8_t nibble = (i & 1) ? bytes[i / 2] & 15 : bytes[i / 2] >> 4;
        put(char(nibble < 10 ? '0' + nibble : ('A' - 10 + nibble) | letterCase));
    }
}

void PersonalizationSession::putFingerprint(uint8_t key[kSigningKeySize])
{
    // The SecretBytes::fingerprint() of core: the first 8 bytes of SHA-256(key), lower-case,
    // in groups of two bytes ("ab12-cd34-ef56-7890"). Says which key, reveals nothing of it.
    // Hashed in place (Sha256 has taken all 32 bytes in before it writes the digest): one
    // buffer less on the node's small stack.
    Protocol::Sha256::hash(m_sha, key, kSigningKeySize, key);
    for (uint8_t i = 0; i < 8; i += 2) {
        if (i != 0)
            put('-');
        putHex(key + i, 2, kLower);
    }
}

void PersonalizationSession::endLine()
{
    put('\r');
    put('\n');
}

} // namespace Firmware
} // namespace Warden
