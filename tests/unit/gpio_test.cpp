// SPDX-License-Identifier: GPL-2.0-or-later
// The gpio parent (an ACCES PCI-IDIO-16) through a core with the vfio
// frontend, driven as Linux 6.1's gpio-pci-idio-16 drives it: the PCI face,
// outputs looped back to the inputs, the change-of-state interrupt and the
// driver's clear sequence, reset, and guest mistakes.
#include "recording_host.hpp"
#include "parent_fixture.hpp"
#include "test_uuid.hpp"
#include "samples/gpio/gpio.hpp"

#include "hw/mdev/core.hpp"
#include "vfio/pci_function.hpp"
#include "vfio/vfio_driver.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <stdexcept>
#include <string>

namespace mdev::samples {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using vfio::PciFunction;
namespace r = idio16;

using test::uuid_n;

class GpioTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        ASSERT_NO_FATAL_FAILURE(
            test::register_parent(core, std::make_unique<GpioParent>(), parent));
    }

    Result<Device *> create(unsigned n)
    {
        return core.create({"gpio", "gpio-idio16", uuid_n(n), "vfio", &host});
    }

    // A bound card and its PCI function, INTx connected as the glue does.
    PciFunction &make(unsigned n = 1)
    {
        return test::bound_function(create(n), dev);
    }

    std::uint8_t inb(PciFunction &f, std::uint64_t reg)
    {
        return static_cast<std::uint8_t>(f.bar_read(r::kBar, reg, 1));
    }
    void outb(PciFunction &f, std::uint64_t reg, std::uint8_t v)
    {
        f.bar_write(r::kBar, reg, v, 1);
    }

    // What gpio-pci-idio-16's probe does: filters off, IRQ off, clear.
    void probe(PciFunction &f)
    {
        outb(f, r::kFilterCtl, 0);
        outb(f, r::kIrqCtl, 0);
        outb(f, r::kIn0_7, 0);
    }

    const MdevType &type() { return parent->types()[0]; }

    test::RecordingHost host; // outlives the core
    Core core;
    GpioParent *parent = nullptr;
    Device *dev = nullptr;
};

// ---- Types and budget ----------------------------------------------------

TEST_F(GpioTest, OneVfioPciTypeAndAFourCardBudget)
{
    ASSERT_EQ(parent->name(), "gpio");
    ASSERT_EQ(parent->types().size(), 1u);
    EXPECT_EQ(type().id, "gpio-idio16");
    EXPECT_EQ(type().device_api, "vfio-pci");
    EXPECT_THAT(core.classes_of("gpio"), ElementsAre(ClassId::vfio));
    for (unsigned n = 1; n <= 4; n++) {
        ASSERT_TRUE(create(n)) << n;
    }
    EXPECT_EQ(parent->available_instances(type()), 0u);
    Result<Device *> fifth = create(5);
    ASSERT_FALSE(fifth);
    EXPECT_EQ(fifth.error().code, Errc::budget_exhausted);
    ASSERT_TRUE(core.remove(uuid_n(2)));
    EXPECT_EQ(parent->available_instances(type()), 1u);
    EXPECT_TRUE(create(5));
}

TEST_F(GpioTest, VirtioIsRefused)
{
    Result<Device *> res = core.create({"gpio", "gpio-idio16", uuid_n(1), "virtio", &host});
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error().code, Errc::class_unsupported);
}

// ---- PCI face ------------------------------------------------------------

TEST_F(GpioTest, PciIdentityIsThePciIdio16)
{
    PciFunction &f = make();
    EXPECT_EQ(f.config_read(0x00, 2), 0x494fu); // vendor: ACCES I/O
    EXPECT_EQ(f.config_read(0x02, 2), 0x0dc8u); // device: PCI-IDIO-16
    EXPECT_EQ(f.config_read(0x0a, 2), 0xff00u); // class
    EXPECT_EQ(f.config_read(0x2c, 4), 0x0dc8494fu); // subsystem
    EXPECT_EQ(f.config_read(0x3d, 1), 1u);          // INTA#
    EXPECT_EQ(f.config_read(0x18, 4), 1u);          // BAR2: I/O space
    EXPECT_EQ(f.config_read(0x34, 1), 0u);          // no capabilities
}

TEST_F(GpioTest, OnlyBar2AnEightByteIoBarAndIntxOnly)
{
    PciFunction &f = make();
    for (unsigned i = 0; i < PCI_STD_NUM_BARS; i++) {
        if (i == 2) {
            EXPECT_EQ(f.bar(i).size, 8u);
            EXPECT_TRUE(f.bar(i).io);
            EXPECT_TRUE(f.bar(i).readable && f.bar(i).writable);
            EXPECT_FALSE(f.bar(i).mmap);
        } else {
            EXPECT_EQ(f.bar(i).size, 0u) << "BAR" << i;
        }
    }
    EXPECT_TRUE(f.has_intx());
    EXPECT_EQ(f.msi().offset, 0u);
}

TEST_F(GpioTest, ConfigWritesChangeNothing)
{
    PciFunction &f = make();
    f.config_write(0x00, 0xffffffff, 4);
    f.config_write(0x3d, 0x04, 1);
    EXPECT_EQ(f.config_read(0x00, 4), 0x0dc8494fu);
    EXPECT_EQ(f.config_read(0x3d, 1), 1u);
    EXPECT_THAT(host.errors, IsEmpty());
}

// ---- Outputs and inputs --------------------------------------------------

TEST_F(GpioTest, OutputsLoopBackToTheInputs)
{
    PciFunction &f = make();
    probe(f);
    outb(f, r::kOut0_7, 0xa5);
    outb(f, r::kOut8_15, 0x3c);
    EXPECT_EQ(inb(f, r::kOut0_7), 0xa5); // the driver reads outputs back
    EXPECT_EQ(inb(f, r::kOut8_15), 0x3c);
    EXPECT_EQ(inb(f, r::kIn0_7), 0xa5);
    EXPECT_EQ(inb(f, r::kIn8_15), 0x3c);
    outb(f, r::kOut0_7, 0x01);
    EXPECT_EQ(inb(f, r::kIn0_7), 0x01);
    EXPECT_EQ(inb(f, r::kIn8_15), 0x3c); // the other half did not move
    EXPECT_THAT(host.errors, IsEmpty());
}

TEST_F(GpioTest, FiltersAreRegistersWithoutEffect)
{
    PciFunction &f = make();
    (void)inb(f, r::kFilterCtl); // activate all filters
    EXPECT_EQ(dev->vendor_state<GpioMdev>().regs().filters_on, 1u);
    outb(f, r::kFilterMask, 0x0f);
    EXPECT_EQ(inb(f, r::kFilterMask), 0x0f);
    outb(f, r::kOut0_7, 0xff);
    EXPECT_EQ(inb(f, r::kIn0_7), 0xff);
    outb(f, r::kFilterCtl, 0);
    EXPECT_EQ(dev->vendor_state<GpioMdev>().regs().filters_on, 0u);
}

// ---- Change-of-state interrupt -------------------------------------------

TEST_F(GpioTest, ProbeLeavesTheInterruptOffAndChangesRaiseNothing)
{
    PciFunction &f = make();
    probe(f);
    host.intx.clear();
    outb(f, r::kOut0_7, 0xff);
    outb(f, r::kOut8_15, 0xff);
    EXPECT_THAT(host.intx, IsEmpty());
    EXPECT_EQ(inb(f, r::kIrqStatus), 0u);
}

TEST_F(GpioTest, AChangeRaisesIntxOnlyWhenEnabledAndTheClearLowersIt)
{
    PciFunction &f = make();
    probe(f);
    host.intx.clear();
    (void)inb(f, r::kIrqCtl); // the driver unmasks its first input IRQ
    EXPECT_THAT(host.intx, IsEmpty());

    outb(f, r::kOut0_7, 0x00); // no change of state: no interrupt
    EXPECT_THAT(host.intx, IsEmpty());

    outb(f, r::kOut0_7, 0x04); // input 2 rises
    EXPECT_THAT(host.intx, ElementsAre(true));
    // What the driver's handler checks: bit 2, and bit 0 or 1.
    EXPECT_EQ(inb(f, r::kIrqStatus), r::kIrqStatusPending | r::kIrqStatusLow);
    outb(f, r::kIn0_7, 0); // clear interrupt
    EXPECT_THAT(host.intx, ElementsAre(true, false));
    EXPECT_EQ(inb(f, r::kIrqStatus), 0u);

    outb(f, r::kOut8_15, 0x80); // input 15 rises
    EXPECT_THAT(host.intx, ElementsAre(true, false, true));
    EXPECT_EQ(inb(f, r::kIrqStatus), r::kIrqStatusPending | r::kIrqStatusHigh);
    outb(f, r::kOut8_15, 0x00); // and falls before the handler ran: still one level
    EXPECT_THAT(host.intx, ElementsAre(true, false, true));
    outb(f, r::kIn0_7, 0);
    EXPECT_THAT(host.intx, ElementsAre(true, false, true, false));
}

TEST_F(GpioTest, DisablingLowersTheLineButKeepsTheLatch)
{
    PciFunction &f = make();
    probe(f);
    (void)inb(f, r::kIrqCtl);
    host.intx.clear();
    outb(f, r::kOut0_7, 0x10);
    outb(f, r::kIrqCtl, 0); // the driver masks its last input IRQ
    EXPECT_THAT(host.intx, ElementsAre(true, false));
    EXPECT_EQ(inb(f, r::kIrqStatus), r::kIrqStatusPending | r::kIrqStatusLow);
    outb(f, r::kOut0_7, 0x00); // disabled: latches nothing more
    EXPECT_EQ(inb(f, r::kIrqStatus), r::kIrqStatusPending | r::kIrqStatusLow);
    (void)inb(f, r::kIrqCtl); // enabled again: the old latch shows
    EXPECT_THAT(host.intx, ElementsAre(true, false, true));
    outb(f, r::kIn0_7, 0);
    EXPECT_THAT(host.intx, ElementsAre(true, false, true, false));
}

// ---- Reset and migration -------------------------------------------------

TEST_F(GpioTest, ResetTurnsOutputsOffAndTheInterruptOffAndLowersIntx)
{
    PciFunction &f = make();
    (void)inb(f, r::kIrqCtl);
    (void)inb(f, r::kFilterCtl);
    outb(f, r::kFilterMask, 0x55);
    outb(f, r::kOut0_7, 0xff);
    ASSERT_EQ(host.intx.back(), true);
    f.reset();
    EXPECT_EQ(host.intx.back(), false);
    const GpioRegs &regs = dev->vendor_state<GpioMdev>().regs();
    EXPECT_EQ(regs.out, 0u);
    EXPECT_EQ(regs.irq_enabled, 0u);
    EXPECT_EQ(regs.irq_status, 0u);
    EXPECT_EQ(regs.filters_on, 0u);
    EXPECT_EQ(regs.filter_mask, 0u);
    EXPECT_EQ(inb(f, r::kIn0_7), 0u);
    outb(f, r::kOut0_7, 0x01); // interrupt is off after reset
    EXPECT_EQ(host.intx.back(), false);
}

TEST_F(GpioTest, PostLoadDropsImpossibleBitsAndReassertsTheLine)
{
    PciFunction &f = make();
    GpioMdev &m = dev->vendor_state<GpioMdev>();
    // Through what the glue uses: the declared state, then post_load.
    std::vector<migration::Data> state = m.migrated(*dev);
    ASSERT_EQ(state.size(), 1u);
    EXPECT_STREQ(state[0].schema()->name, "gpio/regs");
    ASSERT_NE(state[0].data(), nullptr);
    GpioRegs &regs = *static_cast<GpioRegs *>(state[0].data());
    regs = GpioRegs{0x1234, 7, 0xff, 9, 0x80};
    host.intx.clear();
    EXPECT_TRUE(m.post_load(*dev));
    EXPECT_THAT(host.intx, ElementsAre(true));
    EXPECT_EQ(regs.irq_enabled, 1u);
    EXPECT_EQ(regs.filters_on, 1u);
    EXPECT_EQ(inb(f, r::kIrqStatus), 0x07u);
    EXPECT_EQ(inb(f, r::kIn8_15), 0x12u);
}

// ---- Guest mistakes: logged, harmless ------------------------------------

TEST_F(GpioTest, WideAccessesAreLoggedReadAllOnesAndWriteNothing)
{
    PciFunction &f = make();
    outb(f, r::kOut0_7, 0x5a);
    EXPECT_EQ(f.bar_read(r::kBar, 0, 2), 0xffffu);
    EXPECT_EQ(f.bar_read(r::kBar, 4, 4), 0xffffffffu);
    f.bar_write(r::kBar, 0, 0x0000, 2);
    f.bar_write(r::kBar, 0, 0, 8);
    EXPECT_EQ(inb(f, r::kOut0_7), 0x5a);
    ASSERT_EQ(host.errors.size(), 4u);
    EXPECT_THAT(host.errors[0], HasSubstr("one byte wide"));
}

TEST_F(GpioTest, AccessesPastTheBarAreLoggedAndHarmless)
{
    PciFunction &f = make();
    outb(f, r::kOut0_7, 0x5a);
    EXPECT_EQ(f.bar_read(r::kBar, 8, 1), 0xffu);
    f.bar_write(r::kBar, 8, 0, 1);
    f.bar_write(r::kBar, 0x1000, 0, 1);
    EXPECT_EQ(f.bar_read(0, 0, 1), 0xffu); // no BAR0
    EXPECT_EQ(inb(f, r::kOut0_7), 0x5a);
    EXPECT_EQ(host.errors.size(), 4u);
}

TEST_F(GpioTest, WritesToTheReadOnlyRegistersAreLogged)
{
    PciFunction &f = make();
    outb(f, r::kIn8_15, 0xff);
    outb(f, r::kIrqStatus, 0xff);
    ASSERT_EQ(host.errors.size(), 2u);
    // One line each, from the register file, naming the register.
    EXPECT_EQ(host.errors[0], "gpio: BAR2: IN8_15 (0x5): write of 0xff refused: read-only register");
    EXPECT_EQ(host.errors[1],
              "gpio: BAR2: IRQ_STATUS (0x6): write of 0xff refused: read-only register");
    EXPECT_EQ(inb(f, r::kIn8_15), 0u);
    EXPECT_EQ(inb(f, r::kIrqStatus), 0u);
}

// ---- Faults (gpio.cpp, section 6) ---------------------------------------

std::vector<std::string> fault_names(Device &dev)
{
    std::vector<std::string> names;
    for (const auto &e : dev.faults().entries()) {
        names.push_back(e.decl->name);
    }
    return names;
}

std::uint64_t fired(Device &dev, const char *fault)
{
    return dev.faults().entries()[*dev.faults().find(fault)].fired;
}

TEST_F(GpioTest, TheCardDeclaresItsFaultsBesideTheFrontends)
{
    make();
    EXPECT_THAT(fault_names(*dev),
                ElementsAre("stuck-input", "lost-interrupt", "drop-irq", "spurious-irq",
                            "dma-error", "surprise-removal"));
}

TEST_F(GpioTest, AStuckInputIgnoresItsOutputUntilCleared)
{
    PciFunction &f = make();
    probe(f);
    const std::vector<FaultArgText> line9_high{{"line", "9"}, {"value", "true"}};
    ASSERT_TRUE(dev->faults().inject("stuck-input", 1, 0, line9_high));
    EXPECT_EQ(inb(f, r::kIn8_15), 0x02);
    EXPECT_EQ(inb(f, r::kOut8_15), 0x00); // the output is what the driver set
    outb(f, r::kOut8_15, 0x03);
    EXPECT_EQ(inb(f, r::kIn8_15), 0x03);
    outb(f, r::kOut8_15, 0x01);
    EXPECT_EQ(inb(f, r::kIn8_15), 0x03); // input 9 stays high
    outb(f, r::kOut0_7, 0xff);
    EXPECT_EQ(inb(f, r::kIn0_7), 0xff); // the other half is untouched
    f.reset();                          // a broken wire outlives a reset
    EXPECT_EQ(inb(f, r::kIn8_15), 0x02);
    ASSERT_TRUE(dev->faults().clear("stuck-input"));
    EXPECT_EQ(inb(f, r::kIn8_15), 0x00);
    const std::vector<FaultArgText> line0_low{{"line", "0"}, {"value", "false"}};
    ASSERT_TRUE(dev->faults().inject("stuck-input", 0, 0, line0_low));
    outb(f, r::kOut0_7, 0x01);
    EXPECT_EQ(inb(f, r::kIn0_7), 0x00);
    EXPECT_EQ(inb(f, r::kOut0_7), 0x01);
    EXPECT_THAT(host.errors, IsEmpty());
}

TEST_F(GpioTest, AStuckInputChangesStateOnlyAsItSticksAndComesLoose)
{
    PciFunction &f = make();
    probe(f);
    (void)inb(f, r::kIrqCtl);
    host.intx.clear();
    const std::vector<FaultArgText> line3_high{{"line", "3"}};
    ASSERT_TRUE(dev->faults().inject("stuck-input", 1, 0, line3_high));
    // Input 3 went high as it stuck: a change of state like any other.
    EXPECT_THAT(host.intx, ElementsAre(true));
    EXPECT_EQ(inb(f, r::kIrqStatus), r::kIrqStatusPending | r::kIrqStatusLow);
    outb(f, r::kIn0_7, 0);
    outb(f, r::kOut0_7, 0x08); // its output follows what it is stuck at: no change
    outb(f, r::kOut0_7, 0x00);
    EXPECT_THAT(host.intx, ElementsAre(true, false));
    EXPECT_EQ(inb(f, r::kIrqStatus), 0u);
    ASSERT_TRUE(dev->faults().clear());
    EXPECT_THAT(host.intx, ElementsAre(true, false, true)); // it fell as it came loose
}

TEST_F(GpioTest, StuckInputRefusesALineThatIsNotAnInput)
{
    make();
    const std::vector<FaultArgText> line16{{"line", "16"}};
    Status s = dev->faults().inject("stuck-input", 1, 0, line16);
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().message, HasSubstr("takes 0 to 15, not 16"));
}

TEST_F(GpioTest, ALostInterruptLatchesNothingForItsChangesOnly)
{
    PciFunction &f = make();
    probe(f);
    (void)inb(f, r::kIrqCtl);
    host.intx.clear();
    ASSERT_TRUE(dev->faults().inject("lost-interrupt", 1, 1, {}));
    outb(f, r::kOut0_7, 0x01); // skipped: latched
    EXPECT_THAT(host.intx, ElementsAre(true));
    outb(f, r::kIn0_7, 0);
    outb(f, r::kOut0_7, 0x03); // lost
    EXPECT_EQ(inb(f, r::kIrqStatus), 0u);
    EXPECT_EQ(inb(f, r::kIn0_7), 0x03); // the inputs did change
    outb(f, r::kOut0_7, 0x07);          // count spent: latched
    EXPECT_THAT(host.intx, ElementsAre(true, false, true));
    EXPECT_EQ(fired(*dev, "lost-interrupt"), 1u);
    EXPECT_FALSE(dev->faults().any_armed());
}

TEST_F(GpioTest, LostInterruptCountsOnlyChangesThatWouldLatch)
{
    PciFunction &f = make();
    probe(f); // IRQ disabled: changes latch nothing anyway
    ASSERT_TRUE(dev->faults().inject("lost-interrupt", 1, 0, {}));
    outb(f, r::kOut0_7, 0x01);
    EXPECT_EQ(fired(*dev, "lost-interrupt"), 0u);
    (void)inb(f, r::kIrqCtl);
    outb(f, r::kOut0_7, 0x01); // no change: no event
    EXPECT_EQ(fired(*dev, "lost-interrupt"), 0u);
    outb(f, r::kOut0_7, 0x00);
    EXPECT_EQ(fired(*dev, "lost-interrupt"), 1u);
    EXPECT_EQ(inb(f, r::kIrqStatus), 0u);
}

TEST_F(GpioTest, TheCardsFaultsGoWithTheFrontend)
{
    make();
    const std::vector<FaultArgText> line1{{"line", "1"}};
    ASSERT_TRUE(dev->faults().inject("stuck-input", 1, 0, line1));
    ASSERT_TRUE(core.remove(uuid_n(1)));
    dev = nullptr;
}

} // namespace
} // namespace mdev::samples
