// SPDX-License-Identifier: GPL-2.0-or-later
// The device side of split virtqueues over fake guest RAM: chains, used
// ring publication, NO_INTERRUPT, and every way a hostile driver can break
// a ring (each must stop the queue with a guest error, never crash).
#include "fake_guest.hpp"
#include "samples/common/vring_device.hpp"
#include "virtio/virtio_faults.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace mdev::samples {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using test::DriverRing;
using test::FakeGuest;
using test::kRamBase;

constexpr std::uint64_t kRing = kRamBase;
constexpr std::uint64_t kData = kRamBase + 0x10000;

class VringTest : public ::testing::Test {
protected:
    void SetUp() override { start(8); }

    void start(std::uint16_t num)
    {
        ring = std::make_unique<DriverRing>(g, kRing, num);
        VringDevice::reset(s, num);
        s.desc = ring->desc;
        s.avail = ring->avail;
        s.used = ring->used;
        s.ready = true;
    }

    VringDevice dev() { return VringDevice(s, g, "test vq"); }

    void expect_broken(const char *why)
    {
        VringChain c;
        VringDevice d = dev();
        EXPECT_EQ(d.pop(c), VringPop::error);
        EXPECT_TRUE(s.broken);
        ASSERT_EQ(g.errors.size(), 1u);
        EXPECT_THAT(g.errors[0], HasSubstr(why));
        EXPECT_THAT(g.errors[0], HasSubstr("test vq"));
        // And it stays broken without touching the ring again.
        EXPECT_EQ(d.pop(c), VringPop::error);
        EXPECT_FALSE(d.push(0, 0));
        EXPECT_EQ(g.errors.size(), 1u);
    }

    FakeGuest g;
    VringState s{};
    std::unique_ptr<DriverRing> ring;
};

TEST(VringNum, PowersOfTwoUpToMax)
{
    EXPECT_TRUE(VringDevice::valid_num(1, 256));
    EXPECT_TRUE(VringDevice::valid_num(256, 256));
    EXPECT_TRUE(VringDevice::valid_num(64, 256));
    EXPECT_FALSE(VringDevice::valid_num(0, 256));
    EXPECT_FALSE(VringDevice::valid_num(512, 256));
    EXPECT_FALSE(VringDevice::valid_num(100, 256));
}

TEST_F(VringTest, EmptyRingAndNotReady)
{
    VringChain c;
    EXPECT_EQ(dev().pop(c), VringPop::empty);
    s.ready = false;
    ring->add({{kData, 4, false}});
    EXPECT_EQ(dev().pop(c), VringPop::empty);
    EXPECT_TRUE(g.errors.empty());
}

TEST_F(VringTest, PopsChainReadableThenWritable)
{
    std::uint16_t head = ring->add({{kData, 10, false}, {kData + 100, 20, false},
                                    {kData + 200, 30, true}});
    VringChain c;
    VringDevice d = dev();
    ASSERT_EQ(d.pop(c), VringPop::chain);
    EXPECT_EQ(c.head, head);
    ASSERT_EQ(c.segments.size(), 3u);
    EXPECT_EQ(c.segments[1].addr, kData + 100);
    EXPECT_EQ(c.segments[1].len, 20u);
    EXPECT_FALSE(c.segments[1].write);
    EXPECT_TRUE(c.segments[2].write);
    EXPECT_EQ(c.readable_bytes, 30u);
    EXPECT_EQ(c.writable_bytes, 30u);
    EXPECT_EQ(s.last_avail_idx, 1);
    EXPECT_EQ(d.pop(c), VringPop::empty);
}

TEST_F(VringTest, PeekDoesNotConsume)
{
    ring->add({{kData, 1, false}});
    VringChain c;
    VringDevice d = dev();
    ASSERT_EQ(d.peek(c), VringPop::chain);
    ASSERT_EQ(d.peek(c), VringPop::chain);
    EXPECT_EQ(s.last_avail_idx, 0);
    d.consume(c);
    EXPECT_EQ(d.peek(c), VringPop::empty);
}

TEST_F(VringTest, ReadsAndWritesAcrossSegments)
{
    const std::uint8_t a[] = {1, 2, 3};
    const std::uint8_t b[] = {4, 5};
    g.fill(kData, a);
    g.fill(kData + 64, b);
    ring->add({{kData, 3, false}, {kData + 64, 2, false}, {kData + 128, 2, true},
               {kData + 192, 4, true}});
    VringChain c;
    VringDevice d = dev();
    ASSERT_EQ(d.pop(c), VringPop::chain);
    std::uint8_t out[8] = {};
    EXPECT_EQ(d.read_from(c, 0, out), 5);
    EXPECT_THAT(std::vector<std::uint8_t>(out, out + 5), ElementsAre(1, 2, 3, 4, 5));
    std::uint8_t tail[2] = {};
    EXPECT_EQ(d.read_from(c, 2, tail), 2);
    EXPECT_THAT(tail, ElementsAre(3, 4));

    const std::uint8_t in[] = {9, 8, 7, 6, 5, 4, 3};
    EXPECT_EQ(d.write_to(c, 1, in), 5); // 6 writable bytes from offset 1
    EXPECT_THAT(g.bytes(kData + 128, 2), ElementsAre(0, 9));
    EXPECT_THAT(g.bytes(kData + 192, 4), ElementsAre(8, 7, 6, 5));
}

TEST_F(VringTest, PushPublishesEntryThenIndex)
{
    std::uint16_t h1 = ring->add({{kData, 1, true}});
    std::uint16_t h2 = ring->add({{kData, 1, true}});
    VringChain c;
    VringDevice d = dev();
    ASSERT_EQ(d.pop(c), VringPop::chain);
    ASSERT_EQ(d.pop(c), VringPop::chain);
    EXPECT_TRUE(d.push(h2, 77));
    EXPECT_TRUE(d.push(h1, 5));
    EXPECT_EQ(ring->used_idx(), 2);
    EXPECT_EQ(ring->used_id(0), h2);
    EXPECT_EQ(ring->used_len(0), 77u);
    EXPECT_EQ(ring->used_id(1), h1);
    EXPECT_EQ(ring->used_len(1), 5u);
}

TEST_F(VringTest, WrapsAroundTheRing)
{
    VringDevice d = dev();
    for (unsigned i = 0; i < 20; i++) {
        std::uint16_t h = ring->add({{kData, i, true}});
        VringChain c;
        ASSERT_EQ(d.pop(c), VringPop::chain);
        EXPECT_EQ(c.head, h);
        ASSERT_TRUE(d.push(h, i));
    }
    EXPECT_EQ(ring->used_idx(), 20);
    EXPECT_EQ(ring->used_len(19), 19u);
    EXPECT_TRUE(g.errors.empty());
}

TEST_F(VringTest, FreeRunningIndicesWrapAt65536)
{
    s.last_avail_idx = 0xffff;
    s.used_idx = 0xffff;
    ring->avail_idx = 0xffff;
    std::uint16_t h = ring->add({{kData, 3, true}});
    EXPECT_EQ(ring->avail_idx, 0);
    VringChain c;
    VringDevice d = dev();
    ASSERT_EQ(d.pop(c), VringPop::chain);
    ASSERT_TRUE(d.push(h, 3));
    EXPECT_EQ(ring->used_idx(), 0);
    EXPECT_EQ(s.last_avail_idx, 0);
}

TEST_F(VringTest, NoInterruptFlagHonoured)
{
    VringDevice d = dev();
    EXPECT_TRUE(d.driver_wants_interrupt());
    ring->set_avail_flags(VRING_AVAIL_F_NO_INTERRUPT);
    EXPECT_FALSE(d.driver_wants_interrupt());
    ring->set_avail_flags(0);
    EXPECT_TRUE(d.driver_wants_interrupt());
}

TEST_F(VringTest, LoopingChainBreaksTheRing)
{
    ring->set_desc(0, kData, 1, VRING_DESC_F_NEXT, 1);
    ring->set_desc(1, kData, 1, VRING_DESC_F_NEXT, 0);
    ring->publish(0);
    expect_broken("loop");
}

TEST_F(VringTest, SelfLoopBreaksTheRing)
{
    ring->set_desc(3, kData, 1, VRING_DESC_F_NEXT, 3);
    ring->publish(3);
    expect_broken("loop");
}

TEST_F(VringTest, HeadIndexOutOfRange)
{
    ring->publish(8);
    expect_broken("descriptor 8 of a 8-entry table");
}

TEST_F(VringTest, NextIndexOutOfRange)
{
    ring->set_desc(0, kData, 1, VRING_DESC_F_NEXT, 0xffff);
    ring->publish(0);
    expect_broken("chains to 65535");
}

TEST_F(VringTest, IndirectNotOffered)
{
    ring->set_desc(0, kData, 16, VRING_DESC_F_INDIRECT, 0);
    ring->publish(0);
    expect_broken("indirect");
}

TEST_F(VringTest, ReadableAfterWritable)
{
    ring->add({{kData, 1, true}, {kData, 1, false}});
    expect_broken("readable after a writable");
}

TEST_F(VringTest, AddressPlusLengthWraps)
{
    ring->add({{0xffff'ffff'ffff'fff0ull, 0x20, false}});
    expect_broken("wraps");
}

// A chain's total is no ring error (virtio-net-pci pops QEMU's large_tx
// chain of 65 x 64 MiB too): the sums are exact in 64 bits and the device
// judges them. Nothing is read or written by the pop.
TEST_F(VringTest, ChainOver4GiBIsPoppedWithExactSums)
{
    const std::uint16_t w = ring->add({{kData, 0xffff'ffffu, true}, {kData, 0xffff'ffffu, true}});
    const std::uint16_t r = ring->add({{kData, 0xffff'ffffu, false}, {kData, 0xffff'ffffu, false},
                                       {kData, 2, false}});
    VringChain c;
    VringDevice d = dev();
    ASSERT_EQ(d.pop(c), VringPop::chain);
    EXPECT_EQ(c.head, w);
    EXPECT_EQ(c.writable_bytes, 0x1'ffff'fffeull);
    EXPECT_EQ(c.readable_bytes, 0u);
    ASSERT_EQ(d.pop(c), VringPop::chain);
    EXPECT_EQ(c.head, r);
    EXPECT_EQ(c.readable_bytes, 0x2'0000'0000ull);
    EXPECT_TRUE(d.push(r, 0));
    EXPECT_FALSE(s.broken);
    EXPECT_TRUE(g.errors.empty());
}

TEST_F(VringTest, BufferOutsideRamFailsOnCopyNotOnPop)
{
    ring->add({{0x10, 4, false}});
    VringChain c;
    VringDevice d = dev();
    ASSERT_EQ(d.pop(c), VringPop::chain); // addresses are checked on use
    std::uint8_t out[4];
    EXPECT_EQ(d.read_from(c, 0, out), -1);
    EXPECT_TRUE(s.broken);
    ASSERT_EQ(g.errors.size(), 1u);
    EXPECT_THAT(g.errors[0], HasSubstr("cannot read 4 bytes of a buffer at 0x10"));
}

TEST_F(VringTest, BufferCrossingTheEndOfRam)
{
    ring->add({{kRamBase + g.ram.size() - 2, 4, true}});
    VringChain c;
    VringDevice d = dev();
    ASSERT_EQ(d.pop(c), VringPop::chain);
    const std::uint8_t in[4] = {1, 2, 3, 4};
    EXPECT_EQ(d.write_to(c, 0, in), -1);
    EXPECT_TRUE(s.broken);
}

TEST_F(VringTest, DescriptorTableOutsideRam)
{
    ring->add({{kData, 1, false}});
    s.desc = 0x1000;
    expect_broken("cannot read descriptor 0");
}

TEST_F(VringTest, AvailRingOutsideRam)
{
    s.avail = kRamBase + g.ram.size();
    expect_broken("cannot read the ring");
}

TEST_F(VringTest, UsedRingOutsideRam)
{
    std::uint16_t h = ring->add({{kData, 1, true}});
    s.used = 0x2000;
    VringChain c;
    VringDevice d = dev();
    ASSERT_EQ(d.pop(c), VringPop::chain);
    EXPECT_FALSE(d.push(h, 1));
    EXPECT_TRUE(s.broken);
    ASSERT_EQ(g.errors.size(), 1u);
    EXPECT_THAT(g.errors[0], HasSubstr("cannot write used ring entry"));
}

TEST_F(VringTest, AvailIdxJumpsPastQueueSize)
{
    g.put16(ring->avail + 2, 9); // 9 entries ahead of 0 in an 8-entry queue
    expect_broken("more than the queue size 8");
}

TEST_F(VringTest, AvailIdxExactlyQueueSizeIsFine)
{
    for (unsigned i = 0; i < 8; i++) {
        ring->add({{kData, 1, true}});
    }
    VringChain c;
    VringDevice d = dev();
    for (unsigned i = 0; i < 8; i++) {
        ASSERT_EQ(d.pop(c), VringPop::chain);
    }
    EXPECT_EQ(d.pop(c), VringPop::empty);
    EXPECT_TRUE(g.errors.empty());
}

TEST_F(VringTest, AvailIdxGoingBackwardsIsAJump)
{
    ring->add({{kData, 1, true}});
    VringChain c;
    VringDevice d = dev();
    ASSERT_EQ(d.pop(c), VringPop::chain);
    g.put16(ring->avail + 2, 0); // 0 - 1 = 65535 entries ahead
    EXPECT_EQ(d.pop(c), VringPop::error);
    EXPECT_TRUE(s.broken);
}

TEST_F(VringTest, LoadedStateWithBadSizeIsRefusedOnUse)
{
    s.num = 6;
    expect_broken("not a power of two");
}

TEST_F(VringTest, RingAreaWrappingAddressSpace)
{
    s.used = 0xffff'ffff'ffff'ffe0ull; // + 4 + 8 * 8 wraps
    expect_broken("wrap");
}

TEST_F(VringTest, ResetClearsBroken)
{
    ring->publish(100);
    VringChain c;
    EXPECT_EQ(dev().pop(c), VringPop::error);
    VringDevice::reset(s, 8);
    EXPECT_FALSE(s.broken);
    EXPECT_FALSE(s.ready);
    EXPECT_EQ(s.num, 8);
    EXPECT_EQ(s.last_avail_idx, 0);
}

// Random rings (every byte of the tables and of the state the guest or a
// stream controls): the walker must only ever return chains that respect
// its invariants or break the ring, and every pass ends (ASan/UBSan watch
// the memory side).
TEST_F(VringTest, AWalkerOfAResetRingTouchesNothing)
{
    const std::uint16_t head = ring->add({{kData, 8, false}, {kData + 0x100, 8, true}});
    VringDevice d = dev();
    VringChain c;
    ASSERT_EQ(d.pop(c), VringPop::chain);

    // The device is reset under the walk (its own MSI reached its config
    // space): every area address is 0 now.
    VringDevice::reset(s, 8);
    EXPECT_TRUE(d.stale());
    EXPECT_FALSE(d.usable());
    const std::vector<std::uint8_t> before = g.ram;
    std::uint8_t buf[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    EXPECT_EQ(d.write_to(c, 0, buf), -1);
    EXPECT_EQ(d.read_from(c, 0, buf), -1);
    EXPECT_FALSE(d.push(head, 8));
    EXPECT_FALSE(d.driver_wants_interrupt());
    EXPECT_EQ(d.pop(c), VringPop::error);
    d.consume(c);
    d.fail("stale %d", 1);
    EXPECT_EQ(g.ram, before);
    // The new ring is neither broken nor advanced, and nothing was logged.
    EXPECT_FALSE(s.broken);
    EXPECT_EQ(s.last_avail_idx, 0u);
    EXPECT_EQ(s.used_idx, 0u);
    EXPECT_TRUE(g.errors.empty());
    // A walker made after the reset works on the new ring.
    EXPECT_FALSE(dev().stale());
}

TEST_F(VringTest, PushChecksTheUsedRingWithoutAPeek)
{
    // found by the vring fuzzer: a used ring near 2^64 wrapped to 0xb.
    s.used = ~std::uint64_t(0) - 8;
    const std::vector<std::uint8_t> before = g.ram;
    EXPECT_FALSE(dev().push(0, 4));
    EXPECT_TRUE(s.broken);
    EXPECT_EQ(g.ram, before);
    ASSERT_EQ(g.errors.size(), 1u);
    EXPECT_THAT(g.errors[0], HasSubstr("wraps around"));
}

TEST_F(VringTest, NoCopyThroughAChainOnceTheRingIsBroken)
{
    ring->add({{kData, 8, false}, {kData + 0x100, 8, true}});
    VringDevice d = dev();
    VringChain c;
    ASSERT_EQ(d.pop(c), VringPop::chain);
    d.fail("broken by the test");
    std::uint8_t buf[8] = {};
    const std::vector<std::uint8_t> before = g.ram;
    EXPECT_EQ(d.read_from(c, 0, buf), -1);
    EXPECT_EQ(d.write_to(c, 0, buf), -1);
    EXPECT_EQ(g.ram, before);
}

TEST_F(VringTest, AResetKeepsCountingAcrossResets)
{
    const std::uint32_t r0 = s.resets;
    VringDevice::reset(s, 8);
    VringDevice::reset(s, 4);
    EXPECT_EQ(s.resets, r0 + 2);
    EXPECT_EQ(s.num, 4u);
}

TEST(VringFuzz, RandomRingsNeverEscape)
{
    std::mt19937 rng(12345);
    unsigned chains = 0, errors = 0;
    for (unsigned round = 0; round < 2000; round++) {
        FakeGuest g(64 * 1024);
        for (std::uint8_t &b : g.ram) {
            b = static_cast<std::uint8_t>(rng());
        }
        // Descriptor addresses often inside RAM, so chains get that far.
        const std::uint16_t num = static_cast<std::uint16_t>(1u << (rng() % 6));
        for (unsigned i = 0; i < num; i++) {
            const std::uint64_t d = kRamBase + 16u * i;
            if (rng() % 8) {
                g.put64(d, kRamBase + rng() % g.ram.size());
                g.put32(d + 8, rng() % 512);
                g.put16(d + 12, static_cast<std::uint16_t>(rng() % 4)); // NEXT|WRITE
                g.put16(d + 14, static_cast<std::uint16_t>(rng() % (num + 2)));
            }
        }
        for (unsigned i = 0; i < num; i++) {
            g.put16(kRamBase + 0x1004 + 2u * i, static_cast<std::uint16_t>(rng() % (num + 1)));
        }
        VringState s{};
        s.num = rng() % 8 ? num : static_cast<std::uint16_t>(rng());
        s.desc = rng() % 8 ? kRamBase : rng();
        s.avail = kRamBase + 0x1000;
        s.used = rng() % 8 ? kRamBase + 0x2000 : (std::uint64_t(rng()) << 32 | rng());
        s.last_avail_idx = static_cast<std::uint16_t>(rng());
        s.used_idx = static_cast<std::uint16_t>(rng());
        s.ready = true;
        if (rng() % 8) {
            g.put16(s.avail + 2, static_cast<std::uint16_t>(s.last_avail_idx + rng() % (num + 1)));
        }
        VringDevice d(s, g, "fuzz");
        for (unsigned step = 0; step < 2u * num + 2; step++) {
            VringChain c;
            VringPop r = d.pop(c);
            if (r != VringPop::chain) {
                errors += r == VringPop::error;
                break;
            }
            chains++;
            ASSERT_LT(c.head, s.num);
            ASSERT_LE(c.segments.size(), s.num);
            bool writable = false;
            for (const VringSegment &seg : c.segments) {
                ASSERT_FALSE(writable && !seg.write);
                writable = writable || seg.write;
            }
            std::vector<std::uint8_t> buf(std::min<std::uint64_t>(c.readable_bytes, 4096));
            if (d.read_from(c, 0, buf) < 0) {
                break;
            }
            buf.assign(std::min<std::uint64_t>(c.writable_bytes, 4096), 0x5a);
            if (d.write_to(c, 0, buf) < 0 || !d.push(c.head, 0)) {
                break;
            }
        }
        ASSERT_EQ(s.broken, !g.errors.empty());
    }
    // The generator reaches both outcomes, often.
    EXPECT_GT(chains, 500u);
    EXPECT_GT(errors, 500u);
}

} // namespace
} // namespace mdev::samples

// ---- The virtio class's drop-used fault (virtio_ops.hpp) ---------------------

namespace mdev::samples {
namespace {

class VringDropUsedTest : public VringTest {
protected:
    void SetUp() override
    {
        VringTest::SetUp();
        faults.set_device_name("test-dev");
        virtio::VirtioFaults::declare(faults);
    }
    VringDevice walker(std::uint16_t queue)
    {
        VringDevice d = dev();
        d.set_faults(faults, queue);
        return d;
    }
    std::uint16_t pop_one(VringDevice &d)
    {
        VringChain c;
        EXPECT_EQ(d.pop(c), VringPop::chain);
        return c.head;
    }
    FaultSet faults;
};

TEST_F(VringDropUsedTest, TheNextEntryIsNeitherWrittenNorCounted)
{
    ring->add({{kData, 4, true}});
    ring->add({{kData + 64, 4, true}});
    ASSERT_TRUE(faults.inject("drop-used", 1, 0, {}));
    VringDevice d = walker(0);
    const std::vector<std::uint8_t> used_before = g.bytes(ring->used, 4 + 8 * 8);
    const std::uint16_t h0 = pop_one(d);
    EXPECT_TRUE(d.push(h0, 4)); // the ring is sound: the entry is lost
    EXPECT_EQ(g.bytes(ring->used, 4 + 8 * 8), used_before);
    EXPECT_EQ(s.used_idx, 0);
    EXPECT_EQ(s.last_avail_idx, 1); // the chain stays consumed
    EXPECT_EQ(d.published(), 0u);
    EXPECT_FALSE(faults.any_armed()); // count 1: fired, disarmed

    const std::uint16_t h1 = pop_one(d);
    EXPECT_TRUE(d.push(h1, 3));
    EXPECT_EQ(ring->used_idx(), 1);
    EXPECT_EQ(ring->used_id(0), h1); // in slot 0: nothing was skipped
    EXPECT_EQ(ring->used_len(0), 3u);
    EXPECT_EQ(d.published(), 1u);
    EXPECT_EQ(faults.entries()[faults.find("drop-used").value()].fired, 1u);
    EXPECT_TRUE(g.errors.empty());
}

TEST_F(VringDropUsedTest, QueueSkipAndCountSelectTheEntries)
{
    for (int i = 0; i < 6; i++) {
        ring->add({{kData + 64u * i, 4, true}});
    }
    // Queue 1 only; the first of its entries passes, the next two are lost.
    ASSERT_TRUE(faults.inject("drop-used", 2, 1, std::vector<FaultArgText>{{"queue", "1"}}));
    VringDevice other = walker(0);
    EXPECT_TRUE(other.push(pop_one(other), 1)); // queue 0: not matched
    EXPECT_EQ(s.used_idx, 1);
    VringDevice d = walker(1);
    for (int i = 0; i < 5; i++) {
        EXPECT_TRUE(d.push(pop_one(d), 1));
    }
    // Of queue 1's five: 1 skipped (published), 2 dropped, 2 published.
    EXPECT_EQ(d.published(), 3u);
    EXPECT_EQ(s.used_idx, 4);
    EXPECT_EQ(ring->used_id(1), 1u);
    EXPECT_EQ(ring->used_id(2), 4u);
    EXPECT_EQ(ring->used_id(3), 5u);
    EXPECT_FALSE(faults.any_armed());
}

TEST_F(VringDropUsedTest, AWalkerWithoutFaultsOrABrokenRingIgnoresIt)
{
    ring->add({{kData, 4, true}});
    ring->add({{kData + 64, 4, true}});
    ASSERT_TRUE(faults.inject("drop-used", 0, 0, {}));
    VringDevice plain = dev(); // no set_faults: a device alone
    EXPECT_TRUE(plain.push(pop_one(plain), 1));
    EXPECT_EQ(ring->used_idx(), 1);
    // A broken ring refuses the push before the fault is asked.
    VringDevice d = walker(0);
    const std::uint16_t h = pop_one(d);
    s.broken = true;
    EXPECT_FALSE(d.push(h, 1));
    EXPECT_EQ(faults.entries()[faults.find("drop-used").value()].fired, 0u);
    EXPECT_FALSE(faults.inject("drop-used", 1, 0, std::vector<FaultArgText>{{"queue", "9999"}}));
}

} // namespace
} // namespace mdev::samples
