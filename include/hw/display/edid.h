/*
 * An EDID 1.4 base block (VESA E-EDID, release A revision 2) describing a
 * display of one preferred mode, for display adapters that offer their
 * guest an EDID (QEMU's standard VGA does, at BAR2 offset 0).
 */
#ifndef HW_DISPLAY_EDID_H
#define HW_DISPLAY_EDID_H

#include <stdint.h>

#define EDID_BLOCK_SIZE 128

/*
 * Fills block: manufacturer "RHT", name "QEMU Monitor" (QEMU's), the
 * preferred mode 1280x800 at 60 Hz (CVT reduced blanking, QEMU's default)
 * as the first detailed timing, VGA/SVGA/XGA established timings, range
 * limits, and the checksum.
 */
void edid_generate(uint8_t block[EDID_BLOCK_SIZE]);

#endif
