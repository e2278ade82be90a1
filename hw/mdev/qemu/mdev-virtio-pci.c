/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the QOM side of the virtio frontend. An mdev of class virtio
 * becomes a virtio-pci modern (virtio 1.x) function: identity and the
 * vendor-specific capabilities that point into the structure BAR (BAR4),
 * MSI-X in a BAR of its own (BAR1), INTx as the fallback. The registers
 * behind BAR4 are the transport's (transport.cpp); QEMU's PCI core owns the
 * standard header and the MSI-X capability, as for QEMU's own virtio-pci.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qemu/range.h"
#include "hw/pci/pci.h"
#include "hw/pci/msix.h"
#include "migration/vmstate.h"
#include "system/runstate.h"
#include "standard-headers/linux/virtio_pci.h"
#include "mdev-virtio-pci.h"
#include "trace.h"

/*
 * Where pci_cfg_data sits in the PCI configuration access capability
 * (virtio 1.x §4.1.4.8), from the kernel's header as QEMU carries it. The
 * capabilities themselves are laid out by the QEMU-free frontend
 * (mdev_virtio_cap_layout), for this glue and the vfio-user server alike.
 */
#define VIRTIO_CAP_PCI_CFG_DATA offsetof(struct virtio_pci_cfg_cap, pci_cfg_data)

/* This frontend's state of @s (mdev_pci_frontend_state). */
static MdevVirtioPCI *mdev_virtio_pci_of(MdevPCIState *s)
{
    return container_of(mdev_pci_frontend_state(s), MdevVirtioPCI, common);
}

#define MDEV_COMMON(field) \
    (MDEV_VIRTIO_COMMON_OFFSET + offsetof(struct virtio_pci_common_cfg, field))

/*
 * Driver-level trace events for the writes a driver developer follows
 * (status, features, queue enable, kicks), beside the raw BAR accesses.
 * Decoded after the write, with what the device now reports (a refused
 * FEATURES_OK reads back clear). Reads of these registers have no side
 * effect; nothing is read unless the event is on. The write may have
 * removed the device (its own DMA or MSI): then there is nothing to ask.
 */
static void mdev_virtio_trace_driver(MdevPCIState *s, hwaddr addr,
                                     uint64_t val, unsigned size)
{
    if (!s->handle) {
        return;
    }
    if (addr >= MDEV_VIRTIO_NOTIFY_OFFSET) {
        trace_mdev_virtio_kick(s->uuid, val & 0xffff);
    } else if (addr == MDEV_COMMON(device_status) && size == 1) {
        if (trace_event_get_state_backends(TRACE_MDEV_VIRTIO_STATUS)) {
            trace_mdev_virtio_status(s->uuid, val,
                mdev_virtio_bar_read(s->handle, addr, 1));
        }
    } else if (addr == MDEV_COMMON(guest_feature) && size == 4) {
        if (trace_event_get_state_backends(TRACE_MDEV_VIRTIO_DRIVER_FEATURES)) {
            trace_mdev_virtio_driver_features(s->uuid,
                mdev_virtio_bar_read(s->handle,
                                     MDEV_COMMON(guest_feature_select), 4),
                val);
        }
    } else if (addr == MDEV_COMMON(queue_enable) && size == 2 && val == 1) {
        if (trace_event_get_state_backends(TRACE_MDEV_VIRTIO_QUEUE_ENABLE)) {
            trace_mdev_virtio_queue_enable(s->uuid,
                mdev_virtio_bar_read(s->handle, MDEV_COMMON(queue_select), 2),
                mdev_virtio_bar_read(s->handle, MDEV_COMMON(queue_size), 2),
                mdev_virtio_bar_read(s->handle, addr, 2));
        }
    }
}

static uint64_t mdev_virtio_bar_mr_read(void *opaque, hwaddr addr,
                                        unsigned size)
{
    MdevPCIState *s = opaque;
    uint64_t val = mdev_virtio_bar_read(s->handle, addr, size);

    trace_mdev_virtio_bar_read(s->uuid, addr, size, val);
    return val;
}

static void mdev_virtio_bar_mr_write(void *opaque, hwaddr addr, uint64_t val,
                                     unsigned size)
{
    MdevPCIState *s = opaque;

    trace_mdev_virtio_bar_write(s->uuid, addr, size, val);
    mdev_virtio_bar_write(s->handle, addr, val, size);
    mdev_virtio_trace_driver(s, addr, val, size);
}

/* Every size and alignment reaches the transport, which judges them. */
static const MemoryRegionOps mdev_virtio_bar_ops = {
    .read = mdev_virtio_bar_mr_read,
    .write = mdev_virtio_bar_mr_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 1,
        .max_access_size = 8,
        .unaligned = true,
    },
    .impl = {
        .min_access_size = 1,
        .max_access_size = 8,
        .unaligned = true,
    },
};

/*
 * The PCI configuration access capability (virtio 1.x §4.1.4.8): the driver
 * picks bar, offset and length in the capability, and reading or writing
 * pci_cfg_data is an access of that size to that place. Only the structure
 * BAR has anything behind it here.
 */
static bool mdev_virtio_pci_cfg_window(MdevPCIState *s, uint32_t *offset,
                                       unsigned *size, bool write)
{
    MdevVirtioPCI *v = mdev_virtio_pci_of(s);
    MdevVirtioCfgWindow w;

    if (!mdev_virtio_cfg_window(PCI_DEVICE(s)->config + v->virtio_cfg_cap,
                                &w)) {
        if (qemu_loglevel_mask(LOG_GUEST_ERROR)) {
            g_autofree char *who = mdev_pci_describe(s);

            qemu_log("%s: virtio: PCI cfg access %s of BAR%u offset 0x%x "
                     "length %u: not a 1/2/4-byte aligned access inside "
                     "BAR%u\n", who, write ? "write" : "read", w.bar,
                     w.offset, w.length, MDEV_VIRTIO_STRUCT_BAR);
        }
        return false;
    }
    *offset = w.offset;
    *size = w.length;
    return true;
}

static bool mdev_virtio_touches_cfg_data(MdevPCIState *s, uint32_t addr,
                                         int len)
{
    MdevVirtioPCI *v = mdev_virtio_pci_of(s);

    return v->virtio_cfg_cap &&
           ranges_overlap(addr, len,
                          v->virtio_cfg_cap + VIRTIO_CAP_PCI_CFG_DATA, 4);
}

static void mdev_virtio_load_identity(MdevPCIState *s,
                                      const MdevVirtioIdentity *id)
{
    uint8_t *c = PCI_DEVICE(s)->config;

    pci_set_word(c + PCI_VENDOR_ID, id->vendor_id);
    pci_set_word(c + PCI_DEVICE_ID, id->device_id);
    c[PCI_REVISION_ID] = id->revision;
    pci_set_word(c + PCI_CLASS_DEVICE, id->class_code);
    c[PCI_CLASS_PROG] = 0;
    pci_set_word(c + PCI_SUBSYSTEM_VENDOR_ID, id->subsystem_vendor_id);
    pci_set_word(c + PCI_SUBSYSTEM_ID, id->subsystem_id);
    c[PCI_INTERRUPT_PIN] = 1; /* INTA#, the fallback without MSI-X */
}

/* MSI-X is live only while the guest has it enabled. */
static void mdev_virtio_sync_msix(MdevPCIState *s)
{
    mdev_virtio_set_msix_enabled(s->handle, msix_enabled(PCI_DEVICE(s)));
}

static void mdev_virtio_use_vectors(MdevPCIState *s)
{
    unsigned i;

    for (i = 0; i < mdev_virtio_pci_of(s)->virtio_vectors; i++) {
        msix_vector_use(PCI_DEVICE(s), i);
    }
}

/*
 * The MSI-X table travels in this device's own section, which QEMU loads
 * before the concrete type's section with the PCI config (MSI-X enable and
 * function mask among it); virtio-pci loads them the other way round. So
 * once the machine runs, re-evaluate the MSI-X control word as a config
 * write would (delivering what became pending) and tell the transport.
 */
static void mdev_virtio_vm_state_change(void *opaque, bool running,
                                        RunState state)
{
    MdevPCIState *s = opaque;
    PCIDevice *pdev = PCI_DEVICE(s);
    unsigned pos;

    if (!running || !s->handle) {
        return;
    }
    pos = pdev->msix_cap + PCI_MSIX_FLAGS;
    msix_write_config(pdev, pos, pci_get_word(pdev->config + pos), 2);
    mdev_virtio_sync_msix(s);
}

static int mdev_virtio_post_load_state(void *opaque, int version_id)
{
    MdevVirtioPCI *v = opaque;

    return mdev_pci_check_loaded(v->common.dev, mdev_virtio_post_load,
                                 "the virtio transport");
}

static const VMStateDescription vmstate_mdev_virtio_queue = {
    .name = "mdev-virtio-queue",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16(size, MdevVirtioQueueState),
        VMSTATE_UINT16(msix_vector, MdevVirtioQueueState),
        VMSTATE_UINT8(enabled, MdevVirtioQueueState),
        VMSTATE_UINT64(desc, MdevVirtioQueueState),
        VMSTATE_UINT64(driver, MdevVirtioQueueState),
        VMSTATE_UINT64(device, MdevVirtioQueueState),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_mdev_virtio_transport = {
    .name = "mdev-virtio-transport",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(device_feature_select, MdevVirtioTransportState),
        VMSTATE_UINT32(driver_feature_select, MdevVirtioTransportState),
        VMSTATE_UINT64(driver_features, MdevVirtioTransportState),
        VMSTATE_UINT16(msix_config, MdevVirtioTransportState),
        VMSTATE_UINT16(queue_select, MdevVirtioTransportState),
        VMSTATE_UINT8(isr, MdevVirtioTransportState),
        VMSTATE_UINT8(msix_enabled, MdevVirtioTransportState),
        VMSTATE_STRUCT_ARRAY(queue, MdevVirtioTransportState,
                             MDEV_VIRTIO_MAX_QUEUES, 1,
                             vmstate_mdev_virtio_queue, MdevVirtioQueueState),
        VMSTATE_END_OF_LIST()
    },
};

/*
 * The transport's own section (the concrete type's vmsd holds the PCI
 * device and the device model): MSI-X table and the transport registers.
 * Its opaque is the frontend's state (MdevVirtioPCI); the MSI-X state is
 * the function's, reached through common.dev (an MdevPCIState starts with
 * its PCIDevice). The field keeps its name and layout from when the
 * opaque was the MdevPCIState, whose PCIDevice is parent_obj.
 */
QEMU_BUILD_BUG_ON(offsetof(MdevPCIState, parent_obj) != 0);

static const VMStateDescription vmstate_mdev_virtio_pci = {
    .name = "mdev-virtio-pci",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = mdev_virtio_post_load_state,
    .fields = (const VMStateField[]) {
        {
            .name = "parent_obj",
            .size = sizeof(PCIDevice),
            .vmsd = &vmstate_msix,
            .flags = VMS_STRUCT | VMS_POINTER,
            .offset = offsetof(MdevVirtioPCI, common.dev),
        },
        VMSTATE_STRUCT_POINTER(virtio_state, MdevVirtioPCI,
                               vmstate_mdev_virtio_transport,
                               MdevVirtioTransportState),
        VMSTATE_END_OF_LIST()
    },
};

static bool mdev_virtio_pci_realize(MdevPCIState *s, Error **errp)
{
    MdevVirtioPCI *v = mdev_virtio_pci_of(s);
    PCIDevice *pdev = PCI_DEVICE(s);
    MdevVirtioIdentity id;
    MdevVirtioCapLayout layout;
    unsigned i;
    g_autofree char *name = NULL;

    mdev_virtio_set_access_platform(s->handle, s->iommu_platform);
    mdev_virtio_identity(s->handle, &id);
    mdev_virtio_load_identity(s, &id);
    v->virtio_state = mdev_virtio_state(s->handle);
    v->virtio_vectors = id.num_queues + 1;

    name = g_strdup_printf("%s virtio", object_get_typename(OBJECT(s)));
    memory_region_init_io(&v->virtio_bar, OBJECT(s), &mdev_virtio_bar_ops, s,
                          name, MDEV_VIRTIO_STRUCT_BAR_SIZE);
    pci_register_bar(pdev, MDEV_VIRTIO_STRUCT_BAR,
                     PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64 |
                     PCI_BASE_ADDRESS_MEM_PREFETCH, &v->virtio_bar);

    /*
     * At the offsets the layout gives, which are where QEMU would have put
     * them (the first free space, in this order); MSI-X then takes the
     * next free space, which is the layout's msix_pos.
     */
    mdev_virtio_cap_layout(&id, &layout);
    for (i = 0; i < layout.count; i++) {
        const MdevVirtioCap *c = &layout.cap[i];
        int cap = pci_add_capability(pdev, PCI_CAP_ID_VNDR, c->pos, c->len,
                                     errp);

        if (cap < 0) {
            return false;
        }
        mdev_virtio_cap_bytes(c, pdev->config + cap + PCI_CAP_FLAGS,
                              pdev->wmask + cap + PCI_CAP_FLAGS);
    }
    v->virtio_cfg_cap = layout.cfg_cap;
    if (msix_init_exclusive_bar(pdev, v->virtio_vectors, MDEV_VIRTIO_MSIX_BAR,
                                errp) < 0) {
        return false;
    }
    mdev_virtio_use_vectors(s);
    mdev_virtio_sync_msix(s);
    vmstate_register_any(VMSTATE_IF(s), &vmstate_mdev_virtio_pci, v);
    v->virtio_vm_change =
        qemu_add_vm_change_state_handler(mdev_virtio_vm_state_change, s);
    return true;
}

static void mdev_virtio_pci_exit(MdevPCIState *s)
{
    MdevVirtioPCI *v = mdev_virtio_pci_of(s);

    qemu_del_vm_change_state_handler(v->virtio_vm_change);
    v->virtio_vm_change = NULL;
    vmstate_unregister(VMSTATE_IF(s), &vmstate_mdev_virtio_pci, v);
    msix_uninit_exclusive_bar(PCI_DEVICE(s));
    v->virtio_state = NULL;
}

static uint32_t mdev_virtio_pci_config_read(MdevPCIState *s, uint32_t addr,
                                            int len)
{
    MdevVirtioPCI *v = mdev_virtio_pci_of(s);
    PCIDevice *pdev = PCI_DEVICE(s);
    uint32_t offset;
    unsigned size;

    if (mdev_virtio_touches_cfg_data(s, addr, len)) {
        uint8_t *data = pdev->config + v->virtio_cfg_cap +
                        VIRTIO_CAP_PCI_CFG_DATA;
        uint32_t val = 0;

        if (mdev_virtio_pci_cfg_window(s, &offset, &size, false)) {
            val = mdev_virtio_bar_read(s->handle, offset, size);
        }
        pci_set_long(data, val);
    }
    return pci_default_read_config(pdev, addr, len);
}

static void mdev_virtio_pci_config_write(MdevPCIState *s, uint32_t addr,
                                         uint32_t val, int len)
{
    MdevVirtioPCI *v = mdev_virtio_pci_of(s);
    PCIDevice *pdev = PCI_DEVICE(s);
    bool was = msix_enabled(pdev);
    uint32_t offset;
    unsigned size;

    /* Also runs msix_write_config(). */
    pci_default_write_config(pdev, addr, val, len);
    if (mdev_virtio_touches_cfg_data(s, addr, len) &&
        mdev_virtio_pci_cfg_window(s, &offset, &size, true)) {
        uint32_t data = pci_get_long(pdev->config + v->virtio_cfg_cap +
                                     VIRTIO_CAP_PCI_CFG_DATA);

        mdev_virtio_bar_write(s->handle, offset,
                              size == 4 ? data : data & ((1u << (8 * size)) - 1),
                              size);
    }
    if (msix_enabled(pdev) != was) {
        trace_mdev_virtio_msix_enable(s->uuid, msix_enabled(pdev));
        mdev_virtio_sync_msix(s);
    }
}

static void mdev_virtio_pci_reset(MdevPCIState *s)
{
    /* A PCI reset disables MSI-X (the vectors stay in use). */
    mdev_virtio_set_msix_enabled(s->handle, false);
    mdev_virtio_reset(s->handle);
}

static bool mdev_virtio_pci_dma_translated(MdevPCIState *s)
{
    return mdev_virtio_dma_translated(s->handle);
}

static const MdevPCIFrontend mdev_virtio_pci_frontend = {
    .state_size = sizeof(MdevVirtioPCI),
    .realize = mdev_virtio_pci_realize,
    .exit = mdev_virtio_pci_exit,
    .reset = mdev_virtio_pci_reset,
    .config_read = mdev_virtio_pci_config_read,
    .config_write = mdev_virtio_pci_config_write,
    .dma_translated = mdev_virtio_pci_dma_translated,
};

static void mdev_virtio_pci_register_frontend(void)
{
    mdev_pci_register_frontend(MDEV_CLASS_VIRTIO, &mdev_virtio_pci_frontend);
}

type_init(mdev_virtio_pci_register_frontend)
