/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the QOM side of the vfio frontend, called by mdev-pci.
 */
#ifndef HW_MDEV_VFIO_MDEV_VFIO_PCI_H
#define HW_MDEV_VFIO_MDEV_VFIO_PCI_H

#include "hw/mdev/mdev-pci.h"

bool mdev_vfio_pci_realize(MdevPCIState *s, Error **errp);
void mdev_vfio_pci_exit(MdevPCIState *s);
uint32_t mdev_vfio_pci_config_read(MdevPCIState *s, uint32_t addr, int len);
void mdev_vfio_pci_config_write(MdevPCIState *s, uint32_t addr, uint32_t val,
                                int len);
void mdev_vfio_pci_reset(MdevPCIState *s);
/* After the whole function was loaded: route its interrupts as loaded. */
void mdev_vfio_pci_post_load(MdevPCIState *s);

#endif
