// SPDX-License-Identifier: GPL-2.0-or-later
// mdpy's C entry points (mdpy.h).
#include "samples/mdpy/mdpy.h"

#include "capi.hpp"
#include "samples/mdpy/mdpy.hpp"

using mdev::samples::MdpyMdev;
using mdev::samples::MdpyParent;

extern "C" void mdev_mdpy_register(void)
{
    mdev::capi::ensure_parent<MdpyParent>("mdpy");
}

extern "C" MdpyDeviceState *mdev_mdpy_state(MdevHandle *h)
{
    return &h->device->vendor_state<MdpyMdev>().state();
}

extern "C" bool mdev_mdpy_post_load(MdevHandle *h)
{
    // Re-deriving interrupt levels is device code: pinned like any entry.
    return mdev::capi::enter(h, false, [](mdev::Device &dev) {
        return dev.vendor_state<MdpyMdev>().resync();
    });
}
