// Resident<T>: a sketch's global that lives as long as the program and is never destroyed.
#pragma once

namespace Warden {
namespace Firmware {

/// Holds a T for the whole life of the program, without ever running its destructor.
///
/// For the sketch's node and management handler: on the AVR main() never returns, so the
/// destructors of plain globals never run either, yet avr-gcc still registers them (about
/// 120 B of flash for SecureNode and ManagementChannelHandler). On the host the process ends
/// without them; nothing of the node outlives the process.
template<typename T>
class Resident
{
public:
    /// Constructs the T from @p args (during static initialisation, for a global).
    template<typename... Args>
    explicit Resident(Args &&...args)
        : m_object(static_cast<Args &&>(args)...)
    { }
    ~Resident() { } // deliberately leaves m_object alive: see the class comment
    Resident(const Resident &) = delete;
    Resident &operator=(const Resident &) = delete;

    T &get() { return m_object; }
    T &operator*() { return m_object; }
    T *operator->() { return &m_object; }

private:
    union {
        T m_object; // a union member: its destructor is not called implicitly
    };
};

} // namespace Firmware
} // namespace Warden
