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
#include "hw/mdev/qemu/mdev-bus.h"
#include "hw/mdev/capi/mdev.h"
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

/*
 * The frontend of a class: what builds the PCI function of an mdev of that
 * class and serves it. Each frontend registers its table for its class
 * (mdev_pci_register_frontend) from its own file; mdev-pci.c looks the
 * table up by the class of the mdev it created and knows no frontend
 * otherwise.
 *
 * A frontend keeps what it needs per function in a state of its own, a
 * struct whose first member is an MdevPCIFrontendState. mdev-pci.c
 * allocates it (zeroed, state_size bytes) before realize and frees it at
 * instance_finalize, not at exit: the frontend may embed its memory regions
 * in it, which the device owns until then, and a guest access or callback
 * that removed its own device still runs on it after exit returned. The
 * frontend reaches it from the device with mdev_pci_frontend_state().
 *
 * The frontend's migration sections are its own: it registers them at
 * realize, with its state as their opaque, and unregisters them at exit.
 */
typedef struct MdevPCIFrontendState {
    MdevPCIState *dev; /* the function this state belongs to */
} MdevPCIFrontendState;

typedef struct MdevPCIFrontend {
    /* The size of the frontend's state (at least MdevPCIFrontendState). */
    size_t state_size;
    /* Builds the function: config space, BARs, interrupts. */
    bool (*realize)(MdevPCIState *s, Error **errp);
    /* Undoes a realize that succeeded (the mdev is still there). */
    void (*exit)(MdevPCIState *s);
    /* A reset of the function (the mdev is live). */
    void (*reset)(MdevPCIState *s);
    /* Config space accesses while the mdev is live. */
    uint32_t (*config_read)(MdevPCIState *s, uint32_t addr, int len);
    void (*config_write)(MdevPCIState *s, uint32_t addr, uint32_t val,
                         int len);
    /*
     * After the whole function was loaded from a migration stream and the
     * device accepted its own state: set up what the loaded state means
     * (interrupt routing, say). Optional.
     */
    void (*post_load)(MdevPCIState *s);
    /*
     * Whether the addresses the function's DMA uses now are I/O virtual
     * addresses, translated by the guest's IOMMU (the PCI device's
     * bus-master address space), or guest-physical ones (virtio without
     * VIRTIO_F_ACCESS_PLATFORM). NULL: always translated, as a PCI
     * function's DMA is. A frontend with this hook honours the
     * iommu_platform property; one without refuses iommu_platform=on.
     */
    bool (*dma_translated)(MdevPCIState *s);
    /*
     * The function is pulled out of its slot (false: what the machine
     * serves itself, the config header and the BARs, reads all ones and
     * ignores writes) or put back (true: reset as a card just inserted,
     * then return true). The vfio frontend's surprise-removal fault; it may
     * run from a monitor command's callback. Optional: NULL does nothing.
     */
    bool (*set_present)(MdevPCIState *s, bool present);
} MdevPCIFrontend;

/* Makes @fe the frontend of mdevs of class @cls (once per class). */
void mdev_pci_register_frontend(MdevClass cls, const MdevPCIFrontend *fe);

/* The frontend's state of a realized function (see MdevPCIFrontend). */
MdevPCIFrontendState *mdev_pci_frontend_state(MdevPCIState *s);

/* "parent=P type=T class=C", NUL-terminated. */
#define MDEV_PCI_IDENTITY_SIZE 128

struct MdevPCIState {
    PCIDevice parent_obj;

    /* Properties. */
    Object *parent_link; /* an mdev-parent of its kind; NULL: the default */
    char *class_name;
    char *type;
    QemuUUID uuid_prop;
    /* virtio's VIRTIO_F_ACCESS_PLATFORM, as virtio-pci's iommu_platform. */
    bool iommu_platform;
    /* The parent's declared properties, in MdevParentInfo order. */
    MdevPCIPropertySlot props[MDEV_PCI_MAX_PROPERTIES];
    /*
     * Whether the uuid property was left "auto" (not given, or given as
     * "auto"): then a migration stream's UUID replaces the random one.
     */
    bool uuid_auto;
    /* The canonical UUID of the mdev, for logs and traces. */
    char *uuid;
    /* The UUID as the identity section carries it (version 2). */
    uint8_t stream_uuid[16];

    /* The live mdev's migrated state, one per MdevParentInfo.state. */
    void *state[MDEV_PCI_MAX_STATE];

    /* What a migration stream must match (mdev-pci.c), set at realize. */
    char identity[MDEV_PCI_IDENTITY_SIZE];

    MdevBus bus;
    MdevDevice mdev;
    MdevHandle *handle;
    /* Holds the mdev's C++ state (and memory) until instance_finalize. */
    MdevHold *hold;

    /* The frontend of the mdev's class and its state (MdevPCIFrontend). */
    const MdevPCIFrontend *frontend;
    MdevPCIFrontendState *frontend_state;

    /*
     * Non-NULL while the device checks a loaded migration stream
     * (mdev_pci_check_loaded): what it logs then is held here.
     */
    GPtrArray *load_messages;

    /*
     * While the parent says the mdev's state cannot migrate: its reason,
     * and QEMU's migration blocker naming the device and the reason (NULL
     * if QEMU refused to add it: a migration was under way, or
     * -only-migratable; pre_save refuses then).
     */
    char *migration_block_reason;
    Error *migration_blocker;
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
/* Its pre_save: refuses while the parent blocks migration. */
int mdev_pci_pre_save(void *opaque);

/*
 * The setter of the "uuid" property (mdev-parents.c declares it): qdev's,
 * plus whether the UUID was left "auto" (MdevPCIState.uuid_auto).
 */
extern const PropertyInfo mdev_prop_uuid;

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
