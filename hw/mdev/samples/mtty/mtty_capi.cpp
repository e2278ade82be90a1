// SPDX-License-Identifier: GPL-2.0-or-later
// mtty's C entry points (mtty.h).
#include "samples/mtty/mtty.h"

#include "capi.hpp"
#include "samples/mtty/mtty.hpp"

using mdev::samples::MttyMdev;
using mdev::samples::MttyParent;

extern "C" void mdev_mtty_register(void)
{
    mdev::capi::ensure_parent<MttyParent>("mtty");
}

extern "C" MttyDeviceState *mdev_mtty_state(MdevHandle *h)
{
    return &h->device->vendor_state<MttyMdev>().state();
}

extern "C" MttyVirtioState *mdev_mtty_virtio_state(MdevHandle *h)
{
    return &h->device->vendor_state<MttyMdev>().virtio().state;
}

extern "C" bool mdev_mtty_post_load(MdevHandle *h)
{
    // Re-deriving interrupt levels is device code: pinned like any entry.
    return mdev::capi::enter(h, false, [](mdev::Device &dev) {
        return dev.vendor_state<MttyMdev>().resync();
    });
}
