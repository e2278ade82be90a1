// SPDX-License-Identifier: GPL-2.0-or-later
// mdpy's vfio face: PCI 1b36:000f (subsystem 1af4:1100, class 0x0380,
// rev 1), a vendor capability at 0x40 telling format, width and height, and
// the framebuffer as BAR0 (32-bit prefetchable, mmap-able). No interrupts.
// The display plane is BAR0 from offset 0 (the kernel names an alias region
// 16; qemu-mdev's planes lie in BARs).
#pragma once

#include "hw/mdev/vfio_ops.hpp"
#include "samples/mdpy/mdpy_state.hpp"

namespace mdev::samples {

struct MdpyMode;

// PCI identity (the kernel's mdpy-defs.h).
namespace mdpy_pci {
inline constexpr std::uint16_t kVendorId = 0x1b36;    // Red Hat
inline constexpr std::uint16_t kDeviceId = 0x000f;    // mdpy
inline constexpr std::uint16_t kSubVendorId = 0x1af4; // Red Hat / Qumranet
inline constexpr std::uint16_t kSubDeviceId = 0x1100; // QEMU
inline constexpr std::uint16_t kClassDisplayOther = 0x0380; // the kernel's PCI_CLASS_DISPLAY_OTHER
inline constexpr std::uint8_t kRevision = 0x01;
} // namespace mdpy_pci

// The config space of a fresh mdpy device of `mode`: the vendor capability
// (at 0x40: format, width and height at 0x44, 0x48, 0x4c) and BAR0 sized
// for the framebuffer. Only BAR0's address bits are guest-writable.
void mdpy_config_init(MdpyDeviceState &state, const MdpyMode &mode);

// After a migration load: every read-only config byte as at power-on, the
// BAR0 address kept (masked to the BAR's size).
void mdpy_config_resync(MdpyDeviceState &state, const MdpyMode &mode);

class MdpyVfioOps final : public vfio::VfioOps {
public:
    vfio::PciConfig pci_config(const Device &dev) const override;
    std::optional<vfio::PciConfig::Bytes> config_state(Device &dev) const override;
    void reset(Device &dev) const override;
    std::span<std::uint8_t> mmap(Device &dev, std::uint32_t region) const override;
    bool has_display(const Device &dev) const override;
    std::optional<vfio::GfxPlane> query_gfx_plane(Device &dev) const override;
};

} // namespace mdev::samples
