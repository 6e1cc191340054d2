/*
 * PCI: a bus of 32 slots x 8 functions behind a host bridge, each function
 * a 256-byte configuration space with the standard type 0 header, up to six
 * BARs and an expansion-ROM BAR, an INTx pin and a capability list.
 *
 * The core keeps the guest's view honest: writable bits are declared per
 * byte (wmask, and w1cmask for write-one-to-clear status bits), BARs are
 * mapped into the bus's memory and I/O spaces when the guest enables
 * decoding and programs a usable address, and unmapped again when it moves
 * or disables them. Follows the PCI Local Bus Specification 3.0, 6.1-6.8.
 */
#ifndef HW_PCI_PCI_H
#define HW_PCI_PCI_H

#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "hw/core/vmstate.h"
#include "system/memory.h"

#define TYPE_PCI_DEVICE "pci-device"
#define PCI_BUS_TYPE "PCI"

#define PCI_CONFIG_SPACE_SIZE 256
#define PCI_SLOT(devfn) (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn) ((devfn)&7)
#define PCI_DEVFN(slot, func) ((((slot)&0x1f) << 3) | ((func)&7))
#define PCI_NUM_PINS 4

/* Type 0 configuration header (PCI 3.0, 6.1). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_COMMAND_IO 0x0001
#define PCI_COMMAND_MEMORY 0x0002
#define PCI_COMMAND_MASTER 0x0004
#define PCI_COMMAND_SPECIAL 0x0008
#define PCI_COMMAND_INVALIDATE 0x0010
#define PCI_COMMAND_PARITY 0x0040
#define PCI_COMMAND_SERR 0x0100
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS 0x06
#define PCI_STATUS_INTERRUPT 0x0008
#define PCI_STATUS_CAP_LIST 0x0010
#define PCI_STATUS_66MHZ 0x0020
#define PCI_STATUS_FAST_BACK 0x0080
#define PCI_STATUS_PARITY 0x0100
#define PCI_STATUS_DEVSEL_MEDIUM 0x0200
#define PCI_STATUS_SIG_TARGET_ABORT 0x0800
#define PCI_STATUS_REC_TARGET_ABORT 0x1000
#define PCI_STATUS_REC_MASTER_ABORT 0x2000
#define PCI_STATUS_SIG_SYSTEM_ERROR 0x4000
#define PCI_STATUS_DETECTED_PARITY 0x8000
#define PCI_REVISION_ID 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_CLASS_DEVICE 0x0a
#define PCI_CACHE_LINE_SIZE 0x0c
#define PCI_LATENCY_TIMER 0x0d
#define PCI_HEADER_TYPE 0x0e
#define PCI_HEADER_TYPE_MULTI_FUNCTION 0x80
#define PCI_BIST 0x0f
#define PCI_BASE_ADDRESS_0 0x10
#define PCI_BASE_ADDRESS_SPACE_IO 0x01
#define PCI_BASE_ADDRESS_MEM_TYPE_64 0x04
#define PCI_BASE_ADDRESS_MEM_PREFETCH 0x08
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_ROM_ADDRESS 0x30
#define PCI_ROM_ADDRESS_ENABLE 0x01
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d
#define PCI_MIN_GNT 0x3e
#define PCI_MAX_LAT 0x3f
#define PCI_CONFIG_HEADER_SIZE 0x40

#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_MSIX 0x11

#define PCI_NUM_BARS 6
#define PCI_ROM_SLOT 6
#define PCI_NUM_REGIONS 7

/* Class codes (base class << 8 | sub-class) the PC's functions use. */
#define PCI_CLASS_STORAGE_IDE 0x0101
#define PCI_CLASS_NETWORK_ETHERNET 0x0200
#define PCI_CLASS_DISPLAY_VGA 0x0300
#define PCI_CLASS_MULTIMEDIA_AUDIO 0x0401
#define PCI_CLASS_BRIDGE_HOST 0x0600
#define PCI_CLASS_BRIDGE_ISA 0x0601
#define PCI_CLASS_BRIDGE_OTHER 0x0680
#define PCI_CLASS_OTHERS 0xff00

#define PCI_VENDOR_ID_INTEL 0x8086
#define PCI_VENDOR_ID_REDHAT 0x1b36
#define PCI_VENDOR_ID_REDHAT_QUMRANET 0x1af4
#define PCI_SUBVENDOR_ID_REDHAT_QUMRANET 0x1af4
#define PCI_SUBDEVICE_ID_QEMU 0x1100

/* An address a BAR is not mapped at. */
#define PCI_BAR_UNMAPPED UINT64_MAX

typedef struct PCIBus PCIBus;
typedef struct PCIDevice PCIDevice;

typedef struct PCIIORegion {
    uint64_t size; /* 0: BAR not implemented */
    uint8_t type;  /* low BAR bits: I/O, 64-bit, prefetchable */
    MemoryRegion *mr;
    uint64_t addr; /* where it is mapped, or PCI_BAR_UNMAPPED */
} PCIIORegion;

typedef struct MSIXVector {
    uint64_t address;
    uint32_t data;
    uint32_t control;
} MSIXVector;

struct PCIDevice {
    DeviceState parent_obj;
    uint8_t config[PCI_CONFIG_SPACE_SIZE];
    uint8_t wmask[PCI_CONFIG_SPACE_SIZE];   /* bits the guest may write */
    uint8_t w1cmask[PCI_CONFIG_SPACE_SIZE]; /* bits a 1 clears */
    uint8_t used[PCI_CONFIG_SPACE_SIZE];    /* bytes claimed by capabilities */
    PCIBus *bus;
    int devfn;
    PCIIORegion io_regions[PCI_NUM_REGIONS];
    int irq_level;      /* what the device drives on its pin */
    bool intx_asserted; /* what the bus sees (INTx-disable applied) */
    /* Properties. */
    int32_t addr; /* addr=: a devfn, or -1: the first free */
    bool multifunction;
    char *romfile;
    uint32_t rombar; /* 0: the ROM is not visible as a BAR */
    /* The option ROM from romfile, behind the ROM BAR. */
    MemoryRegion rom;
    /* MSI (hw/pci/msi.c). */
    uint8_t msi_cap;
    /* MSI-X (hw/pci/msix.c). */
    uint8_t msix_cap;
    unsigned msix_entries;
    MSIXVector *msix_table;
    uint8_t *msix_pending;   /* one bit per vector */
    uint32_t msix_pba_bytes; /* the size of msix_pending */
    /*
     * Optional: called after the driver changed vector's table entry
     * (address, data or mask), so a device that caches the message (an
     * irqfd route) can follow it.
     */
    void (*msix_vector_changed)(PCIDevice *dev, unsigned vector);
    /* The config space and INTx level as the state stream carries them. */
    struct {
        uint8_t config[PCI_CONFIG_SPACE_SIZE];
        int32_t irq_level;
    } stream;
    MemoryRegion msix_table_mr, msix_pba_mr;
};

/*
 * The PCI side of a function's class. A PCI device type registers this
 * with pci_device_class_register(); its DeviceClass is the first member.
 * realize() runs after the header is set up and may add BARs,
 * capabilities and wmask bits; reset() after the header's reset.
 */
typedef struct PCIDeviceClass {
    DeviceClass parent_class;
    uint16_t vendor_id, device_id;
    uint8_t revision;
    uint16_t class_id;
    uint8_t prog_if;
    uint16_t subsystem_vendor_id, subsystem_id;
    const char *romfile; /* default romfile= */
    bool (*realize)(PCIDevice *dev, GError **errp);
    void (*reset)(PCIDevice *dev);
    /* Optional: config space access beyond the generic behaviour. */
    uint32_t (*config_read)(PCIDevice *dev, uint32_t addr, unsigned len);
    void (*config_write)(PCIDevice *dev, uint32_t addr, uint32_t value,
                         unsigned len);
} PCIDeviceClass;

/*
 * The state every PCI function has (config space, INTx level, the MSI-X
 * table and pending bits); a function's own description nests it first as
 * VMSTATE_PCI_DEVICE(parent_obj, State).
 */
extern const VMStateDescription vmstate_pci_device;
#define VMSTATE_PCI_DEVICE(f, st)                                              \
    VMSTATE_STRUCT(f, st, vmstate_pci_device, PCIDevice)

#define PCI_DEVICE(obj) DEVICE_CAST(PCIDevice, obj, TYPE_PCI_DEVICE)
#define PCI_DEVICE_GET_CLASS(dev)                                              \
    ((PCIDeviceClass *)((DeviceState *)(dev))->klass)

/* Maps a device's INTx pin (0 = INTA) to one of the bus's interrupt lines. */
typedef int (*PCIMapIRQFunc)(PCIDevice *dev, int pin);
/* Delivers an MSI write (address, data) to the platform's interrupt logic. */
typedef void (*PCIMSIDeliver)(uint64_t address, uint32_t data);

struct PCIBus {
    BusState *bus;
    PCIDevice *devices[256];
    MemoryRegion *memory; /* where memory BARs appear */
    MemoryRegion *io;     /* where I/O BARs appear */
    AddressSpace *dma_as; /* what bus masters reach */
    PCIMapIRQFunc map_irq;
    IRQLine **irqs; /* the bus's interrupt lines (PIRQs) */
    int nirq;
    int *irq_count; /* asserted pins per line */
    PCIMSIDeliver msi_deliver;
};

void pci_device_class_register(PCIDeviceClass *pc);

PCIBus *pci_bus_new(DeviceState *parent, const char *name, MemoryRegion *memory,
                    MemoryRegion *io, AddressSpace *dma_as);
void pci_bus_irqs(PCIBus *bus, PCIMapIRQFunc map_irq, IRQLine **irqs, int nirq);

/*
 * Board code: a function to place at devfn (-1: the first free slot), whose
 * properties may be set before pci_realize(); or both in one step.
 */
PCIDevice *pci_new(int devfn, const char *type);
bool pci_realize(PCIDevice *dev, PCIBus *bus, GError **errp);
PCIDevice *pci_create_simple(PCIBus *bus, int devfn, const char *type,
                             GError **errp);

/* Configuration mechanism: what the host bridge forwards. */
uint32_t pci_bus_config_read(PCIBus *bus, int devfn, uint32_t addr,
                             unsigned len);
void pci_bus_config_write(PCIBus *bus, int devfn, uint32_t addr, uint32_t value,
                          unsigned len);

/* The generic config space behaviour, for class hooks to fall back on. */
uint32_t pci_default_config_read(PCIDevice *dev, uint32_t addr, unsigned len);
void pci_default_config_write(PCIDevice *dev, uint32_t addr, uint32_t value,
                              unsigned len);

/*
 * Declares BAR n backed by mr (its size must be a power of two; at least 4
 * bytes for I/O, 16 for memory). type: PCI_BASE_ADDRESS_SPACE_IO, or memory
 * with PCI_BASE_ADDRESS_MEM_TYPE_64 / _PREFETCH. A 64-bit BAR uses n + 1.
 */
void pci_register_bar(PCIDevice *dev, int n, uint8_t type, MemoryRegion *mr);

/* Adds a capability at offset (0: the first free dword) of size bytes. */
int pci_add_capability(PCIDevice *dev, uint8_t cap_id, uint8_t offset,
                       uint8_t size, GError **errp);

/* Drives the device's INTx pin (honours the INTx-disable bit). */
void pci_set_irq(PCIDevice *dev, int level);

/* Bus-master DMA: refused (MEMTX_DECODE_ERROR) unless bus mastering is on. */
MemTxResult pci_dma_read(PCIDevice *dev, uint64_t addr, void *buf,
                         uint64_t len);
MemTxResult pci_dma_write(PCIDevice *dev, uint64_t addr, const void *buf,
                          uint64_t len);

/*
 * An MSI or MSI-X message: a dword write from the function. Into the
 * interrupt address window (0xFEExxxxx) it becomes an interrupt through
 * the bus's msi_deliver; elsewhere it is an ordinary memory write.
 */
void pci_msi_send(PCIDevice *dev, uint64_t address, uint32_t data);

/* Little-endian config space accessors for device code. */
static inline void pci_set_word(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}
static inline uint16_t pci_get_word(const uint8_t *p)
{
    return p[0] | (p[1] << 8);
}
static inline void pci_set_long(uint8_t *p, uint32_t v)
{
    pci_set_word(p, v);
    pci_set_word(p + 2, v >> 16);
}
static inline uint32_t pci_get_long(const uint8_t *p)
{
    return pci_get_word(p) | ((uint32_t)pci_get_word(p + 2) << 16);
}
static inline uint64_t pci_get_quad(const uint8_t *p)
{
    return pci_get_long(p) | ((uint64_t)pci_get_long(p + 4) << 32);
}

/* For "info pci", "info qtree" and query-pci. */
const char *pci_class_description(uint16_t class_id);
/* The machine's root PCI bus, or NULL when it has none. */
PCIBus *pci_root_bus(void);

/*
 * The addr= kind (QEMU's "pci-devfn"): "SLOT[.FUNCTION]" in hex into an
 * int32_t devfn, -1 when unset; shown as "06.0", read by qom-get as the
 * devfn.
 */
extern const PropertyInfo prop_info_pci_devfn;
#define DEFINE_PROP_PCI_DEVFN(n, st, f, d)                                     \
    DEFINE_PROP(n, st, f, prop_info_pci_devfn, d)

#endif
