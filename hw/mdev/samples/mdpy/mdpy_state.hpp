// SPDX-License-Identifier: GPL-2.0-or-later
// The state of one mdpy mdev that is not its framebuffer, as plain data: the
// config space its vfio face keeps. It migrates as declared in mdpy.cpp; the
// framebuffer is the host memory behind BAR0 and migrates as RAM (the vfio
// frontend registers it).
#pragma once

#include <cstddef>
#include <cstdint>

namespace mdev::samples {

inline constexpr std::size_t MDPY_CONFIG_SPACE_SIZE = 256;

struct MdpyDeviceState {
    // PCI config space as the device holds it (the vfio config region).
    std::uint8_t config[MDPY_CONFIG_SPACE_SIZE];
};

} // namespace mdev::samples
