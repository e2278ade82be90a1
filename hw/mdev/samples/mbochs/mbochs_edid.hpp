// SPDX-License-Identifier: GPL-2.0-or-later
// A 128-byte EDID 1.4 base block for a virtual monitor whose preferred (and
// native) mode is the given resolution at 60 Hz: header, vendor "RHT",
// sRGB chromaticity, established timings that fit, a detailed timing with
// CVT reduced-blanking figures, a range-limits and a name descriptor, and
// the checksum. mbochs shows it at the start of its MMIO BAR, as QEMU's
// stdvga and bochs-display do, so the guest's driver learns its modes.
#pragma once

#include <array>
#include <cstdint>

namespace mdev::samples {

inline constexpr std::size_t kEdidBlockSize = 128;
using EdidBlock = std::array<std::uint8_t, kEdidBlockSize>;

// The timing of one mode as a detailed timing descriptor holds it.
struct EdidTiming {
    std::uint32_t pixel_clock_khz; // multiple of 10 kHz
    std::uint16_t hactive, hfront, hsync, hblank;
    std::uint16_t vactive, vfront, vsync, vblank;
};

// CVT reduced-blanking (v1) timing of xres x yres at 60 Hz.
EdidTiming edid_cvt_rb_timing(std::uint16_t xres, std::uint16_t yres);

// The base block; xres and yres in 64..4095.
EdidBlock edid_generate(std::uint16_t xres, std::uint16_t yres);

} // namespace mdev::samples
