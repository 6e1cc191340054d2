/*
 * The input layer: key names and numbers, handler registration and event
 * routing between the front ends and the input devices. See ui/input.h.
 *
 * Key names follow QEMU 7.2's QAPI enum QKeyCode; key numbers follow
 * QEMU's "number" key values (the key's XT / scan code set 1 make code,
 * bit 7 set for keys that send an 0xE0 prefix).
 */
#include <glib.h>
#include <string.h>

#include "system/runstate.h"
#include "system/timer.h"
#include "ui/input.h"

struct InputHandler {
    const InputHandlerOps *ops;
    void *opaque;
};

/* Most recently registered or activated first. */
static GList *input_handlers;

static const char *const qkeycode_names[Q_KEY_CODE__MAX] = {
    [Q_KEY_CODE_UNMAPPED] = "unmapped",
    [Q_KEY_CODE_SHIFT] = "shift",
    [Q_KEY_CODE_SHIFT_R] = "shift_r",
    [Q_KEY_CODE_ALT] = "alt",
    [Q_KEY_CODE_ALT_R] = "alt_r",
    [Q_KEY_CODE_CTRL] = "ctrl",
    [Q_KEY_CODE_CTRL_R] = "ctrl_r",
    [Q_KEY_CODE_MENU] = "menu",
    [Q_KEY_CODE_ESC] = "esc",
    [Q_KEY_CODE_1] = "1",
    [Q_KEY_CODE_2] = "2",
    [Q_KEY_CODE_3] = "3",
    [Q_KEY_CODE_4] = "4",
    [Q_KEY_CODE_5] = "5",
    [Q_KEY_CODE_6] = "6",
    [Q_KEY_CODE_7] = "7",
    [Q_KEY_CODE_8] = "8",
    [Q_KEY_CODE_9] = "9",
    [Q_KEY_CODE_0] = "0",
    [Q_KEY_CODE_MINUS] = "minus",
    [Q_KEY_CODE_EQUAL] = "equal",
    [Q_KEY_CODE_BACKSPACE] = "backspace",
    [Q_KEY_CODE_TAB] = "tab",
    [Q_KEY_CODE_Q] = "q",
    [Q_KEY_CODE_W] = "w",
    [Q_KEY_CODE_E] = "e",
    [Q_KEY_CODE_R] = "r",
    [Q_KEY_CODE_T] = "t",
    [Q_KEY_CODE_Y] = "y",
    [Q_KEY_CODE_U] = "u",
    [Q_KEY_CODE_I] = "i",
    [Q_KEY_CODE_O] = "o",
    [Q_KEY_CODE_P] = "p",
    [Q_KEY_CODE_BRACKET_LEFT] = "bracket_left",
    [Q_KEY_CODE_BRACKET_RIGHT] = "bracket_right",
    [Q_KEY_CODE_RET] = "ret",
    [Q_KEY_CODE_A] = "a",
    [Q_KEY_CODE_S] = "s",
    [Q_KEY_CODE_D] = "d",
    [Q_KEY_CODE_F] = "f",
    [Q_KEY_CODE_G] = "g",
    [Q_KEY_CODE_H] = "h",
    [Q_KEY_CODE_J] = "j",
    [Q_KEY_CODE_K] = "k",
    [Q_KEY_CODE_L] = "l",
    [Q_KEY_CODE_SEMICOLON] = "semicolon",
    [Q_KEY_CODE_APOSTROPHE] = "apostrophe",
    [Q_KEY_CODE_GRAVE_ACCENT] = "grave_accent",
    [Q_KEY_CODE_BACKSLASH] = "backslash",
    [Q_KEY_CODE_Z] = "z",
    [Q_KEY_CODE_X] = "x",
    [Q_KEY_CODE_C] = "c",
    [Q_KEY_CODE_V] = "v",
    [Q_KEY_CODE_B] = "b",
    [Q_KEY_CODE_N] = "n",
    [Q_KEY_CODE_M] = "m",
    [Q_KEY_CODE_COMMA] = "comma",
    [Q_KEY_CODE_DOT] = "dot",
    [Q_KEY_CODE_SLASH] = "slash",
    [Q_KEY_CODE_ASTERISK] = "asterisk",
    [Q_KEY_CODE_SPC] = "spc",
    [Q_KEY_CODE_CAPS_LOCK] = "caps_lock",
    [Q_KEY_CODE_F1] = "f1",
    [Q_KEY_CODE_F2] = "f2",
    [Q_KEY_CODE_F3] = "f3",
    [Q_KEY_CODE_F4] = "f4",
    [Q_KEY_CODE_F5] = "f5",
    [Q_KEY_CODE_F6] = "f6",
    [Q_KEY_CODE_F7] = "f7",
    [Q_KEY_CODE_F8] = "f8",
    [Q_KEY_CODE_F9] = "f9",
    [Q_KEY_CODE_F10] = "f10",
    [Q_KEY_CODE_NUM_LOCK] = "num_lock",
    [Q_KEY_CODE_SCROLL_LOCK] = "scroll_lock",
    [Q_KEY_CODE_KP_DIVIDE] = "kp_divide",
    [Q_KEY_CODE_KP_MULTIPLY] = "kp_multiply",
    [Q_KEY_CODE_KP_SUBTRACT] = "kp_subtract",
    [Q_KEY_CODE_KP_ADD] = "kp_add",
    [Q_KEY_CODE_KP_ENTER] = "kp_enter",
    [Q_KEY_CODE_KP_DECIMAL] = "kp_decimal",
    [Q_KEY_CODE_SYSRQ] = "sysrq",
    [Q_KEY_CODE_KP_0] = "kp_0",
    [Q_KEY_CODE_KP_1] = "kp_1",
    [Q_KEY_CODE_KP_2] = "kp_2",
    [Q_KEY_CODE_KP_3] = "kp_3",
    [Q_KEY_CODE_KP_4] = "kp_4",
    [Q_KEY_CODE_KP_5] = "kp_5",
    [Q_KEY_CODE_KP_6] = "kp_6",
    [Q_KEY_CODE_KP_7] = "kp_7",
    [Q_KEY_CODE_KP_8] = "kp_8",
    [Q_KEY_CODE_KP_9] = "kp_9",
    [Q_KEY_CODE_LESS] = "less",
    [Q_KEY_CODE_F11] = "f11",
    [Q_KEY_CODE_F12] = "f12",
    [Q_KEY_CODE_PRINT] = "print",
    [Q_KEY_CODE_HOME] = "home",
    [Q_KEY_CODE_PGUP] = "pgup",
    [Q_KEY_CODE_PGDN] = "pgdn",
    [Q_KEY_CODE_END] = "end",
    [Q_KEY_CODE_LEFT] = "left",
    [Q_KEY_CODE_UP] = "up",
    [Q_KEY_CODE_DOWN] = "down",
    [Q_KEY_CODE_RIGHT] = "right",
    [Q_KEY_CODE_INSERT] = "insert",
    [Q_KEY_CODE_DELETE] = "delete",
    [Q_KEY_CODE_STOP] = "stop",
    [Q_KEY_CODE_AGAIN] = "again",
    [Q_KEY_CODE_PROPS] = "props",
    [Q_KEY_CODE_UNDO] = "undo",
    [Q_KEY_CODE_FRONT] = "front",
    [Q_KEY_CODE_COPY] = "copy",
    [Q_KEY_CODE_OPEN] = "open",
    [Q_KEY_CODE_PASTE] = "paste",
    [Q_KEY_CODE_FIND] = "find",
    [Q_KEY_CODE_CUT] = "cut",
    [Q_KEY_CODE_LF] = "lf",
    [Q_KEY_CODE_HELP] = "help",
    [Q_KEY_CODE_META_L] = "meta_l",
    [Q_KEY_CODE_META_R] = "meta_r",
    [Q_KEY_CODE_COMPOSE] = "compose",
    [Q_KEY_CODE_PAUSE] = "pause",
    [Q_KEY_CODE_RO] = "ro",
    [Q_KEY_CODE_HIRAGANA] = "hiragana",
    [Q_KEY_CODE_HENKAN] = "henkan",
    [Q_KEY_CODE_YEN] = "yen",
    [Q_KEY_CODE_MUHENKAN] = "muhenkan",
    [Q_KEY_CODE_KATAKANAHIRAGANA] = "katakanahiragana",
    [Q_KEY_CODE_KP_COMMA] = "kp_comma",
    [Q_KEY_CODE_KP_EQUALS] = "kp_equals",
    [Q_KEY_CODE_POWER] = "power",
    [Q_KEY_CODE_SLEEP] = "sleep",
    [Q_KEY_CODE_WAKE] = "wake",
    [Q_KEY_CODE_AUDIONEXT] = "audionext",
    [Q_KEY_CODE_AUDIOPREV] = "audioprev",
    [Q_KEY_CODE_AUDIOSTOP] = "audiostop",
    [Q_KEY_CODE_AUDIOPLAY] = "audioplay",
    [Q_KEY_CODE_AUDIOMUTE] = "audiomute",
    [Q_KEY_CODE_VOLUMEUP] = "volumeup",
    [Q_KEY_CODE_VOLUMEDOWN] = "volumedown",
    [Q_KEY_CODE_MEDIASELECT] = "mediaselect",
    [Q_KEY_CODE_MAIL] = "mail",
    [Q_KEY_CODE_CALCULATOR] = "calculator",
    [Q_KEY_CODE_COMPUTER] = "computer",
    [Q_KEY_CODE_AC_HOME] = "ac_home",
    [Q_KEY_CODE_AC_BACK] = "ac_back",
    [Q_KEY_CODE_AC_FORWARD] = "ac_forward",
    [Q_KEY_CODE_AC_REFRESH] = "ac_refresh",
    [Q_KEY_CODE_AC_BOOKMARKS] = "ac_bookmarks",
    [Q_KEY_CODE_LANG1] = "lang1",
    [Q_KEY_CODE_LANG2] = "lang2",
};

/* Set 1 make codes; 0x80 | code for the 0xE0-prefixed ones. */
static const uint8_t qkeycode_numbers[Q_KEY_CODE__MAX] = {
    [Q_KEY_CODE_SHIFT] = 0x2a,
    [Q_KEY_CODE_SHIFT_R] = 0x36,
    [Q_KEY_CODE_ALT] = 0x38,
    [Q_KEY_CODE_ALT_R] = 0xb8,
    [Q_KEY_CODE_CTRL] = 0x1d,
    [Q_KEY_CODE_CTRL_R] = 0x9d,
    [Q_KEY_CODE_MENU] = 0x9e,
    [Q_KEY_CODE_ESC] = 0x01,
    [Q_KEY_CODE_1] = 0x02,
    [Q_KEY_CODE_2] = 0x03,
    [Q_KEY_CODE_3] = 0x04,
    [Q_KEY_CODE_4] = 0x05,
    [Q_KEY_CODE_5] = 0x06,
    [Q_KEY_CODE_6] = 0x07,
    [Q_KEY_CODE_7] = 0x08,
    [Q_KEY_CODE_8] = 0x09,
    [Q_KEY_CODE_9] = 0x0a,
    [Q_KEY_CODE_0] = 0x0b,
    [Q_KEY_CODE_MINUS] = 0x0c,
    [Q_KEY_CODE_EQUAL] = 0x0d,
    [Q_KEY_CODE_BACKSPACE] = 0x0e,
    [Q_KEY_CODE_TAB] = 0x0f,
    [Q_KEY_CODE_Q] = 0x10,
    [Q_KEY_CODE_W] = 0x11,
    [Q_KEY_CODE_E] = 0x12,
    [Q_KEY_CODE_R] = 0x13,
    [Q_KEY_CODE_T] = 0x14,
    [Q_KEY_CODE_Y] = 0x15,
    [Q_KEY_CODE_U] = 0x16,
    [Q_KEY_CODE_I] = 0x17,
    [Q_KEY_CODE_O] = 0x18,
    [Q_KEY_CODE_P] = 0x19,
    [Q_KEY_CODE_BRACKET_LEFT] = 0x1a,
    [Q_KEY_CODE_BRACKET_RIGHT] = 0x1b,
    [Q_KEY_CODE_RET] = 0x1c,
    [Q_KEY_CODE_A] = 0x1e,
    [Q_KEY_CODE_S] = 0x1f,
    [Q_KEY_CODE_D] = 0x20,
    [Q_KEY_CODE_F] = 0x21,
    [Q_KEY_CODE_G] = 0x22,
    [Q_KEY_CODE_H] = 0x23,
    [Q_KEY_CODE_J] = 0x24,
    [Q_KEY_CODE_K] = 0x25,
    [Q_KEY_CODE_L] = 0x26,
    [Q_KEY_CODE_SEMICOLON] = 0x27,
    [Q_KEY_CODE_APOSTROPHE] = 0x28,
    [Q_KEY_CODE_GRAVE_ACCENT] = 0x29,
    [Q_KEY_CODE_BACKSLASH] = 0x2b,
    [Q_KEY_CODE_Z] = 0x2c,
    [Q_KEY_CODE_X] = 0x2d,
    [Q_KEY_CODE_C] = 0x2e,
    [Q_KEY_CODE_V] = 0x2f,
    [Q_KEY_CODE_B] = 0x30,
    [Q_KEY_CODE_N] = 0x31,
    [Q_KEY_CODE_M] = 0x32,
    [Q_KEY_CODE_COMMA] = 0x33,
    [Q_KEY_CODE_DOT] = 0x34,
    [Q_KEY_CODE_SLASH] = 0x35,
    [Q_KEY_CODE_ASTERISK] = 0x37,
    [Q_KEY_CODE_SPC] = 0x39,
    [Q_KEY_CODE_CAPS_LOCK] = 0x3a,
    [Q_KEY_CODE_F1] = 0x3b,
    [Q_KEY_CODE_F2] = 0x3c,
    [Q_KEY_CODE_F3] = 0x3d,
    [Q_KEY_CODE_F4] = 0x3e,
    [Q_KEY_CODE_F5] = 0x3f,
    [Q_KEY_CODE_F6] = 0x40,
    [Q_KEY_CODE_F7] = 0x41,
    [Q_KEY_CODE_F8] = 0x42,
    [Q_KEY_CODE_F9] = 0x43,
    [Q_KEY_CODE_F10] = 0x44,
    [Q_KEY_CODE_NUM_LOCK] = 0x45,
    [Q_KEY_CODE_SCROLL_LOCK] = 0x46,
    [Q_KEY_CODE_KP_DIVIDE] = 0xb5,
    [Q_KEY_CODE_KP_MULTIPLY] = 0x37,
    [Q_KEY_CODE_KP_SUBTRACT] = 0x4a,
    [Q_KEY_CODE_KP_ADD] = 0x4e,
    [Q_KEY_CODE_KP_ENTER] = 0x9c,
    [Q_KEY_CODE_KP_DECIMAL] = 0x53,
    [Q_KEY_CODE_SYSRQ] = 0x54,
    [Q_KEY_CODE_KP_0] = 0x52,
    [Q_KEY_CODE_KP_1] = 0x4f,
    [Q_KEY_CODE_KP_2] = 0x50,
    [Q_KEY_CODE_KP_3] = 0x51,
    [Q_KEY_CODE_KP_4] = 0x4b,
    [Q_KEY_CODE_KP_5] = 0x4c,
    [Q_KEY_CODE_KP_6] = 0x4d,
    [Q_KEY_CODE_KP_7] = 0x47,
    [Q_KEY_CODE_KP_8] = 0x48,
    [Q_KEY_CODE_KP_9] = 0x49,
    [Q_KEY_CODE_LESS] = 0x56,
    [Q_KEY_CODE_F11] = 0x57,
    [Q_KEY_CODE_F12] = 0x58,
    [Q_KEY_CODE_PRINT] = 0xb7,
    [Q_KEY_CODE_HOME] = 0xc7,
    [Q_KEY_CODE_PGUP] = 0xc9,
    [Q_KEY_CODE_PGDN] = 0xd1,
    [Q_KEY_CODE_END] = 0xcf,
    [Q_KEY_CODE_LEFT] = 0xcb,
    [Q_KEY_CODE_UP] = 0xc8,
    [Q_KEY_CODE_DOWN] = 0xd0,
    [Q_KEY_CODE_RIGHT] = 0xcd,
    [Q_KEY_CODE_INSERT] = 0xd2,
    [Q_KEY_CODE_DELETE] = 0xd3,
    [Q_KEY_CODE_STOP] = 0xe8,
    [Q_KEY_CODE_AGAIN] = 0x85,
    [Q_KEY_CODE_PROPS] = 0x86,
    [Q_KEY_CODE_UNDO] = 0x87,
    [Q_KEY_CODE_FRONT] = 0x8c,
    [Q_KEY_CODE_COPY] = 0xf8,
    [Q_KEY_CODE_OPEN] = 0x64,
    [Q_KEY_CODE_PASTE] = 0x65,
    [Q_KEY_CODE_FIND] = 0xc1,
    [Q_KEY_CODE_CUT] = 0xbc,
    [Q_KEY_CODE_LF] = 0x5b,
    [Q_KEY_CODE_HELP] = 0xf5,
    [Q_KEY_CODE_META_L] = 0xdb,
    [Q_KEY_CODE_META_R] = 0xdc,
    [Q_KEY_CODE_COMPOSE] = 0xdd,
    [Q_KEY_CODE_PAUSE] = 0xc6,
    [Q_KEY_CODE_RO] = 0x73,
    [Q_KEY_CODE_HIRAGANA] = 0x77,
    [Q_KEY_CODE_HENKAN] = 0x79,
    [Q_KEY_CODE_YEN] = 0x7d,
    [Q_KEY_CODE_MUHENKAN] = 0x7b,
    [Q_KEY_CODE_KATAKANAHIRAGANA] = 0x70,
    [Q_KEY_CODE_KP_COMMA] = 0x7e,
    [Q_KEY_CODE_KP_EQUALS] = 0x59,
    [Q_KEY_CODE_POWER] = 0xde,
    [Q_KEY_CODE_SLEEP] = 0xdf,
    [Q_KEY_CODE_WAKE] = 0xe3,
    [Q_KEY_CODE_AUDIONEXT] = 0x99,
    [Q_KEY_CODE_AUDIOPREV] = 0x90,
    [Q_KEY_CODE_AUDIOSTOP] = 0xa4,
    [Q_KEY_CODE_AUDIOPLAY] = 0xa2,
    [Q_KEY_CODE_AUDIOMUTE] = 0xa0,
    [Q_KEY_CODE_VOLUMEUP] = 0xb0,
    [Q_KEY_CODE_VOLUMEDOWN] = 0xae,
    [Q_KEY_CODE_MEDIASELECT] = 0xed,
    [Q_KEY_CODE_MAIL] = 0xec,
    [Q_KEY_CODE_CALCULATOR] = 0xa1,
    [Q_KEY_CODE_COMPUTER] = 0xeb,
    [Q_KEY_CODE_AC_HOME] = 0xb2,
    [Q_KEY_CODE_AC_BACK] = 0xea,
    [Q_KEY_CODE_AC_FORWARD] = 0xe9,
    [Q_KEY_CODE_AC_REFRESH] = 0xe7,
    [Q_KEY_CODE_AC_BOOKMARKS] = 0xe6,
    [Q_KEY_CODE_LANG1] = 0x72,
    [Q_KEY_CODE_LANG2] = 0x71,
};

const char *qkeycode_name(QKeyCode qcode)
{
    return qcode < Q_KEY_CODE__MAX ? qkeycode_names[qcode] : NULL;
}

int qkeycode_from_name(const char *name)
{
    for (int i = 0; i < Q_KEY_CODE__MAX; i++) {
        if (!strcmp(qkeycode_names[i], name)) {
            return i;
        }
    }
    return -1;
}

int qkeycode_to_number(QKeyCode qcode)
{
    return qcode < Q_KEY_CODE__MAX ? qkeycode_numbers[qcode] : 0;
}

QKeyCode qkeycode_from_number(int number)
{
    /*
     * Two keys share 0x37 (the keypad's '*' is also "asterisk"); the
     * keypad key is the one the number names.
     */
    if (number == 0x37) {
        return Q_KEY_CODE_KP_MULTIPLY;
    }
    for (int i = 1; number > 0 && i < Q_KEY_CODE__MAX; i++) {
        if (qkeycode_numbers[i] == number) {
            return i;
        }
    }
    return Q_KEY_CODE_UNMAPPED;
}

/* ---- handlers -------------------------------------------------------- */

InputHandler *input_handler_register(const InputHandlerOps *ops, void *opaque)
{
    InputHandler *h = g_new0(InputHandler, 1);

    h->ops = ops;
    h->opaque = opaque;
    input_handlers = g_list_prepend(input_handlers, h);
    return h;
}

void input_handler_activate(InputHandler *h)
{
    input_handlers = g_list_remove(input_handlers, h);
    input_handlers = g_list_prepend(input_handlers, h);
}

void input_handler_unregister(InputHandler *h)
{
    input_handlers = g_list_remove(input_handlers, h);
    g_free(h);
}

static InputHandler *input_handler_find(unsigned mask)
{
    for (GList *l = input_handlers; l; l = l->next) {
        InputHandler *h = l->data;

        if (h->ops->mask & mask) {
            return h;
        }
    }
    return NULL;
}

/* ---- events ---------------------------------------------------------- */

void input_event_send_key(QKeyCode qcode, bool down)
{
    InputHandler *h = input_handler_find(INPUT_EVENT_MASK_KEY);

    if (!h || qcode <= Q_KEY_CODE_UNMAPPED || qcode >= Q_KEY_CODE__MAX) {
        return;
    }
    h->ops->key(h->opaque, qcode, down);
    if (h->ops->sync) {
        h->ops->sync(h->opaque);
    }
}

void input_event_send_button(InputButton button, bool down)
{
    InputHandler *h = input_handler_find(INPUT_EVENT_MASK_BTN);

    if (h && button < INPUT_BUTTON__MAX) {
        h->ops->button(h->opaque, button, down);
    }
}

void input_event_send_rel(InputAxis axis, int value)
{
    InputHandler *h = input_handler_find(INPUT_EVENT_MASK_REL);

    if (h && axis < INPUT_AXIS__MAX) {
        h->ops->rel(h->opaque, axis, value);
    }
}

void input_event_send_abs(InputAxis axis, int value, int min, int max)
{
    InputHandler *h = input_handler_find(INPUT_EVENT_MASK_ABS);
    int64_t range = (int64_t)max - min;

    if (!h || axis >= INPUT_AXIS__MAX || range <= 0) {
        return;
    }
    value = CLAMP(value, min, max);
    h->ops->abs(h->opaque, axis,
                (int)(((int64_t)value - min) * INPUT_EVENT_ABS_MAX / range));
}

bool input_pointer_is_absolute(void)
{
    InputHandler *h =
        input_handler_find(INPUT_EVENT_MASK_REL | INPUT_EVENT_MASK_ABS);

    return h && (h->ops->mask & INPUT_EVENT_MASK_ABS);
}

void input_event_sync(void)
{
    /* Every pointer handler that may have collected part of the frame. */
    InputHandler *btn = input_handler_find(INPUT_EVENT_MASK_BTN);
    InputHandler *rel = input_handler_find(INPUT_EVENT_MASK_REL);
    InputHandler *abs = input_handler_find(INPUT_EVENT_MASK_ABS);

    if (btn && btn->ops->sync) {
        btn->ops->sync(btn->opaque);
    }
    if (rel && rel != btn && rel->ops->sync) {
        rel->ops->sync(rel->opaque);
    }
    if (abs && abs != btn && abs != rel && abs->ops->sync) {
        abs->ops->sync(abs->opaque);
    }
}

/* ---- sendkey ---------------------------------------------------------- */

typedef struct KeyRelease {
    Timer *timer;
    unsigned n;
    QKeyCode keys[];
} KeyRelease;

static void key_release_run(void *opaque)
{
    KeyRelease *r = opaque;

    for (unsigned i = r->n; i-- > 0;) {
        input_event_send_key(r->keys[i], false);
    }
    timer_free(r->timer);
    g_free(r);
}

void input_send_keys(const QKeyCode *keys, unsigned n, int64_t hold_ms)
{
    KeyRelease *r = g_malloc(sizeof(*r) + n * sizeof(QKeyCode));

    r->n = n;
    for (unsigned i = 0; i < n; i++) {
        r->keys[i] = keys[i];
        input_event_send_key(keys[i], true);
    }
    r->timer = timer_new_ns(VM_CLOCK_VIRTUAL, key_release_run, r);
    if (!runstate_is_running()) {
        key_release_run(r);
        return;
    }
    timer_mod_ns(r->timer,
                 vm_clock_get_ns(VM_CLOCK_VIRTUAL) + hold_ms * 1000000);
}
