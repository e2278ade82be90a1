// SPDX-License-Identifier: GPL-2.0-or-later
// mtty's vfio face (a PCI serial card of 16550A ports) through the vfio
// frontend: UART registers in the I/O BARs, config space, resets, INTx.
#include "samples/mtty/mtty.hpp"
#include "vfio_sequence.hpp"

namespace {

using namespace mdev;

std::span<const std::uint8_t> mtty_state(Device &dev)
{
    const samples::MttyDeviceState &s = dev.vendor_state<samples::MttyMdev>().state();
    return {reinterpret_cast<const std::uint8_t *>(&s), sizeof(s)};
}

// A reset leaves every port with its interrupts disabled: the pin is low.
void intx_low_after_reset(unsigned op, Device &, vfio::PciFunction &, fuzz::FuzzGuest &host)
{
    FUZZ_CHECK(op != fuzz::kReset || !host.intx, "INTx still asserted after a reset");
}

// The eight UART registers; values that switch on FIFOs, DLAB, loopback
// and every interrupt.
constexpr std::uint64_t kRegisters[] = {0, 1, 2, 3, 4, 5, 6, 7};
constexpr std::uint64_t kValues[] = {0x00, 0x01, 0x07, 0x0f, 0x80, 0x03, 0x10, 0xc7, 0x41, 0xff};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const fuzz::VfioSample sample{mtty_state, kRegisters, kValues, intx_low_after_reset};
    return fuzz::run_vfio_input<samples::MttyParent>(data, size, sample);
}
