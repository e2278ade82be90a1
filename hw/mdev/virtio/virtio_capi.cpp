// SPDX-License-Identifier: GPL-2.0-or-later
// The virtio frontend's C interface (virtio-pci.h), for the QOM glue.
#include "hw/mdev/virtio-pci.h"

#include <cstdlib>

#include "capi.hpp"
#include "virtio/transport.hpp"
#include "virtio/virtio_driver.hpp"

using mdev::virtio::Transport;

namespace {

// The glue only calls these for handles of class virtio, which the virtio
// driver bound: a null here is a bug in the glue, not a guest's doing.
Transport &transport_of(MdevHandle *h)
{
    Transport *t = mdev::virtio::transport(*h->device);
    if (!t) {
        std::abort();
    }
    return *t;
}

} // namespace

extern "C" void mdev_virtio_identity(MdevHandle *h, MdevVirtioIdentity *out)
{
    *out = transport_of(h).identity();
}

extern "C" MdevVirtioTransportState *mdev_virtio_state(MdevHandle *h)
{
    return &transport_of(h).state();
}

extern "C" uint64_t mdev_virtio_bar_read(MdevHandle *h, uint64_t offset, unsigned size)
{
    return transport_of(h).bar_read(offset, size);
}

extern "C" void mdev_virtio_bar_write(MdevHandle *h, uint64_t offset, uint64_t value,
                                      unsigned size)
{
    transport_of(h).bar_write(offset, value, size);
}

extern "C" void mdev_virtio_set_msix_enabled(MdevHandle *h, bool enabled)
{
    transport_of(h).set_msix_enabled(enabled);
}

extern "C" void mdev_virtio_reset(MdevHandle *h)
{
    transport_of(h).reset();
}

extern "C" bool mdev_virtio_post_load(MdevHandle *h)
{
    return transport_of(h).post_load();
}
