// SPDX-License-Identifier: GPL-2.0-or-later
// The endpoint test function (hw/mdev/samples/epf-test) on its own, as
// pci_endpoint_test drives it: the BARs, the raise commands, READ/WRITE/COPY
// with crc32 and the DMA flag, the INTx level, hostile register values,
// re-entry through its own interrupt, reset during a transfer.
#include "guest_ram.hpp"
#include "samples/epf-test/epf_test.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace mdev::samples {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using namespace epf;

constexpr std::uint64_t kRamBase = 0x100000;
constexpr std::size_t kRamSize = 4u << 20;

// Guest RAM at kRamBase, and a record of every DMA and guest error.
class FakeHost final : public EpfTestHost {
public:
    bool dma_read(std::uint64_t addr, std::span<std::uint8_t> out) override
    {
        reads.push_back(out.size());
        if (on_dma) {
            on_dma();
        }
        return mdev::test::ram_read(ram, kRamBase, addr, out);
    }
    bool dma_write(std::uint64_t addr, std::span<const std::uint8_t> in) override
    {
        writes.push_back(in.size());
        return mdev::test::ram_write(ram, kRamBase, addr, in);
    }
    void guest_error(const std::string &m) override { errors.push_back(m); }

    std::vector<std::uint8_t> ram = std::vector<std::uint8_t>(kRamSize, 0);
    std::vector<std::size_t> reads, writes;
    std::vector<std::string> errors;
    std::function<void()> on_dma;
};

class Sink final : public vfio::IrqSink {
public:
    void set_level(bool a) override { levels.push_back(a); }
    void notify(std::uint32_t v) override
    {
        vectors.push_back(v);
        if (on_notify) {
            on_notify(v);
        }
    }
    std::vector<bool> levels;
    std::vector<std::uint32_t> vectors;
    std::function<void(std::uint32_t)> on_notify;
};

class EpfTestTest : public ::testing::Test {
protected:
    std::uint32_t reg(std::uint32_t off) { return std::uint32_t(fn.read(0, off, 4)); }
    void set(std::uint32_t off, std::uint32_t v) { fn.write(0, off, v, 4); }
    std::uint32_t command(std::uint32_t type, std::uint32_t number, std::uint32_t cmd)
    {
        set(PCI_ENDPOINT_TEST_IRQ_TYPE, type);
        set(PCI_ENDPOINT_TEST_IRQ_NUMBER, number);
        set(PCI_ENDPOINT_TEST_COMMAND, cmd);
        EXPECT_EQ(reg(PCI_ENDPOINT_TEST_COMMAND), 0u);
        return reg(PCI_ENDPOINT_TEST_STATUS);
    }
    std::uint32_t transfer(std::uint32_t cmd, std::uint64_t src, std::uint64_t dst,
                           std::uint32_t size, bool dma)
    {
        set(PCI_ENDPOINT_TEST_LOWER_SRC_ADDR, std::uint32_t(src));
        set(PCI_ENDPOINT_TEST_UPPER_SRC_ADDR, std::uint32_t(src >> 32));
        set(PCI_ENDPOINT_TEST_LOWER_DST_ADDR, std::uint32_t(dst));
        set(PCI_ENDPOINT_TEST_UPPER_DST_ADDR, std::uint32_t(dst >> 32));
        set(PCI_ENDPOINT_TEST_SIZE, size);
        set(PCI_ENDPOINT_TEST_FLAGS, dma ? FLAG_USE_DMA : 0);
        return command(IRQ_TYPE_MSI, 1, cmd);
    }
    void fill(std::uint64_t addr, std::size_t n, std::uint8_t seed)
    {
        for (std::size_t i = 0; i < n; i++) {
            host.ram[addr - kRamBase + i] = std::uint8_t(seed + 13 * i + (i >> 9));
        }
    }
    std::uint32_t crc_of(std::uint64_t addr, std::size_t n)
    {
        return crc32_le_seeded(~0u, std::span(host.ram).subspan(addr - kRamBase, n));
    }

    FakeHost host;
    EpfTest fn{host, 32, 2048};
    Sink sink;
};

TEST(EpfCrc, IsTheKernelsCrc32LeWithoutFinalInversion)
{
    const std::string s = "123456789";
    const auto bytes = std::span(reinterpret_cast<const std::uint8_t *>(s.data()), s.size());
    // CRC-32's check value is 0xcbf43926 after the final inversion.
    EXPECT_EQ(crc32_le_seeded(~0u, bytes), ~0xcbf43926u);
    EXPECT_EQ(crc32_le_seeded(~0u, {}), 0xffffffffu);
}

TEST(EpfLayout, TableRightAfterTheRegistersForEveryVectorCount)
{
    const Bar0Layout none = bar0_layout(0);
    EXPECT_EQ(none.size, 128u);
    const Bar0Layout four = bar0_layout(4);
    EXPECT_EQ(four.table_offset, 0x80u);
    EXPECT_EQ(four.pba_offset, 0x80u + 64);
    EXPECT_EQ(four.size, 256u); // 0x80 + 64 + 8, to a power of two
    const Bar0Layout many = bar0_layout(2048);
    EXPECT_EQ(many.table_offset, 0x80u); // pci-epf-test's place, whatever the count
    EXPECT_EQ(many.pba_offset, 0x80u + 2048 * 16);
    EXPECT_EQ(many.size, 65536u);
    const Bar0Layout sixty_four = bar0_layout(64);
    EXPECT_EQ(sixty_four.table_offset, 0x80u);
    EXPECT_EQ(sixty_four.pba_offset, 0x480u);
    EXPECT_EQ(sixty_four.size, 2048u);
    EXPECT_GE(many.size, many.pba_offset + 256);
}

TEST_F(EpfTestTest, BarsAreMemoryOfEpfTestsSizes)
{
    for (unsigned b = 1; b < 6; b++) {
        EXPECT_EQ(fn.bar_size(b), kBarSize[b]);
        // pci_endpoint_test's BAR test: the pattern in every dword, read back.
        for (std::uint64_t off = 0; off < kBarSize[b]; off += 4) {
            fn.write(b, off, 0xa0a0a0a0, 4);
        }
        for (std::uint64_t off = 0; off < kBarSize[b]; off += 4) {
            ASSERT_EQ(fn.read(b, off, 4), 0xa0a0a0a0u) << "BAR" << b << " +" << off;
        }
        fn.write(b, 3, 0x5a, 1);
        EXPECT_EQ(fn.read(b, 0, 4), 0x5aa0a0a0u);
        fn.write(b, 8, 0x0102030405060708ull, 8);
        EXPECT_EQ(fn.read(b, 12, 4), 0x01020304u);
    }
    EXPECT_EQ(fn.bar_size(0), 65536u);
    EXPECT_EQ(reg(PCI_ENDPOINT_TEST_MAGIC), 0u);
    set(PCI_ENDPOINT_TEST_MAGIC, 0xa0a0a0a0);
    EXPECT_EQ(reg(PCI_ENDPOINT_TEST_MAGIC), 0xa0a0a0a0u);
    EXPECT_THAT(host.errors, IsEmpty());
    // Past a BAR: a guest error, all ones, nothing written.
    EXPECT_EQ(fn.read(1, 512, 4), 0xffffffffu);
    fn.write(1, 510, 0, 4);
    // BAR0 is the register table: a misaligned access is refused (reads
    // 0), and so is a write past FLAGS, each with a line.
    EXPECT_EQ(fn.read(0, kRegSize - 2, 4), 0u);
    fn.write(0, 0x30, 1, 4);
    EXPECT_EQ(fn.read(0, 0x30, 4), 0u); // unused register memory: 0, silently
    ASSERT_EQ(host.errors.size(), 4u);
    EXPECT_THAT(host.errors[2], HasSubstr("naturally aligned"));
    EXPECT_THAT(host.errors[3], HasSubstr("no register there"));
    fn.reset();
    EXPECT_EQ(fn.read(5, kBarSize[5] - 4, 4), 0u);
    EXPECT_EQ(reg(PCI_ENDPOINT_TEST_MAGIC), 0u);
}

TEST_F(EpfTestTest, RaiseCommandsReachTheEnabledSink)
{
    fn.set_sink(VFIO_PCI_MSI_IRQ_INDEX, &sink);
    EXPECT_EQ(command(IRQ_TYPE_MSI, 1, COMMAND_RAISE_MSI_IRQ), STATUS_IRQ_RAISED);
    EXPECT_EQ(command(IRQ_TYPE_MSI, 32, COMMAND_RAISE_MSI_IRQ), STATUS_IRQ_RAISED);
    EXPECT_THAT(sink.vectors, ElementsAre(0u, 31u));
    // Outside 1..32: not raised, no IRQ_RAISED, a guest error.
    EXPECT_EQ(command(IRQ_TYPE_MSI, 0, COMMAND_RAISE_MSI_IRQ), 0u);
    EXPECT_EQ(command(IRQ_TYPE_MSI, 33, COMMAND_RAISE_MSI_IRQ), 0u);
    EXPECT_EQ(sink.vectors.size(), 2u);
    ASSERT_EQ(host.errors.size(), 2u);
    EXPECT_THAT(host.errors[1], HasSubstr("MSI interrupt number 33"));
    // MSI-X while MSI is the enabled index: dropped and said.
    command(IRQ_TYPE_MSIX, 5, COMMAND_RAISE_MSIX_IRQ);
    EXPECT_EQ(sink.vectors.size(), 2u);
    EXPECT_THAT(host.errors.back(), HasSubstr("while the host has MSI enabled"));

    fn.set_sink(VFIO_PCI_MSI_IRQ_INDEX, nullptr);
    Sink msix;
    fn.set_sink(VFIO_PCI_MSIX_IRQ_INDEX, &msix);
    EXPECT_EQ(command(IRQ_TYPE_MSIX, 2048, COMMAND_RAISE_MSIX_IRQ), STATUS_IRQ_RAISED);
    EXPECT_EQ(command(IRQ_TYPE_MSIX, 2049, COMMAND_RAISE_MSIX_IRQ), 0u);
    EXPECT_THAT(msix.vectors, ElementsAre(2047u));
}

TEST_F(EpfTestTest, IntxIsALevelUntilTheHostClearsIrqRaised)
{
    fn.set_sink(VFIO_PCI_INTX_IRQ_INDEX, &sink);
    EXPECT_THAT(sink.levels, ElementsAre(false));
    EXPECT_EQ(command(IRQ_TYPE_LEGACY, 0, COMMAND_RAISE_LEGACY_IRQ), STATUS_IRQ_RAISED);
    EXPECT_THAT(sink.levels, ElementsAre(false, true));
    // Another bit written back keeps it; clearing IRQ_RAISED drops it.
    set(PCI_ENDPOINT_TEST_STATUS, STATUS_IRQ_RAISED | STATUS_READ_FAIL);
    EXPECT_EQ(sink.levels.back(), true);
    set(PCI_ENDPOINT_TEST_STATUS, 0);
    EXPECT_THAT(sink.levels, ElementsAre(false, true, false));
    // A sink that comes back learns the level.
    command(IRQ_TYPE_LEGACY, 0, COMMAND_RAISE_LEGACY_IRQ);
    fn.set_sink(VFIO_PCI_INTX_IRQ_INDEX, nullptr);
    Sink again;
    fn.set_sink(VFIO_PCI_INTX_IRQ_INDEX, &again);
    EXPECT_THAT(again.levels, ElementsAre(true));
    fn.reset();
    EXPECT_THAT(again.levels, ElementsAre(true, false));
}

TEST_F(EpfTestTest, ReadWriteCopyWithAndWithoutDma)
{
    fn.set_sink(VFIO_PCI_MSI_IRQ_INDEX, &sink);
    const std::uint64_t a = kRamBase + 0x1000, b = kRamBase + 0x200000;
    for (bool dma : {false, true}) {
        for (std::uint32_t n : {1u, 1024u, 1025u, 1024000u, 1024001u}) {
            SCOPED_TRACE(testing::Message() << n << " bytes, dma " << dma);
            fill(a, n, std::uint8_t(n + dma));
            set(PCI_ENDPOINT_TEST_CHECKSUM, crc_of(a, n));
            EXPECT_EQ(transfer(COMMAND_READ, a, 0, n, dma),
                      STATUS_READ_SUCCESS | STATUS_IRQ_RAISED);
            set(PCI_ENDPOINT_TEST_CHECKSUM, crc_of(a, n) + 1);
            EXPECT_EQ(transfer(COMMAND_READ, a, 0, n, dma),
                      STATUS_READ_FAIL | STATUS_IRQ_RAISED);
            EXPECT_EQ(transfer(COMMAND_WRITE, 0, b, n, dma),
                      STATUS_WRITE_SUCCESS | STATUS_IRQ_RAISED);
            EXPECT_EQ(reg(PCI_ENDPOINT_TEST_CHECKSUM), crc_of(b, n));
            EXPECT_EQ(transfer(COMMAND_COPY, a, b, n, dma),
                      STATUS_COPY_SUCCESS | STATUS_IRQ_RAISED);
            EXPECT_EQ(std::memcmp(&host.ram[a - kRamBase], &host.ram[b - kRamBase], n), 0);
        }
    }
    // Each transfer raised IRQ_TYPE/IRQ_NUMBER (MSI 1).
    EXPECT_EQ(sink.vectors.size(), 40u);
    EXPECT_THAT(host.errors, IsEmpty());
}

TEST_F(EpfTestTest, TheDmaFlagIsOneTransferWithoutItChunks)
{
    fill(kRamBase, 100, 1);
    set(PCI_ENDPOINT_TEST_CHECKSUM, crc_of(kRamBase, 100));
    transfer(COMMAND_READ, kRamBase, 0, 100, true);
    EXPECT_THAT(host.reads, ElementsAre(100u));
    host.reads.clear();
    transfer(COMMAND_READ, kRamBase, 0, 100, false);
    EXPECT_EQ(host.reads.size(), 13u); // 12 of 8 bytes, then 4
    EXPECT_EQ(host.reads.back(), 4u);
    // A copy that runs off the end of RAM: with the flag nothing moves;
    // without it, the chunks before the hole do, as through a window.
    const std::uint64_t end = kRamBase + kRamSize;
    fill(kRamBase, 64, 9);
    EXPECT_EQ(transfer(COMMAND_COPY, kRamBase, end - 16, 64, true),
              STATUS_DST_ADDR_INVALID | STATUS_COPY_FAIL | STATUS_IRQ_RAISED);
    EXPECT_EQ(host.ram[kRamSize - 16], 0u);
    EXPECT_EQ(transfer(COMMAND_COPY, kRamBase, end - 16, 64, false),
              STATUS_DST_ADDR_INVALID | STATUS_COPY_FAIL | STATUS_IRQ_RAISED);
    EXPECT_EQ(host.ram[kRamSize - 16], host.ram[0]);
}

TEST_F(EpfTestTest, HostileValuesGetStatusBitsAndGuestErrors)
{
    fn.set_sink(VFIO_PCI_MSI_IRQ_INDEX, &sink);
    // Beyond the function's limit, in each command: nothing is fetched.
    EXPECT_EQ(transfer(COMMAND_READ, kRamBase, 0, kMaxTransfer + 1, true),
              STATUS_SRC_ADDR_INVALID | STATUS_READ_FAIL | STATUS_IRQ_RAISED);
    EXPECT_EQ(transfer(COMMAND_WRITE, 0, kRamBase, 0xffffffff, false),
              STATUS_DST_ADDR_INVALID | STATUS_WRITE_FAIL | STATUS_IRQ_RAISED);
    EXPECT_EQ(transfer(COMMAND_COPY, kRamBase, kRamBase, 0x80000000, true),
              STATUS_SRC_ADDR_INVALID | STATUS_COPY_FAIL | STATUS_IRQ_RAISED);
    EXPECT_THAT(host.reads, IsEmpty());
    EXPECT_THAT(host.writes, IsEmpty());
    EXPECT_EQ(host.errors.size(), 3u);
    // Addresses outside RAM, wrapping the address space.
    EXPECT_EQ(transfer(COMMAND_READ, ~std::uint64_t(0) - 3, 0, 16, true),
              STATUS_SRC_ADDR_INVALID | STATUS_READ_FAIL | STATUS_IRQ_RAISED);
    EXPECT_EQ(transfer(COMMAND_COPY, kRamBase, 0xfee00000, 16, false),
              STATUS_DST_ADDR_INVALID | STATUS_COPY_FAIL | STATUS_IRQ_RAISED);
    // An unknown IRQ type: the command is dropped whole.
    sink.vectors.clear();
    EXPECT_EQ(command(9, 1, COMMAND_COPY), 0u);
    EXPECT_THAT(host.errors.back(), HasSubstr("IRQ_TYPE 9"));
    // Unknown command bits only.
    EXPECT_EQ(command(IRQ_TYPE_MSI, 1, 0x80000000u), 0u);
    EXPECT_THAT(host.errors.back(), HasSubstr("no command bit"));
    EXPECT_THAT(sink.vectors, IsEmpty());
    // A transfer of size 0 moves nothing and succeeds (crc32 of nothing).
    set(PCI_ENDPOINT_TEST_CHECKSUM, 0xffffffff);
    EXPECT_EQ(transfer(COMMAND_READ, 0, 0, 0, true),
              STATUS_READ_SUCCESS | STATUS_IRQ_RAISED);
}

// The function's own message lands on COMMAND (a hostile MSI-X entry):
// the command runs after the current one, and a loop is cut.
TEST_F(EpfTestTest, CommandWrittenByItsOwnInterruptRunsAfterAndLoopsAreCut)
{
    fn.set_sink(VFIO_PCI_MSIX_IRQ_INDEX, &sink);
    sink.on_notify = [this](std::uint32_t) {
        fn.write(0, PCI_ENDPOINT_TEST_COMMAND, COMMAND_RAISE_MSIX_IRQ, 4);
    };
    command(IRQ_TYPE_MSIX, 1, COMMAND_RAISE_MSIX_IRQ);
    EXPECT_EQ(sink.vectors.size(), 3u); // the command, then two re-armed rounds
    ASSERT_FALSE(host.errors.empty());
    EXPECT_THAT(host.errors.back(), HasSubstr("re-armed"));
    sink.on_notify = nullptr;
    EXPECT_EQ(command(IRQ_TYPE_MSIX, 2, COMMAND_RAISE_MSIX_IRQ), STATUS_IRQ_RAISED);
    EXPECT_EQ(sink.vectors.back(), 1u);
}

// Reset while a transfer is under way (its DMA reaches something that
// resets the function): the transfer's outcome is not written over the
// power-on state.
TEST_F(EpfTestTest, ResetDuringATransferLeavesThePowerOnState)
{
    fn.set_sink(VFIO_PCI_INTX_IRQ_INDEX, &sink);
    host.on_dma = [this] {
        host.on_dma = nullptr;
        fn.reset();
    };
    set(PCI_ENDPOINT_TEST_LOWER_SRC_ADDR, 0xfee00000);
    set(PCI_ENDPOINT_TEST_SIZE, 16);
    set(PCI_ENDPOINT_TEST_FLAGS, FLAG_USE_DMA);
    set(PCI_ENDPOINT_TEST_COMMAND, COMMAND_READ);
    EXPECT_EQ(reg(PCI_ENDPOINT_TEST_STATUS), 0u);
    EXPECT_EQ(reg(PCI_ENDPOINT_TEST_SIZE), 0u);
    EXPECT_EQ(fn.regs().intx_asserted, 0u);
}

TEST_F(EpfTestTest, LoadedStateDrivesTheLine)
{
    fn.set_sink(VFIO_PCI_INTX_IRQ_INDEX, &sink);
    fn.regs().intx_asserted = 7;
    fn.regs().random = 0;
    fn.loaded();
    EXPECT_EQ(fn.regs().intx_asserted, 1u);
    EXPECT_NE(fn.regs().random, 0u);
    EXPECT_EQ(sink.levels.back(), true);
}

} // namespace
} // namespace mdev::samples
