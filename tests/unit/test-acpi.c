/*
 * The ACPI builder's encodings against ACPI 6.4 chapter 20 and 6.4: the
 * PkgLength at each of its size boundaries, NameStrings with prefixes and
 * 1, 2 and 3 segments, integers in each width, EISA ids, packages, devices
 * and resource templates; table headers and checksums; and the BIOS
 * linker/loader commands, as bytes and as carried out for direct boot.
 */
#include <string.h>

#include "hw/acpi/aml-build.h"
#include "hw/acpi/table-loader.h"

static void assert_bytes(GByteArray *b, const uint8_t *expect, size_t len)
{
    g_assert_cmpmem(b->data, b->len, expect, len);
}

/* The encoding of a PkgLength for contents of len bytes. */
static GByteArray *pkglength(size_t len)
{
    GByteArray *b = g_byte_array_new();

    aml_encode_pkglength(b, len);
    return b;
}

static void test_pkglength(void)
{
    GByteArray *b;

    /* One byte counts itself: up to 62 bytes of contents. */
    b = pkglength(0);
    assert_bytes(b, (const uint8_t[]){0x01}, 1);
    g_byte_array_unref(b);
    b = pkglength(62);
    assert_bytes(b, (const uint8_t[]){0x3f}, 1);
    g_byte_array_unref(b);
    /* 63 bytes + 2 = 65 = 0x041: lead 0x41 (one more byte), then 0x04. */
    b = pkglength(63);
    assert_bytes(b, (const uint8_t[]){0x41, 0x04}, 2);
    g_byte_array_unref(b);
    /* Two bytes hold up to 0xfff in all. */
    b = pkglength(0xffd);
    assert_bytes(b, (const uint8_t[]){0x4f, 0xff}, 2);
    g_byte_array_unref(b);
    /* 0xffe + 3 = 0x1001: three bytes. */
    b = pkglength(0xffe);
    assert_bytes(b, (const uint8_t[]){0x81, 0x00, 0x01}, 3);
    g_byte_array_unref(b);
    /* 0xffffc + 3 = 0xfffff still fits three; 0xffffd + 4 needs four. */
    b = pkglength(0xffffc);
    assert_bytes(b, (const uint8_t[]){0x8f, 0xff, 0xff}, 3);
    g_byte_array_unref(b);
    b = pkglength(0xffffd);
    assert_bytes(b, (const uint8_t[]){0xc1, 0x00, 0x00, 0x01}, 4);
    g_byte_array_unref(b);
}

static GByteArray *namestring(const char *path)
{
    GByteArray *b = g_byte_array_new();

    aml_encode_namestring(b, path);
    return b;
}

static void test_namestring(void)
{
    GByteArray *b;

    b = namestring("_SB");
    assert_bytes(b, (const uint8_t *)"_SB_", 4);
    g_byte_array_unref(b);
    b = namestring("\\_SB.PCI0");
    assert_bytes(b, (const uint8_t *)"\\\x2e_SB_PCI0", 10);
    g_byte_array_unref(b);
    b = namestring("\\_SB.PCI0.ISA");
    assert_bytes(b, (const uint8_t *)"\\\x2f\x03_SB_PCI0ISA_", 15);
    g_byte_array_unref(b);
    b = namestring("^^KBD");
    assert_bytes(b, (const uint8_t *)"^^KBD_", 6);
    g_byte_array_unref(b);
    b = namestring("\\");
    assert_bytes(b, (const uint8_t[]){'\\', 0x00}, 2);
    g_byte_array_unref(b);
}

static void assert_term(Aml *term, const uint8_t *expect, size_t len)
{
    GByteArray *b = aml_take(term);

    assert_bytes(b, expect, len);
    g_byte_array_unref(b);
}

static void test_integers(void)
{
    assert_term(aml_int(0), (const uint8_t[]){0x00}, 1);
    assert_term(aml_int(1), (const uint8_t[]){0x01}, 1);
    assert_term(aml_int(2), (const uint8_t[]){0x0a, 0x02}, 2);
    assert_term(aml_int(0xff), (const uint8_t[]){0x0a, 0xff}, 2);
    assert_term(aml_int(0x100), (const uint8_t[]){0x0b, 0x00, 0x01}, 3);
    assert_term(aml_int(0x10000),
                (const uint8_t[]){0x0c, 0x00, 0x00, 0x01, 0x00}, 5);
    assert_term(aml_int(0xffffffff),
                (const uint8_t[]){0x0c, 0xff, 0xff, 0xff, 0xff}, 5);
    assert_term(aml_int(0x100000000ull),
                (const uint8_t[]){0x0e, 0, 0, 0, 0, 1, 0, 0, 0}, 9);
}

static void test_strings_and_ids(void)
{
    g_assert_cmphex(aml_eisaid_value("PNP0A03"), ==, 0x030ad041);
    g_assert_cmphex(aml_eisaid_value("PNP0501"), ==, 0x0105d041);
    assert_term(aml_eisaid("PNP0B00"),
                (const uint8_t[]){0x0c, 0x41, 0xd0, 0x0b, 0x00}, 5);
    assert_term(aml_string("ACPI0007"),
                (const uint8_t *)"\x0d"
                                 "ACPI0007",
                10);
    /* Name (_UID, One) */
    assert_term(aml_name_decl("_UID", aml_int(1)),
                (const uint8_t *)"\x08_UID\x01", 6);
}

static void test_blocks(void)
{
    Aml *pkg = aml_package();
    Aml *dev = aml_device("RTC");
    Aml *scope = aml_scope("\\_SB");

    /* Package (2) {One, 0x0A}: PackageOp, PkgLength, count, elements. */
    aml_append(pkg, aml_int(1));
    aml_append(pkg, aml_int(10));
    assert_term(pkg, (const uint8_t[]){0x12, 0x05, 0x02, 0x01, 0x0a, 0x0a}, 6);

    /* Device (RTC) {Name (_UID, Zero)} inside Scope (\_SB). */
    aml_append(dev, aml_name_decl("_UID", aml_int(0)));
    aml_append(scope, dev);
    assert_term(scope,
                (const uint8_t *)"\x10\x13\\_SB_"
                                 "\x5b\x82\x0b"
                                 "RTC_"
                                 "\x08_UID\x00",
                20);

    /* A large block takes a 2-byte PkgLength, counted in itself. */
    pkg = aml_package();
    for (int i = 0; i < 100; i++) {
        aml_append(pkg, aml_int(1));
    }
    {
        GByteArray *b = aml_take(pkg);

        /* 1 count + 100 elements + 2 PkgLength = 103 = 0x67. */
        g_assert_cmpuint(b->len, ==, 1 + 2 + 1 + 100);
        g_assert_cmphex(b->data[1], ==, 0x47);
        g_assert_cmphex(b->data[2], ==, 0x06);
        g_assert_cmpuint(b->data[3], ==, 100);
        g_byte_array_unref(b);
    }
}

static void test_resource_template(void)
{
    Aml *crs = aml_resource_template();
    GByteArray *b;

    aml_append(crs, aml_io(0x3f8, 0x3f8, 1, 8));
    aml_append(crs, aml_irq_no_flags(4));
    b = aml_take(crs);
    /* Buffer (13) {IO descriptor, IRQNoFlags {4}, end tag}. */
    assert_bytes(b,
                 (const uint8_t[]){0x11, 0x10, 0x0a, 0x0d, 0x47, 0x01, 0xf8,
                                   0x03, 0xf8, 0x03, 0x01, 0x08, 0x22, 0x10,
                                   0x00, 0x79, 0x00},
                 17);
    g_byte_array_unref(b);

    crs = aml_resource_template();
    aml_append(crs, aml_word_bus_number(0, 0xff));
    aml_append(crs, aml_dword_memory(0x80000000, 0xfebfffff));
    b = aml_take(crs);
    /* Word: tag, length 13, type bus, MIF|MAF, no flags, 5 words. */
    g_assert_cmpmem(
        b->data + 4, 16,
        ((const uint8_t[]){0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0x00, 0x00, 0x00,
                           0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x01}),
        16);
    /* DWord: tag, length 23, memory, MIF|MAF, cacheable RW, ... length. */
    g_assert_cmpmem(b->data + 20, 6,
                    ((const uint8_t[]){0x87, 0x17, 0x00, 0x00, 0x0c, 0x03}), 6);
    g_assert_cmphex(b->data[20 + 22], ==, 0x00); /* length 0x7ec00000 */
    g_assert_cmphex(b->data[20 + 24], ==, 0xc0);
    g_assert_cmphex(b->data[20 + 25], ==, 0x7e);
    g_assert_cmphex(b->data[b->len - 2], ==, 0x79);
    g_byte_array_unref(b);
}

static uint8_t sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;

    for (size_t i = 0; i < len; i++) {
        s += p[i];
    }
    return s;
}

static void test_table_header(void)
{
    g_autoptr(GByteArray) t = g_byte_array_new();
    size_t start;

    acpi_reserve(t, 3); /* tables need not start at 0 */
    start = acpi_table_begin(t, "TEST", 2);
    g_assert_cmpuint(start, ==, 3);
    acpi_reserve(t, 5);
    t->data[start + 36] = 0x5a;
    acpi_table_end(t, start);
    g_assert_cmpmem(t->data + start, 4, "TEST", 4);
    g_assert_cmpuint(t->data[start + 4], ==, 41);
    g_assert_cmpuint(t->data[start + 8], ==, 2);
    g_assert_cmpmem(t->data + start + 10, 6, ACPI_OEM_ID, 6);
    g_assert_cmpmem(t->data + start + 16, 8, "PCVMTEST", 8);
    g_assert_cmpmem(t->data + start + 28, 4, ACPI_CREATOR_ID, 4);
    g_assert_cmpuint(sum(t->data + start, 41), ==, 0);
    g_assert_cmpuint(acpi_checksum((const uint8_t *)"\x01\x02", 2), ==, 0xfd);
    acpi_align(t, 16);
    g_assert_cmpuint(t->len, ==, 48);
}

static void test_loader(void)
{
    g_autoptr(GByteArray) a = g_byte_array_new();
    g_autoptr(GByteArray) r = g_byte_array_new();
    AcpiLoader *l = acpi_loader_new();
    g_autoptr(GByteArray) cmds = NULL;
    const uint64_t addr[] = {0x100000, 0xf0000};
    GPtrArray *linked;
    GByteArray *la, *lr;

    acpi_reserve(a, 16);
    a->data[4] = 0x08; /* a pointer to offset 8 of a itself */
    acpi_reserve(r, 8);
    r->data[0] = 0x04; /* a pointer to offset 4 of a */
    acpi_loader_allocate(l, "a", a, 64, ACPI_LOADER_ZONE_HIGH);
    acpi_loader_allocate(l, "r", r, 16, ACPI_LOADER_ZONE_FSEG);
    acpi_loader_add_pointer(l, "a", 4, 4, "a");
    acpi_loader_add_pointer(l, "r", 0, 8, "a");
    acpi_loader_add_checksum(l, "a", 15, 0, 16);

    cmds = acpi_loader_commands(l);
    g_assert_cmpuint(cmds->len, ==, 5 * 128);
    /* ALLOCATE "a", align 64, zone HIGH. */
    g_assert_cmpuint(cmds->data[0], ==, 1);
    g_assert_cmpstr((char *)cmds->data + 4, ==, "a");
    g_assert_cmpuint(cmds->data[4 + 56], ==, 64);
    g_assert_cmpuint(cmds->data[4 + 60], ==, 1);
    g_assert_cmpuint(cmds->data[128 + 4 + 60], ==, 2);
    /* ADD_POINTER into "r" from "a": offset 0, size 8. */
    g_assert_cmpuint(cmds->data[3 * 128], ==, 2);
    g_assert_cmpstr((char *)cmds->data + 3 * 128 + 4, ==, "r");
    g_assert_cmpstr((char *)cmds->data + 3 * 128 + 60, ==, "a");
    g_assert_cmpuint(cmds->data[3 * 128 + 4 + 112], ==, 0);
    g_assert_cmpuint(cmds->data[3 * 128 + 4 + 116], ==, 8);
    /* ADD_CHECKSUM of "a": byte 15 over 0..15. */
    g_assert_cmpuint(cmds->data[4 * 128], ==, 3);
    g_assert_cmpuint(cmds->data[4 * 128 + 4 + 56], ==, 15);
    g_assert_cmpuint(cmds->data[4 * 128 + 4 + 64], ==, 16);

    linked = acpi_loader_link(l, addr);
    la = linked->pdata[0];
    lr = linked->pdata[1];
    g_assert_cmphex(la->data[4] | la->data[5] << 8 | la->data[6] << 16, ==,
                    0x100008);
    g_assert_cmphex(lr->data[0] | lr->data[1] << 8 | lr->data[2] << 16, ==,
                    0x100004);
    g_assert_cmpuint(sum(la->data, 16), ==, 0);
    /* The files fw_cfg serves stay unlinked. */
    g_assert_cmphex(a->data[4], ==, 0x08);
    g_assert_cmphex(a->data[15], ==, 0);
    g_ptr_array_unref(linked);
    acpi_loader_free(l);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/acpi/aml/pkglength", test_pkglength);
    g_test_add_func("/acpi/aml/namestring", test_namestring);
    g_test_add_func("/acpi/aml/integers", test_integers);
    g_test_add_func("/acpi/aml/strings-ids", test_strings_and_ids);
    g_test_add_func("/acpi/aml/blocks", test_blocks);
    g_test_add_func("/acpi/aml/resource-template", test_resource_template);
    g_test_add_func("/acpi/table-header", test_table_header);
    g_test_add_func("/acpi/loader", test_loader);
    return g_test_run();
}
