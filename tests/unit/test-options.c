/* Command-line parsing: values, QEMU's -smp rules, and one-line errors. */
#include <string.h>
#include <unistd.h>

#include "config-host.h"
#include "system/options.h"
#include "util/cutils.h"
#include "util/keyval.h"

/* Parses a space-separated command line; returns the error text or NULL. */
static char *parse(VMConfig *cfg, const char *line)
{
    g_autofree char *full = g_strstrip(g_strconcat("pcvm ", line, NULL));
    g_auto(GStrv) argv = g_strsplit(full, " ", -1);
    GError *err = NULL;
    char *message = NULL;

    vm_config_init(cfg);
    if (!vm_config_parse(cfg, g_strv_length(argv), argv, &err)) {
        message = g_strdup(err->message);
        g_error_free(err);
    }
    return message;
}

static void assert_error(const char *line, const char *expected)
{
    VMConfig cfg;
    g_autofree char *err = parse(&cfg, line);

    g_assert_cmpstr(err, ==, expected);
    vm_config_clear(&cfg);
}

static void test_memory_sizes(void)
{
    VMConfig cfg;
    g_autofree char *e1 = parse(&cfg, "-m 512");

    g_assert_null(e1);
    g_assert_cmpuint(cfg.ram_size, ==, 512ull << 20);
    vm_config_clear(&cfg);
    {
        g_autofree char *e = parse(&cfg, "-m 2G");

        g_assert_null(e);
        g_assert_cmpuint(cfg.ram_size, ==, 2ull << 30);
        vm_config_clear(&cfg);
    }
    {
        g_autofree char *e = parse(&cfg, "-m size=1.5G");

        g_assert_null(e);
        g_assert_cmpuint(cfg.ram_size, ==, 3ull << 29);
        vm_config_clear(&cfg);
    }
    {
        g_autofree char *e = parse(&cfg, "");

        g_assert_null(e);
        g_assert_cmpuint(cfg.ram_size, ==, 128ull << 20);
        vm_config_clear(&cfg);
    }
    assert_error("-m 12X",
                 "-m 12X: invalid size '12X' (use a number of MiB or a suffix: "
                 "512M, 2G)");
    assert_error("-m 1K", "-m 1K: RAM size too small (at least 2 MiB)");
    assert_error("-m 1G,slots=2", "-m 1G,slots=2: Invalid parameter 'slots'");
}

static void test_smp_topology(void)
{
    VMConfig cfg;

    {
        g_autofree char *e = parse(&cfg, "-smp 4");

        g_assert_null(e);
        g_assert_cmpuint(cfg.smp_cpus, ==, 4);
        g_assert_cmpuint(cfg.smp_sockets, ==, 1);
        g_assert_cmpuint(cfg.smp_cores, ==, 4);
        vm_config_clear(&cfg);
    }
    {
        g_autofree char *e = parse(&cfg, "-smp cores=2,threads=2");

        g_assert_null(e);
        g_assert_cmpuint(cfg.smp_cpus, ==, 4);
        g_assert_cmpuint(cfg.smp_sockets, ==, 1);
        vm_config_clear(&cfg);
    }
    {
        g_autofree char *e = parse(&cfg, "-smp 2,maxcpus=4");

        g_assert_null(e);
        g_assert_cmpuint(cfg.smp_cpus, ==, 2);
        g_assert_cmpuint(cfg.smp_maxcpus, ==, 4);
        g_assert_cmpuint(cfg.smp_sockets, ==, 1);
        g_assert_cmpuint(cfg.smp_cores, ==, 4);
        vm_config_clear(&cfg);
    }
    {
        /* Given sockets, cores fill the rest; given cores, sockets do. */
        g_autofree char *e = parse(&cfg, "-smp 8,sockets=2");

        g_assert_null(e);
        g_assert_cmpuint(cfg.smp_sockets, ==, 2);
        g_assert_cmpuint(cfg.smp_cores, ==, 4);
        g_assert_cmpuint(cfg.smp_threads, ==, 1);
        vm_config_clear(&cfg);
        e = parse(&cfg, "-smp 8,cores=2,threads=2");
        g_assert_null(e);
        g_assert_cmpuint(cfg.smp_sockets, ==, 2);
        vm_config_clear(&cfg);
        g_free(e);
        e = parse(&cfg, "-smp 8,sockets=2,cores=2");
        g_assert_null(e);
        g_assert_cmpuint(cfg.smp_threads, ==, 2);
        vm_config_clear(&cfg);
    }
    assert_error("-smp 3,sockets=2",
                 "-smp 3,sockets=2: Invalid CPU topology: product of the "
                 "hierarchy must match maxcpus: sockets (2) * cores (1) * "
                 "threads (1) != maxcpus (3)");
    assert_error("-smp 0", "-smp 0: CPU topology parameters must be greater "
                           "than zero");
    assert_error("-smp 300", "-smp 300: Invalid SMP CPUs 300. The max CPUs "
                             "supported by machine 'pc-i440fx-7.2' is 255");
    assert_error("-smp two", "-smp two: cpus: 'two' is not a number");
}

/* The same for an exact argv (empty arguments cannot be split out). */
static void assert_error_argv(const char *const *args, const char *expected)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    VMConfig cfg;
    GError *err = NULL;

    g_ptr_array_add(argv, (gpointer) "pcvm");
    for (; *args; args++) {
        g_ptr_array_add(argv, (gpointer)*args);
    }
    g_ptr_array_add(argv, NULL);
    vm_config_init(&cfg);
    g_assert_false(
        vm_config_parse(&cfg, argv->len - 1, (char **)argv->pdata, &err));
    g_assert_cmpstr(err->message, ==, expected);
    g_error_free(err);
    vm_config_clear(&cfg);
}

/* Input that once crashed or was taken silently. */
static void test_hostile_input(void)
{
    static const char *const cpu[] = {"-cpu", "", NULL};
    static const char *const display[] = {"-display", "", NULL};

    assert_error_argv(cpu, "-cpu : unable to find CPU model ''");
    assert_error_argv(display,
                      "-display : Parameter 'type' does not accept value '' "
                      "(this pcvm has displays 'none', 'sdl' and 'vnc=')");
#ifdef CONFIG_SDL
    assert_error("-display sdl,gl=on",
                 "-display sdl,gl=on: OpenGL is not supported by the display "
                 "(pcvm's SDL display has gl=off only)");
    assert_error("-display sdl,grab-mod=lalt",
                 "-display sdl,grab-mod=lalt: Parameter 'grab-mod' does not "
                 "accept value 'lalt' (lshift-lctrl-lalt or rctrl)");
    assert_error("-display sdl,zoom=2",
                 "-display sdl,zoom=2: Invalid parameter 'zoom'");
#endif
    assert_error("-vnc foo",
                 "-vnc foo: VNC display 'foo' is not [HOST]:N, unix:PATH or "
                 "none");
    assert_error("-display vnc=:1,share=x", "-display vnc=:1,share=x: Invalid "
                                            "parameter 'share'");
    assert_error("-vnc :70000",
                 "-vnc :70000: VNC display number '70000' is not 0..59635");
    assert_error("-vnc :1,password=maybe",
                 "-vnc :1,password=maybe: Parameter 'password' expects 'on' "
                 "or 'off'");
    assert_error("-accel qtest -enable-kvm",
                 "The -accel and \"-machine accel=\" options are incompatible");
    assert_error("-machine pc,usb=on",
                 "-machine pc,usb=on: usb=on is not supported by this pcvm");
    assert_error("-machine pc,kernel-irqchip=off",
                 "-machine pc,kernel-irqchip=off: kernel-irqchip=off is not "
                 "supported: pcvm runs KVM with its in-kernel irqchip");
    assert_error("-machine pc,kernel-irqchip=maybe",
                 "-machine pc,kernel-irqchip=maybe: Parameter 'kernel-irqchip' "
                 "does not accept value 'maybe'");
    assert_error("-machine pc,hpet=2",
                 "-machine pc,hpet=2: Parameter 'hpet' expects 'on' or 'off'");
    assert_error("-machine pc,colour=red",
                 "-machine pc,colour=red: Invalid parameter 'colour'");
    {
        VMConfig cfg;
        g_autofree char *e =
            parse(&cfg, "-machine pc-i440fx-7.2,usb=off,dump-guest-core=off,"
                        "mem-merge=off,vmport=off,smm=auto,hpet=off,"
                        "kernel-irqchip=on,graphics=off,memory-backend=pc.ram");

        g_assert_null(e);
        g_assert_true(cfg.graphics_off);
        g_assert_cmpstr(cfg.memory_backend, ==, "pc.ram");
        vm_config_clear(&cfg);
    }
    assert_error(
        "-object iothread,id=9x",
        "-object iothread,id=9x: Parameter 'id' expects an identifier");
    {
        VMConfig cfg;
        g_autofree char *e =
            parse(&cfg, "-object {\"qom-type\":\"iothread\",\"id\":\"io1\"} "
                        "-object {\"qom-type\":\"memory-backend-ram\",\"id\":"
                        "\"ram1\",\"size\":4194304,\"share\":true}");

        g_assert_null(e);
        g_assert_cmpuint(cfg.objects->len, ==, 2);
        g_assert_cmpstr(g_ptr_array_index(cfg.object_ids, 0), ==, "io1");
        g_assert_cmpstr(g_ptr_array_index(cfg.object_ids, 1), ==, "ram1");
        vm_config_clear(&cfg);
    }
    assert_error("-object {\"qom-type\":\"iothread\",\"id\":{}}",
                 "-object {\"qom-type\":\"iothread\",\"id\":{}}: "
                 "Parameter 'id' must be a scalar here");
    assert_error("-msg timestamp=maybe",
                 "-msg timestamp=maybe: Parameter 'timestamp' expects 'on' or "
                 "'off'");
    assert_error("-overcommit cpu-pm=on",
                 "-overcommit cpu-pm=on: cpu-pm=on is not supported");
    assert_error("-overcommit colour=red",
                 "-overcommit colour=red: Invalid parameter 'colour'");
    assert_error("-machine accel=kvm -accel tcg",
                 "The -accel and \"-machine accel=\" options are incompatible");
}

static void test_errors(void)
{
    assert_error("-frobnicate", "-frobnicate: invalid option");
    assert_error("-kernel", "-kernel: requires an argument");
    assert_error("-kernel /nonexistent/bzImage",
                 "-kernel /nonexistent/bzImage: No such file or directory");
    assert_error("-append console=ttyS0", "-append: only allowed with -kernel");
    assert_error("-accel frob", "-accel frob: invalid accelerator frob");
    assert_error("-machine q99", "-machine q99: unsupported machine type "
                                 "'q99' (-machine help lists them)");
    assert_error("-cpu pentium9", "-cpu pentium9: unable to find CPU model "
                                  "'pentium9'");
    assert_error("-device no-such-nic",
                 "-device no-such-nic: 'no-such-nic' is not a valid device "
                 "model name");
    assert_error("-serial null -serial null -serial null -serial null "
                 "-serial null",
                 "-serial null: too many serial ports (at most 4)");
    assert_error("-d frob", "-d frob: unknown log item 'frob' (try -d help)");
}

static void test_values_and_actions(void)
{
    VMConfig cfg;

    {
        g_autofree char *e = parse(&cfg, "--enable-kvm -nographic "
                                         "-no-reboot -S -name guest=vm1 "
                                         "-serial stdio -serial pty "
                                         "-machine pc,accel=kvm");

        g_assert_null(e);
        g_assert_cmpuint(cfg.accels->len, ==, 2);
        g_assert_true(cfg.nographic && cfg.no_reboot && cfg.start_paused);
        g_assert_cmpstr(cfg.name, ==, "vm1");
        g_assert_cmpuint(cfg.serials->len, ==, 2);
        g_assert_cmpstr(g_ptr_array_index(cfg.serials, 1), ==, "pty");
        vm_config_clear(&cfg);
    }
    {
        g_autofree char *e = parse(&cfg, "-device isa-serial,help -m 64");

        g_assert_null(e);
        g_assert_cmpint(cfg.action, ==, VM_ACTION_DEVICE_PROPS);
        g_assert_cmpstr(cfg.help_target, ==, "isa-serial");
        vm_config_clear(&cfg);
    }
    {
        g_autofree char *e = parse(&cfg, "-device help");

        g_assert_null(e);
        g_assert_cmpint(cfg.action, ==, VM_ACTION_DEVICE_LIST);
        vm_config_clear(&cfg);
    }
}

static void test_keyval(void)
{
    g_autoptr(KeyValList) kv =
        keyval_parse("e1000,netdev=n0,romfile=a,,b,flag", "driver", NULL);
    uint64_t size;

    g_assert_nonnull(kv);
    g_assert_cmpuint(keyval_count(kv), ==, 4);
    g_assert_cmpstr(keyval_get(kv, "driver"), ==, "e1000");
    g_assert_cmpstr(keyval_get(kv, "romfile"), ==, "a,b");
    g_assert_cmpstr(keyval_get(kv, "flag"), ==, "on");
    g_assert_false(keyval_check_unused(kv, NULL));
    keyval_get(kv, "netdev");
    g_assert_true(keyval_check_unused(kv, NULL));

    g_assert_true(parse_size("4k", 1, &size, NULL));
    g_assert_cmpuint(size, ==, 4096);
    g_assert_true(parse_size("64", 1 << 20, &size, NULL));
    g_assert_cmpuint(size, ==, 64 << 20);
    g_assert_false(parse_size("-1", 1, &size, NULL));
    g_assert_false(parse_size("1.5", 1, &size, NULL));
}

static void test_monitors(void)
{
    VMConfig cfg;
    MonitorConfig *mon;
    g_autofree char *e = parse(&cfg, "-qmp unix:/tmp/q,server=on -monitor none "
                                     "-mon chardev=c0,mode=control,pretty=on "
                                     "-mon c1 -qtest unix:/tmp/t "
                                     "-qtest-log /dev/null");

    g_assert_null(e);
    g_assert_false(cfg.default_monitor);
    g_assert_cmpuint(cfg.monitors->len, ==, 3); /* "none" adds nothing */
    mon = g_ptr_array_index(cfg.monitors, 0);
    g_assert_cmpstr(mon->chardev, ==, "unix:/tmp/q,server=on");
    g_assert_true(mon->is_spec && mon->qmp && !mon->pretty);
    mon = g_ptr_array_index(cfg.monitors, 1);
    g_assert_cmpstr(mon->chardev, ==, "c0");
    g_assert_true(!mon->is_spec && mon->qmp && mon->pretty);
    mon = g_ptr_array_index(cfg.monitors, 2);
    g_assert_cmpstr(mon->chardev, ==, "c1");
    g_assert_true(!mon->is_spec && !mon->qmp);
    g_assert_cmpstr(cfg.qtest, ==, "unix:/tmp/t");
    g_assert_cmpstr(cfg.qtest_log, ==, "/dev/null");
    vm_config_clear(&cfg);

    {
        g_autofree char *e2 = parse(&cfg, "-nographic");

        g_assert_null(e2);
        g_assert_true(cfg.default_monitor);
        vm_config_clear(&cfg);
    }
    {
        g_autofree char *e3 = parse(&cfg, "-nodefaults");

        g_assert_null(e3);
        g_assert_false(cfg.default_monitor);
        vm_config_clear(&cfg);
    }
    assert_error("-mon mode=control",
                 "-mon mode=control: Parameter 'chardev' is missing");
    assert_error("-mon c0,mode=fancy",
                 "-mon c0,mode=fancy: Parameter 'mode' does not accept value "
                 "'fancy' (readline or control)");
}

/* -boot, -rtc and -uuid: QEMU's forms and its errors for the pc machine. */
static void test_boot_rtc_uuid(void)
{
    VMConfig cfg;
    g_autofree char *err = NULL;
    int64_t seconds;

    err = parse(&cfg, "-boot d");
    g_assert_null(err);
    g_assert_cmpstr(cfg.boot_order, ==, "d");
    g_assert_false(cfg.boot_menu);
    g_assert_cmpint(cfg.boot_splash_time, ==, -1);
    vm_config_clear(&cfg);

    err = parse(&cfg, "-boot order=cd,once=n,menu=on,strict=on,"
                      "splash-time=2500,reboot-timeout=1000");
    g_assert_null(err);
    g_assert_cmpstr(cfg.boot_order, ==, "cd");
    g_assert_cmpstr(cfg.boot_once, ==, "n");
    g_assert_true(cfg.boot_menu && cfg.boot_strict);
    g_assert_cmpint(cfg.boot_splash_time, ==, 2500);
    g_assert_cmpint(cfg.boot_reboot_timeout, ==, 1000);
    vm_config_clear(&cfg);

    assert_error("-boot order=x", "-boot order=x: Invalid boot device for "
                                  "PC: 'x'");
    assert_error("-boot cdnc", "-boot cdnc: Too many boot devices for PC");
    assert_error("-boot cc", "-boot cc: Boot device 'c' was given twice");
    assert_error("-boot menu=maybe",
                 "-boot menu=maybe: Parameter 'menu' expects 'on' or 'off'");
    /* QEMU 7.2's range and words for reboot-timeout */
    err = parse(&cfg, "-boot reboot-timeout=-1 -no-fd-bootchk");
    g_assert_null(err);
    g_assert_cmpint(cfg.boot_reboot_timeout, ==, -1);
    g_assert_true(cfg.no_fd_bootchk);
    vm_config_clear(&cfg);
    err = parse(&cfg, "-boot reboot-timeout=65535");
    g_assert_null(err);
    g_assert_cmpint(cfg.boot_reboot_timeout, ==, 65535);
    g_assert_false(cfg.no_fd_bootchk);
    vm_config_clear(&cfg);
    assert_error("-boot reboot-timeout=65536",
                 "-boot reboot-timeout=65536: reboot timeout is invalid,it "
                 "should be a value between -1 and 65535");
    assert_error("-boot reboot-timeout=-2",
                 "-boot reboot-timeout=-2: reboot timeout is invalid,it "
                 "should be a value between -1 and 65535");
    assert_error("-boot reboot-timeout=soon",
                 "-boot reboot-timeout=soon: Parameter "
                 "'boot.reboot-timeout' expects integer");
    assert_error("-accel kvm,kernel-irqchip=split",
                 "-accel kvm,kernel-irqchip=split: kernel-irqchip=split is "
                 "not supported: pcvm runs KVM with its in-kernel irqchip");
    assert_error("-accel kvm,kernel-irqchip=bogus",
                 "-accel kvm,kernel-irqchip=bogus: Parameter "
                 "'kernel-irqchip' does not accept value 'bogus'");
    err = parse(&cfg, "-accel kvm,kernel-irqchip=on");
    g_assert_null(err);
    vm_config_clear(&cfg);

    err = parse(&cfg, "-rtc base=2006-06-17T16:01:21,clock=vm");
    g_assert_null(err);
    g_assert_cmpstr(cfg.rtc_base, ==, "2006-06-17T16:01:21");
    g_assert_cmpstr(cfg.rtc_clock, ==, "vm");
    vm_config_clear(&cfg);
    g_assert_true(parse_iso_date("2006-06-17T16:01:21", &seconds));
    g_assert_cmpint(seconds, ==, 1150560081);
    g_assert_true(parse_iso_date("1970-01-02", &seconds));
    g_assert_cmpint(seconds, ==, 86400);
    g_assert_false(parse_iso_date("2006-13-01", &seconds));
    g_assert_false(parse_iso_date("2006-06-17T16:01", &seconds));
    assert_error("-rtc base=yesterday",
                 "-rtc base=yesterday: invalid datetime format: 'yesterday' "
                 "(valid formats: '2006-06-17T16:01:21' or '2006-06-17')");
    assert_error("-rtc clock=sundial", "-rtc clock=sundial: invalid option "
                                       "value 'sundial' for clock (host, rt "
                                       "or vm)");

    err = parse(&cfg, "-uuid 12345678-9abc-DEF0-1234-56789abcdef0");
    g_assert_null(err);
    g_assert_true(cfg.uuid_set);
    g_assert_cmphex(cfg.uuid[0], ==, 0x12);
    g_assert_cmphex(cfg.uuid[6], ==, 0xde);
    g_assert_cmphex(cfg.uuid[15], ==, 0xf0);
    vm_config_clear(&cfg);
    assert_error("-uuid 1234", "-uuid 1234: Fail to parse UUID string");
    assert_error("-uuid 12345678-9abc-def0-1234-56789abcdefg",
                 "-uuid 12345678-9abc-def0-1234-56789abcdefg: Fail to parse "
                 "UUID string");
}

static DriveConfig *drive_n(VMConfig *cfg, unsigned i)
{
    g_assert_cmpuint(i, <, cfg->drives->len);
    return g_ptr_array_index(cfg->drives, i);
}

static void test_drives(void)
{
    VMConfig cfg;
    g_autofree char *img = NULL;
    g_autofree char *line = NULL;
    char *err;
    int fd = g_file_open_tmp("pcvm-opt-XXXXXX.img", &img, NULL);

    g_assert_cmpint(fd, >=, 0);
    close(fd);

    /* -hda.., -cdrom and the bare image are IDE indexes 0-3. */
    line = g_strdup_printf("%s -hdb %s -cdrom %s -hdd %s", img, img, img, img);
    err = parse(&cfg, line);
    g_assert_null(err);
    g_assert_cmpuint(cfg.drives->len, ==, 4);
    g_assert_cmpstr(drive_n(&cfg, 0)->file, ==, img);
    g_assert_cmpint(drive_n(&cfg, 0)->iface, ==, IF_IDE);
    g_assert_cmpint(drive_n(&cfg, 0)->bus, ==, 0);
    g_assert_cmpint(drive_n(&cfg, 0)->unit, ==, 0);
    g_assert_cmpint(drive_n(&cfg, 0)->media, ==, MEDIA_DISK);
    g_assert_cmpstr(drive_n(&cfg, 0)->id, ==, "ide0-hd0");
    g_assert_cmpint(drive_n(&cfg, 1)->unit, ==, 1);
    g_assert_cmpint(drive_n(&cfg, 2)->bus, ==, 1);
    g_assert_cmpint(drive_n(&cfg, 2)->unit, ==, 0);
    g_assert_cmpint(drive_n(&cfg, 2)->media, ==, MEDIA_CDROM);
    g_assert_true(drive_n(&cfg, 2)->read_only);
    g_assert_cmpstr(drive_n(&cfg, 2)->id, ==, "ide1-cd0");
    g_assert_cmpint(drive_n(&cfg, 3)->bus, ==, 1);
    g_assert_cmpint(drive_n(&cfg, 3)->unit, ==, 1);
    vm_config_clear(&cfg);
    g_clear_pointer(&line, g_free);

    /* -drive: every key, then the first free unit without index/bus/unit. */
    line = g_strdup_printf("-drive file=%s,if=ide,bus=1,unit=1,media=disk,"
                           "format=raw,readonly=off,id=d1,cache=writeback,"
                           "snapshot=off -drive file=%s -drive file=%s "
                           "-drive if=none,id=spare -drive if=ide,media=cdrom",
                           img, img, img);
    err = parse(&cfg, line);
    g_assert_null(err);
    g_assert_cmpuint(cfg.drives->len, ==, 5);
    g_assert_cmpint(drive_n(&cfg, 0)->bus, ==, 1);
    g_assert_cmpint(drive_n(&cfg, 0)->unit, ==, 1);
    g_assert_cmpstr(drive_n(&cfg, 0)->id, ==, "d1");
    g_assert_cmpstr(drive_n(&cfg, 0)->format, ==, "raw");
    g_assert_false(drive_n(&cfg, 0)->read_only);
    g_assert_cmpint(drive_n(&cfg, 1)->bus, ==, 0);
    g_assert_cmpint(drive_n(&cfg, 1)->unit, ==, 0);
    g_assert_cmpint(drive_n(&cfg, 2)->bus, ==, 0);
    g_assert_cmpint(drive_n(&cfg, 2)->unit, ==, 1);
    g_assert_cmpint(drive_n(&cfg, 3)->iface, ==, IF_NONE);
    g_assert_null(drive_n(&cfg, 3)->file);
    g_assert_cmpstr(drive_n(&cfg, 3)->id, ==, "spare");
    /* An empty CD-ROM drive, placed at the next free unit (bus 1, 0). */
    g_assert_null(drive_n(&cfg, 4)->file);
    g_assert_cmpint(drive_n(&cfg, 4)->bus, ==, 1);
    g_assert_cmpint(drive_n(&cfg, 4)->unit, ==, 0);
    g_assert_cmpstr(drive_n(&cfg, 4)->spec, ==, "-drive if=ide,media=cdrom");
    vm_config_clear(&cfg);
    g_clear_pointer(&line, g_free);

    /* The block keys land in the drive's options; if=virtio is listed. */
    line = g_strdup_printf("-drive file=%s,if=virtio,read-only=on,cache=none,"
                           "aio=native,discard=unmap,detect-zeroes=unmap,"
                           "file.locking=off -drive file=%s,if=virtio,"
                           "cache=directsync,cache.direct=off",
                           img, img);
    err = parse(&cfg, line);
    g_assert_null(err);
    g_assert_cmpint(drive_n(&cfg, 0)->iface, ==, IF_VIRTIO);
    g_assert_cmpstr(drive_n(&cfg, 0)->id, ==, "virtio0");
    g_assert_true(drive_n(&cfg, 0)->read_only);
    g_assert_true(drive_n(&cfg, 0)->opts.direct);
    g_assert_true(drive_n(&cfg, 0)->opts.writeback);
    g_assert_cmpint(drive_n(&cfg, 0)->opts.aio, ==, BLOCK_AIO_NATIVE);
    g_assert_cmpint(drive_n(&cfg, 0)->opts.discard, ==, BLOCK_DISCARD_UNMAP);
    g_assert_cmpint(drive_n(&cfg, 0)->opts.detect_zeroes, ==,
                    BLOCK_DETECT_ZEROES_UNMAP);
    g_assert_cmpint(drive_n(&cfg, 0)->opts.locking, ==, BLOCK_LOCKING_OFF);
    g_assert_cmpstr(drive_n(&cfg, 1)->id, ==, "virtio1");
    g_assert_false(drive_n(&cfg, 1)->opts.writeback);
    g_assert_false(drive_n(&cfg, 1)->opts.direct);
    vm_config_clear(&cfg);
    g_clear_pointer(&line, g_free);
    /* Defaults: QEMU's. */
    line = g_strdup_printf("-hda %s", img);
    err = parse(&cfg, line);
    g_assert_null(err);
    g_assert_true(drive_n(&cfg, 0)->opts.writeback);
    g_assert_false(drive_n(&cfg, 0)->opts.direct);
    g_assert_cmpint(drive_n(&cfg, 0)->opts.aio, ==, BLOCK_AIO_THREADS);
    vm_config_clear(&cfg);
    g_clear_pointer(&line, g_free);

    /* QEMU's errors */
    assert_error("-drive readonly=maybe", "-drive readonly=maybe: Parameter "
                                          "'read-only' expects 'on' or 'off'");
    assert_error("-drive aio=native", "-drive aio=native: aio=native was "
                                      "specified, but it requires "
                                      "cache.direct=on, which was not "
                                      "specified.");
    assert_error("-drive aio=fast", "-drive aio=fast: invalid aio option");
    assert_error("-drive discard=maybe", "-drive discard=maybe: Invalid "
                                         "discard option");
    assert_error("-drive detect-zeroes=x", "-drive detect-zeroes=x: invalid "
                                           "parameter value: x");
    assert_error("-drive file=/nonexistent.img",
                 "-drive file=/nonexistent.img: Could not open "
                 "'/nonexistent.img': No such file or directory");
    assert_error("-hda /nonexistent.img",
                 "-hda /nonexistent.img: Could not "
                 "open '/nonexistent.img': No such file or directory");
    assert_error("/nonexistent.img",
                 "/nonexistent.img: Could not open "
                 "'/nonexistent.img': No such file or directory");
    assert_error("-drive if=scsi", "-drive if=scsi: unsupported bus type "
                                   "'scsi'");
    assert_error("-drive media=tape", "-drive media=tape: 'tape' invalid "
                                      "media");
    assert_error("-drive format=vmdk", "-drive format=vmdk: 'vmdk' invalid "
                                       "format");
    assert_error("-drive cache=maybe", "-drive cache=maybe: invalid cache "
                                       "option");
    assert_error("-drive index=1,unit=1", "-drive index=1,unit=1: index "
                                          "cannot be used with bus and unit");
    assert_error("-drive unit=2", "-drive unit=2: unit 2 too big (max is 1)");
    assert_error("-drive index=4", "-drive index=4: machine type does not "
                                   "support if=ide,bus=2,unit=0");
    assert_error("-drive if=ide,index=2,media=cdrom -cdrom x",
                 "-cdrom x: drive with bus=1, unit=0 (index=2) exists");
    assert_error("-drive if=none,id=a -drive if=none,id=a",
                 "-drive if=none,id=a: Duplicate ID 'a' for drive");
    assert_error("-drive if=none,speed=9", "-drive if=none,speed=9: Invalid "
                                           "parameter 'speed'");
    unlink(img);
}

/* -netdev, -net and -nic: checked as they are read, in QEMU's words. */
static void test_netdevs(void)
{
    VMConfig cfg;

    {
        g_autofree char *e =
            parse(&cfg, "-netdev user,id=n0,hostfwd=tcp::2222-:22,"
                        "hostfwd=udp:127.0.0.1:5353-:53,restrict=on "
                        "-netdev socket,id=s0,listen=:4444 "
                        "-netdev hubport,id=h0,hubid=1 -net nic,model=virtio "
                        "-net user,hostname=guest -nic user,model=virtio,"
                        "mac=52:54:00:12:34:56");

        g_assert_null(e);
        g_assert_cmpuint(cfg.netdevs->len, ==, 3);
        g_assert_cmpstr(g_ptr_array_index(cfg.netdevs, 1), ==,
                        "socket,id=s0,listen=:4444");
        g_assert_cmpuint(cfg.nets->len, ==, 2);
        g_assert_cmpuint(cfg.nics->len, ==, 1);
        g_assert_false(cfg.net_none);
        vm_config_clear(&cfg);
    }
    {
        g_autofree char *e = parse(&cfg, "-net none");

        g_assert_null(e);
        g_assert_true(cfg.net_none);
        vm_config_clear(&cfg);
    }
    {
        g_autofree char *e = parse(&cfg, "-nic none");

        g_assert_null(e);
        g_assert_true(cfg.net_none);
        vm_config_clear(&cfg);
    }
    {
        g_autofree char *e = parse(&cfg, "-netdev help");

        g_assert_null(e);
        g_assert_cmpint(cfg.action, ==, VM_ACTION_NETDEV_LIST);
        vm_config_clear(&cfg);
    }
    assert_error("-netdev user", "-netdev user: Parameter 'id' is missing");
    assert_error("-netdev id=n0", "-netdev id=n0: Parameter 'type' is missing");
    assert_error("-netdev tap2,id=n0",
                 "-netdev tap2,id=n0: Parameter 'type' does not accept value "
                 "'tap2'");
    assert_error("-netdev user,id=n0 -netdev socket,id=n0,listen=:1",
                 "-netdev socket,id=n0,listen=:1: Duplicate ID 'n0' for "
                 "netdev");
    assert_error("-netdev user,id=n0,listen=:1",
                 "-netdev user,id=n0,listen=:1: Invalid parameter 'listen'");
    assert_error("-netdev socket,id=s,hostname=x",
                 "-netdev socket,id=s,hostname=x: Invalid parameter "
                 "'hostname'");
    assert_error("-netdev user,id=0n",
                 "-netdev user,id=0n: Parameter 'id' expects an identifier");
    assert_error("-net nic,bogus=1", "-net nic,bogus=1: Invalid parameter "
                                     "'bogus'");
    assert_error("-net user,model=virtio",
                 "-net user,model=virtio: Invalid parameter 'model'");
    assert_error("-net none,x=1", "-net none,x=1: Invalid parameter 'x'");
    assert_error("-nic tap9", "-nic tap9: Parameter 'type' does not accept "
                              "value 'tap9'");
    assert_error("-nic user,macaddr=1",
                 "-nic user,macaddr=1: Invalid parameter 'macaddr'");
}

/* QEMU's configuration file: -readconfig reads what -writeconfig wrote. */
static void test_config_file(void)
{
    g_autofree char *dir = g_dir_make_tmp("pcvm-cfg-XXXXXX", NULL);
    g_autofree char *img = g_build_filename(dir, "d.img", NULL);
    g_autofree char *cfgfile = g_build_filename(dir, "vm.cfg", NULL);
    g_autofree char *bad = g_build_filename(dir, "bad.cfg", NULL);
    g_autofree char *line = NULL, *written = NULL, *err = NULL;
    VMConfig cfg;

    g_assert_true(g_file_set_contents(img, "", 0, NULL));
    line = g_strdup_printf(
        "-machine pc -m 256 -smp 2 -drive if=none,id=d0,file=%s,format=raw "
        "-device virtio-blk-pci,drive=d0,id=vd0 -netdev user,id=n0 "
        "-object iothread,id=io0 -writeconfig %s",
        img, cfgfile);
    err = parse(&cfg, line);
    g_assert_null(err);
    vm_config_clear(&cfg);
    g_assert_true(g_file_get_contents(cfgfile, &written, NULL, NULL));
    g_assert_nonnull(strstr(written, "[device \"vd0\"]\n  driver = "
                                     "\"virtio-blk-pci\"\n  drive = \"d0\"\n"));
    g_assert_nonnull(strstr(written, "[memory]\n  size = \"256\"\n"));
    g_assert_nonnull(strstr(written, "[object \"io0\"]\n  qom-type = "
                                     "\"iothread\"\n"));

    g_free(line);
    line = g_strdup_printf("-readconfig %s", cfgfile);
    err = parse(&cfg, line);
    g_assert_null(err);
    g_assert_cmpuint(cfg.ram_size, ==, 256u << 20);
    g_assert_cmpint(cfg.smp_cpus, ==, 2);
    g_assert_cmpuint(cfg.drives->len, ==, 1);
    g_assert_cmpuint(cfg.devices->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(cfg.devices, 0), ==,
                    "id=vd0,driver=virtio-blk-pci,drive=d0");
    g_assert_cmpuint(cfg.objects->len, ==, 1);
    vm_config_clear(&cfg);

    /* QEMU's words for what it cannot read */
    g_assert_true(
        g_file_set_contents(bad, "# a comment\n[nosuch]\n", -1, NULL));
    g_free(line);
    line = g_strdup_printf("-readconfig %s", bad);
    g_free(err);
    err = parse(&cfg, line);
    g_assert_nonnull(strstr(err, ":2: There is no option group 'nosuch'"));
    vm_config_clear(&cfg);
    g_assert_true(g_file_set_contents(bad, "[device]\n  driver\n", -1, NULL));
    g_free(err);
    err = parse(&cfg, line);
    g_assert_nonnull(strstr(err, ":2: parse error"));
    vm_config_clear(&cfg);
    g_assert_true(g_file_set_contents(bad,
                                      "[device \"x\"]\n  driver = "
                                      "\"nosuch-dev\"\n",
                                      -1, NULL));
    g_free(err);
    err = parse(&cfg, line);
    g_assert_nonnull(strstr(err, ":1: 'nosuch-dev' is not a valid device "
                                 "model name"));
    vm_config_clear(&cfg);
    unlink(img);
    unlink(cfgfile);
    unlink(bad);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/options/memory", test_memory_sizes);
    g_test_add_func("/options/smp", test_smp_topology);
    g_test_add_func("/options/errors", test_errors);
    g_test_add_func("/options/hostile-input", test_hostile_input);
    g_test_add_func("/options/values", test_values_and_actions);
    g_test_add_func("/options/keyval", test_keyval);
    g_test_add_func("/options/monitors", test_monitors);
    g_test_add_func("/options/boot-rtc-uuid", test_boot_rtc_uuid);
    g_test_add_func("/options/drives", test_drives);
    g_test_add_func("/options/netdevs", test_netdevs);
    g_test_add_func("/options/config-file", test_config_file);
    return g_test_run();
}
