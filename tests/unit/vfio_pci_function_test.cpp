// SPDX-License-Identifier: GPL-2.0-or-later
// The vfio frontend's PCI function model, over a fake vfio device: BAR and
// interrupt discovery, and every guest access checked before the device
// sees it.
#include "recording_host.hpp"
#include "vfio/pci_function.hpp"
#include "vfio/vfio_driver.hpp"

#include "hw/mdev/core.hpp"
#include "hw/mdev/host.hpp"
#include "hw/mdev/vfio_ops.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace mdev::vfio {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr const char *kUuid = "6a1d3c52-0000-4000-8000-00000000f001";
constexpr std::uint32_t kRW = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;

using test::RecordingHost;

struct Access {
    bool write;
    std::uint32_t region;
    std::uint64_t offset;
    std::vector<std::uint8_t> bytes; // written, or returned to the frontend
    friend bool operator==(const Access &, const Access &) = default;
};

std::ostream &operator<<(std::ostream &os, const Access &a)
{
    os << (a.write ? "write" : "read") << " r" << a.region << "+0x" << std::hex << a.offset
       << " [";
    for (auto b : a.bytes) {
        os << " " << unsigned(b);
    }
    return os << " ]" << std::dec;
}

struct IrqCall {
    std::uint32_t index;
    bool enabled; // sink != nullptr
    friend bool operator==(const IrqCall &, const IrqCall &) = default;
};

std::ostream &operator<<(std::ostream &os, const IrqCall &c)
{
    return os << "set_irqs(" << c.index << ", " << (c.enabled ? "sink" : "null") << ")";
}

// A vfio-pci device made of tables: its config bytes (its live copy, which
// the frontend serves), BARs given as VFIO region infos, the IRQ indexes
// set_irqs() takes, and registers that record every access. Ops are const
// in the interface, so the fake keeps its configuration and its record
// mutable.
class FakeVfio final : public VfioOps {
public:
    FakeVfio()
    {
        for (std::uint32_t i = 0; i < VFIO_PCI_NUM_IRQS; i++) {
            irqs[i] = IrqInfo{0, 0};
        }
    }

    void put8(std::uint32_t off, std::uint8_t v) { config.at(off) = v; }
    void put16(std::uint32_t off, std::uint16_t v)
    {
        put8(off, std::uint8_t(v));
        put8(off + 1, std::uint8_t(v >> 8));
    }

    void open(Device &) const override { opens++; }
    void release(Device &) const override { releases++; }

    PciConfig pci_config(const Device &) const override
    {
        std::array<PciBar, PCI_STD_NUM_BARS> bars{};
        for (const auto &[index, region] : regions) {
            if (index < PCI_STD_NUM_BARS && region.size != 0) {
                bars[index] = PciBar::of(region);
            }
        }
        return PciConfig::from_bytes(config, wmask, bars);
    }

    std::optional<PciConfig::Bytes> config_state(Device &) const override
    {
        return PciConfig::Bytes(config);
    }

    bool set_irqs(Device &, std::uint32_t index, IrqSink *sink) const override
    {
        irq_calls.push_back({index, sink != nullptr});
        auto it = irqs.find(index);
        if (it == irqs.end() || it->second.count == 0 || index == refuse_irq_index) {
            return false;
        }
        sinks[index] = sink;
        return true;
    }

    void reset(Device &) const override { resets++; }

    // Memory behind each RAM-backed BAR, as large as the BAR.
    std::span<std::uint8_t> mmap(Device &, std::uint32_t region) const override
    {
        std::vector<std::uint8_t> &mem = memory[region];
        mem.resize(regions.count(region) ? regions.at(region).size : 0);
        return mem;
    }

    // The registers of each trapped BAR: those in `accessors`, else ones
    // that record every access in `accesses` (1..8 bytes, aligned).
    BarAccessor bar_accessor(Device &, unsigned bar) const override
    {
        accessor_queries.push_back(bar);
        auto it = accessors.find(bar);
        if (it != accessors.end()) {
            return it->second;
        }
        recorders[bar] = Recorder{this, bar};
        return BarAccessor::of(recorders[bar], 1, 8, false);
    }

    // A BAR's recording registers: byte i of a read is bar_fill + i.
    struct Recorder {
        const FakeVfio *fake = nullptr;
        unsigned bar = 0;
        std::uint64_t read(std::uint64_t offset, unsigned size)
        {
            std::vector<std::uint8_t> bytes(size);
            std::uint64_t v = 0;
            for (unsigned i = 0; i < size; i++) {
                bytes[i] = static_cast<std::uint8_t>(fake->bar_fill + i);
                v |= std::uint64_t(bytes[i]) << (8 * i);
            }
            fake->accesses.push_back({false, bar, offset, bytes});
            return fake->refuse_bar_access ? ~std::uint64_t(0) : v;
        }
        void write(std::uint64_t offset, std::uint64_t value, unsigned size)
        {
            std::vector<std::uint8_t> bytes(size);
            for (unsigned i = 0; i < size; i++) {
                bytes[i] = static_cast<std::uint8_t>(value >> (8 * i));
            }
            fake->accesses.push_back({true, bar, offset, bytes});
        }
    };

    std::map<unsigned, BarAccessor> accessors;
    mutable std::map<unsigned, Recorder> recorders;
    mutable std::map<std::uint32_t, std::vector<std::uint8_t>> memory;
    mutable std::vector<unsigned> accessor_queries;
    std::map<std::uint32_t, RegionInfo> regions;
    std::map<std::uint32_t, IrqInfo> irqs;
    mutable std::array<std::uint8_t, PciConfig::kSize> config{};
    std::array<std::uint8_t, PciConfig::kSize> wmask{};
    std::uint8_t bar_fill = 0x10;
    bool refuse_bar_access = false; // the registers read all ones
    std::uint32_t refuse_irq_index = ~0u; // set_irqs() of this index fails

    mutable unsigned opens = 0, releases = 0, resets = 0;
    mutable std::vector<Access> accesses;
    mutable std::vector<IrqCall> irq_calls;
    mutable std::map<std::uint32_t, IrqSink *> sinks;
};

class StubParent final : public Parent {
public:
    std::string_view name() const override { return "stub"; }
    std::span<const MdevType> types() const override { return types_; }
    unsigned available_instances(const MdevType &) const override { return budget; }
    Result<std::unique_ptr<VendorState>> create(const CreateArgs &) override
    {
        budget--;
        return std::make_unique<VendorState>();
    }
    void remove(VendorState &) override { budget++; }

    unsigned budget = 4;

private:
    std::vector<MdevType> types_{{"stub-1", "Stub", "", "vfio-pci"}};
};

class PciFunctionTest : public ::testing::Test {
protected:
    PciFunctionTest()
        : dev(parent, parent.types()[0], *Uuid::parse(kUuid), ClassOps::make(fake),
              std::make_unique<VendorState>())
    {
        dev.set_host(&host);
    }

    // Builds the function; fails the test if the device is refused.
    PciFunction &make()
    {
        Result<std::unique_ptr<PciFunction>> r = PciFunction::create(dev);
        if (!r) {
            // gtest reports the exception as this test's failure.
            throw std::runtime_error("refused: " + r.error().message);
        }
        fn = std::move(*r);
        fn->connect_irqs();
        return *fn;
    }

    Error refusal()
    {
        Result<std::unique_ptr<PciFunction>> r = PciFunction::create(dev);
        if (r) {
            ADD_FAILURE() << "accepted";
            return {};
        }
        return r.error();
    }

    // A device with INTx wired to pin A.
    void give_intx()
    {
        fake.irqs[VFIO_PCI_INTX_IRQ_INDEX] = IrqInfo{
            VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED, 1};
        fake.put8(0x3d, 1);
    }

    // An MSI capability at `at` with `mmc` (log2 of the vectors asked for).
    void give_msi(std::uint8_t at, unsigned mmc, std::uint32_t irq_count, bool addr64 = true,
                  bool maskable = false)
    {
        fake.put16(0x06, 0x0010);
        fake.put8(0x34, at);
        fake.put8(at, 0x05);
        fake.put8(at + 1, 0);
        std::uint16_t flags = std::uint16_t(mmc << 1);
        if (addr64) {
            flags |= 0x0080;
        }
        if (maskable) {
            flags |= 0x0100;
        }
        fake.put16(at + 2, flags);
        fake.irqs[VFIO_PCI_MSI_IRQ_INDEX] = IrqInfo{VFIO_IRQ_INFO_EVENTFD, irq_count};
    }

    IrqSink *sink(std::uint32_t index) { return fake.sinks[index]; }

    // Declared so that the function dies before the device and the fake.
    RecordingHost host;
    FakeVfio fake;
    StubParent parent;
    Device dev;
    std::unique_ptr<PciFunction> fn;
};

// ---- BAR discovery -------------------------------------------------------

TEST_F(PciFunctionTest, DiscoversEachKindOfBar)
{
    fake.regions[0] = {kRW | kRegionBarIo, 32};
    fake.regions[1] = {kRW, 4096};
    fake.regions[2] = {kRW | kRegionBarMem64 | kRegionBarPrefetch | VFIO_REGION_INFO_FLAG_MMAP,
                       1 << 20};
    fake.regions[3] = {0, 0};
    fake.regions[4] = {VFIO_REGION_INFO_FLAG_READ | kRegionBarPrefetch, 256};
    PciFunction &f = make();

    EXPECT_EQ(f.bar(0).size, 32u);
    EXPECT_TRUE(f.bar(0).io);
    EXPECT_FALSE(f.bar(0).mem64);
    EXPECT_FALSE(f.bar(0).prefetch);
    EXPECT_FALSE(f.bar(0).mmap);
    EXPECT_TRUE(f.bar(0).readable);
    EXPECT_TRUE(f.bar(0).writable);

    EXPECT_EQ(f.bar(1).size, 4096u);
    EXPECT_FALSE(f.bar(1).io);
    EXPECT_FALSE(f.bar(1).mem64);
    EXPECT_FALSE(f.bar(1).prefetch);

    EXPECT_EQ(f.bar(2).size, 1u << 20);
    EXPECT_FALSE(f.bar(2).io);
    EXPECT_TRUE(f.bar(2).mem64);
    EXPECT_TRUE(f.bar(2).prefetch);
    EXPECT_TRUE(f.bar(2).mmap);

    // The upper half of BAR2.
    EXPECT_EQ(f.bar(3).size, 0u);
    EXPECT_FALSE(f.bar(3).mem64);

    EXPECT_EQ(f.bar(4).size, 256u);
    EXPECT_TRUE(f.bar(4).prefetch);
    EXPECT_TRUE(f.bar(4).readable); // every BAR takes both directions
    EXPECT_TRUE(f.bar(4).writable);

    EXPECT_EQ(f.bar(5).size, 0u);
    EXPECT_THROW((void)f.bar(6), std::out_of_range);
}

TEST_F(PciFunctionTest, IoBarIgnoresMemoryOnlyFlags)
{
    fake.regions[0] = {kRW | kRegionBarIo | kRegionBarMem64 | kRegionBarPrefetch |
                           VFIO_REGION_INFO_FLAG_MMAP,
                       16};
    fake.regions[1] = {kRW | kRegionBarIo, 8};
    PciFunction &f = make();
    EXPECT_TRUE(f.bar(0).io);
    EXPECT_FALSE(f.bar(0).mem64);
    EXPECT_FALSE(f.bar(0).prefetch);
    EXPECT_FALSE(f.bar(0).mmap);
    // Not taken as the upper half of a 64-bit BAR0.
    EXPECT_EQ(f.bar(1).size, 8u);
}

TEST_F(PciFunctionTest, IoBarOf256BytesIsAccepted)
{
    fake.regions[0] = {kRW | kRegionBarIo, 256};
    EXPECT_EQ(make().bar(0).size, 256u);
}

TEST_F(PciFunctionTest, SixtyFourBitBarInSlotFourTakesSlotFive)
{
    fake.regions[4] = {kRW | kRegionBarMem64, 4096};
    PciFunction &f = make();
    EXPECT_TRUE(f.bar(4).mem64);
    EXPECT_EQ(f.bar(5).size, 0u);
}

TEST_F(PciFunctionTest, DeviceIsOpenedOnceAndReleasedWithTheFunction)
{
    make();
    EXPECT_EQ(fake.opens, 1u);
    EXPECT_EQ(fake.releases, 0u);
    fn.reset();
    EXPECT_EQ(fake.opens, 1u);
    EXPECT_EQ(fake.releases, 1u);
}

// ---- Refusals ------------------------------------------------------------

TEST_F(PciFunctionTest, RefusesBarWhoseSizeIsNotAPowerOfTwo)
{
    fake.regions[1] = {kRW, 3000};
    Error e = refusal();
    EXPECT_EQ(e.code, Errc::probe_failed);
    EXPECT_EQ(e.message, "BAR1 size 3000 is not a power of two");
}

TEST_F(PciFunctionTest, RefusesBarsBelowThePciMinimum)
{
    fake.regions[1] = {kRW | kRegionBarIo, 2};
    EXPECT_EQ(refusal().message,
              "BAR1 size 2 is below the PCI minimum (4 bytes for I/O, 16 for memory)");
    fake.regions[1] = {kRW, 8};
    EXPECT_EQ(refusal().message,
              "BAR1 size 8 is below the PCI minimum (4 bytes for I/O, 16 for memory)");
}

TEST_F(PciFunctionTest, RefusesIoBarLargerThan256Bytes)
{
    fake.regions[3] = {kRW | kRegionBarIo, 512};
    Error e = refusal();
    EXPECT_EQ(e.code, Errc::probe_failed);
    EXPECT_EQ(e.message, "I/O BAR3 is larger than 256 bytes");
}

TEST_F(PciFunctionTest, RefusesSixtyFourBitBarInSlotFive)
{
    fake.regions[5] = {kRW | kRegionBarMem64, 4096};
    Error e = refusal();
    EXPECT_EQ(e.code, Errc::probe_failed);
    EXPECT_EQ(e.message, "64-bit BAR5 has no free upper slot");
}

TEST_F(PciFunctionTest, RefusesSixtyFourBitBarWhoseUpperSlotIsTaken)
{
    fake.regions[0] = {kRW | kRegionBarMem64, 4096};
    fake.regions[1] = {kRW, 4096};
    EXPECT_EQ(refusal().message, "64-bit BAR0 has no free upper slot");
}

TEST_F(PciFunctionTest, RefusedDeviceIsNeitherOpenedNorReleased)
{
    give_intx();
    fake.regions[2] = {kRW, 3};
    refusal();
    EXPECT_EQ(fake.opens, 0u);
    EXPECT_EQ(fake.releases, 0u);
    EXPECT_THAT(fake.irq_calls, IsEmpty());
}

TEST_F(PciFunctionTest, RefusesDeviceWithoutHost)
{
    dev.set_host(nullptr);
    Error e = refusal();
    EXPECT_EQ(e.code, Errc::probe_failed);
    EXPECT_EQ(e.message, "no host to show the PCI function in");
}

// ---- INTx ----------------------------------------------------------------

TEST_F(PciFunctionTest, IntxNeedsAnIrqAndAPin)
{
    give_intx();
    PciFunction &f = make();
    EXPECT_TRUE(f.has_intx());
    EXPECT_THAT(fake.irq_calls, ElementsAre(IrqCall{VFIO_PCI_INTX_IRQ_INDEX, true}));
    EXPECT_NE(sink(VFIO_PCI_INTX_IRQ_INDEX), nullptr);
}

TEST_F(PciFunctionTest, NoIntxWithoutPin)
{
    fake.irqs[VFIO_PCI_INTX_IRQ_INDEX] = IrqInfo{VFIO_IRQ_INFO_EVENTFD, 1};
    fake.put8(0x3d, 0);
    EXPECT_FALSE(make().has_intx());
    EXPECT_THAT(fake.irq_calls, IsEmpty());
}

TEST_F(PciFunctionTest, IntxLevelIsForwardedToTheHost)
{
    give_intx();
    make();
    sink(VFIO_PCI_INTX_IRQ_INDEX)->set_level(true);
    sink(VFIO_PCI_INTX_IRQ_INDEX)->set_level(false);
    sink(VFIO_PCI_INTX_IRQ_INDEX)->set_level(true);
    EXPECT_THAT(host.intx, ElementsAre(true, false, true));
}

TEST_F(PciFunctionTest, DestroyingTheFunctionDisconnectsInterruptsThenReleases)
{
    give_intx();
    make();
    fake.irq_calls.clear();
    fn.reset();
    EXPECT_THAT(fake.irq_calls,
                ElementsAre(IrqCall{VFIO_PCI_MSI_IRQ_INDEX, false},
                            IrqCall{VFIO_PCI_INTX_IRQ_INDEX, false}));
    EXPECT_EQ(fake.releases, 1u);
}

// ---- MSI -----------------------------------------------------------------

TEST_F(PciFunctionTest, MsiNeedsTheCapabilityAndVectors)
{
    give_msi(0x50, 3, 8, true, true);
    const MsiCap &m = make().msi();
    EXPECT_EQ(m.offset, 0x50);
    EXPECT_EQ(m.vectors, 8u);
    EXPECT_TRUE(m.addr64);
    EXPECT_TRUE(m.per_vector_mask);
}

TEST_F(PciFunctionTest, ThirtyTwoBitMsiWithoutMasking)
{
    give_msi(0x44, 0, 1, false, false);
    const MsiCap &m = make().msi();
    EXPECT_EQ(m.offset, 0x44);
    EXPECT_EQ(m.vectors, 1u);
    EXPECT_FALSE(m.addr64);
    EXPECT_FALSE(m.per_vector_mask);
}

TEST_F(PciFunctionTest, NoMsiWithoutTheCapability)
{
    // Vectors in the IRQ info but no capability list (the kernel's mtty).
    fake.irqs[VFIO_PCI_MSI_IRQ_INDEX] = IrqInfo{VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE, 1};
    EXPECT_EQ(make().msi().offset, 0);
    EXPECT_EQ(fn->msi().vectors, 0u);
}

TEST_F(PciFunctionTest, NoMsiWhenTheStatusBitSaysNoCapabilityList)
{
    give_msi(0x50, 3, 8);
    fake.put16(0x06, 0x0000);
    EXPECT_EQ(make().msi().offset, 0);
}

TEST_F(PciFunctionTest, MsiVectorsAreWhatTheCapabilityAsksFor)
{
    struct Case {
        unsigned mmc;
        std::uint32_t vectors;
    };
    const Case cases[] = {
        {3, 8}, {2, 4}, {5, 32},
        {7, 32}, // reserved MMC values cap at 32
        {6, 32}, {0, 1},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(testing::Message() << "mmc " << c.mmc);
        fn.reset();
        give_msi(0x50, c.mmc, 32);
        EXPECT_EQ(make().msi().vectors, c.vectors);
        EXPECT_EQ(fn->pci_config().irq_info(VFIO_PCI_MSI_IRQ_INDEX)->count, c.vectors);
    }
}

TEST_F(PciFunctionTest, MsiIsFoundFurtherDownTheCapabilityList)
{
    give_msi(0x60, 1, 2);
    fake.put8(0x34, 0x42);     // low two bits are reserved, ignored
    fake.put8(0x40, 0x09);     // vendor-specific
    fake.put8(0x41, 0x53);     // next, low bits again ignored
    fake.put8(0x50, 0x01);     // power management
    fake.put8(0x51, 0x60);
    const MsiCap &m = make().msi();
    EXPECT_EQ(m.offset, 0x60);
    EXPECT_EQ(m.vectors, 2u);
}

TEST_F(PciFunctionTest, LoopingCapabilityListTerminates)
{
    fake.put16(0x06, 0x0010);
    fake.irqs[VFIO_PCI_MSI_IRQ_INDEX] = IrqInfo{VFIO_IRQ_INFO_EVENTFD, 4};
    fake.put8(0x34, 0x40);
    fake.put8(0x40, 0x09);
    fake.put8(0x41, 0x48);
    fake.put8(0x48, 0x01);
    fake.put8(0x49, 0x40); // back to the first
    EXPECT_EQ(make().msi().offset, 0); // and returned: the walk is bounded

    fn.reset();
    fake.put8(0x41, 0x40); // a capability pointing at itself
    EXPECT_EQ(make().msi().offset, 0);
}

TEST_F(PciFunctionTest, CapabilityPointerIntoTheHeaderEndsTheList)
{
    fake.put16(0x06, 0x0010);
    fake.irqs[VFIO_PCI_MSI_IRQ_INDEX] = IrqInfo{VFIO_IRQ_INFO_EVENTFD, 4};
    fake.put8(0x34, 0x10); // inside the standard header
    fake.put8(0x10, 0x05);
    EXPECT_EQ(make().msi().offset, 0);
}

TEST_F(PciFunctionTest, MsiCapabilityThatDoesNotFitIsIgnored)
{
    give_msi(0xf0, 0, 1); // 0xf0 + 24 > 256
    EXPECT_EQ(make().msi().offset, 0);
}

TEST_F(PciFunctionTest, EnablingMsiSwitchesIntxOffAndRoutesVectors)
{
    give_intx();
    give_msi(0x50, 2, 4);
    PciFunction &f = make();
    IrqSink *intx = sink(VFIO_PCI_INTX_IRQ_INDEX);
    ASSERT_NE(intx, nullptr);
    fake.irq_calls.clear();
    intx->set_level(true);

    f.set_msi_enabled(true);
    EXPECT_THAT(fake.irq_calls, ElementsAre(IrqCall{VFIO_PCI_INTX_IRQ_INDEX, false},
                                            IrqCall{VFIO_PCI_MSI_IRQ_INDEX, true}));
    // The pin is released when INTx goes away.
    EXPECT_THAT(host.intx, ElementsAre(true, false));

    IrqSink *msi = sink(VFIO_PCI_MSI_IRQ_INDEX);
    ASSERT_NE(msi, nullptr);
    msi->notify(0);
    msi->notify(3);
    EXPECT_THAT(host.msi, ElementsAre(0u, 3u));
    // A stale INTx level does not reach the host while MSI is on.
    intx->set_level(true);
    EXPECT_THAT(host.intx, ElementsAre(true, false));
    EXPECT_THAT(host.errors, IsEmpty());

    // Enabling twice does nothing more.
    fake.irq_calls.clear();
    f.set_msi_enabled(true);
    EXPECT_THAT(fake.irq_calls, IsEmpty());

    f.set_msi_enabled(false);
    EXPECT_THAT(fake.irq_calls, ElementsAre(IrqCall{VFIO_PCI_MSI_IRQ_INDEX, false},
                                            IrqCall{VFIO_PCI_INTX_IRQ_INDEX, true}));
    intx->set_level(true);
    EXPECT_THAT(host.intx, ElementsAre(true, false, true));
}

TEST_F(PciFunctionTest, MsiVectorOutsideTheEnabledRangeIsAGuestError)
{
    give_msi(0x50, 1, 2);
    PciFunction &f = make();
    f.set_msi_enabled(true);
    sink(VFIO_PCI_MSI_IRQ_INDEX)->notify(2);
    EXPECT_THAT(host.msi, IsEmpty());
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_THAT(host.errors[0], HasSubstr("MSI vector 2"));
}

TEST_F(PciFunctionTest, MsiWhileDisabledIsAGuestError)
{
    give_msi(0x50, 1, 2);
    PciFunction &f = make();
    f.set_msi_enabled(true);
    IrqSink *msi = sink(VFIO_PCI_MSI_IRQ_INDEX);
    f.set_msi_enabled(false);
    msi->notify(0);
    EXPECT_THAT(host.msi, IsEmpty());
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_THAT(host.errors[0], HasSubstr("off"));
}

TEST_F(PciFunctionTest, AnIndexTheDeviceRefusesRoutesNothingAndIsLogged)
{
    // A parent whose capability offers MSI but whose set_irqs() refuses it:
    // no index is in use (as a VFIO user left without triggers), the log
    // says so, and the next switch starts from there.
    give_intx();
    give_msi(0x50, 0, 1);
    fake.refuse_irq_index = VFIO_PCI_MSI_IRQ_INDEX;
    PciFunction &f = make();
    IrqSink *intx = sink(VFIO_PCI_INTX_IRQ_INDEX);
    fake.irq_calls.clear();

    f.set_msi_enabled(true);
    EXPECT_THAT(fake.irq_calls, ElementsAre(IrqCall{VFIO_PCI_INTX_IRQ_INDEX, false},
                                            IrqCall{VFIO_PCI_MSI_IRQ_INDEX, true}));
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_THAT(host.errors[0], HasSubstr("refused"));
    // The pin was released with INTx, and stays so.
    intx->set_level(true);
    EXPECT_THAT(host.intx, ElementsAre(false));

    // Back to INTx: nothing to tear down first.
    fake.irq_calls.clear();
    f.set_msi_enabled(false);
    EXPECT_THAT(fake.irq_calls, ElementsAre(IrqCall{VFIO_PCI_INTX_IRQ_INDEX, true}));
    intx->set_level(true);
    EXPECT_THAT(host.intx, ElementsAre(false, true));
}

TEST_F(PciFunctionTest, EnablingMsiWithoutTheCapabilityDoesNothing)
{
    give_intx();
    fake.irqs[VFIO_PCI_MSI_IRQ_INDEX] = IrqInfo{VFIO_IRQ_INFO_EVENTFD, 1};
    PciFunction &f = make();
    fake.irq_calls.clear();
    f.set_msi_enabled(true);
    EXPECT_THAT(fake.irq_calls, IsEmpty());
    sink(VFIO_PCI_INTX_IRQ_INDEX)->set_level(true);
    EXPECT_THAT(host.intx, ElementsAre(true));
}

TEST_F(PciFunctionTest, ResetResetsTheDeviceAndFallsBackToIntx)
{
    give_intx();
    give_msi(0x50, 0, 1);
    PciFunction &f = make();
    f.set_msi_enabled(true);
    fake.irq_calls.clear();
    f.reset();
    EXPECT_EQ(fake.resets, 1u);
    EXPECT_THAT(fake.irq_calls, ElementsAre(IrqCall{VFIO_PCI_MSI_IRQ_INDEX, false},
                                            IrqCall{VFIO_PCI_INTX_IRQ_INDEX, true}));
    f.reset();
    EXPECT_EQ(fake.resets, 2u);
}

// ---- Config space --------------------------------------------------------

TEST_F(PciFunctionTest, ConfigReadsAreLittleEndianFromTheConfigRegion)
{
    PciFunction &f = make();
    for (unsigned i = 0; i < 8; i++) {
        fake.put8(0x40 + i, std::uint8_t(0xa0 + i));
    }
    EXPECT_EQ(f.config_read(0x40, 4), 0xa3a2a1a0u);
    EXPECT_EQ(f.config_read(0x42, 2), 0xa3a2u);
    EXPECT_EQ(f.config_read(0x47, 1), 0xa7u);
}

TEST_F(PciFunctionTest, ConfigAccessOutsideConfigSpaceIsAGuestError)
{
    PciFunction &f = make();
    EXPECT_EQ(f.config_read(0x100, 1), 0xffu);
    EXPECT_EQ(f.config_read(0xfe, 4), 0xffffffffu);
    fake.wmask.fill(0xff);
    f.config_write(0xfd, 0x12345678, 4);
    EXPECT_EQ(fake.config[0xfd], 0u);
    ASSERT_EQ(host.errors.size(), 3u);
    EXPECT_THAT(host.errors[0], HasSubstr("1-byte config read at 0x100"));
    EXPECT_THAT(host.errors[1], HasSubstr("4-byte config read at 0xfe"));
    EXPECT_THAT(host.errors[2], HasSubstr("4-byte config write at 0xfd"));
}

TEST_F(PciFunctionTest, ConfigWritesChangeTheGuestWritableBitsOfTheLiveCopy)
{
    fake.wmask[0x3c] = 0xff;
    fake.wmask[0x10] = 0xf0;
    fake.wmask[0x11] = 0xff;
    give_intx();
    PciFunction &f = make();
    f.config_write(0x3c, 0x0000ff0b, 2); // the pin stays
    f.config_write(0x10, 0xfedcba98, 4);
    EXPECT_EQ(f.config_read(0x3c, 2), 0x010bu);
    EXPECT_EQ(f.config_read(0x10, 4), 0x0000ba90u);
    EXPECT_EQ(fake.config[0x3c], 0x0b);
    f.config_write(0x3c, 0x0c0b0a, 3); // no 3-byte accesses
    EXPECT_EQ(f.config_read(0x3c, 1), 0x0bu);
    EXPECT_THAT(host.errors, IsEmpty());
}

// Without a live copy the config space is the power-on bytes, read-only.
TEST_F(PciFunctionTest, ConfigIsTheDescriptionWhenTheDeviceKeepsNoCopy)
{
    struct NoCopy final : VfioOps {
        PciConfig pci_config(const Device &) const override
        {
            return PciConfigBuilder().ids(0x1234, 0x5678).interrupt_pin(1).build_or_abort();
        }
        void reset(Device &) const override {}
    } ops;
    Device d(parent, parent.types()[0], *Uuid::parse(kUuid), ClassOps::make(ops),
             std::make_unique<VendorState>());
    d.set_host(&host);
    Result<std::unique_ptr<PciFunction>> r = PciFunction::create(d);
    ASSERT_TRUE(r);
    PciFunction &f = **r;
    f.config_write(0x3c, 0x0b, 1);
    f.config_write(0x00, 0xffffffff, 4);
    EXPECT_EQ(f.config_read(0x00, 4), 0x56781234u);
    EXPECT_EQ(f.config_read(0x3c, 2), 0x0100u);
    EXPECT_TRUE(f.has_intx());
    EXPECT_EQ(f.pci_config().irq_info(VFIO_PCI_INTX_IRQ_INDEX)->count, 1u);
    EXPECT_EQ(f.pci_config().irq_info(VFIO_PCI_MSI_IRQ_INDEX)->count, 0u);
    EXPECT_EQ(f.pci_config().region_info(VFIO_PCI_CONFIG_REGION_INDEX)->size, 256u);
    EXPECT_FALSE(f.pci_config().region_info(VFIO_PCI_NUM_REGIONS));
    EXPECT_THAT(host.errors, IsEmpty());
}

// ---- BAR accesses --------------------------------------------------------

class BarAccessTest : public PciFunctionTest {
protected:
    void SetUp() override
    {
        fake.regions[0] = {kRW | kRegionBarIo, 8};
        fake.regions[1] = {kRW, 4096};
        fake.regions[2] = {kRW, 16};
        fake.regions[3] = {kRW, 16};
        fake.regions[4] = {kRW | kRegionBarMem64, 64}; // takes slot 5
        make();
    }
};

TEST_F(BarAccessTest, ValidWritesAreForwardedAsLittleEndianBytes)
{
    fn->bar_write(1, 0x10, 0x1122334455667788ull, 8);
    fn->bar_write(1, 0x22, 0xbeef, 2);
    fn->bar_write(0, 7, 0x5a, 1);
    fn->bar_write(4, 0x3c, 0xcafef00d, 4);
    fn->bar_write(1, 0x30, 0xffffffff0000aa55ull, 2); // high bits dropped
    EXPECT_THAT(fake.accesses,
                ElementsAre(Access{true, 1, 0x10, {0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11}},
                            Access{true, 1, 0x22, {0xef, 0xbe}},
                            Access{true, 0, 7, {0x5a}},
                            Access{true, 4, 0x3c, {0x0d, 0xf0, 0xfe, 0xca}},
                            Access{true, 1, 0x30, {0x55, 0xaa}}));
    EXPECT_THAT(host.errors, IsEmpty());
}

TEST_F(BarAccessTest, ValidReadsAssembleLittleEndianBytes)
{
    fake.bar_fill = 0x01;
    EXPECT_EQ(fn->bar_read(1, 0x18, 8), 0x0807060504030201ull);
    EXPECT_EQ(fn->bar_read(1, 0xffc, 4), 0x04030201ull);
    EXPECT_EQ(fn->bar_read(0, 6, 2), 0x0201ull);
    EXPECT_EQ(fn->bar_read(3, 0xf, 1), 0x01ull);
    ASSERT_EQ(fake.accesses.size(), 4u);
    EXPECT_EQ(fake.accesses[0].region, 1u);
    EXPECT_EQ(fake.accesses[0].offset, 0x18u);
    EXPECT_EQ(fake.accesses[0].bytes.size(), 8u);
    EXPECT_EQ(fake.accesses[1].offset, 0xffcu);
    EXPECT_EQ(fake.accesses[2].region, 0u);
    EXPECT_EQ(fake.accesses[2].offset, 6u);
    EXPECT_EQ(fake.accesses[3].region, 3u);
    EXPECT_THAT(host.errors, IsEmpty());
}

TEST_F(BarAccessTest, OddSizeIsAGuestError)
{
    EXPECT_EQ(fn->bar_read(1, 0, 3), 0xffffffull);
    fn->bar_write(1, 0, 0x123456, 3);
    EXPECT_EQ(fn->bar_read(1, 0, 16), ~0ull);
    EXPECT_EQ(fn->bar_read(1, 0, 0), 0ull);
    EXPECT_THAT(fake.accesses, IsEmpty());
    ASSERT_EQ(host.errors.size(), 4u);
    EXPECT_EQ(host.errors[0], "mdev stub-1: BAR1: 3-byte read at offset 0x0 is not 1, 2, 4 or "
                              "8 bytes wide (region is 0x1000 bytes)");
    EXPECT_THAT(host.errors[1], HasSubstr("3-byte write"));
}

// The fake's registers do not take misaligned accesses: as QEMU's memory
// core, the frontend logs them, and a read sees 0.
TEST_F(BarAccessTest, MisalignedAccessIsAGuestError)
{
    EXPECT_EQ(fn->bar_read(1, 2, 4), 0u);
    EXPECT_EQ(fn->bar_read(1, 4, 8), 0u);
    fn->bar_write(1, 1, 0xffff, 2);
    EXPECT_THAT(fake.accesses, IsEmpty());
    ASSERT_EQ(host.errors.size(), 3u);
    EXPECT_EQ(host.errors[0], "mdev stub-1: BAR1: 4-byte read at offset 0x2 is misaligned "
                              "(region is 0x1000 bytes)");
    EXPECT_THAT(host.errors[2], HasSubstr("2-byte write at offset 0x1 is misaligned"));
}

TEST_F(BarAccessTest, AccessPastTheEndIsAGuestError)
{
    EXPECT_EQ(fn->bar_read(0, 8, 1), 0xffull);
    EXPECT_EQ(fn->bar_read(1, 0x1000, 4), 0xffffffffull);
    EXPECT_EQ(fn->bar_read(0, 0, 8), 0x1716151413121110ull); // 8 bytes fit exactly
    fake.accesses.clear();
    host.errors.clear();
    fn->bar_write(0, 8, 0, 4);
    fn->bar_write(1, ~0ull - 3, 0, 4); // no wrap-around
    EXPECT_EQ(fn->bar_read(1, ~0ull - 7, 8), ~0ull);
    EXPECT_THAT(fake.accesses, IsEmpty());
    ASSERT_EQ(host.errors.size(), 3u);
    EXPECT_EQ(host.errors[0], "mdev stub-1: BAR0: 4-byte write at offset 0x8 is past the end "
                              "of the region (region is 0x8 bytes)");
}

TEST_F(BarAccessTest, AccessToMissingBarIsAGuestError)
{
    EXPECT_EQ(fn->bar_read(5, 0, 4), 0xffffffffull); // upper half of BAR4
    EXPECT_EQ(fn->bar_read(6, 0, 2), 0xffffull);
    EXPECT_EQ(fn->bar_read(99, 0, 1), 0xffull);
    fn->bar_write(5, 0, 1, 4);
    fn->bar_write(6, 0, 1, 4);
    EXPECT_THAT(fake.accesses, IsEmpty());
    ASSERT_EQ(host.errors.size(), 5u);
    EXPECT_EQ(host.errors[0], "mdev stub-1: read from BAR5, which does not exist");
    EXPECT_EQ(host.errors[2], "mdev stub-1: read from BAR99, which does not exist");
    EXPECT_EQ(host.errors[3], "mdev stub-1: write to BAR5, which does not exist");
}

TEST_F(BarAccessTest, ReadTheDeviceRefusesReturnsAllOnes)
{
    fake.refuse_bar_access = true;
    EXPECT_EQ(fn->bar_read(1, 0, 4), 0xffffffffull);
    EXPECT_EQ(fn->bar_read(1, 0, 1), 0xffull);
    EXPECT_EQ(fake.accesses.size(), 2u);
}

// ---- BARs with direct handlers (BarAccessor) -----------------------------

// What a register file's handlers were called with.
struct HandlerCall {
    bool write;
    std::uint64_t offset;
    unsigned size;
    std::uint64_t value; // written, or returned
    friend bool operator==(const HandlerCall &, const HandlerCall &) = default;
};

std::ostream &operator<<(std::ostream &os, const HandlerCall &c)
{
    return os << (c.write ? "write" : "read") << " +0x" << std::hex << c.offset << " size "
              << std::dec << c.size << " 0x" << std::hex << c.value << std::dec;
}

// A register file whose byte at offset o reads 0xa0 + o.
struct RecordingRegisters {
    std::vector<HandlerCall> calls;

    static std::uint64_t read(void *opaque, std::uint64_t offset, unsigned size)
    {
        auto &self = *static_cast<RecordingRegisters *>(opaque);
        std::uint64_t v = 0;
        for (unsigned i = 0; i < size; i++) {
            v |= ((0xa0 + offset + i) & 0xff) << (8 * i);
        }
        self.calls.push_back({false, offset, size, v});
        return v;
    }
    static void write(void *opaque, std::uint64_t offset, std::uint64_t value, unsigned size)
    {
        static_cast<RecordingRegisters *>(opaque)->calls.push_back({true, offset, size, value});
    }
    BarAccessor accessor(unsigned min_size, unsigned max_size, bool unaligned = true)
    {
        return BarAccessor{read, write, this, min_size, max_size, unaligned};
    }
};

class BarAccessorTest : public PciFunctionTest {
protected:
    void SetUp() override
    {
        fake.regions[0] = {kRW | kRegionBarIo, 8};
        fake.regions[1] = {kRW, 4096};
        fake.regions[2] = {kRW | VFIO_REGION_INFO_FLAG_MMAP, 4096};
    }
    RecordingRegisters regs;
};

TEST_F(BarAccessorTest, ResolvedOnceAtBindAndAccessesGoToTheHandlers)
{
    fake.accessors[0] = regs.accessor(1, 1);
    make();
    ASSERT_NE(fn->bar_accessor(0), nullptr);
    EXPECT_EQ(fn->bar_accessor(0)->opaque, &regs);
    EXPECT_NE(fn->bar_accessor(1), nullptr); // the fake's recording registers
    EXPECT_EQ(fn->bar_accessor(2), nullptr); // RAM-backed: no registers
    EXPECT_EQ(fn->bar_accessor(6), nullptr);
    // Asked for each BAR that traps, once: not for the mmap-able BAR2.
    EXPECT_THAT(fake.accessor_queries, ElementsAre(0u, 1u));

    EXPECT_EQ(fn->bar_read(0, 5, 1), 0xa5u);
    fn->bar_write(0, 7, 0x5a, 1);
    EXPECT_THAT(regs.calls, ElementsAre(HandlerCall{false, 5, 1, 0xa5},
                                        HandlerCall{true, 7, 1, 0x5a}));
    // BAR1's accesses go to BAR1's registers.
    EXPECT_THAT(fake.accesses, IsEmpty());
    fn->bar_read(1, 0, 4);
    EXPECT_EQ(fake.accesses.size(), 1u);
    EXPECT_EQ(fake.accessor_queries.size(), 2u);
    EXPECT_THAT(host.errors, IsEmpty());
}

TEST_F(BarAccessorTest, WiderAccessesAreSplitLowBytesFirstAsQemuDoes)
{
    fake.accessors[0] = regs.accessor(1, 1);
    make();
    // An inw/inl on a byte-wide register file: QEMU reads each byte in turn.
    EXPECT_EQ(fn->bar_read(0, 4, 4), 0xa7a6a5a4u);
    EXPECT_EQ(fn->bar_read(0, 5, 2), 0xa6a5u); // unaligned: taken, as pci-serial does
    fn->bar_write(0, 0, 0x4142, 2);
    EXPECT_THAT(regs.calls,
                ElementsAre(HandlerCall{false, 4, 1, 0xa4}, HandlerCall{false, 5, 1, 0xa5},
                            HandlerCall{false, 6, 1, 0xa6}, HandlerCall{false, 7, 1, 0xa7},
                            HandlerCall{false, 5, 1, 0xa5}, HandlerCall{false, 6, 1, 0xa6},
                            HandlerCall{true, 0, 1, 0x42}, HandlerCall{true, 1, 1, 0x41}));
    EXPECT_THAT(host.errors, IsEmpty());
}

TEST_F(BarAccessorTest, NarrowerAccessesAreWidenedAtTheSameOffset)
{
    fake.accessors[1] = regs.accessor(2, 2, false);
    make();
    // As QEMU's bochs-display DISPI registers (impl 2..2): a byte read
    // gets the low byte of a 16-bit read at the same offset, a byte write
    // is passed zero-extended, a 32-bit access is two 16-bit ones.
    EXPECT_EQ(fn->bar_read(1, 0x503, 1), 0xa3u);
    fn->bar_write(1, 0x503, 0xff, 1);
    EXPECT_EQ(fn->bar_read(1, 0x500, 4), 0xa3a2a1a0u);
    fn->bar_write(1, 0x508, 0x11223344, 4);
    EXPECT_THAT(regs.calls,
                ElementsAre(HandlerCall{false, 0x503, 2, 0xa4a3}, HandlerCall{true, 0x503, 2, 0xff},
                            HandlerCall{false, 0x500, 2, 0xa1a0},
                            HandlerCall{false, 0x502, 2, 0xa3a2},
                            HandlerCall{true, 0x508, 2, 0x3344},
                            HandlerCall{true, 0x50a, 2, 0x1122}));
    EXPECT_THAT(host.errors, IsEmpty());
}

TEST_F(BarAccessorTest, MisalignedAccessTheHandlersDoNotTakeIsRefusedAndReadsZero)
{
    fake.accessors[1] = regs.accessor(2, 2, false);
    make();
    EXPECT_EQ(fn->bar_read(1, 0x501, 2), 0u);
    fn->bar_write(1, 0x502, 0x1234, 4);
    // Wider than 4 bytes only if the handlers take 8, as QEMU's default.
    EXPECT_EQ(fn->bar_read(1, 0x8, 8), 0u);
    EXPECT_THAT(regs.calls, IsEmpty());
    ASSERT_EQ(host.errors.size(), 3u);
    EXPECT_EQ(host.errors[0], "mdev stub-1: BAR1: 2-byte read at offset 0x501 is misaligned "
                              "(region is 0x1000 bytes)");
    EXPECT_THAT(host.errors[2], HasSubstr("8-byte read at offset 0x8 is wider than the "
                                          "registers take"));
}

TEST_F(BarAccessorTest, AccessesOutsideTheBarNeverReachTheHandlers)
{
    fake.accessors[0] = regs.accessor(1, 1);
    make();
    EXPECT_EQ(fn->bar_read(0, 8, 1), 0xffu);
    EXPECT_EQ(fn->bar_read(0, 7, 2), 0xffffu);
    fn->bar_write(0, ~0ull, 1, 1);
    EXPECT_EQ(fn->bar_read(0, 0, 3), 0xffffffu);
    EXPECT_THAT(regs.calls, IsEmpty());
    ASSERT_EQ(host.errors.size(), 4u);
    EXPECT_THAT(host.errors[1], HasSubstr("2-byte read at offset 0x7 is past the end"));
    EXPECT_THAT(host.errors[3], HasSubstr("not 1, 2, 4 or 8 bytes wide"));
}

TEST_F(BarAccessorTest, MalformedHandlersAreRefusedAtBind)
{
    const BarAccessor bad[] = {
        BarAccessor{nullptr, RecordingRegisters::write, &regs, 1, 1, true},
        BarAccessor{RecordingRegisters::read, nullptr, &regs, 1, 1, true},
        BarAccessor{RecordingRegisters::read, RecordingRegisters::write, &regs, 3, 4, true},
        BarAccessor{RecordingRegisters::read, RecordingRegisters::write, &regs, 4, 2, true},
        BarAccessor{RecordingRegisters::read, RecordingRegisters::write, &regs, 1, 16, true},
    };
    for (const BarAccessor &a : bad) {
        fake.accessors[1] = a;
        Error e = refusal();
        EXPECT_EQ(e.code, Errc::probe_failed);
        EXPECT_THAT(e.message, HasSubstr("BAR1's registers are malformed"));
    }
    // A trapped BAR the device gives no registers for.
    fake.accessors[1] = BarAccessor{};
    EXPECT_THAT(refusal().message, HasSubstr("BAR1's registers are malformed"));
}

TEST(BarAccessorAdaptTest, AdaptsLikeQemusMemoryCore)
{
    RecordingRegisters regs;
    const BarAccessor a = regs.accessor(2, 4);
    EXPECT_TRUE(a.well_formed());
    EXPECT_EQ(a.adapted_read(0x10, 8), 0xb7b6b5b4b3b2b1b0ull); // split in 4-byte halves
    EXPECT_EQ(a.adapted_read(0x11, 1), 0xb1u);                  // widened to 2
    a.adapted_write(0x20, 0xffffffffffffff99ull, 1);             // only the byte asked for
    EXPECT_THAT(regs.calls,
                ElementsAre(HandlerCall{false, 0x10, 4, 0xb3b2b1b0},
                            HandlerCall{false, 0x14, 4, 0xb7b6b5b4},
                            HandlerCall{false, 0x11, 2, 0xb2b1},
                            HandlerCall{true, 0x20, 2, 0x99}));
    EXPECT_FALSE((BarAccessor{}).well_formed());
}

// ---- Through the bus driver ----------------------------------------------

class FakeVfioParent final : public Parent {
public:
    std::string_view name() const override { return "fakepci"; }
    std::span<const MdevType> types() const override { return types_; }
    unsigned available_instances(const MdevType &) const override { return 2 - used; }
    Result<std::unique_ptr<VendorState>> create(const CreateArgs &) override
    {
        used++;
        return std::make_unique<VendorState>();
    }
    void remove(VendorState &) override { used--; }
    unsigned used = 0;

private:
    std::vector<MdevType> types_{{"fakepci-1", "Fake", "", "vfio-pci"}};
};

TEST(VfioDriverTest, BindsAVfioDeviceAndKeepsItsPciFunction)
{
    RecordingHost host;
    FakeVfio ops;
    ops.regions[0] = {kRW | kRegionBarIo, 8};
    ops.irqs[VFIO_PCI_INTX_IRQ_INDEX] = IrqInfo{VFIO_IRQ_INFO_EVENTFD, 1};
    ops.put8(0x3d, 1);
    Core core;
    auto parent = std::make_unique<FakeVfioParent>();
    FakeVfioParent &p = *parent;
    ASSERT_TRUE(core.register_parent(std::move(parent)));
    ASSERT_TRUE(core.register_ops<VfioOps>("fakepci", ops));
    core.bus().register_driver(vfio_pci_driver());

    EXPECT_EQ(vfio_pci_driver().name(), "vfio-pci");
    EXPECT_THAT(vfio_pci_driver().id_table(), ElementsAre(ClassId::vfio));

    Result<Device *> r = core.create({"fakepci", "fakepci-1", kUuid, "vfio", &host});
    ASSERT_TRUE(r.ok()) << r.error().message;
    Device &d = **r;
    EXPECT_EQ(d.driver(), &vfio_pci_driver());
    PciFunction *f = pci_function(d);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(static_cast<FrontendState *>(f), d.frontend_state());
    EXPECT_EQ(f->bar(0).size, 8u);
    EXPECT_TRUE(f->has_intx());
    EXPECT_EQ(ops.opens, 1u);
    EXPECT_EQ(ops.sinks[VFIO_PCI_INTX_IRQ_INDEX], nullptr) << "INTx routed before the glue asked";
    f->connect_irqs();

    f->bar_write(0, 3, 0x80, 1);
    EXPECT_THAT(ops.accesses, ElementsAre(Access{true, 0, 3, {0x80}}));
    ops.sinks[VFIO_PCI_INTX_IRQ_INDEX]->set_level(true);
    EXPECT_THAT(host.intx, ElementsAre(true));

    ASSERT_TRUE(core.remove(kUuid));
    EXPECT_EQ(ops.releases, 1u);
    EXPECT_EQ(p.used, 0u);
}

TEST(VfioDriverTest, RefusedDeviceIsAProbeFailureNamingTheReason)
{
    RecordingHost host;
    FakeVfio ops;
    ops.regions[0] = {kRW, 100};
    Core core;
    auto parent = std::make_unique<FakeVfioParent>();
    FakeVfioParent &p = *parent;
    ASSERT_TRUE(core.register_parent(std::move(parent)));
    ASSERT_TRUE(core.register_ops<VfioOps>("fakepci", ops));
    core.bus().register_driver(vfio_pci_driver());

    Result<Device *> r = core.create({"fakepci", "fakepci-1", kUuid, "vfio", &host});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::probe_failed);
    EXPECT_EQ(r.error().message, std::string("vfio-pci frontend refused mdev ") + kUuid +
                                     ": BAR0 size 100 is not a power of two");
    EXPECT_EQ(p.used, 0u);
    EXPECT_EQ(core.device_count(), 0u);

    // Without a host the frontend cannot show the function anywhere.
    ops.regions[0] = {kRW, 128};
    Result<Device *> n = core.create({"fakepci", "fakepci-1", kUuid, "vfio", nullptr});
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.error().code, Errc::probe_failed);
    EXPECT_THAT(n.error().message, HasSubstr("no host"));
}

class OtherDriver final : public Driver {
public:
    std::string_view name() const override { return "other"; }
    std::span<const ClassId> id_table() const override { return ids_; }
    Status probe(Device &) override { return Ok{}; }
    void remove(Device &) override {}

private:
    ClassId ids_[1] = {ClassId::vfio};
};

TEST(VfioDriverTest, PciFunctionIsNullForADeviceBoundElsewhere)
{
    RecordingHost host;
    FakeVfio ops;
    OtherDriver other;
    Core core;
    ASSERT_TRUE(core.register_parent(std::make_unique<FakeVfioParent>()));
    ASSERT_TRUE(core.register_ops<VfioOps>("fakepci", ops));
    core.bus().register_driver(other);
    core.bus().register_driver(vfio_pci_driver());
    Result<Device *> r = core.create({"fakepci", "fakepci-1", kUuid, "vfio", &host});
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)->driver(), &other);
    EXPECT_EQ(pci_function(**r), nullptr);
    EXPECT_EQ(ops.opens, 0u);
}

} // namespace
} // namespace mdev::vfio

// ---- Fault injection (vfio_faults.hpp) -------------------------------------

namespace mdev::vfio {
namespace {

std::vector<FaultArgText> vector_arg(const char *v)
{
    return {{"vector", v}};
}

TEST_F(PciFunctionTest, FaultsOfTheVfioClassAreDeclaredAtBind)
{
    make();
    const auto entries = dev.faults().entries();
    std::vector<std::string> names;
    for (const auto &e : entries) {
        names.push_back(e.decl->name);
    }
    EXPECT_THAT(names, ElementsAre("drop-irq", "spurious-irq", "dma-error", "surprise-removal"));
}

TEST_F(PciFunctionTest, DropIrqLosesTheNextMsiOfItsVectorOnly)
{
    give_msi(0x50, 2, 4);
    PciFunction &f = make();
    f.set_msi_enabled(true);
    IrqSink *msi = sink(VFIO_PCI_MSI_IRQ_INDEX);
    ASSERT_NE(msi, nullptr);
    ASSERT_TRUE(dev.faults().inject("drop-irq", 1, 1, vector_arg("2")));
    msi->notify(0); // another vector: delivered, not counted
    msi->notify(2); // skipped
    msi->notify(2); // dropped
    msi->notify(2); // count spent: delivered
    EXPECT_THAT(host.msi, ElementsAre(0u, 2u, 2u));
    EXPECT_EQ(dev.faults().entries()[0].fired, 1u);
    EXPECT_FALSE(dev.faults().any_armed());
    EXPECT_THAT(host.errors, IsEmpty());
}

TEST_F(PciFunctionTest, DropIrqLosesAnIntxAssertionUntilTheLineIsRaisedAgain)
{
    give_intx();
    make();
    IrqSink *intx = sink(VFIO_PCI_INTX_IRQ_INDEX);
    ASSERT_NE(intx, nullptr);
    ASSERT_TRUE(dev.faults().inject("drop-irq", 1, 0, {}));
    intx->set_level(true);  // lost
    intx->set_level(false);
    intx->set_level(true);  // delivered
    EXPECT_THAT(host.intx, ElementsAre(false, true));
}

TEST_F(PciFunctionTest, SpuriousIrqSendsOneMessageOrPulse)
{
    give_intx();
    give_msi(0x50, 2, 4);
    PciFunction &f = make();
    ASSERT_TRUE(dev.faults().inject("spurious-irq", 1, 0, {}));
    EXPECT_THAT(host.intx, ElementsAre(true, false));
    f.set_msi_enabled(true);
    ASSERT_TRUE(dev.faults().inject("spurious-irq", 2, 0, vector_arg("3")));
    EXPECT_THAT(host.msi, ElementsAre(3u, 3u));
    EXPECT_EQ(dev.faults().entries()[1].fired, 3u);
    // A vector past those enabled is the device's mistake to log, not a crash.
    ASSERT_TRUE(dev.faults().inject("spurious-irq", 1, 0, vector_arg("9")));
    EXPECT_THAT(host.msi, ElementsAre(3u, 3u));
    EXPECT_THAT(host.errors, ElementsAre(HasSubstr("MSI vector 9")));
}

TEST_F(PciFunctionTest, SpuriousIrqIsRefusedOnceTheFunctionIsGone)
{
    make();
    fn.reset();
    Status s = dev.faults().inject("spurious-irq", 1, 0, {});
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().message, HasSubstr("no frontend"));
}

class DmaHost final : public test::RecordingHost {
public:
    bool dma_read(std::uint64_t, std::span<std::uint8_t> out) override
    {
        reads++;
        std::fill(out.begin(), out.end(), 0xab);
        return true;
    }
    bool dma_write(std::uint64_t, std::span<const std::uint8_t>) override
    {
        writes++;
        return true;
    }
    int reads = 0;
    int writes = 0;
};

TEST_F(PciFunctionTest, DmaErrorFailsTheNextDmaOfItsDirection)
{
    DmaHost dma_host;
    dev.set_host(&dma_host);
    PciFunction &f = make();
    std::array<std::uint8_t, 8> buf{};
    const std::vector<FaultArgText> write_only{{"direction", "write"}};
    ASSERT_TRUE(dev.faults().inject("dma-error", 1, 0, write_only));
    EXPECT_TRUE(f.dma(0x1000, std::span<std::uint8_t>(buf)));           // a read: not matched
    EXPECT_FALSE(f.dma(0x1000, std::span<const std::uint8_t>(buf)));
    EXPECT_TRUE(f.dma(0x1000, std::span<const std::uint8_t>(buf)));
    EXPECT_EQ(dma_host.reads, 1);
    EXPECT_EQ(dma_host.writes, 1); // the failed one never reached guest memory
    ASSERT_TRUE(dev.faults().inject("dma-error", 0, 0, {}));
    EXPECT_FALSE(f.dma(0x1000, std::span<std::uint8_t>(buf)));
    EXPECT_FALSE(f.dma(0x1000, std::span<const std::uint8_t>(buf)));
    ASSERT_TRUE(dev.faults().clear());
    EXPECT_TRUE(f.dma(0x1000, std::span<std::uint8_t>(buf)));
    dev.set_host(&host);
}

} // namespace
} // namespace mdev::vfio

// ---- surprise-removal ------------------------------------------------------

namespace mdev::vfio {
namespace {

// A machine with a slot: records what the frontend tells it, and resets
// the function when the card is put back, as the glue does.
class SlotHost final : public test::RecordingHost {
public:
    bool set_present(bool present) override
    {
        present_calls.push_back(present);
        if (on_present) {
            on_present(present);
        }
        return reset_on_insert;
    }
    bool dma_read(std::uint64_t, std::span<std::uint8_t>) override { return ++dmas, true; }
    bool dma_write(std::uint64_t, std::span<const std::uint8_t>) override { return ++dmas, true; }
    std::vector<bool> present_calls;
    std::function<void(bool)> on_present;
    bool reset_on_insert = false;
    int dmas = 0;
};

class SurpriseRemovalTest : public PciFunctionTest {
protected:
    void SetUp() override
    {
        dev.set_host(&slot);
        fake.regions[0] = {kRW | kRegionBarIo, 8};                   // trapped
        fake.regions[1] = {kRW | VFIO_REGION_INFO_FLAG_MMAP, 4096}; // RAM
        fake.put16(0x00, 0x1af4);
        fake.put16(0x02, 0x10f4);
        fake.wmask[0x40] = 0xff;
        give_intx();
        give_msi(0x50, 1, 2);
    }
    void TearDown() override
    {
        fn.reset();
        dev.set_host(&host);
    }
    Status pull() { return dev.faults().inject("surprise-removal", 1, 0, {}); }
    Status put_back() { return dev.faults().clear("surprise-removal"); }

    SlotHost slot;
};

TEST_F(SurpriseRemovalTest, ConfigAndEveryBarReadAllOnesAndWritesGoNowhere)
{
    PciFunction &f = make();
    f.bar_memory(1)[0] = 0x5a;
    ASSERT_TRUE(pull());
    EXPECT_TRUE(f.surprise_removed());
    EXPECT_THAT(slot.present_calls, ElementsAre(false));
    EXPECT_EQ(f.config_read(0x00, 4), 0xffffffffu);
    EXPECT_EQ(f.config_read(0x02, 2), 0xffffu);
    EXPECT_EQ(f.config_read(0x3d, 1), 0xffu);
    f.config_write(0x40, 0x77, 1);
    EXPECT_EQ(fake.config[0x40], 0u);
    fake.accesses.clear();
    EXPECT_EQ(f.bar_read(0, 0, 4), 0xffffffffu);
    EXPECT_EQ(f.bar_read(0, 2, 1), 0xffu);
    EXPECT_EQ(f.bar_read(1, 0, 8), ~std::uint64_t(0));
    f.bar_write(0, 0, 0x1234, 2);
    f.bar_write(1, 0, 0x11, 1);
    EXPECT_THAT(fake.accesses, IsEmpty()); // the device's registers saw nothing
    EXPECT_EQ(f.bar_memory(1)[0], 0x5a);
    EXPECT_THAT(slot.errors, IsEmpty());
}

TEST_F(SurpriseRemovalTest, NoDmaAndNoInterruptWhileOut)
{
    PciFunction &f = make();
    IrqSink *intx = sink(VFIO_PCI_INTX_IRQ_INDEX);
    ASSERT_NE(intx, nullptr);
    intx->set_level(true);
    ASSERT_TRUE(pull());
    EXPECT_THAT(slot.intx, ElementsAre(true, false)); // deasserted as it went
    intx->set_level(false);
    intx->set_level(true);
    EXPECT_THAT(slot.intx, ElementsAre(true, false));
    std::array<std::uint8_t, 4> buf{};
    EXPECT_FALSE(f.dma(0x1000, std::span<std::uint8_t>(buf)));
    EXPECT_FALSE(f.dma(0x1000, std::span<const std::uint8_t>(buf)));
    EXPECT_EQ(slot.dmas, 0);
    ASSERT_TRUE(dev.faults().inject("spurious-irq", 1, 0, {}));
    EXPECT_THAT(slot.intx, ElementsAre(true, false));
    // MSI enabled while out (the guest's config write never arrives, but
    // QEMU's emulated capability is the machine's): still no message.
    f.set_msi_enabled(true);
    IrqSink *msi = sink(VFIO_PCI_MSI_IRQ_INDEX);
    ASSERT_NE(msi, nullptr);
    msi->notify(0);
    EXPECT_THAT(slot.msi, IsEmpty());
    EXPECT_THAT(slot.errors, IsEmpty());
}

TEST_F(SurpriseRemovalTest, ClearingPutsTheCardBackInResetState)
{
    PciFunction &f = make();
    f.config_write(0x40, 0x77, 1);
    ASSERT_EQ(f.config_read(0x40, 1), 0x77u);
    f.set_msi_enabled(true);
    ASSERT_TRUE(pull());
    const unsigned resets = fake.resets;
    ASSERT_TRUE(put_back());
    EXPECT_FALSE(f.surprise_removed());
    EXPECT_THAT(slot.present_calls, ElementsAre(false, true));
    // A machine that does not reset it itself: the frontend did.
    EXPECT_EQ(fake.resets, resets + 1);
    EXPECT_EQ(f.irq_index(), std::uint32_t(VFIO_PCI_INTX_IRQ_INDEX));
    EXPECT_EQ(f.config_read(0x00, 4), 0x10f41af4u);
    EXPECT_EQ(f.config_read(0x40, 1), 0u); // the reset value
    std::array<std::uint8_t, 4> buf{};
    EXPECT_TRUE(f.dma(0x1000, std::span<std::uint8_t>(buf)));
    EXPECT_FALSE(dev.faults().any_armed());
}

TEST_F(SurpriseRemovalTest, AMachineThatResetsTheFunctionIsNotDoubled)
{
    make();
    slot.reset_on_insert = true;
    ASSERT_TRUE(pull());
    const unsigned resets = fake.resets;
    ASSERT_TRUE(dev.faults().clear()); // clearing all faults ends it too
    EXPECT_THAT(slot.present_calls, ElementsAre(false, true));
    EXPECT_EQ(fake.resets, resets);
}

TEST_F(SurpriseRemovalTest, ASystemResetLeavesTheCardOut)
{
    PciFunction &f = make();
    ASSERT_TRUE(pull());
    f.reset();
    EXPECT_TRUE(f.surprise_removed());
    EXPECT_EQ(f.config_read(0x00, 4), 0xffffffffu);
}

// The machine removes the device from inside the call (a hot-unplug as the
// card goes, or as it comes back): the function goes with it mid-call.
TEST_F(SurpriseRemovalTest, TheFunctionMayBeDestroyedFromTheMachinesCall)
{
    make();
    slot.on_present = [this](bool present) {
        if (!present) {
            fn.reset();
        }
    };
    ASSERT_TRUE(pull());
    EXPECT_EQ(fn, nullptr);
    EXPECT_EQ(fake.releases, 1u);
    // The fault went with the function's watch, silently; none can be armed.
    EXPECT_FALSE(dev.faults().any_armed());
    EXPECT_THAT(pull().error().message, HasSubstr("no frontend"));
}

TEST_F(SurpriseRemovalTest, TheFunctionMayBeDestroyedAsTheCardComesBack)
{
    make();
    slot.reset_on_insert = true;
    slot.on_present = [this](bool present) {
        if (present) {
            fn.reset();
        }
    };
    ASSERT_TRUE(pull());
    ASSERT_TRUE(put_back());
    EXPECT_EQ(fn, nullptr);
    EXPECT_EQ(fake.releases, 1u);
}

TEST_F(SurpriseRemovalTest, ClearingFromTheMachinesCallIsSafe)
{
    PciFunction &f = make();
    slot.on_present = [this](bool present) {
        if (!present) {
            ASSERT_TRUE(put_back());
        }
    };
    ASSERT_TRUE(pull());
    EXPECT_THAT(slot.present_calls, ElementsAre(false, true));
    EXPECT_FALSE(f.surprise_removed());
    EXPECT_EQ(f.config_read(0x00, 4), 0x10f41af4u);
}

} // namespace
} // namespace mdev::vfio
