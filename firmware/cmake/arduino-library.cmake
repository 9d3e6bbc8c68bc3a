# The installable Arduino library as a build target, in either project that includes this file
# (the host build and the firmware's own avr-gcc project):
#   cmake --build <build> --target firmware_arduino_library
# gives <build>/arduino/Warden/ (library.properties, src/, examples/) and
# <build>/arduino/Warden-<version>.zip for "Sketch > Include Library > Add .ZIP Library".
# Assembled by arduino-package.cmake from the repository's sources on every run: firmware/
# stays the only copy. firmware/docs/arduino.md is the user's side of it.
set(WARDEN_ARDUINO_LIBRARY_DIR "${CMAKE_BINARY_DIR}/arduino"
    CACHE PATH "Where firmware_arduino_library puts the Arduino library and its zip")
add_custom_target(firmware_arduino_library
    COMMAND "${CMAKE_COMMAND}" "-DFIRMWARE_DIR=${CMAKE_CURRENT_LIST_DIR}/.."
        "-DPROTOCOL_DIR=${CMAKE_CURRENT_LIST_DIR}/../../core/protocol"
        "-DOUTPUT_DIR=${WARDEN_ARDUINO_LIBRARY_DIR}" -DZIP=ON
        -P "${CMAKE_CURRENT_LIST_DIR}/arduino-package.cmake"
    COMMENT "Arduino library: ${WARDEN_ARDUINO_LIBRARY_DIR}/Warden"
    VERBATIM)
