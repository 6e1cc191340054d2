/*
 * The registry of audio backends by id (include/audio/audio.h).
 */
#include <glib.h>

#include "audio/audio.h"

static GHashTable *audio_backends; /* id -> AudioBackend *, not owned */

bool audio_backend_register(AudioBackend *be)
{
    if (!audio_backends) {
        audio_backends = g_hash_table_new(g_str_hash, g_str_equal);
    }
    if (g_hash_table_contains(audio_backends, be->id)) {
        return false;
    }
    g_hash_table_insert(audio_backends, be->id, be);
    return true;
}

void audio_backend_unregister(AudioBackend *be)
{
    if (audio_backends && g_hash_table_lookup(audio_backends, be->id) == be) {
        g_hash_table_remove(audio_backends, be->id);
    }
}

AudioBackend *audio_backend_find(const char *id)
{
    return audio_backends ? g_hash_table_lookup(audio_backends, id) : NULL;
}
