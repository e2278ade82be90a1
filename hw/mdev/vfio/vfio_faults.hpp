// SPDX-License-Identifier: GPL-2.0-or-later
// The faults every mdev of class vfio gets from the frontend
// (docs/fault-injection.md): declared here, checked by PciFunction where
// interrupts and DMA pass.
#pragma once

#include "hw/mdev/fault.hpp"

namespace mdev::vfio {

struct VfioFaults {
    // drop-irq: the next interrupt (INTx assertion, MSI or MSI-X message;
    // `vector`, if given, only that one; INTx is vector 0) is not
    // delivered: no message, no pending bit, the pin not raised.
    FaultSet::Id drop_irq;
    // spurious-irq: one interrupt now, on the index in use (`vector`,
    // default 0): an MSI or MSI-X message (a masked MSI-X vector gets its
    // pending bit), or a pulse of INTx if the device does not hold it.
    FaultSet::Id spurious_irq;
    // dma-error: the next bus-master DMA (`direction` read, write or any)
    // fails as a target abort would: nothing is transferred and the
    // device's dma_read/dma_write returns false.
    FaultSet::Id dma_error;
    // surprise-removal: from injection until cleared the function is a
    // card pulled out of its slot: config space and every BAR read all
    // ones, writes are ignored, no DMA, no interrupt (INTx deasserted).
    // Clearing it puts the card back in reset state.
    FaultSet::Id surprise_removal;

    // Parameter indexes.
    static constexpr std::size_t kVector = 0;    // drop-irq, spurious-irq
    static constexpr std::size_t kDirection = 0; // dma-error

    // Declares them in `set` (again on a re-bind: the same ids).
    static VfioFaults declare(FaultSet &set);
};

} // namespace mdev::vfio
