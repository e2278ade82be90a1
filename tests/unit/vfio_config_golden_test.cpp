// SPDX-License-Identifier: GPL-2.0-or-later
// What each vfio-class sample's config region holds, byte for byte: at
// power-on, after the guest writes all ones and then zeros to every dword
// (BAR sizing, command, interrupt line, capability bytes), after byte- and
// word-wide writes of a pattern, after a reset, and (mdpy) after a resync of
// a scribbled-over state. The expected bytes were captured from the samples'
// hand-written config code before they moved to the PCI config builder, so
// that the move cannot change what a guest sees.
#include "recording_host.hpp"
#include "samples/mbochs/mbochs.hpp"
#include "samples/mdpy/mdpy.hpp"
#include "samples/mtty/mtty.hpp"

#include "hw/mdev/core.hpp"
#include "hw/mdev/le_bytes.hpp"
#include "vfio/pci_function.hpp"
#include "vfio/vfio_driver.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace mdev::samples {
namespace {

constexpr std::uint32_t kConfigSize = 256;

// The rows of `bytes` that are not all zero, as "off: b0 b1 ... b15" lines:
// short enough to read in a failure message, exact enough to compare.
std::string dump(const std::array<std::uint8_t, kConfigSize> &bytes)
{
    std::string out;
    for (std::uint32_t row = 0; row < kConfigSize; row += 16) {
        bool any = false;
        for (std::uint32_t i = 0; i < 16; i++) {
            any = any || bytes[row + i] != 0;
        }
        if (!any) {
            continue;
        }
        char buf[8];
        std::snprintf(buf, sizeof(buf), "%02x:", row);
        out += buf;
        for (std::uint32_t i = 0; i < 16; i++) {
            std::snprintf(buf, sizeof(buf), " %02x", bytes[row + i]);
            out += buf;
        }
        out += '\n';
    }
    return out;
}

struct Snapshots {
    std::string power_on;
    std::string after_ones;
    std::string after_ones_then_zeros;
    std::string after_byte_pattern;
    std::string after_word_pattern;
    std::string after_resync; // mdpy only
};

// mtty mtty-1, captured from the hand-written config code.
const Snapshots kMtty1 = {
    R"(00: 48 43 53 32 00 00 00 02 10 02 00 07 00 00 00 00
10: 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 48 43 53 32
30: 00 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00
)",
    R"(00: 48 43 53 32 ff 00 00 02 10 02 00 07 00 00 00 00
10: f9 ff ff ff 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 48 43 53 32
30: 00 00 00 00 00 00 00 00 00 00 00 00 ff 01 00 00
)",
    R"(00: 48 43 53 32 00 00 00 02 10 02 00 07 00 00 00 00
10: 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 48 43 53 32
30: 00 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00
)",
    R"(00: 48 43 53 32 9f 00 00 02 10 02 00 07 00 00 00 00
10: 59 80 a5 ca 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 48 43 53 32
30: 00 00 00 00 00 00 00 00 00 00 00 00 b7 01 00 00
)",
    R"(00: 48 43 53 32 5a 00 00 02 10 02 00 07 00 00 00 00
10: 59 b5 5a b7 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 48 43 53 32
30: 00 00 00 00 00 00 00 00 00 00 00 00 5a 01 00 00
)",
    "",
};

// mtty mtty-2, captured from the hand-written config code.
const Snapshots kMtty2 = {
    R"(00: 48 43 53 32 00 00 00 02 10 02 00 07 00 00 00 00
10: 01 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 48 43 53 32
30: 00 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00
)",
    R"(00: 48 43 53 32 ff 00 00 02 10 02 00 07 00 00 00 00
10: f9 ff ff ff f9 ff ff ff 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 48 43 53 32
30: 00 00 00 00 00 00 00 00 00 00 00 00 ff 01 00 00
)",
    R"(00: 48 43 53 32 00 00 00 02 10 02 00 07 00 00 00 00
10: 01 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 48 43 53 32
30: 00 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00
)",
    R"(00: 48 43 53 32 9f 00 00 02 10 02 00 07 00 00 00 00
10: 59 80 a5 ca e9 14 39 5e 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 48 43 53 32
30: 00 00 00 00 00 00 00 00 00 00 00 00 b7 01 00 00
)",
    R"(00: 48 43 53 32 5a 00 00 02 10 02 00 07 00 00 00 00
10: 59 b5 5a b7 59 b1 5a b3 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 48 43 53 32
30: 00 00 00 00 00 00 00 00 00 00 00 00 5a 01 00 00
)",
    "",
};

// mdpy mdpy-vga, captured from the hand-written config code.
const Snapshots kMdpyVga = {
    R"(00: 36 1b 0f 00 00 00 10 00 01 00 80 03 00 00 00 00
10: 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00
40: 09 00 10 00 58 52 32 34 80 02 00 00 e0 01 00 00
)",
    R"(00: 36 1b 0f 00 00 00 10 00 01 00 80 03 00 00 00 00
10: 08 00 e0 ff 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00
40: 09 00 10 00 58 52 32 34 80 02 00 00 e0 01 00 00
)",
    R"(00: 36 1b 0f 00 00 00 10 00 01 00 80 03 00 00 00 00
10: 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00
40: 09 00 10 00 58 52 32 34 80 02 00 00 e0 01 00 00
)",
    R"(00: 36 1b 0f 00 00 00 10 00 01 00 80 03 00 00 00 00
10: 08 00 a0 ca 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00
40: 09 00 10 00 58 52 32 34 80 02 00 00 e0 01 00 00
)",
    R"(00: 36 1b 0f 00 00 00 10 00 01 00 80 03 00 00 00 00
10: 08 00 40 b7 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00
40: 09 00 10 00 58 52 32 34 80 02 00 00 e0 01 00 00
)",
    R"(00: 36 1b 0f 00 00 00 10 00 01 00 80 03 00 00 00 00
10: 08 00 c0 d0 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00
40: 09 00 10 00 58 52 32 34 80 02 00 00 e0 01 00 00
)",
};

// mdpy mdpy-xga, captured from the hand-written config code.
const Snapshots kMdpyXga = {
    R"(00: 36 1b 0f 00 00 00 10 00 01 00 80 03 00 00 00 00
10: 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00
40: 09 00 10 00 58 52 32 34 00 04 00 00 00 03 00 00
)",
    R"(00: 36 1b 0f 00 00 00 10 00 01 00 80 03 00 00 00 00
10: 08 00 c0 ff 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00
40: 09 00 10 00 58 52 32 34 00 04 00 00 00 03 00 00
)",
    R"(00: 36 1b 0f 00 00 00 10 00 01 00 80 03 00 00 00 00
10: 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00
40: 09 00 10 00 58 52 32 34 00 04 00 00 00 03 00 00
)",
    R"(00: 36 1b 0f 00 00 00 10 00 01 00 80 03 00 00 00 00
10: 08 00 80 ca 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00
40: 09 00 10 00 58 52 32 34 00 04 00 00 00 03 00 00
)",
    R"(00: 36 1b 0f 00 00 00 10 00 01 00 80 03 00 00 00 00
10: 08 00 40 b7 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00
40: 09 00 10 00 58 52 32 34 00 04 00 00 00 03 00 00
)",
    R"(00: 36 1b 0f 00 00 00 10 00 01 00 80 03 00 00 00 00
10: 08 00 c0 d0 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00
40: 09 00 10 00 58 52 32 34 00 04 00 00 00 03 00 00
)",
};

// mdpy mdpy-hd, captured from the hand-written config code.
const Snapshots kMdpyHd = {
    R"(00: 36 1b 0f 00 00 00 10 00 01 00 80 03 00 00 00 00
10: 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00
40: 09 00 10 00 58 52 32 34 80 07 00 00 38 04 00 00
)",
    R"(00: 36 1b 0f 00 00 00 10 00 01 00 80 03 00 00 00 00
10: 08 00 80 ff 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00
40: 09 00 10 00 58 52 32 34 80 07 00 00 38 04 00 00
)",
    R"(00: 36 1b 0f 00 00 00 10 00 01 00 80 03 00 00 00 00
10: 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00
40: 09 00 10 00 58 52 32 34 80 07 00 00 38 04 00 00
)",
    R"(00: 36 1b 0f 00 00 00 10 00 01 00 80 03 00 00 00 00
10: 08 00 80 ca 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00
40: 09 00 10 00 58 52 32 34 80 07 00 00 38 04 00 00
)",
    R"(00: 36 1b 0f 00 00 00 10 00 01 00 80 03 00 00 00 00
10: 08 00 00 b7 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00
40: 09 00 10 00 58 52 32 34 80 07 00 00 38 04 00 00
)",
    R"(00: 36 1b 0f 00 00 00 10 00 01 00 80 03 00 00 00 00
10: 08 00 80 d0 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00
40: 09 00 10 00 58 52 32 34 80 07 00 00 38 04 00 00
)",
};

// mbochs mbochs-small, captured from the hand-written config code.
const Snapshots kMbochsSmall = {
    R"(00: 34 12 11 11 03 00 00 00 01 00 80 03 00 00 00 00
10: 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
)",
    R"(00: 34 12 11 11 03 00 00 00 01 00 80 03 00 00 00 00
10: 08 00 c0 ff 00 00 00 00 00 f0 ff ff 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
)",
    R"(00: 34 12 11 11 03 00 00 00 01 00 80 03 00 00 00 00
10: 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
)",
    R"(00: 34 12 11 11 03 00 00 00 01 00 80 03 00 00 00 00
10: 08 00 80 ca 00 00 00 00 00 a0 cd f2 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
)",
    R"(00: 34 12 11 11 03 00 00 00 01 00 80 03 00 00 00 00
10: 08 00 40 b7 00 00 00 00 00 b0 5a bf 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
)",
    "",
};

// mbochs mbochs-medium, captured from the hand-written config code.
const Snapshots kMbochsMedium = {
    R"(00: 34 12 11 11 03 00 00 00 01 00 80 03 00 00 00 00
10: 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
)",
    R"(00: 34 12 11 11 03 00 00 00 01 00 80 03 00 00 00 00
10: 08 00 00 ff 00 00 00 00 00 f0 ff ff 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
)",
    R"(00: 34 12 11 11 03 00 00 00 01 00 80 03 00 00 00 00
10: 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
)",
    R"(00: 34 12 11 11 03 00 00 00 01 00 80 03 00 00 00 00
10: 08 00 00 ca 00 00 00 00 00 a0 cd f2 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
)",
    R"(00: 34 12 11 11 03 00 00 00 01 00 80 03 00 00 00 00
10: 08 00 00 b7 00 00 00 00 00 b0 5a bf 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
)",
    "",
};

// mbochs mbochs-large, captured from the hand-written config code.
const Snapshots kMbochsLarge = {
    R"(00: 34 12 11 11 03 00 00 00 01 00 80 03 00 00 00 00
10: 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
)",
    R"(00: 34 12 11 11 03 00 00 00 01 00 80 03 00 00 00 00
10: 08 00 00 fc 00 00 00 00 00 f0 ff ff 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
)",
    R"(00: 34 12 11 11 03 00 00 00 01 00 80 03 00 00 00 00
10: 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
)",
    R"(00: 34 12 11 11 03 00 00 00 01 00 80 03 00 00 00 00
10: 08 00 00 c8 00 00 00 00 00 a0 cd f2 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
)",
    R"(00: 34 12 11 11 03 00 00 00 01 00 80 03 00 00 00 00
10: 08 00 00 b4 00 00 00 00 00 b0 5a bf 00 00 00 00
20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11
)",
    "",
};

class VfioConfigGolden : public ::testing::Test {
protected:
    void SetUp() override
    {
        add(std::make_unique<MttyParent>());
        add(std::make_unique<MdpyParent>());
        add(std::make_unique<MbochsParent>());
        core.bus().register_driver(vfio::vfio_pci_driver());
    }

    template <typename P>
    void add(std::unique_ptr<P> p)
    {
        P *raw = p.get();
        ASSERT_TRUE(core.register_parent(std::move(p)));
        ASSERT_TRUE(raw->register_ops(core));
    }

    Device &make(const std::string &parent, const std::string &type)
    {
        char uuid[40];
        std::snprintf(uuid, sizeof(uuid), "5a1e0c77-0b2d-4c3e-9f40-%012x", ++n_);
        Result<Device *> r = core.create({parent, type, uuid, "vfio", &host});
        if (!r) {
            ADD_FAILURE() << r.error().message;
            std::abort();
        }
        return **r;
    }

    // Config space as the frontend serves it from the sample's description.
    static std::array<std::uint8_t, kConfigSize> read_all(Device &dev)
    {
        std::array<std::uint8_t, kConfigSize> bytes{};
        vfio::PciFunction &fn = *vfio::pci_function(dev);
        for (std::uint32_t off = 0; off < kConfigSize; off += 4) {
            store_le(std::span(bytes).subspan(off, 4), fn.config_read(off, 4));
        }
        return bytes;
    }

    static void write(Device &dev, std::uint32_t off, std::span<const std::uint8_t> data)
    {
        vfio::pci_function(dev)->config_write(off, static_cast<std::uint32_t>(load_le(data)),
                                              static_cast<unsigned>(data.size()));
    }

    Snapshots run(const std::string &parent, const std::string &type, std::string &after_reset)
    {
        Device &dev = make(parent, type);
        vfio::PciFunction &ops = *vfio::pci_function(dev); // reset(): VFIO_DEVICE_RESET
        Snapshots s;
        s.power_on = dump(read_all(dev));

        const std::uint8_t ones[4] = {0xff, 0xff, 0xff, 0xff};
        const std::uint8_t zeros[4] = {};
        for (std::uint32_t off = 0; off < kConfigSize; off += 4) {
            write(dev, off, ones);
        }
        s.after_ones = dump(read_all(dev));
        for (std::uint32_t off = 0; off < kConfigSize; off += 4) {
            write(dev, off, zeros);
        }
        s.after_ones_then_zeros = dump(read_all(dev));

        ops.reset();
        for (std::uint32_t off = 0; off < kConfigSize; off++) {
            const std::uint8_t b = static_cast<std::uint8_t>(off * 37 + 11);
            write(dev, off, std::span(&b, 1));
        }
        s.after_byte_pattern = dump(read_all(dev));

        ops.reset();
        for (std::uint32_t off = 0; off < kConfigSize; off += 2) {
            const std::uint8_t w[2] = {0x5a, static_cast<std::uint8_t>(0xa5 ^ off)};
            write(dev, off, w);
        }
        s.after_word_pattern = dump(read_all(dev));

        ops.reset();
        after_reset = dump(read_all(dev));

        if (parent == "mdpy") {
            MdpyMdev &m = dev.vendor_state<MdpyMdev>();
            for (std::uint32_t off = 0; off < kConfigSize; off++) {
                m.state().config[off] = static_cast<std::uint8_t>(0xc3 ^ off);
            }
            EXPECT_TRUE(m.resync());
            s.after_resync = dump(read_all(dev));
        }
        EXPECT_TRUE(host.errors.empty());
        return s;
    }

    void expect(const std::string &parent, const std::string &type, const Snapshots &want)
    {
        SCOPED_TRACE(parent + " " + type);
        std::string after_reset;
        const Snapshots got = run(parent, type, after_reset);
        EXPECT_EQ(got.power_on, want.power_on);
        EXPECT_EQ(got.after_ones, want.after_ones);
        EXPECT_EQ(got.after_ones_then_zeros, want.after_ones_then_zeros);
        EXPECT_EQ(got.after_byte_pattern, want.after_byte_pattern);
        EXPECT_EQ(got.after_word_pattern, want.after_word_pattern);
        EXPECT_EQ(after_reset, want.power_on);
        EXPECT_EQ(got.after_resync, want.after_resync);
    }

    test::RecordingHost host; // outlives the core
    Core core;
    unsigned n_ = 0;
};

TEST_F(VfioConfigGolden, MttyIsUnchanged)
{
    expect("mtty", "mtty-1", kMtty1);
    expect("mtty", "mtty-2", kMtty2);
}

TEST_F(VfioConfigGolden, MdpyIsUnchanged)
{
    expect("mdpy", "mdpy-vga", kMdpyVga);
    expect("mdpy", "mdpy-xga", kMdpyXga);
    expect("mdpy", "mdpy-hd", kMdpyHd);
}

TEST_F(VfioConfigGolden, MbochsIsUnchanged)
{
    expect("mbochs", "mbochs-small", kMbochsSmall);
    expect("mbochs", "mbochs-medium", kMbochsMedium);
    expect("mbochs", "mbochs-large", kMbochsLarge);
}

} // namespace
} // namespace mdev::samples
