// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mbochs/mbochs_modes.hpp"

#include <algorithm>
#include <string>

namespace mdev::samples {

namespace {

// Common monitor resolutions, by area. Chosen so that every one reaches a
// Linux guest: the established and DMT ones as such, the rest as detailed
// timings (at most kEdidMaxExtraDetailed of those; the unit test checks
// that the largest type's EDID drops none).
constexpr EdidMode kCatalogue[] = {
    {640, 480},   {800, 600},   {1024, 768},  {1280, 720},  {1280, 800},
    {1280, 960},  {1440, 900},  {1280, 1024}, {1600, 900},  {1400, 1050},
    {1680, 1050}, {1600, 1200}, {1920, 1080}, {1920, 1200}, {2048, 1152},
    {1920, 1440}, {2560, 1440}, {2560, 1600}, {3440, 1440}, {3840, 2160},
};

std::uint64_t area(EdidMode m)
{
    return std::uint64_t(m.width) * m.height;
}

std::string text(EdidMode m)
{
    return std::to_string(m.width) + "x" + std::to_string(m.height);
}

Error refuse(const char *property, const std::string &why)
{
    return Error{Errc::invalid_property, std::string("property '") + property + "': " + why};
}

// 0 (unset) or lo..hi.
bool in_range(std::uint32_t v, std::uint32_t lo, std::uint32_t hi)
{
    return v == 0 || (v >= lo && v <= hi);
}

} // namespace

bool mbochs_mode_fits(EdidMode mode, std::size_t vram_bytes)
{
    return area(mode) * 4 <= vram_bytes / 2;
}

std::span<const EdidMode> mbochs_mode_catalogue()
{
    return kCatalogue;
}

Result<MbochsDisplay> mbochs_display_for(std::string_view type_id, std::size_t vram_bytes,
                                         EdidMode default_preferred,
                                         const MbochsDisplayRequest &r)
{
    const std::string type(type_id);
    const std::string memory = std::to_string(vram_bytes >> 20) + " MiB";
    const char *names[] = {"xres", "yres", "xmax", "ymax"};
    const std::uint32_t values[] = {r.xres, r.yres, r.xmax, r.ymax};
    for (unsigned i = 0; i < 4; i++) {
        const std::uint32_t hi = i < 2 ? kMbochsMaxPreferred : kMbochsMaxBound;
        if (!in_range(values[i], kMbochsMinRes, hi)) {
            return refuse(names[i], std::to_string(values[i]) + " is out of range; accepted: " +
                                        std::to_string(kMbochsMinRes) + ".." +
                                        std::to_string(hi) + ", or 0 for the default");
        }
    }
    if ((r.xres == 0) != (r.yres == 0)) {
        return refuse(r.xres ? "yres" : "xres",
                      "unset while '" + std::string(r.xres ? "xres" : "yres") +
                          "' is set; give both, e.g. xres=1280,yres=800");
    }

    const std::uint32_t bound_x = r.xmax ? r.xmax : UINT32_MAX;
    const std::uint32_t bound_y = r.ymax ? r.ymax : UINT32_MAX;
    auto within = [&](EdidMode m) {
        return m.width <= bound_x && m.height <= bound_y && mbochs_mode_fits(m, vram_bytes);
    };
    // The largest mode of the list this memory can show, for the hints.
    EdidMode largest{0, 0};
    for (const EdidMode &m : kCatalogue) {
        if (mbochs_mode_fits(m, vram_bytes) && area(m) > area(largest)) {
            largest = m;
        }
    }

    MbochsDisplay out;
    out.xmax = r.xmax;
    out.ymax = r.ymax;
    if (r.xres) {
        out.preferred = {static_cast<std::uint16_t>(r.xres), static_cast<std::uint16_t>(r.yres)};
        if (r.xres > bound_x || r.yres > bound_y) {
            return refuse("xres", text(out.preferred) + " is larger than xmax/ymax (" +
                                      (r.xmax ? std::to_string(r.xmax) : "any") + "x" +
                                      (r.ymax ? std::to_string(r.ymax) : "any") +
                                      "); the preferred mode must be one of those offered");
        }
        if (!mbochs_mode_fits(out.preferred, vram_bytes)) {
            std::string why = text(out.preferred) + " does not fit " + type + "'s " + memory +
                              " of video memory: bochs-drm takes a mode only if its 32-bit "
                              "frame fits in half of it (" +
                              std::to_string(vram_bytes / 8) + " pixels at most)";
            if (largest.width) {
                why += "; largest common mode: " + text(largest);
            }
            return refuse("xres", why + ". Choose a smaller mode or a larger mdev-type");
        }
        if (!edid_dtd_can_hold(out.preferred)) {
            return refuse("xres", text(out.preferred) +
                                      " at 60 Hz needs a pixel clock an EDID detailed timing "
                                      "cannot hold; choose a smaller mode");
        }
    } else if (within(default_preferred)) {
        out.preferred = default_preferred;
    } else {
        // The type's choice is over xmax/ymax: the largest that is not.
        EdidMode best{0, 0};
        for (const EdidMode &m : kCatalogue) {
            if (within(m) && area(m) > area(best)) {
                best = m;
            }
        }
        if (best.width == 0) {
            return refuse(r.xmax ? "xmax" : "ymax",
                          "no common mode fits in " + std::to_string(r.xmax) + "x" +
                              std::to_string(r.ymax) + " (the smallest is 640x480); raise it "
                              "or set xres and yres as well");
        }
        out.preferred = best;
    }

    for (const EdidMode &m : kCatalogue) {
        if (within(m)) {
            out.modes.push_back(m);
        }
    }
    if (std::find(out.modes.begin(), out.modes.end(), out.preferred) == out.modes.end()) {
        auto at = std::find_if(out.modes.begin(), out.modes.end(),
                               [&](EdidMode m) { return area(m) > area(out.preferred); });
        out.modes.insert(at, out.preferred);
    }
    return out;
}

} // namespace mdev::samples
