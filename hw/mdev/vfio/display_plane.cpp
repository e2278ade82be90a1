// SPDX-License-Identifier: GPL-2.0-or-later
#include "vfio/display_plane.hpp"

#include <cinttypes>
#include <cstdio>
#include <string>

namespace mdev::vfio {

namespace {

Error refuse(const GfxPlane &p, const char *why)
{
    char msg[256];
    std::snprintf(msg, sizeof(msg),
                  "display plane (format 0x%08" PRIx32 ", %" PRIu32 "x%" PRIu32
                  ", stride %" PRIu32 ", region %" PRIu32 " offset 0x%" PRIx64 ") %s",
                  p.drm_format, p.width, p.height, p.stride, p.region, p.offset, why);
    return Error{Errc::probe_failed, msg};
}

} // namespace

std::optional<std::uint32_t> drm_format_bytes_per_pixel(std::uint32_t format)
{
    switch (format) {
    case drm_format::kXrgb8888:
    case drm_format::kArgb8888:
    case drm_format::kXbgr8888:
    case drm_format::kAbgr8888:
        return 4;
    case drm_format::kRgb888:
        return 3;
    default:
        return std::nullopt;
    }
}

Result<DisplayPlane> check_plane(const GfxPlane &p, std::uint64_t bar_size)
{
    std::optional<std::uint32_t> bpp = drm_format_bytes_per_pixel(p.drm_format);
    if (!bpp) {
        return refuse(p, "has a format the display cannot show");
    }
    // Unsigned: an index below BAR0 wraps to a large number.
    if (p.region - VFIO_PCI_BAR0_REGION_INDEX >
            VFIO_PCI_BAR5_REGION_INDEX - VFIO_PCI_BAR0_REGION_INDEX ||
        bar_size == 0) {
        return refuse(p, "is not in an mmap-able BAR");
    }
    if (p.width == 0 || p.height == 0 || p.width > kMaxPlaneDimension ||
        p.height > kMaxPlaneDimension) {
        return refuse(p, "has a size outside 1..16384");
    }
    // All products below are of 32-bit values, so exact in 64 bits.
    const std::uint64_t line_bytes = std::uint64_t(p.width) * *bpp;
    if (p.stride < line_bytes) {
        return refuse(p, "has a stride shorter than a line");
    }
    if (p.stride % 4 != 0 || p.offset % 4 != 0) {
        return refuse(p, "has a stride or offset that is not a multiple of 4");
    }
    const std::uint64_t frame_bytes = std::uint64_t(p.stride) * p.height;
    if (p.offset > bar_size || frame_bytes > bar_size - p.offset) {
        return refuse(p, "does not fit in its BAR");
    }
    return DisplayPlane{p.drm_format, *bpp, p.width,          p.height,
                        p.stride,     p.region - VFIO_PCI_BAR0_REGION_INDEX, p.offset};
}

} // namespace mdev::vfio
