/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the mbochs sample's C entry points, for its QOM glue.
 */
#ifndef HW_MDEV_SAMPLES_MBOCHS_H
#define HW_MDEV_SAMPLES_MBOCHS_H

#include "hw/mdev/mdev.h"
#include "mbochs_state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Register the mbochs parent and its ops with the core (idempotent). */
void mdev_mbochs_register(void);

/* The plain-data register state of an mbochs mdev, for VMState. */
MbochsDeviceState *mdev_mbochs_state(MdevHandle *h);

/*
 * After the state was loaded from a migration stream: false if it is not a
 * state the device could be in (the load then fails).
 */
bool mdev_mbochs_post_load(MdevHandle *h);

#ifdef __cplusplus
}
#endif

#endif /* HW_MDEV_SAMPLES_MBOCHS_H */
