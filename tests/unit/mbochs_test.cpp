// SPDX-License-Identifier: GPL-2.0-or-later
// The mbochs parent and its vfio face, through a core with the vfio
// frontend: types and the 256 MB budget, config space, the BAR2 register
// file (EDID, ignored windows, DISPI with its 16-bit rule), the primary
// plane derived from DISPI, the EDID and the modes it offers for each
// type and property (decoded independently of the generator), and video memory that
// stays untouched until used.
#include "samples/mbochs/mbochs.hpp"

#include "hw/mdev/core.hpp"
#include "hw/mdev/host.hpp"
#include "recording_host.hpp"
#include "parent_fixture.hpp"
#include "test_uuid.hpp"
#include "samples/mbochs/mbochs_dispi.hpp"
#include "samples/mbochs/mbochs_edid.hpp"
#include "samples/mbochs/mbochs_modes.hpp"
#include "trace-hw_mdev_core_regfile.hpp"
#include "trace_record.hpp"
#include "vfio/pci_function.hpp"
#include "vfio/vfio_driver.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace mdev::samples {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using test::RecordingHost;
using vfio::PciFunction;

using test::uuid_n;

// DISPI register `index` as the guest addresses it in BAR2.
constexpr std::uint64_t dispi(DispiReg r)
{
    return kMbochsDispiOffset + 2 * static_cast<unsigned>(r);
}

class MbochsTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        ASSERT_NO_FATAL_FAILURE(
            test::register_parent(core, std::make_unique<MbochsParent>(), parent));
    }

    Result<Device *> create(const std::string &type, unsigned n)
    {
        return core.create({"mbochs", type, uuid_n(n), "vfio", &host});
    }

    // With -device properties, as the glue passes them: all four uint32
    // ones always present, 0 when the user set none.
    Result<Device *> create_with(const std::string &type, unsigned n, std::uint32_t xres,
                                 std::uint32_t yres, std::uint32_t xmax = 0,
                                 std::uint32_t ymax = 0)
    {
        CreateRequest req{"mbochs", type, uuid_n(n), "vfio", &host};
        req.properties.set("xres", std::to_string(xres));
        req.properties.set("yres", std::to_string(yres));
        req.properties.set("xmax", std::to_string(xmax));
        req.properties.set("ymax", std::to_string(ymax));
        return core.create(std::move(req));
    }

    PciFunction &make(const std::string &type = "mbochs-small", unsigned n = 1)
    {
        return test::bound_function(create(type, n), dev, false);
    }

    MbochsMdev &mdev() { return dev->vendor_state<MbochsMdev>(); }
    const vfio::VfioOps &ops() { return *dev->ops<vfio::VfioOps>(); }
    std::optional<vfio::GfxPlane> plane() { return ops().query_gfx_plane(*dev); }

    void set(PciFunction &f, DispiReg r, std::uint16_t v) { f.bar_write(2, dispi(r), v, 2); }
    std::uint64_t get(PciFunction &f, DispiReg r) { return f.bar_read(2, dispi(r), 2); }

    // A mode as bochs-drm sets it: disable, program, enable.
    void set_mode(PciFunction &f, std::uint16_t x, std::uint16_t y, std::uint16_t bpp = 32,
                  std::uint16_t virt_width = 0, std::uint16_t xoff = 0, std::uint16_t yoff = 0)
    {
        set(f, DispiReg::enable, 0);
        set(f, DispiReg::bpp, bpp);
        set(f, DispiReg::xres, x);
        set(f, DispiReg::yres, y);
        set(f, DispiReg::virt_width, virt_width ? virt_width : x);
        set(f, DispiReg::virt_height, y);
        set(f, DispiReg::x_offset, xoff);
        set(f, DispiReg::y_offset, yoff);
        set(f, DispiReg::enable, 0x41); // ENABLED | LFB_ENABLED
    }

    const MdevType &type(const char *id) { return *parent->find_type(id); }
    unsigned avail(const char *id) { return parent->available_instances(type(id)); }

    RecordingHost host; // outlives the core
    Core core;
    MbochsParent *parent = nullptr;
    Device *dev = nullptr;
};

// ---- Types and budget ------------------------------------------------------

TEST_F(MbochsTest, HasThreeTypesWithTheirMemoryAndPreferredModes)
{
    ASSERT_EQ(parent->name(), "mbochs");
    ASSERT_EQ(parent->types().size(), 3u);
    const char *ids[] = {"mbochs-small", "mbochs-medium", "mbochs-large"};
    const char *desc[] = {"virtual display, 4 MB video memory",
                          "virtual display, 16 MB video memory",
                          "virtual display, 64 MB video memory"};
    const unsigned mb[] = {4, 16, 64};
    const unsigned xres[] = {800, 1920, 1920}, yres[] = {600, 1080, 1080};
    for (unsigned i = 0; i < 3; i++) {
        const MdevType &t = parent->types()[i];
        EXPECT_EQ(t.id, ids[i]);
        EXPECT_EQ(t.description, desc[i]);
        EXPECT_EQ(t.device_api, "vfio-pci");
        EXPECT_EQ(parent->spec_of(t).megabytes, mb[i]);
        EXPECT_EQ(parent->spec_of(t).default_preferred.width, xres[i]);
        EXPECT_EQ(parent->spec_of(t).default_preferred.height, yres[i]);
    }
    EXPECT_THAT(core.classes_of("mbochs"), ElementsAre(ClassId::vfio));
}

TEST_F(MbochsTest, AvailableInstancesAreRemainingMegabytesOverTypeSize)
{
    EXPECT_EQ(avail("mbochs-small"), 64u);
    EXPECT_EQ(avail("mbochs-medium"), 16u);
    EXPECT_EQ(avail("mbochs-large"), 4u);
    ASSERT_TRUE(create("mbochs-large", 0));
    ASSERT_TRUE(create("mbochs-medium", 1));
    EXPECT_EQ(parent->megabytes_in_use(), 80u);
    EXPECT_EQ(avail("mbochs-small"), 44u);
    EXPECT_EQ(avail("mbochs-medium"), 11u);
    EXPECT_EQ(avail("mbochs-large"), 2u);
}

TEST_F(MbochsTest, BudgetOf256MegabytesIsEnforcedAndGivenBack)
{
    for (unsigned i = 0; i < 4; i++) {
        ASSERT_TRUE(create("mbochs-large", i));
    }
    EXPECT_EQ(avail("mbochs-small"), 0u);
    Result<Device *> r = create("mbochs-small", 9);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::budget_exhausted);

    Result<std::unique_ptr<VendorState>> own =
        parent->create(CreateArgs{type("mbochs-small"), *Uuid::parse(uuid_n(99)), ClassId::vfio, PropertyValues{}});
    ASSERT_FALSE(own.ok());
    EXPECT_EQ(own.error().message, "parent 'mbochs' has 256 MB of video memory in all and "
                                   "256 MB in use; 'mbochs-small' needs 4 MB");

    ASSERT_TRUE(core.remove(uuid_n(2)));
    EXPECT_EQ(parent->megabytes_in_use(), 192u);
    EXPECT_EQ(avail("mbochs-medium"), 4u);
    for (unsigned i = 0; i < 4; i++) {
        ASSERT_TRUE(create("mbochs-medium", 10 + i));
    }
    EXPECT_EQ(create("mbochs-small", 20).error().code, Errc::budget_exhausted);
}

// ---- Config space and regions -----------------------------------------------

TEST_F(MbochsTest, ConfigSpaceIsABochsDisplayWithoutCapabilities)
{
    PciFunction &f = make();
    EXPECT_EQ(f.config_read(0x00, 2), 0x1234u);
    EXPECT_EQ(f.config_read(0x02, 2), 0x1111u);
    EXPECT_EQ(f.config_read(0x04, 2), 0x0003u); // IO | MEM
    EXPECT_EQ(f.config_read(0x06, 2), 0x0000u); // no capability list
    EXPECT_EQ(f.config_read(0x08, 1), 0x01u);
    EXPECT_EQ(f.config_read(0x09, 1), 0x00u);
    EXPECT_EQ(f.config_read(0x0a, 2), 0x0380u);
    EXPECT_EQ(f.config_read(0x2c, 2), 0x1af4u);
    EXPECT_EQ(f.config_read(0x2e, 2), 0x1100u);
    EXPECT_EQ(f.config_read(0x34, 1), 0x00u);
    EXPECT_EQ(f.config_read(0x3d, 1), 0x00u); // no interrupt pin
    EXPECT_FALSE(f.has_intx());
    EXPECT_EQ(f.msi().offset, 0u);
}

TEST_F(MbochsTest, BarsAreVideoMemoryAndFourKilobytesOfMmio)
{
    PciFunction &f = make("mbochs-medium");
    const vfio::Bar &b0 = f.bar(0);
    EXPECT_EQ(b0.size, 16u << 20);
    EXPECT_FALSE(b0.io);
    EXPECT_FALSE(b0.mem64);
    EXPECT_TRUE(b0.prefetch);
    EXPECT_TRUE(b0.mmap);
    EXPECT_EQ(f.bar_memory(0).size(), 16u << 20);
    const vfio::Bar &b2 = f.bar(2);
    EXPECT_EQ(b2.size, 4096u);
    EXPECT_FALSE(b2.prefetch);
    EXPECT_FALSE(b2.mmap);
    for (unsigned i : {1u, 3u, 4u, 5u}) {
        EXPECT_EQ(f.bar(i).size, 0u) << "BAR" << i;
    }
    EXPECT_TRUE(ops().has_display(*dev));
}

TEST_F(MbochsTest, BarRegistersDecodeTheirSizes)
{
    PciFunction &f = make("mbochs-large");
    f.config_write(0x10, 0xffffffff, 4);
    EXPECT_EQ(f.config_read(0x10, 4), 0xfc000008u); // 64 MiB, prefetchable
    f.config_write(0x18, 0xffffffff, 4);
    EXPECT_EQ(f.config_read(0x18, 4), 0xfffff000u);
    f.config_write(0x14, 0xffffffff, 4);
    EXPECT_EQ(f.config_read(0x14, 4), 0u);
    f.config_write(0x00, 0xffffffff, 4); // ids are read-only
    EXPECT_EQ(f.config_read(0x00, 4), 0x11111234u);
    EXPECT_TRUE(mdev().post_load());
}

TEST_F(MbochsTest, PostLoadRefusesStatesTheDeviceCannotReach)
{
    PciFunction &f = make("mbochs-medium");
    set_mode(f, 640, 480);
    f.config_write(0x10, 0xe0000000, 4);
    ASSERT_TRUE(mdev().post_load());
    MbochsDeviceState &s = mdev().state();
    const MbochsDeviceState good = s;

    s.dispi[static_cast<unsigned>(DispiReg::video_memory_64k)] = 0xffff;
    EXPECT_FALSE(mdev().post_load());
    s = good;
    s.dispi[static_cast<unsigned>(DispiReg::id)] = 0x1234;
    EXPECT_FALSE(mdev().post_load());
    s = good;
    s.config[0x10] = 0x00; // BAR0 lost its prefetchable type bit
    EXPECT_FALSE(mdev().post_load());
    s = good;
    s.config[0x12] = 0x10; // BAR0 address bits below its 16 MiB size
    EXPECT_FALSE(mdev().post_load());
    s = good;
    s.config[0x00] = 0x86; // another vendor
    EXPECT_FALSE(mdev().post_load());
    s = good;
    EXPECT_TRUE(mdev().post_load());
}

// ---- BAR2: EDID, ignored windows, DISPI ---------------------------------------

TEST_F(MbochsTest, EdidIsReadableAtTheStartOfBar2AndZeroAfter)
{
    PciFunction &f = make("mbochs-small");
    const std::span<const std::uint8_t> e = mdev().edid().blob();
    ASSERT_EQ(e.size(), kEdidBlockSize);
    for (unsigned i = 0; i < kEdidBlockSize; i++) {
        ASSERT_EQ(f.bar_read(2, i, 1), e[i]) << i;
    }
    EXPECT_EQ(f.bar_read(2, 0, 4), 0xffffff00u);
    EXPECT_EQ(f.bar_read(2, 4, 4), 0x00ffffffu);
    EXPECT_EQ(f.bar_read(2, 0x80, 4), 0u);
    EXPECT_EQ(f.bar_read(2, 0x3fc, 4), 0u);
    EXPECT_THAT(host.errors, IsEmpty());
    f.bar_write(2, 0x10, 0xab, 1);
    EXPECT_EQ(f.bar_read(2, 0x10, 1), e[0x10]);
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_THAT(host.errors[0], HasSubstr("read-only EDID"));
    // At most 4 bytes, as QEMU's bochs-display takes them.
    EXPECT_EQ(f.bar_read(2, 0, 8), 0u);
    EXPECT_EQ(host.errors.size(), 2u);
}

TEST_F(MbochsTest, LargeTypesEdidExtensionFollowsTheBaseBlock)
{
    PciFunction &f = make("mbochs-large");
    const std::span<const std::uint8_t> e = mdev().edid().blob();
    ASSERT_EQ(e.size(), kEdidMaxSize);
    for (unsigned i = 0; i < kEdidMaxSize; i++) {
        ASSERT_EQ(f.bar_read(2, i, 1), e[i]) << i;
    }
    EXPECT_EQ(f.bar_read(2, 126, 1), 1u);   // one extension
    EXPECT_EQ(f.bar_read(2, 0x80, 1), 0x02u); // CTA-861
    EXPECT_EQ(f.bar_read(2, 0x100, 4), 0u);  // past the 256 bytes: zeros
    EXPECT_THAT(host.errors, IsEmpty());
}

TEST_F(MbochsTest, VgaAndQemuExtensionWindowsReadZeroAndIgnoreWrites)
{
    PciFunction &f = make();
    f.bar_write(2, 0x400, 0xffffffff, 4);
    f.bar_write(2, 0x41c, 0xffff, 2);
    f.bar_write(2, 0x600, 0xffffffff, 4);
    f.bar_write(2, 0x604, 0xffffffff, 4);
    EXPECT_EQ(f.bar_read(2, 0x400, 4), 0u);
    EXPECT_EQ(f.bar_read(2, 0x41e, 1), 0u);
    EXPECT_EQ(f.bar_read(2, 0x600, 4), 0u); // QEXT size 0: no extended registers
    EXPECT_EQ(f.bar_read(2, 0x604, 4), 0u);
    EXPECT_THAT(host.errors, IsEmpty());
    // No register: all ones, one guest error per 16-bit access.
    EXPECT_EQ(f.bar_read(2, 0x800, 4), 0xffffffffu);
    EXPECT_EQ(host.errors.size(), 2u);
}

TEST_F(MbochsTest, DispiPowersOnWithIdAndMemorySize)
{
    PciFunction &f = make("mbochs-large");
    EXPECT_EQ(get(f, DispiReg::id), 0xb0c5u);
    EXPECT_EQ(get(f, DispiReg::video_memory_64k), 1024u);
    for (DispiReg r : {DispiReg::xres, DispiReg::yres, DispiReg::bpp, DispiReg::enable,
                       DispiReg::bank, DispiReg::virt_width, DispiReg::virt_height,
                       DispiReg::x_offset, DispiReg::y_offset}) {
        EXPECT_EQ(get(f, r), 0u) << static_cast<int>(r);
    }
}

TEST_F(MbochsTest, DispiMemorySizeMatchesBar0ForEveryType)
{
    const char *ids[] = {"mbochs-small", "mbochs-medium", "mbochs-large"};
    for (unsigned i = 0; i < 3; i++) {
        PciFunction &f = make(ids[i], i);
        EXPECT_EQ(get(f, DispiReg::video_memory_64k) * 65536, f.bar(0).size) << ids[i];
    }
}

TEST_F(MbochsTest, DispiRegistersStoreWhatIsWritten)
{
    PciFunction &f = make();
    const std::pair<DispiReg, std::uint16_t> writes[] = {
        {DispiReg::xres, 1024},  {DispiReg::yres, 768},        {DispiReg::bpp, 32},
        {DispiReg::enable, 0x41}, {DispiReg::bank, 3},          {DispiReg::virt_width, 1280},
        {DispiReg::virt_height, 800}, {DispiReg::x_offset, 17}, {DispiReg::y_offset, 0xffff},
    };
    for (auto [r, v] : writes) {
        set(f, r, v);
    }
    for (auto [r, v] : writes) {
        EXPECT_EQ(get(f, r), v) << static_cast<int>(r);
    }
    EXPECT_THAT(host.errors, IsEmpty());
}

// The register file's trace events: Bochs's name of the DISPI register,
// its byte offset from 0x500, the value, and whether a write was refused;
// a refused write is logged once, by the register file, naming it.
TEST_F(MbochsTest, DispiTraceEventsNameTheRegister)
{
    PciFunction &f = make();
    trace_record::take();
    _TRACE_MDEV_REG_READ_DSTATE = _TRACE_MDEV_REG_WRITE_DSTATE = 1;
    set(f, DispiReg::xres, 1024);
    get(f, DispiReg::id);
    set(f, DispiReg::video_memory_64k, 1);
    _TRACE_MDEV_REG_READ_DSTATE = _TRACE_MDEV_REG_WRITE_DSTATE = 0;
    set(f, DispiReg::yres, 768);

    const std::vector<std::string> got = trace_record::take();
    const std::string u = uuid_n(1) + " mbochs: DISPI ";
    EXPECT_THAT(got, ElementsAre("mdev_reg_write: " + u + "XRES (0x2/2) <- 0x400",
                                 "mdev_reg_read: " + u + "ID (0x0/2) -> 0xb0c5",
                                 "mdev_reg_write: " + u + "VIDEO_MEMORY_64K (0x14/2) <- 0x1 (refused)"));
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_EQ(host.errors[0],
              "mbochs: DISPI: VIDEO_MEMORY_64K (0x14): write of 0x1 refused: read-only register");
}

TEST_F(MbochsTest, DispiReadOnlyRegistersKeepTheirValues)
{
    PciFunction &f = make("mbochs-medium");
    set(f, DispiReg::video_memory_64k, 1);
    EXPECT_EQ(get(f, DispiReg::video_memory_64k), 256u);
    ASSERT_EQ(host.errors.size(), 1u);
    set(f, DispiReg::id, 0x1234); // not an interface version
    EXPECT_EQ(get(f, DispiReg::id), 0xb0c5u);
    EXPECT_EQ(host.errors.size(), 2u);
    set(f, DispiReg::id, 0xb0c2); // a version a driver may select
    EXPECT_EQ(get(f, DispiReg::id), 0xb0c2u);
    EXPECT_EQ(host.errors.size(), 2u);
}

// The DISPI registers are 16 bits wide; other widths behave as on QEMU's
// bochs-display (whose DISPI MemoryRegionOps take 16-bit accesses only):
// a byte access is a 16-bit one at the same offset, a 32-bit one two
// registers, a misaligned or 64-bit one never reaches the registers.
TEST_F(MbochsTest, DispiOtherWidthsBehaveAsOnBochsDisplay)
{
    PciFunction &f = make();
    const std::uint64_t mem64k = get(f, DispiReg::video_memory_64k);
    set(f, DispiReg::xres, 640);
    EXPECT_EQ(f.bar_read(2, dispi(DispiReg::xres), 1), 0x80u);
    EXPECT_EQ(f.bar_read(2, dispi(DispiReg::xres) + 1, 1), 0x80u); // widened at 0x503: XRES
    EXPECT_EQ(f.bar_read(2, 0x500, 4), 0x0280b0c5u);
    EXPECT_THAT(host.errors, IsEmpty());
    EXPECT_EQ(f.bar_read(2, 0x508, 8), 0u);  // wider than the registers take
    EXPECT_EQ(f.bar_read(2, 0x502, 4), 0u);  // misaligned
    EXPECT_EQ(host.errors.size(), 2u);
    // Straddles the end: VIDEO_MEMORY_64K, then no register at 0x516.
    EXPECT_EQ(f.bar_read(2, 0x514, 4), 0xffff0000u | mem64k);
    EXPECT_EQ(host.errors.size(), 3u);
    f.bar_write(2, dispi(DispiReg::enable), 0x00050001, 4); // ENABLE, then BANK
    EXPECT_EQ(get(f, DispiReg::enable), 0x01u);
    EXPECT_EQ(get(f, DispiReg::bank), 0x05u);
    f.bar_write(2, dispi(DispiReg::xres), 0x99, 1); // zero-extended
    EXPECT_EQ(get(f, DispiReg::xres), 0x99u);
    EXPECT_EQ(host.errors.size(), 3u);
    // Past the last register (0x516) is no register at all.
    EXPECT_EQ(f.bar_read(2, 0x516, 2), 0xffffu);
    EXPECT_EQ(host.errors.size(), 4u);
}

TEST_F(MbochsTest, ResetRestoresDispiAndKeepsVideoMemory)
{
    PciFunction &f = make();
    set_mode(f, 640, 480);
    f.bar_write(0, 0x1000, 0xdeadbeef, 4);
    set(f, DispiReg::id, 0xb0c0);
    f.reset();
    EXPECT_EQ(get(f, DispiReg::id), 0xb0c5u);
    EXPECT_EQ(get(f, DispiReg::xres), 0u);
    EXPECT_EQ(get(f, DispiReg::enable), 0u);
    EXPECT_EQ(get(f, DispiReg::video_memory_64k), 64u);
    EXPECT_EQ(f.bar_read(0, 0x1000, 4), 0xdeadbeefu);
    EXPECT_FALSE(plane());
}

// ---- BAR0 through reads and writes -------------------------------------------

TEST_F(MbochsTest, Bar0AccessesHitExactlyTheirOffset)
{
    PciFunction &f = make();
    std::span<std::uint8_t> vram = f.bar_memory(0);
    f.bar_write(0, 0x2468, 0x0102030405060708, 8);
    EXPECT_EQ(vram[0x2468], 0x08);
    EXPECT_EQ(vram[0x246f], 0x01);
    EXPECT_EQ(vram[0x2467], 0x00);
    EXPECT_EQ(vram[0x2470], 0x00);
    vram[0] = 0x5a;
    vram[(4u << 20) - 1] = 0xa5;
    EXPECT_EQ(f.bar_read(0, 0, 1), 0x5au);
    EXPECT_EQ(f.bar_read(0, (4u << 20) - 1, 1), 0xa5u);
    EXPECT_EQ(f.bar_read(0, 4u << 20, 1), 0xffu); // past the end: refused
    EXPECT_EQ(host.errors.size(), 1u);
}

// ---- The primary plane ----------------------------------------------------------

TEST_F(MbochsTest, NoPlaneBeforeAModeIsSet)
{
    make();
    EXPECT_FALSE(plane());
}

TEST_F(MbochsTest, PlaneFollowsTheMode)
{
    PciFunction &f = make("mbochs-medium");
    set_mode(f, 1024, 768);
    std::optional<vfio::GfxPlane> p = plane();
    ASSERT_TRUE(p);
    EXPECT_EQ(p->drm_format, 0x34325258u);
    EXPECT_EQ(p->width, 1024u);
    EXPECT_EQ(p->height, 768u);
    EXPECT_EQ(p->stride, 4096u);
    EXPECT_EQ(p->region, VFIO_PCI_BAR0_REGION_INDEX);
    EXPECT_EQ(p->offset, 0u);

    // The very first query after a mode change sees the new mode (the
    // kernel sample fails it once).
    set_mode(f, 800, 600);
    p = plane();
    ASSERT_TRUE(p);
    EXPECT_EQ(p->width, 800u);
    EXPECT_EQ(p->height, 600u);
    EXPECT_EQ(p->stride, 3200u);
    set(f, DispiReg::yres, 500); // a change without re-enabling counts too
    ASSERT_TRUE(plane());
    EXPECT_EQ(plane()->height, 500u);
}

TEST_F(MbochsTest, PlaneNeedsEnableAnd32Bpp)
{
    PciFunction &f = make();
    set_mode(f, 640, 480);
    ASSERT_TRUE(plane());
    set(f, DispiReg::enable, 0x40); // LFB bit without ENABLED
    EXPECT_FALSE(plane());
    set(f, DispiReg::enable, 0x01);
    EXPECT_TRUE(plane());
    for (std::uint16_t bpp : {8, 15, 16, 24}) {
        set(f, DispiReg::bpp, bpp);
        EXPECT_FALSE(plane()) << bpp;
    }
}

TEST_F(MbochsTest, PlaneNeedsAtLeast64By64)
{
    PciFunction &f = make();
    set_mode(f, 64, 64);
    ASSERT_TRUE(plane());
    EXPECT_EQ(plane()->stride, 256u);
    set_mode(f, 63, 64);
    EXPECT_FALSE(plane());
    set_mode(f, 64, 63);
    EXPECT_FALSE(plane());
}

TEST_F(MbochsTest, StrideIsTheWiderOfVirtualWidthAndXres)
{
    PciFunction &f = make();
    set_mode(f, 640, 480, 32, 1000);
    ASSERT_TRUE(plane());
    EXPECT_EQ(plane()->stride, 4000u);
    set_mode(f, 640, 480, 32, 100); // a virtual width below xres is ignored
    ASSERT_TRUE(plane());
    EXPECT_EQ(plane()->stride, 2560u);
}

TEST_F(MbochsTest, OffsetComesFromXAndYOffset)
{
    PciFunction &f = make();
    set_mode(f, 640, 480, 32, 800, 3, 5);
    ASSERT_TRUE(plane());
    EXPECT_EQ(plane()->offset, 3u * 4 + 5u * 3200);
}

TEST_F(MbochsTest, PlaneMustFitInVideoMemory)
{
    PciFunction &f = make(); // 4 MiB = 4194304 bytes
    // 1024 x 1024 x 4 fills the memory exactly.
    set_mode(f, 1024, 1024);
    ASSERT_TRUE(plane());
    set_mode(f, 1024, 1025);
    EXPECT_FALSE(plane());
    // Panned down one line: one line too many.
    set_mode(f, 1024, 1023, 32, 0, 0, 1);
    ASSERT_TRUE(plane());
    set_mode(f, 1024, 1023, 32, 0, 1, 1);
    EXPECT_FALSE(plane());
}

TEST_F(MbochsTest, HugeRegisterValuesCannotWrapTheFitCheck)
{
    PciFunction &f = make("mbochs-large");
    // Every register at its maximum: stride 262140, offset ~ 2^34. In 32
    // bits these would wrap to something small; the check must refuse.
    set_mode(f, 0xffff, 0xffff, 32, 0xffff, 0xffff, 0xffff);
    EXPECT_FALSE(plane());
    set_mode(f, 64, 64, 32, 0xffff, 0, 0x4000); // 0x4000 * 262140 > 4 GiB
    EXPECT_FALSE(plane());
    set_mode(f, 64, 64, 32, 0xffff, 0xffff, 0);
    EXPECT_TRUE(plane());
}

// ---- EDID ----------------------------------------------------------------------
//
// A decoder written from E-EDID 1.4 and CTA-861, independent of the
// generator: it lists the modes a guest would take from the blob.

std::uint16_t le16(std::span<const std::uint8_t> e, unsigned at)
{
    return static_cast<std::uint16_t>(e[at] | (e[at + 1] << 8));
}

struct DecodedTiming {
    unsigned clock_khz, hactive, hblank, vactive, vblank;
};

DecodedTiming decode_dtd(const std::uint8_t *d)
{
    return {static_cast<unsigned>(d[0] | d[1] << 8) * 10, d[2] | unsigned(d[4] >> 4) << 8,
            d[3] | unsigned(d[4] & 0xf) << 8, d[5] | unsigned(d[7] >> 4) << 8,
            d[6] | unsigned(d[7] & 0xf) << 8};
}

DecodedTiming decode_dtd(const Edid &e)
{
    return decode_dtd(&e.bytes[54]);
}

void add_std(std::vector<EdidMode> &out, const std::uint8_t *t)
{
    if (t[0] == 0x01 && t[1] == 0x01) {
        return;
    }
    EXPECT_EQ(t[1] & 0x3f, 0) << "60 Hz";
    const unsigned w = (t[0] + 31u) * 8;
    const unsigned h[] = {w * 10 / 16, w * 3 / 4, w * 4 / 5, w * 9 / 16};
    out.push_back({static_cast<std::uint16_t>(w), static_cast<std::uint16_t>(h[t[1] >> 6])});
}

// Every mode in the blob, the preferred (first detailed timing) first.
std::vector<EdidMode> decode_modes(std::span<const std::uint8_t> e)
{
    std::vector<EdidMode> out;
    auto add_dtd = [&](const std::uint8_t *d) {
        const DecodedTiming t = decode_dtd(d);
        out.push_back({static_cast<std::uint16_t>(t.hactive),
                       static_cast<std::uint16_t>(t.vactive)});
    };
    add_dtd(&e[54]);
    if (e[35] & 0x20) {
        out.push_back({640, 480});
    }
    if (e[35] & 0x01) {
        out.push_back({800, 600});
    }
    if (e[36] & 0x08) {
        out.push_back({1024, 768});
    }
    EXPECT_EQ(e[35] & ~0x21, 0);
    EXPECT_EQ(e[36] & ~0x08, 0);
    EXPECT_EQ(e[37], 0);
    for (unsigned i = 38; i < 54; i += 2) {
        add_std(out, &e[i]);
    }
    for (unsigned d = 72; d < 126; d += 18) {
        if (le16(e, d) != 0) {
            add_dtd(&e[d]);
        } else if (e[d + 3] == 0xfa) {
            for (unsigned i = 0; i < 6; i++) {
                add_std(out, &e[d + 5 + 2 * i]);
            }
        }
    }
    if (e[126] == 1) {
        EXPECT_EQ(e.size(), 256u);
        const std::uint8_t *x = &e[128];
        EXPECT_EQ(x[0], 0x02);
        EXPECT_EQ(x[1], 0x03);
        for (unsigned d = x[2]; d + 18 <= 127 && (x[d] | x[d + 1]); d += 18) {
            add_dtd(&x[d]);
        }
    }
    return out;
}

std::vector<EdidMode> sorted(std::vector<EdidMode> v)
{
    std::sort(v.begin(), v.end(), [](EdidMode a, EdidMode b) {
        return std::pair(a.width, a.height) < std::pair(b.width, b.height);
    });
    return v;
}

bool checksums_ok(std::span<const std::uint8_t> e)
{
    for (std::size_t b = 0; b < e.size(); b += kEdidBlockSize) {
        if (std::accumulate(e.begin() + b, e.begin() + b + kEdidBlockSize, 0u) % 256 != 0) {
            return false;
        }
    }
    return true;
}

TEST(MbochsEdid, HeaderVersionVendorAndChecksum)
{
    for (auto [x, y] : {std::pair{800, 600}, {1920, 1440}, {1024, 768}, {64, 64}, {4095, 2048}}) {
        const EdidMode pref{static_cast<std::uint16_t>(x), static_cast<std::uint16_t>(y)};
        ASSERT_TRUE(edid_dtd_can_hold(pref));
        const Edid ed = edid_generate(pref, mbochs_mode_catalogue());
        const std::span<const std::uint8_t> e = ed.blob();
        EXPECT_THAT(std::vector<std::uint8_t>(e.begin(), e.begin() + 8),
                    ElementsAre(0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00));
        EXPECT_TRUE(checksums_ok(e)) << x << "x" << y;
        EXPECT_EQ(e[18], 1);
        EXPECT_EQ(e[19], 4);
        EXPECT_EQ(e[8], 0x49); // "RHT"
        EXPECT_EQ(e[9], 0x14);
        EXPECT_NE(e[20] & 0x80, 0);    // digital
        EXPECT_EQ(e[24] & 0x02, 0x02); // preferred timing is native
        // Not continuous frequency: the guest infers no modes of its own.
        EXPECT_EQ(e[24] & 0x01, 0);
    }
    const std::array<EdidMode, 1> only{{{800, 600}}};
    EXPECT_EQ(edid_generate({800, 600}, only).size, kEdidBlockSize);
    EXPECT_EQ(edid_generate({800, 600}, only).bytes[126], 0);
}

TEST(MbochsEdid, PreferredTimingIsTheFirstDetailedTimingAt60Hz)
{
    for (auto [x, y] : {std::pair{800, 600}, {1920, 1440}, {1024, 768}, {1366, 768}}) {
        const Edid e = edid_generate(
            {static_cast<std::uint16_t>(x), static_cast<std::uint16_t>(y)}, {});
        ASSERT_NE(le16(e.blob(), 54), 0); // descriptor 1 is a detailed timing
        const DecodedTiming t = decode_dtd(e);
        EXPECT_EQ(t.hactive, unsigned(x));
        EXPECT_EQ(t.vactive, unsigned(y));
        EXPECT_EQ(t.hblank, 160u); // CVT reduced blanking
        const double hz = t.clock_khz * 1000.0 / ((t.hactive + t.hblank) * (t.vactive + t.vblank));
        EXPECT_NEAR(hz, 60.0, 0.1) << x << "x" << y;
    }
    // 1920x1440: 2080 x 1481 x 60 Hz = 184.8288 MHz, stored in 10 kHz units.
    const DecodedTiming big = decode_dtd(edid_generate({1920, 1440}, {}));
    EXPECT_EQ(big.vblank, 41u);
    EXPECT_EQ(big.clock_khz, 184820u);
}

TEST(MbochsEdid, DetailedTimingLimits)
{
    EXPECT_TRUE(edid_dtd_can_hold({4095, 4095 / 2}));
    EXPECT_FALSE(edid_dtd_can_hold({4096, 2160}));  // 12 bits
    EXPECT_FALSE(edid_dtd_can_hold({4095, 4095}));  // 4255 x 4200 x 60 > 655.35 MHz
    EXPECT_FALSE(edid_dtd_can_hold({0, 480}));
}

TEST(MbochsEdid, RangeLimitsAndNameDescriptors)
{
    const std::array<EdidMode, 1> uhd{{{3840, 2160}}};
    const Edid ed = edid_generate({1920, 1080}, uhd);
    const std::span<const std::uint8_t> e = ed.blob();
    EXPECT_EQ(e[72 + 3], 0x10); // dummy: no more than 8 standard timings
    EXPECT_EQ(e[90 + 3], 0xfd);
    EXPECT_EQ(e[90 + 5], 50);
    EXPECT_EQ(e[90 + 6], 61);
    // 3840x2160 CVT-RB: 4000 x 2222 x 60 Hz = 533.28 MHz, 133.3 kHz lines.
    EXPECT_GE(e[90 + 8], 134);
    EXPECT_EQ(e[90 + 9], 54);
    EXPECT_EQ(e[108 + 3], 0xfc);
    EXPECT_EQ(std::string(reinterpret_cast<const char *>(&e[113]), 12), "QEMU mbochs\n");
}

TEST(MbochsEdid, EachModeGoesWhereALinuxGuestFindsIt)
{
    EXPECT_EQ(edid_slot_for({640, 480}), EdidSlot::established);
    EXPECT_EQ(edid_slot_for({1024, 768}), EdidSlot::established);
    EXPECT_EQ(edid_slot_for({1920, 1080}), EdidSlot::standard);
    EXPECT_EQ(edid_slot_for({1280, 1024}), EdidSlot::standard);
    // DMT has these only with reduced blanking: a standard timing would be
    // dropped by a guest that resolves standard timings through DMT only.
    EXPECT_EQ(edid_slot_for({1600, 900}), EdidSlot::detailed);
    EXPECT_EQ(edid_slot_for({2048, 1152}), EdidSlot::detailed);
    EXPECT_EQ(edid_slot_for({2560, 1600}), EdidSlot::detailed); // wider than 2288
    EXPECT_EQ(edid_slot_for({1366, 768}), EdidSlot::detailed);  // not a multiple of 8

    const std::array<EdidMode, 4> est{{{640, 480}, {800, 600}, {1024, 768}, {640, 480}}};
    const Edid e = edid_generate({1280, 800}, est);
    EXPECT_EQ(e.bytes[35], 0x21);
    EXPECT_EQ(e.bytes[36], 0x08);
    EXPECT_THAT(decode_modes(e.blob()), ElementsAre(EdidMode{1280, 800}, EdidMode{640, 480},
                                                    EdidMode{800, 600}, EdidMode{1024, 768}));
    // The preferred mode is only its detailed timing, not a second entry.
    const Edid p = edid_generate({800, 600}, est);
    EXPECT_EQ(p.bytes[35], 0x20);
    EXPECT_THAT(decode_modes(p.blob()),
                ElementsAre(EdidMode{800, 600}, EdidMode{640, 480}, EdidMode{1024, 768}));
}

TEST(MbochsEdid, TheWholeCatalogueFitsAndDecodesBack)
{
    std::vector<EdidMode> dropped;
    const Edid e = edid_generate({1920, 1080}, mbochs_mode_catalogue(), &dropped);
    EXPECT_THAT(dropped, IsEmpty());
    const std::vector<EdidMode> modes = decode_modes(e.blob());
    ASSERT_FALSE(modes.empty());
    EXPECT_EQ(modes[0], (EdidMode{1920, 1080}));
    const std::span<const EdidMode> all = mbochs_mode_catalogue();
    EXPECT_EQ(sorted(modes), sorted({all.begin(), all.end()}));
    EXPECT_EQ(e.bytes[72 + 3], 0xfa); // more than 8 standard timings
}

TEST(MbochsEdid, ModesWithNoRoomLeftAreReportedNotLost)
{
    std::vector<EdidMode> many;
    for (std::uint16_t w = 2600; w < 2600 + 8 * 8; w += 8) {
        many.push_back({w, 1200}); // eight detailed timings: room for six
    }
    std::vector<EdidMode> dropped;
    const Edid e = edid_generate({1024, 768}, many, &dropped);
    EXPECT_EQ(dropped.size(), 2u);
    EXPECT_EQ(decode_modes(e.blob()).size(), 7u);
    EXPECT_TRUE(checksums_ok(e.blob()));
}

// ---- Modes for the video memory ---------------------------------------------

TEST(MbochsModes, BochsDrmRuleIsHalfTheMemoryAt32Bpp)
{
    constexpr std::size_t MiB = 1 << 20;
    EXPECT_TRUE(mbochs_mode_fits({2048, 1024}, 16 * MiB)); // exactly 8 MiB
    EXPECT_FALSE(mbochs_mode_fits({2048, 1025}, 16 * MiB));
    EXPECT_TRUE(mbochs_mode_fits({1920, 1080}, 16 * MiB));
    EXPECT_FALSE(mbochs_mode_fits({1920, 1200}, 16 * MiB));
    EXPECT_FALSE(mbochs_mode_fits({1920, 1440}, 16 * MiB)); // the kernel sample's limit
    EXPECT_TRUE(mbochs_mode_fits({800, 600}, 4 * MiB));
    EXPECT_FALSE(mbochs_mode_fits({1024, 768}, 4 * MiB));
    EXPECT_TRUE(mbochs_mode_fits({3840, 2160}, 64 * MiB));
    EXPECT_FALSE(mbochs_mode_fits({4096, 2160}, 64 * MiB));
}

TEST_F(MbochsTest, EachTypesEdidPrefersAModeBochsDrmKeepsAndOffersAllThatFit)
{
    struct Want {
        const char *id;
        unsigned mb;
        EdidMode preferred, largest;
        std::size_t count;
    };
    const Want wants[] = {
        {"mbochs-small", 4, {800, 600}, {800, 600}, 2},
        {"mbochs-medium", 16, {1920, 1080}, {1920, 1080}, 13},
        {"mbochs-large", 64, {1920, 1080}, {3840, 2160}, 20},
    };
    unsigned n = 0;
    for (const Want &w : wants) {
        make(w.id, ++n);
        const std::vector<EdidMode> modes = decode_modes(mdev().edid().blob());
        ASSERT_FALSE(modes.empty());
        EXPECT_EQ(modes[0], w.preferred) << w.id;
        EXPECT_EQ(modes.size(), w.count) << w.id;
        EXPECT_EQ(sorted(modes), sorted(mdev().display().modes)) << w.id;
        EdidMode largest{0, 0};
        for (const EdidMode &m : modes) {
            EXPECT_TRUE(mbochs_mode_fits(m, std::size_t(w.mb) << 20)) << w.id;
            if (unsigned(m.width) * m.height > unsigned(largest.width) * largest.height) {
                largest = m;
            }
        }
        EXPECT_EQ(largest, w.largest) << w.id;
        // No common mode that fits is missing.
        for (const EdidMode &m : mbochs_mode_catalogue()) {
            if (mbochs_mode_fits(m, std::size_t(w.mb) << 20)) {
                EXPECT_NE(std::find(modes.begin(), modes.end(), m), modes.end())
                    << w.id << " " << m.width << "x" << m.height;
            }
        }
    }
    // mbochs-large offers 1920x1080 and more.
    const std::vector<EdidMode> large = decode_modes(mdev().edid().blob());
    for (EdidMode m : {EdidMode{1920, 1200}, EdidMode{2560, 1440}, EdidMode{2560, 1600}}) {
        EXPECT_NE(std::find(large.begin(), large.end(), m), large.end());
    }
}

TEST_F(MbochsTest, XresYresChooseThePreferredMode)
{
    ASSERT_TRUE(create_with("mbochs-medium", 1, 1280, 800));
    dev = core.find_device(uuid_n(1));
    EXPECT_EQ(decode_modes(mdev().edid().blob())[0], (EdidMode{1280, 800}));
    EXPECT_EQ(mdev().property("xres"), "1280");
    EXPECT_EQ(mdev().property("yres"), "800");
    EXPECT_EQ(mdev().property("xmax"), std::nullopt); // the user's value stands

    // A mode not in the list is offered as the preferred one as well.
    ASSERT_TRUE(create_with("mbochs-medium", 2, 1366, 768));
    dev = core.find_device(uuid_n(2));
    const std::vector<EdidMode> modes = decode_modes(mdev().edid().blob());
    EXPECT_EQ(modes[0], (EdidMode{1366, 768}));
    EXPECT_EQ(std::count(modes.begin(), modes.end(), EdidMode{1366, 768}), 1);

    // Unset: the value in effect is the type's.
    ASSERT_TRUE(create_with("mbochs-small", 3, 0, 0));
    dev = core.find_device(uuid_n(3));
    EXPECT_EQ(mdev().property("xres"), "800");
    EXPECT_EQ(mdev().property("yres"), "600");
}

TEST_F(MbochsTest, XmaxYmaxBoundTheList)
{
    ASSERT_TRUE(create_with("mbochs-large", 1, 0, 0, 1280, 1024));
    dev = core.find_device(uuid_n(1));
    const std::vector<EdidMode> modes = decode_modes(mdev().edid().blob());
    // The type's 1920x1080 is over the bound: the largest within it.
    EXPECT_EQ(modes[0], (EdidMode{1280, 1024}));
    EXPECT_EQ(modes.size(), 7u); // 640x480 .. 1280x1024
    for (const EdidMode &m : modes) {
        EXPECT_LE(m.width, 1280);
        EXPECT_LE(m.height, 1024);
    }
    EXPECT_EQ(mdev().edid().size, kEdidBlockSize); // nothing for the extension

    ASSERT_TRUE(create_with("mbochs-large", 2, 0, 0, 0, 1080)); // height only
    dev = core.find_device(uuid_n(2));
    for (const EdidMode &m : decode_modes(mdev().edid().blob())) {
        EXPECT_LE(m.height, 1080);
    }
}

TEST_F(MbochsTest, DisplayPropertiesOutOfRangeOrTooLargeAreRefusedWithAReason)
{
    struct Bad {
        const char *type;
        std::uint32_t xres, yres, xmax, ymax;
        const char *property, *says;
    };
    const Bad bads[] = {
        {"mbochs-medium", 1920, 1440, 0, 0, "'xres'", "does not fit mbochs-medium's 16 MiB"},
        {"mbochs-small", 1024, 768, 0, 0, "'xres'", "largest common mode: 800x600"},
        {"mbochs-medium", 1920, 1200, 0, 0, "'xres'", "larger mdev-type"},
        {"mbochs-medium", 63, 64, 0, 0, "'xres'", "accepted: 64..4095"},
        {"mbochs-large", 4096, 1024, 0, 0, "'xres'", "out of range"},
        {"mbochs-large", 64, 0xffffffff, 0, 0, "'yres'", "out of range"},
        {"mbochs-large", 1280, 0, 0, 0, "'yres'", "give both"},
        {"mbochs-large", 0, 800, 0, 0, "'xres'", "give both"},
        {"mbochs-large", 0, 0, 8193, 0, "'xmax'", "64..8192"},
        {"mbochs-large", 0, 0, 0, 1, "'ymax'", "out of range"},
        {"mbochs-large", 1920, 1080, 1280, 1024, "'xres'", "larger than xmax/ymax"},
        {"mbochs-large", 0, 0, 100, 100, "'xmax'", "no common mode"},
    };
    for (const Bad &b : bads) {
        const unsigned before = parent->megabytes_in_use();
        Result<Device *> r = create_with(b.type, 1, b.xres, b.yres, b.xmax, b.ymax);
        ASSERT_FALSE(r) << b.says;
        EXPECT_EQ(r.error().code, Errc::invalid_property);
        EXPECT_THAT(r.error().message, HasSubstr(std::string("property ") + b.property));
        EXPECT_THAT(r.error().message, HasSubstr(b.says));
        EXPECT_EQ(parent->megabytes_in_use(), before); // no budget taken
    }
    // What does fit is taken, up to the edges.
    EXPECT_TRUE(create_with("mbochs-medium", 2, 2048, 1024));
    EXPECT_TRUE(create_with("mbochs-large", 3, 4095, 2048));
    EXPECT_TRUE(create_with("mbochs-small", 4, 64, 64, 64, 64));
}

// Every combination of edge values: refused with a reason, or a display
// whose every mode bochs-drm keeps, within the bounds, preferred one first
// in an EDID that encodes them all.
TEST(MbochsModes, AnyPropertyValuesGiveARefusalOrAConsistentEdid)
{
    const std::uint32_t values[] = {0,    1,    63,   64,   640,  1080, 1366,
                                    1920, 2160, 4095, 4096, 8193, 0xffffffff};
    const std::pair<const char *, unsigned> types[] = {
        {"mbochs-small", 4}, {"mbochs-medium", 16}, {"mbochs-large", 64}};
    unsigned accepted = 0, refused = 0;
    for (auto [type, mb] : types) {
        const std::size_t vram = std::size_t(mb) << 20;
        for (std::uint32_t xres : values) {
            for (std::uint32_t yres : values) {
                for (std::uint32_t xmax : values) {
                    for (std::uint32_t ymax : values) {
                        Result<MbochsDisplay> d = mbochs_display_for(
                            type, vram, {1920, 1080}, {xres, yres, xmax, ymax});
                        if (!d) {
                            ASSERT_EQ(d.error().code, Errc::invalid_property);
                            ASSERT_EQ(d.error().message.rfind("property '", 0), 0u);
                            refused++;
                            continue;
                        }
                        accepted++;
                        const MbochsDisplay &disp = *d;
                        std::vector<EdidMode> dropped;
                        const Edid e = edid_generate(disp.preferred, disp.modes, &dropped);
                        ASSERT_THAT(dropped, IsEmpty());
                        ASSERT_TRUE(checksums_ok(e.blob()));
                        const std::vector<EdidMode> modes = decode_modes(e.blob());
                        ASSERT_EQ(modes[0], disp.preferred);
                        ASSERT_EQ(sorted(modes), sorted(disp.modes));
                        for (const EdidMode &m : modes) {
                            ASSERT_TRUE(mbochs_mode_fits(m, vram));
                            ASSERT_TRUE(!xmax || m.width <= xmax);
                            ASSERT_TRUE(!ymax || m.height <= ymax);
                        }
                        if (xres) {
                            ASSERT_EQ(disp.preferred, (EdidMode{std::uint16_t(xres),
                                                                std::uint16_t(yres)}));
                        }
                    }
                }
            }
        }
    }
    EXPECT_GT(accepted, 1000u);
    EXPECT_GT(refused, 1000u);
}

// ---- Lazy video memory ---------------------------------------------------------

// Pages of `mem` the kernel has made resident.
std::size_t resident_pages(std::span<const std::uint8_t> mem)
{
    const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> vec((mem.size() + page - 1) / page);
    if (mincore(const_cast<std::uint8_t *>(mem.data()), mem.size(), vec.data()) != 0) {
        return SIZE_MAX;
    }
    std::size_t n = 0;
    for (unsigned char v : vec) {
        n += v & 1;
    }
    return n;
}

TEST_F(MbochsTest, LargeDeviceTouchesNoVideoMemoryUntilUsed)
{
    PciFunction &f = make("mbochs-large");
    std::span<std::uint8_t> vram = f.bar_memory(0);
    ASSERT_EQ(vram.size(), 64u << 20);
    EXPECT_EQ(resident_pages(vram), 0u);
    // Programming a mode and querying the plane does not touch it either.
    set_mode(f, 1024, 768);
    ASSERT_TRUE(plane());
    EXPECT_EQ(resident_pages(vram), 0u);
    // Writing two bytes far apart makes exactly two pages resident.
    f.bar_write(0, 0, 1, 1);
    f.bar_write(0, 48u << 20, 1, 1);
    EXPECT_EQ(resident_pages(vram), 2u);
}

TEST(MbochsLazyMemory, IsZeroFilledAndMovable)
{
    LazyMemory a(1 << 20);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a.bytes()[12345], 0);
    a.bytes()[7] = 42;
    LazyMemory b(std::move(a));
    EXPECT_FALSE(a.ok());
    EXPECT_EQ(a.size(), 0u);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b.bytes()[7], 42);
}

} // namespace
} // namespace mdev::samples
