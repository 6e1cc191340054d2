/*
 * The Sound Blaster 16 driven as a driver drives it: the DSP reset
 * handshake and version, the mixer's IRQ/DMA readback and interrupt
 * status, and playback through the 8237 into a wav backend: a 16-bit
 * stereo sine at 44.1 kHz (bit-exact in the file; at 48 kHz resampled, its
 * frequency measured by zero crossings within 0.5%), an IRQ per half
 * buffer counted through the IOAPIC intercept, 8-bit mono auto-init and
 * single cycle, the direct DAC, pause and resume, -audio, saving and
 * loading mid-playback, HMP's wavcapture. Then what QEMU's fuzzers
 * and CVE reports found against its SB16 (fuzz-sb16-test: rate 0 with
 * 0x1C, 0x91 and 0xD4; 0x14 with huge sizes; DMA settings pointing
 * nowhere) and a deterministic storm of port writes: the VMM must stay up
 * and the DSP answer.
 */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "libqtest.h"

#define SB 0x220
#define SB_MIXER_ADDR (SB + 0x4)
#define SB_MIXER_DATA (SB + 0x5)
#define SB_DSP_RESET (SB + 0x6)
#define SB_DSP_READ (SB + 0xa)
#define SB_DSP_WRITE (SB + 0xc)
#define SB_DSP_STATUS (SB + 0xe)
#define SB_DSP_ACK16 (SB + 0xf)
#define SB_IRQ 5 /* GSI 5 at the IOAPIC */

#define FRAMES_PER_BLOCK 1024 /* the DMA buffer holds two blocks */
#define BUF_FRAMES (2 * FRAMES_PER_BLOCK)
#define DMA16_BUF 0x20000 /* 128 KiB aligned: one 16-bit DMA page */
#define DMA8_BUF 0x40000

#define MS 1000000LL

/* ---- the DSP, mixer and 8237 as a driver uses them ---------------------- */

static void dsp_write(QTestState *s, uint8_t v)
{
    int tries = 0;

    while (qtest_inb(s, SB_DSP_WRITE) & 0x80) {
        g_assert_cmpint(++tries, <, 100);
    }
    qtest_outb(s, SB_DSP_WRITE, v);
}

static uint8_t dsp_read(QTestState *s)
{
    int tries = 0;

    while (!(qtest_inb(s, SB_DSP_STATUS) & 0x80)) {
        g_assert_cmpint(++tries, <, 100);
    }
    return qtest_inb(s, SB_DSP_READ);
}

static void dsp_reset(QTestState *s)
{
    qtest_outb(s, SB_DSP_RESET, 1);
    qtest_outb(s, SB_DSP_RESET, 0);
    g_assert_cmphex(dsp_read(s), ==, 0xaa);
}

static void mixer_write(QTestState *s, uint8_t reg, uint8_t v)
{
    qtest_outb(s, SB_MIXER_ADDR, reg);
    qtest_outb(s, SB_MIXER_DATA, v);
}

static uint8_t mixer_read(QTestState *s, uint8_t reg)
{
    qtest_outb(s, SB_MIXER_ADDR, reg);
    return qtest_inb(s, SB_MIXER_DATA);
}

/* Full volume: master and voice at 0 dB, so samples pass unchanged. */
static void mixer_full_volume(QTestState *s)
{
    mixer_write(s, 0x22, 0xff);
    mixer_write(s, 0x04, 0xff);
}

/*
 * Channel 1 (bytes) or 5 (words), auto-initialised, memory to device,
 * over len bytes at addr; unmasked at the end, as drivers do.
 */
static void dma_program(QTestState *s, int chan, uint32_t addr, uint32_t len,
                        bool autoinit)
{
    bool word = chan >= 4;
    int c = chan & 3;
    uint16_t base = word ? 0xc0 : 0x00;
    unsigned shift = word ? 1 : 0;
    uint16_t mask_port = base + (0x0a << shift);
    uint16_t mode_port = base + (0x0b << shift);
    uint16_t ff_port = base + (0x0c << shift);
    uint16_t addr_port = base + ((2 * c) << shift);
    uint16_t count_port = base + ((2 * c + 1) << shift);
    static const uint16_t page_lo[4] = {0x87, 0x83, 0x81, 0x82};
    static const uint16_t page_hi[4] = {0x8f, 0x8b, 0x89, 0x8a};
    uint32_t a = addr >> shift, n = (len >> shift) - 1;

    qtest_outb(s, mask_port, 0x04 | c);
    qtest_outb(s, ff_port, 0);
    qtest_outb(s, mode_port, 0x48 | (autoinit ? 0x10 : 0) | c);
    qtest_outb(s, addr_port, a & 0xff);
    qtest_outb(s, addr_port, (a >> 8) & 0xff);
    qtest_outb(s, count_port, n & 0xff);
    qtest_outb(s, count_port, (n >> 8) & 0xff);
    qtest_outb(s, word ? page_hi[c] : page_lo[c], addr >> 16);
    qtest_outb(s, mask_port, c);
}

static uint16_t dma_count(QTestState *s, int chan)
{
    bool word = chan >= 4;
    uint16_t base = word ? 0xc0 : 0x00;
    unsigned shift = word ? 1 : 0;
    uint16_t port = base + ((2 * (chan & 3) + 1) << shift);
    uint16_t lo;

    qtest_outb(s, base + (0x0c << shift), 0);
    lo = qtest_inb(s, port);
    return lo | qtest_inb(s, port) << 8;
}

/*
 * Steps the clock ms milliseconds, 1 ms at a time (a block lasts far
 * longer), acknowledging each IRQ as an ISR would; returns how many came.
 */
static int run_counting_irqs(QTestState *s, int ms, bool sixteen)
{
    int irqs = 0;

    for (int i = 0; i < ms; i++) {
        qtest_clock_step(s, MS);
        if (qtest_get_irq(s, SB_IRQ)) {
            uint8_t status = mixer_read(s, 0x82);

            g_assert_cmphex(status & 0x03, ==, sixteen ? 0x02 : 0x01);
            qtest_inb(s, sixteen ? SB_DSP_ACK16 : SB_DSP_STATUS);
            g_assert_false(qtest_get_irq(s, SB_IRQ));
            irqs++;
        }
    }
    return irqs;
}

/* ---- the wav file ------------------------------------------------------- */

typedef struct Wav {
    uint16_t channels, bits;
    uint32_t rate;
    uint8_t *data;
    uint32_t len;
} Wav;

static uint32_t le32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wav_load(const char *path, Wav *w)
{
    g_autofree uint8_t *buf = NULL;
    gsize len;
    size_t off = 12;

    g_assert_true(g_file_get_contents(path, (char **)&buf, &len, NULL));
    g_assert_cmpuint(len, >=, 44);
    g_assert_cmpmem(buf, 4, "RIFF", 4);
    g_assert_cmpmem(buf + 8, 4, "WAVE", 4);
    g_assert_cmpuint(le32(buf + 4), ==, len - 8); /* patched at exit */
    while (off + 8 <= len) {
        uint32_t clen = le32(buf + off + 4);

        if (!memcmp(buf + off, "fmt ", 4)) {
            g_assert_cmpuint(buf[off + 8], ==, 1); /* PCM */
            w->channels = buf[off + 10];
            w->rate = le32(buf + off + 12);
            w->bits = buf[off + 22];
        } else if (!memcmp(buf + off, "data", 4)) {
            g_assert_cmpuint(off + 8 + clen, ==, len);
            w->len = clen;
            w->data = g_memdup2(buf + off + 8, clen);
            return;
        }
        off += 8 + clen;
    }
    g_assert_not_reached();
}

static int16_t wav_s16(const Wav *w, size_t frame, int ch)
{
    const uint8_t *p = w->data + (frame * w->channels + ch) * 2;

    return (int16_t)(p[0] | p[1] << 8);
}

/* Sign changes of channel ch, from frame `from` on, and over how many. */
static double wav_tone_hz(const Wav *w, int ch, size_t from, size_t to)
{
    unsigned crossings = 0;
    size_t first = 0, last = 0;

    for (size_t i = from + 1; i < to; i++) {
        if ((wav_s16(w, i - 1, ch) < 0) != (wav_s16(w, i, ch) < 0)) {
            if (!crossings) {
                first = i;
            }
            last = i;
            crossings++;
        }
    }
    g_assert_cmpuint(crossings, >, 10);
    /* Between the first and last crossing lie crossings - 1 half periods. */
    return (crossings - 1) / 2.0 / ((double)(last - first) / w->rate);
}

/* What only pcvm does (QEMU's card has no busy bit, no SB Pro registers). */
static bool binary_is_pcvm(void)
{
    g_autofree char *base = g_path_get_basename(qtest_binary());

    return g_str_has_prefix(base, "pcvm");
}

typedef struct Rig {
    QTestState *s;
    char *dir, *wav;
} Rig;

static void rig_finish(Rig *r, Wav *w);

/*
 * pcvm with a wav backend; false (the test skipped) when the VMM has no
 * virtual clock control and the test needs it.
 */
static bool rig_start(Rig *r, const char *audiodev_extra, const char *dev_extra,
                      bool needs_clock)
{
    r->dir = g_dir_make_tmp("sb16-test-XXXXXX", NULL);
    r->wav = g_build_filename(r->dir, "out.wav", NULL);
    r->s = qtest_initf("-audiodev wav,id=snd0,path=%s%s "
                       "-device sb16,audiodev=snd0%s",
                       r->wav, audiodev_extra, dev_extra);
    if (needs_clock && !qtest_has_accel_qtest(r->s)) {
        rig_finish(r, NULL);
        g_test_skip("no virtual clock control");
        return false;
    }
    qtest_irq_intercept_in(r->s, "ioapic");
    return true;
}

static void rig_finish(Rig *r, Wav *w)
{
    qtest_quit(r->s);
    if (w) {
        wav_load(r->wav, w);
    }
    g_unlink(r->wav);
    g_rmdir(r->dir);
    g_free(r->wav);
    g_free(r->dir);
}

/* ---- DSP and mixer registers -------------------------------------------- */

static void test_dsp_reset_version(void)
{
    Rig r;
    char text[64];

    rig_start(&r, "", "", false);
    /* No data before a reset; the handshake puts 0xAA there. */
    g_assert_cmphex(qtest_inb(r.s, SB_DSP_STATUS) & 0x80, ==, 0);
    dsp_reset(r.s);
    g_assert_cmphex(qtest_inb(r.s, SB_DSP_STATUS) & 0x80, ==, 0);
    /* pcvm's write buffer reads busy right after a byte, then ready. */
    qtest_outb(r.s, SB_DSP_WRITE, 0xe1);
    if (binary_is_pcvm()) {
        g_assert_cmphex(qtest_inb(r.s, SB_DSP_WRITE) & 0x80, ==, 0x80);
    }
    g_assert_cmphex(qtest_inb(r.s, SB_DSP_WRITE) & 0x80, ==, 0);
    g_assert_cmphex(dsp_read(r.s), ==, 4);
    g_assert_cmphex(dsp_read(r.s), ==, 5);
    dsp_write(r.s, 0xe0); /* identification: the complement */
    dsp_write(r.s, 0x5a);
    g_assert_cmphex(dsp_read(r.s), ==, 0xa5);
    dsp_write(r.s, 0xe4); /* test register */
    dsp_write(r.s, 0x3c);
    dsp_write(r.s, 0xe8);
    g_assert_cmphex(dsp_read(r.s), ==, 0x3c);
    if (binary_is_pcvm()) { /* QEMU does not answer 0xD8 */
        dsp_write(r.s, 0xd1);
        dsp_write(r.s, 0xd8);
        g_assert_cmphex(dsp_read(r.s), ==, 0xff);
        dsp_write(r.s, 0xd3);
        dsp_write(r.s, 0xd8);
        g_assert_cmphex(dsp_read(r.s), ==, 0x00);
    }
    dsp_write(r.s, 0xe3);
    for (size_t i = 0; i < sizeof(text); i++) {
        text[i] = dsp_read(r.s);
        if (!text[i]) {
            break;
        }
    }
    g_assert_true(g_str_has_prefix(text, "COPYRIGHT (C) CREATIVE"));
    /* An unknown command is ignored: the next one still works. */
    dsp_write(r.s, 0x03);
    dsp_write(r.s, 0xe1);
    g_assert_cmphex(dsp_read(r.s), ==, 4);
    g_assert_cmphex(dsp_read(r.s), ==, 5);
    /* A reset empties the output and says 0xAA again. */
    dsp_write(r.s, 0xe1);
    dsp_reset(r.s);
    g_assert_cmphex(qtest_inb(r.s, SB_DSP_STATUS) & 0x80, ==, 0);
    rig_finish(&r, NULL);
}

static void test_mixer(void)
{
    Rig r;

    rig_start(&r, "", ",irq=7,dma=3,dma16=6", false);
    g_assert_cmphex(mixer_read(r.s, 0x80), ==, 0x04);
    g_assert_cmphex(mixer_read(r.s, 0x81), ==, 0x48);
    rig_finish(&r, NULL);

    rig_start(&r, "", "", false);
    g_assert_cmphex(mixer_read(r.s, 0x80), ==, 0x02);
    g_assert_cmphex(mixer_read(r.s, 0x81), ==, 0x22);
    /* The reset levels, and the SB Pro registers over the SB16 ones. */
    mixer_write(r.s, 0x00, 0);
    if (!binary_is_pcvm()) {
        rig_finish(&r, NULL);
        return;
    }
    g_assert_cmphex(mixer_read(r.s, 0x30), ==, 0xc0);
    g_assert_cmphex(mixer_read(r.s, 0x33), ==, 0xc0);
    mixer_write(r.s, 0x22, 0xf7);
    g_assert_cmphex(mixer_read(r.s, 0x30), ==, 0xf8);
    g_assert_cmphex(mixer_read(r.s, 0x31), ==, 0x78);
    g_assert_cmphex(mixer_read(r.s, 0x22), ==, 0xf7);
    mixer_write(r.s, 0x32, 0xa8);
    g_assert_cmphex(mixer_read(r.s, 0x32), ==, 0xa8);
    /* DMA select is fixed by the card's properties. */
    mixer_write(r.s, 0x81, 0x01);
    g_assert_cmphex(mixer_read(r.s, 0x81), ==, 0x22);
    /* Interrupt status: 8-bit acked at 0x22E, 16-bit at 0x22F. */
    dsp_reset(r.s);
    g_assert_cmphex(mixer_read(r.s, 0x82) & 0x07, ==, 0);
    dsp_write(r.s, 0xf2);
    g_assert_cmphex(mixer_read(r.s, 0x82) & 0x07, ==, 0x01);
    g_assert_true(qtest_get_irq(r.s, SB_IRQ));
    dsp_write(r.s, 0xf3);
    g_assert_cmphex(mixer_read(r.s, 0x82) & 0x07, ==, 0x03);
    qtest_inb(r.s, SB_DSP_STATUS);
    g_assert_cmphex(mixer_read(r.s, 0x82) & 0x07, ==, 0x02);
    g_assert_true(qtest_get_irq(r.s, SB_IRQ));
    qtest_inb(r.s, SB_DSP_ACK16);
    g_assert_cmphex(mixer_read(r.s, 0x82) & 0x07, ==, 0);
    g_assert_false(qtest_get_irq(r.s, SB_IRQ));
    /* IRQ select moves the line: now IRQ 10. */
    mixer_write(r.s, 0x80, 0x08);
    g_assert_cmphex(mixer_read(r.s, 0x80), ==, 0x08);
    dsp_write(r.s, 0xf2);
    g_assert_true(qtest_get_irq(r.s, 10));
    g_assert_false(qtest_get_irq(r.s, SB_IRQ));
    qtest_inb(r.s, SB_DSP_STATUS);
    g_assert_false(qtest_get_irq(r.s, 10));
    rig_finish(&r, NULL);
}

/* ---- playback ----------------------------------------------------------- */

/* Cycles per buffer: 32 and 64 periods, so the loop is seamless. */
#define TONE_L_CYCLES 32
#define TONE_R_CYCLES 64

static int16_t tone(int cycles, int frame)
{
    return (int16_t)lrint(20000 * sin(2 * M_PI * cycles * frame / BUF_FRAMES));
}

static void tone16_write(QTestState *s)
{
    int16_t buf[2 * BUF_FRAMES];

    for (int i = 0; i < BUF_FRAMES; i++) {
        buf[2 * i] = tone(TONE_L_CYCLES, i);
        buf[2 * i + 1] = tone(TONE_R_CYCLES, i);
    }
    qtest_memwrite(s, DMA16_BUF, buf, sizeof(buf));
}

/* 16-bit signed stereo at 44100 Hz, auto-init, IRQ every half buffer. */
static void start_tone16(QTestState *s)
{
    uint16_t words = FRAMES_PER_BLOCK * 2 - 1;

    tone16_write(s);
    dsp_reset(s);
    mixer_full_volume(s);
    dsp_write(s, 0x41);
    dsp_write(s, 44100 >> 8);
    dsp_write(s, 44100 & 0xff);
    dsp_write(s, 0xd1);
    dma_program(s, 5, DMA16_BUF, BUF_FRAMES * 4, true);
    dsp_write(s, 0xb6);
    dsp_write(s, 0x30); /* signed, stereo */
    dsp_write(s, words & 0xff);
    dsp_write(s, words >> 8);
}

static bool play_tone16(unsigned out_freq, Wav *w, int *irqs_out)
{
    g_autofree char *extra = g_strdup_printf(",out.frequency=%u", out_freq);
    Rig r;
    int irqs, after;

    if (!rig_start(&r, extra, "", true)) {
        return false;
    }
    start_tone16(r.s);
    irqs = run_counting_irqs(r.s, 1000, true);
    /* Exit auto-init: the current block is the last; then silence. */
    dsp_write(r.s, 0xd9);
    after = run_counting_irqs(r.s, 100, true);
    g_assert_cmpint(after, ==, 1);
    g_assert_cmpint(run_counting_irqs(r.s, 100, true), ==, 0);
    *irqs_out = irqs;
    rig_finish(&r, w);
    return true;
}

static void test_play_16bit_44100(void)
{
    Wav w = {0};
    int irqs;
    size_t frames;

    if (!play_tone16(44100, &w, &irqs)) {
        return;
    }
    /* 1 s at 1024 frames a block: 43.07 blocks, one IRQ each. */
    g_assert_cmpint(irqs, >=, 42);
    g_assert_cmpint(irqs, <=, 44);
    g_assert_cmpuint(w.channels, ==, 2);
    g_assert_cmpuint(w.bits, ==, 16);
    g_assert_cmpuint(w.rate, ==, 44100);
    frames = w.len / 4;
    /* All the blocks played, no more (the last block ends the stream). */
    g_assert_cmpuint(frames, >=, (size_t)(irqs + 1) * FRAMES_PER_BLOCK);
    g_assert_cmpuint(frames, <=, (size_t)(irqs + 1) * FRAMES_PER_BLOCK + 441);
    /* Equal rates at full volume: the guest's samples, bit for bit. */
    for (size_t i = 0; i < (size_t)(irqs + 1) * FRAMES_PER_BLOCK; i++) {
        g_assert_cmpint(wav_s16(&w, i, 0), ==,
                        tone(TONE_L_CYCLES, i % BUF_FRAMES));
        g_assert_cmpint(wav_s16(&w, i, 1), ==,
                        tone(TONE_R_CYCLES, i % BUF_FRAMES));
    }
    g_free(w.data);
}

static void test_play_16bit_resampled(void)
{
    Wav w = {0};
    int irqs;
    double want_l = TONE_L_CYCLES * 44100.0 / BUF_FRAMES; /* 689.06 Hz */
    double want_r = TONE_R_CYCLES * 44100.0 / BUF_FRAMES; /* 1378.13 Hz */
    double got_l, got_r;
    size_t frames;

    if (!play_tone16(48000, &w, &irqs)) {
        return;
    }
    /* The card keeps its own pace whatever the backend's rate. */
    g_assert_cmpint(irqs, >=, 42);
    g_assert_cmpint(irqs, <=, 44);
    g_assert_cmpuint(w.rate, ==, 48000);
    frames = w.len / 4;
    g_assert_cmpuint(frames, >=, 47000);
    got_l = wav_tone_hz(&w, 0, 0, frames - 1000);
    got_r = wav_tone_hz(&w, 1, 0, frames - 1000);
    g_assert_cmpfloat(fabs(got_l - want_l), <, want_l * 0.005);
    g_assert_cmpfloat(fabs(got_r - want_r), <, want_r * 0.005);
    g_free(w.data);
}

/* 8-bit unsigned mono, 22050 Hz by 0x41, Cx auto-init; a 1 kHz-ish tone. */
static void test_play_8bit_mono(void)
{
    uint8_t buf[2 * 4096];
    uint16_t len = 4096 - 1;
    Rig r;
    Wav w = {0};
    int irqs;
    double want = 20 * 22050.0 / sizeof(buf), got;

    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = 128 + lrint(100 * sin(2 * M_PI * 20 * i / sizeof(buf)));
    }
    if (!rig_start(&r, ",out.frequency=44100,out.channels=1", "", true)) {
        return;
    }
    qtest_memwrite(r.s, DMA8_BUF, buf, sizeof(buf));
    dsp_reset(r.s);
    mixer_full_volume(r.s);
    dsp_write(r.s, 0x41);
    dsp_write(r.s, 22050 >> 8);
    dsp_write(r.s, 22050 & 0xff);
    dma_program(r.s, 1, DMA8_BUF, sizeof(buf), true);
    dsp_write(r.s, 0xc6);
    dsp_write(r.s, 0x00); /* unsigned, mono */
    dsp_write(r.s, len & 0xff);
    dsp_write(r.s, len >> 8);
    irqs = run_counting_irqs(r.s, 1000, false);
    /* 22050 bytes a second, 4096 a block: 5.38. */
    g_assert_cmpint(irqs, >=, 5);
    g_assert_cmpint(irqs, <=, 6);
    rig_finish(&r, &w);
    g_assert_cmpuint(w.channels, ==, 1);
    got = wav_tone_hz(&w, 0, 0, w.len / 2);
    g_assert_cmpfloat(fabs(got - want), <, want * 0.005);
    /* Full scale 8-bit +-100 is +-25600 at 16 bits. */
    g_assert_cmpint(wav_s16(&w, 1000, 0), >=, -25700);
    g_assert_cmpint(wav_s16(&w, 1000, 0), <=, 25700);
    g_free(w.data);
}

/* 0x14: one block of the given length, one IRQ, then the DSP is idle. */
static void test_play_8bit_single_cycle(void)
{
    uint8_t buf[2048];
    uint16_t len = sizeof(buf) - 1;
    Rig r;
    Wav w = {0};

    memset(buf, 0xc0, sizeof(buf)); /* +0.5 of full scale */
    if (!rig_start(&r, ",out.frequency=22222,out.channels=1", "", true)) {
        return;
    }
    qtest_memwrite(r.s, DMA8_BUF, buf, sizeof(buf));
    dsp_reset(r.s);
    mixer_full_volume(r.s);
    dsp_write(r.s, 0x40);
    dsp_write(r.s, 211); /* 1000000 / (256 - 211) = 22222 Hz */
    dma_program(r.s, 1, DMA8_BUF, sizeof(buf), false);
    dsp_write(r.s, 0x14);
    dsp_write(r.s, len & 0xff);
    dsp_write(r.s, len >> 8);
    /* 2048 bytes at 22222 Hz take 92 ms. */
    g_assert_cmpint(run_counting_irqs(r.s, 80, false), ==, 0);
    g_assert_cmpint(run_counting_irqs(r.s, 30, false), ==, 1);
    g_assert_cmpint(run_counting_irqs(r.s, 200, false), ==, 0);
    /* The 8237 reached terminal count and masked the channel. */
    g_assert_cmphex(qtest_inb(r.s, 0x08) & 0x02, ==, 0x02);
    rig_finish(&r, &w);
    g_assert_cmpuint(w.len / 2, >=, sizeof(buf));
    g_assert_cmpint(wav_s16(&w, 0, 0), ==, 16384);
    g_assert_cmpint(wav_s16(&w, sizeof(buf) - 1, 0), ==, 16384);
    g_free(w.data);
}

/* 0x10: the DAC holds each level written until the next. */
static void test_direct_dac(void)
{
    Rig r;
    Wav w = {0};

    if (!rig_start(&r, ",out.frequency=22050,out.channels=1", "", true)) {
        return;
    }
    dsp_reset(r.s);
    mixer_full_volume(r.s);
    dsp_write(r.s, 0x10);
    dsp_write(r.s, 0x40);
    qtest_clock_step(r.s, 20 * MS);
    dsp_write(r.s, 0x10);
    dsp_write(r.s, 0xc0);
    qtest_clock_step(r.s, 20 * MS);
    rig_finish(&r, &w);
    g_assert_cmpuint(w.len / 2, >=, 800); /* 40 ms */
    g_assert_cmpint(wav_s16(&w, 200, 0), ==, -16384);
    g_assert_cmpint(wav_s16(&w, 441 + 200, 0), ==, 16384);
    g_free(w.data);
}

/*
 * SB Pro stereo: mixer register 0x0E bit 1 makes 0x1C stereo, and the
 * time constant counts both channels (43478 Hz: 21739 frames a second).
 */
static void test_sbpro_stereo(void)
{
    uint8_t buf[8192];
    uint16_t len = sizeof(buf) / 2 - 1;
    Rig r;
    Wav w = {0};
    int irqs;

    for (size_t i = 0; i < sizeof(buf); i += 2) {
        buf[i] = 0xc0;     /* left: +0.5 */
        buf[i + 1] = 0x40; /* right: -0.5 */
    }
    if (!rig_start(&r, ",out.frequency=44100", "", true)) {
        return;
    }
    qtest_memwrite(r.s, DMA8_BUF, buf, sizeof(buf));
    dsp_reset(r.s);
    mixer_full_volume(r.s);
    mixer_write(r.s, 0x0e, 0x02);
    dsp_write(r.s, 0x40);
    dsp_write(r.s, 233);
    dsp_write(r.s, 0x48);
    dsp_write(r.s, len & 0xff);
    dsp_write(r.s, len >> 8);
    dma_program(r.s, 1, DMA8_BUF, sizeof(buf), true);
    dsp_write(r.s, 0x1c);
    irqs = run_counting_irqs(r.s, 1000, false);
    /* 4096 bytes a block: 2048 frames, 10.6 blocks a second. */
    g_assert_cmpint(irqs, >=, 10);
    g_assert_cmpint(irqs, <=, 11);
    rig_finish(&r, &w);
    g_assert_cmpuint(w.channels, ==, 2);
    g_assert_cmpint(wav_s16(&w, 1000, 0), ==, 16384);
    g_assert_cmpint(wav_s16(&w, 1000, 1), ==, -16384);
    g_free(w.data);
}

/* A 64-byte DMA buffer wraps 28 times a tick and still keeps pace. */
static void test_tiny_buffer(void)
{
    int16_t buf[32];
    Rig r;
    Wav w = {0};
    size_t frames;

    for (int i = 0; i < 32; i++) {
        buf[i] = (i + 1) * 100;
    }
    if (!rig_start(&r, ",out.frequency=44100", "", true)) {
        return;
    }
    qtest_memwrite(r.s, DMA16_BUF, buf, sizeof(buf));
    dsp_reset(r.s);
    mixer_full_volume(r.s);
    dsp_write(r.s, 0x41);
    dsp_write(r.s, 44100 >> 8);
    dsp_write(r.s, 44100 & 0xff);
    dma_program(r.s, 5, DMA16_BUF, sizeof(buf), true);
    dsp_write(r.s, 0xb6);
    dsp_write(r.s, 0x30);
    dsp_write(r.s, 15); /* 16 words: half the buffer */
    dsp_write(r.s, 0);
    qtest_clock_step(r.s, 100 * MS);
    rig_finish(&r, &w);
    frames = w.len / 4;
    g_assert_cmpuint(frames, >=, 4400);
    g_assert_cmpuint(frames, <=, 4420);
    for (size_t i = 0; i < frames - 1; i++) {
        g_assert_cmpint(wav_s16(&w, i, 0), ==, buf[2 * (i % 16)]);
        g_assert_cmpint(wav_s16(&w, i, 1), ==, buf[2 * (i % 16) + 1]);
    }
    g_free(w.data);
}

/* 0x80: an IRQ once the silent block's time has passed. */
static void test_silence_block(void)
{
    Rig r;

    if (!rig_start(&r, "", "", true)) {
        return;
    }
    dsp_reset(r.s);
    dsp_write(r.s, 0x40);
    dsp_write(r.s, 156); /* 1000000 / (256 - 156) = 10000 Hz */
    dsp_write(r.s, 0x80);
    dsp_write(r.s, 999 & 0xff); /* 1000 samples: 100 ms */
    dsp_write(r.s, 999 >> 8);
    g_assert_cmpint(run_counting_irqs(r.s, 99, false), ==, 0);
    g_assert_cmpint(run_counting_irqs(r.s, 2, false), ==, 1);
    g_assert_cmpint(run_counting_irqs(r.s, 200, false), ==, 0);
    rig_finish(&r, NULL);
}

/*
 * 0x90: 8-bit high-speed auto-init over 0x48's block; the DSP then takes
 * no command (0xE1 answers nothing) until a reset, which ends the transfer.
 */
static void test_highspeed(void)
{
    uint8_t buf[4096];
    uint16_t len = sizeof(buf) / 2 - 1;
    Rig r;

    memset(buf, 0x80, sizeof(buf));
    if (!rig_start(&r, "", "", true)) {
        return;
    }
    qtest_memwrite(r.s, DMA8_BUF, buf, sizeof(buf));
    dsp_reset(r.s);
    dsp_write(r.s, 0x40);
    dsp_write(r.s, 233); /* 43478 Hz */
    dsp_write(r.s, 0x48);
    dsp_write(r.s, len & 0xff);
    dsp_write(r.s, len >> 8);
    dma_program(r.s, 1, DMA8_BUF, sizeof(buf), true);
    dsp_write(r.s, 0x90);
    /* 2048 bytes a block at 43478 Hz: 21.2 blocks a second. */
    g_assert_cmpint(run_counting_irqs(r.s, 500, false), >=, 9);
    dsp_write(r.s, 0xe1);
    g_assert_cmphex(qtest_inb(r.s, SB_DSP_STATUS) & 0x80, ==, 0);
    dsp_reset(r.s);
    g_assert_cmpint(run_counting_irqs(r.s, 200, false), ==, 0);
    dsp_write(r.s, 0xe1);
    g_assert_cmphex(dsp_read(r.s), ==, 4);
    rig_finish(&r, NULL);
}

/* Pause: no IRQs, no DMA progress, no output; resume: all again. */
static void test_pause_resume(void)
{
    Rig r;
    g_autofree char *extra = g_strdup_printf(",out.frequency=44100");
    uint16_t count;
    GStatBuf st;
    goffset size;

    if (!rig_start(&r, extra, "", true)) {
        return;
    }
    start_tone16(r.s);
    g_assert_cmpint(run_counting_irqs(r.s, 100, true), >=, 3);
    dsp_write(r.s, 0xd5);
    qtest_clock_step(r.s, 20 * MS);
    count = dma_count(r.s, 5);
    g_assert_cmpint(g_stat(r.wav, &st), ==, 0);
    size = st.st_size;
    g_assert_cmpint(run_counting_irqs(r.s, 300, true), ==, 0);
    g_assert_cmphex(dma_count(r.s, 5), ==, count);
    g_assert_cmpint(g_stat(r.wav, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, size);
    dsp_write(r.s, 0xd6);
    g_assert_cmpint(run_counting_irqs(r.s, 100, true), >=, 3);
    g_assert_cmphex(dma_count(r.s, 5), !=, count);
    g_assert_cmpint(g_stat(r.wav, &st), ==, 0);
    g_assert_cmpint(st.st_size, >, size + 4 * 4000);
    /* 8-bit pause and continue act on the running transfer too. */
    dsp_write(r.s, 0xd0);
    g_assert_cmpint(run_counting_irqs(r.s, 100, true), ==, 0);
    dsp_write(r.s, 0xd4);
    g_assert_cmpint(run_counting_irqs(r.s, 100, true), >=, 3);
    rig_finish(&r, NULL);
}

/* HMP's wavcapture: what the backend plays, at the capture's own format. */
static void test_wavcapture(void)
{
    Rig r;
    g_autofree char *cap1 = NULL, *cap2 = NULL, *out = NULL, *want = NULL;
    Wav w1 = {0}, w2 = {0};
    double hz, want_hz = TONE_L_CYCLES * 44100.0 / BUF_FRAMES;

    if (!rig_start(&r, "", "", true)) {
        return;
    }
    cap1 = g_build_filename(r.dir, "cap1.wav", NULL);
    cap2 = g_build_filename(r.dir, "cap2.wav", NULL);
    start_tone16(r.s);
    out = qtest_hmp(r.s, "wavcapture %s snd0 22050 16 2", cap1);
    g_assert_cmpstr(out, ==, "");
    g_free(out);
    out = qtest_hmp(r.s, "wavcapture %s snd0 8000 8 1", cap2);
    g_assert_cmpstr(out, ==, "");
    g_free(out);
    out = qtest_hmp(r.s, "wavcapture %s nosuch", cap2);
    g_assert_nonnull(strstr(out, "Audiodev 'nosuch' not found"));
    g_free(out);
    out = qtest_hmp(r.s, "wavcapture %s snd0 44100 24", cap2);
    g_assert_nonnull(strstr(out, "incorrect bit count 24, must be 8 or 16"));
    g_free(out);
    g_assert_cmpint(run_counting_irqs(r.s, 500, true), >=, 20);
    /* The newest capture is [0], as in QEMU. */
    out = qtest_hmp(r.s, "info capture");
    want = g_strdup_printf("[0]: Capturing audio(8000,8,1) to %s: ", cap2);
    g_assert_nonnull(strstr(out, want));
    g_free(want);
    want = g_strdup_printf("[1]: Capturing audio(22050,16,2) to %s: ", cap1);
    g_assert_nonnull(strstr(out, want));
    g_free(out);
    out = qtest_hmp(r.s, "stopcapture 0");
    g_free(out);
    out = qtest_hmp(r.s, "stopcapture 0");
    g_free(out);
    out = qtest_hmp(r.s, "info capture");
    g_assert_cmpstr(out, ==, "");
    wav_load(cap1, &w1);
    wav_load(cap2, &w2);
    unlink(cap1);
    unlink(cap2);
    rig_finish(&r, NULL);
    g_assert_cmpuint(w1.rate, ==, 22050);
    g_assert_cmpuint(w1.channels, ==, 2);
    g_assert_cmpuint(w1.len / 4, >=, 22050 / 2 - 500);
    hz = wav_tone_hz(&w1, 0, 0, w1.len / 4);
    g_assert_cmpfloat(fabs(hz - want_hz), <, want_hz * 0.005);
    g_assert_cmpuint(w2.rate, ==, 8000);
    g_assert_cmpuint(w2.bits, ==, 8);
    g_assert_cmpuint(w2.channels, ==, 1);
    g_assert_cmpuint(w2.len, >=, 8000 / 2 - 200);
    g_free(w1.data);
    g_free(w2.data);
}

/* ---- saving and loading ------------------------------------------------ */

static char *qmp_error(JsonObject *resp)
{
    char *msg = NULL;

    if (json_object_has_member(resp, "error")) {
        msg = g_strdup(json_object_get_string_member(
            json_object_get_object_member(resp, "error"), "desc"));
    } else {
        g_assert_true(json_object_has_member(resp, "return"));
    }
    json_object_unref(resp);
    return msg;
}

static char *devices_save(QTestState *s, const char *path)
{
    return qmp_error(qtest_qmp(s,
                               "{'execute': 'x-save-devices', "
                               "'arguments': {'filename': '%s'}}",
                               path));
}

static char *devices_load(QTestState *s, const char *path)
{
    return qmp_error(qtest_qmp(s,
                               "{'execute': 'x-load-devices', "
                               "'arguments': {'filename': '%s'}}",
                               path));
}

/*
 * A card saved mid-playback (pcvm's x-save-devices) goes on playing in a
 * second pcvm that loads it: the mixer, the DSP's pending output, the DMA
 * position and the transfer itself, with no DSP command after the load.
 */
static void test_save_load(void)
{
    g_autofree char *dir = NULL, *idle = NULL, *busy = NULL;
    char *err;
    Rig r1, r2;
    Wav w = {0};
    uint16_t count;
    int offset, irqs;

    if (!binary_is_pcvm()) {
        g_test_skip("x-save-devices is pcvm's own");
        return;
    }
    if (!rig_start(&r1, "", "", true)) {
        return;
    }
    dir = g_dir_make_tmp("sb16-state-XXXXXX", NULL);
    idle = g_build_filename(dir, "idle.bin", NULL);
    busy = g_build_filename(dir, "busy.bin", NULL);
    /* An idle card saves and loads too. */
    err = devices_save(r1.s, idle);
    g_assert_cmpstr(err, ==, NULL);
    err = devices_load(r1.s, idle);
    g_assert_cmpstr(err, ==, NULL);
    start_tone16(r1.s);
    g_assert_cmpint(run_counting_irqs(r1.s, 100, true), >=, 3);
    mixer_write(r1.s, 0x3c, 0x12);
    dsp_write(r1.s, 0xe1); /* its answer waits in the FIFO */
    count = dma_count(r1.s, 5);
    err = devices_save(r1.s, busy);
    g_assert_cmpstr(err, ==, NULL);
    rig_finish(&r1, NULL);

    g_assert_true(rig_start(&r2, "", "", true));
    tone16_write(r2.s); /* guest RAM is not in the device stream */
    err = devices_load(r2.s, busy);
    g_assert_cmpstr(err, ==, NULL);
    g_assert_cmphex(mixer_read(r2.s, 0x3c), ==, 0x12);
    g_assert_cmphex(mixer_read(r2.s, 0x30), ==, 0xf8);
    g_assert_cmphex(dsp_read(r2.s), ==, 4);
    g_assert_cmphex(dsp_read(r2.s), ==, 5);
    g_assert_cmphex(dma_count(r2.s, 5), ==, count);
    /* 200 ms: 8.6 blocks, neither lost nor made up for the load. */
    irqs = run_counting_irqs(r2.s, 200, true);
    g_assert_cmpint(irqs, >=, 7);
    g_assert_cmpint(irqs, <=, 10);
    rig_finish(&r2, &w);
    /* The tone goes on at the frame the 8237 had reached. */
    g_assert_cmpuint(w.len / 4, >=, 8000);
    offset = (BUF_FRAMES * 2 - (count + 1)) / 2;
    for (int i = 0; i < 8000; i++) {
        g_assert_cmpint(wav_s16(&w, i, 0), ==,
                        tone(TONE_L_CYCLES, (offset + i) % BUF_FRAMES));
        g_assert_cmpint(wav_s16(&w, i, 1), ==,
                        tone(TONE_R_CYCLES, (offset + i) % BUF_FRAMES));
    }
    g_free(w.data);
    unlink(idle);
    unlink(busy);
    g_rmdir(dir);
}

/* ---- what fuzzers found ------------------------------------------------- */

/* After abuse: the VMM answers, and the DSP's reset handshake works. */
static void clock_step_if_any(QTestState *s, int64_t ns)
{
    if (qtest_has_accel_qtest(s)) {
        qtest_clock_step(s, ns);
    }
}

static void assert_dsp_alive(QTestState *s)
{
    clock_step_if_any(s, 100 * MS);
    dsp_reset(s);
    dsp_write(s, 0xe1);
    g_assert_cmphex(dsp_read(s), ==, 4);
    g_assert_cmphex(dsp_read(s), ==, 5);
}

/*
 * QEMU fuzz-sb16-test: rate 0 then 0x1C, 0x91 and 0xD4 once reached an
 * assertion in QEMU's audio layer (Launchpad #1910603); word writes to
 * 0x22C land as two bytes (0x22D is nothing).
 */
static void test_fuzz_rate_zero(void)
{
    QTestState *s;

    s = qtest_init("-device sb16,audiodev=snd0 -audiodev none,id=snd0");
    qtest_outw(s, SB_DSP_WRITE, 0x41);
    qtest_outb(s, SB_DSP_WRITE, 0x00);
    qtest_outw(s, SB_DSP_WRITE, 0x1004);
    qtest_outw(s, SB_DSP_WRITE, 0x001c);
    assert_dsp_alive(s);
    qtest_quit(s);

    s = qtest_init("-device sb16,audiodev=snd0 -audiodev none,id=snd0");
    qtest_outw(s, SB_DSP_WRITE, 0xf141);
    qtest_outb(s, SB_DSP_WRITE, 0x00);
    qtest_outb(s, SB_DSP_WRITE, 0x24);
    qtest_outb(s, SB_DSP_WRITE, 0x91);
    assert_dsp_alive(s);
    qtest_quit(s);

    s = qtest_init("-device sb16,audiodev=snd0 -audiodev none,id=snd0");
    qtest_outb(s, SB_DSP_WRITE, 0x41);
    qtest_outb(s, SB_DSP_WRITE, 0x00);
    qtest_outb(s, SB_DSP_WRITE, 0x14);
    qtest_outb(s, SB_DSP_WRITE, 0xd4);
    assert_dsp_alive(s);
    qtest_quit(s);
}

/*
 * 0x14 and 0xB0/0xC0 with the largest sizes over an 8237 programmed for
 * one byte, for nothing, or pointing past the end of RAM (-m 8M: page
 * 0xFF is 16 MiB up): the card reads only what the channel allows.
 */
static void test_fuzz_huge_sizes(void)
{
    QTestState *s = qtest_init("-m 8M -device sb16,audiodev=snd0 "
                               "-audiodev none,id=snd0");

    dsp_reset(s);
    dma_program(s, 1, 0xff0000 + 0xffff, 1, false);
    dsp_write(s, 0x14);
    dsp_write(s, 0xff);
    dsp_write(s, 0xff);
    clock_step_if_any(s, 500 * MS);
    dsp_write(s, 0xd0);
    dsp_reset(s);
    dma_program(s, 1, 0xff0000, 0x10000, true);
    dsp_write(s, 0xc6);
    dsp_write(s, 0x30);
    dsp_write(s, 0xff);
    dsp_write(s, 0xff);
    clock_step_if_any(s, 500 * MS);
    dsp_reset(s);
    dma_program(s, 5, 0xfe0000, 0x20000, true);
    dsp_write(s, 0xb6);
    dsp_write(s, 0x30);
    dsp_write(s, 0xff);
    dsp_write(s, 0xff);
    clock_step_if_any(s, 500 * MS);
    /* A 16-bit stereo block of 3 bytes: never a whole frame. */
    dsp_reset(s);
    dma_program(s, 5, 0x20000, 2, true);
    dsp_write(s, 0xb4);
    dsp_write(s, 0x30);
    dsp_write(s, 0x00);
    dsp_write(s, 0x00);
    clock_step_if_any(s, 200 * MS);
    /* DMA never programmed at all: channel masked. */
    qtest_outb(s, 0x0d, 0);
    qtest_outb(s, 0xda, 0);
    dsp_reset(s);
    dsp_write(s, 0x1c);
    clock_step_if_any(s, 200 * MS);
    assert_dsp_alive(s);
    qtest_quit(s);
}

/* A deterministic storm of bytes on every port of the card. */
static void test_fuzz_port_storm(void)
{
    QTestState *s = qtest_init("-m 8M -device sb16,audiodev=snd0 "
                               "-audiodev none,id=snd0");
    uint32_t x = 0x12345678;

    for (int i = 0; i < 20000; i++) {
        uint16_t port;
        uint8_t v;

        x = x * 1103515245 + 12345;
        port = SB + ((x >> 16) & 0xf);
        v = x >> 24;
        if ((x >> 8) & 1) {
            qtest_outb(s, port, v);
        } else {
            qtest_inb(s, port);
        }
        if (!(i % 64)) {
            /* DMA programmed now and then, with random pages. */
            qtest_outb(s, 0x83, v);
            qtest_outb(s, 0x0a, 0x01);
            qtest_outb(s, 0xd4, 0x01);
            clock_step_if_any(s, MS);
        }
    }
    assert_dsp_alive(s);
    qtest_quit(s);
}

static void test_bad_properties(void)
{
    if (!binary_is_pcvm()) {
        g_test_skip("pcvm's own messages");
        return;
    }
    qtest_assert_startup_error("-device sb16,dma=4",
                               "dma 4 is not an 8-bit channel");
    qtest_assert_startup_error("-device sb16,hdma=9",
                               "hdma 9 is not a 16-bit channel");
    qtest_assert_startup_error("-device sb16,irq=3",
                               "irq 3 is not one of 2, 5, 7, 9, 10");
    qtest_assert_startup_error("-device sb16,audiodev=nosuch",
                               "can't find value 'nosuch'");
    qtest_assert_startup_error("-audiodev wav,id=a,out.format=s24",
                               "Parameter 'out.format' does not accept "
                               "value 's24'");
    qtest_assert_startup_error("-audio none", "Parameter 'model' is missing");
}

/* -audio driver=wav,model=sb16,path=F: the card plays into F. */
static void test_audio_option(void)
{
    g_autofree char *dir = g_dir_make_tmp("sb16-test-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "a.wav", NULL);
    QTestState *s = qtest_initf("-audio driver=wav,model=sb16,path=%s", path);
    Wav w = {0};

    if (!qtest_has_accel_qtest(s)) {
        qtest_quit(s);
        g_rmdir(dir);
        g_test_skip("no virtual clock control");
        return;
    }
    qtest_irq_intercept_in(s, "ioapic");
    start_tone16(s);
    g_assert_cmpint(run_counting_irqs(s, 100, true), >=, 3);
    qtest_quit(s);
    wav_load(path, &w);
    g_assert_cmpuint(w.rate, ==, 44100);
    g_assert_cmpuint(w.len, >=, 4 * 4096);
    g_assert_cmpint(wav_s16(&w, 5, 0), ==, tone(TONE_L_CYCLES, 5));
    g_free(w.data);
    g_unlink(path);
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sb16/dsp-reset-version", test_dsp_reset_version);
    g_test_add_func("/sb16/mixer", test_mixer);
    g_test_add_func("/sb16/play-16bit-44100", test_play_16bit_44100);
    g_test_add_func("/sb16/play-16bit-resampled", test_play_16bit_resampled);
    g_test_add_func("/sb16/play-8bit-mono", test_play_8bit_mono);
    g_test_add_func("/sb16/play-8bit-single-cycle",
                    test_play_8bit_single_cycle);
    g_test_add_func("/sb16/direct-dac", test_direct_dac);
    g_test_add_func("/sb16/sbpro-stereo", test_sbpro_stereo);
    g_test_add_func("/sb16/tiny-buffer", test_tiny_buffer);
    g_test_add_func("/sb16/silence-block", test_silence_block);
    g_test_add_func("/sb16/highspeed", test_highspeed);
    g_test_add_func("/sb16/pause-resume", test_pause_resume);
    g_test_add_func("/sb16/audio-option", test_audio_option);
    g_test_add_func("/sb16/save-load", test_save_load);
    g_test_add_func("/sb16/wavcapture", test_wavcapture);
    g_test_add_func("/sb16/fuzz-rate-zero", test_fuzz_rate_zero);
    g_test_add_func("/sb16/fuzz-huge-sizes", test_fuzz_huge_sizes);
    g_test_add_func("/sb16/fuzz-port-storm", test_fuzz_port_storm);
    g_test_add_func("/sb16/bad-properties", test_bad_properties);
    return g_test_run();
}
