// SPDX-License-Identifier: GPL-2.0-or-later
#include "hw/mdev/device.hpp"

#include <cstdio>

namespace mdev {

void Device::guest_error(const char *fmt, ...) const
{
    if (!has_host_) {
        return;
    }
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    host_port_.guest_error(text);
}

} // namespace mdev
