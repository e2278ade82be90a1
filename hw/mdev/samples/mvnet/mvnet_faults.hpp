// SPDX-License-Identifier: GPL-2.0-or-later
// mvnet's own faults (docs/fault-injection.md), declared beside the loopback
// that checks them: link-down (the config space's VIRTIO_NET_S_LINK_UP off,
// with a configuration change interrupt, until cleared; frames sent
// meanwhile are lost), drop-frame (a frame is lost on its way out, or on its
// way back in) and corrupt-frame (one byte of a frame delivered is flipped).
// A frame here is the Ethernet frame, after the virtio-net header.
#pragma once

#include "hw/mdev/fault.hpp"

#include <cstdint>
#include <functional>
#include <span>

namespace mdev::samples {

class MvnetFaults {
public:
    // Parameter indexes of drop-frame.
    static constexpr std::size_t kDirection = 0, kDropEthertype = 1;
    // Of corrupt-frame.
    static constexpr std::size_t kOffset = 0, kMask = 1, kCorruptEthertype = 2;
    // Where a frame is: taken from the TX queue, or about to be written
    // into an RX buffer.
    enum class Leg { tx, rx };

    MvnetFaults() = default;
    MvnetFaults(const MvnetFaults &) = delete;
    MvnetFaults &operator=(const MvnetFaults &) = delete;
    // link-down's hold calls the device that owns this.
    ~MvnetFaults() { detach(); }

    // Declares the faults in `set`; `link_changed` runs when link-down is
    // armed or cleared (the device sends a configuration change interrupt).
    void attach(FaultSet &set, std::function<void()> link_changed);
    void detach();

    // The hooks' first question: one load and a test while nothing is armed.
    bool armed() const { return set_ && set_->any_armed(); }
    // Whether the link is down (link-down armed).
    bool link_down() const { return set_ && set_->armed(link_down_); }
    // Whether drop-frame takes `frame` at `leg`.
    bool drop_frame(Leg leg, std::span<const std::uint8_t> frame);
    // Flips the byte corrupt-frame names if it fires on `frame` (one about
    // to be delivered); true if it did.
    bool corrupt_frame(std::span<std::uint8_t> frame);

private:
    FaultSet *set_ = nullptr;
    FaultSet::Id link_down_ = 0, drop_frame_ = 0, corrupt_frame_ = 0;
};

} // namespace mdev::samples
