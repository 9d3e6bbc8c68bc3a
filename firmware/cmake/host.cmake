# The host build of the node firmware, included by firmware/CMakeLists.txt when the Warden
# host project adds firmware/: the very sources the AVR runs, on the POSIX HAL, for the
# simulated network, the tests and the benchmarks.
#   warden_firmware_node      firmware/src: the node stack (portable C++14, no heap)
#   warden_firmware_hal_host  firmware/hal/host: EEPROMs, clocks, entropy, tty, the simulated bus
#   warden-node               examples/SecureNode on a serial line with a file EEPROM

set(_wfw_dir "${CMAKE_CURRENT_LIST_DIR}/..")

# Every portable node source; sha256avr.* is the AVR's assembly compression, not for the host.
file(GLOB _wfw_node_sources CONFIGURE_DEPENDS "${_wfw_dir}/src/*.cpp")
list(FILTER _wfw_node_sources EXCLUDE REGEX "/sha256avr[^/]*$")
add_library(warden_firmware_node STATIC ${_wfw_node_sources})
target_include_directories(warden_firmware_node PUBLIC "${_wfw_dir}/src")
target_link_libraries(warden_firmware_node PUBLIC warden_protocol_objects)
# The language and the restrictions it has on the AVR, so the host build cannot drift from it.
# RTTI stays on: host code derives from these classes, and UBSan's vptr check needs their
# typeinfo (the AVR build compiles the same sources with -fno-rtti).
set_target_properties(warden_firmware_node PROPERTIES
    CXX_STANDARD 14 CXX_EXTENSIONS OFF POSITION_INDEPENDENT_CODE ON)
target_compile_options(warden_firmware_node PRIVATE -fno-exceptions)
warden_set_warnings(warden_firmware_node)
# The version lives in library.properties; version.h carries a copy for other builds, which
# tst_fwpersonalization keeps equal to it.
file(STRINGS "${_wfw_dir}/library.properties" _wfw_version REGEX "^version=" LIMIT_COUNT 1)
string(REPLACE "version=" "" _wfw_version "${_wfw_version}")
target_compile_definitions(warden_firmware_node PUBLIC WARDEN_FIRMWARE_VERSION="${_wfw_version}")

file(GLOB _wfw_hal_sources CONFIGURE_DEPENDS "${_wfw_dir}/hal/host/*.cpp")
add_library(warden_firmware_hal_host STATIC ${_wfw_hal_sources})
target_include_directories(warden_firmware_hal_host PUBLIC "${_wfw_dir}/hal/host")
target_link_libraries(warden_firmware_hal_host PUBLIC warden_firmware_node)
set_target_properties(warden_firmware_hal_host PROPERTIES POSITION_INDEPENDENT_CODE ON)
warden_set_warnings(warden_firmware_hal_host)

# The SecureNode sketch, compiled as C++ exactly as the Arduino build sees it, with a host main
# that provides the board: warden-node --serial /dev/pts/N --eeprom node.eeprom
set(_wfw_sketch "${_wfw_dir}/examples/SecureNode")
if(EXISTS "${_wfw_sketch}/SecureNode.ino" AND EXISTS "${_wfw_sketch}/hostmain.cpp")
    set_source_files_properties("${_wfw_sketch}/SecureNode.ino" PROPERTIES LANGUAGE CXX)
    add_executable(warden-node "${_wfw_sketch}/SecureNode.ino" "${_wfw_sketch}/hostmain.cpp")
    target_link_libraries(warden-node PRIVATE warden_firmware_hal_host)
    warden_set_warnings(warden-node)
endif()
