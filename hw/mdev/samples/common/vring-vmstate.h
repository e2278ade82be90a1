/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the VMState of a sample's split virtqueue (vring_state.h),
 * shared by the samples' QOM glue.
 */
#ifndef HW_MDEV_SAMPLES_VRING_VMSTATE_H
#define HW_MDEV_SAMPLES_VRING_VMSTATE_H

#include "migration/vmstate.h"
#include "vring_state.h"

extern const VMStateDescription vmstate_mdev_vring;

#endif /* HW_MDEV_SAMPLES_VRING_VMSTATE_H */
