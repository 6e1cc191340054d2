/*
 * The qtest protocol server (QEMU's qtest wire protocol).
 *
 * A test sends one command per line ("outb 0x3f8 0x41", "readl 0xfec00010",
 * "clock_step 1000") and gets one reply line: "OK", "OK <value>" or
 * "FAIL <reason>". Once it has intercepted a device's interrupt lines
 * (irq_intercept_in/out PATH), "IRQ raise N" / "IRQ lower N" lines may come
 * before any reply. Numbers are C literals (0x.., decimal, 0..).
 *
 * Unlike QEMU, malformed commands are answered with FAIL instead of
 * aborting the process: the protocol is a test interface, but a typo in a
 * test should give a readable failure, not a core dump.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "accel/qtest.h"
#include "chardev/char.h"
#include "hw/core/machine.h"
#include "qom/object.h"
#include "system/memory.h"
#include "system/timer.h"
#include "util/error.h"

/* A read or write of more than this is refused rather than allocated. */
#define QTEST_MAX_TRANSFER (256u << 20)

typedef struct QTestServer {
    CharFrontend fe;
    GString *input;
    FILE *log;
    int64_t start_ns;
    DeviceState *intercepted; /* the one device whose lines are intercepted */
    GArray *irq_levels;       /* int, per intercepted line */
} QTestServer;

static QTestServer server;

static double qtest_elapsed(void)
{
    return (vm_clock_get_ns(VM_CLOCK_REALTIME) - server.start_ns) / 1e9;
}

static void qtest_send(const char *line)
{
    if (server.log) {
        fprintf(server.log, "[S +%f] %s", qtest_elapsed(), line);
        fflush(server.log);
    }
    chardev_fe_write_all(&server.fe, (const uint8_t *)line, strlen(line));
}

static void G_GNUC_PRINTF(1, 2) qtest_sendf(const char *fmt, ...)
{
    va_list ap;
    g_autofree char *line = NULL;

    va_start(ap, fmt);
    line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qtest_send(line);
}

static void qtest_irq_handler(void *opaque, int n, int level)
{
    int *old;

    level = !!level;
    if (n < 0 || (unsigned)n >= server.irq_levels->len) {
        return;
    }
    old = &g_array_index(server.irq_levels, int, n);
    if (*old != level) {
        *old = level;
        qtest_sendf("IRQ %s %d\n", level ? "raise" : "lower", n);
    }
}

static bool parse_u64(const char *word, uint64_t *value)
{
    char *end;

    if (!word || !*word || *word == '-') {
        return false;
    }
    errno = 0;
    *value = g_ascii_strtoull(word, &end, 0);
    return !*end && !errno;
}

static bool parse_i64(const char *word, int64_t *value)
{
    char *end;

    if (!word || !*word) {
        return false;
    }
    errno = 0;
    *value = g_ascii_strtoll(word, &end, 0);
    return !*end && !errno;
}

static int hex_nibble(char c)
{
    return g_ascii_xdigit_value(c);
}

static DeviceState *qtest_find_device(const char *path)
{
    Object *obj = object_resolve_path(path, NULL);

    if (!obj || !object_is_a(obj, "device")) {
        return NULL;
    }
    return (DeviceState *)obj;
}

static void qtest_irq_intercept(char **words, bool in)
{
    DeviceState *dev;
    int count;

    if (!words[1]) {
        qtest_send("FAIL missing device path\n");
        return;
    }
    dev = qtest_find_device(words[1]);
    if (!dev) {
        qtest_send("FAIL Unknown device\n");
        return;
    }
    if (server.intercepted) {
        /* QEMU allows one intercepted device per session. */
        qtest_send(server.intercepted == dev
                       ? "OK\n"
                       : "FAIL IRQ intercept already enabled\n");
        return;
    }
    count = in ? dev->gpio_in_count : dev->gpio_out_count;
    if (!count) {
        qtest_sendf("FAIL device has no %s interrupt lines\n",
                    in ? "input" : "output");
        return;
    }
    g_array_set_size(server.irq_levels, count);
    memset(server.irq_levels->data, 0, count * sizeof(int));
    if (in) {
        device_intercept_gpio_in(dev, qtest_irq_handler, &server);
    } else {
        device_intercept_gpio_out(dev, qtest_irq_handler, &server);
    }
    server.intercepted = dev;
    qtest_send("OK\n");
}

/* set_irq_in PATH NAME NUM LEVEL: drives an input line of a device. */
static void qtest_set_irq_in(char **words)
{
    DeviceState *dev;
    uint64_t num;
    int64_t level;

    if (!words[1] || !words[2] || !parse_u64(words[3], &num) ||
        !parse_i64(words[4], &level)) {
        qtest_send("FAIL usage: set_irq_in PATH NAME NUM LEVEL\n");
        return;
    }
    dev = qtest_find_device(words[1]);
    if (!dev) {
        qtest_send("FAIL Unknown device\n");
        return;
    }
    /* pcvm's devices have one list of inputs, which QEMU calls this. */
    if (strcmp(words[2], "unnamed-gpio-in") ||
        num >= (uint64_t)dev->gpio_in_count) {
        qtest_sendf("FAIL no input line %s %" PRIu64 "\n", words[2], num);
        return;
    }
    irq_set_level(dev->gpio_in[num], level != 0);
    qtest_send("OK\n");
}

static void qtest_port_io(char **words)
{
    const char *cmd = words[0];
    unsigned size = cmd[strlen(cmd) - 1] == 'b'   ? 1
                    : cmd[strlen(cmd) - 1] == 'w' ? 2
                                                  : 4;
    uint64_t addr, value = 0;

    if (!parse_u64(words[1], &addr) || addr > 0xffff) {
        qtest_sendf("FAIL bad port address '%s'\n", words[1] ? words[1] : "");
        return;
    }
    if (cmd[0] == 'o') {
        if (!parse_u64(words[2], &value)) {
            qtest_sendf("FAIL bad value '%s'\n", words[2] ? words[2] : "");
            return;
        }
        address_space_st(
            &address_space_io, addr, size,
            value & (size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1));
        qtest_send("OK\n");
        return;
    }
    address_space_ld(&address_space_io, addr, size, &value);
    qtest_sendf("OK 0x%0*" PRIx64 "\n", size * 2, value);
}

static unsigned access_size(char suffix)
{
    switch (suffix) {
    case 'b':
        return 1;
    case 'w':
        return 2;
    case 'l':
        return 4;
    default:
        return 8;
    }
}

static void qtest_mem_access(char **words)
{
    const char *cmd = words[0];
    unsigned size = access_size(cmd[strlen(cmd) - 1]);
    uint64_t addr, value = 0;

    if (!parse_u64(words[1], &addr)) {
        qtest_sendf("FAIL bad address '%s'\n", words[1] ? words[1] : "");
        return;
    }
    if (cmd[0] == 'w') {
        if (!parse_u64(words[2], &value)) {
            qtest_sendf("FAIL bad value '%s'\n", words[2] ? words[2] : "");
            return;
        }
        if (size < 8) {
            value &= (1ull << (8 * size)) - 1;
        }
        address_space_st(&address_space_memory, addr, size, value);
        qtest_send("OK\n");
        return;
    }
    address_space_ld(&address_space_memory, addr, size, &value);
    qtest_sendf("OK 0x%0*" PRIx64 "\n", size * 2, value);
}

static bool parse_range(char **words, uint64_t *addr, uint64_t *len)
{
    if (!parse_u64(words[1], addr) || !parse_u64(words[2], len)) {
        qtest_send("FAIL bad address or length\n");
        return false;
    }
    if (*len > QTEST_MAX_TRANSFER) {
        qtest_sendf("FAIL length %" PRIu64 " is over the %u byte limit\n", *len,
                    QTEST_MAX_TRANSFER);
        return false;
    }
    return true;
}

static void qtest_read(char **words, bool base64)
{
    uint64_t addr, len;
    g_autofree uint8_t *data = NULL;

    if (!parse_range(words, &addr, &len)) {
        return;
    }
    data = g_malloc(len ? len : 1);
    address_space_read(&address_space_memory, addr, data, len);
    if (base64) {
        g_autofree char *enc = g_base64_encode(data, len);

        qtest_sendf("OK %s\n", enc);
    } else {
        GString *out = g_string_sized_new(len * 2 + 8);

        g_string_append(out, "OK 0x");
        for (uint64_t i = 0; i < len; i++) {
            g_string_append_printf(out, "%02x", data[i]);
        }
        g_string_append_c(out, '\n');
        qtest_send(out->str);
        g_string_free(out, true);
    }
}

/* write ADDR LEN 0xHEX: missing trailing bytes are written as zeros. */
static void qtest_write(char **words)
{
    uint64_t addr, len;
    const char *hex = words[2] ? words[3] : NULL;
    g_autofree uint8_t *data = NULL;
    size_t hex_len;

    if (!parse_range(words, &addr, &len)) {
        return;
    }
    if (!hex || strncmp(hex, "0x", 2)) {
        qtest_send("FAIL data must be 0x followed by hex digits\n");
        return;
    }
    hex += 2;
    hex_len = strlen(hex);
    data = g_malloc0(len ? len : 1);
    for (uint64_t i = 0; i < len && 2 * i + 1 < hex_len; i++) {
        int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            qtest_send("FAIL data must be 0x followed by hex digits\n");
            return;
        }
        data[i] = hi << 4 | lo;
    }
    address_space_write(&address_space_memory, addr, data, len);
    qtest_send("OK\n");
}

static void qtest_b64write(char **words)
{
    uint64_t addr, len;
    gsize decoded_len;
    g_autofree guchar *decoded = NULL;

    if (!parse_range(words, &addr, &len)) {
        return;
    }
    if (!words[3]) {
        qtest_send("FAIL missing base64 data\n");
        return;
    }
    decoded = g_base64_decode(words[3], &decoded_len);
    /* Like QEMU: a length mismatch writes what both sides have. */
    address_space_write(&address_space_memory, addr, decoded,
                        MIN(len, (uint64_t)decoded_len));
    qtest_send("OK\n");
}

static void qtest_memset(char **words)
{
    uint64_t addr, len, value;
    g_autofree uint8_t *data = NULL;

    if (!parse_range(words, &addr, &len)) {
        return;
    }
    if (!parse_u64(words[3], &value)) {
        qtest_send(words[3] ? "FAIL bad value\n" : "FAIL missing value\n");
        return;
    }
    data = g_malloc(len ? len : 1);
    memset(data, (int)(value & 0xff), len);
    address_space_write(&address_space_memory, addr, data, len);
    qtest_send("OK\n");
}

static void qtest_clock_step(char **words)
{
    int64_t now = vm_clock_get_ns(VM_CLOCK_VIRTUAL);
    int64_t target;

    if (words[1]) {
        int64_t step;

        if (!parse_i64(words[1], &step) || step < 0) {
            qtest_sendf("FAIL bad step '%s'\n", words[1]);
            return;
        }
        /* Far enough is the end of time, not a wrap into the past. */
        target = step > INT64_MAX - now ? INT64_MAX : now + step;
    } else {
        /* No argument: up to the next timer, or nowhere if none is set. */
        int64_t deadline = vm_clock_virtual_deadline();

        target = deadline < 0 ? now : MAX(deadline, now);
    }
    vm_clock_virtual_step_to(target);
    qtest_sendf("OK %" PRIi64 "\n", vm_clock_get_ns(VM_CLOCK_VIRTUAL));
}

static void qtest_clock_set(char **words)
{
    int64_t target;

    if (!parse_i64(words[1], &target)) {
        qtest_sendf("FAIL bad time '%s'\n", words[1] ? words[1] : "");
        return;
    }
    vm_clock_virtual_step_to(target);
    qtest_sendf("OK %" PRIi64 "\n", vm_clock_get_ns(VM_CLOCK_VIRTUAL));
}

static bool word_is(const char *word, const char *const *names)
{
    for (; *names; names++) {
        if (!strcmp(word, *names)) {
            return true;
        }
    }
    return false;
}

static void qtest_process_command(char **words)
{
    static const char *const port_cmds[] = {"outb", "outw", "outl", "inb",
                                            "inw",  "inl",  NULL};
    static const char *const mem_cmds[] = {"readb",  "readw",  "readl",
                                           "readq",  "writeb", "writew",
                                           "writel", "writeq", NULL};
    const char *cmd = words[0];

    if (server.log) {
        g_autofree char *joined = g_strjoinv(" ", words);

        fprintf(server.log, "[R +%f] %s\n", qtest_elapsed(), joined);
    }
    if (word_is(cmd, port_cmds)) {
        qtest_port_io(words);
    } else if (word_is(cmd, mem_cmds)) {
        qtest_mem_access(words);
    } else if (!strcmp(cmd, "read")) {
        qtest_read(words, false);
    } else if (!strcmp(cmd, "b64read")) {
        qtest_read(words, true);
    } else if (!strcmp(cmd, "write")) {
        qtest_write(words);
    } else if (!strcmp(cmd, "b64write")) {
        qtest_b64write(words);
    } else if (!strcmp(cmd, "memset")) {
        qtest_memset(words);
    } else if (!strcmp(cmd, "clock_step")) {
        qtest_clock_step(words);
    } else if (!strcmp(cmd, "clock_set")) {
        qtest_clock_set(words);
    } else if (!strcmp(cmd, "irq_intercept_in")) {
        qtest_irq_intercept(words, true);
    } else if (!strcmp(cmd, "irq_intercept_out")) {
        qtest_irq_intercept(words, false);
    } else if (!strcmp(cmd, "set_irq_in")) {
        qtest_set_irq_in(words);
    } else if (!strcmp(cmd, "endianness")) {
        qtest_send("OK little\n");
    } else {
        qtest_sendf("FAIL Unknown command '%s'\n", cmd);
    }
}

static void qtest_process_line(char *line)
{
    g_auto(GStrv) raw = NULL;
    g_autoptr(GPtrArray) words = g_ptr_array_new();

    g_strchomp(line); /* a trailing CR or blank */
    raw = g_strsplit(line, " ", -1);
    for (char **w = raw; *w; w++) {
        if (**w) {
            g_ptr_array_add(words, *w);
        }
    }
    if (!words->len) {
        return;
    }
    g_ptr_array_add(words, NULL);
    qtest_process_command((char **)words->pdata);
}

static int qtest_can_receive(void *opaque)
{
    return 4096;
}

static void qtest_receive(void *opaque, const uint8_t *buf, int size)
{
    char *nl;

    g_string_append_len(server.input, (const char *)buf, size);
    while ((nl = memchr(server.input->str, '\n', server.input->len))) {
        size_t len = nl - server.input->str;
        g_autofree char *line = g_strndup(server.input->str, len);

        g_string_erase(server.input, 0, len + 1);
        if (strlen(line) != len) {
            /* Every line gets its answer, one with a NUL byte too. */
            qtest_send("FAIL line holds a NUL byte\n");
            continue;
        }
        qtest_process_line(line);
    }
}

static void qtest_event(void *opaque, CharEvent event)
{
    if (event == CHR_EVENT_OPENED) {
        server.start_ns = vm_clock_get_ns(VM_CLOCK_REALTIME);
        g_string_truncate(server.input, 0);
        if (server.log) {
            fprintf(server.log, "[I %" PRIi64 "] OPENED\n",
                    vm_clock_get_ns(VM_CLOCK_VIRTUAL));
        }
    } else if (event == CHR_EVENT_CLOSED && server.log) {
        fprintf(server.log, "[I +%f] CLOSED\n", qtest_elapsed());
        fflush(server.log);
    }
}

bool qtest_server_init(const char *spec, const char *log_path, GError **errp)
{
    GError *err = NULL;
    Chardev *chr = chardev_new_from_legacy(spec, "qtest", &err);

    if (!chr) {
        if (!err) {
            return error_setg(errp, "-qtest %s: no channel to serve on", spec);
        }
        g_propagate_prefixed_error(errp, err, "-qtest %s: ", spec);
        return false;
    }
    if (log_path) {
        server.log =
            !strcmp(log_path, "/dev/fd/2") ? stderr : fopen(log_path, "w");
        if (!server.log) {
            return error_setg(errp, "-qtest-log %s: %s", log_path,
                              g_strerror(errno));
        }
    }
    server.input = g_string_new(NULL);
    server.irq_levels = g_array_new(false, true, sizeof(int));
    server.start_ns = vm_clock_get_ns(VM_CLOCK_REALTIME);
    if (!chardev_fe_init(&server.fe, chr, errp)) {
        return false;
    }
    chardev_fe_set_handlers(&server.fe, qtest_can_receive, qtest_receive,
                            qtest_event, &server);
    return true;
}
