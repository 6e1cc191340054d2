/*
 * The "none" audio backend: mixes and drops. The clock still runs, so
 * cards play at real-time pace and raise their interrupts as they would
 * with a sound system behind them.
 */
#include "audio/audio.h"

static bool noaudio_init(AudioBackend *be, GError **errp)
{
    return true;
}

static void noaudio_write(AudioBackend *be, const void *buf, size_t frames)
{
}

const AudioDriver audio_driver_none = {
    .name = "none",
    .description = "Timer based audio emulation",
    .init = noaudio_init,
    .write = noaudio_write,
};
