// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mbochs/mbochs_dispi.hpp"
#include "vfio/display_plane.hpp"

#include <algorithm>
#include <cstddef>

namespace mdev::samples {

using regs::Register;

void Dispi::reset()
{
    registers().reset();
}

std::uint16_t Dispi::read(std::uint8_t index) const
{
    // No DISPI register has a read hook: reading has no side effect.
    return static_cast<std::uint16_t>(const_cast<Dispi *>(this)->registers().read(2u * index, 2));
}

bool Dispi::write(std::uint8_t index, std::uint16_t value)
{
    return registers().write(2u * index, value, 2);
}

// As on QEMU's stdvga: a driver may select an interface version it knows;
// anything else is not a version and is dropped.
const char *Dispi::write_id(const Register &, std::uint64_t value)
{
    if (value < kDispiId0 || value > kDispiId5) {
        return "not an interface version (0xb0c0-0xb0c5)";
    }
    s_.dispi[static_cast<unsigned>(DispiReg::id)] = static_cast<std::uint16_t>(value);
    return nullptr;
}

std::uint64_t Dispi::video_memory_64k() const
{
    return vram_size_ / (64 * 1024);
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
