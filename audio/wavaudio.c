/*
 * RIFF/WAVE files: the "wav" audio backend (path=, default qemu.wav as in
 * QEMU) and the writer that HMP's wavcapture shares with it. WAVE keeps
 * 8-bit samples unsigned and wider ones signed, so s8 is written as u8 and
 * u16/u32 as s16/s32; f32 becomes WAVE_FORMAT_IEEE_FLOAT with its fact
 * chunk. The sizes in the header are brought up to date after every write
 * and again on close, so the file is valid while pcvm runs and after it
 * exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "audio/audio.h"
#include "util/error.h"

#define WAVE_FORMAT_PCM 1
#define WAVE_FORMAT_IEEE_FLOAT 3

struct WavWriter {
    int fd;
    char *path;
    AudioSettings as;
    bool is_float;
    uint32_t header_len; /* bytes before the data */
    uint64_t data_len;
    uint64_t frames;
    bool failed; /* a write failed: told once, then dropped */
};

static void wav_put16(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}

static void wav_put32(uint8_t *p, uint32_t v)
{
    wav_put16(p, v);
    wav_put16(p + 2, v >> 16);
}

/* The whole header for the data written so far. */
static size_t wav_header(WavWriter *w, uint8_t *h)
{
    unsigned bytes = audio_format_bytes(w->as.fmt);
    uint32_t data_len =
        w->data_len > UINT32_MAX - 64 ? UINT32_MAX - 64 : (uint32_t)w->data_len;
    uint32_t fmt_len = w->is_float ? 18 : 16;
    uint8_t *p = h;

    memcpy(p, "RIFF", 4);
    wav_put32(p + 4, w->header_len - 8 + data_len);
    memcpy(p + 8, "WAVE", 4);
    memcpy(p + 12, "fmt ", 4);
    wav_put32(p + 16, fmt_len);
    wav_put16(p + 20, w->is_float ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM);
    wav_put16(p + 22, w->as.channels);
    wav_put32(p + 24, w->as.freq);
    wav_put32(p + 28, w->as.freq * w->as.channels * bytes);
    wav_put16(p + 32, w->as.channels * bytes);
    wav_put16(p + 34, bytes * 8);
    p += 20 + fmt_len;
    if (w->is_float) {
        wav_put16(p - 2, 0); /* cbSize */
        memcpy(p, "fact", 4);
        wav_put32(p + 4, 4);
        wav_put32(p + 8, (uint32_t)w->frames);
        p += 12;
    }
    memcpy(p, "data", 4);
    wav_put32(p + 4, data_len);
    return p + 8 - h;
}

static bool wav_header_write(WavWriter *w)
{
    uint8_t h[64];
    size_t len = wav_header(w, h);

    return pwrite(w->fd, h, len, 0) == (ssize_t)len;
}

AudioFormat wav_file_format(AudioFormat fmt)
{
    switch (fmt) {
    case AUDIO_FORMAT_S8:
        return AUDIO_FORMAT_U8;
    case AUDIO_FORMAT_U16:
        return AUDIO_FORMAT_S16;
    case AUDIO_FORMAT_U32:
        return AUDIO_FORMAT_S32;
    default:
        return fmt;
    }
}

WavWriter *wav_writer_open(const char *path, const AudioSettings *as,
                           GError **errp)
{
    WavWriter *w = g_new0(WavWriter, 1);
    uint8_t h[64];

    w->as = *as;
    w->as.fmt = wav_file_format(as->fmt);
    w->is_float = w->as.fmt == AUDIO_FORMAT_F32;
    w->path = g_strdup(path);
    w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (w->fd < 0) {
        int err = errno;

        g_free(w->path);
        g_free(w);
        error_setg(errp, "Failed to open wave file '%s': %s", path,
                   g_strerror(err));
        return NULL;
    }
    w->header_len = wav_header(w, h);
    if (!wav_header_write(w)) {
        close(w->fd);
        g_free(w->path);
        g_free(w);
        error_setg(errp, "Failed to write wave file '%s'", path);
        return NULL;
    }
    return w;
}

void wav_writer_write(WavWriter *w, const void *buf, size_t frames)
{
    size_t len = frames * w->as.channels * audio_format_bytes(w->as.fmt);

    if (w->failed || !len) {
        return;
    }
    if (pwrite(w->fd, buf, len, w->header_len + w->data_len) != (ssize_t)len) {
        error_report("writing '%s' failed: %s", w->path, g_strerror(errno));
        w->failed = true;
        return;
    }
    w->data_len += len;
    w->frames += frames;
    wav_header_write(w);
}

uint64_t wav_writer_bytes(const WavWriter *w)
{
    return w->data_len;
}

const AudioSettings *wav_writer_settings(const WavWriter *w)
{
    return &w->as;
}

const char *wav_writer_path(const WavWriter *w)
{
    return w->path;
}

void wav_writer_close(WavWriter *w)
{
    if (!w) {
        return;
    }
    wav_header_write(w);
    close(w->fd);
    g_free(w->path);
    g_free(w);
}

/* ---- the backend --------------------------------------------------------
 */

static bool wav_init(AudioBackend *be, GError **errp)
{
    WavWriter *w = wav_writer_open(be->path, &be->out, errp);

    if (!w) {
        return false;
    }
    be->out.fmt = w->as.fmt; /* the mixer makes what the file holds */
    be->opaque = w;
    return true;
}

static void wav_write(AudioBackend *be, const void *buf, size_t frames)
{
    wav_writer_write(be->opaque, buf, frames);
}

static void wav_fini(AudioBackend *be)
{
    wav_writer_close(be->opaque);
    be->opaque = NULL;
}

const AudioDriver audio_driver_wav = {
    .name = "wav",
    .description = "WAV renderer",
    .init = wav_init,
    .write = wav_write,
    .fini = wav_fini,
};
