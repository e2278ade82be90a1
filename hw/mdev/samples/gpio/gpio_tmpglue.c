/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * TEMPORARY throwaway QOM glue for -device mdev-gpio, written on the pattern
 * of mdev-mdpy.c to test the gpio sample end to end before the generic glue
 * lands; that glue replaces this file, gpio_tmpglue.h and
 * gpio_tmpglue_capi.cpp.
 */
#include "qemu/osdep.h"
#include "migration/vmstate.h"
#include "hw/mdev/mdev-pci.h"
#include "gpio_tmpglue.h"

#define TYPE_MDEV_GPIO "mdev-gpio"
OBJECT_DECLARE_SIMPLE_TYPE(MdevGpioState, MDEV_GPIO)

struct MdevGpioState {
    MdevPCIState parent_obj;
    GpioTmpRegs *regs; /* owned by the mdev core; set once the mdev exists */
};

static const VMStateDescription vmstate_gpio_regs = {
    .name = "mdev-gpio/regs",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16(out, GpioTmpRegs),
        VMSTATE_UINT8(irq_enabled, GpioTmpRegs),
        VMSTATE_UINT8(irq_status, GpioTmpRegs),
        VMSTATE_UINT8(filters_on, GpioTmpRegs),
        VMSTATE_UINT8(filter_mask, GpioTmpRegs),
        VMSTATE_END_OF_LIST()
    },
};

static int mdev_gpio_post_load_state(void *opaque, int version_id)
{
    MdevGpioState *s = opaque;

    return mdev_gpio_post_load(s->parent_obj.handle) ? 0 : -EINVAL;
}

static const VMStateDescription vmstate_mdev_gpio = {
    .name = TYPE_MDEV_GPIO,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = mdev_gpio_post_load_state,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj.parent_obj, MdevGpioState),
        VMSTATE_STRUCT_POINTER(regs, MdevGpioState, vmstate_gpio_regs,
                               GpioTmpRegs),
        VMSTATE_END_OF_LIST()
    },
};

static void mdev_gpio_created(MdevPCIState *s)
{
    MDEV_GPIO(s)->regs = mdev_gpio_regs(s->handle);
}

static void mdev_gpio_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    MdevPCIClass *mc = MDEV_PCI_CLASS(klass);

    mc->parent_name = "gpio";
    mc->default_type = "gpio-idio16";
    mc->register_parent = mdev_gpio_register;
    mc->mdev_created = mdev_gpio_created;
    dc->desc = "mdev sample: ACCES PCI-IDIO-16 (16 outputs looped back to "
               "16 inputs, change-of-state interrupt)";
    dc->vmsd = &vmstate_mdev_gpio;
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    mdev_pci_class_add_properties(klass,
        "gpio-idio16 (the only one). The parent has room for 4 cards");
}

static const TypeInfo mdev_gpio_types[] = {
    {
        .name = TYPE_MDEV_GPIO,
        .parent = TYPE_MDEV_PCI,
        .instance_size = sizeof(MdevGpioState),
        .class_init = mdev_gpio_class_init,
    },
};

DEFINE_TYPES(mdev_gpio_types)
