/*
 * The pc's system flash (-drive if=pflash, "cfi.pflash01") driven as UEFI
 * firmware's flash driver (OVMF's QemuFlash) drives it: the code flash
 * ending at 4 GiB with its top copied below 1 MiB, the variable store
 * below it, the detection sequence (clear status, read status gives 0),
 * byte program (bits only cleared), block erase, write to buffer, the CFI
 * query, a read-only code flash refusing writes with SR.4/SR.5, a machine
 * reset back to read array, every write already in the image file, and
 * QEMU's errors for bad sizes and units.
 */
#include <fcntl.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libqtest.h"

#define CODE_SIZE (64 * 1024)
#define VARS_SIZE (16 * 1024)
#define CODE_BASE (0x100000000ull - CODE_SIZE)
#define VARS_BASE (CODE_BASE - VARS_SIZE)
#define BLOCK 4096

#define SR_READY 0x80
#define SR_ERASE_ERROR 0x20
#define SR_PROGRAM_ERROR 0x10
#define SR_LOCKED 0x02

typedef struct Fixture {
    char *code, *vars;
    QTestState *s;
} Fixture;

static uint8_t code_byte(unsigned i)
{
    return (uint8_t)(i * 13 + (i >> 8));
}

static char *image_new(size_t size, bool pattern)
{
    char *path = NULL;
    int fd = g_file_open_tmp("pcvm-flash-XXXXXX.fd", &path, NULL);
    g_autofree uint8_t *data = g_malloc(size);

    g_assert_cmpint(fd, >=, 0);
    for (size_t i = 0; i < size; i++) {
        data[i] = pattern ? code_byte(i) : 0xff;
    }
    g_assert_cmpint(write(fd, data, size), ==, (ssize_t)size);
    close(fd);
    return path;
}

static uint8_t file_byte(const char *path, size_t offset)
{
    g_autofree char *data = NULL;
    size_t len = 0;

    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    g_assert_cmpuint(offset, <, len);
    return (uint8_t)data[offset];
}

static void fixture_start(Fixture *f)
{
    f->code = image_new(CODE_SIZE, true);
    f->vars = image_new(VARS_SIZE, false);
    f->s = qtest_initf("-drive if=pflash,format=raw,unit=0,readonly=on,file=%s "
                       "-drive if=pflash,format=raw,unit=1,file=%s",
                       f->code, f->vars);
}

static void fixture_end(Fixture *f)
{
    qtest_quit(f->s);
    unlink(f->code);
    unlink(f->vars);
    g_free(f->code);
    g_free(f->vars);
}

/* Code at the top of 4 GiB, its top 64 KiB (all of it) below 1 MiB. */
static void test_map(void)
{
    Fixture f;

    fixture_start(&f);
    for (unsigned i = 0; i < CODE_SIZE; i += 509) {
        g_assert_cmphex(qtest_readb(f.s, CODE_BASE + i), ==, code_byte(i));
        g_assert_cmphex(qtest_readb(f.s, 0x100000 - CODE_SIZE + i), ==,
                        code_byte(i));
    }
    /* the reset vector's bytes as a CPU fetches them */
    g_assert_cmphex(qtest_readl(f.s, 0xfffffff0), ==,
                    code_byte(CODE_SIZE - 16) | code_byte(CODE_SIZE - 15) << 8 |
                        code_byte(CODE_SIZE - 14) << 16 |
                        (uint32_t)code_byte(CODE_SIZE - 13) << 24);
    g_assert_cmphex(qtest_readl(f.s, VARS_BASE), ==, 0xffffffff);
    g_assert_cmphex(qtest_readl(f.s, VARS_BASE + VARS_SIZE - 4), ==,
                    0xffffffff);
    fixture_end(&f);
}

/* OVMF's QemuFlashDetected: clear status, then read status reads 0. */
static void test_detect(void)
{
    Fixture f;
    uint64_t at = VARS_BASE + 0x100;

    fixture_start(&f);
    qtest_writeb(f.s, at, 0x50);
    g_assert_cmphex(qtest_readb(f.s, at), ==, 0xff); /* read array again */
    qtest_writeb(f.s, at, 0x70);
    g_assert_cmphex(qtest_readb(f.s, at), ==, 0x00);
    g_assert_cmphex(qtest_readb(f.s, VARS_BASE), ==, 0x00); /* any address */
    qtest_writeb(f.s, at, 0xff);
    g_assert_cmphex(qtest_readb(f.s, at), ==, 0xff);
    fixture_end(&f);
}

static void program_byte(QTestState *s, uint64_t addr, uint8_t value)
{
    qtest_writeb(s, addr, 0x10);
    qtest_writeb(s, addr, value);
}

/* Program clears bits only; erase sets the block; both reach the file. */
static void test_program_erase(void)
{
    Fixture f;
    uint64_t at = VARS_BASE + BLOCK + 7;

    fixture_start(&f);
    qtest_writeb(f.s, at, 0x50);
    program_byte(f.s, at, 0x5a);
    g_assert_cmphex(qtest_readb(f.s, at), ==, SR_READY); /* shows status */
    qtest_writeb(f.s, at, 0xff);
    g_assert_cmphex(qtest_readb(f.s, at), ==, 0x5a);
    g_assert_cmphex(file_byte(f.vars, BLOCK + 7), ==, 0x5a);

    program_byte(f.s, at, 0xf0); /* 0x5a AND 0xf0 */
    qtest_writeb(f.s, at, 0xff);
    g_assert_cmphex(qtest_readb(f.s, at), ==, 0x50);
    g_assert_cmphex(file_byte(f.vars, BLOCK + 7), ==, 0x50);

    program_byte(f.s, VARS_BASE + 2 * BLOCK, 0x11); /* the next block */
    qtest_writeb(f.s, at + 100, 0x20);
    qtest_writeb(f.s, at + 100, 0xd0);
    g_assert_cmphex(qtest_readb(f.s, at), ==, SR_READY);
    qtest_writeb(f.s, at, 0xff);
    g_assert_cmphex(qtest_readb(f.s, at), ==, 0xff);
    g_assert_cmphex(file_byte(f.vars, BLOCK + 7), ==, 0xff);
    g_assert_cmphex(qtest_readb(f.s, VARS_BASE + 2 * BLOCK), ==, 0x11);

    /* an erase without its confirm: a sequence error, nothing erased */
    qtest_writeb(f.s, at, 0x50);
    qtest_writeb(f.s, VARS_BASE + 2 * BLOCK, 0x20);
    qtest_writeb(f.s, VARS_BASE + 2 * BLOCK, 0x55);
    g_assert_cmphex(qtest_readb(f.s, at), ==,
                    SR_ERASE_ERROR | SR_PROGRAM_ERROR);
    qtest_writeb(f.s, at, 0xff);
    g_assert_cmphex(qtest_readb(f.s, VARS_BASE + 2 * BLOCK), ==, 0x11);
    fixture_end(&f);
}

/* Write to buffer: 0xe8, the count less one, the bytes, 0xd0. */
static void test_buffer(void)
{
    Fixture f;
    uint64_t at = VARS_BASE + 0x40;
    static const uint8_t data[6] = {1, 2, 3, 4, 5, 6};

    fixture_start(&f);
    qtest_writeb(f.s, at, 0xe8);
    g_assert_cmphex(qtest_readb(f.s, at) & SR_READY, ==, SR_READY);
    qtest_writeb(f.s, at, sizeof(data) - 1);
    for (unsigned i = 0; i < sizeof(data); i++) {
        qtest_writeb(f.s, at + i, data[i]);
    }
    /* not yet programmed before the confirm */
    g_assert_cmphex(file_byte(f.vars, 0x40), ==, 0xff);
    qtest_writeb(f.s, at, 0xd0);
    qtest_writeb(f.s, at, 0xff);
    for (unsigned i = 0; i < sizeof(data); i++) {
        g_assert_cmphex(qtest_readb(f.s, at + i), ==, data[i]);
        g_assert_cmphex(file_byte(f.vars, 0x40 + i), ==, data[i]);
    }
    g_assert_cmphex(qtest_readb(f.s, at + sizeof(data)), ==, 0xff);

    /* a count past the buffer: refused */
    qtest_writeb(f.s, at, 0x50);
    qtest_writeb(f.s, at, 0xe8);
    qtest_writeb(f.s, at, 0xff);
    g_assert_cmphex(qtest_readb(f.s, at) & (SR_ERASE_ERROR | SR_PROGRAM_ERROR),
                    ==, SR_ERASE_ERROR | SR_PROGRAM_ERROR);
    fixture_end(&f);
}

/* The CFI query: "QRY", the Intel command set, size and block layout. */
static void test_cfi(void)
{
    Fixture f;

    fixture_start(&f);
    qtest_writeb(f.s, VARS_BASE, 0x98);
    g_assert_cmphex(qtest_readb(f.s, VARS_BASE + 0x10), ==, 'Q');
    g_assert_cmphex(qtest_readb(f.s, VARS_BASE + 0x11), ==, 'R');
    g_assert_cmphex(qtest_readb(f.s, VARS_BASE + 0x12), ==, 'Y');
    g_assert_cmphex(qtest_readb(f.s, VARS_BASE + 0x13), ==, 0x01);
    g_assert_cmpuint(qtest_readb(f.s, VARS_BASE + 0x27), ==, 14); /* 16K */
    g_assert_cmpuint(qtest_readb(f.s, VARS_BASE + 0x2c), ==, 1);
    g_assert_cmpuint(qtest_readb(f.s, VARS_BASE + 0x2d) |
                         qtest_readb(f.s, VARS_BASE + 0x2e) << 8,
                     ==, VARS_SIZE / BLOCK - 1);
    g_assert_cmpuint(qtest_readb(f.s, VARS_BASE + 0x2f) |
                         qtest_readb(f.s, VARS_BASE + 0x30) << 8,
                     ==, BLOCK / 256);
    qtest_writeb(f.s, VARS_BASE, 0xff);
    g_assert_cmphex(qtest_readb(f.s, VARS_BASE + 0x10), ==, 0xff);
    fixture_end(&f);
}

/* The read-only code flash: program and erase fail, nothing changes. */
static void test_read_only(void)
{
    Fixture f;
    uint64_t at = CODE_BASE + 0x1234;

    fixture_start(&f);
    qtest_writeb(f.s, at, 0x50);
    program_byte(f.s, at, 0x00);
    g_assert_cmphex(qtest_readb(f.s, at), ==,
                    SR_READY | SR_PROGRAM_ERROR | SR_LOCKED);
    qtest_writeb(f.s, at, 0x50);
    qtest_writeb(f.s, at, 0x20);
    qtest_writeb(f.s, at, 0xd0);
    qtest_writeb(f.s, at, 0x70);
    g_assert_cmphex(qtest_readb(f.s, at), ==,
                    SR_READY | SR_ERASE_ERROR | SR_LOCKED);
    qtest_writeb(f.s, at, 0xff);
    g_assert_cmphex(qtest_readb(f.s, at), ==, code_byte(0x1234));
    g_assert_cmphex(file_byte(f.code, 0x1234), ==, code_byte(0x1234));
    fixture_end(&f);
}

/* A machine reset puts a chip left in status mode back to read array. */
static void test_reset(void)
{
    Fixture f;

    fixture_start(&f);
    qtest_writeb(f.s, CODE_BASE, 0x70);
    g_assert_cmphex(qtest_readb(f.s, CODE_BASE), ==, SR_READY);
    qtest_qmp_assert_success(f.s, "{'execute': 'system_reset'}");
    g_assert_cmphex(qtest_readb(f.s, CODE_BASE), ==, code_byte(0));
    fixture_end(&f);
}

static void test_errors(void)
{
    g_autofree char *odd = NULL;
    g_autofree char *good = image_new(CODE_SIZE, true);
    g_autofree char *big = image_new(0, false);
    g_autofree char *args = NULL;
    int fd;

    odd = image_new(CODE_SIZE + 512, true);
    args = g_strdup_printf("-drive if=pflash,format=raw,file=%s", odd);
    qtest_assert_startup_error(args, "system firmware block device pflash0 has "
                                     "invalid size 66048");
    g_free(args);
    args = g_strdup_printf("-drive if=pflash,format=raw,unit=1,file=%s", good);
    qtest_assert_startup_error(args, "pflash1 requires pflash0");
    g_free(args);
    args = g_strdup_printf("-drive if=pflash,format=raw,unit=2,file=%s", good);
    qtest_assert_startup_error(
        args, "machine type does not support if=pflash,bus=0,unit=2");
    g_free(args);
    fd = open(big, O_WRONLY);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, 8 << 20), ==, 0);
    close(fd);
    args = g_strdup_printf("-drive if=pflash,format=raw,unit=0,file=%s "
                           "-drive if=pflash,format=raw,unit=1,file=%s",
                           big, good);
    qtest_assert_startup_error(
        args, "combined size of system firmware exceeds 8388608 bytes");
    unlink(odd);
    unlink(good);
    unlink(big);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pflash/map", test_map);
    g_test_add_func("/pflash/detect", test_detect);
    g_test_add_func("/pflash/program-erase", test_program_erase);
    g_test_add_func("/pflash/buffer", test_buffer);
    g_test_add_func("/pflash/cfi", test_cfi);
    g_test_add_func("/pflash/read-only", test_read_only);
    g_test_add_func("/pflash/reset", test_reset);
    g_test_add_func("/pflash/errors", test_errors);
    return g_test_run();
}
