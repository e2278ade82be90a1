// SPDX-License-Identifier: GPL-2.0-or-later
// The device side of one split virtqueue (virtio 1.x §2.7), as plain data.
//
// The ring walker (vring_device.hpp) works on it by reference; a parent
// migrates it as a sub-structure of its own state (MDEV_MIGRATE_STRUCT with
// kVringState). Nothing here is trusted after a load: the walker checks
// every value again on use.
#pragma once

#include "hw/mdev/migration.hpp"

#include <cstddef>
#include <cstdint>

namespace mdev::samples {

struct VringState {
    // Guest-physical addresses of the three areas, as the driver set them.
    std::uint64_t desc;
    std::uint64_t avail;
    std::uint64_t used;
    // Queue size in use: a power of two, 1 .. the device's maximum.
    std::uint16_t num;
    // Free-running index of the next avail ring entry the device reads.
    std::uint16_t last_avail_idx;
    // Free-running index of the next used ring entry the device writes.
    std::uint16_t used_idx;
    // The driver enabled the queue (queue_enable).
    bool ready;
    // The driver broke the ring (loop, index out of range, bad address...):
    // the device does not touch the queue again until reset.
    bool broken;
    // How often the queue was reset; not migrated (only walkers that exist
    // now compare it). A walker remembers it and, once it changed, touches
    // guest memory no more: a reset that happens while the device works on
    // the ring (its own MSI reached its config space, say) leaves a ring the
    // driver no longer has, which the rest of that walk must not write to.
    std::uint32_t resets;
};

// Everything but `resets` migrates.
inline constexpr migration::Field kVringFields[] = {
    MDEV_MIGRATE(VringState, desc),
    MDEV_MIGRATE(VringState, avail),
    MDEV_MIGRATE(VringState, used),
    MDEV_MIGRATE(VringState, num),
    MDEV_MIGRATE(VringState, last_avail_idx),
    MDEV_MIGRATE(VringState, used_idx),
    MDEV_MIGRATE(VringState, ready),
    MDEV_MIGRATE(VringState, broken),
};
inline constexpr migration::Struct kVringState =
    migration::describe<VringState>("vring", 1, kVringFields);

} // namespace mdev::samples
