// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtio/virtio_faults.hpp"
#include "hw/mdev/virtio_ops.hpp"
#include "hw/mdev/capi/virtio-pci.h"

#include <array>

namespace mdev::virtio {

namespace {

const FaultDecl kNeedsReset{
    "needs-reset",
    "at once: device_status reads DEVICE_NEEDS_RESET until the driver resets the device, "
    "which until then moves nothing (doorbells and status writes but 0 are ignored), and "
    "a configuration change interrupt is sent"};
const FaultDecl kConfigChange{
    "config-change",
    "at once: a configuration change interrupt with nothing changed"};
constexpr std::array<FaultParam, 1> kDropUsedParams{{
    {"queue", FaultParamType::integer, "only used entries of this virtqueue (default: any)",
     {}, 0, MDEV_VIRTIO_MAX_QUEUES - 1},
}};
const FaultDecl kDropUsed{
    kDropUsedFault,
    "the next used-ring update is not published: the device consumed the chain but "
    "neither writes its used entry nor advances the used index (no interrupt for it), so "
    "the driver never gets the buffer back until it resets the device",
    kDropUsedParams};
static_assert(kDropUsedQueue == 0);

} // namespace

VirtioFaults VirtioFaults::declare(FaultSet &set)
{
    return VirtioFaults{set.declare(kNeedsReset), set.declare(kConfigChange),
                        set.declare(kDropUsed)};
}

} // namespace mdev::virtio
