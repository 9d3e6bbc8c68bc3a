# Assembles the installable Arduino library from the sources of the repository (firmware/ stays
# the one copy of every source; this only copies):
#   cmake -DFIRMWARE_DIR=firmware -DPROTOCOL_DIR=core/protocol -DOUTPUT_DIR=build/arduino
#         [-DZIP=ON] -P firmware/cmake/arduino-package.cmake
# gives OUTPUT_DIR/Warden/ (library.properties, src/, examples/) and, with ZIP, the archive
# OUTPUT_DIR/Warden-<version>.zip for "Sketch > Include Library > Add .ZIP Library".
#   src/                      firmware/src (with transport/), hal/avr less what the Arduino
#                             core provides (main(), the Timer0 clock, the USART driver: see
#                             hal/arduino/arduinohal.cpp), hal/arduino
#   src/warden/protocol/      core/protocol's public headers (#include <warden/protocol/...>)
#   src/protocol/             core/protocol's sources, less the host-only names table
#   examples/<Sketch>/        the sketches and their AVR platform files (hostmain.cpp is the
#                             host build's: it stays out)
# The IDE puts src/ on the include path and compiles everything below it.
cmake_minimum_required(VERSION 3.25)

foreach(var FIRMWARE_DIR PROTOCOL_DIR OUTPUT_DIR)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "arduino-package.cmake: -D${var}=... is required")
    endif()
    get_filename_component(${var} "${${var}}" ABSOLUTE)
endforeach()

file(STRINGS "${FIRMWARE_DIR}/library.properties" _wap_version REGEX "^version=" LIMIT_COUNT 1)
string(REPLACE "version=" "" _wap_version "${_wap_version}")
if(NOT _wap_version)
    message(FATAL_ERROR "No version= line in ${FIRMWARE_DIR}/library.properties")
endif()

set(_wap_root "${OUTPUT_DIR}/Warden")
# From scratch each time: a file removed from the repository must not linger in the library.
file(REMOVE_RECURSE "${_wap_root}")
file(MAKE_DIRECTORY "${_wap_root}/src" "${_wap_root}/examples")
file(COPY "${FIRMWARE_DIR}/library.properties" DESTINATION "${_wap_root}")

# firmware/src, with its subfolders (transport/).
file(COPY "${FIRMWARE_DIR}/src/" DESTINATION "${_wap_root}/src"
    FILES_MATCHING PATTERN "*.h" PATTERN "*.cpp" PATTERN "*.S")

# hal/avr, less the parts the Arduino core replaces (two definitions of main() or of an
# interrupt vector would not link).
file(GLOB _wap_hal "${FIRMWARE_DIR}/hal/avr/*.h" "${FIRMWARE_DIR}/hal/avr/*.cpp")
list(FILTER _wap_hal EXCLUDE REGEX "/(avrmain|avrclock|avrserial)\\.cpp$")
file(GLOB _wap_arduino_hal "${FIRMWARE_DIR}/hal/arduino/*.h" "${FIRMWARE_DIR}/hal/arduino/*.cpp")
if(NOT _wap_arduino_hal)
    message(FATAL_ERROR "No Arduino HAL in ${FIRMWARE_DIR}/hal/arduino")
endif()
file(COPY ${_wap_hal} ${_wap_arduino_hal} DESTINATION "${_wap_root}/src")

# The portable protocol, without the host's tables of names.
file(GLOB _wap_protocol_headers "${PROTOCOL_DIR}/include/warden/protocol/*.h")
list(FILTER _wap_protocol_headers EXCLUDE REGEX "/names\\.h$")
file(COPY ${_wap_protocol_headers} DESTINATION "${_wap_root}/src/warden/protocol")
file(GLOB _wap_protocol_sources "${PROTOCOL_DIR}/*.cpp" "${PROTOCOL_DIR}/*.h")
list(FILTER _wap_protocol_sources EXCLUDE REGEX "/names\\.cpp$")
if(NOT _wap_protocol_headers OR NOT _wap_protocol_sources)
    message(FATAL_ERROR "No portable protocol sources in ${PROTOCOL_DIR}")
endif()
file(COPY ${_wap_protocol_sources} DESTINATION "${_wap_root}/src/protocol")

# The sketches: each folder's .ino and the .cpp/.h files that are not the host build's.
file(GLOB _wap_sketches LIST_DIRECTORIES true "${FIRMWARE_DIR}/examples/*")
foreach(sketch IN LISTS _wap_sketches)
    get_filename_component(name "${sketch}" NAME)
    if(NOT IS_DIRECTORY "${sketch}" OR NOT EXISTS "${sketch}/${name}.ino")
        continue()
    endif()
    file(GLOB files "${sketch}/*.ino" "${sketch}/*.h" "${sketch}/*.cpp")
    list(FILTER files EXCLUDE REGEX "/host[^/]*$")
    file(COPY ${files} DESTINATION "${_wap_root}/examples/${name}")
endforeach()

if(ZIP)
    set(_wap_zip "${OUTPUT_DIR}/Warden-${_wap_version}.zip")
    file(REMOVE "${_wap_zip}")
    # The IDE expects the library's folder at the top of the archive.
    execute_process(COMMAND "${CMAKE_COMMAND}" -E tar cf "${_wap_zip}" --format=zip Warden
        WORKING_DIRECTORY "${OUTPUT_DIR}" RESULT_VARIABLE _wap_result)
    if(NOT _wap_result EQUAL 0)
        message(FATAL_ERROR "Could not write ${_wap_zip}")
    endif()
    message(STATUS "Arduino library: ${_wap_root} and ${_wap_zip}")
else()
    message(STATUS "Arduino library: ${_wap_root}")
endif()
