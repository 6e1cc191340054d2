/*
 * The drive= property kind (hw/block/drive-prop.c): a DriveConfig * field,
 * set from a -drive id; setting it claims the drive for the device. It lives
 * in hw/, above both the device core and the block layer, so neither
 * includes the other.
 */
#ifndef HW_BLOCK_DRIVE_PROP_H
#define HW_BLOCK_DRIVE_PROP_H

#include "block/drive.h"
#include "hw/core/device.h"

extern const PropertyInfo prop_info_drive;
#define DEFINE_PROP_DRIVE(n, st, f)                                            \
    {                                                                          \
        .name = (n), .info = &prop_info_drive, .offset = offsetof(st, f)       \
    }

#endif
