/*
 * Where guest RAM comes from: a memory-backend-file shared with the host
 * (a byte the guest's memory gets is in the file), a memory-backend-ram
 * whose size is the RAM size, -mem-path and -mem-prealloc, and QEMU's
 * errors for what does not fit.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "libqtest.h"

static long vmm_rss_kb(QTestState *s)
{
    g_autofree char *path =
        g_strdup_printf("/proc/%d/status", (int)qtest_pid(s));
    g_autofree char *text = NULL;
    const char *line;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    line = strstr(text, "VmRSS:");
    g_assert_nonnull(line);
    return strtol(line + strlen("VmRSS:"), NULL, 10);
}

static void test_file_backend_shared(void)
{
    g_autofree char *file = qtest_tmp_path("guest-ram.bin");
    QTestState *s = qtest_initf(
        "-object memory-backend-file,id=m0,size=64M,mem-path=%s,share=on "
        "-machine memory-backend=m0",
        file);
    char buf[8] = {0};
    int fd;

    qtest_memwrite(s, 0x100000, "pcvm-ram", 8);
    fd = open(file, O_RDONLY);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pread(fd, buf, 8, 0x100000), ==, 8);
    close(fd);
    g_assert_cmpmem(buf, 8, "pcvm-ram", 8);
    /* 64 MiB of RAM without -m: the backend's size (its last byte is RAM). */
    qtest_writeb(s, (64u << 20) - 1, 0x5a);
    g_assert_cmphex(qtest_readb(s, (64u << 20) - 1), ==, 0x5a);
    qtest_quit(s);
    unlink(file);
}

static void test_prealloc(void)
{
    QTestState *s = qtest_init("-m 96 -mem-prealloc");
    g_autofree char *dir = g_dir_make_tmp("pcvm-mem-XXXXXX", NULL);
    g_autofree char *args = NULL;
    QTestState *s2;

    /* All 96 MiB are resident before the guest touches any. */
    g_assert_cmpint(vmm_rss_kb(s), >=, 96 * 1024);
    qtest_quit(s);

    /* -mem-path to a directory: an unlinked file there holds the RAM. */
    args = g_strdup_printf("-m 32 -mem-path %s", dir);
    s2 = qtest_init(args);
    qtest_writeq(s2, 0x200000, 0x1122334455667788ull);
    g_assert_cmphex(qtest_readq(s2, 0x200000), ==, 0x1122334455667788ull);
    qtest_quit(s2);
    g_assert_cmpint(rmdir(dir), ==, 0); /* nothing left in it */
}

static void test_errors(void)
{
    qtest_assert_startup_error("-object memory-backend-ram,id=m0",
                               "can't create backend with size 0");
    qtest_assert_startup_error("-object memory-backend-file,id=m0,size=4M",
                               "mem-path property not set");
    qtest_assert_startup_error("-machine memory-backend=nope",
                               "Memory backend 'nope' not found");
    qtest_assert_startup_error(
        "-m 64 -object memory-backend-ram,id=m0,size=32M "
        "-machine memory-backend=m0",
        "Machine memory size does not match the size of the memory backend");
    qtest_assert_startup_error("-object memory-backend-ram,id=m0,size=4M "
                               "-object memory-backend-ram,id=m0,size=4M",
                               "Duplicate ID 'm0' for object");
    qtest_assert_startup_error(
        "-object memory-backend-ram,id=m0,size=4M,colour=red",
        "Invalid parameter 'colour'");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hostmem/file-backend-shared", test_file_backend_shared);
    g_test_add_func("/hostmem/prealloc-and-mem-path", test_prealloc);
    g_test_add_func("/hostmem/errors", test_errors);
    return g_test_run();
}
