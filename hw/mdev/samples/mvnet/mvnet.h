/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the mvnet sample's C entry points, for its QOM glue.
 */
#ifndef HW_MDEV_SAMPLES_MVNET_H
#define HW_MDEV_SAMPLES_MVNET_H

#include "hw/mdev/mdev.h"
#include "mvnet_state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Register the mvnet parent and its (virtio) ops with the core (idempotent). */
void mdev_mvnet_register(void);

/* The plain-data state of an mvnet mdev, for VMState. */
MvnetState *mdev_mvnet_state(MdevHandle *h);

/*
 * The station address. Every mdev starts with one derived from its UUID
 * (02:xx:xx:xx:xx:xx from the UUID's last five bytes); the glue replaces it
 * with the user's before the guest runs, or reads it back to show it.
 */
void mdev_mvnet_get_mac(MdevHandle *h, uint8_t mac[MVNET_MAC_LEN]);
void mdev_mvnet_set_mac(MdevHandle *h, const uint8_t mac[MVNET_MAC_LEN]);

/* After a migration load: false if the state is not one the model accepts. */
bool mdev_mvnet_post_load(MdevHandle *h);

#ifdef __cplusplus
}
#endif

#endif /* HW_MDEV_SAMPLES_MVNET_H */
