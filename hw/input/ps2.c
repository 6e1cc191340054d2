/*
 * PS/2 keyboard (IBM MF-II, scan code sets 1-3, identify 0xAB 0x83) and
 * PS/2 mouse (IBM PS/2 mouse with the IntelliMouse and IntelliMouse
 * Explorer extensions), following the IBM PS/2 Technical Reference
 * (keyboard and auxiliary device chapters) and Microsoft's "Keyboard Scan
 * Code Specification" for the scan codes.
 *
 * The keyboard sends set 2 (the controller translates it to set 1 when the
 * guest asks) or, when the guest selects it, set 1. Left out: set 3's own
 * codes (a keyboard switched to set 3 acknowledges and reports it, but
 * keeps sending set 2 codes) and its per-key make/break/typematic
 * commands (acknowledged, no effect); typematic repeat (a held key sends
 * one make code); the mouse's sample rate as a report pacing: as in QEMU,
 * every frame the input layer ends is one report, changed or not.
 */
#include <glib.h>
#include <string.h>

#include "hw/input/ps2.h"
#include "util/error.h"
#include "util/log.h"

/* Command replies may go beyond the scan code limit: a full buffer. */
#define PS2_BUFFER_SIZE 256
/* Key and motion data queued at most, as a keyboard's own FIFO (16 bytes). */
#define PS2_QUEUE_SIZE 16

#define PS2_REPLY_ACK 0xfa
#define PS2_REPLY_RESEND 0xfe
#define PS2_REPLY_BAT_OK 0xaa
#define PS2_REPLY_ECHO 0xee

/* Keyboard commands */
#define KBD_CMD_SET_LEDS 0xed
#define KBD_CMD_ECHO 0xee
#define KBD_CMD_SCANCODE 0xf0
#define KBD_CMD_GET_ID 0xf2
#define KBD_CMD_SET_RATE 0xf3
#define KBD_CMD_ENABLE 0xf4
#define KBD_CMD_RESET_DISABLE 0xf5
#define KBD_CMD_RESET_ENABLE 0xf6
#define KBD_CMD_SET_ALL_TYPEMATIC 0xf7 /* 0xF7-0xFA: set 3, all keys */
#define KBD_CMD_SET_ALL_MAKE_BREAK_TYPEMATIC 0xfa
#define KBD_CMD_SET_KEY_TYPEMATIC 0xfb /* 0xFB-0xFD: set 3, one key */
#define KBD_CMD_SET_KEY_MAKE 0xfd
#define KBD_CMD_RESEND 0xfe
#define KBD_CMD_RESET 0xff

/* Mouse commands */
#define AUX_SET_SCALE11 0xe6
#define AUX_SET_SCALE21 0xe7
#define AUX_SET_RES 0xe8
#define AUX_GET_SCALE 0xe9 /* status request */
#define AUX_SET_STREAM 0xea
#define AUX_POLL 0xeb /* read data */
#define AUX_RESET_WRAP 0xec
#define AUX_SET_WRAP 0xee
#define AUX_SET_REMOTE 0xf0
#define AUX_GET_TYPE 0xf2
#define AUX_SET_SAMPLE 0xf3
#define AUX_ENABLE_DEV 0xf4
#define AUX_DISABLE_DEV 0xf5
#define AUX_SET_DEFAULT 0xf6
#define AUX_RESEND 0xfe
#define AUX_RESET 0xff

/* Mouse status byte (0xE9) */
#define MOUSE_STATUS_REMOTE 0x40
#define MOUSE_STATUS_ENABLED 0x20
#define MOUSE_STATUS_SCALE21 0x10

/* Movement packet, first byte */
#define MOUSE_PACKET_Y_OVERFLOW 0x80
#define MOUSE_PACKET_X_OVERFLOW 0x40
#define MOUSE_PACKET_Y_SIGN 0x20
#define MOUSE_PACKET_X_SIGN 0x10
#define MOUSE_PACKET_ALWAYS1 0x08

/* Button bits as the packet and the status byte carry them. */
#define MOUSE_BUTTON_LEFT 0x01
#define MOUSE_BUTTON_RIGHT 0x02
#define MOUSE_BUTTON_MIDDLE 0x04
#define MOUSE_BUTTON_4 0x08
#define MOUSE_BUTTON_5 0x10

/* Device ids (0xF2) */
#define MOUSE_ID_STANDARD 0x00
#define MOUSE_ID_INTELLIMOUSE 0x03
#define MOUSE_ID_EXPLORER 0x04

#define KBD_MOD_SHIFT 0x01
#define KBD_MOD_CTRL 0x02
#define KBD_MOD_ALT 0x04

/* ---- shared device core ------------------------------------------------ */

struct PS2State {
    /*
     * The bytes to send, oldest first. The first reply_count are replies
     * to commands, which go out before key or motion data queued earlier.
     */
    uint8_t queue[PS2_BUFFER_SIZE];
    unsigned count;
    unsigned reply_count;
    uint8_t last_sent; /* for resend (0xFE) */
    int pending;       /* command waiting for its argument, or -1 */
    PS2UpdateFunc *update;
    void *update_opaque;
    void (*write)(PS2State *s, uint8_t value);
    void (*reset)(PS2State *s);
};

static bool ps2_common_post_load(void *opaque, int version_id, GError **errp)
{
    PS2State *s = opaque;

    if (s->reply_count > s->count || s->pending < -1 || s->pending > 0xff) {
        return error_setg(errp,
                          "queue of %u bytes with %u replies, pending "
                          "command %d: not a state the device can be in",
                          s->count, s->reply_count, s->pending);
    }
    return true;
}

static const VMStateDescription vmstate_ps2_common = {
    .name = "PS2 Common State",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = ps2_common_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT8_ARRAY_VARIABLE(queue, PS2State, PS2_BUFFER_SIZE,
                                         count),
            VMSTATE_UINT32(reply_count, PS2State),
            VMSTATE_UINT8(last_sent, PS2State),
            VMSTATE_INT32(pending, PS2State),
            VMSTATE_END_OF_LIST(),
        },
};

static void ps2_update(PS2State *s)
{
    if (s->count && s->update) {
        s->update(s->update_opaque);
    }
}

/* A reply: after earlier replies, ahead of queued key or motion data. */
static void ps2_reply(PS2State *s, const uint8_t *bytes, unsigned n)
{
    if (s->count + n > PS2_BUFFER_SIZE) {
        return; /* a host that never reads: nothing sensible to keep */
    }
    memmove(&s->queue[s->reply_count + n], &s->queue[s->reply_count],
            s->count - s->reply_count);
    memcpy(&s->queue[s->reply_count], bytes, n);
    s->count += n;
    s->reply_count += n;
    ps2_update(s);
}

static void ps2_reply1(PS2State *s, uint8_t b)
{
    ps2_reply(s, &b, 1);
}

static void ps2_reply2(PS2State *s, uint8_t b1, uint8_t b2)
{
    uint8_t bytes[] = {b1, b2};

    ps2_reply(s, bytes, 2);
}

/* Key or motion data: all of it or, when the FIFO is full, none. */
static bool ps2_queue_data(PS2State *s, const uint8_t *bytes, unsigned n)
{
    if (s->count - s->reply_count + n > PS2_QUEUE_SIZE ||
        s->count + n > PS2_BUFFER_SIZE) {
        return false;
    }
    memcpy(&s->queue[s->count], bytes, n);
    s->count += n;
    ps2_update(s);
    return true;
}

static void ps2_queue_clear(PS2State *s)
{
    s->count = s->reply_count = 0;
}

void ps2_write(PS2State *s, uint8_t value)
{
    s->write(s, value);
}

bool ps2_has_data(PS2State *s)
{
    return s->count != 0;
}

uint8_t ps2_read(PS2State *s)
{
    uint8_t b;

    if (!s->count) {
        return 0;
    }
    b = s->queue[0];
    memmove(&s->queue[0], &s->queue[1], --s->count);
    if (s->reply_count) {
        s->reply_count--;
    }
    s->last_sent = b;
    return b;
}

void ps2_reset(PS2State *s)
{
    ps2_queue_clear(s);
    s->pending = -1;
    s->last_sent = 0;
    s->reset(s);
}

/* ---- scan codes ------------------------------------------------------- */

/* Set 2 -> set 1 for 0x00-0x7F; above, only 0x83 (F7) and 0x84 (SysRq). */
static const uint8_t ps2_set1_from_set2[128] = {
    0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, /* 0x00 */
    0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59, /* 0x08 */
    0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a, /* 0x10 */
    0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b, /* 0x18 */
    0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c, /* 0x20 */
    0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d, /* 0x28 */
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e, /* 0x30 */
    0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f, /* 0x38 */
    0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60, /* 0x40 */
    0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61, /* 0x48 */
    0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e, /* 0x50 */
    0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76, /* 0x58 */
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b, /* 0x60 */
    0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f, /* 0x68 */
    0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45, /* 0x70 */
    0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54, /* 0x78 */
};

uint8_t ps2_set2_to_set1(uint8_t code)
{
    if (code < 0x80) {
        return ps2_set1_from_set2[code];
    }
    if (code == 0x83) {
        return 0x41;
    }
    if (code == 0x84) {
        return 0x54;
    }
    return code;
}

#define E0(code) (0xe000 | (code))

/*
 * Set 2 make codes of the keys. Keys a PC keyboard does not have (the Sun
 * keys, menu, the Korean lang1/lang2) have none and send nothing, as in
 * QEMU; SysRq is Print Screen, which with Alt sends its SysRq code.
 */
static const uint16_t ps2_set2_codes[Q_KEY_CODE__MAX] = {
    [Q_KEY_CODE_SHIFT] = 0x12,
    [Q_KEY_CODE_SHIFT_R] = 0x59,
    [Q_KEY_CODE_ALT] = 0x11,
    [Q_KEY_CODE_ALT_R] = E0(0x11),
    [Q_KEY_CODE_CTRL] = 0x14,
    [Q_KEY_CODE_CTRL_R] = E0(0x14),
    [Q_KEY_CODE_ESC] = 0x76,
    [Q_KEY_CODE_1] = 0x16,
    [Q_KEY_CODE_2] = 0x1e,
    [Q_KEY_CODE_3] = 0x26,
    [Q_KEY_CODE_4] = 0x25,
    [Q_KEY_CODE_5] = 0x2e,
    [Q_KEY_CODE_6] = 0x36,
    [Q_KEY_CODE_7] = 0x3d,
    [Q_KEY_CODE_8] = 0x3e,
    [Q_KEY_CODE_9] = 0x46,
    [Q_KEY_CODE_0] = 0x45,
    [Q_KEY_CODE_MINUS] = 0x4e,
    [Q_KEY_CODE_EQUAL] = 0x55,
    [Q_KEY_CODE_BACKSPACE] = 0x66,
    [Q_KEY_CODE_TAB] = 0x0d,
    [Q_KEY_CODE_Q] = 0x15,
    [Q_KEY_CODE_W] = 0x1d,
    [Q_KEY_CODE_E] = 0x24,
    [Q_KEY_CODE_R] = 0x2d,
    [Q_KEY_CODE_T] = 0x2c,
    [Q_KEY_CODE_Y] = 0x35,
    [Q_KEY_CODE_U] = 0x3c,
    [Q_KEY_CODE_I] = 0x43,
    [Q_KEY_CODE_O] = 0x44,
    [Q_KEY_CODE_P] = 0x4d,
    [Q_KEY_CODE_BRACKET_LEFT] = 0x54,
    [Q_KEY_CODE_BRACKET_RIGHT] = 0x5b,
    [Q_KEY_CODE_RET] = 0x5a,
    [Q_KEY_CODE_A] = 0x1c,
    [Q_KEY_CODE_S] = 0x1b,
    [Q_KEY_CODE_D] = 0x23,
    [Q_KEY_CODE_F] = 0x2b,
    [Q_KEY_CODE_G] = 0x34,
    [Q_KEY_CODE_H] = 0x33,
    [Q_KEY_CODE_J] = 0x3b,
    [Q_KEY_CODE_K] = 0x42,
    [Q_KEY_CODE_L] = 0x4b,
    [Q_KEY_CODE_SEMICOLON] = 0x4c,
    [Q_KEY_CODE_APOSTROPHE] = 0x52,
    [Q_KEY_CODE_GRAVE_ACCENT] = 0x0e,
    [Q_KEY_CODE_BACKSLASH] = 0x5d,
    [Q_KEY_CODE_Z] = 0x1a,
    [Q_KEY_CODE_X] = 0x22,
    [Q_KEY_CODE_C] = 0x21,
    [Q_KEY_CODE_V] = 0x2a,
    [Q_KEY_CODE_B] = 0x32,
    [Q_KEY_CODE_N] = 0x31,
    [Q_KEY_CODE_M] = 0x3a,
    [Q_KEY_CODE_COMMA] = 0x41,
    [Q_KEY_CODE_DOT] = 0x49,
    [Q_KEY_CODE_SLASH] = 0x4a,
    [Q_KEY_CODE_ASTERISK] = 0x7c,
    [Q_KEY_CODE_SPC] = 0x29,
    [Q_KEY_CODE_CAPS_LOCK] = 0x58,
    [Q_KEY_CODE_F1] = 0x05,
    [Q_KEY_CODE_F2] = 0x06,
    [Q_KEY_CODE_F3] = 0x04,
    [Q_KEY_CODE_F4] = 0x0c,
    [Q_KEY_CODE_F5] = 0x03,
    [Q_KEY_CODE_F6] = 0x0b,
    [Q_KEY_CODE_F7] = 0x83,
    [Q_KEY_CODE_F8] = 0x0a,
    [Q_KEY_CODE_F9] = 0x01,
    [Q_KEY_CODE_F10] = 0x09,
    [Q_KEY_CODE_NUM_LOCK] = 0x77,
    [Q_KEY_CODE_SCROLL_LOCK] = 0x7e,
    [Q_KEY_CODE_KP_DIVIDE] = E0(0x4a),
    [Q_KEY_CODE_KP_MULTIPLY] = 0x7c,
    [Q_KEY_CODE_KP_SUBTRACT] = 0x7b,
    [Q_KEY_CODE_KP_ADD] = 0x79,
    [Q_KEY_CODE_KP_ENTER] = E0(0x5a),
    [Q_KEY_CODE_KP_DECIMAL] = 0x71,
    [Q_KEY_CODE_SYSRQ] = 0x84,
    [Q_KEY_CODE_KP_0] = 0x70,
    [Q_KEY_CODE_KP_1] = 0x69,
    [Q_KEY_CODE_KP_2] = 0x72,
    [Q_KEY_CODE_KP_3] = 0x7a,
    [Q_KEY_CODE_KP_4] = 0x6b,
    [Q_KEY_CODE_KP_5] = 0x73,
    [Q_KEY_CODE_KP_6] = 0x74,
    [Q_KEY_CODE_KP_7] = 0x6c,
    [Q_KEY_CODE_KP_8] = 0x75,
    [Q_KEY_CODE_KP_9] = 0x7d,
    [Q_KEY_CODE_LESS] = 0x61,
    [Q_KEY_CODE_F11] = 0x78,
    [Q_KEY_CODE_F12] = 0x07,
    [Q_KEY_CODE_PRINT] = E0(0x7c),
    [Q_KEY_CODE_HOME] = E0(0x6c),
    [Q_KEY_CODE_PGUP] = E0(0x7d),
    [Q_KEY_CODE_PGDN] = E0(0x7a),
    [Q_KEY_CODE_END] = E0(0x69),
    [Q_KEY_CODE_LEFT] = E0(0x6b),
    [Q_KEY_CODE_UP] = E0(0x75),
    [Q_KEY_CODE_DOWN] = E0(0x72),
    [Q_KEY_CODE_RIGHT] = E0(0x74),
    [Q_KEY_CODE_INSERT] = E0(0x70),
    [Q_KEY_CODE_DELETE] = E0(0x71),
    [Q_KEY_CODE_STOP] = E0(0x28),
    [Q_KEY_CODE_META_L] = E0(0x1f),
    [Q_KEY_CODE_META_R] = E0(0x27),
    [Q_KEY_CODE_COMPOSE] = E0(0x2f),
    [Q_KEY_CODE_RO] = 0x51,
    [Q_KEY_CODE_HIRAGANA] = 0x62,
    [Q_KEY_CODE_HENKAN] = 0x64,
    [Q_KEY_CODE_YEN] = 0x6a,
    [Q_KEY_CODE_MUHENKAN] = 0x67,
    [Q_KEY_CODE_KATAKANAHIRAGANA] = 0x13,
    [Q_KEY_CODE_KP_COMMA] = 0x6d,
    [Q_KEY_CODE_KP_EQUALS] = 0x0f,
    [Q_KEY_CODE_POWER] = E0(0x37),
    [Q_KEY_CODE_SLEEP] = E0(0x3f),
    [Q_KEY_CODE_WAKE] = E0(0x5e),
    [Q_KEY_CODE_AUDIONEXT] = E0(0x4d),
    [Q_KEY_CODE_AUDIOPREV] = E0(0x15),
    [Q_KEY_CODE_AUDIOSTOP] = E0(0x3b),
    [Q_KEY_CODE_AUDIOPLAY] = E0(0x34),
    [Q_KEY_CODE_AUDIOMUTE] = E0(0x23),
    [Q_KEY_CODE_VOLUMEUP] = E0(0x32),
    [Q_KEY_CODE_VOLUMEDOWN] = E0(0x21),
    [Q_KEY_CODE_MEDIASELECT] = E0(0x50),
    [Q_KEY_CODE_MAIL] = E0(0x48),
    [Q_KEY_CODE_CALCULATOR] = E0(0x2b),
    [Q_KEY_CODE_COMPUTER] = E0(0x40),
    [Q_KEY_CODE_AC_HOME] = E0(0x3a),
    [Q_KEY_CODE_AC_BACK] = E0(0x38),
    [Q_KEY_CODE_AC_FORWARD] = E0(0x30),
    [Q_KEY_CODE_AC_REFRESH] = E0(0x20),
    [Q_KEY_CODE_AC_BOOKMARKS] = E0(0x18),
};

unsigned ps2_keyboard_set2_code(QKeyCode qcode)
{
    return qcode < Q_KEY_CODE__MAX ? ps2_set2_codes[qcode] : 0;
}

/* ---- keyboard --------------------------------------------------------- */

typedef struct PS2Keyboard {
    PS2State common;
    InputHandler *input;
    bool scanning;
    uint8_t scancode_set; /* 1, 2 or 3 */
    uint8_t leds;
    uint8_t typematic;
    uint8_t modifiers; /* KBD_MOD_*, for print screen and pause */
} PS2Keyboard;

static void ps2_keyboard_defaults(PS2Keyboard *k)
{
    k->scancode_set = 2;
    k->leds = 0;
    k->typematic = 0x2b; /* 10.9 characters/s after 500 ms */
}

/* Sends a set 2 sequence, converted when the keyboard is in set 1. */
static void ps2_keyboard_send(PS2Keyboard *k, const uint8_t *codes, unsigned n)
{
    uint8_t out[16];
    unsigned len = 0;
    bool release = false;

    if (k->scancode_set != 1) {
        if (k->scancode_set == 3) {
            log_unimp_once("ps2: scan code set 3 keys are sent in set 2\n");
        }
        ps2_queue_data(&k->common, codes, n);
        return;
    }
    for (unsigned i = 0; i < n && len < sizeof(out); i++) {
        if (codes[i] == 0xf0) {
            release = true;
            continue;
        }
        out[len++] = ps2_set2_to_set1(codes[i]) | (release ? 0x80 : 0);
        release = false;
    }
    ps2_queue_data(&k->common, out, len);
}

static uint8_t ps2_modifier_of(QKeyCode qcode)
{
    switch (qcode) {
    case Q_KEY_CODE_SHIFT:
    case Q_KEY_CODE_SHIFT_R:
        return KBD_MOD_SHIFT;
    case Q_KEY_CODE_CTRL:
    case Q_KEY_CODE_CTRL_R:
        return KBD_MOD_CTRL;
    case Q_KEY_CODE_ALT:
    case Q_KEY_CODE_ALT_R:
        return KBD_MOD_ALT;
    default:
        return 0;
    }
}

static void ps2_keyboard_key(void *opaque, QKeyCode qcode, bool down)
{
    PS2Keyboard *k = opaque;
    uint8_t mod = ps2_modifier_of(qcode);
    uint8_t seq[8];
    unsigned n = 0;
    unsigned code;

    if (mod) {
        k->modifiers = down ? k->modifiers | mod : k->modifiers & ~mod;
    }
    if (!k->scanning) {
        return;
    }
    if (qcode == Q_KEY_CODE_SYSRQ) {
        qcode = Q_KEY_CODE_PRINT;
    }
    if (qcode == Q_KEY_CODE_PAUSE) {
        static const uint8_t pause[] = {0xe1, 0x14, 0x77, 0xe1,
                                        0xf0, 0x14, 0xf0, 0x77};
        static const uint8_t brk[] = {0xe0, 0x7e};
        static const uint8_t brk_up[] = {0xe0, 0xf0, 0x7e};

        /* With Ctrl it is Break; Pause itself has no break code. */
        if (k->modifiers & KBD_MOD_CTRL) {
            ps2_keyboard_send(k, down ? brk : brk_up, down ? 2 : 3);
        } else if (down) {
            ps2_keyboard_send(k, pause, sizeof(pause));
        }
        return;
    }
    if (qcode == Q_KEY_CODE_PRINT && !(k->modifiers & KBD_MOD_ALT) &&
        !(k->modifiers & (KBD_MOD_SHIFT | KBD_MOD_CTRL))) {
        /* Alone, Print Screen fakes a shift around its code. */
        static const uint8_t make[] = {0xe0, 0x12, 0xe0, 0x7c};
        static const uint8_t brk[] = {0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12};

        ps2_keyboard_send(k, down ? make : brk, down ? 4 : 6);
        return;
    }
    code = qcode == Q_KEY_CODE_PRINT && (k->modifiers & KBD_MOD_ALT)
               ? ps2_set2_codes[Q_KEY_CODE_SYSRQ]
               : ps2_keyboard_set2_code(qcode);
    if (!code) {
        return;
    }
    if (code & 0xff00) {
        seq[n++] = 0xe0;
    }
    if (!down) {
        seq[n++] = 0xf0;
    }
    seq[n++] = code & 0xff;
    ps2_keyboard_send(k, seq, n);
}

static void ps2_keyboard_command(PS2Keyboard *k, uint8_t value)
{
    PS2State *s = &k->common;

    switch (value) {
    case KBD_CMD_SET_LEDS:
    case KBD_CMD_SET_RATE:
    case KBD_CMD_SCANCODE:
        s->pending = value;
        ps2_reply1(s, PS2_REPLY_ACK);
        break;
    case KBD_CMD_ECHO:
        ps2_reply1(s, PS2_REPLY_ECHO);
        break;
    case KBD_CMD_GET_ID: {
        static const uint8_t id[] = {PS2_REPLY_ACK, 0xab, 0x83};

        ps2_reply(s, id, sizeof(id));
        break;
    }
    case KBD_CMD_ENABLE:
        ps2_queue_clear(s);
        k->scanning = true;
        ps2_reply1(s, PS2_REPLY_ACK);
        break;
    case KBD_CMD_RESET_DISABLE:
        ps2_queue_clear(s);
        ps2_keyboard_defaults(k);
        k->scanning = false;
        ps2_reply1(s, PS2_REPLY_ACK);
        break;
    case KBD_CMD_RESET_ENABLE:
        ps2_queue_clear(s);
        ps2_keyboard_defaults(k);
        k->scanning = true;
        ps2_reply1(s, PS2_REPLY_ACK);
        break;
    case KBD_CMD_RESET:
        ps2_queue_clear(s);
        ps2_keyboard_defaults(k);
        k->scanning = true;
        ps2_reply2(s, PS2_REPLY_ACK, PS2_REPLY_BAT_OK);
        break;
    case KBD_CMD_RESEND:
        ps2_reply1(s, s->last_sent);
        break;
    default:
        if (value >= KBD_CMD_SET_ALL_TYPEMATIC &&
            value <= KBD_CMD_SET_ALL_MAKE_BREAK_TYPEMATIC) {
            ps2_reply1(s, PS2_REPLY_ACK);
            break;
        }
        if (value >= KBD_CMD_SET_KEY_TYPEMATIC &&
            value <= KBD_CMD_SET_KEY_MAKE) {
            s->pending = value; /* one key follows */
            ps2_reply1(s, PS2_REPLY_ACK);
            break;
        }
        log_mask_printf(LOG_GUEST_ERROR,
                        "ps2: unknown keyboard command "
                        "0x%02x\n",
                        (unsigned)value);
        ps2_reply1(s, PS2_REPLY_RESEND);
        break;
    }
}

static void ps2_keyboard_write(PS2State *s, uint8_t value)
{
    PS2Keyboard *k = (PS2Keyboard *)s;
    int command = s->pending;

    /*
     * Arguments are below 0xED; a command byte in place of an argument
     * starts that command instead.
     */
    if (command < 0 || value >= KBD_CMD_SET_LEDS) {
        s->pending = -1;
        ps2_keyboard_command(k, value);
        return;
    }
    s->pending = -1;
    switch (command) {
    case KBD_CMD_SET_LEDS:
        k->leds = value & 0x07;
        ps2_reply1(s, PS2_REPLY_ACK);
        break;
    case KBD_CMD_SET_RATE:
        k->typematic = value & 0x7f;
        ps2_reply1(s, PS2_REPLY_ACK);
        break;
    case KBD_CMD_SCANCODE:
        if (value == 0) {
            ps2_reply2(s, PS2_REPLY_ACK, k->scancode_set);
        } else if (value <= 3) {
            k->scancode_set = value;
            ps2_reply1(s, PS2_REPLY_ACK);
        } else {
            ps2_reply1(s, PS2_REPLY_RESEND);
        }
        break;
    default: /* the key of a set 3 per-key command */
        ps2_reply1(s, PS2_REPLY_ACK);
        break;
    }
}

static void ps2_keyboard_reset(PS2State *s)
{
    PS2Keyboard *k = (PS2Keyboard *)s;

    ps2_keyboard_defaults(k);
    k->scanning = true;
    k->modifiers = 0;
}

static const InputHandlerOps ps2_keyboard_input = {
    .name = "PS/2 keyboard",
    .mask = INPUT_EVENT_MASK_KEY,
    .key = ps2_keyboard_key,
};

static bool ps2_keyboard_post_load(void *opaque, int version_id, GError **errp)
{
    PS2Keyboard *k = opaque;

    if (k->scancode_set < 1 || k->scancode_set > 3) {
        return error_setg(errp, "scan code set %u does not exist",
                          k->scancode_set);
    }
    return true;
}

const VMStateDescription vmstate_ps2_keyboard = {
    .name = "ps2kbd",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = ps2_keyboard_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_STRUCT(common, PS2Keyboard, vmstate_ps2_common, PS2State),
            VMSTATE_BOOL(scanning, PS2Keyboard),
            VMSTATE_UINT8(scancode_set, PS2Keyboard),
            VMSTATE_UINT8(leds, PS2Keyboard),
            VMSTATE_UINT8(typematic, PS2Keyboard),
            VMSTATE_UINT8(modifiers, PS2Keyboard),
            VMSTATE_END_OF_LIST(),
        },
};

PS2State *ps2_keyboard_new(PS2UpdateFunc *update, void *opaque)
{
    PS2Keyboard *k = g_new0(PS2Keyboard, 1);

    k->common.update = update;
    k->common.update_opaque = opaque;
    k->common.write = ps2_keyboard_write;
    k->common.reset = ps2_keyboard_reset;
    k->input = input_handler_register(&ps2_keyboard_input, k);
    ps2_reset(&k->common);
    return &k->common;
}

/* ---- mouse ------------------------------------------------------------ */

typedef struct PS2Mouse {
    PS2State common;
    InputHandler *input;
    bool enabled; /* data reporting (0xF4) */
    bool remote;  /* remote mode: packets only on 0xEB */
    bool wrap;    /* echo mode */
    bool scale21;
    uint8_t resolution;
    uint8_t sample_rate;
    uint8_t id;
    uint8_t rates[3]; /* the last three sample rates, for the id knocks */
    uint8_t buttons;  /* MOUSE_BUTTON_* */
    int dx, dy, dz;   /* motion not yet reported; dy positive up */
} PS2Mouse;

static void ps2_mouse_defaults(PS2Mouse *m)
{
    m->sample_rate = 100;
    m->resolution = 2; /* 4 counts/mm */
    m->scale21 = false;
    m->remote = false;
    m->enabled = false;
}

static int clamp_int(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* The 2:1 scaling curve of the PS/2 mouse. */
static int ps2_mouse_scale(int v)
{
    static const int small[] = {0, 1, 1, 3, 6, 9};
    int a = v < 0 ? -v : v;
    int r = a < 6 ? small[a] : 2 * a;

    return v < 0 ? -r : r;
}

/*
 * One packet of at most the 9-bit range; what does not fit stays for the
 * next packet. In remote mode (whole=true) the rest is dropped and the
 * overflow bits tell the host.
 */
static bool ps2_mouse_send_packet(PS2Mouse *m, bool whole, bool reply)
{
    int dx = m->scale21 && !m->remote ? ps2_mouse_scale(m->dx) : m->dx;
    int dy = m->scale21 && !m->remote ? ps2_mouse_scale(m->dy) : m->dy;
    int x = clamp_int(dx, -256, 255), y = clamp_int(dy, -256, 255);
    int z = m->id == MOUSE_ID_EXPLORER ? clamp_int(m->dz, -8, 7)
                                       : clamp_int(m->dz, -128, 127);
    uint8_t packet[4];
    unsigned n = m->id == MOUSE_ID_STANDARD ? 3 : 4;

    packet[0] =
        MOUSE_PACKET_ALWAYS1 |
        (m->buttons &
         (MOUSE_BUTTON_LEFT | MOUSE_BUTTON_RIGHT | MOUSE_BUTTON_MIDDLE)) |
        (x < 0 ? MOUSE_PACKET_X_SIGN : 0) | (y < 0 ? MOUSE_PACKET_Y_SIGN : 0) |
        (whole && x != dx ? MOUSE_PACKET_X_OVERFLOW : 0) |
        (whole && y != dy ? MOUSE_PACKET_Y_OVERFLOW : 0);
    packet[1] = x & 0xff;
    packet[2] = y & 0xff;
    if (m->id == MOUSE_ID_EXPLORER) {
        packet[3] = (z & 0x0f) | (m->buttons & MOUSE_BUTTON_4 ? 0x10 : 0) |
                    (m->buttons & MOUSE_BUTTON_5 ? 0x20 : 0);
    } else {
        packet[3] = z & 0xff;
    }
    if (reply) {
        ps2_reply(&m->common, packet, n);
    } else if (!ps2_queue_data(&m->common, packet, n)) {
        return false;
    }
    if (whole || m->scale21) {
        m->dx = m->dy = 0; /* scaled motion cannot be split back */
    } else {
        m->dx -= x;
        m->dy -= y;
    }
    m->dz = n == 4 ? m->dz - z : 0;
    return true;
}

/* A frame from the input layer is one report (more for large motion). */
static void ps2_mouse_sync(void *opaque)
{
    PS2Mouse *m = opaque;

    if (!m->enabled || m->remote || m->wrap) {
        return;
    }
    do {
        if (!ps2_mouse_send_packet(m, false, false)) {
            break; /* FIFO full: the motion waits for the next frame */
        }
    } while (m->dx || m->dy || m->dz);
}

static void ps2_mouse_button(void *opaque, InputButton button, bool down)
{
    PS2Mouse *m = opaque;
    uint8_t bit;

    switch (button) {
    case INPUT_BUTTON_LEFT:
        bit = MOUSE_BUTTON_LEFT;
        break;
    case INPUT_BUTTON_RIGHT:
        bit = MOUSE_BUTTON_RIGHT;
        break;
    case INPUT_BUTTON_MIDDLE:
        bit = MOUSE_BUTTON_MIDDLE;
        break;
    case INPUT_BUTTON_SIDE:
        bit = MOUSE_BUTTON_4;
        break;
    case INPUT_BUTTON_EXTRA:
        bit = MOUSE_BUTTON_5;
        break;
    case INPUT_BUTTON_WHEEL_UP:
    case INPUT_BUTTON_WHEEL_DOWN:
        /* A wheel notch is a press; wheel up is a negative Z count. */
        if (down) {
            m->dz += button == INPUT_BUTTON_WHEEL_UP ? -1 : 1;
        }
        return;
    default:
        return;
    }
    m->buttons = down ? m->buttons | bit : m->buttons & ~bit;
}

static void ps2_mouse_rel(void *opaque, InputAxis axis, int value)
{
    PS2Mouse *m = opaque;

    /* The input layer's Y grows downwards, the mouse's upwards. */
    if (axis == INPUT_AXIS_X) {
        m->dx += value;
    } else {
        m->dy -= value;
    }
}

/* Sample rates 200, 100, 80 and then 200, 200, 80 unlock the wheel ids. */
static void ps2_mouse_knock(PS2Mouse *m, uint8_t rate)
{
    m->rates[0] = m->rates[1];
    m->rates[1] = m->rates[2];
    m->rates[2] = rate;
    if (m->rates[0] == 200 && m->rates[1] == 100 && m->rates[2] == 80 &&
        m->id == MOUSE_ID_STANDARD) {
        m->id = MOUSE_ID_INTELLIMOUSE;
    } else if (m->rates[0] == 200 && m->rates[1] == 200 && m->rates[2] == 80 &&
               m->id == MOUSE_ID_INTELLIMOUSE) {
        m->id = MOUSE_ID_EXPLORER;
    }
}

static void ps2_mouse_command(PS2Mouse *m, uint8_t value)
{
    PS2State *s = &m->common;

    switch (value) {
    case AUX_SET_SCALE11:
    case AUX_SET_SCALE21:
        m->scale21 = value == AUX_SET_SCALE21;
        ps2_reply1(s, PS2_REPLY_ACK);
        break;
    case AUX_SET_RES:
    case AUX_SET_SAMPLE:
        s->pending = value;
        ps2_reply1(s, PS2_REPLY_ACK);
        break;
    case AUX_GET_SCALE: {
        uint8_t status[] = {
            PS2_REPLY_ACK,
            (m->remote ? MOUSE_STATUS_REMOTE : 0) |
                (m->enabled ? MOUSE_STATUS_ENABLED : 0) |
                (m->scale21 ? MOUSE_STATUS_SCALE21 : 0) |
                (m->buttons & MOUSE_BUTTON_LEFT ? 0x04 : 0) |
                (m->buttons & MOUSE_BUTTON_MIDDLE ? 0x02 : 0) |
                (m->buttons & MOUSE_BUTTON_RIGHT ? 0x01 : 0),
            m->resolution,
            m->sample_rate,
        };

        ps2_reply(s, status, sizeof(status));
        break;
    }
    case AUX_SET_STREAM:
    case AUX_SET_REMOTE:
        m->remote = value == AUX_SET_REMOTE;
        m->dx = m->dy = m->dz = 0;
        ps2_reply1(s, PS2_REPLY_ACK);
        break;
    case AUX_POLL:
        ps2_reply1(s, PS2_REPLY_ACK);
        ps2_mouse_send_packet(m, true, true);
        break;
    case AUX_RESET_WRAP:
        m->wrap = false;
        ps2_reply1(s, PS2_REPLY_ACK);
        break;
    case AUX_SET_WRAP:
        m->wrap = true;
        m->dx = m->dy = m->dz = 0;
        ps2_reply1(s, PS2_REPLY_ACK);
        break;
    case AUX_GET_TYPE:
        ps2_reply2(s, PS2_REPLY_ACK, m->id);
        break;
    case AUX_ENABLE_DEV:
        m->enabled = true;
        m->dx = m->dy = m->dz = 0;
        ps2_queue_clear(s);
        ps2_reply1(s, PS2_REPLY_ACK);
        break;
    case AUX_DISABLE_DEV:
        m->enabled = false;
        ps2_queue_clear(s);
        ps2_reply1(s, PS2_REPLY_ACK);
        break;
    case AUX_SET_DEFAULT:
        ps2_mouse_defaults(m);
        ps2_queue_clear(s);
        ps2_reply1(s, PS2_REPLY_ACK);
        break;
    case AUX_RESEND:
        ps2_reply1(s, s->last_sent);
        break;
    case AUX_RESET: {
        static const uint8_t bat[] = {PS2_REPLY_ACK, PS2_REPLY_BAT_OK,
                                      MOUSE_ID_STANDARD};

        ps2_queue_clear(s);
        s->reset(s);
        ps2_reply(s, bat, sizeof(bat));
        break;
    }
    default:
        log_mask_printf(LOG_GUEST_ERROR,
                        "ps2: unknown mouse command "
                        "0x%02x\n",
                        (unsigned)value);
        ps2_reply1(s, PS2_REPLY_RESEND);
        break;
    }
}

static void ps2_mouse_write(PS2State *s, uint8_t value)
{
    PS2Mouse *m = (PS2Mouse *)s;
    int command = s->pending;

    s->pending = -1;
    if (m->wrap && value != AUX_RESET_WRAP && value != AUX_RESET) {
        ps2_reply1(s, value);
        return;
    }
    switch (command) {
    case AUX_SET_RES:
        if (value > 3) {
            ps2_reply1(s, PS2_REPLY_RESEND);
            break;
        }
        m->resolution = value;
        ps2_reply1(s, PS2_REPLY_ACK);
        break;
    case AUX_SET_SAMPLE:
        m->sample_rate = value;
        ps2_mouse_knock(m, value);
        ps2_reply1(s, PS2_REPLY_ACK);
        break;
    default:
        ps2_mouse_command(m, value);
        break;
    }
}

static void ps2_mouse_reset(PS2State *s)
{
    PS2Mouse *m = (PS2Mouse *)s;

    ps2_mouse_defaults(m);
    m->wrap = false;
    m->id = MOUSE_ID_STANDARD;
    memset(m->rates, 0, sizeof(m->rates));
    m->dx = m->dy = m->dz = 0;
}

static const InputHandlerOps ps2_mouse_input = {
    .name = "PS/2 mouse",
    .mask = INPUT_EVENT_MASK_BTN | INPUT_EVENT_MASK_REL,
    .button = ps2_mouse_button,
    .rel = ps2_mouse_rel,
    .sync = ps2_mouse_sync,
};

const VMStateDescription vmstate_ps2_mouse = {
    .name = "ps2mouse",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields =
        (const VMStateField[]){
            VMSTATE_STRUCT(common, PS2Mouse, vmstate_ps2_common, PS2State),
            VMSTATE_BOOL(enabled, PS2Mouse),
            VMSTATE_BOOL(remote, PS2Mouse),
            VMSTATE_BOOL(wrap, PS2Mouse),
            VMSTATE_BOOL(scale21, PS2Mouse),
            VMSTATE_UINT8(resolution, PS2Mouse),
            VMSTATE_UINT8(sample_rate, PS2Mouse),
            VMSTATE_UINT8(id, PS2Mouse),
            VMSTATE_UINT8_ARRAY(rates, PS2Mouse, 3),
            VMSTATE_UINT8(buttons, PS2Mouse),
            VMSTATE_INT32(dx, PS2Mouse),
            VMSTATE_INT32(dy, PS2Mouse),
            VMSTATE_INT32(dz, PS2Mouse),
            VMSTATE_END_OF_LIST(),
        },
};

PS2State *ps2_mouse_new(PS2UpdateFunc *update, void *opaque)
{
    PS2Mouse *m = g_new0(PS2Mouse, 1);

    m->common.update = update;
    m->common.update_opaque = opaque;
    m->common.write = ps2_mouse_write;
    m->common.reset = ps2_mouse_reset;
    m->input = input_handler_register(&ps2_mouse_input, m);
    ps2_reset(&m->common);
    return &m->common;
}
