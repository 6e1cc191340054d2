/*
 * The pc board's ACPI tables, read the way an OS or SeaBIOS finds them:
 * under direct boot by scanning the BIOS area for the RSDP and following
 * its pointers in guest memory; under firmware boot from the fw_cfg files
 * etc/acpi/rsdp and etc/acpi/tables, linked by this test as SeaBIOS would
 * link them, following the commands in etc/table-loader. Checked: the
 * checksums, the fields that describe the PIIX4 and the interrupt wiring,
 * that both placements hold the same tables, and that ACPICA's
 * disassembler (iasl -d, Debian's acpica-tools) reads every table without
 * an error or a warning, and the DSDT's source compiles again cleanly.
 */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libqtest.h"

#define FW_CFG_CTL 0x510
#define FW_CFG_DATA 0x511
#define FW_CFG_FILE_DIR 0x19

#define BIOS_AREA 0xe0000
#define BIOS_AREA_END 0x100000

#define LOADER_ALLOCATE 1
#define LOADER_ADD_POINTER 2
#define LOADER_ADD_CHECKSUM 3
#define LOADER_ZONE_HIGH 1
#define LOADER_ZONE_FSEG 2
#define LOADER_FILE_SIZE 56

/* Where the test links the fw_cfg files: where direct boot puts them. */
#define LINK_TABLES_ADDR 0xe0040
#define LINK_RSDP_ADDR 0xe0000

typedef struct AcpiTable {
    char sig[5];
    uint64_t addr;
    GByteArray *data;
} AcpiTable;

static uint32_t le32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint16_t le16(const uint8_t *p)
{
    return p[0] | p[1] << 8;
}

static uint8_t sum_bytes(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;

    for (size_t i = 0; i < len; i++) {
        sum += p[i];
    }
    return sum;
}

/* ---- tables in guest memory --------------------------------------------- */

static GByteArray *mem_read(QTestState *s, uint64_t addr, size_t len)
{
    GByteArray *b = g_byte_array_sized_new(len);

    g_byte_array_set_size(b, len);
    qtest_memread(s, addr, b->data, len);
    return b;
}

/* A whole table at addr, its checksum checked. */
static void table_read(QTestState *s, uint64_t addr, GArray *tables)
{
    uint8_t header[8];
    AcpiTable t = {.addr = addr};
    uint32_t len;

    qtest_memread(s, addr, header, sizeof(header));
    memcpy(t.sig, header, 4);
    len = le32(header + 4);
    /* The FACS has a length but no checksum. */
    g_assert_cmpuint(len, >=, strcmp(t.sig, "FACS") ? 36 : 64);
    g_assert_cmpuint(len, <, 0x10000);
    t.data = mem_read(s, addr, len);
    if (strcmp(t.sig, "FACS")) {
        g_assert_cmphex(sum_bytes(t.data->data, len), ==, 0);
        g_assert_cmpmem(t.data->data + 10, 6, "PCVM  ", 6);
    }
    g_array_append_val(tables, t);
}

static AcpiTable *table_find(GArray *tables, const char *sig)
{
    for (unsigned i = 0; i < tables->len; i++) {
        AcpiTable *t = &g_array_index(tables, AcpiTable, i);

        if (!strcmp(t->sig, sig)) {
            return t;
        }
    }
    return NULL;
}

static void tables_free(GArray *tables)
{
    for (unsigned i = 0; i < tables->len; i++) {
        g_byte_array_unref(g_array_index(tables, AcpiTable, i).data);
    }
    g_array_unref(tables);
}

/*
 * Everything reachable from the RSDP that Linux's scan finds: on a 16-byte
 * boundary in 0xE0000-0xFFFFF with a valid checksum. The RSDP itself is
 * entry 0, under the name "RSDP".
 */
static GArray *tables_from_memory(QTestState *s)
{
    GArray *tables = g_array_new(false, true, sizeof(AcpiTable));
    g_autoptr(GByteArray) area =
        mem_read(s, BIOS_AREA, BIOS_AREA_END - BIOS_AREA);
    AcpiTable rsdp = {.sig = "RSDP"};
    GByteArray *xsdt, *rsdt;
    AcpiTable *fadt;
    unsigned n;

    for (uint32_t off = 0; off < area->len; off += 16) {
        if (!memcmp(area->data + off, "RSD PTR ", 8) &&
            !sum_bytes(area->data + off, 20)) {
            rsdp.addr = BIOS_AREA + off;
            break;
        }
    }
    g_assert_cmphex(rsdp.addr, !=, 0);
    rsdp.data = mem_read(s, rsdp.addr, 36);
    g_array_append_val(tables, rsdp);
    g_assert_cmpint(rsdp.data->data[15], ==, 2);
    g_assert_cmpuint(le32(rsdp.data->data + 20), ==, 36);
    g_assert_cmphex(sum_bytes(rsdp.data->data, 36), ==, 0);

    table_read(s, le32(rsdp.data->data + 16), tables);
    table_read(s, le64(rsdp.data->data + 24), tables);
    g_assert_nonnull(table_find(tables, "RSDT"));
    g_assert_nonnull(table_find(tables, "XSDT"));
    /* Table data stays put while the array of tables grows. */
    rsdt = table_find(tables, "RSDT")->data;
    xsdt = table_find(tables, "XSDT")->data;
    n = (rsdt->len - 36) / 4;
    g_assert_cmpuint(n, ==, (xsdt->len - 36) / 8);
    for (unsigned i = 0; i < n; i++) {
        uint64_t addr = le32(rsdt->data + 36 + 4 * i);

        g_assert_cmphex(le64(xsdt->data + 36 + 8 * i), ==, addr);
        table_read(s, addr, tables);
    }
    fadt = table_find(tables, "FACP");
    g_assert_nonnull(fadt);
    /* DSDT and X_DSDT agree; the FACS is 64-byte aligned. */
    g_assert_cmphex(le64(fadt->data->data + 140), ==,
                    le32(fadt->data->data + 40));
    g_assert_cmphex(le32(fadt->data->data + 36) & 63, ==, 0);
    {
        uint64_t facs = le32(fadt->data->data + 36);
        uint64_t dsdt = le32(fadt->data->data + 40);

        table_read(s, facs, tables);
        table_read(s, dsdt, tables);
    }
    return tables;
}

/* ---- the fw_cfg files, linked as SeaBIOS links them --------------------- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static GByteArray *fw_cfg_file(QTestState *s, const char *name)
{
    uint8_t count_be[4];
    uint32_t count;

    qtest_outw(s, FW_CFG_CTL, FW_CFG_FILE_DIR);
    for (int i = 0; i < 4; i++) {
        count_be[i] = qtest_inb(s, FW_CFG_DATA);
    }
    count = be32(count_be);
    for (uint32_t i = 0; i < count; i++) {
        uint8_t f[64];

        for (int j = 0; j < 64; j++) {
            f[j] = qtest_inb(s, FW_CFG_DATA);
        }
        if (!strncmp((char *)f + 8, name, 56)) {
            GByteArray *b = g_byte_array_new();

            g_byte_array_set_size(b, be32(f));
            qtest_outw(s, FW_CFG_CTL, f[4] << 8 | f[5]);
            for (uint32_t j = 0; j < b->len; j++) {
                b->data[j] = qtest_inb(s, FW_CFG_DATA);
            }
            return b;
        }
    }
    return NULL;
}

typedef struct LoaderFile {
    const char *name;
    GByteArray *data;
    uint64_t addr;
    bool allocated;
} LoaderFile;

static LoaderFile *loader_file(LoaderFile *files, unsigned n,
                               const uint8_t *name)
{
    for (unsigned i = 0; i < n; i++) {
        if (!strncmp(files[i].name, (const char *)name, LOADER_FILE_SIZE)) {
            g_assert_true(files[i].allocated);
            return &files[i];
        }
    }
    g_assert_not_reached();
}

/* Runs etc/table-loader over the two files the way SeaBIOS does. */
static void loader_run(GByteArray *commands, LoaderFile *files, unsigned n)
{
    g_assert_cmpuint(commands->len % 128, ==, 0);
    for (unsigned i = 0; i < commands->len / 128; i++) {
        const uint8_t *c = commands->data + i * 128;
        const uint8_t *u = c + 4;
        LoaderFile *f, *src;
        uint64_t v = 0;
        uint32_t off, start, len;
        uint8_t size;

        switch (le32(c)) {
        case LOADER_ALLOCATE:
            for (unsigned j = 0; j < n; j++) {
                if (!strncmp(files[j].name, (const char *)u,
                             LOADER_FILE_SIZE)) {
                    files[j].allocated = true;
                    g_assert_cmphex(files[j].addr % le32(u + 56), ==, 0);
                    /* The RSDP must go where an OS scans for it. */
                    g_assert_cmpint(u[60], ==,
                                    strcmp(files[j].name, "etc/acpi/rsdp")
                                        ? LOADER_ZONE_HIGH
                                        : LOADER_ZONE_FSEG);
                }
            }
            break;
        case LOADER_ADD_POINTER:
            f = loader_file(files, n, u);
            src = loader_file(files, n, u + 56);
            off = le32(u + 112);
            size = u[116];
            g_assert_true(size == 1 || size == 2 || size == 4 || size == 8);
            g_assert_cmpuint(off + size, <=, f->data->len);
            for (unsigned b = 0; b < size; b++) {
                v |= (uint64_t)f->data->data[off + b] << (8 * b);
            }
            g_assert_cmpuint(v, <, src->data->len);
            v += src->addr;
            for (unsigned b = 0; b < size; b++) {
                f->data->data[off + b] = v >> (8 * b);
            }
            break;
        case LOADER_ADD_CHECKSUM:
            f = loader_file(files, n, u);
            off = le32(u + 56);
            start = le32(u + 60);
            len = le32(u + 64);
            g_assert_cmpuint(start + len, <=, f->data->len);
            g_assert_cmpuint(off, <, f->data->len);
            f->data->data[off] -= sum_bytes(f->data->data + start, len);
            break;
        default:
            g_assert_not_reached();
        }
    }
}

/* ---- iasl --------------------------------------------------------------- */

/*
 * Writes each table to a directory and disassembles it; false when iasl
 * is missing. The RSDP is not a table with a header, and Debian 12's iasl
 * (20200925) refuses one on its own, so the checks above are its test.
 */
static bool iasl_check(GArray *tables)
{
    g_autofree char *iasl = g_find_program_in_path("iasl");
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = NULL;

    if (!iasl) {
        return false;
    }
    dir = g_dir_make_tmp("acpi-test-XXXXXX", &err);
    g_assert_no_error(err);
    for (unsigned i = 0; i < tables->len; i++) {
        AcpiTable *t = &g_array_index(tables, AcpiTable, i);
        g_autofree char *base = g_strdup_printf("%s.dat", t->sig);
        g_autofree char *path = g_build_filename(dir, base, NULL);
        g_autofree char *dsl_name = g_strdup_printf("%s.dsl", t->sig);
        g_autofree char *dsl = g_build_filename(dir, dsl_name, NULL);
        g_autofree char *out = NULL, *errout = NULL;
        char *argv[] = {iasl, "-d", base, NULL};
        int status;

        if (!strcmp(t->sig, "RSDP")) {
            continue;
        }
        g_assert_true(g_file_set_contents(path, (char *)t->data->data,
                                          t->data->len, &err));
        g_assert_no_error(err);
        g_assert_true(g_spawn_sync(dir, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                   &out, &errout, &status, &err));
        g_assert_no_error(err);
        g_test_message("iasl -d %s:\n%s%s", base, out, errout);
        g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        g_assert_null(strstr(out, "Error"));
        g_assert_null(strstr(errout, "Error"));
        g_assert_null(strstr(out, "Warning"));
        g_assert_null(strstr(errout, "Warning"));
        g_assert_true(g_file_test(dsl, G_FILE_TEST_EXISTS));
        /* The DSDT's source compiles again without a complaint. */
        if (!strcmp(t->sig, "DSDT")) {
            char *compile[] = {iasl, "-p", "recompiled", dsl_name, NULL};
            g_autofree char *aml =
                g_build_filename(dir, "recompiled.aml", NULL);

            g_free(out);
            g_free(errout);
            g_assert_true(g_spawn_sync(dir, compile, NULL, G_SPAWN_DEFAULT,
                                       NULL, NULL, &out, &errout, &status,
                                       &err));
            g_assert_no_error(err);
            g_test_message("iasl %s:\n%s%s", dsl_name, out, errout);
            g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
            g_assert_nonnull(strstr(out, " 0 Errors, 0 Warnings"));
            unlink(aml);
        }
        unlink(dsl);
        unlink(path);
    }
    rmdir(dir);
    return true;
}

/* ---- tests -------------------------------------------------------------- */

/* QEMU's tables differ (OEM ids, placement by SeaBIOS): pcvm's only. */
static bool vmm_is_pcvm(void)
{
    const char *bin = g_getenv("PCVM_QTEST_BINARY");

    return !bin || !strstr(bin, "qemu");
}

#define MACHINE_ARGS "-smp 2 -serial null -serial null"

static void test_direct_boot(void)
{
    g_autofree char *kernel = NULL;
    QTestState *s;
    GArray *tables;
    AcpiTable *fadt, *madt, *dsdt;
    const uint8_t *f, *m;
    unsigned lapics = 0, overrides = 0;

    if (!vmm_is_pcvm()) {
        g_test_skip("pcvm's own tables");
        return;
    }
    kernel = qtest_multiboot_kernel_new();
    s = qtest_initf("-kernel %s " MACHINE_ARGS, kernel);
    tables = tables_from_memory(s);
    fadt = table_find(tables, "FACP");
    madt = table_find(tables, "APIC");
    dsdt = table_find(tables, "DSDT");

    g_assert_nonnull(fadt);
    g_assert_nonnull(madt);
    g_assert_nonnull(dsdt);
    g_assert_nonnull(table_find(tables, "FACS"));
    f = fadt->data->data;
    g_assert_cmpint(f[8], ==, 3);
    g_assert_cmpuint(le16(f + 46), ==, 9);         /* SCI_INT */
    g_assert_cmphex(le32(f + 48), ==, 0xb2);       /* SMI_CMD */
    g_assert_cmphex(f[52], ==, 0xf1);              /* ACPI_ENABLE */
    g_assert_cmphex(le32(f + 56), ==, 0x600);      /* PM1a_EVT_BLK */
    g_assert_cmphex(le32(f + 64), ==, 0x604);      /* PM1a_CNT_BLK */
    g_assert_cmphex(le32(f + 76), ==, 0x608);      /* PM_TMR_BLK */
    g_assert_cmphex(le32(f + 80), ==, 0xafe0);     /* GPE0_BLK */
    g_assert_cmphex(le64(f + 116 + 4), ==, 0xcf9); /* RESET_REG */
    g_assert_cmphex(f[128], ==, 0x06);             /* RESET_VALUE */
    g_assert_cmphex(le64(f + 208 + 4), ==, 0x608); /* X_PM_TMR_BLK */

    /* The hardware is where the FADT says: the PM timer runs there. */
    {
        uint32_t t0 = qtest_inl(s, 0x608);

        qtest_clock_step(s, 1000000);
        g_assert_cmpuint((qtest_inl(s, 0x608) - t0) & 0xffffff, >=, 3579);
    }

    m = madt->data->data;
    g_assert_cmphex(le32(m + 36), ==, 0xfee00000);
    for (unsigned off = 44; off < madt->data->len; off += m[off + 1]) {
        g_assert_cmpuint(m[off + 1], >, 0);
        if (m[off] == 0) {
            g_assert_cmpuint(m[off + 2], ==, lapics); /* UID */
            g_assert_cmphex(le32(m + off + 4), ==, 1);
            lapics++;
        } else if (m[off] == 1) {
            g_assert_cmphex(le32(m + off + 4), ==, 0xfec00000);
            g_assert_cmpuint(le32(m + off + 8), ==, 0);
        } else if (m[off] == 2 && m[off + 3] == 0) {
            g_assert_cmpuint(le32(m + off + 4), ==, 2);
            overrides++;
        } else if (m[off] == 2 && m[off + 3] == 9) {
            g_assert_cmpuint(le32(m + off + 4), ==, 9);
            g_assert_cmphex(le16(m + off + 8), ==, 0x000d);
            overrides++;
        }
    }
    g_assert_cmpuint(lapics, ==, 2);
    g_assert_cmpuint(overrides, ==, 2);

    /* Names the DSDT must hold (their encodings, not the whole AML). */
    g_assert_nonnull(memmem(dsdt->data->data, dsdt->data->len, "PCI0", 4));
    g_assert_nonnull(memmem(dsdt->data->data, dsdt->data->len, "_PRT", 4));
    g_assert_nonnull(memmem(dsdt->data->data, dsdt->data->len, "\\_S5_", 5));
    g_assert_nonnull(memmem(dsdt->data->data, dsdt->data->len, "COM2", 4));
    g_assert_null(memmem(dsdt->data->data, dsdt->data->len, "COM3", 4));

    if (!iasl_check(tables)) {
        g_test_skip("iasl not installed (acpica-tools)");
    }
    tables_free(tables);
    qtest_quit(s);
    unlink(kernel);
}

/*
 * ISA devices from -device are in the DSDT as the board's are: a third
 * serial port (COM3) and pvpanic (PEVT, QEMU0001, its port), which
 * Linux's pvpanic driver finds only there.
 */
static void test_device_isa(void)
{
    g_autofree char *kernel = NULL;
    QTestState *s;
    GArray *tables;
    AcpiTable *dsdt;
    const uint8_t *pevt;
    static const uint8_t io_0x600[] = {0x47, 0x01, 0x00, 0x06,
                                       0x00, 0x06, 0x01, 0x01};

    if (!vmm_is_pcvm()) {
        g_test_skip("pcvm's own tables");
        return;
    }
    kernel = qtest_multiboot_kernel_new();
    s = qtest_initf("-kernel %s " MACHINE_ARGS
                    " -chardev null,id=c3 -device isa-serial,chardev=c3,index=2"
                    " -device pvpanic,ioport=0x600",
                    kernel);
    tables = tables_from_memory(s);
    dsdt = table_find(tables, "DSDT");
    g_assert_nonnull(dsdt);
    g_assert_nonnull(memmem(dsdt->data->data, dsdt->data->len, "COM3", 4));
    pevt = memmem(dsdt->data->data, dsdt->data->len, "PEVT", 4);
    g_assert_nonnull(pevt);
    g_assert_nonnull(memmem(pevt, dsdt->data->len - (pevt - dsdt->data->data),
                            "QEMU0001", 8));
    /* IO (Decode16, 0x600, 0x600, 1, 1) in its _CRS */
    g_assert_nonnull(memmem(pevt, dsdt->data->len - (pevt - dsdt->data->data),
                            io_0x600, sizeof(io_0x600)));
    if (!iasl_check(tables)) {
        g_test_skip("iasl not installed (acpica-tools)");
    }
    tables_free(tables);
    qtest_quit(s);
    unlink(kernel);
}

/*
 * With firmware, the same tables come through fw_cfg: linked at the
 * addresses direct boot uses, they are byte for byte what direct boot
 * puts in memory.
 */
static void test_firmware_files(void)
{
    g_autofree char *kernel = NULL;
    QTestState *direct, *s;
    GByteArray *commands;
    LoaderFile files[] = {
        {"etc/acpi/tables", NULL, LINK_TABLES_ADDR},
        {"etc/acpi/rsdp", NULL, LINK_RSDP_ADDR},
    };
    g_autoptr(GByteArray) mem_tables = NULL;
    g_autoptr(GByteArray) mem_rsdp = NULL;

    if (!vmm_is_pcvm()) {
        g_test_skip("pcvm's own tables");
        return;
    }
    kernel = qtest_multiboot_kernel_new();
    direct = qtest_initf("-kernel %s " MACHINE_ARGS, kernel);
    s = qtest_init(MACHINE_ARGS);
    commands = fw_cfg_file(s, "etc/table-loader");
    files[0].data = fw_cfg_file(s, files[0].name);
    files[1].data = fw_cfg_file(s, files[1].name);

    g_assert_nonnull(commands);
    g_assert_nonnull(files[0].data);
    g_assert_nonnull(files[1].data);
    loader_run(commands, files, G_N_ELEMENTS(files));
    g_assert_true(files[0].allocated && files[1].allocated);
    mem_tables = mem_read(direct, LINK_TABLES_ADDR, files[0].data->len);
    mem_rsdp = mem_read(direct, LINK_RSDP_ADDR, files[1].data->len);
    g_assert_cmpmem(files[0].data->data, files[0].data->len, mem_tables->data,
                    mem_tables->len);
    g_assert_cmpmem(files[1].data->data, files[1].data->len, mem_rsdp->data,
                    mem_rsdp->len);
    /* Direct boot leaves no ACPI files in fw_cfg. */
    g_assert_null(fw_cfg_file(direct, "etc/table-loader"));

    g_byte_array_unref(commands);
    g_byte_array_unref(files[0].data);
    g_byte_array_unref(files[1].data);
    qtest_quit(s);
    qtest_quit(direct);
    unlink(kernel);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/acpi/direct-boot", test_direct_boot);
    g_test_add_func("/acpi/firmware-files", test_firmware_files);
    g_test_add_func("/acpi/device-isa", test_device_isa);
    return g_test_run();
}
