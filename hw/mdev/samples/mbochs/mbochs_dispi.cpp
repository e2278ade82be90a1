// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mbochs/mbochs_dispi.hpp"
#include "vfio/display_plane.hpp"

#include <algorithm>
#include <cstring>

namespace mdev::samples {

void Dispi::reset()
{
    std::memset(s_.dispi, 0, sizeof(s_.dispi));
    s_.dispi[static_cast<unsigned>(DispiReg::id)] = kDispiId5;
    s_.dispi[static_cast<unsigned>(DispiReg::video_memory_64k)] =
        static_cast<std::uint16_t>(vram_size_ / (64 * 1024));
}

bool Dispi::write(std::uint8_t index, std::uint16_t value)
{
    if (index >= MBOCHS_DISPI_NUM_REGS ||
        index == static_cast<std::uint8_t>(DispiReg::video_memory_64k)) {
        return false;
    }
    if (index == static_cast<std::uint8_t>(DispiReg::id)) {
        // As on QEMU's stdvga: a driver may select an interface version
        // it knows; anything else is not a version and is dropped.
        if (value < kDispiId0 || value > kDispiId5) {
            return false;
        }
    }
    s_.dispi[index] = value;
    return true;
}

std::optional<vfio::GfxPlane> Dispi::primary_plane() const
{
    if (!(reg(DispiReg::enable) & kDispiEnabled) || reg(DispiReg::bpp) != 32) {
        return std::nullopt;
    }
    const std::uint32_t width = reg(DispiReg::xres);
    const std::uint32_t height = reg(DispiReg::yres);
    if (width < kMinPlaneDimension || height < kMinPlaneDimension) {
        return std::nullopt;
    }
    // Every term is a 16-bit register times at most 2^18, so none of the
    // 64-bit products or sums below can overflow; the comparison with the
    // memory size is then exact.
    const std::uint64_t stride =
        std::uint64_t(std::max<std::uint32_t>(reg(DispiReg::virt_width), width)) * 4;
    const std::uint64_t offset =
        std::uint64_t(reg(DispiReg::x_offset)) * 4 + std::uint64_t(reg(DispiReg::y_offset)) * stride;
    const std::uint64_t size = stride * height;
    if (offset > vram_size_ || size > vram_size_ - offset) {
        return std::nullopt;
    }
    return vfio::GfxPlane{vfio::drm_format::kXrgb8888, width, height,
                          static_cast<std::uint32_t>(stride), VFIO_PCI_BAR0_REGION_INDEX, offset};
}

bool Dispi::state_is_valid() const
{
    const std::uint16_t id = reg(DispiReg::id);
    return id >= kDispiId0 && id <= kDispiId5 &&
           reg(DispiReg::video_memory_64k) == vram_size_ / (64 * 1024);
}

} // namespace mdev::samples
