/*
 * The Linux x86 boot protocol's setup header (Documentation/arch/x86/
 * boot.rst): offsets in the bzImage's real-mode part, which is also the
 * start of boot_params, shared by the direct loader and firmware boot.
 */
#ifndef HW_I386_BOOTPARAM_H
#define HW_I386_BOOTPARAM_H

#define HDR_SETUP_SECTS 0x1f1
#define HDR_VID_MODE 0x1fa
#define HDR_JUMP 0x200
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_HEAP_END_PTR 0x224
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_CMDLINE_SIZE 0x238

/* loadflags */
#define LOADED_HIGH 0x01
#define CAN_USE_HEAP 0x80

#endif
