// SPDX-License-Identifier: GPL-2.0-or-later
// mnvme's vfio face: an NVM Express function as Linux's nvme driver finds
// it, by class code (PCI_CLASS_STORAGE_EXPRESS 0x010802, prog-if 02h:
// NVM Express), not by ids.
//  BAR0  64-bit memory, 16 KiB: the controller registers and doorbells
//        (nvme_controller.hpp), trapped: 32-bit registers (a 64-bit access
//        is two, low half first), narrower reads take bytes of a dword,
//        narrower writes are refused (see bar0_write).
//  MSI-X 17 vectors, one per queue id (admin and 16 I/O queues), table at
//        BAR0 + 0x2000, PBA at BAR0 + 0x3000 (as QEMU's nvme lays its out);
//        the vfio frontend emulates both, so those accesses never reach
//        the controller.
//  INTA  level interrupt (7.5.1 pin-based), while MSI-X is off.
// Ids: 1af4:10f1 is in the range QEMU's docs/specs/pci-ids.rst leaves for
// experimental devices (1af4:10f0..10ff; 10f0 was taken by a test
// function since replaced by epf-test); subsystem 1af4:1100 as QEMU's
// emulated devices.
//
#include "samples/mnvme/mnvme.hpp"

#include "hw/mdev/device.hpp"
#include "hw/mdev/pci_config.hpp"

#include <cinttypes>

namespace mdev::samples {

namespace {

constexpr std::uint16_t kVendor = 0x1af4;         // Red Hat / Qumranet, experimental range
constexpr std::uint16_t kDevice = 0x10f1;
constexpr std::uint16_t kSubsystemDevice = 0x1100; // "QEMU" subsystem, pci-ids.rst
constexpr std::uint16_t kClassStorageNvm = 0x0108; // PCI_CLASS_STORAGE_EXPRESS >> 8
constexpr std::uint8_t kProgIfNvme = 0x02;         // NVM Express
constexpr std::uint8_t kPinIntA = 1;
constexpr std::uint32_t kMsixTable = 0x2000;
constexpr std::uint32_t kMsixPba = 0x3000;

vfio::PciConfig config_space()
{
    return vfio::PciConfigBuilder()
        .ids(kVendor, kDevice)
        .class_code(kClassStorageNvm, kProgIfNvme)
        .subsystem(kVendor, kSubsystemDevice)
        .bar(0, vfio::PciBar::mem64(nvme::kBar0Size))
        .interrupt_pin(kPinIntA)
        .msix(nvme::kQueueIds, 0, kMsixTable, 0, kMsixPba)
        .build_or_abort();
}

MnvmeMdev &mdev_of(Device &dev)
{
    return dev.vendor_state<MnvmeMdev>();
}

// BAR0's registers. They are 32 bits wide (a 64-bit access is two, low
// half first, as QEMU splits an 8-byte access and as Linux's
// lo_hi_readq/writeq do anyway; a misaligned one never arrives). A narrower
// read returns those bytes of the dword that holds them, as QEMU's nvme
// does; a narrower write is a guest error and changes nothing (the spec has
// registers written at their width, and a partial CC or doorbell write
// would be a guess).
std::uint64_t bar0_read(void *opaque, std::uint64_t offset, unsigned size)
{
    MnvmeMdev &m = *static_cast<MnvmeMdev *>(opaque);
    const auto dword = m.controller().read32(static_cast<std::uint32_t>(offset & ~3ull));
    if (size == 4) {
        return dword;
    }
    return (dword >> (8 * (offset & 3))) & ((1ull << (8 * size)) - 1);
}

void bar0_write(void *opaque, std::uint64_t offset, std::uint64_t value, unsigned size)
{
    MnvmeMdev &m = *static_cast<MnvmeMdev *>(opaque);
    if (size != 4) {
        m.ports().guest_error("mnvme: BAR0: %u-byte write of 0x%" PRIx64 " at 0x%" PRIx64
                              "; the registers take 32-bit writes: ignored",
                              size, value, offset);
        return;
    }
    m.controller().write32(static_cast<std::uint32_t>(offset), static_cast<std::uint32_t>(value));
}

class MnvmeVfioOps final : public vfio::VfioOps {
public:
    void open(Device &dev) const override
    {
        mdev_of(dev).ports().dev = &dev;
        mdev_of(dev).controller().attach_faults(dev.faults());
    }

    vfio::PciConfig pci_config(const Device &) const override { return config_space(); }

    vfio::BarAccessor bar_accessor(Device &dev, unsigned) const override
    {
        MnvmeMdev &m = mdev_of(dev);
        m.ports().dev = &dev;
        return vfio::BarAccessor{.read = bar0_read,
                                 .write = bar0_write,
                                 .opaque = &m,
                                 .min_size = 1,
                                 .max_size = 4,
                                 .unaligned = false};
    }

    bool set_irqs(Device &dev, std::uint32_t index, vfio::IrqSink *sink) const override
    {
        MnvmeMdev &m = mdev_of(dev);
        m.ports().dev = &dev;
        if (index == VFIO_PCI_INTX_IRQ_INDEX) {
            m.ports().intx = sink;
        } else if (index == VFIO_PCI_MSIX_IRQ_INDEX) {
            m.ports().msix = sink;
        } else {
            return false; // no MSI: Linux's nvme takes MSI-X, else INTx
        }
        m.controller().irq_changed();
        if (sink && index == VFIO_PCI_INTX_IRQ_INDEX) {
            sink->set_level(m.controller().state().intx_level); // the new sink learns it
        }
        return true;
    }

    void reset(Device &dev) const override { mdev_of(dev).controller().power_on_reset(); }
};

const MnvmeVfioOps kOps;

} // namespace

const vfio::VfioOps &mnvme_vfio_ops()
{
    return kOps;
}

} // namespace mdev::samples
