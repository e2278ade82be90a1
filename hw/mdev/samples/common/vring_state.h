/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device side of one split virtqueue (virtio 1.x §2.7), as plain data.
 *
 * C and C++: the ring walker (vring_device.hpp) works on it by reference and
 * the samples' QOM glue migrates it with VMState (vring-vmstate.c). Nothing
 * here is trusted after a load: the walker checks every value again on use.
 */
#ifndef HW_MDEV_SAMPLES_VRING_STATE_H
#define HW_MDEV_SAMPLES_VRING_STATE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct VringState {
    /* Guest-physical addresses of the three areas, as the driver set them. */
    uint64_t desc;
    uint64_t avail;
    uint64_t used;
    /* Queue size in use: a power of two, 1 .. the device's maximum. */
    uint16_t num;
    /* Free-running index of the next avail ring entry the device reads. */
    uint16_t last_avail_idx;
    /* Free-running index of the next used ring entry the device writes. */
    uint16_t used_idx;
    /* The driver enabled the queue (queue_enable). */
    bool ready;
    /*
     * The driver broke the ring (loop, index out of range, bad address...):
     * the device does not touch the queue again until reset.
     */
    bool broken;
    /*
     * How often the queue was reset; not migrated (only walkers that exist
     * now compare it). A walker remembers it and, once it changed, touches
     * guest memory no more: a reset that happens while the device works on
     * the ring (its own MSI reached its config space, say) leaves a ring the
     * driver no longer has, which the rest of that walk must not write to.
     */
    uint32_t resets;
} VringState;

#endif /* HW_MDEV_SAMPLES_VRING_STATE_H */
