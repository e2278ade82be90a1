/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the QOM side of the virtio frontend. mdev-pci knows it only
 * through the MdevPCIFrontend it registers for MDEV_CLASS_VIRTIO; this is
 * the state it keeps per function.
 */
#ifndef HW_MDEV_VIRTIO_MDEV_VIRTIO_PCI_H
#define HW_MDEV_VIRTIO_MDEV_VIRTIO_PCI_H

#include "hw/mdev/qemu/mdev-pci.h"
#include "hw/mdev/capi/virtio-pci.h"

/* The virtio frontend's state of one function (an MdevPCIFrontendState). */
typedef struct MdevVirtioPCI {
    MdevPCIFrontendState common;
    MemoryRegion virtio_bar;
    MdevVirtioTransportState *virtio_state; /* the transport's, for VMState */
    unsigned virtio_vectors;
    VMChangeStateEntry *virtio_vm_change;
    uint8_t virtio_cfg_cap; /* the PCI configuration access capability */
    /*
     * Whether the function's DMA is translated (the transport's answer,
     * kept: mdev_pci_dma asks on every access). Valid while
     * dma_translated_known; a write of the common configuration, a reset
     * and a migration's load make it unknown, and the next DMA asks.
     */
    bool dma_translated;
    bool dma_translated_known;
} MdevVirtioPCI;

#endif
