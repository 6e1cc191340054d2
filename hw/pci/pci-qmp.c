/*
 * PCI's QMP commands: query-pci (QEMU's PciInfo), which HMP's "info pci"
 * formats.
 */
#include "hw/pci/pci.h"
#include "qapi/qmp-registry.h"

static JsonNode *array_node(JsonArray *array)
{
    JsonNode *node = json_node_new(JSON_NODE_ARRAY);

    json_node_take_array(node, array);
    return node;
}

static JsonObject *pci_device_info(PCIDevice *dev)
{
    JsonObject *info = json_object_new();
    JsonObject *klass = json_object_new();
    JsonObject *id = json_object_new();
    JsonArray *regions = json_array_new();
    const uint8_t *c = dev->config;
    uint16_t class_id = pci_get_word(c + PCI_CLASS_DEVICE);
    const char *desc = pci_class_description(class_id);

    json_object_set_int_member(info, "bus", 0);
    json_object_set_int_member(info, "slot", PCI_SLOT(dev->devfn));
    json_object_set_int_member(info, "function", PCI_FUNC(dev->devfn));
    if (desc) {
        json_object_set_string_member(klass, "desc", desc);
    }
    json_object_set_int_member(klass, "class", class_id);
    json_object_set_object_member(info, "class_info", klass);
    json_object_set_int_member(id, "device", pci_get_word(c + PCI_DEVICE_ID));
    json_object_set_int_member(id, "vendor", pci_get_word(c + PCI_VENDOR_ID));
    json_object_set_int_member(id, "subsystem",
                               pci_get_word(c + PCI_SUBSYSTEM_ID));
    json_object_set_int_member(id, "subsystem-vendor",
                               pci_get_word(c + PCI_SUBSYSTEM_VENDOR_ID));
    json_object_set_object_member(info, "id", id);
    if (c[PCI_INTERRUPT_PIN]) {
        json_object_set_int_member(info, "irq", c[PCI_INTERRUPT_LINE]);
    }
    json_object_set_int_member(info, "irq_pin", c[PCI_INTERRUPT_PIN]);
    json_object_set_string_member(info, "qdev_id",
                                  DEVICE(dev)->id ? DEVICE(dev)->id : "");
    for (int n = 0; n < PCI_NUM_REGIONS; n++) {
        PCIIORegion *r = &dev->io_regions[n];
        JsonObject *region;

        if (!r->size) {
            continue;
        }
        region = json_object_new();
        json_object_set_int_member(region, "bar", n);
        if (r->type & PCI_BASE_ADDRESS_SPACE_IO) {
            json_object_set_string_member(region, "type", "io");
        } else {
            json_object_set_string_member(region, "type", "memory");
            json_object_set_boolean_member(
                region, "prefetch", r->type & PCI_BASE_ADDRESS_MEM_PREFETCH);
            json_object_set_boolean_member(
                region, "mem_type_64", r->type & PCI_BASE_ADDRESS_MEM_TYPE_64);
        }
        json_object_set_int_member(region, "address", (gint64)r->addr);
        json_object_set_int_member(region, "size", (gint64)r->size);
        json_array_add_object_element(regions, region);
    }
    json_object_set_array_member(info, "regions", regions);
    return info;
}

static JsonNode *qmp_query_pci(JsonObject *args, GError **errp)
{
    JsonArray *list = json_array_new();
    PCIBus *bus = pci_root_bus();
    JsonObject *info;
    JsonArray *devices;

    if (!bus) {
        return array_node(list);
    }
    info = json_object_new();
    devices = json_array_new();
    for (int devfn = 0; devfn < 256; devfn++) {
        if (bus->devices[devfn]) {
            json_array_add_object_element(devices,
                                          pci_device_info(bus->devices[devfn]));
        }
    }
    json_object_set_int_member(info, "bus", 0);
    json_object_set_array_member(info, "devices", devices);
    json_array_add_object_element(list, info);
    return array_node(list);
}

static const QmpCommandDef pci_qmp_commands[] = {
    {"query-pci", qmp_query_pci, NULL, "[PciInfo]"},
    {NULL},
};

static void pci_qmp_register(void)
{
    qmp_register_commands(pci_qmp_commands);
}
qmp_init(pci_qmp_register)
