/*
 * The state of a whole machine's devices as one stream (hw/core/vmstate.h):
 * the machine's own section (the virtual clock) first, then every realized
 * device in device-tree order, each under its QOM path. Loading expects a
 * machine built from the same command line: every device here must have a
 * section and every section a device, else nothing is loaded.
 */
#include <string.h>

#include "hw/core/machine.h"
#include "hw/core/vmstate.h"
#include "system/timer.h"
#include "util/error.h"

#define MACHINE_SECTION_ID "/machine"

typedef struct MachineClockState {
    int64_t virtual_ns;
} MachineClockState;

static MachineClockState machine_clock;

static bool machine_clock_pre_save(void *opaque, GError **errp)
{
    machine_clock.virtual_ns = vm_clock_get_ns(VM_CLOCK_VIRTUAL);
    return true;
}

static bool machine_clock_post_load(void *opaque, int version_id, GError **errp)
{
    if (machine_clock.virtual_ns < 0) {
        return error_setg(errp, "virtual clock %" PRId64 " ns",
                          machine_clock.virtual_ns);
    }
    vm_clock_virtual_set(machine_clock.virtual_ns);
    return true;
}

static const VMStateDescription vmstate_machine_clock = {
    .name = "machine",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = machine_clock_pre_save,
    .post_load = machine_clock_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_INT64(virtual_ns, MachineClockState),
            VMSTATE_END_OF_LIST(),
        },
};

/* Every realized device below bus, parents before their children. */
static void collect_devices(BusState *bus, GPtrArray *out)
{
    for (unsigned i = 0; i < bus->children->len; i++) {
        DeviceState *dev = g_ptr_array_index(bus->children, i);

        if (dev->realized) {
            g_ptr_array_add(out, dev);
        }
        for (unsigned j = 0; j < dev->child_buses->len; j++) {
            collect_devices(g_ptr_array_index(dev->child_buses, j), out);
        }
    }
}

/* The device's section id, or NULL with a one-line error. */
static char *device_section_id(DeviceState *dev, GError **errp)
{
    char *path = object_get_path(OBJECT(dev));

    if (!path) {
        error_setg(errp,
                   "device %s is not in the QOM tree; its state cannot "
                   "be named",
                   dev->klass->name);
    }
    return path;
}

bool machine_devices_savable(MachineState *ms, GError **errp)
{
    g_autoptr(GPtrArray) devs = g_ptr_array_new();

    collect_devices(ms->main_bus, devs);
    for (unsigned i = 0; i < devs->len; i++) {
        DeviceState *dev = g_ptr_array_index(devs, i);
        const VMStateDescription *vmsd = dev->klass->vmsd;

        if (!vmsd) {
            return error_setg(errp,
                              "device %s has no state description, so "
                              "the machine cannot be saved",
                              dev->klass->name);
        }
        if (vmsd->unmigratable) {
            return error_setg(errp, "device %s cannot be saved: %s",
                              dev->klass->name, vmsd->unmigratable);
        }
    }
    return true;
}

GBytes *machine_save_devices(MachineState *ms, GError **errp)
{
    g_autoptr(GPtrArray) devs = g_ptr_array_new();
    VMStateStream *s;

    if (!machine_devices_savable(ms, errp)) {
        return NULL;
    }
    collect_devices(ms->main_bus, devs);
    s = vmstate_stream_new();
    if (!vmstate_stream_add(s, MACHINE_SECTION_ID, &vmstate_machine_clock,
                            &machine_clock, errp)) {
        g_bytes_unref(vmstate_stream_finish(s));
        return NULL;
    }
    for (unsigned i = 0; i < devs->len; i++) {
        DeviceState *dev = g_ptr_array_index(devs, i);
        g_autofree char *id = device_section_id(dev, errp);

        if (!id || !vmstate_stream_add(s, id, dev->klass->vmsd, dev, errp)) {
            g_bytes_unref(vmstate_stream_finish(s));
            return NULL;
        }
    }
    return vmstate_stream_finish(s);
}

static const VMStateSection *find_section(GPtrArray *sections, const char *id)
{
    for (unsigned i = 0; i < sections->len; i++) {
        const VMStateSection *sec = g_ptr_array_index(sections, i);

        if (!strcmp(sec->id, id)) {
            return sec;
        }
    }
    return NULL;
}

bool machine_load_devices(MachineState *ms, GBytes *stream, GError **errp)
{
    g_autoptr(GPtrArray) sections = vmstate_stream_parse(stream, errp);
    g_autoptr(GPtrArray) devs = g_ptr_array_new();
    g_autoptr(GPtrArray) found = g_ptr_array_new();
    const VMStateSection *clock;

    if (!sections || !machine_devices_savable(ms, errp)) {
        return false;
    }
    clock = find_section(sections, MACHINE_SECTION_ID);
    if (!clock) {
        return error_setg(errp, "the stream has no %s section",
                          MACHINE_SECTION_ID);
    }
    /* Match everything before touching anything. */
    collect_devices(ms->main_bus, devs);
    for (unsigned i = 0; i < devs->len; i++) {
        DeviceState *dev = g_ptr_array_index(devs, i);
        g_autofree char *id = device_section_id(dev, errp);
        const VMStateSection *sec = id ? find_section(sections, id) : NULL;

        if (!id) {
            return false;
        }
        if (!sec) {
            return error_setg(errp,
                              "the stream has no state for %s (%s): "
                              "was it saved from the same command line?",
                              id, dev->klass->name);
        }
        if (strcmp(sec->name, dev->klass->vmsd->name)) {
            return error_setg(errp,
                              "%s: the stream has state '%s', the "
                              "device here is described as '%s'",
                              id, sec->name, dev->klass->vmsd->name);
        }
        g_ptr_array_add(found, (gpointer)sec);
    }
    if (found->len + 1 != sections->len) {
        for (unsigned i = 0; i < sections->len; i++) {
            const VMStateSection *sec = g_ptr_array_index(sections, i);

            if (sec != clock && !g_ptr_array_find(found, sec, NULL)) {
                return error_setg(errp,
                                  "the stream has state for %s (%s), "
                                  "which this machine does not have",
                                  sec->id, sec->name);
            }
        }
        return error_setg(errp, "the stream names a device twice");
    }
    /* The clock first: devices re-arm their timers against it. */
    if (!vmstate_section_load(clock, &vmstate_machine_clock, &machine_clock,
                              errp)) {
        return false;
    }
    for (unsigned i = 0; i < devs->len; i++) {
        DeviceState *dev = g_ptr_array_index(devs, i);

        if (!vmstate_section_load(g_ptr_array_index(found, i), dev->klass->vmsd,
                                  dev, errp)) {
            return false;
        }
    }
    return true;
}
