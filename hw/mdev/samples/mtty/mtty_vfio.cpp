// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mtty/mtty_vfio.hpp"
#include "hw/mdev/pci_config.hpp"

#include "hw/mdev/device.hpp"
#include "samples/mtty/mtty.hpp"

#include <algorithm>
#include <cinttypes>

#include <linux/pci_regs.h>

namespace mdev::samples {

namespace {

constexpr std::uint16_t kWchVendor = 0x4348;
constexpr std::uint16_t kCh352_2s = 0x3253;
constexpr std::uint16_t kClassSerial = 0x0700; // the kernel's PCI_CLASS_COMMUNICATION_SERIAL
constexpr std::uint8_t kProgIf16550 = 0x02;
constexpr std::uint8_t kRevision = 0x10;
constexpr std::uint8_t kPinIntA = 1;
constexpr std::uint64_t kUartBarSize = 8;

MttyMdev &mdev_of(Device &dev)
{
    return dev.vendor_state<MttyMdev>();
}

// BAR n is port n's eight UART registers, in I/O space.
vfio::RegionInfo port_region()
{
    return vfio::RegionInfo{VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE | vfio::kRegionBarIo,
                            kUartBarSize};
}

// The CH352 as the card shows it. The guest may write the low byte of the
// command register and the interrupt line (as the card always allowed);
// QEMU's PCI core keeps the copies the guest sees anyway.
vfio::PciConfig config_of(unsigned ports)
{
    vfio::PciConfigBuilder b;
    b.ids(kWchVendor, kCh352_2s)
        .revision(kRevision)
        .class_code(kClassSerial, kProgIf16550)
        .subsystem(kWchVendor, kCh352_2s)
        .status(PCI_STATUS_DEVSEL_MEDIUM)
        .command(0, 0x00ff)
        .interrupt_pin(kPinIntA);
    for (unsigned port = 0; port < ports; port++) {
        b.bar(port, port_region());
    }
    return b.build_or_abort();
}

} // namespace

void mtty_config_init(MttyDeviceState &s, unsigned ports)
{
    config_of(ports).reset(s.config);
}

void mtty_config_resync(MttyDeviceState &s, unsigned ports)
{
    config_of(ports).resync(s.config);
}

vfio::DeviceInfo MttyVfioOps::device_info(const Device &) const
{
    return {VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET, VFIO_PCI_NUM_REGIONS,
            VFIO_PCI_NUM_IRQS};
}

std::optional<vfio::RegionInfo> MttyVfioOps::region_info(const Device &dev,
                                                         std::uint32_t index) const
{
    if (index >= VFIO_PCI_NUM_REGIONS) {
        return std::nullopt;
    }
    constexpr std::uint32_t rw = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
    if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
        return vfio::RegionInfo{rw, MTTY_CONFIG_SPACE_SIZE};
    }
    if (index < dev.vendor_state<MttyMdev>().ports()) {
        return port_region();
    }
    return vfio::RegionInfo{0, 0};
}

std::optional<vfio::IrqInfo> MttyVfioOps::irq_info(const Device &, std::uint32_t index) const
{
    switch (index) {
    case VFIO_PCI_INTX_IRQ_INDEX:
        return vfio::IrqInfo{
            VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED, 1};
    case VFIO_PCI_MSI_IRQ_INDEX:
    case VFIO_PCI_MSIX_IRQ_INDEX:
    case VFIO_PCI_ERR_IRQ_INDEX:
    case VFIO_PCI_REQ_IRQ_INDEX:
        return vfio::IrqInfo{0, 0};
    default:
        return std::nullopt;
    }
}

bool MttyVfioOps::read(Device &dev, std::uint32_t region, std::uint64_t offset,
                       std::span<std::uint8_t> data) const
{
    MttyMdev &m = mdev_of(dev);
    if (region == VFIO_PCI_CONFIG_REGION_INDEX) {
        return config_of(m.ports()).read(m.state().config, offset, data);
    }
    if (region >= m.ports() || offset >= kUartBarSize) {
        return false;
    }
    if (data.size() != 1) {
        dev.guest_error("mtty: BAR%" PRIu32 ": %zu-byte read at offset 0x%" PRIx64
                        "; the UART's registers are one byte wide",
                        region, data.size(), offset);
        std::fill(data.begin(), data.end(), 0xff);
        return false;
    }
    data[0] = m.uart_read(region, static_cast<std::uint8_t>(offset));
    return true;
}

bool MttyVfioOps::write(Device &dev, std::uint32_t region, std::uint64_t offset,
                        std::span<const std::uint8_t> data) const
{
    MttyMdev &m = mdev_of(dev);
    if (region == VFIO_PCI_CONFIG_REGION_INDEX) {
        return config_of(m.ports()).write(m.state().config, offset, data);
    }
    if (region >= m.ports() || offset >= kUartBarSize) {
        return false;
    }
    if (data.size() != 1) {
        dev.guest_error("mtty: BAR%" PRIu32 ": %zu-byte write at offset 0x%" PRIx64
                        "; the UART's registers are one byte wide",
                        region, data.size(), offset);
        return false;
    }
    m.uart_write(region, static_cast<std::uint8_t>(offset), data[0]);
    return true;
}

std::optional<vfio::BarAccessor> MttyVfioOps::bar_accessor(Device &dev, unsigned bar) const
{
    MttyMdev &m = mdev_of(dev);
    if (bar >= m.ports()) {
        return std::nullopt;
    }
    return m.port_accessor(bar);
}

bool MttyVfioOps::set_irqs(Device &dev, std::uint32_t index, vfio::IrqSink *sink) const
{
    if (index != VFIO_PCI_INTX_IRQ_INDEX) {
        return false;
    }
    mdev_of(dev).set_intx_sink(sink);
    return true;
}

void MttyVfioOps::reset(Device &dev) const
{
    MttyMdev &m = mdev_of(dev);
    mtty_config_init(m.state(), m.ports());
    m.reset_ports();
}

} // namespace mdev::samples
