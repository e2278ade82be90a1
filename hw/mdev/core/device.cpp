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

void Device::block_migration(std::string_view reason)
{
    if (migration_blocked_ && migration_blocker_ == reason) {
        return;
    }
    migration_blocked_ = true;
    migration_blocker_ = std::string(reason);
    if (has_host_) {
        host_port_.block_migration(migration_blocker_);
    }
}

void Device::unblock_migration()
{
    if (!migration_blocked_) {
        return;
    }
    migration_blocked_ = false;
    migration_blocker_.clear();
    if (has_host_) {
        host_port_.unblock_migration();
    }
}

} // namespace mdev
