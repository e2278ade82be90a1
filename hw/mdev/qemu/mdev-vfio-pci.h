/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the QOM side of the vfio frontend. mdev-pci knows it only
 * through the MdevPCIFrontend it registers for MDEV_CLASS_VFIO; this is the
 * state it keeps per function.
 */
#ifndef HW_MDEV_VFIO_MDEV_VFIO_PCI_H
#define HW_MDEV_VFIO_MDEV_VFIO_PCI_H

#include "hw/mdev/qemu/mdev-pci.h"
#include "hw/mdev/capi/vfio-pci.h"

typedef struct MdevPCIBar {
    MdevPCIState *owner;
    unsigned index;
    MemoryRegion mr;
    /* The registers of a trapped BAR (read NULL: RAM-backed, or none). */
    MdevVfioBarAccessor accessor;
    MemoryRegionOps direct_ops;
    /*
     * Laid over the whole BAR while the function is surprise-removed: reads
     * all ones, ignores writes, whatever the BAR is (RAM or registers).
     */
    MemoryRegion removed_mr;
} MdevPCIBar;

typedef struct MdevVfioPCI MdevVfioPCI;

/* The MSI-X table or PBA a window holds: where it is in the BAR. */
typedef struct MdevVfioMsixRoute {
    uint64_t start;         /* offset in the BAR */
    uint64_t len;
    MemoryRegion *mr;
    const char *name;       /* "table" or "PBA", for the guest-error line */
} MdevVfioMsixRoute;

/*
 * A page-aligned span of a BAR that holds the MSI-X table, the PBA or both
 * (mdev-vfio-pci.c): its accesses go to the table's, the PBA's or the
 * BAR's own region by offset. Its routes are set once, at realize.
 */
typedef struct MdevVfioMsixWindow {
    MdevVfioPCI *owner;
    unsigned bar;
    uint64_t base;          /* offset in the BAR */
    uint64_t size;
    MdevVfioMsixRoute routes[2]; /* table first, then PBA, if in this BAR */
    unsigned nroutes;
    MemoryRegion mr;
} MdevVfioMsixWindow;

/* The vfio frontend's state of one function (an MdevPCIFrontendState). */
struct MdevVfioPCI {
    MdevPCIFrontendState common;
    MdevPCIBar bars[MDEV_VFIO_NUM_BARS];
    MdevVfioMsi msi;
    /*
     * MSI-X (msix.offset 0: none): the table's and the PBA's regions, reached
     * through one or two windows laid over the BARs' pages that hold them.
     */
    MdevVfioMsix msix;
    MemoryRegion msix_table_mr;
    MemoryRegion msix_pba_mr;
    MdevVfioMsixWindow msix_windows[2];
    unsigned msix_nwindows;
    MdevVfioMsixState *msix_state; /* the frontend's, for VMState */
    /* Config bytes QEMU emulates (header, MSI); the rest is the device's. */
    uint8_t emulated[PCI_CONFIG_SPACE_SIZE];
    /* The graphic console of a device with a display, else NULL. */
    struct MdevVfioDisplay *display;
    /* surprise-removal holds: the card is out of its slot. */
    bool removed;
};

#endif
