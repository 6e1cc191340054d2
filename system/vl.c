/*
 * From a parsed command line to a running VM: chardevs, accelerator,
 * machine, devices, vCPUs, then the main loop until something ends it.
 */
#include <glib-unix.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "accel/qtest.h"
#include "audio/audio.h"
#include "chardev/char.h"
#include "config-host.h"
#include "hw/core/machine.h"
#include "hw/pci/pci.h"
#include "monitor/monitor.h"
#include "accel/accel.h"
#include "block/blockdev.h"
#include "system/hostmem.h"
#include "util/daemon.h"
#include "block/drive.h"
#include "net/hub.h"
#include "net/netdev.h"
#include "qom/user-object.h"
#include "system/main-loop.h"
#include "system/memory.h"
#include "system/options.h"
#include "system/runstate.h"
#include "system/system.h"
#include "target/i386/cpu.h"
#include "ui/sdl2.h"
#include "ui/vnc.h"
#include "util/error.h"
#include "util/log.h"

static VMConfig config;

/*
 * The chardevs of -serial and -debugcon, made before the board so that it
 * finds them by id (serial0.., debugcon) and wires its ports to them.
 */
static bool serial_chardevs_create(MachineState *ms, GError **errp)
{
    GError *err = NULL;

    ms->serial_chardevs = g_ptr_array_new_with_free_func(g_free);
    for (unsigned i = 0; i < config.serials->len; i++) {
        const char *spec = g_ptr_array_index(config.serials, i);
        g_autofree char *id = g_strdup_printf("serial%u", i);
        Chardev *chr = chardev_new_from_legacy(spec, id, &err);

        if (!chr && err) {
            g_propagate_prefixed_error(errp, err, "-serial %s: ", spec);
            return false;
        }
        /* "none" leaves a hole: no port at this index. */
        g_ptr_array_add(ms->serial_chardevs, chr ? g_strdup(chr->id) : NULL);
    }
    if (config.debugcon) {
        Chardev *chr =
            chardev_new_from_legacy(config.debugcon, "debugcon", &err);

        if (!chr && err) {
            g_propagate_prefixed_error(errp, err,
                                       "-debugcon %s: ", config.debugcon);
            return false;
        }
        ms->debugcon_chardev = chr ? chr->id : NULL;
    }
    return true;
}

/*
 * "-serial mon:DEV" shares DEV between the port and a human monitor; the
 * monitor comes after the port, as before the board existed.
 */
static bool serial_monitors_create(MachineState *ms, GError **errp)
{
    for (unsigned i = 0; i < config.serials->len; i++) {
        const char *spec = g_ptr_array_index(config.serials, i);
        const char *id = g_ptr_array_index(ms->serial_chardevs, i);

        if (g_str_has_prefix(spec, "mon:") && id &&
            !monitor_new(chardev_find(id), false, false, errp)) {
            error_prefix(errp, "-serial %s", spec);
            return false;
        }
    }
    return true;
}

static bool handle_action(VMConfig *cfg)
{
    switch (cfg->action) {
    case VM_ACTION_RUN:
        return false;
    case VM_ACTION_HELP:
        vm_config_print_usage(stdout);
        break;
    case VM_ACTION_VERSION:
        printf("pcvm version " PCVM_VERSION
               " (QEMU-compatible command line, protocols of QEMU 7.2)\n");
        break;
    case VM_ACTION_DEVICE_LIST:
        device_class_print_help(stdout);
        break;
    case VM_ACTION_DEVICE_PROPS:
        device_class_print_properties(device_class_find(cfg->help_target),
                                      stdout);
        break;
    case VM_ACTION_MACHINE_LIST:
        machine_print_list(stdout);
        break;
    case VM_ACTION_CPU_LIST:
        x86_cpu_print_models(stdout);
        break;
    case VM_ACTION_LOG_LIST:
        log_print_items(stdout);
        break;
    case VM_ACTION_CHARDEV_LIST:
        chardev_print_backends(stdout);
        break;
    case VM_ACTION_NETDEV_LIST:
        netdev_print_types(stdout);
        break;
    case VM_ACTION_ACCEL_LIST:
        printf("Accelerators supported in pcvm:\nkvm\nqtest\n");
        break;
    case VM_ACTION_AUDIODEV_LIST:
        audiodev_print_drivers(stdout);
        break;
    case VM_ACTION_AUDIO_MODEL_LIST:
        vm_config_print_audio_models(stdout);
        break;
    case VM_ACTION_VGA_LIST:
        printf("%-20s %s\n%-20s %s\n", "none", "no graphic card", "std",
               "standard VGA");
        break;
    }
    return true;
}

/* The defaults QEMU applies when the command line leaves them out. */
static void apply_defaults(VMConfig *cfg)
{
    const MachineClass *mc = machine_class_find(cfg->machine_type);
    bool default_serial =
        !cfg->serials->len && !cfg->no_defaults && !(mc && mc->no_serial);

    if (!cfg->vga && !cfg->no_defaults && !cfg->display_device && mc &&
        mc->default_display) {
        cfg->vga = g_strdup(mc->default_display);
    }
    if (!cfg->accels->len) {
        /* -qtest alone means the test drives the machine: no vCPUs. */
        g_ptr_array_add(cfg->accels, g_strdup(cfg->qtest ? "qtest" : "kvm"));
    }
    if (cfg->nographic && default_serial && cfg->default_monitor) {
        /* COM1 and the monitor share the terminal (Ctrl-A c switches). */
        g_ptr_array_add(cfg->serials, g_strdup("mon:stdio"));
    } else if (cfg->nographic) {
        if (default_serial) {
            g_ptr_array_add(cfg->serials, g_strdup("stdio"));
        }
        if (cfg->default_monitor) {
            MonitorConfig *mon = g_new0(MonitorConfig, 1);

            mon->chardev = g_strdup("stdio");
            mon->is_spec = true;
            g_ptr_array_add(cfg->monitors, mon);
        }
    } else if (default_serial) {
        /* QEMU would use a text console in its window; pcvm has none. */
        g_ptr_array_add(cfg->serials, g_strdup("null"));
    }
}

static bool monitors_create(GError **errp)
{
    for (unsigned i = 0; i < config.monitors->len; i++) {
        MonitorConfig *mc = g_ptr_array_index(config.monitors, i);
        const char *option =
            mc->is_spec ? (mc->qmp ? "-qmp" : "-monitor") : "-mon";
        Chardev *chr;

        if (mc->is_spec) {
            g_autofree char *id = g_strdup_printf("compat_monitor%u", i);

            chr = chardev_new_from_legacy(mc->chardev, id, errp);
        } else {
            chr = chardev_find(mc->chardev);
            if (!chr) {
                error_setg(errp, "chardev '%s' not found", mc->chardev);
            }
        }
        if (!chr || !monitor_new(chr, mc->qmp, mc->pretty, errp)) {
            error_prefix(errp, "%s %s", option, mc->chardev);
            return false;
        }
    }
    return true;
}

static bool accel_select(MachineState *ms, GError **errp)
{
    for (unsigned i = 0; i < config.accels->len; i++) {
        const char *name = g_ptr_array_index(config.accels, i);
        const AccelOps *ops = accel_find(name);
        GError *err = NULL;

        if (!ops) {
            err = g_error_new(PCVM_ERROR, 0,
                              "accelerator %s is not "
                              "available in pcvm",
                              name);
        } else if (ops->init(ms, &err)) {
            accel_set_current(ops);
            ms->accel = &ops->machine;
            return true;
        }
        if (i + 1 == config.accels->len) {
            g_propagate_prefixed_error(errp, err, "-accel %s: ", name);
            return false;
        }
        warn_report("-accel %s: %s; trying the next accelerator", name,
                    err->message);
        g_error_free(err);
    }
    return error_setg(errp, "no accelerator found");
}

static void system_reset(void)
{
    MachineState *ms = current_machine_get();
    const AccelOps *accel = accel_current();

    bus_reset_all(ms->main_bus);
    if (accel->reset) {
        accel->reset(ms);
    }
    ms->klass->reset(ms);
}

/* A NIC model name as -net nic and -nic take it (QEMU's short names too). */
static const char *nic_model_name(const char *model)
{
    if (!model) {
        /* The pc's default NIC, or virtio-net where pcvm has no e1000. */
        return device_class_find("e1000") ? "e1000" : "virtio-net-pci";
    }
    if (!strcmp(model, "virtio")) {
        return "virtio-net-pci";
    }
    return model;
}

static bool nic_create(MachineState *ms, const char *model, const char *netdev,
                       const char *mac, const char *extra, GError **errp)
{
    const char *type = nic_model_name(model);
    g_autoptr(GString) opts = g_string_new(type);

    if (!device_class_find(type)) {
        return error_setg(errp, "Unsupported NIC model: %s", type);
    }
    g_string_append_printf(opts, ",netdev=%s", netdev);
    if (mac) {
        g_string_append_printf(opts, ",mac=%s", mac);
    }
    if (extra) {
        g_string_append(opts, extra);
    }
    return device_create_from_options(opts->str, ms->main_bus, errp) != NULL;
}

/*
 * -netdev backends (before the devices that name them), then -nic and
 * -net: their backends and, for -net nic and -nic, their NICs, which QEMU
 * makes in the board before the -devices.
 */
static bool net_clients_create(MachineState *ms, GError **errp)
{
    static const char *const nic_keys[] = {"model", "mac", "name", NULL};
    unsigned index = 0;

    for (unsigned i = 0; i < config.netdevs->len; i++) {
        const char *opts = g_ptr_array_index(config.netdevs, i);

        if (!netdev_add(opts, errp)) {
            error_prefix(errp, "-netdev %s", opts);
            return false;
        }
    }
    for (unsigned i = 0; i < config.nics->len; i++) {
        const char *opts = g_ptr_array_index(config.nics, i);
        g_autoptr(KeyValList) kv = keyval_parse(opts, "type", NULL);
        g_autofree char *name = g_strdup_printf("__org.qemu.nic%u", i);
        NetClientState *nc = netdev_create(opts, name, NULL, nic_keys, errp);

        if (!nc || !net_client_register(nc) ||
            !nic_create(ms, keyval_get(kv, "model"), name,
                        keyval_get(kv, "mac"), NULL, errp)) {
            error_prefix(errp, "-nic %s", opts);
            return false;
        }
    }
    for (unsigned i = 0; i < config.nets->len; i++) {
        const char *opts = g_ptr_array_index(config.nets, i);
        g_autoptr(KeyValList) kv = keyval_parse(opts, "type", NULL);
        const char *type = keyval_get(kv, "type");
        const char *name = keyval_get(kv, "name");
        g_autofree char *auto_name = NULL;

        if (!name) {
            name = keyval_get(kv, "id");
        }
        if (!strcmp(type, "nic")) {
            const char *netdev = keyval_get(kv, "netdev");
            g_autofree char *extra = NULL;
            NetClientState *port = NULL;

            if (!netdev) {
                port = net_hub_add_port(0, NULL);
                netdev = port->name;
                net_client_register(port);
            }
            if (keyval_get(kv, "addr")) {
                extra = g_strdup_printf(",addr=%s", keyval_get(kv, "addr"));
            }
            if (!nic_create(ms, keyval_get(kv, "model"), netdev,
                            keyval_get(kv, "macaddr"), extra, errp)) {
                error_prefix(errp, "-net %s", opts);
                return false;
            }
            continue;
        }
        if (!name) {
            auto_name = g_strdup_printf("%s.%u", type, index++);
            name = auto_name;
        }
        if (!netdev_create(opts, name, net_hub_add_port(0, NULL), NULL, errp)) {
            error_prefix(errp, "-net %s", opts);
            return false;
        }
    }
    return true;
}

/*
 * QEMU turns each -drive if=virtio into "-device virtio-blk-pci,drive=ID"
 * queued behind the command line's own -devices; so does pcvm.
 */
static bool virtio_drives_create(MachineState *ms, GError **errp)
{
    GPtrArray *drives = drive_list();

    for (unsigned i = 0; i < drives->len; i++) {
        DriveConfig *drive = g_ptr_array_index(drives, i);
        g_autofree char *opts = NULL;

        if (drive->iface != IF_VIRTIO) {
            continue;
        }
        opts = g_strdup_printf("virtio-blk-pci,drive=%s", drive->id);
        if (!device_create_from_options(opts, ms->main_bus, errp)) {
            error_prefix(errp, "%s", drive->spec);
            return false;
        }
    }
    return true;
}

/*
 * Guest RAM from where the command line says: a memory backend object
 * (its size is the RAM size; -m, if given, must agree), -mem-path, or
 * -mem-prealloc's anonymous memory touched in advance.
 */
static bool machine_ram_from_backend(MachineState *ms, GError **errp)
{
    uint64_t size;

    if (!host_memory_backends_create(errp)) {
        return false;
    }
    if (config.memory_backend) {
        ms->ram_ptr = host_memory_backend_get(config.memory_backend, &size);
        if (!ms->ram_ptr) {
            return error_setg(errp, "Memory backend '%s' not found",
                              config.memory_backend);
        }
        if (config.ram_size_set && size != ms->ram_size) {
            return error_setg(errp, "Machine memory size does not match the "
                                    "size of the memory backend");
        }
        ms->ram_size = size;
    } else if (config.mem_path && ms->ram_size) {
        ms->ram_ptr = host_memory_map_path(config.mem_path, ms->ram_size, false,
                                           config.mem_prealloc, errp);
        if (!ms->ram_ptr) {
            return false;
        }
    } else if (config.mem_prealloc && ms->ram_size) {
        ms->ram_ptr = mmap(NULL, ms->ram_size, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (ms->ram_ptr == MAP_FAILED) {
            ms->ram_ptr = NULL;
            return error_setg(errp, "-mem-prealloc: %s", g_strerror(errno));
        }
        host_memory_prealloc(ms->ram_ptr, ms->ram_size);
    }
    return true;
}

/*
 * -vga std (the pc's default): a VGA on the PCI bus before the -devices,
 * at /machine/unattached like QEMU's, so -device numbering is unchanged.
 */
static bool vga_create(MachineState *ms, GError **errp)
{
    BusState *pci = bus_find(ms->main_bus, PCI_BUS_TYPE, NULL);
    DeviceState *dev;

    if (!pci) {
        return error_setg(errp, "the machine has no PCI bus");
    }
    dev = device_new("VGA");
    if (!device_realize(dev, pci, errp)) {
        device_free(dev);
        return false;
    }
    return true;
}

static bool machine_create(GError **errp)
{
    MachineState *ms = machine_new(machine_class_find(config.machine_type));
    g_auto(GStrv) defaults = g_strsplit(PCVM_FIRMWARE_PATH, ":", -1);
    GPtrArray *path = g_ptr_array_new();
    const AccelOps *accel;

    ms->ram_size =
        ms->klass->no_default_ram && !config.ram_size_set ? 0 : config.ram_size;
    /* -object, in command-line order: memory backends are the RAM's. */
    for (unsigned i = 0; i < config.objects->len; i++) {
        const char *spec = g_ptr_array_index(config.objects, i);

        if (!user_object_create_from_option(spec, errp)) {
            error_prefix(errp, "-object %s", spec);
            return false;
        }
    }
    if (!machine_ram_from_backend(ms, errp)) {
        return false;
    }
    ms->smp_cpus = config.smp_cpus;
    ms->max_cpus = MAX(config.smp_maxcpus, config.smp_cpus);
    ms->topology =
        (CpuTopology){config.smp_sockets, config.smp_cores, config.smp_threads};
    ms->cpu_model = config.cpu_model;
    ms->kernel_filename = config.kernel;
    ms->initrd_filename = config.initrd;
    ms->kernel_cmdline = config.append;
    ms->firmware_boot = config.firmware_boot;
    ms->boot_order = config.boot_order;
    ms->boot_once = config.boot_once;
    ms->boot_menu = config.boot_menu;
    ms->boot_strict = config.boot_strict;
    ms->boot_splash_time = config.boot_splash_time;
    ms->boot_reboot_timeout = config.boot_reboot_timeout;
    ms->no_fd_bootchk = config.no_fd_bootchk;
    ms->rtc_base = config.rtc_base;
    ms->rtc_clock = config.rtc_clock;
    ms->no_graphic_display = config.nographic || config.graphics_off;
    ms->uuid_set = config.uuid_set;
    memcpy(ms->uuid, config.uuid, sizeof(ms->uuid));
    ms->drives = config.drives;
    /* -blockdev nodes first, then -drive (QEMU's order). */
    for (unsigned i = 0; i < config.blockdevs->len; i++) {
        const char *spec = g_ptr_array_index(config.blockdevs, i);
        g_autoptr(JsonObject) opts = blockdev_options_parse(spec, errp);

        if (!opts || !blockdev_add(opts, errp)) {
            error_prefix(errp, "-blockdev %s", spec);
            return false;
        }
    }
    for (unsigned i = 0; i < config.drives->len; i++) {
        DriveConfig *drive = g_ptr_array_index(config.drives, i);

        if (!drive_open(drive, errp)) {
            error_prefix(errp, "%s", drive->spec);
            return false;
        }
    }
    /* -L directories first, then the built-in search path. */
    for (unsigned i = 0; i < config.firmware_dirs->len; i++) {
        g_ptr_array_add(path,
                        g_strdup(g_ptr_array_index(config.firmware_dirs, i)));
    }
    for (char **dir = defaults; *dir; dir++) {
        g_ptr_array_add(path, g_strdup(*dir));
    }
    g_ptr_array_add(path, NULL);
    ms->firmware_path = (char **)g_ptr_array_free(path, false);
    if (!ms->klass->no_firmware && (!config.kernel || config.firmware_boot)) {
        const char *name = config.bios ? config.bios : "bios-256k.bin";

        ms->firmware = machine_find_firmware(ms, name);
        if (!ms->firmware) {
            return error_setg(errp,
                              "-bios %s: could not find firmware (search "
                              "path: -L dirs, then %s)",
                              name, PCVM_FIRMWARE_PATH);
        }
    }

    device_globals_check();
    if (!accel_select(ms, errp) || !serial_chardevs_create(ms, errp)) {
        return false;
    }
    accel = accel_current();
    memory_region_transaction_begin();
    if (!ms->klass->init(ms, errp)) {
        memory_region_transaction_commit();
        return false;
    }
    /* -vga std: the board's display adapter, before the -devices (QEMU). */
    if (config.vga && !strcmp(config.vga, "std") && !vga_create(ms, errp)) {
        memory_region_transaction_commit();
        error_prefix(errp, "-vga std");
        return false;
    }
    if (!net_clients_create(ms, errp)) {
        memory_region_transaction_commit();
        return false;
    }
    for (unsigned i = 0; i < config.audiodevs->len; i++) {
        const char *opts = g_ptr_array_index(config.audiodevs, i);

        if (!audiodev_create(opts, errp)) {
            memory_region_transaction_commit();
            error_prefix(errp, "-audiodev %s", opts);
            return false;
        }
    }
    for (unsigned i = 0; i < config.devices->len; i++) {
        const char *opts = g_ptr_array_index(config.devices, i);

        if (!device_create_from_options(opts, ms->main_bus, errp)) {
            memory_region_transaction_commit();
            error_prefix(errp, "-device %s", opts);
            return false;
        }
    }
    /* -drive if=virtio: a virtio-blk-pci each, after the -devices (QEMU). */
    if (!virtio_drives_create(ms, errp) ||
        (ms->klass->done && !ms->klass->done(ms, errp))) {
        memory_region_transaction_commit();
        return false;
    }
    memory_region_transaction_commit();
    return serial_monitors_create(ms, errp) && accel->vcpus_create(ms, errp);
}

static gboolean on_terminate_signal(gpointer data)
{
    /* Like QEMU: say why, then shut down cleanly (SHUTDOWN event, status 0). */
    error_report("terminating on signal %d", GPOINTER_TO_INT(data));
    system_shutdown_request(SHUTDOWN_CAUSE_HOST_SIGNAL);
    return G_SOURCE_CONTINUE;
}

static void vcpus_pause(void)
{
    accel_current()->vcpus_pause();
}

static void vcpus_resume(void)
{
    accel_current()->vcpus_resume();
}

int pcvm_main(int argc, char **argv)
{
    GError *err = NULL;
    int status = 0;
    RunStateHooks hooks = {
        .reset = system_reset,
        .vcpus_pause = vcpus_pause,
        .vcpus_resume = vcpus_resume,
    };

    vm_config_init(&config);
    if (!vm_config_parse(&config, argc, argv, &err)) {
        error_report_gerror(err);
        return 1;
    }
    if (handle_action(&config)) {
        return 0;
    }
    apply_defaults(&config);
    if (config.log_file && !log_set_file(config.log_file, &err)) {
        g_prefix_error(&err, "-D %s: ", config.log_file);
        error_report_gerror(err);
        return 1;
    }
    if (config.msg_guest_name && config.name) {
        error_set_guest_name(config.name);
    }
    if (config.nographic && config.display && !strcmp(config.display, "sdl")) {
        error_report("-nographic cannot be used with -display sdl");
        return 1;
    }
    if (config.daemonize && config.nographic) {
        error_report("-nographic cannot be used with -daemonize");
        return 1;
    }
    if ((config.daemonize && !os_daemonize(&err)) ||
        (config.pidfile && !os_write_pidfile(config.pidfile, &err))) {
        error_report_gerror(err);
        return 1;
    }
    log_mask = config.log_mask;
    no_reboot = config.no_reboot;
    no_shutdown = config.no_shutdown;
    panic_action = (PanicAction)config.panic_action;

    /* A vanished stdout or socket peer is an error result, not a signal. */
    signal(SIGPIPE, SIG_IGN);
    main_loop_init();
#ifdef CONFIG_SDL
    /* First: without a window there is nothing to run for. */
    if (config.display && !strcmp(config.display, "sdl") &&
        !sdl_display_init(config.display_opts, config.name, &err)) {
        g_prefix_error(&err, "-display sdl: ");
        error_report_gerror(err);
        os_remove_pidfile();
        return 1;
    }
#endif
    for (unsigned i = 0; i < config.chardevs->len; i++) {
        const char *opts = g_ptr_array_index(config.chardevs, i);

        if (!chardev_new_from_options(opts, &err)) {
            g_prefix_error(&err, "-chardev %s: ", opts);
            error_report_gerror(err);
            return 1;
        }
    }
    /* Monitors first, so QMP answers even if the machine is slow to build. */
    if (!monitors_create(&err) ||
        (config.qtest &&
         !qtest_server_init(config.qtest, config.qtest_log, &err)) ||
        !machine_create(&err)) {
        error_report_gerror(err);
        monitor_cleanup();
        chardev_close_all();
        return 1;
    }
    /* After the machine, whose display adapter made the console. */
    if (config.vnc && !vnc_display_init(config.vnc, &err)) {
        g_prefix_error(&err, "-vnc %s: ", config.vnc);
        error_report_gerror(err);
        monitor_cleanup();
        chardev_close_all();
        return 1;
    }
    if (config.mem_lock && mlockall(MCL_CURRENT | MCL_FUTURE) < 0) {
        error_report("-overcommit mem-lock=on: locking memory failed: %s",
                     g_strerror(errno));
        os_remove_pidfile();
        return 1;
    }
    os_daemon_ready();
    runstate_set_hooks(&hooks);
    g_unix_signal_add(SIGTERM, on_terminate_signal, GINT_TO_POINTER(SIGTERM));
    g_unix_signal_add(SIGINT, on_terminate_signal, GINT_TO_POINTER(SIGINT));
    g_unix_signal_add(SIGHUP, on_terminate_signal, GINT_TO_POINTER(SIGHUP));

    system_reset();
    if (config.start_paused) {
        vm_stop(RUN_STATE_PAUSED);
    } else {
        vm_start();
    }
    while (!main_loop_should_exit(&status)) {
        main_loop_iterate(true);
    }
    if (runstate_is_running()) {
        vm_stop(RUN_STATE_SHUTDOWN);
    }
    vnc_display_close();
#ifdef CONFIG_SDL
    sdl_display_close();
#endif
    monitor_cleanup();
    chardev_close_all();
    audio_cleanup();
    drive_close_all();
    blockdev_close_all();
    os_remove_pidfile();
    return status;
}
