/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the mtty sample's C entry points, for its QOM glue.
 */
#ifndef HW_MDEV_SAMPLES_MTTY_H
#define HW_MDEV_SAMPLES_MTTY_H

#include "hw/mdev/mdev.h"
#include "mtty_device.h"
#include "mtty_virtio_state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Register the mtty parent and its ops with the core (idempotent). */
void mdev_mtty_register(void);

/* The plain-data state of an mtty mdev, for VMState. */
MttyDeviceState *mdev_mtty_state(MdevHandle *h);

/* The plain-data state of the mdev's virtio face, for VMState. */
MttyVirtioState *mdev_mtty_virtio_state(MdevHandle *h);

/*
 * After the state was loaded from a migration stream: check it and bring
 * the interrupt pin in line with it. False if the state is invalid.
 */
bool mdev_mtty_post_load(MdevHandle *h);

#ifdef __cplusplus
}
#endif

#endif /* HW_MDEV_SAMPLES_MTTY_H */
