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
#include "net/net.h"
#include "qemu/uuid.h"
#include "hw/mdev/mdev-bus.h"
#include "hw/mdev/mdev.h"
#include "hw/mdev/vfio-pci.h"
#include "hw/mdev/virtio-pci.h"
#include "qom/object.h"

#define TYPE_MDEV_PCI "mdev-pci"
OBJECT_DECLARE_TYPE(MdevPCIState, MdevPCIClass, MDEV_PCI)

/* Bounds of what a parent may declare (checked when its type registers). */
#define MDEV_PCI_MAX_PROPERTIES 8
#define MDEV_PCI_MAX_STATE 4

struct MdevPCIClass {
    PCIDeviceClass parent_class;

    /* The declared parent this device type creates its mdev from. */
    const MdevParentInfo *info;
    /* Its migrated state as VMState, one per MdevParentInfo.state. */
    const VMStateDescription *state_vmsd[MDEV_PCI_MAX_STATE];
};

/* Storage of one declared property; the member of its kind is used. */
typedef struct MdevPCIPropertySlot {
    char *str;
    bool b;
    uint32_t u32;
    MACAddr mac;
} MdevPCIPropertySlot;

typedef struct MdevPCIBar {
    MdevPCIState *owner;
    unsigned index;
    MemoryRegion mr;
    /* The registers of a trapped BAR (read NULL: RAM-backed, or none). */
    MdevVfioBarAccessor accessor;
    MemoryRegionOps direct_ops;
} MdevPCIBar;

/* "parent=P type=T class=C", NUL-terminated. */
#define MDEV_PCI_IDENTITY_SIZE 128

struct MdevPCIState {
    PCIDevice parent_obj;

    /* Properties. */
    Object *parent_link; /* an mdev-parent of its kind; NULL: the default */
    char *class_name;
    char *type;
    QemuUUID uuid_prop;
    /* The parent's declared properties, in MdevParentInfo order. */
    MdevPCIPropertySlot props[MDEV_PCI_MAX_PROPERTIES];
    /* The canonical UUID of the mdev, for logs and traces. */
    char *uuid;

    /* The live mdev's migrated state, one per MdevParentInfo.state. */
    void *state[MDEV_PCI_MAX_STATE];

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
    /* MSI-X (msix.offset 0: none): regions over the table and PBA */
    MdevVfioMsix msix;
    MemoryRegion msix_table_mr;
    MemoryRegion msix_pba_mr;
    MdevVfioMsixState *msix_state; /* the frontend's, for VMState */
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

    /*
     * Non-NULL while the device checks a loaded migration stream
     * (mdev_pci_check_loaded): what it logs then is held here.
     */
    GPtrArray *load_messages;
};

/* How messages name the device: its id, else its mdev's UUID. */
const char *mdev_pci_name(MdevPCIState *s);

/*
 * How guest-error lines name the device: its type, its id (else its QOM
 * path) and its mdev's UUID, e.g. "mdev-mtty 'tty0' (mdev 83b8f4f2-...)".
 * The caller frees the string.
 */
char *mdev_pci_describe(MdevPCIState *s);

/* The post_load of every mdev type's VMState (mdev-parents.c builds it). */
int mdev_pci_post_load(void *opaque, int version_id);

/*
 * Runs check(handle), a check of freshly loaded state by the device (the
 * parent's post_load, or the virtio transport's), which says by @what.
 * The guest is not running then, so what the device logs as a guest error
 * is about the stream: when the check refuses the stream, those lines (or,
 * without any, one naming @what) are printed with error_report(), so that
 * the user sees why the migration failed; when it passes, they are logged
 * as guest errors as usual. Returns 0, or -EINVAL when refused.
 */
int mdev_pci_check_loaded(MdevPCIState *s, bool (*check)(MdevHandle *h),
                          const char *what);

#endif /* HW_MDEV_MDEV_PCI_H */
