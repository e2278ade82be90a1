// SPDX-License-Identifier: GPL-2.0-or-later
// The vfio frontend's surprise-removal fault on a served device
// (docs/fault-injection.md; docs/vfio-user.md, "Monitor"). The frontend
// makes config space and every trapped BAR read all ones, drops the
// device's DMA and interrupts; the server adds what is its own: its copy
// of PCI_COMMAND, which it otherwise lays over the frontend's config
// reads, reads all ones too and takes no writes. Put back, the card comes
// as one just inserted: the server resets the function through the
// frontend (config space at power-on, MSI and MSI-X off, the parent's
// reset), clears its PCI_COMMAND (bus mastering off, no decoding) and
// programs its MSI-X identity table again, as after a client's reset. The
// client is not told (vfio-user has no hot-plug message): it keeps its
// own emulation (the BAR addresses, the MSI-X table and its enables),
// which the guest's PCI remove and rescan then rewrite.
//
// One byte keeps its value while the card is out: PCI_INTERRUPT_PIN. The
// kernel's vfio-pci virtualizes it (its config emulation answers from the
// pin it read at open, whatever the hardware says), and QEMU's vfio client
// relies on that: it reads the pin from the device each time it turns INTx
// on (when the guest turns MSI-X off), and 0xff there makes it assert INTx
// pin 254 at the device's next INTx, which aborts the client QEMU (10.2.2:
// pci_irq_handler's assertion `irq_num < PCI_NUM_PINS`; seen with the
// guest case vfio-user-mnvme-faults, docs/vfio-user.md).
#include "server.hpp"

#include "vfio/pci_function.hpp"

#include <linux/pci_regs.h>

namespace mdev::vfio_user {

bool ServedDevice::set_present(bool present)
{
    if (!present) {
        present_ = false;
        return false; // the rest is the frontend's
    }
    present_ = true;
    command_ = 0;
    intx_.set_level(false);
    intx_.reset();
    if (vfio::PciFunction *fn = function()) {
        fn->reset();
        program_msix_table();
    }
    return true;
}

std::uint32_t ServedDevice::absent_config(std::uint32_t offset, unsigned size,
                                          std::uint32_t value) const
{
    if (PCI_INTERRUPT_PIN >= offset && PCI_INTERRUPT_PIN < offset + size) {
        const unsigned shift = 8 * (PCI_INTERRUPT_PIN - offset);
        value = (value & ~(0xffu << shift)) | (std::uint32_t(interrupt_pin_) << shift);
    }
    return value;
}

} // namespace mdev::vfio_user
