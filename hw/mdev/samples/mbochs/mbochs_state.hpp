// SPDX-License-Identifier: GPL-2.0-or-later
// The register state of one mbochs mdev, as plain data: the bochs DISPI
// register file and the config space its vfio face keeps; the model works
// on it by reference and mbochs.cpp declares it for migration. The video
// memory is not here: it is a RAM-backed BAR (common/lazy_memory.hpp), migrated as
// RAM.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mdev::samples {

// DISPI registers 0x0 (ID) .. 0xa (VIDEO_MEMORY_64K), 16 bits each.
inline constexpr int MBOCHS_DISPI_NUM_REGS = 11;
inline constexpr int MBOCHS_CONFIG_SPACE_SIZE = 256;

struct MbochsDeviceState {
    // Indexed by the DISPI register index (MbochsDispiReg in mbochs_dispi.hpp).
    std::uint16_t dispi[MBOCHS_DISPI_NUM_REGS];
    // PCI config space as the device holds it (the vfio config region).
    std::uint8_t config[MBOCHS_CONFIG_SPACE_SIZE];
};

} // namespace mdev::samples
