/*
 * Device state descriptions: every field kind round-trips, versions and
 * subsections load as declared, and a stream that is truncated, altered
 * or does not match is refused with one line.
 */
#include <string.h>

#include "hw/core/device.h"
#include "hw/core/vmstate.h"
#include "system/timer.h"

typedef struct Inner {
    uint16_t word;
    uint8_t bytes[3];
} Inner;

typedef struct Toy {
    bool flag;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    int32_t i32;
    int64_t i64;
    uint8_t regs[5];
    uint32_t words[2];
    Inner inner;
    Inner inners[2];
    uint8_t fifo[8];
    uint32_t fifo_len;
    uint8_t *config;
    Timer *timer;
    uint32_t added_in_v2;
    bool optional_present;
    uint64_t optional;
    int post_loads;
} Toy;

static const VMStateDescription vmstate_inner = {
    .name = "inner",
    .version_id = 1,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT16(word, Inner),
            VMSTATE_UINT8_ARRAY(bytes, Inner, 3),
            VMSTATE_END_OF_LIST(),
        },
};

static bool optional_needed(void *opaque)
{
    return ((Toy *)opaque)->optional_present;
}

static const VMStateDescription vmstate_toy_optional = {
    .name = "toy/optional",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = optional_needed,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT64(optional, Toy),
            VMSTATE_END_OF_LIST(),
        },
};

static bool toy_post_load(void *opaque, int version_id, GError **errp)
{
    Toy *t = opaque;

    t->post_loads++;
    /* What a device does with a value no guest could have written. */
    if (t->u8 == 0xee) {
        g_set_error(errp, G_FILE_ERROR, 0, "u8 0xee is not a valid state");
        return false;
    }
    if (!t->optional_present && t->optional) {
        t->optional_present = true;
    }
    return true;
}

static void toy_pre_load(void *opaque)
{
    Toy *t = opaque;

    /* A subsection that is absent leaves its default. */
    t->optional = 0;
    t->optional_present = false;
}

static const VMStateDescription vmstate_toy = {
    .name = "toy",
    .version_id = 2,
    .minimum_version_id = 1,
    .pre_load = toy_pre_load,
    .post_load = toy_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_BOOL(flag, Toy),
            VMSTATE_UINT8(u8, Toy),
            VMSTATE_UINT16(u16, Toy),
            VMSTATE_UINT32(u32, Toy),
            VMSTATE_UINT64(u64, Toy),
            VMSTATE_INT32(i32, Toy),
            VMSTATE_INT64(i64, Toy),
            VMSTATE_BUFFER(regs, Toy),
            VMSTATE_UINT32_ARRAY(words, Toy, 2),
            VMSTATE_STRUCT(inner, Toy, vmstate_inner, Inner),
            VMSTATE_STRUCT_ARRAY(inners, Toy, 2, vmstate_inner, Inner),
            VMSTATE_UINT8_ARRAY_VARIABLE(fifo, Toy, 8, fifo_len),
            VMSTATE_BUFFER_POINTER_LEN(config, Toy, 16),
            VMSTATE_TIMER_PTR(timer, Toy),
            VMSTATE_UINT32_V(added_in_v2, Toy, 2),
            VMSTATE_END_OF_LIST(),
        },
    .subsections =
        (const VMStateDescription *const[]){
            &vmstate_toy_optional,
            NULL,
        },
};

static void timer_nop(void *opaque)
{
}

static void toy_init(Toy *t, uint8_t *config)
{
    memset(t, 0, sizeof(*t));
    t->config = config;
    t->timer = timer_new_ns(VM_CLOCK_VIRTUAL, timer_nop, t);
}

static void toy_fill(Toy *t)
{
    t->flag = true;
    t->u8 = 0x81;
    t->u16 = 0xbeef;
    t->u32 = 0xdeadbeef;
    t->u64 = 0x0123456789abcdefull;
    t->i32 = -5;
    t->i64 = -1234567890123ll;
    memcpy(t->regs, "\x01\x02\x03\x04\x05", 5);
    t->words[0] = 7;
    t->words[1] = 0xffffffff;
    t->inner = (Inner){0x1234, {9, 8, 7}};
    t->inners[1] = (Inner){0x4321, {1, 2, 3}};
    t->fifo_len = 3;
    memcpy(t->fifo, "abc", 3);
    for (int i = 0; i < 16; i++) {
        t->config[i] = i * 17;
    }
    t->added_in_v2 = 42;
    t->optional_present = true;
    t->optional = 99;
    timer_mod_ns(t->timer, vm_clock_get_ns(VM_CLOCK_VIRTUAL) + 5000);
}

static GByteArray *save(Toy *t)
{
    GByteArray *out = g_byte_array_new();
    GError *err = NULL;

    g_assert_true(vmstate_save(&vmstate_toy, t, out, &err));
    g_assert_no_error(err);
    return out;
}

/* Loads data into a fresh toy; returns the error text or NULL. */
static char *load(Toy *t, uint8_t *config, int version, const uint8_t *data,
                  size_t len)
{
    GError *err = NULL;
    char *msg = NULL;

    toy_init(t, config);
    if (!vmstate_load(&vmstate_toy, t, version, data, len, &err)) {
        msg = g_strdup(err->message);
        g_error_free(err);
        g_assert_null(strchr(msg, '\n'));
    }
    return msg;
}

static void test_roundtrip(void)
{
    uint8_t c1[16], c2[16];
    Toy a, b;
    g_autoptr(GByteArray) first = NULL, second = NULL;
    g_autofree char *err = NULL;

    vm_clock_virtual_set_manual(1000);
    toy_init(&a, c1);
    toy_fill(&a);
    first = save(&a);
    err = load(&b, c2, 2, first->data, first->len);
    g_assert_null(err);
    g_assert_cmpint(b.post_loads, ==, 1);
    g_assert_true(b.flag);
    g_assert_cmphex(b.u8, ==, 0x81);
    g_assert_cmphex(b.u16, ==, 0xbeef);
    g_assert_cmphex(b.u32, ==, 0xdeadbeef);
    g_assert_cmphex(b.u64, ==, 0x0123456789abcdefull);
    g_assert_cmpint(b.i32, ==, -5);
    g_assert_cmpint(b.i64, ==, -1234567890123ll);
    g_assert_cmpmem(b.regs, 5, "\x01\x02\x03\x04\x05", 5);
    g_assert_cmpuint(b.words[1], ==, 0xffffffff);
    g_assert_cmphex(b.inner.word, ==, 0x1234);
    g_assert_cmpuint(b.inners[1].bytes[2], ==, 3);
    g_assert_cmpuint(b.fifo_len, ==, 3);
    g_assert_cmpmem(b.fifo, 3, "abc", 3);
    g_assert_cmpmem(c2, 16, c1, 16);
    g_assert_true(timer_pending(b.timer));
    g_assert_cmpint(timer_expire_time_ns(b.timer), ==, 6000);
    g_assert_cmpuint(b.added_in_v2, ==, 42);
    g_assert_true(b.optional_present);
    g_assert_cmpuint(b.optional, ==, 99);

    /* Save again from what was loaded: the same bytes. */
    second = save(&b);
    g_assert_cmpmem(first->data, first->len, second->data, second->len);
    timer_free(a.timer);
    timer_free(b.timer);
}

static void test_versions_and_subsections(void)
{
    uint8_t c1[16], c2[16];
    Toy a, b;
    g_autoptr(GByteArray) out = NULL;
    g_autofree char *too_new = NULL, *too_old = NULL;

    toy_init(&a, c1);
    toy_fill(&a);
    /* Without the subsection, the loader keeps its default. */
    a.optional_present = false;
    out = save(&a);
    g_assert_null(load(&b, c2, 2, out->data, out->len));
    g_assert_false(b.optional_present);
    g_assert_cmpuint(b.optional, ==, 0);
    timer_free(b.timer);

    too_new = load(&b, c2, 3, out->data, out->len);
    g_assert_cmpstr(too_new, ==,
                    "toy: version 3 in the stream, this pcvm "
                    "loads 1 to 2");
    timer_free(b.timer);
    too_old = load(&b, c2, 0, out->data, out->len);
    g_assert_cmpstr(too_old, ==,
                    "toy: version 0 in the stream, this pcvm "
                    "loads 1 to 2");
    timer_free(b.timer);
    timer_free(a.timer);
}

static void test_bad_payloads(void)
{
    uint8_t c1[16], c2[16];
    Toy a, b;
    g_autoptr(GByteArray) out = NULL;

    toy_init(&a, c1);
    toy_fill(&a);
    out = save(&a);

    /* Every truncation is refused, none crashes. */
    for (size_t len = 0; len < out->len; len++) {
        g_autofree char *err = load(&b, c2, 2, out->data, len);

        g_assert_nonnull(err);
        timer_free(b.timer);
    }
    /* Extra bytes after the state. */
    {
        g_autoptr(GByteArray) longer = g_byte_array_new();
        g_autofree char *err = NULL;

        g_byte_array_append(longer, out->data, out->len);
        g_byte_array_append(longer, (const uint8_t *)"x", 1);
        err = load(&b, c2, 2, longer->data, longer->len);
        g_assert_cmpstr(err, ==, "toy: 1 bytes left over after the state");
        timer_free(b.timer);
    }
    /* A bool that is neither 0 nor 1. */
    {
        g_autofree char *err = NULL;

        out->data[0] = 7;
        err = load(&b, c2, 2, out->data, out->len);
        g_assert_cmpstr(err, ==, "toy: field flag: 7 is not a bool");
        out->data[0] = 1;
        timer_free(b.timer);
    }
    /* post_load refuses a value; the message says where. */
    {
        g_autofree char *err = NULL;

        out->data[1] = 0xee;
        err = load(&b, c2, 2, out->data, out->len);
        g_assert_cmpstr(err, ==, "toy: u8 0xee is not a valid state");
        out->data[1] = 0x81;
        timer_free(b.timer);
    }
    timer_free(a.timer);
}

static void test_variable_array_bound(void)
{
    uint8_t c1[16], c2[16];
    Toy a, b;
    g_autoptr(GByteArray) out = NULL;
    g_autofree char *err = NULL;
    /* bool, u8, u16, u32, u64, i32, i64, regs, words, inner, inners */
    size_t at = 1 + 1 + 2 + 4 + 8 + 4 + 8 + 5 + 8 + (2 + 3 + 1) * 3;

    toy_init(&a, c1);
    toy_fill(&a);
    out = save(&a);
    g_assert_cmpuint(out->data[at], ==, 3);
    out->data[at] = 9; /* more elements than the array holds */
    err = load(&b, c2, 2, out->data, out->len);
    g_assert_cmpstr(err, ==, "toy: field fifo has 9 elements, at most 8");
    timer_free(a.timer);
    timer_free(b.timer);
}

static GBytes *toy_stream(Toy *t)
{
    VMStateStream *s = vmstate_stream_new();
    GError *err = NULL;

    g_assert_true(vmstate_stream_add(s, "/machine/toy", &vmstate_toy, t, &err));
    g_assert_true(
        vmstate_stream_add(s, "/machine/toy2", &vmstate_toy, t, &err));
    g_assert_no_error(err);
    return vmstate_stream_finish(s);
}

static char *parse_error(const uint8_t *data, size_t len)
{
    g_autoptr(GBytes) bytes = g_bytes_new(data, len);
    GError *err = NULL;
    GPtrArray *secs = vmstate_stream_parse(bytes, &err);
    char *msg;

    if (secs) {
        g_ptr_array_unref(secs);
        return NULL;
    }
    msg = g_strdup(err->message);
    g_error_free(err);
    g_assert_null(strchr(msg, '\n'));
    return msg;
}

static void test_stream(void)
{
    uint8_t c1[16], c2[16];
    Toy a, b;
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(GPtrArray) secs = NULL;
    GError *err = NULL;
    size_t len;
    const uint8_t *data;
    g_autofree uint8_t *copy = NULL;

    toy_init(&a, c1);
    toy_fill(&a);
    bytes = toy_stream(&a);
    data = g_bytes_get_data(bytes, &len);
    g_assert_cmpmem(data, 8, "PCVMDEVS", 8);

    secs = vmstate_stream_parse(bytes, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(secs->len, ==, 2);
    {
        VMStateSection *sec = g_ptr_array_index(secs, 1);

        g_assert_cmpstr(sec->id, ==, "/machine/toy2");
        g_assert_cmpstr(sec->name, ==, "toy");
        g_assert_cmpint(sec->version_id, ==, 2);
        toy_init(&b, c2);
        g_assert_true(vmstate_section_load(sec, &vmstate_toy, &b, &err));
        g_assert_no_error(err);
        g_assert_cmphex(b.u32, ==, 0xdeadbeef);
        timer_free(b.timer);
    }
    {
        static const VMStateDescription other = {.name = "other",
                                                 .version_id = 1};
        VMStateSection *sec = g_ptr_array_index(secs, 0);

        g_assert_false(vmstate_section_load(sec, &other, &b, &err));
        g_assert_cmpstr(err->message, ==,
                        "/machine/toy: the stream has state "
                        "'toy', the device here is described as 'other'");
        g_clear_error(&err);
    }

    /* Any truncation, and any flipped byte, is refused. */
    for (size_t i = 0; i < len; i++) {
        g_autofree char *msg = parse_error(data, i);

        g_assert_nonnull(msg);
    }
    copy = g_memdup2(data, len);
    for (size_t i = 0; i < len; i++) {
        g_autofree char *msg = NULL;

        copy[i] ^= 0x40;
        msg = parse_error(copy, len);
        g_assert_nonnull(msg);
        copy[i] ^= 0x40;
    }
    {
        g_autofree char *magic = NULL, *version = NULL, *crc = NULL;

        copy[0] = 'X';
        magic = parse_error(copy, len);
        g_assert_cmpstr(magic, ==,
                        "not a pcvm device state stream (no "
                        "PCVMDEVS header)");
        copy[0] = 'P';
        copy[8] = 9;
        version = parse_error(copy, len);
        g_assert_cmpstr(version, ==,
                        "device state stream format 9, this pcvm "
                        "reads format 1");
        copy[8] = 1;
        copy[40] ^= 1; /* inside the first section's payload */
        crc = parse_error(copy, len);
        g_assert_cmpstr(crc, ==,
                        "device state stream: section /machine/toy "
                        "(toy) fails its checksum");
    }
    timer_free(a.timer);
}

static void test_unmigratable(void)
{
    static const VMStateDescription blocked = {
        .name = "blocked",
        .version_id = 1,
        .unmigratable = "its backend state cannot be saved",
    };
    g_autoptr(GByteArray) out = g_byte_array_new();
    GError *err = NULL;
    int dummy = 0;

    g_assert_false(vmstate_save(&blocked, &dummy, out, &err));
    g_assert_cmpstr(err->message, ==,
                    "blocked: its backend state cannot be "
                    "saved");
    g_error_free(err);
}

/* Every device type that can be created says what its state is. */
static void test_every_device_described(void)
{
    GPtrArray *classes = device_class_list();
    unsigned described = 0;

    for (unsigned i = 0; i < classes->len; i++) {
        DeviceClass *dc = g_ptr_array_index(classes, i);

        if (dc->abstract) {
            continue;
        }
        if (!dc->vmsd) {
            g_test_message("%s has no state description", dc->name);
        }
        g_assert_nonnull(dc->vmsd);
        g_assert_nonnull(dc->vmsd->name);
        g_assert_cmpint(dc->vmsd->minimum_version_id, <=, dc->vmsd->version_id);
        described++;
    }
    g_assert_cmpuint(described, >=, 17);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vmstate/roundtrip", test_roundtrip);
    g_test_add_func("/vmstate/versions-subsections",
                    test_versions_and_subsections);
    g_test_add_func("/vmstate/bad-payloads", test_bad_payloads);
    g_test_add_func("/vmstate/variable-array-bound", test_variable_array_bound);
    g_test_add_func("/vmstate/stream", test_stream);
    g_test_add_func("/vmstate/unmigratable", test_unmigratable);
    g_test_add_func("/vmstate/every-device", test_every_device_described);
    return g_test_run();
}
