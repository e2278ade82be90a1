/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: -device mdev-mdpy, the QOM type of the mdpy sample parent (a
 * minimal PCI display: a fixed-mode XRGB8888 framebuffer in BAR0). The
 * device logic is in mdpy*.cpp and the graphic console in the vfio
 * frontend; this file only names the parent, and describes the device's
 * state for migration (its framebuffer migrates as RAM).
 */
#include "qemu/osdep.h"
#include "migration/vmstate.h"
#include "hw/mdev/mdev-pci.h"
#include "mdpy.h"

#define TYPE_MDEV_MDPY "mdev-mdpy"
OBJECT_DECLARE_SIMPLE_TYPE(MdevMdpyState, MDEV_MDPY)

struct MdevMdpyState {
    MdevPCIState parent_obj;
    /* Owned by the mdev core; set once the mdev exists. */
    MdpyDeviceState *state;
};

static const VMStateDescription vmstate_mdpy_device = {
    .name = "mdev-mdpy/device",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8_ARRAY(config, MdpyDeviceState, MDPY_CONFIG_SPACE_SIZE),
        VMSTATE_END_OF_LIST()
    },
};

static int mdev_mdpy_post_load_state(void *opaque, int version_id)
{
    MdevMdpyState *s = opaque;

    return mdev_mdpy_post_load(s->parent_obj.handle) ? 0 : -EINVAL;
}

static const VMStateDescription vmstate_mdev_mdpy = {
    .name = TYPE_MDEV_MDPY,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = mdev_mdpy_post_load_state,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj.parent_obj, MdevMdpyState),
        VMSTATE_STRUCT_POINTER(state, MdevMdpyState, vmstate_mdpy_device,
                               MdpyDeviceState),
        VMSTATE_END_OF_LIST()
    },
};

static void mdev_mdpy_created(MdevPCIState *s)
{
    MDEV_MDPY(s)->state = mdev_mdpy_state(s->handle);
}

static void mdev_mdpy_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    MdevPCIClass *mc = MDEV_PCI_CLASS(klass);

    mc->parent_name = "mdpy";
    mc->default_type = "mdpy-vga";
    mc->register_parent = mdev_mdpy_register;
    mc->mdev_created = mdev_mdpy_created;
    dc->desc = "mdev sample: minimal PCI display (XRGB8888 framebuffer in BAR0)";
    dc->vmsd = &vmstate_mdev_mdpy;
    set_bit(DEVICE_CATEGORY_DISPLAY, dc->categories);
    mdev_pci_class_add_properties(klass,
        "mdpy-vga (640x480), mdpy-xga (1024x768) or mdpy-hd (1920x1080); "
        "default mdpy-vga. The parent has room for 4 devices in all");
}

static const TypeInfo mdev_mdpy_types[] = {
    {
        .name = TYPE_MDEV_MDPY,
        .parent = TYPE_MDEV_PCI,
        .instance_size = sizeof(MdevMdpyState),
        .class_init = mdev_mdpy_class_init,
    },
};

DEFINE_TYPES(mdev_mdpy_types)
