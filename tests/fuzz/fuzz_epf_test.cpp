// SPDX-License-Identifier: GPL-2.0-or-later
// The PCI endpoint test function (hw/mdev/samples/epf-test) on its own, as
// a hostile guest drives it: any value in any register of any width,
// commands with addresses and sizes of any kind over a small guest RAM,
// the interrupt sink switched between INTx, MSI and MSI-X, resets, and
// interrupts that re-enter the function (a message written into its own
// COMMAND or STATUS, or a reset from inside a DMA).
//
// Checked after every step:
//  - a command write leaves COMMAND 0 (run, or dropped after its rounds);
//  - the INTx line the sink saw last is the function's own level;
//  - after a READ the function reports success exactly when the crc32 of
//    the RAM it read equals CHECKSUM; after a WRITE that succeeded, RAM at
//    DST holds data whose crc32 is CHECKSUM; after a COPY that succeeded,
//    DST holds what SRC held;
//  - MSI/MSI-X vectors notified are within the function's vectors.
//
// Input: a mode byte (vectors, re-entry), then operations:
//   0 OFF8 VAL32 W      BAR0 write (OFF & 0x7f, width 1/2/4/8)
//   1 OFF8 W            BAR0 read
//   2 BAR OFF32 VAL32   BAR1..5 write
//   3 INDEX             sink on VFIO_PCI_{INTX,MSI,MSIX}_IRQ_INDEX or none
//   4                   reset
//   5 CMD SRC16 DST16 SIZE16 FLAGS TYPE NUM   a whole command in RAM
//   6 ADDR16 LEN8 BYTES fill RAM
#include "samples/epf-test/epf_test.hpp"

#include "fuzz_common.hpp"
#include "../unit/guest_ram.hpp"

#include <linux/vfio.h>

#include <cstring>
#include <vector>

namespace {

using namespace mdev;
using namespace mdev::samples;
using namespace mdev::samples::epf;

constexpr std::uint64_t kRamBase = 0x10000;
constexpr std::size_t kRam = 64 * 1024;

class Ram final : public EpfTestHost {
public:
    std::vector<std::uint8_t> bytes = std::vector<std::uint8_t>(kRam, 0);
    EpfTest *fn = nullptr;
    bool reset_in_dma = false;

    bool in_ram(std::uint64_t addr, std::size_t len) const
    {
        return mdev::test::ram_contains(kRam, kRamBase, addr, len);
    }
    bool dma_read(std::uint64_t addr, std::span<std::uint8_t> out) override
    {
        if (reset_in_dma && addr == kRamBase + 0xdead) {
            fn->reset();
        }
        return mdev::test::ram_read(bytes, kRamBase, addr, out);
    }
    bool dma_write(std::uint64_t addr, std::span<const std::uint8_t> in) override
    {
        return mdev::test::ram_write(bytes, kRamBase, addr, in);
    }
    void guest_error(const std::string &) override {}
};

class Sink final : public vfio::IrqSink {
public:
    EpfTest *fn = nullptr;
    std::uint32_t limit = 0; // vectors of the index this sink stands for
    bool level = false;
    bool reenter = false;
    std::uint32_t reentry_value = 0;
    unsigned depth = 0;

    void set_level(bool a) override { level = a; }
    void notify(std::uint32_t v) override
    {
        FUZZ_CHECK(v < limit, "vector %u notified, the index has %u", v, limit);
        if (reenter && depth == 0) {
            // The message lands on the function's own registers.
            depth++;
            fn->write(0, (reentry_value & 1) ? PCI_ENDPOINT_TEST_STATUS : PCI_ENDPOINT_TEST_COMMAND,
                      reentry_value >> 1, 4);
            depth--;
        }
    }
};

std::uint32_t crc(const Ram &ram, std::uint64_t addr, std::uint32_t size)
{
    return crc32_le_seeded(~0u, std::span(ram.bytes).subspan(addr - kRamBase, size));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    FuzzedDataProvider in(data, size);
    const std::uint8_t mode = in.ConsumeIntegral<std::uint8_t>();
    const std::uint32_t msi = 1u << (mode & 7) >> 1;       // 0, 1, 2 .. 64 -> capped below
    const std::uint32_t msix = (mode & 0x40) ? 2048 : ((mode >> 3) & 7) * 3;
    Ram ram;
    EpfTest fn(ram, std::min(msi, kMaxMsi), msix);
    ram.fn = &fn;
    ram.reset_in_dma = mode & 0x80;
    Sink sink;
    sink.fn = &fn;
    std::uint32_t index = ~0u;

    for (unsigned steps = 0; steps < 500 && in.remaining_bytes() > 0; steps++) {
        switch (in.ConsumeIntegralInRange<unsigned>(0, 6)) {
        case 0: {
            const unsigned width = 1u << in.ConsumeIntegralInRange<unsigned>(0, 3);
            const std::uint64_t off = in.ConsumeIntegral<std::uint8_t>() & 0x7f;
            const std::uint64_t value = in.ConsumeIntegral<std::uint64_t>();
            const bool cmd = off < PCI_ENDPOINT_TEST_COMMAND + 4 && off + width > PCI_ENDPOINT_TEST_COMMAND;
            fn.write(0, off, value, width);
            if (cmd && off + width <= kRegSize) {
                FUZZ_CHECK(fn.reg32(PCI_ENDPOINT_TEST_COMMAND) == 0, "COMMAND 0x%x left after a write",
                           fn.reg32(PCI_ENDPOINT_TEST_COMMAND));
            }
            break;
        }
        case 1: {
            const unsigned width = 1u << in.ConsumeIntegralInRange<unsigned>(0, 3);
            (void)fn.read(0, in.ConsumeIntegral<std::uint8_t>(), width);
            break;
        }
        case 2: {
            const unsigned bar = in.ConsumeIntegralInRange<unsigned>(1, 5);
            const std::uint64_t off = in.ConsumeIntegral<std::uint32_t>() % (fn.bar_size(bar) + 8);
            fn.write(bar, off, in.ConsumeIntegral<std::uint32_t>(), 4);
            (void)fn.read(bar, off, 4);
            break;
        }
        case 3: {
            const std::uint32_t want = in.ConsumeIntegralInRange<std::uint32_t>(0, 3);
            if (index != ~0u) {
                fn.set_sink(index, nullptr);
            }
            index = want == 3 ? ~0u : want;
            sink.limit = index == VFIO_PCI_MSI_IRQ_INDEX    ? fn.msi_vectors()
                         : index == VFIO_PCI_MSIX_IRQ_INDEX ? fn.msix_vectors()
                                                            : 0;
            sink.reenter = in.ConsumeBool();
            sink.reentry_value = in.ConsumeIntegral<std::uint32_t>();
            if (index != ~0u) {
                fn.set_sink(index, &sink);
            }
            break;
        }
        case 4:
            fn.reset();
            break;
        case 5: {
            const std::uint32_t cmd = 1u << in.ConsumeIntegralInRange<unsigned>(0, 6);
            const std::uint64_t src = kRamBase - 64 + in.ConsumeIntegral<std::uint16_t>();
            const std::uint64_t dst = kRamBase - 64 + in.ConsumeIntegral<std::uint16_t>();
            const std::uint32_t n = in.ConsumeBool() ? in.ConsumeIntegral<std::uint16_t>()
                                                     : in.ConsumeIntegral<std::uint32_t>();
            const bool in_src = ram.in_ram(src, n), in_dst = ram.in_ram(dst, n);
            const std::uint32_t checksum =
                in.ConsumeBool() && in_src ? crc(ram, src, n) : in.ConsumeIntegral<std::uint32_t>();
            const std::vector<std::uint8_t> before = ram.bytes;
            // Each address as two dwords, as pci_endpoint_test writes them
            // (0x0c is no quadword's place: the register table refuses it).
            fn.write(0, PCI_ENDPOINT_TEST_LOWER_SRC_ADDR, std::uint32_t(src), 4);
            fn.write(0, PCI_ENDPOINT_TEST_UPPER_SRC_ADDR, std::uint32_t(src >> 32), 4);
            fn.write(0, PCI_ENDPOINT_TEST_LOWER_DST_ADDR, std::uint32_t(dst), 4);
            fn.write(0, PCI_ENDPOINT_TEST_UPPER_DST_ADDR, std::uint32_t(dst >> 32), 4);
            fn.write(0, PCI_ENDPOINT_TEST_SIZE, n, 4);
            fn.write(0, PCI_ENDPOINT_TEST_CHECKSUM, checksum, 4);
            fn.write(0, PCI_ENDPOINT_TEST_FLAGS, in.ConsumeIntegral<std::uint8_t>() & 3, 4);
            fn.write(0, PCI_ENDPOINT_TEST_IRQ_TYPE, in.ConsumeIntegralInRange<std::uint32_t>(0, 3), 4);
            fn.write(0, PCI_ENDPOINT_TEST_IRQ_NUMBER, in.ConsumeIntegralInRange<std::uint32_t>(0, 2049), 4);
            fn.write(0, PCI_ENDPOINT_TEST_COMMAND, cmd, 4);
            FUZZ_CHECK(fn.reg32(PCI_ENDPOINT_TEST_COMMAND) == 0, "COMMAND left after a command");
            if (sink.reenter || ram.reset_in_dma) {
                break; // the oracle below assumes nothing wrote the registers meanwhile
            }
            const std::uint32_t status = fn.reg32(PCI_ENDPOINT_TEST_STATUS);
            const bool small = n <= kMaxTransfer;
            if (cmd == COMMAND_READ && fn.reg32(PCI_ENDPOINT_TEST_IRQ_TYPE) <= 2) {
                const bool ok = small && (n == 0 || in_src) && (n == 0 ? ~0u : crc(ram, src, n)) == checksum;
                FUZZ_CHECK(bool(status & STATUS_READ_SUCCESS) == ok, "READ status 0x%x, expected %s",
                           status, ok ? "success" : "failure");
            }
            if (cmd == COMMAND_WRITE && (status & STATUS_WRITE_SUCCESS) && n) {
                FUZZ_CHECK(in_dst && crc(ram, dst, n) == fn.reg32(PCI_ENDPOINT_TEST_CHECKSUM),
                           "WRITE succeeded but RAM's crc32 is not CHECKSUM");
            }
            if (cmd == COMMAND_COPY && (status & STATUS_COPY_SUCCESS) && n) {
                FUZZ_CHECK(in_src && in_dst &&
                               std::memcmp(ram.bytes.data() + (dst - kRamBase),
                                           before.data() + (src - kRamBase), n) == 0,
                           "COPY succeeded but DST differs from SRC");
            }
            break;
        }
        case 6: {
            const std::size_t addr = in.ConsumeIntegral<std::uint16_t>();
            const std::vector<std::uint8_t> bytes =
                in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegral<std::uint8_t>());
            const std::size_t n = std::min(bytes.size(), kRam - addr);
            if (n) {
                std::memcpy(ram.bytes.data() + addr, bytes.data(), n);
            }
            break;
        }
        }
        if (index == VFIO_PCI_INTX_IRQ_INDEX) {
            FUZZ_CHECK(sink.level == bool(fn.regs().intx_asserted),
                       "INTx line %d, the function's level %d", sink.level,
                       fn.regs().intx_asserted);
        }
    }
    return 0;
}
