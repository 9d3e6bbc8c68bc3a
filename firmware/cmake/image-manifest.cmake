# cmake -DIMAGES=<name|file|board|purpose^...> -DSOURCE_DIR=<avr build> -DOUT_DIR=<dir>
#       -DOBJCOPY=<avr-objcopy> -DVERSION=<x.y.z> -DFLASH_LIMIT=<bytes> -P image-manifest.cmake
# Copies the flashable images to OUT_DIR and writes OUT_DIR/README.md: what each is for, the
# board, its flash size (the bytes avrdude writes) and its SHA-256. An image larger than
# FLASH_LIMIT (the 328P's flash less optiboot's 512 bytes) would overwrite the bootloader: it
# fails the build instead of being shipped.
foreach(var IMAGES SOURCE_DIR OUT_DIR OBJCOPY VERSION FLASH_LIMIT)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "image-manifest.cmake: ${var} is not set")
    endif()
endforeach()
string(REPLACE "^" ";" images "${IMAGES}")
file(MAKE_DIRECTORY "${OUT_DIR}")

set(rows)
set(sums)
foreach(entry IN LISTS images)
    string(REPLACE "|" ";" fields "${entry}")
    list(GET fields 0 name)
    list(GET fields 1 file)
    list(GET fields 2 board)
    list(GET fields 3 purpose)
    set(hex "${SOURCE_DIR}/${file}")
    if(NOT EXISTS "${hex}")
        message(FATAL_ERROR "image-manifest.cmake: ${hex} was not built")
    endif()
    set(bin "${OUT_DIR}/${name}.bin.tmp")
    execute_process(COMMAND "${OBJCOPY}" -I ihex -O binary "${hex}" "${bin}"
        RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "image-manifest.cmake: ${hex} is not Intel HEX: ${err}")
    endif()
    file(SIZE "${bin}" size)
    file(REMOVE "${bin}")
    if(size GREATER FLASH_LIMIT)
        message(FATAL_ERROR "image-manifest.cmake: ${file} is ${size} bytes, more than the "
            "${FLASH_LIMIT} bytes below the bootloader: it cannot be flashed")
    endif()
    file(SHA256 "${hex}" sha)
    file(COPY_FILE "${hex}" "${OUT_DIR}/${file}" ONLY_IF_DIFFERENT)
    string(APPEND sums "${sha}  ${file}\n")
    string(APPEND rows "| ${name} | ${file} | ${board} | ${purpose} | ${size} | `${sha}` |\n")
endforeach()

set(text "# Warden firmware images ${VERSION}

Intel HEX images for the ATmega328P at 16 MHz, flashed through the board's Arduino bootloader
(optiboot, STK500v1: `avrdude -c arduino`). Flash one with

    wardenctl flash --port /dev/ttyUSB0 --image securenode-nrf24

or by hand

    avrdude -p atmega328p -c arduino -P /dev/ttyUSB0 -b 115200 -D -U flash:w:SecureNode-nrf24.hex:i

How to, boards, fuses and what to do when the bootloader does not answer: flashing.md in the
firmware documentation (firmware/docs/flashing.md in the source).

| Image | File | Board | What it is for | Flash (bytes) | SHA-256 of the file |
|---|---|---|---|---|---|
${rows}
Sizes are the bytes avrdude writes; all are below the ${FLASH_LIMIT} bytes the 512-byte
bootloader leaves. Check the files with `sha256sum -c SHA256SUMS`.
")
# Only written when they changed: the install and the package see stable timestamps.
foreach(pair "README.md|text" "SHA256SUMS|sums")
    string(REPLACE "|" ";" pair "${pair}")
    list(GET pair 0 name)
    list(GET pair 1 var)
    set(out "${OUT_DIR}/${name}")
    file(WRITE "${out}.tmp" "${${var}}")
    file(COPY_FILE "${out}.tmp" "${out}" ONLY_IF_DIFFERENT)
    file(REMOVE "${out}.tmp")
endforeach()
