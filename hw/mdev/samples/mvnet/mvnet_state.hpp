// SPDX-License-Identifier: GPL-2.0-or-later
// The whole state of one mvnet mdev (a virtio-net device looping every frame
// it transmits back into its own receive queue), as plain data for the model
// and migration (declared in mvnet.cpp). Frames waiting for an RX
// buffer stay in the guest's TX ring (not consumed), so no frame data lives
// here.
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
};

} // namespace mdev::samples
