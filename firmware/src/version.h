// The firmware's version. The host build defines it from library.properties (the one place
// the version lives); other builds get this copy, which a host test keeps equal to it.
#pragma once

#ifndef WARDEN_FIRMWARE_VERSION
#define WARDEN_FIRMWARE_VERSION "0.1.0"
#endif
/// The MySensors protocol release the node implements.
#define WARDEN_MYSENSORS_VERSION "2.3.2"
/// The personalization protocol version of the hello line.
#define WARDEN_PERSONALIZATION_VERSION "2"
