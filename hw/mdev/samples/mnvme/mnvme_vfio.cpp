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
#include "hw/mdev/le_bytes.hpp"
#include "hw/mdev/pci_config.hpp"

#include <linux/pci_regs.h>

#include <algorithm>
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

constexpr vfio::RegionInfo kBar0 = {
    VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE | vfio::kRegionBarMem64,
    nvme::kBar0Size};

const vfio::PciConfig &config_space()
{
    static const vfio::PciConfig config = vfio::PciConfigBuilder()
                                              .ids(kVendor, kDevice)
                                              .class_code(kClassStorageNvm, kProgIfNvme)
                                              .subsystem(kVendor, kSubsystemDevice)
                                              .bar(0, kBar0)
                                              .interrupt_pin(kPinIntA)
                                              .msix(nvme::kQueueIds, 0, kMsixTable, 0, kMsixPba)
                                              .build_or_abort();
    return config;
}

MnvmeMdev &mdev_of(Device &dev)
{
    return dev.vendor_state<MnvmeMdev>();
}

// BAR0's direct handlers. The registers are 32 bits wide (a 64-bit one is
// two accesses, low half first, as QEMU splits an 8-byte access and as
// Linux's lo_hi_readq/writeq do anyway). A narrower read returns those bytes
// of the dword that holds them, as QEMU's nvme does; a narrower write is a
// guest error and changes nothing (the spec has registers written at their
// width, and a partial CC or doorbell write would be a guess).
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

bool bar0_access_ok(Device &dev, const char *what, std::uint64_t offset, std::size_t size)
{
    if (offset >= nvme::kBar0Size || size > nvme::kBar0Size - offset) {
        return false;
    }
    if (size < 4 && what[0] == 'w') {
        dev.guest_error("mnvme: BAR0: %zu-byte %s at 0x%" PRIx64
                        "; the registers take 32-bit writes",
                        size, what, offset);
        return false;
    }
    return true;
}

class MnvmeVfioOps final : public vfio::VfioOps {
public:
    void open(Device &dev) const override { mdev_of(dev).ports().dev = &dev; }

    vfio::DeviceInfo device_info(const Device &) const override
    {
        return {VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET, VFIO_PCI_NUM_REGIONS,
                VFIO_PCI_NUM_IRQS};
    }

    std::optional<vfio::RegionInfo> region_info(const Device &,
                                                std::uint32_t index) const override
    {
        if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
            return vfio::RegionInfo{VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE,
                                    PCI_CFG_SPACE_SIZE};
        }
        if (index == VFIO_PCI_BAR0_REGION_INDEX) {
            return kBar0;
        }
        if (index < VFIO_PCI_NUM_REGIONS) {
            return vfio::RegionInfo{0, 0};
        }
        return std::nullopt;
    }

    std::optional<vfio::IrqInfo> irq_info(const Device &, std::uint32_t index) const override
    {
        if (index == VFIO_PCI_INTX_IRQ_INDEX) {
            return vfio::IrqInfo{VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
                                     VFIO_IRQ_INFO_AUTOMASKED,
                                 1};
        }
        if (index == VFIO_PCI_MSIX_IRQ_INDEX) {
            return vfio::IrqInfo{VFIO_IRQ_INFO_EVENTFD, nvme::kQueueIds};
        }
        if (index < VFIO_PCI_NUM_IRQS) {
            return vfio::IrqInfo{0, 0};
        }
        return std::nullopt;
    }

    bool read(Device &dev, std::uint32_t region, std::uint64_t offset,
              std::span<std::uint8_t> data) const override
    {
        std::fill(data.begin(), data.end(), 0xff);
        if (region == VFIO_PCI_CONFIG_REGION_INDEX) {
            return config_space().read(config_space().image(), offset, data);
        }
        if (region != VFIO_PCI_BAR0_REGION_INDEX || !bar0_access_ok(dev, "read", offset, data.size())) {
            return false;
        }
        MnvmeMdev &m = mdev_of(dev);
        for (std::size_t i = 0; i < data.size(); i += 4) {
            const std::size_t n = std::min<std::size_t>(4, data.size() - i);
            store_le(data.subspan(i, n), bar0_read(&m, offset + i, static_cast<unsigned>(n)));
        }
        return true;
    }

    bool write(Device &dev, std::uint32_t region, std::uint64_t offset,
               std::span<const std::uint8_t> data) const override
    {
        if (region == VFIO_PCI_CONFIG_REGION_INDEX) {
            // QEMU's PCI core keeps BAR0's address and the command register;
            // nothing in the function's own config space is writable.
            return offset <= PCI_CFG_SPACE_SIZE && data.size() <= PCI_CFG_SPACE_SIZE - offset;
        }
        if (region != VFIO_PCI_BAR0_REGION_INDEX || !bar0_access_ok(dev, "write", offset, data.size())) {
            return false;
        }
        nvme::Controller &c = mdev_of(dev).controller();
        for (std::size_t i = 0; i < data.size(); i += 4) {
            c.write32(static_cast<std::uint32_t>(offset + i),
                      static_cast<std::uint32_t>(load_le(data.subspan(i, 4))));
        }
        return true;
    }

    std::optional<vfio::BarAccessor> bar_accessor(Device &dev, unsigned bar) const override
    {
        if (bar != 0) {
            return std::nullopt;
        }
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
