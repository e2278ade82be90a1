// SPDX-License-Identifier: GPL-2.0-or-later
// epf-test (Linux's PCI endpoint test function) through the vfio frontend:
// its six BARs with accesses of every width and offset, the MSI-X table in
// BAR0 beside the registers, MSI on and off, INTx routing and resets. The
// function on its own, with guest RAM and re-entry: fuzz_epf_test.cpp.
#include "samples/epf-test/epf_test.hpp"
#include "vfio_sequence.hpp"

namespace {

using namespace mdev;

std::span<const std::uint8_t> epf_state(Device &dev)
{
    const samples::EpfTestRegs &r =
        dev.vendor_state<samples::EpfTestMdev>().function().regs();
    return {reinterpret_cast<const std::uint8_t *>(&r), sizeof(r)};
}

// The registers (COMMAND, STATUS, IRQ_TYPE/NUMBER, FLAGS), the MSI-X table
// at 0x80 (its second page at 0x1000, the PBA after 2048 entries at
// 0x8080), unused register memory, and the command and BAR config fields.
constexpr std::uint64_t kOffsets[] = {0x00, 0x04, 0x08, 0x1c, 0x24, 0x28, 0x2c, 0x30,
                                      0x80, 0x8c, 0x1000, 0x100c, 0x8080, 0x4, 0x10, 0x24};
constexpr std::uint64_t kValues[] = {0, 1, 2, 4, 8, 0x10, 0x20, 0x40, 0xffffffff, 2048};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    // Kept across inputs: creating one zeroes 1.2 MiB of BAR memory.
    static const fuzz::VfioSample sample{epf_state, kOffsets, kValues, nullptr, true};
    return fuzz::run_vfio_input<samples::EpfTestParent>(data, size, sample);
}
