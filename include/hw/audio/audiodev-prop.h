/*
 * The audiodev= property kind (hw/audio/audiodev-prop.c): an
 * AudioBackend * field, set from an -audiodev id. Several cards may share
 * one backend, so setting it claims nothing.
 */
#ifndef HW_AUDIO_AUDIODEV_PROP_H
#define HW_AUDIO_AUDIODEV_PROP_H

#include "audio/audio.h"
#include "hw/core/device.h"

extern const PropertyInfo prop_info_audiodev;
#define DEFINE_PROP_AUDIODEV(n, st, f)                                         \
    {                                                                          \
        .name = (n), .info = &prop_info_audiodev, .offset = offsetof(st, f)    \
    }

#endif
