// SPDX-License-Identifier: GPL-2.0-or-later
// The whole state of one mvnet mdev (a virtio-net device looping every frame
// it transmits back into its own receive queue), as plain data for the model
// and migration (declared in mvnet.cpp). Every TX frame is delivered or
// dropped in the pass that sees it, so no frame data lives here.
#pragma once

#include "samples/common/vring_state.hpp"

namespace mdev::samples {

inline constexpr int MVNET_QUEUE_RX = 0;
inline constexpr int MVNET_QUEUE_TX = 1;
inline constexpr int MVNET_NUM_QUEUES = 2;
inline constexpr int MVNET_QUEUE_MAX = 256;
inline constexpr int MVNET_MAC_LEN = 6;

struct MvnetState {
    // Virtio status byte (virtio 1.x §2.1).
    std::uint8_t status;
    // Features the driver accepted (a subset of those offered).
    std::uint64_t features;
    // The station address the config space shows (fixed at creation).
    std::uint8_t mac[MVNET_MAC_LEN];
    VringState vq[MVNET_NUM_QUEUES];
    // TX frames completed without reaching an RX buffer (none posted, the
    // next one too small, or not a frame): since version 2 of the state. A
    // host-side statistic like the address, so a device reset keeps it.
    std::uint64_t tx_dropped;
};

} // namespace mdev::samples
