/*
 * SHA-256 compression function (FIPS 180-4, 6.2.2) for the 8-bit AVR, hand-written because
 * avr-gcc 5.4 turns every 32-bit rotate of the portable C++ into a bit loop.
 *
 *   extern "C" void warden_sha256_compress_avr(uint32_t state[8], const uint8_t *blocks,
 *                                             size_t blockCount);
 *
 * avr-gcc ABI: state in r25:r24, blocks in r23:r22, blockCount in r21:r20; r2-r17 and Y are
 * saved, r1 stays zero. The state words are in AVR (little-endian) order, as uint32_t[8].
 *
 * How it is fast without unrolling (flash matters as much as time on an ATmega328P):
 *  - Every rotate is split into a byte rotate, which costs nothing (the bytes are just read
 *    from other registers), and at most three one-bit rotates of 5-6 cycles.
 *  - The eight working variables are two 4-word shift registers, a..d and e..h. Each lives
 *    twice in a row in RAM (8 words), and Y points at the current "a"/"e". One round moves Y
 *    down by one word (wrapping every 4 rounds) and stores only the two new words, twice
 *    each, instead of shifting 28 bytes; every variable stays at a fixed Y displacement.
 *  - Maj(a,b,c) = b ^ ((a ^ b) & (b ^ c)), and this round's b ^ c is the previous round's
 *    a ^ b: it is kept in four registers, so c is never loaded.
 *  - The message schedule is the usual rolling 16 words.
 *  - The 64 round constants stay in flash and are read with lpm (no RAM).
 *
 * Stack: 18 saved registers + 134-byte frame (+ 2 return address) = 154 bytes; nothing
 * static. The frame is wiped before returning: it held the message schedule and the
 * working variables (HMAC keys pass through here as midstates).
 */
#if defined(__AVR__)

#include <avr/io.h>

/* T1 accumulator */
#define T0 r2
#define T1 r3
#define T2 r4
#define T3 r5
/* sigma accumulator, later T2 and the new "a" */
#define S0 r6
#define S1 r7
#define S2 r8
#define S3 r9
/* a ^ b of the previous round (= b ^ c of this one) */
#define P0 r10
#define P1 r11
#define P2 r12
#define P3 r13
/* address of W[0] */
#define WBL r14
#define WBH r15
/* working value, rotated in place (upper registers: andi works on them) */
#define V0 r16
#define V1 r17
#define V2 r18
#define V3 r19
/* copy of the working value */
#define C0 r20
#define C1 r21
#define C2 r22
#define C3 r23
/* round index 0..63 */
#define RI r24
#define TMP r25

/* Frame (from the lowest address): state pointer, block pointer, blocks left (2 bytes each),
 * the two doubled shift registers (64 bytes), W[16] (64 bytes). */
#define SLOTS 6
#define FRAME (SLOTS + 64 + 64)

/* Displacements from Y (the current window): */
#define VA 0 /* a; b = 4, c = 8, d = 12; their copies at 16..31 */
#define VE 32 /* e; f = 36, g = 40, h = 44; their copies at 48..63 */

.macro ROTL1 x0, x1, x2, x3
    lsl \x0
    rol \x1
    rol \x2
    rol \x3
    adc \x0, r1
.endm

.macro ROTR1 x0, x1, x2, x3
    bst \x0, 0
    lsr \x3
    ror \x2
    ror \x1
    ror \x0
    bld \x3, 7
.endm

/* X = &W[(RI + k) & 15] */
.macro WADDR k
    mov r26, RI
.if \k
    subi r26, lo8(-(\k))
.endif
    andi r26, 15
    lsl r26
    lsl r26
    add r26, WBL
    mov r27, WBH
    adc r27, r1
.endm

/* Four bytes added from memory (ld/ldd/lpm do not touch the carry). */
.macro ADDLDD d0, d1, d2, d3, disp
    ldd r0, Y + \disp
    add \d0, r0
    ldd r0, Y + \disp + 1
    adc \d1, r0
    ldd r0, Y + \disp + 2
    adc \d2, r0
    ldd r0, Y + \disp + 3
    adc \d3, r0
.endm

/* One byte of Ch(e,f,g) = g ^ (e & (f ^ g)) added into T1 (eor/and leave the carry alone). */
.macro CHBYTE e, t, j, op
    ldd TMP, Y + VE + 4 + \j
    ldd r0, Y + VE + 8 + \j
    eor TMP, r0
    and TMP, \e
    eor TMP, r0
    \op \t, TMP
.endm

/* One byte of Maj(a,b,c) = b ^ ((a ^ b) & (b ^ c)) added into S; P := a ^ b for the next
 * round. */
.macro MAJBYTE a, p, s, j, op
    ldd TMP, Y + VA + 4 + \j
    mov r0, \a
    eor r0, TMP
    and \p, r0
    eor TMP, \p
    mov \p, r0
    \op \s, TMP
.endm

    .section .progmem.data.warden_sha256_k, "a", @progbits
    .type warden_sha256_k, @object
/* FIPS 180-4, 4.2.2 (little-endian words, read low byte first by lpm). */
warden_sha256_k:
    .long 0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4
    .long 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe
    .long 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f
    .long 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7
    .long 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc
    .long 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b
    .long 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116
    .long 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3
    .long 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7
    .long 0xc67178f2
    .size warden_sha256_k, . - warden_sha256_k

    .section .text.warden_sha256_compress_avr, "ax", @progbits
    .global warden_sha256_compress_avr
    .type warden_sha256_compress_avr, @function
warden_sha256_compress_avr:
    cp r20, r1
    cpc r21, r1
    brne 1f
    ret
1:
    push r2
    push r3
    push r4
    push r5
    push r6
    push r7
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    push r16
    push r17
    push r28
    push r29
    in r28, _SFR_IO_ADDR(SPL)
    in r29, _SFR_IO_ADDR(SPH)
    subi r28, lo8(FRAME)
    sbci r29, hi8(FRAME)
    in r0, _SFR_IO_ADDR(SREG)
    cli
    out _SFR_IO_ADDR(SPH), r29
    out _SFR_IO_ADDR(SREG), r0
    out _SFR_IO_ADDR(SPL), r28
    adiw r28, 1 /* Y = frame */
    std Y + 0, r24
    std Y + 1, r25
    std Y + 2, r22
    std Y + 3, r23
    std Y + 4, r20
    std Y + 5, r21
    adiw r28, SLOTS /* Y = window, from here on between blocks */
    movw WBL, r28
    ldi TMP, 64
    add WBL, TMP
    adc WBH, r1

.Lblock:
    /* W[0..15] = the block's big-endian words */
    sbiw r28, SLOTS
    ldd r26, Y + 2
    ldd r27, Y + 3
    movw r30, WBL
    ldi TMP, 16
2:
    ld V3, X+
    ld V2, X+
    ld V1, X+
    ld V0, X+
    st Z+, V0
    st Z+, V1
    st Z+, V2
    st Z+, V3
    dec TMP
    brne 2b
    std Y + 2, r26
    std Y + 3, r27
    /* a..d twice, then e..h twice */
    ldd r26, Y + 0
    ldd r27, Y + 1
    adiw r28, SLOTS
    movw r30, r28
    ldi TMP, 32
3:
    ld r0, X+
    st Z+, r0
    std Z + 15, r0
    cpi TMP, 17
    brne 4f
    adiw r30, 16
4:
    dec TMP
    brne 3b
    /* P = b ^ c for round 0 */
    ldd P0, Y + VA + 4
    ldd r0, Y + VA + 8
    eor P0, r0
    ldd P1, Y + VA + 5
    ldd r0, Y + VA + 9
    eor P1, r0
    ldd P2, Y + VA + 6
    ldd r0, Y + VA + 10
    eor P2, r0
    ldd P3, Y + VA + 7
    ldd r0, Y + VA + 11
    eor P3, r0
    ldi r30, lo8(warden_sha256_k)
    ldi r31, hi8(warden_sha256_k)
    clr RI

.Lround:
    /* T1 = W[i] */
    cpi RI, 16
    brsh .Lexpand
    WADDR 0
    ld T0, X+
    ld T1, X+
    ld T2, X+
    ld T3, X+
    rjmp .Lhavew
.Lexpand:
    /* W[i] = sigma1(W[i-2]) + W[i-7] + sigma0(W[i-15]) + W[i-16], in place of W[i-16] */
    WADDR 9
    ld T0, X+
    ld T1, X+
    ld T2, X+
    ld T3, X+
    WADDR 0
    ld r0, X+
    add T0, r0
    ld r0, X+
    adc T1, r0
    ld r0, X+
    adc T2, r0
    ld r0, X+
    adc T3, r0
    /* sigma0(x) = rotr7 ^ rotr18 ^ shr3 */
    WADDR 1
    ld V0, X+
    ld V1, X+
    ld V2, X+
    ld V3, X+
    movw C0, V0
    movw C2, V2
    ROTL1 C0, C1, C2, C3 /* rotr7 = rotl1, bytes right by 1 */
    mov S0, C1
    mov S1, C2
    mov S2, C3
    mov S3, C0
    ROTR1 V0, V1, V2, V3
    ROTR1 V0, V1, V2, V3 /* rotr18 = rotr2, bytes right by 2 */
    eor S0, V2
    eor S1, V3
    eor S2, V0
    eor S3, V1
    ROTR1 V0, V1, V2, V3 /* shr3 = rotr3 without the 3 bits that wrapped */
    andi V3, 0x1f
    eor S0, V0
    eor S1, V1
    eor S2, V2
    eor S3, V3
    add T0, S0
    adc T1, S1
    adc T2, S2
    adc T3, S3
    /* sigma1(x) = rotr17 ^ rotr19 ^ shr10 */
    WADDR 14
    ld V0, X+
    ld V1, X+
    ld V2, X+
    ld V3, X+
    ROTR1 V0, V1, V2, V3 /* rotr17 = rotr1, bytes right by 2 */
    mov S0, V2
    mov S1, V3
    mov S2, V0
    mov S3, V1
    ROTR1 V0, V1, V2, V3 /* shr10 = rotr2, bytes right by 1, top 10 bits cleared */
    eor S0, V1
    eor S1, V2
    mov TMP, V3
    andi TMP, 0x3f
    eor S2, TMP
    ROTR1 V0, V1, V2, V3 /* rotr19 = rotr3, bytes right by 2 */
    eor S0, V2
    eor S1, V3
    eor S2, V0
    eor S3, V1
    add T0, S0
    adc T1, S1
    adc T2, S2
    adc T3, S3
    WADDR 0
    st X+, T0
    st X+, T1
    st X+, T2
    st X+, T3
.Lhavew:
    /* T1 += K[i] + h */
    lpm r0, Z+
    add T0, r0
    lpm r0, Z+
    adc T1, r0
    lpm r0, Z+
    adc T2, r0
    lpm r0, Z+
    adc T3, r0
    ADDLDD T0, T1, T2, T3, VE + 12
    /* T1 += Ch(e,f,g) */
    ldd V0, Y + VE + 0
    ldd V1, Y + VE + 1
    ldd V2, Y + VE + 2
    ldd V3, Y + VE + 3
    CHBYTE V0, T0, 0, add
    CHBYTE V1, T1, 1, adc
    CHBYTE V2, T2, 2, adc
    CHBYTE V3, T3, 3, adc
    /* T1 += Sigma1(e) = rotr6 ^ rotr11 ^ rotr25 */
    movw C0, V0
    movw C2, V2
    ROTR1 V0, V1, V2, V3 /* rotr25 = rotr1, bytes right by 3 */
    mov S0, V3
    mov S1, V0
    mov S2, V1
    mov S3, V2
    ROTR1 V0, V1, V2, V3
    ROTR1 V0, V1, V2, V3 /* rotr11 = rotr3, bytes right by 1 */
    eor S0, V1
    eor S1, V2
    eor S2, V3
    eor S3, V0
    ROTL1 C0, C1, C2, C3
    ROTL1 C0, C1, C2, C3 /* rotr6 = rotl2, bytes right by 1 */
    eor S0, C1
    eor S1, C2
    eor S2, C3
    eor S3, C0
    add T0, S0
    adc T1, S1
    adc T2, S2
    adc T3, S3
    /* S = T2 = Sigma0(a) + Maj(a,b,c); Sigma0 = rotr2 ^ rotr13 ^ rotr22 */
    ldd V0, Y + VA + 0
    ldd V1, Y + VA + 1
    ldd V2, Y + VA + 2
    ldd V3, Y + VA + 3
    movw C0, V0
    movw C2, V2
    ROTL1 V0, V1, V2, V3
    ROTL1 V0, V1, V2, V3 /* rotr22 = rotl2, bytes right by 3 */
    mov S0, V3
    mov S1, V0
    mov S2, V1
    mov S3, V2
    ROTL1 V0, V1, V2, V3 /* rotr13 = rotl3, bytes right by 2 */
    eor S0, V2
    eor S1, V3
    eor S2, V0
    eor S3, V1
    movw V0, C0
    movw V2, C2
    ROTR1 V0, V1, V2, V3
    ROTR1 V0, V1, V2, V3 /* rotr2 */
    eor S0, V0
    eor S1, V1
    eor S2, V2
    eor S3, V3
    MAJBYTE C0, P0, S0, 0, add
    MAJBYTE C1, P1, S1, 1, adc
    MAJBYTE C2, P2, S2, 2, adc
    MAJBYTE C3, P3, S3, 3, adc
    /* new a = T1 + T2 (in S), new e = d + T1 (in T) */
    add S0, T0
    adc S1, T1
    adc S2, T2
    adc S3, T3
    ADDLDD T0, T1, T2, T3, VA + 12
    /* Slide the window down one word (wrapping from the first word to the fourth) and store
     * the two new words and their copies. */
    mov TMP, RI
    andi TMP, 3
    brne 5f
    adiw r28, 16
5:
    sbiw r28, 4
    std Y + VA + 0, S0
    std Y + VA + 1, S1
    std Y + VA + 2, S2
    std Y + VA + 3, S3
    std Y + VA + 16, S0
    std Y + VA + 17, S1
    std Y + VA + 18, S2
    std Y + VA + 19, S3
    std Y + VE + 0, T0
    std Y + VE + 1, T1
    std Y + VE + 2, T2
    std Y + VE + 3, T3
    std Y + VE + 16, T0
    std Y + VE + 17, T1
    std Y + VE + 18, T2
    std Y + VE + 19, T3
    inc RI
    cpi RI, 64
    breq 6f
    rjmp .Lround
6:
    /* 64 rounds: the window is back at its start. state[j] += variable j. */
    sbiw r28, SLOTS
    ldd r26, Y + 0
    ldd r27, Y + 1
    adiw r28, SLOTS
    movw r30, r28
    ldi RI, 8
7:
    ld V0, X+
    ld V1, X+
    ld V2, X+
    ld V3, X+
    ld C0, Z+
    ld C1, Z+
    ld C2, Z+
    ld C3, Z+
    add V0, C0
    adc V1, C1
    adc V2, C2
    adc V3, C3
    st -X, V3
    st -X, V2
    st -X, V1
    st -X, V0
    adiw r26, 4
    cpi RI, 5
    brne 8f
    adiw r30, 16 /* skip the copy of a..d */
8:
    dec RI
    brne 7b
    /* next block? */
    sbiw r28, SLOTS
    ldd r24, Y + 4
    ldd r25, Y + 5
    sbiw r24, 1
    std Y + 4, r24
    std Y + 5, r25
    breq 9f
    adiw r28, SLOTS
    rjmp .Lblock
9:
    /* Y = frame: wipe it, release it, restore the saved registers */
    movw r30, r28
    ldi TMP, FRAME / 2
10:
    st Z+, r1
    st Z+, r1
    dec TMP
    brne 10b
    subi r28, lo8(-(FRAME - 1))
    sbci r29, hi8(-(FRAME - 1))
    in r0, _SFR_IO_ADDR(SREG)
    cli
    out _SFR_IO_ADDR(SPH), r29
    out _SFR_IO_ADDR(SREG), r0
    out _SFR_IO_ADDR(SPL), r28
    pop r29
    pop r28
    pop r17
    pop r16
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop r7
    pop r6
    pop r5
    pop r4
    pop r3
    pop r2
    ret
    .size warden_sha256_compress_avr, . - warden_sha256_compress_avr

#endif
