// SPDX-License-Identifier: GPL-2.0-or-later
// Where a device reports what a guest did wrong. The core knows nothing of
// QEMU: a frontend running inside QEMU installs a log that ends in
// qemu_log_mask(LOG_GUEST_ERROR, ...); unit tests install one that records.
#pragma once

#include <string_view>

namespace mdev {

class GuestLog {
public:
    virtual ~GuestLog() = default;
    virtual void guest_error(std::string_view message) = 0;
};

} // namespace mdev
