// SPDX-License-Identifier: GPL-2.0-or-later
// The monitor's commands (docs/vfio-user.md, "Monitor"): the mdev queries
// and the fault commands of qapi/mdev.json, with the arguments, results and
// error messages our QEMU has. The faults are the devices' own FaultSet
// (include/hw/mdev/fault.hpp), the QEMU-free model the QMP glue reaches
// through mdev-fault.h; only the glue's part (finding the mdev by UUID,
// QMP's arguments to text) is done again here, over the server's devices.
#pragma once

#include "json.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mdev::vfio_user {

// One mdev the server serves.
struct ServedMdev {
    std::string uuid;   // canonical
    std::string socket; // where it is served
};

// What the commands act on: the server's devices (main.cpp), or a test's.
class MonitorTarget {
public:
    virtual ~MonitorTarget() = default;
    virtual std::vector<ServedMdev> mdevs() const = 0;
    // Runs `fn` on the thread that serves mdev `uuid` (device_tasks.hpp)
    // and waits for it; false and one line in *error if it did not run.
    virtual bool run_on_device(const std::string &uuid, std::function<void()> fn,
                               std::string *error) = 0;
};

struct CommandResult {
    std::optional<Json> value; // {"return": value}
    std::string error_class = "GenericError";
    std::string error;         // {"error": ...} when value is empty
};

// Runs command `name` with `args` (an object). Unknown commands are
// CommandNotFound, as in QEMU; qmp_capabilities and quit are the session's
// (qmp_session.hpp).
CommandResult run_command(MonitorTarget &target, const std::string &name, const Json &args);

// The commands run_command knows, for the session and the docs.
bool is_monitor_command(const std::string &name);

} // namespace mdev::vfio_user
