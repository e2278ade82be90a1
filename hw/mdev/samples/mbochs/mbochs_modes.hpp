// SPDX-License-Identifier: GPL-2.0-or-later
// Which modes an mbochs mdev's EDID offers and which one it prefers.
//
// The guest's driver, Linux's bochs-drm, keeps a mode only if its 32-bit
// frame fits in half the video memory (drm_vram_helper_mode_valid: atomic
// modesetting places the new frame before evicting the old one) and prunes
// the rest, the EDID's preferred mode included: a preferred mode that does
// not fit leaves the guest with no preferred mode at all. So the EDID here
// offers exactly the modes of a fixed list of common monitor resolutions
// that fit that rule (and the user's xmax/ymax), and prefers one that fits.
// As on QEMU's bochs-display, xres/yres choose the preferred mode and
// xmax/ymax bound the list; unlike there, a value the type's memory cannot
// show is refused with the reason instead of being pruned by the guest.
#pragma once

#include "hw/mdev/error.hpp"
#include "samples/mbochs/mbochs_edid.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace mdev::samples {

// bochs-drm's rule: width x height x 4 bytes <= half of `vram_bytes`.
bool mbochs_mode_fits(EdidMode mode, std::size_t vram_bytes);

// The common resolutions the EDID may offer, smallest first.
std::span<const EdidMode> mbochs_mode_catalogue();

// The -device properties, as the user gave them; 0 = unset.
struct MbochsDisplayRequest {
    std::uint32_t xres = 0, yres = 0; // preferred mode
    std::uint32_t xmax = 0, ymax = 0; // largest mode offered (0: no bound)
};

// Limits of the properties: a preferred mode a detailed timing can hold
// and the device's plane accepts; maxima up to bochs-drm's 8192.
inline constexpr std::uint32_t kMbochsMinRes = 64;
inline constexpr std::uint32_t kMbochsMaxPreferred = 4095;
inline constexpr std::uint32_t kMbochsMaxBound = 8192;

struct MbochsDisplay {
    EdidMode preferred;
    std::uint32_t xmax = 0, ymax = 0; // as requested (0: no bound)
    // Every mode offered, the preferred one included, smallest first.
    std::vector<EdidMode> modes;
};

// What an mdev of a type with `vram_bytes` of video memory shows, given the
// request. `type_id` and `default_preferred` (the type's choice when xres
// and yres are unset) only serve the messages and the default. Refuses
// (Errc::invalid_property, "property 'x': ...", with what would fit) a
// value out of range, xres without yres, a preferred mode over xmax/ymax,
// and a preferred mode bochs-drm would prune for this memory.
Result<MbochsDisplay> mbochs_display_for(std::string_view type_id, std::size_t vram_bytes,
                                         EdidMode default_preferred,
                                         const MbochsDisplayRequest &request);

} // namespace mdev::samples
