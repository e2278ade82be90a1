/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The state of one mdpy mdev that is not its framebuffer, as plain data: the
 * config space its vfio face keeps. C and C++, so that the QOM glue can
 * describe it with VMState. The framebuffer is the host memory behind BAR0
 * and migrates as RAM (the vfio frontend registers it).
 */
#ifndef HW_MDEV_SAMPLES_MDPY_DEVICE_H
#define HW_MDEV_SAMPLES_MDPY_DEVICE_H

#include <stdint.h>

#define MDPY_CONFIG_SPACE_SIZE 256

typedef struct MdpyDeviceState {
    /* PCI config space as the device holds it (the vfio config region). */
    uint8_t config[MDPY_CONFIG_SPACE_SIZE];
} MdpyDeviceState;

#endif /* HW_MDEV_SAMPLES_MDPY_DEVICE_H */
