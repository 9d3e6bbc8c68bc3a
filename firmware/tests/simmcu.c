/* Names the MCU and its clock in the image's .mmcu section, where simavr (and warden_simavr)
 * read them, so running an image needs no --mcu/--freq. The section is placed far outside the
 * flash (see CMakeLists.txt), so it costs the part nothing. */
#if defined(WARDEN_HAVE_SIMAVR_SECTION)
#include <avr/avr_mcu_section.h>

AVR_MCU(F_CPU, WARDEN_AVR_MCU_NAME);
#else
/* simavr's header is not installed: the same two records by hand (tag, length, value; the
 * list ends with a zero tag), as avr_mcu_section.h lays them out. */
#include <stdint.h>

struct WardenMmcuString
{
    uint8_t tag;
    uint8_t length;
    char text[64];
} __attribute__((__packed__));

struct WardenMmcuLong
{
    uint8_t tag;
    uint8_t length;
    uint32_t value;
} __attribute__((__packed__));

const struct WardenMmcuString _AVR_MMCU_TAG_NAME __attribute__((section(".mmcu")))
= {1, sizeof(struct WardenMmcuString) - 2, WARDEN_AVR_MCU_NAME};
const struct WardenMmcuLong _AVR_MMCU_TAG_FREQUENCY __attribute__((section(".mmcu")))
= {2, sizeof(struct WardenMmcuLong) - 2, F_CPU};
const uint8_t _mmcu[2] __attribute__((section(".mmcu"))) = {0, 0};
#endif
