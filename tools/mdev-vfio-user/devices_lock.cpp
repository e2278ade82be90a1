// SPDX-License-Identifier: GPL-2.0-or-later
// The one lock under which every served device's code runs (event_loop.hpp).
#include "event_loop.hpp"

namespace mdev::vfio_user {

std::mutex &devices_lock()
{
    static std::mutex lock;
    return lock;
}

} // namespace mdev::vfio_user
