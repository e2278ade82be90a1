// SPDX-License-Identifier: GPL-2.0-or-later
// Layout from VESA E-EDID 1.4: byte offsets below are the standard's.
#include "samples/mbochs/mbochs_edid.hpp"

#include <algorithm>
#include <cstring>

namespace mdev::samples {

namespace {

constexpr unsigned kRefreshHz = 60;
// Panel size: as a 96 dpi screen (0.2646 mm per pixel).
constexpr unsigned pixels_to_mm(unsigned px)
{
    return px * 254 / 960;
}

// A chromaticity coordinate as EDID's 10-bit binary fraction.
constexpr std::uint16_t chroma(double v)
{
    return static_cast<std::uint16_t>(v * 1024 + 0.5);
}

// The three letters of a PNP vendor id, 5 bits each, big-endian.
constexpr std::uint16_t pnp_id(char a, char b, char c)
{
    return static_cast<std::uint16_t>(((a - '@') << 10) | ((b - '@') << 5) | (c - '@'));
}

void put_detailed_timing(std::uint8_t *d, const EdidTiming &t, unsigned width_mm,
                         unsigned height_mm)
{
    const unsigned clock = t.pixel_clock_khz / 10;
    d[0] = static_cast<std::uint8_t>(clock);
    d[1] = static_cast<std::uint8_t>(clock >> 8);
    d[2] = static_cast<std::uint8_t>(t.hactive);
    d[3] = static_cast<std::uint8_t>(t.hblank);
    d[4] = static_cast<std::uint8_t>(((t.hactive >> 8) << 4) | ((t.hblank >> 8) & 0xf));
    d[5] = static_cast<std::uint8_t>(t.vactive);
    d[6] = static_cast<std::uint8_t>(t.vblank);
    d[7] = static_cast<std::uint8_t>(((t.vactive >> 8) << 4) | ((t.vblank >> 8) & 0xf));
    d[8] = static_cast<std::uint8_t>(t.hfront);
    d[9] = static_cast<std::uint8_t>(t.hsync);
    d[10] = static_cast<std::uint8_t>(((t.vfront & 0xf) << 4) | (t.vsync & 0xf));
    d[11] = static_cast<std::uint8_t>(((t.hfront >> 8) & 3) << 6 | ((t.hsync >> 8) & 3) << 4 |
                                      ((t.vfront >> 4) & 3) << 2 | ((t.vsync >> 4) & 3));
    d[12] = static_cast<std::uint8_t>(width_mm);
    d[13] = static_cast<std::uint8_t>(height_mm);
    d[14] = static_cast<std::uint8_t>(((width_mm >> 8) << 4) | ((height_mm >> 8) & 0xf));
    d[15] = 0; // no borders
    d[16] = 0;
    // Digital separate sync; CVT-RB: hsync positive, vsync negative.
    d[17] = 0x18 | 0x02;
}

// A display descriptor (tag 0xf0..0xff) holding up to 13 bytes of text,
// ended by a line feed and padded with spaces, as the standard asks.
void put_text_descriptor(std::uint8_t *d, std::uint8_t tag, const char *text)
{
    std::memset(d, 0, 18);
    d[3] = tag;
    std::size_t n = std::min<std::size_t>(std::strlen(text), 13);
    std::memcpy(d + 5, text, n);
    if (n < 13) {
        d[5 + n] = 0x0a;
        std::memset(d + 6 + n, 0x20, 13 - n - 1);
    }
}

void put_range_limits(std::uint8_t *d, const EdidTiming &t)
{
    const unsigned htotal = t.hactive + t.hblank;
    const unsigned hfreq_khz = t.pixel_clock_khz / htotal;
    std::memset(d, 0, 18);
    d[3] = 0xfd;
    d[5] = 50;                                               // min vertical Hz
    d[6] = 125;                                              // max vertical Hz
    d[7] = 30;                                               // min horizontal kHz
    d[8] = static_cast<std::uint8_t>(std::clamp(hfreq_khz + 10, 31u, 255u));
    d[9] = static_cast<std::uint8_t>(std::clamp((t.pixel_clock_khz + 9999) / 10000, 1u, 255u));
    d[10] = 0x01; // range limits only, no secondary timing formula
    d[11] = 0x0a;
    std::memset(d + 12, 0x20, 6);
}

} // namespace

EdidTiming edid_cvt_rb_timing(std::uint16_t xres, std::uint16_t yres)
{
    // CVT 1.2 reduced blanking: fixed horizontal blank of 160 pixels, a
    // vertical blank of at least 460 us, front porch 3 lines.
    constexpr unsigned kHblank = 160, kHsync = 32, kHfront = 48;
    constexpr unsigned kVfront = 3, kVsync = 6, kMinVback = 6;
    constexpr double kMinVblankUs = 460.0;
    const double hperiod_us = (1e6 / kRefreshHz - kMinVblankUs) / yres;
    unsigned vblank = static_cast<unsigned>(kMinVblankUs / hperiod_us) + 1;
    vblank = std::max(vblank, kVfront + kVsync + kMinVback);
    const unsigned htotal = xres + kHblank;
    const unsigned vtotal = yres + vblank;
    const unsigned long clock_hz = static_cast<unsigned long>(htotal) * vtotal * kRefreshHz;
    EdidTiming t{};
    t.pixel_clock_khz = static_cast<std::uint32_t>(clock_hz / 10000 * 10);
    t.hactive = xres;
    t.hfront = kHfront;
    t.hsync = kHsync;
    t.hblank = kHblank;
    t.vactive = yres;
    t.vfront = kVfront;
    t.vsync = kVsync;
    t.vblank = static_cast<std::uint16_t>(vblank);
    return t;
}

EdidBlock edid_generate(std::uint16_t xres, std::uint16_t yres)
{
    EdidBlock e{};
    static constexpr std::uint8_t kHeader[8] = {0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00};
    std::memcpy(e.data(), kHeader, sizeof(kHeader));

    const std::uint16_t vendor = pnp_id('R', 'H', 'T');
    e[8] = static_cast<std::uint8_t>(vendor >> 8);
    e[9] = static_cast<std::uint8_t>(vendor);
    e[10] = 0x11; // product code 0x1111, little-endian, as the PCI device id
    e[11] = 0x11;
    // 12..15 serial number: none. 16 week: unspecified; 17 year - 1990.
    e[17] = 2025 - 1990;
    e[18] = 1; // EDID 1.4
    e[19] = 4;
    e[20] = 0x80 | 0x20; // digital input, 8 bits per colour, interface undefined
    e[21] = static_cast<std::uint8_t>(std::min(pixels_to_mm(xres) / 10, 255u)); // cm
    e[22] = static_cast<std::uint8_t>(std::min(pixels_to_mm(yres) / 10, 255u));
    e[23] = 120; // gamma 2.2, stored as (gamma - 1) * 100
    // Feature support: sRGB default colour space, preferred timing is
    // native, continuous frequency (the range limits below say which).
    e[24] = 0x04 | 0x02 | 0x01;

    // sRGB primaries and D65 white, low bits first, then the high 8 bits.
    const std::uint16_t c[8] = {chroma(0.640), chroma(0.330), chroma(0.300), chroma(0.600),
                                chroma(0.150), chroma(0.060), chroma(0.3127), chroma(0.3290)};
    e[25] = static_cast<std::uint8_t>((c[0] & 3) << 6 | (c[1] & 3) << 4 | (c[2] & 3) << 2 |
                                      (c[3] & 3));
    e[26] = static_cast<std::uint8_t>((c[4] & 3) << 6 | (c[5] & 3) << 4 | (c[6] & 3) << 2 |
                                      (c[7] & 3));
    for (unsigned i = 0; i < 8; i++) {
        e[27 + i] = static_cast<std::uint8_t>(c[i] >> 2);
    }

    // Established timings the monitor can show.
    if (xres >= 640 && yres >= 480) {
        e[35] |= 0x20; // 640x480@60
    }
    if (xres >= 800 && yres >= 600) {
        e[35] |= 0x01; // 800x600@60
    }
    if (xres >= 1024 && yres >= 768) {
        e[36] |= 0x08; // 1024x768@60
    }
    // Standard timings 38..53: none (0x01 0x01 marks an unused slot).
    for (unsigned i = 38; i < 54; i++) {
        e[i] = 0x01;
    }

    const EdidTiming t = edid_cvt_rb_timing(xres, yres);
    put_detailed_timing(&e[54], t, pixels_to_mm(xres), pixels_to_mm(yres));
    put_range_limits(&e[72], t);
    put_text_descriptor(&e[90], 0xfc, "QEMU mbochs");
    std::memset(&e[108], 0, 18);
    e[108 + 3] = 0x10; // dummy descriptor
    e[126] = 0;        // no extension blocks

    unsigned sum = 0;
    for (unsigned i = 0; i < 127; i++) {
        sum += e[i];
    }
    e[127] = static_cast<std::uint8_t>(-sum);
    return e;
}

} // namespace mdev::samples
