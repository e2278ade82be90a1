/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The register state of one mbochs mdev, as plain data: the bochs DISPI
 * register file and the config space its vfio face keeps. C and C++ (as
 * mtty_state.h), so that the QOM glue can describe it with VMState and the
 * C++ model works on it by reference. The video memory is not here: it is
 * a RAM-backed BAR (mbochs_vram.hpp), migrated as RAM.
 */
#ifndef HW_MDEV_SAMPLES_MBOCHS_STATE_H
#define HW_MDEV_SAMPLES_MBOCHS_STATE_H

#include <stdint.h>

/* DISPI registers 0x0 (ID) .. 0xa (VIDEO_MEMORY_64K), 16 bits each. */
#define MBOCHS_DISPI_NUM_REGS 11
#define MBOCHS_CONFIG_SPACE_SIZE 256

typedef struct MbochsDeviceState {
    /* Indexed by the DISPI register index (MbochsDispiReg in mbochs_dispi.hpp). */
    uint16_t dispi[MBOCHS_DISPI_NUM_REGS];
    /* PCI config space as the device holds it (the vfio config region). */
    uint8_t config[MBOCHS_CONFIG_SPACE_SIZE];
} MbochsDeviceState;

#endif /* HW_MDEV_SAMPLES_MBOCHS_STATE_H */
