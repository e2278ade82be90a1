// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mdpy/mdpy_vfio.hpp"
#include "hw/mdev/le_bytes.hpp"
#include "hw/mdev/pci_config.hpp"

#include "hw/mdev/device.hpp"
#include "samples/mdpy/mdpy.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstring>

namespace mdev::samples {

namespace {

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

// BAR0: the framebuffer, mmap-able so that guest writes never trap.
vfio::RegionInfo bar0_region(const MdpyMode &mode)
{
    return vfio::RegionInfo{VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE | VFIO_REGION_INFO_FLAG_MMAP |
                                vfio::kRegionBarPrefetch,
                            mode.framebuffer_size()};
}

// The kernel sample's vendor capability: a zero byte after the length, then
// format, width and height, so that they land at 0x44, 0x48 and 0x4c.
// The command register stays 0 (the kernel sample starts it at IO|MEM):
// QEMU's PCI core keeps the one the guest sees.
vfio::PciConfig config_of(const MdpyMode &mode)
{
    std::uint8_t payload[13] = {};
    store_le(std::span(payload).subspan(1, 4), mode.drm_format);
    store_le(std::span(payload).subspan(5, 4), mode.width);
    store_le(std::span(payload).subspan(9, 4), mode.height);
    return vfio::PciConfigBuilder()
        .ids(mdpy_pci::kVendorId, mdpy_pci::kDeviceId)
        .revision(mdpy_pci::kRevision)
        .class_code(mdpy_pci::kClassDisplayOther)
        .subsystem(mdpy_pci::kSubVendorId, mdpy_pci::kSubDeviceId)
        .bar(0, bar0_region(mode))
        .vendor_capability(payload)
        .build_or_abort();
}

} // namespace

void mdpy_config_init(MdpyDeviceState &s, const MdpyMode &mode)
{
    config_of(mode).reset(s.config);
}

void mdpy_config_resync(MdpyDeviceState &s, const MdpyMode &mode)
{
    config_of(mode).resync(s.config);
}

vfio::DeviceInfo MdpyVfioOps::device_info(const Device &) const
{
    return {VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET, VFIO_PCI_NUM_REGIONS,
            VFIO_PCI_NUM_IRQS};
}

std::optional<vfio::RegionInfo> MdpyVfioOps::region_info(const Device &dev,
                                                         std::uint32_t index) const
{
    switch (index) {
    case VFIO_PCI_CONFIG_REGION_INDEX:
        return vfio::RegionInfo{VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE, MDPY_CONFIG_SPACE_SIZE};
    case VFIO_PCI_BAR0_REGION_INDEX:
        return bar0_region(mdev_of(dev).mode());
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
        return config_of(m.mode()).read(m.state().config, offset, data);
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
        return config_of(m.mode()).write(m.state().config, offset, data);
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
