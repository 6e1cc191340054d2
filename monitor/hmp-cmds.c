/*
 * The HMP commands: run control (stop, cont, system_reset,
 * system_powerdown, quit), guest memory and I/O ports (x, xp, memsave,
 * pmemsave, gva2gpa, i, o, print), the default CPU, and "info" with its
 * sub-commands. Output follows QEMU 7.2's wording and layout so scripts
 * written against QEMU's monitor read it the same way.
 *
 * Left out: "x /i" (no disassembler), and every command for features pcvm does
 * not have (block, net, migration, snapshots, device_add).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/audio.h"
#include "block/drive.h"
#include "config-host.h"
#include "chardev/char.h"
#include "hw/core/device.h"
#include "hw/core/machine.h"
#include "hw/display/screendump.h"
#include "hw/pci/pci.h"
#include "monitor/hmp.h"
#include "net/netdev.h"
#include "qom/object.h"
#include "accel/accel.h"
#include "system/memory.h"
#include "system/runstate.h"
#include "qom/user-object.h"
#include "ui/input.h"
#include "ui/vnc.h"

/* ---- vCPU state ---------------------------------------------------------- */

void hmp_cpu_synchronize(X86CPU *cpu)
{
    const AccelOps *ops = accel_current();
    bool running = runstate_is_running();

    /*
     * state_dirty: env was written (reset, boot entry) and not yet loaded
     * into the vCPU, so env is the truth and the vCPU holds stale values.
     */
    if (!ops || !ops->vcpu_sync_state || cpu->state_dirty) {
        return;
    }
    if (running && ops->vcpus_pause) {
        ops->vcpus_pause();
    }
    ops->vcpu_sync_state(cpu);
    if (running && ops->vcpus_resume) {
        ops->vcpus_resume();
    }
}

/* ---- run control --------------------------------------------------------- */

static void hmp_stop(Monitor *mon, const HMPArgs *args)
{
    vm_stop(RUN_STATE_PAUSED);
}

static void hmp_cont(Monitor *mon, const HMPArgs *args)
{
    RunState state = runstate_get();

    if (state == RUN_STATE_SHUTDOWN || state == RUN_STATE_INTERNAL_ERROR) {
        monitor_printf(mon, "Error: Resetting the Virtual Machine is "
                            "required\n");
        return;
    }
    vm_start();
}

static void hmp_system_reset(Monitor *mon, const HMPArgs *args)
{
    system_reset_request(RESET_CAUSE_HOST);
}

static void hmp_system_powerdown(Monitor *mon, const HMPArgs *args)
{
    system_powerdown_request();
}

static void hmp_quit(Monitor *mon, const HMPArgs *args)
{
    system_shutdown_request(SHUTDOWN_CAUSE_HOST_QMP_QUIT);
}

static void hmp_cpu(Monitor *mon, const HMPArgs *args)
{
    if (!hmp_set_current_cpu(mon, hmp_args_get_int(args, "index", 0))) {
        monitor_printf(mon, "invalid CPU index\n");
    }
}

static void hmp_help(Monitor *mon, const HMPArgs *args)
{
    hmp_help_print(mon, hmp_args_get_str(args, "name"));
}

/* ---- guest memory -------------------------------------------------------- */

/*
 * Reads guest memory at a physical address, or at a linear one translated
 * through cpu's page tables (page by page). Unmapped physical space reads
 * as all ones, as on the bus; false when a linear page is not mapped.
 */
static bool guest_memory_read(X86CPU *cpu, uint64_t addr, uint8_t *buf,
                              size_t len)
{
    while (len) {
        size_t chunk = MIN(len, 0x1000 - (addr & 0xfff));
        uint64_t physical = addr;

        if (cpu &&
            !x86_cpu_translate(cpu, &address_space_memory, addr, &physical)) {
            return false;
        }
        address_space_read(&address_space_memory, physical, buf, chunk);
        addr += chunk;
        buf += chunk;
        len -= chunk;
    }
    return true;
}

static void print_char(Monitor *mon, int c)
{
    switch (c) {
    case '\'':
        monitor_puts(mon, "'\\''");
        break;
    case '\\':
        monitor_puts(mon, "'\\\\'");
        break;
    case '\n':
        monitor_puts(mon, "'\\n'");
        break;
    case '\r':
        monitor_puts(mon, "'\\r'");
        break;
    default:
        if (c >= 32 && c <= 126) {
            monitor_printf(mon, "'%c'", c);
        } else {
            monitor_printf(mon, "'\\x%02x'", c);
        }
        break;
    }
}

/*
 * QEMU's dump layout: "ADDRESS:" (16 hex digits) then the units of one
 * line, 16 bytes a line (8 for byte units); each unit in its format, padded
 * to the width of the largest value of its size.
 */
static void memory_dump(Monitor *mon, int count, int format, int size,
                        uint64_t addr, bool physical)
{
    X86CPU *cpu = hmp_current_cpu(mon);
    int64_t len = (int64_t)size * count;
    int line_size = size == 1 ? 8 : 16;
    int digits = 0;

    if (!cpu && !physical) {
        monitor_printf(mon, "Can not dump without CPU\n");
        return;
    }
    if (format == 'i') {
        monitor_printf(mon, "format 'i' is not supported: pcvm has no "
                            "disassembler\n");
        return;
    }
    if (!physical) {
        hmp_cpu_synchronize(cpu);
    }
    switch (format) {
    case 'o':
        digits = (size * 8 + 2) / 3;
        break;
    case 'u':
    case 'd':
        digits = (size * 8 * 10 + 32) / 33;
        break;
    case 'c':
        size = 1; /* as QEMU: the count still counts units of the size */
        break;
    default:
        digits = size * 2;
        break;
    }
    while (len > 0) {
        int n = MIN(len, (int64_t)line_size);
        uint8_t buf[16];

        monitor_printf(mon, "%016" PRIx64 ":", addr);
        if (!guest_memory_read(physical ? NULL : cpu, addr, buf, n)) {
            monitor_printf(mon, " Cannot access memory\n");
            return;
        }
        for (int i = 0; i < n; i += size) {
            uint64_t v = 0;

            for (int b = MIN(size, n - i) - 1; b >= 0; b--) {
                v = v << 8 | buf[i + b];
            }
            monitor_puts(mon, " ");
            switch (format) {
            case 'o':
                monitor_printf(mon, "%#*" PRIo64, digits, v);
                break;
            case 'u':
                monitor_printf(mon, "%*" PRIu64, digits, v);
                break;
            case 'd': {
                int shift = 64 - size * 8;
                int64_t sv = (int64_t)(v << shift) >> shift;

                monitor_printf(mon, "%*" PRId64, digits, sv);
                break;
            }
            case 'c':
                print_char(mon, (int)v);
                break;
            default:
                monitor_printf(mon, "0x%0*" PRIx64, digits, v);
                break;
            }
        }
        monitor_puts(mon, "\n");
        addr += n;
        len -= n;
    }
}

static void hmp_memory_dump(Monitor *mon, const HMPArgs *args)
{
    memory_dump(mon, hmp_args_get_int(args, "count", 1),
                hmp_args_get_int(args, "format", 'x'),
                hmp_args_get_int(args, "size", 4),
                hmp_args_get_int(args, "addr", 0), false);
}

static void hmp_physical_memory_dump(Monitor *mon, const HMPArgs *args)
{
    memory_dump(mon, hmp_args_get_int(args, "count", 1),
                hmp_args_get_int(args, "format", 'x'),
                hmp_args_get_int(args, "size", 4),
                hmp_args_get_int(args, "addr", 0), true);
}

static void memory_save(Monitor *mon, const HMPArgs *args, bool physical)
{
    uint64_t addr = hmp_args_get_int(args, "val", 0);
    int64_t size = hmp_args_get_int(args, "size", 0);
    const char *filename = hmp_args_get_str(args, "filename");
    X86CPU *cpu = physical ? NULL : hmp_current_cpu(mon);
    uint8_t buf[4096];
    int fd;

    if (!physical && !cpu) {
        monitor_printf(mon, "Error: No CPU available\n");
        return;
    }
    if (cpu) {
        hmp_cpu_synchronize(cpu);
    }
    fd = open(filename, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        monitor_printf(mon, "Error: Could not open '%s': %s\n", filename,
                       g_strerror(errno));
        return;
    }
    for (int64_t done = 0; done < size;) {
        size_t n = MIN((uint64_t)(size - done), sizeof(buf));

        if (!guest_memory_read(cpu, addr + done, buf, n)) {
            monitor_printf(mon,
                           "Error: Invalid addr 0x%016" PRIx64 "/size %" PRId64
                           " specified\n",
                           addr, size);
            break;
        }
        if (write(fd, buf, n) != (ssize_t)n) {
            monitor_printf(mon, "Error: writing memory to '%s' failed\n",
                           filename);
            break;
        }
        done += n;
    }
    close(fd);
}

static void hmp_device_del(Monitor *mon, const HMPArgs *args)
{
    g_autoptr(GError) err = NULL;

    if (!monitor_device_del(hmp_args_get_str(args, "id"), &err)) {
        monitor_printf(mon, "Error: %s\n", err->message);
    }
}

static void hmp_x_save_devices(Monitor *mon, const HMPArgs *args)
{
    g_autoptr(GError) err = NULL;

    if (!monitor_devices_save(hmp_args_get_str(args, "filename"), &err)) {
        monitor_printf(mon, "Error: %s\n", err->message);
    }
}

static void hmp_x_load_devices(Monitor *mon, const HMPArgs *args)
{
    g_autoptr(GError) err = NULL;

    if (!monitor_devices_load(hmp_args_get_str(args, "filename"), &err)) {
        monitor_printf(mon, "Error: %s\n", err->message);
    }
}

static void hmp_memsave(Monitor *mon, const HMPArgs *args)
{
    memory_save(mon, args, false);
}

static void hmp_pmemsave(Monitor *mon, const HMPArgs *args)
{
    memory_save(mon, args, true);
}

static void hmp_gva2gpa(Monitor *mon, const HMPArgs *args)
{
    X86CPU *cpu = hmp_current_cpu(mon);
    uint64_t physical;

    if (!cpu) {
        monitor_printf(mon, "No cpu\n");
        return;
    }
    hmp_cpu_synchronize(cpu);
    if (!x86_cpu_translate(cpu, &address_space_memory,
                           hmp_args_get_int(args, "addr", 0), &physical)) {
        monitor_printf(mon, "Unmapped\n");
        return;
    }
    monitor_printf(mon, "gpa: %#" PRIx64 "\n", physical);
}

static void hmp_print(Monitor *mon, const HMPArgs *args)
{
    int64_t v = hmp_args_get_int(args, "val", 0);

    switch (hmp_args_get_int(args, "format", 'x')) {
    case 'o':
        monitor_printf(mon, "%#" PRIo64, (uint64_t)v);
        break;
    case 'x':
        monitor_printf(mon, "%#" PRIx64, (uint64_t)v);
        break;
    case 'u':
        monitor_printf(mon, "%" PRIu64, (uint64_t)v);
        break;
    case 'c':
        print_char(mon, (int)(v & 0xff));
        break;
    default:
        monitor_printf(mon, "%" PRId64, v);
        break;
    }
    monitor_puts(mon, "\n");
}

/* ---- I/O ports ----------------------------------------------------------- */

static unsigned ioport_size(const HMPArgs *args, char *suffix)
{
    switch (hmp_args_get_int(args, "size", 1)) {
    case 2:
        *suffix = 'w';
        return 2;
    case 4:
    case 8:
        *suffix = 'l';
        return 4;
    default:
        *suffix = 'b';
        return 1;
    }
}

static void hmp_ioport_read(Monitor *mon, const HMPArgs *args)
{
    uint16_t port = hmp_args_get_int(args, "addr", 0);
    char suffix;
    unsigned size = ioport_size(args, &suffix);
    uint64_t value = 0;

    address_space_ld(&address_space_io, port, size, &value);
    monitor_printf(mon, "port%c[0x%04x] = 0x%0*" PRIx64 "\n", suffix, port,
                   (int)size * 2, value);
}

static void hmp_ioport_write(Monitor *mon, const HMPArgs *args)
{
    uint16_t port = hmp_args_get_int(args, "addr", 0);
    char suffix;
    unsigned size = ioport_size(args, &suffix);
    uint64_t value = hmp_args_get_int(args, "val", 0);

    address_space_st(&address_space_io, port, size,
                     value & (size == 4 ? 0xffffffffu : (1u << size * 8) - 1));
}

/* ---- display ------------------------------------------------------------- */

/* "screendump FILE [-f ppm|png] [device [head]]", QEMU's argument order. */
static void hmp_screendump(Monitor *mon, const HMPArgs *args)
{
    const char *format = hmp_args_get_str(args, "format");
    ImageFormat fmt = IMAGE_FORMAT_PPM;
    g_autoptr(GError) err = NULL;

    if (format && !strcmp(format, "png")) {
        fmt = IMAGE_FORMAT_PNG;
    } else if (format && strcmp(format, "ppm")) {
        monitor_printf(mon, "Error: invalid parameter value: %s\n", format);
        return;
    }
    if (!screendump(hmp_args_get_str(args, "filename"),
                    hmp_args_get_str(args, "device"),
                    hmp_args_has(args, "head"),
                    hmp_args_get_int(args, "head", 0), fmt, &err)) {
        monitor_printf(mon, "Error: %s\n", err->message);
    }
}

/* ---- keyboard ------------------------------------------------------------ */

/*
 * "sendkey ctrl-alt-delete [hold_ms]": QKeyCode names (or 0xNN key
 * numbers, or "<" for "less") joined by '-', pressed in order and released
 * in reverse order hold_ms (default 100) later.
 */
static void hmp_sendkey(Monitor *mon, const HMPArgs *args)
{
    g_auto(GStrv) names = g_strsplit(hmp_args_get_str(args, "keys"), "-", -1);
    int64_t hold = hmp_args_get_int(args, "hold-time", 100);
    g_autofree QKeyCode *keys = g_new0(QKeyCode, g_strv_length(names) + 1);
    unsigned n = 0;

    for (unsigned i = 0; names[i]; i++) {
        const char *name = names[i];
        int qcode;

        if (g_str_has_prefix(name, "0x")) {
            char *end;
            unsigned long number = strtoul(name, &end, 16);

            if (*end || end == name + 2) {
                monitor_printf(mon, "invalid parameter: %s\n", name);
                return;
            }
            keys[n++] = qkeycode_from_number(number > 0xff ? -1 : number);
            continue;
        }
        qcode = qkeycode_from_name(strcmp(name, "<") ? name : "less");
        if (qcode < 0) {
            monitor_printf(mon, "invalid parameter: %s\n", name);
            return;
        }
        keys[n++] = qcode;
    }
    input_send_keys(keys, n, hold < 0 ? 0 : hold);
}

/*
 * "mouse_move dx dy [dz]": relative motion and, for dz, a wheel notch in
 * the same frame (dz > 0 is wheel up), as QEMU does.
 */
static void hmp_mouse_move(Monitor *mon, const HMPArgs *args)
{
    const char *dz_str = hmp_args_get_str(args, "dz_str");
    long dz = dz_str ? strtol(dz_str, NULL, 0) : 0;

    input_event_send_rel(INPUT_AXIS_X,
                         strtol(hmp_args_get_str(args, "dx_str"), NULL, 0));
    input_event_send_rel(INPUT_AXIS_Y,
                         strtol(hmp_args_get_str(args, "dy_str"), NULL, 0));
    if (dz) {
        InputButton wheel =
            dz > 0 ? INPUT_BUTTON_WHEEL_UP : INPUT_BUTTON_WHEEL_DOWN;

        input_event_send_button(wheel, true);
        input_event_sync();
        input_event_send_button(wheel, false);
    }
    input_event_sync();
}

/* "mouse_button state": bit 0 left, bit 1 right, bit 2 middle. */
static void hmp_mouse_button(Monitor *mon, const HMPArgs *args)
{
    static const struct {
        InputButton button;
        unsigned bit;
    } map[] = {{INPUT_BUTTON_LEFT, 0x01},
               {INPUT_BUTTON_RIGHT, 0x02},
               {INPUT_BUTTON_MIDDLE, 0x04},
               {INPUT_BUTTON_WHEEL_UP, 0x08},
               {INPUT_BUTTON_WHEEL_DOWN, 0x10}};
    unsigned state = hmp_args_get_int(args, "button_state", 0);

    for (unsigned i = 0; i < G_N_ELEMENTS(map); i++) {
        input_event_send_button(map[i].button, state & map[i].bit);
    }
    input_event_sync();
}

/* ---- info ---------------------------------------------------------------- */

static void hmp_info_help(Monitor *mon, const HMPArgs *args)
{
    hmp_help_print(mon, "info");
}

/* Runs query-X for "info X"; prints the error and returns NULL if it fails. */
static JsonNode *hmp_query(Monitor *mon, const char *name)
{
    g_autoptr(GError) err = NULL;
    JsonNode *ret = monitor_run_query(mon, name, &err);

    if (!ret) {
        monitor_printf(mon, "Error: %s\n", err->message);
    }
    return ret;
}

static void hmp_info_version(Monitor *mon, const HMPArgs *args)
{
    /* QEMU prints its version and package; pcvm names itself as the latter. */
    monitor_printf(mon, "7.2.0 (pcvm %s)\n", PCVM_VERSION);
}

static void hmp_info_status(Monitor *mon, const HMPArgs *args)
{
    g_autoptr(JsonNode) ret = hmp_query(mon, "query-status");
    JsonObject *info;
    const char *status;

    if (!ret) {
        return;
    }
    info = json_node_get_object(ret);
    status = json_object_get_string_member(info, "status");
    monitor_printf(mon, "VM status: %s",
                   json_object_get_boolean_member(info, "running") ? "running"
                                                                   : "paused");
    if (!json_object_get_boolean_member(info, "running") &&
        strcmp(status, "paused")) {
        monitor_printf(mon, " (%s)", status);
    }
    monitor_puts(mon, "\n");
}

static void dump_cpu_registers(Monitor *mon, X86CPU *cpu)
{
    g_autoptr(GString) out = g_string_new(NULL);

    hmp_cpu_synchronize(cpu);
    x86_cpu_dump_state(cpu, out);
    monitor_printf(mon, "\nCPU#%d\n", cpu->index);
    monitor_puts(mon, out->str);
}

static void hmp_info_registers(Monitor *mon, const HMPArgs *args)
{
    MachineState *ms = current_machine_get();
    int64_t vcpu = hmp_args_get_int(args, "vcpu", -1);
    X86CPU *cpu;

    if (hmp_args_get_bool(args, "cpustate_all")) {
        for (unsigned i = 0; ms && ms->cpus && i < ms->smp_cpus; i++) {
            dump_cpu_registers(mon, ms->cpus[i]);
        }
        return;
    }
    if (vcpu >= 0) {
        cpu = ms && ms->cpus && vcpu < ms->smp_cpus ? ms->cpus[vcpu] : NULL;
        if (!cpu) {
            monitor_printf(mon, "CPU#%" PRId64 " not available\n", vcpu);
            return;
        }
    } else {
        cpu = hmp_current_cpu(mon);
        if (!cpu) {
            monitor_printf(mon, "No CPU available\n");
            return;
        }
    }
    dump_cpu_registers(mon, cpu);
}

static void hmp_info_cpus(Monitor *mon, const HMPArgs *args)
{
    g_autoptr(JsonNode) ret = hmp_query(mon, "query-cpus-fast");
    X86CPU *current = hmp_current_cpu(mon);
    JsonArray *cpus;

    if (!ret) {
        return;
    }
    cpus = json_node_get_array(ret);
    for (unsigned i = 0; i < json_array_get_length(cpus); i++) {
        JsonObject *cpu = json_array_get_object_element(cpus, i);
        int64_t index = json_object_get_int_member(cpu, "cpu-index");

        monitor_printf(mon, "%c CPU #%" PRId64 ": thread_id=%" PRId64 "\n",
                       current && current->index == index ? '*' : ' ', index,
                       json_object_get_int_member(cpu, "thread-id"));
    }
}

static void hmp_info_history(Monitor *mon, const HMPArgs *args)
{
    const char *line;

    for (unsigned i = 0; (line = hmp_history_get(mon, i)); i++) {
        monitor_printf(mon, "%d: '%s'\n", i, line);
    }
}

static void hmp_info_qtree(Monitor *mon, const HMPArgs *args)
{
    MachineState *ms = current_machine_get();
    g_autoptr(GString) out = g_string_new(NULL);

    if (ms && ms->main_bus) {
        bus_print_tree(ms->main_bus, out, 0);
    }
    monitor_puts(mon, out->str);
}

static void print_indented(Monitor *mon, const char *text, int indent)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

    for (unsigned i = 0; lines[i]; i++) {
        if (*lines[i]) {
            monitor_printf(mon, "%*s%s\n", indent, "", lines[i]);
        }
    }
}

static void hmp_info_mtree(Monitor *mon, const HMPArgs *args)
{
    AddressSpace *spaces[] = {&address_space_memory, &address_space_io};

    for (unsigned i = 0; i < G_N_ELEMENTS(spaces); i++) {
        AddressSpace *as = spaces[i];
        g_autoptr(GString) out = g_string_new(NULL);

        if (!as->root) {
            continue;
        }
        if (hmp_args_get_bool(args, "flatview")) {
            address_space_dump_flat(as, out);
            monitor_puts(mon, out->str);
        } else {
            memory_region_dump_tree(as->root, out);
            monitor_printf(mon, "address-space: %s\n", as->name);
            print_indented(mon, out->str, 2);
        }
        monitor_puts(mon, "\n");
    }
}

static int64_t member_int(JsonObject *o, const char *name)
{
    return json_object_has_member(o, name) ? json_object_get_int_member(o, name)
                                           : 0;
}

/* QEMU's layout, one block per function, from query-pci's result. */
static void hmp_info_pci(Monitor *mon, const HMPArgs *args)
{
    g_autoptr(JsonNode) ret = hmp_query(mon, "query-pci");
    JsonArray *buses;

    if (!ret) {
        return;
    }
    buses = json_node_get_array(ret);
    for (unsigned b = 0; b < json_array_get_length(buses); b++) {
        JsonObject *bus = json_array_get_object_element(buses, b);
        JsonArray *devs = json_object_get_array_member(bus, "devices");

        for (unsigned i = 0; i < json_array_get_length(devs); i++) {
            JsonObject *d = json_array_get_object_element(devs, i);
            JsonObject *klass = json_object_get_object_member(d, "class_info");
            JsonObject *id = json_object_get_object_member(d, "id");
            JsonArray *regions = json_object_get_array_member(d, "regions");
            int64_t pin = member_int(d, "irq_pin");

            monitor_printf(mon, "  Bus %2d, device %3d, function %d:\n",
                           (int)member_int(d, "bus"),
                           (int)member_int(d, "slot"),
                           (int)member_int(d, "function"));
            if (json_object_has_member(klass, "desc")) {
                monitor_printf(mon, "    %s",
                               json_object_get_string_member(klass, "desc"));
            } else {
                monitor_printf(mon, "    Class %04x",
                               (unsigned)member_int(klass, "class"));
            }
            monitor_printf(mon, ": PCI device %04x:%04x\n",
                           (unsigned)member_int(id, "vendor"),
                           (unsigned)member_int(id, "device"));
            monitor_printf(mon, "      PCI subsystem %04x:%04x\n",
                           (unsigned)member_int(id, "subsystem-vendor"),
                           (unsigned)member_int(id, "subsystem"));
            if (pin) {
                monitor_printf(mon, "      IRQ %d, pin %c\n",
                               (int)member_int(d, "irq"),
                               (char)('A' + pin - 1));
            }
            for (unsigned r = 0; r < json_array_get_length(regions); r++) {
                JsonObject *reg = json_array_get_object_element(regions, r);
                uint64_t addr = member_int(reg, "address");
                uint64_t last = addr + member_int(reg, "size") - 1;
                int bar = member_int(reg, "bar");

                if (!strcmp(json_object_get_string_member(reg, "type"), "io")) {
                    monitor_printf(mon,
                                   "      BAR%d: I/O at 0x%04" PRIx64
                                   " [0x%04" PRIx64 "].\n",
                                   bar, addr, last);
                } else {
                    bool prefetch =
                        json_object_get_boolean_member(reg, "prefetch");

                    monitor_printf(
                        mon,
                        "      BAR%d: %d bit%s memory at 0x%08" PRIx64
                        " [0x%08" PRIx64 "].\n",
                        bar,
                        json_object_get_boolean_member(reg, "mem_type_64") ? 64
                                                                           : 32,
                        prefetch ? " prefetchable" : "", addr, last);
                }
            }
            monitor_printf(mon, "      id \"%s\"\n",
                           json_object_get_string_member(d, "qdev_id"));
        }
    }
}

/*
 * QEMU's layout, from query-block's result: the drive, its medium, the
 * device using it, the cache.
 */
static void hmp_info_block(Monitor *mon, const HMPArgs *args)
{
    g_autoptr(JsonNode) ret = hmp_query(mon, "query-block");
    JsonArray *list;

    if (!ret) {
        return;
    }
    list = json_node_get_array(ret);
    for (unsigned i = 0; i < json_array_get_length(list); i++) {
        JsonObject *b = json_array_get_object_element(list, i);
        const char *dev = json_object_get_string_member(b, "device");
        JsonObject *in = json_object_has_member(b, "inserted")
                             ? json_object_get_object_member(b, "inserted")
                             : NULL;

        if (i) {
            monitor_puts(mon, "\n");
        }
        if (in) {
            monitor_printf(
                mon, "%s: %s (%s%s)\n", dev,
                json_object_get_string_member(in, "file"),
                json_object_get_string_member(in, "drv"),
                json_object_get_boolean_member(in, "ro") ? ", read-only" : "");
        } else {
            monitor_printf(mon, "%s: [not inserted]\n", dev);
        }
        if (json_object_has_member(b, "qdev")) {
            monitor_printf(mon, "    Attached to:      %s\n",
                           json_object_get_string_member(b, "qdev"));
        }
        if (json_object_get_boolean_member(b, "removable")) {
            monitor_printf(
                mon, "    Removable device: %slocked, tray %s\n",
                json_object_get_boolean_member(b, "locked") ? "" : "not ",
                json_object_get_boolean_member(b, "tray_open") ? "open"
                                                               : "closed");
        }
        if (in) {
            JsonObject *cache = json_object_get_object_member(in, "cache");

            monitor_printf(mon, "    Cache mode:       %s%s\n",
                           json_object_get_boolean_member(cache, "writeback")
                               ? "writeback"
                               : "writethrough",
                           json_object_get_boolean_member(cache, "direct")
                               ? ", direct"
                               : "");
        }
    }
}

static void hmp_info_network(Monitor *mon, const HMPArgs *args)
{
    g_autoptr(GString) out = g_string_new(NULL);

    net_info_network(out);
    monitor_puts(mon, out->str);
}

static void hmp_netdev_add(Monitor *mon, const HMPArgs *args)
{
    g_autoptr(GError) err = NULL;

    if (!netdev_add(hmp_args_get_str(args, "netdev"), &err)) {
        monitor_printf(mon, "Error: %s\n", err->message);
    }
}

static void hmp_object_add(Monitor *mon, const HMPArgs *args)
{
    g_autoptr(GError) err = NULL;

    if (!user_object_create_from_option(hmp_args_get_str(args, "object"),
                                        &err)) {
        monitor_printf(mon, "Error: %s\n", err->message);
    }
}

static void hmp_object_del(Monitor *mon, const HMPArgs *args)
{
    g_autoptr(GError) err = NULL;

    if (!user_object_delete(hmp_args_get_str(args, "id"), &err)) {
        monitor_printf(mon, "Error: %s\n", err->message);
    }
}

static void hmp_netdev_del(Monitor *mon, const HMPArgs *args)
{
    g_autoptr(GError) err = NULL;

    if (!netdev_del(hmp_args_get_str(args, "id"), &err)) {
        monitor_printf(mon, "Error: %s\n", err->message);
    }
}

static void hmp_set_link(Monitor *mon, const HMPArgs *args)
{
    g_autoptr(GError) err = NULL;

    if (!net_set_link(hmp_args_get_str(args, "name"),
                      hmp_args_get_bool(args, "up"), &err)) {
        monitor_printf(mon, "Error: %s\n", err->message);
    }
}

/* wavcapture path audiodev [frequency [bits [channels]]] (QEMU 7.2) */
static void hmp_wavcapture(Monitor *mon, const HMPArgs *args)
{
    g_autoptr(GError) err = NULL;
    const char *id = hmp_args_get_str(args, "audiodev");
    AudioBackend *be = audio_backend_find(id);

    if (!be) {
        monitor_printf(mon, "Audiodev '%s' not found\n", id);
        return;
    }
    if (audio_capture_start(be, hmp_args_get_str(args, "path"),
                            hmp_args_get_int(args, "freq", 44100),
                            hmp_args_get_int(args, "bits", 16),
                            hmp_args_get_int(args, "nchannels", 2), &err) < 0) {
        monitor_printf(mon, "Failed to add wave capture: %s\n", err->message);
    }
}

static void hmp_stopcapture(Monitor *mon, const HMPArgs *args)
{
    audio_capture_stop(hmp_args_get_int(args, "n", 0));
}

static void hmp_info_capture(Monitor *mon, const HMPArgs *args)
{
    g_autoptr(GString) out = g_string_new(NULL);

    audio_capture_info(out);
    monitor_puts(mon, out->str);
}

static void hmp_info_chardev(Monitor *mon, const HMPArgs *args)
{
    GPtrArray *list = chardev_list();

    for (unsigned i = 0; i < list->len; i++) {
        Chardev *chr = g_ptr_array_index(list, i);

        monitor_printf(mon, "%s: filename=%s\n", chr->id,
                       chr->filename ? chr->filename : "");
    }
}

static void hmp_info_qom_tree(Monitor *mon, const HMPArgs *args)
{
    const char *path = hmp_args_get_str(args, "path");
    g_autoptr(GString) out = g_string_new(NULL);
    bool ambiguous = false;
    Object *obj;

    path = path ? path : "/machine";
    obj = object_resolve_path(path, &ambiguous);
    if (!obj) {
        monitor_printf(mon,
                       ambiguous ? "Warning: Path '%s' is ambiguous\n"
                                 : "Path '%s' could not be resolved.\n",
                       path);
        return;
    }
    object_print_tree(obj, out);
    monitor_puts(mon, out->str);
}

static void hmp_info_kvm(Monitor *mon, const HMPArgs *args)
{
    g_autoptr(JsonNode) ret = hmp_query(mon, "query-kvm");
    JsonObject *info;

    if (!ret) {
        return;
    }
    info = json_node_get_object(ret);
    if (json_object_get_boolean_member(info, "present")) {
        monitor_printf(mon, "kvm support: %s\n",
                       json_object_get_boolean_member(info, "enabled")
                           ? "enabled"
                           : "disabled");
    } else {
        monitor_printf(mon, "kvm support: not compiled\n");
    }
}

static void hmp_info_balloon(Monitor *mon, const HMPArgs *args)
{
    g_autoptr(JsonNode) ret = hmp_query(mon, "query-balloon");

    if (ret) {
        monitor_printf(mon, "balloon: actual=%" PRId64 "\n",
                       member_int(json_node_get_object(ret), "actual") >> 20);
    }
}

/* balloon MB: QMP's balloon with the target in bytes. */
static void hmp_balloon(Monitor *mon, const HMPArgs *args)
{
    const QmpCommand *cmd = qmp_command_find("balloon");
    g_autoptr(JsonObject) qargs = json_object_new();
    g_autoptr(GError) err = NULL;
    JsonNode *ret;

    json_object_set_int_member(qargs, "value",
                               hmp_args_get_int(args, "value", 0) << 20);
    ret = cmd->handler(qargs, &err);
    if (ret) {
        json_node_unref(ret);
    }
    if (err) {
        monitor_printf(mon, "Error: %s\n", err->message);
    }
}

/* block_resize DEVICE SIZE: QMP's with the drive's id. */
static void hmp_block_resize(Monitor *mon, const HMPArgs *args)
{
    const QmpCommand *cmd = qmp_command_find("block_resize");
    g_autoptr(JsonObject) qargs = json_object_new();
    g_autoptr(GError) err = NULL;
    JsonNode *ret;

    json_object_set_string_member(qargs, "device",
                                  hmp_args_get_str(args, "device"));
    json_object_set_int_member(qargs, "size",
                               hmp_args_get_int(args, "size", 0));
    ret = cmd->handler(qargs, &err);
    if (ret) {
        json_node_unref(ret);
    }
    if (err) {
        monitor_printf(mon, "Error: %s\n", err->message);
    }
}

/* ---- VNC ----------------------------------------------------------------- */

static void hmp_info_vnc_address(Monitor *mon, const char *what, JsonObject *o)
{
    monitor_printf(mon, "  %s: %s:%s (%s)\n", what,
                   json_object_get_string_member(o, "host"),
                   json_object_get_string_member(o, "service"),
                   json_object_get_string_member(o, "family"));
}

/* QEMU's layout: the display, its server with the auth, then each client. */
static void hmp_info_vnc(Monitor *mon, const HMPArgs *args)
{
    g_autoptr(JsonNode) ret = hmp_query(mon, "query-vnc");
    JsonObject *info;
    JsonArray *clients;

    if (!ret) {
        return;
    }
    info = json_node_get_object(ret);
    if (!vnc_display_auth()) {
        monitor_printf(mon, "None\n");
        return;
    }
    monitor_printf(mon, "default:\n");
    if (!json_object_get_boolean_member(info, "enabled")) {
        /* -vnc none: a display without a server, only its auth. */
        monitor_printf(mon, "  Auth: %s (Sub: none)\n", vnc_display_auth());
        return;
    }
    hmp_info_vnc_address(mon, "Server", info);
    monitor_printf(mon, "    Auth: %s (Sub: none)\n",
                   json_object_get_string_member(info, "auth"));
    clients = json_object_get_array_member(info, "clients");
    for (guint i = 0; i < json_array_get_length(clients); i++) {
        hmp_info_vnc_address(mon, "Client",
                             json_array_get_object_element(clients, i));
        monitor_printf(mon, "    x509_dname: none\n");
        monitor_printf(mon, "    sasl_username: none\n");
    }
}

static void hmp_vnc_password(Monitor *mon, const char *password)
{
    const QmpCommand *cmd = qmp_command_find("change-vnc-password");
    g_autoptr(JsonObject) qargs = json_object_new();
    g_autoptr(GError) err = NULL;

    json_object_set_string_member(qargs, "password", password);
    cmd->handler(qargs, &err);
    if (err) {
        monitor_printf(mon, "Error: %s\n", err->message);
    }
}

/*
 * "change vnc password PW" (QEMU also prompts when PW is left out; pcvm
 * wants it on the line). Removable media have no change here yet.
 */
static void hmp_change(Monitor *mon, const HMPArgs *args)
{
    const char *device = hmp_args_get_str(args, "device");
    const char *target = hmp_args_get_str(args, "target");
    const char *arg = hmp_args_get_str(args, "arg");

    if (strcmp(device, "vnc")) {
        monitor_printf(mon, "Error: Device '%s' not found\n", device);
        return;
    }
    if (strcmp(target, "passwd") && strcmp(target, "password")) {
        monitor_printf(mon, "Error: Expected 'password' after 'vnc'\n");
        return;
    }
    if (!arg) {
        monitor_printf(mon, "Error: Parameter 'password' is missing\n");
        return;
    }
    hmp_vnc_password(mon, arg);
}

/* "set_password vnc PW [keep]". */
static void hmp_set_password(Monitor *mon, const HMPArgs *args)
{
    const QmpCommand *cmd = qmp_command_find("set_password");
    g_autoptr(JsonObject) qargs = json_object_new();
    g_autoptr(GError) err = NULL;

    json_object_set_string_member(qargs, "protocol",
                                  hmp_args_get_str(args, "protocol"));
    json_object_set_string_member(qargs, "password",
                                  hmp_args_get_str(args, "password"));
    if (hmp_args_get_str(args, "connected")) {
        json_object_set_string_member(qargs, "connected",
                                      hmp_args_get_str(args, "connected"));
    }
    cmd->handler(qargs, &err);
    if (err) {
        monitor_printf(mon, "Error: %s\n", err->message);
    }
}

/* "expire_password vnc now|never|+N|N". */
static void hmp_expire_password(Monitor *mon, const HMPArgs *args)
{
    const QmpCommand *cmd = qmp_command_find("expire_password");
    g_autoptr(JsonObject) qargs = json_object_new();
    g_autoptr(GError) err = NULL;

    json_object_set_string_member(qargs, "protocol",
                                  hmp_args_get_str(args, "protocol"));
    json_object_set_string_member(qargs, "time",
                                  hmp_args_get_str(args, "time"));
    cmd->handler(qargs, &err);
    if (err) {
        monitor_printf(mon, "Error: %s\n", err->message);
    }
}

/* ---- the tables ---------------------------------------------------------- */

const HMPCommand hmp_info_commands[] = {
    {"version", "", "", "show the version of the monitor (QEMU) and of pcvm",
     hmp_info_version},
    {"status", "", "", "show the current VM status (running|paused)",
     hmp_info_status},
    {"registers", "cpustate_all:-a,vcpu:i?", "[-a|vcpu]",
     "show the registers of the current CPU, of CPU 'vcpu', or of all CPUs "
     "(-a)",
     hmp_info_registers},
    {"cpus", "", "", "show the CPUs and their host threads", hmp_info_cpus},
    {"history", "", "", "show the command line history", hmp_info_history},
    {"qtree", "", "", "show the device tree", hmp_info_qtree},
    {"mtree", "flatview:-f", "[-f]",
     "show the memory region tree (-f: the flat view of each address space)",
     hmp_info_mtree},
    {"pci", "", "", "show the PCI devices", hmp_info_pci},
    {"block", "", "", "show the block devices", hmp_info_block},
    {"chardev", "", "", "show the character devices", hmp_info_chardev},
    {"network", "", "", "show the network state", hmp_info_network},
    {"qom-tree", "path:s?", "[path]",
     "show the QOM composition tree below path (default /machine)",
     hmp_info_qom_tree},
    {"kvm", "", "", "show whether KVM runs the guest", hmp_info_kvm},
    {"balloon", "", "", "show the balloon's actual guest memory (MB)",
     hmp_info_balloon},
    {"vnc", "", "", "show the vnc server status", hmp_info_vnc},
    {"capture", "", "", "show capture information", hmp_info_capture},
    {NULL},
};

const HMPCommand hmp_commands[] = {
    {"help|?", "name:S?", "[cmd]", "show the commands, or the help of cmd",
     hmp_help},
    {"info", "", "[subcommand]", "show information about the machine",
     hmp_info_help, hmp_info_commands},
    {"stop", "", "", "stop the vCPUs", hmp_stop},
    {"cont|c", "", "", "start or resume the vCPUs", hmp_cont},
    {"system_reset", "", "", "reset the machine", hmp_system_reset},
    {"system_powerdown", "", "", "press the power button (ACPI)",
     hmp_system_powerdown},
    {"quit|q", "", "", "quit pcvm", hmp_quit},
    {"cpu", "index:i", "index", "set the default CPU of this monitor", hmp_cpu},
    {"balloon", "value:l", "target",
     "ask the balloon driver for a guest memory of target MB", hmp_balloon},
    {"block_resize", "device:s,size:o", "device size", "resize a block image",
     hmp_block_resize},
    {"x", "fmt:/,addr:l", "/fmt addr",
     "dump virtual memory at addr (through the default CPU's page tables)",
     hmp_memory_dump},
    {"xp", "fmt:/,addr:l", "/fmt addr", "dump physical memory at addr",
     hmp_physical_memory_dump},
    {"memsave", "val:l,size:i,filename:s", "addr size file",
     "save size bytes of virtual memory at addr to file", hmp_memsave},
    {"device_del", "id:s", "device", "remove device", hmp_device_del},
    {"netdev_add", "netdev:S",
     "[user|socket|hubport],id=str[,prop=value][,...]",
     "add host network device", hmp_netdev_add},
    {"netdev_del", "id:s", "id", "remove host network device", hmp_netdev_del},
    {"object_add", "object:S", "[qom-type=]type,id=str[,prop=value][,...]",
     "create QOM object", hmp_object_add},
    {"object_del", "id:s", "id", "destroy QOM object", hmp_object_del},
    {"set_link", "name:s,up:b", "name on|off",
     "change the link status of a network adapter", hmp_set_link},
    {"x-save-devices", "filename:s", "file",
     "save the state of every device to file", hmp_x_save_devices},
    {"x-load-devices", "filename:s", "file",
     "load the state of every device from file", hmp_x_load_devices},
    {"pmemsave", "val:l,size:i,filename:s", "addr size file",
     "save size bytes of physical memory at addr to file", hmp_pmemsave},
    {"gva2gpa", "addr:l", "addr",
     "translate a guest virtual address to a guest physical one", hmp_gva2gpa},
    {"print|p", "fmt:/,val:l", "/fmt expr",
     "print the value of expr ($reg reads a register of the default CPU)",
     hmp_print},
    {"i", "fmt:/,addr:i", "/fmt addr", "read an I/O port", hmp_ioport_read},
    {"o", "fmt:/,addr:i,val:i", "/fmt addr value", "write an I/O port",
     hmp_ioport_write},
    {"sendkey", "keys:s,hold-time:i?", "keys [hold_ms]",
     "send keys to the VM (e.g. 'sendkey ctrl-alt-f1', default hold time "
     "is 100 ms)",
     hmp_sendkey},
    {"screendump", "filename:s,format:-fs,device:s?,head:i?",
     "filename [-f format] [device [head]]",
     "save screen from head 'head' of display device 'device' in specified "
     "format 'format' as image 'filename' (ppm or png, default ppm)",
     hmp_screendump},
    {"mouse_move", "dx_str:s,dy_str:s,dz_str:s?", "dx dy [dz]",
     "send mouse move events", hmp_mouse_move},
    {"wavcapture", "path:s,audiodev:s,freq:i?,bits:i?,nchannels:i?",
     "path audiodev [frequency [bits [channels]]]",
     "capture audio to a wave file (default frequency=44100 bits=16 "
     "channels=2)",
     hmp_wavcapture},
    {"stopcapture", "n:i", "capture index", "stop capture", hmp_stopcapture},
    {"mouse_button", "button_state:i", "state",
     "change mouse button state (1=L, 2=R, 4=M)", hmp_mouse_button},
    {"change", "device:s,target:s,arg:s?", "device target [arg]",
     "change the VNC password ('change vnc password PW')", hmp_change},
    {"set_password", "protocol:s,password:s,connected:s?",
     "protocol password [action-if-connected]",
     "set the password of the VNC server (protocol 'vnc')", hmp_set_password},
    {"expire_password", "protocol:s,time:s", "protocol time",
     "set when the VNC password expires (now, never, +seconds, seconds)",
     hmp_expire_password},
    {NULL},
};
