/*
 * Intel 82371AB PIIX4 function 3, power management, after the 82371AB
 * datasheet (order 290562), 3.x "Power Management Registers" and 4.x
 * "SMBus", and the ACPI 1.0 fixed hardware it implements: PM1a status,
 * enable and control (the power button, sleep types), the 24-bit PM timer
 * at 3.579545 MHz, and a GPE0 block. As in QEMU's pc, the GPE0 block is at
 * 0xAFE0, PCI hotplug registers at 0xAE00 read as "no slots", the APM
 * control port 0xB2 switches SCI_EN (ACPI enable/disable commands), and
 * the SCI is wired to ISA IRQ 9. SMM does not exist (APMC_EN is preset so
 * firmware does not try to relocate SMBASE), there is no S3 resume, and
 * the SMBus host has no devices behind it: every transaction ends with
 * a device error.
 */
#include <string.h>

#include "hw/acpi/piix4.h"
#include "hw/core/vmstate.h"
#include "hw/isa/isa.h"
#include "system/memory.h"
#include "system/runstate.h"
#include "system/timer.h"
#include "util/log.h"

/* PCI configuration registers beside those of the header. */
#define PIIX4_DEVACTB 0x58 /* byte 0x5b bit 1: APMC_EN */
#define PIIX4_APMC_EN 0x02

/* PM I/O registers (offsets from PMBA). */
#define PM1_STS 0x00
#define PM1_EN 0x02
#define PM1_CNT PIIX4_PM1_CNT_BLK
#define PM_TMR PIIX4_PM_TMR_BLK
#define PM_IO_SIZE 0x40

#define PM1_TMR_STS 0x0001
#define PM1_GBL_STS 0x0020
#define PM1_PWRBTN_STS 0x0100
#define PM1_RTC_STS 0x0400
#define PM1_WAK_STS 0x8000
#define PM1_EVENTS (PM1_TMR_STS | PM1_GBL_STS | PM1_PWRBTN_STS | PM1_RTC_STS)

#define PM1_CNT_SCI_EN 0x0001
#define PM1_CNT_SLP_TYP_SHIFT 10
#define PM1_CNT_SLP_TYP_MASK 0x1c00
#define PM1_CNT_SLP_EN 0x2000

/* The sleep types QEMU's (and SeaBIOS's) tables give. */
#define SLP_TYP_S5 PIIX4_SLP_TYP_S5
#define SLP_TYP_S3 1
#define SLP_TYP_S4 2

#define PM_TIMER_FREQUENCY 3579545
#define PM_TIMER_MASK 0xffffff
#define PM_TIMER_MSB 0x800000

#define GPE0_BASE PIIX4_GPE0_BASE
#define GPE0_LEN PIIX4_GPE0_LEN
#define PCI_HOTPLUG_BASE 0xae00
#define PCI_HOTPLUG_LEN 0x14
#define APM_CNT_PORT PIIX4_APM_CNT_PORT
#define APM_CMD_ACPI_ENABLE PIIX4_APM_ACPI_ENABLE
#define APM_CMD_ACPI_DISABLE PIIX4_APM_ACPI_DISABLE

/* SMBus host registers (offsets from SMBBA). */
#define SMB_HST_STS 0x00
#define SMB_HST_CNT 0x02
#define SMB_HST_STS_DEV_ERR 0x04
#define SMB_HST_STS_INTR 0x02
#define SMB_HST_CNT_START 0x40
#define SMB_IO_SIZE 0x10

typedef struct PIIX4PMState {
    PCIDevice parent_obj;
    IRQLine *sci;
    MemoryRegion pm_io, smb_io, gpe_io, hotplug_io, apm_io;
    bool pm_io_mapped, smb_io_mapped;
    MemoryRegion *io_space;
    uint16_t pm1_sts, pm1_en, pm1_cnt;
    uint8_t pm_misc[PM_IO_SIZE]; /* PIIX4's other PM registers: storage */
    uint8_t gpe_sts[2], gpe_en[2];
    uint8_t apm_cnt, apm_sts;
    uint8_t smb_regs[SMB_IO_SIZE];
    Timer *tmr_timer; /* when the timer's bit 23 next toggles */
} PIIX4PMState;

#define PIIX4_PM(obj) DEVICE_CAST(PIIX4PMState, obj, TYPE_PIIX4_PM)

/* ---- ACPI fixed hardware ------------------------------------------------ */

static uint32_t pm_timer_value(void)
{
    int64_t ns = vm_clock_get_ns(VM_CLOCK_VIRTUAL);

    return (uint32_t)((__int128)ns * PM_TIMER_FREQUENCY /
                      NANOSECONDS_PER_SECOND) &
           PM_TIMER_MASK;
}

static void piix4_update_sci(PIIX4PMState *s)
{
    bool pm1 = s->pm1_sts & s->pm1_en & PM1_EVENTS;
    bool gpe = (s->gpe_sts[0] & s->gpe_en[0]) || (s->gpe_sts[1] & s->gpe_en[1]);

    irq_set_level(s->sci, pm1 || gpe);
}

/* Arms the timer for the next toggle of bit 23, while TMR_EN wants it. */
static void piix4_tmr_rearm(PIIX4PMState *s)
{
    int64_t now = vm_clock_get_ns(VM_CLOCK_VIRTUAL);
    uint64_t ticks =
        (__int128)now * PM_TIMER_FREQUENCY / NANOSECONDS_PER_SECOND;
    uint64_t next = (ticks | (PM_TIMER_MSB - 1)) + 1;

    if (!(s->pm1_en & PM1_TMR_STS)) {
        timer_del(s->tmr_timer);
        return;
    }
    timer_mod_ns(s->tmr_timer,
                 (int64_t)(((__int128)next * NANOSECONDS_PER_SECOND +
                            PM_TIMER_FREQUENCY - 1) /
                           PM_TIMER_FREQUENCY));
}

static void piix4_tmr_expired(void *opaque)
{
    PIIX4PMState *s = opaque;

    s->pm1_sts |= PM1_TMR_STS;
    piix4_update_sci(s);
    piix4_tmr_rearm(s);
}

static void piix4_sleep(PIIX4PMState *s, unsigned type)
{
    switch (type) {
    case SLP_TYP_S5:
    case SLP_TYP_S4: /* QEMU's S4 is a shutdown too: nothing to resume */
        system_shutdown_request(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
        break;
    case SLP_TYP_S3:
        log_unimp_once("piix4_pm: S3 suspend is not implemented\n");
        break;
    default:
        log_mask_printf(LOG_GUEST_ERROR, "piix4_pm: sleep type %u\n", type);
        break;
    }
}

static uint64_t pm_io_read(void *opaque, uint64_t addr, unsigned size)
{
    PIIX4PMState *s = opaque;

    switch (addr) {
    case PM1_STS:
        return s->pm1_sts;
    case PM1_EN:
        return s->pm1_en;
    case PM1_CNT:
        return s->pm1_cnt;
    case PM_TMR:
        return pm_timer_value();
    default: {
        uint64_t v = 0;

        for (unsigned i = 0; i < size && addr + i < PM_IO_SIZE; i++) {
            v |= (uint64_t)s->pm_misc[addr + i] << (8 * i);
        }
        return v;
    }
    }
}

static void pm_io_write(void *opaque, uint64_t addr, uint64_t value,
                        unsigned size)
{
    PIIX4PMState *s = opaque;

    switch (addr) {
    case PM1_STS:
        /* Write one to clear; TMR_STS is only cleared, never set here. */
        s->pm1_sts &= ~(value & (PM1_EVENTS | PM1_WAK_STS));
        piix4_update_sci(s);
        break;
    case PM1_EN:
        s->pm1_en = value & PM1_EVENTS;
        piix4_update_sci(s);
        piix4_tmr_rearm(s);
        break;
    case PM1_CNT:
        s->pm1_cnt = value & ~PM1_CNT_SLP_EN;
        if (value & PM1_CNT_SLP_EN) {
            piix4_sleep(s, (value & PM1_CNT_SLP_TYP_MASK) >>
                               PM1_CNT_SLP_TYP_SHIFT);
        }
        break;
    case PM_TMR:
        log_mask_printf(LOG_GUEST_ERROR, "piix4_pm: write to PM_TMR\n");
        break;
    default:
        for (unsigned i = 0; i < size && addr + i < PM_IO_SIZE; i++) {
            s->pm_misc[addr + i] = value >> (8 * i);
        }
        break;
    }
}

/*
 * PM1 registers are 16 bits wide and the timer 32; a byte access reaches
 * the register containing it, as firmware sometimes uses them.
 */
static const MemoryRegionOps pm_io_ops = {
    .read = pm_io_read,
    .write = pm_io_write,
    .valid_min = 1,
    .valid_max = 4,
    .impl_min = 2,
    .impl_max = 4,
};

static uint64_t gpe_read(void *opaque, uint64_t addr, unsigned size)
{
    PIIX4PMState *s = opaque;

    return addr < 2 ? s->gpe_sts[addr] : s->gpe_en[addr - 2];
}

static void gpe_write(void *opaque, uint64_t addr, uint64_t value,
                      unsigned size)
{
    PIIX4PMState *s = opaque;

    if (addr < 2) {
        s->gpe_sts[addr] &= ~value;
    } else {
        s->gpe_en[addr - 2] = value;
    }
    piix4_update_sci(s);
}

static const MemoryRegionOps gpe_ops = {
    .read = gpe_read,
    .write = gpe_write,
    .valid_min = 1,
    .valid_max = 4,
    .impl_min = 1,
    .impl_max = 1,
};

/* No hot-pluggable slots: up/down/eject/removable all read 0. */
static uint64_t hotplug_read(void *opaque, uint64_t addr, unsigned size)
{
    return 0;
}

static void hotplug_write(void *opaque, uint64_t addr, uint64_t value,
                          unsigned size)
{
    log_unimp_once("piix4_pm: PCI hotplug register write at 0x%" PRIx64 "\n",
                   addr);
}

static const MemoryRegionOps hotplug_ops = {
    .read = hotplug_read,
    .write = hotplug_write,
    .valid_min = 1,
    .valid_max = 4,
    .impl_min = 4,
    .impl_max = 4,
};

static uint64_t apm_read(void *opaque, uint64_t addr, unsigned size)
{
    PIIX4PMState *s = opaque;

    return addr ? s->apm_sts : s->apm_cnt;
}

/* APMC (0xB2) would raise an SMI; without SMM only ACPI on/off act. */
static void apm_write(void *opaque, uint64_t addr, uint64_t value,
                      unsigned size)
{
    PIIX4PMState *s = opaque;

    if (addr) {
        s->apm_sts = value;
        return;
    }
    s->apm_cnt = value;
    if (value == APM_CMD_ACPI_ENABLE) {
        s->pm1_cnt |= PM1_CNT_SCI_EN;
    } else if (value == APM_CMD_ACPI_DISABLE) {
        s->pm1_cnt &= ~PM1_CNT_SCI_EN;
    }
}

static const MemoryRegionOps apm_ops = {
    .read = apm_read,
    .write = apm_write,
    .valid_min = 1,
    .valid_max = 1,
};

/* ---- SMBus host --------------------------------------------------------- */

static uint64_t smb_read(void *opaque, uint64_t addr, unsigned size)
{
    return ((PIIX4PMState *)opaque)->smb_regs[addr];
}

static void smb_write(void *opaque, uint64_t addr, uint64_t value,
                      unsigned size)
{
    PIIX4PMState *s = opaque;

    if (addr == SMB_HST_STS) {
        s->smb_regs[SMB_HST_STS] &= ~value; /* write one to clear */
        return;
    }
    s->smb_regs[addr] = value;
    if (addr == SMB_HST_CNT && (value & SMB_HST_CNT_START)) {
        /* No slave answers any address. */
        s->smb_regs[SMB_HST_STS] |= SMB_HST_STS_DEV_ERR;
        s->smb_regs[SMB_HST_CNT] &= ~SMB_HST_CNT_START;
    }
}

static const MemoryRegionOps smb_ops = {
    .read = smb_read,
    .write = smb_write,
    .valid_min = 1,
    .valid_max = 1,
};

/* ---- PCI function -------------------------------------------------------- */

/* Maps or unmaps an I/O window as its base register and enable bit say. */
static void piix4_map_io(PIIX4PMState *s, MemoryRegion *mr, bool *mapped,
                         bool enabled, uint32_t base)
{
    memory_region_transaction_begin();
    if (*mapped) {
        memory_region_del_subregion(s->io_space, mr);
        *mapped = false;
    }
    if (enabled && base) {
        memory_region_add_subregion(s->io_space, base, mr);
        *mapped = true;
    }
    memory_region_transaction_commit();
}

static void piix4_update_io(PIIX4PMState *s)
{
    const uint8_t *c = s->parent_obj.config;

    piix4_map_io(s, &s->pm_io, &s->pm_io_mapped, c[PIIX4_PMREGMISC] & 1,
                 pci_get_long(c + PIIX4_PMBA) & 0xffc0);
    piix4_map_io(s, &s->smb_io, &s->smb_io_mapped,
                 (c[PIIX4_SMBHSTCFG] & 1) &&
                     (pci_get_word(c + PCI_COMMAND) & PCI_COMMAND_IO),
                 pci_get_long(c + PIIX4_SMBBA) & 0xfff0);
}

static void piix4_config_write(PCIDevice *dev, uint32_t addr, uint32_t value,
                               unsigned len)
{
    pci_default_config_write(dev, addr, value, len);
    if (addr < PIIX4_PMBA + 4 && addr + len > PIIX4_PMBA) {
        /* Bit 0 reads as 1: the base is in I/O space. */
        dev->config[PIIX4_PMBA] |= 1;
    }
    if (addr < PIIX4_SMBBA + 4 && addr + len > PIIX4_SMBBA) {
        dev->config[PIIX4_SMBBA] |= 1;
    }
    piix4_update_io(PIIX4_PM(dev));
}

static void piix4_powerdown(RunStateEvent event, bool guest,
                            ShutdownCause cause, void *opaque)
{
    PIIX4PMState *s = opaque;

    if (event != RUNSTATE_EVENT_POWERDOWN) {
        return;
    }
    /* The button's status latches whether or not its event is enabled. */
    s->pm1_sts |= PM1_PWRBTN_STS;
    piix4_update_sci(s);
}

static void piix4_reset(PCIDevice *dev)
{
    PIIX4PMState *s = PIIX4_PM(dev);
    uint8_t *c = dev->config;

    pci_set_word(c + PCI_STATUS,
                 PCI_STATUS_FAST_BACK | PCI_STATUS_DEVSEL_MEDIUM);
    memset(c + PCI_CONFIG_HEADER_SIZE, 0,
           PCI_CONFIG_SPACE_SIZE - PCI_CONFIG_HEADER_SIZE);
    pci_set_long(c + PIIX4_PMBA, 1);
    pci_set_long(c + PIIX4_SMBBA, 1);
    c[PIIX4_DEVACTB + 3] = PIIX4_APMC_EN; /* no SMM to set up */
    s->pm1_sts = 0;
    s->pm1_en = 0;
    s->pm1_cnt = PM1_CNT_SCI_EN; /* no SMM: ACPI mode from the start */
    memset(s->pm_misc, 0, sizeof(s->pm_misc));
    memset(s->gpe_sts, 0, sizeof(s->gpe_sts));
    memset(s->gpe_en, 0, sizeof(s->gpe_en));
    memset(s->smb_regs, 0, sizeof(s->smb_regs));
    s->apm_cnt = s->apm_sts = 0;
    timer_del(s->tmr_timer);
    piix4_update_io(s);
    piix4_update_sci(s);
}

static bool piix4_post_load(void *opaque, int version_id, GError **errp)
{
    PIIX4PMState *s = opaque;

    piix4_update_io(s);
    piix4_update_sci(s);
    piix4_tmr_rearm(s);
    return true;
}

static const VMStateDescription vmstate_piix4_pm = {
    .name = "piix4_pm",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = piix4_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_PCI_DEVICE(parent_obj, PIIX4PMState),
            VMSTATE_UINT16(pm1_sts, PIIX4PMState),
            VMSTATE_UINT16(pm1_en, PIIX4PMState),
            VMSTATE_UINT16(pm1_cnt, PIIX4PMState),
            VMSTATE_BUFFER(pm_misc, PIIX4PMState),
            VMSTATE_UINT8_ARRAY(gpe_sts, PIIX4PMState, 2),
            VMSTATE_UINT8_ARRAY(gpe_en, PIIX4PMState, 2),
            VMSTATE_UINT8(apm_cnt, PIIX4PMState),
            VMSTATE_UINT8(apm_sts, PIIX4PMState),
            VMSTATE_BUFFER(smb_regs, PIIX4PMState),
            VMSTATE_END_OF_LIST(),
        },
};

static bool piix4_realize(PCIDevice *dev, GError **errp)
{
    PIIX4PMState *s = PIIX4_PM(dev);

    dev->config[PCI_INTERRUPT_PIN] = 1;
    s->io_space = dev->bus->io;
    /* GPIO out 0 is the SCI; the board connects it (ISA IRQ 9 on pc). */
    device_init_gpio_out(DEVICE(dev), &s->sci, 1);
    s->tmr_timer = timer_new_ns(VM_CLOCK_VIRTUAL, piix4_tmr_expired, s);
    memory_region_init_io(&s->pm_io, "piix4-pm", &pm_io_ops, s, PM_IO_SIZE);
    memory_region_init_io(&s->smb_io, "piix4-smbus", &smb_ops, s, SMB_IO_SIZE);
    memory_region_init_io(&s->gpe_io, "acpi-gpe0", &gpe_ops, s, GPE0_LEN);
    memory_region_add_subregion(s->io_space, GPE0_BASE, &s->gpe_io);
    memory_region_init_io(&s->hotplug_io, "acpi-pci-hotplug", &hotplug_ops, s,
                          PCI_HOTPLUG_LEN);
    memory_region_add_subregion(s->io_space, PCI_HOTPLUG_BASE, &s->hotplug_io);
    memory_region_init_io(&s->apm_io, "apm-io", &apm_ops, s, 2);
    memory_region_add_subregion(s->io_space, APM_CNT_PORT, &s->apm_io);
    runstate_add_notifier(piix4_powerdown, s);
    return true;
}

static PCIDeviceClass piix4_pm_class = {
    .parent_class =
        {
            .name = TYPE_PIIX4_PM,
            .description = "PM",
            .category = DEVICE_CATEGORY_BRIDGE,
            .instance_size = sizeof(PIIX4PMState),
            .vmsd = &vmstate_piix4_pm,
        },
    .vendor_id = PCI_VENDOR_ID_INTEL,
    .device_id = 0x7113,
    .revision = 0x03,
    .class_id = PCI_CLASS_BRIDGE_OTHER,
    .realize = piix4_realize,
    .reset = piix4_reset,
    .config_write = piix4_config_write,
};

PCIDevice *piix4_pm_create(PCIBus *bus, int devfn, GError **errp)
{
    PCIDevice *dev = pci_new(devfn, TYPE_PIIX4_PM);

    return pci_realize(dev, bus, errp) ? dev : NULL;
}

static void piix4_pm_register(void)
{
    pci_device_class_register(&piix4_pm_class);
}
type_init(piix4_pm_register)
