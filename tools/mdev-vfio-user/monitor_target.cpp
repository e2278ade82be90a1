// SPDX-License-Identifier: GPL-2.0-or-later
#include "monitor_target.hpp"

#include "event_loop.hpp"
#include "server.hpp"

#include "hw/mdev/uuid.hpp"

namespace mdev::vfio_user {

std::vector<ServedMdev> ServerMonitorTarget::mdevs() const
{
    std::vector<ServedMdev> out;
    for (const auto &d : devices_) {
        const std::optional<Uuid> u = Uuid::parse(d->spec().uuid);
        out.push_back({u ? u->to_string() : d->spec().uuid, d->spec().socket});
    }
    return out;
}

bool ServerMonitorTarget::run_on_device(const std::string &uuid, std::function<void()> fn,
                                        std::string *error)
{
    for (const auto &d : devices_) {
        const std::optional<Uuid> u = Uuid::parse(d->spec().uuid);
        if (!u || u->to_string() != uuid) {
            continue;
        }
        DeviceTasks *tasks = loop_.tasks(*d);
        if (!tasks) {
            *error = "mdev " + uuid + " is not being served";
            return false;
        }
        switch (tasks->run(std::move(fn), patience_)) {
        case DeviceTasks::Outcome::ran:
            return true;
        case DeviceTasks::Outcome::not_taken:
            *error = "mdev " + uuid + ": its thread is busy with a message of its client " +
                     "(nothing was done); try again";
            return false;
        case DeviceTasks::Outcome::stopped:
            *error = "mdev " + uuid + ": the server is stopping";
            return false;
        }
    }
    *error = "no mdev has UUID " + uuid;
    return false;
}

} // namespace mdev::vfio_user
