// SPDX-License-Identifier: GPL-2.0-or-later
// The mdpy parent and its vfio face, through a core with the vfio frontend:
// types and the device budget, the config space and vendor capability, the
// framebuffer BAR (mmap-able, and read/write at an offset), the display
// plane, the lazy framebuffer that reset blacks out, and the post-migration
// resync.
#include "recording_host.hpp"
#include "parent_fixture.hpp"
#include "test_uuid.hpp"
#include "samples/mdpy/mdpy.hpp"

#include "hw/mdev/core.hpp"
#include "hw/mdev/le_bytes.hpp"
#include "vfio/pci_function.hpp"
#include "vfio/vfio_driver.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

#include <cstdio>
#include <stdexcept>
#include <string>

namespace mdev::samples {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using vfio::PciFunction;

constexpr std::uint64_t kMiB = 1024 * 1024;

using test::uuid_n;

class MdpyTest : public ::testing::Test {
protected:
    void SetUp() override { init(kMdpyDefaultCount); }

    void init(unsigned count)
    {
        ASSERT_NO_FATAL_FAILURE(
            test::register_parent(core, std::make_unique<MdpyParent>(count), parent));
    }

    Result<Device *> create(const std::string &type, unsigned n)
    {
        return core.create({"mdpy", type, uuid_n(n), "vfio", &host});
    }

    PciFunction &make(const std::string &type, unsigned n = 1)
    {
        return test::bound_function(create(type, n), dev, false);
    }

    const MdevType &type(const char *id) { return *parent->find_type(id); }
    unsigned avail(const char *id) { return parent->available_instances(type(id)); }
    const vfio::VfioOps &ops() { return *dev->ops<vfio::VfioOps>(); }

    test::RecordingHost host; // outlives the core
    Core core;
    MdpyParent *parent = nullptr;
    Device *dev = nullptr;
};

// ---- types and budget ----------------------------------------------------

TEST_F(MdpyTest, ThreeTypesWithTheirDescriptions)
{
    ASSERT_EQ(parent->types().size(), 3u);
    EXPECT_EQ(type("mdpy-vga").description, "virtual display, 640x480 framebuffer");
    EXPECT_EQ(type("mdpy-xga").description, "virtual display, 1024x768 framebuffer");
    EXPECT_EQ(type("mdpy-hd").description, "virtual display, 1920x1080 framebuffer");
    for (const MdevType &t : parent->types()) {
        EXPECT_EQ(t.device_api, "vfio-pci");
        EXPECT_EQ(t.name, t.id);
    }
}

TEST_F(MdpyTest, FramebufferIsTheFrameRoundedUpToAPowerOfTwo)
{
    EXPECT_EQ(mdpy_mode_of("mdpy-vga")->framebuffer_size(), 2 * kMiB);
    EXPECT_EQ(mdpy_mode_of("mdpy-xga")->framebuffer_size(), 4 * kMiB);
    EXPECT_EQ(mdpy_mode_of("mdpy-hd")->framebuffer_size(), 8 * kMiB);
    EXPECT_EQ(mdpy_mode_of("mdpy-4k"), std::nullopt);
}

TEST_F(MdpyTest, FourDevicesInAllSharedByEveryType)
{
    EXPECT_EQ(avail("mdpy-vga"), 4u);
    EXPECT_EQ(avail("mdpy-hd"), 4u);
    ASSERT_TRUE(create("mdpy-vga", 1));
    ASSERT_TRUE(create("mdpy-hd", 2));
    ASSERT_TRUE(create("mdpy-xga", 3));
    EXPECT_EQ(avail("mdpy-vga"), 1u);
    EXPECT_EQ(avail("mdpy-xga"), 1u);
    ASSERT_TRUE(create("mdpy-vga", 4));
    EXPECT_EQ(avail("mdpy-hd"), 0u);

    Result<Device *> r = create("mdpy-xga", 5);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::budget_exhausted);

    ASSERT_TRUE(core.remove(uuid_n(2)));
    EXPECT_EQ(avail("mdpy-xga"), 1u);
    EXPECT_TRUE(create("mdpy-xga", 5));
}

TEST(MdpyParentTest, CountSetsTheBudget)
{
    MdpyParent p(2);
    EXPECT_EQ(p.count(), 2u);
    EXPECT_EQ(p.available_instances(*p.find_type("mdpy-hd")), 2u);
}

// ---- config space --------------------------------------------------------

TEST_F(MdpyTest, IdentityClassAndRevision)
{
    PciFunction &f = make("mdpy-xga");
    EXPECT_EQ(f.config_read(0x00, 2), 0x1b36u);
    EXPECT_EQ(f.config_read(0x02, 2), 0x000fu);
    EXPECT_EQ(f.config_read(0x08, 1), 0x01u);
    EXPECT_EQ(f.config_read(0x09, 1), 0x00u);
    EXPECT_EQ(f.config_read(0x0a, 2), 0x0380u);
    EXPECT_EQ(f.config_read(0x2c, 2), 0x1af4u);
    EXPECT_EQ(f.config_read(0x2e, 2), 0x1100u);
    EXPECT_EQ(f.config_read(0x06, 2) & 0x10, 0x10u); // capability list
    EXPECT_EQ(f.config_read(0x3d, 1), 0u);           // no interrupt pin
}

TEST_F(MdpyTest, VendorCapabilityTellsFormatAndMode)
{
    PciFunction &f = make("mdpy-hd");
    EXPECT_EQ(f.config_read(0x34, 1), 0x40u);
    EXPECT_EQ(f.config_read(0x40, 1), 0x09u); // vendor-specific
    EXPECT_EQ(f.config_read(0x41, 1), 0x00u); // last
    EXPECT_EQ(f.config_read(0x42, 1), 0x10u); // length
    EXPECT_EQ(f.config_read(0x44, 4), 0x34325258u);
    EXPECT_EQ(f.config_read(0x48, 4), 1920u);
    EXPECT_EQ(f.config_read(0x4c, 4), 1080u);
}

TEST_F(MdpyTest, CapabilityIsReadOnly)
{
    PciFunction &f = make("mdpy-vga");
    f.config_write(0x48, 4096, 4);
    f.config_write(0x44, 0, 4);
    f.config_write(0x00, 0xffff, 2);
    f.config_write(0x34, 0x80, 1);
    EXPECT_EQ(f.config_read(0x48, 4), 640u);
    EXPECT_EQ(f.config_read(0x44, 4), 0x34325258u);
    EXPECT_EQ(f.config_read(0x00, 2), 0x1b36u);
    EXPECT_EQ(f.config_read(0x34, 1), 0x40u);
}

TEST_F(MdpyTest, Bar0DecodesItsSizeAndType)
{
    PciFunction &f = make("mdpy-xga");
    EXPECT_EQ(f.config_read(0x10, 4), 0x8u); // memory, 32-bit, prefetchable
    f.config_write(0x10, 0xffffffff, 4);
    EXPECT_EQ(f.config_read(0x10, 4), 0xffc00008u); // 4 MiB
    f.config_write(0x10, 0xfe123456, 4);
    EXPECT_EQ(f.config_read(0x10, 4), 0xfe000008u);
    f.config_write(0x14, 0xffffffff, 4); // no BAR1
    EXPECT_EQ(f.config_read(0x14, 4), 0u);
}

// ---- regions, interrupts, plane ------------------------------------------

TEST_F(MdpyTest, Bar0IsAnMmapablePrefetchable32BitFramebuffer)
{
    PciFunction &f = make("mdpy-vga");
    const vfio::Bar &b = f.bar(0);
    EXPECT_EQ(b.size, 2 * kMiB);
    EXPECT_TRUE(b.mmap);
    EXPECT_TRUE(b.prefetch);
    EXPECT_FALSE(b.mem64);
    EXPECT_FALSE(b.io);
    for (unsigned i = 1; i < PCI_STD_NUM_BARS; i++) {
        EXPECT_EQ(f.bar(i).size, 0u) << "BAR" << i;
    }
    EXPECT_EQ(f.bar_memory(0).size(), 2 * kMiB);
    EXPECT_TRUE(f.bar_memory(1).empty());
}

TEST_F(MdpyTest, NoInterrupts)
{
    PciFunction &f = make("mdpy-vga");
    EXPECT_FALSE(f.has_intx());
    EXPECT_EQ(f.msi().offset, 0u);
    for (std::uint32_t i = 0; i < VFIO_PCI_NUM_IRQS; i++) {
        EXPECT_EQ(f.pci_config().irq_info(i)->count, 0u);
        EXPECT_FALSE(ops().set_irqs(*dev, i, nullptr));
    }
}

TEST_F(MdpyTest, PlaneIsTheWholeModeInBar0)
{
    PciFunction &f = make("mdpy-xga");
    ASSERT_TRUE(f.has_display());
    auto r = f.display_plane();
    ASSERT_TRUE(r);
    ASSERT_TRUE(r->has_value());
    EXPECT_EQ(**r, (vfio::DisplayPlane{0x34325258, 4, 1024, 768, 4096, 0, 0}));
    EXPECT_THAT(host.errors, IsEmpty());
}

// ---- framebuffer ---------------------------------------------------------

TEST_F(MdpyTest, TrappedBar0AccessHonoursItsOffset)
{
    // The kernel sample copies to the framebuffer's start whatever the
    // offset; the BAR is memory, so offset 0x1000 must land at 0x1000.
    PciFunction &f = make("mdpy-vga");
    std::span<std::uint8_t> fb = f.bar_memory(0);
    f.bar_write(0, 0x1000, 0x11223344, 4);
    EXPECT_EQ(fb[0x1000], 0x44);
    EXPECT_EQ(fb[0x1003], 0x11);
    EXPECT_EQ(fb[0], 0); // untouched: black
    EXPECT_EQ(f.bar_read(0, 0x1000, 4), 0x11223344u);
    EXPECT_EQ(f.bar_read(0, 0x1002, 2), 0x1122u);
    f.bar_write(0, 2 * kMiB - 8, 0x0102030405060708ull, 8);
    EXPECT_EQ(fb[2 * kMiB - 1], 0x01);
    EXPECT_EQ(f.bar_read(0, 2 * kMiB - 8, 8), 0x0102030405060708ull);
}

TEST_F(MdpyTest, Bar0AccessPastTheEndIsRefused)
{
    PciFunction &f = make("mdpy-vga");
    f.bar_write(0, 2 * kMiB - 4, 0x11223344, 4);
    EXPECT_EQ(f.bar_read(0, 2 * kMiB - 2, 4), 0xffffffffu);
    f.bar_write(0, ~std::uint64_t(0), 0, 4);
    EXPECT_EQ(f.bar_read(1, 0, 4), 0xffffffffu);
    EXPECT_EQ(f.bar_read(0, 2 * kMiB - 4, 4), 0x11223344u); // nothing else was written
    EXPECT_EQ(host.errors.size(), 3u);
}

// Pages of `mem` the kernel holds resident.
std::size_t resident_pages(std::span<std::uint8_t> mem)
{
    const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> vec((mem.size() + page - 1) / page);
    if (mincore(mem.data(), mem.size(), vec.data()) != 0) {
        ADD_FAILURE() << "mincore failed";
        return ~std::size_t(0);
    }
    return static_cast<std::size_t>(std::count_if(vec.begin(), vec.end(),
                                                  [](unsigned char v) { return v & 1; }));
}

// The framebuffer is lazy (as mbochs's video memory): a new or reset
// device is black and holds none of its pages; the kernel sample's gray
// gradient would cost them all (8 MiB per mdpy-hd).
TEST_F(MdpyTest, FramebufferIsBlackAndNotResidentUntilTouched)
{
    PciFunction &f = make("mdpy-hd");
    std::span<std::uint8_t> fb = f.bar_memory(0);
    ASSERT_EQ(fb.size(), 8 * kMiB);
    EXPECT_EQ(resident_pages(fb), 0u);
    EXPECT_EQ(f.bar_read(0, 1080 * 7680 - 4, 4), 0u); // through the ops: zero
    std::fill(fb.begin(), fb.end(), 0x5a);
    EXPECT_GE(resident_pages(fb), fb.size() / 4096 / 2);
    f.config_write(0x10, 0xe0000000, 4);
    f.reset();
    EXPECT_EQ(resident_pages(fb), 0u);
    EXPECT_TRUE(std::all_of(fb.begin(), fb.end(), [](std::uint8_t b) { return b == 0; }));
    EXPECT_EQ(f.config_read(0x10, 4), 0x8u);
}

TEST_F(MdpyTest, ResyncRestoresReadOnlyBytesAndKeepsBar0)
{
    make("mdpy-hd");
    MdpyMdev &m = dev->vendor_state<MdpyMdev>();
    MdpyDeviceState &s = m.state();
    // A hostile stream: wrong ids, a capability pointing anywhere, a BAR0
    // with low bits set and a mode that is not the type's.
    std::fill(std::begin(s.config), std::end(s.config), 0xff);
    s.config[0x10] = 0x34;
    s.config[0x11] = 0x12;
    s.config[0x12] = 0x85;
    s.config[0x13] = 0xfe;
    EXPECT_TRUE(m.resync());
    EXPECT_EQ(load_le(std::span(s.config).subspan(0x00, 4)), 0x000f1b36u);
    EXPECT_EQ(s.config[0x34], 0x40);
    EXPECT_EQ(load_le(std::span(s.config).subspan(0x48, 4)), 1920u);
    EXPECT_EQ(load_le(std::span(s.config).subspan(0x10, 4)), 0xfe800008u); // 8 MiB aligned
    EXPECT_EQ(s.config[0xff], 0);
}

// ---- memory from the host (Host::memory_fd) -----------------------------

// A host that gives RAM-backed BARs their memory, as mdev-vfio-user does.
class MemfdHost final : public test::RecordingHost {
public:
    ~MemfdHost() override
    {
        for (int fd : fds) {
            close(fd);
        }
    }
    int memory_fd(std::string_view name, std::size_t size) override
    {
        names.emplace_back(name);
        const int fd = memfd_create("mdpy-test", MFD_CLOEXEC);
        if (fd < 0 || ftruncate(fd, static_cast<off_t>(size)) < 0) {
            return -1;
        }
        fds.push_back(fd);
        return fd;
    }
    std::vector<std::string> names;
    std::vector<int> fds;
};

TEST(MdpyHostMemoryTest, FramebufferLivesInTheHostsFileAndResetZeroesIt)
{
    MemfdHost host; // outlives the core
    Core core;
    auto p = std::make_unique<MdpyParent>(kMdpyDefaultCount);
    MdpyParent *parent = p.get();
    ASSERT_TRUE(core.register_parent(std::move(p)));
    ASSERT_TRUE(parent->register_ops(core));
    core.bus().register_driver(vfio::vfio_pci_driver());
    Result<Device *> made = core.create({"mdpy", "mdpy-vga", uuid_n(1), "vfio", &host});
    ASSERT_TRUE(made);
    ASSERT_EQ(host.fds.size(), 1u);
    EXPECT_EQ(host.names[0], "mdpy framebuffer");
    PciFunction &f = *vfio::pci_function(**made);
    std::span<std::uint8_t> fb = f.bar_memory(0);
    ASSERT_EQ(fb.size(), 2 * kMiB);

    // What the device's mapping holds is in the host's file, and the
    // other way round: the same pages.
    fb[0x1234] = 0xa5;
    std::uint8_t byte = 0;
    ASSERT_EQ(pread(host.fds[0], &byte, 1, 0x1234), 1);
    EXPECT_EQ(byte, 0xa5);
    const std::uint8_t from_host = 0x5a;
    ASSERT_EQ(pwrite(host.fds[0], &from_host, 1, 2 * kMiB - 1), 1);
    EXPECT_EQ(fb[2 * kMiB - 1], 0x5a);

    // A reset blacks the screen out in the file too.
    f.reset();
    ASSERT_EQ(pread(host.fds[0], &byte, 1, 0x1234), 1);
    EXPECT_EQ(byte, 0);
    EXPECT_EQ(fb[2 * kMiB - 1], 0);
    ASSERT_TRUE(core.remove(uuid_n(1)));
}

TEST_F(MdpyTest, WithoutHostMemoryTheFramebufferIsItsOwn)
{
    // The default host (our QEMU's) gives none: the parent maps its own.
    PciFunction &f = make("mdpy-vga");
    EXPECT_EQ(f.bar_memory(0).size(), 2 * kMiB);
}

} // namespace
} // namespace mdev::samples
