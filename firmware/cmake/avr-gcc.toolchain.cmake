# Toolchain for the bundled node firmware: avr-gcc 5.4 from Debian (gcc-avr, avr-libc).
#   cmake -S firmware -B build/avr -G Ninja --toolchain "$PWD/firmware/cmake/avr-gcc.toolchain.cmake"
# (a relative --toolchain path is resolved against build/avr, then firmware/, not the cwd)
# The MCU and clock are cache variables, so one tree can be configured for another board:
#   -DWARDEN_AVR_MCU=atmega1284p -DWARDEN_AVR_F_CPU=8000000
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR avr)

set(CMAKE_C_COMPILER avr-gcc)
set(CMAKE_CXX_COMPILER avr-g++)
set(CMAKE_ASM_COMPILER avr-gcc)

# There is no hosted runtime to link a test executable against; check the compiler with an archive.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(WARDEN_AVR_MCU atmega328p CACHE STRING "AVR part given to -mmcu")
set(WARDEN_AVR_F_CPU 16000000 CACHE STRING "CPU clock in Hz (defines F_CPU)")
# try_compile projects read this file again; hand them the user's values, not the defaults.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES WARDEN_AVR_MCU WARDEN_AVR_F_CPU)

# -mmcu selects the instruction set, the startup code and the linker script, so every compile
# and link step needs it; F_CPU is what avr-libc's <util/delay.h> and baud macros read.
set(CMAKE_C_FLAGS_INIT "-mmcu=${WARDEN_AVR_MCU} -DF_CPU=${WARDEN_AVR_F_CPU}UL")
set(CMAKE_CXX_FLAGS_INIT "-mmcu=${WARDEN_AVR_MCU} -DF_CPU=${WARDEN_AVR_F_CPU}UL")
set(CMAKE_ASM_FLAGS_INIT "-mmcu=${WARDEN_AVR_MCU} -DF_CPU=${WARDEN_AVR_F_CPU}UL")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-mmcu=${WARDEN_AVR_MCU}")

# Tools (avr-size, avr-objcopy) run on the host. avr-gcc finds avr-libc's headers and
# libraries itself.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
