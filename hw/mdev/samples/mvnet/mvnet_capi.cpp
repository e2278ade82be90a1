// SPDX-License-Identifier: GPL-2.0-or-later
// mvnet's C entry points (mvnet.h).
#include "samples/mvnet/mvnet.h"

#include "capi.hpp"
#include "samples/mvnet/mvnet.hpp"

#include <cstring>

using mdev::samples::MvnetMdev;
using mdev::samples::MvnetParent;

extern "C" void mdev_mvnet_register(void)
{
    mdev::capi::ensure_parent<MvnetParent>("mvnet");
}

extern "C" MvnetState *mdev_mvnet_state(MdevHandle *h)
{
    return &h->device->vendor_state<MvnetMdev>().state();
}

extern "C" void mdev_mvnet_get_mac(MdevHandle *h, uint8_t mac[MVNET_MAC_LEN])
{
    std::memcpy(mac, mdev_mvnet_state(h)->mac, MVNET_MAC_LEN);
}

extern "C" void mdev_mvnet_set_mac(MdevHandle *h, const uint8_t mac[MVNET_MAC_LEN])
{
    std::memcpy(mdev_mvnet_state(h)->mac, mac, MVNET_MAC_LEN);
}

extern "C" bool mdev_mvnet_post_load(MdevHandle *h)
{
    // Re-deriving interrupt levels is device code: pinned like any entry.
    return mdev::capi::enter(h, false, [](mdev::Device &dev) {
        return dev.vendor_state<MvnetMdev>().state_is_valid();
    });
}
