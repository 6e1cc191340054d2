/*
 * screendump for QMP and HMP: the picture of the first console, or of a
 * device's head, written as PPM or PNG (QEMU's command and errors).
 */
#ifndef HW_DISPLAY_SCREENDUMP_H
#define HW_DISPLAY_SCREENDUMP_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "ui/console.h"

/* device NULL: the first console (has_head must then be false). */
bool screendump(const char *filename, const char *device, bool has_head,
                int64_t head, ImageFormat format, GError **errp);

#endif
