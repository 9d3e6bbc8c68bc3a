# The Arduino build of the sketches, as the IDE does it: the library is packaged and zipped
# (arduino-package.cmake), the zip unpacked into a scratch sketchbook (what "Add .ZIP Library"
# does), and arduino-builder, the IDE's build engine, compiles the examples for the Pro Mini
# (ATmega328P, 16 MHz) against the Arduino AVR core. Run by the ctest firmware_arduino_build:
#   cmake -DARDUINO_BUILDER=... -DARDUINO_HARDWARE=... -DARDUINO_BUILDER_DIR=...
#         -DFIRMWARE_DIR=... -DPROTOCOL_DIR=... -DWORK_DIR=... -DAVR_SIZE=...
#         [-DSIMAVR=warden_simavr] [-DCMAKE_IMAGES_DIR=<build>/firmware-avr]
#         -P firmware/cmake/arduino-build.cmake
# Fails when a sketch does not compile or link, when a .hex is missing, when the library's or
# a sketch's own code warns under -Wall -Wextra, or when the simulated RS485 SecureNode does
# not answer the personalization hello. Prints flash and RAM of every Arduino image beside the
# CMake image of the same sketch; the flash budget itself is firmware_securenode_footprint's.
cmake_minimum_required(VERSION 3.25)

foreach(var ARDUINO_BUILDER ARDUINO_HARDWARE ARDUINO_BUILDER_DIR FIRMWARE_DIR PROTOCOL_DIR
        WORK_DIR AVR_SIZE)
    if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
        message(FATAL_ERROR "arduino-build.cmake: -D${var}=... is required")
    endif()
endforeach()

set(_wab_fqbn "arduino:avr:pro:cpu=16MHzatmega328")
set(_wab_flash_max 30720) # the Pro Mini's upload.maximum_size (2 KiB bootloader)

# --- the library, through its zip -----------------------------------------------------------
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}/package" "${WORK_DIR}/sketchbook/libraries" "${WORK_DIR}/cache")
execute_process(COMMAND "${CMAKE_COMMAND}" "-DFIRMWARE_DIR=${FIRMWARE_DIR}"
        "-DPROTOCOL_DIR=${PROTOCOL_DIR}" "-DOUTPUT_DIR=${WORK_DIR}/package" -DZIP=ON
        -P "${CMAKE_CURRENT_LIST_DIR}/arduino-package.cmake"
    RESULT_VARIABLE _wab_result)
file(GLOB _wab_zip "${WORK_DIR}/package/Warden-*.zip")
if(NOT _wab_result EQUAL 0 OR NOT _wab_zip)
    message(FATAL_ERROR "Packaging the Arduino library failed")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" -E tar xf "${_wab_zip}"
    WORKING_DIRECTORY "${WORK_DIR}/sketchbook/libraries" RESULT_VARIABLE _wab_result)
set(_wab_library "${WORK_DIR}/sketchbook/libraries/Warden")
if(NOT _wab_result EQUAL 0 OR NOT EXISTS "${_wab_library}/library.properties")
    message(FATAL_ERROR "${_wab_zip} does not unpack to Warden/library.properties")
endif()

# --- the builds -----------------------------------------------------------------------------
# Debian 12's arduino-core-avr (1.8.7) is written for the IDE's avr-gcc 7.3; with Debian's
# avr-gcc 5.4 its WString.cpp misses DECIMAL_DIG (in 5.4's <float.h> for C only). The IDE's own
# toolchain needs no such flag (firmware/docs/arduino.md).
set(_wab_core_fix "-DDECIMAL_DIG=__DECIMAL_DIG__")
# The code-size options of the CMake images (firmware/cmake/avr-images.cmake), which a user
# sets in platform.local.txt (firmware/docs/arduino.md); "stock" builds are what the IDE does
# with no setup at all.
set(_wab_size_options "-mcall-prologues -mrelax -mstrict-X -fno-inline-small-functions \
-fno-move-loop-invariants -fno-tree-dominator-opts -fno-tree-ter -fno-ipa-sra")

# wab_build(<name> <sketch> <stock|sized> <must fit: ON|OFF> [<build.extra_flags>])
# Builds <sketch> into WORK_DIR/<name>; sets _wab_elf_<name>.
function(wab_build name sketch options must_fit)
    set(prefs)
    if(options STREQUAL "sized")
        list(APPEND prefs -prefs "compiler.cpp.extra_flags=${_wab_core_fix} ${_wab_size_options}"
            -prefs "compiler.c.extra_flags=${_wab_size_options}"
            -prefs "compiler.c.elf.extra_flags=${_wab_size_options}")
    else()
        list(APPEND prefs -prefs "compiler.cpp.extra_flags=${_wab_core_fix}")
    endif()
    if(ARGC GREATER 4)
        list(APPEND prefs -prefs "build.extra_flags=${ARGV4}")
    endif()
    set(build "${WORK_DIR}/${name}")
    file(MAKE_DIRECTORY "${build}")
    string(TIMESTAMP start "%s" UTC)
    execute_process(COMMAND "${ARDUINO_BUILDER}" -compile
            -hardware "${ARDUINO_HARDWARE}" -hardware "${ARDUINO_BUILDER_DIR}"
            -tools "${ARDUINO_BUILDER_DIR}" -libraries "${WORK_DIR}/sketchbook/libraries"
            -fqbn "${_wab_fqbn}" -core-api-version 10819 -warnings all
            -build-path "${build}" -build-cache "${WORK_DIR}/cache" ${prefs}
            "${_wab_library}/examples/${sketch}/${sketch}.ino"
        RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
    file(WRITE "${build}.log" "${out}")
    set(elf "${build}/${sketch}.ino.elf")
    set(too_big OFF)
    if(out MATCHES "Sketch too big")
        set(too_big ON)
    endif()
    if(NOT result EQUAL 0 AND NOT (too_big AND NOT must_fit))
        message(FATAL_ERROR "arduino-builder failed on ${sketch} (${name}, ${options}):\n${out}")
    endif()
    if(NOT EXISTS "${build}/${sketch}.ino.hex" OR NOT EXISTS "${elf}")
        message(FATAL_ERROR "arduino-builder made no ${sketch}.ino.hex (${name}):\n${out}")
    endif()
    # Our code is held to -Wall -Wextra in this build too; the core's warnings are not ours.
    string(REGEX MATCHALL "[^\n]*(warning|error): [^\n]*" warnings "${out}")
    list(FILTER warnings EXCLUDE REGEX "^${ARDUINO_HARDWARE}")
    list(FILTER warnings EXCLUDE REGEX "^/usr/(lib|share)/")
    if(warnings)
        list(JOIN warnings "\n" warnings)
        message(FATAL_ERROR "${sketch} (${name}) warns in the Arduino build:\n${warnings}")
    endif()
    string(REGEX MATCH "Sketch uses [^\n]*" uses "${out}")
    string(TIMESTAMP end "%s" UTC)
    math(EXPR seconds "${end} - ${start}")
    message(STATUS "${name} (${seconds} s): ${uses}")
    if(too_big)
        message(STATUS "${name}: over the Pro Mini's ${_wab_flash_max} B with the IDE's stock "
            "flags (not flashable this way; see firmware/docs/arduino.md)")
    endif()
    set(_wab_elf_${name} "${elf}" PARENT_SCOPE)
endfunction()

wab_build(RadioModem RadioModem stock ON)
wab_build(SecureNode-nrf24 SecureNode sized ON) # the sketch's own choice in the IDE
wab_build(SecureNode-rs485 SecureNode sized ON -DWARDEN_NODE_TRANSPORT_RS485)
wab_build(SecureNode-nrf24-stock SecureNode stock OFF)

# --- figures --------------------------------------------------------------------------------
# Flash = .text + .data, RAM = .data + .bss (+ .noinit): avr-size's Berkeley columns.
function(wab_size elf out_flash out_ram)
    set(${out_flash} "-" PARENT_SCOPE)
    set(${out_ram} "-" PARENT_SCOPE)
    if(NOT elf OR NOT EXISTS "${elf}")
        return()
    endif()
    execute_process(COMMAND "${AVR_SIZE}" "${elf}" OUTPUT_VARIABLE text RESULT_VARIABLE result)
    if(NOT result EQUAL 0 OR NOT text MATCHES "\n[ \t]*([0-9]+)[ \t]+([0-9]+)[ \t]+([0-9]+)")
        message(FATAL_ERROR "avr-size could not read ${elf}")
    endif()
    math(EXPR flash "${CMAKE_MATCH_1} + ${CMAKE_MATCH_2}")
    math(EXPR ram "${CMAKE_MATCH_2} + ${CMAKE_MATCH_3}")
    set(${out_flash} "${flash}" PARENT_SCOPE)
    set(${out_ram} "${ram}" PARENT_SCOPE)
endfunction()

set(_wab_table "\nimage                    Arduino flash / RAM (B)   CMake flash / RAM (B)\n")
foreach(pair "RadioModem;RadioModem" "SecureNode-nrf24;SecureNode-nrf24"
        "SecureNode-rs485;SecureNode-rs485" "SecureNode-nrf24-stock;SecureNode-nrf24")
    list(GET pair 0 name)
    list(GET pair 1 cmake_name)
    wab_size("${_wab_elf_${name}}" flash ram)
    set(cmake_elf)
    if(CMAKE_IMAGES_DIR)
        set(cmake_elf "${CMAKE_IMAGES_DIR}/${cmake_name}.elf")
    endif()
    wab_size("${cmake_elf}" cmake_flash cmake_ram)
    string(APPEND _wab_table "${name}")
    string(LENGTH "${name}" length)
    math(EXPR pad "25 - ${length}")
    string(REPEAT " " ${pad} spaces)
    string(APPEND _wab_table "${spaces}${flash} / ${ram}")
    string(LENGTH "${flash} / ${ram}" length)
    math(EXPR pad "26 - ${length}")
    string(REPEAT " " ${pad} spaces)
    string(APPEND _wab_table "${spaces}${cmake_flash} / ${cmake_ram}\n")
endforeach()
message(STATUS "Arduino builds (${_wab_fqbn}; flash of ${_wab_flash_max} B) beside the CMake "
    "images:${_wab_table}(sized: the CMake images' size options; stock: the IDE's defaults; "
    "RadioModem is built stock)")

# --- smoke runs in the simulator ------------------------------------------------------------
if(NOT SIMAVR)
    message(STATUS "No warden_simavr: the Arduino images are not run")
    return()
endif()
if(NOT EXISTS "${SIMAVR}")
    message(FATAL_ERROR "${SIMAVR} is not built: cmake --build <build> --target warden_simavr")
endif()
# The RS485 node: boots through the core's main() and init(), the board's start-up from
# initVariant(), then listens for a personalization hello on the UART (the core's Serial),
# which it answers with its state (firmware/docs/personalization.md). 2 simulated seconds: the
# entropy pool takes about one before the node listens, the answer comes at about 1.25 s (the
# simulation is deterministic: the margin is for later changes, not for a busy machine).
file(WRITE "${WORK_DIR}/hello.txt" "WARDEN PERSO 2\n")
execute_process(COMMAND "${SIMAVR}" --uart-stdio --mcu atmega328p --freq 16000000
        --max-cycles 32000000 "${_wab_elf_SecureNode-rs485}"
    INPUT_FILE "${WORK_DIR}/hello.txt" OUTPUT_VARIABLE uart ERROR_VARIABLE report
    RESULT_VARIABLE result)
string(FIND "${uart}" "OK WARDEN PERSO 2" _wab_ok)
string(FIND "${uart}" "LOCK 05" _wab_lock)
if(_wab_ok LESS 0 OR _wab_lock LESS 0 OR _wab_lock GREATER _wab_ok)
    message(FATAL_ERROR "The Arduino-built SecureNode (RS485) did not answer the hello in the "
        "simulator (status ${result}):\n${report}\nUART:\n${uart}")
endif()
string(REGEX MATCH "VERSION [^\r\n]*" version "${uart}")
message(STATUS "SecureNode-rs485 (Arduino) in simavr: answered the hello (${version})")

# The modem: the core's Serial at 115200 carries its boot status packet, 0x00-delimited.
execute_process(COMMAND "${SIMAVR}" --mcu atmega328p --freq 16000000 --max-cycles 4000000
        "${_wab_elf_RadioModem}"
    OUTPUT_FILE "${WORK_DIR}/modem.out" ERROR_VARIABLE report RESULT_VARIABLE result)
file(READ "${WORK_DIR}/modem.out" modem HEX)
string(LENGTH "${modem}" length)
if(length LESS 20 OR NOT modem MATCHES "^00" OR NOT modem MATCHES "00$")
    message(FATAL_ERROR "The Arduino-built RadioModem sent no status packet in the simulator "
        "(status ${result}):\n${report}\nUART (hex): ${modem}")
endif()
# COBS-decode the first packet: type, sequence, then the status body, whose bytes 1..3 are the
# firmware version the IDE build took from version.h (RadioModem.ino).
string(REGEX MATCH "^00([0-9a-f]*)00" packet "${modem}")
set(packet "${CMAKE_MATCH_1}")
string(LENGTH "${packet}" packet_length)
set(decoded)
set(at 0)
while(at LESS packet_length)
    string(SUBSTRING "${packet}" ${at} 2 code)
    math(EXPR code "0x${code}")
    math(EXPR count "(${code} - 1) * 2")
    math(EXPR at "${at} + 2")
    string(SUBSTRING "${packet}" ${at} ${count} run)
    string(APPEND decoded "${run}")
    math(EXPR at "${at} + ${count}")
    if(code LESS 255 AND at LESS packet_length)
        string(APPEND decoded "00")
    endif()
endwhile()
file(STRINGS "${FIRMWARE_DIR}/library.properties" version REGEX "^version=" LIMIT_COUNT 1)
string(REGEX MATCH "^version=([0-9]+)\\.([0-9]+)\\.([0-9]+)" version "${version}")
set(parts "${CMAKE_MATCH_1}" "${CMAKE_MATCH_2}" "${CMAKE_MATCH_3}")
set(expected)
foreach(part IN LISTS parts)
    math(EXPR byte "${part}" OUTPUT_FORMAT HEXADECIMAL)
    string(REGEX REPLACE "^0x" "" byte "${byte}")
    string(LENGTH "${byte}" byte_length)
    if(byte_length LESS 2)
        set(byte "0${byte}")
    endif()
    string(APPEND expected "${byte}")
endforeach()
# 01 (Status), any sequence, protocol version, major, minor, patch.
if(NOT decoded MATCHES "^01[0-9a-f][0-9a-f][0-9a-f][0-9a-f]${expected}")
    message(FATAL_ERROR "The Arduino-built RadioModem's boot status (${decoded}) does not carry "
        "version ${expected} of library.properties")
endif()
math(EXPR length "${length} / 2")
message(STATUS "RadioModem (Arduino) in simavr: boot status packet, ${length} bytes, "
    "firmware version ${expected} (hex major minor patch)")
