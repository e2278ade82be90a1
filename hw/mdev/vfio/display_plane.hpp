// SPDX-License-Identifier: GPL-2.0-or-later
// The vfio frontend's check of a display plane (VfioOps::query_gfx_plane)
// against the BAR that is to hold it. The glue shows a plane by pointing a
// display surface straight at the BAR's host memory, so a plane that does
// not fit (a device bug, or a mode the guest programmed) must be refused
// here: otherwise the UI would read past the end of that memory.
#pragma once

#include "hw/mdev/error.hpp"
#include "hw/mdev/vfio_ops.hpp"

#include <cstdint>
#include <optional>

namespace mdev::vfio {

// DRM fourcc codes (drm_fourcc.h) of the formats a plane may have: the ones
// QEMU's UI can show without conversion (qemu_drm_format_to_pixman()).
// Spelled here because Debian's linux-libc-dev ships no drm_fourcc.h (it is
// in libdrm-dev, which qemu-mdev does not otherwise need); fourcc() is that
// header's fourcc_code().
namespace drm_format {
inline constexpr std::uint32_t fourcc(char a, char b, char c, char d)
{
    return std::uint32_t(std::uint8_t(a)) | std::uint32_t(std::uint8_t(b)) << 8 |
           std::uint32_t(std::uint8_t(c)) << 16 | std::uint32_t(std::uint8_t(d)) << 24;
}
inline constexpr std::uint32_t kXrgb8888 = fourcc('X', 'R', '2', '4'); // 0x34325258
inline constexpr std::uint32_t kArgb8888 = fourcc('A', 'R', '2', '4');
inline constexpr std::uint32_t kXbgr8888 = fourcc('X', 'B', '2', '4');
inline constexpr std::uint32_t kAbgr8888 = fourcc('A', 'B', '2', '4');
inline constexpr std::uint32_t kRgb888 = fourcc('R', 'G', '2', '4');
} // namespace drm_format

// Bytes per pixel of a supported format; nullopt for any other.
std::optional<std::uint32_t> drm_format_bytes_per_pixel(std::uint32_t format);

// The largest width or height shown. QEMU's surfaces (pixman) take ints;
// this keeps every product of sizes far from overflowing them.
inline constexpr std::uint32_t kMaxPlaneDimension = 16384;

// A plane that fits its BAR: every byte of lines [0, height) at
// bar memory[offset + y * stride, + stride) lies inside the BAR.
struct DisplayPlane {
    std::uint32_t drm_format = 0;
    std::uint32_t bytes_per_pixel = 0;
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    std::uint32_t stride = 0;
    unsigned bar = 0;
    std::uint64_t offset = 0;

    friend bool operator==(const DisplayPlane &, const DisplayPlane &) = default;
};

// Checks `plane` against the memory of the BAR its region names.
// `bar_size` is the size of that BAR's host memory (0: the region is not an
// mmap-able BAR, so there is no memory to show). Refuses (probe_failed, with
// a message for the guest log): an unsupported format, a zero or too large
// width or height, a stride shorter than a line or not a multiple of 4 (as
// pixman requires), a misaligned offset, and a frame past the BAR's end.
Result<DisplayPlane> check_plane(const GfxPlane &plane, std::uint64_t bar_size);

} // namespace mdev::vfio
