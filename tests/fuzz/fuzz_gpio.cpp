// SPDX-License-Identifier: GPL-2.0-or-later
// gpio (an ACCES PCI-IDIO-16 with its outputs wired to its inputs) through
// the vfio frontend: its eight one-byte registers in BAR2, accesses of every
// width and offset, the change-of-state interrupt and resets.
#include "samples/gpio/gpio.hpp"
#include "vfio_sequence.hpp"

namespace {

using namespace mdev;

std::span<const std::uint8_t> gpio_state(Device &dev)
{
    const samples::GpioRegs &r = dev.vendor_state<samples::GpioMdev>().regs();
    return {reinterpret_cast<const std::uint8_t *>(&r), sizeof(r)};
}

// Every register of BAR2, and the command and BAR2 config fields.
constexpr std::uint64_t kOffsets[] = {0, 1, 2, 3, 4, 5, 6, 7, 0x4, 0x18};
constexpr std::uint64_t kValues[] = {0, 0xff, 0x55, 0xaa, 0x01, 0x80};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const fuzz::VfioSample sample{gpio_state, kOffsets, kValues};
    return fuzz::run_vfio_input<samples::GpioParent>(data, size, sample);
}
