// SPDX-License-Identifier: GPL-2.0-or-later
// The PCI config-space builder: identity bytes, BAR sizing for each kind of
// BAR, write masks, the capability chain, the MSI capability's layout and
// masks, resync after a load, and the accesses and layouts it refuses.
#include "hw/mdev/pci_config.hpp"
#include "hw/mdev/le_bytes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <linux/pci_regs.h>

#include <array>

namespace mdev::vfio {
namespace {

using ::testing::HasSubstr;

using Live = std::array<std::uint8_t, PciConfig::kSize>;

PciConfig build(const PciConfigBuilder &b)
{
    Result<PciConfig> r = b.build();
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : PciConfig{};
}

std::string refusal(const PciConfigBuilder &b)
{
    Result<PciConfig> r = b.build();
    EXPECT_FALSE(r.ok());
    return r.ok() ? "" : r.error().message;
}

// A live config space at power-on, and 1/2/4-byte accesses to it.
struct Fn {
    explicit Fn(const PciConfig &c) : cfg(c) { cfg.reset(live); }

    std::uint32_t rd(std::uint32_t off, unsigned size = 4) const
    {
        std::uint8_t buf[4] = {};
        EXPECT_TRUE(cfg.read(live, off, std::span(buf, size)));
        return static_cast<std::uint32_t>(load_le(std::span(buf, size)));
    }
    void wr(std::uint32_t off, std::uint32_t v, unsigned size = 4)
    {
        std::uint8_t buf[4];
        store_le(std::span(buf, size), v);
        EXPECT_TRUE(cfg.write(live, off, std::span<const std::uint8_t>(buf, size)));
    }
    // What a guest reads after writing all ones (BAR sizing).
    std::uint32_t sized(std::uint32_t off)
    {
        wr(off, 0xffffffff);
        return rd(off);
    }

    PciConfig cfg;
    Live live{};
};

// ---- identity ------------------------------------------------------------

TEST(PciConfig, IdentityBytesLandAtTheirRegistersAndAreReadOnly)
{
    Fn f(build(PciConfigBuilder()
                   .ids(0x494f, 0x0dc8)
                   .revision(0x02)
                   .class_code(0xff00, 0x7e) // PCI_CLASS_OTHERS
                   .subsystem(0x494f, 0x0dc9)
                   .status(PCI_STATUS_DEVSEL_MEDIUM)));
    EXPECT_EQ(f.rd(PCI_VENDOR_ID), 0x0dc8494fu);
    EXPECT_EQ(f.rd(PCI_CLASS_REVISION), 0xff007e02u);
    EXPECT_EQ(f.rd(PCI_SUBSYSTEM_VENDOR_ID), 0x0dc9494fu);
    EXPECT_EQ(f.rd(PCI_STATUS, 2), PCI_STATUS_DEVSEL_MEDIUM);
    EXPECT_EQ(f.rd(PCI_HEADER_TYPE, 1), 0u);
    EXPECT_EQ(f.rd(PCI_CAPABILITY_LIST, 1), 0u); // no capabilities
    EXPECT_EQ(f.rd(PCI_INTERRUPT_PIN, 1), 0u);

    const Live before = f.live;
    for (std::uint32_t off = 0; off < PciConfig::kSize; off += 4) {
        f.wr(off, 0xffffffff);
    }
    EXPECT_EQ(f.live, before) << "nothing was declared guest-writable";
}

TEST(PciConfig, StatusBitsDoNotHideTheCapabilityList)
{
    // status() after a capability keeps PCI_STATUS_CAP_LIST, and cannot set
    // it without one.
    const std::uint8_t body[2] = {1, 2};
    Fn with(build(PciConfigBuilder().add_capability(0x0a, body).status(PCI_STATUS_DEVSEL_MEDIUM)));
    EXPECT_EQ(with.rd(PCI_STATUS, 2), PCI_STATUS_DEVSEL_MEDIUM | PCI_STATUS_CAP_LIST);
    Fn without(build(PciConfigBuilder().status(PCI_STATUS_CAP_LIST | PCI_STATUS_66MHZ)));
    EXPECT_EQ(without.rd(PCI_STATUS, 2), PCI_STATUS_66MHZ);
}

// ---- BARs ----------------------------------------------------------------

TEST(PciConfig, IoBarReadsBackItsSizeAndSpaceBit)
{
    Fn f(build(PciConfigBuilder().bar(0, RegionInfo{VFIO_REGION_INFO_FLAG_READ | kRegionBarIo, 8})));
    EXPECT_EQ(f.rd(PCI_BASE_ADDRESS_0), PCI_BASE_ADDRESS_SPACE_IO);
    EXPECT_EQ(f.sized(PCI_BASE_ADDRESS_0), 0xfffffff9u);
    f.wr(PCI_BASE_ADDRESS_0, 0x0000c00e); // bits below the size are dropped
    EXPECT_EQ(f.rd(PCI_BASE_ADDRESS_0), 0x0000c009u);
    f.wr(PCI_BASE_ADDRESS_0 + 1, 0xd0, 1);
    EXPECT_EQ(f.rd(PCI_BASE_ADDRESS_0), 0x0000d009u);
}

TEST(PciConfig, Mem32BarReadsBackItsSize)
{
    Fn f(build(PciConfigBuilder().bar(2, RegionInfo{VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE, 4096})));
    EXPECT_EQ(f.rd(PCI_BASE_ADDRESS_2), 0u);
    EXPECT_EQ(f.sized(PCI_BASE_ADDRESS_2), 0xfffff000u);
    EXPECT_EQ(f.sized(PCI_BASE_ADDRESS_0), 0u) << "an undeclared BAR stays 0";
    EXPECT_EQ(f.sized(PCI_BASE_ADDRESS_3), 0u);
}

TEST(PciConfig, PrefetchableBarKeepsItsTypeBits)
{
    Fn f(build(PciConfigBuilder().bar(
        0, RegionInfo{VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_MMAP | kRegionBarPrefetch, 16u << 20})));
    EXPECT_EQ(f.rd(PCI_BASE_ADDRESS_0), PCI_BASE_ADDRESS_MEM_PREFETCH);
    EXPECT_EQ(f.sized(PCI_BASE_ADDRESS_0), 0xff000008u);
    f.wr(PCI_BASE_ADDRESS_0, 0);
    EXPECT_EQ(f.rd(PCI_BASE_ADDRESS_0), 0x00000008u);
}

TEST(PciConfig, Mem64BarSizesItsUpperHalfToo)
{
    // 64 KiB: the upper half is all address.
    Fn small(build(PciConfigBuilder().bar(
        2, RegionInfo{VFIO_REGION_INFO_FLAG_READ | kRegionBarMem64 | kRegionBarPrefetch, 64 * 1024})));
    EXPECT_EQ(small.rd(PCI_BASE_ADDRESS_2),
              PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
    EXPECT_EQ(small.sized(PCI_BASE_ADDRESS_2), 0xffff000cu);
    EXPECT_EQ(small.sized(PCI_BASE_ADDRESS_3), 0xffffffffu);

    // 8 GiB: no address bit in the lower half, bit 33 up in the upper one.
    Fn big(build(PciConfigBuilder().bar(
        4, PciBar{PciBar::Kind::mem64, false, std::uint64_t(8) << 30})));
    EXPECT_EQ(big.sized(PCI_BASE_ADDRESS_4), PCI_BASE_ADDRESS_MEM_TYPE_64);
    EXPECT_EQ(big.sized(PCI_BASE_ADDRESS_5), 0xfffffffeu);
}

TEST(PciConfig, RegionOfSizeZeroAddsNoBar)
{
    Fn f(build(PciConfigBuilder().bar(1, RegionInfo{0, 0}).bar(1, RegionInfo{VFIO_REGION_INFO_FLAG_READ, 256})));
    EXPECT_EQ(f.sized(PCI_BASE_ADDRESS_1), 0xffffff00u);
}

// What a VFIO user would be told, derived from the description alone.
TEST(PciConfig, DerivesDeviceRegionAndIrqInfo)
{
    const PciConfig c = PciConfigBuilder()
                            .bar(0, PciBar::mem64(0x4000))
                            .bar(2, PciBar::ram32(1 << 20))
                            .bar(4, PciBar::io(8))
                            .interrupt_pin(1)
                            .msi(4, true, false)
                            .msix(17, 0, 0x2000, 0, 0x3000)
                            .build_or_abort();
    const DeviceInfo d = c.device_info();
    EXPECT_EQ(d.flags, std::uint32_t(VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET));
    EXPECT_EQ(d.num_regions, std::uint32_t(VFIO_PCI_NUM_REGIONS));
    EXPECT_EQ(d.num_irqs, std::uint32_t(VFIO_PCI_NUM_IRQS));

    constexpr std::uint32_t rw = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
    EXPECT_EQ(c.region_info(VFIO_PCI_CONFIG_REGION_INDEX)->size, 256u);
    EXPECT_EQ(c.region_info(VFIO_PCI_CONFIG_REGION_INDEX)->flags, rw);
    EXPECT_EQ(c.region_info(0)->flags, rw | kRegionBarMem64);
    EXPECT_EQ(c.region_info(0)->size, 0x4000u);
    EXPECT_EQ(c.region_info(1)->size, 0u); // BAR0's upper half
    EXPECT_EQ(c.region_info(2)->flags,
              rw | kRegionBarPrefetch | std::uint32_t(VFIO_REGION_INFO_FLAG_MMAP));
    EXPECT_EQ(c.region_info(4)->flags, rw | kRegionBarIo);
    EXPECT_EQ(c.region_info(VFIO_PCI_ROM_REGION_INDEX)->size, 0u);
    EXPECT_FALSE(c.region_info(VFIO_PCI_NUM_REGIONS));
    EXPECT_TRUE(c.bar(2).ram);
    EXPECT_EQ(c.bar(6).size, 0u);

    EXPECT_EQ(c.irq_info(VFIO_PCI_INTX_IRQ_INDEX)->count, 1u);
    EXPECT_EQ(c.irq_info(VFIO_PCI_MSI_IRQ_INDEX)->count, 4u);
    EXPECT_EQ(c.irq_info(VFIO_PCI_MSIX_IRQ_INDEX)->count, 17u);
    EXPECT_EQ(c.irq_info(VFIO_PCI_ERR_IRQ_INDEX)->count, 0u);
    EXPECT_FALSE(c.irq_info(VFIO_PCI_NUM_IRQS));

    const PciConfig bare = PciConfigBuilder().build_or_abort();
    EXPECT_EQ(bare.irq_info(VFIO_PCI_INTX_IRQ_INDEX)->count, 0u);
    EXPECT_EQ(bare.irq_info(VFIO_PCI_MSI_IRQ_INDEX)->count, 0u);
}

// The builder keeps a BAR's kind and backing; an I/O BAR is never RAM.
TEST(PciConfig, BarsKeepTheirKindAndRoundTripThroughRegionInfo)
{
    for (const PciBar b : {PciBar::io(16), PciBar::mem32(4096), PciBar::mem64(1 << 20),
                           PciBar::ram32(1 << 16)}) {
        const PciConfig c = PciConfigBuilder().bar(0, b).build_or_abort();
        EXPECT_EQ(c.bar(0).kind, b.kind);
        EXPECT_EQ(c.bar(0).ram, b.ram);
        EXPECT_EQ(c.bar(0).size, b.size);
        const PciBar back = PciBar::of(b.region());
        EXPECT_EQ(back.kind, b.kind);
        EXPECT_EQ(back.prefetch, b.prefetch);
        EXPECT_EQ(back.ram, b.ram);
    }
    const PciConfig io = PciConfigBuilder()
                             .bar(0, PciBar{PciBar::Kind::io, true, 16, true})
                             .build_or_abort();
    EXPECT_FALSE(io.bar(0).ram);
    EXPECT_FALSE(io.bar(0).prefetch);
}

TEST(PciConfig, PciBarOfFollowsTheRegionFlags)
{
    PciBar io = PciBar::of(RegionInfo{kRegionBarIo | kRegionBarPrefetch | kRegionBarMem64, 8});
    EXPECT_EQ(io.kind, PciBar::Kind::io);
    EXPECT_FALSE(io.prefetch) << "an I/O BAR is never prefetchable";
    PciBar m64 = PciBar::of(RegionInfo{kRegionBarMem64, 1u << 20});
    EXPECT_EQ(m64.kind, PciBar::Kind::mem64);
    EXPECT_FALSE(m64.prefetch);
    EXPECT_EQ(m64.size, 1u << 20);
    EXPECT_EQ(PciBar::of(RegionInfo{VFIO_REGION_INFO_FLAG_MMAP, 4096}).kind, PciBar::Kind::mem32);
}

TEST(PciConfig, RefusesBarsItCannotLayOut)
{
    EXPECT_THAT(refusal(PciConfigBuilder().bar(0, RegionInfo{0, 3000})),
                HasSubstr("BAR0 size 3000"));
    EXPECT_THAT(refusal(PciConfigBuilder().bar(0, RegionInfo{kRegionBarIo, 512})),
                HasSubstr("from 4 to 256"));
    EXPECT_THAT(refusal(PciConfigBuilder().bar(0, RegionInfo{kRegionBarIo, 2})),
                HasSubstr("from 4 to 256"));
    EXPECT_THAT(refusal(PciConfigBuilder().bar(0, RegionInfo{0, 8})), HasSubstr("at least 16"));
    EXPECT_THAT(refusal(PciConfigBuilder().bar(0, RegionInfo{0, std::uint64_t(4) << 30})),
                HasSubstr("2 GiB"));
    EXPECT_THAT(refusal(PciConfigBuilder().bar(5, RegionInfo{kRegionBarMem64, 4096})),
                HasSubstr("upper half"));
    EXPECT_THAT(refusal(PciConfigBuilder().bar(6, RegionInfo{0, 4096})),
                HasSubstr("does not exist"));
    EXPECT_THAT(refusal(PciConfigBuilder()
                            .bar(0, RegionInfo{kRegionBarMem64, 4096})
                            .bar(1, RegionInfo{0, 4096})),
                HasSubstr("BAR1 overlaps"));
    // The first refusal is the one reported.
    EXPECT_THAT(refusal(PciConfigBuilder().bar(0, RegionInfo{0, 3000}).bar(1, RegionInfo{0, 5})),
                HasSubstr("BAR0"));
}

// ---- command, interrupt line ----------------------------------------------

TEST(PciConfig, CommandTakesOnlyItsGuestWritableBits)
{
    Fn f(build(PciConfigBuilder().command(PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 0x00ff)));
    EXPECT_EQ(f.rd(PCI_COMMAND, 2), 0x0003u);
    f.wr(PCI_COMMAND, 0xffff, 2);
    EXPECT_EQ(f.rd(PCI_COMMAND, 2), 0x00ffu);
    f.wr(PCI_COMMAND, 0x0400, 2); // INTx disable is not writable here
    EXPECT_EQ(f.rd(PCI_COMMAND, 2), 0x0000u);
}

TEST(PciConfig, InterruptLineIsWritableOnlyWithAPin)
{
    Fn pin(build(PciConfigBuilder().interrupt_pin(1)));
    EXPECT_EQ(pin.rd(PCI_INTERRUPT_LINE, 2), 0x0100u);
    pin.wr(PCI_INTERRUPT_LINE, 0xffff, 2);
    EXPECT_EQ(pin.rd(PCI_INTERRUPT_LINE, 2), 0x01ffu) << "line written, pin read-only";

    Fn none(build(PciConfigBuilder()));
    none.wr(PCI_INTERRUPT_LINE, 0xffff, 2);
    EXPECT_EQ(none.rd(PCI_INTERRUPT_LINE, 2), 0u);

    EXPECT_THAT(refusal(PciConfigBuilder().interrupt_pin(5)), HasSubstr("interrupt pin 5"));
}

// ---- capabilities ----------------------------------------------------------

TEST(PciConfig, CapabilitiesAreChainedInCallOrderOnDwordBoundaries)
{
    const std::uint8_t vendor[5] = {0xa1, 0xa2, 0xa3, 0xa4, 0xa5};
    const std::uint8_t pm[6] = {0x03, 0x00, 0x08, 0x00, 0x00, 0x00};
    PciConfig cfg = build(PciConfigBuilder()
                              .msi(1, false, false)          // 10 bytes at 0x40
                              .vendor_capability(vendor)     // 8 bytes at 0x4c
                              .add_capability(PCI_CAP_ID_PM, pm)); // 8 bytes at 0x54
    Fn f(cfg);
    EXPECT_TRUE(f.rd(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
    EXPECT_EQ(f.rd(PCI_CAPABILITY_LIST, 1), 0x40u);
    EXPECT_EQ(f.rd(0x40, 2), 0x4c00u | PCI_CAP_ID_MSI);
    EXPECT_EQ(f.rd(0x4c, 2), 0x5400u | PCI_CAP_ID_VNDR);
    EXPECT_EQ(f.rd(0x54, 2), 0x0000u | PCI_CAP_ID_PM) << "the last one ends the list";

    // Vendor capability: length byte, then the payload as given.
    EXPECT_EQ(f.rd(0x4c + PCI_CAP_FLAGS, 1), 3u + sizeof(vendor));
    EXPECT_EQ(f.rd(0x4f, 4), 0xa4a3a2a1u);
    EXPECT_EQ(f.rd(0x53, 1), 0xa5u);
    // Generic capability: the body from PCI_CAP_FLAGS.
    EXPECT_EQ(f.rd(0x54 + PCI_CAP_FLAGS, 4), 0x00080003u);

    EXPECT_EQ(cfg.capability(PCI_CAP_ID_MSI), std::optional<std::uint8_t>(0x40));
    EXPECT_EQ(cfg.capability(PCI_CAP_ID_VNDR), std::optional<std::uint8_t>(0x4c));
    EXPECT_EQ(cfg.capability(PCI_CAP_ID_PM), std::optional<std::uint8_t>(0x54));
    EXPECT_EQ(cfg.capability(PCI_CAP_ID_MSIX), std::nullopt);

    // The chain and the capabilities' contents are read-only.
    const Live before = f.live;
    for (std::uint32_t off = 0x34; off < PciConfig::kSize; off += 4) {
        if (off < 0x40 || off >= 0x4c) {
            f.wr(off, 0xffffffff);
        }
    }
    EXPECT_EQ(f.live, before);
}

TEST(PciConfig, GenericCapabilityTakesAWriteMask)
{
    const std::uint8_t body[4] = {0x11, 0x22, 0x33, 0x44};
    const std::uint8_t writable[4] = {0x00, 0xff, 0x0f, 0x00};
    Fn f(build(PciConfigBuilder().add_capability(0x0c, body, writable)));
    f.wr(0x40, 0xffffffff);
    f.wr(0x44, 0xffffffff);
    EXPECT_EQ(f.rd(0x40), 0xff11000cu);
    EXPECT_EQ(f.rd(0x44), 0x0000443fu);
    EXPECT_THAT(refusal(PciConfigBuilder().add_capability(0x0c, body, std::span(writable, 2))),
                HasSubstr("2 write-mask bytes for 4 body bytes"));
}

TEST(PciConfig, CapabilitiesThatDoNotFitAreRefused)
{
    const std::array<std::uint8_t, 180> big{};
    PciConfigBuilder b;
    b.add_capability(0x0a, big); // 0x40..0xf5, next at 0xf8
    EXPECT_TRUE(b.build().ok());
    b.msi(1, false, false); // 10 bytes from 0xf8: past 0x100
    EXPECT_THAT(refusal(b), HasSubstr("does not fit"));
    // Exactly up to the end fits.
    const std::array<std::uint8_t, 254> all{};
    EXPECT_TRUE(PciConfigBuilder().add_capability(0x0a, std::span(all).first(190)).build().ok());
    EXPECT_FALSE(PciConfigBuilder().add_capability(0x0a, std::span(all).first(191)).build().ok());
}

TEST(PciConfig, Msi32BitLayoutAndMasks)
{
    Fn f(build(PciConfigBuilder().msi(4, false, false)));
    constexpr std::uint32_t m = 0x40;
    EXPECT_EQ(f.rd(m + PCI_MSI_FLAGS, 2), 2u << 1) << "Multiple Message Capable: 4";
    f.wr(m, 0xffffffff);
    EXPECT_EQ(f.rd(m + PCI_MSI_FLAGS, 2),
              (2u << 1) | PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
    EXPECT_EQ(f.rd(m, 2), PCI_CAP_ID_MSI) << "ID and next are read-only";
    EXPECT_EQ(f.sized(m + PCI_MSI_ADDRESS_LO), 0xfffffffcu);
    EXPECT_EQ(f.sized(m + PCI_MSI_DATA_32), 0x0000ffffu) << "16-bit data, then past the cap";
}

TEST(PciConfig, Msi64BitMaskableLayoutAndMasks)
{
    Fn f(build(PciConfigBuilder().msi(8, true, true)));
    constexpr std::uint32_t m = 0x40;
    EXPECT_EQ(f.rd(m + PCI_MSI_FLAGS, 2),
              (3u << 1) | PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT);
    EXPECT_EQ(f.sized(m + PCI_MSI_ADDRESS_LO), 0xfffffffcu);
    EXPECT_EQ(f.sized(m + PCI_MSI_ADDRESS_HI), 0xffffffffu);
    EXPECT_EQ(f.sized(m + PCI_MSI_DATA_64), 0x0000ffffu) << "the 2 bytes past data are reserved";
    EXPECT_EQ(f.sized(m + PCI_MSI_MASK_64), 0x000000ffu) << "one mask bit per vector";
    EXPECT_EQ(f.sized(m + PCI_MSI_PENDING_64), 0u) << "pending bits are the device's";

    Fn all(build(PciConfigBuilder().msi(32, false, true)));
    EXPECT_EQ(all.sized(m + PCI_MSI_MASK_32), 0xffffffffu);

    // A capability after a 64-bit maskable MSI starts past its 24 bytes.
    const std::uint8_t body[2] = {};
    PciConfig two = build(PciConfigBuilder().msi(1, true, true).add_capability(0x0a, body));
    EXPECT_EQ(two.capability(0x0a), std::optional<std::uint8_t>(0x58));

    for (unsigned v : {0u, 3u, 64u}) {
        EXPECT_THAT(refusal(PciConfigBuilder().msi(v, false, false)), HasSubstr("MSI with"));
    }
}

TEST(PciConfig, MsixLayoutIsReadOnly)
{
    const RegionInfo mem{VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE, 0x8000};
    Fn f(build(PciConfigBuilder().bar(0, mem).bar(2, mem).msix(2048, 2, 0, 0, 0x800)));
    constexpr std::uint32_t m = 0x40;
    EXPECT_EQ(f.rd(m, 1), PCI_CAP_ID_MSIX);
    EXPECT_EQ(f.rd(m + PCI_MSIX_FLAGS, 2), 2047u);
    EXPECT_EQ(f.rd(m + PCI_MSIX_TABLE, 4), 2u);
    EXPECT_EQ(f.rd(m + PCI_MSIX_PBA, 4), 0x800u);
    // Enable and function mask are the frontend's: nothing here is writable.
    EXPECT_EQ(f.sized(m + PCI_MSIX_FLAGS - 2), (2047u << 16) | PCI_CAP_ID_MSIX);
    EXPECT_EQ(f.sized(m + PCI_MSIX_TABLE), 2u);

}

// Any 8-byte aligned place in any memory BAR that traps is a layout: the
// table at 0x80 of a BAR of registers (pci-epf-test's), its PBA right
// after it, both ending exactly at the BAR's end, one vector in the
// smallest memory BAR.
TEST(PciConfig, MsixLayoutsAccepted)
{
    const RegionInfo rw{VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE, 0};
    const auto sized = [&](std::uint64_t size) { return RegionInfo{rw.flags, size}; };
    const auto accepted = [](const PciConfigBuilder &b) { return b.build().ok(); };
    // 0x80 + 2048 * 16 = 0x8080, then 256 bytes of PBA.
    EXPECT_TRUE(accepted(PciConfigBuilder().bar(0, sized(0x10000)).msix(2048, 0, 0x80, 0, 0x8080)));
    EXPECT_TRUE(accepted(PciConfigBuilder().bar(0, sized(0x10000)).msix(2048, 0, 0x10000 - 0x8000,
                                                                       0, 0x10000 - 0x8100)));
    EXPECT_TRUE(accepted(PciConfigBuilder().bar(0, sized(32)).msix(1, 0, 0, 0, 0x18)));
    EXPECT_TRUE(accepted(PciConfigBuilder().bar(0, sized(0x1000)).bar(2, sized(0x1000))
                             .msix(1, 2, 0xff0, 0, 0xff8)));
    // A 64-bit BAR is named by its first slot.
    const RegionInfo mem64{rw.flags | kRegionBarMem64, 0x10000};
    EXPECT_TRUE(accepted(PciConfigBuilder().bar(2, mem64).msix(2048, 2, 0x88, 2, 0x9000)));
}

// What the builder cannot lay out is refused with one line saying why.
TEST(PciConfig, MsixLayoutsRefused)
{
    const RegionInfo mem{VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE, 0x8000};
    const RegionInfo io{VFIO_REGION_INFO_FLAG_READ | kRegionBarIo, 256};
    const RegionInfo mem64{mem.flags | kRegionBarMem64, 0x8000};
    const RegionInfo ram{mem.flags | VFIO_REGION_INFO_FLAG_MMAP, 0x8000};
    const auto refused = [&](unsigned n, unsigned tbar, std::uint32_t toff, unsigned pbar,
                             std::uint32_t poff) {
        return refusal(PciConfigBuilder().bar(0, mem).bar(1, io).bar(2, mem64).bar(4, ram)
                           .msix(n, tbar, toff, pbar, poff));
    };
    EXPECT_THAT(refused(0, 0, 0, 0, 0x800), HasSubstr("1 to 2048"));
    EXPECT_THAT(refused(2049, 0, 0, 0, 0x800), HasSubstr("1 to 2048"));
    EXPECT_THAT(refused(4, 1, 0, 0, 0x800), HasSubstr("table in BAR1: an I/O BAR"));
    EXPECT_THAT(refused(4, 0, 0, 1, 0), HasSubstr("PBA in BAR1: an I/O BAR"));
    EXPECT_THAT(refused(4, 0, 0, 5, 0), HasSubstr("PBA in BAR5: no such BAR"));
    EXPECT_THAT(refused(4, 6, 0, 0, 0x800), HasSubstr("table in BAR6: no such BAR"));
    EXPECT_THAT(refused(4, 3, 0, 0, 0x800), HasSubstr("table in BAR3: no such BAR"));
    EXPECT_THAT(refused(4, 4, 0, 0, 0x800), HasSubstr("table in BAR4: the BAR is mmap-able"));
    EXPECT_THAT(refused(4, 0, 4, 0, 0x800), HasSubstr("table in BAR0 at offset 4: not 8-byte"));
    EXPECT_THAT(refused(4, 0, 0, 0, 0x804), HasSubstr("PBA in BAR0 at offset 2052: not 8-byte"));
    EXPECT_THAT(refused(2048, 0, 0x80, 0, 0), HasSubstr("table in BAR0: offset 128 + 32768 "
                                                        "bytes is past the BAR's 32768 bytes"));
    EXPECT_THAT(refused(64, 0, 0, 0, 0x7ffc), HasSubstr("not 8-byte aligned"));
    EXPECT_THAT(refused(65, 0, 0, 0, 0x7ff8), HasSubstr("PBA in BAR0: offset 32760 + 16 bytes"));
    EXPECT_THAT(refused(4, 0, 0, 0, 0x10000), HasSubstr("is past the BAR's"));
    EXPECT_THAT(refused(4, 0, 0, 0, 0x38), HasSubstr("the table and the PBA overlap in BAR0"));
    EXPECT_THAT(refused(4, 2, 0x100, 2, 0x138), HasSubstr("overlap"));
    // Touching is not overlapping.
    EXPECT_TRUE(PciConfigBuilder().bar(0, mem).msix(4, 0, 0x40, 0, 0x38).build().ok());
    // One line, naming the capability.
    const std::string why = refused(4, 1, 0, 0, 0x800);
    EXPECT_EQ(why.find('\n'), std::string::npos);
    EXPECT_THAT(why, HasSubstr("MSI-X with 4 vectors"));
    // Each kind of refusal, word for word: the line a parent's author sees
    // when the mdev is created (no -device property of the samples reaches
    // one: their layouts are fixed or follow from the vector count).
    const std::string p = "PCI config space: ";
    EXPECT_EQ(refused(0, 0, 0, 0, 0x800), p + "MSI-X with 0 vectors: MSI-X has 1 to 2048 vectors");
    EXPECT_EQ(refused(4, 3, 0, 0, 0x800),
              p + "MSI-X with 4 vectors: the table in BAR3: no such BAR declared before the "
                  "capability");
    EXPECT_EQ(refused(4, 0, 0, 1, 0), p + "MSI-X with 4 vectors: the PBA in BAR1: an I/O BAR "
                                          "(MSI-X lives in memory BARs)");
    EXPECT_EQ(refused(4, 4, 0, 0, 0x800),
              p + "MSI-X with 4 vectors: the table in BAR4: the BAR is mmap-able (RAM to the "
                  "guest), so accesses to it would not reach the emulated table");
    EXPECT_EQ(refused(4, 0, 4, 0, 0x800),
              p + "MSI-X with 4 vectors: the table in BAR0 at offset 4: not 8-byte aligned");
    EXPECT_EQ(refused(65, 0, 0, 0, 0x7ff8),
              p + "MSI-X with 65 vectors: the PBA in BAR0: offset 32760 + 16 bytes is past the "
                  "BAR's 32768 bytes");
    EXPECT_EQ(refused(4, 0, 0, 0, 0x38),
              p + "MSI-X with 4 vectors: the table and the PBA overlap in BAR0");
}

// ---- reset, resync, reachable ------------------------------------------------

PciConfig rich()
{
    const std::uint8_t vendor[3] = {1, 2, 3};
    return build(PciConfigBuilder()
                     .ids(0x1b36, 0x000f)
                     .command(0, 0x0007)
                     .interrupt_pin(1)
                     .bar(0, RegionInfo{kRegionBarPrefetch, 1u << 20})
                     .bar(1, RegionInfo{kRegionBarIo, 16})
                     .msi(2, true, true)
                     .vendor_capability(vendor));
}

TEST(PciConfig, ResetWritesThePowerOnImage)
{
    PciConfig cfg = rich();
    Live live;
    live.fill(0x5a);
    cfg.reset(live);
    EXPECT_TRUE(std::equal(live.begin(), live.end(), cfg.image().begin()));
}

TEST(PciConfig, ResyncRestoresReadOnlyBitsAndKeepsTheGuestsOnes)
{
    PciConfig cfg = rich();
    Fn f(cfg);
    f.wr(PCI_BASE_ADDRESS_0, 0xfe800000);
    f.wr(PCI_INTERRUPT_LINE, 11, 1);
    f.wr(0x40 + PCI_MSI_ADDRESS_LO, 0xfee00000);
    const Live guest = f.live;
    EXPECT_TRUE(cfg.reachable(f.live));

    // A stream that changed everything: ids, type bits, low BAR bits, the
    // capability chain, and the writable bytes too.
    Live loaded;
    for (std::size_t i = 0; i < loaded.size(); i++) {
        loaded[i] = static_cast<std::uint8_t>(0xc3 ^ i);
    }
    EXPECT_FALSE(cfg.reachable(loaded));
    cfg.resync(loaded);
    EXPECT_TRUE(cfg.reachable(loaded));
    for (std::size_t i = 0; i < loaded.size(); i++) {
        const std::uint8_t m = cfg.write_mask()[i];
        EXPECT_EQ(loaded[i] & ~m, cfg.image()[i] & ~m) << "offset " << i;
        EXPECT_EQ(loaded[i] & m, (0xc3 ^ i) & m) << "offset " << i;
    }
    // BAR0 (1 MiB, prefetchable): the stream's address bits, its own type.
    const std::uint32_t stream_bar0 = 0xd0d1d2d3u; // 0xc3 ^ 0x13 .. 0xc3 ^ 0x10
    EXPECT_EQ(load_le(std::span(loaded).subspan(PCI_BASE_ADDRESS_0, 4)),
              (stream_bar0 & 0xfff00000u) | PCI_BASE_ADDRESS_MEM_PREFETCH);

    // Resyncing a state the guest made changes nothing.
    Live again = guest;
    cfg.resync(again);
    EXPECT_EQ(again, guest);
}

TEST(PciConfig, ReachableSeesOneWrongReadOnlyBit)
{
    PciConfig cfg = rich();
    Fn f(cfg);
    f.live[PCI_BASE_ADDRESS_0] ^= PCI_BASE_ADDRESS_MEM_PREFETCH;
    EXPECT_FALSE(cfg.reachable(f.live));
    cfg.reset(f.live);
    f.live[PCI_BASE_ADDRESS_1] |= 0x08; // below the 16-byte I/O BAR's size
    EXPECT_FALSE(cfg.reachable(f.live));
    cfg.reset(f.live);
    f.live[PciConfig::kSize - 1] = 1;
    EXPECT_FALSE(cfg.reachable(f.live));
}

// ---- accesses ----------------------------------------------------------------

TEST(PciConfig, RefusesOddSizesAndAccessesPastTheEnd)
{
    PciConfig cfg = rich();
    Fn f(cfg);
    const Live before = f.live;
    std::uint8_t buf[8] = {0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee};
    const std::uint8_t ones[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    for (std::size_t size : {0u, 3u, 8u}) {
        EXPECT_FALSE(cfg.read(f.live, PCI_BASE_ADDRESS_0, std::span(buf, size))) << size;
        EXPECT_FALSE(cfg.write(f.live, PCI_BASE_ADDRESS_0, std::span(ones, size))) << size;
    }
    EXPECT_FALSE(cfg.read(f.live, 256, std::span(buf, 1)));
    EXPECT_FALSE(cfg.read(f.live, 255, std::span(buf, 2)));
    EXPECT_FALSE(cfg.read(f.live, 253, std::span(buf, 4)));
    EXPECT_FALSE(cfg.read(f.live, ~std::uint64_t(0), std::span(buf, 1)));
    EXPECT_FALSE(cfg.write(f.live, 256, std::span(ones, 1)));
    EXPECT_FALSE(cfg.write(f.live, 254, std::span(ones, 4)));
    EXPECT_FALSE(cfg.write(f.live, ~std::uint64_t(0) - 1, std::span(ones, 4)));
    EXPECT_EQ(buf[0], 0xee) << "a refused read leaves the buffer alone";
    EXPECT_EQ(f.live, before) << "a refused write changes nothing";

    // The last bytes are reachable.
    EXPECT_TRUE(cfg.read(f.live, 252, std::span(buf, 4)));
    EXPECT_TRUE(cfg.read(f.live, 255, std::span(buf, 1)));
}

TEST(PciConfig, AnAccessAcrossTwoRegistersAppliesEachBytesMask)
{
    // 2 bytes at 0x13: the top byte of BAR0 and the low byte of BAR1.
    Fn f(rich());
    f.wr(PCI_BASE_ADDRESS_0 + 3, 0xffff, 2);
    EXPECT_EQ(f.rd(PCI_BASE_ADDRESS_0), 0xff000008u);
    EXPECT_EQ(f.rd(PCI_BASE_ADDRESS_1), 0x000000f1u);
}

} // namespace
} // namespace mdev::vfio
