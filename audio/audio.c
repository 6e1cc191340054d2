/*
 * The audio layer (include/audio/audio.h): the registry of backends by id,
 * -audiodev parsing as QEMU 7.2 takes it, voices, and the mixing engine
 * that clocks the backends with the virtual clock.
 *
 * Every timer-period the backend works out how many of its frames the
 * elapsed virtual time demands, asks each active voice for the input that
 * producing them takes (so a card is paced by guest time, never faster),
 * resamples each voice by linear interpolation to the backend's rate, applies
 * its volume, sums the voices, clips, and converts to the backend's format.
 * Inactive voices (and no voices at all) stop the clock: like QEMU, nothing
 * reaches the backend while no card plays. HMP's wavcapture taps the mixed
 * stream before the conversion, resampled to the capture's own rate.
 *
 * Left out: recording voices (in.* is parsed and checked, no card
 * records), mixing-engine=off and fixed-settings=off (rejected with a
 * message).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h> /* isfinite(), a macro */
#include <string.h>

#include "audio/audio.h"
#include "system/timer.h"
#include "util/error.h"
#include "util/keyval.h"

typedef struct AudioBackendPriv {
    GPtrArray *voices; /* AudioVoice *, not owned */
    Timer *timer;
    bool running;
    bool closed;          /* audio_cleanup() ran: the driver is gone */
    int64_t start_ns;     /* virtual time of frame 0 of this run */
    uint64_t frames_done; /* frames handed to the driver in this run */
    float *mix, *tmp;     /* stereo float frames */
    size_t mix_cap;
    void *out;
    size_t out_cap;
} AudioBackendPriv;

struct AudioVoice {
    AudioBackend *be;
    char *name;
    AudioSettings as;
    AudioVoiceCallback *cb;
    void *opaque;
    bool active;
    float gain[2];
    AudioResampler rs;
    float *buf; /* stereo float input frames not yet resampled */
    size_t buf_frames, buf_cap;
    size_t offer; /* bytes the voice may still write in this tick */
};

static GHashTable *audio_backends; /* id -> AudioBackend *, not owned */
static GPtrArray *audio_created;   /* AudioBackend * made here, owned */

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

/* ---- formats ------------------------------------------------------------ */

static const char *const audio_format_names[AUDIO_FORMAT_MAX] = {
    [AUDIO_FORMAT_U8] = "u8",   [AUDIO_FORMAT_S8] = "s8",
    [AUDIO_FORMAT_U16] = "u16", [AUDIO_FORMAT_S16] = "s16",
    [AUDIO_FORMAT_U32] = "u32", [AUDIO_FORMAT_S32] = "s32",
    [AUDIO_FORMAT_F32] = "f32",
};

bool audio_format_parse(const char *name, AudioFormat *fmt)
{
    for (int i = 0; i < AUDIO_FORMAT_MAX; i++) {
        if (!strcmp(name, audio_format_names[i])) {
            *fmt = i;
            return true;
        }
    }
    return false;
}

const char *audio_format_name(AudioFormat fmt)
{
    return fmt < AUDIO_FORMAT_MAX ? audio_format_names[fmt] : "?";
}

unsigned audio_format_bytes(AudioFormat fmt)
{
    switch (fmt) {
    case AUDIO_FORMAT_U8:
    case AUDIO_FORMAT_S8:
        return 1;
    case AUDIO_FORMAT_U16:
    case AUDIO_FORMAT_S16:
        return 2;
    default:
        return 4;
    }
}

static float audio_sample_to_float(const uint8_t *p, AudioFormat fmt)
{
    switch (fmt) {
    case AUDIO_FORMAT_U8:
        return ((int)p[0] - 128) / 128.0f;
    case AUDIO_FORMAT_S8:
        return (int8_t)p[0] / 128.0f;
    case AUDIO_FORMAT_U16:
        return ((int)(p[0] | p[1] << 8) - 32768) / 32768.0f;
    case AUDIO_FORMAT_S16:
        return (int16_t)(p[0] | p[1] << 8) / 32768.0f;
    case AUDIO_FORMAT_U32:
    case AUDIO_FORMAT_S32: {
        uint32_t u = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;

        if (fmt == AUDIO_FORMAT_U32) {
            u ^= 0x80000000u;
        }
        return (float)((int32_t)u / 2147483648.0);
    }
    case AUDIO_FORMAT_F32: {
        float f;

        memcpy(&f, p, 4);
        return isfinite(f) ? f : 0.0f;
    }
    default:
        return 0.0f;
    }
}

/* Rounds to nearest and clamps (no libm: halves go away from zero). */
static long audio_round_clamp(double x, long lo, long hi)
{
    if (!(x > lo)) { /* NaN too */
        return lo;
    }
    if (x > hi) {
        return hi;
    }
    return (long)(x >= 0 ? x + 0.5 : x - 0.5);
}

static void audio_sample_from_float(float f, AudioFormat fmt, uint8_t *p)
{
    long v;
    uint32_t u;

    switch (fmt) {
    case AUDIO_FORMAT_U8:
    case AUDIO_FORMAT_S8:
        v = audio_round_clamp(f * 128.0, -128, 127);
        p[0] = fmt == AUDIO_FORMAT_U8 ? v + 128 : (uint8_t)v;
        return;
    case AUDIO_FORMAT_U16:
    case AUDIO_FORMAT_S16:
        v = audio_round_clamp(f * 32768.0, -32768, 32767);
        u = fmt == AUDIO_FORMAT_U16 ? (uint32_t)(v + 32768) : (uint32_t)v;
        p[0] = u;
        p[1] = u >> 8;
        return;
    case AUDIO_FORMAT_U32:
    case AUDIO_FORMAT_S32:
        v = audio_round_clamp((double)f * 2147483648.0, -2147483648L,
                              2147483647L);
        u = (uint32_t)v;
        if (fmt == AUDIO_FORMAT_U32) {
            u ^= 0x80000000u;
        }
        p[0] = u;
        p[1] = u >> 8;
        p[2] = u >> 16;
        p[3] = u >> 24;
        return;
    case AUDIO_FORMAT_F32:
        memcpy(p, &f, 4);
        return;
    default:
        return;
    }
}

void audio_samples_to_float(const void *src, AudioFormat fmt, unsigned channels,
                            float *dst, size_t frames)
{
    const uint8_t *p = src;
    unsigned bytes = audio_format_bytes(fmt);

    for (size_t i = 0; i < frames; i++, p += bytes * channels) {
        float l = audio_sample_to_float(p, fmt);
        float r = channels > 1 ? audio_sample_to_float(p + bytes, fmt) : l;

        dst[2 * i] = l;
        dst[2 * i + 1] = r;
    }
}

void audio_samples_from_float(const float *src, AudioFormat fmt,
                              unsigned channels, void *dst, size_t frames)
{
    uint8_t *p = dst;
    unsigned bytes = audio_format_bytes(fmt);

    for (size_t i = 0; i < frames; i++) {
        float l = src[2 * i], r = src[2 * i + 1];

        if (channels == 1) {
            audio_sample_from_float((l + r) * 0.5f, fmt, p);
            p += bytes;
            continue;
        }
        audio_sample_from_float(l, fmt, p);
        audio_sample_from_float(r, fmt, p + bytes);
        p += 2 * bytes;
        for (unsigned c = 2; c < channels; c++, p += bytes) {
            audio_sample_from_float(0.0f, fmt, p);
        }
    }
}

/* ---- the resampler ------------------------------------------------------ */

#define AUDIO_ONE (1ull << 32)

void audio_resampler_init(AudioResampler *r, uint32_t in_freq,
                          uint32_t out_freq)
{
    memset(r, 0, sizeof(*r));
    r->step = ((uint64_t)in_freq << 32) / (out_freq ? out_freq : 1);
    if (!r->step) {
        r->step = 1;
    }
    /*
     * Output k lies between prev and cur; starting two frames back makes
     * the first output the first input, so equal rates copy exactly (with
     * one frame of look-ahead).
     */
    r->pos = 2 * AUDIO_ONE;
}

size_t audio_resampler_input_needed(const AudioResampler *r, size_t n)
{
    unsigned __int128 end;

    if (!n) {
        return 0;
    }
    end = (unsigned __int128)r->pos + (unsigned __int128)(n - 1) * r->step;
    return (size_t)(end >> 32);
}

size_t audio_resampler_run(AudioResampler *r, const float *in, size_t in_frames,
                           float *out, size_t n, size_t *consumed)
{
    size_t used = 0, k;

    for (k = 0; k < n; k++) {
        float frac;

        while (r->pos >= AUDIO_ONE) {
            if (used == in_frames) {
                goto done;
            }
            r->prev[0] = r->cur[0];
            r->prev[1] = r->cur[1];
            r->cur[0] = in[2 * used];
            r->cur[1] = in[2 * used + 1];
            used++;
            r->pos -= AUDIO_ONE;
        }
        frac = (float)(r->pos >> 8) / (float)(1u << 24);
        out[2 * k] = r->prev[0] + (r->cur[0] - r->prev[0]) * frac;
        out[2 * k + 1] = r->prev[1] + (r->cur[1] - r->prev[1]) * frac;
        r->pos += r->step;
    }
done:
    *consumed = used;
    return k;
}

/* ---- voices --------------------------------------------------------------
 */

static unsigned audio_voice_frame_bytes(const AudioVoice *v)
{
    return audio_format_bytes(v->as.fmt) * v->as.channels;
}

static void audio_backend_start(AudioBackend *be);

AudioVoice *audio_voice_open_out(AudioBackend *be, AudioVoice *old,
                                 const char *name, const AudioSettings *as,
                                 AudioVoiceCallback *cb, void *opaque)
{
    AudioVoice *v = old;

    if (!be || !as->freq || as->freq > AUDIO_MAX_FREQ || !as->channels ||
        as->channels > 2 || as->fmt >= AUDIO_FORMAT_MAX) {
        return NULL;
    }
    if (!v) {
        v = g_new0(AudioVoice, 1);
        v->be = be;
        v->gain[0] = v->gain[1] = 1.0f;
        g_ptr_array_add(be->priv->voices, v);
    }
    g_free(v->name);
    v->name = g_strdup(name);
    v->cb = cb;
    v->opaque = opaque;
    if (!old || memcmp(&v->as, as, sizeof(*as))) {
        v->as = *as;
        v->buf_frames = 0;
        audio_resampler_init(&v->rs, as->freq, be->out.freq);
    }
    return v;
}

void audio_voice_close(AudioVoice *v)
{
    if (!v) {
        return;
    }
    g_ptr_array_remove(v->be->priv->voices, v);
    g_free(v->name);
    g_free(v->buf);
    g_free(v);
}

void audio_voice_set_active(AudioVoice *v, bool on)
{
    if (!v) {
        return;
    }
    if (on && !v->active) {
        /* A voice starts again from silence, not from stale input. */
        v->buf_frames = 0;
        audio_resampler_init(&v->rs, v->as.freq, v->be->out.freq);
    }
    v->active = on;
    if (on) {
        audio_backend_start(v->be); /* also when already active: see there */
    }
}

bool audio_voice_is_active(AudioVoice *v)
{
    return v && v->active;
}

size_t audio_voice_write(AudioVoice *v, const void *buf, size_t len)
{
    unsigned fb;
    size_t frames;

    if (!v) {
        return 0;
    }
    fb = audio_voice_frame_bytes(v);
    frames = MIN(len, v->offer) / fb;
    if (!frames) {
        return 0;
    }
    if (v->buf_frames + frames > v->buf_cap) {
        v->buf_cap = v->buf_frames + frames;
        v->buf = g_renew(float, v->buf, 2 * v->buf_cap);
    }
    audio_samples_to_float(buf, v->as.fmt, v->as.channels,
                           v->buf + 2 * v->buf_frames, frames);
    v->buf_frames += frames;
    v->offer -= frames * fb;
    return frames * fb;
}

void audio_voice_set_volume(AudioVoice *v, bool mute, uint8_t left,
                            uint8_t right)
{
    if (!v) {
        return;
    }
    v->gain[0] = mute ? 0.0f : left / 255.0f;
    v->gain[1] = mute ? 0.0f : right / 255.0f;
}

/* ---- the backend's clock -------------------------------------------------
 */

/* At most a second of frames per tick: a longer stall is skipped. */
static size_t audio_backend_max_frames(AudioBackend *be)
{
    return be->out.freq;
}

static void audio_backend_reserve(AudioBackend *be, size_t n)
{
    AudioBackendPriv *p = be->priv;
    size_t out_bytes = n * be->out.channels * audio_format_bytes(be->out.fmt);

    if (n > p->mix_cap) {
        p->mix_cap = n;
        p->mix = g_renew(float, p->mix, 2 * n);
        p->tmp = g_renew(float, p->tmp, 2 * n);
    }
    if (out_bytes > p->out_cap) {
        p->out_cap = out_bytes;
        p->out = g_realloc(p->out, out_bytes);
    }
}

static void audio_voice_mix(AudioVoice *v, float *mix, float *tmp, size_t n)
{
    size_t want = audio_resampler_input_needed(&v->rs, n);
    size_t consumed, produced;

    if (want > v->buf_frames) {
        v->offer = (want - v->buf_frames) * audio_voice_frame_bytes(v);
        v->cb(v->opaque, (int)MIN(v->offer, (size_t)INT32_MAX));
        v->offer = 0;
    }
    /*
     * A card that stops the voice in its callback still plays what it
     * gave; a silent frame after it lets the look-ahead frame out.
     */
    if (!v->active) {
        if (v->buf_frames + 1 > v->buf_cap) {
            v->buf_cap = v->buf_frames + 1;
            v->buf = g_renew(float, v->buf, 2 * v->buf_cap);
        }
        v->buf[2 * v->buf_frames] = v->buf[2 * v->buf_frames + 1] = 0.0f;
        v->buf_frames++;
    }
    produced =
        audio_resampler_run(&v->rs, v->buf, v->buf_frames, tmp, n, &consumed);
    for (size_t i = 0; i < produced; i++) {
        mix[2 * i] += tmp[2 * i] * v->gain[0];
        mix[2 * i + 1] += tmp[2 * i + 1] * v->gain[1];
    }
    if (consumed) {
        memmove(v->buf, v->buf + 2 * consumed,
                (v->buf_frames - consumed) * 2 * sizeof(float));
        v->buf_frames -= consumed;
    }
}

/* ---- captures (HMP wavcapture) ------------------------------------------
 */

typedef struct AudioCapture {
    AudioBackend *be;
    WavWriter *wav;
    AudioResampler rs;
    float *frames;
    size_t frames_cap;
    void *buf; /* frames_cap frames in the file's format */
} AudioCapture;

static GPtrArray *audio_captures; /* AudioCapture *, newest first (QEMU) */

int audio_capture_start(AudioBackend *be, const char *path, uint32_t freq,
                        unsigned bits, unsigned channels, GError **errp)
{
    AudioSettings as = {.freq = freq, .channels = channels};
    AudioCapture *c;

    if (bits != 8 && bits != 16) {
        error_setg(errp, "incorrect bit count %u, must be 8 or 16", bits);
        return -1;
    }
    if (channels != 1 && channels != 2) {
        error_setg(errp, "incorrect channel count %u, must be 1 or 2",
                   channels);
        return -1;
    }
    if (!freq || freq > AUDIO_MAX_FREQ) {
        error_setg(errp, "incorrect frequency %u, must be 1 to %u", freq,
                   AUDIO_MAX_FREQ);
        return -1;
    }
    as.fmt = bits == 8 ? AUDIO_FORMAT_U8 : AUDIO_FORMAT_S16;
    c = g_new0(AudioCapture, 1);
    c->wav = wav_writer_open(path, &as, errp);
    if (!c->wav) {
        g_free(c);
        return -1;
    }
    c->be = be;
    audio_resampler_init(&c->rs, be->out.freq, freq);
    if (!audio_captures) {
        audio_captures = g_ptr_array_new();
    }
    g_ptr_array_insert(audio_captures, 0, c);
    return 0;
}

static void audio_capture_free(AudioCapture *c)
{
    wav_writer_close(c->wav);
    g_free(c->frames);
    g_free(c->buf);
    g_free(c);
}

bool audio_capture_stop(int index)
{
    if (!audio_captures || index < 0 || (guint)index >= audio_captures->len) {
        return false;
    }
    audio_capture_free(g_ptr_array_steal_index(audio_captures, index));
    return true;
}

void audio_capture_info(GString *out)
{
    for (guint i = 0; audio_captures && i < audio_captures->len; i++) {
        AudioCapture *c = g_ptr_array_index(audio_captures, i);
        const AudioSettings *as = wav_writer_settings(c->wav);

        g_string_append_printf(
            out, "[%u]: Capturing audio(%u,%u,%u) to %s: %" PRIu64 " bytes\n",
            i, as->freq, audio_format_bytes(as->fmt) * 8, as->channels,
            wav_writer_path(c->wav), wav_writer_bytes(c->wav));
    }
}

/* n mixed stereo float frames of be, resampled into each of its captures. */
static void audio_capture_feed(AudioBackend *be, const float *mix, size_t n)
{
    for (guint i = 0; audio_captures && i < audio_captures->len; i++) {
        AudioCapture *c = g_ptr_array_index(audio_captures, i);
        const AudioSettings *as = wav_writer_settings(c->wav);
        size_t max = (size_t)((uint64_t)n * as->freq / be->out.freq) + 4;
        size_t got, used;

        if (c->be != be) {
            continue;
        }
        if (max > c->frames_cap) {
            c->frames_cap = max;
            c->frames = g_renew(float, c->frames, 2 * max);
            g_free(c->buf);
            c->buf = g_malloc(max * as->channels * audio_format_bytes(as->fmt));
        }
        got = audio_resampler_run(&c->rs, mix, n, c->frames, max, &used);
        audio_samples_from_float(c->frames, as->fmt, as->channels, c->buf, got);
        wav_writer_write(c->wav, c->buf, got);
    }
}

static void audio_backend_tick(void *opaque)
{
    AudioBackend *be = opaque;
    AudioBackendPriv *p = be->priv;
    int64_t now = vm_clock_get_ns(VM_CLOCK_VIRTUAL);
    uint64_t target, n;
    bool any = false;

    for (unsigned i = 0; i < p->voices->len; i++) {
        any |= ((AudioVoice *)g_ptr_array_index(p->voices, i))->active;
    }
    if (!any) {
        p->running = false; /* the last voice stopped since the last tick */
        return;
    }
    target = now < p->start_ns
                 ? 0
                 : (uint64_t)((unsigned __int128)(now - p->start_ns) *
                              be->out.freq / NANOSECONDS_PER_SECOND);
    n = target - p->frames_done;
    if (target < p->frames_done || n > audio_backend_max_frames(be)) {
        /*
         * The clock jumped (a loaded machine's) or stalled for over a
         * second: start counting afresh rather than make up for it.
         */
        p->start_ns = now;
        p->frames_done = 0;
        n = 0;
    }
    if (n) {
        audio_backend_reserve(be, n);
        memset(p->mix, 0, n * 2 * sizeof(float));
        for (unsigned i = 0; i < p->voices->len; i++) {
            AudioVoice *v = g_ptr_array_index(p->voices, i);

            if (v->active) {
                audio_voice_mix(v, p->mix, p->tmp, n);
            }
        }
        for (size_t i = 0; i < 2 * n; i++) {
            p->mix[i] = p->mix[i] > 1.0f    ? 1.0f
                        : p->mix[i] < -1.0f ? -1.0f
                                            : p->mix[i];
        }
        audio_capture_feed(be, p->mix, n);
        audio_samples_from_float(p->mix, be->out.fmt, be->out.channels, p->out,
                                 n);
        be->drv->write(be, p->out, n);
        p->frames_done += n;
    }
    timer_mod_ns(p->timer, now + (int64_t)be->timer_period_us * 1000);
}

static void audio_backend_start(AudioBackend *be)
{
    AudioBackendPriv *p = be->priv;

    int64_t now = vm_clock_get_ns(VM_CLOCK_VIRTUAL);
    int64_t period = (int64_t)be->timer_period_us * 1000;

    if (p->closed) {
        return;
    }
    /*
     * Running, unless the clock went back (a loaded machine's) and left
     * the timer far ahead: a card re-activating its voice restarts it.
     */
    if (p->running && timer_expire_time_ns(p->timer) <= now + period) {
        return;
    }
    p->running = true;
    p->start_ns = now;
    p->frames_done = 0;
    timer_mod_ns(p->timer, now + period);
}

/* ---- -audiodev ------------------------------------------------------------
 */

static const AudioDriver *const audio_drivers[] = {
    &audio_driver_none,
    &audio_driver_wav,
};

static const AudioDriver *audio_driver_find(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(audio_drivers); i++) {
        if (!strcmp(audio_drivers[i]->name, name)) {
            return audio_drivers[i];
        }
    }
    return NULL;
}

void audiodev_print_drivers(FILE *out)
{
    fprintf(out, "Available audio drivers:\n");
    for (size_t i = 0; i < G_N_ELEMENTS(audio_drivers); i++) {
        fprintf(out, "%s\n", audio_drivers[i]->name);
    }
}

static bool audiodev_get_u32(KeyValList *kv, const char *key, uint32_t def,
                             uint32_t min, uint32_t max, uint32_t *out,
                             GError **errp)
{
    const char *v = keyval_get(kv, key);
    uint64_t n;
    char *end;

    if (!v) {
        *out = def;
        return true;
    }
    errno = 0;
    n = g_ascii_strtoull(v, &end, 0);
    if (!*v || *end || errno || v[0] == '-' || n > UINT32_MAX) {
        return error_setg(errp, "Parameter '%s' expects uint32_t", key);
    }
    if (n < min || n > max) {
        return error_setg(errp,
                          "Parameter '%s' expects a value from %u to %u, "
                          "not %s",
                          key, min, max, v);
    }
    *out = n;
    return true;
}

/* in.* or out.*: AudiodevPerDirectionOptions. */
static bool audiodev_parse_direction(KeyValList *kv, const char *dir,
                                     AudioSettings *as, GError **errp)
{
    g_autofree char *k_freq = g_strdup_printf("%s.frequency", dir);
    g_autofree char *k_chan = g_strdup_printf("%s.channels", dir);
    g_autofree char *k_fmt = g_strdup_printf("%s.format", dir);
    g_autofree char *k_voices = g_strdup_printf("%s.voices", dir);
    g_autofree char *k_buflen = g_strdup_printf("%s.buffer-length", dir);
    g_autofree char *k_mix = g_strdup_printf("%s.mixing-engine", dir);
    g_autofree char *k_fixed = g_strdup_printf("%s.fixed-settings", dir);
    const char *fmt = keyval_get(kv, k_fmt);
    uint32_t dummy;
    bool on;

    if (!audiodev_get_u32(kv, k_freq, 44100, 1, AUDIO_MAX_FREQ, &as->freq,
                          errp) ||
        !audiodev_get_u32(kv, k_chan, 2, 1, AUDIO_MAX_CHANNELS, &as->channels,
                          errp) ||
        !audiodev_get_u32(kv, k_voices, 1, 1, 256, &dummy, errp) ||
        !audiodev_get_u32(kv, k_buflen, 0, 0, UINT32_MAX, &dummy, errp)) {
        return false;
    }
    as->fmt = AUDIO_FORMAT_S16;
    if (fmt && !audio_format_parse(fmt, &as->fmt)) {
        return error_setg(errp, "Parameter '%s' does not accept value '%s'",
                          k_fmt, fmt);
    }
    if (!keyval_get_bool(kv, k_mix, true, &on, errp)) {
        return false;
    }
    if (!on) {
        return error_setg(errp, "%s=off is not supported by pcvm", k_mix);
    }
    if (!keyval_get_bool(kv, k_fixed, true, &on, errp)) {
        return false;
    }
    if (!on) {
        return error_setg(errp, "%s=off is not supported by pcvm", k_fixed);
    }
    return true;
}

/* Parses optstr into be (fields only: nothing opened). */
static bool audiodev_parse(const char *optstr, AudioBackend *be, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse(optstr, "driver", errp);
    const char *driver, *id;

    if (!kv) {
        return false;
    }
    driver = keyval_get(kv, "driver");
    if (!driver) {
        return error_setg(errp, "Parameter 'driver' is missing");
    }
    be->drv = audio_driver_find(driver);
    if (!be->drv) {
        return error_setg(errp, "Parameter 'driver' does not accept value '%s'",
                          driver);
    }
    be->driver = be->drv->name;
    id = keyval_get(kv, "id");
    if (!id) {
        return error_setg(errp, "Parameter 'id' is missing");
    }
    if (!*id || !(g_ascii_isalpha(id[0])) ||
        strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789-._") != strlen(id)) {
        return error_setg(errp, "Parameter 'id' expects an identifier");
    }
    be->id = g_strdup(id);
    if (!audiodev_get_u32(kv, "timer-period", AUDIO_DEFAULT_TIMER_PERIOD_US, 1,
                          1000000, &be->timer_period_us, errp) ||
        !audiodev_parse_direction(kv, "out", &be->out, errp) ||
        !audiodev_parse_direction(kv, "in", &be->in, errp)) {
        return false;
    }
    if (be->drv == &audio_driver_wav) {
        const char *path = keyval_get(kv, "path");

        be->path = g_strdup(path ? path : "qemu.wav");
    }
    return keyval_check_unused(kv, errp);
}

static void audio_backend_free(AudioBackend *be)
{
    if (be->priv) {
        g_ptr_array_unref(be->priv->voices);
        if (be->priv->timer) {
            timer_free(be->priv->timer);
        }
        g_free(be->priv->mix);
        g_free(be->priv->tmp);
        g_free(be->priv->out);
        g_free(be->priv);
    }
    g_free(be->id);
    g_free(be->path);
    g_free(be);
}

bool audiodev_options_check(const char *optstr, char **id_out, GError **errp)
{
    AudioBackend *be = g_new0(AudioBackend, 1);
    bool ok = audiodev_parse(optstr, be, errp);

    if (ok && id_out) {
        *id_out = g_strdup(be->id);
    }
    audio_backend_free(be);
    return ok;
}

static AudioBackend *audio_backend_open(AudioBackend *be, GError **errp)
{
    be->priv = g_new0(AudioBackendPriv, 1);
    be->priv->voices = g_ptr_array_new();
    if (!be->drv->init(be, errp)) {
        audio_backend_free(be);
        return NULL;
    }
    be->priv->timer = timer_new_ns(VM_CLOCK_VIRTUAL, audio_backend_tick, be);
    if (!audio_created) {
        audio_created = g_ptr_array_new();
        atexit(audio_cleanup); /* exit() paths too: wav headers get patched */
    }
    g_ptr_array_add(audio_created, be);
    audio_backend_register(be);
    return be;
}

AudioBackend *audiodev_create(const char *optstr, GError **errp)
{
    AudioBackend *be = g_new0(AudioBackend, 1);

    if (!audiodev_parse(optstr, be, errp)) {
        audio_backend_free(be);
        return NULL;
    }
    if (audio_backend_find(be->id)) {
        error_setg(errp, "Duplicate ID '%s' for audiodev", be->id);
        audio_backend_free(be);
        return NULL;
    }
    return audio_backend_open(be, errp);
}

AudioBackend *audio_backend_default(void)
{
    static AudioBackend *def;

    if (!def) {
        def = audiodev_create("none,id=__pcvm_default_audiodev", NULL);
    }
    return def;
}

void audio_cleanup(void)
{
    if (!audio_created) {
        return;
    }
    while (audio_captures && audio_captures->len) {
        audio_capture_stop(0);
    }
    /* The backends stay allocated: cards still hold voices on them. */
    for (unsigned i = 0; i < audio_created->len; i++) {
        AudioBackend *be = g_ptr_array_index(audio_created, i);
        AudioBackendPriv *p = be->priv;

        if (p->closed) {
            continue;
        }
        p->closed = true;
        p->running = false;
        timer_del(p->timer);
        if (be->drv->fini) {
            be->drv->fini(be);
        }
    }
}
