// SPDX-License-Identifier: GPL-2.0-or-later
// mtty's vfio face (a PCI serial card of 16550A ports) through the vfio
// frontend: UART registers in the I/O BARs, config space, resets, INTx,
// with mtty's faults (line errors, overrun, break, modem lines) firing.
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
// Whatever the guest and the faults did (line errors, driven modem lines),
// each port's state is one the model accepts, as a migration load would
// check it.
void check_ports(unsigned op, Device &dev, vfio::PciFunction &, fuzz::FuzzGuest &host)
{
    FUZZ_CHECK(op != fuzz::kReset || !host.intx, "INTx still asserted after a reset");
    samples::MttyMdev &m = dev.vendor_state<samples::MttyMdev>();
    for (unsigned i = 0; i < m.ports(); i++) {
        FUZZ_CHECK(samples::Uart16550::state_is_valid(m.state().port[i]),
                   "port %u's state is one the model refuses", i);
    }
}

// The eight UART registers; values that switch on FIFOs, DLAB, loopback
// and every interrupt.
constexpr std::uint64_t kRegisters[] = {0, 1, 2, 3, 4, 5, 6, 7};
constexpr std::uint64_t kValues[] = {0x00, 0x01, 0x07, 0x0f, 0x80, 0x03, 0x10, 0xc7, 0x41, 0xff};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const fuzz::VfioSample sample{mtty_state, kRegisters, kValues, check_ports};
    return fuzz::run_vfio_input<samples::MttyParent>(data, size, sample);
}
