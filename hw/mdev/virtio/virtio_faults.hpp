// SPDX-License-Identifier: GPL-2.0-or-later
// The faults every mdev of class virtio gets from the frontend
// (docs/fault-injection.md): declared here, performed by the Transport.
#pragma once

#include "hw/mdev/fault.hpp"

namespace mdev::virtio {

struct VirtioFaults {
    // needs-reset: at once, device_status reads DEVICE_NEEDS_RESET (virtio
    // 1.x 2.1.2) until the driver resets the device, and a configuration
    // change interrupt tells the driver.
    FaultSet::Id needs_reset;
    // config-change: at once, a configuration change interrupt with nothing
    // changed.
    FaultSet::Id config_change;
    // drop-used: the next used-ring update is not published (checked by the
    // device's ring code, kDropUsedFault in virtio_ops.hpp).
    FaultSet::Id drop_used;

    // Declares them in `set` (again on a re-bind: the same ids).
    static VirtioFaults declare(FaultSet &set);
};

} // namespace mdev::virtio
