// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mdpy/mdpy_vfio.hpp"
#include "hw/mdev/le_bytes.hpp"

#include "hw/mdev/device.hpp"
#include "samples/mdpy/mdpy.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstring>

namespace mdev::samples {

namespace {

// Config-space offsets and bits (pci_regs.h names).
constexpr std::uint32_t kVendorIdReg = 0x00;
constexpr std::uint32_t kDeviceIdReg = 0x02;
constexpr std::uint32_t kStatus = 0x06;
constexpr std::uint32_t kRevisionReg = 0x08;
constexpr std::uint32_t kClassDevice = 0x0a;
constexpr std::uint32_t kSubsystemVendorId = 0x2c;
constexpr std::uint32_t kSubsystemId = 0x2e;
constexpr std::uint32_t kCapabilityList = 0x34;
constexpr std::uint16_t kStatusCapList = 0x0010;
constexpr std::uint8_t kCapIdVendor = 0x09;
constexpr std::uint32_t kBarMemPrefetch = 0x8; // memory, 32-bit, prefetchable

void put16(MdpyDeviceState &s, std::uint32_t off, std::uint16_t v)
{
    store_le(std::span(s.config).subspan(off, 2), v);
}

MdpyMdev &mdev_of(Device &dev)
{
    return dev.vendor_state<MdpyMdev>();
}

const MdpyMdev &mdev_of(const Device &dev)
{
    return dev.vendor_state<MdpyMdev>();
}

bool inside(std::uint64_t offset, std::size_t len, std::uint64_t size)
{
    return offset <= size && len <= size - offset;
}

} // namespace

std::uint32_t mdpy_config_get32(const MdpyDeviceState &s, std::uint32_t off)
{
    return static_cast<std::uint32_t>(load_le(std::span(s.config).subspan(off, 4)));
}

void mdpy_config_put32(MdpyDeviceState &s, std::uint32_t off, std::uint32_t v)
{
    store_le(std::span(s.config).subspan(off, 4), v);
}

std::uint32_t mdpy_bar0_decode(const MdpyMode &mode, std::uint32_t value)
{
    const std::uint32_t size = static_cast<std::uint32_t>(mode.framebuffer_size());
    return (value & ~(size - 1)) | kBarMemPrefetch;
}

// The command register is 0 at power-on, as PCI requires (the kernel sample
// starts it at IO|MEM); QEMU's PCI core owns the live header anyway.
void mdpy_config_init(MdpyDeviceState &s, const MdpyMode &mode)
{
    using mdpy_pci::kBar0Offset, mdpy_pci::kClassDisplayOther, mdpy_pci::kSubVendorId,
        mdpy_pci::kSubDeviceId, mdpy_pci::kVendorCapOffset, mdpy_pci::kVendorCapSize,
        mdpy_pci::kFormatOffset, mdpy_pci::kWidthOffset, mdpy_pci::kHeightOffset;
    std::memset(s.config, 0, sizeof(s.config));
    put16(s, kVendorIdReg, mdpy_pci::kVendorId);
    put16(s, kDeviceIdReg, mdpy_pci::kDeviceId);
    put16(s, kStatus, kStatusCapList);
    s.config[kRevisionReg] = mdpy_pci::kRevision;
    put16(s, kClassDevice, kClassDisplayOther);
    mdpy_config_put32(s, kBar0Offset, mdpy_bar0_decode(mode, 0));
    put16(s, kSubsystemVendorId, kSubVendorId);
    put16(s, kSubsystemId, kSubDeviceId);
    s.config[kCapabilityList] = kVendorCapOffset;
    s.config[kVendorCapOffset] = kCapIdVendor;
    s.config[kVendorCapOffset + 1] = 0; // last capability
    s.config[kVendorCapOffset + 2] = kVendorCapSize;
    mdpy_config_put32(s, kFormatOffset, mode.drm_format);
    mdpy_config_put32(s, kWidthOffset, mode.width);
    mdpy_config_put32(s, kHeightOffset, mode.height);
}

vfio::DeviceInfo MdpyVfioOps::device_info(const Device &) const
{
    return {VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET, VFIO_PCI_NUM_REGIONS,
            VFIO_PCI_NUM_IRQS};
}

std::optional<vfio::RegionInfo> MdpyVfioOps::region_info(const Device &dev,
                                                         std::uint32_t index) const
{
    constexpr std::uint32_t rw = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
    switch (index) {
    case VFIO_PCI_CONFIG_REGION_INDEX:
        return vfio::RegionInfo{rw, MDPY_CONFIG_SPACE_SIZE};
    case VFIO_PCI_BAR0_REGION_INDEX:
        return vfio::RegionInfo{rw | VFIO_REGION_INFO_FLAG_MMAP | vfio::kRegionBarPrefetch,
                                mdev_of(dev).mode().framebuffer_size()};
    default:
        if (index < VFIO_PCI_NUM_REGIONS) {
            return vfio::RegionInfo{0, 0};
        }
        return std::nullopt;
    }
}

std::optional<vfio::IrqInfo> MdpyVfioOps::irq_info(const Device &, std::uint32_t index) const
{
    if (index < VFIO_PCI_NUM_IRQS) {
        return vfio::IrqInfo{0, 0};
    }
    return std::nullopt;
}

bool MdpyVfioOps::read(Device &dev, std::uint32_t region, std::uint64_t offset,
                       std::span<std::uint8_t> data) const
{
    MdpyMdev &m = mdev_of(dev);
    if (region == VFIO_PCI_CONFIG_REGION_INDEX) {
        if (!inside(offset, data.size(), MDPY_CONFIG_SPACE_SIZE)) {
            return false;
        }
        std::memcpy(data.data(), m.state().config + offset, data.size());
        return true;
    }
    if (region == VFIO_PCI_BAR0_REGION_INDEX) {
        std::span<std::uint8_t> fb = m.framebuffer();
        if (!inside(offset, data.size(), fb.size())) {
            return false;
        }
        std::memcpy(data.data(), fb.data() + offset, data.size());
        return true;
    }
    return false;
}

bool MdpyVfioOps::write(Device &dev, std::uint32_t region, std::uint64_t offset,
                        std::span<const std::uint8_t> data) const
{
    MdpyMdev &m = mdev_of(dev);
    if (region == VFIO_PCI_CONFIG_REGION_INDEX) {
        if (!inside(offset, data.size(), MDPY_CONFIG_SPACE_SIZE)) {
            return false;
        }
        // Only BAR0 is writable; every other config byte is read-only.
        MdpyDeviceState &s = m.state();
        for (std::size_t i = 0; i < data.size(); i++) {
            std::uint64_t off = offset + i;
            if (off >= mdpy_pci::kBar0Offset && off < mdpy_pci::kBar0Offset + 4) {
                s.config[off] = data[i];
            }
        }
        mdpy_config_put32(s, mdpy_pci::kBar0Offset,
                          mdpy_bar0_decode(m.mode(), mdpy_config_get32(s, mdpy_pci::kBar0Offset)));
        return true;
    }
    if (region == VFIO_PCI_BAR0_REGION_INDEX) {
        std::span<std::uint8_t> fb = m.framebuffer();
        if (!inside(offset, data.size(), fb.size())) {
            return false;
        }
        std::memcpy(fb.data() + offset, data.data(), data.size());
        return true;
    }
    return false;
}

bool MdpyVfioOps::set_irqs(Device &, std::uint32_t, vfio::IrqSink *) const
{
    return false; // mdpy has no interrupts
}

void MdpyVfioOps::reset(Device &dev) const
{
    mdev_of(dev).reset();
}

std::span<std::uint8_t> MdpyVfioOps::mmap(Device &dev, std::uint32_t region) const
{
    if (region != VFIO_PCI_BAR0_REGION_INDEX) {
        return {};
    }
    return mdev_of(dev).framebuffer();
}

bool MdpyVfioOps::has_display(const Device &) const
{
    return true;
}

std::optional<vfio::GfxPlane> MdpyVfioOps::query_gfx_plane(Device &dev) const
{
    const MdpyMode &mode = mdev_of(dev).mode();
    return vfio::GfxPlane{mode.drm_format, mode.width, mode.height, mode.stride(),
                          VFIO_PCI_BAR0_REGION_INDEX, 0};
}

} // namespace mdev::samples
