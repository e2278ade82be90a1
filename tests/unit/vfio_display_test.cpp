// SPDX-License-Identifier: GPL-2.0-or-later
// The vfio frontend's display plane check: a plane is shown straight from
// BAR memory, so every plane that could make the UI read past that memory
// must be refused, and every plane that fits must pass unchanged.
#include "vfio/display_plane.hpp"
#include "vfio/pci_function.hpp"

#include "hw/mdev/core.hpp"
#include "hw/mdev/host.hpp"
#include "hw/mdev/vfio_ops.hpp"
#include "recording_host.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace mdev::vfio {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr std::uint64_t kMiB = 1024 * 1024;

GfxPlane xrgb(std::uint32_t w, std::uint32_t h, std::uint32_t stride, std::uint64_t offset = 0,
              std::uint32_t region = VFIO_PCI_BAR0_REGION_INDEX)
{
    return GfxPlane{drm_format::kXrgb8888, w, h, stride, region, offset};
}

// ---- check_plane ---------------------------------------------------------

TEST(CheckPlaneTest, FourccOfXrgb8888IsTheDrmValue)
{
    EXPECT_EQ(drm_format::kXrgb8888, 0x34325258u);
    EXPECT_EQ(drm_format::kArgb8888, 0x34325241u);
    EXPECT_EQ(drm_format::kXbgr8888, 0x34324258u);
    EXPECT_EQ(drm_format::kAbgr8888, 0x34324241u);
    EXPECT_EQ(drm_format::kRgb888, 0x34324752u);
}

TEST(CheckPlaneTest, BytesPerPixelOfEachSupportedFormat)
{
    EXPECT_EQ(drm_format_bytes_per_pixel(drm_format::kXrgb8888), 4u);
    EXPECT_EQ(drm_format_bytes_per_pixel(drm_format::kArgb8888), 4u);
    EXPECT_EQ(drm_format_bytes_per_pixel(drm_format::kXbgr8888), 4u);
    EXPECT_EQ(drm_format_bytes_per_pixel(drm_format::kAbgr8888), 4u);
    EXPECT_EQ(drm_format_bytes_per_pixel(drm_format::kRgb888), 3u);
    EXPECT_EQ(drm_format_bytes_per_pixel(drm_format::fourcc('R', 'G', '1', '6')), std::nullopt);
    EXPECT_EQ(drm_format_bytes_per_pixel(0), std::nullopt);
}

TEST(CheckPlaneTest, PlaneThatFillsItsBarExactlyIsAccepted)
{
    // 1024x512 XRGB8888 is exactly 2 MiB.
    Result<DisplayPlane> r = check_plane(xrgb(1024, 512, 4096), 2 * kMiB);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(*r, (DisplayPlane{drm_format::kXrgb8888, 4, 1024, 512, 4096, 0, 0}));
}

TEST(CheckPlaneTest, MdpyVgaPlaneFitsItsTwoMebibyteBar)
{
    Result<DisplayPlane> r = check_plane(xrgb(640, 480, 2560), 2 * kMiB);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->bytes_per_pixel, 4u);
    EXPECT_EQ(r->stride, 2560u);
}

TEST(CheckPlaneTest, RegionIndexBecomesTheBarNumber)
{
    Result<DisplayPlane> r =
        check_plane(xrgb(16, 16, 64, 0x1000, VFIO_PCI_BAR0_REGION_INDEX + 2), kMiB);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->bar, 2u);
    EXPECT_EQ(r->offset, 0x1000u);
}

TEST(CheckPlaneTest, OneByteTooLongIsRefused)
{
    // Offset 4 pushes the last line's last 4 bytes past the end.
    Result<DisplayPlane> r = check_plane(xrgb(1024, 512, 4096, 4), 2 * kMiB);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::probe_failed);
    EXPECT_THAT(r.error().message, HasSubstr("does not fit in its BAR"));
}

TEST(CheckPlaneTest, OffsetAtTheEndIsRefused)
{
    EXPECT_FALSE(check_plane(xrgb(1, 1, 4, 2 * kMiB), 2 * kMiB));
    EXPECT_FALSE(check_plane(xrgb(1, 1, 4, 2 * kMiB + 4), 2 * kMiB));
}

TEST(CheckPlaneTest, OffsetThatWouldOverflowIsRefused)
{
    // offset + stride * height wraps to a small number in 64 bits.
    std::uint64_t offset = std::numeric_limits<std::uint64_t>::max() - 3;
    EXPECT_FALSE(check_plane(xrgb(1, 1, 4, offset), 2 * kMiB));
    EXPECT_FALSE(check_plane(xrgb(16, 16, 64, offset & ~std::uint64_t(3)), 2 * kMiB));
}

TEST(CheckPlaneTest, HugeStrideTimesHeightDoesNotWrap)
{
    // 0xfffffffc * 16384 is about 2^46: exact in 64 bits, far past the BAR.
    Result<DisplayPlane> r = check_plane(xrgb(16, 16384, 0xfffffffc), 8 * kMiB);
    ASSERT_FALSE(r);
    EXPECT_THAT(r.error().message, HasSubstr("does not fit"));
}

TEST(CheckPlaneTest, StrideShorterThanALineIsRefused)
{
    Result<DisplayPlane> r = check_plane(xrgb(640, 480, 2556), 2 * kMiB);
    ASSERT_FALSE(r);
    EXPECT_THAT(r.error().message, HasSubstr("stride shorter than a line"));
}

TEST(CheckPlaneTest, StrideLongerThanALineIsAccepted)
{
    EXPECT_TRUE(check_plane(xrgb(640, 480, 4096), 2 * kMiB));
}

TEST(CheckPlaneTest, StrideOrOffsetNotAMultipleOfFourIsRefused)
{
    GfxPlane rgb = {drm_format::kRgb888, 3, 2, 9, VFIO_PCI_BAR0_REGION_INDEX, 0};
    Result<DisplayPlane> r = check_plane(rgb, kMiB);
    ASSERT_FALSE(r);
    EXPECT_THAT(r.error().message, HasSubstr("multiple of 4"));
    rgb.stride = 12;
    EXPECT_TRUE(check_plane(rgb, kMiB));
    EXPECT_FALSE(check_plane(xrgb(16, 16, 64, 2), kMiB));
}

TEST(CheckPlaneTest, ZeroSizeIsRefused)
{
    EXPECT_FALSE(check_plane(xrgb(0, 480, 2560), 2 * kMiB));
    EXPECT_FALSE(check_plane(xrgb(640, 0, 2560), 2 * kMiB));
}

TEST(CheckPlaneTest, SizeAboveTheLimitIsRefused)
{
    Result<DisplayPlane> r = check_plane(xrgb(kMaxPlaneDimension + 1, 1, 65540), 8 * kMiB);
    ASSERT_FALSE(r);
    EXPECT_THAT(r.error().message, HasSubstr("size outside"));
    EXPECT_FALSE(check_plane(xrgb(1, kMaxPlaneDimension + 1, 4), 8 * kMiB));
    EXPECT_TRUE(check_plane(xrgb(1, kMaxPlaneDimension, 4), 8 * kMiB));
}

TEST(CheckPlaneTest, WidthTimesBytesPerPixelDoesNotWrapIn32Bits)
{
    // 0x40000000 * 4 wraps to 0 in 32 bits; the size limit refuses it first,
    // and the stride check would too.
    EXPECT_FALSE(check_plane(xrgb(0x40000000, 1, 4), 8 * kMiB));
}

TEST(CheckPlaneTest, UnsupportedFormatIsRefused)
{
    GfxPlane p = xrgb(16, 16, 64);
    p.drm_format = drm_format::fourcc('R', 'G', '1', '6');
    Result<DisplayPlane> r = check_plane(p, kMiB);
    ASSERT_FALSE(r);
    EXPECT_THAT(r.error().message, HasSubstr("format"));
    EXPECT_THAT(r.error().message, HasSubstr("0x36314752"));
}

TEST(CheckPlaneTest, RegionThatIsNotAnMmapableBarIsRefused)
{
    Result<DisplayPlane> r = check_plane(xrgb(16, 16, 64, 0, VFIO_PCI_CONFIG_REGION_INDEX), kMiB);
    ASSERT_FALSE(r);
    EXPECT_THAT(r.error().message, HasSubstr("not in an mmap-able BAR"));
    EXPECT_FALSE(check_plane(xrgb(16, 16, 64, 0, VFIO_PCI_ROM_REGION_INDEX), kMiB));
    EXPECT_FALSE(check_plane(xrgb(16, 16, 64, 0, 16), kMiB)); // mdpy's kernel alias
    EXPECT_FALSE(check_plane(xrgb(16, 16, 64, 0, VFIO_PCI_BAR0_REGION_INDEX), 0));
}

// ---- PciFunction::display_plane ------------------------------------------

// A display device with a 64 KiB mmap-able BAR0 and a 4 KiB trapping BAR2.
class FakeDisplay final : public VfioOps {
public:
    PciConfig pci_config(const Device &) const override
    {
        return PciConfigBuilder()
            .bar(0, PciBar::ram32(memory.size()))
            .bar(2, PciBar::mem32(4096))
            .build_or_abort();
    }
    // BAR2 reads 0 and ignores writes.
    struct ZeroRegisters {
        std::uint64_t read(std::uint64_t, unsigned) { return 0; }
        void write(std::uint64_t, std::uint64_t, unsigned) {}
    };
    BarAccessor bar_accessor(Device &, unsigned) const override
    {
        return BarAccessor::of(zeros);
    }
    void reset(Device &) const override {}
    std::span<std::uint8_t> mmap(Device &, std::uint32_t region) const override
    {
        return region == VFIO_PCI_BAR0_REGION_INDEX ? std::span(memory) : std::span<std::uint8_t>{};
    }
    bool has_display(const Device &) const override { return display; }
    std::optional<GfxPlane> query_gfx_plane(Device &) const override
    {
        queries++;
        return plane;
    }

    bool display = true;
    std::optional<GfxPlane> plane;
    mutable std::vector<std::uint8_t> memory = std::vector<std::uint8_t>(64 * 1024);
    mutable unsigned queries = 0;
    mutable ZeroRegisters zeros;
};

class StubParent final : public Parent {
public:
    std::string_view name() const override { return "stub"; }
    std::span<const MdevType> types() const override { return types_; }
    unsigned available_instances(const MdevType &) const override { return 1; }
    Result<std::unique_ptr<VendorState>> create(const CreateArgs &) override
    {
        return std::make_unique<VendorState>();
    }
    void remove(VendorState &) override {}

private:
    std::vector<MdevType> types_{{"stub-1", "Stub", "", "vfio-pci"}};
};

class DisplayPlaneTest : public ::testing::Test {
protected:
    DisplayPlaneTest()
        : dev(parent, parent.types()[0],
              *Uuid::parse("6a1d3c52-0000-4000-8000-00000000d151"), ClassOps::make(fake),
              std::make_unique<VendorState>())
    {
        dev.set_host(&host);
    }

    PciFunction &make()
    {
        Result<std::unique_ptr<PciFunction>> r = PciFunction::create(dev);
        EXPECT_TRUE(r);
        fn = std::move(*r);
        return *fn;
    }

    test::RecordingHost host;
    FakeDisplay fake;
    StubParent parent;
    Device dev;
    std::unique_ptr<PciFunction> fn;
};

TEST_F(DisplayPlaneTest, DeviceWithoutDisplayIsNeverAsked)
{
    fake.display = false;
    fake.plane = xrgb(16, 16, 64);
    PciFunction &f = make();
    EXPECT_FALSE(f.has_display());
    auto r = f.display_plane();
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->has_value());
    EXPECT_EQ(fake.queries, 0u);
}

TEST_F(DisplayPlaneTest, NoPlaneYetIsNotAnError)
{
    PciFunction &f = make();
    EXPECT_TRUE(f.has_display());
    auto r = f.display_plane();
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->has_value());
    EXPECT_THAT(host.errors, SizeIs(0));
}

TEST_F(DisplayPlaneTest, PlaneInTheMmapableBarIsReturnedChecked)
{
    fake.plane = xrgb(128, 128, 512);
    PciFunction &f = make();
    auto r = f.display_plane();
    ASSERT_TRUE(r);
    ASSERT_TRUE(r->has_value());
    EXPECT_EQ(**r, (DisplayPlane{drm_format::kXrgb8888, 4, 128, 128, 512, 0, 0}));
}

TEST_F(DisplayPlaneTest, PlaneInATrappingBarIsRefused)
{
    fake.plane = xrgb(16, 16, 64, 0, VFIO_PCI_BAR0_REGION_INDEX + 2);
    PciFunction &f = make();
    auto r = f.display_plane();
    ASSERT_FALSE(r);
    EXPECT_THAT(r.error().message, HasSubstr("not in an mmap-able BAR"));
}

TEST_F(DisplayPlaneTest, PlaneInAMissingBarOrPastTheBarsIsRefused)
{
    PciFunction &f = make();
    fake.plane = xrgb(16, 16, 64, 0, VFIO_PCI_BAR0_REGION_INDEX + 4);
    EXPECT_FALSE(f.display_plane());
    fake.plane = xrgb(16, 16, 64, 0, 0xffffffffu);
    EXPECT_FALSE(f.display_plane());
}

TEST_F(DisplayPlaneTest, PlaneLargerThanTheBarIsRefusedAndLoggedOnce)
{
    // 128x129 XRGB8888 needs 66048 bytes; BAR0 has 65536.
    fake.plane = xrgb(128, 129, 512);
    PciFunction &f = make();
    EXPECT_FALSE(f.display_plane());
    EXPECT_FALSE(f.display_plane());
    EXPECT_FALSE(f.display_plane());
    ASSERT_THAT(host.errors, SizeIs(1));
    EXPECT_THAT(host.errors[0], HasSubstr("stub-1"));
    EXPECT_THAT(host.errors[0], HasSubstr("128x129"));
    EXPECT_THAT(host.errors[0], HasSubstr("does not fit"));

    // Another bad plane is logged; so is the first one again after a good one.
    fake.plane = xrgb(128, 130, 512);
    EXPECT_FALSE(f.display_plane());
    EXPECT_THAT(host.errors, SizeIs(2));
    fake.plane = xrgb(128, 128, 512);
    EXPECT_TRUE(f.display_plane());
    fake.plane = xrgb(128, 130, 512);
    EXPECT_FALSE(f.display_plane());
    EXPECT_THAT(host.errors, SizeIs(3));
}

} // namespace
} // namespace mdev::vfio
