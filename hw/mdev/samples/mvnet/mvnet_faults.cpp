// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mvnet/mvnet_faults.hpp"

#include <array>
#include <cinttypes>
#include <cstdio>
#include <net/ethernet.h>

namespace mdev::samples {

namespace {

constexpr std::array<const char *, 2> kLegs{"tx", "rx"};
constexpr std::array<FaultParam, 2> kDropParams{{
    {"direction", FaultParamType::string,
     "tx (default): a frame the driver transmits is lost on its way out; rx: a frame is "
     "lost on its way back in, when an RX buffer is there to take it",
     kLegs},
    {"ethertype", FaultParamType::integer,
     "only frames of this EtherType (default: any frame)", {}, 0, 0xffff},
}};
constexpr std::array<FaultParam, 3> kCorruptParams{{
    {"offset", FaultParamType::integer,
     "the byte flipped, counted from the start of the Ethernet frame (default 14, the first "
     "byte after the Ethernet header); a shorter frame passes untouched",
     {}, 0, 65535},
    {"mask", FaultParamType::integer, "the bits flipped (default 0xff: every bit)", {}, 1,
     0xff},
    {"ethertype", FaultParamType::integer,
     "only frames of this EtherType (default: any frame)", {}, 0, 0xffff},
}};

const FaultDecl kLinkDown{
    "link-down",
    "from now until cleared the config space's status reads link down (VIRTIO_NET_S_LINK_UP "
    "clear) and frames sent are lost; arming and clearing each send a configuration change "
    "interrupt"};
const FaultDecl kDropFrame{
    "drop-frame",
    "the next frame is lost: its TX buffer completes as sent, but it never reaches an RX "
    "buffer",
    kDropParams};
const FaultDecl kCorruptFrame{
    "corrupt-frame",
    "the next frame delivered to an RX buffer has one byte flipped (XOR mask) at offset",
    kCorruptParams};

constexpr std::uint64_t kDefaultOffset = ETH_HLEN;

// Whether `frame` is of the EtherType parameter `param` names (if any).
bool ethertype_matches(const FaultArgs &a, std::size_t param,
                       std::span<const std::uint8_t> frame)
{
    if (!a.has(param)) {
        return true;
    }
    if (frame.size() < ETH_HLEN) {
        return false;
    }
    const std::int64_t type = frame[ETH_ALEN * 2] << 8 | frame[ETH_ALEN * 2 + 1];
    return a.get_int(param, -1) == type;
}

} // namespace

void MvnetFaults::attach(FaultSet &set, std::function<void()> link_changed)
{
    detach();
    set_ = &set;
    link_down_ = set.declare(kLinkDown);
    drop_frame_ = set.declare(kDropFrame);
    corrupt_frame_ = set.declare(kCorruptFrame);
    set.set_hold(link_down_, [changed = std::move(link_changed)](bool, const FaultArgs &) {
        changed();
    });
}

void MvnetFaults::detach()
{
    if (set_) {
        set_->set_hold(link_down_, nullptr);
        set_ = nullptr;
    }
}

bool MvnetFaults::drop_frame(Leg leg, std::span<const std::uint8_t> frame)
{
    const FaultArgs *a = set_ ? set_->armed(drop_frame_) : nullptr;
    if (!a || a->get_str(kDirection, "tx") != kLegs[leg == Leg::rx] ||
        !ethertype_matches(*a, kDropEthertype, frame)) {
        return false;
    }
    char event[64];
    std::snprintf(event, sizeof(event), "%s frame of %zu bytes", kLegs[leg == Leg::rx],
                  frame.size());
    return set_->fire(drop_frame_, event);
}

bool MvnetFaults::corrupt_frame(std::span<std::uint8_t> frame)
{
    const FaultArgs *a = set_ ? set_->armed(corrupt_frame_) : nullptr;
    if (!a || !ethertype_matches(*a, kCorruptEthertype, frame)) {
        return false;
    }
    // The arguments are read before fire(), which may disarm the fault.
    const std::uint64_t offset = std::uint64_t(a->get_int(kOffset, kDefaultOffset));
    const std::uint8_t mask = std::uint8_t(a->get_int(kMask, 0xff));
    if (offset >= frame.size()) {
        return false;
    }
    char event[80];
    std::snprintf(event, sizeof(event), "frame of %zu bytes, byte %" PRIu64 " ^= 0x%02x",
                  frame.size(), offset, mask);
    if (!set_->fire(corrupt_frame_, event)) {
        return false;
    }
    frame[offset] ^= mask;
    return true;
}

} // namespace mdev::samples
