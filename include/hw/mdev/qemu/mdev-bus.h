/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the mdev bus in QOM. Each mdev PCI function carries an mdev
 * bus with the mdev on it, so that `info qtree` shows which parent, type,
 * UUID and class the core created and which frontend driver bound it.
 */
#ifndef HW_MDEV_MDEV_BUS_H
#define HW_MDEV_MDEV_BUS_H

#include "hw/qdev-core.h"
#include "qom/object.h"

#define TYPE_MDEV_BUS "mdev-bus"
OBJECT_DECLARE_SIMPLE_TYPE(MdevBus, MDEV_BUS)

struct MdevBus {
    BusState parent_obj;
};

#define TYPE_MDEV_DEVICE "mdev-device"
OBJECT_DECLARE_SIMPLE_TYPE(MdevDevice, MDEV_DEVICE)

/* The QOM mirror of one mdev of the core; not user-creatable. */
struct MdevDevice {
    DeviceState parent_obj;

    char *parent_name;
    char *type;
    char *uuid;
    char *class_name;
    char *driver;
};

#endif /* HW_MDEV_MDEV_BUS_H */
