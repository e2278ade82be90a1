// SPDX-License-Identifier: GPL-2.0-or-later
// Where the virtio-pci function's capabilities go and what they hold: the
// vendor-specific virtio capabilities (common, ISR, device, notify, PCI
// configuration access) that point into the structure BAR, laid out once
// for every host that builds the function (QEMU's glue through the C
// interface in virtio-pci.h, the vfio-user server directly), and the
// configuration access window a driver sets up in the last one.
#pragma once

#include "hw/mdev/capi/virtio-pci.h"

#include <cstdint>
#include <span>

namespace mdev::virtio {

// The capabilities of a function with this identity (its number of queues
// and device config size decide the notify and device structures).
MdevVirtioCapLayout cap_layout(const MdevVirtioIdentity &id);

// One capability's bytes from PCI_CAP_FLAGS on and the driver-writable bits
// among them; each span holds cap.len - PCI_CAP_FLAGS bytes.
void cap_bytes(const MdevVirtioCap &cap, std::span<std::uint8_t> body,
               std::span<std::uint8_t> write_mask);

// The window described by the configuration access capability whose bytes
// (from its ID on) are `cap`: true if it is a 1, 2 or 4-byte aligned
// access inside the structure BAR. `out` is filled either way.
bool cfg_window(std::span<const std::uint8_t> cap, MdevVirtioCfgWindow &out);

} // namespace mdev::virtio
