// SPDX-License-Identifier: GPL-2.0-or-later
// ServedDevice's regions and interrupts for class virtio: the function of
// virtio_function.hpp offered through libvfio-user.
#include "server.hpp"

#include "hw/mdev/capi/virtio-pci.h"

#include <linux/pci_regs.h>

namespace mdev::vfio_user {

const char *ServedDevice::setup_virtio_regions()
{
    // The two BARs the function has (virtio-pci.h): the MSI-X BAR and the
    // structure BAR, both trapped. The client maps neither (no fd): every
    // access to the structures is a message, as a notify write is.
    struct Region {
        unsigned bar;
        vfu_region_access_cb_t *cb;
    };
    static constexpr Region kRegions[] = {
        {MDEV_VIRTIO_MSIX_BAR, bar_access<MDEV_VIRTIO_MSIX_BAR>},
        {MDEV_VIRTIO_STRUCT_BAR, bar_access<MDEV_VIRTIO_STRUCT_BAR>},
    };
    for (const Region &r : kRegions) {
        const vfio::PciBar b = virtio_->bar(r.bar);
        if (vfu_setup_region(ctx_, VFU_PCI_DEV_BAR0_REGION_IDX + r.bar, b.size, r.cb,
                             VFU_REGION_FLAG_RW | VFU_REGION_FLAG_MEM, nullptr, 0, -1, 0) < 0) {
            return "BAR region";
        }
    }
    // INTx (with the ISR) until the guest enables MSI-X; then one vector
    // for config changes and one per queue, as the driver maps them in the
    // common configuration. No MSI capability, as in our QEMU.
    if (vfu_setup_device_nr_irqs(ctx_, VFU_DEV_INTX_IRQ, 1) < 0 ||
        vfu_setup_device_nr_irqs(ctx_, VFU_DEV_MSI_IRQ, 0) < 0 ||
        vfu_setup_device_nr_irqs(ctx_, VFU_DEV_MSIX_IRQ, virtio_->msix_vectors()) < 0) {
        return "interrupts";
    }
    msi_cap_ = 0;
    if (vfu_setup_irq_state_callback(ctx_, VFU_DEV_INTX_IRQ, intx_state_cb) < 0) {
        return "INTx mask callback";
    }
    return nullptr;
}

} // namespace mdev::vfio_user
