# The AVR side of the node firmware, included from firmware/CMakeLists.txt in the avr-gcc
# project: the board support (hal/avr), the transports (src/transport), the node stack
# (src, when present) and the sketches as images.
#   warden_hal_avr         hal/avr: EEPROM, Timer0 clock, jitter entropy, USART0, RS485 port,
#                          SPI, nRF24 wiring, board (unlock pin, watchdog reset), main()
#   warden_transport_avr   src/transport: Rs485BusTransport, Nrf24Transport (portable)
#   warden_node_avr        src: the node stack of the host build, for the AVR
#   RadioModem.elf/.hex    examples/RadioModem: UART <-> nRF24 (host-gateway mode)
#   SecureNode-rs485.elf   examples/SecureNode on RS485 (USART0 + DE on pin 2): runs in simavr
#   SecureNode-nrf24.elf   examples/SecureNode on an nRF24L01+ (no radio model in simavr: built
#                          and size-checked only)
# `--target avr_size_images` prints the figures; every image also gets them in the build log.

set(_wfa_dir "${CMAKE_CURRENT_LIST_DIR}/..")
find_program(WARDEN_AVR_OBJCOPY NAMES avr-objcopy REQUIRED)

# MySensors' RS485 default; the bus transport's gap and back-off scale with it.
set(WARDEN_RS485_BAUD 9600 CACHE STRING "Baud rate of the SecureNode RS485 image")

# Images are built as the Arduino IDE builds sketches, with link-time optimisation (calls
# across files inlined, virtual calls on the one HAL object resolved, unused code dropped), and
# with shared function prologues: together 17 % less flash for SecureNode. Everything an image
# links is compiled that way, so the protocol gets a twin of warden_protocol_avr; the footprint
# probes and the bench image keep the plain options. LTO objects in an archive need the
# plugin-aware archiver.
option(WARDEN_AVR_IMAGE_LTO "Build the AVR images with link-time optimisation" ON)
find_program(WARDEN_AVR_GCC_AR NAMES avr-gcc-ar)
find_program(WARDEN_AVR_GCC_RANLIB NAMES avr-gcc-ranlib)
set(_wfa_lto)
if(WARDEN_AVR_IMAGE_LTO AND WARDEN_AVR_GCC_AR AND WARDEN_AVR_GCC_RANLIB)
    set(CMAKE_AR "${WARDEN_AVR_GCC_AR}")
    set(CMAKE_RANLIB "${WARDEN_AVR_GCC_RANLIB}")
    set(_wfa_lto -flto)
elseif(WARDEN_AVR_IMAGE_LTO)
    message(STATUS "avr-gcc-ar not found: AVR images are built without LTO (larger)")
endif()

# -mrelax lets the linker turn calls and jumps within reach into their 2-byte forms. The rest
# turn off optimisations that trade flash for speed here (measured on SecureNode-nrf24, -Os
# -flto: together about 1,200 B less): inlining small functions at every call site, moving
# loop invariants and the dominator/TER/SRA rewrites, which keep more 32-bit values live (in
# 8-bit registers, spilled), and free use of the X pointer register (-mstrict-X).
set(_wfa_size_options -mcall-prologues -mrelax -mstrict-X -fno-inline-small-functions
    -fno-move-loop-invariants -fno-tree-dominator-opts -fno-tree-ter -fno-ipa-sra)
# At the link, the code LTO produces gets a section per function again, and the linker places
# the sections sorted by name: a class's functions, and the helpers they share, end up near
# each other, so that -mrelax can turn more of the 4-byte calls and jumps into rcall and rjmp
# (which reach +-4 KiB). Measured on SecureNode-nrf24: about 270 B less than LTO's own order.
set(_wfa_link_order -ffunction-sections LINKER:--sort-section=name)
function(warden_avr_image_options target)
    warden_avr_options(${target})
    target_compile_options(${target} PRIVATE ${_wfa_lto} ${_wfa_size_options})
    target_link_options(${target} PRIVATE ${_wfa_lto} ${_wfa_size_options} ${_wfa_link_order})
endfunction()

add_library(warden_protocol_avr_image STATIC ${_warden_protocol_sources})
target_include_directories(warden_protocol_avr_image PUBLIC "${WARDEN_CORE_PROTOCOL_DIR}/include")
warden_avr_image_options(warden_protocol_avr_image)

file(GLOB _wfa_hal_sources CONFIGURE_DEPENDS "${_wfa_dir}/hal/avr/*.cpp")
list(FILTER _wfa_hal_sources EXCLUDE REGEX "/avrmain\\.cpp$") # linked into each image
add_library(warden_hal_avr STATIC ${_wfa_hal_sources})
target_include_directories(warden_hal_avr PUBLIC "${_wfa_dir}/hal/avr" "${_wfa_dir}/src")
target_link_libraries(warden_hal_avr PUBLIC warden_protocol_avr_image)
warden_avr_image_options(warden_hal_avr)

file(GLOB _wfa_transport_sources CONFIGURE_DEPENDS "${_wfa_dir}/src/transport/*.cpp")
add_library(warden_transport_avr STATIC ${_wfa_transport_sources})
target_include_directories(warden_transport_avr PUBLIC "${_wfa_dir}/src")
target_link_libraries(warden_transport_avr PUBLIC warden_protocol_avr_image)
warden_avr_image_options(warden_transport_avr)

# Function order for short calls (avr-link-order.py): an image linked with LINK_ORDER is linked
# twice. The first link (<name>-firstlink.elf) shows every function's size and call sites; the
# script searches an order that leaves as few calls and jumps as possible out of the +-4 KiB
# that rcall/rjmp reach, and the second link places the functions in that order (the default
# linker script with the list in front of *(.text.*)). Measured on SecureNode-nrf24: about
# 500 B less than the sorted order alone. Needs Python 3, avr-objdump and avr-ld; without them
# (or with WARDEN_AVR_LINK_ORDER=OFF) the images keep the sorted order.
option(WARDEN_AVR_LINK_ORDER "Link the SecureNode images twice, ordered for short calls" ON)
find_package(Python3 COMPONENTS Interpreter QUIET)
find_program(WARDEN_AVR_OBJDUMP NAMES avr-objdump)
find_program(WARDEN_AVR_LD NAMES avr-ld)
set(_wfa_can_order OFF)
if(WARDEN_AVR_LINK_ORDER AND Python3_Interpreter_FOUND AND WARDEN_AVR_OBJDUMP AND WARDEN_AVR_LD)
    # The linker emulation of the part (avr5 for the ATmega328P) names its default script.
    execute_process(COMMAND ${CMAKE_C_COMPILER} -mmcu=${WARDEN_AVR_MCU} -print-multi-directory
        OUTPUT_VARIABLE _wfa_emulation OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _wfa_rc)
    if(_wfa_rc EQUAL 0 AND _wfa_emulation MATCHES "^avr[a-z0-9]*$")
        set(_wfa_can_order ON)
    endif()
elseif(WARDEN_AVR_LINK_ORDER)
    message(STATUS "AVR images keep the sorted function order (no Python 3, avr-objdump or avr-ld)")
endif()

# One executable of an image: the sources, libraries and options every link of it shares.
function(_warden_avr_executable target)
    cmake_parse_arguments(PARSE_ARGV 1 E "OVERSIZE_OK" "" "SOURCES;LIBRARIES;DEFINITIONS")
    add_executable(${target} ${E_SOURCES})
    set_target_properties(${target} PROPERTIES SUFFIX ".elf")
    # hal/avr's main() is pulled from the archive by nothing else: link its object directly.
    target_sources(${target} PRIVATE "${_wfa_dir}/hal/avr/avrmain.cpp")
    target_link_libraries(${target} PRIVATE ${E_LIBRARIES} warden_hal_avr warden_protocol_avr_image)
    target_compile_definitions(${target} PRIVATE ${E_DEFINITIONS})
    warden_avr_image_options(${target})
    target_link_options(${target} PRIVATE
        "LINKER:-Map=$<TARGET_FILE_DIR:${target}>/${target}.map")
    if(E_OVERSIZE_OK)
        # Links even when the code outgrows the part, so that one image over its flash does
        # not stop every build: the footprint test (avr-footprint.cmake) is what fails then,
        # with the figures. Such a .hex is not flashable.
        target_link_options(${target} PRIVATE "LINKER:--defsym=__TEXT_REGION_LENGTH__=256K")
    endif()
endfunction()

# warden_avr_image(<name> SOURCES <files...> LIBRARIES <targets...> [DEFINITIONS <defs...>]
#                  [OVERSIZE_OK] [LINK_ORDER])
# <name>.elf, <name>.hex (flash only: .text and .data) and avr-size in the build log.
function(warden_avr_image name)
    cmake_parse_arguments(PARSE_ARGV 1 I "OVERSIZE_OK;LINK_ORDER" ""
        "SOURCES;LIBRARIES;DEFINITIONS")
    foreach(source IN LISTS I_SOURCES)
        if(source MATCHES "\\.ino$")
            set_source_files_properties("${source}" PROPERTIES LANGUAGE CXX)
        endif()
    endforeach()
    set(oversize)
    if(I_OVERSIZE_OK)
        set(oversize OVERSIZE_OK)
    endif()
    _warden_avr_executable(${name} ${oversize} SOURCES ${I_SOURCES} LIBRARIES ${I_LIBRARIES}
        DEFINITIONS ${I_DEFINITIONS})
    if(I_LINK_ORDER AND _wfa_can_order)
        set(first ${name}-firstlink)
        set(order "${CMAKE_CURRENT_BINARY_DIR}/${name}.ld")
        _warden_avr_executable(${first} OVERSIZE_OK SOURCES ${I_SOURCES}
            LIBRARIES ${I_LIBRARIES} DEFINITIONS ${I_DEFINITIONS})
        add_custom_command(OUTPUT "${order}"
            COMMAND Python3::Interpreter "${_wfa_dir}/cmake/avr-link-order.py"
                --elf $<TARGET_FILE:${first}> --map $<TARGET_FILE_DIR:${first}>/${first}.map
                --objdump ${WARDEN_AVR_OBJDUMP} --ld ${WARDEN_AVR_LD}
                --emulation ${_wfa_emulation} --out "${order}"
            DEPENDS ${first} "${_wfa_dir}/cmake/avr-link-order.py"
            COMMENT "Function order of ${name} for short calls"
            VERBATIM)
        add_custom_target(${name}-order DEPENDS "${order}")
        add_dependencies(${name} ${name}-order)
        target_link_options(${name} PRIVATE "LINKER:-T,${order}")
        set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS "${order}")
    endif()
    add_custom_command(TARGET ${name} POST_BUILD
        COMMAND ${WARDEN_AVR_OBJCOPY} -O ihex -j .text -j .data $<TARGET_FILE:${name}>
            $<TARGET_FILE_DIR:${name}>/${name}.hex
        COMMAND ${WARDEN_AVR_SIZE} $<TARGET_FILE:${name}>
        VERBATIM)
    set_property(GLOBAL APPEND PROPERTY WARDEN_AVR_IMAGES ${name})
endfunction()

set(_wfa_modem "${_wfa_dir}/examples/RadioModem/RadioModem.ino")
if(EXISTS "${_wfa_modem}")
    warden_avr_image(RadioModem SOURCES "${_wfa_modem}" LIBRARIES warden_transport_avr
        DEFINITIONS WARDEN_MODEM_VERSION_MAJOR=${PROJECT_VERSION_MAJOR}
            WARDEN_MODEM_VERSION_MINOR=${PROJECT_VERSION_MINOR}
            WARDEN_MODEM_VERSION_PATCH=${PROJECT_VERSION_PATCH})
endif()

# The node stack is written apart from this file; the SecureNode images follow it when it is
# there. The assembly SHA-256 is warden_sha256_avr's source, assembled again beside it.
set(_wfa_sketch "${_wfa_dir}/examples/SecureNode")
if(EXISTS "${_wfa_dir}/src/securenode.cpp" AND EXISTS "${_wfa_sketch}/SecureNode.ino"
        AND EXISTS "${_wfa_sketch}/platform_avr.cpp")
    file(GLOB _wfa_node_sources CONFIGURE_DEPENDS "${_wfa_dir}/src/*.cpp")
    add_library(warden_node_avr STATIC ${_wfa_node_sources} "${_wfa_dir}/src/sha256avr.S")
    target_include_directories(warden_node_avr PUBLIC "${_wfa_dir}/src")
    target_compile_definitions(warden_node_avr PUBLIC
        WARDEN_FIRMWARE_VERSION="${PROJECT_VERSION}")
    target_link_libraries(warden_node_avr PUBLIC warden_protocol_avr_image)
    warden_avr_image_options(warden_node_avr)

    warden_avr_image(SecureNode-rs485
        SOURCES "${_wfa_sketch}/SecureNode.ino" "${_wfa_sketch}/platform_avr.cpp"
        LIBRARIES warden_node_avr warden_transport_avr
        DEFINITIONS WARDEN_NODE_TRANSPORT_RS485 WARDEN_RS485_BAUD=${WARDEN_RS485_BAUD}UL
        OVERSIZE_OK LINK_ORDER)
    warden_avr_image(SecureNode-nrf24
        SOURCES "${_wfa_sketch}/SecureNode.ino" "${_wfa_sketch}/platform_avr.cpp"
        LIBRARIES warden_node_avr warden_transport_avr
        DEFINITIONS WARDEN_NODE_TRANSPORT_NRF24
        OVERSIZE_OK LINK_ORDER)
endif()

# Flash (text + data) and RAM (data + bss + noinit) of every image, and what is biggest in the
# footprint-checked one.
get_property(_wfa_images GLOBAL PROPERTY WARDEN_AVR_IMAGES)
if(_wfa_images)
    set(_wfa_files)
    foreach(image IN LISTS _wfa_images)
        list(APPEND _wfa_files $<TARGET_FILE:${image}>)
    endforeach()
    add_custom_target(avr_size_images
        COMMAND ${WARDEN_AVR_SIZE} ${_wfa_files}
        DEPENDS ${_wfa_images}
        COMMENT "avr-size of the sketches (${WARDEN_AVR_MCU})"
        VERBATIM)
endif()
