// What a sketch gets from the board it runs on: the HAL and the SHA-256 compression. The AVR
// board support (hal/avr) defines these for the ATmega328P; the host program
// (examples/SecureNode/hostmain.cpp) defines them for a POSIX process.
#pragma once

#include "hal.h"

#include <warden/protocol/sha256.h>

namespace Warden {
namespace Firmware {

const Hal &boardHal();
Protocol::Sha256Compressor &boardSha256();

} // namespace Firmware
} // namespace Warden
