// SPDX-License-Identifier: GPL-2.0-or-later
// mbochs's vfio face: a bochs display function (1234:1111, subsystem
// 1af4:1100, class 0380, rev 1), no capabilities, no interrupts.
//  BAR0  32-bit prefetchable memory: the video memory, mmap-able.
//  BAR2  32-bit MMIO, 4 KiB, laid out as QEMU stdvga's MMIO BAR:
//        0x000-0x3ff EDID (read-only), 0x400-0x41f VGA ioports (ignored),
//        0x500-0x515 DISPI registers (16-bit only), 0x600-0x607 QEMU
//        extended registers (absent: read 0).
// The primary plane is region-based (BAR0 + offset): in one process the
// display reads the BAR's memory directly, so the kernel sample's dma-buf
// and its VFIO EDID region (link state, resizable EDID) have no use here;
// the EDID is fixed when the mdev is created (type and properties, see
// mbochs_modes.hpp) and always shown.
#pragma once

#include "hw/mdev/vfio_ops.hpp"
#include "samples/mbochs/mbochs_state.hpp"

namespace mdev::samples {

inline constexpr std::uint32_t kMbochsMmioSize = 4096;
inline constexpr std::uint32_t kMbochsEdidOffset = 0x000, kMbochsEdidEnd = 0x400;
inline constexpr std::uint32_t kMbochsVgaOffset = 0x400, kMbochsVgaEnd = 0x420;
inline constexpr std::uint32_t kMbochsDispiOffset = 0x500, kMbochsDispiEnd = 0x516;
inline constexpr std::uint32_t kMbochsQextOffset = 0x600, kMbochsQextEnd = 0x608;

// The config space of a fresh function with `vram_size` bytes of video
// memory (BAR0), and whether a loaded one could be what a guest made of it
// (every read-only bit as at power-on: ids, BAR type bits, BAR address
// bits below each BAR's size).
void mbochs_config_init(MbochsDeviceState &state, std::uint64_t vram_size);
bool mbochs_config_is_valid(const MbochsDeviceState &state, std::uint64_t vram_size);

class MbochsVfioOps final : public vfio::VfioOps {
public:
    vfio::PciConfig pci_config(const Device &dev) const override;
    std::optional<vfio::PciConfig::Bytes> config_state(Device &dev) const override;
    vfio::BarAccessor bar_accessor(Device &dev, unsigned bar) const override;
    void reset(Device &dev) const override;
    std::span<std::uint8_t> mmap(Device &dev, std::uint32_t region) const override;
    bool has_display(const Device &) const override { return true; }
    std::optional<vfio::GfxPlane> query_gfx_plane(Device &dev) const override;
};

} // namespace mdev::samples
