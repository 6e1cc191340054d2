/*
 * The chardev= property kind (hw/char/char-prop.c): a CharFrontend field,
 * linked by chardev id. It lives in hw/, above both the device core and
 * the chardev layer, so neither includes the other.
 */
#ifndef HW_CHAR_CHAR_PROP_H
#define HW_CHAR_CHAR_PROP_H

#include "chardev/char.h"
#include "hw/core/device.h"

extern const PropertyInfo prop_info_chardev;
#define DEFINE_PROP_CHARDEV(n, st, f)                                          \
    {                                                                          \
        .name = (n), .info = &prop_info_chardev, .offset = offsetof(st, f)     \
    }

#endif
