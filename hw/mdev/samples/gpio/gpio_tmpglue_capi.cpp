// SPDX-License-Identifier: GPL-2.0-or-later
// TEMPORARY: gpio's C entry points for gpio_tmpglue.c (see gpio_tmpglue.h).
#include "samples/gpio/gpio_tmpglue.h"

#include "capi.hpp"
#include "samples/gpio/gpio.hpp"

#include <cstddef>

using mdev::samples::GpioMdev;
using mdev::samples::GpioParent;
using mdev::samples::GpioRegs;

// The C mirror must be the same bytes, since VMState writes through it.
static_assert(sizeof(GpioTmpRegs) == sizeof(GpioRegs));
static_assert(offsetof(GpioTmpRegs, out) == offsetof(GpioRegs, out));
static_assert(offsetof(GpioTmpRegs, irq_enabled) == offsetof(GpioRegs, irq_enabled));
static_assert(offsetof(GpioTmpRegs, irq_status) == offsetof(GpioRegs, irq_status));
static_assert(offsetof(GpioTmpRegs, filters_on) == offsetof(GpioRegs, filters_on));
static_assert(offsetof(GpioTmpRegs, filter_mask) == offsetof(GpioRegs, filter_mask));

extern "C" void mdev_gpio_register(void)
{
    mdev::capi::ensure_parent<GpioParent>("gpio");
}

extern "C" GpioTmpRegs *mdev_gpio_regs(MdevHandle *h)
{
    return reinterpret_cast<GpioTmpRegs *>(
        &h->device->vendor_state<GpioMdev>().regs_for_migration());
}

extern "C" bool mdev_gpio_post_load(MdevHandle *h)
{
    return mdev::capi::enter(h, false, [](mdev::Device &dev) {
        dev.vendor_state<GpioMdev>().post_load();
        return true;
    });
}
