// SPDX-License-Identifier: GPL-2.0-or-later
// mbochs's C entry points (mbochs.h).
#include "samples/mbochs/mbochs.h"

#include "capi.hpp"
#include "samples/mbochs/mbochs.hpp"

using mdev::samples::MbochsMdev;
using mdev::samples::MbochsParent;

extern "C" void mdev_mbochs_register(void)
{
    mdev::capi::ensure_parent<MbochsParent>("mbochs");
}

extern "C" MbochsDeviceState *mdev_mbochs_state(MdevHandle *h)
{
    return &h->device->vendor_state<MbochsMdev>().state();
}

extern "C" bool mdev_mbochs_post_load(MdevHandle *h)
{
    // Re-deriving interrupt levels is device code: pinned like any entry.
    return mdev::capi::enter(h, false, [](mdev::Device &dev) {
        return dev.vendor_state<MbochsMdev>().post_load();
    });
}
