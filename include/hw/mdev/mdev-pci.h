/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the PCI function an mdev is shown to the guest as. A concrete
 * type (mdev-mtty, ...) names its parent; the class property chooses which
 * of the parent's ops drive the device and so which frontend builds the
 * function.
 */
#ifndef HW_MDEV_MDEV_PCI_H
#define HW_MDEV_MDEV_PCI_H

#include "hw/pci/pci_device.h"
#include "hw/mdev/mdev-bus.h"
#include "hw/mdev/mdev.h"
#include "hw/mdev/vfio-pci.h"
#include "hw/mdev/virtio-pci.h"
#include "qom/object.h"

#define TYPE_MDEV_PCI "mdev-pci"
OBJECT_DECLARE_TYPE(MdevPCIState, MdevPCIClass, MDEV_PCI)

struct MdevPCIClass {
    PCIDeviceClass parent_class;

    /* The mdev parent this device type creates its mdev from. */
    const char *parent_name;
    /* The type-id used when the user gives none. */
    const char *default_type;
    /* Registers the parent (and its ops) with the core; idempotent. */
    void (*register_parent)(void);
    /* Optional: refuses the type's own properties before the mdev exists. */
    bool (*check_properties)(MdevPCIState *s, Error **errp);
    /* Called once the mdev exists and its frontend is built. */
    void (*mdev_created)(MdevPCIState *s);
};

typedef struct MdevPCIBar {
    MdevPCIState *owner;
    unsigned index;
    MemoryRegion mr;
} MdevPCIBar;

/* "parent=P type=T class=C", NUL-terminated. */
#define MDEV_PCI_IDENTITY_SIZE 128

struct MdevPCIState {
    PCIDevice parent_obj;

    /* Properties. */
    char *class_name;
    char *type;
    char *uuid;

    /* What a migration stream must match (mdev-pci.c), set at realize. */
    char identity[MDEV_PCI_IDENTITY_SIZE];

    MdevBus bus;
    MdevDevice mdev;
    MdevHandle *handle;
    /* Holds the mdev's C++ state (and memory) until instance_finalize. */
    MdevHold *hold;

    /* vfio frontend */
    MdevPCIBar bars[MDEV_VFIO_NUM_BARS];
    MdevVfioMsi msi;
    /* Config bytes QEMU emulates (header, MSI); the rest is the device's. */
    uint8_t emulated[PCI_CONFIG_SPACE_SIZE];
    /* The graphic console of a device with a display, else NULL. */
    struct MdevVfioDisplay *display;

    /* virtio frontend */
    MemoryRegion virtio_bar;
    MdevVirtioTransportState *virtio_state; /* the transport's, for VMState */
    unsigned virtio_vectors;
    VMChangeStateEntry *virtio_vm_change;
    uint8_t virtio_cfg_cap; /* the PCI configuration access capability */
};

/*
 * Adds class, mdev-type and uuid to a concrete mdev PCI type; @type_help
 * describes mdev-type (the parent's types and the default).
 */
void mdev_pci_class_add_properties(ObjectClass *klass, const char *type_help);

#endif /* HW_MDEV_MDEV_PCI_H */
