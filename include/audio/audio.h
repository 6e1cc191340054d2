/*
 * Audio backends (-audiodev): the registry that sound cards look their
 * backend up in by id. This is the frame the audio layer grows into: a
 * backend registers itself under its id and any number of cards may play
 * through it (QEMU lets several devices share one audiodev). Voices,
 * mixing and resampling come with the backends themselves.
 */
#ifndef AUDIO_AUDIO_H
#define AUDIO_AUDIO_H

#include <stdbool.h>

typedef struct AudioBackend {
    char *id;           /* the -audiodev id */
    const char *driver; /* "none", "wav", "sdl", "pa", "alsa" */
} AudioBackend;

/* Adds be under be->id; false if a backend of that id exists already. */
bool audio_backend_register(AudioBackend *be);
void audio_backend_unregister(AudioBackend *be);
AudioBackend *audio_backend_find(const char *id);

#endif
