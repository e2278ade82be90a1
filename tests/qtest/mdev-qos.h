/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev's libqos (qgraph) nodes: one per sample x class, each a
 * -device mdev-<parent> on the PC machine's PCI bus at 04.0
 * (mdev-qos.c). docs/qtest.md lists them, the interfaces they produce and
 * which of QEMU's own qos-test cases reach them.
 *
 * Interfaces a test can consume (qos_add_test's second argument):
 *   "pci-device"      every node: the QPCIDevice (QEMU's pci-test and
 *                     friends); the device is enabled (I/O, memory, bus
 *                     master), its BARs not mapped.
 *   "virtio"          mdev-mtty-virtio, mdev-mvnet: the QVirtioDevice,
 *                     FEATURES_OK and DRIVER_OK set, queues set up.
 *   "virtio-net"      mdev-mvnet: a QVirtioNet (libqos/virtio-net.h) with
 *                     the two queues mvnet has, receiveq (0) and transmitq
 *                     (1); no control queue (no VIRTIO_NET_F_CTRL_VQ).
 *   "virtio-console"  mdev-mtty-virtio: an MdevQVirtioConsole below. Not
 *                     "virtio-serial": that interface's tests plug
 *                     virtconsole/virtserialport into a virtio-serial bus,
 *                     and mtty's ports are fixed by its type.
 */
#ifndef MDEV_QOS_H
#define MDEV_QOS_H

#include "libqos/qgraph.h"
#include "libqos/virtio.h"
#include "libqos/virtio-pci.h"

/* The slot every node's device sits in (addr=04.0 on its command line). */
#define MDEV_QOS_SLOT 4

/*
 * mdev-mtty,class=virtio (mtty-2): a multiport virtio console. With
 * VIRTIO_CONSOLE_F_MULTIPORT (which the node negotiates: the device offers
 * it) the queues are port 0 receiveq/transmitq (0, 1), the control
 * receiveq/transmitq (2, 3), then two per further port (4, 5 for port 1).
 * The node posts nothing on them: the control protocol is the test's.
 */
typedef struct MdevQVirtioConsole {
    QVirtioDevice *vdev;
    QGuestAllocator *alloc;
    uint32_t max_nr_ports; /* struct virtio_console_config.max_nr_ports */
    int n_queues;
    QVirtQueue **queues;
} MdevQVirtioConsole;

/* The queues of port @port (multiport numbering). */
static inline QVirtQueue *mdev_qos_console_rx(MdevQVirtioConsole *c, unsigned port)
{
    return c->queues[port == 0 ? 0 : 2 + 2 * port];
}

static inline QVirtQueue *mdev_qos_console_tx(MdevQVirtioConsole *c, unsigned port)
{
    return c->queues[port == 0 ? 1 : 3 + 2 * port];
}

/*
 * The QEMU a virtio node's device is in (the graph's machine; a test that
 * migrates points the bus at the destination, see mdev-mtty-virtio-test.c).
 */
static inline QTestState *mdev_qos_qts(QVirtioDevice *vdev)
{
    return container_of(vdev, QVirtioPCIDevice, vdev)->pdev->bus->qts;
}

#define MDEV_QOS_CONSOLE_CTRL_RX 2
#define MDEV_QOS_CONSOLE_CTRL_TX 3

#endif
