# The AVR images in the host build, included by firmware/CMakeLists.txt when the Warden host
# project adds firmware/: the firmware's own avr-gcc project built as an external project (so
# that a host build produces the .hex images the simulator tests run and the package ships),
# the manifest of the flashable images, and their install rules (component runtime, into
# share/warden/firmware). Off, with a note, when avr-gcc is missing.
#   warden_firmware_avr       the external project (build dir: WARDEN_FIRMWARE_AVR_DIR)
#   warden_firmware_manifest  <build>/firmware-images: the images, README.md (image, board,
#                             purpose, size, SHA-256 of each) and SHA256SUMS
find_program(WARDEN_AVR_GCC avr-gcc)
find_program(WARDEN_HOST_AVR_OBJCOPY NAMES avr-objcopy)
if(NOT WARDEN_AVR_GCC OR NOT WARDEN_HOST_AVR_OBJCOPY)
    message(STATUS "AVR images off (no firmware .hex in the build or the package): they need "
        "avr-gcc and avr-objcopy (Debian: gcc-avr, binutils-avr, avr-libc)")
    return()
endif()

set(_whi_dir "${CMAKE_CURRENT_LIST_DIR}/..")
set(WARDEN_FIRMWARE_AVR_DIR "${CMAKE_BINARY_DIR}/firmware-avr" CACHE INTERNAL
    "Build directory of the AVR images (the warden_firmware_avr external project)")
# simavr's section header lets test images name their MCU and clock; optional here.
find_path(WARDEN_SIMAVR_INCLUDE_DIR sim_avr.h PATH_SUFFIXES simavr)
set(_whi_simavr_arg)
if(WARDEN_SIMAVR_INCLUDE_DIR)
    set(_whi_simavr_arg "-DWARDEN_SIMAVR_SECTION_DIR=${WARDEN_SIMAVR_INCLUDE_DIR}")
endif()

# The images a user flashes (firmware/docs/flashing.md), each with its board and purpose:
# name|file|board|purpose. Only those whose sources are there are built (avr-images.cmake).
set(_whi_images)
if(EXISTS "${_whi_dir}/examples/SecureNode/SecureNode.ino"
        AND EXISTS "${_whi_dir}/examples/SecureNode/platform_avr.cpp"
        AND EXISTS "${_whi_dir}/src/securenode.cpp")
    list(APPEND _whi_images
        "securenode-nrf24|SecureNode-nrf24.hex|Arduino Uno/Nano/Pro Mini (ATmega328P, 16 MHz) with an nRF24L01+|a Warden sensor node on the nRF24 radio"
        "securenode-rs485|SecureNode-rs485.hex|Arduino Uno/Nano/Pro Mini (ATmega328P, 16 MHz) with an RS485 transceiver (DE on pin 2)|a Warden sensor node on an RS485 bus")
endif()
if(EXISTS "${_whi_dir}/examples/RadioModem/RadioModem.ino")
    list(APPEND _whi_images
        "radiomodem|RadioModem.hex|Arduino Uno/Nano (ATmega328P, 16 MHz) with an nRF24L01+, on USB|the gateway side: the host's nRF24 radio (UART <-> nRF24)")
endif()

set(_whi_byproducts)
foreach(entry IN LISTS _whi_images)
    string(REPLACE "|" ";" fields "${entry}")
    list(GET fields 1 file)
    list(APPEND _whi_byproducts "${WARDEN_FIRMWARE_AVR_DIR}/${file}")
endforeach()

# A project of its own with the avr-gcc toolchain: none of this build's flags (sanitizers,
# warnings, build type) reach it, nor the compiler flags of the environment.
include(ExternalProject)
ExternalProject_Add(warden_firmware_avr
    SOURCE_DIR "${_whi_dir}"
    BINARY_DIR "${WARDEN_FIRMWARE_AVR_DIR}"
    CONFIGURE_COMMAND ${CMAKE_COMMAND} -E env --unset=CFLAGS --unset=CXXFLAGS --unset=CPPFLAGS
        --unset=LDFLAGS --unset=ASMFLAGS
        ${CMAKE_COMMAND} -S <SOURCE_DIR> -B <BINARY_DIR> -G "${CMAKE_GENERATOR}"
        "-DCMAKE_MAKE_PROGRAM=${CMAKE_MAKE_PROGRAM}"
        "--toolchain=${PROJECT_SOURCE_DIR}/firmware/cmake/avr-gcc.toolchain.cmake"
        ${_whi_simavr_arg}
    BUILD_COMMAND ${CMAKE_COMMAND} --build <BINARY_DIR>
    INSTALL_COMMAND ""
    BUILD_ALWAYS ON
    BUILD_BYPRODUCTS
        "${WARDEN_FIRMWARE_AVR_DIR}/tests/shabench.elf"
        "${WARDEN_FIRMWARE_AVR_DIR}/tests/uartecho.elf"
        "${WARDEN_FIRMWARE_AVR_DIR}/tests/signsize.elf"
        "${WARDEN_FIRMWARE_AVR_DIR}/tests/signsizebase.elf"
        "${WARDEN_FIRMWARE_AVR_DIR}/SecureNode-rs485.elf"
        "${WARDEN_FIRMWARE_AVR_DIR}/SecureNode-nrf24.elf"
        ${_whi_byproducts})

if(NOT _whi_images)
    return()
endif()

# The manifest, written after every build of the images (their hashes change with the code).
set(WARDEN_FIRMWARE_IMAGES_DIR "${CMAKE_BINARY_DIR}/firmware-images" CACHE INTERNAL
    "Where the flashable images and their README.md are gathered for install")
string(REPLACE ";" "^" _whi_images_arg "${_whi_images}")
add_custom_target(warden_firmware_manifest ALL
    COMMAND ${CMAKE_COMMAND} "-DIMAGES=${_whi_images_arg}"
        "-DSOURCE_DIR=${WARDEN_FIRMWARE_AVR_DIR}" "-DOUT_DIR=${WARDEN_FIRMWARE_IMAGES_DIR}"
        "-DOBJCOPY=${WARDEN_HOST_AVR_OBJCOPY}" "-DVERSION=${PROJECT_VERSION}"
        -DFLASH_LIMIT=32256
        -P "${CMAKE_CURRENT_LIST_DIR}/image-manifest.cmake"
    DEPENDS "${CMAKE_CURRENT_LIST_DIR}/image-manifest.cmake"
    BYPRODUCTS "${WARDEN_FIRMWARE_IMAGES_DIR}/README.md" "${WARDEN_FIRMWARE_IMAGES_DIR}/SHA256SUMS"
    COMMENT "Manifest of the flashable firmware images"
    VERBATIM)
add_dependencies(warden_firmware_manifest warden_firmware_avr)

# The Debian package ships them (installer/: component runtime is the warden package).
install(DIRECTORY "${WARDEN_FIRMWARE_IMAGES_DIR}/"
    DESTINATION "${CMAKE_INSTALL_DATADIR}/warden/firmware"
    COMPONENT runtime
    FILES_MATCHING PATTERN "*.hex" PATTERN "README.md" PATTERN "SHA256SUMS")
