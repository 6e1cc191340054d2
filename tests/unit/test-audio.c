/*
 * The audio layer without a card: -audiodev parsing and its one-line
 * errors, sample conversions, the linear resampler, and whole backends
 * clocked by a manual virtual clock: a voice paced by elapsed time, mixing
 * with clipping, volume and mute, and the wav file's header and data.
 */
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "audio/audio.h"
#include "system/timer.h"

static void test_parse_errors(void)
{
    static const struct {
        const char *opts, *error;
    } cases[] = {
        {"wav,id=a,out.format=foo",
         "Parameter 'out.format' does not accept value 'foo'"},
        {"wav,id=a,out.frequency=0",
         "Parameter 'out.frequency' expects a value from 1 to 384000, not 0"},
        {"wav,id=a,out.frequency=-5",
         "Parameter 'out.frequency' expects uint32_t"},
        {"none,id=a,out.channels=9",
         "Parameter 'out.channels' expects a value from 1 to 8, not 9"},
        {"none", "Parameter 'id' is missing"},
        {"oss,id=a", "Parameter 'driver' does not accept value 'oss'"},
        {"none,id=a,path=x.wav", "Invalid parameter 'path'"},
        {"none,id=a,timer-period=x",
         "Parameter 'timer-period' expects uint32_t"},
        {"none,id=a,out.fixed-settings=maybe",
         "Parameter 'out.fixed-settings' expects 'on' or 'off'"},
        {"none,id=1a", "Parameter 'id' expects an identifier"},
    };
    g_autofree char *id = NULL;

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        GError *err = NULL;

        g_assert_false(audiodev_options_check(cases[i].opts, NULL, &err));
        g_assert_nonnull(err);
        g_assert_cmpstr(err->message, ==, cases[i].error);
        g_error_free(err);
    }
    g_assert_true(audiodev_options_check(
        "wav,id=snd,path=a.wav,out.frequency=48000,out.channels=1,"
        "out.format=f32,timer-period=5000,in.frequency=8000",
        &id, NULL));
    g_assert_cmpstr(id, ==, "snd");
}

static void test_conversions(void)
{
    static const int16_t s16[4] = {-32768, -1, 0, 32767};
    static const uint8_t u8[2] = {0x00, 0xff};
    float f[8];
    int16_t back[4];
    uint8_t u8back[2];

    audio_samples_to_float(s16, AUDIO_FORMAT_S16, 2, f, 2);
    g_assert_cmpfloat(f[0], ==, -1.0f);
    g_assert_cmpfloat(f[3], ==, 32767 / 32768.0f);
    audio_samples_from_float(f, AUDIO_FORMAT_S16, 2, back, 2);
    g_assert_cmpmem(back, sizeof(back), s16, sizeof(s16));
    /* Mono becomes both channels; u8 is offset binary. */
    audio_samples_to_float(u8, AUDIO_FORMAT_U8, 1, f, 2);
    g_assert_cmpfloat(f[0], ==, -1.0f);
    g_assert_cmpfloat(f[1], ==, -1.0f);
    g_assert_cmpfloat(f[2], ==, 127 / 128.0f);
    audio_samples_from_float(f, AUDIO_FORMAT_U8, 1, u8back, 2);
    g_assert_cmpmem(u8back, 2, u8, 2);
    /* Out of range floats clip. */
    f[0] = 3.0f;
    f[1] = -3.0f;
    audio_samples_from_float(f, AUDIO_FORMAT_S16, 2, back, 1);
    g_assert_cmpint(back[0], ==, 32767);
    g_assert_cmpint(back[1], ==, -32768);
}

static void test_resampler(void)
{
    AudioResampler r;
    float in[2 * 100], out[2 * 200];
    size_t consumed, got;

    for (int i = 0; i < 100; i++) {
        in[2 * i] = i / 100.0f;
        in[2 * i + 1] = -i / 100.0f;
    }
    /* Equal rates copy exactly, one input per output (one ahead). */
    audio_resampler_init(&r, 44100, 44100);
    g_assert_cmpuint(audio_resampler_input_needed(&r, 50), ==, 51);
    got = audio_resampler_run(&r, in, 100, out, 50, &consumed);
    g_assert_cmpuint(got, ==, 50);
    g_assert_cmpuint(consumed, ==, 51);
    g_assert_cmpmem(out, 50 * 2 * sizeof(float), in, 50 * 2 * sizeof(float));
    /* Upsampling by 2 interpolates the midpoints. */
    audio_resampler_init(&r, 1000, 2000);
    g_assert_cmpuint(audio_resampler_input_needed(&r, 10), ==, 6);
    got = audio_resampler_run(&r, in, 5, out, 10, &consumed);
    g_assert_cmpuint(got, ==, 8); /* the 9th would need input 5 */
    g_assert_cmpuint(consumed, ==, 5);
    g_assert_cmpfloat_with_epsilon(out[2], 0.005f, 1e-6);
    g_assert_cmpfloat_with_epsilon(out[4], 0.01f, 1e-6);
    g_assert_cmpfloat_with_epsilon(out[2 * 7 + 1], -0.035f, 1e-6);
    /* Downsampling by 2 takes every other input. */
    audio_resampler_init(&r, 2000, 1000);
    g_assert_cmpuint(audio_resampler_input_needed(&r, 10), ==, 20);
    got = audio_resampler_run(&r, in, 20, out, 10, &consumed);
    g_assert_cmpuint(got, ==, 10);
    g_assert_cmpfloat_with_epsilon(out[2 * 9], 0.18f, 1e-6);
}

/* A test card: a constant sample per channel, counts what it was asked. */
typedef struct ToyCard {
    AudioVoice *voice;
    int16_t left, right;
    size_t asked, written;
    bool starve;
} ToyCard;

static void toy_callback(void *opaque, int free)
{
    ToyCard *c = opaque;
    int16_t buf[2 * 256];

    c->asked += free;
    if (c->starve) {
        return;
    }
    while (free >= 4) {
        size_t frames = MIN((size_t)free / 4, 256), n;

        for (size_t i = 0; i < frames; i++) {
            buf[2 * i] = c->left;
            buf[2 * i + 1] = c->right;
        }
        n = audio_voice_write(c->voice, buf, frames * 4);
        g_assert_cmpuint(n, ==, frames * 4);
        c->written += n;
        free -= n;
    }
    /* More than offered is refused. */
    g_assert_cmpuint(audio_voice_write(c->voice, buf, 4), ==, 0);
}

/* Reads a wav file's header fields and data. */
typedef struct WavFile {
    uint16_t tag, channels, bits;
    uint32_t rate, riff_len, data_len;
    uint8_t *data;
} WavFile;

static uint32_t le32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wav_read(const char *path, WavFile *w)
{
    g_autofree uint8_t *buf = NULL;
    gsize len;
    size_t off = 12;

    g_assert_true(g_file_get_contents(path, (char **)&buf, &len, NULL));
    g_assert_cmpuint(len, >=, 44);
    g_assert_cmpmem(buf, 4, "RIFF", 4);
    g_assert_cmpmem(buf + 8, 4, "WAVE", 4);
    w->riff_len = le32(buf + 4);
    g_assert_cmpuint(w->riff_len, ==, len - 8);
    while (off + 8 <= len) {
        uint32_t clen = le32(buf + off + 4);

        if (!memcmp(buf + off, "fmt ", 4)) {
            w->tag = buf[off + 8] | buf[off + 9] << 8;
            w->channels = buf[off + 10] | buf[off + 11] << 8;
            w->rate = le32(buf + off + 12);
            w->bits = buf[off + 22] | buf[off + 23] << 8;
        } else if (!memcmp(buf + off, "data", 4)) {
            w->data_len = clen;
            g_assert_cmpuint(off + 8 + clen, ==, len);
            w->data = g_memdup2(buf + off + 8, clen);
            return;
        }
        off += 8 + clen;
    }
    g_assert_not_reached();
}

static void test_wav_backend(void)
{
    g_autofree char *dir = g_dir_make_tmp("test-audio-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "out.wav", NULL);
    g_autofree char *opts =
        g_strdup_printf("wav,id=wav0,path=%s,out.frequency=48000", path);
    AudioSettings as = {.freq = 48000, .channels = 2, .fmt = AUDIO_FORMAT_S16};
    ToyCard a = {.left = 20000, .right = -1000};
    ToyCard b = {.left = 20000, .right = 1000};
    AudioBackend *be;
    WavFile w = {0};
    int16_t *s;

    vm_clock_virtual_set_manual(0);
    be = audiodev_create(opts, NULL);
    g_assert_nonnull(be);
    g_assert_true(audio_backend_find("wav0") == be);
    a.voice = audio_voice_open_out(be, NULL, "a", &as, toy_callback, &a);
    b.voice = audio_voice_open_out(be, NULL, "b", &as, toy_callback, &b);
    g_assert_nonnull(a.voice);
    audio_voice_set_active(a.voice, true);
    /* 100 ms of virtual time: 4800 frames, asked for no more. */
    for (int t = 1; t <= 10; t++) {
        vm_clock_virtual_step_to(t * 10000000LL);
    }
    g_assert_cmpuint(a.asked, >=, 4800 * 4);
    g_assert_cmpuint(a.asked, <=, 4801 * 4);
    /* Two voices: the left channel clips, the right one cancels. */
    audio_voice_set_active(b.voice, true);
    for (int t = 11; t <= 20; t++) {
        vm_clock_virtual_step_to(t * 10000000LL);
    }
    /* Half volume, and b muted. */
    audio_voice_set_volume(a.voice, false, 127, 127);
    audio_voice_set_volume(b.voice, true, 255, 255);
    for (int t = 21; t <= 30; t++) {
        vm_clock_virtual_step_to(t * 10000000LL);
    }
    /* A starving voice plays silence but is still asked. */
    audio_voice_set_volume(a.voice, false, 255, 255);
    audio_voice_set_active(b.voice, false);
    a.starve = true;
    for (int t = 31; t <= 35; t++) {
        vm_clock_virtual_step_to(t * 10000000LL);
    }
    /* No active voice: the clock stops, nothing more is written. */
    audio_voice_set_active(a.voice, false);
    for (int t = 36; t <= 40; t++) {
        vm_clock_virtual_step_to(t * 10000000LL);
    }
    audio_cleanup();

    wav_read(path, &w);
    g_assert_cmpuint(w.tag, ==, 1);
    g_assert_cmpuint(w.channels, ==, 2);
    g_assert_cmpuint(w.rate, ==, 48000);
    g_assert_cmpuint(w.bits, ==, 16);
    /* 350 ms of a voice playing; the stop at 350 ms makes no more. */
    g_assert_cmpuint(w.data_len, ==, 4800 * 35 / 10 * 4);
    s = (int16_t *)w.data;
    g_assert_cmpint(s[2 * 100], ==, 20000);
    g_assert_cmpint(s[2 * 100 + 1], ==, -1000);
    g_assert_cmpint(s[2 * 5000], ==, 32767);
    g_assert_cmpint(s[2 * 5000 + 1], ==, 0);
    g_assert_cmpint(s[2 * 10000], ==, (int)(20000 * 127 / 255.0 + 0.5));
    g_assert_cmpint(s[2 * 15000], ==, 0);
    g_free(w.data);
    audio_voice_close(a.voice);
    audio_voice_close(b.voice);
    unlink(path);
    rmdir(dir);
}

/* f32 files are WAVE_FORMAT_IEEE_FLOAT with a fact chunk; s8 becomes u8. */
static void test_wav_formats(void)
{
    g_autofree char *dir = g_dir_make_tmp("test-audio-XXXXXX", NULL);
    g_autofree char *f32 = g_build_filename(dir, "f32.wav", NULL);
    g_autofree char *s8 = g_build_filename(dir, "s8.wav", NULL);
    g_autofree char *o1 = g_strdup_printf(
        "wav,id=wavf,path=%s,out.format=f32,out.channels=1", f32);
    g_autofree char *o2 =
        g_strdup_printf("wav,id=wavs,path=%s,out.format=s8", s8);
    AudioSettings as = {.freq = 44100, .channels = 2, .fmt = AUDIO_FORMAT_S16};
    ToyCard a = {.left = 16384, .right = 16384};
    ToyCard b = {.left = -16384, .right = 16384};
    AudioBackend *bf, *bs;
    WavFile w = {0};
    float v;

    vm_clock_virtual_set_manual(0);
    bf = audiodev_create(o1, NULL);
    bs = audiodev_create(o2, NULL);
    g_assert_nonnull(bf);
    g_assert_nonnull(bs);
    a.voice = audio_voice_open_out(bf, NULL, "a", &as, toy_callback, &a);
    b.voice = audio_voice_open_out(bs, NULL, "b", &as, toy_callback, &b);
    audio_voice_set_active(a.voice, true);
    audio_voice_set_active(b.voice, true);
    vm_clock_virtual_step_to(10 * 1000000LL);
    audio_cleanup();
    wav_read(f32, &w);
    g_assert_cmpuint(w.tag, ==, 3);
    g_assert_cmpuint(w.bits, ==, 32);
    g_assert_cmpuint(w.channels, ==, 1);
    g_assert_cmpuint(w.data_len, ==, 441 * 4);
    memcpy(&v, w.data + 4 * 100, 4);
    g_assert_cmpfloat(v, ==, 0.5f);
    g_free(w.data);
    wav_read(s8, &w);
    g_assert_cmpuint(w.tag, ==, 1);
    g_assert_cmpuint(w.bits, ==, 8);
    g_assert_cmpuint(w.data[2 * 100], ==, 128 - 64);
    g_assert_cmpuint(w.data[2 * 100 + 1], ==, 128 + 64);
    g_free(w.data);
    audio_voice_close(a.voice);
    audio_voice_close(b.voice);
    unlink(f32);
    unlink(s8);
    rmdir(dir);
}

/* A clock that jumps (a loaded machine's) neither bursts nor stalls. */
static void test_clock_jump(void)
{
    AudioSettings as = {.freq = 48000, .channels = 2, .fmt = AUDIO_FORMAT_S16};
    ToyCard a = {.left = 1, .right = 1};
    AudioBackend *be;
    size_t before;

    vm_clock_virtual_set_manual(0);
    be = audiodev_create("none,id=jump0,out.frequency=48000", NULL);
    g_assert_nonnull(be);
    a.voice = audio_voice_open_out(be, NULL, "a", &as, toy_callback, &a);
    audio_voice_set_active(a.voice, true);
    vm_clock_virtual_step_to(100 * 1000000LL);
    /* Forward by an hour: one tick makes nothing, then 10 ms a tick. */
    vm_clock_virtual_set(3600 * NANOSECONDS_PER_SECOND);
    before = a.asked;
    vm_clock_virtual_step_to(3600 * NANOSECONDS_PER_SECOND + 100 * 1000000LL);
    g_assert_cmpuint(a.asked - before, <=, 4801 * 4);
    g_assert_cmpuint(a.asked - before, >=, 4000 * 4);
    /*
     * Backwards: the timer is an hour ahead; the card re-activating its
     * voice after the load brings it back.
     */
    vm_clock_virtual_set(50 * 1000000LL);
    audio_voice_set_active(a.voice, true);
    before = a.asked;
    vm_clock_virtual_step_to(150 * 1000000LL);
    g_assert_cmpuint(a.asked - before, <=, 4801 * 4);
    g_assert_cmpuint(a.asked - before, >=, 4000 * 4);
    audio_voice_close(a.voice);
}

/* 1 kHz at 44.1 kHz through a 48 kHz backend keeps its frequency. */
typedef struct ToneCard {
    AudioVoice *voice;
    uint64_t n;
} ToneCard;

static void tone_callback(void *opaque, int free)
{
    ToneCard *c = opaque;
    int16_t buf[2];

    while (free >= 4) {
        buf[0] = buf[1] =
            (int16_t)(16000 * sin(2 * M_PI * 1000 * c->n / 44100.0));
        c->n++;
        free -= audio_voice_write(c->voice, buf, 4);
    }
}

static void test_resampled_tone(void)
{
    g_autofree char *dir = g_dir_make_tmp("test-audio-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "tone.wav", NULL);
    g_autofree char *opts = g_strdup_printf(
        "wav,id=wav1,path=%s,out.frequency=48000,out.channels=1", path);
    AudioSettings as = {.freq = 44100, .channels = 2, .fmt = AUDIO_FORMAT_S16};
    ToneCard c = {0};
    AudioBackend *be;
    WavFile w = {0};
    int16_t *s;
    unsigned crossings = 0, frames;

    vm_clock_virtual_set_manual(0);
    be = audiodev_create(opts, NULL);
    c.voice = audio_voice_open_out(be, NULL, "tone", &as, tone_callback, &c);
    audio_voice_set_active(c.voice, true);
    for (int t = 1; t <= 100; t++) {
        vm_clock_virtual_step_to(t * 10000000LL);
    }
    audio_cleanup();
    /* One second of virtual time took one second of the card's samples. */
    g_assert_cmpuint(c.n, >=, 44099);
    g_assert_cmpuint(c.n, <=, 44101);
    wav_read(path, &w);
    g_assert_cmpuint(w.channels, ==, 1);
    frames = w.data_len / 2;
    g_assert_cmpuint(frames, ==, 48000);
    s = (int16_t *)w.data;
    for (unsigned i = 1; i < frames; i++) {
        crossings += (s[i - 1] < 0) != (s[i] < 0);
    }
    /* 1000 Hz: 2000 sign changes a second, give or take the edges. */
    g_assert_cmpuint(crossings, >=, 1998);
    g_assert_cmpuint(crossings, <=, 2001);
    g_free(w.data);
    audio_voice_close(c.voice);
    unlink(path);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/audio/parse-errors", test_parse_errors);
    g_test_add_func("/audio/conversions", test_conversions);
    g_test_add_func("/audio/resampler", test_resampler);
    g_test_add_func("/audio/wav-backend", test_wav_backend);
    g_test_add_func("/audio/resampled-tone", test_resampled_tone);
    g_test_add_func("/audio/wav-formats", test_wav_formats);
    g_test_add_func("/audio/clock-jump", test_clock_jump);
    return g_test_run();
}
