// SPDX-License-Identifier: GPL-2.0-or-later
// Shadow doorbells: NVMe's Doorbell Buffer Config command (admin opcode
// 7Ch, OACS bit 8; NVMe 1.3 and later) gives the controller two pages of
// guest memory, the shadow doorbell buffer (PRP1) and the EventIdx buffer
// (PRP2). From then on the host writes each new SQ tail and CQ head into
// the shadow buffer and writes the MMIO doorbell only when the value passes
// the EventIdx the controller left for that doorbell: the controller says
// "ring me" by writing the doorbell's current value as its EventIdx, and
// "I will look myself" by leaving an older one there.
//
// Both buffers have the doorbell registers' layout (CAP.DSTRD = 0): SQ y's
// tail at 8y, CQ y's head at 8y + 4, 32-bit little endian, of which the low
// 16 bits count.
//
// How mnvme uses it (nvme_controller.cpp):
//  - SQ tails: after a doorbell it processes the SQ, and when it has caught
//    up with the tail it reads the shadow tail; only when that brings
//    nothing new does it write EventIdx = tail (and read the shadow once
//    more, for a host that wrote it before seeing the EventIdx). While it is
//    busy, the host's next entries need no MMIO write: served over
//    vfio-user, where the controller runs in another thread than the vCPU,
//    that is a message saved per command submitted meanwhile.
//  - CQ heads are read from the shadow when the controller needs room in a
//    CQ; it asks for the MMIO head doorbell (EventIdx = head) only while a
//    CQ is full, and in pin-based interrupt mode (the head decides the INTx
//    level) after every completion and whenever a head leaves entries.
//  - An MMIO doorbell write of an I/O queue is a kick: the value is taken
//    from the shadow, never from the write. Served over vfio-user the
//    client posts MMIO writes, so one can arrive after the controller has
//    read newer values from the shadow; taking it would move the SQ tail
//    back and run the ring's old entries again.
//  - The admin queue: Linux never writes its shadow slots, so an MMIO write
//    of an admin doorbell is taken as written and copied into the shadow
//    (QEMU's nvme does the same), which keeps both kinds of host right; its
//    writes come in order, there is no newer value to lose.
// Hostile guests: buffers not page aligned, the same page twice or not in
// RAM are refused (Invalid Field); a shadow value out of range is a guest
// error and ignored; a DMA error on a shadow or EventIdx access logs a
// guest error and turns shadow doorbells off (the MMIO doorbells count
// again) until the next Doorbell Buffer Config.
#pragma once

#include "samples/mnvme/nvme_state.hpp"

#include <cstdint>

namespace mdev::samples::nvme::dbbuf {

// Byte offsets of queue `qid`'s slots in either buffer.
constexpr std::uint64_t sq_slot(unsigned qid)
{
    return 8ull * qid;
}
constexpr std::uint64_t cq_slot(unsigned qid)
{
    return 8ull * qid + 4;
}
// The bytes of each buffer the controller uses: every queue id's two slots,
// well inside the page.
inline constexpr std::uint32_t kUsedBytes = 8 * kQueueIds;

// The host's rule: having moved a doorbell in the shadow buffer from
// `old_value` to `new_value`, it writes the MMIO doorbell if and only if
// the EventIdx lies in [old_value, new_value), counted modulo 2^16 (values
// wrap at the queue size, so a wrap of the queue counts as passing every
// value above the old one). Linux's nvme_dbbuf_need_event is this test; the
// controller's choices of EventIdx rely on it.
constexpr bool host_rings(std::uint16_t event_idx, std::uint16_t new_value,
                          std::uint16_t old_value)
{
    return static_cast<std::uint16_t>(new_value - event_idx - 1) <
           static_cast<std::uint16_t>(new_value - old_value);
}

// Processing passes over the SQs (each at most one ring's worth of
// entries) that one doorbell may run while the shadow tails keep
// advancing; then EventIdx asks for the next doorbell instead, so that a
// guest that keeps feeding queues from other vCPUs cannot hold the vCPU
// that rang (or the server's thread) forever.
inline constexpr unsigned kMaxPasses = 16;

} // namespace mdev::samples::nvme::dbbuf
