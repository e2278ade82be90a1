// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtio/virtio_faults.hpp"

namespace mdev::virtio {

namespace {

const FaultDecl kNeedsReset{
    "needs-reset",
    "at once: device_status reads DEVICE_NEEDS_RESET until the driver resets the device, "
    "and a configuration change interrupt is sent"};
const FaultDecl kConfigChange{
    "config-change",
    "at once: a configuration change interrupt with nothing changed"};

} // namespace

VirtioFaults VirtioFaults::declare(FaultSet &set)
{
    return VirtioFaults{set.declare(kNeedsReset), set.declare(kConfigChange)};
}

} // namespace mdev::virtio
