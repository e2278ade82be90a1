// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mdpy/mdpy_vfio.hpp"
#include "hw/mdev/le_bytes.hpp"
#include "hw/mdev/pci_config.hpp"

#include "hw/mdev/device.hpp"
#include "samples/mdpy/mdpy.hpp"


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
        .bar(0, vfio::PciBar::ram32(mode.framebuffer_size())) // the framebuffer: never traps
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

vfio::PciConfig MdpyVfioOps::pci_config(const Device &dev) const
{
    return config_of(mdev_of(dev).mode());
}

std::optional<vfio::PciConfig::Bytes> MdpyVfioOps::config_state(Device &dev) const
{
    return vfio::PciConfig::Bytes(mdev_of(dev).state().config);
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
