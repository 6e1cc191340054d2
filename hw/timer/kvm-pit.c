/*
 * "kvm-pit": the 8254 interval timer that KVM emulates in the kernel (the
 * accelerator creates it with the irqchip), as a device in the tree so
 * that its QEMU properties can be set, -global kvm-pit.lost_tick_policy=
 * above all (libvirt's <timer name='pit' tickpolicy=...>): "delay" (the
 * default) injects ticks the guest missed late, "discard" drops them;
 * KVM's PIT has no "slew". Its ports (0x40-0x43, and 0x61 for channel 2's
 * gate) are the kernel's; pcvm sees none of its accesses.
 */
#include "hw/core/machine.h"
#include "hw/core/vmstate.h"
#include "hw/isa/isa.h"
#include "util/error.h"

typedef struct KVMPITState {
    DeviceState parent_obj;
    uint32_t iobase;
    int lost_tick_policy; /* LostTickPolicy */
} KVMPITState;

#define KVM_PIT(obj) DEVICE_CAST(KVMPITState, obj, "kvm-pit")

static bool kvm_pit_realize(DeviceState *dev, GError **errp)
{
    KVMPITState *s = KVM_PIT(dev);
    const MachineState *ms = current_machine_get();

    if (s->iobase != 0x40) {
        return error_setg(errp,
                          "kvm-pit: the in-kernel PIT sits at 0x40, "
                          "not at 0x%x",
                          s->iobase);
    }
    if (s->lost_tick_policy == LOST_TICK_POLICY_SLEW) {
        return error_setg(errp, "Lost tick policy not supported.");
    }
    if (!ms || !ms->accel || !ms->accel->pit_set_reinject) {
        return error_setg(errp, "kvm-pit: needs KVM's in-kernel irqchip");
    }
    return ms->accel->pit_set_reinject(
        s->lost_tick_policy == LOST_TICK_POLICY_DELAY, errp);
}

static const Property kvm_pit_properties[] = {
    DEFINE_PROP_UINT32("iobase", KVMPITState, iobase, 0x40),
    DEFINE_PROP_LOSTTICKPOLICY("lost_tick_policy", KVMPITState,
                               lost_tick_policy, LOST_TICK_POLICY_DELAY),
    DEFINE_PROP_END,
};

/*
 * No fields: the counters are the kernel's and, as before this device
 * existed, a saved machine does not carry them (KVM_GET_PIT2 would).
 */
static const VMStateDescription vmstate_kvm_pit = {
    .name = "kvm-pit",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields =
        (const VMStateField[]){
            VMSTATE_END_OF_LIST(),
        },
};

static DeviceClass kvm_pit_class = {
    .name = "kvm-pit",
    .parent = TYPE_ISA_DEVICE,
    .bus_type = ISA_BUS_TYPE,
    .description = "KVM's in-kernel 8254 PIT",
    .category = DEVICE_CATEGORY_MISC,
    .instance_size = sizeof(KVMPITState),
    .props = kvm_pit_properties,
    .realize = kvm_pit_realize,
    .vmsd = &vmstate_kvm_pit,
};

static void kvm_pit_register(void)
{
    device_class_register(&kvm_pit_class);
}
type_init(kvm_pit_register)
