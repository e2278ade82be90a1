// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/common/vring_device.hpp"
#include "samples/common/trace.hpp"
#include "hw/mdev/le_bytes.hpp"
#include "hw/mdev/virtio_ops.hpp"

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cstdarg>
#include <cstddef>
#include <cstdio>
#include <optional>

namespace mdev::samples {

namespace {

std::uint16_t le16(const std::uint8_t *p)
{
    return static_cast<std::uint16_t>(load_le(std::span(p, 2)));
}

std::uint32_t le32(const std::uint8_t *p)
{
    return static_cast<std::uint32_t>(load_le(std::span(p, 4)));
}

std::uint64_t le64(const std::uint8_t *p)
{
    return load_le(std::span(p, 8));
}

void put_le16(std::uint8_t *p, std::uint16_t v)
{
    store_le(std::span(p, 2), v);
}

void put_le32(std::uint8_t *p, std::uint32_t v)
{
    store_le(std::span(p, 4), v);
}

// Whether [base, base + size) wraps around the 64-bit address space.
bool wraps(std::uint64_t base, std::uint64_t size)
{
    return size != 0 && base + (size - 1) < base;
}

} // namespace

bool VringDevice::valid_num(std::uint16_t num, std::uint16_t max)
{
    return num != 0 && num <= max && (num & (num - 1)) == 0;
}

void VringDevice::reset(VringState &state, std::uint16_t num)
{
    const std::uint32_t resets = state.resets;
    state = VringState{};
    state.num = num;
    state.resets = resets + 1;
}

void VringDevice::fail(const char *fmt, ...)
{
    if (stale()) {
        return; // the new ring did nothing wrong
    }
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    char line[480];
    std::snprintf(line, sizeof(line), "%s: %s; queue stopped until reset", name_, text);
    host_.guest_error(line);
    s_.broken = true;
}

bool VringDevice::read16(std::uint64_t addr, std::uint16_t &v)
{
    std::uint8_t b[2];
    if (!host_.dma_read(addr, b)) {
        fail("cannot read the ring at 0x%" PRIx64, addr);
        return false;
    }
    v = le16(b);
    return true;
}

VringPop VringDevice::peek(VringChain &chain)
{
    chain = VringChain{};
    if (s_.broken || stale()) {
        return VringPop::error;
    }
    if (!s_.ready) {
        return VringPop::empty;
    }
    const std::uint16_t num = s_.num;
    // A migration stream or a transport bug could bring any value here.
    if (num == 0 || (num & (num - 1)) != 0) {
        fail("queue size %u is not a power of two", num);
        return VringPop::error;
    }
    if (wraps(s_.desc, sizeof(struct vring_desc) * num) ||
        wraps(s_.avail, offsetof(struct vring_avail, ring) + sizeof(__virtio16) * num) ||
        wraps(s_.used, offsetof(struct vring_used, ring) + sizeof(struct vring_used_elem) * num)) {
        fail("ring areas wrap around the address space");
        return VringPop::error;
    }

    std::uint16_t avail_idx;
    if (!read16(s_.avail + offsetof(struct vring_avail, idx), avail_idx) || stale()) {
        return VringPop::error; // stale: a DMA of this walk reset the device
    }
    const std::uint16_t pending = static_cast<std::uint16_t>(avail_idx - s_.last_avail_idx);
    if (pending == 0) {
        return VringPop::empty;
    }
    if (pending > num) {
        fail("avail idx %u is %u entries ahead of %u, more than the queue size %u", avail_idx,
             pending, s_.last_avail_idx, num);
        return VringPop::error;
    }
    // The ring entries the index covers are read only after the index
    // (the driver wrote them before it; virtio 1.x §2.7.13).
    std::atomic_thread_fence(std::memory_order_acquire);

    std::uint16_t head;
    const std::uint64_t slot = s_.avail + offsetof(struct vring_avail, ring) +
                               sizeof(__virtio16) * (s_.last_avail_idx % num);
    if (!read16(slot, head) || stale()) {
        return VringPop::error;
    }
    if (head >= num) {
        fail("avail ring entry %u names descriptor %u of a %u-entry table",
             s_.last_avail_idx % num, head, num);
        return VringPop::error;
    }
    chain.head = head;

    std::uint16_t idx = head;
    bool seen_writable = false;
    // A chain has at most `num` descriptors; one more is a loop.
    for (unsigned count = 0;; count++) {
        if (count == num) {
            fail("descriptor chain from %u is longer than the queue (%u): a loop", head, num);
            return VringPop::error;
        }
        std::uint8_t d[sizeof(struct vring_desc)];
        if (!host_.dma_read(s_.desc + sizeof(struct vring_desc) * idx, d)) {
            fail("cannot read descriptor %u at 0x%" PRIx64, idx,
                 s_.desc + sizeof(struct vring_desc) * idx);
            return VringPop::error;
        }
        if (stale()) {
            return VringPop::error;
        }
        const std::uint64_t addr = le64(d + offsetof(struct vring_desc, addr));
        const std::uint32_t len = le32(d + offsetof(struct vring_desc, len));
        const std::uint16_t flags = le16(d + offsetof(struct vring_desc, flags));
        const std::uint16_t next = le16(d + offsetof(struct vring_desc, next));

        if (flags & VRING_DESC_F_INDIRECT) {
            fail("descriptor %u is indirect, which the device did not offer", idx);
            return VringPop::error;
        }
        if (wraps(addr, len)) {
            fail("descriptor %u: 0x%" PRIx64 " + %u wraps around", idx, addr, len);
            return VringPop::error;
        }
        const bool write = flags & VRING_DESC_F_WRITE;
        if (write) {
            seen_writable = true;
            chain.writable_bytes += len;
        } else if (seen_writable) {
            fail("descriptor %u is readable after a writable one", idx);
            return VringPop::error;
        } else {
            chain.readable_bytes += len;
        }
        // No limit on a chain's total: the ring itself is sound whatever
        // the sum (at most `num` descriptors of under 4 GiB, so it cannot
        // overflow 64 bits), and virtio-net-pci pops such a chain too (QEMU's
        // virtio-net-test large_tx/uint_max posts 65 x 64 MiB). Whether so
        // much is a mistake is the device's call: it logs it and completes
        // the chain, as mvnet does for a frame that long. A device never
        // writes more than it has, so a used length still fits 32 bits.
        chain.segments.push_back({addr, len, write});

        if (!(flags & VRING_DESC_F_NEXT)) {
            break;
        }
        if (next >= num) {
            fail("descriptor %u chains to %u, past the %u-entry table", idx, next, num);
            return VringPop::error;
        }
        idx = next;
    }
    return VringPop::chain;
}

void VringDevice::consume(const VringChain &chain)
{
    if (!stale()) {
        s_.last_avail_idx++;
        trace_mdev_vring_pop(device_, name_, chain.head, chain.readable_bytes,
                             chain.writable_bytes);
    }
}

VringPop VringDevice::pop(VringChain &chain)
{
    VringPop r = peek(chain);
    if (r == VringPop::chain) {
        consume(chain);
    }
    return r;
}

bool VringDevice::drop_used(std::uint16_t head, std::uint32_t len)
{
    // Found by name: the transport declared it (a walker made without one,
    // in a unit test of a device alone, finds none).
    const std::optional<FaultSet::Id> id = faults_->find(virtio::kDropUsedFault);
    if (!id) {
        return false;
    }
    const FaultArgs *a = faults_->armed(*id);
    if (!a || !a->matches_int(virtio::kDropUsedQueue, queue_)) {
        return false;
    }
    char event[96];
    std::snprintf(event, sizeof(event), "used entry of queue %u (%s): head %u, len %" PRIu32,
                  queue_, name_, head, len);
    return faults_->fire(*id, event);
}

bool VringDevice::push(std::uint16_t head, std::uint32_t len)
{
    if (s_.broken || stale() || s_.num == 0) {
        return false;
    }
    if (faults_ && faults_->any_armed()) [[unlikely]] {
        if (drop_used(head, len)) {
            return true; // the chain stays consumed; its entry is lost
        }
    }
    // peek() checked the area too, but push() must not rely on a peek of
    // the same ring state having happened.
    if (wraps(s_.used,
              offsetof(struct vring_used, ring) + sizeof(struct vring_used_elem) * s_.num)) {
        fail("used ring at 0x%" PRIx64 " wraps around the address space", s_.used);
        return false;
    }
    std::uint8_t elem[sizeof(struct vring_used_elem)];
    put_le32(elem + offsetof(struct vring_used_elem, id), head);
    put_le32(elem + offsetof(struct vring_used_elem, len), len);
    const std::uint64_t at = s_.used + offsetof(struct vring_used, ring) +
                             sizeof(struct vring_used_elem) * (s_.used_idx % s_.num);
    if (!host_.dma_write(at, elem)) {
        fail("cannot write used ring entry at 0x%" PRIx64, at);
        return false;
    }
    if (stale()) {
        return false;
    }
    // The entry must be visible before the index that publishes it.
    std::atomic_thread_fence(std::memory_order_release);
    s_.used_idx++;
    std::uint8_t idx[2];
    put_le16(idx, s_.used_idx);
    const std::uint64_t used_idx_at = s_.used + offsetof(struct vring_used, idx);
    if (!host_.dma_write(used_idx_at, idx)) {
        fail("cannot write used idx at 0x%" PRIx64, used_idx_at);
        return false;
    }
    trace_mdev_vring_push(device_, name_, head, len, s_.used_idx);
    published_++;
    return true;
}

bool VringDevice::driver_wants_interrupt()
{
    if (s_.broken || stale()) {
        return false;
    }
    // The used idx we published must be ordered before the flags we read,
    // or an interrupt the driver asked for could be lost.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    std::uint16_t flags;
    if (!read16(s_.avail + offsetof(struct vring_avail, flags), flags)) {
        return false;
    }
    return !(flags & VRING_AVAIL_F_NO_INTERRUPT);
}

std::int64_t VringDevice::read_from(const VringChain &chain, std::uint64_t offset,
                                    std::span<std::uint8_t> out)
{
    if (stale() || s_.broken) {
        return -1;
    }
    std::uint64_t done = 0;
    for (const VringSegment &seg : chain.segments) {
        if (stale()) {
            return -1; // a DMA of this walk reset the device
        }
        if (seg.write || done == out.size()) {
            break;
        }
        if (offset >= seg.len) {
            offset -= seg.len;
            continue;
        }
        const std::uint64_t n = std::min<std::uint64_t>(seg.len - offset, out.size() - done);
        if (!host_.dma_read(seg.addr + offset, out.subspan(done, n))) {
            fail("cannot read %" PRIu64 " bytes of a buffer at 0x%" PRIx64, n,
                 seg.addr + offset);
            return -1;
        }
        done += n;
        offset = 0;
    }
    return static_cast<std::int64_t>(done);
}

std::int64_t VringDevice::write_to(const VringChain &chain, std::uint64_t offset,
                                   std::span<const std::uint8_t> in)
{
    if (stale() || s_.broken) {
        return -1;
    }
    std::uint64_t done = 0;
    for (const VringSegment &seg : chain.segments) {
        if (stale()) {
            return -1; // a DMA of this walk reset the device
        }
        if (!seg.write) {
            continue;
        }
        if (done == in.size()) {
            break;
        }
        if (offset >= seg.len) {
            offset -= seg.len;
            continue;
        }
        const std::uint64_t n = std::min<std::uint64_t>(seg.len - offset, in.size() - done);
        if (!host_.dma_write(seg.addr + offset, in.subspan(done, n))) {
            fail("cannot write %" PRIu64 " bytes to a buffer at 0x%" PRIx64, n,
                 seg.addr + offset);
            return -1;
        }
        done += n;
        offset = 0;
    }
    return static_cast<std::int64_t>(done);
}

} // namespace mdev::samples
