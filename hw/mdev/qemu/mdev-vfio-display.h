/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the graphic console of a vfio mdev that has a display
 * (VfioOps::has_display). The vfio frontend creates it at realize for any
 * such device; a sample only implements has_display, query_gfx_plane and
 * an mmap-able BAR holding the frame.
 */
#ifndef HW_MDEV_VFIO_MDEV_VFIO_DISPLAY_H
#define HW_MDEV_VFIO_MDEV_VFIO_DISPLAY_H

#include "hw/mdev/qemu/mdev-pci.h"
#include "hw/mdev/capi/vfio-pci.h"

typedef struct MdevVfioDisplay MdevVfioDisplay;

/*
 * The console of @s, or NULL if its device has no display. @bar_mr are the
 * regions of its BARs, which outlive the console. Turns on dirty tracking
 * on every RAM-backed BAR, so that an unchanged frame costs the UI nothing.
 */
MdevVfioDisplay *mdev_vfio_display_init(MdevPCIState *s,
                                        MemoryRegion *const bar_mr[]);
/* Closes the console: it stops reading the BAR memory the device owns. */
void mdev_vfio_display_fini(MdevVfioDisplay *d);
/* The device was reset and may have rewritten its frame: redraw it whole. */
void mdev_vfio_display_reset(MdevVfioDisplay *d);

#endif
