/*
 * Creative Sound Blaster 16 (CT2230-class card: DSP 4.05 and the CT1745
 * mixer), following Creative's "Sound Blaster Series Hardware Programming
 * Guide" and QEMU's device of the same name and properties. Ports from
 * iobase (0x220): 0x4/0x5 mixer address/data, 0x6 DSP reset, 0xA DSP read
 * data, 0xC DSP write command/data (read: write-buffer status), 0xE DSP
 * read-buffer status (read: also acknowledges the 8-bit IRQ), 0xF 16-bit
 * IRQ acknowledge.
 *
 * Playback runs through the 8237 (8-bit transfers on dma=, 16-bit on
 * hdma=): the audio backend's clock asks for the bytes elapsed guest time
 * demands, the DSP pulls them through the channel and raises its IRQ at
 * every end of the block size the guest programmed (typically half the
 * auto-initialised DMA buffer). The master and voice volumes of the mixer
 * set the voice's gain (2 dB steps, 0 dB at 31).
 *
 * Left out: recording (input DMA commands and 0x20 read silence, 0x42 only
 * sets the rate), MIDI and the MPU-401, ASP/CSP, the output gain and tone
 * registers (stored, no effect), and the speaker switch's effect (as on a
 * real SB16, 0xD1/0xD3 only change what 0xD8 reports).
 */
#include <string.h>

#include "audio/audio.h"
#include "hw/audio/audiodev-prop.h"
#include "hw/core/vmstate.h"
#include "hw/dma/i8257.h"
#include "hw/isa/isa.h"
#include "system/timer.h"
#include "util/error.h"
#include "util/log.h"

/* Port offsets from iobase. */
#define SB16_MIXER_ADDRESS 0x4
#define SB16_MIXER_DATA 0x5
#define SB16_DSP_RESET 0x6
#define SB16_DSP_READ_DATA 0xa
#define SB16_DSP_WRITE 0xc       /* write: command/data; read: status */
#define SB16_DSP_READ_STATUS 0xe /* read: status, acknowledges 8-bit IRQ */
#define SB16_DSP_ACK_16BIT 0xf
#define SB16_IO_SIZE 16

#define SB16_DSP_READY 0xaa
#define SB16_OUT_FIFO 64 /* holds the copyright string */

/* CT1745 mixer registers. */
#define SB16_MIXER_RESET 0x00
#define SB16_MIXER_VOICE_SBPRO 0x04
#define SB16_MIXER_OUTPUT_SBPRO 0x0e /* bit 1: stereo (SB Pro) */
#define SB16_MIXER_MASTER_SBPRO 0x22
#define SB16_MIXER_MASTER_L 0x30
#define SB16_MIXER_MASTER_R 0x31
#define SB16_MIXER_VOICE_L 0x32
#define SB16_MIXER_VOICE_R 0x33
#define SB16_MIXER_IRQ_SELECT 0x80
#define SB16_MIXER_DMA_SELECT 0x81
#define SB16_MIXER_IRQ_STATUS 0x82
#define SB16_IRQ_STATUS_8BIT 0x01
#define SB16_IRQ_STATUS_16BIT 0x02
#define SB16_IRQ_STATUS_MPU 0x04
#define SB16_IRQ_STATUS_REVISION 0x40 /* as QEMU's card reports */

/* Bx/Cx command bits and their mode byte. */
#define SB16_CMD_INPUT 0x08
#define SB16_CMD_AUTOINIT 0x04
#define SB16_MODE_SIGNED 0x10
#define SB16_MODE_STEREO 0x20

#define SB16_FREQ_MIN 1000
#define SB16_FREQ_MAX 48000
#define SB16_FREQ_DEFAULT 11025
#define SB16_DAC_FREQ 22050 /* the direct DAC's sample-and-hold rate */

typedef struct SB16State {
    DeviceState parent_obj;
    /* properties */
    uint32_t iobase, irq, dma, hdma;
    uint32_t version; /* what 0xE1 answers: major << 8 | minor */
    AudioBackend *audiodev;

    MemoryRegion io;
    IRQLine *irq_line;
    AudioVoice *voice;     /* DMA playback */
    AudioVoice *dac_voice; /* the direct DAC (0x10) */
    Timer *silence_timer;  /* 0x80: IRQ after a silent block */

    /* DSP command parser */
    uint8_t cmd; /* waiting for its arguments while nargs < needed */
    uint8_t needed;
    uint8_t nargs;
    uint8_t args[4];
    uint8_t out_data[SB16_OUT_FIFO];
    uint8_t out_len;
    uint8_t last_read;
    uint8_t reset_port; /* last value written to the reset port */
    bool write_busy;    /* the status read after a write shows busy */
    uint8_t test_reg;
    bool speaker;
    bool highspeed; /* 0x90/0x91: commands are ignored until a reset */
    bool freq_from_tc;
    uint8_t time_constant;
    uint16_t rate;          /* from 0x41/0x42, frames per second */
    uint16_t dsp_block_len; /* 0x48: bytes - 1 for 8-bit auto-init */
    uint8_t dac_level;
    uint32_t dac_idle; /* frames played since the last 0x10 */

    /* the DMA transfer */
    bool dma_running;
    bool dma_auto;
    bool dma_paused;
    bool use_hdma;
    uint8_t fmt_bits; /* 8 or 16 */
    bool fmt_signed;
    bool fmt_stereo;
    uint32_t freq;
    uint32_t block_bytes;   /* bytes between IRQs */
    uint32_t left_till_irq; /* bytes left in this block */
    int32_t audio_free;     /* bytes the voice takes now (not saved) */
    uint64_t moved;         /* bytes taken from DMA, for progress checks */

    /* CT1745 mixer */
    uint8_t mixer_index;
    uint8_t mixer_regs[256];
} SB16State;

#define SB16(obj) DEVICE_CAST(SB16State, obj, "sb16")

static void sb16_dma_stop(SB16State *s);

/* ---- interrupts and the mixer ------------------------------------------ */

static void sb16_irq_update(SB16State *s)
{
    irq_set_level(s->irq_line, (s->mixer_regs[SB16_MIXER_IRQ_STATUS] &
                                (SB16_IRQ_STATUS_8BIT | SB16_IRQ_STATUS_16BIT |
                                 SB16_IRQ_STATUS_MPU)) != 0);
}

static void sb16_irq_set(SB16State *s, uint8_t status_bit)
{
    s->mixer_regs[SB16_MIXER_IRQ_STATUS] |= status_bit;
    sb16_irq_update(s);
}

static void sb16_irq_ack(SB16State *s, uint8_t status_bit)
{
    s->mixer_regs[SB16_MIXER_IRQ_STATUS] &= ~status_bit;
    sb16_irq_update(s);
}

/* The IRQ select register's bit for an IRQ (IRQ 2 is 9 on an AT), or 0. */
static uint8_t sb16_irq_magic(uint32_t irq)
{
    switch (irq) {
    case 2:
    case 9:
        return 0x01;
    case 5:
        return 0x02;
    case 7:
        return 0x04;
    case 10:
        return 0x08;
    default:
        return 0;
    }
}

static int sb16_irq_of_magic(uint8_t magic)
{
    static const int irqs[4] = {9, 5, 7, 10};

    for (int i = 0; i < 4; i++) {
        if (magic & (1 << i)) {
            return irqs[i];
        }
    }
    return -1;
}

/* 255 times 10^(-2 dB * steps / 20), without libm. */
static uint8_t sb16_gain(unsigned steps)
{
    double g = 255.0;

    for (unsigned i = 0; i < steps; i++) {
        g *= 0.7943282347242815; /* -2 dB */
    }
    return (uint8_t)(g + 0.5);
}

static void sb16_volume_update(SB16State *s)
{
    unsigned ml = s->mixer_regs[SB16_MIXER_MASTER_L] >> 3;
    unsigned mr = s->mixer_regs[SB16_MIXER_MASTER_R] >> 3;
    unsigned vl = s->mixer_regs[SB16_MIXER_VOICE_L] >> 3;
    unsigned vr = s->mixer_regs[SB16_MIXER_VOICE_R] >> 3;
    uint8_t left = sb16_gain((31 - ml) + (31 - vl));
    uint8_t right = sb16_gain((31 - mr) + (31 - vr));

    audio_voice_set_volume(s->voice, false, left, right);
    audio_voice_set_volume(s->dac_voice, false, left, right);
}

static void sb16_mixer_reset(SB16State *s)
{
    uint8_t status = s->mixer_regs[SB16_MIXER_IRQ_STATUS];

    memset(s->mixer_regs, 0, sizeof(s->mixer_regs));
    /* The CT1745's power-on levels: -14 dB for master, voice and MIDI. */
    for (int r = 0x30; r <= 0x35; r++) {
        s->mixer_regs[r] = 0xc0;
    }
    s->mixer_regs[0x3c] = 0x1f; /* output switches */
    s->mixer_regs[0x3d] = 0x15; /* input switches L */
    s->mixer_regs[0x3e] = 0x0b; /* input switches R */
    for (int r = 0x44; r <= 0x47; r++) {
        s->mixer_regs[r] = 0x80; /* treble and bass */
    }
    /* Resetting the mixer leaves pending interrupts pending. */
    s->mixer_regs[SB16_MIXER_IRQ_STATUS] =
        SB16_IRQ_STATUS_REVISION | (status & 0x07);
    sb16_volume_update(s);
}

static uint8_t sb16_mixer_read(SB16State *s)
{
    uint8_t *r = s->mixer_regs;

    switch (s->mixer_index) {
    case SB16_MIXER_VOICE_SBPRO:
        return (r[SB16_MIXER_VOICE_L] & 0xf0) | (r[SB16_MIXER_VOICE_R] >> 4);
    case SB16_MIXER_MASTER_SBPRO:
        return (r[SB16_MIXER_MASTER_L] & 0xf0) | (r[SB16_MIXER_MASTER_R] >> 4);
    case SB16_MIXER_IRQ_SELECT:
        return sb16_irq_magic(s->irq);
    case SB16_MIXER_DMA_SELECT:
        return (1 << s->dma) | (1 << s->hdma);
    default:
        return r[s->mixer_index];
    }
}

static void sb16_mixer_write(SB16State *s, uint8_t value)
{
    uint8_t *r = s->mixer_regs;

    switch (s->mixer_index) {
    case SB16_MIXER_RESET:
        sb16_mixer_reset(s);
        return;
    case SB16_MIXER_VOICE_SBPRO:
        r[SB16_MIXER_VOICE_L] = (value & 0xf0) | 0x08;
        r[SB16_MIXER_VOICE_R] = (value << 4) | 0x08;
        break;
    case SB16_MIXER_MASTER_SBPRO:
        r[SB16_MIXER_MASTER_L] = (value & 0xf0) | 0x08;
        r[SB16_MIXER_MASTER_R] = (value << 4) | 0x08;
        break;
    case SB16_MIXER_IRQ_SELECT: {
        int irq = sb16_irq_of_magic(value);

        if (irq < 0) {
            log_mask_printf(LOG_GUEST_ERROR,
                            "sb16: IRQ select 0x%02x names no IRQ\n", value);
            return;
        }
        irq_lower(s->irq_line);
        s->irq = irq;
        s->irq_line = isa_get_irq(DEVICE(s), s->irq);
        sb16_irq_update(s);
        return;
    }
    case SB16_MIXER_DMA_SELECT:
        if (value != ((1 << s->dma) | (1 << s->hdma))) {
            log_mask_printf(LOG_GUEST_ERROR,
                            "sb16: DMA select 0x%02x ignored (the card "
                            "uses dma=%u hdma=%u)\n",
                            value, s->dma, s->hdma);
        }
        return;
    case SB16_MIXER_IRQ_STATUS:
        return; /* read only */
    default:
        r[s->mixer_index] = value;
        break;
    }
    sb16_volume_update(s);
}

/* ---- the DSP's output FIFO --------------------------------------------- */

static void sb16_out_push(SB16State *s, uint8_t value)
{
    if (s->out_len >= SB16_OUT_FIFO) {
        log_mask_printf(LOG_GUEST_ERROR, "sb16: DSP output FIFO overflow\n");
        return;
    }
    s->out_data[s->out_len++] = value;
}

static uint8_t sb16_out_pop(SB16State *s)
{
    if (s->out_len) {
        s->last_read = s->out_data[0];
        memmove(s->out_data, s->out_data + 1, --s->out_len);
    }
    return s->last_read;
}

/* ---- DMA playback -------------------------------------------------------
 */

static int sb16_dma_channel(SB16State *s)
{
    return s->use_hdma ? s->hdma : s->dma;
}

static unsigned sb16_frame_bytes(SB16State *s)
{
    return (s->fmt_bits / 8) * (s->fmt_stereo ? 2 : 1);
}

static void sb16_block_end(SB16State *s)
{
    sb16_irq_set(s, s->fmt_bits == 16 ? SB16_IRQ_STATUS_16BIT
                                      : SB16_IRQ_STATUS_8BIT);
    if (s->dma_auto) {
        s->left_till_irq = s->block_bytes;
    } else {
        sb16_dma_stop(s);
    }
}

/*
 * The 8237 calls this while the DSP holds DREQ: moves what the voice takes
 * now, never past the DSP's block or the channel's buffer.
 */
static int sb16_dma_transfer(void *opaque, int nchan, int pos, int size)
{
    SB16State *s = opaque;
    unsigned fb;
    uint8_t buf[4096];

    if (!s->dma_running || s->dma_paused || nchan != sb16_dma_channel(s)) {
        return pos;
    }
    fb = sb16_frame_bytes(s);
    while (s->dma_running && s->audio_free > 0 && pos < size) {
        int till = MIN((int)s->left_till_irq, size - pos);
        int chunk = MIN(MIN(till, s->audio_free), (int)sizeof(buf));
        int got, n;

        chunk -= chunk % fb;
        if (!chunk) {
            if (till >= (int)fb) {
                break; /* the voice takes no whole frame more */
            }
            /* A part frame before the block or buffer ends: unplayable. */
            n = till;
        } else {
            memset(buf, 0, chunk);
            got = i8257_channel_read_memory(nchan, buf, pos, chunk);
            n = audio_voice_write(s->voice, buf, got);
            if (!n) {
                break;
            }
            s->audio_free -= n;
        }
        pos += n;
        s->left_till_irq -= n;
        s->moved += n;
        if (!s->left_till_irq) {
            sb16_block_end(s);
        }
    }
    return pos;
}

/* The backend's clock: the voice takes free bytes now. */
static void sb16_audio_callback(void *opaque, int free)
{
    SB16State *s = opaque;
    int nchan = sb16_dma_channel(s);

    s->audio_free = free;
    /*
     * Each call moves up to the end of the 8237's buffer; then it wraps.
     * Bounded: a guest's buffer of less than a frame never fills free.
     */
    for (int i = 0;
         i < 1024 && s->dma_running && !s->dma_paused && s->audio_free > 0;
         i++) {
        uint64_t before = s->moved;

        i8257_hold_dreq(nchan);
        i8257_release_dreq(nchan);
        if (s->moved == before) {
            break; /* channel masked or not programmed: an underrun */
        }
    }
    s->audio_free = 0;
}

static void sb16_dma_stop(SB16State *s)
{
    s->dma_running = false;
    s->dma_paused = false;
    audio_voice_set_active(s->voice, false);
}

static void sb16_voice_update(SB16State *s)
{
    AudioSettings as = {
        .freq = s->freq,
        .channels = s->fmt_stereo ? 2 : 1,
    };

    if (s->fmt_bits == 16) {
        as.fmt = s->fmt_signed ? AUDIO_FORMAT_S16 : AUDIO_FORMAT_U16;
    } else {
        as.fmt = s->fmt_signed ? AUDIO_FORMAT_S8 : AUDIO_FORMAT_U8;
    }
    s->voice = audio_voice_open_out(s->audiodev, s->voice, "sb16", &as,
                                    sb16_audio_callback, s);
    sb16_volume_update(s);
    audio_voice_set_active(s->voice, s->dma_running && !s->dma_paused);
}

static uint32_t sb16_current_freq(SB16State *s, bool sbpro_stereo)
{
    uint32_t freq;

    if (s->freq_from_tc) {
        freq = 1000000 / (256 - s->time_constant);
        if (sbpro_stereo) {
            freq /= 2; /* the time constant counts both channels */
        }
    } else {
        freq = s->rate ? s->rate : SB16_FREQ_DEFAULT;
    }
    return CLAMP(freq, SB16_FREQ_MIN, SB16_FREQ_MAX);
}

static void sb16_dma_start(SB16State *s, unsigned bits, bool is_signed,
                           bool stereo, bool autoinit, uint32_t block_bytes,
                           bool sbpro)
{
    s->fmt_bits = bits;
    s->fmt_signed = is_signed;
    s->fmt_stereo = stereo;
    s->dma_auto = autoinit;
    s->use_hdma = bits == 16;
    s->freq = sb16_current_freq(s, sbpro && stereo);
    s->block_bytes = block_bytes;
    s->left_till_irq = block_bytes;
    s->dma_running = true;
    s->dma_paused = false;
    sb16_voice_update(s);
}

/* ---- the direct DAC and silence ---------------------------------------- */

static void sb16_dac_callback(void *opaque, int free)
{
    SB16State *s = opaque;
    uint8_t buf[1024];

    memset(buf, s->dac_level, sizeof(buf));
    while (free > 0) {
        size_t n = audio_voice_write(s->dac_voice, buf,
                                     MIN((size_t)free, sizeof(buf)));

        if (!n) {
            break;
        }
        free -= n;
        s->dac_idle += n;
    }
    /* A tenth of a second without a sample: the DAC falls silent. */
    if (s->dac_idle > SB16_DAC_FREQ / 10) {
        s->dac_level = 0x80;
        audio_voice_set_active(s->dac_voice, false);
    }
}

static void sb16_silence_done(void *opaque)
{
    sb16_irq_set(opaque, SB16_IRQ_STATUS_8BIT);
}

/* ---- DSP commands --------------------------------------------------------
 */

static uint16_t sb16_arg_lohi(SB16State *s, int i)
{
    return s->args[i] | s->args[i + 1] << 8;
}

static void sb16_cmd_direct_dac(SB16State *s, uint8_t cmd)
{
    AudioSettings as = {
        .freq = SB16_DAC_FREQ, .channels = 1, .fmt = AUDIO_FORMAT_U8};

    s->dac_level = s->args[0];
    s->dac_idle = 0;
    if (!s->dac_voice) {
        s->dac_voice = audio_voice_open_out(s->audiodev, NULL, "sb16-dac", &as,
                                            sb16_dac_callback, s);
        sb16_volume_update(s);
    }
    audio_voice_set_active(s->dac_voice, true);
}

static void sb16_cmd_direct_adc(SB16State *s, uint8_t cmd)
{
    log_unimp_once("sb16: recording is not supported\n");
    sb16_out_push(s, 0x80); /* silence */
}

static bool sb16_sbpro_stereo(SB16State *s)
{
    return s->mixer_regs[SB16_MIXER_OUTPUT_SBPRO] & 0x02;
}

/* 0x14 (single cycle, length follows) and 0x1C (auto-init, 0x48's size). */
static void sb16_cmd_dma8(SB16State *s, uint8_t cmd)
{
    bool autoinit = cmd == 0x1c || cmd == 0x90;
    uint32_t len = cmd == 0x14 ? sb16_arg_lohi(s, 0) : s->dsp_block_len;

    if (cmd == 0x90 || cmd == 0x91) {
        s->highspeed = true;
    }
    sb16_dma_start(s, 8, false, sb16_sbpro_stereo(s), autoinit, len + 1, true);
}

/* Bx (16-bit) and Cx (8-bit): mode byte, then samples - 1. */
static void sb16_cmd_dma_generic(SB16State *s, uint8_t cmd)
{
    uint8_t mode = s->args[0];
    unsigned bits = (cmd & 0xf0) == 0xb0 ? 16 : 8;
    uint32_t samples = sb16_arg_lohi(s, 1) + 1;

    if (cmd & SB16_CMD_INPUT) {
        log_unimp_once("sb16: recording (command 0x%02x) is not supported\n",
                       cmd);
        return;
    }
    if (cmd & 0x01) {
        log_mask_printf(LOG_GUEST_ERROR, "sb16: command 0x%02x is invalid\n",
                        cmd);
        return;
    }
    sb16_dma_start(s, bits, mode & SB16_MODE_SIGNED, mode & SB16_MODE_STEREO,
                   cmd & SB16_CMD_AUTOINIT, samples * (bits / 8), false);
}

static void sb16_cmd_time_constant(SB16State *s, uint8_t cmd)
{
    s->time_constant = s->args[0];
    s->freq_from_tc = true;
}

/* 0x41/0x42: the rate, high byte first. */
static void sb16_cmd_rate(SB16State *s, uint8_t cmd)
{
    s->rate = s->args[0] << 8 | s->args[1];
    s->freq_from_tc = false;
}

static void sb16_cmd_block_size(SB16State *s, uint8_t cmd)
{
    s->dsp_block_len = sb16_arg_lohi(s, 0);
}

static void sb16_cmd_silence(SB16State *s, uint8_t cmd)
{
    uint64_t frames = sb16_arg_lohi(s, 0) + 1;
    uint32_t freq = sb16_current_freq(s, false);

    timer_mod_ns(s->silence_timer, vm_clock_get_ns(VM_CLOCK_VIRTUAL) +
                                       frames * NANOSECONDS_PER_SECOND / freq);
}

static void sb16_cmd_pause(SB16State *s, uint8_t cmd)
{
    bool pause = cmd == 0xd0 || cmd == 0xd5;

    if (!s->dma_running) {
        return;
    }
    s->dma_paused = pause;
    audio_voice_set_active(s->voice, !pause);
}

static void sb16_cmd_speaker(SB16State *s, uint8_t cmd)
{
    s->speaker = cmd == 0xd1;
}

static void sb16_cmd_speaker_status(SB16State *s, uint8_t cmd)
{
    sb16_out_push(s, s->speaker ? 0xff : 0x00);
}

/* 0xD9/0xDA: the current block is the last. */
static void sb16_cmd_exit_autoinit(SB16State *s, uint8_t cmd)
{
    s->dma_auto = false;
}

static void sb16_cmd_identify(SB16State *s, uint8_t cmd)
{
    sb16_out_push(s, ~s->args[0]);
}

static void sb16_cmd_version(SB16State *s, uint8_t cmd)
{
    sb16_out_push(s, s->version >> 8);
    sb16_out_push(s, s->version & 0xff);
}

static void sb16_cmd_copyright(SB16State *s, uint8_t cmd)
{
    static const char text[] = "COPYRIGHT (C) CREATIVE TECHNOLOGY LTD, 1992.";

    for (size_t i = 0; i < sizeof(text); i++) {
        sb16_out_push(s, text[i]); /* with its NUL */
    }
}

static void sb16_cmd_test_write(SB16State *s, uint8_t cmd)
{
    s->test_reg = s->args[0];
}

static void sb16_cmd_test_read(SB16State *s, uint8_t cmd)
{
    sb16_out_push(s, s->test_reg);
}

static void sb16_cmd_force_irq(SB16State *s, uint8_t cmd)
{
    sb16_irq_set(s, cmd == 0xf2 ? SB16_IRQ_STATUS_8BIT : SB16_IRQ_STATUS_16BIT);
}

static void sb16_cmd_zero(SB16State *s, uint8_t cmd)
{
    sb16_out_push(s, 0); /* 0xF8: undocumented, reads 0 */
}

typedef struct SB16Command {
    uint8_t nargs;
    void (*handler)(SB16State *s, uint8_t cmd);
} SB16Command;

static const SB16Command sb16_commands[256] = {
    [0x10] = {1, sb16_cmd_direct_dac},
    [0x14] = {2, sb16_cmd_dma8},
    [0x1c] = {0, sb16_cmd_dma8},
    [0x20] = {0, sb16_cmd_direct_adc},
    [0x40] = {1, sb16_cmd_time_constant},
    [0x41] = {2, sb16_cmd_rate},
    [0x42] = {2, sb16_cmd_rate},
    [0x48] = {2, sb16_cmd_block_size},
    [0x80] = {2, sb16_cmd_silence},
    [0x90] = {0, sb16_cmd_dma8},
    [0x91] = {0, sb16_cmd_dma8},
    [0xb0 ... 0xbf] = {3, sb16_cmd_dma_generic},
    [0xc0 ... 0xcf] = {3, sb16_cmd_dma_generic},
    [0xd0] = {0, sb16_cmd_pause},
    [0xd1] = {0, sb16_cmd_speaker},
    [0xd3] = {0, sb16_cmd_speaker},
    [0xd4] = {0, sb16_cmd_pause},
    [0xd5] = {0, sb16_cmd_pause},
    [0xd6] = {0, sb16_cmd_pause},
    [0xd8] = {0, sb16_cmd_speaker_status},
    [0xd9] = {0, sb16_cmd_exit_autoinit},
    [0xda] = {0, sb16_cmd_exit_autoinit},
    [0xe0] = {1, sb16_cmd_identify},
    [0xe1] = {0, sb16_cmd_version},
    [0xe3] = {0, sb16_cmd_copyright},
    [0xe4] = {1, sb16_cmd_test_write},
    [0xe8] = {0, sb16_cmd_test_read},
    [0xf2] = {0, sb16_cmd_force_irq},
    [0xf3] = {0, sb16_cmd_force_irq},
    [0xf8] = {0, sb16_cmd_zero},
};

static void sb16_dsp_write(SB16State *s, uint8_t value)
{
    const SB16Command *c;

    s->write_busy = true;
    if (s->highspeed) {
        return; /* only a reset leaves high-speed mode */
    }
    if (s->nargs < s->needed) {
        s->args[s->nargs++] = value;
    } else {
        c = &sb16_commands[value];
        if (!c->handler) {
            log_mask_printf(LOG_UNIMP, "sb16: DSP command 0x%02x ignored\n",
                            value);
            return;
        }
        s->cmd = value;
        s->needed = c->nargs;
        s->nargs = 0;
    }
    if (s->nargs == s->needed) {
        s->needed = s->nargs = 0;
        sb16_commands[s->cmd].handler(s, s->cmd);
    }
}

static void sb16_dsp_reset(SB16State *s)
{
    sb16_dma_stop(s);
    s->highspeed = false;
    s->cmd = 0;
    s->needed = s->nargs = 0;
    s->out_len = 0;
    s->speaker = false;
    s->freq_from_tc = false;
    s->rate = 0;
    s->time_constant = 0;
    s->dsp_block_len = 0x7ff;
    s->test_reg = 0;
    timer_del(s->silence_timer);
    s->dac_level = 0x80;
    audio_voice_set_active(s->dac_voice, false);
    sb16_irq_ack(s, SB16_IRQ_STATUS_8BIT | SB16_IRQ_STATUS_16BIT);
}

/* ---- ports -------------------------------------------------------------- */

static uint64_t sb16_io_read(void *opaque, uint64_t addr, unsigned size)
{
    SB16State *s = opaque;

    switch (addr) {
    case SB16_MIXER_ADDRESS:
        return s->mixer_index;
    case SB16_MIXER_DATA:
        return sb16_mixer_read(s);
    case SB16_DSP_READ_DATA:
        return sb16_out_pop(s);
    case SB16_DSP_WRITE: {
        bool busy = s->write_busy;

        s->write_busy = false;
        return busy ? 0xff : 0x7f;
    }
    case SB16_DSP_READ_STATUS:
        sb16_irq_ack(s, SB16_IRQ_STATUS_8BIT);
        return s->out_len ? 0xff : 0x7f;
    case SB16_DSP_ACK_16BIT:
        sb16_irq_ack(s, SB16_IRQ_STATUS_16BIT);
        return 0xff;
    default:
        log_mask_printf(LOG_GUEST_ERROR, "sb16: read of port 0x%x\n",
                        (unsigned)(s->iobase + addr));
        return 0xff;
    }
}

static void sb16_io_write(void *opaque, uint64_t addr, uint64_t value,
                          unsigned size)
{
    SB16State *s = opaque;
    uint8_t v = value;

    switch (addr) {
    case SB16_MIXER_ADDRESS:
        s->mixer_index = v;
        break;
    case SB16_MIXER_DATA:
        sb16_mixer_write(s, v);
        break;
    case SB16_DSP_RESET:
        /* 1 then 0 resets; 1 alone already ends high-speed mode. */
        if ((v & 1) && s->highspeed) {
            s->highspeed = false;
            sb16_dma_stop(s);
        }
        if (!(v & 1) && (s->reset_port & 1)) {
            sb16_dsp_reset(s);
            sb16_out_push(s, SB16_DSP_READY);
        }
        s->reset_port = v;
        break;
    case SB16_DSP_WRITE:
        sb16_dsp_write(s, v);
        break;
    default:
        log_mask_printf(LOG_GUEST_ERROR, "sb16: write of 0x%02x to port 0x%x\n",
                        v, (unsigned)(s->iobase + addr));
        break;
    }
}

static const MemoryRegionOps sb16_io_ops = {
    .read = sb16_io_read,
    .write = sb16_io_write,
    .valid_min = 1,
    .valid_max = 2, /* a word access is two byte accesses */
    .impl_min = 1,
    .impl_max = 1,
};

/* ---- reset, realize, state, registration ------------------------------- */

static void sb16_reset(DeviceState *dev)
{
    SB16State *s = SB16(dev);

    s->mixer_regs[SB16_MIXER_IRQ_STATUS] = 0;
    sb16_mixer_reset(s);
    sb16_dsp_reset(s);
    s->reset_port = 0;
    s->write_busy = false;
    s->last_read = 0;
    s->mixer_index = 0;
}

static bool sb16_realize(DeviceState *dev, GError **errp)
{
    SB16State *s = SB16(dev);

    if (s->iobase > 0xffff - SB16_IO_SIZE + 1) {
        return error_setg(errp, "sb16: iobase 0x%x out of range", s->iobase);
    }
    if (!sb16_irq_magic(s->irq)) {
        return error_setg(errp, "sb16: irq %u is not one of 2, 5, 7, 9, 10",
                          s->irq);
    }
    if (s->dma > 3 || s->dma == 2) {
        return error_setg(errp,
                          "sb16: dma %u is not an 8-bit channel "
                          "(0, 1 or 3)",
                          s->dma);
    }
    if (s->hdma < 5 || s->hdma > 7) {
        return error_setg(errp,
                          "sb16: hdma %u is not a 16-bit channel "
                          "(5, 6 or 7)",
                          s->hdma);
    }
    if (!i8257_channel_register(s->dma, sb16_dma_transfer, s) ||
        !i8257_channel_register(s->hdma, sb16_dma_transfer, s)) {
        return error_setg(errp, "sb16: this machine has no ISA DMA "
                                "controller");
    }
    if (!s->audiodev) {
        s->audiodev = audio_backend_default();
    }
    s->irq_line = isa_get_irq(dev, s->irq);
    s->silence_timer = timer_new_ns(VM_CLOCK_VIRTUAL, sb16_silence_done, s);
    memory_region_init_io(&s->io, "sb16", &sb16_io_ops, s, SB16_IO_SIZE);
    isa_register_ioport(dev, &s->io, s->iobase);
    sb16_reset(dev);
    return true;
}

/* A loaded stream is guest input too: every field is checked. */
static bool sb16_post_load(void *opaque, int version_id, GError **errp)
{
    SB16State *s = opaque;

    if (s->out_len > SB16_OUT_FIFO || s->needed > sizeof(s->args) ||
        s->nargs > s->needed || !sb16_irq_magic(s->irq)) {
        return error_setg(errp, "sb16: inconsistent saved state");
    }
    /* A transfer's parameters matter (and were set) only while it runs. */
    if (s->dma_running &&
        ((s->fmt_bits != 8 && s->fmt_bits != 16) || s->block_bytes < 1 ||
         s->block_bytes > 2 * 65536 || s->left_till_irq < 1 ||
         s->left_till_irq > s->block_bytes || s->freq < SB16_FREQ_MIN ||
         s->freq > SB16_FREQ_MAX || s->use_hdma != (s->fmt_bits == 16))) {
        return error_setg(errp, "sb16: inconsistent saved transfer");
    }
    if (s->needed && !sb16_commands[s->cmd].handler) {
        return error_setg(errp, "sb16: saved command 0x%02x unknown", s->cmd);
    }
    s->audio_free = 0;
    s->irq_line = isa_get_irq(DEVICE(s), s->irq);
    if (s->dma_running) {
        sb16_voice_update(s);
    }
    sb16_volume_update(s);
    sb16_irq_update(s);
    return true;
}

static const VMStateDescription vmstate_sb16 = {
    .name = "sb16",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = sb16_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT32(irq, SB16State),
            VMSTATE_UINT8(cmd, SB16State),
            VMSTATE_UINT8(needed, SB16State),
            VMSTATE_UINT8(nargs, SB16State),
            VMSTATE_UINT8_ARRAY(args, SB16State, 4),
            VMSTATE_UINT8_ARRAY(out_data, SB16State, SB16_OUT_FIFO),
            VMSTATE_UINT8(out_len, SB16State),
            VMSTATE_UINT8(last_read, SB16State),
            VMSTATE_UINT8(reset_port, SB16State),
            VMSTATE_BOOL(write_busy, SB16State),
            VMSTATE_UINT8(test_reg, SB16State),
            VMSTATE_BOOL(speaker, SB16State),
            VMSTATE_BOOL(highspeed, SB16State),
            VMSTATE_BOOL(freq_from_tc, SB16State),
            VMSTATE_UINT8(time_constant, SB16State),
            VMSTATE_UINT16(rate, SB16State),
            VMSTATE_UINT16(dsp_block_len, SB16State),
            VMSTATE_UINT8(dac_level, SB16State),
            VMSTATE_BOOL(dma_running, SB16State),
            VMSTATE_BOOL(dma_auto, SB16State),
            VMSTATE_BOOL(dma_paused, SB16State),
            VMSTATE_BOOL(use_hdma, SB16State),
            VMSTATE_UINT8(fmt_bits, SB16State),
            VMSTATE_BOOL(fmt_signed, SB16State),
            VMSTATE_BOOL(fmt_stereo, SB16State),
            VMSTATE_UINT32(freq, SB16State),
            VMSTATE_UINT32(block_bytes, SB16State),
            VMSTATE_UINT32(left_till_irq, SB16State),
            VMSTATE_UINT8(mixer_index, SB16State),
            VMSTATE_UINT8_ARRAY(mixer_regs, SB16State, 256),
            VMSTATE_TIMER_PTR(silence_timer, SB16State),
            VMSTATE_END_OF_LIST(),
        },
};

static const Property sb16_properties[] = {
    DEFINE_PROP_UINT32("iobase", SB16State, iobase, 0x220),
    DEFINE_PROP_UINT32("irq", SB16State, irq, 5),
    DEFINE_PROP_UINT32("dma", SB16State, dma, 1),
    DEFINE_PROP_UINT32("dma16", SB16State, hdma, 5), /* QEMU's name */
    DEFINE_PROP_UINT32("hdma", SB16State, hdma, 5),
    DEFINE_PROP_UINT32("version", SB16State, version, 0x0405),
    DEFINE_PROP_AUDIODEV("audiodev", SB16State, audiodev),
    DEFINE_PROP_END,
};

static DeviceClass sb16_class = {
    .name = "sb16",
    .parent = TYPE_ISA_DEVICE,
    .bus_type = ISA_BUS_TYPE,
    .description = "Creative Sound Blaster 16",
    .category = DEVICE_CATEGORY_SOUND,
    .instance_size = sizeof(SB16State),
    .props = sb16_properties,
    .user_creatable = true,
    .realize = sb16_realize,
    .reset = sb16_reset,
    .vmsd = &vmstate_sb16,
};

static void sb16_register(void)
{
    device_class_register(&sb16_class);
}
type_init(sb16_register)
