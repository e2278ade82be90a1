// SPDX-License-Identifier: GPL-2.0-or-later
// The device side of a split virtqueue (virtio 1.x §2.7), like Linux's
// vringh, reaching guest memory only through the Host's checked DMA.
//
// It never trusts the driver: a descriptor index past the queue, a chain
// longer than the queue (a loop), an indirect descriptor (not offered), a
// readable descriptor after a writable one, an address + length that wraps,
// an avail index that runs more than a queue ahead, or any DMA outside guest
// RAM makes the ring broken: the walker reports it through the host's guest-error log,
// sets VringState::broken and refuses to touch the ring again until reset.
// The device then sets NEEDS_RESET (virtio 1.x §2.1.2). Event-idx is not
// offered, so the only notification control is VRING_AVAIL_F_NO_INTERRUPT.
//
// A walker belongs to one incarnation of the ring: once the ring is reset
// (VringState::resets moves) it is stale, and every call fails without
// touching guest memory or marking the new ring broken.
//
// The ring's ABI (descriptor and avail flags, struct vring_desc and
// vring_used_elem sizes) is <linux/virtio_ring.h>'s, as in Linux's vringh.
#pragma once

#include "hw/mdev/fault.hpp"
#include "hw/mdev/host.hpp"
#include "hw/mdev/uapi/virtio_ring.hpp"
#include "samples/common/vring_state.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace mdev::samples {

// One descriptor of a chain: guest-physical address, length, direction.
struct VringSegment {
    std::uint64_t addr;
    std::uint32_t len;
    bool write; // device-writable (the driver's "in" buffer)
};

// An available descriptor chain: its head index (what goes into the used
// ring) and its segments, readable ones first. The byte counts are exact
// 64-bit sums and may pass 4 GiB: a chain's total is the device's to judge
// (the ring is not broken by it), and a device that keeps a 32-bit offset
// into a chain must refuse such a chain itself.
struct VringChain {
    std::uint16_t head = 0;
    std::vector<VringSegment> segments;
    std::uint64_t readable_bytes = 0;
    std::uint64_t writable_bytes = 0;
};

enum class VringPop {
    chain, // a chain was read
    empty, // no chain available (or the queue is not ready)
    error, // the ring is broken (now or before); see VringState::broken
};

class VringDevice {
public:
    // `name` says which queue in messages and traces ("mvnet rx"), `device`
    // whose (its UUID, for trace events).
    VringDevice(VringState &state, Host &host, const char *name, const char *device = "")
        : s_(state), host_(host), name_(name), device_(device), resets_(state.resets)
    {
    }

    // Whether `num` is a queue size a device of maximum `max` accepts.
    static bool valid_num(std::uint16_t num, std::uint16_t max);

    // Power-on state: not ready, not broken, indices 0, size `num`; every
    // walker of the ring made before becomes stale.
    static void reset(VringState &state, std::uint16_t num);

    // The ring was reset since this walker was made.
    bool stale() const { return s_.resets != resets_; }
    bool usable() const { return !stale() && s_.ready && !s_.broken; }

    // Reads the chain at last_avail_idx without consuming it.
    VringPop peek(VringChain &chain);
    // Consumes `chain`, the one peek() returned (traced as mdev_vring_pop).
    void consume(const VringChain &chain);
    // peek() then consume().
    VringPop pop(VringChain &chain);

    // Where the virtio class's drop-used fault (virtio_ops.hpp) is checked:
    // the device's faults, and which queue this walker is (its index).
    // Without it (the default) push() publishes every entry.
    void set_faults(FaultSet &faults, std::uint16_t queue)
    {
        faults_ = &faults;
        queue_ = queue;
    }

    // Puts (head, len) in the used ring and publishes it; false if broken.
    // An armed drop-used that fires on it makes it write nothing and keep
    // the used index (true: the ring is sound, the entry lost).
    bool push(std::uint16_t head, std::uint32_t len);
    // Entries push() published through this walker (dropped ones not).
    unsigned published() const { return published_; }

    // Whether the driver wants an interrupt now (no VRING_AVAIL_F_NO_INTERRUPT).
    bool driver_wants_interrupt();

    // Copies the chain's readable bytes from `offset` on into `out`; returns
    // the bytes copied (less than out.size() at the end of the readable part)
    // or -1 on a DMA failure (the ring is then broken).
    std::int64_t read_from(const VringChain &chain, std::uint64_t offset,
                           std::span<std::uint8_t> out);
    // Copies `in` into the chain's writable bytes from `offset` on; returns
    // the bytes copied or -1 on a DMA failure (the ring is then broken).
    std::int64_t write_to(const VringChain &chain, std::uint64_t offset,
                          std::span<const std::uint8_t> in);

    // Marks the ring broken and logs why (for errors the device finds in
    // the buffers' contents, e.g. a short header); nothing if stale.
    void fail(const char *fmt, ...) __attribute__((format(printf, 2, 3)));

private:
    bool read16(std::uint64_t addr, std::uint16_t &v);
    // Whether drop-used fires on the entry (head, len).
    bool drop_used(std::uint16_t head, std::uint32_t len);

    VringState &s_;
    Host &host_;
    const char *name_;
    const char *device_;
    std::uint32_t resets_;
    FaultSet *faults_ = nullptr;
    std::uint16_t queue_ = 0;
    unsigned published_ = 0;
};

} // namespace mdev::samples
