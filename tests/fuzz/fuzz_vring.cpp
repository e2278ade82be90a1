// SPDX-License-Identifier: GPL-2.0-or-later
// The ring walker (samples/vring_device.cpp) alone, over a hostile ring: the
// queue's state (size, areas, indices) and the guest RAM it reads come from
// the input, and so does every change the "driver" makes between the
// device's steps. The walker promises (vring_device.hpp) that whatever the
// driver does:
//  - a chain it returns has a head inside the table, at most `num`
//    segments, readable ones first, byte counts that add up and fit 32 bits,
//    no segment that wraps the address space; peek() consumes nothing;
//  - read_from() reads only the chain's readable bytes and write_to() writes
//    only its writable bytes, never more than asked;
//  - push() writes only the used ring (its entry and its index);
//  - a broken ring is not touched again (no DMA at all) until reset;
//  - a walker made before a reset is stale: every call fails and touches
//    no guest memory; only a new walker works on the reset ring.
#include "fuzz_common.hpp"
#include "samples/common/vring_device.hpp"

#include <memory>
#include <vector>

namespace {

using namespace mdev;
using samples::VringChain;
using samples::VringDevice;
using samples::VringPop;

constexpr std::uint64_t kRamBase = samples::test::kRamBase;
constexpr std::size_t kRamSize = 0x4000;

// An address for a ring area or buffer: mostly inside RAM, sometimes at its
// edges or anywhere in the 64-bit space.
std::uint64_t pick_address(FuzzedDataProvider &in)
{
    switch (in.ConsumeIntegralInRange<unsigned>(0, 7)) {
    case 0:
        return in.ConsumeIntegral<std::uint64_t>();
    case 1:
        return ~std::uint64_t(0) - in.ConsumeIntegralInRange<std::uint64_t>(0, 64);
    case 2:
        return kRamBase + kRamSize - in.ConsumeIntegralInRange<std::uint64_t>(0, 64);
    default:
        return kRamBase + in.ConsumeIntegralInRange<std::uint64_t>(0, kRamSize - 1);
    }
}

bool inside(std::uint64_t addr, std::size_t len, std::uint64_t base, std::uint64_t size)
{
    return addr >= base && addr - base <= size && len <= size - (addr - base);
}

void check_chain(const VringChain &c, const samples::VringState &s)
{
    FUZZ_CHECK(c.head < s.num, "chain head %u in a %u-entry table", c.head, s.num);
    FUZZ_CHECK(!c.segments.empty() && c.segments.size() <= s.num,
               "chain of %zu segments in a %u-entry table", c.segments.size(), s.num);
    std::uint64_t readable = 0, writable = 0;
    bool seen_writable = false;
    for (const samples::VringSegment &seg : c.segments) {
        FUZZ_CHECK(seg.len == 0 || seg.addr + (seg.len - 1) >= seg.addr, "segment wraps");
        FUZZ_CHECK(seg.write || !seen_writable, "readable segment after a writable one");
        seen_writable = seen_writable || seg.write;
        (seg.write ? writable : readable) += seg.len;
    }
    FUZZ_CHECK(readable == c.readable_bytes && writable == c.writable_bytes,
               "byte counts %llu/%llu, segments add up to %llu/%llu",
               (unsigned long long)c.readable_bytes, (unsigned long long)c.writable_bytes,
               (unsigned long long)readable, (unsigned long long)writable);
    // No 4 GiB bound: a chain's total is the device's to judge (sums exact in 64 bits).
}

// Whether [addr, addr + len) lies in one of the chain's segments of the
// given direction.
bool in_segments(const VringChain &c, bool write, std::uint64_t addr, std::size_t len)
{
    for (const samples::VringSegment &seg : c.segments) {
        if (seg.write == write && inside(addr, len, seg.addr, seg.len)) {
            return true;
        }
    }
    return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    FuzzedDataProvider in(data, size);
    fuzz::FuzzGuest guest(kRamSize);
    const std::vector<std::uint8_t> image = in.ConsumeBytes<std::uint8_t>(
        in.ConsumeIntegralInRange<std::size_t>(0, kRamSize));
    if (!image.empty()) {
        guest.ram.fill(kRamBase, image);
    }

    samples::VringState s{};
    s.num = in.ConsumeBool() ? std::uint16_t(1u << in.ConsumeIntegralInRange<unsigned>(0, 8))
                             : in.ConsumeIntegral<std::uint16_t>();
    s.desc = pick_address(in);
    s.avail = pick_address(in);
    s.used = pick_address(in);
    s.last_avail_idx = in.ConsumeIntegral<std::uint16_t>();
    s.used_idx = in.ConsumeIntegral<std::uint16_t>();
    s.ready = in.ConsumeIntegralInRange<unsigned>(0, 7) != 0;
    auto walker = std::make_unique<VringDevice>(s, guest, "fuzz ring");
    std::unique_ptr<VringDevice> stale_walker; // one from before the last reset

    // What the walker may touch during the current call; checked on each DMA.
    enum class Allowed { anything, nothing, used_ring, readable, writable } allowed =
        Allowed::anything;
    VringChain chain;
    bool have_chain = false;
    guest.on_dma = [&](bool write, std::uint64_t addr, std::size_t len) {
        switch (allowed) {
        case Allowed::anything:
            return;
        case Allowed::nothing:
            fuzz::violation("DMA %s at 0x%llx on a broken ring", write ? "write" : "read",
                            (unsigned long long)addr);
        case Allowed::used_ring:
            FUZZ_CHECK(write &&
                           inside(addr, len, s.used, 4 + sizeof(struct vring_used_elem) * s.num),
                       "push touched 0x%llx + %zu outside the used ring",
                       (unsigned long long)addr, len);
            return;
        case Allowed::readable:
        case Allowed::writable:
            FUZZ_CHECK(write == (allowed == Allowed::writable) &&
                           in_segments(chain, write, addr, len),
                       "%s of 0x%llx + %zu outside the chain's %s segments",
                       write ? "write" : "read", (unsigned long long)addr, len,
                       write ? "writable" : "readable");
            return;
        }
    };

    for (unsigned steps = 0; steps < 500 && in.remaining_bytes() > 0; steps++) {
        // Now and then the step goes to a walker from before the last reset,
        // which must fail without a single DMA.
        const bool use_stale = stale_walker && in.ConsumeIntegralInRange<unsigned>(0, 7) == 0;
        VringDevice &ring = use_stale ? *stale_walker : *walker;
        const bool was_broken = s.broken || use_stale;
        const std::uint16_t last_avail = s.last_avail_idx;
        allowed = was_broken ? Allowed::nothing : Allowed::anything;
        switch (in.ConsumeIntegralInRange<unsigned>(0, 9)) {
        case 0:
        case 1: { // peek, and maybe consume
            VringChain c;
            const VringPop r = ring.peek(c);
            FUZZ_CHECK(s.last_avail_idx == last_avail, "peek consumed");
            FUZZ_CHECK((r == VringPop::error) == (s.broken || use_stale),
                       "peek said %d, broken is %d, stale walker %d", int(r), s.broken, use_stale);
            if (r == VringPop::chain) {
                check_chain(c, s);
                chain = c;
                have_chain = true;
                if (in.ConsumeBool()) {
                    ring.consume(c);
                }
            }
            break;
        }
        case 2: { // push a used element (a head the device got, or any)
            // Only after a chain was peeked since the ring was (re)set up, as
            // every device does: push() trusts the areas peek() checked, and
            // on an unchecked used ring that wraps the address space it
            // writes near address 0 (see docs/fuzzing.md, findings).
            if (!have_chain) {
                break;
            }
            const std::uint16_t head = in.ConsumeBool() ? chain.head
                                                        : in.ConsumeIntegral<std::uint16_t>();
            if (!was_broken) {
                allowed = Allowed::used_ring;
            }
            const std::uint16_t used_before = s.used_idx;
            const bool ok = ring.push(head, in.ConsumeIntegral<std::uint32_t>());
            FUZZ_CHECK(!ok || s.used_idx == std::uint16_t(used_before + 1), "push did not publish");
            FUZZ_CHECK(!(was_broken && ok), "push succeeded on a broken ring or by a stale walker");
            break;
        }
        case 3:
        case 4: { // copy a chain's bytes in or out
            // Only while the ring is usable, as every device does: read_from()
            // and write_to() do not look at `broken` and copy through a chain
            // peeked before the ring broke (see docs/fuzzing.md, findings).
            if (!have_chain || was_broken) {
                break;
            }
            const bool write = in.ConsumeBool();
            const std::uint64_t offset = in.ConsumeIntegralInRange<std::uint64_t>(0, 0x1000);
            std::vector<std::uint8_t> buf(in.ConsumeIntegralInRange<std::size_t>(0, 0x800));
            if (!was_broken) {
                allowed = write ? Allowed::writable : Allowed::readable;
            }
            const std::int64_t n = write ? ring.write_to(chain, offset, buf)
                                         : ring.read_from(chain, offset, buf);
            FUZZ_CHECK(n <= std::int64_t(buf.size()), "copied %lld of %zu", (long long)n, buf.size());
            FUZZ_CHECK(n >= 0 || s.broken, "a failed copy left the ring usable");
            break;
        }
        case 5:
            ring.driver_wants_interrupt();
            break;
        case 6: { // the driver rewrites some RAM
            const std::uint64_t at = in.ConsumeIntegralInRange<std::uint64_t>(0, kRamSize - 1);
            std::vector<std::uint8_t> bytes =
                in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(1, 16));
            bytes.resize(std::min<std::size_t>(bytes.size(), kRamSize - at));
            if (!bytes.empty()) {
                guest.ram.fill(kRamBase + at, bytes);
            }
            break;
        }
        case 7: // the driver bumps avail idx
            if (inside(s.avail + 2, 2, kRamBase, kRamSize)) {
                guest.ram.put16(s.avail + 2, in.ConsumeIntegral<std::uint16_t>());
            }
            break;
        case 8: { // reset, with a new size
            const std::uint16_t num = std::uint16_t(1u << in.ConsumeIntegralInRange<unsigned>(0, 8));
            VringDevice::reset(s, num);
            FUZZ_CHECK(!s.broken && !s.ready && s.last_avail_idx == 0 && s.used_idx == 0,
                       "reset left state behind");
            FUZZ_CHECK(walker->stale() && !walker->usable(), "a walker survived a reset");
            stale_walker = std::move(walker);
            walker = std::make_unique<VringDevice>(s, guest, "fuzz ring");
            s.desc = pick_address(in);
            s.avail = pick_address(in);
            s.used = pick_address(in);
            s.ready = true;
            have_chain = false;
            break;
        }
        default:
            FUZZ_CHECK(VringDevice::valid_num(s.num, 256) ==
                           (s.num != 0 && s.num <= 256 && (s.num & (s.num - 1)) == 0),
                       "valid_num(%u)", s.num);
            break;
        }
        allowed = Allowed::anything;
    }
    guest.on_dma = nullptr;
    return 0;
}
