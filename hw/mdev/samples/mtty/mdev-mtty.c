/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: -device mdev-mtty, the QOM type of the mtty sample parent
 * (one or two serial ports looping back: a PCI card of 16550A UARTs with
 * class=vfio, a multiport virtio-console with class=virtio). The device
 * logic is in mtty*.cpp; this file only names the parent, and describes
 * the device's state for migration.
 */
#include "qemu/osdep.h"
#include "migration/vmstate.h"
#include "hw/mdev/mdev-pci.h"
#include "mtty.h"
#include "../common/vring-vmstate.h"

#define TYPE_MDEV_MTTY "mdev-mtty"
OBJECT_DECLARE_SIMPLE_TYPE(MdevMttyState, MDEV_MTTY)

struct MdevMttyState {
    MdevPCIState parent_obj;
    /* Owned by the mdev core; set once the mdev exists. */
    MttyDeviceState *state;
    /* The virtio face's state; NULL unless class=virtio. */
    MttyVirtioState *virtio;
};

static const VMStateDescription vmstate_mtty_uart = {
    .name = "mdev-mtty/uart",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8_ARRAY(rx_fifo, MttyUartState, MTTY_FIFO_SIZE),
        VMSTATE_UINT8(rx_head, MttyUartState),
        VMSTATE_UINT8(rx_count, MttyUartState),
        VMSTATE_UINT8(ier, MttyUartState),
        VMSTATE_UINT8(fcr, MttyUartState),
        VMSTATE_UINT8(lcr, MttyUartState),
        VMSTATE_UINT8(mcr, MttyUartState),
        VMSTATE_UINT8(msr_deltas, MttyUartState),
        VMSTATE_UINT8(scr, MttyUartState),
        VMSTATE_UINT8(dll, MttyUartState),
        VMSTATE_UINT8(dlm, MttyUartState),
        VMSTATE_BOOL(overrun, MttyUartState),
        VMSTATE_BOOL(thre_pending, MttyUartState),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_mtty_device = {
    .name = "mdev-mtty/device",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT_ARRAY(port, MttyDeviceState, MTTY_MAX_PORTS_PER_DEVICE,
                             1, vmstate_mtty_uart, MttyUartState),
        VMSTATE_UINT8_ARRAY(config, MttyDeviceState, MTTY_CONFIG_SPACE_SIZE),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_mtty_virtio_port = {
    .name = "mdev-mtty/virtio-port",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(tx_offset, MttyVirtioPort),
        VMSTATE_UINT8(pending, MttyVirtioPort),
        VMSTATE_BOOL(ready, MttyVirtioPort),
        VMSTATE_BOOL(guest_open, MttyVirtioPort),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_mtty_virtio_state = {
    .name = "mdev-mtty/virtio-state",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(status, MttyVirtioState),
        VMSTATE_UINT64(features, MttyVirtioState),
        VMSTATE_STRUCT_ARRAY(vq, MttyVirtioState, MTTY_VIRTIO_MAX_QUEUES, 1,
                             vmstate_mdev_vring, VringState),
        VMSTATE_STRUCT_ARRAY(port, MttyVirtioState, MTTY_MAX_PORTS_PER_DEVICE,
                             1, vmstate_mtty_virtio_port, MttyVirtioPort),
        VMSTATE_BOOL(device_ready, MttyVirtioState),
        VMSTATE_END_OF_LIST()
    },
};

static bool mdev_mtty_virtio_needed(void *opaque)
{
    MdevMttyState *s = opaque;

    return s->virtio != NULL;
}

/*
 * The virtio face's state travels only with class=virtio, so a vfio-class
 * stream keeps the layout it had before the face existed.
 */
static const VMStateDescription vmstate_mdev_mtty_virtio = {
    .name = "mdev-mtty/virtio",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = mdev_mtty_virtio_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT_POINTER(virtio, MdevMttyState, vmstate_mtty_virtio_state,
                               MttyVirtioState),
        VMSTATE_END_OF_LIST()
    },
};

static int mdev_mtty_post_load_state(void *opaque, int version_id)
{
    MdevMttyState *s = opaque;

    return mdev_mtty_post_load(s->parent_obj.handle) ? 0 : -EINVAL;
}

static const VMStateDescription vmstate_mdev_mtty = {
    .name = TYPE_MDEV_MTTY,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = mdev_mtty_post_load_state,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj.parent_obj, MdevMttyState),
        VMSTATE_STRUCT_POINTER(state, MdevMttyState, vmstate_mtty_device,
                               MttyDeviceState),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_mdev_mtty_virtio,
        NULL
    },
};

static void mdev_mtty_created(MdevPCIState *s)
{
    MDEV_MTTY(s)->state = mdev_mtty_state(s->handle);
    if (mdev_class(s->handle) == MDEV_CLASS_VIRTIO) {
        MDEV_MTTY(s)->virtio = mdev_mtty_virtio_state(s->handle);
    }
}

static void mdev_mtty_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    MdevPCIClass *mc = MDEV_PCI_CLASS(klass);

    mc->parent_name = "mtty";
    mc->default_type = "mtty-2";
    mc->register_parent = mdev_mtty_register;
    mc->mdev_created = mdev_mtty_created;
    dc->desc = "mdev sample: serial ports looping back, as a PCI serial card "
               "of 16550A UARTs (class=vfio) or a multiport virtio-console "
               "(class=virtio)";
    dc->vmsd = &vmstate_mdev_mtty;
    set_bit(DEVICE_CATEGORY_INPUT, dc->categories);
    mdev_pci_class_add_properties(klass,
        "mtty-1 (one port, BAR0) or mtty-2 (two ports, BAR0 and BAR1); "
        "default mtty-2. The parent has 24 ports in all");
}

static const TypeInfo mdev_mtty_types[] = {
    {
        .name = TYPE_MDEV_MTTY,
        .parent = TYPE_MDEV_PCI,
        .instance_size = sizeof(MdevMttyState),
        .class_init = mdev_mtty_class_init,
    },
};

DEFINE_TYPES(mdev_mtty_types)
