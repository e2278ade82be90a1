/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the mdpy sample's C entry points, for its QOM glue.
 */
#ifndef HW_MDEV_SAMPLES_MDPY_H
#define HW_MDEV_SAMPLES_MDPY_H

#include "hw/mdev/mdev.h"
#include "mdpy_device.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Register the mdpy parent and its ops with the core (idempotent). */
void mdev_mdpy_register(void);

/* The plain-data state of an mdpy mdev, for VMState. */
MdpyDeviceState *mdev_mdpy_state(MdevHandle *h);

/*
 * After the state was loaded from a migration stream: put back every
 * read-only config byte (ids, capability, mode), keeping only what the
 * guest can write (BAR0's address). False if the state cannot be used.
 */
bool mdev_mdpy_post_load(MdevHandle *h);

#ifdef __cplusplus
}
#endif

#endif /* HW_MDEV_SAMPLES_MDPY_H */
