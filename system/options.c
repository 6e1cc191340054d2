/*
 * QEMU-style command-line parsing: "-opt value" (or "--opt value"), with
 * QEMU's option names and meanings for everything pcvm implements. Each
 * error names the option as the user typed it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "block/blockdev.h"
#include "hw/core/device.h"
#include "hw/core/machine.h"
#include "net/netdev.h"
#include "audio/audio.h"
#include "system/options.h"
#include "qom/user-object.h"
#include "target/i386/cpu-features.h"
#include "target/i386/cpu.h"
#include "config-host.h"
#include "ui/sdl2.h"
#include "ui/vnc.h"
#include "util/cutils.h"
#include "util/error.h"
#include "util/keyval.h"
#include "util/log.h"

typedef struct OptionDef OptionDef;
typedef bool OptionHandler(VMConfig *cfg, const char *arg, GError **errp);

struct OptionDef {
    const char *name;
    bool has_arg;
    OptionHandler *handler;
    const char *arg_help;
    const char *help;
};

static void replace(char **field, const char *value)
{
    g_free(*field);
    *field = g_strdup(value);
}

static bool opt_m(VMConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse(arg, "size", errp);
    const char *size;
    uint64_t bytes;

    if (!kv) {
        return false;
    }
    size = keyval_get(kv, "size");
    /* slots= and maxmem= describe memory hotplug, which pcvm lacks. */
    if (!keyval_check_unused(kv, errp)) {
        return false;
    }
    if (!size || !parse_size(size, 1ull << 20, &bytes, NULL)) {
        return error_setg(errp,
                          "invalid size '%s' (use a number of MiB or a "
                          "suffix: 512M, 2G)",
                          size ? size : "");
    }
    if (bytes == 0) {
        bytes = DEFAULT_RAM_SIZE;
    }
    if (bytes < (2ull << 20)) {
        return error_setg(errp, "RAM size too small (at least 2 MiB)");
    }
    if (bytes > (1ull << 46)) {
        return error_setg(errp, "RAM size too large (at most 64 TiB)");
    }
    /* Whole pages: KVM maps guest memory in pages. */
    cfg->ram_size = (bytes + 4095) & ~4095ull;
    cfg->ram_size_set = true;
    return true;
}

bool vm_config_parse_smp(VMConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse(arg, "cpus", errp);
    uint64_t cpus, sockets, cores, threads, maxcpus, dies, product;

    if (!kv || !keyval_get_uint(kv, "cpus", 0, &cpus, errp) ||
        !keyval_get_uint(kv, "sockets", 0, &sockets, errp) ||
        !keyval_get_uint(kv, "dies", 1, &dies, errp) ||
        !keyval_get_uint(kv, "cores", 0, &cores, errp) ||
        !keyval_get_uint(kv, "threads", 0, &threads, errp) ||
        !keyval_get_uint(kv, "maxcpus", 0, &maxcpus, errp) ||
        !keyval_check_unused(kv, errp)) {
        return false;
    }
    if (dies != 1) {
        return error_setg(errp, "dies not supported by this machine's CPU "
                                "topology");
    }
    if ((keyval_has(kv, "cpus") && cpus == 0) ||
        (keyval_has(kv, "sockets") && sockets == 0) ||
        (keyval_has(kv, "cores") && cores == 0) ||
        (keyval_has(kv, "threads") && threads == 0) ||
        (keyval_has(kv, "maxcpus") && maxcpus == 0)) {
        return error_setg(errp, "CPU topology parameters must be greater "
                                "than zero");
    }
    /*
     * QEMU's rule for machine types since 6.2 (pc-i440fx-7.2 included):
     * missing values are computed preferring cores over sockets over
     * threads; with no CPU count at all, each missing level is 1.
     */
    if (!cpus && !maxcpus) {
        sockets = sockets ? sockets : 1;
        cores = cores ? cores : 1;
        threads = threads ? threads : 1;
    } else {
        maxcpus = maxcpus ? maxcpus : cpus;
        if (!cores) {
            sockets = sockets ? sockets : 1;
            threads = threads ? threads : 1;
            cores = maxcpus / (sockets * threads);
        } else if (!sockets) {
            threads = threads ? threads : 1;
            sockets = maxcpus / (cores * threads);
        }
        if (!threads) {
            threads = maxcpus / (sockets * cores);
        }
    }
    product = sockets * cores * threads;
    maxcpus = maxcpus ? maxcpus : product;
    cpus = cpus ? cpus : maxcpus;
    if (product != maxcpus) {
        return error_setg(errp,
                          "Invalid CPU topology: product of the "
                          "hierarchy must match maxcpus: sockets (%" PRIu64
                          ") * cores (%" PRIu64 ") * threads (%" PRIu64
                          ") != maxcpus (%" PRIu64 ")",
                          sockets, cores, threads, maxcpus);
    }
    if (cpus > maxcpus) {
        return error_setg(errp,
                          "Invalid CPUs %" PRIu64 ": maxcpus must be "
                          "equal to or greater than smp",
                          cpus);
    }
    if (maxcpus > 4096) {
        return error_setg(errp, "Invalid SMP CPUs %" PRIu64, maxcpus);
    }
    cfg->smp_cpus = cpus;
    cfg->smp_sockets = sockets;
    cfg->smp_cores = cores;
    cfg->smp_threads = threads;
    cfg->smp_maxcpus = maxcpus;
    return true;
}

static bool opt_smp(VMConfig *cfg, const char *arg, GError **errp)
{
    return vm_config_parse_smp(cfg, arg, errp);
}

static bool opt_kernel(VMConfig *cfg, const char *arg, GError **errp)
{
    replace(&cfg->kernel, arg);
    return true;
}

static bool opt_initrd(VMConfig *cfg, const char *arg, GError **errp)
{
    replace(&cfg->initrd, arg);
    return true;
}

static bool opt_append(VMConfig *cfg, const char *arg, GError **errp)
{
    replace(&cfg->append, arg);
    return true;
}

static bool opt_bios(VMConfig *cfg, const char *arg, GError **errp)
{
    replace(&cfg->bios, arg);
    return true;
}

static bool opt_L(VMConfig *cfg, const char *arg, GError **errp)
{
    if (!strcmp(arg, "help")) {
        cfg->action = VM_ACTION_HELP;
        return true;
    }
    g_ptr_array_add(cfg->firmware_dirs, g_strdup(arg));
    return true;
}

static bool opt_serial(VMConfig *cfg, const char *arg, GError **errp)
{
    if (cfg->serials->len >= MAX_SERIAL_PORTS) {
        return error_setg(errp, "too many serial ports (at most %d)",
                          MAX_SERIAL_PORTS);
    }
    g_ptr_array_add(cfg->serials, g_strdup(arg));
    return true;
}

static bool opt_chardev(VMConfig *cfg, const char *arg, GError **errp)
{
    if (!strcmp(arg, "help")) {
        cfg->action = VM_ACTION_CHARDEV_LIST;
        return true;
    }
    g_ptr_array_add(cfg->chardevs, g_strdup(arg));
    return true;
}

static const char *const nic_keys[] = {"model", "mac", NULL};
static const char *const net_keys[] = {"name", NULL};

/* -netdev TYPE,id=ID,...: checked now, created before the devices. */
static bool opt_netdev(VMConfig *cfg, const char *arg, GError **errp)
{
    g_autofree char *id = NULL;

    if (!strcmp(arg, "help")) {
        cfg->action = VM_ACTION_NETDEV_LIST;
        return true;
    }
    if (!netdev_options_check(arg, true, NULL, NULL, &id, errp)) {
        return false;
    }
    for (unsigned i = 0; i < cfg->netdevs->len; i++) {
        g_autofree char *other = NULL;

        netdev_options_check(g_ptr_array_index(cfg->netdevs, i), true, NULL,
                             NULL, &other, NULL);
        if (!strcmp(other, id)) {
            return error_setg(errp, "Duplicate ID '%s' for netdev", id);
        }
    }
    g_ptr_array_add(cfg->netdevs, g_strdup(arg));
    return true;
}

/* -audiodev DRIVER,id=ID[,...]: checked now, created before the devices. */
static bool audiodev_add(VMConfig *cfg, const char *arg, GError **errp)
{
    g_autofree char *id = NULL;

    if (!audiodev_options_check(arg, &id, errp)) {
        return false;
    }
    for (unsigned i = 0; i < cfg->audiodevs->len; i++) {
        g_autofree char *other = NULL;

        audiodev_options_check(g_ptr_array_index(cfg->audiodevs, i), &other,
                               NULL);
        if (!strcmp(other, id)) {
            return error_setg(errp, "Duplicate ID '%s' for audiodev", id);
        }
    }
    g_ptr_array_add(cfg->audiodevs, g_strdup(arg));
    return true;
}

static bool opt_audiodev(VMConfig *cfg, const char *arg, GError **errp)
{
    if (!strcmp(arg, "help")) {
        cfg->action = VM_ACTION_AUDIODEV_LIST;
        return true;
    }
    return audiodev_add(cfg, arg, errp);
}

/* The cards -audio model= knows (QEMU's -soundhw names that pcvm has). */
static const struct {
    const char *model, *device, *description;
} audio_models[] = {
    {"sb16", "sb16", "Creative Sound Blaster 16"},
};

/*
 * -audio [driver=]DRIVER,model=MODEL[,...] (QEMU 7.2): an audiodev of id
 * audiodev0 unless id= says otherwise, and the card MODEL playing on it.
 */
static bool opt_audio(VMConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse(arg, "driver", errp);
    g_autoptr(GString) spec = g_string_new(NULL);
    const char *model, *driver, *id;
    size_t m;

    if (!kv) {
        return false;
    }
    driver = keyval_get(kv, "driver");
    if (driver && !strcmp(driver, "help")) {
        cfg->action = VM_ACTION_AUDIODEV_LIST;
        return true;
    }
    model = keyval_get(kv, "model");
    if (!model) {
        return error_setg(errp, "Parameter 'model' is missing");
    }
    if (!strcmp(model, "help")) {
        cfg->action = VM_ACTION_AUDIO_MODEL_LIST;
        return true;
    }
    for (m = 0; m < G_N_ELEMENTS(audio_models); m++) {
        if (!strcmp(audio_models[m].model, model)) {
            break;
        }
    }
    if (m == G_N_ELEMENTS(audio_models)) {
        return error_setg(errp, "Unknown sound card name '%s'", model);
    }
    id = keyval_get(kv, "id");
    if (!id) {
        id = "audiodev0";
    }
    g_string_append_printf(spec, "id=%s", id);
    for (unsigned i = 0; i < keyval_count(kv); i++) {
        const char *key = keyval_key_at(kv, i);
        g_auto(GStrv) parts = g_strsplit(keyval_value_at(kv, i), ",", -1);
        g_autofree char *value = g_strjoinv(",,", parts); /* re-escaped */

        if (!strcmp(key, "model") || !strcmp(key, "id")) {
            continue;
        }
        g_string_append_printf(spec, ",%s=%s", key, value);
    }
    if (!audiodev_add(cfg, spec->str, errp)) {
        return false;
    }
    g_ptr_array_add(cfg->devices, g_strdup_printf("%s,audiodev=%s",
                                                  audio_models[m].device, id));
    return true;
}

void vm_config_print_audio_models(FILE *out)
{
    fprintf(out, "Valid audio device models:\n");
    for (size_t i = 0; i < G_N_ELEMENTS(audio_models); i++) {
        fprintf(out, "%-11s %s\n", audio_models[i].model,
                audio_models[i].description);
    }
}

/*
 * -net nic[,model=M][,macaddr=MAC][,netdev=ID][,name=N][,addr=A] or
 * -net TYPE[,name=N][,...] (a backend on hub 0) or -net none.
 */
static bool opt_net(VMConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse(arg, "type", errp);
    const char *type;

    if (!kv) {
        return false;
    }
    type = keyval_get(kv, "type");
    if (!type) {
        return error_setg(errp, "Parameter 'type' is missing");
    }
    if (!strcmp(type, "none")) {
        cfg->net_none = true;
        return keyval_check_unused(kv, errp);
    }
    if (!strcmp(type, "nic")) {
        keyval_get(kv, "model");
        keyval_get(kv, "macaddr");
        keyval_get(kv, "netdev");
        keyval_get(kv, "name");
        keyval_get(kv, "id");
        keyval_get(kv, "addr");
        if (!keyval_check_unused(kv, errp)) {
            return false;
        }
    } else if (!netdev_options_check(arg, false, net_keys, NULL, NULL, errp)) {
        return false;
    }
    g_ptr_array_add(cfg->nets, g_strdup(arg));
    return true;
}

/* -nic TYPE[,model=M][,mac=MAC][,...] (a backend and its NIC), -nic none. */
static bool opt_nic(VMConfig *cfg, const char *arg, GError **errp)
{
    if (!strcmp(arg, "none")) {
        cfg->net_none = true;
        return true;
    }
    if (!netdev_options_check(arg, false, nic_keys, NULL, NULL, errp)) {
        return false;
    }
    g_ptr_array_add(cfg->nics, g_strdup(arg));
    return true;
}

/*
 * -global DRIVER.PROPERTY=VALUE, or -global driver=D,property=P,value=V:
 * registered at once (device types are known from the start).
 */
static bool opt_global(VMConfig *cfg, const char *arg, GError **errp)
{
    const char *dot = strchr(arg, '.'), *eq = strchr(arg, '=');
    g_autoptr(KeyValList) kv = NULL;
    const char *driver, *property, *value;

    if (dot && eq && dot < eq && dot > arg && eq > dot + 1 &&
        !memchr(arg, ',', dot - arg) && !g_str_has_prefix(arg, "driver=")) {
        g_autofree char *d = g_strndup(arg, dot - arg);
        g_autofree char *p = g_strndup(dot + 1, eq - dot - 1);

        device_global_add(d, p, eq + 1);
        return true;
    }
    kv = keyval_parse(arg, NULL, errp);
    if (!kv) {
        return false;
    }
    driver = keyval_get(kv, "driver");
    property = keyval_get(kv, "property");
    value = keyval_get(kv, "value");
    if (!keyval_check_unused(kv, errp)) {
        return false;
    }
    if (!driver || !property || !value) {
        return error_setg(errp, "Parameter '%s' is missing",
                          !driver     ? "driver"
                          : !property ? "property"
                                      : "value");
    }
    device_global_add(driver, property, value);
    return true;
}

static bool opt_device(VMConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(KeyValList) kv = NULL;
    const char *driver;

    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        cfg->action = VM_ACTION_DEVICE_LIST;
        return true;
    }
    kv = keyval_parse(arg, "driver", errp);
    if (!kv) {
        return false;
    }
    driver = keyval_get(kv, "driver");
    if (!driver) {
        return error_setg(errp, "Parameter 'driver' is missing");
    }
    if (keyval_has(kv, "help") || keyval_has(kv, "?")) {
        DeviceClass *dc = device_class_find(driver);

        if (!dc || dc->abstract) {
            return error_setg(errp, "'%s' is not a valid device model name",
                              driver);
        }
        cfg->action = VM_ACTION_DEVICE_PROPS;
        replace(&cfg->help_target, driver);
        return true;
    }
    if (!device_class_find(driver) || device_class_find(driver)->abstract) {
        return error_setg(errp, "'%s' is not a valid device model name",
                          driver);
    }
    /* A display adapter given as a device replaces the default one (QEMU). */
    if (device_class_find(driver)->category == DEVICE_CATEGORY_DISPLAY) {
        cfg->display_device = true;
    }
    g_ptr_array_add(cfg->devices, g_strdup(arg));
    return true;
}

/*
 * -object TYPE,id=ID,... or its JSON form, {"qom-type":
 * "memory-backend-ram", "id": "m0", "size": 1073741824} as libvirt writes
 * it: checked for its kind and id now, created with the machine
 * (system/vl.c), in command-line order.
 */
static bool opt_object(VMConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(KeyValList) kv = user_object_parse_option(arg, errp);
    const char *id;

    if (!kv || !user_object_check(kv, errp)) {
        return false;
    }
    id = keyval_get(kv, "id");
    for (unsigned i = 0; i < cfg->object_ids->len; i++) {
        if (!strcmp(g_ptr_array_index(cfg->object_ids, i), id)) {
            return error_setg(errp, "Duplicate ID '%s' for object", id);
        }
    }
    g_ptr_array_add(cfg->object_ids, g_strdup(id));
    g_ptr_array_add(cfg->objects, g_strdup(arg));
    return true;
}

static bool opt_debugcon(VMConfig *cfg, const char *arg, GError **errp)
{
    replace(&cfg->debugcon, arg);
    return true;
}

static bool add_accel(VMConfig *cfg, const char *name, GError **errp)
{
    static const char *const known[] = {"kvm", "qtest", "tcg", "xen",
                                        "hvf", "whpx",  "nvmm"};
    bool found = false;

    for (size_t i = 0; i < G_N_ELEMENTS(known); i++) {
        found |= !strcmp(name, known[i]);
    }
    if (!found) {
        return error_setg(errp, "invalid accelerator %s", name);
    }
    g_ptr_array_add(cfg->accels, g_strdup(name));
    return true;
}

/*
 * kernel-irqchip= of -machine and -accel kvm: "on" is what pcvm does;
 * QEMU's userspace ("off") and split irqchips are refused.
 */
static bool irqchip_check(const char *irqchip, GError **errp)
{
    if (irqchip && strcmp(irqchip, "on")) {
        if (!strcmp(irqchip, "off") || !strcmp(irqchip, "split")) {
            return error_setg(errp,
                              "kernel-irqchip=%s is not supported: pcvm "
                              "runs KVM with its in-kernel irqchip",
                              irqchip);
        }
        return error_setg(errp,
                          "Parameter 'kernel-irqchip' does not accept value "
                          "'%s'",
                          irqchip);
    }
    return true;
}

static bool opt_accel(VMConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse(arg, "accel", errp);
    const char *name;

    if (!kv) {
        return false;
    }
    name = keyval_get(kv, "accel");
    if (name && !strcmp(name, "help")) {
        cfg->action = VM_ACTION_ACCEL_LIST;
        return true;
    }
    /* thread= is accepted with its default meaning. */
    keyval_mark_used(kv, "thread");
    if (!name) {
        return error_setg(errp, "Parameter 'accel' is missing");
    }
    if (!irqchip_check(keyval_get(kv, "kernel-irqchip"), errp)) {
        return false;
    }
    cfg->accel_option = true;
    return add_accel(cfg, name, errp) && keyval_check_unused(kv, errp);
}

static bool opt_enable_kvm(VMConfig *cfg, const char *arg, GError **errp)
{
    cfg->accel_machine = true; /* QEMU's -machine accel=kvm */
    return add_accel(cfg, "kvm", errp);
}

/*
 * The pc machine properties QEMU's tools pass. Those that choose a
 * device pcvm does not have (usb=on, vmport=on, hpet=on) or a mode it
 * cannot run (a userspace or split irqchip) are refused; the rest are
 * what pcvm does anyway or tune nothing it has (dump-guest-core,
 * mem-merge, suppress-vmdesc...).
 */
static bool machine_props(VMConfig *cfg, KeyValList *kv, GError **errp)
{
    static const struct {
        const char *key;
        bool supported_on, supported_off;
    } bools[] = {
        {"usb", false, true},      {"vmport", false, true},
        {"hpet", false, true},     {"pit", true, false},
        {"smm", true, true},       {"dump-guest-core", true, true},
        {"mem-merge", true, true}, {"suppress-vmdesc", true, true},
        {"graphics", true, true},  {"acpi", true, false},
        {"nvdimm", false, true},   {"sata", false, true},
        {"smbus", true, true},     {"sgx-epc", false, true},
    };
    const char *irqchip = keyval_get(kv, "kernel-irqchip");

    for (size_t i = 0; i < G_N_ELEMENTS(bools); i++) {
        const char *v = keyval_get(kv, bools[i].key);
        bool on;

        if (!v) {
            continue;
        }
        /* vmport, smm and acpi also take QEMU's "auto" */
        if (!strcmp(v, "auto")) {
            continue;
        }
        if (!parse_bool(v, &on, NULL)) {
            return error_setg(errp, "Parameter '%s' expects 'on' or 'off'",
                              bools[i].key);
        }
        if ((on && !bools[i].supported_on) ||
            (!on && !bools[i].supported_off)) {
            return error_setg(errp, "%s=%s is not supported by this pcvm",
                              bools[i].key, v);
        }
        if (!strcmp(bools[i].key, "graphics")) {
            cfg->graphics_off = !on;
        }
    }
    return irqchip_check(irqchip, errp);
}

static bool opt_machine(VMConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse(arg, "type", errp);
    const char *type, *accel, *firmware;

    if (!kv) {
        return false;
    }
    type = keyval_get(kv, "type");
    if (type && !strcmp(type, "help")) {
        cfg->action = VM_ACTION_MACHINE_LIST;
        return true;
    }
    if (type) {
        if (!machine_class_find(type)) {
            return error_setg(errp,
                              "unsupported machine type '%s' (-machine "
                              "help lists them)",
                              type);
        }
        replace(&cfg->machine_type, type);
    }
    accel = keyval_get(kv, "accel");
    if (accel) {
        g_auto(GStrv) names = g_strsplit(accel, ":", -1);

        cfg->accel_machine = true;
        for (char **n = names; *n; n++) {
            if (!add_accel(cfg, *n, errp)) {
                return false;
            }
        }
    }
    if (keyval_has(kv, "memory-backend")) {
        replace(&cfg->memory_backend, keyval_get(kv, "memory-backend"));
    }
    if (!machine_props(cfg, kv, errp)) {
        return false;
    }
    firmware = keyval_get(kv, "firmware");
    if (firmware) {
        /* firmware=seabios (or a file name) runs firmware even with -kernel */
        cfg->firmware_boot = true;
        if (strcmp(firmware, "seabios")) {
            replace(&cfg->bios, firmware);
        }
    }
    return keyval_check_unused(kv, errp);
}

/*
 * arg cut at its first comma: always two slots, the first never NULL (an
 * empty arg gives "", which g_strsplit would give as no element at all).
 */
static GStrv split_first(const char *arg)
{
    GStrv parts = g_new0(char *, 3);
    const char *comma = strchr(arg, ',');

    parts[0] = comma ? g_strndup(arg, comma - arg) : g_strdup(arg);
    parts[1] = comma ? g_strdup(comma + 1) : NULL;
    return parts;
}

static bool opt_cpu(VMConfig *cfg, const char *arg, GError **errp)
{
    g_auto(GStrv) parts = split_first(arg);
    X86CPUSpec spec;

    if (!strcmp(parts[0], "help") || !strcmp(parts[0], "?")) {
        cfg->action = VM_ACTION_CPU_LIST;
        return true;
    }
    /* Checked now for its errors; the board applies it to each vCPU. */
    if (!x86_cpu_spec_parse(arg, &spec, errp)) {
        return false;
    }
    x86_cpu_spec_clear(&spec);
    replace(&cfg->cpu_model, arg);
    return true;
}

static void monitor_add(VMConfig *cfg, const char *chardev, bool is_spec,
                        bool qmp, bool pretty)
{
    MonitorConfig *mon = g_new0(MonitorConfig, 1);

    mon->chardev = g_strdup(chardev);
    mon->is_spec = is_spec;
    mon->qmp = qmp;
    mon->pretty = pretty;
    g_ptr_array_add(cfg->monitors, mon);
    cfg->default_monitor = false;
}

static bool monitor_spec_add(VMConfig *cfg, const char *arg, bool qmp,
                             bool pretty)
{
    if (strcmp(arg, "none")) {
        monitor_add(cfg, arg, true, qmp, pretty);
    }
    cfg->default_monitor = false;
    return true;
}

static bool opt_monitor(VMConfig *cfg, const char *arg, GError **errp)
{
    return monitor_spec_add(cfg, arg, false, false);
}

static bool opt_qmp(VMConfig *cfg, const char *arg, GError **errp)
{
    return monitor_spec_add(cfg, arg, true, false);
}

static bool opt_qmp_pretty(VMConfig *cfg, const char *arg, GError **errp)
{
    return monitor_spec_add(cfg, arg, true, true);
}

static bool opt_mon(VMConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse(arg, "chardev", errp);
    const char *chardev, *mode;
    bool pretty, qmp;

    if (!kv || !keyval_get_bool(kv, "pretty", false, &pretty, errp)) {
        return false;
    }
    chardev = keyval_get(kv, "chardev");
    mode = keyval_get(kv, "mode");
    if (!chardev) {
        return error_setg(errp, "Parameter 'chardev' is missing");
    }
    if (!mode || !strcmp(mode, "readline")) {
        qmp = false;
    } else if (!strcmp(mode, "control")) {
        qmp = true;
    } else {
        return error_setg(errp,
                          "Parameter 'mode' does not accept value '%s' "
                          "(readline or control)",
                          mode);
    }
    keyval_mark_used(kv, "id");
    if (!keyval_check_unused(kv, errp)) {
        return false;
    }
    monitor_add(cfg, chardev, false, qmp, pretty);
    return true;
}

static bool opt_qtest(VMConfig *cfg, const char *arg, GError **errp)
{
    replace(&cfg->qtest, arg);
    return true;
}

static bool opt_qtest_log(VMConfig *cfg, const char *arg, GError **errp)
{
    replace(&cfg->qtest_log, arg);
    return true;
}

static bool opt_nographic(VMConfig *cfg, const char *arg, GError **errp)
{
    cfg->nographic = true;
    return true;
}

/* -vnc SPEC: checked now, the server starts once the machine exists. */
static bool opt_vnc(VMConfig *cfg, const char *arg, GError **errp)
{
    if (!vnc_display_check(arg, errp)) {
        return false;
    }
    replace(&cfg->vnc, arg);
    return true;
}

/*
 * -display none, -display sdl[,OPTS], or -display vnc=SPEC (QEMU's
 * spelling of -vnc SPEC).
 */
static bool opt_display(VMConfig *cfg, const char *arg, GError **errp)
{
    g_auto(GStrv) parts = split_first(arg);

    if (g_str_has_prefix(arg, "vnc=")) {
        replace(&cfg->display, NULL);
        return opt_vnc(cfg, arg + 4, errp);
    }
    if (!strcmp(parts[0], "sdl")) {
#ifdef CONFIG_SDL
        if (!sdl_display_check(parts[1], errp)) {
            return false;
        }
        replace(&cfg->display, parts[0]);
        replace(&cfg->display_opts, parts[1]);
        return true;
#else
        return error_setg(errp, "SDL display is not available in this pcvm "
                                "build (SDL2 was not found)");
#endif
    }
    if (strcmp(parts[0], "none")) {
        return error_setg(errp,
                          "Parameter 'type' does not accept value '%s' "
                          "(this pcvm has displays 'none', 'sdl' and 'vnc=')",
                          parts[0]);
    }
    replace(&cfg->display, parts[0]);
    replace(&cfg->display_opts, NULL);
    return true;
}

/*
 * -vga TYPE: QEMU's names. pcvm has the standard VGA; the other adapters
 * QEMU knows are refused by name, anything else is unknown.
 */
static bool opt_vga(VMConfig *cfg, const char *arg, GError **errp)
{
    static const char *const missing[][2] = {
        {"cirrus", "Cirrus VGA"},
        {"vmware", "VMWare SVGA"},
        {"qxl", "QXL VGA"},
        {"virtio", "Virtio VGA"},
        {"xenfb", "Xen paravirtualized framebuffer"},
        {"tcx", "TCX framebuffer"},
        {"cg3", "CG3 framebuffer"},
    };

    if (!strcmp(arg, "help")) {
        cfg->action = VM_ACTION_VGA_LIST;
        return true;
    }
    if (!strcmp(arg, "std") || !strcmp(arg, "none")) {
        replace(&cfg->vga, arg);
        return true;
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(missing); i++) {
        if (!strcmp(arg, missing[i][0])) {
            return error_setg(errp, "%s not available", missing[i][1]);
        }
    }
    return error_setg(errp, "unknown vga type: %s", arg);
}

static bool opt_no_fd_bootchk(VMConfig *cfg, const char *arg, GError **errp)
{
    cfg->no_fd_bootchk = true;
    return true;
}

static bool opt_no_reboot(VMConfig *cfg, const char *arg, GError **errp)
{
    cfg->no_reboot = true;
    return true;
}

static bool opt_no_shutdown(VMConfig *cfg, const char *arg, GError **errp)
{
    cfg->no_shutdown = true;
    return true;
}

static bool opt_S(VMConfig *cfg, const char *arg, GError **errp)
{
    cfg->start_paused = true;
    return true;
}

static bool opt_nodefaults(VMConfig *cfg, const char *arg, GError **errp)
{
    cfg->no_defaults = true;
    cfg->default_monitor = false;
    return true;
}

static bool opt_name(VMConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse(arg, "guest", errp);

    if (!kv) {
        return false;
    }
    replace(&cfg->name, keyval_get(kv, "guest"));
    keyval_mark_used(kv, "process");
    keyval_mark_used(kv, "debug-threads");
    return keyval_check_unused(kv, errp);
}

/*
 * -action reboot=reset|shutdown,shutdown=poweroff|pause,
 * panic=pause|shutdown|exit-failure|none,watchdog=...: QEMU 6's form of
 * -no-reboot and -no-shutdown, and what a guest panic does. pcvm has no
 * watchdog device yet: its action is checked and kept for one.
 */
static bool action_value(KeyValList *kv, const char *key,
                         const char *const *names, int *out, GError **errp)
{
    const char *v = keyval_get(kv, key);

    if (!v) {
        return true;
    }
    for (int i = 0; names[i]; i++) {
        if (!strcmp(v, names[i])) {
            *out = i;
            return true;
        }
    }
    return error_setg(errp, "Parameter '%s' does not accept value '%s'", key,
                      v);
}

static bool opt_action(VMConfig *cfg, const char *arg, GError **errp)
{
    static const char *const reboot[] = {"reset", "shutdown", NULL};
    static const char *const shutdown[] = {"poweroff", "pause", NULL};
    /* In PanicAction's order. */
    static const char *const panic[] = {"shutdown", "pause", "exit-failure",
                                        "none", NULL};
    static const char *const watchdog[] = {"reset",      "shutdown", "poweroff",
                                           "pause",      "debug",    "none",
                                           "inject-nmi", NULL};
    g_autoptr(KeyValList) kv = keyval_parse(arg, NULL, errp);
    int r = cfg->no_reboot, sd = cfg->no_shutdown, wd = 0;

    if (!kv || !action_value(kv, "reboot", reboot, &r, errp) ||
        !action_value(kv, "shutdown", shutdown, &sd, errp) ||
        !action_value(kv, "panic", panic, &cfg->panic_action, errp) ||
        !action_value(kv, "watchdog", watchdog, &wd, errp) ||
        !keyval_check_unused(kv, errp)) {
        return false;
    }
    cfg->no_reboot = r;
    cfg->no_shutdown = sd;
    return true;
}

/* -watchdog-action ACTION: the older spelling of -action watchdog=. */
static bool opt_watchdog_action(VMConfig *cfg, const char *arg, GError **errp)
{
    g_autofree char *spec = g_strdup_printf("watchdog=%s", arg);

    if (strchr(arg, ',') || strchr(arg, '=')) {
        return error_setg(errp,
                          "Parameter 'watchdog' does not accept value "
                          "'%s'",
                          arg);
    }
    return opt_action(cfg, spec, errp);
}

static bool opt_mem_path(VMConfig *cfg, const char *arg, GError **errp)
{
    replace(&cfg->mem_path, arg);
    return true;
}

static bool opt_mem_prealloc(VMConfig *cfg, const char *arg, GError **errp)
{
    cfg->mem_prealloc = true;
    return true;
}

/* pcvm reads no configuration files, so there is nothing to skip. */
static bool opt_no_user_config(VMConfig *cfg, const char *arg, GError **errp)
{
    return true;
}

/* -msg timestamp=on|off[,guest-name=on|off] */
static bool opt_msg(VMConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse(arg, "timestamp", errp);
    bool timestamp = false, guest_name = false;

    if (!kv || !keyval_get_bool(kv, "timestamp", false, &timestamp, errp) ||
        !keyval_get_bool(kv, "guest-name", false, &guest_name, errp) ||
        !keyval_check_unused(kv, errp)) {
        return false;
    }
    error_set_timestamps(timestamp);
    cfg->msg_guest_name = guest_name;
    return true;
}

static bool opt_pidfile(VMConfig *cfg, const char *arg, GError **errp)
{
    replace(&cfg->pidfile, arg);
    return true;
}

static bool opt_daemonize(VMConfig *cfg, const char *arg, GError **errp)
{
    cfg->daemonize = true;
    return true;
}

/* -overcommit mem-lock=on|off[,cpu-pm=on|off] */
static bool opt_overcommit(VMConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse(arg, NULL, errp);
    bool cpu_pm = false;

    return kv && keyval_get_bool(kv, "mem-lock", false, &cfg->mem_lock, errp) &&
           keyval_get_bool(kv, "cpu-pm", false, &cpu_pm, errp) &&
           keyval_check_unused(kv, errp) &&
           (!cpu_pm || error_setg(errp, "cpu-pm=on is not supported"));
}

static bool opt_D(VMConfig *cfg, const char *arg, GError **errp)
{
    replace(&cfg->log_file, arg);
    return true;
}

static bool opt_d(VMConfig *cfg, const char *arg, GError **errp)
{
    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        cfg->action = VM_ACTION_LOG_LIST;
        return true;
    }
    return log_parse_items(arg, &cfg->log_mask, errp);
}

/*
 * Drive letters the pc machine boots from: floppy (a), hard disk (c),
 * CD-ROM (d) and network (n); at most three, each once.
 */
static bool boot_devices_check(const char *devices, GError **errp)
{
    if (strlen(devices) > 3) {
        return error_setg(errp, "Too many boot devices for PC");
    }
    for (const char *c = devices; *c; c++) {
        if (!strchr("acdn", *c)) {
            return error_setg(errp, "Invalid boot device for PC: '%c'", *c);
        }
        if (strchr(c + 1, *c)) {
            return error_setg(errp, "Boot device '%c' was given twice", *c);
        }
    }
    return true;
}

static bool opt_boot(VMConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse(arg, "order", errp);
    const char *order, *once;
    uint64_t splash;
    const char *reboot;

    if (!kv ||
        !keyval_get_bool(kv, "menu", cfg->boot_menu, &cfg->boot_menu, errp) ||
        !keyval_get_bool(kv, "strict", cfg->boot_strict, &cfg->boot_strict,
                         errp) ||
        !keyval_get_uint(kv, "splash-time", 0, &splash, errp)) {
        return false;
    }
    order = keyval_get(kv, "order");
    once = keyval_get(kv, "once");
    if ((order && !boot_devices_check(order, errp)) ||
        (once && !boot_devices_check(once, errp))) {
        return false;
    }
    if (keyval_has(kv, "splash-time")) {
        if (splash > 0xffff) {
            return error_setg(errp,
                              "splash-time %" PRIu64 " is too large "
                              "(at most 65535 ms)",
                              splash);
        }
        cfg->boot_splash_time = splash;
    }
    reboot = keyval_get(kv, "reboot-timeout");
    if (reboot) {
        /* QEMU 7.2: -1 (never, the default) to 65535 ms */
        gint64 ms;

        if (!g_ascii_string_to_signed(reboot, 10, G_MININT64, G_MAXINT64, &ms,
                                      NULL)) {
            return error_setg(errp, "Parameter 'boot.reboot-timeout' expects "
                                    "integer");
        }
        if (ms < -1 || ms > 0xffff) {
            return error_setg(errp, "reboot timeout is invalid,it should be a "
                                    "value between -1 and 65535");
        }
        cfg->boot_reboot_timeout = ms;
    }
    /* A splash image needs a display; its name is accepted and unused. */
    keyval_mark_used(kv, "splash");
    if (order) {
        replace(&cfg->boot_order, order);
    }
    if (once) {
        replace(&cfg->boot_once, once);
    }
    return keyval_check_unused(kv, errp);
}

static bool opt_rtc(VMConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse(arg, NULL, errp);
    const char *base, *clock, *driftfix;
    int64_t seconds;

    if (!kv) {
        return false;
    }
    base = keyval_get(kv, "base");
    clock = keyval_get(kv, "clock");
    driftfix = keyval_get(kv, "driftfix");
    if (base && strcmp(base, "utc") && strcmp(base, "localtime") &&
        !parse_iso_date(base, &seconds)) {
        return error_setg(errp,
                          "invalid datetime format: '%s' (valid "
                          "formats: '2006-06-17T16:01:21' or '2006-06-17')",
                          base);
    }
    if (clock && strcmp(clock, "host") && strcmp(clock, "rt") &&
        strcmp(clock, "vm")) {
        return error_setg(errp,
                          "invalid option value '%s' for clock "
                          "(host, rt or vm)",
                          clock);
    }
    if (driftfix && strcmp(driftfix, "none") && strcmp(driftfix, "slew")) {
        return error_setg(errp,
                          "invalid option value '%s' for driftfix "
                          "(none or slew)",
                          driftfix);
    }
    if (base) {
        replace(&cfg->rtc_base, base);
    }
    if (clock) {
        replace(&cfg->rtc_clock, clock);
    }
    return keyval_check_unused(kv, errp);
}

static bool opt_uuid(VMConfig *cfg, const char *arg, GError **errp)
{
    if (!parse_uuid(arg, cfg->uuid)) {
        return error_setg(errp, "Fail to parse UUID string");
    }
    cfg->uuid_set = true;
    return true;
}

/* ---- drives ------------------------------------------------------------ */

static DriveConfig *drive_at(VMConfig *cfg, BlockInterfaceType iface, int bus,
                             int unit)
{
    for (unsigned i = 0; i < cfg->drives->len; i++) {
        DriveConfig *d = g_ptr_array_index(cfg->drives, i);

        if (d->iface == iface && d->bus == bus && d->unit == unit) {
            return d;
        }
    }
    return NULL;
}

static bool drive_id_used(VMConfig *cfg, const char *id)
{
    for (unsigned i = 0; i < cfg->drives->len; i++) {
        DriveConfig *d = g_ptr_array_index(cfg->drives, i);

        if (!strcmp(d->id, id)) {
            return true;
        }
    }
    return false;
}

/*
 * Places a drive as QEMU does: index= is bus * units + unit; without it
 * the first free unit from bus= (or bus 0) on. Takes ownership of drive.
 */
static bool drive_config_add(VMConfig *cfg, DriveConfig *drive, int index,
                             bool has_bus, bool has_unit, GError **errp)
{
    int units = drive->iface == IF_IDE ? IDE_UNITS_PER_BUS : 0;

    if (index >= 0) {
        if (has_bus || has_unit) {
            drive_config_free(drive);
            return error_setg(errp, "index cannot be used with bus and unit");
        }
        drive->bus = units ? index / units : 0;
        drive->unit = units ? index % units : index;
    } else if (!has_unit) {
        drive->unit = 0;
        while (drive_at(cfg, drive->iface, drive->bus, drive->unit)) {
            if (units && ++drive->unit >= units) {
                drive->unit = 0;
                drive->bus++;
            } else if (!units) {
                drive->unit++;
            }
        }
    }
    if (units && drive->unit >= units) {
        int unit = drive->unit;

        drive_config_free(drive);
        return error_setg(errp, "unit %d too big (max is %d)", unit, units - 1);
    }
    if (drive->iface == IF_IDE && drive->bus >= IDE_BUSES_MAX) {
        int bus = drive->bus, unit = drive->unit;

        drive_config_free(drive);
        return error_setg(errp,
                          "machine type does not support "
                          "if=ide,bus=%d,unit=%d",
                          bus, unit);
    }
    if (drive_at(cfg, drive->iface, drive->bus, drive->unit)) {
        int bus = drive->bus, unit = drive->unit;

        drive_config_free(drive);
        return error_setg(errp, "drive with bus=%d, unit=%d (index=%d) exists",
                          bus, unit, units ? bus * units + unit : unit);
    }
    if (!drive->id) {
        if (drive->iface == IF_IDE) {
            drive->id = g_strdup_printf(
                "ide%d-%s%d", drive->bus,
                drive->media == MEDIA_CDROM ? "cd" : "hd", drive->unit);
        } else {
            drive->id = g_strdup_printf(
                "%s%d", drive_interface_name(drive->iface), drive->unit);
        }
    } else if (drive_id_used(cfg, drive->id)) {
        g_autofree char *id = g_strdup(drive->id);

        drive_config_free(drive);
        return error_setg(errp, "Duplicate ID '%s' for drive", id);
    }
    if (drive->media == MEDIA_CDROM) {
        drive->read_only = true;
    }
    g_ptr_array_add(cfg->drives, drive);
    return true;
}

static bool drive_int(KeyValList *kv, const char *key, int *out, GError **errp)
{
    uint64_t v;

    if (!keyval_get_uint(kv, key, 0, &v, errp)) {
        return false;
    }
    if (v > 255) {
        return error_setg(errp, "Parameter '%s' expects a number up to 255",
                          key);
    }
    *out = v;
    return true;
}

static bool opt_drive(VMConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse(arg, NULL, errp);
    DriveConfig *drive;
    const char *iface, *media, *file, *format, *ro;
    int index = -1, bus = 0, unit = 0;
    bool read_only = false, snapshot = false;
    BlockOptions opts;

    if (!kv || !keyval_get_bool(kv, "snapshot", false, &snapshot, errp) ||
        (keyval_has(kv, "index") && !drive_int(kv, "index", &index, errp)) ||
        (keyval_has(kv, "bus") && !drive_int(kv, "bus", &bus, errp)) ||
        (keyval_has(kv, "unit") && !drive_int(kv, "unit", &unit, errp))) {
        return false;
    }
    /* readonly= and QEMU's newer read-only= are one key. */
    ro = keyval_has(kv, "read-only") ? keyval_get(kv, "read-only")
                                     : keyval_get(kv, "readonly");
    keyval_mark_used(kv, "readonly");
    if (ro && !parse_bool(ro, &read_only, NULL)) {
        return error_setg(errp, "Parameter 'read-only' expects 'on' or 'off'");
    }
    iface = keyval_get(kv, "if");
    if (iface && strcmp(iface, "ide") && strcmp(iface, "none") &&
        strcmp(iface, "virtio") && strcmp(iface, "pflash")) {
        return error_setg(errp, "unsupported bus type '%s'", iface);
    }
    media = keyval_get(kv, "media");
    if (media && strcmp(media, "disk") && strcmp(media, "cdrom")) {
        return error_setg(errp, "'%s' invalid media", media);
    }
    blk_options_init(&opts);
    if (!drive_parse_options(kv, &opts, errp)) {
        return false;
    }
    format = keyval_get(kv, "format");
    if (format && strcmp(format, "raw") && strcmp(format, "qcow2")) {
        return error_setg(errp, "'%s' invalid format", format);
    }
    file = keyval_get(kv, "file");
    keyval_get(kv, "id");
    keyval_get(kv, "node-name");
    if (!keyval_check_unused(kv, errp)) {
        return false;
    }
    drive = g_new0(DriveConfig, 1);
    drive->spec = g_strdup_printf("-drive %s", arg);
    drive->file = file && *file ? g_strdup(file) : NULL;
    drive->iface = !iface || !strcmp(iface, "ide") ? IF_IDE
                   : !strcmp(iface, "none")        ? IF_NONE
                   : !strcmp(iface, "pflash")      ? IF_PFLASH
                                                   : IF_VIRTIO;
    drive->bus = bus;
    drive->unit = unit;
    drive->media = media && !strcmp(media, "cdrom") ? MEDIA_CDROM : MEDIA_DISK;
    drive->read_only = read_only;
    drive->snapshot = snapshot;
    drive->format = g_strdup(format);
    drive->id = g_strdup(keyval_get(kv, "id"));
    drive->node_name = g_strdup(keyval_get(kv, "node-name"));
    drive->opts = opts;
    return drive_config_add(cfg, drive, index, keyval_has(kv, "bus"),
                            keyval_has(kv, "unit"), errp);
}

static bool opt_blockdev(VMConfig *cfg, const char *arg, GError **errp)
{
    JsonObject *opts = blockdev_options_parse(arg, errp);

    if (!opts) {
        return false;
    }
    json_object_unref(opts);
    g_ptr_array_add(cfg->blockdevs, g_strdup(arg));
    return true;
}

/* -hda..-hdd and -cdrom: an IDE drive at a fixed index. */
static bool drive_add_legacy(VMConfig *cfg, const char *option,
                             const char *file, int index, DriveMediaType media,
                             GError **errp)
{
    DriveConfig *drive = g_new0(DriveConfig, 1);

    drive->spec =
        option ? g_strdup_printf("-%s %s", option, file) : g_strdup(file);
    drive->file = *file ? g_strdup(file) : NULL;
    drive->iface = IF_IDE;
    drive->media = media;
    blk_options_init(&drive->opts);
    return drive_config_add(cfg, drive, index, false, false, errp);
}

static bool opt_hda(VMConfig *cfg, const char *arg, GError **errp)
{
    return drive_add_legacy(cfg, "hda", arg, 0, MEDIA_DISK, errp);
}

static bool opt_hdb(VMConfig *cfg, const char *arg, GError **errp)
{
    return drive_add_legacy(cfg, "hdb", arg, 1, MEDIA_DISK, errp);
}

static bool opt_hdc(VMConfig *cfg, const char *arg, GError **errp)
{
    return drive_add_legacy(cfg, "hdc", arg, 2, MEDIA_DISK, errp);
}

static bool opt_hdd(VMConfig *cfg, const char *arg, GError **errp)
{
    return drive_add_legacy(cfg, "hdd", arg, 3, MEDIA_DISK, errp);
}

static bool opt_cdrom(VMConfig *cfg, const char *arg, GError **errp)
{
    return drive_add_legacy(cfg, "cdrom", arg, 2, MEDIA_CDROM, errp);
}

static bool opt_version(VMConfig *cfg, const char *arg, GError **errp)
{
    cfg->action = VM_ACTION_VERSION;
    return true;
}

static bool opt_help(VMConfig *cfg, const char *arg, GError **errp)
{
    cfg->action = VM_ACTION_HELP;
    return true;
}

/* ---- -readconfig / -writeconfig ---------------------------------------- */

/*
 * QEMU's configuration file groups pcvm reads and writes: [GROUP] or
 * [GROUP "ID"] sections of KEY = "VALUE" lines, each the option of that
 * name with the keys as its key=value list (the id as id=).
 */
static const struct {
    const char *group, *option, *implied; /* implied: the option's first key */
    bool has_id;
} config_groups[] = {
    {"drive", "drive", NULL, true},
    {"device", "device", "driver", true},
    {"netdev", "netdev", "type", true},
    {"chardev", "chardev", "backend", true},
    {"object", "object", "qom-type", true},
    {"machine", "machine", "type", false},
    {"memory", "m", "size", false},
    {"smp-opts", "smp", "cpus", false},
    {"boot-opts", "boot", "order", false},
};

static const OptionDef *option_find(const char *name);

static int config_group_of_option(const char *option)
{
    for (size_t i = 0; i < G_N_ELEMENTS(config_groups); i++) {
        if (!strcmp(config_groups[i].option, option)) {
            return (int)i;
        }
    }
    return -1;
}

/* Remembers an option of a config group for -writeconfig. */
static void config_record(VMConfig *cfg, const char *option, const char *arg)
{
    if (config_group_of_option(option) >= 0 && arg[0] != '{') {
        g_ptr_array_add(cfg->config_options, g_strdup(option));
        g_ptr_array_add(cfg->config_options, g_strdup(arg));
    }
}

/* A "quoted" value without its quotes (QEMU's format has no escapes). */
static char *config_value(const char *v)
{
    size_t n = strlen(v);

    if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
        return g_strndup(v + 1, n - 2);
    }
    return g_strdup(v);
}

/* Runs one finished section as its option; false with errp set. */
static bool config_section_apply(VMConfig *cfg, const char *path, int line,
                                 int group, const char *id, GString *kv,
                                 GError **errp)
{
    const OptionDef *o = option_find(config_groups[group].option);
    g_autoptr(GString) arg = g_string_new(NULL);

    if (id) {
        g_string_append_printf(arg, "id=%s", id);
    }
    if (kv->len) {
        g_string_append_printf(arg, "%s%s", arg->len ? "," : "", kv->str);
    }
    if (!arg->len) {
        return true; /* an empty section sets nothing */
    }
    if (!o->handler(cfg, arg->str, errp)) {
        error_prefix(errp, "%s:%d", path, line);
        return false;
    }
    config_record(cfg, config_groups[group].option, arg->str);
    return true;
}

/* -readconfig FILE: QEMU's configuration file, section by section. */
static bool opt_readconfig(VMConfig *cfg, const char *arg, GError **errp)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GString) kv = g_string_new(NULL);
    g_autofree char *id = NULL;
    int group = -1, start = 0;

    if (!g_file_get_contents(arg, &text, NULL, &err)) {
        return error_setg(errp, "could not open %s: %s", arg, err->message);
    }
    lines = g_strsplit(text, "\n", -1);
    for (int n = 0; lines[n]; n++) {
        char *l = g_strstrip(lines[n]);
        char *eq;

        if (!*l || *l == '#') {
            continue;
        }
        if (*l == '[') {
            char *end = strchr(l, ']');
            g_auto(GStrv) head = NULL;

            if (group >= 0 &&
                !config_section_apply(cfg, arg, start, group, id, kv, errp)) {
                return false;
            }
            if (!end || end[1]) {
                return error_setg(errp, "%s:%d: parse error", arg, n + 1);
            }
            *end = 0;
            head = g_strsplit(g_strstrip(l + 1), " ", 2);
            group = -1;
            for (size_t i = 0; i < G_N_ELEMENTS(config_groups); i++) {
                if (head[0] && !strcmp(head[0], config_groups[i].group)) {
                    group = (int)i;
                }
            }
            if (group < 0) {
                return error_setg(errp, "%s:%d: There is no option group '%s'",
                                  arg, n + 1, head[0] ? head[0] : "");
            }
            g_clear_pointer(&id, g_free);
            if (head[0] && head[1]) {
                id = config_value(g_strstrip(head[1]));
            }
            g_string_truncate(kv, 0);
            start = n + 1;
            continue;
        }
        eq = strchr(l, '=');
        if (group < 0 || !eq) {
            return error_setg(errp, "%s:%d: parse error", arg, n + 1);
        }
        *eq = 0;
        {
            g_autofree char *value = config_value(g_strstrip(eq + 1));

            g_string_append_printf(kv, "%s%s=", kv->len ? "," : "",
                                   g_strstrip(l));
            for (const char *p = value; *p; p++) {
                g_string_append(kv, *p == ',' ? ",," : (char[]){*p, 0});
            }
        }
    }
    return group < 0 ||
           config_section_apply(cfg, arg, start, group, id, kv, errp);
}

static bool opt_writeconfig(VMConfig *cfg, const char *arg, GError **errp)
{
    replace(&cfg->writeconfig, arg);
    return true;
}

/* -writeconfig FILE ('-': stdout): what the config groups' options said. */
static bool config_write(VMConfig *cfg, GError **errp)
{
    g_autoptr(GString) out = g_string_new(NULL);

    for (unsigned i = 0; i + 1 < cfg->config_options->len; i += 2) {
        const char *option = g_ptr_array_index(cfg->config_options, i);
        const char *arg = g_ptr_array_index(cfg->config_options, i + 1);
        int g = config_group_of_option(option);
        g_autoptr(KeyValList) kv =
            keyval_parse(arg, config_groups[g].implied, NULL);
        const char *id = kv ? keyval_get(kv, "id") : NULL;

        if (!kv) {
            continue;
        }
        if (config_groups[g].has_id && id) {
            g_string_append_printf(out, "[%s \"%s\"]\n", config_groups[g].group,
                                   id);
        } else {
            g_string_append_printf(out, "[%s]\n", config_groups[g].group);
        }
        for (unsigned k = 0; k < keyval_count(kv); k++) {
            const char *key = keyval_key_at(kv, k);
            if (config_groups[g].has_id && id && !strcmp(key, "id")) {
                continue;
            }
            g_string_append_printf(out, "  %s = \"%s\"\n", key,
                                   keyval_value_at(kv, k));
        }
        g_string_append_c(out, '\n');
    }
    if (!strcmp(cfg->writeconfig, "-")) {
        fputs(out->str, stdout);
        fflush(stdout);
        return true;
    }
    if (!g_file_set_contents(cfg->writeconfig, out->str, out->len, NULL)) {
        return error_setg(errp, "-writeconfig %s: %s", cfg->writeconfig,
                          g_strerror(errno));
    }
    return true;
}

static const OptionDef options[] = {
    {"h", false, opt_help, NULL, "display this help and exit"},
    {"help", false, opt_help, NULL, NULL},
    {"version", false, opt_version, NULL,
     "display version information and exit"},
    {"machine", true, opt_machine, "[type=]NAME[,accel=A][,firmware=seabios]",
     "select the machine (-machine help lists them)"},
    {"M", true, opt_machine, NULL, NULL},
    {"accel", true, opt_accel, "NAME",
     "select an accelerator (kvm); repeat to try several"},
    {"enable-kvm", false, opt_enable_kvm, NULL, "same as -accel kvm"},
    {"cpu", true, opt_cpu, "MODEL",
     "select the CPU model (-cpu help lists them)"},
    {"m", true, opt_m, "[size=]SIZE",
     "guest RAM size, in MiB or with a suffix (default 128M)"},
    {"smp", true, opt_smp,
     "[cpus=]N[,sockets=S][,cores=C][,threads=T][,maxcpus=M]",
     "number of vCPUs and their topology"},
    {"kernel", true, opt_kernel, "FILE",
     "boot a Linux bzImage, PVH ELF or multiboot kernel directly"},
    {"initrd", true, opt_initrd, "FILE",
     "initial ram disk (multiboot: modules 'file args,file2')"},
    {"append", true, opt_append, "CMDLINE", "kernel command line"},
    {"bios", true, opt_bios, "FILE", "firmware image (default bios-256k.bin)"},
    {"L", true, opt_L, "DIR", "add DIR to the firmware search path"},
    {"boot", true, opt_boot,
     "[order=]DRIVES[,once=DRIVES][,menu=on|off][,splash-time=MS][,reboot-"
     "timeout=MS][,strict=on|off]",
     "boot order: a floppy, c hard disk, d CD-ROM, n network"},
    {"rtc", true, opt_rtc,
     "[base=utc|localtime|DATE][,clock=host|rt|vm][,driftfix=none|slew]",
     "the real-time clock's start time and source"},
    {"uuid", true, opt_uuid, "UUID", "the machine's UUID (SMBIOS and fw_cfg)"},
    {"blockdev", true, opt_blockdev,
     "driver=D,node-name=N[,file=NODE|file.driver=D,...][,read-only=on|off]"
     "[,cache.direct=..][,discard=..][,detect-zeroes=..] or {JSON}",
     "a block node (QEMU's BlockdevOptions)"},
    {"drive", true, opt_drive,
     "[file=F][,if=ide|none][,index=N][,bus=B,unit=U][,media=disk|cdrom][,"
     "format=raw][,readonly=on|off][,id=ID][,node-name=N]",
     "a disk or CD-ROM drive"},
    {"hda", true, opt_hda, "FILE",
     "IDE hard disk 0 (also the bare image argument)"},
    {"hdb", true, opt_hdb, "FILE", "IDE hard disk 1"},
    {"hdc", true, opt_hdc, "FILE", "IDE hard disk 2"},
    {"hdd", true, opt_hdd, "FILE", "IDE hard disk 3"},
    {"cdrom", true, opt_cdrom, "FILE", "IDE CD-ROM (index 2)"},
    {"serial", true, opt_serial, "DEV",
     "a COM port: stdio, null, none, file:F, pty, unix:P, tcp:H:P, mon:DEV, "
     "chardev:ID"},
    {"chardev", true, opt_chardev, "BACKEND,id=ID[,...]",
     "create a character backend (-chardev help lists them)"},
    {"netdev", true, opt_netdev,
     "user|socket|hubport,id=ID[,...] (-netdev help lists the types)",
     "a network backend for a NIC's netdev=ID"},
    {"net", true, opt_net,
     "nic[,model=M][,macaddr=MAC][,netdev=ID] | TYPE[,...] | none",
     "legacy: a NIC or a backend on hub 0"},
    {"nic", true, opt_nic, "TYPE[,model=M][,mac=MAC][,...] | none",
     "a network backend and its NIC"},
    {"audiodev", true, opt_audiodev,
     "none|wav,id=ID[,path=FILE][,timer-period=US][,out.frequency=HZ]"
     "[,out.channels=N][,out.format=s16|u8|s32|f32|...]",
     "an audio backend for a card's audiodev=ID (-audiodev help)"},
    {"audio", true, opt_audio, "[driver=]none|wav,model=sb16[,path=FILE][,...]",
     "an audio backend (id audiodev0) and the sound card playing on it"},
    {"global", true, opt_global,
     "DRIVER.PROP=VALUE or driver=D,property=P,value=V",
     "a default property value for every device of type DRIVER"},
    {"device", true, opt_device, "DRIVER[,prop=value,...]",
     "add a device (-device help, -device DRIVER,help)"},
    {"readconfig", true, opt_readconfig, "FILE",
     "read QEMU's configuration file format ([drive], [device], ...)"},
    {"writeconfig", true, opt_writeconfig, "FILE",
     "write the configuration file of this command line ('-': stdout)"},
    {"object", true, opt_object,
     "iothread,id=ID | memory-backend-ram|memory-backend-file,id=ID,size=S"
     "[,mem-path=P][,share=on|off][,prealloc=on|off]",
     "an I/O thread for devices' iothread=, or guest memory for "
     "-machine memory-backend="},
    {"debugcon", true, opt_debugcon, "DEV",
     "the 0xe9 debug console, same DEV forms as -serial"},
    {"monitor", true, opt_monitor, "DEV",
     "the human monitor (HMP) on DEV, same forms as -serial"},
    {"qmp", true, opt_qmp, "DEV",
     "a QMP monitor on DEV, same forms as -serial"},
    {"qmp-pretty", true, opt_qmp_pretty, "DEV",
     "like -qmp, with indented JSON"},
    {"mon", true, opt_mon,
     "[chardev=]ID[,mode=readline|control][,pretty=on|off]",
     "a monitor on the -chardev ID"},
    {"qtest", true, opt_qtest, "DEV",
     "serve the qtest protocol on DEV (with -accel qtest)"},
    {"qtest-log", true, opt_qtest_log, "FILE",
     "log the qtest protocol to FILE"},
    {"nographic", false, opt_nographic, NULL,
     "no display; COM1 and the monitor on stdio"},
    {"display", true, opt_display, "none|sdl[,gl=off][,grab-mod=M]|vnc=DISPLAY",
     "select the display"},
    {"vnc", true, opt_vnc, "[HOST]:N|unix:PATH|none[,password=on]",
     "a VNC server on TCP port 5900+N or a unix socket"},
    {"vga", true, opt_vga, "std|none",
     "the display adapter (std: QEMU's standard VGA, -vga help lists)"},
    {"nodefaults", false, opt_nodefaults, NULL, "create no default devices"},
    {"no-fd-bootchk", false, opt_no_fd_bootchk, NULL,
     "boot floppies without a boot signature"},
    {"no-reboot", false, opt_no_reboot, NULL, "exit instead of rebooting"},
    {"no-shutdown", false, opt_no_shutdown, NULL,
     "stop instead of exiting when the guest shuts down"},
    {"S", false, opt_S, NULL, "do not start the vCPUs at start-up"},
    {"name", true, opt_name, "[guest=]NAME", "the guest's name"},
    {"action", true, opt_action,
     "reboot=reset|shutdown,shutdown=poweroff|pause,panic=pause|shutdown|"
     "exit-failure|none,watchdog=ACTION",
     "what a guest reset, shutdown, panic or watchdog does"},
    {"watchdog-action", true, opt_watchdog_action, "ACTION",
     "same as -action watchdog=ACTION"},
    {"mem-path", true, opt_mem_path, "FILE",
     "guest RAM from FILE (or an unlinked file in directory FILE)"},
    {"mem-prealloc", false, opt_mem_prealloc, NULL,
     "allocate all of guest RAM at start"},
    {"no-user-config", false, opt_no_user_config, NULL,
     "read no user configuration files (pcvm reads none)"},
    {"msg", true, opt_msg, "timestamp=on|off[,guest-name=on|off]",
     "prefix error messages with the time (and the guest's name)"},
    {"pidfile", true, opt_pidfile, "FILE",
     "write pcvm's process id to FILE, locked while pcvm runs"},
    {"daemonize", false, opt_daemonize, NULL,
     "detach once the machine is set up (errors before that still show)"},
    {"overcommit", true, opt_overcommit, "mem-lock=on|off",
     "mem-lock=on locks all of pcvm's memory (mlockall)"},
    {"D", true, opt_D, "FILE", "write the -d log to FILE"},
    {"d", true, opt_d, "ITEM,...",
     "enable logging of the items (-d help lists them)"},
};

void vm_config_print_usage(FILE *out)
{
    fprintf(out, "usage: pcvm [options]\n\nOptions:\n");
    for (size_t i = 0; i < G_N_ELEMENTS(options); i++) {
        const OptionDef *o = &options[i];
        g_autofree char *left = NULL;

        if (!o->help) {
            continue;
        }
        left = g_strdup_printf("-%s%s%s", o->name, o->arg_help ? " " : "",
                               o->arg_help ? o->arg_help : "");
        if (strlen(left) > 30) {
            fprintf(out, "  %s\n  %-30s %s\n", left, "", o->help);
        } else {
            fprintf(out, "  %-30s %s\n", left, o->help);
        }
    }
    fprintf(out, "\nDuring -nographic emulation, Ctrl-A h shows the "
                 "console escape keys.\n");
}

static void monitor_config_free(gpointer data)
{
    MonitorConfig *mon = data;

    g_free(mon->chardev);
    g_free(mon);
}

void vm_config_init(VMConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->ram_size = DEFAULT_RAM_SIZE;
    cfg->smp_cpus = cfg->smp_sockets = cfg->smp_cores = cfg->smp_threads = 1;
    cfg->smp_maxcpus = 1;
    cfg->accels = g_ptr_array_new_with_free_func(g_free);
    cfg->firmware_dirs = g_ptr_array_new_with_free_func(g_free);
    cfg->serials = g_ptr_array_new_with_free_func(g_free);
    cfg->chardevs = g_ptr_array_new_with_free_func(g_free);
    cfg->devices = g_ptr_array_new_with_free_func(g_free);
    cfg->objects = g_ptr_array_new_with_free_func(g_free);
    cfg->config_options = g_ptr_array_new_with_free_func(g_free);
    cfg->object_ids = g_ptr_array_new_with_free_func(g_free);
    cfg->monitors = g_ptr_array_new_with_free_func(monitor_config_free);
    cfg->drives =
        g_ptr_array_new_with_free_func((GDestroyNotify)drive_config_free);
    cfg->blockdevs = g_ptr_array_new_with_free_func(g_free);
    cfg->audiodevs = g_ptr_array_new_with_free_func(g_free);
    cfg->netdevs = g_ptr_array_new_with_free_func(g_free);
    cfg->nets = g_ptr_array_new_with_free_func(g_free);
    cfg->nics = g_ptr_array_new_with_free_func(g_free);
    cfg->default_monitor = true;
    cfg->cpu_model = g_strdup("qemu64");
    cfg->machine_type = g_strdup("pc");
    cfg->boot_splash_time = -1;
    cfg->boot_reboot_timeout = -1;
}

void vm_config_clear(VMConfig *cfg)
{
    g_ptr_array_unref(cfg->accels);
    g_ptr_array_unref(cfg->firmware_dirs);
    g_ptr_array_unref(cfg->serials);
    g_ptr_array_unref(cfg->chardevs);
    g_ptr_array_unref(cfg->devices);
    g_ptr_array_unref(cfg->objects);
    g_ptr_array_unref(cfg->config_options);
    g_free(cfg->writeconfig);
    g_ptr_array_unref(cfg->object_ids);
    g_ptr_array_unref(cfg->monitors);
    g_ptr_array_unref(cfg->drives);
    g_ptr_array_unref(cfg->blockdevs);
    g_ptr_array_unref(cfg->audiodevs);
    g_ptr_array_unref(cfg->netdevs);
    g_ptr_array_unref(cfg->nets);
    g_ptr_array_unref(cfg->nics);
    g_free(cfg->pidfile);
    g_free(cfg->memory_backend);
    g_free(cfg->mem_path);
    g_free(cfg->qtest);
    g_free(cfg->qtest_log);
    g_free(cfg->help_target);
    g_free(cfg->machine_type);
    g_free(cfg->cpu_model);
    g_free(cfg->kernel);
    g_free(cfg->initrd);
    g_free(cfg->append);
    g_free(cfg->bios);
    g_free(cfg->name);
    g_free(cfg->debugcon);
    g_free(cfg->log_file);
    g_free(cfg->display);
    g_free(cfg->display_opts);
    g_free(cfg->vnc);
    g_free(cfg->vga);
    g_free(cfg->boot_order);
    g_free(cfg->boot_once);
    g_free(cfg->rtc_base);
    g_free(cfg->rtc_clock);
    memset(cfg, 0, sizeof(*cfg));
}

static const OptionDef *option_find(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(options); i++) {
        if (!strcmp(options[i].name, name)) {
            return &options[i];
        }
    }
    return NULL;
}

/* What the command line means as a whole, checked once it is all read. */
static bool vm_config_check(VMConfig *cfg, GError **errp)
{
    const MachineClass *mc = machine_class_find(cfg->machine_type);

    if (cfg->accel_option && cfg->accel_machine) {
        return error_setg(errp, "The -accel and \"-machine accel=\" options "
                                "are incompatible");
    }
    if (mc && cfg->smp_maxcpus > mc->max_cpus) {
        return error_setg(errp,
                          "-smp %u: Invalid SMP CPUs %u. The max CPUs "
                          "supported by machine '%s' is %u",
                          cfg->smp_cpus, cfg->smp_maxcpus, mc->name,
                          mc->max_cpus);
    }
    if (!cfg->kernel && cfg->append) {
        return error_setg(errp, "-append: only allowed with -kernel");
    }
    if (!cfg->kernel && cfg->initrd) {
        return error_setg(errp, "-initrd: only allowed with -kernel");
    }
    if (cfg->kernel && access(cfg->kernel, R_OK) < 0) {
        return error_setg(errp, "-kernel %s: %s", cfg->kernel,
                          g_strerror(errno));
    }
    /* A multiboot module list ("a args,b") is checked by its loader. */
    if (cfg->initrd && !strpbrk(cfg->initrd, ", ") &&
        access(cfg->initrd, R_OK) < 0) {
        return error_setg(errp, "-initrd %s: %s", cfg->initrd,
                          g_strerror(errno));
    }
    if (cfg->bios && strchr(cfg->bios, '/') && access(cfg->bios, R_OK) < 0) {
        return error_setg(errp, "-bios %s: %s", cfg->bios, g_strerror(errno));
    }
    for (unsigned i = 0; i < cfg->drives->len; i++) {
        DriveConfig *d = g_ptr_array_index(cfg->drives, i);

        if (d->file && access(d->file, d->read_only ? R_OK : R_OK | W_OK)) {
            return error_setg(errp, "%s: Could not open '%s': %s", d->spec,
                              d->file, g_strerror(errno));
        }
    }
    return true;
}

bool vm_config_parse(VMConfig *cfg, int argc, char **argv, GError **errp)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *name;
        const OptionDef *o;

        if (arg[0] != '-' || !arg[1]) {
            /* QEMU's positional argument is the first hard disk image. */
            if (!drive_add_legacy(cfg, NULL, arg, 0, MEDIA_DISK, errp)) {
                error_prefix(errp, "%s", arg);
                return false;
            }
            continue;
        }
        name = arg + 1 + (arg[1] == '-');
        o = option_find(name);
        if (!o) {
            return error_setg(errp, "%s: invalid option", arg);
        }
        if (o->has_arg && i + 1 >= argc) {
            return error_setg(errp, "%s: requires an argument", arg);
        }
        if (!o->handler(cfg, o->has_arg ? argv[i + 1] : NULL, errp)) {
            if (o->has_arg) {
                error_prefix(errp, "%s %s", arg, argv[i + 1]);
            } else {
                error_prefix(errp, "%s", arg);
            }
            return false;
        }
        if (o->has_arg) {
            config_record(cfg, o->name, argv[i + 1]);
            i++;
        }
        if (cfg->action != VM_ACTION_RUN) {
            return true;
        }
    }
    if (cfg->writeconfig && !config_write(cfg, errp)) {
        return false;
    }
    return vm_config_check(cfg, errp);
}
