/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the QOM side of the vfio frontend. mdev-pci knows it only
 * through the MdevPCIFrontend it registers for MDEV_CLASS_VFIO; this is the
 * state it keeps per function.
 */
#ifndef HW_MDEV_VFIO_MDEV_VFIO_PCI_H
#define HW_MDEV_VFIO_MDEV_VFIO_PCI_H

#include "hw/mdev/mdev-pci.h"
#include "hw/mdev/vfio-pci.h"

typedef struct MdevPCIBar {
    MdevPCIState *owner;
    unsigned index;
    MemoryRegion mr;
    /* The device's direct handlers for this BAR (read NULL: none). */
    MdevVfioBarAccessor accessor;
    MemoryRegionOps direct_ops;
} MdevPCIBar;

/* The vfio frontend's state of one function (an MdevPCIFrontendState). */
typedef struct MdevVfioPCI {
    MdevPCIFrontendState common;
    MdevPCIBar bars[MDEV_VFIO_NUM_BARS];
    MdevVfioMsi msi;
    /* MSI-X (msix.offset 0: none): regions over the table and PBA */
    MdevVfioMsix msix;
    MemoryRegion msix_table_mr;
    MemoryRegion msix_pba_mr;
    MdevVfioMsixState *msix_state; /* the frontend's, for VMState */
    /* Config bytes QEMU emulates (header, MSI); the rest is the device's. */
    uint8_t emulated[PCI_CONFIG_SPACE_SIZE];
    /* The graphic console of a device with a display, else NULL. */
    struct MdevVfioDisplay *display;
} MdevVfioPCI;

#endif
