/*
 * What the PC's CMOS RAM tells the BIOS (SeaBIOS reads these, as Bochs's
 * BIOS did): memory sizes, the CPU count, the equipment byte and the boot
 * device order. Byte addresses and encodings are QEMU's pc board's, so the
 * same firmware finds the same values, and the hard-disk bytes (types,
 * geometry and translation) of the PIIX3's IDE disks.
 */
#include <string.h>

#include "hw/i386/pc.h"
#include "hw/ide/piix.h"
#include "hw/rtc/mc146818.h"

#define CMOS_DISK_TYPES 0x12 /* high nibble disk 0, low disk 1; 0xf: ext */
#define CMOS_EQUIPMENT 0x14
#define CMOS_BASE_MEMORY_LOW 0x15
#define CMOS_BASE_MEMORY_HIGH 0x16
#define CMOS_EXTENDED_MEMORY_LOW 0x17
#define CMOS_EXTENDED_MEMORY_HIGH 0x18
#define CMOS_EXTENDED_MEMORY_POST_LOW 0x30
#define CMOS_EXTENDED_MEMORY_POST_HIGH 0x31
#define CMOS_DISK0_TYPE 0x19 /* extended type of disk 0 (47: user) */
#define CMOS_DISK1_TYPE 0x1a
#define CMOS_DISK0_PARAMS 0x1b /* 9 bytes each: the user type's table */
#define CMOS_DISK1_PARAMS 0x24
#define CMOS_BOOT_FLAGS1 0x38      /* third boot device, floppy check */
#define CMOS_DISK_TRANSLATION 0x39 /* 2 bits per drive, ide0 master first */
#define CMOS_BOOT_FLAGS2 0x3d      /* first and second boot devices */
#define CMOS_MEMORY_ABOVE_16M_LOW 0x34
#define CMOS_MEMORY_ABOVE_16M_HIGH 0x35
#define CMOS_MEMORY_ABOVE_4G_LOW 0x5b
#define CMOS_MEMORY_ABOVE_4G_MID 0x5c
#define CMOS_MEMORY_ABOVE_4G_HIGH 0x5d
#define CMOS_CPU_COUNT_MINUS_ONE 0x5f

#define CMOS_EQUIPMENT_FPU 0x02
#define CMOS_EQUIPMENT_PS2_MOUSE 0x04

#define KIB 1024ull
#define MIB (1024 * KIB)

/* The boot device codes of the BIOS's boot flags (0: no device). */
static uint8_t pc_cmos_boot_device(char device)
{
    switch (device) {
    case 'a':
    case 'b':
        return 1; /* floppy */
    case 'c':
        return 2; /* hard disk */
    case 'd':
        return 3; /* CD-ROM */
    case 'n':
        return 4; /* network */
    default:
        return 0;
    }
}

/* The order in effect: -boot once= until the first guest reset. */
static const char *pc_cmos_boot_order(PCMachineState *pcms)
{
    MachineState *ms = pcms->machine;

    if (ms->boot_once && !pcms->boot_once_done) {
        return ms->boot_once;
    }
    return ms->boot_order ? ms->boot_order : "cad";
}

static void pc_cmos_set16(DeviceState *rtc, unsigned low, uint64_t value)
{
    mc146818_cmos_set(rtc, low, value);
    mc146818_cmos_set(rtc, low + 1, value >> 8);
}

void pc_cmos_init(PCMachineState *pcms, DeviceState *rtc)
{
    MachineState *ms = pcms->machine;
    uint64_t below_4g = pcms->below_4g_mem_size;
    uint64_t value;
    const char *order = pc_cmos_boot_order(pcms);
    uint8_t devices[3] = {0, 0, 0};

    value = MIN(below_4g / KIB, 640);
    pc_cmos_set16(rtc, CMOS_BASE_MEMORY_LOW, value);
    /* KiB above 1 MiB, and 64 KiB units above 16 MiB, both 16-bit. */
    value = below_4g > MIB ? MIN((below_4g - MIB) / KIB, 65535) : 0;
    pc_cmos_set16(rtc, CMOS_EXTENDED_MEMORY_LOW, value);
    pc_cmos_set16(rtc, CMOS_EXTENDED_MEMORY_POST_LOW, value);
    value = below_4g > 16 * MIB ? MIN((below_4g - 16 * MIB) / (64 * KIB), 65535)
                                : 0;
    pc_cmos_set16(rtc, CMOS_MEMORY_ABOVE_16M_LOW, value);
    value = pcms->above_4g_mem_size / (64 * KIB);
    mc146818_cmos_set(rtc, CMOS_MEMORY_ABOVE_4G_LOW, value);
    mc146818_cmos_set(rtc, CMOS_MEMORY_ABOVE_4G_MID, value >> 8);
    mc146818_cmos_set(rtc, CMOS_MEMORY_ABOVE_4G_HIGH, value >> 16);
    mc146818_cmos_set(rtc, CMOS_CPU_COUNT_MINUS_ONE, ms->smp_cpus - 1);
    /* No floppy drives; the display bits (0) say EGA/VGA. */
    mc146818_cmos_set(rtc, CMOS_EQUIPMENT,
                      CMOS_EQUIPMENT_FPU | CMOS_EQUIPMENT_PS2_MOUSE);

    /* -boot was checked when parsed: at most three of a, b, c, d, n. */
    for (size_t i = 0; i < strlen(order) && i < G_N_ELEMENTS(devices); i++) {
        devices[i] = pc_cmos_boot_device(order[i]);
    }
    mc146818_cmos_set(rtc, CMOS_BOOT_FLAGS2, devices[1] << 4 | devices[0]);
    /*
     * Bit 0 clear: the BIOS checks a floppy's boot signature (QEMU's
     * default); -no-fd-bootchk sets it.
     */
    mc146818_cmos_set(rtc, CMOS_BOOT_FLAGS1,
                      devices[2] << 4 | (ms->no_fd_bootchk ? 1 : 0));
}

/* Drive type 47's parameter table, the user-defined one, for one disk. */
static void pc_cmos_disk_params(DeviceState *rtc, unsigned at,
                                const IDEState *d)
{
    pc_cmos_set16(rtc, at, d->cylinders);
    mc146818_cmos_set(rtc, at + 2, d->heads);
    pc_cmos_set16(rtc, at + 3, 0xffff); /* write precompensation: none */
    /* control byte: no retries; more than 8 heads */
    mc146818_cmos_set(rtc, at + 5, 0xc0 | (d->heads > 8 ? 0x08 : 0));
    pc_cmos_set16(rtc, at + 6, d->cylinders); /* landing zone */
    mc146818_cmos_set(rtc, at + 8, d->sectors);
}

void pc_cmos_init_disks(PCMachineState *pcms)
{
    static const uint8_t type_at[2] = {CMOS_DISK0_TYPE, CMOS_DISK1_TYPE};
    static const uint8_t params_at[2] = {CMOS_DISK0_PARAMS, CMOS_DISK1_PARAMS};
    DeviceState *rtc = pcms->rtc;
    uint8_t types = 0, translation = 0;

    if (!rtc || !pcms->ide) {
        return;
    }
    /* Geometry for the primary channel's two disks, translation for all four.
     */
    for (unsigned i = 0; i < 4; i++) {
        const IDEState *d = &piix3_ide_bus(pcms->ide, i / 2)->ifs[i % 2];

        if (d->kind != IDE_HD) {
            continue;
        }
        if (i < 2) {
            types |= 0xf0 >> (4 * i);
            mc146818_cmos_set(rtc, type_at[i], 47);
            pc_cmos_disk_params(rtc, params_at[i], d);
        }
        translation |= (d->chs_trans - IDE_CHS_TRANS_NONE) << (2 * i);
    }
    mc146818_cmos_set(rtc, CMOS_DISK_TYPES, types);
    mc146818_cmos_set(rtc, CMOS_DISK_TRANSLATION, translation);
}

void pc_cmos_reset(PCMachineState *pcms)
{
    /* The first reset is the power-on one; -boot once= ends at the next. */
    if (!pcms->rtc || pcms->boot_once_done || pcms->resets++ < 1) {
        return;
    }
    pcms->boot_once_done = true;
    if (pcms->machine->boot_once) {
        pc_cmos_init(pcms, pcms->rtc);
    }
}
