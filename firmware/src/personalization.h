// The personalization session on the node's UART (firmware/docs/personalization.md is the
// protocol): at boot the node listens for a hello line for a short window; a session then writes
// keys, serial, management key, policy and whitelist into a stage of the slot store and commits
// it atomically. It reads back only fingerprints, the serial and versions: no command ever
// prints a key byte, and error answers never echo the offending argument.
//
// Flash is what the node is short of, so the protocol is shaped for a small parser: one table
// of words that are both the commands and the labels of INFO, every value a fixed-length hex
// field (numbers too), numbered errors with short names.
#pragma once

#include "wardenstore.h"

namespace Warden {
namespace Firmware {

class PersonalizationSession
{
public:
    enum class State : uint8_t {
        Off, ///< not started, or over
        Listening, ///< waiting for the hello line until the window closes
        Active, ///< a session is running
    };

    /// Errors, as numbered on the line (`ERR <code> <name>`); the numbers are the contract.
    enum class Error : uint8_t {
        Unknown = 1, ///< the first word is not a command
        Missing = 2, ///< an argument is missing
        Extra = 3, ///< more words than the command takes
        BadHex = 4, ///< a character that is not a hex digit
        Length = 5, ///< a hex field of the wrong length
        Range = 6, ///< a value the field cannot hold
        NeedsSign = 7, ///< POLICY 02: whitelisting without signatures
        Full = 8, ///< the whitelist holds kWhitelistCapacity entries
        NotListed = 9, ///< removing a node id the whitelist does not hold
        Unstaged = 10, ///< COMMIT without a staged change
        NotKept = 11, ///< the committed slot did not read back valid: the old state stands
        BadChar = 12, ///< a byte outside 0x20..0x7E
        TooLong = 13, ///< a line longer than kMaxLine
    };

    /// Longest accepted line, without its line end (the longest command takes 74).
    static constexpr uint8_t kMaxLine = 80;
    /// An active session without a line for this long ends, dropping what was not committed.
    static constexpr uint32_t kIdleTimeoutMs = 60000;

    PersonalizationSession(Eeprom &eeprom, WardenStore &store, Protocol::Sha256Compressor &sha);
    ~PersonalizationSession();

    /// Listens on @p serial for the hello line during @p windowMs from @p nowMs.
    void start(SerialPort &serial, uint32_t nowMs, uint16_t windowMs);
    /// Handles what the port has. False once the session is over: the window closed without a
    /// hello, END was received, or the session sat idle for kIdleTimeoutMs.
    bool poll(uint32_t nowMs);
    State state() const { return m_state; }
    /// True once a COMMIT (or ID / UNLOCK) changed the EEPROM in this session.
    bool changedEeprom() const { return m_changed; }

private:
    void handleLine();
    /// The commands with arguments (LINK on).
    __attribute__((noinline)) void edit(uint8_t command);
    void info();
    void finish();

    /// The offset of the next word of m_line from m_at (ended by a NUL written over its space),
    /// or of the line's terminating NUL when there is none.
    uint8_t nextWord();
    bool isDash(uint8_t at) const;
    /// Parses the word at @p at into @p length bytes; false after answering the error.
    bool parseHex(uint8_t at, uint8_t *out, uint8_t length);
    bool fail(Error error);

    void put(char c);
    void putWord(uint8_t word);
    void putLabel(uint8_t word);
    /// @p value as @p bytes big-endian hex bytes (upper case).
    void putNumber(uint32_t value, uint8_t bytes);
    /// A decimal number below 100 (error codes and columns).
    void putSmall(uint8_t value);
    void putHex(const uint8_t *bytes, uint8_t length, uint8_t letterCase);
    /// Hashes @p key in place and prints the fingerprint.
    void putFingerprint(uint8_t key[Protocol::kSigningKeySize]);
    void endLine();

    Eeprom &m_eeprom;
    WardenStore &m_store;
    Protocol::Sha256Compressor &m_sha;
    // m_serial .. m_line[0]: plain data, zeroed as one block by the constructor.
    SerialPort *m_serial;
    uint32_t m_since; ///< window start, then the time of the last line
    uint16_t m_window;
    State m_state;
    uint8_t m_length; ///< kMaxLine + 1: the line is too long
    uint8_t m_at; ///< where nextWord() goes on
    bool m_changed;
    uint8_t m_out; ///< the byte put() writes
    char m_line[kMaxLine + 1];
};

} // namespace Firmware
} // namespace Warden
