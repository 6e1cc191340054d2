/*
 * Audio backends (-audiodev) and the voices that sound cards play through
 * them. A backend registers itself under its id and any number of cards may
 * open voices on it (QEMU lets several devices share one audiodev). Each
 * voice has the card's own format (rate, channels, sample format); the
 * backend mixes all active voices into its own format, resampling each to
 * the backend's rate by linear interpolation, with per-voice volume and
 * mute, and clips the sum.
 *
 * The none and wav backends are clocked by the virtual clock: a timer every
 * timer-period asks each active voice for exactly the frames that elapsed
 * guest time demands (the voice's callback is told how many bytes it may
 * write now), so a card is never drained faster than real time, and under
 * qtest only as fast as the test moves the clock.
 */
#ifndef AUDIO_AUDIO_H
#define AUDIO_AUDIO_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* QEMU's AudioFormat names, in its order. */
typedef enum {
    AUDIO_FORMAT_U8,
    AUDIO_FORMAT_S8,
    AUDIO_FORMAT_U16,
    AUDIO_FORMAT_S16,
    AUDIO_FORMAT_U32,
    AUDIO_FORMAT_S32,
    AUDIO_FORMAT_F32,
    AUDIO_FORMAT_MAX
} AudioFormat;

typedef struct AudioSettings {
    uint32_t freq;     /* frames per second */
    uint32_t channels; /* 1 or 2 for voices; up to 8 for a backend */
    AudioFormat fmt;   /* little-endian samples */
} AudioSettings;

#define AUDIO_MAX_CHANNELS 8
#define AUDIO_MAX_FREQ 384000
#define AUDIO_DEFAULT_TIMER_PERIOD_US 10000

typedef struct AudioBackend AudioBackend;
typedef struct AudioVoice AudioVoice;

/* A backend driver: what "-audiodev DRIVER" makes. */
typedef struct AudioDriver {
    const char *name;
    const char *description;
    /* Opens the host side (be->out is final); false with errp set. */
    bool (*init)(AudioBackend *be, GError **errp);
    /* Takes frames of mixed audio in be->out's format. */
    void (*write)(AudioBackend *be, const void *buf, size_t frames);
    void (*fini)(AudioBackend *be);
} AudioDriver;

struct AudioBackend {
    char *id;           /* the -audiodev id */
    const char *driver; /* "none", "wav", "sdl", "pa", "alsa" */

    const AudioDriver *drv;
    AudioSettings out; /* out.frequency, out.channels, out.format */
    AudioSettings in;  /* in.*: parsed; pcvm has no capture voices */
    uint32_t timer_period_us;
    char *path;                    /* wav: the file */
    void *opaque;                  /* the driver's own state */
    struct AudioBackendPriv *priv; /* audio.c's: voices, clock, mix buffer */
};

/* Adds be under be->id; false if a backend of that id exists already. */
bool audio_backend_register(AudioBackend *be);
void audio_backend_unregister(AudioBackend *be);
AudioBackend *audio_backend_find(const char *id);

/*
 * -audiodev DRIVER,id=ID[,...] as QEMU 7.2 takes it. _check parses and
 * validates without creating anything (id_out: the id, for duplicate
 * checks); _create also opens and registers the backend.
 */
bool audiodev_options_check(const char *optstr, char **id_out, GError **errp);
AudioBackend *audiodev_create(const char *optstr, GError **errp);
/* Closes every backend (wav files get their final header). */
void audio_cleanup(void);
void audiodev_print_drivers(FILE *out);
bool audio_format_parse(const char *name, AudioFormat *fmt);
const char *audio_format_name(AudioFormat fmt);
unsigned audio_format_bytes(AudioFormat fmt);

/*
 * A playback voice. cb(opaque, free) is called from the backend's clock
 * while the voice is active: free is how many bytes (whole frames of the
 * voice's format) the voice takes now; the card answers with
 * audio_voice_write(), up to free bytes (less is an underrun: silence).
 */
typedef void AudioVoiceCallback(void *opaque, int free);

AudioVoice *audio_voice_open_out(AudioBackend *be, AudioVoice *old,
                                 const char *name, const AudioSettings *as,
                                 AudioVoiceCallback *cb, void *opaque);
void audio_voice_close(AudioVoice *v);
void audio_voice_set_active(AudioVoice *v, bool on);
bool audio_voice_is_active(AudioVoice *v);
/* Returns the bytes taken (whole frames, at most what cb offered). */
size_t audio_voice_write(AudioVoice *v, const void *buf, size_t len);
/* Linear gains, 255 is unity (QEMU's AUD_set_volume_out scale). */
void audio_voice_set_volume(AudioVoice *v, bool mute, uint8_t left,
                            uint8_t right);

/*
 * The mixing engine's pieces, exposed for unit tests: a linear resampler
 * from in_freq to out_freq over stereo float frames, and the converters.
 */
typedef struct AudioResampler {
    uint64_t step; /* input frames per output frame, 32.32 fixed point */
    uint64_t pos;  /* position between prev (0) and cur (1 << 32) */
    float prev[2], cur[2];
} AudioResampler;

void audio_resampler_init(AudioResampler *r, uint32_t in_freq,
                          uint32_t out_freq);
/* Input frames that producing n output frames consumes. */
size_t audio_resampler_input_needed(const AudioResampler *r, size_t n);
/*
 * Produces up to n output frames from in_frames input frames (stereo);
 * returns the frames produced (fewer when the input ran out). *consumed
 * tells how many input frames were used.
 */
size_t audio_resampler_run(AudioResampler *r, const float *in, size_t in_frames,
                           float *out, size_t n, size_t *consumed);
/* Converts frames of fmt/channels to stereo float, and back. */
void audio_samples_to_float(const void *src, AudioFormat fmt, unsigned channels,
                            float *dst, size_t frames);
void audio_samples_from_float(const float *src, AudioFormat fmt,
                              unsigned channels, void *dst, size_t frames);

/* A RIFF/WAVE file being written (audio/wavaudio.c). */
typedef struct WavWriter WavWriter;
/* The format a WAVE file keeps fmt samples in (s8 -> u8, u16 -> s16...). */
AudioFormat wav_file_format(AudioFormat fmt);
WavWriter *wav_writer_open(const char *path, const AudioSettings *as,
                           GError **errp);
/* frames in the writer's settings (wav_writer_settings: file format). */
void wav_writer_write(WavWriter *w, const void *buf, size_t frames);
uint64_t wav_writer_bytes(const WavWriter *w);
const AudioSettings *wav_writer_settings(const WavWriter *w);
const char *wav_writer_path(const WavWriter *w);
void wav_writer_close(WavWriter *w);

/*
 * HMP's wavcapture: what backend be plays, also resampled into a wav file
 * of freq Hz, bits (8 or 16) and channels (1 or 2). Returns the capture's
 * index, or -1 with errp set. Captures end at stop or exit.
 */
int audio_capture_start(AudioBackend *be, const char *path, uint32_t freq,
                        unsigned bits, unsigned channels, GError **errp);
bool audio_capture_stop(int index);
/* "info capture": one line per capture. */
void audio_capture_info(GString *out);

/* The drivers (audio/noaudio.c, audio/wavaudio.c). */
extern const AudioDriver audio_driver_none;
extern const AudioDriver audio_driver_wav;
/*
 * A none backend for cards given no audiodev= (QEMU picks a default
 * backend too): the card still runs at real-time pace, its output dropped.
 */
AudioBackend *audio_backend_default(void);

#endif
