/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the mdev bus and the QOM mirror of an mdev on it.
 */
#include "qemu/osdep.h"
#include "hw/mdev/qemu/mdev-bus.h"
#include "hw/qdev-properties.h"

static const Property mdev_device_properties[] = {
    DEFINE_PROP_STRING("parent", MdevDevice, parent_name),
    DEFINE_PROP_STRING("mdev-type", MdevDevice, type),
    DEFINE_PROP_STRING("uuid", MdevDevice, uuid),
    DEFINE_PROP_STRING("class", MdevDevice, class_name),
    DEFINE_PROP_STRING("driver", MdevDevice, driver),
};

static void mdev_device_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->desc = "A mediated device created by an mdev parent";
    dc->bus_type = TYPE_MDEV_BUS;
    /* Created by its PCI function (e.g. -device mdev-mtty), never alone. */
    dc->user_creatable = false;
    device_class_set_props(dc, mdev_device_properties);
    object_class_property_set_description(klass, "parent",
        "The mdev parent the device was carved from");
    object_class_property_set_description(klass, "mdev-type",
        "The parent's mdev type (sysfs type-id)");
    object_class_property_set_description(klass, "uuid", "The mdev's UUID");
    object_class_property_set_description(klass, "class",
        "The mdev class (vfio or virtio) whose ops drive it");
    object_class_property_set_description(klass, "driver",
        "The frontend driver the mdev bus bound it to");
}

static const TypeInfo mdev_bus_types[] = {
    {
        .name = TYPE_MDEV_BUS,
        .parent = TYPE_BUS,
        .instance_size = sizeof(MdevBus),
    },
    {
        .name = TYPE_MDEV_DEVICE,
        .parent = TYPE_DEVICE,
        .instance_size = sizeof(MdevDevice),
        .class_init = mdev_device_class_init,
    },
};

DEFINE_TYPES(mdev_bus_types)
/* In a build with --enable-modules: the module that holds these types. */
module_obj(TYPE_MDEV_BUS);
module_obj(TYPE_MDEV_DEVICE);
module_kconfig(MDEV);
