// SPDX-License-Identifier: GPL-2.0-or-later
// The state of mtty's virtio face (a virtio-console device with a port per
// UART port), as plain data for the model (mtty_virtio.cpp) and migration
// (declared in mtty.cpp). Bytes being looped back stay in the guest's
// TX buffers until an RX buffer takes them, so only an offset into the
// head TX chain lives here.
#pragma once

#include "samples/mtty/mtty_state.hpp"
#include "samples/common/vring_state.hpp"

namespace mdev::samples {

// receiveq/transmitq of port 0, c_ivq/c_ovq, then a pair per further port.
inline constexpr int MTTY_VIRTIO_MAX_QUEUES = (2 + 2 * MTTY_MAX_PORTS_PER_DEVICE);
inline constexpr int MTTY_VIRTIO_QUEUE_MAX = 128;

// Control messages the device still owes the driver for a port.
inline constexpr int MTTY_VIRTIO_SEND_ADD = 0x1 ; // VIRTIO_CONSOLE_DEVICE_ADD
inline constexpr int MTTY_VIRTIO_SEND_NAME = 0x2; // VIRTIO_CONSOLE_PORT_NAME
inline constexpr int MTTY_VIRTIO_SEND_OPEN = 0x4; // VIRTIO_CONSOLE_PORT_OPEN, host side open
inline constexpr int MTTY_VIRTIO_SEND_MASK = 0x7;

struct MttyVirtioPort {
    // Bytes of the head TX chain already looped back into RX buffers.
    std::uint32_t tx_offset;
    // MTTY_VIRTIO_SEND_* bits.
    std::uint8_t pending;
    // The driver acknowledged the port (PORT_READY 1).
    bool ready;
    // A guest program has the port open (PORT_OPEN 1 from the driver).
    bool guest_open;
};

struct MttyVirtioState {
    std::uint8_t status;
    std::uint64_t features;
    VringState vq[MTTY_VIRTIO_MAX_QUEUES];
    MttyVirtioPort port[MTTY_MAX_PORTS_PER_DEVICE];
    // The driver sent DEVICE_READY 1.
    bool device_ready;
};

} // namespace mdev::samples
