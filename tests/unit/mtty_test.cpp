// SPDX-License-Identifier: GPL-2.0-or-later
// The mtty parent and its vfio face, through a core with the vfio frontend:
// types and the 24-port budget, the CH352's config space, its BARs and
// INTx, loopback per port, reset, and the C entry points used for VMState.
#include "recording_host.hpp"
#include "parent_fixture.hpp"
#include "test_uuid.hpp"
#include "samples/mtty/mtty.hpp"

#include "qemu/capi.hpp"
#include "hw/mdev/core.hpp"
#include "hw/mdev/host.hpp"
#include "hw/mdev/capi/mdev.h"
#include "hw/mdev/capi/vfio-pci.h"
#include "samples/mtty/mtty_uart.hpp"
#include "trace-hw_mdev_core_regfile.hpp"
#include "trace_record.hpp"
#include "vfio/pci_function.hpp"
#include "vfio/vfio_driver.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace mdev::samples {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using vfio::PciFunction;

using test::RecordingHost;

using test::uuid_n;

class MttyTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        ASSERT_NO_FATAL_FAILURE(
            test::register_parent(core, std::make_unique<MttyParent>(), parent));
    }

    Result<Device *> create(const std::string &type, unsigned n)
    {
        return core.create({"mtty", type, uuid_n(n), "vfio", &host});
    }

    // A bound mtty of `type` and its PCI function.
    PciFunction &make(const std::string &type, unsigned n = 1)
    {
        return test::bound_function(create(type, n), dev);
    }

    const MdevType &type(const char *id) { return *parent->find_type(id); }
    unsigned avail(const char *id) { return parent->available_instances(type(id)); }

    RecordingHost host; // outlives the core
    Core core;
    MttyParent *parent = nullptr;
    Device *dev = nullptr;
};

// ---- Types and budget ----------------------------------------------------

TEST_F(MttyTest, HasTwoVfioPciTypes)
{
    ASSERT_EQ(parent->name(), "mtty");
    ASSERT_EQ(parent->types().size(), 2u);
    const MdevType &one = parent->types()[0];
    const MdevType &two = parent->types()[1];
    EXPECT_EQ(one.id, "mtty-1");
    EXPECT_EQ(one.name, "Single port serial");
    EXPECT_EQ(one.device_api, "vfio-pci");
    EXPECT_EQ(two.id, "mtty-2");
    EXPECT_EQ(two.name, "Dual port serial");
    EXPECT_EQ(two.device_api, "vfio-pci");
    EXPECT_EQ(parent->ports_of(one), 1u);
    EXPECT_EQ(parent->ports_of(two), 2u);
    EXPECT_THAT(core.classes_of("mtty"), ElementsAre(ClassId::vfio, ClassId::virtio));
}

TEST_F(MttyTest, AvailableInstancesStartAt24And12)
{
    EXPECT_EQ(avail("mtty-1"), 24u);
    EXPECT_EQ(avail("mtty-2"), 12u);
    EXPECT_EQ(parent->ports_in_use(), 0u);
}

TEST_F(MttyTest, TwelveDualPortCardsExhaustTheBudget)
{
    for (unsigned i = 0; i < 12; i++) {
        ASSERT_EQ(avail("mtty-2"), 12u - i);
        Result<Device *> r = create("mtty-2", i);
        ASSERT_TRUE(r.ok()) << i << ": " << r.error().message;
    }
    EXPECT_EQ(parent->ports_in_use(), 24u);
    EXPECT_EQ(avail("mtty-2"), 0u);
    EXPECT_EQ(avail("mtty-1"), 0u);

    Result<Device *> r = create("mtty-2", 12);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::budget_exhausted);
    EXPECT_THAT(r.error().message, HasSubstr("'mtty-2'"));
    Result<Device *> s = create("mtty-1", 12);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::budget_exhausted);
    EXPECT_EQ(core.device_count(), 12u);

    // One removed card makes room for exactly one more.
    ASSERT_TRUE(core.remove(uuid_n(5)));
    EXPECT_EQ(parent->ports_in_use(), 22u);
    EXPECT_EQ(avail("mtty-2"), 1u);
    EXPECT_EQ(avail("mtty-1"), 2u);
    ASSERT_TRUE(create("mtty-2", 12));
    EXPECT_EQ(create("mtty-2", 13).error().code, Errc::budget_exhausted);
}

TEST_F(MttyTest, MixedTypesShareTheBudget)
{
    for (unsigned i = 0; i < 11; i++) {
        ASSERT_TRUE(create("mtty-2", i));
    }
    ASSERT_TRUE(create("mtty-1", 11));
    EXPECT_EQ(parent->ports_in_use(), 23u);
    EXPECT_EQ(avail("mtty-2"), 0u);
    EXPECT_EQ(avail("mtty-1"), 1u);

    Result<Device *> r = create("mtty-2", 12);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::budget_exhausted);
    ASSERT_TRUE(create("mtty-1", 12));
    EXPECT_EQ(parent->ports_in_use(), 24u);
    EXPECT_EQ(create("mtty-1", 13).error().code, Errc::budget_exhausted);

    // Removing a single-port card frees one port: still no room for two.
    ASSERT_TRUE(core.remove(uuid_n(11)));
    EXPECT_EQ(avail("mtty-2"), 0u);
    EXPECT_EQ(create("mtty-2", 14).error().code, Errc::budget_exhausted);
    ASSERT_TRUE(core.remove(uuid_n(12)));
    EXPECT_EQ(avail("mtty-2"), 1u);
    EXPECT_TRUE(create("mtty-2", 14));
}

TEST_F(MttyTest, ParentRefusesOnItsOwnWhenTheBudgetIsGone)
{
    // The core asks available_instances() first; the parent's create() must
    // hold the line too.
    for (unsigned i = 0; i < 12; i++) {
        ASSERT_TRUE(create("mtty-2", i));
    }
    Result<std::unique_ptr<VendorState>> r =
        parent->create(CreateArgs{type("mtty-1"), *Uuid::parse(uuid_n(99)), ClassId::vfio, PropertyValues{}});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::budget_exhausted);
    EXPECT_EQ(r.error().message,
              "parent 'mtty' has 24 ports in all and 24 in use; 'mtty-1' needs 1");
    EXPECT_EQ(parent->ports_in_use(), 24u);
}

TEST_F(MttyTest, BothClassesAreRegistered)
{
    EXPECT_THAT(core.classes_of("mtty"), ElementsAre(ClassId::vfio, ClassId::virtio));
    // This core has no virtio frontend: the class is accepted, the bind
    // fails (mtty_virtio_test.cpp drives the virtio face).
    Result<Device *> r = core.create({"mtty", "mtty-1", uuid_n(1), "virtio", &host});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::no_driver);
    EXPECT_EQ(parent->ports_in_use(), 0u);
}

TEST_F(MttyTest, DeviceIsBoundToVfioPci)
{
    make("mtty-2");
    EXPECT_EQ(dev->driver(), &vfio::vfio_pci_driver());
    EXPECT_EQ(dev->vendor_state<MttyMdev>().ports(), 2u);
    EXPECT_NE(dev->ops<vfio::VfioOps>(), nullptr);
}

// ---- Config space --------------------------------------------------------

TEST_F(MttyTest, ConfigSpaceIdentifiesAWchCh352SerialCard)
{
    PciFunction &f = make("mtty-2");
    EXPECT_EQ(f.config_read(0x00, 2), 0x4348u);
    EXPECT_EQ(f.config_read(0x02, 2), 0x3253u);
    EXPECT_EQ(f.config_read(0x00, 4), 0x32534348u);
    EXPECT_EQ(f.config_read(0x06, 2), 0x0200u); // no capability list
    EXPECT_EQ(f.config_read(0x08, 1), 0x10u);   // revision
    EXPECT_EQ(f.config_read(0x09, 1), 0x02u);   // prog-if 16550
    EXPECT_EQ(f.config_read(0x0a, 1), 0x00u);   // subclass serial
    EXPECT_EQ(f.config_read(0x0b, 1), 0x07u);   // class communication
    EXPECT_EQ(f.config_read(0x08, 4) >> 8, 0x070002u);
    EXPECT_EQ(f.config_read(0x0e, 1), 0x00u);   // header type 0
    EXPECT_EQ(f.config_read(0x2c, 2), 0x4348u);
    EXPECT_EQ(f.config_read(0x2e, 2), 0x3253u);
    EXPECT_EQ(f.config_read(0x34, 1), 0x00u);   // no capabilities
    EXPECT_EQ(f.config_read(0x3d, 1), 0x01u);   // INTA#
    EXPECT_EQ(f.config_read(0xfc, 4), 0x00000000u);
    EXPECT_THAT(host.errors, IsEmpty());
}

TEST_F(MttyTest, DualPortCardHasTwoIoBars)
{
    PciFunction &f = make("mtty-2");
    EXPECT_EQ(f.config_read(0x10, 4), 0x00000001u);
    EXPECT_EQ(f.config_read(0x14, 4), 0x00000001u);
    for (std::uint32_t off = 0x18; off <= 0x24; off += 4) {
        EXPECT_EQ(f.config_read(off, 4), 0u) << std::hex << off;
    }
}

TEST_F(MttyTest, SinglePortCardHasOneIoBar)
{
    PciFunction &f = make("mtty-1");
    EXPECT_EQ(f.config_read(0x10, 4), 0x00000001u);
    EXPECT_EQ(f.config_read(0x14, 4), 0x00000000u);
}

TEST_F(MttyTest, BarSizingReadsBackTheEightByteIoSize)
{
    PciFunction &f = make("mtty-2");
    f.config_write(0x10, 0xffffffff, 4);
    EXPECT_EQ(f.config_read(0x10, 4), 0xfffffff9u);
    f.config_write(0x14, 0xffffffff, 4);
    EXPECT_EQ(f.config_read(0x14, 4), 0xfffffff9u);
    // An address is kept without its low bits; bit 0 still says I/O.
    f.config_write(0x10, 0x0000c000, 4);
    EXPECT_EQ(f.config_read(0x10, 4), 0x0000c001u);
    f.config_write(0x14, 0x0000c00e, 4);
    EXPECT_EQ(f.config_read(0x14, 4), 0x0000c009u);
    // Byte-wise programming works too.
    f.config_write(0x11, 0xd0, 1);
    EXPECT_EQ(f.config_read(0x10, 4), 0x0000d001u);
}

TEST_F(MttyTest, UnimplementedBarsStayZero)
{
    PciFunction &f = make("mtty-1");
    for (std::uint32_t off = 0x14; off <= 0x24; off += 4) {
        f.config_write(off, 0xffffffff, 4);
        EXPECT_EQ(f.config_read(off, 4), 0u) << std::hex << off;
    }
    // And the implemented one is not disturbed.
    EXPECT_EQ(f.config_read(0x10, 4), 0x00000001u);
}

TEST_F(MttyTest, IdentityRegistersAreReadOnly)
{
    PciFunction &f = make("mtty-2");
    f.config_write(0x00, 0xdeadbeef, 4);
    f.config_write(0x08, 0xffffffff, 4);
    f.config_write(0x2c, 0x12345678, 4);
    f.config_write(0x3d, 0x04, 1);
    f.config_write(0x06, 0xffff, 2);
    f.config_write(0x34, 0x40, 1);
    EXPECT_EQ(f.config_read(0x00, 4), 0x32534348u);
    EXPECT_EQ(f.config_read(0x08, 4), 0x07000210u);
    EXPECT_EQ(f.config_read(0x2c, 4), 0x32534348u);
    EXPECT_EQ(f.config_read(0x3d, 1), 0x01u);
    EXPECT_EQ(f.config_read(0x06, 2), 0x0200u);
    EXPECT_EQ(f.config_read(0x34, 1), 0x00u);
}

TEST_F(MttyTest, InterruptLineAndCommandAreWritable)
{
    PciFunction &f = make("mtty-1");
    f.config_write(0x3c, 0x0a, 1);
    EXPECT_EQ(f.config_read(0x3c, 1), 0x0au);
    f.config_write(0x04, 0x0001, 2);
    EXPECT_EQ(f.config_read(0x04, 1), 0x01u);
}

TEST_F(MttyTest, ResyncAfterALoadRebuildsReadOnlyConfigAndKeepsTheGuestsBytes)
{
    PciFunction &f = make("mtty-2");
    f.config_write(0x10, 0x0000c000, 4);
    f.config_write(0x14, 0x0000c008, 4);
    f.config_write(0x3c, 0x0b, 1);
    MttyDeviceState &s = dev->vendor_state<MttyMdev>().state();
    for (std::size_t i = 0; i < sizeof(s.config); i++) {
        // What a hostile or corrupt stream could hold: the guest's bytes
        // stay below, every read-only bit is flipped.
        s.config[i] = static_cast<std::uint8_t>(~s.config[i]);
    }
    EXPECT_TRUE(dev->vendor_state<MttyMdev>().resync());
    EXPECT_EQ(f.config_read(0x00, 4), 0x32534348u);
    EXPECT_EQ(f.config_read(0x06, 2), 0x0200u);
    EXPECT_EQ(f.config_read(0x08, 4), 0x07000210u);
    EXPECT_EQ(f.config_read(0x10, 4), 0xffff3ff9u); // flipped address bits, I/O bit set
    EXPECT_EQ(f.config_read(0x14, 4), 0xffff3ff1u);
    EXPECT_EQ(f.config_read(0x18, 4), 0u);
    EXPECT_EQ(f.config_read(0x3c, 2), 0x01f4u);     // line as loaded, pin INTA#
    EXPECT_EQ(f.config_read(0xfc, 4), 0u);
}

// ---- Regions and interrupts ----------------------------------------------

TEST_F(MttyTest, RegionsOfADualPortCard)
{
    PciFunction &f = make("mtty-2");
    // What a VFIO user is told, derived by the frontend from the card's description.
    const vfio::PciConfig &ops = f.pci_config();
    vfio::DeviceInfo info = ops.device_info();
    EXPECT_EQ(info.flags, VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET);
    EXPECT_EQ(info.num_regions, 9u);
    EXPECT_EQ(info.num_irqs, 5u);

    constexpr std::uint32_t io_rw =
        VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE | vfio::kRegionBarIo;
    for (std::uint32_t bar : {0u, 1u}) {
        std::optional<vfio::RegionInfo> r = ops.region_info(bar);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->flags, io_rw);
        EXPECT_EQ(r->size, 8u);
        EXPECT_EQ(f.bar(bar).size, 8u);
        EXPECT_TRUE(f.bar(bar).io);
        EXPECT_TRUE(f.bar(bar).readable);
        EXPECT_TRUE(f.bar(bar).writable);
        EXPECT_FALSE(f.bar(bar).mmap);
    }
    for (std::uint32_t idx : {2u, 3u, 4u, 5u, 6u, 8u}) {
        std::optional<vfio::RegionInfo> r = ops.region_info(idx);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->size, 0u) << idx;
    }
    std::optional<vfio::RegionInfo> cfg = ops.region_info(VFIO_PCI_CONFIG_REGION_INDEX);
    ASSERT_TRUE(cfg);
    EXPECT_EQ(cfg->size, 256u);
    EXPECT_EQ(cfg->flags, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE);
    EXPECT_FALSE(ops.region_info(9));
}

TEST_F(MttyTest, SinglePortCardHasNoBar1)
{
    PciFunction &f = make("mtty-1");
    const vfio::PciConfig &ops = f.pci_config();
    EXPECT_EQ(ops.region_info(0)->size, 8u);
    EXPECT_EQ(ops.region_info(1)->size, 0u);
    EXPECT_EQ(f.bar(0).size, 8u);
    EXPECT_EQ(f.bar(1).size, 0u);
    EXPECT_EQ(f.bar_read(1, 0, 1), 0xffu);
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_THAT(host.errors[0], HasSubstr("BAR1, which does not exist"));
}

TEST_F(MttyTest, IntxOnlyNoMsi)
{
    PciFunction &f = make("mtty-2");
    const vfio::PciConfig &ops = f.pci_config();
    EXPECT_EQ(ops.irq_info(VFIO_PCI_INTX_IRQ_INDEX)->count, 1u);
    EXPECT_EQ(ops.irq_info(VFIO_PCI_MSI_IRQ_INDEX)->count, 0u);
    EXPECT_EQ(ops.irq_info(VFIO_PCI_MSIX_IRQ_INDEX)->count, 0u);
    EXPECT_FALSE(ops.irq_info(5));
    EXPECT_TRUE(f.has_intx());
    EXPECT_EQ(f.msi().offset, 0);
    EXPECT_EQ(f.msi().vectors, 0u);
    f.set_msi_enabled(true); // nothing to enable
    EXPECT_THAT(host.msi, IsEmpty());
}

// ---- UART ports through the BARs -----------------------------------------

TEST_F(MttyTest, EachPortLoopsBackIntoItself)
{
    PciFunction &f = make("mtty-2");
    // FIFO mode so that a port holds more than one byte.
    f.bar_write(0, UART_FCR, UART_FCR_ENABLE_FIFO, 1);
    f.bar_write(1, UART_FCR, UART_FCR_ENABLE_FIFO, 1);

    f.bar_write(0, UART_TX, 'A', 1);
    EXPECT_EQ(f.bar_read(0, UART_LSR, 1), 0x61u); // DR | THRE | TEMT
    EXPECT_EQ(f.bar_read(1, UART_LSR, 1), 0x60u); // nothing crossed

    f.bar_write(1, UART_TX, 'x', 1);
    f.bar_write(1, UART_TX, 'y', 1);
    f.bar_write(0, UART_TX, 'B', 1);

    EXPECT_EQ(f.bar_read(1, UART_RX, 1), std::uint64_t('x'));
    EXPECT_EQ(f.bar_read(0, UART_RX, 1), std::uint64_t('A'));
    EXPECT_EQ(f.bar_read(0, UART_RX, 1), std::uint64_t('B'));
    EXPECT_EQ(f.bar_read(0, UART_LSR, 1), 0x60u);
    EXPECT_EQ(f.bar_read(1, UART_RX, 1), std::uint64_t('y'));
    EXPECT_EQ(f.bar_read(1, UART_LSR, 1), 0x60u);
    EXPECT_THAT(host.errors, IsEmpty());
}

TEST_F(MttyTest, PortRegistersAreIndependent)
{
    PciFunction &f = make("mtty-2");
    f.bar_write(0, UART_SCR, 0x5a, 1);
    f.bar_write(1, UART_SCR, 0xa5, 1);
    f.bar_write(1, UART_LCR, 0x03, 1);
    EXPECT_EQ(f.bar_read(0, UART_SCR, 1), 0x5au);
    EXPECT_EQ(f.bar_read(1, UART_SCR, 1), 0xa5u);
    EXPECT_EQ(f.bar_read(0, UART_LCR, 1), 0x00u);
    EXPECT_EQ(f.bar_read(1, UART_LCR, 1), 0x03u);
}

// The register file's trace events: a register by the datasheet's name,
// which DLAB and the direction pick at offsets 0, 1 and 2, the port by
// "<uuid> port N"; one line per access, nothing recorded while the events
// are off.
TEST_F(MttyTest, TraceEventsNameTheRegisters)
{
    PciFunction &f = make("mtty-2");
    trace_record::take();
    f.bar_write(1, UART_SCR, 0x11, 1);
    EXPECT_THAT(trace_record::take(), IsEmpty());

    _TRACE_MDEV_REG_READ_DSTATE = _TRACE_MDEV_REG_WRITE_DSTATE = 1;
    f.bar_write(1, UART_LCR, UART_LCR_DLAB | UART_LCR_WLEN8, 1);
    f.bar_write(1, UART_DLL, 0x0c, 1);
    f.bar_write(1, UART_DLM, 0x00, 1);
    f.bar_write(1, UART_LCR, UART_LCR_WLEN8, 1);
    f.bar_write(1, UART_FCR, UART_FCR_ENABLE_FIFO, 1); // (enabling clears the FIFOs)
    f.bar_write(1, UART_TX, 'A', 1);
    f.bar_read(1, UART_IIR, 1);
    f.bar_read(1, UART_RX, 1);
    f.bar_write(1, UART_LSR, 0, 1); // refused (and logged)
    _TRACE_MDEV_REG_READ_DSTATE = _TRACE_MDEV_REG_WRITE_DSTATE = 0;

    const std::vector<std::string> got = trace_record::take();
    const std::string u = uuid_n(1) + " port 1 mtty: UART ";
    EXPECT_THAT(got, ElementsAre("mdev_reg_write: " + u + "LCR (0x3/1) <- 0x83",
                                 "mdev_reg_write: " + u + "DLL (0x0/1) <- 0xc",
                                 "mdev_reg_write: " + u + "DLM (0x1/1) <- 0x0",
                                 "mdev_reg_write: " + u + "LCR (0x3/1) <- 0x3",
                                 "mdev_reg_write: " + u + "FCR (0x2/1) <- 0x1",
                                 "mdev_reg_write: " + u + "THR (0x0/1) <- 0x41",
                                 "mdev_reg_read: " + u + "IIR (0x2/1) -> 0xc1",
                                 "mdev_reg_read: " + u + "RBR (0x0/1) -> 0x41",
                                 "mdev_reg_write: " + u + "LSR (0x5/1) <- 0x0 (refused)"));
}

// Writes a 16550A ignores (LSR: factory test only; MSR: its bits are
// inputs and read-to-clear deltas) change nothing, and are logged once
// each, by register name, as a driver for another part would make them.
TEST_F(MttyTest, WritesOfLsrAndMsrAreIgnoredAndLogged)
{
    PciFunction &f = make("mtty-1");
    const auto lsr = f.bar_read(0, UART_LSR, 1);
    const auto msr = f.bar_read(0, UART_MSR, 1);
    f.bar_write(0, UART_LSR, 0xff, 1);
    f.bar_write(0, UART_MSR, 0xff, 1);
    EXPECT_EQ(f.bar_read(0, UART_LSR, 1), lsr);
    EXPECT_EQ(f.bar_read(0, UART_MSR, 1), msr);
    ASSERT_EQ(host.errors.size(), 2u);
    EXPECT_EQ(host.errors[0], "mtty: UART: LSR (0x5): write of 0xff refused: read-only register");
    EXPECT_EQ(host.errors[1], "mtty: UART: MSR (0x6): write of 0xff refused: read-only register");
}

// The UART's registers are one byte wide; a wider access behaves as on
// QEMU's own 16550 (pci-serial): one byte access per register, low address
// first, each with its side effects.
TEST_F(MttyTest, WideAccessIsOneByteAccessPerRegisterAsOnPciSerial)
{
    PciFunction &f = make("mtty-2");
    ASSERT_NE(f.bar_accessor(0), nullptr);
    ASSERT_NE(f.bar_accessor(1), nullptr);
    EXPECT_EQ(f.bar_accessor(0)->max_size, 1u);
    f.bar_write(0, UART_TX, 0x4142, 2); // 'B' sent, IER = 0x41 & 0x0f
    EXPECT_EQ(f.bar_read(0, UART_IER, 1), 0x01u);
    EXPECT_EQ(f.bar_read(0, UART_LSR, 1), 0x61u); // 'B' came back
    // RBR pops 'B', then IER.
    EXPECT_EQ(f.bar_read(0, UART_RX, 2), 0x0142u);
    EXPECT_EQ(f.bar_read(0, UART_LSR, 1), 0x60u);
    f.bar_write(1, UART_SCR, 0x5a, 1);
    f.bar_write(1, UART_MCR, 0x03, 1);
    // MCR, LSR, MSR (DCD, DSR, CTS and their deltas), SCR.
    EXPECT_EQ(f.bar_read(1, UART_MCR, 4), 0x5abb6003u);
    EXPECT_THAT(host.errors, IsEmpty());
    // Past the eight registers: a guest error, nothing read.
    EXPECT_EQ(f.bar_read(1, UART_SCR, 2), 0xffffu);
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_THAT(host.errors[0], HasSubstr("BAR1: 2-byte read at offset 0x7 is past the end"));
}

// The pin is recomputed only after accesses that change what it depends
// on: each read side effect that clears an interrupt must still lower it.
TEST_F(MttyTest, EachReadSideEffectThatClearsAnInterruptLowersThePin)
{
    PciFunction &f = make("mtty-1");
    auto pin = [&] { return !host.intx.empty() && host.intx.back(); };

    // Overrun (16450 mode: a second byte before the first is read): LSR clears it.
    f.bar_write(0, UART_IER, UART_IER_RLSI, 1);
    f.bar_write(0, UART_TX, 'a', 1);
    f.bar_write(0, UART_TX, 'b', 1);
    EXPECT_TRUE(pin());
    f.bar_write(0, UART_SCR, 1, 1); // no side effect: still up
    EXPECT_EQ(f.bar_read(0, UART_LCR, 1), 0u);
    EXPECT_TRUE(pin());
    EXPECT_EQ(f.bar_read(0, UART_LSR, 1), 0x63u);
    EXPECT_FALSE(pin());
    EXPECT_EQ(f.bar_read(0, UART_RX, 1), std::uint64_t('b'));

    // Modem status deltas: MSR clears them.
    f.bar_write(0, UART_IER, UART_IER_MSI, 1);
    f.bar_write(0, UART_MCR, UART_MCR_RTS, 1);
    EXPECT_TRUE(pin());
    EXPECT_EQ(f.bar_read(0, UART_LSR, 1), 0x60u);
    EXPECT_TRUE(pin());
    f.bar_read(0, UART_MSR, 1);
    EXPECT_FALSE(pin());

    // THRE: reading IIR while it names THRE acknowledges it.
    f.bar_write(0, UART_IER, UART_IER_THRI, 1);
    EXPECT_TRUE(pin());
    EXPECT_EQ(f.bar_read(0, UART_IIR, 1), std::uint64_t(UART_IIR_THRI));
    EXPECT_FALSE(pin());

    // Received data: reading RBR empties the FIFO.
    f.bar_write(0, UART_IER, UART_IER_RDI, 1);
    f.bar_write(0, UART_TX, 'c', 1);
    EXPECT_TRUE(pin());
    EXPECT_EQ(f.bar_read(0, UART_RX, 1), std::uint64_t('c'));
    EXPECT_FALSE(pin());
    EXPECT_THAT(host.errors, IsEmpty());
}

TEST_F(MttyTest, ReceivedDataRaisesAndLowersIntx)
{
    PciFunction &f = make("mtty-2");
    // Binding told the host where the pin is.
    EXPECT_THAT(host.intx, ElementsAre(false));

    f.bar_write(0, UART_IER, UART_IER_RDI, 1);
    EXPECT_THAT(host.intx, ElementsAre(false));
    f.bar_write(0, UART_TX, 0x33, 1);
    EXPECT_THAT(host.intx, ElementsAre(false, true));
    EXPECT_EQ(f.bar_read(0, UART_IIR, 1), 0x04u);
    EXPECT_EQ(f.bar_read(0, UART_RX, 1), 0x33u);
    EXPECT_THAT(host.intx, ElementsAre(false, true, false));
}

TEST_F(MttyTest, IntxIsTheOrOfBothPorts)
{
    PciFunction &f = make("mtty-2");
    host.intx.clear();
    f.bar_write(0, UART_IER, UART_IER_RDI, 1);
    f.bar_write(1, UART_IER, UART_IER_RDI, 1);
    f.bar_write(0, UART_TX, 1, 1);
    f.bar_write(1, UART_TX, 2, 1);
    EXPECT_THAT(host.intx, ElementsAre(true));
    f.bar_read(0, UART_RX, 1);
    EXPECT_THAT(host.intx, ElementsAre(true)); // port 1 still pending
    f.bar_read(1, UART_RX, 1);
    EXPECT_THAT(host.intx, ElementsAre(true, false));
}

TEST_F(MttyTest, ResetReturnsToPowerOnAndLowersIntx)
{
    PciFunction &f = make("mtty-2");
    f.bar_write(1, UART_FCR, UART_FCR_ENABLE_FIFO, 1);
    f.bar_write(1, UART_IER, UART_IER_RDI, 1);
    f.bar_write(1, UART_SCR, 0x77, 1);
    f.bar_write(1, UART_TX, 0x44, 1);
    f.bar_write(0, UART_LCR, 0x83, 1);
    f.config_write(0x10, 0xffffffff, 4);
    f.config_write(0x3c, 0x0b, 1);
    ASSERT_EQ(host.intx.back(), true);

    f.reset();

    EXPECT_EQ(host.intx.back(), false);
    for (unsigned port : {0u, 1u}) {
        SCOPED_TRACE(port);
        EXPECT_EQ(f.bar_read(port, UART_LSR, 1), 0x60u);
        EXPECT_EQ(f.bar_read(port, UART_IER, 1), 0x00u);
        EXPECT_EQ(f.bar_read(port, UART_IIR, 1), 0x01u);
        EXPECT_EQ(f.bar_read(port, UART_LCR, 1), 0x00u);
        EXPECT_EQ(f.bar_read(port, UART_SCR, 1), 0x00u);
    }
    EXPECT_EQ(f.config_read(0x10, 4), 0x00000001u);
    EXPECT_EQ(f.config_read(0x3c, 1), 0x00u);
    EXPECT_EQ(f.config_read(0x00, 4), 0x32534348u);

    // Still wired after the reset.
    f.bar_write(0, UART_IER, UART_IER_RDI, 1);
    f.bar_write(0, UART_TX, 1, 1);
    EXPECT_EQ(host.intx.back(), true);
}

TEST_F(MttyTest, RemovingTheDeviceDisconnectsItsInterrupt)
{
    PciFunction &f = make("mtty-1");
    f.bar_write(0, UART_IER, UART_IER_RDI, 1);
    f.bar_write(0, UART_TX, 1, 1);
    std::size_t before = host.intx.size();
    ASSERT_TRUE(core.remove(uuid_n(1)));
    EXPECT_EQ(host.intx.size(), before);
    EXPECT_EQ(parent->ports_in_use(), 0u);
}

// ---- C entry points (process-wide core) ----------------------------------

struct CHostLog {
    std::vector<std::string> errors;
    std::vector<bool> intx;
};

extern "C" void c_guest_error(void *opaque, const char *message)
{
    static_cast<CHostLog *>(opaque)->errors.emplace_back(message);
}
extern "C" void c_set_intx(void *opaque, bool asserted)
{
    static_cast<CHostLog *>(opaque)->intx.push_back(asserted);
}
extern "C" void c_notify_msi(void *, uint32_t) {}

TEST(MttyCApiTest, VmStateHelpersAndCreateThroughTheGlobalCore)
{
    const MdevHostOps ops{c_guest_error, c_set_intx, c_notify_msi, nullptr, nullptr,
                          nullptr,       nullptr,    nullptr,      nullptr, nullptr};
    CHostLog log;
    const std::string u1 = "c0ffee00-0000-4000-8000-0000000000a1";
    const std::string u2 = "c0ffee00-0000-4000-8000-0000000000a2";

    // The global core registers every declared parent on first use.
    const MdevParentInfo *info = nullptr;
    for (size_t i = 0; const MdevParentInfo *p = mdev_parent_info(i); i++) {
        if (std::string_view(p->name) == "mtty") {
            info = p;
        }
    }
    ASSERT_NE(info, nullptr);
    EXPECT_STREQ(info->classes, "vfio, virtio");
    EXPECT_EQ(info->default_class, nullptr); // two classes: the user chooses
    EXPECT_STREQ(info->default_type, "mtty-2");
    EXPECT_THAT(info->type_help, HasSubstr("mtty-1 (Single port serial) or mtty-2 (Dual port "
                                           "serial); default mtty-2. The default parent has 24 ports"));
    ASSERT_EQ(info->nstate, 2u);
    const unsigned start = mdev_available_instances("mtty", "mtty-2");
    EXPECT_EQ(start, 12u);
    EXPECT_EQ(mdev_available_instances("mtty", "mtty-3"), 0u);
    EXPECT_EQ(mdev_available_instances("nope", "mtty-2"), 0u);

    MdevError err{};
    MdevHandle *h = mdev_create("mtty", "mtty-2", u1.c_str(), "vfio", nullptr, 0, &ops, &log, &err);
    ASSERT_NE(h, nullptr) << err.message;
    EXPECT_EQ(err.code, MDEV_OK);
    EXPECT_STREQ(mdev_uuid(h), u1.c_str());
    EXPECT_STREQ(mdev_type_id(h), "mtty-2");
    EXPECT_STREQ(mdev_parent_name(h), "mtty");
    EXPECT_STREQ(mdev_driver_name(h), "vfio-pci");
    EXPECT_EQ(mdev_class(h), MDEV_CLASS_VFIO);
    EXPECT_EQ(mdev_available_instances("mtty", "mtty-2"), start - 1);
    EXPECT_EQ(mdev_vfio_config_read(h, 0, 4), 0x32534348u);

    // Refusals carry their code.
    MdevError dup{};
    EXPECT_EQ(mdev_create("mtty", "mtty-1", u1.c_str(), "vfio", nullptr, 0, &ops, &log, &dup), nullptr);
    EXPECT_EQ(dup.code, MDEV_ERR_DUPLICATE_UUID);
    EXPECT_THAT(dup.message, HasSubstr(u1));
    MdevError bad{};
    EXPECT_EQ(mdev_create("mtty", "mtty-9", u2.c_str(), "vfio", nullptr, 0, &ops, &log, &bad), nullptr);
    EXPECT_EQ(bad.code, MDEV_ERR_UNKNOWN_TYPE);

    // The glue connects interrupts once the function's pin is set up.
    mdev_vfio_connect_irqs(h);

    // VMState: a loaded state is checked, and the pin follows it.
    auto *s = static_cast<MttyDeviceState *>(mdev_migration_data(h, info->state[0]));
    ASSERT_NE(s, nullptr);
    // The virtio face's state is not part of a vfio-class mdev's.
    EXPECT_EQ(mdev_migration_data(h, info->state[1]), nullptr);
    EXPECT_EQ(s->config[0], 0x48);
    s->port[0].rx_count = 17; // more than the FIFO holds
    EXPECT_FALSE(mdev_post_load(h));
    s->port[0].fcr = 0;
    s->port[0].rx_count = 2; // more than the 16450 holding register
    EXPECT_FALSE(mdev_post_load(h));
    s->port[0].rx_count = 0;
    s->port[1].rx_head = 16;
    EXPECT_FALSE(mdev_post_load(h));
    s->port[1].rx_head = 0;
    log.intx.clear();
    EXPECT_TRUE(mdev_post_load(h));
    EXPECT_THAT(log.intx, ElementsAre(false));

    // A loaded state with a byte waiting and ERBFI set asserts the pin.
    s->port[1].fcr = UART_FCR_ENABLE_FIFO;
    s->port[1].rx_fifo[3] = 0x99;
    s->port[1].rx_head = 3;
    s->port[1].rx_count = 1;
    s->port[1].ier = UART_IER_RDI;
    EXPECT_TRUE(mdev_post_load(h));
    EXPECT_THAT(log.intx, ElementsAre(false, true));
    EXPECT_EQ(mdev_vfio_bar_read(h, 1, UART_RX, 1), 0x99u);
    EXPECT_THAT(log.intx, ElementsAre(false, true, false));

    // Through the vfio C interface, with guest errors reaching the glue.
    mdev_vfio_bar_write(h, 0, 8, 0x1234, 2);
    ASSERT_EQ(log.errors.size(), 1u);
    EXPECT_THAT(log.errors[0], HasSubstr("past the end"));
    // BAR0's direct handlers, as the glue gets them: the register file.
    MdevVfioBarAccessor acc{};
    ASSERT_TRUE(mdev_vfio_bar_accessor(h, 0, &acc));
    EXPECT_EQ(acc.min_size, 1u);
    EXPECT_EQ(acc.max_size, 1u);
    EXPECT_TRUE(acc.unaligned);
    acc.write(acc.opaque, UART_SCR, 0x77, 1);
    EXPECT_EQ(mdev_vfio_bar_read(h, 0, UART_SCR, 1), 0x77u);
    EXPECT_EQ(acc.read(acc.opaque, UART_LSR, 1), 0x60u);
    EXPECT_FALSE(mdev_vfio_bar_accessor(h, 2, &acc));
    EXPECT_EQ(acc.read, nullptr);
    MdevVfioBar bar{};
    mdev_vfio_bar(h, 1, &bar);
    EXPECT_EQ(bar.size, 8u);
    EXPECT_TRUE(bar.io);
    EXPECT_TRUE(mdev_vfio_has_intx(h));
    MdevVfioMsi msi{};
    mdev_vfio_msi(h, &msi);
    EXPECT_EQ(msi.offset, 0);

    mdev_destroy(h);
    EXPECT_EQ(mdev_available_instances("mtty", "mtty-2"), start);
    EXPECT_EQ(mdev::capi::global_core().find_device(u1), nullptr);
}

} // namespace
} // namespace mdev::samples
