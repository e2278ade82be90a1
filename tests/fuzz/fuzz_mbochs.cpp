// SPDX-License-Identifier: GPL-2.0-or-later
// mbochs (a bochs display) through the vfio frontend: video memory in BAR0,
// EDID, VGA ports and the 16-bit DISPI registers in BAR2, config space, and
// the display plane its DISPI mode describes.
#include "samples/mbochs/mbochs.hpp"
#include "vfio_sequence.hpp"

namespace {

using namespace mdev;

std::span<const std::uint8_t> mbochs_state(Device &dev)
{
    const samples::MbochsDeviceState &s = dev.vendor_state<samples::MbochsMdev>().state();
    return {reinterpret_cast<const std::uint8_t *>(&s), sizeof(s)};
}

// A plane exists only while the DISPI mode is enabled, 32 bpp and inside
// the video memory; check that the device itself agrees with the frontend.
void plane_matches_dispi(unsigned op, Device &dev, vfio::PciFunction &fn, fuzz::FuzzGuest &)
{
    if (op != fuzz::kPlane) {
        return;
    }
    auto plane = fn.display_plane();
    const bool enabled = dev.vendor_state<samples::MbochsMdev>().state()
                                 .dispi[static_cast<unsigned>(samples::DispiReg::enable)] &
                             samples::kDispiEnabled;
    FUZZ_CHECK(!plane || !plane->has_value() || enabled,
               "a plane is shown while DISPI is disabled");
}

// DISPI registers (0x500 + 2 * index), the EDID's start, VGA and the QEMU
// extended registers; modes and the enable bit.
constexpr std::uint64_t kOffsets[] = {0x500, 0x502, 0x504, 0x506, 0x508, 0x50a, 0x50c, 0x50e,
                                      0x510, 0x512, 0x514, 0x000, 0x07e, 0x400, 0x600, 0x10};
constexpr std::uint64_t kValues[] = {0xb0c5, 0xb0c0, 640, 480, 800, 600, 1024, 768,
                                     32, 24, 16, 0x41, 0x01, 0, 0xffff, 64};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const fuzz::VfioSample sample{mbochs_state, kOffsets, kValues, plane_matches_dispi};
    return fuzz::run_vfio_input<samples::MbochsParent>(data, size, sample);
}
