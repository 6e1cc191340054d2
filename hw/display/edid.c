/*
 * EDID 1.4 base block generator (VESA E-EDID A2, section 3). One block,
 * no extensions: header, vendor and product, basic display parameters,
 * sRGB chromaticity, established timings, and four 18-byte descriptors
 * (the preferred detailed timing, range limits, the monitor name, a
 * dummy). The detailed timing is VESA CVT 1.2's reduced-blanking
 * 1280x800 at 60 Hz: 71.00 MHz, horizontal 1280 + 48/32/80, vertical
 * 800 + 3/6/14, +hsync -vsync.
 */
#include <string.h>

#include "hw/display/edid.h"

/* A chromaticity coordinate as EDID's 10-bit binary fraction. */
static unsigned edid_fraction(unsigned thousandths)
{
    return (thousandths * 1024 + 500) / 1000;
}

static void edid_descriptor_text(uint8_t *d, uint8_t tag, const char *text)
{
    size_t n = strlen(text);

    memset(d, 0, 18);
    d[3] = tag;
    memset(d + 5, ' ', 13);
    memcpy(d + 5, text, n);
    if (n < 13) {
        d[5 + n] = '\n';
    }
}

void edid_generate(uint8_t block[EDID_BLOCK_SIZE])
{
    static const uint8_t header[8] = {0x00, 0xff, 0xff, 0xff,
                                      0xff, 0xff, 0xff, 0x00};
    /* sRGB primaries and D65 white, x then y, in thousandths. */
    static const unsigned chroma[8] = {640, 330, 300, 600, 150, 60, 313, 329};
    unsigned vendor = ('R' - '@') << 10 | ('H' - '@') << 5 | ('T' - '@');
    unsigned c[8];
    uint8_t *d, sum = 0;

    memset(block, 0, EDID_BLOCK_SIZE);
    memcpy(block, header, 8);
    /* Manufacturer "RHT": three 5-bit letters, big-endian. */
    block[8] = vendor >> 8;
    block[9] = vendor & 0xff;
    block[10] = 0x34; /* product code 0x1234, little-endian */
    block[11] = 0x12;
    block[16] = 1; /* week */
    block[17] = 2022 - 1990;
    block[18] = 1; /* EDID 1.4 */
    block[19] = 4;
    block[20] = 0xa5; /* digital, 8 bits per colour, DisplayPort */
    block[21] = 33;   /* image size in cm: 33 x 20 */
    block[22] = 20;
    block[23] = 120;  /* gamma 2.2 */
    block[24] = 0x06; /* sRGB default, preferred timing is native */
    for (int i = 0; i < 8; i++) {
        c[i] = edid_fraction(chroma[i]);
    }
    block[25] =
        (c[0] & 3) << 6 | (c[1] & 3) << 4 | (c[2] & 3) << 2 | (c[3] & 3);
    block[26] =
        (c[4] & 3) << 6 | (c[5] & 3) << 4 | (c[6] & 3) << 2 | (c[7] & 3);
    for (int i = 0; i < 8; i++) {
        block[27 + i] = c[i] >> 2;
    }
    block[35] = 0x21; /* 640x480@60, 800x600@60 */
    block[36] = 0x08; /* 1024x768@60 */
    for (int i = 38; i < 54; i++) {
        block[i] = 0x01; /* standard timings unused */
    }

    /* Descriptor 1: the preferred detailed timing. */
    d = block + 54;
    d[0] = 7100 & 0xff; /* pixel clock in 10 kHz */
    d[1] = 7100 >> 8;
    d[2] = 1280 & 0xff;                   /* horizontal active */
    d[3] = 160;                           /* horizontal blanking */
    d[4] = (1280 >> 8) << 4 | (160 >> 8); /* their high nibbles */
    d[5] = 800 & 0xff;                    /* vertical active */
    d[6] = 23;                            /* vertical blanking */
    d[7] = (800 >> 8) << 4 | (23 >> 8);
    d[8] = 48;          /* horizontal front porch */
    d[9] = 32;          /* horizontal sync width */
    d[10] = 3 << 4 | 6; /* vertical front porch, sync width */
    d[11] = 0;          /* their high bits */
    d[12] = 331 & 0xff; /* image size in mm: 331 x 207 */
    d[13] = 207 & 0xff;
    d[14] = (331 >> 8) << 4 | (207 >> 8);
    d[17] = 0x18 | 0x02; /* digital separate sync, +hsync, -vsync */

    /* Descriptor 2: range limits: 50-125 Hz, 30-160 kHz, 300 MHz. */
    d = block + 72;
    d[3] = 0xfd;
    d[5] = 50;
    d[6] = 125;
    d[7] = 30;
    d[8] = 160;
    d[9] = 30;
    d[10] = 0x00; /* default GTF */
    d[11] = 0x0a;
    memset(d + 12, ' ', 6);

    /* Descriptor 3: the name; descriptor 4: a dummy. */
    edid_descriptor_text(block + 90, 0xfc, "QEMU Monitor");
    block[108 + 3] = 0x10;

    block[126] = 0; /* no extension blocks */
    for (int i = 0; i < EDID_BLOCK_SIZE - 1; i++) {
        sum += block[i];
    }
    block[127] = -sum;
}
