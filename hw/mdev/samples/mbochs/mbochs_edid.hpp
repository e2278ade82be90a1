// SPDX-License-Identifier: GPL-2.0-or-later
// The EDID of a virtual monitor (VESA E-EDID 1.4): a base block naming a
// preferred mode in its first detailed timing, the other modes the monitor
// offers as established timings, standard timings (both resolved by the
// guest to VESA DMT timings) or, for modes neither can express, detailed
// timings in a CTA-861 extension block. mbochs shows it at the start of its
// MMIO BAR, as QEMU's stdvga and bochs-display do, so that the guest's
// driver learns its modes. Which modes to offer is the caller's choice
// (mbochs_modes.hpp); this file only encodes them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace mdev::samples {

inline constexpr std::size_t kEdidBlockSize = 128;
// The base block and at most one extension.
inline constexpr std::size_t kEdidMaxSize = 2 * kEdidBlockSize;

struct EdidMode {
    std::uint16_t width, height;
    friend bool operator==(const EdidMode &, const EdidMode &) = default;
};

// The timing of one mode as a detailed timing descriptor holds it.
struct EdidTiming {
    std::uint32_t pixel_clock_khz; // multiple of 10 kHz
    std::uint16_t hactive, hfront, hsync, hblank;
    std::uint16_t vactive, vfront, vsync, vblank;
};

// CVT reduced-blanking (v1) timing of xres x yres at 60 Hz.
EdidTiming edid_cvt_rb_timing(std::uint16_t xres, std::uint16_t yres);

// Whether a detailed timing descriptor can hold the mode: 12-bit active
// sizes (1..4095) and a pixel clock below 655.36 MHz (16 bits of 10 kHz).
bool edid_dtd_can_hold(EdidMode mode);

// How a mode other than the preferred one reaches the guest.
enum class EdidSlot {
    established, // 640x480, 800x600, 1024x768 at 60 Hz (bytes 35-36)
    standard,    // a standard timing: width a multiple of 8 in 256..2288,
                 // aspect 16:10, 4:3, 5:4 or 16:9
    detailed,    // anything else a detailed timing can hold
};
EdidSlot edid_slot_for(EdidMode mode);

// Room in the blob: 8 standard timings in the base block and 6 more in a
// standard timing descriptor; 6 detailed timings in the extension.
inline constexpr std::size_t kEdidMaxStandard = 14;
inline constexpr std::size_t kEdidMaxExtraDetailed = 6;

struct Edid {
    std::array<std::uint8_t, kEdidMaxSize> bytes{};
    std::size_t size = 0; // 128, or 256 with the extension block

    std::span<const std::uint8_t> blob() const { return {bytes.data(), size}; }
};

// The EDID of a monitor whose preferred (and native) mode is `preferred`,
// which also offers `others` (the preferred one among them is skipped). The
// preferred mode must satisfy edid_dtd_can_hold(); an "other" mode that
// has no room left or no way to be encoded is left out and returned in
// `dropped` (if not null), so callers and tests can tell.
Edid edid_generate(EdidMode preferred, std::span<const EdidMode> others,
                   std::vector<EdidMode> *dropped = nullptr);

} // namespace mdev::samples
