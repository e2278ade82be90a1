/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The state of mtty's virtio face (a virtio-console device with a port per
 * UART port), as plain data: C and C++, for the model (mtty_virtio.cpp)
 * and the QOM glue's VMState. Bytes being looped back stay in the guest's
 * TX buffers until an RX buffer takes them, so only an offset into the
 * head TX chain lives here.
 */
#ifndef HW_MDEV_SAMPLES_MTTY_VIRTIO_STATE_H
#define HW_MDEV_SAMPLES_MTTY_VIRTIO_STATE_H

#include "mtty_state.h"
#include "../common/vring_state.h"

/* receiveq/transmitq of port 0, c_ivq/c_ovq, then a pair per further port. */
#define MTTY_VIRTIO_MAX_QUEUES (2 + 2 * MTTY_MAX_PORTS_PER_DEVICE)
#define MTTY_VIRTIO_QUEUE_MAX 128

/* Control messages the device still owes the driver for a port. */
#define MTTY_VIRTIO_SEND_ADD 0x1  /* VIRTIO_CONSOLE_DEVICE_ADD */
#define MTTY_VIRTIO_SEND_NAME 0x2 /* VIRTIO_CONSOLE_PORT_NAME */
#define MTTY_VIRTIO_SEND_OPEN 0x4 /* VIRTIO_CONSOLE_PORT_OPEN, host side open */
#define MTTY_VIRTIO_SEND_MASK 0x7

typedef struct MttyVirtioPort {
    /* Bytes of the head TX chain already looped back into RX buffers. */
    uint32_t tx_offset;
    /* MTTY_VIRTIO_SEND_* bits. */
    uint8_t pending;
    /* The driver acknowledged the port (PORT_READY 1). */
    bool ready;
    /* A guest program has the port open (PORT_OPEN 1 from the driver). */
    bool guest_open;
} MttyVirtioPort;

typedef struct MttyVirtioState {
    uint8_t status;
    uint64_t features;
    VringState vq[MTTY_VIRTIO_MAX_QUEUES];
    MttyVirtioPort port[MTTY_MAX_PORTS_PER_DEVICE];
    /* The driver sent DEVICE_READY 1. */
    bool device_ready;
} MttyVirtioState;

#endif /* HW_MDEV_SAMPLES_MTTY_VIRTIO_STATE_H */
