// SPDX-License-Identifier: GPL-2.0-or-later
// The virtio frontend's C interface (virtio-pci.h), for the QOM glue. Every
// entry pins the device for the call (capi::Entry), and a null handle gets
// the answer of a device that is not there.
#include "hw/mdev/capi/virtio-pci.h"

#include <cstdlib>
#include <linux/pci_regs.h>
#include <linux/virtio_pci.h>

#include "capi.hpp"
#include "virtio/pci_caps.hpp"
#include "virtio/transport.hpp"
#include "virtio/virtio_driver.hpp"

using mdev::Device;
using mdev::capi::enter;
using mdev::virtio::Transport;

namespace {

// The glue only calls these for handles of class virtio, which the virtio
// driver bound: a null here is a bug in the glue, not a guest's doing.
Transport &transport_of(Device &dev)
{
    Transport *t = mdev::virtio::transport(dev);
    if (!t) {
        std::abort();
    }
    return *t;
}

} // namespace

extern "C" void mdev_virtio_identity(MdevHandle *h, MdevVirtioIdentity *out)
{
    *out = MdevVirtioIdentity{};
    enter(h, [&](Device &dev) { *out = transport_of(dev).identity(); });
}

extern "C" void mdev_virtio_cap_layout(const MdevVirtioIdentity *id, MdevVirtioCapLayout *out)
{
    *out = mdev::virtio::cap_layout(*id);
}

extern "C" void mdev_virtio_cap_bytes(const MdevVirtioCap *cap, uint8_t *body,
                                      uint8_t *write_mask)
{
    const std::size_t n = cap->len - PCI_CAP_FLAGS;
    mdev::virtio::cap_bytes(*cap, {body, n}, {write_mask, n});
}

extern "C" bool mdev_virtio_cfg_window(const uint8_t *cap, MdevVirtioCfgWindow *out)
{
    return mdev::virtio::cfg_window({cap, sizeof(virtio_pci_cfg_cap)}, *out);
}

extern "C" MdevVirtioTransportState *mdev_virtio_state(MdevHandle *h)
{
    return enter(h, static_cast<MdevVirtioTransportState *>(nullptr),
                 [](Device &dev) { return &transport_of(dev).state(); });
}

extern "C" uint64_t mdev_virtio_bar_read(MdevHandle *h, uint64_t offset, unsigned size)
{
    return enter(h, std::uint64_t(0),
                 [&](Device &dev) { return transport_of(dev).bar_read(offset, size); });
}

extern "C" void mdev_virtio_bar_write(MdevHandle *h, uint64_t offset, uint64_t value,
                                      unsigned size)
{
    enter(h, [&](Device &dev) { transport_of(dev).bar_write(offset, value, size); });
}

extern "C" void mdev_virtio_set_msix_enabled(MdevHandle *h, bool enabled)
{
    enter(h, [&](Device &dev) { transport_of(dev).set_msix_enabled(enabled); });
}

extern "C" void mdev_virtio_set_access_platform(MdevHandle *h, bool offered)
{
    enter(h, [&](Device &dev) { transport_of(dev).set_access_platform(offered); });
}

extern "C" bool mdev_virtio_dma_translated(MdevHandle *h)
{
    return enter(h, false, [](Device &dev) { return transport_of(dev).dma_translated(); });
}

extern "C" void mdev_virtio_reset(MdevHandle *h)
{
    enter(h, [](Device &dev) { transport_of(dev).reset(); });
}

extern "C" bool mdev_virtio_post_load(MdevHandle *h)
{
    return enter(h, false, [](Device &dev) { return transport_of(dev).post_load(); });
}
