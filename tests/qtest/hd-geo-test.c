/*
 * The hard-disk bytes of the PC's CMOS as a BIOS reads them through ports
 * 0x70/0x71: the drive types (0x12, and 47 at 0x19/0x1a), each primary
 * disk's parameter table (0x1b and 0x24: cylinders, heads, write
 * precompensation, control byte, landing zone, sectors) and the BIOS
 * translation of the first four drives (0x39). The geometry is QEMU's:
 * from the size (16 heads, 63 sectors, 2 to 16383 cylinders), from an MBR
 * partition table, or given with ide-hd's cyls=, heads=, secs= and
 * bios-chs-trans= (also through -global).
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libqtest.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71

#define CMOS_DISK_TYPES 0x12
#define CMOS_DISK0_TYPE 0x19
#define CMOS_DISK1_TYPE 0x1a
#define CMOS_DISK0_PARAMS 0x1b
#define CMOS_DISK1_PARAMS 0x24
#define CMOS_DISK_TRANSLATION 0x39

#define MIB (1024ull * 1024)
#define GIB (1024 * MIB)

/* The BIOS translation values in CMOS 0x39 (QEMU's BiosAtaTranslation - 1). */
enum { TRANS_NONE, TRANS_LBA, TRANS_LARGE, TRANS_RECHS };

static uint8_t cmos_read(QTestState *s, uint8_t index)
{
    qtest_outb(s, CMOS_INDEX, index);
    return qtest_inb(s, CMOS_DATA);
}

/*
 * A sparse raw image of size bytes; with heads, an MBR whose one partition
 * ends on head heads - 1 and sector secs.
 */
static char *image_new(uint64_t size, unsigned heads, unsigned secs)
{
    char *path = NULL;
    int fd = g_file_open_tmp("pcvm-geo-XXXXXX.img", &path, NULL);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, size), ==, 0);
    if (heads) {
        uint8_t mbr[512] = {0};
        uint8_t *p = mbr + 0x1be;
        uint32_t count = size / 512 - secs;

        p[1] = 1;         /* start: head 1 */
        p[2] = 1;         /* sector 1, cylinder 0 */
        p[4] = 0x83;      /* Linux */
        p[5] = heads - 1; /* end head */
        p[6] = secs;      /* end sector (cylinder bits 8-9 zero) */
        p[7] = 0xff;      /* end cylinder, low bits */
        p[8] = secs;      /* first LBA: the second track */
        for (int i = 0; i < 4; i++) {
            p[12 + i] = count >> (8 * i);
        }
        mbr[510] = 0x55;
        mbr[511] = 0xaa;
        g_assert_cmpint(pwrite(fd, mbr, sizeof(mbr), 0), ==, sizeof(mbr));
    }
    close(fd);
    return path;
}

static void image_free(char *path)
{
    unlink(path);
    g_free(path);
}

/* The 9 bytes of drive type 47's table at at, for this geometry. */
static void check_params(QTestState *s, uint8_t at, unsigned cyls,
                         unsigned heads, unsigned secs)
{
    g_assert_cmpuint(cmos_read(s, at) | cmos_read(s, at + 1) << 8, ==, cyls);
    g_assert_cmpuint(cmos_read(s, at + 2), ==, heads);
    /* write precompensation: none */
    g_assert_cmphex(cmos_read(s, at + 3), ==, 0xff);
    g_assert_cmphex(cmos_read(s, at + 4), ==, 0xff);
    g_assert_cmphex(cmos_read(s, at + 5), ==, 0xc0 | (heads > 8 ? 0x08 : 0));
    /* landing zone: the last cylinder */
    g_assert_cmpuint(cmos_read(s, at + 6) | cmos_read(s, at + 7) << 8, ==,
                     cyls);
    g_assert_cmpuint(cmos_read(s, at + 8), ==, secs);
}

/* No disks: every disk byte zero. */
static void test_none(void)
{
    QTestState *s = qtest_init("");

    g_assert_cmphex(cmos_read(s, CMOS_DISK_TYPES), ==, 0);
    g_assert_cmphex(cmos_read(s, CMOS_DISK0_TYPE), ==, 0);
    g_assert_cmphex(cmos_read(s, CMOS_DISK1_TYPE), ==, 0);
    for (uint8_t at = CMOS_DISK0_PARAMS; at < CMOS_DISK1_PARAMS + 9; at++) {
        g_assert_cmphex(cmos_read(s, at), ==, 0);
    }
    g_assert_cmphex(cmos_read(s, CMOS_DISK_TRANSLATION), ==, 0);
    qtest_quit(s);
}

/*
 * Three sizes without a partition table, on ide0 master, ide0 slave and
 * ide1 master: 32 MiB (65 cylinders, untranslated), 1 GiB (2080
 * cylinders, past the BIOS's 1024: LBA) and 16 GiB (capped at 16383, LBA).
 * The third disk has no CMOS table, only its translation bits.
 */
static void test_sizes(void)
{
    char *a = image_new(32 * MIB, 0, 0);
    char *b = image_new(1 * GIB, 0, 0);
    char *c = image_new(16 * GIB, 0, 0);
    QTestState *s = qtest_initf("-drive file=%s,format=raw,if=ide,index=0 "
                                "-drive file=%s,format=raw,if=ide,index=1 "
                                "-drive file=%s,format=raw,if=ide,index=2",
                                a, b, c);

    g_assert_cmphex(cmos_read(s, CMOS_DISK_TYPES), ==, 0xff);
    g_assert_cmpuint(cmos_read(s, CMOS_DISK0_TYPE), ==, 47);
    g_assert_cmpuint(cmos_read(s, CMOS_DISK1_TYPE), ==, 47);
    check_params(s, CMOS_DISK0_PARAMS, 65, 16, 63);
    check_params(s, CMOS_DISK1_PARAMS, 2080, 16, 63);
    g_assert_cmphex(cmos_read(s, CMOS_DISK_TRANSLATION), ==,
                    TRANS_NONE | TRANS_LBA << 2 | TRANS_LBA << 4);
    qtest_quit(s);
    image_free(a);
    image_free(b);
    image_free(c);
}

/* -hda alone: only the master's nibble and table; a tiny disk: 2 cylinders. */
static void test_hda_tiny(void)
{
    char *a = image_new(512 * 1024, 0, 0);
    QTestState *s = qtest_initf("-hda %s", a);

    g_assert_cmphex(cmos_read(s, CMOS_DISK_TYPES), ==, 0xf0);
    g_assert_cmpuint(cmos_read(s, CMOS_DISK0_TYPE), ==, 47);
    g_assert_cmpuint(cmos_read(s, CMOS_DISK1_TYPE), ==, 0);
    check_params(s, CMOS_DISK0_PARAMS, 2, 16, 63);
    g_assert_cmphex(cmos_read(s, CMOS_DISK_TRANSLATION), ==, TRANS_NONE);
    qtest_quit(s);
    image_free(a);
}

/*
 * A partition table's geometry: 16 heads and 32 sectors is taken as the
 * drive's own (untranslated); 255 heads means a translating BIOS made it,
 * so the size's geometry with LARGE (up to 131072 cylinders x heads) or
 * LBA beyond.
 */
static void test_mbr(void)
{
    char *a = image_new(64 * MIB, 16, 32);
    char *b = image_new(256 * MIB, 255, 63);
    char *c = image_new(8 * GIB + 512 * MIB, 255, 63);
    QTestState *s = qtest_initf("-drive file=%s,format=raw,if=ide,index=0 "
                                "-drive file=%s,format=raw,if=ide,index=1 "
                                "-drive file=%s,format=raw,if=ide,index=3",
                                a, b, c);

    check_params(s, CMOS_DISK0_PARAMS, 64 * MIB / 512 / (16 * 32), 16, 32);
    check_params(s, CMOS_DISK1_PARAMS, 256 * MIB / 512 / (16 * 63), 16, 63);
    /* 8.5 GiB: 17476 cylinders, capped at 16383; 16383 x 16 > 131072 */
    g_assert_cmphex(cmos_read(s, CMOS_DISK_TRANSLATION), ==,
                    TRANS_NONE | TRANS_LARGE << 2 | TRANS_LBA << 6);
    qtest_quit(s);
    image_free(a);
    image_free(b);
    image_free(c);
}

/*
 * A geometry given: through -global for every ide-hd (the -drive if=ide
 * disk too), and on one -device with its own translation; a CD-ROM on
 * the primary slave has no type, table or translation.
 */
static void test_override(void)
{
    char *a = image_new(32 * MIB, 0, 0);
    char *b = image_new(32 * MIB, 0, 0);
    char *cd = image_new(1 * MIB, 0, 0);
    QTestState *s = qtest_initf(
        "-global ide-hd.cyls=1000 -global ide-hd.heads=4 "
        "-global ide-hd.secs=17 "
        "-drive file=%s,format=raw,if=ide,index=0 "
        "-drive file=%s,format=raw,if=ide,index=1,media=cdrom "
        "-drive file=%s,format=raw,if=none,id=d2 "
        "-device ide-hd,drive=d2,bus=ide.1,unit=0,cyls=2000,heads=16,"
        "secs=255,bios-chs-trans=rechs",
        a, cd, b);

    g_assert_cmphex(cmos_read(s, CMOS_DISK_TYPES), ==, 0xf0);
    g_assert_cmpuint(cmos_read(s, CMOS_DISK1_TYPE), ==, 0);
    check_params(s, CMOS_DISK0_PARAMS, 1000, 4, 17);
    for (uint8_t at = CMOS_DISK1_PARAMS; at < CMOS_DISK1_PARAMS + 9; at++) {
        g_assert_cmphex(cmos_read(s, at), ==, 0);
    }
    g_assert_cmphex(cmos_read(s, CMOS_DISK_TRANSLATION), ==,
                    TRANS_NONE | TRANS_RECHS << 4);
    qtest_quit(s);
    image_free(a);
    image_free(b);
    image_free(cd);
}

/* Geometry out of IDE's range: QEMU's words, before the guest runs. */
static void test_errors(void)
{
    char *a = image_new(32 * MIB, 0, 0);
    static const struct {
        const char *props, *error;
    } cases[] = {
        {"cyls=65536,heads=16,secs=63", "cyls must be between 1 and 65535"},
        {"cyls=100", "heads must be between 1 and 16"},
        {"cyls=100,heads=17,secs=63", "heads must be between 1 and 16"},
        {"cyls=100,heads=16,secs=256", "secs must be between 1 and 255"},
        {"heads=16,secs=63", "cyls must be between 1 and 65535"},
        {"bios-chs-trans=chs",
         "Parameter 'bios-chs-trans' does not accept value 'chs'"},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *args =
            g_strdup_printf("-drive file=%s,format=raw,if=none,id=d0 "
                            "-device ide-hd,drive=d0,%s",
                            a, cases[i].props);

        qtest_assert_startup_error(args, cases[i].error);
    }
    image_free(a);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hd-geo/none", test_none);
    g_test_add_func("/hd-geo/sizes", test_sizes);
    g_test_add_func("/hd-geo/hda-tiny", test_hda_tiny);
    g_test_add_func("/hd-geo/mbr", test_mbr);
    g_test_add_func("/hd-geo/override", test_override);
    g_test_add_func("/hd-geo/errors", test_errors);
    return g_test_run();
}
