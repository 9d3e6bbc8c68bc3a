# cmake -DAVR_SIZE=avr-size [-DAVR_NM=avr-nm] -DIMAGE=SecureNode-nrf24.elf
#       -DFLASH_BUDGET=24576 -DRAM_BUDGET=1280 [-DPART_FLASH=32768] [-DFLASH_GOAL=<bytes>]
#       [-DENFORCE=ON] -P avr-footprint.cmake
# The footprint of a linked AVR image against its budget: flash = .text + .data (the
# initialisers live in flash), static RAM = .data + .bss + .noinit, read with `avr-size -A` so
# that sections outside the part (simavr's .mmcu) are not counted. Over budget, the largest
# symbols are listed; with ENFORCE the script then fails (the host build's ctest). FLASH_GOAL,
# a smaller figure than the budget, is only reported: how far a diet still has to go.

cmake_minimum_required(VERSION 3.25)

foreach(var AVR_SIZE IMAGE FLASH_BUDGET RAM_BUDGET)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "avr-footprint.cmake: -D${var}=... is required")
    endif()
endforeach()
if(NOT EXISTS "${IMAGE}")
    message(FATAL_ERROR "avr-footprint.cmake: ${IMAGE} does not exist (is the AVR build done?)")
endif()

execute_process(COMMAND "${AVR_SIZE}" -A "${IMAGE}" OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "avr-size failed on ${IMAGE}")
endif()
set(text 0)
set(data 0)
set(bss 0)
set(noinit 0)
string(REPLACE "\n" ";" lines "${out}")
foreach(line IN LISTS lines)
    if(line MATCHES "^\\.(text|data|bss|noinit)[ \t]+([0-9]+)")
        set(${CMAKE_MATCH_1} ${CMAKE_MATCH_2})
    endif()
endforeach()
math(EXPR flash "${text} + ${data}")
math(EXPR ram "${data} + ${bss} + ${noinit}")
get_filename_component(name "${IMAGE}" NAME)
message("${name}: flash ${flash} B (.text ${text} + .data ${data}) of ${FLASH_BUDGET} B budget; "
    "static RAM ${ram} B (.data ${data} + .bss ${bss} + .noinit ${noinit}) of ${RAM_BUDGET} B")

set(problems)
if(DEFINED PART_FLASH AND flash GREATER PART_FLASH)
    math(EXPR over "${flash} - ${PART_FLASH}")
    list(APPEND problems "does not fit the part: ${over} B over its ${PART_FLASH} B of flash")
endif()
if(flash GREATER FLASH_BUDGET)
    math(EXPR over "${flash} - ${FLASH_BUDGET}")
    list(APPEND problems "flash ${over} B over budget")
endif()
if(ram GREATER RAM_BUDGET)
    math(EXPR over "${ram} - ${RAM_BUDGET}")
    list(APPEND problems "static RAM ${over} B over budget")
endif()
if(DEFINED FLASH_GOAL AND flash GREATER FLASH_GOAL)
    math(EXPR over "${flash} - ${FLASH_GOAL}")
    message("${name}: ${over} B of flash over the goal of ${FLASH_GOAL} B")
endif()
if(NOT problems)
    message("${name}: within budget")
    return()
endif()

if(AVR_NM)
    execute_process(COMMAND "${AVR_NM}" --size-sort --reverse-sort -C -S --radix=d "${IMAGE}"
        OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
    if(rc EQUAL 0)
        string(REPLACE "\n" ";" symbols "${symbols}")
        list(SUBLIST symbols 0 25 largest)
        message("largest symbols (address size type name):")
        foreach(line IN LISTS largest)
            message("  ${line}")
        endforeach()
    endif()
endif()
list(JOIN problems ", " problems)
if(ENFORCE)
    message(FATAL_ERROR "${name}: ${problems}")
endif()
message(WARNING "${name}: ${problems}")
