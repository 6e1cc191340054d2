/*
 * The i8042 keyboard controller with its PS/2 keyboard and mouse, driven
 * through ports 0x60/0x64 the way a driver does: command the devices and
 * read their replies, press keys with the monitor's sendkey/send-key and
 * move the mouse with mouse_move, and watch IRQ1/IRQ12 at the IOAPIC.
 *
 * Runs against QEMU too (PCVM_QTEST_BINARY): there the virtual clock runs
 * in real time and QEMU spaces the keys of one sendkey by the hold time,
 * so byte waits poll instead of stepping the clock.
 */
#include <glib.h>
#include <string.h>

#include "libqtest.h"

#define KBC_DATA 0x60
#define KBC_CMD 0x64

#define STAT_OBF 0x01
#define STAT_AUX_OBF 0x20

#define MODE_KBD_INT 0x01
#define MODE_MOUSE_INT 0x02
#define MODE_SYS 0x04
#define MODE_XLATE 0x40

#define IRQ_KBD 1
#define IRQ_MOUSE 12

/* Both interrupts on, translation on: what firmware leaves. */
static QTestState *ps2_start(void)
{
    QTestState *s = qtest_init("");

    qtest_irq_intercept_in(s, "ioapic");
    qtest_outb(s, KBC_CMD, 0x60);
    qtest_outb(s, KBC_DATA,
               MODE_KBD_INT | MODE_MOUSE_INT | MODE_SYS | MODE_XLATE);
    return s;
}

static uint8_t kbc_status(QTestState *s)
{
    return qtest_inb(s, KBC_CMD);
}

static void kbc_set_mode(QTestState *s, uint8_t mode)
{
    qtest_outb(s, KBC_CMD, 0x60);
    qtest_outb(s, KBC_DATA, mode);
}

/*
 * Waits for the output buffer to fill: pcvm's virtual clock moves only
 * when told, so step it to the next timer (a key release); elsewhere time
 * passes by itself.
 */
static bool kbc_wait(QTestState *s)
{
    for (int i = 0; i < 300; i++) {
        if (kbc_status(s) & STAT_OBF) {
            return true;
        }
        if (qtest_has_accel_qtest(s)) {
            qtest_clock_step_next(s);
        } else {
            g_usleep(10 * 1000);
        }
    }
    return false;
}

/* The next byte, which must come from the keyboard (aux=false) or mouse. */
static uint8_t kbc_read(QTestState *s, bool aux)
{
    g_assert_true(kbc_wait(s));
    g_assert_cmphex(kbc_status(s) & STAT_AUX_OBF, ==, aux ? STAT_AUX_OBF : 0);
    return qtest_inb(s, KBC_DATA);
}

static void expect_bytes(QTestState *s, bool aux, const uint8_t *bytes,
                         size_t n, int line)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t b;

        if (!kbc_wait(s)) {
            g_error("line %d: no byte %zu (0x%02x)", line, i, bytes[i]);
        }
        b = kbc_read(s, aux);
        if (b != bytes[i]) {
            g_error("line %d: byte %zu: got 0x%02x, expected 0x%02x", line, i,
                    b, bytes[i]);
        }
    }
}

#define EXPECT_KBD(s, ...)                                                     \
    do {                                                                       \
        const uint8_t expected_[] = {__VA_ARGS__};                             \
        expect_bytes(s, false, expected_, sizeof(expected_), __LINE__);        \
    } while (0)
#define EXPECT_AUX(s, ...)                                                     \
    do {                                                                       \
        const uint8_t expected_[] = {__VA_ARGS__};                             \
        expect_bytes(s, true, expected_, sizeof(expected_), __LINE__);         \
    } while (0)

/* A macro, so that a failure names the caller's line. */
#define expect_empty(s) g_assert_cmphex(kbc_status(s) & STAT_OBF, ==, 0)

static void kbd_send(QTestState *s, uint8_t b)
{
    qtest_outb(s, KBC_DATA, b);
}

static void aux_send(QTestState *s, uint8_t b)
{
    qtest_outb(s, KBC_CMD, 0xd4);
    qtest_outb(s, KBC_DATA, b);
}

static void hmp(QTestState *s, const char *line)
{
    g_autofree char *out = qtest_hmp(s, "%s", line);

    g_assert_cmpstr(out, ==, "");
}

/* ---- keyboard commands ------------------------------------------------- */

static void test_keyboard_reset_identify(void)
{
    QTestState *s = ps2_start();

    kbc_set_mode(s, MODE_KBD_INT | MODE_MOUSE_INT | MODE_SYS | MODE_XLATE);
    kbd_send(s, 0xff);
    EXPECT_KBD(s, 0xfa, 0xaa);
    /* Translation turns the id's 0x83 into 0x41. */
    kbd_send(s, 0xf2);
    EXPECT_KBD(s, 0xfa, 0xab, 0x41);
    kbc_set_mode(s, MODE_KBD_INT | MODE_MOUSE_INT | MODE_SYS);
    kbd_send(s, 0xf2);
    EXPECT_KBD(s, 0xfa, 0xab, 0x83);
    expect_empty(s);
    qtest_quit(s);
}

static void test_keyboard_scancode_set(void)
{
    QTestState *s = ps2_start();

    kbc_set_mode(s, MODE_KBD_INT | MODE_SYS);
    kbd_send(s, 0xf0);
    EXPECT_KBD(s, 0xfa);
    kbd_send(s, 0x00);
    EXPECT_KBD(s, 0xfa, 0x02);
    kbd_send(s, 0xf0);
    EXPECT_KBD(s, 0xfa);
    kbd_send(s, 0x01);
    EXPECT_KBD(s, 0xfa);
    kbd_send(s, 0xf0);
    EXPECT_KBD(s, 0xfa);
    kbd_send(s, 0x00);
    EXPECT_KBD(s, 0xfa, 0x01);
    /* Set 1 without translation: the keyboard itself sends set 1. */
    hmp(s, "sendkey a 10");
    EXPECT_KBD(s, 0x1e, 0x9e);
    kbd_send(s, 0xf0);
    EXPECT_KBD(s, 0xfa);
    kbd_send(s, 0x02);
    EXPECT_KBD(s, 0xfa);
    /* With translation, the reply "2" is translated too. */
    kbc_set_mode(s, MODE_KBD_INT | MODE_SYS | MODE_XLATE);
    kbd_send(s, 0xf0);
    EXPECT_KBD(s, 0xfa);
    kbd_send(s, 0x00);
    EXPECT_KBD(s, 0xfa, 0x41);
    expect_empty(s);
    qtest_quit(s);
}

static void test_keyboard_echo_leds(void)
{
    QTestState *s = ps2_start();

    kbd_send(s, 0xee);
    EXPECT_KBD(s, 0xee);
    kbd_send(s, 0xed);
    EXPECT_KBD(s, 0xfa);
    kbd_send(s, 0x07);
    EXPECT_KBD(s, 0xfa);
    kbd_send(s, 0xf3);
    EXPECT_KBD(s, 0xfa);
    kbd_send(s, 0x20);
    EXPECT_KBD(s, 0xfa);
    kbd_send(s, 0xf4);
    EXPECT_KBD(s, 0xfa);
    expect_empty(s);
    qtest_quit(s);
}

/* ---- keys -------------------------------------------------------------- */

static void test_sendkey_translated(void)
{
    QTestState *s = ps2_start();

    g_assert_false(qtest_get_irq(s, IRQ_KBD));
    hmp(s, "sendkey a");
    g_assert_true(qtest_get_irq(s, IRQ_KBD));
    g_assert_cmphex(kbc_status(s) & (STAT_OBF | STAT_AUX_OBF), ==, STAT_OBF);
    g_assert_cmphex(qtest_inb(s, KBC_DATA), ==, 0x1e);
    expect_empty(s);
    g_assert_false(qtest_get_irq(s, IRQ_KBD));
    if (qtest_has_accel_qtest(s)) {
        /* Released after the hold time (100 ms) of guest time. */
        qtest_clock_step(s, 99 * 1000 * 1000);
        expect_empty(s);
        qtest_clock_step(s, 1000 * 1000);
        g_assert_true(qtest_get_irq(s, IRQ_KBD));
    }
    EXPECT_KBD(s, 0x9e);

    hmp(s, "sendkey ctrl-alt-delete");
    if (qtest_has_accel_qtest(s)) {
        /* All pressed at once, then released together in reverse. */
        EXPECT_KBD(s, 0x1d, 0x38, 0xe0, 0x53);
        expect_empty(s);
        qtest_clock_step(s, 100 * 1000 * 1000);
        EXPECT_KBD(s, 0xe0, 0xd3, 0xb8, 0x9d);
    } else {
        EXPECT_KBD(s, 0x1d, 0x38, 0xe0, 0x53, 0xe0, 0xd3, 0xb8, 0x9d);
    }

    /* Pause: one sequence on press, nothing on release. */
    hmp(s, "sendkey pause 10");
    EXPECT_KBD(s, 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5);
    if (qtest_has_accel_qtest(s)) {
        qtest_clock_step(s, 20 * 1000 * 1000);
    } else {
        g_usleep(200 * 1000);
    }
    expect_empty(s);
    qtest_quit(s);
}

static void test_sendkey_set2(void)
{
    QTestState *s = ps2_start();

    kbc_set_mode(s, MODE_KBD_INT | MODE_MOUSE_INT | MODE_SYS);
    hmp(s, "sendkey a 10");
    g_assert_true(qtest_get_irq(s, IRQ_KBD));
    EXPECT_KBD(s, 0x1c, 0xf0, 0x1c);
    hmp(s, "sendkey ctrl-alt-delete 10");
    EXPECT_KBD(s, 0x14, 0x11, 0xe0, 0x71, 0xe0, 0xf0, 0x71, 0xf0, 0x11, 0xf0,
               0x14);
    hmp(s, "sendkey pause 10");
    EXPECT_KBD(s, 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77);
    hmp(s, "sendkey print 10");
    EXPECT_KBD(s, 0xe0, 0x12, 0xe0, 0x7c, 0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12);
    /* Key numbers: 0x1c is Enter, 0x9c the keypad's Enter (0xE0 0x1C). */
    hmp(s, "sendkey 0x1c 10");
    EXPECT_KBD(s, 0x5a, 0xf0, 0x5a);
    hmp(s, "sendkey 0x9c 10");
    EXPECT_KBD(s, 0xe0, 0x5a, 0xe0, 0xf0, 0x5a);
    expect_empty(s);
    qtest_quit(s);
}

static void test_send_key_qmp(void)
{
    QTestState *s = ps2_start();
    JsonObject *resp;

    kbc_set_mode(s, MODE_KBD_INT | MODE_SYS);
    qtest_qmp_assert_success(s, "{'execute': 'send-key', 'arguments': "
                                "{'keys': [{'type': 'number', 'data': 42}, "
                                "{'type': 'qcode', 'data': 'f7'}], "
                                "'hold-time': 10}}");
    EXPECT_KBD(s, 0x12, 0x83, 0xf0, 0x83, 0xf0, 0x12);

    resp = qtest_qmp(s, "{'execute': 'send-key', 'arguments': "
                        "{'keys': [{'type': 'qcode', 'data': 'nokey'}]}}");
    g_assert_cmpstr(qtest_qmp_error_class(resp), ==, "GenericError");
    g_assert_cmpstr(json_object_get_string_member(
                        json_object_get_object_member(resp, "error"), "desc"),
                    ==, "Parameter 'data' does not accept value 'nokey'");
    json_object_unref(resp);
    resp = qtest_qmp(s, "{'execute': 'send-key', 'arguments': "
                        "{'keys': [{'type': 'qcode'}]}}");
    g_assert_cmpstr(json_object_get_string_member(
                        json_object_get_object_member(resp, "error"), "desc"),
                    ==, "Parameter 'keys[0].data' is missing");
    json_object_unref(resp);
    expect_empty(s);
    qtest_quit(s);
}

static void test_sendkey_errors(void)
{
    QTestState *s = ps2_start();
    g_autofree char *out = qtest_hmp(s, "sendkey ctrl-nokey");

    g_assert_cmpstr(out, ==, "invalid parameter: nokey\r\n");
    expect_empty(s); /* nothing pressed */
    qtest_quit(s);
}

static void test_sendkey_schema(void)
{
    QTestState *s = ps2_start();
    JsonNode *schema =
        qtest_qmp_assert_success_ref(s, "{'execute': 'query-qmp-schema'}");
    JsonArray *list = json_node_get_array(schema);
    const char *arg_type = NULL;
    bool has_qkeycode = false;

    for (unsigned i = 0; i < json_array_get_length(list); i++) {
        JsonObject *e = json_array_get_object_element(list, i);
        const char *meta = json_object_get_string_member(e, "meta-type");

        if (!strcmp(meta, "command") &&
            !strcmp(json_object_get_string_member(e, "name"), "send-key")) {
            arg_type = json_object_get_string_member(e, "arg-type");
        }
        if (!strcmp(meta, "enum")) {
            JsonArray *values = json_object_get_array_member(e, "values");

            for (unsigned j = 0; j < json_array_get_length(values); j++) {
                if (!strcmp(json_array_get_string_element(values, j),
                            "kp_enter")) {
                    has_qkeycode = true;
                }
            }
        }
    }
    g_assert_nonnull(arg_type);
    g_assert_true(has_qkeycode);
    json_node_unref(schema);
    qtest_quit(s);
}

/* ---- controller ports -------------------------------------------------- */

static void test_port_disable(void)
{
    QTestState *s = ps2_start();

    qtest_outb(s, KBC_CMD, 0xad);
    hmp(s, "sendkey b 10");
    expect_empty(s);
    g_assert_false(qtest_get_irq(s, IRQ_KBD));
    qtest_outb(s, KBC_CMD, 0xae);
    g_assert_true(qtest_get_irq(s, IRQ_KBD));
    EXPECT_KBD(s, 0x30, 0xb0);

    /* 0xA7/0xA8 set and clear the aux disable bit of the command byte. */
    qtest_outb(s, KBC_CMD, 0xa7);
    qtest_outb(s, KBC_CMD, 0x20);
    g_assert_cmphex(kbc_read(s, false) & 0x20, ==, 0x20);
    qtest_outb(s, KBC_CMD, 0xa8);
    qtest_outb(s, KBC_CMD, 0x20);
    g_assert_cmphex(kbc_read(s, false) & 0x20, ==, 0);

    /* Interface tests. */
    qtest_outb(s, KBC_CMD, 0xa9);
    EXPECT_KBD(s, 0x00);
    qtest_outb(s, KBC_CMD, 0xab);
    EXPECT_KBD(s, 0x00);
    expect_empty(s);
    qtest_quit(s);
}

static void test_write_output_buffers(void)
{
    QTestState *s = ps2_start();

    qtest_outb(s, KBC_CMD, 0xd2);
    qtest_outb(s, KBC_DATA, 0x5a);
    g_assert_true(qtest_get_irq(s, IRQ_KBD));
    g_assert_false(qtest_get_irq(s, IRQ_MOUSE));
    EXPECT_KBD(s, 0x5a);
    qtest_outb(s, KBC_CMD, 0xd3);
    qtest_outb(s, KBC_DATA, 0xa5);
    g_assert_true(qtest_get_irq(s, IRQ_MOUSE));
    g_assert_false(qtest_get_irq(s, IRQ_KBD));
    EXPECT_AUX(s, 0xa5);
    g_assert_false(qtest_get_irq(s, IRQ_MOUSE));
    /* Without the aux interrupt enabled, AUX_OBF still shows the byte. */
    kbc_set_mode(s, MODE_KBD_INT | MODE_SYS);
    qtest_outb(s, KBC_CMD, 0xd3);
    qtest_outb(s, KBC_DATA, 0x11);
    g_assert_false(qtest_get_irq(s, IRQ_MOUSE));
    EXPECT_AUX(s, 0x11);
    qtest_quit(s);
}

/* ---- mouse ------------------------------------------------------------- */

static void aux_command(QTestState *s, uint8_t b)
{
    aux_send(s, b);
    EXPECT_AUX(s, 0xfa);
}

static void test_mouse_reset_identify(void)
{
    QTestState *s = ps2_start();

    aux_send(s, 0xff);
    g_assert_true(qtest_get_irq(s, IRQ_MOUSE));
    g_assert_false(qtest_get_irq(s, IRQ_KBD));
    EXPECT_AUX(s, 0xfa, 0xaa, 0x00);
    g_assert_false(qtest_get_irq(s, IRQ_MOUSE));
    aux_send(s, 0xf2);
    EXPECT_AUX(s, 0xfa, 0x00);

    /* The IntelliMouse knock: sample rates 200, 100, 80. */
    aux_command(s, 0xf3);
    aux_command(s, 200);
    aux_command(s, 0xf3);
    aux_command(s, 100);
    aux_command(s, 0xf3);
    aux_command(s, 80);
    aux_send(s, 0xf2);
    EXPECT_AUX(s, 0xfa, 0x03);

    /* Status: stream mode, disabled, 1:1, 4 counts/mm, 80 samples/s. */
    aux_send(s, 0xe9);
    EXPECT_AUX(s, 0xfa, 0x00, 0x02, 80);
    aux_command(s, 0xe8);
    aux_command(s, 0x03);
    aux_command(s, 0xe7);
    aux_command(s, 0xf4);
    aux_send(s, 0xe9);
    EXPECT_AUX(s, 0xfa, 0x30, 0x03, 80);

    /* Reset forgets the wheel. */
    aux_send(s, 0xff);
    EXPECT_AUX(s, 0xfa, 0xaa, 0x00);
    aux_send(s, 0xf2);
    EXPECT_AUX(s, 0xfa, 0x00);
    expect_empty(s);
    qtest_quit(s);
}

static void test_mouse_stream(void)
{
    QTestState *s = ps2_start();

    /* Nothing is sent before reporting is enabled. */
    hmp(s, "mouse_move 5 -3");
    expect_empty(s);
    aux_command(s, 0xf4);
    hmp(s, "mouse_move 5 -3");
    g_assert_true(qtest_get_irq(s, IRQ_MOUSE));
    /* Y grows upwards on the mouse: 3 up. */
    EXPECT_AUX(s, 0x08, 0x05, 0x03);
    hmp(s, "mouse_move -2 4");
    EXPECT_AUX(s, 0x38, 0xfe, 0xfc);
    hmp(s, "mouse_button 1");
    EXPECT_AUX(s, 0x09, 0x00, 0x00);
    hmp(s, "mouse_button 2"); /* right */
    EXPECT_AUX(s, 0x0a, 0x00, 0x00);
    hmp(s, "mouse_button 4"); /* middle */
    EXPECT_AUX(s, 0x0c, 0x00, 0x00);
    hmp(s, "mouse_button 0");
    EXPECT_AUX(s, 0x08, 0x00, 0x00);

    /* With the wheel: 4-byte packets, the wheel in the fourth. */
    aux_command(s, 0xf3);
    aux_command(s, 200);
    aux_command(s, 0xf3);
    aux_command(s, 100);
    aux_command(s, 0xf3);
    aux_command(s, 80);
    hmp(s, "mouse_move 1 0 1");
    EXPECT_AUX(s, 0x08, 0x01, 0x00, 0xff); /* wheel up counts -1 */
    /* The wheel's release ends a frame of its own: an empty report. */
    EXPECT_AUX(s, 0x08, 0x00, 0x00, 0x00);
    expect_empty(s);

    /* Disabled again: no packets. */
    aux_command(s, 0xf5);
    hmp(s, "mouse_move 1 1");
    expect_empty(s);
    qtest_quit(s);
}

static void test_mouse_remote_wrap(void)
{
    QTestState *s = ps2_start();

    aux_command(s, 0xf0); /* remote mode */
    aux_command(s, 0xf4);
    hmp(s, "mouse_move 7 0");
    expect_empty(s);
    aux_send(s, 0xeb);
    EXPECT_AUX(s, 0xfa, 0x08, 0x07, 0x00);
    aux_command(s, 0xea);

    aux_command(s, 0xee); /* wrap: bytes come back */
    aux_send(s, 0x42);
    EXPECT_AUX(s, 0x42);
    aux_command(s, 0xec);
    aux_send(s, 0x42); /* not a command */
    if (qtest_has_accel_qtest(s)) {
        /* The PS/2 reference's Resend; QEMU's mouse stays silent. */
        EXPECT_AUX(s, 0xfe);
    }
    expect_empty(s);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ps2/keyboard/reset-identify",
                    test_keyboard_reset_identify);
    g_test_add_func("/ps2/keyboard/scancode-set", test_keyboard_scancode_set);
    g_test_add_func("/ps2/keyboard/echo-leds", test_keyboard_echo_leds);
    g_test_add_func("/ps2/sendkey/translated", test_sendkey_translated);
    g_test_add_func("/ps2/sendkey/set2", test_sendkey_set2);
    g_test_add_func("/ps2/sendkey/qmp", test_send_key_qmp);
    g_test_add_func("/ps2/sendkey/errors", test_sendkey_errors);
    g_test_add_func("/ps2/sendkey/schema", test_sendkey_schema);
    g_test_add_func("/ps2/i8042/port-disable", test_port_disable);
    g_test_add_func("/ps2/i8042/write-output-buffers",
                    test_write_output_buffers);
    g_test_add_func("/ps2/mouse/reset-identify", test_mouse_reset_identify);
    g_test_add_func("/ps2/mouse/stream", test_mouse_stream);
    g_test_add_func("/ps2/mouse/remote-wrap", test_mouse_remote_wrap);
    return g_test_run();
}
