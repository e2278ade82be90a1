// SPDX-License-Identifier: GPL-2.0-or-later
// The vfio frontend's interrupt modes and DMA, through a core with the
// epf-test parent (Linux's PCI endpoint test function: raises the vector
// its registers name and runs DMA when told):
// MSI-X table, PBA, per-vector and function masks, switching between INTx,
// MSI and MSI-X, vector counts 1 and 2048, hostile table accesses, the
// state a migration loads, and the checked DMA call.
#include "samples/epf-test/epf_test.hpp"

#include "hw/mdev/core.hpp"
#include "hw/mdev/host.hpp"
#include "vfio/pci_function.hpp"
#include "vfio/vfio_driver.hpp"
#include "parent_fixture.hpp"
#include "guest_ram.hpp"
#include "test_uuid.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <linux/pci_regs.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mdev::samples {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using vfio::PciFunction;
namespace r = epf;

constexpr std::uint64_t kRamBase = 0x10000;

struct Message {
    std::uint64_t address;
    std::uint32_t data;
    friend bool operator==(const Message &, const Message &) = default;
};

std::ostream &operator<<(std::ostream &os, const Message &m)
{
    return os << "{0x" << std::hex << m.address << ", 0x" << m.data << std::dec << "}";
}

// Records what reaches the machine; guest RAM is a byte array at kRamBase.
class MachineHost final : public Host {
public:
    void guest_error(std::string_view m) override { errors.emplace_back(m); }
    void set_intx(bool a) override { intx.push_back(a); }
    void notify_msi(std::uint32_t v) override { msi.push_back(v); }
    void send_msi(std::uint64_t address, std::uint32_t data) override
    {
        messages.push_back({address, data});
        if (on_message) {
            on_message();
        }
    }
    bool bus_master() override { return bme; }
    bool dma_read(std::uint64_t addr, std::span<std::uint8_t> out) override
    {
        return mdev::test::ram_read(ram, kRamBase, addr, out);
    }
    bool dma_write(std::uint64_t addr, std::span<const std::uint8_t> in) override
    {
        return mdev::test::ram_write(ram, kRamBase, addr, in);
    }

    std::vector<std::string> errors;
    std::vector<bool> intx;
    std::vector<std::uint32_t> msi;
    std::vector<Message> messages;
    std::function<void()> on_message;
    bool bme = true;
    std::vector<std::uint8_t> ram = std::vector<std::uint8_t>(4096, 0);
};

using test::uuid_n;

class MsixTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        EpfTestParent *parent = nullptr;
        ASSERT_NO_FATAL_FAILURE(
            test::register_parent(core, std::make_unique<EpfTestParent>(), parent));
    }

    PciFunction &make(std::uint32_t msi, std::uint32_t msix, unsigned n = 1)
    {
        CreateRequest req{"epf-test", "epf-test", uuid_n(n), "vfio", &host};
        req.properties.set("msi-vectors", std::to_string(msi));
        req.properties.set("msix-vectors", std::to_string(msix));
        PciFunction &f = test::bound_function(core.create(std::move(req)), dev);
        fn = &f;
        return f;
    }

    std::uint32_t reg(std::uint64_t offset) { return std::uint32_t(fn->bar_read(0, offset, 4)); }
    void set_reg(std::uint64_t offset, std::uint32_t v) { fn->bar_write(0, offset, v, 4); }
    // The endpoint's raise commands, as pci_endpoint_test issues them
    // (vector numbers are 1-based there; `vector` here is 0-based).
    void command(std::uint32_t type, std::uint32_t number, std::uint32_t cmd)
    {
        set_reg(r::PCI_ENDPOINT_TEST_IRQ_TYPE, type);
        set_reg(r::PCI_ENDPOINT_TEST_IRQ_NUMBER, number);
        set_reg(r::PCI_ENDPOINT_TEST_COMMAND, cmd);
    }
    void raise(std::uint32_t vector) { command(r::IRQ_TYPE_MSIX, vector + 1, r::COMMAND_RAISE_MSIX_IRQ); }
    void raise_msi(std::uint32_t vector) { command(r::IRQ_TYPE_MSI, vector + 1, r::COMMAND_RAISE_MSI_IRQ); }
    void raise_intx() { command(r::IRQ_TYPE_LEGACY, 0, r::COMMAND_RAISE_LEGACY_IRQ); }
    // The host driver's handler: STATUS written back without IRQ_RAISED.
    void ack() { set_reg(r::PCI_ENDPOINT_TEST_STATUS, reg(r::PCI_ENDPOINT_TEST_STATUS) & ~r::STATUS_IRQ_RAISED); }
    std::uint32_t index() { return fn->irq_index(); }
    std::uint64_t pba_offset() { return fn->msix()->layout().pba_offset; }
    // The MSI-X table in BAR0: right after the registers, as pci-epf-test
    // lays it out, for every vector count.
    std::uint64_t table() { return fn->msix()->layout().table_offset; }

    std::uint8_t cap() { return fn->msix()->layout().cap; }
    std::uint16_t control() { return std::uint16_t(fn->config_read(cap() + PCI_MSIX_FLAGS, 2)); }
    void set_control(std::uint16_t bits) { fn->config_write(cap() + PCI_MSIX_FLAGS, bits, 2); }

    // Entry `v` of the table in BAR2, as a driver programs it.
    void program(std::uint32_t v, std::uint64_t address, std::uint32_t data, bool masked)
    {
        const std::uint64_t e = v * PCI_MSIX_ENTRY_SIZE;
        fn->bar_write(0, table() + e + PCI_MSIX_ENTRY_LOWER_ADDR, address, 8); // QWORD
        fn->bar_write(0, table() + e + PCI_MSIX_ENTRY_DATA, data, 4);
        fn->bar_write(0, table() + e + PCI_MSIX_ENTRY_VECTOR_CTRL, masked ? 1 : 0, 4);
    }
    void mask(std::uint32_t v, bool masked)
    {
        fn->bar_write(0, table() + v * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL,
                      masked ? 1 : 0, 4);
    }
    std::uint64_t pba_qword(std::uint32_t q) { return fn->bar_read(0, pba_offset() + 8 * q, 8); }

    MachineHost host; // outlives the core
    Core core;
    Device *dev = nullptr;
    PciFunction *fn = nullptr;
};

constexpr std::uint64_t kAddr = 0xfee00000;

// ---- Discovery -------------------------------------------------------------

TEST_F(MsixTest, LayoutComesFromTheCapabilityAndBars)
{
    PciFunction &f = make(0, 8);
    ASSERT_NE(f.msix(), nullptr);
    const vfio::MsixLayout &l = f.msix()->layout();
    EXPECT_EQ(l.vectors, 8u);
    EXPECT_EQ(l.table_bar, 0u);
    EXPECT_EQ(l.table_offset, r::kRegSize);
    EXPECT_EQ(l.pba_bar, 0u);
    EXPECT_EQ(l.pba_offset, r::kRegSize + 8 * PCI_MSIX_ENTRY_SIZE);
    EXPECT_EQ(f.bar(0).size, 512u); // 0x80 + 128 + 8 bytes, to a power of two
    EXPECT_EQ(control(), 7u); // table size N-1, disabled, unmasked
    EXPECT_EQ(f.config_read(cap() + PCI_MSIX_TABLE, 4), r::kRegSize); // BIR 0
    EXPECT_EQ(f.config_read(cap() + PCI_MSIX_PBA, 4), r::kRegSize + 8 * PCI_MSIX_ENTRY_SIZE);
    EXPECT_EQ(index(), VFIO_PCI_INTX_IRQ_INDEX);
    // Every vector starts masked (PCI 3.0 6.8.2.9), nothing pending.
    for (std::uint32_t v = 0; v < 8; v++) {
        EXPECT_TRUE(f.msix()->vector_masked(v));
        EXPECT_EQ(f.bar_read(0, table() + v * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4), 1u);
    }
    EXPECT_EQ(pba_qword(0), 0u);
}

TEST_F(MsixTest, NoMsixWithoutTheProperty)
{
    PciFunction &f = make(0, 0);
    EXPECT_EQ(f.msix(), nullptr);
    EXPECT_EQ(f.bar(0).size, 128u); // the registers alone
}

// ---- Masks and pending bits ---------------------------------------------------

TEST_F(MsixTest, EnableRoutesTheDeviceToMsixAndReleasesIntx)
{
    make(0, 4);
    raise_intx(); // INTx asserted
    EXPECT_THAT(host.intx, ElementsAre(false, true));
    set_control(PCI_MSIX_FLAGS_ENABLE);
    EXPECT_EQ(index(), VFIO_PCI_MSIX_IRQ_INDEX);
    EXPECT_EQ(host.intx.back(), false);
    EXPECT_EQ(control() & PCI_MSIX_FLAGS_ENABLE, PCI_MSIX_FLAGS_ENABLE);
    program(2, kAddr | 0x1000, 0x4242, false);
    raise(2);
    EXPECT_THAT(host.messages, ElementsAre(Message{kAddr | 0x1000, 0x4242}));
    EXPECT_THAT(host.errors, IsEmpty());
}

TEST_F(MsixTest, MaskedVectorIsPendingAndUnmaskDeliversIt)
{
    make(0, 4);
    set_control(PCI_MSIX_FLAGS_ENABLE);
    program(3, kAddr, 0x31, true);
    raise(3);
    EXPECT_THAT(host.messages, IsEmpty());
    EXPECT_TRUE(fn->msix()->pending(3));
    EXPECT_EQ(pba_qword(0), 1u << 3);
    // A second raise while masked stays one pending message.
    raise(3);
    mask(3, false);
    EXPECT_THAT(host.messages, ElementsAre(Message{kAddr, 0x31}));
    EXPECT_EQ(pba_qword(0), 0u);
    // Unmasking again sends nothing more.
    mask(3, true);
    mask(3, false);
    EXPECT_EQ(host.messages.size(), 1u);
    EXPECT_THAT(host.errors, IsEmpty());
}

TEST_F(MsixTest, FunctionMaskHoldsEveryVectorUntilCleared)
{
    make(0, 4);
    set_control(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    program(0, kAddr, 0x10, false);
    program(1, kAddr, 0x11, false);
    program(2, kAddr, 0x12, true);
    raise(1);
    raise(0);
    raise(2);
    EXPECT_THAT(host.messages, IsEmpty());
    EXPECT_EQ(pba_qword(0), 0b111u);
    EXPECT_EQ(control() & PCI_MSIX_FLAGS_MASKALL, PCI_MSIX_FLAGS_MASKALL);
    set_control(PCI_MSIX_FLAGS_ENABLE);
    // 0 and 1 go out in vector order; 2 is still masked by its own bit.
    EXPECT_THAT(host.messages, ElementsAre(Message{kAddr, 0x10}, Message{kAddr, 0x11}));
    EXPECT_EQ(pba_qword(0), 0b100u);
}

TEST_F(MsixTest, MessageThatReentersTheTableIsSafe)
{
    make(0, 4);
    set_control(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    for (std::uint32_t v = 0; v < 4; v++) {
        program(v, kAddr, v, false);
        raise(v);
    }
    // Aimed at the device's own table: the first message masks every
    // vector and disables MSI-X, as a hostile guest can make it do.
    host.on_message = [this] {
        host.on_message = nullptr;
        for (std::uint32_t v = 0; v < 4; v++) {
            mask(v, true);
        }
        set_control(0);
    };
    set_control(PCI_MSIX_FLAGS_ENABLE);
    EXPECT_EQ(host.messages.size(), 1u);
    EXPECT_EQ(pba_qword(0), 0b1110u);
    EXPECT_EQ(index(), VFIO_PCI_INTX_IRQ_INDEX);
}

// ---- Vector counts ------------------------------------------------------------

TEST_F(MsixTest, OneVector)
{
    PciFunction &f = make(0, 1);
    EXPECT_EQ(f.msix()->layout().table_size(), 16u);
    EXPECT_EQ(f.msix()->layout().pba_size(), 8u);
    EXPECT_EQ(control() & PCI_MSIX_FLAGS_QSIZE, 0u);
    set_control(PCI_MSIX_FLAGS_ENABLE);
    program(0, kAddr, 7, false);
    raise(0);
    raise(1); // refused by the function: it has one vector
    EXPECT_THAT(host.messages, ElementsAre(Message{kAddr, 7}));
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_THAT(host.errors[0], HasSubstr("MSI-X interrupt number 2"));
    EXPECT_EQ(reg(r::PCI_ENDPOINT_TEST_STATUS), 0u); // not raised
    fn->msix()->notify(1); // a device that does not check: the frontend refuses
    EXPECT_EQ(host.messages.size(), 1u);
    ASSERT_EQ(host.errors.size(), 2u);
    EXPECT_THAT(host.errors[1], HasSubstr("MSI-X vector 1"));
}

TEST_F(MsixTest, TwoThousandFortyEightVectors)
{
    PciFunction &f = make(0, 2048);
    EXPECT_EQ(f.msix()->layout().table_size(), 2048u * 16);
    EXPECT_EQ(f.msix()->layout().pba_size(), 256u);
    EXPECT_EQ(f.bar(0).size, 65536u); // 0x80 + 32 KiB + 256 bytes
    EXPECT_EQ(control() & PCI_MSIX_FLAGS_QSIZE, 2047u);
    set_control(PCI_MSIX_FLAGS_ENABLE);
    program(2047, kAddr + 8, 0x7ff, true);
    raise(2047);
    EXPECT_EQ(pba_qword(31), std::uint64_t(1) << 63);
    mask(2047, false);
    EXPECT_THAT(host.messages, ElementsAre(Message{kAddr + 8, 0x7ff}));
    raise(2048);
    EXPECT_EQ(host.messages.size(), 1u);
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_THAT(host.errors[0], HasSubstr("MSI-X interrupt number 2049"));
    fn->msix()->notify(2048);
    ASSERT_EQ(host.errors.size(), 2u);
    EXPECT_THAT(host.errors[1], HasSubstr("MSI-X vector 2048"));
}

TEST_F(MsixTest, PropertyOutOfRangeIsRefused)
{
    CreateRequest req{"epf-test", "epf-test", uuid_n(9), "vfio", &host};
    req.properties.set("msix-vectors", "2049");
    Result<Device *> res = core.create(std::move(req));
    ASSERT_FALSE(res);
    EXPECT_THAT(res.error().message, HasSubstr("msix-vectors"));
    CreateRequest req2{"epf-test", "epf-test", uuid_n(9), "vfio", &host};
    req2.properties.set("msi-vectors", "3");
    res = core.create(std::move(req2));
    ASSERT_FALSE(res);
    EXPECT_THAT(res.error().message, HasSubstr("msi-vectors"));
}

// ---- Switching ----------------------------------------------------------------

TEST_F(MsixTest, IntxThenMsixThenMsiThenIntx)
{
    PciFunction &f = make(4, 4);
    EXPECT_EQ(index(), VFIO_PCI_INTX_IRQ_INDEX);
    raise_intx();
    EXPECT_EQ(host.intx.back(), true);

    set_control(PCI_MSIX_FLAGS_ENABLE);
    EXPECT_EQ(index(), VFIO_PCI_MSIX_IRQ_INDEX);
    EXPECT_EQ(host.intx.back(), false);
    program(1, kAddr, 0x51, false);
    raise(1);
    EXPECT_THAT(host.messages, ElementsAre(Message{kAddr, 0x51}));

    // The guest turns MSI on before MSI-X off: forbidden by the spec, MSI-X
    // stays in use and says so.
    f.set_msi(true, 4);
    EXPECT_EQ(index(), VFIO_PCI_MSIX_IRQ_INDEX);
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_THAT(host.errors[0], HasSubstr("MSI-X stays in use"));

    set_control(0);
    EXPECT_EQ(index(), VFIO_PCI_MSI_IRQ_INDEX);
    raise_msi(3);
    EXPECT_THAT(host.msi, ElementsAre(3u));
    EXPECT_EQ(host.messages.size(), 1u);

    f.set_msi(false, 0);
    EXPECT_EQ(index(), VFIO_PCI_INTX_IRQ_INDEX);
    // The later commands cleared STATUS, and with it the first INTx.
    EXPECT_EQ(host.intx.back(), false);
    // Asserted, then MSI on and off: the level comes back with the sink.
    raise_intx();
    EXPECT_EQ(host.intx.back(), true);
    f.set_msi(true, 4);
    EXPECT_EQ(host.intx.back(), false);
    f.set_msi(false, 0);
    EXPECT_EQ(host.intx.back(), true);
    ack();
    EXPECT_EQ(host.intx.back(), false);
    EXPECT_EQ(host.errors.size(), 1u);
}

TEST_F(MsixTest, MsiVectorPastTheEnabledCountIsAGuestError)
{
    PciFunction &f = make(4, 0);
    f.set_msi(true, 2); // the guest enabled 2 of the 4 vectors
    raise_msi(1);
    raise_msi(3); // QEMU's msi_notify() would assert on this one
    EXPECT_THAT(host.msi, ElementsAre(1u));
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_THAT(host.errors[0], HasSubstr("MSI vector 3"));
}

TEST_F(MsixTest, VectorWhileMsixIsOffIsAGuestError)
{
    make(0, 4);
    set_control(PCI_MSIX_FLAGS_ENABLE);
    set_control(0);
    EXPECT_EQ(index(), VFIO_PCI_INTX_IRQ_INDEX);
    fn->msix()->notify(0);
    EXPECT_THAT(host.messages, IsEmpty());
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_THAT(host.errors[0], HasSubstr("off"));
}

TEST_F(MsixTest, ResetDisablesMsixAndClearsTheTable)
{
    make(0, 4);
    set_control(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    program(0, kAddr, 1, false);
    raise(0);
    fn->reset();
    EXPECT_EQ(index(), VFIO_PCI_INTX_IRQ_INDEX);
    EXPECT_EQ(control(), 3u);
    EXPECT_TRUE(fn->msix()->vector_masked(0));
    EXPECT_EQ(fn->bar_read(0, table() + 0, 8), 0u);
    EXPECT_EQ(pba_qword(0), 0u);
    EXPECT_THAT(host.messages, IsEmpty());
}

// ---- Hostile table accesses ---------------------------------------------------

TEST_F(MsixTest, OddTableAccessesAreGuestErrors)
{
    make(0, 4);
    program(1, kAddr, 0xabcd, true);
    const std::size_t before = host.errors.size();
    // 1- and 2-byte, misaligned, a QWORD at a DWORD offset.
    EXPECT_EQ(fn->bar_read(0, table() + 16 + 8, 1), 0xffu);
    EXPECT_EQ(fn->bar_read(0, table() + 16 + 8, 2), 0xffffu);
    EXPECT_EQ(fn->bar_read(0, table() + 16 + 9, 4), 0xffffffffu);
    EXPECT_EQ(fn->bar_read(0, table() + 16 + 4, 8), ~std::uint64_t(0));
    fn->bar_write(0, table() + 16 + 8, 0x11, 1);
    fn->bar_write(0, table() + 16 + 8, 0x1111, 2);
    fn->bar_write(0, table() + 16 + 10, 0x11111111, 4);
    fn->bar_write(0, table() + 16 + 12, 0, 8); // would unmask 1 and spill into 2
    fn->bar_write(0, table() + 16 + 12, 0, 3);
    // Past the table, through the C-side entry (the glue's region is the
    // table's size, so only a bug could ask; it must not touch memory).
    EXPECT_EQ(fn->msix_read(MDEV_VFIO_MSIX_TABLE, 64, 4), 0xffffffffu);
    fn->msix_write(MDEV_VFIO_MSIX_TABLE, 64, 0, 4);
    fn->msix_write(MDEV_VFIO_MSIX_TABLE, ~std::uint64_t(3), 0, 4);
    EXPECT_EQ(fn->msix_read(MDEV_VFIO_MSIX_PBA, 8, 8), ~std::uint64_t(0));
    // The PBA is read-only.
    fn->bar_write(0, pba_offset(), 0xff, 8);
    // An access straddling the PBA's start.
    EXPECT_EQ(fn->bar_read(0, pba_offset() - 4, 8), ~std::uint64_t(0));
    EXPECT_EQ(host.errors.size() - before, 15u);
    for (std::size_t i = before; i < host.errors.size(); i++) {
        EXPECT_THAT(host.errors[i], HasSubstr("MSI-X")) << host.errors[i];
    }
    // Nothing changed.
    EXPECT_EQ(fn->bar_read(0, table() + 16 + 8, 4), 0xabcdu);
    EXPECT_TRUE(fn->msix()->vector_masked(1));
    EXPECT_EQ(pba_qword(0), 0u);
    // The registers below the table still reach the device.
    set_reg(r::PCI_ENDPOINT_TEST_MAGIC, 0xa0a0a0a0);
    EXPECT_EQ(reg(r::PCI_ENDPOINT_TEST_MAGIC), 0xa0a0a0a0u);
}

TEST_F(MsixTest, ReservedEntryBitsReadZero)
{
    make(0, 2);
    fn->bar_write(0, table() + PCI_MSIX_ENTRY_LOWER_ADDR, 0xfee00003, 4);
    fn->bar_write(0, table() + PCI_MSIX_ENTRY_VECTOR_CTRL, 0xfffffffe, 4);
    EXPECT_EQ(fn->bar_read(0, table() + PCI_MSIX_ENTRY_LOWER_ADDR, 4), 0xfee00000u);
    EXPECT_EQ(fn->bar_read(0, table() + PCI_MSIX_ENTRY_VECTOR_CTRL, 4), 0u);
}

// ---- Migration ---------------------------------------------------------------

TEST_F(MsixTest, LoadedStateIsCheckedAndApplied)
{
    make(0, 4);
    MdevVfioMsixState *st = fn->msix()->state();
    ASSERT_NE(st, nullptr);
    EXPECT_EQ(st->vectors, 4u);
    EXPECT_EQ(st->table_size, 64u);
    EXPECT_EQ(st->pba_size, 8u);
    std::string why;
    EXPECT_TRUE(fn->msix()->loaded_state_ok(why)) << why;

    // What a source with MSI-X on and vector 2 masked and pending sends.
    st->control = PCI_MSIX_FLAGS_ENABLE;
    st->table[2 * 16 + 8] = 0x22;
    st->pba[0] = 1u << 2;
    EXPECT_TRUE(fn->msix()->loaded_state_ok(why)) << why;
    fn->irqs_loaded(false, 0);
    EXPECT_EQ(index(), VFIO_PCI_MSIX_IRQ_INDEX);
    mask(2, false);
    ASSERT_EQ(host.messages.size(), 1u);
    EXPECT_EQ(host.messages[0].data, 0x22u);

    // States no guest can reach.
    st->control = 0x0001;
    EXPECT_FALSE(fn->msix()->loaded_state_ok(why));
    st->control = PCI_MSIX_FLAGS_ENABLE;
    st->pba[0] = 1u << 5; // past the 4 vectors
    EXPECT_FALSE(fn->msix()->loaded_state_ok(why));
    EXPECT_THAT(why, HasSubstr("past"));
    st->pba[0] = 1u << 2; // pending while deliverable
    EXPECT_FALSE(fn->msix()->loaded_state_ok(why));
    st->pba[0] = 0;
    st->table[3 * 16 + 12] = 0x80;
    EXPECT_FALSE(fn->msix()->loaded_state_ok(why));
}

// ---- DMA ---------------------------------------------------------------------

// COPY from one RAM buffer to another, as pci_endpoint_test runs it.
TEST_F(MsixTest, DmaReachesRamOnlyWithBusMastering)
{
    make(0, 0);
    for (std::uint32_t i = 0; i < 16; i++) {
        host.ram[0x100 + i] = std::uint8_t(0xa0 + i);
    }
    const auto copy = [this](std::uint64_t src, std::uint64_t dst, std::uint32_t size) {
        set_reg(r::PCI_ENDPOINT_TEST_LOWER_SRC_ADDR, std::uint32_t(src));
        set_reg(r::PCI_ENDPOINT_TEST_UPPER_SRC_ADDR, std::uint32_t(src >> 32));
        set_reg(r::PCI_ENDPOINT_TEST_LOWER_DST_ADDR, std::uint32_t(dst));
        set_reg(r::PCI_ENDPOINT_TEST_UPPER_DST_ADDR, std::uint32_t(dst >> 32));
        set_reg(r::PCI_ENDPOINT_TEST_SIZE, size);
        set_reg(r::PCI_ENDPOINT_TEST_FLAGS, r::FLAG_USE_DMA);
        command(r::IRQ_TYPE_LEGACY, 0, r::COMMAND_COPY);
        const std::uint32_t status = reg(r::PCI_ENDPOINT_TEST_STATUS);
        ack();
        return status;
    };
    EXPECT_EQ(copy(kRamBase + 0x100, kRamBase + 0x200, 16),
              r::STATUS_COPY_SUCCESS | r::STATUS_IRQ_RAISED);
    EXPECT_EQ(host.ram[0x200], 0xa0u);
    EXPECT_EQ(host.ram[0x20f], 0xafu);
    EXPECT_THAT(host.errors, IsEmpty());

    // Bus mastering off: refused, logged once.
    host.bme = false;
    const std::uint32_t src_bad =
        r::STATUS_SRC_ADDR_INVALID | r::STATUS_COPY_FAIL | r::STATUS_IRQ_RAISED;
    EXPECT_EQ(copy(kRamBase + 0x100, kRamBase + 0x300, 16), src_bad);
    EXPECT_EQ(copy(kRamBase + 0x100, kRamBase + 0x300, 16), src_bad);
    EXPECT_EQ(host.ram[0x300], 0u);
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_THAT(host.errors[0], HasSubstr("Bus Master Enable is off"));
    // On, then off again: logged again.
    host.bme = true;
    copy(kRamBase + 0x100, kRamBase + 0x300, 16);
    host.bme = false;
    copy(kRamBase + 0x100, kRamBase + 0x300, 16);
    EXPECT_EQ(host.errors.size(), 2u);

    // Past the end of RAM.
    host.bme = true;
    EXPECT_EQ(copy(kRamBase + 0x100, kRamBase + 4096 - 8, 16),
              r::STATUS_DST_ADDR_INVALID | r::STATUS_COPY_FAIL | r::STATUS_IRQ_RAISED);
    ASSERT_EQ(host.errors.size(), 3u);
    EXPECT_THAT(host.errors[2], HasSubstr("not all guest RAM"));
}

TEST_F(MsixTest, DmaOfARemovedOrUnboundDeviceFails)
{
    make(0, 0);
    std::uint8_t b[4];
    EXPECT_TRUE(vfio::dma_read(*dev, kRamBase, b));
    Core::Pin pin(core, *dev);
    ASSERT_TRUE(core.remove(uuid_n(1)));
    EXPECT_FALSE(vfio::dma_read(*dev, kRamBase, b));
    EXPECT_FALSE(vfio::dma_write(*dev, kRamBase, b));
}

} // namespace
} // namespace mdev::samples
