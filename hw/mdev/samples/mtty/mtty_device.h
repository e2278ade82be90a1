/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The whole state of one mtty mdev, as plain data: its UART ports and the
 * config space its vfio face keeps. C and C++, like mtty_state.h, so that
 * the QOM glue can describe it with VMState.
 */
#ifndef HW_MDEV_SAMPLES_MTTY_DEVICE_H
#define HW_MDEV_SAMPLES_MTTY_DEVICE_H

#include "mtty_state.h"

#define MTTY_CONFIG_SPACE_SIZE 256

typedef struct MttyDeviceState {
    MttyUartState port[MTTY_MAX_PORTS_PER_DEVICE];
    /* PCI config space as the device holds it (the vfio config region). */
    uint8_t config[MTTY_CONFIG_SPACE_SIZE];
} MttyDeviceState;

#endif /* HW_MDEV_SAMPLES_MTTY_DEVICE_H */
