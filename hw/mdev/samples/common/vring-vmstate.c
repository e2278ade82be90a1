/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: VMState of a sample's split virtqueue. No check here: the ring
 * walker checks every value on use and breaks the ring on a bad one.
 */
#include "qemu/osdep.h"
#include "vring-vmstate.h"

const VMStateDescription vmstate_mdev_vring = {
    .name = "mdev-vring",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(desc, VringState),
        VMSTATE_UINT64(avail, VringState),
        VMSTATE_UINT64(used, VringState),
        VMSTATE_UINT16(num, VringState),
        VMSTATE_UINT16(last_avail_idx, VringState),
        VMSTATE_UINT16(used_idx, VringState),
        VMSTATE_BOOL(ready, VringState),
        VMSTATE_BOOL(broken, VringState),
        VMSTATE_END_OF_LIST()
    },
};
