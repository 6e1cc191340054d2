/*
 * The input layer's key tables and routing, and the PS/2 keyboard's scan
 * code table checked against them: every key's set 2 code, put through
 * the 8042's set 2 -> set 1 translation, must give QEMU's key number for
 * that key (its set 1 code, bit 7 for an 0xE0 prefix). The two tables
 * live in different layers (ui/ and hw/input/); this keeps them in step.
 * (Both were checked key by key against QEMU 7.2's PS/2 output.)
 */
#include <glib.h>

#include "hw/input/ps2.h"
#include "ui/input.h"
#include "ui/vnc-keysym.h"

static void test_names(void)
{
    g_assert_cmpint(qkeycode_from_name("unmapped"), ==, Q_KEY_CODE_UNMAPPED);
    g_assert_cmpint(qkeycode_from_name("kp_enter"), ==, Q_KEY_CODE_KP_ENTER);
    g_assert_cmpint(qkeycode_from_name("lang2"), ==, Q_KEY_CODE_LANG2);
    g_assert_cmpint(qkeycode_from_name("nokey"), ==, -1);
    g_assert_cmpint(qkeycode_from_name("ENTER"), ==, -1);
    /* QEMU 7.2 has 150 key names, all distinct. */
    g_assert_cmpint(Q_KEY_CODE__MAX, ==, 150);
    for (int i = 0; i < Q_KEY_CODE__MAX; i++) {
        g_assert_nonnull(qkeycode_name(i));
        g_assert_cmpint(qkeycode_from_name(qkeycode_name(i)), ==, i);
    }
    g_assert_null(qkeycode_name(Q_KEY_CODE__MAX));
}

static void test_numbers(void)
{
    g_assert_cmpint(qkeycode_from_number(0x1e), ==, Q_KEY_CODE_A);
    g_assert_cmpint(qkeycode_from_number(0x1c), ==, Q_KEY_CODE_RET);
    g_assert_cmpint(qkeycode_from_number(0x9c), ==, Q_KEY_CODE_KP_ENTER);
    g_assert_cmpint(qkeycode_from_number(0x37), ==, Q_KEY_CODE_KP_MULTIPLY);
    g_assert_cmpint(qkeycode_from_number(0), ==, Q_KEY_CODE_UNMAPPED);
    g_assert_cmpint(qkeycode_from_number(-1), ==, Q_KEY_CODE_UNMAPPED);
    for (int i = 1; i < Q_KEY_CODE__MAX; i++) {
        int number = qkeycode_to_number(i);

        g_assert_cmpint(number, !=, 0);
        if (i != Q_KEY_CODE_ASTERISK) {
            g_assert_cmpint(qkeycode_from_number(number), ==, i);
        }
    }
}

static void test_set2_matches_numbers(void)
{
    for (int i = 1; i < Q_KEY_CODE__MAX; i++) {
        unsigned code = ps2_keyboard_set2_code(i);
        int set1;

        switch (i) {
        case Q_KEY_CODE_PAUSE: /* a sequence of its own */
        case Q_KEY_CODE_MENU:  /* keys a PC keyboard does not have */
        case Q_KEY_CODE_AGAIN:
        case Q_KEY_CODE_PROPS:
        case Q_KEY_CODE_UNDO:
        case Q_KEY_CODE_FRONT:
        case Q_KEY_CODE_COPY:
        case Q_KEY_CODE_OPEN:
        case Q_KEY_CODE_PASTE:
        case Q_KEY_CODE_FIND:
        case Q_KEY_CODE_CUT:
        case Q_KEY_CODE_LF:
        case Q_KEY_CODE_HELP:
        case Q_KEY_CODE_LANG1:
        case Q_KEY_CODE_LANG2:
            g_assert_cmphex(code, ==, 0);
            continue;
        }
        g_assert_cmphex(code, !=, 0);
        set1 = ps2_set2_to_set1(code & 0xff) | (code & 0xff00 ? 0x80 : 0);
        if (set1 != qkeycode_to_number(i)) {
            g_error("%s: set 2 0x%04x translates to 0x%02x, number 0x%02x",
                    qkeycode_name(i), code, set1, qkeycode_to_number(i));
        }
    }
}

static void test_translation(void)
{
    /* Bytes that are not key codes pass through unchanged. */
    g_assert_cmphex(ps2_set2_to_set1(0xfa), ==, 0xfa);
    g_assert_cmphex(ps2_set2_to_set1(0xaa), ==, 0xaa);
    g_assert_cmphex(ps2_set2_to_set1(0xe0), ==, 0xe0);
    g_assert_cmphex(ps2_set2_to_set1(0x83), ==, 0x41); /* F7 */
    g_assert_cmphex(ps2_set2_to_set1(0x84), ==, 0x54); /* SysRq */
    /* 0x00-0x7F is a permutation. */
    for (int a = 0; a < 0x80; a++) {
        for (int b = a + 1; b < 0x80; b++) {
            g_assert_cmphex(ps2_set2_to_set1(a), !=, ps2_set2_to_set1(b));
        }
    }
}

/* ---- routing and the keyboard's FIFO --------------------------------- */

typedef struct KeyLog {
    GString *keys;
} KeyLog;

static void log_key(void *opaque, QKeyCode qcode, bool down)
{
    KeyLog *log = opaque;

    g_string_append_printf(log->keys, "%c%s ", down ? '+' : '-',
                           qkeycode_name(qcode));
}

static const InputHandlerOps log_ops = {
    .name = "log",
    .mask = INPUT_EVENT_MASK_KEY,
    .key = log_key,
};

static void test_routing(void)
{
    KeyLog first = {g_string_new(NULL)}, second = {g_string_new(NULL)};
    InputHandler *h1 = input_handler_register(&log_ops, &first);
    InputHandler *h2 = input_handler_register(&log_ops, &second);

    input_event_send_key(Q_KEY_CODE_A, true);
    input_handler_activate(h1);
    input_event_send_key(Q_KEY_CODE_A, false);
    input_event_send_key(Q_KEY_CODE_UNMAPPED, true); /* dropped */
    input_handler_unregister(h1);
    input_event_send_key(Q_KEY_CODE_B, true);
    g_assert_cmpstr(first.keys->str, ==, "-a ");
    g_assert_cmpstr(second.keys->str, ==, "+a +b ");
    input_handler_unregister(h2);
    g_string_free(first.keys, true);
    g_string_free(second.keys, true);
}

/* ---- absolute pointers ------------------------------------------------ */

typedef struct PointerLog {
    int abs[INPUT_AXIS__MAX];
    int rel[INPUT_AXIS__MAX];
    unsigned syncs;
} PointerLog;

static void log_abs(void *opaque, InputAxis axis, int value)
{
    ((PointerLog *)opaque)->abs[axis] = value;
}

static void log_rel(void *opaque, InputAxis axis, int value)
{
    ((PointerLog *)opaque)->rel[axis] += value;
}

static void log_sync(void *opaque)
{
    ((PointerLog *)opaque)->syncs++;
}

static const InputHandlerOps tablet_ops = {
    .name = "tablet",
    .mask = INPUT_EVENT_MASK_ABS,
    .abs = log_abs,
    .sync = log_sync,
};

static const InputHandlerOps mouse_ops = {
    .name = "mouse",
    .mask = INPUT_EVENT_MASK_REL,
    .rel = log_rel,
    .sync = log_sync,
};

static void test_absolute(void)
{
    PointerLog tablet = {{0}}, mouse = {{0}};
    InputHandler *m = input_handler_register(&mouse_ops, &mouse);
    InputHandler *t;

    g_assert_false(input_pointer_is_absolute());
    t = input_handler_register(&tablet_ops, &tablet);
    g_assert_true(input_pointer_is_absolute());
    /* Screen positions scaled to 0..0x7fff; out of range is clamped. */
    input_event_send_abs(INPUT_AXIS_X, 639, 0, 639);
    input_event_send_abs(INPUT_AXIS_Y, 240, 0, 480);
    input_event_sync();
    g_assert_cmpint(tablet.abs[INPUT_AXIS_X], ==, INPUT_EVENT_ABS_MAX);
    g_assert_cmpint(tablet.abs[INPUT_AXIS_Y], ==, INPUT_EVENT_ABS_MAX / 2);
    g_assert_cmpuint(tablet.syncs, ==, 1);
    input_event_send_abs(INPUT_AXIS_X, -5, 0, 639);
    g_assert_cmpint(tablet.abs[INPUT_AXIS_X], ==, 0);
    /* The mouse made the newest pointer again: relative. */
    input_handler_activate(m);
    g_assert_false(input_pointer_is_absolute());
    input_event_send_rel(INPUT_AXIS_X, 3);
    g_assert_cmpint(mouse.rel[INPUT_AXIS_X], ==, 3);
    input_handler_unregister(t);
    input_handler_unregister(m);
}

/* ---- keysyms (the VNC server's table) ---------------------------------- */

static void test_keysyms(void)
{
    g_assert_cmpint(qkeycode_from_keysym('a'), ==, Q_KEY_CODE_A);
    g_assert_cmpint(qkeycode_from_keysym('Z'), ==, Q_KEY_CODE_Z);
    g_assert_cmpint(qkeycode_from_keysym('!'), ==, Q_KEY_CODE_1);
    g_assert_cmpint(qkeycode_from_keysym('~'), ==, Q_KEY_CODE_GRAVE_ACCENT);
    g_assert_cmpint(qkeycode_from_keysym(' '), ==, Q_KEY_CODE_SPC);
    g_assert_cmpint(qkeycode_from_keysym(0xff0d), ==, Q_KEY_CODE_RET);
    g_assert_cmpint(qkeycode_from_keysym(0xffbe), ==, Q_KEY_CODE_F1);
    g_assert_cmpint(qkeycode_from_keysym(0xffc9), ==, Q_KEY_CODE_F12);
    g_assert_cmpint(qkeycode_from_keysym(0xff8d), ==, Q_KEY_CODE_KP_ENTER);
    g_assert_cmpint(qkeycode_from_keysym(0xffe4), ==, Q_KEY_CODE_CTRL_R);
    g_assert_cmpint(qkeycode_from_keysym(0xffff), ==, Q_KEY_CODE_DELETE);
    g_assert_cmpint(qkeycode_from_keysym(0xfe03), ==, Q_KEY_CODE_ALT_R);
    g_assert_cmpint(qkeycode_from_keysym(0x20ac), ==, Q_KEY_CODE_UNMAPPED);
    /* Every printable ASCII character has a key on a US keyboard. */
    for (unsigned c = 0x20; c < 0x7f; c++) {
        g_assert_cmpint(qkeycode_from_keysym(c), !=, Q_KEY_CODE_UNMAPPED);
    }
}

static unsigned updates;

static void count_update(void *opaque)
{
    updates++;
}

static void test_keyboard_fifo(void)
{
    PS2State *kbd = ps2_keyboard_new(count_update, NULL);
    unsigned n = 0;

    /* The newest handler is this keyboard: 20 key presses, 16 kept. */
    for (int i = 0; i < 20; i++) {
        input_event_send_key(Q_KEY_CODE_A, true);
    }
    g_assert_cmpuint(updates, ==, 16);
    /* A command's reply goes out before the queued keys. */
    ps2_write(kbd, 0xee);
    g_assert_cmphex(ps2_read(kbd), ==, 0xee);
    while (ps2_has_data(kbd)) {
        g_assert_cmphex(ps2_read(kbd), ==, 0x1c);
        n++;
    }
    g_assert_cmpuint(n, ==, 16);
    /* Resend repeats the last byte sent. */
    ps2_write(kbd, 0xfe);
    g_assert_cmphex(ps2_read(kbd), ==, 0x1c);
    /* Unknown commands are answered with Resend. */
    ps2_write(kbd, 0xe5);
    g_assert_cmphex(ps2_read(kbd), ==, 0xfe);
    /* Disabled (0xF5): keys are not scanned. */
    ps2_write(kbd, 0xf5);
    g_assert_cmphex(ps2_read(kbd), ==, 0xfa);
    input_event_send_key(Q_KEY_CODE_A, true);
    g_assert_false(ps2_has_data(kbd));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/input/names", test_names);
    g_test_add_func("/input/numbers", test_numbers);
    g_test_add_func("/input/set2-matches-numbers", test_set2_matches_numbers);
    g_test_add_func("/input/translation", test_translation);
    g_test_add_func("/input/routing", test_routing);
    g_test_add_func("/input/absolute", test_absolute);
    g_test_add_func("/input/keysyms", test_keysyms);
    g_test_add_func("/input/keyboard-fifo", test_keyboard_fifo);
    return g_test_run();
}
