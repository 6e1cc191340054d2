/*
 * The pc's system flash, as QEMU maps UEFI firmware: -drive if=pflash
 * unit 0 (the code, usually read-only) ends at 4 GiB, unit 1 (the variable
 * store) sits right below it, each a "cfi.pflash01" chip of 4 KiB blocks
 * named system.flash0/1 under /machine. A copy of the last 128 KiB of
 * unit 0 shows below 1 MiB (isa-bios, read-only, as QEMU 7.2 makes it),
 * where the PAM registers decide, as with a -bios image.
 */
#include <inttypes.h>

#include "block/drive.h"
#include "hw/block/flash.h"
#include "hw/i386/pc.h"
#include "qom/object.h"
#include "util/error.h"

#define FLASH_SECTOR_SIZE 4096
#define FLASH_SIZE_LIMIT                                                       \
    ((uint64_t)8 << 20) /* QEMU's, for both units together */
#define FLASH_UNITS 2
#define ISA_BIOS_MAX_SIZE (128 << 10)

bool pc_system_flash_present(void)
{
    GPtrArray *drives = drive_list();

    for (unsigned i = 0; i < drives->len; i++) {
        DriveConfig *drive = g_ptr_array_index(drives, i);

        if (drive->iface == IF_PFLASH) {
            return true;
        }
    }
    return false;
}

/* QEMU's words for a flash drive the pc has no place for. */
static bool pc_flash_check_units(GError **errp)
{
    GPtrArray *drives = drive_list();

    for (unsigned i = 0; i < drives->len; i++) {
        DriveConfig *drive = g_ptr_array_index(drives, i);

        if (drive->iface == IF_PFLASH &&
            (drive->bus != 0 || drive->unit >= FLASH_UNITS)) {
            return error_setg(errp,
                              "machine type does not support "
                              "if=pflash,bus=%d,unit=%d",
                              drive->bus, drive->unit);
        }
    }
    if (!drive_get(IF_PFLASH, 0, 0)) {
        return error_setg(errp, "pflash1 requires pflash0");
    }
    return true;
}

/* QEMU 7.2's isa-bios for flash: a read-only copy of unit 0's top. */
static bool pc_flash_isa_bios(PCMachineState *pcms, DriveConfig *drive,
                              uint64_t size, GError **errp)
{
    uint64_t isa_size = MIN(size, ISA_BIOS_MAX_SIZE);

    memory_region_init_rom(&pcms->isa_bios, "isa-bios", isa_size);
    if (blk_pread(drive->blk, size - isa_size,
                  memory_region_get_ram_ptr(&pcms->isa_bios), isa_size) < 0) {
        return error_setg(errp, "can't read block backend");
    }
    memory_region_add_subregion_overlap(&pcms->pci_memory, 0x100000 - isa_size,
                                        &pcms->isa_bios, 1);
    return true;
}

bool pc_system_flash_init(PCMachineState *pcms, GError **errp)
{
    uint64_t total = 0;

    if (!pc_flash_check_units(errp)) {
        return false;
    }
    for (int unit = 0; unit < FLASH_UNITS; unit++) {
        DriveConfig *drive = drive_get(IF_PFLASH, 0, unit);
        g_autofree char *name = g_strdup_printf("system.flash%d", unit);
        g_autofree char *blocks = NULL;
        DeviceState *dev;
        uint64_t size;

        if (!drive) {
            break;
        }
        size = drive->blk ? blk_getlength(drive->blk) : 0;
        if (!size || size % FLASH_SECTOR_SIZE) {
            return error_setg(errp,
                              "system firmware block device %s has invalid "
                              "size %" PRIu64
                              " (its size must be a non-zero multiple of "
                              "0x%x)",
                              drive->id, size, FLASH_SECTOR_SIZE);
        }
        if (size > FLASH_SIZE_LIMIT - total) {
            return error_setg(errp,
                              "combined size of system firmware exceeds "
                              "%" PRIu64 " bytes",
                              FLASH_SIZE_LIMIT);
        }
        total += size;
        blocks = g_strdup_printf("%" PRIu64, size / FLASH_SECTOR_SIZE);
        dev = device_new(TYPE_PFLASH_CFI01);
        object_add_child(object_machine_container(), name, OBJECT(dev));
        if (!device_set_property(dev, "name", name, errp) ||
            !device_set_property(dev, "width", "1", errp) ||
            !device_set_property(dev, "sector-length",
                                 G_STRINGIFY(FLASH_SECTOR_SIZE), errp) ||
            !device_set_property(dev, "num-blocks", blocks, errp) ||
            !device_set_property(dev, "drive", drive->id, errp) ||
            !device_realize(dev, pcms->machine->main_bus, errp)) {
            return false;
        }
        memory_region_add_subregion(&pcms->pci_memory, (1ull << 32) - total,
                                    pflash_cfi01_region(dev));
        if (unit == 0 && !pc_flash_isa_bios(pcms, drive, size, errp)) {
            return false;
        }
    }
    return true;
}
