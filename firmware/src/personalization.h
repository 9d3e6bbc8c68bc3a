// The personalization session on the node's UART (firmware/docs/personalization.md is the
// protocol): at boot the node listens for a hello line for a short window; a session then writes
// keys, serial, management key, policy and whitelist into a stage of the slot store and commits
// it atomically. It reads back only fingerprints, the serial and versions: no command ever
// prints a key byte, and error texts never echo the offending argument.
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

    /// Longest accepted line, without its line end.
    static constexpr uint8_t kMaxLine = 96;
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
    /// True once a COMMIT (or SET NODEID / UNLOCK) changed the EEPROM in this session.
    bool changedEeprom() const { return m_changed; }

private:
    void handleLine();
    void hello();
    void info();
    void set(uint8_t argument);
    void whitelist(uint8_t argument);
    void commit();
    void finish();

    // Tokens are offsets into m_line (NUL-separated after splitting).
    uint8_t nextToken(uint8_t from) const;
    bool tokenIs(uint8_t token, const char *flashWord) const;
    /// The KeySlot a LINKKEY / NETKEY / PENDING / MGMTKEY word names, or -1.
    int8_t keyWord(uint8_t token) const;
    bool parseHex(uint8_t token, uint8_t *out, uint8_t length);
    bool parseNumber(uint8_t token, uint32_t max, uint32_t &out);
    bool expectEnd(uint8_t token);
    bool stage();

    void write(const char *ram, uint8_t length);
    void writeFlash(const char *flash);
    void writeDecimal(uint32_t value);
    void writeHex(const uint8_t *bytes, uint8_t length);
    void writeFingerprint(const uint8_t key[Protocol::kSigningKeySize]);
    void endLine();
    void ok(const char *flashWhat);
    void error(const char *flashCode, const char *flashText, uint8_t position = 0);

    Eeprom &m_eeprom;
    WardenStore &m_store;
    Protocol::Sha256Compressor &m_sha;
    SerialPort *m_serial;
    uint32_t m_since; ///< window start, then the time of the last line
    uint16_t m_window;
    State m_state;
    uint8_t m_length;
    bool m_overflow;
    bool m_changed;
    char m_line[kMaxLine + 1];
};

} // namespace Firmware
} // namespace Warden
