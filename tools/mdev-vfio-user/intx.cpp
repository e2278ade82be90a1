// SPDX-License-Identifier: GPL-2.0-or-later
#include "intx.hpp"

#include <algorithm>

namespace mdev::vfio_user {

void IntxLine::fire()
{
    deferred_ = false;
    if (fire_()) {
        masked_ = true; // automasked until the client unmasks
    }
}

void IntxLine::set_level(bool asserted)
{
    level_ = asserted;
    if (!asserted) {
        // The cause is gone: a deferred fire has nothing left to say.
        deferred_ = false;
        return;
    }
    // Still up and deferred: the deadline decides. Otherwise every
    // assertion seen unmasked fires (and retries one that could not).
    if (!masked_ && !deferred_) {
        fire();
    }
}

void IntxLine::unmask(Clock::time_point now)
{
    masked_ = false;
    if (level_) {
        deferred_ = true;
        unmasked_at_ = now;
    }
}

std::optional<IntxLine::Clock::time_point> IntxLine::deadline() const
{
    if (!deferred_ || masked_ || !level_) {
        return std::nullopt;
    }
    return std::min(unmasked_at_ + timing_.longest,
                    std::max(unmasked_at_, last_activity_) + timing_.quiet);
}

void IntxLine::due(Clock::time_point now)
{
    const std::optional<Clock::time_point> when = deadline();
    if (when && now >= *when) {
        fire();
    }
}

void IntxLine::reset()
{
    masked_ = false;
    deferred_ = false;
}

} // namespace mdev::vfio_user
