/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: -device mdev-mbochs, the QOM type of the mbochs sample parent
 * (a bochs display: video memory in BAR0, EDID and DISPI registers in
 * BAR2). The device logic is in mbochs*.cpp; this file only names the
 * parent and describes the register state for migration. The video memory
 * is a RAM-backed BAR, which the vfio frontend maps as RAM.
 */
#include "qemu/osdep.h"
#include "migration/vmstate.h"
#include "hw/mdev/mdev-pci.h"
#include "mbochs.h"

#define TYPE_MDEV_MBOCHS "mdev-mbochs"
OBJECT_DECLARE_SIMPLE_TYPE(MdevMbochsState, MDEV_MBOCHS)

struct MdevMbochsState {
    MdevPCIState parent_obj;
    /* Owned by the mdev core; set once the mdev exists. */
    MbochsDeviceState *state;
};

static const VMStateDescription vmstate_mbochs_device = {
    .name = "mdev-mbochs/device",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16_ARRAY(dispi, MbochsDeviceState, MBOCHS_DISPI_NUM_REGS),
        VMSTATE_UINT8_ARRAY(config, MbochsDeviceState, MBOCHS_CONFIG_SPACE_SIZE),
        VMSTATE_END_OF_LIST()
    },
};

static int mdev_mbochs_post_load_state(void *opaque, int version_id)
{
    MdevMbochsState *s = opaque;

    return mdev_mbochs_post_load(s->parent_obj.handle) ? 0 : -EINVAL;
}

static const VMStateDescription vmstate_mdev_mbochs = {
    .name = TYPE_MDEV_MBOCHS,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = mdev_mbochs_post_load_state,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj.parent_obj, MdevMbochsState),
        VMSTATE_STRUCT_POINTER(state, MdevMbochsState, vmstate_mbochs_device,
                               MbochsDeviceState),
        VMSTATE_END_OF_LIST()
    },
};

static void mdev_mbochs_created(MdevPCIState *s)
{
    MDEV_MBOCHS(s)->state = mdev_mbochs_state(s->handle);
}

static void mdev_mbochs_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    MdevPCIClass *mc = MDEV_PCI_CLASS(klass);

    mc->parent_name = "mbochs";
    mc->default_type = "mbochs-medium";
    mc->register_parent = mdev_mbochs_register;
    mc->mdev_created = mdev_mbochs_created;
    dc->desc = "mdev sample: bochs display (DISPI registers, EDID, video memory)";
    dc->vmsd = &vmstate_mdev_mbochs;
    set_bit(DEVICE_CATEGORY_DISPLAY, dc->categories);
    mdev_pci_class_add_properties(klass,
        "mbochs-small (4 MiB video memory, modes up to 800x600), "
        "mbochs-medium (16 MiB, up to 1920x1440) or mbochs-large (64 MiB); "
        "default mbochs-medium. The parent has 256 MB of video memory in all");
}

static const TypeInfo mdev_mbochs_types[] = {
    {
        .name = TYPE_MDEV_MBOCHS,
        .parent = TYPE_MDEV_PCI,
        .instance_size = sizeof(MdevMbochsState),
        .class_init = mdev_mbochs_class_init,
    },
};

DEFINE_TYPES(mdev_mbochs_types)
