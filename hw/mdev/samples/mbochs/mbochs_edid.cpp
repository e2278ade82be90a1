// SPDX-License-Identifier: GPL-2.0-or-later
// Layout from VESA E-EDID 1.4 and CTA-861 (the extension block): byte
// offsets below are the standards'.
#include "samples/mbochs/mbochs_edid.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>

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

// Range limits (informative: without the continuous-frequency feature bit
// a guest infers no modes from them): 50..61 Hz vertical, 30 kHz up to the
// fastest line rate offered, the fastest pixel clock offered.
void put_range_limits(std::uint8_t *d, unsigned max_hfreq_khz, unsigned max_clock_khz)
{
    std::memset(d, 0, 18);
    d[3] = 0xfd;
    d[5] = 50;                                               // min vertical Hz
    d[6] = 61;                                               // max vertical Hz
    d[7] = 30;                                               // min horizontal kHz
    d[8] = static_cast<std::uint8_t>(std::clamp(max_hfreq_khz, 31u, 255u));
    d[9] = static_cast<std::uint8_t>(std::clamp((max_clock_khz + 9999) / 10000, 1u, 255u));
    d[10] = 0x01; // range limits only, no secondary timing formula
    d[11] = 0x0a;
    std::memset(d + 12, 0x20, 6);
}

// A standard timing's two bytes at 60 Hz (E-EDID 1.4 section 3.9); the
// caller checked edid_slot_for() == standard.
void put_standard_timing(std::uint8_t *d, EdidMode m)
{
    unsigned aspect = 0; // 16:10
    if (m.width * 3u == m.height * 4u) {
        aspect = 1;
    } else if (m.width * 4u == m.height * 5u) {
        aspect = 2;
    } else if (m.width * 9u == m.height * 16u) {
        aspect = 3;
    }
    d[0] = static_cast<std::uint8_t>(m.width / 8 - 31);
    d[1] = static_cast<std::uint8_t>(aspect << 6 | (kRefreshHz - 60));
}

bool has_standard_aspect(EdidMode m)
{
    const unsigned w = m.width, h = m.height;
    return w * 10 == h * 16 || w * 3 == h * 4 || w * 4 == h * 5 || w * 9 == h * 16;
}

// The modes VESA DMT defines at 60 Hz with normal blanking. A guest
// resolves a standard timing to its DMT mode; Linux, when the EDID does
// not declare continuous frequency (GTF/CVT), knows no other, and drops a
// standard timing that names a mode outside DMT, or one DMT has only with
// reduced blanking (1600x900, 2048x1152). Those go as detailed timings.
constexpr EdidMode kDmt60[] = {
    {1280, 720},  {1280, 768},  {1280, 800},  {1280, 960},  {1280, 1024},
    {1360, 768},  {1400, 1050}, {1440, 900},  {1600, 1200}, {1680, 1050},
    {1792, 1344}, {1856, 1392}, {1920, 1080}, {1920, 1200}, {1920, 1440},
};

void checksum(std::uint8_t *block)
{
    unsigned sum = 0;
    for (unsigned i = 0; i < kEdidBlockSize - 1; i++) {
        sum += block[i];
    }
    block[kEdidBlockSize - 1] = static_cast<std::uint8_t>(-sum);
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

bool edid_dtd_can_hold(EdidMode mode)
{
    if (mode.width < 1 || mode.width > 4095 || mode.height < 1 || mode.height > 4095) {
        return false;
    }
    return edid_cvt_rb_timing(mode.width, mode.height).pixel_clock_khz / 10 <= 0xffff;
}

EdidSlot edid_slot_for(EdidMode m)
{
    if ((m.width == 640 && m.height == 480) || (m.width == 800 && m.height == 600) ||
        (m.width == 1024 && m.height == 768)) {
        return EdidSlot::established;
    }
    const bool in_dmt = std::find(std::begin(kDmt60), std::end(kDmt60), m) != std::end(kDmt60);
    if (in_dmt && m.width % 8 == 0 && m.width >= 256 && m.width <= 2288 &&
        has_standard_aspect(m)) {
        return EdidSlot::standard;
    }
    return EdidSlot::detailed;
}

Edid edid_generate(EdidMode preferred, std::span<const EdidMode> others,
                   std::vector<EdidMode> *dropped)
{
    Edid out;
    std::uint8_t *e = out.bytes.data();
    static constexpr std::uint8_t kHeader[8] = {0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00};
    std::memcpy(e, kHeader, sizeof(kHeader));

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
    const unsigned width_mm = pixels_to_mm(preferred.width);
    const unsigned height_mm = pixels_to_mm(preferred.height);
    e[21] = static_cast<std::uint8_t>(std::min(width_mm / 10, 255u)); // cm
    e[22] = static_cast<std::uint8_t>(std::min(height_mm / 10, 255u));
    e[23] = 120; // gamma 2.2, stored as (gamma - 1) * 100
    // Feature support: sRGB default colour space, preferred timing is
    // native. Not continuous frequency: with that bit a guest adds every
    // DMT/GTF/CVT mode the range limits allow, and the mode list would no
    // longer be the one chosen here (Linux's add_inferred_modes).
    e[24] = 0x04 | 0x02;

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

    // Sort the other modes into the slots that can carry them.
    const EdidTiming pref = edid_cvt_rb_timing(preferred.width, preferred.height);
    unsigned max_hfreq_khz = 91; // DMT's fastest here: 1920x1440 at 90 kHz
    unsigned max_clock_khz = std::max(240000u, pref.pixel_clock_khz); // and 234 MHz
    auto note_timing = [&](const EdidTiming &t) {
        const unsigned htotal = t.hactive + t.hblank;
        max_hfreq_khz = std::max(max_hfreq_khz, t.pixel_clock_khz / htotal + 1);
        max_clock_khz = std::max(max_clock_khz, t.pixel_clock_khz);
    };
    note_timing(pref);
    std::vector<EdidMode> standard, detailed, seen;
    for (const EdidMode &m : others) {
        if (m == preferred || std::find(seen.begin(), seen.end(), m) != seen.end()) {
            continue;
        }
        seen.push_back(m);
        switch (edid_slot_for(m)) {
        case EdidSlot::established:
            if (m.width == 640) {
                e[35] |= 0x20; // 640x480@60
            } else if (m.width == 800) {
                e[35] |= 0x01; // 800x600@60
            } else {
                e[36] |= 0x08; // 1024x768@60
            }
            continue;
        case EdidSlot::standard:
            if (standard.size() < kEdidMaxStandard) {
                standard.push_back(m);
                continue;
            }
            break;
        case EdidSlot::detailed:
            if (detailed.size() < kEdidMaxExtraDetailed && edid_dtd_can_hold(m)) {
                detailed.push_back(m);
                note_timing(edid_cvt_rb_timing(m.width, m.height));
                continue;
            }
            break;
        }
        if (dropped) {
            dropped->push_back(m);
        }
    }

    // Standard timings 38..53; 0x01 0x01 marks an unused slot.
    for (unsigned i = 0; i < 8; i++) {
        if (i < standard.size()) {
            put_standard_timing(&e[38 + 2 * i], standard[i]);
        } else {
            e[38 + 2 * i] = 0x01;
            e[39 + 2 * i] = 0x01;
        }
    }

    // Descriptors: the preferred timing, six more standard timings (or a
    // dummy), range limits, the name.
    put_detailed_timing(&e[54], pref, width_mm, height_mm);
    std::uint8_t *d = &e[72];
    if (standard.size() > 8) {
        d[3] = 0xfa; // standard timing identifier
        for (unsigned i = 0; i < 6; i++) {
            if (8 + i < standard.size()) {
                put_standard_timing(&d[5 + 2 * i], standard[8 + i]);
            } else {
                d[5 + 2 * i] = 0x01;
                d[6 + 2 * i] = 0x01;
            }
        }
        d[17] = 0x0a;
    } else {
        d[3] = 0x10; // dummy descriptor
    }
    put_range_limits(&e[90], max_hfreq_khz, max_clock_khz);
    put_text_descriptor(&e[108], 0xfc, "QEMU mbochs");

    out.size = kEdidBlockSize;
    if (!detailed.empty()) {
        // A CTA-861 extension (revision 3) with no data blocks: detailed
        // timings from byte 4, zero padding, checksum.
        std::uint8_t *x = e + kEdidBlockSize;
        x[0] = 0x02;
        x[1] = 0x03;
        x[2] = 4;
        x[3] = 0; // no underscan/audio/YCbCr, no native-format count
        for (std::size_t i = 0; i < detailed.size(); i++) {
            const EdidMode &m = detailed[i];
            put_detailed_timing(&x[4 + 18 * i], edid_cvt_rb_timing(m.width, m.height),
                                pixels_to_mm(m.width), pixels_to_mm(m.height));
        }
        checksum(x);
        e[126] = 1;
        out.size = kEdidMaxSize;
    }
    checksum(e);
    return out;
}

} // namespace mdev::samples
