/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the virtio frontend's C interface, used by the QOM glue that
 * shows an mdev of class virtio as a virtio-pci modern (virtio 1.x) device.
 * The register logic is C++ (hw/mdev/virtio/transport.cpp); the glue maps
 * the BARs, builds the capability list from the layout below, and runs
 * MSI-X.
 */
#ifndef HW_MDEV_VIRTIO_PCI_H
#define HW_MDEV_VIRTIO_PCI_H

#include "hw/mdev/capi/mdev.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Queues the transport models at most (the device may offer fewer). */
#define MDEV_VIRTIO_MAX_QUEUES 64
#define MDEV_VIRTIO_NO_VECTOR 0xffff

/*
 * The BAR with the virtio structures (BAR4, as QEMU's virtio-pci): one
 * 4 KiB page each, at fixed offsets. The notify structure has one 4-byte
 * doorbell per queue (notify_off_multiplier 4, queue_notify_off = index).
 */
#define MDEV_VIRTIO_STRUCT_BAR 4
#define MDEV_VIRTIO_MSIX_BAR 1
#define MDEV_VIRTIO_COMMON_OFFSET 0x0000
#define MDEV_VIRTIO_COMMON_SIZE 0x38
#define MDEV_VIRTIO_ISR_OFFSET 0x1000
#define MDEV_VIRTIO_ISR_SIZE 1
#define MDEV_VIRTIO_DEVICE_OFFSET 0x2000
#define MDEV_VIRTIO_NOTIFY_OFFSET 0x3000
#define MDEV_VIRTIO_NOTIFY_MULTIPLIER 4
#define MDEV_VIRTIO_PAGE 0x1000
#define MDEV_VIRTIO_STRUCT_BAR_SIZE 0x4000

/*
 * The MSI-X BAR as QEMU's msix_init_exclusive_bar() lays one out for up to
 * 128 vectors (the transport has at most MDEV_VIRTIO_MAX_QUEUES + 1): 4 KiB,
 * the table at 0, the Pending Bit Array in the upper half. A host that
 * builds the function itself (the vfio-user server) uses the same.
 */
#define MDEV_VIRTIO_MSIX_BAR_SIZE 0x1000
#define MDEV_VIRTIO_MSIX_TABLE_OFFSET 0
#define MDEV_VIRTIO_MSIX_PBA_OFFSET 0x800

/*
 * The function's vendor-specific virtio capabilities (virtio 1.x §4.1.4),
 * laid out once (hw/mdev/virtio/pci_caps.cpp) for every host that builds
 * the function: QEMU's glue and the vfio-user server. In list order:
 * common, ISR, device (only if the device has config), notify, PCI
 * configuration access; each at `pos` in config space, from 0x40 upwards,
 * dword-aligned, one after the other (where QEMU's pci_add_capability
 * would put them too). MSI-X goes at `msix_pos`, the first dword after.
 */
#define MDEV_VIRTIO_MAX_CAPS 5

typedef struct MdevVirtioCap {
    uint8_t pos;        /* offset of the capability in config space */
    uint8_t cfg_type;   /* VIRTIO_PCI_CAP_*_CFG */
    uint8_t len;        /* cap_len: bytes from the capability ID on */
    uint8_t bar;
    uint32_t offset;    /* of the structure in the BAR */
    uint32_t length;    /* of the structure */
    uint32_t notify_off_multiplier; /* notify capability only */
} MdevVirtioCap;

typedef struct MdevVirtioCapLayout {
    MdevVirtioCap cap[MDEV_VIRTIO_MAX_CAPS];
    unsigned count;
    uint8_t cfg_cap;    /* pos of the PCI configuration access capability */
    uint8_t msix_pos;   /* where the MSI-X capability goes */
} MdevVirtioCapLayout;

/* The PCI configuration access window a driver set up in that capability. */
typedef struct MdevVirtioCfgWindow {
    uint8_t bar;
    uint32_t offset;
    uint32_t length;
} MdevVirtioCfgWindow;

/* One virtqueue as the driver programmed it through common config. */
typedef struct MdevVirtioQueueState {
    uint16_t size;
    uint16_t msix_vector;
    uint8_t enabled;
    uint64_t desc;
    uint64_t driver;
    uint64_t device;
} MdevVirtioQueueState;

/*
 * The transport's registers (the device's own state, status included, is
 * the device's). Plain data so the glue can describe it with VMState.
 */
typedef struct MdevVirtioTransportState {
    uint32_t device_feature_select;
    uint32_t driver_feature_select;
    uint64_t driver_features;
    uint16_t msix_config;
    uint16_t queue_select;
    uint8_t isr;
    uint8_t msix_enabled;
    MdevVirtioQueueState queue[MDEV_VIRTIO_MAX_QUEUES];
} MdevVirtioTransportState;

/* PCI identity of the function (virtio 1.x §4.1.2). */
typedef struct MdevVirtioIdentity {
    uint16_t vendor_id;
    uint16_t device_id;
    uint8_t revision;
    uint16_t subsystem_vendor_id;
    uint16_t subsystem_id;
    uint16_t class_code;
    uint32_t virtio_device_id;
    uint16_t num_queues;
    uint32_t config_size;   /* bytes of device-specific config */
} MdevVirtioIdentity;

void mdev_virtio_identity(MdevHandle *h, MdevVirtioIdentity *out);

/* The capabilities of a function of this identity (no device needed). */
void mdev_virtio_cap_layout(const MdevVirtioIdentity *id,
                            MdevVirtioCapLayout *out);
/*
 * One capability's bytes from PCI_CAP_FLAGS (cap_len) to its end, and
 * which bits of them the driver may write (the configuration access
 * capability's bar, offset, length and pci_cfg_data): cap->len - 2 bytes
 * each. The capability ID and next pointer are the host's to write.
 */
void mdev_virtio_cap_bytes(const MdevVirtioCap *cap, uint8_t *body,
                           uint8_t *write_mask);
/*
 * The window that the configuration access capability at @cap (its bytes
 * from the ID on) describes. False if it
 * is not a 1, 2 or 4-byte aligned access inside the structure BAR (the
 * driver's mistake: the host logs it with *out, which is always filled).
 */
bool mdev_virtio_cfg_window(const uint8_t *cap, MdevVirtioCfgWindow *out);
/* The register file, for VMState; valid until mdev_destroy(). */
MdevVirtioTransportState *mdev_virtio_state(MdevHandle *h);

/* A guest access to the structure BAR: checked, logged if bad. */
uint64_t mdev_virtio_bar_read(MdevHandle *h, uint64_t offset, unsigned size);
void mdev_virtio_bar_write(MdevHandle *h, uint64_t offset, uint64_t value,
                           unsigned size);

void mdev_virtio_set_msix_enabled(MdevHandle *h, bool enabled);

/*
 * Offer VIRTIO_F_ACCESS_PLATFORM (virtio-pci's iommu_platform): set at
 * realize, before the guest runs. Offered, the driver must accept it.
 */
void mdev_virtio_set_access_platform(MdevHandle *h, bool offered);
/*
 * Whether the driver negotiated ACCESS_PLATFORM: the addresses it gives
 * are then I/O virtual addresses for the function's IOMMU, otherwise
 * guest-physical ones.
 */
bool mdev_virtio_dma_translated(MdevHandle *h);
/* System reset: the device and the transport back to reset state. */
void mdev_virtio_reset(MdevHandle *h);
/* After an incoming migration: false if the state is not acceptable. */
bool mdev_virtio_post_load(MdevHandle *h);

#ifdef __cplusplus
}
#endif

#endif /* HW_MDEV_VIRTIO_PCI_H */
