// SPDX-License-Identifier: GPL-2.0-or-later
// mdpy (a fixed-mode framebuffer display) through the vfio frontend: its
// RAM-backed BAR0, config space with the mode capability, resets, and the
// display plane the console would show.
#include "samples/mdpy/mdpy.hpp"
#include "vfio_sequence.hpp"

namespace {

using namespace mdev;

std::span<const std::uint8_t> mdpy_state(Device &dev)
{
    const samples::MdpyDeviceState &s = dev.vendor_state<samples::MdpyMdev>().state();
    return {reinterpret_cast<const std::uint8_t *>(&s), sizeof(s)};
}

// Config-space fields a guest driver touches: command, BAR0, the vendor
// capability with the mode.
constexpr std::uint64_t kOffsets[] = {0x0, 0x4, 0x10, 0x14, 0x34, 0x40, 0x44, 0x48, 0x4c};
constexpr std::uint64_t kValues[] = {0, 0xffffffff, 0x7, 0xfe000000, 640, 480, 0x34325258};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const fuzz::VfioSample sample{mdpy_state, kOffsets, kValues, nullptr,
                                         /*keep_devices=*/true};
    return fuzz::run_vfio_input<samples::MdpyParent>(data, size, sample);
}
