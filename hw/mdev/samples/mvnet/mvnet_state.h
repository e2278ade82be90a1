/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The whole state of one mvnet mdev (a virtio-net device looping every frame
 * it transmits back into its own receive queue), as plain data: C and C++,
 * for the C++ model and the QOM glue's VMState. Frames waiting for an RX
 * buffer stay in the guest's TX ring (not consumed), so no frame data lives
 * here.
 */
#ifndef HW_MDEV_SAMPLES_MVNET_STATE_H
#define HW_MDEV_SAMPLES_MVNET_STATE_H

#include "../common/vring_state.h"

#define MVNET_QUEUE_RX 0
#define MVNET_QUEUE_TX 1
#define MVNET_NUM_QUEUES 2
#define MVNET_QUEUE_MAX 256
#define MVNET_MAC_LEN 6

typedef struct MvnetState {
    /* Virtio status byte (virtio 1.x §2.1). */
    uint8_t status;
    /* Features the driver accepted (a subset of those offered). */
    uint64_t features;
    /* The station address the config space shows (fixed at creation). */
    uint8_t mac[MVNET_MAC_LEN];
    VringState vq[MVNET_NUM_QUEUES];
} MvnetState;

#endif /* HW_MDEV_SAMPLES_MVNET_STATE_H */
