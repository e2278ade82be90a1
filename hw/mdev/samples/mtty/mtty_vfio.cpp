// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mtty/mtty_vfio.hpp"
#include "hw/mdev/le_bytes.hpp"

#include "hw/mdev/device.hpp"
#include "samples/mtty/mtty.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstring>

namespace mdev::samples {

namespace {

// Config-space offsets (pci_regs.h names).
constexpr std::uint32_t kVendorId = 0x00;
constexpr std::uint32_t kDeviceId = 0x02;
constexpr std::uint32_t kCommand = 0x04;
constexpr std::uint32_t kStatus = 0x06;
constexpr std::uint32_t kRevision = 0x08;
constexpr std::uint32_t kClassProg = 0x09;
constexpr std::uint32_t kClassDevice = 0x0a;
constexpr std::uint32_t kBar0 = 0x10;
constexpr std::uint32_t kBarEnd = 0x28; // past BAR5
constexpr std::uint32_t kSubsystemVendorId = 0x2c;
constexpr std::uint32_t kSubsystemId = 0x2e;
constexpr std::uint32_t kInterruptLine = 0x3c;
constexpr std::uint32_t kInterruptPin = 0x3d;

constexpr std::uint16_t kWchVendor = 0x4348;
constexpr std::uint16_t kCh352_2s = 0x3253;
constexpr std::uint16_t kStatusDevselMedium = 0x0200;
constexpr std::uint8_t kProgIf16550 = 0x02;
constexpr std::uint16_t kClassSerial = 0x0700;
constexpr std::uint8_t kPinIntA = 0x01;
constexpr std::uint32_t kBarSpaceIo = 0x1;
constexpr std::uint32_t kUartBarSize = 8;

void put16(MttyDeviceState &s, std::uint32_t off, std::uint16_t v)
{
    store_le(std::span(s.config).subspan(off, 2), v);
}

void put32(MttyDeviceState &s, std::uint32_t off, std::uint32_t v)
{
    store_le(std::span(s.config).subspan(off, 4), v);
}

std::uint32_t get32(const MttyDeviceState &s, std::uint32_t off)
{
    return static_cast<std::uint32_t>(load_le(std::span(s.config).subspan(off, 4)));
}

MttyMdev &mdev_of(Device &dev)
{
    return dev.vendor_state<MttyMdev>();
}

// A BAR register as the card decodes it: an 8-byte I/O BAR per port keeps
// address bits 31:3 and reads bit 0 as 1 (so writing all ones reads back
// 0xfffffff9, the size); slots without a port read 0.
std::uint32_t decode_bar(unsigned slot, unsigned ports, std::uint32_t value)
{
    if (slot >= ports) {
        return 0;
    }
    return (value & ~(kUartBarSize - 1)) | kBarSpaceIo;
}

void config_write_byte(MttyMdev &m, std::uint32_t off, std::uint8_t value)
{
    MttyDeviceState &s = m.state();
    if (off >= kBar0 && off < kBarEnd) {
        std::uint32_t reg = off & ~3u;
        std::uint32_t v = get32(s, reg);
        unsigned shift = 8 * (off - reg);
        v = (v & ~(0xffu << shift)) | (std::uint32_t(value) << shift);
        put32(s, reg, decode_bar((reg - kBar0) / 4, m.ports(), v));
    } else if (off == kCommand) {
        s.config[off] = value;
    } else if (off == kInterruptLine) {
        s.config[off] = value;
    }
    // Everything else is read-only.
}

} // namespace

void mtty_config_init(MttyDeviceState &s, unsigned ports)
{
    std::memset(s.config, 0, sizeof(s.config));
    put16(s, kVendorId, kWchVendor);
    put16(s, kDeviceId, kCh352_2s);
    put16(s, kStatus, kStatusDevselMedium);
    s.config[kRevision] = 0x10;
    s.config[kClassProg] = kProgIf16550;
    put16(s, kClassDevice, kClassSerial);
    for (unsigned slot = 0; slot < 6; slot++) {
        put32(s, kBar0 + 4 * slot, decode_bar(slot, ports, 0));
    }
    put16(s, kSubsystemVendorId, kWchVendor);
    put16(s, kSubsystemId, kCh352_2s);
    s.config[kInterruptPin] = kPinIntA;
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
        return vfio::RegionInfo{rw | vfio::kRegionBarIo, kUartBarSize};
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
        if (offset > MTTY_CONFIG_SPACE_SIZE || data.size() > MTTY_CONFIG_SPACE_SIZE - offset) {
            return false;
        }
        std::memcpy(data.data(), m.state().config + offset, data.size());
        return true;
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
        if (offset > MTTY_CONFIG_SPACE_SIZE || data.size() > MTTY_CONFIG_SPACE_SIZE - offset) {
            return false;
        }
        for (std::size_t i = 0; i < data.size(); i++) {
            config_write_byte(m, static_cast<std::uint32_t>(offset + i), data[i]);
        }
        return true;
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
